/*
 * Operand values biased toward where FPUs go wrong: signed zeros,
 * denormals and pseudo-denormals, the unsupported encodings (unnormals,
 * pseudo-NaNs, pseudo-infinities; SDM vol. 1, 8.2.2), quiet and signaling
 * NaNs with odd payloads, infinities, the largest and smallest normals of
 * each format, significands exactly halfway between two values of 24, 53
 * or 64 bits, and values at the limits of the integer conversions.
 */
#include "x87diff.h"

#define BIAS 16383
#define INT_BIT (1ull << 63)

static struct xd_ext make(unsigned sign, unsigned exp, uint64_t mant)
{
    return (struct xd_ext){mant, (uint16_t)((sign & 1) << 15 | (exp & 0x7fff))};
}

/* A significand, integer bit clear: random, sparse, all ones, or a
 * rounding point (halfway, or a unit either side of it) for the 24- and
 * 53-bit precisions and the float formats. */
static uint64_t fraction(struct xd_rng *r)
{
    uint64_t m = xd_rng_next(r) & ~INT_BIT;
    switch (xd_rng_below(r, 8)) {
    case 0: return 0;
    case 1: return ~INT_BIT;
    case 2: return m >> xd_rng_below(r, 63) << xd_rng_below(r, 63) & ~INT_BIT;
    case 3:
    case 4: {
        /* Keep 24 or 53 significant bits, then the halfway bit below. */
        unsigned keep = xd_rng_below(r, 2) ? 24 : 53;
        uint64_t half = 1ull << (63 - keep);
        m = (m & ~((half << 1) - 1)) | half;
        switch (xd_rng_below(r, 4)) {
        case 0: return m - 1;
        case 1: return m + 1;
        case 2: return m & ~half; /* exactly representable */
        default: return m;
        }
    }
    default: return m;
    }
}

/* Exponents of normals: around 1, anywhere, at the extremes, at the edges
 * of the float formats (normal and denormal), at the integer limits. */
static unsigned normal_exp(struct xd_rng *r)
{
    static const int edges[] = {127, 128, -126, -127, -149, -150, 1023, 1024, -1022, -1023,
                                -1074, -1075, 15, 16, 31, 32, 63, 64, 14, 30, 62};
    int e;
    switch (xd_rng_below(r, 6)) {
    case 0:
    case 1: e = (int)xd_rng_below(r, 141) - 70; break;
    case 2: return 1 + xd_rng_below(r, 0x7ffe);
    case 3: return xd_rng_below(r, 2) ? 1 + xd_rng_below(r, 4) : 0x7ffe - xd_rng_below(r, 4);
    default: e = edges[xd_rng_below(r, sizeof edges / sizeof edges[0])] + (int)xd_rng_below(r, 3) - 1;
    }
    return (unsigned)(BIAS + e);
}

/* A small integer, or one and a half, as a register value. */
static struct xd_ext small_number(struct xd_rng *r)
{
    uint64_t n = xd_rng_below(r, 4) ? xd_rng_below(r, 100) : xd_rng_next(r) >> xd_rng_below(r, 64);
    unsigned sign = xd_rng_below(r, 2);
    bool half = xd_rng_pct(r, 40) && n < (1ull << 62);
    if (half)
        n = 2 * n + 1;
    if (n == 0)
        return make(sign, 0, 0);
    unsigned shift = 0;
    while (!(n << shift & INT_BIT))
        shift++;
    return make(sign, BIAS + 63 - shift - (half ? 1 : 0), n << shift);
}

