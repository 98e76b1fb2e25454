/*
 * test_lesson.c - lesson files (app/workload/lesson.h): a good one read
 * field by field, one broken lesson for each kind of mistake with its exact
 * FILE:LINE sentence, and every shipped lesson read and checked against the
 * length of its run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lesson.h"
#include "options.h"
#include <dirent.h>
#include <string.h>

static Lesson lesson;

static bool parse(const char *text, char *message, size_t size)
{
    return lesson_parse(text, strlen(text), "t.lesson", &lesson, message, size);
}

static void test_a_good_lesson_reads_field_by_field(void **state)
{
    (void)state;
    char message[256] = "";
    assert_true(parse("# comment\ntitle: T\nsummary:  S  \noptions: --trace coalescing\noptions: --view detail\n"
                      "step 0: first\n\nask 5: why?\nstep 9: last\n",
                      message, sizeof message));
    assert_string_equal(lesson.title, "T");
    assert_string_equal(lesson.summary, "S");
    assert_int_equal(lesson.word_count, 4);
    assert_string_equal(lesson.words[3], "detail");
    assert_int_equal(lesson.caption_count, 3);
    assert_true(lesson.captions[1].ask);
    assert_int_equal(lesson.captions[1].line, 8);
    assert_string_equal(lesson_caption_at(&lesson, 0)->text, "first");
    assert_string_equal(lesson_caption_at(&lesson, 4)->text, "first");
    assert_string_equal(lesson_caption_at(&lesson, 7)->text, "why?");
    assert_int_equal(lesson_next_ask(&lesson, 0), 5);
    assert_int_equal(lesson_next_ask(&lesson, 5), UINT64_MAX);
    assert_true(lesson_fits(&lesson, 9, message, sizeof message));
    assert_false(lesson_fits(&lesson, 8, message, sizeof message));
    assert_string_equal(message, "t.lesson:9: step 9 is past the end of the run (8 steps)");
}

static void expect_refused(const char *text, const char *expected)
{
    char message[512] = "";
    assert_false(parse(text, message, sizeof message));
    assert_string_equal(message, expected);
}

#define HEAD "title: T\nsummary: S\n"

static void test_each_mistake_names_its_line(void **state)
{
    (void)state;
    expect_refused(HEAD "step 1 first\n",
                   "t.lesson:3: a lesson line is KEY: VALUE (title, summary, options, step N or ask N)");
    expect_refused(HEAD "caption 1: x\n",
                   "t.lesson:3: 'caption 1' is not a lesson key: use title, summary, options, step N or ask N");
    expect_refused(HEAD "step 1:   \n", "t.lesson:3: step 1 has no text");
    expect_refused(HEAD "step one: x\n", "t.lesson:3: 'step one' needs a step number, such as 'step 12'");
    expect_refused(HEAD "ask: x\n", "t.lesson:3: 'ask' is not a lesson key: use title, summary, options, step N or ask N");
    expect_refused(HEAD "step 5: x\nstep 5: y\n",
                   "t.lesson:4: step 5 comes after step 5: captions go in step order, one a step");
    expect_refused(HEAD "step 5: x\nask 2: y\n",
                   "t.lesson:4: step 2 comes after step 5: captions go in step order, one a step");
    expect_refused(HEAD "options: --align 3\nstep 0: x\n",
                   "t.lesson:3: --align takes a power of two from 4 to 64, not '3'");
    expect_refused(HEAD "options: --headless\nstep 0: x\n",
                   "t.lesson:3: a lesson opens a window: it cannot set --headless, --lesson or an output");
    expect_refused(HEAD "options: --csv out.csv\nstep 0: x\n",
                   "t.lesson:3: a lesson opens a window: it cannot set --headless, --lesson or an output");
    expect_refused(HEAD "options:\nstep 0: x\n", "t.lesson:3: options has no options");
    expect_refused("summary: S\nstep 0: x\n", "t.lesson:1: the lesson has no 'title:' line");
    expect_refused("title: T\nstep 0: x\n", "t.lesson:1: the lesson has no 'summary:' line");
    expect_refused(HEAD, "t.lesson:1: the lesson has no 'step N:' caption");
    char long_caption[600] = HEAD "step 0: ";
    memset(long_caption + strlen(long_caption), 'x', 450);
    expect_refused(long_caption, "t.lesson:3: step 0 is longer than 399 characters");
    char message[256];
    assert_false(lesson_parse(HEAD "step 0: a\0b\n", sizeof HEAD + 11, "t.lesson", &lesson, message, sizeof message));
    assert_string_equal(message, "t.lesson:3: a NUL byte: a lesson is text");
}

static void test_a_missing_lesson_says_how_to_list_them(void **state)
{
    (void)state;
    char message[256];
    assert_false(lesson_load("no-such-lesson", &lesson, message, sizeof message));
    assert_string_equal(message, "no-such-lesson: no such lesson (heapviz --lesson list names them)");
}

/* Every shipped lesson reads, its options parse, and it names steps its run has. */
static void test_every_shipped_lesson_loads(void **state)
{
    (void)state;
    DIR *directory = opendir(HEAPVIZ_LESSONS_DIR);
    assert_non_null(directory);
    int count = 0;
    for (struct dirent *entry = readdir(directory); entry; entry = readdir(directory)) {
        size_t length = strlen(entry->d_name);
        if (length < 8 || strcmp(entry->d_name + length - 7, ".lesson") != 0)
            continue;
        char path[600], message[512];
        snprintf(path, sizeof path, "%s/%s", HEAPVIZ_LESSONS_DIR, entry->d_name);
        if (!lesson_load(path, &lesson, message, sizeof message))
            fail_msg("%s", message);
        Options options;
        char *argv[] = {"heapviz"};
        if (!lesson_apply(&lesson, 1, argv, &options, message, sizeof message))
            fail_msg("%s: %s", path, message);
        assert_ptr_equal(options.lesson, &lesson);
        count++;
    }
    closedir(directory);
    assert_true(count >= 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_good_lesson_reads_field_by_field),
        cmocka_unit_test(test_each_mistake_names_its_line),
        cmocka_unit_test(test_a_missing_lesson_says_how_to_list_them),
        cmocka_unit_test(test_every_shipped_lesson_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
