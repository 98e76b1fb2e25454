/*
 * core_support.h - small helpers shared by the allocator core suites.
 *
 * Each helper asserts through cmocka, so a test reads as the rule it checks:
 * make a heap, call it, state the blocks it must hold. Also here: a
 * snapshot of everything a failed call must leave alone, a field-by-field
 * statistics comparison that names the first difference, the fixed-seed
 * splitmix64 generator and the payload pattern.
 */
#ifndef HEAPVIZ_CORE_SUPPORT_H
#define HEAPVIZ_CORE_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"

/* A block as a test expects it, written out by hand. */
typedef struct {
    uint64_t offset;
    uint64_t size;
    HeapBlockState state;
    uint64_t requested;
} ExpectedBlock;

/* Everything a failed or rejected call must leave as it was. */
typedef struct {
    uint8_t *arena;
    uint64_t arena_bytes;
    HeapBlock *blocks;
    size_t block_count;
    HeapStats stats;
    uint64_t rover;
    uint64_t bump_pointer;
} HeapSnapshot;

#define SUPPORT_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Creates a heap and asserts that it worked. */
Heap *support_new_heap(uint64_t heap_bytes, uint64_t alignment, uint64_t min_payload,
                       HeapPolicy policy);

/* The operations, asserting HEAP_OK; they return the payload offset. */
uint64_t support_malloc(Heap *heap, uint64_t n);
void support_free(Heap *heap, uint64_t payload);
/* Mallocs each of `requests` in order; the payloads go to `payloads`. */
void support_malloc_all(Heap *heap, const uint64_t *requests, size_t count, uint64_t *payloads);
uint64_t support_realloc(Heap *heap, uint64_t payload, uint64_t n);

/* heap_check() must find nothing broken. */
void support_expect_consistent(const Heap *heap);

/* The block walk must yield exactly `expected`, with payload = offset + 8 and
 * the raw header used = size|1, free = size, dead = size|2. */
void support_expect_blocks(const Heap *heap, const ExpectedBlock *expected, size_t count);

/* The raw tag word for a block of `size` bytes in `state`. */
uint64_t support_tag_word(uint64_t size, HeapBlockState state);

/* Walks the heap into `out` (at most `capacity`); returns the block count. */
size_t support_collect_blocks(const Heap *heap, HeapBlock *out, size_t capacity);

/* Takes a snapshot; support_expect_unchanged asserts that arena, blocks,
 * rover and heap pointer are as they were and the statistics equal `stats`. */
void support_snapshot(const Heap *heap, HeapSnapshot *snapshot);
void support_expect_unchanged(const Heap *heap, const HeapSnapshot *snapshot,
                              const HeapStats *stats);
void support_snapshot_release(HeapSnapshot *snapshot);

/* Compares every statistic; on a difference writes "field: a vs b" to `why`. */
bool support_stats_equal(const HeapStats *a, const HeapStats *b, char *why, size_t why_size);

/* Asserts that two fractions or percentages agree to rounding. */
void support_expect_near(double actual, double expected);

/* The little-endian 64-bit word at arena offset `offset`. */
uint64_t support_arena_word(const Heap *heap, uint64_t offset);

/* splitmix64: the next value of a fixed-seed stream, and one below `bound` (> 0). */
uint64_t support_random(uint64_t *state);
uint64_t support_random_below(uint64_t *state, uint64_t bound);

/* Byte i of the pattern written into the payload of allocation `id`. */
uint8_t support_pattern_byte(uint64_t id, uint64_t i);

/* Writes pattern `id` over the first `length` payload bytes of a live block,
 * and asserts that they hold it. */
void support_write_pattern(Heap *heap, uint64_t payload, uint64_t id, uint64_t length);
void support_expect_pattern(Heap *heap, uint64_t payload, uint64_t id, uint64_t length);

#endif
