/*
 * heap_internal.h - the Heap object and its tag accessors, shared by heap.c
 * and heap_check.c only. Nothing outside alloc/ includes this file.
 */
#ifndef HEAPVIZ_HEAP_INTERNAL_H
#define HEAPVIZ_HEAP_INTERNAL_H

#include "block_map.h"
#include "free_tree.h"
#include "heap.h"

#define TAG_FLAGS ((uint64_t)(HEAP_TAG_ALLOCATED | HEAP_TAG_DEAD))

struct Heap {
    HeapConfig config;
    uint8_t *arena;              /* config.heap_bytes bytes */
    bool owns_arena;
    uint64_t region_start;       /* b0: the first block's offset */
    uint64_t region_end;         /* one past the last usable byte */
    uint64_t min_block;          /* align_up(16 + M, A), bytes */
    uint64_t rover;              /* next fit: where the next search starts */
    uint64_t bump_pointer;       /* bump: the start of the untouched top */
    HeapStats stats;             /* kept exact after every call */
    HeapEvent event;             /* what the last call did */
    BlockMap live;               /* payload -> requested (| dead) of used and dead blocks */
    FreeTree by_address;         /* every free block, keyed by offset */
    FreeTree by_size;            /* best fit only: free blocks keyed by (size, offset) */
};

/* A tag word: little-endian 64-bit, so the arena reads the same everywhere. */
static inline uint64_t tag_read(const Heap *heap, uint64_t offset)
{
    const uint8_t *bytes = heap->arena + offset;
    uint64_t word = 0;
    for (int i = 7; i >= 0; i--)
        word = (word << 8) | bytes[i];
    return word;
}

static inline void tag_write(Heap *heap, uint64_t offset, uint64_t word)
{
    uint8_t *bytes = heap->arena + offset;
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(word >> (8 * i));
}

static inline uint64_t tag_size(uint64_t word)
{
    return word & ~TAG_FLAGS;
}

static inline uint64_t tag_flags(uint64_t word)
{
    return word & TAG_FLAGS;
}

/* A free block's payload holds its node index in the address tree
 * (4 bytes, little-endian): every block has at least 4 payload bytes. */
static inline uint32_t free_block_node(const Heap *heap, uint64_t offset)
{
    const uint8_t *bytes = heap->arena + offset + HEAP_TAG_BYTES;
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
           (uint32_t)bytes[3] << 24;
}

static inline void set_free_block_node(Heap *heap, uint64_t offset, uint32_t node)
{
    uint8_t *bytes = heap->arena + offset + HEAP_TAG_BYTES;
    for (int i = 0; i < 4; i++)
        bytes[i] = (uint8_t)(node >> (8 * i));
}

#endif
