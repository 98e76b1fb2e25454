/*
 * test_harden.c - issue 23, run as a hostile user would run the built
 * heapviz (argv[1]): outputs are written through whatever the user named
 * (devices, FIFOs, links, modes, long names), memory stays bounded (the
 * history of a huge heap, endless traces, long recordings), a window with
 * no display refuses at once, signals leave no temporaries, and every
 * output path is checked before any work starts.
 *
 * Each test runs the program in a child (fork + exec) with its own
 * environment, optionally as another user, optionally interrupted by a
 * signal once its temporary file exists, and reads back its exit status,
 * its output and its peak memory (wait4's rusage). Tests that need root
 * (device nodes, tmpfs, another user) skip with a message otherwise.
 */
#define _DEFAULT_SOURCE /* wait4, mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_support.h"

enum {
    NOBODY = 65534,              /* a user who may not write in /dev */
    WAIT_LIMIT_MS = 60000,       /* a child still running after this is killed */
    MIB = 1024                   /* ru_maxrss counts KiB */
};

static const char *binary;
static char directory[] = "/tmp/heapviz-harden-XXXXXX";    /* outputs under test */
static char captures[] = "/tmp/heapviz-harden-io-XXXXXX";  /* stdout and stderr */

typedef struct {
    const char *const *arguments;  /* NULL-terminated, after the program name */
    bool no_display;             /* DISPLAY, WAYLAND_DISPLAY, SDL_VIDEODRIVER unset */
    uid_t user;                  /* run as this user (root only), 0: as we are */
    int signal;                  /* sent once a temporary exists in `directory`, 0: none */
} Launch;

typedef struct {
    int status;                  /* exit status, -1 if it did not exit */
    int killed_by;               /* the signal that ended it, 0 if none */
    long peak_kib;               /* peak resident set */
    char out[65536];
    char err[4096];
} Result;

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

static char *path_in(const char *name)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    if (snprintf(path, 512, "%s/%s", directory, name) >= 512)
        fail_msg("path too long: %s", name);
    return path;
}

static char *capture_path(const char *name)
{
    static char paths[2][128];
    char *path = paths[name[0] == 'e'];
    snprintf(path, 128, "%s/%s", captures, name);
    return path;
}

/* Whether `directory` holds a heapviz temporary (.hv-XXXXXX). */
static bool temporary_exists(void)
{
    DIR *dir = opendir(directory);
    bool found = false;
    for (struct dirent *entry; dir && !found && (entry = readdir(dir));)
        found = strncmp(entry->d_name, ".hv-", 4) == 0;
    if (dir)
        closedir(dir);
    return found;
}

/* Names in `directory`, hidden ones included (temporaries are hidden). */
static int entries(void)
{
    DIR *dir = opendir(directory);
    int count = 0;
    for (struct dirent *entry; (entry = readdir(dir));)
        count += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(dir);
    return count;
}

