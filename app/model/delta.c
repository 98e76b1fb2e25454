/*
 * delta.c - the words that differ between two states of a run (see
 * delta.h).
 *
 * Taking a delta compares the two runs' spans 64 bytes at a time (memcmp,
 * which runs at memory speed) and looks at single words only inside the
 * pieces that differ; a span's bytes past its `used` are zero in both, so
 * the scan stops at the larger `used`. Words are read and written with
 * memcpy: a span need not be 8-byte aligned.
 *
 * Encoding: each changed word is one entry: a head byte, then old XOR new
 * in as few bytes as hold it (1-8, least significant first), then, only
 * where the gap from the previous changed word of its span is GAP_ESCAPE
 * or more, that gap as an unsigned LEB128 number (7 bits a byte, the high
 * bit set on every byte but the last). The head holds the XOR's byte count
 * less one in its low 3 bits and the gap (or GAP_ESCAPE) in its high 5. On
 * the window's 10-million-operation traces 91% of gaps fit in the head and
 * most XORs take one to three bytes (boundary tags and counters change in
 * their low bits): 3.16 bytes a word, against 12 for an index and a value
 * and 3.43 for two LEB128 numbers. A reader finds where the next entry
 * starts from the head alone, so it runs ahead over many entries; it reads
 * the XOR as one 8-byte load and masks it (the mask from a table of eight:
 * applying a delta is bound by the instructions a word takes, and the
 * table's one load costs fewer than working the mask out), so the bytes
 * hold READ_SLACK zero bytes past the last entry.
 */
#include "delta.h"

#include <stdlib.h>
#include <string.h>

enum {
    PIECE_BYTES = 64,
    FIRST_CAPACITY = 4096,
    ENTRY_MAX_BYTES = 1 + 8 + 10, /* head, XOR, a 64-bit gap in LEB128 */
    READ_SLACK = 8,              /* bytes past the last entry a reader may load */
    GAP_ESCAPE = 31,             /* the head's gap field: the gap follows the XOR */
    APPLY_PIECE_WORDS = 8192,    /* 64 KiB: deltas applied together each change a piece of a
                                    span in turn, while the cache holds it */
    APPLY_AT_ONCE = 32           /* deltas applied together (delta_apply_all takes more in turns) */
};

static uint64_t load_word(const uint8_t *bytes)
{
    uint64_t word;
    memcpy(&word, bytes, sizeof word);
    return word;
}

bool delta_spans_match(Run *a, Run *b)
{
    AllocatorSpan spans_a[RUN_MAX_SPANS], spans_b[RUN_MAX_SPANS];
    uint32_t count = run_state_spans(a, spans_a);
    if (count == 0 || count != run_state_spans(b, spans_b)) {
        return false;
    }
    for (uint32_t k = 0; k < count; k++) {
        if (spans_a[k].size != spans_b[k].size) {
            return false;
        }
    }
    return true;
}

/* ---- the encoding ------------------------------------------------------- */

/* Reads one LEB128 number at *at and moves past it. */
static uint64_t read_number(const uint8_t **at)
{
    const uint8_t *byte = *at;
    uint64_t value = *byte & 0x7f;
    for (unsigned shift = 7; *byte++ & 0x80; shift += 7) {
        value |= (uint64_t)(*byte & 0x7f) << shift;
    }
    *at = byte;
    return value;
}

