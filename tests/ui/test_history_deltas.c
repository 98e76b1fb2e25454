/*
 * test_history_deltas.c - snapshots kept as deltas (the words of a run's
 * state that changed since the snapshot before) give back exactly the run a
 * straight replay gives.
 *
 * On long runs - a random trace under every tags policy, every CS:APP
 * textbook design and the buddy system, the simulation, and a recording
 * under the `recorded` design - with a budget small enough
 * that the history keeps deltas and thins them: after each jump to a random
 * step, the run's state is byte for byte (every span run_state_spans lists)
 * what a fresh run played straight to that step holds, with the same
 * statistics and blocks; the history stays within its budget at every point
 * of the computation; and a design without spans still gets whole copies.
 * A finished run leaves the current run where the user was, exactly.
 * Every snapshot, restored through its anchor or keyframe and a walk along
 * its chain either way, before and after thinning, is exactly the state at
 * its step; a merged delta takes a run across both and back, and deltas
 * applied together take a run where applying them in turn does. The delta's
 * encoding is checked at its edges (gaps in and out of an entry's head,
 * XORs of every width) against sizes worked out by hand.
 * The expected state never comes from the history: a fresh run, run_advance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "delta.h"
#include "history.h"
#include "recorded_pairs.h"
#include "sim.h"
#include "trace.h"
#include "ui_test_support.h"
#include "workload_test_support.h"
#include <stdlib.h>
#include <string.h>

enum {
    OPS = 40000,                 /* a long run: snapshots every 4096 steps, then thinned */
    IDS = 400,
    JUMPS = 24,
    PLACEMENT_STRIDE = 64,       /* recorded: each placement has an address of its own */
    PLACEMENT_USABLE = 56
};

/* Tags under `policy` on a 1 MiB heap. */
static AllocatorSetup megabyte_heap(const Workload *workload, HeapPolicy policy)
{
    AllocatorSetup setup = support_tags_setup(workload, policy);
    setup.config.heap_bytes = 1u << 20;
    return setup;
}

/* A random trace of mallocs, reallocs and frees of requests up to
 * `max_bytes` over IDS ids (seeded). */
static Trace *random_trace_of(uint32_t op_count, uint64_t seed, uint64_t max_bytes, uint32_t *placing_ops)
{
    Op *ops = calloc(op_count, sizeof *ops);
    bool *live = calloc(IDS, sizeof *live);
    assert_non_null(ops);
    assert_non_null(live);
    SimRandom random;
    sim_random_seed(&random, seed);
    *placing_ops = 0;
    for (uint32_t i = 0; i < op_count; i++) {
        uint32_t id = (uint32_t)sim_random_below(&random, IDS);
        uint64_t bytes = 1 + sim_random_below(&random, max_bytes);
        if (!live[id]) {
            ops[i] = (Op){.kind = OP_MALLOC, .id = id, .bytes = bytes};
        } else {
            ops[i] = (Op){.kind = sim_random_below(&random, 3) == 0 ? OP_REALLOC : OP_FREE, .id = id, .bytes = bytes};
        }
        live[id] = ops[i].kind != OP_FREE;
        *placing_ops += ops[i].kind != OP_FREE;
    }
    Trace *trace = trace_create("deltas", 1u << 20, IDS, ops, op_count);
    assert_non_null(trace);
    free(ops);
    free(live);
    return trace;
}

static Trace *random_trace(uint64_t seed, uint64_t max_bytes, uint32_t *placing_ops)
{
    return random_trace_of(OPS, seed, max_bytes, placing_ops);
}

static void assert_same_block(const HeapBlock *want, const HeapBlock *got)
{
    assert_int_equal(got->offset, want->offset);
    assert_int_equal(got->size, want->size);
    assert_int_equal(got->state, want->state);
    assert_int_equal(got->requested, want->requested);
    assert_int_equal(got->payload, want->payload);
    assert_int_equal(got->header, want->header);
}

enum { MOST_LISTED = 4096 };

/* The same free list (or lists), in the same order, where the design has one. */
static void assert_same_free_list(const Allocator *want, const Allocator *got)
{
    FreeListEntry *want_list = calloc(MOST_LISTED, sizeof *want_list);
    FreeListEntry *got_list = calloc(MOST_LISTED, sizeof *got_list);
    assert_non_null(want_list);
    assert_non_null(got_list);
    uint64_t count = allocator_free_list(want, want_list, MOST_LISTED);
    assert_true(count <= MOST_LISTED);
    assert_int_equal(allocator_free_list(got, got_list, MOST_LISTED), count);
    for (uint64_t i = 0; i < count; i++) {
        assert_int_equal(got_list[i].offset, want_list[i].offset);
        assert_int_equal(got_list[i].size, want_list[i].size);
        assert_int_equal(got_list[i].list, want_list[i].list);
    }
    free(want_list);
    free(got_list);
}

