/*
 * capture_bench.c - what recording costs a program: a malloc-heavy program
 * alone, and the same program recorded by the capture library, as whole
 * processes, wall time.
 *
 *   capture_bench --program PATH --library PATH [--heapviz PATH] [--rounds N]
 *                 [-- ARGS...]
 *
 * "alone" runs PROGRAM ARGS; "recorded" runs it with the library in
 * LD_PRELOAD and a log prefix in a scratch directory, as heapviz --capture
 * starts it (the log is deleted after each run). With --heapviz, a third
 * contender times the whole `heapviz --capture FILE -- PROGRAM` command up to
 * the trace being written, i.e. with the conversion of the log (it is run
 * with --headless --heap-bytes 64 --stats json --at-step 0, so the replay
 * that --headless prints afterwards does next to nothing). Each round runs
 * the contenders in turn, one further along each round; figures are medians
 * over the rounds, and the ratio is the median of each round's own ratio.
 */
#define _GNU_SOURCE
#include "bench_util.h"
#include "capture_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { MAX_ROUNDS = 101, MAX_ARGUMENTS = 32, ALONE = 0, RECORDED = 1, COMMAND = 2 };

typedef struct {
    const char *program, *library, *heapviz;
    uint64_t rounds;
    char *arguments[MAX_ARGUMENTS];     /* PROGRAM's own, after "--" */
    int argument_count;
    char directory[64];                 /* scratch: logs and the trace */
} BenchOptions;

static void parse(int argc, char **argv, BenchOptions *options)
{
    options->rounds = 7;
    for (int i = 1; i < argc; i++) {
        if (bench_option_u64(argc, argv, &i, "--rounds", 1, MAX_ROUNDS, &options->rounds))
            continue;
        if (strcmp(argv[i], "--") == 0) {
            for (i++; i < argc && options->argument_count < MAX_ARGUMENTS - 1; i++)
                options->arguments[options->argument_count++] = argv[i];
            break;
        }
        if (i + 1 < argc && strcmp(argv[i], "--program") == 0)
            options->program = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--library") == 0)
            options->library = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--heapviz") == 0)
            options->heapviz = argv[++i];
        else
            bench_usage_error(argv[0], "usage: --program PATH --library PATH [--heapviz PATH] "
                                       "[--rounds N] [-- ARGS...]");
    }
    if (!options->program || !options->library)
        bench_usage_error(argv[0], "--program and --library are required");
}

/* The environment for "recorded": ours plus LD_PRELOAD and the log prefix. */
static char **recorded_environment(const BenchOptions *options)
{
    static char preload[4200], log[200];
    static char *environment[512];
    int count = 0;
    for (char **entry = environ; *entry && count < 509; entry++)
        if (strncmp(*entry, "LD_PRELOAD=", 11) != 0)
            environment[count++] = *entry;
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", options->library);
    snprintf(log, sizeof log, "%s=%s/log", CAPTURE_ENV_LOG, options->directory);
    environment[count++] = preload;
    environment[count++] = log;
    environment[count] = NULL;
    return environment;
}

static void remove_scratch_files(const BenchOptions *options)
{
    DIR *listing = opendir(options->directory);
    for (struct dirent *entry; listing && (entry = readdir(listing)) != NULL;) {
        if (entry->d_name[0] == '.')
            continue;
        char path[400];
        snprintf(path, sizeof path, "%s/%s", options->directory, entry->d_name);
        unlink(path);
    }
    if (listing)
        closedir(listing);
}

/* Runs one contender to its end; returns its wall time in milliseconds. */
static double run_contender(const BenchOptions *options, int contender)
{
    char trace[128];
    snprintf(trace, sizeof trace, "%s/run.rep", options->directory);
    char *argv[MAX_ARGUMENTS + 16];
    int count = 0;
    if (contender == COMMAND) {
        const char *prefix[] = {options->heapviz, "--headless", "--heap-bytes", "64", "--stats",
                                "json", "--at-step", "0", "--capture", trace, "--"};
        for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
            argv[count++] = (char *)prefix[i];
    }
    argv[count++] = (char *)options->program;
    for (int i = 0; i < options->argument_count; i++)
        argv[count++] = options->arguments[i];
    argv[count] = NULL;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    char **environment = contender == RECORDED ? recorded_environment(options) : environ;
    uint64_t start = bench_now_ns();
    pid_t pid;
    int status = 1;
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, environment) != 0 ||
        waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "capture_bench: %s failed\n", argv[0]);
        exit(1);
    }
    double milliseconds = (double)(bench_now_ns() - start) / 1e6;
    posix_spawn_file_actions_destroy(&actions);
    remove_scratch_files(options);
    return milliseconds;
}

int main(int argc, char **argv)
{
    static BenchOptions options;
    parse(argc, argv, &options);
    strcpy(options.directory, "/tmp/heapviz-capture-bench-XXXXXX");
    if (!mkdtemp(options.directory)) {
        perror("capture_bench: mkdtemp");
        return 1;
    }
    int contenders = options.heapviz ? 3 : 2;
    static double times[3][MAX_ROUNDS], ratios[3][MAX_ROUNDS];
    for (int c = 0; c < contenders; c++)
        run_contender(&options, c); /* untimed: the program's pages are in the cache for all */
    for (uint64_t round = 0; round < options.rounds; round++) {
        for (int turn = 0; turn < contenders; turn++) {
            int c = (int)((round + (uint64_t)turn) % (uint64_t)contenders);
            times[c][round] = run_contender(&options, c);
        }
        for (int c = 0; c < contenders; c++)
            ratios[c][round] = times[c][round] / times[ALONE][round];
    }
    rmdir(options.directory);
    static const char *const names[] = {"alone", "recorded (the library in LD_PRELOAD)",
                                        "`heapviz --capture` (recording + writing the trace)"};
    printf("| %s | wall ms (median of %llu) | vs alone (median ratio) |\n|---|---:|---:|\n",
           options.program, (unsigned long long)options.rounds);
    for (int c = 0; c < contenders; c++)
        printf("| %s | %.1f | %.2fx |\n", names[c], bench_median(times[c], options.rounds),
               bench_median(ratios[c], options.rounds));
    return 0;
}
