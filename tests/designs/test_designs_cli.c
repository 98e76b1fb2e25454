/*
 * test_designs_cli.c - the CS:APP designs and buddy through the built
 * heapviz binary (its path is argv[1]) and the window's sentences. One small
 * trace, worked by hand:
 *   a0 4000  csapp: 4008 at 12, 88 left at 4020; buddy: 4096 at 0
 *   a1 100   csapp: 112 fits nowhere, the heap grows by 4,096 B to 8,208 B;
 *            buddy: 128 at 4096 (orders 7..11 empty, 12 split)
 *   f 0      no neighbour free (csapp); buddy 4096 is split, no merge
 *   r1 200   csapp: 208 at 12, then 4020 merges both ways into 7,984 B at 220;
 *            buddy: 256 at 4352, 4096 merges with its buddy 4224
 *   a2 1     csapp: 16 at 220; buddy: 32 at 4096
 */
#define _POSIX_C_SOURCE 200809L

#include "designs_support.h"
#include "run_support.h"
#include "sentence.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static const char *binary;
static char trace_path[] = "/tmp/heapviz-designs-XXXXXX";
static char out_path[64], err_path[64];
static char out[8192], err[1024];

static int run(const char *const *arguments)
{
    int status = run_support_spawn(binary, arguments, out_path, err_path);
    run_support_read(out_path, out, sizeof out);
    run_support_read(err_path, err, sizeof err);
    return status;
}

/* The number after "name": in the JSON on stdout. */
static double json_number(const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *at = strstr(out, key);
    if (!at)
        fail_msg("no %s in %s", name, out);
    return strtod(at + strlen(key), NULL);
}

static void test_csapp_stats_and_blocks(void **state)
{
    (void)state;
    const char *arguments[] = { "--headless", "--trace", trace_path, "--allocator", "csapp",
                                "--stats", "json", "--blocks", "-", NULL };
    assert_int_equal(run(arguments), 0);
    assert_non_null(strstr(out, "12 208 used\n220 16 used\n236 7968 free\n"));
    assert_true(json_number("heap_bytes") == 8208);
    assert_true(json_number("examined") == 1 + 2 + 0 + 1 + 2);
    assert_true(json_number("utilization") == 4100.0 / 8208.0); /* every digit */
}

static void test_chunk_bytes_sets_chunksize(void **state)
{
    (void)state;
    /* 80 bytes at first; a0 extends by 4008, a1 by 112 */
    const char *arguments[] = { "--headless", "--trace", trace_path, "--allocator", "csapp",
                                "--chunk-bytes", "64", "--stats", "json", NULL };
    assert_int_equal(run(arguments), 0);
    assert_true(json_number("heap_bytes") == 4200);
    assert_true(json_number("utilization") == 4100.0 / 4200.0);
}

static void test_free_list_and_segregated_run(void **state)
{
    (void)state;
    const char *address[] = { "--headless", "--trace", trace_path, "--allocator", "csapp-explicit",
                              "--free-list", "address", "--stats", "json", NULL };
    assert_int_equal(run(address), 0);
    assert_non_null(strstr(out, "\"policy\":\"csapp-explicit:first-fit\""));
    const char *segregated[] = { "--headless", "--trace", trace_path, "--allocator", "csapp-segregated",
                                 "--stats", "json", NULL };
    assert_int_equal(run(segregated), 0);
    assert_true(json_number("mallocs") == 3);
}

static void test_buddy_stats_and_blocks(void **state)
{
    (void)state;
    const char *arguments[] = { "--headless", "--trace", trace_path, "--allocator", "buddy",
                                "--heap-bytes", "16384", "--stats", "json", "--blocks", "-", NULL };
    assert_int_equal(run(arguments), 0);
    assert_non_null(strstr(out, "0 4096 free\n4096 32 used\n4128 32 free\n4160 64 free\n4224 128 free\n"
                                "4352 256 used\n4608 512 free\n5120 1024 free\n6144 2048 free\n"
                                "8192 8192 free\n"));
    assert_true(json_number("examined") == 3 + 6 + 0 + 1 + 4);
    assert_true(json_number("utilization") == 4100.0 / 4608.0);
}

