/*
 * address_index.c - free blocks by start address: a bitmap of slots under an
 * implicit tree of maxima (see address_index.h).
 *
 * level_max[0][g] is the largest free block starting in group g; a node at
 * level l + 1 holds the largest of its FANOUT children at level l. Each level
 * is padded with zeros to whole families of FANOUT, so a family is always
 * read as sixteen words.
 * A search for "the first block of size >= s after here" looks at the rest
 * of its own group, then climbs while no later sibling is big enough, and
 * walks down the first sibling that is, always taking the first child big
 * enough: the answer is in the group it reaches.
 */
#include "address_index.h"

#include "tag_words.h"
#include "zeroed_memory.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NONE ADDRESS_INDEX_NONE
#define UNKNOWN ADDRESS_INDEX_UNKNOWN

enum {
    FANOUT = ADDRESS_INDEX_FANOUT
};

static uint64_t offset_of(const AddressIndex *index, uint64_t slot)
{
    return index->base + (slot << index->slot_shift);
}

static uint64_t slot_of(const AddressIndex *index, uint64_t offset)
{
    return (offset - index->base) >> index->slot_shift;
}

static uint64_t group_of(const AddressIndex *index, uint64_t slot)
{
    return slot >> index->group_shift;
}

static uint64_t first_slot_of(const AddressIndex *index, uint64_t group)
{
    return group << index->group_shift;
}

/* The group's first bitmap word; its words end at first_word_of(group + 1). */
static uint64_t first_word_of(const AddressIndex *index, uint64_t group)
{
    return first_slot_of(index, group) / 64;
}

/* The size in the header of the block that starts at `slot`, given where
 * slot 0 lies in the arena (arena + base): the scans keep that and the
 * shift in registers instead of reading them again for every block. */
static uint64_t size_at(const uint8_t *slot_zero, unsigned slot_shift, uint64_t slot)
{
    return tag_size(load_le(slot_zero + (slot << slot_shift), HEAP_TAG_BYTES));
}

static const uint8_t *slot_zero_of(const AddressIndex *index)
{
    return index->arena + index->base;
}

static uint64_t *node_max(const AddressIndex *index, unsigned level, uint64_t node)
{
    return &index->level_max[level][node];
}

/* A node's count of blocks (ranks on): at the same place in counts as its
 * maximum in maxima. */
static uint64_t *node_count(const AddressIndex *index, unsigned level, uint64_t node)
{
    return &index->level_count[level][node];
}

static bool slot_is_set(const AddressIndex *index, uint64_t slot)
{
    return (index->bits[slot / 64] >> (slot % 64)) & 1;
}

static void set_slot(AddressIndex *index, uint64_t slot)
{
    index->bits[slot / 64] |= UINT64_C(1) << (slot % 64);
}

static void clear_slot(AddressIndex *index, uint64_t slot)
{
    index->bits[slot / 64] &= ~(UINT64_C(1) << (slot % 64));
}

/* ---- lifetime ------------------------------------------------------------ */

bool address_index_init(AddressIndex *index, const uint8_t *arena, uint64_t base,
                        uint64_t region_bytes, uint64_t alignment, unsigned group_words)
{
    assert(group_words >= 1 && group_words <= ADDRESS_INDEX_MAX_GROUP_WORDS &&
           (group_words & (group_words - 1)) == 0);
    memset(index, 0, sizeof *index);
    index->arena = arena;
    index->base = base;
    while ((UINT64_C(1) << index->slot_shift) < alignment)
        index->slot_shift++;
    index->group_shift = 6;
    while ((UINT64_C(1) << (index->group_shift - 6)) < group_words)
        index->group_shift++;
    index->slots = region_bytes >> index->slot_shift;
    uint64_t group_slots = UINT64_C(1) << index->group_shift;
    uint64_t nodes = (index->slots + group_slots - 1) / group_slots, total = 0;
    if (nodes == 0)
        nodes = 1;
    uint64_t groups = nodes, first[ADDRESS_INDEX_MAX_LEVELS];
    for (;;) {
        first[index->max_levels] = total;
        index->level_nodes[index->max_levels] = nodes;
        index->max_levels++;
        total += (nodes + FANOUT - 1) / FANOUT * FANOUT;
        if (nodes == 1 || index->max_levels == ADDRESS_INDEX_MAX_LEVELS)
            break;
        nodes = (nodes + FANOUT - 1) / FANOUT;
    }
    index->maxima_count = total;
    index->bits = zeroed_memory_get(first_word_of(index, groups) * sizeof *index->bits);
    index->maxima = calloc(total + groups, sizeof *index->maxima); /* seconds: all 0, known */
    if (!index->bits || !index->maxima) {
        address_index_release(index);
        return false;
    }
    for (unsigned level = 0; level < index->max_levels; level++)
        index->level_max[level] = index->maxima + first[level];
    index->seconds = index->maxima + total;
    index->levels = 1;
    index->covered_groups = 1;
    return true;
}

