/*
 * canvas.c - checked drawing helpers (see canvas.h).
 */
#include "canvas.h"

#include <stdio.h>
#include <string.h>

void canvas_fail(Canvas *canvas, const char *what)
{
    if (canvas->error[0] == '\0') {
        snprintf(canvas->error, sizeof canvas->error, "%s failed: %s", what, SDL_GetError());
    }
}

/* Opaque colours are drawn without blending: the software renderer's blend
 * path costs several times a plain fill. */
void canvas_color(Canvas *canvas, uint32_t color)
{
    SDL_BlendMode mode = (color >> 24) == 0xFF ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND;
    if (SDL_SetRenderDrawBlendMode(canvas->renderer, mode) != 0) {
        canvas_fail(canvas, "SDL_SetRenderDrawBlendMode");
    }
    if (SDL_SetRenderDrawColor(canvas->renderer, (Uint8)(color >> 16), (Uint8)(color >> 8), (Uint8)color,
                               (Uint8)(color >> 24)) != 0) {
        canvas_fail(canvas, "SDL_SetRenderDrawColor");
    }
}

void canvas_fill(Canvas *canvas, LayoutRect rect, uint32_t color)
{
    if (rect.w <= 0 || rect.h <= 0) {
        return;
    }
    canvas_color(canvas, color);
    SDL_Rect area = {rect.x, rect.y, rect.w, rect.h};
    if (SDL_RenderFillRect(canvas->renderer, &area) != 0) {
        canvas_fail(canvas, "SDL_RenderFillRect");
    }
}

void canvas_fill_many(Canvas *canvas, const SDL_Rect *rects, int count, uint32_t color)
{
    canvas_color(canvas, color);
    if (count > 0 && SDL_RenderFillRects(canvas->renderer, rects, count) != 0) {
        canvas_fail(canvas, "SDL_RenderFillRects");
    }
}

void canvas_outline(Canvas *canvas, LayoutRect rect, int thickness, uint32_t color)
{
    canvas_fill(canvas, (LayoutRect){rect.x, rect.y, rect.w, thickness}, color);
    canvas_fill(canvas, (LayoutRect){rect.x, rect.y + rect.h - thickness, rect.w, thickness}, color);
    canvas_fill(canvas, (LayoutRect){rect.x, rect.y, thickness, rect.h}, color);
    canvas_fill(canvas, (LayoutRect){rect.x + rect.w - thickness, rect.y, thickness, rect.h}, color);
}

void canvas_clip(Canvas *canvas, const LayoutRect *rect)
{
    SDL_Rect area = {0, 0, 0, 0};
    if (rect != NULL) {
        area = (SDL_Rect){rect->x, rect->y, rect->w, rect->h};
    }
    if (SDL_RenderSetClipRect(canvas->renderer, rect ? &area : NULL) != 0) {
        canvas_fail(canvas, "SDL_RenderSetClipRect");
    }
}

static SDL_Color unpack(uint32_t color)
{
    return (SDL_Color){(Uint8)(color >> 16), (Uint8)(color >> 8), (Uint8)color, (Uint8)(color >> 24)};
}

int canvas_text(Canvas *canvas, int x, int y, const char *utf8, uint32_t color, uint32_t background)
{
    int width = text_draw(canvas->text, x, y, utf8, unpack(color), unpack(background));
    if (width < 0) {
        canvas_fail(canvas, "drawing text");
        return 0;
    }
    return width;
}

/* Bytes of the longest prefix of `text` of at most `columns` characters that
 * ends at a space (or the whole text, or a hard cut when no space fits).
 * Two spaces part phrases ("step 3 of 9  first-fit  seed 1"): a line that
 * must break does so at the last of those if that keeps half the line, so
 * a phrase stays whole ("seed 1", not "seed" and "1"). */
