/*
 * test_run.c - runs: the replay rules of issue 4 section 2, compaction
 * (in traces and by schedule), advancing with the heap's events off,
 * clones and copies, record -> replay giving
 * the identical heap for every policy, and the scenario traces in
 * assets/traces each showing its idea.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trace.h"
#include "workload_test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Trace *parse(const char *text)
{
    char message[512];
    Trace *trace = NULL;
    if (!trace_parse(text, strlen(text), "test.rep", &trace, message, sizeof message))
        fail_msg("%s", message);
    return trace;
}

static Workload trace_workload(const Trace *trace)
{
    Workload workload = {WORKLOAD_TRACE, sim_default_params(), trace};
    return workload;
}

static void defaults_of_the_two_workloads(void **state)
{
    (void)state;
    Workload sim = simulation(0, 100, 25, 0.3);
    Trace *trace = parse("0 1 2 1\na 0 1\nf 0\n");
    Workload replay = trace_workload(trace);
    assert_int_equal(workload_default_heap_bytes(&sim), 8192 * 4);
    assert_int_equal(workload_default_heap_bytes(&replay), 20 * 1024 * 1024);
    assert_int_equal(workload_base_steps(&sim), 100);
    assert_int_equal(workload_base_steps(&replay), 2);
    trace_destroy(trace);
}

static void free_of_an_empty_id_is_skipped(void **state)
{
    (void)state;
    /* id 0 asks for more than the heap: the malloc fails, so the free is skipped. */
    Trace *trace = parse("0 1 2 1\na 0 5000\nf 0\n");
    Workload workload = trace_workload(trace);
    Run *run = make_run(&workload, 1024, HEAP_FIRST_FIT);
    StepReport report;
    assert_true(run_step(run, &report));
    assert_int_equal(report.error, HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(run_id_payload(run, 0), 0);
    assert_true(run_step(run, &report));
    assert_true(report.skipped);
    assert_int_equal(report.error, HEAP_OK);
    assert_int_equal(report.event.kind, HEAP_EVENT_NONE);
    const HeapStats *stats = allocator_stats(run_heap(run));
    assert_int_equal(stats->failed, 1);
    assert_int_equal(stats->frees + stats->errors, 0);
    assert_false(run_step(run, &report));
    run_destroy(run);
    trace_destroy(trace);
}

static void realloc_of_an_empty_id_is_a_malloc(void **state)
{
    (void)state;
    Trace *trace = parse("0 1 1 1\nr 0 40\n");
    Workload workload = trace_workload(trace);
    Run *run = make_run(&workload, 1024, HEAP_FIRST_FIT);
    StepReport report;
    assert_true(run_step(run, &report));
    assert_int_equal(report.error, HEAP_OK);
    assert_int_equal(report.event.kind, HEAP_EVENT_MALLOC);
    assert_int_equal(run_id_payload(run, 0), 8);   /* b0 = 0, payload after the 8-byte header */
    assert_int_equal(allocator_stats(run_heap(run))->mallocs, 1);
    run_destroy(run);
    trace_destroy(trace);
}

/* A run on a heap of another design, made as `setup` says. */
static Run *make_design_run(const Workload *workload, AllocatorSetup setup)
{
    Run *run = NULL;
    assert_non_null(setup.design);
    assert_int_equal(run_create(workload, &setup, NULL, 0, &run), HEAP_OK);
    return run;
}

/* Ostep's offsets start at 1 (the base address); with a header of -1
 * (ostep's -H -1) the first block's payload is offset 0. That is a block
 * all the same, so the id holds it and its free frees it. */
static void a_block_at_payload_zero_is_held(void **state)
{
    (void)state;
    Trace *trace = parse("0 1 2 1\na 0 2\nf 0\n");
    Workload workload = trace_workload(trace);
    AllocatorSetup setup = { .design = allocator_design_find("ostep"),
                             .config = allocator_default_config(100) };
    setup.config.alignment = 0;
    setup.config.header_bytes = (uint64_t)-1;
    Run *run = make_design_run(&workload, setup);
    assert_int_equal(run_advance(run, 1), 1);
    assert_int_equal(allocator_stats(run_heap(run))->mallocs, 1);
    assert_int_equal(run_id_payload(run, 0), 0);
    assert_int_equal(run_advance(run, 2), 2);
    assert_int_equal(allocator_stats(run_heap(run))->frees, 1);
    run_destroy(run);
    trace_destroy(trace);
}

/* The CS:APP heap answers malloc(0) with NULL and places nothing, so the
 * id stays empty and its free is skipped. */
