/*
 * sim.c - the simulation's PRNG and step rule (see sim.h).
 *
 * xoshiro256** and splitmix64 are Blackman and Vigna's public-domain
 * generators, transcribed exactly so expected values in the tests hold on
 * every machine. The slot set swaps a slot with the boundary element of the
 * partition to move it between "full" and "empty".
 */
#include "sim.h"

#include <assert.h>

SimParams sim_default_params(void)
{
    SimParams params = {
        .seed = 0,
        .steps = 100,
        .slots = 25,
        .p_malloc = 0.3,
        .min_request_pages = 1,
        .max_request_pages = 1023,
        .page_size = 4,
        .heap_pages = 8192,
    };
    return params;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotate_left(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void sim_random_seed(SimRandom *random, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        random->state[i] = splitmix64(&seed);
}

uint64_t sim_random_next(SimRandom *random)
{
    uint64_t *s = random->state;
    uint64_t result = rotate_left(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotate_left(s[3], 45);
    return result;
}

double sim_random_unit(SimRandom *random)
{
    return (double)(sim_random_next(random) >> 11) * 0x1.0p-53;
}

uint64_t sim_random_below(SimRandom *random, uint64_t bound)
{
    assert(bound >= 1);
    /* Reject the lowest (2^64 mod bound) values so every residue is equally likely. */
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r = sim_random_next(random);
        if (r >= threshold)
            return r % bound;
    }
}

void sim_draw_sizes(const SimParams *params, SimRandom *random, uint64_t *bytes)
{
    uint64_t span = params->max_request_pages - params->min_request_pages + 1;
    for (uint64_t slot = 0; slot < params->slots; slot++) {
        uint64_t pages = params->min_request_pages + sim_random_below(random, span);
        bytes[slot] = pages * params->page_size;
    }
}

void sim_slots_reset(SimSlots *slots)
{
    slots->full_count = 0;
    for (uint32_t slot = 0; slot < slots->slot_count; slot++) {
        slots->order[slot] = slot;
        slots->position[slot] = slot;
    }
}

bool sim_slot_is_full(const SimSlots *slots, uint32_t slot)
{
    return slots->position[slot] < slots->full_count;
}

/* Swaps the slots at two positions of the order, keeping position[] in step. */
static void swap_positions(SimSlots *slots, uint32_t a, uint32_t b)
{
    uint32_t slot_a = slots->order[a];
    uint32_t slot_b = slots->order[b];
    slots->order[a] = slot_b;
    slots->order[b] = slot_a;
    slots->position[slot_b] = a;
    slots->position[slot_a] = b;
}

void sim_slot_fill(SimSlots *slots, uint32_t slot)
{
    assert(!sim_slot_is_full(slots, slot));
    swap_positions(slots, slots->position[slot], slots->full_count);
    slots->full_count++;
}

void sim_slot_empty(SimSlots *slots, uint32_t slot)
{
    assert(sim_slot_is_full(slots, slot));
    slots->full_count--;
    swap_positions(slots, slots->position[slot], slots->full_count);
}

OpKind sim_choose(const SimSlots *slots, SimRandom *random, double p_malloc, uint32_t *slot)
{
    assert(slots->slot_count >= 1);
    uint32_t empty_count = slots->slot_count - slots->full_count;
    bool want_malloc = sim_random_unit(random) < p_malloc;
    if (want_malloc && empty_count == 0)
        want_malloc = false;
    else if (!want_malloc && slots->full_count == 0)
        want_malloc = true;
    if (want_malloc) {
        *slot = slots->order[slots->full_count + (uint32_t)sim_random_below(random, empty_count)];
        return OP_MALLOC;
    }
    *slot = slots->order[sim_random_below(random, slots->full_count)];
    return OP_FREE;
}
