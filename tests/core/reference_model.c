/*
 * reference_model.c - the rules of issue 3, written as plainly as possible.
 *
 * Blocks: one array in address order that always tiles [b0, end). Searches
 * scan it from the bottom (next fit: from the block holding the rover, with
 * wrap-around). After every call the block-derived statistics are recounted
 * from the array; only the event counters, peak_payload and high_water carry
 * history. Interpretations where the issue is silent (the lead's list):
 * failed calls count only `failed` (and `failed_fragmented`), rejected ones
 * only `errors`; a dead tail of a bump shrink holds 0 requested bytes; bump
 * placements do not move the rover (only searches do).
 *
 * Examined: each search lists the free blocks its scan passes, in the order
 * it passes them (first and next fit stop at the fit; best and worst fit
 * pass them all; bump looks only at the free block at its heap pointer),
 * and adds their number to the statistic, failed searches included.
 */
#include "reference_model.h"

#include <stdlib.h>
#include <string.h>

struct RefHeap {
    HeapConfig config;
    uint64_t start, end;         /* the usable region [b0, end) */
    uint64_t min_block;          /* align_up(16 + M, A) */
    RefBlock *blocks;            /* address order, tiles the region */
    size_t count, capacity;
    uint64_t rover;              /* next fit's rover */
    uint64_t bump;               /* bump's heap pointer */
    HeapStats stats;
    uint64_t *path;              /* the last call's search: free blocks in scan order */
    size_t path_count;
};

static bool align_up(uint64_t value, uint64_t alignment, uint64_t *out)
{
    if (value > UINT64_MAX - (alignment - 1)) {
        return false;
    }
    *out = (value + alignment - 1) / alignment * alignment;
    return true;
}

static bool valid_alignment(uint64_t alignment)
{
    for (uint64_t a = HEAP_MIN_ALIGNMENT; a <= HEAP_MAX_ALIGNMENT; a *= 2) {
        if (alignment == a) {
            return true;
        }
    }
    return false;
}

static void recount(RefHeap *ref)
{
    HeapStats *s = &ref->stats;
    s->used_blocks = s->free_blocks = s->dead_blocks = 0;
    s->bytes_in_use = s->payload_bytes = s->free_bytes = s->dead_bytes = 0;
    s->largest_free = 0;
    for (size_t i = 0; i < ref->count; i++) {
        const RefBlock *b = &ref->blocks[i];
        if (b->state == HEAP_BLOCK_USED) {
            s->used_blocks++;
            s->bytes_in_use += b->size;
            s->payload_bytes += b->requested;
        } else if (b->state == HEAP_BLOCK_FREE) {
            s->free_blocks++;
            s->free_bytes += b->size;
            if (b->size > s->largest_free) {
                s->largest_free = b->size;
            }
        } else {
            s->dead_blocks++;
            s->dead_bytes += b->size;
        }
    }
    uint64_t spare = s->free_bytes + s->dead_bytes;
    s->external_fragmentation =
        spare == 0 ? 0.0 : 100.0 * (1.0 - (double)s->largest_free / (double)spare);
    s->internal_fragmentation = s->bytes_in_use == 0 ? 0.0
        : 100.0 * (double)(s->bytes_in_use - s->payload_bytes) / (double)s->bytes_in_use;
    if (s->payload_bytes > s->peak_payload) {
        s->peak_payload = s->payload_bytes;
    }
    s->utilization = s->high_water == 0 ? 0.0 : (double)s->peak_payload / (double)s->high_water;
}

/* The region [*start, *end) and the minimum block of a valid configuration. */
static bool geometry(const HeapConfig *config, uint64_t *start, uint64_t *end, uint64_t *min_block)
{
    uint64_t a = config->alignment;
    if (!valid_alignment(a) || config->min_payload == 0
        || (unsigned)config->policy >= (unsigned)HEAP_POLICY_COUNT
        || config->min_payload > UINT64_MAX - HEAP_OVERHEAD_BYTES
        || !align_up(config->min_payload + HEAP_OVERHEAD_BYTES, a, min_block)) {
        return false;
    }
    *start = (a - HEAP_TAG_BYTES % a) % a;
    if (config->heap_bytes < *start) {
        return false;
    }
    *end = *start + (config->heap_bytes - *start) / a * a;
    return *end - *start >= *min_block;
}

