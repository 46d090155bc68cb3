/*
 * The instruction families of the generator: every integer user-mode
 * instruction, in its forms, with the flags it defines or leaves undefined
 * (SDM vol. 2, each instruction's "Flags Affected"). Each family emits one
 * instruction, preceded by guards when its inputs need to be defined or its
 * memory operands need known registers.
 */
#include "gen.h"

#include <string.h>

#define LOW_END (HD_LOW_BASE + HD_LOW_SIZE)
#define DATA_END (HD_DATA_BASE + HD_DATA_SIZE)
#define STACK_END (HD_STACK_BASE + HD_STACK_SIZE)

static unsigned osz(struct gen *g)
{
    return hd_rng_pct(&g->rng, 22) ? 2 : 4;
}

static void pfx_size(struct gen *g, unsigned size)
{
    if (size == 2)
        ins_pfx(g, 0x66);
}

/* LOCK where it is allowed, and rarely where it is not (#UD). */
static void maybe_lock(struct gen *g, const struct opnd *o, bool lockable)
{
    if (o->mem && lockable) {
        if (hd_rng_pct(&g->rng, 25))
            ins_pfx(g, 0xf0);
    } else if (hd_rng_pct(&g->rng, 1)) {
        ins_pfx(g, 0xf0);
    }
}

/* A shift or rotate count: the edges of every operand size. */
static uint8_t rand_count(struct gen *g)
{
    static const uint8_t c[] = {0, 1, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 255};
    if (hd_rng_pct(&g->rng, 20))
        return (uint8_t)hd_rng_u32(&g->rng);
    return c[hd_rng_below(&g->rng, sizeof c)];
}

static bool in_area(const struct gen *g, int64_t lo, int64_t end)
{
    return (lo >= HD_DATA_BASE && end <= DATA_END) || (lo >= HD_STACK_BASE && end <= STACK_END) ||
           (g->cfg->low_mapped && lo >= HD_LOW_BASE && end <= LOW_END);
}

/* The same memory operand delta bytes further on. */
static struct opnd opnd_offset(const struct opnd *o, int32_t delta)
{
    struct opnd r = *o;
    bool absolute = r.mod == 0 && (r.a16 ? r.rm == 6 : (r.rm == 5 || (r.has_sib && (r.sib & 7) == 5)));
    int32_t sv = r.a16 ? (int16_t)r.disp : (r.mod == 1 ? (int8_t)r.disp : (int32_t)r.disp);
    int32_t nv = sv + delta;
    r.lo += (uint32_t)delta;
    r.hi += (uint32_t)delta;
    if (absolute) {
        r.disp = r.a16 ? (uint32_t)nv & 0xffff : (uint32_t)nv;
        return r;
    }
    if (r.mod == 0 || (r.mod == 1 && nv >= -128 && nv <= 127)) {
        r.mod = 1;
        r.disp_len = 1;
        r.disp = (uint32_t)nv;
        if (nv >= -128 && nv <= 127)
            return r;
    }
    r.mod = 2;
    r.disp_len = r.a16 ? 2 : 4;
    r.disp = r.a16 ? (uint32_t)nv & 0xffff : (uint32_t)nv;
    return r;
}

static bool opnd_uses(const struct opnd *o, unsigned r)
{
    static const uint8_t a16_regs[8] = {
        1u << R_BX | 1u << R_SI, 1u << R_BX | 1u << R_DI, 1u << R_BP | 1u << R_SI,
        1u << R_BP | 1u << R_DI, 1u << R_SI, 1u << R_DI, 1u << R_BP, 1u << R_BX,
    };
    if (!o->mem)
        return o->reg == r;
    if (o->a16)
        return !(o->mod == 0 && o->rm == 6) && (a16_regs[o->rm] & (1u << r));
    return o->base == (int)r || o->index == (int)r;
}

