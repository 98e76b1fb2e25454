/*
 * ui_capture.h - the --screenshot path with a few actions applied first, so
 * tests can capture views the command line does not reach (detail view,
 * help overlay, compare mode) through the very code the program runs.
 */
#ifndef HEAPVIZ_UI_CAPTURE_H
#define HEAPVIZ_UI_CAPTURE_H

#include "model.h"
#include "options.h"
#include <stddef.h>

/* As window_run with options->screenshot_path set: goes to options->at_step
 * (or the end), applies `actions` in order, renders one frame offscreen at
 * width x height window points and writes the PNG. Returns an exit status. */
int window_capture(const Options *options, const Action *actions, size_t action_count, int width, int height);

#endif
