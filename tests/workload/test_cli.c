/*
 * test_cli.c - the built heapviz binary (its path is argv[1]): exit codes
 * and exact messages for bad command lines and bad traces, output files
 * that appear whole or not at all, --at-step, the JSON of a single run and
 * of --compare, and --record -> --trace replay giving identical results.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_support.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


static const char *binary;
static char directory[] = "/tmp/heapviz-cli-XXXXXX";     /* outputs under test */
static char captures[] = "/tmp/heapviz-cli-io-XXXXXX";   /* stdout and stderr */
static char stdout_path[64], stderr_path[64];

typedef struct {
    int status;                  /* exit status, -1 if it did not exit */
    char out[65536];
    char err[4096];
} Result;

static char *path_in(const char *name)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    if (snprintf(path, 512, "%s/%.200s", directory, name) >= 512)
        fail_msg("path too long: %s", name);
    return path;
}

/* Runs `program` with a NULL-terminated argument list. */
static Result *run_program(const char *program, const char *const *arguments)
{
    static Result result;
    result.status = run_support_spawn(program, arguments, stdout_path, stderr_path);
    assert_int_not_equal(result.status, -2);
    run_support_read(stdout_path, result.out, sizeof result.out);
    run_support_read(stderr_path, result.err, sizeof result.err);
    return &result;
}

#define RUN(...) run_program(binary, (const char *const[]){__VA_ARGS__, NULL})

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

/* How many entries the scratch directory holds (temporaries included). */
static int entries(void)
{
    DIR *dir = opendir(directory);
    int count = 0;
    for (struct dirent *entry; (entry = readdir(dir));)
        count += entry->d_name[0] != '.';
    closedir(dir);
    return count;
}

static void remove_all(void)
{
    DIR *dir = opendir(directory);
    for (struct dirent *entry; (entry = readdir(dir));)
        if (entry->d_name[0] != '.')
            unlink(path_in(entry->d_name));
    closedir(dir);
}

static int setup(void **state)
{
    (void)state;
    remove_all();
    return 0;
}

/* ---- usage ---------------------------------------------------------------- */

static void bad_usage_exits_2_with_one_line(void **state)
{
    (void)state;
    Result *r = RUN("--headless", "--policy", "bst");
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "heapviz: --policy takes a policy of the tags allocator (first-fit, next-fit, "
                                "best-fit, worst-fit or bump), not 'bst'\n");
    assert_string_equal(r->out, "");
    r = RUN("--frobnicate");
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "heapviz: unknown option '--frobnicate' (see heapviz --help)\n");
    r = RUN("--headless", "--p-malloc", "2");
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "heapviz: --p-malloc takes a probability from 0 to 1 (such as 0.3), not '2'\n");
    r = RUN("--headless", "--align", "3");
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "heapviz: --align takes a power of two from 4 to 64, not '3'\n");
}

static void help_and_version_exit_0(void **state)
{
    (void)state;
    Result *r = RUN("--help");
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "usage: heapviz"));
    r = RUN("--version");
    assert_int_equal(r->status, 0);
    assert_string_equal(r->out, "heapviz 1.0.0\n");
}

static void at_step_past_the_end_exits_2(void **state)
{
    (void)state;
    Result *r = RUN("--headless", "--at-step", "101", "--blocks", path_in("b"));
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "heapviz: --at-step 101 is past the end of the run, which has 100 steps\n");
    assert_int_equal(entries(), 0);
}

/* ---- the two programs: heapviz and heapviz-window ------------------------------- */

/* Whether the file at `path` holds `text` anywhere (a library's name in an
 * executable's list of the libraries it needs, say). */
static bool file_contains(const char *path, const char *text)
{
    static char bytes[64 << 20];
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    size_t length = fread(bytes, 1, sizeof bytes, file);
    fclose(file);
    size_t text_length = strlen(text);
    for (size_t i = 0; i + text_length <= length; i++)
        if (memcmp(bytes + i, text, text_length) == 0)
            return true;
    return false;
}

/* A headless run loads no SDL: heapviz needs no SDL library, its window
 * program beside it does. */
