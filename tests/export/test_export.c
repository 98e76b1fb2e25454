/*
 * test_export.c - the real binary's --export, decoded with the libraries
 * that wrote it (giflib; FFmpeg's ffprobe and ffmpeg for videos) and
 * compared with --screenshot of the same steps: the frame count, the size,
 * the delays, the first and last frames, the highlights at speed, video
 * duration and frame count, bad input refused before any work, and Ctrl-C
 * leaving no file.
 *
 * argv[1] is the heapviz binary. A GIF's palette has 255 colours and the
 * window some 1,500 (the antialiased text's shades), so a GIF frame matches
 * a screenshot exactly on nearly every pixel and closely on the rest.
 */
#define _POSIX_C_SOURCE 200809L /* kill, nanosleep */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "export_support.h"
#include <SDL.h>
#include <SDL_image.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { WIDTH = 1280, HEIGHT = 800 };

#define CLOSE_DISTANCE 12.0      /* the most a GIF pixel may be off: the palette's radius for the window */
#define EXACT_SHARE 0.96         /* the share of pixels a GIF frame must match exactly: a 640 x 400
                                    detail view, whose panel runs beside the timeline with every
                                    counter, has more text shades than 256 colours hold (96.9%) */
#define MARK_COLOR 0xD55E00u     /* GRID_COLOR_MARK, the split/coalesce mark's vermillion */
#define VIDEO_CLOSE_DISTANCE 24.0 /* a video pixel "within a few shades" */
#define VIDEO_CLOSE_SHARE 0.97

static const char *program;

static void run_ok(const char *arguments)
{
    int status = support_run(arguments);
    char line[400];
    support_stderr(line, sizeof line);
    if (status != 0) {
        fail_msg("heapviz %s: exit %d: %s", arguments, status, line);
    }
}

/* Asserts that GIF frame `index` shows what --screenshot shows with `screenshot_arguments`. */
static void assert_frame_matches(const GifFileType *gif, int index, const char *screenshot_arguments)
{
    char png[512], arguments[1024];
    support_path(png, sizeof png, "expected.png");
    snprintf(arguments, sizeof arguments, "--screenshot expected.png %s", screenshot_arguments);
    run_ok(arguments);
    uint32_t *picture = support_gif_picture(gif, index);
    PictureDifference difference = support_compare_png(picture, gif->SWidth, gif->SHeight, png);
    free(picture);
    if (difference.worst > CLOSE_DISTANCE || (double)difference.exact < EXACT_SHARE * (double)difference.pixels) {
        fail_msg("frame %d against --screenshot %s: %llu of %llu pixels exact, worst distance %.1f", index,
                 screenshot_arguments, (unsigned long long)difference.exact, (unsigned long long)difference.pixels,
                 difference.worst);
    }
    remove(png);
}

/* The bar: steps 0 to 60 of the default simulation, 10 frames a second. */
static void test_gif_of_steps_0_to_60(void **state)
{
    (void)state;
    char path[512];
    run_ok("--export steps.gif --from 0 --to 60");
    support_path(path, sizeof path, "steps.gif");
    long bytes = support_file_size(path);
    assert_true(bytes > 0 && bytes < 3 * 1000 * 1000);
    GifFileType *gif = support_gif_load(path);
    assert_int_equal(gif->SWidth, WIDTH);
    assert_int_equal(gif->SHeight, HEIGHT);
    assert_int_equal(gif->ImageCount, 61); /* steps 0, 1, ..., 60 */
    for (int i = 0; i < 60; i++) {
        assert_int_equal(support_gif_delay(gif, i), 10); /* 1/10 s */
    }
    assert_int_equal(support_gif_delay(gif, 60), 100); /* the last frame holds a second */
    assert_frame_matches(gif, 0, "--at-step 0");
    assert_frame_matches(gif, 60, "--at-step 60");
    support_gif_close(gif);
    remove(path);
}

/* Steps 10 to 30 every 7: 10, 17, 24 and 30. At 30 frames a second the
 * three short frames last 10/3 hundredths each: 3, 4 and 3 (0.1 s in all). */
static void test_every_and_fps_give_the_frames_and_delays(void **state)
{
    (void)state;
    char path[512];
    run_ok("--export every.gif --from 10 --to 30 --every 7 --fps 30 --policy best-fit");
    support_path(path, sizeof path, "every.gif");
    GifFileType *gif = support_gif_load(path);
    assert_int_equal(gif->ImageCount, 4);
    static const int delays[] = {3, 4, 3, 100};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(support_gif_delay(gif, i), delays[i]);
    }
    assert_frame_matches(gif, 3, "--at-step 30 --policy best-fit");
    support_gif_close(gif);
    remove(path);
}

/* Step 30 of the default run frees a block and coalesces it: played at 10
 * steps a second, the frame of step 30 outlines the merged block in the
 * mark's vermillion, which the still screenshot (the mark faded) does not.
 * Every pixel that differs is the mark's. */
