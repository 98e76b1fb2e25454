/*
 * ostep_flags.c - malloc.py's options through optparse's rules (see
 * ostep_flags.h). One table holds each option's short and long name, what
 * it stores and where; the parser walks the arguments the way optparse's
 * _process_args does: "--" stops, "--name[=value]" is a long option matched
 * exactly or by a unique prefix, "-xyz" is a cluster of short options where
 * one that takes a value takes the rest of the cluster or the next argument,
 * and anything else is a positional argument, which malloc.py never reads.
 */
#include "ostep_flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { STORE_INT, STORE_SEED, STORE_STRING, STORE_TRUE } StoreKind;

typedef struct {
    char short_name;
    const char *long_name;       /* without the "--" */
    StoreKind kind;
    size_t offset;               /* of the field in OstepFlags */
} FlagSpec;

#define FIELD(name) offsetof(OstepFlags, name)

static const FlagSpec FLAGS[] = {
    { 'h', "help", STORE_TRUE, FIELD(help) },
    { 's', "seed", STORE_SEED, FIELD(seed) },
    { 'S', "size", STORE_INT, FIELD(size) },
    { 'b', "baseAddr", STORE_INT, FIELD(base_address) },
    { 'H', "headerSize", STORE_INT, FIELD(header_size) },
    { 'a', "alignment", STORE_INT, FIELD(alignment) },
    { 'p', "policy", STORE_STRING, FIELD(policy) },
    { 'l', "listOrder", STORE_STRING, FIELD(list_order) },
    { 'C', "coalesce", STORE_TRUE, FIELD(coalesce) },
    { 'n', "numOps", STORE_INT, FIELD(op_count) },
    { 'r', "range", STORE_INT, FIELD(range) },
    { 'P', "percentAlloc", STORE_INT, FIELD(percent_alloc) },
    { 'A', "allocList", STORE_STRING, FIELD(alloc_list) },
    { 'c', "compute", STORE_TRUE, FIELD(compute) },
};

enum { FLAG_COUNT = sizeof FLAGS / sizeof FLAGS[0] };

typedef struct {
    OstepFlags *flags;
    char *message;
    size_t message_size;
} FlagParser;

OstepFlags ostep_flags_defaults(void)
{
    OstepFlags flags;
    memset(&flags, 0, sizeof flags);
    flags.size = 100;
    flags.base_address = 1000;
    flags.alignment = -1;
    flags.policy = "BEST";
    flags.list_order = "ADDRSORT";
    flags.op_count = 10;
    flags.range = 10;
    flags.percent_alloc = 50;
    flags.alloc_list = "";
    return flags;
}

static bool refuse(FlagParser *parser, const char *format, const char *name, const char *value)
{
    snprintf(parser->message, parser->message_size, format, name, value);
    return false;
}

/* Stores `value` (NULL for a flag) into the option's field. `name` is the
 * option as written, for messages. */
static bool store(FlagParser *parser, const FlagSpec *spec, const char *name, const char *value)
{
    char *field = (char *)parser->flags + spec->offset;
    PythonInt number;
    switch (spec->kind) {
    case STORE_TRUE:
        *(bool *)field = true;
        return true;
    case STORE_STRING:
        *(const char **)field = value;
        return true;
    case STORE_SEED:
    case STORE_INT:
        if (!python_int_parse_option(value, &number))
            return refuse(parser, "option %s: invalid integer value: '%s'", name, value);
        if (spec->kind == STORE_SEED) {
            *(PythonInt *)field = number;
            return true;
        }
        int64_t small;
        if (!python_int_to_int64(&number, &small) || small > OSTEP_FLAG_LIMIT || small < -OSTEP_FLAG_LIMIT)
            return refuse(parser, "option %s: %s is beyond what heapviz holds (+-2^50)", name, value);
        *(int64_t *)field = small;
        return true;
    }
    return false;
}

/* Sorts long names as Python sorts strings: byte by byte. */
static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* optparse's message for a prefix of several long names: "ambiguous option:
 * --s (--seed, --size?)", the candidates sorted. */
static void say_ambiguous(FlagParser *parser, const char *name, size_t length)
{
    const char *candidates[FLAG_COUNT];
    int count = 0;
    for (int i = 0; i < FLAG_COUNT; i++)
        if (strncmp(FLAGS[i].long_name, name, length) == 0)
            candidates[count++] = FLAGS[i].long_name;
    qsort(candidates, (size_t)count, sizeof candidates[0], compare_names);
    int used = snprintf(parser->message, parser->message_size, "ambiguous option: --%.*s (",
                        (int)length, name);
    for (int i = 0; i < count && used >= 0 && (size_t)used < parser->message_size; i++)
        used += snprintf(parser->message + used, parser->message_size - (size_t)used, "%s--%s%s",
                         i ? ", " : "", candidates[i], i + 1 == count ? "?)" : "");
}

