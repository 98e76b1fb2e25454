/*
 * workload.h - what drives a heap: the seed's random simulation or a trace,
 * played step by step.
 *
 * A Workload is an immutable description (simulation parameters, or a parsed
 * trace); run.h plays one on a heap. sim.c implements sim_default_params and
 * workload.c the two questions about a workload below. No SDL, no files here.
 */
#ifndef HEAPVIZ_WORKLOAD_H
#define HEAPVIZ_WORKLOAD_H

#include "allocator.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum { OP_MALLOC, OP_FREE, OP_REALLOC, OP_COMPACT } OpKind;

enum { OP_LINE_BITS = 30 };      /* a trace of under 2^30 bytes has fewer lines */

/* One operation of a trace or of a run: 16 bytes, so a million-op trace
 * holds 16 MB (a parsed trace is most of a replay's memory). */
typedef struct {
    uint64_t bytes;              /* malloc/realloc request; unused otherwise */
    uint32_t id;                 /* trace id or simulation slot; unused for compact */
    uint32_t kind : 2;           /* an OpKind */
    uint32_t line : OP_LINE_BITS; /* source line in the trace file (0 if none) */
} Op;
_Static_assert(sizeof(Op) == 16, "an Op stays 16 bytes");

/* The Python seed's simulation parameters (defaults in sim_default_params). */
typedef struct {
    uint64_t seed;               /* default 0 */
    uint64_t steps;              /* default 100 */
    uint64_t slots;              /* default steps / 4 = 25 */
    double p_malloc;             /* default 0.3 */
    uint64_t min_request_pages;  /* default 1 */
    uint64_t max_request_pages;  /* default 1023, inclusive */
    uint64_t page_size;          /* default 4 bytes */
    uint64_t heap_pages;         /* default 8192 (32 KiB) */
} SimParams;

/* A parsed trace: CS:APP .rep or an OSTEP op list. */
typedef struct {
    uint64_t suggested_heap;     /* from the .rep header; 0 if none */
    uint32_t id_count;           /* ids are 0 .. id_count - 1 */
    uint32_t slot_count;         /* places in a run's id map: the most ids in use at once */
    uint32_t *slots;             /* per op: its id's place in a run's id map (trace.h);
                                    NULL: the map is indexed by id (trace_pipeline.h) */
    uint32_t op_count;
    uint32_t weight;             /* .rep header weight */
    Op *ops;                     /* op_count operations */
    uint32_t ops_capacity;       /* ops allocated (zeroed_memory.h), for trace_destroy */
    char *name;                  /* file name without directories, for display */
    /* A capture: glibc's placement of each a and r (from FILE.addr), in
     * order, as allocator.h's RecordedPlacements; none if placement_count is 0. */
    uint64_t *placement_addresses; /* each pointer glibc returned, once */
    uint32_t *placement_address_of; /* per a and r: its pointer's index in placement_addresses */
    uint64_t *placement_usable;  /* per a and r: the usable bytes glibc gave */
    uint64_t placement_address_count;
    uint64_t placement_count;
} Trace;

typedef enum { WORKLOAD_SIMULATION, WORKLOAD_TRACE } WorkloadKind;

typedef struct {
    WorkloadKind kind;
    SimParams sim;               /* when kind == WORKLOAD_SIMULATION */
    const Trace *trace;          /* when kind == WORKLOAD_TRACE (not owned) */
} Workload;

/* What one step did. */
typedef struct {
    uint64_t step;               /* 1-based number of this step */
    Op op;                       /* the operation issued (id = slot or trace id) */
    uint32_t record_id;          /* id to write when recording this op as a trace */
    bool skipped;                /* a trace 'f' of an empty id: nothing to do */
    HeapError error;             /* what the heap said */
    uint64_t payload;            /* the id's payload offset after the step (0: none) */
    HeapEvent event;             /* the heap's own account of the step */
} StepReport;

SimParams sim_default_params(void);

/* Total steps the workload has before any injected compaction. */
uint64_t workload_base_steps(const Workload *workload);

/* The heap size a run of this workload uses unless the user gave one:
 * heap_pages * page_size for the simulation, 20 MiB for a trace. */
uint64_t workload_default_heap_bytes(const Workload *workload);

#endif
