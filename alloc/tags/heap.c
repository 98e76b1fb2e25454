/*
 * heap.c - the allocator core: boundary-tagged blocks in one byte arena.
 *
 * Layout. A (alignment) is a power of two in [4, 64]; M (minimum payload) >= 1.
 * Every block has an 8-byte header and an 8-byte footer, each the block size
 * with bit 0 = allocated and bit 1 = dead, little-endian. The first block
 * starts at b0 = (A - 8 mod A) mod A so that every payload (block + 8) is
 * A-aligned; the usable region is [b0, b0 + floor((H - b0) / A) * A).
 * Minimum block = align_up(16 + M, A); a request of n bytes needs
 * asize = max(minimum block, align_up(n + 16, A)).
 *
 * Placement among free blocks of size >= asize: first fit takes the lowest
 * address; next fit searches from the block containing the rover up to the
 * end, then from the bottom up to that block, and leaves the rover just past
 * the placed block (b0 at the end); best fit takes the smallest, worst fit
 * the largest, both breaking ties by the lowest address. A chosen block is
 * split when size - asize >= minimum block. Frees coalesce at once with free
 * neighbours on both sides. Bump only places at its heap pointer; its frees
 * leave dead blocks that are never reused or merged. Compaction slides the
 * allocated blocks down in address order. realloc: see heap_realloc.
 *
 * Invariants (heap_check enforces all of them after any call):
 *  1. the blocks tile [b0, end) exactly; sizes are multiples of A, >= the
 *     minimum block; header == footer;
 *  2. no two free blocks are adjacent (outside bump, which has at most one
 *     free block: the top one, starting at the heap pointer);
 *  3. the free block that ends the region, if any, is heap->top; under
 *     worst fit, heap->kept is none or the free block below the top that
 *     worst fit would choose (the largest, the lowest of equals); under next
 *     fit, it is the free block below the top that holds the rover, if any;
 *     the free index holds exactly the other free blocks, with their sizes;
 *  4. the live marks (live_blocks.h) mark exactly the used blocks, with
 *     their requested bytes; the dead-block log holds exactly the dead blocks;
 *  5. every statistic equals a recount; the rover lies in [b0, end);
 *  6. every huge page has a PageFate, and none at or above the high water
 *     (or past the arena) ever went back.
 *
 * The free index: best fit keeps its blocks ordered by (size, address) in
 * one B+ tree per size class (free_tree.h), where the best fit is the first
 * block of size >= asize in the request's class, else the first block of
 * the next class that holds one: a walk down a small tree. Every other
 * policy keeps a bitmap of block starts under a fixed tree of maxima
 * (address_index.h), where each level knows the largest size below it, so a
 * fit is one walk down (or up and down, from a starting point). Either way
 * the largest free block is one short walk away. Worst and next fit keep
 * the block they split over and over out of the index (heap->kept), so that
 * splitting it changes no index.
 *
 * Cost: every placement is one or two walks through the index, O(log n);
 * frees find their neighbours through the boundary tags in O(1), then update
 * the index in O(log n); statistics are kept incrementally, so reading them
 * is O(1). A call that fails changes nothing but the failed/errors counter.
 * The short helpers on the malloc and free paths are marked inline, so the
 * compiler folds them into their callers: about 30 fewer instructions per
 * call, most of them saving and restoring registers (see BENCHMARKS.md).
 *
 * Events. Every call records what it did in heap->event for the window's
 * sentences and highlights. A heap made with config.skip_events (the
 * headless runner's, when nothing reads the events) neither clears the
 * event per call nor widens its dirty range: the calls still write the
 * fields they use as scratch (the block placed, the merges), but the event
 * as a whole, and heap_search_path, which reads it, describe nothing.
 * Such a heap's calls run copies compiled for its policy ("call shapes").
 * heap_set_skip_events turns a heap's events off or on between calls (the
 * window's history replays thousands of steps nobody watches that way).
 *
 * Examined. A heap made with config.count_examined counts the free blocks
 * each search would visit walking the blocks in address order, as a
 * textbook list would: first fit from b0 up to and including the fit; next
 * fit from its start block (the one containing the rover, else the rover)
 * up to the fit, wrapping to b0; best and worst fit every free block, since
 * they must see them all to know the smallest or largest; bump the one free
 * block at its heap pointer (0 when the top is full). A search that finds
 * nothing examined every free block. Shrinking or growing in place and
 * compaction search nothing (0). The index never walks the blocks, so the
 * count is worked out from ranks: first fit examines rank(fit) + 1 blocks,
 * where rank(x) is how many free blocks start below x, kept by counters in
 * the address index; best, worst fit and bump examine free_blocks. Those
 * counters and the rank sums cost a few percent of a placement, so they are
 * off unless asked for: the tags design (designs/tags.c) asks, the core
 * benchmark does not, and heap_search_path lists the blocks when a view
 * wants them, by walking the heap as the call left it.
 */
#include "heap_internal.h"
#include "zeroed_memory.h"

#include "design_support.h"

#include <stdlib.h>
#include <string.h>

/* Largest arena the core accepts: offsets and sizes stay far from overflow. */
#define HEAP_MAX_BYTES (UINT64_C(1) << 48)

static uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

static bool is_bump(const Heap *heap)
{
    return heap->config.policy == HEAP_BUMP;
}

/* Bitmap words a group of the address index holds. First fit's searches
 * read fewer headers, and its rescans smaller groups, with one word (64
 * slots): its headless replay is a tenth faster at 1k live (BENCHMARKS.md,
 * #24's fourteenth session). But groups four times smaller make the index's
 * arrays four times larger: once the heap's high water passes
 * NARROW_GROUPS_MOST narrow groups (their maxima fill 32 KiB) the index
 * widens to four words, or at 100k live the replay is a tenth slower. The
 * others keep four words from the start: next and worst fit walk the whole
 * region; a heap made with its events on (the window's) is copied snapshot
 * by snapshot for time travel. */
enum { NARROW_GROUP_WORDS = 1, WIDE_GROUP_WORDS = 4, NARROW_GROUPS_MOST = 4096 };

static bool starts_narrow(const HeapConfig *config)
{
    return config->policy == HEAP_FIRST_FIT && config->skip_events;
}

static unsigned index_group_words(const HeapConfig *config)
{
    return starts_narrow(config) ? NARROW_GROUP_WORDS : WIDE_GROUP_WORDS;
}

/* The high water at which a narrow index widens. */
static uint64_t regroup_point(const HeapConfig *config, uint64_t region_start, uint64_t a)
{
    return starts_narrow(config) ? region_start + NARROW_GROUPS_MOST * NARROW_GROUP_WORDS * 64 * a
                                 : UINT64_MAX;
}

/* ---- call shapes ---------------------------------------------------------
 * malloc, free and realloc run once per operation, a million times in a
 * replay, and their helpers keep asking the configuration the same
 * questions: is this bump? is the index by size? is the event kept? So a
 * call asks once and hands its helpers the answers, a CallShape, by value,
 * and the entry points keep one copy of their bodies for each policy with
 * events off (the headless replay's heaps), in which the shape is a
 * constant: the compiler drops every branch that policy cannot take
 * (replaying the 1k-live core-bench trace under first fit, 30 M of the main
 * thread's 411 M instructions, by callgrind). Heaps that keep events (the
 * window's) share one copy that reads the shape from the configuration
 * (see heap_calls_for). heap_malloc, heap_free and heap_realloc call the
 * heap's copies through heap->calls. */
typedef struct {
    HeapPolicy policy;
    bool events;                 /* the event is kept: config.skip_events is off */
} CallShape;

/* Every helper a shape reaches is folded into each copy: one left out of
 * line would serve all six and test the shape at run time again. */
#define SHAPED_INLINE inline __attribute__((always_inline))

static CallShape shape_of(const Heap *heap)
{
    return (CallShape){ .policy = heap->config.policy, .events = !heap->config.skip_events };
}

static inline bool shape_is_bump(CallShape shape)
{
    return shape.policy == HEAP_BUMP;
}

/* Best fit's index is its tree by size; every other policy's is by address. */
static inline bool shape_by_size(CallShape shape)
{
    return shape.policy == HEAP_BEST_FIT;
}

/* The copies of malloc, free and realloc made for a heap of this
 * configuration (they are at the end of the malloc, free and realloc part). */
static const HeapCalls *heap_calls_for(const HeapConfig *config);

/* Whether the heap's searches count the blocks they pass over: first and
 * next fit when they count what they examine (the others examine every
 * free block, and their address index keeps no counts). */
static inline bool counts_passed_blocks(const Heap *heap, CallShape shape)
{
    return heap->config.count_examined &&
           (shape.policy == HEAP_FIRST_FIT || shape.policy == HEAP_NEXT_FIT);
}

/* ---- names ------------------------------------------------------------- */

static const char *const POLICY_NAMES[HEAP_POLICY_COUNT] = {
    "first-fit", "next-fit", "best-fit", "worst-fit", "bump"
};

const char *heap_policy_name(HeapPolicy policy)
{
    return (unsigned)policy < HEAP_POLICY_COUNT ? POLICY_NAMES[policy] : "unknown";
}

bool heap_policy_from_name(const char *name, HeapPolicy *policy)
{
    for (int i = 0; i < HEAP_POLICY_COUNT; i++) {
        if (strcmp(name, POLICY_NAMES[i]) == 0) {
            *policy = (HeapPolicy)i;
            return true;
        }
    }
    return false;
}

