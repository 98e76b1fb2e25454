/*
 * free_tree.c - a treap with subtree maxima (see free_tree.h).
 *
 * Inserts go in as leaves and rotate up while their priority beats their
 * parent's; removals rotate a node down until it is a leaf, then cut it off.
 * After a change, each node tells its parent its new subtree maximum, going
 * up only while that changes something (nothing above can change otherwise).
 * Nodes are cache-line aligned, so every step up or down reads one line.
 */
#include "free_tree.h"

#include <stdlib.h>
#include <string.h>

enum { FREE_TREE_MIN_CAPACITY = 64 };

#define NONE FREE_TREE_NONE

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* The largest size in the subtree rooted at `index` (0 for none). */
static uint64_t subtree_max(const FreeTree *tree, uint32_t index)
{
    const FreeTreeNode *node = &tree->nodes[index];
    return index == NONE ? 0 : max3(node->size, node->left_max, node->right_max);
}

/* The field of `parent` that holds the subtree maximum of its child `child`. */
static uint64_t *child_max_field(FreeTree *tree, uint32_t parent, uint32_t child)
{
    FreeTreeNode *node = &tree->nodes[parent];
    return node->left == child ? &node->left_max : &node->right_max;
}

/* Passes `index`'s subtree maximum up the tree while it changes anything. */
static void propagate(FreeTree *tree, uint32_t index)
{
    for (uint32_t parent = tree->nodes[index].parent; parent != NONE;
         index = parent, parent = tree->nodes[index].parent) {
        uint64_t *field = child_max_field(tree, parent, index);
        uint64_t updated = subtree_max(tree, index);
        if (*field == updated)
            return;
        *field = updated;
    }
}

static bool less(const FreeTreeNode *node, uint64_t key, uint64_t tiebreak)
{
    return node->key < key || (node->key == key && node->tiebreak < tiebreak);
}

static uint32_t next_priority(FreeTree *tree)
{
    uint64_t x = tree->random_state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    tree->random_state = x;
    return (uint32_t)(x >> 32);
}

/* A cache-line aligned array of `count` nodes, or NULL. */
static FreeTreeNode *allocate_nodes(uint64_t count)
{
    return aligned_alloc(_Alignof(FreeTreeNode), (size_t)count * sizeof(FreeTreeNode));
}

bool free_tree_init(FreeTree *tree)
{
    memset(tree, 0, sizeof *tree);
    tree->nodes = allocate_nodes(FREE_TREE_MIN_CAPACITY);
    if (!tree->nodes)
        return false;
    tree->capacity = FREE_TREE_MIN_CAPACITY;
    free_tree_clear(tree);
    return true;
}

void free_tree_release(FreeTree *tree)
{
    free(tree->nodes);
    memset(tree, 0, sizeof *tree);
}

bool free_tree_copy(FreeTree *target, const FreeTree *source)
{
    if (target->capacity != source->capacity) {
        FreeTreeNode *nodes = allocate_nodes(source->capacity);
        if (!nodes)
            return false;
        free(target->nodes);
        target->nodes = nodes;
    }
    FreeTreeNode *nodes = target->nodes;
    memcpy(nodes, source->nodes, (size_t)source->high_mark * sizeof *nodes);
    *target = *source;
    target->nodes = nodes;
    return true;
}

void free_tree_clear(FreeTree *tree)
{
    memset(&tree->nodes[0], 0, sizeof tree->nodes[0]);
    tree->high_mark = 1;
    tree->free_list = NONE;
    tree->root = NONE;
    tree->count = 0;
    tree->random_state = UINT64_C(0x2545F4914F6CDD1D);
}

bool free_tree_grow(FreeTree *tree, uint64_t needed)
{
    uint64_t capacity = tree->capacity;
    while (capacity < needed)
        capacity *= 2;
    if (capacity > UINT32_MAX)
        return false;
    FreeTreeNode *nodes = allocate_nodes(capacity);
    if (!nodes)
        return false;
    memcpy(nodes, tree->nodes, (size_t)tree->high_mark * sizeof *nodes);
    free(tree->nodes);
    tree->nodes = nodes;
    tree->capacity = (uint32_t)capacity;
    return true;
}

