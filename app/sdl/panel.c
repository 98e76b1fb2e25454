/*
 * panel.c - the panel, pane headers, tooltip and help overlay (see
 * panel.h). Lines are placed top to bottom with a cursor, broken at spaces
 * to the panel's width; a line that would not fit whole above the panel's
 * bottom is left out with everything after it, so large text (--scale) or
 * a small window shows less, never a line cut in half. The legend is the
 * exception: the text above it is measured first (a cursor that only
 * moves), the legend takes the roomiest shape that fits (legend_shape) and
 * its height is kept free at the bottom, so it is always whole.
 */
#include "panel.h"

#include "overlay.h"
#include "timeline.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Short enough (27 lines of at most 52 characters) to fit a 1280 x 800
 * window at --scale 1.5, and 1920 x 1080 at --scale 2. */
const char *const panel_help_lines[] = {
    "Space          play / pause",
    "\xE2\x86\x92 \xE2\x86\x90 or . ,     one step (Shift: 10)",
    "               (--ostep without -c: asks, then shows)",
    "PgDn / PgUp    100 steps forward / back",
    "Home / End     step 0 / last step computed",
    "+ / -          faster / slower",
    "1 \xE2\x80\x93 5          first, next, best, worst fit, bump",
    "               (compare: add or remove that pane)",
    "m              compare policies side by side",
    "n              new random seed",
    "c              compact now (recomputes the future)",
    "d              detail view: header, footer, payload",
    "g              grid lines",
    "x              search steps: \xE2\x86\x92 shows one probe",
    "f              free list, rover, heap pointer",
    "p              quiz: predict each malloc and free",
    "               (click a cell, o: fails, 1-4: case)",
    "e / u / b / l  plots: ext frag / util / free blocks",
    "               / largest free (compare: the one)",
    "wheel / drag   zoom to finer cells / move by rows",
    "0              the heap the run uses / whole heap",
    "[ / ]          smaller / larger text and lines",
    "click timeline go to that step (drag to scrub)",
    "hover          a cell: its block; a counter: why",
    "s / r          screenshot / GIF (r starts, r saves)",
    "h or F1        this help",
    "q or Esc       quit",
    NULL,
};

typedef struct {
    Canvas *canvas;
    int x, y;                    /* where the next line goes */
    int columns;                 /* characters that fit in a line */
    int line_height;
    int bottom;                  /* no line goes below this */
    bool full;                   /* a line did not fit: nothing more is drawn */
    uint32_t background;         /* the panel's colour, under the text */
    bool measuring;              /* nothing is drawn: the cursor only moves down */
    int title_end, head_end;     /* y below the title, below the last operation */
} Cursor;

/* Whether `lines` more lines fit; once they do not, nothing more does. */
static bool room_for(Cursor *cursor, int lines)
{
    cursor->full = cursor->full || cursor->y + lines * cursor->line_height > cursor->bottom;
    return !cursor->full;
}

/* Draws `text` broken at spaces into lines `indent` characters in, if all
 * of them (at most `max_lines`) fit. */
static void wrapped(Cursor *cursor, int indent, const char *text, uint32_t color, int max_lines)
{
    int columns = cursor->columns - indent, lines = canvas_wrap_count(columns, text);
    lines = lines < max_lines ? lines : max_lines;
    if (!room_for(cursor, lines)) {
        return;
    }
    if (cursor->measuring) {
        cursor->y += cursor->line_height * lines;
        return;
    }
    cursor->y += cursor->line_height * canvas_wrapped(cursor->canvas, cursor->x + indent * text_char_width(cursor->canvas->text),
                                                      cursor->y, columns, max_lines, text, color, cursor->background);
}

static void line(Cursor *cursor, const char *text, uint32_t color)
{
    wrapped(cursor, 0, text, color, 2);
}

/* `phrases` joined by ", " and broken between them, as many to a line as
 * fit: a long line breaks between whole phrases, not inside one. */
static void phrase_lines(Cursor *cursor, const char *const *phrases, int count, uint32_t color)
{
    char text[256] = "", joined[256];
    for (int i = 0; i < count; i++) {
        snprintf(joined, sizeof joined, "%s%s%s", text, text[0] ? ", " : "", phrases[i]);
        if (text[0] && canvas_wrap_count(cursor->columns, joined) > 1) {
            line(cursor, text, color);
            snprintf(joined, sizeof joined, "%s", phrases[i]);
        }
        memcpy(text, joined, sizeof text);
    }
    line(cursor, text, color);
}

/* A section's heading, drawn only with room for its first `following` lines too. */
static void heading(Cursor *cursor, const char *text, int following)
{
    if (room_for(cursor, 1 + following)) {
        line(cursor, text, COLOR_DIM);
    }
}

static void gap(Cursor *cursor)
{
    cursor->y += cursor->line_height / 2;
}

static void sentence_lines(Cursor *cursor, const char *text)
{
    wrapped(cursor, 0, text, COLOR_TEXT, 3);
}

