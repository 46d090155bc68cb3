/*
 * Unit tests of the x87 FPU instructions, driven by guest code through
 * cpu_run(): the register stack and its tags, loads and stores in every
 * format, arithmetic in its operand forms, compares into the condition
 * codes and into EFLAGS (FCOMI), FCMOV, stack overflow and underflow with
 * masked and unmasked responses, #MF and FERR# for pending exceptions,
 * #NM, the FNSTENV/FNSAVE images in both modes and sizes, FXSAVE and
 * FXRSTOR, the power-up state and the FPU in machine state files.
 *
 * Code runs at CODE_AT in flat 32-bit protected mode unless a test says
 * otherwise; memory operands are at DATA (disp32 addressing).
 */
#include "core_harness.h"
#include "cpu/fpu.h"
#include "lintas/state.h"

#define CODE_AT 0x1000u
#define DATA 0x8000u

/* ModRM mod=00 rm=101 with reg r, then the 32-bit address. */
#define MEM(r, addr) (uint8_t)(0x05 | (r) << 3), (uint8_t)(addr), (uint8_t)((addr) >> 8), \
                     (uint8_t)((addr) >> 16), (uint8_t)((addr) >> 24)

#define FNINIT 0xdb, 0xe3
#define FLD1 0xd9, 0xe8
#define FLDZ 0xd9, 0xee

static void flat(struct unit_machine *t)
{
    core_flat32(t);
    t->cpu->cr0 |= CR0_NE;
    t->cpu->regs[R_ESP] = 0x7000;
}

/* Run n instructions from CODE_AT; true when all of them completed. */
static bool run(struct unit_machine *t, uint64_t n)
{
    return core_run(t, CODE_AT, n) == CPU_EXIT_BUDGET;
}

static struct fpu *fpu(struct unit_machine *t)
{
    return &t->cpu->fpu;
}

static unsigned top(struct unit_machine *t)
{
    return fpu_top(fpu(t));
}

static struct fpu_reg st(struct unit_machine *t, unsigned i)
{
    return fpu(t)->r[fpu_phys(fpu(t), i)];
}

static uint64_t rd64(struct unit_machine *t, uint32_t addr)
{
    return rd32(t, addr) | (uint64_t)rd32(t, addr + 4) << 32;
}

static void wr64(struct unit_machine *t, uint32_t addr, uint64_t v)
{
    wr32(t, addr, (uint32_t)v);
    wr32(t, addr + 4, (uint32_t)(v >> 32));
}

static uint64_t bits_of(double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof(v));
    return v;
}

static bool is_indefinite(struct fpu_reg r)
{
    return r.sign_exp == 0xffff && r.mant == 0xc000000000000000ull;
}

/* ST(0) as a double (FSTP m64 pops it). */
#define POPPED (DATA + 0x400)
static double pop_double(struct unit_machine *t)
{
    CODE(t, CODE_AT, 0xdd, MEM(3, POPPED));
    run(t, 1);
    double d;
    uint64_t v = rd64(t, POPPED);
    memcpy(&d, &v, sizeof(d));
    return d;
}

static void test_power_on(struct unit_machine *t)
{
    cpu_reset(t->cpu);
    struct fpu *f = fpu(t);
    CHECK(t, f->fcw == 0x0040 && f->fsw == 0 && f->ftw == 0x5555);
    CHECK(t, f->fip == 0 && f->fdp == 0 && f->fop == 0 && f->r[3].mant == 0);

    flat(t);
    CODE(t, CODE_AT, FNINIT);
    CHECK(t, run(t, 1));
    CHECK(t, f->fcw == 0x037f && f->fsw == 0 && f->ftw == 0xffff);
}

