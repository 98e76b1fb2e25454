/*
 * output_file.c - output files that never destroy what is there (see
 * output_file.h).
 *
 * Opening decides how the bytes reach the target. The name's symbolic links
 * are followed one by one (a link into /dev/fd or /proc/self/fd names an
 * open descriptor, which is duplicated and written directly: /dev/stdout is
 * "-"). What the chain ends at decides the rest: nothing yet, or a regular
 * file, gets a temporary `.hv-XXXXXX` beside it, renamed over it on commit
 * (a short name, so a target name of any legal length still has room for
 * it); anything else that exists (device, FIFO) is opened and written in
 * place. The temporary lives in the target's directory so rename() is
 * atomic on the same file system.
 *
 * Writes go through one buffer and write(2), which retries partial writes
 * and EINTR; the first error (errno) is kept, and commit reports it and
 * removes the temporary instead of renaming. Every close is checked.
 *
 * The one global state here is the list of temporaries that exist right
 * now, because a signal handler cannot be handed anything: it unlinks
 * those names (async-signal-safe) and exits.
 */
#define _POSIX_C_SOURCE 200809L
#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    OUTPUT_BUFFER_BYTES = 1 << 16,
    MAX_LINKS = 40,              /* symbolic links followed, as the kernel allows */
    MAX_TEMPORARIES = 16         /* temporaries open at once (heapviz needs 4) */
};

typedef enum {
    OUTPUT_REPLACE,              /* a temporary renamed over the target on commit */
    OUTPUT_DIRECT,               /* a device, FIFO or open descriptor, written in place */
    OUTPUT_SCRATCH               /* an unnamed temporary */
} OutputMode;

struct OutputFile {
    OutputMode mode;
    int descriptor;
    int error;                   /* first errno seen, 0 if none */
    char *path;                  /* as the user gave it, for messages */
    char *target;                /* OUTPUT_REPLACE: the file renamed over */
    char *temporary;             /* OUTPUT_REPLACE: DIR/.hv-XXXXXX */
    int slot;                    /* temporary's index in the signal list, -1 none */
    size_t used;                 /* bytes in buffer */
    char buffer[OUTPUT_BUFFER_BYTES];
};

/* Temporaries a signal must remove (NULL: free slot). */
static char *volatile temporaries[MAX_TEMPORARIES];

static void describe(char *message, size_t size, const char *path, int error)
{
    if (strcmp(path, "-") == 0)
        snprintf(message, size, "cannot write to standard output: %s", strerror(error));
    else
        snprintf(message, size, "cannot write '%s': %s", path, strerror(error));
}

static char *copy_text(const char *text)
{
    size_t length = strlen(text) + 1;
    char *copy = malloc(length);
    if (copy)
        memcpy(copy, text, length);
    return copy;
}

/* ---- where the bytes go ------------------------------------------------- */

/* The descriptor N that "/dev/fd/N" or "/proc/self/fd/N" names, else -1. */
static int descriptor_named(const char *path)
{
    static const char *const prefixes[] = {"/dev/fd/", "/proc/self/fd/"};
    for (int i = 0; i < 2; i++) {
        size_t length = strlen(prefixes[i]);
        if (strncmp(path, prefixes[i], length) != 0 || path[length] == '\0')
            continue;
        char *end = NULL;
        long number = strtol(path + length, &end, 10);
        if (*end == '\0' && number >= 0 && number <= INT_MAX && path[length] != '-' &&
            path[length] != '+')
            return (int)number;
    }
    return -1;
}

/* `link`'s text read relative to the directory holding `path`. */
static char *join_link(const char *path, const char *link)
{
    const char *slash = strrchr(path, '/');
    size_t directory = link[0] == '/' || !slash ? 0 : (size_t)(slash - path) + 1;
    char *joined = malloc(directory + strlen(link) + 1);
    if (joined) {
        memcpy(joined, path, directory);
        strcpy(joined + directory, link);
    }
    return joined;
}

/* Follows `path`'s symbolic links to what they end at (which may not exist
 * yet). Stops early at a name of an open descriptor. NULL with errno set. */
static char *follow_links(const char *path)
{
    char *current = copy_text(path);
    for (int hops = 0; current && descriptor_named(current) < 0; hops++) {
        struct stat status;
        if (lstat(current, &status) != 0 || !S_ISLNK(status.st_mode))
            return current;
        char link[PATH_MAX];
        ssize_t length = hops < MAX_LINKS ? readlink(current, link, sizeof link - 1) : -1;
        if (hops >= MAX_LINKS)
            errno = ELOOP;
        char *next = NULL;
        if (length >= 0) {
            link[length] = '\0';
            next = join_link(current, link);
        }
        free(current);
        current = next;
    }
    return current;
}

/* Registers the temporary so a signal removes it. */
static void watch_temporary(OutputFile *file)
{
    for (int i = 0; i < MAX_TEMPORARIES; i++) {
        if (temporaries[i] == NULL) {
            temporaries[i] = file->temporary;
            file->slot = i;
            return;
        }
    }
}

