/*
 * The sequence generator: assembly of instructions, the abstract state
 * model, operand choice and the case as a whole. See gen.h.
 */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room kept free at the ends of the stack area. */
#define STACK_MARGIN 64u

static _Noreturn void overflow(const struct gen *g)
{
    fprintf(stderr, "hostdiff: internal error: case %#llx outgrew its buffers\n",
            (unsigned long long)g->tc->seed);
    abort();
}

unsigned gen_index(const struct gen *g)
{
    return g->tc->ninsn;
}

bool gen_room(const struct gen *g, unsigned insns)
{
    return g->tc->ninsn + insns + 1 < GEN_MAX_INSN && g->len + insns * INSN_BYTES + 1 <= HD_MAX_CODE &&
           g->group + 8 < GEN_MAX_GROUPS &&
           g->nfix + insns <= sizeof g->fix / sizeof g->fix[0] &&
           g->npend + insns <= sizeof g->pend / sizeof g->pend[0];
}

struct gstate gen_merge(const struct gstate *a, const struct gstate *b)
{
    if (a->dead)
        return *b;
    if (b->dead)
        return *a;
    struct gstate m = *a;
    for (int r = 0; r < 8; r++) {
        const struct vrange *x = &a->r[r], *y = &b->r[r];
        if (x->known && y->known) {
            m.r[r].lo = x->lo < y->lo ? x->lo : y->lo;
            m.r[r].hi = x->hi > y->hi ? x->hi : y->hi;
        } else {
            m.r[r].known = false;
        }
    }
    for (int r = 0; r < 8; r++)
        m.uregs[r] = a->uregs[r] | b->uregs[r];
    m.undef = a->undef | b->undef;
    m.df = a->df == b->df ? a->df : -1;
    m.seg_odd = a->seg_odd | b->seg_odd;
    return m;
}

/* Start a group: merge the states of the jumps landing here. */
static void gen_group(struct gen *g)
{
    g->group++;
    g->group_first[g->group] = 0xffff;
    for (unsigned i = 0; i < g->npend; i++) {
        /* A short jump whose target could end up out of reach lands here. */
        struct jfix *f = &g->fix[g->pend[i].fix];
        if (f->kind == FIX_REL8 && g->len + GEN_MAX_GROUP_BYTES > f->from + 127u) {
            f->target = (uint16_t)g->group;
            g->pend[i].group = (uint16_t)g->group;
        }
    }
    for (unsigned i = 0; i < g->npend;) {
        if (g->pend[i].group <= g->group || g->ending) {
            g->st = gen_merge(&g->st, &g->pend[i].st);
            g->pend[i] = g->pend[--g->npend];
        } else {
            i++;
        }
    }
}

void gen_jump_to(struct gen *g, unsigned group, const struct gstate *st)
{
    if (st->dead)
        return;
    if (g->npend == sizeof g->pend / sizeof g->pend[0])
        overflow(g);
    g->pend[g->npend].group = (uint16_t)group;
    g->pend[g->npend].fix = (uint16_t)(g->nfix - 1);
    g->pend[g->npend].st = *st;
    g->npend++;
}

bool gen_no_pending(const struct gen *g)
{
    return g->npend == 0;
}

void ins_begin(struct gen *g)
{
    if (g->tc->ninsn >= GEN_MAX_INSN || g->len + 2 * INSN_BYTES > HD_MAX_CODE)
        overflow(g);
    if (g->group_first[g->group] == 0xffff)
        g->group_first[g->group] = (uint16_t)g->tc->ninsn;
    struct gen_insn *in = &g->tc->insn[g->tc->ninsn];
    in->off = (uint16_t)g->len;
    memcpy(in->uregs, g->st.uregs, sizeof in->uregs);
    in->undef = g->st.undef;
    g->npfx = g->nbody = g->nbfix = 0;
}

void ins_pfx(struct gen *g, uint8_t b)
{
    g->pfx[g->npfx++] = b;
}

void ins_b(struct gen *g, uint8_t b)
{
    g->body[g->nbody++] = b;
}

void ins_imm(struct gen *g, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        ins_b(g, (uint8_t)(v >> (8 * i)));
}

