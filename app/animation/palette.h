/*
 * palette.h - the one colour table a GIF shares between its frames: up to
 * 255 colours chosen from sample frames, and the nearest of them for any
 * colour.
 *
 * The window paints a few flat colours over large areas (cells, panel,
 * timeline) and blends them at the edges of antialiased text and plot
 * lines, some 1,500 colours in all. The palette takes colours in order of
 * how many sampled pixels have them, skipping a colour that lies within a
 * radius of one already taken; the radius is the smallest that leaves at
 * most the count asked for. So the flat colours come out exact, and every
 * sampled colour lies within the radius of its entry.
 */
#ifndef HEAPVIZ_PALETTE_H
#define HEAPVIZ_PALETTE_H

#include "frame.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Palette Palette;

typedef struct {
    uint8_t red, green, blue;
} PaletteColor;

/* An empty palette, to be sampled then chosen. NULL when memory ran out. */
Palette *palette_create(void);
void palette_destroy(Palette *palette);

/* Counts the colours of a sample frame. False when memory ran out. */
bool palette_sample(Palette *palette, const Frame *frame);

/* Chooses at most `max_colors` (1..256) colours from the samples; the
 * palette is then ready for palette_index. False when memory ran out. */
bool palette_choose(Palette *palette, uint32_t max_colors);

uint32_t palette_count(const Palette *palette);
PaletteColor palette_color(const Palette *palette, uint32_t index);

/* The largest distance (in RGB units, Euclidean) from a sampled colour to its entry. */
uint32_t palette_radius(const Palette *palette);

/* The index of the entry nearest to `argb` (alpha ignored). Remembers the
 * answer, so a frame's repeated colours cost one lookup each. 0xFF when
 * memory ran out. */
uint8_t palette_index(Palette *palette, uint32_t argb);

#endif
