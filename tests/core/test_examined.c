/*
 * test_examined.c - issue 20: the free blocks each search examines, counted
 * by hand.
 *
 * The rule (alloc/tags/heap.c): walking the free blocks in address order
 * from where the policy starts, first and next fit examine every free block
 * up to and including the fit (next fit starts at the block holding its
 * rover and wraps to b0); best and worst fit examine them all; bump examines
 * the free block at its heap pointer; a failed search examined every free
 * block. A = 8, M = 8 throughout, so b0 = 0, the minimum block is 24 and
 * asize = max(24, align_up(n + 16, 8)).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core_support.h"

enum { MAX_PATH = 600 };

/* The last call examined exactly the blocks at `expected`, in that order. */
static void expect_path(const Heap *heap, const uint64_t *expected, size_t count)
{
    uint64_t path[MAX_PATH];
    assert_int_equal(heap_last_event(heap)->examined, count);
    assert_int_equal(heap_search_path(heap, path, MAX_PATH), count);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(path[i], expected[i]);
}

static uint64_t failed_malloc(Heap *heap, uint64_t n)
{
    uint64_t payload = 99;
    assert_int_equal(heap_malloc(heap, n, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    return payload;
}

/* [0,24) free, [24,48) used, [48,72) free, [72,96) used, [96,1024) free. */
static Heap *two_holes(HeapPolicy policy)
{
    Heap *heap = support_new_heap(1024, 8, 8, policy);
    uint64_t payloads[4];
    const uint64_t requests[4] = { 8, 8, 8, 8 };
    support_malloc_all(heap, requests, 4, payloads);
    support_free(heap, payloads[0]);
    support_free(heap, payloads[2]);
    return heap;
}

static void test_first_fit_examines_up_to_the_fit(void **state)
{
    (void)state;
    Heap *heap = two_holes(HEAP_FIRST_FIT);
    assert_int_equal(support_malloc(heap, 40), 104);       /* 56 B: both holes too small */
    expect_path(heap, (const uint64_t[]){ 0, 48, 96 }, 3);
    assert_int_equal(support_malloc(heap, 8), 8);          /* the first hole fits */
    expect_path(heap, (const uint64_t[]){ 0 }, 1);
    assert_int_equal(support_malloc(heap, 8), 56);         /* [0,24) is used now */
    expect_path(heap, (const uint64_t[]){ 48 }, 1);
    assert_int_equal(heap_stats(heap)->examined, 4 + 3 + 1 + 1); /* 4 mallocs of the top first */
    heap_destroy(heap);
}

static void test_best_and_worst_fit_examine_every_free_block(void **state)
{
    (void)state;
    for (HeapPolicy policy = HEAP_BEST_FIT; policy <= HEAP_WORST_FIT; policy++) {
        Heap *heap = two_holes(policy);
        support_malloc(heap, 8);        /* best: [0,24); worst: the top, 928 B */
        expect_path(heap, (const uint64_t[]){ 0, 48, 96 }, 3);
        heap_destroy(heap);
    }
}

static void test_a_failed_search_examined_every_free_block(void **state)
{
    (void)state;
    for (HeapPolicy policy = HEAP_FIRST_FIT; policy <= HEAP_WORST_FIT; policy++) {
        Heap *heap = two_holes(policy);
        uint64_t examined = heap_stats(heap)->examined;
        assert_int_equal(failed_malloc(heap, 2000), 0);
        if (policy == HEAP_NEXT_FIT) /* from its rover in the top, then wrapping */
            expect_path(heap, (const uint64_t[]){ 96, 0, 48 }, 3);
        else
            expect_path(heap, (const uint64_t[]){ 0, 48, 96 }, 3);
        assert_int_equal(heap_stats(heap)->examined, examined + 3);
        heap_destroy(heap);
    }
}

/* [0,40) free, [40,64) used, [64,120) free, [120,144) used, top [144,200);
 * the rover is at 144, in the top. */
static void test_next_fit_starts_at_its_rover_and_wraps(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(200, 8, 8, HEAP_NEXT_FIT);
    uint64_t a = support_malloc(heap, 24), c;
    support_malloc(heap, 8);
    c = support_malloc(heap, 40);
    support_malloc(heap, 8);
    support_free(heap, a);
    support_free(heap, c);
    assert_int_equal(heap_rover(heap), 144);
    assert_int_equal(support_malloc(heap, 8), 152);        /* the top fits at once */
    expect_path(heap, (const uint64_t[]){ 144 }, 1);
    assert_int_equal(support_malloc(heap, 30), 72);        /* 48 B: top 32 and [0,40) too small */
    expect_path(heap, (const uint64_t[]){ 168, 0, 64 }, 3);
    heap_destroy(heap);
}

static void test_bump_examines_the_block_at_its_heap_pointer(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(48, 8, 8, HEAP_BUMP);
    assert_int_equal(support_malloc(heap, 8), 8);
    expect_path(heap, (const uint64_t[]){ 0 }, 1);
    assert_int_equal(support_malloc(heap, 8), 32);         /* takes the rest: no top left */
    expect_path(heap, (const uint64_t[]){ 24 }, 1);
    support_free(heap, 8);                                 /* dead, never examined */
    failed_malloc(heap, 8);
    expect_path(heap, NULL, 0);
    assert_int_equal(heap_stats(heap)->examined, 2);
    heap_destroy(heap);
}

static void test_frees_and_in_place_reallocs_search_nothing(void **state)
{
    (void)state;
    Heap *heap = two_holes(HEAP_FIRST_FIT);
    assert_int_equal(support_realloc(heap, 32, 8), 32);    /* shrinks in place */
    expect_path(heap, NULL, 0);
    assert_int_equal(support_realloc(heap, 32, 30), 24 + 8); /* grows over [48,72) */
    expect_path(heap, NULL, 0);
    heap_destroy(heap);
}

/* The search ran before the old block was freed and merged with [0,24). */
static void test_a_moving_realloc_examines_before_its_old_block_is_freed(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(200, 8, 8, HEAP_FIRST_FIT);
    uint64_t a = support_malloc(heap, 8), b = support_malloc(heap, 8);
    support_malloc(heap, 8);                               /* [48,72) keeps b from growing */
    support_free(heap, a);
    assert_int_equal(support_realloc(heap, b, 40), 80);    /* 56 B: [0,24) no, the top yes */
    expect_path(heap, (const uint64_t[]){ 0, 72 }, 2);
    heap_destroy(heap);
}

/* 1 MiB holds 512 groups of 256 slots, in 8 bands: ranks cross bands. */
static void test_first_fit_counts_holes_across_the_whole_index(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(UINT64_C(1) << 20, 8, 8, HEAP_FIRST_FIT);
    static uint64_t payloads[500];
    for (int i = 0; i < 500; i++)
        payloads[i] = support_malloc(heap, 2032);          /* 2,048 B each, up to 1,024,000 */
    for (int i = 0; i < 400; i += 2)
        support_free(heap, payloads[i]);                   /* 200 holes of 2,048 B */
    for (int i = 401; i <= 403; i++)
        support_free(heap, payloads[i]);                   /* one hole of 6,144 B at 821,248 */
    assert_int_equal(support_malloc(heap, 4000), 821248 + 8);
    assert_int_equal(heap_last_event(heap)->examined, 201);
    uint64_t path[MAX_PATH];
    assert_int_equal(heap_search_path(heap, path, MAX_PATH), 201);
    assert_int_equal(path[199], 398 * 2048);
    assert_int_equal(path[200], 821248);
    support_free(heap, payloads[399]);                     /* 398 and 399: 4,096 B */
    assert_int_equal(support_malloc(heap, 4000), 398 * 2048 + 8);   /* after 199 holes */
    assert_int_equal(heap_last_event(heap)->examined, 200);
    support_expect_consistent(heap);
    heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_fit_examines_up_to_the_fit),
        cmocka_unit_test(test_best_and_worst_fit_examine_every_free_block),
        cmocka_unit_test(test_a_failed_search_examined_every_free_block),
        cmocka_unit_test(test_next_fit_starts_at_its_rover_and_wraps),
        cmocka_unit_test(test_bump_examines_the_block_at_its_heap_pointer),
        cmocka_unit_test(test_frees_and_in_place_reallocs_search_nothing),
        cmocka_unit_test(test_a_moving_realloc_examines_before_its_old_block_is_freed),
        cmocka_unit_test(test_first_fit_counts_holes_across_the_whole_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
