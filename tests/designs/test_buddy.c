/*
 * test_buddy.c - the `buddy` design: small traces with every block worked
 * out by hand on a 1 KiB region, then a differential test against the
 * array model of buddy_reference.c over many random traces (blocks, free
 * lists, statistics, examined and merges after every call).
 */
#include "buddy_reference.h"
#include "designs_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static Allocator *new_buddy(uint64_t heap_bytes)
{
    return designs_create("buddy", NULL, NULL, heap_bytes, 4096);
}

static void test_the_region_is_a_power_of_two(void **state)
{
    (void)state;
    Allocator *heap = new_buddy(1000);
    const DesignBlock blocks[] = { FREE(0, 512) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    assert_int_equal(allocator_region_end(heap), 512);
    assert_int_equal(allocator_stats(heap)->heap_bytes, 512);
    allocator_destroy(heap);
}

static void test_malloc_halves_down_keeping_the_lower_half(void **state)
{
    (void)state;
    Allocator *heap = new_buddy(1024);
    assert_int_equal(designs_malloc(heap, 1), 8);       /* order 5: lists 5..9 empty, 10 used */
    const HeapEvent *event = allocator_last_event(heap);
    assert_int_equal(event->examined, 6);
    assert_int_equal(event->block_size, 32);
    const DesignBlock blocks[] = { USED(0, 32, 1), FREE(32, 32), FREE(64, 64), FREE(128, 128),
                                   FREE(256, 256), FREE(512, 512) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    HeapBlock block;
    assert_true(allocator_block_at(heap, 300, &block));
    assert_int_equal(block.offset, 256);
    assert_true(allocator_block_at(heap, 31, &block));
    assert_int_equal(block.offset, 0);
    assert_int_equal(block.header_bytes, 8);
    assert_int_equal(block.footer_bytes, 0);
    assert_int_equal(designs_malloc(heap, 24), 40);     /* 24 + 8 = 32: the free 32 */
    assert_int_equal(allocator_last_event(heap)->examined, 1);
    assert_int_equal(designs_malloc(heap, 25), 72);     /* 33: order 6 */
    FreeListEntry entries[8];
    assert_int_equal(allocator_free_list(heap, entries, 8), 3);
    assert_int_equal(entries[0].offset, 128);
    assert_int_equal(entries[0].list, 7);
    assert_int_equal(entries[2].offset, 512);
    allocator_destroy(heap);
}

static void test_free_merges_with_buddies_again_and_again(void **state)
{
    (void)state;
    Allocator *heap = new_buddy(1024);
    uint64_t a = designs_malloc(heap, 1);               /* 0 */
    uint64_t b = designs_malloc(heap, 24);              /* 32 */
    uint64_t c = designs_malloc(heap, 25);              /* 64 */
    designs_free(heap, a);
    assert_int_equal(allocator_last_event(heap)->merges, 0);
    designs_free(heap, b);                              /* 32 + its buddy 0 */
    assert_int_equal(allocator_last_event(heap)->merges, 1);
    assert_true(allocator_last_event(heap)->coalesced_previous);
    const DesignBlock middle[] = { FREE(0, 64), USED(64, 64, 25), FREE(128, 128), FREE(256, 256),
                                   FREE(512, 512) };
    designs_expect_blocks(heap, middle, DESIGNS_COUNT(middle));
    designs_free(heap, c);                              /* 64 -> 128 -> 256 -> 512 -> 1024 */
    const HeapEvent *event = allocator_last_event(heap);
    assert_int_equal(event->merges, 4);
    assert_int_equal(event->merged_offset, 0);
    assert_int_equal(event->merged_size, 1024);
    const DesignBlock blocks[] = { FREE(0, 1024) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    allocator_destroy(heap);
}

static void test_realloc_stays_while_it_fits_then_moves(void **state)
{
    (void)state;
    Allocator *heap = new_buddy(1024);
    uint64_t p = designs_malloc(heap, 20);              /* 32 at 0 */
    assert_int_equal(designs_realloc(heap, p, 24), 8);  /* 24 + 8 = 32: stays */
    assert_int_equal(allocator_last_event(heap)->examined, 0);
    uint64_t capacity;
    memcpy(allocator_payload_bytes(heap, p, &capacity), "buddy", 5);
    assert_int_equal(capacity, 24);
    assert_int_equal(designs_realloc(heap, p, 25), 72); /* 33: order 6 at 64; 0 merges with 32 */
    assert_memory_equal(allocator_payload_bytes(heap, 72, &capacity), "buddy", 5);
    const DesignBlock blocks[] = { FREE(0, 64), USED(64, 64, 25), FREE(128, 128), FREE(256, 256),
                                   FREE(512, 512) };
    designs_expect_blocks(heap, blocks, DESIGNS_COUNT(blocks));
    const HeapStats *s = allocator_stats(heap);
    assert_int_equal(s->reallocs, 2);
    assert_int_equal(s->high_water, 128);
    assert_true(s->utilization == 25.0 / 128.0);
    allocator_destroy(heap);
}

static void test_requests_too_big_fail(void **state)
{
    (void)state;
    Allocator *heap = new_buddy(1024);
    uint64_t payload = 1;
    assert_int_equal(allocator_malloc(heap, 1017, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(allocator_last_event(heap)->examined, 0);
    designs_malloc(heap, 1);
    assert_int_equal(allocator_malloc(heap, 1016, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(allocator_last_event(heap)->examined, 1);
    assert_int_equal(allocator_stats(heap)->failed, 2);
    assert_int_equal(allocator_free(heap, 48), HEAP_ERROR_INVALID_POINTER); /* inside the free 32 */
    assert_int_equal(allocator_free(heap, 40), HEAP_ERROR_DOUBLE_FREE);    /* the free 32 itself */
    designs_free(heap, 8);
    assert_int_equal(allocator_free(heap, 8), HEAP_ERROR_DOUBLE_FREE);
    designs_expect_consistent(heap);
    allocator_destroy(heap);
}

/* ---- the differential test ------------------------------------------------- */

enum { LIVE_MAX = 200, STEPS = 2000, SEEDS = 16 };

static void expect_same(const Allocator *heap, const BuddyReference *model, size_t step)
{
    static HeapBlock blocks[BUDDY_REFERENCE_MAX_BLOCKS];
    static FreeListEntry entries[BUDDY_REFERENCE_MAX_BLOCKS];
    size_t count = designs_collect(heap, blocks, BUDDY_REFERENCE_MAX_BLOCKS);
    assert_int_equal(count, model->count);
    uint64_t free_blocks = 0, used = 0, largest = 0;
    for (size_t i = 0; i < count; i++) {
        const BuddyBlock *want = &model->blocks[i];
        if (blocks[i].offset != want->offset || blocks[i].size != UINT64_C(1) << want->order ||
            (blocks[i].state == HEAP_BLOCK_USED) != want->used || blocks[i].requested != want->requested)
            fail_msg("step %zu: block %zu differs", step, i);
        used += want->used;
        free_blocks += !want->used;
        if (!want->used && blocks[i].size > largest)
            largest = blocks[i].size;
    }
    /* the free lists: order by order, each by address */
    uint64_t listed = allocator_free_list(heap, entries, BUDDY_REFERENCE_MAX_BLOCKS);
    assert_int_equal(listed, free_blocks);
    for (uint64_t i = 1; i < listed; i++)
        assert_true(entries[i - 1].list < entries[i].list ||
                    (entries[i - 1].list == entries[i].list && entries[i - 1].offset < entries[i].offset));
    const HeapStats *s = allocator_stats(heap);
    const HeapEvent *e = allocator_last_event(heap);
    uint64_t got[] = { s->mallocs, s->frees, s->reallocs, s->failed, s->used_blocks, s->free_blocks,
                       s->payload_bytes, s->largest_free, s->peak_payload, s->high_water,
                       s->examined, e->examined, e->merges };
    uint64_t want[] = { model->mallocs, model->frees, model->reallocs, model->failed, used, free_blocks,
                        model->payload, largest, model->peak, model->high_water, model->examined,
                        model->call_examined, model->call_merges };
    for (size_t i = 0; i < DESIGNS_COUNT(got); i++)
        if (got[i] != want[i])
            fail_msg("step %zu: statistic %zu is %llu, model %llu", step, i,
                     (unsigned long long)got[i], (unsigned long long)want[i]);
    double utilization = model->high_water ? (double)model->peak / (double)model->high_water : 0.0;
    assert_true(s->utilization == utilization);
    designs_expect_consistent(heap);
}

static uint64_t random_request(uint64_t *seed)
{
    uint64_t kind = designs_below(seed, 6);
    if (kind == 0)
        return designs_below(seed, 3);
    return 1 + designs_below(seed, kind == 5 ? 40000 : kind >= 3 ? 2000 : 100);
}

static void random_call(Allocator *heap, BuddyReference *model, uint64_t *live, size_t *live_count,
                        uint64_t *seed)
{
    uint64_t pick = *live_count ? designs_below(seed, *live_count) : 0;
    uint64_t choice = designs_below(seed, 10);
    uint64_t got = 0, want = 0;
    if (*live_count == 0 || (choice < 4 && *live_count < LIVE_MAX)) {
        uint64_t n = random_request(seed);
        bool ok = buddy_reference_malloc(model, n, &want);
        assert_int_equal(allocator_malloc(heap, n, &got) == HEAP_OK, ok);
        assert_int_equal(got, want);
        if (got)
            live[(*live_count)++] = got;
    } else if (choice < 7) {
        designs_free(heap, live[pick]);
        buddy_reference_free(model, live[pick]);
        live[pick] = live[--*live_count];
    } else {
        uint64_t n = choice == 9 ? 0 : random_request(seed);
        bool ok = buddy_reference_realloc(model, live[pick], n, &want);
        assert_int_equal(allocator_realloc(heap, live[pick], n, &got) == HEAP_OK, ok);
        assert_int_equal(got, want);
        if (ok && got)
            live[pick] = got;
        else if (ok)
            live[pick] = live[--*live_count];
    }
}

static void test_buddy_matches_the_model(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 1000, 32 << 10, 100000, 1 << 20 };
    for (uint64_t seed_value = 1; seed_value <= SEEDS; seed_value++) {
        uint64_t seed = seed_value;
        uint64_t heap_bytes = sizes[seed_value % 4];
        Allocator *heap = new_buddy(heap_bytes);
        static BuddyReference model;
        buddy_reference_init(&model, heap_bytes);
        uint64_t live[LIVE_MAX];
        size_t live_count = 0;
        for (size_t step = 0; step < STEPS; step++) {
            random_call(heap, &model, live, &live_count, &seed);
            expect_same(heap, &model, step);
        }
        allocator_destroy(heap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_region_is_a_power_of_two),
        cmocka_unit_test(test_malloc_halves_down_keeping_the_lower_half),
        cmocka_unit_test(test_free_merges_with_buddies_again_and_again),
        cmocka_unit_test(test_realloc_stays_while_it_fits_then_moves),
        cmocka_unit_test(test_requests_too_big_fail),
        cmocka_unit_test(test_buddy_matches_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
