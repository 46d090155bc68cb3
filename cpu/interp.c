/*
 * The interpreter's run loop: fetch, decode, execute, and deliver
 * exceptions and interrupts between instructions.
 *
 * Faults are raised with cpu_fault(), which longjmps back here. The
 * instruction's EIP and ESP are restored (every other register is written
 * only after the instruction's last access that can fault) and the
 * exception is delivered, combined with one already being delivered by the
 * double-fault rules of SDM vol. 3, 6.15, table 6-5.
 */
#include "breakpoint.h"
#include <stddef.h>
#include <string.h>

#include "decode.h"
#include "exec.h"
#include "fault.h"
#include "icache.h"
#include "lintas/log.h"
#include "trace.h"

void cpu_fault(struct cpu *cpu, int vector, uint32_t error_code)
{
    cpu->fault_vector = vector;
    cpu->fault_error = exc_has_error_code(vector) ? error_code : 0;
    longjmp(cpu->fault_jmp, 1);
}

void cpu_shutdown(struct cpu *cpu)
{
    cpu->fault_vector = -1;
    longjmp(cpu->fault_jmp, 1);
}

static bool is_contributory(int vector)
{
    return vector == EXC_DE || (vector >= EXC_TS && vector <= EXC_GP);
}

/* Deliver the exception cpu_fault() recorded. Returns false when the CPU
 * must shut down (triple fault). */
static bool deliver_exception(struct cpu *cpu)
{
    int vector = cpu->fault_vector;
    uint32_t error = cpu->fault_error;
    int first = cpu->exc_depth_vector;

    if (vector < 0)
        return false;
    if (first >= 0) {
        if (first == EXC_DF && (is_contributory(vector) || vector == EXC_PF))
            return false;
        if ((is_contributory(first) && is_contributory(vector)) ||
            (first == EXC_PF && (is_contributory(vector) || vector == EXC_PF))) {
            vector = EXC_DF;
            error = 0;
        }
    }
    /* A delivered exception ends a halt, as a debug trap after HLT does
     * (SDM vol. 2, HLT). */
    cpu->halted = false;
    cpu->exc_depth_vector = vector;
    cpu_deliver_interrupt(cpu, vector, INTR_EXCEPTION, exc_has_error_code(vector), error,
                          (uint32_t)cpu->eip);
    cpu->exc_depth_vector = -1;
    return true;
}

/* Fetch and decode the instruction at CS:EIP. Bytes past the CS limit raise
 * #GP(0); bytes on an unmapped page raise #PF only if the decoder needs
 * them. Returns the decoded instruction, usually from the cache. Pages
 * holding an instruction breakpoint have no fast fetch tag in the TLB, so
 * every instruction there comes by the slow path, which looks for the
 * breakpoint before anything else can fault (SDM vol. 3, 17.3.1.1). */
static const struct insn *fetch_decode(struct cpu *cpu, struct insn *scratch)
{
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    uint32_t eip = (uint32_t)cpu->eip;
    bool user = cpu_user_access(cpu);
    bool code32 = (cs->attr & SEG_ATTR_DB) != 0;
    uint32_t lin = cs->base + eip;

    const struct tlb_entry *te = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    const uint8_t *page = NULL;
    if (te->tag_exec == (lin & 0xfffff000u)) {
        page = (const uint8_t *)(te->addend + (lin & 0xfffff000u));
        /* The hit path: a cached decode of the bytes there now, with every
         * byte inside the page and the CS limit. */
        const uint8_t *p = page + (lin & 0xfff);
        struct icache_entry *e = icache_slot(cpu->icache, p);
        if ((lin & 0xfff) <= 0x1000 - 16 && icache_hit(e, p, code32) &&
            (uint64_t)eip + e->in.len - 1 <= cs->hi)
            return &e->in;
    }

    if (cpu->bp_exec_mask && !(cpu->eflags & FL_RF))
        bp_check_exec(cpu);
    if (eip > cs->hi)
        cpu_fault(cpu, EXC_GP, 0);
    uint64_t to_limit = (uint64_t)cs->hi - eip + 1;
    size_t avail = 0x1000 - (lin & 0xfff);
    if (avail > to_limit)
        avail = (size_t)to_limit;
    if (avail > INSN_MAX_LEN)
        avail = INSN_MAX_LEN;

    if (!page)
        page = mmu_code_page(cpu, lin, user);
    int r = DECODE_NEED_MORE;
    if (page) {
        const uint8_t *p = page + (lin & 0xfff);
        bool cacheable = (lin & 0xfff) <= 0x1000 - 16;
        struct icache_entry *e = icache_slot(cpu->icache, p);
        r = decode_insn(p, avail, code32, scratch);
        if (r == DECODE_OK && cacheable)
            icache_fill(e, p, code32, scratch);
    }
    if (r == DECODE_NEED_MORE) {
        /* Crossing into the next page or code outside RAM: gather bytes one
         * at a time so only the bytes the decoder asks for are fetched. */
        uint8_t buf[INSN_MAX_LEN];
        size_t have = 0;
        size_t max = to_limit < INSN_MAX_LEN ? (size_t)to_limit : INSN_MAX_LEN;
        while (r == DECODE_NEED_MORE) {
            if (have == max)
                cpu_fault(cpu, EXC_GP, 0);
            buf[have] = mmu_fetch_byte(cpu, lin + (uint32_t)have, user);
            have++;
            r = decode_insn(buf, have, code32, scratch);
        }
    }
    if (r == DECODE_TOO_LONG)
        cpu_fault(cpu, EXC_GP, 0);
    return scratch;
}

