/*
 * heap_check.c - the one consistency checker (invariants listed in heap.c).
 *
 * Walks the arena's blocks through their tags, recounting everything the heap
 * keeps incrementally, and compares: tiling and tags, coalescing, the free
 * index, the live marks, statistics, bump pointer, rover and page fates. It
 * never prints and never stops early on a bad block it can step over: it
 * counts what is broken and remembers where the first problem was.
 */
#include "heap_internal.h"

typedef struct {
    HeapCheck result;
    HeapStats recount;
    uint64_t free_at_bump_pointer;  /* bump: free blocks found where they belong */
    uint64_t highest_used_end;
    bool kept_seen;                 /* the block kept out of the index is a free
                                       block of the size the heap notes */
} Checker;

static void note(Checker *checker, HeapCheckFlag flag, uint64_t offset)
{
    if (checker->result.problems == 0)
        checker->result.first_offset = offset;
    checker->result.broken |= (unsigned)flag;
    checker->result.problems++;
}

static void check_free_block(Checker *checker, const Heap *heap, uint64_t offset, uint64_t size)
{
    bool is_top = offset + size == heap->region_end;
    if (is_top != (offset == heap->top) || (!is_top && !index_holds(heap, offset, size)))
        note(checker, HEAP_CHECK_INDEX, offset);
    if (live_blocks_has(&heap->live, offset))
        note(checker, HEAP_CHECK_LIVE_MAP, offset);
    if (offset == heap->kept)
        checker->kept_seen = size == heap->kept_size;
    bool holds_rover = offset <= heap->rover && heap->rover - offset < size;
    if (heap->config.policy == HEAP_NEXT_FIT && !is_top && holds_rover != (offset == heap->kept))
        note(checker, HEAP_CHECK_INDEX, offset); /* next fit keeps the rover's block out */
    if (heap->config.policy == HEAP_BUMP) {
        if (offset == heap->bump_pointer)
            checker->free_at_bump_pointer++;
        else
            note(checker, HEAP_CHECK_BUMP, offset);
    }
    HeapStats *r = &checker->recount;
    r->free_blocks++;
    r->free_bytes += size;
    if (size > r->largest_free)
        r->largest_free = size;
}

static void check_used_block(Checker *checker, const Heap *heap, uint64_t offset, uint64_t size)
{
    if (!live_blocks_has(&heap->live, offset)) {
        note(checker, HEAP_CHECK_LIVE_MAP, offset);
    } else {
        uint64_t requested = live_blocks_requested(&heap->live, offset, size);
        checker->recount.payload_bytes += requested;
        if (requested > size - HEAP_OVERHEAD_BYTES)
            note(checker, HEAP_CHECK_REQUESTED, offset);
    }
    checker->recount.used_blocks++;
    checker->recount.bytes_in_use += size;
    if (offset + size > checker->highest_used_end)
        checker->highest_used_end = offset + size;
}

static void check_dead_block(Checker *checker, const Heap *heap, uint64_t offset, uint64_t size)
{
    uint64_t held = 0;
    if (live_blocks_has(&heap->live, offset) ||
        !dead_block_held(heap, offset + HEAP_TAG_BYTES, &held) || held > size - HEAP_OVERHEAD_BYTES)
        note(checker, HEAP_CHECK_LIVE_MAP, offset);
    if (heap->config.policy != HEAP_BUMP || offset >= heap->bump_pointer)
        note(checker, HEAP_CHECK_BUMP, offset);
    checker->recount.dead_blocks++;
    checker->recount.dead_bytes += size;
}

/* Checks one block's tags; false if the walk cannot step past it. */
static bool check_tags(Checker *checker, const Heap *heap, uint64_t offset, uint64_t word)
{
    uint64_t size = tag_size(word);
    if (size < heap->min_block || size % heap->config.alignment != 0 ||
        size > heap->region_end - offset) {
        note(checker, HEAP_CHECK_TILING, offset);
        return false;
    }
    if (tag_read(heap, offset + size - HEAP_TAG_BYTES) != word ||
        tag_flags(word) == TAG_FLAGS)
        note(checker, HEAP_CHECK_TAGS, offset);
    return true;
}

static void walk_blocks(Checker *checker, const Heap *heap)
{
    bool previous_free = false;
    uint64_t offset = heap->region_start;
    while (offset < heap->region_end) {
        uint64_t word = tag_read(heap, offset);
        if (!check_tags(checker, heap, offset, word))
            return;
        uint64_t size = tag_size(word);
        bool is_free = tag_flags(word) == 0;
        if (is_free && previous_free && heap->config.policy != HEAP_BUMP)
            note(checker, HEAP_CHECK_COALESCE, offset);
        if (is_free)
            check_free_block(checker, heap, offset, size);
        else if (tag_flags(word) & HEAP_TAG_ALLOCATED)
            check_used_block(checker, heap, offset, size);
        else
            check_dead_block(checker, heap, offset, size);
        previous_free = is_free;
        offset += size;
    }
    if (offset != heap->region_end)
        note(checker, HEAP_CHECK_TILING, offset);
}

/* Whether the block kept out of the index, if any, is a free block kept by
 * the rule of its policy: worst fit's comes before every indexed block in
 * its order (larger, or as large and lower); next fit's holds the rover
 * (checked block by block). No other policy keeps one. */
