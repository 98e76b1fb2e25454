/*
 * free_tree.c - a B+ tree of 64-bit keys, (size, offset) in alignment
 * units, that keeps each child's first key in its parent (see free_tree.h).
 *
 * Every change finds its leaf, remembering the path from the root (the
 * cursor), and then climbs back up it, fixing each level before its parent:
 *  - an insert into a full node first splits it in two, and the new right
 *    half goes up to the parent as one more child;
 *  - a removal that leaves a node with fewer than FREE_TREE_MIN_FILL keys
 *    merges it with a neighbour, or, when both would not fit in one node,
 *    shares their keys evenly;
 *  - a parent's copy of the first key of the child on the path is
 *    rewritten; that copy changes only when the first key of a first child
 *    does, so the climb usually stops at once.
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
typedef FreeTreeEntry Entry;

static FreeTreeNode *node_at(const FreeTree *tree, uint32_t index)
{
    return &tree->nodes[index];
}

/* ---- keys --------------------------------------------------------------- */

/* The key in the slot after a node's last: no block has it, since a block's
 * size and offset units add up to at most the region's, below 2^32. */
#define END_KEY UINT64_MAX

/* Sets how many keys a node holds, and marks the end after them. */
static void set_count(FreeTreeNode *node, uint32_t count)
{
    node->count = count;
    node->key[count] = END_KEY;
}

static uint64_t low_bits(unsigned count)
{
    return (UINT64_C(1) << count) - 1;
}

/* The key of a block of the region: size units above offset units. */
static uint64_t key_of(const FreeTree *tree, Entry entry)
{
    uint64_t offset_units = (entry.offset - tree->base) >> tree->unit_shift;
    uint64_t size_units = entry.size >> tree->unit_shift;
    return size_units << tree->offset_bits | offset_units;
}

/* Whether `entry` could be a block of the region, and so has a key (one
 * below END_KEY). */
static bool has_key(const FreeTree *tree, Entry entry)
{
    uint64_t unit = low_bits(tree->unit_shift);
    if (entry.offset < tree->base || ((entry.offset - tree->base) & unit) || (entry.size & unit))
        return false;
    uint64_t offset_units = (entry.offset - tree->base) >> tree->unit_shift;
    uint64_t size_units = entry.size >> tree->unit_shift;
    return offset_units < tree->region_units && size_units <= tree->region_units - offset_units;
}

static Entry entry_of(const FreeTree *tree, uint64_t key)
{
    uint64_t offset_units = key & low_bits(tree->offset_bits);
    return (Entry){ .size = (key >> tree->offset_bits) << tree->unit_shift,
                    .offset = tree->base + (offset_units << tree->unit_shift) };
}

/* ---- finding a key -------------------------------------------------------- */

/* How many of a node's keys are below `key` (which is below END_KEY). */
static uint32_t count_below(const FreeTreeNode *node, uint64_t key)
{
    uint32_t below = 0;
    while (node->key[below] < key) /* stops at END_KEY at the latest */
        below++;
    return below;
}

/* The child of a branch that `key` belongs under: the last one whose first
 * key is not above it, else the first. */
static uint32_t route(const FreeTreeNode *node, uint64_t key)
{
    uint32_t i = 1;
    while (node->key[i] <= key) /* stops at END_KEY at the latest */
        i++;
    return i - 1;
}

/* Walks from the root (of a non-empty tree) to the leaf where `key` is or
 * belongs; the leaf's slot is the first key not below it. */
static void descend(const FreeTree *tree, uint64_t key, Path *path)
{
    uint32_t at = tree->root;
    for (uint32_t level = 0; level + 1 < tree->levels; level++) {
        const FreeTreeNode *node = node_at(tree, at);
        path->node[level] = at;
        path->slot[level] = route(node, key);
        at = node->child[path->slot[level]];
    }
    path->node[tree->levels - 1] = at;
    path->slot[tree->levels - 1] = count_below(node_at(tree, at), key);
}

