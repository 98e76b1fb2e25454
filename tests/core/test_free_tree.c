/*
 * test_free_tree.c - best fit's size-ordered tree (alloc/free_tree.h)
 * against a sorted array.
 *
 * The heap tests drive small heaps, where the tree rarely grows past two
 * levels; here it holds thousands of pairs, so splits, merges, shares and
 * root changes happen at every level. Random inserts and removals run on the
 * tree and on a sorted array side by side; after every change
 * free_tree_problems() must find nothing, and every search must give the
 * array's answer. Two patterns are covered: every size different, and best
 * fit's usual case, a few sizes shared by many blocks, where the offset
 * decides. The random numbers are core_support's seeded generator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core_support.h"
#include "free_tree.h"

enum { MODEL_CAPACITY = 8192, OFFSET_SPACE = 1 << 20, TREE_SPAN = 2 * OFFSET_SPACE };

typedef struct {
    FreeTreeEntry entries[MODEL_CAPACITY]; /* sorted by (size, offset) */
    uint32_t count;
    uint64_t random_state;
} Model;

static uint64_t next_random(Model *model)
{
    return support_random(&model->random_state);
}

static bool before(FreeTreeEntry a, FreeTreeEntry b)
{
    return a.size < b.size || (a.size == b.size && a.offset < b.offset);
}

/* The first position whose pair is not before `entry`. */
static uint32_t model_position(const Model *model, FreeTreeEntry entry)
{
    uint32_t i = 0;
    while (i < model->count && before(model->entries[i], entry))
        i++;
    return i;
}

static bool model_has(const Model *model, FreeTreeEntry entry)
{
    uint32_t i = model_position(model, entry);
    return i < model->count && model->entries[i].size == entry.size &&
           model->entries[i].offset == entry.offset;
}

static void model_insert(Model *model, FreeTreeEntry entry)
{
    uint32_t i = model_position(model, entry);
    memmove(&model->entries[i + 1], &model->entries[i], (model->count - i) * sizeof entry);
    model->entries[i] = entry;
    model->count++;
}

static void model_remove_at(Model *model, uint32_t i)
{
    memmove(&model->entries[i], &model->entries[i + 1],
            (model->count - i - 1) * sizeof(FreeTreeEntry));
    model->count--;
}

static void assert_same_entry(FreeTreeEntry a, FreeTreeEntry b)
{
    assert_int_equal(a.size, b.size);
    assert_int_equal(a.offset, b.offset);
}

/* Every search, asked about the pair at `pick` (to find) and `size` (to
 * fit), against a scan of the array. */
static void check_searches(FreeTree *tree, const Model *model, uint64_t pick, uint64_t size)
{
    FreeTreeEntry found;
    int32_t first = -1;
    for (uint32_t i = 0; i < model->count && first < 0; i++)
        if (model->entries[i].size >= size)
            first = (int32_t)i;
    uint64_t largest = model->count ? model->entries[model->count - 1].size : 0;
    assert_int_equal(free_tree_largest(tree), largest);
    assert_int_equal(free_tree_first_fit(tree, size, &found), first >= 0);
    if (first >= 0)
        assert_same_entry(found, model->entries[first]);
    if (model->count > 0) {
        FreeTreeEntry e = model->entries[pick % model->count];
        assert_true(free_tree_contains(tree, e));
        FreeTreeEntry next_offset = { .size = e.size, .offset = e.offset + 1 };
        FreeTreeEntry next_size = { .size = e.size + 1, .offset = e.offset };
        assert_int_equal(free_tree_contains(tree, next_offset), model_has(model, next_offset));
        assert_int_equal(free_tree_contains(tree, next_size), model_has(model, next_size));
    }
}

/* One random change, made to both; the tree must stay sound. */
static void random_change(FreeTree *tree, Model *model, bool few_sizes, uint32_t target_count)
{
    uint64_t roll = next_random(model) % 100;
    bool grow = model->count < target_count ? roll < 60 : roll < 40;
    if (model->count == 0 || (grow && model->count < MODEL_CAPACITY)) {
        FreeTreeEntry entry = { .size = 1 + next_random(model) % OFFSET_SPACE,
                                .offset = next_random(model) % OFFSET_SPACE };
        if (few_sizes) /* best fit's usual case: 64 sizes, shared by many blocks */
            entry.size = 8 * (1 + next_random(model) % 64);
        if (model_has(model, entry))
            return;
        assert_true(free_tree_reserve(tree, 1));
        free_tree_insert(tree, entry);
        model_insert(model, entry);
        return;
    }
    uint32_t i = (uint32_t)(next_random(model) % model->count);
    if (roll % 2 == 1 && i + 1 < model->count)
        i++; /* half the time the entry after the last one found: the cursor's case */
    free_tree_remove(tree, model->entries[i]);
    model_remove_at(model, i);
}

