/*
 * test_capture_trace.c - capture log records to a .rep trace and its
 * sidecar (capture_trace.h), on records made by hand, against .rep and
 * sidecar text written out by hand from the rules in capture_trace.h.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture_trace.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char directory[] = "/tmp/heapviz-capture-trace-XXXXXX";

static void read_text(const char *path, char *buffer, size_t size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    size_t length = fread(buffer, 1, size - 1, file);
    buffer[length] = '\0';
    fclose(file);
}

/* Converts the records and returns the .rep and sidecar texts. */
static void convert(const CaptureRecord *records, uint64_t count, char *rep_text,
                    char *sidecar_text, size_t size, CaptureCounts *counts)
{
    char rep_path[128], sidecar_path[128], message[256];
    snprintf(rep_path, sizeof rep_path, "%s/t.rep", directory);
    snprintf(sidecar_path, sizeof sidecar_path, "%s/t.rep.addr", directory);
    OutputFile *rep = output_file_open(rep_path, message, sizeof message);
    OutputFile *sidecar = output_file_open(sidecar_path, message, sizeof message);
    assert_true(capture_trace_write(records, count, rep, sidecar, counts));
    assert_true(output_file_commit(rep, message, sizeof message));
    assert_true(output_file_commit(sidecar, message, sizeof message));
    read_text(rep_path, rep_text, size);
    read_text(sidecar_path, sidecar_text, size);
    unlink(rep_path);
    unlink(sidecar_path);
}

/* A record as the library writes it (capture_log.h): an aligned call's
 * alignment where the others keep their pointer. */
#define RECORD(call_, thread_, pointer_, result_, bytes_, alignment_, usable_)                        \
    {.call = (call_), .thread = (thread_),                                                             \
     .pointer = (call_) >= CAPTURE_POSIX_MEMALIGN && (call_) <= CAPTURE_PVALLOC ? (alignment_) : (pointer_), \
     .result = (result_), .bytes = (bytes_), .usable = (usable_)}

static void test_every_rule(void **state)
{
    (void)state;
    static const CaptureRecord records[] = {
        RECORD(CAPTURE_MALLOC, 1, 0, 0x1010, 24, 0, 24),
        RECORD(CAPTURE_CALLOC, 2, 0, 0x1030, 24, 0, 24),
        RECORD(CAPTURE_FREE, 1, 0x9999, 0, 0, 0, 0),            /* never returned: counted */
        RECORD(CAPTURE_REALLOC, 1, 0x1010, 0x2000, 100, 0, 104), /* moves, keeps id 0 */
        RECORD(CAPTURE_REALLOC, 1, 0x1030, 0, 0, 0, 0),          /* realloc(p, 0): a free */
        RECORD(CAPTURE_MALLOC, 1, 0, 0, UINT64_C(1) << 62, 0, 0), /* NULL: left out */
        RECORD(CAPTURE_REALLOC, 1, 0, 0x1030, 16, 0, 24),        /* realloc(NULL, n): malloc */
        RECORD(CAPTURE_REALLOCARRAY, 1, 0x7777, 0x3000, 40, 0, 40), /* unknown: a malloc */
        RECORD(CAPTURE_POSIX_MEMALIGN, 1, 0, 0x4000, 100, 64, 104),
        RECORD(CAPTURE_MALLOC, 1, 0, 0x4000, 8, 0, 24),          /* 0x4000 freed unseen */
        RECORD(CAPTURE_FREE, 1, 0x2000, 0, 0, 0, 0),
    };
    char rep[4096], sidecar[4096];
    CaptureCounts counts;
    convert(records, sizeof records / sizeof records[0], rep, sidecar, sizeof rep, &counts);
    /* peak: 32 + 32 -> 32 + 112 (the realloc) -> ... -> 112 + 32 + 48 + 112 = 304 */
    assert_string_equal(rep, "304\n6\n10\n1\n"
                             "a 0 24\na 1 24\nr 0 100\nf 1\na 2 16\na 3 40\na 4 100\nf 4\n"
                             "a 5 8\nf 0\n");
    assert_string_equal(sidecar, "1 malloc 0x1010 24\n"
                                 "2 calloc 0x1030 24\n"
                                 "1 realloc 0x2000 104\n"
                                 "1 realloc 0x1030 0\n"
                                 "1 realloc 0x1030 24\n"
                                 "1 reallocarray 0x3000 40\n"
                                 "1 posix_memalign:64 0x4000 104\n"
                                 "1 unseen-free 0x4000 0\n"
                                 "1 malloc 0x4000 24\n"
                                 "1 free 0x2000 0\n");
    assert_int_equal(counts.calls, 11);
    assert_int_equal(counts.operations, 10);
    assert_int_equal(counts.ids, 6);
    assert_int_equal(counts.failed, 1);
    assert_int_equal(counts.unknown_frees, 2);
    assert_int_equal(counts.threads, 2);
    assert_int_equal(counts.peak_bytes, 304);
}

