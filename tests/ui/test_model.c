/*
 * test_model.c - every action of the model, with no window: playing and
 * speed, stepping and jumping, policies, seeds, compaction, views, zoom and
 * pan, hover lookup from a cell to its block, and the panel's lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "layout.h"
#include "model.h"
#include "recorded_pairs.h"
#include "trace.h"
#include "ui_test_support.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static Model *make_model(uint64_t steps, uint32_t compare_count)
{
    Workload workload = support_simulation(0, steps);
    Model *model = support_model(&workload, compare_count);
    assert_non_null(model);
    model_set_grid_area(model, 800, 600);
    return model;
}

static void apply(Model *model, ActionKind kind, int64_t amount)
{
    Action action = {.kind = kind, .amount = amount};
    assert_true(model_apply(model, &action, 0));
}

static void apply_at(Model *model, ActionKind kind, double x, double y, int64_t amount)
{
    Action action = {.kind = kind, .amount = amount, .x = x, .y = y};
    assert_true(model_apply(model, &action, 0));
}

static void assert_pane_matches_fresh_run(const Model *model, uint32_t pane, const uint64_t *schedule, uint32_t count)
{
    Run *fresh = support_run_to(model_workload(model), (HeapPolicy)model_pane_choice(model, pane).policy, schedule, count,
                                model_position(model));
    assert_true(support_same_heap(run_heap(fresh), model_heap(model, pane)));
    run_destroy(fresh);
}

static void test_starts_paused_at_step_zero(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    assert_int_equal(model_position(model), 0);
    assert_int_equal(model_total(model), 100);
    assert_false(model_playing(model));
    assert_int_equal(model_pane_count(model), 1);
    assert_int_equal(model_view(model), VIEW_CLASSIC);
    model_destroy(model);
}

static void test_play_advances_with_time_and_stops_at_the_end(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    assert_int_equal(model_speed(model), 10); /* a 100-step run plays in 10 s */
    Action play = {.kind = ACTION_TOGGLE_PLAY};
    model_apply(model, &play, 1000);
    assert_true(model_playing(model));
    uint64_t now = 1000;
    for (int frame = 0; frame < 10; frame++) {
        now += 100;
        model_update(model, now);
    }
    assert_int_equal(model_position(model), 10);
    assert_true(model_busy(model, now));
    for (int frame = 0; frame < 200; frame++) {
        now += 100;
        model_update(model, now);
    }
    assert_int_equal(model_position(model), 100);
    assert_false(model_playing(model));
    model_apply(model, &play, now); /* play at the end starts over */
    assert_int_equal(model_position(model), 0);
    assert_true(model_playing(model));
    model_apply(model, &play, now);
    assert_false(model_playing(model));
    assert_int_equal(model_update(model, now + 5000), 0);
    model_destroy(model);
}

static void test_speed_goes_up_and_down_within_limits(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    for (int i = 0; i < 40; i++) {
        apply(model, ACTION_SPEED, -1);
    }
    assert_int_equal(model_speed(model), 1);
    apply(model, ACTION_SPEED, 1);
    assert_int_equal(model_speed(model), 2);
    for (int i = 0; i < 40; i++) {
        apply(model, ACTION_SPEED, 1);
    }
    assert_int_equal(model_speed(model), 1000000);
    model_destroy(model);
}

static void test_step_forward_back_and_clamp(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    apply(model, ACTION_STEP, 1);
    assert_int_equal(model_position(model), 1);
    apply(model, ACTION_STEP, 10);
    assert_int_equal(model_position(model), 11);
    apply(model, ACTION_STEP, -10);
    assert_int_equal(model_position(model), 1);
    apply(model, ACTION_STEP, -100);
    assert_int_equal(model_position(model), 0);
    apply(model, ACTION_STEP, 1000);
    assert_int_equal(model_position(model), 100);
    assert_pane_matches_fresh_run(model, 0, NULL, 0);
    model_destroy(model);
}

static void test_restart_end_and_jumps(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    apply(model, ACTION_JUMP_TO, 42);
    assert_int_equal(model_position(model), 42);
    apply(model, ACTION_RESTART, 0);
    assert_int_equal(model_position(model), 0);
    apply_at(model, ACTION_JUMP_FRACTION, 0.5, 0, 0);
    assert_int_equal(model_position(model), 50);
    apply_at(model, ACTION_JUMP_FRACTION, 2.0, 0, 0);
    assert_int_equal(model_position(model), 100);
    apply(model, ACTION_RESTART, 0);
    apply(model, ACTION_JUMP_END, 0); /* the last step computed so far */
    assert_int_equal(model_position(model), history_computed(model_history(model, 0)));
    assert_pane_matches_fresh_run(model, 0, NULL, 0);
    model_destroy(model);
}

