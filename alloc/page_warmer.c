/*
 * page_warmer.c - faulting in a heap's next pages on a second thread (see
 * page_warmer.h).
 *
 * The heap and the thread share, under one mutex, how far the heap wants
 * pages (`wanted`), how far the thread has faulted them (`warmed`), a short
 * queue of pages below the high water that the heap gave back and asks
 * for again (`requested`), and whether to stop. The thread sleeps on a
 * condition variable until a page is requested or `wanted` passes
 * `warmed`, then faults in one huge page at a time, the requested pages
 * first, skipping ahead
 * to the high water if the heap has overtaken it (those pages the heap
 * faulted in itself).
 */
#if defined(__linux__)
#define _DEFAULT_SOURCE
#include <sys/mman.h>
#endif
#include "page_warmer.h"
#include "zeroed_memory.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__linux__) && defined(MADV_POPULATE_WRITE)

struct PageWarmer {
    uint8_t *memory;
    size_t bytes;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool started, stopping, failed;
    uint64_t high_water;         /* what the heap reported last */
    uint64_t wanted;             /* fault in up to here */
    uint64_t warmed;             /* faulted in up to here (from high_water on) */
    /* wanted and warmed are whole huge pages from the block's start, or its
     * end: madvise takes only page-aligned starts. */
    uint64_t requested[PAGE_WARMER_REQUESTS]; /* huge pages below the high water to
                                                 fault in again, oldest first */
    unsigned requested_count;
    uint8_t *follower;           /* page_warmer_follow's block, or NULL */
    size_t follower_bytes;
    unsigned follower_shift;
    uint64_t follower_warmed;    /* the follower is faulted in up to here (whole huge pages) */
};

static uint64_t round_up(uint64_t offset, uint64_t unit)
{
    return (offset + unit - 1) / unit * unit;
}

/* Takes the oldest requested page (page_warmer_warm_again). */
static void take_requested_page(PageWarmer *warmer, uint64_t *start, uint64_t *end)
{
    *start = warmer->requested[0];
    *end = *start + ZEROED_MEMORY_PAGE_BYTES;
    warmer->requested_count--;
    for (unsigned i = 0; i < warmer->requested_count; i++)
        warmer->requested[i] = warmer->requested[i + 1];
}

/* Waits for work; returns false when told to stop. Called with the lock
 * held. Requested pages come first: the heap is about to reach them,
 * while the high water's next pages are a step further off. */
static bool wait_for_work(PageWarmer *warmer, uint64_t *start, uint64_t *end, bool *requested)
{
    while (!warmer->stopping && warmer->requested_count == 0 && warmer->warmed >= warmer->wanted)
        pthread_cond_wait(&warmer->wake, &warmer->lock);
    if (warmer->stopping)
        return false;
    *requested = warmer->requested_count > 0;
    if (*requested) {
        take_requested_page(warmer, start, end);
        return true;
    }
    *start = warmer->warmed > warmer->high_water ? warmer->warmed
                                                 : round_up(warmer->high_water, ZEROED_MEMORY_PAGE_BYTES);
    *end = *start + ZEROED_MEMORY_PAGE_BYTES;
    if (*end > warmer->wanted)
        *end = warmer->wanted;
    return true;
}

/* The first block is faulted in up to `end`: the follower up to the huge
 * page boundary at or above end >> shift. Called without the lock: only
 * this thread reads or writes the follower's fields once it runs. */
static bool warm_follower(PageWarmer *warmer, uint64_t end)
{
    uint64_t to = round_up(end >> warmer->follower_shift, ZEROED_MEMORY_PAGE_BYTES);
    if (to > warmer->follower_bytes)
        to = warmer->follower_bytes;
    if (warmer->follower == NULL || to <= warmer->follower_warmed)
        return true;
    bool faulted = madvise(warmer->follower + warmer->follower_warmed, to - warmer->follower_warmed,
                           MADV_POPULATE_WRITE) == 0;
    warmer->follower_warmed = to;
    return faulted;
}

static void *warm_pages(void *argument)
{
    PageWarmer *warmer = argument;
    pthread_mutex_lock(&warmer->lock);
    uint64_t start, end;
    bool requested;
    while (wait_for_work(warmer, &start, &end, &requested)) {
        if (start >= end) {
            warmer->warmed = warmer->wanted;
            continue;
        }
        pthread_mutex_unlock(&warmer->lock);
        /* Faulting in never changes a byte: the heap may write the same pages meanwhile. */
        bool faulted = madvise(warmer->memory + start, end - start, MADV_POPULATE_WRITE) == 0;
        if (faulted && !requested) /* a page asked for again: its follower's part was warmed */
            faulted = warm_follower(warmer, end);
        pthread_mutex_lock(&warmer->lock);
        if (!requested)
            warmer->warmed = end;
        if (!faulted) {          /* an old kernel, or no memory: the heap faults them itself */
            warmer->failed = true;
            break;
        }
    }
    pthread_mutex_unlock(&warmer->lock);
    return NULL;
}