static uint32_t take_node(FreeTree *tree)
{
    if (tree->free_list != NONE) {
        uint32_t index = tree->free_list;
        tree->free_list = tree->nodes[index].left;
        return index;
    }
    return tree->high_mark++;
}

/* Replaces `old_child` with `new_child` under `parent` (or at the root). */
static void relink(FreeTree *tree, uint32_t parent, uint32_t old_child, uint32_t new_child)
{
    if (parent == NONE)
        tree->root = new_child;
    else if (tree->nodes[parent].left == old_child)
        tree->nodes[parent].left = new_child;
    else
        tree->nodes[parent].right = new_child;
    if (new_child != NONE)
        tree->nodes[new_child].parent = parent;
}

/* Rotates `index` above its parent. The subtree the two hand over changes
 * sides, and its maximum moves with it; the grandparent's view is unchanged. */
static void rotate_up(FreeTree *tree, uint32_t index)
{
    FreeTreeNode *node = &tree->nodes[index];
    uint32_t parent = node->parent;
    FreeTreeNode *above = &tree->nodes[parent];
    uint32_t grandparent = above->parent;
    uint32_t handed_over;
    if (above->left == index) {
        handed_over = node->right;
        above->left = handed_over;
        above->left_max = node->right_max;
        node->right = parent;
        node->right_max = subtree_max(tree, parent);
    } else {
        handed_over = node->left;
        above->right = handed_over;
        above->right_max = node->left_max;
        node->left = parent;
        node->left_max = subtree_max(tree, parent);
    }
    if (handed_over != NONE)
        tree->nodes[handed_over].parent = parent;
    above->parent = index;
    relink(tree, grandparent, parent, index);
}

uint32_t free_tree_insert(FreeTree *tree, uint64_t key, uint64_t tiebreak, uint64_t size)
{
    uint32_t index = take_node(tree);
    uint32_t parent = NONE;
    for (uint32_t at = tree->root; at != NONE;) {
        parent = at;
        at = less(&tree->nodes[at], key, tiebreak) ? tree->nodes[at].right : tree->nodes[at].left;
    }
    tree->nodes[index] = (FreeTreeNode){ .key = key, .tiebreak = tiebreak, .size = size,
                                         .parent = parent, .priority = next_priority(tree) };
    if (parent == NONE)
        tree->root = index;
    else if (less(&tree->nodes[parent], key, tiebreak))
        tree->nodes[parent].right = index;
    else
        tree->nodes[parent].left = index;
    propagate(tree, index);
    while (tree->nodes[index].parent != NONE &&
           tree->nodes[index].priority > tree->nodes[tree->nodes[index].parent].priority)
        rotate_up(tree, index);
    tree->count++;
    return index;
}

void free_tree_remove(FreeTree *tree, uint32_t index)
{
    for (;;) {
        const FreeTreeNode *node = &tree->nodes[index];
        if (node->left == NONE && node->right == NONE)
            break;
        uint32_t child = node->left;
        if (child == NONE || (node->right != NONE &&
                              tree->nodes[node->right].priority > tree->nodes[child].priority))
            child = node->right;
        rotate_up(tree, child);
    }
    uint32_t parent = tree->nodes[index].parent;
    if (parent != NONE) {
        *child_max_field(tree, parent, index) = 0;
        propagate(tree, parent);
    }
    relink(tree, parent, index, NONE);
    tree->nodes[index] = (FreeTreeNode){ .left = tree->free_list };
    tree->free_list = index;
    tree->count--;
}

void free_tree_update(FreeTree *tree, uint32_t index, uint64_t key, uint64_t size)
{
    tree->nodes[index].key = key;
    tree->nodes[index].size = size;
    propagate(tree, index);
}

uint32_t free_tree_find(const FreeTree *tree, uint64_t key, uint64_t tiebreak)
{
    uint32_t at = tree->root;
    while (at != NONE) {
        const FreeTreeNode *node = &tree->nodes[at];
        if (node->key == key && node->tiebreak == tiebreak)
            return at;
        at = less(node, key, tiebreak) ? node->right : node->left;
    }
    return NONE;
}

uint32_t free_tree_floor(const FreeTree *tree, uint64_t key)
{
    uint32_t best = NONE;
    for (uint32_t at = tree->root; at != NONE;) {
        if (tree->nodes[at].key <= key) {
            best = at;
            at = tree->nodes[at].right;
        } else {
            at = tree->nodes[at].left;
        }
    }
    return best;
}

