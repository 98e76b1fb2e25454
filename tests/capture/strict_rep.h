/*
 * strict_rep.h - a strict reader of the CS:APP Malloc Lab's .rep format, as
 * the lab's mdriver reads it, written for the tests apart from heapviz's
 * own parser: four header lines (suggested heap size, number of ids,
 * number of operations, weight), each one decimal number that fits an
 * int; then exactly that many lines, each `a ID BYTES`, `r ID BYTES` or
 * `f ID` with single spaces, ID below the id count, BYTES an int. It also
 * holds a capture to "one id per allocation": every id is allocated by
 * exactly one `a`, and `r` and `f` name only a live id.
 */
#ifndef HEAPVIZ_STRICT_REP_H
#define HEAPVIZ_STRICT_REP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char letter;                 /* 'a', 'r' or 'f' */
    uint32_t id;
    uint64_t bytes;              /* 0 for 'f' */
} RepOp;

typedef struct {
    uint64_t suggested_heap, id_count, op_count, weight;
    RepOp *ops;                  /* op_count of them */
} RepTrace;

/* Reads `text` strictly. False with the line and what is wrong in `why`. */
bool strict_rep_parse(const char *text, RepTrace *trace, char *why, size_t why_size);

/* Reads a file strictly. */
bool strict_rep_load(const char *path, RepTrace *trace, char *why, size_t why_size);

void strict_rep_free(RepTrace *trace);

#endif
