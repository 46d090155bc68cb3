/*
 * Integer arithmetic: the ALU rows, TEST, INC/DEC, NOT/NEG, multiply and
 * divide, CMPXCHG/XADD/CMPXCHG8B, sign extension of the accumulator and the
 * instructions that move single flags (SDM vol. 2, by mnemonic).
 *
 * Instructions with a memory destination compute their flags aside and
 * commit them after the write, so a faulting write leaves EFLAGS as it was.
 */
#include "alu.h"
#include "exec.h"
#include "fault.h"
#include "flags.h"

uint32_t alu_op(struct cpu *cpu, unsigned kind, uint32_t a, uint32_t b, unsigned size)
{
    struct cc_lazy cc;
    uint32_t r = alu_compute(cpu, kind, a, b, size, &cc);
    flags_commit(cpu, &cc);
    return r;
}

/* r/m = r/m kind b; CMP and TEST pass store = false and only read. */
static void alu_rm(struct cpu *cpu, const struct insn *in, unsigned kind, uint32_t b, bool store)
{
    struct cc_lazy cc;
    uint32_t off = 0;
    uint32_t a = store ? rm_rmw_read(cpu, in, &off) : rm_read(cpu, in);
    uint32_t r = alu_compute(cpu, kind, a, b, in->osize, &cc);
    if (store)
        rm_rmw_write(cpu, in, off, r);
    flags_commit(cpu, &cc);
}

void exec_ALU_EG(struct cpu *cpu, const struct insn *in)
{
    alu_rm(cpu, in, in->sub, reg_read(cpu, in->reg, in->osize), in->sub != ALU_CMP);
}

void exec_ALU_GE(struct cpu *cpu, const struct insn *in)
{
    uint32_t b = rm_read(cpu, in);
    uint32_t r = alu_op(cpu, in->sub, reg_read(cpu, in->reg, in->osize), b, in->osize);
    if (in->sub != ALU_CMP)
        reg_write(cpu, in->reg, r, in->osize);
}

void exec_ALU_AI(struct cpu *cpu, const struct insn *in)
{
    uint32_t r = alu_op(cpu, in->sub, reg_read(cpu, R_EAX, in->osize), in->imm, in->osize);
    if (in->sub != ALU_CMP)
        reg_write(cpu, R_EAX, r, in->osize);
}

void exec_ALU_EI(struct cpu *cpu, const struct insn *in)
{
    alu_rm(cpu, in, in->sub, in->imm, in->sub != ALU_CMP);
}

void exec_TEST_EG(struct cpu *cpu, const struct insn *in)
{
    alu_rm(cpu, in, ALU_AND, reg_read(cpu, in->reg, in->osize), false);
}

void exec_TEST_AI(struct cpu *cpu, const struct insn *in)
{
    alu_op(cpu, ALU_AND, reg_read(cpu, R_EAX, in->osize), in->imm, in->osize);
}

void exec_TEST_EI(struct cpu *cpu, const struct insn *in)
{
    alu_rm(cpu, in, ALU_AND, in->imm, false);
}

/* INC and DEC leave CF alone: the record keeps the current one. */
static uint32_t inc_dec(const struct cpu *cpu, uint32_t a, bool dec, unsigned size, struct cc_lazy *cc)
{
    uint32_t r = (dec ? a - 1 : a + 1) & size_mask(size);
    cc_lazy_set(cc, dec ? CC_DEC : CC_INC, size, r, 0, flags_cf(cpu));
    return r;
}

static void inc_dec_reg(struct cpu *cpu, const struct insn *in, bool dec)
{
    struct cc_lazy cc;
    reg_write(cpu, in->reg, inc_dec(cpu, reg_read(cpu, in->reg, in->osize), dec, in->osize, &cc),
              in->osize);
    flags_commit(cpu, &cc);
}

static void inc_dec_rm(struct cpu *cpu, const struct insn *in, bool dec)
{
    struct cc_lazy cc;
    uint32_t off = 0;
    uint32_t r = inc_dec(cpu, rm_rmw_read(cpu, in, &off), dec, in->osize, &cc);
    rm_rmw_write(cpu, in, off, r);
    flags_commit(cpu, &cc);
}

void exec_INC_R(struct cpu *cpu, const struct insn *in)
{
    inc_dec_reg(cpu, in, false);
}

void exec_DEC_R(struct cpu *cpu, const struct insn *in)
{
    inc_dec_reg(cpu, in, true);
}

void exec_INC_E(struct cpu *cpu, const struct insn *in)
{
    inc_dec_rm(cpu, in, false);
}

void exec_DEC_E(struct cpu *cpu, const struct insn *in)
{
    inc_dec_rm(cpu, in, true);
}

void exec_NOT(struct cpu *cpu, const struct insn *in)
{
    uint32_t off = 0;
    uint32_t a = rm_rmw_read(cpu, in, &off);
    rm_rmw_write(cpu, in, off, ~a & size_mask(in->osize));
}

