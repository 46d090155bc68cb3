/*
 * Disassembly of guest instructions for traces (-d in_asm), through
 * Capstone. The Capstone handle is opened on first use and kept in
 * cpu->disas.
 */
#ifndef CPU_DISAS_H
#define CPU_DISAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lintas/cpu.h"

/* Disassemble the instruction at bytes[0..len), located at addr, in 32-bit
 * (code32) or 16-bit code. Writes "mnemonic operands" to out and returns
 * the instruction's length, or writes "(bad)" and returns 0 when the bytes
 * are not a valid instruction or Capstone is unavailable. */
int disas_one(struct cpu *cpu, const uint8_t *bytes, size_t len, uint64_t addr, bool code32,
              char *out, size_t outlen);

/* Release the handle (cpu_destroy calls this). */
void disas_close(struct cpu *cpu);

#endif
