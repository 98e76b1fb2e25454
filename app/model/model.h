/*
 * model.h - everything the window shows and every action a user can take,
 * with no SDL types: one or more panes (a heap per policy, all at the same
 * step of the same workload), play/pause and speed, the view (classic or
 * detail, zoom and pan, grid lines, plots, help), hover and the panel's text.
 *
 * Input turns events into Actions; model_apply performs them; the renderer
 * reads the model through the const functions below. Positions on screen
 * reach the model as fractions of a pane's grid area (0..1), so the model
 * needs no layout. Time comes in as milliseconds from the caller.
 */
#ifndef HEAPVIZ_MODEL_H
#define HEAPVIZ_MODEL_H

#include "history.h"
#include "lesson.h"
#include "ostep_runs.h"
#include "quiz.h"
#include "search_play.h"
#include "grid.h"
#include "sentence.h"
#include "workload.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct Model Model;

enum {
    MODEL_MAX_PANES = 6,
    MODEL_MARK_MS = 900,         /* how long a split/coalesce stays marked, at most */
    MODEL_MAX_MARKS = 2,         /* places one step marks */
    MODEL_MIN_VIEW_BYTES = 256,  /* the most a zoom magnifies: 256 bytes fill the grid */
    MODEL_SEARCH_SPEED = 5,      /* playing this slowly (steps/s) or slower shows searches */
    MODEL_STATUS_MAX = 200
};
#define MODEL_MIN_SCALE 0.5
#define MODEL_MAX_SCALE 4.0

/* What the grid shows: the part of the heap the run uses (a trace's high
 * water over the run, a simulation's whole heap), the whole heap, or a
 * window the user zoomed to. */
typedef enum { VIEW_DEFAULT, VIEW_WHOLE_HEAP, VIEW_ZOOMED } ViewExtent;

typedef enum {
    ACTION_NONE,
    ACTION_TOGGLE_PLAY,
    ACTION_STEP,                 /* amount: steps, negative goes back */
    ACTION_RESTART,              /* step 0 */
    ACTION_JUMP_END,             /* the last step computed so far */
    ACTION_JUMP_FRACTION,        /* x: 0..1 of the timeline */
    ACTION_JUMP_TO,              /* amount: a step number */
    ACTION_SPEED,                /* amount: +1 faster, -1 slower */
    ACTION_POLICY,               /* amount: a policy of the first pane's design (0-based) */
    ACTION_NEW_SEED,
    ACTION_COMPACT,
    ACTION_TOGGLE_VIEW,
    ACTION_TOGGLE_GRID_LINES,
    ACTION_TOGGLE_PLOT,          /* amount: SeriesKind (compare mode: plot that one alone) */
    ACTION_TOGGLE_HELP,
    ACTION_TOGGLE_COMPARE,
    ACTION_ZOOM,                 /* x, y: pointer in the grid; amount: wheel clicks (+ zooms in: finer cells) */
    ACTION_PAN,                  /* x, y: movement as fractions of the grid area (whole rows move) */
    ACTION_RESET_ZOOM,           /* the default view <-> the whole heap; from a zoom, the default view */
    ACTION_HOVER,                /* amount: pane (-1: none); x, y: pointer in its grid;
                                    pointer_x, pointer_y: the pointer in the window */
    ACTION_TOGGLE_SEARCH_STEPS,  /* a step forward shows its search one probe per press */
    ACTION_TOGGLE_STRUCTURE,     /* the free list and the markers on the grid */
    ACTION_TOGGLE_QUIZ,          /* predict each step before it runs */
    ACTION_QUIZ_WHERE,           /* x, y: the cell clicked in the first pane's grid */
    ACTION_QUIZ_FAILS,           /* "this malloc will fail" */
    ACTION_QUIZ_CASE,            /* amount: a QuizCase */
    ACTION_SCALE,                /* amount: +1 larger text and lines, -1 smaller */
    ACTION_QUIT
} ActionKind;

typedef struct {
    ActionKind kind;
    int64_t amount;
    double x, y;
    int pointer_x, pointer_y;    /* ACTION_HOVER: output pixels, where a tooltip opens */
} Action;