enum { SWATCH_CHARS = 3 };       /* a legend entry's text starts this far in */

/* A colour's box, then its name `indent` characters in. */
static void swatch_at(Cursor *cursor, uint32_t color, const char *name, int indent)
{
    int size = cursor->line_height * 2 / 3;
    int inset = (cursor->line_height - size) / 2;
    LayoutRect box = {cursor->x, cursor->y + inset, size, size};
    int top = cursor->y;
    wrapped(cursor, indent, name, COLOR_TEXT, 2);
    if (cursor->y > top && !cursor->measuring) {
        canvas_fill(cursor->canvas, box, color);
        canvas_outline(cursor->canvas, box, cursor->canvas->stroke, COLOR_DIM);
    }
}

static void swatch(Cursor *cursor, uint32_t color, const char *name)
{
    swatch_at(cursor, color, name, SWATCH_CHARS);
}

/* What the dead colour means on the panes shown: memory a design never
 * reuses (bump's), a recorded heap's folded gap, or each on its own panes;
 * false if no pane has either. */
static bool dead_meaning(const Model *model, const char **name, const char **brief)
{
    bool folds = false, dead = false;
    for (uint32_t pane = 0; pane < model_pane_count(model); pane++) {
        const Allocator *heap = model_heap(model, pane);
        bool pane_folds = allocator_design(heap)->program_address != NULL;
        folds = folds || pane_folds;
        dead = dead || (!pane_folds && (allocator_features(heap) & ALLOCATOR_HAS_DEAD));
    }
    *name = folds && dead ? "dead (bump), or a gap (recorded: folded)"
            : folds       ? "gap: address space not used (folded)"
                          : grid_class_name(CELL_DEAD);
    *brief = folds && dead ? "dead/gap" : folds ? "gap" : "dead";
    return folds || dead;
}

enum {
    LEGEND_MAX = 16,             /* entries at most */
    BRIEF_SWATCH_CHARS = 2       /* a packed legend's name starts this far in */
};

/* A colour of the legend, with its name in full and in brief (a column of
 * a packed legend). */
typedef struct {
    uint32_t color;
    const char *name, *brief;
} LegendEntry;

/* How the legend is drawn: in full, a name a line; or its brief names in
 * as many columns as fit; in the panel's text or the smaller one. */
typedef struct {
    bool brief, small, heading;
} LegendShape;

static void add_entry(LegendEntry *entries, int *count, uint32_t color, const char *name, const char *brief)
{
    if (*count < LEGEND_MAX) {
        entries[(*count)++] = (LegendEntry){color, name, brief};
    }
}

static void view_entries(const Model *model, LegendEntry *entries, int *count)
{
    const char *dead, *dead_brief;
    bool has_dead = dead_meaning(model, &dead, &dead_brief);
    if (model_view(model) == VIEW_DETAIL) {
        static const char *const briefs[] = {"header", "footer", "payload", "padding", "free"};
        for (CellClass c = CELL_HEADER; c < CELL_DEAD; c++) {
            add_entry(entries, count, grid_class_color(c), grid_class_name(c), briefs[c]);
        }
    } else {
        add_entry(entries, count, GRID_COLOR_FREE, "free", "free");
        add_entry(entries, count, 0xFF808080u, "partly free", "partly");
        add_entry(entries, count, GRID_COLOR_ALLOCATED, "allocated", "used");
        add_entry(entries, count, GRID_COLOR_EDGE,
                  model_ostep(model) != NULL ? "header (-H units)" : "header: where a used block starts", "header");
    }
    if (has_dead) { /* a design without dead memory has no use for its colour */
        add_entry(entries, count, GRID_COLOR_DEAD, dead, dead_brief);
    }
}

/* The legend's entries for the model's view and design; returns how many. */
static int legend_entries(const Model *model, LegendEntry entries[LEGEND_MAX])
{
    int count = 0;
    view_entries(model, entries, &count);
    if (allocator_design(model_heap(model, 0))->features & ALLOCATOR_GROWS) {
        add_entry(entries, &count, grid_class_color(CELL_OUTSIDE), "past the break: not heap yet", "no heap");
    }
    add_entry(entries, &count, GRID_COLOR_TOUCHED, "block the last step touched", "touched");
    add_entry(entries, &count, GRID_COLOR_MARK, "split or coalesce (a moment)", "changed");
    add_entry(entries, &count, OVERLAY_COLOR_PROBE, "block the search examines (x: by hand)", "searched");
    if (model_structure_visible(model)) {
        add_entry(entries, &count, OVERLAY_COLOR_LIST, "free list: 1, 2, 3... in list order (f)", "list");
        add_entry(entries, &count, OVERLAY_COLOR_MARKER, "rover, heap pointer or break (f)", "pointer");
    }
    return count;
}

/* Brief names in columns as wide as the longest and a space, down each
 * column first; one column is drawn as a list, so a name too long wraps. */
