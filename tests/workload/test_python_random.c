/*
 * test_python_random.c - Python's integers and random module in C: int()
 * and optparse's parsing, str(), random.seed(n) and random.random().
 *
 * The expected doubles were printed by CPython 3.11 (`random.seed(n);
 * random.random()`); where python3 exists at test time, a second test asks
 * it for more seeds and compares every draw.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "python_random.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PythonInt parsed(const char *text)
{
    PythonInt value;
    assert_true(python_int_parse_option(text, &value));
    return value;
}

static void assert_formats_as(const char *text, const char *expected)
{
    char printed[700];
    PythonInt value = parsed(text);
    python_int_format(&value, printed, sizeof printed);
    assert_string_equal(printed, expected);
}

static void option_integers_follow_optparse(void **state)
{
    (void)state;
    assert_formats_as("0", "0");
    assert_formats_as("42", "42");
    assert_formats_as("-42", "-42");
    assert_formats_as("+7", "7");
    assert_formats_as("010", "8");          /* a leading 0 means octal */
    assert_formats_as("0o17", "15");
    assert_formats_as("0x1F", "31");
    assert_formats_as("0b101", "5");
    assert_formats_as("-010", "-10");       /* '-' first: decimal */
    assert_formats_as("1_000", "1000");
    assert_formats_as(" 12 ", "12");
    assert_formats_as("-0", "0");
    assert_formats_as("0b", "0");          /* optparse drops "0b", then reads "0" */
    assert_formats_as("0b0b1", "1");
    assert_formats_as("0o_7", "7");
    assert_formats_as("0_7", "7");
    assert_formats_as("18446744073709551621", "18446744073709551621");
    assert_formats_as("-1180591620717411303427", "-1180591620717411303427");
    assert_formats_as("1000000000000000000000000000000", "1000000000000000000000000000000");
}

static void malformed_integers_are_refused(void **state)
{
    (void)state;
    const char *bad[] = { "", " ", "-", "08", "0x", "1__0", "_1", "1_", "12a", "1.5",
                          "- 5", "0b2", "0x_", "--1" };
    PythonInt value;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool accepted = python_int_parse_option(bad[i], &value);
        if (accepted)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_false(python_int_parse("0x10", 10, &value));
    assert_true(python_int_parse("010", 10, &value));  /* int('010') is 10 */
    int64_t small;
    assert_true(python_int_to_int64(&value, &small) && small == 10);
}

static void int64_conversion_checks_the_range(void **state)
{
    (void)state;
    int64_t out;
    PythonInt value = parsed("9223372036854775807");
    assert_true(python_int_to_int64(&value, &out) && out == INT64_MAX);
    value = parsed("-9223372036854775808");
    assert_true(python_int_to_int64(&value, &out) && out == INT64_MIN);
    value = parsed("9223372036854775808");
    assert_false(python_int_to_int64(&value, &out));
    value = python_int_from_int64(-5);
    char printed[32];
    python_int_format(&value, printed, sizeof printed);
    assert_string_equal(printed, "-5");
}

typedef struct {
    const char *seed;
    double draws[3];
} KnownDraws;

/* Printed by CPython 3.11.7: random.seed(n, version=1); random.random() x 3. */
static const KnownDraws KNOWN[] = {
    { "0", { 0.8444218515250481, 0.7579544029403025, 0.420571580830845 } },
    { "1", { 0.13436424411240122, 0.8474337369372327, 0.763774618976614 } },
    { "42", { 0.6394267984578837, 0.025010755222666936, 0.27502931836911926 } },
    { "-7", { 0.32383276483316237, 0.15084917392450192, 0.6509344730398537 } },
    { "4294967296", { 0.11299430095636409, 0.41782886486292836, 0.0166763664992291 } },
    { "18446744073709551621", { 0.5105783769365112, 0.8797586528012199, 0.5149365298491138 } },
    { "-1180591620717411303427", { 0.16339507200642456, 0.9974755625541745, 0.2450324792369598 } },
    { "1000000000000000000000000000000",
      { 0.9341508484568806, 0.5253068813972436, 0.34916701183971244 } },
};

static void random_matches_known_python_draws(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++) {
        PythonInt seed = parsed(KNOWN[i].seed);
        PythonRandom random;
        python_random_seed(&random, &seed);
        for (int k = 0; k < 3; k++) {
            double draw = python_random_random(&random);
            if (draw != KNOWN[i].draws[k])
                fail_msg("seed %s draw %d: %.17g, Python %.17g", KNOWN[i].seed, k, draw,
                         KNOWN[i].draws[k]);
        }
    }
}

static void next32_matches_getrandbits(void **state)
{
    (void)state;
    PythonInt seed = parsed("0");
    PythonRandom random;
    python_random_seed(&random, &seed);
    assert_int_equal(python_random_next32(&random), 3626764237u);  /* random.getrandbits(32) */
    assert_int_equal(python_random_next32(&random), 1654615998u);
}

/* Many seeds of every size, 700 draws each (past one regeneration of the
 * state), compared with python3's own output where python3 exists. */
static void random_matches_python3_when_present(void **state)
{
    (void)state;
    const char *script =
        "python3 -c \"import random\n"
        "seeds=[0,1,-1,2**31,2**32-1,2**32,2**63,2**64,-(2**64)-1,3**80,-(7**100)]+list(range(-20,20,3))\n"
        "for s in seeds:\n"
        "  random.seed(s)\n"
        "  print(s, ' '.join('%.17g' % random.random() for _ in range(700)))\n\" 2>/dev/null";
    FILE *pipe = popen(script, "r");
    assert_non_null(pipe);
    static char line[700 * 26 + 2000];
    int seeds = 0;
    while (fgets(line, sizeof line, pipe)) {
        char *cursor = strchr(line, ' ');
        assert_non_null(cursor);
        *cursor++ = '\0';
        PythonInt seed = parsed(line);
        PythonRandom random;
        python_random_seed(&random, &seed);
        for (int k = 0; k < 700; k++) {
            double expected = strtod(cursor, &cursor);
            double draw = python_random_random(&random);
            if (draw != expected)
                fail_msg("seed %s draw %d: %.17g, python3 %.17g", line, k, draw, expected);
        }
        seeds++;
    }
    int status = pclose(pipe);
    if (seeds == 0 || status != 0) {
        printf("SKIPPED: python3 is not available, only the built-in Python values were checked\n");
        skip();
    }
    assert_int_equal(seeds, 25);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(option_integers_follow_optparse),
        cmocka_unit_test(malformed_integers_are_refused),
        cmocka_unit_test(int64_conversion_checks_the_range),
        cmocka_unit_test(random_matches_known_python_draws),
        cmocka_unit_test(next32_matches_getrandbits),
        cmocka_unit_test(random_matches_python3_when_present),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
