/*
 * export.c - --export: an animation of the window (see export.h).
 *
 * Frame f shows step from + f * every (the last frame shows `to`) and is
 * drawn at f / fps seconds of a pretend clock, so the split and coalesce
 * marks look as they would to someone watching the run play at
 * fps * every steps per second. Each frame lasts one tick (1 / fps s); the
 * last one is the still picture --screenshot makes of its step, and lasts
 * one second.
 *
 * A GIF shares one palette between its frames, so before writing, up to
 * PALETTE_SAMPLES frames spread over the range are rendered and their
 * colours counted. Everything goes through an OutputFile: a temporary
 * beside the target, renamed over it at the end; SIGINT and SIGTERM remove
 * the temporary and exit (output_file_clean_up_on_signals, set up by main).
 */
#define _POSIX_C_SOURCE 200809L /* isatty */
#include "export.h"

#include "frame.h"
#include "gif_writer.h"
#include "output_file.h"
#include "palette.h"
#include "video_writer.h"
#include "window.h"
#include <SDL.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum {
    PALETTE_SAMPLES = 16,
    GIF_MAX_FPS = 50,            /* GIF delays are in 1/100 s, and viewers slow anything under 2/100 s */
    PROGRESS_MS = 1000           /* how often progress is reported */
};

typedef enum { FORMAT_GIF, FORMAT_MP4, FORMAT_WEBM } ExportFormat;

typedef struct {
    const Options *options;
    ExportFormat format;
    uint64_t from, to;           /* steps */
    uint64_t frame_count;
    OutputFile *file;
    Window *window;
    Frame frame;
    GifWriter *gif;
    VideoWriter *video;
    uint64_t started_ms, reported_ms;
    bool reported;               /* progress is on stderr */
} Export;

static int fail(int status, const char *format, const char *detail)
{
    fprintf(stderr, "heapviz: ");
    fprintf(stderr, format, detail);
    fputc('\n', stderr);
    return status;
}

/* --- what to write ------------------------------------------------------------ */

static bool format_of(const char *path, ExportFormat *format)
{
    static const struct {
        const char *extension;
        ExportFormat format;
    } known[] = {{".gif", FORMAT_GIF}, {".mp4", FORMAT_MP4}, {".webm", FORMAT_WEBM}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot != NULL && i < sizeof known / sizeof known[0]; i++) {
        if (strcasecmp(dot, known[i].extension) == 0 && dot != path && dot[-1] != '/') {
            *format = known[i].format;
            return true;
        }
    }
    return false;
}

/* The checks that need no window: the format, and whether this build writes it. */
static int check_format(Export *export)
{
    const Options *options = export->options;
    char message[400];
    if (!format_of(options->export_path, &export->format)) {
        return fail(EXIT_BAD_USAGE, "--export takes a file ending in .gif, .mp4 or .webm, not '%s'",
                    options->export_path);
    }
    bool available = export->format == FORMAT_GIF ? gif_writer_available(message, sizeof message)
                                                  : video_writer_available(message, sizeof message);
    if (!available) {
        return fail(EXIT_BAD_USAGE, "%s", message);
    }
    if (export->format == FORMAT_GIF && options->export_fps > GIF_MAX_FPS) {
        return fail(EXIT_BAD_USAGE, "--fps goes up to 50 for a .gif (its delays are in hundredths of a second)%s",
                    "");
    }
    return 0;
}

/* The checks that need the run: the steps, and a video's even size. */
static int check_range(Export *export)
{
    const Options *options = export->options;
    uint64_t total = model_total(window_model(export->window));
    export->from = options->export_from;
    export->to = options->export_to_given ? options->export_to : total;
    char detail[200];
    if (export->from > total || export->to > total) {
        const char *name = export->from > total ? "--from" : "--to";
        snprintf(detail, sizeof detail, "%s %llu is past the end of the run, which has %llu steps", name,
                 (unsigned long long)(export->from > total ? export->from : export->to), (unsigned long long)total);
        return fail(EXIT_BAD_USAGE, "%s", detail);
    }
    if (export->format != FORMAT_GIF && (export->frame.width % 2 != 0 || export->frame.height % 2 != 0)) {
        return fail(EXIT_BAD_USAGE, "a video needs an even width and height; choose another --size%s", "");
    }
    uint64_t every = options->export_every;
    export->frame_count = (export->to - export->from + every - 1) / every + 1;
    return 0;
}

/* --- the frames ------------------------------------------------------------------ */

static uint64_t step_of(const Export *export, uint64_t frame)
{
    uint64_t step = export->from + frame * export->options->export_every;
    return frame + 1 == export->frame_count || step > export->to ? export->to : step;
}

/* Frame f's length in ticks of 1 / fps s: one, and a second for the last. */
static uint32_t ticks_of(const Export *export, uint64_t frame)
{
    return frame + 1 == export->frame_count ? (uint32_t)(export->options->export_fps * FRAME_HOLD_LAST_MS / 1000) : 1;
}

/* Draws frame f into export->frame. */
static bool render(Export *export, uint64_t frame)
{
    uint64_t fps = export->options->export_fps;
    uint64_t step = step_of(export, frame);
    uint64_t now_ms = frame + 1 == export->frame_count ? WINDOW_STILL_MS : frame * 1000 / fps;
    Action jump = {.kind = ACTION_JUMP_TO, .amount = (int64_t)step};
    Model *model = window_model(export->window);
    if (!model_apply(model, &jump, frame * 1000 / fps)) {
        fail(EXIT_BAD_INPUT, "cannot go to the step: %s", model_status(model));
        return false;
    }
    char message[400];
    if (!window_render(export->window, now_ms, &export->frame, message, sizeof message)) {
        fail(EXIT_BAD_INPUT, "%s", message);
        return false;
    }
    return true;
}

