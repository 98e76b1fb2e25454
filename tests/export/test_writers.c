/*
 * test_writers.c - the GIF palette and the GIF writer on small hand-made
 * frames, decoded again with giflib: flat colours kept exactly, many
 * colours within the palette's radius, only the changed rectangle stored
 * per frame (unchanged pixels transparent), the delays, and the loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "export_support.h"
#include "frame.h"
#include "gif_writer.h"
#include "output_file.h"
#include "palette.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WIDTH = 16, HEIGHT = 12 };

#define RED 0xFFD55E00u
#define WHITE 0xFFFFFFFFu
#define BLUE 0xFF0072B2u

static Frame filled(int width, int height, uint32_t color)
{
    Frame frame = frame_create(width, height);
    assert_non_null(frame.pixels);
    for (int i = 0; i < width * height; i++) {
        frame.pixels[i] = color;
    }
    return frame;
}

static uint32_t entry(const Palette *palette, uint32_t index)
{
    PaletteColor color = palette_color(palette, index);
    return 0xFF000000u | (uint32_t)color.red << 16 | (uint32_t)color.green << 8 | color.blue;
}

static void test_flat_colours_are_kept_exactly(void **state)
{
    (void)state;
    Frame frame = filled(4, 4, WHITE); /* 10 white, 4 red, 2 blue */
    frame.pixels[0] = frame.pixels[1] = frame.pixels[2] = frame.pixels[3] = RED;
    frame.pixels[4] = frame.pixels[5] = BLUE;
    Palette *palette = palette_create();
    assert_non_null(palette);
    assert_true(palette_sample(palette, &frame));
    assert_true(palette_choose(palette, 255));
    assert_int_equal(palette_count(palette), 3);
    assert_int_equal(palette_radius(palette), 0);
    assert_int_equal(entry(palette, 0), WHITE); /* most pixels first */
    assert_int_equal(entry(palette, 1), RED);
    assert_int_equal(entry(palette, 2), BLUE);
    assert_int_equal(palette_index(palette, BLUE), 2);
    assert_int_equal(palette_index(palette, 0xFFFFFFFEu), 0); /* the nearest, white */
    palette_destroy(palette);
    frame_destroy(&frame);
}

/* A 64 x 64 gradient (4,096 colours: red 4x, green 4y) and a flat colour
 * on a quarter of a frame: 255 entries cannot hold them all, so the flat
 * colour stays exact and every other lies within the radius of its entry. */
static void test_many_colours_lie_within_the_radius(void **state)
{
    (void)state;
    Frame gradient = frame_create(64, 64), flat = filled(64, 16, BLUE);
    assert_non_null(gradient.pixels);
    for (int y = 0; y < 64; y++) {
        for (int x = 0; x < 64; x++) {
            gradient.pixels[y * 64 + x] = 0xFF000000u | (uint32_t)(x * 4) << 16 | (uint32_t)(y * 4) << 8;
        }
    }
    Palette *palette = palette_create();
    assert_true(palette_sample(palette, &gradient) && palette_sample(palette, &flat));
    assert_true(palette_choose(palette, 255));
    assert_true(palette_count(palette) <= 255);
    assert_int_equal(entry(palette, palette_index(palette, BLUE)), BLUE);
    uint32_t radius = palette_radius(palette);
    /* 4,096 colours on 255 entries: 16 per entry, the gradient points (4
     * apart) in a disc of radius 9 at best; a greedy choice needs more */
    assert_true(radius >= 9 && radius <= 24);
    for (int i = 0; i < 64 * 64; i++) {
        uint32_t a = gradient.pixels[i], b = entry(palette, palette_index(palette, a));
        double red = (double)(a >> 16 & 0xFF) - (double)(b >> 16 & 0xFF);
        double green = (double)(a >> 8 & 0xFF) - (double)(b >> 8 & 0xFF);
        double blue = (double)(a & 0xFF) - (double)(b & 0xFF);
        assert_true(sqrt(red * red + green * green + blue * blue) <= radius);
    }
    palette_destroy(palette);
    frame_destroy(&gradient);
    frame_destroy(&flat);
}

