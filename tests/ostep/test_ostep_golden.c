/*
 * test_ostep_golden.c - the built heapviz (argv[1]) against the hand-checked
 * cases in a folder (argv[2], tests/ostep/golden): `heapviz --headless
 * --ostep FLAGS` must print each case's expected text byte for byte.
 *
 * A case is one file. Lines starting with '#' before the first "@@" line are
 * the hand derivation (why the text is what it is). Then:
 *   @@ args WORD WORD ...   heapviz's arguments, split at single spaces;
 *                           {csv} is a scratch CSV path, {scratch} its folder
 *   @@ status N             the exit status (default 0)
 *   @@ stderr LINE          the one line on stderr, {scratch} expanded
 *                           (required when N != 0; with 0 stderr is empty)
 *   @@ csv-before           (text to the next @@) written to {csv} first
 *   @@ csv                  (text to the next @@) what {csv} must hold after
 *   @@ no-csv               {csv} must not exist after the run
 *   @@ stdout               (text to the end of the file) the whole stdout
 * Expected text was worked out by hand from malloc.py's rules, never taken
 * from heapviz; each case is one cmocka test named after its file.
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
#include <unistd.h>

enum { MIN_CASES = 30, MAX_CASES = 128, MAX_WORDS = 60, TEXT_BYTES = 65536, PATH_BYTES = 512 };

typedef struct {
    char name[128];
    char *text;                  /* the whole file, cut into sections in place */
    char *arguments[MAX_WORDS];  /* NULL-terminated */
    int status;
    const char *stderr_line;     /* NULL: not given */
    const char *csv_before;      /* NULL: no file before the run */
    const char *csv_after;       /* NULL: not checked */
    bool no_csv;
    const char *stdout_text;
} GoldenCase;

static const char *heapviz_path;
static const char *golden_folder;
static char scratch[] = "/tmp/heapviz-ostep-golden-XXXXXX";

/* The whole file, or NULL if it cannot be read or is too long. */
static char *read_whole_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    char *text = file ? malloc(TEXT_BYTES) : NULL;
    size_t length = text ? fread(text, 1, TEXT_BYTES - 1, file) : 0;
    if (file)
        fclose(file);
    if (!text || length == TEXT_BYTES - 1) {
        free(text);
        return NULL;
    }
    text[length] = '\0';
    return text;
}

/* Ends a multi-line section's text at the next "\n@@ " (the newline stays
 * with the text); returns the name of the next section, or NULL at none. */
static char *end_section(char *start)
{
    char *next = strstr(start, "\n@@ ");
    if (!next)
        return NULL;
    next[1] = '\0';
    return next + 4;
}

/* After a one-line section: the name of the next one (its line must follow). */
static char *next_section(const GoldenCase *golden, char *line)
{
    if (strncmp(line, "@@ ", 3) != 0)
        fail_msg("%s: expected an @@ line, found '%.40s'", golden->name, line);
    return line + 3;
}

/* Replaces {csv} and {scratch} in one argument word. */
static char *expand(const char *word)
{
    char *text = malloc(PATH_BYTES);
    assert_non_null(text);
    if (strcmp(word, "{csv}") == 0)
        snprintf(text, PATH_BYTES, "%s/out.csv", scratch);
    else if (strncmp(word, "{scratch}", 9) == 0)
        snprintf(text, PATH_BYTES, "%s%s", scratch, word + 9);
    else
        snprintf(text, PATH_BYTES, "%s", word);
    return text;
}

static void split_arguments(GoldenCase *golden, char *line)
{
    int count = 0;
    for (char *word = strtok(line, " "); word; word = strtok(NULL, " ")) {
        assert_true(count < MAX_WORDS - 1);
        golden->arguments[count++] = expand(word);
    }
    golden->arguments[count] = NULL;
    assert_true(count > 0);
}

/* Reads one section starting at `at` (its name, just after "@@ "); returns
 * the next section's name, or NULL after the last. */
static char *read_section(GoldenCase *golden, char *at)
{
    char *line_end = strchr(at, '\n');
    assert_non_null(line_end);
    *line_end = '\0';
    char *body = line_end + 1;
    if (strncmp(at, "args ", 5) == 0) {
        split_arguments(golden, at + 5);
        return next_section(golden, body);
    }
    if (strncmp(at, "status ", 7) == 0) {
        golden->status = atoi(at + 7);
        return next_section(golden, body);
    }
    if (strncmp(at, "stderr ", 7) == 0) {
        golden->stderr_line = at + 7;
        return next_section(golden, body);
    }
    if (strcmp(at, "no-csv") == 0) {
        golden->no_csv = true;
        return next_section(golden, body);
    }
    if (strcmp(at, "stdout") == 0) {
        golden->stdout_text = body;
        return NULL;
    }
    if (strcmp(at, "csv-before") == 0)
        golden->csv_before = body;
    else if (strcmp(at, "csv") == 0)
        golden->csv_after = body;
    else
        fail_msg("%s: unknown section '@@ %s'", golden->name, at);
    char *next = end_section(body);
    assert_non_null(next);
    return next;
}

static void parse_case(GoldenCase *golden)
{
    char *at = strstr(golden->text, "@@ ");
    assert_non_null(at);
    assert_true(at == golden->text || at[-1] == '\n');
    for (char *line = golden->text; line < at; line = strchr(line, '\n') + 1)
        if (line[0] != '#')
            fail_msg("%s: a line before the first @@ that is not a # comment", golden->name);
    for (at += 3; at;)
        at = read_section(golden, at);
    assert_non_null(golden->arguments[0]);
    assert_non_null(golden->stdout_text);
    if (golden->status != 0 && !golden->stderr_line)
        fail_msg("%s: a failing case must give its stderr line", golden->name);
}

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

