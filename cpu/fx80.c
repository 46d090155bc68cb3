/*
 * x87 extended precision arithmetic on integers (see fx80.h).
 *
 * Every finite operand is unpacked to a sign, an unbounded biased exponent
 * and a normalized 64-bit significand; every operation computes its result
 * exactly or to 64 bits plus a sticky remainder, and one routine,
 * round_pack, rounds it as the x87 does: to the precision control's
 * significand width with the register format's exponent range, detecting
 * tininess after rounding with an unbounded exponent (SDM vol. 1,
 * 4.9.1.5), and giving the masked or unmasked overflow and underflow
 * responses of SDM vol. 1, 8.5.4 and 8.5.5. Stores to single and double
 * precision go through the same routine with those formats' widths and
 * exponent ranges.
 */
#include "cpu/fx80.h"

typedef unsigned __int128 u128;

enum {
    BIAS = 16383,
    EXP_MAX = 0x7FFF,
    /* Unmasked overflow and underflow deliver the exponent wrapped by this
     * much (SDM vol. 1, 8.5.4, 8.5.5). */
    BIAS_ADJUST = 24576,
};

#define INT_BIT (1ull << 63)
#define QUIET_BIT (1ull << 62)

const struct fx80 fx80_indefinite = { 0xC000000000000000ull, 0xFFFF };

/* A finite value: sig * 2^(exp - BIAS - 63), sig normalized unless zero. */
struct unpacked {
    bool sign;
    int32_t exp;
    uint64_t sig;
};

/* A destination format: significand width and normal exponent range in
 * the register format's bias. */
struct format {
    unsigned bits;
    int32_t emin, emax;
};

static const struct format register_format = { 64, 1, 0x7FFE };
static const struct format single_format = { 24, BIAS - 126, BIAS + 127 };
static const struct format double_format = { 53, BIAS - 1022, BIAS + 1023 };

static unsigned fcw_rc(uint16_t fcw)
{
    return (fcw >> 10) & 3;
}

/* The reserved precision setting (01) rounds as 64 bits do. */
static unsigned precision_bits(uint16_t fcw)
{
    switch ((fcw >> 8) & 3) {
    case FX_PC_24:
        return 24;
    case FX_PC_53:
        return 53;
    default:
        return 64;
    }
}

static bool masked(const struct fx80_env *env, uint16_t flag)
{
    return (env->fcw & flag) != 0;
}

static unsigned clz64(uint64_t v)
{
    return (unsigned)__builtin_clzll(v);
}

static struct fx80 make(bool sign, uint32_t exp, uint64_t mant)
{
    return (struct fx80){ mant, (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7FFF)) };
}

static bool sign_of(struct fx80 a)
{
    return (a.sign_exp & 0x8000) != 0;
}

static uint32_t exp_of(struct fx80 a)
{
    return a.sign_exp & 0x7FFF;
}

static struct fx80 zero(bool sign)
{
    return make(sign, 0, 0);
}

static struct fx80 infinity(bool sign)
{
    return make(sign, EXP_MAX, INT_BIT);
}

/* ---- Classification (SDM vol. 1, 8.2.2 and table 8-3) ---- */

static bool is_unsupported(struct fx80 a)
{
    return exp_of(a) != 0 && !(a.mant & INT_BIT);
}

static bool is_nan(struct fx80 a)
{
    return exp_of(a) == EXP_MAX && (a.mant & INT_BIT) && (a.mant << 1) != 0;
}

static bool is_inf(struct fx80 a)
{
    return exp_of(a) == EXP_MAX && a.mant == INT_BIT;
}

static bool is_zero(struct fx80 a)
{
    return exp_of(a) == 0 && a.mant == 0;
}

/* Denormals and pseudo-denormals: the operands that raise DE. */
static bool is_denormal(struct fx80 a)
{
    return exp_of(a) == 0 && a.mant != 0;
}

enum fx80_class fx80_classify(struct fx80 a)
{
    if (is_unsupported(a))
        return FX80_UNSUPPORTED;
    if (is_nan(a))
        return FX80_NAN;
    if (is_inf(a))
        return FX80_INFINITY;
    if (is_zero(a))
        return FX80_ZERO;
    if (is_denormal(a))
        return FX80_DENORMAL;
    return FX80_NORMAL;
}

bool fx80_is_signaling_nan(struct fx80 a)
{
    return is_nan(a) && !(a.mant & QUIET_BIT);
}

/* A finite supported value; a pseudo-denormal is the value with exponent
 * 1 (SDM vol. 1, 8.2.2). */
