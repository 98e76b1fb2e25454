/*
 * main.c - heapviz's entry point: parse the command line, then either run
 * headless (headless.h) or open the window (window.h). Bad usage is one
 * sentence on stderr and exit status 2. --capture records its program first
 * and goes on with the recording as the trace.
 */
#include "options.h"
#include "capture.h"
#include "headless.h"
#include "output_file.h"
#include "window.h"

#include <stdio.h>

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
    if (options.capture_path) {
        int status = capture_command(&options);
        if (status != 0)
            return status;
    }
    if (options.headless) {
        int status = headless_run(&options);
        /* --headless --screenshot: the window code renders the frame after the report. */
        if (status != 0 || !options.screenshot_path)
            return status;
    }
    return window_run(&options);
}
