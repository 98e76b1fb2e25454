/*
 * test_playback.c - frames of playback drawn by the real renderer under
 * SDL's offscreen driver, at the times a playing window draws them, and read
 * back pixel by pixel. Issue 19's bar: no frame of default playback paints
 * more than 3% of its grid in the highlight colours (the fading split and
 * coalesce mark, and the outline of the block the last step touched).
 *
 * The grid's extent is found in the pixels themselves - the bounding box of
 * the cell colours left of the panel and above the timeline - not from the
 * app's layout, so a layout bug cannot hide a highlight that takes over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "grid.h"
#include "grid_view.h"
#include "model.h"
#include "render.h"
#include "ui_test_support.h"
#include <SDL.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>

enum { WIDTH = 1280, HEIGHT = 800, TEXT_PIXELS = 15, FRAME_MS = 16 };

typedef struct {
    SDL_Window *window;
    SDL_Renderer *renderer;
    Render *render;
    uint32_t *pixels;            /* one frame read back, WIDTH x HEIGHT ARGB */
} Screen;

typedef struct {
    int x0, y0, x1, y1;          /* bounding box of the grid's cells, [x0, x1) x [y0, y1) */
} Box;

static Screen screen;

static int setup(void **state)
{
    (void)state;
    if (SDL_Init(SDL_INIT_VIDEO) != 0 || TTF_Init() != 0) {
        return -1;
    }
    /* As the window does: draw into the driver's framebuffer, so no GL
     * library is loaded (the sanitizers would count its leaks as ours). */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    screen.window = SDL_CreateWindow("playback", 0, 0, WIDTH, HEIGHT, SDL_WINDOW_HIDDEN);
    screen.renderer = screen.window ? SDL_CreateRenderer(screen.window, -1, SDL_RENDERER_SOFTWARE) : NULL;
    char message[256];
    screen.pixels = malloc((size_t)WIDTH * HEIGHT * sizeof *screen.pixels);
    if (screen.renderer == NULL || screen.pixels == NULL ||
        !render_create(screen.renderer, HEAPVIZ_TEST_FONT, TEXT_PIXELS, 1, &screen.render, message, sizeof message)) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    render_destroy(screen.render);
    SDL_DestroyRenderer(screen.renderer);
    SDL_DestroyWindow(screen.window);
    free(screen.pixels);
    TTF_Quit();
    SDL_Quit();
    return 0;
}

/* Draws the frame a window shows at `now_ms` and reads it back. */
static void draw(Model *model, uint64_t now_ms)
{
    Layout layout = render_layout(screen.render, WIDTH, HEIGHT, model);
    model_set_grid_area(model, (uint32_t)layout.pane_grids[0].w, (uint32_t)layout.pane_grids[0].h);
    DirtyRange dirty[MODEL_MAX_PANES];
    for (uint32_t pane = 0; pane < model_pane_count(model); pane++) {
        dirty[pane] = model_take_dirty(model, pane);
    }
    assert_true(render_update(screen.render, model, dirty));
    render_frame(screen.render, model, &layout, now_ms);
    assert_int_equal(SDL_RenderReadPixels(screen.renderer, NULL, SDL_PIXELFORMAT_ARGB8888, screen.pixels,
                                          WIDTH * 4), 0);
}

static uint32_t at(int x, int y)
{
    return screen.pixels[(size_t)y * WIDTH + (size_t)x] & 0x00FFFFFFu;
}

static bool is_cell_color(uint32_t color)
{
    return color == (GRID_COLOR_FREE & 0xFFFFFFu) || color == (GRID_COLOR_ALLOCATED & 0xFFFFFFu) ||
           color == (GRID_COLOR_EDGE & 0xFFFFFFu) || color == (GRID_COLOR_DEAD & 0xFFFFFFu);
}

/* A highlight pixel: the touched green, or vermillion at any strength over
 * any cell (red well above green, green at least blue: not the purple of
 * dead memory, not a grey). */
static bool is_highlight(uint32_t color)
{
    int r = (int)(color >> 16 & 0xFF), g = (int)(color >> 8 & 0xFF), b = (int)(color & 0xFF);
    return color == (GRID_COLOR_TOUCHED & 0xFFFFFFu) || (r - g > 30 && g >= b && r - b > 60);
}

/* The cells' bounding box within the left 62% and top 78% of the frame,
 * where the panes are (the panel and the timeline lie beyond). */
static Box grid_box(void)
{
    Box box = {WIDTH, HEIGHT, 0, 0};
    for (int y = 0; y < HEIGHT * 78 / 100; y++) {
        for (int x = 0; x < WIDTH * 62 / 100; x++) {
            if (is_cell_color(at(x, y))) {
                box.x0 = x < box.x0 ? x : box.x0;
                box.y0 = y < box.y0 ? y : box.y0;
                box.x1 = x + 1 > box.x1 ? x + 1 : box.x1;
                box.y1 = y + 1 > box.y1 ? y + 1 : box.y1;
            }
        }
    }
    return box;
}