PageWarmer *page_warmer_create(void *memory, size_t bytes)
{
    if (memory == NULL || bytes < ZEROED_MEMORY_MAPPED_BYTES)
        return NULL;             /* calloc'd, not a mapping of its own */
    PageWarmer *warmer = calloc(1, sizeof *warmer);
    if (warmer == NULL)
        return NULL;
    warmer->memory = memory;
    warmer->bytes = bytes;
    if (pthread_mutex_init(&warmer->lock, NULL) != 0) {
        free(warmer);
        return NULL;
    }
    if (pthread_cond_init(&warmer->wake, NULL) != 0) {
        pthread_mutex_destroy(&warmer->lock);
        free(warmer);
        return NULL;
    }
    return warmer;
}

/* Starts the thread the first time there is work for it. Called with the
 * lock held. */
static void start_thread(PageWarmer *warmer)
{
    if (!warmer->started && !warmer->failed) {
        warmer->started = pthread_create(&warmer->thread, NULL, warm_pages, warmer) == 0;
        warmer->failed = !warmer->started;
    }
}

void page_warmer_follow(PageWarmer *warmer, void *memory, size_t bytes, unsigned shift)
{
    if (warmer == NULL || memory == NULL || bytes < ZEROED_MEMORY_MAPPED_BYTES)
        return;
    pthread_mutex_lock(&warmer->lock);
    warmer->follower = memory;
    warmer->follower_bytes = bytes;
    warmer->follower_shift = shift;
    pthread_mutex_unlock(&warmer->lock);
}

uint64_t page_warmer_reached(PageWarmer *warmer, uint64_t offset)
{
    if (warmer == NULL)
        return UINT64_MAX;
    pthread_mutex_lock(&warmer->lock);
    start_thread(warmer);
    uint64_t wanted = round_up(offset + PAGE_WARMER_AHEAD_BYTES, ZEROED_MEMORY_PAGE_BYTES);
    warmer->high_water = offset;
    warmer->wanted = wanted < warmer->bytes ? wanted : warmer->bytes;
    bool done = warmer->failed || warmer->wanted == warmer->bytes;
    pthread_cond_signal(&warmer->wake);
    pthread_mutex_unlock(&warmer->lock);
    return done ? UINT64_MAX : offset + PAGE_WARMER_STEP_BYTES;
}

void page_warmer_warm_again(PageWarmer *warmer, uint64_t offset)
{
    if (warmer == NULL || offset % ZEROED_MEMORY_PAGE_BYTES != 0 ||
        offset > warmer->bytes - ZEROED_MEMORY_PAGE_BYTES)
        return;
    pthread_mutex_lock(&warmer->lock);
    start_thread(warmer);
    if (!warmer->failed && warmer->requested_count < PAGE_WARMER_REQUESTS) {
        warmer->requested[warmer->requested_count++] = offset;
        pthread_cond_signal(&warmer->wake);
    }
    pthread_mutex_unlock(&warmer->lock);
}

void page_warmer_forget(PageWarmer *warmer, uint64_t from, uint64_t to)
{
    if (warmer == NULL)
        return;
    pthread_mutex_lock(&warmer->lock);
    unsigned kept = 0;
    for (unsigned i = 0; i < warmer->requested_count; i++)
        if (warmer->requested[i] < from || warmer->requested[i] >= to)
            warmer->requested[kept++] = warmer->requested[i];
    warmer->requested_count = kept;
    pthread_mutex_unlock(&warmer->lock);
}

void page_warmer_destroy(PageWarmer *warmer)
{
    if (warmer == NULL)
        return;
    pthread_mutex_lock(&warmer->lock);
    warmer->stopping = true;
    pthread_cond_signal(&warmer->wake);
    pthread_mutex_unlock(&warmer->lock);
    if (warmer->started)
        pthread_join(warmer->thread, NULL);
    pthread_cond_destroy(&warmer->wake);
    pthread_mutex_destroy(&warmer->lock);
    free(warmer);
}

#else /* no MADV_POPULATE_WRITE: nothing to warm with */

PageWarmer *page_warmer_create(void *memory, size_t bytes)
{
    (void)memory, (void)bytes;
    return NULL;
}

void page_warmer_follow(PageWarmer *warmer, void *memory, size_t bytes, unsigned shift)
{
    (void)warmer, (void)memory, (void)bytes, (void)shift;
}

uint64_t page_warmer_reached(PageWarmer *warmer, uint64_t offset)
{
    (void)warmer, (void)offset;
    return UINT64_MAX;
}

void page_warmer_warm_again(PageWarmer *warmer, uint64_t offset)
{
    (void)warmer, (void)offset;
}

void page_warmer_forget(PageWarmer *warmer, uint64_t from, uint64_t to)
{
    (void)warmer, (void)from, (void)to;
}

void page_warmer_destroy(PageWarmer *warmer)
{
    (void)warmer;
}

#endif
