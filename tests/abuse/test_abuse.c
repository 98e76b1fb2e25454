/*
 * test_abuse.c - the core under abuse, in every policy and every alignment.
 *
 * tests/core/test_errors.c checks each error path with hand-picked offsets
 * on first-fit and bump heaps of 8-byte alignment. Here the same promises
 * are swept: every offset of a heap that is no live payload (inside a
 * block, unaligned, past the heap, near UINT64_MAX, before and after a
 * compaction), freeing twice and realloc of freed or moved blocks, sizes
 * within 80 bytes of UINT64_MAX, every heap size below one block and every
 * alignment from 0 to 300 - for all five policies and A = 4..64. Each call
 * must return its error and leave the heap byte for byte as it was: arena
 * (and with it the block walk), rover, heap pointer and every statistic but
 * its counter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core_support.h"
#include "exerciser.h"

static const uint64_t ALIGNMENTS[] = {4, 8, 16, 32, 64};
/* Where the region starts for each alignment: the first payload (b0 + 8) is aligned. */
static const uint64_t REGION_STARTS[] = {0, 0, 8, 24, 56};

enum { ALIGNMENT_COUNT = 5, MIXED_HEAP_BYTES = 1024 };

typedef enum { COUNTED_AS_ERROR, COUNTED_AS_FAILED } Counter;

/* One rule checked on one configuration: a policy and ALIGNMENTS[a]. */
typedef void (*ConfigurationCheck)(HeapPolicy policy, int a);

static void for_every_policy_and_alignment(ConfigurationCheck check)
{
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++)
        for (int a = 0; a < ALIGNMENT_COUNT; a++)
            check((HeapPolicy)policy, a);
}

/* What the heap looked like before the call under test. The arena copy
 * is one static buffer: the sweeps below make some 200,000 snapshots. */
static HeapBefore take_before(const Heap *heap)
{
    static uint8_t arena[4096];
    HeapBefore before = {arena, {0}, 0, 0};
    assert_true(heap_config(heap)->heap_bytes <= sizeof arena);
    exerciser_take_before(heap, &before);
    return before;
}

/* The call changed nothing but `counter` (and not failed_fragmented: none
 * of these requests could fit in the free bytes). */
static void expect_only_counted(const Heap *heap, const HeapBefore *before, Counter counter)
{
    char why[256];
    HeapStats want = before->stats;
    want.errors += counter == COUNTED_AS_ERROR;
    want.failed += counter == COUNTED_AS_FAILED;
    if (counter == COUNTED_AS_FAILED) /* its search examined blocks all the same */
        want.examined += heap_last_event(heap)->examined;
    if (!exerciser_unchanged(heap, before, &want, why, sizeof why))
        fail_msg("%s, A %llu: %s", heap_policy_name(heap_config(heap)->policy),
                 (unsigned long long)heap_config(heap)->alignment, why);
}

static void expect_free_rejected(Heap *heap, uint64_t offset, HeapError error)
{
    HeapBefore before = take_before(heap);
    if (heap_free(heap, offset) != error)
        fail_msg("%s, A %llu: free(%llu) did not return '%s'", heap_policy_name(heap_config(heap)->policy),
                 (unsigned long long)heap_config(heap)->alignment, (unsigned long long)offset,
                 heap_error_message(error));
    expect_only_counted(heap, &before, COUNTED_AS_ERROR);
}

static void expect_realloc_refused(Heap *heap, uint64_t offset, uint64_t n, HeapError error)
{
    HeapBefore before = take_before(heap);
    uint64_t result = 99;
    if (heap_realloc(heap, offset, n, &result) != error || result != 0)
        fail_msg("%s, A %llu: realloc(%llu, %llu) did not return '%s' and 0",
                 heap_policy_name(heap_config(heap)->policy),
                 (unsigned long long)heap_config(heap)->alignment, (unsigned long long)offset,
                 (unsigned long long)n, heap_error_message(error));
    expect_only_counted(heap, &before, error == HEAP_ERROR_OUT_OF_MEMORY ? COUNTED_AS_FAILED
                                                                         : COUNTED_AS_ERROR);
}

/* Five blocks of 10, 100, 8, 40 and 3 bytes; the second and fourth freed
 * (dead under bump); the first grown to 30 bytes (in place over the free
 * second block, or moved under bump). */
static Heap *mixed_heap(HeapPolicy policy, uint64_t alignment)
{
    static const uint64_t requests[] = {10, 100, 8, 40, 3};
    uint64_t payloads[5];
    Heap *heap = support_new_heap(MIXED_HEAP_BYTES, alignment, 8, policy);
    support_malloc_all(heap, requests, 5, payloads);
    support_free(heap, payloads[1]);
    support_free(heap, payloads[3]);
    support_realloc(heap, payloads[0], 30);
    support_expect_consistent(heap);
    return heap;
}

/* free, realloc(p, n) and realloc(p, 0) of every offset that is no live
 * payload, from 1 to past the heap, and of the 2A offsets below UINT64_MAX. */
