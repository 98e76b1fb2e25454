/*
 * test_rules_resize.c - issue 3, rules 8 to 11: realloc, bump, compact and
 * the statistics, one rule per test.
 *
 * Offsets are worked out by hand. Unless a test says otherwise: A = 8, M = 8,
 * so b0 = 0 and the minimum block is 24; asize = max(24, align_up(n + 16, 8)).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core_support.h"

#define USED HEAP_BLOCK_USED
#define FREE HEAP_BLOCK_FREE
#define DEAD HEAP_BLOCK_DEAD

/* Fills a live block's requested bytes with pattern `id`. */
static void write_pattern(Heap *heap, uint64_t payload, uint64_t id)
{
    HeapBlock block;
    assert_true(heap_block_at(heap, payload, &block));
    support_write_pattern(heap, payload, id, block.requested);
}

static void expect_stats(const Heap *heap, const HeapStats *want)
{
    char why[160];
    if (!support_stats_equal(heap_stats(heap), want, why, sizeof why)) {
        fail_msg("statistics differ (actual vs expected) at %s", why);
    }
}

/* --- rule 8: realloc --------------------------------------------------------------- */

static void test_realloc_shrinks_in_place_without_tail(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 40);                              /* [0,56) */
    assert_int_equal(support_realloc(heap, 8, 30), 8);     /* asize 48: 56 - 48 < 24 */
    assert_int_equal(heap_last_event(heap)->realloc_mode, HEAP_REALLOC_SHRUNK);
    const ExpectedBlock expected[] = { { 0, 56, USED, 30 }, { 56, 968, FREE, 0 } };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_realloc_shrink_gives_back_tail(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 100);                             /* [0,120) */
    support_malloc(heap, 8);                               /* [120,144) */
    assert_int_equal(support_realloc(heap, 8, 8), 8);      /* 120 - 24 = 96 tail */
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 96, FREE, 0 }, { 120, 24, USED, 8 }, { 144, 880, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_realloc_shrink_tail_coalesces_with_next(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 100);                             /* [0,120), [120,1024) free */
    assert_int_equal(support_realloc(heap, 8, 8), 8);
    const ExpectedBlock expected[] = { { 0, 24, USED, 8 }, { 24, 1000, FREE, 0 } };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_realloc_grows_in_place_and_splits(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);                               /* [0,24) */
    assert_int_equal(support_realloc(heap, 8, 100), 8);    /* asize 120 over the free top */
    assert_int_equal(heap_last_event(heap)->realloc_mode, HEAP_REALLOC_GREW);
    const ExpectedBlock expected[] = { { 0, 120, USED, 100 }, { 120, 904, FREE, 0 } };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    assert_int_equal(heap_stats(heap)->high_water, 120);
    heap_destroy(heap);
}

