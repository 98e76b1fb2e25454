/*
 * buddy.c - the `buddy` design: the binary buddy system (OSTEP §17.4).
 *
 * The region is the largest power of two <= heap_bytes, at offset 0. Every
 * block is 2^order bytes at a multiple of its size, with an 8-byte header
 * holding its order and allocated bit; the minimum block is 32 bytes
 * (order 5). A block's buddy is the block at offset XOR size.
 *   malloc(n): k is the smallest order with 2^k >= max(32, n + 8). Take the
 *     lowest-addressed free block of the smallest order >= k that has one,
 *     and halve it down to order k, keeping the lower half each time; the
 *     upper halves become free. `examined` counts the orders whose free list
 *     was looked at, from k up, the one used included.
 *   free: merge with the buddy, again and again, while the buddy is a free
 *     block of the same order. HeapEvent.merges counts the merges.
 *   realloc stays in place when n + 8 fits the block (no splitting);
 *     otherwise malloc, copy, free; on failure the old block is kept.
 * Utilization keeps the core's definition: peak payload / high water.
 *
 * Where the bits live: the headers are kept in a side map of one byte per
 * 32-byte unit (0 inside a block; order + 1, with BUDDY_MAP_ALLOCATED, at a
 * block's start), and each order's free list is an array of offsets in
 * address order. So the region's own bytes hold only payloads, and a copy
 * of the heap costs the map plus the bytes ever handed out (below the high
 * water), not the whole region. The lists' counts and capacities sit with
 * the other scalars at the end of BuddyHeap, and a copy gives each list the
 * source's capacity, so a history can keep the words that changed
 * (buddy_state_spans) instead of whole copies.
 *
 * Invariants (buddy_check reports each kind it finds broken):
 *  TILING   the blocks tile the region: valid orders, aligned to their size,
 *           and the map marks nothing inside a block;
 *  BUDDIES  no free block has a free buddy of the same order;
 *  LISTS    each order's list holds exactly its free blocks, in address order;
 *  LIVE     the live map holds exactly the used blocks' payloads;
 *  STATS    every count equals a recount.
 */
#include "buddy_heap.h"
#include "design_support.h"
#include "zeroed_memory.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const POLICIES[] = { "binary", NULL };

extern const AllocatorDesign buddy_design;

static BuddyHeap *as_buddy(Allocator *allocator) { return (BuddyHeap *)allocator; }
static const BuddyHeap *as_const_buddy(const Allocator *allocator)
{
    return (const BuddyHeap *)allocator;
}

static uint64_t order_size(unsigned order) { return UINT64_C(1) << order; }

/* The header map's bytes for a region: one per 32-byte unit, rounded up to
 * a multiple of 8 (a state span's size is). */
static uint64_t map_bytes(uint64_t region)
{
    return ((region >> BUDDY_MIN_ORDER) + 7) / 8 * 8;
}

/* ---- the header map -------------------------------------------------------- */

/* The order of the block that starts at `offset`, or 0 if none starts there. */
static unsigned order_at(const BuddyHeap *heap, uint64_t offset)
{
    uint8_t entry = heap->map[offset >> BUDDY_MIN_ORDER];
    return entry ? (entry & ~BUDDY_MAP_ALLOCATED) - 1u : 0;
}

static bool is_allocated(const BuddyHeap *heap, uint64_t offset)
{
    return (heap->map[offset >> BUDDY_MIN_ORDER] & BUDDY_MAP_ALLOCATED) != 0;
}

static void set_header(BuddyHeap *heap, uint64_t offset, unsigned order, bool allocated)
{
    heap->map[offset >> BUDDY_MIN_ORDER] = (uint8_t)((order + 1) | (allocated ? BUDDY_MAP_ALLOCATED : 0));
    design_event_touch(&heap->event, offset, offset + order_size(order));
}

static void clear_header(BuddyHeap *heap, uint64_t offset)
{
    heap->map[offset >> BUDDY_MIN_ORDER] = 0;
}

/* The header word as the block would store it: order << 1 | allocated. */
static uint64_t header_word(const BuddyHeap *heap, uint64_t offset)
{
    return (uint64_t)order_at(heap, offset) << 1 | (is_allocated(heap, offset) ? 1u : 0u);
}

