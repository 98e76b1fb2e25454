/*
 * model.c - the window's state and actions (see model.h).
 *
 * Every pane owns a History of the same workload under its own policy; all
 * panes always stand at the same step, so an action that moves in time moves
 * them together. Switching policy, the compare set or the seed rebuilds the
 * panes (keeping the compaction schedule and, except for a new seed, the
 * step). The history budget is shared equally between the panes.
 */
#include "model.h"

#include "sim.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t speed_levels[] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000,
    10000, 20000, 50000, 100000, 200000, 500000, 1000000,
};
enum { SPEED_LEVEL_COUNT = sizeof speed_levels / sizeof speed_levels[0] };

/* Compare mode keeps the divergence count at every DIVERGENCE_BLOCK steps, so
 * that counting the divergences up to any step scans at most one block. */
enum { DIVERGENCE_BLOCK = 4096 };

typedef struct {
    DesignPolicy choice;         /* the pane's design and policy */
    History *history;
    bool full_redraw;            /* the renderer must redraw every cell */
} Pane;

struct Model {
    ModelConfig config;          /* config.workload.sim.seed follows `n` */
    Pane panes[MODEL_MAX_PANES];
    uint32_t pane_count;
    DesignPolicy compare_set[MODEL_MAX_PANES];
    uint32_t compare_count;      /* panes `m` opens, 2..MODEL_MAX_PANES */
    bool playing;
    int speed_index;
    double step_debt;            /* steps due but not yet taken */
    uint64_t last_update_ms;
    uint64_t rate_start_ms, rate_steps; /* steps since rate_start_ms */
    double measured_speed;       /* steps per second */
    ViewMode view;
    bool grid_lines, help, quit;
    double scale;                /* text and lines, times their size */
    bool plots[SERIES_COUNT];    /* one pane: the plots switched on */
    SeriesKind compare_series;   /* compare mode: the one plot, a line per pane */
    uint32_t area_width, area_height; /* grid area, pixels */
    GridGeometry geometry;
    ViewExtent extent;           /* what the grid window shows */
    uint64_t zoom_bytes;         /* VIEW_ZOOMED: the bytes the window shows */
    uint64_t view_start;         /* the window's first byte, a multiple of a row's bytes */
    double pan_rows;             /* a drag's rows not yet moved */
    int hover_pane;              /* -1: the pointer is on no grid */
    double hover_x, hover_y;     /* fractions of the grid area */
    int hover_point_x, hover_point_y; /* the same point in the window, output pixels */
    uint64_t mark_start_ms, mark_until_ms; /* the last step's marks fade in between */
    uint64_t generation;         /* bumped when the run's past changes */
    uint64_t divergence_scanned; /* steps checked for divergence */
    uint64_t divergence_count, first_divergence;
    uint64_t *divergences_before; /* [k]: divergences in steps 1 .. k * DIVERGENCE_BLOCK */
    uint64_t divergence_blocks, divergence_capacity; /* entries kept, entries allocated */
    char status[MODEL_STATUS_MAX];
    SearchPlay searches[MODEL_MAX_PANES]; /* each pane's last search, played back */
    bool search_steps;           /* a step forward shows its search probe by probe */
    bool structure;              /* free list and markers drawn on the grids */
    Quiz quiz;                   /* predict, then reveal */
    bool asking;                 /* OSTEP without -c: the next operation shows, its results hidden */
};

/* --- panes ------------------------------------------------------------------ */

static void reset_divergence(Model *model);

/* The workload a pane replays: in OSTEP mode its policy's run of malloc.py
 * (NULL where malloc.py stops under that policy), else the one workload. */
static const Workload *pane_workload(const Model *model, DesignPolicy choice)
{
    if (model->config.ostep != NULL) {
        return ostep_runs_workload(model->config.ostep, choice.policy);
    }
    return &model->config.workload;
}

/* Whether every choice has a run; if not, the status line says why. */
static bool choices_have_runs(Model *model, const DesignPolicy *choices, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (pane_workload(model, choices[i]) == NULL) {
            char text[MODEL_STATUS_MAX];
            snprintf(text, sizeof text, "no %s pane: %s", choices[i].design->policies[choices[i].policy],
                     ostep_runs_refusal(model->config.ostep, choices[i].policy));
            model_set_status(model, text);
            return false;
        }
    }
    return true;
}

static void destroy_panes(Model *model)
{
    for (uint32_t i = 0; i < model->pane_count; i++) {
        history_destroy(model->panes[i].history);
        model->panes[i].history = NULL;
    }
    model->pane_count = 0;
}

/* Replaces the panes by one per choice, at `step`, with `schedule` (copied). */
static HeapError build_panes(Model *model, const DesignPolicy *choices, uint32_t count,
                             const uint64_t *schedule, uint32_t schedule_count, uint64_t step)
{
    destroy_panes(model);
    model->generation++;
    reset_divergence(model);
    for (uint32_t i = 0; i < count; i++) {
        AllocatorSetup setup = model->config.heap;
        setup.design = choices[i].design;
        setup.config.policy = choices[i].policy;
        Pane *pane = &model->panes[i];
        const Workload *workload = pane_workload(model, choices[i]);
        HeapError error = workload == NULL ? HEAP_ERROR_INVALID_CONFIG
                                           : history_create(workload, &setup, schedule, schedule_count,
                                         model->config.history_bytes / count, &pane->history);
        if (error != HEAP_OK) {
            destroy_panes(model);
            return error;
        }
        pane->choice = choices[i];
        pane->full_redraw = true;
        model->pane_count = i + 1;
        if (!history_jump(pane->history, step)) {
            destroy_panes(model);
            return HEAP_ERROR_OUT_OF_MEMORY;
        }
    }
    return HEAP_OK;
}