/* A failed realloc leaves the block where it was, under its id. */
static void test_failed_realloc_keeps_the_block(void **state)
{
    (void)state;
    static const CaptureRecord records[] = {
        RECORD(CAPTURE_MALLOC, 1, 0, 0x1010, 24, 0, 24),
        RECORD(CAPTURE_REALLOC, 1, 0x1010, 0, 1000, 0, 0),
        RECORD(CAPTURE_FREE, 1, 0x1010, 0, 0, 0, 0),
    };
    char rep[512], sidecar[512];
    CaptureCounts counts;
    convert(records, 3, rep, sidecar, sizeof rep, &counts);
    assert_string_equal(rep, "32\n1\n2\n1\na 0 24\nf 0\n");
    assert_int_equal(counts.failed, 1);
}

/* Many live blocks at once: the address map grows and deletes correctly. */
static void test_many_live_blocks(void **state)
{
    (void)state;
    enum { BLOCKS = 5000 };
    CaptureRecord *records = calloc(2 * BLOCKS, sizeof *records);
    for (uint64_t i = 0; i < BLOCKS; i++) {
        records[i] = (CaptureRecord)RECORD(CAPTURE_MALLOC, 1, 0, 0x10000 + 32 * i, 16, 0, 24);
        /* freed in an order unrelated to the hash: every third, then the rest */
        uint64_t victim = (i * 3) % BLOCKS;
        records[BLOCKS + i] = (CaptureRecord)RECORD(CAPTURE_FREE, 1, 0x10000 + 32 * victim, 0, 0, 0, 0);
    }
    CaptureCounts counts;
    assert_true(capture_trace_count(records, 2 * BLOCKS, &counts));
    assert_int_equal(counts.ids, BLOCKS);
    assert_int_equal(counts.operations, 2 * BLOCKS);
    assert_int_equal(counts.unknown_frees, 0);
    assert_int_equal(counts.peak_bytes, BLOCKS * 32);
    free(records);
}

/* ---- reading the sidecar back (capture_attach_placements) ---------------- */

/* Writes `length` bytes of `text` as DIRECTORY/t.rep.addr and attaches it to
 * a trace of `ops`; the trace (NULL if refused) and the message. */
static Trace *attach(const char *text, size_t length, const Op *ops, uint32_t count, char *message,
                     size_t message_size)
{
    char rep_path[128], sidecar_path[128];
    snprintf(rep_path, sizeof rep_path, "%s/t.rep", directory);
    snprintf(sidecar_path, sizeof sidecar_path, "%s/t.rep.addr", directory);
    FILE *file = fopen(sidecar_path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(text, 1, length, file), length);
    assert_int_equal(fclose(file), 0);
    Trace *trace = trace_create("t.rep", 0, count, ops, count);
    assert_non_null(trace);
    message[0] = '\0';
    bool ok = capture_attach_placements(rep_path, &trace, message, message_size);
    assert_int_equal(ok, trace != NULL);
    unlink(sidecar_path);
    return trace;
}

enum { MANY_IDS = 40000 };

/* Id i is allocated at 0x10 + i * 0x1234567 (2 to 11 hex digits) with
 * i * 7 % 100000 usable bytes, then freed: 2 * MANY_IDS ops. */
static uint64_t many_address(uint32_t id) { return 0x10 + (uint64_t)id * 0x1234567; }
static uint64_t many_usable(uint32_t id) { return (uint64_t)id * 7 % 100000; }

/* The sidecar of those ops, each line padded after THREAD to `width`
 * bytes (0: not padded); the last newline left out if `last_newline` is false. */
