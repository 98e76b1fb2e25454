/*
 * exerciser.c - checked heap operations (see exerciser.h).
 *
 * The table is an unordered array: removal swaps in the last entry. A bad
 * offset is classified by walking the blocks, independently of the core's
 * own lookup: the payload of a free or dead block is a double free, any
 * other offset an invalid pointer, and the payload of a used block would
 * mean the table and the heap disagree. A call that must change nothing is
 * compared with a copy of the arena, the statistics (bitwise: only plain
 * integers and doubles, no padding), the rover and the heap pointer.
 */
#include "exerciser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t payload;            /* offset of the payload in the arena */
    uint64_t requested;          /* bytes asked for, all holding the pattern */
    uint64_t generation;         /* seeds the pattern; new for every malloc */
} LiveBlock;

typedef enum { COUNTED_AS_NOTHING, COUNTED_AS_ERROR, COUNTED_AS_FAILED } Counter;

/* What a call that must change nothing is compared with afterwards. */
typedef struct {
    bool taken;
    HeapBefore heap;
} Before;

struct Exerciser {
    Heap *heap;
    LiveBlock *live;
    uint32_t live_count;
    uint32_t max_live;
    uint64_t next_generation;
    bool snapshot_all;
    uint8_t *saved_arena;        /* heap_bytes: the arena as Before saw it */
    uint64_t moves_heard;        /* compaction callbacks during one compact */
    bool move_unknown;           /* a callback named a payload not in the table */
    char *why;                   /* the current call's message buffer */
    size_t why_size;
};

static bool say(char *why, size_t why_size, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(why, why_size, format, arguments);
    va_end(arguments);
    return false;
}

#define FAIL(exerciser, ...) say((exerciser)->why, (exerciser)->why_size, __VA_ARGS__)

static uint8_t pattern_byte(uint64_t generation, uint64_t i)
{
    uint64_t mixed = (generation + 1) * 0x9E3779B97F4A7C15ull + i * 0x2545F4914F6CDD1Dull;
    return (uint8_t)(mixed >> 56 ^ mixed >> 29);
}

HeapError exerciser_create(const HeapConfig *config, uint32_t max_live, bool snapshot_all,
                           Exerciser **out)
{
    *out = NULL;
    Exerciser *exerciser = calloc(1, sizeof *exerciser);
    if (!exerciser)
        return HEAP_ERROR_OUT_OF_MEMORY;
    HeapError error = heap_create(config, &exerciser->heap);
    exerciser->live = calloc(max_live ? max_live : 1, sizeof *exerciser->live);
    exerciser->saved_arena = malloc(config->heap_bytes ? config->heap_bytes : 1);
    if (error == HEAP_OK && (!exerciser->live || !exerciser->saved_arena))
        error = HEAP_ERROR_OUT_OF_MEMORY;
    exerciser->max_live = max_live;
    exerciser->snapshot_all = snapshot_all;
    if (error != HEAP_OK) {
        exerciser_destroy(exerciser);
        return error;
    }
    *out = exerciser;
    return HEAP_OK;
}

void exerciser_destroy(Exerciser *exerciser)
{
    if (!exerciser)
        return;
    heap_destroy(exerciser->heap);
    free(exerciser->live);
    free(exerciser->saved_arena);
    free(exerciser);
}

const Heap *exerciser_heap(const Exerciser *exerciser)
{
    return exerciser->heap;
}

/* ---- patterns ------------------------------------------------------------ */

static void fill(Exerciser *exerciser, const LiveBlock *block, uint64_t from)
{
    uint64_t capacity = 0;
    uint8_t *bytes = heap_payload(exerciser->heap, block->payload, &capacity);
    for (uint64_t i = from; i < block->requested; i++)
        bytes[i] = pattern_byte(block->generation, i);
}

/* The first `length` bytes at `payload` are the pattern of `generation`. */
static bool holds_pattern(Heap *heap, uint64_t payload, uint64_t generation, uint64_t length,
                          char *why, size_t why_size)
{
    uint64_t capacity = 0;
    const uint8_t *bytes = heap_payload(heap, payload, &capacity);
    if (!bytes || capacity < length)
        return say(why, why_size, "payload %llu is not a live block of at least %llu bytes",
                   (unsigned long long)payload, (unsigned long long)length);
    for (uint64_t i = 0; i < length; i++)
        if (bytes[i] != pattern_byte(generation, i))
            return say(why, why_size, "payload %llu lost its pattern at byte %llu",
                       (unsigned long long)payload, (unsigned long long)i);
    return true;
}

/* ---- nothing changed ----------------------------------------------------- */

