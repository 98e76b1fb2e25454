/*
 * timeline.c - the timeline and its plots (see timeline.h).
 */
#include "timeline.h"
#include "sentence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const series_keys[SERIES_COUNT] = {"e", "u", "b", "l"};
static const char *const series_short_names[SERIES_COUNT] = {"ext frag", "util", "free blocks", "largest free"};
static const char *const series_names[SERIES_COUNT] = {
    "ext. fragmentation", "utilization", "free blocks", "largest free block",
};

struct TimelineCache {
    uint64_t generation, total;
    int width;
    uint32_t pane_count;
    int complete;                /* columns whose steps are all computed */
    int filled;                  /* columns with data (the last may be partial) */
    HistorySample *low, *high;   /* [pane * width + column] */
    bool *diverged;              /* [column]: the panes diverged at a step of it */
};

uint32_t timeline_series_color(SeriesKind series)
{
    static const uint32_t colors[SERIES_COUNT] = {0xFFCC79A7u, 0xFF009E73u, 0xFF56B4E9u, 0xFFE69F00u};
    return series < SERIES_COUNT ? colors[series] : COLOR_TEXT;
}

/* Paul Tol's bright scheme and white: hues the series, grid and marks do not use. */
uint32_t timeline_pane_color(uint32_t pane)
{
    static const uint32_t colors[] = {0xFF66CCEEu, 0xFFEE6677u, 0xFFCCBB44u, 0xFF44BB99u, 0xFFBB88DDu,
                                      0xFFFFFFFFu};
    return colors[pane % (sizeof colors / sizeof colors[0])];
}

double timeline_fraction(const Layout *layout, int x)
{
    double span = layout->plot.w > 1 ? layout->plot.w - 1 : 1;
    double fraction = (x - layout->plot.x) / span;
    return fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
}

TimelineCache *timeline_cache_create(void)
{
    return calloc(1, sizeof(TimelineCache));
}

void timeline_cache_destroy(TimelineCache *cache)
{
    if (cache != NULL) {
        free(cache->low);
        free(cache->high);
        free(cache->diverged);
        free(cache);
    }
}

/* Steps [first, end) of the samples 0..total that column x shows. */
static void column_steps(uint64_t total, int width, int x, uint64_t *first, uint64_t *end)
{
    *first = (uint64_t)x * (total + 1) / (uint64_t)width;
    *end = (uint64_t)(x + 1) * (total + 1) / (uint64_t)width;
    *end = *end > *first ? *end : *first + 1;
}

static bool cache_reset(TimelineCache *cache, const Model *model, int width)
{
    uint32_t panes = model_pane_count(model);
    if (cache->generation == model_generation(model) && cache->total == model_total(model) &&
        cache->width == width && cache->pane_count == panes && cache->low != NULL) {
        return true;
    }
    free(cache->low);
    free(cache->high);
    free(cache->diverged);
    cache->low = calloc((size_t)width * panes, sizeof *cache->low);
    cache->high = calloc((size_t)width * panes, sizeof *cache->high);
    cache->diverged = calloc((size_t)width, sizeof *cache->diverged);
    cache->generation = model_generation(model);
    cache->total = model_total(model);
    cache->width = width;
    cache->pane_count = panes;
    cache->complete = cache->filled = 0;
    return cache->low != NULL && cache->high != NULL && cache->diverged != NULL;
}

/* Fills the columns computed since the last frame. */
static bool cache_update(TimelineCache *cache, const Model *model, int width)
{
    if (width <= 0 || !cache_reset(cache, model, width)) {
        return false;
    }
    uint64_t computed = UINT64_MAX;
    for (uint32_t pane = 0; pane < cache->pane_count; pane++) {
        uint64_t steps = history_computed(model_history(model, pane));
        computed = steps < computed ? steps : computed;
    }
    int x = cache->complete;
    for (; x < width; x++) {
        uint64_t first, end;
        column_steps(cache->total, width, x, &first, &end);
        if (first > computed) {
            break;
        }
        for (uint32_t pane = 0; pane < cache->pane_count; pane++) {
            size_t at = (size_t)pane * (size_t)width + (size_t)x;
            history_range(model_history(model, pane), first, end, &cache->low[at], &cache->high[at]);
        }
        cache->diverged[x] = false;
        for (uint64_t step = first; step < end && step <= computed && cache->pane_count > 1; step++) {
            cache->diverged[x] = cache->diverged[x] || model_diverged_at(model, step);
        }
        if (end <= computed + 1) {
            cache->complete = x + 1;
        }
    }
    cache->filled = x;
    return true;
}

