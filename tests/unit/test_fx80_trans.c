/*
 * Unit tests of the x87 transcendentals (cpu/fx80_trans.c).
 *
 * Two kinds of checks:
 *  - hand-written cases that run on every host: the special operands of
 *    each instruction's SDM table, the edges of the argument ranges, and
 *    results captured from an x87 (an AMD EPYC; its FSIN near pi shows the
 *    66-bit pi of the argument reduction);
 *  - on an x86 host, random operands run both on the host's x87 and here,
 *    in every rounding mode and precision control. Each result counts as
 *    identical, within one ulp, or worse; worse, or a status word that
 *    differs in more than C1 beside a one-ulp difference, fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cpu/fx80.h"
#include "unit_check.h"

#define FCW_DEFAULT 0x037f /* all exceptions masked, PC 64, RC nearest */
#define SW_C1 0x0200
#define SW_C2 0x0400
#define SW_COMPARED (0x3f | SW_C1 | SW_C2)

struct tally {
    int passed, failed; /* the checks, see unit_check.h */
};

enum op { OP_SIN, OP_COS, OP_TAN, OP_ATAN2, OP_F2XM1, OP_YL2X, OP_YL2XP1, OP_COUNT };

static const char *const op_names[OP_COUNT] = {
    "fsin", "fcos", "fptan", "fpatan", "f2xm1", "fyl2x", "fyl2xp1",
};

static struct fx80 fx(uint16_t sign_exp, uint64_t mant)
{
    return (struct fx80){mant, sign_exp};
}

/* What an instruction leaves: the value and the status word's flags, C1
 * and C2. For two-operand instructions a is y (ST(1)) and b is x (ST(0)). */
struct outcome {
    struct fx80 v;
    uint16_t sw;
};

static struct outcome run_soft(enum op op, struct fx80 a, struct fx80 b, uint16_t fcw)
{
    struct fx80_env env = {.fcw = fcw};
    bool out_of_range = false;
    struct fx80 v;
    switch (op) {
    case OP_SIN: v = fx80_sin(a, &out_of_range, &env); break;
    case OP_COS: v = fx80_cos(a, &out_of_range, &env); break;
    case OP_TAN: v = fx80_tan(a, &out_of_range, &env); break;
    case OP_ATAN2: v = fx80_atan2(a, b, &env); break;
    case OP_F2XM1: v = fx80_f2xm1(a, &env); break;
    case OP_YL2X: v = fx80_yl2x(a, b, &env); break;
    default: v = fx80_yl2xp1(a, b, &env); break;
    }
    uint16_t sw = env.flags | (env.c1 ? SW_C1 : 0) | (out_of_range ? SW_C2 : 0);
    return (struct outcome){v, sw};
}

static bool same_value(struct fx80 a, struct fx80 b)
{
    return a.mant == b.mant && a.sign_exp == b.sign_exp;
}

/* One hand-written case: expected value and status (flags, C1, C2). */
struct known {
    enum op op;
    struct fx80 a, b;
    uint16_t fcw;
    struct fx80 want;
    uint16_t sw;
};

#define F(se, m) {(m), (se)}
#define NONE F(0, 0)
#define INDEFINITE F(0xffff, 0xc000000000000000ull)
#define ONE F(0x3fff, 0x8000000000000000ull)
#define PINF F(0x7fff, 0x8000000000000000ull)
#define NINF F(0xffff, 0x8000000000000000ull)
#define SNAN F(0x7fff, 0x8000000000000001ull)
#define QNAN_OF_SNAN F(0x7fff, 0xc000000000000001ull)
#define QNAN F(0x7fff, 0xc000000000001234ull)
#define POSITIVE_INDEFINITE F(0x7fff, 0xc000000000000000ull)
#define NEGATIVE_SNAN F(0xffff, 0x8000000000000001ull)
#define UNNORMAL F(0x3fff, 0x4000000000000000ull)
#define DENORMAL F(0x0000, 0x0000000663278e62ull) /* 1e-4940 */
#define PI_UP F(0x4000, 0xc90fdaa22168c235ull)