static struct unpacked unpack(struct fx80 a)
{
    struct unpacked u = { sign_of(a), (int32_t)exp_of(a), a.mant };
    if (u.exp == 0 && u.sig != 0) {
        unsigned shift = clz64(u.sig);
        u.exp = 1 - (int32_t)shift;
        u.sig <<= shift;
    }
    return u;
}

/* ---- Rounding ---- */

/* Shift a 128-bit value right, ORing what falls out into bit 0. */
static u128 shift_right_sticky(u128 v, uint32_t count)
{
    if (count == 0)
        return v;
    if (count >= 128)
        return v != 0;
    u128 lost = v & (((u128)1 << count) - 1);
    return (v >> count) | (lost != 0);
}

/* Round v (integer part in bits 127:64) to an integer keeping the top
 * `bits` bits of the high word: returns the kept high word (low bits
 * cleared); *carry when it overflowed past bit 63 (the result is then
 * 2^64, returned as 2^63 with *carry). */
static uint64_t round_bits(u128 v, unsigned bits, bool sign, unsigned rc, bool *inexact,
                           bool *up, bool *carry)
{
    unsigned drop = 64 - bits;
    uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
    uint64_t unit = 1ull << drop;
    uint64_t half, rest;
    if (drop == 0) {
        half = lo >> 63;
        rest = lo << 1;
    } else {
        half = (hi >> (drop - 1)) & 1;
        rest = (hi & ((unit >> 1) - 1)) | lo;
    }
    uint64_t kept = hi & ~(unit - 1);
    *inexact = half || rest;
    bool inc;
    switch (rc) {
    case FX_RC_NEAREST:
        inc = half && (rest || (kept & unit));
        break;
    case FX_RC_UP:
        inc = *inexact && !sign;
        break;
    case FX_RC_DOWN:
        inc = *inexact && sign;
        break;
    default:
        inc = false;
        break;
    }
    *up = inc;
    *carry = false;
    if (inc) {
        kept += unit;
        if (kept == 0) {
            kept = INT_BIT;
            *carry = true;
        }
    }
    return kept;
}

/* A rounded result in the register format's bias: a denormal of the
 * format has exponent emin - 1 and its integer bit clear. */
struct rounded {
    int32_t exp;
    uint64_t sig;
};

/* Round sign * v * 2^(exp - BIAS - 127), v normalized (bit 127 set), to
 * `bits` significand bits and the format's range, raising PE, OE, UE and
 * C1 as the x87 does. Returns false when an unmasked overflow or
 * underflow leaves a memory destination unwritten. */
static bool round_format(bool sign, int32_t exp, u128 v, unsigned bits, const struct format *f,
                         struct fx80_env *env, struct rounded *out)
{
    unsigned rc = fcw_rc(env->fcw);
    bool inexact, up, carry;
    uint64_t sig = round_bits(v, bits, sign, rc, &inexact, &up, &carry);
    int32_t rexp = exp + carry;
    bool memory = f != &register_format;
    if (rexp > f->emax) {
        env->flags |= FX_OE;
        /* SDM vol. 1, 8.5.4: unmasked, a memory operand is left alone and
         * a register gets the rounded result with its exponent wrapped,
         * unless even that is out of range. */
        if (!masked(env, FX_OE) && memory) {
            env->c1 = false;
            return false;
        }
        if (!masked(env, FX_OE) && rexp - BIAS_ADJUST <= f->emax) {
            if (inexact)
                env->flags |= FX_PE;
            env->c1 = up;
            out->exp = rexp - BIAS_ADJUST;
            out->sig = sig;
            return true;
        }
        env->flags |= FX_PE;
        /* Beyond even the wrapped range (FSCALE), unmasked gives infinity. */
        bool to_inf = rc == FX_RC_NEAREST || (rc == FX_RC_UP && !sign) ||
                      (rc == FX_RC_DOWN && sign) || !masked(env, FX_OE);
        env->c1 = to_inf;
        if (to_inf) {
            out->exp = EXP_MAX;
            out->sig = INT_BIT;
        } else {
            out->exp = f->emax;
            out->sig = ~0ull << (64 - bits);
        }
        return true;
    }

