/*
 * test_recording.c - the window's recording (`r`).
 *
 * First the recording on hand-made frames, decoded with giflib: a frame is
 * kept on a grid of frame_ms from the first and lasts until the next one
 * kept, the last frame holds a second, a recording that cannot be saved
 * (no directory, a full disk) says why and leaves nothing, a dropped one
 * leaves nothing.
 *
 * Then the real event loop of window_run under the offscreen driver, with
 * keys pushed from a second thread: `r`, Shift+→ three times (ten steps
 * each: no search is played, so the window shows what a screenshot does),
 * `r`. The GIF it saves (heapviz-first-fit-steps-0-30.gif, in the current
 * directory) is 1280x800, has a frame count 10 a second allows, shows
 * steps 0, 10, 20 and 30 in order, begins with what --screenshot
 * --at-step 0 shows and ends with --screenshot --at-step 30 held a second
 * (every pixel within the palette's radius), and no frame has the red REC
 * mark the window draws while recording. Quitting while recording saves
 * too.
 *
 * argv[1] is the heapviz binary (for the screenshots to compare with).
 */
#define _POSIX_C_SOURCE 200809L /* chdir */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "export_support.h"
#include "options.h"
#include "recording.h"
#include "window.h"
#include <SDL.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { SMALL_WIDTH = 16, SMALL_HEIGHT = 12, WIDTH = 1280, HEIGHT = 800 };

#define CLOSE_DISTANCE 12.0      /* as test_export: the palette's radius for the window */
#define KEY_GAP_MS 300           /* between pushed keys: each step shows for a few frames */

static const uint32_t colors[3] = {0xFFFFFFFFu, 0xFFD55E00u, 0xFF0072B2u};

/* Frame k: colour k everywhere but the first three pixels, which hold all
 * three colours (the palette comes from the first frame). */
static Frame painted(int k)
{
    Frame frame = frame_create(SMALL_WIDTH, SMALL_HEIGHT);
    assert_non_null(frame.pixels);
    for (int i = 0; i < SMALL_WIDTH * SMALL_HEIGHT; i++) {
        frame.pixels[i] = i < 3 ? colors[i] : colors[k];
    }
    return frame;
}

/* The colour of the last pixel of GIF frame `index`, as a viewer shows it. */
static uint32_t last_pixel(const GifFileType *gif, int index)
{
    uint32_t *picture = support_gif_picture(gif, index);
    uint32_t color = picture[SMALL_WIDTH * SMALL_HEIGHT - 1];
    free(picture);
    return color;
}

/* Frames offered at 1000 (the first), 1050, 1120, 1180, 1390 ms with 100 ms
 * frames: 1050 is not due (before 1100), 1120 is, 1180 is not (before
 * 1200), 1390 is. Stopped at 1430: 1000-1120 is 12 hundredths, 1120-1390
 * 27, 1390-1430 4, and the still frame 100. */
static void test_frames_last_until_the_next_one_kept(void **state)
{
    (void)state;
    char path[512], message[300];
    support_path(path, sizeof path, "timed.gif");
    Frame frames[3] = {painted(0), painted(1), painted(2)};
    Recording *recording = recording_start(path, &frames[0], 1000, 100, message, sizeof message);
    assert_non_null(recording);
    assert_false(recording_due(recording, 1050));
    assert_true(recording_add(recording, &frames[2], 1050, message, sizeof message)); /* not kept */
    assert_true(recording_due(recording, 1120));
    assert_true(recording_add(recording, &frames[1], 1120, message, sizeof message));
    assert_false(recording_due(recording, 1180));
    assert_true(recording_add(recording, &frames[1], 1390, message, sizeof message));
    assert_true(recording_fits(recording, SMALL_WIDTH, SMALL_HEIGHT));
    assert_false(recording_fits(recording, SMALL_WIDTH + 1, SMALL_HEIGHT));
    assert_true(recording_finish(recording, &frames[2], 1430, path, message, sizeof message));
    GifFileType *gif = support_gif_load(path);
    assert_int_equal(gif->ImageCount, 4);
    static const int delays[] = {12, 27, 4, 100};
    static const int shown[] = {0, 1, 1, 2};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(support_gif_delay(gif, i), delays[i]);
        assert_int_equal(last_pixel(gif, i), colors[shown[i]] & 0xFFFFFFu);
    }
    support_gif_close(gif);
    for (int i = 0; i < 3; i++) {
        frame_destroy(&frames[i]);
    }
}

