/*
 * bit_set.c - the set of bit_set.h. Level 0 has a bit per integer; bit i of
 * level k + 1 is set exactly while word i of level k is not zero. A search
 * looks in the integer's own word first, climbs while the rest of the word
 * is empty, and once a word above has a set bit beside the climb's, comes
 * down through the first (or last) set bit of each word below.
 */
#include "bit_set.h"

#include <assert.h>

enum { WORD_BITS = 64 };

BitSetShape bit_set_shape(uint64_t count)
{
    BitSetShape shape = {.count = count};
    uint64_t bits = count;
    do {
        uint64_t words = (bits + WORD_BITS - 1) / WORD_BITS;
        assert(shape.levels < BIT_SET_MAX_LEVELS); /* count < 2^32 needs six at most */
        shape.level_start[shape.levels++] = shape.words;
        shape.words += words;
        bits = words;
    } while (bits > 1);
    return shape;
}

/* Where in the words bit `bit` of level `level` is. */
static uint64_t word_at(const BitSetShape *shape, unsigned level, uint64_t bit)
{
    return shape->level_start[level] + bit / WORD_BITS;
}

static uint64_t mask_of(uint64_t bit) { return UINT64_C(1) << (bit % WORD_BITS); }

static uint64_t lowest_bit(uint64_t word) { return (uint64_t)(unsigned)__builtin_ctzll(word); }
static uint64_t highest_bit(uint64_t word)
{
    return WORD_BITS - 1 - (uint64_t)(unsigned)__builtin_clzll(word);
}

bool bit_set_has(const BitSetShape *shape, const uint64_t *words, uint64_t integer)
{
    return (words[word_at(shape, 0, integer)] & mask_of(integer)) != 0;
}

void bit_set_add(const BitSetShape *shape, uint64_t *words, uint64_t integer)
{
    uint64_t bit = integer;
    for (unsigned level = 0; level < shape->levels; level++, bit /= WORD_BITS) {
        uint64_t *word = &words[word_at(shape, level, bit)];
        bool was_empty = *word == 0;
        *word |= mask_of(bit);
        if (!was_empty)
            return; /* the summary above already has the word */
    }
}

void bit_set_remove(const BitSetShape *shape, uint64_t *words, uint64_t integer)
{
    uint64_t bit = integer;
    for (unsigned level = 0; level < shape->levels; level++, bit /= WORD_BITS) {
        uint64_t *word = &words[word_at(shape, level, bit)];
        *word &= ~mask_of(bit);
        if (*word != 0)
            return; /* the word still has members: the summary stays */
    }
}

/* From bit `bit` of level `level`, set, down to the first (or last) member under it. */
static uint64_t descend(const BitSetShape *shape, const uint64_t *words, unsigned level, uint64_t bit,
                        bool first)
{
    while (level-- > 0) {
        uint64_t word = words[shape->level_start[level] + bit];
        bit = bit * WORD_BITS + (first ? lowest_bit(word) : highest_bit(word));
    }
    return bit;
}

uint64_t bit_set_next(const BitSetShape *shape, const uint64_t *words, uint64_t integer)
{
    uint64_t bit = integer;
    for (unsigned level = 0; level < shape->levels; level++, bit /= WORD_BITS) {
        uint64_t above = bit % WORD_BITS == WORD_BITS - 1 ? 0 : ~(uint64_t)0 << (bit % WORD_BITS + 1);
        uint64_t word = words[word_at(shape, level, bit)] & above;
        if (word)
            return descend(shape, words, level, bit / WORD_BITS * WORD_BITS + lowest_bit(word), true);
    }
    return BIT_SET_NONE;
}

uint64_t bit_set_previous(const BitSetShape *shape, const uint64_t *words, uint64_t integer)
{
    uint64_t bit = integer;
    for (unsigned level = 0; level < shape->levels; level++, bit /= WORD_BITS) {
        uint64_t word = words[word_at(shape, level, bit)] & (mask_of(bit) - 1);
        if (word)
            return descend(shape, words, level, bit / WORD_BITS * WORD_BITS + highest_bit(word), false);
    }
    return BIT_SET_NONE;
}

/* The words of level `level`. */
static uint64_t level_words(const BitSetShape *shape, unsigned level)
{
    uint64_t end = level + 1 < shape->levels ? shape->level_start[level + 1] : shape->words;
    return end - shape->level_start[level];
}

/* Whether the last word of level `level` has no bit at or above the level's
 * count: an integer per bit at level 0, a word of the level below above. */
static bool tail_clear(const BitSetShape *shape, const uint64_t *words, unsigned level)
{
    uint64_t bits = level == 0 ? shape->count : level_words(shape, level - 1);
    uint64_t beyond = bits % WORD_BITS == 0 ? 0 : ~(uint64_t)0 << (bits % WORD_BITS);
    return (words[word_at(shape, level, bits - 1)] & beyond) == 0;
}

/* Whether each word of level `level` has its summary bit, one level up,
 * set exactly while it has a member. */
static bool summaries_follow(const BitSetShape *shape, const uint64_t *words, unsigned level)
{
    for (uint64_t word = 0; word < level_words(shape, level); word++) {
        bool summary = (words[word_at(shape, level + 1, word)] & mask_of(word)) != 0;
        if (summary != (words[shape->level_start[level] + word] != 0))
            return false;
    }
    return true;
}

bool bit_set_consistent(const BitSetShape *shape, const uint64_t *words)
{
    for (unsigned level = 0; level < shape->levels; level++) {
        if (!tail_clear(shape, words, level))
            return false;
        if (level + 1 < shape->levels && !summaries_follow(shape, words, level))
            return false;
    }
    return true;
}
