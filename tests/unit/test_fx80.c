/* The software x87 arithmetic of cpu/fx80.c: hand-worked cases from the
 * SDM on every host, and on x86 hosts a differential run against the
 * host's own x87 over random operands biased to the edge cases, in every
 * precision and rounding mode, with exceptions masked and unmasked.
 * The cases per operation default to 200000; an argument sets them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/fx80.h"
#include "unit_check.h"

static struct fx80 fx(uint16_t sign_exp, uint64_t mant)
{
    return (struct fx80){ mant, sign_exp };
}

static bool same(struct fx80 a, struct fx80 b)
{
    return a.mant == b.mant && a.sign_exp == b.sign_exp;
}

/* A control word: all exceptions masked, the given precision and rounding. */
static uint16_t cw(unsigned pc, unsigned rc)
{
    return (uint16_t)(0x3F | pc << 8 | rc << 10);
}

static struct fx80_env env_of(uint16_t fcw)
{
    return (struct fx80_env){ fcw, 0, false };
}

#define ONE fx(0x3FFF, 0x8000000000000000ull)
#define TWO fx(0x4000, 0x8000000000000000ull)
#define THREE fx(0x4000, 0xC000000000000000ull)
#define MIN_NORMAL fx(0x0001, 0x8000000000000000ull)
#define MAX_FINITE fx(0x7FFE, 0xFFFFFFFFFFFFFFFFull)
#define PLUS_INF fx(0x7FFF, 0x8000000000000000ull)
#define MINUS_INF fx(0xFFFF, 0x8000000000000000ull)
#define SNAN fx(0x7FFF, 0x8000000000000001ull)
#define QNAN fx(0x7FFF, 0xC000000000000001ull)

