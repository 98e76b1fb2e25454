/*
 * gif_writer.c - animated GIFs through giflib (see gif_writer.h).
 *
 * Every frame is first mapped to palette indices in full; comparing that
 * with the indices on screen so far gives the changed rectangle, and only it
 * is handed to giflib, row by row. Frames are never disposed (mode 1), so
 * each one draws over the picture the ones before left.
 */
#include "gif_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t gif_writer_delay_cs(uint64_t start, uint64_t end, uint64_t per_second)
{
    uint64_t half = per_second / 2;
    uint64_t delay = (end * 100 + half) / per_second - (start * 100 + half) / per_second;
    return delay < UINT32_MAX ? (uint32_t)delay : UINT32_MAX;
}

#if HEAPVIZ_HAVE_GIFLIB

#include <gif_lib.h>

enum {
    PALETTE_COLORS = 255,        /* the 256th entry is transparent */
    DISPOSE_KEEP = DISPOSE_DO_NOT
};

struct GifWriter {
    GifFileType *gif;
    Palette *palette;
    int width, height;
    int transparent;             /* the transparent entry's index */
    bool started;                /* the first frame, stored whole, is written */
    uint8_t *shown;              /* indices on screen after the frames so far */
    uint8_t *next;               /* the new frame's indices */
    GifByteType *row;            /* one row of the rectangle being written */
};

typedef struct {
    int left, top, width, height;
} Rectangle;

bool gif_writer_available(char *message, size_t message_size)
{
    (void)message;
    (void)message_size;
    return true;
}

static int write_bytes(GifFileType *gif, const GifByteType *bytes, int length)
{
    output_file_bytes(gif->UserData, (const char *)bytes, (size_t)length);
    return length;
}

static bool gif_failed(int error, const char *what, char *message, size_t message_size)
{
    const char *reason = GifErrorString(error);
    snprintf(message, message_size, "cannot %s: %s", what, reason ? reason : "giflib failed");
    return false;
}

/* The global colour map: the palette, then transparent, padded to 256. */
static bool write_screen(GifWriter *writer, char *message, size_t message_size)
{
    GifColorType colors[256] = {{0, 0, 0}};
    for (uint32_t i = 0; i < palette_count(writer->palette); i++) {
        PaletteColor color = palette_color(writer->palette, i);
        colors[i] = (GifColorType){color.red, color.green, color.blue};
    }
    ColorMapObject *map = GifMakeMapObject(256, colors);
    if (map == NULL) {
        return gif_failed(E_GIF_ERR_NOT_ENOUGH_MEM, "make the GIF palette", message, message_size);
    }
    EGifSetGifVersion(writer->gif, true);
    bool ok = EGifPutScreenDesc(writer->gif, writer->width, writer->height, 8, 0, map) == GIF_OK;
    GifFreeMapObject(map);
    return ok || gif_failed(writer->gif->Error, "write the GIF header", message, message_size);
}

/* The NETSCAPE2.0 block that makes viewers loop the animation forever. */
static bool write_loop(GifWriter *writer, char *message, size_t message_size)
{
    static const GifByteType application[] = "NETSCAPE2.0";
    static const GifByteType forever[] = {1, 0, 0};
    GifFileType *gif = writer->gif;
    bool ok = EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK &&
              EGifPutExtensionBlock(gif, 11, application) == GIF_OK &&
              EGifPutExtensionBlock(gif, sizeof forever, forever) == GIF_OK &&
              EGifPutExtensionTrailer(gif) == GIF_OK;
    return ok || gif_failed(gif->Error, "write the GIF header", message, message_size);
}

GifWriter *gif_writer_open(OutputFile *file, int width, int height, Palette *palette, char *message,
                           size_t message_size)
{
    GifWriter *writer = calloc(1, sizeof *writer);
    if (writer == NULL || palette == NULL || !palette_choose(palette, PALETTE_COLORS)) {
        palette_destroy(palette);
        free(writer);
        gif_failed(E_GIF_ERR_NOT_ENOUGH_MEM, "start the GIF", message, message_size);
        return NULL;
    }
    writer->palette = palette;
    size_t pixels = (size_t)width * (size_t)height;
    int error = E_GIF_ERR_NOT_ENOUGH_MEM;
    writer->width = width;
    writer->height = height;
    writer->shown = malloc(pixels);
    writer->next = malloc(pixels);
    writer->row = malloc((size_t)width);
    if (!writer->shown || !writer->next || !writer->row ||
        (writer->gif = EGifOpen(file, write_bytes, &error)) == NULL) {
        gif_failed(error, "start the GIF", message, message_size);
        gif_writer_abandon(writer);
        return NULL;
    }
    writer->transparent = (int)palette_count(writer->palette);
    if (!write_screen(writer, message, message_size) || !write_loop(writer, message, message_size)) {
        gif_writer_abandon(writer);
        return NULL;
    }
    return writer;
}

/* Maps the frame to indices in writer->next. */
static void map_frame(GifWriter *writer, const Frame *frame)
{
    size_t pixels = (size_t)frame->width * (size_t)frame->height;
    uint32_t last_color = frame->pixels[0] + 1; /* differs from the first pixel */
    uint8_t last_index = 0;
    for (size_t i = 0; i < pixels; i++) {
        if (frame->pixels[i] != last_color) {
            last_color = frame->pixels[i];
            last_index = palette_index(writer->palette, last_color);
        }
        writer->next[i] = last_index;
    }
}