static void a_malloc_of_zero_that_places_nothing_holds_nothing(void **state)
{
    (void)state;
    Trace *trace = parse("0 1 2 1\na 0 0\nf 0\n");
    Workload workload = trace_workload(trace);
    AllocatorSetup setup = { .design = allocator_design_find("csapp"),
                             .config = allocator_default_config(1 << 20) };
    Run *run = make_design_run(&workload, setup);
    StepReport report;
    assert_true(run_step(run, &report));
    assert_int_equal(report.error, HEAP_OK);
    assert_int_equal(allocator_stats(run_heap(run))->mallocs, 0);
    assert_true(run_step(run, &report));
    assert_true(report.skipped);
    run_destroy(run);
    trace_destroy(trace);
}

/* Ids that share a slot (trace.h) keep their own blocks: after every step,
 * each id holds what a per-id map kept by this test on a second heap, fed
 * the same calls, says it holds, and each live block names its own id (id
 * 2 is named again after its free, id 3 leaks). */
static void ids_sharing_a_slot_keep_their_own_blocks(void **state)
{
    (void)state;
    Trace *trace = parse("0\n6\n11\n1\na 0 8\na 1 8\nf 0\na 2 8\nr 1 16\na 3 8\nf 1\nf 2\n"
                         "a 2 4\na 4 8\nf 4\n");
    assert_int_equal(trace->slot_count, 3);
    Workload workload = trace_workload(trace);
    Run *run = make_run(&workload, 1024, HEAP_FIRST_FIT);
    AllocatorSetup setup = tags_setup(1024, HEAP_FIRST_FIT);
    Allocator *heap = NULL;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    uint64_t held[6] = {0};
    StepReport report;
    for (uint32_t i = 0; run_step(run, &report); i++) {
        const Op *op = &trace->ops[i];
        uint64_t result = 0;
        if (op->kind == OP_MALLOC)
            assert_int_equal(allocator_malloc(heap, op->bytes, &result), HEAP_OK);
        else if (op->kind == OP_REALLOC)
            assert_int_equal(allocator_realloc(heap, held[op->id], op->bytes, &result), HEAP_OK);
        else
            assert_int_equal(allocator_free(heap, held[op->id]), HEAP_OK);
        held[op->id] = result;
        for (uint32_t id = 0; id <= op->id; id++) {
            assert_int_equal(run_id_payload(run, id), held[id]);
            if (held[id] != 0)
                assert_int_equal(run_id_of_payload(run, held[id]), id);
        }
    }
    allocator_destroy(heap);
    run_destroy(run);
    trace_destroy(trace);
}

static void failed_realloc_keeps_the_old_block(void **state)
{
    (void)state;
    Trace *trace = parse("0 1 3 1\na 0 40\nr 0 100000\nf 0\n");
    Workload workload = trace_workload(trace);
    Run *run = make_run(&workload, 1024, HEAP_BEST_FIT);
    StepReport report;
    assert_true(run_step(run, &report));
    uint64_t payload = run_id_payload(run, 0);
    assert_true(run_step(run, &report));
    assert_int_equal(report.error, HEAP_ERROR_OUT_OF_MEMORY);
    assert_int_equal(run_id_payload(run, 0), payload);
    assert_int_equal(report.payload, payload);
    assert_true(run_step(run, &report));
    assert_int_equal(report.error, HEAP_OK);
    assert_int_equal(allocator_stats(run_heap(run))->used_blocks, 0);
    run_destroy(run);
    trace_destroy(trace);
}

static void realloc_to_zero_frees_and_empties_the_id(void **state)
{
    (void)state;
    Trace *trace = parse("0 1 3 1\na 0 40\nr 0 0\nf 0\n");
    Workload workload = trace_workload(trace);
    Run *run = make_run(&workload, 1024, HEAP_FIRST_FIT);
    StepReport report;
    run_step(run, &report);
    run_step(run, &report);
    assert_int_equal(run_id_payload(run, 0), 0);
    assert_true(run_step(run, &report));
    assert_true(report.skipped);
    run_destroy(run);
    trace_destroy(trace);
}

static void compaction_in_a_trace_moves_the_id_map(void **state)
{
    (void)state;
    Trace *trace = parse("0 4 7 1\na 0 40\na 1 40\na 2 40\na 3 40\nf 0\nf 2\nc\n");
    Workload workload = trace_workload(trace);
    Run *run = make_run(&workload, 1024, HEAP_FIRST_FIT);
    run_to_end_checked(run);
    /* 40 bytes -> 56-byte blocks: ids 1 and 3 slide to offsets 0 and 56. */
    assert_int_equal(run_id_payload(run, 1), 8);
    assert_int_equal(run_id_payload(run, 3), 64);
    assert_int_equal(run_id_of_payload(run, 64), 3);
    assert_int_equal(run_id_of_payload(run, 120), -1);
    assert_int_equal(allocator_stats(run_heap(run))->compactions, 1);
    run_destroy(run);
    trace_destroy(trace);
}

