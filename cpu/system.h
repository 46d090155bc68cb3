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

/* EFLAGS bits software can hold on a P6 (SDM vol. 1, 3.4.3); bit 1 is
 * always one. */
#define EFLAGS_DEFINED (FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_RF | \
                        FL_VM | FL_AC | FL_VIF | FL_VIP | FL_ID)
/* CR0 bits a P6 implements; ET is hard-wired to 1 (SDM vol. 3, 2.5). */
#define CR0_WRITABLE (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | \
                      CR0_NW | CR0_CD | CR0_PG)
/* CR4 bits for the features CPUID reports. MCE only enables #MC, which no
 * machine check ever raises. OSFXSR came with FXSR in the Pentium II;
 * without SSE it changes nothing, and OSXMMEXCPT, which came with SSE,
 * stays reserved (SDM vol. 3, 22, CR4 flags). */
#define CR4_VALID (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | \
                   CR4_PGE | CR4_PCE | CR4_OSFXSR)

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

/* task_switch with ext (0 or 1) ORed into the error codes of the faults it
 * raises: 1 when an exception or an external interrupt caused the switch
 * (SDM vol. 3, 6.13). */
void task_switch_ext(struct cpu *cpu, uint16_t sel, struct descriptor d, enum task_reason reason,
                     bool push_error, uint32_t error_code, uint32_t ext);

/* The TSS descriptor a task gate or a back link names: it must be in the
 * GDT and be a TSS that is busy (IRET) or available (otherwise), else
 * vector(sel | ext). Presence and limit are task_switch's checks. */
struct descriptor task_fetch_tss(struct cpu *cpu, uint16_t sel, bool busy, int vector, uint32_t ext);

/*
 * A stack that a far CALL or an interrupt builds before it commits: a copy
 * of the stack segment's cache and the stack pointer. Writes go straight to
 * memory; SS and ESP change only in frame_commit, so a fault on the way
 * leaves the registers as they were.
 */
struct stack_frame {
    struct seg_cache ss;
    uint32_t esp;  /* only the low 16 bits move when ss is a 16-bit stack */
    bool new_ss;   /* ss comes from the TSS, not from SS */
    bool user;     /* the writes are made with user privilege */
};

/* The current stack, written at the current privilege. */
void frame_current(struct cpu *cpu, struct stack_frame *f);

/* The inner stack for privilege dpl from the current TSS, with every check
 * of an inter-privilege CALL or interrupt (SDM vol. 2, CALL and INT n): #TS
 * for a bad TSS or stack selector, #SS when the stack is not present; ext
 * is ORed into the error codes. Marks the stack descriptor accessed. */
void frame_inner(struct cpu *cpu, unsigned dpl, uint32_t ext, struct stack_frame *f);

/* Fault with vector(error_code) unless bytes more fit below the top. */
void frame_reserve(struct cpu *cpu, const struct stack_frame *f, unsigned bytes, int vector,
                   uint32_t error_code);

/* Push size bytes; the room must have been reserved. */
void frame_push(struct cpu *cpu, struct stack_frame *f, uint32_t value, unsigned size);

/* Install the frame's SS (when new) and ESP. Cannot fault. */
void frame_commit(struct cpu *cpu, const struct stack_frame *f);

/* #GP(0) unless the current privilege may access size bytes at port: CPL <=
 * IOPL in protected mode, else the TSS I/O permission bitmap (SDM vol. 1,
 * 18.5). Real mode always may. */
void io_check_permission(struct cpu *cpu, uint16_t port, unsigned size);

/* Port accesses of IN, OUT, INS and OUTS, at the current virtual time. */
uint32_t cpu_port_read(struct cpu *cpu, uint16_t port, unsigned size);
void cpu_port_write(struct cpu *cpu, uint16_t port, uint32_t value, unsigned size);

/* Write EFLAGS as POPF/IRET do at the current privilege: IOPL only at CPL 0,
 * IF only when CPL <= IOPL, VM and RF never through POPF. mask selects the
 * bits the instruction may touch (16-bit forms leave the high half). */
void eflags_write_checked(struct cpu *cpu, uint32_t value, uint32_t mask);

/* The time-stamp counter restarts from 0, as at RESET (SDM vol. 3,
 * 17.17). */
void tsc_reset(struct cpu *cpu);

/* Why the model-specific registers held in struct cpu (APIC base, MCi_CTL)
 * have values no WRMSR could write, or NULL when they are fine. */
const char *msr_state_error(const struct cpu *cpu);

/* Recompute cpu->cpl and anything derived from CR0/CR4/EFLAGS.VM after a
 * mode change. */
void cpu_mode_changed(struct cpu *cpu);

#endif