/* A debug trap at the current EIP: past the instruction that caused it, or
 * at the first instruction of a handler whose delivery hit a data
 * breakpoint. */
static _Noreturn void debug_trap(struct cpu *cpu, uint32_t dr6)
{
    bp_report(cpu, dr6);
    cpu->insn_eip = cpu->eip;
    cpu->insn_esp = cpu->regs[R_ESP];
    cpu_fault(cpu, EXC_DB, 0);
}

static void deliver_external(struct cpu *cpu, int vector)
{
    cpu->halted = false;
    cpu->insn_eip = cpu->eip;
    cpu->insn_esp = cpu->regs[R_ESP];
    cpu->exc_depth_vector = -1;
    cpu_deliver_interrupt(cpu, vector, INTR_EXTERNAL, false, 0, (uint32_t)cpu->eip);
    if (cpu->bp_hits)
        debug_trap(cpu, 0);
}

/* Between instructions: take an NMI, then a maskable interrupt, unless the
 * previous instruction opened an interrupt shadow (STI, MOV SS, POP SS). */
static void check_interrupts(struct cpu *cpu)
{
    if (cpu->inhibit_irq) {
        cpu->inhibit_irq = false;
        return;
    }
    if (cpu->nmi_pending && !cpu->nmi_blocked) {
        cpu->nmi_pending = false;
        cpu->nmi_blocked = true;
        deliver_external(cpu, EXC_NMI);
    } else if (cpu->intr_line && (cpu->eflags & FL_IF) && cpu->intc.ack) {
        deliver_external(cpu, cpu->intc.ack(cpu->intc.opaque) & 0xff);
    }
}

/* Anything in the event group of struct cpu set? One load for all. */
static inline bool events_pending(const struct cpu *cpu)
{
    uint64_t group;
    memcpy(&group, (const void *)&cpu->intr_line, sizeof(group));
    return group != 0;
}
_Static_assert(offsetof(struct cpu, events_unused) + 2 - offsetof(struct cpu, intr_line) == 8,
               "the run loop's event group must be eight bytes");

static bool is_software_interrupt(unsigned op)
{
    return op == OP_INT_I || op == OP_INT3 || op == OP_INTO || op == OP_INT1;
}

/* A REP string instruction that stopped between iterations rewinds EIP to
 * itself and sets RF (cpu/exec_string.c); RF then stays for the rest. */
static bool rep_string_yielded(const struct cpu *cpu, unsigned op)
{
    bool string = op == OP_MOVS || op == OP_CMPS || op == OP_STOS || op == OP_LODS ||
                  op == OP_SCAS || op == OP_INS || op == OP_OUTS;
    return string && cpu->eip == cpu->insn_eip;
}

/* Did a MOV SS or POP SS just open an interrupt shadow? */
static bool ss_shadow(const struct cpu *cpu, unsigned op)
{
    return cpu->inhibit_irq && (op == OP_MOV_SE || op == OP_POP_SEG);
}