void exerciser_take_before(const Heap *heap, HeapBefore *before)
{
    memcpy(before->arena, heap_arena(heap), heap_config(heap)->heap_bytes);
    before->stats = *heap_stats(heap);
    before->rover = heap_rover(heap);
    before->bump_pointer = heap_bump_pointer(heap);
}

bool exerciser_unchanged(const Heap *heap, const HeapBefore *before, const HeapStats *want,
                         char *why, size_t why_size)
{
    if (memcmp(before->arena, heap_arena(heap), heap_config(heap)->heap_bytes) != 0)
        return say(why, why_size, "a call that failed changed the arena");
    if (memcmp(want, heap_stats(heap), sizeof *want) != 0)
        return say(why, why_size, "a call that failed changed the statistics beyond its counter");
    if (before->rover != heap_rover(heap) || before->bump_pointer != heap_bump_pointer(heap))
        return say(why, why_size, "a call that failed moved the rover or the heap pointer");
    return true;
}

static void save(Exerciser *exerciser, Before *before)
{
    before->taken = true;
    before->heap.arena = exerciser->saved_arena;
    exerciser_take_before(exerciser->heap, &before->heap);
}

/* What a failed search adds besides `failed`: whether the space was there
 * in pieces (failed_fragmented) and the blocks it examined (0 unless the
 * heap counts them). The event says how much; a heap made with skip_events
 * keeps no event, so there each may only grow, by at most one for
 * failed_fragmented (test_copy.c compares such a heap with one that records
 * events, call for call). */
static bool failed_search_counted(Exerciser *exerciser, const Before *before, HeapStats *want)
{
    const HeapStats *now = heap_stats(exerciser->heap);
    if (!heap_config(exerciser->heap)->skip_events) {
        want->failed_fragmented += heap_last_event(exerciser->heap)->fragmented;
        want->examined += heap_last_event(exerciser->heap)->examined;
        return true;
    }
    if (now->failed_fragmented - before->heap.stats.failed_fragmented > 1 ||
        now->examined < before->heap.stats.examined)
        return say(exerciser->why, exerciser->why_size,
                   "a failed search changed failed_fragmented by more than one, or examined went down");
    want->failed_fragmented = now->failed_fragmented;
    want->examined = now->examined;
    return true;
}

static bool unchanged(Exerciser *exerciser, const Before *before, Counter counter)
{
    if (!before->taken)
        return true;
    HeapStats want = before->heap.stats;
    want.errors += counter == COUNTED_AS_ERROR;
    want.failed += counter == COUNTED_AS_FAILED;
    if (counter == COUNTED_AS_FAILED && !failed_search_counted(exerciser, before, &want))
        return false;
    return exerciser_unchanged(exerciser->heap, &before->heap, &want, exerciser->why,
                               exerciser->why_size);
}

/* ---- the table ----------------------------------------------------------- */

static int64_t find_live(const Exerciser *exerciser, uint64_t payload)
{
    for (uint32_t i = 0; i < exerciser->live_count; i++)
        if (exerciser->live[i].payload == payload)
            return i;
    return -1;
}

static void forget(Exerciser *exerciser, uint32_t index)
{
    exerciser->live[index] = exerciser->live[--exerciser->live_count];
}

/* A payload just returned for n bytes: aligned, inside the region, big enough. */
static bool well_placed(Exerciser *exerciser, uint64_t payload, uint64_t n)
{
    const Heap *heap = exerciser->heap;
    uint64_t capacity = 0;
    if (payload % heap_config(heap)->alignment != 0 || payload < heap_region_start(heap) + HEAP_TAG_BYTES)
        return FAIL(exerciser, "payload %llu is misaligned or before the region",
                    (unsigned long long)payload);
    if (!heap_payload(exerciser->heap, payload, &capacity) || capacity < n ||
        payload + capacity + HEAP_TAG_BYTES > heap_region_end(heap))
        return FAIL(exerciser, "payload %llu cannot hold its %llu bytes inside the region",
                    (unsigned long long)payload, (unsigned long long)n);
    if (find_live(exerciser, payload) >= 0)
        return FAIL(exerciser, "payload %llu was handed out twice", (unsigned long long)payload);
    return true;
}

/* ---- operations ---------------------------------------------------------- */

static bool expect_error(Exerciser *exerciser, HeapError got, HeapError want, const char *call)
{
    if (got == want)
        return true;
    return FAIL(exerciser, "%s returned '%s', expected '%s'", call, heap_error_message(got),
                heap_error_message(want));
}

static bool do_free(Exerciser *exerciser, uint64_t pick);

