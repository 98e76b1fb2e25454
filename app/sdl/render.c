/*
 * render.c - one frame of the window (see render.h).
 *
 * The grid of each pane is a streaming texture with one texel per cell.
 * A step changes a byte range of the arena (HeapEvent's dirty range); only
 * the texture rows holding those bytes are locked and recoloured, so a step
 * costs O(changed cells), not O(heap). The texture is then copied, magnified,
 * into the pane: zoom and pan only choose the source rectangle. Outlines,
 * marks and grid lines are drawn on top; text comes from ui_panel and
 * ui_timeline.
 */
#include "render.h"

#include "canvas.h"
#include "grid_view.h"
#include "overlay.h"
#include "panel.h"
#include "timeline.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RENDER_MIN_SMALL_PIXELS = 10 }; /* the small text's least size */

struct Render {
    Canvas canvas;
    TimelineCache *timeline;
    SDL_Texture *grids[MODEL_MAX_PANES];
    uint32_t grid_columns[MODEL_MAX_PANES], grid_rows[MODEL_MAX_PANES];
    char error[256];
};

bool render_create(SDL_Renderer *renderer, const char *font_path, int pixel_size, int stroke,
                   Render **out, char *message, size_t message_size)
{
    *out = NULL;
    Render *render = calloc(1, sizeof *render);
    if (render == NULL) {
        snprintf(message, message_size, "out of memory");
        return false;
    }
    render->canvas.renderer = renderer;
    render->canvas.stroke = stroke > 0 ? stroke : 1;
    render->timeline = timeline_cache_create();
    if (render->timeline == NULL) {
        snprintf(message, message_size, "out of memory");
        free(render);
        return false;
    }
    int small_size = pixel_size / 2 > RENDER_MIN_SMALL_PIXELS ? pixel_size / 2 : RENDER_MIN_SMALL_PIXELS;
    if (!text_cache_create(renderer, font_path, pixel_size, &render->canvas.text, message, message_size) ||
        !text_cache_create(renderer, font_path, small_size, &render->canvas.small_text, message, message_size)) {
        text_cache_destroy(render->canvas.text);
        timeline_cache_destroy(render->timeline);
        free(render);
        return false;
    }
    if (SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_BLEND) != 0) {
        snprintf(message, message_size, "cannot set the blend mode: %s", SDL_GetError());
        render_destroy(render);
        return false;
    }
    *out = render;
    return true;
}

void render_destroy(Render *render)
{
    if (render == NULL) {
        return;
    }
    for (int i = 0; i < MODEL_MAX_PANES; i++) {
        if (render->grids[i] != NULL) {
            SDL_DestroyTexture(render->grids[i]);
        }
    }
    text_cache_destroy(render->canvas.text);
    text_cache_destroy(render->canvas.small_text);
    timeline_cache_destroy(render->timeline);
    free(render);
}

/* Characters for the longest row label of a recorded heap: its highest
 * program address, or a gap's ("gap 1023 MiB"). */
static int program_address_chars(const Allocator *heap)
{
    uint64_t limit = allocator_region_limit(heap), address = 0, gap = 0;
    allocator_program_address(heap, limit > 0 ? limit - 1 : 0, &address, &gap);
    int chars = layout_address_chars(address + 1);
    return chars < 12 ? 12 : chars;
}

/* Characters for the longest row label of pane `pane`: each pane labels its
 * rows with its own heap's addresses. */
static int pane_address_chars(const Model *model, uint32_t pane)
{
    const Allocator *heap = model_heap(model, pane);
    const GridGeometry *geometry = model_geometry(model);
    uint64_t shown_end = geometry->first_byte + grid_row_bytes(geometry) * geometry->rows;
    if (model_ostep(model) != NULL) { /* decimal addresses: as wide as the widest, and a space */
        char first[32], last[32];
        model_address_text(model, pane, allocator_region_start(heap), first, sizeof first);
        model_address_text(model, pane, allocator_region_limit(heap), last, sizeof last);
        return (int)(strlen(first) > strlen(last) ? strlen(first) : strlen(last)) + 2;
    }
    return allocator_design(heap)->program_address != NULL
               ? program_address_chars(heap)
               : layout_address_chars(geometry->rows > 0 ? shown_end : allocator_region_limit(heap));
}

