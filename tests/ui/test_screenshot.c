/*
 * test_screenshot.c - pictures made by the program itself under SDL's
 * offscreen driver, checked pixel by pixel: the real binary's --screenshot
 * (classic cells against the block list of a fresh run, the panel's text,
 * a missing font), and window_capture for what the command line does not
 * reach (detail view, plots switched off, help, compare panes, tiny windows,
 * the tooltip of a hovered block).
 *
 * argv[1] is the heapviz binary. The layout is recomputed here from the
 * font's metrics, the same way the window computes it.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "options.h"
#include "window.h"
#include "canvas.h"
#include "grid.h"
#include "layout.h"
#include "overlay.h"
#include "sentence.h"
#include "ui_test_support.h"
#include "timeline.h"
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <malloc.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { WIDTH = 1280, HEIGHT = 800, TEXT_PIXELS = 15 };

static const char *program;
static char directory[256];

static void path_for(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", directory, name);
}

/* Runs the binary with `arguments`; returns its exit status. */
static int run_program(const char *arguments)
{
    char command[4096];
    snprintf(command, sizeof command, "'%s' %s 2>'%s/stderr.txt'", program, arguments, directory);
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static Options parse(const char *const *arguments, int count)
{
    Options options;
    assert_true(support_parse_options(arguments, count, &options));
    return options;
}

/* The window's layout for a heap whose shown part ends at 32 KiB or less
 * (row addresses of at most four hex digits), with text `pixels` high. */
static Layout layout_scaled(int width, int height, uint32_t panes, int pixels)
{
    TTF_Font *font = TTF_OpenFont(HEAPVIZ_TEST_FONT, pixels);
    assert_non_null(font);
    int advance = 0;
    assert_int_equal(TTF_GlyphMetrics32(font, 'M', NULL, NULL, NULL, NULL, &advance), 0);
    Layout layout = layout_compute(width, height, panes, TTF_FontLineSkip(font), advance);
    layout_reserve_addresses(&layout, layout_address_chars(32768));
    TTF_CloseFont(font);
    return layout;
}

/* The window's layout for the default 32 KiB heap. */
static Layout layout_for(int width, int height, uint32_t panes)
{
    return layout_scaled(width, height, panes, TEXT_PIXELS);
}

static uint32_t pixel(SDL_Surface *image, int x, int y)
{
    const uint8_t *row = (const uint8_t *)image->pixels + (size_t)y * (size_t)image->pitch;
    return ((const uint32_t *)row)[x] | 0xFF000000u;
}

static SDL_Surface *load(const char *path)
{
    SDL_Surface *image = support_load_png(path);
    assert_non_null(image);
    return image;
}

static uint32_t expected_color(const Allocator *heap, uint64_t cell, uint64_t cell_bytes, ViewMode view)
{
    HeapBlock block;
    uint64_t offset = cell * cell_bytes;
    if (!allocator_block_at(heap, offset, &block)) {
        return GRID_COLOR_OUTSIDE;
    }
    uint64_t inside = offset - block.offset;
    if (view == VIEW_CLASSIC) {
        if (block.state == HEAP_BLOCK_USED) {
            return inside < block.header_bytes ? GRID_COLOR_EDGE : GRID_COLOR_ALLOCATED;
        }
        return block.state == HEAP_BLOCK_FREE ? GRID_COLOR_FREE : GRID_COLOR_DEAD;
    }
    if (inside < block.header_bytes) {
        return GRID_COLOR_HEADER;
    }
    if (inside >= block.size - block.footer_bytes) {
        return GRID_COLOR_FOOTER;
    }
    if (block.state == HEAP_BLOCK_FREE) {
        return GRID_COLOR_FREE;
    }
    if (block.state == HEAP_BLOCK_DEAD) {
        return GRID_COLOR_DEAD;
    }
    return inside - block.header_bytes < block.requested ? GRID_COLOR_PAYLOAD : GRID_COLOR_PADDING;
}

typedef struct {
    uint64_t checked, wrong;
    uint64_t seen[6];            /* cells seen per detail colour: header, payload, padding, free, dead, black */
} CellCheck;

/* Compares the centre pixel of every cell of pane `pane` with the heap. */
static CellCheck check_cells(SDL_Surface *image, const Layout *layout, uint32_t pane, const Allocator *heap, ViewMode view)
{
    GridGeometry geometry = grid_geometry(allocator_config(heap)->heap_bytes, 4, (uint32_t)layout->pane_grids[pane].w,
                                          (uint32_t)layout->pane_grids[pane].h);
    LayoutRect dest = layout_grid_dest(&layout->pane_grids[pane], &geometry);
    static const uint32_t colors[6] = {GRID_COLOR_HEADER, GRID_COLOR_PAYLOAD, GRID_COLOR_PADDING,
                                       GRID_COLOR_FREE, GRID_COLOR_DEAD, GRID_COLOR_ALLOCATED};
    CellCheck check = {0};
    for (uint64_t cell = 0; cell < geometry.cells; cell++) {
        int x = dest.x + (int)(cell % geometry.columns) * (int)geometry.cell_pixels + (int)geometry.cell_pixels / 2;
        int y = dest.y + (int)(cell / geometry.columns) * (int)geometry.cell_pixels + (int)geometry.cell_pixels / 2;
        uint32_t actual = pixel(image, x, y);
        if (actual == GRID_COLOR_TOUCHED) {
            continue; /* the outline of the block the last step touched */
        }
        uint32_t expected = expected_color(heap, cell, geometry.bytes_per_cell, view);
        check.checked++;
        check.wrong += actual != expected;
        for (int i = 0; i < 6; i++) {
            check.seen[i] += actual == colors[i];
        }
    }
    assert_true(check.checked > geometry.cells * 9 / 10);
    return check;
}

static uint64_t count_color(SDL_Surface *image, LayoutRect area, uint32_t color)
{
    uint64_t count = 0;
    for (int y = area.y; y < area.y + area.h; y++) {
        for (int x = area.x; x < area.x + area.w; x++) {
            count += pixel(image, x, y) == color;
        }
    }
    return count;
}

static void test_classic_cells_match_the_block_list(void **state)
{
    (void)state;
    char path[512], arguments[700];
    static const uint64_t steps[] = {0, 37, 100};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        path_for(path, sizeof path, "classic.png");
        snprintf(arguments, sizeof arguments, "--screenshot '%s' --at-step %llu --policy best-fit", path,
                 (unsigned long long)steps[i]);
        assert_int_equal(run_program(arguments), 0);
        SDL_Surface *image = load(path);
        assert_int_equal(image->w, WIDTH);
        assert_int_equal(image->h, HEIGHT);
        Workload workload = support_simulation(0, 100);
        Run *run = support_run_to(&workload, HEAP_BEST_FIT, NULL, 0, steps[i]);
        Layout layout = layout_for(WIDTH, HEIGHT, 1);
        CellCheck check = check_cells(image, &layout, 0, run_heap(run), VIEW_CLASSIC);
        assert_int_equal(check.wrong, 0);
        assert_true(check.seen[3] > 0); /* white cells */
        if (steps[i] > 0) {
            assert_true(check.seen[5] > 0); /* black cells */
        }
        run_destroy(run);
        SDL_FreeSurface(image);
    }
}

