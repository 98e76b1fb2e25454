/*
 * test_text.c - the text cache never draws a stale line. A line once drawn
 * is kept as a texture, and its glyphs come from strips blended once per
 * colour pair; text that changed, or the same text in other colours, must
 * still draw its own pixels, however full the caches are.
 *
 * The expected pixels come from a fresh cache for each colour pair: it draws
 * "0123456789abc..." once, and each character's cell is cut out of that. A
 * line drawn by a cache that has seen hundreds of other lines and colours
 * must be exactly its characters' cells side by side. The full block (U+2588)
 * and the space are checked by hand: the foreground and the background; and
 * every pixel of a few glyphs, edges included, against the blend worked out
 * from its coverage (foreground * alpha + background * (255 - alpha)).
 * Last, the real window: after jumps and a change of --scale its frame is
 * byte for byte the frame of a window opened there at that scale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "text.h"
#include "ui_test_support.h"
#include "window.h"
#include <SDL.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    TEXT_PIXELS = 15,
    CANVAS_WIDTH = 800,
    CANVAS_HEIGHT = 40,
    PAIRS = 20,                  /* colour pairs: more than the cache keeps strips for (16) */
    LINES_DRAWN = 1500,          /* more different lines than it keeps (256) */
    WINDOW_WIDTH = 1024,
    WINDOW_HEIGHT = 640
};

static const char ALPHABET[] = "0123456789abcdefghijklmnopqrstuvwxyz %,.:()/-";

/* A hidden window with the software renderer, as heapviz draws (its line
 * textures take the window's pixel format), and its pixels read back. */
typedef struct {
    SDL_Window *window;
    SDL_Renderer *renderer;
    Uint32 *pixels;              /* CANVAS_WIDTH x CANVAS_HEIGHT ARGB, as last read */
} Canvas;

/* Each character of ALPHABET drawn alone, as a fresh cache draws it. */
typedef struct {
    Uint32 *cells;               /* strlen(ALPHABET) cells of width x height ARGB pixels, one after another */
    int width, height;
} Reference;

static Canvas canvas_open(void)
{
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0"); /* as the window does: no GL library */
    Canvas canvas = {SDL_CreateWindow("text", 0, 0, CANVAS_WIDTH, CANVAS_HEIGHT, SDL_WINDOW_HIDDEN), NULL,
                     malloc((size_t)CANVAS_WIDTH * CANVAS_HEIGHT * sizeof *canvas.pixels)};
    assert_non_null(canvas.window);
    assert_non_null(canvas.pixels);
    canvas.renderer = SDL_CreateRenderer(canvas.window, -1, SDL_RENDERER_SOFTWARE);
    assert_non_null(canvas.renderer);
    return canvas;
}

static void canvas_close(Canvas canvas)
{
    SDL_DestroyRenderer(canvas.renderer);
    SDL_DestroyWindow(canvas.window);
    free(canvas.pixels);
}

/* Reads what has been drawn into canvas->pixels. */
static void read_back(Canvas *canvas)
{
    assert_int_equal(SDL_RenderReadPixels(canvas->renderer, NULL, SDL_PIXELFORMAT_ARGB8888, canvas->pixels,
                                          CANVAS_WIDTH * 4), 0);
}

static TextCache *new_cache(SDL_Renderer *renderer)
{
    TextCache *cache = NULL;
    char message[256];
    assert_true(text_cache_create(renderer, HEAPVIZ_TEST_FONT, TEXT_PIXELS, &cache, message, sizeof message));
    return cache;
}

static Uint32 pixel(const Canvas *canvas, int x, int y)
{
    return canvas->pixels[y * CANVAS_WIDTH + x];
}

/* Paints the canvas a colour no text here uses, so nothing drawn before can pass for a line. */
static void clear(Canvas *canvas)
{
    assert_int_equal(SDL_SetRenderDrawColor(canvas->renderer, 0x12, 0x34, 0x56, 0xFF), 0);
    assert_int_equal(SDL_RenderClear(canvas->renderer), 0);
}

static SDL_Color color(Uint32 argb)
{
    return (SDL_Color){(Uint8)(argb >> 16), (Uint8)(argb >> 8), (Uint8)argb, (Uint8)(argb >> 24)};
}

/* The i-th colour pair: distinct foregrounds, and backgrounds that repeat
 * with other foregrounds (a cache keyed on one colour alone mixes them up). */
