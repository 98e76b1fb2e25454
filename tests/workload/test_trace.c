/*
 * test_trace.c - both trace parsers on valid input, each kind of malformed
 * input with its exact message and line, writing and reading back, and
 * random bytes that must never crash the parser.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Trace *parse_ok(const char *text)
{
    char message[512] = "";
    Trace *trace = NULL;
    bool ok = trace_parse(text, strlen(text), "dir/t.rep", &trace, message, sizeof message);
    if (!ok)
        fail_msg("unexpected parse error: %s", message);
    return trace;
}

/* Parses `text` and asserts it fails with exactly `expected`. */
static void parse_fails(const char *text, const char *expected)
{
    char message[512] = "";
    Trace *trace = NULL;
    assert_false(trace_parse(text, strlen(text), "t.rep", &trace, message, sizeof message));
    assert_null(trace);
    assert_string_equal(message, expected);
}

static void assert_op(const Op *op, OpKind kind, uint32_t id, uint64_t bytes, uint32_t line)
{
    assert_int_equal(op->kind, kind);
    assert_int_equal(op->id, id);
    assert_int_equal(op->bytes, bytes);
    assert_int_equal(op->line, line);
}

/* ---- valid input ---------------------------------------------------------- */

static void rep_header_and_operations(void **state)
{
    (void)state;
    Trace *trace = parse_ok("20000\n2\n5\n1\na 0 2040\na 1 2040\nr 0 48\nf 1\nf 0\n");
    assert_int_equal(trace->suggested_heap, 20000);
    assert_int_equal(trace->id_count, 2);
    assert_int_equal(trace->op_count, 5);
    assert_int_equal(trace->weight, 1);
    assert_string_equal(trace->name, "t.rep");
    assert_op(&trace->ops[0], OP_MALLOC, 0, 2040, 5);
    assert_op(&trace->ops[2], OP_REALLOC, 0, 48, 7);
    assert_op(&trace->ops[4], OP_FREE, 0, 0, 9);
    trace_destroy(trace);
}

static void rep_accepts_blank_lines_crlf_compaction_and_one_line_header(void **state)
{
    (void)state;
    Trace *trace = parse_ok("100 1 3 1\r\n\r\n  a 0 8\r\nc\r\n\tf   0  \r\n");
    assert_int_equal(trace->op_count, 3);
    assert_op(&trace->ops[0], OP_MALLOC, 0, 8, 3);
    assert_op(&trace->ops[1], OP_COMPACT, 0, 0, 4);
    assert_op(&trace->ops[2], OP_FREE, 0, 0, 5);
    trace_destroy(trace);
}

/* Plain lines (single spaces, a newline or CRLF right after) take the parser's fast
 * path and any other spacing its careful one: both must read the same ops on
 * the same lines, at the edges of the fast path too (a 19-digit byte count,
 * a 10-digit id with leading zeros, a last line without a newline). */
static void rep_plain_and_spaced_lines_read_alike(void **state)
{
    (void)state;
    Trace *plain = parse_ok("100 3 5 1\na 0 8\nr 0 1234567890123456789\nf 0\n"
                            "a 0000000002 0\nr 1 18446744073709551615");
    Trace *spaced = parse_ok("100 3 5 1\n a 0 8\nr  0 1234567890123456789\nf 0 \n"
                             "a\t0000000002 0\nr 1 18446744073709551615 ");
    Trace *crlf = parse_ok("100 3 5 1\r\na 0 8\r\nr 0 1234567890123456789\r\nf 0\r\n"
                           "a 0000000002 0\r\nr 1 18446744073709551615\r");
    assert_int_equal(plain->op_count, 5);
    assert_int_equal(spaced->op_count, 5);
    assert_op(&plain->ops[0], OP_MALLOC, 0, 8, 2);
    assert_op(&plain->ops[1], OP_REALLOC, 0, UINT64_C(1234567890123456789), 3);
    assert_op(&plain->ops[2], OP_FREE, 0, 0, 4);
    assert_op(&plain->ops[3], OP_MALLOC, 2, 0, 5);
    assert_op(&plain->ops[4], OP_REALLOC, 1, UINT64_MAX, 6);
    assert_int_equal(crlf->op_count, 5);
    for (uint32_t i = 0; i < 5; i++) {
        assert_op(&spaced->ops[i], plain->ops[i].kind, plain->ops[i].id, plain->ops[i].bytes,
                  plain->ops[i].line);
        assert_op(&crlf->ops[i], plain->ops[i].kind, plain->ops[i].id, plain->ops[i].bytes,
                  plain->ops[i].line);
    }
    trace_destroy(plain);
    trace_destroy(spaced);
    trace_destroy(crlf);
}

