/*
 * naive_first_fit.h - the Python seed's allocator, written in C on purpose
 * without an index: the yardstick the real core is measured against.
 *
 * A singly linked list of free blocks in address order, scanned from the
 * head on every malloc (first fit, split) and on every free (to find where
 * the block goes, then merge with contiguous neighbours). Both scans are
 * O(free blocks). It manages caller memory, like heap_create_in, and uses
 * byte offsets as addresses (0 is NULL).
 */
#ifndef HEAPVIZ_NAIVE_FIRST_FIT_H
#define HEAPVIZ_NAIVE_FIRST_FIT_H

#include <stdint.h>

typedef struct NaiveHeap NaiveHeap;

/* A heap over `bytes` bytes of caller memory (8-aligned, at least 16 bytes),
 * which must outlive it. NULL if out of host memory or too small. */
NaiveHeap *naive_create_in(void *memory, uint64_t bytes);
void naive_destroy(NaiveHeap *heap);

/* First fit: the lowest free block that holds n bytes plus an 8-byte header.
 * Returns the payload offset, or 0 when nothing fits. */
uint64_t naive_malloc(NaiveHeap *heap, uint64_t n);

/* Frees a payload that naive_malloc returned; 0 does nothing. */
void naive_free(NaiveHeap *heap, uint64_t payload);

/* Stays in place if the block is big enough, else malloc, copy, free.
 * realloc(0, n) is malloc(n); realloc(p, 0) frees p and returns 0.
 * Returns 0 and keeps the old block when nothing fits. */
uint64_t naive_realloc(NaiveHeap *heap, uint64_t payload, uint64_t n);

/* Walks the arena and the free list and counts broken invariants: blocks
 * that do not tile the arena, a list out of address order, two adjacent
 * free blocks, a free block missing from the list. 0 means consistent. */
uint64_t naive_check(const NaiveHeap *heap);

#endif
