/*
 * What instruction handlers share: the handler type, register and operand
 * access. A handler runs with cpu->eip already advanced past the instruction
 * (jumps overwrite it) and may fault at any point before it commits.
 */
#ifndef CPU_EXEC_H
#define CPU_EXEC_H

#include <stdint.h>

#include "access.h"
#include "decode.h"
#include "lintas/cpu.h"

typedef void (*exec_fn)(struct cpu *cpu, const struct insn *in);

#define CPU_OP_DECL(name) void exec_##name(struct cpu *cpu, const struct insn *in);
CPU_OPS(CPU_OP_DECL)
#undef CPU_OP_DECL

extern const exec_fn exec_table[OP_COUNT];

static inline uint32_t size_mask(unsigned size)
{
    return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}
static inline uint32_t size_msb(unsigned size)
{
    return 1u << (size * 8 - 1);
}
static inline uint32_t sign_extend(uint32_t v, unsigned size)
{
    return size == 1 ? (uint32_t)(int8_t)v : size == 2 ? (uint32_t)(int16_t)v : v;
}

/* Registers by operand size; size 1 uses AL CL DL BL AH CH DH BH. */
static inline uint32_t reg_read(const struct cpu *cpu, unsigned r, unsigned size)
{
    if (size == 1)
        return r < 4 ? (uint8_t)cpu->regs[r] : (uint8_t)(cpu->regs[r - 4] >> 8);
    return (uint32_t)cpu->regs[r] & size_mask(size);
}
static inline void reg_write(struct cpu *cpu, unsigned r, uint32_t v, unsigned size)
{
    if (size == 4) {
        cpu->regs[r] = v;
    } else if (size == 2) {
        cpu->regs[r] = (cpu->regs[r] & ~0xffffull) | (v & 0xffff);
    } else if (r < 4) {
        cpu->regs[r] = (cpu->regs[r] & ~0xffull) | (v & 0xff);
    } else {
        cpu->regs[r - 4] = (cpu->regs[r - 4] & ~0xff00ull) | ((v & 0xff) << 8);
    }
}

static inline uint32_t ea_offset(const struct cpu *cpu, const struct insn *in)
{
    return insn_ea_offset(in, cpu->regs);
}

/* The r/m operand at the instruction's operand size. */
static inline uint32_t rm_read(struct cpu *cpu, const struct insn *in)
{
    if (in->mod == 3)
        return reg_read(cpu, in->rm, in->osize);
    return vread(cpu, in->seg, ea_offset(cpu, in), in->osize);
}
static inline void rm_write(struct cpu *cpu, const struct insn *in, uint32_t v)
{
    if (in->mod == 3)
        reg_write(cpu, in->rm, v, in->osize);
    else
        vwrite(cpu, in->seg, ea_offset(cpu, in), v, in->osize);
}

/* Near jump: the target is masked to 16 bits with a 16-bit operand size and
 * checked against the CS limit (#GP(0), SDM vol. 2, JMP). */
void branch_near(struct cpu *cpu, uint32_t target, unsigned osize);

#endif
