/*
 * heap_internal.h - the Heap object and the helpers over its arena and
 * indexes, shared by the tags design's own files only: heap.c, heap_check.c
 * and its table, designs/tags.c, and tests/core/test_check.c, which breaks a
 * heap by hand to see every check fire. Nothing else includes this file.
 * The tag word format itself is in tag_words.h, which the address index
 * also reads.
 */
#ifndef HEAPVIZ_HEAP_INTERNAL_H
#define HEAPVIZ_HEAP_INTERNAL_H

#include "address_index.h"
#include "block_map.h"
#include "dead_blocks.h"
#include "free_tree.h"
#include "heap.h"
#include "live_blocks.h"
#include "page_warmer.h"
#include "tag_words.h"
#include "zeroed_memory.h"

#include <string.h>

/* A heap's malloc, free and realloc: copies of heap.c's bodies made for
 * its configuration (heap.c, "call shapes"). */
typedef struct {
    HeapError (*malloc)(Heap *heap, uint64_t n, uint64_t *payload);
    HeapError (*free)(Heap *heap, uint64_t payload);
    HeapError (*realloc)(Heap *heap, uint64_t payload, uint64_t n, uint64_t *result);
} HeapCalls;

/* What has become of a huge page of the arena. A page goes back to the
 * system at most once (heap.c, discard_inner_pages): a heap that comes
 * back to it sweeps its arena, and would zero it again on every sweep. */
typedef enum {
    PAGE_NEVER_GIVEN_BACK = 0,   /* resident since written, or never written */
    PAGE_GIVEN_BACK = 1,         /* given back, and not asked for again by warm_again_ahead
                                    (a block placed over it may have written it since);
                                    the only odd fate */
    PAGE_KEPT = 2                /* given back once, then asked for again: kept from now on */
} PageFate;

/* How many huge pages past the one a placement ends in are asked for again
 * (page_warmer_warm_again) if they were given back: the placements that
 * follow next fit's rover or worst fit's largest block move up through
 * them, and find them faulted in instead of zeroing them on this thread
 * (heap.c, warm_again_ahead). */
enum { WARM_AGAIN_PAGES = 2 };

/* Entries of heap->page_fates for an arena of `bytes`, with room for the
 * two warm_again_ahead reads past its last page (it reads entries up to
 * bytes / ZEROED_MEMORY_PAGE_BYTES + 2), rounded up to 8: the fates are
 * one of the heap's state spans. */
static inline uint64_t heap_page_fate_entries(uint64_t bytes)
{
    return (bytes / ZEROED_MEMORY_PAGE_BYTES + WARM_AGAIN_PAGES + 1 + 7) / 8 * 8;
}

struct Heap {
    Allocator base;              /* first: how allocator.h reaches this design */
    const HeapCalls *calls;      /* set from config when the heap is made */
    AllocatorConfig general;     /* config, as allocator_config reports it */
    HeapConfig config;
    uint8_t *arena;              /* config.heap_bytes bytes */
    bool owns_arena;
    PageWarmer *warmer;          /* faults in the pages above the high water; NULL: none */
    uint64_t warm_at;            /* the high water at which to tell the warmer again */
    bool warmer_told;            /* pages above the high water may be resident */
    uint64_t regroup_at;         /* the high water at which the address index's narrow
                                    groups widen (heap.c); UINT64_MAX: never */
    uint8_t *page_fates;         /* 1 per huge page of the arena: a PageFate
                                    (heap.c, discard_inner_pages); NULL where no page
                                    is ever given back (an arena not mapped by the heap) */
    uint64_t region_start;       /* b0: the first block's offset */
    uint64_t region_end;         /* one past the last usable byte */
    uint64_t min_block;          /* align_up(16 + M, A), bytes */
    uint64_t rover;              /* next fit: where the next search starts */
    uint64_t bump_pointer;       /* bump: the start of the untouched top */
    uint64_t top;                /* the free block that ends the region, kept out of
                                    the index; region_end if there is none */
    uint64_t kept;               /* worst and next fit: the free block they split
                                    over and over, kept out of the index too (heap.c,
                                    "the block kept out"); region_end if none */
    uint64_t kept_size;          /* that block's size, bytes; 0 if none */
    HeapStats stats;             /* kept exact after every call */
    HeapEvent event;             /* what the last call did */
    uint64_t search_start;       /* where the last search began (next fit: its start block) */
    uint64_t search_passed;      /* count_examined: free blocks the last search passed
                                    over before its answer (first and next fit) */
    uint64_t search_old_end;     /* count_examined: a moved realloc's old block end */
    LiveBlocks live;             /* the used blocks and their requested bytes */
    DeadBlocks dead;             /* bump's dead blocks and what they held */
    /* The other free blocks: best fit keeps them by (size, offset) in
     * by_size; every other policy by address in by_address. */
    FreeTree by_size;
    AddressIndex by_address;
};

/* Best fit orders its free blocks by size; every other policy by address. */
static inline bool index_is_by_size(const Heap *heap)
{
    return heap->config.policy == HEAP_BEST_FIT;
}

