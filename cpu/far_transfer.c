/*
 * Far control transfers: JMP and CALL to sel:offset (code segments, call
 * gates, task gates, TSS descriptors), far RET and IRET, in real, V86 and
 * protected mode (SDM vol. 2, JMP, CALL, RET, IRET; vol. 3, 5.8).
 *
 * Each path reads and checks everything first and changes registers last,
 * so a fault leaves the caller's state for the run loop to restore.
 */
#include "access.h"
#include "fault.h"
#include "flags.h"
#include "seg.h"
#include "system.h"
#include "vme.h"

/* EFLAGS bits IRET may restore (SDM vol. 2, IRET): the 16-bit form only the
 * low word; the privilege rules of eflags_write_checked apply on top. */
#define IRET_FLAGS16 (FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT)
#define IRET_FLAGS32 (IRET_FLAGS16 | FL_RF | FL_AC | FL_ID | FL_VIF | FL_VIP)
/* Real mode keeps VIF and VIP (SDM vol. 2, IRET, REAL-ADDRESS-MODE). */
#define IRET_REAL_FLAGS32 (IRET_FLAGS32 & ~(FL_VIF | FL_VIP))

static bool sel_is_null(uint16_t sel)
{
    return (sel & 0xfffc) == 0;
}

static uint32_t sel_err(uint16_t sel)
{
    return sel & 0xfffc;
}

static uint32_t trim_ip(uint32_t off, unsigned size)
{
    return size == 2 ? off & 0xffff : off;
}

static bool attr_conforming(uint16_t attr)
{
    return (attr & SEG_TYPE_DC) != 0;
}

/* Real and V86 mode: no descriptors, the offset only has to fit the code
 * segment's limit (kept from the cache in real mode, 64 KiB in V86). */
static void check_real_target(struct cpu *cpu, uint32_t eip)
{
    uint32_t limit = cpu_v86(cpu) ? 0xffff : cpu->seg[SEG_CS].limit;
    if (eip > limit)
        cpu_fault(cpu, EXC_GP, 0);
}

static void load_real_cs(struct cpu *cpu, uint16_t sel, uint32_t eip)
{
    seg_load(cpu, SEG_CS, sel);
    cpu->eip = eip;
}

/* Install CS:EIP after a protected-mode transfer's checks; the caller has
 * already marked the descriptor accessed, the last step that can fault. */
static void load_cs_eip(struct cpu *cpu, uint16_t sel, struct descriptor d, unsigned cpl,
                        uint32_t eip)
{
    seg_load_cs(cpu, sel, d, cpl);
    cpu->eip = eip;
}

/* A direct code segment target of JMP or CALL: conforming segments need
 * DPL <= CPL, others RPL <= CPL and DPL = CPL. */
static void check_code_target(struct cpu *cpu, uint16_t sel, uint16_t attr)
{
    unsigned dpl = attr_dpl(attr);
    bool ok = attr_conforming(attr) ? dpl <= cpu->cpl : ((sel & 3) <= cpu->cpl && dpl == cpu->cpl);
    if (!ok)
        cpu_fault(cpu, EXC_GP, sel_err(sel));
    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, sel_err(sel));
}

/* A gate or TSS named by JMP or CALL must be reachable from CPL and RPL. */
static void check_gate(struct cpu *cpu, uint16_t sel, uint16_t attr)
{
    unsigned dpl = attr_dpl(attr);
    if (dpl < cpu->cpl || dpl < (sel & 3u))
        cpu_fault(cpu, EXC_GP, sel_err(sel));
    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, sel_err(sel));
}

/* The code segment a call gate points to. A JMP may not change privilege,
 * so it needs what a direct jump needs; a CALL only DPL <= CPL. */
static struct descriptor gate_target(struct cpu *cpu, uint16_t sel, bool jump)
{
    if (sel_is_null(sel))
        cpu_fault(cpu, EXC_GP, 0);
    struct descriptor d = seg_fetch_or_fault(cpu, sel, EXC_GP);
    uint16_t attr = desc_attr(d);
    unsigned dpl = attr_dpl(attr);
    bool ok = attr_is_code(attr) &&
              (jump && !attr_conforming(attr) ? dpl == cpu->cpl : dpl <= cpu->cpl);
    if (!ok)
        cpu_fault(cpu, EXC_GP, sel_err(sel));
    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, sel_err(sel));
    return d;
}