/* ALU: ADD OR ADC SBB AND SUB XOR CMP in all eight forms. */
static void fam_alu(struct gen *g)
{
    unsigned op = hd_rng_below(&g->rng, 8);
    bool logic = op == 1 || op == 4 || op == 6;
    bool writes = op != 7;
    unsigned form = hd_rng_below(&g->rng, 10);
    unsigned size = (form == 0 || form == 2 || form == 4 || form == 6 || form == 9) ? 1 : osz(g);
    struct opnd o;
    int r = -1;

    if (op == 2 || op == 3)
        need_flags(g, F_CF);
    if (form == 4 || form == 5)
        need_regs(g, 1u << R_AX);
    ins_begin(g);
    pfx_size(g, size);

    /* XOR r,r and SUB r,r are zero whatever r held. */
    if ((op == 6 || op == 5) && form < 4 && hd_rng_pct(&g->rng, 8)) {
        r = pick_reg(g, size, U_DST);
        if (r < 0)
            return;
        ins_b(g, (uint8_t)(op * 8 + (form & 1) + (form & 2)));
        ins_b(g, (uint8_t)(0xc0 | r << 3 | r));
        ins_end(g, form < 2 ? "ALU_EG" : "ALU_GE");
        if (size == 4)
            st_set(g, (unsigned)r, 0, 0);
        else
            st_write(g, (unsigned)r, size);
        st_flags(g, logic ? F_ARITH & ~F_AF : F_ARITH, logic ? F_AF : 0);
        return;
    }

    const char *name;
    uint32_t imm = 0;
    bool add_imm = false;
    switch (form) {
    case 0:
    case 1:
        if (!pick_rm(g, size, writes ? U_RMW : U_SRC, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
            return;
        maybe_lock(g, &o, writes);
        ins_b(g, (uint8_t)(op * 8 + (size > 1)));
        ins_modrm(g, (unsigned)r, &o);
        name = "ALU_EG";
        break;
    case 2:
    case 3:
        if ((r = pick_reg(g, size, writes ? U_RMW : U_SRC)) < 0 || !pick_rm(g, size, U_SRC, 0, &o))
            return;
        maybe_lock(g, &o, false);
        ins_b(g, (uint8_t)(op * 8 + 2 + (size > 1)));
        ins_modrm(g, (unsigned)r, &o);
        opnd_reg(&o, (unsigned)r);
        name = "ALU_GE";
        break;
    case 4:
    case 5:
        ins_b(g, (uint8_t)(op * 8 + 4 + (size > 1)));
        imm = rand_val(g, size);
        ins_imm(g, imm, size);
        opnd_reg(&o, R_AX);
        add_imm = true;
        name = "ALU_AI";
        break;
    default:
        if (!pick_rm(g, size, writes ? U_RMW : U_SRC, 0, &o))
            return;
        maybe_lock(g, &o, writes);
        if (form == 8) {
            ins_b(g, 0x83);
            ins_modrm(g, op, &o);
            imm = (uint32_t)(int8_t)rand_val(g, 1);
            ins_imm(g, imm, 1);
        } else {
            ins_b(g, form == 9 ? 0x82 : size == 1 ? 0x80 : 0x81);
            ins_modrm(g, op, &o);
            imm = rand_val(g, size);
            ins_imm(g, imm, size);
        }
        add_imm = true;
        name = "ALU_EI";
        break;
    }
    ins_end(g, name);
    if (writes) {
        if (add_imm && !o.mem && size == 4 && (op == 0 || op == 5) && (int32_t)imm > -0x10000 &&
            (int32_t)imm < 0x10000)
            st_add(g, o.reg, op == 0 ? (int32_t)imm : -(int32_t)imm);
        else
            st_write_rm(g, &o, size);
    }
    st_flags(g, logic ? F_ARITH & ~F_AF : F_ARITH, logic ? F_AF : 0);
}

static void fam_test(struct gen *g)
{
    unsigned form = hd_rng_below(&g->rng, 6);
    unsigned size = (form & 1) ? osz(g) : 1;
    struct opnd o;
    int r;
    if (form == 2 || form == 3)
        need_regs(g, 1u << R_AX);
    ins_begin(g);
    pfx_size(g, size);
    if (form < 2) {
        if (!pick_rm(g, size, U_SRC, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
            return;
        maybe_lock(g, &o, false);
        ins_b(g, (uint8_t)(0x84 + (size > 1)));
        ins_modrm(g, (unsigned)r, &o);
        ins_end(g, "TEST_EG");
    } else if (form < 4) {
        ins_b(g, (uint8_t)(0xa8 + (size > 1)));
        ins_imm(g, rand_val(g, size), size);
        ins_end(g, "TEST_AI");
    } else {
        if (!pick_rm(g, size, U_SRC, 0, &o))
            return;
        ins_b(g, (uint8_t)(0xf6 + (size > 1)));
        ins_modrm(g, 0, &o);
        ins_imm(g, rand_val(g, size), size);
        ins_end(g, "TEST_EI");
    }
    st_flags(g, F_ARITH & ~F_AF, F_AF);
}

static void fam_incdec(struct gen *g)
{
    bool dec = hd_rng_pct(&g->rng, 50);
    unsigned form = hd_rng_below(&g->rng, 3);
    unsigned size = form == 1 ? 1 : osz(g);
    struct opnd o;
    ins_begin(g);
    pfx_size(g, size);
    if (form == 0) {
        int r = pick_reg(g, size, U_RMW);
        if (r < 0)
            return;
        ins_b(g, (uint8_t)((dec ? 0x48 : 0x40) + r));
        ins_end(g, dec ? "DEC_R" : "INC_R");
        opnd_reg(&o, (unsigned)r);
    } else {
        if (!pick_rm(g, size, U_RMW, 0, &o))
            return;
        maybe_lock(g, &o, true);
        ins_b(g, size == 1 ? 0xfe : 0xff);
        ins_modrm(g, dec, &o);
        ins_end(g, dec ? "DEC_E" : "INC_E");
    }
    if (!o.mem && size == 4)
        st_add(g, o.reg, dec ? -1 : 1);
    else
        st_write_rm(g, &o, size);
    st_flags(g, F_ARITH & ~F_CF, 0);
}

static void fam_notneg(struct gen *g)
{
    bool neg = hd_rng_pct(&g->rng, 50);
    unsigned size = hd_rng_pct(&g->rng, 30) ? 1 : osz(g);
    struct opnd o;
    ins_begin(g);
    pfx_size(g, size);
    if (!pick_rm(g, size, U_RMW, 0, &o))
        return;
    maybe_lock(g, &o, true);
    ins_b(g, size == 1 ? 0xf6 : 0xf7);
    ins_modrm(g, neg ? 3 : 2, &o);
    ins_end(g, neg ? "NEG" : "NOT");
    st_write_rm(g, &o, size);
    if (neg)
        st_flags(g, F_ARITH, 0);
}

/* MUL/IMUL r/m: the high half tells CF and OF; SF ZF AF PF are undefined. */
static void fam_mul(struct gen *g)
{
    bool imul = hd_rng_pct(&g->rng, 50);
    unsigned size = hd_rng_pct(&g->rng, 30) ? 1 : osz(g);
    struct opnd o;
    need_regs(g, 1u << R_AX);
    ins_begin(g);
    pfx_size(g, size);
    if (!pick_rm(g, size, U_SRC, 0, &o))
        return;
    maybe_lock(g, &o, false);
    ins_b(g, size == 1 ? 0xf6 : 0xf7);
    ins_modrm(g, imul ? 5 : 4, &o);
    ins_end(g, imul ? "IMUL1" : "MUL");
    st_write(g, R_AX, size == 1 ? 2 : size);
    if (size > 1)
        st_write(g, R_DX, size);
    st_flags(g, F_CF | F_OF, F_SF | F_ZF | F_AF | F_PF);
}

static void fam_imul2(struct gen *g)
{
    unsigned form = hd_rng_below(&g->rng, 3);
    unsigned size = osz(g);
    struct opnd o;
    ins_begin(g);
    pfx_size(g, size);
    int r = pick_reg(g, size, form == 0 ? U_RMW : U_DST);
    if (r < 0 || !pick_rm(g, size, U_SRC, 0, &o))
        return;
    if (form == 0) {
        ins_b(g, 0x0f);
        ins_b(g, 0xaf);
        ins_modrm(g, (unsigned)r, &o);
        ins_end(g, "IMUL_GE");
    } else {
        ins_b(g, form == 1 ? 0x69 : 0x6b);
        ins_modrm(g, (unsigned)r, &o);
        ins_imm(g, rand_val(g, form == 1 ? size : 1), form == 1 ? size : 1);
        ins_end(g, "IMUL_GEI");
    }
    st_write(g, (unsigned)r, size);
    st_flags(g, F_CF | F_OF, F_SF | F_ZF | F_AF | F_PF);
}

/* DIV/IDIV: usually prepared so the quotient fits; otherwise #DE. */
static void fam_div(struct gen *g)
{
    bool idiv = hd_rng_pct(&g->rng, 50);
    unsigned size = hd_rng_pct(&g->rng, 25) ? 1 : osz(g);
    need_regs(g, size == 1 ? 1u << R_AX : (1u << R_AX | 1u << R_DX));
    if (hd_rng_pct(&g->rng, 80)) {
        ins_begin(g);
        if (idiv) {
            /* CBW / CWD / CDQ: sign-extend the dividend. */
            if (size == 4) {
                ins_b(g, 0x99);
                ins_end(g, "CWD");
                st_write(g, R_DX, 4);
            } else {
                ins_pfx(g, 0x66);
                ins_b(g, size == 1 ? 0x98 : 0x99);
                ins_end(g, size == 1 ? "CBW" : "CWD");
                st_write(g, size == 1 ? R_AX : R_DX, 2);
            }
        } else if (size == 1) {
            ins_b(g, 0xb4); /* MOV AH, 0 */
            ins_b(g, 0);
            ins_end(g, "MOV_RI");
            st_write(g, 4, 1);
        } else {
            pfx_size(g, size);
            ins_b(g, 0x31); /* XOR eDX, eDX */
            ins_b(g, 0xd2);
            ins_end(g, "ALU_EG");
            if (size == 4)
                st_set(g, R_DX, 0, 0);
            else
                st_write(g, R_DX, 2);
            st_flags(g, F_ARITH & ~F_AF, F_AF);
        }
    }
    struct opnd o;
    if (hd_rng_pct(&g->rng, 4)) {
        /* A zero divisor. */
        int z = pick_reg(g, 4, U_DST);
        if (z < 0 || z == R_AX || z == R_DX)
            return;
        set_reg(g, (unsigned)z, 0);
        opnd_reg(&o, (unsigned)z);
        ins_begin(g);
        pfx_size(g, size);
    } else {
        ins_begin(g);
        pfx_size(g, size);
        if (!pick_rm(g, size, U_SRC, 0, &o))
            return;
    }
    maybe_lock(g, &o, false);
    ins_b(g, size == 1 ? 0xf6 : 0xf7);
    ins_modrm(g, idiv ? 7 : 6, &o);
    ins_end(g, idiv ? "IDIV" : "DIV");
    st_write(g, R_AX, size == 1 ? 2 : size);
    if (size > 1)
        st_write(g, R_DX, size);
    st_flags(g, 0, F_ARITH);
}

/* Decimal and ASCII adjusts, and SALC. */
static void fam_bcd(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 7);
    need_regs(g, 1u << R_AX);
    if (k < 4)
        need_flags(g, F_AF | F_CF);
    else if (k == 6)
        need_flags(g, F_CF);
    ins_begin(g);
    switch (k) {
    case 0:
    case 1:
        ins_b(g, k ? 0x2f : 0x27);
        ins_end(g, k ? "DAS" : "DAA");
        st_write(g, R_AX, 1);
        st_flags(g, F_CF | F_AF | F_SF | F_ZF | F_PF, F_OF);
        break;
    case 2:
    case 3:
        ins_b(g, k == 3 ? 0x3f : 0x37);
        ins_end(g, k == 3 ? "AAS" : "AAA");
        st_write(g, R_AX, 2);
        st_flags(g, F_AF | F_CF, F_OF | F_SF | F_ZF | F_PF);
        break;
    case 4:
    case 5: {
        unsigned p = hd_rng_below(&g->rng, 100);
        /* AAM 0 divides by zero: #DE. */
        uint8_t base = p < 60 ? 10 : (k == 4 && p < 64) ? 0 : (uint8_t)hd_rng_u32(&g->rng);
        ins_b(g, k == 4 ? 0xd4 : 0xd5);
        ins_b(g, base);
        ins_end(g, k == 4 ? "AAM" : "AAD");
        st_write(g, R_AX, 2);
        st_flags(g, F_SF | F_ZF | F_PF, F_OF | F_AF | F_CF);
        break;
    }
    default:
        ins_b(g, 0xd6);
        ins_end(g, "SALC");
        st_write(g, R_AX, 1);
        break;
    }
}

/* Flags after a shift or rotate by a known count (SDM vol. 2, SAL/SAR/SHL/
 * SHR and RCL/RCR/ROL/ROR): nothing changes for a masked count of 0; OF is
 * defined only for 1; AF is undefined for shifts; SHL/SHR leave CF undefined
 * when the count reaches the operand width. */
static void shift_flags(struct gen *g, unsigned op, unsigned size, bool known, unsigned count)
{
    bool rotate = op < 4;
    bool shl_shr = op == 4 || op == 5 || op == 6;
    if (!known) {
        uint32_t u = F_OF | (rotate ? 0 : F_AF) | (shl_shr && size < 4 ? F_CF : 0);
        g->st.undef |= u;
        return;
    }
    unsigned c = count & 31;
    if (c == 0)
        return;
    uint32_t def = F_CF | F_OF, undef = 0;
    if (c != 1) {
        def &= ~F_OF;
        undef |= F_OF;
    }
    if (!rotate) {
        def |= F_SF | F_ZF | F_PF;
        undef |= F_AF;
        if (shl_shr && c >= size * 8) {
            def &= ~F_CF;
            undef |= F_CF;
        }
    }
    st_flags(g, def, undef);
}

/* A count in CL: set it just before, or use what ECX holds. */
static bool count_in_cl(struct gen *g, bool allow_unknown, unsigned *count)
{
    const struct vrange *c = &g->st.r[R_CX];
    if (c->known && c->lo == c->hi && hd_rng_pct(&g->rng, 50)) {
        *count = c->lo & 0xff;
        return true;
    }
    if (allow_unknown && hd_rng_pct(&g->rng, 30) && reg_readable(g, R_CX, 1))
        return false;
    *count = rand_count(g);
    ins_begin(g);
    ins_b(g, 0xb1); /* MOV CL, imm8 */
    ins_b(g, (uint8_t)*count);
    ins_end(g, "MOV_RI");
    st_write(g, R_CX, 1);
    return true;
}

static void fam_shift(struct gen *g)
{
    unsigned op = hd_rng_below(&g->rng, 8);
    if (op == 6 && hd_rng_pct(&g->rng, 70))
        op = 4; /* SAL's /6 alias stays rare */
    unsigned size = hd_rng_pct(&g->rng, 35) ? 1 : osz(g);
    unsigned form = hd_rng_below(&g->rng, 3);
    unsigned count = 1;
    bool known = true;
    if (op == 2 || op == 3)
        need_flags(g, F_CF);
    if (form == 2)
        known = count_in_cl(g, true, &count);
    else if (form == 0)
        count = rand_count(g);
    struct opnd o;
    ins_begin(g);
    pfx_size(g, size);
    if (!pick_rm(g, size, U_RMW, 0, &o))
        return;
    maybe_lock(g, &o, false);
    ins_b(g, (uint8_t)((form == 0 ? 0xc0 : form == 1 ? 0xd0 : 0xd2) + (size > 1)));
    ins_modrm(g, op, &o);
    if (form == 0)
        ins_b(g, (uint8_t)count);
    ins_end(g, form == 0 ? "SHIFT_I" : form == 1 ? "SHIFT_1" : "SHIFT_CL");
    if (!known || (count & 31))
        st_write_rm(g, &o, size);
    shift_flags(g, op, size, known, count);
}

/* SHLD/SHRD. A 16-bit operand shifted by more than 16 gives an undefined
 * result and flags (SDM vol. 2, SHLD). */
static void fam_dshift(struct gen *g)
{
    bool right = hd_rng_pct(&g->rng, 50);
    bool by_cl = hd_rng_pct(&g->rng, 50);
    unsigned size = osz(g);
    unsigned count;
    bool known = true;
    if (by_cl)
        known = count_in_cl(g, size == 4, &count);
    else
        count = rand_count(g);
    struct opnd o;
    int r;
    ins_begin(g);
    pfx_size(g, size);
    if (!pick_rm(g, size, U_RMW, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
        return;
    unsigned c = count & 31;
    bool undefined = known && size == 2 && c > 16;
    if (undefined && o.mem)
        return; /* undefined memory contents cannot be compared */
    maybe_lock(g, &o, false);
    ins_b(g, 0x0f);
    ins_b(g, (uint8_t)((right ? 0xac : 0xa4) + by_cl));
    ins_modrm(g, (unsigned)r, &o);
    if (!by_cl)
        ins_b(g, (uint8_t)count);
    ins_end(g, by_cl ? "DSHIFT_CL" : "DSHIFT_I");
    if (!known) {
        st_write_rm(g, &o, size);
        g->st.undef |= F_OF | F_AF;
    } else if (undefined) {
        st_undefined(g, o.reg, 0xffff);
        st_flags(g, 0, F_ARITH);
    } else if (c) {
        st_write_rm(g, &o, size);
        st_flags(g, F_CF | F_SF | F_ZF | F_PF | (c == 1 ? F_OF : 0), F_AF | (c == 1 ? 0 : F_OF));
    }
}

/* BT/BTS/BTR/BTC, including memory operands with a register bit offset
 * that reaches beyond the addressed word (SDM vol. 2, BT). */
static void fam_bt(struct gen *g)
{
    unsigned op = 4 + hd_rng_below(&g->rng, 4);
    static const uint8_t reg_op[4] = {0xa3, 0xab, 0xb3, 0xbb};
    static const char *const names[4] = {"BT", "BTS", "BTR", "BTC"};
    unsigned size = osz(g);
    bool writes = op != 4;
    bool imm_form = hd_rng_pct(&g->rng, 40);
    struct opnd o;
    int r = -1;

    if (!imm_form && hd_rng_pct(&g->rng, 50)) {
        /* Memory operand with a register bit offset set just before. */
        r = pick_reg(g, 4, U_DST);
        if (r < 0)
            return;
        int32_t off = (int32_t)hd_rng_below(&g->rng, 1536) - 512;
        set_reg(g, (unsigned)r, (uint32_t)off);
        if (size == 2)
            off = (int16_t)off;
        int32_t bits = (int32_t)size * 8;
        int32_t delta = (int32_t)size * (off >= 0 ? off / bits : -((-off + bits - 1) / bits));
        struct memreq req = {delta, delta + (int32_t)size, M_NO16 | (writes ? M_WRITE : 0), 0};
        ins_begin(g);
        pfx_size(g, size);
        if (!pick_mem(g, &req, &o))
            return;
    } else if (imm_form) {
        ins_begin(g);
        pfx_size(g, size);
        if (!pick_rm(g, size, writes ? U_RMW : U_SRC, M_NO16, &o))
            return;
    } else {
        /* Both in registers: the offset is taken modulo the width. */
        ins_begin(g);
        pfx_size(g, size);
        int d = pick_reg(g, size, writes ? U_RMW : U_SRC);
        if (d < 0 || (r = pick_reg(g, size, U_SRC)) < 0)
            return;
        opnd_reg(&o, (unsigned)d);
    }
    maybe_lock(g, &o, writes);
    ins_b(g, 0x0f);
    if (imm_form) {
        ins_b(g, 0xba);
        ins_modrm(g, op, &o);
        ins_b(g, rand_count(g));
    } else {
        ins_b(g, reg_op[op - 4]);
        ins_modrm(g, (unsigned)r, &o);
    }
    ins_end(g, names[op - 4]);
    if (writes)
        st_write_rm(g, &o, size);
    st_flags(g, F_CF, F_OF | F_SF | F_AF | F_PF);
}

/* BSF/BSR: ZF tells whether the source was zero; the other flags are
 * undefined. With a zero source the destination is architecturally
 * undefined; every x86 implementation leaves it unchanged and the
 * comparison expects that. */
static void fam_bsf(struct gen *g)
{
    bool rev = hd_rng_pct(&g->rng, 50);
    unsigned size = osz(g);
    struct opnd o;
    ins_begin(g);
    pfx_size(g, size);
    int r = pick_reg(g, size, U_RMW);
    if (r < 0 || !pick_rm(g, size, U_SRC, 0, &o))
        return;
    ins_b(g, 0x0f);
    ins_b(g, rev ? 0xbd : 0xbc);
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, rev ? "BSR" : "BSF");
    st_write(g, (unsigned)r, size);
    st_flags(g, F_ZF, F_CF | F_OF | F_SF | F_AF | F_PF);
}

/* BSWAP; with a 16-bit operand the result is undefined. */
static void fam_bswap(struct gen *g)
{
    bool word = hd_rng_pct(&g->rng, 10);
    ins_begin(g);
    int r = pick_reg(g, 4, U_RMW);
    if (r < 0)
        return;
    if (word)
        ins_pfx(g, 0x66);
    ins_b(g, 0x0f);
    ins_b(g, (uint8_t)(0xc8 + r));
    ins_end(g, "BSWAP");
    if (word)
        st_undefined(g, (unsigned)r, 0xffff);
    else
        st_write(g, (unsigned)r, 4);
}

static void moffs_operand(struct gen *g, bool write, struct opnd *o, unsigned size)
{
    memset(o, 0, sizeof *o);
    o->mem = true;
    o->base = o->index = -1;
    o->known = true;
    if (hd_rng_pct(&g->rng, 8)) {
        o->a16 = true;
        o->disp_len = 2;
        o->disp = g->cfg->low_mapped ? HD_LOW_BASE + hd_rng_below(&g->rng, HD_LOW_SIZE - size + 1)
                                     : hd_rng_u32(&g->rng) & 0xffff;
    } else if (hd_rng_pct(&g->rng, 2)) {
        o->disp_len = 4;
        o->disp = DATA_END - 2 + hd_rng_below(&g->rng, 8);
    } else {
        o->disp_len = 4;
        o->disp = rand_ptr(g, 8);
    }
    o->seg = HD_DS;
    if (hd_rng_pct(&g->rng, 10)) {
        static const uint8_t pf[3][2] = {{0x26, HD_ES}, {0x36, HD_SS}, {0x2e, HD_CS}};
        unsigned k = hd_rng_below(&g->rng, write ? 2 : 3);
        o->seg_pfx = pf[k][0];
        o->seg = pf[k][1];
    }
    o->lo = o->hi = o->disp;
}

static void fam_mov(struct gen *g)
{
    unsigned form = hd_rng_below(&g->rng, 10);
    unsigned size = (form % 2 == 0) ? 1 : osz(g);
    struct opnd o;
    int r = -1;
    if (form == 9 || form == 8)
        need_regs(g, form == 9 ? 1u << R_AX : 0);
    ins_begin(g);
    pfx_size(g, size);
    switch (form) {
    case 0:
    case 1:
        if (!pick_rm(g, size, U_DST, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
            return;
        maybe_lock(g, &o, false);
        ins_b(g, (uint8_t)(0x88 + (size > 1)));
        ins_modrm(g, (unsigned)r, &o);
        ins_end(g, "MOV_EG");
        if (!o.mem && size == 4 && g->st.r[r].known)
            st_set(g, o.reg, g->st.r[r].lo, g->st.r[r].hi);
        else
            st_write_rm(g, &o, size);
        return;
    case 2:
    case 3:
        if ((r = pick_reg(g, size, U_DST)) < 0 || !pick_rm(g, size, U_SRC, 0, &o))
            return;
        ins_b(g, (uint8_t)(0x8a + (size > 1)));
        ins_modrm(g, (unsigned)r, &o);
        ins_end(g, "MOV_GE");
        if (!o.mem && size == 4 && g->st.r[o.reg].known)
            st_set(g, (unsigned)r, g->st.r[o.reg].lo, g->st.r[o.reg].hi);
        else
            st_write(g, (unsigned)r, size);
        return;
    case 4:
    case 5: {
        if (!pick_rm(g, size, U_DST, 0, &o))
            return;
        uint32_t v = size == 4 && hd_rng_pct(&g->rng, 30) ? rand_ptr(g, 0x400) : rand_val(g, size);
        ins_b(g, (uint8_t)(0xc6 + (size > 1)));
        ins_modrm(g, 0, &o);
        ins_imm(g, v, size);
        ins_end(g, "MOV_EI");
        if (!o.mem && size == 4)
            st_set(g, o.reg, v, v);
        else
            st_write_rm(g, &o, size);
        return;
    }
    case 6:
    case 7: {
        if ((r = pick_reg(g, size, U_DST)) < 0)
            return;
        uint32_t v = size == 4 && hd_rng_pct(&g->rng, 40) ? rand_ptr(g, 0x400) : rand_val(g, size);
        ins_b(g, (uint8_t)((size == 1 ? 0xb0 : 0xb8) + r));
        ins_imm(g, v, size);
        ins_end(g, "MOV_RI");
        if (size == 4)
            st_set(g, (unsigned)r, v, v);
        else
            st_write(g, (unsigned)r, size);
        return;
    }
    default:
        moffs_operand(g, form == 9, &o, size);
        if (o.a16)
            ins_pfx(g, 0x67);
        if (o.seg_pfx)
            ins_pfx(g, o.seg_pfx);
        ins_b(g, (uint8_t)((form == 8 ? 0xa0 : 0xa2) + (size > 1)));
        ins_imm(g, o.disp, o.disp_len);
        ins_end(g, form == 8 ? "MOV_AO" : "MOV_OA");
        if (form == 8)
            st_write(g, R_AX, size);
        return;
    }
}

static void fam_movx(struct gen *g)
{
    bool sx = hd_rng_pct(&g->rng, 50);
    unsigned src = hd_rng_pct(&g->rng, 50) ? 1 : 2;
    unsigned dst = hd_rng_pct(&g->rng, 20) ? 2 : 4;
    struct opnd o;
    ins_begin(g);
    pfx_size(g, dst);
    int r = pick_reg(g, dst, U_DST);
    if (r < 0 || !pick_rm(g, src, U_SRC, 0, &o))
        return;
    ins_b(g, 0x0f);
    ins_b(g, (uint8_t)((sx ? 0xbe : 0xb6) + (src == 2)));
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, sx ? "MOVSX" : "MOVZX");
    st_write(g, (unsigned)r, dst);
}

static void fam_lea(struct gen *g)
{
    unsigned size = osz(g);
    struct opnd o;
    ins_begin(g);
    pfx_size(g, size);
    int r = pick_reg(g, size, U_DST);
    if (r < 0)
        return;
    if (hd_rng_pct(&g->rng, 1)) {
        opnd_reg(&o, hd_rng_below(&g->rng, 8)); /* LEA with a register: #UD */
    } else {
        pick_rm(g, size, U_SRC, M_NOACC, &o);
    }
    ins_b(g, 0x8d);
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, "LEA");
    if (o.mem && !o.a16 && o.known && size == 4)
        st_set(g, (unsigned)r, o.lo, o.hi);
    else
        st_write(g, (unsigned)r, size);
}

static void fam_xchg(struct gen *g)
{
    unsigned form = hd_rng_below(&g->rng, 3);
    unsigned size = form == 0 ? 1 : osz(g);
    struct opnd o;
    int r;
    if (form == 2)
        need_regs(g, 1u << R_AX);
    ins_begin(g);
    pfx_size(g, size);
    if (form == 2) {
        r = pick_reg(g, size, U_RMW);
        if (r <= 0)
            return;
        ins_b(g, (uint8_t)(0x90 + r));
        ins_end(g, "XCHG_AR");
        opnd_reg(&o, R_AX);
    } else {
        if (!pick_rm(g, size, U_RMW, 0, &o) || (r = pick_reg(g, size, U_RMW)) < 0)
            return;
        if (o.mem && hd_rng_pct(&g->rng, 20))
            ins_pfx(g, 0xf0);
        else if (!o.mem)
            maybe_lock(g, &o, false);
        ins_b(g, (uint8_t)(0x86 + (size > 1)));
        ins_modrm(g, (unsigned)r, &o);
        ins_end(g, "XCHG_EG");
    }
    if (!o.mem && size == 4) {
        struct vrange a = g->st.r[r], b = g->st.r[o.reg];
        g->st.r[r] = b;
        g->st.r[o.reg] = a;
    } else {
        st_write_rm(g, &o, size);
        st_write(g, (unsigned)r, size);
    }
}

static void fam_cmov(struct gen *g)
{
    unsigned cc = hd_rng_below(&g->rng, 16);
    unsigned size = osz(g);
    struct opnd o;
    need_flags(g, cond_flags(cc));
    ins_begin(g);
    pfx_size(g, size);
    int r = pick_reg(g, size, U_RMW);
    if (r < 0 || !pick_rm(g, size, U_SRC, 0, &o))
        return;
    ins_b(g, 0x0f);
    ins_b(g, (uint8_t)(0x40 + cc));
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, "CMOV");
    st_write(g, (unsigned)r, size);
}

static void fam_setcc(struct gen *g)
{
    unsigned cc = hd_rng_below(&g->rng, 16);
    struct opnd o;
    need_flags(g, cond_flags(cc));
    ins_begin(g);
    if (!pick_rm(g, 1, U_DST, 0, &o))
        return;
    ins_b(g, 0x0f);
    ins_b(g, (uint8_t)(0x90 + cc));
    ins_modrm(g, 0, &o);
    ins_end(g, "SETCC");
    st_write_rm(g, &o, 1);
}

/* XLAT reads [EBX + AL], or [BX + AL] with 67h. */
static void fam_xlat(struct gen *g)
{
    bool a16 = g->cfg->low_mapped && hd_rng_pct(&g->rng, 15);
    need_regs(g, 1u << R_AX | 1u << R_BX);
    const struct vrange *b = &g->st.r[R_BX];
    bool ok = b->known && (a16 ? ((b->lo >> 16) == (b->hi >> 16) &&
                                  in_area(g, b->lo & 0xffff, (int64_t)(b->hi & 0xffff) + 256))
                               : in_area(g, b->lo, (int64_t)b->hi + 256));
    if (!ok) {
        uint32_t v = a16 ? (hd_rng_u32(&g->rng) & 0xffff0000u) | (HD_LOW_BASE + hd_rng_below(&g->rng, 0xe000))
                         : rand_ptr(g, 0x200);
        set_reg(g, R_BX, v);
    }
    ins_begin(g);
    if (a16)
        ins_pfx(g, 0x67);
    if (hd_rng_pct(&g->rng, 10))
        ins_pfx(g, hd_rng_pct(&g->rng, 50) ? 0x26 : 0x2e);
    ins_b(g, 0xd7);
    ins_end(g, "XLAT");
    st_write(g, R_AX, 1);
}

static void fam_cbw(struct gen *g)
{
    bool cwd = hd_rng_pct(&g->rng, 50);
    bool word = hd_rng_pct(&g->rng, 40);
    need_regs(g, 1u << R_AX);
    ins_begin(g);
    if (word)
        ins_pfx(g, 0x66);
    ins_b(g, cwd ? 0x99 : 0x98);
    ins_end(g, cwd ? "CWD" : "CBW");
    st_write(g, cwd ? R_DX : R_AX, word ? 2 : 4);
}

static void fam_lahf(struct gen *g)
{
    bool sahf = hd_rng_pct(&g->rng, 50);
    if (sahf)
        need_regs(g, 1u << R_AX);
    else
        need_flags(g, F_SF | F_ZF | F_AF | F_PF | F_CF);
    ins_begin(g);
    ins_b(g, sahf ? 0x9e : 0x9f);
    ins_end(g, sahf ? "SAHF" : "LAHF");
    if (sahf)
        st_flags(g, F_SF | F_ZF | F_AF | F_PF | F_CF, 0);
    else
        st_write(g, 4, 1);
}

/* CMPXCHG, often after loading the accumulator from the destination so the
 * exchange happens. */
static void fam_cmpxchg(struct gen *g)
{
    unsigned size = hd_rng_pct(&g->rng, 30) ? 1 : osz(g);
    struct opnd o;
    int r;
    need_regs(g, 1u << R_AX);
    ins_begin(g);
    if (!pick_rm(g, size, U_RMW, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
        return;
    if (hd_rng_pct(&g->rng, 50) && !opnd_uses(&o, R_AX)) {
        pfx_size(g, size);
        ins_b(g, (uint8_t)(0x8a + (size > 1)));
        ins_modrm(g, R_AX, &o);
        ins_end(g, "MOV_GE");
        st_write(g, R_AX, size);
        ins_begin(g);
        if (!o.mem && !reg_readable(g, o.reg, size))
            return;
    }
    pfx_size(g, size);
    maybe_lock(g, &o, true);
    ins_b(g, 0x0f);
    ins_b(g, (uint8_t)(0xb0 + (size > 1)));
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, "CMPXCHG");
    st_write_rm(g, &o, size);
    st_write(g, R_AX, size);
    st_flags(g, F_ARITH, 0);
}

static void fam_xadd(struct gen *g)
{
    unsigned size = hd_rng_pct(&g->rng, 30) ? 1 : osz(g);
    struct opnd o;
    int r;
    ins_begin(g);
    pfx_size(g, size);
    if (!pick_rm(g, size, U_RMW, 0, &o) || (r = pick_reg(g, size, U_RMW)) < 0)
        return;
    maybe_lock(g, &o, true);
    ins_b(g, 0x0f);
    ins_b(g, (uint8_t)(0xc0 + (size > 1)));
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, "XADD");
    st_write_rm(g, &o, size);
    st_write(g, (unsigned)r, size);
    st_flags(g, F_ARITH, 0);
}

static void fam_cmpxchg8b(struct gen *g)
{
    struct opnd o;
    need_regs(g, 1u << R_AX | 1u << R_CX | 1u << R_DX | 1u << R_BX);
    struct memreq req = {0, 8, M_WRITE, 0};
    ins_begin(g);
    if (hd_rng_pct(&g->rng, 1)) {
        opnd_reg(&o, hd_rng_below(&g->rng, 8)); /* register operand: #UD */
    } else if (!pick_mem(g, &req, &o)) {
        return;
    }
    if (o.mem && hd_rng_pct(&g->rng, 50) && !opnd_uses(&o, R_AX) && !opnd_uses(&o, R_DX)) {
        struct opnd hi = opnd_offset(&o, 4);
        ins_b(g, 0x8b);
        ins_modrm(g, R_AX, &o);
        ins_end(g, "MOV_GE");
        st_write(g, R_AX, 4);
        ins_begin(g);
        ins_b(g, 0x8b);
        ins_modrm(g, R_DX, &hi);
        ins_end(g, "MOV_GE");
        st_write(g, R_DX, 4);
        ins_begin(g);
    }
    maybe_lock(g, &o, true);
    ins_b(g, 0x0f);
    ins_b(g, 0xc7);
    ins_modrm(g, 1, &o);
    ins_end(g, "CMPXCHG8B");
    st_write(g, R_AX, 4);
    st_write(g, R_DX, 4);
    st_flags(g, F_ZF, 0);
}

/* A selector to load: mostly the flat user data segment, sometimes null,
 * a code segment, or one that faults (SDM vol. 2, MOV: #GP(selector)). */
static uint16_t rand_selector(struct gen *g, bool ss)
{
    static const uint16_t bad[] = {0x1b, 0x13, 0x0b, 0x43, 0x3b, 0x83, 0x1234, 0x07, 0xfffc, 0x28};
    unsigned k = hd_rng_below(&g->rng, 100);
    if (k < 80)
        return ss ? 0x2b : (uint16_t)(0x28 | hd_rng_below(&g->rng, 4));
    if (k < 88)
        return (uint16_t)hd_rng_below(&g->rng, 4);
    if (k < 92)
        return 0x23;
    return bad[hd_rng_below(&g->rng, sizeof bad / sizeof bad[0])];
}

static void note_seg_load(struct gen *g, unsigned seg, uint16_t sel)
{
    if ((sel & ~3u) == 0x28)
        g->st.seg_null &= (uint8_t)~(1u << seg);
    else
        g->st.seg_null |= (uint8_t)(1u << seg);
}

static const uint8_t loadable_seg[5] = {HD_ES, HD_SS, HD_DS, HD_FS, HD_GS};

/* MOV to and from segment registers. */
static void fam_sreg(struct gen *g)
{
    struct opnd o;
    if (hd_rng_pct(&g->rng, 50)) {
        unsigned s = hd_rng_below(&g->rng, 6);
        unsigned size = hd_rng_pct(&g->rng, 50) ? 2 : 4;
        ins_begin(g);
        pfx_size(g, size);
        if (!pick_rm(g, 2, U_DST, 0, &o))
            return;
        ins_b(g, 0x8c);
        ins_modrm(g, s, &o);
        ins_end(g, "MOV_ES");
        /* To a register with a 32-bit operand the selector is zero-extended
         * (P6 and later, SDM vol. 2, MOV). */
        st_write_rm(g, &o, size);
        return;
    }
    unsigned s = hd_rng_pct(&g->rng, 2) ? HD_CS : loadable_seg[hd_rng_below(&g->rng, 5)];
    uint16_t sel = rand_selector(g, s == HD_SS);
    if (hd_rng_pct(&g->rng, 25)) {
        struct memreq req = {0, 2, M_WRITE | M_NOFAULT, 0};
        ins_begin(g);
        if (!pick_mem(g, &req, &o))
            return;
        ins_pfx(g, 0x66);
        ins_b(g, 0xc7);
        ins_modrm(g, 0, &o);
        ins_imm(g, sel, 2);
        ins_end(g, "MOV_EI");
    } else {
        int r = pick_reg(g, 4, U_DST);
        if (r < 0)
            return;
        set_reg(g, (unsigned)r, (hd_rng_u32(&g->rng) & 0xffff0000u) | sel);
        opnd_reg(&o, (unsigned)r);
    }
    ins_begin(g);
    if (hd_rng_pct(&g->rng, 30))
        ins_pfx(g, 0x66);
    ins_b(g, 0x8e);
    ins_modrm(g, s, &o);
    ins_end(g, "MOV_SE");
    if (s != HD_CS)
        note_seg_load(g, s, sel);
}

/* LDS LES LSS LFS LGS from a far pointer written just before. */
static void fam_lseg(struct gen *g)
{
    static const struct {
        uint8_t seg, op0, op1;
        const char *name;
    } k[5] = {
        {HD_DS, 0xc5, 0, "LDS"}, {HD_ES, 0xc4, 0, "LES"}, {HD_SS, 0x0f, 0xb2, "LSS"},
        {HD_FS, 0x0f, 0xb4, "LFS"}, {HD_GS, 0x0f, 0xb5, "LGS"},
    };
    unsigned w = hd_rng_below(&g->rng, 5);
    unsigned size = osz(g);
    uint16_t sel = rand_selector(g, k[w].seg == HD_SS);
    struct memreq req = {0, (int32_t)size + 2, M_NOFAULT, 0};
    struct opnd o;
    ins_begin(g);
    if (!pick_mem(g, &req, &o))
        return;
    struct opnd so = opnd_offset(&o, (int32_t)size);
    ins_pfx(g, 0x66);
    ins_b(g, 0xc7);
    ins_modrm(g, 0, &so);
    ins_imm(g, sel, 2);
    ins_end(g, "MOV_EI");
    ins_begin(g);
    int r = pick_reg(g, size, U_DST);
    if (r < 0)
        return;
    pfx_size(g, size);
    ins_b(g, k[w].op0);
    if (k[w].op1)
        ins_b(g, k[w].op1);
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, k[w].name);
    st_write(g, (unsigned)r, size);
    note_seg_load(g, k[w].seg, sel);
}

/* ARPL, LAR, LSL, VERR, VERW: not privileged, they inspect descriptors. */
static void fam_desc(struct gen *g)
{
    static const uint16_t sels[] = {
        0x23, 0x2b, 0x33, 0x63, 0x08, 0x10, 0x18, 0x1b, 0x00, 0x03, 0x07, 0x43, 0x3b,
        0x83, 0x1234, 0x20, 0x28, 0x4b, 0x53,
    };
    unsigned k = hd_rng_below(&g->rng, 5);
    struct opnd o;
    if (k == 0) {
        ins_begin(g);
        int r;
        if (!pick_rm(g, 2, U_RMW, 0, &o) || (r = pick_reg(g, 2, U_SRC)) < 0)
            return;
        ins_b(g, 0x63);
        ins_modrm(g, (unsigned)r, &o);
        ins_end(g, "ARPL");
        st_write_rm(g, &o, 2);
        st_flags(g, F_ZF, 0);
        return;
    }
    uint16_t sel = sels[hd_rng_below(&g->rng, sizeof sels / sizeof sels[0])];
    int sr = pick_reg(g, 4, U_DST);
    if (sr < 0)
        return;
    set_reg(g, (unsigned)sr, (hd_rng_u32(&g->rng) & 0xffff0000u) | sel);
    opnd_reg(&o, (unsigned)sr);
    ins_begin(g);
    if (k <= 2) {
        unsigned size = osz(g);
        int r = pick_reg(g, size, U_RMW);
        if (r < 0)
            return;
        pfx_size(g, size);
        ins_b(g, 0x0f);
        ins_b(g, k == 1 ? 0x02 : 0x03);
        ins_modrm(g, (unsigned)r, &o);
        ins_end(g, k == 1 ? "LAR" : "LSL");
        st_write(g, (unsigned)r, size);
        /* LAR masks the descriptor's high dword with 00FxFF00H: bits 19:16
         * are undefined (SDM vol. 2, LAR). */
        if (k == 1 && size == 4)
            st_undefined(g, (unsigned)r, 0x000f0000u);
    } else {
        ins_b(g, 0x0f);
        ins_b(g, 0x00);
        ins_modrm(g, k == 3 ? 4 : 5, &o);
        ins_end(g, k == 3 ? "VERR" : "VERW");
    }
    st_flags(g, F_ZF, 0);
}

static void fam_push(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 100);
    unsigned size = osz(g);
    struct opnd o;
    if (k < 8) {
        /* PUSHA */
        if (!stack_room(g, 8 * size, 0))
            return;
        need_regs(g, 0xff);
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, 0x60);
        ins_end(g, "PUSHA");
        st_esp_add(g, -(int32_t)(8 * size));
        return;
    }
    if (!stack_room(g, size + 4, 0))
        return;
    if (k < 16) {
        need_flags(g, F_ARITH);
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, 0x9c);
        ins_end(g, "PUSHF");
    } else if (k < 26) {
        /* A segment register. With a 32-bit operand size the upper half of
         * the slot is implementation specific (SDM vol. 2, PUSH): make it
         * zero first so every implementation leaves the same bytes. */
        static const struct {
            uint8_t b0, b1;
        } sp[6] = {{0x06, 0}, {0x0e, 0}, {0x16, 0}, {0x1e, 0}, {0x0f, 0xa0}, {0x0f, 0xa8}};
        unsigned s = hd_rng_below(&g->rng, 6);
        if (size == 4) {
            int r = pick_reg(g, 4, U_DST);
            if (r < 0)
                return;
            ins_begin(g);
            ins_b(g, 0x6a);
            ins_b(g, 0);
            ins_end(g, "PUSH_I");
            st_esp_add(g, -4);
            ins_begin(g);
            ins_b(g, (uint8_t)(0x58 + r));
            ins_end(g, "POP_R");
            st_esp_add(g, 4);
            st_set(g, (unsigned)r, 0, 0);
        }
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, sp[s].b0);
        if (sp[s].b1)
            ins_b(g, sp[s].b1);
        ins_end(g, "PUSH_SEG");
    } else if (k < 50) {
        ins_begin(g);
        int r = pick_reg(g, size, U_SRC);
        if (r < 0)
            return;
        pfx_size(g, size);
        ins_b(g, (uint8_t)(0x50 + r));
        ins_end(g, "PUSH_R");
    } else if (k < 70) {
        bool byte = hd_rng_pct(&g->rng, 50);
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, byte ? 0x6a : 0x68);
        ins_imm(g, rand_val(g, byte ? 1 : size), byte ? 1 : size);
        ins_end(g, "PUSH_I");
    } else if (k < 85) {
        ins_begin(g);
        pfx_size(g, size);
        if (!pick_rm(g, size, U_SRC, 0, &o))
            return;
        ins_b(g, 0xff);
        ins_modrm(g, 6, &o);
        ins_end(g, "PUSH_E");
    } else {
        /* ENTER size, level: nested levels copy frame pointers from [EBP]. */
        unsigned level = hd_rng_below(&g->rng, 10) < 5 ? 0 : hd_rng_below(&g->rng, 4);
        if (hd_rng_pct(&g->rng, 3))
            level += 32; /* the level is taken modulo 32 */
        unsigned lv = level & 31;
        uint16_t frame = (uint16_t)(hd_rng_below(&g->rng, 40) * (hd_rng_pct(&g->rng, 80) ? 4 : 1));
        unsigned pushes = 1 + (lv ? lv : 0);
        if (!stack_room(g, pushes * size + frame + 8, 0))
            return;
        need_regs(g, 1u << R_BP);
        const struct vrange *bp = &g->st.r[R_BP];
        if (lv > 1 && !(bp->known && in_area(g, (int64_t)bp->lo - 4 * lv, (int64_t)bp->hi + 4)))
            return;
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, 0xc8);
        ins_imm(g, frame, 2);
        ins_b(g, (uint8_t)level);
        ins_end(g, "ENTER");
        uint32_t lo = g->st.r[R_SP].lo - size, hi = g->st.r[R_SP].hi - size;
        if (size == 4)
            st_set(g, R_BP, lo, hi);
        else
            st_write(g, R_BP, 2);
        st_esp_add(g, -(int32_t)(pushes * size + frame));
        return;
    }
    st_esp_add(g, -(int32_t)size);
}

