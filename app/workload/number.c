/*
 * number.c - the decimal number grammar (see number.h).
 *
 * A fraction is checked against the grammar by hand first, so strtod only
 * ever sees plain decimal digits and a point, which it converts exactly
 * rounded whatever the locale's other forms (hex, exponents, infinity).
 */
#include "number.h"

#include <stdlib.h>
#include <string.h>

NumberError number_parse_text(const char *text, uint64_t max, uint64_t *value)
{
    return number_parse_u64(text, strlen(text), max, value);
}

NumberError number_parse_fraction(const char *text, double max, double *value)
{
    size_t length = strlen(text);
    const char *point = memchr(text, '.', length);
    size_t whole = point ? (size_t)(point - text) : length;
    bool in_grammar = number_all_digits(text, whole) &&
                      (!point || number_all_digits(point + 1, length - whole - 1));
    if (!in_grammar) {
        double ignored;
        NumberError rest = text[0] == '-' ? number_parse_fraction(text + 1, max, &ignored)
                                          : NUMBER_NOT_A_NUMBER;
        return rest == NUMBER_OK || rest == NUMBER_TOO_LARGE ? NUMBER_NEGATIVE : NUMBER_NOT_A_NUMBER;
    }
    double number = strtod(text, NULL);
    if (!(number <= max))
        return NUMBER_TOO_LARGE;
    *value = number;
    return NUMBER_OK;
}
