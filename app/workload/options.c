/*
 * options.c - the command line (see options.h).
 *
 * One table lists every option: its name, what kind of value it takes and
 * where in Options the value goes, with the range a number must fall in.
 * Numbers, flags and paths are handled by the table alone; the few options
 * with their own vocabulary (--stats, --view, --p-malloc) have a small
 * parser each. --allocator, --policy and --compare are kept as written and
 * read in `finish`, after all arguments, since a policy means something
 * only in its design: finish also checks the rules that join several options
 * and fills in the defaults that depend on others.
 */
#include "options.h"
#include "number.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_SLOTS = 1 << 22,
    MAX_PAGE_SIZE = 1 << 16,
    MIN_HEAP_BYTES = 64,
    MAX_HISTORY_MB = 1 << 20,
    MIN_ALIGNMENT = 4,
    MAX_ALIGNMENT = 64,
    MAX_NAME = 64,               /* longest design or policy name */
    MAX_FPS = 60,
    MIN_WINDOW_SIDE = 200,
    MAX_WINDOW_SIDE = 8192
};
#define MAX_STEPS ((uint64_t)UINT32_MAX) /* step numbers fit in 32 bits */
#define MAX_HEAP_BYTES OPTIONS_MAX_HEAP_BYTES
#define MAX_REQUEST_PAGES (UINT64_C(1) << 32)

typedef enum { KIND_FLAG, KIND_NUMBER, KIND_PATH, KIND_WORD } OptionKind;

typedef struct Parser Parser;

typedef struct {
    const char *name;            /* with the leading "--" */
    OptionKind kind;
    size_t offset;               /* of the bool, uint64_t or const char * in Options */
    uint64_t min, max;           /* KIND_NUMBER: the accepted range */
    bool (*parse_word)(Parser *parser, const char *value);  /* KIND_WORD */
} OptionSpec;

struct Parser {
    Options *options;
    char *message;
    size_t message_size;
    bool given[48];              /* per table entry: seen on the command line */
    const OptionSpec *spec;      /* the option being parsed */
    const char *design_name;     /* --allocator, as written (NULL: the default) */
    const char *policy_name;     /* --policy, as written */
    const char *list_order_name; /* --free-list, as written */
    const char *compare_list;    /* --compare, as written */
};

static bool refuse(Parser *parser, const char *format, const char *value)
{
    char accepts[200];
    snprintf(accepts, sizeof accepts, format, value);
    snprintf(parser->message, parser->message_size, "%s %s", parser->spec->name, accepts);
    return false;
}

/* --allocator, --policy and --compare: kept until finish knows the design. */
static bool keep_design(Parser *parser, const char *value)
{
    parser->design_name = value;
    return true;
}

static bool keep_policy(Parser *parser, const char *value)
{
    parser->policy_name = value;
    return true;
}

static bool keep_list_order(Parser *parser, const char *value)
{
    parser->list_order_name = value;
    return true;
}

static bool keep_compare(Parser *parser, const char *value)
{
    parser->compare_list = value;
    return true;
}

static bool parse_stats(Parser *parser, const char *value)
{
    if (strcmp(value, "text") == 0 || strcmp(value, "json") == 0) {
        parser->options->stats = value[0] == 't' ? STATS_TEXT : STATS_JSON;
        return true;
    }
    return refuse(parser, "takes text or json, not '%s'", value);
}

static bool parse_view(Parser *parser, const char *value)
{
    if (strcmp(value, "classic") == 0 || strcmp(value, "detail") == 0) {
        parser->options->detail_view = value[0] == 'd';
        return true;
    }
    return refuse(parser, "takes classic or detail, not '%s'", value);
}

static bool parse_probability(Parser *parser, const char *value)
{
    double p;
    if (number_parse_fraction(value, 1.0, &p) != NUMBER_OK)
        return refuse(parser, "takes a probability from 0 to 1 (such as 0.3), not '%s'", value);
    parser->options->sim.p_malloc = p;
    return true;
}

/* --scale F: a projector's text and lines, F times their usual size. */
static bool parse_scale(Parser *parser, const char *value)
{
    double scale;
    if (number_parse_fraction(value, OPTIONS_MAX_SCALE, &scale) != NUMBER_OK || scale < OPTIONS_MIN_SCALE)
        return refuse(parser, "takes a factor from 0.5 to 4 (such as 1.5), not '%s'", value);
    parser->options->scale = scale;
    return true;
}

