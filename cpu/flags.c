/*
 * Evaluation of the lazy arithmetic flags (cpu/flags.h): the full six
 * flags for PUSHF and friends, CF alone for ADC/SBB/RCL/RCR, and condition
 * codes for Jcc/SETcc/CMOVcc with shortcuts for the common producers.
 */
#include "flags.h"

static inline unsigned cc_kind(uint32_t cc_op)
{
    return cc_op / 3;
}

/* Sign bit of the operand size encoded in cc_op. */
static inline uint32_t cc_msb(uint32_t cc_op)
{
    return 1u << ((8u << cc_op % 3) - 1);
}

/* Shift that moves the operand's sign bit to bit 31, for signed compares. */
static inline unsigned cc_sign_shift(uint32_t cc_op)
{
    return 32 - (8u << cc_op % 3);
}

/*
 * Carry out of the top bit. For an addition dst = a + b (+ carry in) it is
 * the majority of a, b and the carry into the top bit, which is
 * a ^ b ^ dst there; this works with or without a carry in. The borrow of
 * a subtraction follows the same way with a inverted.
 */
static inline bool add_carry(uint32_t a, uint32_t b, uint32_t dst, uint32_t msb)
{
    return ((a & b) | ((a | b) & ~dst)) & msb;
}
static inline bool sub_borrow(uint32_t a, uint32_t b, uint32_t dst, uint32_t msb)
{
    return ((~a & b) | ((~a | b) & dst)) & msb;
}

bool flags_cf(const struct cpu *cpu)
{
    uint32_t op = cpu->cc_op;
    switch (cc_kind(op)) {
    case CC_ADD:
        return cpu->cc_dst < cpu->cc_src2;
    case CC_ADC:
        return add_carry(cpu->cc_src2, cpu->cc_src, cpu->cc_dst, cc_msb(op));
    case CC_SUB:
        return cpu->cc_src2 < cpu->cc_src;
    case CC_SBB:
        return sub_borrow(cpu->cc_src2, cpu->cc_src, cpu->cc_dst, cc_msb(op));
    case CC_LOGIC:
        return false;
    case CC_INC:
    case CC_DEC:
        return cpu->cc_src2 != 0;
    case CC_SHL:
    case CC_SHR:
    case CC_SAR:
    case CC_MUL:
        return cpu->cc_src != 0;
    default:
        return cpu->cc_src & FL_CF;
    }
}

uint32_t flags_compute(const struct cpu *cpu)
{
    uint32_t op = cpu->cc_op;
    unsigned kind = cc_kind(op);
    if (kind == CC_EFLAGS)
        return cpu->cc_src & FL_ARITH;

    uint32_t msb = cc_msb(op);
    uint32_t dst = cpu->cc_dst, src = cpu->cc_src, src2 = cpu->cc_src2;
    uint32_t f = parity_even(dst) ? FL_PF : 0;
    if (dst == 0)
        f |= FL_ZF;
    if (dst & msb)
        f |= FL_SF;

    switch (kind) {
    case CC_ADD:
    case CC_ADC:
        if (kind == CC_ADD ? dst < src2 : add_carry(src2, src, dst, msb))
            f |= FL_CF;
        if ((src2 ^ dst) & (src ^ dst) & msb)
            f |= FL_OF;
        f |= (src ^ src2 ^ dst) & FL_AF;
        break;
    case CC_SUB:
    case CC_SBB:
        if (kind == CC_SUB ? src2 < src : sub_borrow(src2, src, dst, msb))
            f |= FL_CF;
        if ((src2 ^ src) & (src2 ^ dst) & msb)
            f |= FL_OF;
        f |= (src ^ src2 ^ dst) & FL_AF;
        break;
    case CC_INC:
    case CC_DEC:
        if (src2)
            f |= FL_CF;
        if (dst == (kind == CC_INC ? msb : msb - 1))
            f |= FL_OF;
        if ((dst & 0xf) == (kind == CC_INC ? 0 : 0xf))
            f |= FL_AF;
        break;
    case CC_SHL:
        if (src)
            f |= FL_CF;
        if ((src2 ^ (src2 << 1)) & msb)
            f |= FL_OF;
        break;
    case CC_SHR:
        if (src)
            f |= FL_CF;
        if (src2 & msb)
            f |= FL_OF;
        break;
    case CC_SAR:
        if (src)
            f |= FL_CF;
        break;
    case CC_MUL:
        /* Intel processors clear ZF and AF after MUL and IMUL. */
        f &= ~FL_ZF;
        if (src)
            f |= FL_CF | FL_OF;
        break;
    default: /* CC_LOGIC */
        break;
    }
    return f;
}

/* Condition from explicit flags: the pairs O, B, Z, BE, S, P, L, LE, each
 * followed by its negation. */
static bool cond_from_flags(uint32_t f, unsigned cc)
{
    bool r;
    switch (cc >> 1) {
    case 0: r = f & FL_OF; break;
    case 1: r = f & FL_CF; break;
    case 2: r = f & FL_ZF; break;
    case 3: r = f & (FL_CF | FL_ZF); break;
    case 4: r = f & FL_SF; break;
    case 5: r = f & FL_PF; break;
    case 6: r = !(f & FL_SF) != !(f & FL_OF); break;
    default: r = (f & FL_ZF) || !(f & FL_SF) != !(f & FL_OF); break;
    }
    return r ^ (cc & 1);
}

/*
 * Jcc is the hottest reader of the flags, and nearly always follows CMP,
 * SUB, TEST or a logic op: those cases compare the operands directly.
 */
bool flags_cond(const struct cpu *cpu, unsigned cc)
{
    uint32_t op = cpu->cc_op;
    unsigned kind = cc_kind(op);
    bool r;

    if (kind == CC_EFLAGS)
        return cond_from_flags(cpu->cc_src, cc);

    switch (cc >> 1) {
    case 1:
        r = flags_cf(cpu);
        break;
    case 2:
        r = cpu->cc_dst == 0 && kind != CC_MUL;
        break;
    case 3:
        if (kind == CC_SUB)
            r = cpu->cc_src2 <= cpu->cc_src;
        else if (kind == CC_LOGIC)
            r = cpu->cc_dst == 0;
        else
            return cond_from_flags(flags_compute(cpu), cc);
        break;
    case 4:
        r = cpu->cc_dst & cc_msb(op);
        break;
    case 5:
        r = parity_even(cpu->cc_dst);
        break;
    case 6:
    case 7: {
        if (kind == CC_SUB) {
            unsigned sh = cc_sign_shift(op);
            int32_t a = (int32_t)(cpu->cc_src2 << sh), b = (int32_t)(cpu->cc_src << sh);
            r = (cc >> 1) == 6 ? a < b : a <= b;
        } else if (kind == CC_LOGIC) {
            r = (cpu->cc_dst & cc_msb(op)) || ((cc >> 1) == 7 && cpu->cc_dst == 0);
        } else {
            return cond_from_flags(flags_compute(cpu), cc);
        }
        break;
    }
    default:
        if (kind == CC_LOGIC || kind == CC_SAR)
            r = false;
        else
            return cond_from_flags(flags_compute(cpu), cc);
        break;
    }
    return r ^ (cc & 1);
}
