/*
 * output_file.h - output files that never destroy what is there.
 *
 * An OutputFile writes *through* whatever the user named:
 *   - a regular file (or a name that does not exist yet) is written into a
 *     temporary `.hv-XXXXXX` in the same directory and renamed over the
 *     target on commit, keeping the old file's mode (and owner where
 *     allowed); on any error, or on discard, the temporary is removed and
 *     the old file is untouched;
 *   - a symbolic link is followed, and its final target replaced as above;
 *   - a device, a FIFO, "-", /dev/stdout or /dev/fd/N is written directly.
 * Writes are buffered and numbers are formatted by hand, so a million CSV
 * rows or trace lines cost little. Errors are remembered and reported once,
 * by commit. A scratch file is an unnamed temporary (gone when closed or
 * when the process dies) for a body whose head is known only at the end.
 */
#ifndef HEAPVIZ_OUTPUT_FILE_H
#define HEAPVIZ_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct OutputFile OutputFile;

/* Opens `path` for writing as described above ("-": standard output). On
 * failure returns NULL and writes "cannot write 'PATH': REASON" into
 * `message`. Nothing the user named changes before commit, except a device
 * or FIFO, which is written as the bytes come. */
OutputFile *output_file_open(const char *path, char *message, size_t message_size);

/* Whether `path` can be written, so a bad path is found before any work
 * starts: a file's temporary is made and removed; a device or FIFO is only
 * asked (a FIFO's reader must not see an early end). Same message as open. */
bool output_file_check(const char *path, char *message, size_t message_size);

/* An unnamed scratch file in the directory of `beside` (the system's
 * temporary directory for "-" or a device): nothing is left behind, even
 * if the process is killed. Same message as open, naming `beside`. */
OutputFile *output_file_open_scratch(const char *beside, char *message, size_t message_size);

/* Buffered writes. A failure is remembered and reported by commit, so
 * callers write freely and check once. */
void output_file_text(OutputFile *file, const char *text);
void output_file_bytes(OutputFile *file, const char *bytes, size_t length);
void output_file_char(OutputFile *file, char c);
void output_file_u64(OutputFile *file, uint64_t value);   /* decimal */
/* A double with six decimals ("null" if it is not finite, so JSON stays valid). */
void output_file_double(OutputFile *file, double value);

/* Appends everything written to `scratch` to `file`, then closes and frees
 * the scratch. A scratch error becomes `file`'s error. */
void output_file_append_scratch(OutputFile *file, OutputFile *scratch);

/* Moves the write position as lseek does (SEEK_SET, SEEK_CUR or SEEK_END),
 * after writing what is buffered, for formats that go back to fill in sizes
 * (MP4). Returns the new position, or -1 (a FIFO or a device cannot seek). */
int64_t output_file_seek(OutputFile *file, int64_t offset, int whence);

/* Flushes and closes; a replaced file is renamed over its target. Returns
 * false (target untouched, temporary removed, reason in `message`) on any
 * error since open. Frees the OutputFile either way. */
bool output_file_commit(OutputFile *file, char *message, size_t message_size);

/* Abandons the file: removes the temporary, frees the OutputFile. NULL is fine. */
void output_file_discard(OutputFile *file);

/* Makes SIGINT, SIGTERM and SIGHUP remove every temporary still open and
 * exit with status 128 + the signal number (130, 143, 129). */
void output_file_clean_up_on_signals(void);

#endif
