/*
 * capture_trace.c - capture log records to a .rep trace (see capture_trace.h).
 *
 * A hash table maps the address of every live block to its id and usable
 * size (open addressing, linear probing, deletion by shifting the run back,
 * so lookups stay short over millions of calls). The records are walked
 * twice: once to count ids and operations for the .rep header, once to
 * write.
 */
#include "capture_trace.h"
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAP_FIRST_CAPACITY = 1024 };
#define GLIBC_HEADER_BYTES 8 /* the size word before every glibc block */

/* One live block; address 0 marks an empty slot. */
typedef struct {
    uint64_t address;
    uint64_t usable;
    uint32_t id;
} Slot;

typedef struct {
    Slot *slots;
    uint64_t capacity;           /* a power of two */
    uint64_t used;
} AddressMap;

/* One sidecar line's block: where glibc put it. */
typedef struct {
    uint64_t address;
    uint64_t usable;             /* malloc_usable_size, bytes */
} SidecarPlacement;

typedef struct {
    AddressMap live;
    CaptureCounts *counts;
    OutputFile *rep;             /* NULL: count only */
    OutputFile *sidecar;
    uint64_t live_bytes;
} Converter;

static const char *const CALL_NAMES[CAPTURE_CALL_COUNT] = {
    [CAPTURE_MALLOC] = "malloc",
    [CAPTURE_CALLOC] = "calloc",
    [CAPTURE_REALLOC] = "realloc",
    [CAPTURE_REALLOCARRAY] = "reallocarray",
    [CAPTURE_FREE] = "free",
    [CAPTURE_POSIX_MEMALIGN] = "posix_memalign",
    [CAPTURE_ALIGNED_ALLOC] = "aligned_alloc",
    [CAPTURE_MEMALIGN] = "memalign",
    [CAPTURE_VALLOC] = "valloc",
    [CAPTURE_PVALLOC] = "pvalloc",
};

const char *capture_call_name(uint32_t call)
{
    return call < CAPTURE_CALL_COUNT && CALL_NAMES[call] ? CALL_NAMES[call] : "?";
}

/* ---- the address map ----------------------------------------------------- */

static uint64_t slot_of(const AddressMap *map, uint64_t address)
{
    address ^= address >> 33;
    address *= UINT64_C(0xff51afd7ed558ccd);
    address ^= address >> 33;
    return address & (map->capacity - 1);
}

/* The slot holding `address`, or the empty slot where it would go. */
static Slot *map_find(const AddressMap *map, uint64_t address)
{
    uint64_t at = slot_of(map, address);
    while (map->slots[at].address != 0 && map->slots[at].address != address)
        at = (at + 1) & (map->capacity - 1);
    return &map->slots[at];
}

static bool map_resize(AddressMap *map, uint64_t capacity)
{
    AddressMap bigger = {calloc(capacity, sizeof(Slot)), capacity, map->used};
    if (!bigger.slots)
        return false;
    for (uint64_t i = 0; i < map->capacity; i++)
        if (map->slots[i].address != 0)
            *map_find(&bigger, map->slots[i].address) = map->slots[i];
    free(map->slots);
    *map = bigger;
    return true;
}

/* Adds a block whose address is not in the map. */
static bool map_put(AddressMap *map, Slot block)
{
    if ((map->used + 1) * 2 > map->capacity && !map_resize(map, map->capacity * 2))
        return false;
    *map_find(map, block.address) = block;
    map->used++;
    return true;
}

/* Empties a slot, then moves back the entries after it that belong before it. */
static void map_remove(AddressMap *map, Slot *slot)
{
    uint64_t mask = map->capacity - 1;
    uint64_t hole = (uint64_t)(slot - map->slots);
    for (uint64_t at = (hole + 1) & mask; map->slots[at].address != 0; at = (at + 1) & mask) {
        uint64_t home = slot_of(map, map->slots[at].address);
        if (((at - home) & mask) >= ((at - hole) & mask)) {
            map->slots[hole] = map->slots[at];
            hole = at;
        }
    }
    map->slots[hole].address = 0;
    map->used--;
}

/* ---- the operations ------------------------------------------------------- */

