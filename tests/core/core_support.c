/*
 * core_support.c - helpers shared by the allocator core suites (see the header).
 *
 * Statistics are compared through one table of field names and offsets, so
 * the differential test, the error tests and the rule tests all check every
 * field the same way and name the first one that differs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_support.h"

enum { SUPPORT_MAX_BLOCKS = 1 << 16 };

Heap *support_new_heap(uint64_t heap_bytes, uint64_t alignment, uint64_t min_payload,
                       HeapPolicy policy)
{
    HeapConfig config = { heap_bytes, alignment, min_payload, policy, .count_examined = true };
    Heap *heap = NULL;
    assert_int_equal(heap_create(&config, &heap), HEAP_OK);
    assert_non_null(heap);
    return heap;
}

uint64_t support_malloc(Heap *heap, uint64_t n)
{
    uint64_t payload = 0;
    assert_int_equal(heap_malloc(heap, n, &payload), HEAP_OK);
    assert_int_not_equal(payload, 0);
    support_expect_consistent(heap);
    return payload;
}

void support_malloc_all(Heap *heap, const uint64_t *requests, size_t count, uint64_t *payloads)
{
    for (size_t i = 0; i < count; i++) {
        payloads[i] = support_malloc(heap, requests[i]);
    }
}

void support_free(Heap *heap, uint64_t payload)
{
    assert_int_equal(heap_free(heap, payload), HEAP_OK);
    support_expect_consistent(heap);
}

uint64_t support_realloc(Heap *heap, uint64_t payload, uint64_t n)
{
    uint64_t result = 0;
    assert_int_equal(heap_realloc(heap, payload, n, &result), HEAP_OK);
    support_expect_consistent(heap);
    return result;
}

void support_expect_consistent(const Heap *heap)
{
    HeapCheck check = heap_check(heap);
    if (check.broken != 0) {
        fail_msg("heap_check: %s (broken 0x%x, %llu problems, first at block %llu)",
                 heap_check_flag_name((HeapCheckFlag)(check.broken & -check.broken)), check.broken,
                 (unsigned long long)check.problems, (unsigned long long)check.first_offset);
    }
}

uint64_t support_tag_word(uint64_t size, HeapBlockState state)
{
    if (state == HEAP_BLOCK_USED) {
        return size | HEAP_TAG_ALLOCATED;
    }
    return state == HEAP_BLOCK_DEAD ? (size | HEAP_TAG_DEAD) : size;
}

size_t support_collect_blocks(const Heap *heap, HeapBlock *out, size_t capacity)
{
    HeapBlock block;
    size_t count = 0;
    for (bool more = heap_first_block(heap, &block); more; more = heap_next_block(heap, &block)) {
        assert_true(count < capacity);
        out[count++] = block;
    }
    return count;
}

static void expect_block(const HeapBlock *actual, const ExpectedBlock *expected, size_t index)
{
    if (actual->offset != expected->offset || actual->size != expected->size
        || actual->state != expected->state || actual->requested != expected->requested) {
        fail_msg("block %zu: got {offset %llu, size %llu, state %d, requested %llu}, "
                 "want {%llu, %llu, %d, %llu}", index,
                 (unsigned long long)actual->offset, (unsigned long long)actual->size,
                 (int)actual->state, (unsigned long long)actual->requested,
                 (unsigned long long)expected->offset, (unsigned long long)expected->size,
                 (int)expected->state, (unsigned long long)expected->requested);
    }
    assert_int_equal(actual->payload, actual->offset + HEAP_TAG_BYTES);
    assert_int_equal(actual->header, support_tag_word(actual->size, actual->state));
}

void support_expect_blocks(const Heap *heap, const ExpectedBlock *expected, size_t count)
{
    HeapBlock *blocks = calloc(count + 1, sizeof *blocks);
    assert_non_null(blocks);
    HeapBlock block;
    size_t found = 0;
    for (bool more = heap_first_block(heap, &block); more; more = heap_next_block(heap, &block)) {
        if (found <= count) {
            blocks[found] = block;
        }
        found++;
    }
    for (size_t i = 0; i < found && i < count; i++) {
        expect_block(&blocks[i], &expected[i], i);
    }
    free(blocks);
    assert_int_equal(found, count);
    support_expect_consistent(heap);
}

void support_snapshot(const Heap *heap, HeapSnapshot *snapshot)
{
    snapshot->arena_bytes = heap_config(heap)->heap_bytes;
    snapshot->arena = malloc(snapshot->arena_bytes);
    assert_non_null(snapshot->arena);
    memcpy(snapshot->arena, heap_arena(heap), snapshot->arena_bytes);
    HeapBlock *walk = malloc(SUPPORT_MAX_BLOCKS * sizeof *walk);
    assert_non_null(walk);
    snapshot->block_count = support_collect_blocks(heap, walk, SUPPORT_MAX_BLOCKS);
    snapshot->blocks = walk;
    snapshot->stats = *heap_stats(heap);
    snapshot->rover = heap_rover(heap);
    snapshot->bump_pointer = heap_bump_pointer(heap);
}

void support_expect_unchanged(const Heap *heap, const HeapSnapshot *snapshot,
                              const HeapStats *stats)
{
    char why[160];
    assert_int_equal(heap_config(heap)->heap_bytes, snapshot->arena_bytes);
    assert_memory_equal(heap_arena(heap), snapshot->arena, snapshot->arena_bytes);
    HeapBlock *walk = malloc(SUPPORT_MAX_BLOCKS * sizeof *walk);
    assert_non_null(walk);
    size_t count = support_collect_blocks(heap, walk, SUPPORT_MAX_BLOCKS);
    assert_int_equal(count, snapshot->block_count);
    for (size_t i = 0; i < count; i++) {
        const HeapBlock *was = &snapshot->blocks[i];
        ExpectedBlock expected = { was->offset, was->size, was->state, was->requested };
        expect_block(&walk[i], &expected, i);
    }
    free(walk);
    if (!support_stats_equal(heap_stats(heap), stats, why, sizeof why)) {
        fail_msg("statistics changed: %s", why);
    }
    assert_int_equal(heap_rover(heap), snapshot->rover);
    assert_int_equal(heap_bump_pointer(heap), snapshot->bump_pointer);
    support_expect_consistent(heap);
}

void support_snapshot_release(HeapSnapshot *snapshot)
{
    free(snapshot->arena);
    free(snapshot->blocks);
    snapshot->arena = NULL;
    snapshot->blocks = NULL;
}

typedef struct {
    const char *name;
    size_t offset;
} StatField;

#define COUNT_FIELD(field) { #field, offsetof(HeapStats, field) }
static const StatField count_fields[] = {
    COUNT_FIELD(mallocs), COUNT_FIELD(frees), COUNT_FIELD(reallocs), COUNT_FIELD(failed),
    COUNT_FIELD(failed_fragmented), COUNT_FIELD(errors), COUNT_FIELD(compactions),
    COUNT_FIELD(heap_bytes), COUNT_FIELD(used_blocks), COUNT_FIELD(free_blocks),
    COUNT_FIELD(dead_blocks), COUNT_FIELD(bytes_in_use), COUNT_FIELD(payload_bytes),
    COUNT_FIELD(free_bytes), COUNT_FIELD(dead_bytes), COUNT_FIELD(largest_free),
    COUNT_FIELD(peak_payload), COUNT_FIELD(high_water), COUNT_FIELD(examined),
};
static const StatField ratio_fields[] = {
    COUNT_FIELD(external_fragmentation), COUNT_FIELD(internal_fragmentation),
    COUNT_FIELD(utilization),
};
#undef COUNT_FIELD

static bool near(double a, double b)
{
    double difference = a > b ? a - b : b - a;
    double scale = (a > 0 ? a : -a) > 1.0 ? (a > 0 ? a : -a) : 1.0;
    return difference <= 1e-9 * scale;
}

void support_expect_near(double actual, double expected)
{
    if (!near(actual, expected)) {
        fail_msg("got %.12f, want %.12f", actual, expected);
    }
}

bool support_stats_equal(const HeapStats *a, const HeapStats *b, char *why, size_t why_size)
{
    const char *base_a = (const char *)a, *base_b = (const char *)b;
    for (size_t i = 0; i < sizeof count_fields / sizeof count_fields[0]; i++) {
        uint64_t x, y;
        memcpy(&x, base_a + count_fields[i].offset, sizeof x);
        memcpy(&y, base_b + count_fields[i].offset, sizeof y);
        if (x != y) {
            snprintf(why, why_size, "%s: %llu vs %llu", count_fields[i].name,
                     (unsigned long long)x, (unsigned long long)y);
            return false;
        }
    }
    for (size_t i = 0; i < sizeof ratio_fields / sizeof ratio_fields[0]; i++) {
        double x, y;
        memcpy(&x, base_a + ratio_fields[i].offset, sizeof x);
        memcpy(&y, base_b + ratio_fields[i].offset, sizeof y);
        if (!near(x, y)) {
            snprintf(why, why_size, "%s: %.12f vs %.12f", ratio_fields[i].name, x, y);
            return false;
        }
    }
    return true;
}

uint64_t support_arena_word(const Heap *heap, uint64_t offset)
{
    const uint8_t *bytes = heap_arena(heap) + offset;
    uint64_t word = 0;
    for (int i = 7; i >= 0; i--) {
        word = word << 8 | bytes[i];
    }
    return word;
}

uint64_t support_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t support_random_below(uint64_t *state, uint64_t bound)
{
    return support_random(state) % bound;
}

uint8_t support_pattern_byte(uint64_t id, uint64_t i)
{
    uint64_t mixed = (id + 1) * 0x9E3779B97F4A7C15ull + i * 0x2545F4914F6CDD1Dull;
    return (uint8_t)(mixed >> 56 ^ mixed >> 24);
}

void support_write_pattern(Heap *heap, uint64_t payload, uint64_t id, uint64_t length)
{
    uint64_t capacity = 0;
    uint8_t *bytes = heap_payload(heap, payload, &capacity);
    assert_non_null(bytes);
    assert_true(capacity >= length);
    for (uint64_t i = 0; i < length; i++) {
        bytes[i] = support_pattern_byte(id, i);
    }
}

void support_expect_pattern(Heap *heap, uint64_t payload, uint64_t id, uint64_t length)
{
    uint64_t capacity = 0;
    const uint8_t *bytes = heap_payload(heap, payload, &capacity);
    assert_non_null(bytes);
    for (uint64_t i = 0; i < length; i++) {
        if (bytes[i] != support_pattern_byte(id, i)) {
            fail_msg("payload %llu byte %llu: got 0x%02x, want 0x%02x (pattern %llu)",
                     (unsigned long long)payload, (unsigned long long)i, bytes[i],
                     support_pattern_byte(id, i), (unsigned long long)id);
        }
    }
}