static void test_panel_text_is_drawn_and_follows_the_step(void **state)
{
    (void)state;
    char first[512], second[512], arguments[1200];
    path_for(first, sizeof first, "step10.png");
    path_for(second, sizeof second, "step20.png");
    snprintf(arguments, sizeof arguments, "--screenshot '%s' --at-step 10", first);
    assert_int_equal(run_program(arguments), 0);
    snprintf(arguments, sizeof arguments, "--screenshot '%s' --at-step 20", second);
    assert_int_equal(run_program(arguments), 0);
    SDL_Surface *a = load(first), *b = load(second);
    Layout layout = layout_for(WIDTH, HEIGHT, 1);
    LayoutRect title = {layout.panel.x, layout.panel.y, layout.panel.w, layout.line_height};
    assert_true(count_color(a, title, COLOR_ACCENT) > 50); /* "step 10 of 100  first-fit  seed 0" */
    LayoutRect counters = {layout.panel.x, layout.panel.y + 3 * layout.line_height, layout.panel.w,
                           12 * layout.line_height};
    assert_true(count_color(a, counters, COLOR_TEXT) > 500);
    uint64_t title_differs = 0;
    for (int y = title.y; y < title.y + title.h; y++) {
        for (int x = title.x; x < title.x + title.w; x++) {
            title_differs += pixel(a, x, y) != pixel(b, x, y);
        }
    }
    assert_true(title_differs > 10); /* "step 10" became "step 20" */
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
}

/* Runs the binary with --screenshot NAME and `options`, which must fail with
 * `status`, write no picture and say `words` in its one line on stderr. */
static void check_refused(const char *name, const char *options, int status, const char *words)
{
    char path[512], arguments[700];
    path_for(path, sizeof path, name);
    snprintf(arguments, sizeof arguments, "--screenshot '%s' %s", path, options);
    assert_int_equal(run_program(arguments), status);
    assert_int_not_equal(access(path, F_OK), 0);
    char stderr_path[300];
    path_for(stderr_path, sizeof stderr_path, "stderr.txt");
    FILE *file = fopen(stderr_path, "r");
    assert_non_null(file);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, file));
    fclose(file);
    assert_non_null(strstr(line, words));
}

static void test_missing_font_is_a_clear_error(void **state)
{
    (void)state;
    check_refused("nofont.png", "--font /nonexistent/font.ttf", 1, "/nonexistent/font.ttf");
}

/* As headless does: a picture of a step the run does not have is refused. */
static void test_screenshot_past_the_end_is_refused(void **state)
{
    (void)state;
    check_refused("past-end.png", "--at-step 3000", 2,
                  "--at-step 3000 is past the end of the run, which has 100 steps");
}

static SDL_Surface *capture(const char *name, const char *const *arguments, int count, const Action *actions,
                            size_t action_count, int width, int height)
{
    char path[512];
    path_for(path, sizeof path, name);
    const char *with_path[16] = {"--screenshot", path};
    if (count > 0) {
        memcpy(with_path + 2, arguments, (size_t)count * sizeof *arguments);
    }
    Options options = parse(with_path, count + 2);
    assert_int_equal(window_capture(&options, actions, action_count, width, height), 0);
    return load(path);
}

/* The panel's heap line for a 20 MiB heap whose first 9 MB are shown:
 * "20,971,520 B heap, 32 B per cell, 0x0-0x900000 shown" is 52 characters,
 * over the panel's 50, so it breaks between whole phrases - "20,971,520 B
 * heap, 32 B per cell" and "0x0-0x900000 shown" (18 characters) - not
 * inside one, which left "shown" (5 characters) alone on the second line,
 * nor one phrase a line ("32 B per cell", 13). */
static void test_heap_line_breaks_between_phrases(void **state)
{
    (void)state;
    char trace[512];
    path_for(trace, sizeof trace, "nine-mb.rep");
    FILE *file = fopen(trace, "w");
    assert_non_null(file);
    fputs("20971520\n1\n1\n1\na 0 9000000\n", file);
    fclose(file);
    const char *arguments[] = {"--trace", trace};
    SDL_Surface *image = capture("heap-line.png", arguments, 2, NULL, 0, WIDTH, HEIGHT);
    Layout layout = layout_for(WIDTH, HEIGHT, 1);
    LayoutRect second = {layout.panel.x, layout.panel.y + 3 * layout.line_height, layout.panel.w,
                         layout.line_height};
    int rightmost = -1;
    for (int y = second.y; y < second.y + second.h; y++) {
        for (int x = second.x; x < second.x + second.w; x++) {
            rightmost = pixel(image, x, y) == COLOR_DIM && x > rightmost ? x : rightmost;
        }
    }
    assert_true(rightmost > second.x + 15 * layout.char_width); /* "0x0-0x900000 shown" */
    assert_true(rightmost < second.x + 20 * layout.char_width);
    SDL_FreeSurface(image);
}

/* The grid's shape, worked out here and not by the app's layout code: at
 * step 0 the heap of the default simulation (32,768 B) is one free block,
 * so the grid is white. The grid area of the 1280 x 800 window: the panel
 * takes 50 characters of 9 pixels and two margins of 9 (468), the margins
 * 18 more, row addresses 7 characters ("0x7e00" and a space, 63): 1280 -
 * 468 - 18 - 63 = 731 wide; the timeline takes 800 / 5 = 160 and the
 * margins 18: 622 high. Rows are a power of two of cells: 8,192 cells of
 * a 4-byte page fit 128 a row in 64 rows of 5 pixels (64 a row: 128 rows
 * of 4; 256: 32 rows of 2), 640 x 320 = 45% of the area, under half; so 8
 * bytes a cell: 4,096 cells, 64 a row in 64 rows of 9 pixels (731 / 64 =
 * 11, 622 / 64 = 9), 576 x 576 = 73%. Each row is 512 B. */
static void test_grid_shape_follows_from_the_heap_size(void **state)
{
    (void)state;
    const char *arguments[] = {"--at-step", "0"};
    SDL_Surface *image = capture("shape.png", arguments, 2, NULL, 0, WIDTH, HEIGHT);
    int left = WIDTH, right = -1, top = HEIGHT, bottom = -1;
    int64_t white = 0;
    for (int y = 0; y < HEIGHT * 4 / 5; y++) {      /* the timeline below: no white but its cursor */
        for (int x = 0; x < WIDTH * 5 / 8; x++) {   /* the panel at the right: no white but a swatch */
            if (pixel(image, x, y) == GRID_COLOR_FREE) {
                white++;
                left = x < left ? x : left;
                right = x > right ? x : right;
                top = y < top ? y : top;
                bottom = y > bottom ? y : bottom;
            }
        }
    }
    assert_int_equal(right - left + 1, 576);
    assert_int_equal(bottom - top + 1, 576);
    assert_int_equal(white, 576 * 576);
    Layout layout = layout_for(WIDTH, HEIGHT, 1);
    assert_int_equal(layout.pane_grids[0].w, 731);
    assert_int_equal(layout.pane_grids[0].h, 622);
    assert_int_equal(left, layout.pane_grids[0].x + (731 - 576) / 2); /* centred */
    assert_int_equal(top, layout.pane_grids[0].y + (622 - 576) / 2);
    SDL_FreeSurface(image);
}

/* The default window with --align 16 in the detail view, at step 300 of
 * the README's screenshot run (a 32 KiB heap full of blocks): the grid is the one worked out above (64 cells of 8
 * bytes a row, 9 pixels a cell), so a 16-aligned payload's first cell, a
 * payload cell right after a header cell, is in an even column, and blocks
 * on different rows share those columns. */
