/*
 * Shared set-up for the unit tests that run guest code through cpu_run():
 * a CPU on a few MiB of RAM in real mode or flat 32-bit protected mode,
 * 32-bit page tables built in guest memory, and helpers to place code and
 * read memory. Faults stop the run (stop_on_exception), so a test sees
 * CPU_EXIT_EXCEPTION with the vector, error code, CR2 and the registers as
 * the exception handler would find them.
 */
#ifndef TESTS_UNIT_CORE_HARNESS_H
#define TESTS_UNIT_CORE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/seg.h"
#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/mem.h"

#define CORE_RAM_SIZE (16u << 20)

/* Page-table entry bits (SDM vol. 3, 4.3). */
enum {
    PG_P = 1u << 0, PG_RW = 1u << 1, PG_US = 1u << 2, PG_A = 1u << 5,
    PG_D = 1u << 6, PG_PS = 1u << 7, PG_G = 1u << 8,
};

struct core {
    struct phys_mem *mem;
    struct io_bus *io;
    struct cpu *cpu;
    int passed, failed;
};

static inline void core_check(struct core *t, bool ok, const char *what, int line)
{
    if (ok) {
        t->passed++;
    } else {
        t->failed++;
        printf("FAIL line %d: %s\n", line, what);
    }
}
#define CHECK(t, cond) core_check((t), (cond), #cond, __LINE__)
/* A check inside a table-driven loop: names the case on failure. */
#define CHECK_CASE(t, cond, ...) do { \
    bool ok_ = (cond); \
    core_check((t), ok_, #cond, __LINE__); \
    if (!ok_) { printf("    case: "); printf(__VA_ARGS__); printf("\n"); } \
} while (0)

static inline uint32_t rd32(struct core *t, uint32_t addr)
{
    uint32_t v;
    mem_read_block(t->mem, addr, &v, 4);
    return v;
}
static inline uint16_t rd16(struct core *t, uint32_t addr)
{
    uint16_t v;
    mem_read_block(t->mem, addr, &v, 2);
    return v;
}
static inline uint8_t rd8(struct core *t, uint32_t addr)
{
    uint8_t v;
    mem_read_block(t->mem, addr, &v, 1);
    return v;
}
static inline void wr32(struct core *t, uint32_t addr, uint32_t v)
{
    mem_write_block(t->mem, addr, &v, 4);
}
static inline void wr16(struct core *t, uint32_t addr, uint16_t v)
{
    mem_write_block(t->mem, addr, &v, 2);
}
static inline void wr8(struct core *t, uint32_t addr, uint8_t v)
{
    mem_write_block(t->mem, addr, &v, 1);
}

/* Place bytes in physical memory: CODE(t, addr, 0xb8, 0x01, ...). */
#define CODE(t, addr, ...) mem_write_block((t)->mem, (addr), (const uint8_t[]){ __VA_ARGS__ }, \
                                           sizeof((const uint8_t[]){ __VA_ARGS__ }))

static inline void core_init(struct core *t)
{
    memset(t, 0, sizeof(*t));
    t->mem = mem_create(CORE_RAM_SIZE);
    t->io = io_create();
    t->cpu = t->mem && t->io ? cpu_create(t->mem, t->io, NULL) : NULL;
    if (!t->cpu) {
        fprintf(stderr, "core_harness: out of memory\n");
        exit(2);
    }
    t->cpu->stop_on_exception = true;
}

static inline void core_free(struct core *t)
{
    cpu_destroy(t->cpu);
    io_destroy(t->io);
    mem_destroy(t->mem);
}

static inline int core_report(struct core *t, const char *name)
{
    printf("%s: %d passed, %d failed\n", name, t->passed, t->failed);
    return t->failed ? 1 : 0;
}

/* Real mode with every segment register at selector 0, flags clear. */
static inline void core_real(struct core *t)
{
    struct cpu *cpu = t->cpu;
    cpu_reset(cpu);
    for (int s = 0; s < SEG_COUNT; s++)
        cpu_load_seg_real(cpu, s, 0);
    cpu_set_eflags(cpu, 0);
    cpu->last_exception = -1;
}

