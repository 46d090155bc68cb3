/*
 * Shared set-up for the system-architecture unit tests: a unit_machine on
 * 1 MiB of RAM with a GDT, an IDT and TSSs built in guest memory, and TRY(),
 * which runs a statement and returns the vector it faulted with (-1 when it
 * completed).
 *
 * The tests call the system helpers and instruction handlers directly, so
 * each check names one transfer and one expected outcome.
 */
#ifndef TESTS_UNIT_SYSTEM_HARNESS_H
#define TESTS_UNIT_SYSTEM_HARNESS_H

#include <setjmp.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/exec.h"
#include "cpu/fault.h"
#include "cpu/flags.h"
#include "cpu/seg.h"
#include "cpu/system.h"
#include "unit_machine.h"

#define RAM_SIZE (1u << 20)
#define GDT_BASE 0x1000u
#define IDT_BASE 0x2000u
#define TSS_BASE 0x3000u  /* the running task's TSS, with an I/O bitmap */
#define TSS2_BASE 0x5800u /* a second 32-bit task */
#define TSS16_BASE 0x5a00u
#define LDT_BASE 0x5c00u
#define STACK0_TOP 0x9000u /* ring 0 stack, from the TSS */
#define STACK3_TOP 0xa000u /* ring 3 stack */
#define IOMAP_OFFSET 0x68u
#define TSS_LIMIT (IOMAP_OFFSET + 0x2000u) /* bitmap for ports 0..0xffff, plus the 0xff byte */

/* Selectors. */
enum {
    SEL_CODE0 = 0x08, SEL_DATA0 = 0x10, SEL_CODE3 = 0x1b, SEL_DATA3 = 0x23,
    SEL_TSS = 0x28, SEL_CALLGATE = 0x33, SEL_TSS2 = 0x38, SEL_TASKGATE = 0x40,
    SEL_CODE16 = 0x48, SEL_EXPDOWN = 0x50, SEL_NOTPRESENT = 0x58, SEL_LDT = 0x60,
    SEL_CONFORMING = 0x68, SEL_DATA1 = 0x71, SEL_STACK16_0 = 0x78, SEL_TSS16 = 0x80,
    SEL_CALLGATE16 = 0x8b, SEL_CODE0_XO = 0x90,
    GDT_ENTRIES = 0x98 / 8,
};

/* Attribute words (cpu.h layout: type, S, DPL, P, AVL, L, DB, G). */
#define A_CODE(dpl) (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | ((dpl) << 5) | \
                     SEG_ATTR_DB | SEG_ATTR_G)
#define A_DATA(dpl) (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | ((dpl) << 5) | SEG_ATTR_DB | SEG_ATTR_G)

/* Run stmt; evaluate to the vector it faulted with, or -1. */
#define TRY(h, stmt) __extension__({ \
    volatile int try_vector_ = -1; \
    if (setjmp((h)->cpu->fault_jmp) == 0) { \
        stmt; \
    } else { \
        try_vector_ = (h)->cpu->fault_vector; \
    } \
    try_vector_; \
})
#define ERR(h) ((h)->cpu->fault_error)

/* A code/data/system descriptor from base, a 20-bit limit and an attribute
 * word (G scales the limit). */
static inline void put_desc(struct unit_machine *h, uint32_t table, uint16_t sel, uint32_t base,
                            uint32_t limit20, uint16_t attr)
{
    uint32_t lo = (limit20 & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000u) | (limit20 & 0xf0000u) |
                  ((uint32_t)(attr & 0xf0ff) << 8);
    wr32(h, table + (sel & ~7u), lo);
    wr32(h, table + (sel & ~7u) + 4, hi);
}

static inline void put_gate(struct unit_machine *h, uint32_t table, uint32_t index_bytes,
                            uint16_t sel, uint32_t offset, unsigned type, unsigned dpl,
                            unsigned params)
{
    uint32_t lo = (offset & 0xffff) | ((uint32_t)sel << 16);
    uint32_t hi = (offset & 0xffff0000u) | 0x8000u | (dpl << 13) | (type << 8) | (params & 0x1f);
    wr32(h, table + index_bytes, lo);
    wr32(h, table + index_bytes + 4, hi);
}

static inline void put_idt_gate(struct unit_machine *h, int vector, uint16_t sel, uint32_t offset,
                                unsigned type, unsigned dpl)
{
    put_gate(h, IDT_BASE, (uint32_t)vector * 8, sel, offset, type, dpl, 0);
}

static inline uint32_t gdt_hi(struct unit_machine *h, uint16_t sel)
{
    return rd32(h, GDT_BASE + (sel & ~7u) + 4);
}

