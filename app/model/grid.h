/*
 * grid.h - the heap as a grid of cells: geometry and cell colours.
 *
 * The grid shows a window of the arena, bytes [first_byte, first_byte +
 * heap_bytes), rounded up to whole rows. A cell shows `bytes_per_cell`
 * bytes and a row a power of two of cells, both powers of two, so a row's
 * bytes are a power of two, every row starts at a round hex address, and
 * a payload aligned to 8 or 16 lands in the same column on every row. A
 * cell is one page (rounded up to a power of two), more when the window
 * would not fit one pixel per cell or would leave most of the area empty,
 * fewer, down to one byte, when a small window would give cells larger
 * than GRID_MAX_CELL_PIXELS. The
 * grid is one texel per cell, magnified by an integer cell size to fill the
 * area. grid_fill computes the ARGB colour of a run of cells from
 * the block walk, in either view. No SDL here: the renderer copies the
 * colours into a streaming texture, and tests call it directly.
 */
#ifndef HEAPVIZ_GRID_H
#define HEAPVIZ_GRID_H

#include "allocator.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum { VIEW_CLASSIC, VIEW_DETAIL } ViewMode;

/* What the bytes of a cell are. */
typedef enum {
    CELL_HEADER,                 /* a block's header word(s) */
    CELL_FOOTER,                 /* a block's footer word(s) */
    CELL_PAYLOAD,                /* requested bytes of a live block */
    CELL_PADDING,                /* the rest of a live block */
    CELL_FREE,                   /* a free block's inside */
    CELL_DEAD,                   /* a freed bump block, never reused */
    CELL_OUTSIDE,                /* before or after the usable region */
    CELL_EDGE,                   /* classic view: a used block's header (its first byte if none) */
    CELL_CLASS_COUNT
} CellClass;

/* Colours as 0xAARRGGBB (Okabe-Ito for the detail view). */
#define GRID_COLOR_FREE        0xFFFFFFFFu
#define GRID_COLOR_ALLOCATED   0xFF000000u
#define GRID_COLOR_EDGE        0xFF5B6B8Cu /* slate: where a used block starts (classic) */
#define GRID_COLOR_OUTSIDE     0xFF3A3F4Bu
#define GRID_COLOR_HEADER      0xFF0072B2u /* blue */
#define GRID_COLOR_FOOTER      0xFF56B4E9u /* sky blue: a footer is not the next header */
#define GRID_COLOR_PAYLOAD     0xFFE69F00u /* orange */
#define GRID_COLOR_PADDING     0xFFF0E442u /* yellow */
#define GRID_COLOR_DEAD        0xFFCC79A7u /* reddish purple, in both views */
#define GRID_COLOR_SEPARATOR   0xFF8A96ABu /* the line where a used block starts */
#define GRID_COLOR_TOUCHED     0xFF009E73u /* bluish green: last touched block */
#define GRID_COLOR_MARK        0xFFD55E00u /* vermillion: split or coalesce */

enum {
    GRID_MAX_CELL_PIXELS = 24,   /* larger cells get fewer bytes each, down to one */
    GRID_MIN_COVER_PERCENT = 50  /* a grid covering less of its area gets more bytes a cell */
};

typedef struct {
    uint64_t first_byte;         /* arena offset of the first cell (a multiple of a row's bytes) */
    uint64_t heap_bytes;         /* the bytes the window must show */
    uint64_t bytes_per_cell;     /* a power of two (OSTEP: one unit) */
    uint64_t cells;              /* ceil(heap_bytes / bytes_per_cell) */
    uint32_t columns, rows;      /* texture size in cells */
    uint32_t cell_pixels;        /* edge of one cell on screen at zoom 1; 0: no room */
    bool headers_only;           /* classic view: a block without a header shows no edge cell
                                    (OSTEP's big cells: the start line is enough) */
} GridGeometry;

/* Lays out `heap_bytes` (from first_byte 0; the caller may move the window
 * by whole rows) in a width x height pixel area, with bytes a cell and
 * cells a row both powers of two: one page a cell (the power of two at
 * least page_bytes) if that fits one pixel per cell, else the fewest
 * bytes that do; the row width of a power of two with the largest square
 * cells; then, while cells are larger than GRID_MAX_CELL_PIXELS, half the
 * bytes a cell, or, while the cells cover less than GRID_MIN_COVER_PERCENT
 * of the area and twice the bytes would cover more, twice. */
GridGeometry grid_geometry(uint64_t heap_bytes, uint64_t page_bytes, uint32_t width, uint32_t height);

/* OSTEP's heap: one unit a cell and rows of 10, 20, 50, 100, 200, 500 ...
 * units, whichever gives the largest square cells in width x height (the
 * fewer columns on a tie), so row labels read as round decimal addresses.
 * No cell limit: a small heap gets big cells. Only real headers get the
 * classic view's edge colour (headers_only). A heap too large for one pixel
 * a unit gets grid_geometry's layout. */
GridGeometry grid_geometry_decimal(uint64_t heap_bytes, uint32_t width, uint32_t height);

/* The colour of cells [first_cell, end_cell) of the window (cell 0 holds
 * arena byte first_byte) of `heap` in `view` (cells past
 * the heap's end, up to columns * rows, get the outside colour), written to
 * pixels[(cell / columns - first_row) * pitch + cell % columns] where
 * first_row = first_cell / columns. Classic: white free, black used, dead
 * in its own colour; a used block of at least two cells shows its header
 * (its first byte if it has none) in the edge colour, so neighbouring
 * blocks read apart; a cell shared by several blocks is dead if dead bytes
 * are at least half of it, else grey by the free fraction (a free block
 * counts as free tags and all), or the edge colour if it holds header
 * bytes and nothing free. Detail: the class
 * with the most bytes in the cell. */
void grid_fill(const Allocator *heap, const GridGeometry *geometry, ViewMode view,
               uint64_t first_cell, uint64_t end_cell, uint32_t *pixels, uint32_t pitch);

/* The texture rows [*first_row, *end_row) holding arena bytes [start, end),
 * or every row when `all`; false when there is nothing to redraw. */
uint64_t grid_row_bytes(const GridGeometry *geometry);
bool grid_dirty_rows(const GridGeometry *geometry, uint64_t start, uint64_t end, bool all,
                     uint64_t *first_row, uint64_t *end_row);

/* The colour the detail view gives a class. */
uint32_t grid_class_color(CellClass cell_class);

/* The name of a class for the legend ("header/footer", "payload", ...). */
const char *grid_class_name(CellClass cell_class);

/* Classic grey for `free_bytes` free bytes out of `cell_bytes`. */
uint32_t grid_classic_color(uint64_t free_bytes, uint64_t cell_bytes);

#endif