static void test_aligned_payloads_share_columns_on_screen(void **state)
{
    (void)state;
    const char *arguments[] = {"--seed", "1", "--steps", "600", "--p-malloc", "0.6", "--max-request", "400",
                               "--at-step", "300", "--align", "16", "--view", "detail"};
    SDL_Surface *image = capture("aligned.png", arguments, 14, NULL, 0, WIDTH, HEIGHT);
    Layout layout = layout_for(WIDTH, HEIGHT, 1);
    int x0 = layout.pane_grids[0].x + (731 - 576) / 2, y0 = layout.pane_grids[0].y + (622 - 576) / 2;
    uint64_t starts = 0, odd = 0, shared = 0, column_starts[64] = {0};
    uint32_t previous = 0;
    for (int cell = 0; cell < 64 * 64; cell++) {
        uint32_t color = pixel(image, x0 + cell % 64 * 9 + 4, y0 + cell / 64 * 9 + 4);
        if (color == GRID_COLOR_PAYLOAD && previous == GRID_COLOR_HEADER) {
            starts++;
            odd += cell % 2;
            shared += column_starts[cell % 64]++ > 0;
        }
        previous = color;
    }
    printf("# --align 16: %llu payload starts, %llu in a column another row uses\n", (unsigned long long)starts,
           (unsigned long long)shared);
    assert_true(starts >= 10);
    assert_int_equal(odd, 0);
    assert_true(shared > 0);
    SDL_FreeSurface(image);
}

static void test_detail_view_gives_each_state_its_colour(void **state)
{
    (void)state;
    static const char *const policies[] = {"first-fit", "bump"};
    static const char *const steps[] = {"40", "20"}; /* bump still has live blocks at 20 */
    for (int p = 0; p < 2; p++) {
        const char *arguments[] = {"--at-step", steps[p], "--policy", policies[p], "--align", "32"};
        Action detail = {.kind = ACTION_TOGGLE_VIEW};
        SDL_Surface *image = capture("detail.png", arguments, 6, &detail, 1, WIDTH, HEIGHT);
        Workload workload = support_simulation(0, 100);
        HeapPolicy policy = p == 0 ? HEAP_FIRST_FIT : HEAP_BUMP;
        Run *run = support_run_aligned(&workload, policy, 32, (uint64_t)atoi(steps[p]));
        Layout layout = layout_for(WIDTH, HEIGHT, 1);
        CellCheck check = check_cells(image, &layout, 0, run_heap(run), VIEW_DETAIL);
        assert_int_equal(check.wrong, 0);
        for (int i = 0; i < 4; i++) {
            assert_true(check.seen[i] > 0); /* tags, payload, padding, free */
        }
        if (policy == HEAP_BUMP) {
            assert_true(check.seen[4] > 0); /* dead */
        }
        run_destroy(run);
        SDL_FreeSurface(image);
    }
}

static void test_timeline_plots_and_toggles(void **state)
{
    (void)state;
    const char *arguments[] = {"--steps", "400", "--p-malloc", "0.8", "--at-step", "200"};
    SDL_Surface *image = capture("timeline.png", arguments, 6, NULL, 0, WIDTH, HEIGHT);
    Layout layout = layout_for(WIDTH, HEIGHT, 1);
    for (SeriesKind series = 0; series < SERIES_COUNT; series++) {
        assert_true(count_color(image, layout.plot, timeline_series_color(series)) > 100);
    }
    assert_true(count_color(image, layout.plot, COLOR_FAILED) > 0);
    for (int lane = 0; lane < SERIES_COUNT; lane++) { /* each plot's axis: "0-100.0%" at its left */
        LayoutRect axis = {layout.plot.x, layout.plot.y + lane * layout.plot.h / SERIES_COUNT, 8 * layout.char_width,
                           layout.plot.h / SERIES_COUNT};
        assert_true(count_color(image, axis, COLOR_DIM) > 20);
    }
    int cursor = layout.plot.x + (int)(200.0 / 400.0 * (layout.plot.w - 1));
    assert_int_equal(pixel(image, cursor, layout.plot.y + layout.plot.h / 2), COLOR_CURSOR);
    SDL_FreeSurface(image);
    Action off = {.kind = ACTION_TOGGLE_PLOT, .amount = SERIES_FREE_BLOCKS};
    image = capture("timeline-off.png", arguments, 6, &off, 1, WIDTH, HEIGHT);
    assert_int_equal(count_color(image, layout.plot, timeline_series_color(SERIES_FREE_BLOCKS)), 0);
    assert_true(count_color(image, layout.plot, timeline_series_color(SERIES_UTILIZATION)) > 100);
    SDL_FreeSurface(image);
}

static void test_help_overlay_lists_the_keys(void **state)
{
    (void)state;
    Action help = {.kind = ACTION_TOGGLE_HELP};
    SDL_Surface *plain = capture("plain.png", NULL, 0, NULL, 0, WIDTH, HEIGHT);
    SDL_Surface *image = capture("help.png", NULL, 0, &help, 1, WIDTH, HEIGHT);
    LayoutRect middle = {WIDTH / 2 - 150, HEIGHT / 2 - 100, 300, 200};
    assert_true(count_color(image, middle, COLOR_TEXT) > count_color(plain, middle, COLOR_TEXT) + 200);
    SDL_FreeSurface(plain);
    SDL_FreeSurface(image);
    /* At --scale 1.5 the whole framed box fits 1280 x 800: its top and its
     * bottom edge (two pixels each) are both drawn across it. */
    const char *large[] = {"--scale", "1.5"};
    image = capture("help.png", large, 2, &help, 1, WIDTH, HEIGHT);
    int frame_rows = 0;
    for (int y = 0; y < HEIGHT; y++) {
        LayoutRect row = {0, y, WIDTH, 1};
        frame_rows += count_color(image, row, COLOR_ACCENT) > 300;
    }
    assert_int_equal(frame_rows, 4);
    SDL_FreeSurface(image);
}

/* Hovering the first cell of the coalescing trace after its five mallocs:
 * the tooltip of id 0's block opens at the pointer (the top-left corner in
 * a capture), one line per TOOLTIP_LINES, framed in the accent colour. */
static void test_tooltip_opens_over_the_hovered_block(void **state)
{
    (void)state;
    const char *arguments[] = {"--trace", "coalescing", "--at-step", "5"};
    Action hover = {.kind = ACTION_HOVER, .x = 0.001, .y = 0.001, .amount = 0};
    SDL_Surface *plain = capture("no-tooltip.png", arguments, 4, NULL, 0, WIDTH, HEIGHT);
    SDL_Surface *image = capture("tooltip.png", arguments, 4, &hover, 1, WIDTH, HEIGHT);
    Layout layout = layout_for(WIDTH, HEIGHT, 1);
    int pad = layout.margin, top = 2 * pad, left = 2 * pad;
    int height = TOOLTIP_LINES * layout.line_height + 2 * pad;
    for (int y = top; y < top + height; y++) {
        assert_int_equal(pixel(image, left, y), COLOR_ACCENT); /* the left edge of the frame */
    }
    assert_int_not_equal(pixel(image, left, top + height), COLOR_ACCENT);
    LayoutRect box = {left, top, 30 * layout.char_width, height};
    assert_true(count_color(image, box, COLOR_TEXT) > count_color(plain, box, COLOR_TEXT) + 200);
    SDL_FreeSurface(plain);
    SDL_FreeSurface(image);
}

