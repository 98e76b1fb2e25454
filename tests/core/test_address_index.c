/*
 * test_address_index.c - the address index (alloc/address_index.h) against a
 * sorted array of (slot, size).
 *
 * The index reads block sizes from headers in an arena, so the test keeps a
 * byte arena of its own and writes a header wherever it files a block. Random
 * inserts, removals and moves run on the index and on the array side by
 * side; after every change (every tenth in the big regions, where an audit
 * reads the whole index) address_index_problems() must find nothing, and
 * searches from random places for random sizes must give the array's
 * answer. A header the index should no longer read is overwritten with a
 * huge size first, so reading a stale one shows up as a wrong answer. The
 * regions are chosen to end mid-group and, in the big case, to need five
 * levels of maxima (groups included), with groups of four bitmap words (next
 * and worst fit's) and of one (first fit's). Ranks are on: each search also asks
 * how many blocks start below its starting place, and how many a counting
 * search passed over. The audit also checks each group's second largest
 * size wherever the index says it knows it. The PRNG is core_support's splitmix64, with a fixed
 * seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "address_index.h"
#include "core_support.h"

enum { MODEL_CAPACITY = 4096 };

enum { BIG_REGION_SLOTS = 1000000 }; /* regions this big are audited every tenth change */

/* Bitmap words a group: the hand-worked tests below count in groups of four
 * (2,048 bytes at A = 8). */
enum { WIDE = 4, NARROW = 1 };

#define STALE_SIZE (UINT64_C(1) << 40) /* what a header the index must not read says */

typedef struct {
    uint64_t slot[MODEL_CAPACITY]; /* ascending */
    uint64_t size[MODEL_CAPACITY];
    uint32_t count;
} Model;

typedef struct {
    AddressIndex index;
    Model model;
    uint8_t *arena;
    uint64_t base, alignment, slots;
    uint64_t reach;              /* inserts pick a slot below this */
    uint64_t random_state;
} Fixture;

static uint64_t next_random(Fixture *f)
{
    return support_random(&f->random_state);
}

static uint64_t offset_of(const Fixture *f, uint64_t slot)
{
    return f->base + slot * f->alignment;
}

static void write_header(Fixture *f, uint64_t slot, uint64_t size)
{
    uint64_t offset = offset_of(f, slot);
    for (int i = 0; i < 8; i++)
        f->arena[offset + (uint64_t)i] = (uint8_t)(size >> (8 * i));
}

/* The first model position whose slot is >= slot. */
static uint32_t position(const Model *m, uint64_t slot)
{
    uint32_t i = 0;
    while (i < m->count && m->slot[i] < slot)
        i++;
    return i;
}

static void model_insert(Model *m, uint64_t slot, uint64_t size)
{
    uint32_t i = position(m, slot);
    memmove(&m->slot[i + 1], &m->slot[i], (m->count - i) * sizeof m->slot[0]);
    memmove(&m->size[i + 1], &m->size[i], (m->count - i) * sizeof m->size[0]);
    m->slot[i] = slot;
    m->size[i] = size;
    m->count++;
}

static void model_remove(Model *m, uint32_t i)
{
    memmove(&m->slot[i], &m->slot[i + 1], (m->count - i - 1) * sizeof m->slot[0]);
    memmove(&m->size[i], &m->size[i + 1], (m->count - i - 1) * sizeof m->size[0]);
    m->count--;
}

static uint64_t random_size(Fixture *f)
{
    return (2 + next_random(f) % 4000) * f->alignment;
}

/* ---- the three changes ---------------------------------------------------- */

static void insert_one(Fixture *f)
{
    uint64_t slot = next_random(f) % f->reach;
    uint32_t i = position(&f->model, slot);
    if (f->model.count == MODEL_CAPACITY || (i < f->model.count && f->model.slot[i] == slot))
        return;
    uint64_t size = random_size(f);
    write_header(f, slot, size);
    address_index_insert(&f->index, offset_of(f, slot), size);
    model_insert(&f->model, slot, size);
}

