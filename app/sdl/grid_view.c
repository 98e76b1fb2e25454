/*
 * grid_view.c - cells to pixels (see grid_view.h).
 */
#include "grid_view.h"

#include <math.h>

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

void grid_view_outline(Canvas *canvas, const GridView *view, const GridGeometry *geometry, Highlight highlight,
                       int thickness, uint32_t color)
{
    LayoutRect rects[3];
    int count = grid_view_highlight_rects(view, geometry, highlight, rects);
    for (int i = 0; i < count; i++) {
        LayoutRect outer = {rects[i].x - thickness, rects[i].y - thickness, rects[i].w + 2 * thickness,
                            rects[i].h + 2 * thickness};
        canvas_outline(canvas, outer, thickness, color);
    }
}
