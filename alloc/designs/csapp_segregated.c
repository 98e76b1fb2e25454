/*
 * csapp_segregated.c - the `csapp-segregated` design: CS:APP's segregated
 * fits (§9.9.14), on the textbook heap of alloc/csapp/textbook.h with the
 * explicit list's layout (pred and succ in the payload, minimum block 24).
 *
 * Twenty size classes by block size: class 0 holds sizes up to 32, class k
 * holds (2^(k+4), 2^(k+5)] for k = 1..18, class 19 everything above 2^23.
 * Each class is a LIFO list: a split remainder and a freed (coalesced)
 * block go to the head of their class. malloc searches the class of asize
 * from its head (first fit), then each larger class in turn, and counts
 * every list node it visits.
 */
#include "textbook.h"

static const char *const POLICIES[] = { "first-fit", NULL };
static const TextbookFindFit FITS[] = { textbook_list_fit };

enum { LAST_CLASS = 19 };

/* The size class of a block of `size` bytes. */
static uint32_t size_class(uint64_t size)
{
    uint32_t class = 0;
    for (uint64_t upper = 32; size > upper && class < LAST_CLASS; upper *= 2)
        class++;
    return class;
}

static const TextbookRules RULES = { .min_block = 24, .list_count = TEXTBOOK_MAX_LISTS,
                                     .list_of = size_class, .fits = FITS };

static HeapError segregated_create(const AllocatorConfig *config, Allocator **out);

const AllocatorDesign csapp_segregated_design = {
    .name = "csapp-segregated",
    .summary = "CS:APP segregated fits: 20 LIFO size classes on a growing heap",
    .policies = POLICIES,
    .list_orders = NULL,
    .features = ALLOCATOR_GROWS | ALLOCATOR_HAS_FREE_LIST,
    .create = segregated_create,
    .free_list = textbook_free_list,
    .markers = textbook_markers,
    TEXTBOOK_OPERATIONS,
};

static HeapError segregated_create(const AllocatorConfig *config, Allocator **out)
{
    return textbook_create(&csapp_segregated_design, &RULES, config, out);
}
