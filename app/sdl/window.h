/*
 * window.h - the visualizer window: opens SDL, runs the event loop until the
 * user quits, and cleans up through one path. Also renders a single frame to
 * a PNG for --screenshot; window_capture is that path with a few actions
 * applied first, so tests can capture views the command line does not reach
 * (detail view, help overlay, compare mode) through the very code the
 * program runs.
 */
#ifndef HEAPVIZ_WINDOW_H
#define HEAPVIZ_WINDOW_H

#include "model.h"
#include "options.h"
#include <stddef.h>

/* Runs the window (or, with options->screenshot_path, renders one frame to a
 * PNG and returns). Returns a process exit status: 0, EXIT_BAD_INPUT or
 * EXIT_BAD_USAGE, after printing one sentence to stderr on failure. */
int window_run(const Options *options);

/* As window_run with options->screenshot_path set: goes to options->at_step
 * (or the end), applies `actions` in order, renders one frame offscreen at
 * width x height window points and writes the PNG. Returns an exit status. */
int window_capture(const Options *options, const Action *actions, size_t action_count, int width, int height);

#endif
