/*
 * Per-instruction traces for -d in_asm and -d exec.
 */
#ifndef CPU_TRACE_H
#define CPU_TRACE_H

#include "decode.h"
#include "lintas/cpu.h"

/* Called before executing in when in_asm or exec logging is on. */
void trace_insn(struct cpu *cpu, const struct insn *in);

#endif