static void heapviz_links_no_sdl_and_its_window_program_does(void **state)
{
    (void)state;
    char window_program[512];
    snprintf(window_program, sizeof window_program, "%s-window", binary);
    assert_false(file_contains(binary, "libSDL2"));
    assert_true(file_contains(window_program, "libSDL2"));
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buffer[65536];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, in)) > 0;)
        assert_int_equal(fwrite(buffer, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(chmod(to, 0755), 0);
}

/* heapviz alone in a folder: headless runs work, a command that draws is
 * refused with one sentence naming the missing program, exit status 1,
 * and writes nothing. */
static void drawing_without_the_window_program_is_one_sentence(void **state)
{
    (void)state;
    char *alone = path_in("heapviz");
    copy_file(binary, alone);
    char *screenshot = path_in("x.png");
    Result *r = run_program(alone, (const char *const[]){"--screenshot", screenshot, NULL});
    char expected[1024];
    snprintf(expected, sizeof expected, "heapviz: cannot start the window program %s-window: "
             "No such file or directory; --headless runs without it\n", alone);
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, expected);
    assert_int_equal(entries(), 1);
    r = run_program(alone, (const char *const[]){"--headless", "--steps", "10", "--stats", "json", NULL});
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "\"steps\":10"));
}

/* ---- bad traces ------------------------------------------------------------- */

static void bad_trace_exits_1_with_file_and_line(void **state)
{
    (void)state;
    char *trace = path_in("bad.rep");
    char expected[512];
    write_text(trace, "100\n2\n2\n1\na 0 10\nq 1\n");
    Result *r = RUN("--headless", "--trace", trace, "--blocks", path_in("b"), "--record", path_in("r"),
                    "--csv", path_in("c"));
    assert_int_equal(r->status, 1);
    snprintf(expected, sizeof expected, "heapviz: %s:6: unknown operation 'q' (expected a, f, r or c)\n", trace);
    assert_string_equal(r->err, expected);
    assert_string_equal(r->out, "");
    assert_int_equal(entries(), 1);   /* the trace alone: no output, no temporary */
    write_text(trace, "100\n2\n3\n1\na 0 10\nf 1\n");
    r = RUN("--headless", "--trace", trace);
    assert_int_equal(r->status, 1);
    snprintf(expected, sizeof expected,
             "heapviz: %s:6: 'f 1' frees id 1, which no earlier 'a' or 'r' line allocated\n", trace);
    assert_string_equal(r->err, expected);
    write_text(trace, "100\n2\n3\n1\na 0 10\nf 0\n");
    r = RUN("--headless", "--trace", trace);
    assert_int_equal(r->status, 1);
    snprintf(expected, sizeof expected, "heapviz: %s:3: the header says 3 operations but the file has 2\n", trace);
    assert_string_equal(r->err, expected);
}

static void unreadable_trace_exits_1(void **state)
{
    (void)state;
    Result *r = RUN("--headless", "--trace", "/nonexistent/t.rep");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "heapviz: /nonexistent/t.rep: cannot read: No such file or directory\n");
}

/* Starts a writer that opens the FIFO at `path` and writes `text` into it
 * once, as `--trace <(program)` or a named pipe does; returns its pid. */
static pid_t write_fifo_once(const char *path, const char *text)
{
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY); /* waits for heapviz to open it */
        ssize_t written = fd >= 0 ? write(fd, text, strlen(text)) : -1;
        _exit(written == (ssize_t)strlen(text) ? 0 : 1);
    }
    return pid;
}

/* A trace in a FIFO is read from its one open: opening it first to see
 * whether it exists took the writer's data with it, and the real open then
 * waited for a writer forever (timeout's 124). Both ways a trace is read:
 * as it is read (plain --headless) and whole first (with --csv). Two
 * mallocs of 8 B in a 20 MiB heap, each in 24 B (an 8 B header, the
 * payload, an 8 B footer): 48 B in use. */
static void a_trace_in_a_fifo_is_read_once(void **state)
{
    (void)state;
    const char *fifo = path_in("trace.fifo");
    const char *trace = "20971520\n2\n2\n1\na 0 8\na 1 8\n";
    const char *timeout = "/usr/bin/timeout";
    for (int read_first = 0; read_first < 2; read_first++) {
        pid_t writer = write_fifo_once(fifo, trace);
        Result *r = run_program(timeout, (const char *const[]){"20", binary, "--headless", "--trace", fifo,
                                                               "--stats", "json", read_first ? "--csv" : NULL,
                                                               path_in("steps.csv"), NULL});
        kill(writer, SIGKILL);
        waitpid(writer, NULL, 0);
        assert_int_equal(r->status, 0);
        assert_non_null(strstr(r->out, "\"mallocs\":2,"));
        assert_non_null(strstr(r->out, "\"bytes_in_use\":48,"));
    }
}

