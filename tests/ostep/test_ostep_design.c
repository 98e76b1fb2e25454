/*
 * test_ostep_design.c - the `ostep` design against malloc.py's rules, with
 * every expected address, searched count and free list worked out by hand
 * from malloc.py's code (heap of 100 units at base 1000 unless said).
 *
 * Offsets are addresses - base + 1 (ostep.c), so address 1000 is offset 1.
 * The check tests corrupt a heap on purpose and watch each flag fire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "allocator.h"
#include "ostep_internal.h"

#include <stdlib.h>

enum { BASE = 1000 };
enum { BEST = 0, WORST = 1, FIRST = 2 };
enum { ADDRSORT = 0, SIZESORT_UP = 1, SIZESORT_DOWN = 2, INSERT_FRONT = 3, INSERT_BACK = 4 };

static uint64_t offset(int64_t address) { return (uint64_t)(address - BASE + 1); }

static Allocator *make(uint32_t policy, uint32_t order, bool coalesce, uint64_t header)
{
    AllocatorSetup setup = { .design = allocator_design_find("ostep"),
                             .config = allocator_default_config(100) };
    assert_non_null(setup.design);
    setup.config.alignment = 0;
    setup.config.policy = policy;
    setup.config.list_order = order;
    setup.config.coalesce = coalesce;
    setup.config.header_bytes = header;
    setup.config.base_address = BASE;
    Allocator *heap = NULL;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    return heap;
}

/* malloc(n) must give the block at `address` after searching `searched` entries. */
static uint64_t alloc_at(Allocator *heap, uint64_t n, int64_t address, uint64_t searched)
{
    uint64_t payload = 0;
    assert_int_equal(allocator_malloc(heap, n, &payload), HEAP_OK);
    uint64_t header = allocator_config(heap)->header_bytes;
    assert_int_equal(payload, offset(address) + header);
    assert_int_equal(allocator_last_event(heap)->examined, searched);
    assert_int_equal(allocator_check(heap).broken, 0);
    return payload;
}

static void free_ok(Allocator *heap, uint64_t payload)
{
    assert_int_equal(allocator_free(heap, payload), HEAP_OK);
    assert_int_equal(allocator_check(heap).broken, 0);
}

/* The free list, as "addr:size" pairs in list order, must be `expected`. */
static void assert_list(const Allocator *heap, const int64_t *expected, uint64_t pairs)
{
    FreeListEntry entries[16];
    uint64_t count = allocator_free_list(heap, entries, 16);
    assert_int_equal(count, pairs);
    for (uint64_t i = 0; i < pairs; i++) {
        assert_int_equal(entries[i].offset, offset(expected[2 * i]));
        assert_int_equal(entries[i].size, (uint64_t)expected[2 * i + 1]);
    }
}

#define ASSERT_LIST(heap, ...)                                                        \
    do {                                                                              \
        const int64_t expected_[] = { __VA_ARGS__ };                                  \
        assert_list(heap, expected_, sizeof expected_ / sizeof expected_[0] / 2);     \
    } while (0)

/* Five blocks: a=10 at 1000, b=5 at 1010, c=20 at 1015, d=5 at 1035, e=30 at
 * 1040, leaving (1070, 30); payloads in `slots`. */
static void five_blocks(Allocator *heap, uint64_t *slots)
{
    const uint64_t sizes[] = { 10, 5, 20, 5, 30 };
    const int64_t addresses[] = { 1000, 1010, 1015, 1035, 1040 };
    for (int i = 0; i < 5; i++)
        slots[i] = alloc_at(heap, sizes[i], addresses[i], 1);
    ASSERT_LIST(heap, 1070, 30);
}

static void the_first_malloc_splits_the_whole_heap(void **state)
{
    (void)state;
    Allocator *heap = make(BEST, ADDRSORT, false, 0);
    ASSERT_LIST(heap, 1000, 100);
    uint64_t a = alloc_at(heap, 3, 1000, 1);
    ASSERT_LIST(heap, 1003, 97);
    alloc_at(heap, 5, 1003, 1);
    ASSERT_LIST(heap, 1008, 92);
    free_ok(heap, a);
    ASSERT_LIST(heap, 1000, 3, 1008, 92);
    alloc_at(heap, 3, 1000, 2);  /* BEST looks at both, the 3 fits exactly and leaves */
    ASSERT_LIST(heap, 1008, 92);
    allocator_destroy(heap);
}

