/*
 * test_malformed.c - the built heapviz (argv[1]) against broken traces (the
 * files in argv[2]) and bad command lines, each with its exact message and
 * exit status.
 *
 * Two tables say what must happen: for every file in traces/, the sentence
 * after "heapviz: PATH" (the trace is run with --headless) and exit status 1;
 * for every bad command line, its status (1 bad input, 2 bad usage) and the
 * whole sentence. "{traces}" in a command line or sentence stands for the
 * traces directory. Each row is one cmocka test, named after its file or
 * command line; stdout must stay empty and stderr must be exactly one line.
 * A last test checks that the directory and the table list the same files.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { EXIT_BAD_INPUT = 1, EXIT_BAD_USAGE = 2, MAX_ARGUMENTS = 16, TEXT_BYTES = 4096 };

typedef struct {
    const char *file;            /* in traces/ */
    const char *message;         /* what follows "heapviz: PATH" */
} BrokenTrace;

typedef struct {
    const char *line;            /* arguments separated by single spaces */
    int status;
    const char *message;         /* the whole line after "heapviz: " */
} BadCommand;

static const BrokenTrace BROKEN_TRACES[] = {
    {"empty.rep", ":1: the header ends early: expected 4 numbers (suggested heap size, ids, operations, weight), found 0"},
    {"blank-lines-only.rep", ":5: the header ends early: expected 4 numbers (suggested heap size, ids, operations, weight), found 0"},
    {"header-two-numbers.rep", ":3: the header ends early: expected 4 numbers (suggested heap size, ids, operations, weight), found 2"},
    {"header-word.rep", ":1: suggested heap size 'lots' is not a number"},
    {"header-negative-ids.rep", ":2: negative number of ids '-2'"},
    {"header-too-many-ids.rep", ":2: number of ids 20000000 is more than the file can use (at most 16777216: one per operation, or 16777216)"},
    {"header-ids-overflow.rep", ":2: number of ids '18446744073709551616' is too large (at most 4294967295)"},
    {"header-ops-too-large.rep", ":3: number of operations '4294967296' is too large (at most 4294967295)"},
    {"header-weight-fraction.rep", ":4: weight '1.5' is not a number"},
    {"header-extra-field.rep", ":4: extra field '7' after the header's four numbers"},
    {"png-signature.rep", ":3: a NUL byte: a trace is text"},
    {"op-unknown.rep", ":5: unknown operation 'x' (expected a, f, r or c)"},
    {"op-uppercase.rep", ":5: unknown operation 'A' (expected a, f, r or c)"},
    {"op-word.rep", ":5: unknown operation 'alloc' (expected a, f, r or c)"},
    {"op-ostep-line.rep", ":5: unknown operation '+5' (expected a, f, r or c)"},
    {"long-token.rep", ":5: unknown operation 'qqqqqqqqqqqqqqqqqqqqqqqq...' (expected a, f, r or c)"},
    {"nul-byte.rep", ":5: a NUL byte: a trace is text"},
    {"crlf-bad-op.rep", ":6: unknown operation 'm' (expected a, f, r or c)"},
    {"alloc-missing-id.rep", ":5: missing id: 'a' takes an id and a byte count"},
    {"alloc-missing-bytes.rep", ":5: missing byte count: 'a 0' needs a byte count after the id"},
    {"realloc-missing-bytes.rep", ":5: missing byte count: 'r 1' needs a byte count after the id"},
    {"free-missing-id.rep", ":7: missing id: 'f' takes an id"},
    {"alloc-extra-field.rep", ":5: extra field '9': 'a' takes an id and a byte count"},
    {"free-extra-field.rep", ":6: extra field '7': 'f' takes an id"},
    {"compact-extra-field.rep", ":5: extra field 'now': 'c' takes no fields"},
    {"bytes-negative.rep", ":5: negative byte count '-5'"},
    {"id-negative.rep", ":5: negative id '-1'"},
    {"bytes-not-a-number.rep", ":5: byte count '12x' is not a number"},
    {"bytes-fullwidth-digits.rep", ":5: byte count '?\?\?' is not a number"},
    {"id-not-a-number.rep", ":5: id 'zero' is not a number"},
    {"bytes-too-large.rep", ":5: byte count '99999999999999999999' is too large (at most 18446744073709551615)"},
    {"id-too-large.rep", ":5: id '4294967296' is too large (at most 4294967295)"},
    {"id-outside-header.rep", ":5: id 2 is outside the header's 2 ids (0 to 1)"},
    {"id-with-zero-ids.rep", ":5: id 0 is outside the header's 0 ids"},
    {"free-never-allocated.rep", ":6: 'f 1' frees id 1, which no earlier 'a' or 'r' line allocated"},
    {"alloc-live-id.rep", ":8: 'a 0' allocates id 0 again: line 5 allocated it and no 'f 0' came since"},
    {"alloc-after-realloc.rep", ":6: 'a 1' allocates id 1 again: line 5 allocated it and no 'f 1' came since"},
    {"count-too-few.rep", ":3: the header says 3 operations but the file has 2"},
    {"count-too-many.rep", ":1: the header says 1 operations but the file has 2"},
    {"ostep-unknown.txt", ":1: unknown operation 'x' (expected +BYTES or -INDEX)"},
    {"ostep-missing-bytes.txt", ":1: missing byte count after '+'"},
    {"ostep-missing-index.txt", ":1: missing allocation index after '-'"},
    {"ostep-bytes-not-a-number.txt", ":1: byte count '1a' is not a number"},
    {"ostep-bytes-negative.txt", ":1: negative byte count '-4'"},
    {"ostep-bytes-too-large.txt", ":1: byte count '18446744073709551616' is too large (at most 18446744073709551615)"},
    {"ostep-index-too-large.txt", ":1: allocation index '4294967296' is too large (at most 4294967295)"},
    {"ostep-free-ahead.txt", ":1: '-1' frees allocation 1, but only 1 allocations came before it"},
    {"ostep-free-ahead-line-3.txt", ":3: '-7' frees allocation 7, but only 2 allocations came before it"},
    {"ostep-free-before-any.txt", ":2: '-0' frees allocation 0, but only 0 allocations came before it"},
};

