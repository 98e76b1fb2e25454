/*
 * ui_test_support.c - see ui_test_support.h.
 */
#include "ui_test_support.h"
#include "trace.h"

#include <SDL_image.h>
#include <stdlib.h>
#include <string.h>

SDL_Surface *support_load_png(const char *path)
{
    SDL_Surface *loaded = IMG_Load(path);
    if (loaded == NULL) {
        return NULL;
    }
    SDL_Surface *image = SDL_ConvertSurfaceFormat(loaded, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(loaded);
    return image;
}

bool support_parse_options(const char *const *arguments, int count, Options *options)
{
    char *argv[21] = {"heapviz"};
    if (count > 20) {
        return false;
    }
    for (int i = 0; i < count; i++) {
        argv[i + 1] = (char *)arguments[i];
    }
    char message[256];
    return options_parse(count + 1, argv, options, message, sizeof message);
}

Workload support_simulation(uint64_t seed, uint64_t steps)
{
    Workload workload = {.kind = WORKLOAD_SIMULATION, .sim = sim_default_params()};
    workload.sim.seed = seed;
    workload.sim.steps = steps;
    workload.sim.slots = steps / 4 > 0 ? steps / 4 : 1;
    return workload;
}

Trace *support_filling_trace(uint32_t count)
{
    Op *ops = calloc(count, sizeof *ops);
    if (ops == NULL) {
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++) {
        ops[i] = (Op){.kind = OP_MALLOC, .id = i, .bytes = 16};
    }
    Trace *trace = trace_create("filling", 1u << 20, count, ops, count);
    free(ops);
    return trace;
}

AllocatorSetup support_tags_setup(const Workload *workload, HeapPolicy policy)
{
    AllocatorSetup setup = { &tags_design, allocator_default_config(workload_default_heap_bytes(workload)) };
    setup.config.policy = (uint32_t)policy;
    return setup;
}

static Run *run_with(const Workload *workload, const AllocatorSetup *config, const uint64_t *compactions,
                    uint32_t compaction_count, uint64_t step)
{
    Run *run = NULL;
    if (run_create(workload, config, compactions, compaction_count, &run) != HEAP_OK) {
        return NULL;
    }
    StepReport report;
    while (run_position(run) < step && run_step(run, &report)) {
    }
    return run;
}

Run *support_run_to(const Workload *workload, HeapPolicy policy, const uint64_t *compactions,
                    uint32_t compaction_count, uint64_t step)
{
    AllocatorSetup config = support_tags_setup(workload, policy);
    return run_with(workload, &config, compactions, compaction_count, step);
}

Run *support_run_aligned(const Workload *workload, HeapPolicy policy, uint64_t alignment, uint64_t step)
{
    AllocatorSetup config = support_tags_setup(workload, policy);
    config.config.alignment = alignment;
    return run_with(workload, &config, NULL, 0, step);
}

Model *support_model(const Workload *workload, uint32_t compare_count)
{
    ModelConfig config = {.workload = *workload, .page_bytes = 4, .history_bytes = 64u << 20};
    config.heap = support_tags_setup(&config.workload, HEAP_FIRST_FIT);
    config.compare_count = compare_count;
    for (uint32_t i = 0; i < compare_count; i++) {
        config.compare[i] = (DesignPolicy){&tags_design, i};
    }
    Model *model = NULL;
    return model_create(&config, &model) == HEAP_OK ? model : NULL;
}

SDL_Event support_key_event(SDL_Keycode code, Uint16 modifiers)
{
    SDL_Event event = {.type = SDL_KEYDOWN};
    event.key.keysym.sym = code;
    event.key.keysym.mod = modifiers;
    return event;
}

SDL_Event support_mouse_event(Uint32 type, int x, int y)
{
    SDL_Event event = {.type = type};
    if (type == SDL_MOUSEWHEEL) {
        event.wheel.y = 1;
    } else if (type == SDL_MOUSEMOTION) {
        event.motion.x = x;
        event.motion.y = y;
    } else {
        event.button.button = SDL_BUTTON_LEFT;
        event.button.x = x;
        event.button.y = y;
    }
    return event;
}

static bool same_stats(const HeapStats *a, const HeapStats *b)
{
    return a->mallocs == b->mallocs && a->frees == b->frees && a->reallocs == b->reallocs &&
           a->failed == b->failed && a->failed_fragmented == b->failed_fragmented && a->errors == b->errors &&
           a->compactions == b->compactions && a->used_blocks == b->used_blocks &&
           a->free_blocks == b->free_blocks && a->dead_blocks == b->dead_blocks &&
           a->bytes_in_use == b->bytes_in_use && a->payload_bytes == b->payload_bytes &&
           a->free_bytes == b->free_bytes && a->dead_bytes == b->dead_bytes && a->largest_free == b->largest_free &&
           a->peak_payload == b->peak_payload && a->high_water == b->high_water &&
           a->external_fragmentation == b->external_fragmentation &&
           a->internal_fragmentation == b->internal_fragmentation && a->utilization == b->utilization;
}

static bool same_blocks(const Allocator *a, const Allocator *b)
{
    HeapBlock x, y;
    bool more_a = allocator_first_block(a, &x), more_b = allocator_first_block(b, &y);
    while (more_a && more_b) {
        if (x.offset != y.offset || x.size != y.size || x.state != y.state || x.requested != y.requested ||
            x.header != y.header) {
            return false;
        }
        more_a = allocator_next_block(a, &x);
        more_b = allocator_next_block(b, &y);
    }
    return more_a == more_b;
}

bool support_same_heap(const Allocator *a, const Allocator *b)
{
    const Heap *x = tags_heap(a), *y = tags_heap(b);
    uint64_t bytes = heap_config(x)->heap_bytes;
    return bytes == heap_config(y)->heap_bytes && same_stats(allocator_stats(a), allocator_stats(b)) &&
           same_blocks(a, b) && memcmp(heap_arena(x), heap_arena(y), bytes) == 0 &&
           heap_rover(x) == heap_rover(y);
}
