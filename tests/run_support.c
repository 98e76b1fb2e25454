/*
 * run_support.c - running a built program from a test (see run_support.h),
 * with posix_spawn so the test's own state is not forked.
 */
#define _POSIX_C_SOURCE 200809L
#include "run_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

extern char **environ;

enum { MAX_ARGUMENTS = 64 };

int run_support_spawn(const char *program, const char *const *arguments, const char *stdout_path,
                      const char *stderr_path)
{
    char *argv[MAX_ARGUMENTS] = {(char *)program};
    int argc = 1;
    while (argc < MAX_ARGUMENTS - 1 && arguments[argc - 1])
        argv[argc] = (char *)arguments[argc - 1], argc++;
    argv[argc] = NULL;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int started = posix_spawn(&pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    int status;
    if (started != 0 || waitpid(pid, &status, 0) != pid)
        return -2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void run_support_read(const char *path, char *buffer, size_t size)
{
    FILE *file = fopen(path, "rb");
    size_t length = file ? fread(buffer, 1, size - 1, file) : 0;
    buffer[length] = '\0';
    if (file)
        fclose(file);
}
