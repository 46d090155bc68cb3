/*
 * The host differential test's driver: generated cases, their outcomes in
 * the two worlds (the host CPU through the native runner, and the
 * emulator), and the comparison between them.
 */
#ifndef HOSTDIFF_H
#define HOSTDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "protocol.h"

/* xorshift64*: small, fast and the same on every host. */
struct hd_rng {
    uint64_t s;
};

static inline void hd_rng_seed(struct hd_rng *r, uint64_t seed)
{
    /* splitmix64 spreads nearby seeds and never yields the zero state. */
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    r->s = z ? z : 1;
}

static inline uint64_t hd_rng_next(struct hd_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

static inline uint32_t hd_rng_u32(struct hd_rng *r)
{
    return (uint32_t)(hd_rng_next(r) >> 32);
}

/* Uniform in [0, n); n > 0. */
static inline uint32_t hd_rng_below(struct hd_rng *r, uint32_t n)
{
    return (uint32_t)(((hd_rng_next(r) >> 32) * n) >> 32);
}

static inline bool hd_rng_pct(struct hd_rng *r, unsigned percent)
{
    return hd_rng_below(r, 100) < percent;
}

#define GEN_MAX_INSN 72

/* One generated instruction and what is undefined when it starts. */
struct gen_insn {
    uint16_t off;
    uint8_t len;
    uint32_t undef;    /* arithmetic flags whose value is undefined */
    uint32_t uregs[8]; /* register bits whose value is undefined */
    const char *name;
};

struct test_case {
    uint64_t seed;
    struct hd_case hdr;
    uint8_t code[HD_MAX_CODE];
    struct hd_patch patch[HD_MAX_PATCH];
    unsigned ninsn; /* the last one is the terminating INT3 */
    struct gen_insn insn[GEN_MAX_INSN];
};

struct gen_config {
    bool low_mapped;
    bool int1_trap; /* the host reports INT1's #DB after the instruction */
    unsigned min_insns, max_insns;
};

void gen_case(const struct gen_config *cfg, uint64_t seed, struct test_case *tc);

/* A copy of tc that stops at instruction k: every byte from instruction k
 * on becomes INT3, so jumps past the cut stop too. */
void gen_truncate(const struct test_case *tc, unsigned k, struct test_case *out);

/* The pristine contents of the low, data and stack areas. */
void gen_image(uint8_t *image);

/* hd_result.vector when the emulator stopped without an exception. */
#define HD_NO_VECTOR 0xffffffffu

/* What one world did with a case. */
struct outcome {
    struct hd_result r;
    struct hd_chunk *chunks;
    unsigned nchunks, cap;
};

void outcome_add_chunk(struct outcome *o, const struct hd_chunk *c);
void outcome_free(struct outcome *o);

/* The native runner process. */
struct native;
struct native *native_start(const char *path, struct hd_hello *hello, const uint8_t *image);
/* Runs count cases; returns 0, or -1 after printing why. */
int native_run(struct native *n, const struct test_case *const *cases, unsigned count,
               struct outcome *outs);
void native_stop(struct native *n);

/* The emulator, set up as a CPL 3 protected-mode process like the runner. */
struct emu;
struct emu *emu_create(const struct hd_hello *hello, const uint8_t *image);
void emu_run(struct emu *e, const struct test_case *tc, struct outcome *out);
uint64_t emu_icount(const struct emu *e);
void emu_destroy(struct emu *e);

/* Differences between the outcomes, as a bit set of fields. */
enum {
    DIFF_REG0 = 1u << 0, /* ... DIFF_REG0 << 7 */
    DIFF_EIP = 1u << 8,
    DIFF_EFLAGS = 1u << 9,
    DIFF_VECTOR = 1u << 10,
    DIFF_ERROR = 1u << 11,
    DIFF_CR2 = 1u << 12,
    DIFF_SEL = 1u << 13,
    DIFF_MEM = 1u << 14,
    DIFF_STOP = 1u << 15, /* the emulator did not stop with an exception */
};
unsigned compare_outcomes(const struct test_case *tc, const struct outcome *nat,
                          const struct outcome *emu);
/* Which instruction's boundary masks apply to an outcome. */
const struct gen_insn *compare_boundary(const struct test_case *tc, const struct hd_result *r);
void report_case(FILE *out, const struct test_case *tc, const struct outcome *nat,
                 const struct outcome *emu, unsigned diff);
void report_diff_names(FILE *out, unsigned diff);
/* "eax,eflags,mem" to DIFF_* bits; 0 for an unknown name. */
unsigned parse_diff_names(const char *list);

#endif
