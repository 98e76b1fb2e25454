/*
 * test_payload.c - payload bytes survive everything the core does.
 *
 * Every allocation gets its own pattern (support_pattern_byte with a fresh
 * id) over its requested bytes. The pattern must be intact when the block is
 * freed, in the first min(old, new) bytes after a realloc (moved or not),
 * in the old block after a failed realloc, and everywhere after a
 * compaction, whose move callback is how the test follows its blocks. All
 * live blocks are also checked every 500 operations, so a write that strays
 * into a neighbour is caught. Random operations from a fixed splitmix64 seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core_support.h"

enum {
    OPERATIONS_PER_SETUP = 100000,
    VERIFY_INTERVAL = 500,
    COMPACT_INTERVAL = 211,
    MAX_REQUEST = 300
};

typedef struct {
    uint64_t payload;            /* where the block is now */
    uint64_t requested;          /* bytes that hold the pattern */
    uint64_t id;                 /* which pattern */
    bool moved;                  /* already followed during this compaction */
} Tracked;

typedef struct {
    Heap *heap;
    Tracked *items;
    size_t count, capacity;
    uint64_t next_id;
    uint64_t rng;
} Tracker;

static void write_pattern(Tracker *t, const Tracked *item)
{
    support_write_pattern(t->heap, item->payload, item->id, item->requested);
}

/* The first `length` bytes at `payload` hold pattern `id`. */
static void verify_pattern(Tracker *t, uint64_t payload, uint64_t id, uint64_t length)
{
    support_expect_pattern(t->heap, payload, id, length);
}

static void verify_all(Tracker *t)
{
    for (size_t i = 0; i < t->count; i++) {
        verify_pattern(t, t->items[i].payload, t->items[i].id, t->items[i].requested);
    }
    assert_int_equal(heap_stats(t->heap)->used_blocks, t->count);
    support_expect_consistent(t->heap);
}

static void forget(Tracker *t, size_t index)
{
    t->items[index] = t->items[--t->count];
}

static void do_malloc(Tracker *t, uint64_t n)
{
    uint64_t payload = 0;
    if (heap_malloc(t->heap, n, &payload) != HEAP_OK) {
        return;
    }
    assert_true(t->count < t->capacity);
    Tracked *item = &t->items[t->count++];
    *item = (Tracked){ payload, n, t->next_id++, false };
    write_pattern(t, item);
}

static void do_free(Tracker *t, size_t index)
{
    Tracked *item = &t->items[index];
    verify_pattern(t, item->payload, item->id, item->requested);
    assert_int_equal(heap_free(t->heap, item->payload), HEAP_OK);
    forget(t, index);
}

static void do_realloc(Tracker *t, size_t index, uint64_t n)
{
    Tracked *item = &t->items[index];
    uint64_t result = 0;
    verify_pattern(t, item->payload, item->id, item->requested);
    HeapError error = heap_realloc(t->heap, item->payload, n, &result);
    if (error == HEAP_ERROR_OUT_OF_MEMORY) {
        verify_pattern(t, item->payload, item->id, item->requested);
        return;
    }
    assert_int_equal(error, HEAP_OK);
    if (n == 0) {
        assert_int_equal(result, 0);
        forget(t, index);
        return;
    }
    verify_pattern(t, result, item->id, item->requested < n ? item->requested : n);
    *item = (Tracked){ result, n, t->next_id++, false };
    write_pattern(t, item);
}

static void follow_move(void *context, uint64_t old_payload, uint64_t new_payload)
{
    Tracker *t = context;
    assert_true(new_payload < old_payload);
    for (size_t i = 0; i < t->count; i++) {
        if (!t->items[i].moved && t->items[i].payload == old_payload) {
            t->items[i].payload = new_payload;
            t->items[i].moved = true;
            return;
        }
    }
    fail_msg("compaction moved an unknown block from %llu", (unsigned long long)old_payload);
}

static void do_compact(Tracker *t)
{
    for (size_t i = 0; i < t->count; i++) {
        t->items[i].moved = false;
    }
    heap_compact(t->heap, follow_move, t);
    verify_all(t);
}

static void random_step(Tracker *t, uint64_t step)
{
    uint64_t r = support_random_below(&t->rng, 100);
    uint64_t n = support_random_below(&t->rng, MAX_REQUEST);
    bool filling = (step / 2000) % 2 == 0;
    if (step % COMPACT_INTERVAL == 0) {
        do_compact(t);
    } else if (t->count == 0 || r < (filling ? 50u : 30u)) {
        do_malloc(t, n);
    } else if (r < (filling ? 70u : 75u)) {
        do_free(t, (size_t)support_random_below(&t->rng, t->count));
    } else {
        do_realloc(t, (size_t)support_random_below(&t->rng, t->count), r < 78 ? 0 : n);
    }
}

static void run_payloads(HeapPolicy policy, uint64_t heap_bytes, uint64_t alignment,
                         uint64_t min_payload)
{
    Tracker t = { .rng = 0xB10C0000u + (uint64_t)policy * 7919u + alignment };
    t.heap = support_new_heap(heap_bytes, alignment, min_payload, policy);
    t.capacity = (size_t)(heap_bytes / heap_min_block(t.heap) + 1);
    t.items = calloc(t.capacity, sizeof *t.items);
    assert_non_null(t.items);
    for (uint64_t step = 1; step <= OPERATIONS_PER_SETUP; step++) {
        random_step(&t, step);
        if (step % VERIFY_INTERVAL == 0) {
            verify_all(&t);
        }
    }
    while (t.count > 0) {
        do_free(&t, t.count - 1);
    }
    assert_int_equal(heap_stats(t.heap)->payload_bytes, 0);
    free(t.items);
    heap_destroy(t.heap);
}

static void run_policy(HeapPolicy policy)
{
    run_payloads(policy, 8192, 8, 8);
    run_payloads(policy, 4096, 32, 4);
    run_payloads(policy, 2048, 4, 1);
}

static void test_first_fit_keeps_payloads(void **state)
{
    (void)state;
    run_policy(HEAP_FIRST_FIT);
}

static void test_next_fit_keeps_payloads(void **state)
{
    (void)state;
    run_policy(HEAP_NEXT_FIT);
}

static void test_best_fit_keeps_payloads(void **state)
{
    (void)state;
    run_policy(HEAP_BEST_FIT);
}

static void test_worst_fit_keeps_payloads(void **state)
{
    (void)state;
    run_policy(HEAP_WORST_FIT);
}

static void test_bump_keeps_payloads(void **state)
{
    (void)state;
    run_policy(HEAP_BUMP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_fit_keeps_payloads),
        cmocka_unit_test(test_next_fit_keeps_payloads),
        cmocka_unit_test(test_best_fit_keeps_payloads),
        cmocka_unit_test(test_worst_fit_keeps_payloads),
        cmocka_unit_test(test_bump_keeps_payloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
