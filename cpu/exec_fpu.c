/*
 * The x87 FPU instructions: the D8..DF escapes, WAIT, FXSAVE and FXRSTOR
 * (SDM vol. 1, chapter 8; vol. 2, the F* instruction pages).
 *
 * The arithmetic is cpu/fx80.h's. This file adds the register stack and
 * its tags, the condition codes, the stack faults, the responses to
 * unmasked exceptions (the destination is left alone and FSW.ES set,
 * to be taken by the next waiting instruction), and the pointers to the
 * last instruction. Every instruction reads its memory operand and
 * checks that its memory destination can be written before it changes
 * the FPU, so a fault leaves the FPU as it was.
 */
#include "exec.h"
#include "fault.h"
#include "flags.h"
#include "fpu.h"
#include "seg.h"

/* ------------------------------------------------------------------ */
/* The register stack. */

static bool st_empty(const struct fpu *f, unsigned i)
{
    return fpu_tag(f, fpu_phys(f, i)) == TAG_EMPTY;
}

static struct fx80 st_get(const struct fpu *f, unsigned i)
{
    return fx80_of_reg(f->r[fpu_phys(f, i)]);
}

static void st_set(struct fpu *f, unsigned i, struct fx80 v)
{
    unsigned p = fpu_phys(f, i);
    f->r[p] = reg_of_fx80(v);
    fpu_set_tag(f, p, fpu_tag_of(f->r[p]));
}

static void fpu_push(struct fpu *f, struct fx80 v)
{
    fpu_set_top(f, fpu_top(f) - 1);
    st_set(f, 0, v);
}

static void fpu_pop(struct fpu *f)
{
    fpu_set_tag(f, fpu_phys(f, 0), TAG_EMPTY);
    fpu_set_top(f, fpu_top(f) + 1);
}

/* A push needs ST(7), the register below TOP, to be empty. */
static bool push_overflows(const struct fpu *f)
{
    return !st_empty(f, 7);
}

/* ------------------------------------------------------------------ */
/* Exceptions and condition codes. */

static uint16_t unmasked(const struct fpu *f, uint16_t flags)
{
    return flags & ~f->fcw & FX_EXCEPTIONS;
}

/* The flags an operation raised join the sticky ones in FSW. */
static void raise_flags(struct fpu *f, uint16_t flags)
{
    f->fsw |= flags & (FX_EXCEPTIONS | FX_SF);
}

/* A stack fault (SDM vol. 1, 8.5.1.1): IE and SF, C1 telling overflow
 * from underflow. */
static uint16_t stack_fault(struct fpu *f, bool overflow)
{
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (overflow ? FSW_C1 : 0));
    return FX_IE | FX_SF;
}

/* Pre-computation exceptions that, unmasked, leave every destination
 * alone (SDM vol. 1, 4.9.2): invalid operation, denormal operand, zero
 * divide. A memory destination is not written on unmasked overflow or
 * underflow either (SDM vol. 1, 8.5.4 and 8.5.5). Loads and compares
 * complete despite an unmasked denormal operand (cpu/fx80.h). */
#define FX_NO_RESULT (FX_IE | FX_DE | FX_ZE)
#define FX_NO_STORE (FX_NO_RESULT | FX_OE | FX_UE)

/* A NaN's quiet bit, below the explicit integer bit (SDM vol. 1, 4.8.3.4). */
#define FX80_QUIET_BIT (1ull << 62)

/* After an operation that rounds: an unmasked invalid operand, denormal
 * operand or zero divide stops it before it has a result, so it reports
 * no overflow, underflow or precision; otherwise C1 tells whether the
 * result was rounded up. */
static void set_c1_rounding(struct fpu *f, struct fx80_env *env)
{
    if (unmasked(f, env->flags) & FX_NO_RESULT)
        env->flags &= (uint16_t)~(FX_OE | FX_UE | FX_PE);
    bool up = env->c1 && (env->flags & FX_PE) && !(env->flags & FX_SF);
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (up ? FSW_C1 : 0));
}

static void set_cc(struct fpu *f, uint16_t mask, uint16_t cc)
{
    f->fsw = (uint16_t)((f->fsw & ~mask) | cc);
}

/* FSW.ES (and B, which mirrors it) summarize the flags the control word
 * leaves unmasked, after every instruction: a control word load that
 * unmasks a flag already set makes it pending (SDM vol. 2, FLDCW), and
 * the masking of FNSTENV clears ES. FERR# drops when ES clears. */
static void update_summary(struct cpu *cpu, bool was_pending)
{
    struct fpu *f = &cpu->fpu;
    if (unmasked(f, f->fsw))
        f->fsw |= FSW_ES | FSW_B;
    else
        f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
    if (was_pending && !(f->fsw & FSW_ES) && cpu->ferr.set)
        cpu->ferr.set(cpu->ferr.opaque, false);
}

void fpu_check_pending(struct cpu *cpu)
{
    if (!(cpu->fpu.fsw & FSW_ES))
        return;
    if (cpu->cr0 & CR0_NE)
        cpu_fault(cpu, EXC_MF, 0);
    /* MS-DOS compatible reporting: the board turns FERR# into IRQ 13
     * and the instruction goes on, as with IGNNE# asserted. */
    if (cpu->ferr.set)
        cpu->ferr.set(cpu->ferr.opaque, true);
}

/* The control word keeps its defined fields (SDM vol. 1, 8.1.5, figure
 * 8-6); reserved bit 6 reads as 1 and bits 13..15 as 0. */
static uint16_t control_word(uint16_t v)
{
    return (uint16_t)((v & 0x1f3fu) | 0x0040u);
}