static void unwatch_temporary(OutputFile *file)
{
    if (file->slot >= 0)
        temporaries[file->slot] = NULL;
    file->slot = -1;
}

/* Creates DIR/.hv-XXXXXX in the directory of `beside`; the descriptor, or -1. */
static int make_temporary(const char *beside, char **temporary)
{
    const char *slash = strrchr(beside, '/');
    size_t directory = slash ? (size_t)(slash - beside) + 1 : 0;
    *temporary = malloc(directory + sizeof ".hv-XXXXXX");
    if (!*temporary) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(*temporary, beside, directory);
    strcpy(*temporary + directory, ".hv-XXXXXX");
    return mkstemp(*temporary);
}

/* A temporary beside the target, given the mode (and owner) the target
 * has, or the mode a new file would get. */
static bool open_replacement(OutputFile *file, const struct stat *existing)
{
    file->descriptor = make_temporary(file->target, &file->temporary);
    if (file->descriptor < 0)
        return false;
    watch_temporary(file);
    if (existing) {
        /* Not every user may give a file away; the mode is what matters. */
        if (fchown(file->descriptor, existing->st_uid, existing->st_gid) != 0)
            errno = 0;
        fchmod(file->descriptor, existing->st_mode & 07777);
    } else {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(file->descriptor, 0666 & ~mask);
    }
    return true;
}

/* Decides the mode for `file->path` and opens the descriptor; when only
 * `checking`, a device or FIFO is not opened (a FIFO's reader would see an
 * end), only asked whether it may be written. False with errno set. */
