/*
 * test_ostep_window.c - issue 17's window: `heapviz --ostep FLAGS` replays
 * malloc.py's run under each pane's policy, hides each result until it is
 * asked for when -c is absent, and draws the free list in list order.
 *
 * The hand-worked list used throughout, on -S 20 from 1000 (ADDRSORT, no
 * coalescing): +5 at 1000, +3 at 1005, +4 at 1008, leaving 1012:8; -0 and
 * -2 free 1000:5 and 1008:4, so the list is [1000:5][1008:4][1012:8]. A
 * last +3 then goes to 1000 under FIRST (searched 1), to 1008 under BEST
 * (the smallest that fits, all 3 searched) and to 1012 under WORST (the
 * largest, all 3 searched).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "canvas.h"
#include "model.h"
#include "options.h"
#include "ostep_runs.h"
#include "overlay.h"
#include "ui_test_support.h"
#include "window.h"
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { WIDTH = 1280, HEIGHT = 800, POLICIES = 3 };
static const char *const POLICY_NAMES[POLICIES] = {"BEST", "WORST", "FIRST"}; /* the design's order */
static char directory[256];

typedef struct {
    OstepRuns *runs;
    Model *model;
} Loaded;

/* The model the window makes for malloc.py's `flags`, with the compare
 * panes named (NULL: one pane). */
static Loaded load(const char *const *flags, int count, const char *const *compare, uint32_t compare_count)
{
    Loaded loaded = {0};
    char message[512];
    assert_int_equal(ostep_runs_create(count, (char **)flags, &loaded.runs, message, sizeof message), 0);
    ModelConfig config = {.page_bytes = 1, .history_bytes = 16u << 20, .ostep = loaded.runs};
    config.heap = ostep_runs_setup(loaded.runs);
    config.workload = *ostep_runs_workload(loaded.runs, config.heap.config.policy);
    for (uint32_t i = 0; i < compare_count; i++) {
        config.compare[i].design = config.heap.design;
        assert_true(allocator_policy_index(config.heap.design, compare[i], &config.compare[i].policy));
    }
    config.compare_count = compare_count;
    assert_int_equal(model_create(&config, &loaded.model), HEAP_OK);
    model_set_grid_area(loaded.model, 600, 600);
    return loaded;
}

static void unload(Loaded *loaded)
{
    model_destroy(loaded->model);
    ostep_runs_destroy(loaded->runs);
}

static void act(Model *model, ActionKind kind, int64_t amount)
{
    Action action = {.kind = kind, .amount = amount};
    assert_true(model_apply(model, &action, 0));
}

/* A pane's free list as malloc.py prints it after an operation. */
static void free_list_words(const Model *model, uint32_t pane, char *text, size_t size)
{
    const Allocator *heap = model_heap(model, pane);
    FreeListEntry entries[64];
    uint64_t count = allocator_free_list(heap, entries, 64);
    int used = snprintf(text, size, "Free List [ Size %llu ]: ", (unsigned long long)count);
    for (uint64_t i = 0; i < count && i < 64; i++) {
        used += snprintf(text + used, size - (size_t)used, "[ addr:%lld sz:%lld ]", /* sizes may be < 0 */
                         (long long)ostep_address(heap, entries[i].offset), (long long)entries[i].size);
    }
}

static const char *const HAND_LIST[] = {"-S", "20", "-A", "+5,+3,+4,-0,-2,+3", "-c"};

/* Each pane replays its own policy's run: the last +3 lands where the
 * hand-worked list says, having searched what it says. */
