/*
 * window.c - the visualizer window: starts SDL, SDL2_ttf and SDL2_image,
 * runs the loop (drain events, update the model, render), and stops through
 * one cleanup path. With --screenshot it renders one frame with SDL's
 * offscreen driver and writes a PNG instead.
 *
 * `r` records what the window shows into a GIF (recording.h): each frame
 * drawn is offered to the recording before the red REC mark is drawn over
 * it, and `r` again, a change of window size or quitting saves it as
 * heapviz-POLICY-steps-N-M.gif in the current directory, beside the
 * screenshots.
 *
 * The loop waits for events (SDL_WaitEvent) whenever nothing moves on its
 * own, so a paused window costs no CPU. While the run is not computed to the
 * end, each frame also spends a few milliseconds computing ahead, so the
 * timeline's plots fill in for the whole run.
 */
#include "window.h"

#include "input.h"
#include "model.h"
#include "render.h"
#include "headless.h"
#include "output_file.h"
#include "recording.h"
#include "trace.h"
#include "window.h"
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

enum {
    TEXT_POINTS = 15,            /* text height in window points */
    DEFAULT_HISTORY_MB = 256,
    AHEAD_MS = 10,               /* computing ahead, per frame (of FRAME_MS) */
    FRAME_MS = 16,
    MAPPED_BLOCK_BYTES = 128 << 10 /* blocks this big get a mapping of their own (glibc's first value) */
};

/* A recording's scratch file goes in the directory of this (unused) name:
 * the current directory, where it is saved. */
#define WINDOW_RECORDING_BESIDE "heapviz-recording.gif"

struct Window {
    const Options *options;
    const char *font_path;
    Trace *trace;
    OstepRuns *ostep;            /* --ostep: malloc.py's runs, one per policy */
    Model *model;
    bool sdl_started, ttf_started, image_started;
    SDL_Window *window;
    SDL_Renderer *renderer;
    Render *render;
    float scale;                 /* output pixels per window point */
    double text_scale;           /* the model's --scale the render was made for */
    Layout layout;
    InputState input;
    bool minimized;
    bool screenshot_asked;       /* s was pressed: save the next frame drawn */
    bool record_asked;           /* r was pressed: start or stop recording */
    Recording *recording;        /* while r records, else NULL */
    uint64_t recording_from;     /* the step it started at */
    Frame recorded;              /* the frame read for it, the layout's size */
    bool budget_noted;           /* the one line saying --history-mb is too small was written */
};

static int fail(int status, const char *format, const char *detail)
{
    fprintf(stderr, "heapviz: ");
    fprintf(stderr, format, detail);
    fputc('\n', stderr);
    return status;
}

/* --- start ---------------------------------------------------------------- */

/* The model says why an action failed (memory ran out) on its status line;
 * the log keeps it too. */
static void apply(Window *window, const Action *action, uint64_t now_ms)
{
    if (!model_apply(window->model, action, now_ms)) {
        SDL_Log("heapviz: %s", model_status(window->model));
    }
}

/* --ostep: malloc.py's program under each policy, the -p one in the single
 * pane; every compare pane's policy must have its run. */
static int load_ostep(Window *window, ModelConfig *config)
{
    char message[512];
    int status = ostep_runs_create(window->options->ostep_argc, window->options->ostep_argv, &window->ostep,
                                   message, sizeof message);
    if (status != 0) {
        return fail(status, "%s", message);
    }
    config->ostep = window->ostep;
    config->heap = ostep_runs_setup(window->ostep);
    config->workload = *ostep_runs_workload(window->ostep, config->heap.config.policy);
    for (uint32_t i = 0; i < config->compare_count; i++) {
        const char *refusal = ostep_runs_refusal(window->ostep, config->compare[i].policy);
        if (refusal != NULL) {
            snprintf(message, sizeof message, "--compare %s: %s",
                     config->heap.design->policies[config->compare[i].policy], refusal);
            return fail(EXIT_BAD_INPUT, "%s", message);
        }
    }
    return 0;
}