/* ---- free lists ------------------------------------------------------------ */

/* Where `offset` is, or would go, in the list (binary search). */
static uint64_t list_position(const BuddyHeap *heap, unsigned order, uint64_t offset)
{
    uint64_t low = 0, high = heap->list_count[order];
    while (low < high) {
        uint64_t middle = low + (high - low) / 2;
        if (heap->list[order][middle] < offset)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* Gives the list of `order` room for exactly `capacity` entries, zeroing
 * any new room; false if the host ran out (the list unchanged). */
static bool resize_list(BuddyHeap *heap, unsigned order, uint64_t capacity)
{
    uint64_t old_capacity = heap->list_capacity[order];
    if (capacity == old_capacity)
        return true;
    uint64_t *offsets = NULL;
    if (capacity > 0 && !(offsets = realloc(heap->list[order], capacity * sizeof *offsets)))
        return false;
    if (capacity == 0)
        free(heap->list[order]);
    if (capacity > old_capacity)
        memset(offsets + old_capacity, 0, (capacity - old_capacity) * sizeof *offsets);
    heap->list[order] = offsets;
    heap->list_capacity[order] = capacity;
    return true;
}

/* Makes room for `count` entries in the list of `order`, doubling. */
static bool list_reserve(BuddyHeap *heap, unsigned order, uint64_t count)
{
    uint64_t capacity = heap->list_capacity[order];
    if (count <= capacity)
        return true;
    capacity = capacity ? capacity * 2 : 16;
    while (capacity < count)
        capacity *= 2;
    return resize_list(heap, order, capacity);
}

/* A free block of `order` at `offset` joins the free blocks. The caller has
 * reserved room in the list. */
static void free_enter(BuddyHeap *heap, uint64_t offset, unsigned order)
{
    uint64_t *list = heap->list[order];
    uint64_t at = list_position(heap, order, offset);
    memmove(&list[at + 1], &list[at], (heap->list_count[order] - at) * sizeof *list);
    list[at] = offset;
    heap->list_count[order]++;
    set_header(heap, offset, order, false);
    heap->stats.free_blocks++;
    heap->stats.free_bytes += order_size(order);
}

static void free_leave(BuddyHeap *heap, uint64_t offset, unsigned order)
{
    uint64_t *list = heap->list[order];
    uint64_t at = list_position(heap, order, offset);
    memmove(&list[at], &list[at + 1], (heap->list_count[order] - at - 1) * sizeof *list);
    list[--heap->list_count[order]] = 0;
    heap->stats.free_blocks--;
    heap->stats.free_bytes -= order_size(order);
}

/* Room for the list inserts one call may make (one per order), made before
 * any change, so running out of host memory leaves the heap whole. */
static bool reserve_lists(BuddyHeap *heap)
{
    for (unsigned order = BUDDY_MIN_ORDER; order <= heap->top; order++)
        if (!list_reserve(heap, order, heap->list_count[order] + 1))
            return false;
    return block_map_reserve(&heap->live, 1);
}

/* ---- malloc, free, realloc ------------------------------------------------- */

/* The order a request of n bytes needs, or top + 1 if none is big enough. */
static unsigned request_order(const BuddyHeap *heap, uint64_t n)
{
    if (n > heap->region - BUDDY_HEADER_BYTES)
        return heap->top + 1;
    unsigned order = BUDDY_MIN_ORDER;
    while (order_size(order) < n + BUDDY_HEADER_BYTES)
        order++;
    return order;
}

/* The smallest order >= k with a free block, counting each order looked
 * at; top + 1 if none has one. */
static unsigned find_order(BuddyHeap *heap, unsigned k)
{
    for (unsigned order = k; order <= heap->top; order++) {
        heap->event.examined++;
        if (heap->list_count[order])
            return order;
    }
    return heap->top + 1;
}

static HeapError fail_no_fit(BuddyHeap *heap, unsigned k)
{
    HeapStats *s = &heap->stats;
    bool fragmented = k <= heap->top && s->free_bytes >= order_size(k);
    s->failed++;
    s->failed_fragmented += fragmented;
    heap->event.fragmented = fragmented;
    heap->event.free_bytes = s->free_bytes;
    heap->event.largest_free = s->largest_free;
    return HEAP_ERROR_OUT_OF_MEMORY;
}

/* Finds and splits a block for n > 0 bytes. */
static HeapError allocate(BuddyHeap *heap, uint64_t n, uint64_t *payload)
{
    unsigned k = request_order(heap, n);
    unsigned order = k <= heap->top ? find_order(heap, k) : heap->top + 1;
    if (order > heap->top)
        return fail_no_fit(heap, k);
    uint64_t offset = heap->list[order][0];
    heap->event.asize = order_size(k);
    heap->event.chosen_free_size = order_size(order);
    free_leave(heap, offset, order);
    while (order > k) {
        order--;
        free_enter(heap, offset + order_size(order), order);
        heap->event.split = true;
        heap->event.split_offset = offset + order_size(order);
    }
    set_header(heap, offset, k, true);
    block_map_insert(&heap->live, offset + BUDDY_HEADER_BYTES, n);
    design_count_used(&heap->stats, offset, order_size(k), n);
    heap->event.block_offset = offset;
    heap->event.block_size = order_size(k);
    *payload = offset + BUDDY_HEADER_BYTES;
    heap->event.result = *payload;
    return HEAP_OK;
}

/* Frees the live block whose live-map value is `requested`, merging it
 * with its buddy while the buddy is free and of the same order. */
static void release(BuddyHeap *heap, uint64_t payload, uint64_t *requested)
{
    uint64_t offset = payload - BUDDY_HEADER_BYTES;
    unsigned order = order_at(heap, offset);
    HeapEvent *event = &heap->event;
    design_uncount_used(&heap->stats, order_size(order), *requested);
    block_map_remove(&heap->live, requested);
    event->block_offset = offset;
    event->block_size = order_size(order);
    while (order < heap->top) {
        uint64_t buddy = offset ^ order_size(order);
        if (order_at(heap, buddy) != order || is_allocated(heap, buddy))
            break;
        free_leave(heap, buddy, order);
        clear_header(heap, buddy > offset ? buddy : offset);
        event->coalesced_previous |= buddy < offset;
        event->coalesced_next |= buddy > offset;
        event->merges++;
        offset &= ~order_size(order);
        order++;
    }
    free_enter(heap, offset, order);
    event->merged_offset = offset;
    event->merged_size = order_size(order);
}

/* Ends every call: the derived figures. */
static HeapError finish(BuddyHeap *heap, HeapError error)
{
    HeapStats *s = &heap->stats;
    s->largest_free = 0;
    for (unsigned order = heap->top + 1; order-- > BUDDY_MIN_ORDER;) {
        if (heap->list_count[order]) {
            s->largest_free = order_size(order);
            break;
        }
    }
    s->examined += heap->event.examined;
    design_note_peak(s);
    design_fill_fragmentation(s);
    s->utilization = s->high_water ? (double)s->peak_payload / (double)s->high_water : 0.0;
    heap->event.error = error;
    return error;
}

static HeapError reject(BuddyHeap *heap, uint64_t payload)
{
    uint64_t offset = payload - BUDDY_HEADER_BYTES;
    bool was_freed = payload >= BUDDY_HEADER_BYTES && offset < heap->region &&
                     offset % order_size(BUDDY_MIN_ORDER) == 0 && order_at(heap, offset) &&
                     !is_allocated(heap, offset);
    heap->stats.errors++;
    return finish(heap, was_freed ? HEAP_ERROR_DOUBLE_FREE : HEAP_ERROR_INVALID_POINTER);
}

static HeapError buddy_malloc(Allocator *allocator, uint64_t n, uint64_t *payload)
{
    BuddyHeap *heap = as_buddy(allocator);
    *payload = 0;
    design_event_begin(&heap->event, HEAP_EVENT_MALLOC, 0, n);
    if (n == 0)
        return finish(heap, HEAP_OK);
    if (!reserve_lists(heap))
        return HEAP_ERROR_OUT_OF_MEMORY;
    HeapError error = allocate(heap, n, payload);
    heap->stats.mallocs += error == HEAP_OK;
    return finish(heap, error);
}

static HeapError buddy_free(Allocator *allocator, uint64_t payload)
{
    BuddyHeap *heap = as_buddy(allocator);
    design_event_begin(&heap->event, HEAP_EVENT_FREE, payload, 0);
    if (payload == 0)
        return finish(heap, HEAP_OK);
    if (!reserve_lists(heap))
        return HEAP_ERROR_OUT_OF_MEMORY;
    uint64_t *requested = block_map_find(&heap->live, payload);
    if (!requested)
        return reject(heap, payload);
    release(heap, payload, requested);
    heap->stats.frees++;
    return finish(heap, HEAP_OK);
}

/* realloc that fits the block it has: only the request changes. */
static HeapError resize_in_place(BuddyHeap *heap, uint64_t payload, uint64_t *requested, uint64_t n)
{
    uint64_t offset = payload - BUDDY_HEADER_BYTES;
    heap->event.realloc_mode = HEAP_REALLOC_SHRUNK; /* stayed in place, grown or not */
    heap->event.block_offset = offset;
    heap->event.block_size = order_size(order_at(heap, offset));
    heap->event.result = payload;
    heap->stats.payload_bytes += n - *requested;
    *requested = n;
    heap->stats.reallocs++;
    return finish(heap, HEAP_OK);
}

static HeapError buddy_realloc(Allocator *allocator, uint64_t payload, uint64_t n, uint64_t *result)
{
    BuddyHeap *heap = as_buddy(allocator);
    *result = 0;
    design_event_begin(&heap->event, HEAP_EVENT_REALLOC, payload, n);
    if (!reserve_lists(heap))
        return HEAP_ERROR_OUT_OF_MEMORY;
    uint64_t *requested = block_map_find(&heap->live, payload);
    if (!requested)
        return reject(heap, payload);
    uint64_t offset = payload - BUDDY_HEADER_BYTES;
    uint64_t capacity = order_size(order_at(heap, offset)) - BUDDY_HEADER_BYTES;
    if (n <= capacity) {
        *result = payload;
        return resize_in_place(heap, payload, requested, n);
    }
    HeapError error = allocate(heap, n, result);
    if (error != HEAP_OK)
        return finish(heap, error);
    memcpy(heap->memory + *result, heap->memory + payload, capacity);
    uint64_t new_offset = heap->event.block_offset, new_size = heap->event.block_size;
    release(heap, payload, block_map_find(&heap->live, payload));
    heap->event.old_block_offset = offset;
    heap->event.block_offset = new_offset;
    heap->event.block_size = new_size;
    heap->event.realloc_mode = HEAP_REALLOC_MOVED;
    heap->stats.reallocs++;
    return finish(heap, HEAP_OK);
}

/* ---- lifetime -------------------------------------------------------------- */

static void buddy_destroy(Allocator *allocator)
{
    BuddyHeap *heap = as_buddy(allocator);
    if (!heap)
        return;
    zeroed_memory_release(heap->memory, heap->region);
    free(heap->map);
    for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++)
        free(heap->list[order]);
    block_map_release(&heap->live);
    free(heap);
}

/* An empty heap of `region` bytes (no blocks yet), or NULL. */
static BuddyHeap *new_heap(const AllocatorConfig *config, uint64_t region)
{
    BuddyHeap *heap = calloc(1, sizeof *heap);
    if (!heap)
        return NULL;
    heap->base.design = &buddy_design;
    heap->config = *config;
    heap->region = region;
    while (order_size(heap->top) < region)
        heap->top++;
    heap->memory = zeroed_memory_get(region);
    heap->map = calloc(map_bytes(region), 1);
    if (!block_map_init(&heap->live) || !heap->memory || !heap->map) {
        buddy_destroy(&heap->base);
        return NULL;
    }
    return heap;
}

static HeapError buddy_create(const AllocatorConfig *config, Allocator **out)
{
    *out = NULL;
    uint64_t region = order_size(BUDDY_MIN_ORDER);
    if (config->heap_bytes < region || config->heap_bytes >= order_size(BUDDY_MAX_ORDER + 1))
        return HEAP_ERROR_INVALID_CONFIG;
    while (region * 2 <= config->heap_bytes)
        region *= 2;
    BuddyHeap *heap = new_heap(config, region);
    if (!heap || !list_reserve(heap, heap->top, 1)) {
        buddy_destroy(heap ? &heap->base : NULL);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    free_enter(heap, 0, heap->top);
    heap->stats.heap_bytes = region;
    heap->event = (HeapEvent){ .kind = HEAP_EVENT_NONE };
    finish(heap, HEAP_OK);
    *out = &heap->base;
    return HEAP_OK;
}

static HeapError buddy_copy(Allocator *target, const Allocator *source)
{
    BuddyHeap *to = as_buddy(target);
    const BuddyHeap *from = as_const_buddy(source);
    if (to->region != from->region)
        return HEAP_ERROR_INVALID_CONFIG;
    for (unsigned order = 0; order <= from->top; order++) {
        uint64_t count = from->list_count[order];
        if (!resize_list(to, order, from->list_capacity[order]))
            return HEAP_ERROR_OUT_OF_MEMORY;
        if (count > 0) /* an empty list may have no array at all */
            memcpy(to->list[order], from->list[order], count * sizeof(uint64_t));
        if (to->list_capacity[order] > count)
            memset(to->list[order] + count, 0, (to->list_capacity[order] - count) * sizeof(uint64_t));
        to->list_count[order] = count;
    }
    if (!block_map_copy(&to->live, &from->live))
        return HEAP_ERROR_OUT_OF_MEMORY;
    uint64_t touched = to->stats.high_water > from->stats.high_water ? to->stats.high_water
                                                                      : from->stats.high_water;
    memset(to->memory, 0, touched);
    memcpy(to->memory, from->memory, from->stats.high_water);
    memcpy(to->map, from->map, map_bytes(from->region));
    to->stats = from->stats;
    to->event = from->event;
    return HEAP_OK;
}

static HeapError buddy_clone(const Allocator *source, Allocator **out)
{
    *out = NULL;
    const BuddyHeap *from = as_const_buddy(source);
    BuddyHeap *heap = new_heap(&from->config, from->region);
    if (!heap)
        return HEAP_ERROR_OUT_OF_MEMORY;
    if (buddy_copy(&heap->base, source) != HEAP_OK) {
        buddy_destroy(&heap->base);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    *out = &heap->base;
    return HEAP_OK;
}

/* ---- read-only views ------------------------------------------------------- */

static const AllocatorConfig *buddy_config(const Allocator *allocator)
{
    return &as_const_buddy(allocator)->config;
}

static const HeapStats *buddy_stats(const Allocator *allocator)
{
    return &as_const_buddy(allocator)->stats;
}

static const HeapEvent *buddy_last_event(const Allocator *allocator)
{
    return &as_const_buddy(allocator)->event;
}

static uint64_t buddy_region_start(const Allocator *allocator)
{
    (void)allocator;
    return 0;
}

static uint64_t buddy_region_end(const Allocator *allocator)
{
    return as_const_buddy(allocator)->region;
}

static bool describe_block(const BuddyHeap *heap, uint64_t offset, HeapBlock *block)
{
    if (offset >= heap->region)
        return false;
    bool used = is_allocated(heap, offset);
    const uint64_t *requested = used ? block_map_find(&heap->live, offset + BUDDY_HEADER_BYTES) : NULL;
    *block = (HeapBlock){ .offset = offset, .size = order_size(order_at(heap, offset)),
                          .state = used ? HEAP_BLOCK_USED : HEAP_BLOCK_FREE,
                          .requested = requested ? *requested : 0,
                          .payload = offset + BUDDY_HEADER_BYTES, .header = header_word(heap, offset),
                          .header_bytes = BUDDY_HEADER_BYTES, .footer_bytes = 0 };
    return true;
}

static bool buddy_first_block(const Allocator *allocator, HeapBlock *block)
{
    return describe_block(as_const_buddy(allocator), 0, block);
}

static bool buddy_next_block(const Allocator *allocator, HeapBlock *block)
{
    return describe_block(as_const_buddy(allocator), block->offset + block->size, block);
}

/* The block holding `offset` starts at offset rounded down to its own size:
 * try each order from the smallest up (O(log region)). */
static bool buddy_block_at(const Allocator *allocator, uint64_t offset, HeapBlock *block)
{
    const BuddyHeap *heap = as_const_buddy(allocator);
    if (offset >= heap->region)
        return false;
    for (unsigned order = BUDDY_MIN_ORDER; order <= heap->top; order++) {
        uint64_t start = offset & ~(order_size(order) - 1);
        if (order_at(heap, start) == order)
            return describe_block(heap, start, block);
    }
    return false;
}

/* The free lists, order by order from the smallest, each by address. */
static uint64_t buddy_free_list(const Allocator *allocator, FreeListEntry *entries, uint64_t max)
{
    const BuddyHeap *heap = as_const_buddy(allocator);
    uint64_t count = 0;
    for (unsigned order = BUDDY_MIN_ORDER; order <= heap->top; order++)
        for (uint64_t i = 0; i < heap->list_count[order]; i++, count++)
            if (count < max)
                entries[count] = (FreeListEntry){ .offset = heap->list[order][i],
                                                  .size = order_size(order), .list = order };
    return count;
}

static uint8_t *buddy_payload_bytes(Allocator *allocator, uint64_t payload, uint64_t *capacity)
{
    BuddyHeap *heap = as_buddy(allocator);
    if (!block_map_find(&heap->live, payload))
        return NULL;
    if (capacity)
        *capacity = order_size(order_at(heap, payload - BUDDY_HEADER_BYTES)) - BUDDY_HEADER_BYTES;
    return heap->memory + payload;
}

static uint64_t buddy_memory_bytes(const Allocator *allocator)
{
    const BuddyHeap *heap = as_const_buddy(allocator);
    uint64_t bytes = sizeof *heap + map_bytes(heap->region) + heap->stats.high_water +
                     heap->live.capacity * sizeof(BlockMapSlot);
    for (unsigned order = 0; order <= heap->top; order++)
        bytes += heap->list_capacity[order] * sizeof(uint64_t);
    return bytes;
}

/* ---- the checker ----------------------------------------------------------- */

static uint64_t count_map_starts(const BuddyHeap *heap)
{
    uint64_t count = 0;
    for (uint64_t unit = 0; unit < heap->region >> BUDDY_MIN_ORDER; unit++)
        count += heap->map[unit] != 0;
    return count;
}

/* Walks the blocks; recounts into `recount`. False if they do not tile. */
static bool check_tiling(const BuddyHeap *heap, HeapCheck *check, HeapStats *recount)
{
    uint64_t blocks = 0, offset = 0;
    while (offset < heap->region) {
        unsigned order = order_at(heap, offset);
        if (order < BUDDY_MIN_ORDER || order > heap->top || offset % order_size(order)) {
            design_note_problem(check, BUDDY_CHECK_TILING, offset);
            return false;
        }
        bool used = is_allocated(heap, offset);
        const uint64_t *requested = block_map_find(&heap->live, offset + BUDDY_HEADER_BYTES);
        if (used != (requested != NULL))
            design_note_problem(check, BUDDY_CHECK_LIVE, offset);
        uint64_t buddy = offset ^ order_size(order);
        if (!used && order < heap->top && order_at(heap, buddy) == order && !is_allocated(heap, buddy))
            design_note_problem(check, BUDDY_CHECK_BUDDIES, offset);
        recount->used_blocks += used;
        recount->bytes_in_use += used ? order_size(order) : 0;
        recount->payload_bytes += requested ? *requested : 0;
        recount->free_blocks += !used;
        recount->free_bytes += used ? 0 : order_size(order);
        blocks++;
        offset += order_size(order);
    }
    if (count_map_starts(heap) != blocks)
        design_note_problem(check, BUDDY_CHECK_TILING, 0);
    return true;
}

static void check_lists(const BuddyHeap *heap, HeapCheck *check, uint64_t free_blocks)
{
    uint64_t listed = 0;
    for (unsigned order = 0; order <= heap->top; order++) {
        const uint64_t *list = heap->list[order];
        for (uint64_t i = 0; i < heap->list_count[order]; i++) {
            uint64_t offset = list[i];
            bool fine = offset < heap->region && offset % order_size(BUDDY_MIN_ORDER) == 0 &&
                        heap->map[offset >> BUDDY_MIN_ORDER] && order_at(heap, offset) == order &&
                        !is_allocated(heap, offset) && (i == 0 || list[i - 1] < offset);
            if (!fine)
                design_note_problem(check, BUDDY_CHECK_LISTS, offset);
        }
        listed += heap->list_count[order];
    }
    if (listed != free_blocks)
        design_note_problem(check, BUDDY_CHECK_LISTS, 0);
}

static HeapCheck buddy_check(const Allocator *allocator)
{
    const BuddyHeap *heap = as_const_buddy(allocator);
    HeapCheck check = { 0 };
    HeapStats recount = { 0 };
    if (!check_tiling(heap, &check, &recount))
        return check;
    check_lists(heap, &check, recount.free_blocks);
    const HeapStats *s = &heap->stats;
    if (heap->live.count != recount.used_blocks)
        design_note_problem(&check, BUDDY_CHECK_LIVE, 0);
    if (s->used_blocks != recount.used_blocks || s->bytes_in_use != recount.bytes_in_use ||
        s->payload_bytes != recount.payload_bytes || s->free_blocks != recount.free_blocks ||
        s->free_bytes != recount.free_bytes || s->heap_bytes != heap->region ||
        s->peak_payload < s->payload_bytes)
        design_note_problem(&check, BUDDY_CHECK_STATS, 0);
    return check;
}

static const char *buddy_check_flag_name(unsigned flag)
{
    switch (flag) {
    case BUDDY_CHECK_TILING: return "blocks do not tile the region (order or alignment)";
    case BUDDY_CHECK_BUDDIES: return "a free block has a free buddy of its order";
    case BUDDY_CHECK_LISTS: return "free lists disagree with the free blocks";
    case BUDDY_CHECK_LIVE: return "live map disagrees with the used blocks";
    case BUDDY_CHECK_STATS: return "statistics differ from a recount";
    }
    return "unknown";
}

static AllocatorSpan whole_span(void *bytes, uint64_t size)
{
    return (AllocatorSpan){ .bytes = bytes, .size = size, .used = size };
}

/* The scalars (list counts and capacities, statistics, event), the region's
 * bytes to the high water, the header map, the live map and each order's
 * list (allocator.h's state_spans). */
static uint32_t buddy_state_spans(Allocator *allocator, AllocatorSpan *spans)
{
    BuddyHeap *heap = as_buddy(allocator);
    uint32_t count = 0;
    spans[count++] = whole_span(heap->list_count, sizeof *heap - offsetof(BuddyHeap, list_count));
    spans[count++] = (AllocatorSpan){ .bytes = heap->memory, .size = heap->region,
                                      .used = (heap->stats.high_water + 7) / 8 * 8 };
    spans[count++] = whole_span(heap->map, map_bytes(heap->region));
    spans[count++] = whole_span(&heap->live.capacity, sizeof heap->live - offsetof(BlockMap, capacity));
    spans[count++] = whole_span(heap->live.slots, heap->live.capacity * sizeof *heap->live.slots);
    for (unsigned order = BUDDY_MIN_ORDER; order <= heap->top; order++) {
        uint64_t *list = heap->list[order];
        spans[count++] = (AllocatorSpan){ .bytes = (uint8_t *)list,
                                          .size = heap->list_capacity[order] * sizeof *list,
                                          .used = heap->list_count[order] * sizeof *list };
    }
    return count;
}

const AllocatorDesign buddy_design = {
    .name = "buddy",
    .summary = "the binary buddy system: power-of-two blocks that split and merge with their buddies",
    .policies = POLICIES,
    .list_orders = NULL,
    .features = ALLOCATOR_HAS_FREE_LIST,
    .create = buddy_create,
    .clone = buddy_clone,
    .copy = buddy_copy,
    .destroy = buddy_destroy,
    .malloc = buddy_malloc,
    .free = buddy_free,
    .realloc = buddy_realloc,
    .compact = NULL,
    .config = buddy_config,
    .stats = buddy_stats,
    .last_event = buddy_last_event,
    .check = buddy_check,
    .check_flag_name = buddy_check_flag_name,
    .region_start = buddy_region_start,
    .region_end = buddy_region_end,
    .region_limit = buddy_region_end,
    .first_block = buddy_first_block,
    .next_block = buddy_next_block,
    .block_at = buddy_block_at,
    .free_list = buddy_free_list,
    .search_path = NULL,
    .markers = NULL,
    .payload_bytes = buddy_payload_bytes,
    .memory_bytes = buddy_memory_bytes,
    .state_spans = buddy_state_spans,
};
