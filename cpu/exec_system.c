/*
 * System instructions: the LDT and task registers, descriptor queries
 * (VERR VERW LAR LSL ARPL), the descriptor-table registers, the machine
 * status word, control and debug registers, and cache/TLB maintenance
 * (SDM vol. 2; vol. 3, chapters 2 and 17).
 */
#include "breakpoint.h"
#include "exec.h"
#include "fault.h"
#include "flags.h"
#include "seg.h"
#include "system.h"

/* Writing these bits changes how linear addresses translate. */
#define CR4_PAGING_BITS (CR4_PSE | CR4_PGE | CR4_PAE)

#define DR7_GD (1u << 13)

/* The LDT, TR and descriptor-query instructions do not exist in real and
 * V86 mode. */
static void require_pmode(struct cpu *cpu)
{
    if (!cpu_pmode(cpu))
        cpu_fault(cpu, EXC_UD, 0);
}

/* Privileged instructions: CPL 0 only, which also rules out V86 mode. */
static void require_cpl0(struct cpu *cpu)
{
    if (cpu->cpl != 0)
        cpu_fault(cpu, EXC_GP, 0);
}

static void set_zf(struct cpu *cpu, bool zf)
{
    flags_set_arith(cpu, (flags_compute(cpu) & ~FL_ZF) | (zf ? FL_ZF : 0));
}

static bool sel_is_null(uint16_t sel)
{
    return (sel & 0xfffc) == 0;
}

void exec_SLDT(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    rm_write(cpu, in, cpu->ldtr.sel);
}

void exec_STR(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    rm_write(cpu, in, cpu->tr.sel);
}

void exec_LLDT(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    require_cpl0(cpu);
    uint16_t sel = (uint16_t)rm_read(cpu, in);
    if (sel_is_null(sel)) {
        seg_cache_set(&cpu->ldtr, sel, 0, 0, 0);
        return;
    }
    if (sel & 4)
        cpu_fault(cpu, EXC_GP, sel & 0xfffc);
    struct descriptor d = seg_fetch_or_fault(cpu, sel, EXC_GP);
    uint16_t attr = desc_attr(d);
    if ((attr & SEG_ATTR_S) || (attr & SEG_ATTR_TYPE) != DESC_LDT)
        cpu_fault(cpu, EXC_GP, sel & 0xfffc);
    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, sel & 0xfffc);
    seg_cache_set(&cpu->ldtr, sel, desc_base(d), desc_limit(d), attr);
}

void exec_LTR(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    require_cpl0(cpu);
    uint16_t sel = (uint16_t)rm_read(cpu, in);
    if (sel_is_null(sel))
        cpu_fault(cpu, EXC_GP, 0);
    if (sel & 4)
        cpu_fault(cpu, EXC_GP, sel & 0xfffc);
    struct descriptor d = seg_fetch_or_fault(cpu, sel, EXC_GP);
    uint16_t attr = desc_attr(d);
    unsigned type = attr & SEG_ATTR_TYPE;
    if ((attr & SEG_ATTR_S) || (type != DESC_TSS16_AVAIL && type != DESC_TSS32_AVAIL))
        cpu_fault(cpu, EXC_GP, sel & 0xfffc);
    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, sel & 0xfffc);
    /* The loaded TSS becomes busy (SDM vol. 2, LTR). */
    d.hi |= 2u << 8;
    sys_write(cpu, cpu->gdtr.base + (sel & ~7u) + 5, (d.hi >> 8) & 0xff, 1);
    seg_cache_set(&cpu->tr, sel, desc_base(d), desc_limit(d), desc_attr(d));
}

/* VERR/VERW: is the segment readable (writable) from CPL with this RPL? */
static bool verify_segment(struct cpu *cpu, uint16_t sel, bool write)
{
    struct descriptor d;
    if (sel_is_null(sel) || !seg_fetch_descriptor(cpu, sel, &d))
        return false;
    uint16_t attr = desc_attr(d);
    if (!(attr & SEG_ATTR_S))
        return false;
    bool code = (attr & SEG_TYPE_CODE) != 0;
    bool ok = write ? !code && (attr & SEG_TYPE_RW) : !code || (attr & SEG_TYPE_RW);
    return ok && seg_data_accessible(attr, cpu->cpl, sel & 3);
}

void exec_VERR(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    set_zf(cpu, verify_segment(cpu, (uint16_t)rm_read(cpu, in), false));
}

void exec_VERW(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    set_zf(cpu, verify_segment(cpu, (uint16_t)rm_read(cpu, in), true));
}

