/*
 * window_bench.c - the window on a big trace (issue 21 section 3): how long
 * until the first frame, how long a jump on the timeline takes, and how much
 * memory the window holds against --history-mb plus the trace.
 *
 *   window_bench [--jumps N] [--empty TRACE] [--first-frame-only] -- HEAPVIZ_OPTIONS...
 *   e.g. window_bench -- --trace big.rep --allocator recorded --history-mb 256
 * (--first-frame-only: part 1 alone, short enough to run under `chrt -f`,
 * the way a quiet host is emulated here.)
 *
 * Everything runs the real window code under SDL's offscreen driver, each
 * part in a child process of its own (so each has its own peak RSS, read by
 * wait4):
 *   1. first frame: window_run, the loop a user gets, from the child's start
 *      (before the trace is read) until the first frame drawn (wall time,
 *      and the child's CPU time, which a busy host does not inflate): a second
 *      thread presses `s` as soon as SDL is up, and the frame is on screen
 *      when its screenshot is on disk (the PNG's writing is counted too);
 *      then `q`.
 *   2. jumps: the window opened offscreen with the whole run computed (the
 *      time it took is reported), then --jumps jumps, each a model jump
 *      and the frame drawn and read back, timed by wall clock: far ones
 *      (step 0 <-> the end, quarter points), random targets, one step back
 *      or forward, each also timed by the thread's CPU clock (and the frame
 *      alone: what is left is the model's jump). Peak RSS of
 *      this child is the window with everything computed.
 *   3. --empty TRACE (a trace of a few ops): the same window's peak RSS on
 *      nothing, what SDL, the font and the textures cost whatever the run.
 * The trace's own memory (its ops, their slots and glibc's placements, as parsed) is
 * worked out from the parsed trace, in a child too (the parse's freed memory
 * would stay in the parent, and each child forked after would count it).
 */
#define _GNU_SOURCE /* wait4 */
#include "bench_util.h"
#include "headless.h"
#include "input.h"
#include "model.h"
#include "options.h"
#include "trace.h"
#include "window.h"

#include <SDL.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_JUMPS = 10000, WIDTH = 1280, HEIGHT = 800 };

typedef struct {
    uint64_t jumps;
    const char *empty_trace;
    bool first_frame_only;       /* part 1 alone */
    int heapviz_argc;            /* argv[0] and the options after "--" */
    char **heapviz_argv;
} WindowBenchOptions;

/* --- part 1: the first frame of the real loop ------------------------------ */

static bool screenshot_present(void)
{
    DIR *listing = opendir(".");
    bool found = false;
    for (struct dirent *entry; listing && !found && (entry = readdir(listing)) != NULL;) {
        found = strncmp(entry->d_name, "heapviz-", 8) == 0 && strstr(entry->d_name, ".png") != NULL;
    }
    if (listing) {
        closedir(listing);
    }
    return found;
}

typedef struct {
    uint64_t start_ns;
    double first_frame_ms;
    SDL_atomic_t window_done;    /* window_run returned (the user thread stops waiting) */
} FirstFrame;

static void press(SDL_Keycode code)
{
    SDL_Event event = {.type = SDL_KEYDOWN};
    event.key.keysym.sym = code;
    SDL_PushEvent(&event);
}

static int user(void *data)
{
    FirstFrame *first = data;
    /* `s` again every few milliseconds: a key pressed before SDL's event
     * queue is up is lost, and one more screenshot costs nothing here. */
    while (!screenshot_present() && !SDL_AtomicGet(&first->window_done)) {
        if (SDL_WasInit(SDL_INIT_VIDEO)) {
            press(SDLK_s);
        }
        SDL_Delay(2);
    }
    first->first_frame_ms = (double)(bench_now_ns() - first->start_ns) / 1e6;
    press(SDLK_q);
    return 0;
}

/* In the child: window_run in a fresh directory for its screenshot. */
static int first_frame_child(const Options *options, int pipe_out)
{
    FirstFrame first = {.start_ns = bench_now_ns()};
    char directory[] = "/tmp/window-bench-XXXXXX";
    if (mkdtemp(directory) == NULL || chdir(directory) != 0) {
        return 1;
    }
    SDL_Thread *thread = SDL_CreateThread(user, "user", &first);
    int status = thread ? window_run(options) : 1;
    SDL_AtomicSet(&first.window_done, 1);
    if (status != 0) {
        fprintf(stderr, "window_bench: the window's loop ended with status %d\n", status);
    }
    SDL_WaitThread(thread, NULL);
    dprintf(pipe_out, "%.1f\n", first.first_frame_ms);
    for (DIR *listing = opendir("."); listing;) { /* the screenshot, then the directory */
        struct dirent *entry = readdir(listing);
        if (entry == NULL) {
            closedir(listing);
            break;
        }
        if (entry->d_name[0] != '.') {
            remove(entry->d_name);
        }
    }
    if (chdir("/") == 0) {
        rmdir(directory);
    }
    return status;
}

