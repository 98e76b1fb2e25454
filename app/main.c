/*
 * main.c - `heapviz`, the program users run. It links no SDL, so a headless
 * run starts as fast as a plain C program: it parses the command line and
 * runs --headless, --ostep and --capture itself (command.h, headless.h).
 * A command that draws (the window, --screenshot, --export) is handed
 * whole to heapviz-window, the SDL program installed beside this one
 * (window_main.c): this process becomes it, through execv with the same
 * arguments, so it sees the very command line the user typed.
 */
#define _POSIX_C_SOURCE 200809L /* readlink */
#include "command.h"
#include "headless.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define WINDOW_PROGRAM "heapviz-window"

enum { PATH_BYTES = 4096 };

/* Becomes heapviz-window, found beside this program's own file. Returns
 * only when it cannot: then EXIT_BAD_INPUT after one sentence on stderr. */
static int exec_window_program(char **argv)
{
    char path[PATH_BYTES];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    char *slash = NULL;
    if (length > 0) {
        path[length] = '\0';
        slash = strrchr(path, '/');
    }
    if (!slash || (size_t)(slash - path) + sizeof "/" WINDOW_PROGRAM > sizeof path) {
        fprintf(stderr, "heapviz: cannot find the window program: /proc/self/exe does not say "
                        "where heapviz is; --headless runs without it\n");
        return EXIT_BAD_INPUT;
    }
    strcpy(slash + 1, WINDOW_PROGRAM);
    execv(path, argv);
    fprintf(stderr, "heapviz: cannot start the window program %s: %s; --headless runs without it\n",
            path, strerror(errno));
    return EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
    static Command command;
    Options *options = &command.options;
    int status;
    if (!command_read(argc, argv, &command, &status))
        return status;
    if (command_needs_window(options))
        return exec_window_program(argv);
    status = command_prepare(options);
    return status != 0 ? status : headless_run(options);
}
