/*
 * Generator family for MMX: a short self-contained sequence that loads
 * MMX registers from general registers or memory, applies one packed
 * operation, and brings the result back where the comparison sees it
 * (general registers or memory), then EMMS. MMX registers are not part of
 * the compared state, and the host's hold anything at the start, so a
 * sequence only reads MMX registers it has written itself. See gen.h.
 */
#include "gen.h"

/* Opcodes of the 0F map taking mm, mm/m64 (SDM vol. 2, table A-3). */
static const uint8_t packed_ops[] = {
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
    0x74, 0x75, 0x76, 0xd1, 0xd2, 0xd3, 0xd5, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd,
    0xdf, 0xe1, 0xe2, 0xe5, 0xe8, 0xe9, 0xeb, 0xec, 0xed, 0xef, 0xf1, 0xf2,
    0xf3, 0xf5, 0xf8, 0xf9, 0xfa, 0xfc, 0xfd, 0xfe,
};

/* The shift-by-immediate forms: opcode and ModRM.reg. */
static const uint8_t shift_imm[][2] = {
    {0x71, 2}, {0x71, 4}, {0x71, 6}, {0x72, 2}, {0x72, 4}, {0x72, 6}, {0x73, 2}, {0x73, 6},
};

/* MOVD mm, r32 or MOVD mm, m32 or MOVQ mm, m64. */
static bool load_mm(struct gen *g, unsigned mm)
{
    struct opnd o;
    ins_begin(g);
    if (hd_rng_pct(&g->rng, 40)) {
        struct memreq req = {0, 8, 0, 0};
        if (!pick_mem(g, &req, &o))
            return false;
        ins_b(g, 0x0f);
        ins_b(g, 0x6f);
        ins_modrm(g, mm, &o);
        ins_end(g, "MOVQ_PQ");
        return true;
    }
    if (!pick_rm(g, 4, U_SRC, 0, &o))
        return false;
    ins_b(g, 0x0f);
    ins_b(g, 0x6e);
    ins_modrm(g, mm, &o);
    ins_end(g, "MOVD_PE");
    return true;
}

/* MOVD r/m32, mm, or MOVQ m64, mm. */
static bool store_mm(struct gen *g, unsigned mm)
{
    struct opnd o;
    ins_begin(g);
    if (hd_rng_pct(&g->rng, 40)) {
        struct memreq req = {0, 8, M_WRITE, 0};
        if (!pick_mem(g, &req, &o))
            return false;
        ins_b(g, 0x0f);
        ins_b(g, 0x7f);
        ins_modrm(g, mm, &o);
        ins_end(g, "MOVQ_QP");
        return true;
    }
    if (!pick_rm(g, 4, U_DST, 0, &o))
        return false;
    ins_b(g, 0x0f);
    ins_b(g, 0x7e);
    ins_modrm(g, mm, &o);
    ins_end(g, "MOVD_EP");
    st_write_rm(g, &o, 4);
    return true;
}

/* A shift count: small, at the element widths, or past them. */
static uint8_t mmx_count(struct gen *g)
{
    static const uint8_t edges[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 255};
    if (hd_rng_pct(&g->rng, 50))
        return edges[hd_rng_below(&g->rng, sizeof edges)];
    return (uint8_t)hd_rng_below(&g->rng, 256);
}

static void fam_mmx(struct gen *g)
{
    unsigned dst = hd_rng_below(&g->rng, 8), src = hd_rng_below(&g->rng, 8);
    if (!load_mm(g, dst))
        return;
    unsigned kind = hd_rng_below(&g->rng, 10);
    if (kind < 2) {
        /* Shift by an immediate. */
        unsigned k = hd_rng_below(&g->rng, sizeof shift_imm / sizeof shift_imm[0]);
        ins_begin(g);
        ins_b(g, 0x0f);
        ins_b(g, shift_imm[k][0]);
        ins_b(g, (uint8_t)(0xc0 | shift_imm[k][1] << 3 | dst));
        ins_b(g, mmx_count(g));
        ins_end(g, "MMX_NI");
    } else {
        uint8_t op = packed_ops[hd_rng_below(&g->rng, sizeof packed_ops)];
        bool shift = op >= 0xd0 && (op & 0x0f) >= 1 && (op & 0x0f) <= 3;
        struct opnd o;
        if (kind < 5) {
            /* The source from memory; the low unpacks read four bytes. */
            int32_t size = op <= 0x62 ? 4 : 8;
            struct memreq req = {0, size, 0, 0};
            ins_begin(g);
            if (!pick_mem(g, &req, &o))
                return;
        } else {
            /* The source in an MMX register; shift counts are set with a
             * MOVD from an immediate loaded general register. */
            if (shift) {
                int r = pick_reg(g, 4, U_DST);
                if (r < 0)
                    return;
                set_reg(g, (unsigned)r, mmx_count(g) | (hd_rng_pct(&g->rng, 5) ? 0x100u : 0));
                ins_begin(g);
                ins_b(g, 0x0f);
                ins_b(g, 0x6e);
                ins_b(g, (uint8_t)(0xc0 | src << 3 | (unsigned)r));
                ins_end(g, "MOVD_PE");
            } else if (src != dst && !load_mm(g, src)) {
                return;
            }
            ins_begin(g);
            opnd_reg(&o, src);
        }
        ins_b(g, 0x0f);
        ins_b(g, op);
        ins_modrm(g, dst, &o);
        ins_end(g, "MMX_PQ");
    }
    /* Both halves of the result: a quadword store, or two dwords. */
    if (!store_mm(g, dst))
        return;
    if (hd_rng_pct(&g->rng, 60)) {
        ins_begin(g);
        ins_b(g, 0x0f);
        ins_b(g, 0x73);
        ins_b(g, (uint8_t)(0xd0 | dst));
        ins_b(g, 32);
        ins_end(g, "MMX_NI");
        if (!store_mm(g, dst))
            return;
    }
    ins_begin(g);
    ins_b(g, 0x0f);
    ins_b(g, 0x77);
    ins_end(g, "EMMS");
}

const struct gen_family gen_mmx_families[] = {
    {fam_mmx, 4, true},
};
const unsigned gen_mmx_nfamilies = sizeof gen_mmx_families / sizeof gen_mmx_families[0];
