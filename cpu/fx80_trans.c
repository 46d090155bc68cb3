/*
 * The x87 transcendental instructions in software: FSIN, FCOS, FPTAN,
 * FPATAN, F2XM1, FYL2X and FYL2XP1 (SDM vol. 2, their instruction pages).
 *
 * Everything is computed on integers, so every host gives the same bits.
 * Values are carried in a wide format of their own (sign, exponent and a
 * 128-bit significand, truncated after each step with a sticky bit) and
 * the series below run until their terms fall out of those bits, so
 * the one rounding to the 64-bit result at the end is right to well under
 * an ulp. The precision control does not apply to these instructions
 * (SDM vol. 1, 8.1.5.2); the rounding control does.
 *
 * Where the hardware is not what the mathematics says, this follows the
 * hardware, as measured:
 *  - FSIN, FCOS and FPTAN reduce their argument by multiples of pi/2 taken
 *    from a 66-bit pi, 0xC90FDAA22168C234C (SDM vol. 1, 8.3.10), so near
 *    a multiple of pi the result is the sine of the argument's distance to
 *    a multiple of that pi, not of the true one. The reduction here is
 *    exact for that constant.
 *  - every finite non-zero result reports PE, exact or not (3 * log2(8)
 *    is 9 with PE); zero results are exact.
 *  - F2XM1(+1) comes out as 1 rounded from just below, F2XM1 of an
 *    operand outside -1..+1 returns the operand with PE, and FYL2XP1 of
 *    x <= -1 returns x with PE (zeros and infinities in y as for a
 *    negative logarithm): outside their documented domains these are
 *    undefined, and this is what the processor returns.
 *  - C1 can differ from the x87's where the result lies within about
 *    2^-70 of a representable number: the x87's internal result is not
 *    that precise, so which side it lands on is not reproducible.
 */
#include "fx80.h"

typedef unsigned __int128 u128;

#define EXP_BIAS 16383
#define EXP_MAX 0x7fff
/* Exponent adjustment of an unmasked overflow or underflow (SDM vol. 1,
 * 8.5.4 and 8.5.5). */
#define EXP_WRAP 24576
#define QUIET_BIT (1ull << 62)
#define INT_BIT (1ull << 63)

/* A value for the computation: (-1)^neg * m * 2^(exp - 127), m normalized
 * (bit 127 set) or zero. Bit 0 of m also stands for any nonzero bits
 * dropped below it, so that inexact results stay visible to rounding. */
struct xr {
    bool neg;
    int32_t exp;
    u128 m;
};

static u128 u128_of(uint64_t hi, uint64_t lo)
{
    return ((u128)hi << 64) | lo;
}

#define XR_CONST(e, hi, lo) {false, (e), ((u128)(hi) << 64) | (lo)}

/* Constants to 128 bits, rounded to nearest. */
static const struct xr XR_PI = XR_CONST(1, 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull);
static const struct xr XR_LN2 = XR_CONST(-1, 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull);
static const struct xr XR_LOG2E = XR_CONST(0, 0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e89ull);
/* 2 / P, P the 66-bit pi of the reduction below. */
static const struct xr XR_TWO_OVER_P = XR_CONST(-1, 0xa2f9836e4e44152aull, 0x00062bc40da276bfull);
/* atan(j / 8) for j = 0..8. */
static const struct xr XR_ATAN_EIGHTHS[9] = {
    {false, 0, 0},
    XR_CONST(-4, 0xfeadd4d5617b6e32ull, 0xc897989f3e888ef8ull),
    XR_CONST(-3, 0xfadbafc96406eb15ull, 0x6dc79ef5f7a217e6ull),
    XR_CONST(-2, 0xb7b0ca0f26f78473ull, 0x8aa32122dcfe4483ull),
    XR_CONST(-2, 0xed63382b0dda7b45ull, 0x6fe445ecbc3a8d03ull),
    XR_CONST(-1, 0x8f005d5ef7f59f9bull, 0x5c835e1665c43748ull),
    XR_CONST(-1, 0xa4bc7d1934f70924ull, 0x19a87f2a457dac9full),
    XR_CONST(-1, 0xb8053e2bc2319e73ull, 0xcb2da55210a4443dull),
    XR_CONST(-1, 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull),
};
/* sqrt(2), the top 64 bits: where log2's significand is folded. */
#define SQRT2_TOP 0xb504f333f9de6484ull
/* The 66-bit pi of FSIN/FCOS/FPTAN's reduction, in units of 2^-66. */
#define REDUCTION_PI u128_of(0xc, 0x90fdaa22168c234cull)

