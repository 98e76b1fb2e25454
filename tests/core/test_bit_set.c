/*
 * test_bit_set.c - the set of integers with summary bits (alloc/bit_set.h)
 * that the recorded design keeps its live ranks in.
 *
 * The shapes and the searches across words and levels are worked out by
 * hand; then random additions and removals are checked against a plain
 * array of flags, searched one integer at a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "bit_set.h"

static void expect_shape(uint64_t count, unsigned levels, const uint64_t *starts, uint64_t words)
{
    BitSetShape shape = bit_set_shape(count);
    assert_int_equal(shape.count, count);
    assert_int_equal(shape.levels, levels);
    for (unsigned level = 0; level < levels; level++)
        assert_int_equal(shape.level_start[level], starts[level]);
    assert_int_equal(shape.words, words);
}

/* A word per 64 integers, a word per 64 words above, up to one word. */
static void shapes_by_hand(void **state)
{
    (void)state;
    expect_shape(1, 1, (uint64_t[]){0}, 1);
    expect_shape(64, 1, (uint64_t[]){0}, 1);
    expect_shape(65, 2, (uint64_t[]){0, 2}, 3);
    /* 5000 bits: 79 words (78 hold 4992), 2 words above them, 1 above those */
    expect_shape(5000, 3, (uint64_t[]){0, 79, 81}, 82);
    /* 2^32 - 1: 2^26, 2^20, 2^14, 2^8, 4 and 1 words */
    expect_shape(UINT32_MAX, 6,
                 (uint64_t[]){0, 67108864, 68157440, 68173824, 68174080, 68174084}, 68174085);
}

static const uint64_t MEMBERS[] = {3, 64, 4095, 4999};

/* The set {3, 64, 4095, 4999} of the integers below 5000: 4095 is the last
 * bit of the first summary word's last word, 4999 under the second summary
 * word, so the searches between them climb to the top. */
static uint64_t *five_thousand_with_members(BitSetShape *shape)
{
    *shape = bit_set_shape(5000);
    uint64_t *words = calloc(shape->words, sizeof *words);
    assert_non_null(words);
    for (unsigned k = 0; k < 4; k++)
        bit_set_add(shape, words, MEMBERS[k]);
    return words;
}

static void searches_by_hand(void **state)
{
    (void)state;
    BitSetShape shape;
    uint64_t *words = five_thousand_with_members(&shape);
    assert_true(bit_set_has(&shape, words, 64));
    assert_false(bit_set_has(&shape, words, 65));
    assert_int_equal(bit_set_next(&shape, words, 0), 3);
    assert_int_equal(bit_set_next(&shape, words, 3), 64);
    assert_int_equal(bit_set_next(&shape, words, 63), 64);
    assert_int_equal(bit_set_next(&shape, words, 64), 4095);
    assert_int_equal(bit_set_next(&shape, words, 4095), 4999);
    assert_true(bit_set_next(&shape, words, 4999) == BIT_SET_NONE);
    assert_int_equal(bit_set_previous(&shape, words, 4999), 4095);
    assert_int_equal(bit_set_previous(&shape, words, 4998), 4095);
    assert_int_equal(bit_set_previous(&shape, words, 4095), 64);
    assert_int_equal(bit_set_previous(&shape, words, 65), 64);
    assert_int_equal(bit_set_previous(&shape, words, 64), 3);
    assert_true(bit_set_previous(&shape, words, 3) == BIT_SET_NONE);
    assert_true(bit_set_previous(&shape, words, 0) == BIT_SET_NONE);
    free(words);
}