/* The workload and heap: --ostep's runs, else a trace or the simulation. */
static int load_workload(Window *window, ModelConfig *config)
{
    const Options *options = window->options;
    char message[512];
    config->compare_count = options->compare_count <= MODEL_MAX_PANES ? options->compare_count : MODEL_MAX_PANES;
    for (uint32_t i = 0; i < config->compare_count; i++) {
        config->compare[i] = options->compare[i];
    }
    if (options->ostep) {
        return load_ostep(window, config);
    }
    if (!headless_load(options, &config->workload, &window->trace, &config->heap, message, sizeof message))
        return fail(EXIT_BAD_INPUT, "%s", message);
    return 0;
}

static int make_model(Window *window)
{
    const Options *options = window->options;
    char message[512];
    ModelConfig config = {.page_bytes = options->sim.page_size};
    int status = load_workload(window, &config);
    if (status != 0)
        return status;
    uint64_t megabytes = options->history_mb ? options->history_mb : DEFAULT_HISTORY_MB;
    config.history_bytes = megabytes << 20;
    config.search_steps = options->search_steps;
    config.quiz = options->quiz;
    config.lesson = options->lesson;
    config.scale = options->scale;
    HeapError error = model_create(&config, &window->model);
    /* Why a design refuses its configuration is worked out only once it has:
     * trying costs a heap (`recorded` lays out a whole capture). */
    if (error == HEAP_ERROR_INVALID_CONFIG && !options->ostep &&
        !headless_setup_fits(options, &config.heap, message, sizeof message)) {
        return fail(EXIT_BAD_USAGE, "%s", message);
    }
    if (error != HEAP_OK) {
        return fail(error == HEAP_ERROR_INVALID_CONFIG ? EXIT_BAD_USAGE : EXIT_BAD_INPUT,
                    "cannot set up the heap: %s", heap_error_message(error));
    }
    if (options->lesson && !lesson_fits(options->lesson, model_total(window->model), message, sizeof message)) {
        return fail(EXIT_BAD_INPUT, "%s", message);
    }
    if (options->detail_view) {
        Action detail = {.kind = ACTION_TOGGLE_VIEW};
        apply(window, &detail, 0);
    }
    if (options->structure || options->ostep) { /* OSTEP: the free list is the lesson */
        Action structure = {.kind = ACTION_TOGGLE_STRUCTURE};
        model_apply(window->model, &structure, 0);
    }
    return 0;
}

static int check_font(Window *window)
{
    window->font_path = window->options->font_path ? window->options->font_path : HEAPVIZ_FONT_PATH;
    FILE *file = fopen(window->font_path, "rb");
    if (file == NULL) {
        return fail(EXIT_BAD_INPUT, "the font %s cannot be read (install fonts-dejavu-core or pass --font FILE)",
                    window->font_path);
    }
    fclose(file);
    return 0;
}

static int start_libraries(Window *window)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        return fail(EXIT_BAD_INPUT, "cannot start SDL video: %s", SDL_GetError());
    }
    window->sdl_started = true;
    if (TTF_Init() != 0) {
        return fail(EXIT_BAD_INPUT, "cannot start SDL2_ttf: %s", TTF_GetError());
    }
    window->ttf_started = true;
    if ((IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG) == 0) {
        return fail(EXIT_BAD_INPUT, "cannot start SDL2_image with PNG support: %s", IMG_GetError());
    }
    window->image_started = true;
    if (!SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0")) {
        SDL_Log("heapviz: nearest-pixel scaling not available: %s", SDL_GetError());
    }
    /* A software-rendered window presents through the driver's own
     * framebuffer, not through an OpenGL texture: faster offscreen, and no
     * GL library is loaded just to show a picture. */
    if (!SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0")) {
        SDL_Log("heapviz: cannot set the framebuffer hint: %s", SDL_GetError());
    }
    return 0;
}

