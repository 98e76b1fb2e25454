/*
 * test_teach.c - issue 20 in the window: the search played probe by probe
 * (on the clock, by hand in search-steps mode, never on a jump), and the
 * overlays it draws (the probe and its counter, the markers), checked in
 * the model and in pictures from window_capture under the offscreen driver.
 *
 * The coalescing scenario (assets/traces/coalescing.rep) on first fit: five
 * 4 MiB blocks fill the 20 MiB heap; blocks 1 and 3 are freed, so step 8's
 * 8 MiB malloc examines the holes at 4 MiB and 12 MiB and fails.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "headless.h"
#include "layout.h"
#include "lesson.h"
#include "model.h"
#include "options.h"
#include "overlay.h"
#include "trace.h"
#include "ui_test_support.h"
#include "window.h"
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

enum { WIDTH = 1280, HEIGHT = 800, TEXT_PIXELS = 15 };
#define MIB (UINT64_C(1) << 20)

static Options parse(const char *const *arguments, int count)
{
    Options options;
    assert_true(support_parse_options(arguments, count, &options));
    return options;
}

typedef struct {
    Model *model;
    Trace *trace;
} Loaded;

/* The model the window makes for these arguments. */
static Loaded load_model(const char *const *arguments, int count)
{
    Options options = parse(arguments, count);
    Loaded loaded = {0};
    ModelConfig config = {.page_bytes = options.sim.page_size, .history_bytes = 64u << 20};
    char message[256];
    assert_true(headless_load(&options, &config.workload, &loaded.trace, &config.heap, message, sizeof message));
    config.search_steps = options.search_steps;
    config.quiz = options.quiz;
    assert_int_equal(model_create(&config, &loaded.model), HEAP_OK);
    while (model_compute_ahead(loaded.model, 4096) > 0) { /* a trace's view spans its high water */
    }
    model_set_grid_area(loaded.model, 800, 600);
    return loaded;
}

static void unload(Loaded *loaded)
{
    model_destroy(loaded->model);
    trace_destroy(loaded->trace);
}

static void act(Model *model, ActionKind kind, int64_t amount, uint64_t now_ms)
{
    Action action = {.kind = kind, .amount = amount};
    assert_true(model_apply(model, &action, now_ms));
}

static const char *const COALESCING[] = {"--trace", "coalescing"};

static void test_a_step_forward_plays_its_search_on_the_clock(void **state)
{
    (void)state;
    Loaded loaded = load_model(COALESCING, 2);
    Model *model = loaded.model;
    act(model, ACTION_JUMP_TO, 7, 1000);
    act(model, ACTION_STEP, 1, 1000);
    assert_int_equal(model_position(model), 8);
    SearchProbe probe = model_search_probe(model, 0, 1000);
    assert_true(probe.active);
    assert_false(probe.done);
    assert_int_equal(probe.examined, 2);
    assert_int_equal(probe.offset, 4 * MIB);               /* the first hole */
    probe = model_search_probe(model, 0, 1000 + SEARCH_PROBE_MS);
    assert_int_equal(probe.index, 1);
    assert_int_equal(probe.offset, 12 * MIB);              /* the second */
    assert_true(model_busy(model, 1000 + SEARCH_PROBE_MS));
    probe = model_search_probe(model, 0, 1000 + 2 * SEARCH_PROBE_MS);
    assert_true(probe.done);                               /* then the result */
    assert_int_equal(probe.seen, 2);
    unload(&loaded);
}

static void test_search_steps_show_one_probe_a_press(void **state)
{
    (void)state;
    static const char *const arguments[] = {"--trace", "coalescing", "--search-steps"};
    Loaded loaded = load_model(arguments, 3);
    Model *model = loaded.model;
    assert_true(model_search_steps(model));
    act(model, ACTION_JUMP_TO, 7, 0);
    act(model, ACTION_STEP, 1, 0);
    assert_int_equal(model_search_probe(model, 0, 1000000).offset, 4 * MIB); /* the clock does not move it */
    act(model, ACTION_STEP, 1, 0);
    assert_int_equal(model_position(model), 8);
    assert_int_equal(model_search_probe(model, 0, 0).offset, 12 * MIB);
    act(model, ACTION_STEP, 1, 0);
    assert_true(model_search_probe(model, 0, 0).done);
    assert_int_equal(model_position(model), 8);
    act(model, ACTION_STEP, 1, 0);                         /* the next press moves on */
    assert_int_equal(model_position(model), 9);
    act(model, ACTION_TOGGLE_SEARCH_STEPS, 0, 0);
    assert_false(model_search_steps(model));
    unload(&loaded);
}