void ins_modrm(struct gen *g, unsigned regfield, const struct opnd *o)
{
    if (!o->mem) {
        ins_b(g, (uint8_t)(0xc0 | (regfield & 7) << 3 | o->reg));
        return;
    }
    if (o->a16)
        ins_pfx(g, 0x67);
    if (o->seg_pfx)
        ins_pfx(g, o->seg_pfx);
    ins_b(g, (uint8_t)(o->mod << 6 | (regfield & 7) << 3 | o->rm));
    if (o->has_sib)
        ins_b(g, o->sib);
    ins_imm(g, o->disp, o->disp_len);
}

static void add_fix(struct gen *g, enum fix_kind kind, unsigned target, bool by_group)
{
    g->bfix[g->nbfix].pos = (uint8_t)g->nbody;
    g->bfix[g->nbfix].kind = (uint8_t)kind;
    g->bfix[g->nbfix].by_group = by_group;
    g->bfix[g->nbfix].target = (uint16_t)target;
    g->nbfix++;
    ins_imm(g, 0, kind == FIX_REL8 ? 1 : 4);
}

void ins_fix(struct gen *g, enum fix_kind kind, unsigned target)
{
    add_fix(g, kind, target, false);
}

void ins_fix_group(struct gen *g, enum fix_kind kind, unsigned group)
{
    add_fix(g, kind, group, true);
}

unsigned ins_end(struct gen *g, const char *name)
{
    struct test_case *tc = g->tc;
    /* Prefixes of different groups may come in any order (SDM vol. 2,
     * 2.1.1): shuffle them. */
    for (unsigned i = g->npfx; i > 1; i--) {
        unsigned j = hd_rng_below(&g->rng, i);
        uint8_t t = g->pfx[i - 1];
        g->pfx[i - 1] = g->pfx[j];
        g->pfx[j] = t;
    }
    unsigned start = g->len;
    memcpy(tc->code + g->len, g->pfx, g->npfx);
    g->len += g->npfx;
    memcpy(tc->code + g->len, g->body, g->nbody);
    unsigned body_at = g->len;
    g->len += g->nbody;
    unsigned first_fix = g->nfix;
    if (g->nfix + g->nbfix > sizeof g->fix / sizeof g->fix[0])
        overflow(g);
    for (unsigned i = 0; i < g->nbfix; i++) {
        struct jfix *f = &g->fix[g->nfix++];
        f->at = (uint16_t)(body_at + g->bfix[i].pos);
        f->from = (uint16_t)g->len;
        f->kind = g->bfix[i].kind;
        f->by_group = g->bfix[i].by_group;
        f->target = g->bfix[i].target;
    }
    struct gen_insn *in = &tc->insn[tc->ninsn++];
    in->len = (uint8_t)(g->len - start);
    in->name = name;
    return first_fix;
}

void gen_set_fix(struct gen *g, unsigned fix, unsigned target)
{
    g->fix[fix].target = (uint16_t)target;
}

/* Register model. */

bool reg_readable(const struct gen *g, unsigned r, unsigned size)
{
    return !g->st.uregs[reg_base(r, size)];
}

int pick_reg(struct gen *g, unsigned size, unsigned use)
{
    unsigned cand[8], n = 0;
    for (unsigned r = 0; r < 8; r++) {
        if ((use & U_SRC) && !reg_readable(g, r, size))
            continue;
        if ((use & U_DST) && size > 1 && r == R_SP)
            continue;
        cand[n++] = r;
    }
    return n ? (int)cand[hd_rng_below(&g->rng, n)] : -1;
}

void st_set(struct gen *g, unsigned r, uint32_t lo, uint32_t hi)
{
    g->st.r[r].known = true;
    g->st.r[r].lo = lo;
    g->st.r[r].hi = hi;
    g->st.uregs[r] = 0;
}

void st_write(struct gen *g, unsigned r, unsigned size)
{
    unsigned b = reg_base(r, size);
    g->st.r[b].known = false;
    if (size == 4)
        g->st.uregs[b] = 0;
}

void st_undefined(struct gen *g, unsigned r, uint32_t mask)
{
    g->st.r[r].known = false;
    g->st.uregs[r] |= mask;
}

void st_flags(struct gen *g, uint32_t defined, uint32_t undefined)
{
    g->st.undef = (g->st.undef & ~(defined | undefined)) | undefined;
}

void st_add(struct gen *g, unsigned r, int32_t delta)
{
    struct vrange *v = &g->st.r[r];
    if (!v->known)
        return;
    int64_t lo = (int64_t)v->lo + delta, hi = (int64_t)v->hi + delta;
    if (lo < 0 || hi > 0xffffffffll)
        v->known = false;
    else
        v->lo = (uint32_t)lo, v->hi = (uint32_t)hi;
}