/* A series stops after the first term that falls wholly below the sum's
 * 128 bits: it still leaves its sticky bit, and no later term can undo
 * that (an alternating series would, bit 0 up and down again). */
#define SERIES_BITS 126

static int clz128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)v);
}

static struct xr xr_make(bool neg, int32_t exp, u128 m)
{
    if (!m)
        return (struct xr){neg, 0, 0};
    int s = clz128(m);
    return (struct xr){neg, exp - s, m << s};
}

static struct xr xr_from_u64(bool neg, uint64_t v)
{
    return xr_make(neg, 127, v);
}

static struct xr xr_neg(struct xr a)
{
    a.neg = !a.neg;
    return a;
}

static struct xr xr_scale(struct xr a, int32_t by)
{
    a.exp += by;
    return a;
}

/* m >> by, with bit 0 set when anything nonzero was shifted out. */
static u128 shift_right_jam(u128 m, int32_t by)
{
    if (by <= 0)
        return m;
    if (by >= 128)
        return m != 0;
    return (m >> by) | ((m & (((u128)1 << by) - 1)) != 0);
}

static struct xr xr_add(struct xr a, struct xr b)
{
    if (!b.m)
        return a;
    if (!a.m)
        return b;
    if (a.exp < b.exp || (a.exp == b.exp && a.m < b.m)) {
        struct xr t = a;
        a = b;
        b = t;
    }
    u128 bm = shift_right_jam(b.m, a.exp - b.exp);
    if (a.neg != b.neg)
        return xr_make(a.neg, a.exp, a.m - bm);
    u128 sum = a.m + bm;
    if (sum < a.m) /* carry out of bit 127 */
        return (struct xr){a.neg, a.exp + 1, (sum >> 1) | (sum & 1) | ((u128)1 << 127)};
    return (struct xr){a.neg, a.exp, sum};
}

static struct xr xr_sub(struct xr a, struct xr b)
{
    return xr_add(a, xr_neg(b));
}

static struct xr xr_mul(struct xr a, struct xr b)
{
    bool neg = a.neg != b.neg;
    if (!a.m || !b.m)
        return (struct xr){neg, 0, 0};
    const u128 low64 = (u128)UINT64_MAX;
    uint64_t ah = (uint64_t)(a.m >> 64), al = (uint64_t)a.m;
    uint64_t bh = (uint64_t)(b.m >> 64), bl = (uint64_t)b.m;
    u128 hh = (u128)ah * bh, hl = (u128)ah * bl, lh = (u128)al * bh, ll = (u128)al * bl;
    u128 mid = (hl & low64) + (lh & low64) + (ll >> 64);
    u128 hi = hh + (hl >> 64) + (lh >> 64) + (mid >> 64);
    u128 lo = (mid << 64) | (ll & low64); /* the low 128 bits of the product */
    int32_t exp = a.exp + b.exp + 1;
    if (!(hi >> 127)) {
        hi = (hi << 1) | (lo >> 127);
        lo <<= 1;
        exp--;
    }
    return (struct xr){neg, exp, hi | (lo != 0)};
}

/* a / b, b nonzero: restoring division, one quotient bit a step. */
static struct xr xr_div(struct xr a, struct xr b)
{
    bool neg = a.neg != b.neg;
    if (!a.m)
        return (struct xr){neg, 0, 0};
    int32_t exp = a.exp - b.exp;
    u128 rem = a.m, q = 0;
    int steps = 128;
    if (rem >= b.m) {
        rem -= b.m;
        q = 1;
        steps = 127;
    } else {
        exp--;
    }
    for (int i = 0; i < steps; i++) {
        bool carry = rem >> 127;
        rem <<= 1;
        q <<= 1;
        if (carry || rem >= b.m) {
            rem -= b.m;
            q |= 1;
        }
    }
    return (struct xr){neg, exp, q | (rem != 0)};
}

