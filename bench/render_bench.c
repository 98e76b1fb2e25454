/*
 * render_bench.c - frame time of the window's renderer for 8,192,
 * 1,000,000 and 16,000,000 cells, with SDL's software renderer on the
 * offscreen video driver.
 *
 *   render_bench [--frames N]
 *
 * For each size the offscreen window is made just large enough that the
 * heap shows one page per cell (the window's own fitting rule). The heap is
 * a simulation run to its middle with requests scaled to the heap, so blocks
 * cover the whole grid. Two timings of drawing a frame (model to pixels,
 * SDL_RenderFlush included), each the median and worst of --frames frames
 * (default 30); presenting (the video driver's copy of the finished frame,
 * not the renderer's work) is timed apart. A third timing plays at the
 * fastest speed (1,000,000 steps/s, about 16,000 steps a frame):
 *   - full redraw: every cell recoloured (a jump, a view change, a resize);
 *   - one step: the next step's dirty rows only (playing at one step a frame);
 *   - full speed: model update plus drawing, a frame per 16 ms of model time.
 * Times are the drawing thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so a
 * busy machine does not inflate them. Printed as a Markdown table.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "bench_util.h"
#include "model.h"
#include "render.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

enum { TEXT_PIXELS = 15, STEPS = 4000 };

typedef struct {
    SDL_Window *window;
    SDL_Renderer *renderer;
    Render *render;
    Model *model;
    Layout layout;
} Bench;

static Model *make_model(uint64_t cells)
{
    ModelConfig config = {.page_bytes = 4, .history_bytes = UINT64_C(1) << 30};
    config.workload = (Workload){.kind = WORKLOAD_SIMULATION, .sim = bench_simulation_params(STEPS)};
    config.workload.sim.heap_pages = cells;
    config.workload.sim.p_malloc = 0.6;
    config.workload.sim.max_request_pages = cells / 200 > 1 ? cells / 200 : 1;
    config.heap = bench_tags_setup(cells * 4, HEAP_FIRST_FIT);
    Model *model = NULL;
    if (model_create(&config, &model) != HEAP_OK) {
        return NULL;
    }
    Action middle = {.kind = ACTION_JUMP_TO, .amount = STEPS / 2};
    model_apply(model, &middle, 0);
    return model;
}

/* Grows the window until the grid shows one page per cell. */
static bool fit_window(Bench *bench, uint64_t cells)
{
    int width = 1280, height = 800;
    for (;;) {
        SDL_SetWindowSize(bench->window, width, height);
        int output_width = 0, output_height = 0;
        if (SDL_GetRendererOutputSize(bench->renderer, &output_width, &output_height) != 0) {
            return false;
        }
        bench->layout = render_layout(bench->render, output_width, output_height, bench->model);
        model_set_grid_area(bench->model, (uint32_t)bench->layout.pane_grids[0].w,
                            (uint32_t)bench->layout.pane_grids[0].h);
        if (model_geometry(bench->model)->bytes_per_cell == 4 && model_geometry(bench->model)->cells == cells) {
            return true;
        }
        width = width * 9 / 8;
        height = height * 9 / 8;
    }
}

/* CPU time of this thread, nanoseconds: drawing is single-threaded, and CPU
 * time does not count the time other processes on a busy machine take. */
static uint64_t thread_cpu_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Draws one frame (SDL_RenderFlush makes the software renderer finish
 * drawing) and presents it; returns the drawing milliseconds and adds the
 * presenting milliseconds to *present_ms. */
static double frame(Bench *bench, double *present_ms)
{
    uint64_t start = thread_cpu_ns();
    DirtyRange dirty = model_take_dirty(bench->model, 0);
    render_update(bench->render, bench->model, &dirty);
    render_frame(bench->render, bench->model, &bench->layout, 1u << 30);
    if (SDL_RenderFlush(bench->renderer) != 0) {
        fprintf(stderr, "render_bench: SDL_RenderFlush: %s\n", SDL_GetError());
    }
    uint64_t drawn = thread_cpu_ns();
    SDL_RenderPresent(bench->renderer);
    *present_ms += (double)(thread_cpu_ns() - drawn) / 1e6;
    return (double)(drawn - start) / 1e6;
}

/* Plays at the fastest speed with a frame every 16 ms of model time; returns
 * the median milliseconds of update plus drawing per frame. */
