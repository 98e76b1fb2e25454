/*
 * tags.c - the `tags` design's table: boundary tags over a fixed arena, with
 * first, next, best and worst fit and a bump pointer (alloc/tags/heap.h).
 *
 * Every Heap starts with its Allocator member, so each entry below only
 * turns the Allocator back into the Heap it is and calls the core. The core
 * keeps its own speed: one indirect call per operation, nothing more. Heaps
 * made here count the blocks each search examines (HeapConfig.count_examined),
 * which the core's own benchmark leaves off.
 */
#include "heap.h"
#include "heap_internal.h"

static Heap *as_heap(Allocator *allocator) { return (Heap *)allocator; }
static const Heap *as_const_heap(const Allocator *allocator) { return (const Heap *)allocator; }

const Heap *tags_heap(const Allocator *allocator)
{
    return allocator->design == &tags_design ? as_const_heap(allocator) : NULL;
}

static const char *const POLICIES[] = { "first-fit", "next-fit", "best-fit", "worst-fit", "bump", NULL };

static HeapError tags_create(const AllocatorConfig *config, Allocator **out)
{
    if (config->policy >= HEAP_POLICY_COUNT)
        return HEAP_ERROR_INVALID_CONFIG;
    HeapConfig heap_config = { .heap_bytes = config->heap_bytes,
                               .alignment = config->alignment,
                               .min_payload = config->min_payload,
                               .policy = (HeapPolicy)config->policy,
                               .count_examined = true,
                               .skip_events = config->events_unread };
    Heap *heap = NULL;
    HeapError error = heap_create(&heap_config, &heap);
    *out = heap ? &heap->base : NULL;
    return error;
}

static HeapError tags_clone(const Allocator *source, Allocator **out)
{
    Heap *heap = NULL;
    HeapError error = heap_clone(as_const_heap(source), &heap);
    *out = heap ? &heap->base : NULL;
    return error;
}

static HeapError tags_copy(Allocator *target, const Allocator *source)
{
    return heap_copy(as_heap(target), as_const_heap(source));
}

static void tags_destroy(Allocator *allocator) { heap_destroy(as_heap(allocator)); }

static HeapError tags_malloc(Allocator *allocator, uint64_t n, uint64_t *payload)
{
    return heap_malloc(as_heap(allocator), n, payload);
}

static HeapError tags_free(Allocator *allocator, uint64_t payload)
{
    return heap_free(as_heap(allocator), payload);
}

static HeapError tags_realloc(Allocator *allocator, uint64_t payload, uint64_t n, uint64_t *result)
{
    return heap_realloc(as_heap(allocator), payload, n, result);
}

static void tags_prefetch(const Allocator *allocator, uint64_t soon, uint64_t sooner)
{
    heap_hint_block(as_const_heap(allocator), soon);
    heap_hint_next_block(as_const_heap(allocator), sooner);
}

static void tags_set_events_unread(Allocator *allocator, bool unread)
{
    heap_set_skip_events(as_heap(allocator), unread);
}

static void tags_compact(Allocator *allocator, HeapMoveFn on_move, void *context)
{
    heap_compact(as_heap(allocator), on_move, context);
}

static const AllocatorConfig *tags_config(const Allocator *allocator)
{
    return &as_const_heap(allocator)->general;
}

static const HeapStats *tags_stats(const Allocator *allocator)
{
    return heap_stats(as_const_heap(allocator));
}

static const HeapEvent *tags_last_event(const Allocator *allocator)
{
    return heap_last_event(as_const_heap(allocator));
}

static HeapCheck tags_check(const Allocator *allocator) { return heap_check(as_const_heap(allocator)); }

static const char *tags_check_flag_name(unsigned flag)
{
    return heap_check_flag_name((HeapCheckFlag)flag);
}

static uint64_t tags_region_start(const Allocator *allocator)
{
    return heap_region_start(as_const_heap(allocator));
}

