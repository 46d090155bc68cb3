/*
 * System-level helpers shared by instruction handlers: far control
 * transfers, task switches and the I/O permission checks.
 */
#ifndef CPU_SYSTEM_H
#define CPU_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/cpu.h"
#include "seg.h"

/* Far JMP/CALL to sel:off in any mode, through call gates and task gates
 * and to TSS descriptors (SDM vol. 2, CALL and JMP). osize is the operand
 * size of the instruction (2 or 4). */
void far_jump(struct cpu *cpu, uint16_t sel, uint32_t off, unsigned osize);
void far_call(struct cpu *cpu, uint16_t sel, uint32_t off, unsigned osize);

/* Far RET with imm bytes of parameters to release, and IRET. */
void far_return(struct cpu *cpu, unsigned osize, uint16_t imm);
void interrupt_return(struct cpu *cpu, unsigned osize);

/* Switch to the task whose TSS descriptor is sel/d (SDM vol. 3, 7.3). */
enum task_reason { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
void task_switch(struct cpu *cpu, uint16_t sel, struct descriptor d, enum task_reason reason,
                 bool push_error, uint32_t error_code);

/* #GP(0) unless the current privilege may access size bytes at port: CPL <=
 * IOPL in protected mode, else the TSS I/O permission bitmap (SDM vol. 1,
 * 18.5). Real mode always may. */
void io_check_permission(struct cpu *cpu, uint16_t port, unsigned size);

/* Write EFLAGS as POPF/IRET do at the current privilege: IOPL only at CPL 0,
 * IF only when CPL <= IOPL, VM and RF never through POPF. mask selects the
 * bits the instruction may touch (16-bit forms leave the high half). */
void eflags_write_checked(struct cpu *cpu, uint32_t value, uint32_t mask);

/* Recompute cpu->cpl and anything derived from CR0/CR4/EFLAGS.VM after a
 * mode change. */
void cpu_mode_changed(struct cpu *cpu);

#endif