static const struct known known_cases[] = {
    /* FSIN, FCOS, FPTAN: special operands (SDM vol. 2, FSIN table) */
    {OP_SIN, F(0x0000, 0), NONE, FCW_DEFAULT, F(0x0000, 0), 0},
    {OP_SIN, F(0x8000, 0), NONE, FCW_DEFAULT, F(0x8000, 0), 0},
    {OP_TAN, F(0x8000, 0), NONE, FCW_DEFAULT, F(0x8000, 0), 0},
    {OP_SIN, PINF, NONE, FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_COS, NINF, NONE, FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_SIN, SNAN, NONE, FCW_DEFAULT, QNAN_OF_SNAN, FX_IE},
    {OP_TAN, QNAN, NONE, FCW_DEFAULT, QNAN, 0},
    {OP_COS, UNNORMAL, NONE, FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_COS, F(0x8000, 0), NONE, FCW_DEFAULT, ONE, 0},
    /* |x| >= 2^63: C2, the operand unchanged */
    {OP_SIN, F(0x403e, 0x8000000000000000ull), NONE, FCW_DEFAULT,
     F(0x403e, 0x8000000000000000ull), SW_C2},
    {OP_TAN, F(0xc040, 0x8123456789abcdefull), NONE, FCW_DEFAULT,
     F(0xc040, 0x8123456789abcdefull), SW_C2},
    /* measured: sin 0.3, in two rounding modes */
    {OP_SIN, F(0x3ffd, 0x999999999999999aull), NONE, FCW_DEFAULT,
     F(0x3ffd, 0x974e6cadd5d19c2bull), FX_PE},
    {OP_SIN, F(0x3ffd, 0x999999999999999aull), NONE, 0x0a7f,
     F(0x3ffd, 0x974e6cadd5d19c2cull), FX_PE | SW_C1},
    /* measured: near pi the reduction's 66-bit pi shows. The x87 leaves
     * C1 clear; the sines lie 2^-128 of themselves inside these values. */
    {OP_SIN, PI_UP, NONE, FCW_DEFAULT, F(0xbfbf, 0x8000000000000000ull), FX_PE | SW_C1},
    {OP_SIN, F(0x4000, 0xc90fdaa22168c000ull), NONE, FCW_DEFAULT,
     F(0x3fca, 0x8d30000000000000ull), FX_PE | SW_C1},
    {OP_COS, F(0x3fff, 0xc90fdaa22168c235ull), NONE, FCW_DEFAULT,
     F(0xbfbe, 0x8000000000000000ull), FX_PE | SW_C1},
    /* measured: sin 1e18 */
    {OP_SIN, F(0x403a, 0xde0b6b3a76400000ull), NONE, FCW_DEFAULT,
     F(0xbffe, 0xfe293239d98b5dc4ull), FX_PE},
    /* measured: tiny operands */
    {OP_SIN, DENORMAL, NONE, FCW_DEFAULT, DENORMAL, FX_DE | FX_UE | FX_PE | SW_C1},
    {OP_SIN, F(0x0c17, 0x9c3d73864f3805c0ull), NONE, 0x077f,
     F(0x0c17, 0x9c3d73864f3805bfull), FX_PE},
    {OP_SIN, F(0x8c17, 0x9c3d73864f3805c0ull), NONE, 0x077f,
     F(0x8c17, 0x9c3d73864f3805c0ull), FX_PE | SW_C1},

    /* FPATAN (SDM vol. 2, table 3-30), y first */
    {OP_ATAN2, F(0x0000, 0), ONE, FCW_DEFAULT, F(0x0000, 0), 0},
    {OP_ATAN2, F(0x8000, 0), F(0x0000, 0), FCW_DEFAULT, F(0x8000, 0), 0},
    {OP_ATAN2, F(0x0000, 0), F(0xbfff, 0x8000000000000000ull), FCW_DEFAULT, PI_UP,
     FX_PE | SW_C1},
    {OP_ATAN2, F(0x8000, 0), F(0x8000, 0), FCW_DEFAULT, F(0xc000, 0xc90fdaa22168c235ull),
     FX_PE | SW_C1},
    {OP_ATAN2, ONE, F(0x0000, 0), FCW_DEFAULT, F(0x3fff, 0xc90fdaa22168c235ull), FX_PE | SW_C1},
    {OP_ATAN2, PINF, PINF, FCW_DEFAULT, F(0x3ffe, 0xc90fdaa22168c235ull), FX_PE | SW_C1},
    {OP_ATAN2, ONE, ONE, FCW_DEFAULT, F(0x3ffe, 0xc90fdaa22168c235ull), FX_PE | SW_C1},
    {OP_ATAN2, ONE, PINF, FCW_DEFAULT, F(0x0000, 0), 0},
    {OP_ATAN2, SNAN, QNAN, FCW_DEFAULT, QNAN, FX_IE},
    /* measured: of two NaNs with one significand, the positive one */
    {OP_ATAN2, INDEFINITE, POSITIVE_INDEFINITE, FCW_DEFAULT, POSITIVE_INDEFINITE, 0},
    {OP_ATAN2, POSITIVE_INDEFINITE, INDEFINITE, FCW_DEFAULT, POSITIVE_INDEFINITE, 0},
    {OP_ATAN2, NEGATIVE_SNAN, SNAN, FCW_DEFAULT, QNAN_OF_SNAN, FX_IE},
    {OP_ATAN2, ONE, UNNORMAL, FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_ATAN2, DENORMAL, ONE, FCW_DEFAULT, DENORMAL, FX_DE | FX_UE | FX_PE | SW_C1},

    /* F2XM1 (SDM vol. 2, its table), and measured outside -1..+1 */
    {OP_F2XM1, F(0x8000, 0), NONE, FCW_DEFAULT, F(0x8000, 0), 0},
    {OP_F2XM1, ONE, NONE, FCW_DEFAULT, ONE, FX_PE | SW_C1},
    {OP_F2XM1, ONE, NONE, 0x077f, F(0x3ffe, 0xffffffffffffffffull), FX_PE},
    {OP_F2XM1, F(0xbfff, 0x8000000000000000ull), NONE, 0x0b7f,
     F(0xbffe, 0x8000000000000000ull), FX_PE},
    {OP_F2XM1, F(0x3ffe, 0x8000000000000000ull), NONE, FCW_DEFAULT,
     F(0x3ffd, 0xd413cccfe7799211ull), FX_PE},
    {OP_F2XM1, F(0xc000, 0xe000000000000000ull), NONE, FCW_DEFAULT,
     F(0xc000, 0xe000000000000000ull), FX_PE},
    {OP_F2XM1, PINF, NONE, FCW_DEFAULT, PINF, 0},
    {OP_F2XM1, NINF, NONE, FCW_DEFAULT, F(0xbfff, 0x8000000000000000ull), 0},
    {OP_F2XM1, SNAN, NONE, FCW_DEFAULT, QNAN_OF_SNAN, FX_IE},

    /* FYL2X (SDM vol. 2, table 3-48), y first */
    {OP_YL2X, F(0x4000, 0xc000000000000000ull), F(0x4002, 0x8000000000000000ull), FCW_DEFAULT,
     F(0x4002, 0x9000000000000000ull), FX_PE},
    {OP_YL2X, F(0x4000, 0xc000000000000000ull), ONE, FCW_DEFAULT, F(0x0000, 0), 0},
    {OP_YL2X, F(0xc000, 0xc000000000000000ull), ONE, FCW_DEFAULT, F(0x8000, 0), 0},
    {OP_YL2X, F(0x3ffb, 0xcccccccccccccccdull), F(0x4000, 0x8000000000000000ull), FCW_DEFAULT,
     F(0x3ffb, 0xcccccccccccccccdull), FX_PE},
    {OP_YL2X, F(0x4000, 0xc000000000000000ull), F(0x0000, 0), FCW_DEFAULT, NINF, FX_ZE},
    {OP_YL2X, NINF, F(0x8000, 0), FCW_DEFAULT, PINF, 0},
    {OP_YL2X, F(0x0000, 0), F(0x0000, 0), FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_YL2X, ONE, F(0xbfff, 0x8000000000000000ull), FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_YL2X, PINF, ONE, FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_YL2X, F(0x0000, 0), PINF, FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_YL2X, F(0x0000, 0), F(0x3ffe, 0x8000000000000000ull), FCW_DEFAULT, F(0x8000, 0), 0},
    {OP_YL2X, NINF, F(0x3ffe, 0x8000000000000000ull), FCW_DEFAULT, PINF, 0},
    {OP_YL2X, INDEFINITE, POSITIVE_INDEFINITE, FCW_DEFAULT, POSITIVE_INDEFINITE, 0},

    /* FYL2XP1 (SDM vol. 2, table 3-49), and measured outside its domain */
    {OP_YL2XP1, ONE, F(0x3ffe, 0x8000000000000000ull), FCW_DEFAULT,
     F(0x3ffe, 0x95c01a39fbd687a0ull), FX_PE | SW_C1},
    {OP_YL2XP1, ONE, F(0x8000, 0), FCW_DEFAULT, F(0x8000, 0), 0},
    {OP_YL2XP1, F(0x8000, 0), F(0x8000, 0), FCW_DEFAULT, F(0x0000, 0), 0},
    {OP_YL2XP1, PINF, F(0x0000, 0), FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_YL2XP1, NINF, F(0xbffd, 0x8000000000000000ull), FCW_DEFAULT, PINF, 0},
    {OP_YL2XP1, ONE, NINF, FCW_DEFAULT, INDEFINITE, FX_IE},
    {OP_YL2XP1, ONE, PINF, FCW_DEFAULT, PINF, 0},
    {OP_YL2XP1, F(0x4000, 0xc000000000000000ull), F(0xc000, 0x8000000000000000ull), FCW_DEFAULT,
     F(0xc000, 0x8000000000000000ull), FX_PE},
};

