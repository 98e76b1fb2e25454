/*
 * test_cli_reference.c - the whole pipeline against the reference model.
 *
 * Random but valid .rep traces (every replay rule exercised: frees of empty
 * ids, reallocs of empty ids and to 0 bytes, compactions, requests larger
 * than the heap) go through the built binary (argv[1]) with --stats json and
 * --blocks, for every policy and a few alignments, minimum payloads and heap
 * sizes. The same trace is replayed on tests/core's reference model by the
 * rules of issue 4, and every statistic and every block must agree.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reference_model.h"
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { IDS = 48, OPS = 1500, TRACES_PER_CONFIG = 3, TEXT_BYTES = 1 << 20 };

static const char *binary;
static char directory[] = "/tmp/heapviz-reference-XXXXXX";

typedef struct {
    uint64_t heap_bytes, alignment, min_payload;
} HeapShape;

static const HeapShape SHAPES[] = {
    {16384, 8, 8},
    {6000, 4, 1},
    {40960, 16, 24},
    {9000, 64, 8},
};

/* splitmix64: a fixed sequence on every machine. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Mostly small requests, some large, now and then one bigger than the heap. */
static uint64_t random_size(uint64_t *state, uint64_t heap_bytes)
{
    uint64_t pick = next_random(state) % 100;
    if (pick < 70)
        return next_random(state) % 200;
    if (pick < 98)
        return next_random(state) % (heap_bytes / 6);
    return heap_bytes + next_random(state) % 100;
}

/* One line of a valid trace. `live` is the file's own view: which ids an
 * 'a' or 'r' allocated with no 'f' since; `named` which ids ever appeared. */
static int random_op(uint64_t *state, uint64_t heap_bytes, bool *live, bool *named, char *line)
{
    uint32_t id = (uint32_t)(next_random(state) % IDS);
    uint64_t pick = next_random(state) % 100;
    if (pick < 2)
        return sprintf(line, "c\n");
    if (pick < 40 && !live[id]) {
        live[id] = named[id] = true;
        return sprintf(line, "a %u %" PRIu64 "\n", id, random_size(state, heap_bytes));
    }
    if (pick < 75 && named[id]) {
        live[id] = false;
        return sprintf(line, "f %u\n", id);
    }
    uint64_t bytes = next_random(state) % 10 == 0 ? 0 : random_size(state, heap_bytes);
    live[id] = bytes > 0;
    named[id] = true;
    return sprintf(line, "r %u %" PRIu64 "\n", id, bytes);
}

static void write_trace(const char *path, uint64_t seed, uint64_t heap_bytes)
{
    static char body[TEXT_BYTES];
    bool live[IDS] = {false}, named[IDS] = {false};
    size_t length = 0;
    for (int i = 0; i < OPS; i++)
        length += (size_t)random_op(&seed, heap_bytes, live, named, body + length);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fprintf(file, "%" PRIu64 "\n%d\n%d\n1\n", heap_bytes, IDS, OPS);
    fwrite(body, 1, length, file);
    fclose(file);
}

/* ---- the reference replay: issue 4's rules over ref_* calls ------------- */

typedef struct {
    uint64_t payload[IDS];       /* 0: the id holds nothing */
} IdMap;

static void follow_move(void *context, uint64_t old_payload, uint64_t new_payload)
{
    IdMap *ids = context;
    for (int id = 0; id < IDS; id++)
        if (ids->payload[id] == old_payload) {
            ids->payload[id] = new_payload;
            return;
        }
}

static void replay_line(RefHeap *ref, IdMap *ids, const char *line)
{
    unsigned id = 0;
    uint64_t bytes = 0, result = 0;
    if (line[0] == 'c') {
        ref_compact(ref, follow_move, ids);
    } else if (line[0] == 'a' && sscanf(line, "a %u %" SCNu64, &id, &bytes) == 2) {
        if (ref_malloc(ref, bytes, &result) == HEAP_OK)
            ids->payload[id] = result;
    } else if (line[0] == 'f' && sscanf(line, "f %u", &id) == 1) {
        if (ids->payload[id] != 0) /* an empty id: the trace named it, nothing to do */
            assert_int_equal(ref_free(ref, ids->payload[id]), HEAP_OK);
        ids->payload[id] = 0;
    } else if (line[0] == 'r' && sscanf(line, "r %u %" SCNu64, &id, &bytes) == 2) {
        HeapError error = ids->payload[id] == 0 ? ref_malloc(ref, bytes, &result)
                                                : ref_realloc(ref, ids->payload[id], bytes, &result);
        if (error == HEAP_OK) /* a failed realloc keeps the old block */
            ids->payload[id] = result;
    }
}

static RefHeap *replay_on_reference(const char *path, const HeapConfig *config)
{
    RefHeap *ref = NULL;
    assert_int_equal(ref_create(config, &ref), HEAP_OK);
    IdMap ids = {{0}};
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    char line[128];
    for (int header = 0; header < 4 && fgets(line, sizeof line, file); header++) {
    }
    while (fgets(line, sizeof line, file))
        replay_line(ref, &ids, line);
    fclose(file);
    return ref;
}

/* ---- the binary --------------------------------------------------------- */