/* The summary bits follow the words below: set while the word has a member. */
static void summaries_by_hand(void **state)
{
    (void)state;
    BitSetShape shape;
    uint64_t *words = five_thousand_with_members(&shape);
    /* words 0, 1, 63 and 78 hold members; word 78 is bit 14 of summary word 1 */
    assert_true(words[79] == (UINT64_C(1) << 0 | UINT64_C(1) << 1 | UINT64_C(1) << 63));
    assert_true(words[80] == UINT64_C(1) << 14);
    assert_true(words[81] == 3);
    bit_set_remove(&shape, words, 4999);
    assert_true(words[78] == 0 && words[80] == 0 && words[81] == 1);
    assert_true(bit_set_next(&shape, words, 4095) == BIT_SET_NONE);
    bit_set_remove(&shape, words, 3);
    assert_true(words[79] == (UINT64_C(1) << 1 | UINT64_C(1) << 63));
    assert_int_equal(bit_set_previous(&shape, words, 64), BIT_SET_NONE);
    bit_set_remove(&shape, words, 64); /* the first summary word keeps word 63 */
    assert_true(words[79] == UINT64_C(1) << 63 && words[81] == 1);
    assert_int_equal(bit_set_next(&shape, words, 0), 4095);
    free(words);
}

/* Flipping bits `flip` of word `index` makes the set inconsistent; flipping
 * them back restores it. */
static void expect_broken_by(const BitSetShape *shape, uint64_t *words, uint64_t index, uint64_t flip)
{
    words[index] ^= flip;
    if (bit_set_consistent(shape, words))
        fail_msg("word %llu ^ %#llx went unnoticed", (unsigned long long)index, (unsigned long long)flip);
    words[index] ^= flip;
    assert_true(bit_set_consistent(shape, words));
}

/* The set of 5000 with members keeps its rules through additions and
 * removals; each broken rule, by hand, is noticed. Words 0-78 hold the
 * integers (word 78: 4992-4999, bits 0-7), words 79-80 a bit per word of
 * those (word 80: words 64-78, bits 0-14), word 81 a bit per summary word. */
static void consistency_by_hand(void **state)
{
    (void)state;
    BitSetShape shape = bit_set_shape(5000);
    uint64_t *words = calloc(shape.words, sizeof *words);
    assert_non_null(words);
    assert_true(bit_set_consistent(&shape, words)); /* empty */
    free(words);
    words = five_thousand_with_members(&shape);
    assert_true(bit_set_consistent(&shape, words));
    expect_broken_by(&shape, words, 79, UINT64_C(1) << 0);  /* word 0 (3) loses its summary bit */
    expect_broken_by(&shape, words, 79, UINT64_C(1) << 2);  /* word 2, empty, gains one */
    expect_broken_by(&shape, words, 81, UINT64_C(1) << 1);  /* summary word 80 (4999) loses its bit */
    expect_broken_by(&shape, words, 0, UINT64_C(1) << 3);   /* 3 leaves, its summary stays */
    expect_broken_by(&shape, words, 78, UINT64_C(1) << 8);  /* integer 5000: at the count */
    expect_broken_by(&shape, words, 78, UINT64_C(1) << 63); /* integer 5055 */
    expect_broken_by(&shape, words, 80, UINT64_C(1) << 15); /* word 79 of level 0: none */
    expect_broken_by(&shape, words, 81, UINT64_C(1) << 2);  /* summary word 81: none */
    bit_set_remove(&shape, words, 4999); /* words 78 and 80 empty: word 81 keeps bit 0 */
    assert_true(bit_set_consistent(&shape, words));
    expect_broken_by(&shape, words, 81, UINT64_C(1) << 1);  /* summary word 80, empty, gains one */
    expect_broken_by(&shape, words, 80, UINT64_C(1) << 14); /* word 78, empty, gains one */
    bit_set_remove(&shape, words, 3);
    bit_set_remove(&shape, words, 64);
    bit_set_add(&shape, words, 4999);
    assert_true(bit_set_consistent(&shape, words));
    free(words);
}

/* One level, its count a whole word: no bit of it is beyond the count. */
static void consistency_of_one_full_word(void **state)
{
    (void)state;
    BitSetShape shape = bit_set_shape(64);
    uint64_t words[1] = {UINT64_MAX};
    assert_true(bit_set_consistent(&shape, words));
    shape = bit_set_shape(63);
    words[0] = UINT64_MAX >> 1;
    assert_true(bit_set_consistent(&shape, words));
    expect_broken_by(&shape, words, 0, UINT64_C(1) << 63); /* integer 63: at the count */
}

