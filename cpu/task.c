/*
 * Hardware task switches (SDM vol. 3, chapter 7): JMP, CALL and INT through
 * task gates or to TSS descriptors, and IRET with NT set.
 *
 * The switch happens in two halves. Up to the commit point every fault
 * belongs to the outgoing task: the new TSS is read whole first, then the
 * outgoing state is saved. After the commit the registers hold the new
 * task's values and the segment descriptors are loaded and checked one by
 * one; a fault there is raised in the context of the new task (SDM vol. 3,
 * 7.3, step 12), which is why the instruction restart point moves with it.
 */
#include "access.h"
#include "breakpoint.h"
#include "fault.h"
#include "seg.h"
#include "system.h"

/* Minimum limits: the 104-byte 32-bit TSS and the 44-byte 16-bit TSS. */
#define TSS32_MIN_LIMIT 0x67
#define TSS16_MIN_LIMIT 0x2b

/* The task-local breakpoint enables (SDM vol. 3, 17.2.4). */
#define DR7_LOCAL_ENABLES 0x155u /* L0 L1 L2 L3 LE */

/* The dynamic fields of a TSS plus what a switch loads from it. */
struct tss_image {
    uint32_t eip, eflags, cr3;
    uint32_t regs[8];
    uint16_t seg[SEG_COUNT]; /* ES CS SS DS FS GS, the TSS's own order */
    uint16_t ldt;
    bool trap; /* T flag: #DB on entry */
};

static bool tss_is32(uint16_t attr)
{
    return (attr & 8) != 0;
}

static void tss_read(struct cpu *cpu, uint32_t base, bool is32, struct tss_image *t)
{
    if (is32) {
        t->cr3 = sys_read(cpu, base + 0x1c, 4);
        t->eip = sys_read(cpu, base + 0x20, 4);
        t->eflags = sys_read(cpu, base + 0x24, 4);
        for (unsigned i = 0; i < 8; i++)
            t->regs[i] = sys_read(cpu, base + 0x28 + 4 * i, 4);
        for (unsigned i = 0; i < SEG_COUNT; i++)
            t->seg[i] = (uint16_t)sys_read(cpu, base + 0x48 + 4 * i, 2);
        t->ldt = (uint16_t)sys_read(cpu, base + 0x60, 2);
        t->trap = sys_read(cpu, base + 0x64, 2) & 1;
        return;
    }
    /* A 286 TSS: 16-bit registers, no FS, GS, CR3 or T flag. The upper
     * register halves keep their values. */
    t->cr3 = cpu->cr3;
    t->eip = sys_read(cpu, base + 0x0e, 2);
    t->eflags = sys_read(cpu, base + 0x10, 2);
    for (unsigned i = 0; i < 8; i++)
        t->regs[i] = ((uint32_t)cpu->regs[i] & 0xffff0000u) | sys_read(cpu, base + 0x12 + 2 * i, 2);
    for (unsigned i = 0; i < 4; i++)
        t->seg[i] = (uint16_t)sys_read(cpu, base + 0x22 + 2 * i, 2);
    t->seg[SEG_FS] = 0;
    t->seg[SEG_GS] = 0;
    t->ldt = (uint16_t)sys_read(cpu, base + 0x2a, 2);
    t->trap = false;
}

/* Save the outgoing task's dynamic state (SDM vol. 3, 7.2.1). */
static void tss_save(struct cpu *cpu, uint32_t base, bool is32, uint32_t eflags)
{
    if (is32) {
        sys_write(cpu, base + 0x20, (uint32_t)cpu->eip, 4);
        sys_write(cpu, base + 0x24, eflags, 4);
        for (unsigned i = 0; i < 8; i++)
            sys_write(cpu, base + 0x28 + 4 * i, (uint32_t)cpu->regs[i], 4);
        for (unsigned i = 0; i < SEG_COUNT; i++)
            sys_write(cpu, base + 0x48 + 4 * i, cpu->seg[i].sel, 2);
        return;
    }
    sys_write(cpu, base + 0x0e, (uint32_t)cpu->eip, 2);
    sys_write(cpu, base + 0x10, eflags, 2);
    for (unsigned i = 0; i < 8; i++)
        sys_write(cpu, base + 0x12 + 2 * i, (uint32_t)cpu->regs[i], 2);
    for (unsigned i = 0; i < 4; i++)
        sys_write(cpu, base + 0x22 + 2 * i, cpu->seg[i].sel, 2);
}