static void test_policy_switch_keeps_the_step(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    apply(model, ACTION_JUMP_TO, 60);
    for (HeapPolicy policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        apply(model, ACTION_POLICY, policy);
        assert_int_equal(model_pane_choice(model, 0).policy, policy);
        assert_int_equal(model_position(model), 60);
        assert_pane_matches_fresh_run(model, 0, NULL, 0);
    }
    model_destroy(model);
}

static void test_new_seed_starts_a_new_run(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    apply(model, ACTION_JUMP_TO, 30);
    uint64_t seed = model_workload(model)->sim.seed;
    apply(model, ACTION_NEW_SEED, 0);
    assert_int_not_equal(model_workload(model)->sim.seed, seed);
    assert_int_equal(model_position(model), 0);
    char title[200];
    model_title(model, title, sizeof title);
    char expected[64];
    snprintf(expected, sizeof expected, "seed %llu", (unsigned long long)model_workload(model)->sim.seed);
    assert_non_null(strstr(title, expected));
    model_destroy(model);
}

/* A capture of `count` mallocs of 8 bytes, each placed where `made` says,
 * and a one-pane configuration of `recorded` over it (heap_bytes for the
 * panes of other designs a test adds). */
static ModelConfig recorded_capture(const RecordedPairs *made, uint32_t count, uint64_t heap_bytes)
{
    Op ops[8];
    for (uint32_t i = 0; i < count && i < 8; i++)
        ops[i] = (Op){.kind = OP_MALLOC, .id = i, .bytes = 8, .line = i + 1};
    Trace *trace = trace_create("capture.rep", 0, count, ops, count);
    assert_non_null(trace);
    ModelConfig config = {.workload = {.kind = WORKLOAD_TRACE, .trace = trace}, .page_bytes = 4,
                          .history_bytes = 16u << 20};
    config.heap = (AllocatorSetup){allocator_design_find("recorded"), allocator_default_config(heap_bytes)};
    config.heap.config.recorded = made->placements;
    return config;
}

/* A capture under `recorded`: a region starts at a page, so every row of the
 * grid, a power of two of bytes, is labelled with a round address (a
 * multiple of the row's bytes, or of the page's when rows are larger),
 * whatever the area, zoomed in or not. The blocks sit at glibc's odd
 * addresses: the brk heap's first at 0x55a629a562a0, an mmapped one at
 * 0x7f3adb51e010. */
static void test_recorded_rows_start_at_round_addresses(void **state)
{
    (void)state;
    static const RecordedPair placements[] = {
        {0x55a629a562a0, 40}, {0x55a629a562d0, 664}, {0x55a629a9a570, 296}, {0x7f3adb51e010, 163824}};
    RecordedPairs made = recorded_pairs(placements, 4);
    ModelConfig config = recorded_capture(&made, 4, 0);
    Model *model = NULL;
    assert_int_equal(model_create(&config, &model), HEAP_OK);
    apply(model, ACTION_STEP, 4);
    static const uint32_t areas[][2] = {{1280, 800}, {640, 400}, {200, 120}};
    for (int zoomed = 0; zoomed < 2; zoomed++) {
        for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++) {
            model_set_grid_area(model, areas[a][0], areas[a][1]);
            const GridGeometry *geometry = model_geometry(model);
            uint64_t row_bytes = grid_row_bytes(geometry), addresses = 0;
            uint64_t round = row_bytes < 4096 ? row_bytes : 4096;
            for (uint32_t row = 0; row < geometry->rows; row++) {
                char text[64];
                model_address_text(model, 0, geometry->first_byte + row * row_bytes, text, sizeof text);
                if (strncmp(text, "gap", 3) == 0)
                    continue;
                unsigned long long address = strtoull(text, NULL, 16);
                if (address % round != 0)
                    fail_msg("row %u of %llu bytes at %s", row, (unsigned long long)row_bytes, text);
                addresses++;
            }
            assert_true(addresses > 0);
        }
        apply_at(model, ACTION_ZOOM, 0.1, 0.1, 12); /* rows of fewer bytes, in the brk heap */
    }
    model_destroy(model);
    trace_destroy((Trace *)config.workload.trace);
    recorded_pairs_free(&made);
}

/* In compare mode each pane labels its rows with its own heap's addresses:
 * beside a capture's recorded pane, a tags pane shows its offsets, not
 * glibc's addresses. The recorded region starts at the page below its
 * first block's size word: 0x55a629a562a0 - 8, rounded down, 0x55a629a56000. */