/* ------------------------------------------------------------------ */
/* Memory operands. */

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}
static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}
static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static unsigned chunk_size(unsigned left)
{
    return left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

static void read_mem(struct cpu *cpu, const struct insn *in, uint8_t *buf, unsigned n)
{
    uint32_t off = ea_offset(cpu, in);
    for (unsigned i = 0; i < n;) {
        unsigned c = chunk_size(n - i);
        uint32_t v = vread(cpu, in->seg, off + i, c);
        for (unsigned k = 0; k < c; k++)
            buf[i + k] = (uint8_t)(v >> (8 * k));
        i += c;
    }
}

/* The whole destination is checked before the first byte is written. */
static void write_mem(struct cpu *cpu, const struct insn *in, const uint8_t *buf, unsigned n)
{
    uint32_t off = ea_offset(cpu, in);
    vprobe_write(cpu, in->seg, off, n);
    for (unsigned i = 0; i < n;) {
        unsigned c = chunk_size(n - i);
        uint32_t v = 0;
        for (unsigned k = 0; k < c; k++)
            v |= (uint32_t)buf[i + k] << (8 * k);
        vwrite(cpu, in->seg, off + i, v, c);
        i += c;
    }
}

enum mem_kind { M_F32, M_F64, M_F80, M_I16, M_I32, M_I64, M_BCD };
static const uint8_t mem_size[] = { 4, 8, 10, 2, 4, 8, 10 };

static struct fx80 load_operand(struct cpu *cpu, const struct insn *in, enum mem_kind kind,
                                struct fx80_env *env)
{
    uint8_t b[10];
    read_mem(cpu, in, b, mem_size[kind]);
    switch (kind) {
    case M_F32:
        return fx80_from_f32(le32(b), env);
    case M_F64:
        return fx80_from_f64(le64(b), env);
    case M_F80: /* loaded as it is, without exceptions (SDM vol. 2, FLD) */
        return (struct fx80){ le64(b), le16(b + 8) };
    case M_I16:
        return fx80_from_int((int16_t)le16(b));
    case M_I32:
        return fx80_from_int((int32_t)le32(b));
    case M_I64:
        return fx80_from_int((int64_t)le64(b));
    default:
        return fx80_from_bcd(b);
    }
}

static void encode_operand(struct fx80 v, enum mem_kind kind, uint8_t *b, struct fx80_env *env)
{
    switch (kind) {
    case M_F32:
        put32(b, fx80_to_f32(v, env));
        break;
    case M_F64:
        put64(b, fx80_to_f64(v, env));
        break;
    case M_F80:
        put64(b, v.mant);
        put16(b + 8, v.sign_exp);
        break;
    case M_I16:
        put16(b, (uint32_t)fx80_to_int(v, 16, env));
        break;
    case M_I32:
        put32(b, (uint32_t)fx80_to_int(v, 32, env));
        break;
    case M_I64:
        put64(b, (uint64_t)fx80_to_int(v, 64, env));
        break;
    default:
        fx80_to_bcd(v, b, env);
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Loads and stores. */

/* Push v, or the real indefinite after a stack fault (masked response). */
static void load_value(struct fpu *f, struct fx80 v, uint16_t flags, bool src_empty)
{
    f->fsw &= (uint16_t)~FSW_C1;
    if (src_empty || push_overflows(f)) {
        flags = stack_fault(f, !src_empty);
        v = fx80_indefinite;
    }
    raise_flags(f, flags);
    if (unmasked(f, flags) & FX_IE)
        return;
    fpu_push(f, v);
}

static void store_mem(struct cpu *cpu, const struct insn *in, enum mem_kind kind, bool pop)
{
    struct fpu *f = &cpu->fpu;
    struct fx80_env env = { f->fcw, 0, false };
    uint8_t b[10];
    if (st_empty(f, 0)) {
        /* The masked response stores the indefinite of the format, which
         * is what converting the real indefinite gives. */
        struct fx80_env quiet = { FCW_INIT, 0, false };
        encode_operand(fx80_indefinite, kind, b, &quiet);
        env.flags = FX_IE | FX_SF;
    } else {
        encode_operand(st_get(f, 0), kind, b, &env);
    }
    bool store = !(unmasked(f, env.flags) & FX_NO_STORE);
    if (store)
        write_mem(cpu, in, b, mem_size[kind]);
    set_c1_rounding(f, &env);
    raise_flags(f, env.flags);
    if (store && pop)
        fpu_pop(f);
}

/* FLD, FILD, FBLD from memory; FST(P), FIST(P), FBSTP, FSTP m80 to it. The
 * format follows from the escape and ModRM.reg (SDM vol. 2, appendix
 * A.5.3): /0 /4 /5 load, /2 stores, /3 /6 /7 store and pop. */
static enum mem_kind transfer_kind(const struct insn *in)
{
    switch (in->sub) {
    case 1: /* D9 */
        return M_F32;
    case 3: /* DB */
        return in->reg >= 5 ? M_F80 : M_I32;
    case 5: /* DD */
        return M_F64;
    default: /* DF */
        return in->reg == 4 || in->reg == 6 ? M_BCD : in->reg >= 5 ? M_I64 : M_I16;
    }
}

static void op_load_mem(struct cpu *cpu, const struct insn *in)
{
    struct fx80_env env = { cpu->fpu.fcw, 0, false };
    struct fx80 v = load_operand(cpu, in, transfer_kind(in), &env);
    load_value(&cpu->fpu, v, env.flags, false);
}

static void op_store_mem(struct cpu *cpu, const struct insn *in)
{
    store_mem(cpu, in, transfer_kind(in), in->reg != 2);
}

/* D9 C0+i: FLD ST(i). */
static void op_fld_st(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    load_value(f, st_get(f, in->rm), 0, st_empty(f, in->rm));
}

/* FST/FSTP ST(i): DD D0+i and D8+i, with the aliases D9 D8+i, DF D0+i
 * and DF D8+i, which pop. */
static void op_fst_st(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    bool pop = !(in->sub == 5 && in->reg == 2);
    struct fx80 v = st_get(f, 0);
    f->fsw &= (uint16_t)~FSW_C1;
    if (st_empty(f, 0)) {
        raise_flags(f, stack_fault(f, false));
        if (!(f->fcw & FX_IE))
            return;
        v = fx80_indefinite;
    }
    st_set(f, in->rm, v);
    if (pop)
        fpu_pop(f);
}

/* D9 E8..EE: FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ. */
static void op_fld_const(struct cpu *cpu, const struct insn *in)
{
    static const enum fx80_const which[7] = {
        FX80_ONE, FX80_L2T, FX80_L2E, FX80_PI, FX80_LG2, FX80_LN2, FX80_ZERO_C,
    };
    struct fpu *f = &cpu->fpu;
    load_value(f, fx80_const(which[in->rm], f->fcw), 0, false);
}

/* ------------------------------------------------------------------ */
/* Arithmetic. */

/* kind is ModRM.reg of the D8 forms: 0 add, 1 mul, 4 dest - src,
 * 5 src - dest, 6 dest / src, 7 src / dest. */
static struct fx80 arith(unsigned kind, struct fx80 dest, struct fx80 src, struct fx80_env *env)
{
    switch (kind) {
    case 0:
        return fx80_add(dest, src, env);
    case 1:
        return fx80_mul(dest, src, env);
    case 4:
        return fx80_sub(dest, src, env);
    case 5:
        return fx80_sub(src, dest, env);
    case 6:
        return fx80_div(dest, src, env);
    default:
        return fx80_div(src, dest, env);
    }
}

/* ST(dest) = ST(dest) op src, then maybe pop. */
static void arith_to(struct fpu *f, unsigned kind, unsigned dest, struct fx80 src, bool src_empty,
                     struct fx80_env *env, bool pop)
{
    struct fx80 r;
    if (src_empty || st_empty(f, dest)) {
        env->flags = stack_fault(f, false);
        r = fx80_indefinite;
    } else {
        r = arith(kind, st_get(f, dest), src, env);
        set_c1_rounding(f, env);
    }
    raise_flags(f, env->flags);
    if (unmasked(f, env->flags) & FX_NO_RESULT)
        return;
    st_set(f, dest, r);
    if (pop)
        fpu_pop(f);
}

/* FCOM, FUCOM, FICOM, FTST: C3 C2 C0 = 000 (>), 001 (<), 100 (=),
 * 111 (unordered); C1 cleared. An unmasked invalid or denormal operand
 * still sets the condition codes (unordered for an invalid one), but
 * nothing is popped. */
#define COMPARE_ABORTED (-2)

static int compare(struct fpu *f, struct fx80 src, bool src_empty, bool quiet, bool into_eflags,
                   struct fx80_env *env)
{
    int r;
    if (src_empty || st_empty(f, 0)) {
        env->flags = stack_fault(f, false);
        r = FX80_UNORDERED;
    } else {
        r = fx80_compare(st_get(f, 0), src, quiet, env);
        /* FCOMI changes C1 only on a stack fault. */
        if (!into_eflags)
            f->fsw &= (uint16_t)~FSW_C1;
    }
    raise_flags(f, env->flags);
    return unmasked(f, env->flags) & FX_IE ? COMPARE_ABORTED : r;
}

static void compare_cc(struct fpu *f, struct fx80 src, bool src_empty, bool quiet,
                       struct fx80_env *env, unsigned pops)
{
    int r = compare(f, src, src_empty, quiet, false, env);
    bool pop = r != COMPARE_ABORTED && !(unmasked(f, env->flags) & FX_DE);
    if (r == COMPARE_ABORTED)
        r = FX80_UNORDERED;
    uint16_t cc = r == FX80_UNORDERED ? FSW_C3 | FSW_C2 | FSW_C0 : r < 0 ? FSW_C0
                : r == 0 ? FSW_C3 : 0;
    set_cc(f, FSW_C3 | FSW_C2 | FSW_C0, cc);
    while (pop && pops--)
        fpu_pop(f);
}

/* D8, DA, DC, DE with a memory operand: m32fp, m32int, m64fp, m16int.
 * An SNaN operand enters the operation as the SNaN it is, so that the
 * operation's NaN rules pick the result (SDM vol. 1, table 4-7). Its
 * denormal operand exception yields to a NaN or unsupported ST(0) (SDM
 * vol. 1, 4.9.2, exception priority) and, unmasked, stops arithmetic
 * before it starts; compares complete (cpu/fx80.h). */
static void op_arith_mem(struct cpu *cpu, const struct insn *in)
{
    static const enum mem_kind kinds[8] = { [0] = M_F32, [2] = M_I32, [4] = M_F64, [6] = M_I16 };
    struct fpu *f = &cpu->fpu;
    struct fx80_env load = { f->fcw, 0, false };
    struct fx80 src = load_operand(cpu, in, kinds[in->sub], &load);
    struct fx80_env env = { f->fcw, 0, false };
    enum fx80_class dest_class = fx80_classify(st_get(f, 0));
    bool dest_nan = !st_empty(f, 0) && (dest_class == FX80_NAN || dest_class == FX80_UNSUPPORTED);
    if ((load.flags & FX_IE) && fx80_classify(src) == FX80_NAN)
        src.mant &= ~FX80_QUIET_BIT;
    else if ((load.flags & FX_DE) && !dest_nan)
        env.flags |= FX_DE;
    /* A zero divisor outranks the denormal dividend, as it does for
     * register operands. */
    if (in->reg == 7 && !st_empty(f, 0) && fx80_classify(st_get(f, 0)) == FX80_ZERO)
        env.flags &= (uint16_t)~FX_DE;
    if (in->reg == 2 || in->reg == 3) {
        compare_cc(f, src, false, false, &env, in->reg == 3);
    } else if (!st_empty(f, 0) && (unmasked(f, env.flags) & FX_DE)) {
        f->fsw &= (uint16_t)~FSW_C1;
        raise_flags(f, env.flags);
    } else {
        arith_to(f, in->reg, 0, src, false, &env, false);
    }
}

/* D8 C0+i: ST(0) = ST(0) op ST(i). DC and DE: ST(i) = ST(i) op ST(0), the
 * reversed forms swapped in the encoding (SDM vol. 2, FSUB: DC E8+i is
 * FSUB ST(i), ST(0)); DE pops. */
static void op_arith_st(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    struct fx80_env env = { f->fcw, 0, false };
    if (in->sub == 0) {
        arith_to(f, in->reg, 0, st_get(f, in->rm), st_empty(f, in->rm), &env, false);
    } else {
        unsigned kind = in->reg >= 4 ? in->reg ^ 1u : in->reg;
        arith_to(f, kind, in->rm, st_get(f, 0), st_empty(f, 0), &env, in->sub == 6);
    }
}

/* FCOM/FCOMP ST(i) (D8 D0/D8, aliases DC D0/D8 and DE D0), FUCOM/FUCOMP
 * (DD E0/E8). */
static void op_fcom_st(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    struct fx80_env env = { f->fcw, 0, false };
    bool pop = in->sub == 6 || (in->reg & 1);
    compare_cc(f, st_get(f, in->rm), st_empty(f, in->rm), in->sub == 5, &env, pop);
}

/* FCOMPP (DE D9), FUCOMPP (DA E9). */
static void op_fcompp(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    struct fx80_env env = { f->fcw, 0, false };
    compare_cc(f, st_get(f, 1), st_empty(f, 1), in->sub == 2, &env, 2);
}

/* FCOMI/FUCOMI (DB F0/E8), FCOMIP/FUCOMIP (DF F0/E8): ZF PF CF as
 * after an unsigned compare, unordered sets all three; OF SF AF clear
 * (SDM vol. 2, FCOMI). Unmasked exceptions keep the operand, as with FCOM. */
static void op_fcomi(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    struct fx80_env env = { f->fcw, 0, false };
    int r = compare(f, st_get(f, in->rm), st_empty(f, in->rm), in->reg == 5, true, &env);
    bool pop = in->sub == 7 && r != COMPARE_ABORTED && !(unmasked(f, env.flags) & FX_DE);
    if (r == COMPARE_ABORTED)
        r = FX80_UNORDERED;
    uint32_t fl = r == FX80_UNORDERED ? FL_ZF | FL_PF | FL_CF : r < 0 ? FL_CF : r == 0 ? FL_ZF : 0;
    flags_set_arith(cpu, fl);
    if (pop)
        fpu_pop(f);
}

/* FTST: ST(0) against +0.0, an ordered compare. */
static void op_ftst(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    struct fpu *f = &cpu->fpu;
    struct fx80_env env = { f->fcw, 0, false };
    compare_cc(f, fx80_from_int(0), false, false, &env, 0);
}

/* FXAM: the class of ST(0) in C3 C2 C0, its sign in C1 (SDM vol. 2, FXAM). */
static void op_fxam(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    static const uint16_t class_cc[] = {
        [FX80_UNSUPPORTED] = 0,
        [FX80_NAN] = FSW_C0,
        [FX80_NORMAL] = FSW_C2,
        [FX80_INFINITY] = FSW_C2 | FSW_C0,
        [FX80_ZERO] = FSW_C3,
        [FX80_DENORMAL] = FSW_C3 | FSW_C2,
    };
    struct fpu *f = &cpu->fpu;
    struct fx80 v = st_get(f, 0);
    uint16_t cc = st_empty(f, 0) ? FSW_C3 | FSW_C0 : class_cc[fx80_classify(v)];
    if (v.sign_exp & 0x8000)
        cc |= FSW_C1;
    set_cc(f, FSW_CC, cc);
}

/* FCMOVcc (DA/DB C0..DF): B E BE U, and their negations in DB. */
static void op_fcmov(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    uint32_t fl = flags_compute(cpu);
    bool cond;
    switch (in->reg) {
    case 0:
        cond = fl & FL_CF;
        break;
    case 1:
        cond = fl & FL_ZF;
        break;
    case 2:
        cond = fl & (FL_CF | FL_ZF);
        break;
    default:
        cond = fl & FL_PF;
        break;
    }
    if (in->sub == 3)
        cond = !cond;
    /* C1 changes only on a stack fault. */
    if (st_empty(f, 0) || st_empty(f, in->rm)) {
        raise_flags(f, stack_fault(f, false));
        if (f->fcw & FX_IE)
            st_set(f, 0, fx80_indefinite);
        return;
    }
    if (cond)
        st_set(f, 0, st_get(f, in->rm));
}

/* FXCH ST(i) (D9 C8+i, aliases DD C8+i and DF C8+i). Empty operands
 * become the real indefinite when invalid operation is masked. */
static void op_fxch(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    f->fsw &= (uint16_t)~FSW_C1;
    struct fx80 a = st_get(f, 0), b = st_get(f, in->rm);
    bool a_empty = st_empty(f, 0), b_empty = st_empty(f, in->rm);
    if (a_empty || b_empty) {
        raise_flags(f, stack_fault(f, false));
        if (!(f->fcw & FX_IE))
            return;
        if (a_empty)
            a = fx80_indefinite;
        if (b_empty)
            b = fx80_indefinite;
    }
    st_set(f, 0, b);
    st_set(f, in->rm, a);
}

/* ------------------------------------------------------------------ */
/* One-operand and two-operand functions of D9 E0..FF. */

enum unary_op { U_CHS, U_ABS, U_SQRT, U_RNDINT, U_F2XM1, U_SIN, U_COS };

/* ST(0) = op(ST(0)). FSIN and FCOS report an operand out of range
 * (|x| >= 2^63) in C2 and leave it alone. */
static void unary(struct fpu *f, enum unary_op op)
{
    struct fx80_env env = { f->fcw, 0, false };
    bool out_of_range = false;
    struct fx80 a = st_get(f, 0), r = a;
    if (st_empty(f, 0)) {
        env.flags = stack_fault(f, false);
        r = fx80_indefinite;
    } else {
        switch (op) {
        case U_CHS:
            r.sign_exp ^= 0x8000;
            break;
        case U_ABS:
            r.sign_exp &= 0x7fff;
            break;
        case U_SQRT:
            r = fx80_sqrt(a, &env);
            break;
        case U_RNDINT:
            r = fx80_round_int(a, &env);
            break;
        case U_F2XM1:
            r = fx80_f2xm1(a, &env);
            break;
        case U_SIN:
            r = fx80_sin(a, &out_of_range, &env);
            break;
        case U_COS:
            r = fx80_cos(a, &out_of_range, &env);
            break;
        }
        set_c1_rounding(f, &env);
    }
    if (op == U_SIN || op == U_COS)
        set_cc(f, FSW_C2, out_of_range ? FSW_C2 : 0);
    if (out_of_range)
        return;
    raise_flags(f, env.flags);
    if (unmasked(f, env.flags) & FX_NO_RESULT)
        return;
    st_set(f, 0, r);
}

enum split_op { S_TAN, S_SINCOS, S_XTRACT };

/* FPTAN, FSINCOS, FXTRACT: ST(0) is replaced by one result and a second
 * one is pushed (1.0, the cosine, the significand). */
static void split(struct fpu *f, enum split_op op)
{
    struct fx80_env env = { f->fcw, 0, false };
    bool out_of_range = false, cos_out_of_range = false;
    struct fx80 kept = fx80_indefinite, pushed = fx80_indefinite;
    f->fsw &= (uint16_t)~FSW_C1;
    if (st_empty(f, 0) || push_overflows(f)) {
        env.flags = stack_fault(f, !st_empty(f, 0));
    } else {
        struct fx80 a = st_get(f, 0);
        switch (op) {
        case S_TAN:
            /* A NaN result is pushed in place of 1.0 as well. */
            kept = fx80_tan(a, &out_of_range, &env);
            pushed = fx80_classify(kept) == FX80_NAN ? kept : fx80_const(FX80_ONE, f->fcw);
            break;
        case S_SINCOS: {
            kept = fx80_sin(a, &out_of_range, &env);
            bool sin_rounded_up = env.c1;
            pushed = fx80_cos(a, &cos_out_of_range, &env);
            env.c1 = sin_rounded_up;
            break;
        }
        case S_XTRACT:
            kept = fx80_extract(a, &pushed, &env);
            break;
        }
        set_c1_rounding(f, &env);
    }
    if (op != S_XTRACT)
        set_cc(f, FSW_C2, out_of_range ? FSW_C2 : 0);
    if (out_of_range)
        return;
    raise_flags(f, env.flags);
    if (unmasked(f, env.flags) & FX_NO_RESULT)
        return;
    st_set(f, 0, kept);
    fpu_push(f, pushed);
}

enum binary_op { B_PATAN, B_YL2X, B_YL2XP1, B_SCALE, B_PREM, B_PREM1 };

/* FPATAN, FYL2X, FYL2XP1: ST(1) = op(ST(1), ST(0)), then pop. FSCALE,
 * FPREM, FPREM1: ST(0) = op(ST(0), ST(1)). FPREM reports an incomplete
 * reduction in C2 and, when complete, the quotient's low bits Q2 Q1 Q0
 * in C0 C3 C1 (SDM vol. 2, FPREM). */
static void binary(struct fpu *f, enum binary_op op)
{
    struct fx80_env env = { f->fcw, 0, false };
    bool remainder = op == B_PREM || op == B_PREM1;
    unsigned quotient = 0;
    bool incomplete = false;
    struct fx80 r = fx80_indefinite;
    /* FPREM and FPREM1 clear C1 and C2 even when they stop on an
     * exception; C0 and C3 then stay. */
    if (remainder)
        set_cc(f, FSW_C1 | FSW_C2, 0);
    if (st_empty(f, 0) || st_empty(f, 1)) {
        env.flags = stack_fault(f, false);
    } else {
        struct fx80 st0 = st_get(f, 0), st1 = st_get(f, 1);
        switch (op) {
        case B_PATAN:
            r = fx80_atan2(st1, st0, &env);
            break;
        case B_YL2X:
            r = fx80_yl2x(st1, st0, &env);
            break;
        case B_YL2XP1:
            r = fx80_yl2xp1(st1, st0, &env);
            break;
        case B_SCALE:
            r = fx80_scale(st0, st1, &env);
            break;
        case B_PREM:
        case B_PREM1:
            r = fx80_rem(st0, st1, op == B_PREM1, &quotient, &incomplete, &env);
            break;
        }
        set_c1_rounding(f, &env);
    }
    raise_flags(f, env.flags);
    if (unmasked(f, env.flags) & FX_NO_RESULT)
        return;
    /* A NaN result leaves C0 and C3 as they were. */
    if (remainder && !(env.flags & FX_IE) && fx80_classify(r) != FX80_NAN) {
        uint16_t q = (uint16_t)((quotient & 4 ? FSW_C0 : 0) | (quotient & 2 ? FSW_C3 : 0) |
                                (quotient & 1 ? FSW_C1 : 0));
        set_cc(f, FSW_CC, incomplete ? FSW_C2 : q);
    }
    if (op == B_PATAN || op == B_YL2X || op == B_YL2XP1) {
        st_set(f, 1, r);
        fpu_pop(f);
    } else {
        st_set(f, 0, r);
    }
}

/* D9 E0..FF. */
static void op_d9_function(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    switch ((in->reg << 3) | in->rm) {
    case 040: unary(f, U_CHS); break;
    case 041: unary(f, U_ABS); break;
    case 060: unary(f, U_F2XM1); break;
    case 061: binary(f, B_YL2X); break;
    case 062: split(f, S_TAN); break;
    case 063: binary(f, B_PATAN); break;
    case 064: split(f, S_XTRACT); break;
    case 065: binary(f, B_PREM1); break;
    case 070: binary(f, B_PREM); break;
    case 071: binary(f, B_YL2XP1); break;
    case 072: unary(f, U_SQRT); break;
    case 073: split(f, S_SINCOS); break;
    case 074: unary(f, U_RNDINT); break;
    case 075: binary(f, B_SCALE); break;
    case 076: unary(f, U_SIN); break;
    default: unary(f, U_COS); break;
    }
}

/* ------------------------------------------------------------------ */
/* Control instructions. */

static void op_fninit(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    fpu_init(&cpu->fpu);
}

/* FNCLEX clears the exception flags, SF, ES and B; the condition codes
 * and TOP stay. */
static void op_fnclex(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu->fpu.fsw &= (uint16_t)~(0x00ffu | FSW_B);
}

/* FNOP, and FNENI, FNDISI, FNSETPM, which do nothing since the 387. */
static void op_fnop(struct cpu *cpu, const struct insn *in)
{
    (void)cpu;
    (void)in;
}

/* FFREE leaves C1 clear (C0..C3 are undefined, SDM vol. 2, FFREE). */
static void op_ffree(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    f->fsw &= (uint16_t)~FSW_C1;
    fpu_set_tag(f, fpu_phys(f, in->rm), TAG_EMPTY);
    if (in->sub == 7) /* FFREEP */
        fpu_pop(f);
}

static void op_fincdecstp(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    fpu_set_top(f, in->rm == 7 ? fpu_top(f) + 1 : fpu_top(f) - 1);
    f->fsw &= (uint16_t)~FSW_C1;
}

static void op_fldcw(struct cpu *cpu, const struct insn *in)
{
    uint8_t b[2];
    read_mem(cpu, in, b, 2);
    cpu->fpu.fcw = control_word(le16(b));
}

static void op_fnstcw(struct cpu *cpu, const struct insn *in)
{
    uint8_t b[2];
    put16(b, cpu->fpu.fcw);
    write_mem(cpu, in, b, 2);
}

static void op_fnstsw_mem(struct cpu *cpu, const struct insn *in)
{
    uint8_t b[2];
    put16(b, cpu->fpu.fsw);
    write_mem(cpu, in, b, 2);
}

static void op_fnstsw_ax(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    reg_write(cpu, R_EAX, cpu->fpu.fsw, 2);
}

/* ------------------------------------------------------------------ */
/* Environment and state images (SDM vol. 1, 8.1.10, figures 8-9 to 8-12). */

/* The tag word as stored: the tags of non-empty registers follow from
 * their contents. */
static uint16_t stored_tag_word(const struct fpu *f)
{
    uint16_t ftw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned tag = fpu_tag(f, p) == TAG_EMPTY ? TAG_EMPTY : fpu_tag_of(f->r[p]);
        ftw |= (uint16_t)(tag << (2 * p));
    }
    return ftw;
}

/* A loaded tag word only says which registers are empty (SDM vol. 1,
 * 8.1.7). */
static void retag(struct fpu *f, uint16_t loaded)
{
    f->ftw = loaded;
    for (unsigned p = 0; p < 8; p++)
        if (fpu_tag(f, p) != TAG_EMPTY)
            fpu_set_tag(f, p, fpu_tag_of(f->r[p]));
}

static unsigned env_size(const struct insn *in)
{
    return in->osize == 2 ? 14 : 28;
}

/* The unused upper halves of the 32-bit images read as ones. */
#define HIGH_ONES 0xffff0000u

static void env_store(const struct cpu *cpu, const struct insn *in, uint8_t *b)
{
    const struct fpu *f = &cpu->fpu;
    uint16_t ftw = stored_tag_word(f);
    bool o32 = in->osize == 4;
    if (cpu_pmode(cpu)) {
        if (o32) {
            put32(b + 0, HIGH_ONES | f->fcw);
            put32(b + 4, HIGH_ONES | f->fsw);
            put32(b + 8, HIGH_ONES | ftw);
            put32(b + 12, f->fip);
            put32(b + 16, f->fcs | (uint32_t)(f->fop & 0x7ff) << 16);
            put32(b + 20, f->fdp);
            put32(b + 24, HIGH_ONES | f->fds);
        } else {
            uint16_t w[7] = { f->fcw, f->fsw, ftw, (uint16_t)f->fip,
                              f->fcs, (uint16_t)f->fdp, f->fds };
            for (unsigned i = 0; i < 7; i++)
                put16(b + 2 * i, w[i]);
        }
        return;
    }
    /* Real-address and virtual-8086 mode keep linear pointers. */
    uint32_t ip = ((uint32_t)f->fcs << 4) + f->fip;
    uint32_t dp = ((uint32_t)f->fds << 4) + f->fdp;
    if (o32) {
        put32(b + 0, HIGH_ONES | f->fcw);
        put32(b + 4, HIGH_ONES | f->fsw);
        put32(b + 8, HIGH_ONES | ftw);
        put32(b + 12, HIGH_ONES | (ip & 0xffff));
        put32(b + 16, (ip >> 16) << 12 | (f->fop & 0x7ffu));
        put32(b + 20, HIGH_ONES | (dp & 0xffff));
        put32(b + 24, (dp >> 16) << 12);
    } else {
        uint16_t w[7] = { f->fcw, f->fsw, ftw, (uint16_t)ip,
                          (uint16_t)(((ip >> 16) & 0xf) << 12 | (f->fop & 0x7ffu)), (uint16_t)dp,
                          (uint16_t)(((dp >> 16) & 0xf) << 12) };
        for (unsigned i = 0; i < 7; i++)
            put16(b + 2 * i, w[i]);
    }
}

/* Parse an image into *f (the current state, whose registers stay);
 * returns the loaded tag word for retag(). */
static uint16_t env_load(const struct cpu *cpu, const struct insn *in, const uint8_t *b,
                         struct fpu *f)
{
    bool o32 = in->osize == 4;
    unsigned w = o32 ? 4 : 2;
    uint16_t ftw = le16(b + 2 * w);
    f->fcw = control_word(le16(b));
    f->fsw = le16(b + w);
    if (cpu_pmode(cpu)) {
        if (o32) {
            f->fip = le32(b + 12);
            f->fcs = le16(b + 16);
            f->fop = le16(b + 18) & 0x7ff;
            f->fdp = le32(b + 20);
            f->fds = le16(b + 24);
        } else {
            f->fip = le16(b + 6);
            f->fcs = le16(b + 8);
            f->fdp = le16(b + 10);
            f->fds = le16(b + 12);
        }
        return ftw;
    }
    if (o32) {
        f->fip = le16(b + 12) | ((le32(b + 16) >> 12) & 0xffff) << 16;
        f->fop = le16(b + 16) & 0x7ff;
        f->fdp = le16(b + 20) | ((le32(b + 24) >> 12) & 0xffff) << 16;
    } else {
        f->fip = le16(b + 6) | (uint32_t)(le16(b + 8) >> 12) << 16;
        f->fop = le16(b + 8) & 0x7ff;
        f->fdp = le16(b + 10) | (uint32_t)(le16(b + 12) >> 12) << 16;
    }
    f->fcs = f->fds = 0;
    return ftw;
}

static void op_fnstenv(struct cpu *cpu, const struct insn *in)
{
    uint8_t b[28];
    env_store(cpu, in, b);
    write_mem(cpu, in, b, env_size(in));
    /* FNSTENV masks every exception after the store (SDM vol. 2, FSTENV). */
    cpu->fpu.fcw |= FX_EXCEPTIONS;
}

static void op_fldenv(struct cpu *cpu, const struct insn *in)
{
    uint8_t b[28];
    read_mem(cpu, in, b, env_size(in));
    struct fpu f = cpu->fpu;
    retag(&f, env_load(cpu, in, b, &f));
    cpu->fpu = f;
}

/* FNSAVE: the environment, then ST(0)..ST(7), then FNINIT. */
static void op_fnsave(struct cpu *cpu, const struct insn *in)
{
    const struct fpu *f = &cpu->fpu;
    uint8_t b[108];
    unsigned env = env_size(in);
    env_store(cpu, in, b);
    for (unsigned i = 0; i < 8; i++) {
        struct fx80 v = st_get(f, i);
        put64(b + env + 10 * i, v.mant);
        put16(b + env + 10 * i + 8, v.sign_exp);
    }
    write_mem(cpu, in, b, env + 80);
    fpu_init(&cpu->fpu);
}

static void op_frstor(struct cpu *cpu, const struct insn *in)
{
    uint8_t b[108];
    unsigned env = env_size(in);
    read_mem(cpu, in, b, env + 80);
    struct fpu f = cpu->fpu;
    uint16_t ftw = env_load(cpu, in, b, &f);
    for (unsigned i = 0; i < 8; i++)
        f.r[fpu_phys(&f, i)] =
            (struct fpu_reg){ le64(b + env + 10 * i), le16(b + env + 10 * i + 8) };
    retag(&f, ftw);
    cpu->fpu = f;
}

/* ------------------------------------------------------------------ */
/* Dispatch. */

typedef void (*fpu_handler)(struct cpu *cpu, const struct insn *in);

/* How an instruction stands to pending exceptions and the last
 * instruction pointers (SDM vol. 1, 8.1.8 and 8.3.12): non-control
 * instructions wait and are recorded; control instructions wait
 * (FLDCW, FLDENV, FRSTOR, FINCSTP, FDECSTP, FFREE, FNOP) or not (the FN
 * forms), and are not recorded. */
enum esc_kind { ESC_UD, ESC_NUMERIC, ESC_CONTROL, ESC_NO_WAIT };

struct esc_form {
    fpu_handler fn;
    uint8_t kind;
};

#define NUM(fn) { fn, ESC_NUMERIC }
#define CTL(fn) { fn, ESC_CONTROL }
#define NOW(fn) { fn, ESC_NO_WAIT }

/* D8, DA, DC, DE with a memory operand: the eight arithmetic operations on
 * m32fp, m32int, m64fp, m16int. */
#define ARITH_ROW                                                                  \
    {                                                                              \
        NUM(op_arith_mem), NUM(op_arith_mem), NUM(op_arith_mem), NUM(op_arith_mem), \
        NUM(op_arith_mem), NUM(op_arith_mem), NUM(op_arith_mem), NUM(op_arith_mem)  \
    }

static const struct esc_form mem_forms[8][8] = {
    [0] = ARITH_ROW,
    [1] = { [0] = NUM(op_load_mem), [2] = NUM(op_store_mem), [3] = NUM(op_store_mem),
            [4] = CTL(op_fldenv), [5] = CTL(op_fldcw), [6] = NOW(op_fnstenv),
            [7] = NOW(op_fnstcw) },
    [2] = ARITH_ROW,
    [3] = { [0] = NUM(op_load_mem), [2] = NUM(op_store_mem), [3] = NUM(op_store_mem),
            [5] = NUM(op_load_mem), [7] = NUM(op_store_mem) },
    [4] = ARITH_ROW,
    [5] = { [0] = NUM(op_load_mem), [2] = NUM(op_store_mem), [3] = NUM(op_store_mem),
            [4] = CTL(op_frstor), [6] = NOW(op_fnsave), [7] = NOW(op_fnstsw_mem) },
    [6] = ARITH_ROW,
    [7] = { [0] = NUM(op_load_mem), [2] = NUM(op_store_mem), [3] = NUM(op_store_mem),
            [4] = NUM(op_load_mem), [5] = NUM(op_load_mem), [6] = NUM(op_store_mem),
            [7] = NUM(op_store_mem) },
};

/* Register forms (mod = 3), by escape and ModRM.reg, then rm where the
 * row holds different instructions (SDM vol. 2, appendix A.5.3). */
static struct esc_form reg_form(const struct insn *in)
{
    static const struct esc_form ud = { NULL, ESC_UD };
    unsigned reg = in->reg, rm = in->rm;
    switch (in->sub) {
    case 0: /* D8 */
    case 4: /* DC */
        return reg == 2 || reg == 3 ? (struct esc_form)NUM(op_fcom_st)
                                    : (struct esc_form)NUM(op_arith_st);
    case 1: /* D9 */
        switch (reg) {
        case 0:
            return (struct esc_form)NUM(op_fld_st);
        case 1:
            return (struct esc_form)NUM(op_fxch);
        case 2:
            return rm == 0 ? (struct esc_form)CTL(op_fnop) : ud;
        case 3:
            return (struct esc_form)NUM(op_fst_st);
        case 4:
            if (rm == 0 || rm == 1)
                return (struct esc_form)NUM(op_d9_function);
            if (rm == 4)
                return (struct esc_form)NUM(op_ftst);
            if (rm == 5)
                return (struct esc_form)NUM(op_fxam);
            return ud;
        case 5:
            return rm < 7 ? (struct esc_form)NUM(op_fld_const) : ud;
        case 6:
            return rm >= 6 ? (struct esc_form)CTL(op_fincdecstp)
                           : (struct esc_form)NUM(op_d9_function);
        default:
            return (struct esc_form)NUM(op_d9_function);
        }
    case 2: /* DA */
        if (reg < 4)
            return (struct esc_form)NUM(op_fcmov);
        return reg == 5 && rm == 1 ? (struct esc_form)NUM(op_fcompp) : ud;
    case 3: /* DB */
        if (reg < 4)
            return (struct esc_form)NUM(op_fcmov);
        if (reg == 4) {
            if (rm == 2)
                return (struct esc_form)NOW(op_fnclex);
            if (rm == 3)
                return (struct esc_form)NOW(op_fninit);
            return rm == 0 || rm == 1 || rm == 4 ? (struct esc_form)NOW(op_fnop) : ud;
        }
        return reg == 5 || reg == 6 ? (struct esc_form)NUM(op_fcomi) : ud;
    case 5: /* DD */
        switch (reg) {
        case 0:
            return (struct esc_form)CTL(op_ffree);
        case 1:
            return (struct esc_form)NUM(op_fxch);
        case 2:
        case 3:
            return (struct esc_form)NUM(op_fst_st);
        case 4:
        case 5:
            return (struct esc_form)NUM(op_fcom_st);
        default:
            return ud;
        }
    case 6: /* DE */
        if (reg == 2)
            return (struct esc_form)NUM(op_fcom_st);
        if (reg == 3)
            return rm == 1 ? (struct esc_form)NUM(op_fcompp) : ud;
        return (struct esc_form)NUM(op_arith_st);
    default: /* DF */
        switch (reg) {
        case 0:
            return (struct esc_form)CTL(op_ffree);
        case 1:
            return (struct esc_form)NUM(op_fxch);
        case 2:
        case 3:
            return (struct esc_form)NUM(op_fst_st);
        case 4:
            return rm == 0 ? (struct esc_form)NOW(op_fnstsw_ax) : ud;
        case 5:
        case 6:
            return (struct esc_form)NUM(op_fcomi);
        default:
            return ud;
        }
    }
}

/* The last non-control instruction: its address, its opcode (the low
 * three bits of the escape and the ModRM byte) and its memory operand
 * (SDM vol. 1, 8.1.8 and 8.1.9). */
static void record_instruction(struct cpu *cpu, const struct insn *in)
{
    struct fpu *f = &cpu->fpu;
    f->fip = (uint32_t)cpu->insn_eip;
    f->fcs = cpu->seg[SEG_CS].sel;
    f->fop = (uint16_t)(in->sub << 8 | in->mod << 6 | in->reg << 3 | in->rm);
    if (in->mod != 3) {
        f->fdp = ea_offset(cpu, in);
        f->fds = cpu->seg[in->seg].sel;
    }
}

/* D8..DF. CR0.EM asks for emulation and CR0.TS marks the FPU state as
 * another task's: both raise #NM first (SDM vol. 3, 2.5, table 2-2). */
void exec_ESC(struct cpu *cpu, const struct insn *in)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, EXC_NM, 0);
    struct esc_form form = in->mod == 3 ? reg_form(in) : mem_forms[in->sub][in->reg];
    if (form.kind == ESC_UD)
        cpu_fault(cpu, EXC_UD, 0);
    if (form.kind != ESC_NO_WAIT)
        fpu_check_pending(cpu);
    bool was_pending = cpu->fpu.fsw & FSW_ES;
    form.fn(cpu, in);
    if (form.kind == ESC_NUMERIC)
        record_instruction(cpu, in);
    update_summary(cpu, was_pending);
}