static void test_sdm_cases(struct unit_tally *t)
{
    struct fx80_env e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_add(ONE, TWO, &e), THREE) && e.flags == 0);

    /* 1/3 rounds down in nearest at 64 bits, up at 24 bits (C1). */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_div(ONE, THREE, &e), fx(0x3FFD, 0xAAAAAAAAAAAAAAABull)));
    CHECK(t, e.flags == FX_PE && e.c1);
    e = env_of(cw(FX_PC_24, FX_RC_ZERO));
    CHECK(t, same(fx80_div(ONE, THREE, &e), fx(0x3FFD, 0xAAAAAA0000000000ull)));
    CHECK(t, e.flags == FX_PE && !e.c1);

    /* x - x is +0, or -0 rounding down (SDM vol. 1, 4.8.3.3 footnote). */
    e = env_of(cw(FX_PC_64, FX_RC_DOWN));
    CHECK(t, same(fx80_sub(THREE, THREE, &e), fx(0x8000, 0)));
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_sub(THREE, THREE, &e), fx(0, 0)));

    /* Masked overflow: infinity in nearest, the largest finite toward
     * zero (SDM vol. 1, 4.9.1.4, table 4-10), at the precision in use. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_mul(MAX_FINITE, TWO, &e), PLUS_INF) && e.flags == (FX_OE | FX_PE));
    e = env_of(cw(FX_PC_24, FX_RC_ZERO));
    CHECK(t, same(fx80_mul(MAX_FINITE, TWO, &e), fx(0x7FFE, 0xFFFFFF0000000000ull)));
    /* Unmasked: the exponent is wrapped by 24576 (SDM vol. 1, 8.5.4). */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST) & ~FX_OE);
    CHECK(t, same(fx80_mul(MAX_FINITE, TWO, &e), fx(0x7FFF - 24576, 0xFFFFFFFFFFFFFFFFull)));
    CHECK(t, e.flags == FX_OE);

    /* Masked underflow: denormalized; exact results raise no UE. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_div(MIN_NORMAL, TWO, &e), fx(0, 0x4000000000000000ull)) && e.flags == 0);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_div(MIN_NORMAL, THREE, &e), fx(0, 0x2AAAAAAAAAAAAAABull)));
    CHECK(t, e.flags == (FX_UE | FX_PE));
    /* Unmasked: tiny is enough, the exponent is wrapped (8.5.5). */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST) & ~FX_UE);
    CHECK(t, same(fx80_div(MIN_NORMAL, TWO, &e), fx(24576, 0x8000000000000000ull)));
    CHECK(t, e.flags == FX_UE);

    /* Denormal operands raise DE; pseudo-denormals are exponent 1. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_add(fx(0, 0x8000000000000000ull), fx(0, 1), &e),
                  fx(1, 0x8000000000000001ull)));
    CHECK(t, e.flags == FX_DE);

    /* Unsupported encodings and invalid operations: the real indefinite. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_add(fx(0x3FFF, 0x4000000000000000ull), ONE, &e), fx80_indefinite));
    CHECK(t, e.flags == FX_IE);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_sub(PLUS_INF, PLUS_INF, &e), fx80_indefinite) && e.flags == FX_IE);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_sqrt(fx(0xBFFF, 0x8000000000000000ull), &e), fx80_indefinite));

    /* NaNs (SDM vol. 1, table 4-7): an SNaN is quieted with IE, the QNaN
     * wins over an SNaN, the larger significand between two QNaNs. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_mul(SNAN, ONE, &e), fx(0x7FFF, 0xC000000000000001ull)) && e.flags == FX_IE);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_mul(fx(0x7FFF, 0x8000000000000002ull), QNAN, &e), QNAN));
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_mul(QNAN, fx(0xFFFF, 0xC000000000000002ull), &e),
                  fx(0xFFFF, 0xC000000000000002ull)) && e.flags == 0);

    /* Division by zero: ZE and a signed infinity. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_div(fx(0x8000 | 0x3FFF, 1ull << 63), fx(0, 0), &e), MINUS_INF));
    CHECK(t, e.flags == FX_ZE);

    /* FSQRT correctly rounded: sqrt(2) at 64 bits. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_sqrt(TWO, &e), fx(0x3FFF, 0xB504F333F9DE6484ull)) && e.flags == FX_PE);

    /* Constants (SDM vol. 1, 8.3.8): pi rounds up in nearest, not down. */
    struct fx80 pi_down = fx(0x4000, 0xC90FDAA22168C234ull);
    struct fx80 pi_up = fx(0x4000, 0xC90FDAA22168C235ull);
    CHECK(t, same(fx80_const(FX80_PI, cw(FX_PC_64, FX_RC_NEAREST)), pi_up));
    CHECK(t, same(fx80_const(FX80_PI, cw(FX_PC_64, FX_RC_DOWN)), pi_down));
    CHECK(t, same(fx80_const(FX80_ONE, cw(FX_PC_24, FX_RC_UP)), ONE));

    /* FRNDINT and integer stores in the rounding mode. */
    struct fx80 two_and_half = fx(0x4000, 0xA000000000000000ull);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_round_int(two_and_half, &e), TWO) && e.flags == FX_PE && !e.c1);
    e = env_of(cw(FX_PC_64, FX_RC_UP));
    CHECK(t, fx80_to_int(two_and_half, 16, &e) == 3 && e.flags == FX_PE && e.c1);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, fx80_to_int(fx(0x400E, 0x8000000000000000ull), 16, &e) == -32768 && e.flags == FX_IE);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, fx80_to_int(fx(0xC00E, 0x8000000000000000ull), 16, &e) == -32768 && e.flags == 0);

    /* Packed BCD: -1234 both ways; out of range stores the indefinite. */
    uint8_t bcd[10];
    const uint8_t minus_1234[10] = { 0x34, 0x12, 0, 0, 0, 0, 0, 0, 0, 0x80 };
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    fx80_to_bcd(fx80_from_int(-1234), bcd, &e);
    CHECK(t, memcmp(bcd, minus_1234, 10) == 0 && e.flags == 0);
    CHECK(t, same(fx80_from_bcd(minus_1234), fx80_from_int(-1234)));
    const uint8_t bcd_indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    fx80_to_bcd(fx80_from_int(1000000000000000000ll), bcd, &e);
    CHECK(t, memcmp(bcd, bcd_indefinite, 10) == 0 && e.flags == FX_IE);

    /* FPREM: 7 rem 2 = 1, quotient 3; FPREM1: 7 rem 2 = -1, quotient 4. */
    unsigned q;
    bool incomplete;
    struct fx80 seven = fx(0x4001, 0xE000000000000000ull);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_rem(seven, TWO, false, &q, &incomplete, &e), ONE) && q == 3 && !incomplete);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_rem(seven, TWO, true, &q, &incomplete, &e), fx(0xBFFF, 1ull << 63)));
    CHECK(t, q == 4 && !incomplete);
    /* An exponent difference of 64 or more leaves a partial remainder. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    fx80_rem(fx(0x3FFF + 100, 0xC000000000000000ull), THREE, false, &q, &incomplete, &e);
    CHECK(t, incomplete);

    /* FSCALE truncates ST(1); FXTRACT of zero is -inf with ZE. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_scale(ONE, fx(0xC000, 0xE000000000000000ull), &e), fx(0x3FFC, 1ull << 63)));
    struct fx80 sig;
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_extract(fx(0x8000, 0), &sig, &e), MINUS_INF) && same(sig, fx(0x8000, 0)));
    CHECK(t, e.flags == FX_ZE);

    /* Compares: unordered with IE for any NaN unless quiet. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, fx80_compare(ONE, TWO, false, &e) < 0);
    CHECK(t, fx80_compare(fx(0x8000, 0), fx(0, 0), false, &e) == 0);
    CHECK(t, fx80_compare(QNAN, ONE, true, &e) == FX80_UNORDERED && e.flags == 0);
    CHECK(t, fx80_compare(QNAN, ONE, false, &e) == FX80_UNORDERED && e.flags == FX_IE);

    /* Single and double precision stores and loads. */
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, fx80_to_f32(ONE, &e) == 0x3F800000u);
    CHECK(t, fx80_to_f64(THREE, &e) == 0x4008000000000000ull);
    CHECK(t, e.flags == 0);
    CHECK(t, fx80_to_f32(MIN_NORMAL, &e) == 0 && e.flags == (FX_UE | FX_PE));
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_from_f32(1, &e), fx(0x3FFF - 149, 1ull << 63)) && e.flags == FX_DE);
    e = env_of(cw(FX_PC_64, FX_RC_NEAREST));
    CHECK(t, same(fx80_from_f64(0x7FF0000000000001ull, &e), fx(0x7FFF, 0xC000000000000800ull)));
    CHECK(t, e.flags == FX_IE);
}

