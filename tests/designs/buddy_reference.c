/*
 * buddy_reference.c - the buddy system as an array of blocks (see
 * buddy_reference.h). Linear everywhere; clarity over speed.
 */
#include "buddy_reference.h"

#include <string.h>

typedef BuddyReference Model;

static uint64_t size_of(unsigned order) { return UINT64_C(1) << order; }

void buddy_reference_init(Model *m, uint64_t heap_bytes)
{
    memset(m, 0, sizeof *m);
    m->top = 5;
    while (size_of(m->top + 1) <= heap_bytes)
        m->top++;
    m->blocks[0] = (BuddyBlock){ .offset = 0, .order = m->top };
    m->count = 1;
}

static size_t find(const Model *m, uint64_t offset)
{
    for (size_t i = 0; i < m->count; i++)
        if (m->blocks[i].offset == offset)
            return i;
    return SIZE_MAX;
}

/* The first (lowest) free block of `order`, or SIZE_MAX. */
static size_t lowest_free(const Model *m, unsigned order)
{
    for (size_t i = 0; i < m->count; i++)
        if (!m->blocks[i].used && m->blocks[i].order == order)
            return i;
    return SIZE_MAX;
}

static bool allocate(Model *m, uint64_t n, uint64_t *payload)
{
    unsigned k = 5;
    while (k <= m->top && size_of(k) < n + 8)
        k++;
    size_t at = SIZE_MAX;
    for (unsigned order = k; order <= m->top && at == SIZE_MAX; order++) {
        m->call_examined++;
        at = lowest_free(m, order);
    }
    if (at == SIZE_MAX) {
        m->failed++;
        return false;
    }
    while (m->blocks[at].order > k) {
        BuddyBlock *b = &m->blocks[at];
        b->order--;
        BuddyBlock upper = { .offset = b->offset + size_of(b->order), .order = b->order };
        memmove(&m->blocks[at + 2], &m->blocks[at + 1], (m->count - at - 1) * sizeof upper);
        m->blocks[at + 1] = upper;
        m->count++;
    }
    BuddyBlock *b = &m->blocks[at];
    b->used = true;
    b->requested = n;
    m->payload += n;
    if (b->offset + size_of(k) > m->high_water)
        m->high_water = b->offset + size_of(k);
    *payload = b->offset + 8;
    return true;
}

static void release(Model *m, uint64_t payload)
{
    size_t at = find(m, payload - 8);
    m->payload -= m->blocks[at].requested;
    m->blocks[at].used = false;
    m->blocks[at].requested = 0;
    for (;;) {
        BuddyBlock *b = &m->blocks[at];
        if (b->order == m->top)
            return;
        size_t buddy = find(m, b->offset ^ size_of(b->order));
        if (buddy == SIZE_MAX || m->blocks[buddy].used || m->blocks[buddy].order != b->order)
            return;
        size_t lower = buddy < at ? buddy : at;
        m->blocks[lower].order++;
        memmove(&m->blocks[lower + 1], &m->blocks[lower + 2], (m->count - lower - 2) * sizeof *b);
        m->count--;
        m->call_merges++;
        at = lower;
    }
}

static void begin(Model *m)
{
    m->call_examined = 0;
    m->call_merges = 0;
}

static void end(Model *m)
{
    m->examined += m->call_examined;
    if (m->payload > m->peak)
        m->peak = m->payload;
}

bool buddy_reference_malloc(Model *m, uint64_t n, uint64_t *payload)
{
    begin(m);
    *payload = 0;
    bool ok = n == 0 || allocate(m, n, payload);
    m->mallocs += ok && n;
    end(m);
    return ok;
}

void buddy_reference_free(Model *m, uint64_t payload)
{
    begin(m);
    if (payload) {
        release(m, payload);
        m->frees++;
    }
    end(m);
}

bool buddy_reference_realloc(Model *m, uint64_t payload, uint64_t n, uint64_t *result)
{
    if (payload == 0)
        return buddy_reference_malloc(m, n, result);
    *result = 0;
    if (n == 0) {
        buddy_reference_free(m, payload);
        return true;
    }
    begin(m);
    BuddyBlock *b = &m->blocks[find(m, payload - 8)];
    bool ok = true;
    if (n + 8 <= size_of(b->order)) {
        m->payload += n - b->requested;
        b->requested = n;
        *result = payload;
    } else if ((ok = allocate(m, n, result))) {
        release(m, payload);
    }
    m->reallocs += ok;
    end(m);
    return ok;
}
