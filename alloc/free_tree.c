/*
 * free_tree.c - a B+ tree with per-child minimum keys and maximum sizes
 * (see free_tree.h).
 *
 * Every change finds its leaf, remembering the path from the root (the
 * cursor), and then climbs back up it, fixing each level before its parent:
 *  - an insert into a full node first splits it in two, and the new right
 *    half goes up to the parent as one more child;
 *  - a removal that leaves a node with fewer than FREE_TREE_MIN_FILL entries
 *    merges it with a neighbour, or, when both would not fit in one node,
 *    shares their entries evenly;
 *  - each parent's summary of the child on the path (its smallest key, its
 *    largest size) is rewritten, and the climb stops at the first level
 *    where nothing changed, since nothing above can change either.
 * The root is the one node allowed to be small; a branch root left with a
 * single child gives way to it. All leaves are at the same depth.
 *
 * The cursor stays valid while the nodes on its path stay put, so the change
 * that follows a search, and a key that falls within the cursor's leaf, are
 * found without a walk from the root.
 */
#include "free_tree.h"

#include <stdlib.h>
#include <string.h>

#define NONE FREE_TREE_NONE

enum { FREE_TREE_MIN_CAPACITY = 16 };

typedef FreeTreePath Path;

static FreeTreeNode *node_at(const FreeTree *tree, uint32_t index)
{
    return &tree->nodes[index];
}

static bool entry_less(uint64_t key_a, uint64_t tiebreak_a, uint64_t key_b, uint64_t tiebreak_b)
{
    return key_a < key_b || (key_a == key_b && tiebreak_a < tiebreak_b);
}

static FreeTreeEntry entry_of(const FreeTreeNode *node, uint32_t i)
{
    return (FreeTreeEntry){ node->key[i], node->tiebreak[i], node->size[i] };
}

static void set_slot(FreeTreeNode *node, uint32_t i, FreeTreeEntry entry, uint32_t child)
{
    node->key[i] = entry.key;
    node->tiebreak[i] = entry.tiebreak;
    node->size[i] = entry.size;
    node->child[i] = child;
}

static uint64_t largest_size(const FreeTreeNode *node)
{
    uint64_t largest = 0;
    for (uint32_t i = 0; i < node->count; i++)
        largest = node->size[i] > largest ? node->size[i] : largest;
    return largest;
}

/* Works `largest` out again after entries moved in or out in bulk. */
static void recount_largest(FreeTreeNode *node)
{
    node->largest = largest_size(node);
}

/* Changes one size, keeping `largest` right without a scan unless the
 * largest itself shrank. */
static void set_size(FreeTreeNode *node, uint32_t i, uint64_t size)
{
    uint64_t old = node->size[i];
    node->size[i] = size;
    if (size >= node->largest)
        node->largest = size;
    else if (old == node->largest)
        recount_largest(node);
}

/* What a parent keeps about a (non-empty) child. */
static FreeTreeEntry summary_of(const FreeTree *tree, uint32_t index)
{
    const FreeTreeNode *node = node_at(tree, index);
    return (FreeTreeEntry){ node->key[0], node->tiebreak[0], node->largest };
}

/* How many of a node's entries come before (key, tiebreak), or with
 * `inclusive`, are not after it: a binary search of the sorted entries. */
