/*
 * test_textbook_code.c - `csapp` first fit and next fit against the book's
 * own implicit-list code (textbook_model.c, written again from the book)
 * under a tiny driver of its own that does what mdriver does: replay a
 * trace of allocs, frees and reallocs, and score utilization as the peak
 * of requested bytes live divided by the heap size at the end. The traces
 * are generated here. After every call both heaps must hold the same
 * blocks; at every step the utilization must be the same double.
 */
#include "designs_support.h"
#include "textbook_model.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The simulated sbrk area (memlib's role). */
typedef struct {
    char *start;
    size_t brk, max;
} SbrkArea;

static void *area_sbrk(void *context, size_t incr)
{
    SbrkArea *area = context;
    if (incr > area->max - area->brk)
        return (void *)-1;
    char *old = area->start + area->brk;
    area->brk += incr;
    return old;
}

enum { IDS = 300, OPS = 3000, MAX_HEAP = 20 << 20 };

typedef struct {
    char *book[IDS];             /* the book's payload pointers */
    uint64_t design[IDS];        /* the design's payload offsets */
    uint64_t size[IDS];
    bool live[IDS];
    uint64_t total, peak;        /* mdriver's total_size and max_total_size */
} Driver;

static void expect_same_heap(const Allocator *heap, const TextbookModel *book, const SbrkArea *area,
                             int op)
{
    static HeapBlock blocks[4 * IDS];
    size_t count = designs_collect(heap, blocks, 4 * IDS);
    size_t i = 0;
    for (char *bp = textbook_model_first(book); bp; bp = textbook_model_next(bp), i++) {
        uint64_t offset = (uint64_t)(bp - area->start) - 4;
        bool used = blocks[i].state == HEAP_BLOCK_USED;
        if (i >= count || blocks[i].offset != offset ||
            blocks[i].size != textbook_model_block_size(bp) || used != textbook_model_block_allocated(bp))
            fail_msg("op %d: block %zu differs from the book's", op, i);
    }
    assert_int_equal(i, count);
    assert_int_equal(allocator_stats(heap)->heap_bytes, area->brk);
}

static uint64_t random_size(uint64_t *seed)
{
    uint64_t kind = designs_below(seed, 4);
    return 1 + designs_below(seed, kind == 0 ? 16 : kind == 1 ? 200 : kind == 2 ? 4000 : 30000);
}

/* One random trace line on both heaps, as mdriver's eval_mm_util runs it. */
static void replay_one(Driver *d, Allocator *heap, TextbookModel *book, uint64_t *seed)
{
    int id = (int)designs_below(seed, IDS);
    uint64_t kind = designs_below(seed, 3);
    if (!d->live[id]) {
        uint64_t size = random_size(seed);
        d->book[id] = textbook_model_malloc(book, size);
        d->design[id] = designs_malloc(heap, size);
        d->size[id] = size;
        d->live[id] = true;
        d->total += size;
    } else if (kind == 0) {
        textbook_model_free(book, d->book[id]);
        designs_free(heap, d->design[id]);
        d->live[id] = false;
        d->total -= d->size[id];
    } else {
        uint64_t size = random_size(seed);
        d->book[id] = textbook_model_realloc(book, d->book[id], size);
        d->design[id] = designs_realloc(heap, d->design[id], size);
        d->total += size - d->size[id];
        d->size[id] = size;
    }
    if (d->total > d->peak)
        d->peak = d->total;
}

static void run_trace(const char *policy, uint64_t chunk, uint64_t seed_value)
{
    SbrkArea area = { .start = malloc(MAX_HEAP), .max = MAX_HEAP };
    assert_non_null(area.start);
    TextbookModel book = { .sbrk = area_sbrk, .sbrk_context = &area, .chunk = chunk,
                           .next_fit = strcmp(policy, "next-fit") == 0 };
    assert_int_equal(textbook_model_init(&book), 0);
    Allocator *heap = designs_create("csapp", policy, NULL, MAX_HEAP, chunk);
    static Driver driver;
    memset(&driver, 0, sizeof driver);
    uint64_t seed = seed_value;
    for (int op = 0; op < OPS; op++) {
        replay_one(&driver, heap, &book, &seed);
        expect_same_heap(heap, &book, &area, op);
        double mdriver_utilization = (double)driver.peak / (double)area.brk;
        if (allocator_stats(heap)->utilization != mdriver_utilization)
            fail_msg("op %d: utilization %.17g, the book under the driver %.17g", op,
                     allocator_stats(heap)->utilization, mdriver_utilization);
    }
    allocator_destroy(heap);
    free(area.start);
}

static void test_first_fit_is_the_books_code(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++)
        run_trace("first-fit", seed % 2 ? 4096 : 64, seed);
}

static void test_next_fit_is_the_books_next_fit(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++)
        run_trace("next-fit", seed % 2 ? 4096 : 64, 100 + seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_fit_is_the_books_code),
        cmocka_unit_test(test_next_fit_is_the_books_next_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