static void test_compare_panes_place_by_their_policy(void **state)
{
    (void)state;
    static const char *const compare[] = {"FIRST", "BEST", "WORST"};
    Loaded loaded = load(HAND_LIST, 5, compare, 3);
    act(loaded.model, ACTION_JUMP_TO, 6);
    static const int64_t returned[] = {1000, 1008, 1012};
    static const uint64_t searched[] = {1, 3, 3};
    static const char *const lists[] = {
        "Free List [ Size 3 ]: [ addr:1003 sz:2 ][ addr:1008 sz:4 ][ addr:1012 sz:8 ]",
        "Free List [ Size 3 ]: [ addr:1000 sz:5 ][ addr:1011 sz:1 ][ addr:1012 sz:8 ]",
        "Free List [ Size 3 ]: [ addr:1000 sz:5 ][ addr:1008 sz:4 ][ addr:1015 sz:5 ]",
    };
    for (uint32_t pane = 0; pane < 3; pane++) {
        const OstepStep *step = model_ostep_step(loaded.model, pane);
        assert_non_null(step);
        assert_int_equal(step->number, 6);
        assert_int_equal(step->returned, returned[pane]);
        assert_int_equal(step->searched, searched[pane]);
        char words[OSTEP_LINE_MAX], list[512];
        ostep_step_words(step, true, words, sizeof words);
        char expected[OSTEP_LINE_MAX];
        snprintf(expected, sizeof expected, "ptr[3] = Alloc(3) returned %lld (searched %llu elements)",
                 (long long)returned[pane], (unsigned long long)searched[pane]);
        assert_string_equal(words, expected);
        free_list_words(loaded.model, pane, list, sizeof list);
        assert_string_equal(list, lists[pane]);
        assert_int_equal(allocator_stats(model_heap(loaded.model, pane))->mallocs, 4);
    }
    unload(&loaded);
}

/* Keys 1-3 switch the one pane to another policy's run, at the same step. */
static void test_policy_key_switches_to_that_policys_run(void **state)
{
    (void)state;
    Loaded loaded = load(HAND_LIST, 5, NULL, 0); /* -p BEST by default */
    act(loaded.model, ACTION_JUMP_TO, 6);
    assert_int_equal(model_ostep_step(loaded.model, 0)->returned, 1008);
    act(loaded.model, ACTION_POLICY, 2); /* FIRST */
    assert_int_equal(model_position(loaded.model), 6);
    assert_int_equal(model_ostep_step(loaded.model, 0)->returned, 1000);
    HeapBlock block;
    assert_true(allocator_block_at(model_heap(loaded.model, 0), model_touched(loaded.model, 0).offset, &block));
    assert_int_equal(ostep_address(model_heap(loaded.model, 0), block.offset), 1000);
    act(loaded.model, ACTION_POLICY, 1); /* WORST */
    assert_int_equal(model_ostep_step(loaded.model, 0)->returned, 1012);
    unload(&loaded);
}

/* malloc.py never forgets a freed index: -0 a second time frees whatever
 * block now starts at ptr[0]'s address (here ptr[1], placed there again). */
static void test_a_second_free_frees_what_lives_at_the_address(void **state)
{
    (void)state;
    static const char *const flags[] = {"-S", "10", "-A", "+5,-0,+5,-0", "-c"};
    Loaded loaded = load(flags, 5, NULL, 0);
    act(loaded.model, ACTION_JUMP_TO, 3);
    assert_int_equal(model_ostep_step(loaded.model, 0)->returned, 1000);
    assert_int_equal(allocator_stats(model_heap(loaded.model, 0))->used_blocks, 1);
    act(loaded.model, ACTION_JUMP_TO, 4);
    assert_int_equal(model_ostep_step(loaded.model, 0)->returned, 0);
    assert_int_equal(allocator_stats(model_heap(loaded.model, 0))->used_blocks, 0);
    char list[256];
    free_list_words(loaded.model, 0, list, sizeof list);
    assert_string_equal(list, "Free List [ Size 2 ]: [ addr:1000 sz:5 ][ addr:1005 sz:5 ]");
    unload(&loaded);
}

/* Every pane, at every step, holds the free list malloc.py prints for its
 * policy (heapviz --headless --ostep, itself checked byte for byte against
 * the real malloc.py): the random workload frees by what the allocs
 * returned, so the three runs are different runs. */
