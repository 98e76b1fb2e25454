/*
 * test_rules_layout.c - issue 3, rules 1 to 7, one rule per test.
 *
 * Every offset below is worked out by hand from the rules, not computed:
 * b0 = (A - 8 mod A) mod A, minimum block = align_up(16 + M, A),
 * asize = max(minimum block, align_up(n + 16, A)). Unless a test says
 * otherwise the heap is 1024 bytes with A = 8 and M = 8, so b0 = 0, the
 * region is [0, 1024) and the minimum block is 24.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core_support.h"

#define USED HEAP_BLOCK_USED
#define FREE HEAP_BLOCK_FREE
#define DEAD HEAP_BLOCK_DEAD

/* --- rules 1 to 4: geometry -------------------------------------------------- */

static void test_b0_makes_every_payload_aligned(void **state)
{
    static const struct { uint64_t alignment, b0; } cases[] = {
        { 4, 0 }, { 8, 0 }, { 16, 8 }, { 32, 24 }, { 64, 56 },
    };
    (void)state;
    for (size_t i = 0; i < SUPPORT_COUNT(cases); i++) {
        Heap *heap = support_new_heap(1024, cases[i].alignment, 8, HEAP_FIRST_FIT);
        assert_int_equal(heap_region_start(heap), cases[i].b0);
        assert_int_equal(heap_rover(heap), cases[i].b0);
        assert_int_equal(heap_bump_pointer(heap), cases[i].b0);
        uint64_t payload = support_malloc(heap, 1);
        assert_int_equal(payload, cases[i].b0 + 8);
        assert_int_equal(payload % cases[i].alignment, 0);
        heap_destroy(heap);
    }
}

static void test_region_end_is_whole_alignment_units(void **state)
{
    static const struct { uint64_t heap_bytes, alignment, start, end; } cases[] = {
        { 1000, 8, 0, 1000 }, { 1001, 8, 0, 1000 }, { 1007, 8, 0, 1000 },
        { 1000, 64, 56, 952 }, { 100, 16, 8, 88 }, { 1023, 4, 0, 1020 },
    };
    (void)state;
    for (size_t i = 0; i < SUPPORT_COUNT(cases); i++) {
        Heap *heap = support_new_heap(cases[i].heap_bytes, cases[i].alignment, 8, HEAP_FIRST_FIT);
        assert_int_equal(heap_region_end(heap), cases[i].end);
        assert_int_equal(heap_stats(heap)->heap_bytes, cases[i].end - cases[i].start);
        ExpectedBlock whole[] = { { cases[i].start, cases[i].end - cases[i].start, FREE, 0 } };
        support_expect_blocks(heap, whole, 1);
        heap_destroy(heap);
    }
}

static void test_minimum_block_is_aligned_payload_plus_tags(void **state)
{
    static const struct { uint64_t alignment, min_payload, min_block; } cases[] = {
        { 8, 8, 24 }, { 8, 1, 24 }, { 4, 1, 20 }, { 4, 4, 20 }, { 4, 5, 24 },
        { 16, 8, 32 }, { 64, 8, 64 }, { 8, 100, 120 }, { 32, 17, 64 },
    };
    (void)state;
    for (size_t i = 0; i < SUPPORT_COUNT(cases); i++) {
        Heap *heap = support_new_heap(1024, cases[i].alignment, cases[i].min_payload,
                                      HEAP_FIRST_FIT);
        assert_int_equal(heap_min_block(heap), cases[i].min_block);
        HeapBlock block;
        uint64_t payload = support_malloc(heap, 0);
        assert_true(heap_block_at(heap, payload, &block));
        assert_int_equal(block.size, cases[i].min_block);
        heap_destroy(heap);
    }
}

