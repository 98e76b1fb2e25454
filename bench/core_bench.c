/*
 * core_bench.c - replays one trace through every heap policy, the naive
 * linear-scan first fit and the C library's malloc/free/realloc, side by side.
 *
 *   core_bench TRACE [--reps N] [--window N] [--arena BYTES] [--only NAME]
 *                    [--no-naive] [--row LABEL] [--count-examined]
 *
 * --count-examined makes the heaps count the blocks each search examines
 * (HeapConfig.count_examined, as the app's heaps do); without it they run
 * as the core's fast path alone.
 *
 * Prints a Markdown table; --row adds one last line for the scaling table
 * (steady-state ns/op per contender, the naive one's from its window).
 *
 * The trace is loaded once (trace_load). Every contender runs the same loop:
 * an id -> address array and one indirect call per operation, so the only
 * difference is the allocator. Each measurement runs in its own forked child,
 * so its peak memory (ru_maxrss from wait4) is its own and the C library
 * starts from the same state every time. Timing is the replaying thread's
 * CPU time (CLOCK_THREAD_CPUTIME_ID; the benchmark machine is shared, and
 * wall time would also count the slices other processes held the CPU),
 * read between three segments of the trace:
 *   ramp   [0, steady)                 the live set grows to its plateau
 *   window [steady, steady + W)        the first W operations at the plateau
 *   rest   [steady + W, end)
 * "steady" is the first operation after which 95% of the trace's largest
 * live-block count is live. The contenders run in --reps rounds (9 by
 * default: on a shared host one round's ratio moves by a tenth or more, and
 * a median of nine moves less than one of five). In each round every
 * contender (but the naive one) runs in turn, in a fresh child, once untimed
 * and once timed. Each figure is the median over the rounds,
 * and "vs glibc" is the median of each round's own ratio, so a machine that
 * slows down for a while slows both sides of a ratio alike. The naive first fit
 * costs O(free blocks) per call, so it runs only ramp + window, once, and is
 * compared on the window (a lower bound on its cost: its free list is still
 * growing there).
 *
 * Page faults are not measured: heap arenas are allocated and touched before
 * any timing (heap_create_in zeroes them again each repetition, untimed), and
 * the C library is told never to return memory to the system
 * (M_TRIM_THRESHOLD, M_MMAP_THRESHOLD), so after its untimed warm-up run it
 * too replays over memory it has already touched.
 *
 * Arenas: twice the largest sum of live block sizes (tags included), or the
 * trace's suggested heap if larger, doubled again for a policy that fails in
 * its warm-up run. The bump policy never reuses memory, so it gets the sum
 * of every block the trace ever asks for (capped at 8 GiB). Failures are
 * reported, never hidden.
 */
#define _DEFAULT_SOURCE
#include "bench_util.h"
#include "heap.h"
#include "naive_first_fit.h"
#include "trace.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (UINT64_C(1) << 20)
#define BUMP_ARENA_CAP (UINT64_C(8) << 30)
#define STEADY_FRACTION 0.95

/* The contenders, in table order: the five policies, then these two. */
enum { CONTENDER_LIBC = HEAP_POLICY_COUNT, CONTENDER_NAIVE, CONTENDER_COUNT };

enum { SEGMENT_RAMP, SEGMENT_WINDOW, SEGMENT_REST, SEGMENT_COUNT };

enum { MAX_REPS = 101, MAX_GROWTHS = 4 };

/* One allocator behind the replay loop; addresses are 0 for NULL. */
typedef struct {
    uint64_t (*malloc_fn)(void *state, uint64_t n);
    void (*free_fn)(void *state, uint64_t address);
    uint64_t (*realloc_fn)(void *state, uint64_t address, uint64_t n);
    void *state;
} ReplayAllocator;

/* What the trace asks for, computed once with every request succeeding. */
typedef struct {
    const Trace *trace;
    uint32_t max_live;            /* most ids live at once */
    uint64_t peak_block_bytes;    /* most block bytes (8-byte aligned, tags included) live */
    uint64_t total_block_bytes;   /* block bytes of every malloc and realloc */
    uint32_t bounds[SEGMENT_COUNT + 1]; /* segment boundaries, op indexes */
    bool count_examined;          /* heaps count the blocks their searches examine */
} TracePlan;