    if (rexp < f->emin) {
        /* SDM vol. 1, 8.5.5: unmasked, tiny is enough; memory operands are
         * left alone, registers get the result with its exponent wrapped. */
        if (!masked(env, FX_UE) && memory) {
            env->flags |= FX_UE;
            env->c1 = false;
            return false;
        }
        if (!masked(env, FX_UE) && rexp + BIAS_ADJUST >= f->emin) {
            env->flags |= FX_UE;
            if (inexact)
                env->flags |= FX_PE;
            env->c1 = up;
            out->exp = rexp + BIAS_ADJUST;
            out->sig = sig;
            return true;
        }
        if (!masked(env, FX_UE)) {
            /* Beyond even the wrapped range (FSCALE): zero. */
            env->flags |= FX_UE | FX_PE;
            env->c1 = false;
            out->exp = 0;
            out->sig = 0;
            return true;
        }
        /* Masked: denormalize, then round (SDM vol. 1, 4.9.1.5); rounding
         * may carry into the integer bit, giving the smallest normal. */
        u128 d = shift_right_sticky(v, (uint32_t)(f->emin - exp));
        sig = round_bits(d, bits, sign, rc, &inexact, &up, &carry);
        out->exp = (sig & INT_BIT) ? f->emin : f->emin - 1;
        out->sig = sig;
        if (inexact)
            env->flags |= FX_UE | FX_PE;
        env->c1 = up;
        return true;
    }

    if (inexact)
        env->flags |= FX_PE;
    env->c1 = up;
    out->exp = rexp;
    out->sig = sig;
    return true;
}

/* Round to the register format at the control word's precision. */
static struct fx80 round_pack_bits(bool sign, int32_t exp, u128 v, unsigned bits,
                                   struct fx80_env *env)
{
    if (v == 0)
        return zero(sign);
    unsigned shift = (uint64_t)(v >> 64) ? clz64((uint64_t)(v >> 64))
                                         : 64 + clz64((uint64_t)v);
    v <<= shift;
    exp -= (int32_t)shift;
    struct rounded r;
    round_format(sign, exp, v, bits, &register_format, env, &r);
    /* A denormal result comes back with exponent 0; a wrapped one keeps
     * its low 15 bits, as the register holds them. */
    return make(sign, (uint32_t)r.exp, r.sig);
}

static struct fx80 round_pack(bool sign, int32_t exp, u128 v, struct fx80_env *env)
{
    return round_pack_bits(sign, exp, v, precision_bits(env->fcw), env);
}

/* ---- Operand checks shared by the arithmetic ---- */

static struct fx80 quiet(struct fx80 a)
{
    a.mant |= QUIET_BIT;
    return a;
}

static struct fx80 invalid(struct fx80_env *env)
{
    env->flags |= FX_IE;
    return fx80_indefinite;
}

/* SDM vol. 1, table 4-7: the x87 picks the QNaN, or of two NaNs of the
 * same kind the one with the larger significand (the positive one when
 * the significands are equal), quieted, with IE for any SNaN. */
static struct fx80 propagate_nan(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    bool a_nan = is_nan(a), b_nan = is_nan(b);
    if (fx80_is_signaling_nan(a) || fx80_is_signaling_nan(b))
        env->flags |= FX_IE;
    if (a_nan && b_nan) {
        bool a_quiet = (a.mant & QUIET_BIT) != 0, b_quiet = (b.mant & QUIET_BIT) != 0;
        if (a_quiet != b_quiet)
            return quiet(a_quiet ? a : b);
        if (a.mant != b.mant)
            return quiet(a.mant > b.mant ? a : b);
        return quiet(sign_of(a) ? b : a);
    }
    return quiet(a_nan ? a : b);
}

/* Unsupported encodings and NaNs decide the result on their own. Returns
 * true when *out is the result. */
static bool special_operands(struct fx80 a, struct fx80 b, struct fx80 *out,
                             struct fx80_env *env)
{
    if (is_unsupported(a) || is_unsupported(b)) {
        *out = invalid(env);
        return true;
    }
    if (is_nan(a) || is_nan(b)) {
        *out = propagate_nan(a, b, env);
        return true;
    }
    return false;
}

static bool special_operand(struct fx80 a, struct fx80 *out, struct fx80_env *env)
{
    return special_operands(a, a, out, env);
}

/* DE for a denormal operand of an operation that goes ahead: the x87
 * reports invalid operations and division by zero instead. Returns true
 * when DE is unmasked and the operation stops. */
static bool denormal_stops(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    if (!is_denormal(a) && !is_denormal(b) && !(env->flags & FX_DENORMAL_SOURCE))
        return false;
    env->flags |= FX_DE;
    return !masked(env, FX_DE);
}

/* ---- Constants (SDM vol. 1, 8.3.8) ---- */

/* The significand and what follows it: bit 1 the next bit, bit 0 whether
 * any later bit is set. The x87 holds 66 bits and rounds them to what the
 * exact value rounds to in every mode (SDM vol. 1, 8.3.8). */