static bool do_malloc(Exerciser *exerciser, uint64_t pick, uint64_t n)
{
    if (exerciser->live_count == exerciser->max_live)
        return do_free(exerciser, pick);
    Before before = {.taken = false};
    if (exerciser->snapshot_all)
        save(exerciser, &before);
    uint64_t payload = 7;
    HeapError error = pick % 2 ? heap_realloc(exerciser->heap, 0, n, &payload)
                               : heap_malloc(exerciser->heap, n, &payload);
    if (error == HEAP_ERROR_OUT_OF_MEMORY)
        return expect_error(exerciser, payload == 0 ? error : HEAP_OK, error, "a failed malloc") &&
               unchanged(exerciser, &before, COUNTED_AS_FAILED);
    if (!expect_error(exerciser, error, HEAP_OK, "malloc") || !well_placed(exerciser, payload, n))
        return false;
    LiveBlock block = {payload, n, exerciser->next_generation++};
    exerciser->live[exerciser->live_count++] = block;
    fill(exerciser, &block, 0);
    return true;
}

static bool do_free(Exerciser *exerciser, uint64_t pick)
{
    if (exerciser->live_count == 0) {
        Before before = {.taken = false};
        save(exerciser, &before);
        return expect_error(exerciser, heap_free(exerciser->heap, 0), HEAP_OK, "free(0)") &&
               unchanged(exerciser, &before, COUNTED_AS_NOTHING);
    }
    uint32_t index = (uint32_t)(pick % exerciser->live_count);
    if (!expect_error(exerciser, heap_free(exerciser->heap, exerciser->live[index].payload),
                      HEAP_OK, "free of a live block"))
        return false;
    forget(exerciser, index);
    return true;
}

static bool realloc_moved_ok(Exerciser *exerciser, uint32_t index, uint64_t result, uint64_t n)
{
    LiveBlock *block = &exerciser->live[index];
    uint64_t kept = block->requested < n ? block->requested : n;
    block->payload = 0;          /* so well_placed does not see the old payload */
    if (!well_placed(exerciser, result, n) ||
        !holds_pattern(exerciser->heap, result, block->generation, kept, exerciser->why,
                       exerciser->why_size))
        return false;
    block->payload = result;
    block->requested = n;
    fill(exerciser, block, kept);
    return true;
}

static bool do_realloc(Exerciser *exerciser, uint64_t pick, uint64_t n)
{
    if (exerciser->live_count == 0)
        return do_malloc(exerciser, 1, n);
    uint32_t index = (uint32_t)(pick % exerciser->live_count);
    Before before = {.taken = false};
    if (exerciser->snapshot_all)
        save(exerciser, &before);
    uint64_t result = 7;
    HeapError error = heap_realloc(exerciser->heap, exerciser->live[index].payload, n, &result);
    if (error == HEAP_ERROR_OUT_OF_MEMORY)
        return expect_error(exerciser, result == 0 ? error : HEAP_OK, error, "a failed realloc") &&
               unchanged(exerciser, &before, COUNTED_AS_FAILED);
    if (!expect_error(exerciser, error, HEAP_OK, "realloc of a live block"))
        return false;
    if (n > 0)
        return realloc_moved_ok(exerciser, index, result, n);
    forget(exerciser, index);
    return result == 0 || FAIL(exerciser, "realloc(p, 0) returned %llu", (unsigned long long)result);
}

static void heard_move(void *context, uint64_t old_payload, uint64_t new_payload)
{
    Exerciser *exerciser = context;
    int64_t index = find_live(exerciser, old_payload);
    exerciser->moves_heard++;
    if (index < 0 || new_payload >= old_payload)
        exerciser->move_unknown = true;
    else
        exerciser->live[index].payload = new_payload;
}

static bool do_compact(Exerciser *exerciser)
{
    exerciser->moves_heard = 0;
    exerciser->move_unknown = false;
    heap_compact(exerciser->heap, heard_move, exerciser);
    if (exerciser->move_unknown)
        return FAIL(exerciser, "compaction moved a block that was not live, or not downwards");
    /* (a heap made with skip_events keeps no event to count the moves in;
     * each move it called back is still checked above and by the patterns) */
    if (!heap_config(exerciser->heap)->skip_events &&
        exerciser->moves_heard != heap_last_event(exerciser->heap)->moved_blocks)
        return FAIL(exerciser, "compaction reported %llu moves but called back %llu times",
                    (unsigned long long)heap_last_event(exerciser->heap)->moved_blocks,
                    (unsigned long long)exerciser->moves_heard);
    const HeapStats *stats = heap_stats(exerciser->heap);
    if (stats->free_blocks > 1 || stats->dead_blocks != 0)
        return FAIL(exerciser, "after compaction %llu free and %llu dead blocks remain",
                    (unsigned long long)stats->free_blocks, (unsigned long long)stats->dead_blocks);
    return true;
}

/* ---- bad pointers -------------------------------------------------------- */