/* ---- the free index: one face over best fit's tree and the address index */

/* Whether the index files the free block [offset, +size), or keeps it out
 * (heap->kept). */
static inline bool index_holds(const Heap *heap, uint64_t offset, uint64_t size)
{
    if (!index_is_by_size(heap))
        return offset == heap->kept || address_index_contains(&heap->by_address, offset);
    return free_tree_contains(&heap->by_size, (FreeTreeEntry){ .size = size, .offset = offset });
}

static inline uint64_t index_count(const Heap *heap)
{
    return index_is_by_size(heap) ? heap->by_size.count : heap->by_address.count;
}

static inline uint64_t index_problems(const Heap *heap)
{
    return index_is_by_size(heap) ? free_tree_problems(&heap->by_size)
                                  : address_index_problems(&heap->by_address);
}

static inline uint64_t index_largest(const Heap *heap)
{
    return index_is_by_size(heap) ? free_tree_largest(&heap->by_size)
                                  : address_index_largest(&heap->by_address);
}

/* Empties the index; no free block starts at or beyond `end`. */
static inline void index_clear(Heap *heap, uint64_t end)
{
    if (index_is_by_size(heap))
        free_tree_clear(&heap->by_size);
    else
        address_index_clear(&heap->by_address, end);
}

/* Makes target's index (same configuration) hold what source's holds; no
 * free block starts at or beyond `source_end` in source, `target_end` in target. */
static inline bool index_copy(Heap *target, const Heap *source, uint64_t source_end,
                              uint64_t target_end)
{
    if (index_is_by_size(source))
        return free_tree_copy(&target->by_size, &source->by_size);
    AddressIndex *into = &target->by_address;
    const AddressIndex *from = &source->by_address;
    /* Groups of different widths (one heap has widened, the other not yet):
     * the target takes the source's width first. The regroup rebuilds an
     * index the copy then overwrites, work a rare copy can afford. */
    if (into->group_shift != from->group_shift &&
        !address_index_regroup(into, 1u << (from->group_shift - 6), target_end))
        return false;
    address_index_copy(into, from, source_end, target_end);
    return true;
}

/* Whether a dead block has this payload, and what it held. Looking up files
 * recent deaths in the dead blocks' map, so it changes the Heap's memory but
 * not its state; every Heap is allocated by heap_setup and never defined
 * const, so the cast is well defined. */
static inline bool dead_block_held(const Heap *heap, uint64_t payload, uint64_t *requested)
{
    return dead_blocks_find(&((Heap *)heap)->dead, payload, requested);
}

/* How far from offset 0 the heap may have written: every block it ever
 * made ends at or below high_water, so beyond it lie only the header of
 * the block that starts there and the region's last footer (the top
 * block's, at region_end - 8); every other byte is still zero. */
static inline uint64_t written_end(const Heap *heap)
{
    uint64_t end = heap->stats.high_water > heap->region_start ? heap->stats.high_water
                                                                : heap->region_start;
    end += HEAP_TAG_BYTES;
    return end < heap->region_end ? end : heap->region_end;
}

static inline uint64_t tag_read(const Heap *heap, uint64_t offset)
{
    return load_le(heap->arena + offset, 8);
}

static inline void tag_write(Heap *heap, uint64_t offset, uint64_t word)
{
    store_le(heap->arena + offset, word, 8);
}

/* ---- hints: the tags design's prefetch entry (allocator.h) ---------------- */

/* A free reads three places a big heap rarely has in its caches: the
 * block's header, its live mark and the next block's header
 * (to coalesce). A replay knows its calls ahead, so it can ask for them
 * early and the core does not wait for each (BENCHMARKS.md, #24):
 * heap_hint_block for a call some ops away, heap_hint_next_block once its
 * header has arrived. Inline: the design's entry makes these two calls for
 * nearly every operation of a replay. Always inline: a function that only
 * prefetches has no effect the compiler can see, so GCC 12 deleted every
 * call to one (tags_prefetch compiled to a bare return, and the replay ran
 * without hints). Any payload is safe; 0 hints at nothing. */

static inline bool is_payload_inside(const Heap *heap, uint64_t payload)
{
    return payload >= HEAP_TAG_BYTES && payload < heap->config.heap_bytes;
}

static inline __attribute__((always_inline)) void heap_hint_block(const Heap *heap, uint64_t payload)
{
    if (!is_payload_inside(heap, payload))
        return;
    uint64_t offset = payload - HEAP_TAG_BYTES;
    __builtin_prefetch(heap->arena + offset, 1);
    if (offset >= heap->live.base)
        __builtin_prefetch(live_mark(&heap->live, offset), 1);
}

static inline __attribute__((always_inline)) void heap_hint_next_block(const Heap *heap, uint64_t payload)
{
    if (!is_payload_inside(heap, payload))
        return;
    uint64_t offset = payload - HEAP_TAG_BYTES;
    uint64_t end = offset + tag_size(tag_read(heap, offset));
    if (end > offset && end < heap->config.heap_bytes)
        __builtin_prefetch(heap->arena + end, 1);
}

#endif