size_t canvas_line_bytes(const char *text, int columns)
{
    size_t bytes = 0, last_space = 0, last_gap = 0;
    int characters = 0, gap_characters = 0;
    while (text[bytes] != '\0' && characters < columns) {
        if (text[bytes] == ' ') {
            last_space = bytes;
            if (text[bytes + 1] == ' ' && bytes > 0 && text[bytes - 1] != ' ') {
                last_gap = bytes;
                gap_characters = characters;
            }
        }
        bytes++;
        while ((text[bytes] & 0xC0) == 0x80) {
            bytes++;
        }
        characters++;
    }
    if (text[bytes] == '\0' || (text[bytes] != ' ' && last_space == 0)) {
        return bytes;
    }
    size_t at = text[bytes] == ' ' ? bytes : last_space; /* the last space that fits */
    bool ends_phrase = text[at + 1] == ' ' || (at > 0 && text[at - 1] == ' ');
    return !ends_phrase && last_gap > 0 && 2 * gap_characters >= columns ? last_gap : at;
}

enum { WRAP_MIN_COLUMNS = 8, WRAP_MAX_BYTES = 511 };

/* The bytes of the next line of `utf8` and where the line after it starts. */
static size_t next_line(const char **utf8, int columns)
{
    size_t bytes = canvas_line_bytes(*utf8, columns > WRAP_MIN_COLUMNS ? columns : WRAP_MIN_COLUMNS);
    bytes = bytes < WRAP_MAX_BYTES ? bytes : WRAP_MAX_BYTES;
    const char *rest = *utf8 + bytes;
    while (*rest == ' ') {
        rest++;
    }
    *utf8 = rest;
    return bytes;
}

int canvas_wrap_count(int columns, const char *utf8)
{
    int lines = 0;
    for (; *utf8 != '\0'; lines++) {
        next_line(&utf8, columns);
    }
    return lines;
}

size_t canvas_ellipsize(char *line, size_t bytes, int columns)
{
    size_t kept = 0, last_space = 0;
    int characters = 0, space_characters = 0;
    for (; kept < bytes && characters < columns - 1; characters++) {
        if (line[kept] == ' ') {
            last_space = kept;
            space_characters = characters;
        }
        kept++;
        while (kept < bytes && (line[kept] & 0xC0) == 0x80) {
            kept++;
        }
    }
    if (kept < bytes && line[kept] != ' ' && last_space > 0 && 2 * space_characters >= columns) {
        kept = last_space; /* a word would be cut: the ellipsis takes its place */
    }
    while (kept > 0 && line[kept - 1] == ' ') {
        kept--;
    }
    memcpy(line + kept, "\xE2\x80\xA6", CANVAS_ELLIPSIS_BYTES);
    line[kept + CANVAS_ELLIPSIS_BYTES] = '\0';
    return kept + CANVAS_ELLIPSIS_BYTES;
}

void canvas_take_line(const char **utf8, int columns, bool last, char line[CANVAS_LINE_BYTES])
{
    _Static_assert(CANVAS_LINE_BYTES == WRAP_MAX_BYTES + CANVAS_ELLIPSIS_BYTES + 1, "a line and an ellipsis");
    const char *start = *utf8;
    size_t bytes = next_line(utf8, columns);
    memcpy(line, start, bytes);
    line[bytes] = '\0';
    if (last && **utf8 != '\0') { /* text is left over: say so */
        canvas_ellipsize(line, bytes, columns > WRAP_MIN_COLUMNS ? columns : WRAP_MIN_COLUMNS);
    }
}

int canvas_wrapped(Canvas *canvas, int x, int y, int columns, int max_lines, const char *utf8, uint32_t color,
                   uint32_t background)
{
    char line[CANVAS_LINE_BYTES];
    int lines = 0;
    while (*utf8 != '\0' && lines < max_lines) {
        canvas_take_line(&utf8, columns, lines == max_lines - 1, line);
        canvas_text(canvas, x, y + lines * text_line_height(canvas->text), line, color, background);
        lines++;
    }
    return lines;
}