/* Rebuilds the panes for new choices, keeping the step and the compactions. */
static bool rebuild_panes(Model *model, const DesignPolicy *choices, uint32_t count, bool keep_schedule)
{
    if (!choices_have_runs(model, choices, count)) {
        return true; /* the panes stay as they are */
    }
    uint64_t step = keep_schedule ? model_position(model) : 0;
    uint32_t schedule_count = 0;
    const uint64_t *schedule = history_compactions(model->panes[0].history, &schedule_count);
    schedule_count = keep_schedule ? schedule_count : 0;
    uint64_t *copy = malloc((schedule_count + 1) * sizeof *copy);
    if (copy == NULL) {
        return false;
    }
    memcpy(copy, schedule, schedule_count * sizeof *copy);
    DesignPolicy chosen[MODEL_MAX_PANES];
    memcpy(chosen, choices, count * sizeof *chosen);
    HeapError error = build_panes(model, chosen, count, copy, schedule_count, step);
    free(copy);
    if (error != HEAP_OK) {
        model_set_status(model, heap_error_message(error));
        return false;
    }
    return !model->quiz.on || quiz_ask(&model->quiz, history_run(model->panes[0].history));
}

bool model_diverged_at(const Model *model, uint64_t step)
{
    if (model->pane_count < 2 || step == 0) {
        return false;
    }
    const History *first = model->panes[0].history;
    uint64_t placed = history_placed(first, step);
    bool failed = history_sample(first, step).failed;
    for (uint32_t i = 1; i < model->pane_count; i++) {
        const History *other = model->panes[i].history;
        if (history_placed(other, step) != placed || history_sample(other, step).failed != failed) {
            return true;
        }
    }
    return false;
}

static uint64_t computed_everywhere(const Model *model);

/* Notes that the divergence count through `step`, a multiple of
 * DIVERGENCE_BLOCK, is the current count. Out of memory, the blocks stop
 * there: counting to a later step then scans from the last one kept. */
static void keep_divergence_block(Model *model, uint64_t step)
{
    uint64_t index = step / DIVERGENCE_BLOCK;
    if (index != model->divergence_blocks) {
        return;
    }
    if (index == model->divergence_capacity) {
        uint64_t capacity = model->divergence_capacity ? 2 * model->divergence_capacity : 64;
        uint64_t *grown = realloc(model->divergences_before, capacity * sizeof *grown);
        if (grown == NULL) {
            return;
        }
        model->divergences_before = grown;
        model->divergence_capacity = capacity;
    }
    model->divergences_before[index] = model->divergence_count;
    model->divergence_blocks = index + 1;
}

/* Counts divergences over the steps computed since the last call. */
static void scan_divergence(Model *model)
{
    uint64_t computed = computed_everywhere(model);
    while (model->pane_count > 1 && model->divergence_scanned < computed) {
        uint64_t step = ++model->divergence_scanned;
        if (model_diverged_at(model, step)) {
            model->divergence_count++;
            model->first_divergence = model->first_divergence ? model->first_divergence : step;
        }
        if (step % DIVERGENCE_BLOCK == 0) {
            keep_divergence_block(model, step);
        }
    }
}

/* Forgets every divergence counted: the run's past changed. */
static void reset_divergence(Model *model)
{
    model->divergence_scanned = model->divergence_count = model->first_divergence = 0;
    model->divergence_blocks = 0;
    keep_divergence_block(model, 0);
}

/* One step's time at the current speed while playing (the mark is gone
 * before the next step comes), else MODEL_MARK_MS. */
static void start_mark(Model *model, uint64_t now_ms)
{
    uint64_t duration = MODEL_MARK_MS;
    if (model->playing) {
        uint64_t step_ms = 1000 / model_speed(model);
        duration = step_ms < duration ? step_ms : duration;
    }
    model->mark_start_ms = now_ms;
    model->mark_until_ms = now_ms + duration;
}

static bool move_to(Model *model, uint64_t step, uint64_t now_ms)
{
    bool ok = true;
    model->asking = false;
    for (uint32_t i = 0; i < MODEL_MAX_PANES; i++) {
        search_play_stop(&model->searches[i]);
    }
    for (uint32_t i = 0; i < model->pane_count; i++) {
        ok = history_jump(model->panes[i].history, step) && ok;
    }
    start_mark(model, now_ms);
    if (model->quiz.on && !model->playing && !quiz_ask(&model->quiz, history_run(model->panes[0].history))) {
        ok = false;
    }
    if (!ok) {
        model_set_status(model, "out of memory while travelling in time");
    }
    scan_divergence(model);
    return ok;
}

static uint64_t computed_everywhere(const Model *model)
{
    uint64_t computed = UINT64_MAX;
    for (uint32_t i = 0; i < model->pane_count; i++) {
        uint64_t pane = history_computed(model->panes[i].history);
        computed = pane < computed ? pane : computed;
    }
    return computed;
}

/* --- creation ------------------------------------------------------------- */

static int default_speed_index(uint64_t total)
{
    int index = 0;
    while (index + 1 < SPEED_LEVEL_COUNT && speed_levels[index + 1] * 10 <= total) {
        index++;
    }
    return index;
}

