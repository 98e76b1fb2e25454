/*
 * input.c - events to actions (see input.h). Keys map through one table
 * (with Shift multiplying steps by ten); the mouse is routed by the layout:
 * over a grid it hovers, zooms and pans, over the timeline it jumps.
 */
#include "input.h"

#include "history.h"
#include "timeline.h"

typedef struct {
    SDL_Keycode key;
    ActionKind kind;
    int64_t amount;
} KeyBinding;

static const KeyBinding bindings[] = {
    {SDLK_SPACE, ACTION_TOGGLE_PLAY, 0},
    {SDLK_RIGHT, ACTION_STEP, 1},
    {SDLK_PERIOD, ACTION_STEP, 1},
    {SDLK_LEFT, ACTION_STEP, -1},
    {SDLK_COMMA, ACTION_STEP, -1},
    {SDLK_PAGEDOWN, ACTION_STEP, 100},
    {SDLK_PAGEUP, ACTION_STEP, -100},
    {SDLK_HOME, ACTION_RESTART, 0},
    {SDLK_END, ACTION_JUMP_END, 0},
    {SDLK_PLUS, ACTION_SPEED, 1},
    {SDLK_EQUALS, ACTION_SPEED, 1},
    {SDLK_KP_PLUS, ACTION_SPEED, 1},
    {SDLK_MINUS, ACTION_SPEED, -1},
    {SDLK_KP_MINUS, ACTION_SPEED, -1},
    {SDLK_1, ACTION_POLICY, 0},  /* the design's policies, in its order */
    {SDLK_2, ACTION_POLICY, 1},
    {SDLK_3, ACTION_POLICY, 2},
    {SDLK_4, ACTION_POLICY, 3},
    {SDLK_5, ACTION_POLICY, 4},
    {SDLK_n, ACTION_NEW_SEED, 0},
    {SDLK_c, ACTION_COMPACT, 0},
    {SDLK_d, ACTION_TOGGLE_VIEW, 0},
    {SDLK_g, ACTION_TOGGLE_GRID_LINES, 0},
    {SDLK_e, ACTION_TOGGLE_PLOT, SERIES_EXTERNAL_FRAGMENTATION},
    {SDLK_u, ACTION_TOGGLE_PLOT, SERIES_UTILIZATION},
    {SDLK_b, ACTION_TOGGLE_PLOT, SERIES_FREE_BLOCKS},
    {SDLK_l, ACTION_TOGGLE_PLOT, SERIES_LARGEST_FREE},
    {SDLK_m, ACTION_TOGGLE_COMPARE, 0},
    {SDLK_x, ACTION_TOGGLE_SEARCH_STEPS, 0},
    {SDLK_f, ACTION_TOGGLE_STRUCTURE, 0},
    {SDLK_p, ACTION_TOGGLE_QUIZ, 0},
    {SDLK_o, ACTION_QUIZ_FAILS, 0},
    {SDLK_0, ACTION_RESET_ZOOM, 0},
    {SDLK_LEFTBRACKET, ACTION_SCALE, -1},
    {SDLK_RIGHTBRACKET, ACTION_SCALE, 1},
    {SDLK_h, ACTION_TOGGLE_HELP, 0},
    {SDLK_F1, ACTION_TOGGLE_HELP, 0},
    {SDLK_q, ACTION_QUIT, 0},
    {SDLK_ESCAPE, ACTION_QUIT, 0},
};

InputState input_start(void)
{
    return (InputState){.drag = DRAG_NONE, .drag_pane = -1, .scale = 1.0f};
}

/* While the quiz asks which coalescing case a free meets, keys 1-4 answer. */
static bool translate_quiz_case(const SDL_KeyboardEvent *key, const Model *model, Action *action)
{
    const Quiz *quiz = model_quiz(model);
    SDL_Keycode code = key->keysym.sym;
    if (!quiz_waiting(quiz) || quiz->round.question != QUIZ_ASK_COALESCE || code < SDLK_1 || code > SDLK_4) {
        return false;
    }
    *action = (Action){.kind = ACTION_QUIZ_CASE, .amount = code - SDLK_1};
    return true;
}

static int translate_key(const SDL_KeyboardEvent *key, const Model *model, Action *action)
{
    if (translate_quiz_case(key, model, action)) {
        return 1;
    }
    for (size_t i = 0; i < sizeof bindings / sizeof bindings[0]; i++) {
        if (bindings[i].key != key->keysym.sym) {
            continue;
        }
        *action = (Action){.kind = bindings[i].kind, .amount = bindings[i].amount};
        bool arrow = key->keysym.sym == SDLK_LEFT || key->keysym.sym == SDLK_RIGHT ||
                     key->keysym.sym == SDLK_COMMA || key->keysym.sym == SDLK_PERIOD;
        if (arrow && (key->keysym.mod & KMOD_SHIFT)) {
            action->amount *= 10;
        }
        if (key->keysym.sym == SDLK_ESCAPE && model_help_visible(model)) {
            action->kind = ACTION_TOGGLE_HELP;
        }
        return 1;
    }
    return 0;
}

