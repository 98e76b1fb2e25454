/*
 * bench_util.h - what every benchmark program shares: a monotonic clock,
 * medians, peak memory, and the one command-line shape they all use.
 *
 * Benchmarks print Markdown so that bench/run can paste their output into
 * build/bench-results.md and BENCHMARKS.md unchanged. The two workload
 * helpers say once what several benchmarks assume about the core and the
 * command line.
 */
#ifndef HEAPVIZ_BENCH_UTIL_H
#define HEAPVIZ_BENCH_UTIL_H

#include "heap.h"
#include "run.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC: wall time. */
uint64_t bench_now_ns(void);

/* CPU nanoseconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID). On
 * a shared machine this leaves out the time other processes held the CPU,
 * which wall time counts. */
uint64_t bench_cpu_ns(void);

/* The median of `count` >= 1 values; sorts `values` in place. */
double bench_median(double *values, size_t count);

/* The largest value of `count` >= 1 values. */
double bench_max(const double *values, size_t count);

/* Peak resident set of this process so far (getrusage ru_maxrss), MiB. */
double bench_peak_rss_mib(void);

/* Parses a whole decimal number in [minimum, maximum]. False on anything else. */
bool bench_parse_u64(const char *text, uint64_t minimum, uint64_t maximum, uint64_t *value);

/* If argv[*index] is `name` and a value follows, parses it into *value,
 * advances *index past the value and returns true. Exits with status 2 and
 * a one-line message when the value is missing or outside [minimum, maximum]. */
bool bench_option_u64(int argc, char **argv, int *index, const char *name,
                      uint64_t minimum, uint64_t maximum, uint64_t *value);

/* The block size the default configuration (8-byte alignment, 8-byte
 * minimum payload) gives a request of n bytes: tags included. */
uint64_t bench_block_bytes(uint64_t n);

/* The tags design with its defaults, on `heap_bytes`, with `policy`. */
AllocatorSetup bench_tags_setup(uint64_t heap_bytes, HeapPolicy policy);

/* The seed's default simulation with `steps` steps and the slot count
 * `heapviz --headless --steps N` picks (steps / 4, at least 1). */
SimParams bench_simulation_params(uint64_t steps);

/* Exits with status 2 after "PROGRAM: MESSAGE" on standard error. */
void bench_usage_error(const char *program, const char *message);

#endif
