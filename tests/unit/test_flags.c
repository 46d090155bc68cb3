/*
 * Unit tests of the arithmetic core: lazy flags (cpu/flags.c), the ALU,
 * multiply/divide, shifts, bit instructions and decimal adjust.
 *
 * Three kinds of checks:
 *  - tables captured from an Intel processor (shifts and rotates at the
 *    edge counts, SHLD/SHRD, decimal adjust), undefined flags included,
 *    since the core reproduces what Intel processors do there;
 *  - hand-written cases: multiply overflow, divide and #DE, memory
 *    operands, faults that must leave the state untouched;
 *  - on an x86 host, random operands run both on the host CPU and here,
 *    compared with the flags the SDM leaves undefined masked out.
 * After the table and random cases, flags_cond() must agree with
 * flags_compute() for all sixteen conditions, which checks its shortcuts.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/exec.h"
#include "cpu/fault.h"
#include "cpu/flags.h"
#include "cpu/seg.h"
#include "lintas/cpu.h"
#include "lintas/mem.h"
#include "unit_check.h"

#define RAM_SIZE (1u << 20)

enum { ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR };

struct env {
    struct cpu *cpu;
    struct phys_mem *mem;
    int passed, failed; /* the checks, see unit_check.h */
    uint64_t rng;
};