static void test_request_size_rounds_up_with_tags(void **state)
{
    static const struct { uint64_t alignment, n, asize; } cases[] = {
        { 8, 0, 24 }, { 8, 1, 24 }, { 8, 8, 24 }, { 8, 9, 32 }, { 8, 16, 32 },
        { 8, 17, 40 }, { 8, 100, 120 }, { 8, 1000, 1016 },
        { 64, 0, 64 }, { 64, 48, 64 }, { 64, 49, 128 }, { 4, 5, 24 }, { 4, 6, 24 }, { 4, 9, 28 },
    };
    (void)state;
    for (size_t i = 0; i < SUPPORT_COUNT(cases); i++) {
        Heap *heap = support_new_heap(2048, cases[i].alignment, 8, HEAP_FIRST_FIT);
        uint64_t asize = 0;
        assert_true(heap_request_size(heap, cases[i].n, &asize));
        assert_int_equal(asize, cases[i].asize);
        HeapBlock block;
        assert_true(heap_block_at(heap, support_malloc(heap, cases[i].n), &block));
        assert_int_equal(block.size, cases[i].asize);
        assert_int_equal(block.requested, cases[i].n);
        heap_destroy(heap);
    }
}

static void test_request_size_overflow_fails_cleanly(void **state)
{
    static const struct { uint64_t alignment, n; bool fits; uint64_t asize; } cases[] = {
        { 8, UINT64_MAX - 23, true, UINT64_MAX - 7 },
        { 8, UINT64_MAX - 22, false, 0 },
        { 8, UINT64_MAX - 16, false, 0 },
        { 8, UINT64_MAX - 15, false, 0 },
        { 8, UINT64_MAX, false, 0 },
        { 64, UINT64_MAX - 79, true, UINT64_MAX - 63 },
        { 64, UINT64_MAX - 78, false, 0 },
        { 4, UINT64_MAX - 19, true, UINT64_MAX - 3 },
        { 4, UINT64_MAX - 18, false, 0 },
    };
    size_t wrong = 0;
    (void)state;
    for (size_t i = 0; i < SUPPORT_COUNT(cases); i++) {
        Heap *heap = support_new_heap(1024, cases[i].alignment, 8, HEAP_FIRST_FIT);
        uint64_t asize = 0;
        bool fits = heap_request_size(heap, cases[i].n, &asize);
        if (fits != cases[i].fits || (fits && asize != cases[i].asize)) {
            print_error("A %llu, n = UINT64_MAX - %llu: got %s, want %s %llu\n",
                        (unsigned long long)cases[i].alignment,
                        (unsigned long long)(UINT64_MAX - cases[i].n), fits ? "true" : "false",
                        cases[i].fits ? "true" : "false", (unsigned long long)cases[i].asize);
            wrong++;
        }
        heap_destroy(heap);
    }
    assert_int_equal(wrong, 0);
}

static void test_create_in_uses_caller_memory(void **state)
{
    HeapConfig config = { 256, 8, 8, HEAP_FIRST_FIT, false, false };
    uint8_t memory[256];
    Heap *heap = NULL;
    (void)state;
    memset(memory, 0xAB, sizeof memory);
    assert_int_equal(heap_create_in(&config, memory, &heap), HEAP_OK);
    assert_ptr_equal(heap_arena(heap), memory);
    assert_int_equal(support_arena_word(heap, 0), 256);     /* one free block [0,256) */
    assert_int_equal(support_arena_word(heap, 248), 256);
    assert_int_equal(support_malloc(heap, 8), 8);
    assert_int_equal(memory[0], 24 | 1);
    assert_int_equal(memory[16], 24 | 1);
    heap_destroy(heap);
}

/* --- rule 2: tags ---------------------------------------------------------------- */

static void test_tags_are_little_endian_words_with_allocated_bit(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 10);                       /* [0, 32) used, [32, 1024) free */
    const uint8_t *arena = heap_arena(heap);
    static const uint8_t used_tag[8] = { 33, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t free_tag[8] = { 0xE0, 0x03, 0, 0, 0, 0, 0, 0 };   /* 992 */
    assert_memory_equal(arena + 0, used_tag, 8);
    assert_memory_equal(arena + 24, used_tag, 8);
    assert_memory_equal(arena + 32, free_tag, 8);
    assert_memory_equal(arena + 1016, free_tag, 8);
    heap_destroy(heap);
}

static void test_tags_sit_at_b0_for_wide_alignment(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 16, 8, HEAP_FIRST_FIT);   /* region [8, 1016) */
    assert_int_equal(support_malloc(heap, 10), 16);                /* [8, 40) */
    assert_int_equal(support_arena_word(heap, 8), 32 | 1);
    assert_int_equal(support_arena_word(heap, 32), 32 | 1);
    assert_int_equal(support_arena_word(heap, 40), 976);
    assert_int_equal(support_arena_word(heap, 1008), 976);
    heap_destroy(heap);
}

