/*
 * grid.c - grid geometry and cell colours (see grid.h).
 *
 * grid_fill walks the blocks that overlap the cells asked for and cuts each
 * block into segments of one class (tags, payload, padding, free, dead). A
 * painter turns the segments into cells: whole cells inside one segment are
 * filled as a span; a cell shared by several segments accumulates its bytes
 * per class and is coloured when its last byte has been seen. The cost is
 * O(cells + blocks) for the range, which is what a dirty-range update needs.
 */
#include "grid.h"

#include <math.h>
#include <string.h>

/* The largest square cell for which `geometry->cells` cells fit in
 * width x height in rows of a power of two of cells, with that row width
 * (the fewer columns on a tie); false when not even one pixel per cell fits. */
static bool fit_cells(GridGeometry *geometry, uint32_t width, uint32_t height)
{
    geometry->cell_pixels = 0;
    for (uint64_t columns = 1; columns <= width && geometry->cells > 0; columns *= 2) {
        uint64_t rows = (geometry->cells + columns - 1) / columns;
        uint64_t size = width / columns < height / rows ? width / columns : height / rows;
        if (size > geometry->cell_pixels) {
            geometry->columns = (uint32_t)columns;
            geometry->rows = (uint32_t)rows;
            geometry->cell_pixels = (uint32_t)size;
        }
    }
    return geometry->cell_pixels > 0;
}

static void set_cell_bytes(GridGeometry *geometry, uint64_t bytes_per_cell)
{
    geometry->bytes_per_cell = bytes_per_cell;
    geometry->cells = (geometry->heap_bytes + bytes_per_cell - 1) / bytes_per_cell;
}

/* The pixels the heap's cells cover on screen. */
static uint64_t covered_pixels(const GridGeometry *geometry)
{
    return geometry->cells * geometry->cell_pixels * geometry->cell_pixels;
}

/* `geometry` laid out again with `bytes_per_cell`; false when it does not fit. */
static bool refit_cells(GridGeometry *geometry, uint64_t bytes_per_cell, uint32_t width, uint32_t height)
{
    set_cell_bytes(geometry, bytes_per_cell);
    return fit_cells(geometry, width, height);
}

/* Cells larger than GRID_MAX_CELL_PIXELS get half the bytes each, down to
 * one; otherwise a grid covering less than GRID_MIN_COVER_PERCENT of the
 * area gets twice the bytes a cell while that covers more (rows of a power
 * of two of cells can leave a wide area half empty: 8,192 cells in 731 x
 * 622 are 128 x 64 cells of 5 pixels; 4,096 are 64 x 64 of 9). */
static GridGeometry settle_cells(GridGeometry geometry, uint32_t width, uint32_t height)
{
    GridGeometry other = geometry;
    if (geometry.cell_pixels > GRID_MAX_CELL_PIXELS) {
        while (geometry.cell_pixels > GRID_MAX_CELL_PIXELS && geometry.bytes_per_cell > 1 &&
               refit_cells(&other, geometry.bytes_per_cell / 2, width, height)) {
            geometry = other;
        }
        return geometry;
    }
    uint64_t area = (uint64_t)width * height;
    while (geometry.cells > 1 && covered_pixels(&geometry) * 100 < area * GRID_MIN_COVER_PERCENT &&
           refit_cells(&other, geometry.bytes_per_cell * 2, width, height) &&
           covered_pixels(&other) > covered_pixels(&geometry)) {
        geometry = other;
    }
    return geometry;
}

GridGeometry grid_geometry(uint64_t heap_bytes, uint64_t page_bytes, uint32_t width, uint32_t height)
{
    GridGeometry geometry = {.heap_bytes = heap_bytes};
    uint64_t cell_bytes = 1;
    while (cell_bytes < page_bytes) {
        cell_bytes *= 2;
    }
    set_cell_bytes(&geometry, cell_bytes);
    uint64_t pixels = (uint64_t)width * height;
    while (pixels > 0 && geometry.cells > pixels) {
        set_cell_bytes(&geometry, geometry.bytes_per_cell * 2);
    }
    bool fits = pixels > 0 && fit_cells(&geometry, width, height);
    while (!fits && pixels > 0 && geometry.cells > 1) { /* rows of a power of two leave some room */
        fits = refit_cells(&geometry, geometry.bytes_per_cell * 2, width, height);
    }
    if (!fits) {
        geometry.columns = 1;
        geometry.rows = (uint32_t)(geometry.cells ? geometry.cells : 1);
        geometry.cell_pixels = 0;
        return geometry;
    }
    return settle_cells(geometry, width, height);
}

GridGeometry grid_geometry_decimal(uint64_t heap_bytes, uint32_t width, uint32_t height)
{
    static const uint64_t mantissas[] = {1, 2, 5};
    GridGeometry best = {.heap_bytes = heap_bytes};
    set_cell_bytes(&best, 1);
    for (uint64_t decade = 10; decade <= heap_bytes * 10 && decade <= UINT32_MAX / 10; decade *= 10) {
        for (int i = 0; i < 3; i++) {
            uint64_t columns = decade * mantissas[i], rows = (heap_bytes + columns - 1) / columns;
            uint64_t size = width / columns < height / (rows ? rows : 1) ? width / columns : height / (rows ? rows : 1);
            if (size > best.cell_pixels) {
                best.columns = (uint32_t)columns;
                best.rows = (uint32_t)(rows ? rows : 1);
                best.cell_pixels = (uint32_t)size;
            }
        }
    }
    best = best.cell_pixels > 0 ? best : grid_geometry(heap_bytes, 1, width, height);
    best.headers_only = true;
    return best;
}

