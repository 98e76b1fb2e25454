/*
 * fuzz_target.h - what every fuzz target provides and may call.
 *
 * A target is one LLVMFuzzerTestOneInput. Under HEAPVIZ_FUZZ it is linked
 * with libFuzzer's main; in every other build with fuzz_replay.c, which
 * feeds it each file of its corpus. A target that finds a broken promise
 * calls fuzz_fail, which names it on stderr and aborts, so libFuzzer saves
 * the input and the replay test fails.
 */
#ifndef HEAPVIZ_FUZZ_TARGET_H
#define HEAPVIZ_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reports "fuzz target: WHY" on stderr and aborts. */
_Noreturn void fuzz_fail(const char *format, ...);

#endif
