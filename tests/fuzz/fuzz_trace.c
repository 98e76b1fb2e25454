/*
 * fuzz_trace.c - fuzz target: bytes become a trace file.
 *
 * The first byte chooses the reading: odd, the rest of the input as it is
 * (a .rep file unless it starts with '+' or '-'); even, the rest after
 * "+1\n", so it is always read as an OSTEP op list. A failure must be one
 * line "dir/fuzz.rep:LINE: what" with LINE inside the file. A parsed trace
 * must keep the file's own rules (every id inside the header's count, no
 * 'a' of a live id, no 'f' of an id never allocated, lines in order, the
 * header's op count, OSTEP frees of earlier allocations), and, when small,
 * is played on a 4 KiB heap of the policy chosen by the first byte, with
 * allocator_check() after every step. The same text, written to a file and
 * read back a chunk at a time (trace_load_in_chunks, a chunk size chosen by
 * the input's length), must give the same trace or the same message (for a
 * NUL byte, "PATH:LINE: a NUL byte: a trace is text" at its line).
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "fuzz_target.h"
#include "heap.h"
#include "run.h"
#include "trace.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_PLAYED = 4096, PLAYED_HEAP_BYTES = 4096, MESSAGE_BYTES = 512 };

static const char SOURCE[] = "dir/fuzz.rep";
static const char OSTEP_PREFIX[] = "+1\n";

static uint32_t count_lines(const char *text, size_t length)
{
    uint32_t lines = 1;
    for (size_t i = 0; i < length; i++)
        lines += text[i] == '\n';
    return lines;
}

static void check_message(const char *message, uint32_t lines)
{
    size_t prefix = sizeof SOURCE - 1;
    char *end = NULL;
    if (strncmp(message, SOURCE, prefix) != 0 || message[prefix] != ':')
        fuzz_fail("message does not start with the source: '%s'", message);
    unsigned long line = strtoul(message + prefix + 1, &end, 10);
    if (line < 1 || line > lines || strncmp(end, ": ", 2) != 0 || end[2] == '\0')
        fuzz_fail("message has no line inside the file (%u lines): '%s'", lines, message);
    if (strchr(message, '\n'))
        fuzz_fail("message spans several lines: '%s'", message);
}

/* The .rep file's own rules, replayed over the parsed ops. */
static void check_rep_rules(const Trace *trace)
{
    uint8_t *named = calloc(trace->id_count ? trace->id_count : 1, 1);
    uint8_t *live = calloc(trace->id_count ? trace->id_count : 1, 1);
    if (!named || !live)
        fuzz_fail("out of memory checking %u ids", trace->id_count);
    for (uint32_t i = 0; i < trace->op_count; i++) {
        const Op *op = &trace->ops[i];
        if (op->kind == OP_MALLOC && live[op->id])
            fuzz_fail("line %u allocates live id %u", op->line, op->id);
        if (op->kind == OP_FREE && !named[op->id])
            fuzz_fail("line %u frees id %u, never allocated", op->line, op->id);
        if (op->kind == OP_MALLOC || op->kind == OP_REALLOC) {
            named[op->id] = 1;
            live[op->id] = op->kind == OP_MALLOC || op->bytes > 0;
        } else if (op->kind == OP_FREE) {
            live[op->id] = 0;
        }
    }
    free(named);
    free(live);
}

/* An OSTEP list: allocations numbered in order, frees of earlier ones. */
static void check_list_rules(const Trace *trace)
{
    uint32_t allocations = 0;
    for (uint32_t i = 0; i < trace->op_count; i++) {
        const Op *op = &trace->ops[i];
        if (op->kind == OP_MALLOC && op->id != allocations++)
            fuzz_fail("allocation %u got id %u", allocations - 1, op->id);
        if (op->kind == OP_FREE && op->id >= allocations)
            fuzz_fail("op %u frees allocation %u of %u", i, op->id, allocations);
        if (op->kind != OP_MALLOC && op->kind != OP_FREE)
            fuzz_fail("an OSTEP list holds op kind %d", (int)op->kind);
    }
    if (allocations != trace->id_count || trace->weight != 1 || trace->suggested_heap != 0)
        fuzz_fail("OSTEP header: %u ids for %u allocations, weight %u", trace->id_count,
                  allocations, trace->weight);
}

static void check_trace(const Trace *trace, uint32_t lines, bool is_list)
{
    if (strcmp(trace->name, "fuzz.rep") != 0)
        fuzz_fail("trace name '%s'", trace->name);
    if (trace->op_count > 0 && !trace->ops)
        fuzz_fail("%u ops but no array", trace->op_count);
    uint32_t previous_line = 1;
    for (uint32_t i = 0; i < trace->op_count; i++) {
        const Op *op = &trace->ops[i];
        if (op->kind != OP_COMPACT && op->id >= trace->id_count)
            fuzz_fail("op %u: kind %d, id %u of %u", i, (int)op->kind, op->id, trace->id_count);
        if (op->line < previous_line || op->line > lines)
            fuzz_fail("op %u on line %u after line %u (%u lines)", i, op->line, previous_line, lines);
        previous_line = op->line;
    }
    if (is_list)
        check_list_rules(trace);
    else
        check_rep_rules(trace);
}

