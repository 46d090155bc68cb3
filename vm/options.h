/*
 * The command line, in QEMU's option syntax.
 */
#ifndef VM_OPTIONS_H
#define VM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lintas/machine.h"

#define OPTIONS_DEFAULT_RAM (128ull << 20) /* QEMU's default */

struct options {
    struct machine_config machine;
    bool builtin_guest; /* neither -kernel nor -bios: boot the guest built into lintas */

    const char *incoming; /* -incoming file:PATH: resume from this machine state file */

    /* For tests, not in -help: -save-state icount=N,file=PATH stops the
     * machine once N instructions have retired and writes its state to
     * PATH; -print-icount prints "icount N" on stderr when the run ends. */
    uint64_t save_at_icount;
    const char *save_path;
    bool print_icount;
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