static void check_tree(FreeTree *tree, Model *model)
{
    assert_int_equal(free_tree_problems(tree), 0);
    assert_int_equal(tree->count, model->count);
    uint64_t pick = next_random(model);
    uint64_t size = model->count && pick % 4 == 0 /* often a size the tree holds */
                        ? model->entries[pick % model->count].size
                        : 1 + next_random(model) % (OFFSET_SPACE + 100);
    check_searches(tree, model, pick, size);
}

/* Grows to `peak` entries and back, over and over, checking as it goes. */
static void run_against_model(bool few_sizes, uint32_t peak, uint32_t changes)
{
    FreeTree tree;
    assert_true(free_tree_init(&tree, 0, TREE_SPAN, 1));
    Model *model = calloc(1, sizeof *model);
    assert_non_null(model);
    model->random_state = few_sizes ? 7 : 11;
    for (uint32_t step = 0; step < changes; step++) {
        uint32_t target = (step / (4 * peak)) % 2 == 0 ? peak : 0;
        random_change(&tree, model, few_sizes, target);
        if (step % 7 == 0 || model->count < 40)
            check_tree(&tree, model);
    }
    check_tree(&tree, model);
    free(model);
    free_tree_release(&tree);
}

static void distinct_sizes_match_a_sorted_array(void **state)
{
    (void)state;
    run_against_model(false, 3000, 120000);
}

static void repeated_sizes_match_a_sorted_array(void **state)
{
    (void)state;
    run_against_model(true, 3000, 120000);
}

static void small_trees_change_root_often(void **state)
{
    (void)state;
    run_against_model(false, 40, 40000);
}

/* 5,000 ascending inserts of one size, so into one class, make a tree of
 * several levels; removing them all, in order, must shrink it back to one
 * empty leaf (kept for the class's next block), every other node returned. */
static void emptying_a_deep_tree_returns_every_node(void **state)
{
    (void)state;
    FreeTree tree;
    assert_true(free_tree_init(&tree, 0, TREE_SPAN, 1));
    const FreeTreeClass *class = &tree.classes[free_tree_class_of(40)];
    for (uint64_t key = 1; key <= 5000; key++) {
        assert_true(free_tree_reserve(&tree, 1));
        free_tree_insert(&tree, (FreeTreeEntry){ .size = 40, .offset = key * 64 });
    }
    assert_true(class->levels >= 4);
    assert_int_equal(free_tree_largest(&tree), 40);
    assert_int_equal(free_tree_problems(&tree), 0);
    for (uint64_t key = 1; key <= 5000; key++) {
        free_tree_remove(&tree, (FreeTreeEntry){ .size = 40, .offset = key * 64 });
        if (key % 97 == 0)
            assert_int_equal(free_tree_problems(&tree), 0);
    }
    assert_int_equal(tree.count, 0);
    assert_int_equal(class->levels, 1);
    assert_int_equal(tree.nodes[class->root].count, 0);
    assert_int_equal(tree.nodes_in_use, 1);
    assert_int_equal(tree.nonempty[0], 0);
    assert_int_equal(free_tree_problems(&tree), 0);
    FreeTreeEntry found;
    assert_false(free_tree_first_fit(&tree, 1, &found));
    free_tree_release(&tree);
}

/* The checker must notice a branch whose copy of a child's first key lies. */
static void a_wrong_first_key_is_reported(void **state)
{
    (void)state;
    FreeTree tree;
    assert_true(free_tree_init(&tree, 0, TREE_SPAN, 1));
    for (uint64_t key = 1; key <= 100; key++) {
        assert_true(free_tree_reserve(&tree, 1));
        free_tree_insert(&tree, (FreeTreeEntry){ .size = 7, .offset = key });
    }
    assert_int_equal(free_tree_problems(&tree), 0);
    tree.nodes[tree.classes[7].root].key[1] += 1;
    assert_true(free_tree_problems(&tree) > 0);
    free_tree_release(&tree);
}

/* Keys are offset and size in alignment units from the region's start:
 * with A = 8 over [24, 24 + 8 KiB), a block of 48 bytes at 24 + 800 must
 * round-trip, and no pair that is not a block of the region may match one
 * (a forged header can give any size), nor may a search for more than the
 * region overflow into a small key. */