/* NEG is 0 - operand, with the flags of that subtraction (CF = operand
 * nonzero). */
void exec_NEG(struct cpu *cpu, const struct insn *in)
{
    struct cc_lazy cc;
    uint32_t off = 0;
    uint32_t r = alu_compute(cpu, ALU_SUB, 0, rm_rmw_read(cpu, in, &off), in->osize, &cc);
    rm_rmw_write(cpu, in, off, r);
    flags_commit(cpu, &cc);
}

/* Store a double-width product: AX for bytes, DX:AX or EDX:EAX otherwise.
 * overflow is CF = OF. */
static void mul_store(struct cpu *cpu, uint64_t product, unsigned size, bool overflow)
{
    uint32_t lo = (uint32_t)product & size_mask(size);
    if (size == 1) {
        reg_write(cpu, R_EAX, (uint32_t)product & 0xffff, 2);
    } else {
        reg_write(cpu, R_EAX, lo, size);
        reg_write(cpu, R_EDX, (uint32_t)(product >> (size * 8)) & size_mask(size), size);
    }
    flags_lazy(cpu, CC_MUL, size, lo, overflow, 0);
}

void exec_MUL(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->osize;
    uint64_t p = (uint64_t)rm_read(cpu, in) * reg_read(cpu, R_EAX, size);
    mul_store(cpu, p, size, (p >> (size * 8)) != 0);
}

static int64_t signed_operand(uint32_t v, unsigned size)
{
    return (int32_t)sign_extend(v, size);
}

void exec_IMUL1(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->osize;
    int64_t p = signed_operand(rm_read(cpu, in), size) * signed_operand(reg_read(cpu, R_EAX, size), size);
    mul_store(cpu, (uint64_t)p, size, signed_operand((uint32_t)p, size) != p);
}

/* Two- and three-operand IMUL: the product is truncated to the operand
 * size; CF = OF say whether that lost significant bits. */
static uint32_t imul_truncated(struct cpu *cpu, uint32_t a, uint32_t b, unsigned size)
{
    int64_t p = signed_operand(a, size) * signed_operand(b, size);
    uint32_t lo = (uint32_t)p & size_mask(size);
    flags_lazy(cpu, CC_MUL, size, lo, signed_operand(lo, size) != p, 0);
    return lo;
}

void exec_IMUL_GE(struct cpu *cpu, const struct insn *in)
{
    uint32_t b = rm_read(cpu, in);
    reg_write(cpu, in->reg, imul_truncated(cpu, reg_read(cpu, in->reg, in->osize), b, in->osize),
              in->osize);
}

void exec_IMUL_GEI(struct cpu *cpu, const struct insn *in)
{
    uint32_t a = rm_read(cpu, in);
    reg_write(cpu, in->reg, imul_truncated(cpu, a, in->imm, in->osize), in->osize);
}

/* Store quotient and remainder: AL/AH for bytes, (E)AX/(E)DX otherwise. */
static void div_store(struct cpu *cpu, uint32_t quotient, uint32_t remainder, unsigned size)
{
    if (size == 1) {
        reg_write(cpu, R_EAX, (quotient & 0xff) | (remainder & 0xff) << 8, 2);
    } else {
        reg_write(cpu, R_EAX, quotient, size);
        reg_write(cpu, R_EDX, remainder, size);
    }
}

/* The double-width dividend: AX, DX:AX or EDX:EAX. */
static uint64_t dividend(const struct cpu *cpu, unsigned size)
{
    if (size == 1)
        return reg_read(cpu, R_EAX, 2);
    return (uint64_t)reg_read(cpu, R_EDX, size) << (size * 8) | reg_read(cpu, R_EAX, size);
}

/* DIV and IDIV raise #DE for a zero divisor or a quotient too wide for the
 * destination, before anything changes. The flags are undefined; Intel
 * processors leave them unchanged, and so does this. */
void exec_DIV(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->osize;
    uint64_t d = rm_read(cpu, in);
    if (d == 0)
        cpu_fault(cpu, EXC_DE, 0);
    uint64_t n = dividend(cpu, size);
    uint64_t q = n / d;
    if (q > size_mask(size))
        cpu_fault(cpu, EXC_DE, 0);
    div_store(cpu, (uint32_t)q, (uint32_t)(n % d), size);
}

void exec_IDIV(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->osize;
    int64_t d = signed_operand(rm_read(cpu, in), size);
    if (d == 0)
        cpu_fault(cpu, EXC_DE, 0);
    uint64_t raw = dividend(cpu, size);
    int64_t n = size == 1 ? (int16_t)raw : size == 2 ? (int32_t)raw : (int64_t)raw;
    /* INT64_MIN / -1 overflows in C as well as on the CPU. */
    if (d == -1 && n == INT64_MIN)
        cpu_fault(cpu, EXC_DE, 0);
    int64_t q = n / d;
    int64_t limit = (int64_t)size_msb(size);
    if (q >= limit || q < -limit)
        cpu_fault(cpu, EXC_DE, 0);
    div_store(cpu, (uint32_t)q & size_mask(size), (uint32_t)(n % d) & size_mask(size), size);
}