/* What follows a plain-looking start still goes through every check. */
static void rep_plain_line_with_trouble_after_it(void **state)
{
    (void)state;
    parse_fails("100 1 1 1\na 0 8x\n", "t.rep:2: byte count '8x' is not a number");
    parse_fails("100 1 1 1\nf 0 9\n", "t.rep:2: extra field '9': 'f' takes an id");
    parse_fails("100 1 1 1\na 0 8\rx\n",
                "t.rep:2: extra field 'x': 'a' takes an id and a byte count");
    parse_fails("100 1 1 1\na 0 18446744073709551616\n",
                "t.rep:2: byte count '18446744073709551616' is too large (at most "
                "18446744073709551615)");
    parse_fails("100 1 1 1\na 1 8\n", "t.rep:2: id 1 is outside the header's 1 ids (0 to 0)");
}

static void rep_allows_what_replay_skips_or_reallocates(void **state)
{
    (void)state;
    /* f of an id freed already (skipped at replay); r of a freed id (a malloc). */
    Trace *trace = parse_ok("0\n1\n5\n1\na 0 8\nf 0\nf 0\nr 0 16\nf 0\n");
    assert_int_equal(trace->op_count, 5);
    trace_destroy(trace);
}

static void ostep_list_allocates_and_frees_by_index(void **state)
{
    (void)state;
    Trace *trace = parse_ok("+10,-0,+20\n+30, -2 -1\n");
    assert_int_equal(trace->id_count, 3);
    assert_int_equal(trace->op_count, 6);
    assert_int_equal(trace->suggested_heap, 0);
    assert_op(&trace->ops[0], OP_MALLOC, 0, 10, 1);
    assert_op(&trace->ops[1], OP_FREE, 0, 0, 1);
    assert_op(&trace->ops[2], OP_MALLOC, 1, 20, 1);
    assert_op(&trace->ops[3], OP_MALLOC, 2, 30, 2);
    assert_op(&trace->ops[4], OP_FREE, 2, 0, 2);
    assert_op(&trace->ops[5], OP_FREE, 1, 0, 2);
    trace_destroy(trace);
}

/* ---- malformed .rep ------------------------------------------------------- */

#define HEADER "100\n2\n1\n1\n"   /* heap 100, ids 0..1, one op; the body starts on line 5 */

static void unknown_operation_letter(void **state)
{
    (void)state;
    parse_fails(HEADER "x 0 5\n", "t.rep:5: unknown operation 'x' (expected a, f, r or c)");
    parse_fails(HEADER "alloc 0 5\n", "t.rep:5: unknown operation 'alloc' (expected a, f, r or c)");
    parse_fails(HEADER "A 0 5\n", "t.rep:5: unknown operation 'A' (expected a, f, r or c)");
}

static void missing_field(void **state)
{
    (void)state;
    parse_fails(HEADER "a 0\n", "t.rep:5: missing byte count: 'a 0' needs a byte count after the id");
    parse_fails(HEADER "r 1\n", "t.rep:5: missing byte count: 'r 1' needs a byte count after the id");
    parse_fails(HEADER "\n\nf\n", "t.rep:7: missing id: 'f' takes an id");
    parse_fails(HEADER "a\n", "t.rep:5: missing id: 'a' takes an id and a byte count");
}

static void extra_field(void **state)
{
    (void)state;
    parse_fails("100\n2\n2\n1\na 0 5\nf 0 7\n", "t.rep:6: extra field '7': 'f' takes an id");
    parse_fails(HEADER "a 0 5 9\n", "t.rep:5: extra field '9': 'a' takes an id and a byte count");
    parse_fails(HEADER "c now\n", "t.rep:5: extra field 'now': 'c' takes no fields");
    parse_fails("100\n2\n1\n1 7\na 0 5\n", "t.rep:4: extra field '7' after the header's four numbers");
}

static void negative_number(void **state)
{
    (void)state;
    parse_fails(HEADER "a 0 -5\n", "t.rep:5: negative byte count '-5'");
    parse_fails(HEADER "a -1 5\n", "t.rep:5: negative id '-1'");
    parse_fails("100\n-2\n1\n1\n", "t.rep:2: negative number of ids '-2'");
}