static void check_compare(const char *policies, uint32_t count)
{
    const char *arguments[] = {"--compare", policies, "--at-step", "60"};
    SDL_Surface *image = capture("compare.png", arguments, 4, NULL, 0, WIDTH, HEIGHT);
    Layout layout = layout_for(WIDTH, HEIGHT, count);
    Workload workload = support_simulation(0, 100);
    Options options = parse(arguments, 2);
    for (uint32_t pane = 0; pane < count; pane++) {
        Run *run = support_run_to(&workload, (HeapPolicy)options.compare[pane].policy, NULL, 0, 60);
        CellCheck check = check_cells(image, &layout, pane, run_heap(run), VIEW_CLASSIC);
        assert_int_equal(check.wrong, 0);
        run_destroy(run);
    }
    /* The timeline (the bottom fifth) plots one metric, a line per pane in
     * the pane's colour, with each pane's value in that colour at the
     * right, and no series colour at all. */
    LayoutRect timeline = {0, HEIGHT * 4 / 5, WIDTH, HEIGHT / 5};
    LayoutRect plots = {0, HEIGHT * 4 / 5, WIDTH * 4 / 5, HEIGHT / 5};
    for (uint32_t pane = 0; pane < count; pane++) {
        assert_true(count_color(image, timeline, timeline_pane_color(pane)) >= 50); /* lines that agree overlap */
    }
    assert_true(count_color(image, plots, timeline_pane_color(count - 1)) > 2000); /* drawn last, on top */
    for (SeriesKind series = 0; series < SERIES_COUNT; series++) {
        assert_int_equal(count_color(image, plots, timeline_series_color(series)), 0);
    }
    SDL_FreeSurface(image);
}

static void test_compare_two_panes(void **state)
{
    (void)state;
    check_compare("first-fit,best-fit", 2);
}

static void test_compare_five_panes(void **state)
{
    (void)state;
    check_compare("first-fit,next-fit,best-fit,worst-fit,bump", 5);
}

/* After a window, a block of 128 KiB or more that the brk heap's free
 * bytes cannot hold is a mapping of its own, given back when freed, even
 * after a 24 MiB mapped block was freed - which would otherwise raise
 * glibc's threshold to 24 MiB and grow the brk heap instead, where the holes
 * the history leaves stay in memory. */
static void test_a_window_maps_big_blocks(void **state)
{
    (void)state;
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) /* ASan has its own malloc */
    SDL_FreeSurface(capture("mapped.png", NULL, 0, NULL, 0, WIDTH, HEIGHT));
    void *volatile big = malloc(24 << 20);
    assert_non_null(big);
    free(big);
    struct mallinfo2 before = mallinfo2();
    assert_true(before.fordblks < (16 << 20)); /* below the 24 MiB freed */
    void *volatile block = malloc(before.fordblks + (256 << 10));
    assert_non_null(block);
    struct mallinfo2 during = mallinfo2();
    assert_int_equal(during.hblks, before.hblks + 1);
    assert_true(during.hblkhd >= before.hblkhd + before.fordblks + (256 << 10));
    free(block);
    assert_int_equal(mallinfo2().hblkhd, before.hblkhd);
#endif
}

static void test_tiny_windows_still_render(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1, 1}, {120, 90}, {400, 2000}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        SDL_Surface *image = capture("tiny.png", NULL, 0, NULL, 0, sizes[i][0], sizes[i][1]);
        assert_int_equal(image->w, sizes[i][0]);
        assert_int_equal(image->h, sizes[i][1]);
        SDL_FreeSurface(image);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(directory, sizeof directory, "%s", "/tmp/heapviz-ui-XXXXXX");
    if (mkdtemp(directory) == NULL || TTF_Init() != 0) {
        return -1;
    }
    return 0;
}

/* Removes every file the tests wrote (screenshots, traces, stderr.txt),
 * then the directory: a list of names left a directory behind whenever a
 * test wrote a file the list forgot. */
static int teardown(void **state)
{
    (void)state;
    DIR *listing = opendir(directory);
    for (struct dirent *entry = listing ? readdir(listing) : NULL; entry; entry = readdir(listing)) {
        char path[512];
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            path_for(path, sizeof path, entry->d_name);
            remove(path);
        }
    }
    if (listing)
        closedir(listing);
    TTF_Quit();
    return rmdir(directory) == 0 ? 0 : -1;
}

/* ---- issue 19's bar, on pictures of the README's own commands ------------- */

/* The panes lie left of the panel (62% of the width) and above the timeline
 * (78% of the height); these regions are the test's own, not the layout's. */
enum { PANES_RIGHT = WIDTH * 62 / 100, PANES_BOTTOM = HEIGHT * 78 / 100 };

/* The picture `heapviz --screenshot NAME options` makes (it must succeed). */
static SDL_Surface *shoot(const char *name, const char *options)
{
    char path[512], arguments[1200];
    path_for(path, sizeof path, name);
    snprintf(arguments, sizeof arguments, "--screenshot '%s' %s", path, options);
    assert_int_equal(run_program(arguments), 0);
    return load(path);
}

static bool is_used_color(uint32_t color)
{
    static const uint32_t used[] = {GRID_COLOR_ALLOCATED, GRID_COLOR_EDGE, GRID_COLOR_DEAD, GRID_COLOR_HEADER,
                                    GRID_COLOR_FOOTER, GRID_COLOR_PAYLOAD, GRID_COLOR_PADDING,
                                    GRID_COLOR_SEPARATOR};
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
        if (color == used[i]) {
            return true;
        }
    }
    return false;
}

/* Every command of the README's teaching table, as a student types it, at
 * the end of its run (coalescing at its step 8), shows a heap with memory
 * in use: at least 5% of the grid's pixels are in use colours. */
static void test_teaching_commands_show_a_used_heap(void **state)
{
    (void)state;
    static const char *const commands[] = {
        "--trace lisp-seed --view detail",
        "--align 64 --min-payload 64 --view detail",
        "--trace coalescing --at-step 8",
        "--trace best-beats-first --compare first-fit,best-fit",
        "--trace first-beats-best --compare first-fit,best-fit",
        "--trace next-fit-rover --compare first-fit,next-fit",
        "--trace bump-dead --compare bump,first-fit",
        "--compare first-fit,next-fit,best-fit,worst-fit,bump --steps 2000 --p-malloc 0.6 --max-request 300",
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        SDL_Surface *image = shoot("teaching.png", commands[i]);
        uint64_t used = 0, free_pixels = 0;
        for (int y = 0; y < PANES_BOTTOM; y++) {
            for (int x = 0; x < PANES_RIGHT; x++) {
                uint32_t color = pixel(image, x, y);
                used += is_used_color(color);
                free_pixels += color == GRID_COLOR_FREE;
            }
        }
        printf("# %s: %.1f%% of the grid in use\n", commands[i], 100.0 * (double)used / (double)(used + free_pixels));
        assert_true(used + free_pixels > 100000); /* a grid that fills its pane */
        assert_true(used * 20 >= used + free_pixels);
        SDL_FreeSurface(image);
    }
}

