/*
 * Undefined-flag masks of a SingleStepTests suite, read from its
 * metadata.json: opcodes["F6"]["reg"]["6"]["flags-mask"] or
 * opcodes["D4"]["flags-mask"]. AND both the expected and the actual FLAGS
 * with the mask before comparing.
 */
#ifndef CONF_FLAGMASK_H
#define CONF_FLAGMASK_H

#include <stddef.h>
#include <stdint.h>

struct flagmask_entry {
    char opcode[8]; /* "F6", "0F01" */
    int reg;        /* ModRM reg, or -1 for the whole opcode */
    uint32_t mask;
};

struct flagmask_table {
    struct flagmask_entry *e;
    size_t n, cap;
};

/* Parse metadata.json. Returns 0, or -1 with a one-line reason in err. */
int flagmask_load(const char *path, struct flagmask_table *t, char *err, size_t errlen);
void flagmask_free(struct flagmask_table *t);

/* Mask for a test file stem such as "F6.6" or "00"; all ones when the
 * table has nothing for it. */
uint32_t flagmask_lookup(const struct flagmask_table *t, const char *stem);

#endif
