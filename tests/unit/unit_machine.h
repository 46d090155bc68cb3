/*
 * A CPU on RAM with a port bus, for the unit tests that drive the CPU
 * directly: creating and freeing it, reading and writing guest physical
 * memory, and placing code bytes. It carries the tally of the checks, so
 * that a test writes CHECK(t, cond) with t the machine (see unit_check.h).
 * The harnesses build their modes and tables on top of it.
 */
#ifndef TESTS_UNIT_UNIT_MACHINE_H
#define TESTS_UNIT_UNIT_MACHINE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/mem.h"
#include "unit_check.h"

struct unit_machine {
    struct phys_mem *mem;
    struct io_bus *io;
    struct cpu *cpu;
    int passed, failed;
};

/* A test cannot run without its machine: out of memory ends the program. */
static inline void unit_machine_init(struct unit_machine *t, uint64_t ram_size)
{
    memset(t, 0, sizeof(*t));
    t->mem = mem_create(ram_size);
    t->io = io_create();
    t->cpu = t->mem && t->io ? cpu_create(t->mem, t->io, NULL) : NULL;
    if (!t->cpu) {
        fprintf(stderr, "unit_machine: out of memory\n");
        exit(2);
    }
}

static inline void unit_machine_free(struct unit_machine *t)
{
    cpu_destroy(t->cpu);
    io_destroy(t->io);
    mem_destroy(t->mem);
}

static inline uint32_t rd32(struct unit_machine *t, uint32_t addr)
{
    uint32_t v;
    mem_read_block(t->mem, addr, &v, 4);
    return v;
}
static inline uint16_t rd16(struct unit_machine *t, uint32_t addr)
{
    uint16_t v;
    mem_read_block(t->mem, addr, &v, 2);
    return v;
}
static inline uint8_t rd8(struct unit_machine *t, uint32_t addr)
{
    uint8_t v;
    mem_read_block(t->mem, addr, &v, 1);
    return v;
}
static inline void wr32(struct unit_machine *t, uint32_t addr, uint32_t v)
{
    mem_write_block(t->mem, addr, &v, 4);
}
static inline void wr16(struct unit_machine *t, uint32_t addr, uint16_t v)
{
    mem_write_block(t->mem, addr, &v, 2);
}
static inline void wr8(struct unit_machine *t, uint32_t addr, uint8_t v)
{
    mem_write_block(t->mem, addr, &v, 1);
}

/* Place bytes in physical memory: CODE(t, addr, 0xb8, 0x01, ...). */
#define CODE(t, addr, ...) mem_write_block((t)->mem, (addr), (const uint8_t[]){ __VA_ARGS__ }, \
                                           sizeof((const uint8_t[]){ __VA_ARGS__ }))

static inline uint32_t reg32(struct unit_machine *t, int r)
{
    return (uint32_t)t->cpu->regs[r];
}

#endif
