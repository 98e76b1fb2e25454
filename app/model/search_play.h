/*
 * search_play.h - plays back the search of one step: the free blocks the
 * allocator examined, one after another, then the block it chose.
 *
 * A step's search is read from the design (allocator_search_path) right
 * after the step. It then plays either on a clock (one probe every
 * probe_ms milliseconds) or by hand (search-steps mode: one probe per key
 * press). No SDL here; the renderer asks which probe shows at a time.
 */
#ifndef HEAPVIZ_SEARCH_PLAY_H
#define HEAPVIZ_SEARCH_PLAY_H

#include "allocator.h"
#include <stdbool.h>
#include <stdint.h>

enum {
    SEARCH_PLAY_MAX = 256,       /* probes shown one by one; the rest are counted */
    SEARCH_PROBE_MS = 180        /* the longest a probe stays on screen */
};

typedef struct {
    bool active;                 /* a search is being shown */
    bool by_hand;                /* probes advance on key presses, not on the clock */
    uint64_t offsets[SEARCH_PLAY_MAX]; /* the examined blocks, in search order */
    uint64_t listed;             /* how many of them are in offsets */
    uint64_t examined;           /* how many the search examined in all */
    uint64_t start_ms, probe_ms; /* the clock: probe i shows from start + i * probe_ms */
    uint64_t shown;              /* by hand: probes shown so far (1 after the step) */
} SearchPlay;

/* What the window shows of a search at one moment. */
typedef struct {
    bool active;                 /* false: no search to show */
    bool done;                   /* every probe shown: the result is visible */
    uint64_t index;              /* the probe on screen (0-based), while !done */
    uint64_t offset;             /* its block's offset, while !done */
    uint64_t seen;               /* probes shown so far, this one included */
    uint64_t examined;           /* the search's total */
} SearchProbe;

/* Starts showing the search of the heap's last call, if it searched: by
 * hand when budget_ms is 0, else on the clock, the probes and the result
 * sharing budget_ms (at most SEARCH_PROBE_MS each). */
void search_play_start(SearchPlay *play, const Allocator *heap, uint64_t now_ms, uint64_t budget_ms);

void search_play_stop(SearchPlay *play);

/* By hand: shows one more probe; false if every probe was already shown. */
bool search_play_advance(SearchPlay *play);

/* The probe on screen at `now_ms`. */
SearchProbe search_play_probe(const SearchPlay *play, uint64_t now_ms);

/* True while the clock still has probes to show. */
bool search_play_running(const SearchPlay *play, uint64_t now_ms);

#endif
