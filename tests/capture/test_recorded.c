/*
 * test_recorded.c - the `recorded` design (alloc/designs/recorded.c): on
 * placements written by hand, every block, gap and statistic worked out by
 * hand; and on real captures made by the built heapviz (argv[1]) of
 * capture_subject (argv[2]), every malloc and realloc lands at the address
 * glibc returned, and the heap stays consistent after every step.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "allocator.h"
#include "capture_trace.h"
#include "recorded_pairs.h"
#include "run_support.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *heapviz, *subject;
static char directory[] = "/tmp/heapviz-recorded-test-XXXXXX";

static Allocator *create_recorded(const RecordedPlacements *placements)
{
    AllocatorSetup setup = {allocator_design_find("recorded"), allocator_default_config(0)};
    assert_non_null(setup.design);
    setup.config.recorded = *placements;
    Allocator *heap = NULL;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    return heap;
}

/* A heap of `count` pairs, each its own address; `made` holds the arrays
 * until the heap is destroyed. */
static Allocator *create_from_pairs(const RecordedPair *pairs, uint64_t count, RecordedPairs *made)
{
    *made = recorded_pairs(pairs, count);
    assert_non_null(made->addresses);
    return create_recorded(&made->placements);
}

static void expect_block(const HeapBlock *block, uint64_t offset, uint64_t size, HeapBlockState state)
{
    assert_int_equal(block->offset, offset);
    assert_int_equal(block->size, size);
    assert_int_equal(block->state, state);
}

/* Folded layout, worked out by hand: region 1 runs from the page below its
 * first block, real 0x1000, at 0, to the page above its last byte (real
 * 0x5028 -> 0x6000, folded 0x5000); the next placement is 143 MiB away, so
 * a marker at 0x5000; region 2 runs from real 0x8fff000 at 0x6000 to real
 * 0x9001000 (its block ends at 0x9000064), folded 0x8000; the last marker at
 * 0x8000, the end at 0x9000. A block is [address - 8, address + usable):
 * folded, real minus 0x1000 in region 1, minus 0x8ff9000 in region 2. */
/* As the sidecar's reader gives them: each address once. */
static const uint64_t HAND_ADDRESSES[] = {0x1010, 0x1030, 0x5000, 0x9000000};
static const uint32_t HAND_ADDRESS_OF[] = {0, 1, 2, 3, 0};
static const uint64_t HAND_USABLE[] = {
    24,                          /* 0x1010: [0x8, 0x28) */
    24,                          /* 0x1030: [0x28, 0x48): touches the first, no gap */
    40,                          /* 0x5000: [0x3ff8, 0x4028): after a gap of 0x3ff8 - 0x48 = 16304 */
    100,                         /* 0x9000000: [0x6ff8, 0x7064): real 0x8fffff8 is 0xff8 into region 2 */
    56,                          /* 0x1010 again: the first block grown in place, [0x8, 0x48) */
};
static const RecordedPlacements HAND = {HAND_ADDRESSES, HAND_ADDRESS_OF, HAND_USABLE, 4, 5};

