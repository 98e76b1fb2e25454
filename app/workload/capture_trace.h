/*
 * capture_trace.h - turning a capture log's records (capture_log.h) into a
 * CS:APP .rep trace and its sidecar of glibc's addresses.
 *
 * The rules, applied to the records in their order:
 * - malloc, calloc and the five aligned calls that returned a block: a new
 *   id, `a ID BYTES`;
 * - realloc and reallocarray: realloc(NULL, n) is a malloc, realloc(p, 0) a
 *   free; otherwise `r ID BYTES`, the id moving with the block;
 * - free: `f ID`;
 * - a call that returned NULL is left out (nothing changed), and counted;
 * - a free or realloc of a pointer never returned before (memory from before
 *   the library was ready, or from another allocator) is counted; the free
 *   is left out, the realloc becomes a malloc of the block it returned.
 *
 * The sidecar has one line per .rep operation, in the same order:
 * `THREAD CALL ADDRESS USABLE`, where THREAD numbers the program's threads
 * from 1 in the order they first allocated, CALL is the function called
 * (`memalign:64` for an aligned call), ADDRESS is the block glibc returned
 * (a free: the block freed) in hex, and USABLE is malloc_usable_size of it
 * (0 for a free).
 */
#ifndef HEAPVIZ_CAPTURE_TRACE_H
#define HEAPVIZ_CAPTURE_TRACE_H

#include "capture_log.h"
#include "output_file.h"
#include "workload.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t calls;              /* records read */
    uint64_t operations;         /* .rep operations written */
    uint64_t ids;                /* allocations, one id each */
    uint64_t failed;             /* calls that returned NULL, left out */
    uint64_t unknown_frees;      /* frees and reallocs of pointers never seen returned */
    uint64_t threads;            /* threads that allocated */
    uint64_t peak_bytes;         /* most bytes glibc held at once (usable + 8 per block) */
} CaptureCounts;

/* Counts what the records make (no output). False if out of memory. */
bool capture_trace_count(const CaptureRecord *records, uint64_t count, CaptureCounts *counts);

/* Writes the .rep trace to `rep` and the sidecar to `sidecar` (either may be
 * NULL), filling in `counts`. False if out of memory. */
bool capture_trace_write(const CaptureRecord *records, uint64_t count, OutputFile *rep,
                         OutputFile *sidecar, CaptureCounts *counts);

/* If TRACE_PATH.addr exists, reads the placement of each `a` and `r` of
 * *trace from it into (*trace)->placement_*, for the recorded design: each
 * address once, and per placement its address's index and usable size. True
 * if there is no such file, or it matches the trace line for line. On a bad
 * sidecar, destroys *trace (NULL) and returns false with
 * "PATH:LINE: what is wrong" in `message`. */
bool capture_attach_placements(const char *trace_path, Trace **trace, char *message,
                               size_t message_size);

/* The name of a CaptureCall ("malloc", ...), "?" if unknown. */
const char *capture_call_name(uint32_t call);

#endif