static void test_frames_show_the_highlights_at_speed(void **state)
{
    (void)state;
    char path[512], png[512];
    run_ok("--export marks.gif --from 29 --to 31");
    run_ok("--screenshot still.png --at-step 30");
    support_path(path, sizeof path, "marks.gif");
    support_path(png, sizeof png, "still.png");
    GifFileType *gif = support_gif_load(path);
    assert_int_equal(gif->ImageCount, 3);
    uint32_t *picture = support_gif_picture(gif, 1);
    int width = 0, height = 0;
    uint32_t *still = support_png_picture(png, &width, &height);
    assert_int_equal(width, WIDTH);
    assert_int_equal(height, HEIGHT);
    uint64_t marked = 0;
    for (size_t i = 0; i < (size_t)WIDTH * HEIGHT; i++) {
        if (support_distance(picture[i], still[i]) > CLOSE_DISTANCE) {
            assert_int_equal(picture[i], MARK_COLOR);
            marked++;
        }
    }
    assert_true(marked > 1000); /* an outline around most of the heap */
    free(picture);
    free(still);
    support_gif_close(gif);
}

/* --size sets the frames' size, and --scale reaches them: each frame is
 * the screenshot with the same options (text twice as large would not
 * match frames at the usual size). */
static void test_size_and_scale_shape_the_frames(void **state)
{
    (void)state;
    static const char *const options[] = {"--size 640x400 --view detail", "--size 640x400 --scale 2"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        char path[512], arguments[200];
        snprintf(arguments, sizeof arguments, "--export small.gif --to 5 %s", options[i]);
        run_ok(arguments);
        support_path(path, sizeof path, "small.gif");
        GifFileType *gif = support_gif_load(path);
        assert_int_equal(gif->SWidth, 640);
        assert_int_equal(gif->SHeight, 400);
        assert_int_equal(gif->ImageCount, 6);
        snprintf(arguments, sizeof arguments, "--at-step 5 %s", options[i]);
        assert_frame_matches(gif, 5, arguments);
        support_gif_close(gif);
        remove(path);
    }
}

/* --- video ------------------------------------------------------------------------- */

/* ffprobe's KEY=VALUE lines for the first video stream, frames counted. */
static void probe(const char *name, char *text, size_t size)
{
    char path[512], command[1200];
    support_path(path, sizeof path, name);
    snprintf(command, sizeof command,
             "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
             "stream=codec_name,width,height,pix_fmt,nb_read_frames:format=duration -of default=nw=1 '%s'",
             path);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t length = fread(text, 1, size - 1, pipe);
    text[length] = '\0';
    assert_int_equal(pclose(pipe), 0);
}

static void assert_has_line(const char *text, const char *line)
{
    char wanted[200];
    snprintf(wanted, sizeof wanted, "%s\n", line);
    if (strstr(text, wanted) == NULL) {
        fail_msg("ffprobe said:\n%s\nwithout the line %s", text, line);
    }
}

/* Asserts that frame `index` of the video NAME, decoded by ffmpeg, shows
 * what --screenshot shows with `screenshot_arguments`: not exactly (the
 * encoding is lossy), but nearly every pixel within a few shades. */
static void assert_video_frame_matches(const char *name, int index, const char *screenshot_arguments)
{
    char video[512], frame[512], expected[512], command[1600], arguments[600];
    support_path(video, sizeof video, name);
    support_path(frame, sizeof frame, "decoded.png");
    support_path(expected, sizeof expected, "expected.png");
    snprintf(command, sizeof command, "ffmpeg -v error -y -i '%s' -vf 'select=eq(n\\,%d)' -frames:v 1 '%s'", video,
             index, frame);
    assert_int_equal(system(command), 0);
    snprintf(arguments, sizeof arguments, "--screenshot expected.png %s", screenshot_arguments);
    run_ok(arguments);
    int width = 0, height = 0;
    uint32_t *picture = support_png_picture(frame, &width, &height);
    PictureDifference close = support_compare_png_within(picture, width, height, expected, VIDEO_CLOSE_DISTANCE);
    free(picture);
    if ((double)close.exact < VIDEO_CLOSE_SHARE * (double)close.pixels) {
        fail_msg("video frame %d against --screenshot %s: %llu of %llu pixels within %.0f", index,
                 screenshot_arguments, (unsigned long long)close.exact, (unsigned long long)close.pixels,
                 VIDEO_CLOSE_DISTANCE);
    }
    remove(frame);
    remove(expected);
}

/* 61 frames at 10 a second, the last held a second: 60 + 10 frames, 7 s. */
static void test_mp4_is_h264_with_the_expected_frames(void **state)
{
    (void)state;
    char text[2000];
    run_ok("--export steps.mp4 --from 0 --to 60");
    probe("steps.mp4", text, sizeof text);
    assert_has_line(text, "codec_name=h264");
    assert_has_line(text, "width=1280");
    assert_has_line(text, "height=800");
    assert_has_line(text, "pix_fmt=yuv420p");
    assert_has_line(text, "nb_read_frames=70");
    assert_has_line(text, "duration=7.000000");
    assert_video_frame_matches("steps.mp4", 69, "--at-step 60");
    char path[512];
    support_path(path, sizeof path, "steps.mp4");
    remove(path);
}

