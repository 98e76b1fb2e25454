/*
 * recorded_pairs.h - the suites' recorded placements, written as (address,
 * usable) pairs the way a sidecar's lines read, turned into allocator.h's
 * RecordedPlacements: each pair an address of its own (address_of[k] = k;
 * the design ranks equal addresses as one).
 */
#ifndef HEAPVIZ_RECORDED_PAIRS_H
#define HEAPVIZ_RECORDED_PAIRS_H

#include "allocator.h"
#include <stdlib.h>

typedef struct {
    uint64_t address;
    uint64_t usable;
} RecordedPair;

/* The arrays behind a RecordedPlacements made from pairs (recorded_pairs_free). */
typedef struct {
    uint64_t *addresses;
    uint32_t *address_of;
    uint64_t *usable;
    RecordedPlacements placements;
} RecordedPairs;

/* NULL arrays if out of memory. */
static inline RecordedPairs recorded_pairs(const RecordedPair *pairs, uint64_t count)
{
    RecordedPairs made = {malloc(count * sizeof(uint64_t) + 1), malloc(count * sizeof(uint32_t) + 1),
                          malloc(count * sizeof(uint64_t) + 1), {0}};
    for (uint64_t k = 0; made.addresses && made.address_of && made.usable && k < count; k++) {
        made.addresses[k] = pairs[k].address;
        made.address_of[k] = (uint32_t)k;
        made.usable[k] = pairs[k].usable;
    }
    made.placements = (RecordedPlacements){made.addresses, made.address_of, made.usable, count, count};
    return made;
}

static inline void recorded_pairs_free(RecordedPairs *made)
{
    free(made->addresses);
    free(made->address_of);
    free(made->usable);
    *made = (RecordedPairs){0};
}

#endif