/* coalescing at step 5: five 4 MiB blocks fill the 20 MiB heap, all black.
 * The boundaries at 4, 8, 12 and 16 MiB lie at 1/5 ... 4/5 of the grid's
 * height (the bounding box of the cells); near each, a separator line runs
 * across the grid's width (at 16 MiB, the outline of the block step 5 placed). */
static void test_neighbouring_blocks_are_separated(void **state)
{
    (void)state;
    SDL_Surface *image = shoot("separated.png", "--trace coalescing --at-step 5");
    int x0 = WIDTH, y0 = HEIGHT, x1 = 0, y1 = 0;
    for (int y = 0; y < PANES_BOTTOM; y++) {
        for (int x = 0; x < PANES_RIGHT; x++) {
            if (pixel(image, x, y) == GRID_COLOR_ALLOCATED) {
                x0 = x < x0 ? x : x0, y0 = y < y0 ? y : y0;
                x1 = x > x1 ? x : x1, y1 = y > y1 ? y : y1;
            }
        }
    }
    assert_true(x1 - x0 > 200 && y1 - y0 > 200);
    for (int boundary = 1; boundary <= 4; boundary++) {
        int middle = y0 + (y1 - y0) * boundary / 5;
        uint64_t line = 0, black = 0;
        for (int y = middle - 4; y <= middle + 4; y++) {
            for (int x = x0; x <= x1; x++) {
                uint32_t color = pixel(image, x, y); /* the last block is outlined as touched */
                line += color == GRID_COLOR_SEPARATOR || color == GRID_COLOR_TOUCHED;
            }
        }
        for (int x = x0; x <= x1; x++) {
            black += pixel(image, x, middle - 8) == GRID_COLOR_ALLOCATED;
        }
        assert_true(line >= (uint64_t)(x1 - x0) * 9 / 10); /* a line across the width */
        assert_true(black >= (uint64_t)(x1 - x0) * 9 / 10); /* black above it: a used block */
    }
    SDL_FreeSurface(image);
}

/* A trace file NAME (its path in `path`, 512 bytes) with `header` and
 * `count` mallocs of `bytes`, ids 0 up; left open for more lines. */
