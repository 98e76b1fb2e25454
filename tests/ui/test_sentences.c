/*
 * test_sentences.c - the panel's words: one sentence per kind of operation
 * (hand-made events, so each case is exactly the one named), the counters,
 * the tooltip, and where a line of them breaks (canvas_line_bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "canvas.h"
#include "heap.h"
#include "recorded_pairs.h"
#include "sentence.h"
#include <stdio.h>
#include <string.h>

static StepReport report_of(HeapEventKind kind, uint32_t id)
{
    StepReport report = {.step = 1};
    report.op.id = id;
    report.event.kind = kind;
    return report;
}

/* The sentence for `report` told of a small tags heap with `policy`; a bump
 * heap first gets a dead block, as a bump heap that has freed anything has. */
static void assert_sentence(const StepReport *report, WorkloadKind kind, HeapPolicy policy, const char *expected)
{
    AllocatorSetup setup = {&tags_design, allocator_default_config(4096)};
    setup.config.policy = (uint32_t)policy;
    Allocator *heap = NULL;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    uint64_t payload = 0;
    if (policy == HEAP_BUMP) {
        assert_int_equal(allocator_malloc(heap, 8, &payload), HEAP_OK);
        assert_int_equal(allocator_free(heap, payload), HEAP_OK);
    }
    char text[SENTENCE_MAX];
    sentence_for_step(report, kind, heap, text, sizeof text);
    assert_string_equal(text, expected);
    allocator_destroy(heap);
}

static void test_malloc_that_splits(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_MALLOC, 7);
    report.event.request = 2048;
    report.event.result = 0x1a40;
    report.event.split = true;
    report.event.chosen_free_size = 4096;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_FIRST_FIT,
                    "malloc 2,048 B for slot 7 \xE2\x86\x92 0x1a40, split a 4,096 B free block");
}

static void test_malloc_that_takes_a_block_whole_in_a_trace(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_MALLOC, 3);
    report.event.request = 100;
    report.event.result = 0x10;
    report.event.chosen_free_size = 120;
    assert_sentence(&report, WORKLOAD_TRACE, HEAP_BEST_FIT,
                    "malloc 100 B for id 3 \xE2\x86\x92 0x10, took a 120 B free block whole");
}

/* A recorded heap chose no free block: its malloc names where glibc put it
 * (it once said "took a 0 B free block whole"), and its sentences give the
 * program's addresses, as its grid's rows do, not the folded offsets. */
static void test_malloc_in_a_recording(void **state)
{
    (void)state;
    static const RecordedPair placements[] = {{0x55a629a562a0, 40}};
    RecordedPairs made = recorded_pairs(placements, 1);
    AllocatorSetup setup = {allocator_design_find("recorded"), allocator_default_config(0)};
    setup.config.recorded = made.placements;
    Allocator *heap = NULL;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    uint64_t payload = 0;
    assert_int_equal(allocator_malloc(heap, 40, &payload), HEAP_OK);
    StepReport report = report_of(HEAP_EVENT_MALLOC, 0);
    report.event = *allocator_last_event(heap);
    char text[SENTENCE_MAX];
    sentence_for_step(&report, WORKLOAD_TRACE, heap, text, sizeof text);
    assert_string_equal(text, "malloc 40 B for id 0 \xE2\x86\x92 0x55a629a562a0, where glibc put it");
    assert_int_equal(allocator_free(heap, payload), HEAP_OK);
    report = report_of(HEAP_EVENT_FREE, 0);
    report.event = *allocator_last_event(heap);
    sentence_for_step(&report, WORKLOAD_TRACE, heap, text, sizeof text);
    assert_true(strncmp(text, "free 0x55a629a562a0,", strlen("free 0x55a629a562a0,")) == 0);
    allocator_destroy(heap);
    recorded_pairs_free(&made);
}

static void test_malloc_failed_by_fragmentation(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_MALLOC, 1);
    report.event.request = 4000;
    report.event.error = HEAP_ERROR_OUT_OF_MEMORY;
    report.event.free_bytes = 6120;
    report.event.largest_free = 3072;
    report.event.fragmented = true;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_FIRST_FIT,
                    "malloc 4,000 B failed: 6,120 B free, but the largest block is 3,072 B (fragmentation)");
}

/* Bump fails because its heap pointer reached the top, not by fragmentation:
 * the test heap (4,096 B) holds one dead 24-byte block, 0.6% of it. */