static void test_jumps_and_frees_show_no_search(void **state)
{
    (void)state;
    Loaded loaded = load_model(COALESCING, 2);
    Model *model = loaded.model;
    act(model, ACTION_JUMP_TO, 8, 0);
    assert_false(model_search_probe(model, 0, 0).active);
    act(model, ACTION_STEP, 1, 0);                         /* step 9 frees: no search */
    assert_false(model_search_probe(model, 0, 0).active);
    act(model, ACTION_STEP, 1, 0);                         /* step 10 finds the merged block */
    assert_int_equal(model_search_probe(model, 0, 0).examined, 1);
    act(model, ACTION_STEP, -1, 0);
    assert_false(model_search_probe(model, 0, 0).active);
    unload(&loaded);
}

static void test_only_slow_playing_shows_searches(void **state)
{
    (void)state;
    Loaded loaded = load_model(COALESCING, 2);
    Model *model = loaded.model;
    assert_int_equal(model_speed(model), 1);               /* a 10-step run plays at 1 step/s */
    act(model, ACTION_TOGGLE_PLAY, 0, 0);
    model_update(model, 1000);
    assert_int_equal(model_position(model), 1);
    assert_true(model_search_probe(model, 0, 1000).active);
    act(model, ACTION_SPEED, 5, 1000);                     /* 50 steps/s */
    model_update(model, 1100);
    assert_true(model_position(model) > 1);
    assert_false(model_search_probe(model, 0, 1100).active);
    unload(&loaded);
}

/* --- the quiz ------------------------------------------------------------------ */

/* Clicks the cell that holds byte `offset` of the first pane. */
static void click_offset(Model *model, uint64_t offset)
{
    const GridGeometry *geometry = model_geometry(model);
    assert_true(offset >= geometry->first_byte);
    uint64_t cell = (offset - geometry->first_byte) / geometry->bytes_per_cell;
    Action click = {.kind = ACTION_QUIZ_WHERE,
                    .x = ((double)(cell % geometry->columns) + 0.5) / (double)geometry->columns,
                    .y = ((double)(cell / geometry->columns) + 0.5) / (double)geometry->rows};
    assert_true(model_apply(model, &click, 0));
}

static void expect_score(const Model *model, uint64_t right, uint64_t answered)
{
    assert_int_equal(model_quiz(model)->right, right);
    assert_int_equal(model_quiz(model)->answered, answered);
}

static void test_quiz_scores_scripted_answers(void **state)
{
    (void)state;
    static const char *const arguments[] = {"--trace", "coalescing", "--quiz"};
    Loaded loaded = load_model(arguments, 3);
    Model *model = loaded.model;
    const Quiz *quiz = model_quiz(model);
    assert_int_equal(quiz->round.question, QUIZ_ASK_WHERE);          /* step 1: malloc 4 MiB */
    click_offset(model, 0);
    assert_int_equal(model_position(model), 1);                      /* the answer runs the step */
    assert_true(quiz->round.right);
    expect_score(model, 1, 1);
    act(model, ACTION_STEP, 1, 0);                                   /* the next question: step 2 */
    assert_int_equal(model_position(model), 1);
    assert_int_equal(quiz->round.step, 2);
    act(model, ACTION_QUIZ_FAILS, 0, 0);                             /* it fits at 4 MiB */
    assert_false(quiz->round.right);
    expect_score(model, 1, 2);
    act(model, ACTION_STEP, -1, 0);                                  /* back: step 2 asked again */
    assert_int_equal(quiz->round.step, 2);
    click_offset(model, 6 * MIB);                                    /* inside [4, 8) MiB */
    assert_true(quiz->round.right);
    assert_false(quiz->round.scored);                                /* scored before: no change */
    expect_score(model, 1, 2);
    act(model, ACTION_JUMP_TO, 5, 0);                                /* step 6 frees id 1 */
    assert_int_equal(quiz->round.question, QUIZ_ASK_COALESCE);
    act(model, ACTION_QUIZ_CASE, QUIZ_CASE_NONE, 0);
    expect_score(model, 2, 3);
    act(model, ACTION_STEP, 1, 0);                                   /* step 7 frees id 3: none */
    act(model, ACTION_QUIZ_CASE, QUIZ_CASE_PREVIOUS, 0);
    expect_score(model, 2, 4);
    act(model, ACTION_STEP, 1, 0);                                   /* step 8: 8 MiB fails */
    act(model, ACTION_QUIZ_FAILS, 0, 0);
    expect_score(model, 3, 5);
    act(model, ACTION_STEP, 1, 0);                                   /* step 9 frees id 2: both */
    act(model, ACTION_QUIZ_CASE, QUIZ_CASE_BOTH, 0);
    expect_score(model, 4, 6);
    act(model, ACTION_STEP, 1, 0);                                   /* step 10: 8 MiB at 4 MiB */
    click_offset(model, 18 * MIB);                                   /* the top: wrong */
    assert_int_equal(quiz->round.block_offset, 4 * MIB);
    expect_score(model, 4, 7);
    act(model, ACTION_RESTART, 0, 0);                                /* back to the start */
    expect_score(model, 4, 7);                                       /* ... un-scores nothing */
    unload(&loaded);
}

