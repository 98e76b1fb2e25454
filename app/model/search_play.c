/*
 * search_play.c - one step's search, probe by probe (see search_play.h).
 *
 * Only calls that place a block search (malloc, and realloc when it moves
 * or fails): their events carry `examined`. A search of more than
 * SEARCH_PLAY_MAX blocks shows its first SEARCH_PLAY_MAX one by one, then
 * jumps to the result; the counter still says how many there were. A
 * design with no search path (search_path NULL) shows only its count.
 */
#include "search_play.h"

#include <string.h>

static bool searched(const HeapEvent *event)
{
    return (event->kind == HEAP_EVENT_MALLOC || event->kind == HEAP_EVENT_REALLOC) &&
           event->examined > 0;
}

void search_play_start(SearchPlay *play, const Allocator *heap, uint64_t now_ms, uint64_t budget_ms)
{
    search_play_stop(play);
    const HeapEvent *event = allocator_last_event(heap);
    if (!searched(event)) {
        return;
    }
    uint64_t total = allocator_search_path(heap, play->offsets, SEARCH_PLAY_MAX);
    play->listed = total < SEARCH_PLAY_MAX ? total : SEARCH_PLAY_MAX;
    play->examined = event->examined;
    play->active = true; /* a design that keeps no path still shows its count */
    play->by_hand = budget_ms == 0;
    play->start_ms = now_ms;
    uint64_t share = budget_ms / (play->listed + 1); /* the result gets a share too */
    play->probe_ms = share < 1 ? 1 : share > SEARCH_PROBE_MS ? SEARCH_PROBE_MS : share;
    play->shown = 1;
}

void search_play_stop(SearchPlay *play)
{
    play->active = false;
    play->listed = play->examined = play->shown = 0;
}

bool search_play_advance(SearchPlay *play)
{
    if (!play->active || play->shown > play->listed) {
        return false;
    }
    play->shown++;
    return true;
}

/* Probes shown by `now_ms`, counting the result as one more. */
static uint64_t probes_shown(const SearchPlay *play, uint64_t now_ms)
{
    if (play->by_hand) {
        return play->shown;
    }
    uint64_t elapsed = now_ms > play->start_ms ? now_ms - play->start_ms : 0;
    return elapsed / play->probe_ms + 1;
}

SearchProbe search_play_probe(const SearchPlay *play, uint64_t now_ms)
{
    SearchProbe probe = { .active = play->active, .examined = play->examined };
    if (!play->active) {
        return probe;
    }
    uint64_t shown = probes_shown(play, now_ms);
    probe.done = shown > play->listed;
    probe.seen = probe.done ? play->examined : shown;
    if (!probe.done) {
        probe.index = shown - 1;
        probe.offset = play->offsets[probe.index];
    }
    return probe;
}

bool search_play_running(const SearchPlay *play, uint64_t now_ms)
{
    return play->active && !play->by_hand && !search_play_probe(play, now_ms).done;
}