/* WAIT/FWAIT: #NM only when both MP and TS are set (SDM vol. 3, table
 * 2-2), then any pending exception. */
void exec_WAIT(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_fault(cpu, EXC_NM, 0);
    fpu_check_pending(cpu);
}

/* ------------------------------------------------------------------ */
/* FXSAVE and FXRSTOR (0F AE /0 and /1; SDM vol. 2, FXSAVE, table 3-53).
 * Without SSE there is no MXCSR or XMM state: MXCSR and MXCSR_MASK are
 * stored as 0 and ignored on restore, and bytes 160..511 are left alone.
 * Neither instruction checks for pending x87 exceptions. */

#define FXSAVE_SIZE 512
#define FXSAVE_USED 160

static void fxsave_checks(struct cpu *cpu, const struct insn *in)
{
    if (cpu->cr0 & CR0_EM)
        cpu_fault(cpu, EXC_UD, 0);
    if (cpu->cr0 & CR0_TS)
        cpu_fault(cpu, EXC_NM, 0);
    if ((cpu->seg[in->seg].base + ea_offset(cpu, in)) & 15)
        cpu_fault(cpu, EXC_GP, 0);
}

void exec_FXSAVE(struct cpu *cpu, const struct insn *in)
{
    fxsave_checks(cpu, in);
    const struct fpu *f = &cpu->fpu;
    uint8_t b[FXSAVE_USED] = { 0 };
    uint8_t abridged = 0;
    for (unsigned p = 0; p < 8; p++)
        if (fpu_tag(f, p) != TAG_EMPTY)
            abridged |= (uint8_t)(1u << p);
    uint32_t mask = in->osize == 2 ? 0xffffu : 0xffffffffu;
    put16(b + 0, f->fcw);
    put16(b + 2, f->fsw);
    b[4] = abridged;
    put16(b + 6, f->fop & 0x7ffu);
    put32(b + 8, f->fip & mask);
    put16(b + 12, f->fcs);
    put32(b + 16, f->fdp & mask);
    put16(b + 20, f->fds);
    for (unsigned i = 0; i < 8; i++) {
        struct fx80 v = st_get(f, i);
        put64(b + 32 + 16 * i, v.mant);
        put16(b + 40 + 16 * i, v.sign_exp);
    }
    vprobe_write(cpu, in->seg, ea_offset(cpu, in), FXSAVE_SIZE);
    write_mem(cpu, in, b, FXSAVE_USED);
}

void exec_FXRSTOR(struct cpu *cpu, const struct insn *in)
{
    fxsave_checks(cpu, in);
    uint8_t b[FXSAVE_SIZE];
    read_mem(cpu, in, b, FXSAVE_SIZE);
    bool was_pending = cpu->fpu.fsw & FSW_ES;
    struct fpu f = cpu->fpu;
    f.fcw = control_word(le16(b + 0));
    f.fsw = le16(b + 2);
    f.fop = le16(b + 6) & 0x7ff;
    f.fip = le32(b + 8);
    f.fcs = le16(b + 12);
    f.fdp = le32(b + 16);
    f.fds = le16(b + 20);
    for (unsigned i = 0; i < 8; i++)
        f.r[fpu_phys(&f, i)] = (struct fpu_reg){ le64(b + 32 + 16 * i), le16(b + 40 + 16 * i) };
    uint16_t ftw = 0;
    for (unsigned p = 0; p < 8; p++)
        if (!(b[4] & (1u << p)))
            ftw |= (uint16_t)(TAG_EMPTY << (2 * p));
    retag(&f, ftw);
    cpu->fpu = f;
    update_summary(cpu, was_pending);
}
