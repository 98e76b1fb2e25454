/*
 * malloc_heavy.c - a malloc-heavy program for capture_bench: STEPS steps over
 * SLOTS slots; each step frees a full slot or fills an empty one with a
 * block of 16 to 1,024 bytes that it writes, and every eighth fill of a full
 * slot is a realloc instead. A fixed xorshift seed, so every run makes the
 * same calls. Prints a checksum, so the work cannot be optimised away.
 *
 *   malloc_heavy [STEPS] [SLOTS]     (2,000,000 and 20,000 by default)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

int main(int argc, char **argv)
{
    long steps = argc > 1 ? atol(argv[1]) : 2000000;
    long slot_count = argc > 2 ? atol(argv[2]) : 20000;
    if (steps <= 0 || slot_count <= 0)
        return 2;
    unsigned char **slots = calloc((size_t)slot_count, sizeof *slots);
    uint64_t state = 88172645463325252u, checksum = 0;
    for (long step = 0; step < steps; step++) {
        uint64_t r = next_random(&state);
        long slot = (long)(r % (uint64_t)slot_count);
        size_t bytes = 16 + (size_t)((r >> 32) % 1009);
        if (slots[slot] && (r >> 20) % 8 == 0) {
            slots[slot] = realloc(slots[slot], bytes);
            slots[slot][bytes - 1] = (unsigned char)step;
        } else if (slots[slot]) {
            checksum += slots[slot][0];
            free(slots[slot]);
            slots[slot] = NULL;
        } else {
            slots[slot] = malloc(bytes);
            memset(slots[slot], (int)(step & 0xff), bytes);
        }
    }
    for (long slot = 0; slot < slot_count; slot++)
        free(slots[slot]);
    free(slots);
    printf("%llu\n", (unsigned long long)checksum);
    return 0;
}
