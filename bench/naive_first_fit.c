/*
 * naive_first_fit.c - a linear-scan first-fit free list (see naive_first_fit.h).
 *
 * Block layout: an 8-byte header word holding the block size (a multiple of
 * 8, at least 16) with bit 0 set while allocated. A free block keeps the
 * offset of the next free block (NAIVE_NONE at the end) in its first payload
 * word. The list is kept in address order, which is what lets a free find
 * its neighbours - by scanning, as the seed does.
 */
#include "naive_first_fit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
    NAIVE_HEADER_BYTES = 8,
    NAIVE_MIN_BLOCK = 16,
    NAIVE_ALLOCATED = 1
};

#define NAIVE_NONE UINT64_MAX     /* "no block": the end of the free list */

struct NaiveHeap {
    uint8_t *arena;
    uint64_t size;                /* usable bytes, a multiple of 8 */
    uint64_t head;                /* offset of the lowest free block, or NAIVE_NONE */
};

static uint64_t read_word(const NaiveHeap *heap, uint64_t offset)
{
    uint64_t word;
    memcpy(&word, heap->arena + offset, sizeof word);
    return word;
}

static void write_word(NaiveHeap *heap, uint64_t offset, uint64_t word)
{
    memcpy(heap->arena + offset, &word, sizeof word);
}

static uint64_t block_size(const NaiveHeap *heap, uint64_t block)
{
    return read_word(heap, block) & ~(uint64_t)NAIVE_ALLOCATED;
}

static uint64_t next_free(const NaiveHeap *heap, uint64_t block)
{
    return read_word(heap, block + NAIVE_HEADER_BYTES);
}

/* Makes `block` a free block of `size` bytes whose successor is `next`. */
static void write_free(NaiveHeap *heap, uint64_t block, uint64_t size, uint64_t next)
{
    write_word(heap, block, size);
    write_word(heap, block + NAIVE_HEADER_BYTES, next);
}

/* Points the link that led to a block (the head, or a free block's next word) elsewhere. */
static void relink(NaiveHeap *heap, uint64_t previous, uint64_t target)
{
    if (previous == NAIVE_NONE)
        heap->head = target;
    else
        write_word(heap, previous + NAIVE_HEADER_BYTES, target);
}

NaiveHeap *naive_create_in(void *memory, uint64_t bytes)
{
    uint64_t size = bytes / 8 * 8;
    if (!memory || size < NAIVE_MIN_BLOCK)
        return NULL;
    NaiveHeap *heap = malloc(sizeof *heap);
    if (!heap)
        return NULL;
    heap->arena = memory;
    heap->size = size;
    heap->head = 0;
    write_free(heap, 0, size, NAIVE_NONE);
    return heap;
}

void naive_destroy(NaiveHeap *heap)
{
    free(heap);
}

static bool block_size_for(uint64_t n, uint64_t *asize)
{
    if (n > UINT64_MAX / 2)
        return false;
    uint64_t size = (n + NAIVE_HEADER_BYTES + 7) / 8 * 8;
    *asize = size < NAIVE_MIN_BLOCK ? NAIVE_MIN_BLOCK : size;
    return true;
}

uint64_t naive_malloc(NaiveHeap *heap, uint64_t n)
{
    uint64_t asize;
    if (!block_size_for(n, &asize))
        return 0;
    uint64_t previous = NAIVE_NONE;
    uint64_t block = heap->head;
    while (block != NAIVE_NONE && block_size(heap, block) < asize) {
        previous = block;
        block = next_free(heap, block);
    }
    if (block == NAIVE_NONE)
        return 0;
    uint64_t size = block_size(heap, block);
    uint64_t next = next_free(heap, block);
    if (size - asize >= NAIVE_MIN_BLOCK) {
        write_free(heap, block + asize, size - asize, next);
        relink(heap, previous, block + asize);
        size = asize;
    } else {
        relink(heap, previous, next);
    }
    write_word(heap, block, size | NAIVE_ALLOCATED);
    return block + NAIVE_HEADER_BYTES;
}

void naive_free(NaiveHeap *heap, uint64_t payload)
{
    if (payload == 0)
        return;
    uint64_t block = payload - NAIVE_HEADER_BYTES;
    uint64_t size = block_size(heap, block);
    uint64_t previous = NAIVE_NONE;
    uint64_t next = heap->head;
    while (next != NAIVE_NONE && next < block) {
        previous = next;
        next = next_free(heap, next);
    }
    if (next != NAIVE_NONE && block + size == next) {
        size += block_size(heap, next);
        next = next_free(heap, next);
    }
    if (previous != NAIVE_NONE && previous + block_size(heap, previous) == block) {
        write_free(heap, previous, block_size(heap, previous) + size, next);
        return;
    }
    write_free(heap, block, size, next);
    relink(heap, previous, block);
}

uint64_t naive_realloc(NaiveHeap *heap, uint64_t payload, uint64_t n)
{
    if (payload == 0)
        return naive_malloc(heap, n);
    if (n == 0) {
        naive_free(heap, payload);
        return 0;
    }
    uint64_t size = block_size(heap, payload - NAIVE_HEADER_BYTES);
    uint64_t asize;
    if (block_size_for(n, &asize) && asize <= size)
        return payload;
    uint64_t moved = naive_malloc(heap, n);
    if (moved == 0)
        return 0;
    memcpy(heap->arena + moved, heap->arena + payload, size - NAIVE_HEADER_BYTES);
    naive_free(heap, payload);
    return moved;
}

/* Counts the problems of one block met in the arena walk; `listed` is the
 * free-list entry expected next (advanced past this block if it is free). */
static uint64_t check_block(const NaiveHeap *heap, uint64_t block, bool previous_free,
                            uint64_t *listed)
{
    bool is_free = (read_word(heap, block) & NAIVE_ALLOCATED) == 0;
    if (!is_free)
        return 0;
    uint64_t problems = previous_free ? 1 : 0;      /* should have coalesced */
    if (*listed != block)
        return problems + 1;                        /* missing or out of order */
    *listed = next_free(heap, block);
    return problems;
}

uint64_t naive_check(const NaiveHeap *heap)
{
    uint64_t problems = 0;
    uint64_t listed = heap->head;
    bool previous_free = false;
    uint64_t block = 0;
    while (block < heap->size) {
        uint64_t size = block_size(heap, block);
        if (size < NAIVE_MIN_BLOCK || size % 8 != 0 || size > heap->size - block)
            return problems + 1;                    /* the blocks stop tiling here */
        problems += check_block(heap, block, previous_free, &listed);
        previous_free = (read_word(heap, block) & NAIVE_ALLOCATED) == 0;
        block += size;
    }
    return problems + (listed != NAIVE_NONE ? 1 : 0); /* list entries beyond the arena */
}
