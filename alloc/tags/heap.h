/*
 * heap.h - the `tags` design: heapviz's boundary-tag allocator core.
 *
 * A Heap manages one byte arena with boundary-tagged blocks and one of five
 * placement policies (first, next, best and worst fit, and a bump pointer).
 * Addresses are byte offsets into the arena; 0 is NULL and never a payload.
 * The core knows nothing of SDL, files or printing. The app reaches it
 * through allocator.h (designs/tags.c fills in the design's table); the
 * tests and benchmarks of this design also call it directly.
 * Several heaps live side by side; there is no global state.
 *
 * The exact rules (alignment, splitting, coalescing, next-fit's rover, bump,
 * compaction, statistics) are stated at the top of heap.c and in README.md.
 */
#ifndef HEAPVIZ_HEAP_H
#define HEAPVIZ_HEAP_H

#include "allocator.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Heap Heap;

/* The design table (designs/tags.c); every Heap is an Allocator of it. */
extern const AllocatorDesign tags_design;

/* The Heap an allocator of the tags design is, or NULL for another design:
 * for the tests and benchmarks that look inside this design. */
const Heap *tags_heap(const Allocator *allocator);

enum {
    HEAP_TAG_BYTES = 8,          /* one header or footer word */
    HEAP_OVERHEAD_BYTES = 16,    /* header + footer */
    HEAP_MIN_ALIGNMENT = 4,
    HEAP_MAX_ALIGNMENT = 64,
    HEAP_DEFAULT_ALIGNMENT = 8,
    HEAP_DEFAULT_MIN_PAYLOAD = 8
};

/* Flag bits of a header/footer word; the rest of the word is the block size. */
enum {
    HEAP_TAG_ALLOCATED = 1,      /* bit 0: the block is allocated */
    HEAP_TAG_DEAD = 2            /* bit 1: a freed bump block, never reused */
};

typedef enum {
    HEAP_FIRST_FIT,
    HEAP_NEXT_FIT,
    HEAP_BEST_FIT,
    HEAP_WORST_FIT,
    HEAP_BUMP,
    HEAP_POLICY_COUNT
} HeapPolicy;

typedef struct {
    uint64_t heap_bytes;         /* arena size H, bytes */
    uint64_t alignment;          /* A: power of two in [4, 64] */
    uint64_t min_payload;        /* M >= 1, bytes */
    HeapPolicy policy;
    bool count_examined;         /* count the blocks each search examines (see heap.c) */
    bool skip_events;            /* leave the event (and the search path) unrecorded: the
                                    caller promises not to read them (see heap.c) */
} HeapConfig;

/* Consistency check results: one bit per kind of broken invariant. */
typedef enum {
    HEAP_CHECK_TILING = 1u << 0,       /* blocks do not tile the region exactly */
    HEAP_CHECK_TAGS = 1u << 1,         /* header and footer disagree, or bad size */
    HEAP_CHECK_COALESCE = 1u << 2,     /* two free blocks side by side */
    HEAP_CHECK_INDEX = 1u << 3,        /* free-block index disagrees with the arena */
    HEAP_CHECK_LIVE_MAP = 1u << 4,     /* live-block map disagrees with the arena */
    HEAP_CHECK_STATS = 1u << 5,        /* incremental statistics disagree with a recount */
    HEAP_CHECK_BUMP = 1u << 6,         /* bump heap pointer or its free top block is wrong */
    HEAP_CHECK_ROVER = 1u << 7,        /* next-fit rover outside the region */
    HEAP_CHECK_REQUESTED = 1u << 8,    /* a block holds less than its requested bytes */
    HEAP_CHECK_PAGE_FATES = 1u << 9    /* a huge page's fate is no fate, or says a page
                                          above the high water went back */
} HeapCheckFlag;

/* --- lifetime -------------------------------------------------------------- */

/* Fills in the defaults: 8-byte alignment, 8-byte minimum payload, first fit. */
HeapConfig heap_default_config(uint64_t heap_bytes);

/* Creates a heap over a zeroed arena it owns. Fails with
 * HEAP_ERROR_INVALID_CONFIG if A is not a power of two in [4, 64], M is 0,
 * the policy is unknown, H is above 2^48 bytes, the usable region is smaller
 * than one block, or, for best fit only, the region holds 2^32 alignment
 * units or more (16 GiB at A = 4, 32 GiB at A = 8): best fit files each free
 * block as one 64-bit key of size and offset in alignment units. */
HeapError heap_create(const HeapConfig *config, Heap **out);

/* As heap_create, but over caller memory of config->heap_bytes bytes, which
 * must outlive the heap and is zeroed first. */
HeapError heap_create_in(const HeapConfig *config, void *memory, Heap **out);