static void packed_entries(Cursor *cursor, const LegendEntry *entries, int count)
{
    int longest = 0;
    for (int i = 0; i < count; i++) {
        int length = (int)strlen(entries[i].brief);
        longest = length > longest ? length : longest;
    }
    int width = BRIEF_SWATCH_CHARS + longest + 1, columns = cursor->columns / width;
    if (columns <= 1) {
        for (int i = 0; i < count; i++) {
            swatch_at(cursor, entries[i].color, entries[i].brief, BRIEF_SWATCH_CHARS);
        }
        return;
    }
    int rows = (count + columns - 1) / columns;
    if (!room_for(cursor, rows)) {
        return;
    }
    for (int i = 0; i < count; i++) {
        Cursor cell = *cursor;
        cell.x += i / rows * width * text_char_width(cursor->canvas->text);
        cell.y += i % rows * cursor->line_height;
        cell.columns = width;
        swatch_at(&cell, entries[i].color, entries[i].brief, BRIEF_SWATCH_CHARS);
    }
    cursor->y += rows * cursor->line_height;
}

static void legend(Cursor *cursor, const Model *model, LegendShape shape)
{
    if (shape.heading) {
        heading(cursor, model_view(model) == VIEW_DETAIL ? "DETAIL VIEW  (d: classic)" : "CLASSIC VIEW  (d: detail)", 1);
    }
    LegendEntry entries[LEGEND_MAX];
    int count = legend_entries(model, entries);
    if (shape.brief) {
        packed_entries(cursor, entries, count);
        return;
    }
    for (int i = 0; i < count; i++) {
        swatch(cursor, entries[i].color, entries[i].name);
    }
}

static void play_line(Cursor *cursor, const Model *model)
{
    char text[160];
    const GridGeometry *geometry = model_geometry(model);
    if (model_playing(model)) {
        double measured = model_measured_speed(model);
        snprintf(text, sizeof text, "\xE2\x96\xB6 playing  %s steps/s (%s measured)",
                 sentence_count(model_speed(model)).text,
                 sentence_count(measured > 0 ? (uint64_t)(measured + 0.5) : 0).text);
    } else {
        snprintf(text, sizeof text, "\xE2\x96\xA0 paused   %s steps/s", sentence_count(model_speed(model)).text);
    }
    line(cursor, text, model_playing(model) ? COLOR_ACCENT : COLOR_TEXT);
    const Allocator *heap = model_heap(model, 0);
    uint64_t heap_bytes = allocator_region_limit(heap);
    uint64_t shown_end = geometry->first_byte + grid_row_bytes(geometry) * geometry->rows;
    char size[96];
    if (model_ostep(model) != NULL) { /* "heap 1000-1099 (-S 100 -b 1000), a unit a cell" */
        char first[32], last[32];
        model_address_text(model, 0, allocator_region_start(heap), first, sizeof first);
        model_address_text(model, 0, allocator_region_limit(heap) - 1, last, sizeof last);
        snprintf(text, sizeof text, "heap %s-%s (-S %lld -b %s), %llu unit%s a cell", first, last,
                 (long long)ostep_runs_flags(model_ostep(model))->size, first,
                 (unsigned long long)geometry->bytes_per_cell, geometry->bytes_per_cell == 1 ? "" : "s");
        line(cursor, text, COLOR_DIM);
        return;
    }
    if (allocator_design(heap)->features & ALLOCATOR_GROWS) { /* "8,208 B heap of at most 20 MiB" */
        snprintf(size, sizeof size, "%s heap of at most %s", sentence_bytes(allocator_stats(heap)->heap_bytes).text,
                 sentence_bytes(heap_bytes).text);
    } else {
        snprintf(size, sizeof size, "%s heap", sentence_bytes(heap_bytes).text);
    }
    char shown[64];
    snprintf(shown, sizeof shown, "0x%llx-0x%llx shown", (unsigned long long)geometry->first_byte,
             (unsigned long long)shown_end);
    char per_cell[48];
    snprintf(per_cell, sizeof per_cell, "%s per cell", sentence_bytes(geometry->bytes_per_cell).text);
    const char *phrases[] = {size, per_cell, shown};
    bool whole = geometry->first_byte == 0 && shown_end >= heap_bytes;
    phrase_lines(cursor, phrases, whole ? 2 : 3, COLOR_DIM);
}

/* Each line of `text` (lines end at '\n'), in `color`, wrapped to two lines at most. */
static void lines(Cursor *cursor, const char *text, uint32_t color)
{
    char one[OSTEP_LINE_MAX];
    while (*text) {
        size_t length = strcspn(text, "\n");
        snprintf(one, sizeof one, "%.*s", (int)length, text);
        wrapped(cursor, 0, one, color, 2);
        text += length + (text[length] == '\n');
    }
}

/* malloc.py's free list of a pane: "Free List [ Size 2 ]:" and, one a line,
 * each entry numbered as the grid numbers it (`shown` at most); in compare
 * mode all of it as malloc.py prints it, wrapped. */
