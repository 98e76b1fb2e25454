/*
 * test_differential.c - the core against the reference model, op by op.
 *
 * For each policy, 1,000,000 random operations (malloc, free, realloc,
 * realloc(0, n), realloc(p, 0), free(0), invalid and double frees and
 * reallocs, huge sizes, an occasional compact) run on a Heap and on the
 * linear reference model side by side, over six small heaps with different
 * alignments and minimum payloads, and one of 12 MiB whose free blocks span
 * whole huge pages, given back to the system as they form (heap.c's
 * discard_inner_pages): a tag lost with them would show at once. After every operation the return codes,
 * the returned offsets, every statistic and the rover (or heap pointer) must
 * agree and heap_check() must find nothing broken; a compaction must report
 * the same moves in the same order; every 97 operations and at
 * the end the whole block walk must match the model's block list. The heaps
 * alternate between filling and draining phases so that both the full and
 * the nearly empty heap are exercised. The PRNG is splitmix64 with a fixed
 * seed, so every failure reproduces.
 *
 * With --deep (the core_differential_deep suite, label soak) it runs two big
 * heaps instead, with long phases and rare compactions, so that thousands of
 * free blocks pile up and the free index works four levels deep; it takes a
 * few minutes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_support.h"
#include "reference_model.h"

enum {
    BLOCK_COMPARE_INTERVAL = 97,
    RECENT_OPERATIONS = 8,
    MAX_MOVES = 65536            /* more than the blocks of the largest heap below */
};

typedef struct {
    uint64_t heap_bytes, alignment, min_payload;
    uint64_t operations;
    uint64_t typical_request;    /* most requests are below this, bytes */
    uint64_t phase_length;       /* operations per filling or draining phase */
    uint64_t compact_odds;       /* 1 in this many compaction draws really compacts */
} DiffSetup;

/* 1,000,000 operations in all, per policy. */
static const DiffSetup setups[] = {
    { 4096, 8, 8, 250000, 96, 3000, 1 },
    { 1024, 16, 1, 150000, 64, 3000, 1 },
    { 2050, 4, 12, 150000, 80, 3000, 1 },
    { 1500, 4, 1, 200000, 24, 3000, 1 },
    { 3000, 64, 8, 150000, 160, 3000, 1 },
    { 2500, 8, 40, 100000, 64, 3000, 1 },
    { 12u << 20, 16, 8, 40000, 64u << 10, 400, 1 },
};

/* --deep: up to about 40,000 blocks, and free indexes of thousands of entries. */
static const DiffSetup deep_setups[] = {
    { 1u << 20, 8, 8, 120000, 64, 30000, 60 },
    { 1u << 18, 16, 1, 80000, 32, 30000, 60 },
};

static bool deep;                /* --deep was given */

typedef enum { OP_MALLOC, OP_FREE, OP_REALLOC, OP_COMPACT } OpKind;

typedef struct {
    OpKind kind;
    uint64_t pointer;
    uint64_t n;
} Operation;

typedef struct {
    HeapError error;
    uint64_t result;
} Outcome;

/* The (old, new) payload pairs one compaction reported, in order. */
typedef struct {
    uint64_t from[MAX_MOVES], to[MAX_MOVES];
    size_t count;
} MoveLog;

typedef struct {
    Heap *heap;
    RefHeap *ref;
    MoveLog heap_moves, ref_moves;
    const DiffSetup *setup;
    HeapPolicy policy;
    uint64_t rng;
    uint64_t stale;              /* a payload freed earlier, for double frees */
    uint64_t step;
    Operation recent[RECENT_OPERATIONS];
} Differential;

/* --- random operations ------------------------------------------------------------ */

static uint64_t random_below(Differential *d, uint64_t bound)
{
    return support_random_below(&d->rng, bound);
}

static uint64_t random_size(Differential *d)
{
    uint64_t r = random_below(d, 1000);
    if (r < 20) {
        return 0;
    }
    if (r < 700) {
        return random_below(d, d->setup->typical_request);
    }
    if (r < 960) {
        return random_below(d, d->setup->typical_request * 4);
    }
    if (r < 995) {
        return random_below(d, d->setup->heap_bytes + 64);
    }
    return UINT64_MAX - random_below(d, 128);
}

static uint64_t bad_pointer(Differential *d)
{
    switch (random_below(d, 4)) {
    case 0:
        return d->stale;
    case 1:
        return random_below(d, d->setup->heap_bytes + 64);
    case 2:
        return UINT64_MAX - random_below(d, 16);
    default:
        return ref_region_start(d->ref) + 8 + random_below(d, 2 * d->setup->alignment);
    }
}

