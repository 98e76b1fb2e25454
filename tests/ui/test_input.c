/*
 * test_input.c - events to actions: every key of the help table, Shift
 * multiplying steps by ten, Esc closing the help before it quits, and the
 * mouse routed by the layout (hover and zoom over a grid, drag to pan,
 * click and drag on the timeline to jump). Events are built by hand; no
 * window is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "input.h"
#include "ui_test_support.h"
#include "timeline.h"

typedef struct {
    Model *model;
    Layout layout;
    InputState input;
} Fixture;

static int setup(void **state)
{
    static Fixture fixture;
    ModelConfig config = {.workload = support_simulation(0, 100), .page_bytes = 4, .history_bytes = 16u << 20};
    config.heap = support_tags_setup(&config.workload, HEAP_FIRST_FIT);
    if (model_create(&config, &fixture.model) != HEAP_OK) {
        return -1;
    }
    fixture.layout = layout_compute(1280, 800, 1, 17, 9);
    model_set_grid_area(fixture.model, (uint32_t)fixture.layout.pane_grids[0].w,
                        (uint32_t)fixture.layout.pane_grids[0].h);
    fixture.input = input_start();
    *state = &fixture;
    return 0;
}

static int teardown(void **state)
{
    Fixture *fixture = *state;
    model_destroy(fixture->model);
    return 0;
}

static int key(Fixture *fixture, SDL_Keycode code, Uint16 modifiers, Action *actions)
{
    SDL_Event event = support_key_event(code, modifiers);
    return input_translate(&fixture->input, &event, fixture->model, &fixture->layout, actions);
}

static void assert_key(Fixture *fixture, SDL_Keycode code, Uint16 modifiers, ActionKind kind, int64_t amount)
{
    Action actions[INPUT_MAX_ACTIONS];
    assert_int_equal(key(fixture, code, modifiers, actions), 1);
    assert_int_equal(actions[0].kind, kind);
    assert_int_equal(actions[0].amount, amount);
}

static void test_every_key(void **state)
{
    Fixture *fixture = *state;
    assert_key(fixture, SDLK_SPACE, 0, ACTION_TOGGLE_PLAY, 0);
    assert_key(fixture, SDLK_RIGHT, 0, ACTION_STEP, 1);
    assert_key(fixture, SDLK_PERIOD, 0, ACTION_STEP, 1);
    assert_key(fixture, SDLK_LEFT, 0, ACTION_STEP, -1);
    assert_key(fixture, SDLK_COMMA, 0, ACTION_STEP, -1);
    assert_key(fixture, SDLK_PAGEDOWN, 0, ACTION_STEP, 100);
    assert_key(fixture, SDLK_PAGEUP, 0, ACTION_STEP, -100);
    assert_key(fixture, SDLK_HOME, 0, ACTION_RESTART, 0);
    assert_key(fixture, SDLK_END, 0, ACTION_JUMP_END, 0);
    assert_key(fixture, SDLK_PLUS, 0, ACTION_SPEED, 1);
    assert_key(fixture, SDLK_EQUALS, 0, ACTION_SPEED, 1);
    assert_key(fixture, SDLK_KP_PLUS, 0, ACTION_SPEED, 1);
    assert_key(fixture, SDLK_MINUS, 0, ACTION_SPEED, -1);
    assert_key(fixture, SDLK_KP_MINUS, 0, ACTION_SPEED, -1);
    assert_key(fixture, SDLK_1, 0, ACTION_POLICY, HEAP_FIRST_FIT);
    assert_key(fixture, SDLK_2, 0, ACTION_POLICY, HEAP_NEXT_FIT);
    assert_key(fixture, SDLK_3, 0, ACTION_POLICY, HEAP_BEST_FIT);
    assert_key(fixture, SDLK_4, 0, ACTION_POLICY, HEAP_WORST_FIT);
    assert_key(fixture, SDLK_5, 0, ACTION_POLICY, HEAP_BUMP);
    assert_key(fixture, SDLK_n, 0, ACTION_NEW_SEED, 0);
    assert_key(fixture, SDLK_c, 0, ACTION_COMPACT, 0);
    assert_key(fixture, SDLK_d, 0, ACTION_TOGGLE_VIEW, 0);
    assert_key(fixture, SDLK_g, 0, ACTION_TOGGLE_GRID_LINES, 0);
    assert_key(fixture, SDLK_e, 0, ACTION_TOGGLE_PLOT, SERIES_EXTERNAL_FRAGMENTATION);
    assert_key(fixture, SDLK_u, 0, ACTION_TOGGLE_PLOT, SERIES_UTILIZATION);
    assert_key(fixture, SDLK_b, 0, ACTION_TOGGLE_PLOT, SERIES_FREE_BLOCKS);
    assert_key(fixture, SDLK_l, 0, ACTION_TOGGLE_PLOT, SERIES_LARGEST_FREE);
    assert_key(fixture, SDLK_m, 0, ACTION_TOGGLE_COMPARE, 0);
    assert_key(fixture, SDLK_0, 0, ACTION_RESET_ZOOM, 0);
    assert_key(fixture, SDLK_LEFTBRACKET, 0, ACTION_SCALE, -1);
    assert_key(fixture, SDLK_RIGHTBRACKET, 0, ACTION_SCALE, 1);
    assert_key(fixture, SDLK_h, 0, ACTION_TOGGLE_HELP, 0);
    assert_key(fixture, SDLK_F1, 0, ACTION_TOGGLE_HELP, 0);
    assert_key(fixture, SDLK_q, 0, ACTION_QUIT, 0);
    assert_key(fixture, SDLK_ESCAPE, 0, ACTION_QUIT, 0);
    Action actions[INPUT_MAX_ACTIONS];
    assert_int_equal(key(fixture, SDLK_z, 0, actions), 0);
}

/* s, r, and what happens to the window, are the window's own business:
 * the model hears nothing of them. A held r repeats nothing (each repeat
 * would start or stop the recording again). */
