/*
 * trace.c - reading and writing traces (see trace.h).
 *
 * A Scanner walks the file once, token by token, counting lines. The .rep
 * header's numbers may sit on one line or several; the body is one
 * operation a line. While parsing, two arrays over the ids remember, for
 * each id, the line that last named it in an `a` or `r` (0: never) and
 * whether it holds a block by the file's own account, which is all the
 * checks of issue 4 section 5 need. A .rep file's ops go into an array
 * sized from its header, which never moves: ops past the header's count
 * are checked and counted but not kept, since the count refuses the file
 * at its end anyway. That is what lets a TraceWatcher hand the array to a
 * replay while the rest of the file is parsed. An OSTEP list's array doubles.
 * A regular file reaches the Scanner through a Feed, a chunk at a time: the
 * scanner is handed whole lines only, and asks for more (refill) where they
 * run out, so the parse, and a watcher's replay, start on the first chunk.
 * The Feed keeps only a window on the file: before a read, the bytes the
 * scanner has passed are let go and the rest moved to the window's start,
 * so a file of any size is read through the same few cached chunks.
 */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include "trace.h"
#include "number.h"
#include "zeroed_memory.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    TOKEN_SHOWN = 24,            /* characters of a bad token quoted in a message */
    WATCH_OPS = 4096             /* a watcher hears of the ops parsed every this many */
};
#define NO_REPORT UINT32_MAX

/* A regular file read a chunk at a time, so that the parse (and a
 * watcher's replay) starts on the first chunk instead of after the whole
 * file. Only whole lines are handed to the scanner. The window text holds
 * the file's bytes [dropped, dropped + used). */
typedef struct {
    FILE *stream;
    char *text;                  /* capacity bytes: a window on the file */
    size_t capacity;
    size_t size;                 /* the file's size when it was opened */
    size_t dropped;              /* bytes before the window, passed and let go */
    uint64_t dropped_lines;      /* newlines among them */
    size_t used;                 /* bytes in the window */
    size_t chunk;                /* bytes a read asks for */
    bool ended;                  /* the end of the file was read */
    bool failed;                 /* a read failed: errno in `error` */
    int error;
    bool grew;                   /* more bytes than `size`: the file changed while read */
    bool nul;                    /* a NUL byte was read, at text[nul_at] (then no more reads) */
    size_t nul_at;
} Feed;

typedef struct {
    const char *at;
    const char *end;             /* the end of the text, or of the whole lines fed so far */
    uint32_t line;               /* 1-based line of `at` */
    const char *source;
    char *message;
    size_t message_size;
    Feed *feed;                  /* NULL: the whole text is there */
} Scanner;

typedef struct {
    const char *start;
    size_t length;
} Token;

/* The growing result and the per-id state of the file's own checks. */
typedef struct {
    Trace *trace;
    uint32_t *named_line;        /* per id: line of the last a/r naming it, 0 never */
    uint8_t *live;               /* per id: holds a block by the file's account */
    uint32_t unkept_ops;         /* ops past the header's count (not kept) */
    const TraceWatcher *watcher; /* NULL: nobody watches */
    uint32_t report_at;          /* op count at which the watcher hears next,
                                    NO_REPORT if it was not given the header */
} Builder;