static void test_random_panes_are_malloc_py_runs_of_their_policy(void **state)
{
    (void)state;
    static const char *const flags[] = {"-s", "3", "-n", "20", "-c"};
    Loaded loaded = load(flags, 5, POLICY_NAMES, 3);
    char *texts[POLICIES];
    for (uint32_t policy = 0; policy < POLICIES; policy++) {
        const char *with_policy[] = {"-s", "3", "-n", "20", "-c", "-p", POLICY_NAMES[policy]};
        OstepFlags parsed;
        char message[256];
        assert_true(ostep_flags_parse(7, (char **)with_policy, &parsed, message, sizeof message));
        size_t length = 0;
        FILE *out = open_memstream(&texts[policy], &length);
        assert_int_equal(ostep_program_run(&parsed, out, NULL, NULL, message, sizeof message), 0);
        fclose(out);
    }
    assert_string_not_equal(texts[0], texts[2]); /* BEST and FIRST did different things */
    assert_int_equal(model_total(loaded.model), 20);
    for (uint64_t step = 1; step <= 20; step++) {
        act(loaded.model, ACTION_JUMP_TO, (int64_t)step);
        for (uint32_t pane = 0; pane < POLICIES; pane++) {
            char words[OSTEP_LINE_MAX], list[1024], both[OSTEP_LINE_MAX + 1100];
            ostep_step_words(model_ostep_step(loaded.model, pane), true, words, sizeof words);
            free_list_words(loaded.model, pane, list, sizeof list);
            snprintf(both, sizeof both, "%s\n%s\n", words, list);
            assert_non_null(strstr(texts[pane], both));
        }
    }
    for (uint32_t policy = 0; policy < POLICIES; policy++) {
        free(texts[policy]);
    }
    unload(&loaded);
}

/* Every pane at every step of the window's runs equals malloc.py's text
 * for its policy (heapviz --headless --ostep, itself checked byte for byte
 * against the real malloc.py): section k + 1 of the text, between blank
 * lines, is operation k's lines and its free list. */
static void assert_window_equals_text(const char *const *flags, int count)
{
    Loaded loaded = load(flags, count, POLICY_NAMES, POLICIES);
    for (uint32_t pane = 0; pane < POLICIES; pane++) {
        const char *with_policy[32];
        assert_true(count + 2 <= 32);
        memcpy(with_policy, flags, (size_t)count * sizeof *flags);
        with_policy[count] = "-p";
        with_policy[count + 1] = POLICY_NAMES[pane];
        OstepFlags parsed;
        char message[256], *text = NULL;
        size_t length = 0;
        assert_true(ostep_flags_parse(count + 2, (char **)with_policy, &parsed, message, sizeof message));
        FILE *out = open_memstream(&text, &length);
        assert_int_equal(ostep_program_run(&parsed, out, NULL, NULL, message, sizeof message), 0);
        fclose(out);
        const char *section = strstr(text, "\n\n");
        for (int64_t step = 1; step <= (int64_t)model_total(loaded.model); step++) {
            assert_non_null(section);
            act(loaded.model, ACTION_JUMP_TO, step);
            char words[OSTEP_LINE_MAX], list[1024], both[OSTEP_LINE_MAX + 1100];
            ostep_step_words(model_ostep_step(loaded.model, pane), true, words, sizeof words);
            free_list_words(loaded.model, pane, list, sizeof list);
            int length_both = snprintf(both, sizeof both, "\n\n%s\n%s\n", words, list);
            assert_memory_equal(section, both, (size_t)length_both);
            section = strstr(section + 2, "\n\n");
        }
        free(text);
    }
    unload(&loaded);
}

/* A header of -1 puts ptr[0]'s payload at offset 0 (1000 - 1 is just below
 * the base): its free still frees. malloc.py -H -1 -A +5,-0,-0 -c prints
 * Alloc(5) returned 1000 with [1004:96] left, then a Free returning 0 with
 * [1000:4][1004:96], then one returning -1 with the same list. */
static void test_negative_header_frees_a_payload_at_offset_zero(void **state)
{
    (void)state;
    static const char *const flags[] = {"-H", "-1", "-A", "+5,-0,-0", "-c"};
    Loaded loaded = load(flags, 5, NULL, 0);
    act(loaded.model, ACTION_JUMP_TO, 2);
    assert_int_equal(model_ostep_step(loaded.model, 0)->returned, 0);
    assert_int_equal(allocator_stats(model_heap(loaded.model, 0))->frees, 1);
    assert_int_equal(allocator_stats(model_heap(loaded.model, 0))->used_blocks, 0);
    char list[256];
    free_list_words(loaded.model, 0, list, sizeof list);
    assert_string_equal(list, "Free List [ Size 2 ]: [ addr:1000 sz:4 ][ addr:1004 sz:96 ]");
    act(loaded.model, ACTION_JUMP_TO, 3);
    assert_int_equal(model_ostep_step(loaded.model, 0)->returned, -1);
    free_list_words(loaded.model, 0, list, sizeof list);
    assert_string_equal(list, "Free List [ Size 2 ]: [ addr:1000 sz:4 ][ addr:1004 sz:96 ]");
    unload(&loaded);
}

