/*
 * test_grid.c - the grid's geometry rule and the colour of every cell in
 * both views, against the block walk of small hand-built heaps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "grid.h"
#include "heap.h"
#include <stdlib.h>

static void test_geometry_one_page_per_cell_when_it_fits(void **state)
{
    (void)state;
    GridGeometry geometry = grid_geometry(64, 4, 8, 2);
    assert_int_equal(geometry.bytes_per_cell, 4);
    assert_int_equal(geometry.cells, 16);
    assert_int_equal(geometry.columns, 8);
    assert_int_equal(geometry.rows, 2);
    assert_int_equal(geometry.cell_pixels, 1);
}

static void test_geometry_doubles_the_cell_until_the_heap_fits(void **state)
{
    (void)state;
    GridGeometry geometry = grid_geometry(64, 4, 4, 2);
    assert_int_equal(geometry.bytes_per_cell, 8);
    assert_int_equal(geometry.cells, 8);
    geometry = grid_geometry(32768, 4, 1, 1);
    assert_int_equal(geometry.bytes_per_cell, 32768);
    assert_int_equal(geometry.cells, 1);
    assert_int_equal(geometry.cell_pixels, 1);
}

static bool is_power_of_two(uint64_t value)
{
    return value > 0 && (value & (value - 1)) == 0;
}

/* For the bytes a cell it chose, no row of a power of two of cells gives
 * larger square cells that fit (checked by trying each row width). */
static void test_geometry_largest_cell_that_fits(void **state)
{
    (void)state;
    static const uint32_t sizes[][2] = {{800, 600}, {1234, 517}, {300, 900}, {97, 13}, {1920, 1080}, {731, 622}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint32_t width = sizes[i][0], height = sizes[i][1];
        GridGeometry geometry = grid_geometry(32768, 4, width, height);
        uint32_t cell = geometry.cell_pixels;
        assert_true(cell >= 1);
        assert_true((uint64_t)geometry.columns * geometry.rows >= geometry.cells);
        assert_true(geometry.columns * cell <= width && geometry.rows * cell <= height);
        for (uint64_t columns = 1; columns <= width; columns *= 2) {
            uint64_t rows = (geometry.cells + columns - 1) / columns;
            assert_false(columns * (cell + 1) <= width && rows * (cell + 1) <= height);
        }
    }
}

/* Bytes a cell and cells a row are powers of two, so a row's bytes are a
 * power of two and every row starts at a round hex address, whatever the
 * heap, the page and the area. */
static void test_geometry_rows_are_a_power_of_two_of_bytes(void **state)
{
    (void)state;
    static const uint32_t sizes[][2] = {{800, 600}, {1234, 517}, {300, 900}, {640, 610}, {1920, 1080}, {97, 13}};
    static const uint64_t heaps[] = {32768, 47104, 20u << 20, 4096, 256, 1000};
    static const uint64_t pages[] = {4, 1, 3, 4096};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (size_t h = 0; h < sizeof heaps / sizeof heaps[0]; h++) {
            for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
                GridGeometry geometry = grid_geometry(heaps[h], pages[p], sizes[i][0], sizes[i][1]);
                assert_true(geometry.cell_pixels >= 1);
                assert_true(is_power_of_two(geometry.bytes_per_cell));
                assert_true(is_power_of_two(geometry.columns));
                assert_true(is_power_of_two(grid_row_bytes(&geometry)));
            }
        }
    }
}

/* Shapes worked out by hand (each row width of a power of two tried in
 * turn; the cell is the smaller of width / columns and height / rows):
 * - 32 KiB in 731 x 622 (the default window's grid): 8,192 cells of 4 B
 *   give 128 x 64 cells of 5 px (64 a row: 128 rows of 4; 256: 32 rows of
 *   2), 640 x 320 px, 45% of the area; 8 B a cell: 64 x 64 of 9 px, 73%.
 * - 32 KiB in 800 x 600: 128 x 64 cells of 4 B at min(6, 9) = 6 px, 768 x
 *   384 px, 61% of the area: it stays.
 * - 32 KiB in 300 x 900: 8,192 cells of 4 B: 64 a row, 128 rows, min(4,
 *   7) = 4 px, 48.5%; 8 B: 32 a row, 128 rows, min(9, 7) = 7 px, 74%.
 * - 20 MiB in 731 x 622: 64 B a cell is the least with fewer cells
 *   (327,680) than pixels (454,682), but 512 a row need 640 rows; 128 B:
 *   512 a row, 320 rows of 1 px, 36%; 256 B: 256 x 320 or 512 x 160 of 1
 *   px, fewer pixels covered, so 128 B it is (rows of 64 KiB). */