static void non_numeric_number(void **state)
{
    (void)state;
    parse_fails(HEADER "a 0 12x\n", "t.rep:5: byte count '12x' is not a number");
    parse_fails(HEADER "a zero 5\n", "t.rep:5: id 'zero' is not a number");
    parse_fails("lots\n2\n1\n1\n", "t.rep:1: suggested heap size 'lots' is not a number");
    parse_fails("100\n2\n1\n1.5\n", "t.rep:4: weight '1.5' is not a number");
}

static void number_too_large(void **state)
{
    (void)state;
    parse_fails(HEADER "a 0 99999999999999999999\n",
                "t.rep:5: byte count '99999999999999999999' is too large (at most 18446744073709551615)");
    parse_fails("100\n5000000000\n1\n1\n",
                "t.rep:2: number of ids '5000000000' is too large (at most 4294967295)");
}

/* Past 2^24 ids, a header may give as many ids as the file has operations:
 * the header's count, but no more than two bytes a line can hold. */
static void ids_beyond_two_to_the_24_follow_the_operations(void **state)
{
    (void)state;
    parse_fails("100\n20000000\n1\n1\n",
                "t.rep:2: number of ids 20000000 is more than the file can use (at most 16777216: "
                "one per operation, or 16777216)");
    /* 30,000,000 operations claimed, but the 6-byte body holds at most 4 lines */
    parse_fails("100\n20000000\n30000000\n1\na 0 1\n",
                "t.rep:2: number of ids 20000000 is more than the file can use (at most 16777216: "
                "one per operation, or 16777216)");
    Trace *trace = parse_ok("100\n16777216\n2\n1\na 16777215 1\nf 16777215\n");
    assert_int_equal(trace->id_count, 16777216);
    assert_int_equal(trace->slot_count, 1);
    trace_destroy(trace);
}

/* Each id takes a slot when first named and gives it back after its last
 * op, a free; a block never freed keeps its slot to the end. */
static void ids_share_slots_once_done(void **state)
{
    (void)state;
    Trace *trace = parse_ok("0\n6\n10\n1\n"
                            "a 0 8\n"        /* slot 0 */
                            "a 1 8\n"        /* slot 1 */
                            "f 0\n"          /* id 0 done: slot 0 free */
                            "a 2 8\n"        /* slot 0 again */
                            "r 1 16\n"       /* slot 1 */
                            "a 3 8\n"        /* slot 2: a leak, never freed */
                            "f 1\n"          /* id 1 done: slot 1 free */
                            "f 2\n"          /* id 2 frees, but is named again */
                            "a 2 4\n"        /* still slot 0 */
                            "a 4 8\n");      /* slot 1 again */
    static const uint32_t slots[10] = {0, 1, 0, 0, 1, 2, 1, 0, 0, 1};
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(trace->slots[i], slots[i]);
    assert_int_equal(trace->slot_count, 3);
    trace_destroy(trace);
}

static void id_outside_the_header_count(void **state)
{
    (void)state;
    parse_fails(HEADER "a 2 5\n", "t.rep:5: id 2 is outside the header's 2 ids (0 to 1)");
    parse_fails("100\n0\n1\n1\nf 0\n", "t.rep:5: id 0 is outside the header's 0 ids");
}

static void free_of_an_id_never_allocated(void **state)
{
    (void)state;
    parse_fails("100\n2\n2\n1\na 0 5\nf 1\n",
                "t.rep:6: 'f 1' frees id 1, which no earlier 'a' or 'r' line allocated");
}

static void allocation_of_a_live_id(void **state)
{
    (void)state;
    parse_fails("100\n2\n3\n1\na 0 5\na 1 5\n\na 0 6\n",
                "t.rep:8: 'a 0' allocates id 0 again: line 5 allocated it and no 'f 0' came since");
    parse_fails("100\n2\n2\n1\nr 1 5\na 1 6\n",
                "t.rep:6: 'a 1' allocates id 1 again: line 5 allocated it and no 'f 1' came since");
    /* A compaction names no id: id 0 stays live across it (found by fuzzing). */
    parse_fails("100\n1\n3\n1\na 0 8\nc\na 0 8\n",
                "t.rep:7: 'a 0' allocates id 0 again: line 5 allocated it and no 'f 0' came since");
}

static void header_count_disagrees_with_the_body(void **state)
{
    (void)state;
    parse_fails("100\n2\n3\n1\na 0 5\nf 0\n", "t.rep:3: the header says 3 operations but the file has 2");
    parse_fails("100 2 1 1\na 0 5\nf 0\n", "t.rep:1: the header says 1 operations but the file has 2");
}