static void fam_pop(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 100);
    unsigned size = osz(g);
    struct opnd o;
    if (k < 8) {
        if (!stack_room(g, 0, 8 * size))
            return;
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, 0x61);
        ins_end(g, "POPA");
        for (unsigned r = 0; r < 8; r++)
            if (r != R_SP)
                st_write(g, r, size);
        st_esp_add(g, (int32_t)(8 * size));
        return;
    }
    if (k < 18) {
        /* LEAVE: ESP = EBP, then EBP from the stack. */
        const struct vrange *bp = &g->st.r[R_BP];
        if (!bp->known || !(bp->lo >= HD_STACK_BASE + 256 && (uint64_t)bp->hi + 256 <= STACK_END) ||
            g->st.uregs[R_BP])
            return;
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, 0xc9);
        ins_end(g, "LEAVE");
        g->st.r[R_SP] = g->st.r[R_BP];
        st_esp_add(g, (int32_t)size);
        st_write(g, R_BP, size);
        return;
    }
    if (!stack_room(g, 8, size + 4))
        return;
    if (k < 28) {
        /* POPF from a value pushed just before. TF, AC and NT stay clear:
         * single-stepping or alignment checks would change what runs. */
        uint32_t v = hd_rng_u32(&g->rng) & ~(F_TF | F_AC | F_NT);
        if (hd_rng_pct(&g->rng, 50))
            v &= F_ARITH | F_DF | F_ID | F_IF | 2;
        ins_begin(g);
        ins_b(g, 0x68);
        ins_imm(g, v, 4);
        ins_end(g, "PUSH_I");
        st_esp_add(g, -4);
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, 0x9d);
        ins_end(g, "POPF");
        st_esp_add(g, (int32_t)size);
        st_flags(g, F_ARITH, 0);
        g->st.df = (v & F_DF) ? 1 : 0;
        return;
    }
    if (k < 38) {
        /* A segment register from a selector pushed just before. */
        static const struct {
            uint8_t seg, b0, b1;
        } sp[5] = {{HD_ES, 0x07, 0}, {HD_SS, 0x17, 0}, {HD_DS, 0x1f, 0},
                   {HD_FS, 0x0f, 0xa1}, {HD_GS, 0x0f, 0xa9}};
        unsigned s = hd_rng_below(&g->rng, 5);
        uint16_t sel = rand_selector(g, sp[s].seg == HD_SS);
        ins_begin(g);
        ins_b(g, 0x68);
        ins_imm(g, (hd_rng_u32(&g->rng) & 0xffff0000u) | sel, 4);
        ins_end(g, "PUSH_I");
        st_esp_add(g, -4);
        ins_begin(g);
        pfx_size(g, size);
        ins_b(g, sp[s].b0);
        if (sp[s].b1)
            ins_b(g, sp[s].b1);
        ins_end(g, "POP_SEG");
        st_esp_add(g, (int32_t)size);
        note_seg_load(g, sp[s].seg, sel);
        return;
    }
    if (k < 75) {
        ins_begin(g);
        int r = pick_reg(g, size, U_DST);
        if (hd_rng_pct(&g->rng, 1))
            r = R_SP; /* POP ESP: the stack pointer is unknown afterwards */
        if (r < 0)
            return;
        pfx_size(g, size);
        ins_b(g, (uint8_t)(0x58 + r));
        ins_end(g, "POP_R");
        st_esp_add(g, (int32_t)size);
        st_write(g, (unsigned)r, size);
        return;
    }
    /* POP r/m: an ESP base is used after the increment (SDM vol. 2, POP). */
    struct memreq req = {0, (int32_t)size, M_WRITE, (int32_t)size};
    ins_begin(g);
    pfx_size(g, size);
    if (hd_rng_pct(&g->rng, 20)) {
        int r = pick_reg(g, size, U_DST);
        if (r < 0)
            return;
        opnd_reg(&o, (unsigned)r);
    } else if (!pick_mem(g, &req, &o)) {
        return;
    }
    ins_b(g, 0x8f);
    ins_modrm(g, 0, &o);
    ins_end(g, "POP_E");
    st_esp_add(g, (int32_t)size);
    st_write_rm(g, &o, size);
}

