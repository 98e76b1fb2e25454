/*
 * buddy_reference.h - a simple model of the `buddy` design, written from
 * the rules of issue 18 and not from alloc/: the region is an array of
 * blocks (offset, order, used, requested) in address order; a free list is
 * whatever the array holds, searched by a scan.
 */
#ifndef HEAPVIZ_BUDDY_REFERENCE_H
#define HEAPVIZ_BUDDY_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t offset;
    unsigned order;
    bool used;
    uint64_t requested;
} BuddyBlock;

enum { BUDDY_REFERENCE_MAX_BLOCKS = 4096 };

typedef struct {
    unsigned top;                /* the region is 2^top bytes */
    BuddyBlock blocks[BUDDY_REFERENCE_MAX_BLOCKS];
    size_t count;
    uint64_t mallocs, frees, reallocs, failed, examined;
    uint64_t payload, peak, high_water;
    uint64_t call_examined, call_merges;
} BuddyReference;

/* The region: the largest power of two <= heap_bytes (>= 32). */
void buddy_reference_init(BuddyReference *model, uint64_t heap_bytes);
bool buddy_reference_malloc(BuddyReference *model, uint64_t n, uint64_t *payload);
void buddy_reference_free(BuddyReference *model, uint64_t payload);
bool buddy_reference_realloc(BuddyReference *model, uint64_t payload, uint64_t n, uint64_t *result);

#endif