static void test_compare_panes_label_rows_with_their_own_addresses(void **state)
{
    (void)state;
    static const RecordedPair placements[] = {{0x55a629a562a0, 40}, {0x55a629a562d0, 664}};
    RecordedPairs made = recorded_pairs(placements, 2);
    ModelConfig config = recorded_capture(&made, 2, 1u << 20);
    config.compare_count = 2;
    config.compare[0] = (DesignPolicy){&tags_design, HEAP_FIRST_FIT};
    config.compare[1] = (DesignPolicy){config.heap.design, 0};
    Model *model = NULL;
    assert_int_equal(model_create(&config, &model), HEAP_OK);
    assert_int_equal(model_pane_count(model), 2);
    apply(model, ACTION_STEP, 2);
    char text[64];
    model_address_text(model, 0, 0x1000, text, sizeof text);
    assert_string_equal(text, "0x1000");
    model_address_text(model, 1, 0, text, sizeof text);
    assert_string_equal(text, "0x55a629a56000");
    model_address_text(model, 1, 0x2a0, text, sizeof text);
    assert_string_equal(text, "0x55a629a562a0");
    model_destroy(model);
    trace_destroy((Trace *)config.workload.trace);
    recorded_pairs_free(&made);
}

static void test_new_seed_on_a_trace_says_why_not(void **state)
{
    (void)state;
    Op ops[] = {{.kind = OP_MALLOC, .id = 0, .bytes = 100, .line = 1},
                {.kind = OP_MALLOC, .id = 1, .bytes = 200, .line = 2},
                {.kind = OP_FREE, .id = 0, .line = 3}};
    Trace *trace = trace_create("tiny.rep", 0, 2, ops, 3);
    ModelConfig config = {.workload = {.kind = WORKLOAD_TRACE, .trace = trace}, .page_bytes = 4,
                          .history_bytes = 16u << 20};
    config.heap = support_tags_setup(&config.workload, HEAP_FIRST_FIT);
    config.heap.config.heap_bytes = 4096;
    Model *model = NULL;
    assert_int_equal(model_create(&config, &model), HEAP_OK);
    apply(model, ACTION_NEW_SEED, 0);
    assert_non_null(strstr(model_status(model), "trace"));
    apply(model, ACTION_STEP, 3);
    char text[SENTENCE_MAX];
    model_sentence(model, 0, text, sizeof text);
    assert_non_null(strstr(text, "free 0x"));
    model_title(model, text, sizeof text);
    assert_string_equal(text, "step 3 of 3  first-fit  trace tiny.rep");
    model_destroy(model);
    trace_destroy(trace);
}

static void test_compact_injects_a_step_and_recomputes(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    apply(model, ACTION_JUMP_TO, 40);
    apply(model, ACTION_COMPACT, 0);
    assert_int_equal(model_position(model), 41);
    assert_int_equal(model_total(model), 101);
    assert_int_equal(allocator_stats(model_heap(model, 0))->compactions, 1);
    char text[SENTENCE_MAX];
    model_sentence(model, 0, text, sizeof text);
    assert_non_null(strstr(text, "compact"));
    uint64_t schedule[] = {41};
    apply(model, ACTION_JUMP_TO, 90);
    assert_pane_matches_fresh_run(model, 0, schedule, 1);
    apply(model, ACTION_POLICY, HEAP_BEST_FIT); /* the schedule survives a policy switch */
    assert_int_equal(model_total(model), 101);
    assert_pane_matches_fresh_run(model, 0, schedule, 1);
    model_destroy(model);
}

/* ] and [: a quarter larger or smaller (1.25 times), from 0.5 to 4 times,
 * and the usual size again on the way back through it. */
static void test_scale_steps_within_its_range(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    assert_true(model_scale(model) == 1.0);
    apply(model, ACTION_SCALE, 1);
    assert_true(model_scale(model) == 1.25);
    assert_non_null(strstr(model_status(model), "125%"));
    apply(model, ACTION_SCALE, 1);
    assert_true(model_scale(model) == 1.5625);
    for (int i = 0; i < 20; i++) {
        apply(model, ACTION_SCALE, 1);
    }
    assert_true(model_scale(model) == 4.0);
    for (int i = 0; i < 20; i++) {
        apply(model, ACTION_SCALE, -1);
    }
    assert_true(model_scale(model) == 0.5);
    apply(model, ACTION_SCALE, 1);
    assert_true(model_scale(model) == 0.625);
    apply(model, ACTION_SCALE, 1);
    apply(model, ACTION_SCALE, 1);
    assert_true(model_scale(model) == 0.9765625);
    apply(model, ACTION_SCALE, 1); /* 1.22 passes 1: the usual size */
    assert_true(model_scale(model) == 1.0);
    model_destroy(model);
}