static void child(const Launch *launch)
{
    char *argv[64] = {(char *)binary};
    for (int i = 0; launch->arguments[i]; i++)
        argv[i + 1] = (char *)launch->arguments[i];
    if (launch->no_display) {
        unsetenv("DISPLAY");
        unsetenv("WAYLAND_DISPLAY");
        unsetenv("SDL_VIDEODRIVER");
    }
    int out = open(capture_path("out"), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int err = open(capture_path("err"), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        _exit(126);
    if (launch->user && (setgid(launch->user) != 0 || setuid(launch->user) != 0))
        _exit(126);
    execv(binary, argv);
    _exit(127);
}

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* Waits for the child, sending launch->signal once a temporary exists;
 * kills it after WAIT_LIMIT_MS. */
static void wait_for(pid_t pid, const Launch *launch, Result *result)
{
    int status = 0;
    struct rusage usage;
    bool signalled = false;
    for (long waited = 0;; waited += 5) {
        pid_t done = wait4(pid, &status, WNOHANG, &usage);
        assert_true(done >= 0);
        if (done == pid)
            break;
        if (launch->signal && !signalled && temporary_exists()) {
            sleep_ms(200); /* well inside the run's loop */
            kill(pid, launch->signal);
            signalled = true;
        }
        if (waited == WAIT_LIMIT_MS)
            kill(pid, SIGKILL);
        sleep_ms(5);
    }
    result->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result->killed_by = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    result->peak_kib = usage.ru_maxrss;
}

static Result *launch(const Launch *launch)
{
    static Result result;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child(launch);
    wait_for(pid, launch, &result);
    run_support_read(capture_path("out"), result.out, sizeof result.out);
    run_support_read(capture_path("err"), result.err, sizeof result.err);
    return &result;
}

#define RUN(...) launch(&(Launch){.arguments = (const char *const[]){__VA_ARGS__, NULL}})
#define RUN_WITH(fields, ...) \
    launch(&(Launch){.arguments = (const char *const[]){__VA_ARGS__, NULL}, fields})

static bool is_root(void)
{
    return geteuid() == 0;
}

static void skip_unless_root(const char *why)
{
    if (!is_root()) {
        print_message("skipped: %s needs root\n", why);
        skip();
    }
}

static void remove_all(void)
{
    DIR *dir = opendir(directory);
    for (struct dirent *entry; (entry = readdir(dir));)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            unlink(path_in(entry->d_name));
    closedir(dir);
}

static int setup(void **state)
{
    (void)state;
    remove_all();
    return 0;
}

static void expect_message(const Result *result, int status, const char *message)
{
    char expected[1024];
    snprintf(expected, sizeof expected, "heapviz: %s\n", message);
    assert_int_equal(result->status, status);
    assert_string_equal(result->err, expected);
}

static mode_t mode_of(const char *path)
{
    struct stat status;
    assert_int_equal(lstat(path, &status), 0);
    return status.st_mode;
}

/* ---- 1: outputs are written through what is there ------------------------ */

/* A device that is always full. As root, a node made here with /dev/full's
 * numbers, so a program that replaces its outputs cannot harm the system's. */
static char *full_device(void)
{
    if (!is_root())
        return "/dev/full";
    char *node = path_in("full-device");
    assert_int_equal(mknod(node, S_IFCHR | 0666, makedev(1, 7)), 0);
    return node;
}

static void full_device_gives_no_space_left(void **state)
{
    (void)state;
    const char *options[] = {"--csv", "--record", "--blocks"};
    char *full = full_device();
    char expected[600];
    snprintf(expected, sizeof expected, "cannot write '%s': No space left on device", full);
    for (int i = 0; i < 3; i++) {
        Result *r = RUN("--headless", options[i], full);
        expect_message(r, 1, expected);
        assert_true(S_ISCHR(mode_of(full)));
    }
}

static void device_node_is_written_not_replaced(void **state)
{
    (void)state;
    skip_unless_root("making a device node");
    char *node = path_in("null-device");
    assert_int_equal(mknod(node, S_IFCHR | 0666, makedev(1, 3)), 0); /* /dev/null's numbers */
    Result *r = RUN("--headless", "--csv", node, "--blocks", node);
    assert_int_equal(r->status, 0);
    assert_true(S_ISCHR(mode_of(node)));
    assert_int_equal(entries(), 1);
}

/* A child that copies the FIFO into `copy`, as `cat FIFO > COPY` would. */
static pid_t start_reader(const char *fifo, const char *copy)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0)
        return pid;
    FILE *in = fopen(fifo, "rb"), *out = fopen(copy, "wb");
    char buffer[4096];
    for (size_t length; in && out && (length = fread(buffer, 1, sizeof buffer, in)) > 0;)
        fwrite(buffer, 1, length, out);
    _exit(in && out && fclose(out) == 0 ? 0 : 1);
}

/* Waits up to five seconds for the reader, then kills it. */
static void stop_reader(pid_t pid)
{
    int status;
    for (int waited = 0; waited < 5000 && waitpid(pid, &status, WNOHANG) == 0; waited += 10)
        sleep_ms(10);
    if (kill(pid, SIGKILL) == 0)
        waitpid(pid, &status, 0);
}