static void ostep_free_list(Cursor *cursor, const Model *model, uint32_t pane, uint64_t shown)
{
    enum { SHOWN_MAX = 16 };
    const Allocator *heap = model_heap(model, pane);
    FreeListEntry entries[SHOWN_MAX];
    uint64_t count = allocator_free_list(heap, entries, SHOWN_MAX);
    char text[SHOWN_MAX * OSTEP_LINE_MAX], entry[OSTEP_LINE_MAX];
    int used = snprintf(text, sizeof text, "Free List [ Size %llu ]:", (unsigned long long)count);
    for (uint64_t i = 0; i < count && i < SHOWN_MAX && model_pane_count(model) > 1; i++) {
        ostep_entry_words(ostep_address(heap, entries[i].offset), (int64_t)entries[i].size, entry, sizeof entry);
        used += snprintf(text + used, sizeof text - (size_t)used, "%s%s", i ? "" : " ", entry);
    }
    if (model_pane_count(model) > 1) {
        wrapped(cursor, 0, text, COLOR_TEXT, 2);
        return;
    }
    line(cursor, text, COLOR_TEXT);
    for (uint64_t i = 0; i < count && i < shown && i < SHOWN_MAX; i++) {
        ostep_entry_words(ostep_address(heap, entries[i].offset), (int64_t)entries[i].size, entry, sizeof entry);
        snprintf(text, sizeof text, "%3llu  %s", (unsigned long long)i + 1, entry);
        line(cursor, text, COLOR_TEXT);
    }
    if (count > shown) {
        snprintf(text, sizeof text, "     ... %llu more", (unsigned long long)(count - shown));
        line(cursor, text, COLOR_DIM);
    }
}

/* OSTEP mode: a pane's operation worded as malloc.py prints it, then the
 * free list, or "List?" while its results are hidden. */
static void ostep_operation(Cursor *cursor, const Model *model, uint32_t pane, uint64_t list_lines)
{
    char words[OSTEP_LINE_MAX];
    model_sentence(model, pane, words, sizeof words);
    lines(cursor, words, COLOR_TEXT);
    if (model_results_hidden(model)) {
        line(cursor, "List?", COLOR_TEXT);
    } else if (model_ostep_step(model, pane) != NULL) {
        ostep_free_list(cursor, model, pane, list_lines);
    }
}

/* The heading of OSTEP's operation: its number, and what the next key does. */
static void ostep_heading(Cursor *cursor, const Model *model)
{
    char text[120];
    uint64_t number = model_position(model) + (model_results_hidden(model) ? 1 : 0);
    bool hides = !ostep_runs_flags(model_ostep(model))->compute;
    snprintf(text, sizeof text, "OPERATION %llu OF %llu%s", (unsigned long long)number,
             (unsigned long long)model_total(model),
             model_results_hidden(model) ? "  (\xE2\x86\x92 reveals)"
             : hides && number < model_total(model) ? "  (\xE2\x86\x92 asks the next)" : "");
    line(cursor, text, model_results_hidden(model) ? COLOR_ACCENT : COLOR_DIM);
}

/* Takes spaces out of the first run of them in `text` (a counter's name,
 * padding, its value) until it fits `columns` characters or the run is one
 * space, so a narrow panel keeps each counter on one line. */
static void narrow_padding(char *text, int columns)
{
    char *run = strstr(text, "  ");
    int excess = (int)text_length(text) - columns;
    if (run == NULL || excess <= 0) {
        return;
    }
    int spaces = (int)strspn(run, " ");
    int removed = excess < spaces - 1 ? excess : spaces - 1;
    memmove(run, run + removed, strlen(run + removed) + 1);
}

/* OSTEP's heap counts abstract units, not bytes: its lines say so. */
static void in_units(const Model *model, TextLine *lines, int count)
{
    for (int i = 0; model_ostep(model) != NULL && i < count; i++) {
        sentence_in_units(lines[i].text, sizeof lines[i].text);
    }
}

/* Where the counters are drawn, so a pointer over one can be told what it
 * means: rows [top, end) of the panel; top -1 when none is drawn. */
typedef struct {
    int top, end;
} CounterRows;

static void single_pane(Cursor *cursor, const Model *model, CounterRows *counters_at)
{
    char sentence[SENTENCE_MAX * 2];
    if (model_ostep(model) != NULL) {
        ostep_heading(cursor, model);
        ostep_operation(cursor, model, 0, 8);
    } else {
        model_sentence(model, 0, sentence, sizeof sentence);
        heading(cursor, "LAST OPERATION", canvas_wrap_count(cursor->columns, sentence));
        sentence_lines(cursor, sentence);
    }
    cursor->head_end = cursor->y;
    gap(cursor);
    heading(cursor, "COUNTERS", 1);
    counters_at->top = cursor->full ? -1 : cursor->y;
    TextLine counters[COUNTER_LINES];
    const Allocator *heap = model_heap(model, 0);
    int count = sentence_counters(allocator_stats(heap), allocator_features(heap), counters);
    in_units(model, counters, count);
    for (int i = 0; i < count; i++) {
        narrow_padding(counters[i].text, cursor->columns);
        line(cursor, counters[i].text, COLOR_TEXT);
    }
    counters_at->end = cursor->y; /* as far as they fitted */
    if (model_ostep(model) != NULL) { /* malloc.py's "searched", summed */
        char text[80];
        snprintf(text, sizeof text, "%-22s %12llu", "examined (searched)",
                 (unsigned long long)allocator_stats(model_heap(model, 0))->examined);
        line(cursor, text, COLOR_TEXT);
    }
}

