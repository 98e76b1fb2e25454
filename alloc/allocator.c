/*
 * allocator.c - the registry of designs and the calls every design answers
 * (see allocator.h). Each allocator_* call looks up the design's table
 * through the Allocator member its heap starts with; no call here knows
 * which design runs.
 */
#include "allocator.h"

#include <stdio.h>
#include <string.h>

#define DESIGN(name) extern const AllocatorDesign name;
#include "designs.def"
#undef DESIGN

static const AllocatorDesign *const DESIGNS[] = {
#define DESIGN(name) &name,
#include "designs.def"
#undef DESIGN
};

enum { DESIGN_COUNT = sizeof DESIGNS / sizeof DESIGNS[0] };

/* ---- the registry ---------------------------------------------------------- */

uint32_t allocator_design_count(void) { return DESIGN_COUNT; }

const AllocatorDesign *allocator_design_at(uint32_t index)
{
    return index < DESIGN_COUNT ? DESIGNS[index] : NULL;
}

const AllocatorDesign *allocator_design_find(const char *name)
{
    for (uint32_t i = 0; i < DESIGN_COUNT; i++)
        if (strcmp(DESIGNS[i]->name, name) == 0)
            return DESIGNS[i];
    return NULL;
}

const AllocatorDesign *allocator_default_design(void) { return DESIGNS[0]; }

static bool name_index(const char *const *names, const char *name, uint32_t *index)
{
    for (uint32_t i = 0; names && names[i]; i++) {
        if (strcmp(names[i], name) == 0) {
            *index = i;
            return true;
        }
    }
    return false;
}

bool allocator_policy_index(const AllocatorDesign *design, const char *name, uint32_t *index)
{
    return name_index(design->policies, name, index);
}

bool allocator_list_order_index(const AllocatorDesign *design, const char *name, uint32_t *index)
{
    return name_index(design->list_orders, name, index);
}

uint32_t allocator_policy_count(const AllocatorDesign *design)
{
    uint32_t count = 0;
    while (design->policies[count])
        count++;
    return count;
}

void allocator_policy_list(const AllocatorDesign *design, char *text, size_t size)
{
    uint32_t count = allocator_policy_count(design);
    size_t used = 0;
    text[0] = '\0';
    for (uint32_t i = 0; i < count && used < size; i++) {
        const char *joint = i == 0 ? "" : i + 1 == count ? " or " : ", ";
        int wrote = snprintf(text + used, size - used, "%s%s", joint, design->policies[i]);
        if (wrote < 0)
            break;
        used += (size_t)wrote;
    }
}

AllocatorConfig allocator_default_config(uint64_t heap_bytes)
{
    return (AllocatorConfig){ .heap_bytes = heap_bytes, .alignment = 8, .min_payload = 8,
                              .policy = 0, .list_order = 0, .chunk_bytes = 4096,
                              .header_bytes = 0, .base_address = 0, .coalesce = false,
                              .recorded = {.count = 0}, .events_unread = false };
}

/* ---- one heap -------------------------------------------------------------- */

HeapError allocator_create(const AllocatorSetup *setup, Allocator **out)
{
    *out = NULL;
    if (!setup->design || setup->config.policy >= allocator_policy_count(setup->design))
        return HEAP_ERROR_INVALID_CONFIG;
    return setup->design->create(&setup->config, out);
}

HeapError allocator_clone(const Allocator *source, Allocator **out)
{
    *out = NULL;
    return source->design->clone(source, out);
}

HeapError allocator_copy(Allocator *target, const Allocator *source)
{
    if (target->design != source->design)
        return HEAP_ERROR_INVALID_CONFIG;
    return source->design->copy(target, source);
}

void allocator_destroy(Allocator *allocator)
{
    if (allocator)
        allocator->design->destroy(allocator);
}

bool allocator_can_compact(const Allocator *allocator)
{
    return allocator->design->compact != NULL;
}

void allocator_compact(Allocator *allocator, HeapMoveFn on_move, void *context)
{
    if (allocator->design->compact)
        allocator->design->compact(allocator, on_move, context);
}

void allocator_set_events_unread(Allocator *allocator, bool unread)
{
    if (allocator->design->set_events_unread)
        allocator->design->set_events_unread(allocator, unread);
}

const AllocatorDesign *allocator_design(const Allocator *allocator) { return allocator->design; }

