/*
 * design_support.h - small pieces the designs share (internal to alloc/):
 * the event's dirty range and the statistics that are worked out from the
 * counts (fragmentation).
 */
#ifndef HEAPVIZ_DESIGN_SUPPORT_H
#define HEAPVIZ_DESIGN_SUPPORT_H

#include "allocator.h"

/* Clears `event` for a new call of `kind` on `pointer` with request `n`. */
void design_event_begin(HeapEvent *event, HeapEventKind kind, uint64_t pointer, uint64_t n);

/* Widens the event's dirty range to cover region bytes [start, end).
 * Inline: every tag write of every design calls it. */
static inline void design_event_touch(HeapEvent *event, uint64_t start, uint64_t end)
{
    if (event->dirty_start == event->dirty_end) {
        event->dirty_start = start;
        event->dirty_end = end;
        return;
    }
    if (start < event->dirty_start)
        event->dirty_start = start;
    if (end > event->dirty_end)
        event->dirty_end = end;
}

/* Fills external and internal fragmentation from the counts and
 * largest_free, as tags defines them (percentages, 0 when undefined). */
void design_fill_fragmentation(HeapStats *stats);

/* A used block of `size` bytes at `offset`, holding `requested` bytes,
 * joins (counts: blocks, bytes in use, payload, high water) or leaves. */
void design_count_used(HeapStats *stats, uint64_t offset, uint64_t size, uint64_t requested);
void design_uncount_used(HeapStats *stats, uint64_t size, uint64_t requested);

/* Notes one broken invariant of kind `flag` at `offset` in a check. */
void design_note_problem(HeapCheck *check, unsigned flag, uint64_t offset);

/* Raises peak_payload to payload_bytes if it is higher. */
void design_note_peak(HeapStats *stats);

/* Makes room in a growing array for `needed` items of `item_size` bytes,
 * doubling its capacity; false if the host is out of memory (the array is
 * then unchanged). */
bool design_reserve(void **items, uint64_t *capacity, uint64_t needed, size_t item_size);

#endif
