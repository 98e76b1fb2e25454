/*
 * block_map.h - a map from a block's payload offset to the bytes its owner
 * requested (internal to alloc/).
 *
 * The textbook and buddy designs keep their used blocks in one: it is the
 * one authority on which offsets are valid payloads, so free() never trusts
 * bytes a user could have written. The tags design keeps marks instead
 * (live_blocks.h), and maps only the blocks whose slack a mark cannot hold,
 * and (dead_blocks.h) what bump's dead blocks held.
 * Open addressing with linear probing and backward-shift deletion; payload
 * offsets are never 0, so 0 marks an empty slot.
 */
#ifndef HEAPVIZ_BLOCK_MAP_H
#define HEAPVIZ_BLOCK_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t key;                /* payload offset; 0 = empty slot */
    uint64_t value;              /* requested bytes */
} BlockMapSlot;

typedef struct {
    BlockMapSlot *slots;
    uint64_t capacity;           /* a power of two */
    uint64_t count;
    uint64_t shift;              /* 64 - log2(capacity), for Fibonacci hashing (64 bits: no
                                    padding, whose bytes a copy would not keep) */
} BlockMap;

/* Allocates an empty map; false if host memory ran out. */
bool block_map_init(BlockMap *map);
void block_map_release(BlockMap *map);

/* Removes every entry, keeping the memory. */
void block_map_clear(BlockMap *map);

/* Makes `target` hold the same entries as `source`. */
bool block_map_copy(BlockMap *target, const BlockMap *source);

/* The capacity a map grows to for `entries` entries (at most half full). */
uint64_t block_map_capacity_for(uint64_t entries);

/* Makes room for `needed` entries (the slow path of block_map_reserve). */
bool block_map_grow(BlockMap *map, uint64_t needed);

/* Ensures `extra` more inserts will not need to allocate. */
static inline bool block_map_reserve(BlockMap *map, uint64_t extra)
{
    uint64_t needed = map->count + extra;
    return needed <= map->capacity / 2 || block_map_grow(map, needed);
}

/* Where `key` starts looking: Fibonacci hashing spreads nearby offsets. */
static inline uint64_t block_map_home(const BlockMap *map, uint64_t key)
{
    return (key * UINT64_C(0x9E3779B97F4A7C15)) >> map->shift;
}

/* The value stored for `key`, or NULL. Inline, as the other short calls on
 * every malloc and free are (a call costs as much as a short probe). */
static inline uint64_t *block_map_find(const BlockMap *map, uint64_t key)
{
    uint64_t mask = map->capacity - 1;
    for (uint64_t i = block_map_home(map, key);; i = (i + 1) & mask) {
        if (map->slots[i].key == key)
            return &map->slots[i].value;
        if (map->slots[i].key == 0)
            return NULL;
    }
}

/* Adds a key that is not present. The caller has reserved room. */
static inline void block_map_insert(BlockMap *map, uint64_t key, uint64_t value)
{
    uint64_t mask = map->capacity - 1;
    uint64_t i = block_map_home(map, key);
    while (map->slots[i].key)
        i = (i + 1) & mask;
    map->slots[i].key = key;
    map->slots[i].value = value;
    map->count++;
}

/* Removes the entry whose value block_map_find returned. Other entries may
 * move, so earlier results of block_map_find are no longer valid. */
static inline void block_map_remove(BlockMap *map, uint64_t *value)
{
    uint64_t mask = map->capacity - 1;
    uint64_t hole = (uint64_t)((BlockMapSlot *)((uint8_t *)value - offsetof(BlockMapSlot, value)) -
                               map->slots);
    /* Shift back every later entry of the run whose home is at or before the hole. */
    for (uint64_t i = (hole + 1) & mask; map->slots[i].key; i = (i + 1) & mask) {
        uint64_t home = block_map_home(map, map->slots[i].key);
        bool home_in_gap = ((i - home) & mask) >= ((i - hole) & mask);
        if (home_in_gap) {
            map->slots[hole] = map->slots[i];
            hole = i;
        }
    }
    map->slots[hole].key = 0;
    map->slots[hole].value = 0;
    map->count--;
}

#endif