static uint32_t rnd(struct env *e)
{
    /* xorshift64*, fixed seed: every run checks the same cases. */
    e->rng ^= e->rng >> 12;
    e->rng ^= e->rng << 25;
    e->rng ^= e->rng >> 27;
    return (uint32_t)((e->rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Operands that hit the edges often: 0, all ones, single bits, small. */
static uint32_t rnd_operand(struct env *e)
{
    uint32_t v = rnd(e);
    switch (rnd(e) % 8) {
    case 0: return 0;
    case 1: return 0xffffffffu;
    case 2: return 1u << (v % 32);
    case 3: return v & 0xff;
    case 4: return v ^ 0x80000000u;
    default: return v;
    }
}

/* Run a handler; returns the vector it raised, or -1. */
static int run(struct cpu *cpu, exec_fn fn, const struct insn *in)
{
    if (setjmp(cpu->fault_jmp))
        return cpu->fault_vector;
    fn(cpu, in);
    return -1;
}

static struct insn reg_form(unsigned sub, unsigned osize, unsigned reg, unsigned rm)
{
    struct insn in;
    memset(&in, 0, sizeof(in));
    in.sub = (uint8_t)sub;
    in.osize = (uint8_t)osize;
    in.asize = 4;
    in.seg = SEG_DS;
    in.mod = 3;
    in.reg = (uint8_t)reg;
    in.rm = (uint8_t)rm;
    in.base = in.index = NO_REG;
    return in;
}

/* A memory operand at DS:addr (disp32, no base or index). */
static struct insn mem_form(unsigned sub, unsigned osize, unsigned reg, uint32_t addr)
{
    struct insn in = reg_form(sub, osize, reg, 0);
    in.mod = 0;
    in.rm = 5;
    in.disp = (int32_t)addr;
    return in;
}

static bool cond_of_flags(uint32_t f, unsigned cc)
{
    bool of = f & FL_OF, cf = f & FL_CF, zf = f & FL_ZF, sf = f & FL_SF, pf = f & FL_PF;
    bool r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || sf != of; break;
    }
    return r != (cc & 1);
}

static void check_conds(struct env *e, const char *what)
{
    uint32_t f = flags_compute(e->cpu);
    for (unsigned cc = 0; cc < 16; cc++)
        CHECK_MSG(e, flags_cond(e->cpu, cc) == cond_of_flags(f, cc),
                  "%s: flags_cond(%u) disagrees with flags %03x (cc_op %u)", what, cc, f,
                  e->cpu->cc_op);
}

static uint32_t reg32(const struct env *e, unsigned r)
{
    return (uint32_t)e->cpu->regs[r];
}

static uint32_t arith(const struct env *e)
{
    return flags_compute(e->cpu) & FL_ARITH;
}

static uint32_t mask_of(unsigned size)
{
    return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}

/* ---- Tables captured from an Intel processor ---------------------------- */

struct shift_vec {
    uint8_t kind, size, count;
    uint32_t a, fin, r, fout;
};
static const struct shift_vec shift_vecs[] = {
    { 0, 1, 0, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 0, 1, 0, 0xb5, 0x015, 0xb5, 0x015 },
    { 0, 1, 1, 0xb5, 0x8c0, 0x6b, 0x8c1 }, { 0, 1, 1, 0xb5, 0x015, 0x6b, 0x815 },
    { 0, 1, 7, 0xb5, 0x8c0, 0xda, 0x8c0 }, { 0, 1, 7, 0xb5, 0x015, 0xda, 0x814 },
    { 0, 1, 8, 0xb5, 0x8c0, 0xb5, 0x8c1 }, { 0, 1, 8, 0xb5, 0x015, 0xb5, 0x815 },
    { 0, 1, 9, 0xb5, 0x8c0, 0x6b, 0x8c1 }, { 0, 1, 9, 0xb5, 0x015, 0x6b, 0x815 },
    { 0, 1, 16, 0xb5, 0x8c0, 0xb5, 0x8c1 }, { 0, 1, 16, 0xb5, 0x015, 0xb5, 0x815 },
    { 0, 1, 17, 0xb5, 0x8c0, 0x6b, 0x8c1 }, { 0, 1, 17, 0xb5, 0x015, 0x6b, 0x815 },
    { 0, 1, 31, 0xb5, 0x8c0, 0xda, 0x8c0 }, { 0, 1, 31, 0xb5, 0x015, 0xda, 0x814 },
    { 0, 2, 0, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 0, 2, 0, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 0, 2, 1, 0xc6b5, 0x8c0, 0x8d6b, 0x0c1 }, { 0, 2, 1, 0xc6b5, 0x015, 0x8d6b, 0x015 },
    { 0, 2, 7, 0xc6b5, 0x8c0, 0x5ae3, 0x0c1 }, { 0, 2, 7, 0xc6b5, 0x015, 0x5ae3, 0x015 },
    { 0, 2, 8, 0xc6b5, 0x8c0, 0xb5c6, 0x0c0 }, { 0, 2, 8, 0xc6b5, 0x015, 0xb5c6, 0x014 },
    { 0, 2, 9, 0xc6b5, 0x8c0, 0x6b8d, 0x0c1 }, { 0, 2, 9, 0xc6b5, 0x015, 0x6b8d, 0x015 },
    { 0, 2, 16, 0xc6b5, 0x8c0, 0xc6b5, 0x0c1 }, { 0, 2, 16, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 0, 2, 17, 0xc6b5, 0x8c0, 0x8d6b, 0x0c1 }, { 0, 2, 17, 0xc6b5, 0x015, 0x8d6b, 0x015 },
    { 0, 2, 31, 0xc6b5, 0x8c0, 0xe35a, 0x0c0 }, { 0, 2, 31, 0xc6b5, 0x015, 0xe35a, 0x014 },
    { 0, 4, 0, 0x8badf00d, 0x8c0, 0x8badf00d, 0x8c0 }, { 0, 4, 0, 0x8badf00d, 0x015, 0x8badf00d, 0x015 },
    { 0, 4, 1, 0x8badf00d, 0x8c0, 0x175be01b, 0x8c1 }, { 0, 4, 1, 0x8badf00d, 0x015, 0x175be01b, 0x815 },
    { 0, 4, 7, 0x8badf00d, 0x8c0, 0xd6f806c5, 0x8c1 }, { 0, 4, 7, 0x8badf00d, 0x015, 0xd6f806c5, 0x815 },
    { 0, 4, 8, 0x8badf00d, 0x8c0, 0xadf00d8b, 0x8c1 }, { 0, 4, 8, 0x8badf00d, 0x015, 0xadf00d8b, 0x815 },
    { 0, 4, 9, 0x8badf00d, 0x8c0, 0x5be01b17, 0x8c1 }, { 0, 4, 9, 0x8badf00d, 0x015, 0x5be01b17, 0x815 },
    { 0, 4, 16, 0x8badf00d, 0x8c0, 0xf00d8bad, 0x8c1 }, { 0, 4, 16, 0x8badf00d, 0x015, 0xf00d8bad, 0x815 },
    { 0, 4, 17, 0x8badf00d, 0x8c0, 0xe01b175b, 0x8c1 }, { 0, 4, 17, 0x8badf00d, 0x015, 0xe01b175b, 0x815 },
    { 0, 4, 31, 0x8badf00d, 0x8c0, 0xc5d6f806, 0x8c0 }, { 0, 4, 31, 0x8badf00d, 0x015, 0xc5d6f806, 0x814 },
    { 1, 1, 0, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 1, 1, 0, 0xb5, 0x015, 0xb5, 0x015 },
    { 1, 1, 1, 0xb5, 0x8c0, 0xda, 0x0c1 }, { 1, 1, 1, 0xb5, 0x015, 0xda, 0x015 },
    { 1, 1, 7, 0xb5, 0x8c0, 0x6b, 0x0c0 }, { 1, 1, 7, 0xb5, 0x015, 0x6b, 0x014 },
    { 1, 1, 8, 0xb5, 0x8c0, 0xb5, 0x0c1 }, { 1, 1, 8, 0xb5, 0x015, 0xb5, 0x015 },
    { 1, 1, 9, 0xb5, 0x8c0, 0xda, 0x0c1 }, { 1, 1, 9, 0xb5, 0x015, 0xda, 0x015 },
    { 1, 1, 16, 0xb5, 0x8c0, 0xb5, 0x0c1 }, { 1, 1, 16, 0xb5, 0x015, 0xb5, 0x015 },
    { 1, 1, 17, 0xb5, 0x8c0, 0xda, 0x0c1 }, { 1, 1, 17, 0xb5, 0x015, 0xda, 0x015 },
    { 1, 1, 31, 0xb5, 0x8c0, 0x6b, 0x0c0 }, { 1, 1, 31, 0xb5, 0x015, 0x6b, 0x014 },
    { 1, 2, 0, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 1, 2, 0, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 1, 2, 1, 0xc6b5, 0x8c0, 0xe35a, 0x0c1 }, { 1, 2, 1, 0xc6b5, 0x015, 0xe35a, 0x015 },
    { 1, 2, 7, 0xc6b5, 0x8c0, 0x6b8d, 0x0c0 }, { 1, 2, 7, 0xc6b5, 0x015, 0x6b8d, 0x014 },
    { 1, 2, 8, 0xc6b5, 0x8c0, 0xb5c6, 0x0c1 }, { 1, 2, 8, 0xc6b5, 0x015, 0xb5c6, 0x015 },
    { 1, 2, 9, 0xc6b5, 0x8c0, 0x5ae3, 0x0c0 }, { 1, 2, 9, 0xc6b5, 0x015, 0x5ae3, 0x014 },
    { 1, 2, 16, 0xc6b5, 0x8c0, 0xc6b5, 0x0c1 }, { 1, 2, 16, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 1, 2, 17, 0xc6b5, 0x8c0, 0xe35a, 0x0c1 }, { 1, 2, 17, 0xc6b5, 0x015, 0xe35a, 0x015 },
    { 1, 2, 31, 0xc6b5, 0x8c0, 0x8d6b, 0x0c1 }, { 1, 2, 31, 0xc6b5, 0x015, 0x8d6b, 0x015 },
    { 1, 4, 0, 0x8badf00d, 0x8c0, 0x8badf00d, 0x8c0 }, { 1, 4, 0, 0x8badf00d, 0x015, 0x8badf00d, 0x015 },
    { 1, 4, 1, 0x8badf00d, 0x8c0, 0xc5d6f806, 0x0c1 }, { 1, 4, 1, 0x8badf00d, 0x015, 0xc5d6f806, 0x015 },
    { 1, 4, 7, 0x8badf00d, 0x8c0, 0x1b175be0, 0x0c0 }, { 1, 4, 7, 0x8badf00d, 0x015, 0x1b175be0, 0x014 },
    { 1, 4, 8, 0x8badf00d, 0x8c0, 0xd8badf0, 0x0c0 }, { 1, 4, 8, 0x8badf00d, 0x015, 0xd8badf0, 0x014 },
    { 1, 4, 9, 0x8badf00d, 0x8c0, 0x6c5d6f8, 0x0c0 }, { 1, 4, 9, 0x8badf00d, 0x015, 0x6c5d6f8, 0x014 },
    { 1, 4, 16, 0x8badf00d, 0x8c0, 0xf00d8bad, 0x0c1 }, { 1, 4, 16, 0x8badf00d, 0x015, 0xf00d8bad, 0x015 },
    { 1, 4, 17, 0x8badf00d, 0x8c0, 0xf806c5d6, 0x0c1 }, { 1, 4, 17, 0x8badf00d, 0x015, 0xf806c5d6, 0x015 },
    { 1, 4, 31, 0x8badf00d, 0x8c0, 0x175be01b, 0x0c0 }, { 1, 4, 31, 0x8badf00d, 0x015, 0x175be01b, 0x014 },
    { 2, 1, 0, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 2, 1, 0, 0xb5, 0x015, 0xb5, 0x015 },
    { 2, 1, 1, 0xb5, 0x8c0, 0x6a, 0x8c1 }, { 2, 1, 1, 0xb5, 0x015, 0x6b, 0x815 },
    { 2, 1, 7, 0xb5, 0x8c0, 0xad, 0x8c0 }, { 2, 1, 7, 0xb5, 0x015, 0xed, 0x814 },
    { 2, 1, 8, 0xb5, 0x8c0, 0x5a, 0x8c1 }, { 2, 1, 8, 0xb5, 0x015, 0xda, 0x815 },
    { 2, 1, 9, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 2, 1, 9, 0xb5, 0x015, 0xb5, 0x015 },
    { 2, 1, 16, 0xb5, 0x8c0, 0xad, 0x8c0 }, { 2, 1, 16, 0xb5, 0x015, 0xed, 0x814 },
    { 2, 1, 17, 0xb5, 0x8c0, 0x5a, 0x8c1 }, { 2, 1, 17, 0xb5, 0x015, 0xda, 0x815 },
    { 2, 1, 31, 0xb5, 0x8c0, 0x55, 0x8c1 }, { 2, 1, 31, 0xb5, 0x015, 0x5d, 0x815 },
    { 2, 2, 0, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 2, 2, 0, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 2, 2, 1, 0xc6b5, 0x8c0, 0x8d6a, 0x0c1 }, { 2, 2, 1, 0xc6b5, 0x015, 0x8d6b, 0x015 },
    { 2, 2, 7, 0xc6b5, 0x8c0, 0x5ab1, 0x0c1 }, { 2, 2, 7, 0xc6b5, 0x015, 0x5af1, 0x015 },
    { 2, 2, 8, 0xc6b5, 0x8c0, 0xb563, 0x0c0 }, { 2, 2, 8, 0xc6b5, 0x015, 0xb5e3, 0x014 },
    { 2, 2, 9, 0xc6b5, 0x8c0, 0x6ac6, 0x0c1 }, { 2, 2, 9, 0xc6b5, 0x015, 0x6bc6, 0x015 },
    { 2, 2, 16, 0xc6b5, 0x8c0, 0x635a, 0x0c1 }, { 2, 2, 16, 0xc6b5, 0x015, 0xe35a, 0x015 },
    { 2, 2, 17, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 2, 2, 17, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 2, 2, 31, 0xc6b5, 0x8c0, 0x58d6, 0x0c1 }, { 2, 2, 31, 0xc6b5, 0x015, 0x78d6, 0x015 },
    { 2, 4, 0, 0x8badf00d, 0x8c0, 0x8badf00d, 0x8c0 }, { 2, 4, 0, 0x8badf00d, 0x015, 0x8badf00d, 0x015 },
    { 2, 4, 1, 0x8badf00d, 0x8c0, 0x175be01a, 0x8c1 }, { 2, 4, 1, 0x8badf00d, 0x015, 0x175be01b, 0x815 },
    { 2, 4, 7, 0x8badf00d, 0x8c0, 0xd6f806a2, 0x8c1 }, { 2, 4, 7, 0x8badf00d, 0x015, 0xd6f806e2, 0x815 },
    { 2, 4, 8, 0x8badf00d, 0x8c0, 0xadf00d45, 0x8c1 }, { 2, 4, 8, 0x8badf00d, 0x015, 0xadf00dc5, 0x815 },
    { 2, 4, 9, 0x8badf00d, 0x8c0, 0x5be01a8b, 0x8c1 }, { 2, 4, 9, 0x8badf00d, 0x015, 0x5be01b8b, 0x815 },
    { 2, 4, 16, 0x8badf00d, 0x8c0, 0xf00d45d6, 0x8c1 }, { 2, 4, 16, 0x8badf00d, 0x015, 0xf00dc5d6, 0x815 },
    { 2, 4, 17, 0x8badf00d, 0x8c0, 0xe01a8bad, 0x8c1 }, { 2, 4, 17, 0x8badf00d, 0x015, 0xe01b8bad, 0x815 },
    { 2, 4, 31, 0x8badf00d, 0x8c0, 0xa2eb7c03, 0x8c0 }, { 2, 4, 31, 0x8badf00d, 0x015, 0xe2eb7c03, 0x814 },
    { 3, 1, 0, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 3, 1, 0, 0xb5, 0x015, 0xb5, 0x015 },
    { 3, 1, 1, 0xb5, 0x8c0, 0x5a, 0x8c1 }, { 3, 1, 1, 0xb5, 0x015, 0xda, 0x015 },
    { 3, 1, 7, 0xb5, 0x8c0, 0xd5, 0x8c0 }, { 3, 1, 7, 0xb5, 0x015, 0xd7, 0x014 },
    { 3, 1, 8, 0xb5, 0x8c0, 0x6a, 0x8c1 }, { 3, 1, 8, 0xb5, 0x015, 0x6b, 0x015 },
    { 3, 1, 9, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 3, 1, 9, 0xb5, 0x015, 0xb5, 0x015 },
    { 3, 1, 16, 0xb5, 0x8c0, 0xd5, 0x8c0 }, { 3, 1, 16, 0xb5, 0x015, 0xd7, 0x014 },
    { 3, 1, 17, 0xb5, 0x8c0, 0x6a, 0x8c1 }, { 3, 1, 17, 0xb5, 0x015, 0x6b, 0x015 },
    { 3, 1, 31, 0xb5, 0x8c0, 0xab, 0x8c0 }, { 3, 1, 31, 0xb5, 0x015, 0xbb, 0x014 },
    { 3, 2, 0, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 3, 2, 0, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 3, 2, 1, 0xc6b5, 0x8c0, 0x635a, 0x8c1 }, { 3, 2, 1, 0xc6b5, 0x015, 0xe35a, 0x015 },
    { 3, 2, 7, 0xc6b5, 0x8c0, 0xd58d, 0x8c0 }, { 3, 2, 7, 0xc6b5, 0x015, 0xd78d, 0x014 },
    { 3, 2, 8, 0xc6b5, 0x8c0, 0x6ac6, 0x8c1 }, { 3, 2, 8, 0xc6b5, 0x015, 0x6bc6, 0x015 },
    { 3, 2, 9, 0xc6b5, 0x8c0, 0xb563, 0x8c0 }, { 3, 2, 9, 0xc6b5, 0x015, 0xb5e3, 0x014 },
    { 3, 2, 16, 0xc6b5, 0x8c0, 0x8d6a, 0x8c1 }, { 3, 2, 16, 0xc6b5, 0x015, 0x8d6b, 0x015 },
    { 3, 2, 17, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 3, 2, 17, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 3, 2, 31, 0xc6b5, 0x8c0, 0x35ab, 0x8c0 }, { 3, 2, 31, 0xc6b5, 0x015, 0x35af, 0x014 },
    { 3, 4, 0, 0x8badf00d, 0x8c0, 0x8badf00d, 0x8c0 }, { 3, 4, 0, 0x8badf00d, 0x015, 0x8badf00d, 0x015 },
    { 3, 4, 1, 0x8badf00d, 0x8c0, 0x45d6f806, 0x8c1 }, { 3, 4, 1, 0x8badf00d, 0x015, 0xc5d6f806, 0x015 },
    { 3, 4, 7, 0x8badf00d, 0x8c0, 0x35175be0, 0x8c0 }, { 3, 4, 7, 0x8badf00d, 0x015, 0x37175be0, 0x014 },
    { 3, 4, 8, 0x8badf00d, 0x8c0, 0x1a8badf0, 0x8c0 }, { 3, 4, 8, 0x8badf00d, 0x015, 0x1b8badf0, 0x014 },
    { 3, 4, 9, 0x8badf00d, 0x8c0, 0xd45d6f8, 0x8c0 }, { 3, 4, 9, 0x8badf00d, 0x015, 0xdc5d6f8, 0x014 },
    { 3, 4, 16, 0x8badf00d, 0x8c0, 0xe01a8bad, 0x8c1 }, { 3, 4, 16, 0x8badf00d, 0x015, 0xe01b8bad, 0x015 },
    { 3, 4, 17, 0x8badf00d, 0x8c0, 0xf00d45d6, 0x8c1 }, { 3, 4, 17, 0x8badf00d, 0x015, 0xf00dc5d6, 0x015 },
    { 3, 4, 31, 0x8badf00d, 0x8c0, 0x2eb7c035, 0x8c0 }, { 3, 4, 31, 0x8badf00d, 0x015, 0x2eb7c037, 0x014 },
    { 4, 1, 0, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 4, 1, 0, 0xb5, 0x015, 0xb5, 0x015 },
    { 4, 1, 1, 0xb5, 0x8c0, 0x6a, 0x805 }, { 4, 1, 1, 0xb5, 0x015, 0x6a, 0x805 },
    { 4, 1, 7, 0xb5, 0x8c0, 0x80, 0x880 }, { 4, 1, 7, 0xb5, 0x015, 0x80, 0x880 },
    { 4, 1, 8, 0xb5, 0x8c0, 0x0, 0x845 }, { 4, 1, 8, 0xb5, 0x015, 0x0, 0x845 },
    { 4, 1, 9, 0xb5, 0x8c0, 0x0, 0x844 }, { 4, 1, 9, 0xb5, 0x015, 0x0, 0x844 },
    { 4, 1, 16, 0xb5, 0x8c0, 0x0, 0x844 }, { 4, 1, 16, 0xb5, 0x015, 0x0, 0x844 },
    { 4, 1, 17, 0xb5, 0x8c0, 0x0, 0x844 }, { 4, 1, 17, 0xb5, 0x015, 0x0, 0x844 },
    { 4, 1, 31, 0xb5, 0x8c0, 0x0, 0x844 }, { 4, 1, 31, 0xb5, 0x015, 0x0, 0x844 },
    { 4, 2, 0, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 4, 2, 0, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 4, 2, 1, 0xc6b5, 0x8c0, 0x8d6a, 0x085 }, { 4, 2, 1, 0xc6b5, 0x015, 0x8d6a, 0x085 },
    { 4, 2, 7, 0xc6b5, 0x8c0, 0x5a80, 0x001 }, { 4, 2, 7, 0xc6b5, 0x015, 0x5a80, 0x001 },
    { 4, 2, 8, 0xc6b5, 0x8c0, 0xb500, 0x084 }, { 4, 2, 8, 0xc6b5, 0x015, 0xb500, 0x084 },
    { 4, 2, 9, 0xc6b5, 0x8c0, 0x6a00, 0x005 }, { 4, 2, 9, 0xc6b5, 0x015, 0x6a00, 0x005 },
    { 4, 2, 16, 0xc6b5, 0x8c0, 0x0, 0x045 }, { 4, 2, 16, 0xc6b5, 0x015, 0x0, 0x045 },
    { 4, 2, 17, 0xc6b5, 0x8c0, 0x0, 0x044 }, { 4, 2, 17, 0xc6b5, 0x015, 0x0, 0x044 },
    { 4, 2, 31, 0xc6b5, 0x8c0, 0x0, 0x044 }, { 4, 2, 31, 0xc6b5, 0x015, 0x0, 0x044 },
    { 4, 4, 0, 0x8badf00d, 0x8c0, 0x8badf00d, 0x8c0 }, { 4, 4, 0, 0x8badf00d, 0x015, 0x8badf00d, 0x015 },
    { 4, 4, 1, 0x8badf00d, 0x8c0, 0x175be01a, 0x801 }, { 4, 4, 1, 0x8badf00d, 0x015, 0x175be01a, 0x801 },
    { 4, 4, 7, 0x8badf00d, 0x8c0, 0xd6f80680, 0x881 }, { 4, 4, 7, 0x8badf00d, 0x015, 0xd6f80680, 0x881 },
    { 4, 4, 8, 0x8badf00d, 0x8c0, 0xadf00d00, 0x885 }, { 4, 4, 8, 0x8badf00d, 0x015, 0xadf00d00, 0x885 },
    { 4, 4, 9, 0x8badf00d, 0x8c0, 0x5be01a00, 0x805 }, { 4, 4, 9, 0x8badf00d, 0x015, 0x5be01a00, 0x805 },
    { 4, 4, 16, 0x8badf00d, 0x8c0, 0xf00d0000, 0x885 }, { 4, 4, 16, 0x8badf00d, 0x015, 0xf00d0000, 0x885 },
    { 4, 4, 17, 0x8badf00d, 0x8c0, 0xe01a0000, 0x885 }, { 4, 4, 17, 0x8badf00d, 0x015, 0xe01a0000, 0x885 },
    { 4, 4, 31, 0x8badf00d, 0x8c0, 0x80000000, 0x884 }, { 4, 4, 31, 0x8badf00d, 0x015, 0x80000000, 0x884 },
    { 5, 1, 0, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 5, 1, 0, 0xb5, 0x015, 0xb5, 0x015 },
    { 5, 1, 1, 0xb5, 0x8c0, 0x5a, 0x805 }, { 5, 1, 1, 0xb5, 0x015, 0x5a, 0x805 },
    { 5, 1, 7, 0xb5, 0x8c0, 0x1, 0x800 }, { 5, 1, 7, 0xb5, 0x015, 0x1, 0x800 },
    { 5, 1, 8, 0xb5, 0x8c0, 0x0, 0x845 }, { 5, 1, 8, 0xb5, 0x015, 0x0, 0x845 },
    { 5, 1, 9, 0xb5, 0x8c0, 0x0, 0x844 }, { 5, 1, 9, 0xb5, 0x015, 0x0, 0x844 },
    { 5, 1, 16, 0xb5, 0x8c0, 0x0, 0x844 }, { 5, 1, 16, 0xb5, 0x015, 0x0, 0x844 },
    { 5, 1, 17, 0xb5, 0x8c0, 0x0, 0x844 }, { 5, 1, 17, 0xb5, 0x015, 0x0, 0x844 },
    { 5, 1, 31, 0xb5, 0x8c0, 0x0, 0x844 }, { 5, 1, 31, 0xb5, 0x015, 0x0, 0x844 },
    { 5, 2, 0, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 5, 2, 0, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 5, 2, 1, 0xc6b5, 0x8c0, 0x635a, 0x805 }, { 5, 2, 1, 0xc6b5, 0x015, 0x635a, 0x805 },
    { 5, 2, 7, 0xc6b5, 0x8c0, 0x18d, 0x804 }, { 5, 2, 7, 0xc6b5, 0x015, 0x18d, 0x804 },
    { 5, 2, 8, 0xc6b5, 0x8c0, 0xc6, 0x805 }, { 5, 2, 8, 0xc6b5, 0x015, 0xc6, 0x805 },
    { 5, 2, 9, 0xc6b5, 0x8c0, 0x63, 0x804 }, { 5, 2, 9, 0xc6b5, 0x015, 0x63, 0x804 },
    { 5, 2, 16, 0xc6b5, 0x8c0, 0x0, 0x845 }, { 5, 2, 16, 0xc6b5, 0x015, 0x0, 0x845 },
    { 5, 2, 17, 0xc6b5, 0x8c0, 0x0, 0x844 }, { 5, 2, 17, 0xc6b5, 0x015, 0x0, 0x844 },
    { 5, 2, 31, 0xc6b5, 0x8c0, 0x0, 0x844 }, { 5, 2, 31, 0xc6b5, 0x015, 0x0, 0x844 },
    { 5, 4, 0, 0x8badf00d, 0x8c0, 0x8badf00d, 0x8c0 }, { 5, 4, 0, 0x8badf00d, 0x015, 0x8badf00d, 0x015 },
    { 5, 4, 1, 0x8badf00d, 0x8c0, 0x45d6f806, 0x805 }, { 5, 4, 1, 0x8badf00d, 0x015, 0x45d6f806, 0x805 },
    { 5, 4, 7, 0x8badf00d, 0x8c0, 0x1175be0, 0x800 }, { 5, 4, 7, 0x8badf00d, 0x015, 0x1175be0, 0x800 },
    { 5, 4, 8, 0x8badf00d, 0x8c0, 0x8badf0, 0x804 }, { 5, 4, 8, 0x8badf00d, 0x015, 0x8badf0, 0x804 },
    { 5, 4, 9, 0x8badf00d, 0x8c0, 0x45d6f8, 0x800 }, { 5, 4, 9, 0x8badf00d, 0x015, 0x45d6f8, 0x800 },
    { 5, 4, 16, 0x8badf00d, 0x8c0, 0x8bad, 0x801 }, { 5, 4, 16, 0x8badf00d, 0x015, 0x8bad, 0x801 },
    { 5, 4, 17, 0x8badf00d, 0x8c0, 0x45d6, 0x801 }, { 5, 4, 17, 0x8badf00d, 0x015, 0x45d6, 0x801 },
    { 5, 4, 31, 0x8badf00d, 0x8c0, 0x1, 0x800 }, { 5, 4, 31, 0x8badf00d, 0x015, 0x1, 0x800 },
    { 6, 1, 0, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 6, 1, 0, 0xb5, 0x015, 0xb5, 0x015 },
    { 6, 1, 1, 0xb5, 0x8c0, 0x6a, 0x805 }, { 6, 1, 1, 0xb5, 0x015, 0x6a, 0x805 },
    { 6, 1, 7, 0xb5, 0x8c0, 0x80, 0x880 }, { 6, 1, 7, 0xb5, 0x015, 0x80, 0x880 },
    { 6, 1, 8, 0xb5, 0x8c0, 0x0, 0x845 }, { 6, 1, 8, 0xb5, 0x015, 0x0, 0x845 },
    { 6, 1, 9, 0xb5, 0x8c0, 0x0, 0x844 }, { 6, 1, 9, 0xb5, 0x015, 0x0, 0x844 },
    { 6, 1, 16, 0xb5, 0x8c0, 0x0, 0x844 }, { 6, 1, 16, 0xb5, 0x015, 0x0, 0x844 },
    { 6, 1, 17, 0xb5, 0x8c0, 0x0, 0x844 }, { 6, 1, 17, 0xb5, 0x015, 0x0, 0x844 },
    { 6, 1, 31, 0xb5, 0x8c0, 0x0, 0x844 }, { 6, 1, 31, 0xb5, 0x015, 0x0, 0x844 },
    { 6, 2, 0, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 6, 2, 0, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 6, 2, 1, 0xc6b5, 0x8c0, 0x8d6a, 0x085 }, { 6, 2, 1, 0xc6b5, 0x015, 0x8d6a, 0x085 },
    { 6, 2, 7, 0xc6b5, 0x8c0, 0x5a80, 0x001 }, { 6, 2, 7, 0xc6b5, 0x015, 0x5a80, 0x001 },
    { 6, 2, 8, 0xc6b5, 0x8c0, 0xb500, 0x084 }, { 6, 2, 8, 0xc6b5, 0x015, 0xb500, 0x084 },
    { 6, 2, 9, 0xc6b5, 0x8c0, 0x6a00, 0x005 }, { 6, 2, 9, 0xc6b5, 0x015, 0x6a00, 0x005 },
    { 6, 2, 16, 0xc6b5, 0x8c0, 0x0, 0x045 }, { 6, 2, 16, 0xc6b5, 0x015, 0x0, 0x045 },
    { 6, 2, 17, 0xc6b5, 0x8c0, 0x0, 0x044 }, { 6, 2, 17, 0xc6b5, 0x015, 0x0, 0x044 },
    { 6, 2, 31, 0xc6b5, 0x8c0, 0x0, 0x044 }, { 6, 2, 31, 0xc6b5, 0x015, 0x0, 0x044 },
    { 6, 4, 0, 0x8badf00d, 0x8c0, 0x8badf00d, 0x8c0 }, { 6, 4, 0, 0x8badf00d, 0x015, 0x8badf00d, 0x015 },
    { 6, 4, 1, 0x8badf00d, 0x8c0, 0x175be01a, 0x801 }, { 6, 4, 1, 0x8badf00d, 0x015, 0x175be01a, 0x801 },
    { 6, 4, 7, 0x8badf00d, 0x8c0, 0xd6f80680, 0x881 }, { 6, 4, 7, 0x8badf00d, 0x015, 0xd6f80680, 0x881 },
    { 6, 4, 8, 0x8badf00d, 0x8c0, 0xadf00d00, 0x885 }, { 6, 4, 8, 0x8badf00d, 0x015, 0xadf00d00, 0x885 },
    { 6, 4, 9, 0x8badf00d, 0x8c0, 0x5be01a00, 0x805 }, { 6, 4, 9, 0x8badf00d, 0x015, 0x5be01a00, 0x805 },
    { 6, 4, 16, 0x8badf00d, 0x8c0, 0xf00d0000, 0x885 }, { 6, 4, 16, 0x8badf00d, 0x015, 0xf00d0000, 0x885 },
    { 6, 4, 17, 0x8badf00d, 0x8c0, 0xe01a0000, 0x885 }, { 6, 4, 17, 0x8badf00d, 0x015, 0xe01a0000, 0x885 },
    { 6, 4, 31, 0x8badf00d, 0x8c0, 0x80000000, 0x884 }, { 6, 4, 31, 0x8badf00d, 0x015, 0x80000000, 0x884 },
    { 7, 1, 0, 0xb5, 0x8c0, 0xb5, 0x8c0 }, { 7, 1, 0, 0xb5, 0x015, 0xb5, 0x015 },
    { 7, 1, 1, 0xb5, 0x8c0, 0xda, 0x081 }, { 7, 1, 1, 0xb5, 0x015, 0xda, 0x081 },
    { 7, 1, 7, 0xb5, 0x8c0, 0xff, 0x084 }, { 7, 1, 7, 0xb5, 0x015, 0xff, 0x084 },
    { 7, 1, 8, 0xb5, 0x8c0, 0xff, 0x085 }, { 7, 1, 8, 0xb5, 0x015, 0xff, 0x085 },
    { 7, 1, 9, 0xb5, 0x8c0, 0xff, 0x085 }, { 7, 1, 9, 0xb5, 0x015, 0xff, 0x085 },
    { 7, 1, 16, 0xb5, 0x8c0, 0xff, 0x085 }, { 7, 1, 16, 0xb5, 0x015, 0xff, 0x085 },
    { 7, 1, 17, 0xb5, 0x8c0, 0xff, 0x085 }, { 7, 1, 17, 0xb5, 0x015, 0xff, 0x085 },
    { 7, 1, 31, 0xb5, 0x8c0, 0xff, 0x085 }, { 7, 1, 31, 0xb5, 0x015, 0xff, 0x085 },
    { 7, 2, 0, 0xc6b5, 0x8c0, 0xc6b5, 0x8c0 }, { 7, 2, 0, 0xc6b5, 0x015, 0xc6b5, 0x015 },
    { 7, 2, 1, 0xc6b5, 0x8c0, 0xe35a, 0x085 }, { 7, 2, 1, 0xc6b5, 0x015, 0xe35a, 0x085 },
    { 7, 2, 7, 0xc6b5, 0x8c0, 0xff8d, 0x084 }, { 7, 2, 7, 0xc6b5, 0x015, 0xff8d, 0x084 },
    { 7, 2, 8, 0xc6b5, 0x8c0, 0xffc6, 0x085 }, { 7, 2, 8, 0xc6b5, 0x015, 0xffc6, 0x085 },
    { 7, 2, 9, 0xc6b5, 0x8c0, 0xffe3, 0x080 }, { 7, 2, 9, 0xc6b5, 0x015, 0xffe3, 0x080 },
    { 7, 2, 16, 0xc6b5, 0x8c0, 0xffff, 0x085 }, { 7, 2, 16, 0xc6b5, 0x015, 0xffff, 0x085 },
    { 7, 2, 17, 0xc6b5, 0x8c0, 0xffff, 0x085 }, { 7, 2, 17, 0xc6b5, 0x015, 0xffff, 0x085 },
    { 7, 2, 31, 0xc6b5, 0x8c0, 0xffff, 0x085 }, { 7, 2, 31, 0xc6b5, 0x015, 0xffff, 0x085 },
    { 7, 4, 0, 0x8badf00d, 0x8c0, 0x8badf00d, 0x8c0 }, { 7, 4, 0, 0x8badf00d, 0x015, 0x8badf00d, 0x015 },
    { 7, 4, 1, 0x8badf00d, 0x8c0, 0xc5d6f806, 0x085 }, { 7, 4, 1, 0x8badf00d, 0x015, 0xc5d6f806, 0x085 },
    { 7, 4, 7, 0x8badf00d, 0x8c0, 0xff175be0, 0x080 }, { 7, 4, 7, 0x8badf00d, 0x015, 0xff175be0, 0x080 },
    { 7, 4, 8, 0x8badf00d, 0x8c0, 0xff8badf0, 0x084 }, { 7, 4, 8, 0x8badf00d, 0x015, 0xff8badf0, 0x084 },
    { 7, 4, 9, 0x8badf00d, 0x8c0, 0xffc5d6f8, 0x080 }, { 7, 4, 9, 0x8badf00d, 0x015, 0xffc5d6f8, 0x080 },
    { 7, 4, 16, 0x8badf00d, 0x8c0, 0xffff8bad, 0x081 }, { 7, 4, 16, 0x8badf00d, 0x015, 0xffff8bad, 0x081 },
    { 7, 4, 17, 0x8badf00d, 0x8c0, 0xffffc5d6, 0x081 }, { 7, 4, 17, 0x8badf00d, 0x015, 0xffffc5d6, 0x081 },
    { 7, 4, 31, 0x8badf00d, 0x8c0, 0xffffffff, 0x084 }, { 7, 4, 31, 0x8badf00d, 0x015, 0xffffffff, 0x084 },
};

struct dshift_vec {
    uint8_t right, size, count;
    uint32_t a, b, r, fout; /* flags in: OF SF ZF AF PF set, CF clear */
};
static const struct dshift_vec dshift_vecs[] = {
    { 0, 2, 0, 0xc6b5, 0x3a4e, 0xc6b5, 0x8d4 }, { 0, 2, 1, 0xc6b5, 0x3a4e, 0x8d6a, 0x085 },
    { 0, 2, 4, 0xc6b5, 0x3a4e, 0x6b53, 0x004 }, { 0, 2, 15, 0xc6b5, 0x3a4e, 0x9d27, 0x084 },
    { 0, 2, 16, 0xc6b5, 0x3a4e, 0x3a4e, 0x005 }, { 0, 2, 17, 0xc6b5, 0x3a4e, 0x749d, 0x000 },
    { 0, 2, 20, 0xc6b5, 0x3a4e, 0xa4ec, 0x081 }, { 0, 2, 31, 0xc6b5, 0x3a4e, 0x635a, 0x005 },
    { 0, 4, 0, 0x8badf00d, 0x6543210f, 0x8badf00d, 0x8d4 }, { 0, 4, 1, 0x8badf00d, 0x6543210f, 0x175be01a, 0x801 },
    { 0, 4, 4, 0x8badf00d, 0x6543210f, 0xbadf00d6, 0x880 }, { 0, 4, 15, 0x8badf00d, 0x6543210f, 0xf806b2a1, 0x880 },
    { 0, 4, 16, 0x8badf00d, 0x6543210f, 0xf00d6543, 0x881 }, { 0, 4, 17, 0x8badf00d, 0x6543210f, 0xe01aca86, 0x881 },
    { 0, 4, 20, 0x8badf00d, 0x6543210f, 0xd65432, 0x801 }, { 0, 4, 31, 0x8badf00d, 0x6543210f, 0xb2a19087, 0x884 },
    { 1, 2, 0, 0xc6b5, 0x3a4e, 0xc6b5, 0x8d4 }, { 1, 2, 1, 0xc6b5, 0x3a4e, 0x635a, 0x805 },
    { 1, 2, 4, 0xc6b5, 0x3a4e, 0xec6b, 0x880 }, { 1, 2, 15, 0xc6b5, 0x3a4e, 0x749d, 0x801 },
    { 1, 2, 16, 0xc6b5, 0x3a4e, 0x3a4e, 0x805 }, { 1, 2, 17, 0xc6b5, 0x3a4e, 0x9d27, 0x884 },
    { 1, 2, 20, 0xc6b5, 0x3a4e, 0x53a4, 0x801 }, { 1, 2, 31, 0xc6b5, 0x3a4e, 0x8d6a, 0x884 },
    { 1, 4, 0, 0x8badf00d, 0x6543210f, 0x8badf00d, 0x8d4 }, { 1, 4, 1, 0x8badf00d, 0x6543210f, 0xc5d6f806, 0x085 },
    { 1, 4, 4, 0x8badf00d, 0x6543210f, 0xf8badf00, 0x085 }, { 1, 4, 15, 0x8badf00d, 0x6543210f, 0x421f175b, 0x001 },
    { 1, 4, 16, 0x8badf00d, 0x6543210f, 0x210f8bad, 0x001 }, { 1, 4, 17, 0x8badf00d, 0x6543210f, 0x9087c5d6, 0x081 },
    { 1, 4, 20, 0x8badf00d, 0x6543210f, 0x3210f8ba, 0x001 }, { 1, 4, 31, 0x8badf00d, 0x6543210f, 0xca86421f, 0x080 },
};

struct bcd_vec {
    uint8_t kind; /* DAA DAS AAA AAS */
    uint16_t ax;
    uint16_t fin, ax_out, fout;
};
static const struct bcd_vec bcd_vecs[] = {
    { 0, 0x1200, 0x000, 0x1200, 0x044 }, { 0, 0x1200, 0x001, 0x1260, 0x005 }, { 0, 0x1200, 0x010, 0x1206, 0x014 },
    { 0, 0x1200, 0x011, 0x1266, 0x015 }, { 0, 0xff05, 0x000, 0xff05, 0x004 }, { 0, 0xff05, 0x001, 0xff65, 0x005 },
    { 0, 0xff05, 0x010, 0xff0b, 0x010 }, { 0, 0xff05, 0x011, 0xff6b, 0x011 }, { 0, 0x1209, 0x8c4, 0x1209, 0x004 },
    { 0, 0x1209, 0x8c5, 0x1269, 0x005 }, { 0, 0x1209, 0x8d4, 0x120f, 0x014 }, { 0, 0x1209, 0x8d5, 0x126f, 0x015 },
    { 0, 0xff0a, 0x8c4, 0xff10, 0x010 }, { 0, 0xff0a, 0x8c5, 0xff70, 0x011 }, { 0, 0xff0a, 0x8d4, 0xff10, 0x010 },
    { 0, 0xff0a, 0x8d5, 0xff70, 0x011 }, { 0, 0x120f, 0x000, 0x1215, 0x010 }, { 0, 0x120f, 0x001, 0x1275, 0x011 },
    { 0, 0x120f, 0x010, 0x1215, 0x010 }, { 0, 0x120f, 0x011, 0x1275, 0x011 }, { 0, 0xff10, 0x000, 0xff10, 0x000 },
    { 0, 0xff10, 0x001, 0xff70, 0x001 }, { 0, 0xff10, 0x010, 0xff16, 0x010 }, { 0, 0xff10, 0x011, 0xff76, 0x011 },
    { 0, 0x1219, 0x8c4, 0x1219, 0x000 }, { 0, 0x1219, 0x8c5, 0x1279, 0x001 }, { 0, 0x1219, 0x8d4, 0x121f, 0x010 },
    { 0, 0x1219, 0x8d5, 0x127f, 0x011 }, { 0, 0xff1a, 0x8c4, 0xff20, 0x010 }, { 0, 0xff1a, 0x8c5, 0xff80, 0x091 },
    { 0, 0xff1a, 0x8d4, 0xff20, 0x010 }, { 0, 0xff1a, 0x8d5, 0xff80, 0x091 }, { 0, 0x125f, 0x000, 0x1265, 0x014 },
    { 0, 0x125f, 0x001, 0x12c5, 0x095 }, { 0, 0x125f, 0x010, 0x1265, 0x014 }, { 0, 0x125f, 0x011, 0x12c5, 0x095 },
    { 0, 0xff60, 0x000, 0xff60, 0x004 }, { 0, 0xff60, 0x001, 0xffc0, 0x085 }, { 0, 0xff60, 0x010, 0xff66, 0x014 },
    { 0, 0xff60, 0x011, 0xffc6, 0x095 }, { 0, 0x1299, 0x8c4, 0x1299, 0x084 }, { 0, 0x1299, 0x8c5, 0x12f9, 0x085 },
    { 0, 0x1299, 0x8d4, 0x129f, 0x094 }, { 0, 0x1299, 0x8d5, 0x12ff, 0x095 }, { 0, 0xff9a, 0x8c4, 0xff00, 0x055 },
    { 0, 0xff9a, 0x8c5, 0xff00, 0x055 }, { 0, 0xff9a, 0x8d4, 0xff00, 0x055 }, { 0, 0xff9a, 0x8d5, 0xff00, 0x055 },
    { 0, 0x129f, 0x000, 0x1205, 0x015 }, { 0, 0x129f, 0x001, 0x1205, 0x015 }, { 0, 0x129f, 0x010, 0x1205, 0x015 },
    { 0, 0x129f, 0x011, 0x1205, 0x015 }, { 0, 0xffa0, 0x000, 0xff00, 0x045 }, { 0, 0xffa0, 0x001, 0xff00, 0x045 },
    { 0, 0xffa0, 0x010, 0xff06, 0x015 }, { 0, 0xffa0, 0x011, 0xff06, 0x015 }, { 0, 0x12f9, 0x8c4, 0x1259, 0x005 },
    { 0, 0x12f9, 0x8c5, 0x1259, 0x005 }, { 0, 0x12f9, 0x8d4, 0x125f, 0x015 }, { 0, 0x12f9, 0x8d5, 0x125f, 0x015 },
    { 0, 0xfffa, 0x8c4, 0xff60, 0x015 }, { 0, 0xfffa, 0x8c5, 0xff60, 0x015 }, { 0, 0xfffa, 0x8d4, 0xff60, 0x015 },
    { 0, 0xfffa, 0x8d5, 0xff60, 0x015 }, { 0, 0x12ff, 0x000, 0x1265, 0x015 }, { 0, 0x12ff, 0x001, 0x1265, 0x015 },
    { 0, 0x12ff, 0x010, 0x1265, 0x015 }, { 0, 0x12ff, 0x011, 0x1265, 0x015 }, { 1, 0x1200, 0x000, 0x1200, 0x044 },
    { 1, 0x1200, 0x001, 0x12a0, 0x085 }, { 1, 0x1200, 0x010, 0x12fa, 0x095 }, { 1, 0x1200, 0x011, 0x129a, 0x095 },
    { 1, 0xff05, 0x000, 0xff05, 0x004 }, { 1, 0xff05, 0x001, 0xffa5, 0x085 }, { 1, 0xff05, 0x010, 0xffff, 0x095 },
    { 1, 0xff05, 0x011, 0xff9f, 0x095 }, { 1, 0x1209, 0x8c4, 0x1209, 0x004 }, { 1, 0x1209, 0x8c5, 0x12a9, 0x085 },
    { 1, 0x1209, 0x8d4, 0x1203, 0x014 }, { 1, 0x1209, 0x8d5, 0x12a3, 0x095 }, { 1, 0xff0a, 0x8c4, 0xff04, 0x010 },
    { 1, 0xff0a, 0x8c5, 0xffa4, 0x091 }, { 1, 0xff0a, 0x8d4, 0xff04, 0x010 }, { 1, 0xff0a, 0x8d5, 0xffa4, 0x091 },
    { 1, 0x120f, 0x000, 0x1209, 0x014 }, { 1, 0x120f, 0x001, 0x12a9, 0x095 }, { 1, 0x120f, 0x010, 0x1209, 0x014 },
    { 1, 0x120f, 0x011, 0x12a9, 0x095 }, { 1, 0xff10, 0x000, 0xff10, 0x000 }, { 1, 0xff10, 0x001, 0xffb0, 0x081 },
    { 1, 0xff10, 0x010, 0xff0a, 0x014 }, { 1, 0xff10, 0x011, 0xffaa, 0x095 }, { 1, 0x1219, 0x8c4, 0x1219, 0x000 },
    { 1, 0x1219, 0x8c5, 0x12b9, 0x081 }, { 1, 0x1219, 0x8d4, 0x1213, 0x010 }, { 1, 0x1219, 0x8d5, 0x12b3, 0x091 },
    { 1, 0xff1a, 0x8c4, 0xff14, 0x014 }, { 1, 0xff1a, 0x8c5, 0xffb4, 0x095 }, { 1, 0xff1a, 0x8d4, 0xff14, 0x014 },
    { 1, 0xff1a, 0x8d5, 0xffb4, 0x095 }, { 1, 0x125f, 0x000, 0x1259, 0x014 }, { 1, 0x125f, 0x001, 0x12f9, 0x095 },
    { 1, 0x125f, 0x010, 0x1259, 0x014 }, { 1, 0x125f, 0x011, 0x12f9, 0x095 }, { 1, 0xff60, 0x000, 0xff60, 0x004 },
    { 1, 0xff60, 0x001, 0xff00, 0x045 }, { 1, 0xff60, 0x010, 0xff5a, 0x014 }, { 1, 0xff60, 0x011, 0xfffa, 0x095 },
    { 1, 0x1299, 0x8c4, 0x1299, 0x084 }, { 1, 0x1299, 0x8c5, 0x1239, 0x005 }, { 1, 0x1299, 0x8d4, 0x1293, 0x094 },
    { 1, 0x1299, 0x8d5, 0x1233, 0x015 }, { 1, 0xff9a, 0x8c4, 0xff34, 0x011 }, { 1, 0xff9a, 0x8c5, 0xff34, 0x011 },
    { 1, 0xff9a, 0x8d4, 0xff34, 0x011 }, { 1, 0xff9a, 0x8d5, 0xff34, 0x011 }, { 1, 0x129f, 0x000, 0x1239, 0x015 },
    { 1, 0x129f, 0x001, 0x1239, 0x015 }, { 1, 0x129f, 0x010, 0x1239, 0x015 }, { 1, 0x129f, 0x011, 0x1239, 0x015 },
    { 1, 0xffa0, 0x000, 0xff40, 0x001 }, { 1, 0xffa0, 0x001, 0xff40, 0x001 }, { 1, 0xffa0, 0x010, 0xff3a, 0x015 },
    { 1, 0xffa0, 0x011, 0xff3a, 0x015 }, { 1, 0x12f9, 0x8c4, 0x1299, 0x085 }, { 1, 0x12f9, 0x8c5, 0x1299, 0x085 },
    { 1, 0x12f9, 0x8d4, 0x1293, 0x095 }, { 1, 0x12f9, 0x8d5, 0x1293, 0x095 }, { 1, 0xfffa, 0x8c4, 0xff94, 0x091 },
    { 1, 0xfffa, 0x8c5, 0xff94, 0x091 }, { 1, 0xfffa, 0x8d4, 0xff94, 0x091 }, { 1, 0xfffa, 0x8d5, 0xff94, 0x091 },
    { 1, 0x12ff, 0x000, 0x1299, 0x095 }, { 1, 0x12ff, 0x001, 0x1299, 0x095 }, { 1, 0x12ff, 0x010, 0x1299, 0x095 },
    { 1, 0x12ff, 0x011, 0x1299, 0x095 }, { 2, 0x1200, 0x000, 0x1200, 0x044 }, { 2, 0x1200, 0x001, 0x1200, 0x044 },
    { 2, 0x1200, 0x010, 0x1306, 0x015 }, { 2, 0x1200, 0x011, 0x1306, 0x015 }, { 2, 0xff05, 0x000, 0xff05, 0x004 },
    { 2, 0xff05, 0x001, 0xff05, 0x004 }, { 2, 0xff05, 0x010, 0x000b, 0x011 }, { 2, 0xff05, 0x011, 0x000b, 0x011 },
    { 2, 0x1209, 0x8c4, 0x1209, 0x004 }, { 2, 0x1209, 0x8c5, 0x1209, 0x004 }, { 2, 0x1209, 0x8d4, 0x130f, 0x015 },
    { 2, 0x1209, 0x8d5, 0x130f, 0x015 }, { 2, 0xff0a, 0x8c4, 0x0000, 0x055 }, { 2, 0xff0a, 0x8c5, 0x0000, 0x055 },
    { 2, 0xff0a, 0x8d4, 0x0000, 0x055 }, { 2, 0xff0a, 0x8d5, 0x0000, 0x055 }, { 2, 0x120f, 0x000, 0x1305, 0x015 },
    { 2, 0x120f, 0x001, 0x1305, 0x015 }, { 2, 0x120f, 0x010, 0x1305, 0x015 }, { 2, 0x120f, 0x011, 0x1305, 0x015 },
    { 2, 0xff10, 0x000, 0xff00, 0x044 }, { 2, 0xff10, 0x001, 0xff00, 0x044 }, { 2, 0xff10, 0x010, 0x0006, 0x015 },
    { 2, 0xff10, 0x011, 0x0006, 0x015 }, { 2, 0x1219, 0x8c4, 0x1209, 0x004 }, { 2, 0x1219, 0x8c5, 0x1209, 0x004 },
    { 2, 0x1219, 0x8d4, 0x130f, 0x015 }, { 2, 0x1219, 0x8d5, 0x130f, 0x015 }, { 2, 0xff1a, 0x8c4, 0x0000, 0x055 },
    { 2, 0xff1a, 0x8c5, 0x0000, 0x055 }, { 2, 0xff1a, 0x8d4, 0x0000, 0x055 }, { 2, 0xff1a, 0x8d5, 0x0000, 0x055 },
    { 2, 0x125f, 0x000, 0x1305, 0x015 }, { 2, 0x125f, 0x001, 0x1305, 0x015 }, { 2, 0x125f, 0x010, 0x1305, 0x015 },
    { 2, 0x125f, 0x011, 0x1305, 0x015 }, { 2, 0xff60, 0x000, 0xff00, 0x044 }, { 2, 0xff60, 0x001, 0xff00, 0x044 },
    { 2, 0xff60, 0x010, 0x0006, 0x015 }, { 2, 0xff60, 0x011, 0x0006, 0x015 }, { 2, 0x1299, 0x8c4, 0x1209, 0x004 },
    { 2, 0x1299, 0x8c5, 0x1209, 0x004 }, { 2, 0x1299, 0x8d4, 0x130f, 0x015 }, { 2, 0x1299, 0x8d5, 0x130f, 0x015 },
    { 2, 0xff9a, 0x8c4, 0x0000, 0x055 }, { 2, 0xff9a, 0x8c5, 0x0000, 0x055 }, { 2, 0xff9a, 0x8d4, 0x0000, 0x055 },
    { 2, 0xff9a, 0x8d5, 0x0000, 0x055 }, { 2, 0x129f, 0x000, 0x1305, 0x015 }, { 2, 0x129f, 0x001, 0x1305, 0x015 },
    { 2, 0x129f, 0x010, 0x1305, 0x015 }, { 2, 0x129f, 0x011, 0x1305, 0x015 }, { 2, 0xffa0, 0x000, 0xff00, 0x044 },
    { 2, 0xffa0, 0x001, 0xff00, 0x044 }, { 2, 0xffa0, 0x010, 0x0006, 0x015 }, { 2, 0xffa0, 0x011, 0x0006, 0x015 },
    { 2, 0x12f9, 0x8c4, 0x1209, 0x004 }, { 2, 0x12f9, 0x8c5, 0x1209, 0x004 }, { 2, 0x12f9, 0x8d4, 0x130f, 0x015 },
    { 2, 0x12f9, 0x8d5, 0x130f, 0x015 }, { 2, 0xfffa, 0x8c4, 0x0100, 0x055 }, { 2, 0xfffa, 0x8c5, 0x0100, 0x055 },
    { 2, 0xfffa, 0x8d4, 0x0100, 0x055 }, { 2, 0xfffa, 0x8d5, 0x0100, 0x055 }, { 2, 0x12ff, 0x000, 0x1405, 0x015 },
    { 2, 0x12ff, 0x001, 0x1405, 0x015 }, { 2, 0x12ff, 0x010, 0x1405, 0x015 }, { 2, 0x12ff, 0x011, 0x1405, 0x015 },
    { 3, 0x1200, 0x000, 0x1200, 0x044 }, { 3, 0x1200, 0x001, 0x1200, 0x044 }, { 3, 0x1200, 0x010, 0x100a, 0x015 },
    { 3, 0x1200, 0x011, 0x100a, 0x015 }, { 3, 0xff05, 0x000, 0xff05, 0x004 }, { 3, 0xff05, 0x001, 0xff05, 0x004 },
    { 3, 0xff05, 0x010, 0xfd0f, 0x015 }, { 3, 0xff05, 0x011, 0xfd0f, 0x015 }, { 3, 0x1209, 0x8c4, 0x1209, 0x004 },
    { 3, 0x1209, 0x8c5, 0x1209, 0x004 }, { 3, 0x1209, 0x8d4, 0x1103, 0x015 }, { 3, 0x1209, 0x8d5, 0x1103, 0x015 },
    { 3, 0xff0a, 0x8c4, 0xfe04, 0x011 }, { 3, 0xff0a, 0x8c5, 0xfe04, 0x011 }, { 3, 0xff0a, 0x8d4, 0xfe04, 0x011 },
    { 3, 0xff0a, 0x8d5, 0xfe04, 0x011 }, { 3, 0x120f, 0x000, 0x1109, 0x015 }, { 3, 0x120f, 0x001, 0x1109, 0x015 },
    { 3, 0x120f, 0x010, 0x1109, 0x015 }, { 3, 0x120f, 0x011, 0x1109, 0x015 }, { 3, 0xff10, 0x000, 0xff00, 0x044 },
    { 3, 0xff10, 0x001, 0xff00, 0x044 }, { 3, 0xff10, 0x010, 0xfe0a, 0x015 }, { 3, 0xff10, 0x011, 0xfe0a, 0x015 },
    { 3, 0x1219, 0x8c4, 0x1209, 0x004 }, { 3, 0x1219, 0x8c5, 0x1209, 0x004 }, { 3, 0x1219, 0x8d4, 0x1103, 0x015 },
    { 3, 0x1219, 0x8d5, 0x1103, 0x015 }, { 3, 0xff1a, 0x8c4, 0xfe04, 0x011 }, { 3, 0xff1a, 0x8c5, 0xfe04, 0x011 },
    { 3, 0xff1a, 0x8d4, 0xfe04, 0x011 }, { 3, 0xff1a, 0x8d5, 0xfe04, 0x011 }, { 3, 0x125f, 0x000, 0x1109, 0x015 },
    { 3, 0x125f, 0x001, 0x1109, 0x015 }, { 3, 0x125f, 0x010, 0x1109, 0x015 }, { 3, 0x125f, 0x011, 0x1109, 0x015 },
    { 3, 0xff60, 0x000, 0xff00, 0x044 }, { 3, 0xff60, 0x001, 0xff00, 0x044 }, { 3, 0xff60, 0x010, 0xfe0a, 0x015 },
    { 3, 0xff60, 0x011, 0xfe0a, 0x015 }, { 3, 0x1299, 0x8c4, 0x1209, 0x004 }, { 3, 0x1299, 0x8c5, 0x1209, 0x004 },
    { 3, 0x1299, 0x8d4, 0x1103, 0x015 }, { 3, 0x1299, 0x8d5, 0x1103, 0x015 }, { 3, 0xff9a, 0x8c4, 0xfe04, 0x011 },
    { 3, 0xff9a, 0x8c5, 0xfe04, 0x011 }, { 3, 0xff9a, 0x8d4, 0xfe04, 0x011 }, { 3, 0xff9a, 0x8d5, 0xfe04, 0x011 },
    { 3, 0x129f, 0x000, 0x1109, 0x015 }, { 3, 0x129f, 0x001, 0x1109, 0x015 }, { 3, 0x129f, 0x010, 0x1109, 0x015 },
    { 3, 0x129f, 0x011, 0x1109, 0x015 }, { 3, 0xffa0, 0x000, 0xff00, 0x044 }, { 3, 0xffa0, 0x001, 0xff00, 0x044 },
    { 3, 0xffa0, 0x010, 0xfe0a, 0x015 }, { 3, 0xffa0, 0x011, 0xfe0a, 0x015 }, { 3, 0x12f9, 0x8c4, 0x1209, 0x004 },
    { 3, 0x12f9, 0x8c5, 0x1209, 0x004 }, { 3, 0x12f9, 0x8d4, 0x1103, 0x015 }, { 3, 0x12f9, 0x8d5, 0x1103, 0x015 },
    { 3, 0xfffa, 0x8c4, 0xfe04, 0x011 }, { 3, 0xfffa, 0x8c5, 0xfe04, 0x011 }, { 3, 0xfffa, 0x8d4, 0xfe04, 0x011 },
    { 3, 0xfffa, 0x8d5, 0xfe04, 0x011 }, { 3, 0x12ff, 0x000, 0x1109, 0x015 }, { 3, 0x12ff, 0x001, 0x1109, 0x015 },
    { 3, 0x12ff, 0x010, 0x1109, 0x015 }, { 3, 0x12ff, 0x011, 0x1109, 0x015 },
};

static void test_shift_table(struct env *e)
{
    struct cpu *cpu = e->cpu;
    for (size_t i = 0; i < sizeof(shift_vecs) / sizeof(shift_vecs[0]); i++) {
        const struct shift_vec *v = &shift_vecs[i];
        /* Odd entries go through the immediate form, even ones through CL. */
        bool imm = i & 1;
        struct insn in = reg_form(v->kind, v->size, 0, R_EAX);
        in.imm = v->count;
        uint32_t above = 0x5a5a5a5au & ~mask_of(v->size);
        cpu->regs[R_EAX] = above | v->a;
        cpu->regs[R_ECX] = imm ? 0x77 : 0xffffff00u | v->count;
        cpu_set_eflags(cpu, v->fin);
        int vec = run(cpu, imm ? exec_SHIFT_I : exec_SHIFT_CL, &in);
        CHECK_MSG(e, vec < 0 && reg32(e, R_EAX) == (above | v->r) && arith(e) == v->fout,
                  "shift kind %u size %u count %u of %x, flags %03x: got %x flags %03x, want %x "
                  "flags %03x", v->kind, v->size, v->count, v->a, v->fin,
                  reg32(e, R_EAX) & mask_of(v->size), arith(e), v->r, v->fout);
        check_conds(e, "shift table");
    }
}

static void test_dshift_table(struct env *e)
{
    struct cpu *cpu = e->cpu;
    for (size_t i = 0; i < sizeof(dshift_vecs) / sizeof(dshift_vecs[0]); i++) {
        const struct dshift_vec *v = &dshift_vecs[i];
        bool imm = i & 1;
        struct insn in = reg_form(v->right, v->size, R_EDX, R_EAX);
        in.imm = v->count;
        cpu->regs[R_EAX] = v->a;
        cpu->regs[R_EDX] = v->b;
        cpu->regs[R_ECX] = v->count;
        cpu_set_eflags(cpu, FL_OF | FL_SF | FL_ZF | FL_AF | FL_PF);
        run(cpu, imm ? exec_DSHIFT_I : exec_DSHIFT_CL, &in);
        CHECK_MSG(e, reg32(e, R_EAX) == v->r && arith(e) == v->fout && reg32(e, R_EDX) == v->b,
                  "%s size %u count %u of %x,%x: got %x flags %03x, want %x flags %03x",
                  v->right ? "SHRD" : "SHLD", v->size, v->count, v->a, v->b, reg32(e, R_EAX),
                  arith(e), v->r, v->fout);
    }
}

static void test_bcd_table(struct env *e)
{
    static const exec_fn fns[] = { exec_DAA, exec_DAS, exec_AAA, exec_AAS };
    static const char *const names[] = { "DAA", "DAS", "AAA", "AAS" };
    struct cpu *cpu = e->cpu;
    struct insn in = reg_form(0, 4, 0, 0);
    for (size_t i = 0; i < sizeof(bcd_vecs) / sizeof(bcd_vecs[0]); i++) {
        const struct bcd_vec *v = &bcd_vecs[i];
        cpu->regs[R_EAX] = 0xabcd0000u | v->ax;
        cpu_set_eflags(cpu, v->fin);
        run(cpu, fns[v->kind], &in);
        CHECK_MSG(e, reg32(e, R_EAX) == (0xabcd0000u | v->ax_out) && arith(e) == v->fout,
                  "%s AX=%04x flags %03x: got %04x flags %03x, want %04x flags %03x",
                  names[v->kind], v->ax, v->fin, reg32(e, R_EAX) & 0xffff, arith(e), v->ax_out,
                  v->fout);
        check_conds(e, names[v->kind]);
    }
}

/* ---- Hand-written cases ------------------------------------------------- */

/* Run one register-only instruction from EAX=a, EDX=d, ECX=c and the given
 * flags; returns the vector raised or -1. */
static int exec_regs(struct env *e, exec_fn fn, const struct insn *in, uint32_t a, uint32_t d,
                     uint32_t c, uint32_t flags)
{
    e->cpu->regs[R_EAX] = a;
    e->cpu->regs[R_EDX] = d;
    e->cpu->regs[R_ECX] = c;
    cpu_set_eflags(e->cpu, flags);
    return run(e->cpu, fn, in);
}

static void test_alu_cases(struct env *e)
{
    struct insn in;

    /* 83 /0: the decoder has sign-extended the imm8. */
    in = reg_form(0, 4, 0, R_EAX);
    in.opcode = 0x83;
    in.imm = 0xffffffff;
    exec_regs(e, exec_ALU_EI, &in, 5, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 4 && arith(e) == (FL_CF | FL_AF), "ADD r32, imm8 -1: %x %03x",
              reg32(e, R_EAX), arith(e));
    /* 81 with a 16-bit operand: the immediate is used as is. */
    in = reg_form(5, 2, 0, R_EAX);
    in.opcode = 0x81;
    in.imm = 0x8000;
    exec_regs(e, exec_ALU_EI, &in, 0x12340000, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x12348000 && arith(e) == (FL_CF | FL_SF | FL_OF | FL_PF),
              "SUB r16, 8000h: %x %03x", reg32(e, R_EAX), arith(e));

    /* CMP never writes; its fast conditions: 80h vs 7Fh as bytes. */
    in = reg_form(7, 1, R_EDX, R_EAX);
    exec_regs(e, exec_ALU_EG, &in, 0x80, 0x7f, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x80 && !flags_cond(e->cpu, 2) && flags_cond(e->cpu, 0xc) &&
                 flags_cond(e->cpu, 0), "CMP 80h,7Fh: B=0 L=1 O=1");
    in = reg_form(7, 2, R_EDX, R_EAX);
    exec_regs(e, exec_ALU_EG, &in, 0xffff0003, 0x00000003, 0, 0);
    CHECK_MSG(e, flags_cond(e->cpu, 4) && flags_cond(e->cpu, 0xe) && !flags_cond(e->cpu, 0xc),
              "CMP AX,DX equal in the low word: Z LE, not L");

    /* ADC/SBB take CF from any lazy state: CMP 1,2 leaves CF set. */
    in = reg_form(7, 4, R_EDX, R_EAX);
    exec_regs(e, exec_ALU_EG, &in, 1, 2, 0, 0);
    in = reg_form(2, 4, R_EDX, R_EAX);
    e->cpu->regs[R_EAX] = 0xffffffff;
    e->cpu->regs[R_EDX] = 0;
    run(e->cpu, exec_ALU_EG, &in);
    CHECK_MSG(e, reg32(e, R_EAX) == 0 && arith(e) == (FL_CF | FL_ZF | FL_PF | FL_AF),
              "ADC after CMP: %x %03x", reg32(e, R_EAX), arith(e));
    in = reg_form(3, 1, R_EDX, R_EAX);
    e->cpu->regs[R_EAX] = 0;
    e->cpu->regs[R_EDX] = 0xff;
    run(e->cpu, exec_ALU_EG, &in);
    CHECK_MSG(e, (reg32(e, R_EAX) & 0xff) == 0 && arith(e) == (FL_CF | FL_ZF | FL_PF | FL_AF),
              "SBB 0-FFh-1: %x %03x", reg32(e, R_EAX), arith(e));

    /* INC/DEC keep CF. */
    in = reg_form(0, 1, 0, R_EAX);
    exec_regs(e, exec_INC_E, &in, 0x12ff, 0, 0, FL_CF);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x1200 && arith(e) == (FL_CF | FL_ZF | FL_AF | FL_PF),
              "INC AL=FFh: %x %03x", reg32(e, R_EAX), arith(e));
    in = reg_form(0, 2, R_EAX, 0);
    exec_regs(e, exec_DEC_R, &in, 0x8000, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x7fff && arith(e) == (FL_OF | FL_AF | FL_PF),
              "DEC AX=8000h: %x %03x", reg32(e, R_EAX), arith(e));

    /* NEG: CF = operand nonzero; NEG 80h overflows. */
    in = reg_form(0, 1, 0, R_EAX);
    exec_regs(e, exec_NEG, &in, 0, 0, 0, FL_CF);
    CHECK_MSG(e, reg32(e, R_EAX) == 0 && arith(e) == (FL_ZF | FL_PF), "NEG 0: %03x", arith(e));
    exec_regs(e, exec_NEG, &in, 0x80, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x80 && arith(e) == (FL_CF | FL_OF | FL_SF),
              "NEG 80h: %x %03x", reg32(e, R_EAX), arith(e));

    /* Logic ops clear CF OF AF; TEST writes nothing. */
    in = reg_form(0, 4, R_EDX, R_EAX);
    exec_regs(e, exec_TEST_EG, &in, 0xf0f0, 0x0ff0, 0, FL_ARITH);
    CHECK_MSG(e, reg32(e, R_EAX) == 0xf0f0 && arith(e) == FL_PF, "TEST: %03x", arith(e));
}

static void test_mul_div(struct env *e)
{
    struct insn in = reg_form(0, 1, 0, R_EDX);

    exec_regs(e, exec_MUL, &in, 0x10, 0x10, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x100 && (arith(e) & (FL_CF | FL_OF)) == (FL_CF | FL_OF),
              "MUL 10h*10h: %x %03x", reg32(e, R_EAX), arith(e));
    exec_regs(e, exec_MUL, &in, 0x0f, 0x11, 0, FL_ARITH);
    /* Intel: SF and PF from the low half, ZF and AF clear. */
    CHECK_MSG(e, reg32(e, R_EAX) == 0xff && arith(e) == (FL_SF | FL_PF), "MUL 0Fh*11h: %x %03x",
              reg32(e, R_EAX), arith(e));
    in.osize = 4;
    exec_regs(e, exec_MUL, &in, 0xffffffff, 0xffffffff, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 1 && reg32(e, R_EDX) == 0xfffffffe && (arith(e) & FL_CF),
              "MUL 32: %x:%x", reg32(e, R_EDX), reg32(e, R_EAX));
    exec_regs(e, exec_MUL, &in, 0, 0x1234, 0, FL_ARITH);
    CHECK_MSG(e, reg32(e, R_EAX) == 0 && reg32(e, R_EDX) == 0 && arith(e) == FL_PF &&
                 !flags_cond(e->cpu, 4), "MUL by 0: ZF stays clear, %03x", arith(e));

    in.osize = 1;
    exec_regs(e, exec_IMUL1, &in, 0x80, 0xff, 0, 0);
    CHECK_MSG(e, (reg32(e, R_EAX) & 0xffff) == 0x0080 && (arith(e) & FL_CF) && (arith(e) & FL_OF),
              "IMUL -128*-1: %x %03x", reg32(e, R_EAX), arith(e));
    exec_regs(e, exec_IMUL1, &in, 0xff, 0xff, 0, FL_ARITH);
    CHECK_MSG(e, (reg32(e, R_EAX) & 0xffff) == 1 && !(arith(e) & (FL_CF | FL_OF)),
              "IMUL -1*-1: %x %03x", reg32(e, R_EAX), arith(e));
    in.osize = 2;
    exec_regs(e, exec_IMUL1, &in, 0xffff, 0x0002, 0, 0);
    CHECK_MSG(e, (reg32(e, R_EAX) & 0xffff) == 0xfffe && (reg32(e, R_EDX) & 0xffff) == 0xffff &&
                 !(arith(e) & FL_CF), "IMUL16 -1*2: %x:%x", reg32(e, R_EDX), reg32(e, R_EAX));

    in = reg_form(0, 4, R_EAX, R_EDX);
    exec_regs(e, exec_IMUL_GE, &in, 0x7fffffff, 2, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0xfffffffe && (arith(e) & FL_OF) && (arith(e) & FL_CF),
              "IMUL r32 overflow: %x %03x", reg32(e, R_EAX), arith(e));
    in.osize = 2;
    exec_regs(e, exec_IMUL_GE, &in, 0x8000, 0xffff, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x8000 && (arith(e) & FL_OF), "IMUL r16 -32768*-1: %x %03x",
              reg32(e, R_EAX), arith(e));
    in = reg_form(0, 4, R_EAX, R_EDX);
    in.opcode = 0x6b;
    in.imm = (uint32_t)-5;
    exec_regs(e, exec_IMUL_GEI, &in, 0, 7, 0, FL_ARITH);
    CHECK_MSG(e, reg32(e, R_EAX) == (uint32_t)-35 && !(arith(e) & (FL_CF | FL_OF)),
              "IMUL r32, r/m, imm8: %x %03x", reg32(e, R_EAX), arith(e));
    in.opcode = 0x69;
    in.osize = 2;
    in.imm = 0x4000;
    exec_regs(e, exec_IMUL_GEI, &in, 0xaaaa0000, 4, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0xaaaa0000 && (arith(e) & FL_OF), "IMUL r16 imm16: %x %03x",
              reg32(e, R_EAX), arith(e));

    /* DIV/IDIV: results, and #DE before anything changes. Flags stay. */
    in = reg_form(0, 1, 0, R_ECX);
    int v = exec_regs(e, exec_DIV, &in, 0x1234, 0, 0x56, FL_ZF | FL_CF);
    CHECK_MSG(e, v < 0 && (reg32(e, R_EAX) & 0xffff) == ((0x1234 % 0x56) << 8 | 0x1234 / 0x56) &&
                 arith(e) == (FL_ZF | FL_CF), "DIV 8: %x %03x", reg32(e, R_EAX), arith(e));
    v = exec_regs(e, exec_DIV, &in, 0x1000, 0, 0x10, FL_SF);
    CHECK_MSG(e, v == EXC_DE && reg32(e, R_EAX) == 0x1000 && arith(e) == FL_SF,
              "DIV 8 overflow: vector %d, AX %x", v, reg32(e, R_EAX));
    in.osize = 4;
    v = exec_regs(e, exec_DIV, &in, 0x89abcdef, 0x01234567, 0x12345678, 0);
    uint64_t n = 0x0123456789abcdefull;
    CHECK_MSG(e, v < 0 && reg32(e, R_EAX) == (uint32_t)(n / 0x12345678) &&
                 reg32(e, R_EDX) == (uint32_t)(n % 0x12345678), "DIV 32: %x %x", reg32(e, R_EAX),
              reg32(e, R_EDX));
    v = exec_regs(e, exec_DIV, &in, 1, 2, 0, 0);
    CHECK_MSG(e, v == EXC_DE && reg32(e, R_EAX) == 1 && reg32(e, R_EDX) == 2, "DIV by 0: %d", v);

    in.osize = 1;
    v = exec_regs(e, exec_IDIV, &in, 0xff00, 0, 2, 0); /* -256 / 2 = -128 fits */
    CHECK_MSG(e, v < 0 && (reg32(e, R_EAX) & 0xffff) == 0x0080, "IDIV -256/2: %d %x", v,
              reg32(e, R_EAX));
    v = exec_regs(e, exec_IDIV, &in, 0x0100, 0, 0xfe, 0); /* 256 / -2 = -128 fits */
    CHECK_MSG(e, v < 0 && (reg32(e, R_EAX) & 0xffff) == 0x0080, "IDIV 256/-2: %d %x", v,
              reg32(e, R_EAX));
    v = exec_regs(e, exec_IDIV, &in, 0x0100, 0, 0x02, 0); /* 128 does not fit */
    CHECK_MSG(e, v == EXC_DE && reg32(e, R_EAX) == 0x100, "IDIV 256/2: %d", v);
    v = exec_regs(e, exec_IDIV, &in, 0xfff9, 0, 0x02, 0); /* -7/2 = -3 rem -1 */
    CHECK_MSG(e, v < 0 && (reg32(e, R_EAX) & 0xffff) == 0xfffd, "IDIV -7/2: %x", reg32(e, R_EAX));
    in.osize = 2;
    v = exec_regs(e, exec_IDIV, &in, 0x8000, 0xffff, 0xffff, 0);
    CHECK_MSG(e, v == EXC_DE, "IDIV -32768/-1: %d", v);
    in.osize = 4;
    v = exec_regs(e, exec_IDIV, &in, 0, 0x80000000, 0xffffffff, 0);
    CHECK_MSG(e, v == EXC_DE && reg32(e, R_EDX) == 0x80000000, "IDIV INT64_MIN/-1: %d", v);
    v = exec_regs(e, exec_IDIV, &in, 0x80000000, 0xffffffff, 0xffffffff, 0);
    CHECK_MSG(e, v == EXC_DE, "IDIV -2^31/-1: %d", v);
    v = exec_regs(e, exec_IDIV, &in, 0x80000000, 0xffffffff, 1, 0);
    CHECK_MSG(e, v < 0 && reg32(e, R_EAX) == 0x80000000 && reg32(e, R_EDX) == 0,
              "IDIV -2^31/1: %d %x", v, reg32(e, R_EAX));
}

static void test_bit_cases(struct env *e)
{
    struct insn in = reg_form(0, 4, R_EAX, R_EDX);

    exec_regs(e, exec_BSF, &in, 0x1234, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x1234 && arith(e) == (FL_ZF | FL_PF),
              "BSF of 0 keeps the destination: %x %03x", reg32(e, R_EAX), arith(e));
    exec_regs(e, exec_BSR, &in, 0x1234, 0x00f00000, 0, FL_ARITH);
    CHECK_MSG(e, reg32(e, R_EAX) == 23 && arith(e) == FL_PF, "BSR: %x %03x", reg32(e, R_EAX),
              arith(e));
    exec_regs(e, exec_BSF, &in, 0x1234, 0x00f00000, 0, FL_ARITH);
    CHECK_MSG(e, reg32(e, R_EAX) == 20 && arith(e) == FL_PF, "BSF: %x %03x", reg32(e, R_EAX),
              arith(e));

    in = reg_form(0, 4, R_EAX, 0);
    exec_regs(e, exec_BSWAP, &in, 0x12345678, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x78563412, "BSWAP: %x", reg32(e, R_EAX));
    in.osize = 2;
    exec_regs(e, exec_BSWAP, &in, 0x12345678, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x12340000, "BSWAP r16 clears the low word: %x",
              reg32(e, R_EAX));

    /* BT family, register operands: the offset wraps at the width. */
    in = reg_form(1, 2, R_EDX, R_EAX);
    exec_regs(e, exec_BT_EG, &in, 0xffff0000, 0x0023, 0, FL_OF | FL_SF | FL_ZF | FL_AF | FL_PF);
    CHECK_MSG(e, reg32(e, R_EAX) == 0xffff0008 &&
                     arith(e) == (FL_OF | FL_SF | FL_ZF | FL_AF | FL_PF),
              "BTS r16 offset 35: %x %03x", reg32(e, R_EAX), arith(e));
    in = reg_form(3, 4, 0, R_EAX);
    in.imm = 0x3f;
    exec_regs(e, exec_BT_EI, &in, 0x80000000, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0 && arith(e) == FL_CF, "BTC r32, 63: %x %03x",
              reg32(e, R_EAX), arith(e));

    /* SETcc and CMOVcc. */
    in = reg_form(0x4, 1, 0, 4 /* AH */);
    exec_regs(e, exec_SETCC, &in, 0xffffffff, 0, 0, FL_ZF);
    CHECK_MSG(e, reg32(e, R_EAX) == 0xffff01ff, "SETZ AH: %x", reg32(e, R_EAX));
    in = reg_form(0xf, 4, R_EAX, R_EDX);
    exec_regs(e, exec_CMOV, &in, 1, 2, 0, FL_SF);
    CHECK_MSG(e, reg32(e, R_EAX) == 1, "CMOVG not taken: %x", reg32(e, R_EAX));
    exec_regs(e, exec_CMOV, &in, 1, 2, 0, FL_SF | FL_OF);
    CHECK_MSG(e, reg32(e, R_EAX) == 2, "CMOVG taken: %x", reg32(e, R_EAX));
    in.osize = 2;
    exec_regs(e, exec_CMOV, &in, 0x11111111, 0x22222222, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x11112222, "CMOVG r16: %x", reg32(e, R_EAX));
}

static void test_misc_cases(struct env *e)
{
    struct insn in = reg_form(0, 2, 0, 0);

    exec_regs(e, exec_CBW, &in, 0x12345680, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x1234ff80, "CBW: %x", reg32(e, R_EAX));
    in.osize = 4;
    exec_regs(e, exec_CBW, &in, 0x12348000, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0xffff8000, "CWDE: %x", reg32(e, R_EAX));
    exec_regs(e, exec_CWD, &in, 0x80000000, 5, 0, 0);
    CHECK_MSG(e, reg32(e, R_EDX) == 0xffffffff, "CDQ: %x", reg32(e, R_EDX));
    in.osize = 2;
    exec_regs(e, exec_CWD, &in, 0x80007fff, 0x12345678, 0, 0);
    CHECK_MSG(e, reg32(e, R_EDX) == 0x12340000, "CWD: %x", reg32(e, R_EDX));

    exec_regs(e, exec_LAHF, &in, 0, 0, 0, FL_SF | FL_CF | FL_OF);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x8300, "LAHF: %x", reg32(e, R_EAX));
    exec_regs(e, exec_SAHF, &in, 0xffff, 0, 0, FL_OF);
    CHECK_MSG(e, arith(e) == FL_ARITH, "SAHF keeps OF: %03x", arith(e));
    exec_regs(e, exec_SAHF, &in, 0x0000, 0, 0, FL_ARITH);
    CHECK_MSG(e, arith(e) == FL_OF, "SAHF 0: %03x", arith(e));

    exec_regs(e, exec_CMC, &in, 0, 0, 0, FL_ZF);
    CHECK_MSG(e, arith(e) == (FL_ZF | FL_CF), "CMC: %03x", arith(e));
    run(e->cpu, exec_CLC, &in);
    CHECK_MSG(e, arith(e) == FL_ZF, "CLC: %03x", arith(e));
    run(e->cpu, exec_STC, &in);
    CHECK_MSG(e, arith(e) == (FL_ZF | FL_CF), "STC: %03x", arith(e));
    run(e->cpu, exec_STD, &in);
    CHECK_MSG(e, (cpu_get_eflags(e->cpu) & FL_DF) && arith(e) == (FL_ZF | FL_CF), "STD");
    run(e->cpu, exec_CLD, &in);
    CHECK_MSG(e, !(cpu_get_eflags(e->cpu) & FL_DF), "CLD");

    /* CMPXCHG and XADD, register forms. */
    in = reg_form(0, 4, R_ECX, R_EDX);
    exec_regs(e, exec_CMPXCHG, &in, 7, 7, 9, 0);
    CHECK_MSG(e, reg32(e, R_EDX) == 9 && reg32(e, R_EAX) == 7 && (arith(e) & FL_ZF),
              "CMPXCHG equal");
    exec_regs(e, exec_CMPXCHG, &in, 7, 8, 9, FL_ZF);
    CHECK_MSG(e, reg32(e, R_EDX) == 8 && reg32(e, R_EAX) == 8 && !(arith(e) & FL_ZF) &&
                 (arith(e) & FL_CF), "CMPXCHG unequal");
    in = reg_form(0, 4, R_EAX, R_EAX);
    exec_regs(e, exec_XADD, &in, 0x80000001, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 2 && (arith(e) & FL_CF) && (arith(e) & FL_OF),
              "XADD EAX,EAX: %x %03x", reg32(e, R_EAX), arith(e));
    in = reg_form(0, 1, R_EDX, R_EAX);
    exec_regs(e, exec_XADD, &in, 0x1105, 0x2203, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x1108 && reg32(e, R_EDX) == 0x2205, "XADD AL,DL: %x %x",
              reg32(e, R_EAX), reg32(e, R_EDX));

    /* AAM/AAD with their base, SALC. */
    in = reg_form(0, 4, 0, 0);
    in.imm = 10;
    exec_regs(e, exec_AAM, &in, 0x1263, 0, 0, FL_ARITH);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x0909 && arith(e) == FL_PF, "AAM: %x %03x", reg32(e, R_EAX),
              arith(e));
    in.imm = 0;
    CHECK_MSG(e, exec_regs(e, exec_AAM, &in, 0x1263, 0, 0, 0) == EXC_DE &&
                     reg32(e, R_EAX) == 0x1263, "AAM 0: #DE");
    in.imm = 16;
    exec_regs(e, exec_AAM, &in, 0xab, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x0a0b, "AAM 16: %x", reg32(e, R_EAX));
    in.imm = 10;
    exec_regs(e, exec_AAD, &in, 0x0907, 0, 0, 0);
    CHECK_MSG(e, reg32(e, R_EAX) == 97 && arith(e) == FL_AF, "AAD: %x %03x", reg32(e, R_EAX),
              arith(e));
    in.imm = 7;
    exec_regs(e, exec_AAD, &in, 0xff80, 0, 0, 0);
    /* 80h + (FFh * 7 & FFh = F9h) = 179h: CF, and OF (-128 + -7). */
    CHECK_MSG(e, reg32(e, R_EAX) == 0x79 && arith(e) == (FL_CF | FL_OF), "AAD 7: %x %03x",
              reg32(e, R_EAX), arith(e));
    exec_regs(e, exec_SALC, &in, 0x1234, 0, 0, FL_CF);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x12ff && arith(e) == FL_CF, "SALC CF=1: %x", reg32(e, R_EAX));
    exec_regs(e, exec_SALC, &in, 0x1234, 0, 0, FL_ZF);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x1200, "SALC CF=0: %x", reg32(e, R_EAX));
}