static double highlight_fraction(Box box)
{
    uint64_t count = 0;
    for (int y = box.y0; y < box.y1; y++) {
        for (int x = box.x0; x < box.x1; x++) {
            count += is_highlight(at(x, y));
        }
    }
    return (double)count / ((double)(box.x1 - box.x0) * (double)(box.y1 - box.y0));
}

/* Plays `model` at its default speed for `frames` frames, drawing every
 * `every`-th; returns the largest highlight fraction of a drawn frame and
 * checks the frames saw marks at all. */
static double worst_frame(Model *model, int frames, int every)
{
    while (model_compute_ahead(model, 4096) > 0) {
    }
    Action play = {.kind = ACTION_TOGGLE_PLAY};
    model_apply(model, &play, 0);
    double worst = 0;
    int marked = 0;
    for (int frame = 1; frame <= frames; frame++) {
        uint64_t now = (uint64_t)frame * FRAME_MS;
        model_update(model, now);
        if (frame % every != 0) {
            continue;
        }
        draw(model, now);
        Box box = grid_box();
        assert_true(box.x1 - box.x0 > 100 && box.y1 - box.y0 > 100);
        double fraction = highlight_fraction(box);
        worst = fraction > worst ? fraction : worst;
        Highlight marks[MODEL_MAX_MARKS];
        marked += model_marks(model, 0, now, marks) > 0;
    }
    assert_true(marked > 0); /* frames were drawn while marks showed */
    return worst;
}

/* Plays `workload` in `panes` panes (0: one) and checks the bar. */
static void check_playback(const char *name, Workload workload, uint32_t panes, int frames, int every)
{
    Model *model = support_model(&workload, panes);
    assert_non_null(model);
    double worst = worst_frame(model, frames, every);
    printf("# %s: worst frame %.2f%% highlight\n", name, worst * 100);
    assert_true(worst <= 0.03);
    model_destroy(model);
}

/* `heapviz` as it opens: the default simulation, 100 steps at 10 steps/s. */
static void test_default_playback_keeps_highlights_small(void **state)
{
    (void)state;
    check_playback("default playback", support_simulation(0, 100), 0, 10000 / FRAME_MS, 2);
}

/* The README's five-policy demo (2,000 steps at 200 steps/s): each pane's
 * grid is narrow, so the box spans all five and the bar holds for them all. */
static void test_compare_playback_keeps_highlights_small(void **state)
{
    (void)state;
    Workload workload = support_simulation(0, 2000);
    workload.sim.p_malloc = 0.6;
    workload.sim.max_request_pages = 300;
    check_playback("five-policy playback", workload, 5, 3000 / FRAME_MS, 1);
}

/* The touched block's outline goes round the block's shape: a block over
 * several rows (a partial first row, full rows, a partial last row) gets
 * no line between its row bands, where its own cells are, and a line just
 * outside its first cell and its full rows. */
static void test_outline_goes_round_the_whole_block(void **state)
{
    (void)state;
    Workload workload = support_simulation(0, 100);
    Model *model = support_model(&workload, 0);
    assert_non_null(model);
    draw(model, 0);
    Layout layout = render_layout(screen.render, WIDTH, HEIGHT, model);
    GridView view;
    LayoutRect rects[3];
    int count = 0;
    for (int64_t i = 1; i <= 100 && !(count == 3 && rects[0].x > view.dest.x); i++) {
        Action jump = {.kind = ACTION_JUMP_TO, .amount = i}; /* a jump: no search is played */
        assert_true(model_apply(model, &jump, 0));
        view = grid_view(model, &layout, 0);
        count = grid_view_highlight_rects(&view, model_geometry(model), model_touched(model, 0), rects);
    }
    assert_int_equal(count, 3); /* a block over three rows or more, from the middle of a row */
    draw(model, 10000);          /* the marks long faded */
    uint32_t touched = GRID_COLOR_TOUCHED & 0xFFFFFFu;
    uint64_t inside = 0;
    for (int i = 0; i < 3; i++) {
        for (int y = rects[i].y; y < rects[i].y + rects[i].h; y++) {
            for (int x = rects[i].x; x < rects[i].x + rects[i].w; x++) {
                inside += at(x, y) == touched;
            }
        }
    }
    assert_int_equal(inside, 0);
    assert_int_equal(at(rects[0].x + rects[0].w / 2, rects[0].y - 1), touched); /* above the first row */
    assert_int_equal(at(rects[0].x - 1, rects[0].y + rects[0].h / 2), touched);  /* left of the first cell */
    assert_int_equal(at(rects[1].x - 1, rects[1].y + rects[1].h / 2), touched);  /* left of the full rows */
    assert_int_equal(at(rects[1].x, rects[1].y - 1), touched);                   /* above them, left of the first */
    model_destroy(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_playback_keeps_highlights_small),
        cmocka_unit_test(test_compare_playback_keeps_highlights_small),
        cmocka_unit_test(test_outline_goes_round_the_whole_block),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