static int open_window(Window *window, int width, int height, bool offscreen)
{
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI | (offscreen ? SDL_WINDOW_HIDDEN : 0);
    window->window = SDL_CreateWindow("heapviz", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height, flags);
    if (window->window == NULL) {
        return fail(EXIT_BAD_INPUT, "cannot open a window: %s", SDL_GetError());
    }
    if (!offscreen) {
        window->renderer = SDL_CreateRenderer(window->window, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    }
    if (window->renderer == NULL) {
        window->renderer = SDL_CreateRenderer(window->window, -1, SDL_RENDERER_SOFTWARE);
    }
    if (window->renderer == NULL) {
        return fail(EXIT_BAD_INPUT, "cannot create a renderer: %s", SDL_GetError());
    }
    return 0;
}

/* Output pixels per window point, 1 when unknown. */
static float output_scale(const Window *window)
{
    int points = 0, pixels = 0, height = 0;
    SDL_GetWindowSize(window->window, &points, &height);
    if (SDL_GetRendererOutputSize(window->renderer, &pixels, &height) != 0 || points <= 0 || pixels <= 0) {
        return 1.0f;
    }
    return (float)pixels / (float)points;
}

/* (Re)creates the renderer's text and lines at the display's scale times
 * the user's (--scale, [ and ]); the pointer keeps the display's alone.
 * False with one sentence in `message` if the text cannot be made. */
static bool remake_render(Window *window, char *message, size_t message_size)
{
    float scale = output_scale(window);
    double text_scale = model_scale(window->model);
    if (window->render != NULL && scale == window->scale && text_scale == window->text_scale) {
        return true;
    }
    render_destroy(window->render);
    window->render = NULL;
    window->scale = scale;
    window->text_scale = text_scale;
    window->input.scale = scale;
    double size = scale * text_scale;
    int pixels = (int)(TEXT_POINTS * size + 0.5), stroke = (int)(size + 0.5);
    if (!render_create(window->renderer, window->font_path, pixels, stroke, &window->render, message,
                       message_size)) {
        return false;
    }
    model_request_redraw(window->model); /* new textures start empty */
    return true;
}

/* remake_render, saying why on stderr: 0, or the exit status. */
static int make_render(Window *window)
{
    char message[512];
    return remake_render(window, message, sizeof message) ? 0 : fail(EXIT_BAD_INPUT, "%s", message);
}

static bool is_headless_driver(const char *driver)
{
    return driver != NULL && (SDL_strcmp(driver, "offscreen") == 0 || SDL_strcmp(driver, "dummy") == 0);
}

static bool names_something(const char *variable)
{
    const char *value = SDL_getenv(variable);
    return value != NULL && value[0] != '\0';
}

/* A window nobody can see is refused, instead of SDL quietly falling back to
 * a driver that draws nowhere. Asking for a driver by SDL_VIDEODRIVER (the
 * tests ask for offscreen) is the user's choice; `started` says whether SDL
 * has picked its driver yet. */
static int check_display(bool started)
{
    static const char refusal[] = "no display: cannot open a window (use --headless or --screenshot)%s";
    if (names_something("SDL_VIDEODRIVER")) {
        return 0;
    }
    if (!started && !names_something("DISPLAY") && !names_something("WAYLAND_DISPLAY")) {
        return fail(EXIT_BAD_INPUT, refusal, "");
    }
    if (started && is_headless_driver(SDL_GetCurrentVideoDriver())) {
        return fail(EXIT_BAD_INPUT, refusal, "");
    }
    return 0;
}

/* The history takes and frees blocks of 100 KiB to 20 MiB (deltas, whole
 * runs) as it thins its snapshots. glibc maps such a block only until a
 * mapped block is freed: its threshold then follows the largest freed (up to
 * 32 MiB), so later ones come from the brk heap, and the holes the history
 * leaves there stay in memory (39 MiB of the 580 MiB the window held on a
 * 10-million-operation capture, BENCHMARKS.md). A fixed threshold keeps
 * each such block in a mapping of its own, given back when it is freed. */
static void map_big_blocks(void)
{
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, MAPPED_BLOCK_BYTES);
#endif
}