/* a / d for a small positive integer d, as a series needs it. */
static struct xr xr_div_small(struct xr a, uint64_t d)
{
    if (!a.m)
        return a;
    u128 q = a.m / d, r = a.m % d;
    u128 r2 = r << 64;
    u128 qlo = r2 / d;
    bool lost = r2 % d != 0;
    int s = clz128(q); /* at most 63, since d < 2^64 */
    u128 m = (q << s) | (qlo >> (64 - s)) | (lost || (qlo & (((u128)1 << (64 - s)) - 1)) != 0);
    return (struct xr){a.neg, a.exp - s, m};
}

static bool xr_negligible(struct xr term, struct xr sum)
{
    return !term.m || term.exp < sum.exp - SERIES_BITS;
}

/* sin r and cos r by their Taylor series, for |r| up to about 1. */
static struct xr xr_sin(struct xr r)
{
    struct xr r2 = xr_mul(r, r), term = r, sum = r;
    for (uint64_t n = 3; !xr_negligible(term, sum); n += 2) {
        term = xr_neg(xr_div_small(xr_mul(term, r2), (n - 1) * n));
        sum = xr_add(sum, term);
    }
    return sum;
}

static struct xr xr_cos(struct xr r)
{
    struct xr r2 = xr_mul(r, r), term = xr_from_u64(false, 1), sum = term;
    for (uint64_t n = 2; !xr_negligible(term, sum); n += 2) {
        term = xr_neg(xr_div_small(xr_mul(term, r2), (n - 1) * n));
        sum = xr_add(sum, term);
    }
    return sum;
}

/* atan v (alternating) or atanh v, for |v| well under 1. */
static struct xr xr_odd_series(struct xr v, bool alternating)
{
    struct xr v2 = xr_mul(v, v), power = v, sum = v, term = v;
    for (uint64_t n = 3; !xr_negligible(term, sum); n += 2) {
        power = xr_mul(power, v2);
        if (alternating)
            power = xr_neg(power);
        term = xr_div_small(power, n);
        sum = xr_add(sum, term);
    }
    return sum;
}

/* e^y - 1 for |y| up to about 0.7. */
static struct xr xr_expm1(struct xr y)
{
    struct xr term = y, sum = y;
    for (uint64_t n = 2; !xr_negligible(term, sum); n++) {
        term = xr_div_small(xr_mul(term, y), n);
        sum = xr_add(sum, term);
    }
    return sum;
}

/* atan u for 0 <= u <= 1: atan(c) + atan((u - c) / (1 + u c)), c the
 * nearest multiple of 1/8, leaves a series in |v| <= 1/16. */
static struct xr xr_atan_unit(struct xr u)
{
    unsigned j = 0;
    if (u.m && u.exp >= -4) /* round(8u) from the top bits */
        j = (unsigned)(((u.m >> (127 - 4 - u.exp)) + 1) >> 1);
    if (j == 0)
        return xr_odd_series(u, true);
    struct xr c = xr_from_u64(false, j);
    c.exp -= 3;
    struct xr one = xr_from_u64(false, 1);
    struct xr v = xr_div(xr_sub(u, c), xr_add(one, xr_mul(u, c)));
    return xr_add(XR_ATAN_EIGHTHS[j], xr_odd_series(v, true));
}

/* ln z for z > 0: z = 2^e * m with sqrt(1/2) <= m < sqrt(2), and
 * ln m = 2 atanh((m - 1) / (m + 1)). Returns log2 z. */
static struct xr xr_log2(struct xr z)
{
    int32_t e = z.exp;
    struct xr num, den;
    if ((uint64_t)(z.m >> 64) > SQRT2_TOP) {
        /* m = z.m / 2^128, just under 1 */
        e++;
        num = xr_make(true, -1, -z.m); /* m - 1 */
        den = (struct xr){false, 0, (z.m >> 1) | (z.m & 1) | ((u128)1 << 127)};
    } else {
        /* m = z.m / 2^127, from 1 up */
        num = xr_make(false, 0, z.m - ((u128)1 << 127));
        den = (struct xr){false, 1, ((u128)1 << 126) + (z.m >> 1) + (z.m & 1)};
    }
    struct xr ln_m = xr_scale(xr_odd_series(xr_div(num, den), false), 1);
    struct xr log2_m = xr_mul(ln_m, XR_LOG2E);
    return xr_add(xr_from_u64(e < 0, (uint64_t)(e < 0 ? -(int64_t)e : e)), log2_m);
}

