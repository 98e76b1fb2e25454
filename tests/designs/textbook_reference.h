/*
 * textbook_reference.h - a simple model of the CS:APP designs, written from
 * the rules of issue 18 and not from alloc/: the heap is an array of blocks
 * (offset, size, used, requested) and each free list an array of offsets.
 * No tags, no bitmap, no pointers in payloads. The differential test runs
 * it beside `csapp`, `csapp-explicit` and `csapp-segregated`.
 */
#ifndef HEAPVIZ_TEXTBOOK_REFERENCE_H
#define HEAPVIZ_TEXTBOOK_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { REFERENCE_FIRST_FIT, REFERENCE_NEXT_FIT, REFERENCE_BEST_FIT } ReferenceFit;

typedef struct {
    uint64_t offset, size;
    bool used;
    uint64_t requested;
} ReferenceBlock;

enum { REFERENCE_MAX_BLOCKS = 4096, REFERENCE_MAX_LISTS = 20 };

typedef struct {
    /* the design */
    ReferenceFit fit;            /* implicit list only */
    unsigned list_count;         /* 0: implicit; 1: explicit; 20: segregated */
    bool address_ordered;
    uint64_t min_block, chunk, cap;
    /* the heap */
    uint64_t brk, rover;
    ReferenceBlock blocks[REFERENCE_MAX_BLOCKS];
    size_t count;
    uint64_t lists[REFERENCE_MAX_LISTS][REFERENCE_MAX_BLOCKS];
    size_t list_length[REFERENCE_MAX_LISTS];
    /* what it counted */
    uint64_t mallocs, frees, reallocs, failed, examined;
    uint64_t payload, peak, high_water;
    uint64_t call_examined, call_extended;   /* the last call's */
} TextbookReference;

/* Starts the heap: 16 bytes, then one chunk. */
void textbook_reference_init(TextbookReference *model, unsigned list_count, ReferenceFit fit,
                             bool address_ordered, uint64_t chunk, uint64_t cap);

/* The operations; false when the request failed (counted). */
bool textbook_reference_malloc(TextbookReference *model, uint64_t n, uint64_t *payload);
void textbook_reference_free(TextbookReference *model, uint64_t payload);
bool textbook_reference_realloc(TextbookReference *model, uint64_t payload, uint64_t n,
                                uint64_t *result);

/* The size class of a free block of `size` on segregated fits. */
unsigned textbook_reference_class(uint64_t size);

#endif
