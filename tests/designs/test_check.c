/*
 * test_check.c - every kind of broken invariant each design's check names
 * fires on a heap corrupted on purpose, and a healthy heap passes.
 * The corruptions reach into the designs' own structs (alloc/csapp/textbook.h,
 * alloc/designs/buddy_heap.h), as a bug would. Also: every design in the
 * registry fills every entry of its table that is not optional.
 */
#include "designs_support.h"
#include "designs/buddy_heap.h"
#include "textbook.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void put_word(TextbookHeap *heap, uint64_t offset, uint32_t word)
{
    memcpy(heap->memory + offset, &word, sizeof word);
}

/* used 16 at 12, free 16 at 28, used 16 at 44, free at 60 (implicit list);
 * with 24-byte minimum blocks: used 24 at 12, free 24 at 36, used 24 at 60. */
static TextbookHeap *sample(const char *design, const char *policy)
{
    Allocator *heap = designs_create(design, policy, NULL, 1 << 20, 4096);
    designs_malloc(heap, 1);
    uint64_t b = designs_malloc(heap, 1);
    designs_malloc(heap, 1);
    designs_free(heap, b);
    assert_int_equal(allocator_check(heap).broken, 0);
    return (TextbookHeap *)heap;
}

static void expect_fires(TextbookHeap *heap, unsigned flag)
{
    HeapCheck check = allocator_check(&heap->base);
    if (!(check.broken & flag))
        fail_msg("%s did not fire (broken = %#x)", textbook_check_flag_name(flag), check.broken);
    assert_true(check.problems > 0);
    assert_string_not_equal(allocator_design(&heap->base)->check_flag_name(flag), "unknown");
    allocator_destroy(&heap->base);
}

static void test_frame(void **state)
{
    (void)state;
    TextbookHeap *heap = sample("csapp", NULL);
    put_word(heap, 8, 8);                               /* prologue footer loses its bit */
    expect_fires(heap, TEXTBOOK_CHECK_FRAME);
    heap = sample("csapp", NULL);
    put_word(heap, heap->brk - 4, 0);                   /* epilogue */
    expect_fires(heap, TEXTBOOK_CHECK_FRAME);
}

static void test_tiling(void **state)
{
    (void)state;
    TextbookHeap *heap = sample("csapp", NULL);
    put_word(heap, 28, 24);                             /* header 24, footer 16 */
    expect_fires(heap, TEXTBOOK_CHECK_TILING);
    heap = sample("csapp", NULL);
    put_word(heap, 28, 8);                              /* below the minimum block */
    put_word(heap, 32, 8);
    expect_fires(heap, TEXTBOOK_CHECK_TILING);
}

static void test_coalescing(void **state)
{
    (void)state;
    TextbookHeap *heap = sample("csapp", NULL);
    put_word(heap, 44, 16);                             /* 44 turns free beside 28 and 60 */
    put_word(heap, 56, 16);
    expect_fires(heap, TEXTBOOK_CHECK_COALESCING);
}

static void test_starts(void **state)
{
    (void)state;
    TextbookHeap *heap = sample("csapp", NULL);
    heap->starts[0] ^= UINT64_C(1) << (28 / 8);         /* forget the block at 28 */
    expect_fires(heap, TEXTBOOK_CHECK_STARTS);
    heap = sample("csapp", NULL);
    heap->starts[0] |= UINT64_C(1) << (36 / 8);         /* a start inside a block */
    expect_fires(heap, TEXTBOOK_CHECK_STARTS);
}

static void test_live(void **state)
{
    (void)state;
    TextbookHeap *heap = sample("csapp", NULL);
    block_map_remove(&heap->live, block_map_find(&heap->live, 16));
    expect_fires(heap, TEXTBOOK_CHECK_LIVE);
    heap = sample("csapp", NULL);
    block_map_insert(&heap->live, 32, 1);               /* the free block at 28 */
    expect_fires(heap, TEXTBOOK_CHECK_LIVE);
}

static void test_stats(void **state)
{
    (void)state;
    TextbookHeap *heap = sample("csapp", NULL);
    heap->stats.free_bytes += 8;
    expect_fires(heap, TEXTBOOK_CHECK_STATS);
    heap = sample("csapp", NULL);
    heap->stats.largest_free = 16;
    expect_fires(heap, TEXTBOOK_CHECK_STATS);
}

static void test_rover(void **state)
{
    (void)state;
    TextbookHeap *heap = sample("csapp", "next-fit");
    heap->rover = 36;                                   /* inside the block at 28 */
    expect_fires(heap, TEXTBOOK_CHECK_ROVER);
}