/* ---- configuration ------------------------------------------------------ */

HeapConfig heap_default_config(uint64_t heap_bytes)
{
    return (HeapConfig){ .heap_bytes = heap_bytes,
                         .alignment = HEAP_DEFAULT_ALIGNMENT,
                         .min_payload = HEAP_DEFAULT_MIN_PAYLOAD,
                         .policy = HEAP_FIRST_FIT };
}

static bool config_is_valid(const HeapConfig *config)
{
    uint64_t a = config->alignment;
    if (a < HEAP_MIN_ALIGNMENT || a > HEAP_MAX_ALIGNMENT || (a & (a - 1)) != 0)
        return false;
    if (config->min_payload == 0 || config->min_payload > HEAP_MAX_BYTES)
        return false;
    if ((unsigned)config->policy >= HEAP_POLICY_COUNT)
        return false;
    if (config->heap_bytes > HEAP_MAX_BYTES)
        return false;
    uint64_t start = (a - HEAP_TAG_BYTES % a) % a;
    if (config->heap_bytes < start)
        return false;
    uint64_t region = (config->heap_bytes - start) / a * a;
    if (config->policy == HEAP_BEST_FIT && !free_tree_can_index(region, a))
        return false;
    return region >= align_up(HEAP_OVERHEAD_BYTES + config->min_payload, a);
}

bool heap_request_size(const Heap *heap, uint64_t n, uint64_t *asize)
{
    uint64_t a = heap->config.alignment;
    uint64_t largest_multiple = UINT64_MAX - (a - 1); /* the largest multiple of A */
    if (n > largest_multiple - HEAP_OVERHEAD_BYTES)
        return false;
    uint64_t needed = align_up(n + HEAP_OVERHEAD_BYTES, a);
    *asize = needed > heap->min_block ? needed : heap->min_block;
    return true;
}

/* ---- events ------------------------------------------------------------- */

static SHAPED_INLINE void event_begin(Heap *heap, CallShape shape, HeapEventKind kind,
                                      uint64_t pointer, uint64_t request)
{
    static const HeapEvent no_event; /* every field describes this call only */
    if (!shape.events)
        return; /* nobody reads it: what a call writes is its own scratch */
    heap->event = no_event;
    heap->event.kind = kind;
    heap->event.pointer = pointer;
    heap->event.request = request;
}

/* Widens the event's dirty range to cover [start, end). */
static void event_touch(Heap *heap, uint64_t start, uint64_t end)
{
    design_event_touch(&heap->event, start, end);
}

/* ---- tags --------------------------------------------------------------- */

static SHAPED_INLINE void write_tags(Heap *heap, CallShape shape, uint64_t offset, uint64_t size,
                                     uint64_t flags)
{
    tag_write(heap, offset, size | flags);
    tag_write(heap, offset + size - HEAP_TAG_BYTES, size | flags);
    if (shape.events)
        event_touch(heap, offset, offset + size);
}

static uint64_t block_size(const Heap *heap, uint64_t offset)
{
    return tag_size(tag_read(heap, offset));
}

/* ---- the free-block index: the only code that changes free blocks -------
 *
 * The free block that ends the region (the "top", or wilderness, as dlmalloc
 * calls it) is kept out of the index: it is where most placements split, and
 * keeping it apart spares the index an update on each of them. It is
 * always the highest-addressed free block, so each policy weighs it last.
 * Bump's only free block is the top, so its address index spans no slots. */

static bool ends_region(const Heap *heap, uint64_t offset, uint64_t size)
{
    return offset + size == heap->region_end;
}

static bool has_top(const Heap *heap)
{
    return heap->top < heap->region_end;
}

static uint64_t top_size(const Heap *heap)
{
    return has_top(heap) ? heap->region_end - heap->top : 0;
}

/* ---- the block kept out ---------------------------------------------------
 * Worst and next fit split one free block over and over: worst fit its
 * largest, next fit the one its rover lies in. In the address index each
 * split of it climbs the tree of maxima, as far as the root when the block is
 * the largest there (worst fit: 88 M of the 10k-live core-bench trace's 362
 * M main-thread instructions). So these two keep that block out of the
 * index, as every policy keeps the top: heap->kept, region_end if none.
 *
 * Worst fit keeps the block it would choose among all but the top: larger
 * than every indexed block, or as large and lower. A block that beats it
 * takes its place and sends it to the index; a split that leaves it no
 * longer first sends it to the index too, and then none is kept until the
 * next search finds the new largest in the index and splits it.
 *
 * Next fit keeps the free block the rover lies in, unless it is the top: a
 * block that comes to hold the rover is kept, one that stops holding it goes
 * to the index (see move_rover). Its search starts at that block, so the
 * floor look-up for the start is gone too. */

static bool keeps_a_block_out(CallShape shape)
{
    return shape.policy == HEAP_WORST_FIT || shape.policy == HEAP_NEXT_FIT;
}

static bool has_kept(const Heap *heap)
{
    return heap->kept < heap->region_end;
}

static void keep(Heap *heap, uint64_t offset, uint64_t size)
{
    heap->kept = offset;
    heap->kept_size = size;
}

static void forget_kept(Heap *heap)
{
    keep(heap, heap->region_end, 0);
}

/* Whether worst fit would choose the block [offset, +size) before the block
 * [other, +other_size): larger, or as large and lower. */
static bool worst_fit_before(uint64_t offset, uint64_t size, uint64_t other, uint64_t other_size)
{
    return size > other_size || (size == other_size && offset < other);
}

/* Whether worst fit would choose the block [offset, +size), which is not in
 * the index, before every block in it. */
static bool before_every_indexed(const Heap *heap, uint64_t offset, uint64_t size)
{
    uint64_t indexed = address_index_largest(&heap->by_address);
    if (size != indexed)
        return size > indexed;
    return offset < address_index_lowest_fit(&heap->by_address, indexed, NULL);
}

/* Whether [offset, +size) holds next fit's rover. */
static bool holds_rover(const Heap *heap, uint64_t offset, uint64_t size)
{
    return heap->rover - offset < size; /* offset <= rover < offset + size */
}

/* Whether the free block [offset, +size), not the top and in no index, is
 * the one to keep out: the rover's block (next fit); the first in worst
 * fit's order (worst fit; the kept one, if any, goes to the index). */
static SHAPED_INLINE bool takes_kept_place(Heap *heap, CallShape shape, uint64_t offset,
                                           uint64_t size)
{
    if (shape.policy == HEAP_NEXT_FIT)
        return holds_rover(heap, offset, size);
    if (!has_kept(heap))
        return before_every_indexed(heap, offset, size);
    if (!worst_fit_before(offset, size, heap->kept, heap->kept_size))
        return false;
    address_index_insert(&heap->by_address, heap->kept, heap->kept_size);
    return true;
}

/* Whether the free block at `offset`, reshaped into [new_offset, +new_size),
 * must be taken out and filed again rather than moved in the index: it is
 * the one kept out, or may become it (worst fit: none is kept, or it grows
 * past the kept one; next fit: it comes to hold the rover). */
static SHAPED_INLINE bool refiles(const Heap *heap, CallShape shape, uint64_t offset,
                                  uint64_t new_offset, uint64_t new_size)
{
    if (offset == heap->kept)
        return true;
    if (shape.policy == HEAP_NEXT_FIT)
        return holds_rover(heap, new_offset, new_size);
    return !has_kept(heap) || worst_fit_before(new_offset, new_size, heap->kept, heap->kept_size);
}

/* ---- filing free blocks ------------------------------------------------ */

/* Files the free block [offset, +size) as the top, as the block kept out
 * or in the index. The index may read the headers of the blocks it holds,
 * so the block's tags are written. */
static SHAPED_INLINE void index_insert(Heap *heap, CallShape shape, uint64_t offset, uint64_t size)
{
    if (ends_region(heap, offset, size))
        heap->top = offset;
    else if (shape_by_size(shape))
        free_tree_insert(&heap->by_size, (FreeTreeEntry){ .size = size, .offset = offset });
    else if (keeps_a_block_out(shape) && takes_kept_place(heap, shape, offset, size))
        keep(heap, offset, size);
    else
        address_index_insert(&heap->by_address, offset, size);
}

static SHAPED_INLINE void index_remove(Heap *heap, CallShape shape, uint64_t offset, uint64_t size)
{
    if (offset == heap->top)
        heap->top = heap->region_end;
    else if (shape_by_size(shape))
        free_tree_remove(&heap->by_size, (FreeTreeEntry){ .size = size, .offset = offset });
    else if (keeps_a_block_out(shape) && offset == heap->kept)
        forget_kept(heap);
    else
        address_index_remove(&heap->by_address, offset, size);
}

/* Records a new free block [offset, offset + size). */
static SHAPED_INLINE void free_block_add(Heap *heap, CallShape shape, uint64_t offset,
                                         uint64_t size)
{
    write_tags(heap, shape, offset, size, 0);
    index_insert(heap, shape, offset, size);
    heap->stats.free_blocks++;
    heap->stats.free_bytes += size;
}

/* Forgets the free block [offset, +size) (it is about to be used or merged).
 * Callers pass the size they already know, sparing a read of the header. */
static SHAPED_INLINE void free_block_remove(Heap *heap, CallShape shape, uint64_t offset,
                                            uint64_t size)
{
    index_remove(heap, shape, offset, size);
    heap->stats.free_blocks--;
    heap->stats.free_bytes -= size;
}

