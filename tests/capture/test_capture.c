/*
 * test_capture.c - heapviz --capture, end to end: the built heapviz
 * (argv[1]) records capture_subject (argv[2]), whose calls are known
 * exactly, and a static program (argv[3]) whose calls cannot be seen.
 *
 * The subject's parts sit between marker allocations; each part's
 * operations, taken from the capture on the part's own thread and with
 * ids renumbered from 0 in order of allocation, must equal the lists
 * written out below by hand from capture_subject.c. Every capture must
 * pass the strict .rep reader (strict_rep.h).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "allocator.h"
#include "run_support.h"
#include "strict_rep.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


enum {
    MARKER_BEGIN = 7770000,      /* as in capture_subject.c */
    MARKER_END = 7780000,
    CHILD_BYTES = 5550001,
    EXEC_BYTES = 4440001,
    THREADS = 3,
    ROUNDS = 200,
    MAX_LINES = 4096
};

static const char *heapviz, *subject, *static_subject;
static char directory[] = "/tmp/heapviz-capture-test-XXXXXX";
static char stdout_path[64], stderr_path[64];

typedef struct {
    int status;                  /* exit status, -1 if it did not exit */
    char out[16384];
    char err[8192];
} Result;

/* One sidecar line. */
typedef struct {
    uint32_t thread;
    char call[32];
    uint64_t address, usable;
} SidecarLine;

typedef struct {
    RepTrace rep;
    SidecarLine *sidecar;        /* rep.op_count lines */
} Capture;

static char *path_in(const char *name)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, 512, "%s/%s", directory, name);
    return path;
}

/* Runs heapviz with the NULL-terminated arguments, collecting its output. */
static Result *run(const char *const *arguments)
{
    static Result result;
    result.status = run_support_spawn(heapviz, arguments, stdout_path, stderr_path);
    assert_int_not_equal(result.status, -2);
    run_support_read(stdout_path, result.out, sizeof result.out);
    run_support_read(stderr_path, result.err, sizeof result.err);
    return &result;
}

#define RUN(...) run((const char *const[]){__VA_ARGS__, NULL})

static bool exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

/* Loads TRACE (strictly) and TRACE.addr; fails the test if either is wrong. */
static void load_capture(const char *trace_path, Capture *capture)
{
    char why[256], sidecar_path[600];
    if (!strict_rep_load(trace_path, &capture->rep, why, sizeof why))
        fail_msg("%s is not a strict .rep: %s", trace_path, why);
    snprintf(sidecar_path, sizeof sidecar_path, "%s.addr", trace_path);
    FILE *file = fopen(sidecar_path, "r");
    assert_non_null(file);
    capture->sidecar = calloc(capture->rep.op_count + 1, sizeof(SidecarLine));
    uint64_t lines = 0;
    SidecarLine line;
    while (fscanf(file, "%" SCNu32 " %31s %" SCNx64 " %" SCNu64, &line.thread, line.call,
                  &line.address, &line.usable) == 4) {
        assert_true(lines < capture->rep.op_count);
        capture->sidecar[lines++] = line;
    }
    assert_true(feof(file));
    fclose(file);
    assert_int_equal(lines, capture->rep.op_count);
}

static void free_capture(Capture *capture)
{
    strict_rep_free(&capture->rep);
    free(capture->sidecar);
}

/* The index of the `a` of a marker size; -1 if absent. */
static int64_t find_allocation(const Capture *capture, uint64_t bytes)
{
    for (uint64_t i = 0; i < capture->rep.op_count; i++)
        if (capture->rep.ops[i].letter == 'a' && capture->rep.ops[i].bytes == bytes)
            return (int64_t)i;
    return -1;
}

/* The operations of subject part `part`: those on the marker's thread
 * between its markers, as "a 0 100" lines with ids renumbered from 0.
 * Returns how many; `first` gets begin + 2, where they start when only
 * one thread runs. */