/* The five blocks, then d (1035) and b (1010) freed, in that order. */
static Allocator *freed_d_then_b(uint32_t policy, uint32_t order)
{
    Allocator *heap = make(policy, order, false, 0);
    uint64_t slots[5];
    five_blocks(heap, slots);
    free_ok(heap, slots[3]);
    free_ok(heap, slots[1]);
    return heap;
}

/* Holes of 5 at 1010 and 1035 and the 30 at 1070: malloc(4) under each policy. */
static Allocator *two_holes(uint32_t policy)
{
    Allocator *heap = freed_d_then_b(policy, ADDRSORT);
    ASSERT_LIST(heap, 1010, 5, 1035, 5, 1070, 30);
    return heap;
}

static void first_stops_at_the_first_fit(void **state)
{
    (void)state;
    Allocator *heap = two_holes(FIRST);
    alloc_at(heap, 4, 1010, 1);
    ASSERT_LIST(heap, 1014, 1, 1035, 5, 1070, 30);
    alloc_at(heap, 6, 1070, 3);
    allocator_destroy(heap);
}

static void best_takes_the_first_smallest_after_looking_at_all(void **state)
{
    (void)state;
    Allocator *heap = two_holes(BEST);
    alloc_at(heap, 4, 1010, 3);
    ASSERT_LIST(heap, 1014, 1, 1035, 5, 1070, 30);
    alloc_at(heap, 5, 1035, 3);  /* an exact fit leaves the list */
    ASSERT_LIST(heap, 1014, 1, 1070, 30);
    allocator_destroy(heap);
}

static void worst_takes_the_largest(void **state)
{
    (void)state;
    Allocator *heap = two_holes(WORST);
    alloc_at(heap, 4, 1070, 3);
    ASSERT_LIST(heap, 1010, 5, 1035, 5, 1074, 26);
    allocator_destroy(heap);
}