/* An offset that is no live payload: anywhere in or just past the heap,
 * just past a live payload (inside or unaligned), or near UINT64_MAX. */
static uint64_t bad_offset(const Exerciser *exerciser, uint64_t pick)
{
    const HeapConfig *config = heap_config(exerciser->heap);
    uint64_t spread = pick / 4;
    uint64_t offset = spread % (config->heap_bytes + 2 * config->alignment);
    if (pick % 4 == 1 && exerciser->live_count > 0)
        offset = exerciser->live[spread % exerciser->live_count].payload + 1 + spread % 64;
    if (pick % 4 == 2)
        offset = UINT64_MAX - spread % 64;
    while (offset == 0 || find_live(exerciser, offset) >= 0)
        offset++;
    return offset;
}

HeapError exerciser_rejection(const Heap *heap, uint64_t offset, bool *live)
{
    HeapBlock block;
    *live = false;
    for (bool more = heap_first_block(heap, &block); more; more = heap_next_block(heap, &block)) {
        if (block.payload != offset)
            continue;
        *live = block.state == HEAP_BLOCK_USED;
        return HEAP_ERROR_DOUBLE_FREE;
    }
    return HEAP_ERROR_INVALID_POINTER;
}

static bool do_bad(Exerciser *exerciser, bool is_realloc, uint64_t pick, uint64_t n)
{
    uint64_t offset = bad_offset(exerciser, pick);
    bool used = false;
    HeapError want = exerciser_rejection(exerciser->heap, offset, &used);
    if (used)
        return FAIL(exerciser, "offset %llu is a used block the table does not know",
                    (unsigned long long)offset);
    Before before = {.taken = false};
    save(exerciser, &before);
    uint64_t result = 7;
    HeapError got = is_realloc ? heap_realloc(exerciser->heap, offset, n, &result)
                               : heap_free(exerciser->heap, offset);
    if (is_realloc && result != 0)
        return FAIL(exerciser, "a rejected realloc returned %llu", (unsigned long long)result);
    return expect_error(exerciser, got, want, is_realloc ? "realloc of a bad offset"
                                                         : "free of a bad offset") &&
           unchanged(exerciser, &before, COUNTED_AS_ERROR);
}

bool exerciser_apply(Exerciser *exerciser, const Exercise *exercise, char *why, size_t why_size)
{
    exerciser->why = why;
    exerciser->why_size = why_size;
    switch (exercise->kind) {
    case EXERCISE_MALLOC:
        return do_malloc(exerciser, exercise->pick, exercise->bytes);
    case EXERCISE_FREE:
        return do_free(exerciser, exercise->pick);
    case EXERCISE_REALLOC:
        return do_realloc(exerciser, exercise->pick, exercise->bytes);
    case EXERCISE_COMPACT:
        return do_compact(exerciser);
    case EXERCISE_FREE_BAD:
    case EXERCISE_REALLOC_BAD:
        return do_bad(exerciser, exercise->kind == EXERCISE_REALLOC_BAD, exercise->pick,
                      exercise->bytes);
    case EXERCISE_KIND_COUNT:
        break;
    }
    return say(why, why_size, "unknown exercise %d", (int)exercise->kind);
}

/* ---- the whole heap ------------------------------------------------------ */

static bool table_matches_stats(const Exerciser *exerciser, char *why, size_t why_size)
{
    const HeapStats *stats = heap_stats(exerciser->heap);
    uint64_t payload_bytes = 0;
    for (uint32_t i = 0; i < exerciser->live_count; i++)
        payload_bytes += exerciser->live[i].requested;
    if (stats->used_blocks != exerciser->live_count || stats->payload_bytes != payload_bytes)
        return say(why, why_size, "statistics say %llu used blocks of %llu bytes, the table %u of %llu",
                   (unsigned long long)stats->used_blocks, (unsigned long long)stats->payload_bytes,
                   exerciser->live_count, (unsigned long long)payload_bytes);
    return true;
}

bool exerciser_verify(const Exerciser *exerciser, char *why, size_t why_size)
{
    HeapCheck check = heap_check(exerciser->heap);
    if (check.broken != 0)
        return say(why, why_size, "heap_check: %s (broken 0x%x, %llu problems, first at offset %llu)",
                   heap_check_flag_name((HeapCheckFlag)(check.broken & -check.broken)),
                   check.broken, (unsigned long long)check.problems,
                   (unsigned long long)check.first_offset);
    if (!table_matches_stats(exerciser, why, why_size))
        return false;
    for (uint32_t i = 0; i < exerciser->live_count; i++) {
        const LiveBlock *block = &exerciser->live[i];
        if (!holds_pattern(exerciser->heap, block->payload, block->generation, block->requested,
                           why, why_size))
            return false;
    }
    return true;
}
