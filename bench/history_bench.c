/*
 * history_bench.c - time travel: how long a jump takes and what the history
 * costs per step.
 *
 *   history_bench [--steps N] [--jumps N] [--budget-mb N] [TRACE]
 *
 * Two runs, each with a history of --budget-mb (default 256 MiB, the
 * program's default): the seed's default simulation with --steps steps
 * (default 1,000,000; slots = steps / 4), and, given a TRACE, that trace on
 * a 20 MiB heap. The whole run is computed first (timed), then --jumps jumps
 * are timed one by one, in a fixed seeded order that mixes
 *   - uniformly random targets anywhere in the run,
 *   - the worst case for snapshots: one step before the next snapshot,
 *   - single steps backwards and forwards from a random point,
 *   - the ends of the run (step 0 and the last step).
 * Reported: median and worst jump latency, in wall time and in the thread's
 * CPU time (the machine is shared: wall time also counts the slices other
 * processes held the CPU), history bytes per step, and the snapshot
 * interval, against the 16 ms and budget targets.
 */
#include "bench_util.h"
#include "history.h"
#include "sim.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (UINT64_C(1) << 20)
#define TRACE_HEAP_BYTES (UINT64_C(20) << 20)
#define JUMP_TARGET_MS 16.0

enum { KINDS_OF_JUMP = 4, MAX_RUNS = 2 };

/* Each jump is timed on two clocks: what the user waits (wall) and what the
 * jump itself costs (the thread's CPU time, which leaves out the slices other
 * processes held the CPU on a shared machine). */
enum { CLOCK_WALL, CLOCK_CPU, CLOCK_KINDS };

static const char *const JUMP_KIND_NAMES[KINDS_OF_JUMP] = {
    "random target", "one step before a snapshot", "one step back or forward", "to step 0 or the end"
};

/* Median and worst latency of each kind of jump on each clock, for the second table. */
typedef struct {
    char label[256];
    double median_ms[CLOCK_KINDS][KINDS_OF_JUMP];
    double worst_ms[CLOCK_KINDS][KINDS_OF_JUMP];
} JumpKinds;

typedef struct {
    uint64_t steps;
    uint64_t jumps;
    uint64_t budget_mb;
    const char *trace_path;
} HistoryBenchOptions;

/* The next target in the mixed order of the file comment. */
static uint64_t next_target(const History *history, SimRandom *random, uint64_t jump)
{
    uint64_t total = history_total(history);
    uint64_t interval = history_interval(history) ? history_interval(history) : 1;
    uint64_t here = history_position(history);
    switch (jump % KINDS_OF_JUMP) {
    case 0:
        return sim_random_below(random, total + 1);
    case 1: {
        uint64_t snapshot = sim_random_below(random, total / interval + 1) * interval;
        uint64_t before_next = snapshot + interval - 1;
        return before_next < total ? before_next : total;
    }
    case 2:
        return here > 0 && (sim_random_next(random) & 1) ? here - 1 : here + 1;
    default:
        return (jump / KINDS_OF_JUMP) % 2 ? total : 0;
    }
}

/* Computes the whole run, and the work that follows it (history_settling:
 * anchors made a call at a time); returns the nanoseconds it took. */
static double compute_all(History *history)
{
    uint64_t start = bench_now_ns();
    while (history_computed(history) < history_total(history))
        if (history_compute_ahead(history, 1u << 16) == 0)
            break;
    while (history_settling(history))
        history_compute_ahead(history, 1);
    return (double)(bench_now_ns() - start);
}

/* Times `jumps` jumps into latency_ms[clock][jump]; false if one failed. */
static bool time_jumps(History *history, uint64_t jumps, double *latency_ms[CLOCK_KINDS])
{
    SimRandom random;
    sim_random_seed(&random, 8);
    for (uint64_t j = 0; j < jumps; j++) {
        uint64_t target = next_target(history, &random, j);
        uint64_t wall = bench_now_ns(), cpu = bench_cpu_ns();
        bool jumped = history_jump(history, target);
        latency_ms[CLOCK_CPU][j] = (double)(bench_cpu_ns() - cpu) / 1e6;
        latency_ms[CLOCK_WALL][j] = (double)(bench_now_ns() - wall) / 1e6;
        uint64_t expected = target < history_total(history) ? target : history_total(history);
        if (!jumped || history_position(history) != expected)
            return false;
    }
    return true;
}

/* Median and worst of the jumps j = first, first + stride, ... (latency is left as it is). */
static void median_and_worst(const double *latency, uint64_t jumps, uint64_t first,
                             uint64_t stride, double *median, double *worst)
{
    double *column = malloc(jumps * sizeof *column);
    size_t count = 0;
    for (uint64_t j = first; column && j < jumps; j += stride)
        column[count++] = latency[j];
    *worst = count ? bench_max(column, count) : 0.0;
    *median = count ? bench_median(column, count) : 0.0;
    free(column);
}

static void print_kinds(const JumpKinds *runs, int run_count)
{
    printf("\n| run | kind of jump | median ms, wall | worst ms, wall | median ms, CPU | "
           "worst ms, CPU |\n|---|---|---:|---:|---:|---:|\n");
    for (int r = 0; r < run_count; r++)
        for (int k = 0; k < KINDS_OF_JUMP; k++)
            printf("| %s | %s | %.3f | %.3f | %.3f | %.3f |\n", runs[r].label, JUMP_KIND_NAMES[k],
                   runs[r].median_ms[CLOCK_WALL][k], runs[r].worst_ms[CLOCK_WALL][k],
                   runs[r].median_ms[CLOCK_CPU][k], runs[r].worst_ms[CLOCK_CPU][k]);
}