unsigned allocator_features(const Allocator *allocator)
{
    const AllocatorDesign *design = allocator->design;
    return design->features_of ? design->features_of(allocator) : design->features;
}

const AllocatorConfig *allocator_config(const Allocator *allocator)
{
    return allocator->design->config(allocator);
}

const char *allocator_policy_name(const Allocator *allocator)
{
    return allocator->design->policies[allocator_config(allocator)->policy];
}

void design_policy_label(DesignPolicy pane, char *text, size_t size)
{
    const char *policy = pane.design->policies[pane.policy];
    if (pane.design == allocator_default_design())
        snprintf(text, size, "%s", policy);
    else
        snprintf(text, size, "%s:%s", pane.design->name, policy);
}

void allocator_label(const Allocator *allocator, char *text, size_t size)
{
    DesignPolicy pane = { allocator->design, allocator_config(allocator)->policy };
    design_policy_label(pane, text, size);
}

const HeapStats *allocator_stats(const Allocator *allocator)
{
    return allocator->design->stats(allocator);
}

const HeapEvent *allocator_last_event(const Allocator *allocator)
{
    return allocator->design->last_event(allocator);
}

HeapCheck allocator_check(const Allocator *allocator) { return allocator->design->check(allocator); }

uint64_t allocator_region_start(const Allocator *allocator)
{
    return allocator->design->region_start(allocator);
}

uint64_t allocator_region_end(const Allocator *allocator)
{
    return allocator->design->region_end(allocator);
}

uint64_t allocator_region_limit(const Allocator *allocator)
{
    return allocator->design->region_limit(allocator);
}

bool allocator_first_block(const Allocator *allocator, HeapBlock *block)
{
    return allocator->design->first_block(allocator, block);
}

bool allocator_next_block(const Allocator *allocator, HeapBlock *block)
{
    return allocator->design->next_block(allocator, block);
}

bool allocator_next_block_extent(const Allocator *allocator, HeapBlock *block)
{
    if (!allocator->design->next_block_extent)
        return allocator->design->next_block(allocator, block);
    return allocator->design->next_block_extent(allocator, block);
}

bool allocator_block_at(const Allocator *allocator, uint64_t offset, HeapBlock *block)
{
    return allocator->design->block_at(allocator, offset, block);
}

uint64_t allocator_free_list(const Allocator *allocator, FreeListEntry *entries, uint64_t max)
{
    if (!allocator->design->free_list)
        return 0;
    return allocator->design->free_list(allocator, entries, max);
}

uint64_t allocator_search_path(const Allocator *allocator, uint64_t *offsets, uint64_t max)
{
    if (!allocator->design->search_path)
        return 0;
    return allocator->design->search_path(allocator, offsets, max);
}

uint32_t allocator_markers(const Allocator *allocator, HeapMarker *markers)
{
    if (!allocator->design->markers)
        return 0;
    return allocator->design->markers(allocator, markers);
}

uint8_t *allocator_payload_bytes(Allocator *allocator, uint64_t payload, uint64_t *capacity)
{
    return allocator->design->payload_bytes(allocator, payload, capacity);
}

uint64_t allocator_memory_bytes(const Allocator *allocator)
{
    return allocator->design->memory_bytes(allocator);
}

uint32_t allocator_state_spans(Allocator *allocator, AllocatorSpan *spans)
{
    return allocator->design->state_spans ? allocator->design->state_spans(allocator, spans) : 0;
}

bool allocator_program_address(const Allocator *allocator, uint64_t offset, uint64_t *address,
                               uint64_t *gap_bytes)
{
    *gap_bytes = 0;
    *address = offset;
    if (!allocator->design->program_address)
        return true;
    return allocator->design->program_address(allocator, offset, address, gap_bytes);
}

const char *heap_error_message(HeapError error)
{
    switch (error) {
    case HEAP_OK: return "no error";
    case HEAP_ERROR_INVALID_POINTER: return "not the payload of an allocated block";
    case HEAP_ERROR_DOUBLE_FREE: return "the block is already free";
    case HEAP_ERROR_INVALID_CONFIG: return "invalid heap configuration";
    case HEAP_ERROR_OUT_OF_MEMORY: return "out of memory: no free block is large enough";
    case HEAP_ERROR_ADDRESS_IN_USE: return "the chosen address already holds a block";
    case HEAP_ERROR_COUNT: break;
    }
    return "unknown error";
}
