/*
 * test_options.c - the command line: every option's value lands where it
 * should, defaults, and one exact sentence for each kind of bad usage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "heap.h"
#include "options.h"

#include <stdio.h>
#include <string.h>

enum { MAX_ARGUMENTS = 40 };

/* Parses a NULL-terminated list of arguments (argv[0] is added). */
static bool parse(Options *options, char *message, const char *const *arguments)
{
    char *argv[MAX_ARGUMENTS] = {"heapviz"};
    int argc = 1;
    while (arguments[argc - 1])
        argv[argc] = (char *)arguments[argc - 1], argc++;
    return options_parse(argc, argv, options, message, 512);
}

#define PARSE_OK(options, ...)                                                     \
    do {                                                                           \
        char message_[512] = "";                                                   \
        const char *const arguments_[] = {__VA_ARGS__, NULL};                      \
        if (!parse(options, message_, arguments_))                                 \
            fail_msg("unexpected: %s", message_);                                  \
    } while (0)

#define PARSE_FAILS(expected, ...)                                                 \
    do {                                                                           \
        Options options_;                                                          \
        char message_[512] = "";                                                   \
        const char *const arguments_[] = {__VA_ARGS__, NULL};                      \
        assert_false(parse(&options_, message_, arguments_));                      \
        assert_string_equal(message_, expected);                                   \
    } while (0)

static void defaults_without_arguments(void **state)
{
    (void)state;
    Options options;
    char message[512];
    char *argv[] = {"heapviz", NULL};
    assert_true(options_parse(1, argv, &options, message, sizeof message));
    assert_int_equal(options.sim.steps, 100);
    assert_int_equal(options.sim.slots, 25);
    assert_int_equal(options.heap.config.policy, HEAP_FIRST_FIT);
    assert_int_equal(options.heap.config.alignment, 8);
    assert_int_equal(options.heap.config.min_payload, 8);
    assert_false(options.heap_size_given);
    assert_false(options.headless);
    assert_int_equal(options.stats, STATS_NONE);
    assert_int_equal(options.history_mb, 256);
    assert_int_equal(options.compare_count, 0);
    assert_null(options.trace_path);
}

static void every_value_lands_in_its_field(void **state)
{
    (void)state;
    Options o;
    PARSE_OK(&o, "--headless", "--seed", "7", "--steps=1000", "--slots", "9", "--p-malloc", "0.25",
             "--min-request", "2", "--max-request", "30", "--page-size", "16", "--heap-pages", "100",
             "--policy", "worst-fit", "--align", "32", "--min-payload", "24", "--stats", "json",
             "--blocks", "b.txt", "--record", "r.rep", "--csv", "c.csv", "--at-step", "0",
             "--history-mb", "64", "--font", "f.ttf", "--screenshot", "s.png");
    assert_true(o.headless);
    assert_int_equal(o.sim.seed, 7);
    assert_int_equal(o.sim.steps, 1000);
    assert_int_equal(o.sim.slots, 9);
    assert_true(o.sim.p_malloc == 0.25);
    assert_int_equal(o.sim.min_request_pages, 2);
    assert_int_equal(o.sim.max_request_pages, 30);
    assert_int_equal(o.sim.page_size, 16);
    assert_int_equal(o.sim.heap_pages, 100);
    assert_int_equal(o.heap.config.heap_bytes, 1600);
    assert_true(o.heap_size_given);
    assert_int_equal(o.heap.config.policy, HEAP_WORST_FIT);
    assert_int_equal(o.heap.config.alignment, 32);
    assert_int_equal(o.heap.config.min_payload, 24);
    assert_int_equal(o.stats, STATS_JSON);
    assert_string_equal(o.blocks_path, "b.txt");
    assert_string_equal(o.record_path, "r.rep");
    assert_string_equal(o.csv_path, "c.csv");
    assert_true(o.at_step_given);
    assert_int_equal(o.at_step, 0);
    assert_int_equal(o.history_mb, 64);
    assert_string_equal(o.font_path, "f.ttf");
    assert_string_equal(o.screenshot_path, "s.png");
}

static void slots_follow_steps_unless_given(void **state)
{
    (void)state;
    Options o;
    PARSE_OK(&o, "--steps", "1000000");
    assert_int_equal(o.sim.slots, 250000);
    PARSE_OK(&o, "--steps", "3");
    assert_int_equal(o.sim.slots, 1);
}