static void test_bump_failure_names_the_heap_pointer_and_dead_memory(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_MALLOC, 1);
    report.event.request = 712;
    report.event.error = HEAP_ERROR_OUT_OF_MEMORY;
    report.event.free_bytes = 32768;
    report.event.largest_free = 40;
    report.event.fragmented = true;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_BUMP,
                    "malloc 712 B failed: the heap pointer reached the top (40 B left above it); 1% of the "
                    "heap is dead memory that bump never reuses");
}

static void test_malloc_failed_by_exhaustion(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_MALLOC, 1);
    report.event.request = 9000;
    report.event.asize = 9016;
    report.event.error = HEAP_ERROR_OUT_OF_MEMORY;
    report.event.free_bytes = 6120;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_FIRST_FIT,
                    "malloc 9,000 B failed: only 6,120 B free, 9,016 B needed (exhaustion)");
}

static void test_free_coalescing_each_way(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_FREE, 2);
    report.event.pointer = 0x1a40;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_FIRST_FIT, "free 0x1a40, no free neighbour to coalesce with");
    report.event.coalesced_next = true;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_FIRST_FIT, "free 0x1a40, coalesced with the next block");
    report.event.coalesced_previous = true;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_FIRST_FIT, "free 0x1a40, coalesced with both neighbours");
    report.event.coalesced_next = false;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_FIRST_FIT, "free 0x1a40, coalesced with the previous block");
}

static void test_free_on_bump_leaves_dead_memory(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_FREE, 2);
    report.event.pointer = 0x40;
    report.event.block_size = 64;
    report.event.dead = true;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_BUMP,
                    "free 0x40, 64 B block is now dead (bump never reuses it)");
}

static void test_free_rejected(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_FREE, 2);
    report.event.pointer = 0x40;
    report.event.error = HEAP_ERROR_DOUBLE_FREE;
    char expected[SENTENCE_MAX];
    snprintf(expected, sizeof expected, "free 0x40 rejected: %s", heap_error_message(HEAP_ERROR_DOUBLE_FREE));
    assert_sentence(&report, WORKLOAD_TRACE, HEAP_FIRST_FIT, expected);
}

static void test_skipped_free(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_NONE, 9);
    report.skipped = true;
    assert_sentence(&report, WORKLOAD_TRACE, HEAP_FIRST_FIT, "free of id 9 skipped: it holds no block");
}

static void test_realloc_each_mode(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_REALLOC, 4);
    report.event.pointer = 0x100;
    report.event.request = 50;
    report.event.realloc_mode = HEAP_REALLOC_SHRUNK;
    report.event.split = true;
    report.event.split_offset = 0x148;
    assert_sentence(&report, WORKLOAD_TRACE, HEAP_FIRST_FIT,
                    "realloc 0x100 to 50 B: stayed in place, gave back a tail at 0x148");
    report.event.realloc_mode = HEAP_REALLOC_GREW;
    report.event.request = 500;
    assert_sentence(&report, WORKLOAD_TRACE, HEAP_FIRST_FIT,
                    "realloc 0x100 to 500 B: grew in place over the next free block");
    report.event.realloc_mode = HEAP_REALLOC_MOVED;
    report.event.result = 0x800;
    report.event.coalesced_next = true;
    assert_sentence(&report, WORKLOAD_TRACE, HEAP_FIRST_FIT,
                    "realloc 0x100 to 500 B: moved to 0x800, old block freed, coalesced with the next block");
    report.event.error = HEAP_ERROR_OUT_OF_MEMORY;
    report.event.fragmented = true;
    report.event.free_bytes = 900;
    report.event.largest_free = 300;
    assert_sentence(&report, WORKLOAD_TRACE, HEAP_FIRST_FIT,
                    "realloc 0x100 to 500 B failed: 900 B free, but the largest block is 300 B (fragmentation)");
}

static void test_compact(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_COMPACT, 0);
    report.event.moved_blocks = 12;
    assert_sentence(&report, WORKLOAD_SIMULATION, HEAP_FIRST_FIT,
                    "compact: moved 12 blocks down, free space is now one block");
}

static void test_step_zero(void **state)
{
    (void)state;
    assert_sentence(NULL, WORKLOAD_SIMULATION, HEAP_FIRST_FIT, "step 0: the heap is one free block. Press Space to play, \xE2\x86\x92 to step, h for help");
}

