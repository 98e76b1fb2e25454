/*
 * sentence.c - the panel's sentences, counters and tooltips (see
 * sentence.h). Each kind of operation has one function that appends its
 * consequences (split, coalesce, move, failure) to the operation itself.
 */
#include "sentence.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char *text;
    size_t size;
    size_t length;
} Writer;

static void write_text(Writer *writer, const char *format, ...)
{
    if (writer->length + 1 >= writer->size) {
        return;
    }
    va_list arguments;
    va_start(arguments, format);
    int written = vsnprintf(writer->text + writer->length, writer->size - writer->length, format, arguments);
    va_end(arguments);
    if (written > 0) {
        size_t room = writer->size - writer->length - 1;
        writer->length += (size_t)written < room ? (size_t)written : room;
    }
}

NumberText sentence_count(uint64_t count)
{
    char digits[24];
    int length = snprintf(digits, sizeof digits, "%" PRIu64, count);
    NumberText result;
    size_t at = 0;
    for (int i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0) {
            result.text[at++] = ',';
        }
        result.text[at++] = digits[i];
    }
    result.text[at] = '\0';
    return result;
}

NumberText sentence_bytes(uint64_t bytes)
{
    NumberText result = sentence_count(bytes);
    strcat(result.text, " B");
    return result;
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Drops up to `count` spaces from the run of two or more just before the
 * number that ends out[*length]. */
static void drop_padding(char *out, size_t *length, size_t count)
{
    size_t start = *length;
    while (start > 0 && ((out[start - 1] >= '0' && out[start - 1] <= '9') || out[start - 1] == ','))
        start--;
    size_t spaces = 0;
    while (spaces < start && out[start - 1 - spaces] == ' ')
        spaces++;
    size_t dropped = spaces >= 2 ? (spaces - 1 < count ? spaces - 1 : count) : 0;
    memmove(out + start - dropped, out + start, *length - start);
    *length -= dropped;
}

void sentence_in_units(char *text, size_t size)
{
    char out[4 * SENTENCE_MAX];
    size_t length = 0;
    for (size_t i = 0; text[i] != '\0' && length + 8 < sizeof out;) {
        bool word_start = i == 0 || !is_letter(text[i - 1]);
        if (word_start && strncmp(text + i, "bytes", 5) == 0 && !is_letter(text[i + 5])) {
            memcpy(out + length, "units", 5);
            length += 5, i += 5;
        } else if (i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9' && strncmp(text + i, " B", 2) == 0 &&
                   !is_letter(text[i + 2])) {
            drop_padding(out, &length, strlen(" units") - strlen(" B"));
            memcpy(out + length, " units", 6);
            length += 6, i += 2;
        } else {
            out[length++] = text[i++];
        }
    }
    out[length] = '\0';
    snprintf(text, size, "%s", out);
}

const char *sentence_failure_class(const HeapEvent *event)
{
    return event->fragmented ? "fragmentation" : "exhaustion";
}

/* A heap with dead blocks (bump) fails because its heap pointer reached the
 * top: the dead memory below it is never reused, so "fragmentation" would
 * mislead. The others say how much was free and why it did not serve. */
static void write_failure(Writer *writer, const HeapEvent *event, const HeapStats *stats)
{
    if (stats->dead_blocks > 0) {
        double dead = stats->heap_bytes ? 100.0 * (double)stats->dead_bytes / (double)stats->heap_bytes : 0.0;
        write_text(writer,
                   " failed: the heap pointer reached the top (%s left above it); %.0f%% of the heap is dead "
                   "memory that bump never reuses",
                   sentence_bytes(event->largest_free).text, dead);
    } else if (event->fragmented) {
        write_text(writer, " failed: %s free, but the largest block is %s (fragmentation)",
                   sentence_bytes(event->free_bytes).text, sentence_bytes(event->largest_free).text);
    } else {
        write_text(writer, " failed: only %s free, %s needed (exhaustion)",
                   sentence_bytes(event->free_bytes).text, sentence_bytes(event->asize).text);
    }
}

static void write_coalesce(Writer *writer, const HeapEvent *event)
{
    if (event->coalesced_previous && event->coalesced_next) {
        write_text(writer, ", coalesced with both neighbours");
    } else if (event->coalesced_previous) {
        write_text(writer, ", coalesced with the previous block");
    } else if (event->coalesced_next) {
        write_text(writer, ", coalesced with the next block");
    }
}

/* A growing heap that moved its break: "no fit: extended the heap by
 * 4,096 B to 8,208 B". */
static void write_extension(Writer *writer, const HeapEvent *event, const HeapStats *stats)
{
    if (event->extended_bytes) {
        write_text(writer, "; no fit: extended the heap by %s", sentence_bytes(event->extended_bytes).text);
        write_text(writer, " to %s", sentence_bytes(stats->heap_bytes).text);
    }
}

/* Buddies that merged, one clause per merge: each doubles the block that
 * holds the freed one, up to the merged block. */
static void write_buddy_merges(Writer *writer, const HeapEvent *event)
{
    uint64_t freed = event->kind == HEAP_EVENT_REALLOC ? event->old_block_offset : event->block_offset;
    for (uint64_t merge = 1; merge <= event->merges; merge++) {
        uint64_t size = event->merged_size >> (event->merges - merge);
        uint64_t offset = freed & ~(size - 1);
        write_text(writer, "%s merged with its buddy into %s at 0x%" PRIx64, merge == 1 ? "," : ";",
                   sentence_bytes(size).text, offset);
    }
}

/* The address a sentence names for a heap offset: the program's own, where
 * the heap replays a recording (glibc's address), else the offset. */
static uint64_t address_of(const Allocator *heap, uint64_t offset)
{
    uint64_t address = offset, gap_bytes = 0;
    allocator_program_address(heap, offset, &address, &gap_bytes);
    return address;
}

/* A malloc's sentence; a heap that replays a recording chose no free block:
 * its block is where the program's glibc put it. */
static void write_malloc(Writer *writer, const StepReport *report, const char *id_name, const Allocator *heap)
{
    const HeapEvent *event = &report->event;
    write_text(writer, "malloc %s", sentence_bytes(event->request).text);
    if (event->error != HEAP_OK) {
        write_failure(writer, event, allocator_stats(heap));
        return;
    }
    write_text(writer, " for %s %" PRIu32 " \xE2\x86\x92 0x%" PRIx64, id_name, report->op.id,
               address_of(heap, event->result));
    if (allocator_design(heap)->features & ALLOCATOR_REPLAYS_RECORDING) {
        write_text(writer, ", where glibc put it");
        return;
    }
    if (event->split) {
        write_text(writer, ", split a %s free block", sentence_bytes(event->chosen_free_size).text);
    } else {
        write_text(writer, ", took a %s free block whole", sentence_bytes(event->chosen_free_size).text);
    }
    write_extension(writer, event, allocator_stats(heap));
}

static void write_free(Writer *writer, const StepReport *report, const Allocator *heap)
{
    const HeapEvent *event = &report->event;
    write_text(writer, "free 0x%" PRIx64, address_of(heap, event->pointer));
    if (event->error != HEAP_OK) {
        write_text(writer, " rejected: %s", heap_error_message(event->error));
        return;
    }
    if (event->dead) {
        write_text(writer, ", %s block is now dead (bump never reuses it)", sentence_bytes(event->block_size).text);
        return;
    }
    size_t before = writer->length;
    if (event->merges)
        write_buddy_merges(writer, event);
    else
        write_coalesce(writer, event);
    if (writer->length == before) {
        write_text(writer, ", no free neighbour to coalesce with");
    }
}

static void write_realloc(Writer *writer, const StepReport *report, const Allocator *heap)
{
    const HeapEvent *event = &report->event;
    const HeapStats *stats = allocator_stats(heap);
    write_text(writer, "realloc 0x%" PRIx64 " to %s", address_of(heap, event->pointer),
               sentence_bytes(event->request).text);
    if (event->error != HEAP_OK) {
        write_failure(writer, event, stats);
        return;
    }
    switch (event->realloc_mode) {
    case HEAP_REALLOC_SHRUNK:
        write_text(writer, ": stayed in place");
        if (event->split) {
            write_text(writer, ", gave back a tail at 0x%" PRIx64, event->split_offset);
        }
        break;
    case HEAP_REALLOC_GREW:
        write_text(writer, ": grew in place over the next free block");
        break;
    case HEAP_REALLOC_MOVED:
        write_text(writer, ": moved to 0x%" PRIx64 ", old block freed", address_of(heap, event->result));
        if (event->merges)
            write_buddy_merges(writer, event);
        else
            write_coalesce(writer, event);
        write_extension(writer, event, stats);
        break;
    case HEAP_REALLOC_NONE:
        write_text(writer, " \xE2\x86\x92 0x%" PRIx64, address_of(heap, event->result));
        break;
    }
}

/* What a workload calls the names of its blocks: slots in a simulation,
 * ids in a trace. */
static const char *id_word(WorkloadKind kind)
{
    return kind == WORKLOAD_SIMULATION ? "slot" : "id";
}

void sentence_for_step(const StepReport *report, WorkloadKind kind, const Allocator *heap,
                       char *text, size_t size)
{
    Writer writer = {text, size, 0};
    if (size > 0) {
        text[0] = '\0';
    }
    if (report == NULL) {
        write_text(&writer, "step 0: the heap is one free block. Press Space to play, \xE2\x86\x92 to step, "
                            "h for help");
        return;
    }
    const char *id_name = id_word(kind);
    if (report->skipped && report->op.kind == OP_COMPACT) {
        write_text(&writer, "compact skipped: the %s allocator cannot compact", allocator_design(heap)->name);
        return;
    }
    if (report->skipped) {
        write_text(&writer, "free of %s %" PRIu32 " skipped: it holds no block", id_name, report->op.id);
        return;
    }
    switch (report->event.kind) {
    case HEAP_EVENT_MALLOC:
        write_malloc(&writer, report, id_name, heap);
        break;
    case HEAP_EVENT_FREE:
        write_free(&writer, report, heap);
        break;
    case HEAP_EVENT_REALLOC:
        write_realloc(&writer, report, heap);
        break;
    case HEAP_EVENT_COMPACT:
        write_text(&writer, "compact: moved %" PRIu64 " blocks down, free space is now one block",
                   report->event.moved_blocks);
        break;
    case HEAP_EVENT_NONE:
        write_text(&writer, "nothing happened");
        break;
    }
}

int sentence_counter_count(unsigned features)
{
    return features & ALLOCATOR_HAS_DEAD ? COUNTER_LINES : COUNTER_LINES - 1;
}

int sentence_counters(const HeapStats *stats, unsigned features, TextLine lines[COUNTER_LINES])
{
    static const char *const format = "%-22s %12.31s";
    char value[COUNTER_LINES][32];
    const uint64_t counts[] = {stats->mallocs, stats->frees, stats->failed, stats->used_blocks,
                               stats->free_blocks};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        snprintf(value[i], sizeof value[i], "%s", sentence_count(counts[i]).text);
    }
    snprintf(value[5], sizeof value[5], "%s", sentence_bytes(stats->bytes_in_use).text);
    snprintf(value[6], sizeof value[6], "%s", sentence_bytes(stats->free_bytes).text);
    snprintf(value[7], sizeof value[7], "%s", sentence_bytes(stats->largest_free).text);
    snprintf(value[8], sizeof value[8], "%.1f %%", stats->external_fragmentation);
    snprintf(value[9], sizeof value[9], "%.1f %%", stats->internal_fragmentation);
    snprintf(value[10], sizeof value[10], "%.1f %%", stats->utilization * 100.0);
    snprintf(value[11], sizeof value[11], "%s", sentence_bytes(stats->dead_bytes).text);
    static const char *const names[COUNTER_LINES] = {
        "allocations", "frees", "failed", "live blocks", "free blocks", "bytes in use",
        "free bytes", "largest free block", "external fragmentation", "internal fragmentation",
        "utilization", "dead bytes (bump)",
    };
    int count = sentence_counter_count(features);
    for (int i = 0; i < count; i++) {
        snprintf(lines[i].text, sizeof lines[i].text, format, names[i], value[i]);
    }
    return count;
}