static void test_window_commands(void **state)
{
    Fixture *fixture = *state;
    Action actions[INPUT_MAX_ACTIONS];
    SDL_Event s = support_key_event(SDLK_s, 0);
    assert_int_equal(input_window_command(&s), WINDOW_SCREENSHOT);
    assert_int_equal(input_translate(&fixture->input, &s, fixture->model, &fixture->layout, actions), 0);
    SDL_Event r = support_key_event(SDLK_r, 0);
    assert_int_equal(input_window_command(&r), WINDOW_RECORD);
    assert_int_equal(input_translate(&fixture->input, &r, fixture->model, &fixture->layout, actions), 0);
    r.key.repeat = 1;
    assert_int_equal(input_window_command(&r), WINDOW_NOTHING);
    SDL_Event other = support_key_event(SDLK_d, 0);
    assert_int_equal(input_window_command(&other), WINDOW_NOTHING);
    SDL_Event window = {.type = SDL_WINDOWEVENT};
    window.window.event = SDL_WINDOWEVENT_MINIMIZED;
    assert_int_equal(input_window_command(&window), WINDOW_HIDDEN);
    window.window.event = SDL_WINDOWEVENT_RESTORED;
    assert_int_equal(input_window_command(&window), WINDOW_SHOWN);
    SDL_Event reset = {.type = SDL_RENDER_DEVICE_RESET};
    assert_int_equal(input_window_command(&reset), WINDOW_RENDER_RESET);
}

static void test_shift_steps_ten(void **state)
{
    Fixture *fixture = *state;
    assert_key(fixture, SDLK_RIGHT, KMOD_LSHIFT, ACTION_STEP, 10);
    assert_key(fixture, SDLK_LEFT, KMOD_RSHIFT, ACTION_STEP, -10);
    assert_key(fixture, SDLK_PAGEDOWN, KMOD_LSHIFT, ACTION_STEP, 100);
}

static void test_escape_closes_help_first(void **state)
{
    Fixture *fixture = *state;
    Action help = {.kind = ACTION_TOGGLE_HELP};
    model_apply(fixture->model, &help, 0);
    assert_key(fixture, SDLK_ESCAPE, 0, ACTION_TOGGLE_HELP, 0);
    model_apply(fixture->model, &help, 0);
    assert_key(fixture, SDLK_ESCAPE, 0, ACTION_QUIT, 0);
}

static int mouse(Fixture *fixture, Uint32 type, int x, int y, Action *actions)
{
    SDL_Event event = support_mouse_event(type, x, y);
    return input_translate(&fixture->input, &event, fixture->model, &fixture->layout, actions);
}

static void test_pointer_over_the_grid_hovers_and_zooms(void **state)
{
    Fixture *fixture = *state;
    LayoutRect dest = layout_grid_dest(&fixture->layout.pane_grids[0], model_geometry(fixture->model));
    Action actions[INPUT_MAX_ACTIONS];
    int x = dest.x + dest.w / 4, y = dest.y + dest.h / 2;
    assert_int_equal(mouse(fixture, SDL_MOUSEMOTION, x, y, actions), 1);
    assert_int_equal(actions[0].kind, ACTION_HOVER);
    assert_int_equal(actions[0].amount, 0);
    assert_true(actions[0].x > 0.24 && actions[0].x < 0.26);
    assert_int_equal(actions[0].pointer_x, x); /* the tooltip opens at the pointer */
    assert_int_equal(actions[0].pointer_y, y);
    SDL_Event wheel = support_mouse_event(SDL_MOUSEWHEEL, 0, 0);
    wheel.wheel.y = 2;
    assert_int_equal(input_translate(&fixture->input, &wheel, fixture->model, &fixture->layout, actions), 1);
    assert_int_equal(actions[0].kind, ACTION_ZOOM);
    assert_int_equal(actions[0].amount, 2);
    assert_true(actions[0].y > 0.49 && actions[0].y < 0.51);
    assert_int_equal(mouse(fixture, SDL_MOUSEMOTION, 1, 1, actions), 1);
    assert_int_equal(actions[0].amount, -1); /* off the grid: no hover */
    assert_int_equal(input_translate(&fixture->input, &wheel, fixture->model, &fixture->layout, actions), 0);
}