/* Without a last frame (the window changed size) the frame kept last holds
 * the second; a stop within the same hundredth adds no frame of 0 delay. */
static void test_without_a_last_frame_the_kept_one_holds(void **state)
{
    (void)state;
    char path[512], message[300];
    support_path(path, sizeof path, "resized.gif");
    Frame first = painted(0), second = painted(1);
    Recording *recording = recording_start(path, &first, 0, 100, message, sizeof message);
    assert_non_null(recording);
    assert_true(recording_add(recording, &second, 250, message, sizeof message));
    assert_true(recording_finish(recording, NULL, 900, path, message, sizeof message));
    GifFileType *gif = support_gif_load(path);
    assert_int_equal(gif->ImageCount, 2);
    assert_int_equal(support_gif_delay(gif, 0), 25);
    assert_int_equal(support_gif_delay(gif, 1), 100);
    assert_int_equal(last_pixel(gif, 1), colors[1] & 0xFFFFFFu);
    support_gif_close(gif);
    recording = recording_start(path, &first, 0, 100, message, sizeof message);
    assert_true(recording_finish(recording, &second, 4, path, message, sizeof message));
    gif = support_gif_load(path);
    assert_int_equal(gif->ImageCount, 1); /* 0-4 ms rounds to no hundredth: only the still frame */
    assert_int_equal(support_gif_delay(gif, 0), 100);
    support_gif_close(gif);
    frame_destroy(&first);
    frame_destroy(&second);
}

/* A path that cannot be written: one sentence naming it, and no file, not
 * even the recording's scratch, anywhere in the directory. */
static void test_an_unwritable_path_says_so_and_leaves_nothing(void **state)
{
    (void)state;
    char beside[512], path[600], message[300];
    support_path(beside, sizeof beside, "x.gif");
    support_path(path, sizeof path, "missing/x.gif");
    Frame first = painted(0);
    Recording *recording = recording_start(beside, &first, 0, 100, message, sizeof message);
    assert_non_null(recording);
    assert_false(recording_finish(recording, &first, 500, path, message, sizeof message));
    assert_non_null(strstr(message, "cannot write"));
    assert_non_null(strstr(message, "missing/x.gif"));
    assert_int_equal(support_file_count(), 0);
    recording = recording_start(path, &first, 0, 100, message, sizeof message);
    assert_null(recording); /* no directory for the scratch: refused at the start */
    assert_non_null(strstr(message, "missing/x.gif"));
    recording = recording_start(beside, &first, 0, 100, message, sizeof message);
    recording_drop(recording);
    assert_int_equal(support_file_count(), 0);
    frame_destroy(&first);
}

/* A disk that fills up while recording (here a file size limit of 4 KB, a
 * GIF of noise needs more): saving says so in one sentence, and leaves no
 * file, neither the GIF nor its temporaries. */
static void test_a_full_disk_says_so_and_leaves_nothing(void **state)
{
    (void)state;
    char path[512], message[300];
    support_path(path, sizeof path, "full.gif");
    Frame noise = frame_create(200, 200);
    assert_non_null(noise.pixels);
    uint32_t seed = 12345;
    for (int i = 0; i < 200 * 200; i++) {
        seed = seed * 1103515245u + 12345u;
        noise.pixels[i] = colors[(seed >> 16) % 3];
    }
    struct rlimit previous, limit = {4096, 4096};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &previous), 0);
    limit.rlim_max = previous.rlim_max;
    void (*handler)(int) = signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    Recording *recording = recording_start(path, &noise, 0, 100, message, sizeof message);
    assert_non_null(recording);
    for (uint64_t ms = 100; ms <= 1000; ms += 100) {
        noise.pixels[ms] ^= 0xFFFFFFu; /* each frame a little different */
        assert_true(recording_add(recording, &noise, ms, message, sizeof message));
    }
    bool saved = recording_finish(recording, &noise, 1100, path, message, sizeof message);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &previous), 0);
    signal(SIGXFSZ, handler);
    assert_false(saved);
    assert_non_null(strstr(message, "File too large"));
    assert_int_equal(support_file_count(), 0);
    frame_destroy(&noise);
}

