/*
 * headless.h - heapviz --headless: runs the workload the options describe on
 * one heap (or, with --compare, one heap per policy) without a window, and
 * reports exact results: statistics as text or JSON, the block list, the
 * operations issued as a trace, one CSV row of statistics per step.
 * Output files appear whole or not at all (output_file.h).
 */
#ifndef HEAPVIZ_HEADLESS_H
#define HEAPVIZ_HEADLESS_H

#include "options.h"
#include "output_file.h"
#include "run.h"

/* Runs headless. Returns the exit status (0, EXIT_BAD_INPUT, EXIT_BAD_USAGE)
 * after printing "heapviz: <sentence>" to stderr on failure. */
int headless_run(const Options *options);

/* The program's version, "1.0.0". */
const char *headless_version(void);

/* Builds the workload the options describe: the simulation, or the trace
 * loaded from options->trace_path (*trace is then owned by the caller, else
 * NULL), and the heap configuration with the size resolved (given, or
 * workload_default_heap_bytes). False with "FILE:LINE: ..." in `message`
 * when the trace cannot be read. */
bool headless_load(const Options *options, Workload *workload, Trace **trace, AllocatorSetup *setup,
                   char *message, size_t message_size);

/* Whether every pane's design takes its configuration; if one does not,
 * writes one sentence saying why (the heap size it would need, or that the
 * alignment and minimum payload fit no heap) into `message`. */
bool headless_setup_fits(const Options *options, const AllocatorSetup *setup, char *message,
                         size_t message_size);

/* The block list, one block a line: "OFFSET SIZE used|free|dead", address order. */
void headless_write_blocks(OutputFile *file, const Allocator *heap);

/* One JSON object on one line (no newline): the statistics keys of issue 4
 * in order, then "policy" and "steps". */
void headless_write_stats_json(OutputFile *file, const Allocator *heap, uint64_t steps);

#endif
