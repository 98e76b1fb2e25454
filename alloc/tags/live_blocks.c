/*
 * live_blocks.c - the used blocks' marks (see live_blocks.h).
 */
#include "live_blocks.h"

#include "zeroed_memory.h"

#include <string.h>

static unsigned log2_floor(uint64_t value)
{
    return 63u - (unsigned)__builtin_clzll(value);
}

bool live_blocks_init(LiveBlocks *live, uint64_t base, uint64_t region_bytes, uint64_t alignment,
                      uint64_t min_block)
{
    memset(live, 0, sizeof *live);
    live->base = base;
    live->region_bytes = region_bytes;
    live->slot_shift = log2_floor(alignment);
    unsigned widest = live->slot_shift + LIVE_PLACE_BITS;
    live->bucket_shift = log2_floor(min_block) < widest ? log2_floor(min_block) : widest;
    live->mark_bytes = ((region_bytes >> live->bucket_shift) + 1 + 7) / 8 * 8;
    live->marks = zeroed_memory_get(live->mark_bytes);
    if (!live->marks)
        return false;
    if (!block_map_init(&live->overflow)) {
        live_blocks_release(live);
        return false;
    }
    return true;
}

void live_blocks_release(LiveBlocks *live)
{
    zeroed_memory_release(live->marks, live->mark_bytes);
    block_map_release(&live->overflow);
    live->marks = NULL;
}

uint64_t live_blocks_marks_used(const LiveBlocks *live, uint64_t end)
{
    if (end <= live->base)
        return 0;
    uint64_t used = ((end - live->base) >> live->bucket_shift) + 1; /* the bucket of end - 1, and one */
    used = (used + 7) / 8 * 8;
    return used < live->mark_bytes ? used : live->mark_bytes;
}

bool live_blocks_copy(LiveBlocks *target, const LiveBlocks *source, uint64_t source_end,
                      uint64_t target_end)
{
    if (!block_map_copy(&target->overflow, &source->overflow))
        return false;
    uint64_t from = live_blocks_marks_used(source, source_end);
    uint64_t to = live_blocks_marks_used(target, target_end);
    memcpy(target->marks, source->marks, from);
    if (to > from)
        memset(target->marks + from, 0, to - from);
    target->count = source->count;
    return true;
}

uint64_t live_blocks_memory_bytes(const LiveBlocks *live, uint64_t end)
{
    return zeroed_memory_resident_bytes(live->mark_bytes, live_blocks_marks_used(live, end), 0) +
           live->overflow.capacity * sizeof(BlockMapSlot);
}

/* A word at a time: a heap checked after every call of a long test has
 * mostly zero marks. */
uint64_t live_blocks_count_marks(const LiveBlocks *live, uint64_t end, uint64_t *overflowing)
{
    uint64_t set = 0, used = live_blocks_marks_used(live, end);
    *overflowing = 0;
    for (uint64_t i = 0; i < used; i += 8) {
        uint64_t word;
        memcpy(&word, live->marks + i, sizeof word);
        if (word == 0)
            continue;
        for (unsigned k = 0; k < 8; k++) {
            uint8_t mark = live->marks[i + k];
            set += mark != 0;
            *overflowing += mark >> LIVE_PLACE_BITS == LIVE_OVERFLOW;
        }
    }
    return set;
}