static void fifo_reader_gets_the_output(void **state)
{
    (void)state;
    char *fifo = path_in("fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *copy = path_in("copy.csv");
    pid_t reader = start_reader(fifo, copy);
    Result *r = RUN("--headless", "--csv", fifo, "--steps", "10");
    stop_reader(reader);
    assert_int_equal(r->status, 0);
    char text[8192];
    run_support_read(copy, text, sizeof text);
    assert_true(strncmp(text, "step,op,id,bytes,outcome", 24) == 0);
    int rows = 0;
    for (char *line = text; (line = strchr(line, '\n')); line++)
        rows++;
    assert_int_equal(rows, 11);  /* the header and ten steps */
    assert_true(S_ISFIFO(mode_of(fifo)));
}

static void symlink_is_followed(void **state)
{
    (void)state;
    char *target = path_in("target.txt");
    char *link = path_in("link");
    write_text(target, "old\n");
    assert_int_equal(symlink("target.txt", link), 0);
    Result *r = RUN("--headless", "--blocks", link);
    assert_int_equal(r->status, 0);
    assert_true(S_ISLNK(mode_of(link)));
    char text[256];
    run_support_read(target, text, sizeof text);
    assert_null(strstr(text, "old"));
    assert_true(strstr(text, " used\n") || strstr(text, " free\n"));
    assert_int_equal(entries(), 2);
}

static void dangling_symlink_creates_its_target(void **state)
{
    (void)state;
    char *link = path_in("link");
    assert_int_equal(symlink("made.txt", link), 0);
    Result *r = RUN("--headless", "--blocks", link);
    assert_int_equal(r->status, 0);
    assert_true(S_ISLNK(mode_of(link)));
    assert_true(S_ISREG(mode_of(path_in("made.txt"))));
}

static void replaced_file_keeps_mode_and_owner(void **state)
{
    (void)state;
    char *csv = path_in("private.csv");
    write_text(csv, "old\n");
    assert_int_equal(chmod(csv, 0600), 0);
    if (is_root())
        assert_int_equal(chown(csv, NOBODY, NOBODY), 0);
    Result *r = RUN("--headless", "--csv", csv);
    assert_int_equal(r->status, 0);
    struct stat status;
    assert_int_equal(stat(csv, &status), 0);
    assert_int_equal(status.st_mode & 07777, 0600);
    if (is_root())
        assert_int_equal(status.st_uid, NOBODY);
    assert_int_equal(entries(), 1);
}

/* /dev/stdout is a link to /proc/self/fd/1; a link of our own to it stands
 * in, so a program that replaces links cannot harm the system's. */
static void link_to_standard_output_writes_standard_output(void **state)
{
    (void)state;
    char *link = path_in("stdout");
    assert_int_equal(symlink("/proc/self/fd/1", link), 0);
    Result *r = RUN("--headless", "--blocks", link, "--stats", "json");
    assert_int_equal(r->status, 0);
    assert_true(strstr(r->out, " used\n") || strstr(r->out, " free\n"));
    assert_non_null(strstr(r->out, "{\"mallocs\":"));
    assert_true(S_ISLNK(mode_of(link)));
}

/* 1b: /dev/null for a user who cannot write in /dev. */
static void dev_null_works_for_a_plain_user(void **state)
{
    (void)state;
    Result *r = RUN_WITH(.user = is_root() ? NOBODY : 0, "--headless", "--csv", "/dev/null",
                         "--record", "/dev/null");
    assert_string_equal(r->err, "");
    assert_int_equal(r->status, 0);
    assert_true(S_ISCHR(mode_of("/dev/null")));
}

/* 1c: a 250-character name leaves room for no suffix. */
static void long_output_name_works(void **state)
{
    (void)state;
    char name[251];
    memset(name, 'n', 250);
    name[250] = '\0';
    Result *r = RUN("--headless", "--csv", path_in(name));
    assert_string_equal(r->err, "");
    assert_int_equal(r->status, 0);
    assert_true(S_ISREG(mode_of(path_in(name))));
    assert_int_equal(entries(), 1);
}

/* ---- 2: screenshots are written whole or not at all ----------------------- */

static void screenshot_onto_a_full_device_fails(void **state)
{
    (void)state;
    char *full = full_device();
    char expected[600];
    snprintf(expected, sizeof expected, "cannot write '%s': No space left on device", full);
    Result *r = RUN("--screenshot", full);
    expect_message(r, 1, expected);
    assert_true(S_ISCHR(mode_of(full)));
}

/* A 64 KiB tmpfs holding an old picture and a filler that leaves no room. */
static bool mount_full_disk(const char *mount_point, const char *old)
{
    if (mkdir(mount_point, 0700) != 0 || mount("none", mount_point, "tmpfs", 0, "size=64k") != 0) {
        rmdir(mount_point);
        return false;
    }
    write_text(old, "old picture\n");
    char filler[600];
    snprintf(filler, sizeof filler, "%s/filler", mount_point);
    FILE *file = fopen(filler, "wb");
    while (file && fputc('x', file) != EOF && !ferror(file)) {
    }
    if (file)
        fclose(file);
    return true;
}

static void screenshot_onto_a_full_disk_keeps_the_old_file(void **state)
{
    (void)state;
    skip_unless_root("mounting a small tmpfs");
    char *mount_point = path_in("disk");
    char old[600];
    snprintf(old, sizeof old, "%s/x.png", mount_point);
    if (!mount_full_disk(mount_point, old)) {
        print_message("skipped: cannot mount a tmpfs here\n");
        skip();
    }
    Result *r = RUN("--screenshot", old);
    char text[64], expected[700];
    run_support_read(old, text, sizeof text);
    DIR *dir = opendir(mount_point);
    int names = 0;
    for (struct dirent *entry; dir && (entry = readdir(dir));)
        names += entry->d_name[0] != '.' || strncmp(entry->d_name, ".hv-", 4) == 0;
    closedir(dir);
    umount(mount_point);
    rmdir(mount_point);
    snprintf(expected, sizeof expected, "cannot write '%s': No space left on device", old);
    expect_message(r, 1, expected);
    assert_string_equal(text, "old picture\n");
    assert_int_equal(names, 2); /* the picture and the filler: no temporary */
}

/* ---- 3: memory stays near the budget plus what the heap uses ------------- */

static void huge_untouched_heap_costs_little(void **state)
{
    (void)state;
    Result *r = RUN("--heap-bytes", "1073741824", "--history-mb", "1", "--screenshot",
                    path_in("x.png"));
    /* Even sparse, three copies of a 1 GiB heap's indexes pass 1 MiB: one line says so. */
    assert_string_equal(r->err, "heapviz: note: --history-mb 1 is too small for this run: it "
                                "uses more, and steps back replay from step 0\n");
    assert_int_equal(r->status, 0);
    /* The run touches a few KiB of the 1 GiB heap: three copies of the heap
     * (3.2 GB before) must not be made; SDL and the font take ~30 MiB. */
    print_message("peak resident: %ld MiB\n", r->peak_kib / MIB);
    assert_true(r->peak_kib < 128 * MIB);
}

/* ---- 4: endless or binary traces fail fast ------------------------------ */

static void endless_zero_stream_fails_at_line_1(void **state)
{
    (void)state;
    Result *r = RUN("--headless", "--trace", "/dev/zero");
    expect_message(r, 1, "/dev/zero:1: a NUL byte: a trace is text");
    assert_true(r->peak_kib < 64 * MIB); /* not the 2.1 GB read before failing */
}

static void nul_byte_is_reported_on_its_line(void **state)
{
    (void)state;
    char *trace = path_in("nul.rep");
    FILE *file = fopen(trace, "wb");
    assert_non_null(file);
    fwrite("10\n2\n2\n1\na 0 5\n\0f 0\n", 1, 19, file);
    assert_int_equal(fclose(file), 0);
    char expected[600];
    snprintf(expected, sizeof expected, "%s:6: a NUL byte: a trace is text", trace);
    expect_message(RUN("--headless", "--trace", trace), 1, expected);
}

/* ---- 5: a window with no display is refused ------------------------------ */

static void window_without_a_display_exits_1(void **state)
{
    (void)state;
    Result *r = RUN_WITH(.no_display = true, "--steps", "10");
    expect_message(r, 1, "no display: cannot open a window (use --headless or --screenshot)");
    r = RUN_WITH(.no_display = true, "--steps", "10", "--screenshot", path_in("x.png"));
    assert_int_equal(r->status, 0); /* a screenshot needs no display */
}

/* ---- 6: signals leave no temporaries ------------------------------------- */

static void signal_removes_temporaries(int signal, int status)
{
    remove_all();
    Result *r = RUN_WITH(.signal = signal, "--headless", "--steps", "4294967295", "--csv",
                         path_in("c.csv"), "--blocks", path_in("b"));
    assert_int_equal(r->killed_by, 0);
    assert_int_equal(r->status, status);
    assert_int_equal(entries(), 0);
}

static void sigint_and_sigterm_remove_temporaries(void **state)
{
    (void)state;
    signal_removes_temporaries(SIGINT, 130);
    signal_removes_temporaries(SIGTERM, 143);
}

/* ---- 7 and 10: every output is honoured, and checked before any work ----- */

static void screenshot_honours_the_other_outputs(void **state)
{
    (void)state;
    Result *r = RUN("--screenshot", path_in("a.png"), "--record", path_in("r.rep"), "--csv",
                    path_in("c.csv"), "--blocks", path_in("b"), "--stats", "json");
    assert_string_equal(r->err, "");
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "{\"mallocs\":"));
    const char *names[] = {"a.png", "r.rep", "c.csv", "b"};
    for (int i = 0; i < 4; i++)
        assert_true(S_ISREG(mode_of(path_in(names[i]))));
    assert_int_equal(entries(), 4);
}

