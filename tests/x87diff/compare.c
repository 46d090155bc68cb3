/*
 * Comparing the host's outcome of a case with the emulator's, and printing
 * a case so that a mismatch can be understood without rerunning it.
 *
 * Everything is compared bit for bit, with two allowances:
 *  - condition codes the SDM leaves undefined after the instructions run
 *    (C0, C2 and C3 after most arithmetic, for one) are not held against
 *    the emulator; how often they differ is counted;
 *  - results of the transcendental instructions may differ by one unit in
 *    the last place (the SDM gives their accuracy as within 1 ulp; SDM
 *    vol. 1, 8.3.10);
 *  - C1 after a transcendental instruction, when every register is equal
 *    or within 1 ulp and the host raised PE: C1 then says which way an
 *    approximation was rounded, and which way depends on how close the
 *    host's internal result came, not on the true value alone (an equal
 *    result may be rounded up on one side, down on the other). C1 after
 *    exact results, NaNs and stack faults (no PE) is still compared;
 *  - on an AMD host, the condition codes and FCOMI's flags where AMD parts
 *    from the SDM (xd_test.cc_amd, XD_COMI); the emulator follows the SDM.
 * EFLAGS is compared on the arithmetic flags only (FCOMI writes them).
 */
#include "x87diff.h"

#include <string.h>

#include "diff_names.h"

#define INT_BIT (1ull << 63)

bool xd_within_ulp(struct xd_ext a, struct xd_ext b)
{
    if ((a.se ^ b.se) & 0x8000)
        return false;
    unsigned ea = a.se & 0x7fff, eb = b.se & 0x7fff;
    if (ea == 0x7fff || eb == 0x7fff)
        return false;
    /* Denormals share the scale of the smallest normals. */
    if (ea == 0 && !(a.mant & INT_BIT))
        ea = 1;
    if (eb == 0 && !(b.mant & INT_BIT))
        eb = 1;
    if (ea == eb)
        return a.mant - b.mant + 1 <= 2; /* |a - b| <= 1 */
    if (ea == eb + 1)
        return a.mant == INT_BIT && b.mant == ~0ull;
    if (eb == ea + 1)
        return b.mant == INT_BIT && a.mant == ~0ull;
    return false;
}

void compare_results(const struct xd_test *t, const struct xd_result *nat,
                     const struct xd_result *emu, bool amd_host, struct xd_verdict *v)
{
    memset(v, 0, sizeof *v);
    for (unsigned i = 0; i < 8; i++) {
        if (!memcmp(nat->fpu.r[i], emu->fpu.r[i], 10))
            continue;
        if ((t->flags & XD_TRANSCENDENTAL) &&
            xd_within_ulp(xd_reg_get(&nat->fpu, i), xd_reg_get(&emu->fpu, i)))
            v->ulp_regs |= 1u << i;
        else
            v->diff |= DIFF_REG0 << i;
    }
    bool unmasked_ie = (nat->fpu.fsw & 1) && !(nat->fpu.fcw & 1);
    uint16_t fsw = nat->fpu.fsw ^ emu->fpu.fsw;
    v->undef_fsw = fsw & t->cc_undef;
    fsw &= (uint16_t)~t->cc_undef;
    if (amd_host) {
        uint16_t amd = t->cc_amd;
        /* C3, C2, C0 only after an unmasked invalid operation (IE). */
        if (!unmasked_ie)
            amd &= FSW_C1;
        v->amd = (fsw & amd) != 0;
        fsw &= (uint16_t)~amd;
    }
    bool rounded = nat->fpu.fsw & ~t->c.fpu.fsw & FSW_PE;
    if ((fsw & FSW_C1) && (t->flags & XD_TRANSCENDENTAL) && rounded &&
        !v->diff /* registers only, so far */) {
        fsw &= (uint16_t)~FSW_C1;
        v->c1_direction = true;
    }
    if (fsw)
        v->diff |= DIFF_FSW;
    if (nat->fpu.ftw != emu->fpu.ftw)
        v->diff |= DIFF_FTW;
    if (nat->fpu.fcw != emu->fpu.fcw)
        v->diff |= DIFF_FCW;
    if ((nat->eflags ^ emu->eflags) & XD_ARITH_FLAGS) {
        if (amd_host && (t->flags & XD_COMI) && unmasked_ie)
            v->amd = true;
        else
            v->diff |= DIFF_EFLAGS;
    }
    if (nat->vector != emu->vector || (nat->vector != XD_NO_VECTOR && nat->fault_off != emu->fault_off))
        v->diff |= DIFF_VECTOR;
    if (memcmp(nat->mem, emu->mem, XD_MEM_SIZE))
        v->diff |= DIFF_MEM;
}

