/*
 * text.h - text on an SDL renderer through a glyph atlas.
 *
 * The font is monospaced, so every glyph is rendered once with SDL2_ttf into
 * one white atlas surface of equal cells. A line of text in a given colour
 * on a given (solid) background is assembled into an opaque texture the
 * first time it is drawn and kept in a small least-recently-used cache;
 * drawing it again is one SDL_RenderCopy without blending. Its glyphs come
 * from the atlas blended once per colour pair, so a line that changes costs
 * a copy of its pixels. The atlas holds printable ASCII and the few symbols
 * the panel uses (arrows, dash, triangles, square); anything else draws as
 * '?'. A TextCache is made for one font size and renderer: a new size is a
 * new TextCache.
 */
#ifndef HEAPVIZ_TEXT_H
#define HEAPVIZ_TEXT_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct TextCache TextCache;

/* Opens `font_path` at `pixel_size` and builds the atlas. On failure returns
 * false with one sentence in `message` (a missing font names the path). */
bool text_cache_create(SDL_Renderer *renderer, const char *font_path, int pixel_size,
                       TextCache **out, char *message, size_t message_size);
void text_cache_destroy(TextCache *cache);

int text_line_height(const TextCache *cache);
int text_char_width(const TextCache *cache);

/* Characters (code points) in a UTF-8 string. */
size_t text_length(const char *utf8);

/* Draws `utf8` in `foreground` on a `background` box one line high, with its
 * top-left at (x, y); returns the width drawn in pixels, or -1 if an SDL
 * call failed (SDL_GetError says why). */
int text_draw(TextCache *cache, int x, int y, const char *utf8, SDL_Color foreground, SDL_Color background);

#endif
