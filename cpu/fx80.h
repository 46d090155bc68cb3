/*
 * x87 extended precision arithmetic in software, exact on any host.
 *
 * A value is the 80-bit register format (SDM vol. 1, 4.2.2 and 8.2): a
 * sign, a 15-bit biased exponent and a 64-bit significand with an
 * explicit integer bit. Every operation rounds as the x87 does: to the
 * precision the control word selects (24, 53 or 64 significand bits, with
 * the full exponent range of the register format), in its rounding mode,
 * and reports what happened as x87 exception flags plus C1 (rounded up).
 * Masked responses (SDM vol. 1, 8.5: the real indefinite, infinities on
 * overflow, denormal results on underflow) are produced here from the
 * masks in the control word. Unmasked, what the caller stores follows
 * from env->flags & ~fcw:
 *  - IE, DE or ZE unmasked and raised: nothing; the destination and the
 *    stack stay as they were (the returned value is meaningless);
 *  - OE or UE unmasked and raised: a register destination gets the
 *    returned value, rounded with its exponent wrapped by 24576 (SDM
 *    vol. 1, 8.5.4, 8.5.5); a memory destination (fx80_to_f32/f64) gets
 *    nothing;
 *  - PE unmasked: the result is stored as if masked.
 * The exceptions are: loads of denormal float32/float64 (DE) complete
 * even unmasked, and so do compares with DE.
 */
#ifndef CPU_FX80_H
#define CPU_FX80_H

#include <stdbool.h>
#include <stdint.h>

struct fx80 {
    uint64_t mant;      /* significand, bit 63 the explicit integer bit */
    uint16_t sign_exp;  /* bit 15 sign, bits 14:0 biased exponent (bias 16383) */
};

/* x87 status word exception flags (SDM vol. 1, 8.1.3), also the mask bits
 * of the control word at the same positions. */
enum {
    FX_IE = 0x01, /* invalid operation */
    FX_DE = 0x02, /* denormal operand */
    FX_ZE = 0x04, /* zero divide */
    FX_OE = 0x08, /* overflow */
    FX_UE = 0x10, /* underflow */
    FX_PE = 0x20, /* precision (inexact) */
    FX_SF = 0x40, /* stack fault, with IE; C1 says overflow (1) or underflow (0) */
    /* Not a status bit: fx80_operand_f32/f64 note a denormal source here
     * for the operation that takes the operand, which clears it. */
    FX_DENORMAL_SOURCE = 0x100,
};

/* Control word fields (SDM vol. 1, 8.1.5). */
enum { FX_PC_24 = 0, FX_PC_53 = 2, FX_PC_64 = 3 };                   /* bits 9:8 */
enum { FX_RC_NEAREST = 0, FX_RC_DOWN = 1, FX_RC_UP = 2, FX_RC_ZERO = 3 }; /* bits 11:10 */

/* What an operation needs from the control word, and what it reports.
 * The caller sets flags and c1 to zero before each instruction: C1 is 0
 * unless an operation sets it. */
struct fx80_env {
    uint16_t fcw;    /* masks (bits 5:0), PC (9:8), RC (11:10) */
    uint16_t flags;  /* FX_* raised by the operation, ORed in */
    bool c1;         /* the result was rounded up (meaningful with FX_PE) */
};

/* Classes, as FXAM reports them (SDM vol. 1, table 8-7 / FXAM). */
enum fx80_class {
    FX80_UNSUPPORTED, FX80_NAN, FX80_NORMAL, FX80_INFINITY,
    FX80_ZERO, FX80_DENORMAL, /* also pseudo-denormals */
};
enum fx80_class fx80_classify(struct fx80 a);
bool fx80_is_signaling_nan(struct fx80 a);

extern const struct fx80 fx80_indefinite; /* the real indefinite: -QNaN 0xC000000000000000 */

/* Constants of FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ, rounded
 * in the current rounding mode as the x87 does (SDM vol. 1, 8.3.8). */
enum fx80_const { FX80_ONE, FX80_L2T, FX80_L2E, FX80_PI, FX80_LG2, FX80_LN2, FX80_ZERO_C };
struct fx80 fx80_const(enum fx80_const which, uint16_t fcw);

/* Arithmetic; operands are register values (unsupported encodings raise
 * IE, denormal operands DE, SNaNs IE and are quieted, as on the x87). */
struct fx80 fx80_add(struct fx80 a, struct fx80 b, struct fx80_env *env);
struct fx80 fx80_sub(struct fx80 a, struct fx80 b, struct fx80_env *env);
struct fx80 fx80_mul(struct fx80 a, struct fx80 b, struct fx80_env *env);
struct fx80 fx80_div(struct fx80 a, struct fx80 b, struct fx80_env *env);
struct fx80 fx80_sqrt(struct fx80 a, struct fx80_env *env);
struct fx80 fx80_round_int(struct fx80 a, struct fx80_env *env); /* FRNDINT, in RC */
/* FSCALE: a * 2^trunc(b), rounded to 64 bits whatever PC says. */
struct fx80 fx80_scale(struct fx80 a, struct fx80 b, struct fx80_env *env);
/* FXTRACT: *sig gets the significand (exponent 0), the return value the
 * exponent as a register value. */
