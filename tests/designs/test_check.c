/*
 * test_check.c - every kind of broken invariant each design's check names
 * fires on a heap corrupted on purpose, and a healthy heap passes.
 * The corruptions reach into the designs' own structs (alloc/csapp/textbook.h,
 * alloc/designs/buddy_heap.h, alloc/designs/recorded_heap.h), as a bug would. Also: every design in the
 * registry fills every entry of its table that is not optional.
 */
#include "designs_support.h"
#include "designs/buddy_heap.h"
#include "designs/recorded_heap.h"
#include "recorded_pairs.h"
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

/* The check of `heap` names `flag` among what broke; the heap is destroyed. */
static void expect_design_fires(Allocator *heap, unsigned flag)
{
    HeapCheck check = allocator_check(heap);
    if (!(check.broken & flag))
        fail_msg("%s did not fire (broken = %#x)", heap->design->check_flag_name(flag), check.broken);
    assert_true(check.problems > 0);
    assert_string_not_equal(heap->design->check_flag_name(flag), "unknown");
    allocator_destroy(heap);
}

static void expect_fires(TextbookHeap *heap, unsigned flag) { expect_design_fires(&heap->base, flag); }

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

static void expect_buddy_fires(BuddyHeap *heap, unsigned flag) { expect_design_fires(&heap->base, flag); }

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

/* 150 placements of 24 usable bytes, 0x100 apart from 0x1010: one region
 * from real 0x1000 (folded 0). Rank 0 is the start, rank k + 1 placement
 * k's block [8 + 0x100k, 0x28 + 0x100k), rank 151 the marker at 0xa000
 * (the page above the last block's end, 0x9528). */
static RecordedPairs recorded_sample_pairs(void)
{
    RecordedPair pairs[150];
    for (uint64_t k = 0; k < 150; k++)
        pairs[k] = (RecordedPair){0x1010 + 0x100 * k, 24};
    RecordedPairs made = recorded_pairs(pairs, 150);
    assert_non_null(made.addresses);
    return made;
}

/* Every placement taken, then ranks 64-127 freed: the live set's level 0
 * is words 0-2 (ranks 0-63, 64-127, 128-151), word 1 empty, and its
 * summary word 3 is 0b101. Gaps: rank 0's 8, 0xe0 after ranks 1-62 and
 * 128-149, 0x40e0 after rank 63 (to rank 128 at 0x7f08), 0xad8 after rank
 * 150 (to the marker). The tree (10 groups of 16 ranks, leaves 10-19):
 * leaves e0 e0 e0 40e0 0 0 0 0 e0 ad8; nodes 9 ad8, 8 0, 7 0, 6 40e0,
 * 5 e0, 4 ad8, 3 40e0, 2 ad8, 1 40e0. */
static RecordedHeap *recorded_sample(const RecordedPairs *pairs)
{
    AllocatorSetup setup = {allocator_design_find("recorded"), allocator_default_config(0)};
    setup.config.recorded = pairs->placements;
    Allocator *heap = NULL;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    for (uint64_t k = 0; k < 150; k++)
        assert_int_equal(designs_malloc(heap, 24), 0x10 + 0x100 * k);
    for (uint64_t k = 63; k < 127; k++)
        designs_free(heap, 0x10 + 0x100 * k);
    const HeapStats *stats = allocator_stats(heap);
    assert_int_equal(stats->free_blocks, 87);
    assert_int_equal(stats->free_bytes, 8 + 84 * 0xe0 + 0x40e0 + 0xad8);
    assert_int_equal(stats->largest_free, 0x40e0);
    assert_int_equal(allocator_check(heap).broken, 0);
    RecordedHeap *recorded = (RecordedHeap *)heap;
    assert_true(recorded->live[3] == 5);
    assert_int_equal(recorded->largest[2], 0xad8);
    return recorded;
}

static void expect_recorded_fires(RecordedHeap *heap, unsigned flag) { expect_design_fires(&heap->base, flag); }

