/*
 * block_map.h - the live-block map of a heap (internal to alloc/).
 *
 * Maps a used block's payload offset to the bytes its owner requested. It is
 * the one authority on which offsets are valid payloads, so free() never
 * trusts bytes a user could have written. (Bump's dead blocks keep what they
 * held in dead_blocks.h, which files them in a map of this kind too.)
 * Open addressing with linear probing and backward-shift deletion; payload
 * offsets are never 0, so 0 marks an empty slot.
 */
#ifndef HEAPVIZ_BLOCK_MAP_H
#define HEAPVIZ_BLOCK_MAP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t key;                /* payload offset; 0 = empty slot */
    uint64_t value;              /* requested bytes */
} BlockMapSlot;

typedef struct {
    BlockMapSlot *slots;
    uint64_t capacity;           /* a power of two */
    uint64_t count;
    unsigned shift;              /* 64 - log2(capacity), for Fibonacci hashing */
} BlockMap;

/* Allocates an empty map; false if host memory ran out. */
bool block_map_init(BlockMap *map);
void block_map_release(BlockMap *map);

/* Removes every entry, keeping the memory. */
void block_map_clear(BlockMap *map);

/* Makes `target` hold the same entries as `source`. */
bool block_map_copy(BlockMap *target, const BlockMap *source);

/* Makes room for `needed` entries (the slow path of block_map_reserve). */
bool block_map_grow(BlockMap *map, uint64_t needed);

/* Ensures `extra` more inserts will not need to allocate. */
static inline bool block_map_reserve(BlockMap *map, uint64_t extra)
{
    uint64_t needed = map->count + extra;
    return needed <= map->capacity / 2 || block_map_grow(map, needed);
}

/* The value stored for `key`, or NULL. */
uint64_t *block_map_find(const BlockMap *map, uint64_t key);

/* Adds a key that is not present. The caller has reserved room. */
void block_map_insert(BlockMap *map, uint64_t key, uint64_t value);

/* Removes the entry whose value block_map_find returned. Other entries may
 * move, so earlier results of block_map_find are no longer valid. */
void block_map_remove(BlockMap *map, uint64_t *value);

#endif
