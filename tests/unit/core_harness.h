/*
 * Set-up for the unit tests that run guest code through cpu_run(): the
 * machine of unit_machine.h on a few MiB of RAM in real mode or flat
 * 32-bit protected mode, and 32-bit page tables built in guest memory.
 * Faults stop the run (stop_on_exception), so a test sees
 * CPU_EXIT_EXCEPTION with the vector, error code, CR2 and the registers as
 * the exception handler would find them.
 */
#ifndef TESTS_UNIT_CORE_HARNESS_H
#define TESTS_UNIT_CORE_HARNESS_H

#include "cpu/seg.h"
#include "unit_machine.h"

#define CORE_RAM_SIZE (16u << 20)

/* Page-table entry bits (SDM vol. 3, 4.3). */
enum {
    PG_P = 1u << 0, PG_RW = 1u << 1, PG_US = 1u << 2, PG_A = 1u << 5,
    PG_D = 1u << 6, PG_PS = 1u << 7, PG_G = 1u << 8,
};

static inline void core_init(struct unit_machine *t)
{
    unit_machine_init(t, CORE_RAM_SIZE);
    t->cpu->stop_on_exception = true;
}

/* Real mode with every segment register at selector 0, flags clear. */
static inline void core_real(struct unit_machine *t)
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

static inline void core_ring(struct unit_machine *t, unsigned ring)
{
    struct cpu *cpu = t->cpu;
    cpu_set_seg(cpu, SEG_CS, (uint16_t)(0x08 | ring), 0, 0xffffffffu, CORE_CODE_ATTR(ring));
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            cpu_set_seg(cpu, s, (uint16_t)(0x10 | ring), 0, 0xffffffffu, CORE_DATA_ATTR(ring));
}

/* Protected mode, paging off, flat segments at ring 0. */
static inline void core_flat32(struct unit_machine *t)
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

static inline void pde_set(struct unit_machine *t, uint32_t lin, uint32_t v)
{
    wr32(t, PD_BASE + (lin >> 22) * 4, v);
}
static inline uint32_t pde_get(struct unit_machine *t, uint32_t lin)
{
    return rd32(t, PD_BASE + (lin >> 22) * 4);
}
/* The PTE for lin in PT_TEST. */
static inline void pte_set(struct unit_machine *t, uint32_t lin, uint32_t v)
{
    wr32(t, PT_TEST + ((lin >> 12) & 0x3ff) * 4, v);
}
static inline uint32_t pte_get(struct unit_machine *t, uint32_t lin)
{
    return rd32(t, PT_TEST + ((lin >> 12) & 0x3ff) * 4);
}

/* Flat protected mode at ring 0 with paging on and fresh tables. */
static inline void core_paged(struct unit_machine *t)
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
static inline enum cpu_exit core_run(struct unit_machine *t, uint32_t eip, uint64_t n)
{
    t->cpu->eip = eip;
    t->cpu->halted = false;
    t->cpu->last_exception = -1;
    return cpu_run(t->cpu, n);
}

static inline bool core_faulted(struct unit_machine *t, enum cpu_exit e, int vector, uint32_t error)
{
    return e == CPU_EXIT_EXCEPTION && t->cpu->last_exception == vector &&
           t->cpu->last_error_code == error;
}

#endif