/* Moves and/or resizes the free block [offset, +size) to [new_offset,
 * +new_size). The caller guarantees no other free block lies between the two
 * offsets, so the address index can move the block in one step. */
static SHAPED_INLINE void free_block_reshape(Heap *heap, CallShape shape, uint64_t offset,
                                             uint64_t size, uint64_t new_offset, uint64_t new_size)
{
    bool move_in_index = offset != heap->top && !shape_by_size(shape) &&
                         !ends_region(heap, new_offset, new_size) &&
                         !(keeps_a_block_out(shape) && refiles(heap, shape, offset, new_offset, new_size));
    if (move_in_index) {
        address_index_move(&heap->by_address, offset, size, new_offset, new_size);
        write_tags(heap, shape, new_offset, new_size, 0);
    } else {
        index_remove(heap, shape, offset, size);
        write_tags(heap, shape, new_offset, new_size, 0);
        index_insert(heap, shape, new_offset, new_size);
    }
    heap->stats.free_bytes += new_size - size;
}

/* The largest free block: the index's, the one kept out or the top. */
static uint64_t largest_free_block(const Heap *heap)
{
    uint64_t largest = index_largest(heap);
    if (heap->kept_size > largest)
        largest = heap->kept_size;
    return largest > top_size(heap) ? largest : top_size(heap);
}

/* ---- statistics ---------------------------------------------------------
 * The counts are kept exact by every call; the figures derived from them
 * (largest free block, fragmentation, utilization) are worked out when
 * someone reads them, in O(1). Only the peak must be noted as calls end. */

/* Ends a call that may have raised the live payload. */
static void note_peak(Heap *heap)
{
    HeapStats *s = &heap->stats;
    if (s->payload_bytes > s->peak_payload)
        s->peak_payload = s->payload_bytes;
}

static void fill_derived_stats(Heap *heap)
{
    HeapStats *s = &heap->stats;
    s->largest_free = largest_free_block(heap);
    design_fill_fragmentation(s);
    s->utilization = s->high_water ? (double)s->peak_payload / (double)s->high_water : 0.0;
}

static bool is_free_block_at(const Heap *heap, uint64_t offset)
{
    return offset >= heap->region_start && offset < heap->region_end &&
           tag_flags(tag_read(heap, offset)) == 0;
}

/* Returns [offset, +size) to the free blocks, merged with free neighbours. */
/* Whole huge pages from `offset` up (down) to the next (last) boundary. */
static inline uint64_t page_up(uint64_t offset)
{
    return (offset + ZEROED_MEMORY_PAGE_BYTES - 1) / ZEROED_MEMORY_PAGE_BYTES * ZEROED_MEMORY_PAGE_BYTES;
}

static inline uint64_t page_down(uint64_t offset)
{
    return offset / ZEROED_MEMORY_PAGE_BYTES * ZEROED_MEMORY_PAGE_BYTES;
}

/* Gives back the pages [first, end) (whole huge page numbers) that never went
 * back before, a run at a time, and marks them PAGE_GIVEN_BACK. */
static void give_back_pages(Heap *heap, uint64_t first, uint64_t end)
{
    uint8_t *fates = heap->page_fates;
    for (uint64_t page = first; page < end;) {
        if (fates[page] != PAGE_NEVER_GIVEN_BACK) {
            page++;
            continue;
        }
        uint64_t run_end = page + 1;
        while (run_end < end && fates[run_end] == PAGE_NEVER_GIVEN_BACK)
            run_end++;
        uint64_t from = page * ZEROED_MEMORY_PAGE_BYTES, to = run_end * ZEROED_MEMORY_PAGE_BYTES;
        zeroed_memory_discard(heap->arena, heap->config.heap_bytes, from, to);
        memset(fates + page, PAGE_GIVEN_BACK, run_end - page);
        page_warmer_forget(heap->warmer, from, to);
        page = run_end;
    }
}

/* A free block holds nothing between its two tags, and nothing reads there
 * until a block is placed over it. So the whole huge pages inside the free
 * block [start, end) just merged from [start, freed) (if start < freed), a
 * freed block, and [freed_end, end) (if freed_end < end) may go back to the
 * system (zeroed_memory_discard): on its first pass a policy that sweeps a
 * big arena (next fit's rover, worst fit's largest block) then keeps
 * resident the pages its blocks are in, not every page it passed (280 MiB
 * on a 256 MiB heap). Only the pages around the freed block are weighed
 * (the merged parts' own were weighed when they were formed), and none
 * above the high water: nothing was written there. (Only an arena the heap
 * made itself: memory lent by heap_create_in is the lender's.)
 *
 * But a page goes back once only (PageFate). A heap whose requests add up
 * to many times its arena sweeps it again and again, and had the kernel
 * zero every page once a sweep: next fit at 1,000 live blocks of 1-16 KiB
 * took 1.7x glibc's time. The price: from its second pass on, a sweeping
 * heap keeps every page up to its high water, and a program that frees a
 * phase's memory gets a page back the first time only. That is at most the
 * pages it touched. Which pages go back depends only on the heap's calls,
 * and the fates and the arena's bytes are both part of its state
 * (heap_state_spans), so a replay and a restore give back the same pages
 * and read the same bytes. */
static void discard_inner_pages(Heap *heap, uint64_t start, uint64_t freed, uint64_t freed_end, uint64_t end)
{
    uint64_t low = page_up(start + HEAP_TAG_BYTES), high = page_down(end - HEAP_TAG_BYTES);
    if (start < freed && page_down(freed - HEAP_TAG_BYTES) > low)
        low = page_down(freed - HEAP_TAG_BYTES);
    if (freed_end < end && page_up(freed_end + HEAP_TAG_BYTES) < high)
        high = page_up(freed_end + HEAP_TAG_BYTES);
    if (page_up(heap->stats.high_water) < high)
        high = page_up(heap->stats.high_water);
    if (low >= high || !heap->page_fates)
        return;
    give_back_pages(heap, low / ZEROED_MEMORY_PAGE_BYTES, high / ZEROED_MEMORY_PAGE_BYTES);
}

/* A block now ends at `end`: the pages given back just above it are asked
 * for again, and kept from now on. On every placement, so the two entries
 * are read as one, and only PAGE_GIVEN_BACK is odd. */
static inline void warm_again_ahead(Heap *heap, uint64_t end)
{
    _Static_assert(WARM_AGAIN_PAGES == 2, "warm_again_ahead reads two entries at once");
    _Static_assert(PAGE_GIVEN_BACK % 2 == 1 && PAGE_NEVER_GIVEN_BACK % 2 == 0 && PAGE_KEPT % 2 == 0,
                   "warm_again_ahead tests the low bit");
    if (!heap->page_fates)
        return;
    uint64_t next = (end - 1) / ZEROED_MEMORY_PAGE_BYTES + 1; /* past the page of its last byte */
    uint16_t both;
    memcpy(&both, heap->page_fates + next, sizeof both);
    if ((both & 0x0101) == 0)
        return;
    for (uint64_t page = next; page < next + WARM_AGAIN_PAGES; page++) {
        if (heap->page_fates[page] == PAGE_GIVEN_BACK) {
            heap->page_fates[page] = PAGE_KEPT;
            page_warmer_warm_again(heap->warmer, page * ZEROED_MEMORY_PAGE_BYTES);
        }
    }
}

static SHAPED_INLINE void coalesce_into_free(Heap *heap, CallShape shape, uint64_t offset,
                                             uint64_t size)
{
    HeapEvent *event = &heap->event;
    uint64_t end = offset + size;
    uint64_t previous = offset;
    if (offset > heap->region_start) {
        uint64_t footer = tag_read(heap, offset - HEAP_TAG_BYTES);
        if (tag_flags(footer) == 0)
            previous = offset - tag_size(footer);
    }
    event->coalesced_previous = previous != offset;
    event->coalesced_next = is_free_block_at(heap, end);
    uint64_t next_size = event->coalesced_next ? block_size(heap, end) : 0;
    uint64_t merged_end = end + next_size;
    if (event->coalesced_previous) {
        if (event->coalesced_next)
            free_block_remove(heap, shape, end, next_size);
        free_block_reshape(heap, shape, previous, offset - previous, previous,
                           merged_end - previous);
    } else if (event->coalesced_next) {
        free_block_reshape(heap, shape, end, next_size, offset, merged_end - offset);
    } else {
        free_block_add(heap, shape, offset, size);
    }
    event->merged_offset = previous;
    event->merged_size = merged_end - previous;
    if (merged_end - previous > ZEROED_MEMORY_PAGE_BYTES && heap->owns_arena)
        discard_inner_pages(heap, previous, offset, end, merged_end);
}

/* ---- used blocks -------------------------------------------------------- */

/* The high water has passed regroup_at: the address index's groups widen
 * (see index_group_words), once. If host memory runs out the narrow groups
 * stay, which only costs time. */
__attribute__((noinline)) static void widen_index_groups(Heap *heap)
{
    heap->regroup_at = UINT64_MAX;
    (void)address_index_regroup(&heap->by_address, WIDE_GROUP_WORDS, written_end(heap));
}

/* A block now ends at `end`: the high water rises to it, and every few
 * megabytes of rise the page warmer hears of it. */
