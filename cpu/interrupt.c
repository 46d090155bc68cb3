/*
 * Interrupt and exception delivery: through the real-mode IVT, or through
 * the IDT's task, interrupt and trap gates in protected and virtual-8086
 * mode (SDM vol. 2, INT n; vol. 3, chapter 6 and 20.3).
 *
 * Every check and every push happens before the first register changes, so
 * a fault during delivery leaves the interrupted state intact for the run
 * loop to combine into a double fault (SDM vol. 3, 6.15).
 */
#include <inttypes.h>
#include <stdio.h>

#include "access.h"
#include "fault.h"
#include "lintas/log.h"
#include "seg.h"
#include "system.h"

static void log_delivery(struct cpu *cpu, int vector, enum intr_kind kind, bool push_error,
                         uint32_t error_code, uint32_t return_eip)
{
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    char cr2[16] = "";
    if (vector == EXC_PF && kind == INTR_EXCEPTION)
        snprintf(cr2, sizeof(cr2), " CR2=%08x", cpu->cr2);
    log_printf(cpu->log, LOG_INT,
               "%6" PRIu64 ": v=%02x e=%04x i=%d cpl=%u IP=%04x:%08x pc=%08x SP=%04x:%08x%s EAX=%08x\n",
               cpu->icount, vector, push_error ? error_code : 0, kind == INTR_SOFTWARE, cpu->cpl,
               cs->sel, return_eip, cs->base + return_eip, cpu->seg[SEG_SS].sel,
               (uint32_t)cpu->regs[R_ESP], cr2, (uint32_t)cpu->regs[R_EAX]);
}

/* Real mode: a far pointer per vector in the IVT, FLAGS CS IP on the stack,
 * no error code (SDM vol. 2, INT n, REAL-ADDRESS-MODE). */
static void deliver_real(struct cpu *cpu, int vector, uint32_t flags, uint32_t return_eip)
{
    uint32_t at = (uint32_t)vector * 4;
    if (at + 3 > cpu->idtr.limit)
        cpu_fault(cpu, EXC_GP, 0);
    uint16_t ip = (uint16_t)sys_read(cpu, cpu->idtr.base + at, 2);
    uint16_t cs = (uint16_t)sys_read(cpu, cpu->idtr.base + at + 2, 2);

    push(cpu, flags, 2);
    push(cpu, cpu->seg[SEG_CS].sel, 2);
    push(cpu, return_eip, 2);
    seg_load(cpu, SEG_CS, cs);
    cpu->eip = ip;
    cpu->eflags &= ~(FL_IF | FL_TF | FL_AC);
}

static bool is_idt_gate(uint16_t attr)
{
    switch (attr & SEG_ATTR_TYPE) {
    case DESC_TASK_GATE: case DESC_INT16: case DESC_TRAP16: case DESC_INT32: case DESC_TRAP32:
        return !(attr & SEG_ATTR_S);
    default:
        return false;
    }
}

/* An interrupt or trap gate: to the same privilege, to an inner one with a
 * stack from the TSS, or out of V86 mode to ring 0 (SDM vol. 2, INT n). */
