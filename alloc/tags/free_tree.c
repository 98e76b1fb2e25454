/*
 * free_tree.c - B+ trees of 64-bit keys, (size, offset) in alignment units,
 * one per size class, that keep each child's first key in its parent (see
 * free_tree.h).
 *
 * A key's class comes from its size alone, and every function below works
 * in the tree of one class (a FreeTreeClass: its root and depth); only the
 * searches for a fit and for the largest block step from class to class,
 * through the bitmap of classes that hold a block.
 *
 * Every change finds its leaf, remembering the path from the root, and
 * then climbs back up it, fixing each level before its parent:
 *  - an insert into a full node first splits it in two, and the new right
 *    half goes up to the parent as one more child;
 *  - a removal that leaves a node with fewer than FREE_TREE_MIN_FILL keys
 *    merges it with a neighbour, or, when both would not fit in one node,
 *    shares their keys evenly;
 *  - a parent's copy of the first key of the child on the path is
 *    rewritten; that copy changes only when the first key of a first child
 *    does, so the climb usually stops at once.
 * The root is the one node allowed to be small; a branch root left with a
 * single child gives way to it. All leaves of a tree are at the same depth.
 * Most classes' trees are a single leaf, so a walk from the root is short.
 */
#include "free_tree.h"

#include <stdlib.h>
#include <string.h>

#define NONE FREE_TREE_NONE

enum { FREE_TREE_MIN_CAPACITY = 16 };

/* The nodes from a class's root down to a leaf, and the position taken in
 * each: a child index in a branch, a key position in the leaf. */
typedef struct {
    uint32_t node[FREE_TREE_MAX_LEVELS];
    uint32_t slot[FREE_TREE_MAX_LEVELS];
} Path;
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

/* ---- classes ------------------------------------------------------------ */

uint32_t free_tree_class_of(uint64_t size_units)
{
    if (size_units < FREE_TREE_EXACT_CLASSES)
        return (uint32_t)size_units;
    unsigned power = 63u - (unsigned)__builtin_clzll(size_units); /* >= EXACT_BITS */
    uint64_t split = (size_units >> (power - FREE_TREE_SPLIT_BITS)) & (FREE_TREE_SPLITS - 1);
    return FREE_TREE_EXACT_CLASSES + (power - FREE_TREE_EXACT_BITS) * FREE_TREE_SPLITS +
           (uint32_t)split;
}

static uint32_t class_of_key(const FreeTree *tree, uint64_t key)
{
    return free_tree_class_of(key >> tree->offset_bits);
}

/* Notes whether class `index` holds a block. */
static void set_class_bit(FreeTree *tree, uint32_t index, bool holds)
{
    uint64_t bit = UINT64_C(1) << (index % 64);
    if (holds)
        tree->nonempty[index / 64] |= bit;
    else
        tree->nonempty[index / 64] &= ~bit;
}

static bool class_holds(const FreeTree *tree, uint32_t index)
{
    return (tree->nonempty[index / 64] >> (index % 64)) & 1;
}

/* The first class from `index` on that holds a block; FREE_TREE_CLASSES if none. */
static uint32_t next_class(const FreeTree *tree, uint32_t index)
{
    if (index >= FREE_TREE_CLASSES)
        return FREE_TREE_CLASSES;
    uint32_t word = index / 64;
    uint64_t bits = tree->nonempty[word] & (~UINT64_C(0) << (index % 64));
    while (bits == 0) {
        if (++word == FREE_TREE_CLASS_WORDS)
            return FREE_TREE_CLASSES;
        bits = tree->nonempty[word];
    }
    return word * 64 + (uint32_t)__builtin_ctzll(bits);
}