static void scheduled_compactions_take_their_own_steps(void **state)
{
    (void)state;
    static const uint64_t schedule[] = {3, 3, 5, 40};   /* 40 is past the end: ignored */
    Trace *trace = parse("0 3 4 1\na 0 40\na 1 40\nf 0\na 2 10\n");
    Workload workload = trace_workload(trace);
    AllocatorSetup setup = tags_setup(1024, HEAP_FIRST_FIT);
    Run *run = NULL;
    assert_int_equal(run_create(&workload, &setup, schedule, 4, &run), HEAP_OK);
    assert_int_equal(run_total_steps(run), 6);
    static const OpKind expected[] = {OP_MALLOC, OP_MALLOC, OP_COMPACT, OP_FREE, OP_COMPACT, OP_MALLOC};
    StepReport report;
    for (int i = 0; i < 6; i++) {
        assert_true(run_step(run, &report));
        assert_int_equal(report.step, i + 1);
        assert_int_equal(report.op.kind, expected[i]);
        assert_heap_consistent(run_heap(run));
    }
    assert_false(run_step(run, &report));
    /* After the compaction at step 5, id 1 sits at the bottom; id 2 goes after it. */
    assert_int_equal(run_id_payload(run, 1), 8);
    assert_int_equal(run_id_payload(run, 2), 64);
    run_set_compactions(run, NULL, 0);
    assert_int_equal(run_total_steps(run), 4);
    run_destroy(run);
    trace_destroy(trace);
}

/* Advancing "before a compaction" runs the schedule's compactions, which
 * take steps of their own, but stops just before the trace's own `c`,
 * having done everything before it, and again there if asked once more. */
static void advancing_before_a_compaction_stops_at_the_traces_own(void **state)
{
    (void)state;
    static const uint64_t schedule[] = {2};
    /* steps: a0, (scheduled c), a1, f0, c (the trace's), a2 */
    Trace *trace = parse("0 3 5 1\na 0 40\na 1 40\nf 0\nc\na 2 10\n");
    Workload workload = trace_workload(trace);
    AllocatorSetup setup = tags_setup(1024, HEAP_FIRST_FIT);
    Run *run = NULL;
    assert_int_equal(run_create(&workload, &setup, schedule, 1, &run), HEAP_OK);
    assert_true(run_advance_before_compaction(run, 3));
    assert_int_equal(run_position(run), 3);
    assert_int_equal(allocator_stats(run_heap(run))->compactions, 1);
    assert_false(run_advance_before_compaction(run, 6));
    assert_int_equal(run_position(run), 4); /* a0, c, a1, f0 done; the trace's c not */
    const HeapStats *stats = allocator_stats(run_heap(run));
    assert_int_equal(stats->mallocs, 2);
    assert_int_equal(stats->frees, 1);
    assert_int_equal(stats->compactions, 1);
    assert_false(run_advance_before_compaction(run, 6));
    assert_int_equal(run_position(run), 4);
    assert_true(run_advance_before_compaction(run, 4)); /* nothing left to do before it */
    run_destroy(run);
    trace_destroy(trace);
}

/* Steps one run with reports and one without, side by side, and checks
 * they stay identical: the same positions, heaps and id maps. */
static void assert_steps_without_reports_agree(const Workload *workload, uint64_t heap_bytes,
                                               const uint64_t *schedule, uint32_t scheduled)
{
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        AllocatorSetup setup = tags_setup(heap_bytes, (HeapPolicy)policy);
        Run *reported = NULL, *quiet = NULL;
        assert_int_equal(run_create(workload, &setup, schedule, scheduled, &reported), HEAP_OK);
        assert_int_equal(run_create(workload, &setup, schedule, scheduled, &quiet), HEAP_OK);
        StepReport report;
        bool more = true;
        while (more) {
            more = run_step(reported, &report);
            assert_int_equal(run_step(quiet, NULL), more);
            assert_int_equal(run_position(quiet), run_position(reported));
        }
        assert_heaps_equal(run_heap(quiet), run_heap(reported));
        for (uint32_t id = 0; id < 64; id++)
            assert_int_equal(run_id_payload(quiet, id), run_id_payload(reported, id));
        run_destroy(reported);
        run_destroy(quiet);
    }
}

/* Advances one run by run_advance in uneven strides (stopping on and just
 * before compactions, and past the end), on a heap that skips its events
 * as the headless runner's does, and steps another one step at a time:
 * at every stop the two agree on position, heap and id map. */
