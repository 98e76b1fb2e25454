/*
 * free_tree.h - best fit's free blocks in size order (internal to alloc/).
 *
 * Free blocks ordered by size and then by offset, so the first block whose
 * size is >= s is the best fit for s: the smallest block that fits, the
 * lowest-addressed of equals. Each block is one 64-bit key, its size and
 * offset in alignment units side by side (size in the high bits), so that
 * order is plain integer order: one comparison per key, eight keys to a
 * cache line.
 *
 * The keys are split by size into classes, as TLSF splits its free lists:
 * each size below FREE_TREE_EXACT_CLASSES units has a class of its own, and
 * each doubling above that is cut into FREE_TREE_SPLITS classes. Each class
 * is its own B+ tree (all of them share one pool of nodes), and a bitmap
 * says which classes hold a block. Most requests are for a few small sizes,
 * so the class of a request usually holds blocks of exactly its size, in
 * one small tree (a single leaf, often): its first key is the best fit.
 * A request whose class has no fit takes the first key of the next class
 * that holds any, found in the bitmap. Changes touch one small tree.
 *
 * Each branch keeps, for each child, the child's first key, which is all a
 * walk needs to go straight to a key. With up to FREE_TREE_FANOUT keys per
 * node a tree is shallow (four levels for 5,000 free blocks of one class).
 * (The other policies keep their free blocks by address, in
 * address_index.h.) Nodes live in a growable pool; index 0 is "no node".
 */
#ifndef HEAPVIZ_FREE_TREE_H
#define HEAPVIZ_FREE_TREE_H

#include <stdbool.h>
#include <stdint.h>

#define FREE_TREE_NONE 0u

enum {
    FREE_TREE_FANOUT = 16,      /* most keys (or children) in a node */
    FREE_TREE_MIN_FILL = 4,      /* fewest in any node but the root */
    FREE_TREE_MAX_LEVELS = 24,   /* at 4 children a branch, 2^36 keys need 19 */
    FREE_TREE_EXACT_BITS = 7,    /* sizes below 2^7 units: a class per size */
    FREE_TREE_SPLIT_BITS = 4,    /* larger sizes: 2^4 classes per doubling */
    FREE_TREE_EXACT_CLASSES = 1 << FREE_TREE_EXACT_BITS,
    FREE_TREE_SPLITS = 1 << FREE_TREE_SPLIT_BITS,
    /* sizes stay below 2^32 units (free_tree_can_index): 25 doublings above */
    FREE_TREE_CLASSES = FREE_TREE_EXACT_CLASSES + (32 - FREE_TREE_EXACT_BITS) * FREE_TREE_SPLITS,
    FREE_TREE_CLASS_WORDS = (FREE_TREE_CLASSES + 63) / 64
};

/* One free block as callers see it. */
typedef struct {
    uint64_t size;               /* block size, bytes */
    uint64_t offset;             /* block start */
} FreeTreeEntry;

/* A leaf holds keys in order; a branch holds, for each child, the child's
 * first key. The slot after the last key in use holds a key above every
 * block's, so a scan for a key needs no bounds check. */
typedef struct {
    _Alignas(64) uint64_t key[FREE_TREE_FANOUT + 1];
    uint32_t child[FREE_TREE_FANOUT];    /* branches only */
    uint32_t count;                      /* keys or children in use */
    bool is_leaf;
} FreeTreeNode;

/* One class's tree. */
typedef struct {
    uint32_t root;               /* NONE until the class first holds a block; a
                                    class that empties keeps its (empty) leaf */
    uint32_t levels;             /* 0 for the empty tree, 1 for a lone leaf */
} FreeTreeClass;

typedef struct {
    FreeTreeNode *nodes;         /* nodes[0] is unused: index 0 means "no node" */
    uint32_t capacity;           /* nodes allocated */
    uint32_t high_mark;          /* nodes ever handed out, plus node 0 */
    uint32_t free_list;          /* released nodes, linked through child[0] */
    uint32_t nodes_in_use;
    uint32_t tallest;            /* the most levels a class's tree has had since
                                    the last clear (free_tree_reserve's bound) */
    uint32_t unused;             /* explicit, zeroed: no padding (a copy keeps every byte) */
    uint64_t count;              /* keys, in all classes */
    /* How a block becomes a key: offsets count alignment units from `base`
     * in the low `offset_bits` bits, sizes count units above them. */
    uint64_t base;
    uint64_t region_units;       /* the region's length in alignment units */
    unsigned unit_shift;         /* log2 of the alignment */
    unsigned offset_bits;
    uint64_t nonempty[FREE_TREE_CLASS_WORDS]; /* bit c: class c holds a block */
    FreeTreeClass classes[FREE_TREE_CLASSES];
} FreeTree;

/* The class of blocks of `size_units` alignment units (below 2^32). */
uint32_t free_tree_class_of(uint64_t size_units);

/* Whether blocks of a region of `span` bytes, `alignment` apart, make
 * 64-bit keys: the region must hold fewer than 2^32 alignment units. */
bool free_tree_can_index(uint64_t span, uint64_t alignment);

/* An empty tree for the blocks of the region [base, base + span), whose
 * offsets and sizes are multiples of `alignment` (a power of two) apart from
 * base; free_tree_can_index(span, alignment) must hold. */
bool free_tree_init(FreeTree *tree, uint64_t base, uint64_t span, uint64_t alignment);
void free_tree_release(FreeTree *tree);
bool free_tree_copy(FreeTree *target, const FreeTree *source);

/* Empties the tree, keeping its memory. */
void free_tree_clear(FreeTree *tree);

/* Makes room for `needed` nodes (the slow path of free_tree_reserve). */
bool free_tree_grow(FreeTree *tree, uint64_t needed);

/* Ensures `inserts` more inserts will not need to allocate: each may split
 * one node per level of the tallest tree and add a root (and so a level for
 * the next one). */
static inline bool free_tree_reserve(FreeTree *tree, uint32_t inserts)
{
    uint64_t per_insert = (uint64_t)tree->tallest + inserts + 1;
    uint64_t needed = tree->nodes_in_use + inserts * per_insert + 1; /* + node 0 */
    return needed <= tree->capacity || free_tree_grow(tree, needed);
}

/* Adds a block that is not in the tree; the caller has reserved room. */
void free_tree_insert(FreeTree *tree, FreeTreeEntry entry);

/* Removes this block, which must be in the tree. */
void free_tree_remove(FreeTree *tree, FreeTreeEntry entry);

/* Whether the tree holds this block (false for any pair that is not a
 * block of the region, such as one read from a forged header). */
bool free_tree_contains(const FreeTree *tree, FreeTreeEntry entry);

/* The first block in order with size >= size (the best fit); false if
 * there is none. */
bool free_tree_first_fit(const FreeTree *tree, uint64_t size, FreeTreeEntry *found);

/* The largest size in the tree (its last block's), 0 if empty. */
uint64_t free_tree_largest(const FreeTree *tree);

/* Counts broken tree invariants: order, each branch's first keys, fill,
 * equal depth, count, a key filed in another size's class, and a class bit
 * that disagrees with its tree. */
uint64_t free_tree_problems(const FreeTree *tree);

#endif