static void test_geometry_shapes_worked_by_hand(void **state)
{
    (void)state;
    static const struct {
        uint64_t heap;
        uint32_t width, height;
        uint64_t bytes_per_cell;
        uint32_t columns, rows, cell_pixels;
    } cases[] = {
        {32768, 731, 622, 8, 64, 64, 9},
        {32768, 800, 600, 4, 128, 64, 6},
        {32768, 300, 900, 8, 32, 128, 7},
        {20u << 20, 731, 622, 128, 512, 320, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        GridGeometry geometry = grid_geometry(cases[i].heap, 4, cases[i].width, cases[i].height);
        assert_int_equal(geometry.bytes_per_cell, cases[i].bytes_per_cell);
        assert_int_equal(geometry.columns, cases[i].columns);
        assert_int_equal(geometry.rows, cases[i].rows);
        assert_int_equal(geometry.cell_pixels, cases[i].cell_pixels);
    }
}

/* A heap of blocks of many sizes with --align 8 and 16: in every shape,
 * each payload's first cell is in a column whose first byte is aligned as
 * the payload is (row starts are multiples of the row's bytes), so the
 * payloads line up in the same columns row after row. */
static void test_aligned_payloads_land_in_the_same_columns(void **state)
{
    (void)state;
    static const uint32_t sizes[][2] = {{731, 622}, {800, 600}, {300, 900}, {97, 13}, {1920, 1080}};
    static const uint64_t aligns[] = {8, 16};
    for (size_t a = 0; a < 2; a++) {
        AllocatorSetup setup = {&tags_design, allocator_default_config(4096)};
        setup.config.alignment = aligns[a];
        Allocator *heap = NULL;
        assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
        uint64_t payload;
        for (uint64_t request = 1; allocator_malloc(heap, request, &payload) == HEAP_OK; request += 7) {
        }
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            GridGeometry geometry = grid_geometry(4096, 4, sizes[i][0], sizes[i][1]);
            uint64_t blocks = 0;
            HeapBlock block;
            for (bool more = allocator_first_block(heap, &block); more; more = allocator_next_block(heap, &block)) {
                if (block.state != HEAP_BLOCK_USED) {
                    continue;
                }
                uint64_t start = block.offset + block.header_bytes;
                assert_int_equal(start % aligns[a], 0);
                uint64_t column = start / geometry.bytes_per_cell % geometry.columns;
                assert_int_equal(column * geometry.bytes_per_cell % aligns[a], 0);
                blocks++;
            }
            assert_true(blocks >= 10);
        }
        allocator_destroy(heap);
    }
}

/* A window of 256 bytes (the deepest zoom) has one byte a cell: an 8-byte
 * tag is 8 cells. In 800 x 600: 64 cells of 4 B are 8 x 8 of min(100, 75)
 * = 75 px, over GRID_MAX_CELL_PIXELS; 128 of 2 B, 16 x 8 of 50 px; 256 of
 * 1 B: 16 x 16 of min(50, 37) = 37 px (32 x 8: min(25, 75) = 25), the
 * finest there is. */
static void test_geometry_of_a_small_window_has_one_byte_cells(void **state)
{
    (void)state;
    GridGeometry geometry = grid_geometry(256, 4, 800, 600);
    assert_int_equal(geometry.bytes_per_cell, 1);
    assert_int_equal(geometry.columns, 16);
    assert_int_equal(geometry.rows, 16);
    assert_int_equal(geometry.cell_pixels, 37);
}

static void test_geometry_of_an_empty_area_draws_nothing(void **state)
{
    (void)state;
    GridGeometry geometry = grid_geometry(32768, 4, 0, 500);
    assert_int_equal(geometry.cell_pixels, 0);
}