static void header_ends_early(void **state)
{
    (void)state;
    parse_fails("", "t.rep:1: the header ends early: expected 4 numbers (suggested heap size, ids, "
                    "operations, weight), found 0");
    parse_fails("20\n2\n", "t.rep:3: the header ends early: expected 4 numbers (suggested heap size, "
                           "ids, operations, weight), found 2");
}

static void unprintable_bytes_are_quoted_safely(void **state)
{
    (void)state;
    const char text[] = HEADER "a\0 0 5\n";
    char message[512];
    Trace *trace = NULL;
    assert_false(trace_parse(text, sizeof text - 1, "t.rep", &trace, message, sizeof message));
    assert_string_equal(message, "t.rep:5: unknown operation 'a?' (expected a, f, r or c)");
}

/* ---- malformed OSTEP lists -------------------------------------------------- */

static void ostep_errors(void **state)
{
    (void)state;
    parse_fails("+10,-1", "t.rep:1: '-1' frees allocation 1, but only 1 allocations came before it");
    parse_fails("+10,x", "t.rep:1: unknown operation 'x' (expected +BYTES or -INDEX)");
    parse_fails("+,-0", "t.rep:1: missing byte count after '+'");
    parse_fails("+4,-", "t.rep:1: missing allocation index after '-'");
    parse_fails("+1a", "t.rep:1: byte count '1a' is not a number");
    parse_fails("+-4", "t.rep:1: negative byte count '-4'");
    parse_fails("+1,\n+2,\n-7\n", "t.rep:3: '-7' frees allocation 7, but only 2 allocations came before it");
}

/* malloc.py splits its list at commas: an empty item is an error there too. */
static void ostep_empty_item_is_named(void **state)
{
    (void)state;
    const char *empty = "an OSTEP op list with an empty item (a comma with no +BYTES or -INDEX before it)";
    char expected[256];
    snprintf(expected, sizeof expected, "t.rep:1: %s", empty);
    parse_fails(",+3,-0", expected);
    parse_fails("+3,,+5", expected);
    parse_fails("  ,", expected);
    snprintf(expected, sizeof expected, "t.rep:2: %s", empty);
    parse_fails("+3,\n,+5", expected);
    Trace *trace = parse_ok("+3 , -0,\n+5,");
    assert_int_equal(trace->op_count, 3);
    trace_destroy(trace);
}

/* ---- files ------------------------------------------------------------------ */

static void unreadable_file(void **state)
{
    (void)state;
    char message[512];
    Trace *trace = NULL;
    assert_false(trace_load("/nonexistent/heapviz/x.rep", &trace, message, sizeof message));
    assert_string_equal(message, "/nonexistent/heapviz/x.rep: cannot read: No such file or directory");
    assert_false(trace_load("/", &trace, message, sizeof message));
    assert_string_equal(message, "/: cannot read: Is a directory");
}

/* A file and an ops array past ZEROED_MEMORY_MAPPED_BYTES (mapped memory on
 * Linux) read whole, and a header that undercounts makes the array grow. */
static void large_trace_file_reads_whole(void **state)
{
    (void)state;
    enum { OPS = 600000 }; /* 4.8 MB of text, 14 MB of ops */
    char directory[] = "/tmp/heapviz-trace-XXXXXX";
    char path[64], message[512];
    assert_non_null(mkdtemp(directory));
    snprintf(path, sizeof path, "%s/large.rep", directory);
    for (uint32_t header_ops = OPS; header_ops >= OPS - 1; header_ops--) {
        FILE *file = fopen(path, "w");
        assert_non_null(file);
        fprintf(file, "0 1 %u 1\n", header_ops);
        for (uint32_t i = 0; i < OPS / 2; i++)
            fprintf(file, "a 0 %u\nf 0\n", 1000000 + i);
        assert_int_equal(fclose(file), 0);
        Trace *trace = NULL;
        bool ok = trace_load(path, &trace, message, sizeof message);
        if (header_ops == OPS) {
            assert_true(ok);
            assert_int_equal(trace->op_count, OPS);
            assert_op(&trace->ops[OPS - 2], OP_MALLOC, 0, 1000000 + OPS / 2 - 1, OPS);
            assert_op(&trace->ops[OPS - 1], OP_FREE, 0, 0, OPS + 1);
            trace_destroy(trace);
        } else {
            assert_false(ok);
            assert_string_equal(message + strlen(path),
                                ":1: the header says 599999 operations but the file has 600000");
        }
    }
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(directory), 0);
}