/* The smallest rectangle holding every changed index; 0 x 0 if none changed. */
static Rectangle changed_rectangle(const GifWriter *writer)
{
    int left = writer->width, right = -1, top = writer->height, bottom = -1;
    for (int y = 0; y < writer->height; y++) {
        size_t row = (size_t)y * (size_t)writer->width;
        if (memcmp(writer->shown + row, writer->next + row, (size_t)writer->width) == 0) {
            continue;
        }
        top = top < y ? top : y;
        bottom = y;
        for (int x = 0; x < left; x++) {
            if (writer->shown[row + (size_t)x] != writer->next[row + (size_t)x]) {
                left = x;
                break;
            }
        }
        for (int x = writer->width - 1; x > right; x--) {
            if (writer->shown[row + (size_t)x] != writer->next[row + (size_t)x]) {
                right = x;
                break;
            }
        }
    }
    return bottom < 0 ? (Rectangle){0, 0, 0, 0} : (Rectangle){left, top, right - left + 1, bottom - top + 1};
}

static bool write_control(GifWriter *writer, uint32_t delay_cs)
{
    GraphicsControlBlock control = {
        .DisposalMode = DISPOSE_KEEP,
        .UserInputFlag = false,
        .DelayTime = (int)(delay_cs < 65535 ? delay_cs : 65535),
        .TransparentColor = writer->started ? writer->transparent : NO_TRANSPARENT_COLOR,
    };
    GifByteType extension[4];
    EGifGCBToExtension(&control, extension);
    return EGifPutExtension(writer->gif, GRAPHICS_EXT_FUNC_CODE, sizeof extension, extension) == GIF_OK;
}

/* Writes the rectangle of writer->next. An unchanged pixel is transparent,
 * unless it continues a run of its own colour: either way it looks the
 * same, and fewer runs make shorter LZW codes. */
static bool write_rectangle(GifWriter *writer, Rectangle area)
{
    if (EGifPutImageDesc(writer->gif, area.left, area.top, area.width, area.height, false, NULL) != GIF_OK) {
        return false;
    }
    for (int y = area.top; y < area.top + area.height; y++) {
        size_t start = (size_t)y * (size_t)writer->width + (size_t)area.left;
        for (int x = 0; x < area.width; x++) {
            uint8_t index = writer->next[start + (size_t)x];
            bool same = writer->started && writer->shown[start + (size_t)x] == index;
            bool continues_run = x > 0 && writer->row[x - 1] == index;
            writer->row[x] = same && !continues_run ? (GifByteType)writer->transparent : index;
        }
        if (EGifPutLine(writer->gif, writer->row, area.width) != GIF_OK) {
            return false;
        }
    }
    return true;
}

bool gif_writer_add(GifWriter *writer, const Frame *frame, uint32_t delay_cs, char *message, size_t message_size)
{
    map_frame(writer, frame);
    Rectangle area = {0, 0, writer->width, writer->height};
    if (writer->started) {
        area = changed_rectangle(writer);
    }
    if (area.width == 0) {
        area = (Rectangle){0, 0, 1, 1}; /* nothing changed: one transparent pixel carries the delay */
    }
    if (!write_control(writer, delay_cs) || !write_rectangle(writer, area)) {
        return gif_failed(writer->gif->Error, "write a GIF frame", message, message_size);
    }
    uint8_t *swap = writer->shown;
    writer->shown = writer->next;
    writer->next = swap;
    writer->started = true;
    return true;
}

static void release(GifWriter *writer)
{
    palette_destroy(writer->palette);
    free(writer->shown);
    free(writer->next);
    free(writer->row);
    free(writer);
}

bool gif_writer_finish(GifWriter *writer, char *message, size_t message_size)
{
    int error = 0;
    bool ok = EGifCloseFile(writer->gif, &error) == GIF_OK;
    release(writer);
    return ok || gif_failed(error, "finish the GIF", message, message_size);
}

void gif_writer_abandon(GifWriter *writer)
{
    if (writer != NULL) {
        if (writer->gif != NULL) {
            int error = 0;
            EGifCloseFile(writer->gif, &error);
        }
        release(writer);
    }
}

#else /* built without giflib */

bool gif_writer_available(char *message, size_t message_size)
{
    snprintf(message, message_size,
             "this heapviz was built without giflib, so it cannot write .gif files "
             "(install libgif-dev, or run tools/install-deps, and build again)");
    return false;
}

GifWriter *gif_writer_open(OutputFile *file, int width, int height, Palette *palette, char *message,
                           size_t message_size)
{
    (void)file, (void)width, (void)height;
    palette_destroy(palette);
    gif_writer_available(message, message_size);
    return NULL;
}

bool gif_writer_add(GifWriter *writer, const Frame *frame, uint32_t delay_cs, char *message, size_t message_size)
{
    (void)writer, (void)frame, (void)delay_cs;
    return gif_writer_available(message, message_size);
}

bool gif_writer_finish(GifWriter *writer, char *message, size_t message_size)
{
    (void)writer;
    return gif_writer_available(message, message_size);
}

void gif_writer_abandon(GifWriter *writer)
{
    (void)writer;
}

#endif