/* --trace takes an OSTEP op list itself when no file has that name. On the
 * 20 MiB trace heap (b0 = 0, minimum block 24): +3 takes [0, 24), -0 frees
 * it, +5 takes [0, 24) again. */
static void inline_ostep_list_runs(void **state)
{
    (void)state;
    Result *r = RUN("--headless", "--trace", "+3,-0,+5", "--blocks", "-");
    assert_int_equal(r->status, 0);
    assert_string_equal(r->out, "0 24 used\n24 20971496 free\n");
    r = RUN("--headless", "--trace", ",+3,-0");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "heapviz: --trace:1: an OSTEP op list with an empty item "
                                "(a comma with no +BYTES or -INDEX before it)\n");
}

static void request_larger_than_the_heap_is_a_failed_malloc(void **state)
{
    (void)state;
    char *trace = path_in("big.rep");
    write_text(trace, "0\n1\n2\n1\na 0 999999999999\nf 0\n");
    Result *r = RUN("--headless", "--trace", trace, "--stats", "json");
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "\"failed\":1,"));
    assert_non_null(strstr(r->out, "\"steps\":2}"));
}

/* ---- output files ------------------------------------------------------------- */

static void unwritable_output_creates_nothing(void **state)
{
    (void)state;
    Result *r = RUN("--headless", "--csv", path_in("c.csv"), "--blocks", "/nonexistent/dir/b.txt");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "heapviz: cannot write '/nonexistent/dir/b.txt': No such file or directory\n");
    assert_string_equal(r->out, "");
    assert_int_equal(entries(), 0);
}

static void outputs_have_their_formats(void **state)
{
    (void)state;
    char text[65536];
    Result *r = RUN("--headless", "--steps", "50", "--stats", "json", "--blocks", path_in("b.txt"),
                    "--csv", path_in("c.csv"), "--record", path_in("r.rep"));
    assert_int_equal(r->status, 0);
    assert_int_equal(entries(), 3);
    run_support_read(path_in("c.csv"), text, sizeof text);
    assert_true(strncmp(text, "step,op,id,bytes,outcome,payload,mallocs,frees,", 47) == 0);
    int rows = 0;
    for (char *p = text; (p = strchr(p, '\n')); p++)
        rows++;
    assert_int_equal(rows, 51);
    run_support_read(path_in("b.txt"), text, sizeof text);
    unsigned long long offset, size, end = 0;
    char kind[8];
    int consumed;
    for (char *p = text; sscanf(p, "%llu %llu %7s\n%n", &offset, &size, kind, &consumed) == 3; p += consumed) {
        assert_int_equal(offset, end);
        assert_true(strcmp(kind, "used") == 0 || strcmp(kind, "free") == 0);
        end = offset + size;
    }
    assert_int_equal(end, 32768);
    run_support_read(path_in("r.rep"), text, sizeof text);
    assert_true(strncmp(text, "32768\n", 6) == 0);
}

static void stats_json_is_one_line_with_the_keys_in_order(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "mallocs", "frees", "reallocs", "failed", "failed_fragmented", "errors", "compactions",
        "heap_bytes", "used_blocks", "free_blocks", "dead_blocks", "bytes_in_use", "payload_bytes",
        "free_bytes", "dead_bytes", "largest_free", "external_fragmentation",
        "internal_fragmentation", "peak_payload", "high_water", "utilization", "examined", "policy",
        "steps"};
    Result *r = RUN("--headless", "--stats", "json");
    assert_int_equal(r->status, 0);
    assert_int_equal(r->out[0], '{');
    assert_ptr_equal(strchr(r->out, '\n'), r->out + strlen(r->out) - 1);
    const char *at = r->out;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\":", keys[i]);
        const char *found = strstr(at, quoted);
        assert_non_null(found);
        at = found;
    }
    assert_non_null(strstr(r->out, "\"policy\":\"first-fit\",\"steps\":100}"));
}

/* The coalescing scenario (assets/traces/coalescing.rep), first fit: five
 * mallocs each find the top first (1 each), the failed 8 MiB request looks
 * at both holes (2), and the last malloc finds the one merged block (1).
 * Like every statistic in the CSV, the column is the total so far. */