static void deliver_through_gate(struct cpu *cpu, struct descriptor gate, uint32_t ext,
                                 uint32_t eflags, bool push_error, uint32_t error_code,
                                 uint32_t return_eip)
{
    uint16_t gattr = desc_attr(gate);
    bool gate32 = (gattr & 8) != 0;
    bool trap = (gattr & 1) != 0;
    uint16_t sel = gate_selector(gate);
    uint32_t eip = gate32 ? gate_offset(gate) : gate_offset(gate) & 0xffff;
    uint32_t sel_err = (sel & 0xfffc) | ext;
    bool v86 = cpu_v86(cpu);

    if ((sel & 0xfffc) == 0)
        cpu_fault(cpu, EXC_GP, ext);
    struct descriptor cd;
    if (!seg_fetch_descriptor(cpu, sel, &cd))
        cpu_fault(cpu, EXC_GP, sel_err);
    uint16_t cattr = desc_attr(cd);
    unsigned dpl = attr_dpl(cattr);
    if (!attr_is_code(cattr) || dpl > cpu->cpl)
        cpu_fault(cpu, EXC_GP, sel_err);
    if (!(cattr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, sel_err);

    struct stack_frame f;
    unsigned new_cpl;
    if (!(cattr & SEG_TYPE_DC) && dpl < cpu->cpl) {
        /* A V86 task may only enter ring 0 (SDM vol. 3, 20.3.1.1). */
        if (v86 && dpl != 0)
            cpu_fault(cpu, EXC_GP, sel_err);
        frame_inner(cpu, dpl, ext, &f);
        new_cpl = dpl;
    } else {
        if (v86)
            cpu_fault(cpu, EXC_GP, sel_err);
        frame_current(cpu, &f);
        new_cpl = cpu->cpl;
    }

    unsigned unit = gate32 ? 4 : 2;
    unsigned slots = 3 + (push_error ? 1 : 0) + (f.new_ss ? 2 : 0) + (v86 ? 4 : 0);
    frame_reserve(cpu, &f, slots * unit, EXC_SS, f.new_ss ? (f.ss.sel & 0xfffc) | ext : ext);
    if (eip > desc_limit(cd))
        cpu_fault(cpu, EXC_GP, ext);
    seg_set_accessed(cpu, sel, &cd);

    if (v86) {
        frame_push(cpu, &f, cpu->seg[SEG_GS].sel, unit);
        frame_push(cpu, &f, cpu->seg[SEG_FS].sel, unit);
        frame_push(cpu, &f, cpu->seg[SEG_DS].sel, unit);
        frame_push(cpu, &f, cpu->seg[SEG_ES].sel, unit);
    }
    if (f.new_ss) {
        frame_push(cpu, &f, cpu->seg[SEG_SS].sel, unit);
        frame_push(cpu, &f, (uint32_t)cpu->regs[R_ESP], unit);
    }
    frame_push(cpu, &f, eflags, unit);
    frame_push(cpu, &f, cpu->seg[SEG_CS].sel, unit);
    frame_push(cpu, &f, return_eip, unit);
    if (push_error)
        frame_push(cpu, &f, error_code, unit);

    frame_commit(cpu, &f);
    if (v86) {
        seg_load_null(cpu, SEG_ES, 0);
        seg_load_null(cpu, SEG_DS, 0);
        seg_load_null(cpu, SEG_FS, 0);
        seg_load_null(cpu, SEG_GS, 0);
    }
    seg_load_cs(cpu, sel, cd, new_cpl);
    cpu->eip = eip;
    cpu->eflags &= ~(FL_TF | FL_NT | FL_RF | FL_VM | (trap ? 0 : FL_IF));
    if (v86)
        cpu_mode_changed(cpu);
}

static void deliver_protected(struct cpu *cpu, int vector, enum intr_kind kind, uint32_t eflags,
                              bool push_error, uint32_t error_code, uint32_t return_eip)
{
    /* EXT marks faults raised while delivering an event the program did
     * not ask for; INT n, INT3 and INTO clear it, INT1 does not (SDM vol. 3,
     * 6.13). */
    uint32_t ext = kind == INTR_SOFTWARE ? 0 : 1;
    uint32_t idt_err = (uint32_t)vector * 8 + 2 + ext;
    uint32_t at = (uint32_t)vector * 8;

    if (at + 7 > cpu->idtr.limit)
        cpu_fault(cpu, EXC_GP, idt_err);
    struct descriptor gate;
    gate.lo = sys_read(cpu, cpu->idtr.base + at, 4);
    gate.hi = sys_read(cpu, cpu->idtr.base + at + 4, 4);
    uint16_t gattr = desc_attr(gate);
    if (!is_idt_gate(gattr))
        cpu_fault(cpu, EXC_GP, idt_err);
    /* Only instructions that name a vector are held to the gate's DPL. */
    if (kind == INTR_SOFTWARE && attr_dpl(gattr) < cpu->cpl)
        cpu_fault(cpu, EXC_GP, idt_err);
    if (!(gattr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_NP, idt_err);

    if ((gattr & SEG_ATTR_TYPE) == DESC_TASK_GATE) {
        uint16_t tss_sel = gate_selector(gate);
        struct descriptor tss = task_fetch_tss(cpu, tss_sel, false, EXC_GP, ext);
        cpu->eip = return_eip; /* the outgoing task resumes here */
        /* The switch saves the live EFLAGS, so RF goes there. Should the
         * switch fault before its commit point, the exception that follows
         * is a fault (pushing RF set anyway) or a double fault. */
        cpu->eflags = (cpu->eflags & ~FL_RF) | (eflags & FL_RF);
        task_switch_ext(cpu, tss_sel, tss, TASK_INT, push_error, error_code, ext);
        return;
    }
    deliver_through_gate(cpu, gate, ext, eflags, push_error, error_code, return_eip);
}

/* Exceptions reported before the instruction completes, to be restarted
 * (SDM vol. 3, table 6-1): #DE #BR #UD #NM #TS #NP #SS #GP #PF #MF #AC.
 * #DB is not among them: single-step, data, I/O and task-switch debug
 * exceptions are traps, an instruction breakpoint pushes RF as it was
 * (clear), and the general-detect fault sets RF itself (cpu/exec_system.c).
 * #DF and #MC are aborts. */
static bool is_fault(int vector)
{
    static const uint32_t faults = 1u << EXC_DE | 1u << EXC_BR | 1u << EXC_UD | 1u << EXC_NM |
                                   1u << EXC_TS | 1u << EXC_NP | 1u << EXC_SS | 1u << EXC_GP |
                                   1u << EXC_PF | 1u << EXC_MF | 1u << EXC_AC;
    return vector >= 0 && vector < 32 && (faults >> vector) & 1;
}

/* The EFLAGS image an event handler receives (SDM vol. 3, 17.3.1.1, P6 and
 * later): RF set for a fault, so that the handler's IRET restarts the
 * instruction without an instruction breakpoint firing again; RF clear for
 * INT n, INT3, INTO and INT1, which clear it as they begin; RF as it is for
 * traps, aborts and external interrupts. */
static uint32_t handler_eflags(struct cpu *cpu, int vector, enum intr_kind kind)
{
    uint32_t eflags = cpu_get_eflags(cpu);
    if (kind == INTR_EXCEPTION && is_fault(vector))
        return eflags | FL_RF;
    if (kind == INTR_SOFTWARE || kind == INTR_ICEBP)
        return eflags & ~FL_RF;
    return eflags;
}

void cpu_deliver_interrupt(struct cpu *cpu, int vector, enum intr_kind kind,
                           bool push_error, uint32_t error_code, uint32_t return_eip)
{
    if (log_enabled(cpu->log, LOG_INT))
        log_delivery(cpu, vector, kind, push_error, error_code, return_eip);
    uint32_t eflags = handler_eflags(cpu, vector, kind);
    if (cpu_protected(cpu))
        deliver_protected(cpu, vector, kind, eflags, push_error, error_code, return_eip);
    else
        deliver_real(cpu, vector, eflags, return_eip);
}