#if defined(__x86_64__) || defined(__i386__)

/* ---- The host's x87 ---- */

enum op {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_RNDINT, OP_SCALE, OP_XTRACT, OP_PREM, OP_PREM1,
    OP_COM, OP_UCOM, OP_XAM,
    OP_ADD_M32, OP_SUBR_M64, OP_MUL_M64, OP_DIV_M32, OP_DIVR_M64, OP_COM_M64, OP_ROUND,
    OP_TO_F32, OP_TO_F64, OP_TO_I16, OP_TO_I32, OP_TO_I64, OP_TO_BCD,
    OP_FROM_F32, OP_FROM_F64, OP_FROM_BCD, OP_FROM_I64, OP_CONST, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
    "fadd", "fsub", "fmul", "fdiv", "fsqrt", "frndint", "fscale", "fxtract", "fprem",
    "fprem1", "fcom", "fucom", "fxam", "fadd m32", "fsubr m64", "fmul m64", "fdiv m32",
    "fdivr m64", "fcom m64", "round", "fst m32", "fst m64", "fist m16", "fist m32",
    "fist m64", "fbstp", "fld m32", "fld m64", "fbld", "fild m64", "fldconst",
};

/* What an operation left: its register or memory results, the status
 * word's flags and condition codes, and whether memory was written. */
struct outcome {
    struct fx80 r, r2;
    uint8_t mem[10];
    uint16_t sw;
};

/* ST(0) = a, ST(1) = b; `insn` works on them; the status word is read and
 * cleared before ST(0) and ST(1) are stored, so that unmasked exceptions
 * never reach a waiting instruction. */
#define HOST_TWO(insn)                                                                      \
    __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\t"                        \
                     "fldt %[b]\n\tfldt %[a]\n\t" insn "\n\t"                               \
                     "fnstsw %[sw]\n\tfnclex\n\tfldcw %[saved]\n\tfstpt %[r]\n\tfstpt %[r2]" \
                     : [sw] "=m"(o->sw), [saved] "=m"(saved), [r] "=m"(o->r), [r2] "=m"(o->r2) \
                     : [a] "m"(*a), [b] "m"(*b), [cw] "m"(fcw)                              \
                     : "st", "st(1)", "memory")

/* ST(0) = a; `insn` stores it to mem (popping) or leaves one register. */
#define HOST_STORE(insn)                                                                    \
    __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\t"                        \
                     "fldt %[a]\n\t" insn " %[m]\n\t"                                      \
                     "fnstsw %[sw]\n\tfnclex\n\tfldcw %[saved]"                             \
                     : [sw] "=m"(o->sw), [saved] "=m"(saved), [m] "+m"(o->mem)              \
                     : [a] "m"(*a), [cw] "m"(fcw)                                           \
                     : "st", "memory")

/* ST(0) = a, the memory operand in b's first bytes. */
#define HOST_MEMOP(insn)                                                                    \
    __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\t"                        \
                     "fldt %[a]\n\t" insn " %[m]\n\t"                                      \
                     "fnstsw %[sw]\n\tfnclex\n\tfldcw %[saved]\n\tfstpt %[r]"               \
                     : [sw] "=m"(o->sw), [saved] "=m"(saved), [r] "=m"(o->r)                \
                     : [a] "m"(*a), [m] "m"(b->mant), [cw] "m"(fcw)                         \
                     : "st", "memory")

#define HOST_LOAD(insn)                                                                     \
    __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\t"                        \
                     insn " %[m]\n\t"                                                       \
                     "fnstsw %[sw]\n\tfnclex\n\tfldcw %[saved]\n\tfstpt %[r]"               \
                     : [sw] "=m"(o->sw), [saved] "=m"(saved), [r] "=m"(o->r)                \
                     : [m] "m"(*(const uint8_t(*)[10])a), [cw] "m"(fcw)                    \
                     : "st", "memory")