uint64_t grid_row_bytes(const GridGeometry *geometry)
{
    return geometry->bytes_per_cell * geometry->columns;
}

bool grid_dirty_rows(const GridGeometry *geometry, uint64_t start, uint64_t end, bool all,
                     uint64_t *first_row, uint64_t *end_row)
{
    uint64_t row_bytes = grid_row_bytes(geometry);
    *first_row = 0;
    *end_row = geometry->rows;
    if (!all) {
        start = start > geometry->first_byte ? start - geometry->first_byte : 0;
        end = end > geometry->first_byte ? end - geometry->first_byte : 0;
        if (start >= end || row_bytes == 0) {
            return false;
        }
        *first_row = start / row_bytes;
        uint64_t last = (end - 1) / row_bytes + 1;
        *end_row = last < geometry->rows ? last : geometry->rows;
    }
    return *first_row < *end_row;
}

uint32_t grid_class_color(CellClass cell_class)
{
    static const uint32_t colors[CELL_CLASS_COUNT] = {
        [CELL_HEADER] = GRID_COLOR_HEADER,   [CELL_FOOTER] = GRID_COLOR_FOOTER,
        [CELL_PAYLOAD] = GRID_COLOR_PAYLOAD, [CELL_PADDING] = GRID_COLOR_PADDING,
        [CELL_FREE] = GRID_COLOR_FREE,       [CELL_DEAD] = GRID_COLOR_DEAD,
        [CELL_OUTSIDE] = GRID_COLOR_OUTSIDE, [CELL_EDGE] = GRID_COLOR_EDGE,
    };
    return cell_class < CELL_CLASS_COUNT ? colors[cell_class] : GRID_COLOR_OUTSIDE;
}

const char *grid_class_name(CellClass cell_class)
{
    static const char *const names[CELL_CLASS_COUNT] = {
        [CELL_HEADER] = "header",         [CELL_FOOTER] = "footer",
        [CELL_PAYLOAD] = "payload",       [CELL_PADDING] = "padding",
        [CELL_FREE] = "free",             [CELL_DEAD] = "dead (bump: never reused)",
        [CELL_OUTSIDE] = "outside the heap", [CELL_EDGE] = "where a block starts",
    };
    return cell_class < CELL_CLASS_COUNT ? names[cell_class] : "?";
}

uint32_t grid_classic_color(uint64_t free_bytes, uint64_t cell_bytes)
{
    if (cell_bytes == 0) {
        return GRID_COLOR_OUTSIDE;
    }
    uint32_t level = (uint32_t)((free_bytes * 255 + cell_bytes / 2) / cell_bytes);
    return 0xFF000000u | level << 16 | level << 8 | level;
}

typedef struct {
    const GridGeometry *geometry;
    ViewMode view;
    uint32_t *pixels;
    uint32_t pitch;
    uint64_t first_row;
    uint64_t next_byte;          /* bytes before this are painted or accumulated */
    uint64_t end_byte;           /* end of the last cell asked for */
    uint64_t counts[CELL_CLASS_COUNT]; /* bytes of the cell being accumulated */
} Painter;

/* `cell` counts from the window's first cell. */
static uint32_t *painter_pixel(const Painter *painter, uint64_t cell)
{
    uint64_t columns = painter->geometry->columns;
    return painter->pixels + (cell / columns - painter->first_row) * painter->pitch + cell % columns;
}

static uint32_t whole_cell_color(ViewMode view, CellClass cell_class)
{
    if (view == VIEW_DETAIL || cell_class == CELL_OUTSIDE || cell_class == CELL_FREE ||
        cell_class == CELL_DEAD || cell_class == CELL_EDGE) {
        return grid_class_color(cell_class);
    }
    return GRID_COLOR_ALLOCATED;
}

static uint32_t classic_mixed_color(const uint64_t *counts, uint64_t inside)
{
    if (inside == 0) {
        return GRID_COLOR_OUTSIDE;
    }
    if (2 * counts[CELL_DEAD] >= inside) {
        return GRID_COLOR_DEAD;
    }
    if (counts[CELL_EDGE] > 0 && counts[CELL_FREE] == 0) {
        return GRID_COLOR_EDGE;
    }
    return grid_classic_color(counts[CELL_FREE], inside);
}

static uint32_t mixed_cell_color(const Painter *painter)
{
    uint64_t inside = painter->geometry->bytes_per_cell - painter->counts[CELL_OUTSIDE];
    if (painter->view == VIEW_CLASSIC) {
        return classic_mixed_color(painter->counts, inside);
    }
    CellClass best = CELL_HEADER;
    for (CellClass c = CELL_HEADER; c < CELL_CLASS_COUNT; c++) {
        if (painter->counts[c] > painter->counts[best]) {
            best = c;
        }
    }
    return grid_class_color(best);
}

