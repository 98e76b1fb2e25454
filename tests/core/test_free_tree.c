/*
 * test_free_tree.c - the free-block index (alloc/free_tree.h) against a
 * sorted array.
 *
 * The heap tests drive small heaps, where the tree rarely grows past two
 * levels; here it holds thousands of entries, so splits, merges, shares and
 * root changes happen at every level. Random inserts, removals and in-place
 * updates run on the tree and on a sorted array side by side; after every
 * change free_tree_problems() must find nothing, and every search must give
 * the array's answer. Both orders are covered: by address (tiebreak 0) and
 * by (size, address). The PRNG is splitmix64 with a fixed seed.
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

/* Every search, asked about `key` and `size`, against a scan of the array. */
static void check_searches(FreeTree *tree, const Model *model, uint64_t key, uint64_t size)
{
    FreeTreeEntry found;
    uint64_t largest = 0;
    int32_t first = -1, first_from = -1, floor = -1;
    for (uint32_t i = 0; i < model->count; i++) {
        const FreeTreeEntry *e = &model->entries[i];
        largest = e->size > largest ? e->size : largest;
        if (first < 0 && e->size >= size)
            first = (int32_t)i;
        if (first_from < 0 && e->key >= key && e->size >= size)
            first_from = (int32_t)i;
        if (e->key <= key)
            floor = (int32_t)i;
    }
    assert_int_equal(free_tree_largest(tree), largest);
    assert_int_equal(free_tree_first_fit(tree, size, &found), first >= 0);
    if (first >= 0)
        assert_same_entry(found, model->entries[first]);
    assert_int_equal(free_tree_first_fit_from(tree, key, size, &found), first_from >= 0);
    if (first_from >= 0)
        assert_same_entry(found, model->entries[first_from]);
    assert_int_equal(free_tree_floor(tree, key, &found), floor >= 0);
    if (floor >= 0)
        assert_same_entry(found, model->entries[floor]);
}

/* One random change, made to both; the tree must stay sound. */
static void random_change(FreeTree *tree, Model *model, bool by_size, uint32_t target_count)
{
    uint64_t roll = next_random(model) % 100;
    bool grow = model->count < target_count ? roll < 60 : roll < 40;
    if (model->count == 0 || (grow && model->count < MODEL_CAPACITY)) {
        FreeTreeEntry entry = { .key = next_random(model) % KEY_SPACE,
                                .size = 1 + next_random(model) % 5000 };
        entry.tiebreak = by_size ? next_random(model) % KEY_SPACE : 0;
        if (model_has(model, entry.key, entry.tiebreak))
            return;
        assert_true(free_tree_reserve(tree, 1));
        free_tree_insert(tree, entry);
        model_insert(model, entry);
        return;
    }
    uint32_t i = (uint32_t)(next_random(model) % model->count);
    FreeTreeEntry *entry = &model->entries[i];
    if (roll % 2 == 0) {
        free_tree_remove(tree, entry->key, entry->tiebreak);
        model_remove_at(model, i);
        return;
    }
    /* An update that keeps the entry between its neighbours. */
    uint64_t low = i > 0 ? model->entries[i - 1].key + 1 : 0;
    uint64_t high = i + 1 < model->count ? model->entries[i + 1].key - 1 : KEY_SPACE;
    if (by_size || low > high)
        low = high = entry->key; /* by size, the key is the size: keep it */
    uint64_t new_key = low + next_random(model) % (high - low + 1);
    uint64_t new_size = by_size ? entry->size : 1 + next_random(model) % 5000;
    free_tree_update(tree, entry->key, entry->tiebreak, new_key, new_size);
    entry->key = new_key;
    entry->size = new_size;
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
    assert_true(free_tree_init(&tree, by_size));
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

static void address_order_matches_a_sorted_array(void **state)
{
    (void)state;
    run_against_model(false, 3000, 120000);
}

static void size_order_matches_a_sorted_array(void **state)
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
    assert_true(free_tree_init(&tree, false));
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
    assert_true(free_tree_init(&tree, false));
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
        cmocka_unit_test(address_order_matches_a_sorted_array),
        cmocka_unit_test(size_order_matches_a_sorted_array),
        cmocka_unit_test(small_trees_change_root_often),
        cmocka_unit_test(emptying_a_deep_tree_returns_every_node),
        cmocka_unit_test(a_wrong_summary_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