/* --- part 2: jumps over the whole run ------------------------------------------ */

typedef struct {
    double compute_s;
    double far_ms[MAX_JUMPS], random_ms[MAX_JUMPS], near_ms[MAX_JUMPS];
    size_t far, random, near;
    double cpu_ms[MAX_JUMPS];    /* the thread's CPU time of every timed jump, all kinds */
    double frame_cpu_ms[MAX_JUMPS]; /* of that, the frame's (drawn and read back) */
    size_t cpu;
    uint64_t total;
    uint64_t history_mib, interval, span;
} Jumps;

/* The jump's wall time, ms; its CPU time goes to *cpu_ms and the frame's
 * part of it to *frame_cpu_ms (NULL: not wanted). */
static double timed_jump(Window *window, Frame *frame, uint64_t step, double *cpu_ms, double *frame_cpu_ms)
{
    char message[400];
    Action jump = {.kind = ACTION_JUMP_TO, .amount = (int64_t)step};
    uint64_t start = bench_now_ns(), cpu_start = bench_cpu_ns();
    bool ok = model_apply(window_model(window), &jump, 0);
    uint64_t frame_start = bench_cpu_ns();
    ok = ok && window_render(window, WINDOW_STILL_MS, frame, message, sizeof message);
    double ms = (double)(bench_now_ns() - start) / 1e6;
    if (cpu_ms) {
        *cpu_ms = (double)(bench_cpu_ns() - cpu_start) / 1e6;
        *frame_cpu_ms = (double)(bench_cpu_ns() - frame_start) / 1e6;
    }
    if (!ok) {
        fprintf(stderr, "window_bench: a jump to step %llu failed\n", (unsigned long long)step);
        exit(1);
    }
    return ms;
}

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* A quarter of the jumps far (0 <-> end, quarter points), half random, a
 * quarter one step from a random point. */
static void jump_around(Window *window, Frame *frame, uint64_t count, Jumps *jumps)
{
    uint64_t total = jumps->total, state = 88172645463325252u;
    const uint64_t far_targets[6] = {total, 0, total / 2, total / 4, 3 * total / 4, 0};
    for (uint64_t i = 0; i < count && i < MAX_JUMPS; i++) {
        uint64_t kind = i % 4;
        double *cpu_ms = &jumps->cpu_ms[jumps->cpu], *frame_ms = &jumps->frame_cpu_ms[jumps->cpu++];
        if (kind == 0) {
            jumps->far_ms[jumps->far++] = timed_jump(window, frame, far_targets[(i / 4) % 6], cpu_ms, frame_ms);
        } else if (kind == 3) {
            uint64_t from = next_random(&state) % (total + 1);
            timed_jump(window, frame, from, NULL, NULL);
            uint64_t to = from == 0 || (next_random(&state) & 1) ? from + (from < total) : from - 1;
            jumps->near_ms[jumps->near++] = timed_jump(window, frame, to, cpu_ms, frame_ms);
        } else {
            uint64_t to = next_random(&state) % (total + 1);
            jumps->random_ms[jumps->random++] = timed_jump(window, frame, to, cpu_ms, frame_ms);
        }
    }
}

