/*
 * The command line, in QEMU's option syntax.
 */
#ifndef VM_OPTIONS_H
#define VM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lintas/machine.h"

#define OPTIONS_DEFAULT_RAM (128ull << 20) /* QEMU's default */

struct options {
    struct machine_config machine;
    bool builtin_guest; /* no -kernel: boot the guest built into lintas */
};

enum options_result {
    OPTIONS_RUN,   /* start the machine */
    OPTIONS_DONE,  /* an informational option (-help, -d help) printed to out */
    OPTIONS_ERROR, /* one line in err */
};

enum options_result options_parse(int argc, char **argv, struct options *o, FILE *out, char *err,
                                  size_t errlen);

/* Parse a size in QEMU's syntax: a number with an optional fraction and an
 * optional K, M, G or T suffix; a plain number counts default_unit bytes.
 * Returns 0, or -1 when malformed or over 2^64. */
int options_parse_size(const char *s, unsigned long long default_unit, unsigned long long *out);

#endif