/* Explicit stack pointer arithmetic the model can follow. */
static void fam_stackadj(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 3);
    int32_t d = ((int32_t)hd_rng_below(&g->rng, 33) - 16) * 4;
    if (k == 2) {
        uint32_t v = HD_STACK_BASE + 0x2000 + (hd_rng_below(&g->rng, 0xc000) & ~3u);
        ins_begin(g);
        ins_b(g, 0xbc); /* MOV ESP, imm32 */
        ins_imm(g, v, 4);
        ins_end(g, "MOV_RI");
        st_set(g, R_SP, v, v);
        return;
    }
    if (!stack_room(g, d < 0 ? (uint32_t)-d : 0, d > 0 ? (uint32_t)d : 0))
        return;
    ins_begin(g);
    if (k == 0) {
        ins_b(g, 0x83); /* ADD ESP, imm8 */
        ins_b(g, 0xc4);
        ins_b(g, (uint8_t)d);
        ins_end(g, "ALU_EI");
        st_flags(g, F_ARITH, 0);
    } else {
        ins_b(g, 0x8d); /* LEA ESP, [ESP + disp8] */
        ins_b(g, 0x64);
        ins_b(g, 0x24);
        ins_b(g, (uint8_t)d);
        ins_end(g, "LEA");
    }
    st_esp_add(g, d);
}