bool address_index_enable_ranks(AddressIndex *index)
{
    index->counts = calloc(index->maxima_count, sizeof *index->counts);
    if (!index->counts)
        return false;
    for (unsigned level = 0; level < index->max_levels; level++)
        index->level_count[level] = index->counts + (index->level_max[level] - index->maxima);
    return true;
}

static uint64_t bits_words(const AddressIndex *index)
{
    return first_word_of(index, index->level_nodes[0]);
}

void address_index_release(AddressIndex *index)
{
    zeroed_memory_release(index->bits, bits_words(index) * sizeof *index->bits);
    free(index->maxima);
    free(index->counts);
    memset(index, 0, sizeof *index);
}

/* Groups that may hold a block starting below offset `end`. */
static uint64_t groups_below(const AddressIndex *index, uint64_t end)
{
    if (end <= index->base)
        return 0;
    uint64_t groups = group_of(index, slot_of(index, end - 1)) + 1;
    return groups < index->level_nodes[0] ? groups : index->level_nodes[0];
}

/* Nodes of `level` over the first `groups` groups: every other node of the
 * level covers only later groups. */
static uint64_t nodes_over(unsigned level, uint64_t groups)
{
    for (unsigned i = 0; i < level; i++)
        groups = (groups + FANOUT - 1) / FANOUT;
    return groups;
}

/* target[0, count) = source[0, count); target[count, target_count) = 0. */
static void copy_words(uint64_t *target, const uint64_t *source, uint64_t count,
                       uint64_t target_count)
{
    memcpy(target, source, count * sizeof *source);
    if (target_count > count)
        memset(target + count, 0, (target_count - count) * sizeof *target);
}

void address_index_copy(AddressIndex *target, const AddressIndex *source, uint64_t source_end,
                        uint64_t target_end)
{
    uint64_t source_groups = groups_below(source, source_end);
    uint64_t target_groups = groups_below(target, target_end);
    copy_words(target->bits, source->bits, first_word_of(source, source_groups),
               first_word_of(target, target_groups));
    for (unsigned level = 0; level < source->max_levels; level++)
        copy_words(target->level_max[level], source->level_max[level],
                   nodes_over(level, source_groups), nodes_over(level, target_groups));
    copy_words(target->seconds, source->seconds, source_groups, target_groups);
    target->count = source->count;
    target->levels = source->levels;
    target->covered_groups = source->covered_groups;
    if (source->counts && target->counts)
        for (unsigned level = 0; level < source->max_levels; level++)
            copy_words(node_count(target, level, 0), node_count(source, level, 0),
                       nodes_over(level, source_groups), nodes_over(level, target_groups));
}

void address_index_clear(AddressIndex *index, uint64_t end)
{
    uint64_t groups = groups_below(index, end);
    memset(index->bits, 0, first_word_of(index, groups) * sizeof *index->bits);
    for (unsigned level = 0; level < index->max_levels; level++)
        memset(index->level_max[level], 0, nodes_over(level, groups) * sizeof *index->maxima);
    memset(index->seconds, 0, groups * sizeof *index->seconds);
    index->count = 0;
    if (index->counts)
        for (unsigned level = 0; level < index->max_levels; level++)
            memset(node_count(index, level, 0), 0, nodes_over(level, groups) * sizeof *index->counts);
}

uint64_t address_index_memory_bytes(const AddressIndex *index, uint64_t end)
{
    uint64_t word = sizeof *index->bits;
    uint64_t tree_words = index->maxima_count + index->level_nodes[0] +
                          (index->counts ? index->maxima_count : 0);
    return zeroed_memory_resident_bytes(bits_words(index) * word,
                                        first_word_of(index, groups_below(index, end)) * word, 0) +
           tree_words * word;
}

