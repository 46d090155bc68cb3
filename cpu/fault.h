/*
 * Exceptions and interrupt delivery.
 *
 * A fault aborts the current instruction: cpu_fault() records the exception
 * and longjmps back to cpu_run(), which restores EIP and ESP to the start of
 * the instruction and delivers it. Instructions therefore commit
 * architectural state only after their last access that can fault.
 */
#ifndef CPU_FAULT_H
#define CPU_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/cpu.h"

/* What raised an interrupt; it decides privilege checks, the EXT bit in
 * error codes and which EIP is pushed (SDM vol. 3, 6.4 and 6.13). */
enum intr_kind {
    INTR_EXCEPTION, /* fault or trap detected by the CPU */
    INTR_SOFTWARE,  /* INT n, INT3, INTO: gate DPL is checked against CPL */
    INTR_ICEBP,     /* INT1 (F1): like an exception, no DPL check */
    INTR_EXTERNAL,  /* INTR pin or NMI */
};

/* Does this vector push an error code when raised as an exception? */
static inline bool exc_has_error_code(int vector)
{
    return vector == EXC_DF || (vector >= EXC_TS && vector <= EXC_PF) || vector == EXC_AC;
}

/* Abort the instruction with an exception; the error code is ignored for
 * vectors without one. */
_Noreturn void cpu_fault(struct cpu *cpu, int vector, uint32_t error_code);

/* Deliver an interrupt through the IVT (real mode) or IDT (protected mode,
 * V86), switching stacks, tasks and privilege as the gate says. return_eip is
 * the EIP pushed. May itself fault (via cpu_fault). Implemented in
 * cpu/interrupt.c. */
void cpu_deliver_interrupt(struct cpu *cpu, int vector, enum intr_kind kind,
                           bool push_error, uint32_t error_code, uint32_t return_eip);

/* Enter shutdown after a triple fault (cpu_run returns CPU_EXIT_SHUTDOWN). */
_Noreturn void cpu_shutdown(struct cpu *cpu);

#endif
