/*
 * capture.c - running a program under the capture library (see capture.h).
 *
 * The logs go into a fresh temporary directory: the library names each one
 * after its process (log.PID, log.PID.N after an exec). heapviz forks,
 * the child sets LD_PRELOAD and the log prefix and execs PROGRAM; an exec
 * that fails sends its errno back through a close-on-exec pipe, so "cannot
 * start" is told apart from a program that ran and failed. While PROGRAM
 * runs, heapviz ignores Ctrl-C (as system() does), so an interrupted
 * program's recording is still converted. Then each log becomes a trace
 * and is deleted, and so is the directory.
 */
#define _GNU_SOURCE
#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef HEAPVIZ_INSTALL_CAPTURE_DIR
#define HEAPVIZ_INSTALL_CAPTURE_DIR "/usr/local/lib/heapviz"
#endif

enum { PATH_BYTES = 4096 };

/* ---- the library --------------------------------------------------------------- */

static bool usable_library(const char *candidate, char *path)
{
    return access(candidate, R_OK) == 0 && realpath(candidate, path) != NULL;
}

/* The library beside the executable (a build tree), in ../lib/heapviz (an
 * install), in the configured install directory; HEAPVIZ_CAPTURE_LIBRARY
 * overrides them all. `path` holds PATH_BYTES. */
static bool find_library(char *path)
{
    const char *override = getenv("HEAPVIZ_CAPTURE_LIBRARY");
    if (override && *override)
        return usable_library(override, path);
    char executable[PATH_BYTES], candidate[PATH_BYTES + 64];
    ssize_t length = readlink("/proc/self/exe", executable, sizeof executable - 1);
    if (length > 0) {
        executable[length] = '\0';
        char *slash = strrchr(executable, '/');
        *slash = '\0';
        snprintf(candidate, sizeof candidate, "%s/%s", executable, CAPTURE_LIBRARY_NAME);
        if (usable_library(candidate, path))
            return true;
        snprintf(candidate, sizeof candidate, "%s/../lib/heapviz/%s", executable,
                 CAPTURE_LIBRARY_NAME);
        if (usable_library(candidate, path))
            return true;
    }
    snprintf(candidate, sizeof candidate, "%s/%s", HEAPVIZ_INSTALL_CAPTURE_DIR,
             CAPTURE_LIBRARY_NAME);
    return usable_library(candidate, path);
}

/* ---- running the program --------------------------------------------------------- */

/* In the child: preload the library, name the log, exec. Never returns. */
static void exec_program(const CaptureRequest *request, const char *library, const char *prefix,
                         int report)
{
    const char *existing = getenv("LD_PRELOAD");
    char preload[2 * PATH_BYTES];
    snprintf(preload, sizeof preload, "%s%s%s", library, existing && *existing ? ":" : "",
             existing ? existing : "");
    setenv("LD_PRELOAD", preload, 1);
    setenv(CAPTURE_ENV_LOG, prefix, 1);
    if (request->follow_children)
        setenv(CAPTURE_ENV_CHILDREN, "1", 1);
    else
        unsetenv(CAPTURE_ENV_CHILDREN);
    execvp(request->program[0], request->program);
    int error = errno;
    ssize_t written = write(report, &error, sizeof error);
    (void)written;
    _exit(127);
}

static pid_t wait_for(pid_t pid, int *status)
{
    pid_t done;
    do
        done = waitpid(pid, status, 0);
    while (done < 0 && errno == EINTR);
    return done;
}

/* Starts the program and waits for it; false with the reason if it could not start. */
static bool run_program(const CaptureRequest *request, const char *library, const char *prefix,
                        pid_t *pid, CaptureResult *result, char *message, size_t message_size)
{
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0 || (*pid = fork()) < 0) {
        snprintf(message, message_size, "cannot start '%s': %s", request->program[0],
                 strerror(errno));
        return false;
    }
    if (*pid == 0)
        exec_program(request, library, prefix, report[1]);
    close(report[1]);
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_interrupt, old_quit;
    sigaction(SIGINT, &ignore, &old_interrupt);
    sigaction(SIGQUIT, &ignore, &old_quit);
    int error = 0, status = 0;
    ssize_t got;
    do
        got = read(report[0], &error, sizeof error);
    while (got < 0 && errno == EINTR);
    close(report[0]);
    wait_for(*pid, &status);
    sigaction(SIGINT, &old_interrupt, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    if (got == (ssize_t)sizeof error) {
        snprintf(message, message_size, "cannot start '%s': %s", request->program[0],
                 strerror(error));
        return false;
    }
    result->signaled = WIFSIGNALED(status);
    result->status = result->signaled ? WTERMSIG(status) : WEXITSTATUS(status);
    return true;
}

/* ---- logs to traces -------------------------------------------------------------- */

/* The records of a log, mapped; count 0 if the log is missing or empty. */
typedef struct {
    void *map;
    size_t map_bytes;
    const CaptureRecord *records;
    uint64_t count;
} LogView;

static LogView open_log(const char *path)
{
    LogView view = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0 || info.st_size < CAPTURE_LOG_HEADER_BYTES) {
        if (fd >= 0)
            close(fd);
        return view;
    }
    void *map = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return view;
    view.map = map;
    view.map_bytes = (size_t)info.st_size;
    const CaptureLogHeader *header = map;
    uint64_t room = (view.map_bytes - CAPTURE_LOG_HEADER_BYTES) / sizeof(CaptureRecord);
    if (header->magic == CAPTURE_LOG_MAGIC && header->version == CAPTURE_LOG_VERSION) {
        view.records = (const CaptureRecord *)((const char *)map + CAPTURE_LOG_HEADER_BYTES);
        view.count = header->records < room ? header->records : room;
    }
    return view;
}

