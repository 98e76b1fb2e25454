/*
 * test_trace_chunks.c - a regular file read and parsed a chunk at a time
 * (trace_load_in_chunks) reads exactly as the whole text parsed at once.
 *
 * Every file of the malformed-input corpus, of assets/traces and of the
 * trace fuzzer's corpus (the directories are argv[1], argv[2] and argv[3])
 * is loaded with chunks of 1, 2, 3, 5, 8, 13, 64 and 4096 bytes and the
 * default, so that every token, newline and CRLF lies across a seam in
 * some run, and the reader's window (four chunks) lets go of what was
 * parsed, and grows for a longer line, again and again. The expected result comes from
 * the other path: the test reads the file whole itself and hands the text
 * to trace_parse; for a file holding a NUL byte, the message is worked out
 * here ("PATH:LINE: a NUL byte: a trace is text", LINE counting the
 * newlines before it). Made files add what the corpus lacks: a NUL byte far
 * behind an early error (the NUL's message still wins), a header split over
 * lines, and a long OSTEP list; and /proc/version, a file whose size says 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trace.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *directories[3];
static const size_t chunk_sizes[] = {1, 2, 3, 5, 8, 13, 64, 4096, TRACE_READ_CHUNK};

/* The whole file, or NULL if it cannot be read; *length gets its size. */
static char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    size_t capacity = 1 << 16, used = 0;
    char *text = malloc(capacity);
    size_t got;
    while (text && (got = fread(text + used, 1, capacity - used, file)) > 0) {
        used += got;
        if (used == capacity)
            text = realloc(text, capacity *= 2);
    }
    fclose(file);
    *length = used;
    return text;
}

/* What loading `path` must give: the whole text through trace_parse, or the
 * NUL byte's message. */
static bool expected_load(const char *path, Trace **trace, char *message, size_t size)
{
    size_t length = 0;
    char *text = read_file(path, &length);
    assert_non_null(text);
    const char *nul = memchr(text, '\0', length);
    bool ok = false;
    if (nul) {
        unsigned line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        snprintf(message, size, "%s:%u: a NUL byte: a trace is text", path, line);
    } else {
        ok = trace_parse(text, length, path, trace, message, size);
    }
    free(text);
    return ok;
}

static void expect_same_trace(const Trace *expected, const Trace *got, const char *path, size_t chunk)
{
    if (expected->op_count != got->op_count || expected->id_count != got->id_count ||
        expected->suggested_heap != got->suggested_heap || expected->weight != got->weight ||
        expected->slot_count != got->slot_count || strcmp(expected->name, got->name) != 0)
        fail_msg("%s in chunks of %zu: a different header or count", path, chunk);
    for (uint32_t i = 0; i < expected->op_count; i++) {
        const Op *a = &expected->ops[i], *b = &got->ops[i];
        if (a->kind != b->kind || a->id != b->id || a->bytes != b->bytes || a->line != b->line ||
            expected->slots[i] != got->slots[i])
            fail_msg("%s in chunks of %zu: op %u differs", path, chunk, i);
    }
}

/* Loads `path` in every chunk size and compares with the whole text's result. */
static void expect_chunks_read_alike(const char *path)
{
    char expected_message[512] = "", message[512];
    Trace *expected = NULL;
    bool expected_ok = expected_load(path, &expected, expected_message, sizeof expected_message);
    for (size_t i = 0; i < sizeof chunk_sizes / sizeof chunk_sizes[0]; i++) {
        Trace *got = NULL;
        message[0] = '\0';
        bool ok = trace_load_in_chunks(path, chunk_sizes[i], NULL, &got, message, sizeof message);
        if (ok != expected_ok)
            fail_msg("%s in chunks of %zu: %s, expected %s (%s)", path, chunk_sizes[i],
                     ok ? "loaded" : message, expected_ok ? "loaded" : "refused", expected_message);
        if (ok)
            expect_same_trace(expected, got, path, chunk_sizes[i]);
        else if (strcmp(message, expected_message) != 0)
            fail_msg("%s in chunks of %zu: '%s', expected '%s'", path, chunk_sizes[i], message,
                     expected_message);
        trace_destroy(got);
    }
    trace_destroy(expected);
}

