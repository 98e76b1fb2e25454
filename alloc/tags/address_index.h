/*
 * address_index.h - the free blocks of an address-ordered policy (first,
 * next and worst fit), indexed by where they start (internal to alloc/).
 *
 * The region is cut into slots of A bytes (every block starts on one), and
 * the slots into groups of 64 slots a bitmap word, one to eight words as the
 * heap chooses when it makes the index. One bit per slot says
 * "a free block in the index starts here"; each group keeps the largest size
 * of the blocks starting in it, and a tree of maxima with ADDRESS_INDEX_FANOUT
 * children a node sits above the groups. The tree is implicit: its shape is
 * fixed by the region size when the heap is made, so inserts and removals
 * never split or merge nodes, and nothing is allocated after creation.
 *
 * The tree in use grows with the blocks: it starts as one group (its own
 * root) and gains a root above the old one whenever a block is filed in a
 * group the root does not cover, up to the levels the whole region needs.
 * So a heap whose blocks fill its bottom megabyte walks four levels, not the
 * seven of a 256 MiB region. The levels above the root stay zero.
 *
 * Each group also keeps its second largest size (the largest once one block
 * of the largest size is left out; 0 for fewer than two blocks), or
 * ADDRESS_INDEX_UNKNOWN when a change has lost track of it. A block that
 * leaves a group as its largest then hands the group the second: the group's
 * headers are read again only when the second is unknown. Filing a new
 * largest block makes the old largest the second, so a group whose largest
 * block is taken and filed in turn (a free and a malloc of the same size)
 * reads no headers.
 *
 * Block sizes are not stored twice: the index reads them from the blocks'
 * headers in the arena, so the heap writes a free block's tags before it
 * files the block and keeps them until it takes the block out.
 *
 * Cost: a change or a search climbs or descends the tree, O(log(W / A)) for
 * blocks that reach W bytes up the region, and looks at the blocks of one or
 * two groups (at most half a group's slots are free blocks, since free
 * blocks never touch). The memory, per group: its bitmap words, its largest
 * and second largest sizes and (ranks on) its count, and a fifteenth of
 * that for the levels above; at A = 8, about one byte per 40 bytes of arena
 * with groups of four words, one per 16 with groups of one.
 *
 * Ranks (how many blocks start below an offset) are optional: a heap that
 * counts the blocks its searches examine turns them on, and then every node
 * of the tree below the root, groups included, also keeps how many blocks
 * start below it (the root's would be `count`, and no walk reads it).
 * A change adds one to a node's count at each level; a rank adds the counts
 * of the earlier siblings at each level (at most FANOUT - 1 a level) and the
 * bits below the offset in its group: O(log(W / A)) either way. A heap that
 * does not count pays one untaken branch.
 */
#ifndef HEAPVIZ_ADDRESS_INDEX_H
#define HEAPVIZ_ADDRESS_INDEX_H

#include <stdbool.h>
#include <stdint.h>

enum {
    ADDRESS_INDEX_FANOUT = 16,                                   /* 16 maxima: two cache lines */
    ADDRESS_INDEX_MAX_LEVELS = 24,
    ADDRESS_INDEX_MAX_GROUP_WORDS = 8
};

#define ADDRESS_INDEX_NONE UINT64_MAX
#define ADDRESS_INDEX_UNKNOWN UINT64_MAX /* a second largest size not known */

typedef struct {
    const uint8_t *arena;        /* block headers are read from here */
    uint64_t base;               /* b0: slot 0's offset */
    unsigned slot_shift;         /* log2(A) */
    unsigned group_shift;        /* log2(slots a group): 6 + log2(its bitmap words) */
    uint64_t slots;              /* slots in the region */
    uint64_t *bits;              /* groups * (their bitmap words) words */
    uint64_t *maxima;            /* every level of the tree, groups first; each level
                                    padded with zeros to a whole number of families */
    uint64_t *level_max[ADDRESS_INDEX_MAX_LEVELS];  /* where each level starts in maxima */
    uint64_t *seconds;           /* each group's second largest size, or UNKNOWN; kept in
                                    the maxima's allocation, after the last level */
    uint64_t level_nodes[ADDRESS_INDEX_MAX_LEVELS]; /* nodes in each level (unpadded) */
    uint64_t maxima_count;       /* words in maxima's levels, padding included (the
                                    seconds follow them: level_nodes[0] words) */
    unsigned max_levels;         /* levels over the whole region; the last has one node */
    unsigned levels;             /* levels in use: level 0 is the groups, the root is
                                    node 0 of the last (see below) */
    uint64_t covered_groups;     /* the groups under that root: FANOUT^(levels - 1) */
    uint64_t count;              /* free blocks in the index */
    uint64_t *counts;            /* ranks on: how many blocks start below each node,
                                    laid out as maxima (level by level, padded);
                                    else NULL */
    uint64_t *level_count[ADDRESS_INDEX_MAX_LEVELS]; /* ranks on: where each level starts
                                                        in counts */
} AddressIndex;

