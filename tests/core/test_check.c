/*
 * test_check.c - heap_check fires for every kind of broken invariant.
 *
 * Each test builds a small, consistent heap (checked), breaks exactly one
 * thing by hand through the heap's internals, and expects that kind's flag.
 * The offsets are computed here: at A = 8 the first block starts at 0, and a
 * malloc of 8 bytes takes a 24-byte block (8 + 16 of tags, the minimum), so
 * three such mallocs sit at 0, 24 and 48 with the free top block at 72.
 * This is the one test that looks inside the tags design (heap_internal.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core_support.h"
#include "heap_internal.h"

enum { HEAP_BYTES = 512 };

/* Three 24-byte used blocks at 0, 24, 48; the free top at 72. */
static Heap *three_blocks(HeapPolicy policy)
{
    Heap *heap = support_new_heap(HEAP_BYTES, 8, 8, policy);
    assert_int_equal(support_malloc(heap, 8), 8);
    assert_int_equal(support_malloc(heap, 8), 32);
    assert_int_equal(support_malloc(heap, 8), 56);
    assert_int_equal(heap_check(heap).broken, 0);
    return heap;
}

static void expect_flag(Heap *heap, HeapCheckFlag flag, uint64_t first_offset)
{
    HeapCheck check = heap_check(heap);
    assert_true(check.broken & flag);
    assert_true(check.problems >= 1);
    assert_int_equal(check.first_offset, first_offset);
    heap_destroy(heap);
}

static void tiling(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_FIRST_FIT);
    /* the last block's tags both say 16 bytes: nothing starts at 64 */
    tag_write(heap, 48, 16 | HEAP_TAG_ALLOCATED);
    tag_write(heap, 56, 16 | HEAP_TAG_ALLOCATED);
    HeapCheck check = heap_check(heap);
    assert_true(check.broken & HEAP_CHECK_TILING);
    heap_destroy(heap);
}

static void tags(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_FIRST_FIT);
    tag_write(heap, 24 + 24 - 8, 32 | HEAP_TAG_ALLOCATED); /* block 24's footer */
    expect_flag(heap, HEAP_CHECK_TAGS, 24);
}

static void coalesce(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_FIRST_FIT);
    support_free(heap, 8);
    /* block 24 says free, next to the free block at 0 */
    tag_write(heap, 24, 24);
    tag_write(heap, 40, 24);
    HeapCheck check = heap_check(heap);
    assert_true(check.broken & HEAP_CHECK_COALESCE);
    heap_destroy(heap);
}

static void index_disagrees(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_FIRST_FIT);
    support_free(heap, 32); /* a free block at 24, in the index */
    index_clear(heap, heap->region_end);
    expect_flag(heap, HEAP_CHECK_INDEX, 24);
}

/* A consistent heap keeps the free block at `offset` out of its index. */
static void expect_kept_out(const Heap *heap, uint64_t offset)
{
    assert_int_equal(heap->kept, offset);
    assert_int_equal(heap_check(heap).broken, 0);
}

/* Worst fit keeps the block it would choose out of the index: freeing the
 * first block leaves it the only free block but the top, so it is kept
 * out; a wrong size for it breaks the index. */
static void worst_fits_largest_has_wrong_size(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_WORST_FIT);
    support_free(heap, 8); /* [0, 24) free */
    expect_kept_out(heap, 0);
    assert_int_equal(heap->kept_size, 24);
    heap->kept_size = 32;
    expect_flag(heap, HEAP_CHECK_INDEX, 0);
}

/* Two free 24-byte blocks, at 0 and 48 (four used blocks at 0, 24, 48, 72,
 * the top at 96): the one kept out must be the lower. Swapping the two, so
 * the one at 48 is kept out and the one at 0 indexed, breaks the index. */
static void worst_fits_largest_is_not_first(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_WORST_FIT);
    assert_int_equal(support_malloc(heap, 8), 80);
    support_free(heap, 8);
    support_free(heap, 56);
    expect_kept_out(heap, 0);
    assert_true(address_index_contains(&heap->by_address, 48));
    address_index_remove(&heap->by_address, 48, 24);
    address_index_insert(&heap->by_address, 0, 24);
    heap->kept = 48;
    expect_flag(heap, HEAP_CHECK_INDEX, 0);
}

/* Next fit keeps the free block its rover lies in out of the index: a
 * 424-byte request fills the 440-byte top at 72 (the heap ends at 512), so
 * the rover wraps to 0, and freeing the block at 0 makes it the rover's.
 * Filing it in the index instead breaks the index. */
static void next_fits_rover_block_in_the_index(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_NEXT_FIT);
    assert_int_equal(support_malloc(heap, 424), 80);
    assert_int_equal(heap_rover(heap), 0);
    support_free(heap, 8);
    expect_kept_out(heap, 0);
    address_index_insert(&heap->by_address, 0, 24);
    heap->kept = heap->region_end;
    heap->kept_size = 0;
    expect_flag(heap, HEAP_CHECK_INDEX, 0);
}

