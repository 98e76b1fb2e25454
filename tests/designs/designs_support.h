/*
 * designs_support.h - helpers for the suites of the designs beyond `tags`
 * (csapp, csapp-explicit, csapp-segregated, buddy). They drive the designs
 * only through alloc/allocator.h, and assert through cmocka.
 */
#ifndef HEAPVIZ_DESIGNS_SUPPORT_H
#define HEAPVIZ_DESIGNS_SUPPORT_H

#include "allocator.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A block as a test expects it, written out by hand. */
typedef struct {
    uint64_t offset, size;
    HeapBlockState state;
    uint64_t requested;
} DesignBlock;

#define DESIGNS_COUNT(array) (sizeof(array) / sizeof((array)[0]))
#define USED(offset, size, requested) { offset, size, HEAP_BLOCK_USED, requested }
#define FREE(offset, size) { offset, size, HEAP_BLOCK_FREE, 0 }

/* Creates a heap of `design` (policy and list order by name, NULL for the
 * default) and asserts that it worked. */
Allocator *designs_create(const char *design, const char *policy, const char *list_order,
                          uint64_t heap_bytes, uint64_t chunk_bytes);

/* The operations, asserting HEAP_OK; they return the payload offset. */
uint64_t designs_malloc(Allocator *allocator, uint64_t n);
void designs_free(Allocator *allocator, uint64_t payload);
uint64_t designs_realloc(Allocator *allocator, uint64_t payload, uint64_t n);

/* The check must find nothing broken. */
void designs_expect_consistent(const Allocator *allocator);

/* The block walk must be exactly `expected`, and the heap consistent. */
void designs_expect_blocks(const Allocator *allocator, const DesignBlock *expected, size_t count);

/* Walks the heap into `out` (at most `capacity`); returns the block count. */
size_t designs_collect(const Allocator *allocator, HeapBlock *out, size_t capacity);

/* The offset of the marker called `name`; fails the test if there is none. */
uint64_t designs_marker(const Allocator *allocator, const char *name);

/* splitmix64, and a draw below `bound` (> 0). */
uint64_t designs_random(uint64_t *state);
uint64_t designs_below(uint64_t *state, uint64_t bound);

#endif
