/*
 * text.c - the glyph atlas, the colour strips and the line cache (see text.h).
 *
 * Blending a glyph onto its background is what the software renderer spends
 * its time on, so it is done once per glyph and colour pair: a strip holds
 * every glyph of the atlas already blended, in one foreground colour, onto
 * one background (the few pairs the window uses stay cached). A line is then
 * built by copying its glyphs' cells out of the strip, row by row, and kept
 * as an opaque texture; drawing it again is one plain copy. Most lines stay
 * the same from frame to frame, and those that change (a counter, the step's
 * sentence) cost a copy of their pixels, not a blend. Both caches belong to
 * the TextCache, made for one font size: a new size (--scale, [ and ]) is a
 * new TextCache, so nothing drawn at the old size is ever reused.
 */
#include "text.h"

#include <SDL_ttf.h>
#include <stdio.h>
#include <string.h>

static const Uint32 symbols[] = {
    0x2192, 0x2190, 0x2191, 0x2193, 0x00D7, 0x2026, 0x25B6, 0x25A0, 0x25B2, 0x00B7, 0x2013, 0x2588,
};
enum {
    FIRST_ASCII = 32,
    ASCII_COUNT = 127 - FIRST_ASCII,
    SYMBOL_COUNT = sizeof symbols / sizeof symbols[0],
    GLYPH_COUNT = ASCII_COUNT + SYMBOL_COUNT
};

enum {
    LINE_CACHE = 256,            /* lines kept as textures, least recently used goes first */
    STRIP_CACHE = 16             /* colour pairs kept as strips, least recently used goes first */
};

typedef struct {
    uint64_t hash;               /* FNV-1a of the text and colours; 0: empty entry */
    char *text;
    Uint32 foreground, background; /* 0xAARRGGBB */
    SDL_Texture *texture;        /* opaque: the glyphs blended onto the background */
    int width;                   /* pixels */
    uint64_t last_used;
} CachedLine;

/* The atlas blended in one colour onto one background: each glyph's cell
 * exactly as a line in these colours shows it, blended the first time a
 * line uses it. */
typedef struct {
    SDL_Surface *cells;          /* GLYPH_COUNT opaque cells in one row; NULL: empty entry */
    bool blended[GLYPH_COUNT];   /* the cell holds its glyph (else only the background) */
    Uint32 foreground, background; /* 0xAARRGGBB */
    uint64_t last_used;
} ColorStrip;

struct TextCache {
    SDL_Renderer *renderer;
    Uint32 line_format;          /* the line textures' pixel format (line_format_for) */
    Uint8 *pixels;               /* a line's pixels on their way to its texture */
    size_t pixel_bytes;          /* allocated at `pixels` */
    SDL_Surface *atlas;          /* GLYPH_COUNT white cells in one row */
    int cell_width, cell_height; /* one glyph's advance and the line height */
    CachedLine lines[LINE_CACHE];
    ColorStrip strips[STRIP_CACHE];
    uint64_t clock;              /* counts draws, for least recently used */
};

static int glyph_index(Uint32 code)
{
    if (code >= FIRST_ASCII && code < FIRST_ASCII + ASCII_COUNT) {
        return (int)(code - FIRST_ASCII);
    }
    for (int i = 0; i < SYMBOL_COUNT; i++) {
        if (symbols[i] == code) {
            return ASCII_COUNT + i;
        }
    }
    return '?' - FIRST_ASCII;
}

static Uint32 glyph_code(int index)
{
    return index < ASCII_COUNT ? (Uint32)(FIRST_ASCII + index) : symbols[index - ASCII_COUNT];
}

/* Decodes one UTF-8 code point and advances *text (invalid bytes read as '?'). */
static Uint32 next_code(const char **text)
{
    const unsigned char *bytes = (const unsigned char *)*text;
    int length = bytes[0] < 0x80 ? 1 : (bytes[0] >> 5) == 6 ? 2 : (bytes[0] >> 4) == 14 ? 3 : (bytes[0] >> 3) == 30 ? 4 : 0;
    if (length == 0) {
        (*text)++;
        return '?';
    }
    Uint32 code = length == 1 ? bytes[0] : bytes[0] & (0x7F >> length);
    for (int i = 1; i < length; i++) {
        if ((bytes[i] & 0xC0) != 0x80) {
            *text += i;
            return '?';
        }
        code = code << 6 | (bytes[i] & 0x3F);
    }
    *text += length;
    return code;
}