/* --size WIDTHxHEIGHT, in window points. */
static bool parse_size(Parser *parser, const char *value)
{
    char *end = NULL;
    unsigned long long width = strtoull(value, &end, 10), height = 0;
    bool ok = end != value && (*end == 'x' || *end == 'X') && end[1] >= '0' && end[1] <= '9';
    if (ok) {
        const char *at = end + 1;
        height = strtoull(at, &end, 10);
        ok = *end == '\0' && width >= MIN_WINDOW_SIDE && width <= MAX_WINDOW_SIDE &&
             height >= MIN_WINDOW_SIDE && height <= MAX_WINDOW_SIDE;
    }
    if (!ok || value[0] < '0' || value[0] > '9')
        return refuse(parser, "takes WIDTHxHEIGHT in points, each from 200 to 8192 (such as 1920x1080), not '%s'",
                      value);
    parser->options->window_width = width;
    parser->options->window_height = height;
    return true;
}

#define FIELD(name) offsetof(Options, name)
static const OptionSpec OPTIONS[] = {
    {"--headless", KIND_FLAG, FIELD(headless), 0, 0, NULL},
    {"--seed", KIND_NUMBER, FIELD(sim.seed), 0, UINT64_MAX, NULL},
    {"--steps", KIND_NUMBER, FIELD(sim.steps), 1, MAX_STEPS, NULL},
    {"--slots", KIND_NUMBER, FIELD(sim.slots), 1, MAX_SLOTS, NULL},
    {"--p-malloc", KIND_WORD, 0, 0, 0, parse_probability},
    {"--min-request", KIND_NUMBER, FIELD(sim.min_request_pages), 1, MAX_REQUEST_PAGES, NULL},
    {"--max-request", KIND_NUMBER, FIELD(sim.max_request_pages), 1, MAX_REQUEST_PAGES, NULL},
    {"--page-size", KIND_NUMBER, FIELD(sim.page_size), 1, MAX_PAGE_SIZE, NULL},
    {"--heap-pages", KIND_NUMBER, FIELD(sim.heap_pages), 1, MAX_HEAP_BYTES, NULL},
    {"--heap-bytes", KIND_NUMBER, FIELD(heap.config.heap_bytes), MIN_HEAP_BYTES, MAX_HEAP_BYTES, NULL},
    {"--trace", KIND_PATH, FIELD(trace_path), 0, 0, NULL},
    {"--allocator", KIND_WORD, 0, 0, 0, keep_design},
    {"--policy", KIND_WORD, 0, 0, 0, keep_policy},
    {"--align", KIND_NUMBER, FIELD(heap.config.alignment), MIN_ALIGNMENT, MAX_ALIGNMENT, NULL},
    {"--min-payload", KIND_NUMBER, FIELD(heap.config.min_payload), 1, MAX_PAGE_SIZE, NULL},
    {"--chunk-bytes", KIND_NUMBER, FIELD(heap.config.chunk_bytes), 8, MAX_HEAP_BYTES, NULL},
    {"--free-list", KIND_WORD, 0, 0, 0, keep_list_order},
    {"--stats", KIND_WORD, 0, 0, 0, parse_stats},
    {"--blocks", KIND_PATH, FIELD(blocks_path), 0, 0, NULL},
    {"--record", KIND_PATH, FIELD(record_path), 0, 0, NULL},
    {"--csv", KIND_PATH, FIELD(csv_path), 0, 0, NULL},
    {"--compare", KIND_WORD, 0, 0, 0, keep_compare},
    {"--screenshot", KIND_PATH, FIELD(screenshot_path), 0, 0, NULL},
    {"--export", KIND_PATH, FIELD(export_path), 0, 0, NULL},
    {"--from", KIND_NUMBER, FIELD(export_from), 0, UINT64_MAX, NULL},
    {"--to", KIND_NUMBER, FIELD(export_to), 0, UINT64_MAX, NULL},
    {"--fps", KIND_NUMBER, FIELD(export_fps), 1, MAX_FPS, NULL},
    {"--every", KIND_NUMBER, FIELD(export_every), 1, MAX_STEPS, NULL},
    {"--size", KIND_WORD, 0, 0, 0, parse_size},
    {"--scale", KIND_WORD, 0, 0, 0, parse_scale},
    {"--view", KIND_WORD, 0, 0, 0, parse_view},
    {"--search-steps", KIND_FLAG, FIELD(search_steps), 0, 0, NULL},
    {"--structure", KIND_FLAG, FIELD(structure), 0, 0, NULL},
    {"--quiz", KIND_FLAG, FIELD(quiz), 0, 0, NULL},
    {"--lesson", KIND_PATH, FIELD(lesson_name), 0, 0, NULL},
    {"--at-step", KIND_NUMBER, FIELD(at_step), 0, UINT64_MAX, NULL},
    {"--capture", KIND_PATH, FIELD(capture_path), 0, 0, NULL},
    {"--capture-children", KIND_FLAG, FIELD(capture_children), 0, 0, NULL},
    {"--font", KIND_PATH, FIELD(font_path), 0, 0, NULL},
    {"--history-mb", KIND_NUMBER, FIELD(history_mb), 1, MAX_HISTORY_MB, NULL},
    {"--help", KIND_FLAG, FIELD(show_help), 0, 0, NULL},
    {"--version", KIND_FLAG, FIELD(show_version), 0, 0, NULL},
};
#undef FIELD
enum { OPTION_COUNT = sizeof OPTIONS / sizeof OPTIONS[0] };

