/*
 * output_file.c - whole-or-nothing output files (see output_file.h).
 *
 * The temporary lives in the target's directory so rename() is atomic on
 * the same file system. The first write error (errno) is kept; commit
 * reports it and removes the temporary instead of renaming.
 */
#define _POSIX_C_SOURCE 200809L
#include "output_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OUTPUT_BUFFER_BYTES = 1 << 16 };

struct OutputFile {
    FILE *stream;
    bool is_stdout;
    int error;                   /* first errno seen, 0 if none */
    char *path;                  /* the target */
    char *temporary;             /* NAME.tmp-XXXXXX, NULL for stdout */
    size_t used;                 /* bytes in buffer */
    char buffer[OUTPUT_BUFFER_BYTES];
};

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

/* Creates NAME.tmp-XXXXXX beside the target and opens it for writing. */
static bool open_temporary(OutputFile *file)
{
    size_t length = strlen(file->path) + sizeof ".tmp-XXXXXX";
    file->temporary = malloc(length);
    if (!file->temporary)
        return false;
    snprintf(file->temporary, length, "%s.tmp-XXXXXX", file->path);
    int descriptor = mkstemp(file->temporary);
    if (descriptor < 0)
        return false;
    /* mkstemp makes the file private; give it the mode a plain fopen would. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(descriptor, 0666 & ~mask);
    file->stream = fdopen(descriptor, "wb");
    if (!file->stream) {
        int saved = errno;
        close(descriptor);
        remove(file->temporary);
        errno = saved;
        return false;
    }
    return true;
}

static void release(OutputFile *file)
{
    free(file->temporary);
    free(file->path);
    free(file);
}

OutputFile *output_file_open(const char *path, char *message, size_t message_size)
{
    OutputFile *file = calloc(1, sizeof *file);
    if (!file || !(file->path = copy_text(path))) {
        free(file);
        describe(message, message_size, path, ENOMEM);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        file->is_stdout = true;
        file->stream = stdout;
        return file;
    }
    errno = ENOMEM;
    if (!open_temporary(file)) {
        describe(message, message_size, path, errno);
        release(file);
        return NULL;
    }
    return file;
}

static void flush_buffer(OutputFile *file)
{
    if (file->used > 0 && !file->error &&
        fwrite(file->buffer, 1, file->used, file->stream) != file->used)
        file->error = errno ? errno : EIO;
    file->used = 0;
}

void output_file_bytes(OutputFile *file, const char *bytes, size_t length)
{
    if (length > OUTPUT_BUFFER_BYTES - file->used)
        flush_buffer(file);
    if (length > OUTPUT_BUFFER_BYTES) {
        if (!file->error && fwrite(bytes, 1, length, file->stream) != length)
            file->error = errno ? errno : EIO;
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
    int length = snprintf(text, sizeof text, "%.6f", value);
    output_file_bytes(file, text, (size_t)length);
}

/* Flushes and closes the stream, keeping the first error. */
static void finish_stream(OutputFile *file)
{
    flush_buffer(file);
    if (fflush(file->stream) != 0 && !file->error)
        file->error = errno ? errno : EIO;
    if (!file->is_stdout && fclose(file->stream) != 0 && !file->error)
        file->error = errno ? errno : EIO;
    file->stream = NULL;
}

bool output_file_commit(OutputFile *file, char *message, size_t message_size)
{
    finish_stream(file);
    if (!file->error && !file->is_stdout && rename(file->temporary, file->path) != 0)
        file->error = errno ? errno : EIO;
    bool ok = file->error == 0;
    if (!ok) {
        describe(message, message_size, file->path, file->error);
        if (!file->is_stdout)
            remove(file->temporary);
    }
    release(file);
    return ok;
}

void output_file_discard(OutputFile *file)
{
    if (!file)
        return;
    if (!file->is_stdout) {
        if (file->stream)
            fclose(file->stream);
        remove(file->temporary);
    } else {
        file->used = 0;
    }
    release(file);
}