/* The value at the top of a series' lane: 100% for the percentages, else
 * the largest value of any pane, so the panes' lines share one axis. */
static float series_scale(const TimelineCache *cache, SeriesKind series)
{
    if (series == SERIES_EXTERNAL_FRAGMENTATION) {
        return 100.0f;
    }
    if (series == SERIES_UTILIZATION) {
        return 1.0f;
    }
    float largest = 1.0f;
    for (uint32_t pane = 0; pane < cache->pane_count; pane++) {
        for (int x = 0; x < cache->filled; x++) {
            float value = cache->high[(size_t)pane * (size_t)cache->width + (size_t)x].values[series];
            largest = value > largest ? value : largest;
        }
    }
    return largest;
}

/* A value of a series as the timeline writes it ("63.5%", "27,368 B", "17";
 * "96 units" in OSTEP's heap). */
static void format_value(char *text, size_t size, const Model *model, SeriesKind series, float value)
{
    if (series == SERIES_EXTERNAL_FRAGMENTATION) {
        snprintf(text, size, "%.1f%%", value);
    } else if (series == SERIES_UTILIZATION) {
        snprintf(text, size, "%.1f%%", value * 100.0f);
    } else if (series == SERIES_LARGEST_FREE) {
        snprintf(text, size, "%s", sentence_bytes((uint64_t)value).text);
        if (model_ostep(model) != NULL) {
            sentence_in_units(text, size);
        }
    } else {
        snprintf(text, size, "%s", sentence_count((uint64_t)(value + 0.5f)).text);
    }
}

/* The pixel row of `value` in a lane whose top means `scale`. */
static int value_y(const LayoutRect *lane, float value, float scale)
{
    float fraction = value / scale;
    fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
    return lane->y + lane->h - 1 - (int)(fraction * (float)(lane->h - 1));
}

/* One bar per column from the column's smallest to largest value, stretched
 * to touch the previous column's bar so the plot reads as a line. */
static void draw_series(Canvas *canvas, const TimelineCache *cache, const LayoutRect *lane, uint32_t pane,
                        SeriesKind series, float scale, uint32_t color)
{
    SDL_Rect *bars = malloc((size_t)(cache->filled > 0 ? cache->filled : 1) * sizeof *bars);
    if (bars == NULL) {
        return;
    }
    int previous_top = 0, previous_bottom = 0;
    for (int x = 0; x < cache->filled; x++) {
        size_t at = (size_t)pane * (size_t)cache->width + (size_t)x;
        int top = value_y(lane, cache->high[at].values[series], scale);
        int bottom = value_y(lane, cache->low[at].values[series], scale);
        if (x > 0) {
            top = top > previous_bottom ? previous_bottom : top;
            bottom = bottom < previous_top ? previous_top : bottom;
        }
        previous_top = value_y(lane, cache->high[at].values[series], scale);
        previous_bottom = value_y(lane, cache->low[at].values[series], scale);
        bars[x] = (SDL_Rect){lane->x + x, top - canvas->stroke, 1, bottom - top + 2 * canvas->stroke};
    }
    canvas_fill_many(canvas, bars, cache->filled, color);
    free(bars);
}


/* The y axis inside the lane's left edge: its top value and 0 when the
 * lane has room for two lines, its range ("0-100.0%") in one line when it
 * has room for one. */
static void lane_axis(Canvas *canvas, const Model *model, const Layout *layout, const LayoutRect *lane,
                      SeriesKind series, float scale)
{
    char top[48], range[64];
    format_value(top, sizeof top, model, series, scale);
    int x = lane->x + 2 * canvas->stroke;
    if (lane->h >= 2 * layout->line_height) {
        canvas_text(canvas, x, lane->y, top, COLOR_DIM, COLOR_BACKGROUND);
        canvas_text(canvas, x, lane->y + lane->h - layout->line_height, "0", COLOR_DIM, COLOR_BACKGROUND);
    } else if (lane->h >= layout->line_height) {
        snprintf(range, sizeof range, "0\xE2\x80\x93%s", top);
        canvas_text(canvas, x, lane->y + (lane->h - layout->line_height) / 2, range, COLOR_DIM, COLOR_BACKGROUND);
    }
}

/* `name` and `value` of a series as a label of at most `columns`
 * characters: both, else the value alone (its colour names it, as in the
 * timeline's heading), else bytes rounded to a unit ("27 KiB"), so large
 * text (--scale) shortens a label instead of cutting it. */
