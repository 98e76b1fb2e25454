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
 *
 * Applying: an entry's start is known only once the one before it is read,
 * so one stream of entries waits about 7 cycles an entry for that. A delta
 * notes, for its DELTA_SPLITS spans with the most entries, the entry half-
 * way through them (a split), and an apply reads such a span as two
 * streams side by side: 20-25% less time on the generated 10M trace.
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
    APPLY_AT_ONCE = 32,          /* deltas applied together (delta_apply_all takes more in turns) */
    SPLIT_MIN_BYTES = 4096       /* a span's entries read as two streams from this many bytes on */
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

/* The entry half-way (in bytes) through span k's entries: its offset in
 * the delta's bytes and the word the entry before it changed. */
static void split_span(Delta *delta, uint32_t k)
{
    const uint8_t *at = delta->bytes + (k ? delta->span_ends[k - 1] : 0), *end = delta->bytes + delta->span_ends[k];
    const uint8_t *middle = at + (end - at) / 2;
    uint64_t word = 0;
    while (at < middle) {
        read_entry(&at, &word);
    }
    delta->splits[delta->split_count].span = k;
    delta->splits[delta->split_count].at = (uint64_t)(at - delta->bytes);
    delta->splits[delta->split_count++].word = word;
}

/* Bytes of span k's entries. */
static uint64_t span_bytes(const Delta *delta, uint32_t k)
{
    return delta->span_ends[k] - (k ? delta->span_ends[k - 1] : 0);
}

/* Splits the DELTA_SPLITS spans with the most entries (at least
 * SPLIT_MIN_BYTES) in two for delta_apply_all. */
static void find_splits(Delta *delta)
{
    bool split[RUN_MAX_SPANS] = {false};
    delta->split_count = 0;
    while (delta->split_count < DELTA_SPLITS) {
        uint32_t most = delta->span_count;
        for (uint32_t k = 0; k < delta->span_count; k++) {
            if (!split[k] && span_bytes(delta, k) >= SPLIT_MIN_BYTES &&
                (most == delta->span_count || span_bytes(delta, k) > span_bytes(delta, most))) {
                most = k;
            }
        }
        if (most == delta->span_count) {
            return;
        }
        split[most] = true;
        split_span(delta, most);
    }
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
    find_splits(delta);
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

/* One delta's entries of one span (or of half of them: a split), applied a
 * piece of the span at a time. */
typedef struct {
    const uint8_t *at, *end;     /* its next entry; the end of its entries */
    uint64_t word;               /* the word its entry before changed */
    uint8_t *bytes;              /* the span */
    uint64_t first_word;         /* where its pieces count from: 0, or a split's word */
    uint64_t limit;              /* the current piece's end: entries below it are applied */
} Lane;

/* Applies the lane's entries below its limit. */
static void apply_lane(Lane *lane)
{
    /* in locals: the writes to the span, through a byte pointer, could otherwise change them */
    const uint8_t *at = lane->at, *end = lane->end;
    uint64_t word = lane->word, limit = lane->limit;
    uint8_t *bytes = lane->bytes;
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
    lane->at = at;
    lane->word = word;
}

/* Applies two lanes' entries below their limits, an entry of each in turn
 * while both have one, then each alone. Where an entry starts is known only
 * once the one before it is read (about 7 cycles an entry on the generated
 * 10M trace): two lanes read side by side wait for that at the same time. */
static void apply_two_lanes(Lane *first, Lane *second)
{
    const uint8_t *at_a = first->at, *end_a = first->end, *at_b = second->at, *end_b = second->end;
    uint64_t word_a = first->word, limit_a = first->limit, word_b = second->word, limit_b = second->limit;
    uint8_t *bytes_a = first->bytes, *bytes_b = second->bytes;
    while (at_a < end_a && at_b < end_b) {
        const uint8_t *next_a = at_a, *next_b = at_b;
        uint64_t next_word_a = word_a, next_word_b = word_b;
        uint64_t difference_a = read_entry(&next_a, &next_word_a);
        uint64_t difference_b = read_entry(&next_b, &next_word_b);
        if (next_word_a >= limit_a || next_word_b >= limit_b) {
            break;
        }
        at_a = next_a;
        word_a = next_word_a;
        at_b = next_b;
        word_b = next_word_b;
        uint64_t value_a = load_word(bytes_a + word_a * 8) ^ difference_a;
        memcpy(bytes_a + word_a * 8, &value_a, sizeof value_a);
        uint64_t value_b = load_word(bytes_b + word_b * 8) ^ difference_b;
        memcpy(bytes_b + word_b * 8, &value_b, sizeof value_b);
    }
    first->at = at_a;
    first->word = word_a;
    second->at = at_b;
    second->word = word_b;
    apply_lane(first);
    apply_lane(second);
}

/* Adds the lanes of the delta's span k: one, or two where the span is split
 * (the second first, so that the two are paired off). */
static uint32_t add_lanes(Lane *lanes, const Delta *delta, uint32_t k, uint8_t *bytes)
{
    Lane whole = {.at = delta->bytes + (k ? delta->span_ends[k - 1] : 0),
                  .end = delta->bytes + delta->span_ends[k],
                  .bytes = bytes};
    for (uint32_t s = 0; s < delta->split_count; s++) {
        if (delta->splits[s].span == k) {
            lanes[0] = whole;
            lanes[0].at = delta->bytes + delta->splits[s].at;
            lanes[0].word = lanes[0].first_word = delta->splits[s].word;
            lanes[1] = whole;
            lanes[1].end = lanes[0].at;
            return 2;
        }
    }
    lanes[0] = whole;
    return 1;
}

/* delta_apply_all for at most APPLY_AT_ONCE deltas: a lane per delta and
 * span (two where a span is split), a piece of the span at a time, the
 * same piece of every lane in turn (each while the cache holds it); a
 * split's two lanes side by side, the other lanes alone. */
static void apply_together(const Delta *const *deltas, uint32_t count, const AllocatorSpan *spans,
                           uint32_t span_count)
{
    Lane lanes[APPLY_AT_ONCE * (RUN_MAX_SPANS + DELTA_SPLITS)];
    bool paired[APPLY_AT_ONCE * (RUN_MAX_SPANS + DELTA_SPLITS)];
    uint32_t lane_count = 0;
    uint64_t most_words = 0;
    for (uint32_t d = 0; d < count; d++) {
        for (uint32_t k = 0; deltas[d]->bytes != NULL && k < span_count && k < deltas[d]->span_count; k++) {
            uint32_t added = add_lanes(lanes + lane_count, deltas[d], k, spans[k].bytes);
            paired[lane_count] = added == 2;
            paired[lane_count + added - 1] = false;
            lane_count += added;
            uint64_t words = (spans[k].size + 7) / 8;
            most_words = words > most_words ? words : most_words;
        }
    }
    for (uint64_t piece = 0; piece == 0 || piece < most_words; piece += APPLY_PIECE_WORDS) {
        /* the last piece takes every entry left: each lane ends at its entries' end */
        bool last = piece + APPLY_PIECE_WORDS >= most_words;
        for (uint32_t i = 0; i < lane_count; i++) {
            lanes[i].limit = last ? UINT64_MAX : lanes[i].first_word + piece + APPLY_PIECE_WORDS;
        }
        for (uint32_t i = 0; i < lane_count; i += paired[i] ? 2 : 1) {
            if (paired[i]) {
                apply_two_lanes(&lanes[i], &lanes[i + 1]);
            } else {
                apply_lane(&lanes[i]);
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
    find_splits(&merged);
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
