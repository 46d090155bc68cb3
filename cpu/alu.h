/*
 * The eight classic ALU operations (the 00-3F opcode rows and group 1),
 * shared by the instruction handlers that need them (CMPS, SCAS, ...), and
 * the read-modify-write access to an r/m operand the arithmetic handlers
 * share.
 */
#ifndef CPU_ALU_H
#define CPU_ALU_H

#include <stdint.h>

#include "exec.h"
#include "flags.h"
#include "lintas/cpu.h"

enum alu_kind { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* Compute a kind b at size bytes (1, 2, 4), record the lazy flags and
 * return the result (for ALU_CMP the difference, which callers drop). */
uint32_t alu_op(struct cpu *cpu, unsigned kind, uint32_t a, uint32_t b, unsigned size);

/* The same without touching the CPU's flags: the flag record goes to *cc,
 * for instructions that must write memory before they commit. ADC and SBB
 * read the current CF from cpu. */
static inline uint32_t alu_compute(const struct cpu *cpu, unsigned kind, uint32_t a, uint32_t b,
                                   unsigned size, struct cc_lazy *cc)
{
    uint32_t mask = size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
    uint32_t r;
    a &= mask;
    b &= mask;
    switch (kind) {
    case ALU_ADD:
        r = (a + b) & mask;
        cc_lazy_set(cc, CC_ADD, size, r, b, a);
        break;
    case ALU_ADC:
        r = (a + b + flags_cf(cpu)) & mask;
        cc_lazy_set(cc, CC_ADC, size, r, b, a);
        break;
    case ALU_SBB:
        r = (a - b - flags_cf(cpu)) & mask;
        cc_lazy_set(cc, CC_SBB, size, r, b, a);
        break;
    case ALU_SUB:
    case ALU_CMP:
        r = (a - b) & mask;
        cc_lazy_set(cc, CC_SUB, size, r, b, a);
        break;
    case ALU_OR:
        r = a | b;
        cc_lazy_set(cc, CC_LOGIC, size, r, 0, 0);
        break;
    case ALU_AND:
        r = a & b;
        cc_lazy_set(cc, CC_LOGIC, size, r, 0, 0);
        break;
    default: /* ALU_XOR */
        r = a ^ b;
        cc_lazy_set(cc, CC_LOGIC, size, r, 0, 0);
        break;
    }
    return r;
}

/*
 * Read-modify-write of the r/m operand: the effective address is computed
 * once, by the read, and reused by the write. The caller commits registers
 * and flags only after rm_rmw_write, the last access that can fault.
 */
static inline uint32_t rm_rmw_read(struct cpu *cpu, const struct insn *in, uint32_t *off)
{
    if (in->mod == 3)
        return reg_read(cpu, in->rm, in->osize);
    *off = ea_offset(cpu, in);
    return vread_rmw(cpu, in->seg, *off, in->osize);
}
static inline void rm_rmw_write(struct cpu *cpu, const struct insn *in, uint32_t off, uint32_t v)
{
    if (in->mod == 3)
        reg_write(cpu, in->rm, v, in->osize);
    else
        vwrite(cpu, in->seg, off, v, in->osize);
}

#endif