/* optparse's _match_abbrev: an exact long name, else the one it is a prefix of. */
static bool find_long(FlagParser *parser, const char *name, size_t length, const FlagSpec **found)
{
    int matches = 0;
    for (int i = 0; i < FLAG_COUNT; i++) {
        if (strncmp(FLAGS[i].long_name, name, length) != 0)
            continue;
        if (strlen(FLAGS[i].long_name) == length) {
            *found = &FLAGS[i];
            return true;
        }
        *found = &FLAGS[i];
        matches++;
    }
    if (matches == 1)
        return true;
    if (matches)
        say_ambiguous(parser, name, length);
    else
        snprintf(parser->message, parser->message_size, "no such option: --%.*s", (int)length, name);
    return false;
}

/* "--name", "--name=value" or "--name value"; *used counts the arguments taken. */
static bool parse_long(FlagParser *parser, int remaining, char **argv, int *used)
{
    const char *name = argv[0] + 2;
    const char *equals = strchr(name, '=');
    size_t length = equals ? (size_t)(equals - name) : strlen(name);
    const FlagSpec *spec;
    *used = 1;
    if (!find_long(parser, name, length, &spec))
        return false;
    char written[64];
    snprintf(written, sizeof written, "--%s", spec->long_name);
    if (spec->kind == STORE_TRUE)
        return equals ? refuse(parser, "%s option does not take a value%s", written, "")
                      : store(parser, spec, written, NULL);
    if (equals)
        return store(parser, spec, written, equals + 1);
    if (remaining < 2)
        return refuse(parser, "%s option requires 1 argument%s", written, "");
    *used = 2;
    return store(parser, spec, written, argv[1]);
}

static const FlagSpec *find_short(char letter)
{
    for (int i = 0; i < FLAG_COUNT; i++)
        if (FLAGS[i].short_name == letter)
            return &FLAGS[i];
    return NULL;
}

/* "-abc": flags until one takes a value, which is the rest or the next argument. */
static bool parse_cluster(FlagParser *parser, int remaining, char **argv, int *used)
{
    *used = 1;
    for (const char *letter = argv[0] + 1; *letter; letter++) {
        char written[3] = { '-', *letter, '\0' };
        const FlagSpec *spec = find_short(*letter);
        if (!spec)
            return refuse(parser, "no such option: %s%s", written, "");
        if (spec->kind == STORE_TRUE) {
            store(parser, spec, written, NULL);
            if (parser->flags->help)
                return true;  /* optparse prints the help as soon as it meets -h */
            continue;
        }
        if (letter[1])
            return store(parser, spec, written, letter + 1);
        if (remaining < 2)
            return refuse(parser, "%s option requires 1 argument%s", written, "");
        *used = 2;
        return store(parser, spec, written, argv[1]);
    }
    return true;
}

bool ostep_flags_parse(int argc, char **argv, OstepFlags *flags, char *message, size_t message_size)
{
    FlagParser parser = { .flags = flags, .message = message, .message_size = message_size };
    *flags = ostep_flags_defaults();
    for (int i = 0; i < argc;) {
        const char *argument = argv[i];
        int used = 1;
        bool ok = true;
        if (strcmp(argument, "--") == 0)
            break;
        if (strncmp(argument, "--", 2) == 0)
            ok = parse_long(&parser, argc - i, argv + i, &used);
        else if (argument[0] == '-' && argument[1] != '\0')
            ok = parse_cluster(&parser, argc - i, argv + i, &used);
        if (!ok)
            return false;
        if (flags->help)
            return true;
        i += used;
    }
    return true;
}

const char *ostep_flags_help(void)
{
    return "Usage: malloc.py [options]\n"
           "\n"
           "Options:\n"
           "  -h, --help            show this help message and exit\n"
           "  -s SEED, --seed=SEED  the random seed\n"
           "  -S HEAPSIZE, --size=HEAPSIZE\n"
           "                        size of the heap\n"
           "  -b BASEADDR, --baseAddr=BASEADDR\n"
           "                        base address of heap\n"
           "  -H HEADERSIZE, --headerSize=HEADERSIZE\n"
           "                        size of the header\n"
           "  -a ALIGNMENT, --alignment=ALIGNMENT\n"
           "                        align allocated units to size; -1->no align\n"
           "  -p POLICY, --policy=POLICY\n"
           "                        list search (BEST, WORST, FIRST)\n"
           "  -l ORDER, --listOrder=ORDER\n"
           "                        list order (ADDRSORT, SIZESORT+, SIZESORT-, INSERT-\n"
           "                        FRONT, INSERT-BACK)\n"
           "  -C, --coalesce        coalesce the free list?\n"
           "  -n OPSNUM, --numOps=OPSNUM\n"
           "                        number of random ops to generate\n"
           "  -r OPSRANGE, --range=OPSRANGE\n"
           "                        max alloc size\n"
           "  -P OPSPALLOC, --percentAlloc=OPSPALLOC\n"
           "                        percent of ops that are allocs\n"
           "  -A OPSLIST, --allocList=OPSLIST\n"
           "                        instead of random, list of ops (+10,-0,etc)\n"
           "  -c, --compute         compute answers for me\n";
}
