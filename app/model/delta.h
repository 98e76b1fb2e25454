/*
 * delta.h - the words of a run's state that differ between two history
 * snapshots (delta.c).
 *
 * A run lists its state as spans of its memory (run_state_spans). A Delta
 * is, span by span, the 8-byte words where one state differs from another:
 * which word and how it differs (the two values XORed). Applying it to a
 * run in either state (same span sizes) puts the run in the other one, so
 * one delta serves a jump forward and a jump back. On a big heap a few
 * thousand steps change a few tens of thousands of words out of millions,
 * so a snapshot kept as a delta costs what changed, not a heap; and each
 * changed word takes about 3 bytes, not 12: a head byte that holds its
 * distance from the word before (when small, as most are) and the width of
 * the XOR of its values, then that XOR in as few bytes as hold it.
 */
#ifndef HEAPVIZ_DELTA_H
#define HEAPVIZ_DELTA_H

#include "run.h"

#include <stdbool.h>
#include <stdint.h>

enum { DELTA_SPLITS = 4 };

typedef struct {
    uint64_t span_ends[RUN_MAX_SPANS]; /* bytes[span_ends[k - 1], span_ends[k]) encode span k's words */
    uint32_t span_count;
    uint8_t *bytes;              /* per changed word: its index minus the previous changed
                                    word's in the span (the first: its index), and the two
                                    values XORed (never 0), as delta.c describes; then 8
                                    zero bytes a reader may load */
    uint64_t count;              /* changed words */
    /* Where a reader may start half-way through the entries of the spans
     * with the most (DELTA_SPLITS of them), so that an apply reads each
     * such span as two streams side by side: the span, the entry's offset
     * in `bytes` and the word the entry before it changed. */
    struct {
        uint32_t span;
        uint64_t at, word;
    } splits[DELTA_SPLITS];
    uint32_t split_count;
} Delta;

/* Whether two runs' spans have the same count and sizes (a delta between
 * them can be taken and applied). */
bool delta_spans_match(Run *a, Run *b);

/* Makes `delta` the words where `later` differs from `base` and writes them
 * into `base`, which is then in later's state. The spans must match. False
 * when memory ran out: base is then torn (parts of both) and delta empty. */
bool delta_take(Delta *delta, Run *base, Run *later);

/* As delta_take, but `base` is left as it is (only read). False when
 * memory ran out (delta empty). */
bool delta_between(Delta *delta, Run *base, Run *later);

/* Flips `run` between the two states the delta was taken between: a run in
 * either of them (spans matching those it was taken over) ends in the
 * other. */
void delta_apply(const Delta *delta, Run *run);

/* Applies every delta of `deltas` to `run`, as delta_apply on each in turn
 * would (XOR: the order does not matter), but a piece of the run's memory at
 * a time, each piece changed by all of them while the cache holds it, instead
 * of each delta fetching the whole run from memory again. */
void delta_apply_all(const Delta *const *deltas, uint32_t count, Run *run);

/* Makes `later` the delta between the state before `earlier` and the state
 * after `later` (earlier taken from A to B, later from B to C: the result
 * takes A to C and C to A). False when memory ran out (later unchanged). */
bool delta_merge(Delta *later, const Delta *earlier);

void delta_release(Delta *delta);

/* Bytes of host memory the delta holds. */
uint64_t delta_memory_bytes(const Delta *delta);

#endif
