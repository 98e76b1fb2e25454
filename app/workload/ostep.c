/*
 * ostep.c - malloc.py's main program on the `ostep` design (see ostep.h).
 *
 * The program follows malloc.py line by line. Random mode (no -A): each of
 * -n operations draws u = random.random(); u < -P/100 allocates
 * int(random.random() * -r) + 1 units, anything else frees a random live
 * pointer, int(random.random() * live) (or, with none live, draws again
 * without counting an operation). It prints the returned address with the
 * header included and "List? " with a trailing space. -A mode runs the list
 * "+SIZE" / "-INDEX", prints addresses without the header and "List?", skips
 * a free whose index is not below the number of *successful* allocs so far,
 * and never forgets a freed index. The allocator is the design itself; this
 * file only keeps malloc.py's ptr[] table and prints.
 */
#include "ostep.h"
#include "design_support.h"
#include "output_file.h"
#include "python_random.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* malloc.py's ptr[i]. */
typedef struct {
    uint64_t payload;            /* the payload offset its Alloc returned */
    bool recorded;               /* in malloc.py's p: the Alloc succeeded (and not at -1) */
} Pointer;

typedef struct {
    const OstepFlags *flags;
    FILE *out;
    Allocator *heap;
    Pointer *pointers;
    uint64_t pointer_count, pointer_capacity;
    uint64_t successes;          /* -A: allocs that succeeded (malloc.py's len(p)) */
    int64_t *live;               /* random mode: the live indexes, malloc.py's L */
    uint64_t live_count, live_capacity;
    FreeListEntry *entries;      /* scratch for printing the list */
    uint64_t entry_capacity;
    OstepStepFn on_step;
    void *context;
    uint64_t step_number;
    char *message;
    size_t message_size;
} Program;

/* ---- the stops malloc.py makes with a Python error --------------------------- */

/* Writes the sentence saying why the run stops; returns `status`. */
__attribute__((format(printf, 3, 4)))
static int stop(Program *program, int status, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(program->message, program->message_size, format, arguments);
    va_end(arguments);
    return status;
}

static int out_of_memory(Program *program)
{
    return stop(program, EXIT_BAD_INPUT, "out of memory");
}


/* ---- printing ----------------------------------------------------------------------- */

static int64_t header_size(const Program *program) { return program->flags->header_size; }

int64_t ostep_address(const Allocator *heap, uint64_t offset)
{
    return (int64_t)(offset - allocator_region_start(heap) + allocator_config(heap)->base_address);
}

static int64_t address_of(const Program *program, uint64_t offset)
{
    return ostep_address(program->heap, offset);
}

void ostep_entry_words(int64_t address, int64_t size, char *text, size_t text_size)
{
    snprintf(text, text_size, "[ addr:%" PRId64 " sz:%" PRId64 " ]", address, size);
}

void ostep_step_words(const OstepStep *step, bool shown, char *text, size_t size)
{
    char result[64] = "?";
    if (step->kind == OSTEP_STEP_SKIP) {
        snprintf(text, size, "Invalid Free: Skipping");
    } else if (step->kind == OSTEP_STEP_FREE) {
        if (shown)
            snprintf(result, sizeof result, "%" PRId64, step->returned);
        snprintf(text, size, "Free(ptr[%" PRId64 "])\nreturned %s", step->index, result);
    } else {
        if (shown)
            snprintf(result, sizeof result, "%" PRId64 " (searched %" PRIu64 " elements)", step->returned,
                     step->searched);
        snprintf(text, size, "ptr[%" PRId64 "] = Alloc(%" PRId64 ") returned %s", step->index, step->size,
                 result);
    }
}

/* Prints `step` as malloc.py does, with its results when -c asks for them. */
static void print_step(const Program *program, const OstepStep *step)
{
    char text[OSTEP_LINE_MAX];
    ostep_step_words(step, program->flags->compute, text, sizeof text);
    fprintf(program->out, "%s\n", text);
}

static void print_header(const OstepFlags *flags, FILE *out)
{
    char seed[PYTHON_INT_MAX_WORDS * 10 + 2];
    python_int_format(&flags->seed, seed, sizeof seed);
    fprintf(out, "seed %s\nsize %" PRId64 "\nbaseAddr %" PRId64 "\nheaderSize %" PRId64 "\n", seed,
            flags->size, flags->base_address, flags->header_size);
    fprintf(out, "alignment %" PRId64 "\npolicy %s\nlistOrder %s\ncoalesce %s\n", flags->alignment,
            flags->policy, flags->list_order, flags->coalesce ? "True" : "False");
    fprintf(out, "numOps %" PRId64 "\nrange %" PRId64 "\npercentAlloc %" PRId64 "\n",
            flags->op_count, flags->range, flags->percent_alloc);
    fprintf(out, "allocList %s\ncompute %s\n\n", flags->alloc_list, flags->compute ? "True" : "False");
}

