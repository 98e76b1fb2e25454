/*
 * textbook.c - the CS:APP textbook heap shared by the csapp designs (see
 * textbook.h for the layout).
 *
 * The book's code, with offsets instead of pointers and no globals:
 *   malloc(n): n = 0 returns 0 and changes nothing. Otherwise
 *     asize = 16 if n <= 8, else 8 * ceil((n + 8) / 8), and at least the
 *     design's minimum block; the design's find_fit; with no fit, extend the
 *     heap by max(asize, CHUNKSIZE) (failing as a whole if that passes the
 *     cap), then place.
 *   place splits when csize - asize >= the minimum block; the low part is
 *     allocated.
 *   free coalesces at once: the four cases. On an explicit list the free
 *     neighbours leave their lists first, then the merged block goes in.
 *   extend: the old epilogue becomes the header of a new free block, a new
 *     epilogue goes at the end, and the block coalesces with a free block
 *     before it.
 *   realloc(p, 0) is free, realloc(0, n) malloc; otherwise malloc a new
 *     block while p is still allocated, copy min(n, old payload) bytes, free
 *     p. On failure p is untouched.
 * Next fit's rover moves to a merged block's start when a merge swallows it
 * (the book's fix in coalesce). A malloc that fails leaves the rover where
 * it was before the call; that is where the book's failed search leaves it
 * too, or at the epilogue, from where the next search visits the same
 * blocks in the same order.
 *
 * Free blocks' pred and succ are 8-byte payload offsets (the book's bp; 0 is
 * NULL) at payload + 0 and payload + 8. LIFO lists take new blocks at the
 * head; address-ordered lists walk to the block's place.
 *
 * Statistics are kept as calls go; the largest free block is recounted by
 * a walk only at the end of a call that used up the largest one.
 * Utilization is mdriver's: the peak of requested bytes live over the run
 * (a realloc counts its new size), divided by the heap size now.
 *
 * Invariants (textbook_check reports each kind it finds broken):
 *  FRAME     the pad is 0, the prologue 8|1 twice, the epilogue 0|1 at brk-4;
 *  TILING    blocks from 12 tile [12, brk-4): sizes multiples of 8 and at
 *            least the minimum block, header == footer;
 *  COALESCING no two free blocks are neighbours;
 *  STARTS    the block-start bitmap marks exactly the blocks' headers;
 *  LIVE      the live map holds exactly the used blocks' payloads;
 *  STATS     every count equals a recount, heap_bytes the break;
 *  ROVER     the rover is the prologue, a block or the epilogue;
 *  LISTS     the lists hold exactly the free blocks, each on its size's
 *            list, pred links matching, in address order where asked.
 */
#include "textbook.h"

#include "design_support.h"

#include <stddef.h>
#include <stdlib.h>

/* The most a heap may grow to: offsets stay far from overflow. */
#define TEXTBOOK_MAX_HEAP (UINT64_C(1) << 40)

static TextbookHeap *as_textbook(Allocator *allocator) { return (TextbookHeap *)allocator; }

static const TextbookHeap *as_const_textbook(const Allocator *allocator)
{
    return (const TextbookHeap *)allocator;
}

/* ---- words and tags ------------------------------------------------------ */

static void put_word(TextbookHeap *heap, uint64_t offset, uint32_t word)
{
    memcpy(heap->memory + offset, &word, sizeof word);
    design_event_touch(&heap->event, offset, offset + sizeof word);
}

static void write_tags(TextbookHeap *heap, uint64_t offset, uint64_t size, bool allocated)
{
    uint32_t word = (uint32_t)size | (allocated ? 1u : 0u);
    put_word(heap, offset, word);
    put_word(heap, offset + size - TEXTBOOK_WSIZE, word);
}

/* The size in the footer that ends just before `offset`. */
static uint64_t size_before(const TextbookHeap *heap, uint64_t offset)
{
    return textbook_size(heap, offset - TEXTBOOK_WSIZE);
}

/* ---- the block-start bitmap (headers sit at 8k + 4: bit k) --------------- */

static bool is_start(const TextbookHeap *heap, uint64_t offset)
{
    uint64_t bit = offset / 8;
    return offset % 8 == 4 && bit / 64 < heap->start_words &&
           (heap->starts[bit / 64] >> (bit % 64) & 1u);
}

static void set_start(TextbookHeap *heap, uint64_t offset, bool on)
{
    uint64_t bit = offset / 8;
    uint64_t mask = UINT64_C(1) << (bit % 64);
    heap->starts[bit / 64] = on ? heap->starts[bit / 64] | mask : heap->starts[bit / 64] & ~mask;
}