/* --- Operands and results in the register format --- */

enum kind { K_ZERO, K_DENORMAL, K_NORMAL, K_INFINITY, K_QNAN, K_SNAN, K_UNSUPPORTED };

static enum kind kind_of(struct fx80 a)
{
    unsigned exp = a.sign_exp & EXP_MAX;
    bool integer = a.mant & INT_BIT;
    if (exp == 0)
        return a.mant ? K_DENORMAL : K_ZERO; /* pseudo-denormals included */
    if (!integer)
        return K_UNSUPPORTED; /* unnormals, pseudo-infinities, pseudo-NaNs */
    if (exp == EXP_MAX) {
        if (!(a.mant << 1))
            return K_INFINITY;
        return a.mant & QUIET_BIT ? K_QNAN : K_SNAN;
    }
    return K_NORMAL;
}

static bool is_nan_kind(enum kind k)
{
    return k == K_QNAN || k == K_SNAN;
}

static bool sign_of(struct fx80 a)
{
    return a.sign_exp >> 15;
}

static struct fx80 fx80_make(bool neg, unsigned exp, uint64_t mant)
{
    return (struct fx80){mant, (uint16_t)((neg ? 0x8000 : 0) | exp)};
}

static struct fx80 signed_zero(bool neg)
{
    return fx80_make(neg, 0, 0);
}

static struct fx80 signed_infinity(bool neg)
{
    return fx80_make(neg, EXP_MAX, INT_BIT);
}

static struct fx80 invalid(struct fx80_env *env)
{
    env->flags |= FX_IE;
    return fx80_make(true, EXP_MAX, 0xc000000000000000ull); /* the real indefinite */
}

/* A finite nonzero operand, denormals and pseudo-denormals included. */
static struct xr xr_of(struct fx80 a)
{
    int32_t exp = (a.sign_exp & EXP_MAX) ? (int32_t)(a.sign_exp & EXP_MAX) - EXP_BIAS : 1 - EXP_BIAS;
    return xr_make(sign_of(a), exp + 127 - 63, a.mant);
}

static struct fx80 quieted(struct fx80 a, struct fx80_env *env)
{
    if (kind_of(a) == K_SNAN)
        env->flags |= FX_IE;
    a.mant |= QUIET_BIT;
    return a;
}

/* NaN and unsupported operands of a one-operand instruction (SDM vol. 1,
 * 4.8.3.5 and 8.2.2); true when they decide the result. */
static bool nan_operand(struct fx80 a, struct fx80 *out, struct fx80_env *env)
{
    enum kind k = kind_of(a);
    if (k == K_UNSUPPORTED)
        *out = invalid(env);
    else if (is_nan_kind(k))
        *out = quieted(a, env);
    else
        return false;
    return true;
}

/* The same for two operands: of two NaNs, a QNaN wins over an SNaN, and
 * between NaNs of one kind the larger significand (SDM vol. 1, table 4-7);
 * of equal significands the positive one, whichever register holds it, as
 * the x87's arithmetic instructions do (measured on FPATAN and FYL2X). */
static bool nan_operands(struct fx80 a, struct fx80 b, struct fx80 *out, struct fx80_env *env)
{
    enum kind ka = kind_of(a), kb = kind_of(b);
    if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) {
        *out = invalid(env);
        return true;
    }
    if (!is_nan_kind(ka) && !is_nan_kind(kb))
        return false;
    struct fx80 pick;
    if (!is_nan_kind(kb))
        pick = a;
    else if (!is_nan_kind(ka))
        pick = b;
    else if (ka != kb)
        pick = ka == K_QNAN ? a : b;
    else if (a.mant != b.mant)
        pick = a.mant > b.mant ? a : b;
    else
        pick = sign_of(a) ? b : a;
    if (ka == K_SNAN || kb == K_SNAN)
        env->flags |= FX_IE;
    pick.mant |= QUIET_BIT;
    *out = pick;
    return true;
}

static void note_denormal(struct fx80 a, struct fx80_env *env)
{
    if (kind_of(a) == K_DENORMAL)
        env->flags |= FX_DE;
}

/* Rounding m at bit `shift` (the bits below it dropped): whether the kept
 * part is incremented, and whether anything was dropped at all. */