static uint64_t tags_region_end(const Allocator *allocator)
{
    return heap_region_end(as_const_heap(allocator));
}

/* The whole arena, the bytes before b0 and after the region included. */
static uint64_t tags_region_limit(const Allocator *allocator)
{
    return heap_config(as_const_heap(allocator))->heap_bytes;
}

static bool tags_first_block(const Allocator *allocator, HeapBlock *block)
{
    return heap_first_block(as_const_heap(allocator), block);
}

static bool tags_next_block(const Allocator *allocator, HeapBlock *block)
{
    return heap_next_block(as_const_heap(allocator), block);
}

static bool tags_next_block_extent(const Allocator *allocator, HeapBlock *block)
{
    return heap_next_block_extent(as_const_heap(allocator), block);
}

static bool tags_block_at(const Allocator *allocator, uint64_t offset, HeapBlock *block)
{
    return heap_block_at(as_const_heap(allocator), offset, block);
}

/* The free blocks the last search examined, in address order from where
 * the policy starts (see the top of tags/heap.c). */
static uint64_t tags_search_path(const Allocator *allocator, uint64_t *offsets, uint64_t max)
{
    return heap_search_path(as_const_heap(allocator), offsets, max);
}

/* Next fit's rover and bump's heap pointer, for the policy that has one. */
static uint32_t tags_markers(const Allocator *allocator, HeapMarker *markers)
{
    const Heap *heap = as_const_heap(allocator);
    if (heap->config.policy == HEAP_NEXT_FIT) {
        markers[0] = (HeapMarker){ .name = "rover", .offset = heap_rover(heap) };
        return 1;
    }
    if (heap->config.policy == HEAP_BUMP) {
        markers[0] = (HeapMarker){ .name = "heap pointer", .offset = heap_bump_pointer(heap) };
        return 1;
    }
    return 0;
}

static uint8_t *tags_payload_bytes(Allocator *allocator, uint64_t payload, uint64_t *capacity)
{
    return heap_payload(as_heap(allocator), payload, capacity);
}

static uint64_t tags_memory_bytes(const Allocator *allocator)
{
    return heap_memory_bytes(as_const_heap(allocator));
}

static uint32_t tags_state_spans(Allocator *allocator, AllocatorSpan *spans)
{
    return heap_state_spans(as_heap(allocator), spans);
}

/* Only bump's frees leave dead blocks. */
static unsigned tags_features_of(const Allocator *allocator)
{
    unsigned features = tags_design.features;
    if (tags_config(allocator)->policy != HEAP_BUMP)
        features &= ~(unsigned)ALLOCATOR_HAS_DEAD;
    return features;
}

const AllocatorDesign tags_design = {
    .name = "tags",
    .summary = "8-byte boundary tags over a fixed arena: first, next, best, worst fit and bump",
    .policies = POLICIES,
    .list_orders = NULL,
    .features = ALLOCATOR_CAN_COMPACT | ALLOCATOR_HAS_DEAD,
    .features_of = tags_features_of,
    .create = tags_create,
    .clone = tags_clone,
    .copy = tags_copy,
    .destroy = tags_destroy,
    .malloc = tags_malloc,
    .free = tags_free,
    .realloc = tags_realloc,
    .compact = tags_compact,
    .prefetch = tags_prefetch,
    .set_events_unread = tags_set_events_unread,
    .config = tags_config,
    .stats = tags_stats,
    .last_event = tags_last_event,
    .check = tags_check,
    .check_flag_name = tags_check_flag_name,
    .region_start = tags_region_start,
    .region_end = tags_region_end,
    .region_limit = tags_region_limit,
    .first_block = tags_first_block,
    .next_block = tags_next_block,
    .next_block_extent = tags_next_block_extent,
    .block_at = tags_block_at,
    .free_list = NULL,
    .search_path = tags_search_path,
    .markers = tags_markers,
    .payload_bytes = tags_payload_bytes,
    .memory_bytes = tags_memory_bytes,
    .state_spans = tags_state_spans,
};
