/*
 * bench_util.c - clock, medians, peak memory, option parsing and workload
 * helpers for the benchmark programs (see bench_util.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "number.h"
#include "heap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

uint64_t bench_cpu_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *values, size_t count)
{
    qsort(values, count, sizeof *values, compare_doubles);
    if (count % 2 == 1)
        return values[count / 2];
    return (values[count / 2 - 1] + values[count / 2]) / 2.0;
}

double bench_max(const double *values, size_t count)
{
    double largest = values[0];
    for (size_t i = 1; i < count; i++)
        if (values[i] > largest)
            largest = values[i];
    return largest;
}

double bench_peak_rss_mib(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return 0.0;
    return (double)usage.ru_maxrss / 1024.0; /* Linux reports KiB */
}

bool bench_parse_u64(const char *text, uint64_t minimum, uint64_t maximum, uint64_t *value)
{
    uint64_t parsed = 0;
    if (!text || number_parse_text(text, maximum, &parsed) != NUMBER_OK || parsed < minimum)
        return false;
    *value = parsed;
    return true;
}

void bench_usage_error(const char *program, const char *message)
{
    fprintf(stderr, "%s: %s\n", program, message);
    exit(2);
}

bool bench_option_u64(int argc, char **argv, int *index, const char *name,
                      uint64_t minimum, uint64_t maximum, uint64_t *value)
{
    if (strcmp(argv[*index], name) != 0)
        return false;
    if (*index + 1 >= argc || !bench_parse_u64(argv[*index + 1], minimum, maximum, value)) {
        char message[160];
        snprintf(message, sizeof message, "%s needs a whole number from %llu to %llu", name,
                 (unsigned long long)minimum, (unsigned long long)maximum);
        bench_usage_error(argv[0], message);
    }
    *index += 2;
    return true;
}

AllocatorSetup bench_tags_setup(uint64_t heap_bytes, HeapPolicy policy)
{
    AllocatorSetup setup = {&tags_design, allocator_default_config(heap_bytes)};
    setup.config.policy = (uint32_t)policy;
    return setup;
}

uint64_t bench_block_bytes(uint64_t n)
{
    uint64_t minimum = HEAP_OVERHEAD_BYTES + HEAP_DEFAULT_MIN_PAYLOAD;
    uint64_t size = (n + HEAP_OVERHEAD_BYTES + HEAP_DEFAULT_ALIGNMENT - 1) /
                    HEAP_DEFAULT_ALIGNMENT * HEAP_DEFAULT_ALIGNMENT;
    return size < minimum ? minimum : size;
}

SimParams bench_simulation_params(uint64_t steps)
{
    enum { MAX_SLOTS = 1 << 24 };  /* the largest --slots the program accepts */
    SimParams params = sim_default_params();
    params.steps = steps;
    params.slots = steps / 4 > MAX_SLOTS ? MAX_SLOTS : (steps >= 4 ? steps / 4 : 1);
    return params;
}
