/*
 * workload_test_support.c - see workload_test_support.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim.h"
#include "workload_test_support.h"

#include <string.h>

void assert_same_spans(Run *expected, Run *actual)
{
    AllocatorSpan want[RUN_MAX_SPANS], got[RUN_MAX_SPANS];
    uint32_t count = run_state_spans(expected, want);
    assert_true(count > 0);
    assert_int_equal(run_state_spans(actual, got), count);
    for (uint32_t k = 0; k < count; k++) {
        assert_int_equal(got[k].size, want[k].size);
        assert_memory_equal(got[k].bytes, want[k].bytes, want[k].size);
    }
}

void assert_heaps_equal(const Allocator *a, const Allocator *b)
{
    assert_memory_equal(allocator_stats(a), allocator_stats(b), sizeof(HeapStats));
    HeapBlock x, y;
    bool more_a = allocator_first_block(a, &x);
    bool more_b = allocator_first_block(b, &y);
    while (more_a && more_b) {
        assert_int_equal(x.offset, y.offset);
        assert_int_equal(x.size, y.size);
        assert_int_equal(x.state, y.state);
        assert_int_equal(x.requested, y.requested);
        more_a = allocator_next_block(a, &x);
        more_b = allocator_next_block(b, &y);
    }
    assert_int_equal(more_a, more_b);
}

void assert_heap_consistent(const Allocator *heap)
{
    HeapCheck check = allocator_check(heap);
    assert_int_equal(check.broken, 0);
}

AllocatorSetup tags_setup(uint64_t heap_bytes, HeapPolicy policy)
{
    AllocatorSetup setup = { &tags_design, allocator_default_config(heap_bytes) };
    setup.config.policy = (uint32_t)policy;
    return setup;
}

Run *make_run(const Workload *workload, uint64_t heap_bytes, HeapPolicy policy)
{
    AllocatorSetup setup = tags_setup(heap_bytes, policy);
    Run *run = NULL;
    assert_int_equal(run_create(workload, &setup, NULL, 0, &run), HEAP_OK);
    assert_non_null(run);
    return run;
}

void run_to_end_checked(Run *run)
{
    StepReport report;
    while (run_step(run, &report))
        assert_heap_consistent(run_heap(run));
    assert_true(run_finished(run));
}

Workload simulation(uint64_t seed, uint64_t steps, uint64_t slots, double p_malloc)
{
    Workload workload;
    memset(&workload, 0, sizeof workload);
    workload.kind = WORKLOAD_SIMULATION;
    workload.sim = sim_default_params();
    workload.sim.seed = seed;
    workload.sim.steps = steps;
    workload.sim.slots = slots;
    workload.sim.p_malloc = p_malloc;
    return workload;
}