static bool parse_number(Parser *parser, const char *value)
{
    const OptionSpec *spec = parser->spec;
    uint64_t number = 0;
    bool ok = number_parse_text(value, spec->max, &number) == NUMBER_OK && number >= spec->min;
    bool power_of_two = (number & (number - 1)) == 0;
    if (spec->offset == offsetof(Options, heap.config.alignment) && !(ok && power_of_two)) {
        char accepts[96];
        snprintf(accepts, sizeof accepts, "takes a power of two from %d to %d, not '%%s'",
                 MIN_ALIGNMENT, MAX_ALIGNMENT);
        return refuse(parser, accepts, value);
    }
    if (!ok) {
        char accepts[96];
        snprintf(accepts, sizeof accepts, "takes a whole number from %llu to %llu, not '%%s'",
                 (unsigned long long)spec->min, (unsigned long long)spec->max);
        return refuse(parser, accepts, value);
    }
    *(uint64_t *)((char *)parser->options + spec->offset) = number;
    return true;
}

static bool apply(Parser *parser, const char *value)
{
    const OptionSpec *spec = parser->spec;
    char *field = (char *)parser->options + spec->offset;
    switch (spec->kind) {
    case KIND_FLAG:
        *(bool *)field = true;
        return true;
    case KIND_PATH:
        if (*value == '\0')
            return refuse(parser, "takes a file name, not '%s'", value);
        *(const char **)field = value;
        return true;
    case KIND_NUMBER:
        return parse_number(parser, value);
    case KIND_WORD:
        return spec->parse_word(parser, value);
    }
    return false;
}

static const OptionSpec *find_option(const char *argument, size_t length)
{
    for (int i = 0; i < OPTION_COUNT; i++)
        if (strlen(OPTIONS[i].name) == length && strncmp(OPTIONS[i].name, argument, length) == 0)
            return &OPTIONS[i];
    return NULL;
}

/* One argument (and its value, the next argument or after '='); *used is
 * how many arguments it took. */
static bool parse_argument(Parser *parser, int remaining, char **argv, int *used)
{
    const char *argument = argv[0];
    const char *equals = strchr(argument, '=');
    size_t length = equals ? (size_t)(equals - argument) : strlen(argument);
    parser->spec = find_option(argument, length);
    *used = 1;
    if (!parser->spec) {
        snprintf(parser->message, parser->message_size, "%s '%s' (see heapviz --help)",
                 argument[0] == '-' ? "unknown option" : "unexpected argument", argument);
        return false;
    }
    parser->given[parser->spec - OPTIONS] = true;
    if (parser->spec->kind == KIND_FLAG) {
        if (equals)
            return refuse(parser, "takes no value, not '%s'", equals + 1);
        return apply(parser, NULL);
    }
    if (equals)
        return apply(parser, equals + 1);
    if (remaining < 2)
        return refuse(parser, "needs a value (see heapviz --help)%s", "");
    *used = 2;
    return apply(parser, argv[1]);
}

static bool given(const Parser *parser, const char *name)
{
    return parser->given[find_option(name, strlen(name)) - OPTIONS];
}

static bool conflict(Parser *parser, const char *message)
{
    snprintf(parser->message, parser->message_size, "%s", message);
    return false;
}

