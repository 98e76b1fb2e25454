/*
 * input.h - the only place that sees SDL_Event: turns keys, the mouse wheel,
 * clicks, drags and pointer motion into model Actions, using the same Layout
 * the renderer draws with, and tells the window what concerns only it (a
 * screenshot, a recording, being hidden or shown, a renderer that lost its textures). Pointer positions arrive in window points and
 * are scaled to output pixels (high-DPI displays have more pixels than points).
 */
#ifndef HEAPVIZ_INPUT_H
#define HEAPVIZ_INPUT_H

#include "model.h"
#include "layout.h"
#include <SDL.h>

enum { INPUT_MAX_ACTIONS = 4 };

typedef enum { DRAG_NONE, DRAG_GRID, DRAG_TIMELINE } DragKind;

/* What input remembers between events. */
typedef struct {
    DragKind drag;
    int drag_pane;
    int last_x, last_y;          /* last pointer position, output pixels */
    float scale;                 /* output pixels per window point */
} InputState;

/* What an event asks of the window itself, not of the model. */
typedef enum {
    WINDOW_NOTHING,
    WINDOW_SCREENSHOT,           /* s: write the frame to a PNG */
    WINDOW_RECORD,               /* r: start recording a GIF, or stop and save it */
    WINDOW_HIDDEN,               /* minimized or hidden: draw nothing */
    WINDOW_SHOWN,                /* restored, shown, exposed or maximized */
    WINDOW_RENDER_RESET          /* the renderer's textures are gone */
} WindowCommand;

InputState input_start(void);

/* The window's own part of an event (most events have none). */
WindowCommand input_window_command(const SDL_Event *event);

/* Translates one event into up to INPUT_MAX_ACTIONS actions; returns how many. */
int input_translate(InputState *state, const SDL_Event *event, const Model *model, const Layout *layout,
                    Action actions[INPUT_MAX_ACTIONS]);

#endif