static void test_dead_tag_has_bit_one_and_allocated_bit_clear(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(256, 8, 8, HEAP_BUMP);
    support_free(heap, support_malloc(heap, 8));    /* [0, 24) dead */
    assert_int_equal(support_arena_word(heap, 0), 24 | 2);
    assert_int_equal(support_arena_word(heap, 16), 24 | 2);
    assert_int_equal(support_arena_word(heap, 24), 232);
    heap_destroy(heap);
}

/* --- the Lisp seed's alignment table, redone ------------------------------------ */

static const uint64_t seed_sizes[] = { 1, 7, 8, 9, 15, 16, 17, 23, 24, 25 };

static void expect_seed_table(HeapPolicy policy, uint64_t alignment, const uint64_t *payloads,
                              const uint64_t *block_sizes)
{
    Heap *heap = support_new_heap(1024, alignment, 8, policy);
    for (size_t i = 0; i < SUPPORT_COUNT(seed_sizes); i++) {
        uint64_t payload = support_malloc(heap, seed_sizes[i]);
        HeapBlock block;
        assert_int_equal(payload, payloads[i]);
        assert_int_equal(payload % alignment, 0);
        assert_true(heap_block_at(heap, payload, &block));
        assert_int_equal(block.size, block_sizes[i]);
    }
    heap_destroy(heap);
}

static void test_seed_alignment_table_with_8_byte_alignment(void **state)
{
    static const uint64_t payloads[] = { 8, 32, 56, 80, 112, 144, 176, 216, 256, 296 };
    static const uint64_t sizes[] = { 24, 24, 24, 32, 32, 32, 40, 40, 40, 48 };
    (void)state;
    expect_seed_table(HEAP_BUMP, 8, payloads, sizes);
    expect_seed_table(HEAP_FIRST_FIT, 8, payloads, sizes);
}

static void test_seed_alignment_table_with_16_byte_alignment(void **state)
{
    static const uint64_t payloads[] = { 16, 48, 80, 112, 144, 176, 208, 256, 304, 352 };
    static const uint64_t sizes[] = { 32, 32, 32, 32, 32, 32, 48, 48, 48, 48 };
    (void)state;
    expect_seed_table(HEAP_BUMP, 16, payloads, sizes);
    expect_seed_table(HEAP_NEXT_FIT, 16, payloads, sizes);
}

/* --- rule 5: placement -------------------------------------------------------------
 * Holes layout: mallocs of 40, 8, 24, 8, 56, 8, 24, 8 (payloads 8, 64, 88, 128,
 * 152, 224, 248, 288), then the 1st, 3rd, 5th and 7th are freed:
 *   [0,56) free 56 | [56,80) | [80,120) free 40 | [120,144) | [144,216) free 72 |
 *   [216,240) | [240,280) free 40 | [280,304) | [304,1024) free 720
 * With the filler (a 9th malloc of 704) the top [304,1024) is used as well. */

static Heap *holes_layout(HeapPolicy policy, bool with_filler)
{
    static const uint64_t requests[] = { 40, 8, 24, 8, 56, 8, 24, 8, 704 };
    uint64_t payloads[SUPPORT_COUNT(requests)];
    Heap *heap = support_new_heap(1024, 8, 8, policy);
    support_malloc_all(heap, requests, with_filler ? 9 : 8, payloads);
    for (size_t i = 0; i < 8; i += 2) {
        support_free(heap, payloads[i]);
    }
    return heap;
}