/* One sentence naming the design's policies, after `prefix`. */
static bool refuse_policy(Parser *parser, const char *option, const AllocatorDesign *design,
                          const char *value)
{
    char policies[200];
    allocator_policy_list(design, policies, sizeof policies);
    snprintf(parser->message, parser->message_size, "%s takes a policy of the %s allocator (%s), not '%s'",
             option, design->name, policies, value);
    return false;
}

static bool refuse_design(Parser *parser, const char *option, const char *value)
{
    char names[200] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < allocator_design_count() && used < sizeof names; i++) {
        int wrote = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                             allocator_design_at(i)->name);
        used += wrote > 0 ? (size_t)wrote : 0;
    }
    snprintf(parser->message, parser->message_size, "%s takes an allocator design (%s), not '%s'",
             option, names, value);
    return false;
}

/* One --compare token: DESIGN:POLICY, a policy of the current design, or a
 * design (its default policy). */
static bool resolve_pane(Parser *parser, const char *token, DesignPolicy *pane)
{
    const AllocatorDesign *current = parser->options->heap.design;
    const char *colon = strchr(token, ':');
    if (colon) {
        char name[MAX_NAME];
        size_t length = (size_t)(colon - token);
        if (length >= sizeof name)
            return refuse_design(parser, "--compare", token);
        memcpy(name, token, length);
        name[length] = '\0';
        pane->design = allocator_design_find(name);
        if (!pane->design)
            return refuse_design(parser, "--compare", name);
        if (!allocator_policy_index(pane->design, colon + 1, &pane->policy))
            return refuse_policy(parser, "--compare", pane->design, colon + 1);
        return true;
    }
    pane->design = current;
    if (allocator_policy_index(current, token, &pane->policy))
        return true;
    pane->design = allocator_design_find(token);
    pane->policy = 0;
    return pane->design != NULL || refuse_policy(parser, "--compare", current, token);
}

/* --compare's list is malformed: one sentence with what it takes. */
static bool refuse_compare(Parser *parser)
{
    char policies[200];
    allocator_policy_list(parser->options->heap.design, policies, sizeof policies);
    snprintf(parser->message, parser->message_size,
             "--compare takes 2 to 6 different panes separated by commas, each DESIGN:POLICY or a policy "
             "of the %s allocator (%s), not '%s'",
             parser->options->heap.design->name, policies, parser->compare_list);
    return false;
}

/* --compare: 2 to OPTIONS_MAX_COMPARE different panes, comma separated. */
static bool resolve_compare(Parser *parser)
{
    Options *options = parser->options;
    const char *at = parser->compare_list;
    for (;;) {
        char token[2 * MAX_NAME];
        size_t length = strcspn(at, ",");
        if (length == 0 || length >= sizeof token || options->compare_count == OPTIONS_MAX_COMPARE)
            return refuse_compare(parser);
        memcpy(token, at, length);
        token[length] = '\0';
        DesignPolicy pane;
        if (!resolve_pane(parser, token, &pane))
            return false;
        for (uint32_t i = 0; i < options->compare_count; i++)
            if (options->compare[i].design == pane.design && options->compare[i].policy == pane.policy)
                return refuse_compare(parser);
        options->compare[options->compare_count++] = pane;
        if (at[length] == '\0')
            return options->compare_count >= 2 || refuse_compare(parser);
        at += length + 1;
    }
}

/* --free-list: one of the design's list orders, for a design that has them. */
static bool resolve_list_order(Parser *parser)
{
    const AllocatorDesign *design = parser->options->heap.design;
    if (allocator_list_order_index(design, parser->list_order_name,
                                   &parser->options->heap.config.list_order))
        return true;
    char orders[200] = "";
    for (uint32_t i = 0; design->list_orders && design->list_orders[i]; i++) {
        strcat(orders, i ? " or " : "");
        strncat(orders, design->list_orders[i], sizeof orders - strlen(orders) - 1);
    }
    if (!design->list_orders)
        snprintf(parser->message, parser->message_size,
                 "--free-list goes with a design that orders its free list (the %s allocator has no "
                 "list order)", design->name);
    else
        snprintf(parser->message, parser->message_size,
                 "--free-list takes a list order of the %s allocator (%s), not '%s'", design->name,
                 orders, parser->list_order_name);
    return false;
}

/* --ostep runs the ostep design, with malloc.py's own flags for its
 * configuration: heapviz's options that would set either are refused. */
