/*
 * Case generation: one x87 instruction (or a short sequence) with its
 * starting state. The control word's rounding and precision fields are
 * random; exceptions are masked except in one case out of ten, which
 * unmasks some and often ends in FWAIT so that #MF delivery is compared
 * too. The stack's tags, TOP, condition codes and sticky flags are random
 * (but PE starts clear before a transcendental instruction), with the
 * registers an instruction reads usually full and, for the ones that push,
 * ST(7) usually empty (often enough full for stack overflow).
 *
 * Memory operands are [EBX] (ModRM mod 00, r/m 011).
 */
#include "x87diff.h"

#include <string.h>

enum form {
    FORM_FIXED, /* two bytes */
    FORM_STI,   /* second byte + i, for ST(i) */
    FORM_MEM,   /* ModRM with the /digit in the second byte's reg field */
};

enum mem_type { MEM_NONE, MEM_F32, MEM_F64, MEM_F80, MEM_I16, MEM_I32, MEM_I64, MEM_BCD, MEM_CW };

/* Condition codes the SDM leaves undefined after an instruction (U), and
 * those it defines (D); the rest are left as they were. */
#define CC_ARITH FSW_C0 | FSW_C2 | FSW_C3, FSW_C1 /* C1: rounded up, or stack fault */
#define CC_TRIG FSW_C0 | FSW_C3, FSW_C1 | FSW_C2  /* C2: out of range */
#define CC_ALL 0, FSW_CC                          /* compares, FXAM, FPREM, FNINIT */
#define CC_COMI 0, FSW_C1                         /* FCOMI: C0, C2, C3 unaffected */
#define CC_NONE FSW_CC, 0                         /* all four undefined */
#define CC_FCMOV FSW_CC, 0 /* C1 is only defined (0) on stack underflow */

/* What the generator needs to know about an instruction. */
enum {
    OP_PUSH = 1u << 0,  /* pushes: ST(7) matters */
    OP_TRANS = 1u << 1, /* transcendental: 1 ulp allowed */
    OP_REM = 1u << 2,   /* partial remainder */
    /* Where AMD hosts part from the SDM: compares set C3, C2, C0 (FCOMI
     * and friends: ZF, PF, CF) to "unordered" even when the invalid
     * operation exception they raise is unmasked (the SDM: not set; FCOM
     * and FCOMI, the notes of their results tables); FCOMI and friends
     * leave C1 alone (the SDM: set to 0). */
    OP_CMP = 1u << 3,
    OP_COMI = 1u << 4
};

struct op {
    const char *name;
    uint8_t opcode, byte2;
    uint8_t form, mem;
    uint8_t dom0, dom1; /* domains of ST(0) and ST(1) */
    uint8_t flags;
    uint16_t cc_undef, cc_def;
};

#define ARITH_MEM(opc, mem, n0, n1, n2, n3, n4, n5, n6, n7)                                  \
    {n0, opc, 0 << 3, FORM_MEM, mem, 0, 0, 0, CC_ARITH}, {n1, opc, 1 << 3, FORM_MEM, mem, 0, 0, 0, CC_ARITH}, \
    {n2, opc, 2 << 3, FORM_MEM, mem, 0, 0, OP_CMP, CC_ALL},                                   \
    {n3, opc, 3 << 3, FORM_MEM, mem, 0, 0, OP_CMP, CC_ALL},                                   \
    {n4, opc, 4 << 3, FORM_MEM, mem, 0, 0, 0, CC_ARITH}, {n5, opc, 5 << 3, FORM_MEM, mem, 0, 0, 0, CC_ARITH}, \
    {n6, opc, 6 << 3, FORM_MEM, mem, 0, 0, 0, CC_ARITH}, {n7, opc, 7 << 3, FORM_MEM, mem, 0, 0, 0, CC_ARITH}