static uint64_t some_pointer(Differential *d)
{
    uint64_t live = ref_stats(d->ref)->used_blocks;
    if (live == 0 || random_below(d, 100) < 4) {
        return bad_pointer(d);
    }
    return ref_used_payload(d->ref, random_below(d, live));
}

static Operation random_operation(Differential *d)
{
    bool filling = (d->step / d->setup->phase_length) % 2 == 0;
    uint64_t r = random_below(d, 1000);
    uint64_t malloc_share = filling ? 450 : 350;
    uint64_t free_share = filling ? 250 : 400;
    uint64_t compact_share = d->policy == HEAP_BUMP ? 10 : 2;   /* bump only recovers so */
    if (r < compact_share && random_below(d, d->setup->compact_odds) == 0) {
        return (Operation){ OP_COMPACT, 0, 0 };
    }
    if (r < malloc_share || ref_stats(d->ref)->used_blocks == 0) {
        return (Operation){ OP_MALLOC, 0, random_size(d) };
    }
    if (r < malloc_share + free_share) {
        return (Operation){ OP_FREE, r % 50 == 0 ? 0 : some_pointer(d), 0 };
    }
    Operation op = { OP_REALLOC, r % 20 == 0 ? 0 : some_pointer(d), r % 20 == 1 ? 0 : random_size(d) };
    if (op.pointer == 0 && op.n == 0) {
        op.n = 1;   /* realloc(0, 0) is left out: the issue gives it two readings */
    }
    return op;
}

/* --- running one operation on both sides ----------------------------------------- */

static void record_move(void *context, uint64_t old_payload, uint64_t new_payload)
{
    MoveLog *log = context;
    assert_true(log->count < MAX_MOVES);
    log->from[log->count] = old_payload;
    log->to[log->count] = new_payload;
    log->count++;
}

static Outcome run_on_heap(Heap *heap, const Operation *op, MoveLog *moves)
{
    Outcome out = { HEAP_OK, 0 };
    if (op->kind == OP_MALLOC) {
        out.error = heap_malloc(heap, op->n, &out.result);
    } else if (op->kind == OP_FREE) {
        out.error = heap_free(heap, op->pointer);
    } else if (op->kind == OP_REALLOC) {
        out.error = heap_realloc(heap, op->pointer, op->n, &out.result);
    } else {
        moves->count = 0;
        heap_compact(heap, record_move, moves);
    }
    return out;
}

static Outcome run_on_model(RefHeap *ref, const Operation *op, MoveLog *moves)
{
    Outcome out = { HEAP_OK, 0 };
    if (op->kind == OP_MALLOC) {
        out.error = ref_malloc(ref, op->n, &out.result);
    } else if (op->kind == OP_FREE) {
        out.error = ref_free(ref, op->pointer);
    } else if (op->kind == OP_REALLOC) {
        out.error = ref_realloc(ref, op->pointer, op->n, &out.result);
    } else {
        moves->count = 0;
        ref_compact(ref, record_move, moves);
    }
    return out;
}

static void describe_recent(const Differential *d, char *text, size_t size)
{
    static const char *names[] = { "malloc", "free", "realloc", "compact" };
    size_t used = 0;
    uint64_t first = d->step + 1 > RECENT_OPERATIONS ? d->step + 1 - RECENT_OPERATIONS : 0;
    for (uint64_t s = first; s <= d->step && used < size; s++) {
        const Operation *op = &d->recent[s % RECENT_OPERATIONS];
        int written = snprintf(text + used, size - used, "\n    #%llu %s(p=%llu, n=%llu)",
                               (unsigned long long)s, names[op->kind],
                               (unsigned long long)op->pointer, (unsigned long long)op->n);
        used += written > 0 ? (size_t)written : 0;
    }
}

static void mismatch(const Differential *d, const char *what)
{
    char recent[1024] = "";
    describe_recent(d, recent, sizeof recent);
    fail_msg("%s policy, H %llu, A %llu, M %llu, step %llu: %s\n  last operations:%s",
             heap_policy_name(d->policy), (unsigned long long)d->setup->heap_bytes,
             (unsigned long long)d->setup->alignment, (unsigned long long)d->setup->min_payload,
             (unsigned long long)d->step, what, recent);
}

/* --- comparisons ------------------------------------------------------------------- */

