/*
 * fuzz_fail.c - how a fuzz target reports a broken promise (see fuzz_target.h).
 */
#include "fuzz_target.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

_Noreturn void fuzz_fail(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fputs("fuzz target: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    abort();
}
