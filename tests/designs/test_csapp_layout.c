/*
 * test_csapp_layout.c - the `csapp` design's rules on small traces, with
 * every offset worked out by hand from the book's layout: the pad and the
 * prologue take [0, 12), the first block's header is at 12, a request of n
 * needs 16 bytes if n <= 8, else 8 * ceil((n + 8) / 8), and the heap starts
 * at 16 + 4096 = 4112 bytes.
 */
#include "designs_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

enum { CAP = 20 << 20, CHUNK = 4096 };

static Allocator *new_heap(const char *policy)
{
    return designs_create("csapp", policy, NULL, CAP, CHUNK);
}

static void test_the_heap_starts_with_one_chunk(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    const DesignBlock blocks[] = { FREE(12, 4096) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    assert_int_equal(allocator_stats(heap)->heap_bytes, 4112);
    assert_int_equal(allocator_region_start(heap), 12);
    assert_int_equal(allocator_region_end(heap), 4112);
    assert_int_equal(allocator_region_limit(heap), CAP);
    assert_int_equal(designs_marker(heap, "break"), 4112);
    allocator_destroy(heap);
}

static void test_requests_round_to_the_books_sizes(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    assert_int_equal(designs_malloc(heap, 1), 16);   /* 16 at 12 */
    assert_int_equal(designs_malloc(heap, 9), 32);   /* 24 at 28 */
    assert_int_equal(designs_malloc(heap, 24), 56);  /* 32 at 52 */
    assert_int_equal(designs_malloc(heap, 8), 88);   /* 16 at 84 */
    const DesignBlock blocks[] = { USED(12, 16, 1), USED(28, 24, 9), USED(52, 32, 24),
                                   USED(84, 16, 8), FREE(100, 4008) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    HeapBlock block;
    assert_true(allocator_block_at(heap, 60, &block));
    assert_int_equal(block.offset, 52);
    assert_int_equal(block.header, 32 | 1);
    assert_int_equal(block.header_bytes, 4);
    assert_int_equal(block.footer_bytes, 4);
    assert_true(allocator_block_at(heap, 4107, &block));
    assert_int_equal(block.offset, 100);
    assert_false(allocator_block_at(heap, 11, &block));
    assert_false(allocator_block_at(heap, 4108, &block)); /* the epilogue */
    allocator_destroy(heap);
}

static void test_malloc_zero_changes_nothing(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    uint64_t payload = 99;
    assert_int_equal(allocator_malloc(heap, 0, &payload), HEAP_OK);
    assert_int_equal(payload, 0);
    const HeapStats *s = allocator_stats(heap);
    assert_int_equal(s->mallocs + s->failed + s->examined, 0);
    const DesignBlock blocks[] = { FREE(12, 4096) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

/* a, b, c of 16 bytes at 12, 28, 44; the rest free at 60. */
static Allocator *three_blocks(uint64_t payloads[3])
{
    Allocator *heap = new_heap(NULL);
    for (int i = 0; i < 3; i++)
        payloads[i] = designs_malloc(heap, 1);
    return heap;
}

static void expect_merge(const Allocator *heap, bool previous, bool next, uint64_t offset, uint64_t size)
{
    const HeapEvent *event = allocator_last_event(heap);
    assert_int_equal(event->coalesced_previous, previous);
    assert_int_equal(event->coalesced_next, next);
    assert_int_equal(event->merged_offset, offset);
    assert_int_equal(event->merged_size, size);
}

static void test_coalescing_case_1_neither_neighbour_free(void **state)
{
    (void)state;
    uint64_t p[3];
    Allocator *heap = three_blocks(p);
    designs_free(heap, p[1]);
    expect_merge(heap, false, false, 28, 16);
    const DesignBlock blocks[] = { USED(12, 16, 1), FREE(28, 16), USED(44, 16, 1), FREE(60, 4048) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_coalescing_case_2_next_free(void **state)
{
    (void)state;
    uint64_t p[3];
    Allocator *heap = three_blocks(p);
    designs_free(heap, p[1]);
    designs_free(heap, p[0]);
    expect_merge(heap, false, true, 12, 32);
    const DesignBlock blocks[] = { FREE(12, 32), USED(44, 16, 1), FREE(60, 4048) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_coalescing_case_3_previous_free(void **state)
{
    (void)state;
    uint64_t p[3];
    Allocator *heap = three_blocks(p);
    designs_free(heap, p[0]);
    designs_free(heap, p[1]);
    expect_merge(heap, true, false, 12, 32);
    const DesignBlock blocks[] = { FREE(12, 32), USED(44, 16, 1), FREE(60, 4048) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_coalescing_case_4_both_free(void **state)
{
    (void)state;
    uint64_t p[3];
    Allocator *heap = three_blocks(p);
    designs_free(heap, p[0]);
    designs_free(heap, p[2]);
    const DesignBlock middle[] = { FREE(12, 16), USED(28, 16, 1), FREE(44, 4064) };
    designs_expect_blocks(heap, middle, DESIGNS_COUNT(middle));
    designs_free(heap, p[1]);
    expect_merge(heap, true, true, 12, 4096);
    const DesignBlock blocks[] = { FREE(12, 4096) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_an_extension_merges_with_a_free_last_block(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    assert_int_equal(designs_malloc(heap, 4000), 16);   /* 4008 at 12, 88 free at 4020 */
    assert_int_equal(designs_malloc(heap, 100), 4024);  /* 112: extend by 4096 */
    const HeapEvent *event = allocator_last_event(heap);
    assert_int_equal(event->extended_bytes, 4096);
    assert_int_equal(event->examined, 2);               /* 12 and 4020 */
    const DesignBlock blocks[] = { USED(12, 4008, 4000), USED(4020, 112, 100), FREE(4132, 4072) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    assert_int_equal(allocator_stats(heap)->heap_bytes, 8208);
    assert_int_equal(designs_marker(heap, "break"), 8208);
    allocator_destroy(heap);
}

static void test_an_extension_after_a_used_block_stands_alone(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    assert_int_equal(designs_malloc(heap, 4088), 16);   /* asize 4096: the whole chunk */
    assert_int_equal(designs_malloc(heap, 1), 4112);    /* new block at the old epilogue */
    const DesignBlock blocks[] = { USED(12, 4096, 4088), USED(4108, 16, 1), FREE(4124, 4080) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_a_big_request_extends_by_its_own_size(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    assert_int_equal(designs_malloc(heap, 5000), 16);   /* asize 5008 > CHUNKSIZE */
    assert_int_equal(allocator_last_event(heap)->extended_bytes, 5008);
    const DesignBlock blocks[] = { USED(12, 5008, 5000), FREE(5020, 4096) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    assert_int_equal(allocator_stats(heap)->heap_bytes, 4112 + 5008);
    allocator_destroy(heap);
}

static void test_the_cap_may_be_reached_but_not_passed(void **state)
{
    (void)state;
    Allocator *heap = designs_create("csapp", NULL, NULL, 8208, CHUNK);
    designs_malloc(heap, 4088);
    designs_malloc(heap, 4088);                          /* reaches 8208 exactly */
    uint64_t payload = 1;
    assert_int_equal(allocator_malloc(heap, 1, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(payload, 0);
    const HeapStats *s = allocator_stats(heap);
    assert_int_equal(s->failed, 1);
    assert_int_equal(s->mallocs, 2);
    assert_int_equal(s->heap_bytes, 8208);
    assert_int_equal(allocator_last_event(heap)->examined, 2); /* the failed search */
    const DesignBlock blocks[] = { USED(12, 4096, 4088), USED(4108, 4096, 4088) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_first_fit_counts_blocks_up_to_the_one_it_takes(void **state)
{
    (void)state;
    uint64_t p[3];
    Allocator *heap = three_blocks(p);
    designs_free(heap, p[1]);
    assert_int_equal(designs_malloc(heap, 20), 64);       /* 32: skips 12, 28, 44; takes 60 */
    assert_int_equal(allocator_last_event(heap)->examined, 4);
    assert_int_equal(allocator_stats(heap)->examined, 1 + 2 + 3 + 4);
    allocator_destroy(heap);
}

/* a (48) at 12, s (16) at 60, b (24) at 76, t (16) at 100, free at 116;
 * then a and b freed. */
static Allocator *two_holes(const char *policy)
{
    Allocator *heap = new_heap(policy);
    uint64_t a = designs_malloc(heap, 40);
    designs_malloc(heap, 1);
    uint64_t b = designs_malloc(heap, 16);
    designs_malloc(heap, 1);
    designs_free(heap, a);
    designs_free(heap, b);
    return heap;
}

static void test_best_fit_takes_the_smallest_and_visits_all(void **state)
{
    (void)state;
    Allocator *heap = two_holes("best-fit");
    assert_int_equal(designs_malloc(heap, 10), 80);       /* 24 fits exactly at 76 */
    assert_int_equal(allocator_last_event(heap)->examined, 5);
    allocator_destroy(heap);
    heap = two_holes("first-fit");
    assert_int_equal(designs_malloc(heap, 10), 16);       /* 48 at 12, split 24 + 24 */
    assert_int_equal(allocator_last_event(heap)->examined, 1);
    const DesignBlock blocks[] = { USED(12, 24, 10), FREE(36, 24), USED(60, 16, 1), FREE(76, 24),
                                   USED(100, 16, 1), FREE(116, 3992) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_best_fit_breaks_ties_by_address(void **state)
{
    (void)state;
    Allocator *heap = new_heap("best-fit");
    uint64_t a = designs_malloc(heap, 16);                /* 24 at 12 */
    designs_malloc(heap, 1);                              /* 16 at 36 */
    uint64_t b = designs_malloc(heap, 16);                /* 24 at 52 */
    designs_malloc(heap, 1);                              /* 16 at 76 */
    designs_free(heap, b);
    designs_free(heap, a);
    assert_int_equal(designs_malloc(heap, 16), 16);
    allocator_destroy(heap);
}

static void test_next_fit_moves_on_from_the_rover(void **state)
{
    (void)state;
    Allocator *heap = new_heap("next-fit");
    assert_int_equal(designs_marker(heap, "rover"), 4);   /* the prologue */
    uint64_t a = designs_malloc(heap, 1);                 /* 12 */
    assert_int_equal(designs_marker(heap, "rover"), 12);
    designs_malloc(heap, 1);                              /* 28: visits 12, 28 */
    assert_int_equal(allocator_last_event(heap)->examined, 2);
    designs_malloc(heap, 1);                              /* 44 */
    designs_free(heap, a);
    assert_int_equal(designs_malloc(heap, 1), 64);        /* 60, not the hole at 12 */
    assert_int_equal(designs_marker(heap, "rover"), 60);
    assert_int_equal(allocator_last_event(heap)->examined, 2); /* 44 and 60 */
    allocator_destroy(heap);
}

static void test_next_fit_wraps_around_to_the_old_rover(void **state)
{
    (void)state;
    Allocator *heap = new_heap("next-fit");
    uint64_t a = designs_malloc(heap, 1);                 /* 12 */
    designs_malloc(heap, 4064);                           /* 4072 at 28: the rest, with 0 left */
    assert_int_equal(designs_marker(heap, "rover"), 28);
    designs_free(heap, a);
    assert_int_equal(designs_malloc(heap, 1), 16);        /* 28, then wraps to 12 */
    assert_int_equal(allocator_last_event(heap)->examined, 2);
    assert_int_equal(designs_marker(heap, "rover"), 12);
    allocator_destroy(heap);
}

static void test_next_fit_rover_moves_to_a_merged_start(void **state)
{
    (void)state;
    Allocator *heap = new_heap("next-fit");
    designs_malloc(heap, 1);                              /* 12 */
    uint64_t b = designs_malloc(heap, 1);                 /* 28 */
    uint64_t c = designs_malloc(heap, 1);                 /* 44: rover 44 */
    designs_free(heap, b);
    assert_int_equal(designs_marker(heap, "rover"), 44);
    designs_free(heap, c);                                /* 28 + 44 + 60.. merge at 28 */
    assert_int_equal(designs_marker(heap, "rover"), 28);
    allocator_destroy(heap);
}

static void test_a_malloc_that_extends_leaves_the_rover(void **state)
{
    (void)state;
    Allocator *heap = new_heap("next-fit");
    designs_malloc(heap, 1);                              /* 12: rover 12 */
    designs_malloc(heap, 8000);                           /* no fit: extends, places at 28 */
    assert_int_equal(designs_marker(heap, "rover"), 12);
    allocator_destroy(heap);
}

static void test_realloc_moves_the_books_simple_way(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    uint64_t p = designs_malloc(heap, 10);                /* 24 at 12 */
    uint64_t capacity = 0;
    uint8_t *bytes = allocator_payload_bytes(heap, p, &capacity);
    assert_int_equal(capacity, 16);
    memcpy(bytes, "0123456789", 10);
    uint64_t q = designs_realloc(heap, p, 30);            /* 40 at 36, then 12 freed */
    assert_int_equal(q, 40);
    assert_memory_equal(allocator_payload_bytes(heap, q, &capacity), "0123456789", 10);
    const HeapEvent *event = allocator_last_event(heap);
    assert_int_equal(event->realloc_mode, HEAP_REALLOC_MOVED);
    assert_int_equal(event->old_block_offset, 12);
    assert_int_equal(event->block_offset, 36);
    assert_int_equal(event->examined, 2);
    const DesignBlock blocks[] = { FREE(12, 24), USED(36, 40, 30), FREE(76, 4032) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    const HeapStats *s = allocator_stats(heap);
    assert_int_equal(s->mallocs, 1);
    assert_int_equal(s->reallocs, 1);
    assert_int_equal(s->frees, 0);
    assert_int_equal(designs_realloc(heap, q, 0), 0);     /* realloc(p, 0) is free */
    assert_int_equal(s->frees, 1);
    assert_int_equal(designs_realloc(heap, 0, 1), 16);    /* realloc(0, n) is malloc */
    assert_int_equal(s->mallocs, 2);
    allocator_destroy(heap);
}

static void test_utilization_is_mdrivers(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    uint64_t a = designs_malloc(heap, 100);
    uint64_t b = designs_malloc(heap, 50);                /* 150 live */
    designs_free(heap, a);                                /* 50 */
    designs_realloc(heap, b, 120);                        /* 120: its new size */
    const HeapStats *s = allocator_stats(heap);
    assert_int_equal(s->peak_payload, 150);
    assert_true(s->utilization == 150.0 / 4112.0);
    designs_malloc(heap, 5000);                           /* 5120 live; heap 4112 + 5008 */
    assert_true(s->utilization == 5120.0 / 9120.0);
    allocator_destroy(heap);
}

static void test_bad_frees_are_named(void **state)
{
    (void)state;
    Allocator *heap = new_heap(NULL);
    uint64_t p = designs_malloc(heap, 1);
    designs_malloc(heap, 1);
    assert_int_equal(allocator_free(heap, 20), HEAP_ERROR_INVALID_POINTER);
    designs_free(heap, p);
    assert_int_equal(allocator_free(heap, p), HEAP_ERROR_DOUBLE_FREE);
    uint64_t result = 7;
    assert_int_equal(allocator_realloc(heap, p, 5, &result), HEAP_ERROR_DOUBLE_FREE);
    assert_int_equal(result, 0);
    assert_int_equal(allocator_stats(heap)->errors, 3);
    designs_expect_consistent(heap);
    allocator_destroy(heap);
}

static void test_bad_configurations_are_refused(void **state)
{
    (void)state;
    AllocatorSetup setup = { allocator_design_find("csapp"), allocator_default_config(CAP) };
    Allocator *heap = NULL;
    setup.config.chunk_bytes = 4092;                     /* not a multiple of 8 */
    assert_int_equal(allocator_create(&setup, &heap), HEAP_ERROR_INVALID_CONFIG);
    setup.config.chunk_bytes = 8;                        /* below the minimum block */
    assert_int_equal(allocator_create(&setup, &heap), HEAP_ERROR_INVALID_CONFIG);
    setup.config = allocator_default_config(4111);       /* cannot hold 16 + CHUNKSIZE */
    assert_int_equal(allocator_create(&setup, &heap), HEAP_ERROR_INVALID_CONFIG);
    assert_null(heap);
}

static void test_a_clone_is_an_equal_heap(void **state)
{
    (void)state;
    uint64_t p[3];
    Allocator *heap = three_blocks(p);
    designs_free(heap, p[1]);
    Allocator *clone = NULL;
    assert_int_equal(allocator_clone(heap, &clone), HEAP_OK);
    designs_malloc(heap, 9000);
    assert_int_equal(allocator_copy(clone, heap), HEAP_OK);
    HeapBlock a[8], b[8];
    assert_int_equal(designs_collect(heap, a, 8), designs_collect(clone, b, 8));
    assert_memory_equal(a, b, sizeof a[0] * designs_collect(heap, a, 8));
    assert_memory_equal(allocator_stats(heap), allocator_stats(clone), sizeof(HeapStats));
    designs_expect_consistent(clone);
    allocator_destroy(heap);
    allocator_destroy(clone);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_heap_starts_with_one_chunk),
        cmocka_unit_test(test_requests_round_to_the_books_sizes),
        cmocka_unit_test(test_malloc_zero_changes_nothing),
        cmocka_unit_test(test_coalescing_case_1_neither_neighbour_free),
        cmocka_unit_test(test_coalescing_case_2_next_free),
        cmocka_unit_test(test_coalescing_case_3_previous_free),
        cmocka_unit_test(test_coalescing_case_4_both_free),
        cmocka_unit_test(test_an_extension_merges_with_a_free_last_block),
        cmocka_unit_test(test_an_extension_after_a_used_block_stands_alone),
        cmocka_unit_test(test_a_big_request_extends_by_its_own_size),
        cmocka_unit_test(test_the_cap_may_be_reached_but_not_passed),
        cmocka_unit_test(test_first_fit_counts_blocks_up_to_the_one_it_takes),
        cmocka_unit_test(test_best_fit_takes_the_smallest_and_visits_all),
        cmocka_unit_test(test_best_fit_breaks_ties_by_address),
        cmocka_unit_test(test_next_fit_moves_on_from_the_rover),
        cmocka_unit_test(test_next_fit_wraps_around_to_the_old_rover),
        cmocka_unit_test(test_next_fit_rover_moves_to_a_merged_start),
        cmocka_unit_test(test_a_malloc_that_extends_leaves_the_rover),
        cmocka_unit_test(test_realloc_moves_the_books_simple_way),
        cmocka_unit_test(test_utilization_is_mdrivers),
        cmocka_unit_test(test_bad_frees_are_named),
        cmocka_unit_test(test_bad_configurations_are_refused),
        cmocka_unit_test(test_a_clone_is_an_equal_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
