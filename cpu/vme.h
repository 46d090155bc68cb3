/*
 * Virtual-8086 mode extensions (CR4.VME) and protected-mode virtual
 * interrupts (CR4.PVI): the virtual interrupt flag that IF-sensitive
 * instructions use when IOPL keeps them from IF, and software interrupts
 * that V86 code sends to its own vector table (SDM vol. 3, 20.3 and 20.4).
 */
#ifndef CPU_VME_H
#define CPU_VME_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/cpu.h"

/* VME mode: virtual-8086 mode with CR4.VME set (VM implies PE). */
static inline bool vme_mode(const struct cpu *cpu)
{
    return (cpu->eflags & FL_VM) && (cpu->cr4 & CR4_VME);
}

/* PVI mode: protected mode proper at CPL 3 with CR4.PVI set. */
static inline bool vme_pvi_mode(const struct cpu *cpu)
{
    return (cpu->cr0 & CR0_PE) && !(cpu->eflags & FL_VM) && cpu->cpl == 3 &&
           (cpu->cr4 & CR4_PVI);
}

/* The FLAGS image that 16-bit PUSHF and a redirected INT n push in VME mode
 * with IOPL below 3: VIF in the IF position and IOPL reading 3, so the 8086
 * program sees the flags it believes it has. */
uint16_t vme_flags_image(const struct cpu *cpu);

/* Load FLAGS from the image a 16-bit POPF or IRET pops in VME mode with
 * IOPL below 3: #GP(0) when the image sets TF, or sets IF while VIP is set
 * (the monitor has an interrupt to deliver); otherwise IF goes to VIF, and
 * IF and IOPL keep their values. Faults before it changes anything. */
void vme_load_flags(struct cpu *cpu, uint16_t image);

/* INT n (opcode CD) in virtual-8086 mode, by the six methods of SDM vol. 3,
 * table 20-2: through the IDT, #GP(0) to the monitor, or with CR4.VME and a
 * clear bit in the TSS's interrupt redirection bitmap to the 8086 program's
 * vector table at linear address 0. return_ip is the IP pushed. */
void vme_software_interrupt(struct cpu *cpu, uint8_t vector, uint32_t return_ip);

#endif