/* The pane whose grid is under (x, y), with the position as fractions of its cells' area. */
static int pane_at(const Model *model, const Layout *layout, int x, int y, double *u, double *v)
{
    for (uint32_t pane = 0; pane < model_pane_count(model) && pane < layout->pane_count; pane++) {
        LayoutRect dest = layout_grid_dest(&layout->pane_grids[pane], model_geometry(model));
        if (dest.w > 0 && dest.h > 0 && layout_contains(&dest, x, y)) {
            *u = (double)(x - dest.x) / dest.w;
            *v = (double)(y - dest.y) / dest.h;
            return (int)pane;
        }
    }
    return -1;
}

static int translate_motion(InputState *state, int x, int y, const Model *model, const Layout *layout,
                            Action *actions)
{
    int count = 0;
    if (state->drag == DRAG_TIMELINE) {
        actions[count++] = (Action){.kind = ACTION_JUMP_FRACTION, .x = timeline_fraction(layout, x)};
    } else if (state->drag == DRAG_GRID && state->drag_pane >= 0) {
        LayoutRect dest = layout_grid_dest(&layout->pane_grids[state->drag_pane], model_geometry(model));
        if (dest.w > 0 && dest.h > 0) {
            actions[count++] = (Action){.kind = ACTION_PAN, .x = (double)(x - state->last_x) / dest.w,
                                        .y = (double)(y - state->last_y) / dest.h};
        }
    }
    double u = 0, v = 0;
    int pane = pane_at(model, layout, x, y, &u, &v);
    actions[count++] = (Action){.kind = ACTION_HOVER, .amount = pane, .x = u, .y = v, .pointer_x = x,
                                .pointer_y = y};
    state->last_x = x;
    state->last_y = y;
    return count;
}

static int translate_button(InputState *state, const SDL_MouseButtonEvent *button, const Model *model,
                            const Layout *layout, Action *actions)
{
    int x = (int)(button->x * state->scale), y = (int)(button->y * state->scale);
    if (button->button != SDL_BUTTON_LEFT) {
        return 0;
    }
    if (button->type == SDL_MOUSEBUTTONUP) {
        state->drag = DRAG_NONE;
        return 0;
    }
    double u, v;
    state->last_x = x;
    state->last_y = y;
    state->drag_pane = pane_at(model, layout, x, y, &u, &v);
    const Quiz *quiz = model_quiz(model);
    if (state->drag_pane == 0 && quiz_waiting(quiz) && quiz->round.question == QUIZ_ASK_WHERE) {
        actions[0] = (Action){.kind = ACTION_QUIZ_WHERE, .x = u, .y = v}; /* the answer, not a pan */
        return 1;
    }
    if (state->drag_pane >= 0) {
        state->drag = DRAG_GRID;
        return 0;
    }
    if (layout_contains(&layout->timeline, x, y)) {
        state->drag = DRAG_TIMELINE;
        actions[0] = (Action){.kind = ACTION_JUMP_FRACTION, .x = timeline_fraction(layout, x)};
        return 1;
    }
    return 0;
}

static int translate_wheel(const InputState *state, const SDL_MouseWheelEvent *wheel, const Model *model,
                           const Layout *layout, Action *actions)
{
    double u, v;
    int y = wheel->direction == SDL_MOUSEWHEEL_FLIPPED ? -wheel->y : wheel->y;
    if (y == 0 || pane_at(model, layout, state->last_x, state->last_y, &u, &v) < 0) {
        return 0;
    }
    actions[0] = (Action){.kind = ACTION_ZOOM, .amount = y, .x = u, .y = v};
    return 1;
}

WindowCommand input_window_command(const SDL_Event *event)
{
    if (event->type == SDL_KEYDOWN && event->key.keysym.sym == SDLK_s) {
        return WINDOW_SCREENSHOT;
    }
    if (event->type == SDL_KEYDOWN && event->key.keysym.sym == SDLK_r && event->key.repeat == 0) {
        return WINDOW_RECORD;
    }
    if (event->type == SDL_RENDER_DEVICE_RESET) {
        return WINDOW_RENDER_RESET;
    }
    if (event->type != SDL_WINDOWEVENT) {
        return WINDOW_NOTHING;
    }
    switch (event->window.event) {
    case SDL_WINDOWEVENT_MINIMIZED:
    case SDL_WINDOWEVENT_HIDDEN:
        return WINDOW_HIDDEN;
    case SDL_WINDOWEVENT_RESTORED:
    case SDL_WINDOWEVENT_SHOWN:
    case SDL_WINDOWEVENT_EXPOSED:
    case SDL_WINDOWEVENT_MAXIMIZED:
        return WINDOW_SHOWN;
    default:
        return WINDOW_NOTHING;
    }
}

int input_translate(InputState *state, const SDL_Event *event, const Model *model, const Layout *layout,
                    Action actions[INPUT_MAX_ACTIONS])
{
    switch (event->type) {
    case SDL_QUIT:
        actions[0] = (Action){.kind = ACTION_QUIT};
        return 1;
    case SDL_KEYDOWN:
        return translate_key(&event->key, model, &actions[0]);
    case SDL_MOUSEMOTION:
        return translate_motion(state, (int)(event->motion.x * state->scale), (int)(event->motion.y * state->scale),
                                model, layout, actions);
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        return translate_button(state, &event->button, model, layout, actions);
    case SDL_MOUSEWHEEL:
        return translate_wheel(state, &event->wheel, model, layout, actions);
    case SDL_WINDOWEVENT:
        if (event->window.event == SDL_WINDOWEVENT_LEAVE) {
            actions[0] = (Action){.kind = ACTION_HOVER, .amount = -1};
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}