static int jumps_child(const Options *options, uint64_t count, int pipe_out)
{
    Window *window = NULL;
    uint64_t start = bench_now_ns();
    int status = window_open_offscreen(options, WIDTH, HEIGHT, &window);
    Jumps *jumps = calloc(1, sizeof *jumps);
    if (status != 0 || jumps == NULL) {
        window_close(window);
        return 1;
    }
    jumps->compute_s = (double)(bench_now_ns() - start) / 1e9;
    const History *history = model_history(window_model(window), 0);
    jumps->total = model_total(window_model(window));
    int width = 0, height = 0;
    window_frame_size(window, &width, &height);
    Frame frame = frame_create(width, height);
    if (frame.pixels == NULL) {
        return 1;
    }
    char message[400];
    if (!window_render(window, WINDOW_STILL_MS, &frame, message, sizeof message)) { /* the first frame, untimed */
        return 1;
    }
    jump_around(window, &frame, count, jumps);
    jumps->history_mib = history_memory_bytes(history) >> 20;
    jumps->interval = history_interval(history);
    jumps->span = history_sample_span(history);
    dprintf(pipe_out, "%.2f %llu %llu %llu %llu", jumps->compute_s, (unsigned long long)jumps->total,
            (unsigned long long)jumps->history_mib, (unsigned long long)jumps->interval,
            (unsigned long long)jumps->span);
    double *series[3] = {jumps->far_ms, jumps->random_ms, jumps->near_ms};
    size_t sizes[3] = {jumps->far, jumps->random, jumps->near};
    for (int kind = 0; kind < 3; kind++) {
        dprintf(pipe_out, " %.3f %.3f", bench_median(series[kind], sizes[kind]), bench_max(series[kind], sizes[kind]));
    }
    dprintf(pipe_out, " %.3f %.3f %.3f %.3f\n", bench_median(jumps->cpu_ms, jumps->cpu), bench_max(jumps->cpu_ms, jumps->cpu),
            bench_median(jumps->frame_cpu_ms, jumps->cpu), bench_max(jumps->frame_cpu_ms, jumps->cpu));
    frame_destroy(&frame);
    window_close(window);
    free(jumps);
    return 0;
}

/* --- the parent ----------------------------------------------------------------------- */

typedef struct {
    char line[512];
    double peak_rss_mib;
    double wall_s;
    double cpu_s;                /* user + system time of the child: what a busy host cannot inflate */
} ChildResult;

/* Runs `part` in a child with the options; its one line of results and peak RSS. */
static bool run_child(int (*part)(const Options *, uint64_t, int), const Options *options, uint64_t count,
                      ChildResult *result)
{
    int pipes[2];
    if (pipe(pipes) != 0) {
        return false;
    }
    uint64_t start = bench_now_ns();
    pid_t child = fork();
    if (child == 0) {
        close(pipes[0]);
        _exit(part(options, count, pipes[1]));
    }
    close(pipes[1]);
    ssize_t got = 0; /* to the end: the child writes its line in several pieces */
    for (ssize_t piece = 1; child > 0 && piece > 0 && got < (ssize_t)sizeof result->line - 1; got += piece) {
        piece = read(pipes[0], result->line + got, sizeof result->line - 1 - (size_t)got);
        piece = piece > 0 ? piece : 0;
        if (piece == 0)
            break;
    }
    result->line[got] = '\0';
    close(pipes[0]);
    int status = 0;
    struct rusage usage;
    if (child < 0 || wait4(child, &status, 0, &usage) != child) {
        return false;
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "window_bench: a part died of signal %d\n", WTERMSIG(status));
    }
    result->wall_s = (double)(bench_now_ns() - start) / 1e9;
    result->cpu_s = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    result->peak_rss_mib = (double)usage.ru_maxrss / 1024.0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && got > 0;
}

static int first_frame_part(const Options *options, uint64_t count, int pipe_out)
{
    (void)count;
    return first_frame_child(options, pipe_out);
}

static int jumps_part(const Options *options, uint64_t count, int pipe_out)
{
    return jumps_child(options, count, pipe_out);
}

static void parse_arguments(int argc, char **argv, WindowBenchOptions *options)
{
    options->jumps = 200;
    int i = 1;
    while (i < argc && strcmp(argv[i], "--") != 0) {
        if (bench_option_u64(argc, argv, &i, "--jumps", 4, MAX_JUMPS, &options->jumps)) {
            continue;
        }
        if (strcmp(argv[i], "--first-frame-only") == 0) {
            options->first_frame_only = true;
            i++;
            continue;
        }
        if (strcmp(argv[i], "--empty") == 0 && i + 1 < argc) {
            options->empty_trace = argv[i + 1];
            i += 2;
            continue;
        }
        bench_usage_error(argv[0], "usage: window_bench [--jumps N] [--empty TRACE] [--first-frame-only] -- HEAPVIZ_OPTIONS...");
    }
    if (i >= argc - 1) {
        bench_usage_error(argv[0], "usage: window_bench [--jumps N] [--empty TRACE] [--first-frame-only] -- HEAPVIZ_OPTIONS...");
    }
    argv[i] = argv[0];
    options->heapviz_argc = argc - i;
    options->heapviz_argv = argv + i;
}

/* The bytes the parsed trace holds: its ops, their slots and glibc's
 * placements. Worked out in a child of its own, like the parts: the parse's
 * freed memory would otherwise stay in this process, and every child forked
 * after would count it in its peak RSS. */
