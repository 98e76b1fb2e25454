/*
 * exerciser.h - drives one heap with checked operations, for the heap fuzz
 * target and the soak test.
 *
 * An Exerciser owns a heap and a table of the blocks it holds (payload
 * offset, requested bytes, a generation number that seeds the block's byte
 * pattern). Every operation is checked against what the core promises:
 * results aligned and inside the region, realloc keeping the old bytes,
 * compaction reporting every move, and rejected or failed calls changing
 * nothing but their counter. exerciser_verify adds heap_check() and every
 * live block's pattern. Failures come back as one sentence, never a print.
 */
#ifndef HEAPVIZ_EXERCISER_H
#define HEAPVIZ_EXERCISER_H

#include "heap.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Exerciser Exerciser;

/* Everything a failed or rejected call must leave alone. `arena` is the
 * caller's buffer of heap_bytes bytes; the rest is filled in by
 * exerciser_take_before. */
typedef struct {
    uint8_t *arena;
    HeapStats stats;
    uint64_t rover;
    uint64_t bump_pointer;
} HeapBefore;

typedef enum {
    EXERCISE_MALLOC,             /* malloc(bytes); realloc(0, bytes) when pick is odd */
    EXERCISE_FREE,               /* free the live block chosen by pick */
    EXERCISE_REALLOC,            /* realloc the chosen live block to bytes */
    EXERCISE_COMPACT,
    EXERCISE_FREE_BAD,           /* free an offset that is no live payload */
    EXERCISE_REALLOC_BAD,        /* realloc such an offset to bytes */
    EXERCISE_KIND_COUNT
} ExerciseKind;

typedef struct {
    ExerciseKind kind;
    uint64_t pick;               /* which live block, or which bad offset */
    uint64_t bytes;              /* malloc/realloc request */
} Exercise;

/* Creates the heap (its error, e.g. HEAP_ERROR_INVALID_CONFIG, is returned
 * as is) and a table of at most `max_live` blocks. With `snapshot_all`, every
 * malloc and realloc is snapshotted so a failure can be checked byte for
 * byte; otherwise only the calls that must fail are. */
HeapError exerciser_create(const HeapConfig *config, uint32_t max_live, bool snapshot_all,
                           Exerciser **out);
void exerciser_destroy(Exerciser *exerciser);

/* Performs one operation and checks its outcome; false with the reason in `why`. */
bool exerciser_apply(Exerciser *exerciser, const Exercise *exercise, char *why, size_t why_size);

/* heap_check() finds nothing, the statistics agree with the table and every
 * live block still holds its pattern; false with the reason in `why`. */
bool exerciser_verify(const Exerciser *exerciser, char *why, size_t why_size);

const Heap *exerciser_heap(const Exerciser *exerciser);

/* Copies the arena into before->arena and records the statistics, rover and heap pointer. */
void exerciser_take_before(const Heap *heap, HeapBefore *before);

/* The arena, rover and heap pointer are as in `before` and the statistics
 * equal `want` (bitwise); false with what differs in `why`. */
bool exerciser_unchanged(const Heap *heap, const HeapBefore *before, const HeapStats *want,
                         char *why, size_t why_size);

/* What free(offset) and realloc(offset, n > 0) must return for an offset
 * that is no live payload, found by walking the blocks (not by the core's
 * own lookup): HEAP_ERROR_DOUBLE_FREE for the payload of a free or dead
 * block, HEAP_ERROR_INVALID_POINTER otherwise. *live is set when `offset`
 * is in fact a live payload (the answer then means nothing). */
HeapError exerciser_rejection(const Heap *heap, uint64_t offset, bool *live);

#endif
