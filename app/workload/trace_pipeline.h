/*
 * trace_pipeline.h - a trace file read on a second thread while the caller
 * replays the operations already parsed.
 *
 * Reading and parsing a million-op trace costs about as much as replaying
 * it under the fastest policies. A pipeline runs trace_load on a thread of
 * its own and hands out the operations a chunk at a time as they pass the
 * file's checks, so a replay can start with the first chunk and the whole
 * takes about the longer of the two instead of their sum.
 *
 * The replay sees a view of the trace: the header's numbers and the
 * operations array (which never moves), with no slots, so a run indexes its
 * id map by id (workload.h). Nothing the replay does counts until
 * trace_pipeline_finish says the whole file was good: an error anywhere in
 * the file wins, as it does when the file is read before the replay.
 */
#ifndef HEAPVIZ_TRACE_PIPELINE_H
#define HEAPVIZ_TRACE_PIPELINE_H

#include "workload.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct TracePipeline TracePipeline;

/* Starts reading the trace file `path` on a new thread. NULL if no thread
 * could be started (then load the file with trace_load). */
TracePipeline *trace_pipeline_start(const char *path);

/* Waits for the file's header and fills in *view: the header's suggested
 * heap, ids, weight and operation count, the operations array (read no
 * further than trace_pipeline_wait allows) and no slots. False if the load
 * ended first (a bad header, an OSTEP list, a file too short for the ops its
 * header announces): then only trace_pipeline_finish is left to call. */
bool trace_pipeline_view(TracePipeline *pipeline, Trace *view);

/* Waits until more than `done` operations may be read, and returns how
 * many (at most the view's op_count); returns `done` when no more will
 * come: the file is refused, or all of them were handed out. */
uint32_t trace_pipeline_wait(TracePipeline *pipeline, uint32_t done);

/* Waits for the thread and frees the pipeline. True with the whole trace in
 * *out, without slots like the view (the caller owns it, and with it the
 * array a view points to); false with trace_load's message (a view's array
 * is gone). */
bool trace_pipeline_finish(TracePipeline *pipeline, Trace **out, char *message,
                           size_t message_size);

#endif
