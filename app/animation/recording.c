/*
 * recording.c - a GIF recorded while it is watched (see recording.h).
 *
 * A GIF frame's delay comes before its pixels, and a frame's delay is known
 * only when the next frame is kept, so the recording holds one frame back:
 * `held` is written when the next one replaces it, and at the end. Frames
 * are kept on a fixed grid of frame_ms from the first, so a window drawing
 * 60 times a second gives 10 frames a second on average, not a little less.
 */
#include "recording.h"

#include "gif_writer.h"
#include "output_file.h"
#include "palette.h"
#include <stdio.h>
#include <stdlib.h>

struct Recording {
    OutputFile *scratch;         /* the GIF so far */
    GifWriter *gif;
    Frame held;                  /* the last frame kept, not written yet */
    uint64_t started_ms;         /* when the first frame was shown */
    uint64_t held_ms;            /* when the held frame was shown */
    uint64_t due_ms;             /* the next frame is kept from then on */
    uint32_t frame_ms;
};

static bool out_of_memory(char *message, size_t message_size)
{
    snprintf(message, message_size, "out of memory for the recording");
    return false;
}

/* The GIF's palette from the first frame, and its header into the scratch. */
static bool open_gif(Recording *recording, const Frame *first, char *message, size_t message_size)
{
    Palette *palette = palette_create();
    if (palette == NULL || !palette_sample(palette, first)) {
        palette_destroy(palette);
        return out_of_memory(message, message_size);
    }
    recording->gif = gif_writer_open(recording->scratch, first->width, first->height, palette, message, message_size);
    return recording->gif != NULL;
}

Recording *recording_start(const char *beside, const Frame *first, uint64_t now_ms, uint32_t frame_ms,
                           char *message, size_t message_size)
{
    if (!gif_writer_available(message, message_size)) {
        return NULL;
    }
    Recording *recording = calloc(1, sizeof *recording);
    if (recording == NULL) {
        out_of_memory(message, message_size);
        return NULL;
    }
    recording->frame_ms = frame_ms > 0 ? frame_ms : 1;
    recording->started_ms = recording->held_ms = now_ms;
    recording->due_ms = now_ms + recording->frame_ms;
    recording->held = frame_create(first->width, first->height);
    bool ok = recording->held.pixels != NULL || out_of_memory(message, message_size);
    ok = ok && (recording->scratch = output_file_open_scratch(beside, message, message_size)) != NULL;
    if (!ok || !open_gif(recording, first, message, message_size)) {
        recording_drop(recording);
        return NULL;
    }
    frame_copy(&recording->held, first);
    return recording;
}

bool recording_due(const Recording *recording, uint64_t now_ms)
{
    return now_ms >= recording->due_ms;
}

bool recording_fits(const Recording *recording, int width, int height)
{
    return recording->held.width == width && recording->held.height == height;
}

/* The held frame's delay if it lasts until `until_ms`, in hundredths. */
static uint32_t held_delay(const Recording *recording, uint64_t until_ms)
{
    uint64_t start = recording->held_ms - recording->started_ms;
    uint64_t end = until_ms > recording->held_ms ? until_ms - recording->started_ms : start;
    return gif_writer_delay_cs(start, end, 1000);
}

bool recording_add(Recording *recording, const Frame *frame, uint64_t now_ms, char *message, size_t message_size)
{
    if (!recording_due(recording, now_ms)) {
        return true;
    }
    if (!gif_writer_add(recording->gif, &recording->held, held_delay(recording, now_ms), message, message_size)) {
        return false;
    }
    frame_copy(&recording->held, frame);
    recording->held_ms = now_ms;
    while (recording->due_ms <= now_ms) {
        recording->due_ms += recording->frame_ms;
    }
    return true;
}

/* Writes the held frame until `now_ms` (unless it would last no hundredth),
 * then `last` for a second (or the held frame, when `last` is NULL), and
 * ends the GIF. */
static bool end_gif(Recording *recording, const Frame *last, uint64_t now_ms, char *message, size_t message_size)
{
    uint32_t delay = last != NULL ? held_delay(recording, now_ms) : 0;
    GifWriter *gif = recording->gif;
    last = last != NULL ? last : &recording->held;
    bool ok = (delay == 0 || gif_writer_add(gif, &recording->held, delay, message, message_size)) &&
              gif_writer_add(gif, last, FRAME_HOLD_LAST_MS / 10, message, message_size);
    if (ok) {
        recording->gif = NULL; /* finish frees it, whatever it returns */
        ok = gif_writer_finish(gif, message, message_size);
    }
    return ok;
}

bool recording_finish(Recording *recording, const Frame *last, uint64_t now_ms, const char *path, char *message,
                      size_t message_size)
{
    bool ok = end_gif(recording, last, now_ms, message, message_size);
    OutputFile *file = ok ? output_file_open(path, message, message_size) : NULL;
    if (file != NULL) {
        output_file_append_scratch(file, recording->scratch); /* closes the scratch */
        recording->scratch = NULL;
        ok = output_file_commit(file, message, message_size);
    }
    recording_drop(recording);
    return ok && file != NULL;
}

void recording_drop(Recording *recording)
{
    if (recording != NULL) {
        gif_writer_abandon(recording->gif);
        output_file_discard(recording->scratch);
        frame_destroy(&recording->held);
        free(recording);
    }
}
