/*
 * run.c - one workload played on one heap, step by step (see run.h).
 *
 * A Run owns its heap and a map from slots to payload offsets (0: empty):
 * a simulation slot, or a trace op's slot (trace.h), with the trace id that
 * holds each slot now (a new id in a slot starts it empty); a trace with
 * no slots (one still being read: trace_pipeline.h) indexes the map by id,
 * every id starting empty as in a slot of its own. For
 * the simulation it also holds the PRNG, the slot set of sim.h and, per
 * slot, the trace id its current block was recorded under: every malloc
 * issued gets a fresh record id, so a failed malloc followed by another
 * malloc of the same slot still records as a valid trace. The slot sizes
 * never change after run_create, so clones share them (reference counted).
 *
 * Compactions are injected by a sorted schedule of step numbers: when the
 * step about to run is in the schedule, it is a compaction and the
 * workload's own operations wait one step (a design that cannot compact
 * skips it). The compaction's move callback
 * keeps the id map right, through a temporary list of (payload, id) pairs
 * sorted by payload.
 */
#include "sim.h"
#include "run.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t references;
    uint64_t bytes[];            /* request size of each slot */
} SlotSizes;

struct Run {
    const Workload *workload;
    AllocatorSetup setup;
    Allocator *heap;
    uint64_t position;           /* steps done */
    uint64_t base_done;          /* workload operations done */
    const uint64_t *compact_steps;
    uint32_t compact_count;
    uint32_t next_compact;       /* first schedule entry > position */
    uint64_t total_steps;
    uint32_t id_count;           /* slots in the map */
    uint64_t *payloads;          /* per slot: payload offset, 0 empty */
    bool *held;                  /* per slot: it holds a block (OSTEP's payload can be 0) */
    uint32_t *slot_ids;          /* a trace with slots: per slot, the id that holds it
                                    (UINT32_MAX: none yet); NULL otherwise */
    /* the simulation only */
    SimRandom random;
    SlotSizes *sizes;
    SimSlots slots;
    uint32_t *record_ids;        /* per slot: record id of its current block */
    uint64_t next_record_id;     /* 64 bits: a whole span (run_state_spans) */
};

static uint32_t id_count_of(const Workload *workload)
{
    if (workload->kind == WORKLOAD_SIMULATION)
        return (uint32_t)workload->sim.slots;
    return workload->trace->slots ? workload->trace->slot_count : workload->trace->id_count;
}

/* ---- allocation and copies ---------------------------------------------- */

static void release_sizes(SlotSizes *sizes)
{
    if (sizes && --sizes->references == 0)
        free(sizes);
}

void run_destroy(Run *run)
{
    if (!run)
        return;
    allocator_destroy(run->heap);
    free(run->payloads);
    free(run->held);
    free(run->slot_ids);
    release_sizes(run->sizes);
    free(run->slots.order);
    free(run->slots.position);
    free(run->record_ids);
    free(run);
}

/* Entries in each per-slot array: the slots, rounded up to a multiple of 8
 * so that every array is a whole number of 8-byte words (a span); at least 8. */
static size_t span_entries(uint32_t id_count)
{
    return id_count ? ((size_t)id_count + 7) / 8 * 8 : 8;
}

/* A run with its id arrays allocated (zeroed) but no heap and no sizes. */
static Run *allocate_run(const Workload *workload, const AllocatorSetup *setup)
{
    Run *run = calloc(1, sizeof *run);
    if (!run)
        return NULL;
    run->workload = workload;
    run->setup = *setup;
    run->id_count = id_count_of(workload);
    size_t count = span_entries(run->id_count);
    run->payloads = calloc(count, sizeof *run->payloads);
    run->held = calloc(count, sizeof *run->held);
    bool ok = run->payloads != NULL && run->held != NULL;
    if (workload->kind == WORKLOAD_TRACE && workload->trace->slots) {
        run->slot_ids = malloc(count * sizeof *run->slot_ids); /* all 0xff below */
        ok = ok && run->slot_ids;
        if (ok)
            memset(run->slot_ids, 0xff, count * sizeof *run->slot_ids);
    }
    if (workload->kind == WORKLOAD_SIMULATION) {
        run->slots.slot_count = run->id_count;
        run->slots.order = calloc(count, sizeof *run->slots.order);
        run->slots.position = calloc(count, sizeof *run->slots.position);
        run->record_ids = calloc(count, sizeof *run->record_ids);
        ok = ok && run->slots.order && run->slots.position && run->record_ids;
    }
    if (!ok) {
        run_destroy(run);
        return NULL;
    }
    return run;
}

