/*
 * strict_rep.c - the strict .rep reader (see strict_rep.h). Line by line:
 * a line is split at single spaces and every field must be a plain
 * decimal number or the operation letter; anything else is refused.
 */
#include "strict_rep.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field of decimal digits (no sign, no blank) that fits an int. */
static bool int_field(const char *start, size_t length, uint64_t *value)
{
    if (length == 0 || length > 10)
        return false;
    uint64_t number = 0;
    for (size_t i = 0; i < length; i++) {
        if (start[i] < '0' || start[i] > '9')
            return false;
        number = number * 10 + (uint64_t)(start[i] - '0');
    }
    *value = number;
    return number <= INT_MAX;
}

/* Splits a line at single spaces into at most 3 fields; false if there are more,
 * or empty ones. */
static bool split(const char *line, size_t length, const char *fields[3], size_t lengths[3],
                  int *count)
{
    *count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= length; i++) {
        if (i < length && line[i] != ' ')
            continue;
        if (i == start || *count == 3)
            return false;
        fields[*count] = line + start;
        lengths[(*count)++] = i - start;
        start = i + 1;
    }
    return true;
}

static bool refuse(char *why, size_t size, uint64_t line, const char *what)
{
    snprintf(why, size, "line %llu: %s", (unsigned long long)line, what);
    return false;
}

static bool parse_op(const char *line, size_t length, RepTrace *trace, uint8_t *state,
                     RepOp *op, char *why, size_t size, uint64_t number)
{
    const char *fields[3];
    size_t lengths[3];
    int count;
    if (!split(line, length, fields, lengths, &count) || lengths[0] != 1)
        return refuse(why, size, number, "not 'a ID BYTES', 'r ID BYTES' or 'f ID'");
    op->letter = fields[0][0];
    uint64_t id = 0;
    op->bytes = 0;
    bool sized = op->letter == 'a' || op->letter == 'r';
    if (!(sized || op->letter == 'f') || count != (sized ? 3 : 2) ||
        !int_field(fields[1], lengths[1], &id) || (sized && !int_field(fields[2], lengths[2], &op->bytes)))
        return refuse(why, size, number, "not 'a ID BYTES', 'r ID BYTES' or 'f ID'");
    if (id >= trace->id_count)
        return refuse(why, size, number, "id outside the header's count");
    op->id = (uint32_t)id;
    if (op->letter == 'a' && state[id] != 0)
        return refuse(why, size, number, "an id allocated a second time");
    if (op->letter != 'a' && state[id] != 1)
        return refuse(why, size, number, "'r' or 'f' of an id that is not live");
    state[id] = op->letter == 'f' ? 2 : 1;
    return true;
}

/* The four header lines; *body gets the text after them. */
static bool parse_header(const char *text, RepTrace *trace, const char **body, char *why,
                         size_t why_size)
{
    uint64_t *header[4] = {&trace->suggested_heap, &trace->id_count, &trace->op_count,
                           &trace->weight};
    for (int line = 0; line < 4; line++) {
        const char *end = strchr(text, '\n');
        if (!end)
            return refuse(why, why_size, (uint64_t)line + 1, "the header is not four lines");
        if (!int_field(text, (size_t)(end - text), header[line]))
            return refuse(why, why_size, (uint64_t)line + 1, "a header line is not one int");
        text = end + 1;
    }
    *body = text;
    return true;
}

/* The operation lines; state[id] says 0 never allocated, 1 live, 2 freed. */
static bool parse_body(const char *text, RepTrace *trace, uint8_t *state, char *why,
                       size_t why_size)
{
    uint64_t line = 5, ops = 0;
    for (; *text; line++, ops++) {
        const char *end = strchr(text, '\n');
        if (!end)
            return refuse(why, why_size, line, "the last line has no newline");
        if (ops == trace->op_count)
            return refuse(why, why_size, line, "more operations than the header says");
        if (!parse_op(text, (size_t)(end - text), trace, state, &trace->ops[ops], why, why_size,
                      line))
            return false;
        text = end + 1;
    }
    if (ops != trace->op_count)
        return refuse(why, why_size, line, "fewer operations than the header says");
    for (uint64_t id = 0; id < trace->id_count; id++)
        if (state[id] == 0)
            return refuse(why, why_size, line, "an id in the header's count is never allocated");
    return true;
}

bool strict_rep_parse(const char *text, RepTrace *trace, char *why, size_t why_size)
{
    memset(trace, 0, sizeof *trace);
    const char *body;
    if (!parse_header(text, trace, &body, why, why_size))
        return false;
    trace->ops = calloc(trace->op_count + 1, sizeof(RepOp));
    uint8_t *state = calloc(trace->id_count + 1, 1);
    bool ok = trace->ops && state && parse_body(body, trace, state, why, why_size);
    free(state);
    return ok;
}

bool strict_rep_load(const char *path, RepTrace *trace, char *why, size_t why_size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return refuse(why, why_size, 0, "cannot open the file");
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = calloc((size_t)size + 1, 1);
    bool read = text && fread(text, 1, (size_t)size, file) == (size_t)size;
    fclose(file);
    bool ok = read && strlen(text) == (size_t)size && strict_rep_parse(text, trace, why, why_size);
    if (read && strlen(text) != (size_t)size)
        refuse(why, why_size, 0, "the file holds a NUL byte");
    free(text);
    return ok;
}

void strict_rep_free(RepTrace *trace)
{
    free(trace->ops);
    trace->ops = NULL;
}
