/*
 * Printing a set of differing fields by name; see diff_names.h.
 */
#include "diff_names.h"

void diff_print_names(FILE *out, unsigned bits, const char *const *names, unsigned nnames)
{
    const char *sep = "";
    for (unsigned i = 0; i < nnames; i++) {
        if (bits & (1u << i)) {
            fprintf(out, "%s%s", sep, names[i]);
            sep = ",";
        }
    }
}