static void assert_advance_agrees(const Workload *workload, uint64_t heap_bytes,
                                  const uint64_t *schedule, uint32_t scheduled)
{
    static const uint64_t stops[] = {0, 1, 2, 2, 4, 5, 7, 11, 100, 1000, 2999, 3000, 5000};
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        AllocatorSetup setup = tags_setup(heap_bytes, (HeapPolicy)policy);
        AllocatorSetup quiet = setup;
        quiet.config.events_unread = true;
        Run *stepped = NULL, *advanced = NULL;
        assert_int_equal(run_create(workload, &setup, schedule, scheduled, &stepped), HEAP_OK);
        assert_int_equal(run_create(workload, &quiet, schedule, scheduled, &advanced), HEAP_OK);
        for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
            StepReport report;
            while (run_position(stepped) < stops[i] && run_step(stepped, &report))
                continue;
            assert_int_equal(run_advance(advanced, stops[i]), run_position(stepped));
            assert_int_equal(run_position(advanced), run_position(stepped));
            assert_heaps_equal(run_heap(advanced), run_heap(stepped));
            for (uint32_t id = 0; id < 64; id++)
                assert_int_equal(run_id_payload(advanced, id), run_id_payload(stepped, id));
        }
        assert_true(run_finished(advanced));
        run_destroy(stepped);
        run_destroy(advanced);
    }
}

static void steps_without_reports_reach_the_same_heap(void **state)
{
    (void)state;
    /* A trace with a compaction, a skipped free, realloc of an empty id and to 0,
     * and a request too large; a schedule of compactions on top. */
    static const uint64_t schedule[] = {2, 6};
    Trace *trace = parse("0 4 9 1\na 0 40\na 1 100\nf 0\nc\nf 0\nr 2 30\nr 1 0\n"
                         "a 3 99999\nr 2 200\n");
    Workload replay = trace_workload(trace);
    assert_steps_without_reports_agree(&replay, 4096, schedule, 2);
    Workload sim = simulation(7, 3000, 40, 0.5);
    assert_steps_without_reports_agree(&sim, 8192, NULL, 0);
    trace_destroy(trace);
}

/* run_advance_unwatched to `stop` from `from` leaves the run as run_advance
 * does, byte for byte (the heap's last event included), and the heap's
 * events as they were (on, or off for a heap made with them off). */
static void assert_unwatched_agrees(const Workload *workload, const AllocatorSetup *setup,
                                    const uint64_t *schedule, uint32_t scheduled, uint64_t from,
                                    uint64_t stop)
{
    Run *watched = NULL, *unwatched = NULL;
    assert_int_equal(run_create(workload, setup, schedule, scheduled, &watched), HEAP_OK);
    assert_int_equal(run_create(workload, setup, schedule, scheduled, &unwatched), HEAP_OK);
    run_advance(watched, from);
    run_advance(unwatched, from);
    assert_int_equal(run_advance_unwatched(unwatched, stop), run_advance(watched, stop));
    assert_same_spans(watched, unwatched);
    assert_int_equal(allocator_config(run_heap(unwatched))->events_unread, setup->config.events_unread);
    run_destroy(watched);
    run_destroy(unwatched);
}

/* run_advance_unwatched runs the steps with the heap's events off but for
 * the last ones, from the last call sure to reach the heap: a trace whose
 * stretch ends in a realloc to 0 (a free) and frees of ids whose mallocs
 * failed (which call nothing), with a compaction scheduled, stopped at
 * every step from several starts; a simulation; under every policy; and a
 * heap made with its events off keeps them off. */
static void advancing_unwatched_leaves_the_same_run(void **state)
{
    (void)state;
    static const uint64_t schedule[] = {4};
    Trace *trace = parse("0 5 10 1\na 0 40\na 1 100\na 3 99999\na 4 99999\nr 0 80\na 2 30\nf 2\nr 1 0\nf 3\nf 4\n");
    Workload replay = trace_workload(trace);
    Workload sim = simulation(7, 3000, 40, 0.5);
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        AllocatorSetup setup = tags_setup(8192, (HeapPolicy)policy);
        for (uint64_t from = 0; from < 3; from++) {
            for (uint64_t stop = from; stop <= 12; stop++)
                assert_unwatched_agrees(&replay, &setup, schedule, 1, from, stop);
        }
        assert_unwatched_agrees(&sim, &setup, NULL, 0, 100, 2000);
        setup.config.events_unread = true;
        assert_unwatched_agrees(&replay, &setup, NULL, 0, 0, 7);
    }
    trace_destroy(trace);
}

