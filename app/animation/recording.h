/*
 * recording.h - a GIF recorded while it is watched: the window's `r`.
 *
 * Frames come with the time they were shown. One is kept when at least
 * frame_ms passed since the last one kept (10 a second by default, as
 * --export's --fps), and lasts until the next one kept: a paused window
 * makes one long frame, not many equal ones. The last frame is the still
 * picture of the last step, held a second, as --export ends.
 *
 * The GIF is encoded as it goes, on a worker thread so the window does
 * not wait, by the same writer as --export (gif_writer.h), into an unnamed
 * scratch file: memory stays at three frames however long it runs, and a recording that is dropped, or a
 * process that is killed, leaves nothing behind. Stopping copies the
 * scratch to its name (known only then: it says the last step) through an
 * OutputFile, so the file appears whole or not at all.
 *
 * The palette comes from the first frame. The window shows its legend on
 * every frame, a swatch of each colour a cell can take, so the cells'
 * colours are exact; colours that appear later (blended text edges) get
 * the nearest entry.
 */
#ifndef HEAPVIZ_RECORDING_H
#define HEAPVIZ_RECORDING_H

#include "frame.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Recording Recording;

/* Starts a recording whose first frame is `first`, shown from `now_ms`,
 * keeping frames at least `frame_ms` apart; its scratch file goes in the
 * directory of `beside` (a path; the file itself is not touched). NULL with
 * a sentence in `message` on failure (an unwritable directory, no memory,
 * no giflib in this build). */
Recording *recording_start(const char *beside, const Frame *first, uint64_t now_ms, uint32_t frame_ms,
                           char *message, size_t message_size);

/* Whether a frame shown at `now_ms` would be kept. */
bool recording_due(const Recording *recording, uint64_t now_ms);

/* Whether the recording's frames are width x height (a GIF has one size). */
bool recording_fits(const Recording *recording, int width, int height);

/* Adds `frame` (the first's size), shown from `now_ms`, if it is due: a
 * copy is handed to the worker (this waits only when the worker is a whole
 * frame behind). False with a sentence in `message` when encoding failed. */
bool recording_add(Recording *recording, const Frame *frame, uint64_t now_ms, char *message, size_t message_size);

/* Ends the recording at `now_ms`, with `last` (the first's size) as the
 * final frame held a second (NULL: the frame kept last is held instead),
 * and writes the GIF to `path`. False with a
 * sentence in `message` on failure, and then nothing is at `path` that was
 * not there before. Frees the recording either way. */
bool recording_finish(Recording *recording, const Frame *last, uint64_t now_ms, const char *path, char *message,
                      size_t message_size);

/* Abandons the recording: nothing is written. NULL is fine. */
void recording_drop(Recording *recording);

#endif
