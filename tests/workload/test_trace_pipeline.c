/*
 * test_trace_pipeline.c - a trace read on a second thread: the operations
 * handed out are the file's own, in order, each chunk whole when handed out;
 * the finished trace equals trace_load's; every way a file is refused gives
 * trace_load's message, early or late in the file; and a run that replays
 * the view as it arrives (its id map indexed by id) ends with the heap of a
 * run over the loaded trace (its map by slot). No timing is assumed: the
 * tests hold whatever the interleaving of the two threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trace.h"
#include "trace_pipeline.h"
#include "workload_test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    BIG_OPS = 200000,            /* dozens of chunks */
    BIG_IDS = 3000,
    HEAP_BYTES = 4 << 20
};

static char path[] = "/tmp/heapviz-pipeline-XXXXXX";

/* ---- writing traces ------------------------------------------------------ */

static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

/* One valid op line for a trace of BIG_IDS ids: allocations of free ids,
 * frees and reallocs of live ones, a free of an id already freed (replay
 * skips it), a request larger than the heap (it fails), a compaction. */
static void write_op_line(FILE *file, uint64_t *random, uint8_t *live, uint8_t *named)
{
    uint32_t id = (uint32_t)(next_random(random) % BIG_IDS);
    uint64_t roll = next_random(random) % 100;
    uint64_t bytes = 1 + next_random(random) % 600;
    if (roll == 0) {
        fprintf(file, "c\n");
    } else if (!live[id] && named[id] && roll < 10) {
        fprintf(file, "f %u\n", id);
    } else if (!live[id]) {
        fprintf(file, "a %u %llu\n", id, roll == 1 ? 1ull << 40 : (unsigned long long)bytes);
        live[id] = 1; /* by the file's account, even when the malloc fails */
        named[id] = 1;
    } else if (roll < 30) {
        fprintf(file, "r %u %llu\n", id, (unsigned long long)bytes);
    } else {
        fprintf(file, "f %u\n", id);
        live[id] = 0;
    }
}

/* Writes a .rep of `ops` valid op lines whose header announces
 * `header_ops`; `bad` (if not NULL) replaces the op line at 1-based op
 * number `bad_at` (its file line is bad_at + 4). */
static void write_big_trace(uint32_t header_ops, uint32_t ops, const char *bad, uint32_t bad_at)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    uint8_t live[BIG_IDS] = {0}, named[BIG_IDS] = {0};
    uint64_t random = 7;
    fprintf(file, "%d\n%d\n%u\n1\n", HEAP_BYTES, BIG_IDS, header_ops);
    for (uint32_t i = 1; i <= ops; i++) {
        if (bad && i == bad_at)
            fprintf(file, "%s\n", bad);
        else
            write_op_line(file, &random, live, named);
    }
    assert_int_equal(fclose(file), 0);
}