static void test_quiz_a_new_seed_starts_a_new_score(void **state)
{
    (void)state;
    static const char *const arguments[] = {"--quiz", "--steps", "40"};
    Loaded loaded = load_model(arguments, 3);
    Model *model = loaded.model;
    act(model, ACTION_QUIZ_FAILS, 0, 0);                             /* the first malloc fits */
    expect_score(model, 0, 1);
    act(model, ACTION_NEW_SEED, 0, 0);
    expect_score(model, 0, 0);
    assert_int_equal(model_quiz(model)->round.step, 1);
    act(model, ACTION_TOGGLE_QUIZ, 0, 0);
    assert_false(model_quiz(model)->on);
    unload(&loaded);
}

/* --- pictures ------------------------------------------------------------------ */

static char directory[256];

static SDL_Surface *capture(const char *const *arguments, int count, const Action *actions, size_t action_count)
{
    char path[300];
    snprintf(path, sizeof path, "%s/teach.png", directory);
    const char *with_output[24];
    for (int i = 0; i < count; i++) {
        with_output[i] = arguments[i];
    }
    with_output[count] = "--screenshot";
    with_output[count + 1] = path;
    Options options = parse(with_output, count + 2);
    assert_int_equal(window_capture(&options, actions, action_count, WIDTH, HEIGHT), 0);
    SDL_Surface *image = support_load_png(path);
    assert_non_null(image);
    return image;
}

/* Pixels of `color` left of the panel (the grids), where the legend's swatches are not. */
static int grid_pixels_of(SDL_Surface *image, uint32_t color)
{
    int count = 0, panel_x = WIDTH * 3 / 5;
    for (int y = 0; y < HEIGHT * 3 / 4; y++) {
        const uint32_t *row = (const uint32_t *)((const uint8_t *)image->pixels + (size_t)y * (size_t)image->pitch);
        for (int x = 0; x < panel_x; x++) {
            count += (row[x] | 0xFF000000u) == color;
        }
    }
    return count;
}

static void test_search_steps_picture_the_first_probe(void **state)
{
    (void)state;
    static const char *const arguments[] = {"--trace", "coalescing", "--search-steps", "--at-step", "8"};
    SDL_Surface *image = capture(arguments, 5, NULL, 0);
    assert_true(grid_pixels_of(image, OVERLAY_COLOR_PROBE) > 500); /* the outline and the counter */
    SDL_FreeSurface(image);
    static const char *const plain[] = {"--trace", "coalescing", "--at-step", "8"};
    image = capture(plain, 4, NULL, 0);
    assert_int_equal(grid_pixels_of(image, OVERLAY_COLOR_PROBE), 0);
    SDL_FreeSurface(image);
}

static void test_structure_key_draws_the_rover(void **state)
{
    (void)state;
    static const char *const arguments[] = {"--trace", "next-fit-rover", "--policy", "next-fit", "--at-step", "3"};
    Action structure = {.kind = ACTION_TOGGLE_STRUCTURE};
    SDL_Surface *image = capture(arguments, 6, &structure, 1);
    assert_true(grid_pixels_of(image, OVERLAY_COLOR_MARKER) > 100);
    SDL_FreeSurface(image);
    image = capture(arguments, 6, NULL, 0);
    assert_int_equal(grid_pixels_of(image, OVERLAY_COLOR_MARKER), 0);
    SDL_FreeSurface(image);
}

