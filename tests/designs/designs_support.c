/*
 * designs_support.c - helpers for the design suites (see designs_support.h).
 */
#include "designs_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

Allocator *designs_create(const char *design, const char *policy, const char *list_order,
                          uint64_t heap_bytes, uint64_t chunk_bytes)
{
    const AllocatorDesign *found = allocator_design_find(design);
    assert_non_null(found);
    AllocatorSetup setup = { .design = found, .config = allocator_default_config(heap_bytes) };
    setup.config.chunk_bytes = chunk_bytes;
    if (policy)
        assert_true(allocator_policy_index(found, policy, &setup.config.policy));
    if (list_order)
        assert_true(allocator_list_order_index(found, list_order, &setup.config.list_order));
    Allocator *allocator = NULL;
    assert_int_equal(allocator_create(&setup, &allocator), HEAP_OK);
    designs_expect_consistent(allocator);
    return allocator;
}

uint64_t designs_malloc(Allocator *allocator, uint64_t n)
{
    uint64_t payload = 0;
    assert_int_equal(allocator_malloc(allocator, n, &payload), HEAP_OK);
    return payload;
}

void designs_free(Allocator *allocator, uint64_t payload)
{
    assert_int_equal(allocator_free(allocator, payload), HEAP_OK);
}

uint64_t designs_realloc(Allocator *allocator, uint64_t payload, uint64_t n)
{
    uint64_t result = 0;
    assert_int_equal(allocator_realloc(allocator, payload, n, &result), HEAP_OK);
    return result;
}

void designs_expect_consistent(const Allocator *allocator)
{
    HeapCheck check = allocator_check(allocator);
    if (check.broken)
        fail_msg("check: %s at %llu", allocator_design(allocator)->check_flag_name(check.broken & -check.broken),
                 (unsigned long long)check.first_offset);
}

size_t designs_collect(const Allocator *allocator, HeapBlock *out, size_t capacity)
{
    size_t count = 0;
    HeapBlock block;
    for (bool more = allocator_first_block(allocator, &block); more;
         more = allocator_next_block(allocator, &block)) {
        if (count < capacity)
            out[count] = block;
        count++;
    }
    return count;
}

void designs_expect_blocks(const Allocator *allocator, const DesignBlock *expected, size_t count)
{
    HeapBlock blocks[64];
    size_t found = designs_collect(allocator, blocks, DESIGNS_COUNT(blocks));
    assert_int_equal(found, count);
    for (size_t i = 0; i < count; i++) {
        if (blocks[i].offset != expected[i].offset || blocks[i].size != expected[i].size ||
            blocks[i].state != expected[i].state || blocks[i].requested != expected[i].requested)
            fail_msg("block %zu: got %llu+%llu state %d req %llu, want %llu+%llu state %d req %llu", i,
                     (unsigned long long)blocks[i].offset, (unsigned long long)blocks[i].size,
                     (int)blocks[i].state, (unsigned long long)blocks[i].requested,
                     (unsigned long long)expected[i].offset, (unsigned long long)expected[i].size,
                     (int)expected[i].state, (unsigned long long)expected[i].requested);
    }
    designs_expect_consistent(allocator);
}

uint64_t designs_marker(const Allocator *allocator, const char *name)
{
    HeapMarker markers[ALLOCATOR_MAX_MARKERS];
    uint32_t count = allocator_markers(allocator, markers);
    for (uint32_t i = 0; i < count; i++)
        if (strcmp(markers[i].name, name) == 0)
            return markers[i].offset;
    fail_msg("no marker called %s", name);
    return 0;
}

uint64_t designs_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t designs_below(uint64_t *state, uint64_t bound)
{
    return designs_random(state) % bound;
}
