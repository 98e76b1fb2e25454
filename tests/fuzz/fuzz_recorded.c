/*
 * fuzz_recorded.c - fuzz target: bytes become a captured trace and its
 * sidecar of glibc's addresses, replayed on the `recorded` design.
 *
 * The input is a .rep trace, a NUL byte, then the sidecar (capture_trace.h:
 * one `THREAD CALL ADDRESS USABLE` line per operation); without a NUL there
 * is no sidecar. Both are written as files (the sidecar is only ever read
 * from TRACE.addr), the trace is loaded and the sidecar attached. A refused
 * sidecar must say one line "DIR/fuzz.rep.addr:LINE: what" with LINE inside
 * the sidecar (or just past its last line, for one that ends too soon), and
 * must leave no trace behind. An accepted one holds one placement per `a`
 * and `r`; a small trace with any is then replayed on `recorded` with
 * allocator_check() after every step, and a clone taken halfway, copied
 * onto a clone of the end, must give back the statistics it had.
 */
#define _GNU_SOURCE
#include "capture_trace.h"
#include "fuzz_target.h"
#include "run.h"
#include "trace.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_PLAYED = 2048, MESSAGE_BYTES = 512, PATH_BYTES = 256 };

/* The directory the two files go to, made for one input and removed with
 * them after it (the replay test runs each input in a process of its own). */
static void make_scratch(char *directory, size_t size)
{
    snprintf(directory, size, "/tmp/heapviz-fuzz-recorded-XXXXXX");
    if (!mkdtemp(directory))
        fuzz_fail("cannot make a directory under /tmp");
}

static void remove_scratch(const char *directory, const char *trace_path, const char *sidecar_path)
{
    unlink(trace_path);
    unlink(sidecar_path);
    if (rmdir(directory) != 0)
        fuzz_fail("cannot remove %s", directory);
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *file = fopen(path, "wb");
    if (!file || fwrite(data, 1, size, file) != size || fclose(file) != 0)
        fuzz_fail("cannot write %s", path);
}

static uint32_t count_lines(const uint8_t *data, size_t size)
{
    uint32_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    return lines;
}

/* "SIDECAR:LINE: what", one line, LINE in 1 .. lines + 1. */
static void check_message(const char *message, const char *sidecar, uint32_t lines)
{
    size_t prefix = strlen(sidecar);
    char *end = NULL;
    if (strncmp(message, sidecar, prefix) != 0 || message[prefix] != ':')
        fuzz_fail("message does not start with the sidecar's path: '%s'", message);
    unsigned long line = strtoul(message + prefix + 1, &end, 10);
    if (line < 1 || line > (unsigned long)lines + 1 || strncmp(end, ": ", 2) != 0 || end[2] == '\0')
        fuzz_fail("message has no line inside the sidecar (%u lines): '%s'", lines, message);
    if (strchr(message, '\n'))
        fuzz_fail("message spans several lines: '%s'", message);
}

/* One placement per `a` and `r`, each naming an address of the list. */
static void check_placements(const Trace *trace)
{
    uint64_t placing = 0;
    for (uint32_t i = 0; i < trace->op_count; i++)
        placing += trace->ops[i].kind == OP_MALLOC || trace->ops[i].kind == OP_REALLOC;
    if (trace->placement_count != placing)
        fuzz_fail("%llu placements for %llu a and r lines", (unsigned long long)trace->placement_count,
                  (unsigned long long)placing);
    for (uint64_t k = 0; k < trace->placement_count; k++)
        if (trace->placement_address_of[k] >= trace->placement_address_count)
            fuzz_fail("placement %llu names address %u of %llu", (unsigned long long)k,
                      trace->placement_address_of[k],
                      (unsigned long long)trace->placement_address_count);
}

static void expect_consistent(const Allocator *heap, uint64_t step)
{
    HeapCheck check = allocator_check(heap);
    if (check.broken != 0)
        fuzz_fail("step %llu: recorded's check broken 0x%x at offset %llu",
                  (unsigned long long)step, check.broken, (unsigned long long)check.first_offset);
}

/* Replays a small trace on `recorded`; a clone taken halfway, copied onto
 * a clone of the end, must give back the statistics it had. */
static void play(const Trace *trace)
{
    if (trace->id_count > MAX_PLAYED || trace->op_count > MAX_PLAYED)
        return;
    Workload workload = {.kind = WORKLOAD_TRACE, .trace = trace};
    AllocatorSetup setup = {allocator_design_find("recorded"), allocator_default_config(0)};
    setup.config.recorded = trace_placements(trace);
    Run *run = NULL;
    HeapError error = run_create(&workload, &setup, NULL, 0, &run);
    if (error != HEAP_OK)
        fuzz_fail("run_create refused an accepted capture: %s", heap_error_message(error));
    Allocator *half = NULL;
    HeapStats at_half = {0};
    StepReport report;
    while (run_step(run, &report)) {
        expect_consistent(run_heap(run), report.step);
        if (report.step == trace->op_count / 2 + 1) {
            if (allocator_clone(run_heap(run), &half) != HEAP_OK)
                fuzz_fail("step %llu: the clone failed", (unsigned long long)report.step);
            at_half = *allocator_stats(half);
        }
    }
    Allocator *end = NULL;
    if (half) {
        if (allocator_clone(run_heap(run), &end) != HEAP_OK || allocator_copy(end, half) != HEAP_OK)
            fuzz_fail("copying the halfway clone onto the end's failed");
        expect_consistent(end, trace->op_count);
        if (memcmp(allocator_stats(end), &at_half, sizeof at_half) != 0)
            fuzz_fail("the copy's statistics differ from the clone's");
    }
    allocator_destroy(end);
    allocator_destroy(half);
    run_destroy(run);
}

/* Loads the trace and attaches the sidecar (written at the two paths), and
 * checks what comes of them. */
static void load_and_play(const char *trace_path, const char *sidecar_path, const uint8_t *sidecar,
                          size_t sidecar_bytes)
{
    char message[MESSAGE_BYTES] = "";
    Trace *trace = NULL;
    if (!trace_load(trace_path, &trace, message, sizeof message))
        return; /* the trace reader has a target of its own */
    if (!capture_attach_placements(trace_path, &trace, message, sizeof message)) {
        if (trace)
            fuzz_fail("a refused sidecar left its trace");
        check_message(message, sidecar_path, count_lines(sidecar, sidecar_bytes));
        return;
    }
    if (sidecar) {
        check_placements(trace);
        if (trace->placement_count > 0) /* else the runner says there is nothing to replay */
            play(trace);
    } else if (trace->placement_count != 0) {
        fuzz_fail("%llu placements without a sidecar", (unsigned long long)trace->placement_count);
    }
    trace_destroy(trace);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *split = memchr(data, '\0', size);
    size_t trace_bytes = split ? (size_t)(split - data) : size;
    char directory[PATH_BYTES], trace_path[PATH_BYTES + 16], sidecar_path[PATH_BYTES + 24];
    make_scratch(directory, sizeof directory);
    snprintf(trace_path, sizeof trace_path, "%s/fuzz.rep", directory);
    snprintf(sidecar_path, sizeof sidecar_path, "%s.addr", trace_path);
    write_file(trace_path, data, trace_bytes);
    if (split)
        write_file(sidecar_path, split + 1, size - trace_bytes - 1);
    load_and_play(trace_path, sidecar_path, split ? split + 1 : NULL, split ? size - trace_bytes - 1 : 0);
    remove_scratch(directory, trace_path, sidecar_path);
    return 0;
}
