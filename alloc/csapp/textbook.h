/*
 * textbook.h - the CS:APP textbook heap (internal to alloc/): the layout that
 * `csapp`, `csapp-explicit` and `csapp-segregated` share (CS:APP 3e §9.9).
 *
 * The layout, in bytes from the heap start:
 *   [0, 4)    pad word (0)
 *   [4, 12)   prologue block: header and footer 8|1
 *   [12, ...) the regular blocks: a 4-byte header and a 4-byte footer, each
 *             the block size OR the allocated bit; payloads are 8-aligned
 *   [brk-4, brk) the epilogue header 0|1
 * The heap starts with those 16 bytes and grows with a simulated sbrk, by
 * max(asize, CHUNKSIZE) when no block fits, up to config.heap_bytes.
 * A block is named by the offset of its header (the first regular block is
 * at 12); its payload (the book's bp) is 4 bytes further on.
 *
 * What the three designs do differently is how they find a free block, and
 * whether free blocks sit on doubly linked lists (pred and succ, 8-byte
 * payload offsets, in the free block's payload). A design passes its rules
 * (TextbookRules) to textbook_create; everything else is here.
 */
#ifndef HEAPVIZ_TEXTBOOK_H
#define HEAPVIZ_TEXTBOOK_H

#include "allocator.h"
#include "block_map.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum {
    TEXTBOOK_WSIZE = 4,          /* a header or footer word */
    TEXTBOOK_DSIZE = 8,          /* alignment */
    TEXTBOOK_PROLOGUE = 4,       /* the prologue's header offset */
    TEXTBOOK_FIRST_BLOCK = 12,   /* the first regular block's header offset */
    TEXTBOOK_INIT_BYTES = 16,    /* pad, prologue, epilogue */
    TEXTBOOK_MAX_LISTS = 20      /* segregated fits' size classes */
};

/* The kinds of broken invariant textbook_check reports (HeapCheck.broken). */
typedef enum {
    TEXTBOOK_CHECK_FRAME = 1u << 0,     /* pad, prologue or epilogue wrong */
    TEXTBOOK_CHECK_TILING = 1u << 1,    /* a block's size or footer is wrong */
    TEXTBOOK_CHECK_COALESCING = 1u << 2,/* two free blocks side by side */
    TEXTBOOK_CHECK_STARTS = 1u << 3,    /* the block-start bitmap disagrees */
    TEXTBOOK_CHECK_LIVE = 1u << 4,      /* the live map disagrees with the used blocks */
    TEXTBOOK_CHECK_STATS = 1u << 5,     /* a statistic differs from a recount */
    TEXTBOOK_CHECK_ROVER = 1u << 6,     /* next fit's rover is not at a block */
    TEXTBOOK_CHECK_LISTS = 1u << 7      /* the free lists disagree with the free blocks */
} TextbookCheckFlag;

typedef struct TextbookHeap TextbookHeap;

/* Finds a free block of at least asize bytes: true and its header offset,
 * counting every block or list node it visits in heap->event.examined. */
typedef bool (*TextbookFindFit)(TextbookHeap *heap, uint64_t asize, uint64_t *offset);

typedef struct {
    uint64_t min_block;              /* 16 (implicit) or 24 (room for pred and succ) */
    uint32_t list_count;             /* free lists: 0 (implicit), 1 (explicit), 20 */
    uint32_t (*list_of)(uint64_t size); /* which list a free block of `size` is on */
    const TextbookFindFit *fits;     /* one per policy, in design->policies order */
} TextbookRules;

struct TextbookHeap {
    Allocator base;
    AllocatorConfig config;
    const TextbookRules *rules;
    TextbookFindFit find_fit;        /* rules->fits[config.policy] */
    bool address_ordered;            /* lists kept in address order (else LIFO) */
    uint8_t *memory;                 /* the heap's bytes, [0, brk); zero past brk */
    uint64_t memory_capacity;        /* bytes allocated for `memory`, a multiple of 8 */
    uint64_t *starts;                /* bit h/8: a block header at offset h */
    uint64_t start_words;            /* words allocated for `starts` */
    BlockMap live;                   /* used block's payload -> requested bytes */
    /* The scalars of the state, together to the end: one span (textbook_state_spans). */
    uint64_t brk;                    /* the break: the heap's size, bytes */
    uint64_t rover;                  /* next fit: header offset (the prologue at first) */
    uint64_t heads[TEXTBOOK_MAX_LISTS]; /* first payload offset of each list, 0: empty */
    HeapStats stats;
    HeapEvent event;
    bool largest_stale;              /* the largest free block left; recount at call end */
    uint8_t unused[7];               /* explicit, zeroed: no padding (a copy keeps every byte) */
};