/* Copies everything but the heap and the shared sizes (same workload). */
static void copy_state(Run *target, const Run *source)
{
    size_t count = span_entries(source->id_count);
    target->position = source->position;
    target->base_done = source->base_done;
    target->compact_steps = source->compact_steps;
    target->compact_count = source->compact_count;
    target->next_compact = source->next_compact;
    target->total_steps = source->total_steps;
    memcpy(target->payloads, source->payloads, count * sizeof *target->payloads);
    memcpy(target->held, source->held, count * sizeof *target->held);
    if (source->workload->kind != WORKLOAD_SIMULATION) {
        if (source->slot_ids)
            memcpy(target->slot_ids, source->slot_ids, count * sizeof *target->slot_ids);
        return;
    }
    target->random = source->random;
    target->slots.full_count = source->slots.full_count;
    memcpy(target->slots.order, source->slots.order, count * sizeof *target->slots.order);
    memcpy(target->slots.position, source->slots.position, count * sizeof *target->slots.position);
    memcpy(target->record_ids, source->record_ids, count * sizeof *target->record_ids);
    target->next_record_id = source->next_record_id;
}

Run *run_clone(const Run *source)
{
    Run *run = allocate_run(source->workload, &source->setup);
    if (!run || allocator_clone(source->heap, &run->heap) != HEAP_OK) {
        run_destroy(run);
        return NULL;
    }
    run->sizes = source->sizes;
    if (run->sizes)
        run->sizes->references++;
    copy_state(run, source);
    return run;
}

bool run_copy(Run *target, const Run *source)
{
    if (target == source)
        return true;
    if (target->workload != source->workload || target->id_count != source->id_count ||
        allocator_copy(target->heap, source->heap) != HEAP_OK)
        return false;
    if (target->sizes != source->sizes) {
        release_sizes(target->sizes);
        target->sizes = source->sizes;
        if (target->sizes)
            target->sizes->references++;
    }
    copy_state(target, source);
    return true;
}

/* ---- creation and the compaction schedule ------------------------------- */

static bool start_simulation(Run *run)
{
    const SimParams *params = &run->workload->sim;
    run->sizes = malloc(sizeof *run->sizes + (size_t)run->id_count * sizeof(uint64_t));
    if (!run->sizes)
        return false;
    run->sizes->references = 1;
    sim_random_seed(&run->random, params->seed);
    sim_draw_sizes(params, &run->random, run->sizes->bytes);
    sim_slots_reset(&run->slots);
    return true;
}

HeapError run_create(const Workload *workload, const AllocatorSetup *setup,
                     const uint64_t *compact_steps, uint32_t compact_count, Run **out)
{
    *out = NULL;
    if (workload->kind == WORKLOAD_SIMULATION &&
        (workload->sim.slots < 1 || workload->sim.slots > UINT32_MAX))
        return HEAP_ERROR_INVALID_CONFIG;
    Run *run = allocate_run(workload, setup);
    if (!run)
        return HEAP_ERROR_OUT_OF_MEMORY;
    HeapError error = allocator_create(setup, &run->heap);
    if (error == HEAP_OK && workload->kind == WORKLOAD_SIMULATION && !start_simulation(run))
        error = HEAP_ERROR_OUT_OF_MEMORY;
    if (error != HEAP_OK) {
        run_destroy(run);
        return error;
    }
    run_set_compactions(run, compact_steps, compact_count);
    *out = run;
    return HEAP_OK;
}