static void remove_one(Fixture *f)
{
    if (f->model.count == 0)
        return;
    uint32_t i = (uint32_t)(next_random(f) % f->model.count);
    uint64_t slot = f->model.slot[i];
    address_index_remove(&f->index, offset_of(f, slot), f->model.size[i]);
    write_header(f, slot, STALE_SIZE);
    model_remove(&f->model, i);
}

/* Moves a block to a free slot between its neighbours (or keeps its slot),
 * with a new size, before its new header is written. */
static void move_one(Fixture *f)
{
    Model *m = &f->model;
    if (m->count == 0)
        return;
    uint32_t i = (uint32_t)(next_random(f) % m->count);
    uint64_t low = i > 0 ? m->slot[i - 1] + 1 : 0;
    uint64_t high = i + 1 < m->count ? m->slot[i + 1] : f->slots; /* exclusive */
    uint64_t slot = m->slot[i], new_slot = low + next_random(f) % (high - low);
    uint64_t new_size = next_random(f) % 3 == 0 ? m->size[i] + f->alignment : random_size(f);
    write_header(f, slot, STALE_SIZE);
    write_header(f, new_slot, STALE_SIZE);
    address_index_move(&f->index, offset_of(f, slot), m->size[i], offset_of(f, new_slot),
                       new_size);
    write_header(f, new_slot, new_size);
    m->slot[i] = new_slot;
    m->size[i] = new_size;
}

/* ---- the searches ----------------------------------------------------------- */

static void check_searches(Fixture *f)
{
    const Model *m = &f->model;
    uint64_t largest = 0;
    for (uint32_t i = 0; i < m->count; i++)
        largest = m->size[i] > largest ? m->size[i] : largest;
    assert_int_equal(address_index_largest(&f->index), largest);
    assert_int_equal(f->index.count, m->count);
    for (int probe = 0; probe < 5; probe++) {
        uint64_t from_slot = probe == 0 || probe == 4 ? 0 : next_random(f) % f->slots;
        uint64_t size = probe == 3 ? largest : probe == 4 ? 0 : random_size(f); /* 0: any block */
        uint32_t i = position(m, from_slot);
        while (i < m->count && m->size[i] < size)
            i++;
        uint64_t expected = i < m->count ? offset_of(f, m->slot[i]) : ADDRESS_INDEX_NONE;
        assert_int_equal(address_index_first_fit(&f->index, offset_of(f, from_slot), size, NULL),
                         expected);
        uint64_t passed = 5; /* a counting search adds the blocks it passed over */
        assert_int_equal(address_index_first_fit(&f->index, offset_of(f, from_slot), size, &passed),
                         expected);
        assert_int_equal(passed, 5 + i - position(m, from_slot));
        if (from_slot == 0) { /* the same from the bottom */
            assert_int_equal(address_index_lowest_fit(&f->index, size, NULL), expected);
            passed = 5;
            assert_int_equal(address_index_lowest_fit(&f->index, size, &passed), expected);
            assert_int_equal(passed, 5 + i);
        }
        uint32_t after = position(m, from_slot + 1); /* entries with slot <= from_slot: [0, after) */
        expected = after > 0 ? offset_of(f, m->slot[after - 1]) : ADDRESS_INDEX_NONE;
        assert_int_equal(address_index_floor(&f->index, offset_of(f, from_slot)), expected);
        bool held = after > 0 && m->slot[after - 1] == from_slot;
        assert_int_equal(address_index_contains(&f->index, offset_of(f, from_slot)), held);
        assert_int_equal(address_index_rank(&f->index, offset_of(f, from_slot)),
                         position(m, from_slot)); /* the blocks that start below */
    }
}

/* `climbing`: the inserts start at the bottom of the region and reach up to
 * its top by the middle of the run, so the tree grows a level at a time
 * while it holds blocks; else they land anywhere from the start. */