/* Forward branches: Jcc, JMP, LOOPcc, JECXZ. */
static void fam_jump(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 100);
    unsigned ahead = hd_rng_below(&g->rng, 4);
    if (k < 55) {
        unsigned cc = hd_rng_below(&g->rng, 16);
        bool near = hd_rng_pct(&g->rng, 25);
        need_flags(g, cond_flags(cc));
        ins_begin(g);
        unsigned target = g->group + 1 + ahead;
        if (near) {
            ins_b(g, 0x0f);
            ins_b(g, (uint8_t)(0x80 + cc));
            ins_fix_group(g, FIX_REL32, target);
        } else {
            ins_b(g, (uint8_t)(0x70 + cc));
            ins_fix_group(g, FIX_REL8, target);
        }
        ins_end(g, "JCC");
        gen_jump_to(g, target, &g->st);
    } else if (k < 70) {
        bool near = hd_rng_pct(&g->rng, 30);
        ins_begin(g);
        unsigned target = g->group + 1 + ahead;
        ins_b(g, near ? 0xe9 : 0xeb);
        ins_fix_group(g, near ? FIX_REL32 : FIX_REL8, target);
        ins_end(g, "JMP_J");
        gen_jump_to(g, target, &g->st);
        g->st.dead = true;
    } else {
        /* LOOP/LOOPE/LOOPNE/JECXZ; with 67h they use CX. */
        unsigned op = hd_rng_below(&g->rng, 4);
        bool a16 = hd_rng_pct(&g->rng, 25);
        need_regs(g, 1u << R_CX);
        if (op < 2)
            need_flags(g, F_ZF);
        ins_begin(g);
        unsigned target = g->group + 1 + ahead;
        if (a16)
            ins_pfx(g, 0x67);
        ins_b(g, (uint8_t)(0xe0 + op));
        ins_fix_group(g, FIX_REL8, target);
        ins_end(g, op == 3 ? "JECXZ" : "LOOP");
        if (op < 3) {
            struct vrange *c = &g->st.r[R_CX];
            if (c->known && (a16 ? (c->lo & 0xffff) >= 1 && (c->lo >> 16) == (c->hi >> 16) : c->lo >= 1))
                st_add(g, R_CX, -1);
            else
                st_write(g, R_CX, 4);
        }
        gen_jump_to(g, target, &g->st);
    }
}