/* The 8 bytes at `bytes` as a little-endian number. */
static uint64_t load_little_endian(const uint8_t *bytes)
{
    uint64_t value = load_word(bytes);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

/* The XOR's bits, by its byte count less one (an entry head's low 3 bits). */
static const uint64_t XOR_MASKS[8] = {0xff, 0xffff, 0xffffff, 0xffffffff, UINT64_C(0xffffffffff),
                                      UINT64_C(0xffffffffffff), UINT64_C(0xffffffffffffff), UINT64_MAX};

/* Reads the entry at *at, moves past it and adds its gap to *word.
 * Returns the XOR. */
static inline uint64_t read_entry(const uint8_t **at, uint64_t *word)
{
    const uint8_t *entry = *at;
    unsigned head = entry[0];
    uint64_t difference = load_little_endian(entry + 1) & XOR_MASKS[head & 7];
    *at = entry + 2 + (head & 7);
    uint64_t gap = head >> 3;
    if (gap == GAP_ESCAPE) {
        gap = read_number(at);
    }
    *word += gap;
    return difference;
}

typedef struct {
    Delta *delta;
    uint64_t size;               /* bytes written */
    uint64_t capacity;           /* bytes delta->bytes has room for */
    uint64_t last_word;          /* the span's previous changed word */
} Builder;

/* Starts span k: its first gap counts from word 0. */
static void builder_end_span(Builder *builder, uint32_t k)
{
    builder->delta->span_ends[k] = builder->size;
    builder->last_word = 0;
}

static void put_number(uint8_t **at, uint64_t value)
{
    for (; value >= 0x80; value >>= 7) {
        *(*at)++ = (uint8_t)(value | 0x80);
    }
    *(*at)++ = (uint8_t)value;
}

/* Writes one entry (see the encoding above) at *at and moves past it. */
static void put_entry(uint8_t **at, uint64_t gap, uint64_t difference)
{
    unsigned xor_bytes = 1;
    while (xor_bytes < 8 && (difference >> (8 * xor_bytes)) != 0) {
        xor_bytes++;
    }
    uint64_t head_gap = gap < GAP_ESCAPE ? gap : GAP_ESCAPE;
    *(*at)++ = (uint8_t)(head_gap << 3 | (xor_bytes - 1));
    for (unsigned i = 0; i < xor_bytes; i++) {
        *(*at)++ = (uint8_t)(difference >> (8 * i));
    }
    if (head_gap == GAP_ESCAPE) {
        put_number(at, gap);
    }
}

/* Adds changed word `word` (after the span's previous one) with old XOR new. */
static bool builder_add(Builder *builder, uint64_t word, uint64_t difference)
{
    Delta *delta = builder->delta;
    if (builder->capacity - builder->size < ENTRY_MAX_BYTES + READ_SLACK) {
        uint64_t capacity = builder->capacity ? builder->capacity * 2 : FIRST_CAPACITY;
        uint8_t *bytes = realloc(delta->bytes, capacity);
        if (bytes == NULL) {
            return false;
        }
        delta->bytes = bytes;
        builder->capacity = capacity;
    }
    uint8_t *at = delta->bytes + builder->size;
    put_entry(&at, word - builder->last_word, difference);
    builder->size = (uint64_t)(at - delta->bytes);
    builder->last_word = word;
    delta->count++;
    return true;
}

/* ---- taking, applying, merging ------------------------------------------ */

/* Adds the words of [offset, end) where later differs, and copies them
 * into base if `write`. */
static bool add_piece(Builder *builder, uint8_t *base, const uint8_t *later, uint64_t offset, uint64_t end,
                      bool write)
{
    for (; offset < end; offset += 8) {
        uint64_t value = load_word(later + offset), old = load_word(base + offset);
        if (value != old) {
            if (write) {
                memcpy(base + offset, &value, sizeof value);
            }
            if (!builder_add(builder, offset / 8, value ^ old)) {
                return false;
            }
        }
    }
    return true;
}

static bool add_span(Builder *builder, const AllocatorSpan *base, const AllocatorSpan *later, bool write)
{
    uint64_t end = base->used > later->used ? base->used : later->used;
    end = (end + 7) / 8 * 8 < base->size ? (end + 7) / 8 * 8 : base->size;
    for (uint64_t offset = 0; offset < end; offset += PIECE_BYTES) {
        uint64_t piece_end = offset + PIECE_BYTES < end ? offset + PIECE_BYTES : end;
        if (memcmp(base->bytes + offset, later->bytes + offset, piece_end - offset) != 0 &&
            !add_piece(builder, base->bytes, later->bytes, offset, piece_end, write)) {
            return false;
        }
    }
    return true;
}

/* Gives back the room past the entries and READ_SLACK zero bytes (a delta
 * may live for the whole session). */
static void shrink(Delta *delta, uint64_t size)
{
    if (size == 0) {
        free(delta->bytes);
        delta->bytes = NULL;
        return;
    }
    memset(delta->bytes + size, 0, READ_SLACK); /* builder_add kept room for them */
    uint8_t *bytes = realloc(delta->bytes, size + READ_SLACK);
    delta->bytes = bytes ? bytes : delta->bytes;
}

static bool take(Delta *delta, Run *base, Run *later, bool write)
{
    AllocatorSpan base_spans[RUN_MAX_SPANS], later_spans[RUN_MAX_SPANS];
    uint32_t count = run_state_spans(base, base_spans);
    run_state_spans(later, later_spans);
    delta_release(delta);
    Builder builder = {.delta = delta};
    for (uint32_t k = 0; k < count; k++) {
        if (!add_span(&builder, &base_spans[k], &later_spans[k], write)) {
            delta_release(delta);
            return false;
        }
        builder_end_span(&builder, k);
    }
    delta->span_count = count;
    shrink(delta, builder.size);
    return true;
}

bool delta_take(Delta *delta, Run *base, Run *later)
{
    return take(delta, base, later, true);
}

bool delta_between(Delta *delta, Run *base, Run *later)
{
    return take(delta, base, later, false);
}

/* Where one delta's reading stands while several are applied together. */
typedef struct {
    const Delta *delta;
    const uint8_t *at;           /* its next entry */
    uint64_t word;               /* the word its entry before changed (0 at a span's start) */
} Cursor;

/* Applies the delta's entries of span k from the cursor on, up to word
 * `limit` (not included), to the span at `bytes`. */
static void apply_below(Cursor *cursor, uint32_t k, uint8_t *bytes, uint64_t limit)
{
    if (k >= cursor->delta->span_count || cursor->at == NULL) {
        return;
    }
    /* in locals: the writes to the span, through a byte pointer, could otherwise change them */
    const uint8_t *at = cursor->at, *end = cursor->delta->bytes + cursor->delta->span_ends[k];
    uint64_t word = cursor->word;
    while (at < end) {
        const uint8_t *next = at;
        uint64_t next_word = word;
        uint64_t difference = read_entry(&next, &next_word);
        if (next_word >= limit) {
            break;
        }
        at = next;
        word = next_word;
        uint64_t value = load_word(bytes + word * 8) ^ difference;
        memcpy(bytes + word * 8, &value, sizeof value);
    }
    cursor->at = at;
    cursor->word = word;
}

/* delta_apply_all for at most APPLY_AT_ONCE deltas. */
static void apply_together(const Delta *const *deltas, uint32_t count, const AllocatorSpan *spans,
                           uint32_t span_count)
{
    Cursor cursors[APPLY_AT_ONCE];
    for (uint32_t d = 0; d < count; d++) {
        cursors[d] = (Cursor){.delta = deltas[d], .at = deltas[d]->bytes};
    }
    for (uint32_t k = 0; k < span_count; k++) {
        uint64_t words = (spans[k].size + 7) / 8;
        for (uint32_t d = 0; d < count; d++) {
            cursors[d].word = 0;
        }
        for (uint64_t piece = 0; piece == 0 || piece < words; piece += APPLY_PIECE_WORDS) {
            /* the last piece takes every entry left: each cursor ends at its span's end */
            uint64_t limit = piece + APPLY_PIECE_WORDS < words ? piece + APPLY_PIECE_WORDS : UINT64_MAX;
            for (uint32_t d = 0; d < count; d++) {
                apply_below(&cursors[d], k, spans[k].bytes, limit);
            }
        }
    }
}

void delta_apply_all(const Delta *const *deltas, uint32_t count, Run *run)
{
    AllocatorSpan spans[RUN_MAX_SPANS];
    uint32_t span_count = run_state_spans(run, spans);
    for (uint32_t first = 0; first < count; first += APPLY_AT_ONCE) {
        uint32_t together = count - first < APPLY_AT_ONCE ? count - first : APPLY_AT_ONCE;
        apply_together(deltas + first, together, spans, span_count);
    }
}

void delta_apply(const Delta *delta, Run *run)
{
    delta_apply_all(&delta, 1, run);
}

/* One delta's entries of one span, read in word order. */
typedef struct {
    const uint8_t *at, *end;
    uint64_t word, difference;
} Reader;

static bool reader_next(Reader *reader)
{
    if (reader->at >= reader->end) {
        return false;
    }
    reader->difference = read_entry(&reader->at, &reader->word);
    return true;
}

static Reader reader_of_span(const Delta *delta, uint32_t k)
{
    Reader reader = {.at = delta->bytes + (k ? delta->span_ends[k - 1] : 0), .end = delta->bytes + delta->span_ends[k]};
    if (delta->bytes == NULL) {
        reader.at = reader.end = NULL;
    }
    return reader;
}

/* Span k's entries of both, in word order; a word in both changes by both
 * differences, and is left out where they cancel (changed and changed back). */
static bool merge_span(Builder *builder, const Delta *earlier, const Delta *later, uint32_t k)
{
    Reader first = reader_of_span(earlier, k), second = reader_of_span(later, k);
    bool more_first = reader_next(&first), more_second = reader_next(&second);
    while (more_first || more_second) {
        bool take_first = more_first && (!more_second || first.word <= second.word);
        bool take_second = more_second && (!more_first || second.word <= first.word);
        uint64_t word = take_first ? first.word : second.word;
        uint64_t difference = (take_first ? first.difference : 0) ^ (take_second ? second.difference : 0);
        if (difference != 0 && !builder_add(builder, word, difference)) {
            return false;
        }
        more_first = take_first ? reader_next(&first) : more_first;
        more_second = take_second ? reader_next(&second) : more_second;
    }
    return true;
}

bool delta_merge(Delta *later, const Delta *earlier)
{
    Delta merged = {.span_count = later->span_count};
    Builder builder = {.delta = &merged};
    for (uint32_t k = 0; k < later->span_count; k++) {
        if (!merge_span(&builder, earlier, later, k)) {
            delta_release(&merged);
            return false;
        }
        builder_end_span(&builder, k);
    }
    shrink(&merged, builder.size);
    delta_release(later);
    *later = merged;
    return true;
}

void delta_release(Delta *delta)
{
    free(delta->bytes);
    *delta = (Delta){0};
}

uint64_t delta_memory_bytes(const Delta *delta)
{
    uint64_t size = delta->span_count ? delta->span_ends[delta->span_count - 1] : 0;
    return size ? size + READ_SLACK : 0;
}