enum {                          /* the compare summary's columns, in characters */
    SUMMARY_NAME_CHARS = 16,
    SUMMARY_MIN_NAME_CHARS = 6,
    SUMMARY_FIGURES_CHARS = 21,  /* " 95.9%  34%   0/0  " */
    SUMMARY_EXAMINED_CHARS = 9
};

/* "diverged at 3 of 20 steps, first at 5", or that none did. */
/* A long run compares its panes per block of `span` steps (history.h). */
static void divergence_words(char *text, size_t size, uint64_t count, uint64_t steps, uint64_t first,
                             uint64_t span)
{
    if (count > 0 && span > 1) {
        snprintf(text, size, "diverged in %llu of %llu steps (%llu-step blocks), first in %llu",
                 (unsigned long long)count, (unsigned long long)steps, (unsigned long long)span,
                 (unsigned long long)first);
    } else if (count > 0) {
        snprintf(text, size, "diverged at %llu of %llu steps, first at %llu", (unsigned long long)count,
                 (unsigned long long)steps, (unsigned long long)first);
    } else {
        snprintf(text, size, "no divergence in %llu steps", (unsigned long long)steps);
    }
}

static void compare_panes(Cursor *cursor, const Model *model)
{
    char text[SENTENCE_MAX * 2];
    /* failed: by fragmentation / by exhaustion; examined: blocks or list
     * nodes the searches visited, so the cost of each design's search
     * shows. A narrow panel (large text) leaves examined out, then shortens
     * the names. */
    bool examined = cursor->columns >= SUMMARY_NAME_CHARS + SUMMARY_FIGURES_CHARS + SUMMARY_EXAMINED_CHARS;
    int name = cursor->columns - SUMMARY_FIGURES_CHARS;
    name = name > SUMMARY_NAME_CHARS ? SUMMARY_NAME_CHARS : name < SUMMARY_MIN_NAME_CHARS ? SUMMARY_MIN_NAME_CHARS : name;
    snprintf(text, sizeof text, "%-*s %6s %5s %-7s%s", name, "pane", "util", "frag", "failed", examined ? " examined" : "");
    line(cursor, text, COLOR_DIM);
    for (uint32_t pane = 0; pane < model_pane_count(model); pane++) {
        const HeapStats *stats = allocator_stats(model_heap(model, pane));
        char label[SENTENCE_MAX], shown[SENTENCE_MAX];
        const AllocatorDesign *design = model_pane_choice(model, pane).design;
        if (allocator_policy_count(design) == 1) { /* its one policy says nothing more */
            snprintf(label, sizeof label, "%s", design->name);
        } else {
            model_pane_label(model, pane, label, sizeof label);
        }
        if ((int)strlen(label) > name) { /* shortened, and says so */
            snprintf(shown, sizeof shown, "%.*s\xE2\x80\xA6", name - 1, label);
        } else {
            snprintf(shown, sizeof shown, "%-*s", name, label);
        }
        int length = snprintf(text, sizeof text, "%s %5.1f%% %4.0f%% %3llu/%-3llu", shown,
                              stats->utilization * 100.0, stats->external_fragmentation,
                              (unsigned long long)stats->failed_fragmented,
                              (unsigned long long)(stats->failed - stats->failed_fragmented));
        if (examined && length > 0 && (size_t)length < sizeof text) {
            snprintf(text + length, sizeof text - (size_t)length, " %8llu", (unsigned long long)stats->examined);
        }
        line(cursor, text, COLOR_TEXT);
    }
    uint64_t count, steps, first;
    model_divergence_seen(model, &count, &steps, &first);
    divergence_words(text, sizeof text, count, steps, first, history_sample_span(model_history(model, 0)));
    line(cursor, text, COLOR_DIVERGED);
    cursor->head_end = cursor->y; /* the figures side by side: the sentences may go */
    gap(cursor);
    if (model_ostep(model) != NULL) {
        ostep_heading(cursor, model);
        for (uint32_t pane = 0; pane < model_pane_count(model); pane++) {
            char label[SENTENCE_MAX];
            model_pane_label(model, pane, label, sizeof label);
            line(cursor, label, timeline_pane_color(pane));
            ostep_operation(cursor, model, pane, 0);
        }
        return;
    }
    for (uint32_t pane = 0; pane < model_pane_count(model); pane++) {
        model_sentence(model, pane, text, sizeof text);
        char labelled[SENTENCE_MAX * 4], label[SENTENCE_MAX];
        model_pane_label(model, pane, label, sizeof label);
        snprintf(labelled, sizeof labelled, "%s: %s", label, text);
        if (pane == 0) {
            heading(cursor, "LAST OPERATION", canvas_wrap_count(cursor->columns, labelled));
        }
        sentence_lines(cursor, labelled);
    }
}