static void test_realloc_grows_in_place_without_split(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 24);                              /* [24,64) */
    support_malloc(heap, 8);                               /* [64,88) */
    support_free(heap, 32);
    assert_int_equal(support_realloc(heap, 8, 40), 8);     /* asize 56 of 64: 8 left, kept */
    const ExpectedBlock expected[] = {
        { 0, 64, USED, 40 }, { 64, 24, USED, 8 }, { 88, 936, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_realloc_moves_and_copies_old_requested_bytes(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 10);                              /* [0,32) */
    support_malloc(heap, 8);                               /* [32,56) blocks growth */
    write_pattern(heap, 8, 7);
    assert_int_equal(support_realloc(heap, 8, 100), 64);   /* [56,176) */
    assert_int_equal(heap_last_event(heap)->realloc_mode, HEAP_REALLOC_MOVED);
    support_expect_pattern(heap, 64, 7, 10);
    const ExpectedBlock expected[] = {
        { 0, 32, FREE, 0 }, { 32, 24, USED, 8 }, { 56, 120, USED, 100 }, { 176, 848, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_realloc_move_searches_while_old_block_is_allocated(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 8);                               /* [24,48) */
    support_malloc(heap, 8);                               /* [48,72) */
    support_free(heap, 8);
    /* asize 48: [0,24) + the old [24,48) would fit, but the old block still counts as used */
    assert_int_equal(support_realloc(heap, 32, 30), 80);
    const ExpectedBlock expected[] = {
        { 0, 48, FREE, 0 }, { 48, 24, USED, 8 }, { 72, 48, USED, 30 }, { 120, 904, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_realloc_failure_leaves_old_block_untouched(void **state)
{
    HeapSnapshot before;
    uint64_t result = 99;
    (void)state;
    Heap *heap = support_new_heap(128, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 40);                              /* [0,56) */
    support_malloc(heap, 8);                               /* [56,80), [80,128) free */
    write_pattern(heap, 8, 3);
    support_snapshot(heap, &before);
    assert_int_equal(heap_realloc(heap, 8, 100, &result), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(result, 0);
    HeapStats want = before.stats;
    want.failed++;                                         /* 48 free < 120: not fragmented */
    want.examined++;                       /* the search looked at [80,128), the one free block */
    support_expect_unchanged(heap, &before, &want);
    support_expect_pattern(heap, 8, 3, 40);
    support_snapshot_release(&before);
    heap_destroy(heap);
}

static void test_realloc_failure_with_enough_free_bytes_is_fragmented(void **state)
{
    HeapSnapshot before;
    uint64_t result = 99;
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 96);                              /* [24,136) */
    support_malloc(heap, 8);                               /* [136,160), [160,256) free */
    support_free(heap, 32);                                /* 112 + 96 = 208 free */
    support_snapshot(heap, &before);
    assert_int_equal(heap_realloc(heap, 8, 184, &result), HEAP_ERROR_OUT_OF_MEMORY);   /* 200 */
    HeapStats want = before.stats;
    want.failed++;
    want.failed_fragmented++;
    want.examined += 2;                     /* a failed search looks at both free blocks */
    support_expect_unchanged(heap, &before, &want);
    support_snapshot_release(&before);
    heap_destroy(heap);
}

static void test_realloc_of_null_is_a_malloc(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    assert_int_equal(support_realloc(heap, 0, 8), 8);
    assert_int_equal(heap_stats(heap)->mallocs, 1);
    assert_int_equal(heap_stats(heap)->reallocs, 0);
    const ExpectedBlock expected[] = { { 0, 24, USED, 8 }, { 24, 1000, FREE, 0 } };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_realloc_to_zero_is_a_free(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);
    assert_int_equal(support_realloc(heap, 8, 0), 0);
    assert_int_equal(heap_stats(heap)->frees, 1);
    assert_int_equal(heap_stats(heap)->reallocs, 0);
    const ExpectedBlock expected[] = { { 0, 1024, FREE, 0 } };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

/* --- rule 9: bump ------------------------------------------------------------------ */

static void test_bump_places_at_heap_pointer(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    assert_int_equal(support_malloc(heap, 8), 8);          /* [0,24) */
    assert_int_equal(heap_bump_pointer(heap), 24);
    assert_int_equal(support_malloc(heap, 100), 32);       /* [24,144) */
    assert_int_equal(heap_bump_pointer(heap), 144);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 120, USED, 100 }, { 144, 112, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_bump_takes_whole_rest_when_split_is_too_small(void **state)
{
    uint64_t payload = 99;
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 100);                             /* [24,144) */
    assert_int_equal(support_malloc(heap, 80), 152);       /* asize 96 of 112: whole */
    assert_int_equal(heap_bump_pointer(heap), 256);
    assert_int_equal(heap_malloc(heap, 0, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(payload, 0);
    assert_int_equal(heap_stats(heap)->failed, 1);
    assert_int_equal(heap_stats(heap)->failed_fragmented, 0);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 120, USED, 100 }, { 144, 112, USED, 80 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_bump_free_leaves_dead_blocks_that_never_coalesce(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 10);                              /* [24,56) */
    support_free(heap, 8);
    support_free(heap, 32);
    assert_int_equal(heap_bump_pointer(heap), 56);
    const ExpectedBlock expected[] = {
        { 0, 24, DEAD, 8 }, { 24, 32, DEAD, 10 }, { 56, 200, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    assert_int_equal(heap_stats(heap)->dead_blocks, 2);
    assert_int_equal(heap_stats(heap)->dead_bytes, 56);
    heap_destroy(heap);
}

static void test_bump_never_reuses_dead_blocks(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_free(heap, support_malloc(heap, 8));           /* [0,24) dead */
    assert_int_equal(support_malloc(heap, 8), 32);
    heap_destroy(heap);
}

static void test_bump_failure_with_dead_bytes_is_fragmented(void **state)
{
    uint64_t payload = 99;
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 100);                             /* [0,120) */
    assert_int_equal(support_malloc(heap, 100), 128);      /* asize 120 of 136: whole */
    support_free(heap, 8);                                 /* 120 dead bytes */
    assert_int_equal(heap_malloc(heap, 8, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(payload, 0);
    assert_int_equal(heap_stats(heap)->failed, 1);
    assert_int_equal(heap_stats(heap)->failed_fragmented, 1);
    heap_destroy(heap);
}

static void test_bump_realloc_shrink_leaves_dead_tail(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 100);                             /* [0,120) */
    assert_int_equal(support_realloc(heap, 8, 8), 8);
    assert_int_equal(heap_bump_pointer(heap), 120);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 96, DEAD, 0 }, { 120, 136, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_bump_realloc_shrink_keeps_small_surplus(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 100);                             /* [0,120) */
    assert_int_equal(support_realloc(heap, 8, 90), 8);     /* asize 112: 8 left, kept */
    const ExpectedBlock expected[] = { { 0, 120, USED, 90 }, { 120, 136, FREE, 0 } };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_bump_realloc_growth_moves_to_top(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 8);                               /* [0,24), right below the pointer */
    write_pattern(heap, 8, 11);
    assert_int_equal(support_realloc(heap, 8, 30), 32);    /* asize 48: [24,72) */
    support_expect_pattern(heap, 32, 11, 8);
    assert_int_equal(heap_bump_pointer(heap), 72);
    const ExpectedBlock expected[] = {
        { 0, 24, DEAD, 8 }, { 24, 48, USED, 30 }, { 72, 184, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_bump_realloc_failure_changes_nothing(void **state)
{
    HeapSnapshot before;
    uint64_t result = 99;
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 100);                             /* [0,120) */
    support_malloc(heap, 100);                             /* [120,256) */
    support_snapshot(heap, &before);
    assert_int_equal(heap_realloc(heap, 8, 120, &result), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(result, 0);
    HeapStats want = before.stats;
    want.failed++;
    support_expect_unchanged(heap, &before, &want);
    support_snapshot_release(&before);
    heap_destroy(heap);
}

/* --- rule 10: compact ---------------------------------------------------------------- */

typedef struct {
    uint64_t from[8], to[8];
    size_t count;
} MoveLog;

static void record_move(void *context, uint64_t old_payload, uint64_t new_payload)
{
    MoveLog *log = context;
    assert_true(log->count < SUPPORT_COUNT(log->from));
    log->from[log->count] = old_payload;
    log->to[log->count] = new_payload;
    log->count++;
}

static void test_compact_slides_blocks_down_in_order_with_bytes(void **state)
{
    MoveLog log = { { 0 }, { 0 }, 0 };
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 24);                              /* [24,64) */
    support_malloc(heap, 8);                               /* [64,88) */
    support_malloc(heap, 40);                              /* [88,144) */
    write_pattern(heap, 32, 1);
    write_pattern(heap, 96, 2);
    support_free(heap, 8);
    support_free(heap, 72);
    heap_compact(heap, record_move, &log);
    support_expect_consistent(heap);
    assert_int_equal(log.count, 2);
    assert_int_equal(log.from[0], 32);
    assert_int_equal(log.to[0], 8);
    assert_int_equal(log.from[1], 96);
    assert_int_equal(log.to[1], 48);
    support_expect_pattern(heap, 8, 1, 24);
    support_expect_pattern(heap, 48, 2, 40);
    const ExpectedBlock expected[] = {
        { 0, 40, USED, 24 }, { 40, 56, USED, 40 }, { 96, 928, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    assert_int_equal(heap_rover(heap), 96);
    assert_int_equal(heap_bump_pointer(heap), 96);
    assert_int_equal(heap_stats(heap)->compactions, 1);
    heap_destroy(heap);
}

static void test_compact_drops_dead_blocks(void **state)
{
    MoveLog log = { { 0 }, { 0 }, 0 };
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 8);                               /* [24,48) */
    support_malloc(heap, 8);                               /* [48,72) */
    support_free(heap, 32);
    heap_compact(heap, record_move, &log);
    assert_int_equal(log.count, 1);                        /* [0,24) did not move */
    assert_int_equal(log.from[0], 56);
    assert_int_equal(log.to[0], 32);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 24, USED, 8 }, { 48, 208, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    assert_int_equal(heap_bump_pointer(heap), 48);
    assert_int_equal(heap_rover(heap), 48);
    assert_int_equal(heap_stats(heap)->dead_blocks, 0);
    assert_int_equal(heap_stats(heap)->dead_bytes, 0);
    assert_int_equal(support_malloc(heap, 8), 56);         /* bump goes on from 48 */
    heap_destroy(heap);
}

static void test_compact_of_empty_heap_resets_pointers_to_b0(void **state)
{
    MoveLog log = { { 0 }, { 0 }, 0 };
    (void)state;
    Heap *heap = support_new_heap(1024, 16, 8, HEAP_NEXT_FIT);   /* region [8,1016) */
    support_free(heap, support_malloc(heap, 8));           /* [8,40) placed, rover 40 */
    assert_int_equal(heap_rover(heap), 40);
    heap_compact(heap, record_move, &log);
    assert_int_equal(log.count, 0);
    assert_int_equal(heap_rover(heap), 8);
    assert_int_equal(heap_bump_pointer(heap), 8);
    const ExpectedBlock expected[] = { { 8, 1008, FREE, 0 } };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_compact_of_full_heap_puts_rover_at_b0(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(72, 8, 8, HEAP_NEXT_FIT);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 8);                               /* [24,48) */
    support_malloc(heap, 8);                               /* [48,72), rover wraps to 0 */
    support_free(heap, 8);
    assert_int_equal(support_malloc(heap, 8), 8);          /* rover 24 */
    assert_int_equal(heap_rover(heap), 24);
    heap_compact(heap, NULL, NULL);
    assert_int_equal(heap_rover(heap), 0);
    assert_int_equal(heap_bump_pointer(heap), 72);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 24, USED, 8 }, { 48, 24, USED, 8 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

/* --- rule 11: statistics ------------------------------------------------------------ */

static void test_stats_of_a_fresh_heap(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    const HeapStats want = { .heap_bytes = 1024, .free_blocks = 1, .free_bytes = 1024,
                             .largest_free = 1024 };
    expect_stats(heap, &want);
    heap_destroy(heap);
}

static void test_stats_follow_mallocs(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 10);                              /* [0,32) */
    support_malloc(heap, 100);                             /* [32,152) */
    support_malloc(heap, 8);                               /* [152,176) */
    const HeapStats want = {
        .mallocs = 3, .heap_bytes = 1024, .used_blocks = 3, .free_blocks = 1,
        .bytes_in_use = 176, .payload_bytes = 118, .free_bytes = 848, .largest_free = 848,
        .external_fragmentation = 0.0, .internal_fragmentation = 100.0 * 58 / 176,
        .peak_payload = 118, .high_water = 176, .utilization = 118.0 / 176,
        .examined = 3,                                     /* each malloc: the top block */
    };
    expect_stats(heap, &want);
    heap_destroy(heap);
}

/* [0,32) 10, [32,152) 100, [152,176) 8 with the middle one freed. */
static Heap *stats_heap_with_hole(void)
{
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 10);
    support_malloc(heap, 100);
    support_malloc(heap, 8);
    support_free(heap, 40);
    return heap;
}

static void test_stats_follow_a_free(void **state)
{
    (void)state;
    Heap *heap = stats_heap_with_hole();
    const HeapStats want = {
        .mallocs = 3, .frees = 1, .heap_bytes = 1024, .used_blocks = 2, .free_blocks = 2,
        .bytes_in_use = 56, .payload_bytes = 18, .free_bytes = 968, .largest_free = 848,
        .external_fragmentation = 100.0 * 120 / 968, .internal_fragmentation = 100.0 * 38 / 56,
        .peak_payload = 118, .high_water = 176, .utilization = 118.0 / 176,
        .examined = 3,                                     /* a free searches nothing */
    };
    expect_stats(heap, &want);
    heap_destroy(heap);
}

static void test_stats_count_failures_and_errors(void **state)
{
    uint64_t payload = 0;
    (void)state;
    Heap *heap = stats_heap_with_hole();
    HeapStats want = *heap_stats(heap);
    assert_int_equal(heap_malloc(heap, 2000, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    want.failed = 1;                                       /* 968 free < 2016 */
    want.examined = 3 + 2;                 /* a failed search looks at [32,152) and [176,1024) */
    expect_stats(heap, &want);
    assert_int_equal(heap_malloc(heap, 900, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    want.failed = 2;                                       /* 968 free >= 920 > 848 largest */
    want.failed_fragmented = 1;
    want.examined = 5 + 2;
    expect_stats(heap, &want);
    assert_int_equal(heap_free(heap, 12345), HEAP_ERROR_INVALID_POINTER);
    assert_int_equal(heap_free(heap, 40), HEAP_ERROR_DOUBLE_FREE);
    want.errors = 2;
    expect_stats(heap, &want);
    heap_destroy(heap);
}

static void test_stats_follow_realloc_and_compact(void **state)
{
    (void)state;
    Heap *heap = stats_heap_with_hole();
    assert_int_equal(support_realloc(heap, 8, 20), 8);     /* grows to [0,40), [40,152) free */
    HeapStats want = {
        .mallocs = 3, .frees = 1, .reallocs = 1, .heap_bytes = 1024, .used_blocks = 2,
        .free_blocks = 2, .bytes_in_use = 64, .payload_bytes = 28, .free_bytes = 960,
        .largest_free = 848, .external_fragmentation = 100.0 * 112 / 960,
        .internal_fragmentation = 56.25, .peak_payload = 118, .high_water = 176,
        .utilization = 118.0 / 176, .examined = 3,         /* growing in place searches nothing */
    };
    expect_stats(heap, &want);
    heap_compact(heap, NULL, NULL);                        /* [152,176) slides to [40,64) */
    want.compactions = 1;
    want.free_blocks = 1;
    want.largest_free = 960;
    want.external_fragmentation = 0.0;
    expect_stats(heap, &want);
    heap_destroy(heap);
}

static void test_peak_payload_counts_moving_realloc_once(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);                               /* [0,24) */
    support_malloc(heap, 8);                               /* [24,48) */
    assert_int_equal(support_realloc(heap, 8, 100), 56);   /* moves to [48,168) */
    assert_int_equal(heap_stats(heap)->peak_payload, 108); /* not 116 */
    assert_int_equal(heap_stats(heap)->high_water, 168);
    support_expect_near(heap_stats(heap)->utilization, 108.0 / 168);
    heap_destroy(heap);
}

static void test_high_water_counts_growth_in_place_and_never_drops(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);
    assert_int_equal(heap_stats(heap)->high_water, 24);
    support_realloc(heap, 8, 100);                         /* [0,120) in place */
    assert_int_equal(heap_stats(heap)->high_water, 120);
    support_free(heap, 8);
    assert_int_equal(heap_stats(heap)->high_water, 120);
    assert_int_equal(heap_stats(heap)->peak_payload, 100);
    support_expect_near(heap_stats(heap)->utilization, 100.0 / 120);
    heap_destroy(heap);
}

static void test_dead_bytes_count_as_external_fragmentation(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 100);                             /* [0,120) */
    support_malloc(heap, 8);                               /* [120,144) */
    support_free(heap, 8);
    const HeapStats want = {
        .mallocs = 2, .frees = 1, .heap_bytes = 256, .used_blocks = 1, .free_blocks = 1,
        .dead_blocks = 1, .bytes_in_use = 24, .payload_bytes = 8, .free_bytes = 112,
        .dead_bytes = 120, .largest_free = 112, .external_fragmentation = 100.0 * 120 / 232,
        .internal_fragmentation = 100.0 * 16 / 24, .peak_payload = 108, .high_water = 144,
        .utilization = 108.0 / 144, .examined = 2,         /* bump: the top, once a malloc */
    };
    expect_stats(heap, &want);
    heap_destroy(heap);
}

static void test_utilization_divides_by_high_water_end_offset(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 64, 8, HEAP_FIRST_FIT);   /* b0 56 */
    assert_int_equal(support_malloc(heap, 48), 64);        /* [56,120) */
    assert_int_equal(heap_stats(heap)->high_water, 120);
    support_expect_near(heap_stats(heap)->utilization, 48.0 / 120);
    heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realloc_shrinks_in_place_without_tail),
        cmocka_unit_test(test_realloc_shrink_gives_back_tail),
        cmocka_unit_test(test_realloc_shrink_tail_coalesces_with_next),
        cmocka_unit_test(test_realloc_grows_in_place_and_splits),
        cmocka_unit_test(test_realloc_grows_in_place_without_split),
        cmocka_unit_test(test_realloc_moves_and_copies_old_requested_bytes),
        cmocka_unit_test(test_realloc_move_searches_while_old_block_is_allocated),
        cmocka_unit_test(test_realloc_failure_leaves_old_block_untouched),
        cmocka_unit_test(test_realloc_failure_with_enough_free_bytes_is_fragmented),
        cmocka_unit_test(test_realloc_of_null_is_a_malloc),
        cmocka_unit_test(test_realloc_to_zero_is_a_free),
        cmocka_unit_test(test_bump_places_at_heap_pointer),
        cmocka_unit_test(test_bump_takes_whole_rest_when_split_is_too_small),
        cmocka_unit_test(test_bump_free_leaves_dead_blocks_that_never_coalesce),
        cmocka_unit_test(test_bump_never_reuses_dead_blocks),
        cmocka_unit_test(test_bump_failure_with_dead_bytes_is_fragmented),
        cmocka_unit_test(test_bump_realloc_shrink_leaves_dead_tail),
        cmocka_unit_test(test_bump_realloc_shrink_keeps_small_surplus),
        cmocka_unit_test(test_bump_realloc_growth_moves_to_top),
        cmocka_unit_test(test_bump_realloc_failure_changes_nothing),
        cmocka_unit_test(test_compact_slides_blocks_down_in_order_with_bytes),
        cmocka_unit_test(test_compact_drops_dead_blocks),
        cmocka_unit_test(test_compact_of_empty_heap_resets_pointers_to_b0),
        cmocka_unit_test(test_compact_of_full_heap_puts_rover_at_b0),
        cmocka_unit_test(test_stats_of_a_fresh_heap),
        cmocka_unit_test(test_stats_follow_mallocs),
        cmocka_unit_test(test_stats_follow_a_free),
        cmocka_unit_test(test_stats_count_failures_and_errors),
        cmocka_unit_test(test_stats_follow_realloc_and_compact),
        cmocka_unit_test(test_peak_payload_counts_moving_realloc_once),
        cmocka_unit_test(test_high_water_counts_growth_in_place_and_never_drops),
        cmocka_unit_test(test_dead_bytes_count_as_external_fragmentation),
        cmocka_unit_test(test_utilization_divides_by_high_water_end_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
