/*
 * recording.c - a GIF recorded while it is watched (see recording.h).
 *
 * A GIF frame's delay comes before its pixels, and a frame's delay is known
 * only when the next frame is kept, so the recording holds one frame back:
 * `held` is written when the next one replaces it, and at the end. Frames
 * are kept on a fixed grid of frame_ms from the first, so a window drawing
 * 60 times a second gives 10 frames a second on average, not a little less.
 *
 * Encoding a frame costs several times what drawing one does
 * (bench/recording_bench), so a worker thread encodes while the window goes
 * on drawing. recording_add copies the frame into `incoming` and returns;
 * the worker takes it into `taken`, writes `held` with its delay now known,
 * and keeps `taken` as the new `held`. So one frame waits while one is
 * encoded; only a worker more than a frame behind makes recording_add wait.
 * The lock guards `incoming` and the flags below it; everything else
 * belongs to the worker while it runs, and to the caller before and after.
 */
#include "recording.h"

#include "gif_writer.h"
#include "output_file.h"
#include "palette.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Recording {
    OutputFile *scratch;         /* the GIF so far */
    GifWriter *gif;
    Frame held;                  /* the last frame kept, not written yet */
    Frame taken;                 /* the worker's copy of the frame it took */
    uint64_t started_ms;         /* when the first frame was shown */
    uint64_t held_ms;            /* when the held frame was shown */
    uint64_t due_ms;             /* the caller's: the next frame is kept from then on */
    uint32_t frame_ms;
    int width, height;           /* every frame's */
    pthread_t worker;
    bool worker_running;
    pthread_mutex_t lock;
    pthread_cond_t changed;      /* a frame came or was taken, a stop, a failure */
    Frame incoming;              /* handed over by recording_add */
    uint64_t incoming_ms;
    bool has_incoming;           /* incoming waits for the worker */
    bool stopping;               /* the worker ends once incoming is taken */
    bool failed;                 /* encoding failed: failure says why */
    char failure[300];
};

static bool out_of_memory(char *message, size_t message_size)
{
    snprintf(message, message_size, "out of memory for the recording");
    return false;
}

/* The held frame's delay if it lasts until `until_ms`, in hundredths. */
static uint32_t held_delay(const Recording *recording, uint64_t until_ms)
{
    uint64_t start = recording->held_ms - recording->started_ms;
    uint64_t end = until_ms > recording->held_ms ? until_ms - recording->started_ms : start;
    return gif_writer_delay_cs(start, end, 1000);
}

/* --- the worker ------------------------------------------------------------------ */

/* Writes the held frame, shown until `shown_ms`, and keeps `taken` instead. */
static bool keep_taken(Recording *recording, uint64_t shown_ms, char *message, size_t message_size)
{
    if (!gif_writer_add(recording->gif, &recording->held, held_delay(recording, shown_ms), message, message_size)) {
        return false;
    }
    Frame swap = recording->held;
    recording->held = recording->taken;
    recording->taken = swap;
    recording->held_ms = shown_ms;
    return true;
}

static void *encode_frames(void *data)
{
    Recording *recording = data;
    char message[sizeof recording->failure];
    pthread_mutex_lock(&recording->lock);
    while (recording->has_incoming || !recording->stopping) {
        if (!recording->has_incoming) {
            pthread_cond_wait(&recording->changed, &recording->lock);
            continue;
        }
        Frame swap = recording->incoming;
        recording->incoming = recording->taken;
        recording->taken = swap;
        uint64_t shown_ms = recording->incoming_ms;
        bool skip = recording->failed;
        recording->has_incoming = false;
        pthread_cond_broadcast(&recording->changed);
        pthread_mutex_unlock(&recording->lock);
        bool ok = skip || keep_taken(recording, shown_ms, message, sizeof message);
        pthread_mutex_lock(&recording->lock);
        if (!ok) {
            recording->failed = true;
            snprintf(recording->failure, sizeof recording->failure, "%s", message);
        }
    }
    pthread_mutex_unlock(&recording->lock);
    return NULL;
}

