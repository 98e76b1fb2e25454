/*
 * delta.h - the words of a run's state that changed between two history
 * snapshots (delta.c).
 *
 * A run lists its state as spans of its memory (run_state_spans). A Delta
 * is, span by span, the 8-byte words where a later state differs from an
 * earlier one: which word and its new value. Applying it to a run in the
 * earlier state (same span sizes) puts the run in the later state. On a
 * big heap a few thousand steps change a few tens of thousands of words out
 * of millions, so a snapshot kept as a delta costs what changed, not a heap.
 */
#ifndef HEAPVIZ_DELTA_H
#define HEAPVIZ_DELTA_H

#include "run.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint32_t span_ends[RUN_MAX_SPANS]; /* words[span_ends[k - 1], span_ends[k]) are span k's */
    uint32_t span_count;
    uint32_t *words;             /* the word's index in its span, increasing within a span */
    uint64_t *values;            /* its new value */
    uint64_t count;              /* changed words */
} Delta;

/* Whether two runs' spans have the same count and sizes (a delta between
 * them can be taken and applied). */
bool delta_spans_match(Run *a, Run *b);

/* Makes `delta` the words where `later` differs from `base` and writes them
 * into `base`, which is then in later's state. The spans must match. False
 * when memory ran out: base is then torn (parts of both) and delta empty. */
bool delta_take(Delta *delta, Run *base, Run *later);

/* Writes the delta's words into `run`, whose spans match those it was taken
 * over and which is in the state it was taken from. */
void delta_apply(const Delta *delta, Run *run);

/* Makes `later` the delta from the state before `earlier` to the state
 * after `later` (earlier's words, then later's over them). False when
 * memory ran out (later unchanged). */
bool delta_merge(Delta *later, const Delta *earlier);

void delta_release(Delta *delta);

/* Bytes of host memory the delta holds. */
uint64_t delta_memory_bytes(const Delta *delta);

#endif
