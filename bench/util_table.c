/*
 * util_table.c - the CS:APP malloc-lab metric for every trace and policy.
 *
 *   util_table [--heap BYTES|suggested|default] TRACE... [--heap ...] TRACE...
 *
 * Each trace is replayed step by step through the same Run the headless
 * runner uses (workload.h), once per policy, with the default alignment and
 * minimum payload. A --heap option applies to the traces after it: a size
 * in bytes, the trace header's suggested heap, or (the default) the heap
 * `heapviz --trace FILE` uses (20 MiB). Prints one Markdown row per trace:
 * each policy's utilization (peak payload / high water, as the malloc lab
 * measures it) and its failed requests.
 */
#include "bench_util.h"
#include "run.h"
#include "trace.h"

#include <stdio.h>
#include <string.h>

enum { HEAP_FROM_DEFAULT = 0, HEAP_FROM_SUGGESTED = 1 };

typedef struct {
    double utilization;
    uint64_t failed;
    bool ran;
} PolicyResult;

static PolicyResult replay_policy(const Workload *workload, uint64_t heap_bytes, HeapPolicy policy)
{
    PolicyResult result = { .ran = false };
    AllocatorSetup config = bench_tags_setup(heap_bytes, policy);
    Run *run = NULL;
    if (run_create(workload, &config, NULL, 0, &run) != HEAP_OK)
        return result;
    StepReport report;
    while (run_step(run, &report)) {
    }
    const HeapStats *stats = allocator_stats(run_heap(run));
    result = (PolicyResult){ stats->utilization, stats->failed, true };
    run_destroy(run);
    return result;
}

static uint64_t heap_for(const Workload *workload, uint64_t heap_choice)
{
    if (heap_choice == HEAP_FROM_DEFAULT)
        return workload_default_heap_bytes(workload);
    if (heap_choice == HEAP_FROM_SUGGESTED && workload->trace->suggested_heap > 0)
        return workload->trace->suggested_heap;
    return heap_choice == HEAP_FROM_SUGGESTED ? workload_default_heap_bytes(workload) : heap_choice;
}

/* One row: the trace, its size, its heap, then each policy. False if it could not be read. */
static bool print_trace_row(const char *path, uint64_t heap_choice)
{
    char message[512];
    Trace *trace = NULL;
    if (!trace_load(path, &trace, message, sizeof message)) {
        fprintf(stderr, "%s\n", message);
        return false;
    }
    Workload workload = { .kind = WORKLOAD_TRACE, .trace = trace };
    uint64_t heap_bytes = heap_for(&workload, heap_choice);
    printf("| %s | %u | %.2f |", trace->name, trace->op_count, (double)heap_bytes / 1048576.0);
    bool ok = true;
    for (int p = 0; p < HEAP_POLICY_COUNT; p++) {
        PolicyResult result = replay_policy(&workload, heap_bytes, (HeapPolicy)p);
        ok = ok && result.ran;
        if (result.ran)
            printf(" %.1f%% / %llu |", 100.0 * result.utilization, (unsigned long long)result.failed);
        else
            printf(" (heap not created) |");
    }
    printf("\n");
    fflush(stdout);
    trace_destroy(trace);
    return ok;
}

static void print_header(void)
{
    printf("| trace | ops | heap MiB |");
    for (int p = 0; p < HEAP_POLICY_COUNT; p++)
        printf(" %s |", heap_policy_name((HeapPolicy)p));
    printf("\n|---|---:|---:|");
    for (int p = 0; p < HEAP_POLICY_COUNT; p++)
        printf("---:|");
    printf("\n");
}

/* Reads a --heap value; exits with status 2 on a bad one. */
static uint64_t parse_heap(const char *program, const char *text)
{
    uint64_t bytes = 0;
    if (text && strcmp(text, "default") == 0)
        return HEAP_FROM_DEFAULT;
    if (text && strcmp(text, "suggested") == 0)
        return HEAP_FROM_SUGGESTED;
    if (!bench_parse_u64(text, 64, UINT64_C(1) << 40, &bytes))
        bench_usage_error(program, "--heap takes a size in bytes (64 or more), "
                                   "'suggested' or 'default'");
    return bytes;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        bench_usage_error(argv[0], "usage: util_table [--heap BYTES|suggested|default] TRACE...");
    print_header();
    uint64_t heap_choice = HEAP_FROM_DEFAULT;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--heap") == 0) {
            heap_choice = parse_heap(argv[0], i + 1 < argc ? argv[i + 1] : NULL);
            i++;
        } else if (!print_trace_row(argv[i], heap_choice)) {
            status = 1;
        }
    }
    printf("\nEach cell: utilization (peak payload / high water) / failed requests. "
           "Peak RSS of util_table: %.1f MiB\n", bench_peak_rss_mib());
    return status;
}