/* Set or clear the busy bit (type bit 1) of the TSS descriptor sel names
 * in the GDT. */
static void tss_set_busy(struct cpu *cpu, uint16_t sel, bool busy)
{
    uint32_t at = cpu->gdtr.base + (sel & ~7u) + 5;
    uint32_t type = sys_read(cpu, at, 1);
    sys_write(cpu, at, busy ? (type | 2) : (type & ~2u), 1);
}

struct descriptor task_fetch_tss(struct cpu *cpu, uint16_t sel, bool busy, int vector, uint32_t ext)
{
    uint32_t err = (sel & 0xfffc) | ext;
    struct descriptor d;
    if ((sel & 4) || !seg_fetch_descriptor(cpu, sel, &d))
        cpu_fault(cpu, vector, err);
    uint16_t attr = desc_attr(d);
    unsigned type = attr & SEG_ATTR_TYPE;
    bool is_tss = !(attr & SEG_ATTR_S) &&
                  (busy ? (type == DESC_TSS16_BUSY || type == DESC_TSS32_BUSY)
                        : (type == DESC_TSS16_AVAIL || type == DESC_TSS32_AVAIL));
    if (!is_tss)
        cpu_fault(cpu, vector, err);
    return d;
}

static void load_ldt(struct cpu *cpu, uint16_t sel, uint32_t ext)
{
    uint32_t err = (sel & 0xfffc) | ext;
    struct descriptor d;
    if ((sel & 0xfffc) == 0) {
        seg_cache_set(&cpu->ldtr, sel, 0, 0, 0);
        return;
    }
    if ((sel & 4) || !seg_fetch_descriptor(cpu, sel, &d))
        cpu_fault(cpu, EXC_TS, err);
    uint16_t attr = desc_attr(d);
    if ((attr & SEG_ATTR_S) || (attr & SEG_ATTR_TYPE) != DESC_LDT || !(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_TS, err);
    seg_cache_set(&cpu->ldtr, sel, desc_base(d), desc_limit(d), attr);
}

/* CS of the new task: its RPL is the new CPL (SDM vol. 3, table 7-1). */
static void load_task_cs(struct cpu *cpu, uint16_t sel, uint32_t ext)
{
    uint32_t err = (sel & 0xfffc) | ext;
    unsigned rpl = sel & 3;
    struct descriptor d;
    if ((sel & 0xfffc) == 0 || !seg_fetch_descriptor(cpu, sel, &d))
        cpu_fault(cpu, EXC_TS, err);
    uint16_t attr = desc_attr(d);
    unsigned dpl = attr_dpl(attr);
    if (!attr_is_code(attr) || ((attr & SEG_TYPE_DC) ? dpl > rpl : dpl != rpl))
        cpu_fault(cpu, EXC_TS, err);
    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, err);
    seg_set_accessed(cpu, sel, &d);
    seg_load_cs(cpu, sel, d, rpl);
}

/* Load the new task's LDTR and segment registers after the commit point.
 * The CPL is the new task's from the start, so a fault here is delivered
 * at the new task's privilege. */
