/*
 * fuzz_heap.c - fuzz target: bytes become a heap and calls on it.
 *
 * Bytes 0..4 choose the configuration: the policy, the alignment (4 to 64),
 * the minimum payload (1 to 48) and a small heap (0 to 6143 bytes, so some
 * are too small for one block and must be refused). Then every 5 bytes are
 * one call: the kind (malloc, free, realloc, compact, or free/realloc of a
 * bad offset), two bytes choosing the block or the offset, and two bytes of
 * request size (0xFF in the first: a size within 255 of UINT64_MAX). The
 * exerciser checks each call's outcome, and after each call heap_check()
 * must find nothing broken and every live block must hold its pattern.
 */
#include "exerciser.h"
#include "fuzz_target.h"

enum { HEADER_BYTES = 5, CALL_BYTES = 5, MAX_CALLS = 2000, MAX_LIVE = 64, MAX_HEAP = 6144 };

static uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

/* Whether heap_create must accept `config`, worked out from heap.h's rules:
 * the region starts where a payload after one tag word is aligned, ends at a
 * multiple of A, and must hold one block of align_up(16 + M, A) bytes. */
static bool fits_one_block(const HeapConfig *config)
{
    uint64_t a = config->alignment;
    uint64_t start = (a - HEAP_TAG_BYTES % a) % a;
    if (config->heap_bytes < start)
        return false;
    uint64_t region = (config->heap_bytes - start) / a * a;
    return region >= align_up(HEAP_OVERHEAD_BYTES + config->min_payload, a);
}

static HeapConfig decode_config(const uint8_t *data)
{
    HeapConfig config;
    config.policy = (HeapPolicy)(data[0] % HEAP_POLICY_COUNT);
    config.alignment = (uint64_t)HEAP_MIN_ALIGNMENT << (data[1] % 5);
    config.min_payload = 1 + data[2] % 48;
    config.heap_bytes = ((uint64_t)data[3] | (uint64_t)data[4] << 8) % MAX_HEAP;
    config.count_examined = (data[0] / HEAP_POLICY_COUNT) & 1;
    config.skip_events = (data[0] / HEAP_POLICY_COUNT / 2) & 1; /* the exerciser then reads no event */
    return config;
}

static Exercise decode_call(const uint8_t *data, uint64_t heap_bytes)
{
    Exercise exercise;
    exercise.kind = (ExerciseKind)(data[0] % EXERCISE_KIND_COUNT);
    exercise.pick = (uint64_t)data[1] | (uint64_t)data[2] << 8;
    if (data[3] == 0xFF)
        exercise.bytes = UINT64_MAX - data[4];
    else
        exercise.bytes = ((uint64_t)data[3] << 8 | data[4]) % (heap_bytes + 64);
    return exercise;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER_BYTES)
        return 0;
    HeapConfig config = decode_config(data);
    Exerciser *exerciser = NULL;
    HeapError error = exerciser_create(&config, MAX_LIVE, true, &exerciser);
    bool valid = fits_one_block(&config);
    if (error != (valid ? HEAP_OK : HEAP_ERROR_INVALID_CONFIG))
        fuzz_fail("heap_create(H %llu, A %llu, M %llu) returned '%s'",
                  (unsigned long long)config.heap_bytes, (unsigned long long)config.alignment,
                  (unsigned long long)config.min_payload, heap_error_message(error));
    if (!exerciser)
        return 0;
    char why[256];
    size_t calls = (size - HEADER_BYTES) / CALL_BYTES;
    for (size_t i = 0; i < calls && i < MAX_CALLS; i++) {
        Exercise exercise = decode_call(data + HEADER_BYTES + i * CALL_BYTES, config.heap_bytes);
        if (!exerciser_apply(exerciser, &exercise, why, sizeof why) ||
            !exerciser_verify(exerciser, why, sizeof why))
            fuzz_fail("%s policy, call %zu (kind %d): %s", heap_policy_name(config.policy), i,
                      (int)exercise.kind, why);
    }
    exerciser_destroy(exerciser);
    return 0;
}
