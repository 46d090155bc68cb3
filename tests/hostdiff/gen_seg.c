/*
 * Generator families for segment registers and descriptors: MOV to and
 * from segment registers, far pointer loads, ARPL, LAR, LSL, VERR, VERW.
 * The selectors are those of the Linux process the native runner is: flat
 * user segments at 0x23 (code) and 0x2b (data). See gen.h.
 */
#include "gen.h"

/* A selector to load: mostly the flat user data segment, sometimes null,
 * a code segment, or one that faults (SDM vol. 2, MOV: #GP(selector)). */
uint16_t rand_selector(struct gen *g, bool ss)
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

void st_seg_load(struct gen *g, unsigned seg, uint16_t sel)
{
    if ((sel & ~3u) == 0x28)
        g->st.seg_odd &= (uint8_t)~(1u << seg);
    else
        g->st.seg_odd |= (uint8_t)(1u << seg);
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
        ins_osize(g, size);
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
        st_seg_load(g, s, sel);
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
    unsigned size = gen_osize(g);
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
    ins_osize(g, size);
    ins_b(g, k[w].op0);
    if (k[w].op1)
        ins_b(g, k[w].op1);
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, k[w].name);
    st_write(g, (unsigned)r, size);
    st_seg_load(g, k[w].seg, sel);
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
        unsigned size = gen_osize(g);
        int r = pick_reg(g, size, U_RMW);
        if (r < 0)
            return;
        ins_osize(g, size);
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

const struct gen_family gen_seg_families[] = {
    {fam_sreg, 2, false},
    {fam_lseg, 1, false},
    {fam_desc, 2, false},
};
const unsigned gen_seg_nfamilies = sizeof gen_seg_families / sizeof gen_seg_families[0];