static void step(struct cpu *cpu)
{
    struct insn scratch;
    uint32_t flags_before = cpu->eflags;

    /* EFLAGS.AC is almost always clear; only then is CR0.AM looked at. */
    if (__builtin_expect(((flags_before & FL_AC) != 0) != cpu->align_check, 0))
        tlb_set_alignment_check(cpu, (flags_before & FL_AC) && (cpu->cr0 & CR0_AM));

    cpu->insn_eip = cpu->eip;
    cpu->insn_esp = cpu->regs[R_ESP];
    const struct insn *in = fetch_decode(cpu, &scratch);
    if (cpu->log && (cpu->log->mask & (LOG_IN_ASM | LOG_EXEC)))
        trace_insn(cpu, in);
    /* Sequential EIP does not wrap in 16-bit code: past FFFFh the next
     * fetch fails the CS limit check, as on 386 and later processors. */
    cpu->eip = (uint32_t)(cpu->eip + in->len);
    unsigned op = in->op;
    exec_table[op](cpu, in);
    cpu->icount++;

    if (__builtin_expect(!(flags_before & (FL_TF | FL_RF)), 1))
        return;
    /* RF suppresses instruction breakpoints for one instruction; IRET
     * loads it for the next (SDM vol. 3, 17.3.1.1). */
    if ((flags_before & FL_RF) && op != OP_IRET && !rep_string_yielded(cpu, op))
        cpu->eflags &= ~FL_RF;
    /* Single-step trap after the instruction (SDM vol. 3, 17.3.1.4);
     * software interrupts clear TF on entry and are not trapped. Data and
     * I/O breakpoints the instruction hit are reported in the same trap.
     * MOV SS and POP SS hold debug traps, as they hold interrupts, until
     * the next instruction completes (SDM vol. 3, 6.8.3); single-stepping
     * then traps after that instruction. */
    if ((flags_before & FL_TF) && !(is_software_interrupt(op) && !(cpu->eflags & FL_TF)) &&
        !ss_shadow(cpu, op))
        debug_trap(cpu, DR6_BS);
}

void cpu_limit_run(struct cpu *cpu, uint64_t insns)
{
    if (insns == 0)
        insns = 1;
    if (cpu->run_budget > insns)
        cpu->run_budget = insns;
}

enum cpu_exit cpu_run(struct cpu *cpu, uint64_t max_insns)
{
    cpu->run_budget = max_insns;
    if (setjmp(cpu->fault_jmp)) {
        /* An instruction that faults did not complete, so its breakpoint
         * hits do not count; those of the delivery below do. */
        cpu->bp_hits = 0;
        cpu->eip = cpu->insn_eip;
        cpu->regs[R_ESP] = cpu->insn_esp;
        if (cpu->stop_on_exception && cpu->fault_vector >= 0) {
            cpu->last_exception = cpu->fault_vector;
            cpu->last_error_code = cpu->fault_error;
            cpu->exc_depth_vector = -1;
            return CPU_EXIT_EXCEPTION;
        }
        /* A delivery counts as an instruction, so that under -icount time
         * moves on even for a guest that faults again and again without
         * completing one. */
        cpu->icount++;
        if (!deliver_exception(cpu)) {
            cpu->exc_depth_vector = -1;
            cpu->halted = true;
            return CPU_EXIT_SHUTDOWN;
        }
        if (cpu->run_budget)
            cpu->run_budget--;
    }
    for (;;) {
        /* The budget is checked first: check_interrupts() consumes an
         * interrupt shadow, which must still cover the next instruction
         * when this call returns right after STI or MOV SS. */
        if (cpu->run_budget == 0)
            return CPU_EXIT_BUDGET;
        if (__builtin_expect(events_pending(cpu), 0)) {
            if (cpu->exit_request) {
                cpu->exit_request = false;
                return CPU_EXIT_REQUEST;
            }
            /* Data and I/O breakpoints hit by the last instruction, or by
             * the delivery of an exception, trap here, before the next
             * instruction, and outrank interrupts; a MOV SS shadow holds
             * them one instruction longer. */
            if (cpu->bp_hits && !cpu->inhibit_irq)
                debug_trap(cpu, 0);
            check_interrupts(cpu);
            if (cpu->halted)
                return CPU_EXIT_HALT;
        }
        step(cpu);
        cpu->run_budget--;
    }
}