static char *read_whole(const char *path)
{
    static char text[TEXT_BYTES];
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    size_t length = fread(text, 1, sizeof text - 1, file);
    text[length] = '\0';
    fclose(file);
    return text;
}

static void run_binary(char *const *argv, const char *stdout_path)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, binary, &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* The number after "key": in a one-line JSON object. */
static double json_number(const char *json, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\":", key);
    const char *at = strstr(json, quoted);
    if (!at)
        fail_msg("no \"%s\" in %s", key, json);
    return strtod(at + strlen(quoted), NULL);
}

static void expect_same_stats(const char *json, const HeapStats *s, const char *what)
{
    const struct {
        const char *key;
        double value;
    } expected[] = {
        {"mallocs", (double)s->mallocs}, {"frees", (double)s->frees},
        {"reallocs", (double)s->reallocs}, {"failed", (double)s->failed},
        {"failed_fragmented", (double)s->failed_fragmented}, {"errors", (double)s->errors},
        {"compactions", (double)s->compactions}, {"heap_bytes", (double)s->heap_bytes},
        {"used_blocks", (double)s->used_blocks}, {"free_blocks", (double)s->free_blocks},
        {"dead_blocks", (double)s->dead_blocks}, {"bytes_in_use", (double)s->bytes_in_use},
        {"payload_bytes", (double)s->payload_bytes}, {"free_bytes", (double)s->free_bytes},
        {"dead_bytes", (double)s->dead_bytes}, {"largest_free", (double)s->largest_free},
        {"external_fragmentation", s->external_fragmentation},
        {"internal_fragmentation", s->internal_fragmentation},
        {"peak_payload", (double)s->peak_payload}, {"high_water", (double)s->high_water},
        {"utilization", s->utilization}, {"steps", (double)OPS},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        double got = json_number(json, expected[i].key);
        if (fabs(got - expected[i].value) > 1e-5)
            fail_msg("%s: %s is %.6f, the reference model says %.6f", what, expected[i].key, got,
                     expected[i].value);
    }
}

static void expect_same_blocks(const char *listing, const RefHeap *ref, const char *what)
{
    static const char *const STATES[] = {"used", "free", "dead"};
    char expected[TEXT_BYTES / 2];
    size_t length = 0;
    for (size_t i = 0; i < ref_block_count(ref); i++) {
        RefBlock block = ref_block(ref, i);
        length += (size_t)snprintf(expected + length, sizeof expected - length,
                                   "%" PRIu64 " %" PRIu64 " %s\n", block.offset, block.size,
                                   STATES[block.state]);
    }
    if (strcmp(listing, expected) != 0)
        fail_msg("%s: --blocks differs from the reference model", what);
}

static void check_one(HeapPolicy policy, const HeapShape *shape, uint64_t seed)
{
    char trace[256], json[256], blocks[256], what[160];
    snprintf(trace, sizeof trace, "%s/t.rep", directory);
    snprintf(json, sizeof json, "%s/stats.json", directory);
    snprintf(blocks, sizeof blocks, "%s/blocks.txt", directory);
    snprintf(what, sizeof what, "%s, H=%" PRIu64 " A=%" PRIu64 " M=%" PRIu64 ", seed %" PRIu64,
             heap_policy_name(policy), shape->heap_bytes, shape->alignment, shape->min_payload,
             seed);
    write_trace(trace, seed, shape->heap_bytes);
    char heap_bytes[32], alignment[32], min_payload[32];
    snprintf(heap_bytes, sizeof heap_bytes, "%" PRIu64, shape->heap_bytes);
    snprintf(alignment, sizeof alignment, "%" PRIu64, shape->alignment);
    snprintf(min_payload, sizeof min_payload, "%" PRIu64, shape->min_payload);
    char *argv[] = {(char *)binary, "--headless", "--trace", trace, "--policy",
                    (char *)heap_policy_name(policy), "--heap-bytes", heap_bytes, "--align",
                    alignment, "--min-payload", min_payload, "--stats", "json", "--blocks", blocks,
                    NULL};
    run_binary(argv, json);
    HeapConfig config = { shape->heap_bytes, shape->alignment, shape->min_payload, policy,
                          .count_examined = true };
    RefHeap *ref = replay_on_reference(trace, &config);
    expect_same_stats(read_whole(json), ref_stats(ref), what);
    expect_same_blocks(read_whole(blocks), ref, what);
    ref_destroy(ref);
}

static void test_binary_agrees_with_the_reference_model(void **state)
{
    (void)state;
    for (int policy = 0; policy < HEAP_POLICY_COUNT; policy++)
        for (size_t shape = 0; shape < sizeof SHAPES / sizeof SHAPES[0]; shape++)
            for (uint64_t seed = 1; seed <= TRACES_PER_CONFIG; seed++)
                check_one((HeapPolicy)policy, &SHAPES[shape], seed * 1000 + shape);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(directory) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"t.rep", "stats.json", "blocks.txt"};
    char path[256];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", directory, names[i]);
        remove(path);
    }
    return rmdir(directory);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-HEAPVIZ\n", argv[0]);
        return 2;
    }
    binary = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_agrees_with_the_reference_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