static void keys_round_trip_and_reject_what_no_block_could_be(void **state)
{
    (void)state;
    FreeTree tree;
    assert_true(free_tree_init(&tree, 24, 8192, 8));
    FreeTreeEntry block = { .size = 48, .offset = 24 + 800 };
    FreeTreeEntry largest = { .size = 8192, .offset = 24 };
    assert_true(free_tree_reserve(&tree, 2));
    free_tree_insert(&tree, block);
    free_tree_insert(&tree, largest);
    FreeTreeEntry found;
    assert_true(free_tree_first_fit(&tree, 41, &found)); /* 41 rounds up to 48 */
    assert_same_entry(found, block);
    assert_true(free_tree_first_fit(&tree, 49, &found));
    assert_same_entry(found, largest);
    assert_int_equal(free_tree_largest(&tree), 8192);
    assert_true(free_tree_contains(&tree, block));
    for (uint64_t i = 0; i < 40; i++) { /* enough for branches, which route by key */
        assert_true(free_tree_reserve(&tree, 1));
        free_tree_insert(&tree, (FreeTreeEntry){ .size = 8, .offset = 24 + 4096 + 8 * i });
    }
    assert_true(tree.classes[1].levels >= 2); /* 8 bytes: 1 unit, class 1 */
    FreeTreeEntry not_blocks[] = {
        { .size = 48, .offset = 16 },                      /* below the region */
        { .size = 48, .offset = 24 + 804 },                /* between units */
        { .size = 52, .offset = 24 + 800 },                /* not a whole unit */
        { .size = 48 + (UINT64_C(1) << 61), .offset = 24 + 800 }, /* the same key, wrapped */
        { .size = 48, .offset = 24 + 800 + (UINT64_C(1) << 60) },
        { .size = 8192, .offset = 24 + 8 },                /* would end past the region */
        { .size = ((UINT64_C(1) << 53) - 1) * 8, .offset = 24 + 2047 * 8 }, /* all-ones key */
    };
    for (size_t i = 0; i < sizeof not_blocks / sizeof not_blocks[0]; i++)
        assert_false(free_tree_contains(&tree, not_blocks[i]));
    assert_false(free_tree_first_fit(&tree, 8193, &found));
    assert_false(free_tree_first_fit(&tree, UINT64_MAX - 3, &found));
    assert_int_equal(free_tree_problems(&tree), 0);
    free_tree_release(&tree);
    assert_true(free_tree_can_index((UINT64_C(1) << 32) * 8 - 8, 8));
    assert_false(free_tree_can_index((UINT64_C(1) << 32) * 8, 8));
}

/* Sizes below 128 units have a class each; each doubling above is cut in
 * 16: [128, 136) units is class 128, [136, 144) class 129, [256, 272)
 * class 144, and the last class, 527, ends below 2^32 units. */
static void size_classes_are_exact_below_128_units_then_16_a_doubling(void **state)
{
    (void)state;
    assert_int_equal(free_tree_class_of(0), 0);
    assert_int_equal(free_tree_class_of(3), 3);
    assert_int_equal(free_tree_class_of(127), 127);
    assert_int_equal(free_tree_class_of(128), 128);
    assert_int_equal(free_tree_class_of(135), 128);
    assert_int_equal(free_tree_class_of(136), 129);
    assert_int_equal(free_tree_class_of(255), 143);
    assert_int_equal(free_tree_class_of(256), 144);
    assert_int_equal(free_tree_class_of(271), 144);
    assert_int_equal(free_tree_class_of(272), 145);
    assert_int_equal(free_tree_class_of(UINT64_C(1) << 31), 128 + 24 * 16);
    assert_int_equal(free_tree_class_of((UINT64_C(1) << 32) - 1), 527);
    assert_int_equal(FREE_TREE_CLASSES, 528);
}

static void insert_all(FreeTree *tree, const FreeTreeEntry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        assert_true(free_tree_reserve(tree, 1));
        free_tree_insert(tree, entries[i]);
    }
    assert_int_equal(free_tree_problems(tree), 0);
}

static void assert_fit(const FreeTree *tree, uint64_t size, uint64_t fit_size, uint64_t fit_offset)
{
    FreeTreeEntry found;
    assert_true(free_tree_first_fit(tree, size, &found));
    assert_int_equal(found.size, fit_size);
    assert_int_equal(found.offset, fit_offset);
}

/* With A = 8: a request whose own class is empty takes the lowest block of
 * the next class that holds any; in a class of several sizes (1,032 and
 * 1,072 bytes are 129 and 134 units, both class 128) the smallest size that
 * fits wins over a lower address, and a request above every size of its
 * class (1,080 bytes, 135 units) goes on to the next class (3,000 bytes). */