static int window_start(Window *window, int width, int height, bool offscreen)
{
    map_big_blocks();
    int status = offscreen ? 0 : check_display(false);
    status = status ? status : check_font(window);
    status = status ? status : make_model(window);
    if (status == 0 && offscreen && SDL_getenv("SDL_VIDEODRIVER") == NULL &&
        SDL_setenv("SDL_VIDEODRIVER", "offscreen", 1) != 0) {
        status = fail(EXIT_BAD_INPUT, "cannot select the offscreen video driver%s", "");
    }
    status = status ? status : start_libraries(window);
    status = status || offscreen ? status : check_display(true);
    status = status ? status : open_window(window, width, height, offscreen);
    return status ? status : make_render(window);
}

static void window_stop(Window *window)
{
    recording_drop(window->recording);
    frame_destroy(&window->recorded);
    render_destroy(window->render);
    if (window->renderer != NULL) {
        SDL_DestroyRenderer(window->renderer);
    }
    if (window->window != NULL) {
        SDL_DestroyWindow(window->window);
    }
    if (window->image_started) {
        IMG_Quit();
    }
    if (window->ttf_started) {
        TTF_Quit();
    }
    if (window->sdl_started) {
        SDL_Quit();
    }
    model_destroy(window->model);
    if (window->trace != NULL) {
        trace_destroy(window->trace);
    }
    ostep_runs_destroy(window->ostep);
}

/* --- frames --------------------------------------------------------------- */

static void refresh_layout(Window *window)
{
    int width = 0, height = 0;
    if (SDL_GetRendererOutputSize(window->renderer, &width, &height) != 0) {
        SDL_Log("heapviz: cannot read the output size: %s", SDL_GetError());
    }
    window->layout = render_layout(window->render, width, height, window->model);
    const LayoutRect *grid = &window->layout.pane_grids[0];
    model_set_grid_area(window->model, (uint32_t)grid->w, (uint32_t)grid->h);
}

static void draw_frame(Window *window, uint64_t now_ms)
{
    refresh_layout(window);
    DirtyRange dirty[MODEL_MAX_PANES];
    for (uint32_t pane = 0; pane < model_pane_count(window->model); pane++) {
        dirty[pane] = model_take_dirty(window->model, pane);
    }
    render_update(window->render, window->model, dirty);
    render_frame(window->render, window->model, &window->layout, now_ms);
    const char *error = render_take_error(window->render);
    if (error != NULL) {
        SDL_Log("heapviz: %s", error);
    }
}

/* An SDL stream that only writes, into an OutputFile (which keeps any error
 * for its commit). */
static size_t SDLCALL stream_write(SDL_RWops *stream, const void *bytes, size_t size, size_t count)
{
    output_file_bytes(stream->hidden.unknown.data1, bytes, size * count);
    return count;
}

static Sint64 SDLCALL stream_cannot_seek(SDL_RWops *stream, Sint64 offset, int whence)
{
    (void)stream, (void)offset, (void)whence;
    return SDL_SetError("a PNG stream only writes");
}

static Sint64 SDLCALL stream_size(SDL_RWops *stream)
{
    (void)stream;
    return -1;
}

static size_t SDLCALL stream_cannot_read(SDL_RWops *stream, void *bytes, size_t size, size_t count)
{
    (void)stream, (void)bytes, (void)size, (void)count;
    return 0;
}

static int SDLCALL stream_close(SDL_RWops *stream)
{
    SDL_FreeRW(stream);
    return 0;
}

/* Encodes `surface` as a PNG into `path` through output_file: the file
 * appears whole or not at all, and a device (/dev/full) reports its error. */
static bool write_png(SDL_Surface *surface, const char *path, char *message, size_t size)
{
    OutputFile *file = output_file_open(path, message, size);
    SDL_RWops *stream = file != NULL ? SDL_AllocRW() : NULL;
    if (file != NULL && stream == NULL) {
        snprintf(message, size, "cannot write '%s': %s", path, SDL_GetError());
    }
    if (stream == NULL) {
        output_file_discard(file);
        return false;
    }
    stream->type = SDL_RWOPS_UNKNOWN;
    stream->size = stream_size;
    stream->seek = stream_cannot_seek;
    stream->read = stream_cannot_read;
    stream->write = stream_write;
    stream->close = stream_close;
    stream->hidden.unknown.data1 = file;
    if (IMG_SavePNG_RW(surface, stream, 1) != 0) {
        snprintf(message, size, "cannot write '%s': %s", path, IMG_GetError());
        output_file_discard(file);
        return false;
    }
    return output_file_commit(file, message, size);
}