static void expect_every_bad_offset_rejected(Heap *heap)
{
    uint64_t alignment = heap_config(heap)->alignment;
    uint64_t past = heap_config(heap)->heap_bytes + 2 * alignment;
    for (uint64_t i = 1; i < past + 2 * alignment; i++) {
        uint64_t offset = i < past ? i : UINT64_MAX - (i - past);
        bool live = false;
        HeapError error = exerciser_rejection(heap, offset, &live);
        if (live)
            continue;
        expect_free_rejected(heap, offset, error);
        expect_realloc_refused(heap, offset, 8, error);
        expect_realloc_refused(heap, offset, 0, error);
    }
}

static void sweep_mixed_heap(HeapPolicy policy, int a)
{
    Heap *heap = mixed_heap(policy, ALIGNMENTS[a]);
    expect_every_bad_offset_rejected(heap);
    heap_compact(heap, NULL, NULL);
    expect_every_bad_offset_rejected(heap);
    heap_destroy(heap);
}

static void test_every_offset_that_is_no_live_payload_is_rejected(void **state)
{
    (void)state;
    for_every_policy_and_alignment(sweep_mixed_heap);
}

/* Three blocks of 8 bytes: free the middle one twice, then the first. A fit
 * policy coalesces the first with the middle, so the middle's payload is
 * then inside a free block; bump keeps both as dead blocks. */
static void free_twice(HeapPolicy policy, int a)
{
    Heap *heap = support_new_heap(MIXED_HEAP_BYTES, ALIGNMENTS[a], 8, policy);
    uint64_t first = support_malloc(heap, 8);
    uint64_t middle = support_malloc(heap, 8);
    support_malloc(heap, 8);
    support_free(heap, middle);
    expect_free_rejected(heap, middle, HEAP_ERROR_DOUBLE_FREE);
    support_free(heap, first);
    expect_free_rejected(heap, first, HEAP_ERROR_DOUBLE_FREE);
    expect_free_rejected(heap, middle, policy == HEAP_BUMP ? HEAP_ERROR_DOUBLE_FREE
                                                           : HEAP_ERROR_INVALID_POINTER);
    heap_destroy(heap);
}

static void test_freeing_twice_is_a_double_free_until_coalesced(void **state)
{
    (void)state;
    for_every_policy_and_alignment(free_twice);
}

/* realloc of a block that was freed, and of the old payload of a block that
 * realloc moved: used spacers keep both old blocks apart from any other free
 * block, so they stay blocks of their own (free, or dead under bump) and
 * both are double frees. */
static void realloc_freed_and_moved(HeapPolicy policy, int a)
{
    Heap *heap = support_new_heap(MIXED_HEAP_BYTES, ALIGNMENTS[a], 8, policy);
    uint64_t moved = support_malloc(heap, 8);
    support_malloc(heap, 8);
    uint64_t freed = support_malloc(heap, 8);
    support_malloc(heap, 8);
    support_free(heap, freed);
    assert_int_not_equal(support_realloc(heap, moved, 200), moved);
    for (uint64_t n = 0; n < 3; n++) {
        expect_realloc_refused(heap, freed, n * 100, HEAP_ERROR_DOUBLE_FREE);
        expect_realloc_refused(heap, moved, n * 100, HEAP_ERROR_DOUBLE_FREE);
    }
    expect_free_rejected(heap, moved, HEAP_ERROR_DOUBLE_FREE);
    heap_destroy(heap);
}

static void test_realloc_of_a_freed_or_moved_block_is_refused(void **state)
{
    (void)state;
    for_every_policy_and_alignment(realloc_freed_and_moved);
}

/* heap_request_size says false exactly when align_up(n + 16, A) overflows. */
static void expect_request_size(const Heap *heap, uint64_t n)
{
    uint64_t alignment = heap_config(heap)->alignment;
    uint64_t largest_aligned = UINT64_MAX / alignment * alignment;
    bool fits = n <= largest_aligned - HEAP_OVERHEAD_BYTES;
    uint64_t asize = 0;
    assert_int_equal(heap_request_size(heap, n, &asize), fits);
    if (fits) {
        assert_true(asize >= n + HEAP_OVERHEAD_BYTES && asize % alignment == 0);
        assert_true(asize >= heap_min_block(heap));
    }
}

