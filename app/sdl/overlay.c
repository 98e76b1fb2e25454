/*
 * overlay.c - the search, the free list and the markers over a grid (see
 * overlay.h).
 *
 * Blocks are found by offset through allocator_block_at, which may walk the
 * heap, so only the last OVERLAY_VISITED_SHOWN probes of a search and the
 * first OVERLAY_LIST_SHOWN entries of a free list are drawn; the counters
 * still give the whole numbers.
 */
#include "overlay.h"

#include "sentence.h"
#include "text.h"
#include <stdio.h>

enum { OVERLAY_VISITED_SHOWN = 32, OVERLAY_LIST_SHOWN = 64 };

/* Outlines the block that starts at `offset` (as the heap stands now),
 * filling it lightly when `fill` is set. */
static void outline_block(Canvas *canvas, const Model *model, const GridView *view, uint32_t pane,
                          uint64_t offset, int thickness, uint32_t color, bool fill)
{
    HeapBlock block;
    if (!allocator_block_at(model_heap(model, pane), offset, &block)) {
        return;
    }
    Highlight range = {block.offset, block.size, true};
    if (fill) {
        LayoutRect rects[3];
        int count = grid_view_highlight_rects(view, model_geometry(model), range, rects);
        for (int i = 0; i < count; i++) {
            canvas_fill(canvas, rects[i], (color & 0x00FFFFFFu) | 0x50000000u);
        }
    }
    grid_view_outline(canvas, view, model_geometry(model), range, thickness, color);
}

/* The search counter in words (`brief` 0), shorter (1) or in figures (2);
 * `chosen` is the chosen block's address as the grid writes it. */
static void search_words(char *text, size_t size, const HeapEvent *event, SearchProbe probe, const char *chosen,
                         int brief)
{
    unsigned long long seen = probe.seen, examined = probe.examined;
    const char *plural = examined == 1 ? "" : "s";
    if (!probe.done) {
        const char *const forms[] = {" examining block %llu of %llu ", " block %llu of %llu ", " %llu/%llu "};
        snprintf(text, size, forms[brief], seen, examined);
    } else if (event->error != HEAP_OK) {
        const char *const forms[] = {" examined %llu block%s: none fits ", " %llu examined%.0s, none fits ",
                                     " %llu%.0s: none "};
        snprintf(text, size, forms[brief], examined, plural);
    } else {
        const char *const forms[] = {" examined %llu block%s, chose %s ", " %llu examined%.0s, %s ",
                                     " %llu%.0s: %s "};
        snprintf(text, size, forms[brief], examined, plural, chosen);
    }
}

/* "examining block 3 of 7" while the search plays, then its total, in the
 * longest form that fits the grid's width. */
static void search_counter(Canvas *canvas, const Model *model, uint32_t pane, const GridView *view,
                           SearchProbe probe)
{
    char text[96], chosen[32];
    const HeapEvent *event = allocator_last_event(model_heap(model, pane));
    model_address_text(model, pane, event->block_offset, chosen, sizeof chosen);
    int inset = 4 * canvas->stroke, columns = (view->dest.w - 2 * inset) / text_char_width(canvas->text);
    for (int brief = 0; brief < 3; brief++) {
        search_words(text, sizeof text, event, probe, chosen, brief);
        if ((int)text_length(text) <= columns) {
            break;
        }
    }
    canvas_text(canvas, view->dest.x + inset, view->dest.y + inset, text, COLOR_BACKGROUND, OVERLAY_COLOR_PROBE);
}

static void draw_search(Canvas *canvas, const Model *model, const GridView *view, uint32_t pane, uint64_t now_ms)
{
    SearchProbe probe = model_search_probe(model, pane, now_ms);
    if (!probe.active) {
        return;
    }
    const SearchPlay *play = model_search_play(model, pane);
    uint64_t shown = probe.done ? play->listed : probe.index;
    uint64_t first = shown > OVERLAY_VISITED_SHOWN ? shown - OVERLAY_VISITED_SHOWN : 0;
    for (uint64_t i = first; i < shown; i++) {
        outline_block(canvas, model, view, pane, play->offsets[i], canvas->stroke, OVERLAY_COLOR_VISITED, false);
    }
    if (!probe.done) {
        outline_block(canvas, model, view, pane, probe.offset, (view->scale >= 6 ? 3 : 2) * canvas->stroke,
                      OVERLAY_COLOR_PROBE, true);
    }
    search_counter(canvas, model, pane, view, probe);
}

