/*
 * export.h - heapviz --export FILE: the window's frames over a range of
 * steps, rendered offscreen (the --screenshot path, window.h) and written
 * as an animated GIF (gif_writer.h) or a video (video_writer.h).
 */
#ifndef HEAPVIZ_EXPORT_H
#define HEAPVIZ_EXPORT_H

#include "options.h"

/* Writes options->export_path. Returns a process exit status: 0, 1 (bad
 * input: an unwritable file, a bad trace), 2 (bad usage: an unknown
 * extension, a format this build lacks, a step past the run); a sentence
 * on stderr when not 0. Nothing is left at the path unless it succeeds (a
 * signal is handled by output_file_clean_up_on_signals). */
int export_run(const Options *options);

#endif
