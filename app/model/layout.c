/*
 * layout.c - the window's layout (see layout.h). The timeline takes a
 * fifth of the height (between three and eleven lines; its plots leave
 * room on their right for the current values), the panel up to 50
 * characters on the right, the panes share what is left side by side; a
 * grid is centred in its pane.
 */
#include "layout.h"

static int at_least_zero(int value)
{
    return value > 0 ? value : 0;
}

static int clamp_int(int value, int low, int high)
{
    return value < low ? low : value > high ? high : value;
}

static LayoutRect rect(int x, int y, int w, int h)
{
    return (LayoutRect){x, y, at_least_zero(w), at_least_zero(h)};
}

static void layout_panes(Layout *layout, LayoutRect area)
{
    uint32_t count = layout->pane_count;
    int gap = layout->margin;
    int width = at_least_zero((area.w - gap * (int)(count - 1)) / (int)count);
    int header = count > 1 ? 2 * layout->line_height : 0;
    for (uint32_t i = 0; i < count; i++) {
        int x = area.x + (int)i * (width + gap);
        layout->panes[i] = rect(x, area.y, width, area.h);
        layout->pane_grids[i] = rect(x, area.y + header, width, area.h - header);
    }
}

Layout layout_compute(int width, int height, uint32_t pane_count, int line_height, int char_width)
{
    Layout layout = {.width = at_least_zero(width), .height = at_least_zero(height),
                     .line_height = line_height > 0 ? line_height : 1,
                     .char_width = char_width > 0 ? char_width : 1};
    layout.pane_count = clamp_int((int)pane_count, 1, LAYOUT_MAX_PANES);
    layout.margin = layout.line_height / 2;
    int margin = layout.margin;
    int timeline_height = clamp_int(layout.height / 5, 3 * layout.line_height, 11 * layout.line_height);
    timeline_height = timeline_height < layout.height / 2 ? timeline_height : layout.height / 2;
    int panel_width = clamp_int(50 * layout.char_width + 2 * margin, 0, layout.width * 2 / 5);
    int top_height = layout.height - timeline_height - 2 * margin;
    layout.panel = rect(layout.width - panel_width, margin, panel_width - margin, top_height);
    layout.timeline = rect(margin, layout.height - timeline_height - margin, layout.width - 2 * margin,
                           timeline_height);
    int values = clamp_int(LAYOUT_VALUE_CHARS * layout.char_width, 0, layout.timeline.w / 3);
    layout.plot = rect(layout.timeline.x + margin, layout.timeline.y + layout.line_height + margin,
                       layout.timeline.w - 3 * margin - values,
                       layout.timeline.h - 2 * layout.line_height - 2 * margin);
    layout_panes(&layout, rect(margin, margin, layout.width - panel_width - 2 * margin, top_height));
    return layout;
}

int layout_address_chars(uint64_t heap_bytes)
{
    int digits = 1;
    for (uint64_t last = heap_bytes > 0 ? heap_bytes - 1 : 0; last >= 16; last /= 16) {
        digits++;
    }
    return digits + 3;
}

void layout_reserve_addresses(Layout *layout, int chars)
{
    if (layout->pane_count != 1) {
        return;
    }
    int width = chars * layout->char_width;
    width = width < layout->pane_grids[0].w / 4 ? width : layout->pane_grids[0].w / 4;
    layout->address_width = width;
    layout->pane_grids[0].x += width;
    layout->pane_grids[0].w = at_least_zero(layout->pane_grids[0].w - width);
}

LayoutRect layout_grid_dest(const LayoutRect *grid_area, const GridGeometry *geometry)
{
    int cell = (int)geometry->cell_pixels;
    int width = (int)geometry->columns * cell, height = (int)geometry->rows * cell;
    int x = grid_area->x + at_least_zero(grid_area->w - width) / 2;
    int y = grid_area->y + at_least_zero(grid_area->h - height) / 2;
    return rect(x, y, width, height);
}

bool layout_contains(const LayoutRect *area, int x, int y)
{
    return x >= area->x && y >= area->y && x < area->x + area->w && y < area->y + area->h;
}
