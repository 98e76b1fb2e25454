/*
 * grid_view.c - cells to pixels (see grid_view.h).
 */
#include "grid_view.h"

#include <math.h>
#include <stdbool.h>

GridView grid_view(const Model *model, const Layout *layout, uint32_t pane)
{
    GridView view = {.dest = layout_grid_dest(&layout->pane_grids[pane], model_geometry(model)),
                     .visible = model_visible_cells(model)};
    view.scale = view.visible.width > 0 ? view.dest.w / view.visible.width : 0;
    return view;
}

LayoutRect grid_view_cells_rect(const GridView *view, double row, double first_column, double end_column)
{
    double x0 = view->dest.x + (first_column - view->visible.x) * view->scale;
    double x1 = view->dest.x + (end_column - view->visible.x) * view->scale;
    double y0 = view->dest.y + (row - view->visible.y) * view->scale;
    double y1 = view->dest.y + (row + 1 - view->visible.y) * view->scale;
    return (LayoutRect){(int)lround(x0), (int)lround(y0), (int)lround(x1) - (int)lround(x0),
                        (int)lround(y1) - (int)lround(y0)};
}

int grid_view_highlight_rects(const GridView *view, const GridGeometry *geometry, Highlight highlight,
                              LayoutRect rects[3])
{
    uint64_t columns = geometry->columns, window_end = geometry->first_byte + grid_row_bytes(geometry) * geometry->rows;
    if (!highlight.present || highlight.size == 0 || columns == 0 || highlight.offset >= window_end ||
        highlight.offset + highlight.size <= geometry->first_byte) {
        return 0;
    }
    uint64_t start = highlight.offset > geometry->first_byte ? highlight.offset : geometry->first_byte;
    uint64_t end = highlight.offset + highlight.size < window_end ? highlight.offset + highlight.size : window_end;
    uint64_t first = (start - geometry->first_byte) / geometry->bytes_per_cell;
    uint64_t last = (end - 1 - geometry->first_byte) / geometry->bytes_per_cell;
    uint64_t first_row = first / columns, last_row = last / columns;
    if (first_row == last_row) {
        rects[0] = grid_view_cells_rect(view, (double)first_row, (double)(first % columns),
                                        (double)(last % columns + 1));
        return 1;
    }
    int count = 0;
    rects[count++] = grid_view_cells_rect(view, (double)first_row, (double)(first % columns), (double)columns);
    if (last_row > first_row + 1) {
        LayoutRect top = grid_view_cells_rect(view, (double)(first_row + 1), 0, (double)columns);
        LayoutRect bottom = grid_view_cells_rect(view, (double)(last_row - 1), 0, (double)columns);
        rects[count++] = (LayoutRect){top.x, top.y, top.w, bottom.y + bottom.h - top.y};
    }
    rects[count++] = grid_view_cells_rect(view, (double)last_row, 0, (double)(last % columns + 1));
    return count;
}

void grid_view_cell_centre(const GridView *view, const GridGeometry *geometry, uint64_t offset, int *x, int *y)
{
    uint64_t inside = offset > geometry->first_byte ? offset - geometry->first_byte : 0;
    uint64_t cell = geometry->bytes_per_cell ? inside / geometry->bytes_per_cell : 0;
    uint64_t columns = geometry->columns ? geometry->columns : 1;
    LayoutRect rect = grid_view_cells_rect(view, (double)(cell / columns), (double)(cell % columns),
                                           (double)(cell % columns + 1));
    *x = rect.x + rect.w / 2;
    *y = rect.y + rect.h / 2;
}

/* Whether the neighbouring row band `band` (or NULL) spans [x0, x1). The
 * bands of a highlight are whole rows stacked without a gap. */
static bool band_covers(const LayoutRect *band, int x0, int x1)
{
    return band != NULL && band->x <= x0 && band->x + band->w >= x1;
}

/* Fills the horizontal strip [x0, x1) x [y, y + thickness) except where
 * `band` (a neighbouring row band, or NULL) has its cells. */
static void fill_strip_outside(Canvas *canvas, int x0, int x1, int y, int thickness, const LayoutRect *band,
                               uint32_t color)
{
    int cut0 = band ? band->x : x1, cut1 = band ? band->x + band->w : x1;
    cut0 = cut0 > x0 ? cut0 : x0;
    cut1 = cut1 < x1 ? cut1 : x1;
    if (cut0 >= cut1) {
        canvas_fill(canvas, (LayoutRect){x0, y, x1 - x0, thickness}, color);
        return;
    }
    canvas_fill(canvas, (LayoutRect){x0, y, cut0 - x0, thickness}, color);
    canvas_fill(canvas, (LayoutRect){cut1, y, x1 - cut1, thickness}, color);
}

/* One row band's share of the outline of the whole shape: its sides, less
 * where the bands above and below continue the shape. */
static void outline_band(Canvas *canvas, const LayoutRect *band, const LayoutRect *above, const LayoutRect *below,
                         int thickness, uint32_t color)
{
    int t = thickness, left = band->x - t, right = band->x + band->w, bottom = band->y + band->h;
    fill_strip_outside(canvas, left, right + t, band->y - t, t, above, color);
    fill_strip_outside(canvas, left, right + t, bottom, t, below, color);
    int sides[2] = {left, right};
    for (int i = 0; i < 2; i++) {
        int y0 = band_covers(above, sides[i], sides[i] + t) ? band->y : band->y - t;
        int y1 = band_covers(below, sides[i], sides[i] + t) ? bottom : bottom + t;
        canvas_fill(canvas, (LayoutRect){sides[i], y0, t, y1 - y0}, color);
    }
}

void grid_view_outline(Canvas *canvas, const GridView *view, const GridGeometry *geometry, Highlight highlight,
                       int thickness, uint32_t color)
{
    LayoutRect rects[3];
    int count = grid_view_highlight_rects(view, geometry, highlight, rects);
    for (int i = 0; i < count; i++) {
        const LayoutRect *above = i > 0 ? &rects[i - 1] : NULL, *below = i + 1 < count ? &rects[i + 1] : NULL;
        outline_band(canvas, &rects[i], above, below, thickness, color);
    }
}