size_t text_length(const char *utf8)
{
    size_t count = 0;
    while (*utf8) {
        next_code(&utf8);
        count++;
    }
    return count;
}

static bool build_atlas(TextCache *cache, TTF_Font *font, char *message, size_t message_size)
{
    SDL_Surface *atlas = SDL_CreateRGBSurfaceWithFormat(0, cache->cell_width * GLYPH_COUNT, cache->cell_height,
                                                         32, SDL_PIXELFORMAT_ARGB8888);
    if (atlas == NULL) {
        snprintf(message, message_size, "cannot make the glyph atlas: %s", SDL_GetError());
        return false;
    }
    SDL_Color white = {255, 255, 255, 255};
    bool ok = true;
    for (int i = 0; i < GLYPH_COUNT && ok; i++) {
        SDL_Surface *glyph = TTF_RenderGlyph32_Blended(font, glyph_code(i), white);
        if (glyph == NULL) {
            snprintf(message, message_size, "cannot render a glyph: %s", TTF_GetError());
            ok = false;
            break;
        }
        SDL_Rect target = {i * cache->cell_width, 0, cache->cell_width, cache->cell_height};
        SDL_SetSurfaceBlendMode(glyph, SDL_BLENDMODE_NONE);
        if (SDL_BlitSurface(glyph, NULL, atlas, &target) != 0) {
            snprintf(message, message_size, "cannot build the glyph atlas: %s", SDL_GetError());
            ok = false;
        }
        SDL_FreeSurface(glyph);
    }
    if (ok) {
        cache->atlas = atlas;
    } else {
        SDL_FreeSurface(atlas);
    }
    return ok;
}

/* RGB888 when the window's pixels are RGB888 and the renderer takes such
 * textures: the cells' ARGB8888 pixels are RGB888's with the alpha byte
 * unused, and a line in the window's own format is drawn by a plain copy
 * instead of a conversion. ARGB8888 otherwise. */
static Uint32 line_format_for(SDL_Renderer *renderer)
{
    SDL_Window *window = SDL_RenderGetWindow(renderer);
    SDL_RendererInfo info;
    if (window == NULL || SDL_GetWindowPixelFormat(window) != SDL_PIXELFORMAT_RGB888 ||
        SDL_GetRendererInfo(renderer, &info) != 0) {
        return SDL_PIXELFORMAT_ARGB8888;
    }
    for (Uint32 i = 0; i < info.num_texture_formats; i++) {
        if (info.texture_formats[i] == SDL_PIXELFORMAT_RGB888) {
            return SDL_PIXELFORMAT_RGB888;
        }
    }
    return SDL_PIXELFORMAT_ARGB8888;
}

bool text_cache_create(SDL_Renderer *renderer, const char *font_path, int pixel_size,
                       TextCache **out, char *message, size_t message_size)
{
    *out = NULL;
    TTF_Font *font = TTF_OpenFont(font_path, pixel_size > 4 ? pixel_size : 4);
    if (font == NULL) {
        snprintf(message, message_size, "cannot open the font %s: %s", font_path, TTF_GetError());
        return false;
    }
    TextCache *cache = SDL_calloc(1, sizeof *cache);
    int advance = 0;
    bool ok = cache != NULL && TTF_GlyphMetrics32(font, 'M', NULL, NULL, NULL, NULL, &advance) == 0;
    if (ok) {
        cache->renderer = renderer;
        cache->line_format = line_format_for(renderer);
        cache->cell_width = advance > 0 ? advance : 1;
        cache->cell_height = TTF_FontLineSkip(font);
        ok = build_atlas(cache, font, message, message_size);
    } else {
        snprintf(message, message_size, "cannot measure the font %s: %s", font_path, TTF_GetError());
    }
    TTF_CloseFont(font);
    if (!ok) {
        text_cache_destroy(cache);
        return false;
    }
    *out = cache;
    return true;
}

