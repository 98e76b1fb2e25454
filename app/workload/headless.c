/*
 * headless.c - the headless runner (see headless.h).
 *
 * One table of the statistics fields serves the JSON object, the text table
 * and the CSV columns, so the three always agree on names and order. Output
 * files are opened before the first step (so a bad path fails fast and
 * nothing runs), written while and after the run, and committed together
 * at the end; on any failure all of them are discarded. The recorded
 * trace's header counts the ids and operations, known only at the end, so
 * its operations stream into an unnamed scratch file and follow the header
 * at the end: memory stays bounded however long the run.
 *
 * A trace file is replayed while a second thread still reads it
 * (trace_pipeline.h) when nothing is written step by step; the run's
 * results count only once the whole file passed its checks, so what is
 * printed, and in which order, is what reading the file first would give.
 */
#include "headless.h"
#include "capture_trace.h"
#include "assets.h"
#include "trace.h"
#include "trace_pipeline.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HEAPVIZ_VERSION
#define HEAPVIZ_VERSION "unknown"
#endif

enum { MESSAGE_BYTES = 1024, LABEL_WIDTH = 24, COLUMN_WIDTH = 14 };

typedef struct {
    const char *name;
    size_t offset;               /* in HeapStats */
    bool is_double;
} StatField;

#define STAT(name) {#name, offsetof(HeapStats, name), false}
#define STAT_DOUBLE(name) {#name, offsetof(HeapStats, name), true}
static const StatField STAT_FIELDS[] = {
    STAT(mallocs), STAT(frees), STAT(reallocs), STAT(failed), STAT(failed_fragmented),
    STAT(errors), STAT(compactions), STAT(heap_bytes), STAT(used_blocks), STAT(free_blocks),
    STAT(dead_blocks), STAT(bytes_in_use), STAT(payload_bytes), STAT(free_bytes),
    STAT(dead_bytes), STAT(largest_free), STAT_DOUBLE(external_fragmentation),
    STAT_DOUBLE(internal_fragmentation), STAT(peak_payload), STAT(high_water),
    STAT_DOUBLE(utilization), STAT(examined),
};
#undef STAT
#undef STAT_DOUBLE
enum { STAT_FIELD_COUNT = sizeof STAT_FIELDS / sizeof STAT_FIELDS[0] };

/* Everything one headless run writes, opened up front. */
typedef struct {
    OutputFile *csv;
    OutputFile *record;
    OutputFile *blocks;
    OutputFile *recorded;        /* scratch: the ops issued, with record ids */
    uint64_t recorded_ops;
    uint32_t recorded_ids;       /* highest record id + 1 */
} Outputs;

const char *headless_version(void)
{
    return HEAPVIZ_VERSION;
}

static int complain(int status, const char *message)
{
    fprintf(stderr, "heapviz: %s\n", message);
    return status;
}

/* ---- statistics ---------------------------------------------------------- */

static void write_stat(OutputFile *file, const HeapStats *stats, const StatField *field)
{
    const char *base = (const char *)stats + field->offset;
    if (field->is_double)
        output_file_double(file, *(const double *)base);
    else
        output_file_u64(file, *(const uint64_t *)base);
}

void headless_write_stats_json(OutputFile *file, const Allocator *heap, uint64_t steps)
{
    const HeapStats *stats = allocator_stats(heap);
    char label[128];
    allocator_label(heap, label, sizeof label);
    output_file_char(file, '{');
    for (int i = 0; i < STAT_FIELD_COUNT; i++) {
        output_file_text(file, i ? ",\"" : "\"");
        output_file_text(file, STAT_FIELDS[i].name);
        output_file_text(file, "\":");
        write_stat(file, stats, &STAT_FIELDS[i]);
    }
    output_file_text(file, ",\"policy\":\"");
    output_file_text(file, label);
    output_file_text(file, "\",\"steps\":");
    output_file_u64(file, steps);
    output_file_char(file, '}');
}

static void write_stats_json_array(OutputFile *file, Run *const *runs, uint32_t count)
{
    output_file_char(file, '[');
    for (uint32_t i = 0; i < count; i++) {
        if (i)
            output_file_char(file, ',');
        headless_write_stats_json(file, run_heap(runs[i]), run_position(runs[i]));
    }
    output_file_text(file, "]\n");
}

