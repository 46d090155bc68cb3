/*
 * Port I/O: IN and OUT with an immediate or DX port, and the protection
 * check shared with INS/OUTS (SDM vol. 1, 18.5).
 */
#include "breakpoint.h"
#include "exec.h"
#include "fault.h"
#include "lintas/io.h"
#include "lintas/timer.h"
#include "seg.h"
#include "system.h"

/* Offset of the I/O map base in a 32-bit TSS. */
#define TSS_IOMAP_BASE 0x66

void io_check_permission(struct cpu *cpu, uint16_t port, unsigned size)
{
    if (!cpu_protected(cpu))
        return;
    if (!cpu_v86(cpu) && cpu->cpl <= ((cpu->eflags & FL_IOPL) >> 12))
        return;

    /* Otherwise every port byte needs a clear bit in the TSS's permission
     * bitmap. Only a 32-bit TSS has one; the two bytes holding the bits are
     * read together and must both lie within the TSS limit (SDM vol. 1,
     * 18.5.2). */
    const struct seg_cache *tr = &cpu->tr;
    if (!(tr->attr & 8) || tr->limit < TSS_IOMAP_BASE + 1)
        cpu_fault(cpu, EXC_GP, 0);
    uint32_t at = sys_read(cpu, tr->base + TSS_IOMAP_BASE, 2) + (port >> 3);
    if (at + 1 > tr->limit)
        cpu_fault(cpu, EXC_GP, 0);
    uint32_t bits = sys_read(cpu, tr->base + at, 2);
    uint32_t want = ((1u << size) - 1) << (port & 7);
    if (bits & want)
        cpu_fault(cpu, EXC_GP, 0);
}

/* A device sees the virtual time of the instruction that reaches it: in
 * icount mode the clock learns the instructions retired so far in this
 * slice first. */
static void sync_clock(struct cpu *cpu)
{
    if (cpu->clock)
        vclock_account(cpu->clock, cpu->icount);
}

uint32_t cpu_port_read(struct cpu *cpu, uint16_t port, unsigned size)
{
    sync_clock(cpu);
    return io_read(cpu->io, port, size);
}

void cpu_port_write(struct cpu *cpu, uint16_t port, uint32_t value, unsigned size)
{
    sync_clock(cpu);
    io_write(cpu->io, port, value, size);
}

static void port_in(struct cpu *cpu, uint16_t port, unsigned size)
{
    io_check_permission(cpu, port, size);
    if (cpu->bp_io_mask)
        bp_io_access(cpu, port, size);
    reg_write(cpu, R_EAX, cpu_port_read(cpu, port, size), size);
}

static void port_out(struct cpu *cpu, uint16_t port, unsigned size)
{
    io_check_permission(cpu, port, size);
    if (cpu->bp_io_mask)
        bp_io_access(cpu, port, size);
    cpu_port_write(cpu, port, reg_read(cpu, R_EAX, size), size);
}

void exec_IN_I(struct cpu *cpu, const struct insn *in)
{
    port_in(cpu, (uint16_t)(in->imm & 0xff), in->osize);
}

void exec_OUT_I(struct cpu *cpu, const struct insn *in)
{
    port_out(cpu, (uint16_t)(in->imm & 0xff), in->osize);
}

void exec_IN_DX(struct cpu *cpu, const struct insn *in)
{
    port_in(cpu, (uint16_t)cpu->regs[R_EDX], in->osize);
}

void exec_OUT_DX(struct cpu *cpu, const struct insn *in)
{
    port_out(cpu, (uint16_t)cpu->regs[R_EDX], in->osize);
}
