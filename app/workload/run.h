/*
 * run.h - one workload played on one heap, step by step (run.c).
 *
 * A Run owns the heap, the map from ids (simulation slots, trace ids) to
 * payload offsets, the simulation's PRNG and the step counter. A Run is
 * deterministic: the same workload, heap configuration and compaction
 * schedule give the same heap at every step, which is what time travel
 * (snapshots + replay), policy switching and the side-by-side comparison
 * rely on. No SDL, no files here.
 */
#ifndef HEAPVIZ_RUN_H
#define HEAPVIZ_RUN_H

#include "workload.h"

typedef struct Run Run;

/* Creates a run at step 0 on a new heap. `compact_steps` (sorted, may be
 * NULL) lists the step numbers at which a compaction is injected; the array
 * is not copied and must outlive the run. */
HeapError run_create(const Workload *workload, const AllocatorSetup *setup,
                     const uint64_t *compact_steps, uint32_t compact_count, Run **out);
void run_destroy(Run *run);

/* Deep copy / copy into an existing run of the same workload and config. */
Run *run_clone(const Run *run);
bool run_copy(Run *target, const Run *source);

/* Points the run at a new compaction schedule (same rules as run_create). */
void run_set_compactions(Run *run, const uint64_t *compact_steps, uint32_t compact_count);

/* Performs the next step and, unless `report` is NULL, says what it did.
 * Returns false (and does nothing) at the end. */
bool run_step(Run *run, StepReport *report);

/* Steps until run_position is `stop` (or the run's end, if sooner), as
 * run_step with no report would, and returns the position reached. Faster
 * than a loop of run_step: a trace's operations run in one tight loop. */
uint64_t run_advance(Run *run, uint64_t stop);

/* run_advance with the heap's events off (allocator.h's set_events_unread)
 * but for the last steps, from the last call sure to reach the heap on:
 * the same state, the heap's last event included, for less work where the
 * design records events (tags), for a caller that reads none of the steps. */
uint64_t run_advance_unwatched(Run *run, uint64_t stop);

/* run_advance for a trace's run, but a compaction the trace itself holds
 * (its `c`, not one of the schedule's) ends it: false, with the run left
 * just before that compaction. True once run_position is `stop` (or the
 * run's end). So a caller that must not replay a trace's compactions needs
 * no scan of its own over the operations. */
bool run_advance_before_compaction(Run *run, uint64_t stop);

uint64_t run_position(const Run *run);     /* steps done so far */
uint64_t run_total_steps(const Run *run);  /* base steps + injected compactions */
bool run_finished(const Run *run);
const Allocator *run_heap(const Run *run);
const Workload *run_workload(const Run *run);

/* The payload offset an id (slot or trace id) holds now, 0 if none. */
uint64_t run_id_payload(const Run *run, uint32_t id);

/* The id that holds the block with this payload, or -1. */
int64_t run_id_of_payload(const Run *run, uint64_t payload);

/* Most spans run_state_spans fills in. */
enum { RUN_MAX_SPANS = ALLOCATOR_MAX_SPANS + 10 };

/* The run's whole state as spans of its memory (allocator.h's state_spans):
 * the heap's, then the run's own step counters and id map (and a
 * simulation's generator and slots). Two runs of one workload and heap
 * configuration whose spans hold the same bytes are at the same step and
 * behave the same; writing one's span bytes over the other's (sizes equal)
 * and then run_set_compactions makes it that run. Returns 0 if the heap's
 * design has no state_spans. */
uint32_t run_state_spans(Run *run, AllocatorSpan *spans);

/* Bytes of host memory a run uses, for the history budget. */
uint64_t run_memory_bytes(const Run *run);

#endif