typedef struct {
    const char *trace_path;
    uint64_t reps;
    uint64_t window;
    uint64_t arena;               /* 0: from the trace */
    int only;                     /* a contender index, or -1 for all */
    bool naive;
    const char *row_label;        /* non-NULL: also print a scaling-table row */
    bool count_examined;          /* --count-examined */
} Options;

/* One contender's results, sent from the child to the parent through a pipe. */
typedef struct {
    bool ran;                     /* false: could not get memory, or skipped */
    double ns_per_op[SEGMENT_COUNT + 1]; /* medians: ramp, window, rest, whole trace */
    double steady_ns_per_op;      /* median over window + rest */
    uint64_t failures;            /* failed requests in the last repetition */
    uint64_t check_problems;      /* broken invariants after the last repetition */
    uint64_t arena_bytes;         /* 0 for the C library */
    uint32_t reps;
    double peak_rss_mib;          /* filled in by the parent */
    double vs_libc;               /* filled in by the parent: median of the rounds' ratios */
} Measurement;

enum { WHOLE = SEGMENT_COUNT };  /* index of the whole-trace figure in ns_per_op */

/* ---- the contenders behind one interface ---------------------------------- */

static uint64_t heap_malloc_call(void *state, uint64_t n)
{
    uint64_t payload;
    heap_malloc(state, n, &payload);
    return payload;
}

static void heap_free_call(void *state, uint64_t address)
{
    heap_free(state, address);
}

static uint64_t heap_realloc_call(void *state, uint64_t address, uint64_t n)
{
    uint64_t payload;
    heap_realloc(state, address, n, &payload);
    return payload;
}

static uint64_t libc_malloc_call(void *state, uint64_t n)
{
    (void)state;
    return (uint64_t)(uintptr_t)malloc((size_t)n);
}

static void libc_free_call(void *state, uint64_t address)
{
    (void)state;
    free((void *)(uintptr_t)address);
}

static uint64_t libc_realloc_call(void *state, uint64_t address, uint64_t n)
{
    (void)state;
    return (uint64_t)(uintptr_t)realloc((void *)(uintptr_t)address, (size_t)n);
}

static uint64_t naive_malloc_call(void *state, uint64_t n)
{
    return naive_malloc(state, n);
}

static void naive_free_call(void *state, uint64_t address)
{
    naive_free(state, address);
}

static uint64_t naive_realloc_call(void *state, uint64_t address, uint64_t n)
{
    return naive_realloc(state, address, n);
}

static const char *contender_name(int contender)
{
    if (contender == CONTENDER_LIBC)
        return "glibc malloc";
    if (contender == CONTENDER_NAIVE)
        return "naive first-fit";
    return heap_policy_name((HeapPolicy)contender);
}

static bool contender_from_name(const char *name, int *contender)
{
    for (int i = 0; i < CONTENDER_COUNT; i++) {
        if (strcmp(name, contender_name(i)) == 0 ||
            (i == CONTENDER_LIBC && strcmp(name, "glibc") == 0) ||
            (i == CONTENDER_NAIVE && strcmp(name, "naive") == 0)) {
            *contender = i;
            return true;
        }
    }
    return false;
}

/* ---- the replay loop, the same for everyone --------------------------------- */

/* Replays ops [first, end) with the trace rules: a failed malloc leaves the
 * id empty, a free of an empty id is skipped, a failed realloc keeps the old
 * block. Compactions are skipped (the C library has none). Returns failures. */
static uint64_t replay(const ReplayAllocator *allocator, const Op *ops, uint32_t first, uint32_t end,
                       uint64_t *address)
{
    uint64_t failures = 0;
    for (uint32_t i = first; i < end; i++) {
        const Op *op = &ops[i];
        uint64_t *slot = &address[op->id];
        if (op->kind == OP_MALLOC) {
            *slot = allocator->malloc_fn(allocator->state, op->bytes);
            failures += *slot == 0;
        } else if (op->kind == OP_FREE && *slot != 0) {
            allocator->free_fn(allocator->state, *slot);
            *slot = 0;
        } else if (op->kind == OP_REALLOC) {
            uint64_t moved = allocator->realloc_fn(allocator->state, *slot, op->bytes);
            if (moved != 0 || op->bytes == 0)
                *slot = moved;
            else
                failures++;
        }
    }
    return failures;
}