/* CALL and RET inside the sequence:
 *   call L; jmp M; L: body; ret [n]; M:
 * or call to the next instruction followed by POP (the return address), or
 * indirect calls and jumps through a register or memory. */
static void fam_call(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 100);
    if (!gen_no_pending(g) || !gen_room(g, 10) || !stack_room(g, 16, 16))
        return;
    if (k < 25) {
        ins_begin(g);
        ins_b(g, 0xe8);
        ins_imm(g, 0, 4);
        ins_end(g, "CALL_J");
        st_esp_add(g, -4);
        uint32_t ret = HD_CODE_BASE + g->len;
        ins_begin(g);
        int r = pick_reg(g, 4, U_DST);
        if (r < 0 || hd_rng_pct(&g->rng, 20)) {
            ins_b(g, 0x83); /* ADD ESP, 4 */
            ins_b(g, 0xc4);
            ins_b(g, 4);
            ins_end(g, "ALU_EI");
            st_flags(g, F_ARITH, 0);
        } else {
            ins_b(g, (uint8_t)(0x58 + r));
            ins_end(g, "POP_R");
            st_set(g, (unsigned)r, ret, ret);
        }
        st_esp_add(g, 4);
        return;
    }
    if (k < 40) {
        /* An indirect forward jump. */
        unsigned ahead = 1 + hd_rng_below(&g->rng, 3);
        int r = pick_reg(g, 4, U_DST);
        if (r < 0)
            return;
        ins_begin(g);
        unsigned target = g->group + ahead;
        ins_b(g, (uint8_t)(0xb8 + r));
        ins_fix_group(g, FIX_ABS32, target);
        ins_end(g, "MOV_RI");
        st_write(g, (unsigned)r, 4);
        struct opnd o;
        opnd_reg(&o, (unsigned)r);
        ins_begin(g);
        ins_b(g, 0xff);
        ins_modrm(g, 4, &o);
        ins_end(g, "JMP_E");
        gen_jump_to(g, target, &g->st);
        g->st.dead = true;
        return;
    }

    /* call L; jmp M; L: body; ret. */
    unsigned variant = hd_rng_below(&g->rng, 3); /* direct, via register, via memory */
    struct opnd o;
    unsigned abs_fix = 0;
    bool has_abs = false;
    if (variant == 1) {
        int r = pick_reg(g, 4, U_DST);
        if (r < 0)
            return;
        ins_begin(g);
        ins_b(g, (uint8_t)(0xb8 + r));
        ins_fix(g, FIX_ABS32, FIX_LATER);
        abs_fix = ins_end(g, "MOV_RI");
        has_abs = true;
        st_write(g, (unsigned)r, 4);
        opnd_reg(&o, (unsigned)r);
    } else if (variant == 2) {
        struct memreq req = {0, 4, M_WRITE | M_NOFAULT, 0};
        ins_begin(g);
        if (!pick_mem(g, &req, &o))
            return;
        ins_b(g, 0xc7);
        ins_modrm(g, 0, &o);
        ins_fix(g, FIX_ABS32, FIX_LATER);
        abs_fix = ins_end(g, "MOV_EI");
        has_abs = true;
    }
    ins_begin(g);
    unsigned call_idx = gen_index(g);
    if (variant == 0) {
        ins_b(g, 0xe8);
        ins_fix(g, FIX_REL32, call_idx + 2);
        ins_end(g, "CALL_J");
    } else {
        ins_b(g, 0xff);
        ins_modrm(g, 2, &o);
        ins_end(g, "CALL_E");
    }
    if (has_abs)
        gen_set_fix(g, abs_fix, call_idx + 2);
    st_esp_add(g, -4);
    struct gstate after_call = g->st;
    ins_begin(g);
    unsigned jmp_idx = gen_index(g);
    ins_b(g, 0xeb);
    ins_fix(g, FIX_REL8, FIX_LATER);
    unsigned jmp_fix = ins_end(g, "JMP_J");
    g->st = after_call;
    unsigned body = hd_rng_below(&g->rng, 3);
    g->in_call = true;
    for (unsigned i = 0; i < body && gen_room(g, 6); i++)
        gen_ops_emit(g, true);
    g->in_call = false;
    uint16_t pop = hd_rng_pct(&g->rng, 30) ? (uint16_t)(hd_rng_below(&g->rng, 4) * 4) : 0;
    if (!stack_room(g, 0, 4u + pop))
        pop = 0;
    ins_begin(g);
    if (pop || hd_rng_pct(&g->rng, 10)) {
        ins_b(g, 0xc2);
        ins_imm(g, pop, 2);
    } else {
        ins_b(g, 0xc3);
    }
    ins_end(g, "RET");
    st_esp_add(g, 4 + pop);
    /* The jmp runs after the return, with the state the ret left. */
    memcpy(g->tc->insn[jmp_idx].uregs, g->st.uregs, sizeof g->st.uregs);
    g->tc->insn[jmp_idx].undef = g->st.undef;
    gen_set_fix(g, jmp_fix, gen_index(g));
}

