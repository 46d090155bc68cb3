/* Near control transfers: JMP, Jcc, LOOP/JCXZ, CALL and RET within the
 * current code segment (SDM vol. 2, JMP, Jcc, LOOP, CALL, RET). */
#include "exec.h"
#include "fault.h"
#include "flags.h"

/* A 16-bit operand size truncates the target to IP; the result must lie
 * within CS's limit or the transfer raises #GP(0) before anything else
 * changes. */
static uint32_t near_target(struct cpu *cpu, uint32_t target, unsigned osize)
{
    if (osize == 2)
        target &= 0xffff;
    if (target > cpu->seg[SEG_CS].hi)
        cpu_fault(cpu, EXC_GP, 0);
    return target;
}

void branch_near(struct cpu *cpu, uint32_t target, unsigned osize)
{
    cpu->eip = near_target(cpu, target, osize);
}

void exec_JMP_J(struct cpu *cpu, const struct insn *in)
{
    branch_near(cpu, (uint32_t)cpu->eip + in->imm, in->osize);
}

void exec_JMP_E(struct cpu *cpu, const struct insn *in)
{
    branch_near(cpu, rm_read(cpu, in), in->osize);
}

void exec_JCC(struct cpu *cpu, const struct insn *in)
{
    if (flags_cond(cpu, in->sub))
        branch_near(cpu, (uint32_t)cpu->eip + in->imm, in->osize);
}

/* LOOPNE, LOOPE, LOOP and JCXZ count in CX or ECX by the address size. */
void exec_LOOP(struct cpu *cpu, const struct insn *in)
{
    uint32_t mask = in->asize == 2 ? 0xffff : 0xffffffffu;
    uint32_t count = (uint32_t)cpu->regs[R_ECX] & mask;
    bool taken;

    if (in->sub == 3) {
        taken = count == 0;
    } else {
        count = (count - 1) & mask;
        taken = count != 0;
        if (in->sub == 0)
            taken = taken && !flags_cond(cpu, 4);
        else if (in->sub == 1)
            taken = taken && flags_cond(cpu, 4);
    }
    uint32_t target = taken ? near_target(cpu, (uint32_t)cpu->eip + in->imm, in->osize) : 0;
    if (in->sub != 3)
        reg_write(cpu, R_ECX, count, in->asize);
    if (taken)
        cpu->eip = target;
}

static void call_near(struct cpu *cpu, uint32_t target, unsigned osize)
{
    target = near_target(cpu, target, osize);
    push(cpu, (uint32_t)cpu->eip, osize);
    cpu->eip = target;
}

void exec_CALL_J(struct cpu *cpu, const struct insn *in)
{
    call_near(cpu, (uint32_t)cpu->eip + in->imm, in->osize);
}

void exec_CALL_E(struct cpu *cpu, const struct insn *in)
{
    call_near(cpu, rm_read(cpu, in), in->osize);
}

void exec_RET(struct cpu *cpu, const struct insn *in)
{
    uint32_t target = near_target(cpu, stack_peek(cpu, 0, in->osize), in->osize);
    set_sp(cpu, (uint32_t)cpu->regs[R_ESP] + in->osize + in->imm);
    cpu->eip = target;
}
