/*
 * design_support.c - the event and statistics helpers the designs share
 * (see design_support.h).
 */
#include "design_support.h"

#include <stdlib.h>

void design_event_begin(HeapEvent *event, HeapEventKind kind, uint64_t pointer, uint64_t n)
{
    *event = (HeapEvent){ .kind = kind, .pointer = pointer, .request = n };
}

void design_fill_fragmentation(HeapStats *stats)
{
    uint64_t spare = stats->free_bytes + stats->dead_bytes;
    stats->external_fragmentation =
        spare ? 100.0 * (1.0 - (double)stats->largest_free / (double)spare) : 0.0;
    stats->internal_fragmentation =
        stats->bytes_in_use ? 100.0 * (double)(stats->bytes_in_use - stats->payload_bytes) /
                                  (double)stats->bytes_in_use
                            : 0.0;
}

void design_note_peak(HeapStats *stats)
{
    if (stats->payload_bytes > stats->peak_payload)
        stats->peak_payload = stats->payload_bytes;
}

void design_count_used(HeapStats *stats, uint64_t offset, uint64_t size, uint64_t requested)
{
    stats->used_blocks++;
    stats->bytes_in_use += size;
    stats->payload_bytes += requested;
    if (offset + size > stats->high_water)
        stats->high_water = offset + size;
}

void design_uncount_used(HeapStats *stats, uint64_t size, uint64_t requested)
{
    stats->used_blocks--;
    stats->bytes_in_use -= size;
    stats->payload_bytes -= requested;
}

void design_note_problem(HeapCheck *check, unsigned flag, uint64_t offset)
{
    if (check->problems++ == 0)
        check->first_offset = offset;
    check->broken |= flag;
}

bool design_reserve(void **items, uint64_t *capacity, uint64_t needed, size_t item_size)
{
    if (needed <= *capacity)
        return true;
    uint64_t grown = *capacity ? *capacity * 2 : 8;
    while (grown < needed)
        grown *= 2;
    void *bigger = realloc(*items, grown * item_size);
    if (!bigger)
        return false;
    *items = bigger;
    *capacity = grown;
    return true;
}