static bool fail(Scanner *scanner, uint32_t line, const char *format, ...)
{
    char what[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(what, sizeof what, format, arguments);
    va_end(arguments);
    snprintf(scanner->message, scanner->message_size, "%s:%u: %s", scanner->source, line, what);
    return false;
}

/* A token as it may be quoted: at most TOKEN_SHOWN characters, unprintables as '?'. */
static const char *shown(const Token *token, char *text)
{
    size_t length = token->length < TOKEN_SHOWN ? token->length : TOKEN_SHOWN;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)token->start[i];
        text[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    strcpy(text + length, token->length > TOKEN_SHOWN ? "..." : "");
    return text;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_separator(char c)
{
    return is_blank(c) || c == '\n';
}

/* Newlines in text[0, length). */
static uint64_t newlines_in(const char *text, size_t length)
{
    uint64_t count = 0;
    for (const char *at = text; (at = memchr(at, '\n', length - (size_t)(at - text))) != NULL; at++)
        count++;
    return count;
}

/* "PATH:LINE: ..." for a NUL byte at text[at], with `lines_before` newlines
 * before text[0]. */
static void describe_nul_at(const char *path, const char *text, size_t at, uint64_t lines_before,
                            char *message, size_t message_size)
{
    unsigned long long line = 1 + lines_before + newlines_in(text, at);
    snprintf(message, message_size, "%s:%llu: a NUL byte: a trace is text", path, line);
}

/* The same for the first NUL byte in text[0, length). */
static void describe_nul(const char *path, const char *text, size_t length, char *message,
                         size_t message_size)
{
    const char *nul = memchr(text, '\0', length);
    describe_nul_at(path, text, (size_t)(nul - text), 0, message, message_size);
}

/* Lets go of the window's first `passed` bytes, which hold `lines`
 * newlines: the rest moves to the window's start. */
static void feed_drop(Feed *feed, size_t passed, uint64_t lines)
{
    memmove(feed->text, feed->text + passed, feed->used - passed);
    feed->used -= passed;
    feed->dropped += passed;
    feed->dropped_lines += lines;
}

/* Makes room in the window for a chunk, doubling it while the bytes still
 * needed (a line longer than the rest) leave no room; false if out of memory. */
static bool feed_make_room(Feed *feed)
{
    while (feed->capacity - feed->used < feed->chunk) {
        char *larger = realloc(feed->text, feed->capacity * 2);
        if (!larger)
            return false;
        feed->text = larger;
        feed->capacity *= 2;
    }
    return true;
}

/* Reads the feed's next chunk into its window (which has room for it),
 * noting its end, a failure, a NUL byte, or bytes beyond the size the file
 * had when opened. */
static void feed_read(Feed *feed)
{
    size_t read_so_far = feed->dropped + feed->used;
    size_t room = feed->size + 1 - read_so_far;
    size_t wanted = room < feed->chunk ? room : feed->chunk;
    size_t got = fread(feed->text + feed->used, 1, wanted, feed->stream);
    if (ferror(feed->stream)) {
        feed->failed = true;
        feed->error = errno ? errno : EIO;
        return;
    }
    const char *nul = memchr(feed->text + feed->used, '\0', got);
    if (nul) {
        feed->nul = true;
        feed->nul_at = (size_t)(nul - feed->text);
    }
    feed->used += got;
    feed->ended = got < wanted || read_so_far + got == feed->size + 1;
    feed->grew = read_so_far + got == feed->size + 1;
}

/* Where the whole lines read so far end, given that the bytes from `fresh`
 * on were just read and the whole lines before ended at `end`: after the
 * last newline among the fresh bytes (only they are searched, so a line
 * longer than a chunk costs no rescans), or at the end of the file once it
 * is read. */
static const char *fed_end(const Feed *feed, const char *fresh, const char *end)
{
    if (feed->ended)
        return feed->text + feed->used;
    for (const char *p = feed->text + feed->used; p > fresh; p--)
        if (p[-1] == '\n')
            return p;
    return end;
}

/* Lets go of the bytes the scanner has passed (at a line's start, the
 * scanner's line number counts the newlines before it) and moves its
 * pointers with the rest; then makes room for a chunk. */
static bool feed_slide(Scanner *scanner)
{
    Feed *feed = scanner->feed;
    assert(scanner->at == feed->text || scanner->at[-1] == '\n'); /* refill: at a line's start */
    size_t passed = (size_t)(scanner->at - feed->text), fed = (size_t)(scanner->end - scanner->at);
    feed_drop(feed, passed, scanner->line - 1 - feed->dropped_lines);
    bool room = feed_make_room(feed); /* the window may move */
    scanner->at = feed->text;
    scanner->end = feed->text + fed;
    if (!room) {
        feed->failed = true;
        feed->error = ENOMEM;
    }
    return room;
}

/* Hands the scanner more whole lines, reading as many chunks as that takes;
 * false at the end of the file, or when reading stopped (a failure, a NUL
 * byte, a file that grew: the loader says which). Pointers into the text
 * from before the call no longer hold: the window may have moved. */
static bool refill(Scanner *scanner)
{
    Feed *feed = scanner->feed;
    bool more = false;
    while (feed && !more && !feed->ended && !feed->failed && !feed->nul) {
        if (!feed_slide(scanner))
            break;
        const char *end = scanner->end, *fresh = feed->text + feed->used;
        feed_read(feed);
        if (!feed->failed && !feed->nul)
            scanner->end = fed_end(feed, fresh, end);
        more = scanner->end != end;
    }
    return more;
}

/* The next token on the current line; false at the end of the line or file. */
static bool next_field(Scanner *scanner, Token *token)
{
    while (scanner->at < scanner->end && is_blank(*scanner->at))
        scanner->at++;
    if (scanner->at == scanner->end || *scanner->at == '\n')
        return false;
    token->start = scanner->at;
    while (scanner->at < scanner->end && !is_separator(*scanner->at))
        scanner->at++;
    token->length = (size_t)(scanner->at - token->start);
    return true;
}

/* Moves past the end of the current line (the caller has read all its fields). */
static void end_line(Scanner *scanner)
{
    if (scanner->at < scanner->end) {
        scanner->at++;
        scanner->line++;
    }
}

/* The next token on this line or a later one; false at the end of the file. */
static bool next_token(Scanner *scanner, Token *token)
{
    while (!next_field(scanner, token)) {
        if (scanner->at < scanner->end)
            end_line(scanner);
        else if (!refill(scanner))
            return false;
    }
    return true;
}

/* A decimal number in [0, max] (number.h's grammar); `what` names it in
 * messages ("byte count"). */
static bool parse_number(Scanner *scanner, const Token *token, uint64_t max, const char *what,
                         uint64_t *value)
{
    static const char *const wrong[] = {NULL, "%s '%s' is not a number", "negative %s '%s'",
                                        "%s '%s' is too large (at most %llu)"};
    NumberError error = number_parse_u64(token->start, token->length, max, value);
    char text[TOKEN_SHOWN + 4];
    if (error != NUMBER_OK)
        return fail(scanner, scanner->line, wrong[error], what, shown(token, text),
                    (unsigned long long)max);
    return true;
}

/* Moves a block from zeroed_memory.h into a new one of `bytes`, keeping its
 * first `used` bytes; NULL (the old block kept) if out of memory. Traces
 * and files are large: in such blocks they cost few page faults. */
static void *grow_block(void *block, size_t old_bytes, size_t bytes, size_t used)
{
    void *larger = zeroed_memory_get(bytes);
    if (!larger)
        return NULL;
    if (used)
        memcpy(larger, block, used);
    zeroed_memory_release(block, old_bytes);
    return larger;
}

/* Makes room for `capacity` ops in the trace. */
static bool grow_ops(Trace *trace, uint64_t capacity)
{
    if (capacity > UINT32_MAX)
        return false;
    Op *ops = grow_block(trace->ops, trace->ops_capacity * sizeof *ops,
                         (size_t)capacity * sizeof *ops, trace->op_count * sizeof *ops);
    if (!ops)
        return false;
    trace->ops = ops;
    trace->ops_capacity = (uint32_t)capacity;
    return true;
}

static bool append_op(Builder *builder, Op op)
{
    Trace *trace = builder->trace;
    if (trace->op_count == trace->ops_capacity &&
        !grow_ops(trace, trace->ops_capacity ? (uint64_t)trace->ops_capacity * 2 : 256))
        return false;
    trace->ops[trace->op_count++] = op;
    return true;
}

/* Makes room for the ops a header announces, up to what `text_bytes` bytes
 * can hold (each op takes a line of at least two bytes), so a well-formed
 * file fills its array without growing it. */
static bool reserve_ops(Builder *builder, uint64_t header_ops, size_t text_bytes)
{
    uint64_t capacity = header_ops < text_bytes / 2 + 1 ? header_ops : text_bytes / 2 + 1;
    return capacity <= builder->trace->ops_capacity || grow_ops(builder->trace, capacity);
}

static bool out_of_memory(Scanner *scanner)
{
    return fail(scanner, scanner->line, "out of memory (%s)", strerror(ENOMEM));
}

/* ---- CS:APP .rep -------------------------------------------------------- */

static const char *const HEADER_FIELDS[4] = {
    "suggested heap size", "number of ids", "number of operations", "weight"};

/* Reads the four header numbers; header_line[2] keeps the op count's line. */
static bool parse_header(Scanner *scanner, Trace *trace, uint32_t header_line[4],
                         uint64_t *header_ops)
{
    static const uint64_t limits[4] = {UINT64_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    uint64_t values[4];
    for (int i = 0; i < 4; i++) {
        Token token;
        if (!next_token(scanner, &token))
            return fail(scanner, scanner->line,
                        "the header ends early: expected 4 numbers (suggested heap size, ids, "
                        "operations, weight), found %d", i);
        header_line[i] = scanner->line;
        if (!parse_number(scanner, &token, limits[i], HEADER_FIELDS[i], &values[i]))
            return false;
    }
    trace->suggested_heap = values[0];
    trace->id_count = (uint32_t)values[1];
    *header_ops = values[2];
    trace->weight = (uint32_t)values[3];
    return true;
}

/* An id field: present, numeric, inside the header's count. */
static bool parse_id(Scanner *scanner, const Trace *trace, char letter, const char *takes,
                     uint32_t *id)
{
    Token token;
    uint64_t value;
    if (!next_field(scanner, &token))
        return fail(scanner, scanner->line, "missing id: '%c' takes %s", letter, takes);
    if (!parse_number(scanner, &token, UINT32_MAX, "id", &value))
        return false;
    if (value >= trace->id_count) {
        if (trace->id_count == 0)
            return fail(scanner, scanner->line, "id %llu is outside the header's 0 ids",
                        (unsigned long long)value);
        return fail(scanner, scanner->line, "id %llu is outside the header's %u ids (0 to %u)",
                    (unsigned long long)value, trace->id_count, trace->id_count - 1);
    }
    *id = (uint32_t)value;
    return true;
}

static bool parse_bytes(Scanner *scanner, char letter, uint32_t id, uint64_t *bytes)
{
    Token token;
    if (!next_field(scanner, &token))
        return fail(scanner, scanner->line,
                    "missing byte count: '%c %u' needs a byte count after the id", letter, id);
    return parse_number(scanner, &token, UINT64_MAX, "byte count", bytes);
}

/* Says which of the file's own checks `op` breaks (check_ids found one). */
static bool refuse_ids(Scanner *scanner, const Builder *builder, const Op *op)
{
    uint32_t id = op->id;
    if (op->kind == OP_MALLOC)
        return fail(scanner, op->line,
                    "'a %u' allocates id %u again: line %u allocated it and no 'f %u' came since",
                    id, id, builder->named_line[id], id);
    return fail(scanner, op->line,
                "'f %u' frees id %u, which no earlier 'a' or 'r' line allocated", id, id);
}

/* The file's own checks: a live id may not be allocated again, and only a
 * named id may be freed. */
static inline bool check_ids(Scanner *scanner, Builder *builder, const Op *op)
{
    if (op->kind == OP_COMPACT)
        return true; /* names no id */
    uint32_t id = op->id;
    if ((op->kind == OP_MALLOC && builder->live[id]) ||
        (op->kind == OP_FREE && builder->named_line[id] == 0))
        return refuse_ids(scanner, builder, op);
    if (op->kind == OP_FREE) {
        builder->live[id] = 0;
    } else {
        builder->named_line[id] = op->line;
        builder->live[id] = op->bytes > 0 || op->kind == OP_MALLOC;
    }
    return true;
}

/* The fields after an operation letter, as the letter wants them. */
static bool parse_fields(Scanner *scanner, const Trace *trace, Op *op)
{
    static const char *const takes[] = {"an id and a byte count", "an id",
                                        "an id and a byte count", "no fields"};
    char letter = "afrc"[op->kind];
    if (op->kind != OP_COMPACT && !parse_id(scanner, trace, letter, takes[op->kind], &op->id))
        return false;
    if ((op->kind == OP_MALLOC || op->kind == OP_REALLOC) &&
        !parse_bytes(scanner, letter, op->id, &op->bytes))
        return false;
    Token extra;
    char text[TOKEN_SHOWN + 4];
    if (next_field(scanner, &extra))
        return fail(scanner, scanner->line, "extra field '%s': '%c' takes %s",
                    shown(&extra, text), letter, takes[op->kind]);
    return true;
}

static bool op_kind_of(const Token *token, Op *op)
{
    if (token->length != 1)
        return false;
    const char *letters = "afrc";
    const char *found = memchr(letters, token->start[0], 4);
    if (!found)
        return false;
    op->kind = (OpKind)(found - letters);
    return true;
}

static bool parse_rep_line(Scanner *scanner, Builder *builder, const Token *letter)
{
    char text[TOKEN_SHOWN + 4];
    Op op = {.line = scanner->line};
    if (!op_kind_of(letter, &op))
        return fail(scanner, scanner->line, "unknown operation '%s' (expected a, f, r or c)",
                    shown(letter, text));
    if (!parse_fields(scanner, builder->trace, &op) || !check_ids(scanner, builder, &op))
        return false;
    if (builder->trace->op_count == builder->trace->ops_capacity) {
        builder->unkept_ops++; /* past the header's count: see the top of the file */
        return true;
    }
    builder->trace->ops[builder->trace->op_count++] = op;
    return true;
}

/* Reads the digits at *at as a number of at most `max_digits` digits (so it
 * cannot overflow); false if there are none or too many. */
static inline bool plain_number(const char **at, const char *end, int max_digits,
                                uint64_t *value)
{
    const char *p = *at;
    uint64_t number = 0; /* may wrap past max_digits, but is then refused */
    for (; p < end && (unsigned)(*p - '0') <= 9; p++)
        number = number * 10 + (uint64_t)(*p - '0');
    if (p == *at || p - *at > max_digits)
        return false;
    *at = p;
    *value = number;
    return true;
}

/* Digits the fast path reads: longer ids (and ids past the header's count)
 * go to the careful path's messages, and byte counts
 * longer than number.h's safe length go to the careful path's overflow check. */
enum { PLAIN_ID_DIGITS = 9, PLAIN_BYTES_DIGITS = NUMBER_SAFE_DIGITS };

/* The common line, fast: `a ID BYTES`, `f ID` or `r ID BYTES` with single
 * spaces, an id below the header's count, and a newline, a CRLF (or the end
 * of the file) right after. Reads it into *op and moves past its newline; anything
 * else (blanks elsewhere, signs, long numbers, errors of any kind) returns
 * false without moving, and the careful path reads the line. */
static inline bool parse_plain_line(Scanner *scanner, const Trace *trace, Op *op)
{
    const char *p = scanner->at, *end = scanner->end;
    if (end - p < 3 || p[1] != ' ')
        return false;
    OpKind kind = p[0] == 'a' ? OP_MALLOC : p[0] == 'f' ? OP_FREE : p[0] == 'r' ? OP_REALLOC
                                                                              : OP_COMPACT;
    uint64_t id, bytes = 0;
    p += 2;
    if (kind == OP_COMPACT || !plain_number(&p, end, PLAIN_ID_DIGITS, &id) ||
        id >= trace->id_count)
        return false;
    if (kind != OP_FREE &&
        (p == end || *p++ != ' ' || !plain_number(&p, end, PLAIN_BYTES_DIGITS, &bytes)))
        return false;
    if (p < end && *p == '\r')
        p++; /* CRLF line ends */
    if (p < end && *p++ != '\n')
        return false;
    /* Built whole, so the kind and line bit-fields are one store. */
    *op = (Op){.bytes = bytes, .id = (uint32_t)id, .kind = kind, .line = scanner->line};
    scanner->at = p;
    scanner->line++;
    return true;
}

/* Ids beyond TRACE_ANY_IDS only as many as the file has operations: each
 * id costs memory, so a header cannot ask for more than the file uses. The
 * operations are the header's count, but no more than the body's bytes can
 * hold (a line of at least two bytes each). */
static bool ids_fit(Scanner *scanner, uint64_t ids, uint64_t header_ops, size_t body_bytes,
                    uint32_t line)
{
    uint64_t ops = header_ops < body_bytes / 2 + 1 ? header_ops : body_bytes / 2 + 1;
    uint64_t most = ops > TRACE_ANY_IDS ? ops : TRACE_ANY_IDS;
    if (ids <= most)
        return true;
    return fail(scanner, line, "number of ids %llu is more than the file can use (at most %llu: "
                "one per operation, or %d)", (unsigned long long)ids, (unsigned long long)most,
                TRACE_ANY_IDS);
}

/* The per-id state of the file's checks: 5 bytes an id. */
static bool reserve_ids(Scanner *scanner, Builder *builder)
{
    uint32_t id_count = builder->trace->id_count;
    builder->named_line = calloc(id_count ? id_count : 1, sizeof *builder->named_line);
    builder->live = calloc(id_count ? id_count : 1, sizeof *builder->live);
    if (builder->named_line && builder->live)
        return true;
    return fail(scanner, scanner->line, "out of memory: the header's %u ids need %llu MiB to check",
                id_count, ((unsigned long long)id_count * 5 >> 20) + 1);
}

/* Tells the watcher how many ops are parsed and kept so far. */
static void report_parsed(Builder *builder)
{
    builder->watcher->parsed(builder->watcher->context, builder->trace->op_count);
    builder->report_at = builder->trace->op_count + WATCH_OPS;
}

/* The operations after the header, one a line. */
static bool parse_rep_body(Scanner *scanner, Builder *builder)
{
    Token token;
    Trace *trace = builder->trace;
    while (scanner->at < scanner->end || refill(scanner)) {
        Op op;
        if (trace->op_count >= builder->report_at)
            report_parsed(builder);
        /* Room is reserved for the ops the header announces; past that the
         * careful path counts them. */
        if (trace->op_count < trace->ops_capacity && parse_plain_line(scanner, trace, &op)) {
            if (!check_ids(scanner, builder, &op))
                return false;
            trace->ops[trace->op_count++] = op;
            continue;
        }
        if (next_field(scanner, &token) && !parse_rep_line(scanner, builder, &token))
            return false;
        end_line(scanner);
    }
    if (builder->report_at != NO_REPORT)
        report_parsed(builder);
    return true;
}

/* Hands the watcher the header, if the file can hold every op it announces
 * (else the file is refused at its end anyway), and starts its reports. */
static void report_header(Builder *builder, uint64_t header_ops)
{
    if (!builder->watcher || builder->trace->ops_capacity != header_ops)
        return;
    builder->watcher->header(builder->watcher->context, builder->trace, (uint32_t)header_ops);
    builder->report_at = WATCH_OPS;
}

/* The bytes after `at`: the rest of the text, or of the file as its size was. */
static size_t remaining_bytes(const Scanner *scanner)
{
    const Feed *feed = scanner->feed;
    if (!feed)
        return (size_t)(scanner->end - scanner->at);
    size_t consumed = feed->dropped + (size_t)(scanner->at - feed->text);
    return feed->size > consumed ? feed->size - consumed : 0;
}

static bool parse_rep(Scanner *scanner, Builder *builder)
{
    uint32_t header_line[4];
    uint64_t header_ops = 0;
    Token token;
    char text[TOKEN_SHOWN + 4];
    if (!parse_header(scanner, builder->trace, header_line, &header_ops))
        return false;
    if (next_field(scanner, &token))
        return fail(scanner, scanner->line, "extra field '%s' after the header's four numbers",
                    shown(&token, text));
    end_line(scanner);
    size_t body_bytes = remaining_bytes(scanner);
    if (!ids_fit(scanner, builder->trace->id_count, header_ops, body_bytes, header_line[1]) ||
        !reserve_ids(scanner, builder))
        return false;
    if (!reserve_ops(builder, header_ops, body_bytes))
        return out_of_memory(scanner);
    report_header(builder, header_ops);
    if (!parse_rep_body(scanner, builder))
        return false;
    uint32_t file_ops = builder->trace->op_count + builder->unkept_ops;
    if (file_ops != header_ops)
        return fail(scanner, header_line[2], "the header says %llu operations but the file has %u",
                    (unsigned long long)header_ops, file_ops);
    return true;
}

/* ---- OSTEP op lists ----------------------------------------------------- */

static void skip_separators(Scanner *scanner)
{
    do {
        for (; scanner->at < scanner->end && is_separator(*scanner->at); scanner->at++)
            if (*scanner->at == '\n')
                scanner->line++;
    } while (scanner->at == scanner->end && refill(scanner));
}

/* The next item, skipping blanks and newlines; a comma ends an item. A comma
 * with no item before it (at the start, or after another comma) is an empty
 * item, which malloc.py cannot run either: *empty is set and false returned. */
static bool next_list_token(Scanner *scanner, Token *token, bool *empty)
{
    skip_separators(scanner);
    *empty = scanner->at < scanner->end && *scanner->at == ',';
    if (scanner->at == scanner->end || *empty)
        return false;
    token->start = scanner->at;
    while (scanner->at < scanner->end && !is_separator(*scanner->at) && *scanner->at != ',')
        scanner->at++;
    token->length = (size_t)(scanner->at - token->start);
    while (scanner->at < scanner->end && is_blank(*scanner->at))
        scanner->at++;
    if (scanner->at < scanner->end && *scanner->at == ',')
        scanner->at++;
    return true;
}

/* `+N` allocates N bytes under the next id; `-K` frees the K-th allocation. */
static bool parse_list_token(Scanner *scanner, Builder *builder, const Token *token)
{
    char text[TOKEN_SHOWN + 4];
    Trace *trace = builder->trace;
    Token number = {token->start + 1, token->length - 1};
    Op op = {.line = scanner->line};
    if (token->start[0] != '+' && token->start[0] != '-')
        return fail(scanner, scanner->line, "unknown operation '%s' (expected +BYTES or -INDEX)",
                    shown(token, text));
    bool allocate = token->start[0] == '+';
    if (number.length == 0)
        return fail(scanner, scanner->line, "missing %s after '%c'",
                    allocate ? "byte count" : "allocation index", token->start[0]);
    if (allocate) {
        op.kind = OP_MALLOC;
        op.id = trace->id_count;
        if (!parse_number(scanner, &number, UINT64_MAX, "byte count", &op.bytes))
            return false;
        trace->id_count++;
    } else {
        uint64_t index;
        op.kind = OP_FREE;
        if (!parse_number(scanner, &number, UINT32_MAX, "allocation index", &index))
            return false;
        if (index >= trace->id_count)
            return fail(scanner, scanner->line,
                        "'%s' frees allocation %llu, but only %u allocations came before it",
                        shown(token, text), (unsigned long long)index, trace->id_count);
        op.id = (uint32_t)index;
    }
    return append_op(builder, op) || out_of_memory(scanner);
}

static bool parse_list(Scanner *scanner, Builder *builder)
{
    Token token;
    bool empty = false;
    builder->trace->weight = 1;
    while (next_list_token(scanner, &token, &empty))
        if (!parse_list_token(scanner, builder, &token))
            return false;
    if (empty)
        return fail(scanner, scanner->line,
                    "an OSTEP op list with an empty item (a comma with no +BYTES or -INDEX before it)");
    return true;
}

/* ---- slots -------------------------------------------------------------- */

#define NO_SLOT UINT32_MAX               /* an id not given a slot yet */

/* Gives each op its id's slot (trace.h): a slot freed by an id's last op,
 * an `f`, is the next new id's. False if out of memory. */
static bool assign_slots(Trace *trace)
{
    size_t ids = trace->id_count ? trace->id_count : 1;
    uint32_t *last_op = malloc(ids * sizeof *last_op);   /* per id: the last op naming it */
    uint32_t *slot_of = malloc(ids * sizeof *slot_of);   /* per id: its slot, NO_SLOT yet */
    uint32_t *spare = malloc(ids * sizeof *spare);       /* slots given back */
    free(trace->slots);
    trace->slots = malloc((trace->op_count ? trace->op_count : 1) * sizeof *trace->slots);
    bool ok = last_op && slot_of && spare && trace->slots;
    uint32_t slots = 0, spare_count = 0;
    for (uint32_t i = 0; ok && i < trace->op_count; i++)
        if (trace->ops[i].kind != OP_COMPACT)
            last_op[trace->ops[i].id] = i;
    if (ok)
        memset(slot_of, 0xff, ids * sizeof *slot_of);
    for (uint32_t i = 0; ok && i < trace->op_count; i++) {
        const Op *op = &trace->ops[i];
        trace->slots[i] = 0;
        if (op->kind == OP_COMPACT)
            continue;
        if (slot_of[op->id] == NO_SLOT)
            slot_of[op->id] = spare_count ? spare[--spare_count] : slots++;
        trace->slots[i] = slot_of[op->id];
        if (last_op[op->id] == i && op->kind == OP_FREE)
            spare[spare_count++] = trace->slots[i];
    }
    trace->slot_count = slots;
    free(last_op);
    free(slot_of);
    free(spare);
    return ok;
}

bool trace_number_slots(Trace *trace)
{
    return assign_slots(trace);
}

/* ---- whole files -------------------------------------------------------- */

static bool is_op_list(const char *text, size_t length)
{
    size_t i = 0;
    while (i < length && is_separator(text[i]))
        i++;
    return i < length && (text[i] == '+' || text[i] == '-' || text[i] == ',');
}

bool trace_is_op_list(const char *text)
{
    return is_op_list(text, strlen(text));
}

static char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t length = strlen(name) + 1;
    char *copy = malloc(length);
    if (copy)
        memcpy(copy, name, length);
    return copy;
}

/* "SOURCE: larger than 1024 MiB, ..." in `message`; returns false. */
static bool describe_too_large(const char *source, char *message, size_t message_size)
{
    snprintf(message, message_size, "%s: larger than %d MiB, the most a trace may have", source,
             TRACE_MAX_BYTES >> 20);
    return false;
}

/* A line number fits an Op's line field: a text of `length` bytes has at
 * most `length` lines before its last character. */
_Static_assert(TRACE_MAX_BYTES <= 1L << OP_LINE_BITS, "Op.line holds every line of a trace");

/* Whether the text fed so far starts (after blanks and newlines) like an
 * OSTEP op list, feeding more until something other than them is there. */
static bool starts_op_list(Scanner *scanner)
{
    size_t skipped = 0; /* separators after `at`: refill may move the text, and `at` with it */
    for (;;) {
        const char *p = scanner->at + skipped;
        while (p < scanner->end && is_separator(*p))
            p++;
        if (p < scanner->end)
            return is_op_list(p, (size_t)(scanner->end - p));
        skipped = (size_t)(p - scanner->at);
        if (!refill(scanner))
            return false;
    }
}

/* What went wrong in reading a fed file, said in `message` (it takes the
 * place of any parse error, as if the file had been read whole first); true
 * if nothing did. A parse that stopped early first reads the rest, for a NUL
 * byte or a failure there. */
static bool feed_was_whole(Scanner *scanner, bool parsed)
{
    Feed *feed = scanner->feed;
    while (!parsed && !feed->ended && !feed->failed && !feed->nul) {
        if (feed->capacity - feed->used < feed->chunk) /* the rest is only looked through */
            feed_drop(feed, feed->used, newlines_in(feed->text, feed->used));
        feed_read(feed);
    }
    if (feed->failed)
        snprintf(scanner->message, scanner->message_size, "%s: cannot read: %s", scanner->source,
                 strerror(feed->error));
    else if (feed->nul)
        describe_nul_at(scanner->source, feed->text, feed->nul_at, feed->dropped_lines, scanner->message,
                        scanner->message_size);
    else if (feed->grew)
        snprintf(scanner->message, scanner->message_size,
                 "%s: the file changed while it was read (it grew past its %llu bytes)",
                 scanner->source, (unsigned long long)feed->size);
    return !feed->failed && !feed->nul && !feed->grew;
}

/* Parses the scanner's text (fed or whole) with a watcher (NULL: none). */
static bool parse_scanned(Scanner *scanner, const TraceWatcher *watcher, Trace **out)
{
    Builder builder = {calloc(1, sizeof(Trace)), NULL, NULL, 0, watcher, NO_REPORT};
    bool ok = builder.trace && (builder.trace->name = base_name(scanner->source));
    if (!ok)
        ok = out_of_memory(scanner);
    else if (starts_op_list(scanner))
        ok = parse_list(scanner, &builder);
    else
        ok = parse_rep(scanner, &builder);
    if (scanner->feed && !feed_was_whole(scanner, ok))
        ok = false;
    free(builder.named_line);
    free(builder.live);
    if (ok && !watcher && !assign_slots(builder.trace))
        ok = fail(scanner, scanner->line, "out of memory: the %u ids need %llu MiB to number",
                  builder.trace->id_count, ((unsigned long long)builder.trace->id_count * 12 >> 20) + 1);
    if (!ok && watcher)
        watcher->failed(watcher->context);
    if (!ok) {
        trace_destroy(builder.trace);
        return false;
    }
    *out = builder.trace;
    return true;
}

/* trace_parse with a watcher (NULL: none). */
static bool parse_watched(const char *text, size_t length, const char *source,
                          const TraceWatcher *watcher, Trace **out, char *message,
                          size_t message_size)
{
    if (length >= TRACE_MAX_BYTES)
        return describe_too_large(source, message, message_size);
    Scanner scanner = {text, text + length, 1, source, message, message_size, NULL};
    return parse_scanned(&scanner, watcher, out);
}

bool trace_parse(const char *text, size_t length, const char *source, Trace **out,
                 char *message, size_t message_size)
{
    return parse_watched(text, length, source, NULL, out, message, message_size);
}

typedef enum { READ_OK, READ_FAILED, READ_NUL, READ_TOO_LARGE } ReadOutcome;

/* Reads a whole stream into one block from zeroed_memory.h of *capacity
 * bytes (errno set on READ_FAILED): a regular file's size and one more, so
 * one read finds the end. Stops at the first chunk holding a NUL byte (a
 * trace is text: /dev/zero fails at once) and before TRACE_MAX_BYTES (an
 * endless stream fails in bounded memory). On READ_OK and READ_NUL the
 * caller releases *text. */
static ReadOutcome read_all(FILE *stream, char **text, size_t *length, size_t *capacity)
{
    struct stat status;
    bool regular = fstat(fileno(stream), &status) == 0 && S_ISREG(status.st_mode);
    *capacity = regular && (uint64_t)status.st_size < TRACE_MAX_BYTES
                    ? (size_t)status.st_size + 1
                    : regular ? TRACE_MAX_BYTES : 1 << 16;
    size_t used = 0;
    char *buffer = zeroed_memory_get(*capacity);
    ReadOutcome outcome = READ_FAILED;
    while (buffer) {
        size_t before = used;
        used += fread(buffer + used, 1, *capacity - used, stream);
        if (ferror(stream))
            break;
        bool nul = memchr(buffer + before, '\0', used - before) != NULL;
        if (nul || used < *capacity) {
            *text = buffer;
            *length = used;
            return nul ? READ_NUL : READ_OK;
        }
        if (*capacity >= TRACE_MAX_BYTES) {
            outcome = READ_TOO_LARGE;
            break;
        }
        char *larger = grow_block(buffer, *capacity, *capacity * 2, used);
        if (!larger) {
            errno = ENOMEM;
            break;
        }
        buffer = larger;
        *capacity *= 2;
    }
    int saved = errno ? errno : EIO;
    zeroed_memory_release(buffer, *capacity);
    errno = saved;
    return outcome;
}

/* The chunks a Feed's window holds at first (more for a longer line). */
enum { FEED_WINDOW_CHUNKS = 4 };

/* A regular file of `size` bytes, read `chunk` bytes at a time as it is
 * parsed, through a window of FEED_WINDOW_CHUNKS chunks. */
static bool load_fed(FILE *stream, size_t size, size_t chunk, const char *path,
                     const TraceWatcher *watcher, Trace **out, char *message, size_t message_size)
{
    Feed feed = {.stream = stream, .capacity = FEED_WINDOW_CHUNKS * chunk, .size = size, .chunk = chunk};
    feed.text = malloc(feed.capacity);
    if (!feed.text) {
        snprintf(message, message_size, "%s: cannot read: %s", path, strerror(ENOMEM));
        return false;
    }
    Scanner scanner = {feed.text, feed.text, 1, path, message, message_size, &feed};
    bool ok = parse_scanned(&scanner, watcher, out);
    free(feed.text);
    return ok;
}

/* A whole stream read first (a pipe, a device), then parsed. */
static bool load_whole(FILE *stream, const char *path, const TraceWatcher *watcher, Trace **out,
                       char *message, size_t message_size)
{
    char *text = NULL;
    size_t length = 0, capacity = 0;
    ReadOutcome outcome = read_all(stream, &text, &length, &capacity);
    int saved = errno;
    if (outcome == READ_FAILED)
        snprintf(message, message_size, "%s: cannot read: %s", path, strerror(saved ? saved : EIO));
    if (outcome == READ_TOO_LARGE)
        describe_too_large(path, message, message_size);
    if (outcome == READ_NUL)
        describe_nul(path, text, length, message, message_size);
    bool ok = outcome == READ_OK &&
              parse_watched(text, length, path, watcher, out, message, message_size);
    zeroed_memory_release(text, capacity);
    return ok;
}

bool trace_load_in_chunks(const char *path, size_t chunk_bytes, const TraceWatcher *watcher,
                          Trace **out, char *message, size_t message_size)
{
    errno = 0;
    FILE *stream = fopen(path, "rb");
    if (!stream) {
        snprintf(message, message_size, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
        return false;
    }
    struct stat status;
    /* A size of 0 may be a file of /proc, whose bytes come only as it is read. */
    bool fed = fstat(fileno(stream), &status) == 0 && S_ISREG(status.st_mode) &&
               status.st_size > 0 && (uint64_t)status.st_size < TRACE_MAX_BYTES;
    bool ok = fed ? load_fed(stream, (size_t)status.st_size, chunk_bytes ? chunk_bytes : 1, path,
                             watcher, out, message, message_size)
                  : load_whole(stream, path, watcher, out, message, message_size);
    fclose(stream);
    return ok;
}

bool trace_load_watched(const char *path, const TraceWatcher *watcher, Trace **out,
                        char *message, size_t message_size)
{
    return trace_load_in_chunks(path, TRACE_READ_CHUNK, watcher, out, message, message_size);
}

bool trace_load(const char *path, Trace **out, char *message, size_t message_size)
{
    return trace_load_watched(path, NULL, out, message, message_size);
}

/* ---- writing ------------------------------------------------------------ */

void trace_write_header(OutputFile *file, uint64_t suggested_heap, uint32_t id_count,
                        uint32_t op_count, uint32_t weight)
{
    const uint64_t header[4] = {suggested_heap, id_count, op_count, weight};
    for (int i = 0; i < 4; i++) {
        output_file_u64(file, header[i]);
        output_file_char(file, '\n');
    }
}

void trace_write_op(OutputFile *file, const Op *op)
{
    output_file_char(file, "afrc"[op->kind]);
    if (op->kind != OP_COMPACT) {
        output_file_char(file, ' ');
        output_file_u64(file, op->id);
    }
    if (op->kind == OP_MALLOC || op->kind == OP_REALLOC) {
        output_file_char(file, ' ');
        output_file_u64(file, op->bytes);
    }
    output_file_char(file, '\n');
}

void trace_write(OutputFile *file, const Trace *trace)
{
    trace_write_header(file, trace->suggested_heap, trace->id_count, trace->op_count, trace->weight);
    for (uint32_t i = 0; i < trace->op_count; i++)
        trace_write_op(file, &trace->ops[i]);
}

Trace *trace_create(const char *name, uint64_t suggested_heap, uint32_t id_count,
                    const Op *ops, uint32_t op_count)
{
    Trace *trace = calloc(1, sizeof *trace);
    if (!trace)
        return NULL;
    trace->suggested_heap = suggested_heap;
    trace->id_count = id_count;
    trace->weight = 1;
    trace->name = base_name(name ? name : "recorded");
    if (!trace->name || !grow_ops(trace, op_count ? op_count : 1)) {
        trace_destroy(trace);
        return NULL;
    }
    trace->op_count = op_count;
    if (op_count)
        memcpy(trace->ops, ops, op_count * sizeof *ops);
    if (!assign_slots(trace)) {
        trace_destroy(trace);
        return NULL;
    }
    return trace;
}

void trace_destroy(Trace *trace)
{
    if (!trace)
        return;
    zeroed_memory_release(trace->ops, trace->ops_capacity * sizeof *trace->ops);
    free(trace->name);
    free(trace->slots);
    free(trace->placement_addresses);
    free(trace->placement_address_of);
    free(trace->placement_usable);
    free(trace);
}

RecordedPlacements trace_placements(const Trace *trace)
{
    return (RecordedPlacements){.addresses = trace->placement_addresses,
                                .address_of = trace->placement_address_of,
                                .usable = trace->placement_usable,
                                .address_count = trace->placement_address_count,
                                .count = trace->placement_count};
}