static void run(uint64_t alignment, uint64_t region_bytes, unsigned group_words, int steps,
                unsigned min_levels, bool climbing)
{
    Fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->alignment = alignment;
    f->base = (alignment - 8 % alignment) % alignment;
    f->slots = region_bytes / alignment;
    f->random_state = 7 + alignment;
    f->arena = calloc(1, f->base + region_bytes);
    assert_non_null(f->arena);
    assert_true(address_index_init(&f->index, f->arena, f->base, region_bytes, alignment, group_words));
    assert_true(f->index.max_levels >= min_levels);
    assert_int_equal(f->index.levels, 1); /* the tree grows as blocks are filed higher */
    assert_true(address_index_enable_ranks(&f->index));
    for (int step = 0; step < steps; step++) {
        uint64_t choice = next_random(f) % 10;
        bool growing = step < steps / 2; /* fill up first, then drain */
        f->reach = climbing && growing ? 1 + f->slots * (uint64_t)step / (uint64_t)(steps / 2)
                                       : f->slots;
        if (choice < (growing ? 6u : 3u))
            insert_one(f);
        else if (choice < 7)
            remove_one(f);
        else
            move_one(f);
        if (step == steps / 3) { /* halfway through the filling: first fit's widening */
            unsigned wider = group_words == NARROW ? WIDE : NARROW;
            assert_true(address_index_regroup(&f->index, wider, f->base + f->slots * alignment));
            assert_int_equal(address_index_problems(&f->index), 0);
        }
        if (f->slots < BIG_REGION_SLOTS || step % 10 == 0)
            assert_int_equal(address_index_problems(&f->index), 0);
        check_searches(f);
    }
    assert_int_equal(f->index.levels, f->index.max_levels); /* random places reach the top */
    while (f->model.count > 0)
        remove_one(f);
    assert_int_equal(address_index_problems(&f->index), 0);
    assert_int_equal(address_index_largest(&f->index), 0);
    address_index_release(&f->index);
    free(f->arena);
    free(f);
}

/* 16,000 slots end partway through group 62 (of four words; 249 of one);
 * three levels of maxima. */
static void test_small_region_dense(void **state)
{
    (void)state;
    run(8, 16000 * 8, WIDE, 20000, 3, false);
    run(8, 16000 * 8, NARROW, 20000, 3, false);
}

/* A = 64 puts the base at 56; 1,000 slots leave a part-filled last group. */
static void test_wide_alignment(void **state)
{
    (void)state;
    run(64, 1000 * 64, WIDE, 5000, 2, false);
    run(64, 1000 * 64, NARROW, 5000, 2, false);
}

/* 2,000,000 slots: 7,813 groups of four words (31,250 of one) under five
 * levels of maxima; the searches climb far. */
static void test_big_region(void **state)
{
    (void)state;
    run(8, UINT64_C(2000000) * 8, WIDE, 3000, 5, false);
    run(8, UINT64_C(2000000) * 8, NARROW, 3000, 5, false);
}

/* The same region filled from the bottom up: every search and rank also
 * runs on a tree that has grown only part of the way. */
static void test_growing_tree(void **state)
{
    (void)state;
    run(8, UINT64_C(2000000) * 8, WIDE, 1500, 5, true);
    run(8, UINT64_C(2000000) * 8, NARROW, 1500, 5, true);
}

/* A region of one slot: one group, one level. */
static void test_one_slot(void **state)
{
    (void)state;
    uint8_t arena[16] = { 0 };
    AddressIndex index;
    assert_true(address_index_init(&index, arena, 0, 8, 8, NARROW));
    assert_int_equal(index.levels, 1);
    arena[0] = 32;
    address_index_insert(&index, 0, 32);
    assert_int_equal(address_index_first_fit(&index, 0, 32, NULL), 0);
    assert_int_equal(address_index_first_fit(&index, 0, 40, NULL), ADDRESS_INDEX_NONE);
    assert_int_equal(address_index_floor(&index, 0), 0);
    assert_int_equal(address_index_problems(&index), 0);
    address_index_remove(&index, 0, 32);
    assert_int_equal(address_index_floor(&index, 0), ADDRESS_INDEX_NONE);
    assert_int_equal(address_index_problems(&index), 0);
    address_index_release(&index);
}