/* The highest block header at or below `offset` (>= 12 by the caller). */
static uint64_t start_at_or_below(const TextbookHeap *heap, uint64_t offset)
{
    uint64_t bit = (offset - 4) / 8;
    uint64_t word = bit / 64;
    uint64_t bits = heap->starts[word] & (~UINT64_C(0) >> (63 - bit % 64));
    while (bits == 0 && word > 0)
        bits = heap->starts[--word];
    if (bits == 0)
        return 0;
    return (word * 64 + 63 - (uint64_t)__builtin_clzll(bits)) * 8 + 4;
}

/* Gives memory exactly `capacity` bytes (a multiple of 8) and the bitmap a
 * bit for each of its 8-byte units, zeroing what is new to either; false if
 * the host ran out. The bitmap goes first and each field changes only with
 * its own block, so a call that fails leaves sizes that tell the truth (and
 * the next call at that capacity tries again). */
static bool resize_memory(TextbookHeap *heap, uint64_t capacity)
{
    if (capacity == heap->memory_capacity)
        return true;
    uint64_t words = capacity / 512 + 1;
    uint64_t *starts = realloc(heap->starts, words * sizeof *starts);
    if (!starts)
        return false;
    if (words > heap->start_words)
        memset(starts + heap->start_words, 0, (words - heap->start_words) * sizeof *starts);
    heap->starts = starts;
    heap->start_words = words;
    uint8_t *memory = realloc(heap->memory, capacity);
    if (!memory)
        return false;
    if (capacity > heap->memory_capacity)
        memset(memory + heap->memory_capacity, 0, capacity - heap->memory_capacity);
    heap->memory = memory;
    heap->memory_capacity = capacity;
    return true;
}

/* Makes memory and bitmap hold `bytes` bytes of heap, doubling as it grows
 * up to the cap; false if the host ran out (nothing changed). */
static bool reserve_bytes(TextbookHeap *heap, uint64_t bytes)
{
    if (bytes <= heap->memory_capacity)
        return true;
    uint64_t cap = (heap->config.heap_bytes + 7) / 8 * 8;
    uint64_t capacity = heap->memory_capacity * 2 > bytes ? heap->memory_capacity * 2 : bytes;
    capacity = (capacity + 7) / 8 * 8;
    return resize_memory(heap, capacity < cap ? capacity : cap);
}

/* ---- free lists ---------------------------------------------------------- */

enum { LINK_PRED = 4, LINK_SUCC = 12 }; /* from the header: payload + 0, + 8 */

static uint64_t link_get(const TextbookHeap *heap, uint64_t offset, unsigned link)
{
    uint64_t payload;
    memcpy(&payload, heap->memory + offset + link, sizeof payload);
    return payload ? payload - TEXTBOOK_WSIZE : 0;
}

static void link_set(TextbookHeap *heap, uint64_t offset, unsigned link, uint64_t node)
{
    uint64_t payload = node ? node + TEXTBOOK_WSIZE : 0;
    memcpy(heap->memory + offset + link, &payload, sizeof payload);
    design_event_touch(&heap->event, offset + link, offset + link + sizeof payload);
}

uint64_t textbook_list_first(const TextbookHeap *heap, uint32_t list)
{
    return heap->heads[list] ? heap->heads[list] - TEXTBOOK_WSIZE : 0;
}

uint64_t textbook_list_next(const TextbookHeap *heap, uint64_t offset)
{
    return link_get(heap, offset, LINK_SUCC);
}

static void set_head(TextbookHeap *heap, uint32_t list, uint64_t node)
{
    heap->heads[list] = node ? node + TEXTBOOK_WSIZE : 0;
}

/* Links `node` in after `pred` (0: at the head of `list`). */
static void link_after(TextbookHeap *heap, uint32_t list, uint64_t pred, uint64_t node)
{
    uint64_t succ = pred ? link_get(heap, pred, LINK_SUCC) : textbook_list_first(heap, list);
    link_set(heap, node, LINK_PRED, pred);
    link_set(heap, node, LINK_SUCC, succ);
    if (succ)
        link_set(heap, succ, LINK_PRED, node);
    if (pred)
        link_set(heap, pred, LINK_SUCC, node);
    else
        set_head(heap, list, node);
}

static void list_insert(TextbookHeap *heap, uint64_t offset, uint64_t size)
{
    uint32_t list = heap->rules->list_of(size);
    uint64_t pred = 0;
    if (heap->address_ordered) {
        for (uint64_t node = textbook_list_first(heap, list); node && node < offset;
             node = textbook_list_next(heap, node))
            pred = node;
    }
    link_after(heap, list, pred, offset);
}