/* ---- the layout, for the designs' searches ------------------------------- */

static inline uint32_t textbook_word(const TextbookHeap *heap, uint64_t offset)
{
    uint32_t word;
    memcpy(&word, heap->memory + offset, sizeof word);
    return word;
}

/* The size in the header at `offset` (0 for the epilogue). */
static inline uint64_t textbook_size(const TextbookHeap *heap, uint64_t offset)
{
    return textbook_word(heap, offset) & ~UINT32_C(7);
}

static inline bool textbook_is_allocated(const TextbookHeap *heap, uint64_t offset)
{
    return (textbook_word(heap, offset) & 1u) != 0;
}

/* The epilogue's header offset: where the walk of regular blocks stops. */
static inline uint64_t textbook_epilogue(const TextbookHeap *heap)
{
    return heap->brk - TEXTBOOK_WSIZE;
}

/* The next node of a free list (a header offset), 0 at the end. */
uint64_t textbook_list_next(const TextbookHeap *heap, uint64_t offset);
/* The first node of list `list`, 0 if it is empty. */
uint64_t textbook_list_first(const TextbookHeap *heap, uint32_t list);

/* First fit over the free lists: from the list a block of asize would be
 * on, each list from its head, then each later list; counts every node. */
bool textbook_list_fit(TextbookHeap *heap, uint64_t asize, uint64_t *offset);

/* ---- the operations every textbook design's table points at -------------- */

/* Builds the initial heap (16 bytes, then one CHUNKSIZE extension).
 * HEAP_ERROR_INVALID_CONFIG if chunk_bytes is not a multiple of 8 at least
 * the minimum block, the cap cannot hold 16 + chunk_bytes bytes or passes
 * 2^40, or the list order is not one of the design's (a design without
 * list orders ignores it). */
HeapError textbook_create(const AllocatorDesign *design, const TextbookRules *rules,
                          const AllocatorConfig *config, Allocator **out);
HeapError textbook_clone(const Allocator *source, Allocator **out);
HeapError textbook_copy(Allocator *target, const Allocator *source);
void textbook_destroy(Allocator *allocator);

HeapError textbook_malloc(Allocator *allocator, uint64_t n, uint64_t *payload);
HeapError textbook_free(Allocator *allocator, uint64_t payload);
HeapError textbook_realloc(Allocator *allocator, uint64_t payload, uint64_t n, uint64_t *result);

const AllocatorConfig *textbook_config(const Allocator *allocator);
const HeapStats *textbook_stats(const Allocator *allocator);
const HeapEvent *textbook_last_event(const Allocator *allocator);
HeapCheck textbook_check(const Allocator *allocator);
const char *textbook_check_flag_name(unsigned flag);

uint64_t textbook_region_start(const Allocator *allocator);  /* 12 */
uint64_t textbook_region_end(const Allocator *allocator);    /* the break */
uint64_t textbook_region_limit(const Allocator *allocator);  /* the cap */

bool textbook_first_block(const Allocator *allocator, HeapBlock *block);
bool textbook_next_block(const Allocator *allocator, HeapBlock *block);
bool textbook_block_at(const Allocator *allocator, uint64_t offset, HeapBlock *block);

uint64_t textbook_free_list(const Allocator *allocator, FreeListEntry *entries, uint64_t max);
uint32_t textbook_markers(const Allocator *allocator, HeapMarker *markers); /* the break */
uint8_t *textbook_payload_bytes(Allocator *allocator, uint64_t payload, uint64_t *capacity);
uint64_t textbook_memory_bytes(const Allocator *allocator);
/* The scalars, the heap's bytes up to the break, the block-start bitmap and
 * the live map (allocator.h's state_spans). */
uint32_t textbook_state_spans(Allocator *allocator, AllocatorSpan *spans);

/* The table entries every textbook design shares; a design adds its name,
 * policies, features, create and markers. */
#define TEXTBOOK_OPERATIONS                                                          \
    .clone = textbook_clone, .copy = textbook_copy, .destroy = textbook_destroy,     \
    .malloc = textbook_malloc, .free = textbook_free, .realloc = textbook_realloc,   \
    .compact = NULL, .config = textbook_config, .stats = textbook_stats,             \
    .last_event = textbook_last_event, .check = textbook_check,                      \
    .check_flag_name = textbook_check_flag_name,                                     \
    .region_start = textbook_region_start, .region_end = textbook_region_end,        \
    .region_limit = textbook_region_limit, .first_block = textbook_first_block,      \
    .next_block = textbook_next_block, .block_at = textbook_block_at,                \
    .search_path = NULL, .payload_bytes = textbook_payload_bytes,                    \
    .memory_bytes = textbook_memory_bytes, .state_spans = textbook_state_spans

#endif