#define WHOLE_NUMBER(option, low, high, value) \
    option " takes a whole number from " #low " to " #high ", not '" value "'"
#define COMPARE_LIST(value) \
    "--compare takes 2 to 6 different panes separated by commas, each DESIGN:POLICY or a policy of " \
    "the tags allocator (first-fit, next-fit, best-fit, worst-fit or bump), not '" value "'"
#define PROBABILITY(value) "--p-malloc takes a probability from 0 to 1 (such as 0.3), not '" value "'"
#define POLICY(value) \
    "--policy takes a policy of the tags allocator (first-fit, next-fit, best-fit, worst-fit or bump), " \
    "not '" value "'"
#define ALIGNMENT(value) "--align takes a power of two from 4 to 64, not '" value "'"

static const BadCommand BAD_COMMANDS[] = {
    {"--frobnicate", EXIT_BAD_USAGE, "unknown option '--frobnicate' (see heapviz --help)"},
    {"-x", EXIT_BAD_USAGE, "unknown option '-x' (see heapviz --help)"},
    {"stray", EXIT_BAD_USAGE, "unexpected argument 'stray' (see heapviz --help)"},
    {"--seed", EXIT_BAD_USAGE, "--seed needs a value (see heapviz --help)"},
    {"--headless=yes", EXIT_BAD_USAGE, "--headless takes no value, not 'yes'"},
    {"--help=please", EXIT_BAD_USAGE, "--help takes no value, not 'please'"},
    {"--steps 0", EXIT_BAD_USAGE, WHOLE_NUMBER("--steps", 1, 4294967295, "0")},
    {"--steps -5", EXIT_BAD_USAGE, WHOLE_NUMBER("--steps", 1, 4294967295, "-5")},
    {"--steps 4294967296", EXIT_BAD_USAGE, WHOLE_NUMBER("--steps", 1, 4294967295, "4294967296")},
    {"--seed 18446744073709551616", EXIT_BAD_USAGE,
     WHOLE_NUMBER("--seed", 0, 18446744073709551615, "18446744073709551616")},
    {"--slots 1e3", EXIT_BAD_USAGE, WHOLE_NUMBER("--slots", 1, 4194304, "1e3")},
    {"--slots 4194305", EXIT_BAD_USAGE, WHOLE_NUMBER("--slots", 1, 4194304, "4194305")},
    {"--policy bst", EXIT_BAD_USAGE, POLICY("bst")},
    {"--policy First-Fit", EXIT_BAD_USAGE, POLICY("First-Fit")},
    {"--align 12", EXIT_BAD_USAGE, ALIGNMENT("12")},
    {"--align 128", EXIT_BAD_USAGE, ALIGNMENT("128")},
    {"--align 2", EXIT_BAD_USAGE, ALIGNMENT("2")},
    {"--align 0", EXIT_BAD_USAGE, ALIGNMENT("0")},
    {"--align 0x10", EXIT_BAD_USAGE, ALIGNMENT("0x10")},
    {"--heap-bytes 10", EXIT_BAD_USAGE, WHOLE_NUMBER("--heap-bytes", 64, 1073741824, "10")},
    {"--heap-bytes 1073741825", EXIT_BAD_USAGE,
     WHOLE_NUMBER("--heap-bytes", 64, 1073741824, "1073741825")},
    {"--min-payload 0", EXIT_BAD_USAGE, WHOLE_NUMBER("--min-payload", 1, 65536, "0")},
    {"--page-size 65537", EXIT_BAD_USAGE, WHOLE_NUMBER("--page-size", 1, 65536, "65537")},
    {"--history-mb 0", EXIT_BAD_USAGE, WHOLE_NUMBER("--history-mb", 1, 1048576, "0")},
    {"--p-malloc 1.5", EXIT_BAD_USAGE, PROBABILITY("1.5")},
    {"--p-malloc nan", EXIT_BAD_USAGE, PROBABILITY("nan")},
    {"--p-malloc=", EXIT_BAD_USAGE, PROBABILITY("")},
    {"--p-malloc 0.3x", EXIT_BAD_USAGE, PROBABILITY("0.3x")},
    {"--stats xml", EXIT_BAD_USAGE, "--stats takes text or json, not 'xml'"},
    {"--trace=", EXIT_BAD_USAGE, "--trace takes a file name, not ''"},
    {"--blocks=", EXIT_BAD_USAGE, "--blocks takes a file name, not ''"},
    {"--compare first-fit", EXIT_BAD_USAGE, COMPARE_LIST("first-fit")},
    {"--compare first-fit,first-fit", EXIT_BAD_USAGE, COMPARE_LIST("first-fit,first-fit")},
    {"--compare first-fit,best-fit,next-fit,worst-fit,bump,first-fit", EXIT_BAD_USAGE,
     COMPARE_LIST("first-fit,best-fit,next-fit,worst-fit,bump,first-fit")},
    {"--compare first-fit,,bump", EXIT_BAD_USAGE, COMPARE_LIST("first-fit,,bump")},
    {"--heap-bytes 4096 --heap-pages 10", EXIT_BAD_USAGE,
     "--heap-bytes and --heap-pages both set the heap size; give one"},
    {"--policy bump --compare first-fit,bump", EXIT_BAD_USAGE,
     "--policy and --compare both choose the policy; give one"},
    {"--compare first-fit,bump --csv c.csv", EXIT_BAD_USAGE,
     "--blocks, --record and --csv describe one heap; they cannot be combined with --compare"},
    {"--min-request 9 --max-request 3", EXIT_BAD_USAGE,
     "--min-request (9 pages) must not exceed --max-request (3 pages)"},
    {"--heap-pages 4", EXIT_BAD_USAGE, "--heap-pages 4 of 4 bytes gives a heap outside 64 to 1073741824 bytes"},
    {"--heap-pages 1073741824 --page-size 2", EXIT_BAD_USAGE,
     "--heap-pages 1073741824 of 2 bytes gives a heap outside 64 to 1073741824 bytes"},
    {"--headless --at-step 101", EXIT_BAD_USAGE, "--at-step 101 is past the end of the run, which has 100 steps"},
    {"--headless --steps 5 --at-step 6", EXIT_BAD_USAGE,
     "--at-step 6 is past the end of the run, which has 5 steps"},
    {"--headless --heap-bytes 64 --min-payload 100", EXIT_BAD_USAGE,
     "a 64-byte heap cannot hold one block with --align 8 and --min-payload 100: the tags "
     "allocator needs --heap-bytes 120 or more"},
    {"--headless --heap-bytes 64 --align 64", EXIT_BAD_USAGE,
     "a 64-byte heap cannot hold one block with --align 64 and --min-payload 8: the tags "
     "allocator needs --heap-bytes 120 or more"},
    {"--headless --trace /nonexistent/t.rep", EXIT_BAD_INPUT,
     "/nonexistent/t.rep: cannot read: No such file or directory"},
    {"--headless --trace {traces}", EXIT_BAD_INPUT, "{traces}: cannot read: Is a directory"},
    {"--headless --trace {traces}/empty.rep --policy bump", EXIT_BAD_INPUT,
     "{traces}/empty.rep:1: the header ends early: expected 4 numbers (suggested heap size, ids, "
     "operations, weight), found 0"},
    {"--headless --blocks /nonexistent/dir/b.txt", EXIT_BAD_INPUT,
     "cannot write '/nonexistent/dir/b.txt': No such file or directory"},
    {"--headless --record /nonexistent/r.rep", EXIT_BAD_INPUT,
     "cannot write '/nonexistent/r.rep': No such file or directory"},
};

