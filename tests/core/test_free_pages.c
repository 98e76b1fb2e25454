/*
 * test_free_pages.c - a free block's inner huge pages go back to the system
 * (heap.c's discard_inner_pages), and the heap goes on exactly as before.
 *
 * A 16 MiB heap (its own mapping, zeroed_memory.h) with the default A = 8
 * starts its first block at offset 0; 64 requests of 128 KiB - 16 bytes
 * make 64 blocks of 128 KiB, block i at i * 128 KiB (payload + 8), up to
 * the high water at 8 MiB. Blocks 0 and 63 stay; blocks 1..62 are freed,
 * in some order, into one free block [128 KiB, 7.875 MiB). Its header lies
 * in huge page [0, 2) MiB and its footer in [6, 8) MiB, with block 63's
 * header: those two pages must stay. The pages wholly inside,
 * [2, 4) and [4, 6) MiB, must be given back: not resident. Then the freed
 * space takes the same 62 blocks again at the same offsets, every tag
 * intact (heap_check), and block 63 frees and merges as it should.
 * A page goes back once only: freed again after the refill, [2, 6) MiB
 * stay, in the heap, in a clone of it, and in a heap given its state spans.
 * Residency is read with mincore(2), on Linux only; before the frees each
 * test waits for the page warmer to fault in what the filling asked of it,
 * so that no page comes back behind the test's back.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "heap.h"
#include "heap_internal.h"
#include "zeroed_memory.h"

#include <stdbool.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#endif

#define MIB (UINT64_C(1) << 20)
enum { BLOCKS = 64, BLOCK_BYTES = 128 << 10, HEAP_BYTES = 16 << 20 };

#if defined(__linux__)
/* How many 4 KiB pages of arena bytes [start, end) are resident. */
static uint64_t resident_pages(const uint8_t *arena, uint64_t start, uint64_t end)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), count = 0;
    unsigned char vector[1];
    for (uint64_t offset = start / page * page; offset < end; offset += page) {
        assert_int_equal(mincore((void *)(arena + offset), 1, vector), 0);
        count += vector[0] & 1;
    }
    return count;
}
#endif

#if defined(__linux__)
/* Whether this kernel faults pages in on request (MADV_POPULATE_WRITE,
 * Linux 5.14), as the page warmer asks it to; where it cannot, the warmer
 * does nothing by design. */
static bool kernel_can_populate(void)
{
#ifdef MADV_POPULATE_WRITE
    void *probe = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(probe != MAP_FAILED);
    bool can = madvise(probe, 2 * MIB, MADV_POPULATE_WRITE) == 0;
    munmap(probe, 2 * MIB);
    return can;
#else
    return false;
#endif
}

/* Waits up to ten seconds for every 4 KiB page of [start, end) to be resident. */
static bool wait_until_resident(const uint8_t *arena, uint64_t start, uint64_t end)
{
    uint64_t pages = (end - start) / (uint64_t)sysconf(_SC_PAGESIZE);
    for (int tries = 0; tries < 1000; tries++) {
        if (resident_pages(arena, start, end) == pages)
            return true;
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
    }
    return false;
}
#endif

/* Waits until the page warmer has done what the filling of the heap asked
 * of it: faulting in the huge pages up to 12 MiB (the high water, 8 MiB,
 * and 4 MiB more), in order. A warmer still faulting in [4, 6) MiB when a
 * test gives it back would bring it back after the test's free. */
static void wait_for_the_warmer(const Heap *heap)
{
#if defined(__linux__)
    if (kernel_can_populate())
        assert_true(wait_until_resident(heap_arena(heap), 10 * MIB, 12 * MIB));
#else
    (void)heap;
#endif
}

static Heap *full_heap(void)
{
    HeapConfig config = heap_default_config(HEAP_BYTES);
    Heap *heap = NULL;
    assert_int_equal(heap_create(&config, &heap), HEAP_OK);
    for (uint64_t i = 0; i < BLOCKS; i++) {
        uint64_t payload = 0;
        assert_int_equal(heap_malloc(heap, BLOCK_BYTES - 16, &payload), HEAP_OK);
        assert_int_equal(payload, i * BLOCK_BYTES + 8);
    }
    assert_int_equal(heap_stats(heap)->high_water, 8 * MIB);
    wait_for_the_warmer(heap);
    return heap;
}

/* Frees blocks 1..62 in `order` (a permutation of them) and checks what is
 * resident and what the heap holds, then fills the space again. */