Layout render_layout(const Render *render, int width, int height, const Model *model)
{
    Layout layout = layout_compute(width, height, model_pane_count(model), text_line_height(render->canvas.text),
                                   text_char_width(render->canvas.text));
    int chars = 0;
    for (uint32_t pane = 0; pane < model_pane_count(model); pane++) {
        int pane_chars = pane_address_chars(model, pane);
        chars = pane_chars > chars ? pane_chars : chars;
    }
    layout_reserve_addresses(&layout, chars);
    return layout;
}

const char *render_take_error(Render *render)
{
    if (render->canvas.error[0] == '\0') {
        return NULL;
    }
    snprintf(render->error, sizeof render->error, "%s", render->canvas.error);
    render->canvas.error[0] = '\0';
    return render->error;
}

/* --- grid textures -------------------------------------------------------- */

static bool ensure_texture(Render *render, uint32_t pane, const GridGeometry *geometry)
{
    if (render->grids[pane] != NULL && render->grid_columns[pane] == geometry->columns &&
        render->grid_rows[pane] == geometry->rows) {
        return false;
    }
    if (render->grids[pane] != NULL) {
        SDL_DestroyTexture(render->grids[pane]);
    }
    /* Opaque cells: no alpha channel and no blending, so the copy to the
     * screen is a plain (scaled) blit. grid_fill's 0xFFRRGGBB values are
     * RGB888 pixels with an ignored top byte. */
    render->grids[pane] = SDL_CreateTexture(render->canvas.renderer, SDL_PIXELFORMAT_RGB888,
                                            SDL_TEXTUREACCESS_STREAMING, (int)geometry->columns,
                                            (int)geometry->rows);
    if (render->grids[pane] == NULL || SDL_SetTextureBlendMode(render->grids[pane], SDL_BLENDMODE_NONE) != 0) {
        canvas_fail(&render->canvas, "SDL_CreateTexture (grid)");
        return false;
    }
    render->grid_columns[pane] = geometry->columns;
    render->grid_rows[pane] = geometry->rows;
    return true;
}

static bool update_pane(Render *render, const Model *model, uint32_t pane, DirtyRange dirty)
{
    const GridGeometry *geometry = model_geometry(model);
    if (geometry->cell_pixels == 0) {
        return true;
    }
    dirty.full = ensure_texture(render, pane, geometry) || dirty.full;
    if (render->grids[pane] == NULL) {
        return false;
    }
    uint64_t first_row, end_row;
    if (!grid_dirty_rows(geometry, dirty.start, dirty.end, dirty.full, &first_row, &end_row)) {
        return true;
    }
    SDL_Rect rows = {0, (int)first_row, (int)geometry->columns, (int)(end_row - first_row)};
    void *pixels = NULL;
    int pitch = 0;
    if (rows.h <= 0 || SDL_LockTexture(render->grids[pane], &rows, &pixels, &pitch) != 0) {
        canvas_fail(&render->canvas, "SDL_LockTexture (grid)");
        return false;
    }
    grid_fill(model_heap(model, pane), geometry, model_view(model), first_row * geometry->columns,
              end_row * geometry->columns, pixels, (uint32_t)pitch / 4);
    SDL_UnlockTexture(render->grids[pane]);
    return true;
}

bool render_update(Render *render, const Model *model, const DirtyRange *dirty)
{
    bool ok = true;
    for (uint32_t pane = 0; pane < model_pane_count(model); pane++) {
        ok = update_pane(render, model, pane, dirty[pane]) && ok;
    }
    return ok;
}

/* --- the grid on screen ----------------------------------------------------- */

static void draw_grid_lines(Canvas *canvas, const GridView *view)
{
    int stroke = canvas->stroke;
    if (view->scale < 4 * stroke) {
        return;
    }
    int x_end = view->dest.x + view->dest.w, y_end = view->dest.y + view->dest.h;
    for (double column = ceil(view->visible.x); column <= view->visible.x + view->visible.width; column++) {
        int x = (int)lround(view->dest.x + (column - view->visible.x) * view->scale);
        canvas_fill(canvas, (LayoutRect){x, view->dest.y, stroke, y_end - view->dest.y}, COLOR_GRID_LINE);
    }
    for (double row = ceil(view->visible.y); row <= view->visible.y + view->visible.height; row++) {
        int y = (int)lround(view->dest.y + (row - view->visible.y) * view->scale);
        canvas_fill(canvas, (LayoutRect){view->dest.x, y, x_end - view->dest.x, stroke}, COLOR_GRID_LINE);
    }
}