static void list_remove(TextbookHeap *heap, uint64_t offset, uint64_t size)
{
    uint64_t pred = link_get(heap, offset, LINK_PRED);
    uint64_t succ = link_get(heap, offset, LINK_SUCC);
    if (pred)
        link_set(heap, pred, LINK_SUCC, succ);
    else
        set_head(heap, heap->rules->list_of(size), succ);
    if (succ)
        link_set(heap, succ, LINK_PRED, pred);
}

bool textbook_list_fit(TextbookHeap *heap, uint64_t asize, uint64_t *offset)
{
    for (uint32_t list = heap->rules->list_of(asize); list < heap->rules->list_count; list++) {
        for (uint64_t node = textbook_list_first(heap, list); node; node = textbook_list_next(heap, node)) {
            heap->event.examined++;
            if (textbook_size(heap, node) >= asize) {
                *offset = node;
                return true;
            }
        }
    }
    return false;
}

/* ---- free blocks come and go --------------------------------------------- */

/* A free block of `size` at `offset` (tags written) joins the free blocks. */
static void free_enter(TextbookHeap *heap, uint64_t offset, uint64_t size)
{
    HeapStats *s = &heap->stats;
    s->free_blocks++;
    s->free_bytes += size;
    if (size >= s->largest_free) {
        s->largest_free = size;
        heap->largest_stale = false;
    }
    if (heap->rules->list_count)
        list_insert(heap, offset, size);
}

/* The free block at `offset` leaves (its links still intact). */
static void free_leave(TextbookHeap *heap, uint64_t offset, uint64_t size)
{
    HeapStats *s = &heap->stats;
    s->free_blocks--;
    s->free_bytes -= size;
    if (size == s->largest_free)
        heap->largest_stale = true;
    if (heap->rules->list_count)
        list_remove(heap, offset, size);
}

/* The four cases: merges the free-tagged block at `offset` (on no list)
 * with free neighbours and files the result; returns its offset. `report`
 * (may be NULL) hears which neighbours merged. */
static uint64_t coalesce(TextbookHeap *heap, uint64_t offset, HeapEvent *report)
{
    uint64_t start = offset;
    uint64_t end = offset + textbook_size(heap, offset);
    bool previous_free = !textbook_is_allocated(heap, offset - TEXTBOOK_WSIZE);
    bool next_free = !textbook_is_allocated(heap, end);
    if (next_free) {
        uint64_t next_size = textbook_size(heap, end);
        free_leave(heap, end, next_size);
        set_start(heap, end, false);
        end += next_size;
    }
    if (previous_free) {
        start = offset - size_before(heap, offset);
        free_leave(heap, start, offset - start);
        set_start(heap, offset, false);
    }
    write_tags(heap, start, end - start, false);
    free_enter(heap, start, end - start);
    if (heap->rover > start && heap->rover < end)
        heap->rover = start;
    if (report) {
        report->coalesced_previous = previous_free;
        report->coalesced_next = next_free;
        report->merged_offset = start;
        report->merged_size = end - start;
    }
    return start;
}

/* Moves the break up by `bytes` (reserved by the caller); returns the new
 * free block, merged with a free block before it. */
static uint64_t extend_heap(TextbookHeap *heap, uint64_t bytes)
{
    uint64_t offset = textbook_epilogue(heap);
    heap->brk += bytes;
    write_tags(heap, offset, bytes, false);
    put_word(heap, textbook_epilogue(heap), 1u);
    set_start(heap, offset, true);
    heap->event.extended_bytes += bytes;
    heap->stats.heap_bytes = heap->brk;
    return coalesce(heap, offset, NULL);
}

/* Allocates asize bytes of the free block at `offset` for a request of n;
 * returns the payload offset. */
static uint64_t place(TextbookHeap *heap, uint64_t offset, uint64_t asize, uint64_t n)
{
    uint64_t csize = textbook_size(heap, offset);
    uint64_t size = csize;
    free_leave(heap, offset, csize);
    heap->event.chosen_free_size = csize;
    if (csize - asize >= heap->rules->min_block) {
        size = asize;
        uint64_t rest = offset + asize;
        write_tags(heap, rest, csize - asize, false);
        set_start(heap, rest, true);
        free_enter(heap, rest, csize - asize);
        heap->event.split = true;
        heap->event.split_offset = rest;
    }
    write_tags(heap, offset, size, true);
    block_map_insert(&heap->live, offset + TEXTBOOK_WSIZE, n);
    design_count_used(&heap->stats, offset, size, n);
    heap->event.block_offset = offset;
    heap->event.block_size = size;
    return offset + TEXTBOOK_WSIZE;
}

