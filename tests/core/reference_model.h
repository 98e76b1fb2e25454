/*
 * reference_model.h - a deliberately simple allocator that follows the rules
 * of issue 3 to the letter, for the differential test.
 *
 * It shares nothing with alloc/ but the public types of heap.h: the blocks
 * live in one array in address order, every search is a linear scan, and the
 * block-derived statistics are recounted from scratch after every call. It
 * keeps no arena bytes; the payload suite checks those on the real heap.
 * Slow on purpose, so that it is easy to believe.
 */
#ifndef HEAPVIZ_REFERENCE_MODEL_H
#define HEAPVIZ_REFERENCE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"

typedef struct RefHeap RefHeap;

typedef struct {
    uint64_t offset;             /* block start (header), bytes */
    uint64_t size;               /* whole block, bytes */
    HeapBlockState state;
    uint64_t requested;          /* 0 for free blocks */
} RefBlock;

/* Same contract as heap_create: HEAP_ERROR_INVALID_CONFIG for a bad config. */
HeapError ref_create(const HeapConfig *config, RefHeap **out);
void ref_destroy(RefHeap *ref);

/* Same contracts as heap_malloc, heap_free, heap_realloc and heap_compact. */
HeapError ref_malloc(RefHeap *ref, uint64_t n, uint64_t *payload);
HeapError ref_free(RefHeap *ref, uint64_t payload);
HeapError ref_realloc(RefHeap *ref, uint64_t payload, uint64_t n, uint64_t *result);
void ref_compact(RefHeap *ref, HeapMoveFn on_move, void *context);

const HeapStats *ref_stats(const RefHeap *ref);
uint64_t ref_region_start(const RefHeap *ref);
uint64_t ref_region_end(const RefHeap *ref);
uint64_t ref_min_block(const RefHeap *ref);
uint64_t ref_rover(const RefHeap *ref);
uint64_t ref_bump_pointer(const RefHeap *ref);

/* The blocks in address order: index 0 .. ref_block_count() - 1. */
size_t ref_block_count(const RefHeap *ref);
RefBlock ref_block(const RefHeap *ref, size_t index);

/* The free blocks the last call's search passed, in the order it passed
 * them; *count gets how many. */
const uint64_t *ref_search_path(const RefHeap *ref, size_t *count);

/* The payload of the k-th used block (k < used_blocks), for drivers that
 * pick a random live block. */
uint64_t ref_used_payload(const RefHeap *ref, uint64_t k);

/* max(minimum block, align_up(n + 16, A)); false if that overflows. */
bool ref_request_size(const RefHeap *ref, uint64_t n, uint64_t *asize);

#endif
