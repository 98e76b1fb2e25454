/*
 * glibc_replay.c - the C library's side of the whole-process benchmark.
 *
 *   glibc_replay TRACE.rep
 *
 * What a user would write to replay a CS:APP .rep trace on glibc, as the
 * malloc lab's driver does: read the file, parse every operation into an
 * array, then replay the array with malloc, free and realloc, one pointer
 * per id. It prints one line (operations, live blocks and failed requests at
 * the end, and a sum over the final pointers) so that nothing can be
 * optimized away, and exits without freeing, as most programs do.
 *
 * The parser is a hand-written scan over the file in memory (no scanf), so
 * the comparison is against a fast parse. It trusts the file (bench/gen_trace
 * wrote it) but still refuses, with exit status 1, anything it cannot read.
 * The replay follows heapviz's rules: `f` of an empty id does nothing,
 * `r` of an empty id is malloc, realloc(p, 0) frees, and a failed request
 * leaves the id as it was. Links against nothing of heapviz.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    char kind;                   /* 'a', 'f' or 'r' */
    uint32_t id;
    uint64_t bytes;
} ReplayOp;

typedef struct {
    const char *at;
    const char *end;
} Cursor;

static _Noreturn void die(const char *path, const char *what)
{
    fprintf(stderr, "glibc_replay: %s: %s\n", path, what);
    exit(1);
}

/* Reads the whole file into a NUL-terminated buffer. */
static char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (!file || fseek(file, 0, SEEK_END) != 0)
        die(path, "cannot read");
    long size = ftell(file);
    char *text = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (!text || fseek(file, 0, SEEK_SET) != 0 || fread(text, 1, (size_t)size, file) != (size_t)size)
        die(path, "cannot read");
    fclose(file);
    text[size] = '\0';
    *length = (size_t)size;
    return text;
}

static void skip_space(Cursor *cursor)
{
    while (cursor->at < cursor->end && (*cursor->at == ' ' || *cursor->at == '\n' ||
                                        *cursor->at == '\r' || *cursor->at == '\t'))
        cursor->at++;
}

/* The next decimal number; false if the next token is not one. */
static int next_number(Cursor *cursor, uint64_t *value)
{
    skip_space(cursor);
    uint64_t number = 0;
    const char *start = cursor->at;
    while (cursor->at < cursor->end && *cursor->at >= '0' && *cursor->at <= '9')
        number = number * 10 + (uint64_t)(*cursor->at++ - '0');
    *value = number;
    return cursor->at > start;
}

static ReplayOp *parse(const char *path, Cursor *cursor, uint64_t *id_count, uint64_t *op_count)
{
    uint64_t header[4];
    for (int i = 0; i < 4; i++)
        if (!next_number(cursor, &header[i]))
            die(path, "the header needs four numbers");
    *id_count = header[1];
    ReplayOp *ops = malloc((header[2] ? header[2] : 1) * sizeof *ops);
    if (!ops)
        die(path, "out of memory");
    uint64_t count = 0;
    for (skip_space(cursor); cursor->at < cursor->end; skip_space(cursor)) {
        ReplayOp op = {*cursor->at++, 0, 0};
        uint64_t id = 0;
        if ((op.kind != 'a' && op.kind != 'f' && op.kind != 'r') || count == header[2] ||
            !next_number(cursor, &id) || id >= header[1] ||
            (op.kind != 'f' && !next_number(cursor, &op.bytes)))
            die(path, "not a trace this replayer reads");
        op.id = (uint32_t)id;
        ops[count++] = op;
    }
    *op_count = count;
    return ops;
}

/* Replays the ops; returns the failed requests. */
static uint64_t replay(const ReplayOp *ops, uint64_t op_count, void **pointers)
{
    uint64_t failed = 0;
    for (uint64_t i = 0; i < op_count; i++) {
        const ReplayOp *op = &ops[i];
        void **slot = &pointers[op->id];
        if (op->kind == 'f') {
            free(*slot);
            *slot = NULL;
            continue;
        }
        if (op->kind == 'r' && *slot && op->bytes == 0) {
            free(*slot);
            *slot = NULL;
            continue;
        }
        void *result = op->kind == 'a' ? malloc(op->bytes) : realloc(*slot, op->bytes);
        if (result)
            *slot = result;
        else
            failed++;
    }
    return failed;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: glibc_replay TRACE.rep\n");
        return 2;
    }
    size_t length;
    char *text = read_file(argv[1], &length);
    Cursor cursor = {text, text + length};
    uint64_t id_count, op_count;
    ReplayOp *ops = parse(argv[1], &cursor, &id_count, &op_count);
    free(text);
    void **pointers = calloc(id_count ? id_count : 1, sizeof *pointers);
    if (!pointers)
        die(argv[1], "out of memory");
    uint64_t failed = replay(ops, op_count, pointers);
    uint64_t live = 0, sum = 0;
    for (uint64_t id = 0; id < id_count; id++) {
        live += pointers[id] != NULL;
        sum += (uint64_t)(uintptr_t)pointers[id] >> 4;
    }
    printf("{\"ops\":%llu,\"live\":%llu,\"failed\":%llu,\"sum\":%llu}\n",
           (unsigned long long)op_count, (unsigned long long)live,
           (unsigned long long)failed, (unsigned long long)sum);
    return 0;
}