static void test_blocks_and_gaps_by_hand(void **state)
{
    (void)state;
    Allocator *heap = create_recorded(&HAND);
    const HeapStats *stats = allocator_stats(heap);
    /* empty: two regions free, 0x5000 and 0x2000 bytes, each before a marker */
    assert_int_equal(stats->heap_bytes, 0x9000);
    assert_int_equal(stats->dead_blocks, 2);
    assert_int_equal(stats->dead_bytes, 2 * 4096);
    assert_int_equal(stats->free_blocks, 2);
    assert_int_equal(stats->free_bytes, 0x5000 + 0x2000);
    uint64_t payloads[4];
    static const uint64_t requests[4] = {20, 24, 40, 100};
    for (int i = 0; i < 4; i++)
        assert_int_equal(allocator_malloc(heap, requests[i], &payloads[i]), HEAP_OK);
    assert_int_equal(payloads[0], 0x10);
    assert_int_equal(payloads[1], 0x30);
    assert_int_equal(payloads[2], 0x4000);
    assert_int_equal(payloads[3], 0x7000);
    HeapBlock block;
    assert_true(allocator_first_block(heap, &block));
    expect_block(&block, 0, 8, HEAP_BLOCK_FREE); /* the page's start, before the first block */
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x8, 32, HEAP_BLOCK_USED);
    assert_int_equal(block.payload, 0x10);
    assert_int_equal(block.requested, 20);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x28, 32, HEAP_BLOCK_USED);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x48, 16304, HEAP_BLOCK_FREE);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x3ff8, 48, HEAP_BLOCK_USED);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x4028, 0x5000 - 0x4028, HEAP_BLOCK_FREE); /* to the page's end */
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x5000, 4096, HEAP_BLOCK_DEAD);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x6000, 0xff8, HEAP_BLOCK_FREE);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x6ff8, 108, HEAP_BLOCK_USED);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x7064, 0x8000 - 0x7064, HEAP_BLOCK_FREE);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x8000, 4096, HEAP_BLOCK_DEAD);
    assert_false(allocator_next_block(heap, &block));
    assert_int_equal(stats->used_blocks, 4);
    assert_int_equal(stats->bytes_in_use, 32 + 32 + 48 + 108);
    assert_int_equal(stats->payload_bytes, 184);
    /* 8 + 16304 + 4056 + 4088 + 3996: with the used and dead bytes, all 0x9000 */
    assert_int_equal(stats->free_blocks, 5);
    assert_int_equal(stats->free_bytes, 28452);
    assert_int_equal(stats->free_bytes + stats->bytes_in_use + stats->dead_bytes, 0x9000);
    assert_int_equal(stats->largest_free, 16304);
    /* past the end there is no block; on a marker, the marker; in the gap, the gap */
    assert_false(allocator_block_at(heap, 0x9000, &block));
    assert_true(allocator_block_at(heap, 0x5100, &block));
    expect_block(&block, 0x5000, 4096, HEAP_BLOCK_DEAD);
    assert_true(allocator_block_at(heap, 0x1000, &block));
    expect_block(&block, 0x48, 16304, HEAP_BLOCK_FREE);
    assert_true(allocator_block_at(heap, 0x30, &block));
    expect_block(&block, 0x28, 32, HEAP_BLOCK_USED);
    assert_true(allocator_block_at(heap, 0x4, &block)); /* before the first block */
    expect_block(&block, 0, 8, HEAP_BLOCK_FREE);

    /* freeing the second block widens the gap after the first to 0x4ff8 - 0x1028 */
    assert_int_equal(allocator_free(heap, payloads[1]), HEAP_OK);
    assert_int_equal(stats->free_blocks, 5);
    assert_int_equal(stats->free_bytes, 28452 + 32);
    /* the first block grows in place over it: the gap is back to 16304 */
    uint64_t result;
    assert_int_equal(allocator_realloc(heap, payloads[0], 50, &result), HEAP_OK);
    assert_int_equal(result, 0x10);
    assert_int_equal(allocator_last_event(heap)->realloc_mode, HEAP_REALLOC_GREW);
    assert_int_equal(stats->free_bytes, 28452);
    assert_int_equal(stats->bytes_in_use, 64 + 48 + 108);
    assert_int_equal(allocator_check(heap).broken, 0);
    /* the recording has run out: the next call strays, and fails */
    assert_int_equal(allocator_malloc(heap, 8, &result), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(stats->failed, 1);
    /* a pointer that is not a live block is an error that changes nothing */
    assert_int_equal(allocator_free(heap, payloads[1]), HEAP_ERROR_INVALID_POINTER);
    assert_int_equal(stats->errors, 1);
    assert_int_equal(stats->used_blocks, 3);
    allocator_destroy(heap);
}

static void expect_free_space(const Allocator *heap, uint64_t blocks, uint64_t bytes, uint64_t largest)
{
    const HeapStats *stats = allocator_stats(heap);
    assert_int_equal(stats->free_blocks, blocks);
    assert_int_equal(stats->free_bytes, bytes);
    assert_int_equal(stats->largest_free, largest);
    assert_int_equal(allocator_check(heap).broken, 0);
}

/* The largest free block as gaps open and close, worked out by hand. Forty
 * blocks side by side, block k at 0x1010 + 0x20k: folded [0x8 + 0x20k,
 * 0x28 + 0x20k), rank k + 1 (the start is rank 0); the last one grows to
 * the page's end (0x2000 real, 0x1000 folded), so the only gap is the 8
 * bytes before the first. Ranks go 16 to a group of the tree of largest
 * gaps: blocks 15 to 30 are one group. Then placements 40-42 put blocks
 * 25-27 back, one by one: each time the largest gap of that group closes
 * or shrinks, and the next largest comes from the rest of the group, the
 * last time from its first rank (block 15). */