/* Pushes, tags and TOP; arithmetic on exact values. */
static void test_stack_and_arith(struct unit_machine *t)
{
    flat(t);
    struct fpu *f = fpu(t);
    CODE(t, CODE_AT, FNINIT, FLD1, FLDZ);
    CHECK(t, run(t, 3));
    CHECK(t, top(t) == 6 && f->ftw == 0x1fff); /* R7 valid, R6 zero */
    CHECK(t, st(t, 0).mant == 0 && st(t, 1).mant == 1ull << 63 && st(t, 1).sign_exp == 0x3fff);

    /* 3 * 4 = 12 by FILD m32 and FMULP; FISTP m32. */
    wr32(t, DATA, 3);
    wr32(t, DATA + 4, 4);
    CODE(t, CODE_AT, FNINIT, 0xdb, MEM(0, DATA), 0xdb, MEM(0, DATA + 4), 0xde, 0xc9,
         0xdb, MEM(3, DATA + 8));
    CHECK(t, run(t, 5));
    CHECK(t, rd32(t, DATA + 8) == 12 && top(t) == 0 && f->ftw == 0xffff);

    /* The operand orders: D8 E1 FSUB ST0,ST1; D8 E9 FSUBR; DC E9 FSUB ST1,ST0;
     * DE F9 FDIVP ST1,ST0; DE F1 FDIVRP. ST0 = 1, ST1 = 4 below. */
    static const struct {
        uint8_t op[2];
        double want; /* the result, as ST(0) after the instruction */
    } forms[] = {
        { { 0xd8, 0xe1 }, -3.0 },  /* ST0 = 1 - 4 */
        { { 0xd8, 0xe9 }, 3.0 },   /* ST0 = 4 - 1 */
        { { 0xd8, 0xf1 }, 0.25 },  /* ST0 = 1 / 4 */
        { { 0xd8, 0xf9 }, 4.0 },   /* ST0 = 4 / 1 */
        { { 0xde, 0xe9 }, 3.0 },   /* ST1 = 4 - 1, pop */
        { { 0xde, 0xe1 }, -3.0 },  /* ST1 = 1 - 4, pop */
        { { 0xde, 0xf9 }, 4.0 },   /* ST1 = 4 / 1, pop */
        { { 0xde, 0xf1 }, 0.25 },  /* ST1 = 1 / 4, pop */
        { { 0xde, 0xc1 }, 5.0 },   /* FADDP */
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        CODE(t, CODE_AT, FNINIT, 0xdb, MEM(0, DATA + 4), FLD1, forms[i].op[0], forms[i].op[1]);
        CHECK_CASE(t, run(t, 4), "form %zu", i);
        bool popped = forms[i].op[0] == 0xde;
        CHECK_CASE(t, top(t) == (popped ? 7u : 6u), "form %zu: TOP %u", i, top(t));
        CHECK_CASE(t, pop_double(t) == forms[i].want, "form %zu", i);
    }
    /* DC E9: FSUB ST(1), ST(0) leaves ST(1) = 4 - 1. */
    CODE(t, CODE_AT, FNINIT, 0xdb, MEM(0, DATA + 4), FLD1, 0xdc, 0xe9, 0xdd, 0xd8);
    CHECK(t, run(t, 5));
    CHECK(t, pop_double(t) == 3.0);

    /* Memory operands: m64fp, m16int. */
    wr64(t, DATA + 16, bits_of(1.5));
    wr16(t, DATA + 24, (uint16_t)-2);
    CODE(t, CODE_AT, FNINIT, FLD1, 0xdc, MEM(0, DATA + 16), 0xde, MEM(1, DATA + 24));
    CHECK(t, run(t, 4));
    CHECK(t, pop_double(t) == -5.0);

    /* FSQRT, FCHS, FABS, FRNDINT, FSCALE, FXTRACT, FPREM. */
    wr32(t, DATA, 16);
    CODE(t, CODE_AT, FNINIT, 0xdb, MEM(0, DATA), 0xd9, 0xfa, 0xd9, 0xe0);
    CHECK(t, run(t, 4));
    CHECK(t, pop_double(t) == -4.0);
    wr64(t, DATA + 16, bits_of(2.5));
    CODE(t, CODE_AT, FNINIT, 0xdd, MEM(0, DATA + 16), 0xd9, 0xfc);
    CHECK(t, run(t, 3));
    CHECK(t, pop_double(t) == 2.0); /* round to even */
    wr32(t, DATA, 3);
    CODE(t, CODE_AT, FNINIT, 0xdb, MEM(0, DATA), FLD1, 0xd9, 0xfd);
    CHECK(t, run(t, 4));
    CHECK(t, pop_double(t) == 8.0);
    wr32(t, DATA, 24);
    CODE(t, CODE_AT, FNINIT, 0xdb, MEM(0, DATA), 0xd9, 0xf4);
    CHECK(t, run(t, 3));
    CHECK(t, top(t) == 6 && pop_double(t) == 1.5 && pop_double(t) == 4.0);
    wr32(t, DATA, 2);
    wr32(t, DATA + 4, 7);
    CODE(t, CODE_AT, FNINIT, 0xdb, MEM(0, DATA), 0xdb, MEM(0, DATA + 4), 0xd9, 0xf8);
    CHECK(t, run(t, 4));
    /* 7 = 3 * 2 + 1: Q = 3, so C0 (Q2) = 0, C3 (Q1) = 1, C1 (Q0) = 1; C2 = 0. */
    CHECK(t, (f->fsw & FSW_CC) == (FSW_C3 | FSW_C1));
    CHECK(t, pop_double(t) == 1.0);
}