void st_esp_add(struct gen *g, int32_t delta)
{
    st_add(g, R_SP, delta);
}

bool stack_room(const struct gen *g, uint32_t below, uint32_t above)
{
    const struct vrange *sp = &g->st.r[R_SP];
    return sp->known && sp->lo >= HD_STACK_BASE + STACK_MARGIN + below &&
           (uint64_t)sp->hi + above + STACK_MARGIN <= STACK_END && sp->hi - sp->lo < 0x4000;
}

/* Instruction building blocks shared by the families. */

unsigned gen_osize(struct gen *g)
{
    return hd_rng_pct(&g->rng, 22) ? 2 : 4;
}

void ins_osize(struct gen *g, unsigned size)
{
    if (size == 2)
        ins_pfx(g, 0x66);
}

/* LOCK where it is allowed, and rarely where it is not (#UD). */
void ins_maybe_lock(struct gen *g, const struct opnd *o, bool lockable)
{
    if (o->mem && lockable) {
        if (hd_rng_pct(&g->rng, 25))
            ins_pfx(g, 0xf0);
    } else if (hd_rng_pct(&g->rng, 1)) {
        ins_pfx(g, 0xf0);
    }
}

/* A shift or rotate count: the edges of every operand size. */
uint8_t rand_count(struct gen *g)
{
    static const uint8_t c[] = {0, 1, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 255};
    if (hd_rng_pct(&g->rng, 20))
        return (uint8_t)hd_rng_u32(&g->rng);
    return c[hd_rng_below(&g->rng, sizeof c)];
}

bool gen_in_area(const struct gen *g, int64_t lo, int64_t end)
{
    return (lo >= HD_DATA_BASE && end <= DATA_END) || (lo >= HD_STACK_BASE && end <= STACK_END) ||
           (g->cfg->low_mapped && lo >= HD_LOW_BASE && end <= LOW_END);
}

/* The same memory operand delta bytes further on. */
struct opnd opnd_offset(const struct opnd *o, int32_t delta)
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

bool opnd_uses(const struct opnd *o, unsigned r)
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

/* Guards. */

void set_reg(struct gen *g, unsigned r, uint32_t value)
{
    ins_begin(g);
    ins_b(g, (uint8_t)(0xb8 + r));
    ins_imm(g, value, 4);
    ins_end(g, "MOV_RI");
    st_set(g, r, value, value);
}

void need_regs(struct gen *g, uint8_t regs)
{
    for (unsigned r = 0; r < 8; r++)
        if ((regs & (1u << r)) && g->st.uregs[r])
            set_reg(g, r, rand_val(g, 4));
}

void need_flags(struct gen *g, uint32_t flags)
{
    if (!(g->st.undef & flags))
        return;
    ins_begin(g);
    int r = pick_reg(g, 4, U_SRC);
    if (r < 0)
        r = R_SP;
    if (hd_rng_pct(&g->rng, 50)) {
        ins_b(g, 0x83); /* CMP r32, imm8 */
        ins_b(g, (uint8_t)(0xf8 | r));
        ins_b(g, (uint8_t)rand_val(g, 1));
        ins_end(g, "ALU_EI");
    } else {
        int s = pick_reg(g, 4, U_SRC);
        ins_b(g, 0x39); /* CMP r/m32, r32 */
        ins_b(g, (uint8_t)(0xc0 | (s < 0 ? r : s) << 3 | r));
        ins_end(g, "ALU_EG");
    }
    st_flags(g, F_ARITH, 0);
}

/* Values. */

uint32_t rand_val(struct gen *g, unsigned size)
{
    static const uint32_t special[] = {
        0, 1, 2, 0xffffffffu, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
        0x7fffffffu, 0x80000000u, 0xfffffffeu, 0x10, 0x100, 0x10000, 9, 10,
    };
    uint32_t v;
    unsigned k = hd_rng_below(&g->rng, 10);
    if (k < 3)
        v = special[hd_rng_below(&g->rng, sizeof special / sizeof special[0])];
    else if (k < 5)
        v = hd_rng_below(&g->rng, 64) - 16;
    else
        v = hd_rng_u32(&g->rng);
    return size == 1 ? v & 0xff : size == 2 ? v & 0xffff : v;
}