static void test_sentence_is_cut_to_the_buffer(void **state)
{
    (void)state;
    StepReport report = report_of(HEAP_EVENT_MALLOC, 7);
    report.event.request = 2048;
    AllocatorSetup setup = {&tags_design, allocator_default_config(4096)};
    Allocator *heap = NULL;
    assert_int_equal(allocator_create(&setup, &heap), HEAP_OK);
    char text[12];
    sentence_for_step(&report, WORKLOAD_SIMULATION, heap, text, sizeof text);
    assert_string_equal(text, "malloc 2,04");
    allocator_destroy(heap);
}

static void test_counters(void **state)
{
    (void)state;
    HeapStats stats = {.mallocs = 51, .frees = 49, .failed = 3, .largest_free = 27368,
                       .external_fragmentation = 9.94, .utilization = 0.994};
    TextLine lines[COUNTER_LINES];
    sentence_counters(&stats, ALLOCATOR_HAS_DEAD, lines);
    assert_non_null(strstr(lines[0].text, "allocations"));
    assert_non_null(strstr(lines[0].text, " 51"));
    assert_non_null(strstr(lines[2].text, "failed"));
    assert_non_null(strstr(lines[7].text, "27,368 B"));
    assert_non_null(strstr(lines[8].text, "9.9 %"));
    assert_non_null(strstr(lines[10].text, "99.4 %"));
}

/* Byte counts are exact at every size, in groups of three digits. */
static void test_byte_counts_have_thousands_separators(void **state)
{
    (void)state;
    HeapStats stats = {.bytes_in_use = 999, .free_bytes = 1000, .largest_free = 1073741824,
                       .dead_bytes = UINT64_MAX};
    TextLine lines[COUNTER_LINES];
    sentence_counters(&stats, ALLOCATOR_HAS_DEAD, lines);
    assert_non_null(strstr(lines[5].text, " 999 B"));
    assert_non_null(strstr(lines[6].text, " 1,000 B"));
    assert_non_null(strstr(lines[7].text, " 1,073,741,824 B"));
    assert_non_null(strstr(lines[11].text, " 18,446,744,073,709,551,615 B"));
}

/* OSTEP's heap counts units: "N B" and "bytes" say units, and the
 * counters' values keep their right edge (column 35: 22 + 1 + 12). */
static void test_counters_in_units(void **state)
{
    (void)state;
    HeapStats stats = {.bytes_in_use = 0, .free_bytes = 100, .largest_free = 1000};
    TextLine lines[COUNTER_LINES];
    sentence_counters(&stats, ALLOCATOR_HAS_DEAD, lines);
    for (int i = 5; i <= 7; i++) {
        sentence_in_units(lines[i].text, sizeof lines[i].text);
        assert_int_equal(strlen(lines[i].text), 35);
    }
    assert_string_equal(lines[5].text, "units in use                0 units");
    assert_string_equal(lines[6].text, "free units                100 units");
    assert_string_equal(lines[7].text, "largest free block      1,000 units");
    char text[SENTENCE_MAX] = "ext frag = 1 - largest 96 B / free 100 B = 4.0 %, BEST bytesize B";
    sentence_in_units(text, sizeof text);
    assert_string_equal(text, "ext frag = 1 - largest 96 units / free 100 units = 4.0 %, BEST bytesize B");
}

/* The issue's own example: 3,072 B of payload at the peak on a heap whose
 * high water is 3,088 B, so utilization = 3072 / 3088 = 99.48 %. */
static void test_counter_definitions(void **state)
{
    (void)state;
    HeapStats stats = {.mallocs = 7, .failed = 3, .failed_fragmented = 1, .bytes_in_use = 4000,
                       .payload_bytes = 3000, .free_bytes = 900, .dead_bytes = 100, .largest_free = 600,
                       .peak_payload = 3072, .high_water = 3088, .heap_bytes = 4096,
                       .utilization = 3072.0 / 3088.0, .external_fragmentation = 40.0,
                       .internal_fragmentation = 25.0};
    TextLine lines[DEFINITION_LINES];
    sentence_counter_definition(&stats, 10, ALLOCATOR_HAS_DEAD, lines);
    assert_string_equal(lines[1].text, "utilization = peak payload 3,072 B / high water 3,088 B = 99.5 %");
    assert_non_null(strstr(lines[0].text, "payload"));
    stats.utilization = 3072.0 / 4096.0;
    sentence_counter_definition(&stats, 10, ALLOCATOR_GROWS | ALLOCATOR_HAS_DEAD, lines); /* a growing heap: mdriver's heap size */
    assert_string_equal(lines[1].text, "utilization = peak payload 3,072 B / heap 4,096 B = 75.0 %");
    sentence_counter_definition(&stats, 8, ALLOCATOR_HAS_DEAD, lines); /* 1 - 600 / (900 + 100) */
    assert_string_equal(lines[1].text, "ext frag = 1 - largest 600 B / free 1,000 B = 40.0 %");
    sentence_counter_definition(&stats, 9, ALLOCATOR_HAS_DEAD, lines); /* (4000 - 3000) / 4000 */
    assert_string_equal(lines[1].text, "int frag = overhead 1,000 B / in use 4,000 B = 25.0 %");
    sentence_counter_definition(&stats, 2, ALLOCATOR_HAS_DEAD, lines);
    assert_string_equal(lines[1].text, "failed = 3: 1 by fragmentation, 2 by exhaustion");
    sentence_counter_definition(&stats, 0, ALLOCATOR_HAS_DEAD, lines);
    assert_string_equal(lines[1].text, "allocations = 7 since step 0");
    for (int counter = 0; counter < COUNTER_LINES; counter++) {
        sentence_counter_definition(&stats, counter, ALLOCATOR_HAS_DEAD, lines);
        assert_true(strlen(lines[0].text) > 10 && strlen(lines[1].text) > 10);
    }
}