static void free_and_refill(const uint64_t *order)
{
    Heap *heap = full_heap();
    const uint8_t *arena = heap_arena(heap);
    for (uint64_t k = 0; k < BLOCKS - 2; k++)
        assert_int_equal(heap_free(heap, order[k] * BLOCK_BYTES + 8), HEAP_OK);
    assert_int_equal(heap_check(heap).broken, 0);
    HeapBlock block;
    assert_true(heap_block_at(heap, 3 * MIB, &block));
    assert_int_equal(block.offset, BLOCK_BYTES);
    assert_int_equal(block.size, (BLOCKS - 2) * BLOCK_BYTES);
#if defined(__linux__)
    assert_int_equal(resident_pages(arena, 2 * MIB, 6 * MIB), 0);
    assert_true(resident_pages(arena, BLOCK_BYTES, BLOCK_BYTES + 8) == 1);               /* its header */
    assert_true(resident_pages(arena, (BLOCKS - 1) * BLOCK_BYTES - 8, (BLOCKS - 1) * BLOCK_BYTES) == 1); /* footer */
#endif
    for (uint64_t i = 1; i < BLOCKS - 1; i++) {
        uint64_t payload = 0;
        assert_int_equal(heap_malloc(heap, BLOCK_BYTES - 16, &payload), HEAP_OK);
        assert_int_equal(payload, i * BLOCK_BYTES + 8);
    }
    assert_int_equal(heap_check(heap).broken, 0);
    assert_int_equal(heap_free(heap, (BLOCKS - 1) * BLOCK_BYTES + 8), HEAP_OK);
    assert_true(heap_block_at(heap, (BLOCKS - 1) * BLOCK_BYTES, &block));
    assert_int_equal(block.offset, (BLOCKS - 1) * BLOCK_BYTES);
    assert_int_equal(block.size, heap_region_end(heap) - (BLOCKS - 1) * BLOCK_BYTES);
    assert_int_equal(heap_check(heap).broken, 0);
    heap_destroy(heap);
}

/* Each free merges with the block before it: the free block grows upward. */
static void test_pages_go_back_as_a_free_block_grows_up(void **state)
{
    (void)state;
    uint64_t order[BLOCKS - 2];
    for (uint64_t k = 0; k < BLOCKS - 2; k++)
        order[k] = 1 + k;
    free_and_refill(order);
}

/* Each free merges with the block after it: the free block grows downward. */
static void test_pages_go_back_as_a_free_block_grows_down(void **state)
{
    (void)state;
    uint64_t order[BLOCKS - 2];
    for (uint64_t k = 0; k < BLOCKS - 2; k++)
        order[k] = BLOCKS - 2 - k;
    free_and_refill(order);
}

/* The odd blocks first (no merges), then the even ones, each joining a free
 * block on both sides. */
static void test_pages_go_back_when_free_blocks_join(void **state)
{
    (void)state;
    uint64_t order[BLOCKS - 2], k = 0;
    for (uint64_t i = 1; i < BLOCKS - 1; i += 2)
        order[k++] = i;
    for (uint64_t i = 2; i < BLOCKS - 1; i += 2)
        order[k++] = i;
    free_and_refill(order);
}


/* The pages given back are asked for again just ahead of the heap (heap.c's
 * warm_again_ahead): once blocks 1..62 are free and [2, 6) MiB given back,
 * one malloc refills block 1, which ends at 256 KiB in huge page 0, and the
 * page warmer faults in the next two, [2, 4) and [4, 6) MiB, on its thread,
 * though the heap has written nothing there; and they read as zero. */
static void test_pages_given_back_come_in_again_ahead(void **state)
{
    (void)state;
#if defined(__linux__)
    if (!kernel_can_populate())
        skip();
    Heap *heap = full_heap();
    const uint8_t *arena = heap_arena(heap);
    for (uint64_t i = 1; i < BLOCKS - 1; i++)
        assert_int_equal(heap_free(heap, i * BLOCK_BYTES + 8), HEAP_OK);
    assert_int_equal(resident_pages(arena, 2 * MIB, 6 * MIB), 0);
    uint64_t payload = 0;
    assert_int_equal(heap_malloc(heap, BLOCK_BYTES - 16, &payload), HEAP_OK);
    assert_int_equal(payload, BLOCK_BYTES + 8);
    assert_true(wait_until_resident(arena, 2 * MIB, 6 * MIB));
    for (uint64_t offset = 2 * MIB; offset < 6 * MIB; offset += 4096)
        assert_int_equal(arena[offset], 0);
    assert_int_equal(heap_check(heap).broken, 0);
    heap_destroy(heap);
#else
    skip();
#endif
}