uint32_t rand_ptr(struct gen *g, uint32_t margin)
{
    unsigned k = hd_rng_below(&g->rng, 10);
    if (k < 2 && !g->in_call)
        return HD_STACK_BASE + margin + hd_rng_below(&g->rng, HD_STACK_SIZE - 2 * margin);
    if (k < 3 && g->cfg->low_mapped)
        return HD_LOW_BASE + margin + hd_rng_below(&g->rng, HD_LOW_SIZE - 2 * margin);
    return HD_DATA_BASE + margin + hd_rng_below(&g->rng, HD_DATA_SIZE - 2 * margin);
}

uint32_t cond_flags(unsigned cc)
{
    static const uint32_t t[8] = {
        F_OF, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF, F_SF | F_OF, F_ZF | F_SF | F_OF,
    };
    return t[(cc >> 1) & 7];
}

void gen_patch(struct gen *g, uint32_t addr, uint32_t value)
{
    struct test_case *tc = g->tc;
    if (tc->hdr.npatch >= HD_MAX_PATCH)
        return;
    bool ok = (addr >= HD_DATA_BASE && addr <= DATA_END - 4) ||
              (addr >= HD_STACK_BASE && addr <= STACK_END - 4) ||
              (g->cfg->low_mapped && addr >= HD_LOW_BASE && addr <= LOW_END - 4);
    if (!ok)
        return;
    tc->patch[tc->hdr.npatch].addr = addr;
    tc->patch[tc->hdr.npatch].value = value;
    tc->hdr.npatch++;
}

/* Operands. */

void opnd_reg(struct opnd *o, unsigned r)
{
    memset(o, 0, sizeof *o);
    o->reg = (uint8_t)r;
    o->base = o->index = -1;
}

void st_write_rm(struct gen *g, const struct opnd *o, unsigned size)
{
    if (!o->mem)
        st_write(g, o->reg, size);
}

struct window {
    int64_t lo, hi; /* allowed first byte of the access .. end */
};

static struct window pick_window(struct gen *g, const struct memreq *req, bool *fault)
{
    struct window w;
    unsigned k = hd_rng_below(&g->rng, 100);
    bool stack_ok = !(g->in_call && (req->flags & M_WRITE));
    *fault = false;
    if (!(req->flags & M_NOFAULT) && k < 2) {
        /* Straddle or miss an edge of an area: a page fault. */
        static const uint32_t edge[4][2] = {
            {DATA_END - 8, DATA_END + 0x100}, {STACK_END - 8, STACK_END + 0x100},
            {HD_DATA_BASE - 0x100, HD_DATA_BASE + 8}, {HD_STACK_BASE - 0x100, HD_STACK_BASE + 8},
        };
        unsigned e = hd_rng_below(&g->rng, 4) & (stack_ok ? 3 : 2);
        *fault = true;
        w.lo = edge[e][0];
        w.hi = edge[e][1];
        return w;
    }
    if (k < 22 && stack_ok) {
        w.lo = HD_STACK_BASE;
        w.hi = STACK_END;
    } else if (k < 34 && g->cfg->low_mapped) {
        w.lo = HD_LOW_BASE;
        w.hi = LOW_END;
    } else {
        w.lo = HD_DATA_BASE;
        w.hi = DATA_END;
    }
    return w;
}

/* Place an effective address range [s, s + width] (s mod 2^32) inside the
 * window for the access: returns the displacement, or false. */
static bool place(struct gen *g, const struct memreq *req, const struct window *w, bool fault,
                  uint32_t s, uint64_t width, bool small_ok, uint32_t *disp, uint32_t *t_out)
{
    int64_t tlo = w->lo - req->rel_lo, thi = w->hi - req->rel_hi - (int64_t)width;
    if (fault) {
        tlo = w->lo;
        thi = w->hi - (int64_t)width;
    }
    if (tlo > thi)
        return false;
    int64_t t;
    unsigned k = hd_rng_below(&g->rng, 100);
    if (small_ok && k < 30 && (int64_t)s >= tlo && (int64_t)s <= thi) {
        t = s;
    } else if (small_ok && k < 65 && (int64_t)s + 127 >= tlo && (int64_t)s - 128 <= thi) {
        int64_t a = (int64_t)s - 128 > tlo ? (int64_t)s - 128 : tlo;
        int64_t b = (int64_t)s + 127 < thi ? (int64_t)s + 127 : thi;
        t = a + hd_rng_below(&g->rng, (uint32_t)(b - a + 1));
    } else {
        t = tlo + hd_rng_below(&g->rng, (uint32_t)(thi - tlo + 1));
    }
    *disp = (uint32_t)(t - (int64_t)s);
    *t_out = (uint32_t)t;
    return true;
}