static void write_text(const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

/* ---- checks --------------------------------------------------------------- */

static Trace *load_ok(void)
{
    char message[512];
    Trace *trace = NULL;
    if (!trace_load(path, &trace, message, sizeof message))
        fail_msg("trace_load: %s", message);
    return trace;
}

/* Takes every chunk the pipeline hands out, checking each against the
 * loaded trace `expected` (NULL: check only the counts) as it arrives;
 * returns how many operations were handed out. */
static uint32_t take_all(TracePipeline *pipeline, const Trace *view, const Trace *expected)
{
    uint32_t done = 0;
    for (;;) {
        uint32_t ready = trace_pipeline_wait(pipeline, done);
        if (ready == done)
            return done;
        assert_true(ready > done && ready <= view->op_count);
        if (expected)
            assert_true(ready <= expected->op_count);
        if (expected)
            assert_memory_equal(&view->ops[done], &expected->ops[done],
                                (ready - done) * sizeof *view->ops);
        done = ready;
    }
}

/* The pipeline refuses the file with trace_load's own message. */
static void assert_refused_as_trace_load(TracePipeline *pipeline)
{
    char expected[512], message[512];
    Trace *trace = NULL;
    assert_false(trace_load(path, &trace, expected, sizeof expected));
    assert_false(trace_pipeline_finish(pipeline, &trace, message, sizeof message));
    assert_null(trace);
    assert_string_equal(message, expected);
}

/* The pipeline's trace (no slots) holds what trace_load's does. */
static void assert_traces_equal(const Trace *piped, const Trace *loaded)
{
    assert_int_equal(piped->op_count, loaded->op_count);
    assert_int_equal(piped->id_count, loaded->id_count);
    assert_int_equal(piped->suggested_heap, loaded->suggested_heap);
    assert_int_equal(piped->weight, loaded->weight);
    assert_string_equal(piped->name, loaded->name);
    assert_memory_equal(piped->ops, loaded->ops, loaded->op_count * sizeof *loaded->ops);
    assert_null(piped->slots);
}

/* ---- good files -------------------------------------------------------------- */

static void a_good_file_is_handed_out_in_order_then_whole(void **state)
{
    (void)state;
    write_big_trace(BIG_OPS, BIG_OPS, NULL, 0);
    Trace *expected = load_ok();
    TracePipeline *pipeline = trace_pipeline_start(path);
    assert_non_null(pipeline);
    Trace view;
    assert_true(trace_pipeline_view(pipeline, &view));
    assert_int_equal(view.op_count, BIG_OPS);
    assert_int_equal(view.id_count, BIG_IDS);
    assert_int_equal(view.suggested_heap, HEAP_BYTES);
    assert_null(view.slots);
    assert_int_equal(take_all(pipeline, &view, expected), BIG_OPS);
    assert_int_equal(trace_pipeline_wait(pipeline, BIG_OPS), BIG_OPS); /* and nothing after */
    char message[512];
    Trace *trace = NULL;
    assert_true(trace_pipeline_finish(pipeline, &trace, message, sizeof message));
    assert_ptr_equal(trace->ops, view.ops); /* the view read the trace's own array */
    assert_traces_equal(trace, expected);
    trace_destroy(trace);
    trace_destroy(expected);
}

/* A trace read without slots (as the pipeline reads one) is numbered as
 * trace_parse numbers it, worked by hand: ids 0 and 1 take slots 0 and 1;
 * f 0 is id 0's last op, so slot 0 is free for id 2; at most two ids at
 * once (the headless runner numbers a trace with a compaction: scanning a
 * map of every id at each one made it quadratic). */
static void a_watched_trace_is_numbered_as_parsed(void **state)
{
    (void)state;
    write_text("4096\n3\n7\n1\na 0 8\na 1 8\nf 0\na 2 8\nf 1\nf 2\nc\n");
    TracePipeline *pipeline = trace_pipeline_start(path);
    assert_non_null(pipeline);
    Trace view;
    assert_true(trace_pipeline_view(pipeline, &view));
    assert_int_equal(take_all(pipeline, &view, NULL), 7);
    char message[512];
    Trace *trace = NULL;
    assert_true(trace_pipeline_finish(pipeline, &trace, message, sizeof message));
    assert_null(trace->slots);
    assert_true(trace_number_slots(trace));
    static const uint32_t slots[] = {0, 1, 0, 0, 1, 0, 0};
    assert_int_equal(trace->slot_count, 2);
    assert_memory_equal(trace->slots, slots, sizeof slots);
    trace_destroy(trace);
}

/* Replays the pipeline's view on a run as headless does, as the ops arrive. */
static Run *replay_as_read(const Workload *workload, TracePipeline *pipeline, HeapPolicy policy)
{
    Run *run = make_run(workload, HEAP_BYTES, policy);
    for (uint32_t done = 0, ready; (ready = trace_pipeline_wait(pipeline, done)) > done;
         done = ready)
        assert_int_equal(run_advance(run, ready), ready);
    return run;
}

static void a_run_on_the_view_ends_as_a_run_on_the_loaded_trace(void **state)
{
    (void)state;
    write_big_trace(BIG_OPS, BIG_OPS, NULL, 0);
    const HeapPolicy policies[] = {HEAP_FIRST_FIT, HEAP_BEST_FIT, HEAP_BUMP};
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
        TracePipeline *pipeline = trace_pipeline_start(path);
        Trace view, *trace = NULL;
        char message[512];
        assert_true(trace_pipeline_view(pipeline, &view));
        Workload streamed = {.kind = WORKLOAD_TRACE, .trace = &view};
        Run *run = replay_as_read(&streamed, pipeline, policies[i]);
        assert_true(trace_pipeline_finish(pipeline, &trace, message, sizeof message));
        trace_destroy(trace);
        trace = load_ok(); /* with slots: its run's map is by slot */
        assert_non_null(trace->slots);
        Workload loaded = {.kind = WORKLOAD_TRACE, .trace = trace};
        Run *reference = make_run(&loaded, HEAP_BYTES, policies[i]);
        assert_int_equal(run_advance(reference, BIG_OPS), BIG_OPS);
        assert_true(allocator_stats(run_heap(reference))->failed > 0);
        assert_heaps_equal(run_heap(run), run_heap(reference));
        assert_int_equal(run_position(run), run_position(reference));
        run_destroy(run);
        run_destroy(reference);
        trace_destroy(trace);
    }
}