HeapError model_create(const ModelConfig *config, Model **out)
{
    *out = NULL;
    Model *model = calloc(1, sizeof *model);
    if (model == NULL) {
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    model->config = *config;
    model->hover_pane = -1;
    model->scale = config->scale > 0 ? config->scale : 1.0;
    model->search_steps = config->search_steps;
    model->quiz.on = config->quiz;
    for (int i = 0; i < SERIES_COUNT; i++) {
        model->plots[i] = true;
    }
    uint32_t policies = allocator_policy_count(config->heap.design);
    model->compare_count = policies < MODEL_MAX_PANES ? policies : MODEL_MAX_PANES;
    for (uint32_t i = 0; i < model->compare_count; i++) {
        model->compare_set[i] = (DesignPolicy){ config->heap.design, i };
    }
    if (config->compare_count >= 2 && config->compare_count <= MODEL_MAX_PANES) {
        memcpy(model->compare_set, config->compare, config->compare_count * sizeof *config->compare);
        model->compare_count = config->compare_count;
    }
    bool compare = config->compare_count >= 2;
    DesignPolicy single = { config->heap.design, config->heap.config.policy };
    HeapError error = build_panes(model, compare ? model->compare_set : &single,
                                  compare ? model->compare_count : 1, NULL, 0, 0);
    if (error != HEAP_OK) {
        model_destroy(model);
        return error;
    }
    model->speed_index = default_speed_index(model_total(model));
    if (model->quiz.on && !quiz_ask(&model->quiz, history_run(model->panes[0].history))) {
        model_destroy(model);
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    *out = model;
    return HEAP_OK;
}

void model_destroy(Model *model)
{
    if (model != NULL) {
        destroy_panes(model);
        free(model->divergences_before);
        free(model);
    }
}

/* --- actions -------------------------------------------------------------- */

static bool step_by(Model *model, int64_t amount, uint64_t now_ms)
{
    uint64_t position = model_position(model);
    uint64_t target = amount < 0 ? (position > (uint64_t)-amount ? position + (uint64_t)amount : 0)
                                 : position + (uint64_t)amount;
    target = target < model_total(model) ? target : model_total(model);
    return move_to(model, target, now_ms);
}

/* Shows every pane's last search: by hand (budget 0) or on the clock, its
 * probes sharing `budget_ms`. */
static void start_searches(Model *model, uint64_t now_ms, uint64_t budget_ms)
{
    for (uint32_t i = 0; i < model->pane_count; i++) {
        search_play_start(&model->searches[i], model_heap(model, i), now_ms, budget_ms);
    }
}

/* Search-steps mode: one more probe in every pane still searching; false
 * when every search has shown its result. */
static bool advance_searches(Model *model)
{
    bool advanced = false;
    for (uint32_t i = 0; i < model->pane_count; i++) {
        advanced = search_play_advance(&model->searches[i]) || advanced;
    }
    return advanced;
}

/* OSTEP mode without -c: a step forward from a revealed step first shows
 * the next operation with its results hidden; a step back from there hides
 * it again. True when the step was spent on that. */
static bool ask_or_unask(Model *model, int64_t amount)
{
    if (!model_future_hidden(model) || (amount != 1 && amount != -1) || (amount == -1 && !model->asking)) {
        return false;
    }
    if (amount == -1 || model->asking) {
        bool was_asking = model->asking;
        model->asking = false;
        return amount == -1 && was_asking; /* asking and forward: the step reveals it */
    }
    model->asking = model_position(model) < model_total(model);
    return model->asking;
}

/* One step forward shows its search; other steps only move. */
static bool step_and_search(Model *model, int64_t amount, uint64_t now_ms)
{
    if (ask_or_unask(model, amount)) {
        return true;
    }
    if (amount == 1 && model->search_steps && advance_searches(model)) {
        return true;
    }
    if (amount == 1 && model->quiz.on && model->quiz.round.answered) { /* the verdict was read */
        return quiz_ask(&model->quiz, history_run(model->panes[0].history));
    }
    bool ok = step_by(model, amount, now_ms);
    if (amount == 1) {
        start_searches(model, now_ms, model->search_steps ? 0 : UINT64_MAX);
    }
    return ok;
}

/* Runs the step an answer was about, keeping the answer on screen. */
static bool reveal(Model *model, uint64_t now_ms)
{
    QuizRound answered = model->quiz.round;
    bool ok = step_by(model, 1, now_ms);
    start_searches(model, now_ms, model->search_steps ? 0 : UINT64_MAX);
    model->quiz.round = answered;
    return ok;
}

static bool offset_at(const Model *model, double x, double y, uint64_t *offset);

static bool apply_quiz_action(Model *model, const Action *action, uint64_t now_ms)
{
    Quiz *quiz = &model->quiz;
    uint64_t offset = 0;
    bool answered = false;
    switch (action->kind) {
    case ACTION_TOGGLE_QUIZ:
        quiz->on = !quiz->on;
        model->playing = false;
        return !quiz->on || quiz_ask(quiz, history_run(model->panes[0].history));
    case ACTION_QUIZ_WHERE:
        answered = offset_at(model, action->x, action->y, &offset) && quiz_answer_where(quiz, false, offset);
        break;
    case ACTION_QUIZ_FAILS: answered = quiz_answer_where(quiz, true, 0); break;
    case ACTION_QUIZ_CASE: answered = quiz_answer_case(quiz, (QuizCase)action->amount); break;
    default: break;
    }
    return !answered || reveal(model, now_ms);
}

static void toggle_play(Model *model, uint64_t now_ms)
{
    model->playing = !model->playing;
    model->step_debt = 0;
    model->last_update_ms = model->rate_start_ms = now_ms;
    model->rate_steps = 0;
    if (model->playing && model_position(model) >= model_total(model)) {
        move_to(model, 0, now_ms);
    }
}

static bool same_choice(DesignPolicy a, DesignPolicy b)
{
    return a.design == b.design && a.policy == b.policy;
}

/* Keys 1-5: the first pane's design's policy `index`. One pane switches to
 * it; in compare mode its pane comes or goes. */
static bool choose_policy(Model *model, int64_t index)
{
    const AllocatorDesign *design = model->panes[0].choice.design;
    if (index < 0 || index >= (int64_t)allocator_policy_count(design)) {
        char text[MODEL_STATUS_MAX];
        snprintf(text, sizeof text, "the %s allocator has %u policies", design->name,
                 allocator_policy_count(design));
        model_set_status(model, text);
        return true;
    }
    DesignPolicy choice = { design, (uint32_t)index };
    if (model->pane_count == 1) {
        return rebuild_panes(model, &choice, 1, true);
    }
    DesignPolicy set[MODEL_MAX_PANES];
    uint32_t count = 0;
    bool present = false;
    for (uint32_t i = 0; i < model->pane_count; i++) {
        if (same_choice(model->panes[i].choice, choice)) {
            present = true;
        } else {
            set[count++] = model->panes[i].choice;
        }
    }
    if (present && count < 2) {
        model_set_status(model, "compare mode needs at least two policies");
        return true;
    }
    if (!present && count == MODEL_MAX_PANES) {
        model_set_status(model, "compare mode shows at most six panes");
        return true;
    }
    if (!present) {
        set[count++] = choice;
    }
    memcpy(model->compare_set, set, count * sizeof *set);
    model->compare_count = count;
    return rebuild_panes(model, set, count, true);
}

static bool toggle_compare(Model *model)
{
    if (model->pane_count > 1) {
        DesignPolicy first = model->panes[0].choice;
        return rebuild_panes(model, &first, 1, true);
    }
    return rebuild_panes(model, model->compare_set, model->compare_count, true);
}

static bool new_seed(Model *model)
{
    if (model->config.workload.kind != WORKLOAD_SIMULATION) {
        model_set_status(model, "a trace has no seed: n works with the simulation");
        return true;
    }
    SimRandom random;
    sim_random_seed(&random, model->config.workload.sim.seed);
    model->config.workload.sim.seed = sim_random_below(&random, 1000000);
    quiz_reset_score(&model->quiz);
    DesignPolicy choices[MODEL_MAX_PANES];
    for (uint32_t i = 0; i < model->pane_count; i++) {
        choices[i] = model->panes[i].choice;
    }
    return rebuild_panes(model, choices, model->pane_count, false);
}

static bool compact(Model *model, uint64_t now_ms)
{
    for (uint32_t i = 0; i < model->pane_count; i++) {
        if (!allocator_can_compact(model_heap(model, i))) {
            char text[MODEL_STATUS_MAX];
            snprintf(text, sizeof text, "the %s allocator cannot compact",
                     model->panes[i].choice.design->name);
            model_set_status(model, text);
            return true;
        }
    }
    bool ok = true;
    for (uint32_t i = 0; i < model->pane_count; i++) {
        ok = history_compact_now(model->panes[i].history) && ok;
    }
    start_mark(model, now_ms);
    model->generation++;
    reset_divergence(model);
    if (!ok) {
        model_set_status(model, "out of memory while compacting");
    }
    return ok;
}

void model_request_redraw(Model *model)
{
    for (uint32_t i = 0; i < model->pane_count; i++) {
        model->panes[i].full_redraw = true;
    }
}

static double clamp(double value, double low, double high)
{
    return value < low ? low : value > high ? high : value;
}

/* The bytes the default view shows: a simulation's whole heap; a trace's
 * high water over the run (as far as it is computed), rounded up to a
 * sixteenth of its power of two so the window grows in few steps. */
static uint64_t default_view_bytes(const Model *model)
{
    uint64_t limit = allocator_region_limit(model_heap(model, 0));
    if (model->config.workload.kind == WORKLOAD_SIMULATION || model->config.ostep != NULL) {
        return limit; /* OSTEP's heap is small and fixed: all of it, always */
    }
    uint64_t high = MODEL_MIN_VIEW_BYTES;
    for (uint32_t i = 0; i < model->pane_count; i++) {
        uint64_t pane = history_high_water(model->panes[i].history);
        high = pane > high ? pane : high;
    }
    uint64_t step = 1;
    while (step * 32 <= high) {
        step *= 2;
    }
    high = (high + step - 1) / step * step;
    return high < limit ? high : limit;
}

static uint64_t view_bytes(const Model *model)
{
    if (model->extent == VIEW_WHOLE_HEAP) {
        return allocator_region_limit(model_heap(model, 0));
    }
    return model->extent == VIEW_ZOOMED ? model->zoom_bytes : default_view_bytes(model);
}

/* Where rows start: OSTEP's rows start at its heap's first unit (so they
 * are labelled base, base + 10, ...), others at offset 0. */
static uint64_t row_origin(const Model *model)
{
    return model->config.ostep != NULL ? allocator_region_start(model_heap(model, 0)) : 0;
}

/* Puts the window's first byte at the row boundary nearest `start`, no
 * further than the row that still shows the heap's end. */
static void place_view(Model *model, double start)
{
    uint64_t row_bytes = grid_row_bytes(&model->geometry);
    uint64_t origin = row_origin(model);
    start -= (double)origin;
    uint64_t limit = allocator_region_limit(model_heap(model, 0)) - origin;
    uint64_t shown = row_bytes * model->geometry.rows;
    uint64_t last_row = shown < limit && row_bytes ? (limit - shown + row_bytes - 1) / row_bytes : 0;
    double row = row_bytes ? clamp(floor(start / (double)row_bytes + 0.5), 0, (double)last_row) : 0;
    model->view_start = origin + (uint64_t)row * row_bytes;
    model->geometry.first_byte = model->view_start;
}

/* Lays the window out again (new size, new extent); keeps its start. */
static void refit(Model *model)
{
    uint64_t bytes = view_bytes(model) - row_origin(model);
    model->geometry = model->config.ostep != NULL
                          ? grid_geometry_decimal(bytes, model->area_width, model->area_height)
                          : grid_geometry(bytes, model->config.page_bytes, model->area_width, model->area_height);
    place_view(model, (double)model->view_start);
    model_request_redraw(model);
}

/* The arena byte at fraction (x, y) of the window. */
static double byte_at(const Model *model, double x, double y)
{
    const GridGeometry *geometry = &model->geometry;
    double row = floor(clamp(y, 0, 1) * geometry->rows), column = clamp(x, 0, 1) * geometry->columns;
    return (double)model->view_start + (row * geometry->columns + column) * (double)geometry->bytes_per_cell;
}

/* Zooms by `factor` (above 1: fewer bytes, finer cells) keeping the byte
 * under fraction (x, y) of the window near the pointer. */
static void zoom_at(Model *model, double x, double y, double factor)
{
    double pointer = byte_at(model, x, y);
    uint64_t limit = allocator_region_limit(model_heap(model, 0));
    double bytes = clamp((double)view_bytes(model) / factor, MODEL_MIN_VIEW_BYTES, (double)limit);
    model->extent = VIEW_ZOOMED;
    model->zoom_bytes = (uint64_t)bytes;
    refit(model);
    place_view(model, pointer - clamp(y, 0, 1) * (double)(grid_row_bytes(&model->geometry) * model->geometry.rows));
}

/* Moves the window by a drag of (x, y) fractions of it: whole rows only. */
static void pan_by(Model *model, double x, double y)
{
    (void)x; /* rows run on from one to the next: only vertical moves mean anything */
    model->pan_rows -= y * model->geometry.rows;
    double rows = trunc(model->pan_rows);
    model->pan_rows -= rows;
    double start = (double)model->view_start + rows * (double)grid_row_bytes(&model->geometry);
    place_view(model, start);
    model_request_redraw(model);
}

/* [ and ]: a quarter smaller or larger, within the range, then exactly 1
 * when it passes by (so a few presses always find the usual size again). */
static void rescale(Model *model, int64_t direction)
{
    double scale = direction > 0 ? model->scale * 1.25 : model->scale / 1.25;
    if ((model->scale < 1.0 && scale > 1.0) || (model->scale > 1.0 && scale < 1.0)) {
        scale = 1.0;
    }
    model->scale = scale < MODEL_MIN_SCALE ? MODEL_MIN_SCALE : scale > MODEL_MAX_SCALE ? MODEL_MAX_SCALE : scale;
    char text[80];
    snprintf(text, sizeof text, "text and lines at %.0f%% ([ smaller, ] larger)", model->scale * 100.0);
    model_set_status(model, text);
}

/* `0`: from the default view to the whole heap; from anything else back to the default. */
static void reset_view(Model *model)
{
    model->extent = model->extent == VIEW_DEFAULT ? VIEW_WHOLE_HEAP : VIEW_DEFAULT;
    model->view_start = row_origin(model);
    refit(model);
}

static bool apply_view_action(Model *model, const Action *action)
{
    switch (action->kind) {
    case ACTION_TOGGLE_VIEW:
        model->view = model->view == VIEW_CLASSIC ? VIEW_DETAIL : VIEW_CLASSIC;
        model_request_redraw(model);
        break;
    case ACTION_TOGGLE_GRID_LINES: model->grid_lines = !model->grid_lines; break;
    case ACTION_TOGGLE_PLOT:
        if (action->amount >= 0 && action->amount < SERIES_COUNT && model->pane_count > 1) {
            model->compare_series = (SeriesKind)action->amount;
        } else if (action->amount >= 0 && action->amount < SERIES_COUNT) {
            model->plots[action->amount] = !model->plots[action->amount];
        }
        break;
    case ACTION_TOGGLE_HELP: model->help = !model->help; break;
    case ACTION_SCALE: rescale(model, action->amount); break;
    case ACTION_ZOOM: zoom_at(model, action->x, action->y, pow(1.25, (double)action->amount)); break;
    case ACTION_PAN: pan_by(model, action->x, action->y); break;
    case ACTION_RESET_ZOOM: reset_view(model); break;
    case ACTION_HOVER:
        model->hover_pane = action->amount >= 0 && action->amount < model->pane_count ? (int)action->amount : -1;
        model->hover_x = action->x;
        model->hover_y = action->y;
        model->hover_point_x = action->pointer_x;
        model->hover_point_y = action->pointer_y;
        break;
    case ACTION_QUIT: model->quit = true; break;
    case ACTION_TOGGLE_SEARCH_STEPS:
        model->search_steps = !model->search_steps;
        model_set_status(model, model->search_steps ? "search steps: \xE2\x86\x92 shows one probe at a time"
                                                    : "search steps off");
        break;
    case ACTION_TOGGLE_STRUCTURE: model->structure = !model->structure; break;
    default: break;
    }
    return true;
}

bool model_apply(Model *model, const Action *action, uint64_t now_ms)
{
    switch (action->kind) {
    case ACTION_TOGGLE_PLAY: toggle_play(model, now_ms); return true;
    case ACTION_STEP: model->playing = false; return step_and_search(model, action->amount, now_ms);
    case ACTION_RESTART: return move_to(model, 0, now_ms);
    case ACTION_JUMP_END: model->playing = false; return move_to(model, computed_everywhere(model), now_ms);
    case ACTION_JUMP_FRACTION:
        return move_to(model, (uint64_t)llround(clamp(action->x, 0, 1) * (double)model_total(model)), now_ms);
    case ACTION_JUMP_TO:
        return move_to(model, action->amount < 0 ? 0 : ((uint64_t)action->amount < model_total(model)
                                                           ? (uint64_t)action->amount : model_total(model)), now_ms);
    case ACTION_SPEED:
        model->speed_index = (int)clamp(model->speed_index + (double)action->amount, 0, SPEED_LEVEL_COUNT - 1);
        return true;
    case ACTION_POLICY: return choose_policy(model, action->amount);
    case ACTION_NEW_SEED: return new_seed(model);
    case ACTION_COMPACT: model->playing = false; return compact(model, now_ms);
    case ACTION_TOGGLE_COMPARE: return toggle_compare(model);
    case ACTION_TOGGLE_QUIZ:
    case ACTION_QUIZ_WHERE:
    case ACTION_QUIZ_FAILS:
    case ACTION_QUIZ_CASE: return apply_quiz_action(model, action, now_ms);
    default: return apply_view_action(model, action);
    }
}

/* Whether the current step is one where the lesson asks a question. */
static bool at_question(const Model *model)
{
    uint64_t position = model_position(model);
    return model->config.lesson && position > 0 &&
           lesson_next_ask(model->config.lesson, position - 1) == position;
}

/* Playing stops at a lesson's next question: no more than `steps` from here. */
static uint64_t steps_before_question(const Model *model, uint64_t steps)
{
    if (model->config.lesson == NULL) {
        return steps;
    }
    uint64_t position = model_position(model);
    uint64_t ask = lesson_next_ask(model->config.lesson, position);
    return ask != UINT64_MAX && ask - position < steps ? ask - position : steps;
}

/* Steps per second actually done, over windows of at least half a second. */
static void measure_speed(Model *model, uint64_t taken, uint64_t now_ms)
{
    model->rate_steps += taken;
    if (now_ms >= model->rate_start_ms + 500) {
        model->measured_speed = (double)model->rate_steps * 1000.0 / (double)(now_ms - model->rate_start_ms);
        model->rate_start_ms = now_ms;
        model->rate_steps = 0;
    }
}

uint64_t model_update(Model *model, uint64_t now_ms)
{
    if (!model->playing) {
        return 0;
    }
    uint64_t elapsed = now_ms > model->last_update_ms ? now_ms - model->last_update_ms : 0;
    model->last_update_ms = now_ms;
    double speed = (double)model_speed(model);
    model->step_debt += speed * (double)elapsed / 1000.0;
    uint64_t steps = (uint64_t)model->step_debt;
    model->step_debt -= (double)steps;
    uint64_t most = (uint64_t)(speed / 4.0) + 1; /* after a stall, slow down rather than catch up */
    if (steps > most) {
        steps = most;
        model->step_debt = 0;
    }
    uint64_t before = model_position(model);
    steps = steps_before_question(model, steps);
    if (steps > 0) {
        step_by(model, (int64_t)steps, now_ms);
        if (steps == 1 && speed <= MODEL_SEARCH_SPEED) { /* slow enough to watch the search */
            start_searches(model, now_ms, (uint64_t)(1000.0 / speed) * 3 / 4);
        }
    }
    uint64_t taken = model_position(model) - before;
    measure_speed(model, taken, now_ms);
    if (model_position(model) >= model_total(model) || (taken > 0 && at_question(model))) {
        model->playing = false;
    }
    return taken;
}

uint64_t model_compute_ahead(Model *model, uint64_t steps)
{
    uint64_t done = 0;
    for (uint32_t i = 0; i < model->pane_count; i++) {
        done += history_compute_ahead(model->panes[i].history, steps);
    }
    scan_divergence(model);
    return done;
}

static bool searches_running(const Model *model, uint64_t now_ms)
{
    for (uint32_t i = 0; i < model->pane_count; i++) {
        if (search_play_running(&model->searches[i], now_ms)) {
            return true;
        }
    }
    return false;
}

bool model_settling(const Model *model)
{
    for (uint32_t i = 0; i < model->pane_count; i++) {
        if (history_settling(model->panes[i].history)) {
            return true;
        }
    }
    return false;
}

bool model_busy(const Model *model, uint64_t now_ms)
{
    return model->playing || searches_running(model, now_ms) || now_ms < model->mark_until_ms ||
           computed_everywhere(model) < model_total(model) || model_settling(model);
}

void model_set_grid_area(Model *model, uint32_t width, uint32_t height)
{
    if (width == model->area_width && height == model->area_height && model->geometry.cells > 0 &&
        model->geometry.heap_bytes == view_bytes(model)) {
        return; /* the default view of a trace grows as the run's high water is found */
    }
    model->area_width = width;
    model->area_height = height;
    refit(model);
}

/* --- reading -------------------------------------------------------------- */

uint32_t model_pane_count(const Model *model) { return model->pane_count; }
DesignPolicy model_pane_choice(const Model *model, uint32_t pane) { return model->panes[pane].choice; }
const History *model_history(const Model *model, uint32_t pane) { return model->panes[pane].history; }
const Allocator *model_heap(const Model *model, uint32_t pane)
{
    return run_heap(history_run(model->panes[pane].history));
}

void model_pane_label(const Model *model, uint32_t pane, char *text, size_t size)
{
    design_policy_label(model->panes[pane].choice, text, size);
}
uint64_t model_divergence_count(const Model *model) { return model->divergence_count; }
uint64_t model_first_divergence(const Model *model) { return model->first_divergence; }

void model_divergence_seen(const Model *model, uint64_t *count, uint64_t *steps, uint64_t *first)
{
    if (!model_future_hidden(model)) {
        *count = model->divergence_count;
        *steps = history_computed(model->panes[0].history);
        *first = model->first_divergence;
        return;
    }
    *steps = model_position(model);
    uint64_t block = *steps / DIVERGENCE_BLOCK;
    if (block >= model->divergence_blocks) {
        block = model->divergence_blocks ? model->divergence_blocks - 1 : 0;
    }
    uint64_t counted = block * DIVERGENCE_BLOCK; /* steps the kept block covers */
    *count = model->divergence_blocks ? model->divergences_before[block] : 0;
    *first = model->first_divergence != 0 && model->first_divergence <= counted ? model->first_divergence : 0;
    for (uint64_t step = counted + 1; step <= *steps; step++) {
        if (model_diverged_at(model, step)) {
            *count += 1;
            *first = *first == 0 ? step : *first;
        }
    }
}
uint64_t model_generation(const Model *model) { return model->generation; }
uint64_t model_position(const Model *model) { return history_position(model->panes[0].history); }
uint64_t model_total(const Model *model) { return history_total(model->panes[0].history); }
bool model_playing(const Model *model) { return model->playing; }
uint64_t model_speed(const Model *model) { return speed_levels[model->speed_index]; }
double model_measured_speed(const Model *model) { return model->playing ? model->measured_speed : 0.0; }
ViewMode model_view(const Model *model) { return model->view; }
bool model_grid_lines(const Model *model) { return model->grid_lines; }
bool model_plot_visible(const Model *model, SeriesKind series)
{
    return model->pane_count > 1 ? series == model->compare_series : model->plots[series];
}
bool model_help_visible(const Model *model) { return model->help; }
double model_scale(const Model *model) { return model->scale; }
bool model_quit_requested(const Model *model) { return model->quit; }
const GridGeometry *model_geometry(const Model *model) { return &model->geometry; }
const Workload *model_workload(const Model *model) { return &model->config.workload; }
bool model_over_budget(const Model *model)
{
    bool over = false;
    for (uint32_t i = 0; i < model->pane_count; i++) {
        over = over || history_over_budget(model->panes[i].history);
    }
    return over;
}

const char *model_status(const Model *model) { return model->status; }
bool model_search_steps(const Model *model) { return model->search_steps; }
const Quiz *model_quiz(const Model *model) { return &model->quiz; }
const Lesson *model_lesson(const Model *model) { return model->config.lesson; }

const LessonCaption *model_caption(const Model *model)
{
    return model->config.lesson ? lesson_caption_at(model->config.lesson, model_position(model)) : NULL;
}

bool model_structure_visible(const Model *model) { return model->structure; }

const SearchPlay *model_search_play(const Model *model, uint32_t pane) { return &model->searches[pane]; }

SearchProbe model_search_probe(const Model *model, uint32_t pane, uint64_t now_ms)
{
    return search_play_probe(&model->searches[pane], now_ms);
}

DirtyRange model_take_dirty(Model *model, uint32_t pane)
{
    DirtyRange dirty = history_take_dirty(model->panes[pane].history);
    dirty.full = dirty.full || model->panes[pane].full_redraw;
    model->panes[pane].full_redraw = false;
    return dirty;
}

CellRect model_visible_cells(const Model *model)
{
    return (CellRect){0, 0, model->geometry.columns, model->geometry.rows};
}

void model_title(const Model *model, char *text, size_t size)
{
    const Workload *workload = &model->config.workload;
    char source[96];
    if (workload->kind == WORKLOAD_SIMULATION) {
        snprintf(source, sizeof source, "seed %llu", (unsigned long long)workload->sim.seed);
    } else if (model->config.ostep != NULL) {
        snprintf(source, sizeof source, "%s", workload->trace->name ? workload->trace->name : "malloc.py");
    } else {
        snprintf(source, sizeof source, "trace %s", workload->trace->name ? workload->trace->name : "?");
    }
    char policy[128] = "compare";
    if (model->pane_count == 1) {
        model_pane_label(model, 0, policy, sizeof policy);
    }
    snprintf(text, size, "step %s of %s  %s  %s", sentence_count(model_position(model)).text,
             sentence_count(model_total(model)).text, policy, source);
}

const OstepRuns *model_ostep(const Model *model) { return model->config.ostep; }
bool model_results_hidden(const Model *model) { return model->asking; }

bool model_future_hidden(const Model *model)
{
    return model->config.ostep != NULL && !ostep_runs_flags(model->config.ostep)->compute;
}

const OstepStep *model_ostep_step(const Model *model, uint32_t pane)
{
    if (model->config.ostep == NULL) {
        return NULL;
    }
    return ostep_runs_step(model->config.ostep, model->panes[pane].choice.policy,
                           model_position(model) + (model->asking ? 1 : 0));
}

void model_address_text(const Model *model, uint32_t pane, uint64_t offset, char *text, size_t size)
{
    uint64_t address = 0, gap = 0;
    if (model->config.ostep != NULL) {
        snprintf(text, size, "%lld", (long long)ostep_address(model_heap(model, pane), offset));
    } else if (allocator_program_address(model_heap(model, pane), offset, &address, &gap)) {
        snprintf(text, size, "0x%llx", (unsigned long long)address); /* a recorded heap: glibc's */
    } else {
        snprintf(text, size, gap > 0 ? "gap %s" : "gap", sentence_size(gap).text);
    }
}

void model_sentence(const Model *model, uint32_t pane, char *text, size_t size)
{
    if (model->config.ostep != NULL) {
        const OstepStep *step = model_ostep_step(model, pane);
        if (step == NULL) {
            snprintf(text, size, "no operation yet: \xE2\x86\x92 shows the first");
        } else {
            ostep_step_words(step, !model->asking, text, size);
        }
        return;
    }
    const History *history = model->panes[pane].history;
    sentence_for_step(history_report(history), model->config.workload.kind, model_heap(model, pane), text, size);
}

void model_set_status(Model *model, const char *text)
{
    snprintf(model->status, sizeof model->status, "%s", text);
}

/* The byte under fraction (x, y) of a pane's grid, if any. */
static bool offset_at(const Model *model, double x, double y, uint64_t *offset)
{
    const GridGeometry *geometry = &model->geometry;
    if (x < 0 || x >= 1 || y < 0 || y >= 1 || geometry->columns == 0) {
        return false;
    }
    uint64_t column = (uint64_t)(x * geometry->columns);
    uint64_t row = (uint64_t)(y * geometry->rows);
    if (column >= geometry->columns || row >= geometry->rows) {
        return false;
    }
    *offset = geometry->first_byte + (row * geometry->columns + column) * geometry->bytes_per_cell;
    return true;
}

bool model_hover_block(const Model *model, uint32_t *pane, HeapBlock *block)
{
    uint64_t offset = 0;
    if (model->hover_pane < 0 || !offset_at(model, model->hover_x, model->hover_y, &offset)) {
        return false;
    }
    *pane = (uint32_t)model->hover_pane;
    return allocator_block_at(model_heap(model, *pane), offset, block);
}

void model_hover_point(const Model *model, int *x, int *y)
{
    *x = model->hover_point_x;
    *y = model->hover_point_y;
}

int64_t model_block_owner(const Model *model, uint32_t pane, const HeapBlock *block)
{
    if (block->state != HEAP_BLOCK_USED) {
        return -1;
    }
    return run_id_of_payload(history_run(model->panes[pane].history), block->payload);
}

Highlight model_touched(const Model *model, uint32_t pane)
{
    const StepReport *report = history_report(model->panes[pane].history);
    Highlight none = {0};
    if (report == NULL || model->asking || report->event.error != HEAP_OK || report->event.kind == HEAP_EVENT_COMPACT ||
        report->skipped) {
        return none;
    }
    const HeapEvent *event = &report->event;
    return (Highlight){event->block_offset, event->block_size, event->block_size > 0};
}

/* The block that holds `offset` now, as a highlight. */
static Highlight block_highlight(const Model *model, uint32_t pane, uint64_t offset)
{
    HeapBlock block;
    if (!allocator_block_at(model_heap(model, pane), offset, &block)) {
        return (Highlight){0};
    }
    return (Highlight){block.offset, block.size, true};
}

uint32_t model_marks(const Model *model, uint32_t pane, uint64_t now_ms, Highlight marks[MODEL_MAX_MARKS])
{
    const StepReport *report = history_report(model->panes[pane].history);
    if (report == NULL || model->asking || report->skipped || now_ms >= model->mark_until_ms || report->event.error != HEAP_OK) {
        return 0;
    }
    const HeapEvent *event = &report->event;
    bool coalesced = event->coalesced_previous || event->coalesced_next;
    uint32_t count = 0;
    if (event->kind == HEAP_EVENT_REALLOC && event->realloc_mode == HEAP_REALLOC_MOVED) {
        marks[count++] = coalesced ? (Highlight){event->merged_offset, event->merged_size, true}
                                   : block_highlight(model, pane, event->old_block_offset);
        marks[count++] = (Highlight){event->block_offset, event->block_size, true};
    } else if (event->kind == HEAP_EVENT_REALLOC && event->split) {
        marks[count++] = coalesced ? (Highlight){event->merged_offset, event->merged_size, true}
                                   : block_highlight(model, pane, event->split_offset);
    } else if (coalesced && event->kind == HEAP_EVENT_FREE) {
        marks[count++] = (Highlight){event->merged_offset, event->merged_size, true};
    } else if (event->split && event->kind == HEAP_EVENT_MALLOC && event->chosen_free_size > event->block_size) {
        marks[count++] = (Highlight){event->split_offset, event->chosen_free_size - event->block_size, true};
    }
    return count > 0 && marks[0].present ? count : 0;
}

double model_mark_strength(const Model *model, uint64_t now_ms)
{
    if (now_ms >= model->mark_until_ms || model->mark_until_ms <= model->mark_start_ms) {
        return 0.0;
    }
    uint64_t left = model->mark_until_ms - (now_ms > model->mark_start_ms ? now_ms : model->mark_start_ms);
    return (double)left / (double)(model->mark_until_ms - model->mark_start_ms);
}

/* What a file name says of the panes: the policy ("best-fit"), or "compare". */
static void file_label(const Model *model, char *text, size_t size)
{
    snprintf(text, size, "compare");
    if (model->pane_count == 1) {
        model_pane_label(model, 0, text, size);
        for (char *colon = strchr(text, ':'); colon; colon = strchr(colon, ':')) {
            *colon = '-'; /* no colons in file names */
        }
    }
}

void model_screenshot_name(const Model *model, char *text, size_t size)
{
    char policy[128];
    file_label(model, policy, sizeof policy);
    snprintf(text, size, "heapviz-%s-step-%llu.png", policy, (unsigned long long)model_position(model));
}

void model_recording_name(const Model *model, uint64_t first_step, char *text, size_t size)
{
    char policy[128];
    file_label(model, policy, sizeof policy);
    snprintf(text, size, "heapviz-%s-steps-%llu-%llu.gif", policy, (unsigned long long)first_step,
             (unsigned long long)model_position(model));
}