static void examined_counts_the_blocks_each_search_visited(void **state)
{
    (void)state;
    static const char *const per_step[] = { "1", "2", "3", "4", "5", "5", "5", "7", "7", "8" };
    char text[8192];
    Result *r = RUN("--headless", "--trace", "coalescing", "--stats", "json", "--csv",
                    path_in("c.csv"));
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "\"examined\":8,"));
    run_support_read(path_in("c.csv"), text, sizeof text);
    char *line = strchr(text, '\n');
    for (size_t step = 0; step < sizeof per_step / sizeof per_step[0]; step++) {
        assert_non_null(line);
        char *end = strchr(line + 1, '\n');
        assert_non_null(end);
        *end = '\0';
        const char *last = strrchr(line + 1, ',');
        assert_string_equal(last + 1, per_step[step]);
        line = end;
    }
}

static void compare_prints_a_json_array_matching_single_runs(void **state)
{
    (void)state;
    static const char *const policies[] = {"first-fit", "best-fit", "bump"};
    char array[65536];
    Result *r = RUN("--headless", "--steps", "400", "--compare", "first-fit,best-fit,bump", "--stats", "json");
    assert_int_equal(r->status, 0);
    snprintf(array, sizeof array, "%s", r->out);
    assert_int_equal(array[0], '[');
    char *object = array + 1;
    for (int i = 0; i < 3; i++) {
        char *end = strchr(object, '}');
        assert_non_null(end);
        r = RUN("--headless", "--steps", "400", "--policy", policies[i], "--stats", "json");
        assert_int_equal(r->status, 0);
        assert_int_equal(strncmp(object, r->out, (size_t)(end - object + 1)), 0);
        object = end + 2;   /* past "}," or "}]" */
    }
    assert_string_equal(object - 1, "]\n");
}

static void at_step_0_is_the_initial_heap(void **state)
{
    (void)state;
    Result *r = RUN("--headless", "--at-step", "0", "--blocks", "-");
    assert_int_equal(r->status, 0);
    assert_string_equal(r->out, "0 32768 free\n");
    r = RUN("--headless", "--at-step", "10", "--stats", "json");
    assert_non_null(strstr(r->out, "\"steps\":10}"));
}

/* Records a run with `policy` and alignment `align`, replays the recording
 * on the same heap configuration, and compares. */
static void record_and_replay(const char *policy, const char *align, const char *const *workload)
{
    char first[65536], second[65536], blocks[65536];
    const char *args[32];
    int n = 0;
    args[n++] = "--headless";
    for (; *workload; workload++)
        args[n++] = *workload;
    const char *tail[] = {"--policy", policy, "--align", align, "--stats", "json", "--blocks", path_in("b1"),
                          "--record", path_in("rec.rep"), NULL};
    memcpy(args + n, tail, sizeof tail);
    Result *r = run_program(binary, args);
    assert_int_equal(r->status, 0);
    snprintf(first, sizeof first, "%s", r->out);
    run_support_read(path_in("b1"), blocks, sizeof blocks);
    /* The recording's header gives the heap size the run had. */
    char heap[32];
    run_support_read(path_in("rec.rep"), second, sizeof second);
    sscanf(second, "%31[0-9]", heap);
    r = RUN("--headless", "--trace", path_in("rec.rep"), "--heap-bytes", heap, "--policy", policy, "--align", align,
            "--stats", "json", "--blocks", path_in("b2"));
    assert_int_equal(r->status, 0);
    snprintf(second, sizeof second, "%s", r->out);
    assert_string_equal(first, second);
    run_support_read(path_in("b2"), second, sizeof second);
    assert_string_equal(blocks, second);
}

static void recording_replays_identically_for_every_policy(void **state)
{
    (void)state;
    static const char *const policies[] = {"first-fit", "next-fit", "best-fit", "worst-fit", "bump"};
    char trace[512];
    snprintf(trace, sizeof trace, "%s", path_in("t.rep"));   /* path_in's buffers rotate */
    write_text(trace, "0\n3\n8\n1\na 0 100\na 1 200\nf 0\nf 0\nr 1 5000\nr 0 30\nf 1\na 2 9999999\n");
    const char *simulation[] = {"--steps", "3000", "--seed", "4", "--p-malloc", "0.5", NULL};
    const char *replay[] = {"--trace", trace, "--heap-bytes", "4096", NULL};
    for (int i = 0; i < 5; i++) {
        record_and_replay(policies[i], "8", simulation);
        record_and_replay(policies[i], "16", replay);
    }
}

/* ---- a trace replayed while it is read (trace_pipeline.h) -------------------- */

enum { LONG_OPS = 300000, LONG_IDS = 500 };   /* ops: a multiple of 3 * LONG_IDS */

/* A trace of LONG_OPS ops over LONG_IDS ids, in rounds of LONG_IDS ops:
 * each id allocated, then reallocated, then freed; in the first round id 7
 * asks for more than any heap (it fails, its realloc is then a malloc).
 * `last`, if not NULL, replaces the last op line (line LONG_OPS + 4). */