static void advancing_reaches_the_same_heap_as_stepping(void **state)
{
    (void)state;
    /* The trace's `c` at step 4 (5 with the schedule's step 2) and scheduled
     * compactions at steps 2, 6 and 7 (two in a row). */
    static const uint64_t schedule[] = {2, 6, 7};
    Trace *trace = parse("0 4 9 1\na 0 40\na 1 100\nf 0\nc\nf 0\nr 2 30\nr 1 0\n"
                         "a 3 99999\nr 2 200\n");
    Workload replay = trace_workload(trace);
    assert_advance_agrees(&replay, 4096, schedule, 3);
    assert_advance_agrees(&replay, 4096, NULL, 0);
    Workload sim = simulation(7, 3000, 40, 0.5);
    assert_advance_agrees(&sim, 8192, NULL, 0);
    trace_destroy(trace);
    /* Ids sharing slots, with frees and reallocs more than the loop's
     * hints ahead of each other (a hint must not take a slot). */
    trace = parse("0\n12\n28\n1\na 0 8\na 1 8\nf 0\na 2 8\nr 1 16\na 3 8\nf 1\nf 2\n"
                  "a 2 4\na 4 8\nf 4\na 5 24\na 6 40\na 7 8\na 8 8\nr 6 80\na 9 8\na 10 8\n"
                  "f 5\nf 7\na 11 16\nf 3\nr 6 8\nf 8\nf 9\nf 11\nf 10\nr 6 0\n");
    assert_true(trace->slots != NULL);
    Workload slotted = trace_workload(trace);
    assert_advance_agrees(&slotted, 1024, NULL, 0);
    trace_destroy(trace);
}

/* Appends `op` to ops, numbered with the next line after the header's. */
static void append_op(Op *ops, uint32_t *count, Op op)
{
    op.line = *count + 5;
    ops[(*count)++] = op;
}

/* A trace with 6,300 ids, enough that run_advance hints at coming frees
 * and reallocs (run.c's PREFETCH_MIN_IDS is 4,096), once its 5,000 first
 * mallocs of 4 KiB or more have spread the heap past 16 MiB
 * (PREFETCH_MIN_SPREAD; 4,000 of them do): frees and reallocs of them mixed
 * with 1,000 new mallocs, then 300 times a free, a new id's malloc (in the
 * slot just freed) and its free, well inside the hints' 8 ops. */
static Trace *many_ids_trace(void)
{
    enum { FIRST = 5000, LATER = 1000, SHORT = 300 };
    Op *ops = calloc(2 * FIRST + LATER + 3 * SHORT, sizeof *ops);
    uint32_t count = 0, next_id = FIRST;
    for (uint32_t id = 0; id < FIRST; id++)
        append_op(ops, &count, (Op){.kind = OP_MALLOC, .id = id, .bytes = 4096 + id % 57});
    for (uint32_t id = 0; id < FIRST; id++) {
        append_op(ops, &count, id % 3 == 1 ? (Op){.kind = OP_REALLOC, .id = id, .bytes = 4 + id % 91}
                                           : (Op){.kind = OP_FREE, .id = id});
        if (id % 5 == 0)
            append_op(ops, &count, (Op){.kind = OP_MALLOC, .id = next_id++, .bytes = 16 + id % 33});
    }
    for (uint32_t i = 0; i < SHORT; i++) {
        uint32_t old = FIRST + i, young = next_id++; /* ids 5000.. are live until here */
        append_op(ops, &count, (Op){.kind = OP_FREE, .id = old});
        append_op(ops, &count, (Op){.kind = OP_MALLOC, .id = young, .bytes = 24});
        append_op(ops, &count, (Op){.kind = OP_FREE, .id = young});
    }
    Trace *trace = trace_create("many.rep", 0, next_id, ops, count);
    free(ops);
    assert_non_null(trace);
    return trace;
}

/* Advances one run by run_advance in strides of 997 steps and steps another
 * one step at a time: after every stride the two agree on heap and id map. */
static void assert_strides_agree(const Workload *workload, uint64_t heap_bytes)
{
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        AllocatorSetup setup = tags_setup(heap_bytes, (HeapPolicy)policy);
        Run *stepped = NULL, *advanced = NULL;
        assert_int_equal(run_create(workload, &setup, NULL, 0, &stepped), HEAP_OK);
        assert_int_equal(run_create(workload, &setup, NULL, 0, &advanced), HEAP_OK);
        while (!run_finished(advanced)) {
            uint64_t stop = run_advance(advanced, run_position(advanced) + 997);
            StepReport report;
            while (run_position(stepped) < stop && run_step(stepped, &report))
                continue;
            assert_heaps_equal(run_heap(advanced), run_heap(stepped));
            for (uint32_t id = 0; id < 6000; id += 7)
                assert_int_equal(run_id_payload(advanced, id), run_id_payload(stepped, id));
        }
        run_destroy(stepped);
        run_destroy(advanced);
    }
}

/* With hints on, by id and with slots, advancing reaches what stepping does:
 * a hint that changed the heap or took a slot early would show. */
static void advancing_with_hints_reaches_the_same_heap(void **state)
{
    (void)state;
    Trace *trace = many_ids_trace();
    uint32_t *slots = trace->slots; /* trace_create numbered them; a pipeline's view has none */
    assert_non_null(slots);
    assert_true(trace->slot_count >= 4096);
    trace->slots = NULL;
    Workload by_id = trace_workload(trace);
    assert_strides_agree(&by_id, 64u << 20);
    trace->slots = slots;
    Workload slotted = trace_workload(trace);
    assert_strides_agree(&slotted, 64u << 20);
    trace_destroy(trace);
}