static bool kept_block_is_right(const Checker *checker, const Heap *heap)
{
    if (heap->kept == heap->region_end)
        return heap->kept_size == 0;
    if (!checker->kept_seen)
        return false;
    if (heap->config.policy == HEAP_NEXT_FIT)
        return true;
    if (heap->config.policy != HEAP_WORST_FIT)
        return false;
    uint64_t indexed = address_index_largest(&heap->by_address);
    return heap->kept_size > indexed ||
           (heap->kept_size == indexed &&
            heap->kept < address_index_lowest_fit(&heap->by_address, indexed, NULL));
}

static void check_indexes(Checker *checker, const Heap *heap)
{
    const HeapStats *r = &checker->recount;
    uint64_t outside_index = (heap->top < heap->region_end) + (heap->kept < heap->region_end);
    if (index_count(heap) + outside_index != r->free_blocks || index_problems(heap) ||
        !kept_block_is_right(checker, heap))
        note(checker, HEAP_CHECK_INDEX, heap->region_start);
    if (heap->live.count != r->used_blocks || heap->dead.count != r->dead_blocks)
        note(checker, HEAP_CHECK_LIVE_MAP, heap->region_start);
    /* Every mark up to the end the spans cover (above it, no block was
     * ever made) must be a used block's, and the overflow map must hold
     * no other. */
    uint64_t overflowing = 0;
    const LiveBlocks *live = &heap->live;
    if (live_blocks_count_marks(live, written_end(heap), &overflowing) != r->used_blocks ||
        overflowing != live->overflow.count)
        note(checker, HEAP_CHECK_LIVE_MAP, heap->region_start);
}

static void check_stats(Checker *checker, const Heap *heap)
{
    const HeapStats *s = heap_stats(heap), *r = &checker->recount;
    bool same = s->heap_bytes == heap->region_end - heap->region_start &&
                s->used_blocks == r->used_blocks && s->free_blocks == r->free_blocks &&
                s->dead_blocks == r->dead_blocks && s->bytes_in_use == r->bytes_in_use &&
                s->payload_bytes == r->payload_bytes && s->free_bytes == r->free_bytes &&
                s->dead_bytes == r->dead_bytes && s->largest_free == r->largest_free &&
                s->peak_payload >= s->payload_bytes &&
                s->high_water >= checker->highest_used_end &&
                s->failed_fragmented <= s->failed;
    if (!same)
        note(checker, HEAP_CHECK_STATS, heap->region_start);
}

static void check_pointers(Checker *checker, const Heap *heap)
{
    if (heap->rover < heap->region_start || heap->rover >= heap->region_end)
        note(checker, HEAP_CHECK_ROVER, heap->rover);
    if (heap->config.policy != HEAP_BUMP)
        return;
    bool has_top = heap->bump_pointer < heap->region_end;
    if (heap->bump_pointer < heap->region_start || heap->bump_pointer > heap->region_end ||
        checker->free_at_bump_pointer != (has_top ? 1u : 0u))
        note(checker, HEAP_CHECK_BUMP, heap->bump_pointer);
}

/* Every page's fate is a PageFate, and no page from the huge page at or
 * above the high water on (nor the padding after the arena's pages) ever
 * went back: nothing was written there. */
static void check_page_fates(Checker *checker, const Heap *heap)
{
    if (heap->page_fates == NULL)
        return;
    uint64_t page_bytes = ZEROED_MEMORY_PAGE_BYTES, entries = heap_page_fate_entries(heap->config.heap_bytes);
    uint64_t unwritten = (heap->stats.high_water + page_bytes - 1) / page_bytes;
    for (uint64_t page = 0; page < entries; page++) {
        uint8_t fate = heap->page_fates[page];
        if (fate > PAGE_KEPT || (page >= unwritten && fate != PAGE_NEVER_GIVEN_BACK)) {
            note(checker, HEAP_CHECK_PAGE_FATES, page * page_bytes);
            return;
        }
    }
}

HeapCheck heap_check(const Heap *heap)
{
    Checker checker = { 0 };
    walk_blocks(&checker, heap);
    check_indexes(&checker, heap);
    check_stats(&checker, heap);
    check_pointers(&checker, heap);
    check_page_fates(&checker, heap);
    return checker.result;
}

const char *heap_check_flag_name(HeapCheckFlag flag)
{
    switch (flag) {
    case HEAP_CHECK_TILING: return "blocks do not tile the region";
    case HEAP_CHECK_TAGS: return "a header and its footer disagree";
    case HEAP_CHECK_COALESCE: return "two free blocks are side by side";
    case HEAP_CHECK_INDEX: return "the free-block index disagrees with the arena";
    case HEAP_CHECK_LIVE_MAP: return "the live-block map disagrees with the arena";
    case HEAP_CHECK_STATS: return "a statistic disagrees with a recount";
    case HEAP_CHECK_BUMP: return "the bump pointer or its top block is wrong";
    case HEAP_CHECK_ROVER: return "the next-fit rover lies outside the region";
    case HEAP_CHECK_REQUESTED: return "a block holds less than its requested bytes";
    case HEAP_CHECK_PAGE_FATES: return "a huge page's fate is wrong";
    }
    return "unknown check";
}
