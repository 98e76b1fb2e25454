/*
 * python_int.h - the integers malloc.py's command line can hold: Python's
 * int() parsing (sign, a 0x/0o/0b prefix, underscores between digits,
 * surrounding blanks), printing in decimal as Python's str() does, and a
 * magnitude of any size up to PYTHON_INT_MAX_WORDS 32-bit words, so a seed
 * above 2^64 is kept exactly. No allocation, no globals.
 */
#ifndef HEAPVIZ_PYTHON_INT_H
#define HEAPVIZ_PYTHON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PYTHON_INT_MAX_WORDS = 64 };  /* 2048 bits: longer numbers are refused */

/* sign and magnitude; the magnitude is `count` little-endian 32-bit words
 * with no zero word on top (zero has count 0 and is never negative). */
typedef struct {
    bool negative;
    uint32_t count;
    uint32_t words[PYTHON_INT_MAX_WORDS];
} PythonInt;

/* Python's int(text, radix) for radix 2, 8, 10 or 16; false where Python
 * raises ValueError (or the number needs more than the words above). */
bool python_int_parse(const char *text, unsigned radix, PythonInt *out);

/* optparse's type='int': "0x.." hexadecimal, "0b.." binary, another leading
 * "0" octal, anything else decimal; false where optparse refuses the value. */
bool python_int_parse_option(const char *text, PythonInt *out);

/* The value from a C integer. */
PythonInt python_int_from_int64(int64_t value);

/* The value in decimal, as Python's str(); `size` >= 620 holds any value. */
void python_int_format(const PythonInt *value, char *text, size_t size);

/* The value as an int64_t; false if it does not fit. */
bool python_int_to_int64(const PythonInt *value, int64_t *out);

#endif