/* Reads what has been drawn (before it is presented) into `frame`, whose
 * size is the layout's. */
static bool read_pixels(Window *window, Frame *frame, char *message, size_t size)
{
    if (frame->width != window->layout.width || frame->height != window->layout.height ||
        SDL_RenderReadPixels(window->renderer, NULL, SDL_PIXELFORMAT_ARGB8888, frame->pixels,
                             frame->width * (int)sizeof *frame->pixels) != 0) {
        snprintf(message, size, "cannot read the frame: %s", SDL_GetError());
        return false;
    }
    return true;
}

/* Writes what has been drawn (before it is presented) to a PNG. */
static bool save_png(Window *window, const char *path, char *message, size_t size)
{
    int width = window->layout.width, height = window->layout.height;
    SDL_Surface *surface = SDL_CreateRGBSurfaceWithFormat(0, width > 0 ? width : 1, height > 0 ? height : 1, 32,
                                                          SDL_PIXELFORMAT_ARGB8888);
    if (surface == NULL) {
        snprintf(message, size, "cannot read the frame: %s", SDL_GetError());
        return false;
    }
    Frame frame = {.width = width, .height = height, .pixels = surface->pixels};
    bool ok = surface->pitch == width * 4 && read_pixels(window, &frame, message, size);
    if (ok) {
        ok = write_png(surface, path, message, size);
    }
    SDL_FreeSurface(surface);
    return ok;
}

static void handle_event(Window *window, const SDL_Event *event, uint64_t now_ms)
{
    switch (input_window_command(event)) {
    case WINDOW_SCREENSHOT: window->screenshot_asked = true; break;
    case WINDOW_RECORD: window->record_asked = true; break;
    case WINDOW_HIDDEN: window->minimized = true; break;
    case WINDOW_SHOWN: window->minimized = false; break;
    case WINDOW_RENDER_RESET:
        render_destroy(window->render); /* its textures are gone: make_render starts again */
        window->render = NULL;
        break;
    case WINDOW_NOTHING: break;
    }
    Action actions[INPUT_MAX_ACTIONS];
    int count = input_translate(&window->input, event, window->model, &window->layout, actions);
    for (int i = 0; i < count; i++) {
        apply(window, &actions[i], now_ms);
    }
}

/* Says once, on stderr and the status line, that the budget cannot hold the
 * run's three copies (now, the furthest step, step 0): the history keeps
 * them anyway, and only step 0's snapshot, so a step back replays from there. */
static void note_budget(Window *window)
{
    if (window->budget_noted || !model_over_budget(window->model)) {
        return;
    }
    window->budget_noted = true;
    char text[200];
    uint64_t megabytes = window->options->history_mb ? window->options->history_mb : DEFAULT_HISTORY_MB;
    snprintf(text, sizeof text, "--history-mb %llu is too small for this run: it uses more, "
             "and steps back replay from step 0", (unsigned long long)megabytes);
    fprintf(stderr, "heapviz: note: %s\n", text);
    model_set_status(window->model, text);
}

static void compute_ahead(Window *window)
{
    Uint64 start = SDL_GetPerformanceCounter();
    Uint64 budget = SDL_GetPerformanceFrequency() * AHEAD_MS / 1000;
    while (model_compute_ahead(window->model, 256) > 0 && SDL_GetPerformanceCounter() - start < budget) {
    }
    note_budget(window);
}