static FILE *trace_of_mallocs(char *path, const char *name, const char *header, int count, int bytes)
{
    path_for(path, 512, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(header, file);
    for (int id = 0; id < count; id++) {
        fprintf(file, "a %d %d\n", id, bytes);
    }
    return file;
}

/* 800 blocks of 1,000 B fill the top 800 KB of a 20 MiB trace heap, at 4 B
 * a cell: 256 cells a block in cells under a pixel, a block starting on
 * nearly every row. A line along each of those rows would cover the grid
 * (they did: the used part read as one slate colour, "where a used block
 * starts", not black); so no line is drawn and the blocks show black. */
static void test_crowded_block_starts_do_not_cover_the_grid(void **state)
{
    (void)state;
    char trace[512], options[700];
    fclose(trace_of_mallocs(trace, "crowded.rep", "20971520\n800\n800\n1\n", 800, 1000));
    snprintf(options, sizeof options, "--trace '%s'", trace);
    SDL_Surface *image = shoot("crowded.png", options);
    uint64_t black = 0, lines = 0;
    for (int y = 0; y < PANES_BOTTOM; y++) {
        for (int x = 0; x < PANES_RIGHT; x++) {
            black += pixel(image, x, y) == GRID_COLOR_ALLOCATED;
            lines += pixel(image, x, y) == GRID_COLOR_SEPARATOR;
        }
    }
    assert_true(black > 100000);
    assert_true(lines * 20 < black);
    SDL_FreeSurface(image);
}

/* 64 blocks of 8 bytes, the third and sixth freed: several used blocks
 * start on the grid's first row (24 bytes a block, 64 a row). The line along that row's top
 * runs unbroken from the first block's start to the row's end (each block's
 * line does; the frame draws their union once), over the freed blocks too;
 * the last step's outline may cover part of it. The fifth row's top line
 * starts at the row's start, under the block that runs into it. */
static void test_blocks_on_one_row_share_an_unbroken_line(void **state)
{
    (void)state;
    char trace[512];
    FILE *file = trace_of_mallocs(trace, "one-row.rep", "4096\n64\n66\n1\n", 64, 8);
    fprintf(file, "f 2\nf 5\n");
    fclose(file);
    char options[600];
    snprintf(options, sizeof options, "--trace '%s'", trace);
    SDL_Surface *image = shoot("one-row.png", options);
    int top = -1, first = WIDTH, last = -1;
    for (int y = 0; y < PANES_BOTTOM && top < 0; y++) {
        for (int x = 0; x < PANES_RIGHT; x++) {
            if (pixel(image, x, y) == GRID_COLOR_SEPARATOR) {
                top = y;
                first = x < first ? x : first;
                last = x;
            }
        }
    }
    printf("# the first row's top line: y %d, x %d to %d\n", top, first, last);
    assert_true(top >= 0 && last - first > 100);
    for (int x = first; x <= last; x++) {
        uint32_t color = pixel(image, x, top);
        if (color != GRID_COLOR_SEPARATOR && color != GRID_COLOR_TOUCHED) {
            fail_msg("the row's top line breaks at x %d (from %d to %d): %#x", x, first, last, color);
        }
    }
    /* Rows are 64 B (2 B a cell). Block 10 starts at byte 240, 48 into the
     * fourth row, and runs 8 B into the fifth, whose first block starts at
     * 264: the fifth row's top line from its start to 8 B in is block 10's
     * own (under the part of the row above that holds the block before).
     * Every row has a block starting in its first 24 B, so the row tops are
     * the runs of line down the grid's middle. */
    int row_tops[5] = {top, -1, -1, -1, -1}, found = 1, middle = (first + last) / 2;
    for (int y = top + 1; y < PANES_BOTTOM && found < 5; y++) {
        if (pixel(image, middle, y) == GRID_COLOR_SEPARATOR && pixel(image, middle, y - 1) != GRID_COLOR_SEPARATOR) {
            row_tops[found++] = y;
        }
    }
    assert_int_equal(found, 5);
    assert_int_equal(pixel(image, first, row_tops[4]), GRID_COLOR_SEPARATOR);
    SDL_FreeSurface(image);
}

/* bump-dead in compare mode, bump's pane on the left: four of its five
 * 4 MiB blocks are dead, 80% of the heap, and are drawn in the dead colour,
 * never black; the black left is the one live block and the failed-free top.
 * The pane's grid area is 302 x 586 pixels (half of 1280 - 468 - 18 - 9,
 * less 10 characters of 9 pixels for "0x1000000 "; 622 less the header's
 * two lines of 18): 20 MiB fit one pixel a cell at 256 B a cell, rows of
 * 256 cells (the widest power of two in 302), 320 rows. Twice the bytes a
 * cell would cover fewer pixels, so it stays: the dead 16 MiB are 65,536
 * cells of one pixel. */
static void test_dead_bump_memory_is_not_black(void **state)
{
    (void)state;
    SDL_Surface *image = shoot("dead.png", "--trace bump-dead --compare bump,first-fit");
    LayoutRect bump_pane = {0, 0, PANES_RIGHT / 2, PANES_BOTTOM};
    uint64_t dead = count_color(image, bump_pane, GRID_COLOR_DEAD);
    uint64_t black = count_color(image, bump_pane, GRID_COLOR_ALLOCATED);
    printf("# bump-dead: %llu dead pixels, %llu black\n", (unsigned long long)dead, (unsigned long long)black);
    assert_int_equal(dead, 65536);
    assert_true(dead >= 3 * black);
    SDL_FreeSurface(image);
}

/* ---- --scale: a lecture hall's text and lines ------------------------------ */

/* The rows from the first in `area` with a pixel of neither the panel's
 * nor the window's background colour down to the last of that run of rows:
 * the height of the first line of text. */
static int first_line_height(SDL_Surface *image, LayoutRect area)
{
    int top = -1, bottom = -1;
    for (int y = area.y; y < area.y + area.h && (top < 0 || bottom == y - 1); y++) {
        LayoutRect row = {area.x, y, area.w, 1};
        if (count_color(image, row, COLOR_PANEL) + count_color(image, row, COLOR_BACKGROUND) < (uint64_t)area.w) {
            top = top < 0 ? y : top;
            bottom = y;
        }
    }
    return top < 0 ? 0 : bottom - top + 1;
}

/* Whether the last `band` columns of `area` hold only `background`: text
 * clipped at the area's edge runs up to it, text laid out to fit does not. */
static bool clear_edge(SDL_Surface *image, LayoutRect area, int band, uint32_t background)
{
    LayoutRect edge = {area.x + area.w - band, area.y, band, area.h};
    return count_color(image, edge, background) == (uint64_t)edge.w * (uint64_t)edge.h;
}

/* The panel's title (its first line of text) and the timeline's cursor
 * (white, at the run's end): at --scale 2 the glyphs are about twice as
 * tall and the cursor exactly twice as wide as at the usual size, and no
 * text of the panel or the timeline is cut at their right edge. */
static void test_scale_doubles_text_and_lines(void **state)
{
    (void)state;
    SDL_Surface *images[2] = {shoot("scale1.png", "--at-step 100"), shoot("scale2.png", "--at-step 100 --scale 2")};
    Layout large = layout_scaled(WIDTH, HEIGHT, 1, 2 * TEXT_PIXELS), usual = layout_for(WIDTH, HEIGHT, 1);
    assert_true(clear_edge(images[1], large.panel, large.margin / 2, COLOR_PANEL)); /* nothing cut */
    assert_true(clear_edge(images[1], large.timeline, large.margin / 2, COLOR_PANEL));
    int glyphs[2], cursor[2];
    for (int i = 0; i < 2; i++) {
        int left = (i ? large : usual).panel.x; /* the panel's top: its title's first line, "step" and all */
        LayoutRect top_right = {left, 0, WIDTH - left, HEIGHT / 4};
        glyphs[i] = first_line_height(images[i], top_right);
        LayoutRect timeline_row = {0, HEIGHT * 9 / 10, WIDTH, 1}; /* inside the plots at both sizes */
        cursor[i] = (int)count_color(images[i], timeline_row, COLOR_CURSOR);
        SDL_FreeSurface(images[i]);
    }
    printf("# title glyphs %d px at --scale 1, %d px at 2; cursor %d px, %d px\n", glyphs[0], glyphs[1], cursor[0],
           cursor[1]);
    assert_true(glyphs[0] >= 8);
    assert_true(glyphs[1] * 10 >= glyphs[0] * 17 && glyphs[1] * 10 <= glyphs[0] * 23);
    assert_int_equal(cursor[0], 3);
    assert_int_equal(cursor[1], 6);
}


/* The leftmost x of `color` inside `area`, or -1. */
static int leftmost(SDL_Surface *image, LayoutRect area, uint32_t color)
{
    for (int x = area.x; x < area.x + area.w; x++) {
        for (int y = area.y; y < area.y + area.h; y++) {
            if (pixel(image, x, y) == color) {
                return x;
            }
        }
    }
    return -1;
}

/* The panel keeps its whole legend at every --scale from 0.5 to 4, in the
 * default 1280 x 800 window and at --size 1920x1080: inside the panel's
 * rectangle (laid out here from the font at the window's size, 15 points
 * times the scale) each of the eight swatches of the classic view of the
 * tags design under bump, its longest legend - free, partly free,
 * allocated, header, dead, touched, split or coalesce, searched - shows at
 * least a 3 x 3 square of its colour. At
 * --scale 1.5 the last entries used to be left out; now the legend packs
 * its brief names into columns there (swatches at three x positions), at
 * the panel's text size (a box 2/3 of a 27-pixel line, 18 pixels, less an
 * outline of 2 on each side: 14 x 14 = 196 pixels of colour). */
static void test_panel_keeps_its_whole_legend_at_every_scale(void **state)
{
    (void)state;
    static const uint32_t swatches[] = {GRID_COLOR_FREE, 0xFF808080u, GRID_COLOR_ALLOCATED, GRID_COLOR_EDGE,
                                        GRID_COLOR_DEAD, GRID_COLOR_TOUCHED, GRID_COLOR_MARK, OVERLAY_COLOR_PROBE};
    static const double scales[] = {0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 3.5, 4};
    static const int sizes[][2] = {{WIDTH, HEIGHT}, {1920, 1080}};
    for (size_t z = 0; z < 2; z++) {
        for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
            char options[200];
            snprintf(options, sizeof options, "--policy bump --scale %g --size %dx%d", scales[i], sizes[z][0],
                     sizes[z][1]);
            SDL_Surface *image = shoot("legend.png", options);
            Layout layout = layout_scaled(sizes[z][0], sizes[z][1], 1, (int)(15 * scales[i] + 0.5));
            for (size_t c = 0; c < sizeof swatches / sizeof swatches[0]; c++) {
                uint64_t seen = count_color(image, layout.panel, swatches[c]);
                if (seen < 9) {
                    printf("# %s: swatch %08x has %llu pixels in the panel\n", options, swatches[c],
                           (unsigned long long)seen);
                }
                assert_true(seen >= 9);
            }
            if (z == 0 && scales[i] == 1.5) {
                int columns = 0, seen_x[8];
                for (size_t c = 0; c < sizeof swatches / sizeof swatches[0]; c++) {
                    int x = leftmost(image, layout.panel, swatches[c]);
                    bool known = false;
                    for (int k = 0; k < columns; k++) {
                        known = known || (x >= seen_x[k] - 3 && x <= seen_x[k] + 3);
                    }
                    if (!known) {
                        seen_x[columns++] = x;
                    }
                    assert_true(count_color(image, layout.panel, swatches[c]) >= 196);
                }
                assert_int_equal(columns, 3);
            }
            SDL_FreeSurface(image);
        }
    }
}

/* The detail view's legend has dead memory's colour only for a heap that
 * leaves dead memory: tags under bump, not under first or best fit, and
 * never buddy. In compare mode any pane counts, not only the first one. */
