/*
 * test_history.c - time travel: for every policy, at random points, going
 * back k steps and forward k again gives the identical heap (statistics,
 * block list, arena bytes); a jump to step N equals a fresh run to N; an
 * injected compaction equals a fresh run with that schedule; the budget holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "history.h"
#include "trace.h"
#include "sim.h"
#include "ui_test_support.h"
#include <stdlib.h>
#include <string.h>

enum { STEPS = 3000, BUDGET = 2 << 20, TRIALS = 12 };

static History *make_history(const Workload *workload, HeapPolicy policy, uint64_t budget)
{
    AllocatorSetup config = support_tags_setup(workload, policy);
    History *history = NULL;
    assert_int_equal(history_create(workload, &config, NULL, 0, budget, &history), HEAP_OK);
    return history;
}

static void assert_matches_fresh_run(const History *history, const Workload *workload, HeapPolicy policy,
                                     const uint64_t *compactions, uint32_t count)
{
    Run *fresh = support_run_to(workload, policy, compactions, count, history_position(history));
    assert_non_null(fresh);
    assert_int_equal(run_position(fresh), history_position(history));
    assert_true(support_same_heap(run_heap(fresh), run_heap(history_run(history))));
    run_destroy(fresh);
}

static void back_and_forth_for(HeapPolicy policy)
{
    Workload workload = support_simulation(7 + policy, STEPS);
    History *history = make_history(&workload, policy, BUDGET);
    assert_true(history_interval(history) > 1); /* the budget forces replays */
    SimRandom random;
    sim_random_seed(&random, 99 + policy);
    for (int trial = 0; trial < TRIALS; trial++) {
        uint64_t step = sim_random_below(&random, STEPS + 1);
        uint64_t back = sim_random_below(&random, step + 1);
        assert_true(history_jump(history, step));
        Run *before = run_clone(history_run(history));
        StepReport report_before = *history_report(history);
        assert_true(history_jump(history, step - back));
        assert_int_equal(history_position(history), step - back);
        assert_true(history_jump(history, step));
        assert_true(support_same_heap(run_heap(before), run_heap(history_run(history))));
        assert_memory_equal(&report_before.event, &history_report(history)->event, sizeof report_before.event);
        assert_matches_fresh_run(history, &workload, policy, NULL, 0);
        run_destroy(before);
    }
    assert_true(history_memory_bytes(history) <= BUDGET);
    history_destroy(history);
}

static void test_back_and_forth_first_fit(void **state) { (void)state; back_and_forth_for(HEAP_FIRST_FIT); }
static void test_back_and_forth_next_fit(void **state) { (void)state; back_and_forth_for(HEAP_NEXT_FIT); }
static void test_back_and_forth_best_fit(void **state) { (void)state; back_and_forth_for(HEAP_BEST_FIT); }
static void test_back_and_forth_worst_fit(void **state) { (void)state; back_and_forth_for(HEAP_WORST_FIT); }
static void test_back_and_forth_bump(void **state) { (void)state; back_and_forth_for(HEAP_BUMP); }

static void test_jump_equals_fresh_run_every_policy(void **state)
{
    (void)state;
    for (HeapPolicy policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        Workload workload = support_simulation(3, 500);
        History *history = make_history(&workload, policy, BUDGET);
        static const uint64_t steps[] = {500, 0, 1, 250, 249, 499, 17, 500};
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
            assert_true(history_jump(history, steps[i]));
            assert_int_equal(history_position(history), steps[i]);
            assert_matches_fresh_run(history, &workload, policy, NULL, 0);
        }
        history_destroy(history);
    }
}

static void test_jump_past_the_end_stops_at_the_end(void **state)
{
    (void)state;
    Workload workload = support_simulation(1, 100);
    History *history = make_history(&workload, HEAP_BEST_FIT, BUDGET);
    assert_true(history_jump(history, 1000));
    assert_int_equal(history_position(history), 100);
    assert_int_equal(history_computed(history), 100);
    history_destroy(history);
}

static void test_step_zero_has_no_report(void **state)
{
    (void)state;
    Workload workload = support_simulation(1, 100);
    History *history = make_history(&workload, HEAP_FIRST_FIT, BUDGET);
    assert_null(history_report(history));
    assert_true(history_jump(history, 5));
    assert_non_null(history_report(history));
    assert_int_equal(history_report(history)->step, 5);
    assert_true(history_jump(history, 0));
    assert_null(history_report(history));
    history_destroy(history);
}

