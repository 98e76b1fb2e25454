/*
 * csapp_explicit.c - the `csapp-explicit` design: CS:APP's explicit free
 * list (§9.9.13), a doubly linked list of the free blocks through their
 * payloads, on the textbook heap of alloc/csapp/textbook.h.
 *
 * Pred and succ take 16 payload bytes, so the minimum block is 24 and a
 * split needs a remainder of 24. Search is first fit from the head, and
 * counts every list node it visits. The list order (--free-list):
 *   lifo (default): every block that becomes free (after coalescing), every
 *                   block an extension makes, every split remainder goes
 *                   to the head;
 *   address:        the list is kept in address order, so first fit takes
 *                   the lowest address.
 */
#include "textbook.h"

static const char *const POLICIES[] = { "first-fit", NULL };
static const char *const LIST_ORDERS[] = { "lifo", "address", NULL };
static const TextbookFindFit FITS[] = { textbook_list_fit };

static uint32_t one_list(uint64_t size)
{
    (void)size;
    return 0;
}

static const TextbookRules RULES = { .min_block = 24, .list_count = 1, .list_of = one_list,
                                     .fits = FITS };

static HeapError explicit_create(const AllocatorConfig *config, Allocator **out);

const AllocatorDesign csapp_explicit_design = {
    .name = "csapp-explicit",
    .summary = "CS:APP explicit free list (LIFO or address order) on a growing heap",
    .policies = POLICIES,
    .list_orders = LIST_ORDERS,
    .features = ALLOCATOR_GROWS | ALLOCATOR_HAS_FREE_LIST,
    .create = explicit_create,
    .free_list = textbook_free_list,
    .markers = textbook_markers,
    TEXTBOOK_OPERATIONS,
};

static HeapError explicit_create(const AllocatorConfig *config, Allocator **out)
{
    return textbook_create(&csapp_explicit_design, &RULES, config, out);
}
