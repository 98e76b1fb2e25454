/*
 * recorded.c - the `recorded` design: a captured program's heap, replayed
 * at the addresses glibc really gave it.
 *
 * heapviz --capture writes, beside the trace, where glibc put each block;
 * the app hands that list to this design in AllocatorConfig.recorded. The
 * k-th malloc or realloc this heap is asked for takes the k-th recorded
 * placement: the block [address - 8, address + usable) - glibc's size word,
 * then the usable bytes - at that place in the folded layout below. Nothing
 * is searched. A call fails only when the replay strays from
 * the recording: the list has run out, the request exceeds the usable size,
 * or the place overlaps a live block.
 *
 * glibc's addresses are sparse: the brk heap, mmapped chunks far away, the
 * thread arenas. The design folds them: placements closer than FOLD_BYTES
 * form one region, laid out as it was, and the regions follow each other
 * from offset 0, a MARKER_BYTES dead block marking each fold between two
 * (one more ends the last), so the grid shows the real layout without the
 * empty terabytes between. A region runs from the start of the page (PAGE_BYTES)
 * holding its first block to the end of the page holding its last, and
 * starts at a page in the folded layout too (markers are a page), so the
 * window's rows, a power of two of bytes, start at round addresses as the
 * other designs' do (where glibc's heap and its mmapped chunks begin: at a
 * page). Offsets are positions in that folded layout. What glibc kept free
 * was not recorded: the space between neighbouring live blocks (or markers)
 * of a region is shown as free.
 *
 * Structure: the distinct addresses, sorted, and the markers between the
 * regions give each address a rank and a folded start (a Layout, read-only
 * and shared by a heap and its clones); a placement's rank is its address's,
 * so the layout costs per address, not per call. Rank 0 is the start, a
 * marker of no bytes at offset 0 that is never shown: like a marker it is
 * always live, so the free space before the first block follows a live rank,
 * as every free gap does. Per rank, where the live block there ends, the
 * bytes it was asked for and the free gap after it. The live ranks (markers
 * always are) form a bit set (bit_set.h), so the next and previous live
 * block take a few word operations; a tree of maxima over groups of
 * GROUP_RANKS ranks' gaps gives the largest free block. A call changes a
 * few words of this state (the history keeps the words that change): one
 * bit, two gaps, and a node of the tree only where its maximum changes.
 *
 * Invariants (recorded_check audits each): the live set keeps bit_set.h's
 * rules and holds every marker; live blocks do not overlap, and each live
 * rank's gap reaches the next live block; a free rank's end, request and
 * gap are 0 (so equal heaps have equal state bytes); each leaf of the tree
 * is its group's largest gap, each inner node the larger of its children;
 * the counts, free bytes and largest gap match the statistics.
 */
#include "recorded_heap.h"
#include "design_support.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum {
    START_RANK = 0,              /* the start: a marker of no bytes at offset 0 */
    HEADER_BYTES = RECORDED_HEADER_BYTES, /* glibc's size word before each block */
    FOLD_BYTES = 1 << 20,        /* a gap this big separates two regions */
    PAGE_BYTES = 4096,           /* regions start and end at a multiple of this */
    MARKER_BYTES = PAGE_BYTES,   /* the dead block that marks a fold */
    GROUP_RANKS = 16,            /* ranks per leaf of the tree of largest gaps */
    ARRAYS = 3                   /* the heap's arrays, each a span of its state */
};
#define NO_RANK UINT64_MAX

extern const AllocatorDesign recorded_design;

static RecordedHeap *as_recorded(Allocator *allocator) { return (RecordedHeap *)allocator; }
static const RecordedHeap *as_const(const Allocator *allocator)
{
    return (const RecordedHeap *)allocator;
}

/* ---- the layout ------------------------------------------------------------------ */

/* The last index of increasing `values` holding at most `key`, NO_RANK if none. */
static uint64_t last_at_or_below(const uint64_t *values, uint64_t count, uint64_t key)
{
    uint64_t low = 0, high = count;
    while (low < high) {
        uint64_t middle = low + (high - low) / 2;
        if (values[middle] <= key)
            low = middle + 1;
        else
            high = middle;
    }
    return low == 0 ? NO_RANK : low - 1;
}

/* The last rank whose block starts at or below `offset`, NO_RANK if none:
 * a binary search among the few ranks of offset's bucket (a search over all
 * of a 10M-op capture's 268,000 ranks was a tenth of its replay). */
static uint64_t rank_at_or_below(const Layout *layout, uint64_t offset)
{
    uint64_t bucket = offset >> layout->bucket_shift;
    if (bucket >= layout->bucket_count)
        return last_at_or_below(layout->starts, layout->rank_count, offset);
    uint64_t first = layout->first_rank[bucket], end = layout->first_rank[bucket + 1];
    uint64_t rank = last_at_or_below(layout->starts + first, end - first, offset);
    if (rank != NO_RANK)
        return first + rank;
    return first == 0 ? NO_RANK : first - 1;
}

static void layout_release(Layout *layout)
{
    if (layout && --layout->references == 0) {
        free(layout->starts);
        free(layout->is_marker);
        free(layout->rank_of);
        free(layout->region_folded);
        free(layout->region_real);
        free(layout->first_rank);
        free(layout);
    }
}

