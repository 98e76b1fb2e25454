/*
 * test_free_tree.c - the free-block index (alloc/free_tree.h) against a
 * sorted array.
 *
 * The heap tests drive small heaps, where the tree rarely grows past two
 * levels; here it holds thousands of entries, so splits, merges, shares and
 * root changes happen at every level. Random inserts and removals run on the
 * tree and on a sorted array side by side; after every
 * change free_tree_problems() must find nothing, and every search must give
 * the array's answer. Two key patterns are covered: distinct keys with
 * tiebreak 0, and best fit's (size, address), where keys repeat and the
 * tiebreak decides. The PRNG is splitmix64 with a fixed seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "free_tree.h"

enum { MODEL_CAPACITY = 8192, KEY_SPACE = 1 << 20 };

typedef struct {
    FreeTreeEntry entries[MODEL_CAPACITY]; /* sorted by (key, tiebreak) */
    uint32_t count;
    uint64_t random_state;
} Model;

static uint64_t next_random(Model *model)
{
    uint64_t z = (model->random_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static bool before(FreeTreeEntry a, uint64_t key, uint64_t tiebreak)
{
    return a.key < key || (a.key == key && a.tiebreak < tiebreak);
}

/* The first position whose entry is not before (key, tiebreak). */
static uint32_t model_position(const Model *model, uint64_t key, uint64_t tiebreak)
{
    uint32_t i = 0;
    while (i < model->count && before(model->entries[i], key, tiebreak))
        i++;
    return i;
}

static bool model_has(const Model *model, uint64_t key, uint64_t tiebreak)
{
    uint32_t i = model_position(model, key, tiebreak);
    return i < model->count && model->entries[i].key == key && model->entries[i].tiebreak == tiebreak;
}

static void model_insert(Model *model, FreeTreeEntry entry)
{
    uint32_t i = model_position(model, entry.key, entry.tiebreak);
    memmove(&model->entries[i + 1], &model->entries[i], (model->count - i) * sizeof entry);
    model->entries[i] = entry;
    model->count++;
}

static void model_remove_at(Model *model, uint32_t i)
{
    memmove(&model->entries[i], &model->entries[i + 1], (model->count - i - 1) * sizeof(FreeTreeEntry));
    model->count--;
}

static void assert_same_entry(FreeTreeEntry a, FreeTreeEntry b)
{
    assert_int_equal(a.key, b.key);
    assert_int_equal(a.tiebreak, b.tiebreak);
    assert_int_equal(a.size, b.size);
}

/* Every search, asked about `key` (to find) and `size` (to fit), against a
 * scan of the array. */
static void check_searches(FreeTree *tree, const Model *model, uint64_t key, uint64_t size)
{
    FreeTreeEntry found;
    uint64_t largest = 0;
    int32_t first = -1;
    for (uint32_t i = 0; i < model->count; i++) {
        const FreeTreeEntry *e = &model->entries[i];
        largest = e->size > largest ? e->size : largest;
        if (first < 0 && e->size >= size)
            first = (int32_t)i;
    }
    assert_int_equal(free_tree_largest(tree), largest);
    assert_int_equal(free_tree_first_fit(tree, size, &found), first >= 0);
    if (first >= 0)
        assert_same_entry(found, model->entries[first]);
    if (model->count > 0) {
        const FreeTreeEntry *e = &model->entries[key % model->count];
        assert_true(free_tree_find(tree, e->key, e->tiebreak, &found));
        assert_same_entry(found, *e);
        assert_int_equal(free_tree_find(tree, e->key, e->tiebreak + 1, &found),
                         model_has(model, e->key, e->tiebreak + 1));
    }
}

/* One random change, made to both; the tree must stay sound. */
static void random_change(FreeTree *tree, Model *model, bool by_size, uint32_t target_count)
{
    uint64_t roll = next_random(model) % 100;
    bool grow = model->count < target_count ? roll < 60 : roll < 40;
    if (model->count == 0 || (grow && model->count < MODEL_CAPACITY)) {
        FreeTreeEntry entry = { .key = next_random(model) % KEY_SPACE,
                                .size = 1 + next_random(model) % 5000 };
        if (by_size) { /* best fit's entries: key = size, from few sizes, so keys repeat */
            entry.key = entry.size = 8 * (1 + next_random(model) % 64);
            entry.tiebreak = next_random(model) % KEY_SPACE;
        }
        if (model_has(model, entry.key, entry.tiebreak))
            return;
        assert_true(free_tree_reserve(tree, 1));
        free_tree_insert(tree, entry);
        model_insert(model, entry);
        return;
    }
    uint32_t i = (uint32_t)(next_random(model) % model->count);
    if (roll % 2 == 1 && i + 1 < model->count)
        i++; /* half the time the entry after the last one found: the cursor's case */
    FreeTreeEntry *entry = &model->entries[i];
    free_tree_remove(tree, entry->key, entry->tiebreak);
    model_remove_at(model, i);
}

static void check_tree(FreeTree *tree, Model *model)
{
    assert_int_equal(free_tree_problems(tree), 0);
    assert_int_equal(tree->count, model->count);
    uint64_t key = next_random(model) % KEY_SPACE;
    check_searches(tree, model, key, 1 + next_random(model) % 6000);
}

/* Grows to `peak` entries and back, over and over, checking as it goes. */
static void run_against_model(bool by_size, uint32_t peak, uint32_t changes)
{
    FreeTree tree;
    assert_true(free_tree_init(&tree));
    Model *model = calloc(1, sizeof *model);
    assert_non_null(model);
    model->random_state = by_size ? 7 : 11;
    for (uint32_t step = 0; step < changes; step++) {
        uint32_t target = (step / (4 * peak)) % 2 == 0 ? peak : 0;
        random_change(&tree, model, by_size, target);
        if (step % 7 == 0 || model->count < 40)
            check_tree(&tree, model);
    }
    check_tree(&tree, model);
    free(model);
    free_tree_release(&tree);
}

static void distinct_keys_match_a_sorted_array(void **state)
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

/* 5,000 ascending inserts make a tree of several levels; removing them all,
 * in order, must shrink it back to empty, with its nodes returned. */
static void emptying_a_deep_tree_returns_every_node(void **state)
{
    (void)state;
    FreeTree tree;
    assert_true(free_tree_init(&tree));
    for (uint64_t key = 1; key <= 5000; key++) {
        assert_true(free_tree_reserve(&tree, 1));
        free_tree_insert(&tree, (FreeTreeEntry){ .key = key * 8, .size = key });
    }
    assert_true(tree.levels >= 4);
    assert_int_equal(free_tree_largest(&tree), 5000);
    assert_int_equal(free_tree_problems(&tree), 0);
    for (uint64_t key = 1; key <= 5000; key++) {
        free_tree_remove(&tree, key * 8, 0);
        if (key % 97 == 0)
            assert_int_equal(free_tree_problems(&tree), 0);
    }
    assert_int_equal(tree.count, 0);
    assert_int_equal(tree.levels, 0);
    assert_int_equal(tree.nodes_in_use, 0);
    assert_int_equal(free_tree_problems(&tree), 0);
    FreeTreeEntry found;
    assert_false(free_tree_first_fit(&tree, 1, &found));
    free_tree_release(&tree);
}

/* The checker must notice a summary that lies. */
static void a_wrong_summary_is_reported(void **state)
{
    (void)state;
    FreeTree tree;
    assert_true(free_tree_init(&tree));
    for (uint64_t key = 1; key <= 100; key++) {
        assert_true(free_tree_reserve(&tree, 1));
        free_tree_insert(&tree, (FreeTreeEntry){ .key = key, .size = key });
    }
    assert_int_equal(free_tree_problems(&tree), 0);
    tree.nodes[tree.root].size[0] += 1;
    assert_true(free_tree_problems(&tree) > 0);
    free_tree_release(&tree);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distinct_keys_match_a_sorted_array),
        cmocka_unit_test(repeated_sizes_match_a_sorted_array),
        cmocka_unit_test(small_trees_change_root_often),
        cmocka_unit_test(emptying_a_deep_tree_returns_every_node),
        cmocka_unit_test(a_wrong_summary_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
