/*
 * test_copy.c - heap_clone and heap_copy make heaps that are the original in
 * every way that shows, and that go on behaving exactly like it.
 *
 * The window's history keeps copies of heaps and replays from them, so a
 * copy must carry everything behind the arena too: the free index (the
 * address index, or best fit's tree), the live map, bump's dead-block log
 * and its lookup, the rover and the heap pointer. For every policy: random
 * calls build a heap; a clone, and a copy into a heap with a different past,
 * must then match it (arena, blocks, statistics, rover, heap pointer), and
 * the three must give the same answer to every one of thousands of further
 * calls (double frees, frees of dead blocks and compactions among them),
 * with heap_check() finding nothing broken in any of them. A heap that
 * skips its events (HeapConfig.skip_events, the headless runner's) answers
 * the same calls as one that records them, and holds the same heap; so
 * does one whose events are off for a while, and it records the same
 * events again once they are back on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core_support.h"
#include "heap_internal.h"

enum { HEAP_BYTES = 64 * 1024, IDS = 96, STEPS = 3000 };

/* Payloads by id, one array per heap driven in lockstep. */
typedef struct {
    Heap *heap;
    uint64_t payload[IDS];
} Driven;

/* Compaction's report: every id that held the old payload gets the new one. */
static void follow_move(void *context, uint64_t old_payload, uint64_t new_payload)
{
    Driven *d = context;
    for (size_t id = 0; id < IDS; id++)
        if (d->payload[id] == old_payload)
            d->payload[id] = new_payload;
}

/* One random call on every heap in `heaps`, which must all answer alike.
 * A freed id keeps its old payload a quarter of the time, so frees and reallocs of
 * freed (and, for bump, dead) blocks come up too; no block is ever leaked. */
static void lockstep_call(Driven *heaps, size_t count, uint64_t *random_state)
{
    uint64_t roll = support_random_below(random_state, 1000);
    uint64_t id = support_random_below(random_state, IDS);
    uint64_t n = 1 + support_random_below(random_state, 700);
    bool keep_stale = support_random_below(random_state, 4) == 0;
    bool id_is_empty = heaps[0].payload[id] == 0;
    HeapError first_error = HEAP_OK;
    uint64_t first_result = 0;
    for (size_t i = 0; i < count; i++) {
        Driven *d = &heaps[i];
        HeapError error = HEAP_OK;
        uint64_t result = 0;
        if (roll < 550 && id_is_empty) {
            error = heap_malloc(d->heap, n, &result);
            if (error == HEAP_OK)
                d->payload[id] = result;
        } else if (roll < 800) { /* a malloc for an id that holds a block frees it instead */
            error = heap_free(d->heap, d->payload[id]);
            if (!keep_stale)
                d->payload[id] = 0;
        } else if (roll < 995) {
            error = heap_realloc(d->heap, d->payload[id], n, &result);
            if (error == HEAP_OK)
                d->payload[id] = result;
        } else {
            heap_compact(d->heap, follow_move, d);
        }
        if (i == 0) {
            first_error = error;
            first_result = result;
        }
        assert_int_equal(error, first_error);
        assert_int_equal(result, first_result);
    }
}

static void expect_same(const Heap *heap, const Heap *original)
{
    HeapSnapshot snapshot;
    support_snapshot(original, &snapshot);
    support_expect_unchanged(heap, &snapshot, heap_stats(original));
    support_snapshot_release(&snapshot);
    support_expect_consistent(heap);
}

static void copies_behave_like_the_original(HeapPolicy policy)
{
    uint64_t random_state = 1 + (uint64_t)policy;
    Driven heaps[3] = { { .heap = support_new_heap(HEAP_BYTES, 8, 8, policy) } };
    for (int step = 0; step < STEPS; step++)
        lockstep_call(heaps, 1, &random_state);

    assert_int_equal(heap_clone(heaps[0].heap, &heaps[1].heap), HEAP_OK);
    heaps[2].heap = support_new_heap(HEAP_BYTES, 8, 8, policy);
    uint64_t other_state = 99;
    for (int step = 0; step < STEPS / 3; step++) /* a different past, then overwritten */
        lockstep_call(&heaps[2], 1, &other_state);
    assert_int_equal(heap_copy(heaps[2].heap, heaps[0].heap), HEAP_OK);
    for (size_t i = 1; i < 3; i++) {
        memcpy(heaps[i].payload, heaps[0].payload, sizeof heaps[0].payload);
        expect_same(heaps[i].heap, heaps[0].heap);
    }

    for (int step = 0; step < STEPS; step++) {
        lockstep_call(heaps, 3, &random_state);
        if (step % 250 == 0) {
            expect_same(heaps[1].heap, heaps[0].heap);
            expect_same(heaps[2].heap, heaps[0].heap);
        }
    }
    expect_same(heaps[1].heap, heaps[0].heap);
    expect_same(heaps[2].heap, heaps[0].heap);
    for (size_t i = 0; i < 3; i++)
        heap_destroy(heaps[i].heap);
}