/* ---- ranks ------------------------------------------------------------------ */

/* Adds `change` (+1 or -1) to the counts of every node above a group a block
 * starts in, the group's own included, but the root's: its count would be
 * index->count, and no walk reads it (a walk adds up the counts of nodes it
 * passes over, and the root has no siblings), so it stays zero. */
static void count_block(AddressIndex *index, uint64_t group, int change)
{
    if (!index->counts)
        return;
    uint64_t node = group, levels_below_root = index->levels - 1;
    for (unsigned level = 0; level < levels_below_root; level++, node /= FANOUT)
        *node_count(index, level, node) += (uint64_t)(int64_t)change;
}

/* Moves one block's count from `group`'s nodes to `new_group`'s, up to the
 * node above both, whose count stays. */
static void count_move(AddressIndex *index, uint64_t group, uint64_t new_group)
{
    if (!index->counts)
        return;
    uint64_t levels_below_root = index->levels - 1;
    for (unsigned level = 0; level < levels_below_root && group != new_group; level++) {
        *node_count(index, level, group) -= 1;
        *node_count(index, level, new_group) += 1;
        group /= FANOUT;
        new_group /= FANOUT;
    }
}

/* Set bits below `slot` in its own group. */
static uint64_t bits_below_in_group(const AddressIndex *index, uint64_t slot)
{
    uint64_t count = 0;
    for (uint64_t word = first_word_of(index, group_of(index, slot)); word < slot / 64; word++)
        count += (uint64_t)__builtin_popcountll(index->bits[word]);
    uint64_t below = index->bits[slot / 64] & ((UINT64_C(1) << (slot % 64)) - 1);
    return count + (uint64_t)__builtin_popcountll(below);
}

/* The blocks below a node are those below its earlier siblings, and those
 * below its parent's earlier siblings, and so on up to the root. */
uint64_t address_index_rank(const AddressIndex *index, uint64_t offset)
{
    if (offset <= index->base || index->count == 0)
        return 0;
    uint64_t slot = (offset - index->base + ((UINT64_C(1) << index->slot_shift) - 1)) >>
                    index->slot_shift; /* the first slot at or above offset */
    if (slot >= index->slots || group_of(index, slot) >= index->covered_groups)
        return index->count; /* every block starts below the tree's groups */
    uint64_t count = bits_below_in_group(index, slot);
    uint64_t node = group_of(index, slot);
    for (unsigned level = 0; level + 1 < index->levels; level++, node /= FANOUT) {
        const uint64_t *counts = node_count(index, level, 0);
        for (uint64_t sibling = node / FANOUT * FANOUT; sibling < node; sibling++)
            count += counts[sibling];
    }
    return count;
}

/* ---- keeping the maxima ---------------------------------------------------- */