/* ---- Memory operands ---------------------------------------------------- */

static uint32_t peek32(struct env *e, uint32_t addr)
{
    uint32_t v;
    mem_read_block(e->mem, addr, &v, 4);
    return v;
}

static void poke32(struct env *e, uint32_t addr, uint32_t v)
{
    mem_write_block(e->mem, addr, &v, 4);
}

static void data_segment(struct env *e, bool writable)
{
    uint16_t attr = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_ACCESSED | (writable ? SEG_TYPE_RW : 0);
    cpu_set_seg(e->cpu, SEG_DS, 0, 0, 0xffff, attr);
}

static void test_memory(struct env *e)
{
    struct cpu *cpu = e->cpu;
    struct insn in;
    int v;

    data_segment(e, true);
    /* ADD [mem], reg. */
    poke32(e, 0x1000, 0xfffffff0);
    in = mem_form(0, 4, R_EDX, 0x1000);
    exec_regs(e, exec_ALU_EG, &in, 0, 0x10, 0, 0);
    CHECK_MSG(e, peek32(e, 0x1000) == 0 && arith(e) == (FL_CF | FL_ZF | FL_PF),
              "ADD [mem], reg: %x %03x", peek32(e, 0x1000), arith(e));

    /* BT with a register offset addresses memory beyond the operand,
     * forwards and backwards. */
    poke32(e, 0x2000, 0x80008000);
    poke32(e, 0x2004, 0);
    poke32(e, 0x2008, 0);
    in = mem_form(0, 4, R_EDX, 0x2004);
    exec_regs(e, exec_BT_EG, &in, 0, 0xffffffff, 0, 0);
    CHECK_MSG(e, arith(e) == FL_CF, "BT [mem], -1 reads bit 31 of the dword below");
    in.sub = 1;
    exec_regs(e, exec_BT_EG, &in, 0, 35, 0, 0);
    CHECK_MSG(e, peek32(e, 0x2008) == 8 && arith(e) == 0, "BTS [mem], 35: %x",
              peek32(e, 0x2008));
    in.osize = 2;
    in.sub = 2;
    /* Offset -17 as a word: word at ea - 4, bit 15. */
    exec_regs(e, exec_BT_EG, &in, 0, 0xffef, 0, 0);
    CHECK_MSG(e, peek32(e, 0x2000) == 0x80000000 && arith(e) == FL_CF,
              "BTR [mem], -17 (16-bit): %x", peek32(e, 0x2000));
    in = mem_form(0, 4, 0, 0x2004);
    in.imm = 35;
    exec_regs(e, exec_BT_EI, &in, 0, 0, 0, FL_CF);
    CHECK_MSG(e, arith(e) == 0, "BT [mem], imm 35 stays in the operand");

    /* CMPXCHG8B. */
    poke32(e, 0x3000, 0x11111111);
    poke32(e, 0x3004, 0x22222222);
    in = mem_form(1, 4, 1, 0x3000);
    cpu->regs[R_EBX] = 0x33333333;
    exec_regs(e, exec_CMPXCHG8B, &in, 0x11111111, 0x22222222, 0x44444444, FL_CF);
    CHECK_MSG(e, peek32(e, 0x3000) == 0x33333333 && peek32(e, 0x3004) == 0x44444444 &&
                 arith(e) == (FL_CF | FL_ZF), "CMPXCHG8B equal: %03x", arith(e));
    exec_regs(e, exec_CMPXCHG8B, &in, 0x11111111, 0x22222222, 0x44444444, FL_ZF);
    CHECK_MSG(e, reg32(e, R_EAX) == 0x33333333 && reg32(e, R_EDX) == 0x44444444 && arith(e) == 0,
              "CMPXCHG8B unequal loads EDX:EAX");

    /* SETcc to memory; CMOV reads (and faults on) its source even when
     * the condition is false. */
    poke32(e, 0x4000, 0xaaaaaaaa);
    in = mem_form(0x5, 1, 0, 0x4001);
    exec_regs(e, exec_SETCC, &in, 0, 0, 0, 0);
    CHECK_MSG(e, peek32(e, 0x4000) == 0xaaaa01aa, "SETNZ [mem]: %x", peek32(e, 0x4000));
    in = mem_form(0x4, 4, R_EAX, 0xfffe);
    v = exec_regs(e, exec_CMOV, &in, 5, 0, 0, 0);
    CHECK_MSG(e, v == EXC_GP && reg32(e, R_EAX) == 5, "CMOVZ false past the limit: #GP (%d)", v);

    /* A read-only segment: every read-modify-write faults at the write and
     * leaves memory, registers and flags as they were. */
    data_segment(e, false);
    poke32(e, 0x1000, 0x12345678);
    static const struct {
        exec_fn fn;
        uint8_t sub;
        const char *name;
    } rmw[] = {
        { exec_ALU_EG, 0, "ADD" }, { exec_ALU_EG, 3, "SBB" }, { exec_INC_E, 0, "INC" },
        { exec_NEG, 0, "NEG" }, { exec_NOT, 0, "NOT" }, { exec_SHIFT_CL, SHL, "SHL" },
        { exec_SHIFT_CL, RCR, "RCR" }, { exec_DSHIFT_CL, 0, "SHLD" }, { exec_BT_EG, 1, "BTS" },
        { exec_XADD, 0, "XADD" }, { exec_CMPXCHG, 0, "CMPXCHG unequal" },
        { exec_SETCC, 0, "SETO" },
    };
    for (size_t i = 0; i < sizeof(rmw) / sizeof(rmw[0]); i++) {
        in = mem_form(rmw[i].sub, 4, R_EDX, 0x1000);
        uint32_t fl = FL_SF | FL_PF | FL_CF;
        v = exec_regs(e, rmw[i].fn, &in, 0x55, 3, 3, fl);
        CHECK_MSG(e, v == EXC_GP && peek32(e, 0x1000) == 0x12345678 && arith(e) == fl &&
                     reg32(e, R_EAX) == 0x55 && reg32(e, R_EDX) == 3,
                  "%s to a read-only segment: vector %d, mem %x, flags %03x", rmw[i].name, v,
                  peek32(e, 0x1000), arith(e));
    }
    in = mem_form(7, 4, R_EDX, 0x1000);
    v = exec_regs(e, exec_ALU_EG, &in, 0, 0x12345678, 0, 0);
    CHECK_MSG(e, v < 0 && (arith(e) & FL_ZF), "CMP [mem] only reads");
    in = mem_form(0, 4, R_EDX, 0x1000);
    v = exec_regs(e, exec_CMPXCHG8B, &in, 0, 0, 0, FL_CF);
    CHECK_MSG(e, v == EXC_GP && reg32(e, R_EAX) == 0 && arith(e) == FL_CF,
              "CMPXCHG8B to a read-only segment: %d", v);
    data_segment(e, true);
}