static inline void raise_high_water(Heap *heap, uint64_t end)
{
    if (end <= heap->stats.high_water)
        return;
    heap->stats.high_water = end;
    if (end >= heap->warm_at) {
        heap->warm_at = page_warmer_reached(heap->warmer, end);
        heap->warmer_told = true;
    }
    if (end >= heap->regroup_at)
        widen_index_groups(heap);
}

static SHAPED_INLINE void mark_used(Heap *heap, CallShape shape, uint64_t offset, uint64_t size,
                                    uint64_t requested)
{
    write_tags(heap, shape, offset, size, HEAP_TAG_ALLOCATED);
    live_blocks_add(&heap->live, offset, size, requested);
    HeapStats *s = &heap->stats;
    s->used_blocks++;
    s->bytes_in_use += size;
    s->payload_bytes += requested;
    raise_high_water(heap, offset + size);
    warm_again_ahead(heap, offset + size);
    heap->event.block_offset = offset;
    heap->event.block_size = size;
}

/* Turns a used block's bytes into a dead block (bump's free). */
static void mark_dead(Heap *heap, CallShape shape, uint64_t offset, uint64_t size)
{
    write_tags(heap, shape, offset, size, HEAP_TAG_DEAD);
    heap->event.dead = true;
    heap->stats.dead_blocks++;
    heap->stats.dead_bytes += size;
}

/* Frees the used block at `offset`, whose owner asked for `requested`
 * bytes: dead for bump (logged with what it held), coalesced otherwise. */
static SHAPED_INLINE void release_block(Heap *heap, CallShape shape, uint64_t offset,
                                        uint64_t requested)
{
    uint64_t size = block_size(heap, offset);
    HeapStats *s = &heap->stats;
    s->used_blocks--;
    s->bytes_in_use -= size;
    s->payload_bytes -= requested;
    live_blocks_remove(&heap->live, offset);
    if (shape_is_bump(shape)) {
        dead_blocks_add(&heap->dead, offset + HEAP_TAG_BYTES, requested);
        mark_dead(heap, shape, offset, size);
    } else {
        coalesce_into_free(heap, shape, offset, size);
    }
}

/* ---- placement ----------------------------------------------------------
 * Each search answers from the index and then weighs the top block, which
 * lies above every block in the index: it wins only where nothing lower
 * qualifies (first and next fit) or where it is strictly better (best and
 * worst fit). */

#define NOT_FOUND ADDRESS_INDEX_NONE

/* Takes the index's answer if it found one, else the top if it fits. */
static bool found_or_top(const Heap *heap, uint64_t found, uint64_t asize, uint64_t *offset)
{
    if (found != NOT_FOUND) {
        *offset = found;
        return true;
    }
    if (top_size(heap) >= asize) {
        *offset = heap->top;
        return true;
    }
    return false;
}

/* The lowest-addressed indexed block of size >= asize from `from` on. A
 * heap that counts what its searches examine adds the blocks passed over
 * on the way to search_passed. */
static SHAPED_INLINE uint64_t first_fit_from(Heap *heap, CallShape shape, uint64_t from,
                                              uint64_t asize)
{
    uint64_t *passed = counts_passed_blocks(heap, shape) ? &heap->search_passed : NULL;
    if (from == heap->region_start)
        return address_index_lowest_fit(&heap->by_address, asize, passed);
    return address_index_first_fit(&heap->by_address, from, asize, passed);
}

/* Next fit's start: the free block containing the rover (the top or the
 * block kept out), else the rover. */
static uint64_t next_fit_start(const Heap *heap)
{
    if (has_top(heap) && heap->rover >= heap->top)
        return heap->top;
    return has_kept(heap) ? heap->kept : heap->rover;
}

/* The first block of size >= asize from next fit's start up to the top (not
 * included): the kept block, which is the start block if there is one, then
 * the index's. Passing over the kept block counts as passing an indexed
 * block would. */
static uint64_t next_fit_above(Heap *heap, CallShape shape, uint64_t start, uint64_t asize)
{
    if (start == heap->top)
        return NOT_FOUND; /* no indexed block lies above the top: its walk would find nothing */
    if (has_kept(heap)) {
        if (heap->kept_size >= asize)
            return heap->kept;
        heap->search_passed += counts_passed_blocks(heap, shape);
    }
    return first_fit_from(heap, shape, start, asize);
}

/* From the start block up to the end (the top comes last, and always lies at
 * or above the start), then from the bottom up to the start: the index's
 * blocks, since the kept block is the start block and was weighed first. */
static bool find_next_fit(Heap *heap, CallShape shape, uint64_t asize, uint64_t *offset)
{
    uint64_t start = next_fit_start(heap);
    heap->search_start = start;
    if (found_or_top(heap, next_fit_above(heap, shape, start, asize), asize, offset))
        return true;
    heap->search_passed += has_top(heap); /* the top was weighed too */
    uint64_t found = first_fit_from(heap, shape, heap->region_start, asize); /* below the start */
    return found != NOT_FOUND && found_or_top(heap, found, asize, offset);
}

/* The smallest fit (the first of size >= asize in size order); the top only
 * if strictly smaller, since ties go to the lower address. */
static bool find_best_fit(Heap *heap, uint64_t asize, uint64_t *offset)
{
    FreeTreeEntry entry = { 0 };
    bool found = free_tree_first_fit(&heap->by_size, asize, &entry);
    if (found && top_size(heap) >= asize && entry.size > top_size(heap))
        found = false;
    return found_or_top(heap, found ? entry.offset : NOT_FOUND, asize, offset);
}

/* The largest block, the lowest of equals (the one kept out, if any, else
 * the index's); the top only if strictly larger. */
static bool find_worst_fit(const Heap *heap, uint64_t asize, uint64_t *offset)
{
    bool kept_out = has_kept(heap);
    uint64_t largest = kept_out ? heap->kept_size : address_index_largest(&heap->by_address);
    uint64_t found = NOT_FOUND;
    if (largest >= asize && largest >= top_size(heap))
        found = kept_out ? heap->kept : address_index_lowest_fit(&heap->by_address, largest, NULL);
    return found_or_top(heap, found, asize, offset);
}

/* The free block the policy picks for asize; false if none fits. */
static SHAPED_INLINE bool find_fit(Heap *heap, CallShape shape, uint64_t asize, uint64_t *offset)
{
    heap->search_passed = 0;
    heap->search_start = heap->region_start;
    switch (shape.policy) {
    case HEAP_FIRST_FIT:
        return found_or_top(heap, first_fit_from(heap, shape, heap->region_start, asize), asize,
                            offset);
    case HEAP_NEXT_FIT:
        return find_next_fit(heap, shape, asize, offset);
    case HEAP_BEST_FIT:
        return find_best_fit(heap, asize, offset);
    case HEAP_WORST_FIT:
        return find_worst_fit(heap, asize, offset);
    case HEAP_BUMP: /* the top block is the one at the heap pointer */
        return found_or_top(heap, NOT_FOUND, asize, offset);
    case HEAP_POLICY_COUNT:
        break;
    }
    return false;
}

/* ---- examined (see the top of this file) --------------------------------- */

/* Counts the free blocks the search that just ran examined, before the
 * placement changes them; `found` says whether it found one. First and next
 * fit examine the blocks their walks passed over, then the fit. */
static SHAPED_INLINE void count_search(Heap *heap, CallShape shape, bool found)
{
    if (!heap->config.count_examined)
        return;
    uint64_t examined = heap->stats.free_blocks;
    bool by_address = shape.policy == HEAP_FIRST_FIT || shape.policy == HEAP_NEXT_FIT;
    if (found && by_address)
        examined = heap->search_passed + 1;
    heap->event.examined = examined;
    heap->stats.examined += examined;
}

/* Rule 6: a used block of asize bytes that may span `available` bytes
 * leaves the rest free when it can stand as a block, else takes it all.
 * Returns the used block's size. */
static uint64_t used_size(const Heap *heap, uint64_t available, uint64_t asize)
{
    return available - asize >= heap->min_block ? asize : available;
}

/* A used block of `size` bytes (used_size's) now starts at `offset` and
 * spans the first `size` of `available` bytes, the end of which is the free
 * block at `free_offset`: the free block keeps the rest, if any. */
static SHAPED_INLINE void claim_free_space(Heap *heap, CallShape shape, uint64_t free_offset,
                                           uint64_t offset, uint64_t available, uint64_t size)
{
    uint64_t free_size = offset + available - free_offset;
    if (size < available) {
        free_block_reshape(heap, shape, free_offset, free_size, offset + size, available - size);
        heap->event.split = true;
        heap->event.split_offset = offset + size;
    } else {
        free_block_remove(heap, shape, free_offset, free_size);
    }
}

/* Sets the rover to `rover`, just past the block about to be placed in the
 * free block `chosen`. Next fit then keeps the free block the rover lies in:
 * the kept block goes to the index if it no longer holds the rover (unless
 * it is `chosen`, which the placement takes out), and when the rover wraps
 * to b0 the free block that starts there, if any, is taken out. A split
 * then keeps its remainder, which starts at the rover (free_block_reshape). */
static SHAPED_INLINE void move_rover(Heap *heap, CallShape shape, uint64_t chosen, uint64_t rover)
{
    heap->rover = rover;
    if (shape.policy != HEAP_NEXT_FIT)
        return;
    if (has_kept(heap) && heap->kept != chosen && !holds_rover(heap, heap->kept, heap->kept_size)) {
        address_index_insert(&heap->by_address, heap->kept, heap->kept_size);
        forget_kept(heap);
    }
    bool wrapped = rover == heap->region_start; /* `chosen` is the top, placed in whole */
    if (wrapped && !has_kept(heap) && rover != heap->top && is_free_block_at(heap, rover)) {
        uint64_t size = block_size(heap, rover);
        address_index_remove(&heap->by_address, rover, size);
        keep(heap, rover, size);
    }
}