static void write_cell(OutputFile *file, const char *text, int width)
{
    if ((int)strlen(text) >= width)
        output_file_char(file, ' '); /* a long label still stands apart */
    for (int pad = width - (int)strlen(text); pad > 0; pad--)
        output_file_char(file, ' ');
    output_file_text(file, text);
}

/* A row of the text table: label, then one right-aligned cell per run. */
static void write_text_row(OutputFile *file, const char *label, Run *const *runs, uint32_t count,
                           int field)
{
    output_file_text(file, label);
    write_cell(file, "", LABEL_WIDTH - (int)strlen(label));
    for (uint32_t i = 0; i < count; i++) {
        const HeapStats *stats = allocator_stats(run_heap(runs[i]));
        char cell[128];
        if (field < 0)
            allocator_label(run_heap(runs[i]), cell, sizeof cell);
        else if (field == STAT_FIELD_COUNT)
            snprintf(cell, sizeof cell, "%llu", (unsigned long long)run_position(runs[i]));
        else if (STAT_FIELDS[field].is_double)
            snprintf(cell, sizeof cell, "%.6f",
                     *(const double *)((const char *)stats + STAT_FIELDS[field].offset));
        else
            snprintf(cell, sizeof cell, "%llu",
                     (unsigned long long)*(const uint64_t *)((const char *)stats +
                                                             STAT_FIELDS[field].offset));
        write_cell(file, cell, COLUMN_WIDTH);
    }
    output_file_char(file, '\n');
}

static void write_stats_text(OutputFile *file, Run *const *runs, uint32_t count)
{
    write_text_row(file, "policy", runs, count, -1);
    write_text_row(file, "steps", runs, count, STAT_FIELD_COUNT);
    for (int i = 0; i < STAT_FIELD_COUNT; i++)
        write_text_row(file, STAT_FIELDS[i].name, runs, count, i);
}

/* ---- per-step output ----------------------------------------------------- */

static void write_csv_header(OutputFile *file)
{
    output_file_text(file, "step,op,id,bytes,outcome,payload");
    for (int i = 0; i < STAT_FIELD_COUNT; i++) {
        output_file_char(file, ',');
        output_file_text(file, STAT_FIELDS[i].name);
    }
    output_file_char(file, '\n');
}

static const char *outcome(const StepReport *report)
{
    if (report->skipped)
        return "skipped";
    if (report->error == HEAP_ERROR_OUT_OF_MEMORY)
        return "failed";
    return report->error == HEAP_OK ? "ok" : "error";
}

static void write_csv_row(OutputFile *file, const StepReport *report, const Allocator *heap)
{
    const HeapStats *stats = allocator_stats(heap);
    output_file_u64(file, report->step);
    output_file_char(file, ',');
    output_file_char(file, "afrc"[report->op.kind]);
    output_file_char(file, ',');
    output_file_u64(file, report->op.id);
    output_file_char(file, ',');
    output_file_u64(file, report->op.bytes);
    output_file_char(file, ',');
    output_file_text(file, outcome(report));
    output_file_char(file, ',');
    output_file_u64(file, report->payload);
    for (int i = 0; i < STAT_FIELD_COUNT; i++) {
        output_file_char(file, ',');
        write_stat(file, stats, &STAT_FIELDS[i]);
    }
    output_file_char(file, '\n');
}

void headless_write_blocks(OutputFile *file, const Allocator *heap)
{
    static const char *const states[] = {" used\n", " free\n", " dead\n"};
    HeapBlock block;
    for (bool more = allocator_first_block(heap, &block); more;
         more = allocator_next_block(heap, &block)) {
        output_file_u64(file, block.offset);
        output_file_char(file, ' ');
        output_file_u64(file, block.size);
        output_file_text(file, states[block.state]);
    }
}

/* ---- the run ------------------------------------------------------------- */

/* A trace file, a shipped scenario's name, or an OSTEP op list given inline
 * ("+3,-0,+5", named after itself; its messages say "--trace:LINE"). */
