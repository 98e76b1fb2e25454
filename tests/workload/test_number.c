/*
 * test_number.c - the one decimal grammar (number.h): digits only for whole
 * numbers, digits [. digits] for fractions; no sign, space, hex or exponent;
 * limits exact at the boundary, 64-bit overflow caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "number.h"

static void whole_numbers_are_digits_only(void **state)
{
    (void)state;
    uint64_t value = 7;
    assert_int_equal(number_parse_text("0", 10, &value), NUMBER_OK);
    assert_int_equal(value, 0);
    assert_int_equal(number_parse_text("0010", 10, &value), NUMBER_OK);
    assert_int_equal(value, 10);
    const char *refused[] = {"", " 5", "5 ", "+5", "0x10", "1e3", "5.0", "٣", "5\t", "1_000"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(number_parse_text(refused[i], 100, &value), NUMBER_NOT_A_NUMBER);
    assert_int_equal(number_parse_text("-5", 100, &value), NUMBER_NEGATIVE);
    assert_int_equal(number_parse_text("-", 100, &value), NUMBER_NOT_A_NUMBER);
    assert_int_equal(value, 10); /* untouched by every refusal */
}

static void whole_numbers_stop_at_the_limit_and_at_64_bits(void **state)
{
    (void)state;
    uint64_t value = 0;
    assert_int_equal(number_parse_text("100", 100, &value), NUMBER_OK);
    assert_int_equal(number_parse_text("101", 100, &value), NUMBER_TOO_LARGE);
    assert_int_equal(number_parse_text("18446744073709551615", UINT64_MAX, &value), NUMBER_OK);
    assert_true(value == UINT64_MAX);
    assert_int_equal(number_parse_text("18446744073709551616", UINT64_MAX, &value), NUMBER_TOO_LARGE);
    assert_int_equal(number_parse_text("99999999999999999999", UINT64_MAX, &value), NUMBER_TOO_LARGE);
    assert_int_equal(number_parse_u64("12345", 3, 1000, &value), NUMBER_OK); /* a token's length */
    assert_int_equal(value, 123);
}

static void fractions_are_digits_and_one_point(void **state)
{
    (void)state;
    double value = -1;
    assert_int_equal(number_parse_fraction("0.3", 1.0, &value), NUMBER_OK);
    assert_true(value == 0.3);
    assert_int_equal(number_parse_fraction("1", 1.0, &value), NUMBER_OK);
    assert_true(value == 1.0);
    assert_int_equal(number_parse_fraction("1.000", 1.0, &value), NUMBER_OK);
    assert_int_equal(number_parse_fraction("0", 1.0, &value), NUMBER_OK);
    assert_true(value == 0.0);
    const char *refused[] = {"", " 0.5", "0.5 ", ".5", "5.", "0x1p-2", "5e-1", "+0.5", "inf",
                             "nan", "0.5.1", "0,5"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(number_parse_fraction(refused[i], 1.0, &value), NUMBER_NOT_A_NUMBER);
    assert_int_equal(number_parse_fraction("-0.5", 1.0, &value), NUMBER_NEGATIVE);
    assert_int_equal(number_parse_fraction("1.0001", 1.0, &value), NUMBER_TOO_LARGE);
    assert_int_equal(number_parse_fraction("2", 1.0, &value), NUMBER_TOO_LARGE);
    assert_true(value == 0.0); /* untouched by every refusal */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_numbers_are_digits_only),
        cmocka_unit_test(whole_numbers_stop_at_the_limit_and_at_64_bits),
        cmocka_unit_test(fractions_are_digits_and_one_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
