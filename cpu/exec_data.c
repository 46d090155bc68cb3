/* Data movement: MOV in its forms, LEA, XCHG, XLAT, segment register
 * moves and loads, and BOUND (SDM vol. 2). */
#include "exec.h"
#include "fault.h"
#include "seg.h"

void exec_MOV_EG(struct cpu *cpu, const struct insn *in)
{
    rm_write(cpu, in, reg_read(cpu, in->reg, in->osize));
}

void exec_MOV_GE(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, in->reg, rm_read(cpu, in), in->osize);
}

void exec_MOV_EI(struct cpu *cpu, const struct insn *in)
{
    rm_write(cpu, in, in->imm);
}

void exec_MOV_RI(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, in->reg, in->imm, in->osize);
}

void exec_MOV_AO(struct cpu *cpu, const struct insn *in)
{
    uint32_t off = in->asize == 2 ? (in->imm & 0xffff) : in->imm;
    reg_write(cpu, R_EAX, vread(cpu, in->seg, off, in->osize), in->osize);
}

void exec_MOV_OA(struct cpu *cpu, const struct insn *in)
{
    uint32_t off = in->asize == 2 ? (in->imm & 0xffff) : in->imm;
    vwrite(cpu, in->seg, off, reg_read(cpu, R_EAX, in->osize), in->osize);
}

/* MOV r/m, Sreg: a register destination with a 32-bit operand size gets the
 * selector zero-extended (P6 and later, SDM vol. 2, MOV). */
void exec_MOV_ES(struct cpu *cpu, const struct insn *in)
{
    rm_write(cpu, in, cpu->seg[in->reg].sel);
}

void exec_MOV_SE(struct cpu *cpu, const struct insn *in)
{
    uint16_t sel = in->mod == 3 ? (uint16_t)reg_read(cpu, in->rm, 2)
                                : (uint16_t)vread(cpu, in->seg, ea_offset(cpu, in), 2);
    seg_load(cpu, in->reg, sel);
    /* Loading SS holds off interrupts for one instruction so that the
     * following MOV ESP completes the stack switch (SDM vol. 2, MOV). */
    if (in->reg == SEG_SS)
        cpu->inhibit_irq = true;
}

static uint32_t read_source(struct cpu *cpu, const struct insn *in, unsigned size)
{
    if (in->mod == 3)
        return reg_read(cpu, in->rm, size);
    return vread(cpu, in->seg, ea_offset(cpu, in), size);
}

void exec_MOVZX(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, in->reg, read_source(cpu, in, in->sub), in->osize);
}

void exec_MOVSX(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, in->reg, sign_extend(read_source(cpu, in, in->sub), in->sub), in->osize);
}

void exec_LEA(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, in->reg, ea_offset(cpu, in), in->osize);
}

void exec_XCHG_EG(struct cpu *cpu, const struct insn *in)
{
    uint32_t r = reg_read(cpu, in->reg, in->osize);
    if (in->mod == 3) {
        reg_write(cpu, in->reg, reg_read(cpu, in->rm, in->osize), in->osize);
        reg_write(cpu, in->rm, r, in->osize);
        return;
    }
    uint32_t off = ea_offset(cpu, in);
    uint32_t m = vread_rmw(cpu, in->seg, off, in->osize);
    vwrite(cpu, in->seg, off, r, in->osize);
    reg_write(cpu, in->reg, m, in->osize);
}

void exec_XCHG_AR(struct cpu *cpu, const struct insn *in)
{
    uint32_t a = reg_read(cpu, R_EAX, in->osize);
    reg_write(cpu, R_EAX, reg_read(cpu, in->reg, in->osize), in->osize);
    reg_write(cpu, in->reg, a, in->osize);
}

void exec_XLAT(struct cpu *cpu, const struct insn *in)
{
    uint32_t off = (uint32_t)cpu->regs[R_EBX] + (uint8_t)cpu->regs[R_EAX];
    if (in->asize == 2)
        off &= 0xffff;
    reg_write(cpu, R_EAX, vread(cpu, in->seg, off, 1), 1);
}

/* LDS, LES, LFS, LGS, LSS: offset then selector from memory; the segment
 * load's checks come before the register is written. */
void exec_LSEG(struct cpu *cpu, const struct insn *in)
{
    uint32_t off = ea_offset(cpu, in);
    uint32_t value = vread(cpu, in->seg, off, in->osize);
    uint16_t sel = (uint16_t)vread(cpu, in->seg, (off + in->osize) & (in->asize == 2 ? 0xffff : ~0u), 2);
    seg_load(cpu, in->sub, sel);
    reg_write(cpu, in->reg, value, in->osize);
}

void exec_BOUND(struct cpu *cpu, const struct insn *in)
{
    uint32_t off = ea_offset(cpu, in);
    uint32_t next = (off + in->osize) & (in->asize == 2 ? 0xffff : ~0u);
    int32_t index = (int32_t)sign_extend(reg_read(cpu, in->reg, in->osize), in->osize);
    int32_t lower = (int32_t)sign_extend(vread(cpu, in->seg, off, in->osize), in->osize);
    int32_t upper = (int32_t)sign_extend(vread(cpu, in->seg, next, in->osize), in->osize);
    if (index < lower || index > upper)
        cpu_fault(cpu, EXC_BR, 0);
}
