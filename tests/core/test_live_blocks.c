/*
 * test_live_blocks.c - the used blocks' marks (alloc/tags/live_blocks.h),
 * with every bucket, place and mark worked out by hand.
 *
 * A bucket is the largest power of two no bigger than the minimum block
 * and at most four alignment units: A = 8 with blocks of at least 24 gives
 * 16-byte buckets of two places; A = 4 with at least 20, 16 bytes of four
 * places; A = 4 with at least 116, still 16 (the four-place cap); A = 64
 * with at least 128, 256 would be four places, 128 is the minimum: two.
 * A mark is (1 + slack) << 2 | place, slack = size - 16 - requested; a
 * slack over 61 is mark 63 << 2 | place, its bytes in the overflow map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "live_blocks.h"

#include <string.h>

static LiveBlocks made(uint64_t base, uint64_t region, uint64_t alignment, uint64_t min_block)
{
    LiveBlocks live;
    assert_true(live_blocks_init(&live, base, region, alignment, min_block));
    return live;
}

static void buckets_follow_the_minimum_block(void **state)
{
    (void)state;
    struct { uint64_t alignment, min_block; unsigned bucket_shift; } cases[] = {
        {8, 24, 4}, {4, 20, 4}, {4, 116, 4}, {64, 128, 7}, {16, 32, 5}, {32, 32, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        LiveBlocks live = made(0, 4096, cases[i].alignment, cases[i].min_block);
        assert_int_equal(live.bucket_shift, cases[i].bucket_shift);
        /* 4096 / bucket + 1 marks, rounded up to 8 */
        uint64_t marks = (4096 >> cases[i].bucket_shift) + 1;
        assert_int_equal(live.mark_bytes, (marks + 7) / 8 * 8);
        live_blocks_release(&live);
    }
}

/* A = 8, blocks of at least 24 from base 0: 16-byte buckets. */
static void marks_say_place_and_slack(void **state)
{
    (void)state;
    LiveBlocks live = made(0, 1024, 8, 24);
    assert_true(live_blocks_reserve(&live, 2));
    live_blocks_add(&live, 24, 24, 8);    /* bucket 1, place 1, slack 0: mark 1 << 2 | 1 */
    live_blocks_add(&live, 48, 40, 20);   /* bucket 3, place 0, slack 4: mark 5 << 2 */
    live_blocks_add(&live, 88, 96, 19);   /* bucket 5, place 1, slack 61: mark 62 << 2 | 1 */
    assert_int_equal(live.marks[1], 5);
    assert_int_equal(live.marks[3], 20);
    assert_int_equal(live.marks[5], 249);
    assert_int_equal(live.count, 3);
    assert_int_equal(live.overflow.count, 0);
    assert_int_equal(live_blocks_requested(&live, 24, 24), 8);
    assert_int_equal(live_blocks_requested(&live, 48, 40), 20);
    assert_int_equal(live_blocks_requested(&live, 88, 96), 19);
    assert_true(live_blocks_has(&live, 24));
    assert_false(live_blocks_has(&live, 16));   /* bucket 1, place 0 */
    assert_false(live_blocks_has(&live, 28));   /* not A-aligned */
    assert_false(live_blocks_has(&live, 56));   /* bucket 3, place 1 */
    assert_false(live_blocks_has(&live, 32));   /* bucket 2: no mark */
    assert_false(live_blocks_has(&live, 1024)); /* past the region */
    assert_false(live_blocks_has(&live, UINT64_MAX - 7));
    live_blocks_remove(&live, 48);
    assert_int_equal(live.marks[3], 0);
    assert_false(live_blocks_has(&live, 48));
    assert_int_equal(live.count, 2);
    live_blocks_release(&live);
}

/* Slack 62 is one too many for a mark: the bytes go to the overflow map,
 * keyed by the payload (offset + 8), and leave it with the block. */