/* Task gates and TSS descriptors, shared by JMP and CALL. Returns false
 * when d is neither. */
static bool far_to_task(struct cpu *cpu, uint16_t sel, struct descriptor d, enum task_reason reason)
{
    uint16_t attr = desc_attr(d);
    switch (attr & SEG_ATTR_TYPE) {
    case DESC_TASK_GATE: {
        check_gate(cpu, sel, attr);
        uint16_t tss_sel = gate_selector(d);
        struct descriptor tss = task_fetch_tss(cpu, tss_sel, false, EXC_GP, 0);
        task_switch(cpu, tss_sel, tss, reason, false, 0);
        return true;
    }
    case DESC_TSS16_AVAIL:
    case DESC_TSS32_AVAIL:
        check_gate(cpu, sel, attr);
        task_switch(cpu, sel, d, reason, false, 0);
        return true;
    default:
        return false;
    }
}

/* The descriptor a protected-mode far JMP or CALL names, or #GP. */
static struct descriptor far_target(struct cpu *cpu, uint16_t sel)
{
    if (sel_is_null(sel))
        cpu_fault(cpu, EXC_GP, 0);
    struct descriptor d = seg_fetch_or_fault(cpu, sel, EXC_GP);
    uint16_t attr = desc_attr(d);
    if ((attr & SEG_ATTR_S) && !(attr & SEG_TYPE_CODE))
        cpu_fault(cpu, EXC_GP, sel_err(sel));
    return d;
}

static bool is_call_gate(uint16_t attr)
{
    unsigned type = attr & SEG_ATTR_TYPE;
    return !(attr & SEG_ATTR_S) && (type == DESC_CALL16 || type == DESC_CALL32);
}

void far_jump(struct cpu *cpu, uint16_t sel, uint32_t off, unsigned osize)
{
    if (!cpu_pmode(cpu)) {
        uint32_t eip = trim_ip(off, osize);
        check_real_target(cpu, eip);
        load_real_cs(cpu, sel, eip);
        return;
    }

    struct descriptor d = far_target(cpu, sel);
    uint16_t attr = desc_attr(d);
    if (attr & SEG_ATTR_S) {
        check_code_target(cpu, sel, attr);
        uint32_t eip = trim_ip(off, osize);
        if (eip > desc_limit(d))
            cpu_fault(cpu, EXC_GP, 0);
        seg_set_accessed(cpu, sel, &d);
        load_cs_eip(cpu, sel, d, cpu->cpl, eip);
        return;
    }
    if (is_call_gate(attr)) {
        check_gate(cpu, sel, attr);
        uint16_t target = gate_selector(d);
        struct descriptor cd = gate_target(cpu, target, true);
        uint32_t eip = trim_ip(gate_offset(d), (attr & 8) ? 4 : 2);
        if (eip > desc_limit(cd))
            cpu_fault(cpu, EXC_GP, 0);
        seg_set_accessed(cpu, target, &cd);
        load_cs_eip(cpu, target, cd, cpu->cpl, eip);
        return;
    }
    if (!far_to_task(cpu, sel, d, TASK_JMP))
        cpu_fault(cpu, EXC_GP, sel_err(sel));
}

/* CALL through a call gate: to an inner level on the stack the TSS names,
 * copying param_count parameters, or at the same level (SDM vol. 2, CALL;
 * vol. 3, 5.8.5). The gate's size sets the size of everything pushed. */
