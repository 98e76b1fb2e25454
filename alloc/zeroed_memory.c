/*
 * zeroed_memory.c - big zeroed blocks (see zeroed_memory.h).
 */
#if defined(__linux__)
#define _DEFAULT_SOURCE
#include <sys/mman.h>
#endif
#include "zeroed_memory.h"

#include <stdbool.h>
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
    void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
                        MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED)
        return NULL;
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