static uint64_t larger(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* A group's largest and second largest sizes (see address_index.h); the
 * second may be UNKNOWN. */
typedef struct {
    uint64_t largest, second;
} GroupTop;

/* The two largest sizes of the blocks starting in `group`, reading the
 * headers: both known. */
static GroupTop group_top_read(const AddressIndex *index, uint64_t group)
{
    const uint8_t *slot_zero = slot_zero_of(index);
    unsigned shift = index->slot_shift;
    GroupTop top = { 0, 0 };
    for (uint64_t word = first_word_of(index, group); word < first_word_of(index, group + 1); word++) {
        for (uint64_t bits = index->bits[word]; bits != 0; bits &= bits - 1) {
            uint64_t size = size_at(slot_zero, shift, word * 64 + (uint64_t)(unsigned)__builtin_ctzll(bits));
            if (size > top.largest) {
                top.second = top.largest;
                top.largest = size;
            } else if (size > top.second) {
                top.second = size;
            }
        }
    }
    return top;
}

/* The group's two largest as kept. */
static GroupTop group_top(const AddressIndex *index, uint64_t group)
{
    return (GroupTop){ index->level_max[0][group], index->seconds[group] };
}

/* `top` once a block of `size` has joined the group. An unknown second
 * (UINT64_MAX) stays unknown unless the block is the new largest. */
static GroupTop top_with(GroupTop top, uint64_t size)
{
    if (size > top.largest)
        return (GroupTop){ size, top.largest };
    if (size > top.second)
        top.second = size;
    return top;
}

/* `top` once a block of `size` has left `group`, whose bit is already clear
 * (and whose other blocks' headers are in place): the second moves up when
 * the block was the largest, and the headers are read only when the second
 * is not known. */
static GroupTop top_without(const AddressIndex *index, uint64_t group, GroupTop top,
                            uint64_t size)
{
    if (size == top.largest) {
        if (top.second == UNKNOWN)
            return group_top_read(index, group);
        return (GroupTop){ top.second, UNKNOWN };
    }
    if (size == top.second)
        top.second = UNKNOWN; /* another block may have that size too */
    return top;
}

/* The largest of eight maxima, compared in pairs: three steps deep. */
static uint64_t largest_of_eight(const uint64_t *maxima)
{
    return larger(larger(larger(maxima[0], maxima[1]), larger(maxima[2], maxima[3])),
                  larger(larger(maxima[4], maxima[5]), larger(maxima[6], maxima[7])));
}

/* The largest of a node's children: one whole (padded) family, read as two
 * halves of eight. */
static uint64_t children_largest(const AddressIndex *index, unsigned level, uint64_t node)
{
    const uint64_t *child = node_max(index, level - 1, node * FANOUT);
    _Static_assert(FANOUT == 16, "children_largest reads families of sixteen");
    return larger(largest_of_eight(child), largest_of_eight(child + 8));
}

/* Sets a group's largest size and carries the change up while it changes
 * anything: a parent rises with a larger child, and is worked out again
 * only when the child that held its maximum shrank. Folded into each of its
 * callers, the changes that call it once each (1-2% of a core's
 * instructions). */
static inline __attribute__((always_inline)) void
set_group_largest(AddressIndex *index, uint64_t group, uint64_t largest)
{
    uint64_t node = group;
    for (unsigned level = 0;; level++) {
        uint64_t *slot = node_max(index, level, node);
        uint64_t old = *slot;
        if (old == largest)
            return;
        *slot = largest;
        if (level + 1 == index->levels)
            return;
        uint64_t parent = node / FANOUT;
        uint64_t above = *node_max(index, level + 1, parent);
        if (largest < above) { /* else the parent rises to this child */
            if (old != above)
                return; /* another child holds the parent's maximum */
            largest = children_largest(index, level + 1, parent);
        }
        node = parent;
    }
}

/* ---- growing the tree ------------------------------------------------------ */

/* Puts a root above the tree in use: it covers FANOUT times as many groups,
 * and since no block starts beyond the old root's groups, its maximum is the
 * old root's; the old root now keeps a count, all the blocks. */
static void add_root(AddressIndex *index)
{
    unsigned top = index->levels - 1;
    *node_max(index, top + 1, 0) = *node_max(index, top, 0);
    if (index->counts)
        *node_count(index, top, 0) = index->count;
    index->levels++;
    index->covered_groups *= FANOUT;
}

/* Grows the tree in use until it covers `group`. */
static void cover_group(AddressIndex *index, uint64_t group)
{
    while (group >= index->covered_groups && index->levels < index->max_levels)
        add_root(index);
}

/* ---- changes ------------------------------------------------------------- */

/* Keeps `top` as the group's two largest, carrying a new largest up. */
static inline __attribute__((always_inline)) void
set_group_top(AddressIndex *index, uint64_t group, GroupTop top)
{
    index->seconds[group] = top.second;
    set_group_largest(index, group, top.largest);
}

/* The group's two largest once a block of `size` has joined it: top_with,
 * storing only what changes. */
static inline __attribute__((always_inline)) void
raise_group(AddressIndex *index, uint64_t group, uint64_t size)
{
    GroupTop top = group_top(index, group);
    if (size > top.largest) {
        index->seconds[group] = top.largest;
        set_group_largest(index, group, size);
    } else if (size > top.second) {
        index->seconds[group] = size;
    }
}

/* The same once the group's largest block, of `size`, has left it (its bit
 * is already clear): the rest of lower_group, folded into it (a removal
 * takes its group's largest block nine times in ten under first fit). */
static inline __attribute__((always_inline)) void
lower_group_largest(AddressIndex *index, uint64_t group, uint64_t size)
{
    set_group_top(index, group, top_without(index, group, group_top(index, group), size));
}

/* The group's two largest once a block of `size` has left it (its bit is
 * already clear). */
static inline __attribute__((always_inline)) void
lower_group(AddressIndex *index, uint64_t group, uint64_t size)
{
    GroupTop top = group_top(index, group);
    if (size == top.largest)
        lower_group_largest(index, group, size);
    else if (size == top.second)
        index->seconds[group] = UNKNOWN; /* another block may have that size too */
}

void address_index_insert(AddressIndex *index, uint64_t offset, uint64_t size)
{
    uint64_t slot = slot_of(index, offset), group = group_of(index, slot);
    cover_group(index, group);
    set_slot(index, slot);
    index->count++;
    count_block(index, group, +1);
    raise_group(index, group, size);
}

void address_index_remove(AddressIndex *index, uint64_t offset, uint64_t size)
{
    uint64_t slot = slot_of(index, offset), group = group_of(index, slot);
    clear_slot(index, slot);
    index->count--;
    count_block(index, group, -1);
    lower_group(index, group, size);
}

/* A move to another group: a removal and an insert, but the counts change
 * only below the node above both groups. Kept out of line, so the common
 * move within a group saves no registers for it. */
__attribute__((noinline)) static void move_to_group(AddressIndex *index, uint64_t slot, uint64_t size, uint64_t new_slot,
                          uint64_t new_size)
{
    uint64_t group = group_of(index, slot), new_group = group_of(index, new_slot);
    cover_group(index, new_group);
    clear_slot(index, slot);
    set_slot(index, new_slot);
    count_move(index, group, new_group);
    lower_group(index, group, size);
    raise_group(index, new_group, new_size);
}

void address_index_move(AddressIndex *index, uint64_t offset, uint64_t size,
                        uint64_t new_offset, uint64_t new_size)
{
    uint64_t slot = slot_of(index, offset), new_slot = slot_of(index, new_offset);
    uint64_t group = group_of(index, slot);
    if (group_of(index, new_slot) != group) {
        move_to_group(index, slot, size, new_slot, new_size);
        return;
    }
    clear_slot(index, slot); /* the new slot's header is not written yet: */
    GroupTop top = group_top(index, group); /* set it after any rescan */
    if (new_size >= top.largest) /* the block is (still) the largest: no rescan */
        top = (GroupTop){ new_size, size == top.largest ? top.second : top.largest };
    else
        top = top_with(top_without(index, group, top, size), new_size);
    set_group_top(index, group, top);
    set_slot(index, new_slot);
}

bool address_index_contains(const AddressIndex *index, uint64_t offset)
{
    if (offset < index->base || ((offset - index->base) & ((UINT64_C(1) << index->slot_shift) - 1)))
        return false;
    uint64_t slot = slot_of(index, offset);
    return slot < index->slots && slot_is_set(index, slot);
}

/* ---- searches ------------------------------------------------------------ */

/* A counting search (see address_index_first_fit) adds the blocks it passes
 * over to *passed; a search that does not count passes NULL. */
static void pass_blocks(uint64_t *passed, uint64_t blocks)
{
    if (passed)
        *passed += blocks;
}

/* Passes over the blocks under a node (ranks on whenever passed is counted). */
static void pass_node(const AddressIndex *index, uint64_t *passed, unsigned level, uint64_t node)
{
    if (passed)
        *passed += *node_count(index, level, node);
}

/* The first set slot in [from, end of its group) of size >= size, or NONE.
 * Every search ends here, so it is folded into the search itself: no call,
 * no registers saved (6% of a first-fit search's instructions). */
static inline __attribute__((always_inline)) uint64_t
scan_group_up(const AddressIndex *index, uint64_t from, uint64_t size, uint64_t *passed)
{
    uint64_t word = from / 64;
    uint64_t end_word = first_word_of(index, group_of(index, from) + 1);
    uint64_t bits = index->bits[word] & (UINT64_MAX << (from % 64));
    const uint8_t *slot_zero = slot_zero_of(index);
    unsigned shift = index->slot_shift;
    for (;;) {
        for (; bits != 0; bits &= bits - 1) {
            uint64_t slot = word * 64 + (uint64_t)(unsigned)__builtin_ctzll(bits);
            if (size_at(slot_zero, shift, slot) >= size)
                return slot;
            pass_blocks(passed, 1);
        }
        if (++word == end_word)
            return NONE;
        bits = index->bits[word];
    }
}

/* The last set slot in [start of its group, from], or NONE. */
static uint64_t scan_group_down(const AddressIndex *index, uint64_t from)
{
    uint64_t word = from / 64;
    uint64_t first_word = first_word_of(index, group_of(index, from));
    uint64_t bits = index->bits[word] & ((UINT64_C(2) << (from % 64)) - 1);
    for (;;) {
        if (bits != 0)
            return word * 64 + 63 - (uint64_t)__builtin_clzll(bits);
        if (word == first_word)
            return NONE;
        bits = index->bits[--word];
    }
}

/* From `node` at `level`, whose largest block is >= size, down to the first
 * group below it that holds such a block. */
static uint64_t descend_fitting(const AddressIndex *index, unsigned level, uint64_t node,
                                uint64_t size, uint64_t *passed)
{
    while (level-- > 0) {
        node *= FANOUT;
        for (; *node_max(index, level, node) < size; node++)
            pass_node(index, passed, level, node);
    }
    return node;
}

/* The first group at or after `group` whose largest block is >= size, or
 * NONE: the rest of the family at each level, climbing while none is big
 * enough, then down through the first big enough child at every level.
 * The clamp to the level's node count is needed even though levels are
 * padded: `group` may be one past the last group, at the start of a family
 * that lies wholly outside level 0. */
static uint64_t next_group_fitting(const AddressIndex *index, uint64_t group, uint64_t size,
                                   uint64_t *passed)
{
    unsigned level = 0;
    uint64_t node = group;
    for (;;) {
        uint64_t family_end = (node / FANOUT + 1) * FANOUT;
        if (family_end > index->level_nodes[level])
            family_end = index->level_nodes[level];
        for (; node < family_end && *node_max(index, level, node) < size; node++)
            pass_node(index, passed, level, node);
        if (node < family_end)
            break;
        if (family_end == index->level_nodes[level] || level + 1 == index->levels)
            return NONE;
        node = family_end / FANOUT;
        level++;
    }
    return descend_fitting(index, level, node, size, passed);
}

/* The last group before `group` that holds any block, or NONE. */
static uint64_t previous_group_used(const AddressIndex *index, uint64_t group)
{
    unsigned level = 0;
    uint64_t end = group; /* candidates at this level lie below `end` */
    for (;;) {
        if (end == 0)
            return NONE;
        uint64_t family_start = (end - 1) / FANOUT * FANOUT;
        while (end > family_start && *node_max(index, level, end - 1) == 0)
            end--;
        if (end > family_start)
            break;
        if (level + 1 == index->levels)
            return NONE;
        end = family_start / FANOUT;
        level++;
    }
    uint64_t node = end - 1;
    while (level-- > 0) {
        uint64_t child = node * FANOUT + FANOUT;
        if (child > index->level_nodes[level])
            child = index->level_nodes[level];
        while (*node_max(index, level, child - 1) == 0)
            child--;
        node = child - 1;
    }
    return node;
}

/* Each walk passes over whole nodes whose blocks are all too small, and a
 * counting search adds up their counts on the way: so the rank of the answer
 * costs next to nothing beyond the search itself. Both searches below are
 * folded into two callers each, one that counts and one that does not, so
 * neither tests `passed` at every node it passes. */

/* The lowest block of size >= size, or NONE: a walk down from the root,
 * always into the first child big enough. */
static inline __attribute__((always_inline)) uint64_t
lowest_fit(const AddressIndex *index, uint64_t size, uint64_t *passed)
{
    if (size == 0)
        size = 1; /* every block fits, and the walks skip empty nodes (maximum 0) */
    if (*node_max(index, index->levels - 1, 0) < size) {
        if (passed) /* every block is too small */
            *passed += index->count;
        return NONE;
    }
    uint64_t group = descend_fitting(index, index->levels - 1, 0, size, passed);
    return offset_of(index, scan_group_up(index, first_slot_of(index, group), size, passed));
}

/* The first block of size >= size at or after offset `from`, or NONE: the
 * rest of from's group, then the next group big enough (a climb and a
 * walk down). */
static inline __attribute__((always_inline)) uint64_t
first_fit(const AddressIndex *index, uint64_t from, uint64_t size, uint64_t *passed)
{
    if (size == 0)
        size = 1; /* every block fits, and the walks skip empty nodes (maximum 0) */
    uint64_t root = *node_max(index, index->levels - 1, 0);
    if (root < size || from < index->base || slot_of(index, from) >= index->slots) {
        if (passed) /* every block from `from` on is too small */
            *passed += index->count - address_index_rank(index, from);
        return NONE;
    }
    uint64_t slot = slot_of(index, from);
    if (slot == 0) /* from the bottom, a walk down from the root beats a climb */
        return lowest_fit(index, size, passed);
    uint64_t found = scan_group_up(index, slot, size, passed);
    if (found == NONE) {
        uint64_t group = next_group_fitting(index, group_of(index, slot) + 1, size, passed);
        if (group == NONE)
            return NONE;
        found = scan_group_up(index, first_slot_of(index, group), size, passed);
    }
    return offset_of(index, found);
}

uint64_t address_index_first_fit(const AddressIndex *index, uint64_t from, uint64_t size,
                                 uint64_t *passed)
{
    return passed ? first_fit(index, from, size, passed) : first_fit(index, from, size, NULL);
}

uint64_t address_index_lowest_fit(const AddressIndex *index, uint64_t size, uint64_t *passed)
{
    return passed ? lowest_fit(index, size, passed) : lowest_fit(index, size, NULL);
}

uint64_t address_index_floor(const AddressIndex *index, uint64_t offset)
{
    if (index->count == 0 || offset < index->base)
        return NONE;
    uint64_t slot = slot_of(index, offset);
    if (slot >= index->slots)
        slot = index->slots - 1;
    if (group_of(index, slot) >= index->covered_groups) /* every block lies below */
        slot = first_slot_of(index, index->covered_groups) - 1;
    uint64_t found = scan_group_down(index, slot);
    if (found == NONE) {
        uint64_t group = previous_group_used(index, group_of(index, slot));
        if (group == NONE)
            return NONE;
        found = scan_group_down(index, first_slot_of(index, group + 1) - 1);
    }
    return offset_of(index, found);
}

uint64_t address_index_largest(const AddressIndex *index)
{
    return *node_max(index, index->levels - 1, 0);
}

/* ---- checking ------------------------------------------------------------ */

/* Bits past the end of the region (which no block could own). */
static uint64_t bits_past_region(const AddressIndex *index)
{
    uint64_t stray = 0;
    for (uint64_t word = index->slots / 64; word < bits_words(index); word++) {
        uint64_t bits = index->bits[word];
        if (word == index->slots / 64)
            bits &= UINT64_MAX << (index->slots % 64);
        stray += (uint64_t)__builtin_popcountll(bits);
    }
    return stray;
}

/* The first node of `level` whose maximum and count must be zero: the
 * padding of a level below the root; every node after the root's; all of a
 * level above the tree in use. */
static uint64_t first_zero_node(const AddressIndex *index, unsigned level)
{
    if (level + 1 < index->levels)
        return index->level_nodes[level];
    return level + 1 == index->levels ? 1 : 0;
}

/* Whether `node` lies past the level's last (padded) family. */
static bool past_level(const AddressIndex *index, unsigned level, uint64_t node)
{
    return node >= index->level_nodes[level] && node % FANOUT == 0;
}

/* The groups a tree of `levels` levels covers: FANOUT^(levels - 1). */
static uint64_t groups_under_root(unsigned levels)
{
    uint64_t covered = 1;
    for (unsigned level = 1; level < levels; level++)
        covered *= FANOUT;
    return covered;
}

/* Set bits in `group`. */
static uint64_t group_bits(const AddressIndex *index, uint64_t group)
{
    uint64_t set = 0;
    for (uint64_t word = first_word_of(index, group); word < first_word_of(index, group + 1); word++)
        set += (uint64_t)__builtin_popcountll(index->bits[word]);
    return set;
}

/* Node counts that disagree with the bits or with their children (none when
 * ranks are off); the padding's counts stay zero. */
static uint64_t rank_problems(const AddressIndex *index)
{
    if (!index->counts)
        return 0;
    uint64_t problems = 0;
    unsigned root = index->levels - 1;
    for (uint64_t group = root == 0; group < index->level_nodes[0]; group++)
        problems += *node_count(index, 0, group) != group_bits(index, group);
    for (unsigned level = 1; level < index->levels; level++) {
        for (uint64_t node = level == root; node < index->level_nodes[level]; node++) {
            uint64_t sum = 0;
            for (uint64_t child = node * FANOUT; child < (node + 1) * FANOUT; child++)
                sum += *node_count(index, level - 1, child);
            problems += *node_count(index, level, node) != sum;
        }
    }
    problems += *node_count(index, root, 0) != 0; /* the root keeps no count */
    for (unsigned level = 0; level < index->max_levels; level++)
        for (uint64_t node = first_zero_node(index, level); !past_level(index, level, node); node++)
            problems += *node_count(index, level, node) != 0;
    return problems;
}

uint64_t address_index_problems(const AddressIndex *index)
{
    uint64_t stray = bits_past_region(index);
    if (stray != 0)
        return stray; /* reading their "headers" would leave the arena */
    uint64_t problems = 0, set = 0;
    for (uint64_t word = 0; word < bits_words(index); word++) {
        set += (uint64_t)__builtin_popcountll(index->bits[word]);
        for (uint64_t bits = index->bits[word]; bits != 0; bits &= bits - 1) {
            uint64_t offset = offset_of(index, word * 64 + (uint64_t)__builtin_ctzll(bits));
            problems += tag_flags(load_le(index->arena + offset, HEAP_TAG_BYTES)) != 0;
        }
    }
    for (uint64_t group = 0; group < index->level_nodes[0]; group++) {
        GroupTop top = group_top_read(index, group);
        uint64_t second = index->seconds[group];
        problems += *node_max(index, 0, group) != top.largest;
        problems += second != UNKNOWN && second != top.second;
    }
    for (unsigned level = 1; level < index->levels; level++)
        for (uint64_t node = 0; node < index->level_nodes[level]; node++)
            problems += *node_max(index, level, node) != children_largest(index, level, node);
    /* The padding, and the levels above the tree in use, stay zero. */
    for (unsigned level = 0; level < index->max_levels; level++)
        for (uint64_t node = first_zero_node(index, level); !past_level(index, level, node); node++)
            problems += *node_max(index, level, node) != 0;
    problems += index->covered_groups != groups_under_root(index->levels);
    return problems + (set != index->count) + rank_problems(index);
}

/* ---- regrouping ------------------------------------------------------------ */

/* The last group below `groups` that holds a block, or NONE. */
static uint64_t last_group_used(const AddressIndex *index, uint64_t groups)
{
    for (uint64_t word = first_word_of(index, groups); word > 0; word--)
        if (index->bits[word - 1] != 0)
            return group_of(index, (word - 1) * 64);
    return NONE;
}

/* Works out every group's two largest and count from the bitmap and the
 * headers, then every node above from its children (the root keeps no
 * count): what the changes would have left. */
static void rebuild_tree(AddressIndex *index, uint64_t groups)
{
    for (uint64_t group = 0; group < groups; group++) {
        GroupTop top = group_top_read(index, group);
        *node_max(index, 0, group) = top.largest;
        index->seconds[group] = top.second;
        if (index->counts && index->levels > 1)
            *node_count(index, 0, group) = group_bits(index, group);
    }
    for (unsigned level = 1; level < index->levels; level++) {
        uint64_t nodes = nodes_over(level, groups);
        for (uint64_t node = 0; node < nodes; node++) {
            *node_max(index, level, node) = children_largest(index, level, node);
            if (index->counts && level + 1 < index->levels)
                for (uint64_t child = node * FANOUT; child < (node + 1) * FANOUT; child++)
                    *node_count(index, level, node) += *node_count(index, level - 1, child);
        }
    }
}

bool address_index_regroup(AddressIndex *index, unsigned group_words, uint64_t end)
{
    AddressIndex regrouped;
    if (!address_index_init(&regrouped, index->arena, index->base, index->slots << index->slot_shift,
                            UINT64_C(1) << index->slot_shift, group_words))
        return false;
    if (index->counts && !address_index_enable_ranks(&regrouped)) {
        address_index_release(&regrouped);
        return false;
    }
    uint64_t groups = groups_below(&regrouped, end);
    uint64_t words = first_word_of(&regrouped, groups), source_words = bits_words(index);
    memcpy(regrouped.bits, index->bits, (words < source_words ? words : source_words) * sizeof *index->bits);
    uint64_t last = last_group_used(&regrouped, groups);
    if (last != NONE)
        cover_group(&regrouped, last); /* while empty: the roots it adds keep no counts yet */
    rebuild_tree(&regrouped, groups);
    regrouped.count = index->count;
    address_index_release(index);
    *index = regrouped;
    return true;
}