static bool load_trace(const char *argument, Trace **trace, char *message, size_t message_size)
{
    char path[1024];
    assets_resolve_trace(argument, path, sizeof path);
    if (access(path, F_OK) == 0 || !trace_is_op_list(argument)) /* a FIFO is opened once, to read it */
        return trace_load(path, trace, message, message_size) &&
               capture_attach_placements(path, trace, message, message_size);
    if (!trace_parse(argument, strlen(argument), "--trace", trace, message, message_size))
        return false;
    char *name = malloc(strlen(argument) + 1);
    if (name == NULL) {
        trace_destroy(*trace);
        *trace = NULL;
        snprintf(message, message_size, "out of memory");
        return false;
    }
    strcpy(name, argument);
    free((*trace)->name);
    (*trace)->name = name;
    return true;
}

/* Whether a pane's design replays a recording (recorded). */
static bool replays_recording(const Options *options)
{
    bool needed = options->heap.design->features & ALLOCATOR_REPLAYS_RECORDING;
    for (uint32_t i = 0; i < options->compare_count; i++)
        needed = needed || (options->compare[i].design->features & ALLOCATOR_REPLAYS_RECORDING);
    return needed;
}

/* A design that replays a recording needs a capture's sidecar, and a
 * trace that places at least one block. */
static bool recording_present(const Options *options, const Trace *trace, const AllocatorSetup *setup,
                              char *message, size_t message_size)
{
    if (!replays_recording(options) || setup->config.recorded.count > 0)
        return true;
    if (trace && trace->placement_addresses) /* a sidecar was read */
        snprintf(message, message_size,
                 "%s places no block (it has no a or r line): the recorded allocator has nothing to replay",
                 trace->name ? trace->name : "the trace");
    else
        snprintf(message, message_size,
             "the recorded allocator replays a capture: give --trace FILE (or --capture FILE) "
             "where FILE.addr holds glibc's addresses");
    return false;
}

/* The workload of `trace` (NULL: the simulation) and the heap setup the
 * options give for it; false with the sentence in `message` if a design
 * needs a recording the trace lacks. */
static bool prepare_workload(const Options *options, const Trace *trace, Workload *workload,
                             AllocatorSetup *setup, char *message, size_t message_size)
{
    memset(workload, 0, sizeof *workload);
    workload->kind = trace ? WORKLOAD_TRACE : WORKLOAD_SIMULATION;
    workload->sim = options->sim;
    workload->trace = trace;
    *setup = options->heap;
    if (!options->heap_size_given)
        setup->config.heap_bytes = workload_default_heap_bytes(workload);
    if (trace)
        setup->config.recorded = trace_placements(trace);
    return recording_present(options, trace, setup, message, message_size);
}

bool headless_load(const Options *options, Workload *workload, Trace **trace, AllocatorSetup *setup,
                   char *message, size_t message_size)
{
    *trace = NULL;
    if (options->trace_path && !load_trace(options->trace_path, trace, message, message_size))
        return false;
    if (prepare_workload(options, *trace, workload, setup, message, message_size))
        return true;
    trace_destroy(*trace);
    *trace = NULL;
    return false;
}

static void discard_outputs(Outputs *outputs)
{
    output_file_discard(outputs->csv);
    output_file_discard(outputs->record);
    output_file_discard(outputs->blocks);
    output_file_discard(outputs->recorded);
    memset(outputs, 0, sizeof *outputs);
}

static bool open_output(const char *path, OutputFile **file, char *message)
{
    return !path || (*file = output_file_open(path, message, MESSAGE_BYTES)) != NULL;
}

static bool open_outputs(const Options *options, Outputs *outputs, char *message)
{
    bool ok = open_output(options->csv_path, &outputs->csv, message) &&
              open_output(options->record_path, &outputs->record, message) &&
              open_output(options->blocks_path, &outputs->blocks, message);
    if (ok && outputs->record)
        ok = (outputs->recorded = output_file_open_scratch(options->record_path, message,
                                                           MESSAGE_BYTES)) != NULL;
    if (ok && outputs->csv)
        write_csv_header(outputs->csv);
    return ok;
}

