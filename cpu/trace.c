/*
 * Instruction traces. in_asm prints the linear address, the bytes and the
 * disassembly; exec prints CS:EIP with the general registers and EFLAGS.
 * Both read guest memory only through side-effect-free peeks, so tracing
 * never changes what the guest sees (no accessed bits, no faults).
 */
#include <stdio.h>

#include "access.h"
#include "disas.h"
#include "lintas/log.h"
#include "trace.h"

static void trace_exec(struct cpu *cpu)
{
    const uint64_t *r = cpu->regs;
    log_printf(cpu->log, LOG_EXEC,
               "Trace %04x:%08x EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x "
               "EBP=%08x ESP=%08x EFL=%08x\n",
               cpu->seg[SEG_CS].sel, (uint32_t)cpu->eip, (uint32_t)r[R_EAX], (uint32_t)r[R_EBX],
               (uint32_t)r[R_ECX], (uint32_t)r[R_EDX], (uint32_t)r[R_ESI], (uint32_t)r[R_EDI],
               (uint32_t)r[R_EBP], (uint32_t)r[R_ESP], cpu_get_eflags(cpu));
}

static void trace_in_asm(struct cpu *cpu, const struct insn *in)
{
    uint32_t lin = cpu->seg[SEG_CS].base + (uint32_t)cpu->eip;
    bool code32 = (cpu->seg[SEG_CS].attr & SEG_ATTR_DB) != 0;
    uint8_t bytes[INSN_MAX_LEN];
    unsigned len = in->len <= INSN_MAX_LEN ? in->len : INSN_MAX_LEN;

    if (!mmu_peek(cpu, lin, bytes, len)) {
        log_printf(cpu->log, LOG_IN_ASM, "0x%08x:  (code not in RAM)\n", lin);
        return;
    }
    char hex[3 * INSN_MAX_LEN + 1] = "";
    size_t pos = 0;
    for (unsigned i = 0; i < len; i++)
        pos += (size_t)snprintf(hex + pos, sizeof(hex) - pos, i ? " %02x" : "%02x", bytes[i]);
    char text[160];
    disas_one(cpu, bytes, len, lin, code32, text, sizeof(text));
    log_printf(cpu->log, LOG_IN_ASM, "0x%08x:  %-20s  %s\n", lin, hex, text);
}

void trace_insn(struct cpu *cpu, const struct insn *in)
{
    if (log_enabled(cpu->log, LOG_EXEC))
        trace_exec(cpu);
    if (log_enabled(cpu->log, LOG_IN_ASM))
        trace_in_asm(cpu, in);
}