/* The same statistics, blocks and free lists, through the design's own views. */
static void assert_same_heap(const Allocator *want, const Allocator *got)
{
    assert_same_free_list(want, got);
    assert_memory_equal(allocator_stats(got), allocator_stats(want), sizeof(HeapStats));
    HeapBlock want_block, got_block;
    bool want_more = allocator_first_block(want, &want_block);
    bool got_more = allocator_first_block(got, &got_block);
    while (want_more || got_more) {
        assert_true(want_more && got_more);
        assert_same_block(&want_block, &got_block);
        want_more = allocator_next_block(want, &want_block);
        got_more = allocator_next_block(got, &got_block);
    }
}

/* Two runs hold the same state: the same statistics and blocks, and the
 * same spans byte for byte. The views come first: reading the statistics
 * fills in their derived fields, and walking a bump heap files its dead
 * blocks in their lookup map, caches that a run fills in only when asked. */
static void assert_same_state(Run *expected, Run *actual)
{
    assert_int_equal(run_position(actual), run_position(expected));
    assert_same_heap(run_heap(expected), run_heap(actual));
    assert_same_spans(expected, actual);
}

/* What a history kept once the whole run was computed. */
typedef struct {
    uint32_t keyframes, deltas, anchors;
    uint32_t anchors_before_finish; /* before the last step was computed */
    uint64_t interval;
} Kept;

/* Computes the whole run in slices, checking the budget after each, then
 * jumps to random steps and compares each with a straight replay. */
static Kept jumps_match_straight_replays(const Workload *workload, const AllocatorSetup *setup, uint64_t budget,
                                         uint64_t seed)
{
    History *history = NULL;
    assert_int_equal(history_create(workload, setup, NULL, 0, budget, &history), HEAP_OK);
    while (history_compute_ahead(history, 997) > 0 || history_settling(history)) {
        assert_true(history_memory_bytes(history) <= budget);
    }
    Kept kept = {.interval = history_interval(history)};
    history_snapshot_kinds(history, &kept.keyframes, &kept.deltas);
    kept.anchors = history_anchor_count(history);
    uint64_t total = history_total(history);
    SimRandom random;
    sim_random_seed(&random, seed);
    for (int jump = 0; jump < JUMPS; jump++) {
        uint64_t step = jump % 4 == 3 ? history_position(history) - (history_position(history) > 0)
                                      : sim_random_below(&random, total + 1);
        assert_true(history_jump(history, step));
        Run *fresh = NULL;
        assert_int_equal(run_create(workload, setup, NULL, 0, &fresh), HEAP_OK);
        assert_int_equal(run_advance(fresh, step), step);
        assert_same_state(fresh, (Run *)history_run(history));
        assert_true(history_memory_bytes(history) <= budget);
        run_destroy(fresh);
    }
    assert_true(history_memory_bytes(history) <= budget);
    history_destroy(history);
    return kept;
}

static Kept trace_under(HeapPolicy policy, uint64_t budget)
{
    uint32_t placing = 0;
    Trace *trace = random_trace(11 + policy, 2000, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = megabyte_heap(&workload, policy);
    Kept kept = jumps_match_straight_replays(&workload, &setup, budget, 5 + policy);
    trace_destroy(trace);
    return kept;
}

/* Room for a snapshot every DELTA_INTERVAL (4096) steps: deltas among them. */
static void trace_with_room(HeapPolicy policy)
{
    Kept kept = trace_under(policy, 24u << 20);
    assert_true(kept.deltas > 0);
    assert_true(kept.interval < 4096);
}

static void test_trace_first_fit(void **state) { (void)state; trace_with_room(HEAP_FIRST_FIT); }
static void test_trace_next_fit(void **state) { (void)state; trace_with_room(HEAP_NEXT_FIT); }
static void test_trace_best_fit(void **state) { (void)state; trace_with_room(HEAP_BEST_FIT); }
static void test_trace_worst_fit(void **state) { (void)state; trace_with_room(HEAP_WORST_FIT); }
static void test_trace_bump(void **state) { (void)state; trace_with_room(HEAP_BUMP); }

/* Budgets that the snapshots outgrow: they are folded in pairs (deltas
 * merged, keyframes moved forward, anchors moved forward) and the interval
 * doubled, down to one snapshot; some of these keep deltas and an anchor
 * after thinning. */
static void test_trace_thinned(void **state)
{
    (void)state;
    static const uint64_t budgets[] = {24u << 18, 26u << 18, 27u << 18, 110u << 16, 28u << 18, 32u << 18};
    bool thinned_deltas = false;
    for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
        Kept kept = trace_under(HEAP_FIRST_FIT, budgets[i]);
        thinned_deltas = thinned_deltas || (kept.interval > 4096 && kept.deltas > 0 && kept.anchors > 0);
    }
    assert_true(thinned_deltas);
}

static void test_simulation(void **state)
{
    (void)state;
    Workload workload = support_simulation(21, OPS);
    AllocatorSetup setup = support_tags_setup(&workload, HEAP_FIRST_FIT);
    Kept kept = jumps_match_straight_replays(&workload, &setup, 4u << 20, 8);
    assert_true(kept.deltas > 0);
}

