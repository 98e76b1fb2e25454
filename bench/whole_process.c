/*
 * whole_process.c - heapviz as users run it, against a glibc replayer of the
 * same trace: whole processes, wall time, side by side in one run.
 *
 *   whole_process --heapviz PATH --replayer PATH [--rounds N]
 *                 [--heap-bytes N] TRACE...
 *
 * For each trace, every contender runs as its own process: the replayer
 * (bench/glibc_replay: parse, replay on malloc/free/realloc, print a line)
 * and, for each policy,
 *   heapviz --headless --trace TRACE --heap-bytes N --policy P --stats json
 * with standard output sent to /dev/null. So the figures include what a
 * user waits for: start-up, reading and parsing the file, setting up the
 * heap, the page faults of fresh memory, the replay and the exit.
 *
 * Every contender runs once untimed (the trace file is then in the page
 * cache for all), then --rounds rounds (7 by default); each round runs every
 * contender once, starting one further along the list each round, so no
 * contender always follows the same one. Wall time runs from the spawn to
 * the child's exit (wait4); CPU time (user + system), page faults (minor +
 * major) and peak RSS are the child's own, from wait4's rusage. Figures are
 * medians over the rounds, and "vs glibc" (wall or CPU) is the median of
 * each round's own ratio, so a stretch of a busy host slows both sides of a
 * ratio alike. A child that exits with a status other than 0 stops the
 * benchmark.
 */
#define _GNU_SOURCE
#include "bench_util.h"
#include "heap.h"

#include <fcntl.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

enum { MAX_ROUNDS = 101, MAX_TRACES = 8 };
enum { GLIBC = 0, CONTENDER_COUNT = 1 + HEAP_POLICY_COUNT };

#define DEFAULT_HEAP_BYTES "268435456"

extern char **environ;

typedef struct {
    const char *heapviz;
    const char *replayer;
    char heap_bytes[32];
    uint64_t rounds;
    const char *traces[MAX_TRACES];
    int trace_count;
} BenchOptions;

/* One process's figures. */
typedef struct {
    double wall_ms;
    double cpu_ms;               /* user + system time */
    double faults;
    double peak_rss_mib;
} Sample;

/* A contender's figures over the rounds of one trace. */
typedef struct {
    Sample samples[MAX_ROUNDS];
    double ratios[MAX_ROUNDS];   /* wall time / glibc's in the same round */
    double cpu_ratios[MAX_ROUNDS]; /* CPU time / glibc's in the same round */
} Figures;

static const char *contender_name(int contender)
{
    return contender == GLIBC ? "glibc malloc" : heap_policy_name((HeapPolicy)(contender - 1));
}

/* Runs one contender on one trace as a child process and measures it. */
static Sample run_contender(const BenchOptions *options, int contender, const char *trace)
{
    char *heapviz_argv[] = {(char *)options->heapviz, "--headless", "--trace", (char *)trace,
                            "--heap-bytes", (char *)options->heap_bytes, "--policy",
                            (char *)contender_name(contender), "--stats", "json", NULL};
    char *replayer_argv[] = {(char *)options->replayer, (char *)trace, NULL};
    char **argv = contender == GLIBC ? replayer_argv : heapviz_argv;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    uint64_t start = bench_now_ns();
    pid_t child;
    int status = 0;
    struct rusage usage;
    if (posix_spawn(&child, argv[0], &actions, NULL, argv, environ) != 0 ||
        wait4(child, &status, 0, &usage) != child || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "whole_process: %s on %s failed (status %d)\n", contender_name(contender),
                trace, status);
        exit(1);
    }
    uint64_t end = bench_now_ns();
    posix_spawn_file_actions_destroy(&actions);
    double cpu_ms = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                    (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
    return (Sample){(double)(end - start) / 1e6, cpu_ms,
                    (double)(usage.ru_minflt + usage.ru_majflt), (double)usage.ru_maxrss / 1024.0};
}

static double median_of(const Figures *figures, size_t rounds, size_t field_offset)
{
    double values[MAX_ROUNDS];
    for (size_t i = 0; i < rounds; i++)
        values[i] = *(const double *)((const char *)&figures->samples[i] + field_offset);
    return bench_median(values, rounds);
}