/* Hints the run gave: counted by a copy of tags' table whose prefetch
 * entry counts its calls (a test's own counter: the entry takes no context). */
static uint64_t hints_given;

static void count_hint(const Allocator *allocator, uint64_t soon, uint64_t sooner)
{
    (void)allocator, (void)soon, (void)sooner;
    hints_given++;
}

/* The hints wait until the heap has spread past 16 MiB (run.c's
 * PREFETCH_MIN_SPREAD): on the 6,300-id trace, whose first 5,000 mallocs of
 * 4 KiB or more pass it after about 4,000 (first fit: 4,096 + id % 57 bytes
 * and 16 of overhead a block), a stretch that starts below it gives none,
 * and every stretch from op 5,000 on, which frees and reallocs, gives some
 * (a malloc has nothing to hint at); on a 1 MiB heap, where the same trace
 * never spreads that far, none at all. */
static void hints_wait_for_the_heap_to_spread(void **state)
{
    (void)state;
    Trace *trace = many_ids_trace();
    Workload workload = trace_workload(trace);
    AllocatorDesign counting = tags_design;
    counting.prefetch = count_hint;
    const uint64_t spread = UINT64_C(16) << 20, heaps[] = {64u << 20, 1u << 20};
    for (int h = 0; h < 2; h++) {
        Run *run = make_run(&workload, heaps[h], HEAP_FIRST_FIT);
        Allocator *heap = (Allocator *)run_heap(run); /* the test's own: its table swapped */
        heap->design = &counting; /* the same calls, the hints counted */
        hints_given = 0;
        int stretches_after = 0;
        while (!run_finished(run)) {
            bool spread_out = allocator_stats(heap)->high_water >= spread;
            uint64_t before = hints_given, from = run_position(run);
            run_advance(run, from + 997);
            if (!spread_out) {
                assert_int_equal(hints_given, before);
            } else if (from >= 5000) {
                stretches_after++;
                assert_true(hints_given > before);
            }
        }
        assert_true(h == 0 ? stretches_after >= 6 : hints_given == 0);
        heap->design = &tags_design;
        run_destroy(run);
    }
    trace_destroy(trace);
}

static void clone_and_copy_continue_identically(void **state)
{
    (void)state;
    Workload workload = simulation(5, 4000, 60, 0.45);
    Run *run = make_run(&workload, 16384, HEAP_NEXT_FIT);
    StepReport report;
    for (int i = 0; i < 1500; i++)
        run_step(run, &report);
    Run *clone = run_clone(run);
    Run *copy = make_run(&workload, 16384, HEAP_NEXT_FIT);
    assert_non_null(clone);
    assert_true(run_copy(copy, run));
    assert_int_equal(run_position(copy), 1500);
    run_to_end_checked(run);
    run_to_end_checked(clone);
    run_to_end_checked(copy);
    assert_heaps_equal(run_heap(run), run_heap(clone));
    assert_heaps_equal(run_heap(run), run_heap(copy));
    for (uint32_t slot = 0; slot < 60; slot++)
        assert_int_equal(run_id_payload(run, slot), run_id_payload(copy, slot));
    /* Back in time: copy the clone's earlier state over a finished run. */
    Run *early = make_run(&workload, 16384, HEAP_NEXT_FIT);
    assert_true(run_copy(run, early));
    assert_int_equal(run_position(run), 0);
    assert_heaps_equal(run_heap(run), run_heap(early));
    assert_true(run_memory_bytes(run) > allocator_memory_bytes(run_heap(run)));
    run_destroy(early);
    run_destroy(run);
    run_destroy(clone);
    run_destroy(copy);
}

/* ---- record -> replay ------------------------------------------------------- */

/* Plays `run` to the end, returning the ops as they would be recorded. */
static Trace *record(Run *run, uint64_t heap_bytes)
{
    uint64_t total = run_total_steps(run);
    Op *ops = calloc(total + 1, sizeof *ops);
    uint32_t ids = 0, count = 0;
    StepReport report;
    while (run_step(run, &report)) {
        ops[count++] = (Op){.kind = report.op.kind, .id = report.record_id, .bytes = report.op.bytes};
        if (report.op.kind != OP_COMPACT && report.record_id >= ids)
            ids = report.record_id + 1;
    }
    Trace *trace = trace_create("recorded.rep", heap_bytes, ids, ops, count);
    free(ops);
    return trace;
}