/* malloc.py's dump(): "Free List [ Size 2 ]: [ addr:1000 sz:3 ][ addr:1008 sz:92 ]". */
static bool print_free_list(Program *program)
{
    uint64_t count = allocator_free_list(program->heap, NULL, 0);
    if (!design_reserve((void **)&program->entries, &program->entry_capacity, count, sizeof(FreeListEntry)))
        return false;
    allocator_free_list(program->heap, program->entries, count);
    fprintf(program->out, "Free List [ Size %" PRIu64 " ]: ", count);
    for (uint64_t i = 0; i < count; i++) {
        char entry[OSTEP_LINE_MAX];
        ostep_entry_words(address_of(program, program->entries[i].offset), (int64_t)program->entries[i].size,
                          entry, sizeof entry);
        fputs(entry, program->out);
    }
    fputc('\n', program->out);
    return true;
}

/* After an operation: the list with -c, else the question, then a blank line. */
static bool print_list_or_question(Program *program, const char *question)
{
    if (program->flags->compute) {
        if (!print_free_list(program))
            return false;
    } else {
        fprintf(program->out, "%s\n", question);
    }
    fputc('\n', program->out);
    return true;
}

static void report_step(Program *program, OstepStep step)
{
    step.number = ++program->step_number;
    if (program->on_step)
        program->on_step(program->context, &step, program->heap);
}

/* ---- the two operations ----------------------------------------------------------- */

/* Alloc(size) as ptr[next index]; `with_header` is random mode's way of
 * showing the address. Returns 0 or an exit status. */
static int alloc(Program *program, int64_t size, bool with_header, OstepStep *step)
{
    if (!design_reserve((void **)&program->pointers, &program->pointer_capacity, program->pointer_count + 1,
              sizeof(Pointer)))
        return out_of_memory(program);
    uint64_t payload = 0;
    HeapError error = allocator_malloc(program->heap, (uint64_t)size, &payload);
    if (error == HEAP_ERROR_ADDRESS_IN_USE)
        return stop(program, with_header ? EXIT_BAD_USAGE : EXIT_BAD_INPUT,
                    "ptr[%" PRIu64 "] = Alloc(%" PRId64 ") chose an address that already holds "
                    "a block of size 0 (malloc.py stops here with an AssertionError)",
                    program->pointer_count, size);
    if (error != HEAP_OK && error != HEAP_ERROR_OUT_OF_MEMORY)
        return out_of_memory(program);
    int64_t address = error == HEAP_OK ? address_of(program, payload) - header_size(program) : -1;
    *step = (OstepStep){ .kind = OSTEP_STEP_ALLOC, .index = (int64_t)program->pointer_count,
                         .size = size, .returned = address + (with_header ? header_size(program) : 0),
                         .searched = allocator_last_event(program->heap)->examined,
                         .failed = error != HEAP_OK, .payload = error == HEAP_OK ? payload : 0 };
    /* malloc.py records ptr only if it is not -1, so a block placed at address
     * -1 (a base below 0) is never recorded, as if its Alloc had failed. */
    bool recorded = error == HEAP_OK && address != -1;
    program->pointers[program->pointer_count++] = (Pointer){ payload, recorded };
    program->successes += recorded;
    print_step(program, step);
    return 0;
}

/* Free(ptr[index]): frees ptr[index]'s address, then prints the lines
 * malloc.py prints: returned 0 if a block was freed there, else -1. (A
 * payload can be offset 0 with a negative header, where the design's free(0)
 * does nothing and says HEAP_OK: the count of frees tells.) */
static void free_pointer(Program *program, int64_t index, OstepStep *step)
{
    uint64_t frees_before = allocator_stats(program->heap)->frees;
    HeapError error = allocator_free(program->heap, program->pointers[index].payload);
    bool freed = error == HEAP_OK && allocator_stats(program->heap)->frees > frees_before;
    *step = (OstepStep){ .kind = OSTEP_STEP_FREE, .index = index, .returned = freed ? 0 : -1,
                         .failed = !freed, .payload = program->pointers[index].payload };
    print_step(program, step);
}

/* ---- random mode ------------------------------------------------------------------ */

static int random_alloc(Program *program, PythonRandom *random)
{
    int64_t size = (int64_t)(python_random_random(random) * (double)program->flags->range) + 1;
    OstepStep step;
    int status = alloc(program, size, true, &step);
    if (status != 0)
        return status;
    if (program->pointers[step.index].recorded) {
        if (!design_reserve((void **)&program->live, &program->live_capacity, program->live_count + 1,
                  sizeof(int64_t)))
            return out_of_memory(program);
        program->live[program->live_count++] = step.index;
    }
    report_step(program, step);
    return 0;
}

