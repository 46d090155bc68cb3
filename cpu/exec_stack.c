/* Stack instructions: PUSH and POP in their forms, PUSHA/POPA, ENTER and
 * LEAVE (SDM vol. 2). ESP is restored by the run loop when any of them
 * faults, so they may move it before their last access. */
#include "exec.h"
#include "fault.h"
#include "seg.h"

void exec_PUSH_R(struct cpu *cpu, const struct insn *in)
{
    /* PUSH ESP pushes the value from before the push (286 and later). */
    push(cpu, reg_read(cpu, in->reg, in->osize), in->osize);
}

void exec_POP_R(struct cpu *cpu, const struct insn *in)
{
    uint32_t v = pop(cpu, in->osize);
    reg_write(cpu, in->reg, v, in->osize);
}

void exec_PUSH_I(struct cpu *cpu, const struct insn *in)
{
    push(cpu, in->imm, in->osize);
}

void exec_PUSH_E(struct cpu *cpu, const struct insn *in)
{
    push(cpu, rm_read(cpu, in), in->osize);
}

/* POP r/m computes a memory operand's address with ESP already incremented
 * (SDM vol. 2, POP). */
void exec_POP_E(struct cpu *cpu, const struct insn *in)
{
    uint32_t v = pop(cpu, in->osize);
    rm_write(cpu, in, v);
}

/* PUSH Sreg with a 32-bit operand size moves ESP by 4 but writes only the
 * selector's 16 bits, as P6 and later processors do (SDM vol. 2, PUSH). */
void exec_PUSH_SEG(struct cpu *cpu, const struct insn *in)
{
    uint32_t sp = ((uint32_t)cpu->regs[R_ESP] - in->osize) & stack_mask(cpu);
    vwrite(cpu, SEG_SS, sp, cpu->seg[in->sub].sel, 2);
    set_sp(cpu, sp);
}

void exec_POP_SEG(struct cpu *cpu, const struct insn *in)
{
    uint16_t sel = (uint16_t)stack_peek(cpu, 0, in->osize);
    /* ESP moves by the stack address size in force before the load. */
    uint32_t mask = stack_mask(cpu);
    uint64_t esp = cpu->regs[R_ESP];
    esp = (esp & ~(uint64_t)mask) | (((uint32_t)esp + in->osize) & mask);
    seg_load(cpu, in->sub, sel);
    cpu->regs[R_ESP] = esp;
    if (in->sub == SEG_SS)
        cpu->inhibit_irq = true;
}

void exec_PUSHA(struct cpu *cpu, const struct insn *in)
{
    uint32_t esp = (uint32_t)cpu->regs[R_ESP];
    uint32_t sp = esp;
    for (unsigned r = R_EAX; r <= R_EDI; r++) {
        uint32_t v = r == R_ESP ? esp : (uint32_t)cpu->regs[r];
        sp = (sp - in->osize) & stack_mask(cpu);
        vwrite(cpu, SEG_SS, sp, v & size_mask(in->osize), in->osize);
    }
    set_sp(cpu, sp);
}

void exec_POPA(struct cpu *cpu, const struct insn *in)
{
    uint32_t v[8];
    for (unsigned i = 0; i < 8; i++)
        v[7 - i] = stack_peek(cpu, i * in->osize, in->osize);
    for (unsigned r = R_EAX; r <= R_EDI; r++)
        if (r != R_ESP)
            reg_write(cpu, r, v[r], in->osize);
    set_sp(cpu, (uint32_t)cpu->regs[R_ESP] + 8 * in->osize);
}

/* ENTER size, level (SDM vol. 2, ENTER): the frame pointer is pushed, level
 * - 1 outer frame pointers are copied, and the new frame pointer pushed. */
void exec_ENTER(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->osize;
    unsigned level = in->imm2 & 31;
    uint32_t mask = stack_mask(cpu);
    uint32_t sp = ((uint32_t)cpu->regs[R_ESP] - size) & mask;
    uint32_t bp = (uint32_t)cpu->regs[R_EBP];

    vwrite(cpu, SEG_SS, sp, bp & size_mask(size), size);
    /* The frame pointer is ESP after that push, high half included on a
     * 16-bit stack; the operand size decides how much of it is pushed and
     * written to EBP (SDM vol. 2, ENTER: BP <- FrameTemp[15:0]). */
    uint32_t frame = ((uint32_t)cpu->regs[R_ESP] & ~mask) | sp;
    for (unsigned i = 1; i < level; i++) {
        bp = (bp - size) & mask;
        uint32_t v = vread(cpu, SEG_SS, bp, size);
        sp = (sp - size) & mask;
        vwrite(cpu, SEG_SS, sp, v, size);
    }
    if (level > 0) {
        sp = (sp - size) & mask;
        vwrite(cpu, SEG_SS, sp, frame & size_mask(size), size);
    }
    sp = (sp - (in->imm & 0xffff)) & mask;
    /* The new stack top must be writable (the 386+ checks it). */
    if (in->imm & 0xffff)
        vprobe_write(cpu, SEG_SS, sp, 1);
    reg_write(cpu, R_EBP, frame, size);
    set_sp(cpu, sp);
}

void exec_LEAVE(struct cpu *cpu, const struct insn *in)
{
    set_sp(cpu, (uint32_t)cpu->regs[R_EBP]);
    uint32_t bp = pop(cpu, in->osize);
    reg_write(cpu, R_EBP, bp, in->osize);
}