/* BOUND: in range or #BR. The host checks the lower bound before it reads
 * the upper one, so which of #BR and #PF wins for bounds straddling a page
 * edge is an implementation detail: keep them inside the areas. */
static void fam_bound(struct gen *g)
{
    unsigned size = osz(g);
    struct opnd o;
    struct memreq req = {0, 2 * (int32_t)size, M_NOFAULT, 0};
    ins_begin(g);
    int r = pick_reg(g, size, U_SRC);
    if (r < 0 || !pick_mem(g, &req, &o))
        return;
    const struct vrange *v = &g->st.r[reg_base((unsigned)r, size)];
    if (o.known && o.lo == o.hi && v->known && v->lo == v->hi && hd_rng_pct(&g->rng, 75)) {
        int32_t x = size == 2 ? (int16_t)v->lo : (int32_t)v->lo;
        int32_t lo = x - (int32_t)hd_rng_below(&g->rng, 8), hi = x + (int32_t)hd_rng_below(&g->rng, 8);
        if (hd_rng_pct(&g->rng, 20))
            lo = x + 1; /* just out of range */
        if (size == 2) {
            gen_patch(g, o.lo, ((uint32_t)hi << 16) | ((uint32_t)lo & 0xffff));
        } else {
            gen_patch(g, o.lo, (uint32_t)lo);
            gen_patch(g, o.lo + 4, (uint32_t)hi);
        }
    }
    pfx_size(g, size);
    ins_b(g, 0x62);
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, "BOUND");
}

/* String instructions with and without REP, in both directions. */
static void fam_string(struct gen *g)
{
    static const struct {
        uint8_t op;
        bool si, di, ax, cmp;
        const char *name;
    } s[5] = {
        {0xa4, true, true, false, false, "MOVS"}, {0xa6, true, true, false, true, "CMPS"},
        {0xaa, false, true, true, false, "STOS"}, {0xac, true, false, false, false, "LODS"},
        {0xae, false, true, true, true, "SCAS"},
    };
    unsigned w = hd_rng_below(&g->rng, 5);
    unsigned size = hd_rng_pct(&g->rng, 35) ? 1 : osz(g);
    unsigned k = hd_rng_below(&g->rng, 100);
    uint8_t rep = k < 40 ? 0 : (s[w].cmp && k >= 85) ? 0xf2 : 0xf3;
    bool a16 = g->cfg->low_mapped && hd_rng_pct(&g->rng, 10);

    need_regs(g, (uint8_t)((s[w].si ? 1u << R_SI : 0) | (s[w].di ? 1u << R_DI : 0) |
                           (s[w].ax ? 1u << R_AX : 0) | (rep ? 1u << R_CX : 0)));
    uint32_t nmax = 1, nmin = 1;
    if (rep) {
        const struct vrange *c = &g->st.r[R_CX];
        bool ok = c->known && (a16 ? (c->lo >> 16) == (c->hi >> 16) && (c->hi & 0xffff) <= 48
                                   : c->hi <= 48);
        if (!ok || hd_rng_pct(&g->rng, 30)) {
            uint32_t n = hd_rng_below(&g->rng, 20);
            set_reg(g, R_CX, a16 ? (hd_rng_u32(&g->rng) & 0xffff0000u) | n : n);
        }
        nmax = a16 ? c->hi & 0xffff : c->hi;
        nmin = a16 ? c->lo & 0xffff : c->lo;
    }
    int dir = g->st.df;
    uint32_t span = nmax * size;
    for (int p = 0; p < 2; p++) {
        bool used = p == 0 ? s[w].si : s[w].di;
        unsigned r = p == 0 ? R_SI : R_DI;
        if (!used)
            continue;
        const struct vrange *v = &g->st.r[r];
        int64_t lo = a16 ? v->lo & 0xffff : v->lo, hi = a16 ? v->hi & 0xffff : v->hi;
        bool ok = v->known && (!a16 || (v->lo >> 16) == (v->hi >> 16)) &&
                  in_area(g, lo - (dir != 0 ? span : 0), hi + size + (dir != 1 ? span : 0));
        if (!ok) {
            uint32_t val = a16 ? (hd_rng_u32(&g->rng) & 0xffff0000u) |
                                     (HD_LOW_BASE + 0x100 + hd_rng_below(&g->rng, HD_LOW_SIZE - 0x200))
                               : rand_ptr(g, 0x100);
            set_reg(g, r, val);
        }
    }
    ins_begin(g);
    if (a16)
        ins_pfx(g, 0x67);
    pfx_size(g, size);
    if (rep)
        ins_pfx(g, rep);
    if (s[w].si && hd_rng_pct(&g->rng, 10)) {
        static const uint8_t ov[4] = {0x26, 0x2e, 0x36, 0x3e};
        ins_pfx(g, ov[hd_rng_below(&g->rng, 4)]);
    }
    if (hd_rng_pct(&g->rng, 1))
        ins_pfx(g, 0xf0); /* #UD */
    ins_b(g, (uint8_t)(s[w].op + (size > 1)));
    ins_end(g, s[w].name);

    /* How far the pointers moved: between nmin' and nmax elements. */
    uint32_t lo_n = rep && s[w].cmp ? (nmin ? 1 : 0) : nmin;
    for (int p = 0; p < 2; p++) {
        bool used = p == 0 ? s[w].si : s[w].di;
        unsigned r = p == 0 ? R_SI : R_DI;
        struct vrange *v = &g->st.r[r];
        if (!used || !v->known)
            continue;
        int64_t a = v->lo, b = v->hi;
        if (dir == 0) {
            a += (int64_t)lo_n * size;
            b += (int64_t)nmax * size;
        } else if (dir == 1) {
            a -= (int64_t)nmax * size;
            b -= (int64_t)lo_n * size;
        } else {
            a -= (int64_t)nmax * size;
            b += (int64_t)nmax * size;
        }
        if (a < 0 || b > 0xffffffffll)
            v->known = false;
        else
            v->lo = (uint32_t)a, v->hi = (uint32_t)b;
    }
    if (rep) {
        struct vrange *c = &g->st.r[R_CX];
        uint32_t top = c->hi & (a16 ? 0xffff0000u : 0);
        if (!c->known || (a16 && (c->lo >> 16) != (c->hi >> 16)))
            st_write(g, R_CX, 4);
        else if (s[w].cmp)
            st_set(g, R_CX, top, c->hi);
        else
            st_set(g, R_CX, top, top);
    }
    if (w == 3)
        st_write(g, R_AX, size);
    if (s[w].cmp && lo_n > 0)
        st_flags(g, F_ARITH, 0);
}