static void test_first_fit(void **state) { (void)state; copies_behave_like_the_original(HEAP_FIRST_FIT); }
static void test_next_fit(void **state) { (void)state; copies_behave_like_the_original(HEAP_NEXT_FIT); }
static void test_best_fit(void **state) { (void)state; copies_behave_like_the_original(HEAP_BEST_FIT); }
static void test_worst_fit(void **state) { (void)state; copies_behave_like_the_original(HEAP_WORST_FIT); }
static void test_bump(void **state) { (void)state; copies_behave_like_the_original(HEAP_BUMP); }

/* The calls use some of the event's fields as scratch (the block placed,
 * the merges); without the clearing that recording does, they must still
 * give the same answers, statistics and blocks, for every policy. A third
 * heap has its events turned off for stretches of calls and back on
 * (heap_set_skip_events, what a history's long replay does): from the
 * first call after, it records the same event as the heap that always did. */
static void test_skipping_events_changes_nothing(void **state)
{
    (void)state;
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        uint64_t random_state = 7 + (uint64_t)policy;
        HeapConfig config = heap_default_config(HEAP_BYTES);
        config.policy = (HeapPolicy)policy;
        config.count_examined = true;
        Driven heaps[3] = { { .heap = NULL } };
        assert_int_equal(heap_create(&config, &heaps[0].heap), HEAP_OK);
        assert_int_equal(heap_create(&config, &heaps[2].heap), HEAP_OK);
        config.skip_events = true;
        assert_int_equal(heap_create(&config, &heaps[1].heap), HEAP_OK);
        for (int step = 0; step < STEPS; step++) {
            if (step % 1000 == 100 || step % 1000 == 700)
                heap_set_skip_events(heaps[2].heap, step % 1000 == 100);
            lockstep_call(heaps, 3, &random_state);
            if (step % 1000 > 700)
                assert_memory_equal(&heaps[2].heap->event, &heaps[0].heap->event, sizeof(HeapEvent));
            if (step % 250 == 0) {
                expect_same(heaps[1].heap, heaps[0].heap);
                expect_same(heaps[2].heap, heaps[0].heap);
            }
        }
        expect_same(heaps[1].heap, heaps[0].heap);
        expect_same(heaps[2].heap, heaps[0].heap);
        for (size_t i = 0; i < 3; i++)
            heap_destroy(heaps[i].heap);
    }
}

/* One call on each of `count` heaps, which must answer alike: a malloc of
 * up to 8,000 bytes for an id that holds nothing, else a free; with 1,024
 * ids about half of them hold 4 KiB, so the high water climbs megabytes. */
enum { GROWING_IDS = 1024 };

static void growing_call(Heap **heaps, uint64_t (*payload)[GROWING_IDS], size_t count,
                         uint64_t *random_state)
{
    uint64_t id = support_random_below(random_state, GROWING_IDS);
    uint64_t n = 1 + support_random_below(random_state, 8000);
    bool empty = payload[0][id] == 0;
    HeapError first_error = HEAP_OK;
    uint64_t first_result = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t result = 0;
        HeapError error = empty ? heap_malloc(heaps[i], n, &result) : heap_free(heaps[i], payload[i][id]);
        payload[i][id] = result;
        if (i == 0) {
            first_error = error;
            first_result = result;
        }
        assert_int_equal(error, first_error);
        assert_int_equal(result, first_result);
    }
}

/* First fit with its events off (the headless replay's heap) starts its
 * address index with groups of one bitmap word (2^6 slots) and widens them to
 * four (2^8) once the high water passes 4,096 narrow groups, 2 MiB at A = 8;
 * with its events on it has four from the start. The two answer alike on
 * either side of the widening, and so does a clone of the widened heap,
 * whose index starts narrow and is widened to match when it is copied. */
