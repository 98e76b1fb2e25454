/*
 * gif_writer.h - an animated GIF, encoded by giflib into an OutputFile.
 *
 * One palette (palette.h), chosen from sample frames, serves every frame,
 * with one more entry for "transparent". Each frame after the first stores
 * only the rectangle that changed since the frame before, and inside it the
 * pixels that stayed the same are transparent, so the picture beneath shows
 * through and LZW packs the runs. The animation loops forever.
 *
 * Built without giflib (HEAPVIZ_HAVE_GIFLIB 0), gif_writer_available says
 * so and nothing else is called.
 */
#ifndef HEAPVIZ_GIF_WRITER_H
#define HEAPVIZ_GIF_WRITER_H

#include "frame.h"
#include "output_file.h"
#include "palette.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct GifWriter GifWriter;

/* True when this build can write GIFs; else a sentence saying why not. */
bool gif_writer_available(char *message, size_t message_size);

/* Starts a width x height GIF in `file`, whose colours are chosen from
 * `palette`'s samples (the writer takes the palette, and destroys it even on
 * failure). NULL with a sentence in `message` on failure. */
GifWriter *gif_writer_open(OutputFile *file, int width, int height, Palette *palette, char *message,
                           size_t message_size);

/* The delay, in hundredths of a second, of a frame shown from time `start`
 * to time `end`, in units of which `per_second` make a second (frames at
 * --fps F: F; milliseconds: 1000). Both times are rounded and subtracted,
 * so a long animation's delays add up to its length without drifting. */
uint32_t gif_writer_delay_cs(uint64_t start, uint64_t end, uint64_t per_second);

/* Appends `frame` (the writer's size), shown for `delay_cs` hundredths of a second. */
bool gif_writer_add(GifWriter *writer, const Frame *frame, uint32_t delay_cs, char *message, size_t message_size);

/* Ends the GIF and frees the writer; the caller then commits the file. */
bool gif_writer_finish(GifWriter *writer, char *message, size_t message_size);

/* Frees the writer without finishing; the caller discards the file. NULL is fine. */
void gif_writer_abandon(GifWriter *writer);

#endif
