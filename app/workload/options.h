/*
 * options.h - heapviz's command line.
 *
 * options_parse turns argv into an Options value or one sentence saying which
 * option is wrong and what it accepts. The same options set up the window's
 * run and the headless runner. No SDL here.
 */
#ifndef HEAPVIZ_OPTIONS_H
#define HEAPVIZ_OPTIONS_H

#include "allocator.h"
#include "workload.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    EXIT_BAD_INPUT = 1,          /* unreadable or malformed trace, unwritable output */
    EXIT_BAD_USAGE = 2,          /* unknown option or bad value */
    OPTIONS_MAX_COMPARE = 6
};

#define OPTIONS_MIN_SCALE 0.5     /* --scale's range */
#define OPTIONS_MAX_SCALE 4.0
#define OPTIONS_MAX_HEAP_BYTES (UINT64_C(1) << 30) /* the largest --heap-bytes */

typedef enum { STATS_NONE, STATS_TEXT, STATS_JSON } StatsFormat;

typedef struct Options {
    /* the workload */
    SimParams sim;
    const char *trace_path;      /* NULL: the simulation */
    /* the heap */
    AllocatorSetup heap;         /* --allocator's design; config.heap_bytes 0 until resolved */
    bool heap_size_given;        /* --heap-bytes or --heap-pages */
    /* compare mode: 0, or 2..6 panes, each a design and one of its policies */
    DesignPolicy compare[OPTIONS_MAX_COMPARE];
    uint32_t compare_count;
    /* what to do */
    bool headless;
    StatsFormat stats;           /* headless default: STATS_TEXT */
    const char *blocks_path;     /* "-" for standard output */
    const char *record_path;
    const char *csv_path;
    const char *screenshot_path;
    const char *export_path;     /* --export: an animation of the window's frames */
    uint64_t export_from;        /* the first step it shows (0) */
    uint64_t export_to;          /* the last, when export_to_given; else the end */
    bool export_to_given;
    uint64_t export_fps;         /* frames per second (10) */
    uint64_t export_every;       /* a frame every this many steps (1) */
    uint64_t window_width, window_height; /* --size, points (1280 x 800) */
    double scale;                /* --scale: text and lines, times their size (1; 0.5 to 4) */
    bool detail_view;            /* --view detail: the window starts in the detail view */
    bool search_steps;           /* --search-steps: a step forward shows one probe a press */
    bool structure;              /* --structure: the free list and markers start drawn */
    bool quiz;                   /* --quiz: predict each step before it runs */
    const char *lesson_name;     /* --lesson NAME ("list": print the lessons) */
    const struct Lesson *lesson; /* the lesson loaded for lesson_name (command.c), or NULL */
    uint64_t at_step;            /* stop here (headless, screenshot); */
    bool at_step_given;          /* ... else run to the end */
    const char *capture_path;    /* --capture FILE: record capture_program first */
    char **capture_program;      /* the arguments after "--", NULL-terminated */
    bool capture_children;       /* --capture-children */
    const char *font_path;       /* NULL: the configured DejaVu Sans Mono */
    uint64_t history_mb;         /* time-travel memory budget, default 256 */
    bool show_help;
    bool show_version;
    /* OSTEP mode: the arguments after --ostep are malloc.py's (ostep.h) */
    bool ostep;
    int ostep_argc;
    char **ostep_argv;
} Options;

Options options_defaults(void);

/* Parses argv[1..]. On a bad command line returns false and writes one
 * sentence naming the option and what it accepts into `message`. */
bool options_parse(int argc, char **argv, Options *options, char *message, size_t message_size);

/* The usage text for --help. */
const char *options_usage(void);

/* The registered allocator designs, a line each with their policies, for --help. */
void options_print_designs(FILE *out);

/* Whether --at-step (if given) lies within a run of `steps` steps; if not,
 * writes the sentence saying so into `message`. */
bool options_at_step_fits(const Options *options, uint64_t steps, char *message, size_t message_size);

#endif