/* Writes the trace to a file and reads it back, so replay goes through the parser. */
static Trace *through_a_file(const Trace *trace)
{
    char directory[] = "/tmp/heapviz-run-XXXXXX";
    char path[64], message[512];
    assert_non_null(mkdtemp(directory));
    snprintf(path, sizeof path, "%s/r.rep", directory);
    OutputFile *file = output_file_open(path, message, sizeof message);
    assert_non_null(file);
    trace_write(file, trace);
    assert_true(output_file_commit(file, message, sizeof message));
    Trace *again = NULL;
    if (!trace_load(path, &again, message, sizeof message))
        fail_msg("%s", message);
    unlink(path);
    rmdir(directory);
    return again;
}

static void replay_matches(const Workload *workload, const AllocatorSetup *config,
                           const uint64_t *schedule, uint32_t schedule_count)
{
    Run *original = NULL;
    assert_int_equal(run_create(workload, config, schedule, schedule_count, &original), HEAP_OK);
    Trace *recorded = record(original, config->config.heap_bytes);
    Trace *loaded = through_a_file(recorded);
    Workload replay_workload = trace_workload(loaded);
    Run *replay = NULL;
    assert_int_equal(run_create(&replay_workload, config, NULL, 0, &replay), HEAP_OK);
    run_to_end_checked(replay);
    assert_heaps_equal(run_heap(original), run_heap(replay));
    /* Recording the replay gives the same trace again. */
    Run *second = NULL;
    assert_int_equal(run_create(&replay_workload, config, NULL, 0, &second), HEAP_OK);
    Trace *again = record(second, config->config.heap_bytes);
    assert_int_equal(again->op_count, loaded->op_count);
    for (uint32_t i = 0; i < again->op_count; i++) {
        assert_int_equal(again->ops[i].kind, loaded->ops[i].kind);
        assert_int_equal(again->ops[i].id, loaded->ops[i].id);
        assert_int_equal(again->ops[i].bytes, loaded->ops[i].bytes);
    }
    run_destroy(second);
    run_destroy(replay);
    run_destroy(original);
    trace_destroy(again);
    trace_destroy(loaded);
    trace_destroy(recorded);
}

static void recorded_simulation_replays_identically_for_every_policy(void **state)
{
    (void)state;
    static const uint64_t schedule[] = {100, 700, 1500};
    /* A small heap so that mallocs fail, and slots are malloc'ed again after failing. */
    Workload workload = simulation(11, 3000, 50, 0.5);
    workload.sim.max_request_pages = 200;
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        AllocatorSetup config = tags_setup(8192, (HeapPolicy)policy);
        replay_matches(&workload, &config, NULL, 0);
        replay_matches(&workload, &config, schedule, 3);
    }
}

static void recorded_trace_replay_replays_identically_for_every_policy(void **state)
{
    (void)state;
    Trace *trace = parse("0 3 10\n1\na 0 300\na 1 5000\nf 1\nr 0 600\na 2 100\nc\nf 0\nf 0\nr 1 50\nf 2\n");
    Workload workload = trace_workload(trace);
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++) {
        AllocatorSetup config = tags_setup(2048, (HeapPolicy)policy);
        config.config.alignment = 16;
        replay_matches(&workload, &config, NULL, 0);
    }
    trace_destroy(trace);
}

/* ---- the scenario traces ------------------------------------------------------ */

static Trace *scenario(const char *name)
{
    const char *source = getenv("HEAPVIZ_SOURCE_DIR");
    char path[1024], message[1024];
    assert_non_null(source);
    snprintf(path, sizeof path, "%s/assets/traces/%s", source, name);
    Trace *trace = NULL;
    if (!trace_load(path, &trace, message, sizeof message))
        fail_msg("%s", message);
    return trace;
}

/* The statistics after replaying a scenario on the default 20 MiB heap. */
static HeapStats replay_scenario(const Trace *trace, HeapPolicy policy)
{
    Workload workload = trace_workload(trace);
    Run *run = make_run(&workload, workload_default_heap_bytes(&workload), policy);
    run_to_end_checked(run);
    HeapStats stats = *allocator_stats(run_heap(run));
    run_destroy(run);
    return stats;
}

static void best_beats_first_scenario(void **state)
{
    (void)state;
    Trace *trace = scenario("best-beats-first.rep");
    assert_int_equal(replay_scenario(trace, HEAP_FIRST_FIT).failed_fragmented, 1);
    assert_int_equal(replay_scenario(trace, HEAP_BEST_FIT).failed, 0);
    trace_destroy(trace);
}

static void first_beats_best_scenario(void **state)
{
    (void)state;
    Trace *trace = scenario("first-beats-best.rep");
    assert_int_equal(replay_scenario(trace, HEAP_FIRST_FIT).failed, 0);
    assert_int_equal(replay_scenario(trace, HEAP_BEST_FIT).failed_fragmented, 1);
    trace_destroy(trace);
}