void run_set_compactions(Run *run, const uint64_t *compact_steps, uint32_t compact_count)
{
    run->compact_steps = compact_steps;
    run->compact_count = compact_count;
    /* An entry is reachable if it falls within the steps before it plus one. */
    uint64_t total = workload_base_steps(run->workload);
    uint64_t last = 0;
    for (uint32_t i = 0; i < compact_count; i++) {
        uint64_t step = compact_steps[i];
        if (step > last && step <= total + 1) {
            total++;
            last = step;
        }
    }
    run->total_steps = total;
    run->next_compact = 0;
    while (run->next_compact < compact_count && compact_steps[run->next_compact] <= run->position)
        run->next_compact++;
}

/* ---- steps --------------------------------------------------------------- */

typedef struct {
    uint64_t payload;
    uint32_t id;
} PayloadId;

typedef struct {
    PayloadId *pairs;            /* live ids sorted by payload */
    uint32_t count;
    uint64_t *payloads;          /* the run's id map, updated as blocks move */
} MoveMap;

static int compare_payloads(const void *a, const void *b)
{
    const PayloadId *x = a;
    const PayloadId *y = b;
    return (x->payload > y->payload) - (x->payload < y->payload);
}

static void on_move(void *context, uint64_t old_payload, uint64_t new_payload)
{
    MoveMap *map = context;
    PayloadId key = {old_payload, 0};
    PayloadId *found = bsearch(&key, map->pairs, map->count, sizeof key, compare_payloads);
    if (found)
        map->payloads[found->id] = new_payload;
}

static void step_compact(Run *run, StepReport *report)
{
    MoveMap map = {malloc(((size_t)run->id_count + 1) * sizeof(PayloadId)), 0, run->payloads};
    report->op.kind = OP_COMPACT;
    if (!allocator_can_compact(run->heap)) {
        free(map.pairs);
        report->skipped = true;
        return;
    }
    if (!map.pairs) {
        /* Without the list the id map could not follow the moves: skip the step. */
        report->skipped = true;
        report->error = HEAP_ERROR_OUT_OF_MEMORY;
        return;
    }
    for (uint32_t id = 0; id < run->id_count; id++)
        if (run->payloads[id] != 0)
            map.pairs[map.count++] = (PayloadId){run->payloads[id], id};
    qsort(map.pairs, map.count, sizeof *map.pairs, compare_payloads);
    allocator_compact(run->heap, on_move, &map);
    free(map.pairs);
}

static void step_malloc(Run *run, uint32_t id, uint64_t bytes, StepReport *report)
{
    uint64_t payload = 0;
    report->error = allocator_malloc(run->heap, bytes, &payload);
    if (report->error == HEAP_OK)
        run->payloads[id] = payload;
}

/* A trace's malloc, free or realloc (not a compaction) on `heap`, keeping
 * *payload, its id's payload offset, and *held, whether the id holds a
 * block, right: `r` of an empty id is a malloc, realloc(p, 0) frees, a
 * failed request leaves the id as it was, and `f` of an empty id does
 * nothing (*skipped). A successful malloc of n > 0 bytes holds a block even
 * at payload 0 (the ostep design with a negative header); a malloc(0) holds
 * one if the count of mallocs grew. Folded into both its callers: a call
 * per op would save and restore their registers around it. */
static inline __attribute__((always_inline)) HeapError issue_trace_op(Allocator *heap, uint64_t *payload, bool *held, const Op *op,
                                       bool *skipped)
{
    uint64_t result = 0;
    HeapError error;
    *skipped = false;
    if (op->kind == OP_MALLOC || (op->kind == OP_REALLOC && !*held)) {
        /* Only malloc(0) may succeed without a block (allocator.h), so only
         * it reads the statistics, which cost a design work to fill in. */
        bool zero = op->bytes == 0;
        uint64_t mallocs = zero ? allocator_stats(heap)->mallocs : 0;
        error = allocator_malloc(heap, op->bytes, &result);
        if (error == HEAP_OK)
            *held = result != 0 || !zero || allocator_stats(heap)->mallocs > mallocs;
    } else if (op->kind == OP_REALLOC) {
        error = allocator_realloc(heap, *payload, op->bytes, &result);
        if (error == HEAP_OK)
            *held = result != 0;
    } else if (!*held) {
        *skipped = true;
        return HEAP_OK;
    } else {
        error = allocator_free(heap, *payload);
        if (error == HEAP_OK)
            *held = false;
    }
    if (error == HEAP_OK)
        *payload = result;
    return error;
}