static void check_known(struct tally *t)
{
    for (size_t i = 0; i < sizeof known_cases / sizeof known_cases[0]; i++) {
        const struct known *k = &known_cases[i];
        struct outcome got = run_soft(k->op, k->a, k->b, k->fcw);
        CHECK_MSG(t, same_value(got.v, k->want) && got.sw == k->sw,
                  "case %zu, %s %04x:%016llx %04x:%016llx fcw %04x: got %04x:%016llx sw %04x, "
                  "want %04x:%016llx sw %04x",
                  i, op_names[k->op], k->a.sign_exp, (unsigned long long)k->a.mant, k->b.sign_exp,
                  (unsigned long long)k->b.mant, k->fcw, got.v.sign_exp,
                  (unsigned long long)got.v.mant, got.sw, k->want.sign_exp,
                  (unsigned long long)k->want.mant, k->sw);
    }
}

/* sin(-x) = -sin(x), cos(-x) = cos(x), tan(-x) = -tan(x), bit for bit. */
static void check_symmetries(struct tally *t)
{
    for (uint64_t i = 0; i < 2000; i++) {
        uint64_t mant = 0x8000000000000000ull | (i * 0x9e3779b97f4a7c15ull >> 1);
        uint16_t exp = (uint16_t)(0x3fc0 + i % 100);
        struct fx80 x = fx(exp, mant), nx = fx(exp | 0x8000, mant);
        for (enum op op = OP_SIN; op <= OP_TAN; op++) {
            struct outcome p = run_soft(op, x, fx(0, 0), FCW_DEFAULT);
            struct outcome n = run_soft(op, nx, fx(0, 0), FCW_DEFAULT);
            bool flips = op != OP_COS;
            bool ok = p.v.mant == n.v.mant &&
                      (p.v.sign_exp ^ n.v.sign_exp) == (flips && !(p.sw & SW_C2) ? 0x8000 : 0);
            CHECK_MSG(t, ok, "%s of %04x:%016llx and its negation disagree", op_names[op], exp,
                      (unsigned long long)mant);
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)

/* --- The host's x87 --- */

static void to_bytes(struct fx80 a, uint8_t out[10])
{
    memcpy(out, &a.mant, 8);
    memcpy(out + 8, &a.sign_exp, 2);
}

static struct fx80 from_bytes(const uint8_t in[10])
{
    struct fx80 a;
    memcpy(&a.mant, in, 8);
    memcpy(&a.sign_exp, in + 8, 2);
    return a;
}

/* Each run starts from a clean x87 in the given control word and puts
 * the caller's control word back, which the test's own long double
 * arithmetic runs in. */
#define HOST_UNARY(insn)                                                                    \
    __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn      \
                     "\n\tfnstsw %%ax\n\tfstpt %[out]\n\tfldcw %[saved]"                   \
                     : [out] "=m"(out), "=a"(sw), [saved] "=m"(saved)                       \
                     : [a] "m"(ina), [cw] "m"(fcw))
#define HOST_BINARY(insn)                                                                   \
    __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t"           \
                     "fldt %[b]\n\t" insn "\n\tfnstsw %%ax\n\tfstpt %[out]\n\tfldcw %[saved]" \
                     : [out] "=m"(out), "=a"(sw), [saved] "=m"(saved)                       \
                     : [a] "m"(ina), [b] "m"(inb), [cw] "m"(fcw))

static struct outcome run_host(enum op op, struct fx80 a, struct fx80 b, uint16_t fcw)
{
    uint8_t ina[10], inb[10], out[10];
    uint16_t sw, saved;
    to_bytes(a, ina);
    to_bytes(b, inb);
    switch (op) {
    case OP_SIN: HOST_UNARY("fsin"); break;
    case OP_COS: HOST_UNARY("fcos"); break;
    /* FPTAN pushes 1.0 after the result unless the operand is out of range */
    case OP_TAN:
        __asm__ volatile("fnstcw %[saved]\n\tfninit\n\tfldcw %[cw]\n\tfldt %[a]\n\tfptan\n\t"
                         "fnstsw %%ax\n\ttestb $4, %%ah\n\tjnz 1f\n\tfstp %%st(0)\n1:\n\t"
                         "fstpt %[out]\n\tfldcw %[saved]"
                         : [out] "=m"(out), "=a"(sw), [saved] "=m"(saved)
                         : [a] "m"(ina), [cw] "m"(fcw));
        break;
    case OP_ATAN2: HOST_BINARY("fpatan"); break;
    case OP_F2XM1: HOST_UNARY("f2xm1"); break;
    case OP_YL2X: HOST_BINARY("fyl2x"); break;
    default: HOST_BINARY("fyl2xp1"); break;
    }
    return (struct outcome){from_bytes(out), (uint16_t)(sw & SW_COMPARED)};
}

/* --- Random operands --- */

struct rng {
    uint64_t state;
};

static uint64_t rnd(struct rng *r)
{
    r->state ^= r->state << 13;
    r->state ^= r->state >> 7;
    r->state ^= r->state << 17;
    return r->state;
}

static int rnd_range(struct rng *r, int lo, int hi)
{
    return lo + (int)(rnd(r) % (uint64_t)(hi - lo + 1));
}

/* A normal number with an unbiased exponent in lo..hi. */
static struct fx80 rnd_normal(struct rng *r, int lo, int hi, bool neg)
{
    return fx((uint16_t)((neg ? 0x8000 : 0) | (16383 + rnd_range(r, lo, hi))),
              rnd(r) | 0x8000000000000000ull);
}

static struct fx80 rnd_denormal(struct rng *r, bool neg)
{
    return fx(neg ? 0x8000 : 0, rnd(r) >> rnd_range(r, 1, 63));
}

/* x moved by a few ulps (within its binade). */
static struct fx80 nudge(struct rng *r, struct fx80 x)
{
    x.mant += (uint64_t)rnd_range(r, -8, 8);
    x.mant |= 0x8000000000000000ull;
    return x;
}

/* Near k * pi/2 for a random k of random size: the host's long double
 * is exact enough for where to look. */
static struct fx80 rnd_near_half_pi(struct rng *r)
{
    uint64_t k = rnd(r) >> rnd_range(r, 2, 63);
    long double v = (long double)(k ? k : 1) * 1.57079632679489661923132169163975144L;
    uint8_t b[16] = {0};
    memcpy(b, &v, 10);
    struct fx80 x = nudge(r, from_bytes(b));
    x.sign_exp |= rnd(r) & 1 ? 0x8000 : 0;
    return x;
}

static struct fx80 rnd_trig_operand(struct rng *r)
{
    bool neg = rnd(r) & 1;
    switch (rnd(r) % 8) {
    case 0: return rnd_near_half_pi(r);
    case 1: return rnd_normal(r, -16382, -40, neg);
    case 2: return rnd_denormal(r, neg);
    case 3: return rnd_normal(r, 40, 62, neg);
    case 4: return rnd_normal(r, 63, 70, neg); /* out of range */
    default: return rnd_normal(r, -40, 39, neg);
    }
}

static uint16_t rnd_fcw(struct rng *r)
{
    static const uint16_t pcs[4] = {FX_PC_64, FX_PC_64, FX_PC_53, FX_PC_24};
    return (uint16_t)(0x007f | pcs[rnd(r) % 4] << 8 | (rnd(r) % 4) << 10);
}

static void rnd_operands(enum op op, struct rng *r, struct fx80 *a, struct fx80 *b)
{
    bool na = rnd(r) & 1, nb = rnd(r) & 1;
    *b = fx(0, 0);
    switch (op) {
    case OP_SIN: case OP_COS: case OP_TAN:
        *a = rnd_trig_operand(r);
        break;
    case OP_ATAN2: {
        int e = rnd_range(r, -64, 64);
        int spread = rnd(r) % 4 == 0 ? 16000 : 70;
        int eb = e + rnd_range(r, -spread, spread);
        eb = eb < -16382 ? -16382 : eb > 16383 ? 16383 : eb;
        *a = rnd(r) % 16 ? rnd_normal(r, e, e, na) : rnd_denormal(r, na);
        *b = rnd_normal(r, eb, eb, nb);
        if (rnd(r) % 8 == 0) /* y and x close */
            *b = fx((uint16_t)((a->sign_exp & 0x7fff) | (nb ? 0x8000 : 0)), nudge(r, *a).mant);
        break;
    }
    case OP_F2XM1:
        switch (rnd(r) % 8) {
        case 0: *a = rnd_denormal(r, na); break;
        case 1: *a = rnd_normal(r, -16382, -64, na); break;
        default: *a = rnd_normal(r, -64, -1, na); break;
        }
        break;
    case OP_YL2X:
        *a = rnd(r) % 4 ? rnd_normal(r, -64, 64, na) : rnd_normal(r, -16000, 16000, na);
        switch (rnd(r) % 4) {
        case 0: /* just above or below 1 */
            *b = rnd(r) & 1 ? fx(0x3fff, 0x8000000000000000ull | rnd(r) >> rnd_range(r, 1, 63))
                            : fx(0x3ffe, ~(rnd(r) >> rnd_range(r, 1, 63)));
            break;
        case 1: *b = rnd_normal(r, -16382, 16383, false); break;
        case 2: *b = rnd_denormal(r, false); break;
        default: *b = rnd_normal(r, -64, 64, false); break;
        }
        break;
    default:
        *a = rnd(r) % 4 ? rnd_normal(r, -64, 64, na) : rnd_normal(r, -16000, 16000, na);
        switch (rnd(r) % 8) {
        case 0: *b = rnd_denormal(r, nb); break;
        case 1: *b = rnd_normal(r, -16382, -64, nb); break;
        /* 1 - sqrt(2)/2 = 0.2928...: below 0x3ffd 0x95f6... */
        case 2: *b = fx((uint16_t)(0x3ffd | (nb ? 0x8000 : 0)), 0x8000000000000000ull | (rnd(r) % 0x15f619980c4336f7ull)); break;
        default: *b = rnd_normal(r, -64, -3, nb); break;
        }
        break;
    }
}

/* The distance in ulps between two finite values of one sign; far when
 * either is not finite or the signs differ. */
static unsigned __int128 ordinal(struct fx80 a)
{
    unsigned exp = a.sign_exp & 0x7fff;
    return exp ? ((unsigned __int128)(exp - 1) << 63) + a.mant : a.mant;
}

static bool within_one_ulp(struct fx80 a, struct fx80 b)
{
    if ((a.sign_exp ^ b.sign_exp) & 0x8000 || (a.sign_exp & 0x7fff) == 0x7fff ||
        (b.sign_exp & 0x7fff) == 0x7fff)
        return false;
    unsigned __int128 oa = ordinal(a), ob = ordinal(b);
    return (oa > ob ? oa - ob : ob - oa) <= 1;
}

#define RANDOM_PER_OP 100000

static void compare_with_host(struct tally *t)
{
    struct rng r = {0x243f6a8885a308d3ull};
    for (enum op op = 0; op < OP_COUNT; op++) {
        int identical = 0, c1_only = 0, one_ulp = 0, worse = 0;
        for (int i = 0; i < RANDOM_PER_OP; i++) {
            struct fx80 a, b;
            rnd_operands(op, &r, &a, &b);
            uint16_t fcw = rnd_fcw(&r);
            struct outcome soft = run_soft(op, a, b, fcw);
            struct outcome host = run_host(op, a, b, fcw);
            bool same = same_value(soft.v, host.v);
            bool same_sw = (soft.sw & ~SW_C1) == (host.sw & ~SW_C1);
            if (same && soft.sw == host.sw) {
                identical++;
            } else if (same && same_sw) {
                c1_only++;
            } else if (same_sw && within_one_ulp(soft.v, host.v)) {
                one_ulp++;
            } else {
                worse++;
            FAIL(t, "%s %04x:%016llx %04x:%016llx fcw %04x: got %04x:%016llx sw %04x, x87 "
                    "%04x:%016llx sw %04x",
                 op_names[op], a.sign_exp, (unsigned long long)a.mant, b.sign_exp,
                 (unsigned long long)b.mant, fcw, soft.v.sign_exp, (unsigned long long)soft.v.mant,
                 soft.sw, host.v.sign_exp, (unsigned long long)host.v.mant, host.sw);
            }
        }
        printf("%-8s %d identical, %d identical but for C1, %d within one ulp, %d worse\n",
               op_names[op], identical, c1_only, one_ulp, worse);
        t->passed += identical + c1_only + one_ulp;
    }
}

/* Special operands: every class against every class, in every rounding
 * mode, judged as the random ones are. */
static void compare_specials_with_host(struct tally *t)
{
    static const struct fx80 specials[] = {
        F(0x0000, 0), F(0x8000, 0), ONE, F(0xbfff, 0x8000000000000000ull),
        F(0x3ffe, 0x8000000000000000ull), F(0x4001, 0xa000000000000000ull),
        F(0xbffd, 0x8000000000000000ull), DENORMAL, F(0x8000, 0x0000000000000001ull),
        F(0x0000, 0x8000000000000001ull), /* pseudo-denormal */
        PINF, NINF, SNAN, QNAN, F(0xffff, 0x8000000000000005ull), INDEFINITE, POSITIVE_INDEFINITE,
        NEGATIVE_SNAN,
        UNNORMAL, F(0x7fff, 0x0000000000000000ull), F(0x7fff, 0x4000000000000000ull),
        F(0x7ffe, 0xffffffffffffffffull), F(0x0001, 0x8000000000000000ull),
    };
    const size_t n = sizeof specials / sizeof specials[0];
    for (enum op op = 0; op < OP_COUNT; op++) {
        bool binary = op == OP_ATAN2 || op == OP_YL2X || op == OP_YL2XP1;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < (binary ? n : 1); j++) {
                for (uint16_t rc = 0; rc < 4; rc++) {
                    uint16_t fcw = (uint16_t)(FCW_DEFAULT & ~0x0c00) | rc << 10;
                    struct outcome soft = run_soft(op, specials[i], specials[j], fcw);
                    struct outcome host = run_host(op, specials[i], specials[j], fcw);
                    bool ok = (soft.sw & ~SW_C1) == (host.sw & ~SW_C1) &&
                              (same_value(soft.v, host.v) || within_one_ulp(soft.v, host.v));
                    CHECK_MSG(t, ok,
                              "%s %04x:%016llx %04x:%016llx fcw %04x: got %04x:%016llx sw %04x, "
                              "x87 %04x:%016llx sw %04x",
                              op_names[op], specials[i].sign_exp,
                              (unsigned long long)specials[i].mant, specials[j].sign_exp,
                              (unsigned long long)specials[j].mant, fcw, soft.v.sign_exp,
                              (unsigned long long)soft.v.mant, soft.sw, host.v.sign_exp,
                              (unsigned long long)host.v.mant, host.sw);
                }
            }
        }
    }
}

#endif

int main(void)
{
    struct tally t = {0, 0};
    check_known(&t);
    check_symmetries(&t);
#if defined(__x86_64__) || defined(__i386__)
    compare_specials_with_host(&t);
    compare_with_host(&t);
#endif
    return UNIT_REPORT(&t);
}
