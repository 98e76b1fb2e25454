/*
 * panel.h - the text parts of a frame: the panel (step, policy, workload,
 * the last operation's sentence, counters, legend, status), the header of
 * each pane in compare mode, the tooltip and the help overlay.
 */
#ifndef HEAPVIZ_PANEL_H
#define HEAPVIZ_PANEL_H

#include "model.h"
#include "canvas.h"

void panel_draw(Canvas *canvas, const Model *model, const Layout *layout);
void panel_pane_headers(Canvas *canvas, const Model *model, const Layout *layout);
void panel_tooltip(Canvas *canvas, const Model *model, const Layout *layout);
void panel_help(Canvas *canvas, const Layout *layout);

/* The help overlay's key table, one "keys  meaning" line each, NULL-terminated. */
extern const char *const panel_help_lines[];

#endif