static void test_legend_shows_dead_only_where_there_is_some(void **state)
{
    (void)state;
    static const struct {
        const char *options;
        int panes;
        bool dead;
    } cases[] = {
        {"--view detail --policy bump", 1, true},
        {"--view detail", 1, false},
        {"--view detail --allocator buddy", 1, false},
        {"--view detail --compare buddy,tags:bump", 2, true},
        {"--view detail --compare first-fit,best-fit", 2, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        SDL_Surface *image = shoot("legend.png", cases[i].options);
        Layout layout = layout_for(WIDTH, HEIGHT, cases[i].panes);
        uint64_t dead = count_color(image, layout.panel, GRID_COLOR_DEAD);
        uint64_t payload = count_color(image, layout.panel, GRID_COLOR_PAYLOAD);
        assert_true(payload >= 36); /* the legend is there: its payload swatch */
        assert_true(cases[i].dead ? dead >= 36 : dead == 0);
        SDL_FreeSurface(image);
    }
}

/* At --scale 1.5 the counters end above the legend: hovering the legend's
 * first row (its white swatch's row) opens no counter's definition, and
 * hovering the last counter drawn, two lines and a half-line gap above
 * that row (27-pixel lines), opens one (its box has the shadow colour). */
static void test_hovering_the_legend_defines_no_counter(void **state)
{
    (void)state;
    const char *arguments[] = {"--scale", "1.5"};
    SDL_Surface *plain = capture("legend.png", arguments, 2, NULL, 0, WIDTH, HEIGHT);
    Layout layout = layout_scaled(WIDTH, HEIGHT, 1, 23);
    int x = leftmost(plain, layout.panel, GRID_COLOR_FREE), y = -1;
    for (int row = layout.panel.y; row < layout.panel.y + layout.panel.h && y < 0; row++) {
        y = pixel(plain, x, row) == GRID_COLOR_FREE ? row : -1;
    }
    assert_true(x >= 0 && y >= 0);
    uint64_t shadow = count_color(plain, layout.panel, COLOR_SHADOW);
    Action hover = {.kind = ACTION_HOVER, .amount = -1, .pointer_x = x + 40, .pointer_y = y + 4};
    SDL_Surface *image = capture("legend.png", arguments, 2, &hover, 1, WIDTH, HEIGHT);
    assert_int_equal(count_color(image, layout.panel, COLOR_SHADOW), shadow);
    SDL_FreeSurface(image);
    hover.pointer_y = y + 4 - 27 - 13 - 27;
    image = capture("legend.png", arguments, 2, &hover, 1, WIDTH, HEIGHT);
    assert_true(count_color(image, layout.panel, COLOR_SHADOW) > shadow + 1000);
    SDL_FreeSurface(image);
    SDL_FreeSurface(plain);
}

/* Every counter stays in the panel with large text: at --scale 1.5 in
 * 1280 x 800 and at 2 in 1920 x 1080 (step 40 of the default run), the
 * panel runs down beside the timeline, and hovering the row of internal
 * fragmentation (the 10th counter) and of utilization (the 11th and last
 * of first fit, which makes no dead bytes) opens a definition (a box of the
 * shadow colour), while the row below them, a half-line gap and the
 * legend's heading, opens none. At 2
 * in 1280 x 800 two fifths of the width would be 28 characters: the panel
 * takes half (32) and shows four counters, not two. The counters' first
 * row, counted by hand from the panel's top (its y, then half a margin):
 * the title (two lines in 32 characters), speed, heap and hint lines, a
 * half-line gap, LAST OPERATION and its sentence (three lines in 32 or 33
 * characters, two in 39), a gap, COUNTERS. */
static void test_every_counter_fits_at_large_scale(void **state)
{
    (void)state;
    static const struct {
        const char *scale;
        int width, height, pixels, head_lines, sentence_lines, counters;
    } cases[] = {{"1.5", WIDTH, HEIGHT, 23, 4, 3, 11}, {"2", 1920, 1080, 30, 4, 2, 11}, {"2", WIDTH, HEIGHT, 30, 5, 3, 4}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *arguments[] = {"--scale", cases[c].scale, "--at-step", "40"};
        Layout layout = layout_scaled(cases[c].width, cases[c].height, 1, cases[c].pixels);
        assert_int_equal(layout.panel.y + layout.panel.h, cases[c].height - layout.margin);
        int line = layout.line_height, gap = line / 2;
        int top = layout.panel.y + layout.margin / 2 + cases[c].head_lines * line + gap +
                  (1 + cases[c].sentence_lines) * line + gap + line;
        SDL_Surface *plain = capture("counters.png", arguments, 4, NULL, 0, cases[c].width, cases[c].height);
        uint64_t shadow = count_color(plain, layout.panel, COLOR_SHADOW);
        for (int row = cases[c].counters - 2; row <= cases[c].counters; row++) {
            Action hover = {.kind = ACTION_HOVER, .amount = -1, .pointer_x = layout.panel.x + layout.panel.w / 2,
                            .pointer_y = top + row * line + line / 2};
            SDL_Surface *image = capture("counters.png", arguments, 4, &hover, 1, cases[c].width, cases[c].height);
            uint64_t seen = count_color(image, layout.panel, COLOR_SHADOW);
            printf("# --scale %s %dx%d row %d: %llu shadow pixels (%llu without hover)\n", cases[c].scale,
                   cases[c].width, cases[c].height, row, (unsigned long long)seen, (unsigned long long)shadow);
            assert_true(row < cases[c].counters ? seen > shadow + 1000 : seen == shadow);
            SDL_FreeSurface(image);
        }
        SDL_FreeSurface(plain);
    }
    Layout narrow = layout_scaled(WIDTH, HEIGHT, 1, 30);
    assert_int_equal(narrow.panel.x, WIDTH / 2);
}

/* The timeline's current values and its heading are never cut at its
 * right edge: from --scale 1 to 4, at 1280 x 800 and 1920 x 1080, the
 * utilization value is drawn right of the plot (its colour there), and the
 * last half margin inside the timeline's right edge holds no pixel of a
 * series' colour, the failure tick's or the text's (a value too long for
 * its column is shortened to the value, "22,824 B", or to "22 KiB"; a
 * heading entry that does not fit is left out). */
static void test_timeline_values_fit_at_every_scale(void **state)
{
    (void)state;
    static const double scales[] = {1, 1.5, 2, 2.5, 3, 3.5, 4};
    static const int sizes[][2] = {{WIDTH, HEIGHT}, {1920, 1080}};
    for (size_t z = 0; z < 2; z++) {
        for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
            char options[200];
            snprintf(options, sizeof options, "--scale %g --size %dx%d --at-step 40", scales[i], sizes[z][0],
                     sizes[z][1]);
            SDL_Surface *image = shoot("values.png", options);
            Layout layout = layout_scaled(sizes[z][0], sizes[z][1], 1, (int)(15 * scales[i] + 0.5));
            int right = layout.timeline.x + layout.timeline.w, start = layout.plot.x + layout.plot.w;
            LayoutRect values = {start, layout.plot.y, right - start, layout.plot.h};
            LayoutRect edge = {right - layout.margin / 2, layout.timeline.y, layout.margin / 2, layout.timeline.h};
            uint64_t cut = count_color(image, edge, COLOR_TEXT) + count_color(image, edge, COLOR_FAILED);
            for (SeriesKind series = 0; series < SERIES_COUNT; series++) {
                cut += count_color(image, edge, timeline_series_color(series));
            }
            if (cut > 0) {
                printf("# %s: %llu pixels of values at the timeline's edge\n", options, (unsigned long long)cut);
            }
            assert_int_equal(cut, 0);
            assert_true(count_color(image, values, timeline_series_color(SERIES_UTILIZATION)) > 30);
            SDL_FreeSurface(image);
        }
    }
}

/* Six compare panes at 1280 x 800, at the usual size and at --scale 1.5:
 * each pane shows its name in its colour, its figures and its row
 * addresses; no text is cut at the right edge of a pane's header, of the
 * panel or of the timeline, nor at the panel's bottom. */
