/*
 * Generator families that compute: arithmetic and logic, multiply and
 * divide, shifts and rotates, bit operations, decimal adjusts, conditional
 * moves and sets, and the flag instructions. See gen.h.
 */
#include "gen.h"

/* ALU: ADD OR ADC SBB AND SUB XOR CMP in all eight forms. */
static void fam_alu(struct gen *g)
{
    unsigned op = hd_rng_below(&g->rng, 8);
    bool logic = op == 1 || op == 4 || op == 6;
    bool writes = op != 7;
    unsigned form = hd_rng_below(&g->rng, 10);
    unsigned size = (form == 0 || form == 2 || form == 4 || form == 6 || form == 9) ? 1 : gen_osize(g);
    struct opnd o;
    int r = -1;

    if (op == 2 || op == 3)
        need_flags(g, F_CF);
    if (form == 4 || form == 5)
        need_regs(g, 1u << R_AX);
    ins_begin(g);
    ins_osize(g, size);

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
        ins_maybe_lock(g, &o, writes);
        ins_b(g, (uint8_t)(op * 8 + (size > 1)));
        ins_modrm(g, (unsigned)r, &o);
        name = "ALU_EG";
        break;
    case 2:
    case 3:
        if ((r = pick_reg(g, size, writes ? U_RMW : U_SRC)) < 0 || !pick_rm(g, size, U_SRC, 0, &o))
            return;
        ins_maybe_lock(g, &o, false);
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
        ins_maybe_lock(g, &o, writes);
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
    unsigned size = (form & 1) ? gen_osize(g) : 1;
    struct opnd o;
    int r;
    if (form == 2 || form == 3)
        need_regs(g, 1u << R_AX);
    ins_begin(g);
    ins_osize(g, size);
    if (form < 2) {
        if (!pick_rm(g, size, U_SRC, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
            return;
        ins_maybe_lock(g, &o, false);
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
    unsigned size = form == 1 ? 1 : gen_osize(g);
    struct opnd o;
    ins_begin(g);
    ins_osize(g, size);
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
        ins_maybe_lock(g, &o, true);
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
    unsigned size = hd_rng_pct(&g->rng, 30) ? 1 : gen_osize(g);
    struct opnd o;
    ins_begin(g);
    ins_osize(g, size);
    if (!pick_rm(g, size, U_RMW, 0, &o))
        return;
    ins_maybe_lock(g, &o, true);
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
    unsigned size = hd_rng_pct(&g->rng, 30) ? 1 : gen_osize(g);
    struct opnd o;
    need_regs(g, 1u << R_AX);
    ins_begin(g);
    ins_osize(g, size);
    if (!pick_rm(g, size, U_SRC, 0, &o))
        return;
    ins_maybe_lock(g, &o, false);
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
    unsigned size = gen_osize(g);
    struct opnd o;
    ins_begin(g);
    ins_osize(g, size);
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
    unsigned size = hd_rng_pct(&g->rng, 25) ? 1 : gen_osize(g);
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
            ins_osize(g, size);
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
        ins_osize(g, size);
    } else {
        ins_begin(g);
        ins_osize(g, size);
        if (!pick_rm(g, size, U_SRC, 0, &o))
            return;
    }
    ins_maybe_lock(g, &o, false);
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
    unsigned size = hd_rng_pct(&g->rng, 35) ? 1 : gen_osize(g);
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
    ins_osize(g, size);
    if (!pick_rm(g, size, U_RMW, 0, &o))
        return;
    ins_maybe_lock(g, &o, false);
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
    unsigned size = gen_osize(g);
    unsigned count;
    bool known = true;
    if (by_cl)
        known = count_in_cl(g, size == 4, &count);
    else
        count = rand_count(g);
    struct opnd o;
    int r;
    ins_begin(g);
    ins_osize(g, size);
    if (!pick_rm(g, size, U_RMW, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
        return;
    unsigned c = count & 31;
    bool undefined = known && size == 2 && c > 16;
    if (undefined && o.mem)
        return; /* undefined memory contents cannot be compared */
    ins_maybe_lock(g, &o, false);
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
 * that reaches beyond the addressed word (SDM vol. 2, BT). The CPU "may"
 * access 2 or 4 bytes there, so which bytes fault at a page edge is the
 * implementation's choice: memory operands stay off the edges. */
static void fam_bt(struct gen *g)
{
    unsigned op = 4 + hd_rng_below(&g->rng, 4);
    static const uint8_t reg_op[4] = {0xa3, 0xab, 0xb3, 0xbb};
    static const char *const names[4] = {"BT", "BTS", "BTR", "BTC"};
    unsigned size = gen_osize(g);
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
        struct memreq req = {delta, delta + (int32_t)size, M_NO16 | M_NOFAULT | (writes ? M_WRITE : 0), 0};
        ins_begin(g);
        ins_osize(g, size);
        if (!pick_mem(g, &req, &o))
            return;
    } else if (imm_form) {
        ins_begin(g);
        ins_osize(g, size);
        if (!pick_rm(g, size, writes ? U_RMW : U_SRC, M_NO16 | M_NOFAULT, &o))
            return;
    } else {
        /* Both in registers: the offset is taken modulo the width. */
        ins_begin(g);
        ins_osize(g, size);
        int d = pick_reg(g, size, writes ? U_RMW : U_SRC);
        if (d < 0 || (r = pick_reg(g, size, U_SRC)) < 0)
            return;
        opnd_reg(&o, (unsigned)d);
    }
    ins_maybe_lock(g, &o, writes);
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
    unsigned size = gen_osize(g);
    struct opnd o;
    ins_begin(g);
    ins_osize(g, size);
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

static void fam_cmov(struct gen *g)
{
    unsigned cc = hd_rng_below(&g->rng, 16);
    unsigned size = gen_osize(g);
    struct opnd o;
    need_flags(g, cond_flags(cc));
    ins_begin(g);
    ins_osize(g, size);
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

const struct gen_family gen_arith_families[] = {
    {fam_alu, 16, true},
    {fam_test, 4, true},
    {fam_incdec, 5, true},
    {fam_notneg, 3, true},
    {fam_mul, 3, true},
    {fam_imul2, 3, true},
    {fam_div, 3, true},
    {fam_bcd, 3, true},
    {fam_shift, 9, true},
    {fam_dshift, 3, true},
    {fam_bt, 4, true},
    {fam_bsf, 2, true},
    {fam_bswap, 1, true},
    {fam_cmov, 3, true},
    {fam_setcc, 3, true},
    {fam_cbw, 2, true},
    {fam_lahf, 2, true},
    {fam_flagops, 3, true},
};
const unsigned gen_arith_nfamilies = sizeof gen_arith_families / sizeof gen_arith_families[0];
