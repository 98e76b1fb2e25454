/*
 * test_history_torn.c - a jump that runs out of memory half-way through
 * copying a snapshot leaves the run whole, at the step it was; so does one
 * that fails as the finished run warms the current one.
 *
 * The suite is linked with -Wl,--wrap=malloc, so every malloc of the
 * program goes through __wrap_malloc below, which fails the call chosen by
 * `fail_countdown` and passes every other on to the real malloc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "history.h"
#include "ui_test_support.h"

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

static int64_t fail_countdown = -1; /* -1: never fail */

void *__wrap_malloc(size_t size)
{
    if (fail_countdown == 0) {
        fail_countdown = -1;
        return NULL;
    }
    if (fail_countdown > 0) {
        fail_countdown--;
    }
    return __real_malloc(size);
}

/* Jumps between a heap with few live blocks and one full of them, failing
 * the nth malloc of the jump, for every n until a jump needs no more: a
 * copy whose maps and trees must grow stops after some of them grew. A
 * minimum payload of 100 bytes leaves every block more slack than its live
 * mark holds, so the live blocks' overflow map grows with them too. */
static void failed_jumps_leave_the_run_where_it_was(void **state)
{
    (void)state;
    Workload workload = support_simulation(5, 3000);
    workload.sim.slots = 2000;               /* many live blocks, and many free ones */
    workload.sim.p_malloc = 0.7;
    workload.sim.max_request_pages = 16;
    workload.sim.heap_pages = 1 << 16;
    int failures = 0;
    for (int64_t n = 0; n < 80; n++) {
        HeapPolicy policy = n % 2 ? HEAP_BUMP : HEAP_BEST_FIT; /* bump also copies its dead blocks */
        AllocatorSetup setup = support_tags_setup(&workload, policy);
        setup.config.min_payload = 100;
        History *history = NULL;
        assert_int_equal(history_create(&workload, &setup, NULL, 0, 8u << 20, &history), HEAP_OK);
        assert_true(history_jump(history, 2500));
        assert_true(history_jump(history, 3));
        fail_countdown = n / 2;
        bool jumped = history_jump(history, 2500);
        fail_countdown = -1;
        uint64_t expected = jumped ? 2500 : 3;
        failures += !jumped;
        assert_int_equal(history_position(history), expected);
        assert_int_equal(allocator_check(run_heap(history_run(history))).broken, 0);
        Run *fresh = NULL;
        assert_int_equal(run_create(&workload, &setup, NULL, 0, &fresh), HEAP_OK);
        assert_int_equal(run_advance(fresh, expected), expected);
        assert_true(support_same_heap(run_heap(fresh), run_heap(history_run(history))));
        run_destroy(fresh);
        history_destroy(history);
    }
    assert_true(failures > 1); /* the jump allocated more than once, and failed part-way */
}

/* The run's last step computed while the user stays at step 3: the
 * current run then takes the frontier's state and jumps back to step 3
 * (warming its memory), in the calls after. Failing the nth malloc of those, for
 * every n until it needs no more, the user is still at step 3, exactly:
 * a jump back that fails part-way must not leave them at the end. */
static void failed_warming_leaves_the_user_where_they_were(void **state)
{
    (void)state;
    Workload workload = support_simulation(5, 3000);
    workload.sim.slots = 2000;
    workload.sim.p_malloc = 0.7;
    workload.sim.max_request_pages = 16;
    workload.sim.heap_pages = 1 << 16;
    for (int64_t n = 0; n < 120; n++) {
        HeapPolicy policy = n % 2 ? HEAP_BUMP : HEAP_BEST_FIT;
        AllocatorSetup setup = support_tags_setup(&workload, policy);
        History *history = NULL;
        assert_int_equal(history_create(&workload, &setup, NULL, 0, 8u << 20, &history), HEAP_OK);
        assert_true(history_jump(history, 3));
        uint64_t total = history_total(history);
        assert_int_equal(history_compute_ahead(history, total - 1 - history_computed(history)),
                         total - 1 - 3);
        fail_countdown = n / 2;
        history_compute_ahead(history, 1);
        while (history_settling(history)) { /* the warming comes a call after */
            history_compute_ahead(history, 1);
        }
        fail_countdown = -1;
        assert_int_equal(history_position(history), 3);
        assert_int_equal(allocator_check(run_heap(history_run(history))).broken, 0);
        Run *fresh = support_run_to(&workload, policy, NULL, 0, 3);
        assert_true(support_same_heap(run_heap(fresh), run_heap(history_run(history))));
        run_destroy(fresh);
        history_destroy(history);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failed_jumps_leave_the_run_where_it_was),
        cmocka_unit_test(failed_warming_leaves_the_user_where_they_were),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