static void test_bad_design_options_are_refused(void **state)
{
    (void)state;
    const char *no_order[] = { "--headless", "--allocator", "csapp", "--free-list", "lifo", NULL };
    assert_int_equal(run(no_order), 2);
    assert_string_equal(err, "heapviz: --free-list goes with a design that orders its free list "
                             "(the csapp allocator has no list order)\n");
    const char *bad_order[] = { "--headless", "--allocator", "csapp-explicit", "--free-list", "fifo", NULL };
    assert_int_equal(run(bad_order), 2);
    assert_string_equal(err, "heapviz: --free-list takes a list order of the csapp-explicit allocator "
                             "(lifo or address), not 'fifo'\n");
    const char *bad_chunk[] = { "--headless", "--allocator", "csapp", "--chunk-bytes", "4092", NULL };
    assert_int_equal(run(bad_chunk), 2);
    assert_string_equal(err, "heapviz: --chunk-bytes takes a multiple of 8 (CS:APP's CHUNKSIZE), not 4092\n");
}

/* The sentence the window shows for the heap's last call. */
static const char *sentence(const Allocator *heap, OpKind kind, uint32_t id)
{
    static char text[512];
    StepReport report = { .step = 1, .op = { .kind = kind, .id = id },
                          .event = *allocator_last_event(heap) };
    sentence_for_step(&report, WORKLOAD_TRACE, heap, text, sizeof text);
    return text;
}

static void test_sentences_tell_extensions_and_merges(void **state)
{
    (void)state;
    Allocator *heap = designs_create("csapp", NULL, NULL, 20 << 20, 4096);
    designs_malloc(heap, 4000);
    designs_malloc(heap, 100);
    assert_non_null(strstr(sentence(heap, OP_MALLOC, 1),
                           "; no fit: extended the heap by 4,096 B to 8,208 B"));
    allocator_destroy(heap);
    heap = designs_create("buddy", NULL, NULL, 1024, 4096);
    uint64_t a = designs_malloc(heap, 1);
    uint64_t b = designs_malloc(heap, 24);
    designs_free(heap, a);
    designs_free(heap, b);
    assert_string_equal(sentence(heap, OP_FREE, 1),
                        "free 0x28, merged with its buddy into 64 B at 0x0; merged with its buddy into "
                        "128 B at 0x0; merged with its buddy into 256 B at 0x0; merged with its buddy "
                        "into 512 B at 0x0; merged with its buddy into 1,024 B at 0x0");
    allocator_destroy(heap);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-HEAPVIZ\n", argv[0]);
        return 2;
    }
    binary = argv[1];
    int fd = mkstemp(trace_path);
    if (fd < 0)
        return 2;
    const char trace[] = "0\n3\n5\n1\na 0 4000\na 1 100\nf 0\nr 1 200\na 2 1\n";
    if (write(fd, trace, sizeof trace - 1) != (ssize_t)(sizeof trace - 1))
        return 2;
    close(fd);
    snprintf(out_path, sizeof out_path, "%s.out", trace_path);
    snprintf(err_path, sizeof err_path, "%s.err", trace_path);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csapp_stats_and_blocks),
        cmocka_unit_test(test_chunk_bytes_sets_chunksize),
        cmocka_unit_test(test_free_list_and_segregated_run),
        cmocka_unit_test(test_buddy_stats_and_blocks),
        cmocka_unit_test(test_bad_design_options_are_refused),
        cmocka_unit_test(test_sentences_tell_extensions_and_merges),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(trace_path);
    unlink(out_path);
    unlink(err_path);
    return failed;
}