/* ---- statistics ---------------------------------------------------------- */

static uint64_t recount_largest_free(const TextbookHeap *heap)
{
    uint64_t largest = 0;
    for (uint64_t offset = TEXTBOOK_FIRST_BLOCK; offset < textbook_epilogue(heap);
         offset += textbook_size(heap, offset))
        if (!textbook_is_allocated(heap, offset) && textbook_size(heap, offset) > largest)
            largest = textbook_size(heap, offset);
    return largest;
}

static void refresh_largest(TextbookHeap *heap)
{
    if (heap->largest_stale)
        heap->stats.largest_free = recount_largest_free(heap);
    heap->largest_stale = false;
}

/* Ends every call: the derived figures and the run's totals. */
static HeapError finish(TextbookHeap *heap, HeapError error)
{
    HeapStats *s = &heap->stats;
    refresh_largest(heap);
    s->examined += heap->event.examined;
    s->heap_bytes = heap->brk;
    design_note_peak(s);
    design_fill_fragmentation(s);
    s->utilization = (double)s->peak_payload / (double)heap->brk;
    heap->event.error = error;
    return error;
}

/* Counts a request no block could take; the heap is as it was. */
static HeapError fail_no_fit(TextbookHeap *heap, uint64_t asize)
{
    HeapStats *s = &heap->stats;
    bool fragmented = asize && s->free_bytes >= asize;
    s->failed++;
    s->failed_fragmented += fragmented;
    refresh_largest(heap);
    heap->event.fragmented = fragmented;
    heap->event.free_bytes = s->free_bytes;
    heap->event.largest_free = s->largest_free;
    return HEAP_ERROR_OUT_OF_MEMORY;
}

/* ---- malloc, free, realloc ----------------------------------------------- */

/* The book's adjusted size, at least the design's minimum block. */
static uint64_t adjusted_size(const TextbookHeap *heap, uint64_t n)
{
    uint64_t asize = n <= TEXTBOOK_DSIZE ? 2 * TEXTBOOK_DSIZE
                                         : TEXTBOOK_DSIZE * ((n + 2 * TEXTBOOK_DSIZE - 1) / TEXTBOOK_DSIZE);
    return asize > heap->rules->min_block ? asize : heap->rules->min_block;
}

/* The shared part of malloc and realloc: finds or makes a block for n > 0. */
static HeapError allocate(TextbookHeap *heap, uint64_t n, uint64_t *payload)
{
    if (n > TEXTBOOK_MAX_HEAP || !block_map_reserve(&heap->live, 1))
        return fail_no_fit(heap, 0);
    uint64_t asize = adjusted_size(heap, n);
    uint64_t rover = heap->rover;
    uint64_t offset = 0;
    heap->event.asize = asize;
    if (!heap->find_fit(heap, asize, &offset)) {
        uint64_t extend = asize > heap->config.chunk_bytes ? asize : heap->config.chunk_bytes;
        if (extend > heap->config.heap_bytes - heap->brk ||
            !reserve_bytes(heap, heap->brk + extend)) {
            heap->rover = rover;
            return fail_no_fit(heap, asize);
        }
        offset = extend_heap(heap, extend);
    }
    *payload = place(heap, offset, asize, n);
    heap->event.result = *payload;
    return HEAP_OK;
}

/* Frees the live block whose live-map value is `requested`. */
static void release(TextbookHeap *heap, uint64_t payload, uint64_t *requested)
{
    uint64_t offset = payload - TEXTBOOK_WSIZE;
    uint64_t size = textbook_size(heap, offset);
    design_uncount_used(&heap->stats, size, *requested);
    block_map_remove(&heap->live, requested);
    write_tags(heap, offset, size, false);
    coalesce(heap, offset, &heap->event);
    heap->event.block_offset = offset;
    heap->event.block_size = size;
}

/* Counts a free or realloc of something that is not a live payload. */
static HeapError reject(TextbookHeap *heap, uint64_t payload)
{
    uint64_t offset = payload - TEXTBOOK_WSIZE;
    bool was_freed = payload >= TEXTBOOK_INIT_BYTES && offset < textbook_epilogue(heap) &&
                     is_start(heap, offset) && !textbook_is_allocated(heap, offset);
    heap->stats.errors++;
    return finish(heap, was_freed ? HEAP_ERROR_DOUBLE_FREE : HEAP_ERROR_INVALID_POINTER);
}