static void forget_line(CachedLine *line)
{
    if (line->texture != NULL) {
        SDL_DestroyTexture(line->texture);
    }
    SDL_free(line->text);
    *line = (CachedLine){0};
}

void text_cache_destroy(TextCache *cache)
{
    if (cache != NULL) {
        for (int i = 0; i < LINE_CACHE; i++) {
            forget_line(&cache->lines[i]);
        }
        for (int i = 0; i < STRIP_CACHE; i++) {
            SDL_FreeSurface(cache->strips[i].cells);
        }
        SDL_FreeSurface(cache->atlas);
        SDL_free(cache->pixels);
        SDL_free(cache);
    }
}

int text_line_height(const TextCache *cache)
{
    return cache->cell_height;
}

int text_char_width(const TextCache *cache)
{
    return cache->cell_width;
}

static Uint32 pack(SDL_Color color)
{
    return (Uint32)color.a << 24 | (Uint32)color.r << 16 | (Uint32)color.g << 8 | color.b;
}

static uint64_t text_hash(const char *text, Uint32 foreground, Uint32 background)
{
    uint64_t hash = 0xcbf29ce484222325u ^ ((uint64_t)foreground << 32 | background);
    for (; *text; text++) {
        hash = (hash ^ (unsigned char)*text) * 0x100000001b3u;
    }
    return hash ? hash : 1;
}

/* A new strip of cells in the background colour; NULL if SDL failed. */
static SDL_Surface *empty_strip(const TextCache *cache, SDL_Color background)
{
    SDL_Surface *cells = SDL_CreateRGBSurfaceWithFormat(0, cache->cell_width * GLYPH_COUNT, cache->cell_height, 32,
                                                         SDL_PIXELFORMAT_ARGB8888);
    if (cells != NULL &&
        SDL_FillRect(cells, NULL, SDL_MapRGB(cells->format, background.r, background.g, background.b)) != 0) {
        SDL_FreeSurface(cells);
        return NULL;
    }
    return cells;
}

/* The strip for these colours, made if needed (evicting the least recently
 * used); NULL if an SDL call failed. */
static ColorStrip *find_strip(TextCache *cache, SDL_Color foreground, SDL_Color background)
{
    Uint32 fore = pack(foreground), back = pack(background);
    ColorStrip *oldest = &cache->strips[0];
    for (int i = 0; i < STRIP_CACHE; i++) {
        ColorStrip *strip = &cache->strips[i];
        if (strip->cells != NULL && strip->foreground == fore && strip->background == back) {
            strip->last_used = ++cache->clock;
            return strip;
        }
        oldest = strip->last_used < oldest->last_used ? strip : oldest;
    }
    SDL_FreeSurface(oldest->cells);
    *oldest = (ColorStrip){.cells = empty_strip(cache, background), .foreground = fore, .background = back,
                           .last_used = ++cache->clock};
    return oldest->cells != NULL ? oldest : NULL;
}

/* Blends glyph `index` of the atlas onto its cell of the strip, once. */
static bool blend_cell(TextCache *cache, ColorStrip *strip, int index)
{
    if (strip->blended[index]) {
        return true;
    }
    Uint32 fore = strip->foreground;
    SDL_Rect cell = {index * cache->cell_width, 0, cache->cell_width, cache->cell_height}, target = cell;
    strip->blended[index] =
        SDL_SetSurfaceBlendMode(cache->atlas, SDL_BLENDMODE_BLEND) == 0 &&
        SDL_SetSurfaceColorMod(cache->atlas, (Uint8)(fore >> 16), (Uint8)(fore >> 8), (Uint8)fore) == 0 &&
        SDL_SetSurfaceAlphaMod(cache->atlas, (Uint8)(fore >> 24)) == 0 &&
        SDL_BlitSurface(cache->atlas, &cell, strip->cells, &target) == 0;
    return strip->blended[index];
}

