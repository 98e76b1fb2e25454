/*
 * window.h - the visualizer window: opens SDL, runs the event loop until the
 * user quits, and cleans up through one path. Also renders a single frame to
 * a PNG for --screenshot.
 */
#ifndef HEAPVIZ_WINDOW_H
#define HEAPVIZ_WINDOW_H

#include "options.h"

/* Runs the window (or, with options->screenshot_path, renders one frame to a
 * PNG and returns). Returns a process exit status: 0, EXIT_BAD_INPUT or
 * EXIT_BAD_USAGE, after printing one sentence to stderr on failure. */
int window_run(const Options *options);

#endif