/* Replays segments [0, last_segment) and stores each one's nanoseconds. */
static uint64_t replay_timed(const ReplayAllocator *allocator, const TracePlan *plan, int last_segment,
                             uint64_t *address, double *segment_ns)
{
    uint64_t failures = 0;
    for (int s = 0; s < last_segment; s++) {
        uint64_t start = bench_cpu_ns();
        failures += replay(allocator, plan->trace->ops, plan->bounds[s], plan->bounds[s + 1], address);
        segment_ns[s] = (double)(bench_cpu_ns() - start);
    }
    return failures;
}

/* ---- the trace plan ----------------------------------------------------------- */

/* Applies one op to the plan's model of the live set; returns the live-count change. */
static int plan_apply(TracePlan *plan, const Op *op, uint64_t *held, uint64_t *live_bytes)
{
    uint64_t before = held[op->id];
    uint64_t after = before;
    if (op->kind == OP_MALLOC || op->kind == OP_REALLOC) {
        after = op->bytes == 0 && op->kind == OP_REALLOC ? 0 : bench_block_bytes(op->bytes);
        plan->total_block_bytes += after;
    } else if (op->kind == OP_FREE) {
        after = 0;
    }
    held[op->id] = after;
    *live_bytes = *live_bytes - before + after;
    if (*live_bytes > plan->peak_block_bytes)
        plan->peak_block_bytes = *live_bytes;
    return (after != 0) - (before != 0);
}

/* Walks the trace twice: the largest live count, then where 95% of it is reached. */
static bool plan_trace(const Trace *trace, uint64_t window, TracePlan *plan)
{
    *plan = (TracePlan){ .trace = trace };
    uint64_t *held = calloc(trace->id_count ? trace->id_count : 1, sizeof *held);
    uint32_t *live_after = malloc((trace->op_count ? trace->op_count : 1) * sizeof *live_after);
    if (!held || !live_after) {
        free(held);
        free(live_after);
        return false;
    }
    uint64_t live_bytes = 0;
    int64_t live = 0;
    for (uint32_t i = 0; i < trace->op_count; i++) {
        live += plan_apply(plan, &trace->ops[i], held, &live_bytes);
        live_after[i] = (uint32_t)live;
        if ((uint32_t)live > plan->max_live)
            plan->max_live = (uint32_t)live;
    }
    uint32_t steady = 0;
    while (steady < trace->op_count && live_after[steady] < STEADY_FRACTION * plan->max_live)
        steady++;
    steady = steady < trace->op_count ? steady + 1 : trace->op_count;
    uint64_t window_end = steady + window < trace->op_count ? steady + window : trace->op_count;
    const uint32_t bounds[SEGMENT_COUNT + 1] = {0, steady, (uint32_t)window_end, trace->op_count};
    memcpy(plan->bounds, bounds, sizeof bounds);
    free(held);
    free(live_after);
    return true;
}

static uint64_t round_up_mib(uint64_t bytes)
{
    return (bytes + MIB - 1) / MIB * MIB;
}

static uint64_t arena_for(const TracePlan *plan, const Options *options, int contender)
{
    uint64_t arena = options->arena ? options->arena : 2 * plan->peak_block_bytes;
    if (!options->arena && plan->trace->suggested_heap > arena)
        arena = plan->trace->suggested_heap;
    if (contender == HEAP_BUMP && !options->arena && plan->total_block_bytes > arena)
        arena = plan->total_block_bytes < BUMP_ARENA_CAP ? plan->total_block_bytes : BUMP_ARENA_CAP;
    return round_up_mib(arena < MIB ? MIB : arena);
}

/* ---- one contender, in the child process ------------------------------------ */

/* Memory for an arena, touched page by page now so no timed run faults it in. */
static void *touched_memory(uint64_t bytes)
{
    void *memory = aligned_alloc(64, (size_t)bytes);
    if (memory)
        memset(memory, 0xa5, (size_t)bytes);
    return memory;
}