static void call_through_gate(struct cpu *cpu, uint16_t gate_sel, struct descriptor gate)
{
    uint16_t gattr = desc_attr(gate);
    check_gate(cpu, gate_sel, gattr);
    uint16_t sel = gate_selector(gate);
    struct descriptor cd = gate_target(cpu, sel, false);
    uint16_t cattr = desc_attr(cd);
    unsigned dpl = attr_dpl(cattr);
    unsigned unit = (gattr & 8) ? 4 : 2;
    uint32_t eip = trim_ip(gate_offset(gate), unit);
    uint32_t ret_eip = (uint32_t)cpu->eip;
    struct stack_frame f;

    if (attr_conforming(cattr) || dpl == cpu->cpl) {
        frame_current(cpu, &f);
        frame_reserve(cpu, &f, 2 * unit, EXC_SS, 0);
        if (eip > desc_limit(cd))
            cpu_fault(cpu, EXC_GP, 0);
        frame_push(cpu, &f, cpu->seg[SEG_CS].sel, unit);
        frame_push(cpu, &f, ret_eip, unit);
        seg_set_accessed(cpu, sel, &cd);
        frame_commit(cpu, &f);
        load_cs_eip(cpu, sel, cd, cpu->cpl, eip);
        return;
    }

    unsigned count = gate.hi & 0x1f;
    uint32_t params[0x1f];
    frame_inner(cpu, dpl, 0, &f);
    frame_reserve(cpu, &f, (4 + count) * unit, EXC_SS, sel_err(f.ss.sel));
    if (eip > desc_limit(cd))
        cpu_fault(cpu, EXC_GP, 0);
    /* The parameters are read from the caller's stack at its privilege. */
    for (unsigned i = 0; i < count; i++)
        params[i] = stack_peek(cpu, i * unit, unit);

    frame_push(cpu, &f, cpu->seg[SEG_SS].sel, unit);
    frame_push(cpu, &f, (uint32_t)cpu->regs[R_ESP], unit);
    for (unsigned i = count; i-- > 0;)
        frame_push(cpu, &f, params[i], unit);
    frame_push(cpu, &f, cpu->seg[SEG_CS].sel, unit);
    frame_push(cpu, &f, ret_eip, unit);
    seg_set_accessed(cpu, sel, &cd);
    frame_commit(cpu, &f);
    load_cs_eip(cpu, sel, cd, dpl, eip);
}

void far_call(struct cpu *cpu, uint16_t sel, uint32_t off, unsigned osize)
{
    uint32_t eip = trim_ip(off, osize);
    struct stack_frame f;

    if (!cpu_pmode(cpu)) {
        frame_current(cpu, &f);
        frame_reserve(cpu, &f, 2 * osize, EXC_SS, 0);
        check_real_target(cpu, eip);
        frame_push(cpu, &f, cpu->seg[SEG_CS].sel, osize);
        frame_push(cpu, &f, (uint32_t)cpu->eip, osize);
        frame_commit(cpu, &f);
        load_real_cs(cpu, sel, eip);
        return;
    }

    struct descriptor d = far_target(cpu, sel);
    uint16_t attr = desc_attr(d);
    if (attr & SEG_ATTR_S) {
        check_code_target(cpu, sel, attr);
        frame_current(cpu, &f);
        frame_reserve(cpu, &f, 2 * osize, EXC_SS, 0);
        if (eip > desc_limit(d))
            cpu_fault(cpu, EXC_GP, 0);
        frame_push(cpu, &f, cpu->seg[SEG_CS].sel, osize);
        frame_push(cpu, &f, (uint32_t)cpu->eip, osize);
        seg_set_accessed(cpu, sel, &d);
        frame_commit(cpu, &f);
        load_cs_eip(cpu, sel, d, cpu->cpl, eip);
        return;
    }
    if (is_call_gate(attr)) {
        call_through_gate(cpu, sel, d);
        return;
    }
    if (!far_to_task(cpu, sel, d, TASK_CALL))
        cpu_fault(cpu, EXC_GP, sel_err(sel));
}

/* The code segment a far RET or IRET returns to: RPL >= CPL, and DPL = RPL
 * (non-conforming) or DPL <= RPL (conforming). */