static LayoutRect box_at(Canvas *canvas, const Layout *layout, LayoutRect box);

/* The pointer over a counter: a box above it with what it means and its
 * formula with the current numbers. */
static void counter_definition(Canvas *canvas, const Model *model, const Layout *layout, const Cursor *cursor,
                               CounterRows counters_at)
{
    int x = 0, y = 0;
    model_hover_point(model, &x, &y);
    int counters_top = counters_at.top;
    int counter = y >= counters_top && y < counters_at.end ? (y - counters_top) / cursor->line_height : -1;
    const Allocator *heap = model_heap(model, 0);
    int count = sentence_counter_count(allocator_features(heap));
    if (counter < 0 || counter >= count || x < cursor->x ||
        x >= cursor->x + cursor->columns * layout->char_width) {
        return;
    }
    TextLine lines[DEFINITION_LINES];
    sentence_counter_definition(allocator_stats(heap), counter, allocator_features(heap), lines);
    in_units(model, lines, DEFINITION_LINES);
    int width = 0;
    for (int i = 0; i < DEFINITION_LINES; i++) {
        int length = (int)text_length(lines[i].text);
        width = length > width ? length : width;
    }
    int pad = layout->margin, height = DEFINITION_LINES * layout->line_height + 2 * pad;
    LayoutRect box = {cursor->x + cursor->columns * layout->char_width - width * layout->char_width - 2 * pad,
                      counters_top + counter * cursor->line_height - height, width * layout->char_width + 2 * pad,
                      height};
    box = box_at(canvas, layout, box);
    for (int i = 0; i < DEFINITION_LINES; i++) {
        canvas_text(canvas, box.x + pad, box.y + pad + i * layout->line_height, lines[i].text,
                    i ? COLOR_ACCENT : COLOR_TEXT, COLOR_SHADOW);
    }
    canvas_clip(canvas, NULL);
}

static void quiz_score(Cursor *cursor, const Model *model)
{
    const Quiz *quiz = model_quiz(model);
    if (!quiz->on) {
        return;
    }
    char text[120];
    snprintf(text, sizeof text, "QUIZ  %llu right of %llu answered  (p: stop)", (unsigned long long)quiz->right,
             (unsigned long long)quiz->answered);
    gap(cursor);
    line(cursor, text, COLOR_ACCENT);
}

/* Everything above the legend: the title, the speed, the last operation,
 * the counters (or the compare summary) and the quiz's score. */
static void panel_top(Cursor *cursor, const Model *model, CounterRows *counters_at)
{
    char title[200];
    model_title(model, title, sizeof title);
    line(cursor, title, COLOR_ACCENT);
    cursor->title_end = cursor->y;
    play_line(cursor, model);
    const char *hint = "Space plays, \xE2\x86\x92 steps, h helps"; /* what a new user presses first */
    line(cursor, canvas_wrap_count(cursor->columns, hint) > 1 ? "Space plays, h helps" : hint, COLOR_DIM);
    gap(cursor);
    if (model_pane_count(model) == 1) {
        single_pane(cursor, model, counters_at);
    } else {
        compare_panes(cursor, model);
    }
    quiz_score(cursor, model);
}

/* A cursor at `y` of the panel's text area, in the panel's text or the small one. */
static Cursor text_cursor(Canvas *canvas, const Layout *layout, int y, bool small)
{
    TextCache *text = small ? canvas->small_text : canvas->text;
    LayoutRect box = layout->panel;
    return (Cursor){canvas, box.x + layout->margin, y, (box.w - 2 * layout->margin) / text_char_width(text),
                    text_line_height(text), box.y + box.h - layout->margin / 2, false, COLOR_PANEL, false, y, y};
}

/* The legend's height in `shape`, measured. */
static int legend_height(Canvas *canvas, const Model *model, const Layout *layout, LegendShape shape)
{
    Cursor cursor = text_cursor(canvas, layout, 0, shape.small);
    cursor.measuring = true;
    cursor.bottom = INT_MAX;
    TextCache *text = canvas->text;
    canvas->text = shape.small ? canvas->small_text : text;
    legend(&cursor, model, shape);
    canvas->text = text;
    return cursor.y;
}

/* The legend is always whole. The first shape that leaves room for all
 * the rest: in full, or brief names in columns; else the first that leaves
 * room for the panel's head (down to the last operation): brief, in the
 * panel's text or the small one; else the small one under the title
 * alone, without its heading if need be. What it leaves no room for (the
 * counters first, from the bottom) is left out whole. */