static void test_recorded_walk_kinds(void **state)
{
    (void)state;
    RecordedPairs pairs = recorded_sample_pairs();
    RecordedHeap *heap = recorded_sample(&pairs);
    heap->ranks[1].end = 0x110;                         /* past rank 2's start, 0x108 */
    expect_recorded_fires(heap, RECORDED_CHECK_OVERLAP);
    heap = recorded_sample(&pairs);
    heap->stats.used_blocks++;
    expect_recorded_fires(heap, RECORDED_CHECK_COUNTS);
    heap = recorded_sample(&pairs);
    heap->stats.bytes_in_use--;
    expect_recorded_fires(heap, RECORDED_CHECK_COUNTS);
    for (int wider = 0; wider < 2; wider++) {           /* rank 3 starts 0xe0 after rank 2 */
        heap = recorded_sample(&pairs);
        heap->ranks[2].gap = wider ? 0xf0 : 0xd0;
        heap->stats.free_bytes = heap->stats.free_bytes - 0xe0 + heap->ranks[2].gap; /* totals agree */
        expect_recorded_fires(heap, RECORDED_CHECK_GAPS);
    }
    heap = recorded_sample(&pairs);
    heap->stats.free_bytes++;
    expect_recorded_fires(heap, RECORDED_CHECK_GAPS);
    heap = recorded_sample(&pairs);
    heap->largest[1] = 0x40e1;                          /* the largest gap is 0x40e0 */
    expect_recorded_fires(heap, RECORDED_CHECK_GAPS);
    recorded_pairs_free(&pairs);
}

/* A broken live set is reported alone: the walk through the live ranks
 * trusts it (its summary bits lead a search), so the check stops there. */
static void expect_live_set_alone(RecordedHeap *heap)
{
    assert_int_equal(allocator_check(&heap->base).broken, RECORDED_CHECK_LIVE_SET);
    expect_recorded_fires(heap, RECORDED_CHECK_LIVE_SET);
}

static void test_recorded_live_set(void **state)
{
    (void)state;
    RecordedPairs pairs = recorded_sample_pairs();
    RecordedHeap *heap = recorded_sample(&pairs);
    heap->live[3] &= ~UINT64_C(1);                      /* word 0 has members */
    expect_live_set_alone(heap);
    heap = recorded_sample(&pairs);
    heap->live[3] |= UINT64_C(1) << 1;                  /* word 1 has none */
    expect_live_set_alone(heap);
    heap = recorded_sample(&pairs);
    heap->live[2] |= UINT64_C(1) << (152 - 128);        /* rank 152: there are 152 */
    expect_live_set_alone(heap);
    heap = recorded_sample(&pairs);
    heap->live[3] |= UINT64_C(1) << 3;                  /* level 0 has 3 words */
    expect_live_set_alone(heap);
    heap = recorded_sample(&pairs);
    bit_set_remove(&heap->layout->live_shape, heap->live, 151); /* the marker leaves */
    expect_live_set_alone(heap);
    heap = recorded_sample(&pairs);
    bit_set_remove(&heap->layout->live_shape, heap->live, 0);   /* the start leaves */
    expect_live_set_alone(heap);
    recorded_pairs_free(&pairs);
}

/* Each node broken alone: the others, the root included, stay right. */
static void test_recorded_tree(void **state)
{
    (void)state;
    RecordedPairs pairs = recorded_sample_pairs();
    RecordedHeap *heap = recorded_sample(&pairs);
    heap->largest[10] = 0;                              /* group 0's; node 5 keeps e0 from 11 */
    expect_recorded_fires(heap, RECORDED_CHECK_TREE);
    heap = recorded_sample(&pairs);
    heap->largest[2] = 0;                               /* not max(ad8, e0); node 1 keeps 40e0 */
    expect_recorded_fires(heap, RECORDED_CHECK_TREE);
    heap = recorded_sample(&pairs);
    heap->largest[7] = 5;                               /* not max(0, 0); node 3 keeps 40e0 */
    expect_recorded_fires(heap, RECORDED_CHECK_TREE);
    heap = recorded_sample(&pairs);
    heap->largest[9] = 0xe0;                            /* node 9 = max(18, 19): the right one is ad8 */
    heap->largest[4] = 0xe0;
    heap->largest[2] = 0xe0;
    expect_recorded_fires(heap, RECORDED_CHECK_TREE);
    heap = recorded_sample(&pairs);
    heap->largest[19] = 0xe0;                           /* group 9's, ranks 144-151: ad8 */
    heap->largest[9] = 0xe0;
    heap->largest[4] = 0xe0;
    heap->largest[2] = 0xe0;
    expect_recorded_fires(heap, RECORDED_CHECK_TREE);
    heap = recorded_sample(&pairs);
    heap->largest[1] = 0x40e1;                          /* the root */
    expect_recorded_fires(heap, RECORDED_CHECK_TREE);
    heap = recorded_sample(&pairs);
    heap->largest[0] = 1;                               /* unused */
    expect_recorded_fires(heap, RECORDED_CHECK_TREE);
    recorded_pairs_free(&pairs);
}