static void add_region(Layout *layout, uint64_t folded, uint64_t real)
{
    layout->region_folded[layout->region_count] = folded;
    layout->region_real[layout->region_count++] = real;
}

static void add_rank(Layout *layout, uint64_t start, bool marker)
{
    layout->starts[layout->rank_count] = start;
    layout->is_marker[layout->rank_count++] = marker;
    layout->marker_count += marker && layout->rank_count - 1 != START_RANK;
}

enum {
    DIGIT_BITS = 11,             /* a radix sort pass sorts by 11 bits of the address */
    DIGIT_VALUES = 1 << DIGIT_BITS,
    DIGITS = (64 + DIGIT_BITS - 1) / DIGIT_BITS
};

static unsigned digit_of(uint64_t address, unsigned digit)
{
    return (unsigned)(address >> (digit * DIGIT_BITS)) & (DIGIT_VALUES - 1);
}

/* One pass of the radix sort: moves (keys, order) into (to_keys, to_order),
 * stably, by digit `digit`, whose counts are `counts`. */
static void sort_pass(const uint64_t *keys, const uint32_t *order, uint64_t count, unsigned digit,
                      const uint32_t *counts, uint64_t *to_keys, uint32_t *to_order)
{
    uint64_t next[DIGIT_VALUES]; /* per digit value: where its next entry goes */
    uint64_t at = 0;
    for (unsigned value = 0; value < DIGIT_VALUES; value++) {
        next[value] = at;
        at += counts[value];
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t to = next[digit_of(keys[i], digit)]++;
        to_keys[to] = keys[i];
        to_order[to] = order[i];
    }
}

/* The indices of `addresses` in increasing order (equal ones in index
 * order), in `order`: a least-significant-digit radix sort, DIGIT_BITS a
 * pass, skipping the passes whose digit every address shares. Linear in the
 * count, where a comparison sort of millions of addresses took seconds.
 * False if out of memory. */
static bool order_by_address(const uint64_t *addresses, uint64_t count, uint32_t *order)
{
    uint32_t (*counts)[DIGIT_VALUES] = calloc(DIGITS, sizeof *counts);
    uint64_t *keys = malloc(count * sizeof *keys), *spare_keys = malloc(count * sizeof *keys);
    uint32_t *spare_order = malloc(count * sizeof *spare_order);
    bool ok = counts && keys && spare_keys && spare_order;
    for (uint64_t i = 0; ok && i < count; i++) {
        keys[i] = addresses[i];
        order[i] = (uint32_t)i;
        for (unsigned digit = 0; digit < DIGITS; digit++)
            counts[digit][digit_of(keys[i], digit)]++;
    }
    uint32_t *sorted = order;
    for (unsigned digit = 0; ok && digit < DIGITS; digit++) {
        if (counts[digit][digit_of(keys[0], digit)] == count)
            continue; /* every address has this digit: the pass would change nothing */
        uint32_t *to_order = sorted == order ? spare_order : order;
        sort_pass(keys, sorted, count, digit, counts[digit], spare_keys, to_order);
        uint64_t *swap = keys;
        keys = spare_keys;
        spare_keys = swap;
        sorted = to_order;
    }
    if (ok && sorted != order)
        memcpy(order, sorted, count * sizeof *order);
    free(counts);
    free(keys);
    free(spare_keys);
    free(spare_order);
    return ok;
}

static uint64_t page_below(uint64_t address) { return address / PAGE_BYTES * PAGE_BYTES; }
static uint64_t page_above(uint64_t address) { return page_below(address + PAGE_BYTES - 1); }

/* Lays out the addresses, taken in increasing order (`order`), region by
 * region from the start: each distinct address a rank (rank_of) at its place
 * in the region, a region ending FOLD_BYTES or more before the next address
 * (at the end of its last page, where a marker starts, then the next region),
 * and a marker after the last. A block at an address ends where its largest placement
 * (`largest_usable`) ends. Regions start at a page, real and folded. */
static void fold_regions(Layout *layout, const uint32_t *order, const uint64_t *largest_usable)
{
    const uint64_t *addresses = layout->recorded.addresses;
    uint64_t region_real = page_below(addresses[order[0]] - HEADER_BYTES);
    uint64_t region_folded = 0, region_end = region_real;
    uint64_t previous = 0; /* no placement is at address 0 */
    add_rank(layout, 0, true); /* START_RANK */
    add_region(layout, region_folded, region_real);
    for (uint64_t k = 0; k < layout->recorded.address_count; k++) {
        uint64_t address = addresses[order[k]];
        uint64_t start = address - HEADER_BYTES, end = address + largest_usable[order[k]];
        if (address != previous) {
            if (start >= region_end && start - region_end >= FOLD_BYTES) {
                uint64_t marker = region_folded + page_above(region_end - region_real);
                add_rank(layout, marker, true);
                region_real = page_below(start);
                region_folded = marker + MARKER_BYTES;
                add_region(layout, region_folded, region_real);
            }
            add_rank(layout, region_folded + (start - region_real), false);
            previous = address;
        }
        layout->rank_of[order[k]] = (uint32_t)(layout->rank_count - 1);
        region_end = end > region_end ? end : region_end;
    }
    uint64_t last = region_folded + page_above(region_end - region_real);
    add_rank(layout, last, true);
    layout->limit = last + MARKER_BYTES;
}