static const struct {
    uint16_t exp;
    uint64_t sig;
    unsigned extra;
} constant_table[] = {
    [FX80_ONE] = { BIAS, INT_BIT, 0 },
    [FX80_L2T] = { BIAS + 1, 0xD49A784BCD1B8AFEull, 1 },
    [FX80_L2E] = { BIAS, 0xB8AA3B295C17F0BBull, 3 },
    [FX80_PI] = { BIAS + 1, 0xC90FDAA22168C234ull, 3 },
    [FX80_LG2] = { BIAS - 2, 0x9A209A84FBCFF798ull, 3 },
    [FX80_LN2] = { BIAS - 1, 0xB17217F7D1CF79ABull, 3 },
    [FX80_ZERO_C] = { 0, 0, 0 },
};

struct fx80 fx80_const(enum fx80_const which, uint16_t fcw)
{
    uint64_t sig = constant_table[which].sig;
    unsigned extra = constant_table[which].extra;
    unsigned rc = fcw_rc(fcw);
    bool up = (rc == FX_RC_NEAREST && (extra & 2) && ((extra & 1) || (sig & 1))) ||
              (rc == FX_RC_UP && extra);
    /* None of the constants has an all-ones significand, so no carry. */
    return make(false, constant_table[which].exp, sig + up);
}

/* ---- Addition ---- */

static struct fx80 add_signed(struct fx80 a, struct fx80 b, bool negate_b, struct fx80_env *env)
{
    struct fx80 out;
    if (special_operands(a, b, &out, env))
        return out;
    bool sa = sign_of(a), sb = sign_of(b) ^ negate_b;
    bool rc_down = fcw_rc(env->fcw) == FX_RC_DOWN;
    if (is_inf(a) && is_inf(b) && sa != sb)
        return invalid(env);
    if (denormal_stops(a, b, env))
        return a;
    if (is_inf(a) || is_inf(b))
        return infinity(is_inf(a) ? sa : sb);
    if (is_zero(a) && is_zero(b))
        return zero(sa == sb ? sa : rc_down);
    if (is_zero(b))
        return fx80_round(a, env);
    if (is_zero(a)) {
        b.sign_exp ^= negate_b ? 0x8000 : 0;
        return fx80_round(b, env);
    }
    struct unpacked x = unpack(a), y = unpack(b);
    y.sign = sb;
    if (x.exp < y.exp || (x.exp == y.exp && x.sig < y.sig)) {
        struct unpacked t = x;
        x = y;
        y = t;
    }
    /* Bit 126 holds the integer bit, leaving room for a carry. */
    u128 vx = (u128)x.sig << 63;
    u128 vy = shift_right_sticky((u128)y.sig << 63, (uint32_t)(x.exp - y.exp));
    u128 sum = x.sign == y.sign ? vx + vy : vx - vy;
    if (sum == 0)
        return zero(rc_down);
    return round_pack(x.sign, x.exp + 1, sum, env);
}


/* ---- Multiplication, division, square root ---- */

static struct fx80 multiply(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    struct fx80 out;
    if (special_operands(a, b, &out, env))
        return out;
    bool sign = sign_of(a) ^ sign_of(b);
    if ((is_inf(a) || is_inf(b)) && (is_zero(a) || is_zero(b)))
        return invalid(env);
    if (denormal_stops(a, b, env))
        return a;
    if (is_inf(a) || is_inf(b))
        return infinity(sign);
    if (is_zero(a) || is_zero(b))
        return zero(sign);
    struct unpacked x = unpack(a), y = unpack(b);
    u128 p = (u128)x.sig * y.sig;
    return round_pack(sign, x.exp + y.exp - BIAS + 1, p, env);
}

static struct fx80 divide(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    struct fx80 out;
    if (special_operands(a, b, &out, env))
        return out;
    bool sign = sign_of(a) ^ sign_of(b);
    if ((is_inf(a) && is_inf(b)) || (is_zero(a) && is_zero(b)))
        return invalid(env);
    if (is_zero(b) && !is_inf(a)) {
        env->flags |= FX_ZE;
        return infinity(sign);
    }
    if (denormal_stops(a, b, env))
        return a;
    if (is_inf(a))
        return infinity(sign);
    if (is_inf(b) || is_zero(a))
        return zero(sign);
    struct unpacked x = unpack(a), y = unpack(b);
    /* A 64-bit quotient with its integer bit set, then 64 more bits. */
    int32_t exp = x.exp - y.exp + BIAS;
    u128 n;
    if (x.sig >= y.sig) {
        n = (u128)x.sig << 63;
    } else {
        n = (u128)x.sig << 64;
        exp--;
    }
    uint64_t q = (uint64_t)(n / y.sig);
    uint64_t r = (uint64_t)(n % y.sig);
    u128 n2 = (u128)r << 64;
    uint64_t q2 = (uint64_t)(n2 / y.sig);
    bool sticky = (n2 % y.sig) != 0;
    u128 v = ((u128)q << 64) | q2 | sticky;
    return round_pack(sign, exp, v, env);
}