static void pair(int i, SDL_Color *foreground, SDL_Color *background)
{
    static const Uint32 backgrounds[] = {0xFF20232Au, 0xFF16181Du, 0xFF101216u, 0xFFFFFFFFu};
    *foreground = color(0xFF000000u | (Uint32)(40 + 10 * i) << 16 | (Uint32)(250 - 9 * i) << 8 | (Uint32)(30 * i % 256));
    *background = color(backgrounds[i % 4]);
}

static Reference reference_for(SDL_Color foreground, SDL_Color background)
{
    Canvas canvas = canvas_open();
    TextCache *fresh = new_cache(canvas.renderer);
    Reference reference = {NULL, text_char_width(fresh), text_line_height(fresh)};
    size_t count = strlen(ALPHABET), cell_pixels = (size_t)reference.width * (size_t)reference.height;
    clear(&canvas);
    assert_int_equal(text_draw(fresh, 0, 0, ALPHABET, foreground, background), (int)count * reference.width);
    read_back(&canvas);
    reference.cells = malloc(count * cell_pixels * sizeof *reference.cells);
    assert_non_null(reference.cells);
    for (size_t c = 0; c < count; c++) {
        for (int y = 0; y < reference.height; y++) {
            for (int x = 0; x < reference.width; x++) {
                reference.cells[c * cell_pixels + (size_t)(y * reference.width + x)] =
                    pixel(&canvas, (int)c * reference.width + x, y);
            }
        }
    }
    text_cache_destroy(fresh);
    canvas_close(canvas);
    return reference;
}

/* Whether the canvas holds `text` at (x, 0) exactly as its reference cells. */
static bool matches(const Canvas *canvas, int x0, const char *text, const Reference *reference)
{
    size_t cell_pixels = (size_t)reference->width * (size_t)reference->height;
    for (size_t i = 0; text[i] != '\0'; i++) {
        size_t c = (size_t)(strchr(ALPHABET, text[i]) - ALPHABET);
        for (int y = 0; y < reference->height; y++) {
            for (int x = 0; x < reference->width; x++) {
                Uint32 expected = reference->cells[c * cell_pixels + (size_t)(y * reference->width + x)];
                if (pixel(canvas, x0 + (int)i * reference->width + x, y) != expected) {
                    return false;
                }
            }
        }
    }
    return true;
}

static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

/* A counter line that differs from the last in a digit or two, as a frame's do. */
static void counter_line(char *text, size_t size, uint64_t *state)
{
    static const char *const names[] = {"step", "free blocks", "util", "ext frag", "examined (searched)"};
    snprintf(text, size, "%s: %llu, %llu%%", names[next_random(state) % 5],
             (unsigned long long)(next_random(state) % 400), (unsigned long long)(next_random(state) % 100));
}

static int start_sdl(void **state)
{
    (void)state;
    return SDL_Init(SDL_INIT_VIDEO) == 0 && TTF_Init() == 0 ? 0 : -1;
}

static int stop_sdl(void **state)
{
    (void)state;
    TTF_Quit();
    SDL_Quit();
    return 0;
}

/* One cache draws 1,500 lines that change a digit or two, in 20 colour
 * pairs; every line is its characters' cells in its own colours. */
static void test_a_busy_cache_draws_each_line_as_fresh(void **state)
{
    (void)state;
    Reference references[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        SDL_Color foreground, background;
        pair(i, &foreground, &background);
        references[i] = reference_for(foreground, background);
    }
    Canvas canvas = canvas_open();
    TextCache *cache = new_cache(canvas.renderer);
    uint64_t random = 21;
    char text[80];
    for (int n = 0; n < LINES_DRAWN; n++) {
        int which = (int)(next_random(&random) % PAIRS);
        SDL_Color foreground, background;
        pair(which, &foreground, &background);
        counter_line(text, sizeof text, &random);
        clear(&canvas);
        int x = (int)(next_random(&random) % 8);
        assert_int_equal(text_draw(cache, x, 0, text, foreground, background),
                         (int)strlen(text) * references[which].width);
        read_back(&canvas);
        if (!matches(&canvas, x, text, &references[which])) {
            fail_msg("line %d, \"%s\" in pair %d, is not its characters' cells", n, text, which);
        }
    }
    text_cache_destroy(cache);
    canvas_close(canvas);
    for (int i = 0; i < PAIRS; i++) {
        free(references[i].cells);
    }
}