/* Frames spread evenly over the range, first and last included. */
static Palette *sample_palette(Export *export)
{
    Palette *palette = palette_create();
    uint64_t samples = export->frame_count < PALETTE_SAMPLES ? export->frame_count : PALETTE_SAMPLES;
    for (uint64_t i = 0; palette != NULL && i < samples; i++) {
        uint64_t frame = samples > 1 ? i * (export->frame_count - 1) / (samples - 1) : 0;
        if (!render(export, frame) || !palette_sample(palette, &export->frame)) {
            palette_destroy(palette);
            return NULL;
        }
    }
    return palette;
}

static bool open_writer(Export *export)
{
    char message[400] = "out of memory";
    int width = export->frame.width, height = export->frame.height;
    if (export->format == FORMAT_GIF) {
        Palette *palette = sample_palette(export);
        export->gif = palette ? gif_writer_open(export->file, width, height, palette, message, sizeof message) : NULL;
    } else {
        const char *container = export->format == FORMAT_MP4 ? "mp4" : "webm";
        export->video = video_writer_open(export->file, container, width, height,
                                          (uint32_t)export->options->export_fps, message, sizeof message);
    }
    if (export->gif == NULL && export->video == NULL) {
        fail(EXIT_BAD_INPUT, "%s", message);
        return false;
    }
    return true;
}

static bool write_frame(Export *export, uint64_t frame)
{
    char message[400];
    uint32_t ticks = ticks_of(export, frame);
    bool ok;
    if (export->gif != NULL) {
        uint64_t start = frame; /* every earlier frame lasted one tick */
        uint32_t delay_cs = gif_writer_delay_cs(start, start + ticks, export->options->export_fps);
        ok = gif_writer_add(export->gif, &export->frame, delay_cs, message, sizeof message);
    } else {
        ok = video_writer_add(export->video, &export->frame, ticks, message, sizeof message);
    }
    if (!ok) {
        fail(EXIT_BAD_INPUT, "%s", message);
    }
    return ok;
}

static void report_progress(Export *export, uint64_t done)
{
    uint64_t now = SDL_GetTicks64();
    if (now - export->reported_ms < PROGRESS_MS || done == 0) {
        return;
    }
    export->reported_ms = now;
    export->reported = true;
    uint64_t left_s = (now - export->started_ms) * (export->frame_count - done) / done / 1000;
    bool terminal = isatty(STDERR_FILENO);
    fprintf(stderr, "%sheapviz: %s: frame %llu of %llu, about %llu s left%s", terminal ? "\r" : "",
            export->options->export_path, (unsigned long long)done, (unsigned long long)export->frame_count,
            (unsigned long long)left_s, terminal ? "\033[K" : "\n");
}

static bool write_frames(Export *export)
{
    export->started_ms = export->reported_ms = SDL_GetTicks64();
    for (uint64_t frame = 0; frame < export->frame_count; frame++) {
        if (!render(export, frame) || !write_frame(export, frame)) {
            return false;
        }
        report_progress(export, frame + 1);
    }
    if (export->reported && isatty(STDERR_FILENO)) {
        fputc('\n', stderr);
    }
    return true;
}

/* Ends the writer and renames the file into place. */
static int finish(Export *export)
{
    char message[400];
    bool ok = export->gif ? gif_writer_finish(export->gif, message, sizeof message)
                          : video_writer_finish(export->video, message, sizeof message);
    export->gif = NULL;
    export->video = NULL;
    if (ok) {
        ok = output_file_commit(export->file, message, sizeof message);
        export->file = NULL;
    }
    return ok ? 0 : fail(EXIT_BAD_INPUT, "%s", message);
}

/* --- start and stop ------------------------------------------------------------ */

static int start(Export *export)
{
    char message[400];
    int status = check_format(export);
    if (status == 0 && (export->file = output_file_open(export->options->export_path, message, sizeof message)) == NULL) {
        status = fail(EXIT_BAD_INPUT, "%s", message);
    }
    if (status == 0) {
        SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1"); /* main's remove the temporary file */
        status = window_open_offscreen(export->options, (int)export->options->window_width,
                                       (int)export->options->window_height, &export->window);
    }
    if (status == 0) {
        window_frame_size(export->window, &export->frame.width, &export->frame.height);
        status = check_range(export);
    }
    if (status == 0 && (export->frame = frame_create(export->frame.width, export->frame.height)).pixels == NULL) {
        status = fail(EXIT_BAD_INPUT, "out of memory for a frame%s", "");
    }
    return status;
}

static void stop(Export *export)
{
    gif_writer_abandon(export->gif);
    video_writer_abandon(export->video);
    output_file_discard(export->file);
    frame_destroy(&export->frame);
    window_close(export->window);
}

int export_run(const Options *options)
{
    Export export = {.options = options};
    int status = start(&export);
    if (status == 0) {
        status = open_writer(&export) && write_frames(&export) ? finish(&export) : EXIT_BAD_INPUT;
    }
    stop(&export);
    return status;
}
