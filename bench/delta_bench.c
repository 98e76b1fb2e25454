/*
 * delta_bench.c - how long applying a history delta takes (app/model/delta.c):
 * most of a jump's restore on a big trace (issue 21 section 3), where a
 * jump copies a keyframe, applies an anchor (the state XOR the keyframe's)
 * and walks the chain of deltas from there.
 *
 *   delta_bench [--heap-mb N] [--chain-steps N] [--rounds N] TRACE STEP...
 *   e.g. delta_bench /tmp/data10m/window-10m.rep 2000000 5000000 9000000
 *
 * Plays TRACE under tags first fit as the window does (a --heap-mb MiB
 * heap, 20 by default, its maps sized for the trace's slots) and at each
 * STEP takes two deltas: an anchor (the state XOR step 0's) and a stretch
 * of chain (the state XOR the one --chain-steps on, 131,072 by default:
 * what a walk over eight deltas 16,384 steps apart applies, merged). Each
 * is applied --rounds times to a copy of the run (an apply flips it between
 * the two states) and timed on the thread's CPU clock: the median and the
 * fastest per apply, and per changed word.
 */
#include "bench_util.h"
#include "delta.h"
#include "run.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>

enum { MAX_ROUNDS = 101 };

typedef struct {
    uint64_t heap_mb, chain_steps, rounds;
    int first_step;              /* argv index of the first STEP; TRACE is the one before */
} DeltaBenchOptions;

static DeltaBenchOptions parse_options(int argc, char **argv)
{
    DeltaBenchOptions options = {.heap_mb = 20, .chain_steps = 131072, .rounds = 21};
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (bench_option_u64(argc, argv, &i, "--heap-mb", 1, 1u << 16, &options.heap_mb) ||
            bench_option_u64(argc, argv, &i, "--chain-steps", 1, UINT32_MAX, &options.chain_steps) ||
            bench_option_u64(argc, argv, &i, "--rounds", 1, MAX_ROUNDS, &options.rounds)) {
            continue;
        }
        break;
    }
    if (i + 2 > argc || argv[i][0] == '-') {
        bench_usage_error(argv[0], "usage: delta_bench [--heap-mb N] [--chain-steps N] [--rounds N] TRACE STEP...");
    }
    options.first_step = i + 1;
    return options;
}

/* Applies `delta` to `run` `rounds` times; prints one row of the table. */
static void time_applies(const char *what, uint64_t step, const Delta *delta, Run *run, uint64_t rounds)
{
    double ms[MAX_ROUNDS], fastest = 0;
    for (uint64_t i = 0; i < rounds; i++) {
        uint64_t start = bench_cpu_ns();
        delta_apply(delta, run);
        ms[i] = (double)(bench_cpu_ns() - start) / 1e6;
        fastest = i == 0 || ms[i] < fastest ? ms[i] : fastest;
    }
    double median = bench_median(ms, rounds);
    printf("| %llu | %s | %llu | %.2f | %.3f / %.3f | %.2f |\n", (unsigned long long)step, what,
           (unsigned long long)delta->count, (double)delta_memory_bytes(delta) / 1e6, median, fastest,
           delta->count ? median * 1e6 / (double)delta->count : 0.0);
}

/* The anchor and the chain at `step` (run is there; zero is step 0). */
static bool bench_step(Run *zero, Run *run, uint64_t step, const DeltaBenchOptions *options)
{
    Run *later = run_clone(run), *work = run_clone(run);
    Delta anchor = {0}, chain = {0};
    bool ok = later && work;
    if (ok) {
        run_advance(later, step + options->chain_steps);
        ok = delta_between(&anchor, zero, run) && delta_between(&chain, run, later);
    }
    if (ok) {
        time_applies("anchor", step, &anchor, work, options->rounds);
        time_applies("chain", step, &chain, work, options->rounds);
    }
    delta_release(&anchor);
    delta_release(&chain);
    run_destroy(later);
    run_destroy(work);
    return ok;
}

int main(int argc, char **argv)
{
    DeltaBenchOptions options = parse_options(argc, argv);
    char message[512];
    Trace *trace = NULL;
    if (!trace_load(argv[options.first_step - 1], &trace, message, sizeof message)) {
        fprintf(stderr, "%s\n", message);
        return 1;
    }
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = bench_tags_setup(options.heap_mb << 20, HEAP_FIRST_FIT);
    Run *zero = NULL, *run = NULL;
    bool ok = run_create(&workload, &setup, NULL, 0, &zero) == HEAP_OK && (run = run_clone(zero)) != NULL;
    printf("| step | delta | words | MB | apply median / fastest ms, CPU | ns a word |\n");
    printf("|---:|---|---:|---:|---:|---:|\n");
    for (int i = options.first_step; ok && i < argc; i++) {
        uint64_t step = 0;
        if (!bench_parse_u64(argv[i], 0, UINT64_MAX, &step) || step < run_position(run)) {
            bench_usage_error(argv[0], "each STEP a number, in increasing order");
        }
        run_advance(run, step);
        ok = bench_step(zero, run, step, &options);
    }
    run_destroy(run);
    run_destroy(zero);
    trace_destroy(trace);
    return ok ? 0 : 1;
}