static void step_simulation(Run *run, StepReport *report)
{
    uint32_t slot;
    OpKind kind = sim_choose(&run->slots, &run->random, run->workload->sim.p_malloc, &slot);
    report->op.kind = kind;
    report->op.id = slot;
    if (kind == OP_MALLOC) {
        report->op.bytes = run->sizes->bytes[slot];
        run->record_ids[slot] = (uint32_t)run->next_record_id++;
        step_malloc(run, slot, report->op.bytes, report);
        if (report->error == HEAP_OK)
            sim_slot_fill(&run->slots, slot);
    } else {
        report->error = allocator_free(run->heap, run->payloads[slot]);
        run->payloads[slot] = 0;
        sim_slot_empty(&run->slots, slot);
    }
    report->record_id = run->record_ids[slot];
}

/* The slot of trace op `index`'s id, emptied first when a new id takes it
 * (trace.h); the id itself in a trace with no slots. */
static inline uint32_t trace_slot(Run *run, uint64_t index)
{
    const Trace *trace = run->workload->trace;
    uint32_t id = trace->ops[index].id;
    if (!trace->slots)
        return id;
    uint32_t slot = trace->slots[index];
    if (run->slot_ids[slot] != id) {
        run->slot_ids[slot] = id;
        run->payloads[slot] = 0;
        run->held[slot] = false;
    }
    return slot;
}

/* Returns the payload offset the op's id holds after it (0 for a compaction). */
static uint64_t step_trace(Run *run, StepReport *report)
{
    const Op *op = &run->workload->trace->ops[run->base_done];
    report->op = *op;
    report->record_id = op->id;
    if (op->kind == OP_COMPACT) {
        step_compact(run, report);
        return 0;
    }
    uint32_t slot = trace_slot(run, run->base_done);
    report->error = issue_trace_op(run->heap, &run->payloads[slot], &run->held[slot], op, &report->skipped);
    return run->payloads[slot];
}

bool run_step(Run *run, StepReport *report)
{
    if (run->position >= run->total_steps)
        return false;
    /* Without a report the step still notes what happened somewhere, but
     * nothing clears or fills in what only a report needs (most of all the
     * event): the headless runner without per-step output steps this way. */
    StepReport scratch;
    StepReport *step = report ? report : &scratch;
    if (report)
        memset(report, 0, sizeof *report);
    step->skipped = false;
    step->error = HEAP_OK;
    step->step = run->position + 1;
    uint64_t payload = 0;        /* what the op's id (or slot) holds after it */
    if (run->next_compact < run->compact_count &&
        run->compact_steps[run->next_compact] == step->step) {
        step_compact(run, step);
        while (run->next_compact < run->compact_count &&
               run->compact_steps[run->next_compact] <= step->step)
            run->next_compact++;
    } else if (run->workload->kind == WORKLOAD_SIMULATION) {
        step_simulation(run, step);
        payload = run->payloads[step->op.id];
        run->base_done++;
    } else {
        payload = step_trace(run, step);
        run->base_done++;
    }
    run->position++;
    if (report && report->op.kind != OP_COMPACT)
        report->payload = payload;
    if (report && !report->skipped)
        report->event = *allocator_last_event(run->heap);
    return true;
}

/* ---- views --------------------------------------------------------------- */

/* How many ops ahead the loops below hint at a coming free or realloc
 * (allocator_prefetch): far enough for memory to answer (~100 ns, an op or
 * two), near enough that the hinted lines are still cached when it comes.
 * Each op's block is looked up once, PREFETCH_AHEAD ops before it, and
 * hinted again PREFETCH_AGAIN ops later from a ring of the last lookups;
 * the lookup's own entries of the id map are asked for PREFETCH_AHEAD ops
 * before that (a map of 100,000 ids does not stay cached either). */
