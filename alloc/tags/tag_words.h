/*
 * tag_words.h - the tags design's header and footer words: the block size
 * with its flag bits (heap.h: HEAP_TAG_ALLOCATED, HEAP_TAG_DEAD), stored
 * little-endian. The core (heap.c) writes them; the address index reads them
 * to find a free block's size. Only files of alloc/tags/ include this.
 */
#ifndef HEAPVIZ_TAG_WORDS_H
#define HEAPVIZ_TAG_WORDS_H

#include "heap.h"

#include <stdint.h>
#include <string.h>

#define TAG_FLAGS ((uint64_t)(HEAP_TAG_ALLOCATED | HEAP_TAG_DEAD))

/* Tag words are stored little-endian, so the arena reads the same on every
 * machine; on little-endian hosts that is a plain copy. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HEAP_HOST_IS_LITTLE_ENDIAN 1
#else
#define HEAP_HOST_IS_LITTLE_ENDIAN 0
#endif

static inline uint64_t load_le(const uint8_t *bytes, int width)
{
    uint64_t value = 0;
    if (HEAP_HOST_IS_LITTLE_ENDIAN) {
        memcpy(&value, bytes, (size_t)width);
        return value;
    }
    for (int i = width - 1; i >= 0; i--)
        value = (value << 8) | bytes[i];
    return value;
}

static inline void store_le(uint8_t *bytes, uint64_t value, int width)
{
    if (HEAP_HOST_IS_LITTLE_ENDIAN) {
        memcpy(bytes, &value, (size_t)width);
        return;
    }
    for (int i = 0; i < width; i++)
        bytes[i] = (uint8_t)(value >> (8 * i));
}

static inline uint64_t tag_size(uint64_t word)
{
    return word & ~TAG_FLAGS;
}

static inline uint64_t tag_flags(uint64_t word)
{
    return word & TAG_FLAGS;
}

#endif