static int part_lines(const Capture *capture, int part, char lines[][40], uint64_t *first)
{
    int64_t begin = find_allocation(capture, MARKER_BEGIN + (uint64_t)part);
    assert_true(begin >= 0);
    uint32_t thread = capture->sidecar[begin].thread;
    uint32_t *renamed = calloc(capture->rep.id_count, sizeof *renamed); /* new id + 1 */
    uint32_t next = 0;
    int count = 0;
    *first = (uint64_t)begin + 2;
    for (uint64_t i = (uint64_t)begin + 1; i < capture->rep.op_count; i++) {
        const RepOp *op = &capture->rep.ops[i];
        if (capture->sidecar[i].thread != thread || op->id == capture->rep.ops[begin].id)
            continue; /* another thread's, or the marker's own free */
        if (op->letter == 'a' && op->bytes == MARKER_END + (uint64_t)part)
            break;
        if (op->letter == 'a')
            renamed[op->id] = ++next;
        assert_true(count < MAX_LINES);
        if (op->letter == 'f')
            snprintf(lines[count++], 40, "f %u", renamed[op->id] - 1);
        else
            snprintf(lines[count++], 40, "%c %u %" PRIu64, op->letter, renamed[op->id] - 1, op->bytes);
    }
    free(renamed);
    return count;
}

/* Part 0 of capture_subject.c, call by call. */
static const char *const EVERY_CALL[] = {
    "a 0 100", "a 1 300", "r 0 1000", "r 0 50", "r 1 600",
    "a 2 200", "a 3 256", "a 4 300", "a 5 500", "a 6 600",
    "a 7 40", "f 7",
    "f 6", "f 5", "f 4", "f 3", "f 2", "f 1", "f 0",
};
static const char *const EVERY_CALL_NAMES[] = {
    "malloc", "calloc", "realloc", "realloc", "reallocarray",
    "posix_memalign:64", "aligned_alloc:128", "memalign:256", "valloc:4096", "pvalloc:4096",
    "realloc", "realloc",
    "free", "free", "free", "free", "free", "free", "free",
};
enum { EVERY_CALL_COUNT = sizeof EVERY_CALL / sizeof EVERY_CALL[0] };

static void check_every_call(const Capture *capture)
{
    static char lines[MAX_LINES][40];
    uint64_t first;
    int count = part_lines(capture, 0, lines, &first);
    assert_int_equal(count, EVERY_CALL_COUNT);
    for (int i = 0; i < count; i++) {
        assert_string_equal(lines[i], EVERY_CALL[i]);
        const SidecarLine *line = &capture->sidecar[first + (uint64_t)i];
        assert_string_equal(line->call, EVERY_CALL_NAMES[i]);
        const RepOp *op = &capture->rep.ops[first + (uint64_t)i];
        if (op->letter != 'f')
            assert_true(line->usable >= op->bytes);
        else
            assert_int_equal(line->usable, 0);
    }
    /* The aligned calls' blocks are aligned as asked. */
    static const uint64_t alignments[] = {64, 128, 256, 4096, 4096};
    for (int i = 0; i < 5; i++)
        assert_int_equal(capture->sidecar[first + 5 + (uint64_t)i].address % alignments[i], 0);
}

/* Parts 1..THREADS: ROUNDS of malloc, realloc, free, each on one thread. */
static void check_threads(const Capture *capture)
{
    static char lines[MAX_LINES][40];
    uint32_t threads[THREADS + 1];
    for (int part = 1; part <= THREADS; part++) {
        uint64_t first;
        int count = part_lines(capture, part, lines, &first);
        for (int round = 0; round < ROUNDS && 3 * round + 2 < count; round++) {
            char expected[40];
            snprintf(expected, sizeof expected, "a %d %d", round, part * 16 + round % 7);
            assert_string_equal(lines[3 * round], expected);
            snprintf(expected, sizeof expected, "r %d %d", round, part * 32 + round % 5);
            assert_string_equal(lines[3 * round + 1], expected);
            snprintf(expected, sizeof expected, "f %d", round);
            assert_string_equal(lines[3 * round + 2], expected);
        }
        assert_int_equal(count, 3 * ROUNDS);
        threads[part] = capture->sidecar[first - 2].thread;
        for (int other = 1; other < part; other++)
            assert_int_not_equal(threads[part], threads[other]);
    }
}

static void capture_subject(const char *how, bool children, Result **result, Capture *capture)
{
    char *trace = path_in("run.rep");
    unlink(trace);
    if (children)
        *result = RUN("--headless", "--stats", "json", "--capture", trace, "--capture-children",
                      "--", subject, how);
    else
        *result = RUN("--headless", "--stats", "json", "--capture", trace, "--", subject, how);
    if ((*result)->status != 0)
        fail_msg("heapviz --capture failed: %s", (*result)->err);
    load_capture(trace, capture);
}