static void write_long_trace(const char *path, const char *last)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fprintf(file, "0\n%d\n%d\n1\n", LONG_IDS, LONG_OPS);
    for (uint32_t i = 0; i < LONG_OPS; i++) {
        uint32_t id = i % LONG_IDS, round = i / LONG_IDS;
        if (last && i == LONG_OPS - 1)
            fprintf(file, "%s\n", last);
        else if (round % 3 == 0)
            fprintf(file, "a %u %u\n", id, i == 7 ? 999999999u : 16 + (i * 7919) % 2000);
        else if (round % 3 == 1)
            fprintf(file, "r %u %u\n", id, 8 + (i * 104729) % 3000);
        else
            fprintf(file, "f %u\n", id);
    }
    assert_int_equal(fclose(file), 0);
}

/* Runs heapviz on `trace` with the extra arguments (NULL-terminated). */
static Result *run_on(const char *trace, const char *const *extra)
{
    const char *args[24] = {"--headless", "--trace", trace};
    int n = 3;
    while (*extra)
        args[n++] = *extra++;
    args[n] = NULL;
    return run_program(binary, args);
}

/* Whatever the run would say (a usage error, a heap too small, an output
 * file), a parse error on the last line of a long file wins, exit 1, and
 * no file is left behind: the file is checked whole before the replay's
 * results count. */
static void a_late_parse_error_wins_over_the_run(void **state)
{
    (void)state;
    char trace[512], expected[1024];
    snprintf(trace, sizeof trace, "%s", path_in("late.rep"));
    write_long_trace(trace, "a 7 x");
    snprintf(expected, sizeof expected, "heapviz: %s:%d: byte count 'x' is not a number\n", trace,
             LONG_OPS + 4);
    const char *const cases[][8] = {
        {"--stats", "json", NULL},
        {"--at-step", "999999999", NULL},
        {"--heap-bytes", "64", "--min-payload", "100", NULL},
        {"--blocks", path_in("b"), "--stats", "text", NULL},
        {"--compare", "first-fit,bump", "--stats", "json", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Result *r = run_on(trace, cases[i]);
        assert_int_equal(r->status, 1);
        assert_string_equal(r->err, expected);
        assert_string_equal(r->out, "");
        assert_int_equal(entries(), 1); /* the trace alone */
    }
}

/* The same file without the error: the run's own complaints, unchanged. */
static void a_long_good_trace_keeps_the_run_s_messages(void **state)
{
    (void)state;
    char trace[512], expected[256];
    snprintf(trace, sizeof trace, "%s", path_in("good.rep"));
    write_long_trace(trace, NULL);
    Result *r = run_on(trace, (const char *const[]){"--at-step", "999999999", NULL});
    assert_int_equal(r->status, 2);
    snprintf(expected, sizeof expected, "heapviz: --at-step 999999999 is past the end of the run, "
             "which has %d steps\n", LONG_OPS);
    assert_string_equal(r->err, expected);
    r = run_on(trace, (const char *const[]){"--heap-bytes", "64", "--min-payload", "100", "--blocks",
                                            path_in("b"), NULL});
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "heapviz: a 64-byte heap cannot hold one block with --align 8 and "
                                "--min-payload 100: the tags allocator needs --heap-bytes 120 or more\n");
    r = run_on(trace, (const char *const[]){"--blocks", "/nonexistent/dir/b", NULL});
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "heapviz: cannot write '/nonexistent/dir/b': No such file or directory\n");
    assert_int_equal(entries(), 1);
}

/* Runs `extra` on the long trace twice: as it is read (nothing written per
 * step) and read first (--record writes every step), and compares the
 * statistics and block lists. */
static void assert_read_first_alike(const char *trace, const char *const *extra)
{
    static char streamed[65536], blocks[1 << 20], again[1 << 20];
    const char *args[16];
    int n = 0;
    for (; *extra; extra++)
        args[n++] = *extra;
    memcpy(args + n, (const char *[]){"--blocks", path_in("b1"), NULL}, 3 * sizeof *args);
    Result *r = run_on(trace, args);
    assert_int_equal(r->status, 0);
    snprintf(streamed, sizeof streamed, "%s", r->out);
    run_support_read(path_in("b1"), blocks, sizeof blocks);
    memcpy(args + n, (const char *[]){"--blocks", path_in("b2"), "--record", path_in("r"), NULL},
           5 * sizeof *args);
    r = run_on(trace, args);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->out, streamed);
    run_support_read(path_in("b2"), again, sizeof again);
    assert_string_equal(again, blocks);
}

