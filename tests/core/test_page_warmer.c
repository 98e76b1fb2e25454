/*
 * test_page_warmer.c - the page warmer faults in exactly the pages just
 * above a heap's high water, on its own thread, and changes no byte.
 *
 * Residency is read with mincore(2). The expected ranges are worked out by
 * hand from page_warmer.h's contract: after page_warmer_reached(w, H) the
 * block's first round_up(H + 4 MiB, 2 MiB) bytes are resident, nothing
 * beyond them is touched, and the heap is asked to call again at H + 2 MiB.
 * "Nothing beyond" allows one huge page of slack at each edge: where the
 * block does not start on a 2 MiB boundary, the kernel faults in the whole
 * huge page that a range's last bytes fall in.
 * Where the kernel has no MADV_POPULATE_WRITE (before Linux 5.14) the
 * warmer does nothing by design, and the residency tests are skipped.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "heap_internal.h"
#include "page_warmer.h"
#include "zeroed_memory.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (UINT64_C(1) << 20)
enum { BLOCK_BYTES = 64 << 20 };

/* Whether every 4 KiB page of [start, end) of `block` is resident. */
static bool resident(const uint8_t *block, uint64_t start, uint64_t end, bool every)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char vector[1];
    for (uint64_t offset = start; offset < end; offset += (uint64_t)page) {
        assert_int_equal(mincore((void *)(block + offset), 1, vector), 0);
        bool in = vector[0] & 1;
        if (every && !in)
            return false;
        if (!every && in)
            return true;
    }
    return every;
}

static bool kernel_can_populate(uint8_t *block)
{
#ifdef MADV_POPULATE_WRITE
    return madvise(block + BLOCK_BYTES - 2 * MIB, 2 * MIB, MADV_POPULATE_WRITE) == 0;
#else
    (void)block;
    return false;
#endif
}

/* Waits up to ten seconds for [start, end) to be resident. */
static bool wait_until_resident(const uint8_t *block, uint64_t start, uint64_t end)
{
    for (int tries = 0; tries < 1000; tries++) {
        if (resident(block, start, end, true))
            return true;
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
    }
    return false;
}

/* A mapped block of BLOCK_BYTES whose pages this kernel can fault in on
 * request; skips the test where it cannot (before Linux 5.14). */
static uint8_t *populatable_block(void)
{
    uint8_t *block = zeroed_memory_get(BLOCK_BYTES);
    assert_non_null(block);
    if (!kernel_can_populate(block)) {
        zeroed_memory_release(block, BLOCK_BYTES);
        skip();
    }
    return block;
}

/* The heap wrote up to 3 MiB + 40: the warmer faults in up to
 * round_up(3 MiB + 40 + 4 MiB, 2 MiB) = 8 MiB, and nothing from 10 MiB to
 * the 60 MiB below the probe's [62, 64) MiB. Told 5 MiB + 8 next, it goes
 * on to round_up(9 MiB + 8, 2 MiB) = 10 MiB (madvise takes only
 * page-aligned starts: an end of 7 MiB + 40 would make the next start fail). */
static void test_warms_only_just_above_the_high_water(void **state)
{
    (void)state;
    uint8_t *block = populatable_block();
    memset(block, 0xA5, 3 * MIB + 40);
    PageWarmer *warmer = page_warmer_create(block, BLOCK_BYTES);
    assert_non_null(warmer);
    assert_int_equal(page_warmer_reached(warmer, 3 * MIB + 40), 5 * MIB + 40);
    assert_true(wait_until_resident(block, 0, 8 * MIB));
    nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL); /* it must stop there */
    assert_false(resident(block, 10 * MIB, 60 * MIB, false));
    assert_int_equal(page_warmer_reached(warmer, 5 * MIB + 8), 7 * MIB + 8);
    assert_true(wait_until_resident(block, 0, 10 * MIB));
    page_warmer_destroy(warmer);
    for (uint64_t i = 0; i < 3 * MIB + 40; i++)
        if (block[i] != 0xA5)
            fail_msg("byte %llu changed", (unsigned long long)i);
    for (uint64_t i = 3 * MIB + 40; i < 10 * MIB; i += 4096)
        assert_int_equal(block[i], 0);
    zeroed_memory_release(block, BLOCK_BYTES);
}

