/*
 * allocator.h - one interface for every allocator design heapviz shows.
 *
 * A *design* is one way of managing a heap: boundary tags over a fixed arena
 * (`tags`), OSTEP's free-list simulator (`ostep`), the CS:APP textbook lists
 * on a heap that grows (`csapp`, `csapp-explicit`, `csapp-segregated`), the
 * buddy system (`buddy`). Each design fills in one AllocatorDesign table of
 * operations, as SQLite's allocators fill in sqlite3_mem_methods; the app,
 * the headless runner, the tests and the benchmarks call only the
 * allocator_* functions below and never know which design runs.
 *
 * An Allocator is one heap of one design. Every design's own heap struct
 * starts with an `Allocator` member, so the functions below find the table
 * through it. Several allocators live side by side; there is no global state.
 *
 * Addresses are byte offsets from the start of the design's region; payload
 * offset 0 is NULL and never a payload. What the outside world sees of a heap
 * is read-only: the blocks in address order (HeapBlock), the statistics
 * (HeapStats), what the last call did (HeapEvent) and a consistency check
 * (HeapCheck). Nobody outside a design parses its headers.
 *
 * Adding a design: one new file in alloc/designs/ that defines a const
 * AllocatorDesign, plus one DESIGN(...) line in alloc/designs.def.
 */
#ifndef HEAPVIZ_ALLOCATOR_H
#define HEAPVIZ_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Allocator Allocator;
typedef struct AllocatorDesign AllocatorDesign;

/* Every design's heap struct starts with this. */
struct Allocator {
    const AllocatorDesign *design;
};

typedef enum {
    HEAP_OK = 0,
    HEAP_ERROR_INVALID_POINTER,  /* not the payload offset of any block */
    HEAP_ERROR_DOUBLE_FREE,      /* the payload of a block that is already free or dead */
    HEAP_ERROR_INVALID_CONFIG,   /* bad alignment, size or policy for create */
    HEAP_ERROR_OUT_OF_MEMORY,    /* no block fits the request (counted as failed) */
    HEAP_ERROR_ADDRESS_IN_USE,   /* the place a search chose already holds a live block
                                    (ostep: after a block of size 0; malloc.py stops there) */
    HEAP_ERROR_COUNT
} HeapError;

/* Where glibc put the blocks of a captured program (heapviz --capture), in
 * call order: the k-th malloc or realloc got the pointer
 * addresses[address_of[k]] with usable[k] bytes (malloc_usable_size). A
 * program reuses its addresses, so each is listed once: a call costs 12
 * bytes, and a design can work per address rather than per call (a 10
 * million call capture had 268,562 addresses). The arrays are the
 * caller's; they must outlive the heap and its clones. Each block has
 * glibc's size word before it, so every address is at least
 * RECORDED_HEADER_BYTES, and no address + usable passes 2^64: `recorded`
 * refuses any other list as HEAP_ERROR_INVALID_CONFIG. */
enum { RECORDED_HEADER_BYTES = 8 };

typedef struct {
    const uint64_t *addresses;   /* distinct pointers glibc returned, in any order */
    const uint32_t *address_of;  /* per call: its pointer's index in addresses */
    const uint64_t *usable;      /* per call: usable bytes */
    uint64_t address_count;
    uint64_t count;              /* calls: 0 = no recording */
} RecordedPlacements;

/* A configuration every design reads the fields it needs from; the rest are
 * ignored. allocator_default_config fills in each field's default. */
typedef struct {
    uint64_t heap_bytes;         /* tags, buddy: the region; CS:APP: the most the
                                    heap may grow to; ostep: -S */
    uint64_t alignment;          /* tags: A, a power of two in [4, 64]; ostep: -a (0: none) */
    uint64_t min_payload;        /* tags: M >= 1, bytes */
    uint32_t policy;             /* index into design->policies */
    uint32_t list_order;         /* index into design->list_orders (0 if it has none) */
    uint64_t chunk_bytes;        /* CS:APP: CHUNKSIZE, a multiple of 8 (4096) */
    uint64_t header_bytes;       /* ostep: -H */
    uint64_t base_address;       /* ostep: -b; added to offsets when shown */
    bool coalesce;               /* ostep: -C */
    RecordedPlacements recorded; /* recorded: glibc's placement of each malloc and
                                    realloc (count 0: none) */
    bool events_unread;          /* the caller reads neither last_event nor search_path,
                                    so a design may skip recording what each call did
                                    (tags does; the headless runner without --csv or
                                    --record asks for it) */
} AllocatorConfig;

