/*
 * test_textbook_differential.c - `csapp` (every policy), `csapp-explicit`
 * (both list orders) and `csapp-segregated` against the array model of
 * textbook_reference.c, over many random traces: after every call the same
 * result, the same blocks, the same free lists in list order, the same
 * statistics (utilization and examined included), the same examined and
 * extension for the call, next fit's rover, and a consistent heap.
 */
#include "designs_support.h"
#include "textbook_reference.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

typedef struct {
    const char *design, *policy, *order;
    unsigned list_count;
    ReferenceFit fit;
    bool address_ordered;
} Variant;

static const Variant VARIANTS[] = {
    { "csapp", "first-fit", NULL, 0, REFERENCE_FIRST_FIT, false },
    { "csapp", "next-fit", NULL, 0, REFERENCE_NEXT_FIT, false },
    { "csapp", "best-fit", NULL, 0, REFERENCE_BEST_FIT, false },
    { "csapp-explicit", NULL, "lifo", 1, REFERENCE_FIRST_FIT, false },
    { "csapp-explicit", NULL, "address", 1, REFERENCE_FIRST_FIT, true },
    { "csapp-segregated", NULL, NULL, 20, REFERENCE_FIRST_FIT, false },
};

enum { LIVE_MAX = 256, STEPS = 1500, SEEDS = 12 };

static void expect_same_blocks(const Allocator *heap, const TextbookReference *model, size_t step)
{
    static HeapBlock blocks[REFERENCE_MAX_BLOCKS];
    size_t count = designs_collect(heap, blocks, REFERENCE_MAX_BLOCKS);
    if (count != model->count)
        fail_msg("step %zu: %zu blocks, model %zu", step, count, model->count);
    for (size_t i = 0; i < count; i++) {
        const ReferenceBlock *want = &model->blocks[i];
        HeapBlockState state = want->used ? HEAP_BLOCK_USED : HEAP_BLOCK_FREE;
        if (blocks[i].offset != want->offset || blocks[i].size != want->size ||
            blocks[i].state != state || blocks[i].requested != want->requested)
            fail_msg("step %zu block %zu: %llu+%llu vs model %llu+%llu", step, i,
                     (unsigned long long)blocks[i].offset, (unsigned long long)blocks[i].size,
                     (unsigned long long)want->offset, (unsigned long long)want->size);
    }
}

static void expect_same_lists(const Allocator *heap, const TextbookReference *model, size_t step)
{
    static FreeListEntry entries[REFERENCE_MAX_BLOCKS];
    uint64_t count = allocator_free_list(heap, entries, REFERENCE_MAX_BLOCKS);
    size_t at = 0;
    for (unsigned list = 0; list < model->list_count; list++) {
        for (size_t i = 0; i < model->list_length[list]; i++, at++) {
            if (at >= count || entries[at].offset != model->lists[list][i] || entries[at].list != list)
                fail_msg("step %zu: free list entry %zu differs", step, at);
        }
    }
    assert_int_equal(count, at);
}

static void expect_same_stats(const Allocator *heap, const TextbookReference *model, size_t step)
{
    const HeapStats *s = allocator_stats(heap);
    uint64_t used = 0, free_blocks = 0, in_use = 0, free_bytes = 0, largest = 0;
    for (size_t i = 0; i < model->count; i++) {
        const ReferenceBlock *b = &model->blocks[i];
        used += b->used;
        free_blocks += !b->used;
        in_use += b->used ? b->size : 0;
        free_bytes += b->used ? 0 : b->size;
        if (!b->used && b->size > largest)
            largest = b->size;
    }
    uint64_t got[] = { s->mallocs, s->frees, s->reallocs, s->failed, s->heap_bytes, s->used_blocks,
                       s->free_blocks, s->bytes_in_use, s->payload_bytes, s->free_bytes,
                       s->largest_free, s->peak_payload, s->high_water, s->examined,
                       allocator_last_event(heap)->examined,
                       allocator_last_event(heap)->extended_bytes };
    uint64_t want[] = { model->mallocs, model->frees, model->reallocs, model->failed, model->brk, used,
                        free_blocks, in_use, model->payload, free_bytes, largest, model->peak,
                        model->high_water, model->examined, model->call_examined,
                        model->call_extended };
    for (size_t i = 0; i < DESIGNS_COUNT(got); i++)
        if (got[i] != want[i])
            fail_msg("step %zu: statistic %zu is %llu, model %llu", step, i,
                     (unsigned long long)got[i], (unsigned long long)want[i]);
    double utilization = (double)model->peak / (double)model->brk;
    if (s->utilization != utilization)
        fail_msg("step %zu: utilization %.17g, model %.17g", step, s->utilization, utilization);
}

