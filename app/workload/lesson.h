/*
 * lesson.h - guided lessons: a workload plus captions that appear at given
 * steps, read from a plain-text file a teacher can write without reading
 * code (assets/lessons/NAME.lesson):
 *
 *   # a comment
 *   title: First fit against best fit
 *   summary: two holes, two requests, and the policy decides who fails
 *   options: --trace best-beats-first --compare first-fit,best-fit
 *   step 0: Two holes: 3 MiB low, 2 MiB high. Press the right arrow.
 *   step 4: First fit splits the 3 MiB hole for the 2 MiB request...
 *   ask 5: Where will the 3 MiB request go?
 *
 * `options:` lines hold heapviz's own options (any number of lines); a
 * caption shows from its step until the next caption's; an `ask` caption
 * also pauses playing there, so the class can answer before going on.
 * A bad file is refused with `FILE:LINE: what is wrong`. No SDL here.
 */
#ifndef HEAPVIZ_LESSON_H
#define HEAPVIZ_LESSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    LESSON_MAX_OPTIONS = 32,     /* option words in all */
    LESSON_MAX_CAPTIONS = 64,
    LESSON_MAX_TEXT = 400        /* characters in a caption, title or summary */
};

typedef struct {
    uint64_t step;               /* shown from this step on */
    bool ask;                    /* a question: playing pauses here */
    uint32_t line;               /* where it is in the file */
    char text[LESSON_MAX_TEXT];
} LessonCaption;

typedef struct Lesson {
    char path[512];
    char title[LESSON_MAX_TEXT];
    char summary[LESSON_MAX_TEXT];
    char words[LESSON_MAX_OPTIONS][128]; /* the options, one word each */
    uint32_t word_count;
    LessonCaption captions[LESSON_MAX_CAPTIONS]; /* by step, ascending */
    uint32_t caption_count;
} Lesson;

/* Reads a lesson from `text` (the file at `path`, for messages). On a bad
 * line returns false with "PATH:LINE: what is wrong" in `message`. */
bool lesson_parse(const char *text, size_t length, const char *path, Lesson *lesson, char *message,
                  size_t message_size);

/* Finds and reads lesson NAME (assets/lessons/NAME.lesson) or the file at
 * NAME when it names one. */
bool lesson_load(const char *name, Lesson *lesson, char *message, size_t message_size);

struct Options;

/* Parses the lesson's options followed by argv[1..argc) (which win) into
 * `options`, and points options->lesson at the lesson. False with the
 * options' own sentence if they are refused. */
bool lesson_apply(const Lesson *lesson, int argc, char **argv, struct Options *options, char *message,
                  size_t message_size);

/* Prints every shipped lesson, a line each: its name and its summary.
 * False (with a sentence) if the lessons cannot be found. */
bool lesson_print_list(FILE *out, char *message, size_t message_size);

/* The caption on screen at `step` (the last one at or before it), or NULL. */
const LessonCaption *lesson_caption_at(const Lesson *lesson, uint64_t step);

/* The first `ask` step after `step`, or UINT64_MAX. */
uint64_t lesson_next_ask(const Lesson *lesson, uint64_t step);

/* Whether every caption's step lies within a run of `total` steps; if not,
 * "PATH:LINE: step N is past the end of the run (T steps)". */
bool lesson_fits(const Lesson *lesson, uint64_t total, char *message, size_t message_size);

#endif