/* --- the real loop ----------------------------------------------------------------- */

typedef struct {
    bool quit_while_recording;   /* q instead of the second r */
    uint64_t recorded_ms;        /* from pushing the first r to pushing the key that stops */
} Script;

/* Pushes a key, waits until the window has taken it from the queue (so a
 * slow machine never handles two keys in one frame), then KEY_GAP_MS. */
static void push_key(SDL_Keycode code, Uint16 modifiers)
{
    SDL_Event event = {.key = {.type = SDL_KEYDOWN, .state = SDL_PRESSED, .keysym = {.sym = code, .mod = modifiers}}};
    SDL_PushEvent(&event);
    while (SDL_PeepEvents(NULL, 0, SDL_PEEKEVENT, SDL_KEYDOWN, SDL_KEYDOWN) > 0) {
        SDL_Delay(5);
    }
    SDL_Delay(KEY_GAP_MS);
}

static int user(void *data)
{
    Script *script = data;
    while (!SDL_WasInit(SDL_INIT_VIDEO)) {
        SDL_Delay(10);
    }
    SDL_Delay(700); /* the window is up */
    uint64_t start = SDL_GetTicks64();
    push_key(SDLK_r, 0);
    for (int i = 0; i < 3; i++) {
        push_key(SDLK_RIGHT, KMOD_LSHIFT); /* ten steps: no search is played, as in a screenshot */
    }
    script->recorded_ms = SDL_GetTicks64() - start;
    if (!script->quit_while_recording) {
        push_key(SDLK_r, 0);
    }
    push_key(SDLK_q, 0);
    return 0;
}

/* Runs the window with the script's keys; returns how long it recorded (ms). */
static uint64_t run_window(bool quit_while_recording)
{
    char directory[512];
    support_path(directory, sizeof directory, "");
    assert_int_equal(chdir(directory), 0);
    if (SDL_getenv("SDL_RENDER_DRIVER") == NULL) {
        SDL_setenv("SDL_RENDER_DRIVER", "software", 1);
    }
    Options options = options_defaults();
    Script script = {.quit_while_recording = quit_while_recording};
    SDL_Thread *thread = SDL_CreateThread(user, "user", &script);
    assert_non_null(thread);
    assert_int_equal(window_run(&options), 0);
    SDL_WaitThread(thread, NULL);
    return script.recorded_ms;
}

static void screenshot(const char *name, int step)
{
    char arguments[300], line[400];
    snprintf(arguments, sizeof arguments, "--screenshot %s --at-step %d", name, step);
    if (support_run(arguments) != 0) {
        support_stderr(line, sizeof line);
        fail_msg("heapviz %s: %s", arguments, line);
    }
}

/* How many pixels of `rect` (x, y, w, h) differ from the PNG by more than CLOSE_DISTANCE. */
static uint64_t differing_in(const uint32_t *picture, const char *png, const int rect[4])
{
    int width = 0, height = 0;
    uint32_t *expected = support_png_picture(png, &width, &height);
    uint64_t differing = 0;
    for (int y = rect[1]; y < rect[1] + rect[3]; y++) {
        for (int x = rect[0]; x < rect[0] + rect[2]; x++) {
            differing += support_distance(picture[y * width + x], expected[y * width + x]) > CLOSE_DISTANCE;
        }
    }
    free(expected);
    return differing;
}

/* Every pixel of the picture within CLOSE_DISTANCE of the PNG's. */
static void assert_matches(const uint32_t *picture, const char *png)
{
    PictureDifference difference = support_compare_png_within(picture, WIDTH, HEIGHT, png, CLOSE_DISTANCE);
    if (difference.exact != difference.pixels) {
        fail_msg("%s: %llu of %llu pixels further than %.0f, worst distance %.1f", png,
                 (unsigned long long)(difference.pixels - difference.exact), (unsigned long long)difference.pixels,
                 CLOSE_DISTANCE, difference.worst);
    }
}