static void test_drag_on_the_grid_pans(void **state)
{
    Fixture *fixture = *state;
    LayoutRect dest = layout_grid_dest(&fixture->layout.pane_grids[0], model_geometry(fixture->model));
    Action actions[INPUT_MAX_ACTIONS];
    int x = dest.x + dest.w / 2, y = dest.y + dest.h / 2;
    assert_int_equal(mouse(fixture, SDL_MOUSEBUTTONDOWN, x, y, actions), 0);
    assert_int_equal(mouse(fixture, SDL_MOUSEMOTION, x + dest.w / 10, y, actions), 2);
    assert_int_equal(actions[0].kind, ACTION_PAN);
    assert_true(actions[0].x > 0.09 && actions[0].x < 0.11);
    assert_true(actions[0].y == 0);
    assert_int_equal(mouse(fixture, SDL_MOUSEBUTTONUP, x, y, actions), 0);
    assert_int_equal(mouse(fixture, SDL_MOUSEMOTION, x, y, actions), 1);
    assert_int_equal(actions[0].kind, ACTION_HOVER);
}

static void test_timeline_click_and_drag_jump(void **state)
{
    Fixture *fixture = *state;
    const LayoutRect *plot = &fixture->layout.plot;
    Action actions[INPUT_MAX_ACTIONS];
    int y = plot->y + plot->h / 2;
    assert_int_equal(mouse(fixture, SDL_MOUSEBUTTONDOWN, plot->x + (plot->w - 1) / 2, y, actions), 1);
    assert_int_equal(actions[0].kind, ACTION_JUMP_FRACTION);
    assert_true(actions[0].x > 0.49 && actions[0].x < 0.51);
    assert_int_equal(mouse(fixture, SDL_MOUSEMOTION, plot->x + plot->w + 50, y, actions), 2);
    assert_int_equal(actions[0].kind, ACTION_JUMP_FRACTION);
    assert_true(actions[0].x == 1.0);
    assert_int_equal(mouse(fixture, SDL_MOUSEBUTTONUP, plot->x, y, actions), 0);
    assert_int_equal(mouse(fixture, SDL_MOUSEMOTION, plot->x, y, actions), 1);
    assert_int_equal(actions[0].kind, ACTION_HOVER);
}

static void test_quit_and_leaving_the_window(void **state)
{
    Fixture *fixture = *state;
    Action actions[INPUT_MAX_ACTIONS];
    SDL_Event quit = {.type = SDL_QUIT};
    assert_int_equal(input_translate(&fixture->input, &quit, fixture->model, &fixture->layout, actions), 1);
    assert_int_equal(actions[0].kind, ACTION_QUIT);
    SDL_Event leave = {.type = SDL_WINDOWEVENT};
    leave.window.event = SDL_WINDOWEVENT_LEAVE;
    assert_int_equal(input_translate(&fixture->input, &leave, fixture->model, &fixture->layout, actions), 1);
    assert_int_equal(actions[0].kind, ACTION_HOVER);
    assert_int_equal(actions[0].amount, -1);
}

static void test_high_dpi_pointer_is_scaled(void **state)
{
    Fixture *fixture = *state;
    fixture->input.scale = 2.0f;
    const LayoutRect *plot = &fixture->layout.plot;
    Action actions[INPUT_MAX_ACTIONS];
    int y = plot->y + plot->h / 2;
    assert_int_equal(mouse(fixture, SDL_MOUSEBUTTONDOWN, (plot->x + plot->w / 2) / 2, y / 2, actions), 1);
    assert_true(actions[0].x > 0.48 && actions[0].x < 0.52);
    mouse(fixture, SDL_MOUSEBUTTONUP, 0, 0, actions);
    fixture->input.scale = 1.0f;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_window_commands),
        cmocka_unit_test(test_shift_steps_ten),
        cmocka_unit_test(test_escape_closes_help_first),
        cmocka_unit_test(test_pointer_over_the_grid_hovers_and_zooms),
        cmocka_unit_test(test_drag_on_the_grid_pans),
        cmocka_unit_test(test_timeline_click_and_drag_jump),
        cmocka_unit_test(test_quit_and_leaving_the_window),
        cmocka_unit_test(test_high_dpi_pointer_is_scaled),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
