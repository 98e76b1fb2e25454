/*
 * zeroed_memory.c - big zeroed blocks (see zeroed_memory.h).
 */
#if defined(__linux__)
#define _DEFAULT_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#endif
#include "zeroed_memory.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static bool is_mapped(size_t bytes)
{
#if defined(__linux__)
    return bytes >= ZEROED_MEMORY_MAPPED_BYTES;
#else
    (void)bytes;
    return false;
#endif
}

void *zeroed_memory_get(size_t bytes)
{
    if (!is_mapped(bytes))
        return calloc(1, bytes ? bytes : 1);
#if defined(__linux__)
    /* A huge page must start on a 2 MiB boundary; mmap promises 4 KiB, so
     * map one huge page more and give back what lies before the first
     * boundary and after the block. Else the first and last 2 MiB of the
     * block would fault in 4 KiB pages, up to 512 faults each. */
    size_t page = ZEROED_MEMORY_PAGE_BYTES, spare = bytes + page;
    uint8_t *mapped = mmap(NULL, spare, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
                           MAP_NORESERVE, -1, 0);
    if (mapped == MAP_FAILED)
        return NULL;
    size_t head = (page - (uintptr_t)mapped % page) % page; /* whole small pages */
    size_t small = (size_t)sysconf(_SC_PAGESIZE);
    size_t kept = (bytes + small - 1) / small * small; /* what release unmaps */
    uint8_t *memory = mapped + head;
    if (head > 0)
        munmap(mapped, head);
    if (spare - head > kept)
        munmap(memory + kept, spare - head - kept);
    madvise(memory, bytes, MADV_HUGEPAGE); /* a hint: ordinary pages if refused */
    return memory;
#endif
}

static size_t whole_pages(size_t bytes)
{
    return (bytes + ZEROED_MEMORY_PAGE_BYTES - 1) / ZEROED_MEMORY_PAGE_BYTES * ZEROED_MEMORY_PAGE_BYTES;
}

size_t zeroed_memory_resident_bytes(size_t bytes, size_t prefix, size_t suffix)
{
    if (!is_mapped(bytes))
        return bytes;
    size_t touched = whole_pages(prefix) + whole_pages(suffix);
    return touched < bytes ? touched : bytes;
}

void zeroed_memory_discard(void *memory, size_t bytes, size_t from, size_t to)
{
    to = to < bytes ? to : bytes;
    size_t first = whole_pages(from), end = to / ZEROED_MEMORY_PAGE_BYTES * ZEROED_MEMORY_PAGE_BYTES;
    if (!is_mapped(bytes) || first >= end)
        return;
#if defined(__linux__)
    madvise((uint8_t *)memory + first, end - first, MADV_DONTNEED);
#else
    (void)memory;
#endif
}

void zeroed_memory_release(void *memory, size_t bytes)
{
    if (!memory)
        return;
    if (!is_mapped(bytes)) {
        free(memory);
        return;
    }
#if defined(__linux__)
    munmap(memory, bytes);
#endif
}