/* Sets up `allocator` for one repetition over `memory`. */
static bool allocator_open(int contender, const TracePlan *plan, void *memory, uint64_t arena,
                           ReplayAllocator *allocator)
{
    if (contender == CONTENDER_LIBC) {
        *allocator = (ReplayAllocator){ libc_malloc_call, libc_free_call, libc_realloc_call, NULL };
        return true;
    }
    if (contender == CONTENDER_NAIVE) {
        *allocator = (ReplayAllocator){ naive_malloc_call, naive_free_call, naive_realloc_call,
                                  naive_create_in(memory, arena) };
        return allocator->state != NULL;
    }
    HeapConfig config = heap_default_config(arena);
    config.policy = (HeapPolicy)contender;
    config.count_examined = plan->count_examined;
    Heap *heap = NULL;
    if (heap_create_in(&config, memory, &heap) != HEAP_OK)
        return false;
    *allocator = (ReplayAllocator){ heap_malloc_call, heap_free_call, heap_realloc_call, heap };
    return true;
}

/* Ends a repetition: checks the allocator's invariants, releases everything
 * it holds, empties the id map. Returns the number of broken invariants. */
static uint64_t allocator_close(int contender, ReplayAllocator *allocator, uint64_t *address,
                                uint32_t id_count)
{
    uint64_t problems = 0;
    if (contender == CONTENDER_LIBC) {
        for (uint32_t id = 0; id < id_count; id++)
            free((void *)(uintptr_t)address[id]);
    } else if (contender == CONTENDER_NAIVE) {
        problems = naive_check(allocator->state);
        naive_destroy(allocator->state);
    } else {
        problems = heap_check(allocator->state).problems;
        heap_destroy(allocator->state);
    }
    memset(address, 0, id_count * sizeof *address);
    return problems;
}

/* One repetition: open, replay `segments` segments, close. False if it could not start. */
static bool run_once(int contender, const TracePlan *plan, int segments, void *memory,
                     uint64_t arena, uint64_t *address, double *segment_ns, Measurement *result)
{
    ReplayAllocator allocator;
    if (!allocator_open(contender, plan, memory, arena, &allocator))
        return false;
    result->failures = replay_timed(&allocator, plan, segments, address, segment_ns);
    result->check_problems = allocator_close(contender, &allocator, address,
                                             plan->trace->id_count);
    return true;
}

static double per_op(double ns, uint32_t first, uint32_t end)
{
    return end > first ? ns / (double)(end - first) : 0.0;
}

/* Turns each repetition's segment times into the medians of `result`. */
static void summarize(const TracePlan *plan, double (*times)[SEGMENT_COUNT], uint32_t reps,
                      int segments, Measurement *result)
{
    const uint32_t *b = plan->bounds;
    double column[MAX_REPS], steady[MAX_REPS], whole[MAX_REPS];
    for (int s = 0; s < segments; s++) {
        for (uint32_t r = 0; r < reps; r++)
            column[r] = per_op(times[r][s], b[s], b[s + 1]);
        result->ns_per_op[s] = bench_median(column, reps);
    }
    for (uint32_t r = 0; r < reps; r++) {
        double rest = segments > SEGMENT_REST ? times[r][SEGMENT_REST] : 0.0;
        uint32_t steady_end = segments > SEGMENT_REST ? b[SEGMENT_COUNT] : b[SEGMENT_REST];
        steady[r] = per_op(times[r][SEGMENT_WINDOW] + rest, b[SEGMENT_WINDOW], steady_end);
        whole[r] = per_op(times[r][SEGMENT_RAMP] + times[r][SEGMENT_WINDOW] + rest, 0, steady_end);
    }
    result->steady_ns_per_op = bench_median(steady, reps);
    result->ns_per_op[WHOLE] = bench_median(whole, reps);
}

/* Untimed warm-up; a non-bump policy that fails gets a doubled arena. */
static bool warm_up(int contender, const TracePlan *plan, void **memory, uint64_t *arena,
                    uint64_t *address, Measurement *result)
{
    double ignored[SEGMENT_COUNT];
    for (int growth = 0;; growth++) {
        if (!run_once(contender, plan, SEGMENT_COUNT, *memory, *arena, address, ignored, result))
            return false;
        bool may_grow = contender < CONTENDER_LIBC && contender != HEAP_BUMP;
        if (result->failures == 0 || !may_grow || growth == MAX_GROWTHS)
            return true;
        free(*memory);
        *arena *= 2;
        if (!(*memory = touched_memory(*arena)))
            return false;
    }
}