static bool check_ostep(Parser *parser)
{
    static const char *const refused[] = { "--allocator", "--policy", "--free-list", "--trace", "--capture",
                                           "--heap-bytes", "--heap-pages", "--align", "--min-payload", NULL };
    for (int i = 0; refused[i]; i++) {
        if (given(parser, refused[i])) {
            snprintf(parser->message, parser->message_size,
                     "%s does not go with --ostep: malloc.py's own flags after --ostep set up its heap "
                     "(-S, -b, -H, -a, -p, -l, -C) and its operations (-s, -n, -r, -P, -A)", refused[i]);
            return false;
        }
    }
    parser->options->heap.design = allocator_design_find("ostep");
    return true;
}

/* --allocator, then --policy in that design, then --compare. */
static bool resolve_allocator(Parser *parser)
{
    Options *options = parser->options;
    if (options->ostep && !check_ostep(parser))
        return false;
    if (options->ostep && parser->compare_list && !resolve_compare(parser))
        return false;
    for (uint32_t i = 0; options->ostep && i < options->compare_count; i++)
        if (options->compare[i].design != options->heap.design)
            return conflict(parser, "--compare with --ostep takes malloc.py's policies: BEST, WORST and FIRST");
    if (options->ostep)
        return true;
    if (parser->design_name) {
        options->heap.design = allocator_design_find(parser->design_name);
        if (!options->heap.design)
            return refuse_design(parser, "--allocator", parser->design_name);
    }
    if (parser->policy_name &&
        !allocator_policy_index(options->heap.design, parser->policy_name, &options->heap.config.policy))
        return refuse_policy(parser, "--policy", options->heap.design, parser->policy_name);
    if (parser->list_order_name && !resolve_list_order(parser))
        return false;
    return !parser->compare_list || resolve_compare(parser);
}

/* --capture FILE -- PROGRAM [ARGS...]: the program comes with --capture only. */
static bool finish_capture(Parser *parser)
{
    const Options *options = parser->options;
    bool has_program = options->capture_program && options->capture_program[0];
    if (options->capture_path && !has_program)
        return conflict(parser, "--capture needs the program to run after '--' "
                                "(heapviz --capture FILE -- PROGRAM [ARGS...])");
    if (options->capture_program && !options->capture_path)
        return conflict(parser, "'--' and a program to run go with --capture FILE");
    if (options->capture_children && !options->capture_path)
        return conflict(parser, "--capture-children goes with --capture FILE");
    if (options->capture_path && options->trace_path)
        return conflict(parser, "--capture and --trace both choose the trace; give one");
    return true;
}

/* The rules of --export and the options that only go with it. */
static bool check_export(Parser *parser)
{
    const Options *options = parser->options;
    bool ranged = given(parser, "--from") || given(parser, "--to") || given(parser, "--fps") ||
                  given(parser, "--every");
    if (!options->export_path)
        return !ranged || conflict(parser, "--from, --to, --fps and --every go with --export");
    if (options->screenshot_path || options->headless || options->csv_path || options->record_path ||
        options->blocks_path || given(parser, "--stats"))
        return conflict(parser, "--export renders the window's frames; it cannot be combined with "
                                "--screenshot, --headless, --stats, --csv, --record or --blocks");
    if (given(parser, "--at-step"))
        return conflict(parser, "--export takes --from and --to, not --at-step");
    if (given(parser, "--to") && options->export_from > options->export_to) {
        snprintf(parser->message, parser->message_size, "--from %llu is after --to %llu",
                 (unsigned long long)options->export_from, (unsigned long long)options->export_to);
        return false;
    }
    return true;
}

