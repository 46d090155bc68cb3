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

/* Memory operand of each x87 escape form: size in bytes (0: no valid
 * memory form) and whether it is stored (SDM vol. 2, chapter 3, FPU
 * instructions). Environment and state images use 14/94 bytes with a
 * 16-bit operand size and 28/108 bytes with a 32-bit one. */
enum { ENV = 100, STATE = 101 };
static const struct {
    uint8_t size;
    uint8_t store;
} esc_operand[8][8] = {
    { {4,0}, {4,0}, {4,0}, {4,0}, {4,0}, {4,0}, {4,0}, {4,0} },              /* D8 m32fp */
    { {4,0}, {0,0}, {4,1}, {4,1}, {ENV,0}, {2,0}, {ENV,1}, {2,1} },          /* D9 */
    { {4,0}, {4,0}, {4,0}, {4,0}, {4,0}, {4,0}, {4,0}, {4,0} },              /* DA m32int */
    { {4,0}, {0,0}, {4,1}, {4,1}, {0,0}, {10,0}, {0,0}, {10,1} },            /* DB */
    { {8,0}, {8,0}, {8,0}, {8,0}, {8,0}, {8,0}, {8,0}, {8,0} },              /* DC m64fp */
    { {8,0}, {0,0}, {8,1}, {8,1}, {STATE,0}, {0,0}, {STATE,1}, {2,1} },      /* DD */
    { {2,0}, {2,0}, {2,0}, {2,0}, {2,0}, {2,0}, {2,0}, {2,0} },              /* DE m16int */
    { {2,0}, {0,0}, {2,1}, {2,1}, {10,0}, {8,0}, {10,1}, {8,1} },            /* DF */
};

/* D8..DF without a coprocessor: #NM when CR0.EM or CR0.TS asks for
 * emulation or a lazy FPU switch (SDM vol. 3, 2.5, table 2-2). Otherwise
 * the memory operand is checked as the transfer would check it, so
 * segment and page faults come as they would with an FPU, and the
 * instruction has no other effect. */
void exec_ESC(struct cpu *cpu, const struct insn *in)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, EXC_NM, 0);
    if (in->mod == 3)
        return;
    unsigned size = esc_operand[in->sub][in->reg].size;
    if (size == ENV)
        size = in->osize == 2 ? 14 : 28;
    else if (size == STATE)
        size = in->osize == 2 ? 94 : 108;
    if (size == 0)
        cpu_fault(cpu, EXC_UD, 0);
    uint32_t off = ea_offset(cpu, in);
    if (esc_operand[in->sub][in->reg].store) {
        vprobe_write(cpu, in->seg, off, size);
    } else {
        uint32_t lin = seg_addr(cpu, in->seg, off, size, SEG_ACC_READ);
        lin_read(cpu, lin, 1);
        lin_read(cpu, lin + size - 1, 1);
    }
}

/* WAIT faults only when both MP and TS are set (SDM vol. 3, table 2-2). */
void exec_WAIT(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_fault(cpu, EXC_NM, 0);
}