static void fam_flagops(struct gen *g)
{
    static const struct {
        uint8_t op;
        const char *name;
    } f[5] = {{0xf8, "CLC"}, {0xf9, "STC"}, {0xf5, "CMC"}, {0xfc, "CLD"}, {0xfd, "STD"}};
    unsigned k = hd_rng_below(&g->rng, 5);
    if (k == 2)
        need_flags(g, F_CF);
    ins_begin(g);
    ins_b(g, f[k].op);
    ins_end(g, f[k].name);
    if (k < 3)
        st_flags(g, F_CF, 0);
    else
        g->st.df = k == 4;
}

static void fam_nop(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 5);
    struct opnd o;
    ins_begin(g);
    switch (k) {
    case 0:
        ins_b(g, 0x90);
        ins_end(g, "NOP");
        break;
    case 1:
        ins_pfx(g, 0x66);
        ins_b(g, 0x90);
        ins_end(g, "NOP");
        break;
    case 2:
        ins_pfx(g, 0xf3); /* PAUSE */
        ins_b(g, 0x90);
        ins_end(g, "NOP");
        break;
    case 3:
        if (hd_rng_pct(&g->rng, 30))
            ins_pfx(g, 0x66);
        pick_rm(g, 4, U_SRC, hd_rng_pct(&g->rng, 70) ? M_NOACC : 0, &o);
        ins_b(g, 0x0f);
        ins_b(g, 0x1f);
        ins_modrm(g, 0, &o);
        ins_end(g, "NOP_E");
        break;
    default:
        ins_b(g, 0x9b);
        ins_end(g, "WAIT");
        break;
    }
}

/* Instructions that must fault at CPL 3 or are invalid. */
static void fam_fault(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 100);
    struct opnd o;
    if (k < 6)
        need_flags(g, F_OF);
    ins_begin(g);
    if (k < 6) {
        ins_b(g, 0xce);
        ins_end(g, "INTO");
        return;
    }
    if (k < 12) {
        if (hd_rng_pct(&g->rng, 50)) {
            ins_b(g, 0xcc);
        } else {
            ins_b(g, 0xcd);
            ins_b(g, 3);
        }
        ins_end(g, "INT3");
        return;
    }
    if (k < 16) {
        ins_b(g, 0xf1);
        ins_end(g, "INT1");
        return;
    }
    if (k < 26) {
        /* INT n through a gate with DPL 0: #GP(n * 8 + 2). Not 0x80, the
         * system call gate. */
        uint8_t n = (uint8_t)hd_rng_u32(&g->rng);
        if (n == 0x80)
            n = 0x81;
        ins_b(g, 0xcd);
        ins_b(g, n);
        ins_end(g, "INT_I");
        return;
    }
    if (k < 36) {
        /* Redundant prefixes up to the 15-byte limit and past it: #GP(0)
         * (SDM vol. 2, 2.3.11). */
        unsigned extra = 12 + hd_rng_below(&g->rng, 4);
        static const uint8_t red[4] = {0x3e, 0x26, 0x36, 0x66};
        int d = pick_reg(g, 4, U_DST), s = pick_reg(g, 4, U_SRC);
        if (d < 0 || s < 0)
            return;
        for (unsigned i = 0; i < extra; i++)
            ins_pfx(g, red[hd_rng_below(&g->rng, 4)]);
        ins_b(g, 0x8b);
        ins_b(g, (uint8_t)(0xc0 | d << 3 | s));
        ins_end(g, "MOV_GE");
        st_write(g, (unsigned)d, 2);
        return;
    }
    static const struct {
        uint8_t b[3];
        uint8_t n;
        bool modrm, mem;
        uint8_t reg;
        const char *name;
    } priv[] = {
        {{0xf4}, 1, false, false, 0, "HLT"},      {{0xfa}, 1, false, false, 0, "CLI"},
        {{0xfb}, 1, false, false, 0, "STI"},      {{0xe4, 0x60}, 2, false, false, 0, "IN_I"},
        {{0xe5, 0x40}, 2, false, false, 0, "IN_I"}, {{0xe6, 0x80}, 2, false, false, 0, "OUT_I"},
        {{0xe7, 0xf4}, 2, false, false, 0, "OUT_I"}, {{0xec}, 1, false, false, 0, "IN_DX"},
        {{0xed}, 1, false, false, 0, "IN_DX"},    {{0xee}, 1, false, false, 0, "OUT_DX"},
        {{0xef}, 1, false, false, 0, "OUT_DX"},   {{0x6c}, 1, false, false, 0, "INS"},
        {{0x6f}, 1, false, false, 0, "OUTS"},     {{0x0f, 0x06}, 2, false, false, 0, "CLTS"},
        {{0x0f, 0x08}, 2, false, false, 0, "INVD"}, {{0x0f, 0x09}, 2, false, false, 0, "WBINVD"},
        {{0x0f, 0x20}, 2, true, false, 8 | 16, "MOV_RC"}, {{0x0f, 0x22}, 2, true, false, 8 | 16, "MOV_CR"},
        {{0x0f, 0x21}, 2, true, false, 8 | 16, "MOV_RD"}, {{0x0f, 0x23}, 2, true, false, 8 | 16, "MOV_DR"},
        {{0x0f, 0x01}, 2, true, true, 2, "LGDT"},  {{0x0f, 0x01}, 2, true, true, 3, "LIDT"},
        {{0x0f, 0x01}, 2, true, false, 6, "LMSW"}, {{0x0f, 0x01}, 2, true, true, 7, "INVLPG"},
        {{0x0f, 0x00}, 2, true, false, 2, "LLDT"}, {{0x0f, 0x00}, 2, true, false, 3, "LTR"},
        {{0x0f, 0x32}, 2, false, false, 0, "RDMSR"}, {{0x0f, 0x30}, 2, false, false, 0, "WRMSR"},
        {{0x0f, 0x35}, 2, false, false, 0, "SYSEXIT"},
        /* Invalid encodings: #UD. */
        {{0x0f, 0x0b}, 2, false, false, 0, "UD2"}, {{0x0f, 0xb9}, 2, true, false, 9, "UD"},
        {{0x8e}, 1, true, false, 1, "MOV_SE"},     {{0xfe}, 1, true, false, 7, "UD"},
        {{0xff}, 1, true, false, 7, "UD"},         {{0xff}, 1, true, false, 3 | 16, "UD"},
        {{0xff}, 1, true, false, 5 | 16, "UD"},    {{0x0f, 0xa6}, 2, false, false, 0, "UD"},
        {{0x0f, 0xa7}, 2, false, false, 0, "UD"},  {{0xf0, 0x90}, 2, false, false, 0, "NOP"},
        {{0xf0, 0x8b}, 2, true, false, 9, "MOV_GE"},
    };
    unsigned i = hd_rng_below(&g->rng, sizeof priv / sizeof priv[0]);
    for (unsigned j = 0; j < priv[i].n; j++)
        ins_b(g, priv[i].b[j]);
    if (priv[i].modrm) {
        unsigned reg = priv[i].reg & 15;
        if (reg == 8)
            reg = hd_rng_below(&g->rng, 5);
        else if (reg == 9)
            reg = hd_rng_below(&g->rng, 8);
        if (priv[i].mem) {
            struct memreq req = {0, 6, M_NOFAULT, 0};
            if (!pick_mem(g, &req, &o))
                return;
        } else if ((priv[i].reg & 16) || hd_rng_pct(&g->rng, 60)) {
            opnd_reg(&o, hd_rng_below(&g->rng, 8));
        } else {
            struct memreq req = {0, 2, M_NOFAULT, 0};
            if (!pick_mem(g, &req, &o))
                return;
        }
        ins_modrm(g, reg, &o);
    }
    ins_end(g, priv[i].name);
}

typedef void (*family_fn)(struct gen *g);

static const struct {
    family_fn fn;
    uint8_t weight;
    bool simple;
} families[] = {
    {fam_alu, 16, true},    {fam_test, 4, true},      {fam_incdec, 5, true},
    {fam_notneg, 3, true},  {fam_mul, 3, true},       {fam_imul2, 3, true},
    {fam_div, 3, true},     {fam_bcd, 3, true},       {fam_shift, 9, true},
    {fam_dshift, 3, true},  {fam_bt, 4, true},        {fam_bsf, 2, true},
    {fam_bswap, 1, true},   {fam_mov, 10, true},      {fam_movx, 3, true},
    {fam_lea, 4, true},     {fam_xchg, 3, true},      {fam_cmov, 3, true},
    {fam_setcc, 3, true},   {fam_xlat, 1, true},      {fam_cbw, 2, true},
    {fam_lahf, 2, true},    {fam_cmpxchg, 2, true},   {fam_xadd, 2, true},
    {fam_cmpxchg8b, 1, true}, {fam_flagops, 3, true}, {fam_nop, 1, true},
    {fam_sreg, 2, false},   {fam_lseg, 1, false},     {fam_desc, 2, false},
    {fam_push, 6, false},   {fam_pop, 5, false},      {fam_stackadj, 1, false},
    {fam_jump, 7, false},   {fam_call, 3, false},     {fam_bound, 1, false},
    {fam_string, 5, false}, {fam_fault, 2, false},
};

void gen_ops_emit(struct gen *g, bool simple_only)
{
    gen_begin_group(g);
    unsigned total = 0;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (!simple_only || families[i].simple)
            total += families[i].weight;
    unsigned pick = hd_rng_below(&g->rng, total);
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        if (simple_only && !families[i].simple)
            continue;
        if (pick < families[i].weight) {
            families[i].fn(g);
            return;
        }
        pick -= families[i].weight;
    }
}
