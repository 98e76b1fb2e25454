/*
 * preload.c - libheapviz_capture.so: records a program's allocation calls.
 *
 * `heapviz --capture FILE -- PROGRAM` starts PROGRAM with this library in
 * LD_PRELOAD. The library defines malloc, calloc, realloc, reallocarray,
 * free and the five aligned calls; each one calls the real function (found
 * with dlsym(RTLD_NEXT)) and appends one record to the log (capture_log.h).
 *
 * The rules it keeps, and how:
 * - One total order: a lock is held around the real call and its record, so
 *   a free in one thread and the malloc that reuses its block in another are
 *   logged in the order they happened.
 * - No recursion and each call recorded once: a thread-local flag is set
 *   while the library works; a call that arrives while it is set (from
 *   dlsym, from glibc's reallocarray calling realloc, from a signal handler)
 *   goes straight to the real function and is not recorded.
 * - Lazy start: the first call (or the constructor, whichever comes first)
 *   finds the real functions and opens the log. dlsym itself calls calloc;
 *   until the real functions are known such calls are served from a static
 *   bootstrap arena, whose blocks are never given back.
 * - No allocation of its own: records go into a shared mapping of the log
 *   file, grown a chunk at a time with ftruncate and mmap. The kernel keeps
 *   what was written however the process ends, a crash included.
 * - fork: the child stops recording (the parent's file stays the parent's),
 *   unless HEAPVIZ_CAPTURE_CHILDREN=1, when it starts a log of its own.
 * - exec: the library takes itself out of LD_PRELOAD once started, so a
 *   program the recorded one runs is not recorded - again unless
 *   HEAPVIZ_CAPTURE_CHILDREN=1; then each new program image writes its own
 *   log (PREFIX.PID, then PREFIX.PID.1 after an exec in the same process).
 *
 * The calls it replaces are process-wide, so its state is too: this file
 * is the one place in heapviz with global state, all of it in `capture`.
 */
#define _GNU_SOURCE
#include "capture_log.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h> /* glibc 2.32 */
#define ONE_THREAD() (__libc_single_threaded != 0)
#else
#define ONE_THREAD() false
#endif

#define EXPORT __attribute__((visibility("default")))
#define THREAD_LOCAL static _Thread_local __attribute__((tls_model("initial-exec")))

enum {
    BOOTSTRAP_BYTES = 64 * 1024,  /* enough for dlsym's few calls */
    BOOTSTRAP_ALIGNMENT = 16,
    CHUNK_BYTES = CAPTURE_LOG_CHUNK_RECORDS * sizeof(CaptureRecord),
    MAX_IMAGES = 1000             /* exec'd images of one process with logs of their own */
};

typedef enum { UNSTARTED, STARTING, RECORDING, OFF } CaptureState;

/* The allocator underneath, found with dlsym(RTLD_NEXT). */
typedef struct {
    bool ready;                  /* every pointer below is set */
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*usable_size)(void *);
} RealAllocator;

typedef struct {
    pthread_mutex_t lock;        /* held around each recorded call and while starting */
    _Atomic int state;           /* CaptureState */
    RealAllocator real;
    bool follow_children;        /* HEAPVIZ_CAPTURE_CHILDREN=1 */
    bool fork_handlers_set;
    int fd;                      /* the log, -1 when none */
    CaptureLogHeader *header;    /* its first page, mapped */
    CaptureRecord *chunk;        /* the mapped chunk the next record goes into */
    uint64_t chunk_index;
    size_t bootstrap_used;       /* bytes of `bootstrap` handed out */
    _Alignas(BOOTSTRAP_ALIGNMENT) unsigned char bootstrap[BOOTSTRAP_BYTES];
} Capture;

static Capture capture = {.lock = PTHREAD_MUTEX_INITIALIZER, .state = UNSTARTED, .fd = -1};

THREAD_LOCAL bool in_library;        /* this thread is inside the library now */
THREAD_LOCAL uint32_t thread_number; /* 0 until the thread's first record */