static void screenshot_on_request(Window *window)
{
    if (!window->screenshot_asked) {
        return;
    }
    window->screenshot_asked = false;
    char name[160], message[400];
    model_screenshot_name(window->model, name, sizeof name);
    if (save_png(window, name, message, sizeof message)) {
        snprintf(message, sizeof message, "screenshot saved: %s", name);
    }
    model_set_status(window->model, message);
}

/* --- recording ---------------------------------------------------------------- */

/* Reads the frame just drawn into window->recorded. */
static bool read_recorded(Window *window, char *message, size_t size)
{
    Frame *frame = &window->recorded;
    if (frame->width != window->layout.width || frame->height != window->layout.height) {
        frame_destroy(frame);
        *frame = frame_create(window->layout.width, window->layout.height);
    }
    if (frame->pixels == NULL) {
        snprintf(message, size, "out of memory for the recording");
        return false;
    }
    return read_pixels(window, frame, message, size);
}

/* A sentence for the status line and, as the window may be closing, stderr. */
static void say(Window *window, const char *sentence)
{
    fprintf(stderr, "heapviz: %s\n", sentence);
    model_set_status(window->model, sentence);
}

/* Starts recording with the frame just drawn, shown from `now_ms`. */
static void start_recording(Window *window, uint64_t now_ms)
{
    char message[400];
    uint32_t frame_ms = (uint32_t)(1000 / window->options->export_fps);
    if (!read_recorded(window, message, sizeof message) ||
        (window->recording = recording_start(WINDOW_RECORDING_BESIDE, &window->recorded, now_ms, frame_ms,
                                             message, sizeof message)) == NULL) {
        say(window, message);
        return;
    }
    window->recording_from = model_position(window->model);
}

/* Stops recording at `now_ms` and saves the GIF. Its last frame is the
 * still picture of the step (as --export's), unless the window changed
 * size: then the frame kept last is held. The live frame is drawn again. */
static void stop_recording(Window *window, uint64_t now_ms)
{
    char name[160], message[400];
    model_recording_name(window->model, window->recording_from, name, sizeof name);
    bool resized = !recording_fits(window->recording, window->layout.width, window->layout.height);
    if (!resized) {
        draw_frame(window, WINDOW_STILL_MS);
    }
    Recording *recording = window->recording;
    window->recording = NULL;
    bool ok = resized || read_recorded(window, message, sizeof message);
    if (!ok) {
        recording_drop(recording);
    }
    ok = ok && recording_finish(recording, resized ? NULL : &window->recorded, now_ms, name, message, sizeof message);
    if (ok) {
        snprintf(message, sizeof message, "recording saved: %s", name);
    }
    say(window, message);
    draw_frame(window, now_ms);
}

/* `r` starts or stops the recording; while it records, the frame just
 * drawn (at `now_ms`) is kept if one is due, and the REC mark is drawn
 * over it afterwards. */
static void record_on_request(Window *window, uint64_t now_ms)
{
    bool asked = window->record_asked;
    window->record_asked = false;
    if (window->recording == NULL) {
        if (asked) {
            start_recording(window, now_ms);
        }
    } else if (asked || !recording_fits(window->recording, window->layout.width, window->layout.height)) {
        stop_recording(window, now_ms);
    } else if (recording_due(window->recording, now_ms)) {
        char message[400], sentence[480];
        if (!read_recorded(window, message, sizeof message) ||
            !recording_add(window->recording, &window->recorded, now_ms, message, sizeof message)) {
            recording_drop(window->recording);
            window->recording = NULL;
            snprintf(sentence, sizeof sentence, "the recording stopped and was not saved: %s", message);
            say(window, sentence);
        }
    }
    if (window->recording != NULL) {
        render_recording_mark(window->render, &window->layout);
    }
}