/* A recording whose every malloc and realloc got an address of its own. */
static void test_recorded(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace(31, PLACEMENT_USABLE, &placing);
    RecordedPair *placements = calloc(placing, sizeof *placements);
    assert_non_null(placements);
    for (uint32_t i = 0; i < placing; i++) {
        placements[i] = (RecordedPair){.address = 0x10000 + (uint64_t)i * PLACEMENT_STRIDE,
                                       .usable = PLACEMENT_USABLE};
    }
    RecordedPairs made = recorded_pairs(placements, placing);
    assert_non_null(made.addresses);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = {.design = allocator_design_find("recorded"),
                            .config = allocator_default_config(1u << 20)};
    assert_non_null(setup.design);
    setup.config.recorded = made.placements;
    Kept kept = jumps_match_straight_replays(&workload, &setup, 8u << 20, 9);
    assert_true(kept.deltas > 0);
    trace_destroy(trace);
    recorded_pairs_free(&made);
    free(placements);
}

/* Two deltas merged (thinning's fold of one snapshot into the next) take a
 * run from the state before the first to the state after the second (a
 * word both changed changes by both), and, applied again, back: a delta
 * flips a run between its two states. */
static void test_merged_deltas_span_both_ways(void **state)
{
    (void)state;
    Workload workload = support_simulation(5, 6000);
    AllocatorSetup setup = support_tags_setup(&workload, HEAP_FIRST_FIT);
    Run *run = NULL;
    assert_int_equal(run_create(&workload, &setup, NULL, 0, &run), HEAP_OK);
    run_advance(run, 3000);
    Run *base = run_clone(run), *start = run_clone(run), *earlier = run_clone(run);
    assert_non_null(base);
    assert_non_null(start);
    assert_non_null(earlier);
    Delta first = {0}, second = {0};
    run_advance(run, 4000);
    assert_true(delta_spans_match(base, run));
    assert_true(delta_take(&first, base, run));
    run_advance(run, 5000);
    assert_true(delta_spans_match(base, run));
    assert_true(delta_take(&second, base, run));
    assert_true(first.count > 0 && second.count > 0);
    assert_true(delta_merge(&second, &first));
    delta_apply(&second, start);
    run_set_compactions(start, NULL, 0);
    assert_same_state(run, start);
    delta_apply(&second, start);
    run_set_compactions(start, NULL, 0);
    assert_same_state(earlier, start);
    delta_release(&first);
    delta_release(&second);
    run_destroy(run);
    run_destroy(base);
    run_destroy(start);
    run_destroy(earlier);
}

/* The span of a run's state with the most bytes in use (a delta looks at
 * a span's words up to its `used`). */
static AllocatorSpan largest_span(Run *run)
{
    AllocatorSpan spans[RUN_MAX_SPANS];
    uint32_t count = run_state_spans(run, spans);
    AllocatorSpan largest = spans[0];
    for (uint32_t k = 1; k < count; k++) {
        largest = spans[k].used > largest.used ? spans[k] : largest;
    }
    return largest;
}

static uint64_t word_at(const AllocatorSpan *span, uint64_t word)
{
    uint64_t value;
    memcpy(&value, span->bytes + word * 8, sizeof value);
    return value;
}

static bool same_spans(Run *a, Run *b)
{
    AllocatorSpan spans_a[RUN_MAX_SPANS], spans_b[RUN_MAX_SPANS];
    uint32_t count = run_state_spans(a, spans_a);
    if (count != run_state_spans(b, spans_b)) {
        return false;
    }
    for (uint32_t k = 0; k < count; k++) {
        if (spans_a[k].size != spans_b[k].size ||
            (spans_a[k].size > 0 && memcmp(spans_a[k].bytes, spans_b[k].bytes, spans_a[k].size) != 0)) {
            return false;
        }
    }
    return true;
}

/* The encoding at its edges: gaps that fit the entry's head (0, 1, 30) and
 * gaps that follow the XOR as LEB128 numbers of one, two and three bytes
 * (31, 32, 127; 128; 16384), XORs of every width from 1 to 8 bytes (the
 * top bit of each width set, and all 64 bits). The delta, worked out by
 * hand: 1 head byte a word, plus the XOR's bytes, plus the escaped gap's;
 * applied, it turns the state into the changed one exactly, and back. */