/* The formula's line: "name = " and the rest as `format` says. */
static void formula(TextLine *line, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line->text, sizeof line->text, format, arguments);
    va_end(arguments);
}

static void fraction_formula(TextLine *line, const char *name, const char *top, uint64_t top_bytes,
                             const char *bottom, uint64_t bottom_bytes, double percent)
{
    formula(line, "%s = %s %s / %s %s = %.1f %%", name, top, sentence_bytes(top_bytes).text, bottom,
            sentence_bytes(bottom_bytes).text, percent);
}

void sentence_counter_definition(const HeapStats *stats, int counter, unsigned features,
                                 TextLine lines[DEFINITION_LINES])
{
    bool grows = features & ALLOCATOR_GROWS;
    static const char *const meanings[COUNTER_LINES] = {
        "mallocs that got a block (realloc of nothing included)",
        "frees of a live block (realloc to 0 bytes included)",
        "mallocs and reallocs that found no block big enough",
        "allocated blocks in the heap now",
        "free blocks in the heap now",
        "bytes of allocated blocks: payload, tags and padding",
        "bytes of free blocks, tags included",
        "the biggest free block: the most one request can get",
        "free memory that no single request can use",
        "bytes of allocated blocks that hold no payload",
        "the most payload ever live, against the heap it took",
        "bump's freed blocks, which it never reuses",
    };
    if (counter < 0 || counter >= COUNTER_LINES) {
        lines[0].text[0] = lines[1].text[0] = '\0';
        return;
    }
    snprintf(lines[0].text, sizeof lines[0].text, "%s", meanings[counter]);
    TextLine *line = &lines[1];
    uint64_t loose = stats->free_bytes + (features & ALLOCATOR_HAS_DEAD ? stats->dead_bytes : 0);
    switch (counter) {
    case 2:
        formula(line, "failed = %" PRIu64 ": %" PRIu64 " by fragmentation, %" PRIu64 " by exhaustion",
                stats->failed, stats->failed_fragmented, stats->failed - stats->failed_fragmented);
        break;
    case 5:
        formula(line, "bytes in use = payload %s + overhead %s", sentence_bytes(stats->payload_bytes).text,
                sentence_bytes(stats->bytes_in_use - stats->payload_bytes).text);
        break;
    case 8:
        formula(line, "ext frag = 1 - largest %s / free %s = %.1f %%", sentence_bytes(stats->largest_free).text,
                sentence_bytes(loose).text, stats->external_fragmentation);
        break;
    case 9:
        fraction_formula(line, "int frag", "overhead", stats->bytes_in_use - stats->payload_bytes, "in use",
                         stats->bytes_in_use, stats->internal_fragmentation);
        break;
    case 10:
        fraction_formula(line, "utilization", "peak payload", stats->peak_payload, grows ? "heap" : "high water",
                         grows ? stats->heap_bytes : stats->high_water, stats->utilization * 100.0);
        break;
    case 11:
        formula(line, "dead bytes = %s in %" PRIu64 " blocks", sentence_bytes(stats->dead_bytes).text,
                stats->dead_blocks);
        break;
    case 6:
        formula(line, "free bytes = %s in %" PRIu64 " free blocks", sentence_bytes(stats->free_bytes).text,
                stats->free_blocks);
        break;
    case 7:
        formula(line, "largest free block = %s of %s free", sentence_bytes(stats->largest_free).text,
                sentence_bytes(stats->free_bytes).text);
        break;
    default: {
        static const char *const counts[COUNTER_LINES] = {
            "allocations = %" PRIu64 " since step 0", "frees = %" PRIu64 " since step 0", "",
            "live blocks = %" PRIu64 " now", "free blocks = %" PRIu64 " now",
        };
        const uint64_t values[] = {stats->mallocs, stats->frees, 0, stats->used_blocks, stats->free_blocks};
        formula(line, counts[counter], values[counter]);
        break;
    }
    }
}