static void fitting_label(char *text, size_t size, const Model *model, SeriesKind series, float value,
                          const char *name, int columns)
{
    char number[48];
    format_value(number, sizeof number, model, series, value);
    snprintf(text, size, "%s %s", name, number);
    if ((int)text_length(text) > columns) {
        snprintf(text, size, "%s", number);
    }
    if ((int)text_length(text) > columns && series == SERIES_LARGEST_FREE && model_ostep(model) == NULL) {
        snprintf(text, size, "%s", sentence_size((uint64_t)value).text);
    }
}

/* Right of the plot, clear of its end: the current value of the series
 * (one pane), or the series and each pane's value in the pane's colour;
 * from the lane's top, or below the values above (`y`) when lanes are
 * lower than a line. Returns where the next values go. */
static int lane_values(Canvas *canvas, const Model *model, const Layout *layout, const LayoutRect *lane,
                       SeriesKind series, float scale, int y)
{
    int x = layout->plot.x + layout->plot.w + layout->margin;
    int columns = (layout->timeline.x + layout->timeline.w - layout->margin - x) / layout->char_width;
    y = y > lane->y ? y : lane->y;
    char value[48], text[160];
    uint32_t panes = model_pane_count(model);
    if (panes > 1) {
        format_value(value, sizeof value, model, series, scale);
        snprintf(text, sizeof text, "%s (top %s)", series_short_names[series], value);
        canvas_text(canvas, x, y, text, COLOR_TEXT, COLOR_PANEL);
        y += layout->line_height;
    }
    for (uint32_t pane = 0; pane < panes && y + layout->line_height <= layout->plot.y + layout->plot.h + layout->margin;
         pane++, y += layout->line_height) {
        HistorySample now = history_now(model_history(model, pane));
        char label[64];
        model_pane_label(model, pane, label, sizeof label);
        fitting_label(text, sizeof text, model, series, now.values[series],
                      panes > 1 ? label : series_short_names[series], columns);
        canvas_text(canvas, x, y, text, panes > 1 ? timeline_pane_color(pane) : timeline_series_color(series),
                    COLOR_PANEL);
    }
    return y;
}

/* The visible series, one lane each, every pane's line in every lane. */
static void draw_lanes(Canvas *canvas, const TimelineCache *cache, const Model *model, const Layout *layout)
{
    int visible = 0;
    for (SeriesKind series = 0; series < SERIES_COUNT; series++) {
        visible += model_plot_visible(model, series);
    }
    const LayoutRect *plot = &layout->plot;
    int lane_index = 0, values_y = plot->y;
    for (SeriesKind series = 0; series < SERIES_COUNT && visible > 0; series++) {
        if (!model_plot_visible(model, series)) {
            continue;
        }
        int top = plot->y + lane_index * plot->h / visible, bottom = plot->y + (lane_index + 1) * plot->h / visible;
        int inset = 2 * canvas->stroke;
        LayoutRect lane = {plot->x, top + inset, plot->w, bottom - top - 2 * inset};
        if (lane_index > 0) {
            canvas_fill(canvas, (LayoutRect){plot->x, top, plot->w, canvas->stroke}, COLOR_PANEL);
        }
        float scale = series_scale(cache, series);
        for (uint32_t pane = 0; pane < cache->pane_count; pane++) {
            uint32_t color = cache->pane_count > 1 ? timeline_pane_color(pane) : timeline_series_color(series);
            draw_series(canvas, cache, &lane, pane, series, scale, color);
        }
        lane_axis(canvas, model, layout, &lane, series, scale);
        canvas_clip(canvas, &layout->timeline);
        values_y = lane_values(canvas, model, layout, &lane, series, scale, values_y);
        canvas_clip(canvas, plot);
        lane_index++;
    }
}

static void draw_failures(Canvas *canvas, const TimelineCache *cache, const LayoutRect *plot)
{
    int tick = plot->h / 24 > 3 ? plot->h / 24 : 3;
    for (int x = 0; x < cache->filled && cache->pane_count > 1; x++) {
        if (cache->diverged[x]) {
            canvas_fill(canvas, (LayoutRect){plot->x + x, plot->y + plot->h - tick, 1, tick}, COLOR_DIVERGED);
        }
    }
    bool compare = cache->pane_count > 1; /* each pane's failures on a row of their own, in its colour */
    for (uint32_t pane = 0; pane < cache->pane_count; pane++) {
        int y = plot->y + (int)pane * tick;
        uint32_t color = compare ? timeline_pane_color(pane) : COLOR_FAILED;
        for (int x = 0; x < cache->filled; x++) {
            if (cache->high[(size_t)pane * (size_t)cache->width + (size_t)x].failed) {
                canvas_fill(canvas, (LayoutRect){plot->x + x, y, 1, compare ? tick - 1 : tick}, color);
            }
        }
    }
}