/* Flat segments of a ring. */
static inline void set_ring(struct unit_machine *h, unsigned ring)
{
    uint16_t cs = ring ? SEL_CODE3 : SEL_CODE0, ds = ring ? SEL_DATA3 : SEL_DATA0;
    cpu_set_seg(h->cpu, SEG_CS, cs, 0, 0xffffffffu, A_CODE(ring) | SEG_TYPE_ACCESSED);
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            cpu_set_seg(h->cpu, s, ds, 0, 0xffffffffu, A_DATA(ring) | SEG_TYPE_ACCESSED);
    h->cpu->regs[R_ESP] = ring ? STACK3_TOP : STACK0_TOP;
}

/* Protected mode at CPL 0 with the GDT, an empty IDT and the TSS loaded. */
static inline void harness_init(struct unit_machine *h)
{
    unit_machine_init(h, RAM_SIZE);
    struct cpu *cpu = h->cpu;

    put_desc(h, GDT_BASE, SEL_CODE0, 0, 0xfffff, A_CODE(0));
    put_desc(h, GDT_BASE, SEL_DATA0, 0, 0xfffff, A_DATA(0));
    put_desc(h, GDT_BASE, SEL_CODE3, 0, 0xfffff, A_CODE(3));
    put_desc(h, GDT_BASE, SEL_DATA3, 0, 0xfffff, A_DATA(3));
    put_desc(h, GDT_BASE, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_BUSY);
    put_gate(h, GDT_BASE, SEL_CALLGATE & ~7u, SEL_CODE0, 0x7000, DESC_CALL32, 3, 2);
    put_desc(h, GDT_BASE, SEL_TSS2, TSS2_BASE, 0x67, SEG_ATTR_P | DESC_TSS32_AVAIL);
    put_gate(h, GDT_BASE, SEL_TASKGATE, SEL_TSS2, 0, DESC_TASK_GATE, 3, 0);
    put_desc(h, GDT_BASE, SEL_CODE16, 0, 0xffff,
             SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW);
    put_desc(h, GDT_BASE, SEL_EXPDOWN, 0, 0x0fff,
             SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_DC);
    put_desc(h, GDT_BASE, SEL_NOTPRESENT, 0, 0xfffff, A_DATA(0) & ~SEG_ATTR_P);
    put_desc(h, GDT_BASE, SEL_LDT, LDT_BASE, 0x0f, SEG_ATTR_P | DESC_LDT);
    put_desc(h, GDT_BASE, SEL_CONFORMING, 0, 0xfffff, A_CODE(0) | SEG_TYPE_DC);
    put_desc(h, GDT_BASE, SEL_DATA1, 0, 0xfffff, A_DATA(1));
    put_desc(h, GDT_BASE, SEL_STACK16_0, 0, 0xffff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW);
    put_desc(h, GDT_BASE, SEL_TSS16, TSS16_BASE, 0x2b, SEG_ATTR_P | DESC_TSS16_AVAIL);
    put_gate(h, GDT_BASE, SEL_CALLGATE16 & ~7u, SEL_CODE0, 0x7100, DESC_CALL16, 3, 1);
    put_desc(h, GDT_BASE, SEL_CODE0_XO, 0, 0xfffff, (A_CODE(0) & ~SEG_TYPE_RW));

    /* Ring 0 stack in the TSS; I/O bitmap all ones but for port 0x80. */
    wr32(h, TSS_BASE + 4, STACK0_TOP);
    wr16(h, TSS_BASE + 8, SEL_DATA0);
    wr16(h, TSS_BASE + 0x66, IOMAP_OFFSET);
    for (uint32_t i = 0; i <= 0x2000; i++)
        wr8(h, TSS_BASE + IOMAP_OFFSET + i, 0xff);
    wr8(h, TSS_BASE + IOMAP_OFFSET + 0x10, 0xfe);

    cpu->gdtr = (struct dtable){ GDT_BASE, GDT_ENTRIES * 8 - 1 };
    cpu->idtr = (struct dtable){ IDT_BASE, 256 * 8 - 1 };
    cpu->cr0 |= CR0_PE;
    set_ring(h, 0);
    seg_cache_set(&cpu->tr, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_BUSY);
    seg_cache_set(&cpu->ldtr, 0, 0, 0, 0);
    cpu->eip = 0x6000;
}

/* An instruction with a register operand in ModRM.rm (for handlers). */
static inline struct insn insn_reg(unsigned reg, unsigned rm, unsigned osize)
{
    struct insn in;
    memset(&in, 0, sizeof(in));
    in.mod = 3;
    in.reg = (uint8_t)reg;
    in.rm = (uint8_t)rm;
    in.osize = (uint8_t)osize;
    in.asize = 4;
    in.seg = SEG_DS;
    in.base = NO_REG;
    in.index = NO_REG;
    return in;
}

/* An instruction whose memory operand is [disp32] in DS. */
static inline struct insn insn_mem(uint32_t disp, unsigned osize)
{
    struct insn in = insn_reg(0, 0, osize);
    in.mod = 0;
    in.disp = (int32_t)disp;
    return in;
}

#endif