/* Which of the four screenshots a frame's step is, read from the panel's
 * first line ("step N of 100 ..."); -1 if none matches. */
static int step_shown(const uint32_t *picture, char pngs[4][600])
{
    static const int header[4] = {WIDTH - 470, 10, 300, 22};
    for (int shot = 0; shot < 4; shot++) {
        if (differing_in(picture, pngs[shot], header) == 0) {
            return shot;
        }
    }
    return -1;
}

/* Every frame: no REC mark in the top right corner (there, each frame is
 * the panel as the screenshot has it); the steps shown go 0, 10, 20, 30
 * in order, each in at least one frame. */
static void assert_frames_show_steps_without_the_mark(const GifFileType *gif, char pngs[4][600])
{
    static const int corner[4] = {WIDTH - 90, 0, 90, 40};
    int next = 0;
    for (int i = 0; i < gif->ImageCount; i++) {
        uint32_t *picture = support_gif_picture(gif, i);
        if (differing_in(picture, pngs[0], corner) != 0) {
            fail_msg("frame %d of %d has something in the REC mark's corner", i, gif->ImageCount);
        }
        int shot = step_shown(picture, pngs);
        if (shot != next - 1 && shot != next) {
            fail_msg("frame %d shows step %d after step %d", i, shot * 10, (next - 1) * 10);
        }
        next = shot == next ? next + 1 : next;
        free(picture);
    }
    assert_int_equal(next, 4);
}

/* The GIF `name` holds what the window showed over `recorded_ms`. */
static void check_recording(const char *name, uint64_t recorded_ms)
{
    char path[600], pngs[4][600];
    support_path(path, sizeof path, name);
    if (access(path, R_OK) != 0) {
        fail_msg("no %s", name);
    }
    for (int shot = 0; shot < 4; shot++) {
        char png[40];
        snprintf(png, sizeof png, "still-%d.png", shot * 10);
        screenshot(png, shot * 10);
        support_path(pngs[shot], sizeof pngs[shot], png);
    }
    GifFileType *gif = support_gif_load(path);
    assert_int_equal(gif->SWidth, WIDTH);
    assert_int_equal(gif->SHeight, HEIGHT);
    int last = gif->ImageCount - 1;
    /* At least a frame for each step (the first and one per key) and the
     * still one; at most 10 a second (one more for the part second at
     * the end, and the still frame). */
    printf("%d frames in %llu ms\n", gif->ImageCount, (unsigned long long)recorded_ms);
    assert_in_range(gif->ImageCount, 5, recorded_ms / 100 + 3);
    assert_int_equal(support_gif_delay(gif, last), 100);
    uint32_t *first = support_gif_picture(gif, 0), *still = support_gif_picture(gif, last);
    assert_matches(first, pngs[0]);
    assert_matches(still, pngs[3]);
    free(first);
    free(still);
    assert_frames_show_steps_without_the_mark(gif, pngs);
    support_gif_close(gif);
}

static void test_r_records_steps_without_the_mark(void **state)
{
    (void)state;
    uint64_t recorded_ms = run_window(false);
    check_recording("heapviz-first-fit-steps-0-30.gif", recorded_ms);
    assert_int_equal(support_file_count(), 5); /* the GIF and the four screenshots */
}

static void test_quitting_while_recording_saves(void **state)
{
    (void)state;
    uint64_t recorded_ms = run_window(true);
    check_recording("heapviz-first-fit-steps-0-30.gif", recorded_ms);
}

int main(int argc, char **argv)
{
    support_program_argument(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_frames_last_until_the_next_one_kept, support_clean_test),
        cmocka_unit_test_teardown(test_without_a_last_frame_the_kept_one_holds, support_clean_test),
        cmocka_unit_test_teardown(test_an_unwritable_path_says_so_and_leaves_nothing, support_clean_test),
        cmocka_unit_test_teardown(test_a_full_disk_says_so_and_leaves_nothing, support_clean_test),
        cmocka_unit_test_teardown(test_r_records_steps_without_the_mark, support_clean_test),
        cmocka_unit_test_teardown(test_quitting_while_recording_saves, support_clean_test),
    };
    return cmocka_run_group_tests(tests, support_setup, support_teardown);
}