static const char *state_name(HeapBlockState state)
{
    return state == HEAP_BLOCK_USED ? "allocated" : state == HEAP_BLOCK_FREE ? "free" : "dead (bump)";
}

NumberText sentence_size(uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    NumberText result;
    double value = (double)bytes;
    int unit = 0;
    while (value >= 1024.0 && unit < 6) {
        value /= 1024.0;
        unit++;
    }
    snprintf(result.text, sizeof result.text, unit > 0 && value < 10.0 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    return result;
}

/* A fold marker of a recorded heap: the gap in the address space it stands for. */
static void gap_tooltip(const HeapBlock *block, const ProgramPlace *place, TextLine lines[TOOLTIP_LINES])
{
    for (int i = 0; i < TOOLTIP_LINES; i++) {
        lines[i].text[0] = '\0';
    }
    snprintf(lines[0].text, sizeof lines[0].text, "fold at 0x%" PRIx64 ": not heap", block->offset);
    if (place->gap_bytes > 0) {
        snprintf(lines[1].text, sizeof lines[1].text, "gap       %s not used", sentence_size(place->gap_bytes).text);
        snprintf(lines[2].text, sizeof lines[2].text, "from      0x%" PRIx64, place->address);
        snprintf(lines[3].text, sizeof lines[3].text, "to        0x%" PRIx64, place->address + place->gap_bytes);
    } else {
        snprintf(lines[1].text, sizeof lines[1].text, "gap       the end of the recorded addresses");
        snprintf(lines[2].text, sizeof lines[2].text, "at        0x%" PRIx64, place->address);
    }
    snprintf(lines[4].text, sizeof lines[4].text, "shown as  %s here, folded", sentence_bytes(block->size).text);
}

void sentence_tooltip(const HeapBlock *block, const ProgramPlace *place, WorkloadKind kind, int64_t owner,
                      TextLine lines[TOOLTIP_LINES])
{
    if (place->in_gap) {
        gap_tooltip(block, place, lines);
        return;
    }
    uint64_t tags = (uint64_t)block->header_bytes + block->footer_bytes;
    uint64_t inside = block->size >= tags ? block->size - tags : 0;
    uint64_t padding = block->state == HEAP_BLOCK_USED && inside >= block->requested ? inside - block->requested : 0;
    if (place->recorded) {
        snprintf(lines[0].text, sizeof lines[0].text, "block at 0x%" PRIx64 " (glibc's; 0x%" PRIx64 " here)",
                 place->address, block->offset);
    } else {
        snprintf(lines[0].text, sizeof lines[0].text, "block at 0x%" PRIx64 " (%" PRIu64 ")", block->offset,
                 block->offset);
    }
    snprintf(lines[1].text, sizeof lines[1].text, "size      %s", sentence_bytes(block->size).text);
    snprintf(lines[2].text, sizeof lines[2].text, "state     %s", state_name(block->state));
    if (owner >= 0) {
        snprintf(lines[3].text, sizeof lines[3].text, "held by   %s %" PRId64, id_word(kind), owner);
    } else {
        snprintf(lines[3].text, sizeof lines[3].text, "held by   nobody");
    }
    snprintf(lines[4].text, sizeof lines[4].text, "requested %s", sentence_bytes(block->requested).text);
    snprintf(lines[5].text, sizeof lines[5].text, "padding   %s", sentence_bytes(padding).text);
    if (block->header_bytes == 0) {
        snprintf(lines[6].text, sizeof lines[6].text, "header    none");
    } else {
        snprintf(lines[6].text, sizeof lines[6].text, "header    0x%0*" PRIx64 " (allocated bit %u)",
                 (int)block->header_bytes * 2, block->header, (unsigned)(block->header & 1));
    }
}