/* Whether every placement can be laid out (allocator.h): a list that is
 * not empty nor too long, every address past its header, every index inside
 * the addresses, no end past 2^64. */
static bool placements_possible(const RecordedPlacements *recorded)
{
    if (recorded->count == 0 || recorded->count >= UINT32_MAX / 2 || recorded->address_count == 0 ||
        recorded->address_count >= UINT32_MAX / 2 || !recorded->addresses || !recorded->address_of ||
        !recorded->usable)
        return false;
    for (uint64_t i = 0; i < recorded->address_count; i++)
        if (recorded->addresses[i] < HEADER_BYTES)
            return false;
    for (uint64_t k = 0; k < recorded->count; k++) {
        uint32_t index = recorded->address_of[k];
        if (index >= recorded->address_count || recorded->usable[k] > UINT64_MAX - recorded->addresses[index])
            return false;
    }
    return true;
}

/* Per address, the most usable bytes any placement there has (the
 * placements are possible); NULL if out of memory. */
static uint64_t *largest_usable_per_address(const RecordedPlacements *recorded)
{
    uint64_t *largest = calloc(recorded->address_count, sizeof *largest);
    for (uint64_t k = 0; largest && k < recorded->count; k++) {
        uint32_t index = recorded->address_of[k];
        largest[index] = recorded->usable[k] > largest[index] ? recorded->usable[k] : largest[index];
    }
    return largest;
}

/* Buckets of folded bytes, about four ranks each, and the first rank of
 * each (rank_at_or_below). False if out of memory. */
static bool index_buckets(Layout *layout)
{
    layout->bucket_shift = 3;
    while ((layout->limit >> layout->bucket_shift) > layout->rank_count / 4 + 1)
        layout->bucket_shift++;
    layout->bucket_count = (layout->limit >> layout->bucket_shift) + 1;
    layout->first_rank = malloc((layout->bucket_count + 1) * sizeof *layout->first_rank);
    if (!layout->first_rank)
        return false;
    uint64_t rank = 0;
    for (uint64_t bucket = 0; bucket <= layout->bucket_count; bucket++) {
        while (rank < layout->rank_count && (layout->starts[rank] >> layout->bucket_shift) < bucket)
            rank++;
        layout->first_rank[bucket] = (uint32_t)rank;
    }
    return true;
}

static bool layout_fill(Layout *layout)
{
    uint64_t *largest = largest_usable_per_address(&layout->recorded);
    uint32_t *order = malloc(layout->recorded.address_count * sizeof *order);
    bool ok = largest && order && order_by_address(layout->recorded.addresses, layout->recorded.address_count, order);
    if (ok)
        fold_regions(layout, order, largest);
    free(order);
    free(largest);
    return ok && index_buckets(layout);
}

/* Sorts the placements' addresses (which placements_possible accepted)
 * into ranks. NULL if out of memory. */
static Layout *layout_create(const AllocatorConfig *config)
{
    const RecordedPlacements *recorded = &config->recorded;
    uint64_t count = recorded->address_count;
    Layout *layout = calloc(1, sizeof *layout);
    if (!layout)
        return NULL;
    layout->references = 1;
    layout->recorded = *recorded;
    /* at most one marker per address, and one more */
    layout->starts = malloc((2 * count + 1) * sizeof *layout->starts);
    layout->is_marker = malloc(2 * count + 1);
    layout->rank_of = malloc(count * sizeof *layout->rank_of);
    layout->region_folded = malloc((count + 1) * sizeof *layout->region_folded);
    layout->region_real = malloc((count + 1) * sizeof *layout->region_real);
    if (!layout->starts || !layout->is_marker || !layout->rank_of || !layout->region_folded ||
        !layout->region_real || !layout_fill(layout)) {
        layout_release(layout);
        return NULL;
    }
    layout->live_shape = bit_set_shape(layout->rank_count);
    layout->group_count = (layout->rank_count + GROUP_RANKS - 1) / GROUP_RANKS;
    return layout;
}

/* ---- blocks and the tree ----------------------------------------------------------- */

static uint64_t block_start(const RecordedHeap *heap, uint64_t rank)
{
    return heap->layout->starts[rank];
}

/* The end of a placement if it were at its rank. */
static uint64_t placement_end(const RecordedHeap *heap, uint64_t rank, uint64_t placement)
{
    return block_start(heap, rank) + HEADER_BYTES + heap->layout->recorded.usable[placement];
}

/* The end of a live rank: its placement's, or a marker's. */
static uint64_t block_end(const RecordedHeap *heap, uint64_t rank)
{
    return heap->ranks[rank].end;
}

static bool is_live(const RecordedHeap *heap, uint64_t rank)
{
    return bit_set_has(&heap->layout->live_shape, heap->live, rank);
}

/* The nearest live rank after `rank`, NO_RANK if none. */
static uint64_t next_live(const RecordedHeap *heap, uint64_t rank)
{
    return bit_set_next(&heap->layout->live_shape, heap->live, rank);
}

/* The nearest live rank before `rank`, NO_RANK if none. */
static uint64_t previous_live(const RecordedHeap *heap, uint64_t rank)
{
    return bit_set_previous(&heap->layout->live_shape, heap->live, rank);
}

