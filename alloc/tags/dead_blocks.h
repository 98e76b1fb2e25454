/*
 * dead_blocks.h - the dead blocks of a bump heap (internal to alloc/).
 *
 * A bump free leaves a dead block that is never reused and never merged, so
 * a long run collects many: a map would grow with every free and miss
 * the cache on every insert. Here they go into a log in the order they die:
 * adding one is a write at the end of an array. Looking one up (a walk shows
 * what a dead block held; a second free of it is a double free) first files
 * the entries logged since the last lookup in a map, so a run that never
 * looks pays nothing for it, and a window that walks the heap every frame
 * files only the deaths since the last frame.
 */
#ifndef HEAPVIZ_DEAD_BLOCKS_H
#define HEAPVIZ_DEAD_BLOCKS_H

#include "block_map.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t payload;            /* the dead block's payload offset */
    uint64_t requested;          /* what it held: 0 for the tail of a shrink */
} DeadBlock;

typedef struct {
    DeadBlock *log;              /* in the order the blocks died */
    uint64_t count, capacity;
    BlockMap lookup;             /* payload -> requested for log[0, filed) */
    uint64_t filed;
} DeadBlocks;

bool dead_blocks_init(DeadBlocks *dead);
void dead_blocks_release(DeadBlocks *dead);
bool dead_blocks_copy(DeadBlocks *target, const DeadBlocks *source);

/* Forgets every dead block (compaction drops them), keeping the memory. */
void dead_blocks_clear(DeadBlocks *dead);

/* Makes room for `needed` entries (the slow path of dead_blocks_reserve). */
bool dead_blocks_grow(DeadBlocks *dead, uint64_t needed);

/* Ensures `extra` more adds will not need to allocate. */
static inline bool dead_blocks_reserve(DeadBlocks *dead, uint64_t extra)
{
    uint64_t needed = dead->count + extra;
    return needed <= dead->capacity || dead_blocks_grow(dead, needed);
}

/* Logs a dead block; the caller has reserved room. */
static inline void dead_blocks_add(DeadBlocks *dead, uint64_t payload, uint64_t requested)
{
    dead->log[dead->count++] = (DeadBlock){ payload, requested };
}

/* Whether a dead block has this payload offset, and what it held. */
bool dead_blocks_find(DeadBlocks *dead, uint64_t payload, uint64_t *requested);

uint64_t dead_blocks_memory_bytes(const DeadBlocks *dead);

#endif