#define HOST_CONST(insn)                                                                    \
    __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\t" insn "\n\t"             \
                     "fnstsw %[sw]\n\tfnclex\n\tfldcw %[saved]\n\tfstpt %[r]"               \
                     : [sw] "=m"(o->sw), [saved] "=m"(saved), [r] "=m"(o->r)                \
                     : [cw] "m"(fcw)                                                        \
                     : "st", "memory")

static const uint8_t sentinel[10] = { 0xA5, 0x5A, 0xA5, 0x5A, 0xA5, 0x5A, 0xA5, 0x5A, 0xA5, 0x5A };

static void host_run(enum op op, const struct fx80 *a, const struct fx80 *b, uint16_t fcw,
                     struct outcome *o)
{
    uint16_t saved;
    memset(o, 0, sizeof(*o));
    memcpy(o->mem, sentinel, sizeof(o->mem));
    switch (op) {
    case OP_ADD: HOST_TWO("fadd %%st(1), %%st"); break;
    case OP_SUB: HOST_TWO("fsub %%st(1), %%st"); break;
    case OP_MUL: HOST_TWO("fmul %%st(1), %%st"); break;
    case OP_DIV: HOST_TWO("fdiv %%st(1), %%st"); break;
    case OP_SQRT: HOST_TWO("fsqrt"); break;
    case OP_RNDINT: HOST_TWO("frndint"); break;
    case OP_SCALE: HOST_TWO("fscale"); break;
    case OP_PREM: HOST_TWO("fprem"); break;
    case OP_PREM1: HOST_TWO("fprem1"); break;
    case OP_COM: HOST_TWO("fcom %%st(1)"); break;
    case OP_UCOM: HOST_TWO("fucom %%st(1)"); break;
    case OP_XAM: HOST_TWO("fxam"); break;
    case OP_ADD_M32: HOST_MEMOP("fadds"); o->r2 = *b; break;
    case OP_SUBR_M64: HOST_MEMOP("fsubrl"); o->r2 = *b; break;
    case OP_MUL_M64: HOST_MEMOP("fmull"); o->r2 = *b; break;
    case OP_DIV_M32: HOST_MEMOP("fdivs"); o->r2 = *b; break;
    case OP_DIVR_M64: HOST_MEMOP("fdivrl"); o->r2 = *b; break;
    case OP_COM_M64: HOST_MEMOP("fcoml"); o->r2 = *b; break;
    case OP_ROUND: HOST_TWO("fmul %%st(1), %%st"); break;
    case OP_XTRACT:
        /* Three registers; the third, b, is dropped. */
        __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\t"
                         "fldt %[b]\n\tfldt %[a]\n\tfxtract\n\t"
                         "fnstsw %[sw]\n\tfnclex\n\tfldcw %[saved]\n\tfstpt %[r]\n\t"
                         "fstpt %[r2]\n\tfstp %%st(0)"
                         : [sw] "=m"(o->sw), [saved] "=m"(saved), [r] "=m"(o->r), [r2] "=m"(o->r2)
                         : [a] "m"(*a), [b] "m"(*b), [cw] "m"(fcw)
                         : "st", "st(1)", "st(2)", "memory");
        break;
    case OP_TO_F32: HOST_STORE("fstps"); break;
    case OP_TO_F64: HOST_STORE("fstpl"); break;
    case OP_TO_I16: HOST_STORE("fistps"); break;
    case OP_TO_I32: HOST_STORE("fistpl"); break;
    case OP_TO_I64: HOST_STORE("fistpll"); break;
    case OP_TO_BCD: HOST_STORE("fbstp"); break;
    case OP_FROM_F32: HOST_LOAD("flds"); break;
    case OP_FROM_F64: HOST_LOAD("fldl"); break;
    case OP_FROM_BCD: HOST_LOAD("fbld"); break;
    case OP_FROM_I64: HOST_LOAD("fildll"); break;
    case OP_CONST:
        switch (a->mant % 7) {
        case FX80_ONE: HOST_CONST("fld1"); break;
        case FX80_L2T: HOST_CONST("fldl2t"); break;
        case FX80_L2E: HOST_CONST("fldl2e"); break;
        case FX80_PI: HOST_CONST("fldpi"); break;
        case FX80_LG2: HOST_CONST("fldlg2"); break;
        case FX80_LN2: HOST_CONST("fldln2"); break;
        default: HOST_CONST("fldz"); break;
        }
        break;
    case OP_COUNT: break;
    }
}

