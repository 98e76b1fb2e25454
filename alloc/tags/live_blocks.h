/*
 * live_blocks.h - the used blocks of a heap and the bytes their owners
 * asked for (internal to alloc/).
 *
 * This is the one authority on which offsets are used blocks, so free()
 * never trusts bytes a user could have written. It keeps one byte, a mark,
 * for each bucket of the region: 2^k bytes, the largest power of two that
 * is no bigger than the minimum block and at most four alignment units. No
 * two blocks start in one bucket, since every block spans a minimum block.
 * A bucket's mark is 0 where no used block starts in it; else it says
 * which of the bucket's (up to four) A-aligned places the block starts at,
 * and the block's slack: the bytes its payload holds beyond those asked
 * for, (size - 16) - requested. The slack is small: the rounding up to A,
 * plus a remainder too small to stand as a free block. A slack above
 * LIVE_MAX_SLACK (a big minimum payload or alignment) goes to a map,
 * `overflow`, which holds those blocks' requested bytes.
 *
 * Why marks and not a map from payload to requested bytes: a free looks up
 * a random live block, and the map (32 bytes a block, hashed) missed the
 * caches on nearly every call: it took 10-13% of a first-fit replay of
 * 10,000 live blocks and a quarter of one of 100,000 (BENCHMARKS.md, #24).
 * The marks lie in the arena's order at a sixteenth of its size (A = 8),
 * so a free finds its block's mark where its neighbours' were. The marks
 * are zeroed memory (zeroed_memory.h): only the buckets below the heap's
 * high water are ever written, and nothing here grows but `overflow`. The
 * heap's page warmer faults their pages in ahead of the high water with
 * the arena's (page_warmer_follow): next fit, worst fit and bump sweep the
 * whole arena, and faulting in their marks on the replay's thread made
 * next fit's replay of 10,000 live blocks 10-20% slower than with a map.
 */
#ifndef HEAPVIZ_LIVE_BLOCKS_H
#define HEAPVIZ_LIVE_BLOCKS_H

#include "block_map.h"
#include "heap.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    LIVE_PLACE_BITS = 2,                           /* a mark's low bits: its place in the bucket */
    LIVE_MAX_PLACES = 1 << LIVE_PLACE_BITS,
    LIVE_OVERFLOW = 0xFF >> LIVE_PLACE_BITS,       /* a mark's high bits: 1 + slack, or this */
    LIVE_MAX_SLACK = LIVE_OVERFLOW - 2             /* the most slack a mark holds itself: 61 */
};

typedef struct {
    uint8_t *marks;              /* one per bucket; bytes past the high water stay 0 */
    uint64_t base;               /* the region's first offset: bucket 0 starts here */
    uint64_t region_bytes;
    unsigned slot_shift;         /* log2(A) */
    unsigned bucket_shift;       /* log2(bytes in a bucket) */
    uint64_t mark_bytes;         /* bytes in marks, a multiple of 8 */
    uint64_t count;              /* used blocks */
    BlockMap overflow;           /* payload offset -> requested bytes, for the blocks
                                    whose slack is over LIVE_MAX_SLACK */
} LiveBlocks;

/* No block in a region that starts at `base` and spans `region_bytes`,
 * blocks of at least `min_block` bytes starting A-aligned from base;
 * false if host memory ran out. */
bool live_blocks_init(LiveBlocks *live, uint64_t base, uint64_t region_bytes, uint64_t alignment,
                      uint64_t min_block);
void live_blocks_release(LiveBlocks *live);

/* Makes `target` (made for the same region) hold what `source` holds. No
 * used block starts at or beyond `source_end` in source, nor `target_end`
 * in target: the marks there are zero in both and left alone, so copying a
 * huge, mostly unused heap's marks costs what is used. */
bool live_blocks_copy(LiveBlocks *target, const LiveBlocks *source, uint64_t source_end,
                      uint64_t target_end);

/* The bytes of marks that may be non-zero when no used block starts at or
 * beyond `end`: a multiple of 8, at most mark_bytes. */
uint64_t live_blocks_marks_used(const LiveBlocks *live, uint64_t end);

/* Host memory, when no used block starts at or beyond `end`. */
uint64_t live_blocks_memory_bytes(const LiveBlocks *live, uint64_t end);

/* For checking: the marks below `end` that are set, and (*overflowing)
 * those of them that send their block to the overflow map. */
uint64_t live_blocks_count_marks(const LiveBlocks *live, uint64_t end, uint64_t *overflowing);

/* Ensures the next `extra` adds will not need to allocate. */
static inline bool live_blocks_reserve(LiveBlocks *live, uint64_t extra)
{
    return block_map_reserve(&live->overflow, extra);
}

/* The mark a used block at `offset` (in the region, A-aligned from base)
 * would have, slack aside. */
static inline unsigned live_place(const LiveBlocks *live, uint64_t offset)
{
    unsigned places_shift = live->bucket_shift - live->slot_shift;
    return (unsigned)((offset - live->base) >> live->slot_shift) & ((1u << places_shift) - 1);
}

static inline uint8_t *live_mark(const LiveBlocks *live, uint64_t offset)
{
    return &live->marks[(offset - live->base) >> live->bucket_shift];
}

/* Whether a used block starts at `offset`: any offset at all. */
static inline bool live_blocks_has(const LiveBlocks *live, uint64_t offset)
{
    uint64_t from_base = offset - live->base;
    if (offset < live->base || from_base >= live->region_bytes ||
        (from_base & ((UINT64_C(1) << live->slot_shift) - 1)) != 0)
        return false;
    uint8_t mark = *live_mark(live, offset);
    return mark != 0 && (mark & (LIVE_MAX_PLACES - 1)) == live_place(live, offset);
}

/* The bytes asked for by the used block at `offset`, of `size` bytes. */
static inline uint64_t live_blocks_requested(const LiveBlocks *live, uint64_t offset, uint64_t size)
{
    unsigned code = *live_mark(live, offset) >> LIVE_PLACE_BITS;
    if (code == LIVE_OVERFLOW)
        return *block_map_find(&live->overflow, offset + HEAP_TAG_BYTES);
    return size - HEAP_OVERHEAD_BYTES - (code - 1);
}

/* Files a used block at `offset` of `size` bytes whose owner asked for
 * `requested` (at most size - 16); the caller has reserved room. */
static inline void live_blocks_add(LiveBlocks *live, uint64_t offset, uint64_t size, uint64_t requested)
{
    uint64_t slack = size - HEAP_OVERHEAD_BYTES - requested;
    unsigned code = slack <= LIVE_MAX_SLACK ? (unsigned)slack + 1 : LIVE_OVERFLOW;
    if (code == LIVE_OVERFLOW)
        block_map_insert(&live->overflow, offset + HEAP_TAG_BYTES, requested);
    *live_mark(live, offset) = (uint8_t)(code << LIVE_PLACE_BITS | live_place(live, offset));
    live->count++;
}

/* Forgets the used block at `offset`. */
static inline void live_blocks_remove(LiveBlocks *live, uint64_t offset)
{
    uint8_t *mark = live_mark(live, offset);
    if (*mark >> LIVE_PLACE_BITS == LIVE_OVERFLOW)
        block_map_remove(&live->overflow, block_map_find(&live->overflow, offset + HEAP_TAG_BYTES));
    *mark = 0;
    live->count--;
}

#endif
