/*
 * recording_bench.c - what recording (`r`) costs the window per frame it
 * keeps, beside what drawing a frame costs anyway.
 *
 *   recording_bench [--frames N] [--every K] [--detail]
 *
 * The default run in the default 1280x800 window on the offscreen driver
 * (software renderer), played as the window plays it at 10 steps a second
 * with a frame kept every 100 ms of real time: frame f shows step f * K
 * (default 1) at f * 100 ms, so the split and coalesce marks are drawn as
 * they fade. Per frame:
 *   - render: the window's frame drawn (paid with or without r) and its
 *     pixels read back (what the window adds while recording), the drawing
 *     thread's CPU time;
 *   - add: recording_add, the drawing thread's CPU time (copying the frame
 *     for the encoder thread) and wall time (with waiting for the encoder,
 *     when it is a frame behind: on a machine with a free core, never);
 *   - encode: the CPU time the whole process spent beyond the drawing
 *     thread's, over the run, per frame: the encoder thread's work.
 * Printed as a Markdown table of medians and worsts, with the GIF's bytes
 * per frame and the process's peak memory. Takes --frames / 10 seconds.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "options.h"
#include "recording.h"
#include "window.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { FRAME_MS = 100 };

typedef struct {
    double *render, *add, *add_cpu; /* milliseconds per frame */
} Timings;

static double since_ms(uint64_t start_ns)
{
    return (double)(bench_cpu_ns() - start_ns) / 1e6;
}

static uint64_t process_cpu_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Sleeps until `wall_ns` (bench_now_ns's clock). */
static void sleep_until(uint64_t wall_ns)
{
    uint64_t now = bench_now_ns();
    if (now < wall_ns) {
        struct timespec pause = {(time_t)((wall_ns - now) / 1000000000u), (long)((wall_ns - now) % 1000000000u)};
        nanosleep(&pause, NULL);
    }
}

/* Draws frame f and reads it into `frame`, timed. */
static bool render(Window *window, uint64_t f, uint64_t every, Frame *frame, Timings *timings)
{
    char message[400];
    Model *model = window_model(window);
    uint64_t step = f * every < model_total(model) ? f * every : model_total(model);
    Action jump = {.kind = ACTION_JUMP_TO, .amount = (int64_t)step};
    uint64_t start = bench_cpu_ns();
    bool ok = model_apply(model, &jump, f * FRAME_MS) &&
              window_render(window, f * FRAME_MS, frame, message, sizeof message);
    timings->render[f] = since_ms(start);
    if (!ok) {
        fprintf(stderr, "recording_bench: %s\n", message);
    }
    return ok;
}

static void print_row(const char *part, double *values, size_t count)
{
    double worst = bench_max(values, count);
    printf("| %s | %.2f | %.2f |\n", part, bench_median(values, count), worst);
}

int main(int argc, char **argv)
{
    uint64_t frames = 100, every = 1;
    bool detail = false;
    for (int i = 1; i < argc;) {
        if (bench_option_u64(argc, argv, &i, "--frames", 2, 100000, &frames) ||
            bench_option_u64(argc, argv, &i, "--every", 1, 1000, &every)) {
            continue;
        }
        if (strcmp(argv[i++], "--detail") != 0) {
            bench_usage_error(argv[0], "usage: recording_bench [--frames N] [--every K] [--detail]");
        }
        detail = true;
    }
    if (SDL_getenv("SDL_VIDEODRIVER") == NULL) {
        SDL_setenv("SDL_VIDEODRIVER", "offscreen", 1);
    }
    Options options = options_defaults();
    options.detail_view = detail;
    Window *window = NULL;
    if (window_open_offscreen(&options, (int)options.window_width, (int)options.window_height, &window) != 0) {
        window_close(window);
        return 1;
    }
    int width = 0, height = 0;
    window_frame_size(window, &width, &height);
    Frame frame = frame_create(width, height);
    Timings timings = {calloc(frames, sizeof(double)), calloc(frames, sizeof(double)),
                       calloc(frames, sizeof(double))};
    uint64_t wall_start = bench_now_ns(), process_start = process_cpu_ns(), thread_start = bench_cpu_ns();
    char path[] = "/tmp/heapviz-recording-bench.gif", message[400];
    Recording *recording = NULL;
    bool ok = frame.pixels != NULL && timings.render && timings.add && timings.add_cpu;
    for (uint64_t f = 0; ok && f < frames; f++) {
        sleep_until(wall_start + f * FRAME_MS * 1000000u);
        ok = render(window, f, every, &frame, &timings);
        uint64_t start = bench_now_ns(), start_cpu = bench_cpu_ns();
        if (ok && f == 0) {
            ok = (recording = recording_start(path, &frame, 0, FRAME_MS, message, sizeof message)) != NULL;
        } else if (ok) {
            ok = recording_add(recording, &frame, f * FRAME_MS, message, sizeof message);
        }
        timings.add[f] = (double)(bench_now_ns() - start) / 1e6;
        timings.add_cpu[f] = since_ms(start_cpu);
    }
    ok = ok && recording_finish(recording, &frame, frames * FRAME_MS, path, message, sizeof message);
    double others_ms = (double)((process_cpu_ns() - process_start) - (bench_cpu_ns() - thread_start)) / 1e6;
    if (!ok) {
        fprintf(stderr, "recording_bench: %s\n", message);
        return 1;
    }
    struct stat status;
    long long bytes = stat(path, &status) == 0 ? (long long)status.st_size : -1;
    remove(path);
    printf("Recording %llu frames of %dx%d (%s view, %llu steps a frame, 100 ms apart):\n\n",
           (unsigned long long)frames, width, height, detail ? "detail" : "classic", (unsigned long long)every);
    printf("| part | median ms | worst ms |\n|---|---|---|\n");
    print_row("draw and read back (window_render), CPU", timings.render, frames);
    print_row("hand it to the encoder (recording_add), CPU", timings.add_cpu + 1, frames - 1);
    print_row("hand it to the encoder (recording_add), wall", timings.add + 1, frames - 1);
    printf("| encode (the encoder thread), CPU per frame | %.2f | |\n", others_ms / (double)frames);
    printf("\nGIF: %lld bytes, %.1f KB per frame; peak memory %.1f MiB\n", bytes, (double)bytes / 1000.0 / (double)frames,
           bench_peak_rss_mib());
    free(timings.render);
    free(timings.add);
    free(timings.add_cpu);
    frame_destroy(&frame);
    window_close(window);
    return 0;
}
