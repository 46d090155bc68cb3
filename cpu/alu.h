/*
 * The eight classic ALU operations (the 00-3F opcode rows and group 1),
 * shared by the instruction handlers that need them (CMPS, SCAS, ...).
 */
#ifndef CPU_ALU_H
#define CPU_ALU_H

#include <stdint.h>

#include "lintas/cpu.h"

enum alu_kind { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* Compute a kind b at size bytes (1, 2, 4), record the lazy flags and
 * return the result (for ALU_CMP the difference, which callers drop). */
uint32_t alu_op(struct cpu *cpu, unsigned kind, uint32_t a, uint32_t b, unsigned size);

#endif
