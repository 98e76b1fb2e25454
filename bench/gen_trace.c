/*
 * gen_trace.c - writes a seeded, realistic CS:APP .rep trace for the benchmarks.
 *
 *   gen_trace --out FILE [--ops N] [--live N] [--seed N] [--uniform-up-to B]
 *
 * Defaults: 1,000,000 operations, about 100,000 live blocks, seed 1.
 * The live set first ramps up (90% mallocs, 5% frees, 5% reallocs) until
 * `live` blocks are live, then holds steady: 10% reallocs, and mallocs and
 * frees balanced with a pull towards `live`. Request sizes: 85% small
 * (8-128 bytes), 14% medium (129 bytes - 4 KiB), 1% large (4-64 KiB), each
 * uniform in its range. With --uniform-up-to B, every request is uniform in
 * [1, B] instead (B at most 64 KiB): 1-16 KiB at 1,000 live blocks makes
 * the requests add up to many times a 256 MiB heap, which next and worst
 * fit then sweep again and again. A realloc resizes a random live block to
 * between half and twice its size (8 bytes, or 1 with --uniform-up-to, to
 * 64 KiB, or B). Frees and reallocs pick a
 * live block uniformly. Ids are reused after a free, so the id count stays
 * close to the live count. The random numbers come from sim.h's
 * xoshiro256** seeded by splitmix64, so a seed gives the same file anywhere.
 * The header's suggested heap is twice the largest live sum of block sizes.
 */
#include "bench_util.h"
#include "sim.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_SHARE 0.85
#define MEDIUM_SHARE 0.14
#define RAMP_FREE_SHARE 0.05
#define RAMP_REALLOC_SHARE 0.05
#define STEADY_REALLOC_SHARE 0.10

enum {
    SMALL_MIN = 8, SMALL_MAX = 128,
    MEDIUM_MAX = 4096,
    LARGE_MAX = 65536
};

/* The live ids in one array, with each id's position, for O(1) pick and removal. */
typedef struct {
    uint32_t *ids;                /* ids[0 .. live) are live */
    uint32_t *position;           /* position[id] in ids */
    uint64_t *bytes;              /* bytes[id]: the id's current request */
    uint32_t live;
    uint32_t *spare;              /* freed ids, reused first */
    uint32_t spare_count;
    uint32_t id_count;            /* ids handed out so far */
    uint64_t block_bytes, peak_block_bytes; /* live sum of 8-aligned block sizes */
    uint64_t uniform_max;         /* 0: the mixed sizes; else every request in [1, uniform_max] */
} LiveSet;

typedef struct {
    uint64_t ops;
    uint64_t live;
    uint64_t seed;
    uint64_t uniform_max;         /* --uniform-up-to, or 0 */
    const char *out;
} GenOptions;

static uint64_t uniform(SimRandom *random, uint64_t low, uint64_t high)
{
    return low + sim_random_below(random, high - low + 1);
}

static uint64_t draw_size(const LiveSet *set, SimRandom *random)
{
    if (set->uniform_max)
        return uniform(random, 1, set->uniform_max);
    double u = sim_random_unit(random);
    if (u < SMALL_SHARE)
        return uniform(random, SMALL_MIN, SMALL_MAX);
    if (u < SMALL_SHARE + MEDIUM_SHARE)
        return uniform(random, SMALL_MAX + 1, MEDIUM_MAX);
    return uniform(random, MEDIUM_MAX + 1, LARGE_MAX);
}

static uint64_t resize(const LiveSet *set, SimRandom *random, uint64_t bytes)
{
    uint64_t least = set->uniform_max ? 1 : SMALL_MIN, most = set->uniform_max ? set->uniform_max : LARGE_MAX;
    uint64_t low = bytes / 2 < least ? least : bytes / 2;
    uint64_t high = bytes * 2 > most ? most : bytes * 2;
    return uniform(random, low, high < low ? low : high);
}

static void track_bytes(LiveSet *set, uint64_t old_bytes, uint64_t new_bytes)
{
    set->block_bytes = set->block_bytes - (old_bytes ? bench_block_bytes(old_bytes) : 0) +
                       (new_bytes ? bench_block_bytes(new_bytes) : 0);
    if (set->block_bytes > set->peak_block_bytes)
        set->peak_block_bytes = set->block_bytes;
}

static Op add_block(LiveSet *set, SimRandom *random)
{
    uint32_t id = set->spare_count ? set->spare[--set->spare_count] : set->id_count++;
    set->position[id] = set->live;
    set->ids[set->live++] = id;
    set->bytes[id] = draw_size(set, random);
    track_bytes(set, 0, set->bytes[id]);
    return (Op){ .kind = OP_MALLOC, .id = id, .bytes = set->bytes[id] };
}