static double play_at_full_speed(Bench *bench, uint64_t frames, double *present_ms)
{
    double *times = calloc(frames, sizeof *times);
    if (times == NULL) {
        bench_usage_error("render_bench", "out of memory");
    }
    Action faster = {.kind = ACTION_SPEED, .amount = 100}, restart = {.kind = ACTION_RESTART};
    Action play = {.kind = ACTION_TOGGLE_PLAY};
    model_apply(bench->model, &faster, 0);
    model_apply(bench->model, &restart, 0);
    model_apply(bench->model, &play, 0);
    for (uint64_t i = 0; i < frames; i++) {
        uint64_t start = thread_cpu_ns();
        if (!model_playing(bench->model)) {
            model_apply(bench->model, &restart, 16 * i);
            model_apply(bench->model, &play, 16 * i);
        }
        model_update(bench->model, 16 * (i + 1));
        times[i] = (double)(thread_cpu_ns() - start) / 1e6 + frame(bench, present_ms);
    }
    double median = bench_median(times, frames);
    free(times);
    return median;
}

static void measure(Bench *bench, uint64_t cells, uint64_t frames)
{
    double *full = calloc(frames, sizeof *full), *step = calloc(frames, sizeof *step);
    if (full == NULL || step == NULL) {
        bench_usage_error("render_bench", "out of memory");
    }
    double present_ms = 0;
    frame(bench, &present_ms); /* first upload and the whole-run plots */
    present_ms = 0;
    for (uint64_t i = 0; i < frames; i++) {
        model_request_redraw(bench->model);
        full[i] = frame(bench, &present_ms);
    }
    Action one = {.kind = ACTION_STEP, .amount = 1};
    for (uint64_t i = 0; i < frames; i++) {
        model_apply(bench->model, &one, 0);
        step[i] = frame(bench, &present_ms);
    }
    double playing = play_at_full_speed(bench, frames, &present_ms);
    double full_worst = bench_max(full, frames), step_worst = bench_max(step, frames);
    printf("| %llu | %dx%d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", (unsigned long long)cells,
           bench->layout.width, bench->layout.height, bench_median(full, frames), full_worst,
           bench_median(step, frames), step_worst, playing, present_ms / (double)(3 * frames));
    free(full);
    free(step);
}

static bool bench_cells(uint64_t cells, uint64_t frames)
{
    Bench bench = {0};
    char message[256] = "";
    bench.window = SDL_CreateWindow("render_bench", 0, 0, 1280, 800, SDL_WINDOW_HIDDEN);
    bench.renderer = bench.window ? SDL_CreateRenderer(bench.window, -1, SDL_RENDERER_SOFTWARE) : NULL;
    bool ok = bench.renderer != NULL &&
              render_create(bench.renderer, HEAPVIZ_BENCH_FONT, TEXT_PIXELS, 1, &bench.render, message, sizeof message);
    bench.model = ok ? make_model(cells) : NULL;
    ok = bench.model != NULL && fit_window(&bench, cells);
    if (ok) {
        measure(&bench, cells, frames);
    } else {
        fprintf(stderr, "render_bench: %llu cells: %s %s\n", (unsigned long long)cells, message, SDL_GetError());
    }
    model_destroy(bench.model);
    render_destroy(bench.render);
    if (bench.renderer) {
        SDL_DestroyRenderer(bench.renderer);
    }
    if (bench.window) {
        SDL_DestroyWindow(bench.window);
    }
    return ok;
}

int main(int argc, char **argv)
{
    uint64_t frames = 30;
    for (int i = 1; i < argc;) {
        if (!bench_option_u64(argc, argv, &i, "--frames", 1, 100000, &frames)) {
            bench_usage_error(argv[0], "usage: render_bench [--frames N]");
        }
    }
    if (SDL_getenv("SDL_VIDEODRIVER") == NULL) {
        SDL_setenv("SDL_VIDEODRIVER", "offscreen", 1);
    }
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0"); /* as the window does */
    if (SDL_Init(SDL_INIT_VIDEO) != 0 || TTF_Init() != 0) {
        fprintf(stderr, "render_bench: cannot start SDL: %s\n", SDL_GetError());
        return 1;
    }
    printf("| cells | window | full redraw median ms | worst | one step median ms | worst "
           "| full speed (update + draw) median ms | present mean ms |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    static const uint64_t sizes[] = {8192, 1000000, 16000000};
    bool ok = true;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ok = bench_cells(sizes[i], frames) && ok;
    }
    TTF_Quit();
    SDL_Quit();
    return ok ? 0 : 1;
}
