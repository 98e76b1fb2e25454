/*
 * test_sim.c - the simulation: PRNG determinism against fixed values
 * (computed independently from the published splitmix64 / xoshiro256**
 * reference code), the slot sizes, the step rule and a simulated run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim.h"
#include "workload_test_support.h"

#include <stdlib.h>
#include <string.h>

static void splitmix_seeding_gives_the_reference_state(void **state)
{
    (void)state;
    SimRandom random;
    sim_random_seed(&random, 0);
    assert_true(random.state[0] == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(random.state[1] == UINT64_C(0x6e789e6aa1b965f4));
    assert_true(random.state[2] == UINT64_C(0x06c45d188009454f));
    assert_true(random.state[3] == UINT64_C(0xf88bb8a8724c81ec));
}

static void xoshiro_gives_the_reference_sequence(void **state)
{
    (void)state;
    SimRandom random;
    sim_random_seed(&random, 0);
    assert_true(sim_random_next(&random) == UINT64_C(0x99ec5f36cb75f2b4));
    assert_true(sim_random_next(&random) == UINT64_C(0xbf6e1f784956452a));
    assert_true(sim_random_next(&random) == UINT64_C(0x1a5f849d4933e6e0));
    sim_random_seed(&random, 42);
    assert_true(sim_random_next(&random) == UINT64_C(0x15780b2e0c2ec716));
    assert_true(sim_random_next(&random) == UINT64_C(0x6104d9866d113a7e));
    assert_true(sim_random_next(&random) == UINT64_C(0xae17533239e499a1));
}

static void unit_uses_the_top_53_bits(void **state)
{
    (void)state;
    SimRandom random;
    sim_random_seed(&random, 12345);
    assert_true(sim_random_unit(&random) == 0.7438081631565894);
    for (int i = 0; i < 10000; i++) {
        double u = sim_random_unit(&random);
        assert_true(u >= 0.0 && u < 1.0);
    }
}

static void below_stays_in_range_and_covers_it(void **state)
{
    (void)state;
    SimRandom random;
    uint64_t counts[7] = {0};
    sim_random_seed(&random, 7);
    assert_int_equal(sim_random_below(&random, 1), 0);
    for (int i = 0; i < 70000; i++) {
        uint64_t value = sim_random_below(&random, 7);
        assert_true(value < 7);
        counts[value]++;
    }
    for (int i = 0; i < 7; i++)
        assert_in_range(counts[i], 9500, 10500);
}

static void default_sizes_for_seed_0_are_fixed(void **state)
{
    (void)state;
    static const uint64_t expected[25] = {
        672, 3300, 1028, 2960, 3232, 780, 4032, 572, 728, 1892, 3380, 712, 1184,
        2964, 1956, 1484, 2000, 3324, 1332, 3136, 2168, 3080, 2924, 704, 524};
    SimParams params = sim_default_params();
    SimRandom random;
    uint64_t sizes[25];
    assert_int_equal(params.slots, 25);
    sim_random_seed(&random, params.seed);
    sim_draw_sizes(&params, &random, sizes);
    assert_memory_equal(sizes, expected, sizeof sizes);
}

static void defaults_match_the_python_seed(void **state)
{
    (void)state;
    SimParams params = sim_default_params();
    assert_int_equal(params.seed, 0);
    assert_int_equal(params.steps, 100);
    assert_int_equal(params.slots, 25);
    assert_true(params.p_malloc == 0.3);
    assert_int_equal(params.min_request_pages, 1);
    assert_int_equal(params.max_request_pages, 1023);
    assert_int_equal(params.page_size, 4);
    assert_int_equal(params.heap_pages, 8192);
}

static void sizes_are_pages_in_the_inclusive_range(void **state)
{
    (void)state;
    SimParams params = sim_default_params();
    params.slots = 1000;
    params.min_request_pages = 3;
    params.max_request_pages = 5;
    params.page_size = 16;
    uint64_t sizes[1000];
    bool seen[6] = {false};
    SimRandom random;
    sim_random_seed(&random, 1);
    sim_draw_sizes(&params, &random, sizes);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(sizes[i] % 16, 0);
        assert_in_range(sizes[i] / 16, 3, 5);
        seen[sizes[i] / 16] = true;
    }
    assert_true(seen[3] && seen[4] && seen[5]);
}

/* A slot set of `count` slots over static arrays. */
static SimSlots slot_set(uint32_t count, uint32_t *order, uint32_t *position)
{
    SimSlots slots = {count, 0, order, position};
    sim_slots_reset(&slots);
    return slots;
}

