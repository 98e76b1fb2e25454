/*
 * textbook_reference.c - the CS:APP designs as arrays (see
 * textbook_reference.h). Linear everywhere; clarity over speed.
 */
#include "textbook_reference.h"

#include <string.h>

typedef TextbookReference Model;

unsigned textbook_reference_class(uint64_t size)
{
    unsigned k = 0;
    for (uint64_t upper = 32; size > upper && k < 19; upper *= 2)
        k++;
    return k;
}

static size_t index_of(const Model *m, uint64_t offset)
{
    for (size_t i = 0; i < m->count; i++)
        if (m->blocks[i].offset == offset)
            return i;
    return SIZE_MAX;
}

static void insert_block(Model *m, size_t at, ReferenceBlock block)
{
    memmove(&m->blocks[at + 1], &m->blocks[at], (m->count - at) * sizeof block);
    m->blocks[at] = block;
    m->count++;
}

static void remove_block(Model *m, size_t at)
{
    memmove(&m->blocks[at], &m->blocks[at + 1], (m->count - at - 1) * sizeof m->blocks[0]);
    m->count--;
}

static unsigned list_of(const Model *m, uint64_t size)
{
    return m->list_count == 1 ? 0 : textbook_reference_class(size);
}

static void list_add(Model *m, uint64_t offset, uint64_t size)
{
    if (m->list_count == 0)
        return;
    unsigned list = list_of(m, size);
    uint64_t *nodes = m->lists[list];
    size_t at = 0;
    if (m->address_ordered)
        while (at < m->list_length[list] && nodes[at] < offset)
            at++;
    memmove(&nodes[at + 1], &nodes[at], (m->list_length[list] - at) * sizeof *nodes);
    nodes[at] = offset;
    m->list_length[list]++;
}

static void list_drop(Model *m, uint64_t offset)
{
    for (unsigned list = 0; list < m->list_count; list++) {
        uint64_t *nodes = m->lists[list];
        for (size_t i = 0; i < m->list_length[list]; i++) {
            if (nodes[i] == offset) {
                memmove(&nodes[i], &nodes[i + 1], (m->list_length[list] - i - 1) * sizeof *nodes);
                m->list_length[list]--;
                return;
            }
        }
    }
}

/* Merges block `at` (free, on no list) with free neighbours; files it. */
static size_t merge(Model *m, size_t at)
{
    if (at + 1 < m->count && !m->blocks[at + 1].used) {
        list_drop(m, m->blocks[at + 1].offset);
        m->blocks[at].size += m->blocks[at + 1].size;
        remove_block(m, at + 1);
    }
    if (at > 0 && !m->blocks[at - 1].used) {
        list_drop(m, m->blocks[at - 1].offset);
        m->blocks[at - 1].size += m->blocks[at].size;
        remove_block(m, at);
        at--;
    }
    ReferenceBlock *b = &m->blocks[at];
    list_add(m, b->offset, b->size);
    if (m->rover > b->offset && m->rover < b->offset + b->size)
        m->rover = b->offset;
    return at;
}

void textbook_reference_init(Model *m, unsigned list_count, ReferenceFit fit, bool address_ordered,
                             uint64_t chunk, uint64_t cap)
{
    memset(m, 0, sizeof *m);
    m->list_count = list_count;
    m->fit = fit;
    m->address_ordered = address_ordered;
    m->min_block = list_count ? 24 : 16;
    m->chunk = chunk;
    m->cap = cap;
    m->rover = 4;
    m->brk = 16 + chunk;
    m->blocks[0] = (ReferenceBlock){ .offset = 12, .size = chunk };
    m->count = 1;
    list_add(m, 12, chunk);
}

static bool fits(const ReferenceBlock *b, uint64_t asize) { return !b->used && b->size >= asize; }

