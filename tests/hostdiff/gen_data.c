/*
 * Generator families that move data: MOV in all its forms, MOVZX/MOVSX,
 * LEA, XCHG, XLAT, CMPXCHG/XADD/CMPXCHG8B, string instructions and hint
 * NOPs. See gen.h.
 */
#include "gen.h"

#include <string.h>

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
    unsigned size = (form % 2 == 0) ? 1 : gen_osize(g);
    struct opnd o;
    int r = -1;
    if (form == 9 || form == 8)
        need_regs(g, form == 9 ? 1u << R_AX : 0);
    ins_begin(g);
    ins_osize(g, size);
    switch (form) {
    case 0:
    case 1:
        if (!pick_rm(g, size, U_DST, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
            return;
        ins_maybe_lock(g, &o, false);
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
    ins_osize(g, dst);
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
    unsigned size = gen_osize(g);
    struct opnd o;
    ins_begin(g);
    ins_osize(g, size);
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
    unsigned size = form == 0 ? 1 : gen_osize(g);
    struct opnd o;
    int r;
    if (form == 2)
        need_regs(g, 1u << R_AX);
    ins_begin(g);
    ins_osize(g, size);
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
            ins_maybe_lock(g, &o, false);
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

/* XLAT reads [EBX + AL], or [BX + AL] with 67h. */
static void fam_xlat(struct gen *g)
{
    bool a16 = g->cfg->low_mapped && hd_rng_pct(&g->rng, 15);
    need_regs(g, 1u << R_AX | 1u << R_BX);
    const struct vrange *b = &g->st.r[R_BX];
    bool ok = b->known && (a16 ? ((b->lo >> 16) == (b->hi >> 16) &&
                                  gen_in_area(g, b->lo & 0xffff, (int64_t)(b->hi & 0xffff) + 256))
                               : gen_in_area(g, b->lo, (int64_t)b->hi + 256));
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

/* CMPXCHG, often after loading the accumulator from the destination so the
 * exchange happens. */
static void fam_cmpxchg(struct gen *g)
{
    unsigned size = hd_rng_pct(&g->rng, 30) ? 1 : gen_osize(g);
    struct opnd o;
    int r;
    need_regs(g, 1u << R_AX);
    ins_begin(g);
    if (!pick_rm(g, size, U_RMW, 0, &o) || (r = pick_reg(g, size, U_SRC)) < 0)
        return;
    if (hd_rng_pct(&g->rng, 50) && !opnd_uses(&o, R_AX)) {
        ins_osize(g, size);
        ins_b(g, (uint8_t)(0x8a + (size > 1)));
        ins_modrm(g, R_AX, &o);
        ins_end(g, "MOV_GE");
        st_write(g, R_AX, size);
        ins_begin(g);
        if (!o.mem && !reg_readable(g, o.reg, size))
            return;
    }
    ins_osize(g, size);
    ins_maybe_lock(g, &o, true);
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
    unsigned size = hd_rng_pct(&g->rng, 30) ? 1 : gen_osize(g);
    struct opnd o;
    int r;
    ins_begin(g);
    ins_osize(g, size);
    if (!pick_rm(g, size, U_RMW, 0, &o) || (r = pick_reg(g, size, U_RMW)) < 0)
        return;
    ins_maybe_lock(g, &o, true);
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
    ins_maybe_lock(g, &o, true);
    ins_b(g, 0x0f);
    ins_b(g, 0xc7);
    ins_modrm(g, 1, &o);
    ins_end(g, "CMPXCHG8B");
    st_write(g, R_AX, 4);
    st_write(g, R_DX, 4);
    st_flags(g, F_ZF, 0);
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
    unsigned size = hd_rng_pct(&g->rng, 35) ? 1 : gen_osize(g);
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
                  gen_in_area(g, lo - (dir != 0 ? span : 0), hi + size + (dir != 1 ? span : 0));
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
    ins_osize(g, size);
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
    if (w == 3 && lo_n > 0)
        st_write(g, R_AX, size);
    else if (w == 3)
        g->st.r[R_AX].known = false; /* maybe not loaded: undefined bits stay */
    if (s[w].cmp && lo_n > 0)
        st_flags(g, F_ARITH, 0);
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

const struct gen_family gen_data_families[] = {
    {fam_mov, 10, true},
    {fam_movx, 3, true},
    {fam_lea, 4, true},
    {fam_xchg, 3, true},
    {fam_xlat, 1, true},
    {fam_cmpxchg, 2, true},
    {fam_xadd, 2, true},
    {fam_cmpxchg8b, 1, true},
    {fam_string, 5, false},
    {fam_nop, 1, true},
};
const unsigned gen_data_nfamilies = sizeof gen_data_families / sizeof gen_data_families[0];