/* One call: what was asked, and what came back. */
typedef struct {
    CaptureCall call;
    void *pointer;               /* free, realloc, reallocarray */
    size_t bytes;                /* calloc, reallocarray: the product */
    size_t count, size;          /* calloc's own two arguments */
    size_t alignment;
    void *result;
    int status;                  /* posix_memalign's return value */
} Request;

/* ---- the bootstrap arena --------------------------------------------------- */

static bool is_bootstrap(const void *pointer)
{
    const unsigned char *p = pointer;
    return p >= capture.bootstrap && p < capture.bootstrap + BOOTSTRAP_BYTES;
}

/* A block of the arena; its size sits in the word before it, for realloc. */
static void *bootstrap_alloc(size_t bytes, size_t alignment)
{
    if (alignment < BOOTSTRAP_ALIGNMENT)
        alignment = BOOTSTRAP_ALIGNMENT;
    size_t start = capture.bootstrap_used + sizeof(size_t);
    start = (start + alignment - 1) / alignment * alignment;
    if (start > BOOTSTRAP_BYTES || bytes > BOOTSTRAP_BYTES - start) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(capture.bootstrap + start - sizeof(size_t), &bytes, sizeof bytes);
    capture.bootstrap_used = start + bytes;
    return capture.bootstrap + start;     /* static storage: already zero */
}

static size_t bootstrap_size(const void *pointer)
{
    size_t bytes;
    memcpy(&bytes, (const unsigned char *)pointer - sizeof(size_t), sizeof bytes);
    return bytes;
}

/* ---- doing the call --------------------------------------------------------- */

/* realloc of a bootstrap block: a new real block with the old bytes. */
static void *move_out_of_bootstrap(void *pointer, size_t bytes)
{
    void *result = capture.real.ready ? capture.real.malloc(bytes)
                                      : bootstrap_alloc(bytes, BOOTSTRAP_ALIGNMENT);
    size_t old = bootstrap_size(pointer);
    if (result)
        memcpy(result, pointer, old < bytes ? old : bytes);
    return result;
}

/* Before the real functions are known: every allocation from the arena. */
static void perform_in_bootstrap(Request *r)
{
    if (r->call == CAPTURE_FREE)
        return;
    if (r->pointer)
        r->result = move_out_of_bootstrap(r->pointer, r->bytes);
    else
        r->result = bootstrap_alloc(r->bytes, r->alignment);
    r->status = r->result ? 0 : ENOMEM;
}

/* Calls the real function the request names. */
static void perform(Request *r)
{
    const RealAllocator *real = &capture.real;
    if (!real->ready) {
        perform_in_bootstrap(r);
        return;
    }
    if (is_bootstrap(r->pointer)) {
        if (r->call != CAPTURE_FREE)
            r->result = move_out_of_bootstrap(r->pointer, r->bytes);
        return;
    }
    switch (r->call) {
    case CAPTURE_MALLOC: r->result = real->malloc(r->bytes); break;
    case CAPTURE_CALLOC: r->result = real->calloc(r->count, r->size); break;
    case CAPTURE_REALLOC:
    case CAPTURE_REALLOCARRAY: r->result = real->realloc(r->pointer, r->bytes); break;
    case CAPTURE_FREE: real->free(r->pointer); break;
    case CAPTURE_POSIX_MEMALIGN:
        r->status = real->posix_memalign(&r->result, r->alignment, r->bytes);
        if (r->status != 0)
            r->result = NULL;
        break;
    case CAPTURE_ALIGNED_ALLOC: r->result = real->aligned_alloc(r->alignment, r->bytes); break;
    case CAPTURE_MEMALIGN: r->result = real->memalign(r->alignment, r->bytes); break;
    case CAPTURE_VALLOC: r->result = real->valloc(r->bytes); break;
    case CAPTURE_PVALLOC: r->result = real->pvalloc(r->bytes); break;
    default: break;
    }
}