static Allocator *small_heap(HeapPolicy policy)
{
    AllocatorSetup setup = {&tags_design, allocator_default_config(256)};
    setup.config.policy = (uint32_t)policy;
    Allocator *heap = NULL;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    return heap;
}

static uint32_t *fill_all(const Allocator *heap, const GridGeometry *geometry, ViewMode view)
{
    uint32_t *pixels = calloc((size_t)geometry->columns * geometry->rows, sizeof *pixels);
    assert_non_null(pixels);
    grid_fill(heap, geometry, view, 0, (uint64_t)geometry->columns * geometry->rows, pixels, geometry->columns);
    return pixels;
}

static void test_classic_cells_follow_the_blocks(void **state)
{
    (void)state;
    Allocator *heap = small_heap(HEAP_FIRST_FIT);
    uint64_t a, b;
    assert_int_equal(allocator_malloc(heap, 24, &a), HEAP_OK);
    assert_int_equal(allocator_malloc(heap, 40, &b), HEAP_OK);
    assert_int_equal(allocator_free(heap, a), HEAP_OK);
    GridGeometry geometry = grid_geometry(256, 4, 16, 16);
    assert_int_equal(geometry.bytes_per_cell, 4);
    uint32_t *pixels = fill_all(heap, &geometry, VIEW_CLASSIC);
    for (uint64_t cell = 0; cell < geometry.cells; cell++) {
        HeapBlock block;
        uint32_t expected = GRID_COLOR_OUTSIDE;
        if (allocator_block_at(heap, cell * 4, &block)) {
            expected = block.state == HEAP_BLOCK_FREE ? GRID_COLOR_FREE : GRID_COLOR_ALLOCATED;
            if (block.state == HEAP_BLOCK_USED && cell * 4 < block.offset + 8) {
                expected = GRID_COLOR_EDGE; /* the 8-byte header: two cells */
            }
        }
        assert_int_equal(pixels[cell], expected);
    }
    free(pixels);
    allocator_destroy(heap);
}

static void test_classic_mixed_cell_is_grey_by_free_fraction(void **state)
{
    (void)state;
    Allocator *heap = small_heap(HEAP_FIRST_FIT);
    uint64_t a;
    assert_int_equal(allocator_malloc(heap, 8, &a), HEAP_OK); /* a 24-byte block at the region start */
    HeapBlock used;
    assert_true(allocator_first_block(heap, &used));
    GridGeometry geometry = grid_geometry(256, 64, 4, 1);
    uint32_t *pixels = fill_all(heap, &geometry, VIEW_CLASSIC);
    uint64_t before = allocator_region_start(heap); /* outside bytes of cell 0 */
    uint64_t free_bytes = 64 - before - used.size;
    assert_int_equal(pixels[0], grid_classic_color(free_bytes, 64 - before));
    assert_true(pixels[0] != GRID_COLOR_FREE && pixels[0] != GRID_COLOR_ALLOCATED);
    free(pixels);
    allocator_destroy(heap);
}

static void test_detail_colours_each_part_of_a_block(void **state)
{
    (void)state;
    Allocator *heap = small_heap(HEAP_FIRST_FIT);
    uint64_t a;
    assert_int_equal(allocator_malloc(heap, 20, &a), HEAP_OK); /* 20 payload + 4 padding + 16 tags */
    HeapBlock block;
    assert_true(allocator_first_block(heap, &block));
    GridGeometry geometry = grid_geometry(256, 4, 16, 16);
    uint32_t *pixels = fill_all(heap, &geometry, VIEW_DETAIL);
    uint64_t cell = block.offset / 4;
    assert_int_equal(pixels[cell], GRID_COLOR_HEADER);
    assert_int_equal(pixels[cell + 1], GRID_COLOR_HEADER);
    for (uint64_t i = 2; i < 7; i++) {
        assert_int_equal(pixels[cell + i], GRID_COLOR_PAYLOAD);
    }
    assert_int_equal(pixels[cell + 7], GRID_COLOR_PADDING);
    assert_int_equal(pixels[cell + 8], GRID_COLOR_FOOTER);
    assert_int_equal(pixels[cell + 9], GRID_COLOR_FOOTER);
    assert_true(GRID_COLOR_FOOTER != GRID_COLOR_HEADER);
    HeapBlock next = block;
    assert_true(allocator_next_block(heap, &next));
    assert_int_equal(pixels[next.offset / 4 + 2], GRID_COLOR_FREE);
    free(pixels);
    allocator_destroy(heap);
}