void exec_ARPL(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    uint16_t dst = (uint16_t)rm_read(cpu, in);
    uint16_t src = (uint16_t)reg_read(cpu, in->reg, 2);
    bool raise = (dst & 3) < (src & 3);
    if (raise)
        rm_write(cpu, in, (dst & ~3u) | (src & 3));
    set_zf(cpu, raise);
}

/* The selector operand of LAR and LSL is always a word, whatever the
 * destination size. */
static uint16_t read_selector(struct cpu *cpu, const struct insn *in)
{
    if (in->mod == 3)
        return (uint16_t)reg_read(cpu, in->rm, 2);
    return (uint16_t)vread(cpu, in->seg, ea_offset(cpu, in), 2);
}

/* Descriptor for LAR/LSL when its type qualifies and CPL/RPL may see it
 * (SDM vol. 2, LAR and LSL). lsl restricts system types to TSS and LDT. */
static bool query_descriptor(struct cpu *cpu, uint16_t sel, bool lsl, struct descriptor *d)
{
    if (sel_is_null(sel) || !seg_fetch_descriptor(cpu, sel, d))
        return false;
    uint16_t attr = desc_attr(*d);
    if (!(attr & SEG_ATTR_S)) {
        switch (attr & SEG_ATTR_TYPE) {
        case DESC_TSS16_AVAIL: case DESC_LDT: case DESC_TSS16_BUSY:
        case DESC_TSS32_AVAIL: case DESC_TSS32_BUSY:
            break;
        case DESC_CALL16: case DESC_TASK_GATE: case DESC_CALL32:
            if (lsl)
                return false;
            break;
        default:
            return false;
        }
    }
    return seg_data_accessible(attr, cpu->cpl, sel & 3);
}

void exec_LAR(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    struct descriptor d;
    bool ok = query_descriptor(cpu, read_selector(cpu, in), false, &d);
    if (ok)
        reg_write(cpu, in->reg, d.hi & (in->osize == 2 ? 0xff00u : 0x00f0ff00u), in->osize);
    set_zf(cpu, ok);
}

void exec_LSL(struct cpu *cpu, const struct insn *in)
{
    require_pmode(cpu);
    struct descriptor d;
    bool ok = query_descriptor(cpu, read_selector(cpu, in), true, &d);
    if (ok)
        reg_write(cpu, in->reg, desc_limit(d), in->osize);
    set_zf(cpu, ok);
}

/* SGDT/SIDT: limit then base. With a 16-bit operand size the P6 stores
 * the high byte of the base as zero (SDM vol. 2, SGDT, compatibility). */
static void store_dtable(struct cpu *cpu, const struct insn *in, const struct dtable *t)
{
    uint32_t ea = ea_offset(cpu, in);
    uint32_t base = in->osize == 2 ? t->base & 0x00ffffffu : t->base;
    vprobe_write(cpu, in->seg, ea, 6);
    vwrite(cpu, in->seg, ea, t->limit, 2);
    vwrite(cpu, in->seg, ea + 2, base, 4);
}

/* LGDT/LIDT: a 16-bit operand size loads only 24 bits of base. */
static void load_dtable(struct cpu *cpu, const struct insn *in, struct dtable *t)
{
    require_cpl0(cpu);
    uint32_t ea = ea_offset(cpu, in);
    uint16_t limit = (uint16_t)vread(cpu, in->seg, ea, 2);
    uint32_t base = vread(cpu, in->seg, ea + 2, 4);
    t->limit = limit;
    t->base = in->osize == 2 ? base & 0x00ffffffu : base;
}

void exec_SGDT(struct cpu *cpu, const struct insn *in)
{
    store_dtable(cpu, in, &cpu->gdtr);
}

void exec_SIDT(struct cpu *cpu, const struct insn *in)
{
    store_dtable(cpu, in, &cpu->idtr);
}

void exec_LGDT(struct cpu *cpu, const struct insn *in)
{
    load_dtable(cpu, in, &cpu->gdtr);
}

void exec_LIDT(struct cpu *cpu, const struct insn *in)
{
    load_dtable(cpu, in, &cpu->idtr);
}

/* Every CR0 write: reserved bits are ignored, ET reads 1, PG needs PE and
 * NW needs CD (SDM vol. 2, MOV to CR). */
static void write_cr0(struct cpu *cpu, uint32_t value)
{
    value = (value & CR0_WRITABLE) | CR0_ET;
    if (((value & CR0_PG) && !(value & CR0_PE)) || ((value & CR0_NW) && !(value & CR0_CD)))
        cpu_fault(cpu, EXC_GP, 0);
    uint32_t changed = cpu->cr0 ^ value;
    if (pae_paging(value, cpu->cr4) && (changed & (CR0_PG | CR0_CD | CR0_NW)))
        mmu_load_pdptes(cpu, cpu->cr3);
    cpu->cr0 = value;
    if (changed & (CR0_PG | CR0_WP | CR0_PE))
        cpu_tlb_flush_all(cpu);
    if (changed & CR0_PE)
        cpu_mode_changed(cpu);
}

