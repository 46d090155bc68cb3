/* Instructions that do (almost) nothing: NOPs, invalid opcodes, and the x87
 * escape and WAIT while no FPU is present. */
#include "exec.h"
#include "fault.h"

void exec_NOP(struct cpu *cpu, const struct insn *in)
{
    (void)cpu;
    (void)in;
}

/* 0F 0D and 0F 18..1F: hint NOPs with a ModRM operand that is never
 * accessed (SDM vol. 2, NOP). */
void exec_NOP_E(struct cpu *cpu, const struct insn *in)
{
    (void)cpu;
    (void)in;
}

void exec_UD(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_fault(cpu, EXC_UD, 0);
}

/* D8..DF without a coprocessor: #NM when CR0.EM or CR0.TS asks for
 * emulation or a lazy FPU switch (SDM vol. 3, 2.5, table 2-2); otherwise
 * the escape completes without effect, as on a board with an empty
 * coprocessor socket. */
void exec_ESC(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, EXC_NM, 0);
}

/* WAIT faults only when both MP and TS are set (SDM vol. 3, table 2-2). */
void exec_WAIT(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_fault(cpu, EXC_NM, 0);
}