static void test_first_fit_widens_its_index_groups(void **state)
{
    (void)state;
    HeapConfig config = heap_default_config(8u << 20);
    config.policy = HEAP_FIRST_FIT;
    config.count_examined = true;
    Heap *heaps[3] = { NULL };
    static uint64_t payload[3][GROWING_IDS];
    memset(payload, 0, sizeof payload);
    assert_int_equal(heap_create(&config, &heaps[0]), HEAP_OK);
    config.skip_events = true;
    assert_int_equal(heap_create(&config, &heaps[1]), HEAP_OK);
    assert_int_equal(heaps[0]->by_address.group_shift, 8);
    assert_int_equal(heaps[1]->by_address.group_shift, 6);
    uint64_t random_state = 5;
    assert_int_equal(heaps[1]->region_start, 0); /* A = 8: 4,096 narrow groups end at 2 MiB */
    while (heaps[1]->stats.high_water < (2u << 20)) {
        assert_int_equal(heaps[1]->by_address.group_shift, 6);
        growing_call(heaps, payload, 2, &random_state);
    }
    assert_int_equal(heaps[1]->by_address.group_shift, 8); /* at once, not later */
    for (int step = 0; step < 2000; step++)
        growing_call(heaps, payload, 2, &random_state);
    assert_int_equal(heaps[1]->by_address.group_shift, 8);
    expect_same(heaps[1], heaps[0]);

    assert_int_equal(heap_clone(heaps[1], &heaps[2]), HEAP_OK);
    memcpy(payload[2], payload[0], sizeof payload[0]);
    assert_int_equal(heaps[2]->by_address.group_shift, 8);
    expect_same(heaps[2], heaps[0]);
    for (int step = 0; step < 2000; step++)
        growing_call(heaps, payload, 3, &random_state);
    for (size_t i = 1; i < 3; i++)
        expect_same(heaps[i], heaps[0]);
    for (size_t i = 0; i < 3; i++)
        heap_destroy(heaps[i]);
}

/* A copy between heaps of different configurations is refused, and the
 * target is left as it was. */
/* A bump heap's cost does not rise when it is only looked at. 100 blocks
 * freed die into the dead-block log (64 entries, doubled to 128: 2 KiB),
 * and their lookup map is filed only when a walk asks what a dead block
 * held: 100 entries at most half full take 256 slots of 16 B (4 KiB). A
 * walk after 50 frees files those 50 (128 slots); the 50 logged since are
 * not yet filed. The window's history budgets by heap_memory_bytes, so it
 * must count the 4 KiB before the next walk files them, not find them
 * after. */
static void test_bump_memory_counts_the_dead_lookup_before_a_walk(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(HEAP_BYTES, 8, 8, HEAP_BUMP);
    uint64_t payloads[100];
    for (int i = 0; i < 100; i++)
        payloads[i] = support_malloc(heap, 16);
    HeapBlock blocks[128];
    for (int i = 0; i < 100; i++) { /* heap_free, not support_free: its check walks the heap */
        assert_int_equal(heap_free(heap, payloads[i]), HEAP_OK);
        if (i == 49) /* a walk half way files the first 50 (in 128 slots) */
            assert_int_equal(support_collect_blocks(heap, blocks, SUPPORT_COUNT(blocks)), 101);
    }
    assert_int_equal(heap->dead.filed, 50);
    uint64_t before = heap_memory_bytes(heap);
    assert_int_equal(support_collect_blocks(heap, blocks, SUPPORT_COUNT(blocks)), 101); /* and the top */
    assert_int_equal(heap->dead.lookup.capacity, 256);
    assert_int_equal(heap->dead.capacity, 128);
    assert_int_equal(heap_memory_bytes(heap), before);
    heap_destroy(heap);
}

static void test_copy_needs_the_same_configuration(void **state)
{
    (void)state;
    Heap *source = support_new_heap(HEAP_BYTES, 8, 8, HEAP_FIRST_FIT);
    Heap *target = support_new_heap(HEAP_BYTES, 16, 8, HEAP_FIRST_FIT);
    support_malloc(source, 100);
    uint64_t kept = support_malloc(target, 40);
    HeapSnapshot snapshot;
    support_snapshot(target, &snapshot);
    HeapStats stats = *heap_stats(target);
    assert_int_equal(heap_copy(target, source), HEAP_ERROR_INVALID_CONFIG);
    support_expect_unchanged(target, &snapshot, &stats);
    support_snapshot_release(&snapshot);
    support_free(target, kept);
    heap_destroy(source);
    heap_destroy(target);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_fit),
        cmocka_unit_test(test_next_fit),
        cmocka_unit_test(test_best_fit),
        cmocka_unit_test(test_worst_fit),
        cmocka_unit_test(test_bump),
        cmocka_unit_test(test_copy_needs_the_same_configuration),
        cmocka_unit_test(test_bump_memory_counts_the_dead_lookup_before_a_walk),
        cmocka_unit_test(test_skipping_events_changes_nothing),
        cmocka_unit_test(test_first_fit_widens_its_index_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
