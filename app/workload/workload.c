/*
 * workload.c - what a workload is, before any heap runs it (see workload.h).
 */
#include "workload.h"

enum { TRACE_HEAP_BYTES = 20u << 20 };   /* the malloc lab's 20 MiB */

uint64_t workload_base_steps(const Workload *workload)
{
    return workload->kind == WORKLOAD_SIMULATION ? workload->sim.steps : workload->trace->op_count;
}

uint64_t workload_default_heap_bytes(const Workload *workload)
{
    if (workload->kind == WORKLOAD_TRACE)
        return TRACE_HEAP_BYTES;
    return workload->sim.heap_pages * workload->sim.page_size;
}