enum {
    BROKEN_TRACE_COUNT = sizeof BROKEN_TRACES / sizeof BROKEN_TRACES[0],
    BAD_COMMAND_COUNT = sizeof BAD_COMMANDS / sizeof BAD_COMMANDS[0]
};

static const char *binary;
static const char *traces;

/* ---- running heapviz ------------------------------------------------------ */

typedef struct {
    int status;                  /* exit status; -1 if killed by a signal */
    char out[TEXT_BYTES];
    char err[TEXT_BYTES];
} Outcome;

/* An anonymous temporary file (unlinked at once) to catch one stream. */
static int capture_file(void)
{
    char path[] = "/tmp/heapviz-malformed-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    return fd;
}

static void read_back(int fd, char *text)
{
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    ssize_t length = read(fd, text, TEXT_BYTES - 1);
    text[length > 0 ? length : 0] = '\0';
    close(fd);
}

static void run_heapviz(char **argv, Outcome *outcome)
{
    int out = capture_file(), err = capture_file();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err, STDERR_FILENO);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, binary, &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    outcome->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    read_back(out, outcome->out);
    read_back(err, outcome->err);
}

/* `text` with "{traces}" replaced by the traces directory. */
static void expand(const char *text, char *out, size_t size)
{
    static const char key[] = "{traces}";
    const char *at = strstr(text, key);
    int written = at ? snprintf(out, size, "%.*s%s%s", (int)(at - text), text, traces, at + sizeof key - 1)
                     : snprintf(out, size, "%s", text);
    assert_true(written >= 0 && (size_t)written < size);
}

