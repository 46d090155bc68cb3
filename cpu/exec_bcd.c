/*
 * Decimal adjust instructions and SALC (SDM vol. 2, DAA, DAS, AAA, AAS,
 * AAM, AAD; SALC is the undocumented opcode D6).
 *
 * The SDM's pseudo-code gives the results, CF and AF. For the flags it
 * calls undefined, this reproduces Intel processors as measured: OF is
 * cleared by DAA, DAS, AAA and AAS, and SF, ZF and PF follow the final AL;
 * AAM sets the flags like a logic op on the new AL; AAD sets them like the
 * byte addition AL + AH * base it performs.
 */
#include "alu.h"
#include "exec.h"
#include "fault.h"
#include "flags.h"

static uint32_t al_of(const struct cpu *cpu)
{
    return (uint8_t)cpu->regs[R_EAX];
}

static void set_al(struct cpu *cpu, uint32_t v)
{
    reg_write(cpu, R_EAX, v, 1);
}

static void bcd_flags(struct cpu *cpu, uint32_t al, bool cf, bool af)
{
    flags_set_arith(cpu, flags_szp(al, 1) | (cf ? FL_CF : 0) | (af ? FL_AF : 0));
}

/* The carry of the low-digit step is overwritten by the high-digit step,
 * so only the latter decides CF (SDM vol. 2, DAA). */
void exec_DAA(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t f = flags_compute(cpu);
    uint32_t old_al = al_of(cpu), al = old_al;
    bool af = (al & 0xf) > 9 || (f & FL_AF);
    if (af)
        al = (al + 6) & 0xff;
    bool cf = old_al > 0x99 || (f & FL_CF);
    if (cf)
        al = (al + 0x60) & 0xff;
    set_al(cpu, al);
    bcd_flags(cpu, al, cf, af);
}

/* Unlike DAA, the second step of DAS has no "else CF = 0": a borrow from
 * the low-digit adjustment survives (SDM vol. 2, DAS). */
void exec_DAS(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t f = flags_compute(cpu);
    uint32_t old_al = al_of(cpu), al = old_al;
    bool old_cf = f & FL_CF, cf = false, af = false;
    if ((al & 0xf) > 9 || (f & FL_AF)) {
        cf = old_cf || al < 6;
        al = (al - 6) & 0xff;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (al - 0x60) & 0xff;
        cf = true;
    }
    set_al(cpu, al);
    bcd_flags(cpu, al, cf, af);
}

/* AAA adds 106h to AX, so a carry out of AL+6 reaches AH too (the P6 form
 * of the SDM pseudo-code). */
void exec_AAA(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t ax = reg_read(cpu, R_EAX, 2);
    bool adjust = (ax & 0xf) > 9 || (flags_compute(cpu) & FL_AF);
    if (adjust)
        ax += 0x106;
    ax = (ax & 0xff00) | (ax & 0x0f);
    reg_write(cpu, R_EAX, ax, 2);
    bcd_flags(cpu, ax & 0xff, adjust, adjust);
}

void exec_AAS(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t ax = reg_read(cpu, R_EAX, 2);
    bool adjust = (ax & 0xf) > 9 || (flags_compute(cpu) & FL_AF);
    if (adjust)
        ax = (ax - 6 - 0x100) & 0xffff;
    ax = (ax & 0xff00) | (ax & 0x0f);
    reg_write(cpu, R_EAX, ax, 2);
    bcd_flags(cpu, ax & 0xff, adjust, adjust);
}

/* AAM base: AH = AL / base, AL = AL % base; base 0 raises #DE. */
void exec_AAM(struct cpu *cpu, const struct insn *in)
{
    uint32_t base = in->imm & 0xff;
    if (base == 0)
        cpu_fault(cpu, EXC_DE, 0);
    uint32_t al = al_of(cpu);
    reg_write(cpu, R_EAX, (al / base) << 8 | (al % base), 2);
    flags_lazy(cpu, CC_LOGIC, 1, al % base, 0, 0);
}

/* AAD base: AL = AL + AH * base, AH = 0. */
void exec_AAD(struct cpu *cpu, const struct insn *in)
{
    uint32_t ax = reg_read(cpu, R_EAX, 2);
    uint32_t al = alu_op(cpu, ALU_ADD, ax & 0xff, ((ax >> 8) * (in->imm & 0xff)) & 0xff, 1);
    reg_write(cpu, R_EAX, al, 2);
}

/* SALC: AL = CF ? FFh : 0, flags unchanged. */
void exec_SALC(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    set_al(cpu, flags_cf(cpu) ? 0xff : 0);
}
