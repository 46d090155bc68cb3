/*
 * The x87 differential test's driver: generated cases, their outcomes on
 * the host's FPU (through the 32-bit native runner) and in the emulator,
 * and the comparison between them.
 */
#ifndef X87DIFF_H
#define X87DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "protocol.h"

/* splitmix64: small, fast, the same on every host, any seed is fine. */
struct xd_rng {
    uint64_t s;
};

static inline uint64_t xd_rng_next(struct xd_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static inline uint32_t xd_rng_below(struct xd_rng *r, uint32_t n)
{
    return (uint32_t)(((xd_rng_next(r) >> 32) * n) >> 32);
}

static inline bool xd_rng_pct(struct xd_rng *r, unsigned percent)
{
    return xd_rng_below(r, 100) < percent;
}

/* An 80-bit register value. */
struct xd_ext {
    uint64_t mant;
    uint16_t se; /* sign bit 15, biased exponent 14:0 */
};

static inline struct xd_ext xd_reg_get(const struct xd_fpu *f, unsigned r)
{
    struct xd_ext v = {0, 0};
    for (int i = 7; i >= 0; i--)
        v.mant = v.mant << 8 | f->r[r][i];
    v.se = (uint16_t)(f->r[r][8] | f->r[r][9] << 8);
    return v;
}

static inline void xd_reg_set(struct xd_fpu *f, unsigned r, struct xd_ext v)
{
    for (int i = 0; i < 8; i++)
        f->r[r][i] = (uint8_t)(v.mant >> (8 * i));
    f->r[r][8] = (uint8_t)v.se;
    f->r[r][9] = (uint8_t)(v.se >> 8);
}

/* Status word fields (SDM vol. 1, 8.1.3). */
enum {
    FSW_EXC = 0x3f, FSW_PE = 0x20, FSW_SF = 0x40, FSW_ES = 0x80, FSW_C0 = 0x100, FSW_C1 = 0x200,
    FSW_C2 = 0x400, FSW_C3 = 0x4000, FSW_B = 0x8000, FSW_CC = 0x4700,
};
/* EFLAGS bits FCOMI and friends write. */
#define XD_ARITH_FLAGS 0x8d5u

/* The tag FSAVE stores for a register that is not empty (SDM vol. 1,
 * 8.1.7): 0 valid, 1 zero, 2 special (NaN, infinity, denormal and the
 * unsupported encodings). */
unsigned xd_tag_of(struct xd_ext v);

/* What a case holds beyond the bytes the runner needs. */
enum {
    XD_TRANSCENDENTAL = 1u << 0, /* results may differ by 1 ulp, C1 after rounding */
    XD_WAITS = 1u << 1,          /* ends in FWAIT: #MF delivery is compared */
    XD_COMI = 1u << 2,           /* FCOMI and friends: on an AMD host, EFLAGS says
                                    unordered after an unmasked IE (the SDM: not set) */
};

#define XD_MAX_PARTS 5

struct xd_test {
    uint64_t seed;
    struct xd_case c;
    const char *name;  /* the instruction, or "sequence" */
    const char *parts[XD_MAX_PARTS]; /* a sequence's instructions */
    unsigned nparts;
    unsigned flags;    /* XD_* */
    uint16_t cc_undef; /* C0-C3 bits the SDM leaves undefined at the end */
    /* C0-C3 bits an AMD host sets otherwise than the SDM says: C1 after
     * FCOMI, and C0, C2, C3 after a compare that raised an unmasked IE. */
    uint16_t cc_amd;
};

void gen_test(uint64_t seed, struct xd_test *t);
/* Values biased toward the edges of each format. */
struct xd_ext gen_ext(struct xd_rng *r);
/* Register values for an argument whose domain the SDM limits or where
 * particular values matter. */
enum xd_domain {
    DOM_ANY,
    DOM_UNIT,     /* F2XM1: [-1, +1] */
    DOM_LOG1P,    /* FYL2XP1: |x| < 1 - sqrt(2)/2 */
    DOM_TRIG,     /* FSIN and friends: near multiples of pi/2, near 2^63 */
    DOM_INT_EDGE, /* FIST, FBSTP, FRNDINT: near the conversion limits */
    DOM_SCALE,    /* FSCALE's ST(1) */
};
struct xd_ext gen_ext_in(struct xd_rng *r, enum xd_domain d);
uint32_t gen_f32(struct xd_rng *r);
uint64_t gen_f64(struct xd_rng *r);
uint64_t gen_int(struct xd_rng *r, unsigned bits);
void gen_bcd(struct xd_rng *r, uint8_t out[10]);

/* The native runner process. */
struct native;
struct native *native_start(const char *path, struct xd_hello *hello);
/* Sends count cases to run, and receives their outcomes: the runner works
 * on one batch while the driver emulates the previous one. Both return 0,
 * or -1 after printing why. */
int native_send(struct native *n, const struct xd_test *tests, unsigned count);
int native_receive(struct native *n, unsigned count, struct xd_result *out);
void native_stop(struct native *n);

/* The emulator: a CPU in flat 32-bit protected mode at ring 0. */
struct emu;
struct emu *emu_create(void);
void emu_run(struct emu *e, const struct xd_case *c, struct xd_result *out);
void emu_destroy(struct emu *e);

/* Differences between two outcomes. */
enum {
    DIFF_REG0 = 1u << 0, /* ... DIFF_REG0 << 7, by physical register */
    DIFF_FSW = 1u << 8,
    DIFF_FTW = 1u << 9,
    DIFF_FCW = 1u << 10,
    DIFF_EFLAGS = 1u << 11,
    DIFF_VECTOR = 1u << 12,
    DIFF_MEM = 1u << 13,
};

struct xd_verdict {
    unsigned diff;      /* DIFF_* that fail the case */
    unsigned ulp_regs;  /* registers 1 ulp apart (allowed, transcendental) */
    uint16_t undef_fsw; /* undefined C bits that differ (allowed) */
    bool c1_direction;  /* C1 differs after a rounded transcendental result (allowed) */
    bool amd;           /* where an AMD host parts from the SDM (allowed) */
};

/* amd_host: the host is an AMD CPU, whose known departures from the SDM
 * (xd_test.cc_amd) are allowed. */
void compare_results(const struct xd_test *t, const struct xd_result *nat,
                     const struct xd_result *emu, bool amd_host, struct xd_verdict *v);
/* Whether two register values are at most one unit in the last place
 * apart (same sign, finite, and adjacent in the register format). */
bool xd_within_ulp(struct xd_ext a, struct xd_ext b);
void report_test(FILE *out, const struct xd_test *t, const struct xd_result *nat,
                 const struct xd_result *emu, unsigned diff);
void report_diff_names(FILE *out, unsigned diff);
/* Checks of the comparison itself on made-up outcomes; returns the number
 * that failed after printing them. */
unsigned compare_self_test(FILE *out);

#endif