/* The rules that join options, then the defaults that depend on others. */
static bool finish(Parser *parser)
{
    Options *options = parser->options;
    SimParams *sim = &options->sim;
    if (!resolve_allocator(parser))
        return false;
    if (!check_export(parser))
        return false;
    options->export_to_given = given(parser, "--to");
    if (given(parser, "--heap-bytes") && given(parser, "--heap-pages"))
        return conflict(parser, "--heap-bytes and --heap-pages both set the heap size; give one");
    if (options->compare_count > 0 && given(parser, "--policy"))
        return conflict(parser, "--policy and --compare both choose the policy; give one");
    if (options->compare_count > 0 && (options->blocks_path || options->record_path || options->csv_path))
        return conflict(parser, "--blocks, --record and --csv describe one heap; they cannot be "
                                "combined with --compare");
    if (!finish_capture(parser))
        return false;
    if (options->heap.config.chunk_bytes % 8 != 0) {
        snprintf(parser->message, parser->message_size,
                 "--chunk-bytes takes a multiple of 8 (CS:APP's CHUNKSIZE), not %llu",
                 (unsigned long long)options->heap.config.chunk_bytes);
        return false;
    }
    if (sim->min_request_pages > sim->max_request_pages) {
        snprintf(parser->message, parser->message_size,
                 "--min-request (%llu pages) must not exceed --max-request (%llu pages)",
                 (unsigned long long)sim->min_request_pages,
                 (unsigned long long)sim->max_request_pages);
        return false;
    }
    if (!given(parser, "--slots"))
        sim->slots = sim->steps / 4 > MAX_SLOTS ? MAX_SLOTS : (sim->steps >= 4 ? sim->steps / 4 : 1);
    if (given(parser, "--heap-pages")) {
        if (sim->heap_pages > MAX_HEAP_BYTES / sim->page_size ||
            sim->heap_pages * sim->page_size < MIN_HEAP_BYTES) {
            snprintf(parser->message, parser->message_size,
                     "--heap-pages %llu of %llu bytes gives a heap outside %d to %llu bytes",
                     (unsigned long long)sim->heap_pages, (unsigned long long)sim->page_size,
                     MIN_HEAP_BYTES, (unsigned long long)MAX_HEAP_BYTES);
            return false;
        }
        options->heap.config.heap_bytes = sim->heap_pages * sim->page_size;
    }
    options->heap_size_given = given(parser, "--heap-bytes") || given(parser, "--heap-pages");
    if (options->ostep && options->headless && given(parser, "--stats"))
        return conflict(parser, "--stats with --headless --ostep: standard output carries malloc.py's "
                                "text; --csv FILE gives the statistics, examined among them, per operation");
    if (options->headless && !options->ostep && options->stats == STATS_NONE &&
        !(options->blocks_path && strcmp(options->blocks_path, "-") == 0))
        options->stats = STATS_TEXT;
    options->at_step_given = given(parser, "--at-step");
    return true;
}

Options options_defaults(void)
{
    Options options;
    memset(&options, 0, sizeof options);
    options.sim = sim_default_params();
    options.heap = (AllocatorSetup){ allocator_default_design(), allocator_default_config(0) };
    options.stats = STATS_NONE;
    options.history_mb = 256;
    options.export_fps = 10;
    options.export_every = 1;
    options.window_width = 1280;
    options.scale = 1.0;
    options.window_height = 800;
    return options;
}

bool options_parse(int argc, char **argv, Options *options, char *message, size_t message_size)
{
    Parser parser = {.options = options, .message = message, .message_size = message_size};
    _Static_assert(OPTION_COUNT <= sizeof parser.given / sizeof parser.given[0], "given[] too small");
    *options = options_defaults();
    for (int i = 1; i < argc;) {
        int used;
        if (strcmp(argv[i], "--ostep") == 0) {  /* the rest is malloc.py's (ostep_flags.h) */
            options->ostep = true;
            options->ostep_argc = argc - i - 1;
            options->ostep_argv = argv + i + 1;
            break;
        }
        if (strcmp(argv[i], "--") == 0) {
            options->capture_program = argv + i + 1;
            break;
        }
        if (!parse_argument(&parser, argc - i, argv + i, &used))
            return false;
        i += used;
    }
    return finish(&parser);
}

