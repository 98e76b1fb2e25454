/*
 * free_tree.h - an ordered index of free blocks (internal to alloc/).
 *
 * A treap: a binary search tree on (key, tiebreak) that is also a max-heap on
 * random priorities, so its depth is O(log n) with high probability. Every
 * node also keeps the largest block size in each child's subtree, which turns
 * "the lowest address with size >= s" into one walk down the tree that reads
 * one node (one 64-byte cache line) per level.
 *
 * A heap keeps two of them: by address (key = offset, tiebreak = 0) for first
 * fit, next fit and worst fit, and by size (key = size, tiebreak = offset) for
 * best fit. Nodes live in a growable pool; index 0 is the empty tree.
 */
#ifndef HEAPVIZ_FREE_TREE_H
#define HEAPVIZ_FREE_TREE_H

#include <stdbool.h>
#include <stdint.h>

#define FREE_TREE_NONE 0u

typedef struct {
    _Alignas(64) uint64_t key;   /* offset (address tree) or size (size tree) */
    uint64_t tiebreak;           /* 0 (address tree) or offset (size tree) */
    uint64_t size;               /* block size, bytes */
    uint64_t left_max;           /* largest size in the left subtree, 0 if none */
    uint64_t right_max;          /* largest size in the right subtree, 0 if none */
    uint32_t left, right, parent;
    uint32_t priority;
} FreeTreeNode;                  /* exactly one cache line */

typedef struct {
    FreeTreeNode *nodes;         /* nodes[0] is the all-zero "none" node */
    uint32_t capacity;           /* nodes allocated */
    uint32_t high_mark;          /* nodes ever handed out, plus node 0 */
    uint32_t free_list;          /* released nodes, linked through .left */
    uint32_t root;
    uint32_t count;              /* nodes in the tree */
    uint64_t random_state;       /* for priorities; fixed seed, so runs repeat */
} FreeTree;

bool free_tree_init(FreeTree *tree);
void free_tree_release(FreeTree *tree);
bool free_tree_copy(FreeTree *target, const FreeTree *source);

/* Empties the tree, keeping its memory. */
void free_tree_clear(FreeTree *tree);

/* Makes room for `needed` nodes (the slow path of free_tree_reserve). */
bool free_tree_grow(FreeTree *tree, uint64_t needed);

/* Ensures `extra` more inserts will not need to allocate. */
static inline bool free_tree_reserve(FreeTree *tree, uint32_t extra)
{
    uint64_t needed = (uint64_t)tree->count + extra + 1; /* + the "none" node */
    return needed <= tree->capacity || free_tree_grow(tree, needed);
}

/* Adds a node; the caller has reserved room. Returns its index. */
uint32_t free_tree_insert(FreeTree *tree, uint64_t key, uint64_t tiebreak, uint64_t size);

void free_tree_remove(FreeTree *tree, uint32_t node);

/* Changes a node's key and size. The caller guarantees the node keeps its
 * place in the order (no other key lies between the old and the new key). */
void free_tree_update(FreeTree *tree, uint32_t node, uint64_t key, uint64_t size);

/* The node with exactly this key and tiebreak, or FREE_TREE_NONE. */
uint32_t free_tree_find(const FreeTree *tree, uint64_t key, uint64_t tiebreak);

/* The node with the largest key <= key, or FREE_TREE_NONE. */
uint32_t free_tree_floor(const FreeTree *tree, uint64_t key);

/* The smallest (key, tiebreak) >= the given pair, or FREE_TREE_NONE. */
uint32_t free_tree_lower_bound(const FreeTree *tree, uint64_t key, uint64_t tiebreak);

/* The lowest-keyed node with size >= size, or FREE_TREE_NONE. */
uint32_t free_tree_first_fit(const FreeTree *tree, uint64_t size);

/* The lowest-keyed node with key >= from and size >= size, or FREE_TREE_NONE. */
uint32_t free_tree_first_fit_from(const FreeTree *tree, uint64_t from, uint64_t size);

/* The largest size in the tree, 0 if empty. */
uint64_t free_tree_largest(const FreeTree *tree);

/* In-order iteration: the first node, then each next one (FREE_TREE_NONE at the end). */
uint32_t free_tree_first(const FreeTree *tree);
uint32_t free_tree_next(const FreeTree *tree, uint32_t node);

/* Counts broken tree invariants: order, parent links, heap order, max sizes, count. */
uint64_t free_tree_problems(const FreeTree *tree);

#endif