static void write_hex(OutputFile *file, uint64_t value)
{
    char digits[18];
    size_t count = 0;
    do {
        digits[sizeof digits - 1 - count++] = "0123456789abcdef"[value & 15];
        value >>= 4;
    } while (value > 0);
    digits[sizeof digits - 1 - count++] = 'x';
    digits[sizeof digits - 1 - count++] = '0';
    output_file_bytes(file, digits + sizeof digits - count, count);
}

static void write_sidecar_line(OutputFile *file, const CaptureRecord *record, const char *call,
                               uint64_t address, uint64_t usable)
{
    output_file_u64(file, record->thread);
    output_file_char(file, ' ');
    output_file_text(file, call);
    if (capture_alignment(record) != 0) {
        output_file_char(file, ':');
        output_file_u64(file, capture_alignment(record));
    }
    output_file_char(file, ' ');
    write_hex(file, address);
    output_file_char(file, ' ');
    output_file_u64(file, usable);
    output_file_char(file, '\n');
}

/* One .rep line (`letter id [bytes]`) and its sidecar line. */
static void emit(Converter *c, char letter, const Slot *block, uint64_t bytes,
                 const CaptureRecord *record, const char *call)
{
    c->counts->operations++;
    if (c->live_bytes > c->counts->peak_bytes)
        c->counts->peak_bytes = c->live_bytes;
    if (c->rep) {
        output_file_char(c->rep, letter);
        output_file_char(c->rep, ' ');
        output_file_u64(c->rep, block->id);
        if (letter != 'f') {
            output_file_char(c->rep, ' ');
            output_file_u64(c->rep, bytes);
        }
        output_file_char(c->rep, '\n');
    }
    if (c->sidecar)
        write_sidecar_line(c->sidecar, record, call, block->address,
                           letter == 'f' ? 0 : block->usable);
}

/* Forgets a live block, writing `f ID` for it. */
static void free_block(Converter *c, Slot *slot, const CaptureRecord *record, const char *call)
{
    Slot block = *slot;
    c->live_bytes -= block.usable + GLIBC_HEADER_BYTES;
    map_remove(&c->live, slot);
    emit(c, 'f', &block, 0, record, call);
}

/* Adds the block the record returned under `id`. A block already live at
 * that address was freed where the library could not see it: its free is
 * written first, so the trace stays whole. */
static bool place_block(Converter *c, const CaptureRecord *record, uint32_t id, char letter)
{
    Slot *stale = map_find(&c->live, record->result);
    if (stale->address != 0)
        free_block(c, stale, record, "unseen-free");
    Slot block = {record->result, record->usable, id};
    if (!map_put(&c->live, block))
        return false;
    c->live_bytes += block.usable + GLIBC_HEADER_BYTES;
    emit(c, letter, &block, record->bytes, record, capture_call_name(record->call));
    return true;
}

static bool new_block(Converter *c, const CaptureRecord *record)
{
    return place_block(c, record, (uint32_t)c->counts->ids++, 'a');
}

static void release(Converter *c, const CaptureRecord *record)
{
    Slot *slot = map_find(&c->live, record->pointer);
    if (slot->address == 0)
        c->counts->unknown_frees++;
    else
        free_block(c, slot, record, capture_call_name(record->call));
}

static bool resize(Converter *c, const CaptureRecord *record)
{
    Slot *slot = map_find(&c->live, record->pointer);
    if (slot->address == 0) {
        c->counts->unknown_frees++;
        return new_block(c, record);
    }
    uint32_t id = slot->id;
    c->live_bytes -= slot->usable + GLIBC_HEADER_BYTES;
    map_remove(&c->live, slot);
    return place_block(c, record, id, 'r');
}

static bool convert_record(Converter *c, const CaptureRecord *record)
{
    bool is_resize = record->call == CAPTURE_REALLOC || record->call == CAPTURE_REALLOCARRAY;
    if (record->thread > c->counts->threads)
        c->counts->threads = record->thread;
    if (record->call == CAPTURE_FREE || (is_resize && record->pointer && record->bytes == 0)) {
        release(c, record);
        return true;
    }
    if (record->result == 0) {
        c->counts->failed++;
        return true;
    }
    return is_resize && record->pointer ? resize(c, record) : new_block(c, record);
}

