/*
 * frame.c - frames of plain pixels (see frame.h).
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

static size_t pixel_count(const Frame *frame)
{
    return (size_t)frame->width * (size_t)frame->height;
}

Frame frame_create(int width, int height)
{
    Frame frame = {.width = width, .height = height};
    if (width > 0 && height > 0) {
        frame.pixels = malloc(pixel_count(&frame) * sizeof *frame.pixels);
    }
    return frame;
}

void frame_destroy(Frame *frame)
{
    free(frame->pixels);
    frame->pixels = NULL;
}

void frame_copy(Frame *to, const Frame *from)
{
    memcpy(to->pixels, from->pixels, pixel_count(from) * sizeof *from->pixels);
}
