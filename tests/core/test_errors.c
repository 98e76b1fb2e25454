/*
 * test_errors.c - every error path returns its error and changes nothing.
 *
 * "Nothing" is checked in full: the arena byte for byte, the block walk,
 * rover and heap pointer, and every statistic except the one counter the
 * failure is counted in (errors for rejected calls, failed for calls that
 * found no room). Configurations are checked at heap_create and
 * heap_create_in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core_support.h"
#include "heap_internal.h" /* the Allocator a Heap starts with, for its prefetch entry */

typedef enum { COUNTED_AS_ERROR, COUNTED_AS_FAILED } Counter;

/* First fit, 1024 bytes: [0,32) 10 bytes, [32,152) free, [152,176) 8 bytes,
 * [176,1024) free; the live payloads hold a pattern. */
static Heap *fit_heap_with_hole(void)
{
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 10);
    support_malloc(heap, 100);
    support_malloc(heap, 8);
    support_free(heap, 40);
    uint64_t capacity = 0;
    memset(heap_payload(heap, 8, &capacity), 0x5A, 10);
    memset(heap_payload(heap, 160, &capacity), 0xA5, 8);
    return heap;
}

/* Bump, 256 bytes: [0,32) dead, [32,56) 8 bytes, [56,256) free. */
static Heap *bump_heap_with_dead(void)
{
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_malloc(heap, 10);
    support_malloc(heap, 8);
    support_free(heap, 8);
    return heap;
}

/* A request whose block size overflows is refused before any search; any
 * other failed request searched every free block (and found none big enough). */
static uint64_t failed_search_examined(const Heap *heap, const HeapStats *before, uint64_t n)
{
    uint64_t a = heap_config(heap)->alignment; /* align_up(n + 16, A) must not overflow */
    return n > UINT64_MAX - 16 - (a - 1) ? 0 : before->free_blocks;
}

static void expect_only_counted(const Heap *heap, HeapSnapshot *before, Counter counter,
                                uint64_t n)
{
    HeapStats want = before->stats;
    if (counter == COUNTED_AS_ERROR) {
        want.errors++;
    } else {
        want.failed++;
        want.examined += failed_search_examined(heap, &before->stats, n);
    }
    support_expect_unchanged(heap, before, &want);
    support_snapshot_release(before);
}

static void expect_rejected_free(Heap *heap, uint64_t payload, HeapError error)
{
    HeapSnapshot before;
    support_snapshot(heap, &before);
    assert_int_equal(heap_free(heap, payload), error);
    expect_only_counted(heap, &before, COUNTED_AS_ERROR, 0);
}

static void expect_rejected_realloc(Heap *heap, uint64_t payload, uint64_t n, HeapError error)
{
    HeapSnapshot before;
    uint64_t result = 99;
    support_snapshot(heap, &before);
    assert_int_equal(heap_realloc(heap, payload, n, &result), error);
    assert_int_equal(result, 0);
    expect_only_counted(heap, &before, COUNTED_AS_ERROR, 0);
}

