/*
 * overlay.h - what the window draws over a pane's grid to show *why*: the
 * search of the last step, probe by probe, with its counter; the free list
 * in list order (numbered badges joined by a thin path) and the markers
 * (next fit's rover, bump's heap pointer, the break) when the structure is
 * on (key f); the quiz's question, or its verdict with the block the step
 * really placed. Reads the model; changes nothing.
 */
#ifndef HEAPVIZ_OVERLAY_H
#define HEAPVIZ_OVERLAY_H

#include "canvas.h"
#include "grid_view.h"
#include "model.h"

/* Overlay colours (Okabe-Ito, like the grid's palette). */
#define OVERLAY_COLOR_PROBE   0xFFE69F00u   /* the block the search is examining */
#define OVERLAY_COLOR_VISITED 0x90E69F00u   /* blocks it examined before */
#define OVERLAY_COLOR_LIST    0xFF0072B2u   /* the free list's path and badges */
#define OVERLAY_COLOR_MARKER  0xFFF0E442u   /* rover, heap pointer, break */
#define OVERLAY_COLOR_QUIZ    0xFF56B4E9u   /* a question */
#define OVERLAY_COLOR_RIGHT   0xFF009E73u   /* a right answer, and the block it named */
#define OVERLAY_COLOR_WRONG   0xFFD55E00u   /* a wrong one, and where the block really went */

#define OVERLAY_COLOR_CAPTION 0xFFF2F2EEu   /* a lesson's caption, dark text on light */

/* Draws pane `pane`'s overlays inside the grid's clip. */
void overlay_draw_pane(Canvas *canvas, const Model *model, const GridView *view, uint32_t pane, uint64_t now_ms);

/* Draws the lesson's caption for the current step along the bottom of the
 * panes, in large-print contrast: dark on light, a question on blue. */
void overlay_draw_caption(Canvas *canvas, const Model *model, const Layout *layout);

#endif