static int trace_bytes_part(const Options *options, uint64_t count, int pipe_out)
{
    (void)count;
    Workload workload;
    Trace *trace = NULL;
    AllocatorSetup setup;
    char message[512];
    if (!headless_load(options, &workload, &trace, &setup, message, sizeof message) || trace == NULL) {
        return 1;
    }
    uint64_t bytes = (uint64_t)trace->ops_capacity * sizeof *trace->ops +
                     (uint64_t)trace->op_count * sizeof *trace->slots +
                     trace->placement_count * (sizeof *trace->placement_address_of + sizeof *trace->placement_usable) +
                     trace->placement_address_count * sizeof *trace->placement_addresses;
    trace_destroy(trace);
    dprintf(pipe_out, "%llu\n", (unsigned long long)bytes);
    return 0;
}

int main(int argc, char **argv)
{
    WindowBenchOptions bench = {0};
    parse_arguments(argc, argv, &bench);
    Options options = options_defaults();
    char message[512];
    if (!options_parse(bench.heapviz_argc, bench.heapviz_argv, &options, message, sizeof message)) {
        fprintf(stderr, "window_bench: %s\n", message);
        return 2;
    }
    char trace_path[4096], empty_path[4096]; /* the first frame's child works in a directory of its own */
    if ((options.trace_path && realpath(options.trace_path, trace_path) == NULL) ||
        (bench.empty_trace && realpath(bench.empty_trace, empty_path) == NULL)) {
        fprintf(stderr, "window_bench: cannot find the trace\n");
        return 2;
    }
    options.trace_path = options.trace_path ? trace_path : NULL;
    bench.empty_trace = bench.empty_trace ? empty_path : NULL;
    SDL_setenv("SDL_VIDEODRIVER", "offscreen", 1);
    SDL_setenv("SDL_RENDER_DRIVER", "software", 0);
    uint64_t budget_mib = options.history_mb ? options.history_mb : 256;
    ChildResult trace, first, jumps, empty = {.peak_rss_mib = 0};
    double trace_mib = run_child(trace_bytes_part, &options, 0, &trace) ? atof(trace.line) / (1 << 20) : 0;
    if (!run_child(first_frame_part, &options, 0, &first)) {
        fprintf(stderr, "window_bench: the first frame's part failed\n");
        return 1;
    }
    if (bench.first_frame_only) {
        printf("| first frame s (child's CPU s) | trace MiB | peak RSS MiB, first frame |\n|---:|---:|---:|\n");
        printf("| %.2f (%.2f) | %.0f | %.0f |\n", atof(first.line) / 1000.0, first.cpu_s, trace_mib, first.peak_rss_mib);
        return 0;
    }
    if (!run_child(jumps_part, &options, bench.jumps, &jumps)) {
        fprintf(stderr, "window_bench: the jumps' part failed\n");
        return 1;
    }
    Options empty_options = options;
    empty_options.trace_path = bench.empty_trace;
    empty_options.compare_count = 0;
    empty_options.heap.design = allocator_default_design(); /* `recorded` would want a capture */
    if (bench.empty_trace && !run_child(jumps_part, &empty_options, 4, &empty)) {
        fprintf(stderr, "window_bench: the empty window failed\n");
        return 1;
    }
    double compute_s, far_median, far_worst, random_median, random_worst, near_median, near_worst, cpu_median, cpu_worst;
    double frame_median, frame_worst;
    unsigned long long total, history_mib, interval, span;
    if (sscanf(jumps.line, "%lf %llu %llu %llu %llu %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &compute_s, &total,
               &history_mib, &interval, &span, &far_median, &far_worst, &random_median, &random_worst, &near_median,
               &near_worst, &cpu_median, &cpu_worst, &frame_median, &frame_worst) != 15) {
        fprintf(stderr, "window_bench: unreadable results '%s'\n", jumps.line);
        return 1;
    }
    printf("| steps | first frame s (child's CPU s) | whole run computed s | far jump median / worst ms | random jump median / worst ms"
           " | one step median / worst ms | every jump's CPU median / worst ms | the frame's CPU median / worst ms | snapshot interval | steps per sample"
           " | history MiB / budget | trace MiB | peak RSS MiB, first frame / all computed | empty window MiB |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    printf("| %llu | %.2f (%.2f) | %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %llu | %llu | %llu / %llu"
           " | %.0f | %.0f / %.0f | %.0f |\n",
           total, atof(first.line) / 1000.0, first.cpu_s, compute_s, far_median, far_worst, random_median, random_worst,
           near_median, near_worst, cpu_median, cpu_worst, frame_median, frame_worst, interval, span, history_mib, (unsigned long long)budget_mib,
           trace_mib, first.peak_rss_mib, jumps.peak_rss_mib, empty.peak_rss_mib);
    return 0;
}
