/*
 * output_file.h - output files that appear whole or not at all.
 *
 * An OutputFile writes into a temporary file in the target's directory
 * (NAME.tmp-XXXXXX) and renames it over the target on commit; on any error,
 * or on discard, the temporary is removed and the target is untouched. The
 * path "-" means standard output, written directly. Writes are buffered and
 * numbers are formatted by hand, so a million CSV rows or trace lines cost
 * little. Errors are remembered and reported once, by commit.
 */
#ifndef HEAPVIZ_OUTPUT_FILE_H
#define HEAPVIZ_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct OutputFile OutputFile;

/* Opens the temporary file for `path` ("-": standard output). On failure
 * returns NULL and writes "cannot write 'PATH': REASON" into `message`. */
OutputFile *output_file_open(const char *path, char *message, size_t message_size);

/* Buffered writes. A failure is remembered and reported by commit, so
 * callers write freely and check once. */
void output_file_text(OutputFile *file, const char *text);
void output_file_bytes(OutputFile *file, const char *bytes, size_t length);
void output_file_char(OutputFile *file, char c);
void output_file_u64(OutputFile *file, uint64_t value);   /* decimal */
/* A double with six decimals ("null" if it is not finite, so JSON stays valid). */
void output_file_double(OutputFile *file, double value);

/* Flushes, closes and renames the temporary over the target. Returns false
 * (target untouched, temporary removed, reason in `message`) on any error
 * since open. Frees the OutputFile either way. */
bool output_file_commit(OutputFile *file, char *message, size_t message_size);

/* Abandons the file: removes the temporary, frees the OutputFile. NULL is fine. */
void output_file_discard(OutputFile *file);

#endif
