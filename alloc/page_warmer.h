/*
 * page_warmer.h - has the kernel zero a growing heap's next pages on a
 * second thread, before the heap writes into them.
 *
 * A heap that grows upward through a big arena (next fit's rover, worst
 * fit's largest block, bump's pointer, first fit on a big trace) makes the
 * kernel zero every page it writes its first tag into: on a 256 MiB heap
 * that was about as long as glibc's whole replay (BENCHMARKS.md, issue #24).
 * A PageWarmer asks the kernel, on a thread of its own, to fault in the 4 MiB
 * just above the heap's high water (MADV_POPULATE_WRITE, which
 * never changes a byte), so that zeroing overlaps the replay instead of
 * stopping it. Only pages the heap is about to reach are touched: the heap's
 * memory stays what it writes plus at most PAGE_WARMER_AHEAD_BYTES.
 * A heap that gave pages back below its high water (a free block's inner
 * pages) and sweeps through them again asks for them one by one too
 * (page_warmer_warm_again): next and worst fit on a big heap did half their
 * zeroing there, on the replay's own thread.
 *
 * Where the kernel cannot do this (not Linux, a kernel before 5.14, a block
 * that is not its own mapping), the warmer does nothing and the heap's pages
 * fault in as they always did.
 */
#ifndef HEAPVIZ_PAGE_WARMER_H
#define HEAPVIZ_PAGE_WARMER_H

#include <stddef.h>
#include <stdint.h>

enum {
    PAGE_WARMER_AHEAD_BYTES = 4 << 20,   /* faulted in above the high water: two huge pages */
    PAGE_WARMER_STEP_BYTES = 2 << 20,    /* the heap reports every this many bytes of growth */
    PAGE_WARMER_REQUESTS = 8             /* pages asked for again and not yet warmed, at most */
};

typedef struct PageWarmer PageWarmer;

/* A warmer over `bytes` bytes at `memory`, a block from zeroed_memory_get,
 * with no thread yet; NULL where it could do nothing (or out of memory). */
PageWarmer *page_warmer_create(void *memory, size_t bytes);

/* A second block that follows the first at a 2^shift-th of its offsets
 * (the heap's live marks, a byte per bucket of the arena), from
 * zeroed_memory_get: whenever the warmer faults in the first block up to
 * an offset, it faults in the follower up to offset >> shift too, so the
 * heap's first writes there do not stop for the kernel either. At most one;
 * before the first page_warmer_reached. Ignored for NULL and for a block
 * too small to be a mapping of its own. */
void page_warmer_follow(PageWarmer *warmer, void *memory, size_t bytes, unsigned shift);

/* The heap has written up to `offset`: the warmer (starting its thread the
 * first time) faults in the pages up to offset + PAGE_WARMER_AHEAD_BYTES.
 * Returns the offset at which the heap should call again. Cheap: a lock and
 * a signal, every PAGE_WARMER_STEP_BYTES of growth. NULL: UINT64_MAX. */
uint64_t page_warmer_reached(PageWarmer *warmer, uint64_t offset);

/* The heap gave back the huge page at `offset` (a multiple of
 * ZEROED_MEMORY_PAGE_BYTES, below its high water: zeroed_memory_discard)
 * and is about to write into it again: the warmer faults it in, before
 * the pages above the high water it still owes. Ignored when
 * PAGE_WARMER_REQUESTS requests are already waiting (the heap then faults
 * the page in itself), for an offset that is not a whole page inside the
 * block, and for NULL. */
void page_warmer_warm_again(PageWarmer *warmer, uint64_t offset);

/* The heap gives back [from, to) again: requests for pages there that the
 * warmer has not taken yet are dropped, so that it does not fault in
 * what was just given back. NULL is fine. */
void page_warmer_forget(PageWarmer *warmer, uint64_t from, uint64_t to);

/* Stops the thread (waiting for it) and frees the warmer; before the block
 * is released. NULL is fine. */
void page_warmer_destroy(PageWarmer *warmer);

#endif