static void test_first_fit_takes_lowest_block_that_fits(void **state)
{
    (void)state;
    Heap *heap = holes_layout(HEAP_FIRST_FIT, false);
    assert_int_equal(support_malloc(heap, 24), 8);     /* asize 40 -> [0,56) */
    assert_int_equal(support_malloc(heap, 48), 152);   /* asize 64: 40 too small -> [144,216) */
    const ExpectedBlock expected[] = {
        { 0, 56, USED, 24 }, { 56, 24, USED, 8 }, { 80, 40, FREE, 0 }, { 120, 24, USED, 8 },
        { 144, 72, USED, 48 }, { 216, 24, USED, 8 }, { 240, 40, FREE, 0 }, { 280, 24, USED, 8 },
        { 304, 720, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_best_fit_takes_smallest_ties_to_lowest(void **state)
{
    (void)state;
    Heap *heap = holes_layout(HEAP_BEST_FIT, false);
    assert_int_equal(support_malloc(heap, 24), 88);    /* 40 at 80 and 240: lowest */
    assert_int_equal(support_malloc(heap, 24), 248);   /* the other 40 */
    assert_int_equal(support_malloc(heap, 40), 8);     /* asize 56: the 56 beats 72, 720 */
    assert_int_equal(support_malloc(heap, 8), 152);    /* asize 24: the 72 beats 720 */
    const ExpectedBlock expected[] = {
        { 0, 56, USED, 40 }, { 56, 24, USED, 8 }, { 80, 40, USED, 24 }, { 120, 24, USED, 8 },
        { 144, 24, USED, 8 }, { 168, 48, FREE, 0 }, { 216, 24, USED, 8 }, { 240, 40, USED, 24 },
        { 280, 24, USED, 8 }, { 304, 720, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_worst_fit_takes_largest(void **state)
{
    (void)state;
    Heap *heap = holes_layout(HEAP_WORST_FIT, false);
    assert_int_equal(support_malloc(heap, 24), 312);   /* the 720 at 304 */
    Heap *full = holes_layout(HEAP_WORST_FIT, true);
    assert_int_equal(support_malloc(full, 24), 152);   /* the 72 at 144, split 40 + 32 */
    const ExpectedBlock expected[] = {
        { 0, 56, FREE, 0 }, { 56, 24, USED, 8 }, { 80, 40, FREE, 0 }, { 120, 24, USED, 8 },
        { 144, 40, USED, 24 }, { 184, 32, FREE, 0 }, { 216, 24, USED, 8 }, { 240, 40, FREE, 0 }, { 280, 24, USED, 8 },
        { 304, 720, USED, 704 },
    };
    support_expect_blocks(full, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
    heap_destroy(full);
}

/* Two free 72-byte blocks, at 0 and 96, freed in either order: the one
 * freed last must not win the tie just by arriving (worst fit keeps its
 * choice out of the index, and the later block must displace it). */
static void worst_fit_ties_to_lowest(bool lower_freed_first)
{
    static const uint64_t requests[] = { 56, 8, 56, 8, 816 };   /* [0,72) [72,96) [96,168) [168,192) [192,1024) */
    uint64_t payloads[5];
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_WORST_FIT);
    support_malloc_all(heap, requests, 5, payloads);
    support_free(heap, payloads[lower_freed_first ? 0 : 2]);
    support_free(heap, payloads[lower_freed_first ? 2 : 0]);
    assert_int_equal(support_malloc(heap, 8), 8);      /* two 72s: lowest, split 24 + 48 */
    assert_int_equal(support_malloc(heap, 8), 104);    /* now 72 beats 48 */
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 48, FREE, 0 }, { 72, 24, USED, 8 }, { 96, 24, USED, 8 },
        { 120, 48, FREE, 0 }, { 168, 24, USED, 8 }, { 192, 832, USED, 816 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_worst_fit_ties_to_lowest(void **state)
{
    (void)state;
    worst_fit_ties_to_lowest(true);
}

static void test_worst_fit_ties_to_lowest_freed_last(void **state)
{
    (void)state;
    worst_fit_ties_to_lowest(false);
}

static void test_next_fit_rover_follows_each_placement(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 16, 8, HEAP_NEXT_FIT);   /* b0 8, minimum 32 */
    assert_int_equal(heap_rover(heap), 8);
    assert_int_equal(support_malloc(heap, 8), 16);               /* [8, 40) */
    assert_int_equal(heap_rover(heap), 40);
    assert_int_equal(support_malloc(heap, 100), 48);             /* asize 128: [40, 168) */
    assert_int_equal(heap_rover(heap), 168);
    heap_destroy(heap);
}

static void test_next_fit_rover_returns_to_b0_at_region_end(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_NEXT_FIT);
    assert_int_equal(support_malloc(heap, 1000), 8);   /* asize 1016, 8 left over: whole 1024 */
    assert_int_equal(heap_rover(heap), 0);
    heap_destroy(heap);
}

/* The full holes layout leaves the rover at b0 (the filler ends the region);
 * free [0,56) and [144,216), place a 72 at 144 (rover 216), free [240,280). */
static Heap *next_fit_rover_at_216(void)
{
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_NEXT_FIT);
    static const uint64_t requests[] = { 40, 8, 24, 8, 56, 8, 24, 8, 704 };
    uint64_t payloads[9];
    support_malloc_all(heap, requests, 9, payloads);
    assert_int_equal(heap_rover(heap), 0);
    support_free(heap, 8);
    support_free(heap, 152);
    assert_int_equal(support_malloc(heap, 56), 152);   /* [0,56) is too small for 72 */
    assert_int_equal(heap_rover(heap), 216);
    support_free(heap, 248);
    return heap;
}

static void test_next_fit_searches_up_from_the_rover(void **state)
{
    (void)state;
    Heap *heap = next_fit_rover_at_216();
    assert_int_equal(support_malloc(heap, 24), 248);   /* first fit would take 8 */
    assert_int_equal(heap_rover(heap), 280);
    heap_destroy(heap);
}

static void test_next_fit_wraps_to_the_bottom(void **state)
{
    (void)state;
    Heap *heap = next_fit_rover_at_216();
    assert_int_equal(support_malloc(heap, 40), 8);     /* asize 56: nothing above 216 */
    assert_int_equal(heap_rover(heap), 56);
    heap_destroy(heap);
}

static void test_next_fit_starts_at_block_containing_rover(void **state)
{
    static const uint64_t requests[] = { 8, 8, 8, 8, 8, 888 };   /* ..., [96,120), [120,1024) */
    uint64_t payloads[6];
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_NEXT_FIT);
    support_malloc_all(heap, requests, 6, payloads);
    support_free(heap, 104);                          /* [96,120) free */
    support_free(heap, 32);
    support_free(heap, 56);                           /* [24,72) free */
    assert_int_equal(support_malloc(heap, 8), 32);    /* [24,48) used, [48,72) free */
    assert_int_equal(heap_rover(heap), 48);
    support_free(heap, 32);                           /* [24,72) free again, rover inside */
    assert_int_equal(heap_rover(heap), 48);
    assert_int_equal(support_malloc(heap, 8), 32);    /* not [96,120) above the rover */
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 24, USED, 8 }, { 48, 24, FREE, 0 }, { 72, 24, USED, 8 },
        { 96, 24, FREE, 0 }, { 120, 904, USED, 888 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_next_fit_rover_moves_only_on_search_placement(void **state)
{
    uint64_t payload = 0;
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_NEXT_FIT);
    support_malloc(heap, 8);                           /* [0,24) */
    support_malloc(heap, 8);                           /* [24,48), rover 48 */
    assert_int_equal(support_realloc(heap, 32, 100), 32);   /* grows to [24,144) */
    assert_int_equal(heap_rover(heap), 48);
    assert_int_equal(support_realloc(heap, 32, 8), 32);     /* shrinks back */
    assert_int_equal(heap_rover(heap), 48);
    support_free(heap, 8);
    assert_int_equal(heap_rover(heap), 48);
    assert_int_equal(heap_malloc(heap, 5000, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(heap_rover(heap), 48);
    heap_destroy(heap);
}

static void test_rover_follows_placements_in_every_search_policy(void **state)
{
    static const HeapPolicy policies[] = { HEAP_FIRST_FIT, HEAP_BEST_FIT, HEAP_WORST_FIT };
    (void)state;
    for (size_t i = 0; i < SUPPORT_COUNT(policies); i++) {
        Heap *heap = support_new_heap(1024, 8, 8, policies[i]);
        support_malloc(heap, 8);                       /* [0,24) */
        assert_int_equal(heap_rover(heap), 24);
        support_malloc(heap, 100);                     /* [24,144) */
        assert_int_equal(heap_rover(heap), 144);
        support_malloc(heap, 864);                     /* asize 880: [144,1024), the end */
        assert_int_equal(heap_rover(heap), 0);
        heap_destroy(heap);
    }
}

static void test_no_fit_returns_zero_and_counts_failed(void **state)
{
    uint64_t payload = 99;
    (void)state;
    Heap *heap = holes_layout(HEAP_FIRST_FIT, true);
    assert_int_equal(heap_malloc(heap, 57, &payload), HEAP_ERROR_OUT_OF_MEMORY);   /* asize 80 */
    assert_int_equal(payload, 0);
    assert_int_equal(heap_stats(heap)->failed, 1);
    assert_int_equal(heap_stats(heap)->failed_fragmented, 1);   /* 208 free bytes >= 80 */
    heap_destroy(heap);
}

/* --- rule 6: split ------------------------------------------------------------------ */

static void test_split_when_remainder_is_exactly_minimum_block(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 32);                          /* [0,48) */
    support_malloc(heap, 8);                           /* [48,72) */
    support_free(heap, 8);
    assert_int_equal(support_malloc(heap, 8), 8);      /* 48 - 24 = 24: split */
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 24, FREE, 0 }, { 48, 24, USED, 8 }, { 72, 952, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_no_split_when_remainder_below_minimum_block(void **state)
{
    (void)state;
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc(heap, 24);                          /* [0,40) */
    support_malloc(heap, 8);                           /* [40,64) */
    support_free(heap, 8);
    assert_int_equal(support_malloc(heap, 8), 8);      /* 40 - 24 = 16: whole block */
    const ExpectedBlock expected[] = {
        { 0, 40, USED, 8 }, { 40, 24, USED, 8 }, { 64, 960, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

/* --- rule 7: free and the four coalescing cases ------------------------------------ */

/* Five 24-byte blocks a..e at payloads 8, 32, 56, 80, 104; [120,1024) free. */
static Heap *five_blocks(void)
{
    static const uint64_t requests[] = { 8, 8, 8, 8, 8 };
    uint64_t payloads[5];
    Heap *heap = support_new_heap(1024, 8, 8, HEAP_FIRST_FIT);
    support_malloc_all(heap, requests, 5, payloads);
    return heap;
}

static void expect_coalesced(const Heap *heap, bool previous, bool next)
{
    const HeapEvent *event = heap_last_event(heap);
    assert_int_equal(event->kind, HEAP_EVENT_FREE);
    assert_int_equal(event->coalesced_previous, previous);
    assert_int_equal(event->coalesced_next, next);
}

static void test_free_between_used_blocks_does_not_coalesce(void **state)
{
    (void)state;
    Heap *heap = five_blocks();
    support_free(heap, 32);
    expect_coalesced(heap, false, false);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 24, FREE, 0 }, { 48, 24, USED, 8 }, { 72, 24, USED, 8 },
        { 96, 24, USED, 8 }, { 120, 904, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_free_coalesces_with_previous(void **state)
{
    (void)state;
    Heap *heap = five_blocks();
    support_free(heap, 32);
    support_free(heap, 56);
    expect_coalesced(heap, true, false);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 48, FREE, 0 }, { 72, 24, USED, 8 },
        { 96, 24, USED, 8 }, { 120, 904, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_free_coalesces_with_next(void **state)
{
    (void)state;
    Heap *heap = five_blocks();
    support_free(heap, 56);
    support_free(heap, 32);
    expect_coalesced(heap, false, true);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 48, FREE, 0 }, { 72, 24, USED, 8 },
        { 96, 24, USED, 8 }, { 120, 904, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    heap_destroy(heap);
}

static void test_free_coalesces_with_both(void **state)
{
    (void)state;
    Heap *heap = five_blocks();
    support_free(heap, 32);
    support_free(heap, 80);
    support_free(heap, 56);
    expect_coalesced(heap, true, true);
    const ExpectedBlock expected[] = {
        { 0, 24, USED, 8 }, { 24, 72, FREE, 0 }, { 96, 24, USED, 8 }, { 120, 904, FREE, 0 },
    };
    support_expect_blocks(heap, expected, SUPPORT_COUNT(expected));
    support_free(heap, 104);                           /* and with the top free block */
    const ExpectedBlock top[] = { { 0, 24, USED, 8 }, { 24, 1000, FREE, 0 } };
    support_expect_blocks(heap, top, SUPPORT_COUNT(top));
    heap_destroy(heap);
}

/* A run of frees that each leave a block of their own: a free files what
 * its policy's index needs (best fit's tree grows from empty to 1,000
 * entries during the frees alone). 64 KiB heap: 2,000 blocks of 24 bytes at
 * 24k, the top [48000, 65536); every other block freed leaves 1,000 free
 * blocks of 24 at 48k; then two mallocs of 8. */
static void test_frees_in_a_row_file_their_blocks(void **state)
{
    (void)state;
    for (int policy = HEAP_FIRST_FIT; policy <= HEAP_WORST_FIT; policy++) {
        Heap *heap = support_new_heap(65536, 8, 8, (HeapPolicy)policy);
        for (uint64_t k = 0; k < 2000; k++)
            assert_int_equal(support_malloc(heap, 8), 24 * k + 8);
        for (uint64_t k = 0; k < 2000; k += 2)
            support_free(heap, 24 * k + 8);
        support_expect_consistent(heap);
        assert_int_equal(heap_stats(heap)->free_blocks, 1001);
        assert_int_equal(heap_stats(heap)->free_bytes, 24000 + 17536);
        /* Next fit's rover sits at the top (48000), and worst fit takes the
         * top, the largest: both place there; first and best fit at 0. */
        bool in_top = policy == HEAP_NEXT_FIT || policy == HEAP_WORST_FIT;
        assert_int_equal(support_malloc(heap, 8), in_top ? 48008 : 8);
        assert_int_equal(support_malloc(heap, 8), in_top ? 48032 : 56);
        support_expect_consistent(heap);
        heap_destroy(heap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b0_makes_every_payload_aligned),
        cmocka_unit_test(test_region_end_is_whole_alignment_units),
        cmocka_unit_test(test_minimum_block_is_aligned_payload_plus_tags),
        cmocka_unit_test(test_request_size_rounds_up_with_tags),
        cmocka_unit_test(test_request_size_overflow_fails_cleanly),
        cmocka_unit_test(test_create_in_uses_caller_memory),
        cmocka_unit_test(test_tags_are_little_endian_words_with_allocated_bit),
        cmocka_unit_test(test_tags_sit_at_b0_for_wide_alignment),
        cmocka_unit_test(test_dead_tag_has_bit_one_and_allocated_bit_clear),
        cmocka_unit_test(test_seed_alignment_table_with_8_byte_alignment),
        cmocka_unit_test(test_seed_alignment_table_with_16_byte_alignment),
        cmocka_unit_test(test_first_fit_takes_lowest_block_that_fits),
        cmocka_unit_test(test_best_fit_takes_smallest_ties_to_lowest),
        cmocka_unit_test(test_worst_fit_takes_largest),
        cmocka_unit_test(test_worst_fit_ties_to_lowest),
        cmocka_unit_test(test_worst_fit_ties_to_lowest_freed_last),
        cmocka_unit_test(test_next_fit_rover_follows_each_placement),
        cmocka_unit_test(test_next_fit_rover_returns_to_b0_at_region_end),
        cmocka_unit_test(test_next_fit_searches_up_from_the_rover),
        cmocka_unit_test(test_next_fit_wraps_to_the_bottom),
        cmocka_unit_test(test_next_fit_starts_at_block_containing_rover),
        cmocka_unit_test(test_next_fit_rover_moves_only_on_search_placement),
        cmocka_unit_test(test_rover_follows_placements_in_every_search_policy),
        cmocka_unit_test(test_no_fit_returns_zero_and_counts_failed),
        cmocka_unit_test(test_split_when_remainder_is_exactly_minimum_block),
        cmocka_unit_test(test_no_split_when_remainder_below_minimum_block),
        cmocka_unit_test(test_free_between_used_blocks_does_not_coalesce),
        cmocka_unit_test(test_free_coalesces_with_previous),
        cmocka_unit_test(test_free_coalesces_with_next),
        cmocka_unit_test(test_free_coalesces_with_both),
        cmocka_unit_test(test_frees_in_a_row_file_their_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
