/*
 * test_events.c - what heap_last_event says about each call, against offsets
 * worked out by hand from the rules (README, "The allocator rules").
 *
 * Every heap here has A = 8 and M = 8, so b0 = 0, the minimum block is
 * align_up(16 + 8, 8) = 24, and a request of n bytes needs
 * max(24, align_up(n + 16, 8)) bytes: 8 -> 24, 40 -> 56, 100 -> 120,
 * 150 -> 168, 200 -> 216. The sentences and the highlights of the window
 * are made from these fields, so each one is checked where it means
 * something.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core_support.h"

static const HeapEvent *event_of(const Heap *heap)
{
    return heap_last_event(heap);
}

static void malloc_splits_or_takes_whole(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_FIRST_FIT);
    assert_int_equal(support_malloc(heap, 8), 8);
    const HeapEvent *e = event_of(heap);
    assert_int_equal(e->kind, HEAP_EVENT_MALLOC);
    assert_int_equal(e->asize, 24);
    assert_int_equal(e->block_offset, 0);
    assert_int_equal(e->block_size, 24);
    assert_int_equal(e->chosen_free_size, 256);
    assert_true(e->split);
    assert_int_equal(e->split_offset, 24);
    assert_int_equal(support_malloc(heap, 40), 32);     /* [24, 80), rest at 80 */
    assert_int_equal(e->split_offset, 80);
    assert_int_equal(e->chosen_free_size, 232);
    assert_int_equal(support_malloc(heap, 100), 88);    /* [80, 200), rest at 200 */
    assert_int_equal(e->split_offset, 200);
    assert_int_equal(support_malloc(heap, 40), 208);    /* the last 56 bytes, whole */
    assert_false(e->split);
    assert_int_equal(e->chosen_free_size, 56);
    assert_int_equal(e->block_offset, 200);
    assert_int_equal(e->block_size, 56);
    assert_int_equal(e->dirty_start, 200);
    assert_int_equal(e->dirty_end, 256);
    heap_destroy(heap);
}

/* Blocks at 0 (24), 24 (56), 80 (120), 200 (56): the heap is full. */
static Heap *four_blocks(void)
{
    Heap *heap = support_new_heap(256, 8, 8, HEAP_FIRST_FIT);
    static const uint64_t requests[] = {8, 40, 100, 40};
    uint64_t payloads[4];
    support_malloc_all(heap, requests, 4, payloads);
    assert_int_equal(payloads[3], 208);
    return heap;
}

static void free_coalesces_each_way(void **state)
{
    (void)state;
    Heap *heap = four_blocks();
    const HeapEvent *e = event_of(heap);
    support_free(heap, 32);                 /* 24: both neighbours used */
    assert_int_equal(e->kind, HEAP_EVENT_FREE);
    assert_false(e->coalesced_previous || e->coalesced_next);
    assert_int_equal(e->block_offset, 24);
    assert_int_equal(e->block_size, 56);
    support_free(heap, 8);                  /* 0: the next block is free */
    assert_false(e->coalesced_previous);
    assert_true(e->coalesced_next);
    assert_int_equal(e->merged_offset, 0);
    assert_int_equal(e->merged_size, 80);
    support_free(heap, 208);                /* 200: the block before is used */
    assert_false(e->coalesced_previous || e->coalesced_next);
    support_free(heap, 88);                 /* 80: free on both sides */
    assert_true(e->coalesced_previous && e->coalesced_next);
    assert_int_equal(e->merged_offset, 0);
    assert_int_equal(e->merged_size, 256);
    assert_int_equal(e->dirty_start, 0);
    assert_int_equal(e->dirty_end, 256);
    heap_destroy(heap);
}

static void free_merges_with_the_previous_block_only(void **state)
{
    (void)state;
    Heap *heap = four_blocks();
    const HeapEvent *e = event_of(heap);
    support_free(heap, 32);                 /* 24 free */
    support_free(heap, 88);                 /* 80 joins it from above */
    assert_true(e->coalesced_previous);
    assert_false(e->coalesced_next);
    assert_int_equal(e->merged_offset, 24);
    assert_int_equal(e->merged_size, 176);
    heap_destroy(heap);
}

