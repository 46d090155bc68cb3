/*
 * The emulator's side: a CPU in flat 32-bit protected mode at ring 0 with
 * paging off, CR0.NE set (native #MF reporting, as Linux runs the host)
 * and CR0.EM/TS clear. A case's FPU state goes straight into cpu->fpu,
 * the code is followed by HLT, and what the run left in cpu->fpu, EFLAGS
 * and the memory area is read back. A fault stops the run
 * (stop_on_exception) with the vector and the faulting EIP.
 */
#include "x87diff.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/seg.h"
#include "cpu/system.h"
#include "emu_machine.h"
#include "lintas/cpu.h"

enum {
    PH_CODE = 0x10000,
    PH_MEM = 0x20000,
    PH_STACK_TOP = 0x30000,
    RAM_SIZE = 0x100000,
};
/* The code is a handful of instructions and HLT. */
#define RUN_BUDGET 64u

#define FLAT_CODE (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED | \
                   SEG_ATTR_DB | SEG_ATTR_G)
#define FLAT_DATA (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED | SEG_ATTR_DB | \
                   SEG_ATTR_G)

struct emu {
    struct emu_machine m;
};

void emu_destroy(struct emu *e)
{
    if (!e)
        return;
    emu_machine_free(&e->m);
    free(e);
}

struct emu *emu_create(void)
{
    struct emu *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (emu_machine_init(&e->m, RAM_SIZE)) {
        free(e);
        return NULL;
    }
    struct cpu *cpu = e->m.cpu;
    cpu_reset(cpu);
    cpu->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
    cpu_set_seg(cpu, SEG_CS, 0x08, 0, 0xffffffffu, FLAT_CODE);
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            cpu_set_seg(cpu, s, 0x10, 0, 0xffffffffu, FLAT_DATA);
    cpu_mode_changed(cpu);
    cpu->stop_on_exception = true;
    return e;
}

void emu_run(struct emu *e, const struct xd_case *c, struct xd_result *out)
{
    struct cpu *cpu = e->m.cpu;
    uint32_t len = c->code_len < XD_MAX_CODE ? c->code_len : XD_MAX_CODE;
    memcpy(e->m.ram + PH_CODE, c->code, len);
    e->m.ram[PH_CODE + len] = 0xf4; /* HLT */
    memcpy(e->m.ram + PH_MEM, c->mem, XD_MEM_SIZE);

    struct fpu *f = &cpu->fpu;
    memset(f, 0, sizeof *f);
    f->fcw = c->fpu.fcw;
    f->fsw = c->fpu.fsw;
    f->ftw = c->fpu.ftw;
    for (unsigned i = 0; i < 8; i++) {
        struct xd_ext v = xd_reg_get(&c->fpu, i);
        f->r[i].mant = v.mant;
        f->r[i].sign_exp = v.se;
    }
    for (int r = 0; r < 8; r++)
        cpu->regs[r] = 0;
    cpu->regs[R_EBX] = PH_MEM + XD_MEM_BIAS;
    cpu->regs[R_ESP] = PH_STACK_TOP;
    cpu_set_eflags(cpu, (c->eflags & XD_ARITH_FLAGS) | 0x2u);
    cpu->eip = PH_CODE;
    cpu->halted = false;
    cpu->exc_depth_vector = -1;
    cpu->last_exception = -1;
    cpu->last_error_code = 0;

    enum cpu_exit why = cpu_run(cpu, RUN_BUDGET);

    memset(out, 0, sizeof *out);
    out->fpu.fcw = f->fcw;
    out->fpu.fsw = f->fsw;
    out->fpu.ftw = f->ftw;
    for (unsigned i = 0; i < 8; i++)
        xd_reg_set(&out->fpu, i, (struct xd_ext){f->r[i].mant, f->r[i].sign_exp});
    out->eflags = cpu_get_eflags(cpu);
    out->vector = XD_NO_VECTOR;
    if (why == CPU_EXIT_EXCEPTION) {
        out->vector = (uint32_t)cpu->last_exception;
        out->fault_off = (uint32_t)cpu->eip - PH_CODE;
    } else if (why != CPU_EXIT_HALT) {
        /* Ran past the HLT or stopped for another reason: never right. */
        out->vector = 0x100u + (uint32_t)why;
    }
    memcpy(out->mem, e->m.ram + PH_MEM, XD_MEM_SIZE);
}