/* Rank 100, free, its block was [0x6308, 0x6328): each field left behind. */
static void test_recorded_free_ranks(void **state)
{
    (void)state;
    RecordedPairs pairs = recorded_sample_pairs();
    for (int field = 0; field < 3; field++) {
        RecordedHeap *heap = recorded_sample(&pairs);
        RankState *rank = &heap->ranks[100];
        *(field == 0 ? &rank->end : field == 1 ? &rank->requested : &rank->gap) = 0x28;
        HeapCheck check = allocator_check(&heap->base);
        /* a gap left behind also counts in its group's leaf of the tree */
        unsigned tree = field == 2 ? RECORDED_CHECK_TREE : 0;
        assert_int_equal(check.broken, RECORDED_CHECK_FREE_RANK | tree);
        assert_int_equal(check.first_offset, 0x6308);
        expect_recorded_fires(heap, RECORDED_CHECK_FREE_RANK);
    }
    recorded_pairs_free(&pairs);
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

/* A heap says it has dead blocks (allocator_features) exactly where its
 * frees make them: every policy of every design that replays no recording
 * mallocs eight blocks and frees them, and has dead blocks afterwards if
 * and only if ALLOCATOR_HAS_DEAD is among its features, which are always a
 * subset of its design's. Only tags under bump has them. */
static void test_features_say_where_frees_leave_dead_blocks(void **state)
{
    (void)state;
    int with_dead = 0;
    for (uint32_t i = 0; i < allocator_design_count(); i++) {
        const AllocatorDesign *d = allocator_design_at(i);
        if (d->features & ALLOCATOR_REPLAYS_RECORDING)
            continue;
        for (uint32_t p = 0; d->policies[p] != NULL; p++) {
            Allocator *heap = designs_create(d->name, d->policies[p], NULL, 1 << 16, 4096);
            uint64_t payloads[8];
            for (int b = 0; b < 8; b++)
                payloads[b] = designs_malloc(heap, 24 + 8 * (uint64_t)b);
            for (int b = 0; b < 8; b++)
                designs_free(heap, payloads[b]);
            unsigned features = allocator_features(heap);
            bool dead = allocator_stats(heap)->dead_blocks > 0;
            if ((features & ~d->features) != 0 || dead != ((features & ALLOCATOR_HAS_DEAD) != 0))
                fail_msg("%s:%s: features %#x of %#x, %s dead blocks", d->name, d->policies[p], features,
                         d->features, dead ? "with" : "without");
            with_dead += dead;
            allocator_destroy(heap);
        }
    }
    assert_int_equal(with_dead, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame),     cmocka_unit_test(test_tiling),
        cmocka_unit_test(test_coalescing), cmocka_unit_test(test_starts),
        cmocka_unit_test(test_live),      cmocka_unit_test(test_stats),
        cmocka_unit_test(test_rover),     cmocka_unit_test(test_lists),
        cmocka_unit_test(test_buddy_kinds), cmocka_unit_test(test_recorded_walk_kinds),
        cmocka_unit_test(test_recorded_live_set), cmocka_unit_test(test_recorded_tree),
        cmocka_unit_test(test_recorded_free_ranks), cmocka_unit_test(test_every_design_fills_its_table),
        cmocka_unit_test(test_features_say_where_frees_leave_dead_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