static void compare_outcome(const Differential *d, const Outcome *heap_out, const Outcome *ref_out)
{
    char what[200];
    if (heap_out->error != ref_out->error || heap_out->result != ref_out->result) {
        snprintf(what, sizeof what, "core returned (%s, %llu), model (%s, %llu)",
                 heap_error_message(heap_out->error), (unsigned long long)heap_out->result,
                 heap_error_message(ref_out->error), (unsigned long long)ref_out->result);
        mismatch(d, what);
    }
}

static void compare_moves(const Differential *d)
{
    char what[200];
    size_t count = d->heap_moves.count;
    for (size_t i = 0; i < count && i < d->ref_moves.count; i++) {
        if (d->heap_moves.from[i] != d->ref_moves.from[i]
            || d->heap_moves.to[i] != d->ref_moves.to[i]) {
            snprintf(what, sizeof what, "compaction move %zu reported %llu -> %llu, model %llu -> %llu",
                     i, (unsigned long long)d->heap_moves.from[i],
                     (unsigned long long)d->heap_moves.to[i],
                     (unsigned long long)d->ref_moves.from[i], (unsigned long long)d->ref_moves.to[i]);
            mismatch(d, what);
        }
    }
    if (count != d->ref_moves.count) {
        snprintf(what, sizeof what, "compaction reported %zu moves, model %zu", count,
                 d->ref_moves.count);
        mismatch(d, what);
    }
}

static void compare_pointers(const Differential *d, bool after_compact)
{
    char what[200];
    bool check_rover = d->policy != HEAP_BUMP || after_compact;
    bool check_bump = d->policy == HEAP_BUMP || after_compact;
    if (check_rover && heap_rover(d->heap) != ref_rover(d->ref)) {
        snprintf(what, sizeof what, "rover %llu, model %llu",
                 (unsigned long long)heap_rover(d->heap), (unsigned long long)ref_rover(d->ref));
        mismatch(d, what);
    }
    if (check_bump && heap_bump_pointer(d->heap) != ref_bump_pointer(d->ref)) {
        snprintf(what, sizeof what, "heap pointer %llu, model %llu",
                 (unsigned long long)heap_bump_pointer(d->heap),
                 (unsigned long long)ref_bump_pointer(d->ref));
        mismatch(d, what);
    }
}

/* The core lists the blocks its last search examined as the model passed them. */
static void compare_search_path(const Differential *d)
{
    enum { MAX_PATH = 4096 };
    static uint64_t path[MAX_PATH];
    char what[240];
    size_t ref_count = 0;
    const uint64_t *ref_path = ref_search_path(d->ref, &ref_count);
    /* listing a long path walks the heap: every step for short ones, else every 16th */
    bool listed = ref_count <= 32 || d->step % 16 == 0;
    uint64_t count = listed ? heap_search_path(d->heap, path, MAX_PATH) : ref_count;
    if (count != ref_count || heap_last_event(d->heap)->examined != ref_count) {
        snprintf(what, sizeof what, "the search examined %llu blocks (path %llu), model %zu",
                 (unsigned long long)heap_last_event(d->heap)->examined,
                 (unsigned long long)count, ref_count);
        mismatch(d, what);
    }
    for (size_t i = 0; listed && i < ref_count && i < MAX_PATH; i++) {
        if (path[i] != ref_path[i]) {
            snprintf(what, sizeof what, "examined block %zu is at %llu, model %llu", i,
                     (unsigned long long)path[i], (unsigned long long)ref_path[i]);
            mismatch(d, what);
        }
    }
}

static void compare_state(const Differential *d, bool after_compact)
{
    compare_search_path(d);
    char why[160], what[240];
    if (!support_stats_equal(heap_stats(d->heap), ref_stats(d->ref), why, sizeof why)) {
        snprintf(what, sizeof what, "statistics differ (core vs model) at %s", why);
        mismatch(d, what);
    }
    compare_pointers(d, after_compact);
    HeapCheck check = heap_check(d->heap);
    if (check.broken != 0) {
        snprintf(what, sizeof what, "heap_check broken 0x%x at block %llu", check.broken,
                 (unsigned long long)check.first_offset);
        mismatch(d, what);
    }
}

static bool same_block(const HeapBlock *block, const RefBlock *expected)
{
    return block->offset == expected->offset && block->size == expected->size
        && block->state == expected->state && block->requested == expected->requested
        && block->payload == expected->offset + HEAP_TAG_BYTES
        && block->header == support_tag_word(expected->size, expected->state);
}