static const FreeTreeNode *cursor_leaf(const FreeTree *tree)
{
    return node_at(tree, tree->cursor.node[tree->levels - 1]);
}

/* Whether the cursor's leaf spans `key`: then that is the leaf where it is
 * or belongs, and the cursor's path leads there. */
static bool cursor_spans(const FreeTree *tree, uint64_t key)
{
    if (!tree->cursor_valid)
        return false;
    const FreeTreeNode *leaf = cursor_leaf(tree);
    return leaf->count > 0 && leaf->key[0] <= key && key <= leaf->key[leaf->count - 1];
}

/* Whether the cursor points at `key` itself. */
static bool cursor_is_on(const FreeTree *tree, uint64_t key)
{
    if (!tree->cursor_valid)
        return false;
    const FreeTreeNode *leaf = cursor_leaf(tree);
    uint32_t slot = tree->cursor.slot[tree->levels - 1];
    return slot < leaf->count && leaf->key[slot] == key;
}

/* Points the cursor at the first key not below `key` in the leaf where it
 * is or belongs: within the cursor's leaf if it spans the key (the
 * neighbour of the last block touched, say), else by a walk from the root. */
static void move_cursor(FreeTree *tree, uint64_t key)
{
    if (cursor_is_on(tree, key))
        return; /* the usual case: changing the block a search just found */
    if (cursor_spans(tree, key)) {
        uint32_t leaf = tree->levels - 1;
        tree->cursor.slot[leaf] = count_below(cursor_leaf(tree), key);
    } else {
        descend(tree, key, &tree->cursor);
    }
    tree->cursor_valid = true;
}

/* ---- the node pool ------------------------------------------------------ */

/* Zeroed, so that two trees in the same state hold the same bytes (a
 * history snapshot keeps only the bytes that changed). */
static FreeTreeNode *allocate_nodes(uint64_t count)
{
    FreeTreeNode *nodes = aligned_alloc(_Alignof(FreeTreeNode), (size_t)count * sizeof(FreeTreeNode));
    if (nodes)
        memset(nodes, 0, (size_t)count * sizeof *nodes);
    return nodes;
}

static unsigned bits_for(uint64_t value)
{
    unsigned bits = 0;
    while (bits < 64 && (value >> bits) != 0)
        bits++;
    return bits;
}

bool free_tree_can_index(uint64_t span, uint64_t alignment)
{
    return span / alignment < (UINT64_C(1) << 32);
}