/* Flat 4 GiB segments for a ring, 32-bit code and stack. CR0 must already
 * hold PE so that the CPL follows CS. */
#define CORE_CODE_ATTR(dpl) (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | \
                             SEG_TYPE_ACCESSED | ((dpl) << 5) | SEG_ATTR_DB | SEG_ATTR_G)
#define CORE_DATA_ATTR(dpl) (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED | \
                             ((dpl) << 5) | SEG_ATTR_DB | SEG_ATTR_G)

static inline void core_ring(struct core *t, unsigned ring)
{
    struct cpu *cpu = t->cpu;
    cpu_set_seg(cpu, SEG_CS, (uint16_t)(0x08 | ring), 0, 0xffffffffu, CORE_CODE_ATTR(ring));
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            cpu_set_seg(cpu, s, (uint16_t)(0x10 | ring), 0, 0xffffffffu, CORE_DATA_ATTR(ring));
}

/* Protected mode, paging off, flat segments at ring 0. */
static inline void core_flat32(struct core *t)
{
    core_real(t);
    t->cpu->cr0 = CR0_ET | CR0_PE;
    core_ring(t, 0);
}

/*
 * Page tables: the directory at PD_BASE; PT_LOW identity-maps the first
 * 1 MiB as user read/write, so code and stacks there work at every ring;
 * PT_TEST (directory entry 2, linear 0x00800000) starts empty.
 */
#define PD_BASE 0x20000u
#define PT_LOW 0x21000u
#define PT_TEST 0x22000u
#define LIN_TEST 0x00800000u

static inline void pde_set(struct core *t, uint32_t lin, uint32_t v)
{
    wr32(t, PD_BASE + (lin >> 22) * 4, v);
}
static inline uint32_t pde_get(struct core *t, uint32_t lin)
{
    return rd32(t, PD_BASE + (lin >> 22) * 4);
}
/* The PTE for lin in PT_TEST. */
static inline void pte_set(struct core *t, uint32_t lin, uint32_t v)
{
    wr32(t, PT_TEST + ((lin >> 12) & 0x3ff) * 4, v);
}
static inline uint32_t pte_get(struct core *t, uint32_t lin)
{
    return rd32(t, PT_TEST + ((lin >> 12) & 0x3ff) * 4);
}

/* Flat protected mode at ring 0 with paging on and fresh tables. */
static inline void core_paged(struct core *t)
{
    core_flat32(t);
    for (uint32_t i = 0; i < 1024; i++) {
        wr32(t, PD_BASE + i * 4, 0);
        wr32(t, PT_TEST + i * 4, 0);
        wr32(t, PT_LOW + i * 4, i < 256 ? (i << 12) | PG_P | PG_RW | PG_US : 0);
    }
    pde_set(t, 0, PT_LOW | PG_P | PG_RW | PG_US);
    pde_set(t, LIN_TEST, PT_TEST | PG_P | PG_RW | PG_US);
    t->cpu->cr3 = PD_BASE;
    t->cpu->cr4 = 0;
    t->cpu->cr0 |= CR0_PG;
    cpu_tlb_flush_all(t->cpu);
}

/* Run n instructions from EIP (out of any HLT). */
static inline enum cpu_exit core_run(struct core *t, uint32_t eip, uint64_t n)
{
    t->cpu->eip = eip;
    t->cpu->halted = false;
    t->cpu->last_exception = -1;
    return cpu_run(t->cpu, n);
}

static inline bool core_faulted(struct core *t, enum cpu_exit e, int vector, uint32_t error)
{
    return e == CPU_EXIT_EXCEPTION && t->cpu->last_exception == vector &&
           t->cpu->last_error_code == error;
}

static inline uint32_t reg32(struct core *t, int r)
{
    return (uint32_t)t->cpu->regs[r];
}

#endif