/* Loads and stores in every memory format. */
static void test_formats(struct unit_machine *t)
{
    flat(t);
    struct fpu *f = fpu(t);
    /* m32fp 0.5 -> m80 -> m64. */
    wr32(t, DATA, 0x3f000000);
    CODE(t, CODE_AT, FNINIT, 0xd9, MEM(0, DATA), 0xdb, MEM(7, DATA + 16), 0xdb, MEM(5, DATA + 16),
         0xdd, MEM(2, DATA + 32), 0xd9, MEM(3, DATA + 40));
    CHECK(t, run(t, 6));
    CHECK(t, rd64(t, DATA + 16) == 0x8000000000000000ull && rd16(t, DATA + 24) == 0x3ffe);
    CHECK(t, rd64(t, DATA + 32) == bits_of(0.5) && rd32(t, DATA + 40) == 0x3f000000);
    CHECK(t, f->ftw == 0xffff);

    /* Integers: m16 rounds to nearest even, m64 keeps 64 bits. */
    wr64(t, DATA, bits_of(-2.5));
    wr64(t, DATA + 8, 0x123456789abcdefull);
    CODE(t, CODE_AT, FNINIT, 0xdd, MEM(0, DATA), 0xdf, MEM(3, DATA + 16), 0xdf, MEM(5, DATA + 8),
         0xdf, MEM(7, DATA + 24));
    CHECK(t, run(t, 5));
    CHECK(t, rd16(t, DATA + 16) == (uint16_t)-2 && rd64(t, DATA + 24) == 0x123456789abcdefull);
    CHECK(t, f->fsw & FX_PE);

    /* Out of range for 16 bits: the integer indefinite, IE masked. */
    wr32(t, DATA, 40000);
    CODE(t, CODE_AT, FNINIT, 0xdb, MEM(0, DATA), 0xdf, MEM(3, DATA + 4));
    CHECK(t, run(t, 3));
    CHECK(t, rd16(t, DATA + 4) == 0x8000 && (f->fsw & FX_IE) && top(t) == 0);

    /* Packed BCD: -1234567890 round trip. */
    static const uint8_t bcd[10] = { 0x90, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0, 0x80 };
    mem_write_block(t->mem, DATA, bcd, 10);
    CODE(t, CODE_AT, FNINIT, 0xdf, MEM(4, DATA), 0xd9, 0xc0, 0xdf, MEM(6, DATA + 16),
         0xdb, MEM(3, DATA + 32));
    CHECK(t, run(t, 5));
    uint8_t back[10];
    mem_read_block(t->mem, DATA + 16, back, 10);
    CHECK(t, memcmp(back, bcd, 10) == 0 && rd32(t, DATA + 32) == (uint32_t)-1234567890);

    /* Constants and FXAM classes. */
    CODE(t, CODE_AT, FNINIT, 0xd9, 0xeb, 0xd9, 0xe5);
    CHECK(t, run(t, 3));
    CHECK(t, st(t, 0).sign_exp == 0x4000 && st(t, 0).mant == 0xc90fdaa22168c235ull);
    CHECK(t, (f->fsw & FSW_CC) == FSW_C2); /* normal, positive */
    CODE(t, CODE_AT, FNINIT, FLDZ, 0xd9, 0xe0, 0xd9, 0xe5);
    CHECK(t, run(t, 4));
    CHECK(t, (f->fsw & FSW_CC) == (FSW_C3 | FSW_C1)); /* zero, negative */
    CODE(t, CODE_AT, FNINIT, 0xd9, 0xe5);
    CHECK(t, run(t, 2));
    CHECK(t, (f->fsw & (FSW_C3 | FSW_C2 | FSW_C0)) == (FSW_C3 | FSW_C0)); /* empty */
}

/* FXCH, FLD ST(i), FST(P) ST(i), FFREE, FFREEP, FINCSTP, FDECSTP, and the
 * transcendental pushes. */
static void test_stack_ops(struct unit_machine *t)
{
    flat(t);
    struct fpu *f = fpu(t);
    CODE(t, CODE_AT, FNINIT, FLD1, FLDZ, 0xd9, 0xc9, 0xd9, 0xc1);
    CHECK(t, run(t, 5));
    /* After FXCH: ST0 = 1, ST1 = 0; FLD ST(1) pushes 0. */
    CHECK(t, top(t) == 5 && st(t, 0).mant == 0 && st(t, 1).mant == 1ull << 63);
    CODE(t, CODE_AT, 0xdd, 0xda, 0xdf, 0xc0, 0xd9, 0xf7, 0xd9, 0xf6);
    CHECK(t, run(t, 1)); /* FSTP ST(2): ST2 = 0, pop */
    CHECK(t, top(t) == 6 && st(t, 1).mant == 0);
    CHECK(t, core_run(t, CODE_AT + 2, 1) == CPU_EXIT_BUDGET); /* FFREEP ST0 */
    CHECK(t, top(t) == 7 && fpu_tag(f, 6) == TAG_EMPTY && fpu_tag(f, 7) == TAG_ZERO);
    CHECK(t, core_run(t, CODE_AT + 4, 2) == CPU_EXIT_BUDGET); /* FINCSTP; FDECSTP */
    CHECK(t, top(t) == 7);

    /* FSINCOS of 0: ST0 = cos = 1, ST1 = sin = 0. FPTAN pushes 1. */
    CODE(t, CODE_AT, FNINIT, FLDZ, 0xd9, 0xfb);
    CHECK(t, run(t, 3));
    CHECK(t, top(t) == 6 && st(t, 0).mant == 1ull << 63 && st(t, 1).mant == 0);
    CHECK(t, !(f->fsw & FSW_C2));
    CODE(t, CODE_AT, FNINIT, FLDZ, 0xd9, 0xf2);
    CHECK(t, run(t, 3));
    CHECK(t, top(t) == 6 && st(t, 0).sign_exp == 0x3fff && st(t, 1).mant == 0);
    /* FSIN out of range (2^63): C2 set, operand kept. */
    wr64(t, DATA, 0x8000000000000000ull);
    wr16(t, DATA + 8, 0x403e);
    CODE(t, CODE_AT, FNINIT, 0xdb, MEM(5, DATA), 0xd9, 0xfe);
    CHECK(t, run(t, 3));
    CHECK(t, (f->fsw & FSW_C2) && st(t, 0).sign_exp == 0x403e);
}