static void set_disp(struct gen *g, struct opnd *o, uint32_t disp, bool base_is_bp)
{
    o->disp = disp;
    if (disp == 0 && !base_is_bp && hd_rng_pct(&g->rng, 85)) {
        o->mod = 0;
        o->disp_len = 0;
    } else if ((int32_t)disp >= -128 && (int32_t)disp <= 127 && hd_rng_pct(&g->rng, 85)) {
        o->mod = 1;
        o->disp_len = 1;
    } else {
        o->mod = 2;
        o->disp_len = 4;
    }
}

static bool usable_base(const struct gen *g, unsigned r)
{
    return g->st.r[r].known && !g->st.uregs[r];
}

static const uint8_t seg_prefix[HD_NSEG] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65};

static void pick_segment(struct gen *g, const struct memreq *req, struct opnd *o, bool ss_default)
{
    o->seg = ss_default ? HD_SS : HD_DS;
    bool want = hd_rng_pct(&g->rng, 12) || (g->st.seg_odd & (1u << o->seg));
    if (!want)
        return;
    static const uint8_t choice[] = {HD_ES, HD_CS, HD_SS, HD_DS};
    for (int tries = 0; tries < 4; tries++) {
        uint8_t s = choice[hd_rng_below(&g->rng, 4)];
        if (g->st.seg_odd & (1u << s))
            continue;
        /* CS is not writable: only as a rare deliberate #GP(0). */
        if (s == HD_CS && (req->flags & M_WRITE) &&
            ((req->flags & M_NOFAULT) || hd_rng_pct(&g->rng, 90)))
            continue;
        o->seg = s;
        o->seg_pfx = seg_prefix[s];
        return;
    }
}

static bool pick_mem16(struct gen *g, const struct memreq *req, struct opnd *o)
{
    /* BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX (SDM vol. 2, table 2-1). */
    static const int8_t comp[8][2] = {
        {R_BX, R_SI}, {R_BX, R_DI}, {R_BP, R_SI}, {R_BP, R_DI},
        {R_SI, -1}, {R_DI, -1}, {R_BP, -1}, {R_BX, -1},
    };
    bool absolute = hd_rng_pct(&g->rng, 12);
    unsigned rm = absolute ? 6 : hd_rng_below(&g->rng, 8);
    bool known = true;
    uint32_t s = 0, width = 0;
    for (int i = 0; i < 2 && !absolute; i++) {
        int r = comp[rm][i];
        if (r < 0)
            continue;
        if (g->st.uregs[r])
            return false;
        const struct vrange *v = &g->st.r[r];
        if (!v->known || (v->lo >> 16) != (v->hi >> 16)) {
            known = false;
            continue;
        }
        s += v->lo & 0xffff;
        width += v->hi - v->lo;
    }
    s &= 0xffff;
    uint32_t disp = hd_rng_u32(&g->rng) & 0xffff;
    o->mem = true;
    o->a16 = true;
    o->rm = (uint8_t)rm;
    o->base = o->index = -1;
    o->known = false;
    if (known && (g->cfg->low_mapped || (req->flags & M_NOACC))) {
        struct window w = {HD_LOW_BASE, LOW_END};
        uint32_t d, t;
        if (place(g, req, &w, false, s, width, !absolute, &d, &t)) {
            disp = d & 0xffff;
            o->known = true;
            o->lo = t;
            o->hi = t + width;
        }
    }
    if (absolute) {
        o->mod = 0;
        o->disp_len = 2;
    } else if (disp == 0 && rm != 6 && hd_rng_pct(&g->rng, 85)) {
        o->mod = 0;
        o->disp_len = 0;
    } else if ((int16_t)disp == (int8_t)disp && hd_rng_pct(&g->rng, 85)) {
        o->mod = 1;
        o->disp_len = 1;
    } else {
        o->mod = 2;
        o->disp_len = 2;
    }
    o->disp = disp;
    pick_segment(g, req, o, !absolute && (rm == 2 || rm == 3 || rm == 6));
    return !(g->st.seg_odd & (1u << o->seg));
}