/* Every regular file in `directory`; returns how many. */
static unsigned every_file_in(const char *directory)
{
    DIR *dir = opendir(directory);
    assert_non_null(dir);
    unsigned files = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        char path[1024];
        struct stat status;
        snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
        if (stat(path, &status) == 0 && S_ISREG(status.st_mode)) {
            expect_chunks_read_alike(path);
            files++;
        }
    }
    closedir(dir);
    return files;
}

static void malformed_corpus_reads_alike_in_chunks(void **state)
{
    (void)state;
    assert_true(every_file_in(directories[0]) >= 45);
}

static void asset_traces_read_alike_in_chunks(void **state)
{
    (void)state;
    assert_true(every_file_in(directories[1]) >= 9);
}

static void fuzz_corpus_reads_alike_in_chunks(void **state)
{
    (void)state;
    assert_true(every_file_in(directories[2]) >= 100);
}

/* Writes `length` bytes of `text` to a temporary file and checks it. */
static void expect_made_file_reads_alike(const char *text, size_t length)
{
    char path[] = "/tmp/heapviz-chunks-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, length), (ssize_t)length);
    close(fd);
    expect_chunks_read_alike(path);
    unlink(path);
}

/* An unknown letter on line 6, a NUL byte on line 2,007: the NUL is what is
 * said (as when the whole file was read first), at its line. */
static void nul_far_behind_an_early_error_is_named(void **state)
{
    (void)state;
    size_t size = 64 << 10, length = 0;
    char *text = malloc(size);
    length += (size_t)snprintf(text, size, "0\n1\n3000\n1\na 0 8\nx 0\n");
    for (int i = 0; i < 2000; i++)
        length += (size_t)snprintf(text + length, size - length, "f 0\n");
    text[length++] = '\0';
    length += (size_t)snprintf(text + length, size - length, "f 0\n");
    expect_made_file_reads_alike(text, length);
    char message[512];
    Trace *trace = NULL;
    char path[] = "/tmp/heapviz-chunks-XXXXXX";
    int fd = mkstemp(path);
    assert_int_equal(write(fd, text, length), (ssize_t)length);
    close(fd);
    assert_false(trace_load_in_chunks(path, 7, NULL, &trace, message, sizeof message));
    char expected[512];
    snprintf(expected, sizeof expected, "%s:2007: a NUL byte: a trace is text", path);
    assert_string_equal(message, expected);
    unlink(path);
    free(text);
}

/* A header over four lines with blank lines and CRLFs, spaced operations,
 * and a last line with no newline. */
static void split_header_and_odd_spacing_read_alike(void **state)
{
    (void)state;
    const char *text = "\r\n  100\r\n\n3 \r\n 5\t\n1\n\na  0  16\r\nr 1 8\nf 0\r\na 2 4\n  c\nf 2";
    expect_made_file_reads_alike(text, strlen(text));
}

/* An OSTEP list of 3,000 items over many lines. */
static void long_ostep_list_reads_alike(void **state)
{
    (void)state;
    size_t size = 64 << 10, length = 0;
    char *text = malloc(size);
    for (int i = 0; i < 1500; i++)
        length += (size_t)snprintf(text + length, size - length, "+%d,%s-%d,%s", 1 + i % 97,
                                   i % 7 == 0 ? "\n" : " ", i, i % 11 == 0 ? "\r\n" : "");
    expect_made_file_reads_alike(text, length);
    free(text);
}

/* A file of /proc says it has 0 bytes and has more: it is read as a
 * stream, not refused as a file that grew. */
static void proc_file_reads_as_a_stream(void **state)
{
    (void)state;
    if (access("/proc/version", R_OK) != 0)
        skip();
    expect_chunks_read_alike("/proc/version");
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s MALFORMED_TRACES_DIR ASSET_TRACES_DIR FUZZ_CORPUS_DIR\n", argv[0]);
        return 2;
    }
    directories[0] = argv[1];
    directories[1] = argv[2];
    directories[2] = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_corpus_reads_alike_in_chunks),
        cmocka_unit_test(asset_traces_read_alike_in_chunks),
        cmocka_unit_test(fuzz_corpus_reads_alike_in_chunks),
        cmocka_unit_test(nul_far_behind_an_early_error_is_named),
        cmocka_unit_test(split_header_and_odd_spacing_read_alike),
        cmocka_unit_test(long_ostep_list_reads_alike),
        cmocka_unit_test(proc_file_reads_as_a_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