/* Stack overflow and underflow, masked and unmasked. */
static void test_stack_faults(struct unit_machine *t)
{
    flat(t);
    struct fpu *f = fpu(t);
    /* Nine pushes: the ninth overflows, masked: the indefinite is pushed. */
    CODE(t, CODE_AT, FNINIT, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1, FLDZ);
    CHECK(t, run(t, 10));
    CHECK(t, (f->fsw & (FX_IE | FX_SF | FSW_C1)) == (FX_IE | FX_SF | FSW_C1));
    CHECK(t, is_indefinite(st(t, 0)) && top(t) == 7 && !(f->fsw & FSW_ES));

    /* Underflow, masked: FADD on empty registers writes the indefinite. */
    CODE(t, CODE_AT, FNINIT, 0xd8, 0xc1);
    CHECK(t, run(t, 2));
    CHECK(t, (f->fsw & (FX_IE | FX_SF | FSW_C1)) == (FX_IE | FX_SF));
    CHECK(t, is_indefinite(st(t, 0)) && fpu_tag(f, 0) == TAG_SPECIAL);
    /* FST m64 of an empty ST0: the double indefinite is stored. */
    CODE(t, CODE_AT, FNINIT, 0xdd, MEM(2, DATA));
    CHECK(t, run(t, 2));
    CHECK(t, rd64(t, DATA) == 0xfff8000000000000ull);

    /* Unmasked IE: nothing changes but the flags, ES and B. */
    wr16(t, DATA, 0x037e);
    wr64(t, DATA + 8, 0x1111);
    CODE(t, CODE_AT, FNINIT, 0xd9, MEM(5, DATA), FLD1, 0xd8, 0xc1, 0xdd, MEM(3, DATA + 8));
    CHECK(t, run(t, 4));
    CHECK(t, f->fsw == (FX_IE | FX_SF | FSW_ES | FSW_B | 7u << 11));
    CHECK(t, fpu_tag(f, 7) == TAG_VALID && f->ftw == 0x3fff);
    CHECK(t, f->fip == CODE_AT + 10 && f->fop == 0x0c1 && f->fcs == 0x08);
    /* The next waiting instruction takes #MF before it runs. */
    enum cpu_exit e = core_run(t, CODE_AT + 12, 1);
    CHECK(t, core_faulted(t, e, EXC_MF, 0) && t->cpu->eip == CODE_AT + 12);
    CHECK(t, rd64(t, DATA + 8) == 0x1111 && top(t) == 7);
    /* FWAIT too; FNSTSW AX does not wait. */
    CODE(t, CODE_AT + 0x40, 0x9b, 0xdf, 0xe0, 0xdb, 0xe2, 0x9b);
    e = core_run(t, CODE_AT + 0x40, 1);
    CHECK(t, core_faulted(t, e, EXC_MF, 0));
    CHECK(t, core_run(t, CODE_AT + 0x41, 3) == CPU_EXIT_BUDGET); /* FNSTSW AX; FNCLEX; FWAIT */
    CHECK(t, (reg32(t, R_EAX) & 0xffff) == (FX_IE | FX_SF | FSW_ES | FSW_B | 7u << 11));
    CHECK(t, f->fsw == 7u << 11);

    /* Unmasked underflow on a store: no store, no pop. */
    CODE(t, CODE_AT, FNINIT, 0xd9, MEM(5, DATA), 0xdd, MEM(3, DATA + 8));
    CHECK(t, run(t, 3));
    CHECK(t, rd64(t, DATA + 8) == 0x1111 && top(t) == 0 && (f->fsw & FSW_ES));

    /* FLDCW that unmasks a flag already set makes it pending. */
    wr16(t, DATA + 16, 0x037f);
    CODE(t, CODE_AT, FNINIT, 0xd9, MEM(5, DATA + 16), 0xd8, 0xc1, 0xd9, MEM(5, DATA), FLD1);
    CHECK(t, run(t, 4));
    CHECK(t, f->fsw & FSW_ES);
    e = core_run(t, CODE_AT + 16, 1);
    CHECK(t, core_faulted(t, e, EXC_MF, 0));
}