static void heap_bytes_and_trace(void **state)
{
    (void)state;
    Options o;
    PARSE_OK(&o, "--trace", "x.rep", "--heap-bytes", "4096");
    assert_string_equal(o.trace_path, "x.rep");
    assert_int_equal(o.heap.config.heap_bytes, 4096);
    assert_true(o.heap_size_given);
}

static void headless_stats_default(void **state)
{
    (void)state;
    Options o;
    PARSE_OK(&o, "--headless");
    assert_int_equal(o.stats, STATS_TEXT);
    PARSE_OK(&o, "--headless", "--blocks", "-");   /* the blocks alone on standard output */
    assert_int_equal(o.stats, STATS_NONE);
}

static void compare_list(void **state)
{
    (void)state;
    Options o;
    PARSE_OK(&o, "--compare", "first-fit,best-fit,bump");
    assert_int_equal(o.compare_count, 3);
    assert_ptr_equal(o.compare[0].design, &tags_design);
    assert_int_equal(o.compare[0].policy, HEAP_FIRST_FIT);
    assert_int_equal(o.compare[1].policy, HEAP_BEST_FIT);
    assert_int_equal(o.compare[2].policy, HEAP_BUMP);
    /* DESIGN:POLICY tokens, and a bare design for its first policy */
    PARSE_OK(&o, "--compare", "tags:worst-fit,tags:next-fit,tags");
    assert_int_equal(o.compare_count, 3);
    assert_int_equal(o.compare[0].policy, HEAP_WORST_FIT);
    assert_int_equal(o.compare[1].policy, HEAP_NEXT_FIT);
    assert_ptr_equal(o.compare[2].design, &tags_design);
    assert_int_equal(o.compare[2].policy, HEAP_FIRST_FIT);
}

/* "--allocator takes an allocator design (tags, ...), not 'VALUE'", naming
 * the designs the registry holds, so a new design needs no change here. */
static void expect_design_refused(const char *option, const char *value, const char *arguments)
{
    char names[256] = "", expected[512];
    for (uint32_t i = 0; i < allocator_design_count(); i++) {
        strcat(names, i ? ", " : "");
        strcat(names, allocator_design_at(i)->name);
    }
    snprintf(expected, sizeof expected, "%s takes an allocator design (%s), not '%s'", option, names,
             value);
    PARSE_FAILS(expected, option, arguments);
}

static void allocator_choice(void **state)
{
    (void)state;
    Options o;
    PARSE_OK(&o, "--policy", "bump");
    assert_ptr_equal(o.heap.design, &tags_design);
    assert_int_equal(o.heap.config.policy, HEAP_BUMP);
    /* --policy before --allocator still means a policy of that design */
    PARSE_OK(&o, "--policy", "best-fit", "--allocator", "tags");
    assert_ptr_equal(o.heap.design, &tags_design);
    assert_int_equal(o.heap.config.policy, HEAP_BEST_FIT);
    expect_design_refused("--allocator", "tgs", "tgs");
    expect_design_refused("--compare", "nope", "nope:first-fit,bump");
    PARSE_FAILS("--compare takes a policy of the tags allocator (first-fit, next-fit, best-fit, worst-fit or "
                "bump), not 'fist-fit'", "--compare", "tags:fist-fit,bump");
    PARSE_FAILS("--compare takes a policy of the tags allocator (first-fit, next-fit, best-fit, worst-fit or "
                "bump), not 'bst'", "--compare", "first-fit,bst");
}

static void help_and_version(void **state)
{
    (void)state;
    Options o;
    PARSE_OK(&o, "--help");
    assert_true(o.show_help);
    PARSE_OK(&o, "--version");
    assert_true(o.show_version);
    assert_non_null(strstr(options_usage(), "--p-malloc"));
}

static void unknown_options_and_arguments(void **state)
{
    (void)state;
    PARSE_FAILS("unknown option '--sed' (see heapviz --help)", "--sed", "3");
    PARSE_FAILS("unexpected argument 'trace.rep' (see heapviz --help)", "trace.rep");
    PARSE_FAILS("--headless takes no value, not 'yes'", "--headless=yes");
    PARSE_FAILS("--seed needs a value (see heapviz --help)", "--seed");
}

static void bad_words(void **state)
{
    (void)state;
    PARSE_FAILS("--policy takes a policy of the tags allocator (first-fit, next-fit, best-fit, worst-fit or "
                "bump), not 'bst'", "--policy", "bst");
    PARSE_FAILS("--stats takes text or json, not 'xml'", "--stats", "xml");
    PARSE_FAILS("--p-malloc takes a probability from 0 to 1 (such as 0.3), not '1.5'", "--p-malloc", "1.5");
    PARSE_FAILS("--p-malloc takes a probability from 0 to 1 (such as 0.3), not 'nan'", "--p-malloc", "nan");
    PARSE_FAILS("--trace takes a file name, not ''", "--trace", "");
}