static void coalescing_scenario(void **state)
{
    (void)state;
    Trace *trace = scenario("coalescing.rep");
    Workload workload = trace_workload(trace);
    Run *run = make_run(&workload, workload_default_heap_bytes(&workload), HEAP_FIRST_FIT);
    StepReport report;
    bool merged_both = false;
    while (run_step(run, &report))
        merged_both = merged_both || (report.event.coalesced_previous && report.event.coalesced_next);
    const HeapStats *stats = allocator_stats(run_heap(run));
    assert_true(merged_both);
    assert_int_equal(stats->failed_fragmented, 1);   /* 8 MiB free in two 4 MiB holes */
    assert_int_equal(stats->mallocs, 6);             /* ... then fits once they merge */
    run_destroy(run);
    trace_destroy(trace);
}

static void next_fit_rover_scenario(void **state)
{
    (void)state;
    Trace *trace = scenario("next-fit-rover.rep");
    Workload workload = trace_workload(trace);
    Run *first = make_run(&workload, workload_default_heap_bytes(&workload), HEAP_FIRST_FIT);
    Run *next = make_run(&workload, workload_default_heap_bytes(&workload), HEAP_NEXT_FIT);
    run_to_end_checked(first);
    run_to_end_checked(next);
    const uint64_t mib = 1 << 20;
    /* First fit fills the low hole at once; next fit goes on from its rover,
     * then wraps around to the hole for the last request. */
    assert_int_equal(run_id_payload(first, 5), 2 * mib + 8);
    assert_int_equal(run_id_payload(next, 5), 10 * mib + 8);
    assert_int_equal(run_id_payload(next, 7), 12 * mib + 8);
    assert_int_equal(run_id_payload(next, 8), 2 * mib + 8);
    run_destroy(first);
    run_destroy(next);
    trace_destroy(trace);
}

static void bump_dead_scenario(void **state)
{
    (void)state;
    Trace *trace = scenario("bump-dead.rep");
    HeapStats bump = replay_scenario(trace, HEAP_BUMP);
    assert_int_equal(bump.failed_fragmented, 1);
    assert_true(bump.dead_bytes * 10 >= bump.heap_bytes * 8);   /* 80% of the heap is dead */
    assert_int_equal(replay_scenario(trace, HEAP_FIRST_FIT).failed, 0);
    trace_destroy(trace);
}

static void lisp_seed_scenario(void **state)
{
    (void)state;
    Trace *trace = scenario("lisp-seed.rep");
    static const uint64_t sizes[] = {1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 800, 1600, 2400};
    assert_int_equal(trace->op_count, 15);
    for (int i = 0; i < 13; i++)
        assert_int_equal(trace->ops[i].bytes, sizes[i]);
    assert_int_equal(trace->ops[13].kind, OP_FREE);
    assert_int_equal(trace->ops[14].bytes, 40000);
    HeapStats stats = replay_scenario(trace, HEAP_FIRST_FIT);
    assert_int_equal(stats.mallocs, 14);
    assert_int_equal(stats.frees, 1);
    assert_int_equal(stats.failed, 0);
    trace_destroy(trace);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_of_the_two_workloads),
        cmocka_unit_test(free_of_an_empty_id_is_skipped),
        cmocka_unit_test(realloc_of_an_empty_id_is_a_malloc),
        cmocka_unit_test(a_block_at_payload_zero_is_held),
        cmocka_unit_test(a_malloc_of_zero_that_places_nothing_holds_nothing),
        cmocka_unit_test(failed_realloc_keeps_the_old_block),
        cmocka_unit_test(ids_sharing_a_slot_keep_their_own_blocks),
        cmocka_unit_test(realloc_to_zero_frees_and_empties_the_id),
        cmocka_unit_test(compaction_in_a_trace_moves_the_id_map),
        cmocka_unit_test(scheduled_compactions_take_their_own_steps),
        cmocka_unit_test(advancing_before_a_compaction_stops_at_the_traces_own),
        cmocka_unit_test(steps_without_reports_reach_the_same_heap),
        cmocka_unit_test(advancing_reaches_the_same_heap_as_stepping),
        cmocka_unit_test(advancing_with_hints_reaches_the_same_heap),
        cmocka_unit_test(hints_wait_for_the_heap_to_spread),
        cmocka_unit_test(advancing_unwatched_leaves_the_same_run),
        cmocka_unit_test(clone_and_copy_continue_identically),
        cmocka_unit_test(recorded_simulation_replays_identically_for_every_policy),
        cmocka_unit_test(recorded_trace_replay_replays_identically_for_every_policy),
        cmocka_unit_test(best_beats_first_scenario),
        cmocka_unit_test(first_beats_best_scenario),
        cmocka_unit_test(coalescing_scenario),
        cmocka_unit_test(next_fit_rover_scenario),
        cmocka_unit_test(bump_dead_scenario),
        cmocka_unit_test(lisp_seed_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
