/*
 * CPU lifetime and architectural-state accessors: creation, RESET, EFLAGS
 * assembly from the lazy flags, raw segment setters and the state dump.
 */
#include <stdlib.h>
#include <string.h>

#include "breakpoint.h"
#include "disas.h"
#include "flags.h"
#include "fpu.h"
#include "icache.h"
#include "lintas/cpu.h"
#include "lintas/log.h"
#include "seg.h"
#include "system.h"

struct cpu *cpu_create(struct phys_mem *mem, struct io_bus *io, const struct logger *log)
{
    struct cpu *cpu = calloc(1, sizeof(*cpu));
    if (!cpu)
        return NULL;
    cpu->icache = calloc(1, sizeof(*cpu->icache));
    if (!cpu->icache) {
        free(cpu);
        return NULL;
    }
    cpu->mem = mem;
    cpu->io = io;
    cpu->log = log;
    cpu_reset(cpu);
    return cpu;
}

void cpu_destroy(struct cpu *cpu)
{
    if (!cpu)
        return;
    disas_close(cpu);
    free(cpu->icache);
    free(cpu);
}

void cpu_reset(struct cpu *cpu)
{
    for (unsigned i = 0; i < 16; i++)
        cpu->regs[i] = 0;
    /* EDX holds the processor signature after RESET (SDM vol. 3, 9.1.4). */
    cpu->regs[R_EDX] = CPU_SIGNATURE;
    cpu->eip = 0xfff0;
    cpu_set_eflags(cpu, 0);
    cpu->cr0 = CR0_ET | CR0_CD | CR0_NW;
    cpu->cr2 = cpu->cr3 = cpu->cr4 = 0;
    for (unsigned i = 0; i < 4; i++)
        cpu->pdpte[i] = 0;
    for (unsigned i = 0; i < 8; i++)
        cpu->dr[i] = 0;
    cpu->dr[6] = 0xffff0ff0;
    cpu->dr[7] = 0x400;
    fpu_power_on(&cpu->fpu);
    cpu->bp_hits = 0;

    /* Data segments: base 0, limit 64 KiB, present read/write accessed. */
    for (int s = 0; s < SEG_COUNT; s++)
        cpu_set_seg(cpu, s, 0, 0, 0xffff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED);
    cpu_set_seg(cpu, SEG_CS, 0xf000, 0xffff0000u, 0xffff,
                SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED);
    seg_cache_set(&cpu->ldtr, 0, 0, 0xffff, SEG_ATTR_P | DESC_LDT);
    seg_cache_set(&cpu->tr, 0, 0, 0xffff, SEG_ATTR_P | DESC_TSS32_BUSY);
    cpu->gdtr = (struct dtable){ 0, 0xffff };
    cpu->idtr = (struct dtable){ 0, 0xffff };
    cpu->cpl = 0;
    bp_update(cpu);

    tsc_reset(cpu);
    cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
    cpu->apic_base = 0xfee00900; /* BSP, enabled, at the default base */
    for (unsigned i = 0; i < 5; i++)
        cpu->mc_ctl[i] = 0;
    memset(cpu->mtrr_var, 0, sizeof(cpu->mtrr_var));
    memset(cpu->mtrr_fixed, 0, sizeof(cpu->mtrr_fixed));
    cpu->mtrr_def_type = 0; /* MTRRs disabled (SDM vol. 3, 11.11.5) */
    cpu->pat = PAT_POWER_ON;
    memset(cpu->perf_evtsel, 0, sizeof(cpu->perf_evtsel)); /* counting disabled */
    memset(cpu->perf_ctr, 0, sizeof(cpu->perf_ctr));

    cpu->nmi_pending = false;
    cpu->nmi_blocked = false;
    cpu->inhibit_irq = false;
    cpu->halted = false;
    cpu->exc_depth_vector = -1;
    cpu->last_exception = -1;
    cpu->last_error_code = 0;
    cpu_tlb_flush_all(cpu);

    if (log_enabled(cpu->log, LOG_CPU_RESET)) {
        log_printf(cpu->log, LOG_CPU_RESET, "CPU Reset\n");
        cpu_dump_state(cpu, cpu->log->out ? cpu->log->out : stderr);
    }
}