static void test_view_toggles(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    model_take_dirty(model, 0);
    apply(model, ACTION_TOGGLE_VIEW, 0);
    assert_int_equal(model_view(model), VIEW_DETAIL);
    assert_true(model_take_dirty(model, 0).full);
    apply(model, ACTION_TOGGLE_VIEW, 0);
    assert_int_equal(model_view(model), VIEW_CLASSIC);
    model_take_dirty(model, 0);
    assert_false(model_take_dirty(model, 0).full);
    model_request_redraw(model);
    assert_true(model_take_dirty(model, 0).full);
    apply(model, ACTION_TOGGLE_GRID_LINES, 0);
    assert_true(model_grid_lines(model));
    apply(model, ACTION_TOGGLE_HELP, 0);
    assert_true(model_help_visible(model));
    apply(model, ACTION_TOGGLE_HELP, 0);
    assert_false(model_help_visible(model));
    for (SeriesKind series = 0; series < SERIES_COUNT; series++) {
        assert_true(model_plot_visible(model, series));
        apply(model, ACTION_TOGGLE_PLOT, series);
        assert_false(model_plot_visible(model, series));
    }
    apply(model, ACTION_QUIT, 0);
    assert_true(model_quit_requested(model));
    model_destroy(model);
}

/* In compare mode the timeline plots one metric at a time: e/u/b/l choose it. */
static void test_compare_plots_one_metric_at_a_time(void **state)
{
    (void)state;
    Model *model = make_model(100, 3);
    assert_true(model_plot_visible(model, SERIES_EXTERNAL_FRAGMENTATION));
    for (SeriesKind chosen = 0; chosen < SERIES_COUNT; chosen++) {
        apply(model, ACTION_TOGGLE_PLOT, chosen);
        for (SeriesKind series = 0; series < SERIES_COUNT; series++) {
            assert_int_equal(model_plot_visible(model, series), series == chosen);
        }
    }
    model_destroy(model);
}

static void test_screenshot_request_and_name(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    apply(model, ACTION_POLICY, HEAP_BEST_FIT);
    apply(model, ACTION_JUMP_TO, 42);
    char name[100];
    model_screenshot_name(model, name, sizeof name);
    assert_string_equal(name, "heapviz-best-fit-step-42.png");
    model_destroy(model);
}

static void test_compare_mode_panes_in_lockstep(void **state)
{
    (void)state;
    Model *model = make_model(200, 0);
    apply(model, ACTION_JUMP_TO, 80);
    apply(model, ACTION_TOGGLE_COMPARE, 0);
    assert_int_equal(model_pane_count(model), 5);
    assert_int_equal(model_position(model), 80);
    apply(model, ACTION_STEP, -7);
    for (uint32_t pane = 0; pane < 5; pane++) {
        assert_int_equal(model_pane_choice(model, pane).policy, pane);
        assert_pane_matches_fresh_run(model, pane, NULL, 0);
    }
    apply(model, ACTION_POLICY, HEAP_BUMP); /* removes that pane */
    assert_int_equal(model_pane_count(model), 4);
    apply(model, ACTION_POLICY, HEAP_BUMP); /* and brings it back */
    assert_int_equal(model_pane_count(model), 5);
    apply(model, ACTION_TOGGLE_COMPARE, 0);
    assert_int_equal(model_pane_count(model), 1);
    assert_int_equal(model_position(model), 73);
    model_destroy(model);
}

static void test_compare_keeps_at_least_two_panes(void **state)
{
    (void)state;
    Model *model = make_model(100, 2);
    assert_int_equal(model_pane_count(model), 2);
    apply(model, ACTION_POLICY, HEAP_FIRST_FIT);
    assert_int_equal(model_pane_count(model), 2);
    assert_non_null(strstr(model_status(model), "two"));
    model_destroy(model);
}

static uint64_t placed_by(const StepReport *report)
{
    bool placing = report->event.kind == HEAP_EVENT_MALLOC || report->event.kind == HEAP_EVENT_REALLOC;
    return placing && report->error == HEAP_OK ? report->event.result : 0;
}