static struct descriptor return_cs(struct cpu *cpu, uint16_t sel)
{
    if (sel_is_null(sel))
        cpu_fault(cpu, EXC_GP, 0);
    struct descriptor d = seg_fetch_or_fault(cpu, sel, EXC_GP);
    uint16_t attr = desc_attr(d);
    unsigned rpl = sel & 3, dpl = attr_dpl(attr);
    if (!attr_is_code(attr) || rpl < cpu->cpl || (attr_conforming(attr) ? dpl > rpl : dpl != rpl))
        cpu_fault(cpu, EXC_GP, sel_err(sel));
    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, sel_err(sel));
    return d;
}

/* The outer stack of a return to a less privileged level. With a 16-bit
 * stack only SP is loaded and the upper half of ESP keeps the inner
 * level's bits, as the hardware does. */
static void load_outer_stack(struct cpu *cpu, const struct seg_cache *ss, uint32_t esp)
{
    cpu->seg[SEG_SS] = *ss;
    if (ss->attr & SEG_ATTR_DB)
        cpu->regs[R_ESP] = esp;
    else
        cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~0xffffull) | (esp & 0xffff);
}

static void release_stack(struct cpu *cpu, uint32_t bytes)
{
    set_sp(cpu, ((uint32_t)cpu->regs[R_ESP] & stack_mask(cpu)) + bytes);
}

void far_return(struct cpu *cpu, unsigned osize, uint16_t imm)
{
    uint32_t eip = trim_ip(stack_peek(cpu, 0, osize), osize);
    uint16_t sel = (uint16_t)stack_peek(cpu, osize, osize);

    if (!cpu_pmode(cpu)) {
        check_real_target(cpu, eip);
        load_real_cs(cpu, sel, eip);
        release_stack(cpu, 2 * osize + imm);
        return;
    }

    struct descriptor d = return_cs(cpu, sel);
    unsigned rpl = sel & 3;
    if (rpl == cpu->cpl) {
        if (eip > desc_limit(d))
            cpu_fault(cpu, EXC_GP, 0);
        seg_set_accessed(cpu, sel, &d);
        load_cs_eip(cpu, sel, d, cpu->cpl, eip);
        release_stack(cpu, 2 * osize + imm);
        return;
    }

    /* To an outer level: the caller's SS:ESP sits above the parameters. */
    uint32_t esp = stack_peek(cpu, 2 * osize + imm, osize);
    uint16_t ss_sel = (uint16_t)stack_peek(cpu, 3 * osize + imm, osize);
    struct seg_cache ss;
    seg_prepare_load(cpu, SEG_SS, ss_sel, rpl, EXC_GP, 0, &ss);
    if (eip > desc_limit(d))
        cpu_fault(cpu, EXC_GP, 0);
    seg_set_accessed(cpu, sel, &d);

    load_cs_eip(cpu, sel, d, rpl, eip);
    load_outer_stack(cpu, &ss, trim_ip(esp, osize));
    release_stack(cpu, imm);
    seg_invalidate_for_cpl(cpu);
}

/* IRET in real mode and V86 mode. Below IOPL 3, V86 code traps to the
 * monitor (SDM vol. 3, 20.2.7) unless CR4.VME lets a 16-bit IRET restore
 * VIF in place of IF (20.3). At CPL 3, V86 cannot change IOPL. */
static void iret_real_v86(struct cpu *cpu, unsigned osize)
{
    bool virtual_if = cpu_v86(cpu) && (cpu->eflags & FL_IOPL) != FL_IOPL;
    if (virtual_if && (!vme_mode(cpu) || osize != 2))
        cpu_fault(cpu, EXC_GP, 0);
    uint32_t eip = trim_ip(stack_peek(cpu, 0, osize), osize);
    uint16_t sel = (uint16_t)stack_peek(cpu, osize, osize);
    uint32_t flags = stack_peek(cpu, 2 * osize, osize);
    check_real_target(cpu, eip);

    /* Either flags write precedes the CS load, which cannot fault here. */
    if (virtual_if)
        vme_load_flags(cpu, (uint16_t)flags);
    else
        eflags_write_checked(cpu, flags, osize == 4 ? IRET_REAL_FLAGS32 : 0xffff);
    load_real_cs(cpu, sel, eip);
    release_stack(cpu, 3 * osize);
}