static bool rounds_up(u128 m, int64_t shift, unsigned rc, bool neg, bool *inexact)
{
    bool half = shift - 1 < 128 && ((m >> (shift - 1)) & 1);
    bool below_half = shift - 1 >= 128 ? m != 0 : (m & (((u128)1 << (shift - 1)) - 1)) != 0;
    bool odd = shift < 128 && ((m >> shift) & 1);
    *inexact = half || below_half;
    switch (rc) {
    case FX_RC_NEAREST: return half && (below_half || odd);
    case FX_RC_DOWN: return neg && *inexact;
    case FX_RC_UP: return !neg && *inexact;
    default: return false;
    }
}

/* The masked response to overflow (SDM vol. 1, 4.9.1.4): infinity, or the
 * largest finite value when rounding goes toward zero. */
static struct fx80 overflowed(bool neg, struct fx80_env *env)
{
    unsigned rc = (env->fcw >> 10) & 3;
    bool to_infinity = rc == FX_RC_NEAREST || (rc == FX_RC_UP && !neg) || (rc == FX_RC_DOWN && neg);
    env->flags |= FX_OE | FX_PE;
    env->c1 = to_infinity;
    return to_infinity ? signed_infinity(neg) : fx80_make(neg, EXP_MAX - 1, UINT64_MAX);
}

/* Round to the 64-bit register format in the control word's rounding
 * mode. Nonzero results always report PE, as these instructions do. */
static struct fx80 round_result(struct xr v, struct fx80_env *env)
{
    if (!v.m)
        return signed_zero(v.neg);
    unsigned rc = (env->fcw >> 10) & 3;
    int64_t exp = (int64_t)v.exp + EXP_BIAS;
    bool inexact;
    /* Tiny is judged after rounding, as if the exponent were unbounded
     * (measured: a sine rounded up to the smallest normal raises no UE). */
    bool tiny = exp < 0 ||
                (exp == 0 && !((uint64_t)(v.m >> 64) == UINT64_MAX &&
                               rounds_up(v.m, 64, rc, v.neg, &inexact)));
    bool wrapped = false;
    if (tiny && !(env->fcw & FX_UE)) {
        exp += EXP_WRAP;
        tiny = false;
        wrapped = true;
        env->flags |= FX_UE;
    }
    int64_t shift = 64;
    if (exp <= 0) {
        shift += 1 - exp;
        exp = 0;
    }
    uint64_t keep = shift >= 128 ? 0 : (uint64_t)(v.m >> shift);
    bool up = rounds_up(v.m, shift, rc, v.neg, &inexact);
    if (up && ++keep == 0) {
        keep = INT_BIT;
        exp++;
    }
    if (exp == 0 && (keep & INT_BIT))
        exp = 1; /* rounded up out of the denormals */
    if (tiny) /* and inexact, as these results count */
        env->flags |= FX_UE;
    if (exp >= EXP_MAX && !wrapped) {
        if (env->fcw & FX_OE)
            return overflowed(v.neg, env);
        exp -= EXP_WRAP;
        env->flags |= FX_OE;
    }
    env->flags |= FX_PE;
    env->c1 = up;
    return fx80_make(v.neg, (unsigned)exp, keep);
}

/* --- FSIN, FCOS, FPTAN --- */

enum trig { TRIG_SIN, TRIG_COS, TRIG_TAN };

/* |x| = k * P/2 + r exactly, P the 66-bit pi, |r| <= about P/4; returns k
 * mod 4. x is finite, nonzero and under 2^63. */
static unsigned reduce(struct fx80 x, struct xr *r)
{
    struct xr ax = xr_of(x);
    ax.neg = false;
    if (ax.exp < -1) {
        *r = ax;
        return 0;
    }
    /* k = round(|x| * 2/P); a k one off where |x| * 2/P is within 2^-60
     * of a half still gives |r| <= P/4 plus a trifle, which is as good. */
    struct xr kx = xr_mul(ax, XR_TWO_OVER_P);
    uint64_t k = kx.exp < -1 ? 0 : (uint64_t)(((kx.m >> (126 - kx.exp)) + 1) >> 1);
    /* In units of 2^-67 |x| needs up to 130 bits, but r fits in 68: the
     * difference is right modulo 2^128. */
    int shift = (x.sign_exp & EXP_MAX) - EXP_BIAS + 4;
    u128 diff = ((u128)x.mant << shift) - (u128)k * REDUCTION_PI;
    bool neg = (diff >> 127) != 0;
    *r = xr_make(neg, 127 - 67, neg ? -diff : diff);
    return (unsigned)(k & 3);
}

