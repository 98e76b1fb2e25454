/*
 * ostep.c - the `ostep` design: OSTEP's free-space simulator, malloc.py
 * (chapter 17 of Operating Systems: Three Easy Pieces), rule for rule.
 *
 * The heap is a list of free (address, size) entries in *list order* and a
 * size map of the allocated blocks; no bytes are kept. A malloc of n units:
 *   1. with an alignment a > 0, n rounds up to a multiple of a (Python's
 *      modulo, so a negative n rounds towards zero); then the header is added;
 *   2. the search walks the list from its head, counting every entry it looks
 *      at (malloc.py's "searched"): FIRST stops at the first entry that fits,
 *      BEST takes the first smallest that fits (but only sizes below the heap
 *      size + 1), WORST the first largest; BEST and WORST look at them all;
 *   3. a larger entry is split in place (the block is its low part, the entry
 *      keeps the rest and its position in the list); an exact fit leaves the
 *      list.
 * A free puts the block back by the list order: ADDRSORT, SIZESORT+ and
 * SIZESORT- append it and sort the list stably by address, size up or size
 * down; INSERT-FRONT and INSERT-BACK put it at the head or the tail. With
 * coalescing, one pass over the list then merges each entry with the one
 * before it *in the list* when they touch in memory, as malloc.py does (so
 * under SIZESORT or INSERT-* neighbours in memory may stay apart).
 *
 * Units are bytes for the rest of heapviz. Offsets are addresses moved so the
 * region starts at OSTEP_REGION_START (never a NULL payload); the base
 * address (-b) comes back when shown. malloc.py accepts sizes and headers of
 * any sign, so this design reads heap_bytes, header_bytes, base_address and
 * a request n as signed 64-bit values (two's complement). A block's payload
 * is its address + the header, as malloc.py's random mode prints it. Only
 * sizes <= 0 move an address below the base; there, and only there, a
 * payload can be offset 0 (malloc.py's address base - 1 - header).
 */
#include "design_support.h"
#include "ostep_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const POLICIES[] = { "BEST", "WORST", "FIRST", NULL };
static const char *const LIST_ORDERS[] = { "ADDRSORT", "SIZESORT+", "SIZESORT-",
                                           "INSERT-FRONT", "INSERT-BACK", NULL };

static OstepHeap *as_heap(Allocator *allocator) { return (OstepHeap *)allocator; }
static const OstepHeap *as_const_heap(const Allocator *allocator)
{
    return (const OstepHeap *)allocator;
}

/* ---- units ------------------------------------------------------------------ */

static int64_t heap_size(const OstepHeap *heap) { return (int64_t)heap->config.heap_bytes; }
static int64_t header_size(const OstepHeap *heap) { return (int64_t)heap->config.header_bytes; }

static uint64_t offset_of(const OstepHeap *heap, int64_t address)
{
    return (uint64_t)address - heap->config.base_address + OSTEP_REGION_START;
}

static int64_t address_of(const OstepHeap *heap, uint64_t offset)
{
    return (int64_t)(offset - OSTEP_REGION_START + heap->config.base_address);
}

/* malloc.py's size for a request: aligned up (Python's % is a floor modulo), plus the header. */
static int64_t block_size_for(const OstepHeap *heap, int64_t n)
{
    int64_t align = (int64_t)heap->config.alignment;
    if (align > 0) {
        int64_t left = ((n % align) + align) % align;
        n += left ? align - left : 0;
    }
    return n + header_size(heap);
}

/* ---- growing arrays ------------------------------------------------------- */


static bool reserve_ranges(OstepRangeArray *array, uint64_t needed)
{
    return design_reserve((void **)&array->items, &array->capacity, needed, sizeof(OstepRange));
}

/* Array item shifts: open_gap moves items [index, count) one place up to make
 * room at index; close_gap moves [index + 1, count) down over item index. */
static void open_gap(void *items, uint64_t index, uint64_t count, size_t item_size)
{
    char *bytes = items;
    memmove(bytes + (index + 1) * item_size, bytes + index * item_size, (count - index) * item_size);
}