static void test_divergence_marks_different_placements_and_failures(void **state)
{
    (void)state;
    Model *model = make_model(300, 5);
    while (model_compute_ahead(model, 1000) > 0) {
    }
    Run *runs[5];
    for (uint32_t pane = 0; pane < 5; pane++) {
        runs[pane] = support_run_to(model_workload(model), (HeapPolicy)model_pane_choice(model, pane).policy, NULL, 0, 0);
    }
    uint64_t count = 0, first = 0;
    for (uint64_t step = 1; step <= 300; step++) {
        StepReport reports[5];
        for (uint32_t pane = 0; pane < 5; pane++) {
            assert_true(run_step(runs[pane], &reports[pane]));
        }
        bool diverged = false;
        for (uint32_t pane = 1; pane < 5; pane++) {
            diverged = diverged || placed_by(&reports[pane]) != placed_by(&reports[0]) ||
                       (reports[pane].error == HEAP_ERROR_OUT_OF_MEMORY) != (reports[0].error == HEAP_ERROR_OUT_OF_MEMORY);
        }
        assert_int_equal(model_diverged_at(model, step), diverged);
        count += diverged;
        first = first ? first : (diverged ? step : 0);
    }
    assert_true(count > 0);
    assert_int_equal(model_divergence_count(model), count);
    assert_int_equal(model_first_divergence(model), first);
    for (uint32_t pane = 0; pane < 5; pane++) {
        run_destroy(runs[pane]);
    }
    model_destroy(model);
}

/* A model of the .rep `text` (parsed into *trace, which the caller
 * destroys after the model) on a tags heap of `heap_bytes`. */
static Model *trace_model(const char *text, uint64_t heap_bytes, Trace **trace)
{
    char message[200];
    assert_true(trace_parse(text, strlen(text), "test.rep", trace, message, sizeof message));
    ModelConfig config = {.workload = {.kind = WORKLOAD_TRACE, .trace = *trace}, .page_bytes = 4,
                          .history_bytes = 1u << 26};
    config.heap = (AllocatorSetup){&tags_design, allocator_default_config(heap_bytes)};
    Model *model = NULL;
    assert_int_equal(model_create(&config, &model), HEAP_OK);
    return model;
}

/* Bytes [first_byte, first_byte + rows * columns * bytes_per_cell) are on screen. */
static bool shows_byte(const GridGeometry *geometry, double byte)
{
    double end = (double)geometry->first_byte + (double)geometry->rows * geometry->columns * geometry->bytes_per_cell;
    return byte >= (double)geometry->first_byte && byte < end;
}

/* The byte at fraction (x, y) of the grid: row floor(y * rows), x of the way along it. */
static double byte_under(const GridGeometry *geometry, double x, double y)
{
    double cell = floor(y * geometry->rows) * geometry->columns + x * geometry->columns;
    return (double)geometry->first_byte + cell * (double)geometry->bytes_per_cell;
}

/* Zooming shows fewer bytes in finer cells, down to one byte a cell, and
 * keeps the byte under the pointer on screen; dragging moves whole rows. */
static void test_zoom_makes_cells_finer_around_the_pointer(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    const GridGeometry *geometry = model_geometry(model);
    assert_int_equal(geometry->heap_bytes, 32768); /* a simulation opens on its whole heap */
    assert_int_equal(geometry->first_byte, 0);
    double x = 0.3, y = 0.6;
    double pointer = byte_under(geometry, x, y);
    apply_at(model, ACTION_ZOOM, x, y, 10);
    assert_int_equal(geometry->heap_bytes, (uint64_t)(32768 / pow(1.25, 10)));
    assert_true(shows_byte(geometry, pointer));
    assert_int_equal(geometry->first_byte % (geometry->columns * geometry->bytes_per_cell), 0);
    pointer = byte_under(geometry, x, y);
    apply_at(model, ACTION_ZOOM, x, y, 30);
    assert_int_equal(geometry->heap_bytes, MODEL_MIN_VIEW_BYTES);
    assert_int_equal(geometry->bytes_per_cell, 1);
    assert_true(shows_byte(geometry, pointer));
    uint64_t before = geometry->first_byte, row_bytes = geometry->columns * geometry->bytes_per_cell;
    apply_at(model, ACTION_PAN, 0, -0.5, 0); /* drag up by half the grid: half its rows further on */
    assert_int_equal(geometry->first_byte, before + geometry->rows / 2 * row_bytes);
    apply_at(model, ACTION_PAN, 0, 1000, 0); /* clamped to the heap's start */
    assert_int_equal(geometry->first_byte, 0);
    apply(model, ACTION_RESET_ZOOM, 0);
    assert_int_equal(geometry->heap_bytes, 32768);
    assert_int_equal(geometry->first_byte, 0);
    apply_at(model, ACTION_ZOOM, 0.5, 0.5, -5); /* cannot zoom out past the whole heap */
    assert_int_equal(geometry->heap_bytes, 32768);
    model_destroy(model);
}