/* A design and one configuration of it: all it takes to make a heap. */
typedef struct {
    const AllocatorDesign *design;
    AllocatorConfig config;
} AllocatorSetup;

/* One pane of a comparison: a design and one of its policies. */
typedef struct {
    const AllocatorDesign *design;
    uint32_t policy;
} DesignPolicy;

typedef enum { HEAP_BLOCK_USED, HEAP_BLOCK_FREE, HEAP_BLOCK_DEAD } HeapBlockState;

/* One block as the outside world sees it. */
typedef struct {
    uint64_t offset;             /* block start (header), bytes */
    uint64_t size;               /* whole block, tags and padding included, bytes */
    HeapBlockState state;
    uint64_t requested;          /* bytes asked for; 0 unless used (dead: what it held) */
    uint64_t payload;            /* payload offset (offset + header_bytes) */
    uint64_t header;             /* the raw header word as stored, 0 where there is none */
    uint32_t header_bytes;       /* bytes of the block that are its header (0: none) */
    uint32_t footer_bytes;       /* bytes at its end that are its footer (0: none) */
} HeapBlock;

/* Statistics, exact and O(1) to read. Percentages are 0..100; utilization is 0..1. */
typedef struct {
    uint64_t mallocs;            /* successful mallocs (realloc(0, n) included) */
    uint64_t frees;              /* successful frees (realloc(p, 0) included) */
    uint64_t reallocs;           /* successful reallocs of a live block to n > 0 */
    uint64_t failed;             /* mallocs and reallocs that found no block */
    uint64_t failed_fragmented;  /* ...of which free_bytes + dead_bytes >= asize */
    uint64_t errors;             /* rejected frees and reallocs */
    uint64_t compactions;
    uint64_t heap_bytes;         /* the region now (a growing heap: its current size), bytes */
    uint64_t used_blocks, free_blocks, dead_blocks;
    uint64_t bytes_in_use;       /* sizes of allocated blocks, bytes */
    uint64_t payload_bytes;      /* requested bytes of live blocks */
    uint64_t free_bytes, dead_bytes, largest_free;
    double external_fragmentation; /* 100 * (1 - largest_free / (free + dead)) */
    double internal_fragmentation; /* 100 * (in_use - payload) / in_use */
    uint64_t peak_payload;       /* most payload_bytes live after any operation */
    uint64_t high_water;         /* highest end offset of any block ever allocated */
    double utilization;          /* the design's own definition (see its file) */
    uint64_t examined;           /* blocks or list nodes the searches visited, in total */
} HeapStats;

/* What the most recent call did, for sentences and highlights. */
typedef enum {
    HEAP_EVENT_NONE,
    HEAP_EVENT_MALLOC,
    HEAP_EVENT_FREE,
    HEAP_EVENT_REALLOC,
    HEAP_EVENT_COMPACT
} HeapEventKind;

typedef enum {
    HEAP_REALLOC_NONE,
    HEAP_REALLOC_SHRUNK,         /* stayed in place, possibly giving back a tail */
    HEAP_REALLOC_GREW,           /* grew in place over the next free block */
    HEAP_REALLOC_MOVED           /* copied to a new block; old block freed */
} HeapReallocMode;

typedef struct {
    HeapEventKind kind;
    HeapError error;             /* HEAP_OK, or why the call failed */
    HeapReallocMode realloc_mode;
    bool split;                  /* a free remainder was split off */
    bool coalesced_previous;     /* merged with the free block before */
    bool coalesced_next;         /* merged with the free block after */
    bool fragmented;             /* failure: enough bytes in total, no block big enough */
    bool dead;                   /* the freed block (or given-back tail) is dead, never reused */
    uint64_t pointer;            /* argument payload offset (free, realloc) */
    uint64_t request;            /* requested bytes n (malloc, realloc) */
    uint64_t asize;              /* block size the request needed */
    uint64_t result;             /* returned payload offset, 0 if none */
    uint64_t block_offset;       /* the block placed, freed or resized */
    uint64_t block_size;
    uint64_t chosen_free_size;   /* size of the free block a placement used */
    uint64_t split_offset;       /* where that remainder (or a shrink's tail) starts */
    uint64_t merged_offset;      /* the free block that resulted from coalescing */
    uint64_t merged_size;
    uint64_t old_block_offset;   /* realloc: where the block was */
    uint64_t free_bytes;         /* failure: free + dead bytes at the time */
    uint64_t largest_free;       /* failure: largest free block at the time */
    uint64_t moved_blocks;       /* compact: how many blocks moved */
    uint64_t dirty_start;        /* region bytes [dirty_start, dirty_end) may have changed */
    uint64_t dirty_end;
    uint64_t examined;           /* blocks or list nodes this call's searches visited */
    uint64_t extended_bytes;     /* a growing heap: how far this call moved the break */
    uint64_t merges;             /* buddy: how many times a block merged with its buddy */
} HeapEvent;

