/*
 * frame.h - one picture of the window as plain pixels: what the SDL side
 * renders and the animation writers (gif_writer.h, video_writer.h) encode.
 * No SDL here, so the writers are tested without a window.
 */
#ifndef HEAPVIZ_FRAME_H
#define HEAPVIZ_FRAME_H

#include <stdbool.h>
#include <stdint.h>

enum { FRAME_HOLD_LAST_MS = 1000 }; /* an animation's last frame stays a second */

typedef struct {
    int width, height;           /* pixels */
    uint32_t *pixels;            /* 0xAARRGGBB (alpha ignored), row after row, width * height */
} Frame;

/* A frame of width x height pixels, uninitialised; pixels is NULL when
 * memory ran out. */
Frame frame_create(int width, int height);
void frame_destroy(Frame *frame);

/* Copies `from` into `to`, which has the same size. */
void frame_copy(Frame *to, const Frame *from);

#endif