static void an_op_list_gives_no_view_but_the_trace(void **state)
{
    (void)state;
    write_text("+10,+20,-0,+5\n");
    Trace *expected = load_ok();
    TracePipeline *pipeline = trace_pipeline_start(path);
    Trace view, *trace = NULL;
    char message[512];
    assert_false(trace_pipeline_view(pipeline, &view));
    assert_true(trace_pipeline_finish(pipeline, &trace, message, sizeof message));
    assert_traces_equal(trace, expected);
    trace_destroy(trace);
    trace_destroy(expected);
}

/* ---- refused files ------------------------------------------------------------ */

/* A file refused at op `bad_at` (of BIG_OPS): every op handed out before
 * the refusal is the file's, none at or past the bad line, and the message
 * is trace_load's. `taken` says whether the replay takes the ops or goes
 * straight to finish (the loading thread must not free the array under a
 * replay still reading, nor wait for one that left). */
static void refused_at(const char *bad, uint32_t bad_at, bool taken)
{
    write_big_trace(bad_at - 1, bad_at - 1, NULL, 0);
    Trace *before = load_ok(); /* the ops before the bad line, as a trace of their own */
    write_big_trace(BIG_OPS, BIG_OPS, bad, bad_at);
    TracePipeline *pipeline = trace_pipeline_start(path);
    Trace view;
    assert_true(trace_pipeline_view(pipeline, &view));
    if (taken)
        assert_true(take_all(pipeline, &view, before) < bad_at);
    assert_refused_as_trace_load(pipeline);
    trace_destroy(before);
}

static void a_late_syntax_error_stops_the_ops_and_wins(void **state)
{
    (void)state;
    refused_at("a 5 x", BIG_OPS - 3, true);
    refused_at("a 5 x", BIG_OPS - 3, false);
}

static void an_early_error_stops_the_ops(void **state)
{
    (void)state;
    refused_at("q", 10, true);
    refused_at("f 2999999", 5000, true);
}

static void more_ops_than_the_header_hands_out_only_the_header_s(void **state)
{
    (void)state;
    write_big_trace(BIG_OPS / 2, BIG_OPS, NULL, 0);
    TracePipeline *pipeline = trace_pipeline_start(path);
    Trace view;
    assert_true(trace_pipeline_view(pipeline, &view));
    assert_int_equal(view.op_count, BIG_OPS / 2);
    assert_true(take_all(pipeline, &view, NULL) <= BIG_OPS / 2);
    assert_refused_as_trace_load(pipeline); /* "...the file has 200000" */
}

static void no_view_when_the_load_ends_before_the_ops(void **state)
{
    (void)state;
    const char *texts[] = {
        "100\n2\n",                  /* the header ends early */
        "100 2 1000 1\na 0 5\n",     /* too short for the ops announced */
        "100 2 x 1\na 0 5\n",        /* a bad header number */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        write_text(texts[i]);
        TracePipeline *pipeline = trace_pipeline_start(path);
        Trace view;
        assert_false(trace_pipeline_view(pipeline, &view));
        assert_refused_as_trace_load(pipeline);
    }
    unlink(path);
    TracePipeline *pipeline = trace_pipeline_start(path); /* no file at all */
    Trace view;
    assert_false(trace_pipeline_view(pipeline, &view));
    assert_refused_as_trace_load(pipeline);
}

static int setup(void **state)
{
    (void)state;
    int descriptor = mkstemp(path);
    if (descriptor < 0)
        return -1;
    close(descriptor);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_good_file_is_handed_out_in_order_then_whole),
        cmocka_unit_test(a_run_on_the_view_ends_as_a_run_on_the_loaded_trace),
        cmocka_unit_test(an_op_list_gives_no_view_but_the_trace),
        cmocka_unit_test(a_watched_trace_is_numbered_as_parsed),
        cmocka_unit_test(a_late_syntax_error_stops_the_ops_and_wins),
        cmocka_unit_test(an_early_error_stops_the_ops),
        cmocka_unit_test(more_ops_than_the_header_hands_out_only_the_header_s),
        cmocka_unit_test(no_view_when_the_load_ends_before_the_ops),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
