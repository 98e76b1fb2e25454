/*
 * trace.h - trace files: CS:APP malloc-lab .rep files (read and write) and
 * OSTEP malloc.py op lists (read).
 *
 * .rep: four header numbers (suggested heap size, number of ids, number of
 * operations, weight), then one operation a line: `a ID BYTES`, `f ID`,
 * `r ID BYTES`, and our extension `c` (compact), written only by traces
 * that contain a compaction. OSTEP: `+N` allocates N bytes, `-K` frees the
 * K-th allocation, separated by commas or white space.
 *
 * The parser is a hand-written scanner over the whole file in memory. It
 * checks the file on its own, whatever heap it will run on: every error is
 * one sentence "SOURCE:LINE: what is wrong".
 *
 * Ids and slots: a captured run names every block by its own id, so a trace
 * can have millions of ids of which only a few hundred hold a block at once.
 * Every trace (parsed or created) gives each op a slot: an id takes a free
 * slot when it is first named and gives it back after its last op, if that
 * op frees it. A run keeps its id map per slot, so its memory (and every
 * history snapshot's) follows the most ids in use at once, not the id count.
 */
#ifndef HEAPVIZ_TRACE_H
#define HEAPVIZ_TRACE_H

#include "output_file.h"
#include "workload.h"
#include <stdbool.h>
#include <stddef.h>

enum {
    TRACE_ANY_IDS = 1 << 24,     /* ids a .rep header may always give; more only as
                                    many as the file has operations (one id each) */
    TRACE_MAX_BYTES = 1 << 30,   /* largest trace file read */
    TRACE_READ_CHUNK = 256 << 10 /* a regular file is read and parsed this many bytes at a time */
};

/* Parses `length` bytes of `text` (a .rep file, or an OSTEP list when the
 * first non-blank character is '+', '-' or ','). `source` names the input in
 * messages and, without directories, becomes trace->name. On success the
 * caller owns *out (trace_destroy). On failure returns false with
 * "SOURCE:LINE: what is wrong" in `message`. */
bool trace_parse(const char *text, size_t length, const char *source, Trace **out,
                 char *message, size_t message_size);

/* Whether `text` reads as an OSTEP op list (its first non-blank character
 * is '+', '-' or ','), so `--trace "+3,-0,+5"` can give the list itself. */
bool trace_is_op_list(const char *text);

/* Reads and parses a file, a regular file a chunk at a time (the parse
 * starts on the first). An unreadable file gives "PATH: cannot read: REASON";
 * a NUL byte "PATH:LINE: a NUL byte: a trace is text", whatever else is
 * wrong; a file over TRACE_MAX_BYTES is refused before more of it is read,
 * and one that grows while it is read is refused too. */
bool trace_load(const char *path, Trace **out, char *message, size_t message_size);

/* What trace_load_watched tells its caller while it parses a .rep file, on
 * the thread that parses. `header`: the header is read and trace->ops has
 * room for all `op_count` operations it announces (no call if the file is
 * too short to hold them); that array never moves. `parsed`: the first
 * `op_count` operations are in the array and passed the file's own checks
 * (a call every few thousand ops and one at the end of the file).
 * `failed`: the file is refused (after `header` or before it); the array
 * is freed when this returns. */
typedef struct {
    void (*header)(void *context, const Trace *trace, uint32_t op_count);
    void (*parsed)(void *context, uint32_t op_count);
    void (*failed)(void *context);
    void *context;
} TraceWatcher;

/* trace_load, telling `watcher` (trace_pipeline.h) how the parse goes. The
 * trace comes without slots: it feeds runs that index their map by id. */
bool trace_load_watched(const char *path, const TraceWatcher *watcher, Trace **out,
                        char *message, size_t message_size);

/* trace_load_watched reading a regular file `chunk_bytes` at a time
 * (TRACE_READ_CHUNK there), parsing each chunk's whole lines as they come,
 * through a window of a few chunks (the file is never held whole): the
 * tests read files a byte at a time to put every token across a seam. */
bool trace_load_in_chunks(const char *path, size_t chunk_bytes, const TraceWatcher *watcher,
                          Trace **out, char *message, size_t message_size);

/* Numbers the slots of a trace that came without them (trace_load_watched),
 * as trace_parse does; false if memory ran out. A run over slots keeps a
 * map of the most ids in use at once, not of every id: a compaction scans
 * it whole. */
bool trace_number_slots(Trace *trace);

/* The capture's placements of `trace` (count 0 if it is not a capture), for
 * AllocatorConfig.recorded; the arrays stay the trace's. */
RecordedPlacements trace_placements(const Trace *trace);

/* Writes `trace` as a .rep file: header, then one operation a line. */
void trace_write(OutputFile *file, const Trace *trace);

/* The two halves of trace_write, for a trace written as it is made: the
 * four header numbers, and one operation's line. */
void trace_write_header(OutputFile *file, uint64_t suggested_heap, uint32_t id_count,
                        uint32_t op_count, uint32_t weight);
void trace_write_op(OutputFile *file, const Op *op);

/* Builds a trace that owns a copy of `ops` (name may be NULL). NULL if out of memory. */
Trace *trace_create(const char *name, uint64_t suggested_heap, uint32_t id_count,
                    const Op *ops, uint32_t op_count);

void trace_destroy(Trace *trace);

#endif
