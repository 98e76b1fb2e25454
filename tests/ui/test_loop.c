/*
 * test_loop.c - the real event loop of window_run under the offscreen
 * driver, driven by events pushed from a second thread the way a user would
 * press keys: play and pause, steps both ways, views, compare mode, policy,
 * compaction, help, speed, a new seed, the mouse, minimise, a 1x1 size
 * change and restore, a screenshot with `s`, then `q`. Checks that the loop quits with status 0, that `s` wrote its
 * PNG, and that a paused window uses (almost) no CPU.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, clock_gettime */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "options.h"
#include "ui_test_support.h"
#include "window.h"
#include <SDL.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    double idle_cpu_ms;          /* CPU per second while paused: the quietest of a few windows */
} Script;

static void push(SDL_Event event)
{
    SDL_PushEvent(&event);
    SDL_Delay(40);
}

static void push_key(SDL_Keycode code, Uint16 modifiers)
{
    push(support_key_event(code, modifiers));
}

static void push_mouse(Uint32 type, int x, int y)
{
    push(support_mouse_event(type, x, y));
}

/* A window event as the window manager sends it (thread-safe to push). */
static void push_window_event(Uint8 what, int width, int height)
{
    SDL_Event event = {.window = {.type = SDL_WINDOWEVENT, .event = what, .data1 = width,
                                  .data2 = height}};
    SDL_Window *window = SDL_GetKeyboardFocus();
    event.window.windowID = window ? SDL_GetWindowID(window) : 1;
    push(event);
}

static double cpu_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

/* Whether a screenshot (heapviz-...-step-N.png) is in the current directory. */
static bool screenshot_present(void)
{
    DIR *listing = opendir(".");
    bool found = false;
    for (struct dirent *entry; listing && !found && (entry = readdir(listing)) != NULL;) {
        found = strncmp(entry->d_name, "heapviz-", 8) == 0 && strstr(entry->d_name, "-step-") != NULL;
    }
    if (listing) {
        closedir(listing);
    }
    return found;
}

static int user(void *data)
{
    Script *script = data;
    while (!SDL_WasInit(SDL_INIT_VIDEO)) {
        SDL_Delay(10);
    }
    SDL_Delay(700); /* the window is up and the whole run computed */
    /* The quietest of five 400 ms windows, so a busy neighbour on a shared
     * machine cannot make a waiting loop look like a spinning one. */
    script->idle_cpu_ms = 1e9;
    for (int window = 0; window < 5; window++) {
        double before = cpu_ms();
        SDL_Delay(400);
        double per_second = (cpu_ms() - before) * 1000.0 / 400.0;
        if (per_second < script->idle_cpu_ms)
            script->idle_cpu_ms = per_second;
    }
    push_key(SDLK_SPACE, 0);
    SDL_Delay(300);
    push_key(SDLK_SPACE, 0);
    static const SDL_Keycode keys[] = {SDLK_RIGHT, SDLK_PERIOD, SDLK_LEFT, SDLK_COMMA, SDLK_PAGEDOWN, SDLK_PAGEUP,
                                       SDLK_END, SDLK_HOME, SDLK_d, SDLK_g, SDLK_e, SDLK_u, SDLK_b, SDLK_l,
                                       SDLK_PLUS, SDLK_MINUS, SDLK_3, SDLK_m, SDLK_2, SDLK_m, SDLK_c, SDLK_h,
                                       SDLK_F1, SDLK_h, SDLK_ESCAPE, SDLK_n, SDLK_0, SDLK_d};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        push_key(keys[i], 0);
    }
    push_key(SDLK_RIGHT, KMOD_LSHIFT);
    push_key(SDLK_LEFT, KMOD_LSHIFT);
    push_mouse(SDL_MOUSEMOTION, 200, 200);
    push_mouse(SDL_MOUSEWHEEL, 200, 200);
    push_mouse(SDL_MOUSEBUTTONDOWN, 200, 200);
    push_mouse(SDL_MOUSEMOTION, 150, 220);
    push_mouse(SDL_MOUSEBUTTONUP, 150, 220);
    push_mouse(SDL_MOUSEBUTTONDOWN, 640, 720);
    push_mouse(SDL_MOUSEMOTION, 900, 720);
    push_mouse(SDL_MOUSEBUTTONUP, 900, 720);
    /* Minimised, shrunk to a single pixel and restored, the loop goes on. */
    push_window_event(SDL_WINDOWEVENT_MINIMIZED, 0, 0);
    push_key(SDLK_RIGHT, 0);
    push_window_event(SDL_WINDOWEVENT_SIZE_CHANGED, 1, 1);
    push_window_event(SDL_WINDOWEVENT_RESTORED, 0, 0);
    push_window_event(SDL_WINDOWEVENT_SIZE_CHANGED, 1280, 800);
    push_key(SDLK_RIGHT, 0);
    push_key(SDLK_s, 0);
    /* q only once the screenshot is there: a loaded machine (or a sanitizer
     * build) may take a while over the keys before it. */
    for (int wait = 0; wait < 100 && !screenshot_present(); wait++) {
        SDL_Delay(100);
    }
    push_key(SDLK_q, 0);
    return 0;
}

static bool screenshot_written(const char *directory)
{
    DIR *listing = opendir(directory);
    bool found = false;
    for (struct dirent *entry; listing && (entry = readdir(listing)) != NULL;) {
        if (strncmp(entry->d_name, "heapviz-", 8) == 0 && strstr(entry->d_name, "-step-") != NULL) {
            char path[600];
            snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
            found = true;
            remove(path);
        }
    }
    if (listing) {
        closedir(listing);
    }
    return found;
}

static void test_a_session_with_every_key(void **state)
{
    (void)state;
    char directory[] = "/tmp/heapviz-loop-XXXXXX";
    assert_non_null(mkdtemp(directory));
    assert_int_equal(chdir(directory), 0);
    if (SDL_getenv("SDL_RENDER_DRIVER") == NULL) {
        SDL_setenv("SDL_RENDER_DRIVER", "software", 1); /* no GPU here; keeps GL libraries out of the leak check */
    }
    Options options = options_defaults();
    Script script = {0};
    SDL_Thread *thread = SDL_CreateThread(user, "user", &script);
    assert_non_null(thread);
    assert_int_equal(window_run(&options), 0);
    SDL_WaitThread(thread, NULL);
    assert_true(screenshot_written(directory));
    printf("CPU while paused: %.1f ms per second\n", script.idle_cpu_ms);
    /* A loop that spins instead of waiting uses about 1000 ms per second. */
    assert_true(script.idle_cpu_ms < 150.0);
    rmdir(directory);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_session_with_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
