/*
 * capture.h - heapviz --capture FILE -- PROGRAM [ARGS...]: runs PROGRAM with
 * the capture library (app/capture/) preloaded, then writes what it
 * allocated as FILE, a CS:APP .rep trace, and FILE.addr, glibc's address
 * and usable size for each of its lines (capture_trace.h says how).
 *
 * With --capture-children, the programs it forks or execs are captured too,
 * each process image into FILE.PID (FILE.PID.N after an exec in the same
 * process), with its own .addr.
 */
#ifndef HEAPVIZ_CAPTURE_H
#define HEAPVIZ_CAPTURE_H

#include "capture_trace.h"
#include "options.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *path;            /* FILE */
    char *const *program;        /* PROGRAM and its arguments, NULL-terminated */
    bool follow_children;        /* --capture-children */
} CaptureRequest;

typedef struct {
    CaptureCounts counts;        /* of PROGRAM's own trace */
    bool signaled;               /* PROGRAM died on a signal... */
    int status;                  /* ...this one; else its exit status */
    unsigned other_traces;       /* children's traces written beside FILE */
} CaptureResult;

/* Runs the program to its end and writes FILE and FILE.addr (whole or not
 * at all). False, with one sentence in `message`, when the program cannot
 * be started, nothing was recorded, or a file cannot be written. */
bool capture_run(const CaptureRequest *request, CaptureResult *result, char *message,
                 size_t message_size);

/* `heapviz --capture`: runs capture_run for the options, prints its summary
 * on standard error and points options->trace_path at the new trace, so the
 * window or the headless runner goes on with it. Returns 0 or EXIT_BAD_INPUT
 * (after printing "heapviz: <sentence>"). */
int capture_command(Options *options);

#endif
