/*
 * python_int.c - Python's int() and str() for integers (see python_int.h).
 *
 * The magnitude grows by "multiply by the radix, add the digit" word by word
 * and prints by repeated division by 10^9, the schoolbook way; numbers here
 * are a few words long, so nothing cleverer is needed.
 */
#include "python_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* magnitude = magnitude * factor + addend; false on overflow. */
static bool multiply_add(PythonInt *value, uint32_t factor, uint32_t addend)
{
    uint64_t carry = addend;
    for (uint32_t i = 0; i < value->count; i++) {
        uint64_t product = (uint64_t)value->words[i] * factor + carry;
        value->words[i] = (uint32_t)product;
        carry = product >> 32;
    }
    if (carry) {
        if (value->count == PYTHON_INT_MAX_WORDS)
            return false;
        value->words[value->count++] = (uint32_t)carry;
    }
    return true;
}

/* magnitude /= divisor; returns the remainder. */
static uint32_t divide(PythonInt *value, uint32_t divisor)
{
    uint64_t remainder = 0;
    for (uint32_t i = value->count; i-- > 0;) {
        uint64_t part = (remainder << 32) | value->words[i];
        value->words[i] = (uint32_t)(part / divisor);
        remainder = part % divisor;
    }
    while (value->count > 0 && value->words[value->count - 1] == 0)
        value->count--;
    return (uint32_t)remainder;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

static bool is_blank(char c) { return c != '\0' && isspace((unsigned char)c); }

/* Skips a "0x" / "0o" / "0b" prefix that matches the radix. */
static const char *skip_prefix(const char *text, unsigned radix, bool *skipped)
{
    char letter = radix == 16 ? 'x' : radix == 8 ? 'o' : radix == 2 ? 'b' : '\0';
    *skipped = letter && text[0] == '0' && tolower((unsigned char)text[1]) == letter;
    return *skipped ? text + 2 : text;
}

/* The digits, with single underscores between them (and, after a prefix,
 * one before the first digit). Returns where they end, NULL if malformed. */
static const char *parse_digits(const char *text, unsigned radix, bool after_prefix, PythonInt *out)
{
    bool have_digit = false;
    bool underscore_allowed = after_prefix;
    for (;; text++) {
        if (*text == '_') {
            if (!underscore_allowed)
                return NULL;
            underscore_allowed = false;
            continue;
        }
        int digit = digit_value(*text);
        if (digit >= (int)radix)
            break;
        if (!multiply_add(out, radix, (uint32_t)digit))
            return NULL;
        have_digit = true;
        underscore_allowed = true;
    }
    /* A trailing underscore, or no digit at all, is an error. */
    if (!have_digit || text[-1] == '_')
        return NULL;
    return text;
}

bool python_int_parse(const char *text, unsigned radix, PythonInt *out)
{
    memset(out, 0, sizeof *out);
    while (is_blank(*text))
        text++;
    bool negative = *text == '-';
    if (*text == '-' || *text == '+')
        text++;
    bool skipped;
    text = skip_prefix(text, radix, &skipped);
    text = parse_digits(text, radix, skipped, out);
    if (!text)
        return false;
    while (is_blank(*text))
        text++;
    if (*text != '\0')
        return false;
    out->negative = negative && out->count > 0;
    return true;
}

bool python_int_parse_option(const char *text, PythonInt *out)
{
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        return python_int_parse(text, 16, out);
    if (text[0] == '0' && (text[1] == 'b' || text[1] == 'B'))
        return python_int_parse(text[2] ? text + 2 : "0", 2, out);
    if (text[0] == '0')
        return python_int_parse(text, 8, out);
    return python_int_parse(text, 10, out);
}

PythonInt python_int_from_int64(int64_t value)
{
    PythonInt result;
    memset(&result, 0, sizeof result);
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    result.negative = value < 0;
    while (magnitude) {
        result.words[result.count++] = (uint32_t)magnitude;
        magnitude >>= 32;
    }
    return result;
}

void python_int_format(const PythonInt *value, char *text, size_t size)
{
    /* Nine decimal digits at a time, least significant group first. */
    uint32_t groups[PYTHON_INT_MAX_WORDS * 32 / 29 + 2];
    uint32_t group_count = 0;
    PythonInt rest = *value;
    do {
        groups[group_count++] = divide(&rest, 1000000000u);
    } while (rest.count > 0);
    size_t used = 0;
    int wrote = snprintf(text, size, "%s%u", value->negative ? "-" : "", groups[group_count - 1]);
    for (uint32_t i = group_count - 1; wrote >= 0 && i-- > 0;) {
        used += (size_t)wrote;
        if (used >= size)
            return;
        wrote = snprintf(text + used, size - used, "%09u", groups[i]);
    }
}

bool python_int_to_int64(const PythonInt *value, int64_t *out)
{
    if (value->count > 2)
        return false;
    uint64_t magnitude = 0;
    for (uint32_t i = value->count; i-- > 0;)
        magnitude = (magnitude << 32) | value->words[i];
    if (magnitude > (uint64_t)INT64_MAX + (value->negative ? 1u : 0u))
        return false;
    *out = value->negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return true;
}
