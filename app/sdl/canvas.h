/*
 * canvas.h - a Canvas: the renderer and the text caches, with the few
 * drawing calls the window needs. Every SDL call is checked; the first
 * failure of a frame is kept as a sentence for the window to report.
 */
#ifndef HEAPVIZ_CANVAS_H
#define HEAPVIZ_CANVAS_H

#include "layout.h"
#include "text.h"
#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    SDL_Renderer *renderer;
    TextCache *text;
    TextCache *small_text;       /* half as large: a legend that does not fit otherwise */
    int stroke;                  /* pixels of a thin line: 1, more with --scale */
    char error[256];             /* first failure since it was last cleared */
} Canvas;

/* UI colours as 0xAARRGGBB. */
#define COLOR_BACKGROUND       0xFF16181Du
#define COLOR_PANEL            0xFF20232Au
#define COLOR_TEXT             0xFFE8E8E8u
#define COLOR_DIM              0xFF9097A0u
#define COLOR_ACCENT           0xFF56B4E9u
#define COLOR_GRID_LINE        0x80808080u
#define COLOR_CURSOR           0xFFFFFFFFu
#define COLOR_FAILED           0xFFD55E00u
#define COLOR_DIVERGED         0xFFB8BEC8u
#define COLOR_SHADOW           0xFF101216u
#define COLOR_RECORDING        0xFFDC1E1Eu /* the REC mark, a red no frame contains */


/* Records an SDL failure (`what` names the call) unless one is recorded. */
void canvas_fail(Canvas *canvas, const char *what);

/* Sets the draw colour, blending only when it is not opaque. */
void canvas_color(Canvas *canvas, uint32_t color);

void canvas_fill(Canvas *canvas, LayoutRect rect, uint32_t color);
void canvas_fill_many(Canvas *canvas, const SDL_Rect *rects, int count, uint32_t color);
void canvas_outline(Canvas *canvas, LayoutRect rect, int thickness, uint32_t color);
void canvas_clip(Canvas *canvas, const LayoutRect *rect); /* NULL: no clipping */

/* Draws text in `color` on a box of the (opaque) `background` colour; the
 * box is one line high and as wide as the text. Returns the width drawn. */
int canvas_text(Canvas *canvas, int x, int y, const char *utf8, uint32_t color, uint32_t background);

/* Bytes of the first line of `utf8` broken at spaces into lines of at most
 * `columns` characters: at the last space that fits, or at the last pair of
 * spaces (a phrase's end) if that keeps half the line. */
size_t canvas_line_bytes(const char *utf8, int columns);

/* Lines `utf8` takes broken at spaces into lines of at most `columns`
 * characters, as canvas_wrapped breaks it. */
int canvas_wrap_count(int columns, const char *utf8);

/* The last line shown of a text cut short, in place: `line` (`bytes`
 * bytes, with room for CANVAS_ELLIPSIS_BYTES more and a NUL) ends in an ellipsis
 * within `columns` characters. Characters that do not leave it room give
 * way (the whole last word, if it starts in the line's second half), and
 * so do the spaces before it. Returns its new length in bytes. */
enum { CANVAS_ELLIPSIS_BYTES = 3 }; /* "…" in UTF-8 */
size_t canvas_ellipsize(char *line, size_t bytes, int columns);

/* Takes the next line of `*utf8` broken at spaces into lines of at most
 * `columns` characters (canvas_line_bytes) into `line`, and moves `*utf8`
 * past it and the spaces after it; the `last` line to be shown ends in "…"
 * if text is left over (canvas_ellipsize). */
enum { CANVAS_LINE_BYTES = 511 + CANVAS_ELLIPSIS_BYTES + 1 };
void canvas_take_line(const char **utf8, int columns, bool last, char line[CANVAS_LINE_BYTES]);

/* Draws text broken at spaces into lines of at most `columns` characters,
 * at most `max_lines` of them, the last ending in "…" if text is left
 * over; returns the number of lines drawn. */
int canvas_wrapped(Canvas *canvas, int x, int y, int columns, int max_lines, const char *utf8, uint32_t color,
                   uint32_t background);

#endif