HeapError textbook_malloc(Allocator *allocator, uint64_t n, uint64_t *payload)
{
    TextbookHeap *heap = as_textbook(allocator);
    *payload = 0;
    design_event_begin(&heap->event, HEAP_EVENT_MALLOC, 0, n);
    if (n == 0)
        return finish(heap, HEAP_OK);
    HeapError error = allocate(heap, n, payload);
    heap->stats.mallocs += error == HEAP_OK;
    return finish(heap, error);
}

HeapError textbook_free(Allocator *allocator, uint64_t payload)
{
    TextbookHeap *heap = as_textbook(allocator);
    design_event_begin(&heap->event, HEAP_EVENT_FREE, payload, 0);
    if (payload == 0)
        return finish(heap, HEAP_OK);
    uint64_t *requested = block_map_find(&heap->live, payload);
    if (!requested)
        return reject(heap, payload);
    release(heap, payload, requested);
    heap->stats.frees++;
    return finish(heap, HEAP_OK);
}

HeapError textbook_realloc(Allocator *allocator, uint64_t payload, uint64_t n, uint64_t *result)
{
    TextbookHeap *heap = as_textbook(allocator);
    *result = 0;
    design_event_begin(&heap->event, HEAP_EVENT_REALLOC, payload, n);
    if (!block_map_find(&heap->live, payload))
        return reject(heap, payload);
    HeapError error = allocate(heap, n, result);
    if (error != HEAP_OK)
        return finish(heap, error);
    uint64_t old_offset = payload - TEXTBOOK_WSIZE;
    uint64_t old_capacity = textbook_size(heap, old_offset) - TEXTBOOK_DSIZE;
    memcpy(heap->memory + *result, heap->memory + payload, n < old_capacity ? n : old_capacity);
    uint64_t new_offset = heap->event.block_offset, new_size = heap->event.block_size;
    release(heap, payload, block_map_find(&heap->live, payload)); /* placing moved the map */
    heap->event.old_block_offset = old_offset;
    heap->event.block_offset = new_offset;
    heap->event.block_size = new_size;
    heap->event.realloc_mode = HEAP_REALLOC_MOVED;
    heap->stats.reallocs++;
    return finish(heap, HEAP_OK);
}

/* ---- lifetime ------------------------------------------------------------ */

static bool valid_config(const AllocatorDesign *design, const TextbookRules *rules,
                         const AllocatorConfig *config)
{
    uint32_t orders = 0; /* a design without list orders ignores list_order */
    while (design->list_orders && design->list_orders[orders])
        orders++;
    uint64_t chunk = config->chunk_bytes;
    return chunk % TEXTBOOK_DSIZE == 0 && chunk >= rules->min_block &&
           config->heap_bytes <= TEXTBOOK_MAX_HEAP &&
           config->heap_bytes >= TEXTBOOK_INIT_BYTES + chunk &&
           (orders == 0 || config->list_order < orders) && rules->fits[config->policy];
}

/* The 16 bytes mm_init writes before its first extension. */
static void write_frame(TextbookHeap *heap)
{
    heap->brk = TEXTBOOK_INIT_BYTES;
    put_word(heap, 0, 0);
    put_word(heap, TEXTBOOK_PROLOGUE, TEXTBOOK_DSIZE | 1u);
    put_word(heap, TEXTBOOK_PROLOGUE + TEXTBOOK_WSIZE, TEXTBOOK_DSIZE | 1u);
    put_word(heap, textbook_epilogue(heap), 1u);
    heap->rover = TEXTBOOK_PROLOGUE;
}

