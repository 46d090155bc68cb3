/*
 * Segmentation: descriptor caches, descriptor-table lookups and the
 * checked segment register loads (SDM vol. 3, chapters 3 and 5).
 *
 * A segment cache carries its own access verdict (lo/hi/acc) so that
 * cpu/access.h checks a memory operand with two compares. Real mode does
 * not check access rights at all, only limits (SDM vol. 3, 20.1.1): there
 * every segment is readable and writable, whatever its cached type, which is
 * what lets DOS programs write through CS and keep "unreal" limits.
 */
#include "access.h"
#include "fault.h"
#include "seg.h"
#include "system.h"

/* What V86 mode puts in every segment cache: present, DPL 3, read/write
 * accessed data, 64 KiB (SDM vol. 3, 20.1.1). */
#define V86_SEG_ATTR (SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DPL | SEG_TYPE_RW | SEG_TYPE_ACCESSED)

void seg_cache_set(struct seg_cache *s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr)
{
    s->sel = sel;
    s->base = base;
    s->limit = limit;
    s->attr = attr;
    s->lo = 0;
    s->hi = limit;
    s->acc = 0;
    /* Not present (a null selector in protected mode) or a system segment:
     * no access through it at all. */
    if (!(attr & SEG_ATTR_P) || !(attr & SEG_ATTR_S))
        return;
    if (attr & SEG_TYPE_CODE) {
        if (attr & SEG_TYPE_RW)
            s->acc = SEG_ACC_READ;
        return;
    }
    s->acc = SEG_ACC_READ | ((attr & SEG_TYPE_RW) ? SEG_ACC_WRITE : 0);
    if (attr & SEG_TYPE_DC) {
        /* Expand-down: valid offsets are limit+1 up to the top of the
         * 64 KiB or 4 GiB space (SDM vol. 3, 3.4.5.1). */
        uint32_t top = (attr & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu;
        if (limit >= top) {
            s->lo = 1; /* empty: every offset fails one of the compares */
            s->hi = 0;
        } else {
            s->lo = limit + 1;
            s->hi = top;
        }
    }
}

/* A null selector in protected mode: unusable until reloaded. */
static void seg_set_null(struct seg_cache *s, uint16_t sel)
{
    seg_cache_set(s, sel, 0, 0, 0);
}

static bool sel_is_null(uint16_t sel)
{
    return (sel & 0xfffc) == 0;
}

/* Linear address of the descriptor sel names, or false when its index lies
 * outside the GDT or the LDT (a null or unusable LDTR has no entries). */
static bool desc_address(const struct cpu *cpu, uint16_t sel, uint32_t *addr)
{
    uint32_t base, limit;
    if (sel & 4) {
        if (!(cpu->ldtr.attr & SEG_ATTR_P))
            return false;
        base = cpu->ldtr.base;
        limit = cpu->ldtr.limit;
    } else {
        base = cpu->gdtr.base;
        limit = cpu->gdtr.limit;
    }
    if ((uint32_t)(sel & ~7u) + 7 > limit)
        return false;
    *addr = base + (sel & ~7u);
    return true;
}

bool seg_fetch_descriptor(struct cpu *cpu, uint16_t sel, struct descriptor *d)
{
    uint32_t addr;
    if (!desc_address(cpu, sel, &addr))
        return false;
    d->lo = sys_read(cpu, addr, 4);
    d->hi = sys_read(cpu, addr + 4, 4);
    return true;
}

struct descriptor seg_fetch_or_fault(struct cpu *cpu, uint16_t sel, int fault_vector)
{
    struct descriptor d;
    if (!seg_fetch_descriptor(cpu, sel, &d))
        cpu_fault(cpu, fault_vector, sel & 0xfffc);
    return d;
}

void seg_set_accessed(struct cpu *cpu, uint16_t sel, struct descriptor *d)
{
    uint32_t addr;
    if ((d->hi & (SEG_TYPE_ACCESSED << 8)) || !desc_address(cpu, sel, &addr))
        return;
    d->hi |= SEG_TYPE_ACCESSED << 8;
    /* Only the type byte changes; a byte write keeps the rest intact. */
    sys_write(cpu, addr + 5, (d->hi >> 8) & 0xff, 1);
}

bool seg_data_accessible(uint16_t attr, unsigned cpl, unsigned rpl)
{
    if (attr_is_code(attr) && (attr & SEG_TYPE_DC))
        return true; /* conforming code ignores DPL */
    unsigned dpl = attr_dpl(attr);
    return dpl >= cpl && dpl >= rpl;
}

static void seg_load_v86(struct seg_cache *s, uint16_t sel)
{
    seg_cache_set(s, sel, (uint32_t)sel << 4, 0xffff, V86_SEG_ATTR);
}

/* Real mode changes only the selector and base; limit and attributes stay
 * as they were cached ("unreal mode", SDM vol. 3, 20.1.1). */
static void seg_load_real(struct seg_cache *s, uint16_t sel)
{
    seg_cache_set(s, sel, (uint32_t)sel << 4, s->limit, s->attr);
    s->acc = SEG_ACC_READ | SEG_ACC_WRITE;
}

void seg_prepare_load(struct cpu *cpu, int seg, uint16_t sel, unsigned cpl, int vector,
                      uint32_t ext, struct seg_cache *out)
{
    uint32_t err = (sel & 0xfffc) | ext;
    unsigned rpl = sel & 3;
    if (sel_is_null(sel)) {
        if (seg == SEG_SS)
            cpu_fault(cpu, vector, ext);
        seg_set_null(out, sel);
        return;
    }
    struct descriptor d;
    if (!seg_fetch_descriptor(cpu, sel, &d))
        cpu_fault(cpu, vector, err);
    uint16_t attr = desc_attr(d);
    if (seg == SEG_SS) {
        bool writable_data = (attr & SEG_ATTR_S) && !(attr & SEG_TYPE_CODE) && (attr & SEG_TYPE_RW);
        if (rpl != cpl || attr_dpl(attr) != cpl || !writable_data)
            cpu_fault(cpu, vector, err);
        if (!(attr & SEG_ATTR_P))
            cpu_fault(cpu, EXC_SS, err);
    } else {
        bool readable = (attr & SEG_ATTR_S) && (!(attr & SEG_TYPE_CODE) || (attr & SEG_TYPE_RW));
        if (!readable || !seg_data_accessible(attr, cpl, rpl))
            cpu_fault(cpu, vector, err);
        if (!(attr & SEG_ATTR_P))
            cpu_fault(cpu, EXC_NP, err);
    }
    seg_set_accessed(cpu, sel, &d);
    seg_cache_set(out, sel, desc_base(d), desc_limit(d), desc_attr(d));
}

void seg_load(struct cpu *cpu, int seg, uint16_t sel)
{
    struct seg_cache *s = &cpu->seg[seg];
    if (!cpu_protected(cpu)) {
        seg_load_real(s, sel);
    } else if (cpu_v86(cpu)) {
        seg_load_v86(s, sel);
    } else {
        /* SDM vol. 2, MOV: #GP(0) for a null SS, #GP(selector) otherwise. */
        struct seg_cache c;
        seg_prepare_load(cpu, seg, sel, cpu->cpl, EXC_GP, 0, &c);
        *s = c;
    }
}

void seg_load_cs(struct cpu *cpu, uint16_t sel, struct descriptor d, unsigned cpl)
{
    seg_cache_set(&cpu->seg[SEG_CS], (uint16_t)((sel & 0xfffc) | cpl), desc_base(d),
                  desc_limit(d), desc_attr(d));
    cpu->cpl = cpl;
}

void seg_load_null(struct cpu *cpu, int seg, uint16_t sel)
{
    seg_set_null(&cpu->seg[seg], sel);
}

void seg_invalidate_for_cpl(struct cpu *cpu)
{
    static const int data_segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
        struct seg_cache *s = &cpu->seg[data_segs[i]];
        bool conforming = attr_is_code(s->attr) && (s->attr & SEG_TYPE_DC);
        /* Only segments the cache marks usable; null ones stay null. */
        if ((s->attr & SEG_ATTR_S) && !conforming && attr_dpl(s->attr) < cpu->cpl)
            seg_set_null(s, 0);
    }
}