static void test_lists(void **state)
{
    (void)state;
    TextbookHeap *heap = sample("csapp-explicit", NULL); /* list: 36, then the rest at 84 */
    heap->heads[0] = 0;                                 /* the free blocks drop off */
    expect_fires(heap, TEXTBOOK_CHECK_LISTS);
    heap = sample("csapp-explicit", NULL);
    uint64_t wrong_pred = 12 + 4;
    memcpy(heap->memory + 84 + 4, &wrong_pred, sizeof wrong_pred);
    expect_fires(heap, TEXTBOOK_CHECK_LISTS);
    heap = sample("csapp-explicit", NULL);
    heap->address_ordered = true;                       /* 36 after 84 would be out of order */
    heap->heads[0] = 84 + 4;
    expect_fires(heap, TEXTBOOK_CHECK_LISTS);
    heap = sample("csapp-segregated", NULL);            /* 24 at 36 in class 0 */
    heap->heads[1] = heap->heads[0];
    heap->heads[0] = 0;
    expect_fires(heap, TEXTBOOK_CHECK_LISTS);
}

/* 1 KiB: used 32 at 0, free 32 at 32, free 64, 128, 256, 512 above. */
static BuddyHeap *buddy_sample(void)
{
    Allocator *heap = designs_create("buddy", NULL, NULL, 1024, 4096);
    designs_malloc(heap, 1);
    return (BuddyHeap *)heap;
}

static void expect_buddy_fires(BuddyHeap *heap, unsigned flag)
{
    HeapCheck check = allocator_check(&heap->base);
    if (!(check.broken & flag))
        fail_msg("%s did not fire (broken = %#x)", heap->base.design->check_flag_name(flag), check.broken);
    assert_string_not_equal(heap->base.design->check_flag_name(flag), "unknown");
    allocator_destroy(&heap->base);
}

static void test_buddy_kinds(void **state)
{
    (void)state;
    BuddyHeap *heap = buddy_sample();
    heap->map[96 >> BUDDY_MIN_ORDER] = BUDDY_MIN_ORDER + 1; /* a start inside the free 64 */
    expect_buddy_fires(heap, BUDDY_CHECK_TILING);
    heap = buddy_sample();
    heap->map[64 >> BUDDY_MIN_ORDER] = 8 + 1;           /* order 8 at 64: misaligned */
    expect_buddy_fires(heap, BUDDY_CHECK_TILING);
    heap = buddy_sample();
    heap->map[0] = BUDDY_MIN_ORDER + 1;                 /* 0 turns free beside its free buddy */
    expect_buddy_fires(heap, BUDDY_CHECK_BUDDIES);
    heap = buddy_sample();
    heap->list_count[6] = 0;                            /* the free 64 drops off */
    expect_buddy_fires(heap, BUDDY_CHECK_LISTS);
    heap = buddy_sample();
    heap->list[7][0] = 192;                             /* not a block */
    expect_buddy_fires(heap, BUDDY_CHECK_LISTS);
    heap = buddy_sample();
    block_map_insert(&heap->live, 40, 1);               /* the free 32 */
    expect_buddy_fires(heap, BUDDY_CHECK_LIVE);
    heap = buddy_sample();
    heap->stats.payload_bytes++;
    expect_buddy_fires(heap, BUDDY_CHECK_STATS);
}

static void test_every_design_fills_its_table(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < allocator_design_count(); i++) {
        const AllocatorDesign *d = allocator_design_at(i);
        const void *required[] = {
            (const void *)d->name, (const void *)d->summary, (const void *)d->policies,
            (const void *)d->policies[0], (const void *)(uintptr_t)d->create,
            (const void *)(uintptr_t)d->clone, (const void *)(uintptr_t)d->copy,
            (const void *)(uintptr_t)d->destroy, (const void *)(uintptr_t)d->malloc,
            (const void *)(uintptr_t)d->free, (const void *)(uintptr_t)d->realloc,
            (const void *)(uintptr_t)d->config, (const void *)(uintptr_t)d->stats,
            (const void *)(uintptr_t)d->last_event, (const void *)(uintptr_t)d->check,
            (const void *)(uintptr_t)d->check_flag_name, (const void *)(uintptr_t)d->region_start,
            (const void *)(uintptr_t)d->region_end, (const void *)(uintptr_t)d->region_limit,
            (const void *)(uintptr_t)d->first_block, (const void *)(uintptr_t)d->next_block,
            (const void *)(uintptr_t)d->block_at, (const void *)(uintptr_t)d->payload_bytes,
            (const void *)(uintptr_t)d->memory_bytes,
        };
        for (size_t entry = 0; entry < DESIGNS_COUNT(required); entry++)
            if (!required[entry])
                fail_msg("design %s lacks table entry %zu", d->name, entry);
        bool lists = (d->features & ALLOCATOR_HAS_FREE_LIST) != 0;
        assert_int_equal(lists, d->free_list != NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame),     cmocka_unit_test(test_tiling),
        cmocka_unit_test(test_coalescing), cmocka_unit_test(test_starts),
        cmocka_unit_test(test_live),      cmocka_unit_test(test_stats),
        cmocka_unit_test(test_rover),     cmocka_unit_test(test_lists),
        cmocka_unit_test(test_buddy_kinds), cmocka_unit_test(test_every_design_fills_its_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