static void test_quiz_renders_a_prompt(void **state)
{
    (void)state;
    static const char *const arguments[] = {"--trace", "coalescing", "--quiz", "--at-step", "5"};
    SDL_Surface *image = capture(arguments, 5, NULL, 0);
    assert_true(grid_pixels_of(image, OVERLAY_COLOR_QUIZ) > 2000);  /* the question's box */
    SDL_FreeSurface(image);
    static const char *const plain[] = {"--trace", "coalescing", "--at-step", "5"};
    image = capture(plain, 4, NULL, 0);
    assert_int_equal(grid_pixels_of(image, OVERLAY_COLOR_QUIZ), 0);
    SDL_FreeSurface(image);
}

/* Pixels of `color` in the bottom fifth of the panes, where the caption goes. */
static int caption_pixels_of(SDL_Surface *image, uint32_t color)
{
    int count = 0;
    for (int y = HEIGHT / 2; y < HEIGHT * 4 / 5; y++) {
        const uint32_t *row = (const uint32_t *)((const uint8_t *)image->pixels + (size_t)y * (size_t)image->pitch);
        for (int x = 0; x < WIDTH * 3 / 5; x++) {
            count += (row[x] | 0xFF000000u) == color;
        }
    }
    return count;
}

/* Every shipped lesson opens and shows each of its captions at its step. */
static void test_every_lesson_renders_its_captions(void **state)
{
    (void)state;
    DIR *lessons_dir = opendir(HEAPVIZ_LESSONS_DIR);
    assert_non_null(lessons_dir);
    static Lesson lesson;
    int lessons = 0;
    for (struct dirent *entry = readdir(lessons_dir); entry; entry = readdir(lessons_dir)) {
        size_t length = strlen(entry->d_name);
        if (length < 8 || strcmp(entry->d_name + length - 7, ".lesson") != 0) {
            continue;
        }
        char path[600], message[512], png[300], step[32];
        snprintf(path, sizeof path, "%s/%s", HEAPVIZ_LESSONS_DIR, entry->d_name);
        snprintf(png, sizeof png, "%s/teach.png", directory);
        if (!lesson_load(path, &lesson, message, sizeof message)) {
            fail_msg("%s", message);
        }
        for (uint32_t i = 0; i < lesson.caption_count; i++) {
            snprintf(step, sizeof step, "%llu", (unsigned long long)lesson.captions[i].step);
            char *argv[] = {"heapviz", "--at-step", step, "--screenshot", png};
            Options options;
            assert_true(lesson_apply(&lesson, 5, argv, &options, message, sizeof message));
            assert_int_equal(window_capture(&options, NULL, 0, WIDTH, HEIGHT), 0);
            SDL_Surface *image = support_load_png(png);
            assert_non_null(image);
            uint32_t band = lesson.captions[i].ask ? OVERLAY_COLOR_QUIZ : OVERLAY_COLOR_CAPTION;
            if (caption_pixels_of(image, band) < 20000) { /* a band two lines high at least */
                fail_msg("%s step %s: no caption band", entry->d_name, step);
            }
            SDL_FreeSurface(image);
        }
        lessons++;
    }
    closedir(lessons_dir);
    assert_true(lessons >= 12);
}

static int setup_pictures(void **state)
{
    (void)state;
    snprintf(directory, sizeof directory, "/tmp/heapviz-teach-XXXXXX");
    return mkdtemp(directory) ? 0 : -1;
}

static int teardown_pictures(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/teach.png", directory);
    unlink(path);
    rmdir(directory);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_step_forward_plays_its_search_on_the_clock),
        cmocka_unit_test(test_search_steps_show_one_probe_a_press),
        cmocka_unit_test(test_jumps_and_frees_show_no_search),
        cmocka_unit_test(test_only_slow_playing_shows_searches),
        cmocka_unit_test(test_quiz_scores_scripted_answers),
        cmocka_unit_test(test_quiz_a_new_seed_starts_a_new_score),
        cmocka_unit_test(test_quiz_renders_a_prompt),
        cmocka_unit_test(test_every_lesson_renders_its_captions),
        cmocka_unit_test(test_search_steps_picture_the_first_probe),
        cmocka_unit_test(test_structure_key_draws_the_rover),
    };
    return cmocka_run_group_tests(tests, setup_pictures, teardown_pictures);
}
