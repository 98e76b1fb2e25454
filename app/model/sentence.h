/*
 * sentence.h - the words of the panel: what the last step did, the live
 * counters, and the tooltip of a block. Pure formatting from the core's
 * read-only views; no SDL, tested alone.
 */
#ifndef HEAPVIZ_SENTENCE_H
#define HEAPVIZ_SENTENCE_H

#include "workload.h"
#include <stddef.h>

enum {
    SENTENCE_MAX = 160,          /* bytes of one line, terminator included */
    COUNTER_LINES = 12,
    TOOLTIP_LINES = 7,
    DEFINITION_LINES = 2         /* a counter's definition: what it counts, and its formula */
};

typedef struct {
    char text[SENTENCE_MAX];
} TextLine;

/* A number as people read it, exact at any size and grouped in threes: a
 * byte count "24 B", "1,048,576 B" (sentence_bytes) or a count "2,100,427"
 * (sentence_count). */
typedef struct {
    char text[32];
} NumberText;

NumberText sentence_bytes(uint64_t bytes);

/* A count grouped in threes the same way, for the steps, the speed and the
 * counters: "17", "2,100,427". */
NumberText sentence_count(uint64_t count);

/* One sentence for a step: "malloc 2,048 B for slot 7 → 0x1a40, split a
 * 4,096 B free block", "free 0x1a40, coalesced with the next block",
 * "malloc 4,000 B failed: 6,120 B free, but the largest block is 3,072 B
 * (fragmentation)". `report` NULL means step 0. Ids are called slots in a
 * simulation and ids in a trace. `heap` is the heap after the step. */
void sentence_for_step(const StepReport *report, WorkloadKind kind, const Allocator *heap,
                       char *text, size_t size);

/* The live counters of a design with `features` (AllocatorFeature bits),
 * one "name  value" line each; returns how many. The last, "dead bytes
 * (bump)", only where freed blocks can be dead (ALLOCATOR_HAS_DEAD): a
 * recorded heap's dead blocks are the marks of its folds, a drawing's
 * device and not memory, and other designs never have any. */
int sentence_counters(const HeapStats *stats, unsigned features, TextLine lines[COUNTER_LINES]);

/* How many counters sentence_counters gives a design with `features`. */
int sentence_counter_count(unsigned features);

/* What counter `counter` (0 .. COUNTER_LINES - 1, in sentence_counters'
 * order) means, and its formula with the current numbers: "utilization =
 * peak payload 3,072 B / high water 3,088 B = 99.5 %". A heap that grows
 * (ALLOCATOR_GROWS) divides its utilization by its size, as mdriver does;
 * external fragmentation counts dead bytes as spare only where they exist
 * (ALLOCATOR_HAS_DEAD), as the designs compute it. */
void sentence_counter_definition(const HeapStats *stats, int counter, unsigned features,
                                 TextLine lines[DEFINITION_LINES]);

/* Where a block lay in a recorded program (allocator_program_address). */
typedef struct {
    bool recorded;               /* the design maps offsets to the program's addresses */
    bool in_gap;                 /* the block is a fold marker, not memory */
    uint64_t address;            /* the program's address of the block (of the gap) */
    uint64_t gap_bytes;          /* address space the fold leaves out (0: an end) */
} ProgramPlace;

/* "1.5 GiB", "340 MiB", "12 KiB" or "512 B": a size in binary units, one decimal
 * below ten. */
NumberText sentence_size(uint64_t bytes);

/* The tooltip of a block: offset (and, in a recorded heap, the program's
 * address, or for a fold marker the gap it stands for), size, state, the id
 * (a slot in a simulation) that holds it (`owner`, -1 for none), requested,
 * padding, header. */
void sentence_tooltip(const HeapBlock *block, const ProgramPlace *place, WorkloadKind kind, int64_t owner,
                      TextLine lines[TOOLTIP_LINES]);

/* `text` (a line of `size` bytes) in OSTEP's abstract units, as malloc.py's
 * heap counts them: each "N B" becomes "N units" and the word "bytes"
 * "units". Where a run of spaces precedes the count it shrinks, so a
 * right-aligned column (the counters') keeps its right edge. */
void sentence_in_units(char *text, size_t size);

/* A failure's class: "fragmentation" or "exhaustion". */
const char *sentence_failure_class(const HeapEvent *event);

#endif
