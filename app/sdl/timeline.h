/*
 * timeline.h - the timeline along the bottom: where the current step is
 * in the run, how far the run has been computed, the injected compactions,
 * and plots of external fragmentation, utilization, free-block count and
 * largest free block (each switchable), with failed requests marked. Each
 * pixel column shows the smallest to largest value over its steps, read
 * from the history's per-range summaries and cached until the run changes
 * (model_generation), the width changes or more steps are computed.
 */
#ifndef HEAPVIZ_TIMELINE_H
#define HEAPVIZ_TIMELINE_H

#include "model.h"
#include "canvas.h"

/* Per-column minima and maxima of the plots, kept between frames and
 * extended as the run is computed further. */
typedef struct TimelineCache TimelineCache;

TimelineCache *timeline_cache_create(void);
void timeline_cache_destroy(TimelineCache *cache);

void timeline_draw(Canvas *canvas, TimelineCache *cache, const Model *model, const Layout *layout);

/* The colour of a series' plot. */
uint32_t timeline_series_color(SeriesKind series);

/* The colour of a pane's lines in compare mode. */
uint32_t timeline_pane_color(uint32_t pane);

/* The step under x in the plot (clamped to the run). */
double timeline_fraction(const Layout *layout, int x);

#endif