/* Runs heapviz with `arguments` (space separated, "{traces}" expanded) and
 * asserts the status and that stderr is exactly "heapviz: MESSAGE\n". */
static void expect_refusal(const char *arguments, int status, const char *message)
{
    char line[TEXT_BYTES], wanted[TEXT_BYTES], expected[TEXT_BYTES + 16];
    char *argv[MAX_ARGUMENTS] = {(char *)binary};
    int argc = 1;
    expand(arguments, line, sizeof line);
    for (char *word = strtok(line, " "); word; word = strtok(NULL, " ")) {
        assert_true(argc < MAX_ARGUMENTS - 1);
        argv[argc++] = word;
    }
    argv[argc] = NULL;
    expand(message, wanted, sizeof wanted);
    snprintf(expected, sizeof expected, "heapviz: %s\n", wanted);
    Outcome outcome;
    run_heapviz(argv, &outcome);
    assert_string_equal(outcome.err, expected);
    assert_int_equal(outcome.status, status);
    assert_string_equal(outcome.out, "");
}

/* ---- the tests ------------------------------------------------------------ */

static void test_broken_trace(void **state)
{
    const BrokenTrace *row = *state;
    char arguments[TEXT_BYTES], message[TEXT_BYTES];
    snprintf(arguments, sizeof arguments, "--headless --trace {traces}/%s", row->file);
    snprintf(message, sizeof message, "{traces}/%s%s", row->file, row->message);
    expect_refusal(arguments, EXIT_BAD_INPUT, message);
}

static void test_bad_command(void **state)
{
    const BadCommand *row = *state;
    expect_refusal(row->line, row->status, row->message);
}

static bool in_table(const char *file)
{
    for (int i = 0; i < BROKEN_TRACE_COUNT; i++)
        if (strcmp(BROKEN_TRACES[i].file, file) == 0)
            return true;
    return false;
}

static void test_every_trace_file_has_a_row(void **state)
{
    (void)state;
    DIR *directory = opendir(traces);
    assert_non_null(directory);
    int files = 0;
    for (struct dirent *entry; (entry = readdir(directory)) != NULL;) {
        if (entry->d_name[0] == '.')
            continue;
        if (!in_table(entry->d_name))
            fail_msg("traces/%s has no row in BROKEN_TRACES", entry->d_name);
        files++;
    }
    closedir(directory);
    assert_int_equal(files, BROKEN_TRACE_COUNT);
    assert_true(BROKEN_TRACE_COUNT >= 30);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s HEAPVIZ TRACES_DIRECTORY\n", argv[0]);
        return 2;
    }
    binary = argv[1];
    traces = argv[2];
    static struct CMUnitTest tests[BROKEN_TRACE_COUNT + BAD_COMMAND_COUNT + 1];
    int count = 0;
    for (int i = 0; i < BROKEN_TRACE_COUNT; i++)
        tests[count++] = (struct CMUnitTest){BROKEN_TRACES[i].file, test_broken_trace, NULL, NULL,
                                             (void *)&BROKEN_TRACES[i]};
    for (int i = 0; i < BAD_COMMAND_COUNT; i++)
        tests[count++] = (struct CMUnitTest){BAD_COMMANDS[i].line, test_bad_command, NULL, NULL,
                                             (void *)&BAD_COMMANDS[i]};
    tests[count++] = (struct CMUnitTest)cmocka_unit_test(test_every_trace_file_has_a_row);
    return _cmocka_run_group_tests("malformed", tests, (size_t)count, NULL, NULL);
}