/* Lets the worker finish what it was given, and waits for it. */
static void stop_worker(Recording *recording)
{
    if (recording->worker_running) {
        pthread_mutex_lock(&recording->lock);
        recording->stopping = true;
        pthread_cond_broadcast(&recording->changed);
        pthread_mutex_unlock(&recording->lock);
        pthread_join(recording->worker, NULL);
        recording->worker_running = false;
    }
}

/* --- start ----------------------------------------------------------------------- */

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

/* The three frames (held, taken, incoming), the lock and the worker. */
static bool start_worker(Recording *recording, const Frame *first, char *message, size_t message_size)
{
    Frame *frames[] = {&recording->held, &recording->taken, &recording->incoming};
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        *frames[i] = frame_create(first->width, first->height);
        if (frames[i]->pixels == NULL) {
            return out_of_memory(message, message_size);
        }
    }
    frame_copy(&recording->held, first);
    int error = pthread_create(&recording->worker, NULL, encode_frames, recording);
    if (error != 0) {
        snprintf(message, message_size, "cannot start the recording's encoder: %s", strerror(error));
        return false;
    }
    recording->worker_running = true;
    return true;
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
    pthread_mutex_init(&recording->lock, NULL);
    pthread_cond_init(&recording->changed, NULL);
    recording->frame_ms = frame_ms > 0 ? frame_ms : 1;
    recording->width = first->width;
    recording->height = first->height;
    recording->started_ms = recording->held_ms = now_ms;
    recording->due_ms = now_ms + recording->frame_ms;
    bool ok = (recording->scratch = output_file_open_scratch(beside, message, message_size)) != NULL;
    if (!ok || !open_gif(recording, first, message, message_size) ||
        !start_worker(recording, first, message, message_size)) {
        recording_drop(recording);
        return NULL;
    }
    return recording;
}

/* --- frames ---------------------------------------------------------------------- */

bool recording_due(const Recording *recording, uint64_t now_ms)
{
    return now_ms >= recording->due_ms;
}

bool recording_fits(const Recording *recording, int width, int height)
{
    return recording->width == width && recording->height == height;
}

/* Waits until `incoming` is free. False, with the failure, once encoding failed. */
static bool wait_for_room(Recording *recording, char *message, size_t message_size)
{
    pthread_mutex_lock(&recording->lock);
    while (recording->has_incoming && !recording->failed) {
        pthread_cond_wait(&recording->changed, &recording->lock);
    }
    bool ok = !recording->failed;
    if (!ok) {
        snprintf(message, message_size, "%s", recording->failure);
    }
    pthread_mutex_unlock(&recording->lock);
    return ok;
}

bool recording_add(Recording *recording, const Frame *frame, uint64_t now_ms, char *message, size_t message_size)
{
    if (!recording_due(recording, now_ms)) {
        return true;
    }
    if (!wait_for_room(recording, message, message_size)) {
        return false;
    }
    frame_copy(&recording->incoming, frame); /* the worker leaves incoming alone until has_incoming */
    pthread_mutex_lock(&recording->lock);
    recording->incoming_ms = now_ms;
    recording->has_incoming = true;
    pthread_cond_broadcast(&recording->changed);
    pthread_mutex_unlock(&recording->lock);
    while (recording->due_ms <= now_ms) {
        recording->due_ms += recording->frame_ms;
    }
    return true;
}

/* --- the end --------------------------------------------------------------------- */

/* Writes the held frame until `now_ms` (unless it would last no hundredth),
 * then `last` for a second (or the held frame, when `last` is NULL), and
 * ends the GIF. The worker has stopped. */
static bool end_gif(Recording *recording, const Frame *last, uint64_t now_ms, char *message, size_t message_size)
{
    if (recording->failed) {
        snprintf(message, message_size, "%s", recording->failure);
        return false;
    }
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
    stop_worker(recording);
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
        stop_worker(recording);
        gif_writer_abandon(recording->gif);
        output_file_discard(recording->scratch);
        frame_destroy(&recording->held);
        frame_destroy(&recording->taken);
        frame_destroy(&recording->incoming);
        pthread_cond_destroy(&recording->changed);
        pthread_mutex_destroy(&recording->lock);
        free(recording);
    }
}