static LegendShape legend_shape(Canvas *canvas, const Model *model, const Layout *layout, const Cursor *panel,
                                const Cursor *measured, int *height)
{
    static const LegendShape shapes[] = {
        {false, false, true}, {true, false, true}, {true, true, true}, {true, true, false},
    };
    int room = panel->bottom - panel->line_height / 2; /* a gap above the legend */
    int ends[] = {measured->y, measured->head_end, measured->title_end, INT_MIN};
    static const int choices[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 3}}; /* for each end, the shapes tried */
    for (int e = 0; e < 4; e++) {
        for (int i = choices[e][0]; i <= choices[e][1]; i++) {
            *height = legend_height(canvas, model, layout, shapes[i]);
            if (e == 3 || ends[e] + *height <= room) {
                return shapes[i];
            }
        }
    }
    return shapes[3];
}

enum { STATUS_LINES = 3 }; /* the status line wraps to at most these */

/* The height the status takes below the legend, with the gap above it: the
 * legend gives way to it (legend_shape). */
static int status_height(const Cursor *cursor, const char *status)
{
    if (status[0] == '\0') {
        return 0;
    }
    int lines = canvas_wrap_count(cursor->columns, status);
    return (lines < STATUS_LINES ? lines : STATUS_LINES) * cursor->line_height + cursor->line_height / 2;
}

/* The status (why an action failed, a note on the history's budget), in
 * as many of three lines as are left, the last ending in "…" if cut. */
static void status_line(Cursor *cursor, const char *status)
{
    int left = cursor->full ? 0 : (cursor->bottom - cursor->y) / cursor->line_height;
    if (status[0] != '\0' && left > 0) {
        wrapped(cursor, 0, status, COLOR_ACCENT, left < STATUS_LINES ? left : STATUS_LINES);
    }
}

void panel_draw(Canvas *canvas, const Model *model, const Layout *layout)
{
    LayoutRect box = layout->panel;
    canvas_fill(canvas, box, COLOR_PANEL);
    canvas_clip(canvas, &box);
    Cursor cursor = text_cursor(canvas, layout, box.y + layout->margin / 2, false);
    Cursor measure = cursor;
    measure.measuring = true;
    measure.bottom = INT_MAX;
    CounterRows counters_at = {-1, -1};
    int height = 0;
    panel_top(&measure, model, &counters_at);
    int bottom = cursor.bottom, legend_bottom = bottom - status_height(&cursor, model_status(model));
    cursor.bottom = legend_bottom;
    LegendShape shape = legend_shape(canvas, model, layout, &cursor, &measure, &height);
    cursor.bottom -= height + cursor.line_height / 2;
    panel_top(&cursor, model, &counters_at);
    gap(&cursor); /* a gap at the end of the top may have gone past its bottom */
    int key_y = cursor.y < legend_bottom - height ? cursor.y : legend_bottom - height;
    Cursor key = text_cursor(canvas, layout, key_y, shape.small);
    TextCache *text = canvas->text;
    canvas->text = shape.small ? canvas->small_text : text;
    legend(&key, model, shape);
    canvas->text = text;
    cursor.y = key.y;
    cursor.full = false;
    cursor.bottom = bottom;
    gap(&cursor);
    status_line(&cursor, model_status(model));
    canvas_clip(canvas, NULL);
    if (counters_at.top >= 0) {
        counter_definition(canvas, model, layout, &cursor, counters_at);
    }
}

/* A pane's figures, each named, in the longest form that fits `columns`
 * characters, on one line or (`lines` 2) one figure a line: six panes leave
 * room for little (the summary table has the rest). */
static void pane_figures(TextLine text[2], const HeapStats *stats, int columns, int lines)
{
    double utilization = stats->utilization * 100.0, fragmentation = stats->external_fragmentation;
    text[1].text[0] = '\0';
    if (lines == 2) {
        snprintf(text[0].text, sizeof text[0].text, "util %.0f%%", utilization);
        snprintf(text[1].text, sizeof text[1].text, "ext frag %.0f%%", fragmentation);
        return;
    }
    snprintf(text[0].text, sizeof text[0].text, "util %.0f%% \xC2\xB7 ext frag %.0f%% \xC2\xB7 failed %llu",
             utilization, fragmentation, (unsigned long long)stats->failed);
    if ((int)text_length(text[0].text) > columns)
        snprintf(text[0].text, sizeof text[0].text, "util %.0f%% \xC2\xB7 ext frag %.0f%%", utilization, fragmentation);
}

