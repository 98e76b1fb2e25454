/*
 * window.h - the visualizer window: opens SDL, runs the event loop until the
 * user quits, and cleans up through one path. Also renders a single frame to
 * a PNG for --screenshot; window_capture is that path with a few actions
 * applied first, so tests can capture views the command line does not reach
 * (detail view, help overlay, compare mode) through the very code the
 * program runs. The offscreen functions below are that path in pieces, for
 * --export, which renders many frames of one run.
 */
#ifndef HEAPVIZ_WINDOW_H
#define HEAPVIZ_WINDOW_H

#include "frame.h"
#include "model.h"
#include "options.h"
#include <stddef.h>

typedef struct Window Window;

/* The time to draw a still frame at: every split/coalesce mark has faded. */
#define WINDOW_STILL_MS (UINT64_MAX / 2)

/* Runs the window (or, with options->screenshot_path, renders one frame to a
 * PNG and returns). Returns a process exit status: 0, EXIT_BAD_INPUT or
 * EXIT_BAD_USAGE, after printing one sentence to stderr on failure. Every
 * window (these functions and the offscreen ones below) sets the process's
 * malloc to give each block of 128 KiB or more a mapping of its own, so the
 * history's freed snapshots go back to the system (window.c). */
int window_run(const Options *options);

/* As window_run with options->screenshot_path set: goes to options->at_step
 * (or the end), applies `actions` in order, renders one frame offscreen at
 * width x height window points and writes the PNG. Returns an exit status. */
int window_capture(const Options *options, const Action *actions, size_t action_count, int width, int height);

/* Opens a hidden window of width x height points on SDL's offscreen driver
 * with options' run, computed to the end (the timeline shows all of it), at
 * step 0. Refuses an --at-step past the end. Returns an exit status (after
 * printing one sentence); *out is set either way, for window_close. */
int window_open_offscreen(const Options *options, int width, int height, Window **out);

/* The model behind the window, to move it between frames. */
Model *window_model(Window *window);

/* The size of a frame in pixels (output pixels: points times the display's scale). */
void window_frame_size(Window *window, int *width, int *height);

/* Draws the frame the model shows at time `now_ms` (WINDOW_STILL_MS: marks
 * faded, as --screenshot draws), its text at the model's scale, and reads
 * it into `frame`, which must have window_frame_size's size. False with a
 * sentence in `message` on failure. */
bool window_render(Window *window, uint64_t now_ms, Frame *frame, char *message, size_t message_size);

/* Closes what window_open_offscreen opened. NULL is fine. */
void window_close(Window *window);

#endif