/* The blocks at 0, 24 and 48 have marks in buckets 0, 1 and 3 of 16
 * bytes (two 8-byte places each: 24 is place 1 of bucket 1). */
static void live_map_disagrees(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_BEST_FIT);
    heap->live.marks[1] = 0;                              /* the block at 24 loses its mark */
    expect_flag(heap, HEAP_CHECK_LIVE_MAP, 24);
    heap = three_blocks(HEAP_FIRST_FIT);
    heap->live.marks[1] &= (uint8_t)~1u;                  /* its mark says place 0: offset 16 */
    expect_flag(heap, HEAP_CHECK_LIVE_MAP, 24);
    heap = three_blocks(HEAP_FIRST_FIT);
    heap->live.marks[72 / 16] = 1u << LIVE_PLACE_BITS | 1; /* the free top at 72 (place 1) is marked */
    expect_flag(heap, HEAP_CHECK_LIVE_MAP, 72);
    heap = three_blocks(HEAP_NEXT_FIT);
    heap->live.marks[7] = 1u << LIVE_PLACE_BITS;          /* 112, inside the free top */
    expect_flag(heap, HEAP_CHECK_LIVE_MAP, 0);
}

static void stats_disagree(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_WORST_FIT);
    heap->stats.used_blocks++;
    expect_flag(heap, HEAP_CHECK_STATS, 0);
}

static void bump_pointer_wrong(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_BUMP);
    heap->bump_pointer = 24;
    HeapCheck check = heap_check(heap);
    assert_true(check.broken & HEAP_CHECK_BUMP);
    heap_destroy(heap);
}

static void rover_outside(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_NEXT_FIT);
    heap->rover = heap->region_end + 8;
    HeapCheck check = heap_check(heap);
    assert_int_equal(check.broken, HEAP_CHECK_ROVER);
    heap_destroy(heap);
}

static void requested_too_big(void **state)
{
    (void)state;
    Heap *heap = three_blocks(HEAP_FIRST_FIT);
    heap->live.marks[3] = LIVE_OVERFLOW << LIVE_PLACE_BITS; /* the block at 48: see the map */
    block_map_insert(&heap->live.overflow, 56, 9);          /* a 24-byte block holds 8 bytes */
    heap->stats.payload_bytes += 1;
    expect_flag(heap, HEAP_CHECK_REQUESTED, 48);
}

/* An 8 MiB heap (its own mapping: it has page fates) filled to 3 MiB, the
 * high water: huge pages 0 and 1 are written, 2 and 3 are not. A page
 * written may have any fate; one above the high water, none but "never
 * given back"; and no page a fate outside PageFate. */
static void page_fates(void **state)
{
    (void)state;
    for (int broken = 0; broken < 3; broken++) {
        Heap *heap = support_new_heap(8u << 20, 8, 8, HEAP_NEXT_FIT);
        support_malloc(heap, (3u << 20) - 16);
        assert_int_equal(heap_stats(heap)->high_water, 3u << 20);
        heap->page_fates[1] = PAGE_KEPT;         /* allowed: page 1 holds written bytes */
        assert_int_equal(heap_check(heap).broken, 0);
        if (broken == 0) {
            heap->page_fates[2] = PAGE_GIVEN_BACK;   /* above the high water */
            expect_flag(heap, HEAP_CHECK_PAGE_FATES, 2u << 21);
        } else if (broken == 1) {
            heap->page_fates[0] = PAGE_KEPT + 1;     /* no fate */
            expect_flag(heap, HEAP_CHECK_PAGE_FATES, 0);
        } else {
            heap->page_fates[5] = PAGE_KEPT;         /* padding past the arena's 4 pages */
            expect_flag(heap, HEAP_CHECK_PAGE_FATES, 5u << 21);
        }
    }
}

/* Every flag has a name, so the app can say what broke. */
static void every_flag_is_named(void **state)
{
    (void)state;
    for (unsigned flag = HEAP_CHECK_TILING; flag <= HEAP_CHECK_PAGE_FATES; flag <<= 1)
        assert_string_not_equal(heap_check_flag_name((HeapCheckFlag)flag), "unknown check");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tiling),
        cmocka_unit_test(page_fates),
        cmocka_unit_test(tags),
        cmocka_unit_test(coalesce),
        cmocka_unit_test(index_disagrees),
        cmocka_unit_test(worst_fits_largest_has_wrong_size),
        cmocka_unit_test(worst_fits_largest_is_not_first),
        cmocka_unit_test(next_fits_rover_block_in_the_index),
        cmocka_unit_test(live_map_disagrees),
        cmocka_unit_test(stats_disagree),
        cmocka_unit_test(bump_pointer_wrong),
        cmocka_unit_test(rover_outside),
        cmocka_unit_test(requested_too_big),
        cmocka_unit_test(every_flag_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