/* Odd headers (negative, zero, large) in both modes: the window's runs are
 * malloc.py's, step for step. */
static void test_odd_headers_replay_as_malloc_py_prints(void **state)
{
    (void)state;
    static const char *const hand[] = {"-H", "-1", "-A", "+5,-0,-0,+3,+6,-1,-2,-1", "-c"};
    assert_window_equals_text(hand, 5);
    /* (header, seed) pairs that malloc.py runs to the end under all three
     * policies (others stop at an Alloc onto a block of size 0) */
    static const char *const runs[][2] = {{"-1", "0"}, {"-1", "3"}, {"-3", "0"}, {"-3", "3"}, {"-3", "7"},
                                          {"0", "0"},  {"0", "3"},  {"3", "0"},  {"3", "3"},  {"3", "7"}};
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        const char *flags[] = {"-H", runs[i][0], "-s", runs[i][1], "-n", "20", "-S", "30", "-c"};
        assert_window_equals_text(flags, 9);
    }
}

static void assert_sentence(const Model *model, const char *expected)
{
    char text[OSTEP_LINE_MAX];
    model_sentence(model, 0, text, sizeof text);
    assert_string_equal(text, expected);
}

/* Without -c, the compare panel's divergence line at step 6 of a 20-op
 * run says what a 6-op run says with -c (malloc.py's random ops come one
 * after the other from one stream, so its first six are the same): nothing
 * about the 14 operations the student has not revealed yet. */
static void test_divergence_counts_only_revealed_steps(void **state)
{
    (void)state;
    static const char *const hidden[] = {"-s", "3", "-n", "20", "-H", "2"};
    static const char *const shown[] = {"-s", "3", "-n", "6", "-H", "2", "-c"};
    Loaded later = load(hidden, 6, POLICY_NAMES, 3);
    Loaded now = load(shown, 7, POLICY_NAMES, 3);
    while (model_compute_ahead(later.model, 100) > 0) {   /* as the window does while idle */
    }
    for (int press = 0; press < 12; press++) {   /* ask, reveal: six times */
        act(later.model, ACTION_STEP, 1);
        if (press % 2 == 0) {
            act(now.model, ACTION_STEP, 1);      /* with -c each press is a step */
        }
    }
    assert_int_equal(model_position(later.model), 6);
    assert_int_equal(model_position(now.model), 6);
    uint64_t count[2], steps[2], first[2];
    model_divergence_seen(later.model, &count[0], &steps[0], &first[0]);
    model_divergence_seen(now.model, &count[1], &steps[1], &first[1]);
    assert_int_equal(steps[0], 6);
    assert_int_equal(steps[1], 6);
    assert_int_equal(count[0], count[1]);
    assert_int_equal(first[0], first[1]);
    unload(&later);
    unload(&now);
}

/* The simple model of the divergence line without -c: every revealed step
 * checked, one by one. */
static void count_divergences_one_by_one(const Model *model, uint64_t *count, uint64_t *first)
{
    *count = 0, *first = 0;
    for (uint64_t step = 1; step <= model_position(model); step++) {
        if (model_diverged_at(model, step)) {
            *count += 1;
            *first = *first ? *first : step;
        }
    }
}

/* Asserts that the divergence line at the current step says what checking
 * each revealed step says. */
static void assert_divergences_as_counted(const Model *model, uint64_t expected_count, uint64_t expected_first)
{
    uint64_t count, steps, first;
    model_divergence_seen(model, &count, &steps, &first);
    assert_int_equal(steps, model_position(model));
    assert_int_equal(count, expected_count);
    assert_int_equal(first, expected_first);
}

/* Long runs keep the count at every few thousand steps: at every step of a
 * 10,000-op run, going forwards, the line counts what checking each step
 * counts; then a few jumps back (to just after a kept block's end, into the
 * first block, to step 0). */
