/*
 * csapp.c - the `csapp` design: CS:APP's implicit free list (Figures
 * 9.42-9.48), on the textbook heap of alloc/csapp/textbook.h.
 *
 * Every search walks the blocks in address order, allocated or free, and
 * counts each regular block it visits (the prologue and epilogue are not
 * blocks a student sees):
 *   first-fit: from the first block; takes the first free block that fits.
 *   next-fit:  the book's NEXT_FIT. From the rover to the end, then from the
 *              start up to the old rover; the rover stays at the block
 *              found. It starts at the prologue.
 *   best-fit:  the whole list every time; the smallest free block that
 *              fits, the lowest address on a tie.
 */
#include "textbook.h"

static const char *const POLICIES[] = { "first-fit", "next-fit", "best-fit", NULL };
enum { NEXT_FIT_POLICY = 1 };

/* Visits the block at `offset` for a request of asize bytes: counts it
 * (unless it is the prologue) and says whether it fits. */
static bool visit(TextbookHeap *heap, uint64_t offset, uint64_t asize)
{
    if (offset >= TEXTBOOK_FIRST_BLOCK)
        heap->event.examined++;
    return !textbook_is_allocated(heap, offset) && textbook_size(heap, offset) >= asize;
}

/* Searches [from, to) in address order; true and *offset at the first fit. */
static bool first_fit_between(TextbookHeap *heap, uint64_t from, uint64_t to, uint64_t asize,
                              uint64_t *offset)
{
    for (uint64_t block = from; block < to; block += textbook_size(heap, block)) {
        if (visit(heap, block, asize)) {
            *offset = block;
            return true;
        }
    }
    return false;
}

static bool first_fit(TextbookHeap *heap, uint64_t asize, uint64_t *offset)
{
    return first_fit_between(heap, TEXTBOOK_FIRST_BLOCK, textbook_epilogue(heap), asize, offset);
}

static bool next_fit(TextbookHeap *heap, uint64_t asize, uint64_t *offset)
{
    uint64_t rover = heap->rover;
    bool found = first_fit_between(heap, rover, textbook_epilogue(heap), asize, offset) ||
                 first_fit_between(heap, TEXTBOOK_PROLOGUE, rover, asize, offset);
    if (found)
        heap->rover = *offset;
    return found;
}

static bool best_fit(TextbookHeap *heap, uint64_t asize, uint64_t *offset)
{
    uint64_t best_size = 0;
    for (uint64_t block = TEXTBOOK_FIRST_BLOCK; block < textbook_epilogue(heap);
         block += textbook_size(heap, block)) {
        uint64_t size = textbook_size(heap, block);
        if (visit(heap, block, asize) && (best_size == 0 || size < best_size)) {
            best_size = size;
            *offset = block;
        }
    }
    return best_size != 0;
}

static const TextbookFindFit FITS[] = { first_fit, next_fit, best_fit };

static uint32_t no_list(uint64_t size)
{
    (void)size;
    return 0;
}

static const TextbookRules RULES = { .min_block = 16, .list_count = 0, .list_of = no_list,
                                     .fits = FITS };

static HeapError csapp_create(const AllocatorConfig *config, Allocator **out);

/* The break, and next fit's rover. */
static uint32_t csapp_markers(const Allocator *allocator, HeapMarker *markers)
{
    uint32_t count = textbook_markers(allocator, markers);
    const TextbookHeap *heap = (const TextbookHeap *)allocator;
    if (heap->config.policy == NEXT_FIT_POLICY)
        markers[count++] = (HeapMarker){ .name = "rover", .offset = heap->rover };
    return count;
}

const AllocatorDesign csapp_design = {
    .name = "csapp",
    .summary = "CS:APP implicit free list on a growing heap: first, next and best fit",
    .policies = POLICIES,
    .list_orders = NULL,
    .features = ALLOCATOR_GROWS,
    .create = csapp_create,
    .free_list = NULL,
    .markers = csapp_markers,
    TEXTBOOK_OPERATIONS,
};

static HeapError csapp_create(const AllocatorConfig *config, Allocator **out)
{
    return textbook_create(&csapp_design, &RULES, config, out);
}