static void close_gap(void *items, uint64_t index, uint64_t count, size_t item_size)
{
    char *bytes = items;
    memmove(bytes + index * item_size, bytes + (index + 1) * item_size,
            (count - index - 1) * item_size);
}

static void insert_range(OstepRangeArray *array, uint64_t index, OstepRange range)
{
    open_gap(array->items, index, array->count++, sizeof range);
    array->items[index] = range;
}

static void remove_range(OstepRangeArray *array, uint64_t index)
{
    close_gap(array->items, index, array->count--, sizeof(OstepRange));
}

/* ---- the size map (sorted by address) ----------------------------------------- */

/* The index of the first used block at or above `address`. */
static uint64_t used_lower_bound(const OstepHeap *heap, int64_t address)
{
    uint64_t low = 0, high = heap->used_count;
    while (low < high) {
        uint64_t middle = low + (high - low) / 2;
        if (heap->used[middle].address < address)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static bool used_find(const OstepHeap *heap, int64_t address, uint64_t *index)
{
    *index = used_lower_bound(heap, address);
    return *index < heap->used_count && heap->used[*index].address == address;
}

static void used_insert(OstepHeap *heap, uint64_t index, OstepUsed block)
{
    open_gap(heap->used, index, heap->used_count++, sizeof block);
    heap->used[index] = block;
}

static void used_remove(OstepHeap *heap, uint64_t index)
{
    close_gap(heap->used, index, heap->used_count--, sizeof(OstepUsed));
}

/* ---- the derived views: blocks and statistics ------------------------------- */

static int compare_blocks(const void *a, const void *b)
{
    const HeapBlock *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->state != y->state)
        return x->state == HEAP_BLOCK_USED ? -1 : 1;
    return x->size < y->size ? -1 : x->size > y->size;
}

static HeapBlock used_block_view(const OstepHeap *heap, const OstepUsed *used)
{
    uint64_t offset = offset_of(heap, used->address);
    int64_t header = header_size(heap);
    bool header_fits = header > 0 && header <= used->size;
    return (HeapBlock){ .offset = offset, .size = (uint64_t)used->size,
                        .state = HEAP_BLOCK_USED, .requested = (uint64_t)used->requested,
                        .payload = offset + (uint64_t)header,
                        .header_bytes = header_fits ? (uint32_t)header : 0 };
}

/* Rebuilds `blocks`: every entry of positive size, by offset. */
static bool rebuild_blocks(OstepHeap *heap)
{
    uint64_t needed = heap->used_count + heap->free_list.count;
    if (!design_reserve((void **)&heap->blocks, &heap->block_capacity, needed, sizeof(HeapBlock)))
        return false;
    heap->block_count = 0;
    for (uint64_t i = 0; i < heap->used_count; i++)
        if (heap->used[i].size > 0)
            heap->blocks[heap->block_count++] = used_block_view(heap, &heap->used[i]);
    for (uint64_t i = 0; i < heap->free_list.count; i++) {
        const OstepRange *range = &heap->free_list.items[i];
        if (range->size > 0)
            heap->blocks[heap->block_count++] =
                (HeapBlock){ .offset = offset_of(heap, range->address),
                             .size = (uint64_t)range->size, .state = HEAP_BLOCK_FREE };
    }
    qsort(heap->blocks, heap->block_count, sizeof(HeapBlock), compare_blocks);
    return true;
}

static double percent_missing(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (1.0 - (double)part / (double)whole) : 0.0;
}

/* The statistics that follow from the lists (the counters are kept as calls happen). */
static void measure(const OstepHeap *heap, HeapStats *stats)
{
    stats->heap_bytes = heap->config.heap_bytes;
    stats->free_blocks = heap->free_list.count;
    stats->free_bytes = stats->largest_free = 0;
    for (uint64_t i = 0; i < heap->free_list.count; i++) {
        int64_t size = heap->free_list.items[i].size;
        stats->free_bytes += (uint64_t)size;
        if (size > 0 && (uint64_t)size > stats->largest_free)
            stats->largest_free = (uint64_t)size;
    }
    stats->used_blocks = heap->used_count;
    stats->bytes_in_use = stats->payload_bytes = 0;
    for (uint64_t i = 0; i < heap->used_count; i++) {
        stats->bytes_in_use += (uint64_t)heap->used[i].size;
        stats->payload_bytes += (uint64_t)heap->used[i].requested;
    }
    stats->external_fragmentation = percent_missing(stats->largest_free, stats->free_bytes);
    stats->internal_fragmentation = percent_missing(stats->payload_bytes, stats->bytes_in_use);
}

/* After every call: the derived statistics, the peak, and the block view. */
static HeapError refresh(OstepHeap *heap)
{
    HeapStats *stats = &heap->stats;
    measure(heap, stats);
    if (stats->payload_bytes > stats->peak_payload && stats->payload_bytes < UINT64_MAX / 2)
        stats->peak_payload = stats->payload_bytes;
    int64_t size = heap_size(heap);
    stats->utilization = size > 0 ? (double)stats->peak_payload / (double)size : 0.0;
    return rebuild_blocks(heap) ? HEAP_OK : HEAP_ERROR_OUT_OF_MEMORY;
}

/* ---- malloc ------------------------------------------------------------------- */

/* Whether entry size `size` beats the best so far under the policy. */
static bool better_fit(OstepPolicy policy, int64_t size, int64_t best_size)
{
    switch (policy) {
    case OSTEP_BEST: return size < best_size;
    case OSTEP_WORST: return size > best_size;
    case OSTEP_FIRST: return true;
    }
    return false;
}

/* malloc.py's search: the index of the chosen entry or -1; records the
 * entries examined in `search`. */
static int64_t search_list(OstepHeap *heap, int64_t size)
{
    OstepPolicy policy = (OstepPolicy)heap->config.policy;
    int64_t best_index = -1;
    int64_t best_size = policy == OSTEP_BEST ? heap_size(heap) + 1 : -1;
    heap->search_count = 0;
    for (uint64_t i = 0; i < heap->free_list.count; i++) {
        const OstepRange *entry = &heap->free_list.items[i];
        heap->search[heap->search_count++] = offset_of(heap, entry->address);
        if (entry->size >= size && better_fit(policy, entry->size, best_size)) {
            best_index = (int64_t)i;
            best_size = entry->size;
            if (policy == OSTEP_FIRST)
                break;
        }
    }
    return best_index;
}

static HeapError fail_malloc(OstepHeap *heap, HeapError error, int64_t size)
{
    HeapEvent *event = &heap->event;
    event->error = error;
    event->free_bytes = heap->stats.free_bytes;
    event->largest_free = heap->stats.largest_free;
    if (error == HEAP_ERROR_OUT_OF_MEMORY) {
        heap->stats.failed++;
        event->fragmented = size <= (int64_t)heap->stats.free_bytes;
        heap->stats.failed_fragmented += event->fragmented;
    }
    return error;
}

/* Takes the block [address, address + size) from list entry `index`. */
static void take_from_entry(OstepHeap *heap, uint64_t index, int64_t size)
{
    OstepRange *entry = &heap->free_list.items[index];
    HeapEvent *event = &heap->event;
    event->chosen_free_size = (uint64_t)entry->size;
    event->split = entry->size > size;
    if (event->split) {
        entry->address += size;
        entry->size -= size;
        event->split_offset = offset_of(heap, entry->address);
    } else {
        remove_range(&heap->free_list, index);
    }
}

static HeapError ostep_malloc(Allocator *allocator, uint64_t n, uint64_t *payload)
{
    OstepHeap *heap = as_heap(allocator);
    *payload = 0;
    int64_t size = block_size_for(heap, (int64_t)n);
    heap->event = (HeapEvent){ .kind = HEAP_EVENT_MALLOC, .request = n, .asize = (uint64_t)size,
                               .dirty_start = OSTEP_REGION_START,
                               .dirty_end = OSTEP_REGION_START + heap->config.heap_bytes };
    if (!design_reserve((void **)&heap->search, &heap->search_capacity, heap->free_list.count,
                 sizeof(uint64_t)) ||
        !design_reserve((void **)&heap->used, &heap->used_capacity, heap->used_count + 1, sizeof(OstepUsed)))
        return fail_malloc(heap, HEAP_ERROR_OUT_OF_MEMORY, size);
    heap->irregular |= size <= 0;
    int64_t chosen = search_list(heap, size);
    heap->event.examined = heap->search_count;
    heap->stats.examined += heap->search_count;
    if (chosen < 0)
        return fail_malloc(heap, HEAP_ERROR_OUT_OF_MEMORY, size);
    int64_t address = heap->free_list.items[chosen].address;
    uint64_t slot;
    if (used_find(heap, address, &slot))
        return fail_malloc(heap, HEAP_ERROR_ADDRESS_IN_USE, size);
    take_from_entry(heap, (uint64_t)chosen, size);
    used_insert(heap, slot, (OstepUsed){ .address = address, .size = size, .requested = (int64_t)n });
    HeapEvent *event = &heap->event;
    event->block_offset = offset_of(heap, address);
    event->block_size = (uint64_t)size;
    event->result = *payload = event->block_offset + heap->config.header_bytes;
    heap->stats.mallocs++;
    if (size > 0 && event->block_offset + (uint64_t)size > heap->stats.high_water)
        heap->stats.high_water = event->block_offset + (uint64_t)size;
    return refresh(heap);
}

/* ---- free ------------------------------------------------------------------------ */

/* Whether `a` belongs after `b` under the sorted list orders. */
static bool goes_after(OstepListOrder order, const OstepRange *a, const OstepRange *b)
{
    switch (order) {
    case OSTEP_ADDRSORT: return a->address >= b->address;
    case OSTEP_SIZESORT_UP: return a->size >= b->size;
    case OSTEP_SIZESORT_DOWN: return a->size <= b->size;
    case OSTEP_INSERT_FRONT:
    case OSTEP_INSERT_BACK: return true;
    }
    return true;
}

/* Python's sorted() is stable, with reverse=True too: an insertion sort that
 * moves an entry only past entries it strictly belongs before keeps it so. */
static void sort_stably(OstepRangeArray *list, OstepListOrder order)
{
    for (uint64_t i = 1; i < list->count; i++) {
        OstepRange entry = list->items[i];
        uint64_t j = i;
        while (j > 0 && !goes_after(order, &entry, &list->items[j - 1])) {
            list->items[j] = list->items[j - 1];
            j--;
        }
        list->items[j] = entry;
    }
}

static void return_to_list(OstepHeap *heap, OstepRange block)
{
    OstepListOrder order = (OstepListOrder)heap->config.list_order;
    if (order == OSTEP_INSERT_FRONT) {
        insert_range(&heap->free_list, 0, block);
        return;
    }
    insert_range(&heap->free_list, heap->free_list.count, block);
    if (order != OSTEP_INSERT_BACK)
        sort_stably(&heap->free_list, order);
}

/* malloc.py's "ridiculous full-list coalesce": one pass that merges each
 * entry into the one before it in the list when it starts where that ends. */
static void coalesce_list(OstepRangeArray *list)
{
    uint64_t kept = 0;
    for (uint64_t i = 1; i < list->count; i++) {
        OstepRange *current = &list->items[kept];
        const OstepRange *entry = &list->items[i];
        if (entry->address == current->address + current->size)
            current->size += entry->size;
        else
            list->items[++kept] = *entry;
    }
    list->count = kept + 1;
}

/* Notes in the event whether the freed block merged, and into which entry. */
static void note_merged_entry(OstepHeap *heap, OstepRange freed)
{
    HeapEvent *event = &heap->event;
    for (uint64_t i = 0; i < heap->free_list.count; i++) {
        const OstepRange *entry = &heap->free_list.items[i];
        if (entry->address > freed.address || freed.address >= entry->address + entry->size)
            continue;
        event->coalesced_previous = entry->address < freed.address;
        event->coalesced_next = entry->address + entry->size > freed.address + freed.size;
        if (event->coalesced_previous || event->coalesced_next) {
            event->merged_offset = offset_of(heap, entry->address);
            event->merged_size = (uint64_t)entry->size;
        }
        return;
    }
}

static HeapError reject_free(OstepHeap *heap, int64_t address)
{
    bool in_list = false;
    for (uint64_t i = 0; i < heap->free_list.count; i++)
        in_list |= heap->free_list.items[i].address == address;
    heap->event.error = in_list ? HEAP_ERROR_DOUBLE_FREE : HEAP_ERROR_INVALID_POINTER;
    heap->stats.errors++;
    return heap->event.error;
}

static HeapError ostep_free(Allocator *allocator, uint64_t payload)
{
    OstepHeap *heap = as_heap(allocator);
    heap->event = (HeapEvent){ .kind = HEAP_EVENT_FREE, .pointer = payload,
                               .dirty_start = OSTEP_REGION_START,
                               .dirty_end = OSTEP_REGION_START + heap->config.heap_bytes };
    int64_t address = address_of(heap, payload) - header_size(heap);
    uint64_t slot;
    /* free(0) does nothing, unless a block of a heap with negative sizes
     * really sits there (see the top of the file). */
    if (!used_find(heap, address, &slot))
        return payload == 0 ? HEAP_OK : reject_free(heap, address);
    if (!reserve_ranges(&heap->free_list, heap->free_list.count + 1))
        return HEAP_ERROR_OUT_OF_MEMORY;
    OstepRange freed = { .address = address, .size = heap->used[slot].size };
    heap->event.block_offset = offset_of(heap, address);
    heap->event.block_size = (uint64_t)freed.size;
    return_to_list(heap, freed);
    if (heap->config.coalesce) {
        coalesce_list(&heap->free_list);
        note_merged_entry(heap, freed);
    }
    used_remove(heap, slot);
    heap->stats.frees++;
    return refresh(heap);
}

/* malloc.py has no realloc: here it is malloc, then free of the old block
 * (realloc(0, n) is malloc, realloc(p, 0) is free). */
static HeapError ostep_realloc(Allocator *allocator, uint64_t payload, uint64_t n, uint64_t *result)
{
    OstepHeap *heap = as_heap(allocator);
    *result = 0;
    uint64_t slot;
    if (!used_find(heap, address_of(heap, payload) - header_size(heap), &slot))
        return reject_free(heap, address_of(heap, payload) - header_size(heap));
    uint64_t moved;
    HeapError error = ostep_malloc(allocator, n, &moved);
    if (error != HEAP_OK)
        return error;
    HeapEvent placed = heap->event;
    error = ostep_free(allocator, payload);
    placed.kind = HEAP_EVENT_REALLOC;
    placed.realloc_mode = HEAP_REALLOC_MOVED;
    placed.pointer = payload;
    placed.old_block_offset = heap->event.block_offset;
    heap->event = placed;
    heap->stats.mallocs--;
    heap->stats.frees--;
    heap->stats.reallocs++;
    *result = moved;
    return error;
}

/* ---- life cycle ---------------------------------------------------------------- */

static void release(OstepHeap *heap)
{
    free(heap->free_list.items);
    free(heap->used);
    free(heap->blocks);
    free(heap->search);
}

static void ostep_destroy(Allocator *allocator)
{
    if (!allocator)
        return;
    release(as_heap(allocator));
    free(allocator);
}

extern const AllocatorDesign ostep_design;

static HeapError ostep_create(const AllocatorConfig *config, Allocator **out)
{
    *out = NULL;
    if (config->policy > OSTEP_FIRST || config->list_order > OSTEP_INSERT_BACK)
        return HEAP_ERROR_INVALID_CONFIG;
    OstepHeap *heap = calloc(1, sizeof *heap);
    if (!heap)
        return HEAP_ERROR_OUT_OF_MEMORY;
    heap->base.design = &ostep_design;
    heap->config = *config;
    heap->irregular = heap_size(heap) <= 0;
    if (!reserve_ranges(&heap->free_list, 1)) {
        ostep_destroy(&heap->base);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    heap->free_list.items[heap->free_list.count++] =
        (OstepRange){ .address = (int64_t)config->base_address, .size = heap_size(heap) };
    HeapError error = refresh(heap);
    if (error != HEAP_OK) {
        ostep_destroy(&heap->base);
        return error;
    }
    *out = &heap->base;
    return HEAP_OK;
}

/* Copies `count` items of `item_size` bytes into target's array, growing it. */
static bool copy_array(void **target, uint64_t *capacity, const void *source, uint64_t count,
                       size_t item_size)
{
    if (!design_reserve(target, capacity, count, item_size))
        return false;
    if (count)
        memcpy(*target, source, count * item_size);
    return true;
}

static HeapError ostep_copy(Allocator *target_allocator, const Allocator *source_allocator)
{
    OstepHeap *target = as_heap(target_allocator);
    const OstepHeap *source = as_const_heap(source_allocator);
    if (!copy_array((void **)&target->free_list.items, &target->free_list.capacity,
                    source->free_list.items, source->free_list.count, sizeof(OstepRange)) ||
        !copy_array((void **)&target->used, &target->used_capacity, source->used,
                    source->used_count, sizeof(OstepUsed)) ||
        !copy_array((void **)&target->blocks, &target->block_capacity, source->blocks,
                    source->block_count, sizeof(HeapBlock)) ||
        !copy_array((void **)&target->search, &target->search_capacity, source->search,
                    source->search_count, sizeof(uint64_t)))
        return HEAP_ERROR_OUT_OF_MEMORY;
    target->config = source->config;
    target->free_list.count = source->free_list.count;
    target->used_count = source->used_count;
    target->block_count = source->block_count;
    target->search_count = source->search_count;
    target->irregular = source->irregular;
    target->stats = source->stats;
    target->event = source->event;
    return HEAP_OK;
}

static HeapError ostep_clone(const Allocator *source, Allocator **out)
{
    *out = NULL;
    OstepHeap *heap = calloc(1, sizeof *heap);
    if (!heap)
        return HEAP_ERROR_OUT_OF_MEMORY;
    heap->base.design = &ostep_design;
    HeapError error = ostep_copy(&heap->base, source);
    if (error != HEAP_OK) {
        ostep_destroy(&heap->base);
        return error;
    }
    *out = &heap->base;
    return HEAP_OK;
}

/* ---- the check: every invariant malloc.py's structures keep --------------------- */

static void found(HeapCheck *check, OstepCheckFlag flag, uint64_t offset)
{
    if (check->problems == 0)
        check->first_offset = offset;
    check->broken |= flag;
    check->problems++;
}

static void check_stats(const OstepHeap *heap, HeapCheck *check)
{
    HeapStats expected = heap->stats;
    measure(heap, &expected);
    const HeapStats *kept = &heap->stats;
    if (expected.free_blocks != kept->free_blocks || expected.free_bytes != kept->free_bytes ||
        expected.largest_free != kept->largest_free || expected.used_blocks != kept->used_blocks ||
        expected.bytes_in_use != kept->bytes_in_use || expected.payload_bytes != kept->payload_bytes)
        found(check, OSTEP_CHECK_STATS, OSTEP_REGION_START);
}

static void check_map_order(const OstepHeap *heap, HeapCheck *check)
{
    for (uint64_t i = 1; i < heap->used_count; i++)
        if (heap->used[i - 1].address >= heap->used[i].address)
            found(check, OSTEP_CHECK_MAP_ORDER, offset_of(heap, heap->used[i].address));
}

/* One block of a regular heap: positive, inside the region. */
static void check_range(const OstepHeap *heap, int64_t address, int64_t size, HeapCheck *check)
{
    int64_t base = (int64_t)heap->config.base_address;
    if (size <= 0)
        found(check, OSTEP_CHECK_EMPTY_BLOCK, offset_of(heap, address));
    else if (address < base || address + size > base + heap_size(heap))
        found(check, OSTEP_CHECK_OUTSIDE, offset_of(heap, address));
}

static int compare_ranges(const void *a, const void *b)
{
    const OstepRange *x = a, *y = b;
    return x->address < y->address ? -1 : x->address > y->address;
}

/* Sorts a copy of every block, used and free, by address and looks for overlaps. */
static void check_overlap(const OstepHeap *heap, HeapCheck *check)
{
    uint64_t count = heap->used_count + heap->free_list.count;
    OstepRange *all = malloc((count ? count : 1) * sizeof *all);
    if (!all)
        return;
    for (uint64_t i = 0; i < heap->used_count; i++)
        all[i] = (OstepRange){ heap->used[i].address, heap->used[i].size };
    memcpy(all + heap->used_count, heap->free_list.items, heap->free_list.count * sizeof *all);
    qsort(all, count, sizeof *all, compare_ranges);
    for (uint64_t i = 1; i < count; i++)
        if (all[i - 1].address + all[i - 1].size > all[i].address)
            found(check, OSTEP_CHECK_OVERLAP, offset_of(heap, all[i].address));
    free(all);
}

/* Every block of a regular heap: sizes, bounds, no overlap, nothing lost. */
static void check_layout(const OstepHeap *heap, HeapCheck *check)
{
    int64_t total = 0;
    for (uint64_t i = 0; i < heap->used_count; i++) {
        check_range(heap, heap->used[i].address, heap->used[i].size, check);
        total += heap->used[i].size;
    }
    for (uint64_t i = 0; i < heap->free_list.count; i++) {
        check_range(heap, heap->free_list.items[i].address, heap->free_list.items[i].size, check);
        total += heap->free_list.items[i].size;
    }
    check_overlap(heap, check);
    if (total != heap_size(heap))
        found(check, OSTEP_CHECK_LOST, OSTEP_REGION_START);
}

/* ADDRSORT keeps the list in address order; with -C no two neighbours touch. */
static void check_address_order(const OstepHeap *heap, HeapCheck *check)
{
    const OstepRangeArray *list = &heap->free_list;
    for (uint64_t i = 1; i < list->count; i++) {
        const OstepRange *before = &list->items[i - 1], *entry = &list->items[i];
        if (before->address >= entry->address)
            found(check, OSTEP_CHECK_LIST_ORDER, offset_of(heap, entry->address));
        else if (heap->config.coalesce && before->address + before->size == entry->address)
            found(check, OSTEP_CHECK_NOT_COALESCED, offset_of(heap, entry->address));
    }
}

/* The statistics and the size map always; the layout only while no block of
 * size <= 0 was ever made (malloc.py lets such blocks overlap others). */
static HeapCheck ostep_check(const Allocator *allocator)
{
    const OstepHeap *heap = as_const_heap(allocator);
    HeapCheck check = { 0 };
    check_stats(heap, &check);
    check_map_order(heap, &check);
    if (heap->irregular)
        return check;
    check_layout(heap, &check);
    if (heap->config.list_order == OSTEP_ADDRSORT)
        check_address_order(heap, &check);
    return check;
}

static const char *ostep_check_flag_name(unsigned flag)
{
    switch ((OstepCheckFlag)flag) {
    case OSTEP_CHECK_STATS: return "statistics disagree with the lists";
    case OSTEP_CHECK_MAP_ORDER: return "size map out of address order";
    case OSTEP_CHECK_EMPTY_BLOCK: return "block of size zero or less";
    case OSTEP_CHECK_OUTSIDE: return "block outside the heap";
    case OSTEP_CHECK_OVERLAP: return "blocks overlap";
    case OSTEP_CHECK_LOST: return "blocks do not add up to the heap size";
    case OSTEP_CHECK_LIST_ORDER: return "ADDRSORT list out of address order";
    case OSTEP_CHECK_NOT_COALESCED: return "touching list neighbours left apart";
    }
    return "unknown check flag";
}

/* ---- read-only views ------------------------------------------------------------ */

static const AllocatorConfig *ostep_config(const Allocator *allocator)
{
    return &as_const_heap(allocator)->config;
}

static const HeapStats *ostep_stats(const Allocator *allocator)
{
    return &as_const_heap(allocator)->stats;
}

static const HeapEvent *ostep_last_event(const Allocator *allocator)
{
    return &as_const_heap(allocator)->event;
}

static uint64_t ostep_region_start(const Allocator *allocator)
{
    (void)allocator;
    return OSTEP_REGION_START;
}

static uint64_t ostep_region_end(const Allocator *allocator)
{
    int64_t size = heap_size(as_const_heap(allocator));
    return OSTEP_REGION_START + (size > 0 ? (uint64_t)size : 0);
}

/* The index of the first block whose offset is above `offset`. */
static uint64_t block_upper_bound(const OstepHeap *heap, uint64_t offset)
{
    uint64_t low = 0, high = heap->block_count;
    while (low < high) {
        uint64_t middle = low + (high - low) / 2;
        if (heap->blocks[middle].offset <= offset)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static bool ostep_first_block(const Allocator *allocator, HeapBlock *block)
{
    const OstepHeap *heap = as_const_heap(allocator);
    if (heap->block_count == 0)
        return false;
    *block = heap->blocks[0];
    return true;
}

static bool ostep_next_block(const Allocator *allocator, HeapBlock *block)
{
    const OstepHeap *heap = as_const_heap(allocator);
    uint64_t index = block_upper_bound(heap, block->offset);
    if (index >= heap->block_count)
        return false;
    *block = heap->blocks[index];
    return true;
}

static bool ostep_block_at(const Allocator *allocator, uint64_t offset, HeapBlock *block)
{
    const OstepHeap *heap = as_const_heap(allocator);
    uint64_t index = block_upper_bound(heap, offset);
    if (index == 0 || offset - heap->blocks[index - 1].offset >= heap->blocks[index - 1].size)
        return false;
    *block = heap->blocks[index - 1];
    return true;
}

static uint64_t ostep_free_list(const Allocator *allocator, FreeListEntry *entries, uint64_t max)
{
    const OstepHeap *heap = as_const_heap(allocator);
    for (uint64_t i = 0; i < heap->free_list.count && i < max; i++) {
        const OstepRange *range = &heap->free_list.items[i];
        entries[i] = (FreeListEntry){ .offset = offset_of(heap, range->address),
                                      .size = (uint64_t)range->size };
    }
    return heap->free_list.count;
}

static uint64_t ostep_search_path(const Allocator *allocator, uint64_t *offsets, uint64_t max)
{
    const OstepHeap *heap = as_const_heap(allocator);
    for (uint64_t i = 0; i < heap->search_count && i < max; i++)
        offsets[i] = heap->search[i];
    return heap->search_count;
}

/* malloc.py's heap holds no bytes: there are none to show. */
static uint8_t *ostep_payload_bytes(Allocator *allocator, uint64_t payload, uint64_t *capacity)
{
    (void)allocator;
    (void)payload;
    *capacity = 0;
    return NULL;
}

static uint64_t ostep_memory_bytes(const Allocator *allocator)
{
    const OstepHeap *heap = as_const_heap(allocator);
    return sizeof *heap + heap->free_list.capacity * sizeof(OstepRange) +
           heap->used_capacity * sizeof(OstepUsed) + heap->block_capacity * sizeof(HeapBlock) +
           heap->search_capacity * sizeof(uint64_t);
}

static uint32_t ostep_markers(const Allocator *allocator, HeapMarker *markers)
{
    (void)allocator;
    (void)markers;
    return 0;
}

const AllocatorDesign ostep_design = {
    .name = "ostep",
    .summary = "OSTEP's malloc.py: a free list in list order, BEST/WORST/FIRST, optional coalescing",
    .policies = POLICIES,
    .list_orders = LIST_ORDERS,
    .features = ALLOCATOR_HAS_FREE_LIST,
    .create = ostep_create,
    .clone = ostep_clone,
    .copy = ostep_copy,
    .destroy = ostep_destroy,
    .malloc = ostep_malloc,
    .free = ostep_free,
    .realloc = ostep_realloc,
    .compact = NULL,
    .config = ostep_config,
    .stats = ostep_stats,
    .last_event = ostep_last_event,
    .check = ostep_check,
    .check_flag_name = ostep_check_flag_name,
    .region_start = ostep_region_start,
    .region_end = ostep_region_end,
    .region_limit = ostep_region_end,
    .first_block = ostep_first_block,
    .next_block = ostep_next_block,
    .block_at = ostep_block_at,
    .free_list = ostep_free_list,
    .search_path = ostep_search_path,
    .markers = ostep_markers,
    .payload_bytes = ostep_payload_bytes,
    .memory_bytes = ostep_memory_bytes,
};
