/*
 * test_zeroed_memory.c - big zeroed blocks (alloc/zeroed_memory.h).
 *
 * A block of ZEROED_MEMORY_MAPPED_BYTES or more is its own mapping, and it
 * must start on a huge-page boundary: a transparent huge page covers an
 * aligned 2 MiB, so a block that started elsewhere would fault its first
 * and last 2 MiB in 4 KiB pages. Whatever its size, every byte of it reads
 * zero and takes a write, up to the last.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "zeroed_memory.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mapped_blocks_start_on_a_huge_page),
        cmocka_unit_test(small_blocks_are_zeroed_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