static void test_largest_free_as_gaps_close(void **state)
{
    (void)state;
    RecordedPair pairs[43];
    for (uint64_t k = 0; k < 40; k++)
        pairs[k] = (RecordedPair){0x1010 + 0x20 * k, k < 39 ? 24 : 0x2000 - (0x1010 + 0x20 * k)};
    for (uint64_t k = 40; k < 43; k++)
        pairs[k] = (RecordedPair){0x1010 + 0x20 * (k - 15), 24};
    RecordedPairs made;
    Allocator *heap = create_from_pairs(pairs, 43, &made);
    uint64_t payloads[40], payload;
    for (uint64_t k = 0; k < 40; k++)
        assert_int_equal(allocator_malloc(heap, 24, &payloads[k]), HEAP_OK);
    expect_free_space(heap, 1, 8, 8);
    assert_int_equal(allocator_free(heap, payloads[16]), HEAP_OK); /* 32 bytes after block 15 */
    expect_free_space(heap, 2, 40, 32);
    for (uint64_t k = 25; k < 28; k++) /* 96 bytes after block 24 */
        assert_int_equal(allocator_free(heap, payloads[k]), HEAP_OK);
    expect_free_space(heap, 3, 8 + 32 + 96, 96);
    assert_int_equal(allocator_malloc(heap, 24, &payload), HEAP_OK); /* block 25: 64 after it */
    assert_int_equal(payload, payloads[25]);
    expect_free_space(heap, 3, 8 + 32 + 64, 64);
    assert_int_equal(allocator_malloc(heap, 24, &payload), HEAP_OK); /* block 26: 32 after it */
    expect_free_space(heap, 3, 8 + 32 + 32, 32);
    assert_int_equal(allocator_malloc(heap, 24, &payload), HEAP_OK); /* block 27: only block 15's */
    expect_free_space(heap, 2, 8 + 32, 32);
    allocator_destroy(heap);
    recorded_pairs_free(&made);
}

/* The program's addresses behind the folded offsets of HAND: region 1 is
 * laid out from 0 as real memory from 0x1000, region 2 from 0x6000 as real
 * memory from 0x8fff000 (the page of its first block's header); the
 * markers stand for the gap between them and for the end. */
static void test_program_addresses_by_hand(void **state)
{
    (void)state;
    Allocator *heap = create_recorded(&HAND);
    uint64_t address = 0, gap = 0;
    assert_true(allocator_program_address(heap, 0x10, &address, &gap)); /* the first payload */
    assert_int_equal(address, 0x1010);
    assert_int_equal(gap, 0);
    assert_true(allocator_program_address(heap, 0, &address, &gap)); /* region 1's first byte */
    assert_int_equal(address, 0x1000);
    assert_true(allocator_program_address(heap, 0x4000, &address, &gap));
    assert_int_equal(address, 0x5000);
    assert_true(allocator_program_address(heap, 0x4fff, &address, &gap)); /* region 1's last byte */
    assert_int_equal(address, 0x5fff);
    assert_false(allocator_program_address(heap, 0x5000, &address, &gap)); /* the fold */
    assert_int_equal(address, 0x6000);
    assert_int_equal(gap, 0x8fff000 - 0x6000);
    assert_false(allocator_program_address(heap, 0x5fff, &address, &gap));
    assert_int_equal(gap, 0x8fff000 - 0x6000);
    assert_true(allocator_program_address(heap, 0x6000, &address, &gap)); /* region 2's first byte */
    assert_int_equal(address, 0x8fff000);
    assert_true(allocator_program_address(heap, 0x7000, &address, &gap));
    assert_int_equal(address, 0x9000000);
    assert_false(allocator_program_address(heap, 0x8000, &address, &gap)); /* above the highest */
    assert_int_equal(address, 0x9001000);
    assert_int_equal(gap, 0);
    allocator_destroy(heap);
    /* a design without a recording shows its offsets */
    AllocatorSetup setup = {allocator_default_design(), allocator_default_config(4096)};
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    assert_true(allocator_program_address(heap, 0x123, &address, &gap));
    assert_int_equal(address, 0x123);
    allocator_destroy(heap);
}

/* A first block whose header starts its page starts the heap: no free
 * space and no marker before it (the layout: the page [0, 0x1000), the
 * marker ending it at 0x1000, the end at 0x2000). */
