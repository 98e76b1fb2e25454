/*
 * layout.c - the window's layout (see layout.h). The timeline takes a
 * fifth of the height (between three and eleven lines, and in compare mode
 * enough for a value line per plot or per pane; its plots leave room on their right
 * for the current values, up to a third of its width), the panel up to 50
 * characters on the right, the panes share what is left, up to three side
 * by side in a row; a grid is centred in its pane. Large text (--scale)
 * leaves a single pane's panel fewer than LAYOUT_PANEL_LINES lines above
 * the timeline: the panel then runs down to the window's bottom and the
 * timeline runs under the pane only, so every counter and the legend fit;
 * if two fifths of the width are fewer than LAYOUT_NARROW_PANEL_CHARS
 * characters, it takes half.
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

/* Lines above a compare pane's grid: its name, then its figures on one
 * line, or on two when the pane is narrow. */
static int header_lines(const Layout *layout, int pane_width)
{
    if (layout->pane_count < 2) {
        return 0;
    }
    return pane_width / layout->char_width >= LAYOUT_FIGURES_CHARS ? 2 : 3;
}

static void layout_panes(Layout *layout, LayoutRect area)
{
    int count = (int)layout->pane_count, gap = layout->margin;
    int rows = count > 3 ? 2 : 1, columns = (count + rows - 1) / rows;
    int width = at_least_zero((area.w - gap * (columns - 1)) / columns);
    int height = at_least_zero((area.h - gap * (rows - 1)) / rows);
    int header = header_lines(layout, width) * layout->line_height;
    layout->pane_area = area;
    for (int i = 0; i < count; i++) {
        int x = area.x + i % columns * (width + gap), y = area.y + i / columns * (height + gap);
        layout->panes[i] = rect(x, y, width, height);
        layout->pane_grids[i] = rect(x, y + header, width, height - header);
    }
}

/* The timeline's height: a fifth of the window within three and eleven
 * lines, in compare mode at least a value line per pane and the metric's
 * name beside the plot, and never more than half the window. */
static int timeline_height(const Layout *layout)
{
    int lines = layout->pane_count > 1 ? (int)layout->pane_count + 1 : LAYOUT_PLOT_LINES;
    int height = clamp_int(layout->height / 5, 3 * layout->line_height, 11 * layout->line_height);
    int needed = (lines + 2) * layout->line_height + 2 * layout->margin;
    height = height > needed ? height : needed;
    return height < layout->height / 2 ? height : layout->height / 2;
}

Layout layout_compute(int width, int height, uint32_t pane_count, int line_height, int char_width)
{
    Layout layout = {.width = at_least_zero(width), .height = at_least_zero(height),
                     .line_height = line_height > 0 ? line_height : 1,
                     .char_width = char_width > 0 ? char_width : 1};
    layout.pane_count = clamp_int((int)pane_count, 1, LAYOUT_MAX_PANES);
    layout.margin = layout.line_height / 2;
    int margin = layout.margin;
    int timeline = timeline_height(&layout);
    int top_height = layout.height - timeline - 2 * margin;
    bool tall = layout.pane_count == 1 && top_height < LAYOUT_PANEL_LINES * layout.line_height;
    int most = layout.width * 2 / 5;
    if (tall && most < LAYOUT_NARROW_PANEL_CHARS * layout.char_width) { /* so its lines wrap less */
        most = layout.width / 2;
    }
    int panel_width = clamp_int(50 * layout.char_width + 2 * margin, 0, most);
    int panel_height = tall ? layout.height - 2 * margin : top_height;
    layout.panel = rect(layout.width - panel_width, margin, panel_width - margin, panel_height);
    int timeline_width = tall ? layout.width - panel_width - 2 * margin : layout.width - 2 * margin;
    layout.timeline = rect(margin, layout.height - timeline - margin, timeline_width, timeline);
    int values = clamp_int(LAYOUT_VALUE_CHARS * layout.char_width, 0, layout.timeline.w / 3);
    layout.plot = rect(layout.timeline.x + margin, layout.timeline.y + layout.line_height + margin,
                       layout.timeline.w - 3 * margin - values,
                       layout.timeline.h - 2 * layout.line_height - 2 * margin);
    layout_panes(&layout, rect(margin, margin, layout.width - panel_width - 2 * margin, top_height));
    return layout;
}

int layout_address_chars(uint64_t end_byte)
{
    int digits = 1;
    for (uint64_t last = end_byte > 0 ? end_byte - 1 : 0; last >= 16; last /= 16) {
        digits++;
    }
    return digits + 3;
}

void layout_reserve_addresses(Layout *layout, int chars)
{
    int width = chars * layout->char_width;
    width = width < layout->pane_grids[0].w / 2 ? width : layout->pane_grids[0].w / 2;
    layout->address_width = width;
    for (uint32_t i = 0; i < layout->pane_count; i++) {
        layout->pane_grids[i].x += width;
        layout->pane_grids[i].w = at_least_zero(layout->pane_grids[i].w - width);
    }
}

LayoutRect layout_grid_dest(const LayoutRect *grid_area, const GridGeometry *geometry)
{
    int cell = (int)geometry->cell_pixels;
    int width = (int)geometry->columns * cell, height = (int)geometry->rows * cell;
    int x = grid_area->x + at_least_zero(grid_area->w - width) / 2;
    int y = grid_area->y + at_least_zero(grid_area->h - height) / 2;
    return rect(x, y, width, height);
}

int layout_step_label_x(const LayoutRect *plot, int char_width, int cursor_x, int width, int total_width)
{
    int lowest = plot->x + 2 * char_width;
    int highest = plot->x + plot->w - total_width - 2 * char_width - width;
    int x = cursor_x - width / 2;
    x = x < lowest ? lowest : x;
    x = x > highest ? highest : x;
    return x > plot->x ? x : plot->x;
}

bool layout_contains(const LayoutRect *area, int x, int y)
{
    return x >= area->x && y >= area->y && x < area->x + area->w && y < area->y + area->h;
}
