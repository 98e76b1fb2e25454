/*
 * main.c - heapviz's entry point: parse the command line, then run headless
 * (headless.h), export an animation (export.h) or open the window
 * (window.h). Bad usage is one sentence on stderr and exit status 2. Output
 * paths are checked first. --capture records its program first and goes on
 * with the recording as the trace.
 */
#include "options.h"
#include "capture.h"
#include "export.h"
#include "headless.h"
#include "lesson.h"
#include "output_file.h"
#include "ostep.h"
#include "window.h"

#include <stdio.h>
#include <string.h>

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

/* --screenshot with the headless runner's outputs: the runner writes them,
 * then the window code renders the frame, as with --headless. */
static bool wants_reports(const Options *options)
{
    return options->screenshot_path && (options->csv_path || options->record_path ||
                                         options->blocks_path || options->stats != STATS_NONE);
}

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

int main(int argc, char **argv)
{
    Options options;
    char message[512];
    output_file_clean_up_on_signals();
    if (!options_parse(argc, argv, &options, message, sizeof message)) {
        fprintf(stderr, "heapviz: %s\n", message);
        return EXIT_BAD_USAGE;
    }
    if (options.show_help) {
        fputs(options_usage(), stdout);
        options_print_designs(stdout);
        return 0;
    }
    if (options.show_version) {
        printf("heapviz %s\n", headless_version());
        return 0;
    }
    if (options.ostep && options.headless)
        return ostep_headless(&options);
    if (options.ostep && (options.csv_path || options.record_path || options.blocks_path ||
                          options.stats != STATS_NONE || options.lesson_name)) {
        fprintf(stderr, "heapviz: the window's --ostep mode takes none of --csv, --stats, --blocks, "
                        "--record and --lesson (--headless --csv FILE --ostep ... writes the CSV)\n");
        return EXIT_BAD_USAGE;
    }
    static Lesson lesson;
    if (options.lesson_name) {
        int status = open_lesson(argc, argv, &options, &lesson);
        if (status != 0)
            return status == LESSON_LISTED ? 0 : status;
    }
    if (!outputs_can_be_written(&options, message, sizeof message)) {
        fprintf(stderr, "heapviz: %s\n", message);
        return EXIT_BAD_INPUT;
    }
    if (options.capture_path) {
        int status = capture_command(&options);
        if (status != 0)
            return status;
    }
    if (options.export_path) {
        return export_run(&options);
    }
    if (options.headless || wants_reports(&options)) {
        int status = headless_run(&options);
        /* --headless --screenshot: the window code renders the frame after the report. */
        if (status != 0 || !options.screenshot_path)
            return status;
    }
    return window_run(&options);
}