static int step_x(const LayoutRect *plot, uint64_t step, uint64_t total)
{
    return plot->x + (int)((double)step / (double)(total ? total : 1) * (plot->w - 1));
}

typedef enum { MARK_SWATCH, MARK_TICK } LegendMark;

enum { LEGEND_ITEM_CHARS = 3 };  /* a legend entry's mark and spaces, besides its text */

/* One legend entry: a swatch or a tick in `color`, then its text; moves *x past both. */
static void legend_item(Canvas *canvas, const Layout *layout, int *x, int y, LegendMark mark, uint32_t color,
                        const char *text, uint32_t text_color)
{
    int width = layout->char_width, height = layout->line_height, end = layout->timeline.x + layout->timeline.w;
    if (*x + (2 + (int)text_length(text)) * width > end - layout->margin) { /* left out whole, and all after it */
        *x = end;
        return;
    }
    LayoutRect shape = mark == MARK_SWATCH ? (LayoutRect){*x, y + height / 3, width, height / 3}
                                           : (LayoutRect){*x + width / 2 - canvas->stroke, y + 2 * canvas->stroke,
                                                          2 * canvas->stroke, height - 4 * canvas->stroke};
    canvas_fill(canvas, shape, color);
    *x += width + width / 2;
    *x += canvas_text(canvas, *x, y, text, text_color, COLOR_PANEL) + width;
}

typedef enum { NAMES_LONG, NAMES_SHORT, NAMES_KEYS } SeriesNames;

/* A series' legend entry: its key, and its name unless only keys fit (the
 * values right of the plots name the series in their colours). */
static void series_label(char *text, size_t size, const Model *model, SeriesKind series, SeriesNames names)
{
    const char *name = names == NAMES_LONG ? series_names[series] : series_short_names[series];
    bool on = model_plot_visible(model, series);
    if (names == NAMES_KEYS) {
        snprintf(text, size, "%s%s", series_keys[series], on ? "" : " off");
    } else {
        snprintf(text, size, "%s %s%s", series_keys[series], name, on ? "" : " (off)");
    }
}

/* The longest names with which one pane's legend fits from `x` on. */
static SeriesNames fitting_names(const Model *model, const Layout *layout, int x)
{
    SeriesNames names = NAMES_LONG;
    for (; names < NAMES_KEYS; names++) {
        char label[64];
        int chars = (int)strlen("failed") + LEGEND_ITEM_CHARS;
        for (SeriesKind series = 0; series < SERIES_COUNT; series++) {
            series_label(label, sizeof label, model, series, names);
            chars += (int)strlen(label) + LEGEND_ITEM_CHARS;
        }
        if (x + chars * layout->char_width <= layout->timeline.x + layout->timeline.w) {
            break;
        }
    }
    return names;
}

/* One pane: a swatch per series with its key, then the failure tick, with
 * the longest series names that fit. Compare mode: the one series
 * plotted, the failure and divergence ticks (the panes' names and colours
 * stand right of the plot, with their values). */
static void draw_header(Canvas *canvas, const Model *model, const Layout *layout)
{
    int x = layout->timeline.x + layout->margin, y = layout->timeline.y + layout->margin / 2;
    x += canvas_text(canvas, x, y, "TIMELINE  ", COLOR_DIM, COLOR_PANEL);
    bool compare = model_pane_count(model) > 1;
    char label[64];
    SeriesNames brief = fitting_names(model, layout, x);
    for (SeriesKind series = 0; series < SERIES_COUNT && !compare; series++) {
        bool on = model_plot_visible(model, series);
        series_label(label, sizeof label, model, series, brief);
        legend_item(canvas, layout, &x, y, MARK_SWATCH, on ? timeline_series_color(series) : COLOR_DIM, label,
                    on ? COLOR_TEXT : COLOR_DIM);
    }
    for (SeriesKind series = 0; series < SERIES_COUNT && compare; series++) {
        if (model_plot_visible(model, series)) { /* one plot at a time: e, u, b or l chooses it */
            snprintf(label, sizeof label, "%s  (e/u/b/l)  ", series_names[series]);
            x += canvas_text(canvas, x, y, label, COLOR_TEXT, COLOR_PANEL);
        }
    }
    legend_item(canvas, layout, &x, y, MARK_TICK, COLOR_FAILED, compare ? "failed (a row each)" : "failed",
                COLOR_TEXT);
    if (compare) {
        legend_item(canvas, layout, &x, y, MARK_TICK, COLOR_DIVERGED, "diverged", COLOR_TEXT);
    }
}

