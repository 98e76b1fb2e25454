/*
 * textbook_model.h - the CS:APP implicit free list written again from the
 * book's structure (mm_init, extend_heap, coalesce, place, find_fit, the
 * NEXT_FIT variant, the simple realloc), with real pointers into a simulated
 * sbrk area, as the book has them. It shares no code with alloc/: tests run
 * it beside the `csapp` design and compare blocks and utilization.
 *
 * The book keeps heap_listp and rover in globals; here they live in a
 * TextbookModel, so a test can run several.
 */
#ifndef HEAPVIZ_TEXTBOOK_MODEL_H
#define HEAPVIZ_TEXTBOOK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The simulated sbrk: moves the break up by incr bytes; returns the old
 * break, or (void *)-1 when that would pass the limit. */
typedef void *(*TextbookSbrk)(void *context, size_t incr);

typedef struct {
    TextbookSbrk sbrk;
    void *sbrk_context;
    size_t chunk;                /* CHUNKSIZE */
    bool next_fit;               /* the book's NEXT_FIT */
    char *heap_listp;            /* the prologue's payload */
    char *rover;                 /* next fit: a block's payload */
} TextbookModel;

/* mm_init: 0, or -1 if sbrk refused. */
int textbook_model_init(TextbookModel *model);
void *textbook_model_malloc(TextbookModel *model, size_t size);
void textbook_model_free(TextbookModel *model, void *bp);
void *textbook_model_realloc(TextbookModel *model, void *ptr, size_t size);

/* Walk of the regular blocks: the first block's payload, the next one's,
 * NULL after the last. */
char *textbook_model_first(const TextbookModel *model);
char *textbook_model_next(char *bp);
size_t textbook_model_block_size(const char *bp);
bool textbook_model_block_allocated(const char *bp);

#endif