static void fill_and_empty_move_slots_between_the_kinds(void **state)
{
    (void)state;
    uint32_t order[5], position[5];
    SimSlots slots = slot_set(5, order, position);
    sim_slot_fill(&slots, 3);
    sim_slot_fill(&slots, 0);
    assert_int_equal(slots.full_count, 2);
    assert_true(sim_slot_is_full(&slots, 3) && sim_slot_is_full(&slots, 0));
    assert_false(sim_slot_is_full(&slots, 1));
    sim_slot_empty(&slots, 3);
    assert_false(sim_slot_is_full(&slots, 3));
    assert_true(sim_slot_is_full(&slots, 0));
    for (uint32_t slot = 0; slot < 5; slot++)
        assert_int_equal(order[position[slot]], slot);
}

static void wanted_kind_is_taken_when_a_slot_qualifies(void **state)
{
    (void)state;
    uint32_t order[4], position[4], slot;
    SimSlots slots = slot_set(4, order, position);
    SimRandom random;
    sim_random_seed(&random, 3);
    sim_slot_fill(&slots, 1);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(sim_choose(&slots, &random, 1.0, &slot), OP_MALLOC);
        assert_false(sim_slot_is_full(&slots, slot));
        assert_int_equal(sim_choose(&slots, &random, 0.0, &slot), OP_FREE);
        assert_int_equal(slot, 1);
    }
}

static void other_kind_is_taken_when_no_slot_qualifies(void **state)
{
    (void)state;
    uint32_t order[3], position[3], slot;
    SimSlots slots = slot_set(3, order, position);
    SimRandom random;
    sim_random_seed(&random, 4);
    /* All empty: a free is wanted (p = 0) but only a malloc is possible. */
    assert_int_equal(sim_choose(&slots, &random, 0.0, &slot), OP_MALLOC);
    for (uint32_t s = 0; s < 3; s++)
        sim_slot_fill(&slots, s);
    /* All full: a malloc is wanted (p = 1) but only a free is possible. */
    assert_int_equal(sim_choose(&slots, &random, 1.0, &slot), OP_FREE);
}

static void the_pick_is_uniform_among_qualifying_slots(void **state)
{
    (void)state;
    uint32_t order[6], position[6], slot;
    uint32_t counts[6] = {0};
    SimSlots slots = slot_set(6, order, position);
    SimRandom random;
    sim_random_seed(&random, 5);
    sim_slot_fill(&slots, 2);
    sim_slot_fill(&slots, 4);
    for (int i = 0; i < 40000; i++) {
        assert_int_equal(sim_choose(&slots, &random, 1.0, &slot), OP_MALLOC);
        counts[slot]++;
    }
    assert_int_equal(counts[2] + counts[4], 0);
    for (int s = 0; s < 6; s++)
        if (s != 2 && s != 4)
            assert_in_range(counts[s], 9500, 10500);
}

static void a_failed_malloc_is_counted_and_the_slot_stays_empty(void **state)
{
    (void)state;
    Workload workload = simulation(0, 50, 1, 1.0);
    workload.sim.min_request_pages = 1000;   /* 4000 bytes: never fits 1 KiB */
    workload.sim.max_request_pages = 1000;
    Run *run = make_run(&workload, 1024, HEAP_FIRST_FIT);
    StepReport report;
    for (uint32_t step = 1; run_step(run, &report); step++) {
        assert_int_equal(report.op.kind, OP_MALLOC);
        assert_int_equal(report.error, HEAP_ERROR_OUT_OF_MEMORY);
        assert_int_equal(report.payload, 0);
        assert_int_equal(report.record_id, step - 1);   /* a fresh id per malloc issued */
        assert_int_equal(run_id_payload(run, 0), 0);
    }
    assert_int_equal(allocator_stats(run_heap(run))->failed, 50);
    run_destroy(run);
}