HeapError ref_create(const HeapConfig *config, RefHeap **out)
{
    uint64_t start = 0, end = 0, min_block = 0;
    if (!geometry(config, &start, &end, &min_block)) {
        return HEAP_ERROR_INVALID_CONFIG;
    }
    RefHeap *ref = calloc(1, sizeof *ref);
    size_t capacity = (size_t)((end - start) / min_block + 1);
    RefBlock *blocks = calloc(capacity, sizeof *blocks);
    uint64_t *path = calloc(capacity, sizeof *path);
    if (ref == NULL || blocks == NULL || path == NULL) {
        free(ref);
        free(blocks);
        free(path);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    *ref = (RefHeap){ .config = *config, .start = start, .end = end, .min_block = min_block,
                      .blocks = blocks, .count = 1, .capacity = capacity,
                      .rover = start, .bump = start, .path = path };
    blocks[0] = (RefBlock){ start, end - start, HEAP_BLOCK_FREE, 0 };
    ref->stats.heap_bytes = end - start;
    recount(ref);
    *out = ref;
    return HEAP_OK;
}

void ref_destroy(RefHeap *ref)
{
    if (ref != NULL) {
        free(ref->blocks);
        free(ref->path);
        free(ref);
    }
}

bool ref_request_size(const RefHeap *ref, uint64_t n, uint64_t *asize)
{
    uint64_t aligned = 0;
    if (n > UINT64_MAX - HEAP_OVERHEAD_BYTES
        || !align_up(n + HEAP_OVERHEAD_BYTES, ref->config.alignment, &aligned)) {
        return false;
    }
    *asize = aligned > ref->min_block ? aligned : ref->min_block;
    return true;
}

/* --- the block array ------------------------------------------------------ */

static size_t index_containing(const RefHeap *ref, uint64_t offset)
{
    for (size_t i = 0; i < ref->count; i++) {
        if (offset < ref->blocks[i].offset + ref->blocks[i].size) {
            return i;
        }
    }
    return ref->count - 1;
}

static bool index_starting(const RefHeap *ref, uint64_t offset, size_t *index)
{
    for (size_t i = 0; i < ref->count; i++) {
        if (ref->blocks[i].offset == offset) {
            *index = i;
            return true;
        }
    }
    return false;
}

static void insert_at(RefHeap *ref, size_t index, RefBlock block)
{
    memmove(&ref->blocks[index + 1], &ref->blocks[index],
            (ref->count - index) * sizeof *ref->blocks);
    ref->blocks[index] = block;
    ref->count++;
}

static void remove_at(RefHeap *ref, size_t index)
{
    memmove(&ref->blocks[index], &ref->blocks[index + 1],
            (ref->count - index - 1) * sizeof *ref->blocks);
    ref->count--;
}

/* Merges free block `index` with free neighbours; returns its new index. */
static size_t coalesce(RefHeap *ref, size_t index)
{
    if (index + 1 < ref->count && ref->blocks[index + 1].state == HEAP_BLOCK_FREE) {
        ref->blocks[index].size += ref->blocks[index + 1].size;
        remove_at(ref, index + 1);
    }
    if (index > 0 && ref->blocks[index - 1].state == HEAP_BLOCK_FREE) {
        ref->blocks[index - 1].size += ref->blocks[index].size;
        remove_at(ref, index);
        index--;
    }
    return index;
}

/* Block `index` keeps `size` bytes; a tail of at least one minimum block
 * becomes a separate block in state `tail_state`. */
static void split(RefHeap *ref, size_t index, uint64_t size, HeapBlockState tail_state)
{
    RefBlock *b = &ref->blocks[index];
    if (b->size - size < ref->min_block) {
        return;
    }
    RefBlock tail = { b->offset + size, b->size - size, tail_state, 0 };
    b->size = size;
    insert_at(ref, index + 1, tail);
    if (tail_state == HEAP_BLOCK_FREE) {
        coalesce(ref, index + 1);
    }
}

static void note_high_water(RefHeap *ref, size_t index)
{
    uint64_t end = ref->blocks[index].offset + ref->blocks[index].size;
    if (end > ref->stats.high_water) {
        ref->stats.high_water = end;
    }
}

/* --- placement -------------------------------------------------------------- */

static bool fits(const RefHeap *ref, size_t index, uint64_t asize)
{
    return ref->blocks[index].state == HEAP_BLOCK_FREE && ref->blocks[index].size >= asize;
}

/* Notes that the search passed free block `index`. */
static void pass(RefHeap *ref, size_t index)
{
    ref->path[ref->path_count++] = ref->blocks[index].offset;
    ref->stats.examined++;
}

static bool search_fit(RefHeap *ref, uint64_t asize, size_t *found)
{
    bool any = false;
    size_t first = ref->config.policy == HEAP_NEXT_FIT ? index_containing(ref, ref->rover) : 0;
    for (size_t k = 0; k < ref->count; k++) {
        size_t i = (first + k) % ref->count;
        if (ref->blocks[i].state == HEAP_BLOCK_FREE) {
            pass(ref, i);
        }
        if (!fits(ref, i, asize)) {
            continue;
        }
        uint64_t size = ref->blocks[i].size;
        bool better = !any
            || (ref->config.policy == HEAP_BEST_FIT && size < ref->blocks[*found].size)
            || (ref->config.policy == HEAP_WORST_FIT && size > ref->blocks[*found].size);
        if (better) {
            *found = i;
            any = true;
        }
        if (any && (ref->config.policy == HEAP_FIRST_FIT || ref->config.policy == HEAP_NEXT_FIT)) {
            return true;
        }
    }
    return any;
}

static bool find_placement(RefHeap *ref, uint64_t asize, size_t *found)
{
    if (ref->config.policy != HEAP_BUMP) {
        return search_fit(ref, asize, found);
    }
    bool at_pointer = ref->bump < ref->end && index_starting(ref, ref->bump, found)
        && ref->blocks[*found].state == HEAP_BLOCK_FREE;
    if (at_pointer) {
        pass(ref, *found);
    }
    return at_pointer && ref->end - ref->bump >= asize && fits(ref, *found, asize);
}

/* Allocates free block `index` for n bytes (asize bytes needed); returns the payload. */
static uint64_t place(RefHeap *ref, size_t index, uint64_t asize, uint64_t n)
{
    ref->blocks[index].state = HEAP_BLOCK_USED;
    ref->blocks[index].requested = n;
    split(ref, index, asize, HEAP_BLOCK_FREE);
    const RefBlock *b = &ref->blocks[index];
    note_high_water(ref, index);
    uint64_t block_end = b->offset + b->size;
    if (ref->config.policy == HEAP_BUMP) {
        ref->bump = block_end;
    } else {
        ref->rover = block_end == ref->end ? ref->start : block_end;
    }
    return b->offset + HEAP_TAG_BYTES;
}

static HeapError fail(RefHeap *ref, bool counted_size, uint64_t asize)
{
    ref->stats.failed++;
    if (counted_size && ref->stats.free_bytes + ref->stats.dead_bytes >= asize) {
        ref->stats.failed_fragmented++;
    }
    return HEAP_ERROR_OUT_OF_MEMORY;
}

static HeapError allocate(RefHeap *ref, uint64_t n, uint64_t *payload)
{
    uint64_t asize = 0;
    size_t index = 0;
    *payload = 0;
    if (!ref_request_size(ref, n, &asize)) {
        return fail(ref, false, 0);
    }
    if (!find_placement(ref, asize, &index)) {
        return fail(ref, true, asize);
    }
    *payload = place(ref, index, asize, n);
    ref->stats.mallocs++;
    recount(ref);
    return HEAP_OK;
}

HeapError ref_malloc(RefHeap *ref, uint64_t n, uint64_t *payload)
{
    ref->path_count = 0;
    return allocate(ref, n, payload);
}

/* --- free ------------------------------------------------------------------- */

static HeapError find_live(const RefHeap *ref, uint64_t payload, size_t *index)
{
    if (payload < HEAP_TAG_BYTES || !index_starting(ref, payload - HEAP_TAG_BYTES, index)) {
        return HEAP_ERROR_INVALID_POINTER;
    }
    return ref->blocks[*index].state == HEAP_BLOCK_USED ? HEAP_OK : HEAP_ERROR_DOUBLE_FREE;
}

static void release(RefHeap *ref, size_t index)
{
    if (ref->config.policy == HEAP_BUMP) {
        ref->blocks[index].state = HEAP_BLOCK_DEAD;
        return;
    }
    ref->blocks[index].state = HEAP_BLOCK_FREE;
    ref->blocks[index].requested = 0;
    coalesce(ref, index);
}

HeapError ref_free(RefHeap *ref, uint64_t payload)
{
    size_t index = 0;
    ref->path_count = 0;
    if (payload == 0) {
        return HEAP_OK;
    }
    HeapError error = find_live(ref, payload, &index);
    if (error != HEAP_OK) {
        ref->stats.errors++;
        return error;
    }
    release(ref, index);
    ref->stats.frees++;
    recount(ref);
    return HEAP_OK;
}

/* --- realloc ---------------------------------------------------------------- */

static bool grow_in_place(RefHeap *ref, size_t index, uint64_t asize)
{
    if (ref->config.policy == HEAP_BUMP || index + 1 >= ref->count
        || ref->blocks[index + 1].state != HEAP_BLOCK_FREE
        || ref->blocks[index].size + ref->blocks[index + 1].size < asize) {
        return false;
    }
    ref->blocks[index].size += ref->blocks[index + 1].size;
    remove_at(ref, index + 1);
    split(ref, index, asize, HEAP_BLOCK_FREE);
    note_high_water(ref, index);
    return true;
}

static HeapError move_block(RefHeap *ref, uint64_t payload, uint64_t asize, uint64_t n,
                            uint64_t *result)
{
    size_t target = 0, old = 0;
    if (!find_placement(ref, asize, &target)) {
        return fail(ref, true, asize);
    }
    *result = place(ref, target, asize, n);
    index_starting(ref, payload - HEAP_TAG_BYTES, &old);
    release(ref, old);
    return HEAP_OK;
}

/* Rule 8 for live block `index`: shrink, grow in place, or move. */
static HeapError resize(RefHeap *ref, size_t index, uint64_t asize, uint64_t n, uint64_t *result)
{
    uint64_t payload = ref->blocks[index].offset + HEAP_TAG_BYTES;
    if (asize <= ref->blocks[index].size) {
        ref->blocks[index].requested = n;
        split(ref, index, asize,
              ref->config.policy == HEAP_BUMP ? HEAP_BLOCK_DEAD : HEAP_BLOCK_FREE);
        *result = payload;
        return HEAP_OK;
    }
    if (grow_in_place(ref, index, asize)) {
        ref->blocks[index].requested = n;
        *result = payload;
        return HEAP_OK;
    }
    return move_block(ref, payload, asize, n, result);
}

HeapError ref_realloc(RefHeap *ref, uint64_t payload, uint64_t n, uint64_t *result)
{
    size_t index = 0;
    uint64_t asize = 0;
    *result = 0;
    ref->path_count = 0;
    if (payload == 0) {
        return allocate(ref, n, result);
    }
    if (n == 0) {
        return ref_free(ref, payload);
    }
    HeapError error = find_live(ref, payload, &index);
    if (error != HEAP_OK) {
        ref->stats.errors++;
        return error;
    }
    if (!ref_request_size(ref, n, &asize)) {
        return fail(ref, false, 0);
    }
    if (resize(ref, index, asize, n, result) != HEAP_OK) {
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    ref->stats.reallocs++;
    recount(ref);
    return HEAP_OK;
}

/* --- compact ---------------------------------------------------------------- */

void ref_compact(RefHeap *ref, HeapMoveFn on_move, void *context)
{
    ref->path_count = 0;
    size_t kept = 0;
    uint64_t at = ref->start;
    for (size_t i = 0; i < ref->count; i++) {
        RefBlock b = ref->blocks[i];
        if (b.state != HEAP_BLOCK_USED) {
            continue;
        }
        if (b.offset != at && on_move != NULL) {
            on_move(context, b.offset + HEAP_TAG_BYTES, at + HEAP_TAG_BYTES);
        }
        b.offset = at;
        ref->blocks[kept++] = b;
        at += b.size;
    }
    ref->count = kept;
    ref->bump = at;
    ref->rover = ref->start;
    if (at < ref->end) {
        ref->blocks[ref->count++] = (RefBlock){ at, ref->end - at, HEAP_BLOCK_FREE, 0 };
        ref->rover = at;
    }
    ref->stats.compactions++;
    recount(ref);
}

/* --- views ------------------------------------------------------------------ */

const HeapStats *ref_stats(const RefHeap *ref) { return &ref->stats; }
uint64_t ref_region_start(const RefHeap *ref) { return ref->start; }
uint64_t ref_region_end(const RefHeap *ref) { return ref->end; }
uint64_t ref_min_block(const RefHeap *ref) { return ref->min_block; }
uint64_t ref_rover(const RefHeap *ref) { return ref->rover; }
uint64_t ref_bump_pointer(const RefHeap *ref) { return ref->bump; }
size_t ref_block_count(const RefHeap *ref) { return ref->count; }

const uint64_t *ref_search_path(const RefHeap *ref, size_t *count)
{
    *count = ref->path_count;
    return ref->path;
}
RefBlock ref_block(const RefHeap *ref, size_t index) { return ref->blocks[index]; }

uint64_t ref_used_payload(const RefHeap *ref, uint64_t k)
{
    for (size_t i = 0; i < ref->count; i++) {
        if (ref->blocks[i].state == HEAP_BLOCK_USED && k-- == 0) {
            return ref->blocks[i].offset + HEAP_TAG_BYTES;
        }
    }
    return 0;
}