/* The same text drawn again after it changed, and in other colours, then
 * back: each time its own pixels (the line cache's key holds the text and
 * both colours, the strips' key both colours). */
static void test_the_same_place_redrawn_changes_with_its_text_and_colours(void **state)
{
    (void)state;
    SDL_Color foregrounds[2], backgrounds[2];
    pair(0, &foregrounds[0], &backgrounds[0]);
    pair(1, &foregrounds[1], &backgrounds[1]);
    const SDL_Color colors[3][2] = {{foregrounds[0], backgrounds[0]},
                                    {foregrounds[1], backgrounds[1]},
                                    {foregrounds[0], backgrounds[1]}}; /* one of each */
    Reference references[3];
    for (int p = 0; p < 3; p++) {
        references[p] = reference_for(colors[p][0], colors[p][1]);
    }
    Canvas canvas = canvas_open();
    TextCache *cache = new_cache(canvas.renderer);
    const struct {
        const char *text;
        int colors;
    } draws[] = {{"step 123", 0}, {"step 124", 0}, {"step 124", 1}, {"step 124", 2}, {"step 123", 0}, {"step 124", 0}};
    for (size_t i = 0; i < sizeof draws / sizeof draws[0]; i++) {
        int p = draws[i].colors;
        clear(&canvas);
        text_draw(cache, 0, 0, draws[i].text, colors[p][0], colors[p][1]);
        read_back(&canvas);
        if (!matches(&canvas, 0, draws[i].text, &references[p])) {
            fail_msg("draw %zu, \"%s\" in colours %d, is stale", i, draws[i].text, p);
        }
    }
    text_cache_destroy(cache);
    canvas_close(canvas);
    for (int p = 0; p < 3; p++) {
        free(references[p].cells);
    }
}

/* By hand: a full block's middle is the foreground, a space all background. */
static void test_full_block_is_the_foreground_and_space_the_background(void **state)
{
    (void)state;
    Canvas canvas = canvas_open();
    TextCache *cache = new_cache(canvas.renderer);
    int width = text_char_width(cache), height = text_line_height(cache);
    SDL_Color orange = color(0xFFE69F00u), slate = color(0xFF20232Au);
    clear(&canvas);
    assert_int_equal(text_draw(cache, 0, 0, "\xE2\x96\x88 ", orange, slate), 2 * width);
    read_back(&canvas);
    assert_int_equal(pixel(&canvas, width / 2, height / 2), 0xFFE69F00u);
    for (int y = 0; y < height; y++) {
        for (int x = width; x < 2 * width; x++) {
            assert_int_equal(pixel(&canvas, x, y), 0xFF20232Au);
        }
    }
    assert_int_equal(pixel(&canvas, 2 * width, 0), 0xFF123456u); /* nothing drawn past the text */
    text_cache_destroy(cache);
    canvas_close(canvas);
}

/* One channel of `foreground` over `background` at coverage alpha (0-255). */
static int blended(int foreground, int background, int alpha)
{
    return (foreground * alpha + background * (255 - alpha) + 127) / 255;
}

/* By hand: every pixel of a glyph is its foreground over its background at
 * the glyph's coverage there. The coverage is read off the same glyph drawn
 * white on black (each channel is then alpha itself); drawn in orange on
 * slate, each channel of each pixel must be orange * alpha + slate * (255 -
 * alpha), within one for rounding. Edge pixels (0 < alpha < 255) included:
 * the full block and the space above check only the two ends. */
static void test_each_glyph_pixel_blends_its_colours_by_its_coverage(void **state)
{
    (void)state;
    Canvas canvas = canvas_open();
    TextCache *cache = new_cache(canvas.renderer);
    int width = text_char_width(cache), height = text_line_height(cache);
    const char *glyphs = "a%8";
    int count = (int)strlen(glyphs), edges = 0;
    Uint32 *coverage = malloc((size_t)(count * width * height) * sizeof *coverage);
    assert_non_null(coverage);
    clear(&canvas);
    text_draw(cache, 0, 0, glyphs, color(0xFFFFFFFFu), color(0xFF000000u));
    read_back(&canvas);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < count * width; x++)
            coverage[y * count * width + x] = pixel(&canvas, x, y) & 0xFF;
    const Uint32 fore = 0xE69F00u, back = 0x20232Au;
    clear(&canvas);
    text_draw(cache, 0, 0, glyphs, color(0xFF000000u | fore), color(0xFF000000u | back));
    read_back(&canvas);
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < count * width; x++) {
            int alpha = (int)coverage[y * count * width + x];
            edges += alpha > 0 && alpha < 255;
            for (int shift = 0; shift <= 16; shift += 8) {
                int want = blended((int)(fore >> shift) & 0xFF, (int)(back >> shift) & 0xFF, alpha);
                int got = (int)(pixel(&canvas, x, y) >> shift) & 0xFF;
                assert_true(abs(got - want) <= 1);
            }
        }
    }
    assert_true(edges > 10); /* the glyphs have anti-aliased edges to check */
    free(coverage);
    text_cache_destroy(cache);
    canvas_close(canvas);
}

