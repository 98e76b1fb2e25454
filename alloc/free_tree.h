/*
 * free_tree.h - best fit's free blocks in size order (internal to alloc/).
 *
 * A B+ tree of (size, offset) pairs, ordered by size and then by offset, so
 * the first pair whose size is >= s is the best fit for s: the smallest block
 * that fits, the lowest-addressed of equals. Each branch keeps, for each
 * child, the first pair below it, which is all a walk needs to go straight to
 * a pair. With up to FREE_TREE_FANOUT pairs per node the tree is shallow
 * (four levels for 5,000 free blocks), and a search reads a handful of nodes
 * where a binary tree would read a dozen. (The other policies keep their
 * free blocks by address, in address_index.h.)
 * Nodes live in a growable pool; index 0 is "no node".
 */
#ifndef HEAPVIZ_FREE_TREE_H
#define HEAPVIZ_FREE_TREE_H

#include <stdbool.h>
#include <stdint.h>

#define FREE_TREE_NONE 0u

enum {
    FREE_TREE_FANOUT = 16,      /* most pairs (or children) in a node */
    FREE_TREE_MIN_FILL = 4,      /* fewest in any node but the root */
    FREE_TREE_MAX_LEVELS = 24    /* at 4 children a branch, 2^36 pairs need 19 */
};

/* One free block as the tree sees it. */
typedef struct {
    uint64_t size;               /* block size, bytes: the key */
    uint64_t offset;             /* block start: tells equal sizes apart */
} FreeTreeEntry;

/* A leaf holds pairs in order; a branch holds, for each child, the child's
 * first pair. */
typedef struct {
    _Alignas(64) FreeTreeEntry entry[FREE_TREE_FANOUT];
    uint32_t child[FREE_TREE_FANOUT];    /* branches only */
    uint32_t count;                      /* pairs or children in use */
    bool is_leaf;
} FreeTreeNode;

/* The nodes from the root down to a leaf, and the position taken in each:
 * a child index in a branch, a pair position in the leaf. */
typedef struct {
    uint32_t node[FREE_TREE_MAX_LEVELS];
    uint32_t slot[FREE_TREE_MAX_LEVELS];
} FreeTreePath;

typedef struct {
    FreeTreeNode *nodes;         /* nodes[0] is unused: index 0 means "no node" */
    uint32_t capacity;           /* nodes allocated */
    uint32_t high_mark;          /* nodes ever handed out, plus node 0 */
    uint32_t free_list;          /* released nodes, linked through child[0] */
    uint32_t nodes_in_use;
    uint32_t root;
    uint32_t levels;             /* 0 for the empty tree, 1 for a lone leaf */
    uint64_t count;              /* pairs */
    /* The cursor: a path to the pair last found, inserted (or the one after
     * the pair last removed), kept while the nodes on it stay put. The
     * change that follows a search, and a change near the last one, start
     * from it instead of from the root. */
    FreeTreePath cursor;
    bool cursor_valid;
} FreeTree;

/* An empty tree. Pairs may share sizes; no two share an offset. */
bool free_tree_init(FreeTree *tree);
void free_tree_release(FreeTree *tree);
bool free_tree_copy(FreeTree *target, const FreeTree *source);

/* Empties the tree, keeping its memory. */
void free_tree_clear(FreeTree *tree);

/* Makes room for `needed` nodes (the slow path of free_tree_reserve). */
bool free_tree_grow(FreeTree *tree, uint64_t needed);

/* Ensures `inserts` more inserts will not need to allocate: each may split
 * one node per level and add a root (and so a level for the next one). */
static inline bool free_tree_reserve(FreeTree *tree, uint32_t inserts)
{
    uint64_t per_insert = (uint64_t)tree->levels + inserts + 1;
    uint64_t needed = tree->nodes_in_use + inserts * per_insert + 1; /* + node 0 */
    return needed <= tree->capacity || free_tree_grow(tree, needed);
}

/* Adds a pair that is not in the tree; the caller has reserved room. */
void free_tree_insert(FreeTree *tree, FreeTreeEntry entry);

/* Removes this pair, which must be in the tree. */
void free_tree_remove(FreeTree *tree, FreeTreeEntry entry);

/* Whether the tree holds this pair. */
bool free_tree_contains(const FreeTree *tree, FreeTreeEntry entry);

/* The first pair in order with size >= size (the best fit); false if there
 * is none. It only reads the tree, apart from moving the cursor onto what it
 * found. */
bool free_tree_first_fit(FreeTree *tree, uint64_t size, FreeTreeEntry *found);

/* The largest size in the tree (its last pair's), 0 if empty. */
uint64_t free_tree_largest(const FreeTree *tree);

/* Counts broken tree invariants: order, each branch's first pairs, fill,
 * equal depth, count, and a cursor that is not a path from the root to a leaf. */
uint64_t free_tree_problems(const FreeTree *tree);

#endif