/* Writes an 8-byte little-endian header at `offset` of a test arena. */
static void put_header(uint8_t *arena, uint64_t offset, uint64_t size)
{
    for (int i = 0; i < 8; i++)
        arena[offset + (uint64_t)i] = (uint8_t)(size >> (8 * i));
}

/* A block that shrinks as it moves up its group (a split's remainder): the
 * group's largest is worked out from its other blocks' headers and the new
 * size, not from the new slot's header, which is not written yet. A = 8,
 * group 0 is offsets [0, 2048): blocks at 0 (64 bytes), 40 (200), 160 (120). */
static void test_move_shrinks_largest(void **state)
{
    (void)state;
    uint8_t arena[4096] = { 0 };
    AddressIndex index;
    assert_true(address_index_init(&index, arena, 0, sizeof arena, 8, WIDE));
    put_header(arena, 0, 64);
    put_header(arena, 40, 200);
    put_header(arena, 160, 120);
    address_index_insert(&index, 0, 64);
    address_index_insert(&index, 40, 200);
    address_index_insert(&index, 160, 120);
    assert_int_equal(address_index_largest(&index), 200);
    put_header(arena, 72, STALE_SIZE); /* 40 + 32: not yet the block's header */
    address_index_move(&index, 40, 200, 72, 168);
    assert_int_equal(address_index_largest(&index), 168); /* still the largest */
    put_header(arena, 72, 168);
    put_header(arena, 96, STALE_SIZE);
    address_index_move(&index, 72, 168, 96, 96);
    assert_int_equal(address_index_largest(&index), 120); /* the block at 160 now */
    put_header(arena, 96, 96);
    assert_int_equal(address_index_first_fit(&index, 0, 100, NULL), 160);
    assert_int_equal(address_index_first_fit(&index, 0, 90, NULL), 96);
    assert_int_equal(address_index_problems(&index), 0);
    address_index_release(&index);
}

/* Files the block [offset, +size) in group 0 of a test arena. */
static void file_block(AddressIndex *index, uint8_t *arena, uint64_t offset, uint64_t size)
{
    put_header(arena, offset, size);
    address_index_insert(index, offset, size);
}

/* Takes the block at `offset` out; its header then says STALE_SIZE, so a
 * rescan that read it would give a wrong largest. */
static void take_block(AddressIndex *index, uint8_t *arena, uint64_t offset, uint64_t size)
{
    address_index_remove(index, offset, size);
    put_header(arena, offset, STALE_SIZE);
}

/* The index's largest and its audit, after a change. */
static void expect_largest(const AddressIndex *index, uint64_t largest)
{
    assert_int_equal(address_index_largest(index), largest);
    assert_int_equal(address_index_problems(index), 0);
}

/* Each group's second largest, worked by hand (A = 8, every block in group
 * 0; the pairs are (largest, second), ? for not known): the second takes
 * over when the largest leaves, a new largest makes the old one the
 * second, and taking out the second or a shrinking largest loses track of
 * it until the group is read again. */
