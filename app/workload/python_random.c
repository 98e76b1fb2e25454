/*
 * python_random.c - MT19937 as CPython's _randommodule.c runs it (see
 * python_random.h). The generator is Matsumoto and Nishimura's reference
 * algorithm; init_genrand and init_by_array are their seeding routines,
 * which CPython calls with the seed's words.
 */
#include "python_random.h"

enum { N = PYTHON_RANDOM_STATE_WORDS, M = 397 };

static const uint32_t MATRIX_A = 0x9908b0dfu;
static const uint32_t UPPER_MASK = 0x80000000u;
static const uint32_t LOWER_MASK = 0x7fffffffu;

static void init_genrand(PythonRandom *random, uint32_t seed)
{
    uint32_t *mt = random->state;
    mt[0] = seed;
    for (uint32_t i = 1; i < N; i++)
        mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i;
    random->index = N;
}

static void init_by_array(PythonRandom *random, const uint32_t *key, uint32_t length)
{
    uint32_t *mt = random->state;
    init_genrand(random, 19650218u);
    uint32_t i = 1, j = 0;
    for (uint32_t k = N > length ? N : length; k > 0; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + j;
        i++;
        j++;
        if (i >= N) {
            mt[0] = mt[N - 1];
            i = 1;
        }
        if (j >= length)
            j = 0;
    }
    for (uint32_t k = N - 1; k > 0; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - i;
        i++;
        if (i >= N) {
            mt[0] = mt[N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000u;  /* MSB is 1, assuring a non-zero initial array */
}

void python_random_seed(PythonRandom *random, const PythonInt *seed)
{
    static const uint32_t zero = 0;
    if (seed->count == 0)
        init_by_array(random, &zero, 1);
    else
        init_by_array(random, seed->words, seed->count);
}

static uint32_t twist_one(const uint32_t *mt, uint32_t i)
{
    uint32_t y = (mt[i] & UPPER_MASK) | (mt[(i + 1) % N] & LOWER_MASK);
    return mt[(i + M) % N] ^ (y >> 1) ^ ((y & 1u) ? MATRIX_A : 0u);
}

/* Regenerates all N words; each new word uses words already renewed, as in
 * the reference code's three loops. */
static void regenerate(PythonRandom *random)
{
    for (uint32_t i = 0; i < N; i++)
        random->state[i] = twist_one(random->state, i);
    random->index = 0;
}

uint32_t python_random_next32(PythonRandom *random)
{
    if (random->index >= N)
        regenerate(random);
    uint32_t y = random->state[random->index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double python_random_random(PythonRandom *random)
{
    uint32_t a = python_random_next32(random) >> 5;
    uint32_t b = python_random_next32(random) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}