static void a_failed_malloc_searches_the_whole_list(void **state)
{
    (void)state;
    Allocator *heap = two_holes(FIRST);
    uint64_t payload = 7;
    assert_int_equal(allocator_malloc(heap, 31, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(payload, 0);
    assert_int_equal(allocator_last_event(heap)->examined, 3);
    assert_int_equal(allocator_stats(heap)->failed, 1);
    assert_true(allocator_last_event(heap)->fragmented);  /* 40 free, none of 31 */
    ASSERT_LIST(heap, 1010, 5, 1035, 5, 1070, 30);
    allocator_destroy(heap);
}

static void each_list_order_puts_a_freed_block_in_its_place(void **state)
{
    (void)state;
    Allocator *heap = freed_d_then_b(FIRST, ADDRSORT);
    ASSERT_LIST(heap, 1010, 5, 1035, 5, 1070, 30);
    allocator_destroy(heap);
    heap = freed_d_then_b(FIRST, INSERT_BACK);
    ASSERT_LIST(heap, 1070, 30, 1035, 5, 1010, 5);
    allocator_destroy(heap);
    heap = freed_d_then_b(FIRST, INSERT_FRONT);
    ASSERT_LIST(heap, 1010, 5, 1035, 5, 1070, 30);
    allocator_destroy(heap);
    heap = freed_d_then_b(FIRST, SIZESORT_UP);  /* stable: 1035 was there first */
    ASSERT_LIST(heap, 1035, 5, 1010, 5, 1070, 30);
    allocator_destroy(heap);
    heap = freed_d_then_b(FIRST, SIZESORT_DOWN);  /* stable descending, not a reversed ascending */
    ASSERT_LIST(heap, 1070, 30, 1035, 5, 1010, 5);
    allocator_destroy(heap);
}

static void coalescing_merges_list_neighbours_only(void **state)
{
    (void)state;
    Allocator *heap = make(FIRST, ADDRSORT, true, 0);
    uint64_t slots[5];
    five_blocks(heap, slots);
    free_ok(heap, slots[3]);
    free_ok(heap, slots[1]);
    free_ok(heap, slots[2]);
    ASSERT_LIST(heap, 1010, 30, 1070, 30);
    const HeapEvent *event = allocator_last_event(heap);
    assert_true(event->coalesced_previous && event->coalesced_next);
    assert_int_equal(event->merged_offset, offset(1010));
    assert_int_equal(event->merged_size, 30);
    allocator_destroy(heap);

    /* INSERT-BACK: (1070,30) (1035,5) (1010,5) (1015,20): only 1010+1015 are
     * list neighbours, so 1035 stays apart though it touches them in memory. */
    heap = make(FIRST, INSERT_BACK, true, 0);
    five_blocks(heap, slots);
    free_ok(heap, slots[3]);
    free_ok(heap, slots[1]);
    free_ok(heap, slots[2]);
    ASSERT_LIST(heap, 1070, 30, 1035, 5, 1010, 25);
    allocator_destroy(heap);
}

static void alignment_and_header_grow_the_block(void **state)
{
    (void)state;
    Allocator *heap = make(FIRST, ADDRSORT, false, 2);
    AllocatorSetup setup = { allocator_design(heap), *allocator_config(heap) };
    allocator_destroy(heap);
    setup.config.alignment = 4;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    alloc_at(heap, 5, 1000, 1);  /* 5 -> 8, + 2 of header = 10 */
    ASSERT_LIST(heap, 1010, 90);
    alloc_at(heap, 8, 1010, 1);  /* 8 stays 8, + 2 */
    ASSERT_LIST(heap, 1020, 80);
    HeapBlock block;
    assert_true(allocator_block_at(heap, offset(1012), &block));
    assert_int_equal(block.offset, offset(1010));
    assert_int_equal(block.size, 10);
    assert_int_equal(block.header_bytes, 2);
    assert_int_equal(block.requested, 8);
    allocator_destroy(heap);
}

static void a_free_of_no_block_is_refused(void **state)
{
    (void)state;
    Allocator *heap = make(BEST, ADDRSORT, false, 0);
    uint64_t a = alloc_at(heap, 10, 1000, 1);
    assert_int_equal(allocator_free(heap, a + 1), HEAP_ERROR_INVALID_POINTER);
    free_ok(heap, a);
    assert_int_equal(allocator_free(heap, a), HEAP_ERROR_DOUBLE_FREE);
    assert_int_equal(allocator_stats(heap)->errors, 2);
    ASSERT_LIST(heap, 1000, 10, 1010, 90);
    allocator_destroy(heap);
}

static void a_zero_block_then_a_malloc_there_is_refused(void **state)
{
    (void)state;
    Allocator *heap = make(BEST, ADDRSORT, false, 0);
    alloc_at(heap, 0, 1000, 1);  /* malloc.py maps 1000 -> 0 and keeps (1000, 100) */
    ASSERT_LIST(heap, 1000, 100);
    uint64_t payload;
    assert_int_equal(allocator_malloc(heap, 5, &payload), HEAP_ERROR_ADDRESS_IN_USE);
    ASSERT_LIST(heap, 1000, 100);
    allocator_destroy(heap);
}

static void the_block_walk_covers_the_heap_in_address_order(void **state)
{
    (void)state;
    Allocator *heap = freed_d_then_b(FIRST, INSERT_BACK);
    const uint64_t starts[] = { 1000, 1010, 1015, 1035, 1040, 1070 };
    const HeapBlockState states[] = { HEAP_BLOCK_USED, HEAP_BLOCK_FREE, HEAP_BLOCK_USED,
                                      HEAP_BLOCK_FREE, HEAP_BLOCK_USED, HEAP_BLOCK_FREE };
    HeapBlock block;
    int count = 0;
    for (bool more = allocator_first_block(heap, &block); more;
         more = allocator_next_block(heap, &block), count++) {
        assert_int_equal(block.offset, offset((int64_t)starts[count]));
        assert_int_equal(block.state, states[count]);
    }
    assert_int_equal(count, 6);
    assert_int_equal(allocator_region_start(heap), 1);
    assert_int_equal(allocator_region_end(heap), 101);
    assert_false(allocator_block_at(heap, 101, &block));
    allocator_destroy(heap);
}

static void clones_are_independent_and_equal(void **state)
{
    (void)state;
    Allocator *heap = freed_d_then_b(FIRST, SIZESORT_UP);
    Allocator *clone = NULL;
    assert_int_equal(allocator_clone(heap, &clone), HEAP_OK);
    ASSERT_LIST(clone, 1035, 5, 1010, 5, 1070, 30);
    alloc_at(clone, 30, 1070, 3);
    ASSERT_LIST(heap, 1035, 5, 1010, 5, 1070, 30);
    assert_int_equal(allocator_copy(clone, heap), HEAP_OK);
    ASSERT_LIST(clone, 1035, 5, 1010, 5, 1070, 30);
    assert_int_equal(allocator_stats(clone)->mallocs, 5);
    allocator_destroy(clone);
    allocator_destroy(heap);
}

/* A long random run under every policy and order: the check holds after every call. */
static void random_runs_stay_consistent(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    for (uint32_t combo = 0; combo < 30; combo++) {
        Allocator *heap = make(combo % 3, (combo / 3) % 5, combo >= 15, combo % 4);
        uint64_t live[64] = { 0 };
        for (int step = 0; step < 400; step++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            uint32_t slot = (uint32_t)(seed >> 58);
            if (live[slot]) {
                free_ok(heap, live[slot]);
                live[slot] = 0;
            } else if (allocator_malloc(heap, 1 + (seed >> 40) % 12, &live[slot]) == HEAP_OK) {
                assert_int_equal(allocator_check(heap).broken, 0);
            }
        }
        allocator_destroy(heap);
    }
}

/* ---- the check fires on each kind of corruption ---- */

static OstepHeap *corruptible(Allocator *heap) { return (OstepHeap *)heap; }

static void assert_flag_fires(Allocator *heap, unsigned flag)
{
    HeapCheck check = allocator_check(heap);
    if (!(check.broken & flag))
        fail_msg("flag %s did not fire (got %#x)", allocator_design(heap)->check_flag_name(flag),
                 check.broken);
    assert_true(check.problems > 0);
    allocator_destroy(heap);
}

static void each_check_flag_fires_on_its_corruption(void **state)
{
    (void)state;
    Allocator *heap = freed_d_then_b(FIRST, ADDRSORT);
    corruptible(heap)->stats.free_bytes++;
    assert_flag_fires(heap, OSTEP_CHECK_STATS);

    heap = freed_d_then_b(FIRST, ADDRSORT);
    corruptible(heap)->used[1].address = corruptible(heap)->used[0].address;
    assert_flag_fires(heap, OSTEP_CHECK_MAP_ORDER);

    heap = freed_d_then_b(FIRST, ADDRSORT);
    corruptible(heap)->free_list.items[0].size = 0;
    assert_flag_fires(heap, OSTEP_CHECK_EMPTY_BLOCK);

    heap = freed_d_then_b(FIRST, ADDRSORT);
    corruptible(heap)->free_list.items[2].address = 1080;  /* (1080, 30) ends past 1100 */
    assert_flag_fires(heap, OSTEP_CHECK_OUTSIDE);

    heap = freed_d_then_b(FIRST, ADDRSORT);
    corruptible(heap)->free_list.items[0].address = 1008;  /* (1008, 5) reaches into a */
    assert_flag_fires(heap, OSTEP_CHECK_OVERLAP);

    heap = freed_d_then_b(FIRST, ADDRSORT);
    corruptible(heap)->free_list.items[1].size = 4;
    assert_flag_fires(heap, OSTEP_CHECK_LOST);

    heap = freed_d_then_b(FIRST, ADDRSORT);
    OstepRange *items = corruptible(heap)->free_list.items;
    OstepRange first = items[0];
    items[0] = items[1];
    items[1] = first;
    assert_flag_fires(heap, OSTEP_CHECK_LIST_ORDER);

    heap = make(FIRST, ADDRSORT, true, 0);
    OstepHeap *raw = corruptible(heap);
    raw->free_list.items[0] = (OstepRange){ 1000, 40 };
    raw->free_list.items[1] = (OstepRange){ 1040, 60 };
    raw->free_list.count = 2;
    assert_flag_fires(heap, OSTEP_CHECK_NOT_COALESCED);
}

static void every_check_flag_has_a_name(void **state)
{
    (void)state;
    const AllocatorDesign *design = allocator_design_find("ostep");
    for (unsigned bit = 0; bit < OSTEP_CHECK_FLAG_COUNT; bit++)
        assert_string_not_equal(design->check_flag_name(1u << bit), "unknown check flag");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_first_malloc_splits_the_whole_heap),
        cmocka_unit_test(first_stops_at_the_first_fit),
        cmocka_unit_test(best_takes_the_first_smallest_after_looking_at_all),
        cmocka_unit_test(worst_takes_the_largest),
        cmocka_unit_test(a_failed_malloc_searches_the_whole_list),
        cmocka_unit_test(each_list_order_puts_a_freed_block_in_its_place),
        cmocka_unit_test(coalescing_merges_list_neighbours_only),
        cmocka_unit_test(alignment_and_header_grow_the_block),
        cmocka_unit_test(a_free_of_no_block_is_refused),
        cmocka_unit_test(a_zero_block_then_a_malloc_there_is_refused),
        cmocka_unit_test(the_block_walk_covers_the_heap_in_address_order),
        cmocka_unit_test(clones_are_independent_and_equal),
        cmocka_unit_test(random_runs_stay_consistent),
        cmocka_unit_test(each_check_flag_fires_on_its_corruption),
        cmocka_unit_test(every_check_flag_has_a_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
