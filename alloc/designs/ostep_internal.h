/*
 * ostep_internal.h - the `ostep` design's heap struct, for ostep.c and for
 * the tests that corrupt a heap on purpose to see each check flag fire.
 * Nothing else includes it.
 *
 * The heap mirrors malloc.py's two structures: `free_list`, its list of
 * (address, size) tuples in list order, and `used`, its sizemap (address ->
 * size) kept sorted by address. Addresses and sizes are malloc.py's units,
 * signed, because malloc.py accepts negative sizes and headers without
 * complaint. `blocks` is a view derived after every call: the used and free
 * entries of positive size sorted by address, for the block walk.
 */
#ifndef HEAPVIZ_OSTEP_INTERNAL_H
#define HEAPVIZ_OSTEP_INTERNAL_H

#include "allocator.h"

/* The region starts at offset 1, so a payload offset is never 0 (NULL):
 * offset = address - base + OSTEP_REGION_START. */
enum { OSTEP_REGION_START = 1 };

typedef enum {
    OSTEP_BEST,
    OSTEP_WORST,
    OSTEP_FIRST
} OstepPolicy;

typedef enum {
    OSTEP_ADDRSORT,
    OSTEP_SIZESORT_UP,
    OSTEP_SIZESORT_DOWN,
    OSTEP_INSERT_FRONT,
    OSTEP_INSERT_BACK
} OstepListOrder;

typedef enum {
    OSTEP_CHECK_STATS = 1u << 0,         /* the statistics disagree with the lists */
    OSTEP_CHECK_MAP_ORDER = 1u << 1,     /* the size map is not strictly in address order */
    OSTEP_CHECK_EMPTY_BLOCK = 1u << 2,   /* a block of size <= 0 in a regular heap */
    OSTEP_CHECK_OUTSIDE = 1u << 3,       /* a block outside [base, base + size) */
    OSTEP_CHECK_OVERLAP = 1u << 4,       /* two blocks share a unit */
    OSTEP_CHECK_LOST = 1u << 5,          /* the blocks do not add up to the heap size */
    OSTEP_CHECK_LIST_ORDER = 1u << 6,    /* ADDRSORT's list is out of address order */
    OSTEP_CHECK_NOT_COALESCED = 1u << 7  /* ADDRSORT with -C: list neighbours that touch */
} OstepCheckFlag;

enum { OSTEP_CHECK_FLAG_COUNT = 8 };

typedef struct {
    int64_t address, size;       /* malloc.py's units */
} OstepRange;

typedef struct {
    int64_t address, size;       /* the block, header included */
    int64_t requested;           /* the size asked for (Alloc(n)) */
} OstepUsed;

typedef struct {
    OstepRange *items;
    uint64_t count, capacity;
} OstepRangeArray;

typedef struct {
    Allocator base;
    AllocatorConfig config;
    OstepRangeArray free_list;   /* in list order */
    OstepUsed *used;             /* sorted by address */
    uint64_t used_count, used_capacity;
    HeapBlock *blocks;           /* derived: blocks of positive size by offset */
    uint64_t block_count, block_capacity;
    uint64_t *search;            /* offsets the last search examined */
    uint64_t search_count, search_capacity;
    bool irregular;              /* a size <= 0 was ever made: the layout checks stop */
    HeapStats stats;
    HeapEvent event;
} OstepHeap;

#endif