/* A heap that overtook the warmer: it skips to the page above the new
 * high water (20 MiB written: warm [20, 24) MiB), so what lies between the
 * old wanted end (4 MiB) and the heap's own pages ([18, 20) MiB) stays
 * untouched. */
static void test_skips_ahead_when_overtaken(void **state)
{
    (void)state;
    uint8_t *block = populatable_block();
    PageWarmer *warmer = page_warmer_create(block, BLOCK_BYTES);
    assert_int_equal(page_warmer_reached(warmer, 0), 2 * MIB);
    assert_true(wait_until_resident(block, 0, 4 * MIB));
    memset(block + 18 * MIB, 0x5A, 2 * MIB); /* the heap's own writes, [18, 20) MiB */
    assert_int_equal(page_warmer_reached(warmer, 20 * MIB), 22 * MIB);
    assert_true(wait_until_resident(block, 20 * MIB, 24 * MIB));
    assert_false(resident(block, 6 * MIB, 16 * MIB, false));
    assert_false(resident(block, 26 * MIB, 60 * MIB, false));
    page_warmer_destroy(warmer);
    zeroed_memory_release(block, BLOCK_BYTES);
}

/* A follower at a quarter of the block's offsets (shift 2): when the block
 * is warmed up to 8 MiB (high water 3 MiB + 40: [4, 8) MiB, the heap's own
 * writes below), the follower is warmed up
 * to round_up(8 MiB / 4, 2 MiB) = 2 MiB; to 24 MiB (high water 20 MiB,
 * after a skip), up to 6 MiB, the pages the block skipped included. A page
 * asked for again (40 MiB) warms the block alone, and no follower byte
 * changes. */
static void test_warms_its_follower(void **state)
{
    (void)state;
    uint8_t *block = populatable_block();
    uint8_t *follower = zeroed_memory_get(16 * MIB);
    assert_non_null(follower);
    PageWarmer *warmer = page_warmer_create(block, BLOCK_BYTES);
    page_warmer_follow(warmer, follower, 16 * MIB, 2);
    page_warmer_reached(warmer, 3 * MIB + 40);
    assert_true(wait_until_resident(block, 4 * MIB, 8 * MIB));
    assert_true(wait_until_resident(follower, 0, 2 * MIB));
    nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL); /* it must stop there */
    assert_false(resident(follower, 4 * MIB, 16 * MIB, false));
    page_warmer_reached(warmer, 20 * MIB);
    assert_true(wait_until_resident(block, 20 * MIB, 24 * MIB));
    assert_true(wait_until_resident(follower, 0, 6 * MIB));
    page_warmer_warm_again(warmer, 40 * MIB);
    assert_true(wait_until_resident(block, 40 * MIB, 42 * MIB));
    nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
    assert_false(resident(follower, 8 * MIB, 16 * MIB, false));
    page_warmer_destroy(warmer);
    for (uint64_t i = 0; i < 6 * MIB; i += 512)
        assert_int_equal(follower[i], 0);
    zeroed_memory_release(follower, 16 * MIB);
    zeroed_memory_release(block, BLOCK_BYTES);
}

/* A heap's live marks follow its arena. A 64 MiB heap (A = 8, blocks of
 * at least 24: 16-byte buckets) has 4 MiB of marks, a huge page for each
 * 32 MiB of arena. 240 blocks of 128 KiB fill it to 30 MiB: the warmer
 * faults the arena in to round_up(34 MiB, 2 MiB) and the marks to
 * round_up(34 MiB / 16, 2 MiB) = 4 MiB, though no block starts past 30 MiB
 * (marks below 1.875 MiB). */