static void test_divergence_count_at_any_step_of_a_long_run(void **state)
{
    (void)state;
    static const char *const hidden[] = {"-s", "1", "-n", "10000", "-r", "40"};
    Loaded loaded = load(hidden, 6, POLICY_NAMES, 3);
    while (model_compute_ahead(loaded.model, 100000) > 0) {
    }
    uint64_t count = 0, first = 0;
    for (int64_t step = 0; step <= 10000; step++) {
        act(loaded.model, ACTION_JUMP_TO, step);
        assert_int_equal(model_position(loaded.model), step);
        if (model_diverged_at(loaded.model, (uint64_t)step)) {
            count += 1;
            first = first ? first : (uint64_t)step;
        }
        assert_divergences_as_counted(loaded.model, count, first);
    }
    assert_true(count > 1000); /* the three policies part ways on this run (at steps 4097 and 8193 too) */
    static const int64_t back[] = {8193, 4097, 3, 0};
    for (size_t i = 0; i < sizeof back / sizeof back[0]; i++) {
        act(loaded.model, ACTION_JUMP_TO, back[i]);
        count_divergences_one_by_one(loaded.model, &count, &first);
        assert_divergences_as_counted(loaded.model, count, first);
    }
    unload(&loaded);
}

/* Without -c: → shows the next operation with its result hidden, → again
 * reveals it (the step is done), ← hides it again without going back. */
static void test_results_hide_until_asked_for(void **state)
{
    (void)state;
    static const char *const flags[] = {"-S", "20", "-A", "+5,-0"};
    Loaded loaded = load(flags, 4, NULL, 0);
    assert_false(model_results_hidden(loaded.model));
    act(loaded.model, ACTION_STEP, 1);
    assert_true(model_results_hidden(loaded.model));
    assert_int_equal(model_position(loaded.model), 0);
    assert_sentence(loaded.model, "ptr[0] = Alloc(5) returned ?");
    act(loaded.model, ACTION_STEP, 1);
    assert_false(model_results_hidden(loaded.model));
    assert_int_equal(model_position(loaded.model), 1);
    assert_sentence(loaded.model, "ptr[0] = Alloc(5) returned 1000 (searched 1 elements)");
    act(loaded.model, ACTION_STEP, 1);
    assert_true(model_results_hidden(loaded.model));
    assert_sentence(loaded.model, "Free(ptr[0])\nreturned ?");
    act(loaded.model, ACTION_STEP, -1);
    assert_false(model_results_hidden(loaded.model));
    assert_int_equal(model_position(loaded.model), 1);
    act(loaded.model, ACTION_STEP, 1);
    act(loaded.model, ACTION_STEP, 1);
    assert_sentence(loaded.model, "Free(ptr[0])\nreturned 0");
    act(loaded.model, ACTION_STEP, 1); /* the end: nothing left to ask */
    assert_false(model_results_hidden(loaded.model));
    assert_int_equal(model_position(loaded.model), 2);
    unload(&loaded);
}

/* With -c every step shows its results at once. */
static void test_compute_flag_shows_results_at_once(void **state)
{
    (void)state;
    static const char *const flags[] = {"-S", "20", "-A", "+5,-0", "-c"};
    Loaded loaded = load(flags, 5, NULL, 0);
    act(loaded.model, ACTION_STEP, 1);
    assert_false(model_results_hidden(loaded.model));
    assert_int_equal(model_position(loaded.model), 1);
    assert_sentence(loaded.model, "ptr[0] = Alloc(5) returned 1000 (searched 1 elements)");
    unload(&loaded);
}

/* ---- the picture ---------------------------------------------------------- */

static uint32_t pixel(const SDL_Surface *image, int x, int y)
{
    const uint32_t *row = (const uint32_t *)((const uint8_t *)image->pixels + (size_t)y * (size_t)image->pitch);
    return row[x] | 0xFF000000u;
}

/* The grid's box: the white (free) pixels left of the panel (whose legend
 * has a white swatch) span it here, since the last row is all free. */
static void white_box(const SDL_Surface *image, int *left, int *top, int *right, int *bottom)
{
    *left = WIDTH, *top = HEIGHT, *right = -1, *bottom = -1;
    for (int y = 0; y < HEIGHT * 3 / 4; y++) {
        for (int x = 0; x < WIDTH && pixel(image, x, y) != COLOR_PANEL; x++) {
            if (pixel(image, x, y) == 0xFFFFFFFFu) {
                *left = x < *left ? x : *left;
                *right = x > *right ? x : *right;
                *top = y < *top ? y : *top;
                *bottom = y > *bottom ? y : *bottom;
            }
        }
    }
}

/* heapviz's command line `argv` (argv[2] is the screenshot's path, filled
 * in here) captured after `actions`, as a picture (the file is removed). */
