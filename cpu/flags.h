/*
 * Lazy arithmetic flags.
 *
 * Most instructions set OF SF ZF AF PF CF and the next one ignores them, so
 * ALU instructions record how the flags would be computed (cc_op plus the
 * result and operands) instead of computing them. cc_op also names the
 * operand size. CC_EFLAGS means cc_src already holds the six flags.
 *
 * cc_dst, cc_src and cc_src2 are always truncated to the operand size. For
 * every kind but CC_EFLAGS, SF and PF come from cc_dst, and ZF is
 * cc_dst == 0 except after CC_MUL.
 *
 * Where the SDM leaves a flag undefined, the kinds reproduce what Intel
 * processors were measured to produce: AF = 0 after logic ops and shifts;
 * after a shift by more than one bit, OF is what a one-bit shift of the
 * original operand would give.
 */
#ifndef CPU_FLAGS_H
#define CPU_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/cpu.h"

/* cc_op = kind * 3 + size index (0: byte, 1: word, 2: dword). */
enum cc_kind {
    CC_EFLAGS, /* cc_src = flags */
    CC_ADD,    /* dst = src1 + src2; cc_src = src2, cc_src2 = src1 */
    CC_ADC,    /* dst = src1 + src2 + cf; cc_src = src2, cc_src2 = src1 */
    CC_SUB,    /* dst = src1 - src2; cc_src = src2, cc_src2 = src1 */
    CC_SBB,    /* dst = src1 - src2 - cf; cc_src = src2, cc_src2 = src1 */
    CC_LOGIC,  /* dst; CF = OF = 0, AF = 0 */
    CC_INC,    /* dst = src + 1; cc_src2 holds the old CF (0 or 1) */
    CC_DEC,    /* dst = src - 1; cc_src2 holds the old CF (0 or 1) */
    CC_SHL,    /* dst; cc_src = CF (0 or 1); cc_src2 = original operand:
                  OF = its two top bits differ; AF = 0 */
    CC_SHR,    /* dst; cc_src = CF; cc_src2 = original operand: OF = its msb;
                  AF = 0 */
    CC_SAR,    /* dst; cc_src = CF; OF = 0, AF = 0 */
    CC_MUL,    /* dst = low half; cc_src != 0 sets CF = OF; ZF = AF = 0 */
    CC_KINDS
};

static inline uint32_t cc_make(enum cc_kind kind, unsigned size)
{
    return kind * 3 + (size == 1 ? 0 : size == 2 ? 1 : 2);
}

/* Compute the six arithmetic flags from the lazy state. */
uint32_t flags_compute(const struct cpu *cpu);
bool flags_cf(const struct cpu *cpu);

/* Replace the lazy state with explicit flag values. */
static inline void flags_set_arith(struct cpu *cpu, uint32_t arith)
{
    cpu->cc_op = CC_EFLAGS;
    cpu->cc_src = arith & FL_ARITH;
}

/* Evaluate condition code cc (0..15, the low nibble of Jcc/SETcc/CMOVcc). */
bool flags_cond(const struct cpu *cpu, unsigned cc);

/* Record an ALU result. */
static inline void flags_lazy(struct cpu *cpu, enum cc_kind kind, unsigned size,
                              uint32_t dst, uint32_t src, uint32_t src2)
{
    cpu->cc_op = cc_make(kind, size);
    cpu->cc_dst = dst;
    cpu->cc_src = src;
    cpu->cc_src2 = src2;
}

/*
 * A lazy flag record held aside: instructions that write memory compute
 * their flags first and commit them only after the write, which may fault.
 */
struct cc_lazy {
    uint32_t op, dst, src, src2;
};

static inline void cc_lazy_set(struct cc_lazy *cc, enum cc_kind kind, unsigned size,
                               uint32_t dst, uint32_t src, uint32_t src2)
{
    cc->op = cc_make(kind, size);
    cc->dst = dst;
    cc->src = src;
    cc->src2 = src2;
}

/* An explicit flag record (CC_EFLAGS). */
static inline void cc_lazy_eflags(struct cc_lazy *cc, uint32_t arith)
{
    cc->op = CC_EFLAGS;
    cc->src = arith & FL_ARITH;
    cc->dst = cc->src2 = 0;
}

static inline void flags_commit(struct cpu *cpu, const struct cc_lazy *cc)
{
    cpu->cc_op = cc->op;
    cpu->cc_dst = cc->dst;
    cpu->cc_src = cc->src;
    cpu->cc_src2 = cc->src2;
}

/* Parity of the low byte: PF is set for an even number of ones. */
static inline bool parity_even(uint32_t v)
{
    return !__builtin_parity(v & 0xff);
}

/* SF, ZF and PF of a result of size bytes. */
static inline uint32_t flags_szp(uint32_t v, unsigned size)
{
    uint32_t mask = size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
    uint32_t f = parity_even(v) ? FL_PF : 0;
    v &= mask;
    if (v == 0)
        f |= FL_ZF;
    if (v & ~(mask >> 1))
        f |= FL_SF;
    return f;
}

#endif