bool pick_mem(struct gen *g, const struct memreq *req, struct opnd *o)
{
    memset(o, 0, sizeof *o);
    o->mem = true;
    o->base = o->index = -1;

    bool a16_ok = !(req->flags & M_NO16);
    if (a16_ok && hd_rng_pct(&g->rng, g->cfg->low_mapped ? 7 : 1))
        for (int tries = 0; tries < 4; tries++)
            if (pick_mem16(g, req, o))
                return true;
    memset(o, 0, sizeof *o);
    o->mem = true;
    o->base = o->index = -1;

    bool fault;
    struct window w = pick_window(g, req, &fault);
    unsigned form = hd_rng_below(&g->rng, 100);
    int base = -1, index = -1;
    unsigned scale = 0;
    struct vrange sum = {true, 0, 0};
    uint64_t width = 0;

    for (int tries = 0; tries < 6 && form < 88; tries++) {
        base = (int)hd_rng_below(&g->rng, 8);
        if (!usable_base(g, (unsigned)base)) {
            base = -1;
            continue;
        }
        sum = g->st.r[base];
        if (base == R_SP) {
            int64_t lo = (int64_t)sum.lo + req->esp_adj, hi = (int64_t)sum.hi + req->esp_adj;
            sum.lo = (uint32_t)lo;
            sum.hi = (uint32_t)hi;
        }
        width = sum.hi - sum.lo;
        index = -1;
        if (form >= 60) {
            index = (int)hd_rng_below(&g->rng, 8);
            scale = hd_rng_below(&g->rng, 4);
            if (index == R_SP || !usable_base(g, (unsigned)index)) {
                index = -1;
            } else {
                const struct vrange *v = &g->st.r[index];
                uint64_t lo = (uint64_t)sum.lo + ((uint64_t)v->lo << scale);
                width += (uint64_t)(v->hi - v->lo) << scale;
                sum.lo = (uint32_t)lo;
            }
        }
        if (width < 0x8000)
            break;
        base = -1;
    }
    if (form < 88 && base < 0)
        form = 88;

    uint32_t disp, t;
    if (form >= 88) {
        /* No base register: disp32, optionally with a scaled index. */
        base = -1;
        index = -1;
        width = 0;
        sum.lo = 0;
        if (form >= 96) {
            index = (int)hd_rng_below(&g->rng, 8);
            scale = hd_rng_below(&g->rng, 4);
            if (index == R_SP || !usable_base(g, (unsigned)index) ||
                ((uint64_t)(g->st.r[index].hi - g->st.r[index].lo) << scale) >= 0x8000) {
                index = -1;
            } else {
                sum.lo = g->st.r[index].lo << scale;
                width = (uint64_t)(g->st.r[index].hi - g->st.r[index].lo) << scale;
            }
        }
        if (!place(g, req, &w, fault, sum.lo, width, false, &disp, &t))
            return false;
        o->mod = 0;
        o->disp = disp;
        o->disp_len = 4;
        if (index >= 0 || hd_rng_pct(&g->rng, 15)) {
            o->rm = 4;
            o->has_sib = true;
            o->sib = (uint8_t)(scale << 6 | (index >= 0 ? index : 4) << 3 | 5);
        } else {
            o->rm = 5;
        }
    } else {
        if (!place(g, req, &w, fault, sum.lo, width, true, &disp, &t))
            return false;
        set_disp(g, o, disp, base == R_BP);
        if (index >= 0 || base == R_SP || hd_rng_pct(&g->rng, 8)) {
            o->rm = 4;
            o->has_sib = true;
            o->sib = (uint8_t)(scale << 6 | (index >= 0 ? index : 4) << 3 | base);
        } else {
            o->rm = (uint8_t)base;
        }
    }
    o->base = (int8_t)base;
    o->index = (int8_t)index;
    o->scale = (uint8_t)scale;
    o->known = !fault;
    o->lo = t;
    o->hi = (uint32_t)(t + width);
    pick_segment(g, req, o, base == R_SP || base == R_BP);
    return true;
}

/* Any effective address (LEA, hint NOPs): registers need not be known, only
 * defined. */