struct xd_ext gen_ext(struct xd_rng *r)
{
    unsigned sign = xd_rng_below(r, 2);
    unsigned pick = xd_rng_below(r, 100);
    if (pick < 6)
        return make(sign, 0, 0);
    if (pick < 11) /* denormal */
        return make(sign, 0, (fraction(r) | 1) >> xd_rng_below(r, 63));
    if (pick < 14) /* pseudo-denormal */
        return make(sign, 0, INT_BIT | fraction(r));
    if (pick < 17) /* unnormal */
        return make(sign, 1 + xd_rng_below(r, 0x7ffe), fraction(r) >> xd_rng_below(r, 4));
    if (pick < 20) /* pseudo-infinity and pseudo-NaN */
        return make(sign, 0x7fff, xd_rng_below(r, 3) ? fraction(r) : 0);
    if (pick < 25)
        return make(sign, 0x7fff, INT_BIT);
    if (pick < 29) /* quiet NaN */
        return make(sign, 0x7fff, INT_BIT | 1ull << 62 | (xd_rng_below(r, 2) ? fraction(r) : 0));
    if (pick < 33) /* signaling NaN */
        return make(sign, 0x7fff, INT_BIT | ((fraction(r) & ~(1ull << 62)) | 1ull << xd_rng_below(r, 62)));
    if (pick < 35) /* the real indefinite */
        return make(1, 0x7fff, 0xc000000000000000ull);
    if (pick < 39) { /* largest and smallest normals, and their neighbours */
        bool big = xd_rng_below(r, 2);
        uint64_t m = big ? ~0ull - xd_rng_below(r, 3) : INT_BIT + xd_rng_below(r, 3);
        return make(sign, big ? 0x7ffe : 1, m);
    }
    if (pick < 80)
        return make(sign, normal_exp(r), INT_BIT | fraction(r));
    if (pick < 92)
        return small_number(r);
    return make(sign, (unsigned)xd_rng_next(r), xd_rng_next(r)); /* any bits */
}

/* Not an ordinary finite value: NaNs, infinities, zeros, denormals and the
 * unsupported encodings, for the arguments with a limited domain. */
static struct xd_ext special(struct xd_rng *r)
{
    for (;;) {
        struct xd_ext v = gen_ext(r);
        unsigned exp = v.se & 0x7fff;
        if (exp == 0 || exp == 0x7fff || !(v.mant & INT_BIT))
            return v;
    }
}

struct xd_ext gen_ext_in(struct xd_rng *r, enum xd_domain d)
{
    unsigned sign = xd_rng_below(r, 2);
    if (d == DOM_ANY)
        return gen_ext(r);
    if (xd_rng_pct(r, 20)) /* outside the domain, only values with defined results */
        return d == DOM_UNIT || d == DOM_LOG1P ? special(r) : gen_ext(r);
    switch (d) {
    case DOM_UNIT: /* F2XM1: -1 <= x <= +1 (SDM vol. 2, F2XM1) */
        if (xd_rng_pct(r, 10))
            return make(sign, BIAS, INT_BIT);
        return make(sign, BIAS - 1 - xd_rng_below(r, 70), INT_BIT | fraction(r));
    case DOM_LOG1P: /* FYL2XP1: |x| < 1 - sqrt(2)/2 (SDM vol. 2, FYL2XP1) */
        if (xd_rng_pct(r, 20))
            return make(sign, BIAS - 2, INT_BIT | (fraction(r) & 0x0fffffffffffffffull));
        return make(sign, BIAS - 3 - xd_rng_below(r, 70), INT_BIT | fraction(r));
    case DOM_TRIG: /* around the multiples of pi/2, and at the 2^63 limit */
        switch (xd_rng_below(r, 3)) {
        case 0: return make(sign, BIAS - 10 + xd_rng_below(r, 24), INT_BIT | fraction(r));
        case 1:
            return make(sign, BIAS + xd_rng_below(r, 8),
                        0xc90fdaa22168c235ull + xd_rng_below(r, 64) - 32);
        default: return make(sign, BIAS + 61 + xd_rng_below(r, 4), INT_BIT | fraction(r));
        }
    case DOM_INT_EDGE: { /* the limits of 16-, 32- and 64-bit integers and BCD */
        static const unsigned exps[] = {14, 15, 16, 30, 31, 32, 58, 59, 62, 63, 64};
        unsigned e = exps[xd_rng_below(r, sizeof exps / sizeof exps[0])];
        uint64_t m = xd_rng_below(r, 2) ? INT_BIT + xd_rng_below(r, 4) : ~0ull - xd_rng_below(r, 4);
        if (e == 58 || e == 59) /* 10^18 - 1 and neighbours, the largest BCD */
            m = 0xde0b6b3a763ffff0ull + xd_rng_below(r, 32) - 16;
        if (e < 63 && xd_rng_pct(r, 30)) /* halfway to the next integer */
            m = (m & ~((1ull << (63 - e)) - 1)) | 1ull << (62 - e);
        return make(sign, BIAS + e, m | INT_BIT);
    }
    case DOM_SCALE: /* FSCALE's ST(1): small, fractional, or beyond any range */
        switch (xd_rng_below(r, 3)) {
        case 0: return small_number(r);
        case 1: return make(sign, BIAS + 13 + xd_rng_below(r, 3), INT_BIT | fraction(r));
        default: return make(sign, BIAS - 2 + xd_rng_below(r, 8), INT_BIT | fraction(r));
        }
    default: return gen_ext(r);
    }
}

