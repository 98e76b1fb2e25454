/*
 * zeroed_memory.h - big zeroed blocks of host memory for arenas and indexes.
 *
 * A heap's arena is often far larger than what a run touches (a 256 MiB heap
 * for a trace that keeps 10 MiB live), so it must cost nothing until touched
 * and as little as possible when it is. On Linux a block of at least
 * ZEROED_MEMORY_MAPPED_BYTES is its own anonymous mapping, advised to use
 * transparent huge pages: one page fault per 2 MiB touched instead of one
 * per 4 KiB (page faults were most of the time of a whole-process replay,
 * see BENCHMARKS.md). Smaller blocks, and every block elsewhere, come from
 * calloc, so leak checkers still see them.
 */
#ifndef HEAPVIZ_ZEROED_MEMORY_H
#define HEAPVIZ_ZEROED_MEMORY_H

#include <stddef.h>

enum {
    ZEROED_MEMORY_MAPPED_BYTES = 4 << 20,
    ZEROED_MEMORY_PAGE_BYTES = 2 << 20   /* a huge page: what a mapped block's touch costs */
};

/* `bytes` zeroed bytes (at least 1 is allocated), or NULL if out of memory. */
void *zeroed_memory_get(size_t bytes);

/* Host bytes a block of `bytes` from zeroed_memory_get costs once its first
 * `prefix` and its last `suffix` bytes have been written (and nothing else):
 * whole huge pages of a mapped block, the whole of any other block. */
size_t zeroed_memory_resident_bytes(size_t bytes, size_t prefix, size_t suffix);

/* Gives back to the system the whole huge pages that lie within bytes
 * [from, to) of a block from zeroed_memory_get of `bytes` bytes, for bytes
 * that hold nothing anyone will read before writing them again: a mapped
 * block's pages read as zero afterwards and cost nothing until written.
 * Does nothing to a block that is not mapped (their bytes stay as they were)
 * or where the system cannot. */
void zeroed_memory_discard(void *memory, size_t bytes, size_t from, size_t to);

/* Releases a block from zeroed_memory_get of the same `bytes`; NULL is fine. */
void zeroed_memory_release(void *memory, size_t bytes);

#endif
