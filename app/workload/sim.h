/*
 * sim.h - the Python seed's random request simulation: a portable PRNG and
 * the rule that picks each step's operation.
 *
 * The PRNG is xoshiro256** seeded through splitmix64, so the same seed gives
 * the same run on every machine (never rand()). The slot set keeps the slots
 * in one array partitioned into "holds a block" and "empty", with each
 * slot's position, so choosing uniformly among either kind and moving a slot
 * between them are O(1). No heap, files or printing here.
 */
#ifndef HEAPVIZ_SIM_H
#define HEAPVIZ_SIM_H

#include "workload.h"
#include <stdint.h>

typedef struct {
    uint64_t state[4];
} SimRandom;

/* Seeds the generator: four splitmix64 outputs from `seed`. */
void sim_random_seed(SimRandom *random, uint64_t seed);

/* The next 64 random bits (xoshiro256**). */
uint64_t sim_random_next(SimRandom *random);

/* A double in [0, 1) from the top 53 bits of one draw. */
double sim_random_unit(SimRandom *random);

/* A uniform integer in [0, bound), without modulo bias. bound >= 1. */
uint64_t sim_random_below(SimRandom *random, uint64_t bound);

/* Draws each slot's request size once, in slot order: pages uniform in
 * [min_request_pages, max_request_pages] inclusive, times page_size.
 * `bytes` has params->slots entries. */
void sim_draw_sizes(const SimParams *params, SimRandom *random, uint64_t *bytes);

/* The slots, split into those holding a block and the empty ones. */
typedef struct {
    uint32_t slot_count;
    uint32_t full_count;         /* order[0 .. full_count) hold a block */
    uint32_t *order;             /* a permutation of the slots */
    uint32_t *position;          /* position[slot] = index of slot in order */
} SimSlots;

/* Makes every slot empty (arrays of slot_count entries, caller-owned). */
void sim_slots_reset(SimSlots *slots);

bool sim_slot_is_full(const SimSlots *slots, uint32_t slot);
void sim_slot_fill(SimSlots *slots, uint32_t slot);   /* slot must be empty */
void sim_slot_empty(SimSlots *slots, uint32_t slot);  /* slot must be full */

/* The step rule: draw u; u < p_malloc wants a malloc, else a free; when no
 * slot qualifies for that kind, the other kind. Then a uniform pick among
 * the qualifying slots. Needs slot_count >= 1. Returns OP_MALLOC or OP_FREE. */
OpKind sim_choose(const SimSlots *slots, SimRandom *random, double p_malloc, uint32_t *slot);

#endif