static void random_free(Program *program, PythonRandom *random)
{
    uint64_t chosen = (uint64_t)(python_random_random(random) * (double)program->live_count);
    OstepStep step;
    free_pointer(program, program->live[chosen], &step);
    memmove(&program->live[chosen], &program->live[chosen + 1],
            (program->live_count - chosen - 1) * sizeof(int64_t));
    program->live_count--;
    report_step(program, step);
}

static int run_random(Program *program)
{
    PythonRandom random;
    python_random_seed(&random, &program->flags->seed);
    double percent = (double)program->flags->percent_alloc / 100.0;
    for (int64_t done = 0; done < program->flags->op_count;) {
        if (python_random_random(&random) < percent) {
            int status = random_alloc(program, &random);
            if (status != 0)
                return status;
        } else if (program->live_count > 0) {
            random_free(program, &random);
        } else {
            continue;
        }
        done++;
        if (!print_list_or_question(program, "List? "))
            return out_of_memory(program);
    }
    return 0;
}

/* ---- -A mode ------------------------------------------------------------------------- */

/* Python's int(op.split(sign)[1]): the digits between the first and second `sign`. */
static bool op_number(const char *op, size_t length, PythonInt *value)
{
    char field[128];
    const char *end = memchr(op + 1, op[0], length - 1);
    size_t field_length = (size_t)((end ? end : op + length) - (op + 1));
    if (field_length >= sizeof field)
        return false;
    memcpy(field, op + 1, field_length);
    field[field_length] = '\0';
    return python_int_parse(field, 10, value);
}

static int bad_op(Program *program, const char *op, size_t length, const char *why)
{
    char shown[80];
    snprintf(shown, sizeof shown, "%.*s", length > 60 ? 60 : (int)length, op);
    return stop(program, EXIT_BAD_INPUT, "-A op %" PRIu64 " '%s' %s", program->step_number + 1,
                shown, why);
}

static int list_alloc(Program *program, const char *op, size_t length)
{
    PythonInt number;
    int64_t size;
    if (!op_number(op, length, &number))
        return bad_op(program, op, length, "is not +SIZE with SIZE an integer");
    if (!python_int_to_int64(&number, &size) || size > OSTEP_FLAG_LIMIT || size < -OSTEP_FLAG_LIMIT)
        return bad_op(program, op, length, "asks for more than heapviz holds (+-2^50)");
    OstepStep step;
    int status = alloc(program, size, false, &step);
    if (status == 0)
        report_step(program, step);
    return status;
}

/* Returns 0, an exit status, or -1 for "skipped: print no list". */
static int list_free(Program *program, const char *op, size_t length)
{
    PythonInt number;
    int64_t index;
    if (!op_number(op, length, &number))
        return bad_op(program, op, length, "is not -INDEX with INDEX an integer");
    if (!python_int_to_int64(&number, &index) || (uint64_t)index >= program->successes) {
        OstepStep skip = { .kind = OSTEP_STEP_SKIP, .index = index };
        print_step(program, &skip);
        report_step(program, skip);
        return -1;
    }
    if (!program->pointers[index].recorded) {
        fprintf(program->out, "Free(ptr[%" PRId64 "])\n", index);
        return bad_op(program, op, length,
                      "frees a pointer whose Alloc failed (malloc.py stops here with a KeyError)");
    }
    OstepStep step;
    free_pointer(program, index, &step);
    report_step(program, step);
    return 0;
}

static int run_list(Program *program)
{
    const char *op = program->flags->alloc_list;
    for (;;) {
        const char *comma = strchr(op, ',');
        size_t length = comma ? (size_t)(comma - op) : strlen(op);
        int status;
        if (length > 0 && op[0] == '+')
            status = list_alloc(program, op, length);
        else if (length > 0 && op[0] == '-')
            status = list_free(program, op, length);
        else
            return bad_op(program, op, length, "is neither +SIZE nor -INDEX");
        if (status > 0)
            return status;
        if (status == 0 && !print_list_or_question(program, "List?"))
            return out_of_memory(program);
        if (!comma)
            return 0;
        op = comma + 1;
    }
}

/* ---- the program ------------------------------------------------------------------- */