typedef struct {
    Workload workload;           /* a trace must outlive the model */
    AllocatorSetup heap;         /* the single pane's design and configuration */
    uint64_t page_bytes;         /* bytes per cell before fitting */
    DesignPolicy compare[MODEL_MAX_PANES];
    uint32_t compare_count;      /* 0: one pane; else 2..MODEL_MAX_PANES panes */
    uint64_t history_bytes;      /* budget shared by the panes */
    bool search_steps;           /* --search-steps: start in search-steps mode */
    bool quiz;                   /* --quiz: start asking */
    const Lesson *lesson;        /* --lesson: captions by step (outlives the model), or NULL */
    const OstepRuns *ostep;      /* --ostep: malloc.py's run under each policy (outlives the
                                    model; each pane replays its policy's), or NULL */
    double scale;                /* --scale: text and lines, times their size (0: 1) */
} ModelConfig;

/* The visible part of the grid, in cells: the whole window (zoom and pan
 * choose the window itself, see GridGeometry's first_byte). */
typedef struct {
    double x, y, width, height;
} CellRect;

/* A byte range of the arena to highlight. */
typedef struct {
    uint64_t offset, size;
    bool present;
} Highlight;

/* Creates the model at step 0, paused. Fails with the core's error. */
HeapError model_create(const ModelConfig *config, Model **out);
void model_destroy(Model *model);

/* Performs one action at time `now_ms`. False only when memory ran out
 * (the status line then says so). */
bool model_apply(Model *model, const Action *action, uint64_t now_ms);

/* Advances playback to time `now_ms`; returns the steps taken. */
uint64_t model_update(Model *model, uint64_t now_ms);

/* Computes up to `steps` steps ahead of the user (plots of the whole run);
 * returns how many it did, 0 when everything is computed. Once it is, each
 * call does a piece of the work that follows while model_settling. */
uint64_t model_compute_ahead(Model *model, uint64_t steps);

/* Whether a pane's history still has work after its whole run is computed
 * (history_settling): model_compute_ahead does a piece per call. */
bool model_settling(const Model *model);

/* True while frames must keep coming: playing, computing ahead (or
 * settling after it) or a mark fading. */
bool model_busy(const Model *model, uint64_t now_ms);

/* Asks for every cell of every pane to be drawn again (the renderer lost
 * its textures, or a benchmark wants a full redraw). */
void model_request_redraw(Model *model);

/* Sets the grid area of every pane, in pixels; refits the cells. */
void model_set_grid_area(Model *model, uint32_t width, uint32_t height);

/* --- reading --------------------------------------------------------------- */

uint32_t model_pane_count(const Model *model);
DesignPolicy model_pane_choice(const Model *model, uint32_t pane);
const Allocator *model_heap(const Model *model, uint32_t pane);
/* The pane's design and policy in one word ("best-fit", "csapp:next-fit"). */
void model_pane_label(const Model *model, uint32_t pane, char *text, size_t size);
const History *model_history(const Model *model, uint32_t pane);

/* What changed in a pane's arena since the last call (the renderer's update),
 * with `full` set after a jump, a policy switch or a view change. */
DirtyRange model_take_dirty(Model *model, uint32_t pane);

/* Changes whenever the past of the run changes (policy, seed, compare set,
 * compaction), so caches of whole-run data know to start again. */
uint64_t model_generation(const Model *model);

uint64_t model_position(const Model *model);
uint64_t model_total(const Model *model);
bool model_playing(const Model *model);
uint64_t model_speed(const Model *model);         /* steps per second asked for */
double model_measured_speed(const Model *model);  /* steps per second done lately */
ViewMode model_view(const Model *model);
bool model_grid_lines(const Model *model);
/* Whether the timeline plots `series`: in compare mode, only the chosen one. */
bool model_plot_visible(const Model *model, SeriesKind series);
bool model_help_visible(const Model *model);
/* How many times their usual size text and lines are drawn (--scale, then
 * [ and ]: MODEL_MIN_SCALE to MODEL_MAX_SCALE). */
double model_scale(const Model *model);
bool model_quit_requested(const Model *model);
const GridGeometry *model_geometry(const Model *model);
CellRect model_visible_cells(const Model *model);
const Workload *model_workload(const Model *model);

/* OSTEP mode: malloc.py's runs (NULL otherwise), and whether the operation
 * after the current step shows with its results hidden, as malloc.py without
 * -c prints it ("returned ?", "List?"). Then a step forward (ACTION_STEP 1)
 * reveals it by doing it; from a revealed step, a step forward first asks
 * the next one. With -c every step shows its results at once. */
const OstepRuns *model_ostep(const Model *model);
bool model_results_hidden(const Model *model);

/* Whether the steps after the current one must not be shown (OSTEP mode
 * without -c: the timeline plots no result the student has not revealed). */