enum { PREFETCH_AHEAD = 8, PREFETCH_AGAIN = 4 };

/* The hints pay where the heap and the id map outgrow the caches, and
 * elsewhere only cost: with fewer ids in the map than PREFETCH_MIN_IDS
 * (about a tenth of the replay of a trace of 1,000 live blocks), or while
 * every block the heap ever made lies in its bottom PREFETCH_MIN_SPREAD
 * bytes (first and best fit on a trace of 10,000 live blocks keep them in
 * 10 MB, which a last-level cache of 32 MiB holds: 4-7% of their replay).
 * BENCHMARKS.md #24. */
enum { PREFETCH_MIN_IDS = 4096 };
#define PREFETCH_MIN_SPREAD (UINT64_C(16) << 20)

/* Whether the loops below give hints now; asked again at every stretch
 * they replay, as a heap spreads. */
static bool hints_pay(const Run *run)
{
    return run->id_count >= PREFETCH_MIN_IDS &&
           allocator_stats(run->heap)->high_water >= PREFETCH_MIN_SPREAD;
}

/* Asks for the id map's entries of ops[index]: its payload and held flag. */
static inline void prefetch_map_entry(const uint64_t *payloads, const bool *held, uint32_t index_in_map)
{
    __builtin_prefetch(&payloads[index_in_map]);
    __builtin_prefetch(&held[index_in_map]);
}

/* The block ops[index] frees or reallocs, if its id holds one; else 0. */
static inline uint64_t block_by_id(const Op *ops, uint64_t index, uint64_t end, const uint64_t *payloads,
                                   const bool *held)
{
    if (index >= end || ops[index].kind == OP_MALLOC || !held[ops[index].id])
        return 0;
    return payloads[ops[index].id];
}

/* The same where ids take slots: the slot holds the op's block only if no
 * newer id has taken it yet (trace_slot would empty it first). */
static inline uint64_t block_by_slot(const Run *run, uint64_t index, uint64_t end)
{
    const Trace *trace = run->workload->trace;
    if (index >= end || trace->ops[index].kind == OP_MALLOC)
        return 0;
    uint32_t slot = trace->slots[index];
    bool holds = run->slot_ids[slot] == trace->ops[index].id && run->held[slot];
    return holds ? run->payloads[slot] : 0;
}

/* The hints of the loops below at ops[done]: the map entries of the op
 * 2 * PREFETCH_AHEAD on, the block of the op PREFETCH_AHEAD on (looked up
 * now), and the block looked up PREFETCH_AGAIN ops ago (from `looked_up`). */
static inline void hint_by_id(Allocator *heap, const Op *ops, uint64_t done, uint64_t end,
                              const uint64_t *payloads, const bool *held, uint64_t *looked_up)
{
    if (done + 2 * PREFETCH_AHEAD < end)
        prefetch_map_entry(payloads, held, ops[done + 2 * PREFETCH_AHEAD].id);
    uint64_t soon = block_by_id(ops, done + PREFETCH_AHEAD, end, payloads, held);
    allocator_prefetch(heap, soon, looked_up[done % PREFETCH_AGAIN]);
    looked_up[done % PREFETCH_AGAIN] = soon;
}

static inline void hint_by_slot(const Run *run, uint64_t done, uint64_t end, uint64_t *looked_up)
{
    if (done + 2 * PREFETCH_AHEAD < end)
        prefetch_map_entry(run->payloads, run->held, run->workload->trace->slots[done + 2 * PREFETCH_AHEAD]);
    uint64_t soon = block_by_slot(run, done + PREFETCH_AHEAD, end);
    allocator_prefetch(run->heap, soon, looked_up[done % PREFETCH_AGAIN]);
    looked_up[done % PREFETCH_AGAIN] = soon;
}