static bool convert(const CaptureRecord *records, uint64_t count, OutputFile *rep,
                    OutputFile *sidecar, CaptureCounts *counts)
{
    Converter c = {.counts = counts, .rep = rep, .sidecar = sidecar};
    *counts = (CaptureCounts){.calls = count};
    bool ok = map_resize(&c.live, MAP_FIRST_CAPACITY);
    for (uint64_t i = 0; ok && i < count; i++)
        ok = convert_record(&c, &records[i]);
    free(c.live.slots);
    return ok;
}

bool capture_trace_count(const CaptureRecord *records, uint64_t count, CaptureCounts *counts)
{
    return convert(records, count, NULL, NULL, counts);
}

bool capture_trace_write(const CaptureRecord *records, uint64_t count, OutputFile *rep,
                         OutputFile *sidecar, CaptureCounts *counts)
{
    if (!capture_trace_count(records, count, counts))
        return false;
    if (rep) {
        /* mdriver reads the header as ints: the suggestion is capped at INT_MAX */
        uint64_t suggested = counts->peak_bytes < INT32_MAX ? counts->peak_bytes : INT32_MAX;
        const uint64_t header[4] = {suggested, counts->ids, counts->operations, 1};
        for (int i = 0; i < 4; i++) {
            output_file_u64(rep, header[i]);
            output_file_char(rep, '\n');
        }
    }
    return convert(records, count, rep, sidecar, counts);
}

/* ---- reading the sidecar back ----------------------------------------------------- */

enum { SIDECAR_CHUNK = 1 << 20 }; /* bytes of the sidecar held at once (a line is ~30) */

/* A sidecar being read a chunk at a time (it can be hundreds of MB): the
 * buffer holds whole lines [at, end) not yet parsed, then the start of the
 * next line, `held` bytes in all. */
typedef struct {
    FILE *file;
    char *buffer;                /* SIDECAR_CHUNK bytes */
    size_t held;
    const char *at, *end;
    const char *path;
    uint64_t line;
    char *message;
    size_t message_size;
} SidecarReader;

static bool sidecar_fail(SidecarReader *reader, const char *what)
{
    snprintf(reader->message, reader->message_size, "%s:%llu: %s", reader->path,
             (unsigned long long)reader->line, what);
    return false;
}

/* The last newline in text[0, length), NULL if none. */
static const char *last_newline(const char *text, size_t length)
{
    while (length > 0)
        if (text[--length] == '\n')
            return text + length;
    return NULL;
}

/* Moves the unparsed start of a line to the front and reads on, so that
 * [at, end) holds the next whole lines (at the end of the file, the rest,
 * newline or not). False, with the message, on a read error or a line longer
 * than the buffer; [at, end) empty at the end of the file. */
static bool sidecar_refill(SidecarReader *reader)
{
    size_t rest = reader->held - (size_t)(reader->end - reader->buffer);
    memmove(reader->buffer, reader->end, rest);
    reader->held = rest + fread(reader->buffer + rest, 1, SIDECAR_CHUNK - rest, reader->file);
    if (ferror(reader->file))
        return sidecar_fail(reader, strerror(errno ? errno : EIO));
    reader->at = reader->buffer;
    reader->end = reader->buffer + reader->held;
    if (reader->held < SIDECAR_CHUNK)
        return true; /* the end of the file */
    const char *newline = last_newline(reader->buffer, reader->held);
    if (!newline)
        return sidecar_fail(reader, "a line of 1 MiB or more: expected 'THREAD CALL ADDRESS USABLE'");
    reader->end = newline + 1;
    return true;
}

/* The next space-separated field of the current line. */
static bool sidecar_field(SidecarReader *reader, const char **start, size_t *length)
{
    while (reader->at < reader->end && *reader->at == ' ')
        reader->at++;
    *start = reader->at;
    while (reader->at < reader->end && *reader->at != ' ' && *reader->at != '\n')
        reader->at++;
    *length = (size_t)(reader->at - *start);
    return *length > 0;
}

