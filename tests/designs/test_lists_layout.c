/*
 * test_lists_layout.c - `csapp-explicit` (LIFO and address order) and
 * `csapp-segregated` on small traces, offsets and list orders worked out by
 * hand. Minimum block 24: a request of n <= 16 takes 24 bytes; the first
 * block's header is at 12 and the first chunk ends at 4108.
 */
#include "designs_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

typedef struct {
    uint64_t offset, size;
    uint32_t list;
} ExpectedEntry;

static void expect_list(const Allocator *heap, const ExpectedEntry *expected, size_t count)
{
    FreeListEntry entries[32];
    assert_int_equal(allocator_free_list(heap, entries, 32), count);
    for (size_t i = 0; i < count; i++) {
        if (entries[i].offset != expected[i].offset || entries[i].size != expected[i].size ||
            entries[i].list != expected[i].list)
            fail_msg("entry %zu: %llu+%llu on list %u, want %llu+%llu on %u", i,
                     (unsigned long long)entries[i].offset, (unsigned long long)entries[i].size,
                     entries[i].list, (unsigned long long)expected[i].offset,
                     (unsigned long long)expected[i].size, expected[i].list);
    }
    designs_expect_consistent(heap);
}

/* a, b, c, d of 24 bytes at 12, 36, 60, 84; the rest free at 108. */
static Allocator *four_blocks(const char *order, uint64_t p[4])
{
    Allocator *heap = designs_create("csapp-explicit", NULL, order, 20 << 20, 4096);
    for (int i = 0; i < 4; i++)
        p[i] = designs_malloc(heap, 1);
    const DesignBlock blocks[] = { USED(12, 24, 1), USED(36, 24, 1), USED(60, 24, 1),
                                   USED(84, 24, 1), FREE(108, 4000) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    return heap;
}

static void test_lifo_puts_freed_blocks_at_the_head(void **state)
{
    (void)state;
    uint64_t p[4];
    Allocator *heap = four_blocks("lifo", p);
    designs_free(heap, p[0]);
    designs_free(heap, p[2]);
    const ExpectedEntry list[] = { { 60, 24, 0 }, { 12, 24, 0 }, { 108, 4000, 0 } };
    expect_list(heap, list, DESIGNS_COUNT(list));
    assert_int_equal(designs_malloc(heap, 1), 64);     /* the head */
    assert_int_equal(allocator_last_event(heap)->examined, 1);
    allocator_destroy(heap);
}

static void test_address_order_takes_the_lowest(void **state)
{
    (void)state;
    uint64_t p[4];
    Allocator *heap = four_blocks("address", p);
    designs_free(heap, p[2]);
    designs_free(heap, p[0]);
    const ExpectedEntry list[] = { { 12, 24, 0 }, { 60, 24, 0 }, { 108, 4000, 0 } };
    expect_list(heap, list, DESIGNS_COUNT(list));
    assert_int_equal(designs_malloc(heap, 1), 16);
    assert_int_equal(allocator_last_event(heap)->examined, 1);
    allocator_destroy(heap);
}

static void test_a_split_remainder_goes_to_the_head(void **state)
{
    (void)state;
    uint64_t p[4];
    Allocator *heap = four_blocks("lifo", p);
    designs_free(heap, p[0]);
    designs_free(heap, p[2]);
    assert_int_equal(designs_malloc(heap, 30), 112);   /* 40: skips 60 and 12, takes 108 */
    assert_int_equal(allocator_last_event(heap)->examined, 3);
    const ExpectedEntry list[] = { { 148, 3960, 0 }, { 60, 24, 0 }, { 12, 24, 0 } };
    expect_list(heap, list, DESIGNS_COUNT(list));
    allocator_destroy(heap);
    heap = four_blocks("address", p);
    designs_free(heap, p[0]);
    designs_free(heap, p[2]);
    designs_malloc(heap, 30);
    const ExpectedEntry ordered[] = { { 12, 24, 0 }, { 60, 24, 0 }, { 148, 3960, 0 } };
    expect_list(heap, ordered, DESIGNS_COUNT(ordered));
    allocator_destroy(heap);
}

static void test_coalesced_neighbours_leave_before_the_merged_block_enters(void **state)
{
    (void)state;
    uint64_t p[4];
    Allocator *heap = four_blocks("lifo", p);
    designs_free(heap, p[0]);
    designs_free(heap, p[2]);                          /* list 60, 12, 108 */
    designs_free(heap, p[1]);                          /* 12 + 36 + 60 */
    const ExpectedEntry list[] = { { 12, 72, 0 }, { 108, 4000, 0 } };
    expect_list(heap, list, DESIGNS_COUNT(list));
    const DesignBlock blocks[] = { FREE(12, 72), USED(84, 24, 1), FREE(108, 4000) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_an_extension_block_goes_to_the_head(void **state)
{
    (void)state;
    uint64_t p[4];
    Allocator *heap = four_blocks("lifo", p);
    designs_free(heap, p[0]);                          /* list 12, 108 */
    assert_int_equal(designs_malloc(heap, 5000), 112); /* 5008: extends 5008, merges with 108 */
    const HeapEvent *event = allocator_last_event(heap);
    assert_int_equal(event->examined, 2);
    assert_int_equal(event->extended_bytes, 5008);
    const ExpectedEntry list[] = { { 5116, 4000, 0 }, { 12, 24, 0 } };
    expect_list(heap, list, DESIGNS_COUNT(list));
    allocator_destroy(heap);
}

static void test_size_classes_have_their_boundaries(void **state)
{
    (void)state;
    Allocator *heap = designs_create("csapp-segregated", NULL, NULL, 20 << 20, 4096);
    const ExpectedEntry start[] = { { 12, 4096, 7 } }; /* (2^11, 2^12] */
    expect_list(heap, start, DESIGNS_COUNT(start));
    uint64_t x = designs_malloc(heap, 56);              /* 64 at 12 */
    designs_malloc(heap, 1);                            /* 24 at 76 */
    uint64_t y = designs_malloc(heap, 24);              /* 32 at 100 */
    designs_malloc(heap, 1);                            /* 24 at 132 */
    uint64_t z = designs_malloc(heap, 64);              /* 72 at 156 */
    designs_malloc(heap, 1);                            /* 24 at 228 */
    designs_free(heap, x);
    designs_free(heap, y);
    designs_free(heap, z);
    const ExpectedEntry list[] = { { 100, 32, 0 }, { 12, 64, 1 }, { 156, 72, 2 }, { 252, 3856, 7 } };
    expect_list(heap, list, DESIGNS_COUNT(list));
    assert_int_equal(designs_malloc(heap, 56), 16);     /* 64: class 1 first */
    assert_int_equal(allocator_last_event(heap)->examined, 1);
    allocator_destroy(heap);
}

static void test_the_top_classes(void **state)
{
    (void)state;
    Allocator *heap = designs_create("csapp-segregated", NULL, NULL, 20 << 20, 4096);
    uint64_t big = designs_malloc(heap, (1u << 23) - 8); /* 2^23 at 12 */
    designs_malloc(heap, 1);                            /* 24 at 12 + 2^23 */
    designs_free(heap, big);
    uint64_t top = 12 + (1u << 23);
    const ExpectedEntry list[] = { { top + 24, 4072, 7 }, { 12, 1u << 23, 18 } };
    expect_list(heap, list, DESIGNS_COUNT(list));
    allocator_destroy(heap);
    heap = designs_create("csapp-segregated", NULL, NULL, 20 << 20, 4096);
    big = designs_malloc(heap, 1u << 23);               /* 2^23 + 8 */
    designs_malloc(heap, 1);
    designs_free(heap, big);
    const ExpectedEntry above[] = { { top + 32, 4072, 7 }, { 12, (1u << 23) + 8, 19 } };
    expect_list(heap, above, DESIGNS_COUNT(above));
    allocator_destroy(heap);
}

static void test_segregated_search_climbs_the_classes(void **state)
{
    (void)state;
    Allocator *heap = designs_create("csapp-segregated", NULL, NULL, 20 << 20, 4096);
    uint64_t a = designs_malloc(heap, 1);               /* 24 at 12 */
    uint64_t b = designs_malloc(heap, 40);              /* 48 at 36 */
    designs_malloc(heap, 1);                            /* 24 at 84 */
    designs_free(heap, a);
    designs_free(heap, b);                              /* 72 at 12: class 2 */
    assert_int_equal(designs_malloc(heap, 20), 16);     /* 32: classes 0, 1 empty; 12 in 2 */
    assert_int_equal(allocator_last_event(heap)->examined, 1);
    const DesignBlock blocks[] = { USED(12, 32, 20), FREE(44, 40), USED(84, 24, 1), FREE(108, 4000) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    const ExpectedEntry list[] = { { 44, 40, 1 }, { 108, 4000, 7 } };
    expect_list(heap, list, DESIGNS_COUNT(list));
    allocator_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifo_puts_freed_blocks_at_the_head),
        cmocka_unit_test(test_address_order_takes_the_lowest),
        cmocka_unit_test(test_a_split_remainder_goes_to_the_head),
        cmocka_unit_test(test_coalesced_neighbours_leave_before_the_merged_block_enters),
        cmocka_unit_test(test_an_extension_block_goes_to_the_head),
        cmocka_unit_test(test_size_classes_have_their_boundaries),
        cmocka_unit_test(test_the_top_classes),
        cmocka_unit_test(test_segregated_search_climbs_the_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