static char *many_sidecar(const Op *ops, size_t width, bool last_newline, size_t *length)
{
    char *text = malloc((size_t)2 * MANY_IDS * 128);
    size_t at = 0;
    for (uint32_t i = 0; i < 2 * MANY_IDS; i++) {
        uint32_t id = ops[i].id;
        char rest[96];
        int rest_length = ops[i].kind == OP_MALLOC
            ? snprintf(rest, sizeof rest, " %s 0x%llx %llu\n", id % 2 ? "memalign:64" : "malloc",
                       (unsigned long long)many_address(id), (unsigned long long)many_usable(id))
            : snprintf(rest, sizeof rest, " free 0x%llx 0\n", (unsigned long long)many_address(id));
        int thread_length = sprintf(text + at, "%u", id % 5 + 1);
        at += (size_t)thread_length;
        for (size_t pad = (size_t)thread_length + (size_t)rest_length; pad < width; pad++)
            text[at++] = ' ';
        memcpy(text + at, rest, (size_t)rest_length);
        at += (size_t)rest_length;
    }
    *length = last_newline ? at : at - 1;
    return text;
}

/* A sidecar of millions of lines is read a chunk (1 MiB) at a time: lines
 * that end exactly at a chunk's end (64-byte lines), lines cut by it (48 and
 * 37 bytes, unpadded), a file without its last newline - each placement
 * comes back as written. */
static void test_sidecar_reads_back_every_placement(void **state)
{
    (void)state;
    Op *ops = calloc(2 * MANY_IDS, sizeof *ops);
    for (uint32_t i = 0; i < MANY_IDS; i++) {
        ops[2 * i] = (Op){.bytes = 1, .id = i, .kind = OP_MALLOC};
        ops[2 * i + 1] = (Op){.id = i, .kind = OP_FREE};
    }
    static const size_t widths[] = {64, 48, 37, 0};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        for (int newline = 0; newline < 2; newline++) {
            size_t length;
            char *text = many_sidecar(ops, widths[w], newline, &length);
            char message[512];
            Trace *trace = attach(text, length, ops, 2 * MANY_IDS, message, sizeof message);
            if (trace == NULL)
                fail_msg("width %zu: %s", widths[w], message);
            assert_int_equal(trace->placement_count, MANY_IDS);
            assert_int_equal(trace->placement_address_count, MANY_IDS); /* every address new */
            uint64_t k = 0;
            for (uint32_t i = 0; i < 2 * MANY_IDS; i++) {
                if (ops[i].kind != OP_MALLOC)
                    continue;
                assert_int_equal(trace->placement_address_of[k], k);
                assert_int_equal(trace->placement_addresses[k], many_address(ops[i].id));
                assert_int_equal(trace->placement_usable[k++], many_usable(ops[i].id));
            }
            trace_destroy(trace);
            free(text);
        }
    }
    free(ops);
}

/* An address glibc gives again is listed once: each placement names it by
 * its index (the order addresses were first seen); frees add nothing. */
static void test_sidecar_lists_each_address_once(void **state)
{
    (void)state;
    static const Op ops[] = {{.bytes = 24, .id = 0, .kind = OP_MALLOC}, {.bytes = 40, .id = 1, .kind = OP_MALLOC},
                             {.id = 0, .kind = OP_FREE},                {.bytes = 24, .id = 2, .kind = OP_MALLOC},
                             {.bytes = 100, .id = 1, .kind = OP_REALLOC}, {.bytes = 48, .id = 2, .kind = OP_REALLOC},
                             {.id = 1, .kind = OP_FREE}};
    static const char text[] = "1 malloc 0x1010 24\n"
                               "1 malloc 0x1030 40\n"
                               "1 free 0x1010 0\n"
                               "2 malloc 0x1010 24\n"     /* 0x1010 again */
                               "1 realloc 0x2000 104\n"   /* moved */
                               "2 realloc 0x1010 56\n"    /* grown in place */
                               "1 free 0x2000 0\n";
    char message[512];
    Trace *trace = attach(text, strlen(text), ops, 7, message, sizeof message);
    if (trace == NULL)
        fail_msg("%s", message);
    static const uint64_t addresses[] = {0x1010, 0x1030, 0x2000};
    static const uint32_t address_of[] = {0, 1, 0, 2, 0};
    static const uint64_t usable[] = {24, 40, 24, 104, 56};
    assert_int_equal(trace->placement_address_count, 3);
    assert_int_equal(trace->placement_count, 5);
    assert_memory_equal(trace->placement_addresses, addresses, sizeof addresses);
    assert_memory_equal(trace->placement_address_of, address_of, sizeof address_of);
    assert_memory_equal(trace->placement_usable, usable, sizeof usable);
    RecordedPlacements placements = trace_placements(trace);
    assert_ptr_equal(placements.addresses, trace->placement_addresses);
    assert_int_equal(placements.address_count, 3);
    assert_int_equal(placements.count, 5);
    trace_destroy(trace);
}