int ostep_setup(const OstepFlags *flags, AllocatorSetup *setup, char *message, size_t size)
{
    const AllocatorDesign *design = allocator_design_find("ostep");
    AllocatorConfig *config = &setup->config;
    setup->design = design;
    *config = allocator_default_config((uint64_t)flags->size);
    if (!allocator_policy_index(design, flags->policy, &config->policy)) {
        snprintf(message, size, "-p %s: malloc.py's policies are BEST, WORST and FIRST", flags->policy);
        return EXIT_BAD_USAGE;
    }
    if (!allocator_list_order_index(design, flags->list_order, &config->list_order)) {
        snprintf(message, size, "-l %s: malloc.py's list orders are ADDRSORT, SIZESORT+, "
                                "SIZESORT-, INSERT-FRONT and INSERT-BACK", flags->list_order);
        return EXIT_BAD_USAGE;
    }
    if (flags->alignment != -1 && flags->alignment <= 0) {
        snprintf(message, size, "-a %" PRId64 ": the alignment must be -1 (none) or above 0",
                 flags->alignment);
        return EXIT_BAD_USAGE;
    }
    config->alignment = flags->alignment > 0 ? (uint64_t)flags->alignment : 0;
    config->header_bytes = (uint64_t)flags->header_size;
    config->base_address = (uint64_t)flags->base_address;
    config->coalesce = flags->coalesce;
    return 0;
}

static int run_program(Program *program)
{
    print_header(program->flags, program->out);
    if (program->flags->percent_alloc <= 0)
        return stop(program, EXIT_BAD_USAGE,
                    "-P %" PRId64 ": the percent of allocs must be above 0 (malloc.py stops here)",
                    program->flags->percent_alloc);
    return program->flags->alloc_list[0] ? run_list(program) : run_random(program);
}

int ostep_program_run(const OstepFlags *flags, FILE *out, OstepStepFn on_step, void *context,
                      char *message, size_t message_size)
{
    AllocatorSetup setup;
    int status = ostep_setup(flags, &setup, message, message_size);
    if (status != 0)
        return status;
    Program program = { .flags = flags, .out = out, .on_step = on_step, .context = context,
                        .message = message, .message_size = message_size };
    if (allocator_create(&setup, &program.heap) != HEAP_OK)
        return out_of_memory(&program);
    status = run_program(&program);
    allocator_destroy(program.heap);
    free(program.pointers);
    free(program.live);
    free(program.entries);
    return status;
}

/* ---- heapviz --headless --ostep -------------------------------------------------- */

static void write_csv_header(OutputFile *file)
{
    output_file_text(file, "step,op,index,size,returned,searched,mallocs,frees,failed,"
                           "free_blocks,free_bytes,largest_free,external_fragmentation,examined\n");
}

static void write_signed(OutputFile *file, int64_t value)
{
    if (value < 0)
        output_file_char(file, '-');
    output_file_u64(file, value < 0 ? 0 - (uint64_t)value : (uint64_t)value);
    output_file_char(file, ',');
}

/* One row per operation: what malloc.py printed, then the statistics. */
static void write_csv_row(void *context, const OstepStep *step, const Allocator *heap)
{
    static const char *const kinds[] = { "alloc,", "free,", "skip," };
    OutputFile *file = context;
    const HeapStats *stats = allocator_stats(heap);
    output_file_u64(file, step->number);
    output_file_char(file, ',');
    output_file_text(file, kinds[step->kind]);
    write_signed(file, step->index);
    write_signed(file, step->size);
    write_signed(file, step->returned);
    const uint64_t counts[] = { step->searched, stats->mallocs, stats->frees, stats->failed,
                                stats->free_blocks, stats->free_bytes, stats->largest_free };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        output_file_u64(file, counts[i]);
        output_file_char(file, ',');
    }
    output_file_double(file, stats->external_fragmentation);
    output_file_char(file, ',');
    output_file_u64(file, stats->examined);
    output_file_char(file, '\n');
}

static int fail(const char *message, int status)
{
    fprintf(stderr, "heapviz: %s\n", message);
    return status;
}

bool ostep_asks_for_help(const Options *options)
{
    OstepFlags flags;
    char message[512];
    return ostep_flags_parse(options->ostep_argc, options->ostep_argv, &flags, message, sizeof message) &&
           flags.help;
}

int ostep_headless(const Options *options)
{
    OstepFlags flags;
    char message[512];
    if (!ostep_flags_parse(options->ostep_argc, options->ostep_argv, &flags, message, sizeof message))
        return fail(message, EXIT_BAD_USAGE);
    if (flags.help) {
        fputs(ostep_flags_help(), stdout);
        return 0;
    }
    OutputFile *csv = NULL;
    if (options->csv_path && strcmp(options->csv_path, "-") == 0)
        return fail("--csv - with --ostep: standard output carries malloc.py's text; name a file",
                    EXIT_BAD_USAGE);
    if (options->csv_path && !(csv = output_file_open(options->csv_path, message, sizeof message)))
        return fail(message, EXIT_BAD_INPUT);
    if (csv)
        write_csv_header(csv);
    int status = ostep_program_run(&flags, stdout, csv ? write_csv_row : NULL, csv, message,
                                   sizeof message);
    fflush(stdout);
    if (status != 0) {
        output_file_discard(csv);
        return fail(message, status);
    }
    if (csv && !output_file_commit(csv, message, sizeof message))
        return fail(message, EXIT_BAD_INPUT);
    return 0;
}
