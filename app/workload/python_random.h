/*
 * python_random.h - Python's `random` module, draw for draw: MT19937 seeded
 * as random.seed(n) seeds it for an integer n, and random.random().
 *
 * malloc.py (OSTEP's free-space simulator) draws its workload this way, so
 * heapviz needs the very same numbers. random.seed(n) takes |n|, splits it
 * into 32-bit words, least significant first (one zero word for 0), and
 * feeds them to MT19937's init_by_array; random.random() builds a 53-bit
 * double from two outputs a, b as ((a >> 5) * 2^26 + (b >> 6)) / 2^53.
 */
#ifndef HEAPVIZ_PYTHON_RANDOM_H
#define HEAPVIZ_PYTHON_RANDOM_H

#include "python_int.h"
#include <stdint.h>

enum { PYTHON_RANDOM_STATE_WORDS = 624 };

typedef struct {
    uint32_t state[PYTHON_RANDOM_STATE_WORDS];
    uint32_t index;              /* next word of state to temper; 624: regenerate */
} PythonRandom;

/* random.seed(seed) for an integer seed (its sign is ignored, as Python does). */
void python_random_seed(PythonRandom *random, const PythonInt *seed);

/* The next 32-bit MT19937 output. */
uint32_t python_random_next32(PythonRandom *random);

/* random.random(): a double in [0, 1). */
double python_random_random(PythonRandom *random);

#endif