static void test_second_largest(void **state)
{
    (void)state;
    uint8_t arena[4096] = { 0 };
    AddressIndex index;
    assert_true(address_index_init(&index, arena, 0, sizeof arena, 8, WIDE));
    file_block(&index, arena, 0, 64);      /* (64, 0) */
    file_block(&index, arena, 104, 200);   /* (200, 64): the old largest is second */
    take_block(&index, arena, 104, 200);   /* (64, ?) */
    expect_largest(&index, 64);
    file_block(&index, arena, 104, 200);   /* (200, 64) */
    file_block(&index, arena, 400, 120);   /* (200, 120) */
    expect_largest(&index, 200);
    take_block(&index, arena, 104, 200);   /* (120, ?) */
    expect_largest(&index, 120);
    assert_int_equal(address_index_first_fit(&index, 0, 100, NULL), 400);
    file_block(&index, arena, 104, 96);    /* (120, ?): 96 may not be the second */
    take_block(&index, arena, 400, 120);   /* read again: (96, 64) */
    expect_largest(&index, 96);
    put_header(arena, 136, STALE_SIZE);    /* 104 + 32: not yet the block's header */
    address_index_move(&index, 104, 96, 136, 64); /* (64, ?) */
    put_header(arena, 136, 64);
    expect_largest(&index, 64);
    take_block(&index, arena, 0, 64);      /* read again: (64, 0), the block at 136 */
    expect_largest(&index, 64);
    take_block(&index, arena, 136, 64);    /* (0, ?) */
    expect_largest(&index, 0);

    file_block(&index, arena, 0, 64);      /* (64, 0): a new largest over 0 */
    file_block(&index, arena, 104, 200);   /* (200, 64) */
    file_block(&index, arena, 400, 120);   /* (200, 120) */
    take_block(&index, arena, 400, 120);   /* the second left: (200, ?) */
    take_block(&index, arena, 104, 200);   /* read again: (64, 0), not 120 */
    expect_largest(&index, 64);
    file_block(&index, arena, 104, 200);   /* (200, 64) */
    file_block(&index, arena, 400, 120);   /* (200, 120) */
    put_header(arena, 432, STALE_SIZE);
    address_index_move(&index, 400, 120, 432, 88); /* the second shrank: (200, ?) */
    put_header(arena, 432, 88);
    expect_largest(&index, 200);
    take_block(&index, arena, 104, 200);   /* read again: (88, 64), not 120 */
    expect_largest(&index, 88);
    take_block(&index, arena, 432, 88);    /* (64, ?) */
    file_block(&index, arena, 104, 200);   /* (200, 64) */
    file_block(&index, arena, 400, 200);   /* a tie: (200, 200) */
    take_block(&index, arena, 104, 200);   /* (200, ?) */
    expect_largest(&index, 200);
    take_block(&index, arena, 400, 200);   /* read again: (64, 0) */
    expect_largest(&index, 64);
    file_block(&index, arena, 104, 200);   /* (200, 64) */
    put_header(arena, 0, STALE_SIZE);
    address_index_move(&index, 0, 64, 0, 96); /* the second changed: (200, ?) */
    put_header(arena, 0, 96);
    assert_int_equal(index.seconds[0], ADDRESS_INDEX_UNKNOWN);
    put_header(arena, 0, STALE_SIZE);
    address_index_move(&index, 0, 96, 0, 300); /* past the largest: (300, 200) */
    put_header(arena, 0, 300);
    expect_largest(&index, 300);
    assert_int_equal(index.seconds[0], 200);
    address_index_release(&index);
}

/* A counting and a plain search give the same answer; the counting one adds
 * the blocks it passed. Blocks at 0 (32 bytes), 2400 (48, group 1) and 4800
 * (64, group 2): a block of 60 is the third, past two. A search from the
 * bottom (lowest fit) counts the same way. */
static void test_counting_search(void **state)
{
    (void)state;
    uint8_t arena[8192] = { 0 };
    AddressIndex index;
    assert_true(address_index_init(&index, arena, 0, sizeof arena, 8, WIDE));
    assert_true(address_index_enable_ranks(&index));
    uint64_t offsets[] = { 0, 2400, 4800 }, sizes[] = { 32, 48, 64 };
    for (int i = 0; i < 3; i++) {
        put_header(arena, offsets[i], sizes[i]);
        address_index_insert(&index, offsets[i], sizes[i]);
    }
    uint64_t passed = 10;
    assert_int_equal(address_index_first_fit(&index, 0, 60, NULL), 4800);
    assert_int_equal(address_index_first_fit(&index, 0, 60, &passed), 4800);
    assert_int_equal(passed, 12);
    assert_int_equal(address_index_first_fit(&index, 8, 40, &passed), 2400);
    assert_int_equal(passed, 12); /* from 8 on, the block at 2400 is the first */
    assert_int_equal(address_index_first_fit(&index, 0, 65, &passed), ADDRESS_INDEX_NONE);
    assert_int_equal(passed, 15); /* none fits: all three examined */
    assert_int_equal(address_index_lowest_fit(&index, 60, &passed), 4800); /* from the bottom */
    assert_int_equal(passed, 17);
    assert_int_equal(address_index_lowest_fit(&index, 40, &passed), 2400);
    assert_int_equal(passed, 18);
    assert_int_equal(address_index_lowest_fit(&index, 0, NULL), 0); /* any block */
    assert_int_equal(address_index_lowest_fit(&index, 65, &passed), ADDRESS_INDEX_NONE);
    assert_int_equal(passed, 21);
    address_index_release(&index);
}