bool free_tree_init(FreeTree *tree, uint64_t base, uint64_t span, uint64_t alignment)
{
    memset(tree, 0, sizeof *tree);
    tree->base = base;
    tree->unit_shift = bits_for(alignment) - 1;
    /* offsets stay below span / alignment units and sizes reach it */
    tree->region_units = span >> tree->unit_shift;
    tree->offset_bits = bits_for(tree->region_units);
    if (tree->offset_bits == 0)
        tree->offset_bits = 1;
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
    memcpy(nodes, source->nodes, (size_t)source->capacity * sizeof *nodes); /* every byte: see allocate_nodes */
    *target = *source;
    target->nodes = nodes; /* the cursor's path names the same nodes in the copy */
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
    set_count(node, 0);
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

/* ---- moving keys ------------------------------------------------------- */

/* Moves a node's keys [from, count) to start at `to` (either way). */
static void move_entries(FreeTreeNode *node, uint32_t from, uint32_t to)
{
    size_t n = node->count - from;
    memmove(&node->key[to], &node->key[from], n * sizeof node->key[0]);
    if (!node->is_leaf) /* a leaf's children are unused */
        memmove(&node->child[to], &node->child[from], n * sizeof node->child[0]);
    set_count(node, to + (uint32_t)n);
}

/* Copies `n` keys of `source` from `from` on to positions `to` on of `target`. */
static void copy_entries(FreeTreeNode *target, uint32_t to, const FreeTreeNode *source,
                         uint32_t from, uint32_t n)
{
    memcpy(&target->key[to], &source->key[from], n * sizeof source->key[0]);
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
    set_count(right_node, left_node->count - keep);
    set_count(left_node, keep);
    return right;
}

/* Puts a key (and child) at position `at` of a node, splitting the node
 * first if it is full. Returns the new right half, or NONE. */
static uint32_t insert_at(FreeTree *tree, uint32_t index, uint32_t at, uint64_t key,
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
    node->key[at] = key;
    node->child[at] = child;
    return right;
}

/* Removes the key at position `at` of a node. */
static void remove_at(FreeTreeNode *node, uint32_t at)
{
    move_entries(node, at + 1, at);
}

/* Rewrites a parent's copy of the first key of its child at `slot`. True if
 * the parent's own first key changed, so its parent's copy must change too:
 * the climb goes on only then. */
static bool refresh_first_key(FreeTree *tree, uint32_t parent, uint32_t slot)
{
    FreeTreeNode *above = node_at(tree, parent);
    uint64_t first = node_at(tree, above->child[slot])->key[0];
    bool changed = above->key[slot] != first;
    above->key[slot] = first;
    return changed && slot == 0;
}

/* ---- insert ------------------------------------------------------------- */

/* Puts a branch above the old root and the half split off it. */
static void grow_root(FreeTree *tree, uint32_t right)
{
    uint32_t left = tree->root;
    uint32_t root = take_node(tree, false);
    FreeTreeNode *node = node_at(tree, root);
    node->key[0] = node_at(tree, left)->key[0];
    node->child[0] = left;
    node->key[1] = node_at(tree, right)->key[0];
    node->child[1] = right;
    set_count(node, 2);
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
    uint64_t key = key_of(tree, entry);
    move_cursor(tree, key);
    const Path *path = &tree->cursor;
    uint32_t level = tree->levels - 1;
    uint32_t right = insert_at(tree, path->node[level], path->slot[level], key, NONE);
    tree->cursor_valid = right == NONE; /* a split moved keys the path led to */
    for (; level > 0; level--) {
        uint32_t parent = path->node[level - 1], slot = path->slot[level - 1];
        bool changed = refresh_first_key(tree, parent, slot);
        if (right == NONE && !changed)
            return;
        if (right != NONE)
            right = insert_at(tree, parent, slot + 1, node_at(tree, right)->key[0], right);
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
        set_count(left, left->count + n);
        move_entries(right, n, 0);
    } else {
        uint32_t n = left->count - target;
        move_entries(right, 0, n);
        copy_entries(right, 0, left, target, n);
        set_count(left, target);
    }
}

/* Mends the parent's child at `slot`, which has too few keys, together
 * with a neighbour: merged into one node if they fit, else shared evenly. */
static void rebalance(FreeTree *tree, uint32_t parent, uint32_t slot)
{
    FreeTreeNode *above = node_at(tree, parent);
    uint32_t first = slot > 0 ? slot - 1 : slot;
    uint32_t left = above->child[first], right = above->child[first + 1];
    FreeTreeNode *left_node = node_at(tree, left), *right_node = node_at(tree, right);
    if (left_node->count + right_node->count <= FREE_TREE_FANOUT) {
        copy_entries(left_node, left_node->count, right_node, 0, right_node->count);
        set_count(left_node, left_node->count + right_node->count);
        give_back_node(tree, right);
        remove_at(above, first + 1);
    } else {
        share(left_node, right_node);
        refresh_first_key(tree, parent, first + 1);
    }
    refresh_first_key(tree, parent, first);
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

void free_tree_remove(FreeTree *tree, FreeTreeEntry entry)
{
    move_cursor(tree, key_of(tree, entry));
    const Path *path = &tree->cursor;
    uint32_t level = tree->levels - 1;
    FreeTreeNode *leaf = node_at(tree, path->node[level]);
    remove_at(leaf, path->slot[level]);
    tree->count--;
    /* The cursor now points at the next key, unless the leaf must merge or
     * share (or was the root and is now empty). */
    tree->cursor_valid = leaf->count >= FREE_TREE_MIN_FILL || (level == 0 && leaf->count > 0);
    for (; level > 0; level--) {
        uint32_t parent = path->node[level - 1], slot = path->slot[level - 1];
        bool underfull = node_at(tree, path->node[level])->count < FREE_TREE_MIN_FILL;
        if (underfull)
            rebalance(tree, parent, slot);
        else if (!refresh_first_key(tree, parent, slot))
            return;
    }
    shrink_root(tree);
}

/* ---- searches ----------------------------------------------------------- */

bool free_tree_contains(const FreeTree *tree, FreeTreeEntry entry)
{
    if (tree->root == NONE || !has_key(tree, entry))
        return false;
    uint64_t key = key_of(tree, entry);
    Path path;
    descend(tree, key, &path);
    const FreeTreeNode *leaf = node_at(tree, path.node[tree->levels - 1]);
    uint32_t i = path.slot[tree->levels - 1];
    return i < leaf->count && leaf->key[i] == key;
}

/* Moves the cursor, which has run off the end of its leaf, to the first key
 * of the next leaf: up to the nearest branch with a child to the right,
 * then down that child's left edge. False if the cursor's leaf is the last. */
static bool cursor_to_next_leaf(FreeTree *tree)
{
    Path *path = &tree->cursor;
    uint32_t level = tree->levels - 1;
    while (level > 0 && path->slot[level - 1] + 1 == node_at(tree, path->node[level - 1])->count)
        level--;
    if (level == 0)
        return false;
    path->slot[level - 1]++;
    for (; level < tree->levels; level++) {
        path->node[level] = node_at(tree, path->node[level - 1])->child[path->slot[level - 1]];
        path->slot[level] = 0;
    }
    return true;
}

bool free_tree_first_fit(FreeTree *tree, uint64_t size, FreeTreeEntry *found)
{
    uint64_t size_units = (size >> tree->unit_shift) + ((size & low_bits(tree->unit_shift)) != 0);
    if (tree->root == NONE || size_units > tree->region_units)
        return false; /* larger than the region */
    move_cursor(tree, size_units << tree->offset_bits); /* the lowest key of that size */
    if (tree->cursor.slot[tree->levels - 1] == cursor_leaf(tree)->count &&
        !cursor_to_next_leaf(tree))
        return false;
    *found = entry_of(tree, cursor_leaf(tree)->key[tree->cursor.slot[tree->levels - 1]]);
    return true;
}

uint64_t free_tree_largest(const FreeTree *tree)
{
    if (tree->root == NONE)
        return 0;
    const FreeTreeNode *node = node_at(tree, tree->root);
    while (!node->is_leaf)
        node = node_at(tree, node->child[node->count - 1]);
    return entry_of(tree, node->key[node->count - 1]).size;
}

/* ---- checking ----------------------------------------------------------- */

typedef struct {
    uint64_t problems;
    uint64_t entries;
    uint32_t nodes;
    bool has_previous;
    uint64_t previous;           /* the last key seen, in order */
} TreeAudit;

static void audit_leaf(const FreeTree *tree, uint32_t at, TreeAudit *audit)
{
    const FreeTreeNode *leaf = node_at(tree, at);
    for (uint32_t i = 0; i < leaf->count; i++) {
        if (audit->has_previous && audit->previous >= leaf->key[i])
            audit->problems++;
        audit->previous = leaf->key[i];
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
    audit->problems += node->key[node->count] != END_KEY; /* every scan relies on it */
    if (node->is_leaf) {
        audit_leaf(tree, at, audit);
        return;
    }
    for (uint32_t i = 0; i < node->count; i++) {
        uint32_t child = node->child[i];
        if (child == NONE || child >= tree->high_mark) {
            audit->problems++;
            continue;
        }
        audit->problems += node->key[i] != node_at(tree, child)->key[0];
        audit_node(tree, child, level + 1, audit);
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
    const FreeTreeNode *leaf = cursor_leaf(tree);
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