/* Allocates asize bytes at the start of the free block at `offset`,
 * splitting off the rest when it can stand as a block of its own. */
static SHAPED_INLINE uint64_t place(Heap *heap, CallShape shape, uint64_t offset, uint64_t asize,
                                    uint64_t requested)
{
    uint64_t available = block_size(heap, offset);
    heap->event.chosen_free_size = available;
    uint64_t size = used_size(heap, available, asize), end = offset + size;
    move_rover(heap, shape, offset, end == heap->region_end ? heap->region_start : end);
    claim_free_space(heap, shape, offset, offset, available, size);
    mark_used(heap, shape, offset, size, requested);
    if (shape_is_bump(shape))
        heap->bump_pointer = end;
    return offset + HEAP_TAG_BYTES;
}

/* Counts a request that found no block; the heap stays as it was. */
static HeapError fail_no_fit(Heap *heap, uint64_t asize, bool asize_known)
{
    HeapStats *s = &heap->stats;
    uint64_t spare = s->free_bytes + s->dead_bytes;
    bool fragmented = asize_known && spare >= asize;
    s->failed++;
    s->failed_fragmented += fragmented;
    heap->event.error = HEAP_ERROR_OUT_OF_MEMORY;
    heap->event.asize = asize_known ? asize : 0;
    heap->event.free_bytes = spare;
    heap->event.largest_free = largest_free_block(heap);
    heap->event.fragmented = fragmented;
    note_peak(heap);
    return HEAP_ERROR_OUT_OF_MEMORY;
}

/* Makes sure the indexes can take the inserts one call may do, before any
 * change, so a host allocation failure cannot leave a half-done call. */
static SHAPED_INLINE bool reserve_for_call(Heap *heap, CallShape shape)
{
    return live_blocks_reserve(&heap->live, 2) &&
           (!shape_is_bump(shape) || dead_blocks_reserve(&heap->dead, 1)) &&
           (!shape_by_size(shape) || free_tree_reserve(&heap->by_size, 2));
}

/* The same for a free, which only takes from the live marks: bump files a
 * dead block, best fit up to two tree entries. */
static SHAPED_INLINE bool reserve_for_free(Heap *heap, CallShape shape)
{
    return (!shape_is_bump(shape) || dead_blocks_reserve(&heap->dead, 1)) &&
           (!shape_by_size(shape) || free_tree_reserve(&heap->by_size, 2));
}

/* ---- lifetime ----------------------------------------------------------- */