/* Per character: its value as a lower-case hex digit, plus one (0: none). */
static const unsigned char HEX_DIGITS[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16};

/* Reads the digits of `base` (10 or 16) at *at, before `end`: false if
 * there are none or more than `max_digits` (so the value cannot overflow).
 * A table, not comparisons, tells a hex digit: addresses mix digits and
 * letters at random, which branches guess badly. */
static bool plain_digits(const char **at, const char *end, unsigned base, int max_digits, uint64_t *value)
{
    const char *p = *at;
    uint64_t number = 0;
    if (base == 16) {
        for (unsigned digit; p < end && (digit = HEX_DIGITS[(unsigned char)*p]) != 0; p++)
            number = number * 16 + digit - 1;
    } else {
        for (unsigned digit; p < end && (digit = (unsigned)(*p - '0')) <= 9; p++)
            number = number * 10 + digit;
    }
    if (p == *at || p - *at > max_digits)
        return false;
    *at = p;
    *value = number;
    return true;
}

/* A whole field: a number in base 10 or, after "0x", base 16. */
static bool sidecar_number(const char *start, size_t length, bool hex, uint64_t *value)
{
    if (hex && (length < 3 || start[0] != '0' || start[1] != 'x'))
        return false;
    const char *at = start + (hex ? 2 : 0), *end = start + length;
    return plain_digits(&at, end, hex ? 16 : 10, hex ? 16 : 19, value) && at == end;
}

/* One line: THREAD CALL ADDRESS USABLE; the placement if the op places a block. */
static bool sidecar_line(SidecarReader *reader, const Op *op, SidecarPlacement *placement)
{
    const char *fields[4];
    size_t lengths[4];
    uint64_t thread;
    for (int i = 0; i < 4; i++)
        if (!sidecar_field(reader, &fields[i], &lengths[i]))
            return sidecar_fail(reader, "expected 'THREAD CALL ADDRESS USABLE'");
    if (reader->at < reader->end && *reader->at != '\n')
        return sidecar_fail(reader, "more than 'THREAD CALL ADDRESS USABLE' on the line");
    if (!sidecar_number(fields[0], lengths[0], false, &thread) ||
        !sidecar_number(fields[2], lengths[2], true, &placement->address) ||
        !sidecar_number(fields[3], lengths[3], false, &placement->usable))
        return sidecar_fail(reader, "THREAD and USABLE must be decimal, ADDRESS 0x and hex digits");
    bool places = op->kind == OP_MALLOC || op->kind == OP_REALLOC;
    if (places && placement->address < RECORDED_HEADER_BYTES)
        return sidecar_fail(reader, "a block placed below address 0x8 (glibc's size word comes before each block)");
    if (places && placement->usable > UINT64_MAX - placement->address)
        return sidecar_fail(reader, "a block whose end (ADDRESS + USABLE) passes 2^64");
    if (reader->at < reader->end)
        reader->at++;
    reader->line++;
    return true;
}

/* The line as heapviz writes it - single spaces, a block that fits below
 * 2^64 with its size word before it - read in one pass; false, having read
 * nothing, for any other, which sidecar_line then reads field by field (and
 * says what is wrong). */
static bool plain_sidecar_line(SidecarReader *reader, SidecarPlacement *placement)
{
    const char *p = reader->at, *end = reader->end, *call;
    uint64_t thread;
    if (!plain_digits(&p, end, 10, 19, &thread) || p == end || *p++ != ' ')
        return false;
    for (call = p; p < end && *p != ' ' && *p != '\n'; p++) {
    }
    if (p == call || end - p < 4 || p[0] != ' ' || p[1] != '0' || p[2] != 'x')
        return false;
    p += 3;
    if (!plain_digits(&p, end, 16, 16, &placement->address) || placement->address < RECORDED_HEADER_BYTES ||
        p == end || *p++ != ' ' || !plain_digits(&p, end, 10, 19, &placement->usable) ||
        (p < end && *p != '\n') || placement->usable > UINT64_MAX - placement->address)
        return false;
    reader->at = p < end ? p + 1 : p;
    reader->line++;
    return true;
}

