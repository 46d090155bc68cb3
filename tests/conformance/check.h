/*
 * Run one MOO test on the interpreter and compare the outcome with the
 * captured hardware state.
 */
#ifndef CONF_CHECK_H
#define CONF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moo.h"
#include "quirks286.h"

struct cpu;
struct io_bus;
struct phys_mem;

/* One machine reused by every test: 16 MiB of RAM kept all zero between
 * tests, a port bus with nothing on it and a CPU. */
struct conf_machine {
    struct phys_mem *mem;
    uint8_t *ram;
    uint64_t ram_size;
    struct io_bus *io;
    struct cpu *cpu;
};

int conf_machine_init(struct conf_machine *m);
void conf_machine_free(struct conf_machine *m);

/* Run test t of file f. flags_mask is the suite's undefined-flag mask for
 * the file's opcode (all ones when none). Returns true when the core
 * matches; otherwise r says how it differed and diff holds a description. */
bool conf_run_test(struct conf_machine *m, const struct moo_file *f, const struct moo_test *t,
                   uint32_t flags_mask, struct conf_result *r, char *diff, size_t difflen);

#endif
