/*
 * Generator families for the stack: PUSH and POP in all their forms,
 * PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE and stack pointer arithmetic the
 * model can follow. See gen.h.
 */
#include "gen.h"

static void fam_push(struct gen *g)
{
    unsigned k = hd_rng_below(&g->rng, 100);
    unsigned size = gen_osize(g);
    struct opnd o;
    if (k < 8) {
        /* PUSHA */
        if (!stack_room(g, 8 * size, 0))
            return;
        need_regs(g, 0xff);
        ins_begin(g);
        ins_osize(g, size);
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
        ins_osize(g, size);
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
        ins_osize(g, size);
        ins_b(g, sp[s].b0);
        if (sp[s].b1)
            ins_b(g, sp[s].b1);
        ins_end(g, "PUSH_SEG");
    } else if (k < 50) {
        ins_begin(g);
        int r = pick_reg(g, size, U_SRC);
        if (r < 0)
            return;
        ins_osize(g, size);
        ins_b(g, (uint8_t)(0x50 + r));
        ins_end(g, "PUSH_R");
    } else if (k < 70) {
        bool byte = hd_rng_pct(&g->rng, 50);
        ins_begin(g);
        ins_osize(g, size);
        ins_b(g, byte ? 0x6a : 0x68);
        ins_imm(g, rand_val(g, byte ? 1 : size), byte ? 1 : size);
        ins_end(g, "PUSH_I");
    } else if (k < 85) {
        ins_begin(g);
        ins_osize(g, size);
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
        if (lv > 1 && !(bp->known && gen_in_area(g, (int64_t)bp->lo - 4 * lv, (int64_t)bp->hi + 4)))
            return;
        ins_begin(g);
        ins_osize(g, size);
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
    unsigned size = gen_osize(g);
    struct opnd o;
    if (k < 8) {
        if (!stack_room(g, 0, 8 * size))
            return;
        ins_begin(g);
        ins_osize(g, size);
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
        ins_osize(g, size);
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
        ins_osize(g, size);
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
        ins_osize(g, size);
        ins_b(g, sp[s].b0);
        if (sp[s].b1)
            ins_b(g, sp[s].b1);
        ins_end(g, "POP_SEG");
        st_esp_add(g, (int32_t)size);
        st_seg_load(g, sp[s].seg, sel);
        return;
    }
    if (k < 75) {
        ins_begin(g);
        int r = pick_reg(g, size, U_DST);
        if (hd_rng_pct(&g->rng, 1))
            r = R_SP; /* POP ESP: the stack pointer is unknown afterwards */
        if (r < 0)
            return;
        ins_osize(g, size);
        ins_b(g, (uint8_t)(0x58 + r));
        ins_end(g, "POP_R");
        st_esp_add(g, (int32_t)size);
        st_write(g, (unsigned)r, size);
        return;
    }
    /* POP r/m: an ESP base is used after the increment (SDM vol. 2, POP). */
    struct memreq req = {0, (int32_t)size, M_WRITE, (int32_t)size};
    ins_begin(g);
    ins_osize(g, size);
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

const struct gen_family gen_stack_families[] = {
    {fam_push, 6, false},
    {fam_pop, 5, false},
    {fam_stackadj, 1, false},
};
const unsigned gen_stack_nfamilies = sizeof gen_stack_families / sizeof gen_stack_families[0];
