/*
 * quiz.h - predict, then reveal: before a step runs, the window asks what
 * it will do (where a malloc's block will land, or that it will fail; which
 * of the four coalescing cases a free will meet), then runs the step and
 * marks the answer right or wrong.
 *
 * The truth comes from a copy of the run taken one step further, so the
 * question never peeks at the window's own heap. The score counts each step
 * once: going back and answering again scores nothing, and nothing already
 * scored is taken away. No SDL here.
 */
#ifndef HEAPVIZ_QUIZ_H
#define HEAPVIZ_QUIZ_H

#include "run.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum { QUIZ_ASK_NOTHING, QUIZ_ASK_WHERE, QUIZ_ASK_COALESCE } QuizQuestion;

typedef enum { QUIZ_CASE_NONE, QUIZ_CASE_PREVIOUS, QUIZ_CASE_NEXT, QUIZ_CASE_BOTH, QUIZ_CASE_COUNT } QuizCase;

typedef struct {
    QuizQuestion question;
    uint64_t step;               /* the step asked about (1-based) */
    Op op;                       /* its operation */
    /* the truth, from the copy of the run */
    bool fails;                  /* where: no block fits */
    uint64_t block_offset, block_size; /* where: the block placed */
    QuizCase coalesce;           /* coalesce: what the free met */
    /* the student's answer, once given */
    bool answered, right, scored;
    bool answer_fails;
    uint64_t answer_offset;
    QuizCase answer_case;
} QuizRound;

typedef struct {
    bool on;
    QuizRound round;             /* the question on screen, or the answer revealed */
    uint64_t right, answered;    /* the score: answers scored, how many were right */
    uint64_t scored_through;     /* steps up to this one have been scored */
} Quiz;

/* Poses the question about the step after the run's position (nothing for
 * a step that is neither a malloc nor a free). False if memory ran out. */
bool quiz_ask(Quiz *quiz, const Run *run);

/* Answers a where question: `fails`, or the block lands over byte `offset`.
 * Returns whether it was a where question still open. */
bool quiz_answer_where(Quiz *quiz, bool fails, uint64_t offset);

/* Answers a coalesce question. Returns whether one was open. */
bool quiz_answer_case(Quiz *quiz, QuizCase answer);

/* A new score (a new seed, a new workload). */
void quiz_reset_score(Quiz *quiz);

/* Whether a question waits for an answer. */
bool quiz_waiting(const Quiz *quiz);

/* "none", "previous", "next", "both". */
const char *quiz_case_name(QuizCase value);

#endif
