/*
 * layout.h - where everything goes in the window, in output pixels:
 * the panes (each a grid with row addresses on its left, and in compare
 * mode a header above: the pane's name and figures; four panes and more
 * go in two rows), the panel on the right, and the timeline with its plots
 * along the bottom. Pure
 * arithmetic from the window size and the text metrics; every rectangle has
 * a non-negative size, so a 1 x 1 window is laid out too. Input and render
 * both read the same Layout, so a click lands where things are drawn.
 */
#ifndef HEAPVIZ_LAYOUT_H
#define HEAPVIZ_LAYOUT_H

#include "grid.h"
#include <stdbool.h>
#include <stdint.h>

enum {
    LAYOUT_MAX_PANES = 6,
    LAYOUT_VALUE_CHARS = 26,     /* right of the plots: the current values ("largest free 20,926,320 B") */
    LAYOUT_PLOT_LINES = 4,       /* one pane's plots, a value line each */
    LAYOUT_PANEL_LINES = 32,     /* a single pane's panel with fewer lines above the timeline runs beside it */
    LAYOUT_NARROW_PANEL_CHARS = 36, /* a panel beside the timeline narrower than this takes half the width */
    LAYOUT_FIGURES_CHARS = 25    /* a compare pane's figures on one line ("util 100% · ext frag 100%");
                                    a narrower pane's header gives them a line each */
};

typedef struct {
    int x, y, w, h;
} LayoutRect;

typedef struct {
    int width, height;           /* the whole output */
    int line_height, char_width; /* of the text font */
    int margin;
    uint32_t pane_count;
    LayoutRect pane_area;        /* all the panes together */
    LayoutRect panes[LAYOUT_MAX_PANES];      /* a pane: header (compare mode) and grid */
    LayoutRect pane_grids[LAYOUT_MAX_PANES]; /* the grid area inside each pane */
    LayoutRect panel;            /* text on the right */
    LayoutRect timeline;         /* the whole strip along the bottom */
    LayoutRect plot;             /* where steps map to x inside the timeline (values to its right) */
    int address_width;           /* pixels left of each pane's grid for row addresses */
} Layout;

/* Lays out a width x height output for `pane_count` panes. */
Layout layout_compute(int width, int height, uint32_t pane_count, int line_height, int char_width);

/* Characters a row address below `end_byte` needs ("0x7fe0" and a space). */
int layout_address_chars(uint64_t end_byte);

/* Moves every pane's grid right to leave `chars` characters for row
 * addresses (at most half the pane). */
void layout_reserve_addresses(Layout *layout, int chars);

/* The rectangle the grid's cells occupy inside a pane's grid area (centred). */
LayoutRect layout_grid_dest(const LayoutRect *grid_area, const GridGeometry *geometry);

/* Where the step's label under the timeline starts: `width` pixels centred
 * on the cursor at `cursor_x`, kept two characters clear of the "0" at the
 * plot's left and of the total's label (`total_width` pixels) at its right;
 * over the "0" rather than cut where the plot is too narrow for both. */
int layout_step_label_x(const LayoutRect *plot, int char_width, int cursor_x, int width, int total_width);

/* Whether (x, y) lies inside `rect`. */
bool layout_contains(const LayoutRect *rect, int x, int y);

#endif