/* Steps one run to `stop`, writing CSV rows and recording ops as it goes. */
static void run_to(Run *run, uint64_t stop, Outputs *outputs)
{
    StepReport report;
    if (!outputs->csv && !outputs->recorded) {
        /* Nothing is written per step, so no step needs a report. */
        run_advance(run, stop);
        return;
    }
    while (run_position(run) < stop && run_step(run, &report)) {
        if (outputs->csv)
            write_csv_row(outputs->csv, &report, run_heap(run));
        if (outputs->recorded) {
            Op op = {.kind = report.op.kind, .id = report.record_id, .bytes = report.op.bytes};
            trace_write_op(outputs->recorded, &op);
            outputs->recorded_ops++;
            if (op.kind != OP_COMPACT && op.id >= outputs->recorded_ids)
                outputs->recorded_ids = op.id + 1;
        }
    }
}

/* Writes the end-of-run files and commits them all, or none. */
static bool finish_outputs(Outputs *outputs, const Run *run, char *message)
{
    bool ok = true;
    if (outputs->record) {
        const AllocatorConfig *config = allocator_config(run_heap(run));
        trace_write_header(outputs->record, config->heap_bytes, outputs->recorded_ids,
                           (uint32_t)outputs->recorded_ops, 1);
        output_file_append_scratch(outputs->record, outputs->recorded);
        outputs->recorded = NULL;
    }
    if (ok && outputs->blocks)
        headless_write_blocks(outputs->blocks, run_heap(run));
    OutputFile **files[] = {&outputs->csv, &outputs->record, &outputs->blocks};
    for (int i = 0; i < 3 && ok; i++) {
        if (*files[i])
            ok = output_file_commit(*files[i], message, MESSAGE_BYTES);
        *files[i] = NULL;
    }
    discard_outputs(outputs);
    return ok;
}

static bool print_stats(const Options *options, Run *const *runs, uint32_t count, char *message)
{
    OutputFile *out = output_file_open("-", message, MESSAGE_BYTES);
    if (!out)
        return false;
    if (options->stats == STATS_JSON && options->compare_count > 0)
        write_stats_json_array(out, runs, count);
    else if (options->stats == STATS_JSON)
        headless_write_stats_json(out, run_heap(runs[0]), run_position(runs[0]));
    else if (options->stats == STATS_TEXT)
        write_stats_text(out, runs, count);
    if (options->stats == STATS_JSON && options->compare_count == 0)
        output_file_char(out, '\n');
    return output_file_commit(out, message, MESSAGE_BYTES);
}

/* Pane i's setup: the compare list's design and policy, or `setup` itself. */
static AllocatorSetup pane_setup(const Options *options, const AllocatorSetup *setup, uint32_t i)
{
    AllocatorSetup pane = *setup;
    if (options->compare_count) {
        pane.design = options->compare[i].design;
        pane.config.policy = options->compare[i].policy;
    }
    return pane;
}

/* Whether the design takes the configuration (running out of memory is
 * another matter, reported when the run is made). */
static bool design_accepts(const AllocatorSetup *setup)
{
    Allocator *heap = NULL;
    HeapError error = allocator_create(setup, &heap);
    allocator_destroy(heap);
    return error != HEAP_ERROR_INVALID_CONFIG;
}

/* Says why the design refuses `setup`: the smallest heap that takes the
 * same alignment and minimum payload, found by trying (designs differ in
 * what a block needs), or that none up to the largest heap does. */
static bool explain_refusal(const AllocatorSetup *setup, char *message, size_t size)
{
    const AllocatorConfig *config = &setup->config;
    AllocatorSetup probe = *setup;
    probe.config.heap_bytes = OPTIONS_MAX_HEAP_BYTES;
    uint64_t low = config->heap_bytes, high = probe.config.heap_bytes;
    if (low >= high || !design_accepts(&probe)) {
        snprintf(message, size, "--align %llu and --min-payload %llu: the %s allocator cannot hold "
                 "one block in any heap up to %llu bytes (the largest heapviz makes)",
                 (unsigned long long)config->alignment, (unsigned long long)config->min_payload,
                 setup->design->name, (unsigned long long)OPTIONS_MAX_HEAP_BYTES);
        return false;
    }
    while (high - low > 1) { /* low is refused, high is taken */
        probe.config.heap_bytes = low + (high - low) / 2;
        *(design_accepts(&probe) ? &high : &low) = probe.config.heap_bytes;
    }
    snprintf(message, size, "a %llu-byte heap cannot hold one block with --align %llu and "
             "--min-payload %llu: the %s allocator needs --heap-bytes %llu or more",
             (unsigned long long)config->heap_bytes, (unsigned long long)config->alignment,
             (unsigned long long)config->min_payload, setup->design->name,
             (unsigned long long)high);
    return false;
}