/* Measures every contender on one trace; figures[c] gets contender c's rounds. */
static void measure_trace(const BenchOptions *options, const char *trace, Figures *figures)
{
    for (int c = 0; c < CONTENDER_COUNT; c++)
        run_contender(options, c, trace);
    for (uint64_t round = 0; round < options->rounds; round++)
        for (int k = 0; k < CONTENDER_COUNT; k++) {
            int c = (int)((round + (uint64_t)k) % CONTENDER_COUNT);
            figures[c].samples[round] = run_contender(options, c, trace);
        }
    for (uint64_t round = 0; round < options->rounds; round++)
        for (int c = 0; c < CONTENDER_COUNT; c++) {
            const Sample *own = &figures[c].samples[round], *glibc = &figures[GLIBC].samples[round];
            figures[c].ratios[round] = own->wall_ms / glibc->wall_ms;
            figures[c].cpu_ratios[round] = own->cpu_ms / glibc->cpu_ms;
        }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* One trace's medians per contender, for the summary. */
typedef struct {
    double wall_ms[CONTENDER_COUNT];
    double ratio[CONTENDER_COUNT];
} TraceSummary;

/* Prints one trace's table and fills in its summary. */
static void print_trace(const BenchOptions *options, const char *trace, Figures *figures,
                        TraceSummary *summary)
{
    size_t rounds = options->rounds;
    printf("Trace `%s`, %s-byte heap, %zu rounds:\n\n", base_name(trace), options->heap_bytes,
           rounds);
    printf("| contender | wall ms | vs glibc | fastest-slowest ratio | CPU ms | CPU vs glibc "
           "| page faults | peak RSS MiB |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int c = 0; c < CONTENDER_COUNT; c++) {
        Figures *f = &figures[c];
        double ratio_min = f->ratios[0], ratio_max = f->ratios[0];
        for (size_t i = 1; i < rounds; i++) {
            ratio_min = f->ratios[i] < ratio_min ? f->ratios[i] : ratio_min;
            ratio_max = f->ratios[i] > ratio_max ? f->ratios[i] : ratio_max;
        }
        double wall = median_of(f, rounds, offsetof(Sample, wall_ms));
        double cpu = median_of(f, rounds, offsetof(Sample, cpu_ms));
        double faults = median_of(f, rounds, offsetof(Sample, faults));
        double rss = median_of(f, rounds, offsetof(Sample, peak_rss_mib));
        summary->wall_ms[c] = wall;
        summary->ratio[c] = bench_median(f->ratios, rounds);
        printf("| %s | %.1f | %.2fx | %.2f-%.2f | %.1f | %.2fx | %.0f | %.1f |\n",
               contender_name(c), wall, summary->ratio[c], ratio_min, ratio_max, cpu,
               bench_median(f->cpu_ratios, rounds), faults, rss);
    }
    printf("\n");
}

static void print_summary(const BenchOptions *options, const TraceSummary *summaries)
{
    printf("Whole-process wall time, median ms and median of the rounds' ratios to glibc:\n\n"
           "| contender |");
    for (int t = 0; t < options->trace_count; t++)
        printf(" %s ms | vs glibc |", base_name(options->traces[t]));
    printf("\n|---|");
    for (int t = 0; t < options->trace_count; t++)
        printf("---:|---:|");
    printf("\n");
    for (int c = 0; c < CONTENDER_COUNT; c++) {
        printf("| %s |", contender_name(c));
        for (int t = 0; t < options->trace_count; t++)
            printf(" %.1f | %.2fx |", summaries[t].wall_ms[c], summaries[t].ratio[c]);
        printf("\n");
    }
}

static BenchOptions parse_options(int argc, char **argv)
{
    BenchOptions options = {NULL, NULL, DEFAULT_HEAP_BYTES, 7, {NULL}, 0};
    for (int i = 1; i < argc;) {
        uint64_t heap_bytes;
        if (bench_option_u64(argc, argv, &i, "--rounds", 1, MAX_ROUNDS, &options.rounds))
            continue;
        if (bench_option_u64(argc, argv, &i, "--heap-bytes", 1, UINT64_MAX, &heap_bytes)) {
            snprintf(options.heap_bytes, sizeof options.heap_bytes, "%llu",
                     (unsigned long long)heap_bytes);
        } else if (strcmp(argv[i], "--heapviz") == 0 && i + 1 < argc) {
            options.heapviz = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--replayer") == 0 && i + 1 < argc) {
            options.replayer = argv[i + 1];
            i += 2;
        } else if (argv[i][0] == '-' || options.trace_count == MAX_TRACES) {
            bench_usage_error("whole_process", "usage: whole_process --heapviz PATH --replayer "
                              "PATH [--rounds N] [--heap-bytes N] TRACE... (at most 8)");
        } else {
            options.traces[options.trace_count++] = argv[i++];
        }
    }
    if (!options.heapviz || !options.replayer || options.trace_count == 0)
        bench_usage_error("whole_process", "needs --heapviz PATH, --replayer PATH and a trace");
    return options;
}

int main(int argc, char **argv)
{
    BenchOptions options = parse_options(argc, argv);
    static Figures figures[CONTENDER_COUNT];
    TraceSummary summaries[MAX_TRACES];
    printf("Each contender is a whole process (start, parse, set up, replay, exit), timed by\n"
           "wall clock; heapviz runs `heapviz --headless --trace TRACE --heap-bytes %s\n"
           "--policy P --stats json`, glibc `glibc_replay TRACE`. Medians over the rounds;\n"
           "CPU time (user + system), page faults and peak RSS are each child's own (wait4):\n"
           "on a busy host, where wall time waits for the other processes, CPU time is\n"
           "the steadier figure.\n\n",
           options.heap_bytes);
    for (int t = 0; t < options.trace_count; t++) {
        measure_trace(&options, options.traces[t], figures);
        print_trace(&options, options.traces[t], figures, &summaries[t]);
        fflush(stdout);
    }
    print_summary(&options, summaries);
    return 0;
}