/* IRET with NT set returns to the task in the back link (SDM vol. 3,
 * 7.3). */
static void iret_task(struct cpu *cpu)
{
    uint16_t link = (uint16_t)sys_read(cpu, cpu->tr.base, 2);
    struct descriptor d = task_fetch_tss(cpu, link, true, EXC_TS, 0);
    task_switch(cpu, link, d, TASK_IRET, false, 0);
}

/* IRET at CPL 0 whose EFLAGS image has VM set: back to a V86 task, popping
 * its stack and data segments too (SDM vol. 2, IRET,
 * RETURN-TO-VIRTUAL-8086-MODE). */
static void iret_to_v86(struct cpu *cpu, uint32_t eip, uint16_t cs, uint32_t flags)
{
    uint32_t esp = stack_peek(cpu, 12, 4);
    uint16_t sel[SEG_COUNT];
    sel[SEG_SS] = (uint16_t)stack_peek(cpu, 16, 4);
    sel[SEG_ES] = (uint16_t)stack_peek(cpu, 20, 4);
    sel[SEG_DS] = (uint16_t)stack_peek(cpu, 24, 4);
    sel[SEG_FS] = (uint16_t)stack_peek(cpu, 28, 4);
    sel[SEG_GS] = (uint16_t)stack_peek(cpu, 32, 4);
    sel[SEG_CS] = cs;
    if (eip > 0xffff)
        cpu_fault(cpu, EXC_GP, 0);

    cpu_set_eflags(cpu, flags);
    for (int i = 0; i < SEG_COUNT; i++)
        seg_load(cpu, i, sel[i]);
    cpu->regs[R_ESP] = esp;
    cpu->eip = eip;
    cpu_mode_changed(cpu);
}

static void iret_protected(struct cpu *cpu, unsigned osize)
{
    uint32_t eip = trim_ip(stack_peek(cpu, 0, osize), osize);
    uint16_t sel = (uint16_t)stack_peek(cpu, osize, osize);
    uint32_t flags = stack_peek(cpu, 2 * osize, osize);

    if ((flags & FL_VM) && cpu->cpl == 0) {
        iret_to_v86(cpu, eip, sel, flags);
        return;
    }

    struct descriptor d = return_cs(cpu, sel);
    unsigned rpl = sel & 3;
    uint32_t mask = osize == 4 ? IRET_FLAGS32 : IRET_FLAGS16;
    if (rpl == cpu->cpl) {
        if (eip > desc_limit(d))
            cpu_fault(cpu, EXC_GP, 0);
        seg_set_accessed(cpu, sel, &d);
        eflags_write_checked(cpu, flags, mask);
        load_cs_eip(cpu, sel, d, cpu->cpl, eip);
        release_stack(cpu, 3 * osize);
        return;
    }

    uint32_t esp = stack_peek(cpu, 3 * osize, osize);
    uint16_t ss_sel = (uint16_t)stack_peek(cpu, 4 * osize, osize);
    struct seg_cache ss;
    seg_prepare_load(cpu, SEG_SS, ss_sel, rpl, EXC_GP, 0, &ss);
    if (eip > desc_limit(d))
        cpu_fault(cpu, EXC_GP, 0);
    seg_set_accessed(cpu, sel, &d);

    /* The flags follow the privilege being left (SDM vol. 2, IRET,
     * RETURN-TO-OUTER-PRIVILEGE-LEVEL). */
    eflags_write_checked(cpu, flags, mask);
    load_cs_eip(cpu, sel, d, rpl, eip);
    load_outer_stack(cpu, &ss, esp);
    seg_invalidate_for_cpl(cpu);
}

void interrupt_return(struct cpu *cpu, unsigned osize)
{
    if (!cpu_pmode(cpu))
        iret_real_v86(cpu, osize);
    else if (cpu->eflags & FL_NT)
        iret_task(cpu);
    else
        iret_protected(cpu, osize);
    /* NMIs stay blocked from delivery until the next IRET (SDM vol. 3,
     * 6.7.1). */
    cpu->nmi_blocked = false;
}