/* The placements of a trace's a and r lines as they are read: each
 * address gets an index the first time it is seen (`seen` maps it to that
 * index, in its Slot's id). */
typedef struct {
    AddressMap seen;
    uint64_t *addresses;         /* by index */
    uint64_t address_capacity;
    uint64_t address_count;
    uint32_t *address_of;        /* per placement */
    uint64_t *usable;            /* per placement */
    uint64_t count;
} PlacementList;

static bool placement_add(PlacementList *list, uint64_t address, uint64_t usable)
{
    Slot *slot = map_find(&list->seen, address);
    uint64_t index = slot->address == address ? slot->id : list->address_count;
    if (index == list->address_count) {
        if (index == list->address_capacity) {
            uint64_t capacity = list->address_capacity * 2;
            uint64_t *bigger = realloc(list->addresses, capacity * sizeof *bigger);
            if (!bigger)
                return false;
            list->addresses = bigger;
            list->address_capacity = capacity;
        }
        if (!map_put(&list->seen, (Slot){.address = address, .id = (uint32_t)index}))
            return false;
        list->addresses[list->address_count++] = address;
    }
    list->address_of[list->count] = (uint32_t)index;
    list->usable[list->count++] = usable;
    return true;
}

/* Reads one line per op of `trace`, adding the placements of its a and r
 * lines to `list`. */
static bool sidecar_lines(SidecarReader *reader, const Trace *trace, PlacementList *list)
{
    for (uint32_t i = 0; i < trace->op_count; i++) {
        SidecarPlacement placement;
        if (reader->at == reader->end && !sidecar_refill(reader))
            return false;
        if (reader->at == reader->end)
            return sidecar_fail(reader, "the sidecar ends before the trace's operations do");
        if (!plain_sidecar_line(reader, &placement) && !sidecar_line(reader, &trace->ops[i], &placement))
            return false;
        if ((trace->ops[i].kind == OP_MALLOC || trace->ops[i].kind == OP_REALLOC) &&
            !placement_add(list, placement.address, placement.usable))
            return sidecar_fail(reader, "out of memory");
    }
    if (reader->at == reader->end && !sidecar_refill(reader))
        return false;
    if (reader->at != reader->end)
        return sidecar_fail(reader, "the sidecar has more lines than the trace has operations");
    return true;
}

static bool read_sidecar(SidecarReader *reader, Trace *trace)
{
    PlacementList list = {.address_capacity = MAP_FIRST_CAPACITY};
    list.addresses = malloc(list.address_capacity * sizeof *list.addresses);
    list.address_of = malloc(((uint64_t)trace->op_count + 1) * sizeof *list.address_of);
    list.usable = malloc(((uint64_t)trace->op_count + 1) * sizeof *list.usable);
    bool ok = list.addresses && list.address_of && list.usable && reader->buffer &&
              map_resize(&list.seen, MAP_FIRST_CAPACITY);
    ok = ok ? sidecar_lines(reader, trace, &list) : sidecar_fail(reader, "out of memory");
    free(list.seen.slots);
    if (!ok) {
        free(list.addresses);
        free(list.address_of);
        free(list.usable);
        return false;
    }
    trace->placement_addresses = list.addresses;
    trace->placement_address_of = list.address_of;
    trace->placement_usable = list.usable;
    trace->placement_address_count = list.address_count;
    trace->placement_count = list.count;
    return true;
}

bool capture_attach_placements(const char *trace_path, Trace **trace, char *message,
                               size_t message_size)
{
    char path[4096 + 8];
    snprintf(path, sizeof path, "%s.addr", trace_path);
    FILE *file = fopen(path, "rb");
    if (!file)
        return true; /* not a capture */
    SidecarReader reader = {file, malloc(SIDECAR_CHUNK), 0, NULL, NULL, path, 1, message, message_size};
    reader.at = reader.end = reader.buffer;
    errno = 0;
    bool ok = read_sidecar(&reader, *trace);
    fclose(file);
    free(reader.buffer);
    if (!ok) {
        trace_destroy(*trace);
        *trace = NULL;
    }
    return ok;
}