static uint32_t count_before(const FreeTreeNode *node, uint64_t key, uint64_t tiebreak,
                             bool inclusive)
{
    uint32_t low = 0, high = node->count;
    while (low < high) {
        uint32_t middle = (low + high) / 2;
        uint64_t k = node->key[middle], t = node->tiebreak[middle];
        bool before = k < key || (k == key && (inclusive ? t <= tiebreak : t < tiebreak));
        if (before)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* The child of a branch that (key, tiebreak) belongs under: the last one
 * whose smallest key is not after it, else the first. */
static uint32_t route(const FreeTreeNode *node, uint64_t key, uint64_t tiebreak)
{
    uint32_t not_after = count_before(node, key, tiebreak, true);
    return not_after > 0 ? not_after - 1 : 0;
}

/* The first position whose size is >= size (count if none). */
static uint32_t first_with_size(const FreeTreeNode *node, uint64_t size)
{
    uint32_t i = 0;
    while (i < node->count && node->size[i] < size)
        i++;
    return i;
}

/* Walks from the root (of a non-empty tree) to the leaf where (key,
 * tiebreak) is or belongs; the leaf's slot is the first entry not before it. */
static void descend(const FreeTree *tree, uint64_t key, uint64_t tiebreak, Path *path)
{
    uint32_t at = tree->root;
    for (uint32_t level = 0; level + 1 < tree->levels; level++) {
        const FreeTreeNode *node = node_at(tree, at);
        path->node[level] = at;
        path->slot[level] = route(node, key, tiebreak);
        at = node->child[path->slot[level]];
    }
    path->node[tree->levels - 1] = at;
    path->slot[tree->levels - 1] = count_before(node_at(tree, at), key, tiebreak, false);
}

/* Whether the cursor's leaf spans (key, tiebreak): then that is the leaf
 * where it is or belongs, and the cursor's path leads there. */
static bool cursor_spans(const FreeTree *tree, uint64_t key, uint64_t tiebreak)
{
    if (!tree->cursor_valid)
        return false;
    const FreeTreeNode *leaf = node_at(tree, tree->cursor.node[tree->levels - 1]);
    uint32_t last = leaf->count - 1;
    return leaf->count > 0 && !entry_less(key, tiebreak, leaf->key[0], leaf->tiebreak[0]) &&
           !entry_less(leaf->key[last], leaf->tiebreak[last], key, tiebreak);
}

/* Whether the cursor points at the entry (key, tiebreak) itself. */
static bool cursor_is_on(const FreeTree *tree, uint64_t key, uint64_t tiebreak)
{
    if (!tree->cursor_valid)
        return false;
    const FreeTreeNode *leaf = node_at(tree, tree->cursor.node[tree->levels - 1]);
    uint32_t slot = tree->cursor.slot[tree->levels - 1];
    return slot < leaf->count && leaf->key[slot] == key && leaf->tiebreak[slot] == tiebreak;
}

/* Points the cursor at the first entry not before (key, tiebreak) in the leaf
 * where it is or belongs: within the cursor's leaf if it spans the key (the
 * neighbour of the last block touched, say), else by a walk from the root. */
static void move_cursor(FreeTree *tree, uint64_t key, uint64_t tiebreak)
{
    if (cursor_is_on(tree, key, tiebreak))
        return; /* the usual case: changing the entry a search just found */
    if (cursor_spans(tree, key, tiebreak)) {
        uint32_t leaf = tree->levels - 1;
        tree->cursor.slot[leaf] =
            count_before(node_at(tree, tree->cursor.node[leaf]), key, tiebreak, false);
    } else {
        descend(tree, key, tiebreak, &tree->cursor);
    }
    tree->cursor_valid = true;
}

/* ---- the node pool ------------------------------------------------------ */

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
    target->cursor_valid = false;
    return true;
}

void free_tree_clear(FreeTree *tree)
{
    memset(&tree->nodes[0], 0, sizeof tree->nodes[0]);
    tree->high_mark = 1;
    tree->free_list = NONE;
    tree->nodes_in_use = 0;
    tree->root = NONE;
    tree->levels = 0;
    tree->count = 0;
    tree->cursor_valid = false;
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

/* A fresh empty node; the caller has reserved room. */
static uint32_t take_node(FreeTree *tree, bool is_leaf)
{
    uint32_t index = tree->free_list;
    if (index != NONE)
        tree->free_list = node_at(tree, index)->child[0];
    else
        index = tree->high_mark++;
    FreeTreeNode *node = node_at(tree, index);
    node->count = 0;
    node->largest = 0;
    node->is_leaf = is_leaf;
    tree->nodes_in_use++;
    return index;
}

static void give_back_node(FreeTree *tree, uint32_t index)
{
    node_at(tree, index)->child[0] = tree->free_list;
    tree->free_list = index;
    tree->nodes_in_use--;
}

/* ---- moving entries ----------------------------------------------------- */

/* Moves a node's entries [from, count) to start at `to` (either way). */
static void move_entries(FreeTreeNode *node, uint32_t from, uint32_t to)
{
    size_t n = node->count - from;
    memmove(&node->key[to], &node->key[from], n * sizeof node->key[0]);
    memmove(&node->tiebreak[to], &node->tiebreak[from], n * sizeof node->tiebreak[0]);
    memmove(&node->size[to], &node->size[from], n * sizeof node->size[0]);
    if (!node->is_leaf) /* a leaf's children are unused */
        memmove(&node->child[to], &node->child[from], n * sizeof node->child[0]);
    node->count = to + (uint32_t)n;
}

/* Copies `n` entries of `source` from `from` on to positions `to` on of `target`. */
static void copy_entries(FreeTreeNode *target, uint32_t to, const FreeTreeNode *source,
                         uint32_t from, uint32_t n)
{
    memcpy(&target->key[to], &source->key[from], n * sizeof source->key[0]);
    memcpy(&target->tiebreak[to], &source->tiebreak[from], n * sizeof source->tiebreak[0]);
    memcpy(&target->size[to], &source->size[from], n * sizeof source->size[0]);
    if (!source->is_leaf)
        memcpy(&target->child[to], &source->child[from], n * sizeof source->child[0]);
}

/* Moves the upper half of a full node into a new node that follows it. */
static uint32_t split(FreeTree *tree, uint32_t index)
{
    uint32_t right = take_node(tree, node_at(tree, index)->is_leaf);
    FreeTreeNode *left_node = node_at(tree, index), *right_node = node_at(tree, right);
    uint32_t keep = left_node->count / 2;
    copy_entries(right_node, 0, left_node, keep, left_node->count - keep);
    right_node->count = left_node->count - keep;
    left_node->count = keep;
    recount_largest(left_node);
    recount_largest(right_node);
    return right;
}

/* Puts an entry (and child) at position `at` of a node, splitting the node
 * first if it is full. Returns the new right half, or NONE. */
static uint32_t insert_at(FreeTree *tree, uint32_t index, uint32_t at, FreeTreeEntry entry,
                          uint32_t child)
{
    uint32_t right = NONE;
    if (node_at(tree, index)->count == FREE_TREE_FANOUT) {
        right = split(tree, index);
        uint32_t left_count = node_at(tree, index)->count;
        if (at > left_count) {
            index = right;
            at -= left_count;
        }
    }
    FreeTreeNode *node = node_at(tree, index);
    move_entries(node, at, at + 1);
    set_slot(node, at, entry, child);
    if (entry.size > node->largest)
        node->largest = entry.size;
    return right;
}

/* Removes the entry at position `at` of a node. */
static void remove_at(FreeTreeNode *node, uint32_t at)
{
    uint64_t size = node->size[at];
    move_entries(node, at + 1, at);
    if (size == node->largest)
        recount_largest(node);
}

/* Rewrites a parent's summary of its child at `slot`. True if what the
 * parent's own parent keeps about it (its first key, its largest size) may
 * have changed too: the climb goes on only then. */
static bool summarize(FreeTree *tree, uint32_t parent, uint32_t slot)
{
    FreeTreeNode *above = node_at(tree, parent);
    FreeTreeEntry summary = summary_of(tree, above->child[slot]);
    bool first_key_changed = slot == 0 && (above->key[0] != summary.key ||
                                           above->tiebreak[0] != summary.tiebreak);
    uint64_t largest_before = above->largest;
    above->key[slot] = summary.key;
    above->tiebreak[slot] = summary.tiebreak;
    set_size(above, slot, summary.size);
    return first_key_changed || above->largest != largest_before;
}

/* ---- insert ------------------------------------------------------------- */

/* Puts a branch above the old root and the half split off it. */
static void grow_root(FreeTree *tree, uint32_t right)
{
    uint32_t left = tree->root;
    uint32_t root = take_node(tree, false);
    FreeTreeNode *node = node_at(tree, root);
    set_slot(node, 0, summary_of(tree, left), left);
    set_slot(node, 1, summary_of(tree, right), right);
    node->count = 2;
    recount_largest(node);
    tree->root = root;
    tree->levels++;
}

void free_tree_insert(FreeTree *tree, FreeTreeEntry entry)
{
    if (tree->root == NONE) {
        tree->root = take_node(tree, true);
        tree->levels = 1;
        tree->cursor_valid = false;
    }
    tree->count++;
    move_cursor(tree, entry.key, entry.tiebreak);
    const Path *path = &tree->cursor;
    uint32_t level = tree->levels - 1;
    uint32_t right = insert_at(tree, path->node[level], path->slot[level], entry, NONE);
    tree->cursor_valid = right == NONE; /* a split moved entries the path led to */
    for (; level > 0; level--) {
        uint32_t parent = path->node[level - 1], slot = path->slot[level - 1];
        bool changed = summarize(tree, parent, slot);
        if (right == NONE && !changed)
            return;
        if (right != NONE)
            right = insert_at(tree, parent, slot + 1, summary_of(tree, right), right);
    }
    if (right != NONE)
        grow_root(tree, right);
}

/* ---- remove ------------------------------------------------------------- */

/* Evens out two neighbouring nodes that hold more than one node's worth. */
static void share(FreeTreeNode *left, FreeTreeNode *right)
{
    uint32_t target = (left->count + right->count) / 2;
    if (left->count < target) {
        uint32_t n = target - left->count;
        copy_entries(left, left->count, right, 0, n);
        left->count += n;
        move_entries(right, n, 0);
    } else {
        uint32_t n = left->count - target;
        move_entries(right, 0, n);
        copy_entries(right, 0, left, target, n);
        left->count = target;
    }
    recount_largest(left);
    recount_largest(right);
}

/* Mends the parent's child at `slot`, which has too few entries, together
 * with a neighbour: merged into one node if they fit, else shared evenly. */
static void rebalance(FreeTree *tree, uint32_t parent, uint32_t slot)
{
    FreeTreeNode *above = node_at(tree, parent);
    uint32_t first = slot > 0 ? slot - 1 : slot;
    uint32_t left = above->child[first], right = above->child[first + 1];
    FreeTreeNode *left_node = node_at(tree, left), *right_node = node_at(tree, right);
    if (left_node->count + right_node->count <= FREE_TREE_FANOUT) {
        copy_entries(left_node, left_node->count, right_node, 0, right_node->count);
        left_node->count += right_node->count;
        recount_largest(left_node);
        give_back_node(tree, right);
        remove_at(above, first + 1);
    } else {
        share(left_node, right_node);
        summarize(tree, parent, first + 1);
    }
    summarize(tree, parent, first);
}

/* Drops a root that no longer earns its place. */
static void shrink_root(FreeTree *tree)
{
    uint32_t root = tree->root;
    const FreeTreeNode *node = node_at(tree, root);
    if (node->is_leaf && node->count == 0) {
        tree->root = NONE;
        tree->levels = 0;
    } else if (!node->is_leaf && node->count == 1) {
        tree->root = node->child[0];
        tree->levels--;
    } else {
        return;
    }
    give_back_node(tree, root);
}

void free_tree_remove(FreeTree *tree, uint64_t key, uint64_t tiebreak)
{
    move_cursor(tree, key, tiebreak);
    const Path *path = &tree->cursor;
    uint32_t level = tree->levels - 1;
    FreeTreeNode *leaf = node_at(tree, path->node[level]);
    remove_at(leaf, path->slot[level]);
    tree->count--;
    /* The cursor now points at the next entry, unless the leaf must merge or
     * share (or was the root and is now empty). */
    tree->cursor_valid = leaf->count >= FREE_TREE_MIN_FILL || (level == 0 && leaf->count > 0);
    for (; level > 0; level--) {
        uint32_t parent = path->node[level - 1], slot = path->slot[level - 1];
        if (node_at(tree, path->node[level])->count < FREE_TREE_MIN_FILL)
            rebalance(tree, parent, slot);
        else if (!summarize(tree, parent, slot))
            return;
    }
    shrink_root(tree);
}

/* ---- searches -----------------------------------------------------------
 * All but free_tree_find leave the cursor on the entry they found. */

/* Puts the cursor on slot `i` of its leaf and reports that entry, or reports
 * nothing found if there is no such slot. */
static bool found_at(FreeTree *tree, uint32_t i, FreeTreeEntry *found)
{
    const FreeTreeNode *leaf = node_at(tree, tree->cursor.node[tree->levels - 1]);
    if (i >= leaf->count)
        return false;
    tree->cursor.slot[tree->levels - 1] = i;
    *found = entry_of(leaf, i);
    return true;
}

bool free_tree_find(const FreeTree *tree, uint64_t key, uint64_t tiebreak, FreeTreeEntry *found)
{
    if (tree->root == NONE)
        return false;
    Path path;
    descend(tree, key, tiebreak, &path);
    const FreeTreeNode *leaf = node_at(tree, path.node[tree->levels - 1]);
    uint32_t i = path.slot[tree->levels - 1];
    if (i == leaf->count || leaf->key[i] != key || leaf->tiebreak[i] != tiebreak)
        return false;
    *found = entry_of(leaf, i);
    return true;
}

/* Walks the cursor from `at` (on its path at `level`), which holds an entry
 * of size >= size, down to the first such entry; returns its leaf slot. */
static uint32_t first_fit_below(FreeTree *tree, uint32_t at, uint32_t level, uint64_t size)
{
    Path *path = &tree->cursor;
    for (;; level++) {
        const FreeTreeNode *node = node_at(tree, at);
        path->node[level] = at;
        uint32_t i = first_with_size(node, size);
        if (node->is_leaf)
            return i;
        path->slot[level] = i;
        at = node->child[i];
    }
}

bool free_tree_first_fit(FreeTree *tree, uint64_t size, FreeTreeEntry *found)
{
    if (tree->root == NONE || free_tree_largest(tree) < size)
        return false;
    tree->cursor_valid = true;
    return found_at(tree, first_fit_below(tree, tree->root, 0, size), found);
}

uint64_t free_tree_largest(const FreeTree *tree)
{
    return tree->root == NONE ? 0 : node_at(tree, tree->root)->largest;
}

/* ---- checking ----------------------------------------------------------- */

typedef struct {
    uint64_t problems;
    uint64_t entries;
    uint32_t nodes;
    bool has_previous;
    FreeTreeEntry previous;      /* the last entry seen, in order */
} TreeAudit;

static void audit_leaf(const FreeTree *tree, uint32_t at, TreeAudit *audit)
{
    const FreeTreeNode *leaf = node_at(tree, at);
    for (uint32_t i = 0; i < leaf->count; i++) {
        FreeTreeEntry entry = entry_of(leaf, i);
        if (audit->has_previous && !entry_less(audit->previous.key, audit->previous.tiebreak,
                                               entry.key, entry.tiebreak))
            audit->problems++;
        audit->previous = entry;
        audit->has_previous = true;
    }
    audit->entries += leaf->count;
}

static void audit_node(const FreeTree *tree, uint32_t at, uint32_t level, TreeAudit *audit)
{
    const FreeTreeNode *node = node_at(tree, at);
    bool is_root = level == 0;
    uint32_t least = is_root ? (node->is_leaf ? 1 : 2) : FREE_TREE_MIN_FILL;
    audit->nodes++;
    if (at >= tree->high_mark || node->count > FREE_TREE_FANOUT || node->count < least ||
        node->is_leaf != (level + 1 == tree->levels) || audit->nodes > tree->nodes_in_use) {
        audit->problems++;
        return; /* the shape is broken: stepping further could loop */
    }
    audit->problems += node->largest != largest_size(node);
    if (node->is_leaf) {
        audit_leaf(tree, at, audit);
        return;
    }
    for (uint32_t i = 0; i < node->count; i++) {
        if (node->child[i] == NONE || node->child[i] >= tree->high_mark) {
            audit->problems++;
            continue;
        }
        FreeTreeEntry summary = summary_of(tree, node->child[i]);
        audit->problems += node->key[i] != summary.key || node->tiebreak[i] != summary.tiebreak ||
                           node->size[i] != summary.size;
        audit_node(tree, node->child[i], level + 1, audit);
    }
}

/* A valid cursor must be a path from the root to a leaf. */
static uint64_t cursor_problems(const FreeTree *tree)
{
    if (!tree->cursor_valid)
        return 0;
    if (tree->root == NONE || tree->cursor.node[0] != tree->root)
        return 1;
    for (uint32_t level = 0; level + 1 < tree->levels; level++) {
        const FreeTreeNode *node = node_at(tree, tree->cursor.node[level]);
        uint32_t slot = tree->cursor.slot[level];
        if (slot >= node->count || node->child[slot] != tree->cursor.node[level + 1])
            return 1;
    }
    const FreeTreeNode *leaf = node_at(tree, tree->cursor.node[tree->levels - 1]);
    return !leaf->is_leaf || tree->cursor.slot[tree->levels - 1] > leaf->count;
}

uint64_t free_tree_problems(const FreeTree *tree)
{
    if (tree->root == NONE)
        return (tree->count != 0) + (tree->levels != 0) + (tree->nodes_in_use != 0);
    if (tree->levels > FREE_TREE_MAX_LEVELS)
        return 1;
    TreeAudit audit = { 0 };
    audit_node(tree, tree->root, 0, &audit);
    audit.problems += audit.entries != tree->count;
    audit.problems += audit.nodes != tree->nodes_in_use;
    return audit.problems + cursor_problems(tree);
}
