/*
 * buddy_heap.h - the `buddy` design's heap (internal to alloc/; see
 * buddy.c for the rules). Only buddy.c and the tests that corrupt a heap
 * on purpose look inside.
 */
#ifndef HEAPVIZ_BUDDY_HEAP_H
#define HEAPVIZ_BUDDY_HEAP_H

#include "allocator.h"
#include "block_map.h"

enum {
    BUDDY_MIN_ORDER = 5,         /* 32-byte blocks */
    BUDDY_MAX_ORDER = 40,        /* a 1 TiB region at most */
    BUDDY_HEADER_BYTES = 8,
    BUDDY_MAP_ALLOCATED = 0x80   /* map byte: the block is allocated */
};

typedef enum {
    BUDDY_CHECK_TILING = 1u << 0,
    BUDDY_CHECK_BUDDIES = 1u << 1,
    BUDDY_CHECK_LISTS = 1u << 2,
    BUDDY_CHECK_LIVE = 1u << 3,
    BUDDY_CHECK_STATS = 1u << 4
} BuddyCheckFlag;

/* The free blocks of one order, by address. */
typedef struct {
    Allocator base;
    AllocatorConfig config;
    uint64_t region;             /* bytes, a power of two */
    unsigned top;                /* the region's order */
    uint8_t *memory;             /* the region's bytes (payloads); zero past the high water */
    uint8_t *map;                /* one byte per 32-byte unit (see above), 8-byte multiple */
    uint64_t *list[BUDDY_MAX_ORDER + 1]; /* per order: its free blocks' offsets in address
                                            order, list_count of them, zero after them */
    BlockMap live;               /* used block's payload -> requested bytes */
    /* The scalars of the state, together to the end: one span (buddy_state_spans). */
    uint64_t list_count[BUDDY_MAX_ORDER + 1];
    uint64_t list_capacity[BUDDY_MAX_ORDER + 1]; /* entries allocated for each list */
    HeapStats stats;
    HeapEvent event;
} BuddyHeap;

#endif