struct ferr_line {
    bool level;
    int changes;
};

static void ferr_set(void *opaque, bool level)
{
    struct ferr_line *line = opaque;
    if (line->level != level)
        line->changes++;
    line->level = level;
}

/* CR0.NE clear: FERR# instead of #MF, dropped by FNCLEX. */
static void test_ferr(struct unit_machine *t)
{
    flat(t);
    struct fpu *f = fpu(t);
    struct ferr_line line = { false, 0 };
    t->cpu->ferr = (struct cpu_ferr){ ferr_set, &line };
    t->cpu->cr0 &= ~CR0_NE;
    wr16(t, DATA, 0x037e);
    CODE(t, CODE_AT, FNINIT, 0xd9, MEM(5, DATA), 0xd8, 0xc1, FLD1, 0xdb, 0xe2);
    CHECK(t, run(t, 3));
    CHECK(t, (f->fsw & FSW_ES) && !line.level);
    CHECK(t, core_run(t, CODE_AT + 10, 1) == CPU_EXIT_BUDGET); /* FLD1 goes on */
    CHECK(t, line.level && line.changes == 1 && top(t) == 7);
    CHECK(t, core_run(t, CODE_AT + 12, 1) == CPU_EXIT_BUDGET); /* FNCLEX */
    CHECK(t, !line.level && line.changes == 2 && !(f->fsw & FSW_ES));
    t->cpu->ferr = (struct cpu_ferr){ NULL, NULL };
}