static const char *const diff_names[] = {
    "R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "fsw", "ftw", "fcw", "eflags", "vector", "mem",
};
#define NDIFF (sizeof diff_names / sizeof diff_names[0])

void report_diff_names(FILE *out, unsigned diff)
{
    diff_print_names(out, diff, diff_names, NDIFF);
}

static const char *class_name(struct xd_ext v)
{
    unsigned exp = v.se & 0x7fff;
    bool j = v.mant & INT_BIT;
    uint64_t frac = v.mant & ~INT_BIT;
    if (exp == 0)
        return v.mant == 0 ? "zero" : j ? "pseudo-denormal" : "denormal";
    if (exp == 0x7fff) {
        if (!j)
            return frac ? "pseudo-NaN" : "pseudo-infinity";
        return frac == 0 ? "infinity" : (frac >> 62) ? "QNaN" : "SNaN";
    }
    return j ? "normal" : "unnormal";
}

static void print_ext(FILE *out, struct xd_ext v)
{
    fprintf(out, "%04x:%016llx %-15s", v.se, (unsigned long long)v.mant, class_name(v));
}

static void print_fsw(FILE *out, uint16_t fsw)
{
    fprintf(out, "%04x (TOP %u, C3-C0 %u%u%u%u, flags %02x%s)", fsw, (fsw >> 11) & 7,
            !!(fsw & FSW_C3), !!(fsw & FSW_C2), !!(fsw & FSW_C1), !!(fsw & FSW_C0), fsw & 0x7f,
            fsw & FSW_ES ? ", ES" : "");
}

static void print_vector(FILE *out, const struct xd_result *res)
{
    if (res->vector == XD_NO_VECTOR)
        fprintf(out, "none");
    else
        fprintf(out, "%u at code+%u", res->vector, res->fault_off);
}

static void print_mem(FILE *out, const uint8_t *m)
{
    for (unsigned i = 0; i < XD_MEM_SIZE; i++)
        fprintf(out, "%s%02x", i == XD_MEM_BIAS ? " [" : i == XD_MEM_BIAS + 10 ? "] " : "", m[i]);
}

void report_test(FILE *out, const struct xd_test *t, const struct xd_result *nat,
                 const struct xd_result *emu, unsigned diff)
{
    static const char *const rc[4] = {"nearest", "down", "up", "zero"};
    static const char *const pc[4] = {"24", "reserved", "53", "64"};
    const struct xd_case *c = &t->c;
    fprintf(out, "  case %llu: ", (unsigned long long)t->seed);
    for (unsigned i = 0; i < t->nparts; i++)
        fprintf(out, "%s%s", i ? "; " : "", t->parts[i]);
    fprintf(out, "%s, code", t->flags & XD_WAITS ? "; FWAIT" : "");
    for (unsigned i = 0; i < c->code_len; i++)
        fprintf(out, " %02x", c->code[i]);
    fprintf(out, "\n  FCW %04x (RC %s, PC %s, masks %02x), EFLAGS %03x\n", c->fpu.fcw,
            rc[(c->fpu.fcw >> 10) & 3], pc[(c->fpu.fcw >> 8) & 3], c->fpu.fcw & 0x3f,
            c->eflags & XD_ARITH_FLAGS);
    fprintf(out, "  before: FSW ");
    print_fsw(out, c->fpu.fsw);
    fprintf(out, " FTW %04x\n  memory before: ", c->fpu.ftw);
    print_mem(out, c->mem);
    fprintf(out, "\n");
    unsigned top = (c->fpu.fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        unsigned phys = (top + i) & 7;
        fprintf(out, "    ST%u=R%u ", i, phys);
        print_ext(out, xd_reg_get(&c->fpu, phys));
        fprintf(out, "\n");
    }
    const struct xd_result *res[2] = {nat, emu};
    static const char *const who[2] = {"host", "emulator"};
    for (unsigned w = 0; w < 2 && res[w]; w++) {
        const struct xd_result *x = res[w];
        fprintf(out, "  %-8s: FSW ", who[w]);
        print_fsw(out, x->fpu.fsw);
        fprintf(out, " FTW %04x FCW %04x EFLAGS %03x vector ", x->fpu.ftw, x->fpu.fcw,
                x->eflags & XD_ARITH_FLAGS);
        print_vector(out, x);
        fprintf(out, "\n    memory: ");
        print_mem(out, x->mem);
        fprintf(out, "\n");
        unsigned xtop = (x->fpu.fsw >> 11) & 7;
        for (unsigned i = 0; i < 8; i++) {
            unsigned phys = (xtop + i) & 7;
            bool differs = w == 1 && (diff & (DIFF_REG0 << phys));
            fprintf(out, "  %s ST%u=R%u ", differs ? "*" : " ", i, phys);
            print_ext(out, xd_reg_get(&x->fpu, phys));
            fprintf(out, " tag %u\n", (x->fpu.ftw >> (2 * phys)) & 3);
        }
    }
}