/* A trace opens on its high water over the whole run (40,016 B: one block of
 * 40,000 B plus 16 B of tags), rounded up to 40,960 B (a multiple of 1 KiB,
 * a 32nd of the next power of two); 0 switches to the whole 20 MiB heap
 * and back. */
static void test_trace_opens_on_its_high_water(void **state)
{
    (void)state;
    Trace *trace = NULL;
    Model *model = trace_model("0\n1\n2\n1\na 0 40000\nf 0\n", 20u << 20, &trace);
    while (model_compute_ahead(model, 64) > 0) {
    }
    model_set_grid_area(model, 800, 600);
    const GridGeometry *geometry = model_geometry(model);
    assert_int_equal(geometry->heap_bytes, 40960);
    apply(model, ACTION_RESET_ZOOM, 0);
    assert_int_equal(geometry->heap_bytes, 20u << 20);
    apply(model, ACTION_RESET_ZOOM, 0);
    assert_int_equal(geometry->heap_bytes, 40960);
    model_destroy(model);
    trace_destroy(trace);
}

static void test_hover_finds_the_block_of_a_cell(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    while (allocator_stats(model_heap(model, 0))->used_blocks < 3) {
        apply(model, ACTION_STEP, 1);
    }
    const GridGeometry *geometry = model_geometry(model);
    const Allocator *heap = model_heap(model, 0);
    HeapBlock block;
    assert_true(allocator_first_block(heap, &block));
    int checked = 0;
    do {
        uint64_t cell = (block.offset + block.size - 1) / geometry->bytes_per_cell; /* the block's last cell */
        double x = ((double)(cell % geometry->columns) + 0.5) / geometry->columns;
        double y = ((double)(cell / geometry->columns) + 0.5) / geometry->rows;
        apply_at(model, ACTION_HOVER, x, y, 0);
        uint32_t pane = 9;
        HeapBlock found;
        assert_true(model_hover_block(model, &pane, &found));
        assert_int_equal(pane, 0);
        assert_int_equal(found.offset, block.offset);
        assert_int_equal(found.size, block.size);
        int64_t owner = model_block_owner(model, pane, &found);
        if (found.state == HEAP_BLOCK_USED) { /* the slot whose payload it is */
            assert_true(owner >= 0);
            assert_int_equal(run_id_payload(history_run(model_history(model, 0)), (uint32_t)owner),
                             found.payload);
        } else {
            assert_int_equal(owner, -1);
        }
        checked++;
    } while (allocator_next_block(heap, &block));
    assert_true(checked >= 2);
    apply_at(model, ACTION_HOVER, 0.5, 0.5, -1);
    uint32_t pane;
    assert_false(model_hover_block(model, &pane, &block));
    model_destroy(model);
}

static void test_touched_block_and_mark(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    Action step = {.kind = ACTION_STEP, .amount = 1};
    model_apply(model, &step, 1000); /* the first malloc splits the one free block */
    const StepReport *report = history_report(model_history(model, 0));
    Highlight touched = model_touched(model, 0);
    assert_true(touched.present);
    assert_int_equal(touched.offset, report->event.block_offset);
    Highlight marks[MODEL_MAX_MARKS];
    assert_int_equal(model_marks(model, 0, 1000 + MODEL_MARK_MS / 2, marks), 1);
    assert_int_equal(marks[0].offset, report->event.split_offset); /* the remainder of the split */
    assert_int_equal(marks[0].size, report->event.chosen_free_size - report->event.block_size);
    assert_int_equal(model_marks(model, 0, 1000 + MODEL_MARK_MS, marks), 0);
    assert_true(model_busy(model, 1000));
    assert_true(model_mark_strength(model, 1000) == 1.0);
    assert_true(model_mark_strength(model, 1000 + MODEL_MARK_MS / 2) < 0.6);
    model_destroy(model);
}

/* While playing at 10 steps/s a mark lasts one step's time, 100 ms, and is
 * gone before the next step. */
static void test_mark_lasts_one_step_while_playing(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    assert_int_equal(model_speed(model), 10);
    Action play = {.kind = ACTION_TOGGLE_PLAY};
    model_apply(model, &play, 0);
    assert_int_equal(model_update(model, 100), 1); /* the first malloc splits the free block */
    Highlight marks[MODEL_MAX_MARKS];
    assert_int_equal(model_marks(model, 0, 150, marks), 1);
    assert_int_equal(model_marks(model, 0, 200, marks), 0);
    model_destroy(model);
}

