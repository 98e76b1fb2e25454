/*
 * run_support.h - for the suites that run a built program (test_cli,
 * test_capture): start it with its output sent to files, wait for it, and
 * read those files back.
 */
#ifndef HEAPVIZ_RUN_SUPPORT_H
#define HEAPVIZ_RUN_SUPPORT_H

#include <stddef.h>

/* Runs `program` with the NULL-terminated `arguments` (argv[1]...), standard
 * output and error written to the two files. Returns its exit status, -1 if
 * it did not exit (a signal), -2 if it could not be started. */
int run_support_spawn(const char *program, const char *const *arguments, const char *stdout_path,
                      const char *stderr_path);

/* Reads up to size - 1 bytes of a file into buffer, NUL-terminated (empty if unreadable). */
void run_support_read(const char *path, char *buffer, size_t size);

#endif
