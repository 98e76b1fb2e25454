/*
 * sim_bench.c - how fast the workloads feed the core: the seed's simulation
 * in steps per second, and the trace parser in MB per second.
 *
 *   sim_bench [--steps N] [--reps N] [TRACE]
 *
 * The simulation is the Python seed's with its default parameters except
 * the step count (default 1,000,000; slots = steps / 4 as `heapviz
 * --headless --steps N` chooses), run headless through run_step on each
 * policy; the table gives the median of --reps runs, in CPU time of the
 * benchmark thread (the machine is shared). With a TRACE, its file
 * is read into memory once and trace_parse timed on it (median of --reps);
 * the replay through the first-fit core is timed too, so the two can be
 * compared per operation.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "run.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_REPS = 101 };

typedef struct {
    uint64_t steps;
    uint64_t reps;
    const char *trace_path;
} SimBenchOptions;

/* Nanoseconds to play the whole workload once on `policy`; 0 if the heap failed. */
static double time_run(const Workload *workload, HeapPolicy policy, uint64_t heap_bytes)
{
    AllocatorSetup config = bench_tags_setup(heap_bytes, policy);
    Run *run = NULL;
    if (run_create(workload, &config, NULL, 0, &run) != HEAP_OK)
        return 0.0;
    StepReport report;
    uint64_t start = bench_cpu_ns();
    while (run_step(run, &report)) {
    }
    double elapsed = (double)(bench_cpu_ns() - start);
    run_destroy(run);
    return elapsed;
}

/* Median nanoseconds over `reps` runs. */
static double median_run(const Workload *workload, HeapPolicy policy, uint64_t heap_bytes,
                         uint64_t reps)
{
    double times[MAX_REPS];
    for (uint64_t r = 0; r < reps; r++)
        times[r] = time_run(workload, policy, heap_bytes);
    return bench_median(times, reps);
}

static void bench_simulation(const SimBenchOptions *options)
{
    SimParams params = bench_simulation_params(options->steps);
    Workload workload = { .kind = WORKLOAD_SIMULATION, .sim = params };
    uint64_t heap_bytes = workload_default_heap_bytes(&workload);
    printf("Seed simulation, %llu steps, %llu slots, %llu-byte heap, CPU time, median of %llu runs:\n\n",
           (unsigned long long)params.steps, (unsigned long long)params.slots,
           (unsigned long long)heap_bytes, (unsigned long long)options->reps);
    printf("| policy | steps/s | ns/step |\n|---|---:|---:|\n");
    for (int p = 0; p < HEAP_POLICY_COUNT; p++) {
        double ns = median_run(&workload, (HeapPolicy)p, heap_bytes, options->reps);
        printf("| %s | %.0f | %.1f |\n", heap_policy_name((HeapPolicy)p),
               1e9 * (double)params.steps / ns, ns / (double)params.steps);
    }
    printf("\n");
}

/* Reads a whole file; NULL (with a message on stderr) if it cannot. */
static char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    char *text = NULL;
    long size = -1;
    if (file && fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 &&
        fseek(file, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1)) != NULL &&
        fread(text, 1, (size_t)size, file) == (size_t)size) {
        *length = (size_t)size;
    } else {
        fprintf(stderr, "sim_bench: cannot read %s\n", path);
        free(text);
        text = NULL;
    }
    if (file)
        fclose(file);
    return text;
}

/* Median nanoseconds of trace_parse over the text; the last parse is kept in *out. */
static double time_parse(const char *text, size_t length, const char *path, uint64_t reps,
                         Trace **out)
{
    double times[MAX_REPS];
    char message[512];
    *out = NULL;
    for (uint64_t r = 0; r < reps; r++) {
        trace_destroy(*out);
        uint64_t start = bench_cpu_ns();
        bool parsed = trace_parse(text, length, path, out, message, sizeof message);
        times[r] = (double)(bench_cpu_ns() - start);
        if (!parsed) {
            fprintf(stderr, "%s\n", message);
            return 0.0;
        }
    }
    return bench_median(times, reps);
}

static bool bench_parse(const SimBenchOptions *options)
{
    size_t length = 0;
    char *text = read_file(options->trace_path, &length);
    Trace *trace = NULL;
    double parse_ns = text ? time_parse(text, length, options->trace_path, options->reps, &trace) : 0;
    free(text);
    if (parse_ns <= 0.0)
        return false;
    Workload workload = { .kind = WORKLOAD_TRACE, .trace = trace };
    uint64_t heap_bytes = trace->suggested_heap ? trace->suggested_heap
                                                : workload_default_heap_bytes(&workload);
    double replay_ns = median_run(&workload, HEAP_FIRST_FIT, heap_bytes, options->reps);
    printf("Trace `%s`: %.1f MB, %u operations, CPU time, median of %llu runs:\n\n", trace->name,
           (double)length / 1e6, trace->op_count, (unsigned long long)options->reps);
    printf("| stage | MB/s | ns/op |\n|---|---:|---:|\n");
    printf("| trace_parse | %.0f | %.1f |\n", (double)length / 1e6 / (parse_ns / 1e9),
           parse_ns / trace->op_count);
    printf("| replay (run_step, first-fit, %.0f MiB heap) | %.0f | %.1f |\n\n",
           (double)heap_bytes / 1048576.0, (double)length / 1e6 / (replay_ns / 1e9),
           replay_ns / trace->op_count);
    trace_destroy(trace);
    return true;
}

static SimBenchOptions parse_options(int argc, char **argv)
{
    SimBenchOptions options = { .steps = 1000000, .reps = 3 };
    for (int i = 1; i < argc;) {
        if (bench_option_u64(argc, argv, &i, "--steps", 1, UINT32_MAX, &options.steps) ||
            bench_option_u64(argc, argv, &i, "--reps", 1, MAX_REPS, &options.reps))
            continue;
        if (argv[i][0] == '-' || options.trace_path)
            bench_usage_error(argv[0], "usage: sim_bench [--steps N] [--reps N] [TRACE]");
        options.trace_path = argv[i++];
    }
    return options;
}

int main(int argc, char **argv)
{
    SimBenchOptions options = parse_options(argc, argv);
    bench_simulation(&options);
    bool ok = !options.trace_path || bench_parse(&options);
    printf("Peak RSS of sim_bench: %.1f MiB\n", bench_peak_rss_mib());
    return ok ? 0 : 1;
}