/* The stderr line with {scratch} replaced, and its newline. */
static void expand_scratch(const char *line, char *text, size_t size)
{
    const char *mark = strstr(line, "{scratch}");
    if (mark)
        snprintf(text, size, "%.*s%s%s\n", (int)(mark - line), line, scratch, mark + 9);
    else
        snprintf(text, size, "%s\n", line);
}

/* Shows where two texts part, then fails. */
static void expect_same_text(const char *name, const char *what, const char *expected, const char *actual)
{
    if (strcmp(expected, actual) == 0)
        return;
    size_t at = 0;
    while (expected[at] && expected[at] == actual[at])
        at++;
    size_t line_start = at;
    while (line_start > 0 && expected[line_start - 1] != '\n')
        line_start--;
    fail_msg("%s: %s differs at byte %zu\nexpected: \"%.80s\"\nactual:   \"%.80s\"", name, what, at,
             expected + line_start, actual + line_start);
}

/* The scratch folder holds only stdout, stderr and out.csv: no temporary
 * file of a CSV that was never committed. */
static void expect_nothing_else_in_scratch(const char *name)
{
    DIR *folder = opendir(scratch);
    assert_non_null(folder);
    for (struct dirent *entry; (entry = readdir(folder));) {
        const char *file = entry->d_name;
        if (strcmp(file, ".") && strcmp(file, "..") && strcmp(file, "stdout") &&
            strcmp(file, "stderr") && strcmp(file, "out.csv"))
            fail_msg("%s: '%s' was left behind in %s", name, file, scratch);
    }
    closedir(folder);
}

static void remove_scratch(void)
{
    const char *const files[] = { "stdout", "stderr", "out.csv" };
    char path[PATH_BYTES];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", scratch, files[i]);
        unlink(path);
    }
    if (rmdir(scratch) != 0)
        perror(scratch);
}

static void test_golden_case(void **state)
{
    GoldenCase *golden = *state;
    if (!golden->text)
        fail_msg("%s: cannot read the case (or it exceeds %d bytes)", golden->name, TEXT_BYTES - 1);
    parse_case(golden);
    char csv_path[PATH_BYTES], out_path[PATH_BYTES], err_path[PATH_BYTES];
    snprintf(csv_path, sizeof csv_path, "%s/out.csv", scratch);
    snprintf(out_path, sizeof out_path, "%s/stdout", scratch);
    snprintf(err_path, sizeof err_path, "%s/stderr", scratch);
    unlink(csv_path);
    if (golden->csv_before)
        write_file(csv_path, golden->csv_before);
    int status = run_support_spawn(heapviz_path, (const char *const *)golden->arguments, out_path,
                                   err_path);
    static char actual[TEXT_BYTES], errors[TEXT_BYTES];
    run_support_read(out_path, actual, sizeof actual);
    run_support_read(err_path, errors, sizeof errors);
    expect_same_text(golden->name, "stdout", golden->stdout_text, actual);
    if (status != golden->status)
        fail_msg("%s: exit status %d, expected %d (stderr: %s)", golden->name, status, golden->status,
                 errors);
    char expected_errors[1024] = "";
    if (golden->stderr_line)
        expand_scratch(golden->stderr_line, expected_errors, sizeof expected_errors);
    expect_same_text(golden->name, "stderr", expected_errors, errors);
    if (golden->csv_after) {
        static char csv[TEXT_BYTES];
        assert_int_equal(access(csv_path, F_OK), 0);
        run_support_read(csv_path, csv, sizeof csv);
        expect_same_text(golden->name, "the CSV file", golden->csv_after, csv);
    }
    if (golden->no_csv && access(csv_path, F_OK) == 0)
        fail_msg("%s: the CSV file was left behind", golden->name);
    expect_nothing_else_in_scratch(golden->name);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const GoldenCase *)a)->name, ((const GoldenCase *)b)->name);
}

/* Reads every *.txt in the folder into `cases`; returns how many. */
static int load_cases(GoldenCase *cases)
{
    DIR *folder = opendir(golden_folder);
    if (!folder) {
        fprintf(stderr, "cannot open %s\n", golden_folder);
        exit(1);
    }
    int count = 0;
    for (struct dirent *entry; (entry = readdir(folder));) {
        size_t length = strlen(entry->d_name);
        if (length < 5 || strcmp(entry->d_name + length - 4, ".txt") != 0 || count == MAX_CASES ||
            length >= sizeof cases[0].name)
            continue;
        memcpy(cases[count++].name, entry->d_name, length + 1);
    }
    closedir(folder);
    qsort(cases, (size_t)count, sizeof cases[0], by_name);
    return count;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s HEAPVIZ GOLDEN_FOLDER\n", argv[0]);
        return 1;
    }
    heapviz_path = argv[1];
    golden_folder = argv[2];
    if (!mkdtemp(scratch)) {
        perror(scratch);
        return 1;
    }
    static GoldenCase cases[MAX_CASES];
    static struct CMUnitTest tests[MAX_CASES];
    int count = load_cases(cases);
    for (int i = 0; i < count; i++) {
        char path[PATH_BYTES + 160];
        snprintf(path, sizeof path, "%.*s/%.127s", PATH_BYTES - 1, golden_folder, cases[i].name);
        cases[i].text = read_whole_file(path);
        tests[i] = (struct CMUnitTest){ cases[i].name, test_golden_case, NULL, NULL, &cases[i] };
    }
    int failed = _cmocka_run_group_tests("ostep_golden", tests, (size_t)count, NULL, NULL);
    remove_scratch();
    if (count < MIN_CASES)
        fprintf(stderr, "only %d cases in %s (expected at least %d)\n", count, golden_folder, MIN_CASES);
    return failed || count < MIN_CASES;
}