/* Status word bits that an operation defines. */
static uint16_t defined_bits(enum op op)
{
    switch (op) {
    case OP_PREM:
    case OP_PREM1:
    case OP_COM:
    case OP_UCOM:
    case OP_COM_M64:
        return 0x473F;
    case OP_XAM:
        return 0x4700;
    default:
        return 0x023F;
    }
}

/* ---- The same through fx80 ---- */

static uint16_t cond_bits(unsigned c0, unsigned c1, unsigned c2, unsigned c3)
{
    return (uint16_t)(c0 << 8 | c1 << 9 | c2 << 10 | c3 << 14);
}

static void soft_run(enum op op, const struct fx80 *a, const struct fx80 *b, uint16_t fcw,
                     struct outcome *o)
{
    struct fx80_env e = env_of(fcw);
    memset(o, 0, sizeof(*o));
    memcpy(o->mem, sentinel, sizeof(o->mem));
    /* Register destinations keep their value on unmasked IE, DE and ZE. */
    bool keeps = false;
    uint16_t cond = 0;
    uint64_t bits = 0;
    unsigned mem_bytes = 0;
    switch (op) {
    case OP_ADD: o->r = fx80_add(*a, *b, &e); o->r2 = *b; break;
    case OP_SUB: o->r = fx80_sub(*a, *b, &e); o->r2 = *b; break;
    case OP_MUL: o->r = fx80_mul(*a, *b, &e); o->r2 = *b; break;
    case OP_DIV: o->r = fx80_div(*a, *b, &e); o->r2 = *b; break;
    case OP_SQRT: o->r = fx80_sqrt(*a, &e); o->r2 = *b; break;
    case OP_RNDINT: o->r = fx80_round_int(*a, &e); o->r2 = *b; break;
    case OP_SCALE: o->r = fx80_scale(*a, *b, &e); o->r2 = *b; break;
    case OP_ROUND: o->r = fx80_round(*a, &e); o->r2 = *b; break;
    case OP_XTRACT: o->r2 = fx80_extract(*a, &o->r, &e); break;
    case OP_PREM:
    case OP_PREM1: {
        unsigned q;
        bool incomplete;
        o->r = fx80_rem(*a, *b, op == OP_PREM1, &q, &incomplete, &e);
        o->r2 = *b;
        cond = cond_bits(q >> 2 & 1, 0, incomplete, q >> 1 & 1);
        e.c1 = q & 1;
        break;
    }
    case OP_ADD_M32:
        o->r = fx80_add(*a, fx80_operand_f32((uint32_t)b->mant, &e), &e);
        o->r2 = *b;
        break;
    case OP_SUBR_M64:
        o->r = fx80_sub(fx80_operand_f64(b->mant, &e), *a, &e);
        o->r2 = *b;
        break;
    case OP_MUL_M64:
        o->r = fx80_mul(*a, fx80_operand_f64(b->mant, &e), &e);
        o->r2 = *b;
        break;
    case OP_DIV_M32:
        o->r = fx80_div(*a, fx80_operand_f32((uint32_t)b->mant, &e), &e);
        o->r2 = *b;
        break;
    case OP_DIVR_M64:
        o->r = fx80_div(fx80_operand_f64(b->mant, &e), *a, &e);
        o->r2 = *b;
        break;
    case OP_COM:
    case OP_UCOM:
    case OP_COM_M64: {
        struct fx80 src = op == OP_COM_M64 ? fx80_operand_f64(b->mant, &e) : *b;
        int c = fx80_compare(*a, src, op == OP_UCOM, &e);
        o->r = *a;
        o->r2 = *b;
        cond = c == FX80_UNORDERED ? cond_bits(1, 0, 1, 1)
             : c < 0 ? cond_bits(1, 0, 0, 0) : c == 0 ? cond_bits(0, 0, 0, 1) : 0;
        break;
    }
    case OP_XAM: {
        /* FXAM's C3 C2 C0 codes, in fx80_class order; C1 is the sign. */
        static const uint8_t codes[] = { 0, 1, 2, 3, 4, 6 };
        unsigned c = codes[fx80_classify(*a)];
        o->r = *a;
        o->r2 = *b;
        cond = cond_bits(c & 1, 0, c >> 1 & 1, c >> 2 & 1);
        e.c1 = (a->sign_exp & 0x8000) != 0;
        break;
    }
    case OP_TO_F32: bits = fx80_to_f32(*a, &e); mem_bytes = 4; break;
    case OP_TO_F64: bits = fx80_to_f64(*a, &e); mem_bytes = 8; break;
    case OP_TO_I16: bits = (uint64_t)fx80_to_int(*a, 16, &e); mem_bytes = 2; break;
    case OP_TO_I32: bits = (uint64_t)fx80_to_int(*a, 32, &e); mem_bytes = 4; break;
    case OP_TO_I64: bits = (uint64_t)fx80_to_int(*a, 64, &e); mem_bytes = 8; break;
    case OP_TO_BCD: {
        uint8_t bcd[10];
        fx80_to_bcd(*a, bcd, &e);
        if (!(e.flags & ~fcw & 0x1F))
            memcpy(o->mem, bcd, 10);
        break;
    }
    case OP_FROM_F32: {
        uint32_t v;
        memcpy(&v, a, 4);
        o->r = fx80_from_f32(v, &e);
        break;
    }
    case OP_FROM_F64: {
        uint64_t v;
        memcpy(&v, a, 8);
        o->r = fx80_from_f64(v, &e);
        break;
    }
    case OP_FROM_BCD: o->r = fx80_from_bcd((const uint8_t *)a); break;
    case OP_FROM_I64: {
        int64_t v;
        memcpy(&v, a, 8);
        o->r = fx80_from_int(v);
        break;
    }
    case OP_CONST: o->r = fx80_const((enum fx80_const)(a->mant % 7), fcw); break;
    case OP_COUNT: break;
    }
    /* PE alone never holds a result back. */
    uint16_t unmasked = e.flags & ~fcw & 0x1F;
    if (mem_bytes && !unmasked)
        memcpy(o->mem, &bits, mem_bytes);
    if (op <= OP_ROUND)
        keeps = unmasked & (FX_IE | FX_DE | FX_ZE);
    if (keeps) {
        o->r = *a;
        o->r2 = *b;
    }
    /* A load of an SNaN with IE unmasked pushes nothing: the host then
     * stores an empty register, which is the indefinite. */
    if ((op >= OP_FROM_F32 && op <= OP_FROM_I64) && (unmasked & FX_IE))
        o->r = fx80_indefinite;
    o->sw = (uint16_t)(e.flags | cond | (e.c1 ? 0x200 : 0));
}