/* The status line (here the note that --history-mb 1 cannot hold the run)
 * shows even in a small window: the legend gives way to it, as to the
 * panel's top. Its accent colour fills part of the panel's lower half,
 * which without a status holds none. */
static void test_the_status_line_shows_in_a_small_window(void **state)
{
    (void)state;
    Layout layout = layout_for(900, 600, 1);
    LayoutRect lower = layout.panel;
    lower.y += lower.h / 2;
    lower.h -= lower.h / 2;
    SDL_Surface *plain = shoot("plain.png", "--size 900x600 --heap-bytes 1073741824");
    assert_int_equal(count_color(plain, lower, COLOR_ACCENT), 0);
    SDL_FreeSurface(plain);
    SDL_Surface *noted = shoot("noted.png", "--size 900x600 --heap-bytes 1073741824 --history-mb 1");
    assert_true(count_color(noted, lower, COLOR_ACCENT) > 200);
    SDL_FreeSurface(noted);
}

static void test_six_compare_panes_keep_labels_unclipped(void **state)
{
    (void)state;
    static const char *const scales[] = {"1", "1.5"};
    static const int pixels[] = {TEXT_PIXELS, 23}; /* the window's 15 points times the scale, rounded */
    for (int s = 0; s < 2; s++) {
        char options[300];
        snprintf(options, sizeof options, "--trace lisp-seed --compare "
                 "first-fit,next-fit,best-fit,worst-fit,bump,csapp --scale %s", scales[s]);
        SDL_Surface *image = shoot("six.png", options);
        Layout layout = layout_scaled(WIDTH, HEIGHT, 6, pixels[s]);
        assert_int_equal(layout.pane_count, 6);
        for (uint32_t pane = 0; pane < 6; pane++) {
            const LayoutRect *box = &layout.panes[pane], *grid = &layout.pane_grids[pane];
            LayoutRect name = {box->x, box->y, box->w, layout.line_height};
            LayoutRect figures = {box->x, box->y + layout.line_height, box->w, grid->y - box->y - layout.line_height};
            LayoutRect addresses = {grid->x - layout.address_width, grid->y, layout.address_width, grid->h};
            LayoutRect header = {box->x, box->y, box->w, grid->y - box->y};
            printf("# --scale %s pane %u: name %llu, figures %llu, addresses %llu pixels\n", scales[s], pane,
                   (unsigned long long)count_color(image, name, timeline_pane_color(pane)),
                   (unsigned long long)count_color(image, figures, COLOR_TEXT),
                   (unsigned long long)count_color(image, addresses, COLOR_DIM));
            assert_true(count_color(image, name, timeline_pane_color(pane)) > 10);
            assert_true(count_color(image, figures, COLOR_TEXT) > 40); /* "util 96%", "ext frag 0%" */
            assert_true(count_color(image, addresses, COLOR_DIM) > 20);  /* "0x0", ... */
            assert_true(clear_edge(image, header, layout.char_width / 2, COLOR_BACKGROUND));
        }
        LayoutRect panel_bottom = {layout.panel.x, layout.panel.y + layout.panel.h - layout.margin / 2,
                                   layout.panel.w, layout.margin / 2};
        assert_true(clear_edge(image, layout.panel, layout.margin / 2, COLOR_PANEL));
        assert_true(count_color(image, panel_bottom, COLOR_PANEL) == (uint64_t)panel_bottom.w * (uint64_t)panel_bottom.h);
        assert_true(clear_edge(image, layout.timeline, layout.margin / 2, COLOR_PANEL));
        SDL_FreeSurface(image);
    }
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    path_for(path, sizeof path, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_true(fputs(text, file) >= 0);
    assert_int_equal(fclose(file), 0);
}

/* A capture's recorded pane beside a tags pane at --scale 1.5: glibc's
 * 14-character addresses are wider than the label column may be (half the
 * pane), so each is shortened at its front, never cut at the window's left
 * edge; the labels are there, and the margin left of the pane is empty. */
static void test_long_row_addresses_are_shortened_not_cut(void **state)
{
    (void)state;
    write_file("capture.rep", "0\n3\n4\n1\na 0 472\na 1 120\nf 0\na 2 1024\n");
    write_file("capture.rep.addr", "1 malloc 0x5573439b02a0 472\n1 malloc 0x5573439b0480 120\n"
                                   "1 free 0x5573439b02a0 0\n1 malloc 0x5573439b0500 1032\n");
    char trace[512], options[700];
    path_for(trace, sizeof trace, "capture.rep");
    snprintf(options, sizeof options, "--trace '%s' --compare recorded,tags:first-fit --scale 1.5", trace);
    SDL_Surface *image = shoot("capture.png", options);
    Layout layout = layout_scaled(WIDTH, HEIGHT, 2, 23);
    const LayoutRect *grid = &layout.pane_grids[0];
    LayoutRect labels = {grid->x - layout.address_width, grid->y, layout.address_width, grid->h};
    LayoutRect margin = {0, grid->y, layout.panes[0].x + layout.char_width / 2, grid->h};
    assert_true(count_color(image, labels, COLOR_DIM) > 20);
    assert_int_equal(count_color(image, margin, COLOR_BACKGROUND), (uint64_t)margin.w * (uint64_t)margin.h);
    SDL_FreeSurface(image);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HEAPVIZ_BINARY\n", argv[0]);
        return 2;
    }
    program = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classic_cells_match_the_block_list),
        cmocka_unit_test(test_grid_shape_follows_from_the_heap_size),
        cmocka_unit_test(test_aligned_payloads_share_columns_on_screen),
        cmocka_unit_test(test_panel_text_is_drawn_and_follows_the_step),
        cmocka_unit_test(test_heap_line_breaks_between_phrases),
        cmocka_unit_test(test_missing_font_is_a_clear_error),
        cmocka_unit_test(test_screenshot_past_the_end_is_refused),
        cmocka_unit_test(test_detail_view_gives_each_state_its_colour),
        cmocka_unit_test(test_timeline_plots_and_toggles),
        cmocka_unit_test(test_help_overlay_lists_the_keys),
        cmocka_unit_test(test_tooltip_opens_over_the_hovered_block),
        cmocka_unit_test(test_compare_two_panes),
        cmocka_unit_test(test_compare_five_panes),
        cmocka_unit_test(test_a_window_maps_big_blocks),
        cmocka_unit_test(test_tiny_windows_still_render),
        cmocka_unit_test(test_teaching_commands_show_a_used_heap),
        cmocka_unit_test(test_neighbouring_blocks_are_separated),
        cmocka_unit_test(test_crowded_block_starts_do_not_cover_the_grid),
        cmocka_unit_test(test_blocks_on_one_row_share_an_unbroken_line),
        cmocka_unit_test(test_dead_bump_memory_is_not_black),
        cmocka_unit_test(test_scale_doubles_text_and_lines),
        cmocka_unit_test(test_panel_keeps_its_whole_legend_at_every_scale),
        cmocka_unit_test(test_legend_shows_dead_only_where_there_is_some),
        cmocka_unit_test(test_long_row_addresses_are_shortened_not_cut),
        cmocka_unit_test(test_hovering_the_legend_defines_no_counter),
        cmocka_unit_test(test_every_counter_fits_at_large_scale),
        cmocka_unit_test(test_timeline_values_fit_at_every_scale),
        cmocka_unit_test(test_six_compare_panes_keep_labels_unclipped),
        cmocka_unit_test(test_the_status_line_shows_in_a_small_window),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