static struct fx80 trig(enum trig which, struct fx80 a, bool *out_of_range, struct fx80_env *env)
{
    struct fx80 out;
    *out_of_range = false;
    env->c1 = false;
    if (nan_operand(a, &out, env))
        return out;
    switch (kind_of(a)) {
    case K_INFINITY:
        return invalid(env);
    case K_ZERO:
        return which == TRIG_COS ? fx80_make(false, EXP_BIAS, INT_BIT) : a;
    case K_NORMAL:
        /* SDM vol. 2, FSIN: |x| >= 2^63 sets C2 and leaves the operand */
        if ((a.sign_exp & EXP_MAX) >= EXP_BIAS + 63) {
            *out_of_range = true;
            return a;
        }
        break;
    default:
        env->flags |= FX_DE;
        break;
    }
    struct xr r;
    unsigned q = reduce(a, &r);
    struct xr s = xr_sin(r), c = xr_cos(r), v;
    switch (which) {
    case TRIG_SIN:
        v = q & 1 ? c : s;
        v.neg ^= (q & 2) != 0;
        v.neg ^= sign_of(a);
        break;
    case TRIG_COS:
        v = q & 1 ? s : c;
        v.neg ^= q == 1 || q == 2;
        break;
    default:
        v = q & 1 ? xr_neg(xr_div(c, s)) : xr_div(s, c);
        v.neg ^= sign_of(a);
        break;
    }
    return round_result(v, env);
}

struct fx80 fx80_sin(struct fx80 a, bool *out_of_range, struct fx80_env *env)
{
    return trig(TRIG_SIN, a, out_of_range, env);
}

struct fx80 fx80_cos(struct fx80 a, bool *out_of_range, struct fx80_env *env)
{
    return trig(TRIG_COS, a, out_of_range, env);
}

struct fx80 fx80_tan(struct fx80 a, bool *out_of_range, struct fx80_env *env)
{
    return trig(TRIG_TAN, a, out_of_range, env);
}

/* --- FPATAN --- */

/* n times pi/4 (n = 1, 2, 3 or 4), rounded. */
static struct fx80 quarter_pis(unsigned n, bool neg, struct fx80_env *env)
{
    struct xr v = n == 3 ? xr_add(XR_PI, xr_scale(XR_PI, -1)) : XR_PI;
    v = xr_scale(v, n == 1 ? -2 : n == 4 ? 0 : -1);
    v.neg = neg;
    return round_result(v, env);
}

/* SDM vol. 2, FPATAN, table 3-30: the result's sign is y's; x's sign picks
 * the half plane. */
struct fx80 fx80_atan2(struct fx80 y, struct fx80 x, struct fx80_env *env)
{
    struct fx80 out;
    env->c1 = false;
    if (nan_operands(y, x, &out, env))
        return out;
    note_denormal(y, env);
    note_denormal(x, env);
    enum kind ky = kind_of(y), kx = kind_of(x);
    bool ny = sign_of(y), nx = sign_of(x);
    if (ky == K_INFINITY)
        return quarter_pis(kx == K_INFINITY ? (nx ? 3 : 1) : 2, ny, env);
    if (ky == K_ZERO)
        return nx ? quarter_pis(4, ny, env) : signed_zero(ny);
    if (kx == K_ZERO)
        return quarter_pis(2, ny, env);
    if (kx == K_INFINITY)
        return nx ? quarter_pis(4, ny, env) : round_result((struct xr){ny, 0, 0}, env);
    struct xr ay = xr_of(y), ax = xr_of(x), angle;
    ay.neg = ax.neg = false;
    if (ay.exp < ax.exp || (ay.exp == ax.exp && ay.m <= ax.m))
        angle = xr_atan_unit(xr_div(ay, ax));
    else
        angle = xr_sub(xr_scale(XR_PI, -1), xr_atan_unit(xr_div(ax, ay)));
    if (nx)
        angle = xr_sub(XR_PI, angle);
    angle.neg = ny;
    return round_result(angle, env);
}

/* --- F2XM1 --- */