static void test_a_heap_warms_its_marks(void **state)
{
    (void)state;
    uint8_t *probe = populatable_block();
    zeroed_memory_release(probe, BLOCK_BYTES);
    HeapConfig config = heap_default_config(64 * MIB);
    Heap *heap = NULL;
    assert_int_equal(heap_create(&config, &heap), HEAP_OK);
    assert_int_equal(heap->live.mark_bytes, (64 * MIB / 16 + 1 + 7) / 8 * 8);
    for (int i = 0; i < 240; i++) {
        uint64_t payload = 0;
        assert_int_equal(heap_malloc(heap, (128 << 10) - 16, &payload), HEAP_OK);
    }
    assert_int_equal(heap_stats(heap)->high_water, 30 * MIB);
    assert_true(wait_until_resident(heap->live.marks, 2 * MIB, 4 * MIB));
    heap_destroy(heap);
}

/* A page asked for again is faulted in whole and alone, below the high
 * water as well as above it, and no byte changes: [20, 22) MiB of an
 * untouched block comes in, [22, 24) MiB does not; an offset that is not a
 * whole page ([30 MiB + 4 KiB) or lies past the block is ignored. */
static void test_warms_a_page_asked_for_again(void **state)
{
    (void)state;
    uint8_t *block = populatable_block();
    memset(block, 0x3C, 2 * MIB);
    PageWarmer *warmer = page_warmer_create(block, BLOCK_BYTES);
    assert_non_null(warmer);
    page_warmer_warm_again(warmer, 30 * MIB + 4096);
    page_warmer_warm_again(warmer, BLOCK_BYTES);
    page_warmer_warm_again(warmer, 20 * MIB);
    assert_true(wait_until_resident(block, 20 * MIB, 22 * MIB));
    nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL); /* nothing else may come */
    assert_false(resident(block, 22 * MIB, 60 * MIB, false));
    assert_false(resident(block, 2 * MIB, 20 * MIB, false));
    page_warmer_destroy(warmer);
    for (uint64_t i = 0; i < 2 * MIB; i++)
        if (block[i] != 0x3C)
            fail_msg("byte %llu changed", (unsigned long long)i);
    for (uint64_t i = 20 * MIB; i < 22 * MIB; i += 4096)
        assert_int_equal(block[i], 0);
    page_warmer_warm_again(NULL, 0); /* a NULL warmer: nothing */
    zeroed_memory_release(block, BLOCK_BYTES);
}

/* Near the end the wanted range is the whole block: the warmer asks not to
 * be told again (UINT64_MAX). 60 + 4 MiB reaches the end of the 64 MiB block. */
static void test_stops_asking_at_the_end_of_the_block(void **state)
{
    (void)state;
    uint8_t *block = zeroed_memory_get(BLOCK_BYTES);
    PageWarmer *warmer = page_warmer_create(block, BLOCK_BYTES);
    if (warmer == NULL) {       /* not Linux: nothing to warm */
        zeroed_memory_release(block, BLOCK_BYTES);
        skip();
    }
    assert_int_equal(page_warmer_reached(warmer, 60 * MIB), UINT64_MAX);
    page_warmer_destroy(warmer);
    zeroed_memory_release(block, BLOCK_BYTES);
}

/* A small block is calloc'd, not a mapping of its own: no warmer, and a
 * NULL warmer never asks to be told anything. */
static void test_small_blocks_have_no_warmer(void **state)
{
    (void)state;
    size_t bytes = ZEROED_MEMORY_MAPPED_BYTES - 1;
    void *block = zeroed_memory_get(bytes);
    assert_null(page_warmer_create(block, bytes));
    assert_int_equal(page_warmer_reached(NULL, 0), UINT64_MAX);
    page_warmer_destroy(NULL);
    zeroed_memory_release(block, bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warms_only_just_above_the_high_water),
        cmocka_unit_test(test_skips_ahead_when_overtaken),
        cmocka_unit_test(test_warms_a_page_asked_for_again),
        cmocka_unit_test(test_warms_its_follower),
        cmocka_unit_test(test_a_heap_warms_its_marks),
        cmocka_unit_test(test_stops_asking_at_the_end_of_the_block),
        cmocka_unit_test(test_small_blocks_have_no_warmer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