static void a_fit_is_the_smallest_size_then_the_lowest_offset_across_classes(void **state)
{
    (void)state;
    FreeTree tree;
    assert_true(free_tree_init(&tree, 0, 1 << 20, 8));
    const FreeTreeEntry blocks[] = {
        { .size = 40, .offset = 100 * 8 },   { .size = 64, .offset = 5000 * 8 },
        { .size = 64, .offset = 200 * 8 },   { .size = 1072, .offset = 16 },
        { .size = 1032, .offset = 8000 * 8 }, { .size = 3000, .offset = 9000 * 8 },
    };
    insert_all(&tree, blocks, sizeof blocks / sizeof blocks[0]);
    assert_fit(&tree, 33, 40, 800);        /* 40 bytes: class 5 itself */
    assert_fit(&tree, 48, 64, 1600);       /* class 6 is empty: class 8's lowest */
    assert_fit(&tree, 1032, 1032, 64000);  /* the smaller size, though higher */
    assert_fit(&tree, 1040, 1072, 16);
    assert_fit(&tree, 1073, 3000, 72000);
    assert_int_equal(free_tree_largest(&tree), 3000);
    FreeTreeEntry found;
    assert_false(free_tree_first_fit(&tree, 3001, &found));
    free_tree_release(&tree);
}

/* One class holding many sizes grows to several leaves: a request whose
 * lowest key would sit past the end of a leaf takes the first key of the
 * next leaf. Class 144 holds 256-271 units; 40 blocks of each of the sizes
 * 256, 258, ..., 270 units (8 sizes), A = 1. */
static void a_fit_past_the_end_of_a_leaf_is_the_next_leafs_first_key(void **state)
{
    (void)state;
    FreeTree tree;
    assert_true(free_tree_init(&tree, 0, 1 << 20, 1));
    for (uint64_t size = 256; size <= 270; size += 2)
        for (uint64_t i = 0; i < 40; i++) {
            assert_true(free_tree_reserve(&tree, 1));
            free_tree_insert(&tree, (FreeTreeEntry){ .size = size, .offset = 4096 + i * 300 });
        }
    assert_int_equal(free_tree_problems(&tree), 0);
    assert_true(tree.classes[144].levels >= 2);
    for (uint64_t size = 255; size <= 270; size++) {
        uint64_t fit = size <= 256 ? 256 : size + (size % 2);
        assert_fit(&tree, size, fit, 4096);
    }
    free_tree_release(&tree);
}

/* The checker must notice a key filed under another size's class, and a
 * class whose bit in the bitmap disagrees with its tree. */
static void a_key_in_the_wrong_class_or_a_wrong_class_bit_is_reported(void **state)
{
    (void)state;
    FreeTree tree;
    assert_true(free_tree_init(&tree, 0, 1 << 20, 1));
    const FreeTreeEntry blocks[] = { { .size = 5, .offset = 10 }, { .size = 9, .offset = 20 } };
    insert_all(&tree, blocks, 2);
    FreeTreeNode *leaf = &tree.nodes[tree.classes[5].root];
    uint64_t key = leaf->key[0];
    leaf->key[0] = key + (UINT64_C(1) << tree.offset_bits); /* size 6, still below class 9's */
    assert_true(free_tree_problems(&tree) > 0);
    leaf->key[0] = key;
    assert_int_equal(free_tree_problems(&tree), 0);
    tree.nonempty[0] &= ~(UINT64_C(1) << 9);
    assert_true(free_tree_problems(&tree) > 0);
    tree.nonempty[0] |= UINT64_C(1) << 9 | UINT64_C(1) << 7;
    assert_true(free_tree_problems(&tree) > 0);
    free_tree_release(&tree);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distinct_sizes_match_a_sorted_array),
        cmocka_unit_test(repeated_sizes_match_a_sorted_array),
        cmocka_unit_test(small_trees_change_root_often),
        cmocka_unit_test(emptying_a_deep_tree_returns_every_node),
        cmocka_unit_test(a_wrong_first_key_is_reported),
        cmocka_unit_test(keys_round_trip_and_reject_what_no_block_could_be),
        cmocka_unit_test(size_classes_are_exact_below_128_units_then_16_a_doubling),
        cmocka_unit_test(a_fit_is_the_smallest_size_then_the_lowest_offset_across_classes),
        cmocka_unit_test(a_fit_past_the_end_of_a_leaf_is_the_next_leafs_first_key),
        cmocka_unit_test(a_key_in_the_wrong_class_or_a_wrong_class_bit_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
