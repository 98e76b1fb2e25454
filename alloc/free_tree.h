/*
 * free_tree.h - an ordered index of free blocks (internal to alloc/).
 *
 * A B+ tree of entries (key, tiebreak, size), ordered by (key, tiebreak).
 * Every branch keeps, for each child, the smallest entry key below it and the
 * largest size below it. The first lets a walk go straight to a key; the
 * second turns "the lowest-ordered entry with size >= s" into one walk from
 * the root that never turns back. With up to FREE_TREE_FANOUT entries per
 * node the tree is shallow (about 5 levels for 100,000 free blocks), so a
 * search reads a handful of nodes where a binary tree would read twenty.
 *
 * Best fit keeps its free blocks in one, by size (key = size, tiebreak =
 * offset), where the first entry of size >= s is the best fit: the smallest
 * that fits, the lowest-addressed of equals. (The other policies keep theirs
 * by address, in address_index.h.)
 * Nodes live in a growable pool; index 0 is "no node".
 */
#ifndef HEAPVIZ_FREE_TREE_H
#define HEAPVIZ_FREE_TREE_H

#include <stdbool.h>
#include <stdint.h>

#define FREE_TREE_NONE 0u

enum {
    FREE_TREE_FANOUT = 16,      /* most entries (or children) in a node */
    FREE_TREE_MIN_FILL = 4,      /* fewest in any node but the root */
    FREE_TREE_MAX_LEVELS = 24    /* at 4 children a branch, 2^36 entries need 19 */
};

/* One free block as the index sees it. */
typedef struct {
    uint64_t key;                /* offset (address order) or size (size order) */
    uint64_t tiebreak;           /* 0 (address order) or offset (size order) */
    uint64_t size;               /* block size, bytes */
} FreeTreeEntry;

/* A leaf holds entries; a branch holds one summary per child: the child's
 * smallest (key, tiebreak) and its largest size. */
typedef struct {
    _Alignas(64) uint64_t key[FREE_TREE_FANOUT];
    uint64_t tiebreak[FREE_TREE_FANOUT];
    uint64_t size[FREE_TREE_FANOUT];     /* block size, or the largest below the child */
    uint32_t child[FREE_TREE_FANOUT];    /* branches only */
    uint64_t largest;                    /* the largest of size[0, count) */
    uint32_t count;                      /* entries or children in use */
    bool is_leaf;
} FreeTreeNode;

/* The nodes from the root down to a leaf, and the position taken in each:
 * a child index in a branch, an entry position in the leaf. */
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
    uint64_t count;              /* entries */
    /* The cursor: a path to the entry last found, inserted, changed (or the
     * one after the entry last removed), kept while the nodes on it stay put.
     * The change that follows a search, and a change near the last one,
     * start from it instead of from the root. */
    FreeTreePath cursor;
    bool cursor_valid;
} FreeTree;

/* An empty tree. Entries may share keys; their tiebreaks tell them apart. */
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

/* Adds an entry whose (key, tiebreak) is not in the tree; the caller has
 * reserved room. */
void free_tree_insert(FreeTree *tree, FreeTreeEntry entry);

/* Removes the entry with this (key, tiebreak), which must be in the tree. */
void free_tree_remove(FreeTree *tree, uint64_t key, uint64_t tiebreak);

/* The entry with exactly this key and tiebreak; false if there is none. */
bool free_tree_find(const FreeTree *tree, uint64_t key, uint64_t tiebreak, FreeTreeEntry *found);

/* The first entry in order with size >= size; false if there is none. It
 * only reads the tree, apart from moving the cursor onto what it found. */
bool free_tree_first_fit(FreeTree *tree, uint64_t size, FreeTreeEntry *found);

/* The largest size in the tree, 0 if empty. */
uint64_t free_tree_largest(const FreeTree *tree);

/* Counts broken tree invariants: order, summaries, fill, equal depth, count,
 * and a cursor that is not a path from the root to a leaf. */
uint64_t free_tree_problems(const FreeTree *tree);

#endif