/*
 * CMPXCHG compares the accumulator with r/m. Equal: r/m = reg. Unequal:
 * accumulator = r/m, and a memory operand is written back with its own
 * value, since the processor always writes a locked destination (SDM vol. 2,
 * CMPXCHG).
 */
void exec_CMPXCHG(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->osize;
    struct cc_lazy cc;
    uint32_t off = 0;
    uint32_t dest = rm_rmw_read(cpu, in, &off);
    uint32_t acc = reg_read(cpu, R_EAX, size);
    alu_compute(cpu, ALU_CMP, acc, dest, size, &cc);
    bool equal = acc == dest;
    if (equal || in->mod != 3)
        rm_rmw_write(cpu, in, off, equal ? reg_read(cpu, in->reg, size) : dest);
    if (!equal)
        reg_write(cpu, R_EAX, dest, size);
    flags_commit(cpu, &cc);
}

/* XADD: reg = old r/m, r/m = sum. With the same register as both operands
 * the sum wins, as the SDM's order of assignments says. */
void exec_XADD(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->osize;
    struct cc_lazy cc;
    uint32_t off = 0;
    uint32_t dest = rm_rmw_read(cpu, in, &off);
    uint32_t sum = alu_compute(cpu, ALU_ADD, dest, reg_read(cpu, in->reg, size), size, &cc);
    if (in->mod == 3) {
        reg_write(cpu, in->reg, dest, size);
        reg_write(cpu, in->rm, sum, size);
    } else {
        vwrite(cpu, in->seg, off, sum, size);
        reg_write(cpu, in->reg, dest, size);
    }
    flags_commit(cpu, &cc);
}

/* CMPXCHG8B m64 (the decoder rejects a register operand): EDX:EAX against
 * the quadword; equal stores ECX:EBX, unequal loads EDX:EAX and writes the
 * old value back. Only ZF changes. Both halves are checked for writing
 * before either is written. */
void exec_CMPXCHG8B(struct cpu *cpu, const struct insn *in)
{
    uint32_t off = ea_offset(cpu, in);
    uint32_t lo = vread_rmw(cpu, in->seg, off, 4);
    uint32_t hi = vread_rmw(cpu, in->seg, off + 4, 4);
    bool equal = lo == (uint32_t)cpu->regs[R_EAX] && hi == (uint32_t)cpu->regs[R_EDX];
    vprobe_write(cpu, in->seg, off, 8);
    vwrite(cpu, in->seg, off, equal ? (uint32_t)cpu->regs[R_EBX] : lo, 4);
    vwrite(cpu, in->seg, off + 4, equal ? (uint32_t)cpu->regs[R_ECX] : hi, 4);
    if (!equal) {
        cpu->regs[R_EAX] = lo;
        cpu->regs[R_EDX] = hi;
    }
    uint32_t f = flags_compute(cpu) & ~FL_ZF;
    flags_set_arith(cpu, equal ? f | FL_ZF : f);
}

/* CBW / CWDE: sign-extend the lower half of the accumulator into it. */
void exec_CBW(struct cpu *cpu, const struct insn *in)
{
    unsigned half = in->osize / 2;
    reg_write(cpu, R_EAX, sign_extend(reg_read(cpu, R_EAX, half), half), in->osize);
}

/* CWD / CDQ: fill (E)DX with the accumulator's sign. */
void exec_CWD(struct cpu *cpu, const struct insn *in)
{
    bool negative = reg_read(cpu, R_EAX, in->osize) & size_msb(in->osize);
    reg_write(cpu, R_EDX, negative ? 0xffffffffu : 0, in->osize);
}

/* AH = SF:ZF:0:AF:0:PF:1:CF (SDM vol. 2, LAHF). */
void exec_LAHF(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t f = flags_compute(cpu) & (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF);
    reg_write(cpu, 4 /* AH */, f | 2, 1);
}

void exec_SAHF(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t ah = reg_read(cpu, 4 /* AH */, 1);
    flags_set_arith(cpu, (flags_compute(cpu) & FL_OF) | (ah & (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)));
}

void exec_CMC(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    flags_set_arith(cpu, flags_compute(cpu) ^ FL_CF);
}

void exec_CLC(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    flags_set_arith(cpu, flags_compute(cpu) & ~FL_CF);
}

void exec_STC(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    flags_set_arith(cpu, flags_compute(cpu) | FL_CF);
}

void exec_CLD(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu->eflags &= ~FL_DF;
}

void exec_STD(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu->eflags |= FL_DF;
}