static HeapError heap_setup(const HeapConfig *config, uint8_t *arena, bool owns, Heap **out)
{
    Heap *heap = calloc(1, sizeof *heap);
    if (!heap)
        return HEAP_ERROR_OUT_OF_MEMORY;
    uint64_t a = config->alignment;
    heap->base.design = &tags_design;
    heap->general = allocator_default_config(config->heap_bytes);
    heap->general.alignment = config->alignment;
    heap->general.min_payload = config->min_payload;
    heap->general.policy = (uint32_t)config->policy;
    heap->general.events_unread = config->skip_events;
    heap->config = *config;
    heap->calls = heap_calls_for(config);
    heap->arena = arena;
    heap->owns_arena = owns;
    heap->region_start = (a - HEAP_TAG_BYTES % a) % a;
    heap->region_end = heap->region_start + (config->heap_bytes - heap->region_start) / a * a;
    heap->min_block = align_up(HEAP_OVERHEAD_BYTES + config->min_payload, a);
    bool indexes_made =
        live_blocks_init(&heap->live, heap->region_start, heap->region_end - heap->region_start, a,
                         heap->min_block) &&
        dead_blocks_init(&heap->dead) &&
        (index_is_by_size(heap)
             ? free_tree_init(&heap->by_size, heap->region_start,
                              heap->region_end - heap->region_start, a)
             : address_index_init(&heap->by_address, arena, heap->region_start,
                                  is_bump(heap) ? 0 : heap->region_end - heap->region_start,
                                  a, index_group_words(config)) &&
                  (!counts_passed_blocks(heap, shape_of(heap)) ||
                   address_index_enable_ranks(&heap->by_address)));
    if (!indexes_made) {
        heap->owns_arena = false; /* the caller frees it */
        heap_destroy(heap);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    heap->warm_at = UINT64_MAX; /* heap_create adds a warmer */
    heap->regroup_at = regroup_point(config, heap->region_start, a);
    heap->rover = heap->bump_pointer = heap->region_start;
    heap->top = heap->region_end;
    forget_kept(heap);
    heap->stats.heap_bytes = heap->region_end - heap->region_start;
    free_block_add(heap, shape_of(heap), heap->region_start, heap->stats.heap_bytes);
    heap->event = (HeapEvent){ .kind = HEAP_EVENT_NONE };
    note_peak(heap);
    *out = heap;
    return HEAP_OK;
}

HeapError heap_create(const HeapConfig *config, Heap **out)
{
    *out = NULL;
    if (!config_is_valid(config))
        return HEAP_ERROR_INVALID_CONFIG;
    uint8_t *arena = zeroed_memory_get(config->heap_bytes);
    if (!arena)
        return HEAP_ERROR_OUT_OF_MEMORY;
    HeapError error = heap_setup(config, arena, true, out);
    if (error != HEAP_OK) {
        zeroed_memory_release(arena, config->heap_bytes);
        return error;
    }
    (*out)->warmer = page_warmer_create(arena, config->heap_bytes);
    const LiveBlocks *live = &(*out)->live;
    page_warmer_follow((*out)->warmer, live->marks, live->mark_bytes, live->bucket_shift);
    (*out)->warm_at = (*out)->warmer ? PAGE_WARMER_STEP_BYTES : UINT64_MAX;
    if (config->heap_bytes >= ZEROED_MEMORY_MAPPED_BYTES) /* out of memory: no page goes back */
        (*out)->page_fates = calloc(heap_page_fate_entries(config->heap_bytes), 1);
    return HEAP_OK;
}

HeapError heap_create_in(const HeapConfig *config, void *memory, Heap **out)
{
    *out = NULL;
    if (!config_is_valid(config) || !memory)
        return HEAP_ERROR_INVALID_CONFIG;
    memset(memory, 0, config->heap_bytes);
    return heap_setup(config, memory, false, out);
}

void heap_destroy(Heap *heap)
{
    if (!heap)
        return;
    page_warmer_destroy(heap->warmer); /* its thread stops before the arena goes */
    free(heap->page_fates);
    if (heap->owns_arena)
        zeroed_memory_release(heap->arena, heap->config.heap_bytes);
    live_blocks_release(&heap->live);
    dead_blocks_release(&heap->dead);
    free_tree_release(&heap->by_size);
    address_index_release(&heap->by_address);
    free(heap);
}

static bool same_config(const HeapConfig *a, const HeapConfig *b)
{
    return a->heap_bytes == b->heap_bytes && a->alignment == b->alignment &&
           a->min_payload == b->min_payload && a->policy == b->policy &&
           a->count_examined == b->count_examined;
}

/* Copies the arena bytes the source may have written, zeroes what only
 * the target wrote, and leaves the rest (zero in both) untouched, so a copy
 * of a huge, mostly unused heap costs what is used. */
static void copy_written_bytes(Heap *target, const Heap *source, uint64_t source_end,
                               uint64_t target_end)
{
    memcpy(target->arena, source->arena, source_end);
    if (target_end > source_end)
        memset(target->arena + source_end, 0, target_end - source_end);
    uint64_t last_tag = source->region_end - HEAP_TAG_BYTES;
    if (source->region_end >= source->region_start + HEAP_TAG_BYTES && last_tag >= source_end)
        memcpy(target->arena + last_tag, source->arena + last_tag, HEAP_TAG_BYTES);
}

/* The target's pages go back (or stay) as the source's would: its fates
 * become the source's, or, where the source has none, every page's is
 * PAGE_NEVER_GIVEN_BACK. (The copy wrote every page up to both ends, so a
 * page the source gave back is resident in the target; asking for it
 * again costs nothing.) */
static void copy_page_fates(Heap *target, const Heap *source)
{
    uint64_t entries = heap_page_fate_entries(target->config.heap_bytes);
    if (target->page_fates && source->page_fates)
        memcpy(target->page_fates, source->page_fates, entries);
    else if (target->page_fates)
        memset(target->page_fates, PAGE_NEVER_GIVEN_BACK, entries);
}

HeapError heap_copy(Heap *target, const Heap *source)
{
    if (!same_config(&target->config, &source->config))
        return HEAP_ERROR_INVALID_CONFIG;
    uint64_t source_end = written_end(source), target_end = written_end(target);
    if (!live_blocks_copy(&target->live, &source->live, source_end, target_end) ||
        !dead_blocks_copy(&target->dead, &source->dead) ||
        !index_copy(target, source, source_end, target_end))
        return HEAP_ERROR_OUT_OF_MEMORY;
    copy_written_bytes(target, source, source_end, target_end);
    copy_page_fates(target, source);
    target->rover = source->rover;
    target->bump_pointer = source->bump_pointer;
    target->top = source->top;
    target->kept = source->kept;
    target->kept_size = source->kept_size;
    target->stats = source->stats;
    target->event = source->event;
    target->search_start = source->search_start;
    target->search_passed = source->search_passed;
    target->search_old_end = source->search_old_end;
    target->regroup_at = source->regroup_at;
    return HEAP_OK;
}

/* The bytes of a struct from `first` (a field) to its end, as a span. */
static AllocatorSpan fields_span(void *first, const void *object, size_t object_size)
{
    uint64_t size = object_size - (uint64_t)((const uint8_t *)first - (const uint8_t *)object);
    return (AllocatorSpan){ .bytes = first, .size = size, .used = size };
}

static AllocatorSpan array_span(void *bytes, uint64_t size)
{
    return (AllocatorSpan){ .bytes = size ? bytes : NULL, .size = size, .used = size };
}

uint32_t heap_state_spans(Heap *heap, AllocatorSpan *spans)
{
    uint64_t last_tag = heap->region_end - HEAP_TAG_BYTES;
    if (heap->region_end % 8 != 0 || heap->region_end < heap->region_start + HEAP_TAG_BYTES)
        return 0;
    uint64_t scalars = offsetof(Heap, search_old_end) + sizeof heap->search_old_end - offsetof(Heap, rover);
    uint64_t written = written_end(heap) < last_tag ? written_end(heap) : last_tag;
    uint32_t count = 0;
    spans[count++] = (AllocatorSpan){ .bytes = (uint8_t *)&heap->rover, .size = scalars, .used = scalars };
    spans[count++] = array_span(heap->page_fates, heap->page_fates ? heap_page_fate_entries(heap->config.heap_bytes) : 0);
    spans[count++] = (AllocatorSpan){ .bytes = heap->arena, .size = last_tag, .used = (written + 7) / 8 * 8 };
    spans[count++] = array_span(heap->arena + last_tag, HEAP_TAG_BYTES);
    LiveBlocks *live = &heap->live;
    spans[count++] = array_span(&live->count, sizeof live->count);
    spans[count++] = fields_span(&live->overflow.capacity, &live->overflow, sizeof live->overflow);
    spans[count++] = array_span(live->overflow.slots, live->overflow.capacity * sizeof(BlockMapSlot));
    spans[count++] = (AllocatorSpan){ .bytes = live->marks, .size = live->mark_bytes,
                                      .used = live_blocks_marks_used(live, written_end(heap)) };
    DeadBlocks *dead = &heap->dead;
    spans[count++] = array_span(&dead->count, offsetof(DeadBlocks, lookup) - offsetof(DeadBlocks, count));
    spans[count++] = fields_span(&dead->lookup.capacity, &dead->lookup, sizeof dead->lookup);
    spans[count++] = array_span(&dead->filed, sizeof dead->filed);
    spans[count++] = array_span(dead->log, dead->capacity * sizeof *dead->log);
    spans[count++] = array_span(dead->lookup.slots, dead->lookup.capacity * sizeof(BlockMapSlot));
    spans[count++] = fields_span(&heap->by_size.capacity, &heap->by_size, sizeof heap->by_size);
    spans[count++] = array_span(heap->by_size.nodes, (uint64_t)heap->by_size.capacity * sizeof(FreeTreeNode));
    AddressIndex *index = &heap->by_address;
    spans[count++] = fields_span(&index->max_levels, index, offsetof(AddressIndex, counts));
    spans[count++] = array_span(index->bits, (index->level_nodes[0] << index->group_shift) / 64 * sizeof *index->bits);
    uint64_t maxima_words = index->maxima_count + index->level_nodes[0]; /* the seconds too */
    spans[count++] = array_span(index->maxima, maxima_words * sizeof *index->maxima);
    spans[count++] = array_span(index->counts, index->counts ? index->maxima_count * sizeof *index->counts : 0);
    return count;
}

HeapError heap_clone(const Heap *heap, Heap **out)
{
    HeapError error = heap_create(&heap->config, out);
    if (error == HEAP_OK && (error = heap_copy(*out, heap)) != HEAP_OK) {
        heap_destroy(*out);
        *out = NULL;
    }
    return error;
}

/* ---- malloc, free, realloc ---------------------------------------------- */

/* True if a free block starts exactly at `offset`. The header there is only
 * a hint (a payload could imitate one); the index has the last word. */
static bool is_indexed_free_block(const Heap *heap, uint64_t offset)
{
    if (offset < heap->region_start || offset >= heap->region_end ||
        heap->region_end - offset < heap->min_block)
        return false;
    if (offset == heap->top)
        return true;
    uint64_t word = tag_read(heap, offset);
    return tag_flags(word) == 0 && index_holds(heap, offset, tag_size(word));
}

/* Checks that `payload` is a used block's, and finds the bytes its owner
 * asked for; classifies it if it is not. */
static inline HeapError check_live(const Heap *heap, uint64_t payload, uint64_t *requested)
{
    if (payload < HEAP_TAG_BYTES)
        return HEAP_ERROR_INVALID_POINTER; /* 0 is NULL */
    uint64_t offset = payload - HEAP_TAG_BYTES;
    if (live_blocks_has(&heap->live, offset)) {
        *requested = live_blocks_requested(&heap->live, offset, block_size(heap, offset));
        return HEAP_OK;
    }
    uint64_t held = 0;
    bool was_freed = (is_bump(heap) && dead_block_held(heap, payload, &held)) ||
                     is_indexed_free_block(heap, payload - HEAP_TAG_BYTES);
    return was_freed ? HEAP_ERROR_DOUBLE_FREE : HEAP_ERROR_INVALID_POINTER;
}

static HeapError reject(Heap *heap, HeapError error)
{
    heap->stats.errors++;
    heap->event.error = error;
    note_peak(heap);
    return error;
}

/* heap_malloc's body, for a heap of this shape. */
static SHAPED_INLINE HeapError
malloc_shaped(Heap *heap, CallShape shape, uint64_t n, uint64_t *payload)
{
    *payload = 0;
    event_begin(heap, shape, HEAP_EVENT_MALLOC, 0, n);
    uint64_t asize = 0;
    if (!heap_request_size(heap, n, &asize))
        return fail_no_fit(heap, 0, false);
    uint64_t offset = 0;
    bool found = find_fit(heap, shape, asize, &offset);
    if (found && !reserve_for_call(heap, shape))
        return HEAP_ERROR_OUT_OF_MEMORY;
    count_search(heap, shape, found);
    if (!found)
        return fail_no_fit(heap, asize, true);
    heap->event.asize = asize;
    *payload = place(heap, shape, offset, asize, n);
    heap->event.result = *payload;
    heap->stats.mallocs++;
    note_peak(heap);
    return HEAP_OK;
}

/* heap_free's body, for a heap of this shape. */
static SHAPED_INLINE HeapError
free_shaped(Heap *heap, CallShape shape, uint64_t payload)
{
    event_begin(heap, shape, HEAP_EVENT_FREE, payload, 0);
    if (payload == 0)
        return HEAP_OK;
    if (!reserve_for_free(heap, shape)) /* first: growing a map moves its values */
        return HEAP_ERROR_OUT_OF_MEMORY;
    uint64_t requested = 0;
    HeapError error = check_live(heap, payload, &requested);
    if (error != HEAP_OK)
        return reject(heap, error);
    uint64_t offset = payload - HEAP_TAG_BYTES;
    heap->event.block_offset = offset;
    heap->event.block_size = block_size(heap, offset);
    release_block(heap, shape, offset, requested);
    heap->stats.frees++; /* a free never raises the live payload: no peak to note */
    return HEAP_OK;
}

/* Gives back the tail of a used block after shrinking it to `size`. */
static SHAPED_INLINE void give_back_tail(Heap *heap, CallShape shape, uint64_t offset,
                                         uint64_t size, uint64_t old_size)
{
    uint64_t tail = offset + size;
    uint64_t tail_size = old_size - size;
    write_tags(heap, shape, offset, size, HEAP_TAG_ALLOCATED);
    heap->stats.bytes_in_use -= tail_size;
    heap->event.split = true;
    heap->event.split_offset = tail;
    if (shape_is_bump(shape)) {
        dead_blocks_add(&heap->dead, tail + HEAP_TAG_BYTES, 0);
        mark_dead(heap, shape, tail, tail_size);
    } else {
        coalesce_into_free(heap, shape, tail, tail_size);
    }
}

/* Grows the used block at `offset` over the free block after it. */
static SHAPED_INLINE void grow_in_place(Heap *heap, CallShape shape, uint64_t offset,
                                        uint64_t size, uint64_t asize)
{
    uint64_t next = offset + size;
    uint64_t merged = size + block_size(heap, next);
    uint64_t new_size = used_size(heap, merged, asize);
    claim_free_space(heap, shape, next, offset, merged, new_size);
    write_tags(heap, shape, offset, new_size, HEAP_TAG_ALLOCATED);
    heap->stats.bytes_in_use += new_size - size;
    raise_high_water(heap, offset + new_size);
}

static SHAPED_INLINE bool can_grow_in_place(const Heap *heap, CallShape shape, uint64_t offset,
                                            uint64_t size, uint64_t asize)
{
    uint64_t next = offset + size;
    return !shape_is_bump(shape) && is_free_block_at(heap, next) &&
           size + block_size(heap, next) >= asize;
}

/* The used block at `offset`, which held `old` requested bytes, now holds
 * `requested` at its present size, keeping payload_bytes exact. */
static void set_requested(Heap *heap, uint64_t offset, uint64_t old, uint64_t requested)
{
    heap->stats.payload_bytes += requested - old;
    live_blocks_remove(&heap->live, offset);
    live_blocks_add(&heap->live, offset, block_size(heap, offset), requested);
}

/* Moves a live block, which holds `requested` bytes, to a new place;
 * false (nothing changed) if none fits. */
static SHAPED_INLINE bool move_block(Heap *heap, CallShape shape, uint64_t offset,
                                     uint64_t requested, uint64_t asize, uint64_t n)
{
    uint64_t target = 0;
    bool found = find_fit(heap, shape, asize, &target);
    count_search(heap, shape, found);
    if (!found)
        return false;
    heap->search_old_end = offset + block_size(heap, offset);
    uint64_t old_payload = offset + HEAP_TAG_BYTES;
    uint64_t new_payload = place(heap, shape, target, asize, n);
    uint64_t keep = requested < n ? requested : n;
    memcpy(heap->arena + new_payload, heap->arena + old_payload, keep);
    uint64_t placed_offset = heap->event.block_offset, placed_size = heap->event.block_size;
    release_block(heap, shape, offset, requested);
    heap->event.block_offset = placed_offset;
    heap->event.block_size = placed_size;
    return true;
}

/* realloc(p, n) for a live p (whose owner asked for `requested` bytes)
 * and n > 0; see heap_realloc. */
static SHAPED_INLINE HeapError resize_live(Heap *heap, CallShape shape, uint64_t payload,
                                           uint64_t requested, uint64_t n, uint64_t *result)
{
    uint64_t offset = payload - HEAP_TAG_BYTES;
    uint64_t size = block_size(heap, offset);
    uint64_t asize = 0;
    if (!heap_request_size(heap, n, &asize))
        return fail_no_fit(heap, 0, false);
    heap->event.asize = asize;
    heap->event.old_block_offset = offset;
    if (asize <= size) {
        heap->event.realloc_mode = HEAP_REALLOC_SHRUNK;
        if (size - asize >= heap->min_block)
            give_back_tail(heap, shape, offset, asize, size);
        set_requested(heap, offset, requested, n);
    } else if (can_grow_in_place(heap, shape, offset, size, asize)) {
        heap->event.realloc_mode = HEAP_REALLOC_GREW;
        grow_in_place(heap, shape, offset, size, asize);
        set_requested(heap, offset, requested, n);
    } else if (move_block(heap, shape, offset, requested, asize, n)) {
        heap->event.realloc_mode = HEAP_REALLOC_MOVED;
        payload = heap->event.block_offset + HEAP_TAG_BYTES;
    } else {
        return fail_no_fit(heap, asize, true);
    }
    if (heap->event.realloc_mode != HEAP_REALLOC_MOVED) {
        heap->event.block_offset = offset;
        heap->event.block_size = block_size(heap, offset);
        if (shape.events)
            event_touch(heap, offset, offset + size);
    }
    *result = heap->event.result = payload;
    heap->stats.reallocs++;
    note_peak(heap);
    return HEAP_OK;
}

/* heap_realloc's body, for a heap of this shape. */
static SHAPED_INLINE HeapError
realloc_shaped(Heap *heap, CallShape shape, uint64_t payload, uint64_t n, uint64_t *result)
{
    *result = 0;
    if (payload == 0)
        return malloc_shaped(heap, shape, n, result);
    if (n == 0)
        return free_shaped(heap, shape, payload);
    event_begin(heap, shape, HEAP_EVENT_REALLOC, payload, n);
    if (!reserve_for_call(heap, shape)) /* first: growing the map moves its values */
        return HEAP_ERROR_OUT_OF_MEMORY;
    uint64_t requested = 0;
    HeapError error = check_live(heap, payload, &requested);
    if (error != HEAP_OK)
        return reject(heap, error);
    return resize_live(heap, shape, payload, requested, n, result);
}

/* ---- one copy of the calls per shape (see "call shapes" above) ----------- */

/* The three calls of a heap whose shape is `shape`, an expression that is
 * a constant for the copies of a policy with events off. */
#define HEAP_SHAPED_CALLS(name, shape)                                                       \
    static HeapError name##_malloc(Heap *heap, uint64_t n, uint64_t *payload)                \
    {                                                                                        \
        return malloc_shaped(heap, shape, n, payload);                                       \
    }                                                                                        \
    static HeapError name##_free(Heap *heap, uint64_t payload)                               \
    {                                                                                        \
        return free_shaped(heap, shape, payload);                                            \
    }                                                                                        \
    static HeapError name##_realloc(Heap *heap, uint64_t payload, uint64_t n, uint64_t *result) \
    {                                                                                        \
        return realloc_shaped(heap, shape, payload, n, result);                              \
    }                                                                                        \
    static const HeapCalls name##_calls = { name##_malloc, name##_free, name##_realloc };

#define QUIET(which) ((CallShape){ .policy = (which), .events = false })

HEAP_SHAPED_CALLS(quiet_first_fit, QUIET(HEAP_FIRST_FIT))
HEAP_SHAPED_CALLS(quiet_next_fit, QUIET(HEAP_NEXT_FIT))
HEAP_SHAPED_CALLS(quiet_best_fit, QUIET(HEAP_BEST_FIT))
HEAP_SHAPED_CALLS(quiet_worst_fit, QUIET(HEAP_WORST_FIT))
HEAP_SHAPED_CALLS(quiet_bump, QUIET(HEAP_BUMP))
HEAP_SHAPED_CALLS(any_shape, shape_of(heap))

static const HeapCalls *heap_calls_for(const HeapConfig *config)
{
    static const HeapCalls *const QUIET_CALLS[HEAP_POLICY_COUNT] = {
        &quiet_first_fit_calls, &quiet_next_fit_calls, &quiet_best_fit_calls,
        &quiet_worst_fit_calls, &quiet_bump_calls
    };
    return config->skip_events ? QUIET_CALLS[config->policy] : &any_shape_calls;
}

void heap_set_skip_events(Heap *heap, bool skip)
{
    heap->config.skip_events = skip;
    heap->general.events_unread = skip;
    heap->calls = heap_calls_for(&heap->config);
}

HeapError heap_malloc(Heap *heap, uint64_t n, uint64_t *payload)
{
    return heap->calls->malloc(heap, n, payload);
}

HeapError heap_free(Heap *heap, uint64_t payload)
{
    return heap->calls->free(heap, payload);
}

/*
 * realloc(0, n) is malloc(n); realloc(p, 0) is free(p) and yields 0.
 * Otherwise, with the block's size c: asize <= c shrinks in place (a tail of
 * at least a minimum block is given back); a free next block that makes
 * c + its size >= asize is grown over (not for bump); else the block moves
 * to a new place chosen by the policy while the old one is still allocated,
 * min(old requested, n) bytes are copied and the old block is freed.
 */
HeapError heap_realloc(Heap *heap, uint64_t payload, uint64_t n, uint64_t *result)
{
    return heap->calls->realloc(heap, payload, n, result);
}

/* ---- compaction --------------------------------------------------------- */

/*
 * Walks the blocks in address order with a write cursor: each used block is
 * moved down to the cursor (memmove: the ranges may overlap) and rekeyed in
 * the live marks; dead blocks are dropped. Moving down in order only ever
 * overwrites bytes already walked past, and a new payload offset can never
 * collide with a key still in the map.
 */
void heap_compact(Heap *heap, HeapMoveFn on_move, void *context)
{
    event_begin(heap, shape_of(heap), HEAP_EVENT_COMPACT, 0, 0);
    uint64_t cursor = heap->region_start;
    for (uint64_t offset = heap->region_start; offset < heap->region_end;) {
        uint64_t word = tag_read(heap, offset);
        uint64_t size = tag_size(word);
        uint64_t payload = offset + HEAP_TAG_BYTES;
        if (tag_flags(word) == HEAP_TAG_ALLOCATED) {
            if (offset != cursor) {
                uint64_t requested = live_blocks_requested(&heap->live, offset, size);
                memmove(heap->arena + cursor, heap->arena + offset, size);
                live_blocks_remove(&heap->live, offset);
                live_blocks_add(&heap->live, cursor, size, requested);
                heap->event.moved_blocks++;
                if (on_move)
                    on_move(context, payload, cursor + HEAP_TAG_BYTES);
            }
            cursor += size;
        }
        offset += size;
    }
    index_clear(heap, written_end(heap));
    dead_blocks_clear(&heap->dead);
    heap->top = heap->region_end;
    forget_kept(heap);
    HeapStats *s = &heap->stats;
    s->free_blocks = s->free_bytes = s->dead_blocks = s->dead_bytes = 0;
    if (cursor < heap->region_end)
        free_block_add(heap, shape_of(heap), cursor, heap->region_end - cursor);
    heap->rover = cursor < heap->region_end ? cursor : heap->region_start;
    heap->bump_pointer = cursor;
    s->compactions++;
    heap->event.dirty_start = heap->region_start;
    heap->event.dirty_end = heap->region_end;
    note_peak(heap);
}

/* ---- read-only views ---------------------------------------------------- */

const HeapConfig *heap_config(const Heap *heap) { return &heap->config; }
/* Every Heap is allocated by heap_setup and never defined const, so filling
 * its derived figures through this const pointer is well defined. */
const HeapStats *heap_stats(const Heap *heap)
{
    Heap *cache = (Heap *)heap;
    fill_derived_stats(cache);
    return &cache->stats;
}
const HeapEvent *heap_last_event(const Heap *heap) { return &heap->event; }
uint64_t heap_region_start(const Heap *heap) { return heap->region_start; }
uint64_t heap_region_end(const Heap *heap) { return heap->region_end; }
uint64_t heap_min_block(const Heap *heap) { return heap->min_block; }
uint64_t heap_rover(const Heap *heap) { return heap->rover; }
uint64_t heap_bump_pointer(const Heap *heap) { return heap->bump_pointer; }
const uint8_t *heap_arena(const Heap *heap) { return heap->arena; }

/* Describes the block at `offset` (with the bytes it holds looked up if
 * `with_requested`); false if its header is not a sane block. */
static bool describe_block_as(const Heap *heap, uint64_t offset, HeapBlock *block, bool with_requested)
{
    if (offset < heap->region_start || offset + heap->min_block > heap->region_end)
        return false;
    uint64_t word = tag_read(heap, offset);
    uint64_t size = tag_size(word);
    if (size < heap->min_block || size > heap->region_end - offset)
        return false;
    static const HeapBlockState STATES[4] = { HEAP_BLOCK_FREE, HEAP_BLOCK_USED,
                                              HEAP_BLOCK_DEAD, HEAP_BLOCK_USED };
    uint64_t requested = 0;
    if (with_requested && live_blocks_has(&heap->live, offset))
        requested = live_blocks_requested(&heap->live, offset, size);
    else if (with_requested && tag_flags(word) == HEAP_TAG_DEAD)
        dead_block_held(heap, offset + HEAP_TAG_BYTES, &requested);
    *block = (HeapBlock){ .offset = offset, .size = size, .state = STATES[tag_flags(word)],
                          .requested = requested,
                          .payload = offset + HEAP_TAG_BYTES, .header = word,
                          .header_bytes = HEAP_TAG_BYTES, .footer_bytes = HEAP_TAG_BYTES };
    return true;
}

static bool describe_block(const Heap *heap, uint64_t offset, HeapBlock *block)
{
    return describe_block_as(heap, offset, block, true);
}

bool heap_first_block(const Heap *heap, HeapBlock *block)
{
    return describe_block(heap, heap->region_start, block);
}

bool heap_next_block(const Heap *heap, HeapBlock *block)
{
    return describe_block(heap, block->offset + block->size, block);
}

/* Looking up what a block holds (in the live map it once had, a cache miss
 * on a big heap) was three quarters of a walk over every block of the
 * 10M-op trace's 20 MiB arena. */
bool heap_next_block_extent(const Heap *heap, HeapBlock *block)
{
    return describe_block_as(heap, block->offset + block->size, block, false);
}

/* Whether a block starts at `offset`, an A-aligned place in the region: the
 * top, the live marks, the dead blocks or the free index says so. A header
 * alone cannot say it, since payload bytes may look like one. */
static bool block_starts_at(const Heap *heap, uint64_t offset)
{
    uint64_t held;
    if (offset == heap->top)
        return true;
    if (offset + heap->min_block > heap->region_end)
        return false; /* no room for a block, nor a header to read */
    if (live_blocks_has(&heap->live, offset))
        return true;
    if (is_bump(heap))
        return dead_block_held(heap, offset + HEAP_TAG_BYTES, &held);
    uint64_t size = tag_size(tag_read(heap, offset));
    return size >= heap->min_block && size <= heap->region_end - offset && index_holds(heap, offset, size);
}

/* Two searches take turns, and the first to arrive answers: a walk forward
 * by the headers from a block start at or below `offset` (the free block the
 * address index files at or below it, else b0), and a probe backward from
 * `offset`, one alignment unit a turn, asking whether a block starts there.
 * So the cost is O(log n) for the index, plus the smaller of the blocks
 * between that free block and `offset` and the units between the block's
 * start and `offset`: a few steps in practice, never a walk of the heap
 * from its start while a free block lies below. */
bool heap_block_at(const Heap *heap, uint64_t offset, HeapBlock *block)
{
    if (offset < heap->region_start || offset >= heap->region_end)
        return false;
    if (offset >= heap->top)
        return describe_block(heap, heap->top, block);
    uint64_t a = heap->config.alignment;
    uint64_t walk = heap->region_start;
    if (!index_is_by_size(heap) && !is_bump(heap)) {
        uint64_t floor = address_index_floor(&heap->by_address, offset);
        walk = floor != ADDRESS_INDEX_NONE ? floor : walk;
        if (heap->kept <= offset && (floor == ADDRESS_INDEX_NONE || heap->kept > floor))
            walk = heap->kept; /* kept out of the index */
    }
    uint64_t probe = heap->region_start + (offset - heap->region_start) / a * a;
    for (;;) {
        uint64_t size = tag_size(tag_read(heap, walk));
        if (size < heap->min_block || size > heap->region_end - walk)
            return false; /* a broken heap: heap_check says what */
        if (offset < walk + size)
            return describe_block(heap, walk, block);
        walk += size;
        if (probe >= walk && block_starts_at(heap, probe))
            return describe_block(heap, probe, block);
        probe -= probe > walk ? a : 0;
    }
}

/* ---- the search path ----------------------------------------------------
 * The search ran before the call changed the heap, so the path is read from
 * the heap as the call left it, undoing what the call did: the chosen block
 * was free, a remainder split off it was not, and a realloc that moved had
 * not yet freed (and merged) its old block. */

/* Whether a free block started at `offset` before the last call; `free_now`
 * says whether one starts there now. */
static bool was_free_before(const Heap *heap, uint64_t offset, bool free_now)
{
    const HeapEvent *event = &heap->event;
    if (event->error != HEAP_OK)
        return free_now; /* a failed call changed nothing */
    bool before = free_now;
    bool moved = event->kind == HEAP_EVENT_REALLOC && event->realloc_mode == HEAP_REALLOC_MOVED;
    if (moved && !event->dead) { /* undo the old block's free */
        if (offset == event->merged_offset)
            before = event->coalesced_previous;
        if (offset == heap->search_old_end && event->coalesced_next)
            before = true;
    }
    if (event->split && offset == event->split_offset)
        before = false;
    return before || offset == event->block_offset;
}

typedef struct {
    uint64_t *offsets, max;
    uint64_t wanted;             /* blocks still to list */
    uint64_t listed;             /* blocks listed so far */
} SearchPath;

static void path_add(SearchPath *path, uint64_t offset)
{
    if (path->wanted == 0)
        return;
    if (path->listed < path->max)
        path->offsets[path->listed] = offset;
    path->listed++;
    path->wanted--;
}

/* Adds the blocks that were free before the call and start in [from, to). */
static void path_add_range(const Heap *heap, SearchPath *path, uint64_t from, uint64_t to)
{
    HeapBlock block;
    for (bool more = heap_first_block(heap, &block); more && block.offset < to && path->wanted > 0;
         more = heap_next_block(heap, &block)) {
        uint64_t end = block.offset + block.size;
        if (block.offset >= from &&
            was_free_before(heap, block.offset, block.state == HEAP_BLOCK_FREE))
            path_add(path, block.offset);
        uint64_t inside = heap->search_old_end; /* a start the merge swallowed */
        if (inside > block.offset && inside < end && inside >= from && inside < to &&
            was_free_before(heap, inside, false))
            path_add(path, inside);
    }
}

uint64_t heap_search_path(const Heap *heap, uint64_t *offsets, uint64_t max)
{
    SearchPath path = { .offsets = offsets, .max = max, .wanted = heap->event.examined };
    path_add_range(heap, &path, heap->search_start, heap->region_end);
    path_add_range(heap, &path, heap->region_start, heap->search_start);
    return heap->event.examined;
}

uint8_t *heap_payload(Heap *heap, uint64_t payload, uint64_t *capacity)
{
    uint64_t requested;
    if (check_live(heap, payload, &requested) != HEAP_OK)
        return NULL;
    if (capacity)
        *capacity = block_size(heap, payload - HEAP_TAG_BYTES) - HEAP_OVERHEAD_BYTES;
    return heap->arena + payload;
}

/* How far from offset 0 the arena's pages may be resident: what the heap
 * wrote, and, once its page warmer has been told, the warmer's reach (a
 * whole huge page past PAGE_WARMER_AHEAD_BYTES at most). */
static uint64_t resident_end(const Heap *heap)
{
    uint64_t end = written_end(heap);
    if (heap->warmer_told)
        end += PAGE_WARMER_AHEAD_BYTES + ZEROED_MEMORY_PAGE_BYTES;
    return end < heap->config.heap_bytes ? end : heap->config.heap_bytes;
}

uint64_t heap_memory_bytes(const Heap *heap)
{
    /* The arena's untouched pages cost nothing until written (zeroed_memory). */
    uint64_t last_tag = heap->region_end - HEAP_TAG_BYTES;
    return sizeof *heap +
           zeroed_memory_resident_bytes(heap->config.heap_bytes, resident_end(heap),
                                        heap->config.heap_bytes - last_tag) +
           live_blocks_memory_bytes(&heap->live, written_end(heap)) + dead_blocks_memory_bytes(&heap->dead) +
           (uint64_t)heap->by_size.capacity * sizeof(FreeTreeNode) + /* 0 unless best fit */
           address_index_memory_bytes(&heap->by_address, written_end(heap)); /* 0: best fit */
}