/* ---- the real window --------------------------------------------------------------------- */

/* Opens the default simulation's window with `arguments`, goes to each of
 * `steps` in turn (drawing each), applies `scale` steps of [ or ], and
 * returns the last frame drawn (the caller frees it). */
static Frame window_frame(const char *const *arguments, int count, const uint64_t *steps, int step_count, int scale)
{
    Options options;
    assert_true(support_parse_options(arguments, count, &options));
    Window *window = NULL;
    assert_int_equal(window_open_offscreen(&options, WINDOW_WIDTH, WINDOW_HEIGHT, &window), 0);
    int width = 0, height = 0;
    window_frame_size(window, &width, &height);
    Frame frame = frame_create(width, height);
    assert_non_null(frame.pixels);
    char message[400];
    for (int i = 0; i < step_count; i++) {
        Action jump = {.kind = ACTION_JUMP_TO, .amount = (int64_t)steps[i]};
        model_apply(window_model(window), &jump, 0);
        assert_true(window_render(window, WINDOW_STILL_MS, &frame, message, sizeof message));
    }
    Action larger = {.kind = ACTION_SCALE, .amount = scale > 0 ? 1 : -1};
    for (int i = 0; i < abs(scale); i++) {
        model_apply(window_model(window), &larger, 0);
    }
    model_set_status(window_model(window), ""); /* "text and lines at 156%": a fresh window says nothing */
    assert_true(window_render(window, WINDOW_STILL_MS, &frame, message, sizeof message));
    window_close(window);
    return frame;
}

static bool same_frame(const Frame *a, const Frame *b)
{
    return a->width == b->width && a->height == b->height &&
           memcmp(a->pixels, b->pixels, (size_t)a->width * (size_t)a->height * sizeof *a->pixels) == 0;
}

/* A window that drew steps 0, 40, 7 and 63 at --scale 1, then had its text
 * made larger twice (]), shows step 63 exactly as a window opened at
 * --scale 1.5625 that went there directly; and smaller ([ twice) as one at
 * 0.64. Text cached at the old size, or for the old step, would differ. */
static void test_window_after_jumps_and_rescale_draws_as_a_fresh_one(void **state)
{
    (void)state;
    const char *usual[] = {"--steps", "80"};
    const char *large[] = {"--steps", "80", "--scale", "1.5625"};
    const char *small[] = {"--steps", "80", "--scale", "0.64"};
    const uint64_t path[] = {0, 40, 7, 63}, direct[] = {63};
    Frame walked = window_frame(usual, 2, path, 4, 2), fresh = window_frame(large, 4, direct, 1, 0);
    assert_true(same_frame(&walked, &fresh));
    Frame walked_small = window_frame(usual, 2, path, 4, -2), fresh_small = window_frame(small, 4, direct, 1, 0);
    assert_true(same_frame(&walked_small, &fresh_small));
    Frame unscaled = window_frame(usual, 2, direct, 1, 0);
    assert_false(same_frame(&walked, &unscaled)); /* the scale did change the frame */
    Frame *frames[] = {&walked, &fresh, &walked_small, &fresh_small, &unscaled};
    for (int i = 0; i < 5; i++) {
        frame_destroy(frames[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_busy_cache_draws_each_line_as_fresh, start_sdl, stop_sdl),
        cmocka_unit_test_setup_teardown(test_the_same_place_redrawn_changes_with_its_text_and_colours, start_sdl,
                                        stop_sdl),
        cmocka_unit_test_setup_teardown(test_full_block_is_the_foreground_and_space_the_background, start_sdl,
                                        stop_sdl),
        cmocka_unit_test_setup_teardown(test_each_glyph_pixel_blends_its_colours_by_its_coverage, start_sdl,
                                        stop_sdl),
        cmocka_unit_test(test_window_after_jumps_and_rescale_draws_as_a_fresh_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
