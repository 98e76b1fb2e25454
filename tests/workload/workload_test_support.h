/*
 * workload_test_support.h - helpers shared by the workload suites: comparing
 * two heaps block by block and statistic by statistic, two runs' spans
 * byte for byte, and building runs.
 */
#ifndef HEAPVIZ_WORKLOAD_TEST_SUPPORT_H
#define HEAPVIZ_WORKLOAD_TEST_SUPPORT_H

#include "heap.h"
#include "run.h"
#include <stdbool.h>

/* Asserts (cmocka) that two heaps have equal statistics and block lists. */
void assert_heaps_equal(const Allocator *a, const Allocator *b);

/* Asserts that two runs' spans (run_state_spans: the heap's scalars, its
 * last event among them, arena and maps, the run's own counters) have the
 * same sizes and bytes. */
void assert_same_spans(Run *expected, Run *actual);

/* Asserts that the heap passes every invariant check. */
void assert_heap_consistent(const Allocator *heap);

/* The tags design with its defaults, on `heap_bytes`, with `policy`. */
AllocatorSetup tags_setup(uint64_t heap_bytes, HeapPolicy policy);

/* Creates a run (asserting success) on a tags heap of `heap_bytes` with `policy`. */
Run *make_run(const Workload *workload, uint64_t heap_bytes, HeapPolicy policy);

/* Steps a run to its end, checking the heap after every step. */
void run_to_end_checked(Run *run);

/* The simulation workload with the defaults changed by the arguments. */
Workload simulation(uint64_t seed, uint64_t steps, uint64_t slots, double p_malloc);

#endif