/* Opcodes from SDM vol. 2, the x87 instruction pages and appendix A.5. */
static const struct op ops[] = {
    ARITH_MEM(0xd8, MEM_F32, "FADD m32", "FMUL m32", "FCOM m32", "FCOMP m32", "FSUB m32",
              "FSUBR m32", "FDIV m32", "FDIVR m32"),
    ARITH_MEM(0xdc, MEM_F64, "FADD m64", "FMUL m64", "FCOM m64", "FCOMP m64", "FSUB m64",
              "FSUBR m64", "FDIV m64", "FDIVR m64"),
    ARITH_MEM(0xda, MEM_I32, "FIADD m32", "FIMUL m32", "FICOM m32", "FICOMP m32", "FISUB m32",
              "FISUBR m32", "FIDIV m32", "FIDIVR m32"),
    ARITH_MEM(0xde, MEM_I16, "FIADD m16", "FIMUL m16", "FICOM m16", "FICOMP m16", "FISUB m16",
              "FISUBR m16", "FIDIV m16", "FIDIVR m16"),
    {"FADD st,sti", 0xd8, 0xc0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FMUL st,sti", 0xd8, 0xc8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FCOM sti", 0xd8, 0xd0, FORM_STI, 0, 0, 0, OP_CMP, CC_ALL},
    {"FCOMP sti", 0xd8, 0xd8, FORM_STI, 0, 0, 0, OP_CMP, CC_ALL},
    {"FSUB st,sti", 0xd8, 0xe0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FSUBR st,sti", 0xd8, 0xe8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FDIV st,sti", 0xd8, 0xf0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FDIVR st,sti", 0xd8, 0xf8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FADD sti,st", 0xdc, 0xc0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FMUL sti,st", 0xdc, 0xc8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FSUBR sti,st", 0xdc, 0xe0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FSUB sti,st", 0xdc, 0xe8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FDIVR sti,st", 0xdc, 0xf0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FDIV sti,st", 0xdc, 0xf8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FADDP", 0xde, 0xc0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FMULP", 0xde, 0xc8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FSUBRP", 0xde, 0xe0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FSUBP", 0xde, 0xe8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FDIVRP", 0xde, 0xf0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FDIVP", 0xde, 0xf8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FCOMPP", 0xde, 0xd9, FORM_FIXED, 0, 0, 0, OP_CMP, CC_ALL},
    {"FUCOM sti", 0xdd, 0xe0, FORM_STI, 0, 0, 0, OP_CMP, CC_ALL},
    {"FUCOMP sti", 0xdd, 0xe8, FORM_STI, 0, 0, 0, OP_CMP, CC_ALL},
    {"FUCOMPP", 0xda, 0xe9, FORM_FIXED, 0, 0, 0, OP_CMP, CC_ALL},
    {"FCOMI", 0xdb, 0xf0, FORM_STI, 0, 0, 0, OP_COMI, CC_COMI},
    {"FUCOMI", 0xdb, 0xe8, FORM_STI, 0, 0, 0, OP_COMI, CC_COMI},
    {"FCOMIP", 0xdf, 0xf0, FORM_STI, 0, 0, 0, OP_COMI, CC_COMI},
    {"FUCOMIP", 0xdf, 0xe8, FORM_STI, 0, 0, 0, OP_COMI, CC_COMI},
    {"FTST", 0xd9, 0xe4, FORM_FIXED, 0, 0, 0, OP_CMP, CC_ALL},
    {"FXAM", 0xd9, 0xe5, FORM_FIXED, 0, 0, 0, 0, CC_ALL},
    {"FCMOVB", 0xda, 0xc0, FORM_STI, 0, 0, 0, 0, CC_FCMOV},
    {"FCMOVE", 0xda, 0xc8, FORM_STI, 0, 0, 0, 0, CC_FCMOV},
    {"FCMOVBE", 0xda, 0xd0, FORM_STI, 0, 0, 0, 0, CC_FCMOV},
    {"FCMOVU", 0xda, 0xd8, FORM_STI, 0, 0, 0, 0, CC_FCMOV},
    {"FCMOVNB", 0xdb, 0xc0, FORM_STI, 0, 0, 0, 0, CC_FCMOV},
    {"FCMOVNE", 0xdb, 0xc8, FORM_STI, 0, 0, 0, 0, CC_FCMOV},
    {"FCMOVNBE", 0xdb, 0xd0, FORM_STI, 0, 0, 0, 0, CC_FCMOV},
    {"FCMOVNU", 0xdb, 0xd8, FORM_STI, 0, 0, 0, 0, CC_FCMOV},
    {"FCHS", 0xd9, 0xe0, FORM_FIXED, 0, 0, 0, 0, CC_ARITH},
    {"FABS", 0xd9, 0xe1, FORM_FIXED, 0, 0, 0, 0, CC_ARITH},
    {"FLD1", 0xd9, 0xe8, FORM_FIXED, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"FLDL2T", 0xd9, 0xe9, FORM_FIXED, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"FLDL2E", 0xd9, 0xea, FORM_FIXED, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"FLDPI", 0xd9, 0xeb, FORM_FIXED, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"FLDLG2", 0xd9, 0xec, FORM_FIXED, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"FLDLN2", 0xd9, 0xed, FORM_FIXED, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"FLDZ", 0xd9, 0xee, FORM_FIXED, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"F2XM1", 0xd9, 0xf0, FORM_FIXED, 0, DOM_UNIT, 0, OP_TRANS, CC_ARITH},
    {"FYL2X", 0xd9, 0xf1, FORM_FIXED, 0, 0, 0, OP_TRANS, CC_ARITH},
    {"FPTAN", 0xd9, 0xf2, FORM_FIXED, 0, DOM_TRIG, 0, OP_PUSH | OP_TRANS, CC_TRIG},
    {"FPATAN", 0xd9, 0xf3, FORM_FIXED, 0, 0, 0, OP_TRANS, CC_ARITH},
    {"FXTRACT", 0xd9, 0xf4, FORM_FIXED, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"FPREM1", 0xd9, 0xf5, FORM_FIXED, 0, 0, 0, OP_REM, CC_ALL},
    {"FDECSTP", 0xd9, 0xf6, FORM_FIXED, 0, 0, 0, 0, CC_ARITH},
    {"FINCSTP", 0xd9, 0xf7, FORM_FIXED, 0, 0, 0, 0, CC_ARITH},
    {"FPREM", 0xd9, 0xf8, FORM_FIXED, 0, 0, 0, OP_REM, CC_ALL},
    {"FYL2XP1", 0xd9, 0xf9, FORM_FIXED, 0, DOM_LOG1P, 0, OP_TRANS, CC_ARITH},
    {"FSQRT", 0xd9, 0xfa, FORM_FIXED, 0, 0, 0, 0, CC_ARITH},
    {"FSINCOS", 0xd9, 0xfb, FORM_FIXED, 0, DOM_TRIG, 0, OP_PUSH | OP_TRANS, CC_TRIG},
    {"FRNDINT", 0xd9, 0xfc, FORM_FIXED, 0, DOM_INT_EDGE, 0, 0, CC_ARITH},
    {"FSCALE", 0xd9, 0xfd, FORM_FIXED, 0, 0, DOM_SCALE, 0, CC_ARITH},
    {"FSIN", 0xd9, 0xfe, FORM_FIXED, 0, DOM_TRIG, 0, OP_TRANS, CC_TRIG},
    {"FCOS", 0xd9, 0xff, FORM_FIXED, 0, DOM_TRIG, 0, OP_TRANS, CC_TRIG},
    {"FNOP", 0xd9, 0xd0, FORM_FIXED, 0, 0, 0, 0, CC_NONE},
    {"FLD sti", 0xd9, 0xc0, FORM_STI, 0, 0, 0, OP_PUSH, CC_ARITH},
    {"FXCH", 0xd9, 0xc8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FST sti", 0xdd, 0xd0, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FSTP sti", 0xdd, 0xd8, FORM_STI, 0, 0, 0, 0, CC_ARITH},
    {"FFREE", 0xdd, 0xc0, FORM_STI, 0, 0, 0, 0, CC_NONE},
    {"FLD m32", 0xd9, 0 << 3, FORM_MEM, MEM_F32, 0, 0, OP_PUSH, CC_ARITH},
    {"FST m32", 0xd9, 2 << 3, FORM_MEM, MEM_NONE, 0, 0, 0, CC_ARITH},
    {"FSTP m32", 0xd9, 3 << 3, FORM_MEM, MEM_NONE, 0, 0, 0, CC_ARITH},
    {"FLD m64", 0xdd, 0 << 3, FORM_MEM, MEM_F64, 0, 0, OP_PUSH, CC_ARITH},
    {"FST m64", 0xdd, 2 << 3, FORM_MEM, MEM_NONE, 0, 0, 0, CC_ARITH},
    {"FSTP m64", 0xdd, 3 << 3, FORM_MEM, MEM_NONE, 0, 0, 0, CC_ARITH},
    {"FLD m80", 0xdb, 5 << 3, FORM_MEM, MEM_F80, 0, 0, OP_PUSH, CC_ARITH},
    {"FSTP m80", 0xdb, 7 << 3, FORM_MEM, MEM_NONE, 0, 0, 0, CC_ARITH},
    {"FILD m16", 0xdf, 0 << 3, FORM_MEM, MEM_I16, 0, 0, OP_PUSH, CC_ARITH},
    {"FIST m16", 0xdf, 2 << 3, FORM_MEM, MEM_NONE, DOM_INT_EDGE, 0, 0, CC_ARITH},
    {"FISTP m16", 0xdf, 3 << 3, FORM_MEM, MEM_NONE, DOM_INT_EDGE, 0, 0, CC_ARITH},
    {"FILD m32", 0xdb, 0 << 3, FORM_MEM, MEM_I32, 0, 0, OP_PUSH, CC_ARITH},
    {"FIST m32", 0xdb, 2 << 3, FORM_MEM, MEM_NONE, DOM_INT_EDGE, 0, 0, CC_ARITH},
    {"FISTP m32", 0xdb, 3 << 3, FORM_MEM, MEM_NONE, DOM_INT_EDGE, 0, 0, CC_ARITH},
    {"FILD m64", 0xdf, 5 << 3, FORM_MEM, MEM_I64, 0, 0, OP_PUSH, CC_ARITH},
    {"FISTP m64", 0xdf, 7 << 3, FORM_MEM, MEM_NONE, DOM_INT_EDGE, 0, 0, CC_ARITH},
    {"FBLD", 0xdf, 4 << 3, FORM_MEM, MEM_BCD, 0, 0, OP_PUSH, CC_ARITH},
    {"FBSTP", 0xdf, 6 << 3, FORM_MEM, MEM_NONE, DOM_INT_EDGE, 0, 0, CC_ARITH},
    {"FLDCW", 0xd9, 5 << 3, FORM_MEM, MEM_CW, 0, 0, 0, CC_NONE},
    {"FNSTCW", 0xd9, 7 << 3, FORM_MEM, MEM_NONE, 0, 0, 0, CC_NONE},
    {"FNSTSW m16", 0xdd, 7 << 3, FORM_MEM, MEM_NONE, 0, 0, 0, CC_NONE},
    {"FNCLEX", 0xdb, 0xe2, FORM_FIXED, 0, 0, 0, 0, CC_NONE},
    {"FNINIT", 0xdb, 0xe3, FORM_FIXED, 0, 0, 0, 0, CC_ALL},
};
#define NOPS (sizeof ops / sizeof ops[0])