/* #NM: EM or TS for the escapes, MP and TS for WAIT (SDM vol. 3, table 2-2). */
static void test_nm(struct unit_machine *t)
{
    flat(t);
    CODE(t, CODE_AT, FLD1, 0x9b);
    static const struct {
        uint32_t cr0;
        bool esc_nm, wait_nm;
    } cases[] = {
        { 0, false, false },
        { CR0_MP, false, false },
        { CR0_EM, true, false },
        { CR0_TS, true, false },
        { CR0_MP | CR0_TS, true, true },
        { CR0_EM | CR0_MP, true, false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t->cpu->cr0 = (t->cpu->cr0 & ~(CR0_MP | CR0_EM | CR0_TS)) | cases[i].cr0;
        t->cpu->fpu.fsw = 0;
        t->cpu->fpu.ftw = 0xffff;
        enum cpu_exit e = core_run(t, CODE_AT, 1);
        CHECK_CASE(t, cases[i].esc_nm ? core_faulted(t, e, EXC_NM, 0) : e == CPU_EXIT_BUDGET,
                   "case %zu: escape", i);
        e = core_run(t, CODE_AT + 2, 1);
        CHECK_CASE(t, cases[i].wait_nm ? core_faulted(t, e, EXC_NM, 0) : e == CPU_EXIT_BUDGET,
                   "case %zu: wait", i);
    }
    t->cpu->cr0 &= ~(CR0_MP | CR0_EM | CR0_TS);
    /* Undefined encodings: D9 D1, DB E5, DD F0, and D9 /1 in memory. */
    static const uint8_t undefined[][2] = { { 0xd9, 0xd1 }, { 0xdb, 0xe5 }, { 0xdd, 0xf0 },
                                            { 0xd9, 0x08 } };
    for (size_t i = 0; i < 4; i++) {
        CODE(t, CODE_AT, undefined[i][0], undefined[i][1]);
        CHECK_CASE(t, core_faulted(t, core_run(t, CODE_AT, 1), EXC_UD, 0), "encoding %zu", i);
    }
}

static uint32_t eflags(struct unit_machine *t)
{
    return cpu_get_eflags(t->cpu) & (FL_ZF | FL_PF | FL_CF | FL_OF | FL_SF | FL_AF);
}

/* FCOM into C3 C2 C0, FCOMI into ZF PF CF, FCMOV. */
static void test_compares(struct unit_machine *t)
{
    flat(t);
    struct fpu *f = fpu(t);
    wr32(t, DATA, 2);
    /* ST0 = 2, ST1 = 1. */
    CODE(t, CODE_AT, FNINIT, FLD1, 0xdb, MEM(0, DATA), 0xd8, 0xd1, 0xdb, 0xf1, 0xd9, 0xc9,
         0xdb, 0xf1, 0xdf, 0xf1);
    CHECK(t, run(t, 4));
    CHECK(t, (f->fsw & FSW_CC) == 0); /* 2 > 1 */
    t->cpu->cc_op = 0;
    t->cpu->cc_src = FL_OF | FL_SF | FL_AF;
    CHECK(t, core_run(t, CODE_AT + 12, 1) == CPU_EXIT_BUDGET);
    CHECK(t, eflags(t) == 0);
    CHECK(t, core_run(t, CODE_AT + 14, 2) == CPU_EXIT_BUDGET); /* FXCH; FCOMI: 1 < 2 */
    CHECK(t, eflags(t) == FL_CF);
    CHECK(t, core_run(t, CODE_AT + 18, 1) == CPU_EXIT_BUDGET); /* FCOMIP pops */
    CHECK(t, eflags(t) == FL_CF && top(t) == 7);

    /* Equal, and unordered against a QNaN: FUCOMI is quiet, FCOMI not. */
    wr64(t, DATA + 16, 0x7ff8000000000000ull);
    CODE(t, CODE_AT, FNINIT, FLD1, FLD1, 0xde, 0xd9, FLD1, 0xdd, MEM(0, DATA + 16), 0xdb, 0xe9);
    CHECK(t, run(t, 4));
    CHECK(t, (f->fsw & FSW_CC) == FSW_C3 && top(t) == 0); /* FCOMPP: equal, two pops */
    CHECK(t, core_run(t, CODE_AT + 8, 3) == CPU_EXIT_BUDGET);
    CHECK(t, eflags(t) == (FL_ZF | FL_PF | FL_CF) && !(f->fsw & FX_IE));
    CODE(t, CODE_AT + 0x30, 0xdb, 0xf1, 0xd8, 0xd1);
    CHECK(t, core_run(t, CODE_AT + 0x30, 1) == CPU_EXIT_BUDGET);
    CHECK(t, eflags(t) == (FL_ZF | FL_PF | FL_CF) && (f->fsw & FX_IE));
    CHECK(t, core_run(t, CODE_AT + 0x32, 1) == CPU_EXIT_BUDGET);
    CHECK(t, (f->fsw & (FSW_C3 | FSW_C2 | FSW_C0)) == (FSW_C3 | FSW_C2 | FSW_C0));

    /* FTST and FICOM. */
    wr16(t, DATA, 5);
    CODE(t, CODE_AT, FNINIT, FLD1, 0xd9, 0xe0, 0xd9, 0xe4, 0xde, MEM(2, DATA));
    CHECK(t, run(t, 4));
    CHECK(t, (f->fsw & FSW_CC) == FSW_C0); /* -1 < 5 */

    /* FCMOVB copies with CF set, FCMOVNB does not. ST0 = 0, ST1 = 1. */
    CODE(t, CODE_AT, FNINIT, FLD1, FLDZ, 0xf9, 0xdb, 0xc1, 0xda, 0xc1);
    CHECK(t, run(t, 5));
    CHECK(t, st(t, 0).mant == 0);
    CHECK(t, core_run(t, CODE_AT + 9, 1) == CPU_EXIT_BUDGET);
    CHECK(t, st(t, 0).mant == 1ull << 63 && fpu_tag(f, 6) == TAG_VALID);
}

/* A known state: ST0 = 1.0 (R6), ST1 = -0.0 (R7), FLD1 the last recorded
 * instruction and FLD m32 the last memory operand. */
static void known_state(struct unit_machine *t)
{
    wr32(t, DATA + 0x100, 0);
    CODE(t, CODE_AT, FNINIT, 0xd9, MEM(0, DATA + 0x100), 0xd9, 0xe0, FLD1);
    run(t, 4);
}

static void fninit_by_guest(struct unit_machine *t)
{
    CODE(t, CODE_AT + 0x80, FNINIT);
    core_run(t, CODE_AT + 0x80, 1);
}

static void test_env_protected(struct unit_machine *t)
{
    flat(t);
    struct fpu *f = fpu(t);
    known_state(t);
    CHECK(t, f->fip == CODE_AT + 10 && f->fop == 0x1e8);
    CHECK(t, f->fdp == DATA + 0x100 && f->fds == 0x10);

    /* 32-bit FNSTENV, then exceptions are masked. */
    wr16(t, DATA + 0x200, 0x0360);
    CODE(t, CODE_AT + 0x40, 0xd9, MEM(5, DATA + 0x200), 0xd9, MEM(6, DATA));
    CHECK(t, core_run(t, CODE_AT + 0x40, 2) == CPU_EXIT_BUDGET);
    CHECK(t, rd32(t, DATA) == 0xffff0360 && rd32(t, DATA + 4) == (0xffff0000u | 6u << 11));
    /* R5 empty... R6 valid (1.0), R7 zero (-0.0): tags 00 and 01. */
    CHECK(t, rd32(t, DATA + 8) == 0xffff4fff);
    CHECK(t, rd32(t, DATA + 12) == CODE_AT + 10);
    CHECK(t, rd32(t, DATA + 16) == (0x08u | 0x1e8u << 16));
    CHECK(t, rd32(t, DATA + 20) == DATA + 0x100 && rd32(t, DATA + 24) == 0xffff0010);
    CHECK(t, f->fcw == 0x037f);

    /* 16-bit FNSTENV (66 prefix). */
    CODE(t, CODE_AT + 0x40, 0x66, 0xd9, MEM(6, DATA + 0x40));
    CHECK(t, core_run(t, CODE_AT + 0x40, 1) == CPU_EXIT_BUDGET);
    CHECK(t, rd16(t, DATA + 0x40) == 0x037f && rd16(t, DATA + 0x44) == 0x4fff);
    CHECK(t, rd16(t, DATA + 0x46) == CODE_AT + 10 && rd16(t, DATA + 0x48) == 0x08);
    CHECK(t, rd16(t, DATA + 0x4a) == (uint16_t)(DATA + 0x100) && rd16(t, DATA + 0x4c) == 0x10);

    /* FNSAVE: image, registers in stack order, then FNINIT; FRSTOR back. */
    struct fpu before = *f;
    CODE(t, CODE_AT + 0x40, 0xdd, MEM(6, DATA + 0x80), 0xdd, MEM(4, DATA + 0x80));
    CHECK(t, core_run(t, CODE_AT + 0x40, 1) == CPU_EXIT_BUDGET);
    CHECK(t, rd64(t, DATA + 0x80 + 28) == 1ull << 63 && rd16(t, DATA + 0x80 + 36) == 0x3fff);
    CHECK(t, rd16(t, DATA + 0x80 + 46) == 0x8000); /* ST1 = -0.0 */
    CHECK(t, f->fcw == 0x037f && f->ftw == 0xffff && f->fsw == 0 && f->fip == 0);
    CHECK(t, core_run(t, CODE_AT + 0x46, 1) == CPU_EXIT_BUDGET);
    CHECK(t, memcmp(f->r, before.r, sizeof(f->r)) == 0 && f->ftw == before.ftw);
    CHECK(t, f->fsw == before.fsw && f->fcw == before.fcw && f->fip == before.fip &&
             f->fop == before.fop && f->fdp == before.fdp && f->fcs == before.fcs);

    /* FLDENV takes only empty/non-empty from the tag word. */
    wr32(t, DATA + 8, 0xffff0fff); /* claims R6 and R7 valid */
    CODE(t, CODE_AT + 0x40, 0xd9, MEM(4, DATA));
    CHECK(t, core_run(t, CODE_AT + 0x40, 1) == CPU_EXIT_BUDGET);
    CHECK(t, f->ftw == 0x4fff && f->fcw == 0x0360);
}

/* Real mode: linear pointers in the images (SDM vol. 1, figures 8-10, 8-12). */
static void test_env_real(struct unit_machine *t)
{
    core_real(t);
    struct fpu *f = fpu(t);
    cpu_load_seg_real(t->cpu, SEG_CS, 0x0100);
    cpu_load_seg_real(t->cpu, SEG_DS, 0x2345);
    /* At CS:IP 0100:0010 (linear 0x1010): FNINIT; FLD dword [0x0006]; FNSTENV [0x40];
     * o32 FNSTENV [0x80]. */
    CODE(t, 0x1010, FNINIT, 0xd9, 0x06, 0x06, 0x00, 0xd9, 0x36, 0x40, 0x00,
         0x66, 0xd9, 0x36, 0x80, 0x00);
    CHECK(t, core_run(t, 0x10, 4) == CPU_EXIT_BUDGET);
    CHECK(t, f->fip == 0x12 && f->fcs == 0x0100 && f->fdp == 6 && f->fds == 0x2345);
    uint32_t ip = 0x1012, dp = 0x23456;
    uint32_t img = 0x23450 + 0x40;
    CHECK(t, rd16(t, img + 6) == (uint16_t)ip);
    CHECK(t, rd16(t, img + 8) == ((ip >> 16) << 12 | 0x106));
    CHECK(t, rd16(t, img + 10) == (uint16_t)dp && rd16(t, img + 12) == ((dp >> 16) << 12));
    img = 0x23450 + 0x80;
    CHECK(t, rd32(t, img + 12) == (0xffff0000u | (uint16_t)ip));
    CHECK(t, rd32(t, img + 16) == ((ip >> 16) << 12 | 0x106));
    CHECK(t, rd32(t, img + 20) == (0xffff0000u | (uint16_t)dp));
    CHECK(t, rd32(t, img + 24) == (dp >> 16) << 12);

    /* FLDENV of the 32-bit image restores the linear pointers. */
    CODE(t, 0x1020, FNINIT, 0x66, 0xd9, 0x26, 0x80, 0x00);
    CHECK(t, core_run(t, 0x20, 2) == CPU_EXIT_BUDGET);
    CHECK(t, f->fip == ip && f->fcs == 0 && f->fdp == dp && f->fop == 0x106);
}

static void test_fxsave(struct unit_machine *t)
{
    flat(t);
    struct fpu *f = fpu(t);
    known_state(t);
    struct fpu before = *f;
    for (uint32_t i = 0; i < 512; i += 4)
        wr32(t, DATA + 0x200 + i, 0xa5a5a5a5);
    CODE(t, CODE_AT + 0x40, 0x0f, 0xae, MEM(0, DATA + 0x200), FNINIT,
         0x0f, 0xae, MEM(1, DATA + 0x200));
    CHECK(t, core_run(t, CODE_AT + 0x40, 1) == CPU_EXIT_BUDGET);
    uint32_t a = DATA + 0x200;
    CHECK(t, rd16(t, a) == 0x037f && rd16(t, a + 2) == 6u << 11);
    CHECK(t, rd8(t, a + 4) == 0xc0 && rd16(t, a + 6) == 0x1e8); /* R6 and R7 in use */
    CHECK(t, rd32(t, a + 8) == CODE_AT + 10 && rd16(t, a + 12) == 0x08);
    CHECK(t, rd32(t, a + 16) == DATA + 0x100 && rd16(t, a + 20) == 0x10);
    CHECK(t, rd32(t, a + 24) == 0 && rd32(t, a + 28) == 0); /* no MXCSR without SSE */
    CHECK(t, rd64(t, a + 32) == 1ull << 63 && rd16(t, a + 40) == 0x3fff && rd16(t, a + 42) == 0);
    CHECK(t, rd16(t, a + 56) == 0x8000);
    CHECK(t, rd32(t, a + 160) == 0xa5a5a5a5 && rd32(t, a + 508) == 0xa5a5a5a5);
    CHECK(t, f->ftw == before.ftw); /* FXSAVE keeps the state */

    CHECK(t, core_run(t, CODE_AT + 0x47, 2) == CPU_EXIT_BUDGET);
    CHECK(t, memcmp(f->r, before.r, sizeof(f->r)) == 0 && f->ftw == before.ftw);
    CHECK(t, f->fsw == before.fsw && f->fip == before.fip && f->fop == before.fop);

    /* Misaligned: #GP(0). TS: #NM; EM: #UD. */
    CODE(t, CODE_AT + 0x40, 0x0f, 0xae, MEM(0, DATA + 0x208));
    CHECK(t, core_faulted(t, core_run(t, CODE_AT + 0x40, 1), EXC_GP, 0));
    CODE(t, CODE_AT + 0x40, 0x0f, 0xae, MEM(0, DATA + 0x200));
    t->cpu->cr0 |= CR0_TS;
    CHECK(t, core_faulted(t, core_run(t, CODE_AT + 0x40, 1), EXC_NM, 0));
    t->cpu->cr0 ^= CR0_TS | CR0_EM;
    CHECK(t, core_faulted(t, core_run(t, CODE_AT + 0x40, 1), EXC_UD, 0));
    t->cpu->cr0 &= ~CR0_EM;
}

/* A page fault on the store leaves the FPU as it was. */
static void test_fault_atomic(struct unit_machine *t)
{
    core_paged(t);
    t->cpu->cr0 |= CR0_NE;
    struct fpu *f = fpu(t);
    CODE(t, CODE_AT, FNINIT, FLD1, 0xdd, MEM(3, LIN_TEST + 0x10));
    enum cpu_exit e = core_run(t, CODE_AT, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, 2));
    CHECK(t, top(t) == 7 && fpu_tag(f, 7) == TAG_VALID && f->fop == 0x1e8);
}