bool headless_setup_fits(const Options *options, const AllocatorSetup *setup, char *message,
                         size_t message_size)
{
    uint32_t count = options->compare_count ? options->compare_count : 1;
    for (uint32_t i = 0; i < count; i++) {
        AllocatorSetup pane = pane_setup(options, setup, i);
        if (!design_accepts(&pane))
            return explain_refusal(&pane, message, message_size);
    }
    return true;
}

/* Creates one run per pane (the compare list, or the configured design and
 * policy); 0, or the exit status with the sentence in `message`. */
static int create_runs(const Options *options, const Workload *workload, const AllocatorSetup *setup,
                       Run **runs, uint32_t *count, char *message)
{
    *count = options->compare_count ? options->compare_count : 1;
    for (uint32_t i = 0; i < *count; i++) {
        AllocatorSetup pane = pane_setup(options, setup, i);
        HeapError error = run_create(workload, &pane, NULL, 0, &runs[i]);
        /* Why is worked out only on a refusal: trying costs a heap (`recorded`
         * lays out a whole capture). */
        if (error == HEAP_ERROR_INVALID_CONFIG && !headless_setup_fits(options, setup, message, MESSAGE_BYTES))
            return EXIT_BAD_USAGE;
        if (error != HEAP_OK) {
            snprintf(message, MESSAGE_BYTES, "cannot set up a %llu-byte heap: %s",
                     (unsigned long long)pane.config.heap_bytes, heap_error_message(error));
            return error == HEAP_ERROR_INVALID_CONFIG ? EXIT_BAD_USAGE : EXIT_BAD_INPUT;
        }
    }
    return 0;
}

/* Checks --at-step and creates the runs at step 0, nothing printed: 0, or
 * the exit status with the sentence in `message`. *stop is where they end. */
static int start_runs(const Options *options, const Workload *workload, const AllocatorSetup *setup,
                      Run **runs, uint32_t *count, uint64_t *stop, char *message)
{
    uint64_t steps = workload_base_steps(workload);
    *stop = options->at_step_given ? options->at_step : steps;
    if (!options_at_step_fits(options, steps, message, MESSAGE_BYTES))
        return EXIT_BAD_USAGE;
    AllocatorSetup quiet = *setup; /* only --csv and --record read the steps' events */
    quiet.config.events_unread = !options->csv_path && !options->record_path;
    return create_runs(options, workload, &quiet, runs, count, message);
}

/* Steps the runs to `stop` and writes what the options ask for: the output
 * files (all or none), then the statistics. Returns the exit status. */
static int finish_runs(const Options *options, Run *const *runs, uint32_t count, uint64_t stop)
{
    char message[MESSAGE_BYTES];
    Outputs outputs = {0};
    int status = 0;
    if (!open_outputs(options, &outputs, message))
        status = complain(EXIT_BAD_INPUT, message);
    for (uint32_t i = 0; status == 0 && i < count; i++)
        run_to(runs[i], stop, &outputs);
    if (status == 0 && !finish_outputs(&outputs, runs[0], message))
        status = complain(EXIT_BAD_INPUT, message);
    discard_outputs(&outputs);
    if (status == 0 && !print_stats(options, runs, count, message))
        status = complain(EXIT_BAD_INPUT, message);
    return status;
}

static void destroy_runs(Run **runs, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        run_destroy(runs[i]);
}

static int run_headless(const Options *options, const Workload *workload, const AllocatorSetup *setup)
{
    char message[MESSAGE_BYTES];
    Run *runs[OPTIONS_MAX_COMPARE] = {NULL};
    uint32_t count = 0;
    uint64_t stop = 0;
    int status = start_runs(options, workload, setup, runs, &count, &stop, message);
    status = status ? complain(status, message) : finish_runs(options, runs, count, stop);
    destroy_runs(runs, count);
    return status;
}