/* malloc(n) and realloc(0, n) find no room and change nothing but `failed`. */
static void expect_no_room(Heap *heap, uint64_t n)
{
    HeapBefore before = take_before(heap);
    uint64_t payload = 99;
    assert_int_equal(heap_malloc(heap, n, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(payload, 0);
    expect_only_counted(heap, &before, COUNTED_AS_FAILED);
    expect_realloc_refused(heap, 0, n, HEAP_ERROR_OUT_OF_MEMORY);
}

static void expect_huge_request_fails(Heap *heap, uint64_t live, uint64_t n)
{
    expect_request_size(heap, n);
    expect_no_room(heap, n);
    expect_realloc_refused(heap, live, n, HEAP_ERROR_OUT_OF_MEMORY);
}

static void request_huge_sizes(HeapPolicy policy, int a)
{
    static const uint64_t min_payloads[] = {1, 8, 100};
    for (size_t m = 0; m < SUPPORT_COUNT(min_payloads); m++) {
        Heap *heap = support_new_heap(MIXED_HEAP_BYTES, ALIGNMENTS[a], min_payloads[m], policy);
        uint64_t live = support_malloc(heap, 8);
        for (uint64_t k = 0; k <= 80; k++)
            expect_huge_request_fails(heap, live, UINT64_MAX - k);
        expect_huge_request_fails(heap, live, (uint64_t)SIZE_MAX / 2 + 1);
        expect_huge_request_fails(heap, live, MIXED_HEAP_BYTES);
        assert_int_equal(heap_stats(heap)->failed_fragmented, 0);
        heap_destroy(heap);
    }
}

static void test_sizes_near_uint64_max_fail_cleanly(void **state)
{
    (void)state;
    for_every_policy_and_alignment(request_huge_sizes);
}

/* heap_create and heap_create_in refuse the config, and leave caller memory alone. */
static void expect_refused(HeapConfig config)
{
    Heap *heap = (Heap *)&config;
    uint8_t memory[512], untouched[512];
    assert_int_equal(heap_create(&config, &heap), HEAP_ERROR_INVALID_CONFIG);
    assert_null(heap);
    memset(memory, 0xC3, sizeof memory);
    memcpy(untouched, memory, sizeof memory);
    config.heap_bytes = config.heap_bytes < sizeof memory ? config.heap_bytes : sizeof memory;
    heap = (Heap *)&config;
    assert_int_equal(heap_create_in(&config, memory, &heap), HEAP_ERROR_INVALID_CONFIG);
    assert_null(heap);
    assert_memory_equal(memory, untouched, sizeof memory);
}

/* The smallest heap is the region start plus one minimum block, align_up(16 + M, A):
 * every size below it is refused; at it, one block of M bytes fills the heap. */
static void expect_smallest_heap(HeapPolicy policy, int a, uint64_t min_payload)
{
    uint64_t alignment = ALIGNMENTS[a];
    uint64_t min_block = (HEAP_OVERHEAD_BYTES + min_payload + alignment - 1) / alignment * alignment;
    uint64_t smallest = REGION_STARTS[a] + min_block;
    for (uint64_t bytes = 0; bytes < smallest; bytes++)
        expect_refused((HeapConfig){ bytes, alignment, min_payload, policy, false, false });
    for (uint64_t bytes = smallest; bytes < smallest + alignment; bytes++) {
        Heap *heap = support_new_heap(bytes, alignment, min_payload, policy);
        assert_int_equal(heap_region_end(heap) - heap_region_start(heap), min_block);
        uint64_t payload = support_malloc(heap, min_payload);
        assert_int_equal(payload, REGION_STARTS[a] + HEAP_TAG_BYTES);
        assert_int_equal(heap_stats(heap)->free_blocks, 0);
        expect_no_room(heap, 1);
        heap_destroy(heap);
    }
}

static void expect_smallest_heaps(HeapPolicy policy, int a)
{
    static const uint64_t min_payloads[] = {1, 8, 24, 100};
    for (size_t m = 0; m < SUPPORT_COUNT(min_payloads); m++)
        expect_smallest_heap(policy, a, min_payloads[m]);
}

static void test_a_heap_smaller_than_one_block_is_refused(void **state)
{
    (void)state;
    for_every_policy_and_alignment(expect_smallest_heaps);
}

static bool is_valid_alignment(uint64_t alignment)
{
    for (int a = 0; a < ALIGNMENT_COUNT; a++)
        if (ALIGNMENTS[a] == alignment)
            return true;
    return false;
}

static void expect_alignment(uint64_t alignment, HeapPolicy policy)
{
    HeapConfig config = { 4096, alignment, 8, policy, false, false };
    if (!is_valid_alignment(alignment)) {
        expect_refused(config);
        return;
    }
    Heap *heap = support_new_heap(4096, alignment, 8, policy);
    assert_int_equal(support_malloc(heap, 1) % alignment, 0);
    heap_destroy(heap);
}

static void test_only_powers_of_two_from_4_to_64_are_alignments(void **state)
{
    static const uint64_t far[] = {UINT64_MAX, UINT64_MAX - 63, UINT64_C(1) << 63, UINT64_C(1) << 32,
                                   (UINT64_C(1) << 32) + 8, 1024, 4096};
    (void)state;
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        for (uint64_t alignment = 0; alignment <= 300; alignment++)
            expect_alignment(alignment, (HeapPolicy)policy);
        for (size_t i = 0; i < SUPPORT_COUNT(far); i++)
            expect_alignment(far[i], (HeapPolicy)policy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_offset_that_is_no_live_payload_is_rejected),
        cmocka_unit_test(test_freeing_twice_is_a_double_free_until_coalesced),
        cmocka_unit_test(test_realloc_of_a_freed_or_moved_block_is_refused),
        cmocka_unit_test(test_sizes_near_uint64_max_fail_cleanly),
        cmocka_unit_test(test_a_heap_smaller_than_one_block_is_refused),
        cmocka_unit_test(test_only_powers_of_two_from_4_to_64_are_alignments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