struct fx80 fx80_extract(struct fx80 a, struct fx80 *sig, struct fx80_env *env);
/* FPREM (round_nearest false) and FPREM1: partial remainder, exact, not
 * rounded; *quotient_bits gets Q2,Q1,Q0 as bits 2:0 (C0, C3, C1; 0 when
 * incomplete) and *incomplete is C2. When the result is a NaN (a NaN
 * operand, or IE), the x87 clears C2 and C1 and leaves C0 and C3 as they
 * were. */
struct fx80 fx80_rem(struct fx80 a, struct fx80 b, bool round_nearest, unsigned *quotient_bits,
                     bool *incomplete, struct fx80_env *env);

/* Comparisons (FCOM, FUCOM, FCOMI, FTST): quiet compares raise IE only on
 * SNaNs, ordered ones on any NaN; unsupported encodings raise IE and are
 * unordered. Returns <0, 0, >0, or FX80_UNORDERED (a < b is < 0). */
#define FX80_UNORDERED 2
int fx80_compare(struct fx80 a, struct fx80 b, bool quiet, struct fx80_env *env);

/* Conversions. Loads of float32/float64 are exact (raise DE for
 * denormals, IE for SNaN, which comes back quieted); stores round to the
 * format (PC does not apply) and raise OE/UE/PE/IE as the x87 does, never
 * DE. Integer stores round in RC and give the integer indefinite
 * (0x8000..., sign-extended to 64 bits) with IE when out of range, NaN,
 * infinite or unsupported. */
struct fx80 fx80_from_f32(uint32_t v, struct fx80_env *env);
struct fx80 fx80_from_f64(uint64_t v, struct fx80_env *env);
/* The float32/float64 memory operand of an arithmetic or compare
 * instruction (FADD m32fp, FCOM m64fp, ...): the exact value, with an SNaN
 * left signaling and no flags raised, so that the operation then treats
 * it as the x87 does: NaN rules between the two operands, and DE for a
 * denormal source (noted as FX_DENORMAL_SOURCE) only when the operation
 * goes ahead, stopping it when DE is unmasked. Pass the same env to the
 * operation: fx80_add, fx80_sub, fx80_mul, fx80_div or fx80_compare. */
struct fx80 fx80_operand_f32(uint32_t v, struct fx80_env *env);
struct fx80 fx80_operand_f64(uint64_t v, struct fx80_env *env);
struct fx80 fx80_from_int(int64_t v);
uint32_t fx80_to_f32(struct fx80 a, struct fx80_env *env);
uint64_t fx80_to_f64(struct fx80 a, struct fx80_env *env);
/* bits: 16, 32 or 64. */
int64_t fx80_to_int(struct fx80 a, unsigned bits, struct fx80_env *env);
/* Packed BCD, 10 bytes (FBLD, FBSTP): 18 digits and a sign byte. A store
 * out of range (|a| >= 10^18 once rounded in RC) or of a NaN, infinity or
 * unsupported encoding raises IE and writes the BCD indefinite. */
struct fx80 fx80_from_bcd(const uint8_t bcd[10]);
void fx80_to_bcd(struct fx80 a, uint8_t bcd[10], struct fx80_env *env);
/* Round a register value to the precision and rounding of the control
 * word, exactly as FMUL by 1.0 does, flags included (FLD/FST between
 * registers do not round; arithmetic results do). */
struct fx80 fx80_round(struct fx80 a, struct fx80_env *env);

/* Transcendentals (cpu/fx80_trans.c), within 1 ulp of extended precision
 * and with the x87's argument ranges: FSIN/FCOS/FSINCOS/FPTAN set
 * *out_of_range (C2) and leave the operand for |x| >= 2^63. */
struct fx80 fx80_sin(struct fx80 a, bool *out_of_range, struct fx80_env *env);
struct fx80 fx80_cos(struct fx80 a, bool *out_of_range, struct fx80_env *env);
struct fx80 fx80_tan(struct fx80 a, bool *out_of_range, struct fx80_env *env);
struct fx80 fx80_atan2(struct fx80 y, struct fx80 x, struct fx80_env *env); /* FPATAN */
struct fx80 fx80_f2xm1(struct fx80 a, struct fx80_env *env);
struct fx80 fx80_yl2x(struct fx80 y, struct fx80 x, struct fx80_env *env);
struct fx80 fx80_yl2xp1(struct fx80 y, struct fx80 x, struct fx80_env *env);

#endif
