/*
 * number.h - the one grammar for decimal numbers, used by the command line,
 * the trace parser and the benchmarks' options.
 *
 * A whole number is one or more ASCII digits and nothing else: no sign, no
 * spaces, no hex, no exponent. A fraction is a whole number, optionally
 * followed by '.' and one or more digits ("0.3", "1", "1.0"; not ".5",
 * "5.", " 0.5", "0x1p-2" or "5e-1"). The whole-number reader is inline: the
 * trace parser calls it for every field.
 */
#ifndef HEAPVIZ_NUMBER_H
#define HEAPVIZ_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    NUMBER_OK,
    NUMBER_NOT_A_NUMBER,         /* empty, or not in the grammar */
    NUMBER_NEGATIVE,             /* '-' followed by a number */
    NUMBER_TOO_LARGE             /* in the grammar, but above the maximum */
} NumberError;

enum { NUMBER_SAFE_DIGITS = 19 };  /* any 19-digit number fits in 64 bits */

static inline bool number_all_digits(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return length > 0;
}

/* Reads text[0, length) as a whole number in [0, max] into *value (left
 * alone on an error). */
static inline NumberError number_parse_u64(const char *text, size_t length, uint64_t max,
                                           uint64_t *value)
{
    if (!number_all_digits(text, length))
        return text[0] == '-' && length > 1 && number_all_digits(text + 1, length - 1)
                   ? NUMBER_NEGATIVE
                   : NUMBER_NOT_A_NUMBER;
    uint64_t number = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned digit = (unsigned)(text[i] - '0');
        if (i >= NUMBER_SAFE_DIGITS && number > (UINT64_MAX - digit) / 10)
            return NUMBER_TOO_LARGE;
        number = number * 10 + digit;
    }
    if (number > max)
        return NUMBER_TOO_LARGE;
    *value = number;
    return NUMBER_OK;
}

/* Reads a NUL-terminated whole number in [0, max]. */
NumberError number_parse_text(const char *text, uint64_t max, uint64_t *value);

/* Reads a NUL-terminated fraction in [0, max] into *value. */
NumberError number_parse_fraction(const char *text, double max, double *value);

#endif