static uint64_t random_request(uint64_t *seed)
{
    switch (designs_below(seed, 8)) {
    case 0: return designs_below(seed, 4);             /* 0..3, with malloc(0) */
    case 1: case 2: case 3: return 1 + designs_below(seed, 40);
    case 4: case 5: return 1 + designs_below(seed, 600);
    case 6: return 1 + designs_below(seed, 5000);
    default: return 1 + designs_below(seed, 70000); /* past a small cap */
    }
}

/* One random call on both; asserts they agree on its result. */
static void random_call(Allocator *heap, TextbookReference *model, uint64_t *live, size_t *live_count,
                        uint64_t *seed)
{
    uint64_t pick = *live_count ? designs_below(seed, *live_count) : 0;
    uint64_t choice = designs_below(seed, 10);
    uint64_t got = 0, want = 0;
    if (*live_count == 0 || choice < 4) {
        uint64_t n = random_request(seed);
        HeapError error = allocator_malloc(heap, n, &got);
        bool ok = textbook_reference_malloc(model, n, &want);
        assert_int_equal(error == HEAP_OK, ok);
        assert_int_equal(got, want);
        if (got && *live_count < LIVE_MAX)
            live[(*live_count)++] = got;
        else if (got) {
            designs_free(heap, got);
            textbook_reference_free(model, got);
        }
    } else if (choice < 7) {
        assert_int_equal(allocator_free(heap, live[pick]), HEAP_OK);
        textbook_reference_free(model, live[pick]);
        live[pick] = live[--*live_count];
    } else {
        uint64_t n = choice == 9 ? 0 : random_request(seed);
        HeapError error = allocator_realloc(heap, live[pick], n, &got);
        bool ok = textbook_reference_realloc(model, live[pick], n, &want);
        assert_int_equal(error == HEAP_OK, ok);
        assert_int_equal(got, want);
        if (ok && got)
            live[pick] = got;
        else if (ok)
            live[pick] = live[--*live_count];
    }
}

static void run_variant(const Variant *v, uint64_t seed_value)
{
    uint64_t seed = seed_value;
    static const uint64_t chunks[] = { 24, 64, 4096 };
    static const uint64_t caps[] = { 16 + 4096, 64 * 1024, 20u << 20 };
    uint64_t chunk = chunks[designs_below(&seed, 3)];
    uint64_t cap = caps[designs_below(&seed, 3)];
    if (cap < 16 + chunk)
        cap = 16 + chunk;
    Allocator *heap = designs_create(v->design, v->policy, v->order, cap, chunk);
    static TextbookReference model;
    textbook_reference_init(&model, v->list_count, v->fit, v->address_ordered, chunk, cap);
    uint64_t live[LIVE_MAX];
    size_t live_count = 0;
    for (size_t step = 0; step < STEPS; step++) {
        random_call(heap, &model, live, &live_count, &seed);
        expect_same_blocks(heap, &model, step);
        expect_same_lists(heap, &model, step);
        expect_same_stats(heap, &model, step);
        if (v->fit == REFERENCE_NEXT_FIT)
            assert_int_equal(designs_marker(heap, "rover"), model.rover);
        designs_expect_consistent(heap);
    }
    allocator_destroy(heap);
}

static void test_every_variant_matches_the_model(void **state)
{
    (void)state;
    for (size_t v = 0; v < DESIGNS_COUNT(VARIANTS); v++)
        for (uint64_t seed = 1; seed <= SEEDS; seed++)
            run_variant(&VARIANTS[v], seed * 7919 + v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_variant_matches_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