/* ---- Random operands, biased to the edges ---- */

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    /* splitmix64 */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned below(struct rng *r, unsigned n)
{
    return (unsigned)(next(r) % n);
}

/* A significand: random, few bits (exact products and sums), at or next
 * to a halfway point of 24 or 53 bits, or a run of ones. */
static uint64_t random_mant(struct rng *r)
{
    uint64_t m = next(r);
    switch (below(r, 6)) {
    case 0: return m | 1ull << 63;
    case 1: return (m | 1ull << 63) & ~0ull << below(r, 64);
    case 2: {
        /* At, just below or just above the halfway point of a precision. */
        static const unsigned points[] = { 24, 53 };
        unsigned p = points[below(r, 2)];
        uint64_t head = (m | 1ull << 63) & ~0ull << (64 - p);
        uint64_t half = 1ull << (63 - p);
        switch (below(r, 4)) {
        case 0: return head | half;
        case 1: return head | (half - 1);
        case 2: return head | half | 1;
        default: return head | (half - 1) << 1;
        }
    }
    case 3: return 1ull << 63 | (below(r, 2) ? 0 : ~0ull >> below(r, 64));
    default: return m | 1ull << 63;
    }
}

static struct fx80 random_operand(struct rng *r)
{
    uint16_t sign = below(r, 2) ? 0x8000 : 0;
    switch (below(r, 16)) {
    case 0: return fx((uint16_t)next(r), next(r));                 /* anything at all */
    case 1: return fx(sign, random_mant(r) >> (1 + below(r, 63))); /* denormal */
    case 2: return fx(sign, random_mant(r));                       /* pseudo-denormal */
    /* Near the ends of the exponent range, often right at them. */
    case 3: return fx(sign | (uint16_t)(1 + below(r, below(r, 2) ? 3 : 80)), random_mant(r));
    case 4: return fx(sign | (uint16_t)(0x7FFE - below(r, below(r, 2) ? 3 : 80)), random_mant(r));
    case 5: return fx(sign, 0);
    case 6: return fx(sign | 0x7FFF, 1ull << 63);
    case 7: /* NaNs, quiet or signaling */
        return fx(sign | 0x7FFF, (1ull << 63) | (next(r) >> below(r, 64)) | (below(r, 2) ? 1 : 0));
    case 8: /* unnormals, pseudo-NaNs and pseudo-infinities */
        return fx(sign | (uint16_t)(below(r, 2) ? 0x7FFF : 1 + below(r, 0x7FFE)),
                  next(r) >> (1 + below(r, 63)));
    default: return fx(sign | (uint16_t)(0x3FFF - 70 + below(r, 140)), random_mant(r));
    }
}

static uint16_t clamp_exp(int32_t e)
{
    return (uint16_t)(e < 1 ? 1 : e > 0x7FFE ? 0x7FFE : e);
}

