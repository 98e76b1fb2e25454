/*
 * command.c - the steps before a heapviz command's run (command.h): the
 * command line, the answers that need no run, the lesson, the output paths
 * and --capture's recording. Bad usage is one sentence on stderr and exit
 * status 2; an unreadable lesson or an unwritable output, status 1.
 */
#include "command.h"

#include "capture.h"
#include "headless.h"
#include "ostep.h"
#include "output_file.h"

#include <stdio.h>
#include <string.h>

enum { LESSON_LISTED = -1 };

/* --lesson NAME: reads the lesson, then parses its options followed by the
 * command line's own (which win). --lesson list prints the lessons. Returns
 * 0 to go on, LESSON_LISTED when done, or an exit status. */
static int open_lesson(int argc, char **argv, Options *options, Lesson *lesson)
{
    char message[512];
    if (strcmp(options->lesson_name, "list") == 0) {
        if (!lesson_print_list(stdout, message, sizeof message)) {
            fprintf(stderr, "heapviz: %s\n", message);
            return EXIT_BAD_INPUT;
        }
        return LESSON_LISTED;
    }
    if (!lesson_load(options->lesson_name, lesson, message, sizeof message)) {
        fprintf(stderr, "heapviz: %s\n", message);
        return EXIT_BAD_INPUT;
    }
    if (!lesson_apply(lesson, argc, argv, options, message, sizeof message)) {
        fprintf(stderr, "heapviz: %s\n", message);
        return EXIT_BAD_USAGE;
    }
    return 0;
}

/* The answers that end the command before any run: --help, --version,
 * --headless --ostep, and malloc.py's -h (also without --headless). Returns true with the exit status when the command is answered. */
static bool answered(const Options *options, int *status)
{
    *status = 0;
    if (options->show_help) {
        fputs(options_usage(), stdout);
        options_print_designs(stdout);
        return true;
    }
    if (options->show_version) {
        printf("heapviz %s\n", headless_version());
        return true;
    }
    if (options->ostep && (options->headless || ostep_asks_for_help(options))) {
        *status = ostep_headless(options);
        return true;
    }
    if (options->ostep && (options->csv_path || options->record_path || options->blocks_path ||
                           options->stats != STATS_NONE || options->lesson_name)) {
        fprintf(stderr, "heapviz: the window's --ostep mode takes none of --csv, --stats, --blocks, "
                        "--record and --lesson (--headless --csv FILE --ostep ... writes the CSV)\n");
        *status = EXIT_BAD_USAGE;
        return true;
    }
    return false;
}

bool command_read(int argc, char **argv, Command *command, int *status)
{
    Options *options = &command->options;
    char message[512];
    output_file_clean_up_on_signals();
    if (!options_parse(argc, argv, options, message, sizeof message)) {
        fprintf(stderr, "heapviz: %s\n", message);
        *status = EXIT_BAD_USAGE;
        return false;
    }
    if (answered(options, status))
        return false;
    if (options->lesson_name) {
        int lesson_status = open_lesson(argc, argv, options, &command->lesson);
        if (lesson_status != 0) {
            *status = lesson_status == LESSON_LISTED ? 0 : lesson_status;
            return false;
        }
    }
    return true;
}

bool command_needs_window(const Options *options)
{
    return !options->headless || options->screenshot_path || options->export_path;
}

/* Every output path is checked before any work starts, so a bad one costs
 * no run (and leaves no other output written). */
static bool outputs_can_be_written(const Options *options, char *message, size_t size)
{
    const char *paths[] = {options->screenshot_path, options->csv_path, options->record_path,
                           options->blocks_path};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (paths[i] && !output_file_check(paths[i], message, size))
            return false;
    return true;
}

int command_prepare(Options *options)
{
    char message[512];
    if (!outputs_can_be_written(options, message, sizeof message)) {
        fprintf(stderr, "heapviz: %s\n", message);
        return EXIT_BAD_INPUT;
    }
    return options->capture_path ? capture_command(options) : 0;
}