static void load_task_segments(struct cpu *cpu, const struct tss_image *t, uint32_t ext)
{
    if (cpu_v86(cpu)) {
        /* V86 segment loads cannot fault (SDM vol. 3, 20.1.1). */
        for (int i = 0; i < SEG_COUNT; i++)
            seg_load(cpu, i, t->seg[i]);
        cpu_mode_changed(cpu);
        load_ldt(cpu, t->ldt, ext);
        return;
    }

    /* The selectors are visible first, each cache unusable until its
     * descriptor has been checked. */
    cpu->cpl = t->seg[SEG_CS] & 3;
    for (int i = 0; i < SEG_COUNT; i++)
        seg_load_null(cpu, i, t->seg[i]);
    load_ldt(cpu, t->ldt, ext);
    load_task_cs(cpu, t->seg[SEG_CS], ext);
    static const int order[] = { SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        struct seg_cache c;
        seg_prepare_load(cpu, order[i], t->seg[order[i]], cpu->cpl, EXC_TS, ext, &c);
        cpu->seg[order[i]] = c;
    }
}

void task_switch_ext(struct cpu *cpu, uint16_t sel, struct descriptor d, enum task_reason reason,
                     bool push_error, uint32_t error_code, uint32_t ext)
{
    uint16_t attr = desc_attr(d);
    uint32_t err = (sel & 0xfffc) | ext;
    bool new32 = tss_is32(attr);
    uint32_t new_base = desc_base(d);
    bool nest = reason == TASK_CALL || reason == TASK_INT;

    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, err);
    if (desc_limit(d) < (new32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT))
        cpu_fault(cpu, EXC_TS, err);

    struct tss_image t;
    tss_read(cpu, new_base, new32, &t);

    /* Outgoing task: busy bit, NT in the saved image, state (SDM vol. 3,
     * 7.3, steps 5 to 7). */
    uint32_t old_eflags = cpu_get_eflags(cpu);
    if (reason == TASK_JMP || reason == TASK_IRET)
        tss_set_busy(cpu, cpu->tr.sel, false);
    if (reason == TASK_IRET)
        old_eflags &= ~FL_NT;
    tss_save(cpu, cpu->tr.base, tss_is32(cpu->tr.attr), old_eflags);

    /* Incoming task: back link and busy bit (steps 8 and 9). */
    if (nest) {
        sys_write(cpu, new_base, cpu->tr.sel, 2);
        t.eflags |= FL_NT;
    }
    if (reason != TASK_IRET) {
        tss_set_busy(cpu, sel, true);
        d.hi |= 2u << 8;
    }

    /* Commit point: from here on faults belong to the new task. */
    seg_cache_set(&cpu->tr, sel, new_base, desc_limit(d), desc_attr(d));
    cpu->cr0 |= CR0_TS;
    cpu->dr[7] &= ~DR7_LOCAL_ENABLES;
    bp_update(cpu);
    if (new32 && (cpu->cr0 & CR0_PG)) {
        cpu->cr3 = t.cr3;
        tlb_flush_nonglobal(cpu);
    }
    for (unsigned i = 0; i < 8; i++)
        cpu->regs[i] = t.regs[i];
    cpu->eip = t.eip;
    cpu_set_eflags(cpu, t.eflags);
    cpu->insn_eip = cpu->eip;
    cpu->insn_esp = cpu->regs[R_ESP];
    /* The new CR3 brings its PDPTEs, before any access through it; bad
     * ones are a #GP(0) of the new task. */
    if (new32 && pae_paging(cpu->cr0, cpu->cr4))
        mmu_load_pdptes(cpu, cpu->cr3);

    load_task_segments(cpu, &t, ext);

    if (push_error) {
        push(cpu, error_code, new32 ? 4 : 2);
        cpu->insn_esp = cpu->regs[R_ESP];
    }
    if (t.trap) {
        /* The T flag raises a debug trap before the first instruction of
         * the new task (SDM vol. 3, 17.3.1.5). */
        bp_report(cpu, DR6_BT);
        cpu_fault(cpu, EXC_DB, 0);
    }
}

void task_switch(struct cpu *cpu, uint16_t sel, struct descriptor d, enum task_reason reason,
                 bool push_error, uint32_t error_code)
{
    task_switch_ext(cpu, sel, d, reason, push_error, error_code, 0);
}