static void test_detail_dead_bump_memory(void **state)
{
    (void)state;
    Allocator *heap = small_heap(HEAP_BUMP);
    uint64_t a, b;
    assert_int_equal(allocator_malloc(heap, 24, &a), HEAP_OK);
    assert_int_equal(allocator_malloc(heap, 24, &b), HEAP_OK);
    assert_int_equal(allocator_free(heap, a), HEAP_OK);
    HeapBlock block;
    assert_true(allocator_block_at(heap, a, &block));
    assert_int_equal(block.state, HEAP_BLOCK_DEAD);
    GridGeometry geometry = grid_geometry(256, 4, 16, 16);
    uint32_t *pixels = fill_all(heap, &geometry, VIEW_DETAIL);
    assert_int_equal(pixels[a / 4], GRID_COLOR_DEAD);
    uint32_t *classic = fill_all(heap, &geometry, VIEW_CLASSIC);
    assert_int_equal(classic[a / 4], GRID_COLOR_DEAD); /* its own look, not allocated black */
    assert_int_equal(classic[b / 4], GRID_COLOR_ALLOCATED);
    free(classic);
    free(pixels);
    allocator_destroy(heap);
}

/* Two used blocks side by side: the second's header cells stand between
 * the first's black payload and its own, so the blocks read as two. With
 * 16 bytes a cell, the cell [48, 64) holding the end of the first block and
 * the second's header, and no free byte, is an edge too. */
static void test_classic_neighbours_are_separated(void **state)
{
    (void)state;
    Allocator *heap = small_heap(HEAP_FIRST_FIT);
    uint64_t a, b;
    assert_int_equal(allocator_malloc(heap, 40, &a), HEAP_OK); /* block [a - 8, a + 48) */
    assert_int_equal(allocator_malloc(heap, 40, &b), HEAP_OK);
    assert_int_equal(b, a + 56);
    GridGeometry geometry = grid_geometry(256, 4, 16, 16);
    uint32_t *pixels = fill_all(heap, &geometry, VIEW_CLASSIC);
    assert_int_equal(pixels[(b - 16) / 4], GRID_COLOR_ALLOCATED); /* a's footer */
    assert_int_equal(pixels[(b - 8) / 4], GRID_COLOR_EDGE);       /* b's header */
    assert_int_equal(pixels[(b - 4) / 4], GRID_COLOR_EDGE);
    assert_int_equal(pixels[b / 4], GRID_COLOR_ALLOCATED);
    free(pixels);
    geometry = grid_geometry(256, 16, 4, 4);
    assert_int_equal(geometry.bytes_per_cell, 16);
    pixels = fill_all(heap, &geometry, VIEW_CLASSIC);
    assert_int_equal(pixels[(b - 8) / 16], GRID_COLOR_EDGE);
    assert_int_equal(pixels[(b - 8) / 16 - 1], GRID_COLOR_ALLOCATED);
    free(pixels);
    allocator_destroy(heap);
}

static void test_partial_fill_touches_only_its_rows(void **state)
{
    (void)state;
    Allocator *heap = small_heap(HEAP_FIRST_FIT);
    uint64_t a;
    assert_int_equal(allocator_malloc(heap, 100, &a), HEAP_OK);
    GridGeometry geometry = grid_geometry(256, 4, 16, 4);
    assert_int_equal(geometry.columns, 16);
    uint32_t *whole = fill_all(heap, &geometry, VIEW_DETAIL);
    uint32_t rows[2 * 16];
    for (size_t i = 0; i < 32; i++) {
        rows[i] = 0x12345678u;
    }
    grid_fill(heap, &geometry, VIEW_DETAIL, 32, 64, rows, 16); /* rows 2 and 3 */
    for (size_t i = 0; i < 32; i++) {
        assert_int_equal(rows[i], whole[32 + i]);
    }
    free(whole);
    allocator_destroy(heap);
}