/* The member after (or before) `integer` in `flags`, one by one. */
static uint64_t flags_next(const bool *flags, uint64_t count, uint64_t integer)
{
    for (uint64_t at = integer + 1; at < count; at++)
        if (flags[at])
            return at;
    return BIT_SET_NONE;
}

static uint64_t flags_previous(const bool *flags, uint64_t integer)
{
    for (uint64_t at = integer; at-- > 0;)
        if (flags[at])
            return at;
    return BIT_SET_NONE;
}

/* Random additions and removals, sparse and then dense, against the flags. */
static void random_changes_match_flags(void **state)
{
    (void)state;
    const uint64_t count = 300000; /* four levels: 4688, 74, 2 and 1 words */
    BitSetShape shape = bit_set_shape(count);
    uint64_t *words = calloc(shape.words, sizeof *words);
    bool *flags = calloc(count, sizeof *flags);
    assert_non_null(words);
    assert_non_null(flags);
    srand(21);
    for (unsigned round = 0; round < 40000; round++) {
        uint64_t integer = ((uint64_t)rand() * RAND_MAX + (uint64_t)rand()) % count;
        bool add = rand() % 100 < (round < 20000 ? 30 : 70);
        if (add)
            bit_set_add(&shape, words, integer);
        else
            bit_set_remove(&shape, words, integer);
        flags[integer] = add;
        uint64_t probe = ((uint64_t)rand() * RAND_MAX + (uint64_t)rand()) % count;
        assert_int_equal(bit_set_has(&shape, words, probe), flags[probe]);
        assert_true(bit_set_next(&shape, words, probe) == flags_next(flags, count, probe));
        assert_true(bit_set_previous(&shape, words, probe) == flags_previous(flags, probe));
        if (round % 1000 == 0)
            assert_true(bit_set_consistent(&shape, words));
    }
    assert_true(bit_set_consistent(&shape, words));
    free(flags);
    free(words);
}

/* A small set filled to the last integer in a random order and drained
 * again, so whole words and whole summary words are full and then empty
 * (the random changes above never fill a word). */
static void filled_and_drained_match_flags(void **state)
{
    (void)state;
    enum { COUNT = 200 }; /* two levels: 4 words and 1 */
    BitSetShape shape = bit_set_shape(COUNT);
    uint64_t words[8] = {0};
    bool flags[COUNT] = {false};
    uint64_t order[COUNT];
    for (uint64_t i = 0; i < COUNT; i++)
        order[i] = i;
    srand(5);
    for (uint64_t i = COUNT - 1; i > 0; i--) {
        uint64_t j = (uint64_t)rand() % (i + 1), kept = order[i];
        order[i] = order[j];
        order[j] = kept;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (uint64_t i = 0; i < COUNT; i++) {
            if (pass == 0)
                bit_set_add(&shape, words, order[i]);
            else
                bit_set_remove(&shape, words, order[i]);
            flags[order[i]] = pass == 0;
            for (uint64_t probe = 0; probe < COUNT; probe += 7) {
                assert_true(bit_set_next(&shape, words, probe) == flags_next(flags, COUNT, probe));
                assert_true(bit_set_previous(&shape, words, probe) == flags_previous(flags, probe));
            }
            assert_true(bit_set_consistent(&shape, words));
        }
        assert_true(words[0] == (pass == 0 ? UINT64_MAX : 0)); /* integers 0-63 */
        assert_true(words[4] == (pass == 0 ? 0xf : 0));         /* the summary: 4 words */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shapes_by_hand),
        cmocka_unit_test(searches_by_hand),
        cmocka_unit_test(summaries_by_hand),
        cmocka_unit_test(consistency_by_hand),
        cmocka_unit_test(consistency_of_one_full_word),
        cmocka_unit_test(random_changes_match_flags),
        cmocka_unit_test(filled_and_drained_match_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