/* A realloc that moves marks the place it left and the place it went. */
static void test_moving_realloc_marks_both_places(void **state)
{
    (void)state;
    Trace *trace = NULL;
    Model *model = trace_model("0\n2\n3\n1\na 0 16\na 1 16\nr 0 200\n", 4096, &trace);
    Action jump = {.kind = ACTION_JUMP_TO, .amount = 3};
    model_apply(model, &jump, 1000);
    Highlight marks[MODEL_MAX_MARKS];
    assert_int_equal(model_marks(model, 0, 1001, marks), 2);
    /* block 0 was [0, 32) (payload 8); it moved above block 1 [32, 64) to [64, 280) */
    assert_int_equal(marks[0].offset, 0);
    assert_int_equal(marks[0].size, 32);
    assert_int_equal(marks[1].offset, 64);
    assert_int_equal(marks[1].size, 216);
    Highlight touched = model_touched(model, 0);
    assert_int_equal(touched.offset, 64);
    model_destroy(model);
    trace_destroy(trace);
}

static void test_dirty_ranges_after_steps(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    model_take_dirty(model, 0);
    apply(model, ACTION_STEP, 1);
    DirtyRange dirty = model_take_dirty(model, 0);
    assert_false(dirty.full);
    assert_true(dirty.start < dirty.end);
    dirty = model_take_dirty(model, 0);
    assert_true(dirty.start >= dirty.end && !dirty.full); /* taken: nothing left */
    apply(model, ACTION_STEP, -1);
    assert_true(model_take_dirty(model, 0).full);
    model_destroy(model);
}

/* Applies a dirty range to `pixels` the way the renderer updates its texture rows. */
static void apply_dirty(const Model *model, DirtyRange dirty, uint32_t *pixels)
{
    const GridGeometry *geometry = model_geometry(model);
    uint64_t first_row, end_row;
    if (!grid_dirty_rows(geometry, dirty.start, dirty.end, dirty.full, &first_row, &end_row)) {
        return;
    }
    grid_fill(model_heap(model, 0), geometry, model_view(model), first_row * geometry->columns,
              end_row * geometry->columns, pixels + first_row * geometry->columns, geometry->columns);
}

static void test_dirty_updates_equal_a_full_redraw(void **state)
{
    (void)state;
    for (HeapPolicy policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        for (int view = 0; view < 2; view++) {
            Model *model = make_model(300, 0);
            apply(model, ACTION_POLICY, policy);
            if (view) {
                apply(model, ACTION_TOGGLE_VIEW, 0);
            }
            const GridGeometry *geometry = model_geometry(model);
            size_t texels = (size_t)geometry->columns * geometry->rows;
            uint32_t *shown = calloc(texels, sizeof *shown), *fresh = calloc(texels, sizeof *fresh);
            static const int64_t moves[] = {1, 1, 1, 5, 1, -1, 1, 30, -7, 1, 1, 100, 1};
            for (int round = 0; round < 40; round++) {
                apply(model, ACTION_STEP, moves[round % 13]);
                if (round == 20) {
                    apply(model, ACTION_COMPACT, 0);
                }
                apply_dirty(model, model_take_dirty(model, 0), shown);
                grid_fill(model_heap(model, 0), geometry, model_view(model), 0, texels, fresh, geometry->columns);
                assert_memory_equal(shown, fresh, texels * sizeof *shown);
            }
            free(shown);
            free(fresh);
            model_destroy(model);
        }
    }
}

/* A pane's heap is made with room for the most blocks its trace holds at
 * once (its slots), so its live map never grows: the history of a trace
 * that only fills keeps one keyframe, and every other snapshot is a delta.
 * A simulation's slots can be many more than its heap holds: its pane's
 * heap starts as a plain one does, with the same memory. */
static void test_panes_are_sized_for_the_traces_blocks(void **state)
{
    (void)state;
    Trace *trace = support_filling_trace(20000);
    assert_non_null(trace);
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    Model *model = support_model(&workload, 0);
    assert_non_null(model);
    while (model_compute_ahead(model, 4096) > 0 || model_settling(model)) {
    }
    uint32_t keyframes = 0, deltas = 0;
    history_snapshot_kinds(model_history(model, 0), &keyframes, &deltas);
    assert_int_equal(keyframes, 1);
    assert_true(deltas > 1);
    model_destroy(model);
    trace_destroy(trace);
    Model *simulation = make_model(40000, 0);
    Run *plain = support_run_to(model_workload(simulation), HEAP_FIRST_FIT, NULL, 0, 0);
    assert_int_equal(allocator_memory_bytes(model_heap(simulation, 0)), allocator_memory_bytes(run_heap(plain)));
    run_destroy(plain);
    model_destroy(simulation);
}