static SDL_Surface *capture(char **argv, int argc, const Action *actions, size_t action_count)
{
    char path[300];
    snprintf(path, sizeof path, "%s/capture.png", directory);
    argv[2] = path;
    Options options;
    char message[256];
    assert_true(options_parse(argc, argv, &options, message, sizeof message));
    assert_int_equal(window_capture(&options, actions, action_count, WIDTH, HEIGHT), 0);
    SDL_Surface *image = support_load_png(path);
    assert_non_null(image);
    unlink(path);
    return image;
}

/* -S 30: rows 1000, 1010, 1020 of ten cells. +5 +3 +4 +6 +2 fill 1000-1019;
 * INSERT-FRONT puts each free at the head: -0 frees 1000:5, then -3 frees
 * 1012:6 in front of it, so the list reads 1012:6, 1000:5, 1020:10 - not
 * address order. Badge 1 sits in 1012's cell (row 1, column 2), 2 in
 * 1000's, 3 in 1020's; the link from 1 to 2 climbs column 0 from row 1 to
 * row 0, which the address order (1000, 1012, 1020) never crosses. */
static void test_free_list_is_drawn_in_list_order(void **state)
{
    (void)state;
    static char *argv[] = {"heapviz", "--screenshot", NULL, "--ostep", "-S", "30", "-l", "INSERT-FRONT",
                           "-A", "+5,+3,+4,+6,+2,-0,-3", "-c", NULL};
    SDL_Surface *image = capture(argv, 11, NULL, 0);
    int left, top, right, bottom;
    white_box(image, &left, &top, &right, &bottom);
    int cell = (right - left + 1) / 10;
    assert_true(cell >= 40);                          /* big cells */
    assert_in_range(bottom - top + 1, 3 * cell - 2, 3 * cell + 2); /* three rows of ten */
    int badge_x[3] = {left + 2 * cell + 5, left + 5, left + 5};
    int badge_y[3] = {top + cell + cell / 2, top + cell / 2, top + 2 * cell + cell / 2};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pixel(image, badge_x[i], badge_y[i]), OVERLAY_COLOR_LIST);
    }
    assert_int_equal(pixel(image, left + 5 * cell + 5, top + cell / 2), GRID_COLOR_ALLOCATED); /* 1005: no badge */
    assert_int_equal(pixel(image, left + cell / 2, top + cell), OVERLAY_COLOR_LIST); /* the climb from 1 to 2 */
    /* 1002, inside the free 1000:5, where the address order's link would come down to 1012 */
    assert_int_equal(pixel(image, left + 2 * cell + cell / 2, top + cell - 4), GRID_COLOR_FREE);
    SDL_FreeSurface(image);
}

/* -S 20 -A +9: the free entry 1009:11 starts in the last cell of row 1000,
 * where its label has no room on the right of its badge: it goes on the
 * badge's left, inside the grid, and nothing sticks out past the grid's
 * right edge (found as the end of the all-free row 1010). */
static void test_label_without_room_goes_left_of_its_badge(void **state)
{
    (void)state;
    static char *argv[] = {"heapviz", "--screenshot", NULL, "--ostep", "-S", "20", "-A", "+9", "-c", NULL};
    SDL_Surface *image = capture(argv, 9, NULL, 0);
    int left, top, right, bottom;
    white_box(image, &left, &top, &right, &bottom);
    int grid_right = left;
    while (pixel(image, grid_right + 1, bottom - 2) == GRID_COLOR_FREE) {
        grid_right++;
    }
    int cell = (grid_right - left + 1) / 10;
    assert_true(cell >= 40);
    assert_int_equal(right, grid_right);                                   /* no white label box outside */
    assert_int_equal(pixel(image, left + 9 * cell + 5, top + cell / 2), OVERLAY_COLOR_LIST); /* badge 1 */
    int label_pixels = 0;                                                  /* the label's text, in column 8 */
    for (int x = left + 8 * cell; x < left + 9 * cell; x++) {
        label_pixels += pixel(image, x, top + cell / 2) != GRID_COLOR_ALLOCATED;
    }
    assert_true(label_pixels > 0);
    SDL_FreeSurface(image);
}

/* Pixels of `color` left of the panel. */
static int grid_pixels_of(const SDL_Surface *image, uint32_t color)
{
    int count = 0;
    for (int y = 0; y < HEIGHT * 3 / 4; y++) {
        for (int x = 0; x < WIDTH && pixel(image, x, y) != COLOR_PANEL; x++) {
            count += pixel(image, x, y) == color;
        }
    }
    return count;
}

