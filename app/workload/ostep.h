/*
 * ostep.h - heapviz's OSTEP mode: malloc.py's program on the `ostep` design.
 *
 * `heapviz [HEAPVIZ OPTIONS] --ostep [MALLOC.PY FLAGS]` reads everything
 * after --ostep as malloc.py's flags (ostep_flags.h). Headless, it prints
 * exactly what `python3 malloc.py FLAGS` prints: the settings, then each
 * operation and the free list (or malloc.py's "?" without -c). Where
 * malloc.py stops with a Python error, heapviz prints the same lines, then
 * one sentence on stderr, and exits 2 (a bad flag) or 1 (a bad -A list).
 * No SDL here.
 */
#ifndef HEAPVIZ_OSTEP_H
#define HEAPVIZ_OSTEP_H

#include "allocator.h"
#include "options.h"
#include "ostep_flags.h"
#include <stdio.h>

typedef enum {
    OSTEP_STEP_ALLOC,            /* ptr[index] = Alloc(size) */
    OSTEP_STEP_FREE,             /* Free(ptr[index]) */
    OSTEP_STEP_SKIP              /* -A's "Invalid Free: Skipping" */
} OstepStepKind;

/* One operation of malloc.py's run, as it prints it. */
typedef struct {
    OstepStepKind kind;
    uint64_t number;             /* 1, 2, ...: the operation's place in the run */
    int64_t index;               /* the ptr[] index */
    int64_t size;                /* Alloc's size */
    int64_t returned;            /* what "returned" shows: an address, -1 (+ header), or 0/-1 */
    uint64_t searched;           /* Alloc's "searched N elements" */
    bool failed;                 /* Alloc found no block, or Free returned -1 */
    uint64_t payload;            /* the payload offset Alloc placed or Free was given (0: none) */
} OstepStep;

enum { OSTEP_LINE_MAX = 160 };   /* room for one operation's or one list entry's words */

/* The line(s) malloc.py prints for `step`: "ptr[3] = Alloc(5) returned 1012
 * (searched 3 elements)", "Free(ptr[1])\nreturned 0" or "Invalid Free:
 * Skipping", with "returned ?" where `shown` is false (malloc.py without -c).
 * No trailing newline. */
void ostep_step_words(const OstepStep *step, bool shown, char *text, size_t size);

/* malloc.py's name of a free-list entry: "[ addr:1000 sz:3 ]". */
void ostep_entry_words(int64_t address, int64_t size, char *text, size_t text_size);

/* The address malloc.py shows for an offset of a heap of the ostep design. */
int64_t ostep_address(const Allocator *heap, uint64_t offset);

/* The ostep design's setup for `flags` (malloc.py's constructor asserts: a
 * known policy and list order, an alignment of -1 or above 0). Returns 0,
 * or EXIT_BAD_USAGE with one sentence in `message`. */
int ostep_setup(const OstepFlags *flags, AllocatorSetup *setup, char *message, size_t size);

/* Called after every operation with the heap as it stands. */
typedef void (*OstepStepFn)(void *context, const OstepStep *step, const Allocator *heap);

/* Runs malloc.py's program for `flags`, writing its standard output to
 * `out` and calling `on_step` (may be NULL) after each operation. Returns 0,
 * or EXIT_BAD_USAGE / EXIT_BAD_INPUT with one sentence in `message` where
 * malloc.py would stop with an error (what it printed first is in `out`). */
int ostep_program_run(const OstepFlags *flags, FILE *out, OstepStepFn on_step, void *context,
                      char *message, size_t message_size);

/* `heapviz --headless ... --ostep FLAGS`: parses the flags, prints malloc.py's
 * output on stdout, writes --csv if asked; returns the exit status, having
 * written any sentence on stderr. */
int ostep_headless(const Options *options);

/* Whether --ostep FLAGS parse and ask for malloc.py's help (-h, --help, --hel):
 * the help is then printed as headless prints it, with or without a window. */
bool ostep_asks_for_help(const Options *options);

#endif