static Measurement measure(int contender, const TracePlan *plan, const Options *options)
{
    Measurement result = { .ran = false };
    bool naive = contender == CONTENDER_NAIVE;
    uint64_t arena = contender == CONTENDER_LIBC ? 0 : arena_for(plan, options, contender);
    void *memory = arena ? touched_memory(arena) : NULL;
    uint64_t *address = calloc(plan->trace->id_count ? plan->trace->id_count : 1, sizeof *address);
    uint32_t reps = 1; /* one timed run per child: the rounds repeat it */
    double (*times)[SEGMENT_COUNT] = calloc(reps, sizeof *times);
    bool ok = address && times && (arena == 0 || memory);
    if (ok && !naive)
        ok = warm_up(contender, plan, &memory, &arena, address, &result);
    int segments = naive ? SEGMENT_REST : SEGMENT_COUNT;
    for (uint32_t r = 0; ok && r < reps; r++)
        ok = run_once(contender, plan, segments, memory, arena, address, times[r], &result);
    if (ok) {
        summarize(plan, times, reps, segments, &result);
        result.ran = true;
        result.reps = reps;
        result.arena_bytes = arena;
    }
    free(times);
    free(address);
    free(memory);
    return result;
}

/* ---- one child process per contender ----------------------------------------- */

static bool read_all(int fd, void *buffer, size_t size)
{
    uint8_t *bytes = buffer;
    while (size > 0) {
        ssize_t got = read(fd, bytes, size);
        if (got <= 0)
            return false;
        bytes += got;
        size -= (size_t)got;
    }
    return true;
}

/* Measures `contender` in a child process; its peak RSS comes from wait4. */
static Measurement measure_in_child(int contender, const TracePlan *plan, const Options *options)
{
    Measurement result = { .ran = false };
    int channel[2];
    if (pipe(channel) != 0)
        return result;
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        close(channel[0]);
        Measurement measured = measure(contender, plan, options);
        ssize_t written = write(channel[1], &measured, sizeof measured);
        _exit(written == (ssize_t)sizeof measured ? 0 : 1);
    }
    close(channel[1]);
    bool got = child > 0 && read_all(channel[0], &result, sizeof result);
    close(channel[0]);
    struct rusage usage = {0};
    int status = 0;
    if (child > 0 && wait4(child, &status, 0, &usage) == child && got)
        result.peak_rss_mib = (double)usage.ru_maxrss / 1024.0;
    else
        result.ran = false;
    return result;
}

/* ---- rounds -------------------------------------------------------------------- */

static bool wanted(const Options *options, int contender)
{
    if (options->only >= 0)
        return options->only == contender;
    return contender != CONTENDER_NAIVE || options->naive;
}

/* The median over rounds of one figure of one contender. */
static double round_median(const Measurement *rounds, uint32_t count, int contender,
                           double (*figure)(const Measurement *))
{
    double values[MAX_REPS];
    for (uint32_t r = 0; r < count; r++)
        values[r] = figure(&rounds[r * CONTENDER_COUNT + contender]);
    return bench_median(values, count);
}

static double whole_figure(const Measurement *m) { return m->ns_per_op[WHOLE]; }
static double ramp_figure(const Measurement *m) { return m->ns_per_op[SEGMENT_RAMP]; }
static double window_figure(const Measurement *m) { return m->ns_per_op[SEGMENT_WINDOW]; }
static double rest_figure(const Measurement *m) { return m->ns_per_op[SEGMENT_REST]; }
static double steady_figure(const Measurement *m) { return m->steady_ns_per_op; }

/* Folds a contender's rounds into one Measurement: medians, the worst check,
 * the largest memory. */
static Measurement combine_rounds(const Measurement *rounds, uint32_t count, int contender)
{
    Measurement result = rounds[(count - 1) * CONTENDER_COUNT + contender];
    result.ns_per_op[WHOLE] = round_median(rounds, count, contender, whole_figure);
    result.ns_per_op[SEGMENT_RAMP] = round_median(rounds, count, contender, ramp_figure);
    result.ns_per_op[SEGMENT_WINDOW] = round_median(rounds, count, contender, window_figure);
    result.ns_per_op[SEGMENT_REST] = round_median(rounds, count, contender, rest_figure);
    result.steady_ns_per_op = round_median(rounds, count, contender, steady_figure);
    result.reps = count;
    for (uint32_t r = 0; r < count; r++) {
        const Measurement *m = &rounds[r * CONTENDER_COUNT + contender];
        result.ran = result.ran && m->ran;
        if (m->check_problems > result.check_problems)
            result.check_problems = m->check_problems;
        if (m->peak_rss_mib > result.peak_rss_mib)
            result.peak_rss_mib = m->peak_rss_mib;
    }
    return result;
}