/* A picture of -S 20 -A +5,+3 (with -c if `compute`), at step 1 after `presses` of →. */
static SDL_Surface *ostep_capture(int presses, bool compute)
{
    static char *argv[] = {"heapviz", "--screenshot", NULL, "--at-step", "1", "--ostep", "-S", "20",
                           "-A", "+5,+3", "-c", NULL};
    Action forward[2] = {{.kind = ACTION_STEP, .amount = 1}, {.kind = ACTION_STEP, .amount = 1}};
    return capture(argv, compute ? 11 : 10, forward, (size_t)presses);
}

/* While the next Alloc's result is hidden, the grid shows the heap before
 * it, with no block marked as placed; revealing it places and outlines it. */
static void test_hidden_result_marks_nothing_on_the_grid(void **state)
{
    (void)state;
    SDL_Surface *before = ostep_capture(0, false), *asking = ostep_capture(1, false);
    SDL_Surface *revealed = ostep_capture(2, false);
    int black_before = grid_pixels_of(before, GRID_COLOR_ALLOCATED);
    assert_int_equal(grid_pixels_of(asking, GRID_COLOR_ALLOCATED), black_before);  /* ptr[1] not placed yet */
    assert_int_equal(grid_pixels_of(asking, GRID_COLOR_TOUCHED), 0);              /* nor ptr[0] outlined */
    assert_true(grid_pixels_of(before, GRID_COLOR_TOUCHED) > 100);                /* step 1 outlines ptr[0] */
    assert_true(grid_pixels_of(revealed, GRID_COLOR_ALLOCATED) > black_before);    /* ptr[1]'s 3 units */
    assert_true(grid_pixels_of(revealed, GRID_COLOR_TOUCHED) > 100);
    SDL_FreeSurface(before);
    SDL_FreeSurface(asking);
    SDL_FreeSurface(revealed);
}

/* Pixels of the curtain's colour in the timeline (the bottom fifth). */
static int curtain_pixels(const SDL_Surface *image)
{
    int count = 0;
    for (int y = HEIGHT * 4 / 5; y < HEIGHT; y++) {
        for (int x = 0; x < WIDTH; x++) {
            count += pixel(image, x, y) == 0xFF2C3038u;
        }
    }
    return count;
}

/* Without -c the timeline covers the steps not revealed yet (here half of
 * a two-step run); with -c it plots them all. */
static void test_timeline_hides_the_future_without_compute(void **state)
{
    (void)state;
    SDL_Surface *hidden = ostep_capture(0, false), *shown = ostep_capture(0, true);
    assert_true(curtain_pixels(hidden) > 20000);
    assert_int_equal(curtain_pixels(shown), 0);
    SDL_FreeSurface(hidden);
    SDL_FreeSurface(shown);
}

static int make_directory(void **state)
{
    (void)state;
    snprintf(directory, sizeof directory, "/tmp/heapviz-ostep-window-XXXXXX");
    return mkdtemp(directory) ? 0 : -1;
}

static int remove_directory(void **state)
{
    (void)state;
    return rmdir(directory);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_panes_place_by_their_policy),
        cmocka_unit_test(test_policy_key_switches_to_that_policys_run),
        cmocka_unit_test(test_a_second_free_frees_what_lives_at_the_address),
        cmocka_unit_test(test_random_panes_are_malloc_py_runs_of_their_policy),
        cmocka_unit_test(test_negative_header_frees_a_payload_at_offset_zero),
        cmocka_unit_test(test_odd_headers_replay_as_malloc_py_prints),
        cmocka_unit_test(test_results_hide_until_asked_for),
        cmocka_unit_test(test_divergence_counts_only_revealed_steps),
        cmocka_unit_test(test_divergence_count_at_any_step_of_a_long_run),
        cmocka_unit_test(test_compute_flag_shows_results_at_once),
        cmocka_unit_test(test_free_list_is_drawn_in_list_order),
        cmocka_unit_test(test_label_without_room_goes_left_of_its_badge),
        cmocka_unit_test(test_hidden_result_marks_nothing_on_the_grid),
        cmocka_unit_test(test_timeline_hides_the_future_without_compute),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