/* Out of every hundred cases, this many are sequences of 2-5 instructions
 * (stack overflow and underflow, pending exceptions meeting waiting
 * instructions, control word changes mid-way). */
#define SEQUENCE_PCT 10

unsigned xd_tag_of(struct xd_ext v)
{
    unsigned exp = v.se & 0x7fff;
    if (exp == 0 && v.mant == 0)
        return 1;
    if (exp == 0 || exp == 0x7fff || !(v.mant >> 63))
        return 2;
    return 0;
}

static uint16_t random_cw(struct xd_rng *r, bool unmask)
{
    static const uint16_t pcs[3] = {0, 2, 3}; /* 1 is reserved */
    uint16_t masks = FSW_EXC;
    if (unmask)
        masks = (uint16_t)(xd_rng_next(r) & FSW_EXC);
    return (uint16_t)(0x40 | masks | pcs[xd_rng_below(r, 3)] << 8 | xd_rng_below(r, 4) << 10);
}

static void put_mem(struct xd_rng *r, uint8_t *m, enum mem_type type)
{
    uint64_t v = 0;
    unsigned len = 8;
    switch (type) {
    case MEM_F32: v = gen_f32(r); len = 4; break;
    case MEM_F64: v = gen_f64(r); break;
    case MEM_I16: v = gen_int(r, 16); len = 2; break;
    case MEM_I32: v = gen_int(r, 32); len = 4; break;
    case MEM_I64: v = gen_int(r, 64); break;
    case MEM_CW: v = random_cw(r, xd_rng_pct(r, 30)); len = 2; break;
    case MEM_F80: {
        struct xd_ext e = gen_ext(r);
        v = e.mant;
        m[8] = (uint8_t)e.se;
        m[9] = (uint8_t)(e.se >> 8);
        break;
    }
    case MEM_BCD: gen_bcd(r, m); return;
    default: return;
    }
    for (unsigned i = 0; i < len; i++)
        m[i] = (uint8_t)(v >> (8 * i));
}

