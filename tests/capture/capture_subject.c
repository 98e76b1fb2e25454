/*
 * capture_subject.c - a program whose allocation calls are known exactly,
 * for the capture tests to record (test_capture.c holds what each part
 * must produce).
 *
 * Each part runs between two marker mallocs of a size no one else asks
 * for (MARKER_BEGIN + part, MARKER_END + part), so the tests find it in the
 * capture whatever libc allocates around it. Part 0 runs on the main
 * thread, parts 1..THREADS on threads of their own, all at once. Then a
 * forked child allocates CHILD_BYTES and the program ends the way argv[1]
 * says: "exit", "_exit", "abort", "segv" (a real invalid write), "exec"
 * (runs itself again as "after-exec", which allocates EXEC_BYTES).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
    MARKER_BEGIN = 7770000,
    MARKER_END = 7780000,
    CHILD_BYTES = 5550001,
    EXEC_BYTES = 4440001,
    THREADS = 3,
    ROUNDS = 200
};

/* The compiler may drop free(malloc(n)); a volatile pointer keeps the calls. */
static void marker(size_t bytes)
{
    void *volatile block = malloc(bytes);
    free(block);
}

/* Part 0: every kind of call once, in a known order. */
static void every_call(void)
{
    void *aligned[5];
    char *a = malloc(100);
    char *b = calloc(10, 30);
    a = realloc(a, 1000);                  /* grow */
    a = realloc(a, 50);                    /* shrink */
    b = reallocarray(b, 20, 30);
    if (posix_memalign(&aligned[0], 64, 200) != 0)
        aligned[0] = NULL;
    aligned[1] = aligned_alloc(128, 256);
    aligned[2] = memalign(256, 300);
    aligned[3] = valloc(500);
    aligned[4] = pvalloc(600);
    char *volatile none = NULL;            /* else the compiler calls malloc itself */
    char *c = realloc(none, 40);           /* a malloc */
    c = realloc(c, 0);                     /* a free */
    free(NULL);                            /* not recorded */
    volatile size_t huge = SIZE_MAX / 2;
    if (calloc(huge, 4) != NULL)           /* refused: n * m overflows */
        abort();
    if (malloc(huge + huge) != NULL)       /* fails: left out */
        abort();
    for (int i = 4; i >= 0; i--)
        free(aligned[i]);
    free(b);
    free(a);
    (void)c;
}

/* Parts 1..THREADS: ROUNDS of malloc(part * 16 + round % 7) then free, with
 * a realloc every round. */
static void *thread_part(void *argument)
{
    size_t part = (size_t)(uintptr_t)argument;
    marker(MARKER_BEGIN + part);
    for (size_t round = 0; round < ROUNDS; round++) {
        char *p = malloc(part * 16 + round % 7);
        p = realloc(p, part * 32 + round % 5);
        free(p);
    }
    marker(MARKER_END + part);
    return NULL;
}

static void fork_child(void)
{
    pid_t child = fork();
    if (child == 0) {
        marker(CHILD_BYTES);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
}

static void end(const char *how, const char *self)
{
    if (strcmp(how, "_exit") == 0)
        _exit(3);
    if (strcmp(how, "abort") == 0)
        abort();
    if (strcmp(how, "segv") == 0) {
        volatile uintptr_t nowhere = 8;    /* opaque to the compiler: a real store */
        *(volatile int *)nowhere = 1;
    }
    if (strcmp(how, "exec") == 0)
        execl(self, self, "after-exec", (char *)NULL);
    exit(0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        marker(EXEC_BYTES);
        return 0;
    }
    marker(MARKER_BEGIN);
    every_call();
    marker(MARKER_END);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, thread_part, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    fork_child();
    end(argc > 1 ? argv[1] : "exit", argv[0]);
    return 0;
}