static void expect_failed_malloc(Heap *heap, uint64_t n)
{
    HeapSnapshot before;
    uint64_t payload = 99;
    support_snapshot(heap, &before);
    assert_int_equal(heap_malloc(heap, n, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(payload, 0);
    expect_only_counted(heap, &before, COUNTED_AS_FAILED, n);
}

static void expect_failed_realloc(Heap *heap, uint64_t payload, uint64_t n)
{
    HeapSnapshot before;
    uint64_t result = 99;
    support_snapshot(heap, &before);
    assert_int_equal(heap_realloc(heap, payload, n, &result), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(result, 0);
    expect_only_counted(heap, &before, COUNTED_AS_FAILED, n);
}

/* --- free ------------------------------------------------------------------------- */

static void expect_each_free_rejected(const uint64_t *payloads, size_t count, HeapError error)
{
    Heap *heap = fit_heap_with_hole();
    for (size_t i = 0; i < count; i++) {
        expect_rejected_free(heap, payloads[i], error);
    }
    heap_destroy(heap);
}

static void test_free_inside_a_block_is_invalid(void **state)
{
    static const uint64_t inside[] = { 16, 24, 32, 48, 96, 168 };
    (void)state;
    expect_each_free_rejected(inside, SUPPORT_COUNT(inside), HEAP_ERROR_INVALID_POINTER);
}

static void test_free_past_the_heap_is_invalid(void **state)
{
    static const uint64_t past[] = { 1024, 1032, 4096, UINT64_MAX - 7, UINT64_MAX };
    (void)state;
    expect_each_free_rejected(past, SUPPORT_COUNT(past), HEAP_ERROR_INVALID_POINTER);
}

static void test_free_below_the_first_payload_is_invalid(void **state)
{
    static const uint64_t below[] = { 1, 2, 3, 4, 5, 6, 7 };
    (void)state;
    expect_each_free_rejected(below, SUPPORT_COUNT(below), HEAP_ERROR_INVALID_POINTER);
    Heap *heap = support_new_heap(1024, 16, 8, HEAP_FIRST_FIT);   /* b0 8: first payload 16 */
    support_malloc(heap, 8);
    expect_rejected_free(heap, 8, HEAP_ERROR_INVALID_POINTER);
    heap_destroy(heap);
}

static void test_free_unaligned_is_invalid(void **state)
{
    static const uint64_t unaligned[] = { 9, 12, 15, 161, 164, 167 };
    (void)state;
    expect_each_free_rejected(unaligned, SUPPORT_COUNT(unaligned), HEAP_ERROR_INVALID_POINTER);
}

static void test_free_of_zero_changes_and_counts_nothing(void **state)
{
    HeapSnapshot before;
    (void)state;
    Heap *heap = bump_heap_with_dead();
    support_snapshot(heap, &before);
    assert_int_equal(heap_free(heap, 0), HEAP_OK);
    support_expect_unchanged(heap, &before, &before.stats);
    support_snapshot_release(&before);
    heap_destroy(heap);
}

static void test_double_free_is_reported(void **state)
{
    (void)state;
    Heap *heap = fit_heap_with_hole();
    expect_rejected_free(heap, 40, HEAP_ERROR_DOUBLE_FREE);    /* freed block */
    expect_rejected_free(heap, 184, HEAP_ERROR_DOUBLE_FREE);   /* the free top block */
    heap_destroy(heap);
}

static void test_free_of_dead_bump_block_is_double_free(void **state)
{
    (void)state;
    Heap *heap = bump_heap_with_dead();
    expect_rejected_free(heap, 8, HEAP_ERROR_DOUBLE_FREE);
    expect_rejected_free(heap, 64, HEAP_ERROR_DOUBLE_FREE);    /* the free top block */
    expect_rejected_free(heap, 16, HEAP_ERROR_INVALID_POINTER);
    heap_destroy(heap);
}

/* --- hints ------------------------------------------------------------------------ */

/* A replay's hints (the design's prefetch entry, both parts) change
 * nothing, whatever they name: a used block, a freed one, the top, a payload
 * inside a block, the last bytes of the heap, past it, 0, the largest offsets. */
static void expect_hints_change_nothing(Heap *heap, uint64_t heap_bytes)
{
    const uint64_t named[] = { 0, 4, 8, 16, 40, 64, 100, 160, 184, heap_bytes - 8, heap_bytes - 1,
                               heap_bytes, heap_bytes + 8, UINT64_MAX / 2, UINT64_MAX - 7 };
    HeapSnapshot before;
    support_snapshot(heap, &before);
    for (size_t i = 0; i < SUPPORT_COUNT(named); i++) {
        allocator_prefetch(&heap->base, named[i], named[i]);
    }
    support_expect_unchanged(heap, &before, &before.stats);
    support_snapshot_release(&before);
    heap_destroy(heap);
}

static void test_hints_change_nothing(void **state)
{
    (void)state;
    expect_hints_change_nothing(fit_heap_with_hole(), 1024);
    expect_hints_change_nothing(bump_heap_with_dead(), 256);
}

/* --- realloc ---------------------------------------------------------------------- */

static void test_realloc_of_freed_block_is_double_free(void **state)
{
    (void)state;
    Heap *heap = fit_heap_with_hole();
    expect_rejected_realloc(heap, 40, 8, HEAP_ERROR_DOUBLE_FREE);
    expect_rejected_realloc(heap, 40, 500, HEAP_ERROR_DOUBLE_FREE);
    expect_rejected_realloc(heap, 40, 0, HEAP_ERROR_DOUBLE_FREE);
    heap_destroy(heap);
    heap = bump_heap_with_dead();
    expect_rejected_realloc(heap, 8, 8, HEAP_ERROR_DOUBLE_FREE);
    expect_rejected_realloc(heap, 8, 0, HEAP_ERROR_DOUBLE_FREE);
    heap_destroy(heap);
}

static void test_realloc_of_invalid_pointer_is_rejected(void **state)
{
    static const uint64_t invalid[] = { 4, 9, 16, 32, 4096, UINT64_MAX };
    (void)state;
    Heap *heap = fit_heap_with_hole();
    for (size_t i = 0; i < SUPPORT_COUNT(invalid); i++) {
        expect_rejected_realloc(heap, invalid[i], 8, HEAP_ERROR_INVALID_POINTER);
        expect_rejected_realloc(heap, invalid[i], 0, HEAP_ERROR_INVALID_POINTER);
    }
    heap_destroy(heap);
}

/* --- sizes near the top of the range ------------------------------------------------ */

static const uint64_t huge_sizes[] = {
    UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 15, UINT64_MAX - 16, UINT64_MAX - 23,
    (uint64_t)SIZE_MAX, UINT64_MAX / 2, 1025,
};

static void test_huge_malloc_fails_cleanly(void **state)
{
    (void)state;
    Heap *heap = fit_heap_with_hole();
    Heap *bump = bump_heap_with_dead();
    for (size_t i = 0; i < SUPPORT_COUNT(huge_sizes); i++) {
        expect_failed_malloc(heap, huge_sizes[i]);
        expect_failed_malloc(bump, huge_sizes[i]);
    }
    assert_int_equal(heap_stats(heap)->failed_fragmented, 0);
    assert_int_equal(heap_stats(bump)->failed_fragmented, 0);
    heap_destroy(heap);
    heap_destroy(bump);
}

static void test_huge_realloc_fails_cleanly(void **state)
{
    (void)state;
    Heap *heap = fit_heap_with_hole();
    Heap *bump = bump_heap_with_dead();
    for (size_t i = 0; i < SUPPORT_COUNT(huge_sizes); i++) {
        expect_failed_realloc(heap, 8, huge_sizes[i]);
        expect_failed_realloc(heap, 0, huge_sizes[i]);
        expect_failed_realloc(bump, 40, huge_sizes[i]);
    }
    assert_int_equal(heap_stats(heap)->failed_fragmented, 0);
    heap_destroy(heap);
    heap_destroy(bump);
}

/* --- configuration ------------------------------------------------------------------- */

static void expect_config_rejected(uint64_t heap_bytes, uint64_t alignment, uint64_t min_payload,
                                   HeapPolicy policy)
{
    HeapConfig config = { heap_bytes, alignment, min_payload, policy, false, false };
    Heap *heap = NULL;
    if (heap_create(&config, &heap) != HEAP_ERROR_INVALID_CONFIG) {
        fail_msg("heap_create accepted H %llu, A %llu, M %llu, policy %d",
                 (unsigned long long)heap_bytes, (unsigned long long)alignment,
                 (unsigned long long)min_payload, (int)policy);
    }
    assert_null(heap);
    uint8_t memory[4096], untouched[4096];
    memset(memory, 0xAB, sizeof memory);
    memcpy(untouched, memory, sizeof memory);
    config.heap_bytes = heap_bytes < sizeof memory ? heap_bytes : sizeof memory;
    if (config.heap_bytes == sizeof memory && heap_bytes != sizeof memory) {
        return;   /* too big to try over caller memory */
    }
    assert_int_equal(heap_create_in(&config, memory, &heap), HEAP_ERROR_INVALID_CONFIG);
    assert_null(heap);
    assert_memory_equal(memory, untouched, sizeof memory);
}

static void expect_config_accepted(uint64_t heap_bytes, uint64_t alignment, uint64_t min_payload)
{
    Heap *heap = support_new_heap(heap_bytes, alignment, min_payload, HEAP_FIRST_FIT);
    assert_int_equal(heap_stats(heap)->free_blocks, 1);
    support_expect_consistent(heap);
    heap_destroy(heap);
}

static void test_create_rejects_heap_smaller_than_one_block(void **state)
{
    (void)state;
    expect_config_rejected(0, 8, 8, HEAP_FIRST_FIT);
    expect_config_rejected(23, 8, 8, HEAP_FIRST_FIT);      /* minimum block 24 */
    expect_config_rejected(10, 64, 8, HEAP_FIRST_FIT);     /* below b0 = 56 */
    expect_config_rejected(119, 64, 8, HEAP_FIRST_FIT);    /* region 0, minimum 64 */
    expect_config_rejected(39, 16, 8, HEAP_BUMP);          /* region [8,24), minimum 32 */
    expect_config_rejected(119, 8, 100, HEAP_BEST_FIT);    /* minimum 120 */
    expect_config_accepted(24, 8, 8);
    expect_config_accepted(40, 16, 8);
    expect_config_accepted(120, 64, 8);
    expect_config_accepted(120, 8, 100);
}

static void test_create_rejects_bad_alignment(void **state)
{
    static const uint64_t bad[] = { 0, 1, 2, 3, 5, 12, 48, 128, 256, UINT64_MAX };
    (void)state;
    for (size_t i = 0; i < SUPPORT_COUNT(bad); i++) {
        expect_config_rejected(4096, bad[i], 8, HEAP_FIRST_FIT);
    }
    expect_config_accepted(4096, 4, 8);
    expect_config_accepted(4096, 64, 8);
}

static void test_create_rejects_zero_or_overflowing_min_payload(void **state)
{
    (void)state;
    expect_config_rejected(4096, 8, 0, HEAP_FIRST_FIT);
    expect_config_rejected(4096, 8, UINT64_MAX, HEAP_FIRST_FIT);
    expect_config_rejected(4096, 8, UINT64_MAX - 16, HEAP_FIRST_FIT);
    expect_config_accepted(4096, 8, 1);
}

/* Best fit files a block as one 64-bit key of size and offset in units of
 * A, so its region must hold fewer than 2^32 units: 16 GiB at A = 4 (b0 is
 * 0), 32 GiB at A = 8. The limit is checked before any arena is allocated. */
static void test_create_rejects_best_fit_region_of_2_to_the_32_units(void **state)
{
    (void)state;
    expect_config_rejected(UINT64_C(1) << 34, 4, 8, HEAP_BEST_FIT);
    expect_config_rejected((UINT64_C(1) << 35) + 7, 8, 8, HEAP_BEST_FIT);
    expect_config_rejected((UINT64_C(1) << 38) + 63, 64, 8, HEAP_BEST_FIT);
    expect_config_rejected((UINT64_C(1) << 48) + 8, 8, 8, HEAP_FIRST_FIT); /* past 2^48 */
}

static void test_create_rejects_unknown_policy(void **state)
{
    (void)state;
    expect_config_rejected(4096, 8, 8, HEAP_POLICY_COUNT);
    expect_config_rejected(4096, 8, 8, (HeapPolicy)99);
    expect_config_rejected(4096, 8, 8, (HeapPolicy)-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_inside_a_block_is_invalid),
        cmocka_unit_test(test_free_past_the_heap_is_invalid),
        cmocka_unit_test(test_free_below_the_first_payload_is_invalid),
        cmocka_unit_test(test_free_unaligned_is_invalid),
        cmocka_unit_test(test_free_of_zero_changes_and_counts_nothing),
        cmocka_unit_test(test_double_free_is_reported),
        cmocka_unit_test(test_free_of_dead_bump_block_is_double_free),
        cmocka_unit_test(test_hints_change_nothing),
        cmocka_unit_test(test_realloc_of_freed_block_is_double_free),
        cmocka_unit_test(test_realloc_of_invalid_pointer_is_rejected),
        cmocka_unit_test(test_huge_malloc_fails_cleanly),
        cmocka_unit_test(test_huge_realloc_fails_cleanly),
        cmocka_unit_test(test_create_rejects_heap_smaller_than_one_block),
        cmocka_unit_test(test_create_rejects_bad_alignment),
        cmocka_unit_test(test_create_rejects_zero_or_overflowing_min_payload),
        cmocka_unit_test(test_create_rejects_best_fit_region_of_2_to_the_32_units),
        cmocka_unit_test(test_create_rejects_unknown_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