/* A bad sidecar: one sentence naming the file and the line, and no trace. */
static void expect_refusal(const char *text, size_t length, uint64_t line, const char *what)
{
    static const Op ops[] = {{.bytes = 24, .id = 0, .kind = OP_MALLOC}, {.id = 0, .kind = OP_FREE}};
    char message[512], expected[512];
    assert_null(attach(text, length, ops, 2, message, sizeof message));
    snprintf(expected, sizeof expected, "%s/t.rep.addr:%llu: %s", directory, (unsigned long long)line, what);
    assert_string_equal(message, expected);
}

static void test_bad_sidecars_are_refused(void **state)
{
    (void)state;
#define REFUSED(text, line, what) expect_refusal(text, sizeof text - 1, line, what)
    REFUSED("1 malloc 0x1010 24\n", 2, "the sidecar ends before the trace's operations do");
    REFUSED("", 1, "the sidecar ends before the trace's operations do");
    REFUSED("1 malloc 0x1010 24\n1 free 0x1010 0\n1 free 0x1010 0\n", 3,
            "the sidecar has more lines than the trace has operations");
    REFUSED("1 malloc 0x1010 24\n1 free 0x1010 0\n\n", 3,
            "the sidecar has more lines than the trace has operations");
    REFUSED("1 malloc 0x1010\n1 free 0x1010 0\n", 1, "expected 'THREAD CALL ADDRESS USABLE'");
    REFUSED("1 malloc 0x1010 24\n\n", 2, "expected 'THREAD CALL ADDRESS USABLE'");
    REFUSED("1 malloc 0x1010 24 7\n1 free 0x1010 0\n", 1, "more than 'THREAD CALL ADDRESS USABLE' on the line");
    static const char *const numbers[] = {"1 malloc 1010 24\n", "1 malloc 0x 24\n", "1 malloc 0x10G0 24\n",
                                          "1 malloc 0X1010 24\n", "x malloc 0x1010 24\n", "1 malloc 0x1010 2a\n",
                                          "1 malloc 0x11000000000000000 24\n", "1 malloc 0x1010 12345678901234567890\n"};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        expect_refusal(numbers[i], strlen(numbers[i]), 1,
                       "THREAD and USABLE must be decimal, ADDRESS 0x and hex digits");
    REFUSED("1 malloc 0x1010 24\n1 free 0x1010 0x0\n", 2,
            "THREAD and USABLE must be decimal, ADDRESS 0x and hex digits");
    REFUSED("1 malloc 0x0 24\n1 free 0x0 0\n", 1,
            "a block placed below address 0x8 (glibc's size word comes before each block)");
    REFUSED("1 malloc 0x7 24\n1 free 0x7 0\n", 1,
            "a block placed below address 0x8 (glibc's size word comes before each block)");
    REFUSED("1 malloc 0xfffffffffffffff0 16\n1 free 0xfffffffffffffff0 0\n", 1,
            "a block whose end (ADDRESS + USABLE) passes 2^64");
    /* a free names the block it frees, whatever its address: only placements are checked */
    static const char free_low[] = "1 malloc 0x8 24\n1 free 0x8 0\n";
    static const Op ops[] = {{.bytes = 24, .id = 0, .kind = OP_MALLOC}, {.id = 0, .kind = OP_FREE}};
    char message[512];
    Trace *accepted = attach(free_low, sizeof free_low - 1, ops, 2, message, sizeof message);
    assert_non_null(accepted);
    trace_destroy(accepted);
#undef REFUSED
    /* a line longer than the reader's buffer */
    size_t length = (3u << 20) / 2;
    char *text = malloc(length);
    memset(text, '1', length);
    expect_refusal(text, length, 1, "a line of 1 MiB or more: expected 'THREAD CALL ADDRESS USABLE'");
    free(text);
}

static int make_directory(void **state)
{
    (void)state;
    return mkdtemp(directory) ? 0 : -1;
}

static int remove_directory(void **state)
{
    (void)state;
    return rmdir(directory);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rule),
        cmocka_unit_test(test_failed_realloc_keeps_the_block),
        cmocka_unit_test(test_many_live_blocks),
        cmocka_unit_test(test_sidecar_reads_back_every_placement),
        cmocka_unit_test(test_sidecar_lists_each_address_once),
        cmocka_unit_test(test_bad_sidecars_are_refused),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