static void test_capture_has_every_call_in_order(void **state)
{
    (void)state;
    Result *result;
    Capture capture;
    capture_subject("exit", false, &result, &capture);
    check_every_call(&capture);
    check_threads(&capture);
    /* The forked child wrote nothing into the parent's capture. */
    assert_int_equal(find_allocation(&capture, CHILD_BYTES), -1);
    assert_non_null(strstr(result->err, "exited with status 0"));
    assert_non_null(strstr(result->err, "4 threads"));
    /* the failed malloc(SIZE_MAX - 1) is counted, not written */
    assert_non_null(strstr(result->err, "1 calls that returned NULL"));
    /* and the statistics of the replay follow, as --headless --trace gives them */
    assert_non_null(strstr(result->out, "\"steps\":"));
    free_capture(&capture);
}

/* The program dies: every call up to the end is in the capture. */
static void check_ending(const char *how, const char *said)
{
    Result *result;
    Capture capture;
    capture_subject(how, false, &result, &capture);
    check_every_call(&capture);
    check_threads(&capture);
    if (!strstr(result->err, said))
        fail_msg("'%s' not in: %s", said, result->err);
    free_capture(&capture);
}

static void test_capture_survives_segv(void **state)
{
    (void)state;
    check_ending("segv", "died on signal 11");
}

static void test_capture_survives_abort(void **state)
{
    (void)state;
    check_ending("abort", "died on signal 6");
}

static void test_capture_survives_underscore_exit(void **state)
{
    (void)state;
    check_ending("_exit", "exited with status 3");
}

/* exec: the new program is not captured, and no child trace appears. */
static void test_exec_is_not_followed(void **state)
{
    (void)state;
    Result *result;
    Capture capture;
    capture_subject("exec", false, &result, &capture);
    check_every_call(&capture);
    assert_int_equal(find_allocation(&capture, EXEC_BYTES), -1);
    assert_null(strstr(result->err, "child process"));
    free_capture(&capture);
}

/* Finds the trace beside run.rep (run.rep.PID or run.rep.PID.1) that holds `bytes`. */
static bool child_trace_holds(uint64_t bytes)
{
    DIR *listing = opendir(directory);
    bool found = false;
    for (struct dirent *entry; !found && (entry = readdir(listing)) != NULL;) {
        size_t length = strlen(entry->d_name);
        if (strncmp(entry->d_name, "run.rep.", 8) != 0 || (length > 5 && strcmp(entry->d_name + length - 5, ".addr") == 0))
            continue;
        if (strcmp(entry->d_name, "run.rep.addr") == 0)
            continue;
        Capture child;
        load_capture(path_in(entry->d_name), &child);
        found = find_allocation(&child, bytes) >= 0;
        free_capture(&child);
    }
    closedir(listing);
    return found;
}

static void remove_child_traces(void)
{
    DIR *listing = opendir(directory);
    for (struct dirent *entry; (entry = readdir(listing)) != NULL;)
        if (strncmp(entry->d_name, "run.rep.", 8) == 0)
            unlink(path_in(entry->d_name));
    closedir(listing);
}

/* --capture-children: the forked child and the exec'd image get traces of their own. */
static void test_children_are_followed_on_request(void **state)
{
    (void)state;
    Result *result;
    Capture capture;
    remove_child_traces();
    capture_subject("exec", true, &result, &capture);
    check_every_call(&capture);
    assert_int_equal(find_allocation(&capture, CHILD_BYTES), -1);
    assert_int_equal(find_allocation(&capture, EXEC_BYTES), -1);
    assert_non_null(strstr(result->err, "2 child processes captured"));
    assert_true(child_trace_holds(CHILD_BYTES));
    assert_true(child_trace_holds(EXEC_BYTES));
    free_capture(&capture);
    remove_child_traces();
}

static void test_program_that_cannot_start(void **state)
{
    (void)state;
    char *trace = path_in("never.rep");
    Result *result = RUN("--headless", "--capture", trace, "--", "/nonexistent/program");
    assert_int_equal(result->status, 1);
    assert_string_equal(result->err,
                        "heapviz: cannot start '/nonexistent/program': No such file or directory\n");
    assert_false(exists(trace));
}