/* ---- the log ---------------------------------------------------------------- */

/* PREFIX.PID, or PREFIX.PID.IMAGE for a later image; false if it does not fit.
 * Written by hand: snprintf may allocate. */
static bool log_path(char *path, size_t size, const char *prefix, unsigned pid, unsigned image)
{
    size_t length = strlen(prefix);
    unsigned numbers[2] = {pid, image};
    if (length + 2 * 12 >= size)
        return false;
    memcpy(path, prefix, length);
    for (int i = 0; i < (image ? 2 : 1); i++) {
        char digits[12];
        int count = 0;
        do {
            digits[count++] = (char)('0' + numbers[i] % 10);
            numbers[i] /= 10;
        } while (numbers[i]);
        path[length++] = '.';
        while (count)
            path[length++] = digits[--count];
    }
    path[length] = '\0';
    return true;
}

/* Maps chunk `index` of the records, growing the file to hold it. Its
 * blocks are allocated in one call (fallocate): ext4 otherwise reserved
 * them a page at a time as the records went in, a good part of the
 * recorded program's extra time (BENCHMARKS.md, capture overhead), and a
 * full disk now stops the recording here rather than failing a write into
 * the mapping (SIGBUS in the program). A file system without fallocate
 * leaves it to the page faults, as before. The mapping is not populated:
 * populating read the file's holes ahead of the writes that fault each
 * page again anyway. */
static bool map_chunk(uint64_t index)
{
    off_t offset = (off_t)(CAPTURE_LOG_HEADER_BYTES + index * (uint64_t)CHUNK_BYTES);
    if (ftruncate(capture.fd, offset + (off_t)CHUNK_BYTES) != 0)
        return false;
    if (fallocate(capture.fd, 0, offset, (off_t)CHUNK_BYTES) != 0 && errno == ENOSPC)
        return false;
    void *chunk = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, capture.fd, offset);
    if (chunk == MAP_FAILED)
        return false;
    if (capture.chunk)
        munmap(capture.chunk, CHUNK_BYTES);
    capture.chunk = chunk;
    capture.chunk_index = index;
    return true;
}

/* Creates this image's log, the first free name of PREFIX.PID[.N]. */
static bool open_log(void)
{
    const char *prefix = getenv(CAPTURE_ENV_LOG);
    char path[4096];
    if (!prefix || !*prefix)
        return false;
    for (unsigned image = 0; image < MAX_IMAGES && capture.fd < 0; image++) {
        if (!log_path(path, sizeof path, prefix, (unsigned)getpid(), image))
            return false;
        capture.fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (capture.fd < 0 && errno != EEXIST)
            return false;
    }
    if (capture.fd < 0 || ftruncate(capture.fd, CAPTURE_LOG_HEADER_BYTES) != 0)
        return false;
    void *header = mmap(NULL, CAPTURE_LOG_HEADER_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
                        capture.fd, 0);
    if (header == MAP_FAILED)
        return false;
    capture.header = header;
    capture.header->version = CAPTURE_LOG_VERSION;
    capture.header->pid = (uint32_t)getpid();
    capture.header->magic = CAPTURE_LOG_MAGIC;
    return map_chunk(0);
}

static void close_log(void)
{
    if (capture.chunk)
        munmap(capture.chunk, CHUNK_BYTES);
    if (capture.header)
        munmap(capture.header, CAPTURE_LOG_HEADER_BYTES);
    if (capture.fd >= 0)
        close(capture.fd);
    capture.chunk = NULL;
    capture.header = NULL;
    capture.fd = -1;
}

