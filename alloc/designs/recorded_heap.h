/*
 * recorded_heap.h - the `recorded` design's heap (internal to alloc/; see
 * recorded.c for the rules). Only recorded.c and the tests that corrupt a
 * heap on purpose look inside.
 */
#ifndef HEAPVIZ_RECORDED_HEAP_H
#define HEAPVIZ_RECORDED_HEAP_H

#include "allocator.h"
#include "bit_set.h"

typedef enum {
    RECORDED_CHECK_OVERLAP = 1u << 0,  /* two live blocks overlap */
    RECORDED_CHECK_COUNTS = 1u << 1,   /* used blocks or bytes differ from the statistics */
    RECORDED_CHECK_GAPS = 1u << 2,     /* free bytes or the largest gap differ */
    RECORDED_CHECK_LIVE_SET = 1u << 3, /* the live set's summary bits, or a marker not in it */
    RECORDED_CHECK_TREE = 1u << 4,     /* a node of the tree of largest gaps is wrong */
    RECORDED_CHECK_FREE_RANK = 1u << 5 /* a free rank keeps a block's end, request or gap */
} RecordedCheckFlag;

typedef struct {
    unsigned references;
    RecordedPlacements recorded; /* the caller's arrays, not owned */
    uint64_t *starts;            /* per rank: the block's folded start, increasing */
    uint8_t *is_marker;          /* per rank: a fold marker (or the start), not a placement */
    uint32_t *rank_of;           /* per address (index in recorded.addresses): its rank */
    uint64_t rank_count;
    uint64_t marker_count;       /* fold markers and the one ending the last region */
    uint64_t limit;              /* the end of the last marker: the folded region */
    uint64_t *region_folded;     /* per region: where it starts in the folded layout */
    uint64_t *region_real;       /* per region: the program's address there */
    uint64_t region_count;       /* marker_count once laid out */
    uint32_t *first_rank;        /* per bucket of 2^bucket_shift folded bytes, and one more: the
                                    first rank starting in it or after (rank_count if none) */
    unsigned bucket_shift;
    uint64_t bucket_count;
    BitSetShape live_shape;      /* the set of live ranks */
    uint64_t group_count;        /* groups of GROUP_RANKS ranks: leaves of the tree of largest gaps */
} Layout;

/* One rank's state, its fields side by side: a call reads and writes them
 * together, and its neighbour's, often in the same cache line. */
typedef struct {
    uint64_t end;                /* where the live block there ends (a marker's is always
                                    set; the start's is 0), 0 while it is free: kept here,
                                    the walks and neighbours read no placement */
    uint64_t requested;          /* the bytes asked for, 0 while free */
    uint64_t gap;                /* the free bytes from its end to the next live rank's
                                    start, 0 unless live */
} RankState;

typedef struct {
    Allocator base;
    AllocatorConfig config;
    Layout *layout;
    RankState *ranks;            /* per rank */
    uint64_t *live;              /* the live ranks: layout->live_shape.words words */
    uint64_t *largest;           /* 2 * group_count maxima of the ranks' gaps: node
                                    group_count + g is group g's (GROUP_RANKS ranks, 16),
                                    node 0 < i < group_count the larger of nodes 2i and
                                    2i + 1, node 1 everything's; node 0 unused, 0 */
    /* The scalars of the state, together: one span (recorded_state_spans). */
    uint64_t next_placement;     /* the placement the next malloc or realloc takes */
    uint64_t peak_in_use;        /* most bytes_in_use after any call */
    HeapStats stats;
    HeapEvent event;
} RecordedHeap;

#endif