/* Consistency check results: one bit per kind of broken invariant. The bits
 * are the design's own; design->check_flag_name names each. */
typedef struct {
    unsigned broken;             /* OR of the design's check flags; 0 means consistent */
    uint64_t problems;           /* how many violations were found */
    uint64_t first_offset;       /* block offset of the first violation */
} HeapCheck;

/* Called by compact for every block that moved. */
typedef void (*HeapMoveFn)(void *context, uint64_t old_payload, uint64_t new_payload);

/* What a design has, beyond malloc, free and realloc. */
typedef enum {
    ALLOCATOR_CAN_COMPACT = 1u << 0,     /* compact slides the used blocks down */
    ALLOCATOR_GROWS = 1u << 1,           /* the heap starts small and grows (a break) */
    ALLOCATOR_HAS_FREE_LIST = 1u << 2,   /* free_list lists the free blocks in list order */
    ALLOCATOR_HAS_DEAD = 1u << 3,        /* freed blocks can be dead (never reused) */
    ALLOCATOR_REPLAYS_RECORDING = 1u << 4 /* needs config.recorded: a captured run's placements */
} AllocatorFeature;

/* One entry of a design's free list, in list order. */
typedef struct {
    uint64_t offset, size;       /* the free block */
    uint32_t list;               /* which list (a size class, a buddy order); 0 if one */
} FreeListEntry;

/* A named position on the grid: next fit's rover, bump's heap pointer, the break. */
typedef struct {
    const char *name;
    uint64_t offset;
} HeapMarker;

enum { ALLOCATOR_MAX_MARKERS = 4 };

/* One piece of the memory that holds a heap's state (see state_spans). Its
 * bytes [used, size) are zero; `bytes` and `size` are 8-byte multiples. */
typedef struct {
    uint8_t *bytes;
    uint64_t size;               /* bytes in the piece */
    uint64_t used;               /* bytes that may be non-zero, <= size */
} AllocatorSpan;

enum { ALLOCATOR_MAX_SPANS = 48 };   /* buddy: 5, and a list for each of up to 36 orders */

struct AllocatorDesign {
    const char *name;                    /* "tags", "csapp", ... */
    const char *summary;                 /* one line for --help */
    const char *const *policies;         /* NULL-terminated; [0] is the default */
    const char *const *list_orders;      /* NULL-terminated, or NULL: no list order */
    unsigned features;                   /* OR of AllocatorFeature */
    /* The features this heap has, where its policy decides (tags: only bump
     * makes dead blocks); a subset of features. NULL: features. */
    unsigned (*features_of)(const Allocator *allocator);

    HeapError (*create)(const AllocatorConfig *config, Allocator **out);
    HeapError (*clone)(const Allocator *source, Allocator **out);
    HeapError (*copy)(Allocator *target, const Allocator *source);
    void (*destroy)(Allocator *allocator);

    /* With n > 0, HEAP_OK means a block was placed and counted in mallocs;
     * its payload is 0 only where payloads can start at offset 0 (ostep
     * with a negative header). With n == 0 a design may place none and
     * answer 0 (the mallocs count tells). */
    HeapError (*malloc)(Allocator *allocator, uint64_t n, uint64_t *payload);
    HeapError (*free)(Allocator *allocator, uint64_t payload);
    /* Called with payload != 0 and n > 0 only: allocator_realloc turns
     * realloc(0, n) into malloc and realloc(p, 0) into free. */
    HeapError (*realloc)(Allocator *allocator, uint64_t payload, uint64_t n, uint64_t *result);
    void (*compact)(Allocator *allocator, HeapMoveFn on_move, void *context); /* NULL: none */
    /* NULL where a design takes no hint. A free or realloc of `soon` is some
     * calls away, one of `sooner` fewer (0: none): the design may start
     * loading from memory what those calls will read - for `soon` its
     * block's own header and bookkeeping, for `sooner` (hinted as `soon`
     * before, so those have arrived) what is found through them. It changes
     * nothing, and any payload, even a stale or wrong one, is safe. */
    void (*prefetch)(const Allocator *allocator, uint64_t soon, uint64_t sooner);
    /* Sets config.events_unread from the next call on, for a caller that
     * reads no event for a while (a history's long replay); last_event is
     * then unspecified until a call made with it off. NULL: the design
     * records the same either way. */
    void (*set_events_unread)(Allocator *allocator, bool unread);

