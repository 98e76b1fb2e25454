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

#define RECORD(call_, thread_, pointer_, result_, bytes_, alignment_, usable_) \
    {.call = (call_), .thread = (thread_), .pointer = (pointer_), .result = (result_),      \
     .bytes = (bytes_), .alignment = (alignment_), .usable = (usable_)}

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
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