/* Counts are grouped in threes, worked by hand, and the counters use them. */
static void test_counts_are_grouped_in_threes(void **state)
{
    (void)state;
    assert_string_equal(sentence_count(0).text, "0");
    assert_string_equal(sentence_count(999).text, "999");
    assert_string_equal(sentence_count(1000).text, "1,000");
    assert_string_equal(sentence_count(2100427).text, "2,100,427");
    assert_string_equal(sentence_count(UINT64_MAX).text, "18,446,744,073,709,551,615");
    assert_string_equal(sentence_bytes(1048576).text, "1,048,576 B");
    HeapStats stats = {.mallocs = 2100427, .frees = 2007148, .failed = 258745, .used_blocks = 93279,
                       .free_blocks = 11828};
    TextLine lines[COUNTER_LINES];
    sentence_counters(&stats, 0, lines);
    static const char *const expected[] = {"2,100,427", "2,007,148", "258,745", "93,279", "11,828"};
    for (int i = 0; i < 5; i++) {
        const char *value = strrchr(lines[i].text, ' ') + 1;
        assert_string_equal(value, expected[i]);
    }
}

/* "dead bytes (bump)" is a counter only where freed blocks can be dead: a
 * recorded heap's dead blocks are its fold marks (two folds of 4 KiB
 * here), and csapp, buddy and OSTEP never have any. There, external
 * fragmentation's formula counts free bytes alone, as the designs do:
 * 1 - 600 / 900 = 33.3 %. */
static void test_dead_bytes_only_where_blocks_can_be_dead(void **state)
{
    (void)state;
    HeapStats stats = {.free_bytes = 900, .dead_bytes = 8192, .dead_blocks = 2, .largest_free = 600,
                       .external_fragmentation = 100.0 / 3.0};
    TextLine lines[COUNTER_LINES];
    assert_int_equal(sentence_counters(&stats, ALLOCATOR_HAS_DEAD, lines), 12);
    assert_non_null(strstr(lines[11].text, "dead bytes (bump)"));
    assert_int_equal(sentence_counter_count(ALLOCATOR_HAS_DEAD | ALLOCATOR_GROWS), 12);
    static const unsigned no_dead[] = {0, ALLOCATOR_GROWS, ALLOCATOR_CAN_COMPACT};
    for (size_t i = 0; i < sizeof no_dead / sizeof no_dead[0]; i++) {
        memset(lines, 0, sizeof lines);
        assert_int_equal(sentence_counters(&stats, no_dead[i], lines), 11);
        assert_int_equal(sentence_counter_count(no_dead[i]), 11);
        assert_non_null(strstr(lines[10].text, "utilization"));
        assert_string_equal(lines[11].text, "");
    }
    TextLine definition[DEFINITION_LINES];
    sentence_counter_definition(&stats, 8, 0, definition);
    assert_string_equal(definition[1].text, "ext frag = 1 - largest 600 B / free 900 B = 33.3 %");
    sentence_counter_definition(&stats, 8, ALLOCATOR_HAS_DEAD, definition); /* bump's: 1 - 600 / 9,092 */
    assert_string_equal(definition[1].text, "ext frag = 1 - largest 600 B / free 9,092 B = 33.3 %");
}

