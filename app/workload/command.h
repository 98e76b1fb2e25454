/*
 * command.h - the steps every heapviz command takes before its run, shared
 * by the two programs that make up heapviz: `heapviz` (no SDL: the headless
 * runs, --headless --ostep, --capture) and `heapviz-window` beside it (the window,
 * --screenshot, --export), which `heapviz` execs with the same arguments
 * when a command needs a window. Each step either lets the command go on or
 * gives its exit status, having printed its one sentence on stderr.
 */
#ifndef HEAPVIZ_COMMAND_H
#define HEAPVIZ_COMMAND_H

#include "lesson.h"
#include "options.h"
#include <stdbool.h>

/* A command: its options, and the lesson they came with (options.lesson
 * points at it). Large: keep it static. */
typedef struct {
    Options options;
    Lesson lesson;
} Command;

/* Sets up the removal of half-written outputs on SIGINT and SIGTERM, parses
 * the command line, then answers --help, --version, --lesson list and
 * --headless --ostep (and refuses the window's --ostep with options it
 * does not take); applies
 * --lesson NAME's options. True when the command goes on with
 * command->options; false with its exit status in *status. */
bool command_read(int argc, char **argv, Command *command, int *status);

/* Whether the command draws: it opens the window, or writes --screenshot or
 * --export. Those are heapviz-window's; the rest runs without SDL. */
bool command_needs_window(const Options *options);

/* Checks every output path (before any work, so a bad one costs no run),
 * then records --capture's program, pointing options->trace_path at the new
 * trace. Returns 0 to go on, or the exit status. */
int command_prepare(Options *options);

#endif
