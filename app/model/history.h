/*
 * history.h - time travel through one run: jump to any step, backwards or
 * forwards, within a memory budget.
 *
 * A History plays a workload on one heap configuration. A "frontier" run
 * computes the run ahead of the user, recording each step's statistics (for
 * the timeline plots) and keeping a snapshot of the run every `interval`
 * steps: a whole copy (a keyframe) or, for a design that lists its state as
 * spans of memory (allocator.h's state_spans), the words that differ from
 * the snapshot before (a delta, delta.h), which costs what changed instead
 * of a heap; some deltas are also anchors, the words that differ from the
 * keyframe. Snapshots are thinned out (every other one folded into the
 * next, the interval doubled) whenever they, the frontier, the current run
 * and the per-step samples outgrow the budget. A jump copies the keyframe
 * at or before the target's snapshot, applies the nearest anchor and the
 * deltas from there to it, forward or back (or keeps the current run if
 * that is nearer), and replays the rest; runs are deterministic, so going
 * back k and forward k again gives the same heap.
 * Compactions injected by the user rewrite the future: the schedule beyond
 * the current step is replaced and everything computed after it dropped.
 */
#ifndef HEAPVIZ_HISTORY_H
#define HEAPVIZ_HISTORY_H

#include "run.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct History History;

typedef enum {
    SERIES_EXTERNAL_FRAGMENTATION, /* percent */
    SERIES_UTILIZATION,            /* 0..1 */
    SERIES_FREE_BLOCKS,
    SERIES_LARGEST_FREE,           /* bytes */
    SERIES_COUNT
} SeriesKind;

/* The statistics of one step (or the smallest and largest over a range). */
typedef struct {
    float values[SERIES_COUNT];
    bool failed;                 /* a request failed at this step (in the range) */
} HistorySample;

/* Arena bytes [start, end) changed since the last history_take_dirty, or
 * everything (`full`) after a copy from a snapshot. */
typedef struct {
    uint64_t start, end;
    bool full;
} DirtyRange;

/* Creates a history at step 0. `compact_steps` (sorted, copied) is the
 * initial compaction schedule. `budget_bytes` bounds the memory used; at
 * least three copies of the run are always kept (current, frontier, step 0). */
HeapError history_create(const Workload *workload, const AllocatorSetup *setup,
                         const uint64_t *compact_steps, uint32_t compact_count,
                         uint64_t budget_bytes, History **out);
void history_destroy(History *history);

/* The run at the current step and the report of the step that led there
 * (NULL at step 0). */
const Run *history_run(const History *history);
const StepReport *history_report(const History *history);
uint64_t history_position(const History *history);
uint64_t history_total(const History *history);     /* steps in the whole run */
uint64_t history_computed(const History *history);  /* steps the frontier has done */

/* Moves the current run to `step` (clamped to the total). False only when
 * memory ran out: the current run is then whole, at the step it was. */
bool history_jump(History *history, uint64_t step);

/* The highest end of any block the run placed up to the furthest step
 * computed (the whole run's high water once everything is computed). */
uint64_t history_high_water(const History *history);

/* Advances the frontier by up to `steps` steps; returns how many it did.
 * Once the whole run is computed, while history_settling, a call does
 * instead one piece of the work that follows (an anchor made where walks
 * are longest, about a jump's time) and returns 0. */
uint64_t history_compute_ahead(History *history, uint64_t steps);

/* Whether history_compute_ahead still has work after the whole run is
 * computed: a caller that computes ahead while idle goes on calling it. */
bool history_settling(const History *history);

/* Injects a compaction as the next step, drops the computed future and
 * performs the compaction. False when out of memory. */
bool history_compact_now(History *history);

/* What changed in the current run since the last call, then forgets it. */
DirtyRange history_take_dirty(History *history);

/* The compaction schedule (sorted step numbers). */
const uint64_t *history_compactions(const History *history, uint32_t *count);

/* The sample after step `step` (0: the empty heap); step <= computed. With
 * a sample span above 1, the sample of step's block: its last step's
 * statistics, and `failed` if any step of the block failed. */
HistorySample history_sample(const History *history, uint64_t step);

/* The statistics of the current run (at history_position), always exact. */
HistorySample history_now(const History *history);

/* The payload offset step `step` placed (malloc or realloc), 0 when it
 * placed nothing or failed; step <= computed. With a sample span above 1, a
 * hash of what every step of step's block placed (equal in two histories
 * whose block placed the same). */
uint64_t history_placed(const History *history, uint64_t step);

/* Steps per sample: 1, or 256 for a run whose per-step samples would take
 * more than a quarter of the budget (history_range is then per block). */
uint64_t history_sample_span(const History *history);

/* Smallest and largest of each series over steps [first, end), end <= computed + 1;
 * `failed` of both is whether any step in the range failed. */
void history_range(const History *history, uint64_t first, uint64_t end,
                   HistorySample *low, HistorySample *high);

/* Whether the run outgrew the budget even with only step 0's snapshot
 * left: the copies it always keeps (current, frontier, step 0) and the
 * samples cost more than the budget. Checked every few hundred steps. */
bool history_over_budget(const History *history);

/* How many snapshots are whole copies of the run and how many deltas (the
 * words changed since the snapshot before: designs that list their state). */
void history_snapshot_kinds(const History *history, uint32_t *keyframes, uint32_t *deltas);

/* How many of the deltas are also anchors: the state XOR the keyframe
 * before's, a place where a jump can enter the chain. */
uint32_t history_anchor_count(const History *history);

/* Bytes of host memory in use, the budget, and the snapshot spacing. */
uint64_t history_memory_bytes(const History *history);
uint64_t history_budget_bytes(const History *history);
uint64_t history_interval(const History *history);

#endif
