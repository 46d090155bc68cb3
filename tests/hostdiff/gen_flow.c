/*
 * Generator families for control transfers inside the sequence and for
 * exceptions: forward jumps, CALL/RET, BOUND, and the instructions that
 * fault at CPL 3. See gen.h.
 */
#include "gen.h"

#include <string.h>

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
    if (!gen_no_pending(g) || !gen_room(g, 4 + 2 * GEN_FAMILY_INSNS) || !stack_room(g, 16, 16))
        return;
    if (k < 25) {
        ins_begin(g);
        ins_b(g, 0xe8);
        ins_imm(g, 0, 4);
        ins_end(g, "CALL_J");
        st_esp_add(g, -4);
        uint32_t ret = HD_CODE_BASE + g->tc->hdr.org + g->len;
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
    /* The short jump over the body must reach past the RET. */
    unsigned body = hd_rng_below(&g->rng, 3), body_start = g->len;
    g->in_call = true;
    for (unsigned i = 0; i < body; i++) {
        if (g->len - body_start + GEN_MAX_GROUP_BYTES + 3 > 127)
            break;
        gen_ops_emit(g, true);
    }
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
    unsigned size = gen_osize(g);
    struct opnd o;
    struct memreq req = {0, 2 * (int32_t)size, M_NOFAULT, 0};
    ins_begin(g);
    int r = pick_reg(g, size, U_SRC);
    if (r < 0 || !pick_mem(g, &req, &o))
        return;
    const struct vrange *v = &g->st.r[reg_base((unsigned)r, size)];
    if (o.known && o.lo == o.hi && v->known && v->lo == v->hi && hd_rng_pct(&g->rng, 75)) {
        /* Bounds around the index (wrapping is fine: it only changes the
         * outcome, which both sides compute). */
        uint32_t x = v->lo;
        uint32_t lo = x - hd_rng_below(&g->rng, 8), hi = x + hd_rng_below(&g->rng, 8);
        if (hd_rng_pct(&g->rng, 20))
            lo = x + 1; /* just out of range */
        if (size == 2) {
            gen_patch(g, o.lo, hi << 16 | (lo & 0xffff));
        } else {
            gen_patch(g, o.lo, lo);
            gen_patch(g, o.lo + 4, hi);
        }
    }
    ins_osize(g, size);
    ins_b(g, 0x62);
    ins_modrm(g, (unsigned)r, &o);
    ins_end(g, "BOUND");
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
        if (!g->cfg->int1_trap)
            return;
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
         * (SDM vol. 2, 2.3.11). Not near the end of the code page: whether
         * the CPU fetches the 16th byte (#PF) before it gives up (#GP) is
         * its own business. */
        if (g->tc->hdr.org)
            return;
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
        {{0x0f, 0x21}, 2, true, false, 10 | 16, "MOV_RD"}, {{0x0f, 0x23}, 2, true, false, 10 | 16, "MOV_DR"},
        {{0x0f, 0x01}, 2, true, true, 2, "LGDT"},  {{0x0f, 0x01}, 2, true, true, 3, "LIDT"},
        {{0x0f, 0x01}, 2, true, false, 6, "LMSW"}, {{0x0f, 0x01}, 2, true, true, 7, "INVLPG"},
        {{0x0f, 0x00}, 2, true, false, 2, "LLDT"}, {{0x0f, 0x00}, 2, true, false, 3, "LTR"},
        {{0x0f, 0x32}, 2, false, false, 0, "RDMSR"}, {{0x0f, 0x30}, 2, false, false, 0, "WRMSR"},
        {{0x0f, 0x35}, 2, false, false, 0, "SYSEXIT"},
        /* Invalid encodings: #UD. (Not those whose length is up to the
         * CPU, like UD1 0F B9 or the old 0F A6/A7: with the code at the end
         * of its page, a fetch fault could come first.) */
        {{0x0f, 0x0b}, 2, false, false, 0, "UD2"},
        {{0x8e}, 1, true, false, 1, "MOV_SE"},     {{0xfe}, 1, true, false, 7, "UD"},
        {{0xff}, 1, true, false, 7, "UD"},         {{0xff}, 1, true, false, 3 | 16, "UD"},
        {{0xff}, 1, true, false, 5 | 16, "UD"},    {{0xf0, 0x90}, 2, false, false, 0, "NOP"},
        {{0xf0, 0x8b}, 2, true, false, 9, "MOV_GE"},
    };
    unsigned i = hd_rng_below(&g->rng, sizeof priv / sizeof priv[0]);
    for (unsigned j = 0; j < priv[i].n; j++)
        ins_b(g, priv[i].b[j]);
    if (priv[i].modrm) {
        /* 8: a control register that exists (CR1 would raise #UD, which
         * competes with the privilege check), 10: any debug register,
         * 9: anything. */
        static const uint8_t crs[4] = {0, 2, 3, 4};
        unsigned reg = priv[i].reg & 15;
        if (reg == 8)
            reg = crs[hd_rng_below(&g->rng, 4)];
        else if (reg == 10)
            reg = hd_rng_below(&g->rng, 8);
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

const struct gen_family gen_flow_families[] = {
    {fam_jump, 7, false},
    {fam_call, 3, false},
    {fam_bound, 1, false},
    {fam_fault, 2, false},
};
const unsigned gen_flow_nfamilies = sizeof gen_flow_families / sizeof gen_flow_families[0];