/* The median of each round's ratio of `contender` to the C library. */
static double ratio_to_libc(const Measurement *rounds, uint32_t count, int contender)
{
    double ratios[MAX_REPS];
    uint32_t n = 0;
    for (uint32_t r = 0; r < count; r++) {
        const Measurement *m = &rounds[r * CONTENDER_COUNT + contender];
        const Measurement *libc = &rounds[r * CONTENDER_COUNT + CONTENDER_LIBC];
        if (m->ran && libc->ran && libc->ns_per_op[WHOLE] > 0.0)
            ratios[n++] = m->ns_per_op[WHOLE] / libc->ns_per_op[WHOLE];
    }
    return n ? bench_median(ratios, n) : 0.0;
}

/* Runs every wanted contender --reps times, round by round (the naive one
 * once, in the first round), and folds the rounds into `results`. */
static bool measure_in_rounds(const TracePlan *plan, const Options *options,
                              Measurement results[CONTENDER_COUNT])
{
    uint32_t count = (uint32_t)options->reps;
    Measurement *rounds = calloc((size_t)count * CONTENDER_COUNT, sizeof *rounds);
    if (!rounds)
        return false;
    for (uint32_t r = 0; r < count; r++)
        for (int c = 0; c < CONTENDER_COUNT; c++)
            if (wanted(options, c) && (c != CONTENDER_NAIVE || r == 0))
                rounds[r * CONTENDER_COUNT + c] = measure_in_child(c, plan, options);
    for (int c = 0; c < CONTENDER_COUNT; c++) {
        if (!wanted(options, c))
            continue;
        results[c] = c == CONTENDER_NAIVE ? rounds[c] : combine_rounds(rounds, count, c);
        results[c].vs_libc = ratio_to_libc(rounds, count, c);
    }
    free(rounds);
    return true;
}

/* ---- output ------------------------------------------------------------------- */

static void print_plan(const TracePlan *plan, const Options *options)
{
    const Trace *t = plan->trace;
    printf("Trace `%s`: %u operations, %u ids, at most %u blocks live "
           "(%.1f MiB of blocks, tags included).\n",
           t->name, t->op_count, t->id_count, plan->max_live,
           (double)plan->peak_block_bytes / (double)MIB);
    printf("Segments: ramp = ops [0, %u), steady state = [%u, %u); the naive comparison "
           "window = the first %u steady ops. Times are CPU time of the replaying thread, medians "
           "of %llu rounds; in each round every contender runs in turn in a fresh process, once "
           "untimed and once timed, and \"vs glibc\" is the median of the rounds' own ratios. "
           "The naive first fit runs ramp + window once.\n\n",
           plan->bounds[1], plan->bounds[1], plan->bounds[3], plan->bounds[2] - plan->bounds[1],
           (unsigned long long)options->reps);
}