/* Plays a small trace to its end; the heap must stay consistent throughout. */
static void play(const Trace *trace, HeapPolicy policy)
{
    if (trace->id_count > MAX_PLAYED || trace->op_count > MAX_PLAYED)
        return;
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup config = {&tags_design, allocator_default_config(PLAYED_HEAP_BYTES)};
    config.config.policy = (uint32_t)policy;
    Run *run = NULL;
    if (run_create(&workload, &config, NULL, 0, &run) != HEAP_OK)
        fuzz_fail("run_create refused a parsed trace");
    StepReport report;
    while (run_step(run, &report)) {
        HeapCheck check = allocator_check(run_heap(run));
        if (check.broken != 0)
            fuzz_fail("step %llu (line %u): heap_check broken 0x%x", (unsigned long long)report.step,
                      report.op.line, check.broken);
    }
    if (run_position(run) != trace->op_count)
        fuzz_fail("the run stopped after %llu of %u ops", (unsigned long long)run_position(run),
                  trace->op_count);
    run_destroy(run);
}

/* trace.h's rule: an OSTEP list when the first non-blank character is '+' or '-'. */
static bool starts_as_list(const char *text, size_t length)
{
    size_t i = 0;
    while (i < length && text[i] != '\0' && strchr(" \t\r\v\f\n", text[i]))
        i++;
    return i < length && (text[i] == '+' || text[i] == '-');
}

/* The message a loaded file gets where trace_parse's names SOURCE: the
 * same words after the path. */
static void expect_same_message(const char *parsed, const char *loaded, const char *path)
{
    size_t source = sizeof SOURCE - 1, file = strlen(path);
    if (strncmp(loaded, path, file) != 0 || strcmp(parsed + source, loaded + file) != 0)
        fuzz_fail("read in chunks: '%s', parsed whole: '%s'", loaded, parsed);
}

static void expect_same_trace(const Trace *parsed, const Trace *loaded)
{
    if (parsed->op_count != loaded->op_count || parsed->id_count != loaded->id_count ||
        parsed->suggested_heap != loaded->suggested_heap || parsed->weight != loaded->weight)
        fuzz_fail("read in chunks: %u ops, %u ids; parsed whole: %u ops, %u ids", loaded->op_count,
                  loaded->id_count, parsed->op_count, parsed->id_count);
    for (uint32_t i = 0; i < parsed->op_count; i++) {
        const Op *a = &parsed->ops[i], *b = &loaded->ops[i];
        if (a->kind != b->kind || a->id != b->id || a->bytes != b->bytes || a->line != b->line)
            fuzz_fail("read in chunks: op %u differs", i);
    }
}

/* Writes the text to DIR/fuzz.rep and loads it `chunk` bytes at a time: it
 * must read as trace_parse read it (`parsed`, or its `message`). */
static void check_read_in_chunks(const char *text, size_t length, size_t chunk, const Trace *parsed,
                                 const char *message)
{
    char directory[] = "/tmp/heapviz-fuzz-trace-XXXXXX", path[64];
    if (!mkdtemp(directory))
        fuzz_fail("cannot make a directory under /tmp");
    snprintf(path, sizeof path, "%s/fuzz.rep", directory);
    FILE *file = fopen(path, "wb");
    if (!file || fwrite(text, 1, length, file) != length || fclose(file) != 0)
        fuzz_fail("cannot write %s", path);
    Trace *loaded = NULL;
    char loaded_message[MESSAGE_BYTES] = "";
    bool ok = trace_load_in_chunks(path, chunk, NULL, &loaded, loaded_message, sizeof loaded_message);
    const char *nul = memchr(text, '\0', length);
    if (nul) {
        char expected[MESSAGE_BYTES];
        snprintf(expected, sizeof expected, "%s:%u: a NUL byte: a trace is text", SOURCE,
                 count_lines(text, (size_t)(nul - text)));
        if (ok)
            fuzz_fail("read in chunks: a file with a NUL byte was loaded");
        expect_same_message(expected, loaded_message, path);
    } else if (ok != (parsed != NULL)) {
        fuzz_fail("read in chunks: %s; parsed whole: %s", ok ? "loaded" : loaded_message,
                  parsed ? "loaded" : message);
    } else if (ok) {
        expect_same_trace(parsed, loaded);
    } else {
        expect_same_message(message, loaded_message, path);
    }
    trace_destroy(loaded);
    unlink(path);
    rmdir(directory);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool as_list = data[0] % 2 == 0;
    size_t prefix = as_list ? sizeof OSTEP_PREFIX - 1 : 0;
    size_t length = prefix + size - 1;
    char *text = malloc(length ? length : 1);
    if (!text)
        return 0;
    memcpy(text, OSTEP_PREFIX, prefix);
    memcpy(text + prefix, data + 1, size - 1);
    uint32_t lines = count_lines(text, length);
    char message[MESSAGE_BYTES] = "";
    Trace *trace = NULL;
    static const size_t chunks[] = {1, 2, 3, 5, 8, 13, 64, 4096};
    if (trace_parse(text, length, SOURCE, &trace, message, sizeof message)) {
        check_trace(trace, lines, as_list || starts_as_list(text, length));
        play(trace, (HeapPolicy)(data[0] / 2 % HEAP_POLICY_COUNT));
    } else {
        check_message(message, lines);
    }
    if (length > 0) /* an empty file is read as a stream, whole (a /proc file's size says 0) */
        check_read_in_chunks(text, length, chunks[size % (sizeof chunks / sizeof chunks[0])], trace, message);
    trace_destroy(trace);
    free(text);
    return 0;
}