static void pick_ea_any(struct gen *g, struct opnd *o)
{
    memset(o, 0, sizeof *o);
    o->mem = true;
    o->base = o->index = -1;
    if (hd_rng_pct(&g->rng, 15)) {
        struct memreq req = {0, 1, M_NOACC, 0};
        if (pick_mem16(g, &req, o)) {
            o->known = false;
            return;
        }
        memset(o, 0, sizeof *o);
        o->mem = true;
        o->base = o->index = -1;
    }
    int base = (int)hd_rng_below(&g->rng, 9) - 1;
    int index = hd_rng_pct(&g->rng, 40) ? (int)hd_rng_below(&g->rng, 8) : -1;
    unsigned scale = hd_rng_below(&g->rng, 4);
    if (base >= 0 && g->st.uregs[base])
        base = -1;
    if (index == R_SP || (index >= 0 && g->st.uregs[index]))
        index = -1;
    uint32_t disp = rand_val(g, 4);
    if (base < 0) {
        o->mod = 0;
        o->disp = disp;
        o->disp_len = 4;
        if (index >= 0) {
            o->rm = 4;
            o->has_sib = true;
            o->sib = (uint8_t)(scale << 6 | index << 3 | 5);
        } else {
            o->rm = 5;
        }
    } else {
        set_disp(g, o, hd_rng_pct(&g->rng, 50) ? disp : (uint32_t)(int8_t)disp, base == R_BP);
        if (index >= 0 || base == R_SP) {
            o->rm = 4;
            o->has_sib = true;
            o->sib = (uint8_t)(scale << 6 | (index >= 0 ? index : 4) << 3 | base);
        } else {
            o->rm = (uint8_t)base;
        }
    }
    o->base = (int8_t)base;
    o->index = (int8_t)index;
    o->scale = (uint8_t)scale;
    o->seg = (base == R_SP || base == R_BP) ? HD_SS : HD_DS;
    /* The value LEA computes, when the registers are known. */
    uint64_t lo = o->disp, hi = o->disp;
    o->known = true;
    if (base >= 0) {
        o->known = g->st.r[base].known;
        lo += g->st.r[base].lo;
        hi += g->st.r[base].hi;
    }
    if (index >= 0) {
        o->known = o->known && g->st.r[index].known;
        lo += (uint64_t)g->st.r[index].lo << scale;
        hi += (uint64_t)g->st.r[index].hi << scale;
    }
    if (o->known && (lo >> 32) == (hi >> 32)) {
        o->lo = (uint32_t)lo;
        o->hi = (uint32_t)hi;
    } else {
        o->known = false;
    }
}

bool pick_rm(struct gen *g, unsigned size, unsigned use, unsigned mflags, struct opnd *o)
{
    if (mflags & M_NOACC) {
        pick_ea_any(g, o);
        return true;
    }
    if (hd_rng_pct(&g->rng, 45)) {
        struct memreq req = {0, (int32_t)size, mflags | ((use & U_DST) ? M_WRITE : 0), 0};
        if (pick_mem(g, &req, o))
            return true;
    }
    int r = pick_reg(g, size, use);
    if (r < 0)
        return false;
    opnd_reg(o, (unsigned)r);
    return true;
}

/* The case. */

static void initial_state(struct gen *g)
{
    struct test_case *tc = g->tc;
    memset(&g->st, 0, sizeof g->st);
    for (unsigned r = 0; r < 8; r++) {
        uint32_t v;
        unsigned k = hd_rng_below(&g->rng, 100);
        if (r == R_SP)
            v = HD_STACK_BASE + 0x4000 + (hd_rng_below(&g->rng, 0x8000) & (k < 90 ? ~3u : ~0u));
        else if (r == R_BP && k < 50)
            v = HD_STACK_BASE + 0x2000 + hd_rng_below(&g->rng, 0xc000);
        else if (k < 45)
            v = rand_ptr(g, 0x400);
        else if (k < 60)
            v = hd_rng_below(&g->rng, 40) - 8;
        else
            v = rand_val(g, 4);
        tc->hdr.regs[r] = v;
        g->st.r[r].known = true;
        g->st.r[r].lo = g->st.r[r].hi = v;
    }
    uint32_t fl = 0x202 | (hd_rng_u32(&g->rng) & (F_ARITH | F_DF | F_ID));
    tc->hdr.eflags = fl;
    g->st.df = (fl & F_DF) ? 1 : 0;
    /* Interesting values where the registers point. */
    unsigned np = hd_rng_below(&g->rng, 7);
    for (unsigned i = 0; i < np; i++) {
        uint32_t base = tc->hdr.regs[hd_rng_below(&g->rng, 8)];
        gen_patch(g, (base & ~3u) + (hd_rng_below(&g->rng, 64) - 32) * 4, rand_val(g, 4));
    }
}