_Noreturn void seg_check_failed(struct cpu *cpu, int seg)
{
    cpu_fault(cpu, seg == SEG_SS ? EXC_SS : EXC_GP, 0);
}

void cpu_mode_changed(struct cpu *cpu)
{
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    if (!cpu_protected(cpu)) {
        cpu->cpl = 0;
    } else if (cpu_v86(cpu)) {
        cpu->cpl = 3;
    } else if (attr_is_code(cs->attr) && (cs->attr & SEG_TYPE_DC)) {
        cpu->cpl = cs->sel & 3; /* conforming code runs at its caller's CPL */
    } else {
        /* The DPL rather than the RPL: right after CR0.PE is set, CS still
         * holds a real-mode selector whose low bits mean nothing, while its
         * cached DPL is 0 (SDM vol. 3, 9.9.1). */
        cpu->cpl = attr_dpl(cs->attr);
    }

    /* Re-derive every cache's rights for the mode now in force. */
    for (int i = 0; i < SEG_COUNT; i++) {
        struct seg_cache *s = &cpu->seg[i];
        if (cpu_protected(cpu))
            seg_cache_set(s, s->sel, s->base, s->limit, s->attr);
        else
            s->acc = SEG_ACC_READ | SEG_ACC_WRITE;
    }
}