static void test_first_block_at_its_page_starts_the_heap(void **state)
{
    (void)state;
    static const RecordedPair one[] = {{0x7f0000001008, 24}}; /* [0x7f0000001000, 0x7f0000001020) */
    RecordedPairs made;
    Allocator *heap = create_from_pairs(one, 1, &made);
    HeapBlock block;
    assert_int_equal(allocator_stats(heap)->heap_bytes, 0x2000);
    assert_int_equal(allocator_stats(heap)->dead_blocks, 1);
    assert_true(allocator_first_block(heap, &block)); /* empty: the page free */
    expect_block(&block, 0, 0x1000, HEAP_BLOCK_FREE);
    uint64_t payload;
    assert_int_equal(allocator_malloc(heap, 24, &payload), HEAP_OK);
    assert_int_equal(payload, 8);
    assert_true(allocator_first_block(heap, &block));
    expect_block(&block, 0, 32, HEAP_BLOCK_USED);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x20, 0x1000 - 0x20, HEAP_BLOCK_FREE);
    assert_true(allocator_next_block(heap, &block));
    expect_block(&block, 0x1000, 4096, HEAP_BLOCK_DEAD);
    assert_false(allocator_next_block(heap, &block));
    assert_true(allocator_block_at(heap, 0, &block));
    expect_block(&block, 0, 32, HEAP_BLOCK_USED);
    uint64_t address = 0, gap = 0;
    assert_true(allocator_program_address(heap, 8, &address, &gap));
    assert_int_equal(address, 0x7f0000001008);
    assert_int_equal(allocator_stats(heap)->free_bytes, 0x1000 - 0x20);
    assert_int_equal(allocator_check(heap).broken, 0);
    assert_int_equal(allocator_free(heap, payload), HEAP_OK);
    assert_int_equal(allocator_stats(heap)->free_bytes, 0x1000);
    assert_int_equal(allocator_check(heap).broken, 0);
    allocator_destroy(heap);
    recorded_pairs_free(&made);
}

/* A free naming the payload place of a marker is a stray and changes
 * nothing (markers are live in the rank set, so the guard is what keeps
 * one from being unplaced). One block at 0x7f0000001010 of 24 usable
 * bytes: its region runs from the page below it (folded 0) to the page
 * above (folded 0x1000), where the end marker stands: its "payload" would
 * be 0x1008. The block itself is the one used block; the marker is counted
 * with the dead blocks. */
static void test_free_on_a_marker_strays(void **state)
{
    (void)state;
    static const RecordedPair one[] = {{0x7f0000001010, 24}};
    RecordedPairs made;
    Allocator *heap = create_from_pairs(one, 1, &made);
    uint64_t payload;
    assert_int_equal(allocator_malloc(heap, 24, &payload), HEAP_OK);
    assert_int_not_equal(allocator_free(heap, 0x1008), HEAP_OK);
    assert_int_equal(allocator_stats(heap)->used_blocks, 1);
    assert_int_equal(allocator_stats(heap)->dead_blocks, 1);
    assert_int_equal(allocator_check(heap).broken, 0);
    allocator_destroy(heap);
    recorded_pairs_free(&made);
}