/* One made-up comparison and what it must find. */
static unsigned check(FILE *out, const char *what, const struct xd_test *t,
                      const struct xd_result *a, const struct xd_result *b, bool amd,
                      unsigned want_diff, unsigned want_ulp, uint16_t want_undef, bool want_c1)
{
    struct xd_verdict v;
    compare_results(t, a, b, amd, &v);
    if (v.diff == want_diff && v.ulp_regs == want_ulp && v.undef_fsw == want_undef &&
        v.c1_direction == want_c1)
        return 0;
    fprintf(out,
            "x87diff: self-test '%s': diff %x ulp %x undefined %04x C1 %d, expected %x %x %04x %d\n",
            what, v.diff, v.ulp_regs, v.undef_fsw, v.c1_direction, want_diff, want_ulp, want_undef,
            want_c1);
    return 1;
}

unsigned compare_self_test(FILE *out)
{
    struct xd_test t;
    memset(&t, 0, sizeof t);
    t.name = "self-test";
    t.cc_undef = FSW_C0 | FSW_C2 | FSW_C3;
    struct xd_result a, b;
    memset(&a, 0, sizeof a);
    a.fpu.fcw = 0x37f;
    a.fpu.fsw = 0x3800 | FSW_C1 | 0x20;
    a.fpu.ftw = 0x3fff;
    a.vector = XD_NO_VECTOR;
    a.eflags = 0x202;
    xd_reg_set(&a.fpu, 7, (struct xd_ext){0xc90fdaa22168c235ull, 0x4000});
    xd_reg_set(&a.fpu, 6, (struct xd_ext){INT_BIT, 0x3fff});
    unsigned failed = 0;

    b = a;
    failed += check(out, "identical", &t, &a, &b, false, 0, 0, 0, false);
    b.fpu.r[7][0] ^= 1;
    failed += check(out, "1 ulp, not transcendental",
                    &t, &a, &b, false, DIFF_REG0 << 7, 0, 0, false);
    t.flags = XD_TRANSCENDENTAL;
    failed += check(out, "1 ulp", &t, &a, &b, false, 0, 1u << 7, 0, false);
    b.fpu.fsw ^= FSW_C1;
    failed += check(out, "1 ulp and C1", &t, &a, &b, false, 0, 1u << 7, 0, true);
    b.fpu.r[7][0] ^= 3;
    failed += check(out, "2 ulp", &t, &a, &b, false, (DIFF_REG0 << 7) | DIFF_FSW, 0, 0, false);
    b = a;
    xd_reg_set(&b.fpu, 6, (struct xd_ext){~0ull, 0x3ffe});
    failed += check(out, "1 ulp below a power of two", &t, &a, &b, false, 0, 1u << 6, 0, false);
    xd_reg_set(&b.fpu, 6, (struct xd_ext){INT_BIT | 1, 0x3fff});
    failed += check(out, "1 ulp above a power of two", &t, &a, &b, false, 0, 1u << 6, 0, false);
    xd_reg_set(&b.fpu, 6, (struct xd_ext){INT_BIT, 0xbfff});
    failed += check(out, "other sign", &t, &a, &b, false, DIFF_REG0 << 6, 0, 0, false);
    xd_reg_set(&a.fpu, 5, (struct xd_ext){~INT_BIT, 0});
    b = a;
    xd_reg_set(&b.fpu, 5, (struct xd_ext){INT_BIT, 1});
    failed += check(out, "largest denormal, smallest normal",
                    &t, &a, &b, false, 0, 1u << 5, 0, false);
    xd_reg_set(&b.fpu, 5, (struct xd_ext){~INT_BIT, 0x7fff});
    failed += check(out, "NaN never within 1 ulp", &t, &a, &b, false, DIFF_REG0 << 5, 0, 0, false);

    b = a;
    b.fpu.fsw ^= FSW_C1;
    failed += check(out, "C1 of an equal transcendental result", &t, &a, &b, false, 0, 0, 0, true);
    a.fpu.fsw &= (uint16_t)~FSW_PE;
    b.fpu.fsw &= (uint16_t)~FSW_PE;
    failed += check(out, "C1 of an exact transcendental result", &t, &a, &b, false, DIFF_FSW, 0, 0,
                    false);
    a.fpu.fsw |= FSW_PE;
    b.fpu.fsw |= FSW_PE;
    t.c.fpu.fsw = FSW_PE;
    failed += check(out, "C1 when PE was set before", &t, &a, &b, false, DIFF_FSW, 0, 0, false);
    t.c.fpu.fsw = 0;
    b.fpu.r[6][0] ^= 3;
    failed += check(out, "C1 beside a result 3 ulp off", &t, &a, &b, false,
                    (DIFF_REG0 << 6) | DIFF_FSW, 0, 0, false);
    b.fpu.r[6][0] ^= 3;

    t.flags = 0;
    failed += check(out, "C1", &t, &a, &b, false, DIFF_FSW, 0, 0, false);
    t.cc_amd = FSW_C1;
    failed += check(out, "C1 after FCOMI, AMD host", &t, &a, &b, true, 0, 0, 0, false);
    failed += check(out, "C1 after FCOMI, other host", &t, &a, &b, false, DIFF_FSW, 0, 0, false);
    t.cc_amd = FSW_C0 | FSW_C2 | FSW_C3;
    t.cc_undef = 0;
    b = a;
    b.fpu.fsw ^= FSW_C3;
    failed += check(out, "compare, AMD host, no IE", &t, &a, &b, true, DIFF_FSW, 0, 0, false);
    a.fpu.fsw |= 1;
    b.fpu.fsw |= 1;
    failed += check(out, "compare, AMD host, masked IE", &t, &a, &b, true, DIFF_FSW, 0, 0, false);
    a.fpu.fcw &= (uint16_t)~1u;
    b.fpu.fcw &= (uint16_t)~1u;
    failed += check(out, "compare, AMD host, unmasked IE", &t, &a, &b, true, 0, 0, 0, false);
    b = a;
    b.eflags ^= 0x41;
    failed += check(out, "FCOMI's flags, not FCOMI", &t, &a, &b, true, DIFF_EFLAGS, 0, 0, false);
    t.flags = XD_COMI;
    failed += check(out, "FCOMI's flags, AMD host, unmasked IE", &t, &a, &b, true, 0, 0, 0, false);
    failed += check(out, "FCOMI's flags, other host", &t, &a, &b, false, DIFF_EFLAGS, 0, 0, false);
    t.flags = 0;
    a.fpu.fcw |= 1;
    a.fpu.fsw &= (uint16_t)~1u;
    t.cc_amd = 0;
    t.cc_undef = FSW_C0 | FSW_C2 | FSW_C3;
    b = a;
    b.fpu.fsw ^= FSW_C0 | FSW_C3;
    failed += check(out, "undefined C0, C3", &t, &a, &b, false, 0, 0, FSW_C0 | FSW_C3, false);
    t.cc_undef = 0;
    failed += check(out, "defined C0, C3", &t, &a, &b, false, DIFF_FSW, 0, 0, false);
    b = a;
    b.fpu.fsw ^= 0x0800;
    failed += check(out, "TOP", &t, &a, &b, false, DIFF_FSW, 0, 0, false);
    b = a;
    b.fpu.ftw ^= 0x0002;
    failed += check(out, "tag", &t, &a, &b, false, DIFF_FTW, 0, 0, false);
    b = a;
    b.eflags ^= 0x200;
    failed += check(out, "IF is not compared", &t, &a, &b, false, 0, 0, 0, false);
    b.eflags ^= 0x40;
    failed += check(out, "ZF", &t, &a, &b, false, DIFF_EFLAGS, 0, 0, false);
    b = a;
    b.mem[XD_MEM_SIZE - 1] ^= 0x80;
    failed += check(out, "memory", &t, &a, &b, false, DIFF_MEM, 0, 0, false);
    b = a;
    b.vector = 16;
    failed += check(out, "#MF", &t, &a, &b, false, DIFF_VECTOR, 0, 0, false);
    a.vector = 16;
    a.fault_off = 2;
    failed += check(out, "#MF elsewhere", &t, &a, &b, false, DIFF_VECTOR, 0, 0, false);
    return failed;
}
