/*
 * ostep_flags.h - malloc.py's command line, as Python's optparse reads it.
 *
 * Everything after heapviz's `--ostep` is malloc.py's: short options (-s 3,
 * -s3, clusters such as -Cc or -Cs3), long options (--seed 3, --seed=3, and
 * any unambiguous prefix such as --see 3), integers as optparse reads them
 * (0x.. hexadecimal, 0b.. binary, a leading 0 octal), "--" ending the
 * options, and other words ignored as malloc.py ignores them. No printing.
 */
#ifndef HEAPVIZ_OSTEP_FLAGS_H
#define HEAPVIZ_OSTEP_FLAGS_H

#include "python_int.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Integers other than the seed must lie within +-OSTEP_FLAG_LIMIT, so sums of
 * a few of them cannot overflow 64 bits (malloc.py has no limit). */
#define OSTEP_FLAG_LIMIT (INT64_C(1) << 50)

typedef struct {
    PythonInt seed;              /* -s, --seed (0) */
    int64_t size;                /* -S, --size (100) */
    int64_t base_address;        /* -b, --baseAddr (1000) */
    int64_t header_size;         /* -H, --headerSize (0) */
    int64_t alignment;           /* -a, --alignment (-1: none) */
    const char *policy;          /* -p, --policy ("BEST"), as given */
    const char *list_order;      /* -l, --listOrder ("ADDRSORT"), as given */
    bool coalesce;               /* -C, --coalesce */
    int64_t op_count;            /* -n, --numOps (10) */
    int64_t range;               /* -r, --range (10) */
    int64_t percent_alloc;       /* -P, --percentAlloc (50) */
    const char *alloc_list;      /* -A, --allocList ("": the random workload) */
    bool compute;                /* -c, --compute */
    bool help;                   /* -h, --help */
} OstepFlags;

OstepFlags ostep_flags_defaults(void);

/* Reads malloc.py's arguments (argv[0 .. argc)). On a command line optparse
 * refuses, or an integer heapviz cannot hold, returns false with one
 * sentence in `message`. */
bool ostep_flags_parse(int argc, char **argv, OstepFlags *flags, char *message, size_t message_size);

/* optparse's --help text for malloc.py, as Python prints it on 80 columns. */
const char *ostep_flags_help(void);

#endif