/* An empty index over [base, base + region_bytes) with slots of `alignment`
 * bytes and groups of `group_words` bitmap words (a power of two, at most
 * ADDRESS_INDEX_MAX_GROUP_WORDS); false if host memory ran out. */
bool address_index_init(AddressIndex *index, const uint8_t *arena, uint64_t base,
                        uint64_t region_bytes, uint64_t alignment, unsigned group_words);
void address_index_release(AddressIndex *index);

/* Turns on ranks for an empty index; false if host memory ran out. */
bool address_index_enable_ranks(AddressIndex *index);

/* How many indexed blocks start below `offset`. Ranks must be on. */
uint64_t address_index_rank(const AddressIndex *index, uint64_t offset);

/* Makes `target` (made with the same region, alignment and groups) hold what
 * `source` holds, over `arena`. No block in `source` starts at or beyond
 * offset `source_end`, nor in `target` beyond `target_end`: the words over
 * the rest are zero in both and left untouched, so copying the index of a
 * huge, mostly unused region costs what is used. */
void address_index_copy(AddressIndex *target, const AddressIndex *source, uint64_t source_end,
                        uint64_t target_end);

/* Files the index's blocks, none of which starts at or beyond `end`, in
 * groups of `group_words` words instead (as address_index_init), reading
 * their headers: O(blocks + groups below end). False, and the index as it
 * was, if host memory ran out. */
bool address_index_regroup(AddressIndex *index, unsigned group_words, uint64_t end);

/* Empties the index, none of whose blocks starts at or beyond `end`. */
void address_index_clear(AddressIndex *index, uint64_t end);

/* Files the free block at `offset`, whose size is `size`. */
void address_index_insert(AddressIndex *index, uint64_t offset, uint64_t size);

/* Takes out the free block at `offset`, whose size is `size`. */
void address_index_remove(AddressIndex *index, uint64_t offset, uint64_t size);

/* The block at `offset` (indexed, of size `size`) now starts at `new_offset`
 * (which may be the same) and has `new_size` bytes; no other indexed block
 * starts between the two. Its new header need not be written yet. */
void address_index_move(AddressIndex *index, uint64_t offset, uint64_t size,
                        uint64_t new_offset, uint64_t new_size);

bool address_index_contains(const AddressIndex *index, uint64_t offset);

/* The lowest-addressed block of size >= size starting at or after `from`
 * (size 0: any block); ADDRESS_INDEX_NONE if there is none. A counting
 * search (ranks on, `passed` not NULL) adds to *passed how many blocks start
 * in [from, the answer), or from `from` on when there is none: the blocks a
 * walk in address order would examine and pass over. */
uint64_t address_index_first_fit(const AddressIndex *index, uint64_t from, uint64_t size,
                                 uint64_t *passed);

/* address_index_first_fit from the bottom of the region: the lowest block
 * of size >= size (size 0: any block), or NONE; a counting search adds the
 * blocks below the answer, or all of them when there is none. */
uint64_t address_index_lowest_fit(const AddressIndex *index, uint64_t size, uint64_t *passed);

/* The highest-addressed block starting at or before `offset`, or NONE. */
uint64_t address_index_floor(const AddressIndex *index, uint64_t offset);

/* The largest size in the index, 0 if it is empty. */
uint64_t address_index_largest(const AddressIndex *index);

/* Host bytes the index holds when none of its blocks starts at or beyond
 * `end`: the bitmap's pages past it are never touched and cost nothing. */
uint64_t address_index_memory_bytes(const AddressIndex *index, uint64_t end);

/* Counts bits that are not free-block headers in the arena and maxima that
 * disagree with the blocks below them. */
uint64_t address_index_problems(const AddressIndex *index);

#endif