static size_t implicit_fit(Model *m, uint64_t asize)
{
    size_t best = SIZE_MAX;
    size_t start = 0;
    if (m->fit == REFERENCE_NEXT_FIT)
        while (start < m->count && m->blocks[start].offset < m->rover)
            start++;
    for (size_t step = 0; step < m->count; step++) {
        size_t i = (start + step) % m->count;
        m->call_examined++;
        if (!fits(&m->blocks[i], asize))
            continue;
        if (m->fit != REFERENCE_BEST_FIT)
            return i;
        if (best == SIZE_MAX || m->blocks[i].size < m->blocks[best].size)
            best = i;
    }
    return best;
}

static size_t list_fit(Model *m, uint64_t asize)
{
    for (unsigned list = list_of(m, asize); list < m->list_count; list++) {
        for (size_t i = 0; i < m->list_length[list]; i++) {
            m->call_examined++;
            size_t at = index_of(m, m->lists[list][i]);
            if (fits(&m->blocks[at], asize))
                return at;
        }
    }
    return SIZE_MAX;
}

/* A new free block of `bytes` at the old epilogue, merged with a free last block. */
static size_t extend(Model *m, uint64_t bytes)
{
    insert_block(m, m->count, (ReferenceBlock){ .offset = m->brk - 4, .size = bytes });
    m->brk += bytes;
    m->call_extended += bytes;
    return merge(m, m->count - 1);
}

static uint64_t place(Model *m, size_t at, uint64_t asize, uint64_t n)
{
    ReferenceBlock *b = &m->blocks[at];
    list_drop(m, b->offset);
    if (b->size - asize >= m->min_block) {
        ReferenceBlock rest = { .offset = b->offset + asize, .size = b->size - asize };
        b->size = asize;
        insert_block(m, at + 1, rest);
        b = &m->blocks[at];
        list_add(m, rest.offset, rest.size);
    }
    b->used = true;
    b->requested = n;
    m->payload += n;
    if (b->offset + b->size > m->high_water)
        m->high_water = b->offset + b->size;
    return b->offset + 4;
}

static bool allocate(Model *m, uint64_t n, uint64_t *payload)
{
    uint64_t asize = n <= 8 ? 16 : 8 * ((n + 15) / 8);
    if (asize < m->min_block)
        asize = m->min_block;
    size_t at = m->list_count ? list_fit(m, asize) : implicit_fit(m, asize);
    if (at != SIZE_MAX && m->fit == REFERENCE_NEXT_FIT && !m->list_count)
        m->rover = m->blocks[at].offset;
    if (at == SIZE_MAX) {
        uint64_t bytes = asize > m->chunk ? asize : m->chunk;
        if (m->brk + bytes > m->cap) {
            m->failed++;
            return false;
        }
        at = extend(m, bytes);
    }
    *payload = place(m, at, asize, n);
    return true;
}

static void begin(Model *m)
{
    m->call_examined = 0;
    m->call_extended = 0;
}

static void end(Model *m)
{
    m->examined += m->call_examined;
    if (m->payload > m->peak)
        m->peak = m->payload;
}

bool textbook_reference_malloc(Model *m, uint64_t n, uint64_t *payload)
{
    begin(m);
    *payload = 0;
    bool ok = n == 0 || allocate(m, n, payload);
    m->mallocs += ok && n;
    end(m);
    return ok;
}

static void release(Model *m, uint64_t payload)
{
    size_t at = index_of(m, payload - 4);
    m->payload -= m->blocks[at].requested;
    m->blocks[at].used = false;
    m->blocks[at].requested = 0;
    merge(m, at);
}

void textbook_reference_free(Model *m, uint64_t payload)
{
    begin(m);
    if (payload) {
        release(m, payload);
        m->frees++;
    }
    end(m);
}

bool textbook_reference_realloc(Model *m, uint64_t payload, uint64_t n, uint64_t *result)
{
    if (payload == 0)
        return textbook_reference_malloc(m, n, result);
    *result = 0;
    if (n == 0) {
        textbook_reference_free(m, payload);
        return true;
    }
    begin(m);
    bool ok = allocate(m, n, result);
    if (ok) {
        release(m, payload);
        m->reallocs++;
    }
    end(m);
    return ok;
}
