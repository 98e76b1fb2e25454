/*
 * window_main.c - `heapviz-window`, the half of heapviz that links SDL:
 * `heapviz` (main.c) execs it, with the user's own arguments, for every
 * command that draws. It takes the same steps before the run (command.h),
 * then exports an animation (export.h), or runs the headless reports that
 * go with a --screenshot, and opens the window or renders the screenshot
 * (window.h). Run directly, it is the whole of heapviz.
 */
#include "command.h"
#include "export.h"
#include "headless.h"
#include "window.h"

/* --screenshot with the headless runner's outputs: the runner writes them,
 * then the window code renders the frame, as with --headless. */
static bool wants_reports(const Options *options)
{
    return options->screenshot_path && (options->csv_path || options->record_path ||
                                         options->blocks_path || options->stats != STATS_NONE);
}

int main(int argc, char **argv)
{
    static Command command;
    Options *options = &command.options;
    int status;
    if (!command_read(argc, argv, &command, &status))
        return status;
    status = command_prepare(options);
    if (status != 0)
        return status;
    if (options->export_path)
        return export_run(options);
    if (options->headless || wants_reports(options)) {
        status = headless_run(options);
        /* --headless --screenshot: the window code renders the frame after the report. */
        if (status != 0 || !options->screenshot_path)
            return status;
    }
    return window_run(options);
}