/* floor(sqrt(n)) for n < 2^128, bit by bit. */
static uint64_t isqrt128(u128 n, u128 *rem)
{
    u128 root = 0, bit = (u128)1 << 126;
    while (bit > n)
        bit >>= 2;
    while (bit != 0) {
        if (n >= root + bit) {
            n -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    *rem = n;
    return (uint64_t)root;
}

struct fx80 fx80_sqrt(struct fx80 a, struct fx80_env *env)
{
    struct fx80 out;
    if (special_operand(a, &out, env))
        return out;
    if (sign_of(a) && !is_zero(a))
        return invalid(env);
    if (denormal_stops(a, a, env))
        return a;
    if (is_zero(a) || is_inf(a))
        return a;
    struct unpacked x = unpack(a);
    int32_t e = x.exp - BIAS;
    /* An even exponent: root of sig * 2^63 (or of 2 sig for odd ones). */
    u128 n = (u128)x.sig << ((e & 1) ? 64 : 63);
    int32_t half = (e - (e & 1)) / 2;
    u128 rem;
    uint64_t root = isqrt128(n, &rem);
    /* root + 1/2 squared is root^2 + root + 1/4: past it when rem > root;
     * never exactly on it. */
    uint64_t lo = (rem > root ? INT_BIT : 0) | (rem != 0);
    return round_pack(false, half + BIAS, ((u128)root << 64) | lo, env);
}

/* ---- Rounding to integers ---- */

/* |a| rounded to an integer in the current rounding mode, a finite and
 * below 2^64 in magnitude (x.exp - BIAS < 64). */
static uint64_t integer_part(struct unpacked x, unsigned rc, bool *inexact, bool *up,
                             bool *carry)
{
    int32_t e = x.exp - BIAS;
    u128 v;
    if (x.sig == 0) {
        v = 0;
    } else if (e >= 63) {
        v = (u128)x.sig << 64;
    } else {
        /* The integer in bits 127:64 once shifted: v = x * 2^64. */
        v = shift_right_sticky((u128)x.sig << 64, (uint32_t)(63 - e));
    }
    /* round_bits rounds at bit 64 with bits = 64 after the point. */
    uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
    bool half = lo >> 63, rest = (lo << 1) != 0;
    *inexact = lo != 0;
    bool inc;
    switch (rc) {
    case FX_RC_NEAREST:
        inc = half && (rest || (hi & 1));
        break;
    case FX_RC_UP:
        inc = *inexact && !x.sign;
        break;
    case FX_RC_DOWN:
        inc = *inexact && x.sign;
        break;
    default:
        inc = false;
        break;
    }
    *up = inc;
    *carry = inc && hi == ~0ull;
    return hi + inc;
}

struct fx80 fx80_round_int(struct fx80 a, struct fx80_env *env)
{
    struct fx80 out;
    if (special_operand(a, &out, env))
        return out;
    if (denormal_stops(a, a, env))
        return a;
    if (is_inf(a) || is_zero(a))
        return a;
    struct unpacked x = unpack(a);
    if (x.exp - BIAS >= 63)
        return make(x.sign, (uint32_t)x.exp, x.sig);
    bool inexact, up, carry;
    uint64_t m = integer_part(x, fcw_rc(env->fcw), &inexact, &up, &carry);
    if (inexact)
        env->flags |= FX_PE;
    env->c1 = up;
    if (m == 0)
        return zero(x.sign);
    unsigned shift = clz64(m);
    return make(x.sign, (uint32_t)(BIAS + 63 - shift), m << shift);
}

int64_t fx80_to_int(struct fx80 a, unsigned bits, struct fx80_env *env)
{
    int64_t indefinite = (int64_t)(~0ull << (bits - 1));
    if (is_unsupported(a) || is_nan(a) || is_inf(a)) {
        env->flags |= FX_IE;
        return indefinite;
    }
    struct unpacked x = unpack(a);
    if (x.sig != 0 && x.exp - BIAS >= 64) {
        env->flags |= FX_IE;
        return indefinite;
    }
    bool inexact, up, carry;
    uint64_t m = integer_part(x, fcw_rc(env->fcw), &inexact, &up, &carry);
    uint64_t limit = (1ull << (bits - 1)) - (x.sign ? 0 : 1);
    if (carry || m > limit) {
        env->flags |= FX_IE;
        return indefinite;
    }
    if (inexact)
        env->flags |= FX_PE;
    env->c1 = up;
    return x.sign ? (int64_t)(0 - m) : (int64_t)m;
}

struct fx80 fx80_from_int(int64_t v)
{
    if (v == 0)
        return zero(false);
    bool sign = v < 0;
    uint64_t m = sign ? 0 - (uint64_t)v : (uint64_t)v;
    unsigned shift = clz64(m);
    return make(sign, (uint32_t)(BIAS + 63 - shift), m << shift);
}

/* ---- Packed BCD (SDM vol. 1, 4.7) ---- */

struct fx80 fx80_from_bcd(const uint8_t bcd[10])
{
    uint64_t m = 0;
    for (int i = 8; i >= 0; i--)
        m = m * 100 + (uint64_t)(bcd[i] >> 4) * 10 + (bcd[i] & 15);
    bool sign = (bcd[9] & 0x80) != 0;
    if (m == 0)
        return zero(sign);
    unsigned shift = clz64(m);
    return make(sign, (uint32_t)(BIAS + 63 - shift), m << shift);
}

void fx80_to_bcd(struct fx80 a, uint8_t bcd[10], struct fx80_env *env)
{
    /* The packed BCD indefinite (SDM vol. 1, table 4-4). */
    static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
    bool bad = is_unsupported(a) || is_nan(a) || is_inf(a);
    uint64_t m = 0;
    bool inexact = false, up = false, carry = false;
    struct unpacked x = unpack(a);
    if (!bad) {
        if (x.sig != 0 && x.exp - BIAS >= 64)
            bad = true;
        else
            m = integer_part(x, fcw_rc(env->fcw), &inexact, &up, &carry);
        if (carry || m > 999999999999999999ull)
            bad = true;
    }
    if (bad) {
        env->flags |= FX_IE;
        for (int i = 0; i < 10; i++)
            bcd[i] = indefinite[i];
        return;
    }
    if (inexact)
        env->flags |= FX_PE;
    env->c1 = up;
    for (int i = 0; i < 9; i++) {
        unsigned pair = (unsigned)(m % 100);
        m /= 100;
        bcd[i] = (uint8_t)((pair / 10) << 4 | (pair % 10));
    }
    bcd[9] = x.sign ? 0x80 : 0;
}

/* ---- FSCALE, FXTRACT, FPREM ---- */

struct fx80 fx80_scale(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    struct fx80 out;
    if (special_operands(a, b, &out, env))
        return out;
    bool sa = sign_of(a), sb = sign_of(b);
    /* SDM vol. 2, FSCALE results table. */
    if (is_inf(b) && (sb ? is_inf(a) : is_zero(a)))
        return invalid(env);
    if (denormal_stops(a, b, env))
        return a;
    if (is_inf(b)) {
        if (is_zero(a) || is_inf(a))
            return a;
        return sb ? zero(sa) : infinity(sa);
    }
    if (is_zero(a) || is_inf(a))
        return a;
    struct unpacked x = unpack(a), y = unpack(b);
    /* ST(1) truncated toward zero; beyond 2^20 every result saturates. */
    int32_t n = 0;
    int32_t ey = y.exp - BIAS;
    if (y.sig != 0 && ey >= 0)
        n = ey >= 20 ? (1 << 20) : (int32_t)(y.sig >> (63 - ey));
    if (y.sign)
        n = -n;
    /* The result is not rounded to the precision control. */
    return round_pack_bits(sa, x.exp + n, (u128)x.sig << 64, 64, env);
}

struct fx80 fx80_extract(struct fx80 a, struct fx80 *sig, struct fx80_env *env)
{
    struct fx80 out;
    if (special_operand(a, &out, env)) {
        *sig = out;
        return out;
    }
    if (denormal_stops(a, a, env)) {
        *sig = a;
        return a;
    }
    if (is_zero(a)) {
        /* SDM vol. 2, FXTRACT: a zero divide, exponent -infinity. */
        env->flags |= FX_ZE;
        *sig = a;
        return infinity(true);
    }
    if (is_inf(a)) {
        *sig = a;
        return infinity(false);
    }
    struct unpacked x = unpack(a);
    *sig = make(x.sign, BIAS, x.sig);
    return fx80_from_int(x.exp - BIAS);
}

struct fx80 fx80_rem(struct fx80 a, struct fx80 b, bool round_nearest, unsigned *quotient_bits,
                     bool *incomplete, struct fx80_env *env)
{
    *quotient_bits = 0;
    *incomplete = false;
    struct fx80 out;
    if (special_operands(a, b, &out, env))
        return out;
    if (is_inf(a) || is_zero(b))
        return invalid(env);
    if (denormal_stops(a, b, env))
        return a;
    if (is_zero(a))
        return a;
    struct unpacked x = unpack(a), y = unpack(b);
    int32_t d = is_inf(b) ? INT32_MIN : x.exp - y.exp;
    bool sign = x.sign;
    /* The remainder is exact: neither precision control nor rounding
     * applies (SDM vol. 2, FPREM). */
    struct fx80_env exact = { (uint16_t)(env->fcw | 0x300), 0, false };
    if (d >= 64) {
        /* Partial: reduce the exponent by 32 to 63 (SDM vol. 2, FPREM). */
        int32_t n = 32 + ((d - 32) & 31);
        u128 num = (u128)x.sig << n;
        uint64_t r = (uint64_t)(num % y.sig);
        *incomplete = true;
        out = round_pack_bits(sign, y.exp + (d - n) + 64, (u128)r, 64, &exact);
        env->flags |= exact.flags;
        return out;
    }
    if (d < (round_nearest ? -1 : 0)) {
        out = round_pack_bits(sign, x.exp + 64, (u128)x.sig, 64, &exact);
        env->flags |= exact.flags;
        return out;
    }
    u128 num, den;
    int32_t unit;
    if (d >= 0) {
        num = (u128)x.sig << d;
        den = y.sig;
        unit = y.exp;
    } else {
        num = x.sig;
        den = (u128)y.sig << 1;
        unit = x.exp;
    }
    u128 q = num / den;
    u128 r = num % den;
    if (round_nearest && (2 * r > den || (2 * r == den && (q & 1)))) {
        q++;
        r = den - r;
        sign = !sign;
    }
    *quotient_bits = (unsigned)(q & 7);
    if (r == 0)
        return zero(x.sign);
    out = round_pack_bits(sign, unit + 64, r, 64, &exact);
    env->flags |= exact.flags;
    return out;
}

/* ---- Comparison ---- */

static int compare_values(struct fx80 a, struct fx80 b, bool quiet_compare,
                          struct fx80_env *env)
{
    if (is_unsupported(a) || is_unsupported(b)) {
        env->flags |= FX_IE;
        return FX80_UNORDERED;
    }
    if (is_nan(a) || is_nan(b)) {
        if (!quiet_compare || fx80_is_signaling_nan(a) || fx80_is_signaling_nan(b))
            env->flags |= FX_IE;
        return FX80_UNORDERED;
    }
    /* Unlike arithmetic, a compare completes with DE unmasked. */
    denormal_stops(a, b, env);
    if (is_zero(a) && is_zero(b))
        return 0;
    bool sa = sign_of(a), sb = sign_of(b);
    if (sa != sb)
        return sa ? -1 : 1;
    int mag;
    if (is_inf(a) || is_inf(b)) {
        mag = is_inf(a) && is_inf(b) ? 0 : is_inf(a) ? 1 : -1;
    } else {
        struct unpacked x = unpack(a), y = unpack(b);
        if (x.sig == 0 || y.sig == 0)
            mag = x.sig == y.sig ? 0 : x.sig ? 1 : -1;
        else if (x.exp != y.exp)
            mag = x.exp > y.exp ? 1 : -1;
        else
            mag = x.sig == y.sig ? 0 : x.sig > y.sig ? 1 : -1;
    }
    return sa ? -mag : mag;
}

/* ---- The operations that may take a memory operand ---- */

/* They clear the note of a denormal memory operand (fx80.h). */
static void drop_note(struct fx80_env *env)
{
    env->flags &= (uint16_t)~FX_DENORMAL_SOURCE;
}

struct fx80 fx80_add(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    struct fx80 r = add_signed(a, b, false, env);
    drop_note(env);
    return r;
}

struct fx80 fx80_sub(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    struct fx80 r = add_signed(a, b, true, env);
    drop_note(env);
    return r;
}

struct fx80 fx80_mul(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    struct fx80 r = multiply(a, b, env);
    drop_note(env);
    return r;
}

struct fx80 fx80_div(struct fx80 a, struct fx80 b, struct fx80_env *env)
{
    struct fx80 r = divide(a, b, env);
    drop_note(env);
    return r;
}

int fx80_compare(struct fx80 a, struct fx80 b, bool quiet_compare, struct fx80_env *env)
{
    int r = compare_values(a, b, quiet_compare, env);
    drop_note(env);
    return r;
}

/* ---- Rounding a register value; single and double precision ---- */

struct fx80 fx80_round(struct fx80 a, struct fx80_env *env)
{
    struct fx80 out;
    if (special_operand(a, &out, env))
        return out;
    if (denormal_stops(a, a, env))
        return a;
    if (is_zero(a) || is_inf(a))
        return a;
    struct unpacked x = unpack(a);
    return round_pack(x.sign, x.exp, (u128)x.sig << 64, env);
}

/* Load a binary format exactly. As a load (FLD): DE for denormals, IE
 * for SNaNs, which are quieted; as an operand: no flags, SNaNs kept, and
 * denormals noted in env for the operation to report. */
static struct fx80 from_binary(uint64_t v, unsigned frac_bits, unsigned exp_bits, bool operand,
                               struct fx80_env *env)
{
    bool sign = (v >> (frac_bits + exp_bits)) & 1;
    uint32_t emax = (1u << exp_bits) - 1;
    uint32_t e = (uint32_t)(v >> frac_bits) & emax;
    uint64_t frac = v & ((1ull << frac_bits) - 1);
    int32_t bias = (int32_t)(emax >> 1);
    if (e == emax) {
        if (frac == 0)
            return infinity(sign);
        uint64_t mant = INT_BIT | frac << (63 - frac_bits);
        if (!(mant & QUIET_BIT) && !operand) {
            env->flags |= FX_IE;
            mant |= QUIET_BIT;
        }
        return make(sign, EXP_MAX, mant);
    }
    if (e == 0) {
        if (frac == 0)
            return zero(sign);
        if (operand)
            env->flags |= FX_DENORMAL_SOURCE;
        else
            env->flags |= FX_DE;
        unsigned shift = clz64(frac);
        /* frac * 2^(1 - bias - frac_bits) */
        int32_t exp = BIAS + 1 - bias - (int32_t)frac_bits + 63 - (int32_t)shift;
        return make(sign, (uint32_t)exp, frac << shift);
    }
    return make(sign, (uint32_t)((int32_t)e - bias + BIAS), INT_BIT | frac << (63 - frac_bits));
}

struct fx80 fx80_from_f32(uint32_t v, struct fx80_env *env)
{
    return from_binary(v, 23, 8, false, env);
}

struct fx80 fx80_from_f64(uint64_t v, struct fx80_env *env)
{
    return from_binary(v, 52, 11, false, env);
}

struct fx80 fx80_operand_f32(uint32_t v, struct fx80_env *env)
{
    return from_binary(v, 23, 8, true, env);
}

struct fx80 fx80_operand_f64(uint64_t v, struct fx80_env *env)
{
    return from_binary(v, 52, 11, true, env);
}

/* Store to a binary format. The return value is meaningless when an
 * unmasked exception leaves the memory operand unwritten. */
static uint64_t to_binary(struct fx80 a, const struct format *f, unsigned exp_bits,
                          struct fx80_env *env)
{
    unsigned frac_bits = f->bits - 1;
    uint64_t emax = (1ull << exp_bits) - 1;
    uint64_t sign_bit = 1ull << (frac_bits + exp_bits);
    int32_t bias = (int32_t)(emax >> 1);
    if (is_unsupported(a)) {
        env->flags |= FX_IE;
        a = fx80_indefinite;
    }
    uint64_t sign = sign_of(a) ? sign_bit : 0;
    if (is_nan(a)) {
        if (fx80_is_signaling_nan(a)) {
            env->flags |= FX_IE;
            a = quiet(a);
        }
        return sign | emax << frac_bits | ((a.mant << 1) >> (64 - frac_bits));
    }
    if (is_inf(a))
        return sign | emax << frac_bits;
    if (is_zero(a))
        return sign;
    struct unpacked x = unpack(a);
    struct rounded r;
    if (!round_format(x.sign, x.exp, (u128)x.sig << 64, f->bits, f, env, &r))
        return 0;
    if (r.exp == EXP_MAX)
        return sign | emax << frac_bits;
    uint64_t frac = (r.sig << 1) >> (64 - frac_bits);
    if (!(r.sig & INT_BIT))
        return sign | frac;
    return sign | (uint64_t)(r.exp - BIAS + bias) << frac_bits | frac;
}

uint32_t fx80_to_f32(struct fx80 a, struct fx80_env *env)
{
    return (uint32_t)to_binary(a, &single_format, 8, env);
}

uint64_t fx80_to_f64(struct fx80 a, struct fx80_env *env)
{
    return to_binary(a, &double_format, 11, env);
}
