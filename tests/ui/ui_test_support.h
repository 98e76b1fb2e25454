/*
 * ui_test_support.h - helpers shared by the ui suites: a fresh run of a
 * workload to a step, and comparing two heaps block by block and byte by byte.
 */
#ifndef HEAPVIZ_UI_TEST_SUPPORT_H
#define HEAPVIZ_UI_TEST_SUPPORT_H

#include "heap.h"
#include "model.h"
#include "options.h"
#include "run.h"
#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

/* The seed's simulation with `steps` steps and `seed`, other parameters default. */
Workload support_simulation(uint64_t seed, uint64_t steps);

/* A trace of `count` mallocs of 16 bytes that are never freed, on a 1 MiB
 * heap: a heap that only fills (the caller destroys it); NULL if out of memory. */
Trace *support_filling_trace(uint32_t count);

/* The tags design with its defaults on the workload's default heap, with `policy`. */
AllocatorSetup support_tags_setup(const Workload *workload, HeapPolicy policy);

/* A run of `workload` on `policy` stepped to `step` (the caller destroys it). */
Run *support_run_to(const Workload *workload, HeapPolicy policy, const uint64_t *compactions,
                    uint32_t compaction_count, uint64_t step);

/* As support_run_to without compactions, on a heap with alignment `alignment`. */
Run *support_run_aligned(const Workload *workload, HeapPolicy policy, uint64_t alignment, uint64_t step);

/* A model of `workload` on first fit, paused at step 0; with compare_count
 * >= 2, that many panes of the tags policies in their order. NULL if it
 * cannot be made. */
Model *support_model(const Workload *workload, uint32_t compare_count);

/* A key press of `code` with `modifiers` held. */
SDL_Event support_key_event(SDL_Keycode code, Uint16 modifiers);

/* A mouse event of `type` (motion, left button down or up, or a wheel click
 * away from the user) at window point (x, y). */
SDL_Event support_mouse_event(Uint32 type, int x, int y);

/* A PNG file as ARGB8888 pixels (the caller frees it), or NULL. */
SDL_Surface *support_load_png(const char *path);

/* Parses heapviz's `arguments` (at most 20, without the program's name)
 * into `options`; false if the command line is refused. */
bool support_parse_options(const char *const *arguments, int count, Options *options);

/* True when both heaps have equal statistics, block lists and arena bytes. */
bool support_same_heap(const Allocator *a, const Allocator *b);

#endif
