/*
 * video_writer.h - a video (.mp4 or .webm), encoded by FFmpeg's libavcodec
 * and muxed by libavformat into an OutputFile.
 *
 * Frames come at a constant rate; a frame shown longer is handed to the
 * encoder once per tick, and the encoder stores the repeats in a few bytes.
 * Pixels go to yuv420p through libswscale, the format slide programs and
 * browsers play. .mp4 holds H.264 (libx264) when this FFmpeg has it, else
 * MPEG-4 Part 2, and says so on stderr; .webm holds VP9, else VP8.
 *
 * Built without FFmpeg's libraries (HEAPVIZ_HAVE_FFMPEG 0),
 * video_writer_available says so and nothing else is called.
 */
#ifndef HEAPVIZ_VIDEO_WRITER_H
#define HEAPVIZ_VIDEO_WRITER_H

#include "frame.h"
#include "output_file.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct VideoWriter VideoWriter;

/* True when this build can write videos; else a sentence saying why not. */
bool video_writer_available(char *message, size_t message_size);

/* Starts a width x height video (both even) at `fps` frames per second in
 * `file`, in the container `container` ("mp4" or "webm"). NULL with a
 * sentence in `message` on failure. */
VideoWriter *video_writer_open(OutputFile *file, const char *container, int width, int height, uint32_t fps,
                               char *message, size_t message_size);

/* The encoder chosen ("libx264", "mpeg4", "libvpx-vp9", ...). */
const char *video_writer_codec(const VideoWriter *writer);

/* Appends `frame` (the writer's size), shown for `ticks` frames (1/fps s each). */
bool video_writer_add(VideoWriter *writer, const Frame *frame, uint32_t ticks, char *message, size_t message_size);

/* Drains the encoder, ends the container and frees the writer; the caller
 * then commits the file. */
bool video_writer_finish(VideoWriter *writer, char *message, size_t message_size);

/* Frees the writer without finishing; the caller discards the file. NULL is fine. */
void video_writer_abandon(VideoWriter *writer);

#endif