/* An OSTEP list announces no count: its ops array grows as it goes. */
static void long_ostep_list_keeps_every_op(void **state)
{
    (void)state;
    enum { ITEMS = 1000 };
    char *text = malloc(ITEMS * 8);
    assert_non_null(text);
    size_t length = 0;
    for (int i = 0; i < ITEMS; i++)
        length += (size_t)sprintf(text + length, "+%d,", 100 + i);
    Trace *trace = parse_ok(text);
    assert_int_equal(trace->op_count, ITEMS);
    for (uint32_t i = 0; i < ITEMS; i += 111)
        assert_op(&trace->ops[i], OP_MALLOC, i, 100 + i, 1);
    trace_destroy(trace);
    free(text);
}

static void written_trace_reads_back_identically(void **state)
{
    (void)state;
    char directory[] = "/tmp/heapviz-trace-XXXXXX";
    char path[64], message[512];
    assert_non_null(mkdtemp(directory));
    snprintf(path, sizeof path, "%s/out.rep", directory);
    Trace *trace = parse_ok("4096 3 6 1\na 0 10\na 2 20\nc\nr 2 400\nf 0\nf 2\n");
    OutputFile *file = output_file_open(path, message, sizeof message);
    assert_non_null(file);
    trace_write(file, trace);
    assert_true(output_file_commit(file, message, sizeof message));
    Trace *again = NULL;
    assert_true(trace_load(path, &again, message, sizeof message));
    assert_int_equal(again->suggested_heap, 4096);
    assert_int_equal(again->id_count, 3);
    assert_int_equal(again->op_count, 6);
    for (uint32_t i = 0; i < 6; i++) {
        assert_op(&again->ops[i], trace->ops[i].kind, trace->ops[i].id, trace->ops[i].bytes,
                  trace->ops[i].line + 3);   /* the header took four lines, not one */
    }
    trace_destroy(trace);
    trace_destroy(again);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(directory), 0);
}

static void random_bytes_never_crash(void **state)
{
    (void)state;
    static const char alphabet[] = "afrc+-,0123456789 \n\t\r-x\0";
    SimRandom random;
    sim_random_seed(&random, 2024);
    char text[256], message[512];
    int parsed = 0;
    for (int round = 0; round < 20000; round++) {
        size_t length = (size_t)sim_random_below(&random, sizeof text);
        size_t prefix = round % 2 ? (size_t)snprintf(text, sizeof text, "100 4 %zu 1\n", length / 4) : 0;
        for (size_t i = prefix; i < length; i++)
            text[i] = alphabet[sim_random_below(&random, sizeof alphabet)];
        Trace *trace = NULL;
        message[0] = '\0';
        if (trace_parse(text, length > prefix ? length : prefix, "r", &trace, message, sizeof message)) {
            assert_true(trace->op_count == 0 || trace->ops != NULL);
            parsed++;
            trace_destroy(trace);
        } else {
            assert_true(strncmp(message, "r:", 2) == 0);
        }
    }
    assert_true(parsed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rep_header_and_operations),
        cmocka_unit_test(rep_accepts_blank_lines_crlf_compaction_and_one_line_header),
        cmocka_unit_test(rep_plain_and_spaced_lines_read_alike),
        cmocka_unit_test(rep_plain_line_with_trouble_after_it),
        cmocka_unit_test(rep_allows_what_replay_skips_or_reallocates),
        cmocka_unit_test(ostep_list_allocates_and_frees_by_index),
        cmocka_unit_test(unknown_operation_letter),
        cmocka_unit_test(missing_field),
        cmocka_unit_test(extra_field),
        cmocka_unit_test(negative_number),
        cmocka_unit_test(non_numeric_number),
        cmocka_unit_test(number_too_large),
        cmocka_unit_test(ids_beyond_two_to_the_24_follow_the_operations),
        cmocka_unit_test(ids_share_slots_once_done),
        cmocka_unit_test(id_outside_the_header_count),
        cmocka_unit_test(free_of_an_id_never_allocated),
        cmocka_unit_test(allocation_of_a_live_id),
        cmocka_unit_test(header_count_disagrees_with_the_body),
        cmocka_unit_test(header_ends_early),
        cmocka_unit_test(unprintable_bytes_are_quoted_safely),
        cmocka_unit_test(ostep_errors),
        cmocka_unit_test(ostep_empty_item_is_named),
        cmocka_unit_test(unreadable_file),
        cmocka_unit_test(large_trace_file_reads_whole),
        cmocka_unit_test(long_ostep_list_keeps_every_op),
        cmocka_unit_test(written_trace_reads_back_identically),
        cmocka_unit_test(random_bytes_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