static void test_compaction_equals_fresh_run_with_schedule(void **state)
{
    (void)state;
    Workload workload = support_simulation(11, 400);
    History *history = make_history(&workload, HEAP_FIRST_FIT, BUDGET);
    assert_true(history_jump(history, 300)); /* computed ahead to 300, then rewritten */
    assert_true(history_jump(history, 120));
    assert_true(history_compact_now(history));
    assert_int_equal(history_position(history), 121);
    assert_int_equal(history_total(history), 401);
    assert_int_equal(history_report(history)->event.kind, HEAP_EVENT_COMPACT);
    uint64_t schedule[] = {121};
    assert_matches_fresh_run(history, &workload, HEAP_FIRST_FIT, schedule, 1);
    assert_true(history_jump(history, 350));
    assert_matches_fresh_run(history, &workload, HEAP_FIRST_FIT, schedule, 1);
    assert_true(history_jump(history, 60));
    assert_matches_fresh_run(history, &workload, HEAP_FIRST_FIT, schedule, 1);
    history_destroy(history);
}

static void test_compaction_drops_later_compactions(void **state)
{
    (void)state;
    Workload workload = support_simulation(11, 400);
    History *history = make_history(&workload, HEAP_BEST_FIT, BUDGET);
    assert_true(history_jump(history, 200));
    assert_true(history_compact_now(history));
    assert_true(history_jump(history, 50));
    assert_true(history_compact_now(history));
    uint32_t count = 0;
    const uint64_t *schedule = history_compactions(history, &count);
    assert_int_equal(count, 1);
    assert_int_equal(schedule[0], 51);
    assert_int_equal(history_total(history), 401);
    assert_true(history_jump(history, 401));
    assert_matches_fresh_run(history, &workload, HEAP_BEST_FIT, schedule, 1);
    history_destroy(history);
}

static void test_samples_follow_the_heap(void **state)
{
    (void)state;
    Workload workload = support_simulation(5, 300);
    History *history = make_history(&workload, HEAP_WORST_FIT, BUDGET);
    assert_int_equal(history_compute_ahead(history, 1000), 300);
    for (uint64_t step = 0; step <= 300; step += 37) {
        assert_true(history_jump(history, step));
        const HeapStats *stats = allocator_stats(run_heap(history_run(history)));
        HistorySample sample = history_sample(history, step);
        assert_true(sample.values[SERIES_FREE_BLOCKS] == (float)stats->free_blocks);
        assert_true(sample.values[SERIES_LARGEST_FREE] == (float)stats->largest_free);
        assert_true(sample.values[SERIES_EXTERNAL_FRAGMENTATION] == (float)stats->external_fragmentation);
    }
    HistorySample low, high;
    history_range(history, 0, 301, &low, &high);
    for (uint64_t step = 0; step <= 300; step++) {
        HistorySample sample = history_sample(history, step);
        assert_true(sample.values[SERIES_FREE_BLOCKS] >= low.values[SERIES_FREE_BLOCKS]);
        assert_true(sample.values[SERIES_FREE_BLOCKS] <= high.values[SERIES_FREE_BLOCKS]);
    }
    history_destroy(history);
}

static void test_failed_steps_are_marked(void **state)
{
    (void)state;
    Workload workload = support_simulation(2, 2000);
    workload.sim.p_malloc = 0.9; /* fills the 32 KiB heap quickly */
    History *history = make_history(&workload, HEAP_FIRST_FIT, BUDGET);
    history_compute_ahead(history, 2000);
    assert_true(history_jump(history, 2000));
    uint64_t failed = allocator_stats(run_heap(history_run(history)))->failed, marked = 0;
    for (uint64_t step = 1; step <= 2000; step++) {
        marked += history_sample(history, step).failed;
    }
    assert_true(failed > 0);
    assert_int_equal(marked, failed);
    history_destroy(history);
}

/* Whether any step of block [first, first + 256) up to `last` placed
 * differently in the two fine histories. */
static bool block_placed_differently(const History *a, const History *b, uint64_t first, uint64_t last)
{
    for (uint64_t step = first; step < first + 256 && step <= last; step++)
        if (history_placed(a, step) != history_placed(b, step))
            return true;
    return false;
}

/* A run too long for per-step samples in a quarter of the budget keeps one
 * per 256-step block: the block's last statistics, whether any of its steps
 * failed, the range's extremes and a hash of its placements - all checked
 * against histories that keep every step. */
