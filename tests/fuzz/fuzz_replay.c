/*
 * fuzz_replay.c - runs a fuzz target over every file of its corpus.
 *
 * In builds without libFuzzer this main takes the place of libFuzzer's:
 * argv[1] is the corpus directory, whose files are fed to the target in
 * name order, so every test run (the asan preset's too) replays the seeds
 * and every input the fuzzers found. A broken promise aborts inside the
 * target (fuzz_fail) with the reason on stderr. Each input runs in a child
 * process that exits normally (so LeakSanitizer still checks it), and one
 * failing input does not hide the others: the test lists them all.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_target.h"

static const char *corpus;

/* Every file but the hidden ones (".", "..", editors' leftovers). */
static int keep_input(const struct dirent *entry)
{
    return entry->d_name[0] != '.';
}

enum { UNREADABLE = 3 };

/* Reads a whole corpus file into *data; false if it cannot. */
static bool read_input(const char *path, uint8_t **data, size_t *size)
{
    FILE *file = fopen(path, "rb");
    *data = NULL;
    *size = 0;
    for (size_t capacity = 0; file;) {
        if (*size == capacity) {
            capacity = capacity ? capacity * 2 : 4096;
            uint8_t *larger = realloc(*data, capacity);
            if (!larger)
                break;
            *data = larger;
        }
        size_t got = fread(*data + *size, 1, capacity - *size, file);
        *size += got;
        if (got == 0) {
            bool ok = !ferror(file);
            fclose(file);
            return ok;
        }
    }
    if (file)
        fclose(file);
    return false;
}

/* The child's whole life: read the input, run the target, free everything. */
static int replay(const char *path)
{
    uint8_t *data = NULL;
    size_t size = 0;
    int status = read_input(path, &data, &size) ? LLVMFuzzerTestOneInput(data, size) : UNREADABLE;
    if (status == UNREADABLE)
        fprintf(stderr, "cannot read %s\n", path);
    free(data);
    return status;
}

/* Replays one input in a child process; true if it exited 0. */
static bool replays_cleanly(const char *path)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        exit(replay(path));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_every_corpus_file_replays_cleanly(void **state)
{
    (void)state;
    struct dirent **entries = NULL;
    int count = scandir(corpus, &entries, keep_input, alphasort);
    if (count < 1)
        fail_msg("no inputs in the corpus %s", corpus);
    char failed[1024] = "";
    int failures = 0;
    for (int i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", corpus, entries[i]->d_name);
        if (!replays_cleanly(path)) {
            failures++;
            snprintf(failed + strlen(failed), sizeof failed - strlen(failed), " %s", entries[i]->d_name);
        }
    }
    for (int i = 0; i < count; i++)
        free(entries[i]);
    free(entries);
    print_message("replayed %d inputs from %s\n", count, corpus);
    if (failures > 0)
        fail_msg("%d of %d inputs failed (see above):%s", failures, count, failed);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIRECTORY\n", argv[0]);
        return 2;
    }
    corpus = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_corpus_file_replays_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