/* Frees blocks 1..62 and mallocs them again, in order: [2, 6) MiB went back
 * once and were asked for again (the refills ahead of them) and written. */
static Heap *heap_that_came_back(void)
{
    Heap *heap = full_heap();
    for (uint64_t i = 1; i < BLOCKS - 1; i++)
        assert_int_equal(heap_free(heap, i * BLOCK_BYTES + 8), HEAP_OK);
    for (uint64_t i = 1; i < BLOCKS - 1; i++) {
        uint64_t payload = 0;
        assert_int_equal(heap_malloc(heap, BLOCK_BYTES - 16, &payload), HEAP_OK);
        assert_int_equal(payload, i * BLOCK_BYTES + 8);
    }
    return heap;
}

#if defined(__linux__)
/* Frees blocks 1..62 of `heap` again: [2, 6) MiB are inside the free block
 * once more, but a page goes back once only, so they stay resident: every
 * 4 KiB page that was (at least; the warmer may still fault more in). */
static void free_again_keeps_pages(Heap *heap)
{
    const uint8_t *arena = heap_arena(heap);
    uint64_t before = resident_pages(arena, 2 * MIB, 6 * MIB);
    assert_true(before > 0); /* the refill wrote tags on every page */
    for (uint64_t i = 1; i < BLOCKS - 1; i++)
        assert_int_equal(heap_free(heap, i * BLOCK_BYTES + 8), HEAP_OK);
    assert_true(resident_pages(arena, 2 * MIB, 6 * MIB) >= before);
    assert_int_equal(heap_check(heap).broken, 0);
}
#endif

/* A heap that sweeps its arena over and over (next fit's rover) came back
 * to pages it gave back: giving them back again would have the kernel zero
 * them again on every sweep, so they stay. */
static void test_a_page_goes_back_once_only(void **state)
{
    (void)state;
#if defined(__linux__)
    Heap *heap = heap_that_came_back();
    /* [2, 6) MiB, huge pages 1 and 2, went back and were asked for again; 0 and 3 never went */
    static const PageFate fates[] = {PAGE_NEVER_GIVEN_BACK, PAGE_KEPT, PAGE_KEPT, PAGE_NEVER_GIVEN_BACK};
    for (int page = 0; page < 4; page++)
        assert_int_equal(heap->page_fates[page], fates[page]);
    free_again_keeps_pages(heap);
    for (int page = 0; page < 4; page++)
        assert_int_equal(heap->page_fates[page], fates[page]);
    heap_destroy(heap);
#else
    skip();
#endif
}

/* A copy's pages go back, or stay, as the original's would (heap_copy). */
static void test_a_copy_keeps_what_the_original_kept(void **state)
{
    (void)state;
#if defined(__linux__)
    Heap *heap = heap_that_came_back(), *copy = NULL;
    assert_int_equal(heap_clone(heap, &copy), HEAP_OK);
    heap_destroy(heap);
    free_again_keeps_pages(copy);
    heap_destroy(copy);
#else
    skip();
#endif
}

/* A history restores a heap from its state spans (heap_state_spans): a
 * heap that never gave a page back, given the spans of one that came back
 * to [2, 6) MiB, keeps those pages as that one would. */
static void test_the_fates_are_state(void **state)
{
    (void)state;
#if defined(__linux__)
    Heap *original = heap_that_came_back(), *restored = full_heap();
    AllocatorSpan from[ALLOCATOR_MAX_SPANS], to[ALLOCATOR_MAX_SPANS];
    uint32_t count = heap_state_spans(original, from);
    assert_int_equal(heap_state_spans(restored, to), count);
    for (uint32_t i = 0; i < count; i++) {
        assert_int_equal(to[i].size, from[i].size);
        if (from[i].size > 0)
            memcpy(to[i].bytes, from[i].bytes, from[i].size);
    }
    heap_destroy(original);
    free_again_keeps_pages(restored);
    heap_destroy(restored);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_go_back_as_a_free_block_grows_up),
        cmocka_unit_test(test_pages_go_back_as_a_free_block_grows_down),
        cmocka_unit_test(test_pages_go_back_when_free_blocks_join),
        cmocka_unit_test(test_pages_given_back_come_in_again_ahead),
        cmocka_unit_test(test_a_page_goes_back_once_only),
        cmocka_unit_test(test_a_copy_keeps_what_the_original_kept),
        cmocka_unit_test(test_the_fates_are_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