void gen_case(const struct gen_config *cfg, uint64_t seed, struct test_case *tc)
{
    struct gen g;
    memset(&g, 0, sizeof g);
    memset(tc, 0, sizeof *tc);
    hd_rng_seed(&g.rng, seed);
    g.cfg = cfg;
    g.tc = tc;
    tc->seed = seed;
    initial_state(&g);
    /* Sometimes the code runs off the end of its page: instruction fetch
     * from the unmapped page that follows faults. */
    if (hd_rng_pct(&g.rng, 3))
        tc->hdr.org = HD_CODE_SIZE - 8 - hd_rng_below(&g.rng, 120);
    g.goal = cfg->min_insns + hd_rng_below(&g.rng, cfg->max_insns - cfg->min_insns + 1);
    g.group_first[0] = 0xffff;

    while (gen_index(&g) < g.goal && gen_room(&g, GEN_FAMILY_INSNS))
        gen_ops_emit(&g, false);

    g.ending = true;
    gen_group(&g);
    ins_begin(&g);
    ins_b(&g, 0xcc);
    ins_end(&g, "INT3(end)");

    unsigned last = tc->ninsn - 1;
    for (unsigned i = 0; i < g.nfix; i++) {
        struct jfix *f = &g.fix[i];
        unsigned target = f->target;
        if (f->by_group) {
            /* The first instruction of that group or of the next one that
             * has any (a family may have emitted nothing). */
            unsigned gr = target;
            while (gr <= g.group && g.group_first[gr] == 0xffff)
                gr++;
            target = gr <= g.group ? g.group_first[gr] : last;
        }
        if (target > last)
            target = last;
        uint32_t dest = tc->insn[target].off;
        uint32_t v = f->kind == FIX_ABS32 ? HD_CODE_BASE + tc->hdr.org + dest : dest - f->from;
        if (f->kind == FIX_REL8 && v > 127) {
            fprintf(stderr, "hostdiff: internal error: short jump out of range (seed %#llx)\n",
                    (unsigned long long)seed);
            abort();
        }
        if (f->kind == FIX_REL8)
            tc->code[f->at] = (uint8_t)v;
        else
            memcpy(tc->code + f->at, &v, 4);
    }
    tc->hdr.code_len = g.len;
}

void gen_truncate(const struct test_case *tc, unsigned k, struct test_case *out)
{
    *out = *tc;
    if (k >= tc->ninsn)
        return;
    unsigned from = tc->insn[k].off;
    memset(out->code + from, 0xcc, tc->hdr.code_len - from);
    /* A jump over the cut stops at a later boundary: what is undefined
     * there is covered by the union over all of them. */
    struct gen_insn *cut = &out->insn[k];
    for (unsigned i = k + 1; i < tc->ninsn; i++) {
        cut->undef |= tc->insn[i].undef;
        for (int r = 0; r < 8; r++)
            cut->uregs[r] |= tc->insn[i].uregs[r];
    }
    cut->name = "INT3(cut)";
    cut->len = 1;
    out->ninsn = k + 1;
}

void gen_image(uint8_t *image)
{
    struct hd_rng r;
    hd_rng_seed(&r, 0x4c696e746173ull);
    for (uint32_t i = 0; i < HD_IMAGE_SIZE; i += 4) {
        uint32_t v = hd_rng_u32(&r);
        /* Some runs of small values and zeros among the noise. */
        switch ((i >> 6) & 7) {
        case 0: v &= 0xff; break;
        case 1: v = (i >> 8) & 3 ? v : 0; break;
        default: break;
        }
        memcpy(image + i, &v, 4);
    }
}

void gen_ops_emit(struct gen *g, bool simple_only)
{
    static const struct {
        const struct gen_family *f;
        const unsigned *n;
    } tables[] = {
        {gen_arith_families, &gen_arith_nfamilies}, {gen_data_families, &gen_data_nfamilies},
        {gen_seg_families, &gen_seg_nfamilies},     {gen_stack_families, &gen_stack_nfamilies},
        {gen_flow_families, &gen_flow_nfamilies},   {gen_mmx_families, &gen_mmx_nfamilies},
    };
    gen_group(g);
    unsigned total = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (unsigned i = 0; i < *tables[t].n; i++)
            if (!simple_only || tables[t].f[i].simple)
                total += tables[t].f[i].weight;
    unsigned pick = hd_rng_below(&g->rng, total);
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (unsigned i = 0; i < *tables[t].n; i++) {
            const struct gen_family *f = &tables[t].f[i];
            if (simple_only && !f->simple)
                continue;
            if (pick < f->weight) {
                f->fn(g);
                return;
            }
            pick -= f->weight;
        }
    }
}
