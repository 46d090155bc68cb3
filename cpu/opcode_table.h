/*
 * The decoder's opcode tables (private to cpu/decode.c and cpu/opcode_table.c).
 *
 * Each opcode byte maps to an entry {op, sub, flags}. The flags say how the
 * decoder finds the operands: whether a ModRM byte follows, the immediate
 * kind, the operand size rule, and the checks that turn the encoding into
 * #UD (memory-only forms, LOCK, segment register numbers). Opcodes whose
 * meaning depends on ModRM.reg point to an 8-entry group table; the group
 * entry supplies op and sub and its flags are added to the opcode's.
 */
#ifndef CPU_OPCODE_TABLE_H
#define CPU_OPCODE_TABLE_H

#include <stdint.h>

#include "decode.h"

/* What follows the opcode and ModRM bytes (flags bits 0..3). */
enum opcode_imm {
    IMM_NONE,
    IMM_8,     /* imm8, zero-extended */
    IMM_8S,    /* imm8 or rel8, sign-extended */
    IMM_16,    /* imm16 */
    IMM_V,     /* operand-size immediate (1, 2 or 4 bytes), zero-extended */
    IMM_VS,    /* operand-size relative target, sign-extended */
    IMM_A,     /* address-size memory offset (moffs) */
    IMM_ONE,   /* no bytes: the count 1 of D0/D1 */
    IMM_ENTER, /* imm16 size, then imm8 nesting level into imm2 */
    IMM_FAR,   /* operand-size offset, then the 16-bit selector into imm2 */
};
#define OPF_IMM_MASK 0x000fu

enum {
    OPF_MODRM = 1u << 4,  /* a ModRM byte (and maybe SIB and disp) follows */
    OPF_BYTE = 1u << 5,   /* byte operands: osize 1 */
    OPF_MEM = 1u << 6,    /* memory operand only: mod == 3 is #UD */
    OPF_LOCK = 1u << 7,   /* LOCK allowed when the r/m operand is memory */
    OPF_REG_OP = 1u << 8, /* register number in opcode bits 2..0 */
    OPF_CRDR = 1u << 9,   /* MOV to/from CRn/DRn: ModRM is always register form */
    OPF_SREG = 1u << 10,  /* ModRM.reg names a segment register (0..5) */
    OPF_NO_CS = 1u << 11, /* ... which may not be CS (MOV Sreg, Ew) */
};

/* Operand size rule other than "by the 66 prefix" (flags bits 12..13). */
enum {
    OPF_OSZ_2 = 1u << 12,     /* always a word */
    OPF_OSZ_4 = 2u << 12,     /* always a dword */
    OPF_OSZ_MEM2 = 3u << 12,  /* a word when the destination is memory */
};
#define OPF_OSZ_MASK (3u << 12)

/* The ModRM.reg group an opcode refers to (flags bits 16..19). */
enum opcode_group {
    GRP_NONE,
    GRP_ALU,     /* 80..83 */
    GRP_POP,     /* 8F */
    GRP_SHIFT,   /* C0 C1 D0 D1: count in the immediate */
    GRP_SHIFT_CL, /* D2 D3: count in CL */
    GRP_MOV,     /* C6 C7 */
    GRP_UNARY,   /* F6 F7 */
    GRP_INCDEC,  /* FE */
    GRP_FF,      /* FF */
    GRP_0F00,    /* 0F 00: LDT, TR, VERR/VERW */
    GRP_0F01,    /* 0F 01: descriptor tables, MSW, INVLPG */
    GRP_BT,      /* 0F BA */
    GRP_0FC7,    /* 0F C7 */
    GRP_0FAE,    /* 0F AE: FXSAVE, FXRSTOR */
    GRP_COUNT
};
#define OPF_GROUP_SHIFT 16
#define OPF_GROUP_BITS 0xfu
#define OPF_GROUP(g) ((uint32_t)(g) << OPF_GROUP_SHIFT)
/* Bits 14..15 and 20..31 are free, e.g. for 64-bit mode attributes. */

struct opcode_entry {
    uint8_t op; /* enum op; OP_UD (0) for an empty slot */
    uint8_t sub;
    uint32_t flags;
};

extern const struct opcode_entry opcode_table_one[256];
extern const struct opcode_entry opcode_table_0f[256];
extern const struct opcode_entry opcode_table_group[GRP_COUNT][8];

#endif