static void bad_screenshot_path_is_found_before_the_run(void **state)
{
    (void)state;
    Result *r = RUN("--headless", "--steps", "200000", "--csv", path_in("c.csv"), "--screenshot",
                    "/no/such/dir/x.png");
    expect_message(r, 1, "cannot write '/no/such/dir/x.png': No such file or directory");
    assert_int_equal(entries(), 0);
    r = RUN("--steps", "200000", "--screenshot", "/no/such/dir/x.png");
    expect_message(r, 1, "cannot write '/no/such/dir/x.png': No such file or directory");
}

/* ---- 8: a recording streams --------------------------------------------- */

static void long_recording_streams_in_bounded_memory(void **state)
{
    (void)state;
    /* Room for 4294967295 steps was reserved up front: "out of memory". */
    Result *r = RUN_WITH(.signal = SIGTERM, "--headless", "--steps", "4294967295", "--slots",
                         "1000", "--record", path_in("r.rep"));
    assert_string_equal(r->err, "");
    assert_int_equal(r->status, 143);
    assert_int_equal(entries(), 0);
    assert_true(r->peak_kib < 64 * MIB);
}

/* ---- 9: one number grammar, and messages that name the limit ------------ */

static void numbers_have_one_grammar(void **state)
{
    (void)state;
    const char *probabilities[] = {" 0.5", "0x1p-2", "5e-1", ".5", "+0.5", "0.5 "};
    for (size_t i = 0; i < sizeof probabilities / sizeof probabilities[0]; i++) {
        char expected[200];
        snprintf(expected, sizeof expected,
                 "--p-malloc takes a probability from 0 to 1 (such as 0.3), not '%s'",
                 probabilities[i]);
        expect_message(RUN("--headless", "--p-malloc", probabilities[i]), 2, expected);
    }
    expect_message(RUN("--headless", "--seed", " 5"), 2,
                   "--seed takes a whole number from 0 to 18446744073709551615, not ' 5'");
    expect_message(RUN("--headless", "--steps", "+5"), 2,
                   "--steps takes a whole number from 1 to 4294967295, not '+5'");
}

