/*
 * Instructions that read or write the system flags of EFLAGS: PUSHF, POPF,
 * CLI, STI, and HLT, with the IOPL and CPL rules of SDM vol. 2, the
 * IOPL-sensitive behaviour of V86 mode (SDM vol. 3, 20.2.7), and the
 * virtual interrupt flag of CR4.VME and CR4.PVI (SDM vol. 3, 20.3 and 20.4).
 */
#include "exec.h"
#include "fault.h"
#include "flags.h"
#include "seg.h"
#include "system.h"
#include "vme.h"

static unsigned iopl(const struct cpu *cpu)
{
    return (cpu->eflags & FL_IOPL) >> 12;
}

/* V86 code below IOPL 3: PUSHF and POPF trap to the monitor, except for
 * their 16-bit forms under CR4.VME, which work on VIF instead of IF (SDM
 * vol. 2, PUSHF and POPF). */
static bool v86_virtual_flags(struct cpu *cpu, unsigned osize)
{
    if (!cpu_v86(cpu) || iopl(cpu) == 3)
        return false;
    if (!vme_mode(cpu) || osize != 2)
        cpu_fault(cpu, EXC_GP, 0);
    return true;
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
    if (v86_virtual_flags(cpu, in->osize)) {
        push(cpu, vme_flags_image(cpu), 2);
        return;
    }
    /* VM and RF read as zero in the image (SDM vol. 2, PUSHF). */
    push(cpu, cpu_get_eflags(cpu) & ~(FL_VM | FL_RF), in->osize);
}

void exec_POPF(struct cpu *cpu, const struct insn *in)
{
    if (v86_virtual_flags(cpu, in->osize)) {
        vme_load_flags(cpu, (uint16_t)pop(cpu, 2));
        return;
    }
    uint32_t value = pop(cpu, in->osize);
    if (in->osize == 2) {
        eflags_write_checked(cpu, value, 0xffff);
    } else {
        /* The 32-bit form leaves VIF, VIP and VM alone and clears RF. */
        eflags_write_checked(cpu, value & ~FL_RF, ~(FL_VIF | FL_VIP | FL_VM));
    }
}

/* CLI and STI change IF when CPL <= IOPL (in V86 mode CPL is 3, so that
 * means IOPL 3). Otherwise they change VIF in VME mode and PVI mode, and
 * raise #GP(0) elsewhere (SDM vol. 2, CLI and STI decision tables).
 * Returns true for the VIF form. */
static bool if_is_virtual(struct cpu *cpu)
{
    if (!cpu_protected(cpu) || cpu->cpl <= iopl(cpu))
        return false;
    if (vme_mode(cpu) || vme_pvi_mode(cpu))
        return true;
    cpu_fault(cpu, EXC_GP, 0);
}

void exec_CLI(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu->eflags &= ~(if_is_virtual(cpu) ? FL_VIF : FL_IF);
}

void exec_STI(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (if_is_virtual(cpu)) {
        /* A pending virtual interrupt goes to the monitor first (SDM
         * vol. 3, 20.3.2). */
        if (cpu->eflags & FL_VIP)
            cpu_fault(cpu, EXC_GP, 0);
        cpu->eflags |= FL_VIF;
        return;
    }
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