/* Appends op's bytes, with a random ST(i) for the register forms. */
static void emit(struct xd_rng *r, struct xd_case *c, const struct op *op)
{
    uint8_t b2 = op->byte2;
    if (op->form == FORM_STI)
        b2 = (uint8_t)(b2 + xd_rng_below(r, 8));
    else if (op->form == FORM_MEM)
        b2 = (uint8_t)(b2 | 3); /* [EBX] */
    c->code[c->code_len++] = op->opcode;
    c->code[c->code_len++] = b2;
}

void gen_test(uint64_t seed, struct xd_test *t)
{
    struct xd_rng rng = {seed};
    struct xd_rng *r = &rng;
    memset(t, 0, sizeof *t);
    t->seed = seed;
    struct xd_case *c = &t->c;

    bool unmask = xd_rng_pct(r, 10);
    c->fpu.fcw = random_cw(r, unmask);
    unsigned top = xd_rng_below(r, 8);
    uint16_t sticky = xd_rng_pct(r, 25) ? (uint16_t)(xd_rng_next(r) & (FSW_EXC | FSW_SF)) : 0;
    sticky &= (uint16_t)(c->fpu.fcw & FSW_EXC) | FSW_SF; /* nothing pending yet */
    c->fpu.fsw = (uint16_t)(top << 11 | (xd_rng_next(r) & FSW_CC) | sticky);
    c->eflags = (uint32_t)xd_rng_next(r) & XD_ARITH_FLAGS;
    for (unsigned i = 0; i < XD_MEM_SIZE; i++)
        c->mem[i] = (uint8_t)xd_rng_next(r);

    const struct op *seq[XD_MAX_PARTS];
    unsigned n = 1;
    bool sequence = xd_rng_pct(r, SEQUENCE_PCT);
    if (sequence) {
        n = 2 + xd_rng_below(r, XD_MAX_PARTS - 1);
        for (unsigned k = 0; k < n; k++)
            do
                seq[k] = &ops[xd_rng_below(r, NOPS)];
            while (seq[k]->flags & OP_TRANS);
        t->name = "sequence";
    } else {
        seq[0] = &ops[xd_rng_below(r, NOPS)];
        t->name = seq[0]->name;
        if (seq[0]->flags & OP_TRANS) {
            t->flags |= XD_TRANSCENDENTAL;
            /* PE starts clear, so that whether the instruction rounded
             * its result (and C1 says which way) can be told after it. */
            c->fpu.fsw &= (uint16_t)~FSW_PE;
        }
    }

    /* Registers: ST(i) is R((TOP + i) mod 8). */
    const struct op *first = seq[0];
    unsigned empty_pct = sequence ? 35 : 8;
    struct xd_ext st[8];
    bool empty[8];
    for (unsigned i = 0; i < 8; i++) {
        st[i] = gen_ext(r);
        empty[i] = xd_rng_pct(r, empty_pct);
    }
    st[0] = gen_ext_in(r, first->dom0);
    st[1] = gen_ext_in(r, first->dom1);
    if (first->flags & OP_PUSH)
        empty[7] = xd_rng_pct(r, 75);
    if (first->flags & OP_REM) {
        /* Exponent differences past 63 leave the reduction incomplete. */
        if ((st[1].se & 0x7fff) < 0x7f00 && xd_rng_pct(r, 50))
            st[0].se = (uint16_t)((st[0].se & 0x8000) | ((st[1].se & 0x7fff) + xd_rng_below(r, 100)));
    }
    uint16_t ftw = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned phys = (top + i) & 7;
        xd_reg_set(&c->fpu, phys, st[i]);
        ftw = (uint16_t)(ftw | (empty[i] ? 3u : xd_tag_of(st[i])) << (2 * phys));
    }
    c->fpu.ftw = ftw;

    bool mem_set = false;
    for (unsigned k = 0; k < n; k++) {
        const struct op *op = seq[k];
        emit(r, c, op);
        t->parts[t->nparts++] = op->name;
        if (op->mem != MEM_NONE && !mem_set) {
            put_mem(r, c->mem + XD_MEM_BIAS, op->mem);
            mem_set = true;
        }
        t->cc_undef = (uint16_t)((t->cc_undef & ~op->cc_def) | op->cc_undef);
        uint16_t vendor = op->flags & OP_CMP ? FSW_C0 | FSW_C2 | FSW_C3 : op->flags & OP_COMI ? FSW_C1 : 0;
        t->cc_amd = (uint16_t)((t->cc_amd & ~op->cc_def) | vendor);
        if (op->flags & OP_COMI)
            t->flags |= XD_COMI;
    }
    if ((c->fpu.fcw & FSW_EXC) != FSW_EXC && xd_rng_pct(r, 60)) {
        c->code[c->code_len++] = 0x9b; /* FWAIT: delivers what is pending as #MF */
        t->flags |= XD_WAITS;
    }
}
