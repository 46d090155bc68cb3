/* Instructions that do (almost) nothing: NOPs and invalid opcodes. */
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