/* The FPU in machine state files: a saved state loads back whole, and an
 * FOP wider than 11 bits is refused with the CPU left as it was. */
static void test_state(struct unit_machine *t)
{
    flat(t);
    known_state(t);
    struct fpu *f = fpu(t);
    f->fsw |= FX_PE;
    struct fpu before = *f;
    struct state_writer w = { 0 };
    state_save(&cpu_state_desc, t->cpu, &w);
    CHECK(t, !w.failed);
    fninit_by_guest(t);
    char err[200] = "";
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&cpu_state_desc, t->cpu, &r, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, memcmp(f->r, before.r, sizeof(f->r)) == 0 && f->ftw == before.ftw);
    CHECK(t, f->fsw == before.fsw && f->fcw == before.fcw && f->fop == before.fop &&
             f->fip == before.fip && f->fdp == before.fdp && f->fcs == before.fcs &&
             f->fds == before.fds);
    state_writer_free(&w);

    f->fop = 0x800;
    state_save(&cpu_state_desc, t->cpu, &w);
    f->fop = 0x123;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&cpu_state_desc, t->cpu, &r, err, sizeof(err)) == -1);
    CHECK(t, strstr(err, "FOP") && f->fop == 0x123);
    state_writer_free(&w);
}

int main(void)
{
    struct unit_machine t;
    core_init(&t);
    test_power_on(&t);
    test_stack_and_arith(&t);
    test_formats(&t);
    test_stack_ops(&t);
    test_stack_faults(&t);
    test_ferr(&t);
    test_nm(&t);
    test_compares(&t);
    test_env_protected(&t);
    test_env_real(&t);
    test_fxsave(&t);
    test_fault_atomic(&t);
    test_state(&t);
    unit_machine_free(&t);
    return UNIT_REPORT(&t);
}