void panel_pane_headers(Canvas *canvas, const Model *model, const Layout *layout)
{
    if (model_pane_count(model) < 2) {
        return;
    }
    for (uint32_t pane = 0; pane < model_pane_count(model) && pane < layout->pane_count; pane++) {
        LayoutRect box = layout->panes[pane];
        box.h = layout->pane_grids[pane].y - box.y;
        canvas_clip(canvas, &box);
        const HeapStats *stats = allocator_stats(model_heap(model, pane));
        char label[SENTENCE_MAX];
        model_pane_label(model, pane, label, sizeof label);
        canvas_text(canvas, box.x, box.y, label, timeline_pane_color(pane), COLOR_BACKGROUND);
        TextLine figures[2];
        pane_figures(figures, stats, box.w / layout->char_width, box.h / layout->line_height - 1);
        for (int i = 0; i < 2; i++) {
            canvas_text(canvas, box.x, box.y + (i + 1) * layout->line_height, figures[i].text, COLOR_TEXT,
                        COLOR_BACKGROUND);
        }
        canvas_clip(canvas, NULL);
    }
}

/* Draws a framed box kept inside the window, clips to it and returns where it went. */
static LayoutRect box_at(Canvas *canvas, const Layout *layout, LayoutRect box)
{
    box.x = box.x + box.w > layout->width ? layout->width - box.w : box.x;
    box.y = box.y + box.h > layout->height ? layout->height - box.h : box.y;
    box.x = box.x < 0 ? 0 : box.x;
    box.y = box.y < 0 ? 0 : box.y;
    canvas_fill(canvas, box, COLOR_SHADOW);
    canvas_outline(canvas, box, canvas->stroke, COLOR_ACCENT);
    canvas_clip(canvas, &box);
    return box;
}

void panel_tooltip(Canvas *canvas, const Model *model, const Layout *layout)
{
    uint32_t pane = 0;
    HeapBlock block;
    if (!model_hover_block(model, &pane, &block)) {
        return;
    }
    int x = 0, y = 0;
    model_hover_point(model, &x, &y);
    TextLine lines[TOOLTIP_LINES];
    int64_t owner = model_block_owner(model, pane, &block);
    const Allocator *heap = model_heap(model, pane);
    ProgramPlace place = {.recorded = allocator_design(heap)->program_address != NULL};
    place.in_gap = !allocator_program_address(heap, block.offset, &place.address, &place.gap_bytes);
    sentence_tooltip(&block, &place, model_workload(model)->kind, owner, lines);
    in_units(model, lines, TOOLTIP_LINES);
    if (model_ostep(model) != NULL) { /* malloc.py's words: addresses, ptr[] indexes (trace id - 1), header units */
        char address[32];
        model_address_text(model, pane, block.offset, address, sizeof address);
        snprintf(lines[0].text, sizeof lines[0].text, "block at %s", address);
        if (owner > 0) {
            snprintf(lines[3].text, sizeof lines[3].text, "held by   ptr[%lld]", (long long)owner - 1);
        }
        snprintf(lines[6].text, sizeof lines[6].text, "header    %u unit%s (-H)", block.header_bytes,
                 block.header_bytes == 1 ? "" : "s");
    }
    if (model_pane_count(model) > 1) {
        char first[3 * SENTENCE_MAX], label[SENTENCE_MAX];
        model_pane_label(model, pane, label, sizeof label);
        snprintf(first, sizeof first, "%s: %s", label, lines[0].text);
        snprintf(lines[0].text, sizeof lines[0].text, "%.*s", (int)sizeof lines[0].text - 1, first);
    }
    int width = 0;
    for (int i = 0; i < TOOLTIP_LINES; i++) {
        int length = (int)text_length(lines[i].text);
        width = length > width ? length : width;
    }
    int pad = layout->margin;
    LayoutRect box = {x + 2 * pad, y + 2 * pad, width * layout->char_width + 2 * pad,
                      TOOLTIP_LINES * layout->line_height + 2 * pad};
    box = box_at(canvas, layout, box);
    for (int i = 0; i < TOOLTIP_LINES; i++) {
        canvas_text(canvas, box.x + pad, box.y + pad + i * layout->line_height, lines[i].text, COLOR_TEXT,
                    COLOR_SHADOW);
    }
    canvas_clip(canvas, NULL);
}

void panel_help(Canvas *canvas, const Layout *layout)
{
    int count = 0, width = 0;
    for (; panel_help_lines[count] != NULL; count++) {
        int length = (int)text_length(panel_help_lines[count]);
        width = length > width ? length : width;
    }
    int pad = layout->margin, top = layout->line_height + layout->margin; /* the title, then a gap */
    LayoutRect box = {0, 0, width * layout->char_width + 2 * pad, top + count * layout->line_height + 2 * pad};
    box.x = (layout->width - box.w) / 2;
    box.y = (layout->height - box.h) / 2;
    box = box_at(canvas, layout, box);
    canvas_text(canvas, box.x + pad, box.y + pad, "KEYS  (h, F1 or Esc closes)", COLOR_ACCENT, COLOR_SHADOW);
    for (int i = 0; i < count; i++) {
        canvas_text(canvas, box.x + pad, box.y + pad + top + i * layout->line_height, panel_help_lines[i],
                    COLOR_TEXT, COLOR_SHADOW);
    }
    canvas_clip(canvas, NULL);
}