static void heap_refusals_say_what_is_wrong(void **state)
{
    (void)state;
    /* Block = align_up(16 + 65536, 8) = 65552 bytes, from b0 = 0. */
    expect_message(RUN("--headless", "--min-payload", "65536"), 2,
                   "a 32768-byte heap cannot hold one block with --align 8 and --min-payload "
                   "65536: the tags allocator needs --heap-bytes 65552 or more");
    /* b0 = 56 and a block of align_up(16 + 8, 64) = 64 bytes: 120 bytes. */
    expect_message(RUN("--headless", "--heap-bytes", "64", "--align", "64"), 2,
                   "a 64-byte heap cannot hold one block with --align 64 and --min-payload 8: "
                   "the tags allocator needs --heap-bytes 120 or more");
    /* The window says the same, alone or in a compare pane. */
    expect_message(RUN("--heap-bytes", "64", "--align", "64", "--screenshot", path_in("x.png")), 2,
                   "a 64-byte heap cannot hold one block with --align 64 and --min-payload 8: "
                   "the tags allocator needs --heap-bytes 120 or more");
    expect_message(RUN("--compare", "tags:first-fit,tags:best-fit", "--heap-bytes", "64", "--align", "64",
                       "--screenshot", path_in("x.png")), 2,
                   "a 64-byte heap cannot hold one block with --align 64 and --min-payload 8: "
                   "the tags allocator needs --heap-bytes 120 or more");
    assert_int_equal(access(path_in("x.png"), F_OK), -1); /* nothing written */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HEAPVIZ\n", argv[0]);
        return 2;
    }
    binary = argv[1];
    if (!mkdtemp(directory) || !mkdtemp(captures))
        return 1;
    chmod(directory, 0777);  /* the plain-user test writes here too */
    chmod(captures, 0777);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(full_device_gives_no_space_left, setup),
        cmocka_unit_test_setup(device_node_is_written_not_replaced, setup),
        cmocka_unit_test_setup(fifo_reader_gets_the_output, setup),
        cmocka_unit_test_setup(symlink_is_followed, setup),
        cmocka_unit_test_setup(dangling_symlink_creates_its_target, setup),
        cmocka_unit_test_setup(replaced_file_keeps_mode_and_owner, setup),
        cmocka_unit_test_setup(link_to_standard_output_writes_standard_output, setup),
        cmocka_unit_test_setup(dev_null_works_for_a_plain_user, setup),
        cmocka_unit_test_setup(long_output_name_works, setup),
        cmocka_unit_test_setup(screenshot_onto_a_full_device_fails, setup),
        cmocka_unit_test_setup(screenshot_onto_a_full_disk_keeps_the_old_file, setup),
        cmocka_unit_test_setup(huge_untouched_heap_costs_little, setup),
        cmocka_unit_test_setup(endless_zero_stream_fails_at_line_1, setup),
        cmocka_unit_test_setup(nul_byte_is_reported_on_its_line, setup),
        cmocka_unit_test_setup(window_without_a_display_exits_1, setup),
        cmocka_unit_test_setup(long_recording_streams_in_bounded_memory, setup),
        cmocka_unit_test_setup(numbers_have_one_grammar, setup),
        cmocka_unit_test_setup(heap_refusals_say_what_is_wrong, setup),
        cmocka_unit_test_setup(screenshot_honours_the_other_outputs, setup),
        cmocka_unit_test_setup(bad_screenshot_path_is_found_before_the_run, setup),
        cmocka_unit_test_setup(sigint_and_sigterm_remove_temporaries, setup),
    };
    int failures = cmocka_run_group_tests(tests, NULL, NULL);
    remove_all();
    rmdir(directory);
    unlink(capture_path("out"));
    unlink(capture_path("err"));
    rmdir(captures);
    return failures;
}