static void print_header(void)
{
    printf("| allocator | ns/op, whole trace | vs glibc | ns/op, steady state | "
           "ns/op, window | naive window / this | failures | arena MiB | peak RSS MiB |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
}

static void print_ratio(double numerator, double denominator, const char *suffix)
{
    if (numerator > 0.0 && denominator > 0.0)
        printf(" %.2f%s |", numerator / denominator, suffix);
    else
        printf(" - |");
}

static void print_row(int contender, const Measurement *m, const Measurement *libc,
                      const Measurement *naive)
{
    printf("| %s |", contender_name(contender));
    if (!m->ran) {
        printf(" not run | | | | | | | |\n");
        return;
    }
    bool is_naive = contender == CONTENDER_NAIVE;
    if (is_naive)
        printf(" (window only) | |");
    else {
        printf(" %.1f |", m->ns_per_op[WHOLE]);
        print_ratio(libc->ran ? m->vs_libc : 0.0, 1.0, "x");
    }
    printf(is_naive ? " - |" : " %.1f |", m->steady_ns_per_op);
    printf(" %.1f |", m->ns_per_op[SEGMENT_WINDOW]);
    print_ratio(naive->ran ? naive->ns_per_op[SEGMENT_WINDOW] : 0.0, m->ns_per_op[SEGMENT_WINDOW], "x");
    printf(" %llu%s |", (unsigned long long)m->failures,
           m->check_problems ? " (CHECK FAILED)" : "");
    if (m->arena_bytes)
        printf(" %.0f |", (double)m->arena_bytes / (double)MIB);
    else
        printf(" - |");
    printf(" %.1f |\n", m->peak_rss_mib);
}

/* One line of the scaling table: steady-state ns/op per contender (the naive: its window). */
static void print_scaling_row(const char *label, const Measurement *results)
{
    printf("| %s |", label);
    for (int c = 0; c < CONTENDER_COUNT; c++) {
        const Measurement *m = &results[c];
        if (!m->ran)
            printf(" - |");
        else
            printf(" %.1f%s |", c == CONTENDER_NAIVE ? m->ns_per_op[SEGMENT_WINDOW] : m->steady_ns_per_op,
                   m->failures ? " (failures)" : "");
    }
    printf("\n");
}

/* ---- main ---------------------------------------------------------------------- */

static Options parse_options(int argc, char **argv)
{
    Options options = { .reps = 9, .window = 100000, .only = -1, .naive = true };
    for (int i = 1; i < argc;) {
        if (bench_option_u64(argc, argv, &i, "--reps", 1, MAX_REPS, &options.reps) ||
            bench_option_u64(argc, argv, &i, "--window", 1, UINT32_MAX, &options.window) ||
            bench_option_u64(argc, argv, &i, "--arena", MIB, UINT64_C(1) << 40, &options.arena))
            continue;
        if (strcmp(argv[i], "--count-examined") == 0) {
            options.count_examined = true;
            i++;
        } else if (strcmp(argv[i], "--no-naive") == 0) {
            options.naive = false;
            i++;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc &&
                   contender_from_name(argv[i + 1], &options.only)) {
            i += 2;
        } else if (strcmp(argv[i], "--row") == 0 && i + 1 < argc) {
            options.row_label = argv[i + 1];
            i += 2;
        } else if (argv[i][0] != '-' && !options.trace_path) {
            options.trace_path = argv[i++];
        } else {
            bench_usage_error(argv[0], "usage: core_bench TRACE [--reps N] [--window N] "
                                       "[--arena BYTES] [--only first-fit|next-fit|best-fit|"
                                       "worst-fit|bump|glibc|naive] [--no-naive] [--row LABEL] "
                                       "[--count-examined]");
        }
    }
    if (!options.trace_path)
        bench_usage_error(argv[0], "usage: core_bench TRACE [options] (a .rep file is required)");
    return options;
}

int main(int argc, char **argv)
{
    Options options = parse_options(argc, argv);
    /* Keep freed memory in the process: see the file comment. */
    mallopt(M_TRIM_THRESHOLD, INT32_MAX);
    mallopt(M_MMAP_THRESHOLD, 1 << 25);
    char message[512];
    Trace *trace = NULL;
    if (!trace_load(options.trace_path, &trace, message, sizeof message)) {
        fprintf(stderr, "%s\n", message);
        return 1;
    }
    TracePlan plan;
    if (!plan_trace(trace, options.window, &plan)) {
        fprintf(stderr, "core_bench: out of memory\n");
        return 1;
    }
    plan.count_examined = options.count_examined;
    Measurement results[CONTENDER_COUNT] = {{0}};
    if (!measure_in_rounds(&plan, &options, results)) {
        fprintf(stderr, "core_bench: out of memory\n");
        return 1;
    }
    int status = 0;
    for (int c = 0; c < CONTENDER_COUNT; c++)
        if (wanted(&options, c) && (!results[c].ran || results[c].check_problems))
            status = 1;
    print_plan(&plan, &options);
    print_header();
    for (int c = 0; c < CONTENDER_COUNT; c++)
        if (wanted(&options, c))
            print_row(c, &results[c], &results[CONTENDER_LIBC], &results[CONTENDER_NAIVE]);
    if (options.row_label)
        print_scaling_row(options.row_label, results);
    trace_destroy(trace);
    return status;
}