/* A request larger than the recorded usable size, or a place still taken, strays. */
static void test_strays_fail_and_change_nothing(void **state)
{
    (void)state;
    static const RecordedPair twice[] = {{0x1010, 24}, {0x1010, 24}, {0x1020, 24}};
    RecordedPairs made;
    Allocator *heap = create_from_pairs(twice, 3, &made);
    uint64_t payload, other;
    assert_int_equal(allocator_malloc(heap, 25, &payload), HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(allocator_malloc(heap, 24, &payload), HEAP_OK);
    assert_int_equal(allocator_malloc(heap, 8, &other), HEAP_ERROR_OUT_OF_MEMORY); /* overlaps */
    assert_int_equal(allocator_stats(heap)->failed, 2);
    assert_int_equal(allocator_stats(heap)->used_blocks, 1);
    assert_int_equal(allocator_check(heap).broken, 0);
    allocator_destroy(heap);
    recorded_pairs_free(&made);
}

static void expect_pairs_refused(const RecordedPair *pairs, uint64_t count)
{
    RecordedPairs made = recorded_pairs(pairs, count);
    AllocatorSetup setup = {allocator_design_find("recorded"), allocator_default_config(0)};
    setup.config.recorded = made.placements;
    Allocator *none = (Allocator *)&made; /* must become NULL */
    assert_int_equal(allocator_create(&setup, &none), HEAP_ERROR_INVALID_CONFIG);
    assert_null(none);
    recorded_pairs_free(&made);
}

/* Placements no program could have had are a configuration error, not a
 * lack of memory: none at all, an address with no room for glibc's 8-byte
 * size word before it, a block whose end passes 2^64, an index past the
 * address list. */
static void test_impossible_placements_are_refused(void **state)
{
    (void)state;
    AllocatorSetup setup = {allocator_design_find("recorded"), allocator_default_config(0)};
    Allocator *none = NULL;
    assert_int_equal(allocator_create(&setup, &none), HEAP_ERROR_INVALID_CONFIG);
    expect_pairs_refused((const RecordedPair[]){{0x1010, 24}, {0x5, 0}}, 2);
    expect_pairs_refused((const RecordedPair[]){{0x7, 8}}, 1);
    expect_pairs_refused((const RecordedPair[]){{0x1010, 24}, {0x2000, UINT64_MAX - 0x1fff}}, 2);
    /* the first byte past 2^64 - 1 is the limit: an end of exactly 2^64 - 1 lays out */
    static const RecordedPair top[] = {{0x1010, 24}, {0x2000, UINT64_MAX - 0x2000}};
    RecordedPairs made;
    Allocator *heap = create_from_pairs(top, 2, &made);
    allocator_destroy(heap);
    recorded_pairs_free(&made);
    static const uint32_t past[] = {0, 0x7fffffff};
    setup.config.recorded = HAND;
    setup.config.recorded.address_of = past;
    setup.config.recorded.count = 2;
    assert_int_equal(allocator_create(&setup, &none), HEAP_ERROR_INVALID_CONFIG);
    assert_null(none);
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The folded payload offset each placement should get, worked out here from
 * the rule (regions of placements less than 1 MiB apart, laid out as they
 * were from the page below the first block's header to the page above the
 * last block's end; the first region at 0, a 4096-byte marker between two),
 * not by the
 * design's code.
 * O(n^2) in the number of regions, which is small. */
static uint64_t *expected_payloads(const RecordedPair *placements, uint64_t count)
{
    uint64_t *starts = malloc(count * sizeof *starts);
    for (uint64_t i = 0; i < count; i++)
        starts[i] = placements[i].address - 8;
    qsort(starts, count, sizeof *starts, compare_u64);
    /* region k: real start, real end, folded start */
    uint64_t (*regions)[3] = calloc(count, sizeof *regions);
    uint64_t region_count = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t end = 0;
        for (uint64_t j = 0; j < count; j++)
            if (placements[j].address - 8 == starts[i] && placements[j].address + placements[j].usable > end)
                end = placements[j].address + placements[j].usable;
        if (region_count == 0 || starts[i] >= regions[region_count - 1][1] + (1 << 20)) {
            uint64_t folded = 0; /* the first region at 0, the others after the last one's pages and a marker */
            if (region_count > 0) {
                const uint64_t *last = regions[region_count - 1];
                folded = last[2] + (last[1] - last[0] + 4095) / 4096 * 4096 + 4096;
            }
            regions[region_count][0] = starts[i] / 4096 * 4096;
            regions[region_count][2] = folded;
            regions[region_count++][1] = end;
        } else if (end > regions[region_count - 1][1]) {
            regions[region_count - 1][1] = end;
        }
    }
    uint64_t *expected = malloc(count * sizeof *expected);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t k = region_count - 1;
        while (regions[k][0] > placements[i].address - 8)
            k--;
        expected[i] = regions[k][2] + (placements[i].address - 8 - regions[k][0]) + 8;
    }
    free(regions);
    free(starts);
    return expected;
}

/* Placements spread over the whole 64-bit space (so every 11-bit digit of the
 * design's radix sort varies), some at an address used before with another
 * usable size: each malloc, on an empty heap, lands where the rule says. */
static void test_layout_of_scattered_placements(void **state)
{
    (void)state;
    enum { COUNT = 3000 };
    static const uint64_t bases[] = {0x10, 0x55a629a56000, 0x7f3adb51e000, 0x123456789000,
                                     UINT64_C(0xfedcba9876540000), 0x8000000000000000};
    RecordedPair *placements = malloc(COUNT * sizeof *placements);
    uint64_t random = 12345;
    for (uint64_t i = 0; i < COUNT; i++) {
        random = random * 6364136223846793005u + 1442695040888963407u;
        uint64_t draw = random >> 16;
        if (i > 0 && draw % 5 == 0) /* an address again, another size */
            placements[i].address = placements[draw % i].address;
        else
            placements[i].address = bases[draw % 6] + (draw >> 8) % (3 << 20) / 16 * 16 + 16;
        placements[i].usable = (draw >> 40) % 5000;
    }
    uint64_t *expected = expected_payloads(placements, COUNT);
    RecordedPairs made = recorded_pairs(placements, COUNT);
    assert_non_null(made.addresses);
    /* the same placements with each address once, as the sidecar's reader gives them */
    RecordedPairs shared = recorded_pairs(placements, COUNT);
    assert_non_null(shared.addresses);
    shared.placements.address_count = 0;
    for (uint64_t i = 0; i < COUNT; i++) {
        uint32_t index = 0;
        while (index < shared.placements.address_count && shared.addresses[index] != placements[i].address)
            index++;
        shared.addresses[index] = placements[i].address;
        shared.address_of[i] = index;
        shared.placements.address_count += index == shared.placements.address_count;
    }
    assert_true(shared.placements.address_count < COUNT);
    const RecordedPlacements *forms[] = {&made.placements, &shared.placements};
    for (int form = 0; form < 2; form++) {
        Allocator *heap = create_recorded(forms[form]);
        for (uint64_t i = 0; i < COUNT; i++) {
            uint64_t payload;
            assert_int_equal(allocator_malloc(heap, 0, &payload), HEAP_OK);
            assert_int_equal(payload, expected[i]);
            assert_int_equal(allocator_free(heap, payload), HEAP_OK);
        }
        assert_int_equal(allocator_check(heap).broken, 0);
        allocator_destroy(heap);
    }
    recorded_pairs_free(&made);
    recorded_pairs_free(&shared);
    free(expected);
    free(placements);
}

/* The placements of a capture's trace, one pair a call, as its sidecar's lines say. */
static RecordedPair *pairs_of(const Trace *trace)
{
    RecordedPair *pairs = malloc(trace->placement_count * sizeof *pairs);
    assert_non_null(pairs);
    for (uint64_t k = 0; k < trace->placement_count; k++) {
        assert_true(trace->placement_address_of[k] < trace->placement_address_count);
        pairs[k] = (RecordedPair){trace->placement_addresses[trace->placement_address_of[k]],
                                  trace->placement_usable[k]};
    }
    return pairs;
}

/* The walk of a recorded heap against what is live, worked out here: the
 * blocks run without a hole up to the last marker, the used
 * ones are exactly the live placements' (at their folded payloads, header
 * and usable bytes), and block_at finds each used block at its first and
 * last byte. `payloads` is sorted. */
static void expect_walk(const Allocator *heap, const uint64_t *payloads, uint64_t live, uint64_t usable)
{
    HeapBlock block, found;
    uint64_t used = 0, end = 0;
    for (bool more = allocator_first_block(heap, &block); more; more = allocator_next_block(heap, &block)) {
        if (end != 0 && block.offset != end)
            fail_msg("a hole from %llu to %llu", (unsigned long long)end, (unsigned long long)block.offset);
        end = block.offset + block.size;
        if (block.state == HEAP_BLOCK_DEAD) {
            assert_int_equal(block.size, 4096);
            continue;
        }
        if (block.state == HEAP_BLOCK_FREE)
            continue;
        assert_true(used < live);
        expect_block(&block, payloads[used] - 8, 8 + usable, HEAP_BLOCK_USED);
        assert_true(allocator_block_at(heap, block.offset, &found));
        expect_block(&found, block.offset, block.size, HEAP_BLOCK_USED);
        assert_true(allocator_block_at(heap, end - 1, &found));
        expect_block(&found, block.offset, block.size, HEAP_BLOCK_USED);
        used++;
    }
    assert_int_equal(used, live);
}

/* 6,000 placements of 8 usable bytes on 16-byte steps in two regions (so
 * ranks lie side by side), mallocs in order and frees at random, a third of
 * the time a run of 200 neighbours at once (so live blocks also lie far
 * apart): after every 25 calls the walk, block_at and the frees find what
 * a sorted list of the live payloads says, and the check finds nothing
 * wrong (2,286 of the slots drawn, 2,289 ranks with the start and two
 * markers: a live set of 36 words and a summary, a tree of 144 leaves). */
static void test_walk_matches_the_live_placements(void **state)
{
    (void)state;
    enum { COUNT = 6000, SLOTS = 2500, USABLE = 8 };
    RecordedPair *placements = malloc(COUNT * sizeof *placements);
    uint64_t random = 99;
    for (uint64_t i = 0; i < COUNT; i++) {
        random = random * 6364136223846793005u + 1442695040888963407u;
        uint64_t slot = (random >> 20) % SLOTS;
        placements[i].address = (slot < SLOTS / 2 ? 0x55a629a56010 : 0x7f3adb51e010) + 16 * slot;
        placements[i].usable = USABLE;
    }
    uint64_t *expected = expected_payloads(placements, COUNT);
    uint64_t *live_at = calloc(SLOTS, sizeof *live_at); /* per slot: the payload live there, 0 */
    uint64_t *sorted = malloc(SLOTS * sizeof *sorted);
    RecordedPairs made;
    Allocator *heap = create_from_pairs(placements, COUNT, &made);
    for (uint64_t i = 0; i < COUNT; i++) {
        uint64_t payload, slot = placements[i].address >= 0x7f3adb51e010
                                     ? (placements[i].address - 0x7f3adb51e010) / 16
                                     : (placements[i].address - 0x55a629a56010) / 16;
        if (live_at[slot]) {
            assert_int_equal(allocator_free(heap, live_at[slot]), HEAP_OK);
            live_at[slot] = 0;
        }
        assert_int_equal(allocator_malloc(heap, USABLE, &payload), HEAP_OK);
        assert_int_equal(payload, expected[i]);
        live_at[slot] = payload;
        random = random * 6364136223846793005u + 1442695040888963407u;
        uint64_t from = (random >> 20) % SLOTS, run = (random >> 40) % 3 == 0 ? 200 : 1;
        for (uint64_t k = from; k < from + run && k < SLOTS; k++) {
            if (live_at[k]) {
                assert_int_equal(allocator_free(heap, live_at[k]), HEAP_OK);
                live_at[k] = 0;
            }
        }
        if (i % 25 == 0) {
            uint64_t live = 0;
            for (uint64_t k = 0; k < SLOTS; k++)
                if (live_at[k])
                    sorted[live++] = live_at[k];
            qsort(sorted, live, sizeof *sorted, compare_u64);
            expect_walk(heap, sorted, live, USABLE);
            assert_int_equal(allocator_check(heap).broken, 0);
        }
    }
    assert_int_equal(allocator_check(heap).broken, 0);
    allocator_destroy(heap);
    recorded_pairs_free(&made);
    free(sorted);
    free(live_at);
    free(expected);
    free(placements);
}

/* Replays a capture's trace on `recorded`: each a and r at glibc's address,
 * folded as the rule says. */
static void replay_at_glibc_addresses(const char *trace_path)
{
    char message[512];
    Trace *trace = NULL;
    if (!trace_load(trace_path, &trace, message, sizeof message) ||
        !capture_attach_placements(trace_path, &trace, message, sizeof message))
        fail_msg("%s", message);
    assert_true(trace->placement_count > 0);
    RecordedPlacements placements = trace_placements(trace);
    Allocator *heap = create_recorded(&placements);
    Allocator *copy = NULL;
    RecordedPair *pairs = pairs_of(trace);
    uint64_t *expected = expected_payloads(pairs, trace->placement_count);
    free(pairs);
    uint64_t *payload_of = calloc(trace->id_count, sizeof *payload_of);
    uint64_t placed = 0;
    for (uint32_t i = 0; i < trace->op_count; i++) {
        const Op *op = &trace->ops[i];
        uint64_t result = 0;
        if (i == trace->op_count / 2)
            assert_int_equal(allocator_clone(heap, &copy), HEAP_OK);
        if (op->kind == OP_FREE) {
            assert_int_equal(allocator_free(heap, payload_of[op->id]), HEAP_OK);
            payload_of[op->id] = 0;
            continue;
        }
        HeapError error = op->kind == OP_MALLOC
                              ? allocator_malloc(heap, op->bytes, &result)
                              : allocator_realloc(heap, payload_of[op->id], op->bytes, &result);
        assert_int_equal(error, HEAP_OK);
        assert_int_equal(result, expected[placed++]);
        payload_of[op->id] = result;
        if (i % 97 == 0)
            assert_int_equal(allocator_check(heap).broken, 0);
    }
    assert_int_equal(allocator_check(heap).broken, 0);
    assert_int_equal(allocator_stats(heap)->failed + allocator_stats(heap)->errors, 0);
    /* a clone taken halfway copies back onto the heap and stays consistent */
    assert_int_equal(allocator_copy(heap, copy), HEAP_OK);
    assert_int_equal(allocator_check(heap).broken, 0);
    assert_memory_equal(allocator_stats(heap), allocator_stats(copy), sizeof(HeapStats));
    allocator_destroy(copy);
    free(payload_of);
    free(expected);
    allocator_destroy(heap);
    trace_destroy(trace);
}

static void capture(const char *trace, const char *const *program)
{
    char out[512], err[512];
    const char *arguments[16] = {"--headless", "--stats", "json", "--capture", trace, "--"};
    int count = 6;
    for (int i = 0; program[i]; i++)
        arguments[count++] = program[i];
    arguments[count] = NULL;
    snprintf(out, sizeof out, "%s/out", directory);
    snprintf(err, sizeof err, "%s/err", directory);
    assert_int_equal(run_support_spawn(heapviz, arguments, out, err), 0);
}

static void test_subject_replays_at_glibc_addresses(void **state)
{
    (void)state;
    char trace[256];
    snprintf(trace, sizeof trace, "%s/subject.rep", directory);
    capture(trace, (const char *const[]){subject, "exit", NULL});
    replay_at_glibc_addresses(trace);
}

static void test_real_program_replays_at_glibc_addresses(void **state)
{
    (void)state;
    char trace[256];
    snprintf(trace, sizeof trace, "%s/real.rep", directory);
    if (access("/usr/bin/python3", X_OK) == 0)
        capture(trace, (const char *const[]){"/usr/bin/python3", "-c",
                                             "print(sorted(str(i) * 40 for i in range(20000))[7])", NULL});
    else
        capture(trace, (const char *const[]){"sort", "/etc/passwd", NULL});
    replay_at_glibc_addresses(trace);
}

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
}

