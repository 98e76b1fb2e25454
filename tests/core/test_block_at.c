/*
 * test_block_at.c - heap_block_at answers, for every byte of the region, the
 * block a walk of the whole heap finds there: on random heaps of every
 * policy (many small blocks, few free ones, one huge block, bump's dead
 * blocks), at the edges of every block, and outside the region. And the
 * walk without the bytes held (heap_next_block_extent, the classic view's)
 * finds the same blocks as the whole walk, with `requested` 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core_support.h"

#include <stdlib.h>

enum { HEAP_BYTES = 1 << 14, LIVE = 64 };

/* The block containing `offset`, by walking every block from the first. */
static bool walked_block_at(const Heap *heap, uint64_t offset, HeapBlock *found)
{
    HeapBlock block;
    for (bool more = heap_first_block(heap, &block); more; more = heap_next_block(heap, &block)) {
        if (offset >= block.offset && offset < block.offset + block.size) {
            *found = block;
            return true;
        }
    }
    return false;
}

static void expect_every_byte_agrees(const Heap *heap)
{
    for (uint64_t offset = 0; offset < heap_config(heap)->heap_bytes + 8; offset++) {
        HeapBlock expected, got;
        bool walked = walked_block_at(heap, offset, &expected);
        assert_int_equal(heap_block_at(heap, offset, &got), walked);
        if (walked) {
            assert_int_equal(got.offset, expected.offset);
            assert_int_equal(got.size, expected.size);
            assert_int_equal(got.state, expected.state);
            assert_int_equal(got.requested, expected.requested);
        }
    }
}

static void expect_extent_walk_agrees(const Heap *heap)
{
    HeapBlock whole, extent;
    bool more = heap_first_block(heap, &whole), more_extent = heap_first_block(heap, &extent);
    for (; more; more = heap_next_block(heap, &whole), more_extent = heap_next_block_extent(heap, &extent)) {
        assert_true(more_extent);
        assert_int_equal(extent.offset, whole.offset);
        assert_int_equal(extent.size, whole.size);
        assert_int_equal(extent.state, whole.state);
        assert_int_equal(extent.payload, whole.payload);
        assert_int_equal(extent.header, whole.header);
        assert_int_equal(extent.header_bytes, whole.header_bytes);
        assert_int_equal(extent.footer_bytes, whole.footer_bytes);
        if (extent.offset != heap_region_start(heap))
            assert_int_equal(extent.requested, 0);
    }
    assert_false(more_extent);
}

/* Random mallocs and frees (and a few reallocs) with `live` slots. */
static void churn(Heap *heap, uint64_t *seed, uint64_t steps, uint64_t max_request)
{
    uint64_t payloads[LIVE] = {0};
    for (uint64_t i = 0; i < steps; i++) {
        uint64_t slot = support_random_below(seed, LIVE);
        uint64_t n = 1 + support_random_below(seed, max_request);
        if (payloads[slot] == 0) {
            heap_malloc(heap, n, &payloads[slot]);
        } else if (support_random_below(seed, 4) == 0) {
            uint64_t result = 0;
            if (heap_realloc(heap, payloads[slot], n, &result) == HEAP_OK)
                payloads[slot] = result;
        } else {
            heap_free(heap, payloads[slot]);
            payloads[slot] = 0;
        }
    }
}

static void random_heaps_of_every_policy(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        for (uint64_t alignment = 4; alignment <= 64; alignment *= 4) {
            for (int round = 0; round < 6; round++) {
                Heap *heap = support_new_heap(HEAP_BYTES, alignment, 8, (HeapPolicy)policy);
                churn(heap, &seed, 40 + (uint64_t)round * 60, round % 2 ? 2000 : 120);
                support_expect_consistent(heap);
                expect_every_byte_agrees(heap);
                expect_extent_walk_agrees(heap);
                heap_destroy(heap);
            }
        }
    }
}

/* A full heap of small used blocks below one huge one: the probe backward
 * must not stop inside the huge block, and a walk from b0 must still find
 * the small ones. */
static void a_huge_block_above_small_ones(void **state)
{
    (void)state;
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        Heap *heap = support_new_heap(HEAP_BYTES, 8, 8, (HeapPolicy)policy);
        for (int i = 0; i < 40; i++)
            support_malloc(heap, 8);
        uint64_t huge = support_malloc(heap, 8000);
        support_malloc(heap, 24);
        expect_every_byte_agrees(heap);
        support_free(heap, huge);
        expect_every_byte_agrees(heap);
        heap_destroy(heap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_heaps_of_every_policy),
        cmocka_unit_test(a_huge_block_above_small_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
