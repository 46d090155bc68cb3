/*
 * Instructions that read or write the system flags of EFLAGS: PUSHF, POPF,
 * CLI, STI, and HLT, with the IOPL and CPL rules of SDM vol. 2 and the
 * IOPL-sensitive behaviour of V86 mode without CR4.VME (SDM vol. 3, 20.2.7).
 */
#include "exec.h"
#include "fault.h"
#include "flags.h"
#include "seg.h"
#include "system.h"

static unsigned iopl(const struct cpu *cpu)
{
    return (cpu->eflags & FL_IOPL) >> 12;
}

/* V86 code may touch IF through these instructions only with IOPL 3. */
static void check_v86_iopl(struct cpu *cpu)
{
    if (cpu_v86(cpu) && iopl(cpu) != 3)
        cpu_fault(cpu, EXC_GP, 0);
}

void eflags_write_checked(struct cpu *cpu, uint32_t value, uint32_t mask)
{
    uint32_t old = cpu_get_eflags(cpu);
    mask &= ~FL_VM;
    if (cpu->cpl != 0)
        mask &= ~(FL_IOPL | FL_VIF | FL_VIP);
    if (cpu->cpl > iopl(cpu))
        mask &= ~FL_IF;
    cpu_set_eflags(cpu, (old & ~mask) | (value & mask));
}

void exec_PUSHF(struct cpu *cpu, const struct insn *in)
{
    check_v86_iopl(cpu);
    /* VM and RF read as zero in the image (SDM vol. 2, PUSHF). */
    push(cpu, cpu_get_eflags(cpu) & ~(FL_VM | FL_RF), in->osize);
}

void exec_POPF(struct cpu *cpu, const struct insn *in)
{
    check_v86_iopl(cpu);
    uint32_t value = pop(cpu, in->osize);
    if (in->osize == 2) {
        eflags_write_checked(cpu, value, 0xffff);
    } else {
        /* The 32-bit form leaves VIF, VIP and VM alone and clears RF. */
        eflags_write_checked(cpu, value & ~FL_RF, ~(FL_VIF | FL_VIP | FL_VM));
    }
}

/* CLI and STI: allowed when CPL <= IOPL, in V86 mode only with IOPL 3
 * (CPL is 3 there, so one rule covers both). */
static void check_if_access(struct cpu *cpu)
{
    if (cpu_protected(cpu) && cpu->cpl > iopl(cpu))
        cpu_fault(cpu, EXC_GP, 0);
}

void exec_CLI(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    check_if_access(cpu);
    cpu->eflags &= ~FL_IF;
}

void exec_STI(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    check_if_access(cpu);
    /* Interrupts stay blocked for one more instruction when STI sets IF
     * (SDM vol. 2, STI), so "STI; HLT" cannot miss its wake-up. */
    if (!(cpu->eflags & FL_IF))
        cpu->inhibit_irq = true;
    cpu->eflags |= FL_IF;
}

void exec_HLT(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (cpu->cpl != 0)
        cpu_fault(cpu, EXC_GP, 0);
    cpu->halted = true;
}