/* 21 frames at 5 a second, the last held a second: 20 + 5 frames, 5 s. */
static void test_webm_is_vp9_with_the_expected_frames(void **state)
{
    (void)state;
    char text[2000], path[512];
    run_ok("--export steps.webm --to 20 --fps 5");
    probe("steps.webm", text, sizeof text);
    assert_has_line(text, "codec_name=vp9");
    assert_has_line(text, "pix_fmt=yuv420p");
    assert_has_line(text, "nb_read_frames=25");
    assert_has_line(text, "duration=5.000000");
    support_path(path, sizeof path, "steps.webm");
    remove(path);
}

/* --- refusals ------------------------------------------------------------------------- */

typedef struct {
    const char *arguments;
    int status;
    const char *message;
} Refusal;

static void test_bad_input_is_refused_before_any_work(void **state)
{
    (void)state;
    static const Refusal refusals[] = {
        {"--export x.avi", 2, "heapviz: --export takes a file ending in .gif, .mp4 or .webm, not 'x.avi'"},
        {"--export x.gif --from 50 --to 40", 2, "heapviz: --from 50 is after --to 40"},
        {"--export x.gif --to 500", 2, "heapviz: --to 500 is past the end of the run, which has 100 steps"},
        {"--export x.gif --from 101", 2, "heapviz: --from 101 is past the end of the run, which has 100 steps"},
        {"--export no-such-folder/x.gif", 1, "heapviz: cannot write 'no-such-folder/x.gif': No such file or directory"},
        {"--export x.gif --fps 60", 2, "heapviz: --fps goes up to 50 for a .gif (its delays are in hundredths of a second)"},
        {"--export x.mp4 --size 642x401", 2, "heapviz: a video needs an even width and height; choose another --size"},
        {"--fps 5", 2, "heapviz: --from, --to, --fps and --every go with --export"},
        {"--export x.gif --at-step 4", 2, "heapviz: --export takes --from and --to, not --at-step"},
        {"--export x.gif --csv x.csv", 2,
         "heapviz: --export renders the window's frames; it cannot be combined with --screenshot, --headless, "
         "--stats, --csv, --record or --blocks"},
        {"--export x.gif --size 1280", 2, "heapviz: --size takes WIDTHxHEIGHT in points, each from 200 to 8192 (such as 1920x1080), not '1280'"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        int status = support_run(refusals[i].arguments);
        char line[400];
        support_stderr(line, sizeof line);
        if (status != refusals[i].status || strcmp(line, refusals[i].message) != 0) {
            fail_msg("heapviz %s: exit %d, '%s'; expected exit %d, '%s'", refusals[i].arguments, status, line,
                     refusals[i].status, refusals[i].message);
        }
        assert_int_equal(support_file_count(), 0); /* no file, no temporary */
    }
}

/* A long export stopped by SIGINT once its temporary file exists. */
static void test_interrupt_leaves_no_file(void **state)
{
    (void)state;
    char directory_file[512];
    support_path(directory_file, sizeof directory_file, "long.gif");
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        freopen("/dev/null", "w", stderr);
        execl(program, program, "--export", directory_file, "--steps", "5000", (char *)NULL);
        _exit(127);
    }
    struct timespec tenth = {0, 100 * 1000 * 1000};
    bool writing = false;
    for (int i = 0; i < 100 && !writing; i++) {
        nanosleep(&tenth, NULL);
        writing = support_has_file_starting(".hv-");
    }
    int files = support_file_count(); /* the temporary .hv-XXXXXX, written as frames come */
    nanosleep(&tenth, NULL);
    assert_int_equal(kill(child, SIGINT), 0);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    if (!WIFEXITED(status)) {
        fail_msg("heapviz ended by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    }
    assert_true(writing);
    assert_int_equal(files, 1);
    assert_int_equal(WEXITSTATUS(status), 128 + SIGINT);
    assert_int_equal(support_file_count(), 0);
}

int main(int argc, char **argv)
{
    program = support_program_argument(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_gif_of_steps_0_to_60, support_clean_test),
        cmocka_unit_test_teardown(test_every_and_fps_give_the_frames_and_delays, support_clean_test),
        cmocka_unit_test_teardown(test_frames_show_the_highlights_at_speed, support_clean_test),
        cmocka_unit_test_teardown(test_size_and_scale_shape_the_frames, support_clean_test),
        cmocka_unit_test_teardown(test_mp4_is_h264_with_the_expected_frames, support_clean_test),
        cmocka_unit_test_teardown(test_webm_is_vp9_with_the_expected_frames, support_clean_test),
        cmocka_unit_test_teardown(test_bad_input_is_refused_before_any_work, support_clean_test),
        cmocka_unit_test_teardown(test_interrupt_leaves_no_file, support_clean_test),
    };
    return cmocka_run_group_tests(tests, support_setup, support_teardown);
}