static int window_loop(Window *window)
{
    while (!model_quit_requested(window->model)) {
        Uint64 frame_start = SDL_GetTicks64();
        SDL_Event event;
        if (!model_busy(window->model, frame_start) || window->minimized) {
            if (!SDL_WaitEvent(&event)) {
                return fail(EXIT_BAD_INPUT, "waiting for events failed: %s", SDL_GetError());
            }
            handle_event(window, &event, SDL_GetTicks64());
        }
        while (SDL_PollEvent(&event)) {
            handle_event(window, &event, SDL_GetTicks64());
        }
        model_update(window->model, SDL_GetTicks64());
        compute_ahead(window);
        if (make_render(window) != 0) {
            return EXIT_BAD_INPUT;
        }
        if (!window->minimized) {
            uint64_t now_ms = SDL_GetTicks64();
            draw_frame(window, now_ms);
            screenshot_on_request(window);
            record_on_request(window, now_ms);
            SDL_RenderPresent(window->renderer);
        }
        Uint64 spent = SDL_GetTicks64() - frame_start;
        if (spent < FRAME_MS && model_busy(window->model, SDL_GetTicks64())) {
            SDL_Delay((Uint32)(FRAME_MS - spent));
        }
    }
    if (window->recording != NULL) { /* quitting saves the recording */
        stop_recording(window, SDL_GetTicks64());
    }
    return 0;
}

/* --- entry points ----------------------------------------------------------- */

int window_open_offscreen(const Options *options, int width, int height, Window **out)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return fail(EXIT_BAD_INPUT, "out of memory opening a window%s", "");
    }
    Window *window = *out;
    window->options = options;
    window->input = input_start();
    int status = window_start(window, width, height, true);
    char message[400];
    if (status == 0 && !options_at_step_fits(options, model_total(window->model), message, sizeof message)) {
        status = fail(EXIT_BAD_USAGE, "%s", message); /* no picture of a step the run does not have */
    }
    if (status == 0) {
        while (model_compute_ahead(window->model, 4096) > 0 || model_settling(window->model)) {
        } /* the timeline shows the whole run, and jumps find what follows it done */
        note_budget(window);
        refresh_layout(window);
    }
    return status;
}

Model *window_model(Window *window)
{
    return window->model;
}

void window_frame_size(Window *window, int *width, int *height)
{
    refresh_layout(window);
    *width = window->layout.width;
    *height = window->layout.height;
}

bool window_render(Window *window, uint64_t now_ms, Frame *frame, char *message, size_t message_size)
{
    if (!remake_render(window, message, message_size)) { /* the text at the model's scale ([ and ] change it) */
        return false;
    }
    draw_frame(window, now_ms);
    return read_pixels(window, frame, message, message_size);
}

void window_close(Window *window)
{
    if (window != NULL) {
        window_stop(window);
        free(window);
    }
}

int window_capture(const Options *options, const Action *actions, size_t action_count, int width, int height)
{
    Window *window = NULL;
    int status = window_open_offscreen(options, width, height, &window);
    if (status == 0) {
        uint64_t step = options->at_step_given ? options->at_step : model_total(window->model);
        bool search = options->search_steps && step > 0; /* arrive by a step: its first probe shows */
        uint64_t before = search ? step - 1 : step;
        Action jump = {.kind = ACTION_JUMP_TO, .amount = before > INT64_MAX ? INT64_MAX : (int64_t)before};
        Action forward = {.kind = ACTION_STEP, .amount = 1};
        if (!model_apply(window->model, &jump, 0) || (search && !model_apply(window->model, &forward, 0))) {
            status = fail(EXIT_BAD_INPUT, "cannot go to the step: %s", model_status(window->model));
        }
    }
    if (status == 0) {
        for (size_t i = 0; i < action_count; i++) {
            apply(window, &actions[i], 0);
        }
        draw_frame(window, WINDOW_STILL_MS);
        char message[400];
        if (!save_png(window, options->screenshot_path, message, sizeof message)) {
            status = fail(EXIT_BAD_INPUT, "%s", message);
        }
    }
    window_close(window);
    return status;
}

int window_run(const Options *options)
{
    if (options->screenshot_path != NULL) {
        return window_capture(options, NULL, 0, (int)options->window_width, (int)options->window_height);
    }
    Window window = {.options = options, .input = input_start()};
    int status = window_start(&window, (int)options->window_width, (int)options->window_height, false);
    status = status ? status : window_loop(&window);
    window_stop(&window);
    return status;
}