    const AllocatorConfig *(*config)(const Allocator *allocator);
    const HeapStats *(*stats)(const Allocator *allocator);
    const HeapEvent *(*last_event)(const Allocator *allocator);
    HeapCheck (*check)(const Allocator *allocator);
    const char *(*check_flag_name)(unsigned flag);

    /* The region: where blocks start, where they end now (a growing heap's
     * break), and the furthest end it may ever reach. */
    uint64_t (*region_start)(const Allocator *allocator);
    uint64_t (*region_end)(const Allocator *allocator);
    uint64_t (*region_limit)(const Allocator *allocator);

    bool (*first_block)(const Allocator *allocator, HeapBlock *block);
    bool (*next_block)(const Allocator *allocator, HeapBlock *block);
    bool (*block_at)(const Allocator *allocator, uint64_t offset, HeapBlock *block); /* O(log n) */
    /* As next_block, but a used or dead block's `requested` may be left 0:
     * the blocks' extents and states, all a picture of the heap in the
     * classic view needs, for a design whose next_block pays a look-up per
     * block for `requested` (tags: its live marks). NULL: next_block serves. */
    bool (*next_block_extent)(const Allocator *allocator, HeapBlock *block);

    /* Free list in list order, up to `max` entries; returns how many there are
     * in all. NULL where the design has no list to show. */
    uint64_t (*free_list)(const Allocator *allocator, FreeListEntry *entries, uint64_t max);
    /* The offsets of the blocks the last call's search examined, in the order
     * it examined them, up to `max`; returns how many there were. NULL: none kept. */
    uint64_t (*search_path)(const Allocator *allocator, uint64_t *offsets, uint64_t max);
    /* Markers to draw; returns how many (at most ALLOCATOR_MAX_MARKERS). */
    uint32_t (*markers)(const Allocator *allocator, HeapMarker *markers);

    /* The payload bytes of a live block, or NULL; *capacity gets their number. */
    uint8_t *(*payload_bytes)(Allocator *allocator, uint64_t payload, uint64_t *capacity);
    uint64_t (*memory_bytes)(const Allocator *allocator); /* host bytes, for budgets */

    /* Where an offset lay in a recorded program's address space, for a
     * design that lays out a recording with the empty spans folded
     * (recorded): true with the address in *address, or false inside a fold
     * marker, with *address the first address it leaves out and *gap_bytes
     * how many (0 before the lowest block and after the highest). NULL:
     * offsets are the addresses. */
    bool (*program_address)(const Allocator *allocator, uint64_t offset, uint64_t *address,
                            uint64_t *gap_bytes);

    /* The heap's whole state as spans of its own memory (at most
     * ALLOCATOR_MAX_SPANS), so that a history can keep, per snapshot, only
     * the words that changed since the previous one. The contract: two heaps
     * of the same configuration whose spans have the same sizes and the same
     * bytes behave the same from then on, and writing one heap's span bytes
     * over another's (sizes equal) makes it that heap. The heap's scalars are
     * spans too (its fields that hold no pointer), so a span may lie inside
     * the design's struct. Sizes change only when the design reallocates;
     * every copy (copy, clone) copies every span byte. NULL: the history
     * keeps whole copies (ostep does: its state is a few short arrays, no
     * heap bytes). */
    uint32_t (*state_spans)(Allocator *allocator, AllocatorSpan *spans);
};

/* --- the registry (alloc/designs.def) --------------------------------------- */

uint32_t allocator_design_count(void);
const AllocatorDesign *allocator_design_at(uint32_t index);
const AllocatorDesign *allocator_design_find(const char *name);  /* NULL if unknown */
const AllocatorDesign *allocator_default_design(void);           /* tags */

/* The index of a policy or list-order name in the design's lists; false if unknown. */
bool allocator_policy_index(const AllocatorDesign *design, const char *name, uint32_t *index);
bool allocator_list_order_index(const AllocatorDesign *design, const char *name, uint32_t *index);
uint32_t allocator_policy_count(const AllocatorDesign *design);
/* "first-fit, next-fit, best-fit, worst-fit or bump", for messages. */
void allocator_policy_list(const AllocatorDesign *design, char *text, size_t size);