static bool open_target(OutputFile *file, bool checking)
{
    int named = strcmp(file->path, "-") == 0 ? STDOUT_FILENO : -1;
    if (named < 0) {
        file->target = follow_links(file->path);
        if (!file->target)
            return false;
        named = descriptor_named(file->target);
    }
    if (named >= 0) {
        fflush(NULL); /* what stdio holds for that descriptor goes first */
        file->mode = OUTPUT_DIRECT;
        file->descriptor = fcntl(named, F_DUPFD_CLOEXEC, 0);
        return file->descriptor >= 0;
    }
    struct stat status;
    if (stat(file->target, &status) != 0)
        return errno == ENOENT && open_replacement(file, NULL);
    if (S_ISDIR(status.st_mode)) {
        errno = EISDIR;
        return false;
    }
    if (S_ISREG(status.st_mode))
        return open_replacement(file, &status);
    file->mode = OUTPUT_DIRECT;
    if (checking)
        return access(file->target, W_OK) == 0;
    file->descriptor = open(file->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    return file->descriptor >= 0;
}

static OutputFile *create(const char *path, char *message, size_t message_size)
{
    OutputFile *file = calloc(1, sizeof *file);
    if (!file || !(file->path = copy_text(path))) {
        free(file);
        describe(message, message_size, path, ENOMEM);
        return NULL;
    }
    file->descriptor = -1;
    file->slot = -1;
    return file;
}

/* Closes the descriptor and frees everything; removes a temporary left. */
static void release(OutputFile *file)
{
    if (file->descriptor >= 0)
        close(file->descriptor);
    if (file->temporary)
        unlink(file->temporary);
    unwatch_temporary(file);
    free(file->temporary);
    free(file->target);
    free(file->path);
    free(file);
}

static OutputFile *open_file(const char *path, bool checking, char *message, size_t message_size)
{
    OutputFile *file = create(path, message, message_size);
    if (!file)
        return NULL;
    errno = ENOMEM;
    if (!open_target(file, checking)) {
        describe(message, message_size, path, errno ? errno : EIO);
        release(file);
        return NULL;
    }
    return file;
}

OutputFile *output_file_open(const char *path, char *message, size_t message_size)
{
    return open_file(path, false, message, message_size);
}

bool output_file_check(const char *path, char *message, size_t message_size)
{
    OutputFile *file = open_file(path, true, message, message_size);
    output_file_discard(file);
    return file != NULL;
}

OutputFile *output_file_open_scratch(const char *beside, char *message, size_t message_size)
{
    OutputFile *file = create(beside, message, message_size);
    if (!file)
        return NULL;
    char *target = strcmp(beside, "-") == 0 ? NULL : follow_links(beside);
    struct stat status;
    bool replaceable = target && descriptor_named(target) < 0 &&
                       (stat(target, &status) != 0 || S_ISREG(status.st_mode));
    const char *directory = getenv("TMPDIR");
    char fallback[PATH_MAX];
    snprintf(fallback, sizeof fallback, "%s/x", directory && *directory ? directory : "/tmp");
    file->mode = OUTPUT_SCRATCH;
    file->descriptor = make_temporary(replaceable ? target : fallback, &file->temporary);
    int error = errno;
    if (file->descriptor >= 0)
        unlink(file->temporary); /* unnamed from now on: nothing can be left behind */
    free(file->temporary);
    file->temporary = NULL;
    free(target);
    if (file->descriptor < 0) {
        describe(message, message_size, beside, error ? error : EIO);
        release(file);
        return NULL;
    }
    return file;
}

/* ---- writing ------------------------------------------------------------ */

/* Writes all `length` bytes unless an error was seen; keeps the first error. */
static void write_through(OutputFile *file, const char *bytes, size_t length)
{
    while (length > 0 && !file->error) {
        ssize_t written = write(file->descriptor, bytes, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0) {
            file->error = written < 0 ? errno : EIO;
            return;
        }
        bytes += written;
        length -= (size_t)written;
    }
}

static void flush_buffer(OutputFile *file)
{
    write_through(file, file->buffer, file->used);
    file->used = 0;
}

void output_file_bytes(OutputFile *file, const char *bytes, size_t length)
{
    if (length > OUTPUT_BUFFER_BYTES - file->used)
        flush_buffer(file);
    if (length > OUTPUT_BUFFER_BYTES) {
        write_through(file, bytes, length);
        return;
    }
    memcpy(file->buffer + file->used, bytes, length);
    file->used += length;
}

void output_file_text(OutputFile *file, const char *text)
{
    output_file_bytes(file, text, strlen(text));
}

void output_file_char(OutputFile *file, char c)
{
    if (file->used == OUTPUT_BUFFER_BYTES)
        flush_buffer(file);
    file->buffer[file->used++] = c;
}

void output_file_u64(OutputFile *file, uint64_t value)
{
    char digits[20];
    size_t count = 0;
    do {
        digits[sizeof digits - 1 - count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    output_file_bytes(file, digits + sizeof digits - count, count);
}

void output_file_double(OutputFile *file, double value)
{
    char text[64];
    if (!isfinite(value)) {
        output_file_text(file, "null");
        return;
    }
    /* the shortest form that reads back as the same double (at most %.17g),
     * so a utilization can be compared to 9 digits and more */
    int length = 0;
    for (int digits = 1; digits <= 17; digits++) {
        length = snprintf(text, sizeof text, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            break;
    }
    output_file_bytes(file, text, (size_t)length);
}

int64_t output_file_seek(OutputFile *file, int64_t offset, int whence)
{
    flush_buffer(file);
    off_t position = file->error ? -1 : lseek(file->descriptor, (off_t)offset, whence);
    return position < 0 ? -1 : (int64_t)position;
}

void output_file_append_scratch(OutputFile *file, OutputFile *scratch)
{
    flush_buffer(scratch);
    if (!scratch->error && lseek(scratch->descriptor, 0, SEEK_SET) != 0)
        scratch->error = errno;
    while (!scratch->error && !file->error) {
        ssize_t length = read(scratch->descriptor, scratch->buffer, sizeof scratch->buffer);
        if (length < 0 && errno == EINTR)
            continue;
        if (length <= 0) {
            scratch->error = length < 0 ? errno : 0;
            break;
        }
        output_file_bytes(file, scratch->buffer, (size_t)length);
    }
    if (scratch->error && !file->error)
        file->error = scratch->error;
    release(scratch);
}

/* ---- finishing ---------------------------------------------------------- */

/* Renames the temporary over the target. Signals wait meanwhile, so their
 * handler never removes the name once it is the user's file. */
static void rename_over_target(OutputFile *file)
{
    sigset_t signals, previous;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    sigprocmask(SIG_BLOCK, &signals, &previous);
    if (rename(file->temporary, file->target) != 0) {
        file->error = errno ? errno : EIO;
    } else {
        unwatch_temporary(file);
        free(file->temporary);
        file->temporary = NULL;
    }
    sigprocmask(SIG_SETMASK, &previous, NULL);
}

bool output_file_commit(OutputFile *file, char *message, size_t message_size)
{
    flush_buffer(file);
    if (close(file->descriptor) != 0 && !file->error)
        file->error = errno ? errno : EIO;
    file->descriptor = -1;
    if (!file->error && file->mode == OUTPUT_REPLACE)
        rename_over_target(file);
    bool ok = file->error == 0;
    if (!ok)
        describe(message, message_size, file->path, file->error);
    release(file);
    return ok;
}

void output_file_discard(OutputFile *file)
{
    if (file)
        release(file);
}

static void remove_temporaries_and_exit(int signal_number)
{
    for (int i = 0; i < MAX_TEMPORARIES; i++) {
        char *temporary = temporaries[i];
        if (temporary)
            unlink(temporary);
    }
    _exit(128 + signal_number);
}

void output_file_clean_up_on_signals(void)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = remove_temporaries_and_exit;
    sigfillset(&action.sa_mask); /* no second signal while the list is walked */
    for (int i = 0; i < 3; i++)
        sigaction(signals[i], &action, NULL);
}