static void test_every_gap_and_width_round_trips(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace_of(4000, 7, 3000, &placing); /* about 600 KB live */
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = megabyte_heap(&workload, HEAP_FIRST_FIT);
    Run *base = NULL;
    assert_int_equal(run_create(&workload, &setup, NULL, 0, &base), HEAP_OK);
    run_advance(base, 4000);
    Run *later = run_clone(base), *original = run_clone(base);
    assert_non_null(later);
    assert_non_null(original);
    enum { CHANGES = 9 };
    const uint64_t gaps[CHANGES] = {0, 1, 30, 31, 32, 127, 128, 16384, 1};
    const uint64_t differences[CHANGES] = {0x80, 0x8000, 0x800000, 0x80000000, UINT64_C(0x8000000000),
                                           UINT64_C(0x800000000000), UINT64_C(0x80000000000000),
                                           UINT64_C(0x8000000000000000), UINT64_MAX};
    const uint64_t entry_bytes[CHANGES] = {1 + 1, 1 + 2, 1 + 3, 1 + 4 + 1, 1 + 5 + 1, 1 + 6 + 1,
                                           1 + 7 + 2, 1 + 8 + 3, 1 + 8};
    AllocatorSpan span = largest_span(later);
    uint64_t word = 0, expected_bytes = 0;
    for (int i = 0; i < CHANGES; i++) {
        word += gaps[i];
        assert_true((word + 1) * 8 <= span.used);
        uint64_t value = word_at(&span, word) ^ differences[i];
        memcpy(span.bytes + word * 8, &value, sizeof value);
        expected_bytes += entry_bytes[i];
    }
    Delta delta = {0};
    assert_true(delta_between(&delta, base, later));
    assert_int_equal(delta.count, CHANGES);
    assert_int_equal(delta_memory_bytes(&delta), expected_bytes + 8); /* and 8 bytes a reader may load */
    assert_false(same_spans(base, later));
    delta_apply(&delta, base);
    assert_true(same_spans(base, later));
    delta_apply(&delta, base);
    assert_true(same_spans(base, original));
    delta_release(&delta);
    run_destroy(base);
    run_destroy(later);
    run_destroy(original);
    trace_destroy(trace);
}

/* Deltas applied together (delta_apply_all: a piece of each span at a
 * time, each delta's reading kept from piece to piece and from span to
 * span, more deltas than go in one turn) give the state applying them one
 * after another gives: 40 deltas of 150 steps each, taken in turn on a
 * 1 MiB heap (16 pieces of 64 KiB), with an empty delta among them, take
 * the run from the first state to the last, and back again. The expected
 * states are the runs themselves, played straight. */