/* Issues ops[from, end) of a trace with no slots (its map is indexed by id)
 * up to the first compaction, and returns where it stopped. It takes the
 * run's arrays as arguments, not the run: every op calls the design
 * through a pointer, after which the compiler would have to read each of
 * run's fields from memory again (a third of the loop's instructions). */
static uint64_t issue_ops_by_id(Allocator *heap, const Op *ops, uint64_t from, uint64_t end,
                                uint64_t *payloads, bool *held, bool hints)
{
    bool skipped;
    uint64_t done = from, looked_up[PREFETCH_AGAIN] = {0};
    for (; done < end && ops[done].kind != OP_COMPACT; done++) {
        if (hints)
            hint_by_id(heap, ops, done, end, payloads, held, looked_up);
        uint32_t id = ops[done].id;
        (void)issue_trace_op(heap, &payloads[id], &held[id], &ops[done], &skipped);
    }
    return done;
}

/* The same for a trace with slots: trace_slot empties a slot a new id takes. */
static uint64_t issue_ops_by_slot(Run *run, const Op *ops, uint64_t from, uint64_t end, bool hints)
{
    bool skipped;
    uint64_t done = from, looked_up[PREFETCH_AGAIN] = {0};
    for (; done < end && ops[done].kind != OP_COMPACT; done++) {
        if (hints)
            hint_by_slot(run, done, end, looked_up);
        uint32_t slot = trace_slot(run, done);
        (void)issue_trace_op(run->heap, &run->payloads[slot], &run->held[slot], &ops[done],
                             &skipped);
    }
    return done;
}

/* run_advance's loop over a trace's own operations: no report, and it stops
 * before a compaction (the trace's `c` or a scheduled one) for run_step. */
static void advance_trace(Run *run, uint64_t stop)
{
    if (run->next_compact < run->compact_count && run->compact_steps[run->next_compact] <= stop)
        stop = run->compact_steps[run->next_compact] - 1; /* entries stay > position */
    if (run->position >= stop)
        return;
    const Trace *trace = run->workload->trace;
    uint64_t from = run->base_done, end = from + (stop - run->position);
    bool hints = hints_pay(run);
    uint64_t done = trace->slots
                        ? issue_ops_by_slot(run, trace->ops, from, end, hints)
                        : issue_ops_by_id(run->heap, trace->ops, from, end, run->payloads, run->held, hints);
    run->position += done - from;
    run->base_done = done;
}

/* Whether the step about to run is a scheduled compaction. */
static bool compaction_scheduled_next(const Run *run)
{
    return run->next_compact < run->compact_count &&
           run->compact_steps[run->next_compact] == run->position + 1;
}

uint64_t run_advance(Run *run, uint64_t stop)
{
    if (stop > run->total_steps)
        stop = run->total_steps;
    while (run->position < stop) {
        if (run->workload->kind == WORKLOAD_TRACE)
            advance_trace(run, stop);
        if (run->position < stop)
            run_step(run, NULL);
    }
    return run->position;
}

/* How many of the steps up to `stop` run_advance_unwatched leaves watched:
 * from a trace's last op before `stop` that is sure to call the heap (a
 * malloc, a realloc or a compaction; a free of an empty id calls nothing)
 * on, and the schedule's compactions in the stretch too, so that the heap's
 * last event is that call's, as a watched run's is. Every step of a
 * simulation. */
static uint64_t watched_tail(const Run *run, uint64_t stop)
{
    uint64_t steps = stop - run->position, scheduled = 0;
    if (run->workload->kind != WORKLOAD_TRACE)
        return steps;
    for (uint32_t k = run->next_compact; k < run->compact_count && run->compact_steps[k] <= stop; k++)
        scheduled++;
    const Op *ops = run->workload->trace->ops;
    uint64_t end = run->base_done + steps - scheduled; /* the ops the stretch issues end here */
    for (uint64_t op = end; op > run->base_done; op--) {
        bool calls = ops[op - 1].kind != OP_FREE &&
                     (ops[op - 1].kind != OP_COMPACT || allocator_can_compact(run->heap));
        if (calls) {
            uint64_t tail = end - (op - 1) + scheduled;
            return tail < steps ? tail : steps;
        }
    }
    return steps;
}