uint32_t gen_f32(struct xd_rng *r)
{
    uint32_t sign = (uint32_t)xd_rng_below(r, 2) << 31;
    uint32_t frac = (uint32_t)xd_rng_next(r) & 0x7fffff;
    switch (xd_rng_below(r, 10)) {
    case 0: return sign;
    case 1: return sign | (frac ? frac : 1) >> xd_rng_below(r, 23);     /* denormal */
    case 2: return sign | 0x7f800000u;                                  /* infinity */
    case 3: return sign | 0x7fc00000u | (xd_rng_below(r, 2) ? frac : 0); /* QNaN */
    case 4: return sign | 0x7f800000u | ((frac & 0x3fffff) | 1);        /* SNaN */
    case 5: return sign | (xd_rng_below(r, 2) ? 0x7f7fffffu : 0x00800000u);
    case 6: return (uint32_t)xd_rng_next(r);
    default: return sign | (127 - 20 + xd_rng_below(r, 41)) << 23 | frac;
    }
}

uint64_t gen_f64(struct xd_rng *r)
{
    uint64_t sign = (uint64_t)xd_rng_below(r, 2) << 63;
    uint64_t frac = xd_rng_next(r) & 0xfffffffffffffull;
    switch (xd_rng_below(r, 10)) {
    case 0: return sign;
    case 1: return sign | (frac ? frac : 1) >> xd_rng_below(r, 52);
    case 2: return sign | 0x7ff0000000000000ull;
    case 3: return sign | 0x7ff8000000000000ull | (xd_rng_below(r, 2) ? frac : 0);
    case 4: return sign | 0x7ff0000000000000ull | ((frac & 0x7ffffffffffffull) | 1);
    case 5: return sign | (xd_rng_below(r, 2) ? 0x7fefffffffffffffull : 0x0010000000000000ull);
    case 6: return xd_rng_next(r);
    default: return sign | (uint64_t)(1023 - 70 + xd_rng_below(r, 141)) << 52 | frac;
    }
}

/* A two's complement integer of the given width, in the low bits. */
uint64_t gen_int(struct xd_rng *r, unsigned bits)
{
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t min = 1ull << (bits - 1);
    uint64_t v;
    switch (xd_rng_below(r, 8)) {
    case 0: v = xd_rng_below(r, 3) - 1ull; break;
    case 1: v = min + xd_rng_below(r, 3); break;
    case 2: v = min - 1 - xd_rng_below(r, 3); break;
    case 3: v = (1ull << xd_rng_below(r, bits)) - xd_rng_below(r, 3) + 1; break;
    case 4: v = xd_rng_below(r, 2000) - 1000ull; break;
    default: v = xd_rng_next(r) >> xd_rng_below(r, bits); break;
    }
    return v & mask;
}

/* Packed BCD (SDM vol. 1, 4.7): 18 digits, two a byte, least significant
 * first, and the sign in bit 7 of byte 9. Only valid digits: the SDM leaves
 * FBLD of others undefined. */
void gen_bcd(struct xd_rng *r, uint8_t out[10])
{
    unsigned digits = xd_rng_below(r, 4) ? 18 : xd_rng_below(r, 19);
    bool nines = xd_rng_pct(r, 10);
    for (unsigned i = 0; i < 18; i++) {
        unsigned d = i >= digits ? 0 : nines ? 9 : xd_rng_below(r, 10);
        if (i % 2)
            out[i / 2] = (uint8_t)(out[i / 2] | d << 4);
        else
            out[i / 2] = (uint8_t)d;
    }
    out[9] = (uint8_t)(xd_rng_below(r, 2) << 7);
}