static void test_deltas_applied_together(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace_of(12000, 11, 3000, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = megabyte_heap(&workload, HEAP_FIRST_FIT);
    Run *run = NULL;
    assert_int_equal(run_create(&workload, &setup, NULL, 0, &run), HEAP_OK);
    run_advance(run, 4000); /* from here on the spans keep their sizes */
    Run *base = run_clone(run), *start = run_clone(run), *together = run_clone(run);
    assert_non_null(base);
    assert_non_null(start);
    assert_non_null(together);
    enum { DELTAS = 41 };
    Delta deltas[DELTAS];
    memset(deltas, 0, sizeof deltas);
    const Delta *list[DELTAS];
    for (uint32_t i = 0; i < DELTAS; i++) {
        if (i != 20) { /* deltas[20] stays empty */
            run_advance(run, run_position(run) + 150);
            assert_true(delta_spans_match(base, run));
            assert_true(delta_take(&deltas[i], base, run));
        }
        list[i] = &deltas[i];
    }
    delta_apply_all(list, DELTAS, together);
    run_set_compactions(together, NULL, 0);
    assert_true(same_spans(together, run));
    delta_apply_all(list, DELTAS, together);
    run_set_compactions(together, NULL, 0);
    assert_true(same_spans(together, start));
    for (uint32_t i = 0; i < DELTAS; i++) {
        delta_release(&deltas[i]);
    }
    run_destroy(run);
    run_destroy(base);
    run_destroy(start);
    run_destroy(together);
    trace_destroy(trace);
}

/* The spans with the most entries are read as two streams (a split: the
 * entry half-way through and the word before it): a delta from an empty
 * heap to one 12,000 ops on, and the merge of it with a second, each split
 * in at least one span, with the split entry half-way through that span's
 * bytes, take the run from one state to the other and back, alone and
 * applied together with a small unsplit delta. The expected states are
 * the runs themselves, played straight. */
static void test_split_deltas_apply_exactly(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace_of(24000, 13, 3000, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = megabyte_heap(&workload, HEAP_FIRST_FIT);
    Run *start = NULL;
    assert_int_equal(run_create(&workload, &setup, NULL, 0, &start), HEAP_OK);
    Run *middle = run_clone(start), *end = run_clone(start), *work = run_clone(start);
    assert_non_null(middle);
    assert_non_null(end);
    assert_non_null(work);
    run_advance(middle, 12000);
    run_advance(end, 12100);
    Delta big = {0}, small = {0}, merged = {0};
    assert_true(delta_between(&big, start, middle));
    assert_true(delta_between(&small, middle, end));
    assert_true(delta_between(&merged, start, middle));
    assert_true(delta_merge(&merged, &small)); /* start -> end */
    for (const Delta *delta = &big; delta; delta = delta == &big ? &merged : NULL) {
        assert_true(delta->split_count > 0);
        uint32_t k = delta->splits[0].span;
        uint64_t first = k ? delta->span_ends[k - 1] : 0, last = delta->span_ends[k];
        assert_true(delta->splits[0].at >= first + (last - first) / 2 && delta->splits[0].at < last);
    }
    delta_apply(&big, work);
    assert_true(same_spans(work, middle));
    delta_apply(&big, work);
    assert_true(same_spans(work, start));
    const Delta *both[2] = {&small, &big};
    delta_apply_all(both, 2, work);
    assert_true(same_spans(work, end));
    delta_apply(&merged, work);
    assert_true(same_spans(work, start));
    delta_apply(&merged, work);
    assert_true(same_spans(work, end));
    delta_release(&big);
    delta_release(&small);
    delta_release(&merged);
    run_destroy(start);
    run_destroy(middle);
    run_destroy(end);
    run_destroy(work);
    trace_destroy(trace);
}

/* Jumps from step 0 to `first` and every `interval` steps after it, and
 * finds each time the state a straight replay gives at that step. */
static void expect_jumps_match_a_replay(History *history, const Workload *workload, const AllocatorSetup *setup,
                                        uint64_t first, uint64_t interval)
{
    Run *fresh = NULL;
    assert_int_equal(run_create(workload, setup, NULL, 0, &fresh), HEAP_OK);
    for (uint64_t step = first; step <= history_total(history); step += interval) {
        assert_true(history_jump(history, 0));
        assert_true(history_jump(history, step));
        assert_int_equal(run_advance(fresh, step), step);
        assert_same_state(fresh, (Run *)history_run(history));
    }
    run_destroy(fresh);
}

/* Every snapshot, restored on its own (entered at its keyframe or at the
 * anchor nearest in bytes, then walked forward or back along the chain),
 * is the state a straight replay gives at its step: a jump exactly onto a
 * snapshot replays nothing after the restore. Returns how many anchors the
 * history kept and its interval. */
static Kept restores_exactly_on(Trace *trace, const AllocatorSetup *setup, uint64_t budget)
{
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    History *history = NULL;
    assert_int_equal(history_create(&workload, setup, NULL, 0, budget, &history), HEAP_OK);
    while (history_computed(history) + 1 < history_total(history)) { /* all but the last step */
        uint64_t left = history_total(history) - 1 - history_computed(history);
        history_compute_ahead(history, left < 4096 ? left : 4096);
    }
    Kept kept = {.anchors_before_finish = history_anchor_count(history)};
    history_compute_ahead(history, 1);
    assert_int_equal(history_computed(history), history_total(history));
    while (history_settling(history)) { /* an anchor a call at most */
        uint32_t anchors = history_anchor_count(history);
        assert_int_equal(history_compute_ahead(history, 1), 0);
        assert_true(history_anchor_count(history) <= anchors + 1);
        assert_true(history_memory_bytes(history) <= budget);
    }
    assert_true(history_memory_bytes(history) <= budget);
    kept.interval = history_interval(history);
    kept.anchors = history_anchor_count(history);
    history_snapshot_kinds(history, &kept.keyframes, &kept.deltas);
    expect_jumps_match_a_replay(history, &workload, setup, kept.interval, kept.interval);
    history_destroy(history);
    return kept;
}

/* restores_exactly_on a long trace on a 1 MiB first-fit heap, so that
 * anchors sit between keyframes and chains run both ways. */
static Kept every_snapshot_restores_exactly(uint32_t op_count, uint64_t budget)
{
    uint32_t placing = 0;
    Trace *trace = random_trace_of(op_count, 31, 3000, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = megabyte_heap(&workload, HEAP_FIRST_FIT);
    Kept kept = restores_exactly_on(trace, &setup, budget);
    trace_destroy(trace);
    return kept;
}

/* A whole copy inside a chain that the budget drops leaves an anchor in its
 * place, so the chain keeps an entry there: while the interval stays, the
 * entries (whole copies and keyframes, and anchors) never drop in number
 * when copies go. Computed in short pieces, so each drop is seen. */
static void test_a_dropped_copy_leaves_an_anchor(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace_of(4 * OPS, 31, 3000, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = megabyte_heap(&workload, HEAP_FIRST_FIT);
    History *history = NULL;
    assert_int_equal(history_create(&workload, &setup, NULL, 0, 40u << 18, &history), HEAP_OK);
    uint32_t copies_dropped = 0, runs = 1, deltas = 0, anchors = 0;
    uint64_t interval = history_interval(history);
    while (history_compute_ahead(history, 64) > 0) {
        uint32_t now_runs, now_deltas, now_anchors = history_anchor_count(history);
        history_snapshot_kinds(history, &now_runs, &now_deltas);
        if (history_interval(history) == interval && now_runs < runs) {
            copies_dropped += runs - now_runs;
            assert_true(now_runs + now_anchors >= runs + anchors);
        }
        runs = now_runs;
        deltas = now_deltas;
        anchors = now_anchors;
        interval = history_interval(history);
    }
    assert_true(copies_dropped > 0 && deltas > 0);
    history_destroy(history);
    trace_destroy(trace);
}

/* With room in the budget, whole copies inside the chains are the entries. */
static void test_every_snapshot_restores_exactly(void **state)
{
    (void)state;
    Kept kept = every_snapshot_restores_exactly(OPS, 24u << 20);
    assert_true(kept.keyframes >= 3 && kept.deltas > 0);
}

/* The same after thinning, on a run four times as long: snapshots folded
 * in pairs (an anchor or a whole copy of a dropped snapshot moved forward
 * onto the next) once and three times; anchors are the entries. Once the
 * last step is computed the shadow's memory turns into more anchors, one a
 * call of history_compute_ahead, within the budget, and the snapshots
 * restore exactly through them too. */
static void test_every_snapshot_restores_exactly_thinned(void **state)
{
    (void)state;
    static const uint64_t budgets[] = {24u << 18, 30u << 18};
    for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
        Kept kept = every_snapshot_restores_exactly(4 * OPS, budgets[i]);
        assert_true(kept.interval > 4096 && kept.anchors >= 2);
        assert_true(kept.anchors > kept.anchors_before_finish);
    }
}

/* Next fit on a 16 MiB heap, its own mapping, swept a dozen times by
 * requests of up to 16 KiB: its free blocks' inner huge pages go back to
 * the system, and the ones it comes back to stay (heap.c's page fates).
 * Which pages went back decides which free bytes read as zero, so a
 * snapshot that lost the fates would restore a heap that gives back pages
 * the straight replay keeps, and its bytes would differ. */
static void test_a_sweeping_heap_restores_exactly(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace_of(OPS, 7, 16384, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = support_tags_setup(&workload, HEAP_NEXT_FIT);
    setup.config.heap_bytes = 16u << 20;
    Kept kept = restores_exactly_on(trace, &setup, 96u << 20);
    assert_true(kept.deltas > 0);
    /* And the step before each snapshot, replayed from the snapshot before it. */
    History *history = NULL;
    assert_int_equal(history_create(&workload, &setup, NULL, 0, 96u << 20, &history), HEAP_OK);
    while (history_compute_ahead(history, 4096) > 0 || history_settling(history)) {
    }
    uint64_t interval = history_interval(history);
    expect_jumps_match_a_replay(history, &workload, &setup, interval - 1, interval);
    history_destroy(history);
    trace_destroy(trace);
}

enum { FILLING = 20000 };        /* mallocs of the trace that only fills */

/* The trace that only fills (FILLING mallocs of 16 bytes) as *workload, on
 * a 1 MiB first-fit heap (*setup); the caller destroys the trace. */
static Trace *filling(Workload *workload, AllocatorSetup *setup)
{
    Trace *trace = support_filling_trace(FILLING);
    assert_non_null(trace);
    *workload = (Workload){.kind = WORKLOAD_TRACE, .trace = trace};
    *setup = megabyte_heap(workload, HEAP_FIRST_FIT);
    return trace;
}

/* The whole run computed while the user stays at step 0 (an empty heap),
 * then a jump to the end: the current run grows to the frontier's size, and
 * the snapshots were thinned for that in advance. */
static void test_budget_counts_the_current_run_grown(void **state)
{
    (void)state;
    Workload workload;
    AllocatorSetup setup;
    Trace *trace = filling(&workload, &setup);
    for (uint64_t budget = 6u << 20; budget <= (16u << 20); budget += 1u << 20) {
        History *history = NULL;
        assert_int_equal(history_create(&workload, &setup, NULL, 0, budget, &history), HEAP_OK);
        while (history_compute_ahead(history, 1000) > 0 || history_settling(history)) {
        }
        assert_true(history_jump(history, FILLING));
        assert_true(history_memory_bytes(history) <= budget || history_over_budget(history));
        history_destroy(history);
    }
    trace_destroy(trace);
}

/* Whether a run of `setup` has spans of the same sizes before and after
 * the whole workload. */
static bool spans_keep_their_sizes(const Workload *workload, const AllocatorSetup *setup, uint64_t steps)
{
    Run *start = NULL;
    assert_int_equal(run_create(workload, setup, NULL, 0, &start), HEAP_OK);
    Run *end = run_clone(start);
    assert_non_null(end);
    assert_int_equal(run_advance(end, steps), steps);
    bool same = delta_spans_match(start, end);
    run_destroy(start);
    run_destroy(end);
    return same;
}

/* The trace that only fills: a change in the size of a run's spans makes
 * the history take a keyframe (a whole copy) where a delta would do, and a
 * live map that grew with the blocks did that at every doubling (on the
 * generated 10M trace, two keyframes: 52 MB). The heap's live marks keep
 * their size; only blocks with more slack than a mark holds (a minimum
 * payload of 100 bytes: all of them) go to a map that grows, and cost
 * keyframes. Jumps match straight replays either way. */
static void test_a_filling_heap_keeps_its_spans(void **state)
{
    (void)state;
    Workload workload;
    AllocatorSetup setup;
    Trace *trace = filling(&workload, &setup);
    assert_true(spans_keep_their_sizes(&workload, &setup, FILLING));
    Kept marked = jumps_match_straight_replays(&workload, &setup, 24u << 20, 3);
    setup.config.min_payload = 100;
    assert_false(spans_keep_their_sizes(&workload, &setup, FILLING));
    Kept overflowing = jumps_match_straight_replays(&workload, &setup, 24u << 20, 3);
    assert_true(marked.keyframes < overflowing.keyframes);
    trace_destroy(trace);
}

/* The whole run computed while the user stays at a step: once it is done
 * the current run takes the frontier's state (its memory grows to the run's
 * size before the first jump) and goes back, so it is still at that step,
 * byte for byte what a straight replay gives, with that step's report, and
 * the history within its budget. At step 0 and mid-run; and on the long
 * trace under a thinning budget, where the finish also makes anchors in the
 * current run (spend_shadow) before it goes back. */
static void user_stays_while_the_run_finishes(Trace *trace, uint64_t budget, uint64_t step)
{
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = megabyte_heap(&workload, HEAP_FIRST_FIT);
    History *history = NULL;
    assert_int_equal(history_create(&workload, &setup, NULL, 0, budget, &history), HEAP_OK);
    assert_true(history_jump(history, step));
    uint64_t used_before = allocator_stats(run_heap(history_run(history)))->bytes_in_use;
    while (history_compute_ahead(history, 997) > 0 || history_settling(history)) {
        assert_true(history_memory_bytes(history) <= budget);
    }
    assert_int_equal(history_position(history), step);
    assert_int_equal(allocator_stats(run_heap(history_run(history)))->bytes_in_use, used_before);
    assert_int_equal(history_report(history) != NULL, step > 0);
    Run *fresh = NULL;
    assert_int_equal(run_create(&workload, &setup, NULL, 0, &fresh), HEAP_OK);
    assert_int_equal(run_advance(fresh, step), step);
    assert_same_state(fresh, (Run *)history_run(history));
    run_destroy(fresh);
    history_destroy(history);
}

static void test_finished_run_leaves_the_user_where_they_were(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace(41, 2000, &placing);
    user_stays_while_the_run_finishes(trace, 6u << 20, 0);
    user_stays_while_the_run_finishes(trace, 6u << 20, 12345);
    trace_destroy(trace);
    trace = random_trace_of(4 * OPS, 31, 3000, &placing);
    user_stays_while_the_run_finishes(trace, 27u << 18, 12345);
    trace_destroy(trace);
}

/* One of the CS:APP textbook designs, under a policy and a list order, on a
 * heap that grows (its memory is reallocated, so its spans change size and
 * the snapshots across a growth are keyframes). */
static void textbook_trace(const char *design, uint32_t policy, uint32_t list_order)
{
    uint32_t placing = 0;
    Trace *trace = random_trace(41 + policy + 3 * list_order, 2000, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = {.design = allocator_design_find(design), .config = allocator_default_config(1u << 20)};
    assert_non_null(setup.design);
    setup.config.policy = policy;
    setup.config.list_order = list_order;
    Kept kept = jumps_match_straight_replays(&workload, &setup, 24u << 20, 13 + policy);
    assert_true(kept.deltas > 0);
    trace_destroy(trace);
}

static void test_csapp_first_fit(void **state) { (void)state; textbook_trace("csapp", 0, 0); }
static void test_csapp_next_fit(void **state) { (void)state; textbook_trace("csapp", 1, 0); }
static void test_csapp_best_fit(void **state) { (void)state; textbook_trace("csapp", 2, 0); }
static void test_csapp_explicit_lifo(void **state) { (void)state; textbook_trace("csapp-explicit", 0, 0); }
static void test_csapp_explicit_address(void **state) { (void)state; textbook_trace("csapp-explicit", 0, 1); }
static void test_csapp_segregated(void **state) { (void)state; textbook_trace("csapp-segregated", 0, 0); }

/* The buddy system on a 1 MiB region: its lists grow (reallocated, so the
 * snapshots across are keyframes) and empty again, order by order. */
static void test_buddy(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace(51, 2000, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = {.design = allocator_design_find("buddy"), .config = allocator_default_config(1u << 20)};
    assert_non_null(setup.design);
    Kept kept = jumps_match_straight_replays(&workload, &setup, 24u << 20, 17);
    assert_true(kept.deltas > 0);
    trace_destroy(trace);
}

static void compute_to(History *history, uint64_t step)
{
    while (history_computed(history) < step && history_compute_ahead(history, 997) > 0) {
    }
}

/* Compactions from the window (the c key) at steps 12,388 and 28,772, then
 * back at 16,484, inside a short segment the history had dropped: the
 * snapshots taken after that one are whole again, and jumps after it still
 * equal straight replays (a reviewer's case: snapshots retaken into slots
 * still marked dropped crashed the history). */
static void test_compaction_inside_a_dropped_segment(void **state)
{
    (void)state;
    uint32_t placing = 0;
    Trace *trace = random_trace_of(60000, 7, 2000, &placing);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = megabyte_heap(&workload, HEAP_FIRST_FIT);
    History *history = NULL;
    assert_int_equal(history_create(&workload, &setup, NULL, 0, 8700u << 10, &history), HEAP_OK);
    compute_to(history, 40000);
    static const uint64_t at[] = {12388, 28772, 16484};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        assert_true(history_jump(history, at[i]));
        assert_true(history_compact_now(history));
        compute_to(history, 40000 + 10000 * i);
    }
    compute_to(history, UINT64_MAX);
    uint32_t count = 0;
    const uint64_t *schedule = history_compactions(history, &count);
    assert_int_equal(count, 2); /* the one at 16,484 replaced the future, 28,772's with it */
    static const uint64_t targets[] = {32778, 16485, 20000, 59000, 12389};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        assert_true(history_jump(history, targets[i]));
        Run *fresh = NULL;
        assert_int_equal(run_create(&workload, &setup, schedule, count, &fresh), HEAP_OK);
        assert_int_equal(run_advance(fresh, targets[i]), targets[i]);
        assert_same_heap(run_heap(fresh), run_heap(history_run(history)));
        run_destroy(fresh);
    }
    history_destroy(history);
    trace_destroy(trace);
}

/* A design that lists no state spans: csapp's operations, with its heaps
 * pointing at this table (a test-only design; every real one lists spans). */
static AllocatorDesign spanless_design;

static HeapError spanless_create(const AllocatorConfig *config, Allocator **out)
{
    HeapError error = allocator_design_find("csapp")->create(config, out);
    if (error == HEAP_OK) {
        (*out)->design = &spanless_design;
    }
    return error;
}

/* Whole copies for a design without state spans: every snapshot a keyframe. */
static void test_designs_without_spans_keep_whole_copies(void **state)
{
    (void)state;
    spanless_design = *allocator_design_find("csapp");
    spanless_design.create = spanless_create;
    spanless_design.state_spans = NULL;
    Workload workload = support_simulation(4, 3000);
    AllocatorSetup setup = {.design = &spanless_design, .config = allocator_default_config(1u << 20)};
    History *history = NULL;
    assert_int_equal(history_create(&workload, &setup, NULL, 0, 4u << 20, &history), HEAP_OK);
    assert_true(history_jump(history, 3000));
    uint32_t keyframes = 0, deltas = 0;
    history_snapshot_kinds(history, &keyframes, &deltas);
    assert_true(keyframes > 1);
    assert_int_equal(deltas, 0);
    assert_true(history_jump(history, 1234));
    Run *fresh = NULL;
    assert_int_equal(run_create(&workload, &setup, NULL, 0, &fresh), HEAP_OK);
    run_advance(fresh, 1234);
    assert_same_heap(run_heap(fresh), run_heap(history_run(history)));
    run_destroy(fresh);
    history_destroy(history);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_gap_and_width_round_trips),
        cmocka_unit_test(test_deltas_applied_together),
        cmocka_unit_test(test_split_deltas_apply_exactly),
        cmocka_unit_test(test_a_dropped_copy_leaves_an_anchor),
        cmocka_unit_test(test_trace_first_fit),
        cmocka_unit_test(test_trace_next_fit),
        cmocka_unit_test(test_trace_best_fit),
        cmocka_unit_test(test_trace_worst_fit),
        cmocka_unit_test(test_trace_bump),
        cmocka_unit_test(test_trace_thinned),
        cmocka_unit_test(test_simulation),
        cmocka_unit_test(test_recorded),
        cmocka_unit_test(test_csapp_first_fit),
        cmocka_unit_test(test_csapp_next_fit),
        cmocka_unit_test(test_csapp_best_fit),
        cmocka_unit_test(test_csapp_explicit_lifo),
        cmocka_unit_test(test_csapp_explicit_address),
        cmocka_unit_test(test_csapp_segregated),
        cmocka_unit_test(test_buddy),
        cmocka_unit_test(test_compaction_inside_a_dropped_segment),
        cmocka_unit_test(test_merged_deltas_span_both_ways),
        cmocka_unit_test(test_every_snapshot_restores_exactly),
        cmocka_unit_test(test_every_snapshot_restores_exactly_thinned),
        cmocka_unit_test(test_a_sweeping_heap_restores_exactly),
        cmocka_unit_test(test_budget_counts_the_current_run_grown),
        cmocka_unit_test(test_finished_run_leaves_the_user_where_they_were),
        cmocka_unit_test(test_a_filling_heap_keeps_its_spans),
        cmocka_unit_test(test_designs_without_spans_keep_whole_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