/* ---- Random operands against the host CPU ------------------------------- */

#if defined(__x86_64__)
typedef void (*host_fn)(uint32_t *a, uint32_t *d, uint32_t *c, uint32_t *f);

/* Run one instruction on the host with EAX, EDX, ECX and the flags given.
 * The red zone below RSP is skipped before pushing. */
#define HOST(name, text)                                                              \
    static void name(uint32_t *a, uint32_t *d, uint32_t *c, uint32_t *f)              \
    {                                                                                 \
        uint64_t ra = *a, rd = *d, rc = *c, fl = *f;                                  \
        __asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[fl]\n\tpopfq\n\t" text     \
                         "\n\tpushfq\n\tpop %[fl]\n\tlea 128(%%rsp), %%rsp"           \
                         : "+a"(ra), "+d"(rd), "+c"(rc), [fl] "+r"(fl)                \
                         :                                                            \
                         : "cc", "memory");                                           \
        *a = (uint32_t)ra;                                                            \
        *d = (uint32_t)rd;                                                            \
        *c = (uint32_t)rc;                                                            \
        *f = (uint32_t)fl;                                                            \
    }
#define HOST3(name, op, r8a, r8b, r16a, r16b, r32a, r32b)                            \
    HOST(name##1, op "b " r8a ", " r8b)                                               \
    HOST(name##2, op "w " r16a ", " r16b)                                             \
    HOST(name##4, op "l " r32a ", " r32b)
/* op %dl/%dx/%edx, %al/%ax/%eax */
#define HOST_DA(name, op) HOST3(name, op, "%%dl", "%%al", "%%dx", "%%ax", "%%edx", "%%eax")
/* op %cl, %al/%ax/%eax */
#define HOST_CA(name, op) HOST3(name, op, "%%cl", "%%al", "%%cl", "%%ax", "%%cl", "%%eax")
#define HOST1(name, op, r8, r16, r32)                                                \
    HOST(name##1, op "b " r8) HOST(name##2, op "w " r16) HOST(name##4, op "l " r32)

HOST_DA(h_add, "add") HOST_DA(h_or, "or") HOST_DA(h_adc, "adc") HOST_DA(h_sbb, "sbb")
HOST_DA(h_and, "and") HOST_DA(h_sub, "sub") HOST_DA(h_xor, "xor") HOST_DA(h_cmp, "cmp")
HOST_DA(h_test, "test") HOST_DA(h_xadd, "xadd")
HOST1(h_inc, "inc", "%%al", "%%ax", "%%eax") HOST1(h_dec, "dec", "%%al", "%%ax", "%%eax")
HOST1(h_neg, "neg", "%%al", "%%ax", "%%eax") HOST1(h_not, "not", "%%al", "%%ax", "%%eax")
HOST1(h_mul, "mul", "%%dl", "%%dx", "%%edx") HOST1(h_imul, "imul", "%%dl", "%%dx", "%%edx")
HOST1(h_div, "div", "%%cl", "%%cx", "%%ecx") HOST1(h_idiv, "idiv", "%%cl", "%%cx", "%%ecx")
HOST_CA(h_rol, "rol") HOST_CA(h_ror, "ror") HOST_CA(h_rcl, "rcl") HOST_CA(h_rcr, "rcr")
HOST_CA(h_shl, "shl") HOST_CA(h_shr, "shr") HOST_CA(h_sar, "sar")
HOST3(h_cmpxchg, "cmpxchg", "%%cl", "%%dl", "%%cx", "%%dx", "%%ecx", "%%edx")
HOST(h_imul2_2, "imulw %%dx, %%ax") HOST(h_imul2_4, "imull %%edx, %%eax")
HOST(h_shld2, "shldw %%cl, %%dx, %%ax") HOST(h_shld4, "shldl %%cl, %%edx, %%eax")
HOST(h_shrd2, "shrdw %%cl, %%dx, %%ax") HOST(h_shrd4, "shrdl %%cl, %%edx, %%eax")
HOST(h_bt2, "btw %%dx, %%ax") HOST(h_bt4, "btl %%edx, %%eax")
HOST(h_bts2, "btsw %%dx, %%ax") HOST(h_bts4, "btsl %%edx, %%eax")
HOST(h_btr2, "btrw %%dx, %%ax") HOST(h_btr4, "btrl %%edx, %%eax")
HOST(h_btc2, "btcw %%dx, %%ax") HOST(h_btc4, "btcl %%edx, %%eax")
HOST(h_bsf2, "bsfw %%dx, %%ax") HOST(h_bsf4, "bsfl %%edx, %%eax")
HOST(h_bsr2, "bsrw %%dx, %%ax") HOST(h_bsr4, "bsrl %%edx, %%eax")
HOST(h_bswap4, "bswapl %%eax")
HOST(h_cbw2, "cbtw") HOST(h_cbw4, "cwtl") HOST(h_cwd2, "cwtd") HOST(h_cwd4, "cltd")

#define BY_SIZE(name) { NULL, name##1, name##2, NULL, name##4 }
#define WD(name) { NULL, NULL, name##2, NULL, name##4 }

/* How a case is set up on the emulator side. */
struct host_case {
    const char *name;
    host_fn host[5]; /* by operand size */
    exec_fn emu;
    uint8_t sub, reg, rm;
    uint32_t undefined; /* flags the SDM leaves undefined, always */
};

static const struct host_case host_cases[] = {
    { "ADD", BY_SIZE(h_add), exec_ALU_EG, 0, R_EDX, R_EAX, 0 },
    { "OR", BY_SIZE(h_or), exec_ALU_GE, 1, R_EAX, R_EDX, FL_AF },
    { "ADC", BY_SIZE(h_adc), exec_ALU_EG, 2, R_EDX, R_EAX, 0 },
    { "SBB", BY_SIZE(h_sbb), exec_ALU_GE, 3, R_EAX, R_EDX, 0 },
    { "AND", BY_SIZE(h_and), exec_ALU_EG, 4, R_EDX, R_EAX, FL_AF },
    { "SUB", BY_SIZE(h_sub), exec_ALU_GE, 5, R_EAX, R_EDX, 0 },
    { "XOR", BY_SIZE(h_xor), exec_ALU_EG, 6, R_EDX, R_EAX, FL_AF },
    { "CMP", BY_SIZE(h_cmp), exec_ALU_GE, 7, R_EAX, R_EDX, 0 },
    { "TEST", BY_SIZE(h_test), exec_TEST_EG, 0, R_EDX, R_EAX, FL_AF },
    { "XADD", BY_SIZE(h_xadd), exec_XADD, 0, R_EDX, R_EAX, 0 },
    { "INC", BY_SIZE(h_inc), exec_INC_E, 0, 0, R_EAX, 0 },
    { "DEC", BY_SIZE(h_dec), exec_DEC_E, 0, 0, R_EAX, 0 },
    { "INC r", WD(h_inc), exec_INC_R, 0, R_EAX, 0, 0 },
    { "DEC r", WD(h_dec), exec_DEC_R, 0, R_EAX, 0, 0 },
    { "NEG", BY_SIZE(h_neg), exec_NEG, 0, 0, R_EAX, 0 },
    { "NOT", BY_SIZE(h_not), exec_NOT, 0, 0, R_EAX, 0 },
    { "MUL", BY_SIZE(h_mul), exec_MUL, 0, 0, R_EDX, FL_SF | FL_ZF | FL_AF | FL_PF },
    { "IMUL", BY_SIZE(h_imul), exec_IMUL1, 0, 0, R_EDX, FL_SF | FL_ZF | FL_AF | FL_PF },
    { "IMUL r", WD(h_imul2_), exec_IMUL_GE, 0, R_EAX, R_EDX, FL_SF | FL_ZF | FL_AF | FL_PF },
    { "CMPXCHG", BY_SIZE(h_cmpxchg), exec_CMPXCHG, 0, R_ECX, R_EDX, 0 },
    { "BT", WD(h_bt), exec_BT_EG, 0, R_EDX, R_EAX, FL_OF | FL_SF | FL_AF | FL_PF },
    { "BTS", WD(h_bts), exec_BT_EG, 1, R_EDX, R_EAX, FL_OF | FL_SF | FL_AF | FL_PF },
    { "BTR", WD(h_btr), exec_BT_EG, 2, R_EDX, R_EAX, FL_OF | FL_SF | FL_AF | FL_PF },
    { "BTC", WD(h_btc), exec_BT_EG, 3, R_EDX, R_EAX, FL_OF | FL_SF | FL_AF | FL_PF },
    { "BSWAP", { NULL, NULL, NULL, NULL, h_bswap4 }, exec_BSWAP, 0, R_EAX, 0, 0 },
    { "CBW", WD(h_cbw), exec_CBW, 0, 0, 0, 0 },
    { "CWD", WD(h_cwd), exec_CWD, 0, 0, 0, 0 },
};

/* Compare one run on the host and here, from the emulator's current
 * (lazy) flags. ignore_eax skips a destination the SDM leaves undefined. */
static void host_compare(struct env *e, const char *name, unsigned size, host_fn host, exec_fn emu,
                         const struct insn *in, uint32_t a, uint32_t d, uint32_t c,
                         uint32_t undefined, bool ignore_eax)
{
    struct cpu *cpu = e->cpu;
    uint32_t fin = flags_compute(cpu);
    uint32_t ha = a, hd = d, hc = c, hf = fin | 0x202;
    host(&ha, &hd, &hc, &hf);
    cpu->regs[R_EAX] = a;
    cpu->regs[R_EDX] = d;
    cpu->regs[R_ECX] = c;
    int v = run(cpu, emu, in);
    uint32_t diff = (arith(e) ^ hf) & FL_ARITH & ~undefined;
    bool regs_ok = (ignore_eax || reg32(e, R_EAX) == ha) && reg32(e, R_EDX) == hd &&
                   reg32(e, R_ECX) == hc;
    CHECK_MSG(e, v < 0 && regs_ok && diff == 0,
              "%s/%u sub %u from EAX=%x EDX=%x ECX=%x flags %03x: host %x %x %x %03x, "
              "here %x %x %x %03x (vector %d)", name, size, in->sub, a, d, c, fin, ha, hd, hc,
              hf & FL_ARITH, reg32(e, R_EAX), reg32(e, R_EDX), reg32(e, R_ECX), arith(e), v);
    check_conds(e, name);
}

/* Start from explicit random flags half of the time; otherwise keep the
 * lazy state the previous instruction left, so that ADC, SBB, RCL, INC and
 * the rest read CF and friends from every kind of lazy record. */
static void maybe_reset_flags(struct env *e)
{
    if (rnd(e) & 1)
        cpu_set_eflags(e->cpu, rnd(e) & FL_ARITH);
}

static unsigned rnd_size(struct env *e, const host_fn *host)
{
    for (;;) {
        unsigned s = 1u << (rnd(e) % 3);
        if (host[s])
            return s;
    }
}

static void test_host_simple(struct env *e, unsigned rounds)
{
    size_t n = sizeof(host_cases) / sizeof(host_cases[0]);
    for (unsigned i = 0; i < rounds; i++) {
        const struct host_case *hc = &host_cases[rnd(e) % n];
        unsigned size = rnd_size(e, hc->host);
        struct insn in = reg_form(hc->sub, size, hc->reg, hc->rm);
        uint32_t a = rnd_operand(e), d = rnd_operand(e), c = rnd_operand(e);
        if (hc->emu == exec_CMPXCHG && (rnd(e) & 1))
            d = a;
        maybe_reset_flags(e);
        host_compare(e, hc->name, size, hc->host[size], hc->emu, &in, a, d, c, hc->undefined, false);
    }
}

static void test_host_shifts(struct env *e, unsigned rounds)
{
    static const host_fn shifts[8][5] = {
        BY_SIZE(h_rol), BY_SIZE(h_ror), BY_SIZE(h_rcl), BY_SIZE(h_rcr),
        BY_SIZE(h_shl), BY_SIZE(h_shr), BY_SIZE(h_shl), BY_SIZE(h_sar),
    };
    for (unsigned i = 0; i < rounds; i++) {
        unsigned kind = rnd(e) % 8;
        unsigned size = 1u << (rnd(e) % 3);
        unsigned bits = size * 8;
        uint32_t count = rnd(e) % 4 ? rnd(e) % 40 : rnd(e) & 0xff;
        unsigned n = count & 31;
        uint32_t undefined = 0;
        if (n > 0 && kind >= SHL)
            undefined |= FL_AF;
        if (n > 1)
            undefined |= FL_OF;
        if (n >= bits && (kind == SHL || kind == SHR || kind == SAL))
            undefined |= FL_CF;
        struct insn in = reg_form(kind, size, 0, R_EAX);
        maybe_reset_flags(e);
        host_compare(e, "shift", size, shifts[kind][size], exec_SHIFT_CL, &in, rnd_operand(e),
                     rnd_operand(e), (rnd(e) & ~0xffu) | count, undefined, false);
    }
}

static void test_host_dshifts(struct env *e, unsigned rounds)
{
    static const host_fn fns[2][5] = { WD(h_shld), WD(h_shrd) };
    for (unsigned i = 0; i < rounds; i++) {
        unsigned right = rnd(e) & 1;
        unsigned size = rnd(e) & 1 ? 2 : 4;
        uint32_t count = rnd(e) % 4 ? rnd(e) % 40 : rnd(e) & 0xff;
        unsigned n = count & 31;
        /* Counts above 16 on words are undefined: the tables cover what
         * Intel does there. */
        if (n > size * 8)
            continue;
        uint32_t undefined = n > 0 ? FL_AF : 0;
        if (n > 1)
            undefined |= FL_OF;
        struct insn in = reg_form(right, size, R_EDX, R_EAX);
        maybe_reset_flags(e);
        host_compare(e, right ? "SHRD" : "SHLD", size, fns[right][size], exec_DSHIFT_CL, &in,
                     rnd_operand(e), rnd_operand(e), (rnd(e) & ~0xffu) | count, undefined, false);
    }
}

static void test_host_scan(struct env *e, unsigned rounds)
{
    static const host_fn fns[2][5] = { WD(h_bsf), WD(h_bsr) };
    for (unsigned i = 0; i < rounds; i++) {
        unsigned rev = rnd(e) & 1;
        unsigned size = rnd(e) & 1 ? 2 : 4;
        uint32_t src = rnd_operand(e);
        struct insn in = reg_form(0, size, R_EAX, R_EDX);
        maybe_reset_flags(e);
        /* The destination is undefined for a zero source in the SDM. */
        bool zero = (src & mask_of(size)) == 0;
        host_compare(e, rev ? "BSR" : "BSF", size, fns[rev][size], rev ? exec_BSR : exec_BSF, &in,
                     rnd_operand(e), src, rnd(e), FL_CF | FL_OF | FL_SF | FL_AF | FL_PF, zero);
    }
}

/* DIV/IDIV: cases that would fault are checked for #DE here and not run on
 * the host. */
static void test_host_divide(struct env *e, unsigned rounds)
{
    static const host_fn fns[2][5] = { BY_SIZE(h_div), BY_SIZE(h_idiv) };
    for (unsigned i = 0; i < rounds; i++) {
        unsigned sgn = rnd(e) & 1;
        unsigned size = 1u << (rnd(e) % 3);
        uint32_t a = rnd_operand(e), d = rnd_operand(e), c = rnd_operand(e);
        /* Make small quotients likely: shrink the high half. */
        if (rnd(e) & 1)
            d = sgn && (rnd(e) & 1) ? 0xffffffffu : rnd(e) % 3;
        uint32_t m = mask_of(size);
        bool fault;
        if (!sgn) {
            uint64_t n = size == 1 ? a & 0xffff : (uint64_t)(d & m) << (size * 8) | (a & m);
            uint64_t dv = c & m;
            fault = dv == 0 || n / dv > m;
        } else {
            int64_t n = size == 1 ? (int16_t)a
                      : size == 2 ? (int32_t)((d & 0xffff) << 16 | (a & 0xffff))
                                  : (int64_t)((uint64_t)d << 32 | a);
            int64_t dv = size == 1 ? (int8_t)c : size == 2 ? (int16_t)c : (int32_t)c;
            int64_t lim = (int64_t)1 << (size * 8 - 1);
            fault = dv == 0 || (dv == -1 && n == INT64_MIN) || n / dv >= lim || n / dv < -lim;
        }
        struct insn in = reg_form(0, size, 0, R_ECX);
        maybe_reset_flags(e);
        if (fault) {
            uint32_t fin = arith(e);
            e->cpu->regs[R_EAX] = a;
            e->cpu->regs[R_EDX] = d;
            e->cpu->regs[R_ECX] = c;
            int v = run(e->cpu, sgn ? exec_IDIV : exec_DIV, &in);
            CHECK_MSG(e, v == EXC_DE && reg32(e, R_EAX) == a && reg32(e, R_EDX) == d &&
                             arith(e) == fin,
                      "%s/%u %x:%x by %x: want #DE, got %d", sgn ? "IDIV" : "DIV", size, d, a, c,
                      v);
            continue;
        }
        host_compare(e, sgn ? "IDIV" : "DIV", size, fns[sgn][size], sgn ? exec_IDIV : exec_DIV, &in,
                     a, d, c, FL_ARITH, false);
    }
}

static void test_host(struct env *e)
{
    test_host_simple(e, 200000);
    test_host_shifts(e, 100000);
    test_host_dshifts(e, 40000);
    test_host_scan(e, 20000);
    test_host_divide(e, 40000);
}
#endif

int main(void)
{
    struct env e;
    memset(&e, 0, sizeof(e));
    e.rng = 0x9e3779b97f4a7c15ull;
    e.mem = mem_create(RAM_SIZE);
    e.cpu = e.mem ? cpu_create(e.mem, NULL, NULL) : NULL;
    if (!e.cpu) {
        fprintf(stderr, "test_flags: cannot create the CPU\n");
        return 1;
    }

    test_shift_table(&e);
    test_dshift_table(&e);
    test_bcd_table(&e);
    test_alu_cases(&e);
    test_mul_div(&e);
    test_bit_cases(&e);
    test_misc_cases(&e);
    test_memory(&e);
#if defined(__x86_64__)
    test_host(&e);
#else
    printf("not an x86-64 host: comparison with the host CPU skipped\n");
#endif

    cpu_destroy(e.cpu);
    mem_destroy(e.mem);
    return UNIT_REPORT(&e);
}