static uint64_t first_live(const RecordedHeap *heap)
{
    return is_live(heap, START_RANK) ? START_RANK : next_live(heap, START_RANK);
}

/* The largest gap in group `group`. */
static uint64_t group_largest(const RecordedHeap *heap, uint64_t group)
{
    uint64_t end = (group + 1) * GROUP_RANKS, largest = 0;
    end = end < heap->layout->rank_count ? end : heap->layout->rank_count;
    for (uint64_t rank = group * GROUP_RANKS; rank < end; rank++)
        largest = heap->ranks[rank].gap > largest ? heap->ranks[rank].gap : largest;
    return largest;
}

/* Node `at` of the tree of largest gaps becomes `value`, and its ancestors
 * follow as far as they change. */
static void set_largest(RecordedHeap *heap, uint64_t at, uint64_t value)
{
    uint64_t *largest = heap->largest;
    while (largest[at] != value) {
        largest[at] = value;
        if (at == 1)
            return;
        value = value > largest[at ^ 1] ? value : largest[at ^ 1];
        at /= 2;
    }
}

/* Rank `rank`'s gap becomes `gap`, with the free statistics and the tree
 * of largest gaps: its group's largest is looked for again only when the
 * gap that was the largest shrinks. */
static void set_gap(RecordedHeap *heap, uint64_t rank, uint64_t gap)
{
    uint64_t old = heap->ranks[rank].gap;
    heap->ranks[rank].gap = gap;
    heap->stats.free_bytes = heap->stats.free_bytes - old + gap;
    heap->stats.free_blocks = heap->stats.free_blocks - (old > 0) + (gap > 0);
    uint64_t group = rank / GROUP_RANKS, at = heap->layout->group_count + group;
    uint64_t largest = heap->largest[at];
    if (gap >= largest)
        set_largest(heap, at, gap);
    else if (old == largest)
        set_largest(heap, at, group_largest(heap, group));
}

/* The free gap after live rank `rank` (0 if none); a region's gaps end at its marker. */
static uint64_t gap_after(const RecordedHeap *heap, uint64_t rank)
{
    uint64_t next = next_live(heap, rank);
    if (next == NO_RANK)
        return 0;
    uint64_t end = block_end(heap, rank), start = block_start(heap, next);
    return start > end ? start - end : 0;
}

/* Sets live rank `rank`'s gap from its neighbour. */
static void refresh_gap(RecordedHeap *heap, uint64_t rank)
{
    set_gap(heap, rank, gap_after(heap, rank));
}

/* Whether a block at `rank` up to `end` would overlap a live neighbour (its own rank must be free). */
static bool overlaps(const RecordedHeap *heap, uint64_t rank, uint64_t end)
{
    uint64_t start = block_start(heap, rank);
    uint64_t before = previous_live(heap, rank), after = next_live(heap, rank);
    return (before != NO_RANK && block_end(heap, before) > start) ||
           (after != NO_RANK && block_start(heap, after) < end);
}

static void place(RecordedHeap *heap, uint64_t rank, uint64_t end, uint64_t requested)
{
    heap->ranks[rank].end = end;
    heap->ranks[rank].requested = requested;
    bit_set_add(&heap->layout->live_shape, heap->live, rank);
    refresh_gap(heap, rank);
    uint64_t before = previous_live(heap, rank);
    if (before != NO_RANK)
        refresh_gap(heap, before);
    uint64_t size = block_end(heap, rank) - block_start(heap, rank);
    heap->stats.used_blocks++;
    heap->stats.bytes_in_use += size;
    heap->stats.payload_bytes += requested;
}

static void unplace(RecordedHeap *heap, uint64_t rank)
{
    heap->stats.used_blocks--;
    heap->stats.bytes_in_use -= block_end(heap, rank) - block_start(heap, rank);
    heap->stats.payload_bytes -= heap->ranks[rank].requested;
    set_gap(heap, rank, 0);
    bit_set_remove(&heap->layout->live_shape, heap->live, rank);
    heap->ranks[rank].end = 0;
    heap->ranks[rank].requested = 0;
    uint64_t before = previous_live(heap, rank);
    if (before != NO_RANK)
        refresh_gap(heap, before);
}

/* The statistics worked out from the counters after every call. */
static void finish_stats(RecordedHeap *heap)
{
    HeapStats *s = &heap->stats;
    s->largest_free = heap->largest[1];
    s->external_fragmentation =
        s->free_bytes ? 100.0 * (1.0 - (double)s->largest_free / (double)s->free_bytes) : 0.0;
    s->internal_fragmentation =
        s->bytes_in_use ? 100.0 * (double)(s->bytes_in_use - s->payload_bytes) / (double)s->bytes_in_use
                        : 0.0;
    if (s->payload_bytes > s->peak_payload)
        s->peak_payload = s->payload_bytes;
    if (s->bytes_in_use > heap->peak_in_use)
        heap->peak_in_use = s->bytes_in_use;
    s->utilization = heap->peak_in_use ? (double)s->peak_payload / (double)heap->peak_in_use : 0.0;
}

/* ---- create, clone, destroy ------------------------------------------------------------- */

static void free_arrays(RecordedHeap *heap)
{
    free(heap->ranks);
    free(heap->live);
    free(heap->largest);
}