/* A capture of a program that placed no block (its sidecar is empty, like
 * its list of operations) gives `recorded` nothing to replay: one sentence
 * naming the trace, exit 1 (bad input), nothing on standard output. */
static void test_a_capture_without_blocks_is_refused(void **state)
{
    (void)state;
    char trace[256], sidecar[264], out[256], err[256], text[512];
    snprintf(trace, sizeof trace, "%s/empty.rep", directory);
    snprintf(sidecar, sizeof sidecar, "%s.addr", trace);
    snprintf(out, sizeof out, "%s/out", directory);
    snprintf(err, sizeof err, "%s/err", directory);
    write_text(trace, "0\n1\n0\n1\n");
    write_text(sidecar, "");
    const char *arguments[] = {"--headless", "--trace", trace, "--allocator", "recorded", NULL};
    assert_int_equal(run_support_spawn(heapviz, arguments, out, err), 1);
    run_support_read(err, text, sizeof text);
    assert_string_equal(text, "heapviz: empty.rep places no block (it has no a or r line): the recorded "
                              "allocator has nothing to replay\n");
    run_support_read(out, text, sizeof text);
    assert_string_equal(text, "");
    unlink(trace);
    unlink(sidecar);
}

static int make_directory(void **state)
{
    (void)state;
    return mkdtemp(directory) ? 0 : -1;
}

static int remove_directory(void **state)
{
    (void)state;
    static const char *const names[] = {"out", "err", "subject.rep", "subject.rep.addr", "real.rep",
                                        "real.rep.addr", "empty.rep", "empty.rep.addr"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", directory, names[i]);
        unlink(path);
    }
    return rmdir(directory);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s HEAPVIZ CAPTURE_SUBJECT\n", argv[0]);
        return 2;
    }
    heapviz = argv[1];
    subject = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_and_gaps_by_hand),
        cmocka_unit_test(test_largest_free_as_gaps_close),
        cmocka_unit_test(test_program_addresses_by_hand),
        cmocka_unit_test(test_strays_fail_and_change_nothing),
        cmocka_unit_test(test_impossible_placements_are_refused),
        cmocka_unit_test(test_a_capture_without_blocks_is_refused),
        cmocka_unit_test(test_layout_of_scattered_placements),
        cmocka_unit_test(test_walk_matches_the_live_placements),
        cmocka_unit_test(test_first_block_at_its_page_starts_the_heap),
        cmocka_unit_test(test_free_on_a_marker_strays),
        cmocka_unit_test(test_subject_replays_at_glibc_addresses),
        cmocka_unit_test(test_real_program_replays_at_glibc_addresses),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