/* Copies the glyphs of `utf8` out of `strip`, cell by cell, into rows of
 * `pitch` bytes at `to`. */
static bool copy_cells(TextCache *cache, ColorStrip *strip, const char *utf8, Uint8 *to, size_t pitch)
{
    size_t cell_bytes = (size_t)cache->cell_width * 4;
    const SDL_Surface *cells = strip->cells;
    for (const char *at = utf8; *at; to += cell_bytes) {
        int index = glyph_index(next_code(&at));
        if (!blend_cell(cache, strip, index)) {
            return false;
        }
        const Uint8 *from = (const Uint8 *)cells->pixels + (size_t)index * cell_bytes;
        for (int row = 0; row < cache->cell_height; row++) {
            memcpy(to + (size_t)row * pitch, from + (size_t)row * (size_t)cells->pitch, cell_bytes);
        }
    }
    return true;
}

/* Room for `bytes` of a line's pixels; NULL if out of memory. */
static Uint8 *line_pixels(TextCache *cache, size_t bytes)
{
    if (bytes > cache->pixel_bytes) {
        Uint8 *grown = SDL_realloc(cache->pixels, bytes);
        if (grown == NULL) {
            return NULL;
        }
        cache->pixels = grown;
        cache->pixel_bytes = bytes;
    }
    return cache->pixels;
}

/* Builds `utf8` (not empty) from its colours' strip into a new line texture. */
static bool build_line(TextCache *cache, CachedLine *line, const char *utf8, SDL_Color foreground,
                       SDL_Color background)
{
    int width = (int)text_length(utf8) * cache->cell_width;
    size_t pitch = (size_t)width * 4;
    ColorStrip *strip = find_strip(cache, foreground, background);
    Uint8 *pixels = strip == NULL ? NULL : line_pixels(cache, pitch * (size_t)cache->cell_height);
    if (pixels != NULL && copy_cells(cache, strip, utf8, pixels, pitch)) {
        line->texture = SDL_CreateTexture(cache->renderer, cache->line_format, SDL_TEXTUREACCESS_STATIC, width,
                                          cache->cell_height);
    }
    line->text = SDL_strdup(utf8);
    if (line->texture == NULL || line->text == NULL || SDL_UpdateTexture(line->texture, NULL, pixels, (int)pitch) != 0 ||
        SDL_SetTextureBlendMode(line->texture, SDL_BLENDMODE_NONE) != 0) {
        forget_line(line);
        return false;
    }
    line->width = width;
    line->foreground = pack(foreground);
    line->background = pack(background);
    return true;
}

/* The cached line for `utf8` in these colours, built if needed (evicting the
 * least recently used). */
static CachedLine *find_line(TextCache *cache, const char *utf8, SDL_Color foreground, SDL_Color background)
{
    Uint32 fore = pack(foreground), back = pack(background);
    uint64_t hash = text_hash(utf8, fore, back);
    CachedLine *oldest = &cache->lines[0];
    for (int i = 0; i < LINE_CACHE; i++) {
        CachedLine *line = &cache->lines[i];
        if (line->hash == hash && line->foreground == fore && line->background == back &&
            SDL_strcmp(line->text, utf8) == 0) {
            line->last_used = ++cache->clock;
            return line;
        }
        oldest = line->last_used < oldest->last_used ? line : oldest;
    }
    forget_line(oldest);
    if (!build_line(cache, oldest, utf8, foreground, background)) {
        return NULL;
    }
    oldest->hash = hash;
    oldest->last_used = ++cache->clock;
    return oldest;
}

int text_draw(TextCache *cache, int x, int y, const char *utf8, SDL_Color foreground, SDL_Color background)
{
    if (*utf8 == '\0') {
        return 0;
    }
    CachedLine *line = find_line(cache, utf8, foreground, background);
    if (line == NULL) {
        return -1;
    }
    SDL_Rect target = {x, y, line->width, cache->cell_height};
    return SDL_RenderCopy(cache->renderer, line->texture, NULL, &target) == 0 ? line->width : -1;
}