static RecordedHeap *allocate_heap(Layout *layout)
{
    RecordedHeap *heap = calloc(1, sizeof *heap);
    if (!heap)
        return NULL;
    heap->base.design = &recorded_design;
    heap->layout = layout;
    heap->ranks = calloc(layout->rank_count, sizeof *heap->ranks);
    heap->live = calloc(layout->live_shape.words, sizeof *heap->live);
    heap->largest = calloc(2 * layout->group_count, sizeof *heap->largest);
    if (!heap->ranks || !heap->live || !heap->largest) {
        free_arrays(heap);
        free(heap);
        return NULL;
    }
    return heap;
}

static void recorded_destroy(Allocator *allocator)
{
    RecordedHeap *heap = as_recorded(allocator);
    layout_release(heap->layout);
    free_arrays(heap);
    free(heap);
}

static HeapError recorded_create(const AllocatorConfig *config, Allocator **out)
{
    *out = NULL;
    if (!placements_possible(&config->recorded))
        return HEAP_ERROR_INVALID_CONFIG;
    Layout *layout = layout_create(config);
    RecordedHeap *heap = layout ? allocate_heap(layout) : NULL;
    if (!heap) {
        layout_release(layout);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    heap->config = *config;
    heap->stats.heap_bytes = layout->limit;
    heap->stats.dead_blocks = layout->marker_count;
    heap->stats.dead_bytes = layout->marker_count * MARKER_BYTES;
    for (uint64_t rank = 0; rank < layout->rank_count; rank++) {
        if (layout->is_marker[rank]) {
            bit_set_add(&layout->live_shape, heap->live, rank);
            heap->ranks[rank].end = layout->starts[rank] + (rank == START_RANK ? 0 : MARKER_BYTES);
        }
    }
    for (uint64_t rank = 0; rank < layout->rank_count; rank++)
        if (layout->is_marker[rank])
            refresh_gap(heap, rank);
    *out = &heap->base;
    return HEAP_OK;
}

/* The state's arrays, each a span (their sizes follow from the layout). */
static void array_spans(const RecordedHeap *heap, AllocatorSpan spans[ARRAYS])
{
    const Layout *layout = heap->layout;
    uint64_t sizes[ARRAYS] = {layout->rank_count * sizeof *heap->ranks,
                              layout->live_shape.words * sizeof *heap->live,
                              2 * layout->group_count * sizeof *heap->largest};
    void *arrays[ARRAYS] = {heap->ranks, heap->live, heap->largest};
    for (unsigned k = 0; k < ARRAYS; k++)
        spans[k] = (AllocatorSpan){.bytes = arrays[k], .size = sizes[k], .used = sizes[k]};
}

/* Copies everything but the arrays' addresses and the layout's count. */
static void copy_state(RecordedHeap *target, const RecordedHeap *source)
{
    AllocatorSpan to[ARRAYS], from[ARRAYS];
    array_spans(target, to);
    array_spans(source, from);
    for (unsigned k = 0; k < ARRAYS; k++)
        memcpy(to[k].bytes, from[k].bytes, from[k].size);
    target->config = source->config;
    target->next_placement = source->next_placement;
    target->peak_in_use = source->peak_in_use;
    target->stats = source->stats;
    target->event = source->event;
}

static HeapError recorded_clone(const Allocator *source, Allocator **out)
{
    const RecordedHeap *original = as_const(source);
    RecordedHeap *heap = allocate_heap(original->layout);
    *out = NULL;
    if (!heap)
        return HEAP_ERROR_OUT_OF_MEMORY;
    original->layout->references++;
    copy_state(heap, original);
    *out = &heap->base;
    return HEAP_OK;
}

static HeapError recorded_copy(Allocator *target, const Allocator *source)
{
    RecordedHeap *heap = as_recorded(target);
    const RecordedHeap *original = as_const(source);
    if (heap->layout != original->layout)
        return HEAP_ERROR_INVALID_CONFIG; /* a copy of another recording */
    copy_state(heap, original);
    return HEAP_OK;
}

/* ---- the calls ----------------------------------------------------------------------- */

static void begin_event(RecordedHeap *heap, HeapEventKind kind, uint64_t pointer, uint64_t request)
{
    heap->event = (HeapEvent){.kind = kind, .pointer = pointer, .request = request};
}

static HeapError fail(RecordedHeap *heap, HeapError error)
{
    heap->event.error = error;
    if (error == HEAP_ERROR_OUT_OF_MEMORY)
        heap->stats.failed++;
    else
        heap->stats.errors++;
    return error;
}

/* The live rank of a payload offset, NO_RANK if none. */
static uint64_t live_rank(const RecordedHeap *heap, uint64_t payload)
{
    if (payload < HEADER_BYTES)
        return NO_RANK;
    uint64_t rank = rank_at_or_below(heap->layout, payload - HEADER_BYTES);
    bool found = rank != NO_RANK && block_start(heap, rank) == payload - HEADER_BYTES;
    return found && is_live(heap, rank) && !heap->layout->is_marker[rank] ? rank : NO_RANK;
}

/* Takes the next placement for n bytes, its rank and where it would end
 * (*end); NO_RANK if the replay has strayed. */
static uint64_t take_placement(RecordedHeap *heap, uint64_t n, uint64_t *end)
{
    const RecordedPlacements *recorded = &heap->layout->recorded;
    if (heap->next_placement >= recorded->count)
        return NO_RANK;
    uint64_t placement = heap->next_placement++;
    uint64_t rank = heap->layout->rank_of[recorded->address_of[placement]];
    *end = placement_end(heap, rank, placement);
    bool fits = n <= recorded->usable[placement];
    return fits && !is_live(heap, rank) && !overlaps(heap, rank, *end) ? rank : NO_RANK;
}

static void record_block(RecordedHeap *heap, uint64_t rank)
{
    HeapEvent *event = &heap->event;
    event->block_offset = block_start(heap, rank);
    event->block_size = block_end(heap, rank) - event->block_offset;
    event->asize = event->block_size;
    event->result = event->block_offset + HEADER_BYTES;
    if (event->dirty_end == 0)
        event->dirty_start = event->block_offset;
    if (event->block_offset < event->dirty_start)
        event->dirty_start = event->block_offset;
    if (event->block_offset + event->block_size > event->dirty_end)
        event->dirty_end = event->block_offset + event->block_size;
    if (event->dirty_end > heap->stats.high_water)
        heap->stats.high_water = event->dirty_end;
}

static HeapError recorded_malloc(Allocator *allocator, uint64_t n, uint64_t *payload)
{
    RecordedHeap *heap = as_recorded(allocator);
    uint64_t end;
    begin_event(heap, HEAP_EVENT_MALLOC, 0, n);
    *payload = 0;
    uint64_t rank = take_placement(heap, n, &end);
    if (rank == NO_RANK)
        return fail(heap, HEAP_ERROR_OUT_OF_MEMORY);
    place(heap, rank, end, n);
    record_block(heap, rank);
    heap->stats.mallocs++;
    finish_stats(heap);
    *payload = heap->event.result;
    return HEAP_OK;
}

static HeapError recorded_free(Allocator *allocator, uint64_t payload)
{
    RecordedHeap *heap = as_recorded(allocator);
    begin_event(heap, HEAP_EVENT_FREE, payload, 0);
    if (payload == 0)
        return HEAP_OK;
    uint64_t rank = live_rank(heap, payload);
    if (rank == NO_RANK)
        return fail(heap, HEAP_ERROR_INVALID_POINTER);
    record_block(heap, rank);
    heap->event.result = 0;
    unplace(heap, rank);
    heap->stats.frees++;
    finish_stats(heap);
    return HEAP_OK;
}

/* realloc(p, n), n > 0: the block leaves its place for the next placement
 * (the same address when glibc resized it in place). */
static HeapError resize(RecordedHeap *heap, uint64_t old_rank, uint64_t n, uint64_t *result)
{
    uint64_t old_end = heap->ranks[old_rank].end, old_requested = heap->ranks[old_rank].requested;
    record_block(heap, old_rank);
    heap->event.old_block_offset = heap->event.block_offset;
    uint64_t old_size = heap->event.block_size;
    unplace(heap, old_rank);
    uint64_t end;
    uint64_t rank = take_placement(heap, n, &end);
    if (rank == NO_RANK) {
        place(heap, old_rank, old_end, old_requested);
        return fail(heap, HEAP_ERROR_OUT_OF_MEMORY);
    }
    place(heap, rank, end, n);
    record_block(heap, rank);
    heap->event.realloc_mode = rank != old_rank             ? HEAP_REALLOC_MOVED
                               : heap->event.block_size > old_size ? HEAP_REALLOC_GREW
                                                                   : HEAP_REALLOC_SHRUNK;
    heap->stats.reallocs++;
    finish_stats(heap);
    *result = heap->event.result;
    return HEAP_OK;
}

static HeapError recorded_realloc(Allocator *allocator, uint64_t payload, uint64_t n, uint64_t *result)
{
    RecordedHeap *heap = as_recorded(allocator);
    *result = 0;
    begin_event(heap, HEAP_EVENT_REALLOC, payload, n);
    uint64_t rank = live_rank(heap, payload);
    if (rank == NO_RANK)
        return fail(heap, HEAP_ERROR_INVALID_POINTER);
    return resize(heap, rank, n, result);
}

/* ---- views ------------------------------------------------------------------------------- */

static const AllocatorConfig *recorded_config(const Allocator *allocator)
{
    return &as_const(allocator)->config;
}

static const HeapStats *recorded_stats(const Allocator *allocator)
{
    return &as_const(allocator)->stats;
}

static const HeapEvent *recorded_last_event(const Allocator *allocator)
{
    return &as_const(allocator)->event;
}

/* A live rank's block: a placement in use, or a fold marker (dead). */
static void used_block(const RecordedHeap *heap, uint64_t rank, HeapBlock *block)
{
    uint64_t start = block_start(heap, rank);
    if (heap->layout->is_marker[rank]) {
        *block = (HeapBlock){.offset = start, .size = MARKER_BYTES, .state = HEAP_BLOCK_DEAD,
                             .payload = start};
        return;
    }
    *block = (HeapBlock){.offset = start,
                         .size = block_end(heap, rank) - start,
                         .state = HEAP_BLOCK_USED,
                         .requested = heap->ranks[rank].requested,
                         .payload = start + HEADER_BYTES,
                         .header_bytes = HEADER_BYTES};
}

static void free_block(const RecordedHeap *heap, uint64_t rank, HeapBlock *block)
{
    uint64_t start = block_end(heap, rank);
    *block = (HeapBlock){.offset = start,
                         .size = heap->ranks[rank].gap,
                         .state = HEAP_BLOCK_FREE,
                         .payload = start};
}

/* The free space before the first live block, if any, else that block (the
 * start, of no bytes, is never shown; the last marker is always live). */
static bool recorded_first_block(const Allocator *allocator, HeapBlock *block)
{
    const RecordedHeap *heap = as_const(allocator);
    if (heap->ranks[START_RANK].gap > 0)
        free_block(heap, START_RANK, block);
    else
        used_block(heap, next_live(heap, START_RANK), block);
    return true;
}

/* The live rank whose block starts at or below `offset`, NO_RANK if none. */
static uint64_t live_at_or_below(const RecordedHeap *heap, uint64_t offset)
{
    uint64_t rank = rank_at_or_below(heap->layout, offset);
    if (rank == NO_RANK || is_live(heap, rank))
        return rank;
    return previous_live(heap, rank);
}

static bool recorded_next_block(const Allocator *allocator, HeapBlock *block)
{
    const RecordedHeap *heap = as_const(allocator);
    uint64_t rank = live_at_or_below(heap, block->offset);
    if (rank == NO_RANK)
        return false;
    if (block->state != HEAP_BLOCK_FREE && heap->ranks[rank].gap > 0) {
        free_block(heap, rank, block);
        return true;
    }
    uint64_t next = next_live(heap, rank);
    if (next == NO_RANK)
        return false;
    used_block(heap, next, block);
    return true;
}

static bool recorded_block_at(const Allocator *allocator, uint64_t offset, HeapBlock *block)
{
    const RecordedHeap *heap = as_const(allocator);
    uint64_t rank = live_at_or_below(heap, offset);
    if (rank == NO_RANK)
        return false;
    if (offset < block_end(heap, rank)) {
        used_block(heap, rank, block);
        return true;
    }
    uint64_t gap = heap->ranks[rank].gap;
    if (offset >= block_end(heap, rank) + gap)
        return false;
    free_block(heap, rank, block);
    return true;
}

/* The live set keeps bit_set.h's rules (the walks below trust its summary
 * bits) and holds every marker, the start included. */
static bool live_set_consistent(const RecordedHeap *heap)
{
    const Layout *layout = heap->layout;
    if (!bit_set_consistent(&layout->live_shape, heap->live))
        return false;
    for (uint64_t rank = 0; rank < layout->rank_count; rank++)
        if (layout->is_marker[rank] && !is_live(heap, rank))
            return false;
    return true;
}

/* Walks the live ranks: no two overlap, each gap reaches the next live
 * block, and the totals match the statistics and the tree's root. */
static void check_live_ranks(const RecordedHeap *heap, HeapCheck *check)
{
    uint64_t used = 0, in_use = 0, free_bytes = 0, largest = 0;
    for (uint64_t rank = first_live(heap); rank != NO_RANK; rank = next_live(heap, rank)) {
        uint64_t next = next_live(heap, rank), gap = heap->ranks[rank].gap;
        bool placed = !heap->layout->is_marker[rank];
        used += placed;
        in_use += placed ? block_end(heap, rank) - block_start(heap, rank) : 0;
        free_bytes += gap;
        largest = gap > largest ? gap : largest;
        if (next != NO_RANK && block_end(heap, rank) > block_start(heap, next))
            design_note_problem(check, RECORDED_CHECK_OVERLAP, block_start(heap, rank));
        if (gap != gap_after(heap, rank))
            design_note_problem(check, RECORDED_CHECK_GAPS, block_start(heap, rank));
    }
    if (used != heap->stats.used_blocks || in_use != heap->stats.bytes_in_use)
        design_note_problem(check, RECORDED_CHECK_COUNTS, 0);
    if (free_bytes != heap->stats.free_bytes || largest != heap->largest[1])
        design_note_problem(check, RECORDED_CHECK_GAPS, 0);
}

/* A free rank holds no block: its end, request and gap are 0 (so two heaps
 * with the same blocks have the same state bytes). */
static void check_free_ranks(const RecordedHeap *heap, HeapCheck *check)
{
    for (uint64_t rank = 0; rank < heap->layout->rank_count; rank++) {
        const RankState *state = &heap->ranks[rank];
        if (!is_live(heap, rank) && (state->end != 0 || state->requested != 0 || state->gap != 0))
            design_note_problem(check, RECORDED_CHECK_FREE_RANK, block_start(heap, rank));
    }
}

/* Each leaf of the tree is its group's largest gap, each inner node the
 * larger of its two children, and the unused node 0 is 0. */
static void check_tree(const RecordedHeap *heap, HeapCheck *check)
{
    const uint64_t *largest = heap->largest;
    uint64_t groups = heap->layout->group_count;
    for (uint64_t group = 0; group < groups; group++)
        if (largest[groups + group] != group_largest(heap, group))
            design_note_problem(check, RECORDED_CHECK_TREE, block_start(heap, group * GROUP_RANKS));
    for (uint64_t node = 1; node < groups; node++) {
        uint64_t left = largest[2 * node], right = largest[2 * node + 1];
        if (largest[node] != (left > right ? left : right))
            design_note_problem(check, RECORDED_CHECK_TREE, 0);
    }
    if (largest[0] != 0)
        design_note_problem(check, RECORDED_CHECK_TREE, 0);
}

/* Every invariant of the state, O(ranks + words): the live set first, as
 * the walk through the live ranks trusts it. */
static HeapCheck recorded_check(const Allocator *allocator)
{
    const RecordedHeap *heap = as_const(allocator);
    HeapCheck check = {0};
    if (!live_set_consistent(heap)) {
        design_note_problem(&check, RECORDED_CHECK_LIVE_SET, 0);
        return check;
    }
    check_live_ranks(heap, &check);
    check_free_ranks(heap, &check);
    check_tree(heap, &check);
    return check;
}

static const char *recorded_check_flag_name(unsigned flag)
{
    switch (flag) {
    case RECORDED_CHECK_OVERLAP: return "live blocks overlap";
    case RECORDED_CHECK_COUNTS: return "used blocks or bytes differ from the statistics";
    case RECORDED_CHECK_GAPS: return "a free gap differs from its neighbours";
    case RECORDED_CHECK_LIVE_SET: return "the set of live blocks is broken or misses a marker";
    case RECORDED_CHECK_TREE: return "the tree of largest gaps differs from the gaps";
    case RECORDED_CHECK_FREE_RANK: return "a free place keeps a block's end, request or gap";
    default: return "unknown";
    }
}

static uint64_t recorded_region_start(const Allocator *allocator)
{
    (void)allocator;
    return 0;
}

static uint64_t recorded_region_end(const Allocator *allocator)
{
    return as_const(allocator)->layout->limit;
}

static uint8_t *recorded_payload_bytes(Allocator *allocator, uint64_t payload, uint64_t *capacity)
{
    (void)allocator;
    (void)payload;
    *capacity = 0;
    return NULL; /* the program's bytes were not recorded */
}

/* The scalars, then the arrays (see allocator.h). */
static uint32_t recorded_state_spans(Allocator *allocator, AllocatorSpan *spans)
{
    RecordedHeap *heap = as_recorded(allocator);
    uint64_t scalars = sizeof *heap - offsetof(RecordedHeap, next_placement);
    spans[0] = (AllocatorSpan){.bytes = (uint8_t *)&heap->next_placement, .size = scalars, .used = scalars};
    array_spans(heap, spans + 1);
    return 1 + ARRAYS;
}

static uint64_t recorded_memory_bytes(const Allocator *allocator)
{
    AllocatorSpan arrays[ARRAYS];
    array_spans(as_const(allocator), arrays);
    uint64_t bytes = sizeof(RecordedHeap);
    for (unsigned k = 0; k < ARRAYS; k++)
        bytes += arrays[k].size;
    return bytes;
}

/* The region holding folded offset `offset`, or the marker after it: the
 * last starting at or below it (region 0 starts at 0). */
static uint64_t region_at(const Layout *layout, uint64_t offset)
{
    return last_at_or_below(layout->region_folded, layout->region_count, offset);
}

/* Region k is laid out as it was from region_folded[k] (region 0 from the
 * start, the others after a marker); the marker after it starts where its
 * bytes end. */
static bool recorded_program_address(const Allocator *allocator, uint64_t offset, uint64_t *address,
                                     uint64_t *gap_bytes)
{
    const Layout *layout = as_const(allocator)->layout;
    uint64_t region = region_at(layout, offset);
    uint64_t folded = layout->region_folded[region], real = layout->region_real[region];
    *gap_bytes = 0;
    uint64_t next_marker = region + 1 < layout->region_count ? layout->region_folded[region + 1] - MARKER_BYTES
                                                            : layout->limit - MARKER_BYTES;
    *address = real + (offset - folded);
    if (offset < next_marker)
        return true;
    *address = real + (next_marker - folded);
    if (region + 1 < layout->region_count)
        *gap_bytes = layout->region_real[region + 1] - *address;
    return false;
}

static const char *const POLICIES[] = {"glibc", NULL};

const AllocatorDesign recorded_design = {
    .name = "recorded",
    .summary = "a captured program's blocks where glibc put them, far regions folded (--capture)",
    .policies = POLICIES,
    .list_orders = NULL,
    .features = ALLOCATOR_REPLAYS_RECORDING,
    .create = recorded_create,
    .clone = recorded_clone,
    .copy = recorded_copy,
    .destroy = recorded_destroy,
    .malloc = recorded_malloc,
    .free = recorded_free,
    .realloc = recorded_realloc,
    .compact = NULL,
    .config = recorded_config,
    .stats = recorded_stats,
    .last_event = recorded_last_event,
    .check = recorded_check,
    .check_flag_name = recorded_check_flag_name,
    .region_start = recorded_region_start,
    .region_end = recorded_region_end,
    .region_limit = recorded_region_end,
    .first_block = recorded_first_block,
    .next_block = recorded_next_block,
    .block_at = recorded_block_at,
    .free_list = NULL,
    .search_path = NULL,
    .markers = NULL,
    .payload_bytes = recorded_payload_bytes,
    .memory_bytes = recorded_memory_bytes,
    .program_address = recorded_program_address,
    .state_spans = recorded_state_spans,
};