uint32_t free_tree_lower_bound(const FreeTree *tree, uint64_t key, uint64_t tiebreak)
{
    uint32_t best = NONE;
    for (uint32_t at = tree->root; at != NONE;) {
        if (less(&tree->nodes[at], key, tiebreak)) {
            at = tree->nodes[at].right;
        } else {
            best = at;
            at = tree->nodes[at].left;
        }
    }
    return best;
}

/* The leftmost node of the subtree at `at` with size >= size. */
static uint32_t first_fit_below(const FreeTree *tree, uint32_t at, uint64_t size)
{
    if (at == NONE || subtree_max(tree, at) < size)
        return NONE;
    for (;;) {
        const FreeTreeNode *node = &tree->nodes[at];
        if (node->left != NONE && node->left_max >= size)
            at = node->left;
        else if (node->size >= size)
            return at;
        else
            at = node->right;
    }
}

uint32_t free_tree_first_fit(const FreeTree *tree, uint64_t size)
{
    return first_fit_below(tree, tree->root, size);
}

/* Walks down the boundary between keys < from and keys >= from: subtrees
 * wholly on the right of it are searched with first_fit_below. */
static uint32_t first_fit_from_below(const FreeTree *tree, uint32_t at, uint64_t from,
                                     uint64_t size)
{
    if (at == NONE || subtree_max(tree, at) < size)
        return NONE;
    const FreeTreeNode *node = &tree->nodes[at];
    if (node->key < from)
        return first_fit_from_below(tree, node->right, from, size);
    uint32_t found = first_fit_from_below(tree, node->left, from, size);
    if (found != NONE)
        return found;
    if (node->size >= size)
        return at;
    return first_fit_below(tree, node->right, size);
}

uint32_t free_tree_first_fit_from(const FreeTree *tree, uint64_t from, uint64_t size)
{
    return first_fit_from_below(tree, tree->root, from, size);
}

uint64_t free_tree_largest(const FreeTree *tree)
{
    return subtree_max(tree, tree->root);
}

uint32_t free_tree_first(const FreeTree *tree)
{
    uint32_t at = tree->root;
    while (at != NONE && tree->nodes[at].left != NONE)
        at = tree->nodes[at].left;
    return at;
}

uint32_t free_tree_next(const FreeTree *tree, uint32_t at)
{
    if (tree->nodes[at].right != NONE) {
        at = tree->nodes[at].right;
        while (tree->nodes[at].left != NONE)
            at = tree->nodes[at].left;
        return at;
    }
    uint32_t parent = tree->nodes[at].parent;
    while (parent != NONE && tree->nodes[parent].right == at) {
        at = parent;
        parent = tree->nodes[at].parent;
    }
    return parent;
}

/* Checks one node against its children: links, heap order and max size. */
static uint64_t node_problems(const FreeTree *tree, uint32_t at)
{
    const FreeTreeNode *node = &tree->nodes[at];
    uint64_t problems = 0;
    uint32_t children[2] = { node->left, node->right };
    for (int i = 0; i < 2; i++) {
        if (children[i] == NONE)
            continue;
        const FreeTreeNode *child = &tree->nodes[children[i]];
        problems += child->parent != at;
        problems += child->priority > node->priority;
    }
    problems += node->left_max != subtree_max(tree, node->left);
    problems += node->right_max != subtree_max(tree, node->right);
    return problems;
}

uint64_t free_tree_problems(const FreeTree *tree)
{
    uint64_t problems = tree->nodes[0].size != 0;
    problems += tree->root != NONE && tree->nodes[tree->root].parent != NONE;
    uint32_t seen = 0;
    const FreeTreeNode *previous = NULL;
    for (uint32_t at = free_tree_first(tree); at != NONE; at = free_tree_next(tree, at)) {
        const FreeTreeNode *node = &tree->nodes[at];
        if (previous && !less(previous, node->key, node->tiebreak))
            problems++;
        problems += node_problems(tree, at);
        previous = node;
        if (++seen > tree->count)
            return problems + 1;
    }
    return problems + (seen != tree->count);
}
