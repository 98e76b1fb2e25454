/*
 * render.h - draws the model: the grids (one streaming texture per pane,
 * updated only in the rows a step changed), the panel, the timeline with its
 * plots, the legend, the tooltip and the help overlay. Rendering reads the
 * model and changes nothing in it; what changed since the last frame comes
 * in as a DirtyRange per pane.
 */
#ifndef HEAPVIZ_RENDER_H
#define HEAPVIZ_RENDER_H

#include "model.h"
#include "layout.h"
#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct Render Render;

/* Prepares drawing on `renderer` with the font at `font_path`, text
 * `pixel_size` pixels high and thin lines `stroke` pixels wide (both grow
 * with --scale). On failure returns false with one sentence. */
bool render_create(SDL_Renderer *renderer, const char *font_path, int pixel_size, int stroke,
                   Render **out, char *message, size_t message_size);
void render_destroy(Render *render);

/* The layout of a width x height output for this font and the model's
 * panes (with room for row addresses when there is one pane). */
Layout render_layout(const Render *render, int width, int height, const Model *model);

/* Brings pane textures up to date with `dirty` (pane_count entries). */
bool render_update(Render *render, const Model *model, const DirtyRange *dirty);

/* Draws one whole frame (not presented). */
void render_frame(Render *render, const Model *model, const Layout *layout,
                  uint64_t now_ms);

/* Draws the red "REC" mark in the top right corner, over the panel. The
 * window draws it while recording, after reading the frame it records, so
 * the mark is never in the recording. */
void render_recording_mark(Render *render, const Layout *layout);

/* The first SDL error met while drawing since the last call, or NULL. */
const char *render_take_error(Render *render);

#endif
