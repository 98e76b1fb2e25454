/*
 * bit_set.h - a set of the integers below a count, a bit each, with a
 * summary above: a bit per word of the level below, set while that word has
 * a member, level on level up to a single word. The next or the previous
 * member of any integer then takes a few word operations (at most two per
 * level: six levels hold 2^32 integers), and adding or removing one changes
 * one word, and a summary word only when a word empties or stops being
 * empty. The words are the caller's (a heap keeps them in its state); the
 * shape, which only the count decides, can be shared by many sets.
 */
#ifndef HEAPVIZ_BIT_SET_H
#define HEAPVIZ_BIT_SET_H

#include <stdbool.h>
#include <stdint.h>

enum { BIT_SET_MAX_LEVELS = 6 };
#define BIT_SET_NONE UINT64_MAX

typedef struct {
    uint64_t count;                          /* the integers: 0 to count - 1 */
    unsigned levels;                         /* level 0 holds a bit per integer */
    uint64_t level_start[BIT_SET_MAX_LEVELS]; /* per level: its first word */
    uint64_t words;                          /* words of all levels together */
} BitSetShape;

/* The shape of a set of the integers below `count`, 0 < count < 2^32. */
BitSetShape bit_set_shape(uint64_t count);

/* `words` holds shape->words words, all zero for the empty set; the
 * integers given are below shape->count. */
bool bit_set_has(const BitSetShape *shape, const uint64_t *words, uint64_t integer);
void bit_set_add(const BitSetShape *shape, uint64_t *words, uint64_t integer);
void bit_set_remove(const BitSetShape *shape, uint64_t *words, uint64_t integer);
/* The smallest member above `integer`, BIT_SET_NONE if none. */
uint64_t bit_set_next(const BitSetShape *shape, const uint64_t *words, uint64_t integer);
/* The largest member below `integer`, BIT_SET_NONE if none. */
uint64_t bit_set_previous(const BitSetShape *shape, const uint64_t *words, uint64_t integer);
/* Whether `words` is a set of this shape: every summary bit set exactly
 * while the word below it has a member, and no bit of a level at or above
 * its count (shape->count at level 0, the words of the level below above
 * it). The searches above trust both; a check calls this before them. */
bool bit_set_consistent(const BitSetShape *shape, const uint64_t *words);

#endif