static void test_long_runs_keep_a_sample_per_block(void **state)
{
    (void)state;
    enum { LONG_STEPS = 2000, SMALL_BUDGET = 600 << 10 };
    Workload workload = support_simulation(2, LONG_STEPS);
    workload.sim.p_malloc = 0.9; /* fills the 32 KiB heap: failures */
    History *fine = make_history(&workload, HEAP_FIRST_FIT, BUDGET);
    History *coarse = make_history(&workload, HEAP_FIRST_FIT, SMALL_BUDGET);
    History *fine_best = make_history(&workload, HEAP_BEST_FIT, BUDGET);
    History *coarse_best = make_history(&workload, HEAP_BEST_FIT, SMALL_BUDGET);
    History *coarse_same = make_history(&workload, HEAP_FIRST_FIT, SMALL_BUDGET);
    History *all[] = {fine, coarse, fine_best, coarse_best, coarse_same};
    for (int i = 0; i < 5; i++)
        assert_int_equal(history_compute_ahead(all[i], LONG_STEPS + 1), LONG_STEPS);
    assert_int_equal(history_sample_span(fine), 1);
    assert_int_equal(history_sample_span(coarse), 256);
    int differing = 0;
    for (uint64_t first = 0; first <= LONG_STEPS; first += 256) {
        uint64_t last = first + 255 < LONG_STEPS ? first + 255 : LONG_STEPS;
        bool failed = false;
        for (uint64_t step = first; step <= last; step++)
            failed = failed || history_sample(fine, step).failed;
        for (uint64_t step = first; step <= last; step += 51) {
            HistorySample block = history_sample(coarse, step), end = history_sample(fine, last);
            assert_int_equal(block.failed, failed);
            assert_memory_equal(block.values, end.values, sizeof block.values);
        }
        bool differs = block_placed_differently(fine, fine_best, first, last);
        assert_int_equal(history_placed(coarse, first) != history_placed(coarse_best, last), differs);
        assert_false(block_placed_differently(fine, fine, first, last));
        assert_int_equal(history_placed(coarse, first), history_placed(coarse_same, last));
        differing += differs;
    }
    assert_true(differing > 0);
    HistorySample low_fine, high_fine, low_coarse, high_coarse;
    history_range(fine, 0, LONG_STEPS + 1, &low_fine, &high_fine);
    history_range(coarse, 0, LONG_STEPS + 1, &low_coarse, &high_coarse);
    assert_memory_equal(low_fine.values, low_coarse.values, sizeof low_fine.values);
    assert_memory_equal(high_fine.values, high_coarse.values, sizeof high_fine.values);
    assert_true(history_jump(coarse, 777));
    HistorySample now = history_now(coarse), exact = history_sample(fine, 777);
    assert_memory_equal(now.values, exact.values, sizeof now.values);
    for (int i = 0; i < 5; i++)
        history_destroy(all[i]);
}

static void test_dirty_range_covers_a_step(void **state)
{
    (void)state;
    Workload workload = support_simulation(4, 100);
    History *history = make_history(&workload, HEAP_FIRST_FIT, BUDGET);
    history_take_dirty(history);
    assert_true(history_jump(history, 1));
    DirtyRange dirty = history_take_dirty(history);
    const HeapEvent *event = &history_report(history)->event;
    assert_false(dirty.full);
    assert_true(dirty.start <= event->block_offset && event->block_offset < dirty.end);
    assert_true(history_jump(history, 0));
    assert_true(history_take_dirty(history).full);
    history_destroy(history);
}

static void test_budget_holds_with_a_large_heap(void **state)
{
    (void)state;
    Workload workload = support_simulation(9, 2000);
    workload.sim.heap_pages = 1 << 20; /* 4 MiB heap: room for three snapshots in 24 MiB */
    AllocatorSetup config = support_tags_setup(&workload, HEAP_FIRST_FIT);
    History *history = NULL;
    assert_int_equal(history_create(&workload, &config, NULL, 0, 24u << 20, &history), HEAP_OK);
    assert_true(history_interval(history) >= 500);
    assert_true(history_jump(history, 2000));
    assert_true(history_jump(history, 3));
    assert_true(history_memory_bytes(history) <= 24u << 20);
    assert_matches_fresh_run(history, &workload, HEAP_FIRST_FIT, NULL, 0);
    history_destroy(history);
}

/* A budget smaller than the three copies always kept is reported, not
 * silently exceeded; one that holds them is not. */