/* A numbered badge at a cell centre. */
static void badge(Canvas *canvas, int x, int y, uint64_t number)
{
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)number);
    int height = text_line_height(canvas->text);
    int width = (int)text_length(text) * text_char_width(canvas->text);
    canvas_text(canvas, x - width / 2, y - height / 2, text, COLOR_TEXT, OVERLAY_COLOR_LIST);
}

/* A path from (x0, y0) to (x1, y1), `width` pixels wide: across, then down or up. */
static void path(Canvas *canvas, int x0, int y0, int x1, int y1, int width)
{
    int left = x0 < x1 ? x0 : x1, top = y0 < y1 ? y0 : y1;
    canvas_fill(canvas, (LayoutRect){left, y0 - width / 2, (x0 < x1 ? x1 - x0 : x0 - x1) + width / 2, width},
                OVERLAY_COLOR_LIST);
    canvas_fill(canvas, (LayoutRect){x1 - width / 2, top, width, (y0 < y1 ? y1 - y0 : y0 - y1) + width / 2},
                OVERLAY_COLOR_LIST);
}

static bool overlaps(LayoutRect a, LayoutRect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Where OSTEP's entry goes: its badge " 1 " at the left of the block's
 * first cell, then its label "addr:sz" as malloc.py names it. */
typedef struct {
    char badge[24], label[64];
    LayoutRect badge_box, label_box;
} EntryText;

static EntryText entry_text(const Canvas *canvas, const Model *model, const GridView *view, int x, int y,
                            uint64_t number, const FreeListEntry *entry)
{
    EntryText text;
    snprintf(text.badge, sizeof text.badge, " %llu ", (unsigned long long)number);
    snprintf(text.label, sizeof text.label, "%lld:%llu", (long long)ostep_address(model_heap(model, 0), entry->offset),
             (unsigned long long)entry->size);
    int height = text_line_height(canvas->text), width = text_char_width(canvas->text);
    int left = x - (int)(view->scale / 2) + 2;
    text.badge_box = (LayoutRect){left, y - height / 2, (int)text_length(text.badge) * width, height};
    text.label_box = (LayoutRect){left + text.badge_box.w, y - height / 2, (int)text_length(text.label) * width,
                                  height};
    if (text.label_box.x + text.label_box.w > view->dest.x + view->dest.w) {
        text.label_box.x = left - text.label_box.w;   /* no room right of the badge: try its left */
    }
    return text;
}

/* Whether entry `i`'s label can be drawn: it lies within the grid and
 * covers no badge and no label drawn before it (small cells, neighbouring entries: the panel lists them all). */
static bool label_has_room(const GridView *view, const EntryText *texts, uint64_t count, uint64_t i,
                           const bool *drawn)
{
    LayoutRect label = texts[i].label_box;
    if (label.x < view->dest.x || label.x + label.w > view->dest.x + view->dest.w) {
        return false;                        /* it would stick out of the pane's grid */
    }
    for (uint64_t j = 0; j < count; j++) {
        if ((j != i && overlaps(texts[i].label_box, texts[j].badge_box)) ||
            (j < i && drawn[j] && overlaps(texts[i].label_box, texts[j].label_box))) {
            return false;
        }
    }
    return true;
}

/* OSTEP's badges, each with its label in the list's colour on white where it has room. */
static void draw_ostep_badges(Canvas *canvas, const Model *model, const GridView *view, const FreeListEntry *entries,
                              uint64_t count, const int *x, const int *y)
{
    EntryText texts[OVERLAY_LIST_SHOWN];
    bool drawn[OVERLAY_LIST_SHOWN];
    for (uint64_t i = 0; i < count; i++) {
        texts[i] = entry_text(canvas, model, view, x[i], y[i], i + 1, &entries[i]);
    }
    for (uint64_t i = 0; i < count; i++) {
        drawn[i] = label_has_room(view, texts, count, i, drawn);
        if (drawn[i]) {
            canvas_text(canvas, texts[i].label_box.x, texts[i].label_box.y, texts[i].label, OVERLAY_COLOR_LIST,
                        GRID_COLOR_FREE);
        }
    }
    for (uint64_t i = 0; i < count; i++) {
        canvas_text(canvas, texts[i].badge_box.x, texts[i].badge_box.y, texts[i].badge, COLOR_TEXT,
                    OVERLAY_COLOR_LIST);
    }
}

/* The free list in list order: a path from each entry to the next, then the
 * numbered badges on top (OSTEP: with each entry's address and size). */
static void draw_free_list(Canvas *canvas, const Model *model, const GridView *view, uint32_t pane)
{
    FreeListEntry entries[OVERLAY_LIST_SHOWN];
    uint64_t count = allocator_free_list(model_heap(model, pane), entries, OVERLAY_LIST_SHOWN);
    count = count < OVERLAY_LIST_SHOWN ? count : OVERLAY_LIST_SHOWN;
    const GridGeometry *geometry = model_geometry(model);
    int x[OVERLAY_LIST_SHOWN], y[OVERLAY_LIST_SHOWN];
    for (uint64_t i = 0; i < count; i++) {
        grid_view_cell_centre(view, geometry, entries[i].offset, &x[i], &y[i]);
        if (i > 0) {
            path(canvas, x[i - 1], y[i - 1], x[i], y[i], (model_ostep(model) != NULL ? 4 : 2) * canvas->stroke);
        }
    }
    if (model_ostep(model) != NULL) {
        draw_ostep_badges(canvas, model, view, entries, count, x, y);
        return;
    }
    for (uint64_t i = 0; i < count; i++) {
        badge(canvas, x[i], y[i], i + 1);
    }
}

static void draw_markers(Canvas *canvas, const Model *model, const GridView *view, uint32_t pane)
{
    HeapMarker markers[ALLOCATOR_MAX_MARKERS];
    uint32_t count = allocator_markers(model_heap(model, pane), markers);
    int height = text_line_height(canvas->text);
    for (uint32_t i = 0; i < count; i++) {
        int x, y;
        grid_view_cell_centre(view, model_geometry(model), markers[i].offset, &x, &y);
        int cell = (int)(view->scale > 2 ? view->scale : 2), stroke = canvas->stroke;
        canvas_fill(canvas, (LayoutRect){x - cell / 2 - stroke, y - cell / 2 - 2 * stroke, 3 * stroke, cell + 4 * stroke},
                    OVERLAY_COLOR_MARKER);
        char text[64];
        snprintf(text, sizeof text, " %s ", markers[i].name);
        canvas_text(canvas, x - cell / 2 - stroke, y - cell / 2 - height - 2 * stroke, text, COLOR_BACKGROUND,
                    OVERLAY_COLOR_MARKER);
    }
}

/* ---- the quiz ---------------------------------------------------------- */

static void quiz_question(const QuizRound *round, char *text, size_t size)
{
    if (round->question == QUIZ_ASK_WHERE) {
        snprintf(text, size, " Step %llu: %s %s B for id %u. Where will it land? Click a cell, or o: it fails. ",
                 (unsigned long long)round->step, round->op.kind == OP_REALLOC ? "realloc to" : "malloc",
                 sentence_bytes(round->op.bytes).text, round->op.id);
    } else {
        snprintf(text, size, " Step %llu frees id %u. It merges with: 1 none  2 previous  3 next  4 both? ",
                 (unsigned long long)round->step, round->op.id);
    }
}

static void quiz_verdict(const QuizRound *round, char *text, size_t size)
{
    const char *verdict = round->right ? "Right" : "Wrong";
    const char *scored = round->scored ? "" : " (scored before)";
    if (round->question == QUIZ_ASK_COALESCE) {
        snprintf(text, size, " %s%s: it merged with %s (you said %s). \xE2\x86\x92 next ", verdict, scored,
                 quiz_case_name(round->coalesce), quiz_case_name(round->answer_case));
    } else if (round->fails) {
        snprintf(text, size, " %s%s: no block fitted, the call failed. \xE2\x86\x92 next ", verdict, scored);
    } else {
        snprintf(text, size, " %s%s: it landed at 0x%llx (outlined). \xE2\x86\x92 next ", verdict, scored,
                 (unsigned long long)round->block_offset);
    }
}

/* The question along the bottom of the first pane, or the verdict with the
 * block the step really placed. */
static void draw_quiz(Canvas *canvas, const Model *model, const GridView *view)
{
    const Quiz *quiz = model_quiz(model);
    const QuizRound *round = &quiz->round;
    if (!quiz->on || round->question == QUIZ_ASK_NOTHING) {
        return;
    }
    char text[240];
    uint32_t background = OVERLAY_COLOR_QUIZ;
    if (!round->answered) {
        quiz_question(round, text, sizeof text);
    } else {
        quiz_verdict(round, text, sizeof text);
        background = round->right ? OVERLAY_COLOR_RIGHT : OVERLAY_COLOR_WRONG;
        if (round->question == QUIZ_ASK_WHERE && !round->fails) {
            Highlight truth = {round->block_offset, round->block_size, true};
            grid_view_outline(canvas, view, model_geometry(model), truth, 3 * canvas->stroke, background);
        }
    }
    int inset = 4 * canvas->stroke, columns = (view->dest.w - 2 * inset) / text_char_width(canvas->text);
    int lines = canvas_wrap_count(columns, text); /* broken to the grid's width, along its bottom */
    int top = view->dest.y + view->dest.h - lines * text_line_height(canvas->text) - inset;
    canvas_wrapped(canvas, view->dest.x + inset, top, columns, lines, text, COLOR_BACKGROUND, background);
}

void overlay_draw_pane(Canvas *canvas, const Model *model, const GridView *view, uint32_t pane, uint64_t now_ms)
{
    if (pane == 0) {
        draw_quiz(canvas, model, view);
    }
    if (model_structure_visible(model)) {
        draw_free_list(canvas, model, view, pane);
        draw_markers(canvas, model, view, pane);
    }
    draw_search(canvas, model, view, pane, now_ms);
}

/* ---- the lesson's caption ------------------------------------------------- */

void overlay_draw_caption(Canvas *canvas, const Model *model, const Layout *layout)
{
    const LessonCaption *caption = model_caption(model);
    if (caption == NULL || layout->pane_count == 0) {
        return;
    }
    const LayoutRect *area = &layout->pane_area;
    int height = layout->line_height, margin = layout->margin;
    int width = area->w;
    int columns = (width - 2 * margin) / (layout->char_width ? layout->char_width : 1);
    char text[LESSON_MAX_TEXT + 64];
    snprintf(text, sizeof text, "%s%s", caption->ask ? "Question: " : "", caption->text);
    int lines = canvas_wrap_count(columns, text) + 1; /* and the lesson's title */
    uint32_t background = caption->ask ? OVERLAY_COLOR_QUIZ : OVERLAY_COLOR_CAPTION;
    LayoutRect box = {area->x, area->y + area->h - lines * height - margin, width, lines * height + margin};
    canvas_clip(canvas, &box);
    canvas_fill(canvas, box, background);
    char title[LESSON_MAX_TEXT + 32];
    snprintf(title, sizeof title, "LESSON  %s  (step %llu)", model_lesson(model)->title,
             (unsigned long long)caption->step);
    canvas_text(canvas, box.x + margin, box.y + margin / 2, title, 0xFF404850u, background);
    canvas_wrapped(canvas, box.x + margin, box.y + margin / 2 + height, columns, lines - 1, text, COLOR_BACKGROUND,
                   background);
    canvas_clip(canvas, NULL);
}