static void close_log(LogView *view)
{
    if (view->map)
        munmap(view->map, view->map_bytes);
}

/* Writes TRACE and TRACE.addr from a log's records. */
static bool write_trace(const LogView *log, const char *trace_path, CaptureCounts *counts,
                        char *message, size_t message_size)
{
    char sidecar_path[PATH_BYTES + 8];
    snprintf(sidecar_path, sizeof sidecar_path, "%s.addr", trace_path);
    OutputFile *rep = output_file_open(trace_path, message, message_size);
    OutputFile *sidecar = rep ? output_file_open(sidecar_path, message, message_size) : NULL;
    if (!sidecar) {
        output_file_discard(rep);
        return false;
    }
    if (!capture_trace_write(log->records, log->count, rep, sidecar, counts)) {
        output_file_discard(rep);
        output_file_discard(sidecar);
        snprintf(message, message_size, "out of memory while writing '%s'", trace_path);
        return false;
    }
    bool written = output_file_commit(rep, message, message_size);
    if (!written) {
        output_file_discard(sidecar);
        return false;
    }
    return output_file_commit(sidecar, message, message_size);
}

/* The program's own log becomes FILE; every other log in the directory
 * (a child, an exec'd image) becomes FILE.SUFFIX. Deletes them all. */
static bool convert_logs(const CaptureRequest *request, const char *directory, pid_t pid,
                         CaptureResult *result, char *message, size_t message_size)
{
    char main_name[64], log_path[PATH_BYTES + 300], trace_path[PATH_BYTES + 300];
    snprintf(main_name, sizeof main_name, "log.%d", (int)pid);
    snprintf(log_path, sizeof log_path, "%s/%s", directory, main_name);
    LogView log = open_log(log_path);
    bool ok = log.count > 0;
    if (!ok)
        snprintf(message, message_size,
                 "no allocations were recorded (is %s statically linked?)", request->program[0]);
    else
        ok = write_trace(&log, request->path, &result->counts, message, message_size);
    close_log(&log);
    DIR *listing = opendir(directory);
    for (struct dirent *entry; listing && (entry = readdir(listing)) != NULL;) {
        if (strncmp(entry->d_name, "log.", 4) != 0)
            continue;
        snprintf(log_path, sizeof log_path, "%s/%s", directory, entry->d_name);
        if (ok && strcmp(entry->d_name, main_name) != 0) {
            CaptureCounts counts;
            LogView other = open_log(log_path);
            snprintf(trace_path, sizeof trace_path, "%s.%s", request->path, entry->d_name + 4);
            if (other.count > 0 && write_trace(&other, trace_path, &counts, message, message_size))
                result->other_traces++;
            close_log(&other);
        }
        unlink(log_path);
    }
    if (listing)
        closedir(listing);
    return ok;
}

bool capture_run(const CaptureRequest *request, CaptureResult *result, char *message,
                 size_t message_size)
{
    char library[PATH_BYTES], directory[PATH_BYTES], prefix[PATH_BYTES + 8];
    memset(result, 0, sizeof *result);
    if (!find_library(library)) {
        snprintf(message, message_size, "cannot find %s (set HEAPVIZ_CAPTURE_LIBRARY to its path)",
                 CAPTURE_LIBRARY_NAME);
        return false;
    }
    const char *temporary = getenv("TMPDIR");
    snprintf(directory, sizeof directory, "%s/heapviz-capture-XXXXXX",
             temporary && *temporary ? temporary : "/tmp");
    if (!mkdtemp(directory)) {
        snprintf(message, message_size, "cannot make a directory for the capture log: %s",
                 strerror(errno));
        return false;
    }
    snprintf(prefix, sizeof prefix, "%s/log", directory);
    pid_t pid = 0;
    bool ok = run_program(request, library, prefix, &pid, result, message, message_size) &&
              convert_logs(request, directory, pid, result, message, message_size);
    rmdir(directory); /* a program that did not start left no log */
    return ok;
}

/* ---- heapviz --capture -------------------------------------------------------------- */

static void print_summary(const CaptureRequest *request, const CaptureResult *result)
{
    const CaptureCounts *counts = &result->counts;
    if (result->signaled)
        fprintf(stderr, "heapviz: %s died on signal %d (%s)\n", request->program[0],
                result->status, strsignal(result->status));
    else
        fprintf(stderr, "heapviz: %s exited with status %d\n", request->program[0],
                result->status);
    fprintf(stderr,
            "heapviz: %llu calls from %llu thread%s recorded in %s: %llu operations on %llu "
            "ids; glibc's addresses in %s.addr\n",
            (unsigned long long)counts->calls, (unsigned long long)counts->threads,
            counts->threads == 1 ? "" : "s", request->path,
            (unsigned long long)counts->operations, (unsigned long long)counts->ids,
            request->path);
    if (counts->unknown_frees > 0 || counts->failed > 0)
        fprintf(stderr,
                "heapviz: left out: %llu frees of memory the library never saw allocated, "
                "%llu calls that returned NULL\n",
                (unsigned long long)counts->unknown_frees, (unsigned long long)counts->failed);
    if (result->other_traces > 0)
        fprintf(stderr, "heapviz: %u child process%s captured beside it, as %s.PID\n",
                result->other_traces, result->other_traces == 1 ? "" : "es", request->path);
}

int capture_command(Options *options)
{
    CaptureRequest request = {options->capture_path, options->capture_program,
                              options->capture_children};
    CaptureResult result;
    char message[PATH_BYTES + 256];
    if (!capture_run(&request, &result, message, sizeof message)) {
        fprintf(stderr, "heapviz: %s\n", message);
        return EXIT_BAD_INPUT;
    }
    print_summary(&request, &result);
    options->trace_path = options->capture_path;
    return 0;
}