/* A deep copy (arena, indexes, statistics, rover) that behaves identically. */
HeapError heap_clone(const Heap *heap, Heap **out);

/* Makes `target` an identical copy of `source` (same configuration required),
 * reusing target's memory where it can. If host memory runs out part-way
 * (HEAP_ERROR_OUT_OF_MEMORY), target holds parts of both: copy again or
 * destroy it. */
HeapError heap_copy(Heap *target, const Heap *source);

void heap_destroy(Heap *heap);

/* Turns the recording of events off (skip_events) or back on, from the next
 * call on: a caller that reads no event for a while (the window's history
 * replaying thousands of steps) gets the quiet copies of the calls
 * meanwhile. The event then describes nothing until a call made with
 * events on; everything else the calls do is the same either way. */
void heap_set_skip_events(Heap *heap, bool skip);


/* The heap's state as spans of its memory (allocator.h's state_spans): its
 * scalars, the arena up to the last block ever made and its last footer,
 * the live map, the dead blocks, and the free index. Returns how many; 0 if
 * the region's end is not a multiple of 8 (the history then copies whole). */
uint32_t heap_state_spans(Heap *heap, AllocatorSpan *spans);

/* --- operations: each records a HeapEvent; a failed call changes nothing but
 *     the failed/errors counters ----------------------------------------- */

/* Places a block for n bytes by the policy. *payload is the payload offset,
 * or 0 with HEAP_ERROR_OUT_OF_MEMORY when nothing fits. */
HeapError heap_malloc(Heap *heap, uint64_t n, uint64_t *payload);

/* free(0) does nothing. Otherwise `payload` must be a live block's payload. */
HeapError heap_free(Heap *heap, uint64_t payload);

/* C's realloc rules; on failure *result is 0 and the old block is untouched. */
HeapError heap_realloc(Heap *heap, uint64_t payload, uint64_t n, uint64_t *result);

/* Slides every allocated block down, in address order, with its bytes.
 * `on_move` (may be NULL) hears of each block that moved. */
void heap_compact(Heap *heap, HeapMoveFn on_move, void *context);

/* --- read-only views ----------------------------------------------------- */

const HeapConfig *heap_config(const Heap *heap);
const HeapStats *heap_stats(const Heap *heap);
const HeapEvent *heap_last_event(const Heap *heap);

/* Where the usable region starts (b0) and ends, and the minimum block size. */
uint64_t heap_region_start(const Heap *heap);
uint64_t heap_region_end(const Heap *heap);
uint64_t heap_min_block(const Heap *heap);

/* Next-fit's rover and the bump heap pointer (tracked for every policy). */
uint64_t heap_rover(const Heap *heap);
uint64_t heap_bump_pointer(const Heap *heap);

/* Block walk in address order: first block, then each next one.
 * Both return false when there is no such block. */
bool heap_first_block(const Heap *heap, HeapBlock *block);
bool heap_next_block(const Heap *heap, HeapBlock *block);
/* As heap_next_block, with `requested` left 0 (no live-map look-up). */
bool heap_next_block_extent(const Heap *heap, HeapBlock *block);

/* The block that contains byte `offset`: an index look-up, then two short
 * searches that take turns (see heap.c); false outside the region. */
bool heap_block_at(const Heap *heap, uint64_t offset, HeapBlock *block);

/* The whole arena, read-only, heap_bytes long. */
const uint8_t *heap_arena(const Heap *heap);

/* The payload bytes of a live block (its requested bytes are writable), or
 * NULL if `payload` is not a live block. *capacity gets size - 16. */
uint8_t *heap_payload(Heap *heap, uint64_t payload, uint64_t *capacity);

/* The offsets of the free blocks the last call's search examined, in the
 * order it examined them (see heap.c), up to `max`; returns how many there
 * were (the event's examined). 0 unless config.count_examined. O(blocks). */
uint64_t heap_search_path(const Heap *heap, uint64_t *offsets, uint64_t max);

/* Checks every invariant (see heap.c) and reports what is broken. */
HeapCheck heap_check(const Heap *heap);

/* Bytes of host memory the heap uses (arena + indexes), for history budgets. */
uint64_t heap_memory_bytes(const Heap *heap);

/* --- names ----------------------------------------------------------------- */

const char *heap_policy_name(HeapPolicy policy);  /* "first-fit", ... */
bool heap_policy_from_name(const char *name, HeapPolicy *policy);
const char *heap_check_flag_name(HeapCheckFlag flag);

/* max(minimum block, align_up(n + 16, A)); false if that overflows. */
bool heap_request_size(const Heap *heap, uint64_t n, uint64_t *asize);

#endif