void exec_SMSW(struct cpu *cpu, const struct insn *in)
{
    rm_write(cpu, in, cpu->cr0);
}

void exec_LMSW(struct cpu *cpu, const struct insn *in)
{
    require_cpl0(cpu);
    uint32_t msw = rm_read(cpu, in) & 0xf;
    /* PE can be set but not cleared through LMSW. */
    write_cr0(cpu, (cpu->cr0 & ~0xeu) | msw);
}

void exec_CLTS(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    require_cpl0(cpu);
    cpu->cr0 &= ~CR0_TS;
}

void exec_INVLPG(struct cpu *cpu, const struct insn *in)
{
    require_cpl0(cpu);
    tlb_flush_page(cpu, cpu->seg[in->seg].base + ea_offset(cpu, in));
}

void exec_MOV_RC(struct cpu *cpu, const struct insn *in)
{
    uint32_t value;
    switch (in->reg) {
    case 0: value = cpu->cr0; break;
    case 2: value = cpu->cr2; break;
    case 3: value = cpu->cr3; break;
    case 4: value = cpu->cr4; break;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
    require_cpl0(cpu);
    reg_write(cpu, in->rm, value, 4);
}

void exec_MOV_CR(struct cpu *cpu, const struct insn *in)
{
    if (in->reg == 1 || in->reg > 4)
        cpu_fault(cpu, EXC_UD, 0);
    require_cpl0(cpu);
    uint32_t value = reg_read(cpu, in->rm, 4);
    switch (in->reg) {
    case 0:
        write_cr0(cpu, value);
        break;
    case 2:
        cpu->cr2 = value;
        break;
    case 3:
        if (pae_paging(cpu->cr0, cpu->cr4))
            mmu_load_pdptes(cpu, value);
        cpu->cr3 = value;
        tlb_flush_nonglobal(cpu);
        break;
    default: {
        if (value & ~CR4_VALID)
            cpu_fault(cpu, EXC_GP, 0);
        uint32_t changed = cpu->cr4 ^ value;
        if (pae_paging(cpu->cr0, value) && (changed & CR4_PAGING_BITS))
            mmu_load_pdptes(cpu, cpu->cr3);
        cpu->cr4 = value;
        if (changed & CR4_PAGING_BITS)
            cpu_tlb_flush_all(cpu);
        if (changed & CR4_DE)
            bp_update(cpu); /* DE turns R/W 10 into I/O breakpoints */
        break;
    }
    }
}

/* The debug register a MOV names: DR4/DR5 alias DR6/DR7 unless CR4.DE
 * makes them #UD; with DR7.GD set any access raises #DB first (SDM vol. 3,
 * 17.2.2 and 17.2.4). */
static unsigned debug_register(struct cpu *cpu, unsigned n)
{
    if (n == 4 || n == 5) {
        if (cpu->cr4 & CR4_DE)
            cpu_fault(cpu, EXC_UD, 0);
        n += 2;
    }
    require_cpl0(cpu);
    if (cpu->dr[7] & DR7_GD) {
        bp_report(cpu, DR6_BD);
        cpu->dr[7] &= ~DR7_GD; /* so the handler can use the registers */
        /* A fault, unlike the other #DB causes: the handler's EFLAGS image
         * has RF set (SDM vol. 3, 17.3.1.1). Delivery passes on RF for a
         * #DB, and the vector alone cannot tell this one apart. */
        cpu->eflags |= FL_RF;
        cpu_fault(cpu, EXC_DB, 0);
    }
    return n;
}

void exec_MOV_RD(struct cpu *cpu, const struct insn *in)
{
    unsigned n = debug_register(cpu, in->reg);
    reg_write(cpu, in->rm, cpu->dr[n], 4);
}

void exec_MOV_DR(struct cpu *cpu, const struct insn *in)
{
    unsigned n = debug_register(cpu, in->reg);
    uint32_t value = reg_read(cpu, in->rm, 4);
    if (n == 6)
        value = (value & DR6_WRITABLE) | DR6_FIXED;
    else if (n == 7)
        value = (value | DR7_FIXED_ONE) & ~DR7_FIXED_ZERO;
    cpu->dr[n] = value;
    if (n != 6)
        bp_update(cpu);
}

/* No caches are modelled; only the privilege check remains. */
void exec_INVD(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    require_cpl0(cpu);
}

void exec_WBINVD(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    require_cpl0(cpu);
}