static void draw_highlights(Canvas *canvas, const Model *model, const GridView *view, uint32_t pane,
                            uint64_t now_ms)
{
    const GridGeometry *geometry = model_geometry(model);
    Highlight marks[MODEL_MAX_MARKS];
    uint32_t mark_count = model_marks(model, pane, now_ms, marks);
    uint32_t alpha = (uint32_t)lround(255.0 * model_mark_strength(model, now_ms));
    int thickness = (view->scale >= 6 ? 2 : 1) * canvas->stroke;
    for (uint32_t i = 0; i < mark_count; i++) {
        grid_view_outline(canvas, view, geometry, marks[i], thickness,
                          (GRID_COLOR_MARK & 0x00FFFFFFu) | alpha << 24);
    }
    grid_view_outline(canvas, view, geometry, model_touched(model, pane), thickness, GRID_COLOR_TOUCHED);
}

enum {
    SEPARATED_BLOCKS_MAX = 4096, /* a frame with more blocks in the window draws no starts */
    SEPARATOR_MAX_SHARE = 4,     /* nor one whose lines would cover over 1/4 of the grid's height */
    SEPARATOR_BATCH = 256        /* lines a SDL_RenderFillRects call draws */
};

/* The separators of the blocks that start in the window, gathered: each
 * block's left side, and per row of cells the union of its blocks' lines
 * along the row's top (from the first block to the row's end) and along the
 * next row's top (from the row's start to the last block), drawn once a
 * row with one SDL_RenderFillRects call every SEPARATOR_BATCH lines. A line
 * per block, one call each, drew the same pixels up to hundreds of times: a
 * third of a jump's frame on the 10M-op capture. The colour is opaque, so
 * the union draws the same pixels. */
typedef struct {
    Canvas *canvas;
    SDL_Rect rects[SEPARATOR_BATCH];
    int count;
    uint64_t row;                /* the row whose lines along the top are gathered */
    LayoutRect top, below;       /* their union (w 0: none yet) */
} Separators;

static void separators_add(Separators *separators, LayoutRect rect)
{
    if (rect.w <= 0 || rect.h <= 0) {
        return;
    }
    separators->rects[separators->count++] = (SDL_Rect){rect.x, rect.y, rect.w, rect.h};
    if (separators->count == SEPARATOR_BATCH) {
        canvas_fill_many(separators->canvas, separators->rects, separators->count, GRID_COLOR_SEPARATOR);
        separators->count = 0;
    }
}

/* Draws the row's lines along the top and what is gathered. */
static void separators_flush(Separators *separators)
{
    separators_add(separators, separators->top);
    separators_add(separators, separators->below);
    separators->top.w = separators->below.w = 0;
    canvas_fill_many(separators->canvas, separators->rects, separators->count, GRID_COLOR_SEPARATOR);
    separators->count = 0;
}

/* Two lines on one row of pixels (same y and height) that overlap or touch, as one. */
static LayoutRect line_union(LayoutRect a, LayoutRect b)
{
    if (a.w <= 0) {
        return b;
    }
    int left = a.x < b.x ? a.x : b.x, right = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
    return (LayoutRect){left, a.y, right - left, a.h};
}

/* The line where a used block starting at window cell `cell` begins: down
 * its first cell's left side, along the top of its first row from there and
 * along the bottom of the row before from the row's start, so a block
 * reads apart from the block before it even when both are black. Blocks
 * come in address order. */
static void draw_block_start(Separators *separators, const GridView *view, uint64_t columns, uint64_t cell,
                             int thickness)
{
    uint64_t row_index = cell / columns;
    double row = (double)row_index, column = (double)(cell % columns);
    if (row_index != separators->row) {
        separators_flush(separators);
        separators->row = row_index;
    }
    LayoutRect first = grid_view_cells_rect(view, row, column, (double)columns);
    separators_add(separators, (LayoutRect){first.x, first.y, thickness, first.h});
    separators->top = line_union(separators->top, (LayoutRect){first.x, first.y, first.w, thickness});
    if (column > 0) {
        LayoutRect below = grid_view_cells_rect(view, row + 1, 0, column);
        separators->below = line_union(separators->below, (LayoutRect){below.x, below.y, below.w, thickness});
    }
}