/* Defaults for every field: heap_bytes as given, A = 8, M = 8, policy 0,
 * list order 0, CHUNKSIZE 4096, no header, base 0, no coalescing, no recording,
 * events recorded. */
AllocatorConfig allocator_default_config(uint64_t heap_bytes);

/* --- one heap ------------------------------------------------------------------ */

HeapError allocator_create(const AllocatorSetup *setup, Allocator **out);
HeapError allocator_clone(const Allocator *source, Allocator **out);
/* Makes target an identical copy of source (same design and configuration). */
HeapError allocator_copy(Allocator *target, const Allocator *source);
void allocator_destroy(Allocator *allocator);      /* NULL is fine */

/* The three calls a replay makes a million times are inline: through a
 * function of allocator.c each would cost one more call and return, a few
 * percent of a fast design's work per operation. */
static inline HeapError allocator_malloc(Allocator *allocator, uint64_t n, uint64_t *payload)
{
    return allocator->design->malloc(allocator, n, payload);
}

static inline HeapError allocator_free(Allocator *allocator, uint64_t payload)
{
    return allocator->design->free(allocator, payload);
}

static inline void allocator_prefetch(const Allocator *allocator, uint64_t soon, uint64_t sooner)
{
    if (allocator->design->prefetch && (soon | sooner) != 0)
        allocator->design->prefetch(allocator, soon, sooner);
}

/* C's realloc: realloc(0, n) is malloc(n) and realloc(p, 0) frees p, in
 * every design; only a live block resized to n > 0 reaches the design. */
static inline HeapError allocator_realloc(Allocator *allocator, uint64_t payload, uint64_t n,
                                          uint64_t *result)
{
    *result = 0;
    if (payload == 0)
        return allocator->design->malloc(allocator, n, result);
    if (n == 0)
        return allocator->design->free(allocator, payload);
    return allocator->design->realloc(allocator, payload, n, result);
}

bool allocator_can_compact(const Allocator *allocator);
void allocator_compact(Allocator *allocator, HeapMoveFn on_move, void *context); /* no-op if it can't */
void allocator_set_events_unread(Allocator *allocator, bool unread); /* the design's, if any */

const AllocatorDesign *allocator_design(const Allocator *allocator);
unsigned allocator_features(const Allocator *allocator); /* this heap's: features_of, or features */
const AllocatorConfig *allocator_config(const Allocator *allocator);
const char *allocator_policy_name(const Allocator *allocator);
/* What names this heap's design and policy in one word, as --compare takes
 * it: "best-fit" for the default design, "csapp:next-fit" for any other. */
void allocator_label(const Allocator *allocator, char *text, size_t size);
void design_policy_label(DesignPolicy pane, char *text, size_t size);
const HeapStats *allocator_stats(const Allocator *allocator);
/* What the last call did; unspecified for a heap made with config.events_unread. */
const HeapEvent *allocator_last_event(const Allocator *allocator);
HeapCheck allocator_check(const Allocator *allocator);

uint64_t allocator_region_start(const Allocator *allocator);
uint64_t allocator_region_end(const Allocator *allocator);
uint64_t allocator_region_limit(const Allocator *allocator);

bool allocator_first_block(const Allocator *allocator, HeapBlock *block);
bool allocator_next_block(const Allocator *allocator, HeapBlock *block);
/* As allocator_next_block, `requested` perhaps 0 (the design's next_block_extent). */
bool allocator_next_block_extent(const Allocator *allocator, HeapBlock *block);
bool allocator_block_at(const Allocator *allocator, uint64_t offset, HeapBlock *block);

uint64_t allocator_free_list(const Allocator *allocator, FreeListEntry *entries, uint64_t max);
uint64_t allocator_search_path(const Allocator *allocator, uint64_t *offsets, uint64_t max);
uint32_t allocator_markers(const Allocator *allocator, HeapMarker *markers);
uint8_t *allocator_payload_bytes(Allocator *allocator, uint64_t payload, uint64_t *capacity);
uint64_t allocator_memory_bytes(const Allocator *allocator);
/* The design's state_spans: how many spans it filled in, 0 where it has
 * none (see AllocatorDesign). */
uint32_t allocator_state_spans(Allocator *allocator, AllocatorSpan *spans);
/* The design's program_address, or (where it has none) the offset itself:
 * true, *address = offset, *gap_bytes = 0. */
bool allocator_program_address(const Allocator *allocator, uint64_t offset, uint64_t *address,
                               uint64_t *gap_bytes);

const char *heap_error_message(HeapError error);

#endif
