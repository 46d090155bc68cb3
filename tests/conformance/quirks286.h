/*
 * Known ways an 80286 differs from a 386 and later CPUs in real mode, used
 * to explain failures of the 80286 suite on a P6-class core.
 *
 * Each entry matches on the instruction (opcode, prefixes, operands) and on
 * what the core actually did, so a difference is excused only when the core
 * behaved as the Intel manuals say a 386+ does.
 */
#ifndef CONF_QUIRKS286_H
#define CONF_QUIRKS286_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moo.h"

/* How a test came out on the core. */
struct conf_result {
    bool halted;          /* ran to a HLT within the budget */
    int first_exception;  /* first exception the core raised, -1 for none */
    uint32_t reg_diff;    /* bit per enum moo_reg that differs after masking */
    uint32_t flags_diff;  /* FLAGS bits that differ after masking */
    unsigned ram_diff;    /* RAM bytes that differ, stray writes included */
    unsigned ram_diff_image; /* of those, bytes of an exception's FLAGS image */
    uint32_t image_diff;     /* FLAGS image bits that differ after masking */
    uint32_t got[MOO_REG_COUNT];
};

/* If the failure is a documented 286-vs-386 difference, write the reason
 * and return true. */
bool quirk286_classify(const struct moo_test *t, const struct conf_result *r, char *reason,
                       size_t len);

#endif