static void big_slack_overflows(void **state)
{
    (void)state;
    LiveBlocks live = made(0, 1024, 8, 24);
    assert_true(live_blocks_reserve(&live, 2));
    live_blocks_add(&live, 96, 96, 18);   /* slack 62: bucket 6, place 0 */
    live_blocks_add(&live, 200, 512, 0);  /* slack 496: bucket 12, place 1 */
    assert_int_equal(live.marks[6], 63 << 2);
    assert_int_equal(live.marks[12], 63 << 2 | 1);
    assert_int_equal(live.overflow.count, 2);
    assert_int_equal(*block_map_find(&live.overflow, 104), 18);
    assert_int_equal(*block_map_find(&live.overflow, 208), 0);
    assert_int_equal(live_blocks_requested(&live, 96, 96), 18);
    assert_int_equal(live_blocks_requested(&live, 200, 512), 0);
    uint64_t overflowing = 0;
    assert_int_equal(live_blocks_count_marks(&live, 1024, &overflowing), 2);
    assert_int_equal(overflowing, 2);
    live_blocks_remove(&live, 96);
    assert_int_equal(live.overflow.count, 1);
    assert_null(block_map_find(&live.overflow, 104));
    assert_int_equal(live_blocks_requested(&live, 200, 512), 0);
    live_blocks_release(&live);
}

/* A = 4 from base 4 (a region that starts past a first tag), blocks of at
 * least 20: 16-byte buckets of four places. Blocks at 4, 24, 44 and 64 are
 * places 0, 1, 2 and 3 of buckets 0, 1, 2 and 3 (64 - 4 = 60: bucket 3,
 * place 15 & 3 = 3). */
static void four_places_a_bucket(void **state)
{
    (void)state;
    LiveBlocks live = made(4, 1020, 4, 20);
    assert_true(live_blocks_reserve(&live, 4));
    for (uint64_t k = 0; k < 4; k++)
        live_blocks_add(&live, 4 + 20 * k, 20, 4);
    for (uint64_t k = 0; k < 4; k++) {
        assert_int_equal(live.marks[k], 1u << 2 | k);
        assert_true(live_blocks_has(&live, 4 + 20 * k));
    }
    assert_false(live_blocks_has(&live, 0));    /* below the region */
    assert_false(live_blocks_has(&live, 8));    /* bucket 0, place 1 */
    assert_int_equal(live_blocks_requested(&live, 64, 20), 4);
    live_blocks_release(&live);
}

/* The marks used below an end: the bucket of end - 1 and the one after,
 * rounded up to 8 bytes. A copy takes the source's and clears the target's
 * own beyond them. */
static void copies_cost_what_is_used(void **state)
{
    (void)state;
    LiveBlocks source = made(0, 4096, 8, 24), target = made(0, 4096, 8, 24);
    assert_int_equal(live_blocks_marks_used(&source, 0), 0);
    assert_int_equal(live_blocks_marks_used(&source, 100), 8);   /* buckets 0..6, and 7 */
    assert_int_equal(live_blocks_marks_used(&source, 300), 24);  /* 300 >> 4 = 18, + 1: 19 -> 24 */
    assert_int_equal(live_blocks_marks_used(&source, 4096), source.mark_bytes);
    assert_true(live_blocks_reserve(&source, 1) && live_blocks_reserve(&target, 2));
    live_blocks_add(&source, 24, 24, 1);
    live_blocks_add(&target, 240, 24, 2);
    live_blocks_add(&target, 480, 128, 1); /* overflows */
    assert_true(live_blocks_copy(&target, &source, 48, 608));
    assert_int_equal(memcmp(target.marks, source.marks, target.mark_bytes), 0);
    assert_int_equal(target.count, 1);
    assert_int_equal(target.overflow.count, 0);
    assert_int_equal(live_blocks_requested(&target, 24, 24), 1);
    live_blocks_release(&source);
    live_blocks_release(&target);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buckets_follow_the_minimum_block),
        cmocka_unit_test(marks_say_place_and_slack),
        cmocka_unit_test(big_slack_overflows),
        cmocka_unit_test(four_places_a_bucket),
        cmocka_unit_test(copies_cost_what_is_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
