/*
 * quiz.c - predict, then reveal (see quiz.h).
 *
 * A malloc lands "over" the clicked byte when that byte lies in the block
 * it places, so any cell of the block counts, however many bytes a cell
 * holds. A realloc that moves is asked like a malloc; frees of nothing and
 * compactions are not asked.
 */
#include "quiz.h"

#include <string.h>

static const char *const CASE_NAMES[QUIZ_CASE_COUNT] = {"none", "previous", "next", "both"};

const char *quiz_case_name(QuizCase value)
{
    return value < QUIZ_CASE_COUNT ? CASE_NAMES[value] : "?";
}

static QuizCase case_of(const HeapEvent *event)
{
    if (event->coalesced_previous) {
        return event->coalesced_next ? QUIZ_CASE_BOTH : QUIZ_CASE_PREVIOUS;
    }
    return event->coalesced_next ? QUIZ_CASE_NEXT : QUIZ_CASE_NONE;
}

/* What kind of question a step's report makes. */
static QuizQuestion question_for(const StepReport *report)
{
    if (report->skipped || report->event.error == HEAP_ERROR_INVALID_POINTER ||
        report->event.error == HEAP_ERROR_DOUBLE_FREE) {
        return QUIZ_ASK_NOTHING;
    }
    if (report->event.kind == HEAP_EVENT_MALLOC || report->event.kind == HEAP_EVENT_REALLOC) {
        return QUIZ_ASK_WHERE;
    }
    if (report->event.kind == HEAP_EVENT_FREE && !report->event.dead) {
        return QUIZ_ASK_COALESCE;
    }
    return QUIZ_ASK_NOTHING;
}

bool quiz_ask(Quiz *quiz, const Run *run)
{
    memset(&quiz->round, 0, sizeof quiz->round);
    if (run_finished(run)) {
        return true;
    }
    Run *ahead = run_clone(run);
    if (ahead == NULL) {
        return false;
    }
    StepReport report;
    bool stepped = run_step(ahead, &report);
    run_destroy(ahead);
    if (!stepped) {
        return true;
    }
    QuizRound *round = &quiz->round;
    round->question = question_for(&report);
    round->step = report.step;
    round->op = report.op;
    round->fails = report.event.error != HEAP_OK;
    round->block_offset = report.event.block_offset;
    round->block_size = report.event.block_size;
    round->coalesce = case_of(&report.event);
    return true;
}

/* Marks the open question answered and scores it, once per step. */
static void settle(Quiz *quiz, bool right)
{
    QuizRound *round = &quiz->round;
    round->answered = true;
    round->right = right;
    round->scored = round->step > quiz->scored_through;
    if (round->scored) {
        quiz->scored_through = round->step;
        quiz->answered++;
        quiz->right += right;
    }
}

bool quiz_answer_where(Quiz *quiz, bool fails, uint64_t offset)
{
    QuizRound *round = &quiz->round;
    if (round->question != QUIZ_ASK_WHERE || round->answered) {
        return false;
    }
    round->answer_fails = fails;
    round->answer_offset = offset;
    bool inside = offset >= round->block_offset && offset - round->block_offset < round->block_size;
    settle(quiz, fails ? round->fails : !round->fails && inside);
    return true;
}

bool quiz_answer_case(Quiz *quiz, QuizCase answer)
{
    QuizRound *round = &quiz->round;
    if (round->question != QUIZ_ASK_COALESCE || round->answered || answer >= QUIZ_CASE_COUNT) {
        return false;
    }
    round->answer_case = answer;
    settle(quiz, answer == round->coalesce);
    return true;
}

void quiz_reset_score(Quiz *quiz)
{
    quiz->right = quiz->answered = quiz->scored_through = 0;
}

bool quiz_waiting(const Quiz *quiz)
{
    return quiz->on && quiz->round.question != QUIZ_ASK_NOTHING && !quiz->round.answered;
}