const char *options_usage(void)
{
    return
        "usage: heapviz [OPTION]...\n"
        "       heapviz [OPTION]... --capture FILE -- PROGRAM [ARGS...]\n"
        "Shows a heap allocator at work; with --headless, runs without a window and reports.\n"
        "\n"
        "Workload (default: the random request simulation):\n"
        "  --seed N             simulation seed (0)\n"
        "  --steps N            simulation steps (100)\n"
        "  --slots N            request slots (steps / 4)\n"
        "  --p-malloc P         probability that a step mallocs (0.3)\n"
        "  --min-request PAGES  smallest request, in pages (1)\n"
        "  --max-request PAGES  largest request, in pages, inclusive (1023)\n"
        "  --page-size BYTES    page size (4)\n"
        "  --trace FILE|NAME    replay a CS:APP .rep trace or an OSTEP op list instead;\n"
    "                       NAME picks a shipped scenario: lisp-seed, coalescing,\n"
    "                       best-beats-first, first-beats-best, next-fit-rover, bump-dead;\n"
    "                       an OSTEP list may also be given itself: --trace \"+3,-0,+5\"\n"
        "  --capture FILE -- PROGRAM [ARGS...]\n"
        "                       run PROGRAM, record its malloc calls as the trace FILE\n"
        "                       (glibc's addresses in FILE.addr), then show or replay it\n"
        "  --capture-children   also capture the programs it forks and execs (FILE.PID)\n"
        "  --ostep [MALLOC.PY FLAGS]\n"
        "                       OSTEP's malloc.py: everything after --ostep is its own\n"
        "                       flags (-s -S -b -H -a -p -l -C -n -r -P -A -c); the window\n"
        "                       shows its run; with --headless the output is malloc.py's,\n"
        "                       byte for byte\n"
        "\n"
        "Heap:\n"
        "  --heap-pages N       heap size in pages (8192)\n"
        "  --heap-bytes N       heap size in bytes (20 MiB with --trace)\n"
        "  --allocator NAME     the allocator design (tags); the designs are listed below\n"
        "  --policy NAME        a policy of the design; tags: first-fit, next-fit,\n"
        "                       best-fit, worst-fit or bump (its first policy)\n"
        "  --align A            alignment, a power of two from 4 to 64 (8)\n"
        "  --min-payload M      smallest payload a block holds, bytes (8)\n"
        "  --chunk-bytes N      CS:APP designs: CHUNKSIZE, how far the heap grows at\n"
        "                       least when no block fits, a multiple of 8 (4096)\n"
        "  --free-list ORDER    csapp-explicit: lifo or address (lifo)\n"
        "  --compare P1,P2[,..] 2 to 6 panes side by side on the same workload: each\n"
        "                       DESIGN:POLICY, a policy of --allocator, or a DESIGN\n"
        "\n"
        "Output:\n"
        "  --headless           run without a window and report\n"
        "  --stats text|json    statistics at the end (headless default: text)\n"
        "  --blocks FILE|-      the block list: OFFSET SIZE used|free|dead per line\n"
        "  --record FILE        the operations issued, as a trace that replays identically\n"
        "  --csv FILE           one row of statistics per step\n"
        "  --at-step N          stop at step N (0: the initial heap)\n"
        "  --screenshot FILE    render one frame to a PNG and exit\n"
        "  --export FILE        render steps --from N (0) to --to M (the end) to FILE.gif,\n"
        "                       .mp4 or .webm, --fps F frames a second (10), a frame every\n"
        "                       --every K steps (1); the last frame stays one second\n"
        "  --size WxH           window size in points, also of screenshots and exports (1280x800)\n"
        "  --scale F            text and lines F times their size, for a projector, 0.5 to 4\n"
        "                       (1; also in screenshots and exports; [ and ] change it)\n"
    "  --view classic|detail  how the window starts: cell shades, or tags and payloads (classic)\n"
        "  --font FILE          TrueType font for the window\n"
        "  --history-mb N       memory for stepping backwards, MiB (256)\n"
        "  --search-steps       a step forward shows its search one examined block a press\n"
        "  --structure          start with the free list and markers drawn (key f)\n"
        "  --quiz               ask before each malloc and free what it will do (key p)\n"
        "  --lesson NAME|list   open a guided lesson (assets/lessons/NAME.lesson); list them\n"
        "  --help, --version\n"
        "\n"
        "Exit status: 0 success, 1 bad input (trace, output file, no display), 2 bad usage,\n"
        "130/143 interrupted (SIGINT/SIGTERM).\n";
}

void options_print_designs(FILE *out)
{
    fputs("\nAllocator designs (--allocator NAME; the first policy is the default):\n", out);
    for (uint32_t i = 0; i < allocator_design_count(); i++) {
        const AllocatorDesign *design = allocator_design_at(i);
        char policies[200];
        allocator_policy_list(design, policies, sizeof policies);
        fprintf(out, "  %-18s %s\n  %-18s policies: %s\n", design->name, design->summary, "", policies);
    }
}

bool options_at_step_fits(const Options *options, uint64_t steps, char *message, size_t message_size)
{
    if (!options->at_step_given || options->at_step <= steps)
        return true;
    snprintf(message, message_size, "--at-step %llu is past the end of the run, which has %llu steps",
             (unsigned long long)options->at_step, (unsigned long long)steps);
    return false;
}