/* Appends the record of a finished call; the caller holds the lock. */
static void record(const Request *r)
{
    if (r->call == CAPTURE_FREE && (!r->pointer || is_bootstrap(r->pointer)))
        return;
    uint64_t index = capture.header->records;
    uint64_t chunk = index / CAPTURE_LOG_CHUNK_RECORDS;
    if (chunk != capture.chunk_index) {
        int saved = errno;
        bool mapped = map_chunk(chunk);
        errno = saved;
        if (!mapped) {
            capture.state = OFF;
            return;
        }
    }
    if (thread_number == 0)
        thread_number = (uint32_t)++capture.header->threads;
    capture.chunk[index % CAPTURE_LOG_CHUNK_RECORDS] = (CaptureRecord){
        .call = r->call,
        .thread = thread_number,
        .pointer = capture_call_is_aligned(r->call) ? r->alignment : (uint64_t)(uintptr_t)r->pointer,
        .result = (uint64_t)(uintptr_t)r->result,
        .bytes = r->bytes,
        .usable = r->result ? capture.real.usable_size(r->result) : 0,
    };
    __atomic_store_n(&capture.header->records, index + 1, __ATOMIC_RELEASE);
}

/* ---- starting, fork and exec -------------------------------------------------- */

/* Stores the next definition of `name` into the function pointer at
 * `function` (the POSIX way: C has no cast from void * to a function). */
static void find(const char *name, void *function)
{
    void *symbol = dlsym(RTLD_NEXT, name);
    memcpy(function, &symbol, sizeof symbol);
}

static void find_real_allocator(void)
{
    RealAllocator *real = &capture.real;
    find("malloc", &real->malloc);
    find("calloc", &real->calloc);
    find("realloc", &real->realloc);
    find("free", &real->free);
    find("posix_memalign", &real->posix_memalign);
    find("aligned_alloc", &real->aligned_alloc);
    find("memalign", &real->memalign);
    find("valloc", &real->valloc);
    find("pvalloc", &real->pvalloc);
    find("malloc_usable_size", &real->usable_size);
    real->ready = real->malloc && real->calloc && real->realloc && real->free &&
                  real->posix_memalign && real->aligned_alloc && real->memalign &&
                  real->valloc && real->pvalloc && real->usable_size;
}

/* Whether `entry` (length bytes of an LD_PRELOAD list) names this library. */
static bool names_this_library(const char *entry, size_t length)
{
    size_t name = strlen(CAPTURE_LIBRARY_NAME);
    return length >= name && memcmp(entry + length - name, CAPTURE_LIBRARY_NAME, name) == 0 &&
           (length == name || entry[length - name - 1] == '/');
}

/* Takes this library out of LD_PRELOAD, in place (no allocation), so that
 * programs started from here run without it. */
static void leave_preload(void)
{
    char *list = getenv("LD_PRELOAD");
    if (!list)
        return;
    char *out = list;
    for (char *at = list; *at;) {
        size_t length = strcspn(at, ": ");
        if (length > 0 && !names_this_library(at, length)) {
            if (out != list)
                *out++ = ':';
            memmove(out, at, length);
            out += length;
        }
        at += length;
        if (*at)
            at++;
    }
    *out = '\0';
    if (*list == '\0')
        unsetenv("LD_PRELOAD");
    unsetenv(CAPTURE_ENV_LOG);
}

static void before_fork(void)
{
    pthread_mutex_lock(&capture.lock);
}

static void after_fork_in_parent(void)
{
    pthread_mutex_unlock(&capture.lock);
}

/* The child must not write into the parent's log: it stops, or, when
 * children are followed, starts afresh with a log of its own. */
static void after_fork_in_child(void)
{
    close_log();
    thread_number = 0;
    capture.state = capture.follow_children && capture.real.ready ? UNSTARTED : OFF;
    pthread_mutex_unlock(&capture.lock);
}

