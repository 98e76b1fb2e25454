/*
 * test_zeroed_memory.c - big zeroed blocks (alloc/zeroed_memory.h).
 *
 * A block of ZEROED_MEMORY_MAPPED_BYTES or more is its own mapping, and it
 * must start on a huge-page boundary: a transparent huge page covers an
 * aligned 2 MiB, so a block that started elsewhere would fault its first
 * and last 2 MiB in 4 KiB pages. Whatever its size, every byte of it reads
 * zero and takes a write, up to the last. Discarding gives back exactly the
 * whole huge pages inside the range (offsets worked out by hand below) and
 * leaves every other byte, and every byte of a small block, as it was.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "zeroed_memory.h"

#include <stdbool.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#define PAGE ((size_t)ZEROED_MEMORY_PAGE_BYTES)

/* Every byte zero at the start, the middle and the end, and the ends writable. */
static void expect_zeroed_and_writable(uint8_t *block, size_t bytes)
{
    size_t places[] = { 0, bytes / 2, bytes - 1 };
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        assert_int_equal(block[places[i]], 0);
        block[places[i]] = 0xA5;
        assert_int_equal(block[places[i]], 0xA5);
    }
}

static void mapped_blocks_start_on_a_huge_page(void **state)
{
    (void)state;
    const size_t sizes[] = { ZEROED_MEMORY_MAPPED_BYTES, ZEROED_MEMORY_MAPPED_BYTES + 123,
                             (size_t)ZEROED_MEMORY_MAPPED_BYTES * 3 + 4096 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *block = zeroed_memory_get(sizes[i]);
        assert_non_null(block);
#if defined(__linux__)
        assert_int_equal((uintptr_t)block % ZEROED_MEMORY_PAGE_BYTES, 0);
#endif
        expect_zeroed_and_writable(block, sizes[i]);
        zeroed_memory_release(block, sizes[i]);
    }
}

static void small_blocks_are_zeroed_too(void **state)
{
    (void)state;
    uint8_t *block = zeroed_memory_get(1000);
    assert_non_null(block);
    expect_zeroed_and_writable(block, 1000);
    zeroed_memory_release(block, 1000);
}

#if defined(__linux__)
/* Whether the 4 KiB page that holds `byte` is resident. */
static bool page_resident(const uint8_t *byte)
{
    long size = sysconf(_SC_PAGESIZE);
    unsigned char vector[1];
    const uint8_t *page = (const uint8_t *)((uintptr_t)byte / (uintptr_t)size * (uintptr_t)size);
    assert_int_equal(mincore((void *)page, 1, vector), 0);
    return vector[0] & 1;
}
#endif

/* A 5-page block marked at both sides of every boundary. Discarding
 * [P + 8, 4P - 8) gives back the one whole page inside it, [2P, 3P): its
 * bytes read zero and its pages are not resident; P - 1 .. P + 7, 2P - 1, 3P,
 * 4P - 1 keep their marks. A range inside one page gives back nothing; a
 * range past the end stops at the end ([4P, 5P) goes). */
static void discard_gives_back_whole_pages_inside_only(void **state)
{
    (void)state;
    size_t bytes = 5 * PAGE;
    uint8_t *block = zeroed_memory_get(bytes);
    assert_non_null(block);
    const size_t kept[] = { PAGE - 1, PAGE, PAGE + 7, 2 * PAGE - 1, 3 * PAGE, 4 * PAGE - 1 };
    const size_t gone[] = { 2 * PAGE, 2 * PAGE + 4096, 3 * PAGE - 1, 4 * PAGE + 1, 5 * PAGE - 1 };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        block[kept[i]] = 0xA5;
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        block[gone[i]] = 0x5A;
    zeroed_memory_discard(block, bytes, PAGE + 8, 4 * PAGE - 8);
    zeroed_memory_discard(block, bytes, 3 * PAGE + 8, 4 * PAGE - 8); /* no whole page */
    zeroed_memory_discard(block, bytes, 4 * PAGE, 100 * PAGE);       /* up to the end */
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_int_equal(block[kept[i]], 0xA5);
#if defined(__linux__)
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        assert_false(page_resident(block + gone[i])); /* before reading: a read maps the zero page */
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        assert_int_equal(block[gone[i]], 0);
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_true(page_resident(block + kept[i]));
#endif
    zeroed_memory_release(block, bytes);
}

static void discard_leaves_small_blocks_alone(void **state)
{
    (void)state;
    uint8_t *block = zeroed_memory_get(1000);
    assert_non_null(block);
    block[0] = block[999] = 0xA5;
    zeroed_memory_discard(block, 1000, 0, 1000);
    assert_int_equal(block[0], 0xA5);
    assert_int_equal(block[999], 0xA5);
    zeroed_memory_release(block, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mapped_blocks_start_on_a_huge_page),
        cmocka_unit_test(small_blocks_are_zeroed_too),
        cmocka_unit_test(discard_gives_back_whole_pages_inside_only),
        cmocka_unit_test(discard_leaves_small_blocks_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