static void print_row(const char *label, const History *history, double compute_ns,
                      double *latency[CLOCK_KINDS], const HistoryBenchOptions *options)
{
    double median[CLOCK_KINDS], worst[CLOCK_KINDS];
    for (int c = 0; c < CLOCK_KINDS; c++)
        median_and_worst(latency[c], options->jumps, 0, 1, &median[c], &worst[c]);
    uint64_t total = history_total(history);
    uint64_t memory = history_memory_bytes(history);
    printf("| %s | %llu | %.2f | %.3f / %.3f | %.3f / %.3f | %s / %s | %llu | %.1f | %.1f / %llu |\n",
           label, (unsigned long long)total, compute_ns / 1e9, median[CLOCK_WALL],
           worst[CLOCK_WALL], median[CLOCK_CPU], worst[CLOCK_CPU],
           worst[CLOCK_WALL] < JUMP_TARGET_MS ? "met" : "missed",
           worst[CLOCK_CPU] < JUMP_TARGET_MS ? "met" : "missed",
           (unsigned long long)history_interval(history), (double)memory / (double)total,
           (double)memory / (double)MIB, (unsigned long long)options->budget_mb);
}

/* One Markdown row for one workload (its jumps by kind go to *kinds).
 * False if the history failed. */
static bool bench_workload(const char *label, const Workload *workload, uint64_t heap_bytes,
                           const HistoryBenchOptions *options, JumpKinds *kinds)
{
    snprintf(kinds->label, sizeof kinds->label, "%s", label);
    AllocatorSetup config = bench_tags_setup(heap_bytes, HEAP_FIRST_FIT);
    History *history = NULL;
    if (history_create(workload, &config, NULL, 0, options->budget_mb * MIB, &history) != HEAP_OK) {
        printf("| %s | history_create failed | | | | | | | |\n", label);
        return false;
    }
    double compute_ns = compute_all(history);
    double *latency[CLOCK_KINDS] = { malloc(options->jumps * sizeof(double)),
                                     malloc(options->jumps * sizeof(double)) };
    bool ok = latency[CLOCK_WALL] && latency[CLOCK_CPU] &&
              history_computed(history) == history_total(history) &&
              time_jumps(history, options->jumps, latency);
    if (ok) {
        for (int c = 0; c < CLOCK_KINDS; c++)
            for (int k = 0; k < KINDS_OF_JUMP; k++)
                median_and_worst(latency[c], options->jumps, (uint64_t)k, KINDS_OF_JUMP,
                                 &kinds->median_ms[c][k], &kinds->worst_ms[c][k]);
        print_row(label, history, compute_ns, latency, options);
    } else {
        printf("| %s | a jump failed or the run was not computed | | | | | | | |\n", label);
    }
    free(latency[CLOCK_WALL]);
    free(latency[CLOCK_CPU]);
    history_destroy(history);
    return ok;
}

static HistoryBenchOptions parse_options(int argc, char **argv)
{
    HistoryBenchOptions options = { .steps = 1000000, .jumps = 400, .budget_mb = 256 };
    for (int i = 1; i < argc;) {
        if (bench_option_u64(argc, argv, &i, "--steps", 1, UINT32_MAX, &options.steps) ||
            bench_option_u64(argc, argv, &i, "--jumps", 1, 1000000, &options.jumps) ||
            bench_option_u64(argc, argv, &i, "--budget-mb", 1, 1u << 20, &options.budget_mb))
            continue;
        if (argv[i][0] == '-' || options.trace_path)
            bench_usage_error(argv[0], "usage: history_bench [--steps N] [--jumps N] "
                                       "[--budget-mb N] [TRACE]");
        options.trace_path = argv[i++];
    }
    return options;
}

static bool bench_trace(const HistoryBenchOptions *options, JumpKinds *kinds)
{
    char message[512];
    Trace *trace = NULL;
    if (!trace_load(options->trace_path, &trace, message, sizeof message)) {
        fprintf(stderr, "%s\n", message);
        return false;
    }
    char label[256];
    snprintf(label, sizeof label, "trace `%s`, 20 MiB heap", trace->name);
    Workload workload = { .kind = WORKLOAD_TRACE, .trace = trace };
    bool ok = bench_workload(label, &workload, TRACE_HEAP_BYTES, options, kinds);
    trace_destroy(trace);
    return ok;
}

int main(int argc, char **argv)
{
    HistoryBenchOptions options = parse_options(argc, argv);
    printf("| run | steps | compute s | jump median / worst ms, wall | jump median / worst ms, CPU | "
           "worst < 16 ms (wall / CPU) | snapshot interval | history bytes/step | "
           "history MiB / budget |\n");
    printf("|---|---:|---:|---:|---:|---|---:|---:|---:|\n");
    SimParams params = bench_simulation_params(options.steps);
    Workload simulation = { .kind = WORKLOAD_SIMULATION, .sim = params };
    JumpKinds kinds[MAX_RUNS];
    memset(kinds, 0, sizeof kinds);
    bool ok = bench_workload("default simulation", &simulation,
                             workload_default_heap_bytes(&simulation), &options, &kinds[0]);
    if (options.trace_path)
        ok = bench_trace(&options, &kinds[1]) && ok;
    print_kinds(kinds, options.trace_path ? 2 : 1);
    printf("\n%llu jumps per run, a quarter of each kind. Peak RSS of history_bench: %.1f MiB\n",
           (unsigned long long)options.jumps, bench_peak_rss_mib());
    return ok ? 0 : 1;
}