/* The last class that holds a block; FREE_TREE_CLASSES if none does. */
static uint32_t last_class(const FreeTree *tree)
{
    for (uint32_t word = FREE_TREE_CLASS_WORDS; word-- > 0;)
        if (tree->nonempty[word])
            return word * 64 + 63u - (uint32_t)__builtin_clzll(tree->nonempty[word]);
    return FREE_TREE_CLASSES;
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

/* Walks from the root of a class's (non-empty) tree to the leaf where `key`
 * is or belongs; the leaf's slot is the first key not below it. */
static inline void descend(const FreeTree *tree, const FreeTreeClass *class, uint64_t key, Path *path)
{
    uint32_t at = class->root;
    for (uint32_t level = 0; level + 1 < class->levels; level++) {
        const FreeTreeNode *node = node_at(tree, at);
        path->node[level] = at;
        path->slot[level] = route(node, key);
        at = node->child[path->slot[level]];
    }
    path->node[class->levels - 1] = at;
    path->slot[class->levels - 1] = count_below(node_at(tree, at), key);
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
    target->nodes = nodes;
    return true;
}

void free_tree_clear(FreeTree *tree)
{
    memset(&tree->nodes[0], 0, sizeof tree->nodes[0]);
    tree->high_mark = 1;
    tree->free_list = NONE;
    tree->nodes_in_use = 0;
    tree->tallest = 0;
    tree->count = 0;
    memset(tree->nonempty, 0, sizeof tree->nonempty);
    memset(tree->classes, 0, sizeof tree->classes); /* every root NONE */
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

/* Moves a node's keys [from, count) to start at `to` (either way). The keys
 * are copied in a loop, not by memmove: most moves are of a few keys (most
 * classes hold a handful of blocks), where the call costs more than the copy;
 * memmove above 8 keys cost more instructions even at 100k live blocks. */
static void move_entries(FreeTreeNode *node, uint32_t from, uint32_t to)
{
    uint32_t n = node->count - from;
    if (to > from) {
        for (uint32_t i = n; i-- > 0;)
            node->key[to + i] = node->key[from + i];
    } else {
        for (uint32_t i = 0; i < n; i++)
            node->key[to + i] = node->key[from + i];
    }
    if (!node->is_leaf) /* a leaf's children are unused */
        memmove(&node->child[to], &node->child[from], n * sizeof node->child[0]);
    set_count(node, to + n);
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
static inline uint32_t insert_at(FreeTree *tree, uint32_t index, uint32_t at, uint64_t key,
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

/* Puts a branch above a class's old root and the half split off it. */
static void grow_root(FreeTree *tree, FreeTreeClass *class, uint32_t right)
{
    uint32_t left = class->root;
    uint32_t root = take_node(tree, false);
    FreeTreeNode *node = node_at(tree, root);
    node->key[0] = node_at(tree, left)->key[0];
    node->child[0] = left;
    node->key[1] = node_at(tree, right)->key[0];
    node->child[1] = right;
    set_count(node, 2);
    class->root = root;
    class->levels++;
    if (class->levels > tree->tallest)
        tree->tallest = class->levels;
}

/* Gives a class its first tree: one empty leaf, which stays when the
 * class empties again (sizes come back), until the tree is cleared. */
static void plant(FreeTree *tree, uint32_t index)
{
    FreeTreeClass *class = &tree->classes[index];
    class->root = take_node(tree, true);
    class->levels = 1;
    if (tree->tallest == 0)
        tree->tallest = 1;
}

/* Files `key` in class `index`'s tree, of any shape. */
__attribute__((noinline)) static void insert_in_class(FreeTree *tree, uint32_t index, uint64_t key)
{
    FreeTreeClass *class = &tree->classes[index];
    if (class->root == NONE)
        plant(tree, index);
    Path path;
    descend(tree, class, key, &path);
    uint32_t level = class->levels - 1;
    uint32_t right = insert_at(tree, path.node[level], path.slot[level], key, NONE);
    for (; level > 0; level--) {
        uint32_t parent = path.node[level - 1], slot = path.slot[level - 1];
        bool changed = refresh_first_key(tree, parent, slot);
        if (right == NONE && !changed)
            return;
        if (right != NONE)
            right = insert_at(tree, parent, slot + 1, node_at(tree, right)->key[0], right);
    }
    if (right != NONE)
        grow_root(tree, class, right);
}

/* Most classes' trees are a lone leaf with room: that case is handled here,
 * without a path (and without the registers the general case saves). */
void free_tree_insert(FreeTree *tree, FreeTreeEntry entry)
{
    uint64_t key = key_of(tree, entry);
    uint32_t index = class_of_key(tree, key);
    const FreeTreeClass *class = &tree->classes[index];
    tree->count++;
    set_class_bit(tree, index, true);
    if (class->levels == 1) {
        FreeTreeNode *leaf = node_at(tree, class->root);
        if (leaf->count < FREE_TREE_FANOUT) {
            insert_at(tree, class->root, count_below(leaf, key), key, NONE);
            return;
        }
    }
    insert_in_class(tree, index, key);
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

/* Drops a class's branch root left with one child. */
static void shrink_root(FreeTree *tree, uint32_t index)
{
    FreeTreeClass *class = &tree->classes[index];
    uint32_t root = class->root;
    const FreeTreeNode *node = node_at(tree, root);
    if (!node->is_leaf && node->count == 1) {
        class->root = node->child[0];
        class->levels--;
        give_back_node(tree, root);
    }
}

/* Takes `key` out of class `index`'s tree, of any shape. */
__attribute__((noinline)) static void remove_from_class(FreeTree *tree, uint32_t index, uint64_t key)
{
    Path path;
    descend(tree, &tree->classes[index], key, &path);
    uint32_t level = tree->classes[index].levels - 1;
    remove_at(node_at(tree, path.node[level]), path.slot[level]);
    for (; level > 0; level--) {
        uint32_t parent = path.node[level - 1], slot = path.slot[level - 1];
        bool underfull = node_at(tree, path.node[level])->count < FREE_TREE_MIN_FILL;
        if (underfull)
            rebalance(tree, parent, slot);
        else if (!refresh_first_key(tree, parent, slot))
            return;
    }
    shrink_root(tree, index);
}

/* As free_tree_insert: a lone leaf is handled here, and when it empties,
 * it stays, and the class's bit says it holds nothing. */
void free_tree_remove(FreeTree *tree, FreeTreeEntry entry)
{
    uint64_t key = key_of(tree, entry);
    uint32_t index = class_of_key(tree, key);
    const FreeTreeClass *class = &tree->classes[index];
    tree->count--;
    if (class->levels == 1) {
        FreeTreeNode *leaf = node_at(tree, class->root);
        remove_at(leaf, count_below(leaf, key));
        if (leaf->count == 0)
            set_class_bit(tree, index, false);
        return;
    }
    remove_from_class(tree, index, key);
}

/* ---- searches ----------------------------------------------------------- */

bool free_tree_contains(const FreeTree *tree, FreeTreeEntry entry)
{
    if (!has_key(tree, entry))
        return false;
    uint64_t key = key_of(tree, entry);
    const FreeTreeClass *class = &tree->classes[class_of_key(tree, key)];
    if (class->root == NONE)
        return false;
    Path path;
    descend(tree, class, key, &path);
    const FreeTreeNode *leaf = node_at(tree, path.node[class->levels - 1]);
    uint32_t i = path.slot[class->levels - 1];
    return i < leaf->count && leaf->key[i] == key;
}

/* The first key of size >= size_units in the tree of a class that holds
 * a block, or END_KEY if it holds none that large: in the leaf where the
 * lowest key of that size belongs, else the first key of the next leaf (the
 * first of the nearest subtree to the right). */
static uint64_t fit_in_class(const FreeTree *tree, const FreeTreeClass *class, uint64_t size_units)
{
    uint64_t lowest = size_units << tree->offset_bits; /* the lowest key of that size */
    if (class->levels == 1) { /* a lone leaf: its END_KEY answers "none" */
        const FreeTreeNode *leaf = node_at(tree, class->root);
        return leaf->key[count_below(leaf, lowest)];
    }
    Path path;
    descend(tree, class, lowest, &path);
    uint32_t level = class->levels - 1;
    const FreeTreeNode *leaf = node_at(tree, path.node[level]);
    if (path.slot[level] < leaf->count)
        return leaf->key[path.slot[level]];
    while (level > 0 && path.slot[level - 1] + 1 == node_at(tree, path.node[level - 1])->count)
        level--;
    if (level == 0)
        return END_KEY; /* the leaf was the tree's last */
    const FreeTreeNode *parent = node_at(tree, path.node[level - 1]);
    return parent->key[path.slot[level - 1] + 1]; /* a branch keeps each child's first key */
}

bool free_tree_first_fit(const FreeTree *tree, uint64_t size, FreeTreeEntry *found)
{
    uint64_t size_units = (size >> tree->unit_shift) + ((size & low_bits(tree->unit_shift)) != 0);
    if (tree->count == 0 || size_units > tree->region_units)
        return false; /* larger than the region */
    uint32_t index = free_tree_class_of(size_units);
    uint64_t key = class_holds(tree, index) ? fit_in_class(tree, &tree->classes[index], size_units)
                                            : END_KEY;
    if (key == END_KEY) {
        index = next_class(tree, index + 1); /* all of whose blocks fit */
        if (index == FREE_TREE_CLASSES)
            return false;
        key = node_at(tree, tree->classes[index].root)->key[0]; /* a root keeps its first key */
    }
    *found = entry_of(tree, key);
    return true;
}

uint64_t free_tree_largest(const FreeTree *tree)
{
    uint32_t index = last_class(tree);
    if (index == FREE_TREE_CLASSES)
        return 0;
    const FreeTreeNode *node = node_at(tree, tree->classes[index].root);
    while (!node->is_leaf)
        node = node_at(tree, node->child[node->count - 1]);
    return entry_of(tree, node->key[node->count - 1]).size;
}

/* ---- checking ----------------------------------------------------------- */

typedef struct {
    uint64_t problems;
    uint64_t entries;
    uint32_t nodes;
    uint32_t class_index;        /* the class whose tree is being walked */
    uint32_t levels;             /* its levels */
    bool has_previous;
    uint64_t previous;           /* the last key seen, in order over all classes */
} TreeAudit;

static void audit_leaf(const FreeTree *tree, uint32_t at, TreeAudit *audit)
{
    const FreeTreeNode *leaf = node_at(tree, at);
    for (uint32_t i = 0; i < leaf->count; i++) {
        if (audit->has_previous && audit->previous >= leaf->key[i])
            audit->problems++;
        audit->problems += class_of_key(tree, leaf->key[i]) != audit->class_index;
        audit->previous = leaf->key[i];
        audit->has_previous = true;
    }
    audit->entries += leaf->count;
}

static void audit_node(const FreeTree *tree, uint32_t at, uint32_t level, TreeAudit *audit)
{
    const FreeTreeNode *node = node_at(tree, at);
    bool is_root = level == 0;
    uint32_t least = is_root ? (node->is_leaf ? 0 : 2) : FREE_TREE_MIN_FILL;
    audit->nodes++;
    if (at >= tree->high_mark || node->count > FREE_TREE_FANOUT || node->count < least ||
        node->is_leaf != (level + 1 == audit->levels) || audit->nodes > tree->nodes_in_use) {
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

/* A class's tree, and whether its bit in the bitmap says it holds blocks. */
static void audit_class(const FreeTree *tree, uint32_t index, TreeAudit *audit)
{
    const FreeTreeClass *class = &tree->classes[index];
    bool marked = class_holds(tree, index);
    if (class->root == NONE) {
        audit->problems += (class->levels != 0) + marked;
        return;
    }
    if (class->root >= tree->high_mark || class->levels == 0 || class->levels > tree->tallest ||
        class->levels > FREE_TREE_MAX_LEVELS) {
        audit->problems++;
        return;
    }
    bool holds = class->levels > 1 || node_at(tree, class->root)->count > 0;
    audit->problems += marked != holds;
    audit->class_index = index;
    audit->levels = class->levels;
    audit_node(tree, class->root, 0, audit);
}

uint64_t free_tree_problems(const FreeTree *tree)
{
    TreeAudit audit = { 0 };
    for (uint32_t index = 0; index < FREE_TREE_CLASSES; index++)
        audit_class(tree, index, &audit);
    for (uint32_t bit = FREE_TREE_CLASSES; bit < FREE_TREE_CLASS_WORDS * 64; bit++)
        audit.problems += (tree->nonempty[bit / 64] >> (bit % 64)) & 1; /* no such class */
    audit.problems += audit.entries != tree->count;
    audit.problems += audit.nodes != tree->nodes_in_use;
    return audit.problems;
}
