/*
 * test_soak.c - long runs: 10,000,000 random calls per policy (argv[1]
 * changes the count), with heap_check(), the statistics and every live
 * block's pattern verified every 1,000 calls and each call's own outcome
 * checked as it happens (see tests/fuzz/exerciser.h). Label `soak`, outside
 * the default test run.
 *
 * Each policy runs on its own alignment (first fit 4 ... bump 64), so the
 * five runs also cover the five alignments. Requests are mostly small, some
 * up to 4 KiB and a few near UINT64_MAX, on a 128 KiB heap with up to 512
 * live blocks, so the heap fills, fragments and fails as well as succeeds.
 * A fixed seed per policy makes every failure reproducible.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core_support.h"
#include "exerciser.h"

enum {
    SOAK_HEAP_BYTES = 128 * 1024,
    SOAK_MAX_LIVE = 512,
    VERIFY_EVERY = 1000,
    PER_MILLE = 1000
};

static uint64_t operations = 10000000;

/* Calls per thousand: malloc 400, free 300, realloc 296, compact 2, bad free 1, bad realloc 1. */
static ExerciseKind random_kind(uint64_t *random)
{
    static const struct { uint64_t below; ExerciseKind kind; } mix[] = {
        {400, EXERCISE_MALLOC}, {700, EXERCISE_FREE}, {996, EXERCISE_REALLOC},
        {998, EXERCISE_COMPACT}, {999, EXERCISE_FREE_BAD}, {PER_MILLE, EXERCISE_REALLOC_BAD}};
    uint64_t roll = support_random_below(random, PER_MILLE);
    size_t i = 0;
    while (roll >= mix[i].below)
        i++;
    return mix[i].kind;
}

/* Mostly under 256 bytes, one in ten up to 4 KiB, one in 10,000 near UINT64_MAX. */
static uint64_t random_bytes(uint64_t *random)
{
    uint64_t roll = support_random_below(random, 10000);
    if (roll == 0)
        return UINT64_MAX - support_random_below(random, 128);
    return support_random_below(random, roll % 10 == 0 ? 4096 : 256);
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void soak(HeapPolicy policy)
{
    HeapConfig config = { SOAK_HEAP_BYTES, (uint64_t)HEAP_MIN_ALIGNMENT << policy, 8, policy,
                          .count_examined = true };
    Exerciser *exerciser = NULL;
    assert_int_equal(exerciser_create(&config, SOAK_MAX_LIVE, false, &exerciser), HEAP_OK);
    uint64_t random = 0x50A4 + (uint64_t)policy;
    char why[256];
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (uint64_t i = 1; i <= operations; i++) {
        Exercise exercise = {random_kind(&random), support_random(&random), random_bytes(&random)};
        if (!exerciser_apply(exerciser, &exercise, why, sizeof why))
            fail_msg("%s, call %llu (kind %d): %s", heap_policy_name(policy), (unsigned long long)i,
                     (int)exercise.kind, why);
        if ((i % VERIFY_EVERY == 0 || i == operations) && !exerciser_verify(exerciser, why, sizeof why))
            fail_msg("%s, after call %llu: %s", heap_policy_name(policy), (unsigned long long)i, why);
    }
    const HeapStats *stats = heap_stats(exerciser_heap(exerciser));
    assert_true(stats->mallocs > operations / 10 && stats->failed > 0 && stats->errors > 0);
    print_message("%s: %llu calls in %.1f s (%llu mallocs, %llu failed, %llu errors, %llu compactions)\n",
                  heap_policy_name(policy), (unsigned long long)operations, seconds_since(&start),
                  (unsigned long long)stats->mallocs, (unsigned long long)stats->failed,
                  (unsigned long long)stats->errors, (unsigned long long)stats->compactions);
    exerciser_destroy(exerciser);
}

static void test_soak_first_fit(void **state) { (void)state; soak(HEAP_FIRST_FIT); }
static void test_soak_next_fit(void **state) { (void)state; soak(HEAP_NEXT_FIT); }
static void test_soak_best_fit(void **state) { (void)state; soak(HEAP_BEST_FIT); }
static void test_soak_worst_fit(void **state) { (void)state; soak(HEAP_WORST_FIT); }
static void test_soak_bump(void **state) { (void)state; soak(HEAP_BUMP); }

int main(int argc, char **argv)
{
    if (argc > 1)
        operations = strtoull(argv[1], NULL, 10);
    if (argc > 2 || operations == 0) {
        fprintf(stderr, "usage: %s [CALLS_PER_POLICY]\n", argv[0]);
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_first_fit),
        cmocka_unit_test(test_soak_next_fit),
        cmocka_unit_test(test_soak_best_fit),
        cmocka_unit_test(test_soak_worst_fit),
        cmocka_unit_test(test_soak_bump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
