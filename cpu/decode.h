/*
 * The x86 instruction decoder: bytes in, a plain struct insn out.
 *
 * It is pure (no CPU state, no memory access) so the interpreter, the
 * translator, the disassembly trace and the unit tests share it. The caller
 * hands it the bytes it can see and the code segment's default size; the
 * decoder either finishes, asks for more bytes, or reports an instruction
 * longer than the 15-byte architectural limit.
 */
#ifndef CPU_DECODE_H
#define CPU_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops.h"

#define INSN_MAX_LEN 15
#define NO_REG 0xff

enum rep_prefix { REP_NONE, REP_Z /* F3 */, REP_NZ /* F2 */ };

struct insn {
    uint16_t op;     /* enum op */
    uint8_t sub;     /* ALU/shift kind, condition code, segment, source size */
    uint8_t len;     /* total length in bytes, prefixes included */
    uint8_t osize;   /* operand size in bytes: 1, 2 or 4 */
    uint8_t asize;   /* address size in bytes: 2 or 4 */
    uint8_t seg;     /* segment of the memory operand (default or override) */
    uint8_t rep;     /* enum rep_prefix */
    uint8_t lock;    /* F0 seen */
    uint8_t opcode;  /* the last opcode byte */
    uint8_t mod;     /* ModRM.mod; 3 = register operand */
    uint8_t reg;     /* ModRM.reg, or the register encoded in the opcode */
    uint8_t rm;      /* ModRM.rm */
    uint8_t base;    /* effective address base register or NO_REG */
    uint8_t index;   /* index register or NO_REG */
    uint8_t scale;   /* index shift, 0..3 */
    int32_t disp;    /* displacement, sign-extended */
    uint32_t imm;    /* immediate, relative target, or moffs */
    uint16_t imm2;   /* far pointer selector; ENTER nesting level */
};

enum decode_result {
    DECODE_OK = 0,
    DECODE_NEED_MORE = -1, /* ran out of the bytes given */
    DECODE_TOO_LONG = -2,  /* over 15 bytes: #GP(0) */
};

/* Decode from bytes[0..avail). code32 is the code segment's D bit. */
int decode_insn(const uint8_t *bytes, size_t avail, bool code32, struct insn *in);

/* The memory operand's offset before segmentation, wrapped to asize. */
static inline uint32_t insn_ea_offset(const struct insn *in, const uint64_t *regs)
{
    uint32_t ea = (uint32_t)in->disp;
    if (in->base != NO_REG)
        ea += (uint32_t)regs[in->base];
    if (in->index != NO_REG)
        ea += (uint32_t)regs[in->index] << in->scale;
    return in->asize == 2 ? (ea & 0xffff) : ea;
}

#endif