/* Collects the window cells where used blocks of at least two cells start
 * (address order) into `starts`; false if the window holds more than
 * SEPARATED_BLOCKS_MAX blocks. */
static bool block_starts(const GridGeometry *geometry, const Allocator *heap, uint64_t *starts, uint32_t *count)
{
    uint64_t first = geometry->first_byte, end = first + grid_row_bytes(geometry) * geometry->rows;
    HeapBlock block;
    bool more = first >= allocator_region_start(heap) && first < allocator_region_end(heap)
                    ? allocator_block_at(heap, first, &block) : allocator_first_block(heap, &block);
    *count = 0;
    for (uint32_t walked = 0; more && block.offset < end; walked++) {
        if (walked == SEPARATED_BLOCKS_MAX) {
            return false;
        }
        if (block.state == HEAP_BLOCK_USED && block.offset >= first &&
            block.size >= 2 * geometry->bytes_per_cell) {
            starts[(*count)++] = (block.offset - first) / geometry->bytes_per_cell;
        }
        more = allocator_next_block_extent(heap, &block);
    }
    return true;
}

/* Separates every used block of at least two cells in the window from the
 * block before it - all of them or none. Each row holding a start gets a
 * line along its top and one along the next row's: with more than
 * SEPARATED_BLOCKS_MAX blocks in the window, or lines that would take over
 * 1 / SEPARATOR_MAX_SHARE of the grid's height (a crowded heap in cells of
 * a pixel or two), they would hide the cells, and drawing only the first
 * ones painted the top of a crowded heap a solid slate, unlike the rest. */
static void draw_block_starts(Canvas *canvas, const GridView *view, const GridGeometry *geometry,
                              const Allocator *heap)
{
    uint64_t starts[SEPARATED_BLOCKS_MAX];
    uint32_t count = 0, rows = 0;
    if (!block_starts(geometry, heap, starts, &count)) {
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        rows += i == 0 || starts[i] / geometry->columns != starts[i - 1] / geometry->columns;
    }
    int thickness = (view->scale >= 6 ? 2 : 1) * canvas->stroke;
    if (2.0 * rows * thickness * SEPARATOR_MAX_SHARE > (double)geometry->rows * view->scale) {
        return;
    }
    Separators separators = {.canvas = canvas};
    for (uint32_t i = 0; i < count; i++) {
        draw_block_start(&separators, view, geometry->columns, starts[i], thickness);
    }
    separators_flush(&separators);
}

/* Shortens an ASCII label to `chars` characters or fewer by putting an
 * ellipsis for its front ("...573439b0000"): a row's address keeps the digits
 * that change from row to row when the pane is too narrow for all of them. */
static void elide_front(char *text, size_t size, size_t chars)
{
    static const char ELLIPSIS[] = "\xE2\x80\xA6";
    size_t length = strlen(text);
    if (length <= chars || chars < 2 || size < chars + sizeof ELLIPSIS)
        return;
    size_t kept = chars - 1;
    memmove(text + sizeof ELLIPSIS - 1, text + length - kept, kept + 1);
    memcpy(text, ELLIPSIS, sizeof ELLIPSIS - 1);
}

/* Row addresses left of a pane's grid (decimal in OSTEP mode), every
 * power-of-two rows far enough apart to read (two lines), each at the top
 * edge of its row; shortened at the front where the pane is too narrow. */