static void every_step_is_one_operation_on_its_slot(void **state)
{
    (void)state;
    Workload workload = simulation(9, 2000, 40, 0.5);
    Run *run = make_run(&workload, 64 * 1024, HEAP_BEST_FIT);
    StepReport report;
    uint64_t mallocs = 0, frees = 0, failed = 0;
    while (run_step(run, &report)) {
        assert_heap_consistent(run_heap(run));
        assert_true(report.op.id < 40);
        if (report.op.kind == OP_FREE) {
            assert_int_equal(report.error, HEAP_OK);
            assert_int_equal(run_id_payload(run, report.op.id), 0);
            frees++;
        } else if (report.error == HEAP_OK) {
            assert_int_equal(run_id_payload(run, report.op.id), report.payload);
            assert_int_equal(report.event.request, report.op.bytes);
            mallocs++;
        } else {
            failed++;
        }
    }
    const HeapStats *stats = allocator_stats(run_heap(run));
    assert_int_equal(mallocs + frees + failed, 2000);
    assert_int_equal(stats->mallocs, mallocs);
    assert_int_equal(stats->frees, frees);
    assert_int_equal(stats->failed, failed);
    run_destroy(run);
}

static void same_parameters_give_the_same_run(void **state)
{
    (void)state;
    Workload workload = simulation(77, 3000, 100, 0.4);
    Workload other = simulation(78, 3000, 100, 0.4);
    Run *a = make_run(&workload, 32768, HEAP_NEXT_FIT);
    Run *b = make_run(&workload, 32768, HEAP_NEXT_FIT);
    Run *c = make_run(&other, 32768, HEAP_NEXT_FIT);
    StepReport x, y, z;
    bool differs = false;
    while (run_step(a, &x)) {
        assert_true(run_step(b, &y));
        assert_true(run_step(c, &z));
        assert_int_equal(x.step, y.step);
        assert_int_equal(x.op.kind, y.op.kind);
        assert_int_equal(x.op.id, y.op.id);
        assert_int_equal(x.op.bytes, y.op.bytes);
        assert_int_equal(x.error, y.error);
        assert_int_equal(x.payload, y.payload);
        assert_int_equal(x.record_id, y.record_id);
        differs = differs || x.op.id != z.op.id || x.op.kind != z.op.kind;
    }
    assert_heaps_equal(run_heap(a), run_heap(b));
    assert_true(differs);
    run_destroy(a);
    run_destroy(b);
    run_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splitmix_seeding_gives_the_reference_state),
        cmocka_unit_test(xoshiro_gives_the_reference_sequence),
        cmocka_unit_test(unit_uses_the_top_53_bits),
        cmocka_unit_test(below_stays_in_range_and_covers_it),
        cmocka_unit_test(default_sizes_for_seed_0_are_fixed),
        cmocka_unit_test(defaults_match_the_python_seed),
        cmocka_unit_test(sizes_are_pages_in_the_inclusive_range),
        cmocka_unit_test(fill_and_empty_move_slots_between_the_kinds),
        cmocka_unit_test(wanted_kind_is_taken_when_a_slot_qualifies),
        cmocka_unit_test(other_kind_is_taken_when_no_slot_qualifies),
        cmocka_unit_test(the_pick_is_uniform_among_qualifying_slots),
        cmocka_unit_test(a_failed_malloc_is_counted_and_the_slot_stays_empty),
        cmocka_unit_test(every_step_is_one_operation_on_its_slot),
        cmocka_unit_test(same_parameters_give_the_same_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