/* --scale: 1 unless given; a factor from 0.5 to 4 in the one fraction grammar. */
static void scale_factor(void **state)
{
    (void)state;
    Options options;
    PARSE_OK(&options, "--trace", "x.rep");
    assert_true(options.scale == 1.0);
    PARSE_OK(&options, "--scale", "1.5");
    assert_true(options.scale == 1.5);
    PARSE_OK(&options, "--scale=0.5");
    assert_true(options.scale == 0.5);
    PARSE_OK(&options, "--scale", "4");
    assert_true(options.scale == 4.0);
    PARSE_FAILS("--scale takes a factor from 0.5 to 4 (such as 1.5), not '0.4'", "--scale", "0.4");
    PARSE_FAILS("--scale takes a factor from 0.5 to 4 (such as 1.5), not '4.01'", "--scale", "4.01");
    PARSE_FAILS("--scale takes a factor from 0.5 to 4 (such as 1.5), not '1,5'", "--scale", "1,5");
    PARSE_FAILS("--scale takes a factor from 0.5 to 4 (such as 1.5), not '-2'", "--scale", "-2");
    assert_non_null(strstr(options_usage(), "--scale F"));
}

static void bad_numbers(void **state)
{
    (void)state;
    PARSE_FAILS("--steps takes a whole number from 1 to 4294967295, not '0'", "--steps", "0");
    PARSE_FAILS("--steps takes a whole number from 1 to 4294967295, not '-5'", "--steps", "-5");
    PARSE_FAILS("--seed takes a whole number from 0 to 18446744073709551615, not '18446744073709551616'",
                "--seed", "18446744073709551616");
    PARSE_FAILS("--slots takes a whole number from 1 to 4194304, not '1e3'", "--slots", "1e3");
    PARSE_FAILS("--align takes a power of two from 4 to 64, not '12'", "--align", "12");
    PARSE_FAILS("--align takes a power of two from 4 to 64, not '128'", "--align", "128");
    PARSE_FAILS("--heap-bytes takes a whole number from 64 to 1073741824, not '10'", "--heap-bytes", "10");
    PARSE_FAILS("--at-step takes a whole number from 0 to 18446744073709551615, not ''", "--at-step=");
}

static void options_that_contradict(void **state)
{
    (void)state;
    PARSE_FAILS("--min-request (9 pages) must not exceed --max-request (3 pages)",
                "--min-request", "9", "--max-request", "3");
    PARSE_FAILS("--heap-bytes and --heap-pages both set the heap size; give one",
                "--heap-bytes", "4096", "--heap-pages", "10");
    PARSE_FAILS("--policy and --compare both choose the policy; give one",
                "--policy", "bump", "--compare", "first-fit,bump");
    PARSE_FAILS("--blocks, --record and --csv describe one heap; they cannot be combined with --compare",
                "--compare", "first-fit,bump", "--blocks", "-");
    PARSE_FAILS("--heap-pages 4 of 4 bytes gives a heap outside 64 to 1073741824 bytes",
                "--heap-pages", "4");
}

static void bad_compare_lists(void **state)
{
    (void)state;
    const char *accepts = "--compare takes 2 to 6 different panes separated by commas, each DESIGN:POLICY "
                          "or a policy of the tags allocator (first-fit, next-fit, best-fit, worst-fit or "
                          "bump), not '%s'";
    char expected[512];
    const char *lists[] = {"first-fit", "first-fit,first-fit", "first-fit,,bump", "bump,",
                           "first-fit,next-fit,best-fit,worst-fit,bump,first-fit", "", "tags,first-fit"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        snprintf(expected, sizeof expected, accepts, lists[i]);
        PARSE_FAILS(expected, "--compare", lists[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_without_arguments),
        cmocka_unit_test(every_value_lands_in_its_field),
        cmocka_unit_test(slots_follow_steps_unless_given),
        cmocka_unit_test(heap_bytes_and_trace),
        cmocka_unit_test(headless_stats_default),
        cmocka_unit_test(compare_list),
        cmocka_unit_test(allocator_choice),
        cmocka_unit_test(help_and_version),
        cmocka_unit_test(unknown_options_and_arguments),
        cmocka_unit_test(bad_words),
        cmocka_unit_test(bad_numbers),
        cmocka_unit_test(scale_factor),
        cmocka_unit_test(options_that_contradict),
        cmocka_unit_test(bad_compare_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