static void realloc_shrinks_grows_and_moves(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(512, 8, 8, HEAP_FIRST_FIT);
    uint64_t p = support_malloc(heap, 100); /* [0, 120) */
    uint64_t q = support_malloc(heap, 8);   /* [120, 144) */
    support_malloc(heap, 8);                /* [144, 168); free from 168 */
    const HeapEvent *e = event_of(heap);
    assert_int_equal(support_realloc(heap, p, 40), 8);
    assert_int_equal(e->kind, HEAP_EVENT_REALLOC);
    assert_int_equal(e->realloc_mode, HEAP_REALLOC_SHRUNK);
    assert_true(e->split);
    assert_int_equal(e->split_offset, 56);  /* the tail [56, 120) is free */
    assert_int_equal(e->block_size, 56);
    assert_int_equal(support_realloc(heap, p, 100), 8);
    assert_int_equal(e->realloc_mode, HEAP_REALLOC_GREW);
    assert_int_equal(e->block_offset, 0);
    assert_int_equal(e->block_size, 120);
    assert_int_equal(support_realloc(heap, q, 100), 176);
    assert_int_equal(e->realloc_mode, HEAP_REALLOC_MOVED);
    assert_int_equal(e->old_block_offset, 120);
    assert_int_equal(e->block_offset, 168);
    assert_int_equal(e->block_size, 120);
    assert_int_equal(e->result, 176);
    heap_destroy(heap);
}

/* A shrink too small to give back a tail writes no tags, yet the block's
 * requested bytes changed: the window must still redraw the block. */
static void realloc_in_place_without_a_tail_dirties_its_block(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(512, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 8);                /* [0, 24) */
    uint64_t p = support_malloc(heap, 100); /* [24, 144) */
    const HeapEvent *e = event_of(heap);
    assert_int_equal(support_realloc(heap, p, 96), p); /* 112 bytes: 8 left, no block */
    assert_int_equal(e->realloc_mode, HEAP_REALLOC_SHRUNK);
    assert_false(e->split);
    assert_int_equal(e->block_size, 120);
    assert_int_equal(e->dirty_start, 24);
    assert_int_equal(e->dirty_end, 144);
    heap_destroy(heap);
}

static void failure_says_why(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BEST_FIT);
    uint64_t p = support_malloc(heap, 100); /* [0, 120) */
    support_malloc(heap, 8);                /* [120, 144) */
    support_malloc(heap, 8);                /* [144, 168); free [168, 256): 88 */
    support_free(heap, p);                  /* free [0, 120) */
    uint64_t payload = 1;
    assert_int_equal(heap_malloc(heap, 150, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    const HeapEvent *e = event_of(heap);
    assert_int_equal(payload, 0);
    assert_int_equal(e->asize, 168);
    assert_true(e->fragmented);             /* 208 B free in all, 120 B at most in one */
    assert_int_equal(e->free_bytes, 208);
    assert_int_equal(e->largest_free, 120);
    assert_int_equal(heap_malloc(heap, 300, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_false(e->fragmented);            /* 316 > 208: exhaustion */
    heap_compact(heap, NULL, NULL);
    assert_int_equal(e->kind, HEAP_EVENT_COMPACT);
    assert_int_equal(e->moved_blocks, 2);   /* 120 and 144 slide to 0 and 24 */
    heap_destroy(heap);
}

static void bump_free_leaves_a_dead_block(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    uint64_t p = support_malloc(heap, 8);
    support_malloc(heap, 8);
    support_free(heap, p);
    const HeapEvent *e = event_of(heap);
    assert_true(e->dead);
    assert_int_equal(e->block_offset, 0);
    assert_int_equal(e->block_size, 24);
    assert_false(e->coalesced_previous || e->coalesced_next);
    heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malloc_splits_or_takes_whole),
        cmocka_unit_test(free_coalesces_each_way),
        cmocka_unit_test(free_merges_with_the_previous_block_only),
        cmocka_unit_test(realloc_shrinks_grows_and_moves),
        cmocka_unit_test(realloc_in_place_without_a_tail_dirties_its_block),
        cmocka_unit_test(failure_says_why),
        cmocka_unit_test(bump_free_leaves_a_dead_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