static Op remove_block(LiveSet *set, SimRandom *random)
{
    uint32_t id = set->ids[sim_random_below(random, set->live)];
    uint32_t last = set->ids[--set->live];
    set->ids[set->position[id]] = last;
    set->position[last] = set->position[id];
    set->spare[set->spare_count++] = id;
    track_bytes(set, set->bytes[id], 0);
    return (Op){ .kind = OP_FREE, .id = id };
}

static Op resize_block(LiveSet *set, SimRandom *random)
{
    uint32_t id = set->ids[sim_random_below(random, set->live)];
    uint64_t bytes = resize(set, random, set->bytes[id]);
    track_bytes(set, set->bytes[id], bytes);
    set->bytes[id] = bytes;
    return (Op){ .kind = OP_REALLOC, .id = id, .bytes = bytes };
}

/* The next operation: ramp-up mix until the target is first reached, then steady. */
static Op next_op(LiveSet *set, SimRandom *random, uint64_t target, bool *steady)
{
    if (set->live >= target)
        *steady = true;
    double u = sim_random_unit(random);
    if (set->live == 0)
        return add_block(set, random);
    if (!*steady) {
        if (u < RAMP_FREE_SHARE)
            return remove_block(set, random);
        return u < RAMP_FREE_SHARE + RAMP_REALLOC_SHARE ? resize_block(set, random)
                                                        : add_block(set, random);
    }
    if (u < STEADY_REALLOC_SHARE)
        return resize_block(set, random);
    double pull = ((double)target - (double)set->live) / (double)target;
    double p_malloc = 0.5 + pull;
    return sim_random_unit(random) < p_malloc ? add_block(set, random) : remove_block(set, random);
}

static bool live_set_init(LiveSet *set, uint64_t capacity)
{
    *set = (LiveSet){0};
    set->ids = malloc(capacity * sizeof *set->ids);
    set->position = malloc(capacity * sizeof *set->position);
    set->bytes = malloc(capacity * sizeof *set->bytes);
    set->spare = malloc(capacity * sizeof *set->spare);
    return set->ids && set->position && set->bytes && set->spare;
}

static void live_set_release(LiveSet *set)
{
    free(set->ids);
    free(set->position);
    free(set->bytes);
    free(set->spare);
}

#define USAGE "usage: gen_trace --out FILE [--ops N] [--live N] [--seed N] [--uniform-up-to B]"

static GenOptions parse_options(int argc, char **argv)
{
    GenOptions options = { .ops = 1000000, .live = 100000, .seed = 1 };
    for (int i = 1; i < argc;) {
        if (bench_option_u64(argc, argv, &i, "--ops", 1, UINT32_MAX / 2, &options.ops) ||
            bench_option_u64(argc, argv, &i, "--live", 1, UINT32_MAX / 4, &options.live) ||
            bench_option_u64(argc, argv, &i, "--seed", 0, UINT64_MAX, &options.seed) ||
            bench_option_u64(argc, argv, &i, "--uniform-up-to", 1, LARGE_MAX, &options.uniform_max))
            continue;
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            options.out = argv[i + 1];
            i += 2;
        } else {
            bench_usage_error(argv[0], USAGE);
        }
    }
    if (!options.out)
        bench_usage_error(argv[0], USAGE);
    return options;
}

static bool write_trace(const GenOptions *options, const LiveSet *set, const Op *ops)
{
    char message[512];
    const char *name = strrchr(options->out, '/') ? strrchr(options->out, '/') + 1 : options->out;
    Trace *trace = trace_create(name, 2 * set->peak_block_bytes, set->id_count, ops,
                                (uint32_t)options->ops);
    OutputFile *file = trace ? output_file_open(options->out, message, sizeof message) : NULL;
    if (!trace || !file) {
        fprintf(stderr, "gen_trace: %s\n", trace ? message : "out of memory");
        trace_destroy(trace);
        return false;
    }
    trace_write(file, trace);
    trace_destroy(trace);
    if (!output_file_commit(file, message, sizeof message)) {
        fprintf(stderr, "gen_trace: %s\n", message);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    GenOptions options = parse_options(argc, argv);
    LiveSet set;
    Op *ops = malloc(options.ops * sizeof *ops);
    if (!ops || !live_set_init(&set, options.ops)) {
        fprintf(stderr, "gen_trace: out of memory\n");
        return 1;
    }
    set.uniform_max = options.uniform_max;
    SimRandom random;
    sim_random_seed(&random, options.seed);
    bool steady = false;
    for (uint64_t i = 0; i < options.ops; i++)
        ops[i] = next_op(&set, &random, options.live, &steady);
    bool written = write_trace(&options, &set, ops);
    if (written)
        fprintf(stderr, "gen_trace: %s: %llu ops, %u ids, %u live at the end\n", options.out,
                (unsigned long long)options.ops, set.id_count, set.live);
    live_set_release(&set);
    free(ops);
    return written ? 0 : 1;
}