/* A window that starts at byte 64 paints, in its cell 0, the bytes at 64. */
static void test_window_starts_at_its_first_byte(void **state)
{
    (void)state;
    Allocator *heap = small_heap(HEAP_FIRST_FIT);
    uint64_t a;
    assert_int_equal(allocator_malloc(heap, 100, &a), HEAP_OK); /* block [0, 120): payload to 108 */
    GridGeometry whole = grid_geometry(256, 4, 16, 4);
    uint32_t *all = fill_all(heap, &whole, VIEW_DETAIL);
    GridGeometry window = whole;
    window.first_byte = 64;
    window.rows = 2;
    uint32_t *part = fill_all(heap, &window, VIEW_DETAIL);
    for (size_t i = 0; i < 32; i++) {
        assert_int_equal(part[i], all[16 + i]);
    }
    assert_int_equal(part[(112 - 64) / 4], GRID_COLOR_FOOTER); /* the footer [112, 120) */
    uint64_t first, end;
    assert_true(grid_dirty_rows(&window, 112, 130, false, &first, &end));
    assert_int_equal(first, 0);
    assert_int_equal(end, 2);
    free(part);
    free(all);
    allocator_destroy(heap);
}

static void test_dirty_rows_of_a_byte_range(void **state)
{
    (void)state;
    GridGeometry geometry = grid_geometry(256, 4, 16, 4); /* 4 rows of 16 cells = 64 bytes a row */
    uint64_t first, end;
    assert_true(grid_dirty_rows(&geometry, 70, 130, false, &first, &end));
    assert_int_equal(first, 1);
    assert_int_equal(end, 3);
    assert_true(grid_dirty_rows(&geometry, 64, 128, false, &first, &end));
    assert_int_equal(first, 1);
    assert_int_equal(end, 2);
    assert_false(grid_dirty_rows(&geometry, 50, 50, false, &first, &end));
    assert_true(grid_dirty_rows(&geometry, 0, 0, true, &first, &end));
    assert_int_equal(first, 0);
    assert_int_equal(end, 4);
}

static void test_cells_past_the_heap_are_outside(void **state)
{
    (void)state;
    Allocator *heap = small_heap(HEAP_FIRST_FIT);
    GridGeometry geometry = {.heap_bytes = 256, .bytes_per_cell = 4, .cells = 64, .columns = 10, .rows = 7,
                             .cell_pixels = 1}; /* 64 cells in 7 rows of 10 */
    uint32_t *pixels = fill_all(heap, &geometry, VIEW_CLASSIC);
    for (uint64_t cell = 64; cell < 70; cell++) {
        assert_int_equal(pixels[cell], GRID_COLOR_OUTSIDE);
    }
    free(pixels);
    allocator_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geometry_one_page_per_cell_when_it_fits),
        cmocka_unit_test(test_geometry_doubles_the_cell_until_the_heap_fits),
        cmocka_unit_test(test_geometry_largest_cell_that_fits),
        cmocka_unit_test(test_geometry_rows_are_a_power_of_two_of_bytes),
        cmocka_unit_test(test_geometry_shapes_worked_by_hand),
        cmocka_unit_test(test_aligned_payloads_land_in_the_same_columns),
        cmocka_unit_test(test_geometry_of_a_small_window_has_one_byte_cells),
        cmocka_unit_test(test_geometry_of_an_empty_area_draws_nothing),
        cmocka_unit_test(test_classic_cells_follow_the_blocks),
        cmocka_unit_test(test_classic_mixed_cell_is_grey_by_free_fraction),
        cmocka_unit_test(test_detail_colours_each_part_of_a_block),
        cmocka_unit_test(test_detail_dead_bump_memory),
        cmocka_unit_test(test_classic_neighbours_are_separated),
        cmocka_unit_test(test_partial_fill_touches_only_its_rows),
        cmocka_unit_test(test_window_starts_at_its_first_byte),
        cmocka_unit_test(test_dirty_rows_of_a_byte_range),
        cmocka_unit_test(test_cells_past_the_heap_are_outside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