/* Writes `frames` with `delays` to NAME in the scratch directory. */
static void write_gif(const char *path, const Frame *frames, const uint32_t *delays, int count)
{
    char message[300];
    OutputFile *file = output_file_open(path, message, sizeof message);
    assert_non_null(file);
    Palette *palette = palette_create();
    assert_true(palette_sample(palette, &frames[0]) && palette_sample(palette, &frames[count - 1]));
    GifWriter *writer = gif_writer_open(file, frames[0].width, frames[0].height, palette, message, sizeof message);
    assert_non_null(writer);
    for (int i = 0; i < count; i++) {
        assert_true(gif_writer_add(writer, &frames[i], delays[i], message, sizeof message));
    }
    assert_true(gif_writer_finish(writer, message, sizeof message));
    assert_true(output_file_commit(file, message, sizeof message));
}

static void assert_rectangle(const GifFileType *gif, int index, int left, int top, int width, int height)
{
    const GifImageDesc *area = &gif->SavedImages[index].ImageDesc;
    assert_int_equal(area->Left, left);
    assert_int_equal(area->Top, top);
    assert_int_equal(area->Width, width);
    assert_int_equal(area->Height, height);
}

static void assert_picture(const GifFileType *gif, int index, const Frame *expected)
{
    uint32_t *picture = support_gif_picture(gif, index);
    for (int i = 0; i < expected->width * expected->height; i++) {
        assert_int_equal(picture[i], expected->pixels[i] & 0xFFFFFF);
    }
    free(picture);
}

/* Frame 1 changes pixels (3, 2) and (10, 7): the rectangle from (3, 2) to
 * (10, 7) is 8 x 6 and everything else in it is transparent. Frame 2 is
 * the same as frame 1: one transparent pixel carries its delay. */
static void test_only_the_changed_rectangle_is_stored(void **state)
{
    (void)state;
    Frame frames[3] = {filled(WIDTH, HEIGHT, WHITE), filled(WIDTH, HEIGHT, WHITE), filled(WIDTH, HEIGHT, WHITE)};
    for (int i = 1; i < 3; i++) {
        frames[i].pixels[2 * WIDTH + 3] = RED;
        frames[i].pixels[7 * WIDTH + 10] = BLUE;
    }
    frames[0].pixels[0] = BLUE; /* so the palette has every colour */
    frames[2].pixels[0] = BLUE;
    frames[1].pixels[0] = BLUE;
    const uint32_t delays[3] = {10, 7, 100};
    char path[512];
    support_path(path, sizeof path, "rectangle.gif");
    write_gif(path, frames, delays, 3);
    GifFileType *gif = support_gif_load(path);
    assert_int_equal(gif->SWidth, WIDTH);
    assert_int_equal(gif->SHeight, HEIGHT);
    assert_int_equal(gif->ImageCount, 3);
    assert_rectangle(gif, 0, 0, 0, WIDTH, HEIGHT);
    assert_rectangle(gif, 1, 3, 2, 8, 6);
    assert_rectangle(gif, 2, 0, 0, 1, 1);
    int transparent = 0;
    GraphicsControlBlock control;
    DGifSavedExtensionToGCB(gif, 1, &control);
    for (int i = 0; i < 8 * 6; i++) {
        transparent += gif->SavedImages[1].RasterBits[i] == control.TransparentColor;
    }
    assert_int_equal(transparent, 8 * 6 - 2);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(support_gif_delay(gif, i), (int)delays[i]);
        assert_picture(gif, i, &frames[i]);
    }
    const ExtensionBlock *blocks = gif->SavedImages[0].ExtensionBlocks;
    bool loops = false;
    for (int i = 0; i + 1 < gif->SavedImages[0].ExtensionBlockCount; i++) {
        loops = loops || (blocks[i].Function == APPLICATION_EXT_FUNC_CODE && blocks[i].ByteCount == 11 &&
                          memcmp(blocks[i].Bytes, "NETSCAPE2.0", 11) == 0 && blocks[i + 1].Bytes[0] == 1 &&
                          blocks[i + 1].Bytes[1] == 0 && blocks[i + 1].Bytes[2] == 0);
    }
    assert_true(loops); /* plays forever */
    support_gif_close(gif);
    for (int i = 0; i < 3; i++) {
        frame_destroy(&frames[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_colours_are_kept_exactly),
        cmocka_unit_test(test_many_colours_lie_within_the_radius),
        cmocka_unit_test(test_only_the_changed_rectangle_is_stored),
    };
    return cmocka_run_group_tests(tests, support_setup, support_teardown);
}
