/*
 * capture_log.h - the raw log the capture library writes while a program
 * runs, and heapviz reads afterwards to make the .rep trace (capture.h).
 *
 * One log per process image: a header page, then one fixed-size record per
 * allocation call, in the one order the calls took effect (the library
 * takes a lock around each call and its record). The library writes
 * through a shared mapping of the file and bumps `records` after each
 * record, so whatever way the program ends - exit, _exit, abort, a signal -
 * the file holds every call it finished.
 *
 * The records say what the library saw, nothing more: which call, its
 * arguments and what it returned. Turning that into trace ids (which free
 * belongs to which malloc, what to leave out) is heapviz's job.
 */
#ifndef HEAPVIZ_CAPTURE_LOG_H
#define HEAPVIZ_CAPTURE_LOG_H

#include <stdint.h>

#define CAPTURE_LOG_MAGIC UINT64_C(0x31676f6c7a766868) /* "hhvzlog1", little-endian */

enum {
    CAPTURE_LOG_VERSION = 2,          /* 2: 40-byte records, an aligned call's alignment in `pointer` */
    CAPTURE_LOG_HEADER_BYTES = 4096,      /* the records start here */
    CAPTURE_LOG_CHUNK_RECORDS = 65536     /* the file grows by this many records */
};

/* The environment the library reads (heapviz sets them for the program). */
#define CAPTURE_ENV_LOG "HEAPVIZ_CAPTURE_LOG"           /* log path prefix: PREFIX.PID[.N] */
#define CAPTURE_ENV_CHILDREN "HEAPVIZ_CAPTURE_CHILDREN" /* "1": follow fork and exec */
#define CAPTURE_LIBRARY_NAME "libheapviz_capture.so"

typedef struct {
    uint64_t magic;              /* CAPTURE_LOG_MAGIC */
    uint32_t version;            /* CAPTURE_LOG_VERSION */
    uint32_t pid;                /* the process that wrote the log */
    uint64_t records;            /* complete records that follow the header */
    uint64_t threads;            /* threads that made a recorded call */
} CaptureLogHeader;

/* The call a record is about. */
typedef enum {
    CAPTURE_MALLOC = 1,
    CAPTURE_CALLOC,              /* bytes = n * size */
    CAPTURE_REALLOC,
    CAPTURE_REALLOCARRAY,        /* bytes = n * size */
    CAPTURE_FREE,
    CAPTURE_POSIX_MEMALIGN,
    CAPTURE_ALIGNED_ALLOC,
    CAPTURE_MEMALIGN,
    CAPTURE_VALLOC,
    CAPTURE_PVALLOC,
    CAPTURE_CALL_COUNT
} CaptureCall;

/* One call. Every record is written to the log's pages once, so its size
 * is most of what recording costs the kernel: the aligned calls, which
 * pass no pointer in, keep their alignment in `pointer`. */
typedef struct {
    uint32_t call;               /* CaptureCall */
    uint32_t thread;             /* 1 for the first thread that called, 2 for the next, ... */
    uint64_t pointer;            /* free, realloc, reallocarray: the pointer passed in; the
                                    aligned calls: the alignment asked for (capture_alignment) */
    uint64_t result;             /* the pointer returned (posix_memalign: stored), 0: none */
    uint64_t bytes;              /* bytes asked for */
    uint64_t usable;             /* malloc_usable_size(result), 0 without a result */
} CaptureRecord;

_Static_assert(sizeof(CaptureRecord) == 40, "records are 40 bytes");

/* Whether `call` is one of the five aligned calls. */
static inline int capture_call_is_aligned(uint32_t call)
{
    return call >= CAPTURE_POSIX_MEMALIGN && call <= CAPTURE_PVALLOC;
}

/* The alignment an aligned call asked for; 0 for every other call. */
static inline uint64_t capture_alignment(const CaptureRecord *record)
{
    return capture_call_is_aligned(record->call) ? record->pointer : 0;
}
_Static_assert((CAPTURE_LOG_CHUNK_RECORDS * sizeof(CaptureRecord)) % 4096 == 0,
               "a chunk is whole pages");

#endif