/* Groups of one bitmap word, worked by hand (A = 8: 64 slots, 512 bytes a
 * group): blocks at 0 (32 bytes, group 0), 512 (48: slot 64, the first of
 * group 1), 1016 (24: slot 127, the last of group 1) and 1024 (64: slot
 * 128, group 2). Each group keeps its own largest and second; the searches
 * cross groups and count the blocks they pass; widened to four words the
 * four blocks share group 0, and every answer stays. */
static void test_narrow_groups(void **state)
{
    (void)state;
    uint8_t arena[4096] = { 0 };
    AddressIndex index;
    assert_true(address_index_init(&index, arena, 0, sizeof arena, 8, NARROW));
    assert_true(address_index_enable_ranks(&index));
    static const uint64_t offsets[] = { 0, 512, 1016, 1024 }, sizes[] = { 32, 48, 24, 64 };
    for (int i = 0; i < 4; i++)
        file_block(&index, arena, offsets[i], sizes[i]);
    assert_int_equal(index.level_max[0][0], 32);
    assert_int_equal(index.level_max[0][1], 48);
    assert_int_equal(index.seconds[1], 24);
    assert_int_equal(index.level_max[0][2], 64);
    for (int width = 0; width < 2; width++) {
        uint64_t passed = 0;
        assert_int_equal(address_index_first_fit(&index, 520, 20, &passed), 1016); /* within group 1 */
        assert_int_equal(passed, 0);
        assert_int_equal(address_index_first_fit(&index, 0, 40, &passed), 512);    /* past the block at 0 */
        assert_int_equal(passed, 1);
        assert_int_equal(address_index_lowest_fit(&index, 60, &passed), 1024);     /* past three */
        assert_int_equal(passed, 4);
        assert_int_equal(address_index_floor(&index, 1015), 512);
        assert_int_equal(address_index_rank(&index, 1024), 3);
        assert_int_equal(address_index_problems(&index), 0);
        if (width == 0) {
            assert_true(address_index_regroup(&index, WIDE, sizeof arena));
            assert_int_equal(index.level_max[0][0], 64);
            assert_int_equal(index.seconds[0], 48);
        }
    }
    address_index_release(&index);
}

/* The audit notices a wrong maximum and a bit whose block is not free. */
static void test_problems_are_found(void **state)
{
    (void)state;
    uint8_t arena[4096] = { 0 };
    AddressIndex index;
    assert_true(address_index_init(&index, arena, 0, sizeof arena, 8, WIDE));
    arena[64] = 48;
    address_index_insert(&index, 64, 48);
    assert_int_equal(address_index_problems(&index), 0);
    arena[64] = 56; /* the header now disagrees with the group's maximum */
    assert_true(address_index_problems(&index) > 0);
    arena[64] = 48 | 1; /* allocated */
    assert_true(address_index_problems(&index) > 0);
    arena[64] = 48;
    arena[200] = 40;
    address_index_insert(&index, 200, 40); /* the group's two largest: 48, 40 */
    assert_int_equal(address_index_problems(&index), 0);
    index.seconds[0] = 32; /* a wrong second largest */
    assert_true(address_index_problems(&index) > 0);
    index.seconds[0] = ADDRESS_INDEX_UNKNOWN; /* not known is never wrong */
    assert_int_equal(address_index_problems(&index), 0);
    address_index_release(&index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_region_dense),
        cmocka_unit_test(test_wide_alignment),
        cmocka_unit_test(test_big_region),
        cmocka_unit_test(test_growing_tree),
        cmocka_unit_test(test_one_slot),
        cmocka_unit_test(test_problems_are_found),
        cmocka_unit_test(test_move_shrinks_largest),
        cmocka_unit_test(test_counting_search),
        cmocka_unit_test(test_second_largest),
        cmocka_unit_test(test_narrow_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