static void test_tooltip(void **state)
{
    (void)state;
    HeapBlock block = {.offset = 0x1a38, .size = 2064, .state = HEAP_BLOCK_USED, .requested = 2040,
                       .payload = 0x1a40, .header = 2064 | HEAP_TAG_ALLOCATED,
                       .header_bytes = 8, .footer_bytes = 8};
    TextLine lines[TOOLTIP_LINES];
    const ProgramPlace here = {0};
    sentence_tooltip(&block, &here, WORKLOAD_TRACE, 7, lines);
    assert_string_equal(lines[0].text, "block at 0x1a38 (6712)");
    assert_string_equal(lines[1].text, "size      2,064 B");
    assert_string_equal(lines[2].text, "state     allocated");
    assert_string_equal(lines[3].text, "held by   id 7");
    assert_string_equal(lines[4].text, "requested 2,040 B");
    assert_string_equal(lines[5].text, "padding   8 B");
    assert_string_equal(lines[6].text, "header    0x0000000000000811 (allocated bit 1)");
    sentence_tooltip(&block, &here, WORKLOAD_SIMULATION, 0, lines);
    assert_string_equal(lines[3].text, "held by   slot 0");
    block.state = HEAP_BLOCK_FREE;
    block.header = 2064;
    block.requested = 0;
    sentence_tooltip(&block, &here, WORKLOAD_TRACE, -1, lines);
    assert_string_equal(lines[2].text, "state     free");
    assert_string_equal(lines[3].text, "held by   nobody");
    assert_string_equal(lines[5].text, "padding   0 B");
    assert_string_equal(lines[6].text, "header    0x0000000000000810 (allocated bit 0)");
}

/* A recorded heap's block names glibc's address; a fold names its gap. */
static void test_tooltip_of_a_recorded_heap(void **state)
{
    (void)state;
    HeapBlock block = {.offset = 0x6020, .size = 108, .state = HEAP_BLOCK_USED, .requested = 100,
                       .payload = 0x6028, .header_bytes = 8};
    TextLine lines[TOOLTIP_LINES];
    ProgramPlace place = {.recorded = true, .address = 0x8fffff8};
    sentence_tooltip(&block, &place, WORKLOAD_TRACE, 3, lines);
    assert_string_equal(lines[0].text, "block at 0x8fffff8 (glibc's; 0x6020 here)");
    assert_string_equal(lines[3].text, "held by   id 3");
    HeapBlock fold = {.offset = 0x5020, .size = 4096, .state = HEAP_BLOCK_DEAD, .payload = 0x5020};
    place = (ProgramPlace){.recorded = true, .in_gap = true, .address = 0x5028, .gap_bytes = 0x8fffff8 - 0x5028};
    sentence_tooltip(&fold, &place, WORKLOAD_TRACE, -1, lines);
    assert_string_equal(lines[0].text, "fold at 0x5020: not heap");
    assert_string_equal(lines[1].text, "gap       144 MiB not used");   /* 150,974,416 B */
    assert_string_equal(lines[2].text, "from      0x5028");
    assert_string_equal(lines[3].text, "to        0x8fffff8");
    assert_string_equal(lines[4].text, "shown as  4,096 B here, folded");
    place.gap_bytes = 0; /* the marker after the last region */
    fold.offset = 0x9000;
    sentence_tooltip(&fold, &place, WORKLOAD_TRACE, -1, lines);
    assert_string_equal(lines[1].text, "gap       the end of the recorded addresses");
}

static void test_sizes_in_binary_units(void **state)
{
    (void)state;
    assert_string_equal(sentence_size(0).text, "0 B");
    assert_string_equal(sentence_size(1023).text, "1023 B");
    assert_string_equal(sentence_size(1536).text, "1.5 KiB");
    assert_string_equal(sentence_size(10 << 20).text, "10 MiB");
    assert_string_equal(sentence_size(UINT64_C(3) << 39).text, "1.5 TiB");
}

/* A line breaks at the last space that fits, but at the end of a phrase
 * (two spaces part phrases, as in the panel's title) when that keeps half
 * the line: "seed 1" stays whole. Offsets counted by hand. */