static void draw_addresses(Canvas *canvas, const Model *model, const Layout *layout, const GridView *view,
                           uint32_t pane)
{
    if (layout->address_width <= 0 || view->scale <= 0) {
        return;
    }
    const GridGeometry *geometry = model_geometry(model);
    uint64_t every = 1;
    while ((double)every * view->scale < 2.0 * layout->line_height) {
        every *= 2;
    }
    const LayoutRect *grid_area = &layout->pane_grids[pane];
    int left = grid_area->x - layout->address_width;
    LayoutRect area = {left, grid_area->y, view->dest.x - left, grid_area->h};
    canvas_clip(canvas, &area);
    uint64_t row = ((uint64_t)ceil(view->visible.y) + every - 1) / every * every;
    size_t fits = (size_t)((view->dest.x - area.x) / layout->char_width);
    for (; (double)row < view->visible.y + view->visible.height; row += every) {
        char text[48];
        model_address_text(model, pane, geometry->first_byte + row * grid_row_bytes(geometry), text, sizeof text);
        elide_front(text, sizeof text, fits > 1 ? fits - 1 : 1);
        int width = (int)text_length(text) * layout->char_width;
        int y = (int)lround(view->dest.y + ((double)row - view->visible.y) * view->scale) - layout->line_height / 2;
        y = y < area.y + area.h - layout->line_height ? y : area.y + area.h - layout->line_height;
        y = y > area.y ? y : area.y;
        canvas_text(canvas, view->dest.x - width - layout->char_width / 2, y, text, COLOR_DIM, COLOR_BACKGROUND);
    }
    canvas_clip(canvas, NULL);
}

static void draw_pane(Render *render, const Model *model, const Layout *layout, uint32_t pane, uint64_t now_ms)
{
    Canvas *canvas = &render->canvas;
    GridView view = grid_view(model, layout, pane);
    if (render->grids[pane] == NULL || view.dest.w <= 0 || view.dest.h <= 0) {
        return;
    }
    SDL_Rect source = {(int)floor(view.visible.x), (int)floor(view.visible.y), 0, 0};
    source.w = (int)ceil(view.visible.x + view.visible.width) - source.x;
    source.h = (int)ceil(view.visible.y + view.visible.height) - source.y;
    SDL_Rect target = {(int)lround(view.dest.x - (view.visible.x - source.x) * view.scale),
                       (int)lround(view.dest.y - (view.visible.y - source.y) * view.scale),
                       (int)lround(source.w * view.scale), (int)lround(source.h * view.scale)};
    int edge = 4 * canvas->stroke; /* outlines sit just outside the cells */
    LayoutRect clip = {view.dest.x - edge, view.dest.y - edge, view.dest.w + 2 * edge, view.dest.h + 2 * edge};
    canvas_clip(canvas, &view.dest);
    if (SDL_RenderCopy(canvas->renderer, render->grids[pane], &source, &target) != 0) {
        canvas_fail(canvas, "SDL_RenderCopy (grid)");
    }
    draw_block_starts(canvas, &view, model_geometry(model), model_heap(model, pane));
    if (model_grid_lines(model)) {
        draw_grid_lines(canvas, &view);
    }
    canvas_clip(canvas, &clip);
    draw_highlights(canvas, model, &view, pane, now_ms);
    overlay_draw_pane(canvas, model, &view, pane, now_ms);
    canvas_clip(canvas, NULL);
    draw_addresses(canvas, model, layout, &view, pane);
}

void render_frame(Render *render, const Model *model, const Layout *layout, uint64_t now_ms)
{
    Canvas *canvas = &render->canvas;
    if (SDL_RenderSetClipRect(canvas->renderer, NULL) != 0) {
        canvas_fail(canvas, "SDL_RenderSetClipRect");
    }
    canvas_fill(canvas, (LayoutRect){0, 0, layout->width, layout->height}, COLOR_BACKGROUND);
    for (uint32_t pane = 0; pane < model_pane_count(model) && pane < layout->pane_count; pane++) {
        draw_pane(render, model, layout, pane, now_ms);
    }
    panel_pane_headers(canvas, model, layout);
    overlay_draw_caption(canvas, model, layout);
    panel_draw(canvas, model, layout);
    timeline_draw(canvas, render->timeline, model, layout);
    panel_tooltip(canvas, model, layout);
    if (model_help_visible(model)) {
        panel_help(canvas, layout);
    }
}

void render_recording_mark(Render *render, const Layout *layout)
{
    Canvas *canvas = &render->canvas;
    int padding = layout->char_width;
    LayoutRect mark = {0, layout->margin, 3 * layout->char_width + 2 * padding, layout->line_height};
    mark.x = layout->width - layout->margin - mark.w;
    canvas_clip(canvas, NULL);
    canvas_fill(canvas, mark, COLOR_RECORDING);
    canvas_text(canvas, mark.x + padding, mark.y, "REC", COLOR_CURSOR, COLOR_RECORDING);
}