struct fx80 fx80_f2xm1(struct fx80 a, struct fx80_env *env)
{
    struct fx80 out;
    env->c1 = false;
    if (nan_operand(a, &out, env))
        return out;
    switch (kind_of(a)) {
    case K_ZERO:
        return a;
    case K_INFINITY:
        return sign_of(a) ? fx80_make(true, EXP_BIAS, INT_BIT) : a;
    case K_DENORMAL:
        env->flags |= FX_DE;
        break;
    default:
        break;
    }
    struct xr x = xr_of(a);
    if (x.exp > 0 || (x.exp == 0 && x.m != (u128)1 << 127)) {
        env->flags |= FX_PE; /* outside -1..+1 */
        return a;
    }
    struct xr v;
    if (x.exp == 0 && !x.neg) /* 2^1 - 1, computed from just below */
        v = xr_sub(xr_from_u64(false, 1), (struct xr){false, -200, (u128)1 << 127});
    else if (x.exp == 0)
        v = xr_scale(xr_from_u64(true, 1), -1);
    else
        v = xr_expm1(xr_mul(x, XR_LN2));
    return round_result(v, env);
}

/* --- FYL2X, FYL2XP1 --- */

/* y * log2(...) once log2's sign and class are known, per the SDM tables
 * of FYL2X and FYL2XP1: an infinite y needs a nonzero logarithm, a zero y
 * a finite one. */
static struct fx80 times_log(struct fx80 y, struct xr log, struct fx80_env *env)
{
    enum kind ky = kind_of(y);
    bool neg = sign_of(y) != log.neg;
    if (ky == K_INFINITY)
        return log.m ? signed_infinity(neg) : invalid(env);
    if (ky == K_ZERO || !log.m)
        return signed_zero(neg);
    return round_result(xr_mul(xr_of(y), log), env);
}

struct fx80 fx80_yl2x(struct fx80 y, struct fx80 x, struct fx80_env *env)
{
    struct fx80 out;
    env->c1 = false;
    if (nan_operands(y, x, &out, env))
        return out;
    enum kind kx = kind_of(x), ky = kind_of(y);
    bool x_is_one = x.sign_exp == EXP_BIAS && x.mant == INT_BIT;
    if ((sign_of(x) && kx != K_ZERO) || (ky == K_ZERO && (kx == K_ZERO || kx == K_INFINITY)) ||
        (ky == K_INFINITY && x_is_one))
        return invalid(env);
    if (kx == K_ZERO) { /* zero divide takes precedence over DE */
        if (ky != K_INFINITY)
            env->flags |= FX_ZE;
        return signed_infinity(!sign_of(y));
    }
    note_denormal(y, env);
    note_denormal(x, env);
    if (kx == K_INFINITY)
        return signed_infinity(sign_of(y));
    return times_log(y, xr_log2(xr_of(x)), env);
}

struct fx80 fx80_yl2xp1(struct fx80 y, struct fx80 x, struct fx80_env *env)
{
    struct fx80 out;
    env->c1 = false;
    if (nan_operands(y, x, &out, env))
        return out;
    enum kind kx = kind_of(x), ky = kind_of(y);
    if ((kx == K_ZERO && ky == K_INFINITY) ||
        (kx == K_INFINITY && (sign_of(x) || ky == K_ZERO)))
        return invalid(env);
    note_denormal(y, env);
    note_denormal(x, env);
    if (kx == K_ZERO)
        return signed_zero(sign_of(y) != sign_of(x));
    if (kx == K_INFINITY)
        return signed_infinity(sign_of(y));
    struct xr ax = xr_of(x), one = xr_from_u64(false, 1), log;
    if (ax.neg && ax.exp >= 0) {
        /* x <= -1, no logarithm: zeros and infinities in y come out as
         * for a negative one, other y give x */
        if (ky == K_ZERO)
            return signed_zero(!sign_of(y));
        if (ky == K_INFINITY)
            return signed_infinity(!sign_of(y));
        env->flags |= FX_PE;
        return x;
    }
    if (ax.exp < -2) /* |x| < 1/4: ln(1 + x) = 2 atanh(x / (2 + x)) */
        log = xr_mul(xr_scale(xr_odd_series(xr_div(ax, xr_add(xr_scale(one, 1), ax)), false), 1),
                     XR_LOG2E);
    else
        log = xr_log2(xr_add(one, ax));
    return times_log(y, log, env);
}
