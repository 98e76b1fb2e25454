/*
 * grid_view.h - where a pane's cells land on screen: the visible cells, the
 * rectangle they fill and the pixels per cell, and the rectangles covering
 * a byte range of the heap. The renderer and the overlays draw with it.
 */
#ifndef HEAPVIZ_GRID_VIEW_H
#define HEAPVIZ_GRID_VIEW_H

#include "canvas.h"
#include "layout.h"
#include "model.h"

typedef struct {
    LayoutRect dest;             /* the cells' area on screen */
    CellRect visible;            /* which cells show there */
    double scale;                /* pixels per cell */
} GridView;

GridView grid_view(const Model *model, const Layout *layout, uint32_t pane);

/* The screen rectangle of cells [first_column, end_column) of one row. */
LayoutRect grid_view_cells_rect(const GridView *view, double row, double first_column, double end_column);

/* Up to three rectangles covering the cells of a byte range (the first,
 * partial row, the full rows, the last partial row); returns how many. */
int grid_view_highlight_rects(const GridView *view, const GridGeometry *geometry, Highlight highlight,
                              LayoutRect rects[3]);

/* An outline `thickness` pixels wide just outside the cells of
 * `highlight`, around the whole shape (no line between its row bands):
 * the cells inside keep their colour. */
void grid_view_outline(Canvas *canvas, const GridView *view, const GridGeometry *geometry, Highlight highlight,
                       int thickness, uint32_t color);

/* The centre of the cell that holds byte `offset`, in pixels. */
void grid_view_cell_centre(const GridView *view, const GridGeometry *geometry, uint64_t offset, int *x, int *y);

#endif