static void painter_fill_span(Painter *painter, uint64_t first_cell, uint64_t end_cell, uint32_t color)
{
    uint64_t columns = painter->geometry->columns;
    while (first_cell < end_cell) {
        uint64_t row_end = (first_cell / columns + 1) * columns;
        uint64_t stop = row_end < end_cell ? row_end : end_cell;
        uint32_t *pixel = painter_pixel(painter, first_cell);
        for (uint64_t cell = first_cell; cell < stop; cell++) {
            *pixel++ = color;
        }
        first_cell = stop;
    }
}

/* Adds bytes [start, end) of one class; segments arrive in address order. */
static void painter_add(Painter *painter, uint64_t start, uint64_t end, CellClass cell_class)
{
    uint64_t cell_bytes = painter->geometry->bytes_per_cell, base = painter->geometry->first_byte;
    start = start > painter->next_byte ? start : painter->next_byte;
    end = end < painter->end_byte ? end : painter->end_byte;
    while (start < end) {
        uint64_t cell = (start - base) / cell_bytes;
        uint64_t cell_start = base + cell * cell_bytes, cell_end = cell_start + cell_bytes;
        if (start == cell_start && end >= cell_end) {
            uint64_t last = (end - base) / cell_bytes;
            painter_fill_span(painter, cell, last, whole_cell_color(painter->view, cell_class));
            start = base + last * cell_bytes;
            continue;
        }
        uint64_t stop = end < cell_end ? end : cell_end;
        painter->counts[cell_class] += stop - start;
        start = stop;
        if (stop == cell_end) {
            *painter_pixel(painter, cell) = mixed_cell_color(painter);
            memset(painter->counts, 0, sizeof painter->counts);
        }
    }
    painter->next_byte = end > painter->next_byte ? end : painter->next_byte;
}

static void paint_block(Painter *painter, const HeapBlock *block)
{
    uint64_t start = block->offset, end = block->offset + block->size;
    if (painter->view == VIEW_CLASSIC) {
        uint64_t edge = block->header_bytes > 0 ? block->header_bytes : 1;
        bool marked = block->header_bytes > 0 || !painter->geometry->headers_only;
        if (marked && block->state == HEAP_BLOCK_USED && block->size >= 2 * painter->geometry->bytes_per_cell &&
            block->size > edge) {
            painter_add(painter, start, start + edge, CELL_EDGE);
            start += edge;
        }
        CellClass whole = block->state == HEAP_BLOCK_FREE ? CELL_FREE
                          : block->state == HEAP_BLOCK_DEAD ? CELL_DEAD : CELL_PAYLOAD;
        painter_add(painter, start, end, whole);
        return;
    }
    uint64_t inside = start + block->header_bytes, footer = end - block->footer_bytes;
    painter_add(painter, start, inside, CELL_HEADER);
    if (block->state == HEAP_BLOCK_USED) {
        uint64_t payload_end = inside + block->requested;
        payload_end = payload_end < footer ? payload_end : footer;
        painter_add(painter, inside, payload_end, CELL_PAYLOAD);
        painter_add(painter, payload_end, footer, CELL_PADDING);
    } else {
        painter_add(painter, inside, footer, block->state == HEAP_BLOCK_FREE ? CELL_FREE : CELL_DEAD);
    }
    painter_add(painter, footer, end, CELL_FOOTER);
}

void grid_fill(const Allocator *heap, const GridGeometry *geometry, ViewMode view,
               uint64_t first_cell, uint64_t end_cell, uint32_t *pixels, uint32_t pitch)
{
    uint64_t texels = (uint64_t)geometry->columns * geometry->rows;
    end_cell = end_cell < texels ? end_cell : texels;
    if (first_cell >= end_cell || geometry->columns == 0) {
        return;
    }
    uint64_t cell_bytes = geometry->bytes_per_cell, base = geometry->first_byte;
    Painter painter = {.geometry = geometry, .view = view, .pixels = pixels, .pitch = pitch,
                       .first_row = first_cell / geometry->columns,
                       .next_byte = base + first_cell * cell_bytes, .end_byte = base + end_cell * cell_bytes};
    uint64_t region_start = allocator_region_start(heap), region_end = allocator_region_end(heap);
    painter_add(&painter, 0, region_start, CELL_OUTSIDE);
    HeapBlock block;
    bool more = painter.next_byte >= region_start && painter.next_byte < region_end
                    ? allocator_block_at(heap, painter.next_byte, &block)
                    : allocator_first_block(heap, &block);
    /* The classic view reads no block's requested bytes: a walk without them is cheaper. */
    bool (*next)(const Allocator *, HeapBlock *) = view == VIEW_CLASSIC ? allocator_next_block_extent
                                                                        : allocator_next_block;
    for (; more && block.offset < painter.end_byte; more = next(heap, &block)) {
        paint_block(&painter, &block);
    }
    painter_add(&painter, region_end, painter.end_byte, CELL_OUTSIDE);
}