static void a_trace_replayed_as_read_ends_as_one_read_first(void **state)
{
    (void)state;
    char trace[512];
    snprintf(trace, sizeof trace, "%s", path_in("good.rep"));
    write_long_trace(trace, NULL);
    static const char *const policies[] = {"first-fit", "next-fit", "best-fit", "worst-fit", "bump"};
    for (int i = 0; i < 5; i++)
        assert_read_first_alike(trace, (const char *const[]){"--policy", policies[i], "--stats",
                                                              "json", NULL});
    assert_read_first_alike(trace, (const char *const[]){"--at-step", "123457", "--stats", "text",
                                                          NULL});
    Result *r = run_on(trace, (const char *const[]){"--stats", "json", NULL});
    assert_non_null(strstr(r->out, "\"failed\":1,"));
}

/* --compare writes no block list, so its panes are checked against the
 * single runs, each of which the test above checked. */
static void a_compare_replayed_as_read_matches_its_single_runs(void **state)
{
    (void)state;
    char trace[512], expected[65536] = "[";
    snprintf(trace, sizeof trace, "%s", path_in("good.rep"));
    write_long_trace(trace, NULL);
    static const char *const policies[] = {"first-fit", "worst-fit", "bump"};
    for (int i = 0; i < 3; i++) {
        Result *r = run_on(trace, (const char *const[]){"--policy", policies[i], "--stats", "json",
                                                        NULL});
        assert_int_equal(r->status, 0);
        r->out[strcspn(r->out, "\n")] = '\0';
        strcat(expected, r->out);
        strcat(expected, i < 2 ? "," : "]\n");
    }
    Result *r = run_on(trace, (const char *const[]){"--compare", "first-fit,worst-fit,bump",
                                                    "--stats", "json", NULL});
    assert_int_equal(r->status, 0);
    assert_string_equal(r->out, expected);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_cli PATH-TO-HEAPVIZ\n");
        return 1;
    }
    binary = argv[1];
    if (!mkdtemp(directory) || !mkdtemp(captures))
        return 1;
    snprintf(stdout_path, sizeof stdout_path, "%s/stdout", captures);
    snprintf(stderr_path, sizeof stderr_path, "%s/stderr", captures);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(bad_usage_exits_2_with_one_line, setup),
        cmocka_unit_test_setup(help_and_version_exit_0, setup),
        cmocka_unit_test_setup(at_step_past_the_end_exits_2, setup),
        cmocka_unit_test_setup(heapviz_links_no_sdl_and_its_window_program_does, setup),
        cmocka_unit_test_setup(drawing_without_the_window_program_is_one_sentence, setup),
        cmocka_unit_test_setup(bad_trace_exits_1_with_file_and_line, setup),
        cmocka_unit_test_setup(unreadable_trace_exits_1, setup),
        cmocka_unit_test_setup(a_trace_in_a_fifo_is_read_once, setup),
        cmocka_unit_test_setup(request_larger_than_the_heap_is_a_failed_malloc, setup),
        cmocka_unit_test_setup(unwritable_output_creates_nothing, setup),
        cmocka_unit_test_setup(inline_ostep_list_runs, setup),
        cmocka_unit_test_setup(outputs_have_their_formats, setup),
        cmocka_unit_test_setup(stats_json_is_one_line_with_the_keys_in_order, setup),
        cmocka_unit_test_setup(examined_counts_the_blocks_each_search_visited, setup),
        cmocka_unit_test_setup(compare_prints_a_json_array_matching_single_runs, setup),
        cmocka_unit_test_setup(at_step_0_is_the_initial_heap, setup),
        cmocka_unit_test_setup(recording_replays_identically_for_every_policy, setup),
        cmocka_unit_test_setup(a_late_parse_error_wins_over_the_run, setup),
        cmocka_unit_test_setup(a_long_good_trace_keeps_the_run_s_messages, setup),
        cmocka_unit_test_setup(a_trace_replayed_as_read_ends_as_one_read_first, setup),
        cmocka_unit_test_setup(a_compare_replayed_as_read_matches_its_single_runs, setup),
    };
    int failures = cmocka_run_group_tests(tests, NULL, NULL);
    remove_all();
    rmdir(directory);
    unlink(stdout_path);
    unlink(stderr_path);
    rmdir(captures);
    return failures;
}
