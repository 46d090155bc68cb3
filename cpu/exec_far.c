/*
 * Far JMP, CALL and RET, IRET and the software interrupt instructions. The
 * transfers themselves live in cpu/far_transfer.c and cpu/interrupt.c.
 */
#include "exec.h"
#include "fault.h"
#include "flags.h"
#include "seg.h"
#include "system.h"
#include "vme.h"

/* A far pointer in memory: the offset (operand size) then the selector. */
static void read_far_pointer(struct cpu *cpu, const struct insn *in, uint16_t *sel, uint32_t *off)
{
    uint32_t ea = ea_offset(cpu, in);
    *off = vread(cpu, in->seg, ea, in->osize);
    *sel = (uint16_t)vread(cpu, in->seg, ea + in->osize, 2);
}

void exec_JMPF_A(struct cpu *cpu, const struct insn *in)
{
    far_jump(cpu, in->imm2, in->imm, in->osize);
}

void exec_JMPF_E(struct cpu *cpu, const struct insn *in)
{
    uint16_t sel;
    uint32_t off;
    read_far_pointer(cpu, in, &sel, &off);
    far_jump(cpu, sel, off, in->osize);
}

void exec_CALLF_A(struct cpu *cpu, const struct insn *in)
{
    far_call(cpu, in->imm2, in->imm, in->osize);
}

void exec_CALLF_E(struct cpu *cpu, const struct insn *in)
{
    uint16_t sel;
    uint32_t off;
    read_far_pointer(cpu, in, &sel, &off);
    far_call(cpu, sel, off, in->osize);
}

void exec_RETF(struct cpu *cpu, const struct insn *in)
{
    far_return(cpu, in->osize, (uint16_t)in->imm);
}

void exec_IRET(struct cpu *cpu, const struct insn *in)
{
    interrupt_return(cpu, in->osize);
}

void exec_INT3(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_deliver_interrupt(cpu, EXC_BP, INTR_SOFTWARE, false, 0, (uint32_t)cpu->eip);
}

void exec_INT_I(struct cpu *cpu, const struct insn *in)
{
    /* In V86 mode INT n is IOPL-sensitive and may be redirected; INT3 and
     * INTO are neither (SDM vol. 3, 20.3.3). */
    uint8_t vector = in->imm & 0xff;
    if (cpu_v86(cpu))
        vme_software_interrupt(cpu, vector, (uint32_t)cpu->eip);
    else
        cpu_deliver_interrupt(cpu, vector, INTR_SOFTWARE, false, 0, (uint32_t)cpu->eip);
}

void exec_INTO(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (flags_compute(cpu) & FL_OF)
        cpu_deliver_interrupt(cpu, EXC_OF, INTR_SOFTWARE, false, 0, (uint32_t)cpu->eip);
}

void exec_INT1(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_deliver_interrupt(cpu, EXC_DB, INTR_ICEBP, false, 0, (uint32_t)cpu->eip);
}
