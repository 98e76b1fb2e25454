/*
 * dead_blocks.c - an append-only log of dead blocks with a lookup map that
 * catches up when asked (see dead_blocks.h).
 */
#include "dead_blocks.h"

#include <stdlib.h>
#include <string.h>

enum { DEAD_BLOCKS_MIN_CAPACITY = 64 };

bool dead_blocks_init(DeadBlocks *dead)
{
    memset(dead, 0, sizeof *dead);
    dead->log = calloc(DEAD_BLOCKS_MIN_CAPACITY, sizeof *dead->log);
    dead->capacity = DEAD_BLOCKS_MIN_CAPACITY;
    if (dead->log && block_map_init(&dead->lookup))
        return true;
    dead_blocks_release(dead);
    return false;
}

void dead_blocks_release(DeadBlocks *dead)
{
    free(dead->log);
    block_map_release(&dead->lookup);
    memset(dead, 0, sizeof *dead);
}

/* Reuses target's memory where it can, as heap_copy promises. */
bool dead_blocks_copy(DeadBlocks *target, const DeadBlocks *source)
{
    if (source->capacity != target->capacity) {
        DeadBlock *log = malloc(source->capacity * sizeof *log);
        if (!log && source->capacity > 0)
            return false;
        free(target->log);
        target->log = log;
        target->capacity = source->capacity;
    }
    if (!block_map_copy(&target->lookup, &source->lookup))
        return false;
    if (source->capacity > 0) /* every byte, the entries past count too (dead_blocks_state_spans) */
        memcpy(target->log, source->log, source->capacity * sizeof *source->log);
    target->count = source->count;
    target->filed = source->filed;
    return true;
}

void dead_blocks_clear(DeadBlocks *dead)
{
    dead->count = 0;
    dead->filed = 0;
    block_map_clear(&dead->lookup);
}

bool dead_blocks_grow(DeadBlocks *dead, uint64_t needed)
{
    uint64_t capacity = dead->capacity ? dead->capacity : DEAD_BLOCKS_MIN_CAPACITY;
    while (capacity < needed)
        capacity *= 2;
    DeadBlock *log = realloc(dead->log, capacity * sizeof *log);
    if (!log)
        return false;
    memset(log + dead->capacity, 0, (capacity - dead->capacity) * sizeof *log); /* same bytes in every copy */
    dead->log = log;
    dead->capacity = capacity;
    return true;
}

/* Files the blocks logged since the last lookup; false if host memory ran
 * out (the map then stays behind, and lookups scan the log instead). */
static bool file_new_deaths(DeadBlocks *dead)
{
    if (!block_map_reserve(&dead->lookup, dead->count - dead->filed))
        return false;
    for (; dead->filed < dead->count; dead->filed++)
        block_map_insert(&dead->lookup, dead->log[dead->filed].payload,
                         dead->log[dead->filed].requested);
    return true;
}

bool dead_blocks_find(DeadBlocks *dead, uint64_t payload, uint64_t *requested)
{
    if (payload == 0)
        return false; /* the map's empty key */
    if (file_new_deaths(dead)) {
        const uint64_t *value = block_map_find(&dead->lookup, payload);
        if (value)
            *requested = *value;
        return value != NULL;
    }
    for (uint64_t i = 0; i < dead->count; i++) {
        if (dead->log[i].payload == payload) {
            *requested = dead->log[i].requested;
            return true;
        }
    }
    return false;
}

/* The lookup counted at the size it reaches once every logged block is
 * filed (a walk files them), so a heap's cost does not rise when it is
 * only looked at: the window's history budgets by it. */
uint64_t dead_blocks_memory_bytes(const DeadBlocks *dead)
{
    uint64_t filed = block_map_capacity_for(dead->lookup.count + (dead->count - dead->filed));
    uint64_t lookup = filed > dead->lookup.capacity ? filed : dead->lookup.capacity;
    return dead->capacity * sizeof *dead->log + lookup * sizeof(BlockMapSlot);
}