static void test_budget_too_small_is_reported(void **state)
{
    (void)state;
    Workload workload = support_simulation(5, 1000);
    History *small = make_history(&workload, HEAP_FIRST_FIT, 1024);
    History *ample = make_history(&workload, HEAP_FIRST_FIT, 64u << 20);
    assert_true(history_jump(small, 1000));
    assert_true(history_jump(ample, 1000));
    assert_true(history_memory_bytes(small) > 1024);
    assert_true(history_over_budget(small));
    assert_false(history_over_budget(ample));
    history_destroy(small);
    history_destroy(ample);
}

/* Runs outgrow the plan made at step 0 (a filling heap with a minimum
 * payload of 100 bytes leaves each block more slack than its live mark
 * holds, so the live blocks' overflow map grows, each growth a keyframe),
 * so the history must thin its snapshots to stay
 * within budget - drop the short segments the growths began, or fold the
 * snapshots in pairs - and jumps must still land exactly, in a dropped
 * segment too (replayed from the snapshot before it). */
static void test_budget_holds_while_the_heap_fills(void **state)
{
    (void)state;
    enum { ALLOCATIONS = 20000 };
    Trace *trace = support_filling_trace(ALLOCATIONS);
    assert_non_null(trace);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup config = support_tags_setup(&workload, HEAP_FIRST_FIT);
    config.config.heap_bytes = 1u << 20;
    config.config.min_payload = 100;
    const uint64_t budget = 12u << 20;
    History *history = NULL;
    assert_int_equal(history_create(&workload, &config, NULL, 0, budget, &history), HEAP_OK);
    uint64_t planned_interval = history_interval(history);
    assert_true(history_jump(history, ALLOCATIONS));
    assert_true(history_memory_bytes(history) <= budget);
    uint32_t keyframes = 0, deltas = 0;
    history_snapshot_kinds(history, &keyframes, &deltas);
    uint64_t interval = history_interval(history);
    assert_true(interval > planned_interval || keyframes + deltas < ALLOCATIONS / interval + 1);
    const uint64_t targets[] = {777, 2 * interval + 5, 4 * interval + 11, ALLOCATIONS - 3}; /* increasing */
    Run *fresh = NULL;
    assert_int_equal(run_create(&workload, &config, NULL, 0, &fresh), HEAP_OK);
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        assert_true(history_jump(history, 0));
        assert_true(history_jump(history, targets[i]));
        assert_int_equal(run_advance(fresh, targets[i]), targets[i]);
        assert_true(support_same_heap(run_heap(fresh), run_heap(history_run(history))));
    }
    run_destroy(fresh);
    history_destroy(history);
    trace_destroy(trace);
}

/* A run of 4,194,304 steps or more starts with a snapshot every 16,384
 * steps, not 4,096: 4,194,304 / 16,384 + 1 = 257 snapshots, every
 * ceil(4,194,304 / 257) = 16,321 steps; one step fewer gives 4,194,303 /
 * 4,096 + 1 = 1,024, every ceil(4,194,303 / 1,024) = 4,096. */
static void test_long_runs_start_with_longer_intervals(void **state)
{
    (void)state;
    Workload long_run = support_simulation(3, UINT64_C(4194304));
    History *history = make_history(&long_run, HEAP_FIRST_FIT, 256u << 20);
    assert_int_equal(history_interval(history), 16321);
    history_destroy(history);
    Workload shorter = support_simulation(3, UINT64_C(4194303));
    history = make_history(&shorter, HEAP_FIRST_FIT, 256u << 20);
    assert_int_equal(history_interval(history), 4096);
    history_destroy(history);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_runs_start_with_longer_intervals),
        cmocka_unit_test(test_back_and_forth_first_fit),
        cmocka_unit_test(test_back_and_forth_next_fit),
        cmocka_unit_test(test_back_and_forth_best_fit),
        cmocka_unit_test(test_back_and_forth_worst_fit),
        cmocka_unit_test(test_back_and_forth_bump),
        cmocka_unit_test(test_jump_equals_fresh_run_every_policy),
        cmocka_unit_test(test_jump_past_the_end_stops_at_the_end),
        cmocka_unit_test(test_step_zero_has_no_report),
        cmocka_unit_test(test_compaction_equals_fresh_run_with_schedule),
        cmocka_unit_test(test_compaction_drops_later_compactions),
        cmocka_unit_test(test_samples_follow_the_heap),
        cmocka_unit_test(test_failed_steps_are_marked),
        cmocka_unit_test(test_long_runs_keep_a_sample_per_block),
        cmocka_unit_test(test_dirty_range_covers_a_step),
        cmocka_unit_test(test_budget_holds_with_a_large_heap),
        cmocka_unit_test(test_budget_too_small_is_reported),
        cmocka_unit_test(test_budget_holds_while_the_heap_fills),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