HeapError textbook_create(const AllocatorDesign *design, const TextbookRules *rules,
                          const AllocatorConfig *config, Allocator **out)
{
    *out = NULL;
    if (!valid_config(design, rules, config))
        return HEAP_ERROR_INVALID_CONFIG;
    TextbookHeap *heap = calloc(1, sizeof *heap);
    if (!heap)
        return HEAP_ERROR_OUT_OF_MEMORY;
    heap->base.design = design;
    heap->config = *config;
    heap->rules = rules;
    heap->find_fit = rules->fits[config->policy];
    heap->address_ordered = design->list_orders && config->list_order == 1;
    uint64_t first_size = TEXTBOOK_INIT_BYTES + config->chunk_bytes;
    if (!block_map_init(&heap->live) || !reserve_bytes(heap, first_size)) {
        textbook_destroy(&heap->base);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    write_frame(heap);
    extend_heap(heap, config->chunk_bytes);
    heap->event = (HeapEvent){ .kind = HEAP_EVENT_NONE };
    finish(heap, HEAP_OK);
    *out = &heap->base;
    return HEAP_OK;
}

void textbook_destroy(Allocator *allocator)
{
    TextbookHeap *heap = as_textbook(allocator);
    if (!heap)
        return;
    free(heap->memory);
    free(heap->starts);
    block_map_release(&heap->live);
    free(heap);
}

/* The target ends with the source's capacities, so that the two hold the
 * same spans, byte for byte (memory past the break stays zero). */
HeapError textbook_copy(Allocator *target, const Allocator *source)
{
    TextbookHeap *to = as_textbook(target);
    const TextbookHeap *from = as_const_textbook(source);
    if (!resize_memory(to, from->memory_capacity) || !block_map_copy(&to->live, &from->live))
        return HEAP_ERROR_OUT_OF_MEMORY;
    TextbookHeap keep = *to;
    *to = *from;
    to->memory = keep.memory;
    to->starts = keep.starts;
    to->live = keep.live;
    memcpy(to->memory, from->memory, from->brk);
    uint64_t old_end = keep.brk < to->memory_capacity ? keep.brk : to->memory_capacity;
    if (old_end > from->brk)
        memset(to->memory + from->brk, 0, old_end - from->brk);
    uint64_t words = from->brk / 512 + 1;
    memcpy(to->starts, from->starts, words * sizeof *to->starts);
    memset(to->starts + words, 0, (to->start_words - words) * sizeof *to->starts);
    return HEAP_OK;
}

HeapError textbook_clone(const Allocator *source, Allocator **out)
{
    *out = NULL;
    const TextbookHeap *from = as_const_textbook(source);
    TextbookHeap *heap = calloc(1, sizeof *heap);
    if (!heap)
        return HEAP_ERROR_OUT_OF_MEMORY;
    heap->config = from->config;
    if (!block_map_init(&heap->live) || textbook_copy(&heap->base, source) != HEAP_OK) {
        textbook_destroy(&heap->base);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    *out = &heap->base;
    return HEAP_OK;
}

/* ---- read-only views ----------------------------------------------------- */

const AllocatorConfig *textbook_config(const Allocator *allocator)
{
    return &as_const_textbook(allocator)->config;
}

const HeapStats *textbook_stats(const Allocator *allocator)
{
    return &as_const_textbook(allocator)->stats;
}

const HeapEvent *textbook_last_event(const Allocator *allocator)
{
    return &as_const_textbook(allocator)->event;
}

uint64_t textbook_region_start(const Allocator *allocator)
{
    (void)allocator;
    return TEXTBOOK_FIRST_BLOCK;
}

uint64_t textbook_region_end(const Allocator *allocator)
{
    return as_const_textbook(allocator)->brk;
}

uint64_t textbook_region_limit(const Allocator *allocator)
{
    return as_const_textbook(allocator)->config.heap_bytes;
}

static bool describe_block(const TextbookHeap *heap, uint64_t offset, HeapBlock *block)
{
    if (offset < TEXTBOOK_FIRST_BLOCK || offset >= textbook_epilogue(heap))
        return false;
    uint32_t word = textbook_word(heap, offset);
    uint64_t payload = offset + TEXTBOOK_WSIZE;
    const uint64_t *requested = block_map_find(&heap->live, payload);
    bool used = (word & 1u) != 0;
    *block = (HeapBlock){ .offset = offset, .size = textbook_size(heap, offset),
                          .state = used ? HEAP_BLOCK_USED : HEAP_BLOCK_FREE,
                          .requested = used && requested ? *requested : 0, .payload = payload,
                          .header = word, .header_bytes = TEXTBOOK_WSIZE,
                          .footer_bytes = TEXTBOOK_WSIZE };
    return true;
}

bool textbook_first_block(const Allocator *allocator, HeapBlock *block)
{
    return describe_block(as_const_textbook(allocator), TEXTBOOK_FIRST_BLOCK, block);
}

bool textbook_next_block(const Allocator *allocator, HeapBlock *block)
{
    return describe_block(as_const_textbook(allocator), block->offset + block->size, block);
}

bool textbook_block_at(const Allocator *allocator, uint64_t offset, HeapBlock *block)
{
    const TextbookHeap *heap = as_const_textbook(allocator);
    if (offset < TEXTBOOK_FIRST_BLOCK || offset >= textbook_epilogue(heap))
        return false;
    return describe_block(heap, start_at_or_below(heap, offset), block) &&
           offset < block->offset + block->size;
}

uint64_t textbook_free_list(const Allocator *allocator, FreeListEntry *entries, uint64_t max)
{
    const TextbookHeap *heap = as_const_textbook(allocator);
    uint64_t count = 0;
    for (uint32_t list = 0; list < heap->rules->list_count; list++) {
        for (uint64_t node = textbook_list_first(heap, list); node;
             node = textbook_list_next(heap, node), count++)
            if (count < max)
                entries[count] = (FreeListEntry){ .offset = node,
                                                  .size = textbook_size(heap, node),
                                                  .list = list };
    }
    return count;
}

uint32_t textbook_markers(const Allocator *allocator, HeapMarker *markers)
{
    markers[0] = (HeapMarker){ .name = "break", .offset = as_const_textbook(allocator)->brk };
    return 1;
}

uint8_t *textbook_payload_bytes(Allocator *allocator, uint64_t payload, uint64_t *capacity)
{
    TextbookHeap *heap = as_textbook(allocator);
    if (!block_map_find(&heap->live, payload))
        return NULL;
    if (capacity)
        *capacity = textbook_size(heap, payload - TEXTBOOK_WSIZE) - TEXTBOOK_DSIZE;
    return heap->memory + payload;
}

uint64_t textbook_memory_bytes(const Allocator *allocator)
{
    const TextbookHeap *heap = as_const_textbook(allocator);
    return sizeof *heap + heap->memory_capacity + heap->start_words * sizeof(uint64_t) +
           heap->live.capacity * sizeof(BlockMapSlot);
}

static AllocatorSpan whole_span(void *bytes, uint64_t size)
{
    return (AllocatorSpan){ .bytes = bytes, .size = size, .used = size };
}

uint32_t textbook_state_spans(Allocator *allocator, AllocatorSpan *spans)
{
    TextbookHeap *heap = as_textbook(allocator);
    uint64_t start_bytes = heap->start_words * sizeof *heap->starts;
    uint64_t starts_used = (heap->brk / 512 + 1) * sizeof *heap->starts;
    uint64_t live_fields = sizeof heap->live - offsetof(BlockMap, capacity);
    spans[0] = whole_span(&heap->brk, sizeof *heap - offsetof(TextbookHeap, brk));
    spans[1] = (AllocatorSpan){ .bytes = heap->memory, .size = heap->memory_capacity,
                                .used = (heap->brk + 7) / 8 * 8 };
    spans[2] = (AllocatorSpan){ .bytes = (uint8_t *)heap->starts, .size = start_bytes,
                                .used = starts_used < start_bytes ? starts_used : start_bytes };
    spans[3] = whole_span(&heap->live.capacity, live_fields);
    spans[4] = whole_span(heap->live.slots, heap->live.capacity * sizeof *heap->live.slots);
    return 5;
}

/* ---- the checker --------------------------------------------------------- */

static void check_frame(const TextbookHeap *heap, HeapCheck *check)
{
    if (heap->brk < TEXTBOOK_INIT_BYTES || heap->brk > heap->config.heap_bytes ||
        textbook_word(heap, 0) != 0 || textbook_word(heap, 4) != (TEXTBOOK_DSIZE | 1u) ||
        textbook_word(heap, 8) != (TEXTBOOK_DSIZE | 1u) ||
        textbook_word(heap, textbook_epilogue(heap)) != 1u)
        design_note_problem(check, TEXTBOOK_CHECK_FRAME, 0);
}

/* What a walk of the blocks counts, to compare with the statistics. */
typedef struct {
    HeapStats stats;
    uint64_t blocks;
    bool rover_seen;
} BlockRecount;

static bool check_block(const TextbookHeap *heap, uint64_t offset, bool previous_free,
                        HeapCheck *check, BlockRecount *count)
{
    uint64_t size = textbook_size(heap, offset);
    if (size % TEXTBOOK_DSIZE || size < heap->rules->min_block ||
        size > textbook_epilogue(heap) - offset ||
        textbook_word(heap, offset) != textbook_word(heap, offset + size - TEXTBOOK_WSIZE)) {
        design_note_problem(check, TEXTBOOK_CHECK_TILING, offset);
        return false;
    }
    bool used = textbook_is_allocated(heap, offset);
    const uint64_t *requested = block_map_find(&heap->live, offset + TEXTBOOK_WSIZE);
    if (!is_start(heap, offset))
        design_note_problem(check, TEXTBOOK_CHECK_STARTS, offset);
    if (used != (requested != NULL))
        design_note_problem(check, TEXTBOOK_CHECK_LIVE, offset);
    if (!used && previous_free)
        design_note_problem(check, TEXTBOOK_CHECK_COALESCING, offset);
    HeapStats *s = &count->stats;
    s->used_blocks += used;
    s->bytes_in_use += used ? size : 0;
    s->payload_bytes += used && requested ? *requested : 0;
    s->free_blocks += !used;
    s->free_bytes += used ? 0 : size;
    if (!used && size > s->largest_free)
        s->largest_free = size;
    count->blocks++;
    count->rover_seen |= heap->rover == offset;
    return true;
}

static uint64_t count_starts(const TextbookHeap *heap)
{
    uint64_t count = 0;
    for (uint64_t word = 0; word < heap->start_words; word++)
        count += (uint64_t)__builtin_popcountll(heap->starts[word]);
    return count;
}

static void check_counts(const TextbookHeap *heap, const BlockRecount *count, HeapCheck *check)
{
    const HeapStats *s = &heap->stats, *r = &count->stats;
    if (count_starts(heap) != count->blocks)
        design_note_problem(check, TEXTBOOK_CHECK_STARTS, 0);
    if (heap->live.count != r->used_blocks)
        design_note_problem(check, TEXTBOOK_CHECK_LIVE, 0);
    if (s->used_blocks != r->used_blocks || s->bytes_in_use != r->bytes_in_use ||
        s->payload_bytes != r->payload_bytes || s->free_blocks != r->free_blocks ||
        s->free_bytes != r->free_bytes || s->largest_free != r->largest_free ||
        s->heap_bytes != heap->brk || s->peak_payload < s->payload_bytes)
        design_note_problem(check, TEXTBOOK_CHECK_STATS, 0);
    bool rover_ok = count->rover_seen || heap->rover == TEXTBOOK_PROLOGUE ||
                    heap->rover == textbook_epilogue(heap);
    if (!rover_ok)
        design_note_problem(check, TEXTBOOK_CHECK_ROVER, heap->rover);
}

/* One list: every node a free block of this list, pred links matching. */
static uint64_t check_list(const TextbookHeap *heap, uint32_t list, uint64_t limit,
                           HeapCheck *check)
{
    uint64_t count = 0, pred = 0;
    for (uint64_t node = textbook_list_first(heap, list); node; node = textbook_list_next(heap, node)) {
        bool is_free_block = node >= TEXTBOOK_FIRST_BLOCK && node < textbook_epilogue(heap) &&
                             is_start(heap, node) && !textbook_is_allocated(heap, node);
        if (!is_free_block || count++ > limit ||
            heap->rules->list_of(textbook_size(heap, node)) != list ||
            link_get(heap, node, LINK_PRED) != pred || (heap->address_ordered && node < pred)) {
            design_note_problem(check, TEXTBOOK_CHECK_LISTS, node);
            return count;
        }
        pred = node;
    }
    return count;
}

static void check_lists(const TextbookHeap *heap, uint64_t free_blocks, HeapCheck *check)
{
    uint64_t listed = 0;
    for (uint32_t list = 0; list < heap->rules->list_count; list++)
        listed += check_list(heap, list, free_blocks, check);
    if (heap->rules->list_count && listed != free_blocks)
        design_note_problem(check, TEXTBOOK_CHECK_LISTS, 0);
}

HeapCheck textbook_check(const Allocator *allocator)
{
    const TextbookHeap *heap = as_const_textbook(allocator);
    HeapCheck check = { 0 };
    check_frame(heap, &check);
    if (check.broken)
        return check;
    BlockRecount count = { 0 };
    bool previous_free = false;
    uint64_t offset = TEXTBOOK_FIRST_BLOCK;
    while (offset < textbook_epilogue(heap)) {
        if (!check_block(heap, offset, previous_free, &check, &count))
            return check;
        previous_free = !textbook_is_allocated(heap, offset);
        offset += textbook_size(heap, offset);
    }
    check_counts(heap, &count, &check);
    check_lists(heap, count.stats.free_blocks, &check);
    return check;
}

const char *textbook_check_flag_name(unsigned flag)
{
    switch (flag) {
    case TEXTBOOK_CHECK_FRAME: return "pad, prologue or epilogue damaged";
    case TEXTBOOK_CHECK_TILING: return "blocks do not tile the heap (size or footer)";
    case TEXTBOOK_CHECK_COALESCING: return "two free blocks side by side";
    case TEXTBOOK_CHECK_STARTS: return "block-start bitmap disagrees with the blocks";
    case TEXTBOOK_CHECK_LIVE: return "live map disagrees with the used blocks";
    case TEXTBOOK_CHECK_STATS: return "statistics differ from a recount";
    case TEXTBOOK_CHECK_ROVER: return "rover is not at a block";
    case TEXTBOOK_CHECK_LISTS: return "free lists disagree with the free blocks";
    }
    return "unknown";
}