static void test_lines_break_between_phrases(void **state)
{
    (void)state;
    const char *title = "step 300 of 600  first-fit  seed 1";
    assert_int_equal(canvas_line_bytes(title, 34), 34);  /* it all fits */
    assert_int_equal(canvas_line_bytes(title, 33), 26);  /* "step 300 of 600  first-fit" */
    assert_int_equal(canvas_line_bytes(title, 32), 26);  /* not "...  seed", though it fits exactly */
    assert_int_equal(canvas_line_bytes(title, 30), 27);  /* the last space that fits ends a phrase */
    assert_int_equal(canvas_line_bytes(title, 20), 16);  /* "step 300 of 600 " */
    /* one space between words: the last space that fits */
    assert_int_equal(canvas_line_bytes("free 0x3c0, coalesced with both neighbours", 36), 31);
    /* a phrase's end in the first half of the line is passed over */
    assert_int_equal(canvas_line_bytes("ab  cdefgh ijklmnop qrstuvwx", 20), 19);
}

/* canvas_ellipsize on `line` for `columns`: the line it leaves. */
static void expect_ellipsized(const char *line, int columns, const char *expected)
{
    char buffer[64];
    snprintf(buffer, sizeof buffer, "%s", line);
    size_t bytes = canvas_ellipsize(buffer, strlen(buffer), columns);
    assert_string_equal(buffer, expected);
    assert_int_equal(bytes, strlen(expected));
}

/* The last line of a text cut short ends in "…" within its columns: a
 * line with room keeps every character, one without gives up its last
 * word if that starts in the line's second half, else its last character.
 * Expected lines worked out by hand. */
static void test_a_cut_text_ends_in_an_ellipsis(void **state)
{
    (void)state;
    expect_ellipsized("short line", 20, "short line\u2026");
    expect_ellipsized("ends with space ", 20, "ends with space\u2026");
    expect_ellipsized("abcdefghij klmnopqrs", 20, "abcdefghij\u2026");  /* the word from column 11 */
    expect_ellipsized("abc defghijklmnopqrs", 20, "abc defghijklmnopqr\u2026"); /* a word from column 4 stays */
    expect_ellipsized("abcdefghij klmnopqr stu", 20, "abcdefghij klmnopqr\u2026"); /* the cut falls on a space */
    expect_ellipsized("abcdefghijklmnopqrst", 20, "abcdefghijklmnopqrs\u2026");
    expect_ellipsized("\u2192\u2192\u2192\u2192\u2192", 5, "\u2192\u2192\u2192\u2192\u2026"); /* characters, not bytes */
}

/* A text taken a line at a time as canvas_wrapped draws it, at most two
 * lines of 12 columns: the second, the last shown, says that text is left
 * over; a text that ends on its last line does not. */
static void test_the_last_line_shown_says_text_is_left_over(void **state)
{
    (void)state;
    char line[CANVAS_LINE_BYTES];
    const char *text = "steps back replay from step 0";
    canvas_take_line(&text, 12, false, line);
    assert_string_equal(line, "steps back");
    canvas_take_line(&text, 12, true, line);
    assert_string_equal(line, "replay from\u2026"); /* "step 0" is left */
    assert_string_equal(text, "step 0");
    text = "steps back replay";
    canvas_take_line(&text, 12, false, line);
    canvas_take_line(&text, 12, true, line);
    assert_string_equal(line, "replay");      /* the whole text: no ellipsis */
    assert_string_equal(text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_last_line_shown_says_text_is_left_over),
        cmocka_unit_test(test_a_cut_text_ends_in_an_ellipsis),
        cmocka_unit_test(test_tooltip_of_a_recorded_heap),
        cmocka_unit_test(test_lines_break_between_phrases),
        cmocka_unit_test(test_sizes_in_binary_units),
        cmocka_unit_test(test_malloc_that_splits),
        cmocka_unit_test(test_malloc_in_a_recording),
        cmocka_unit_test(test_malloc_that_takes_a_block_whole_in_a_trace),
        cmocka_unit_test(test_malloc_failed_by_fragmentation),
        cmocka_unit_test(test_bump_failure_names_the_heap_pointer_and_dead_memory),
        cmocka_unit_test(test_malloc_failed_by_exhaustion),
        cmocka_unit_test(test_free_coalescing_each_way),
        cmocka_unit_test(test_free_on_bump_leaves_dead_memory),
        cmocka_unit_test(test_free_rejected),
        cmocka_unit_test(test_skipped_free),
        cmocka_unit_test(test_realloc_each_mode),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_step_zero),
        cmocka_unit_test(test_sentence_is_cut_to_the_buffer),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_byte_counts_have_thousands_separators),
        cmocka_unit_test(test_counters_in_units),
        cmocka_unit_test(test_counter_definitions),
        cmocka_unit_test(test_counts_are_grouped_in_threes),
        cmocka_unit_test(test_dead_bytes_only_where_blocks_can_be_dead),
        cmocka_unit_test(test_tooltip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