static void test_static_program_records_nothing(void **state)
{
    (void)state;
    char *trace = path_in("static.rep");
    Result *result = RUN("--headless", "--capture", trace, "--", static_subject);
    assert_int_equal(result->status, 1);
    char expected[600];
    snprintf(expected, sizeof expected,
             "heapviz: no allocations were recorded (is %s statically linked?)\n", static_subject);
    assert_string_equal(result->err, expected);
    assert_false(exists(trace));
}

static void test_capture_needs_a_program(void **state)
{
    (void)state;
    Result *result = RUN("--headless", "--capture", path_in("x.rep"));
    assert_int_equal(result->status, 2);
    assert_non_null(strstr(result->err, "--capture needs the program to run after '--'"));
    result = RUN("--headless", "--", "ls");
    assert_int_equal(result->status, 2);
}

/* Whether a sidecar line's call can stand behind a .rep line's letter: an
 * `a` is any allocating call (realloc of NULL included), an `r` a realloc
 * or reallocarray, an `f` a free (or a realloc to 0 bytes). */
static bool call_fits_letter(const char *call, char letter)
{
    static const char *const allocating[] = {"malloc", "calloc", "realloc", "reallocarray", "memalign",
                                             "posix_memalign", "aligned_alloc", "valloc", "pvalloc"};
    size_t length = strcspn(call, ":");
    if (letter == 'f')
        return strncmp(call, "free", length) == 0 || strncmp(call, "realloc", length) == 0;
    for (size_t i = 0; i < sizeof allocating / sizeof *allocating; i++)
        if (strlen(allocating[i]) == length && strncmp(call, allocating[i], length) == 0)
            return letter == 'a' || strncmp(call, "realloc", 7) == 0;
    return false;
}

/* Captures PROGRAM and checks what it recorded holds together: a strict
 * .rep, the summary's call count equal to its operations and to the
 * sidecar's lines, each line's call fitting its letter; then replays it
 * under every registered design (each policy of it with `all_policies`),
 * `recorded` among them, with no error. */
static void capture_replays_everywhere(const char *const *program, bool all_policies)
{
    char *trace = path_in("real.rep");
    const char *arguments[16] = {"--headless", "--capture", trace, "--"};
    int count = 4;
    for (int i = 0; program[i] && count < 15; i++)
        arguments[count++] = program[i];
    arguments[count] = NULL;
    Result *result = run(arguments);
    if (result->status != 0)
        fail_msg("capture of %s failed: %s", program[0], result->err);
    const char *calls = strstr(result->err, " calls from ");
    assert_non_null(calls);
    while (calls > result->err && calls[-1] >= '0' && calls[-1] <= '9')
        calls--;
    Capture capture;
    load_capture(trace, &capture);
    assert_int_equal(strtoull(calls, NULL, 10), capture.rep.op_count);
    for (uint64_t i = 0; i < capture.rep.op_count; i++)
        if (!call_fits_letter(capture.sidecar[i].call, capture.rep.ops[i].letter))
            fail_msg("%s: line %llu is '%c' from %s", program[0], (unsigned long long)i + 5,
                     capture.rep.ops[i].letter, capture.sidecar[i].call);
    free_capture(&capture);
    for (uint32_t d = 0; d < allocator_design_count(); d++) {
        const AllocatorDesign *design = allocator_design_at(d);
        for (uint32_t p = 0; design->policies[p] && (p == 0 || all_policies); p++) {
            result = RUN("--headless", "--trace", trace, "--allocator", design->name, "--policy",
                         design->policies[p], "--stats", "json");
            if (result->status != 0)
                fail_msg("%s: replay under %s:%s failed: %s", program[0], design->name, design->policies[p],
                         result->err);
            assert_non_null(strstr(result->out, "\"errors\":0"));
        }
    }
}

/* Real programs of this machine, as nobody wrote them for heapviz: Python,
 * sort (two threads at most) on a file made here, find over the kernel's headers,
 * the C compiler's driver on a small file; the first two under every
 * policy, the others under each design's first (the time under the
 * sanitizers). */