/* A second operand that meets the first at an edge of the operation. */
static struct fx80 partner(enum op op, struct fx80 a, struct rng *r)
{
    struct fx80 b = random_operand(r);
    int32_t ea = a.sign_exp & 0x7FFF;
    uint16_t sign = b.sign_exp & 0x8000;
    if (ea == 0 || below(r, 2))
        return b;
    int32_t eb;
    if (ea == 0x7FFF && below(r, 2))
        /* Two NaNs with one significand, signs and quietness apart. */
        return fx((uint16_t)(sign | 0x7FFF), a.mant ^ (below(r, 2) ? 1ull << 62 : 0));
    switch (op) {
    case OP_ADD:
    case OP_SUB:
    case OP_COM:
    case OP_UCOM:
        /* Near a: cancellation, alignment, equality. */
        if (below(r, 4) == 0)
            return fx((uint16_t)(sign | ea), a.mant);
        eb = ea + (int32_t)below(r, 140) - 70;
        return fx((uint16_t)(sign | clamp_exp(eb)),
                  below(r, 2) ? a.mant ^ (next(r) >> below(r, 64)) : random_mant(r));
    case OP_MUL:
        /* Products near the underflow or the overflow threshold. */
        eb = below(r, 2) ? 16383 + 1 - ea - (int32_t)below(r, 140) + 4
                         : 0x7FFE + 16383 - ea + (int32_t)below(r, 5) - 2;
        return fx((uint16_t)(sign | clamp_exp(eb)), random_mant(r));
    case OP_DIV:
        eb = below(r, 2) ? ea + 16383 - 1 + (int32_t)below(r, 140) - 4
                         : ea + 16383 - 0x7FFE + (int32_t)below(r, 5) - 2;
        return fx((uint16_t)(sign | clamp_exp(eb)), random_mant(r));
    case OP_SCALE: {
        /* Small integers and fractions, and scales to the thresholds. */
        int64_t n = below(r, 2) ? (int64_t)below(r, 200) - 100 : (int64_t)below(r, 70000) - 35000;
        if (below(r, 2))
            n = (below(r, 2) ? 0x7FFE : 1) - ea + (int64_t)below(r, 140) - 70;
        struct fx80 s = fx80_from_int(n);
        /* A fraction below the integer's last bit: truncated away. */
        if (below(r, 4) == 0 && n != 0)
            s.mant |= next(r) >> (1 + (s.sign_exp & 0x7FFF) - 16383);
        return s;
    }
    case OP_PREM:
    case OP_PREM1:
        eb = ea - (int32_t)below(r, 200) + 5;
        return fx((uint16_t)(sign | clamp_exp(eb)), below(r, 4) ? random_mant(r) : a.mant);
    default:
        return b;
    }
}

/* An operand for a load: the memory image in a's first bytes. */
static struct fx80 random_image(enum op op, struct rng *r)
{
    struct fx80 a = fx(0, 0);
    switch (op) {
    case OP_FROM_F32: {
        static const uint32_t exps[] = { 0, 0xFF, 1, 0xFE, 0x7F };
        uint32_t v = (uint32_t)next(r);
        if (below(r, 2))
            v = (v & 0x807FFFFF) | exps[below(r, 5)] << 23;
        if (below(r, 4) == 0)
            v &= 0xFFFF0000u;
        a.mant = v;
        break;
    }
    case OP_FROM_F64: {
        static const uint64_t exps[] = { 0, 0x7FF, 1, 0x7FE, 0x3FF };
        uint64_t v = next(r);
        if (below(r, 2))
            v = (v & 0x800FFFFFFFFFFFFFull) | exps[below(r, 5)] << 52;
        if (below(r, 4) == 0)
            v &= ~0ull << 40;
        a.mant = v;
        break;
    }
    case OP_FROM_BCD: {
        uint8_t bcd[10];
        for (int i = 0; i < 9; i++) {
            unsigned digits = below(r, 4) == 0 ? 0 : below(r, 100);
            bcd[i] = (uint8_t)((digits / 10) << 4 | digits % 10);
        }
        bcd[9] = (uint8_t)(below(r, 2) ? 0x80 : 0);
        memcpy(&a, bcd, 10);
        break;
    }
    case OP_FROM_I64:
        a.mant = next(r) >> below(r, 64);
        if (below(r, 2))
            a.mant = 0 - a.mant;
        break;
    default:
        a.mant = next(r);
        break;
    }
    return a;
}

/* Operands for integer and BCD stores: around the ranges' ends too. */
static struct fx80 random_for_store(enum op op, struct rng *r)
{
    if (below(r, 2))
        return random_operand(r);
    unsigned width = op == OP_TO_I16 ? 16 : op == OP_TO_I32 ? 32 : op == OP_TO_BCD ? 60 : 64;
    int32_t e = 16383 + (int32_t)below(r, width + 3) - 2;
    if (below(r, 4) == 0)
        e = 16383 - 3 + (int32_t)below(r, 5);
    struct fx80 a = fx((uint16_t)((below(r, 2) ? 0x8000 : 0) | e), random_mant(r));
    if (op == OP_TO_BCD && below(r, 2))
        a = fx80_from_int((below(r, 2) ? -1 : 1) * (999999999999999999ll - below(r, 3) + 1));
    return a;
}

