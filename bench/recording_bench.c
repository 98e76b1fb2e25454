/*
 * recording_bench.c - what recording (`r`) costs the window per frame it
 * keeps, beside what drawing a frame costs anyway.
 *
 *   recording_bench [--frames N] [--every K] [--detail]
 *
 * The default run in the default 1280x800 window on the offscreen driver
 * (software renderer), played as the window plays it at 10 steps a second
 * with a frame kept every 100 ms: frame f shows step f * K (default 1) at
 * f * 100 ms, so the split and coalesce marks are drawn as they fade. Each
 * frame is timed in two parts, the drawing thread's CPU time:
 *   - render: the window's frame drawn (paid with or without r) and its
 *     pixels read back (what the window adds while recording);
 *   - encode: recording_add, which maps the frame kept before to the
 *     palette and writes its changed rectangle into the GIF (render_bench
 *     times drawing alone).
 * Printed as a Markdown table of medians and worsts, with the GIF's bytes
 * per frame and the process's peak memory.
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

enum { FRAME_MS = 100 };

typedef struct {
    double *render, *encode;     /* milliseconds per frame */
} Timings;

static double since_ms(uint64_t start_ns)
{
    return (double)(bench_cpu_ns() - start_ns) / 1e6;
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
    Timings timings = {calloc(frames, sizeof(double)), calloc(frames, sizeof(double))};
    char path[] = "/tmp/heapviz-recording-bench.gif", message[400];
    Recording *recording = NULL;
    bool ok = frame.pixels != NULL && timings.render && timings.encode;
    for (uint64_t f = 0; ok && f < frames; f++) {
        ok = render(window, f, every, &frame, &timings);
        uint64_t start = bench_cpu_ns();
        if (ok && f == 0) {
            ok = (recording = recording_start(path, &frame, 0, FRAME_MS, message, sizeof message)) != NULL;
        } else if (ok) {
            ok = recording_add(recording, &frame, f * FRAME_MS, message, sizeof message);
        }
        timings.encode[f] = since_ms(start);
    }
    ok = ok && recording_finish(recording, &frame, frames * FRAME_MS, path, message, sizeof message);
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
    print_row("draw and read back (window_render)", timings.render, frames);
    print_row("encode the frame before (recording_add)", timings.encode + 1, frames - 1);
    printf("\nGIF: %lld bytes, %.1f KB per frame; peak memory %.1f MiB\n", bytes, (double)bytes / 1000.0 / (double)frames,
           bench_peak_rss_mib());
    free(timings.render);
    free(timings.encode);
    frame_destroy(&frame);
    window_close(window);
    return 0;
}