static void test_real_programs_replay_everywhere(void **state)
{
    (void)state;
    char *lines = path_in("lines.txt"), *source = path_in("small.c"), *object = path_in("small.o");
    FILE *file = fopen(lines, "w");
    assert_non_null(file);
    for (int i = 0; i < 50000; i++)
        fprintf(file, "%d\n", (i * 7919) % 50021);
    fclose(file);
    file = fopen(source, "w");
    assert_non_null(file);
    fputs("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", file);
    fclose(file);
    if (access("/usr/bin/python3", X_OK) == 0)
        capture_replays_everywhere((const char *const[]){"/usr/bin/python3", "-c",
            "import json; print(len(json.dumps({str(i): [i] * 3 for i in range(5000)})))", NULL}, true);
    capture_replays_everywhere((const char *const[]){"sort", "--parallel=2", "-S", "64K", lines, NULL}, true);
    if (access("/usr/include/linux", R_OK) == 0) /* 3,700 calls: the ostep design's lists stay quick */
        capture_replays_everywhere((const char *const[]){"find", "/usr/include/linux", "-name", "*.h", NULL},
                                   false);
    if (access("/usr/bin/gcc", X_OK) == 0)
        capture_replays_everywhere((const char *const[]){"/usr/bin/gcc", "-c", source, "-o", object, NULL},
                                   false);
}

/* The strict reader itself refuses what mdriver would not read. */
static void test_strict_reader_refuses_bad_traces(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "0\n1\n1\n1\na 0 8",                    /* no final newline */
        "0\n1\n1\n1\na 0 8\nf 0\n",             /* more ops than the header */
        "0\n1\n2\n1\na 0 8\n",                  /* fewer */
        "0\n1\n1\n1\na 1 8\n",                  /* id outside */
        "0\n1\n1\n1\na  0 8\n",                 /* two spaces */
        "0\n1\n1\n1\na 0 -8\n",                 /* a sign */
        "0\n1\n1\n1\na 0 3000000000\n",         /* beyond an int */
        "0\n1\n2\n1\na 0 8\na 0 8\n",           /* an id allocated twice */
        "0\n1\n1\n1\nf 0\n",                    /* a free of an id never allocated */
        "0\n2\n1\n1\na 0 8\n",                  /* an id never allocated */
        "0\n1\n1\n1\nc\n",                      /* heapviz's compaction: not CS:APP */
        "0\n1\n1\n1 2\na 0 8\n",                /* a header line of two numbers */
        "0\n1\n1\n1\n# a comment\n",
    };
    RepTrace trace;
    char why[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strict_rep_parse(bad[i], &trace, why, sizeof why))
            fail_msg("accepted bad trace %zu", i);
        strict_rep_free(&trace);
    }
    assert_true(strict_rep_parse("0\n1\n3\n1\na 0 8\nr 0 16\nf 0\n", &trace, why, sizeof why));
    assert_int_equal(trace.ops[1].letter, 'r');
    assert_int_equal(trace.ops[1].bytes, 16);
    strict_rep_free(&trace);
}

static int make_directory(void **state)
{
    (void)state;
    if (!mkdtemp(directory))
        return -1;
    snprintf(stdout_path, sizeof stdout_path, "%s/stdout", directory);
    snprintf(stderr_path, sizeof stderr_path, "%s/stderr", directory);
    return 0;
}

static int remove_directory(void **state)
{
    (void)state;
    DIR *listing = opendir(directory);
    for (struct dirent *entry; listing && (entry = readdir(listing)) != NULL;)
        if (entry->d_name[0] != '.')
            unlink(path_in(entry->d_name));
    if (listing)
        closedir(listing);
    rmdir(directory);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s HEAPVIZ CAPTURE_SUBJECT STATIC_SUBJECT\n", argv[0]);
        return 2;
    }
    heapviz = argv[1];
    subject = argv[2];
    static_subject = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_has_every_call_in_order),
        cmocka_unit_test(test_capture_survives_segv),
        cmocka_unit_test(test_capture_survives_abort),
        cmocka_unit_test(test_capture_survives_underscore_exit),
        cmocka_unit_test(test_exec_is_not_followed),
        cmocka_unit_test(test_children_are_followed_on_request),
        cmocka_unit_test(test_program_that_cannot_start),
        cmocka_unit_test(test_static_program_records_nothing),
        cmocka_unit_test(test_capture_needs_a_program),
        cmocka_unit_test(test_real_programs_replay_everywhere),
        cmocka_unit_test(test_strict_reader_refuses_bad_traces),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
