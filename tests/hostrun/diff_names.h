/*
 * A set of differing fields, as the drivers print it: the names of its
 * bits, lowest first, separated by commas ("eax,eflags,mem").
 */
#ifndef HOSTRUN_DIFF_NAMES_H
#define HOSTRUN_DIFF_NAMES_H

#include <stdio.h>

/* names[i] is bit i's; bits at nnames and above are not printed. */
void diff_print_names(FILE *out, unsigned bits, const char *const *names, unsigned nnames);

#endif