bool model_future_hidden(const Model *model);

/* The operation a pane's sentence is about in OSTEP mode: the hidden next
 * one, else the last one done (NULL at step 0 or outside OSTEP mode). */
const OstepStep *model_ostep_step(const Model *model, uint32_t pane);

/* How an offset of pane `pane`'s heap is shown: "0x3c0"; in OSTEP mode
 * the decimal address malloc.py prints ("1012"); in a recorded heap the
 * program's own address ("0x5571a59f6698"), or in a fold the gap it stands
 * for ("gap 144 MiB"). Panes differ: beside a recorded pane, a tags pane's
 * offsets are its own. */
void model_address_text(const Model *model, uint32_t pane, uint64_t offset, char *text, size_t size);

/* The panel's lines: "step i of N", policy, workload, sentence, status. */
void model_title(const Model *model, char *text, size_t size);
void model_sentence(const Model *model, uint32_t pane, char *text, size_t size);
/* Whether some pane's history outgrew its share of the budget (see
 * history_over_budget). */
bool model_over_budget(const Model *model);

const char *model_status(const Model *model);
void model_set_status(Model *model, const char *text);

/* The search of the last step in a pane, as it shows at `now_ms`: played
 * when the user steps forward one step or plays at MODEL_SEARCH_SPEED steps
 * a second or slower; by hand in search-steps mode. */
SearchProbe model_search_probe(const Model *model, uint32_t pane, uint64_t now_ms);
bool model_search_steps(const Model *model);
/* The search a pane is showing: the examined blocks' offsets, in order. */
const SearchPlay *model_search_play(const Model *model, uint32_t pane);
/* Whether the allocator's structure (free list, markers) is drawn. */
bool model_structure_visible(const Model *model);

/* The lesson (NULL if none) and its caption at the current step (NULL if
 * none yet). Playing pauses at each `ask` caption's step. */
const Lesson *model_lesson(const Model *model);
const LessonCaption *model_caption(const Model *model);

/* The quiz: its question or revealed answer (about the first pane) and
 * the score. An answer runs the step it was about. */
const Quiz *model_quiz(const Model *model);

/* The block under the pointer, if any. */
bool model_hover_block(const Model *model, uint32_t *pane, HeapBlock *block);

/* Where the pointer is in the window (output pixels), for the tooltip. */
void model_hover_point(const Model *model, int *x, int *y);

/* The trace id (or simulation slot) that holds a pane's used block, -1 if
 * none does (a free or dead block). A scan over the ids. */
int64_t model_block_owner(const Model *model, uint32_t pane, const HeapBlock *block);

/* The block the last step touched (a free: the block it freed, before any
 * coalescing; a realloc: the block that now holds the data). */
Highlight model_touched(const Model *model, uint32_t pane);

/* What the last step changed besides it, while the mark lasts: a split's
 * remainder, a coalesced block, the place a moved realloc left or a shrink's
 * tail. Returns how many (at most MODEL_MAX_MARKS). While playing, a mark
 * lasts one step's time at the current speed (at most MODEL_MARK_MS), so it
 * is gone before the next step; stepping by hand, MODEL_MARK_MS. */
uint32_t model_marks(const Model *model, uint32_t pane, uint64_t now_ms, Highlight marks[MODEL_MAX_MARKS]);

/* How strong the marks are at `now_ms`: 1 just after the step, fading to 0. */
double model_mark_strength(const Model *model, uint64_t now_ms);

/* Compare mode: whether the panes diverged at `step` (the same request
 * placed at different addresses, or failing in some panes only), and over
 * the steps computed so far how many diverged and the first that did (0: none). */
bool model_diverged_at(const Model *model, uint64_t step);
uint64_t model_divergence_count(const Model *model);
uint64_t model_first_divergence(const Model *model);
/* The divergence a reader may see: over the steps computed so far, or,
 * while results are hidden (OSTEP without -c), over the steps up to the
 * current one only, so it gives no answer away. Fills `count`, `steps`
 * (how many were looked at) and `first` (0: none diverged). */
void model_divergence_seen(const Model *model, uint64_t *count, uint64_t *steps, uint64_t *first);

/* The file name a screenshot should get ("heapviz-best-fit-step-42.png"). */
void model_screenshot_name(const Model *model, char *text, size_t size);
/* The file name a recording from `first_step` to the current step should
 * get ("heapviz-best-fit-steps-10-42.gif"). */
void model_recording_name(const Model *model, uint64_t first_step, char *text, size_t size);

#endif
