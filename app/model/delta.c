/*
 * delta.c - the words that changed between two states of a run (see
 * delta.h).
 *
 * Taking a delta compares the two runs' spans 64 bytes at a time (memcmp,
 * which runs at memory speed) and looks at single words only inside the
 * pieces that differ; a span's bytes past its `used` are zero in both, so
 * the scan stops at the larger `used`. Words are read and written with
 * memcpy: a span need not be 8-byte aligned.
 */
#include "delta.h"

#include <stdlib.h>
#include <string.h>

enum { PIECE_BYTES = 64, FIRST_CAPACITY = 1024 };

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
        if (spans_a[k].size != spans_b[k].size || spans_a[k].size / 8 > UINT32_MAX) {
            return false;
        }
    }
    return true;
}

typedef struct {
    Delta *delta;
    uint64_t capacity;           /* entries words and values have room for */
} Builder;

static bool builder_add(Builder *builder, uint32_t word, uint64_t value)
{
    Delta *delta = builder->delta;
    if (delta->count == builder->capacity) {
        uint64_t capacity = builder->capacity ? builder->capacity * 2 : FIRST_CAPACITY;
        uint32_t *words = realloc(delta->words, capacity * sizeof *words);
        if (words == NULL) {
            return false;
        }
        delta->words = words;
        uint64_t *values = realloc(delta->values, capacity * sizeof *values);
        if (values == NULL) {
            return false;
        }
        delta->values = values;
        builder->capacity = capacity;
    }
    delta->words[delta->count] = word;
    delta->values[delta->count++] = value;
    return true;
}

/* Adds the words of [offset, end) where later differs, and copies them into base. */
static bool add_piece(Builder *builder, uint8_t *base, const uint8_t *later, uint64_t offset, uint64_t end)
{
    for (; offset < end; offset += 8) {
        uint64_t value = load_word(later + offset);
        if (value != load_word(base + offset)) {
            memcpy(base + offset, &value, sizeof value);
            if (!builder_add(builder, (uint32_t)(offset / 8), value)) {
                return false;
            }
        }
    }
    return true;
}

static bool add_span(Builder *builder, const AllocatorSpan *base, const AllocatorSpan *later)
{
    uint64_t end = base->used > later->used ? base->used : later->used;
    end = (end + 7) / 8 * 8 < base->size ? (end + 7) / 8 * 8 : base->size;
    for (uint64_t offset = 0; offset < end; offset += PIECE_BYTES) {
        uint64_t piece_end = offset + PIECE_BYTES < end ? offset + PIECE_BYTES : end;
        if (memcmp(base->bytes + offset, later->bytes + offset, piece_end - offset) != 0 &&
            !add_piece(builder, base->bytes, later->bytes, offset, piece_end)) {
            return false;
        }
    }
    return true;
}

/* Gives back the room past the entries (a delta may live for the whole session). */
static void shrink(Delta *delta)
{
    if (delta->count == 0) {
        free(delta->words);
        free(delta->values);
        delta->words = NULL;
        delta->values = NULL;
        return;
    }
    uint32_t *words = realloc(delta->words, delta->count * sizeof *words);
    delta->words = words ? words : delta->words;
    uint64_t *values = realloc(delta->values, delta->count * sizeof *values);
    delta->values = values ? values : delta->values;
}

bool delta_take(Delta *delta, Run *base, Run *later)
{
    AllocatorSpan base_spans[RUN_MAX_SPANS], later_spans[RUN_MAX_SPANS];
    uint32_t count = run_state_spans(base, base_spans);
    run_state_spans(later, later_spans);
    delta_release(delta);
    Builder builder = {.delta = delta};
    for (uint32_t k = 0; k < count; k++) {
        if (!add_span(&builder, &base_spans[k], &later_spans[k])) {
            delta_release(delta);
            return false;
        }
        delta->span_ends[k] = (uint32_t)delta->count;
    }
    delta->span_count = count;
    shrink(delta);
    return true;
}

void delta_apply(const Delta *delta, Run *run)
{
    AllocatorSpan spans[RUN_MAX_SPANS];
    run_state_spans(run, spans);
    uint64_t entry = 0;
    for (uint32_t k = 0; k < delta->span_count; k++) {
        for (; entry < delta->span_ends[k]; entry++) {
            memcpy(spans[k].bytes + (uint64_t)delta->words[entry] * 8, &delta->values[entry], sizeof(uint64_t));
        }
    }
}

/* Span k's entries of both, in word order, later's value where both have a word. */
static bool merge_span(Builder *builder, const Delta *earlier, const Delta *later, uint32_t k,
                       uint64_t *from_earlier, uint64_t *from_later)
{
    uint64_t earlier_end = earlier->span_ends[k], later_end = later->span_ends[k];
    while (*from_earlier < earlier_end || *from_later < later_end) {
        bool take_later = *from_later < later_end &&
                          (*from_earlier >= earlier_end || later->words[*from_later] <= earlier->words[*from_earlier]);
        if (take_later) {
            if (*from_earlier < earlier_end && earlier->words[*from_earlier] == later->words[*from_later]) {
                (*from_earlier)++; /* overwritten */
            }
            if (!builder_add(builder, later->words[*from_later], later->values[*from_later])) {
                return false;
            }
            (*from_later)++;
        } else {
            if (!builder_add(builder, earlier->words[*from_earlier], earlier->values[*from_earlier])) {
                return false;
            }
            (*from_earlier)++;
        }
    }
    return true;
}

bool delta_merge(Delta *later, const Delta *earlier)
{
    Delta merged = {.span_count = later->span_count};
    Builder builder = {.delta = &merged};
    uint64_t from_earlier = 0, from_later = 0;
    for (uint32_t k = 0; k < later->span_count; k++) {
        if (!merge_span(&builder, earlier, later, k, &from_earlier, &from_later)) {
            delta_release(&merged);
            return false;
        }
        merged.span_ends[k] = (uint32_t)merged.count;
    }
    shrink(&merged);
    delta_release(later);
    *later = merged;
    return true;
}

void delta_release(Delta *delta)
{
    free(delta->words);
    free(delta->values);
    *delta = (Delta){0};
}

uint64_t delta_memory_bytes(const Delta *delta)
{
    return delta->count * (sizeof *delta->words + sizeof *delta->values);
}