static void test_compute_ahead_reaches_the_end(void **state)
{
    (void)state;
    Model *model = make_model(1000, 0);
    uint64_t done = 0, chunk;
    while ((chunk = model_compute_ahead(model, 128)) > 0) {
        done += chunk;
    }
    assert_int_equal(done, 1000);
    assert_true(model_settling(model)); /* the work after the run, a piece a call */
    assert_true(model_busy(model, 0));
    while (model_settling(model)) {
        assert_int_equal(model_compute_ahead(model, 128), 0);
    }
    assert_int_equal(model_position(model), 0);
    assert_false(model_busy(model, 0));
    model_destroy(model);
}

static void test_title_line(void **state)
{
    (void)state;
    Model *model = make_model(100, 0);
    apply(model, ACTION_JUMP_TO, 7);
    char title[200];
    model_title(model, title, sizeof title);
    assert_string_equal(title, "step 7 of 100  first-fit  seed 0");
    model_destroy(model);
    /* Steps are grouped in threes, as the counters' bytes are. */
    model = make_model(2500, 0);
    apply(model, ACTION_JUMP_TO, 1234);
    model_title(model, title, sizeof title);
    assert_string_equal(title, "step 1,234 of 2,500  first-fit  seed 0");
    model_destroy(model);
}

/* The step's label under the timeline, worked by hand on a plot 1000 px
 * wide at x = 10 with 8-px characters: "0" at 10, the total's label
 * right-aligned at 1010. */
static void test_step_label_clears_the_total(void **state)
{
    (void)state;
    LayoutRect plot = {10, 0, 1000, 50};
    /* At the end of a 10,010,665-step run: "step 10,010,665" (120 px) ends
     * two characters before "10,010,665" (80 px), which starts at 930. */
    assert_int_equal(layout_step_label_x(&plot, 8, 1010, 120, 80), 930 - 16 - 120);
    /* In the middle: centred on the cursor. */
    assert_int_equal(layout_step_label_x(&plot, 8, 500, 120, 80), 440);
    /* At step 0: two characters right of the "0". */
    assert_int_equal(layout_step_label_x(&plot, 8, 10, 48, 80), 26);
    /* A plot too narrow for both: over the "0" rather than cut. */
    LayoutRect narrow = {10, 0, 100, 50};
    assert_int_equal(layout_step_label_x(&narrow, 8, 60, 120, 80), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starts_paused_at_step_zero),
        cmocka_unit_test(test_play_advances_with_time_and_stops_at_the_end),
        cmocka_unit_test(test_speed_goes_up_and_down_within_limits),
        cmocka_unit_test(test_step_forward_back_and_clamp),
        cmocka_unit_test(test_restart_end_and_jumps),
        cmocka_unit_test(test_policy_switch_keeps_the_step),
        cmocka_unit_test(test_new_seed_starts_a_new_run),
        cmocka_unit_test(test_new_seed_on_a_trace_says_why_not),
        cmocka_unit_test(test_compact_injects_a_step_and_recomputes),
        cmocka_unit_test(test_view_toggles),
        cmocka_unit_test(test_scale_steps_within_its_range),
        cmocka_unit_test(test_screenshot_request_and_name),
        cmocka_unit_test(test_compare_mode_panes_in_lockstep),
        cmocka_unit_test(test_compare_keeps_at_least_two_panes),
        cmocka_unit_test(test_divergence_marks_different_placements_and_failures),
        cmocka_unit_test(test_compare_plots_one_metric_at_a_time),
        cmocka_unit_test(test_zoom_makes_cells_finer_around_the_pointer),
        cmocka_unit_test(test_trace_opens_on_its_high_water),
        cmocka_unit_test(test_hover_finds_the_block_of_a_cell),
        cmocka_unit_test(test_touched_block_and_mark),
        cmocka_unit_test(test_mark_lasts_one_step_while_playing),
        cmocka_unit_test(test_moving_realloc_marks_both_places),
        cmocka_unit_test(test_dirty_ranges_after_steps),
        cmocka_unit_test(test_dirty_updates_equal_a_full_redraw),
        cmocka_unit_test(test_compute_ahead_reaches_the_end),
        cmocka_unit_test(test_panes_are_sized_for_the_traces_blocks),
        cmocka_unit_test(test_title_line),
        cmocka_unit_test(test_recorded_rows_start_at_round_addresses),
        cmocka_unit_test(test_compare_panes_label_rows_with_their_own_addresses),
        cmocka_unit_test(test_step_label_clears_the_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