/* headless_run once the trace (NULL: the simulation) is loaded. */
static int run_loaded(const Options *options, const Trace *trace)
{
    char message[MESSAGE_BYTES];
    Workload workload;
    AllocatorSetup setup;
    if (!prepare_workload(options, trace, &workload, &setup, message, sizeof message))
        return complain(EXIT_BAD_INPUT, message);
    return run_headless(options, &workload, &setup);
}

/* ---- replaying a trace while it is read (trace_pipeline.h) --------------- */

/* A pipeline reading the trace file, when the run may replay it as it is
 * read: nothing is written step by step (a later parse error would leave
 * it half-written) and no design replays a recording (its sidecar is read
 * after the trace). NULL otherwise: the trace is read first. */
static TracePipeline *start_pipeline(const Options *options, char *path, size_t path_size)
{
    if (!options->trace_path || options->csv_path || options->record_path ||
        replays_recording(options))
        return NULL;
    assets_resolve_trace(options->trace_path, path, path_size);
    if (access(path, F_OK) != 0) /* perhaps an inline OSTEP list; not opened, as a FIFO is read once */
        return NULL;
    return trace_pipeline_start(path);
}

/* Steps every run to `stop` through the operations as the pipeline hands
 * them out. Returns false, early, if the file is refused or holds a
 * compaction: a run that indexes its map by id scans every id at each one
 * (a capture's millions), so such a trace is replayed with slots once read. */
static bool replay_as_parsed(TracePipeline *pipeline, Run *const *runs, uint32_t count,
                             uint64_t stop)
{
    uint64_t done = 0;
    while (done < stop) {
        uint32_t ready = trace_pipeline_wait(pipeline, (uint32_t)done);
        if (ready <= done)
            return false;
        done = ready < stop ? ready : stop;
        for (uint32_t i = 0; i < count; i++)
            if (!run_advance_before_compaction(runs[i], done))
                return false;
    }
    return true;
}

/* Replays the trace on the runs while the pipeline reads it, if the view's
 * runs can be made; what is printed is decided only once the whole file is
 * read, in the order of the sequential path: the file's errors, the
 * sidecar's, then the run's (from the sequential path itself, on the
 * loaded trace, if the view's runs could not be made). */
static int run_pipelined(const Options *options, TracePipeline *pipeline, const char *path)
{
    char message[MESSAGE_BYTES];
    Trace view, *trace = NULL;
    Workload workload;
    AllocatorSetup setup;
    Run *runs[OPTIONS_MAX_COMPARE] = {NULL};
    uint32_t count = 0;
    uint64_t stop = 0;
    bool streamed = trace_pipeline_view(pipeline, &view) &&
                    prepare_workload(options, &view, &workload, &setup, message, sizeof message) &&
                    start_runs(options, &workload, &setup, runs, &count, &stop, message) == 0;
    if (streamed)
        streamed = replay_as_parsed(pipeline, runs, count, stop);
    int status = 0;
    if (!trace_pipeline_finish(pipeline, &trace, message, sizeof message) ||
        !capture_attach_placements(path, &trace, message, sizeof message))
        status = complain(EXIT_BAD_INPUT, message);
    else if (streamed)
        status = finish_runs(options, runs, count, stop);
    destroy_runs(runs, count);
    if (trace && !streamed) /* refused files and sidecars left no trace */
        status = trace_number_slots(trace) ? run_loaded(options, trace)
                                           : complain(EXIT_BAD_INPUT, "out of memory: the trace's ids cannot be numbered");
    trace_destroy(trace);
    return status;
}

int headless_run(const Options *options)
{
    char message[MESSAGE_BYTES], path[1024];
    TracePipeline *pipeline = start_pipeline(options, path, sizeof path);
    if (pipeline)
        return run_pipelined(options, pipeline, path);
    Trace *trace = NULL;
    if (options->trace_path && !load_trace(options->trace_path, &trace, message, sizeof message))
        return complain(EXIT_BAD_INPUT, message);
    int status = run_loaded(options, trace);
    trace_destroy(trace);
    return status;
}