static void compare_blocks(const Differential *d)
{
    char what[240];
    HeapBlock block;
    size_t index = 0;
    for (bool more = heap_first_block(d->heap, &block); more;
         more = heap_next_block(d->heap, &block), index++) {
        RefBlock expected = index < ref_block_count(d->ref) ? ref_block(d->ref, index)
                                                            : (RefBlock){ 0, 0, HEAP_BLOCK_FREE, 0 };
        if (index >= ref_block_count(d->ref) || !same_block(&block, &expected)) {
            snprintf(what, sizeof what,
                     "block %zu is {%llu, %llu, state %d, req %llu, header %llu}, model "
                     "{%llu, %llu, state %d, req %llu}", index,
                     (unsigned long long)block.offset, (unsigned long long)block.size,
                     (int)block.state, (unsigned long long)block.requested,
                     (unsigned long long)block.header, (unsigned long long)expected.offset,
                     (unsigned long long)expected.size, (int)expected.state,
                     (unsigned long long)expected.requested);
            mismatch(d, what);
        }
    }
    if (index != ref_block_count(d->ref)) {
        snprintf(what, sizeof what, "core has %zu blocks, model %zu", index,
                 ref_block_count(d->ref));
        mismatch(d, what);
    }
}

/* --- the run ----------------------------------------------------------------------- */

static void remember_stale(Differential *d, const Operation *op, const Outcome *out)
{
    bool freed = op->kind == OP_FREE || (op->kind == OP_REALLOC && op->n == 0);
    bool moved = op->kind == OP_REALLOC && out->result != 0 && out->result != op->pointer;
    if (out->error == HEAP_OK && op->pointer != 0 && (freed || moved)) {
        d->stale = op->pointer;
    }
}

static void run_setup(HeapPolicy policy, const DiffSetup *setup, uint64_t seed)
{
    HeapConfig config = { setup->heap_bytes, setup->alignment, setup->min_payload, policy,
                          .count_examined = true };
    Differential *d = calloc(1, sizeof *d); /* its move logs are too big for the stack */
    assert_non_null(d);
    *d = (Differential){ .setup = setup, .policy = policy, .rng = seed };
    assert_int_equal(heap_create(&config, &d->heap), HEAP_OK);
    assert_int_equal(ref_create(&config, &d->ref), HEAP_OK);
    compare_state(d, true);
    compare_blocks(d);
    for (d->step = 0; d->step < setup->operations; d->step++) {
        Operation op = random_operation(d);
        d->recent[d->step % RECENT_OPERATIONS] = op;
        Outcome heap_out = run_on_heap(d->heap, &op, &d->heap_moves);
        Outcome ref_out = run_on_model(d->ref, &op, &d->ref_moves);
        compare_outcome(d, &heap_out, &ref_out);
        if (op.kind == OP_COMPACT) {
            compare_moves(d);
        }
        compare_state(d, op.kind == OP_COMPACT);
        if (d->step % BLOCK_COMPARE_INTERVAL == 0) {
            compare_blocks(d);
        }
        remember_stale(d, &op, &ref_out);
    }
    compare_blocks(d);
    heap_destroy(d->heap);
    ref_destroy(d->ref);
    free(d);
}

static void run_policy(HeapPolicy policy)
{
    const DiffSetup *table = deep ? deep_setups : setups;
    size_t count = deep ? SUPPORT_COUNT(deep_setups) : SUPPORT_COUNT(setups);
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        run_setup(policy, &table[i], 0x5EED0000u + 131u * (uint64_t)policy + i);
        total += table[i].operations;
    }
    assert_true(total >= (deep ? 200000u : 1000000u));
}

static void test_first_fit_matches_model(void **state)
{
    (void)state;
    run_policy(HEAP_FIRST_FIT);
}

static void test_next_fit_matches_model(void **state)
{
    (void)state;
    run_policy(HEAP_NEXT_FIT);
}

static void test_best_fit_matches_model(void **state)
{
    (void)state;
    run_policy(HEAP_BEST_FIT);
}

static void test_worst_fit_matches_model(void **state)
{
    (void)state;
    run_policy(HEAP_WORST_FIT);
}

static void test_bump_matches_model(void **state)
{
    (void)state;
    run_policy(HEAP_BUMP);
}

int main(int argc, char **argv)
{
    deep = argc > 1 && strcmp(argv[1], "--deep") == 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_fit_matches_model),
        cmocka_unit_test(test_next_fit_matches_model),
        cmocka_unit_test(test_best_fit_matches_model),
        cmocka_unit_test(test_worst_fit_matches_model),
        cmocka_unit_test(test_bump_matches_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
