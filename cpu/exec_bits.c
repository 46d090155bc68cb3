/*
 * Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, BSWAP, SETcc and CMOVcc
 * (SDM vol. 2, by mnemonic).
 */
#include "exec.h"
#include "flags.h"

enum { BIT_TEST, BIT_SET, BIT_RESET, BIT_COMPLEMENT };

/*
 * Test (and change) bit `bit` of the operand at off (memory) or of the r/m
 * register. Only CF changes: Intel processors leave OF, SF, AF and PF,
 * which the SDM calls undefined, as they were.
 */
static void bit_op(struct cpu *cpu, const struct insn *in, bool memory, uint32_t off, unsigned bit)
{
    unsigned size = in->osize;
    uint32_t a;
    if (!memory)
        a = reg_read(cpu, in->rm, size);
    else if (in->sub == BIT_TEST)
        a = vread(cpu, in->seg, off, size);
    else
        a = vread_rmw(cpu, in->seg, off, size);
    uint32_t m = 1u << bit;
    bool cf = a & m;
    if (in->sub != BIT_TEST) {
        uint32_t r = in->sub == BIT_SET ? a | m : in->sub == BIT_RESET ? a & ~m : a ^ m;
        if (memory)
            vwrite(cpu, in->seg, off, r, size);
        else
            reg_write(cpu, in->rm, r, size);
    }
    uint32_t f = flags_compute(cpu) & ~FL_CF;
    flags_set_arith(cpu, cf ? f | FL_CF : f);
}

/*
 * A register bit offset is signed and, with a memory operand, reaches
 * beyond it: the operand used is the word or dword at
 * ea + (offset >> 4) * 2, or ea + (offset >> 5) * 4, arithmetic shifts
 * (SDM vol. 2, BT, "bit base"). The address wraps like any effective
 * address of the instruction's address size.
 */
void exec_BT_EG(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->osize, bits = size * 8;
    uint32_t offset = reg_read(cpu, in->reg, size);
    if (in->mod == 3) {
        bit_op(cpu, in, false, 0, offset & (bits - 1));
        return;
    }
    int32_t units = size == 2 ? (int16_t)offset >> 4 : (int32_t)offset >> 5;
    uint32_t off = ea_offset(cpu, in) + (uint32_t)units * size;
    if (in->asize == 2)
        off &= 0xffff;
    bit_op(cpu, in, true, off, offset & (bits - 1));
}

/* An immediate bit offset is taken modulo the operand width. */
void exec_BT_EI(struct cpu *cpu, const struct insn *in)
{
    unsigned bit = in->imm & (in->osize * 8 - 1);
    bit_op(cpu, in, in->mod != 3, in->mod != 3 ? ea_offset(cpu, in) : 0, bit);
}

/*
 * BSF/BSR: a zero source sets ZF and leaves the destination unchanged, as
 * Intel processors do. The other flags are undefined in the SDM; Intel
 * processors clear CF, OF, SF and AF and set PF from the bit index found
 * (from 0 for a zero source).
 */
static void bit_scan(struct cpu *cpu, const struct insn *in, bool reverse)
{
    uint32_t src = rm_read(cpu, in);
    if (src == 0) {
        flags_set_arith(cpu, FL_ZF | FL_PF);
        return;
    }
    uint32_t index = reverse ? 31 - (uint32_t)__builtin_clz(src) : (uint32_t)__builtin_ctz(src);
    reg_write(cpu, in->reg, index, in->osize);
    flags_set_arith(cpu, parity_even(index) ? FL_PF : 0);
}

void exec_BSF(struct cpu *cpu, const struct insn *in)
{
    bit_scan(cpu, in, false);
}

void exec_BSR(struct cpu *cpu, const struct insn *in)
{
    bit_scan(cpu, in, true);
}

/* With a 16-bit operand size the SDM leaves the result undefined; Intel
 * processors clear the low word, which is done here. */
void exec_BSWAP(struct cpu *cpu, const struct insn *in)
{
    if (in->osize == 2)
        reg_write(cpu, in->reg, 0, 2);
    else
        reg_write(cpu, in->reg, __builtin_bswap32((uint32_t)cpu->regs[in->reg]), 4);
}

void exec_SETCC(struct cpu *cpu, const struct insn *in)
{
    uint32_t v = flags_cond(cpu, in->sub);
    if (in->mod == 3)
        reg_write(cpu, in->rm, v, 1);
    else
        vwrite(cpu, in->seg, ea_offset(cpu, in), v, 1);
}

/* The source is read, and may fault, whatever the condition. */
void exec_CMOV(struct cpu *cpu, const struct insn *in)
{
    uint32_t src = rm_read(cpu, in);
    if (flags_cond(cpu, in->sub))
        reg_write(cpu, in->reg, src, in->osize);
}
