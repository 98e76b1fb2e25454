/*
 * textbook_model.c - the book's implicit free list, as the book structures
 * it (see textbook_model.h): 4-byte words, PACK/GET/PUT, HDRP/FTRP,
 * NEXT_BLKP/PREV_BLKP, a pad, a prologue and an epilogue.
 */
#include "textbook_model.h"

#include <string.h>

enum { WSIZE = 4, DSIZE = 8 };

static uint32_t pack(size_t size, unsigned alloc) { return (uint32_t)(size | alloc); }
static uint32_t get(const char *p) { uint32_t w; memcpy(&w, p, sizeof w); return w; }
static void put(char *p, uint32_t val) { memcpy(p, &val, sizeof val); }
static size_t get_size(const char *p) { return get(p) & ~0x7u; }
static unsigned get_alloc(const char *p) { return get(p) & 0x1u; }
static char *hdrp(char *bp) { return bp - WSIZE; }
static char *ftrp(char *bp) { return bp + get_size(hdrp(bp)) - DSIZE; }
static char *next_blkp(char *bp) { return bp + get_size(bp - WSIZE); }
static char *prev_blkp(char *bp) { return bp - get_size(bp - DSIZE); }

static void *coalesce(TextbookModel *m, char *bp)
{
    unsigned prev_alloc = get_alloc(ftrp(prev_blkp(bp)));
    unsigned next_alloc = get_alloc(hdrp(next_blkp(bp)));
    size_t size = get_size(hdrp(bp));
    if (prev_alloc && next_alloc) {
        return bp;
    } else if (prev_alloc && !next_alloc) {
        size += get_size(hdrp(next_blkp(bp)));
        put(hdrp(bp), pack(size, 0));
        put(ftrp(bp), pack(size, 0));
    } else if (!prev_alloc && next_alloc) {
        size += get_size(hdrp(prev_blkp(bp)));
        put(ftrp(bp), pack(size, 0));
        put(hdrp(prev_blkp(bp)), pack(size, 0));
        bp = prev_blkp(bp);
    } else {
        size += get_size(hdrp(prev_blkp(bp))) + get_size(ftrp(next_blkp(bp)));
        put(hdrp(prev_blkp(bp)), pack(size, 0));
        put(ftrp(next_blkp(bp)), pack(size, 0));
        bp = prev_blkp(bp);
    }
    if (m->next_fit && m->rover > bp && m->rover < next_blkp(bp))
        m->rover = bp;
    return bp;
}

static void *extend_heap(TextbookModel *m, size_t words)
{
    size_t size = (words % 2) ? (words + 1) * WSIZE : words * WSIZE;
    char *bp = m->sbrk(m->sbrk_context, size);
    if (bp == (void *)-1)
        return NULL;
    put(hdrp(bp), pack(size, 0));
    put(ftrp(bp), pack(size, 0));
    put(hdrp(next_blkp(bp)), pack(0, 1));
    return coalesce(m, bp);
}

int textbook_model_init(TextbookModel *m)
{
    char *start = m->sbrk(m->sbrk_context, 4 * WSIZE);
    if (start == (void *)-1)
        return -1;
    put(start, 0);
    put(start + 1 * WSIZE, pack(DSIZE, 1));
    put(start + 2 * WSIZE, pack(DSIZE, 1));
    put(start + 3 * WSIZE, pack(0, 1));
    m->heap_listp = start + 2 * WSIZE;
    m->rover = m->heap_listp;
    return extend_heap(m, m->chunk / WSIZE) ? 0 : -1;
}

static bool fits(char *bp, size_t asize)
{
    return !get_alloc(hdrp(bp)) && asize <= get_size(hdrp(bp));
}

static void *find_fit(TextbookModel *m, size_t asize)
{
    if (m->next_fit) {
        char *oldrover = m->rover;
        for (; get_size(hdrp(m->rover)) > 0; m->rover = next_blkp(m->rover))
            if (fits(m->rover, asize))
                return m->rover;
        for (m->rover = m->heap_listp; m->rover < oldrover; m->rover = next_blkp(m->rover))
            if (fits(m->rover, asize))
                return m->rover;
        return NULL;
    }
    for (char *bp = m->heap_listp; get_size(hdrp(bp)) > 0; bp = next_blkp(bp))
        if (fits(bp, asize))
            return bp;
    return NULL;
}

static void place(char *bp, size_t asize)
{
    size_t csize = get_size(hdrp(bp));
    if (csize - asize >= 2 * DSIZE) {
        put(hdrp(bp), pack(asize, 1));
        put(ftrp(bp), pack(asize, 1));
        bp = next_blkp(bp);
        put(hdrp(bp), pack(csize - asize, 0));
        put(ftrp(bp), pack(csize - asize, 0));
    } else {
        put(hdrp(bp), pack(csize, 1));
        put(ftrp(bp), pack(csize, 1));
    }
}

void *textbook_model_malloc(TextbookModel *m, size_t size)
{
    if (size == 0)
        return NULL;
    size_t asize = size <= DSIZE ? 2 * DSIZE : DSIZE * ((size + DSIZE + (DSIZE - 1)) / DSIZE);
    char *bp = find_fit(m, asize);
    if (bp) {
        place(bp, asize);
        return bp;
    }
    size_t extendsize = asize > m->chunk ? asize : m->chunk;
    if ((bp = extend_heap(m, extendsize / WSIZE)) == NULL)
        return NULL;
    place(bp, asize);
    return bp;
}

void textbook_model_free(TextbookModel *m, void *bp)
{
    if (bp == NULL)
        return;
    size_t size = get_size(hdrp(bp));
    put(hdrp(bp), pack(size, 0));
    put(ftrp(bp), pack(size, 0));
    coalesce(m, bp);
}

void *textbook_model_realloc(TextbookModel *m, void *ptr, size_t size)
{
    if (size == 0) {
        textbook_model_free(m, ptr);
        return NULL;
    }
    if (ptr == NULL)
        return textbook_model_malloc(m, size);
    void *newptr = textbook_model_malloc(m, size);
    if (!newptr)
        return NULL;
    size_t oldsize = get_size(hdrp(ptr));
    memcpy(newptr, ptr, size < oldsize ? size : oldsize);
    textbook_model_free(m, ptr);
    return newptr;
}

char *textbook_model_first(const TextbookModel *m)
{
    return textbook_model_next(m->heap_listp);
}

char *textbook_model_next(char *bp)
{
    char *next = next_blkp(bp);
    return get_size(hdrp(next)) > 0 ? next : NULL;
}

size_t textbook_model_block_size(const char *bp) { return get_size(bp - WSIZE); }
bool textbook_model_block_allocated(const char *bp) { return get_alloc(bp - WSIZE) != 0; }