uint64_t run_advance_unwatched(Run *run, uint64_t stop)
{
    stop = stop < run->total_steps ? stop : run->total_steps;
    if (stop <= run->position)
        return run->position;
    bool unread = allocator_config(run->heap)->events_unread;
    allocator_set_events_unread(run->heap, true);
    run_advance(run, stop - watched_tail(run, stop));
    allocator_set_events_unread(run->heap, unread);
    return run_advance(run, stop);
}

bool run_advance_before_compaction(Run *run, uint64_t stop)
{
    if (stop > run->total_steps)
        stop = run->total_steps;
    while (run->position < stop) {
        advance_trace(run, stop);
        if (run->position == stop)
            break;
        if (!compaction_scheduled_next(run))
            return false; /* advance_trace stopped before the trace's own `c` */
        run_step(run, NULL);
    }
    return true;
}

uint64_t run_position(const Run *run) { return run->position; }
uint64_t run_total_steps(const Run *run) { return run->total_steps; }
bool run_finished(const Run *run) { return run->position >= run->total_steps; }
const Allocator *run_heap(const Run *run) { return run->heap; }
const Workload *run_workload(const Run *run) { return run->workload; }

/* The id that holds slot `slot` now (a simulation's slot is its id). */
static uint32_t id_in_slot(const Run *run, uint32_t slot)
{
    return run->slot_ids ? run->slot_ids[slot] : slot;
}

/* A scan over the slots, O(slots): kept out of the step path. */
uint64_t run_id_payload(const Run *run, uint32_t id)
{
    for (uint32_t slot = 0; slot < run->id_count; slot++)
        if (id_in_slot(run, slot) == id)
            return run->payloads[slot];
    return 0;
}

/* A scan over the slots, O(slots): kept out of the step path so that copies
 * of a run (history snapshots) carry no reverse index. */
int64_t run_id_of_payload(const Run *run, uint64_t payload)
{
    if (payload == 0)
        return -1;
    for (uint32_t slot = 0; slot < run->id_count; slot++)
        if (run->payloads[slot] == payload)
            return id_in_slot(run, slot);
    return -1;
}

static AllocatorSpan whole_span(void *bytes, uint64_t size)
{
    return (AllocatorSpan){.bytes = bytes, .size = size, .used = size};
}

uint32_t run_state_spans(Run *run, AllocatorSpan *spans)
{
    uint32_t count = allocator_state_spans(run->heap, spans);
    if (count == 0)
        return 0;
    uint64_t entries = span_entries(run->id_count);
    spans[count++] = whole_span(&run->position, sizeof run->position + sizeof run->base_done);
    spans[count++] = whole_span(run->payloads, entries * sizeof *run->payloads);
    spans[count++] = whole_span(run->held, entries * sizeof *run->held);
    if (run->slot_ids)
        spans[count++] = whole_span(run->slot_ids, entries * sizeof *run->slot_ids);
    if (run->workload->kind == WORKLOAD_SIMULATION) {
        spans[count++] = whole_span(&run->random, sizeof run->random);
        spans[count++] = whole_span(&run->slots.slot_count, sizeof run->slots.slot_count + sizeof run->slots.full_count);
        spans[count++] = whole_span(run->slots.order, entries * sizeof *run->slots.order);
        spans[count++] = whole_span(run->slots.position, entries * sizeof *run->slots.position);
        spans[count++] = whole_span(run->record_ids, entries * sizeof *run->record_ids);
        spans[count++] = whole_span(&run->next_record_id, sizeof run->next_record_id);
    }
    return count;
}

uint64_t run_memory_bytes(const Run *run)
{
    uint64_t per_id = sizeof(uint64_t) + sizeof(uint32_t) + sizeof(bool);
    if (run->workload->kind == WORKLOAD_SIMULATION)
        per_id += 2 * sizeof(uint32_t) + sizeof(uint64_t);
    return sizeof *run + (uint64_t)run->id_count * per_id + allocator_memory_bytes(run->heap);
}