/* Shades the part of the run not computed yet. */
static void draw_uncomputed(Canvas *canvas, const Model *model, const LayoutRect *plot, uint64_t computed)
{
    int computed_x = step_x(plot, computed, model_total(model));
    canvas_fill(canvas, (LayoutRect){computed_x + 1, plot->y, plot->x + plot->w - computed_x - 1, plot->h},
                0xFF2C3038u);
}

/* OSTEP without -c: the plots after the current step are covered, as
 * malloc.py shows no result before it is asked for. */
static void draw_hidden_future(Canvas *canvas, const Model *model, const LayoutRect *plot)
{
    if (!model_future_hidden(model)) {
        return;
    }
    int x = step_x(plot, model_position(model), model_total(model)) + 2;
    canvas_fill(canvas, (LayoutRect){x, plot->y, plot->x + plot->w - x, plot->h}, 0xFF2C3038u);
}

/* Compactions along the bottom and the cursor at the current step. */
static void draw_markers(Canvas *canvas, const Model *model, const Layout *layout)
{
    const LayoutRect *plot = &layout->plot;
    uint64_t total = model_total(model);
    uint32_t count = 0;
    const uint64_t *compactions = history_compactions(model_history(model, 0), &count);
    int tick = plot->h / 8 > 3 ? plot->h / 8 : 3;
    for (uint32_t i = 0; i < count; i++) {
        int x = step_x(plot, compactions[i], total);
        canvas_fill(canvas, (LayoutRect){x - canvas->stroke, plot->y + plot->h - tick, 3 * canvas->stroke, tick},
                    COLOR_ACCENT);
    }
    int x = step_x(plot, model_position(model), total);
    canvas_fill(canvas, (LayoutRect){x - canvas->stroke, plot->y - layout->margin / 2, 3 * canvas->stroke,
                                     plot->h + layout->margin}, COLOR_CURSOR);
}

static void draw_footer(Canvas *canvas, const Model *model, const Layout *layout)
{
    const LayoutRect *plot = &layout->plot;
    int y = plot->y + plot->h + layout->margin / 2;
    char text[64];
    canvas_text(canvas, plot->x, y, "0", COLOR_DIM, COLOR_PANEL);
    snprintf(text, sizeof text, "%s", sentence_count(model_total(model)).text);
    int total_width = (int)text_length(text) * layout->char_width;
    canvas_text(canvas, plot->x + plot->w - total_width, y, text, COLOR_DIM, COLOR_PANEL);
    snprintf(text, sizeof text, "step %s", sentence_count(model_position(model)).text);
    int width = (int)text_length(text) * layout->char_width;
    if (width + 10 * layout->char_width > plot->w) { /* large text, a narrow plot: the number alone */
        snprintf(text, sizeof text, "%s", sentence_count(model_position(model)).text);
        width = (int)text_length(text) * layout->char_width;
    }
    int cursor_x = step_x(plot, model_position(model), model_total(model));
    int x = layout_step_label_x(plot, layout->char_width, cursor_x, width, total_width);
    canvas_text(canvas, x, y, text, COLOR_TEXT, COLOR_PANEL);
}

void timeline_draw(Canvas *canvas, TimelineCache *cache, const Model *model, const Layout *layout)
{
    const LayoutRect *plot = &layout->plot;
    canvas_fill(canvas, layout->timeline, COLOR_PANEL);
    if (plot->w <= 0 || plot->h <= 0) {
        return;
    }
    canvas_clip(canvas, &layout->timeline);
    draw_header(canvas, model, layout);
    canvas_fill(canvas, *plot, COLOR_BACKGROUND);
    if (cache_update(cache, model, plot->w)) {
        uint64_t computed = cache->filled > 0 ? UINT64_MAX : 0;
        for (uint32_t pane = 0; pane < cache->pane_count; pane++) {
            uint64_t steps = history_computed(model_history(model, pane));
            computed = steps < computed ? steps : computed;
        }
        draw_uncomputed(canvas, model, plot, computed);
        canvas_clip(canvas, plot);
        draw_lanes(canvas, cache, model, layout);
        draw_failures(canvas, cache, plot);
        draw_hidden_future(canvas, model, plot);
        canvas_clip(canvas, &layout->timeline);
        draw_markers(canvas, model, layout);
    }
    draw_footer(canvas, model, layout);
    canvas_clip(canvas, NULL);
}