static void start(void)
{
    pthread_mutex_lock(&capture.lock);
    if (capture.state == UNSTARTED) {
        capture.state = STARTING;
        const char *children = getenv(CAPTURE_ENV_CHILDREN);
        capture.follow_children = children && strcmp(children, "1") == 0;
        if (!capture.real.ready)
            find_real_allocator();
        bool logging = capture.real.ready && open_log();
        if (!logging)
            close_log();
        if (!capture.fork_handlers_set)
            capture.fork_handlers_set =
                pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child) == 0;
        if (!capture.follow_children)
            leave_preload();
        capture.state = logging ? RECORDING : OFF;
    }
    pthread_mutex_unlock(&capture.lock);
}

/* Every replaced function comes here: do the call, record it once. */
static void capture_call(Request *r)
{
    if (in_library) {
        perform(r);
        return;
    }
    in_library = true;
    int state = capture.state;
    if (state == UNSTARTED || state == STARTING) {
        int saved = errno;
        start();
        errno = saved;
    }
    if (capture.state != RECORDING) {
        perform(r);
    } else if (ONE_THREAD()) {
        /* No other thread to order against, and none can start during the
         * call: glibc clears the flag before a second thread runs, and never
         * sets it again. The lock's two atomic operations were a tenth of a
         * malloc-heavy program's recorded time. */
        perform(r);
        record(r);
    } else {
        pthread_mutex_lock(&capture.lock);
        perform(r);
        if (capture.state == RECORDING)
            record(r);
        pthread_mutex_unlock(&capture.lock);
    }
    in_library = false;
}

__attribute__((constructor)) static void start_early(void)
{
    Request nothing = {.call = CAPTURE_FREE};
    capture_call(&nothing); /* starts the library; free(NULL) is not recorded */
}

/* ---- the replaced functions ----------------------------------------------------- */

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

EXPORT void *malloc(size_t bytes)
{
    Request r = {.call = CAPTURE_MALLOC, .bytes = bytes};
    capture_call(&r);
    return r.result;
}

EXPORT void *calloc(size_t count, size_t size)
{
    Request r = {.call = CAPTURE_CALLOC, .count = count, .size = size};
    if (__builtin_mul_overflow(count, size, &r.bytes)) {
        errno = ENOMEM;   /* refused, as glibc refuses it, and not recorded */
        return NULL;
    }
    capture_call(&r);
    return r.result;
}

EXPORT void *realloc(void *pointer, size_t bytes)
{
    Request r = {.call = CAPTURE_REALLOC, .pointer = pointer, .bytes = bytes};
    capture_call(&r);
    return r.result;
}

EXPORT void *reallocarray(void *pointer, size_t count, size_t size)
{
    Request r = {.call = CAPTURE_REALLOCARRAY, .pointer = pointer};
    if (__builtin_mul_overflow(count, size, &r.bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    capture_call(&r);
    return r.result;
}

EXPORT void free(void *pointer)
{
    Request r = {.call = CAPTURE_FREE, .pointer = pointer};
    capture_call(&r);
}

EXPORT int posix_memalign(void **out, size_t alignment, size_t bytes)
{
    Request r = {.call = CAPTURE_POSIX_MEMALIGN, .alignment = alignment, .bytes = bytes};
    capture_call(&r);
    if (r.status == 0)
        *out = r.result;
    return r.status;
}

EXPORT void *aligned_alloc(size_t alignment, size_t bytes)
{
    Request r = {.call = CAPTURE_ALIGNED_ALLOC, .alignment = alignment, .bytes = bytes};
    capture_call(&r);
    return r.result;
}

EXPORT void *memalign(size_t alignment, size_t bytes)
{
    Request r = {.call = CAPTURE_MEMALIGN, .alignment = alignment, .bytes = bytes};
    capture_call(&r);
    return r.result;
}

EXPORT void *valloc(size_t bytes)
{
    Request r = {.call = CAPTURE_VALLOC, .alignment = page_size(), .bytes = bytes};
    capture_call(&r);
    return r.result;
}

EXPORT void *pvalloc(size_t bytes)
{
    Request r = {.call = CAPTURE_PVALLOC, .alignment = page_size(), .bytes = bytes};
    capture_call(&r);
    return r.result;
}