void cpu_request_exit(struct cpu *cpu)
{
    cpu->exit_request = true;
}

void cpu_set_intc(struct cpu *cpu, const struct cpu_intc *intc)
{
    cpu->intc = *intc;
}

void cpu_set_intr(struct cpu *cpu, bool level)
{
    cpu->intr_line = level;
}

void cpu_raise_nmi(struct cpu *cpu)
{
    cpu->nmi_pending = true;
}

uint32_t cpu_get_eflags(const struct cpu *cpu)
{
    return cpu->eflags | flags_compute(cpu);
}

void cpu_set_eflags(struct cpu *cpu, uint32_t eflags)
{
    cpu->eflags = (eflags & EFLAGS_DEFINED & ~FL_ARITH) | 2;
    flags_set_arith(cpu, eflags);
}

void cpu_set_seg(struct cpu *cpu, int seg, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr)
{
    seg_cache_set(&cpu->seg[seg], sel, base, limit, attr);
    if (seg == SEG_CS || seg == SEG_SS)
        cpu_mode_changed(cpu);
}

void cpu_load_seg_real(struct cpu *cpu, int seg, uint16_t sel)
{
    uint16_t attr = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED;
    if (seg == SEG_CS)
        attr |= SEG_TYPE_CODE;
    cpu_set_seg(cpu, seg, sel, (uint32_t)sel << 4, 0xffff, attr);
}

void cpu_dump_state(const struct cpu *cpu, FILE *out)
{
    static const char *const names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    uint32_t fl = cpu_get_eflags(cpu);
    fprintf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", (uint32_t)cpu->regs[R_EAX],
            (uint32_t)cpu->regs[R_EBX], (uint32_t)cpu->regs[R_ECX], (uint32_t)cpu->regs[R_EDX]);
    fprintf(out, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", (uint32_t)cpu->regs[R_ESI],
            (uint32_t)cpu->regs[R_EDI], (uint32_t)cpu->regs[R_EBP], (uint32_t)cpu->regs[R_ESP]);
    fprintf(out, "EIP=%08x EFL=%08x [%c%c%c%c%c%c%c] CPL=%u\n", (uint32_t)cpu->eip, fl,
            fl & FL_OF ? 'O' : '-', fl & FL_DF ? 'D' : '-', fl & FL_SF ? 'S' : '-',
            fl & FL_ZF ? 'Z' : '-', fl & FL_AF ? 'A' : '-', fl & FL_PF ? 'P' : '-',
            fl & FL_CF ? 'C' : '-', cpu->cpl);
    for (int s = 0; s < SEG_COUNT; s++)
        fprintf(out, "%s =%04x %08x %08x %04x\n", names[s], cpu->seg[s].sel, cpu->seg[s].base,
                cpu->seg[s].limit, cpu->seg[s].attr);
    fprintf(out, "LDT=%04x %08x %08x %04x\n", cpu->ldtr.sel, cpu->ldtr.base, cpu->ldtr.limit, cpu->ldtr.attr);
    fprintf(out, "TR =%04x %08x %08x %04x\n", cpu->tr.sel, cpu->tr.base, cpu->tr.limit, cpu->tr.attr);
    fprintf(out, "GDT=     %08x %08x\nIDT=     %08x %08x\n", cpu->gdtr.base, cpu->gdtr.limit,
            cpu->idtr.base, cpu->idtr.limit);
    fprintf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", cpu->cr0, cpu->cr2, cpu->cr3, cpu->cr4);
    fprintf(out, "DR6=%08x DR7=%08x\n", cpu->dr[6], cpu->dr[7]);
}