static void print_outcome(const char *who, const struct outcome *o)
{
    printf("  %s: r %04x:%016" PRIx64 " r2 %04x:%016" PRIx64 " sw %04x mem", who, o->r.sign_exp,
           o->r.mant, o->r2.sign_exp, o->r2.mant, o->sw);
    for (int i = 9; i >= 0; i--)
        printf(" %02x", o->mem[i]);
    printf("\n");
}

static bool outcomes_match(enum op op, struct outcome *host, struct outcome *soft)
{
    uint16_t bits = defined_bits(op);
    return (host->sw & bits) == (soft->sw & bits) && same(host->r, soft->r) &&
           same(host->r2, soft->r2) && memcmp(host->mem, soft->mem, 10) == 0;
}

static void differential(struct unit_tally *t, enum op op, unsigned cases, bool unmasked_too)
{
    struct rng r = { 0x5EED0000u + (uint64_t)op * 7919 };
    static const unsigned pcs[] = { FX_PC_24, FX_PC_53, FX_PC_64, 1 };
    unsigned mismatches = 0;
    /* How often the host raised each flag and C1: the cases' reach. */
    unsigned seen[7] = { 0 };
    for (unsigned i = 0; i < cases; i++) {
        struct fx80 a, b;
        if (op >= OP_FROM_F32 && op <= OP_FROM_I64) {
            a = random_image(op, &r);
            b = fx(0, 0);
        } else if (op >= OP_TO_I16 && op <= OP_TO_BCD) {
            a = random_for_store(op, &r);
            b = fx(0, 0);
        } else if (op >= OP_ADD_M32 && op <= OP_COM_M64) {
            a = random_operand(&r);
            bool single = op == OP_ADD_M32 || op == OP_DIV_M32;
            b = random_image(single ? OP_FROM_F32 : OP_FROM_F64, &r);
            if (below(&r, 4) == 0) {
                /* a itself, rounded to the memory format: cancellation. */
                struct fx80_env quiet = env_of(cw(FX_PC_64, FX_RC_NEAREST));
                b.mant = single ? fx80_to_f32(a, &quiet) : fx80_to_f64(a, &quiet);
            }
        } else if (op == OP_CONST) {
            a = fx(0, i);
            b = fx(0, 0);
        } else {
            a = random_operand(&r);
            b = op == OP_ROUND ? fx(0x3FFF, 1ull << 63) : partner(op, a, &r);
        }
        uint16_t fcw = (uint16_t)(0x40 | pcs[below(&r, 4)] << 8 | below(&r, 4) << 10);
        fcw |= unmasked_too && below(&r, 2) ? (uint16_t)(next(&r) & 0x3F) : 0x3F;
        struct outcome host, soft;
        host_run(op, &a, &b, fcw, &host);
        soft_run(op, &a, &b, fcw, &soft);
        for (int f = 0; f < 6; f++)
            seen[f] += (host.sw >> f) & 1;
        seen[6] += (host.sw >> 9) & 1;
        if (!outcomes_match(op, &host, &soft)) {
            if (++mismatches <= 8) {
                printf("%s mismatch: cw %04x a %04x:%016" PRIx64 " b %04x:%016" PRIx64 "\n",
                       op_names[op], fcw, a.sign_exp, a.mant, b.sign_exp, b.mant);
                print_outcome("host", &host);
                print_outcome("fx80", &soft);
            }
        }
    }
    printf("%-9s %u cases; IE %u DE %u ZE %u OE %u UE %u PE %u C1 %u\n", op_names[op], cases,
           seen[0], seen[1], seen[2], seen[3], seen[4], seen[5], seen[6]);
    CHECK_MSG(t, mismatches == 0, "%s: %u of %u cases differ from the host x87", op_names[op],
              mismatches, cases);
}

static void test_against_host(struct unit_tally *t, unsigned cases)
{
    for (int op = 0; op < OP_COUNT; op++)
        differential(t, (enum op)op, op == OP_CONST ? 2000 : cases, op != OP_CONST);
}

#endif

int main(int argc, char **argv)
{
    struct unit_tally t = { 0, 0 };
    test_sdm_cases(&t);
#if defined(__x86_64__) || defined(__i386__)
    unsigned cases = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 200000;
    test_against_host(&t, cases);
#else
    (void)argc;
    (void)argv;
#endif
    return UNIT_REPORT(&t);
}
