/*
 * block_map.c - payload offset -> requested bytes, open addressing.
 *
 * The table is kept at most half full, so a lookup touches one or two cache
 * lines. Deletion shifts later entries of the same run back instead of
 * leaving tombstones, so lookups never slow down over a long run.
 */
#include "block_map.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_MAP_MIN_CAPACITY = 64 };

static unsigned log2_of(uint64_t power_of_two)
{
    unsigned bits = 0;
    while ((UINT64_C(1) << bits) < power_of_two)
        bits++;
    return bits;
}

static bool allocate_slots(BlockMap *map, uint64_t capacity)
{
    BlockMapSlot *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return false;
    map->slots = slots;
    map->capacity = capacity;
    map->count = 0;
    map->shift = 64 - log2_of(capacity);
    return true;
}

bool block_map_init(BlockMap *map)
{
    return allocate_slots(map, BLOCK_MAP_MIN_CAPACITY);
}

void block_map_release(BlockMap *map)
{
    free(map->slots);
    map->slots = NULL;
    map->capacity = map->count = 0;
}

void block_map_clear(BlockMap *map)
{
    if (map->slots)
        memset(map->slots, 0, map->capacity * sizeof *map->slots);
    map->count = 0;
}

bool block_map_copy(BlockMap *target, const BlockMap *source)
{
    if (target->capacity != source->capacity) {
        BlockMapSlot *slots = malloc(source->capacity * sizeof *slots);
        if (!slots)
            return false;
        free(target->slots);
        target->slots = slots;
    }
    memcpy(target->slots, source->slots, source->capacity * sizeof *target->slots);
    target->capacity = source->capacity;
    target->count = source->count;
    target->shift = source->shift;
    return true;
}

uint64_t block_map_capacity_for(uint64_t entries)
{
    uint64_t capacity = BLOCK_MAP_MIN_CAPACITY;
    while (capacity / 2 < entries)
        capacity *= 2;
    return capacity;
}

/* Rehashes every entry into a table twice as large (or more). Growing four
 * times over would move a third as many entries while the map fills, but
 * leaves it up to eight times the size of its entries: every history
 * snapshot copies the map, and on a 20 MiB trace heap that pushed the
 * window's snapshots past their budget, doubling their spacing and the
 * longest jump (4 -> 52 ms, history_bench). */
bool block_map_grow(BlockMap *map, uint64_t needed)
{
    uint64_t capacity = map->capacity ? map->capacity * 2 : BLOCK_MAP_MIN_CAPACITY;
    while (capacity / 2 < needed)
        capacity *= 2;
    BlockMap bigger;
    if (!allocate_slots(&bigger, capacity))
        return false;
    for (uint64_t i = 0; i < map->capacity; i++)
        if (map->slots[i].key)
            block_map_insert(&bigger, map->slots[i].key, map->slots[i].value);
    free(map->slots);
    *map = bigger;
    return true;
}
