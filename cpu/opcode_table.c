/*
 * The IA-32 opcode maps as the decoder reads them (SDM vol. 2, appendix A),
 * for the P6 integer and system instruction set. Rows follow the SDM's
 * one-byte and two-byte (0F) maps; empty slots are OP_UD. Prefix bytes and
 * the 0F escape are handled by the decoder before it looks here.
 */
#include "lintas/cpu.h"
#include "opcode_table.h"

_Static_assert(OP_COUNT <= 256, "struct opcode_entry stores op in a byte");
_Static_assert(GRP_COUNT <= OPF_GROUP_BITS + 1, "group index field too narrow");

const char *const op_names[OP_COUNT] = {
#define CPU_OP_NAME(name) [OP_##name] = #name,
    CPU_OPS(CPU_OP_NAME)
#undef CPU_OP_NAME
};

#define ENT(op, sub, flags) { OP_##op, (sub), (flags) }
#define M OPF_MODRM
#define B OPF_BYTE
#define GRP(g) OPF_GROUP(g)

/* One of the eight ALU rows 00..3F: Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev  AL,Ib
 * eAX,Iz. CMP (kind 7) writes nothing, so LOCK is #UD for it. */
#define ALU_LOCK(kind) ((kind) != 7 ? OPF_LOCK : 0u)
#define ALU_ROW(first, kind) \
    [(first) + 0] = ENT(ALU_EG, kind, M | B | ALU_LOCK(kind)), \
    [(first) + 1] = ENT(ALU_EG, kind, M | ALU_LOCK(kind)), \
    [(first) + 2] = ENT(ALU_GE, kind, M | B), \
    [(first) + 3] = ENT(ALU_GE, kind, M), \
    [(first) + 4] = ENT(ALU_AI, kind, B | IMM_V), \
    [(first) + 5] = ENT(ALU_AI, kind, IMM_V)

/* Eight consecutive opcodes with the register in bits 2..0. */
#define REG_ROW(first, op, flags) \
    [(first) + 0] = ENT(op, 0, OPF_REG_OP | (flags)), \
    [(first) + 1] = ENT(op, 0, OPF_REG_OP | (flags)), \
    [(first) + 2] = ENT(op, 0, OPF_REG_OP | (flags)), \
    [(first) + 3] = ENT(op, 0, OPF_REG_OP | (flags)), \
    [(first) + 4] = ENT(op, 0, OPF_REG_OP | (flags)), \
    [(first) + 5] = ENT(op, 0, OPF_REG_OP | (flags)), \
    [(first) + 6] = ENT(op, 0, OPF_REG_OP | (flags)), \
    [(first) + 7] = ENT(op, 0, OPF_REG_OP | (flags))

/* Sixteen opcodes whose low nibble is a condition code (tttn). */
#define CC_ROW(first, op, flags) \
    [(first) + 0x0] = ENT(op, 0x0, flags), [(first) + 0x1] = ENT(op, 0x1, flags), \
    [(first) + 0x2] = ENT(op, 0x2, flags), [(first) + 0x3] = ENT(op, 0x3, flags), \
    [(first) + 0x4] = ENT(op, 0x4, flags), [(first) + 0x5] = ENT(op, 0x5, flags), \
    [(first) + 0x6] = ENT(op, 0x6, flags), [(first) + 0x7] = ENT(op, 0x7, flags), \
    [(first) + 0x8] = ENT(op, 0x8, flags), [(first) + 0x9] = ENT(op, 0x9, flags), \
    [(first) + 0xa] = ENT(op, 0xa, flags), [(first) + 0xb] = ENT(op, 0xb, flags), \
    [(first) + 0xc] = ENT(op, 0xc, flags), [(first) + 0xd] = ENT(op, 0xd, flags), \
    [(first) + 0xe] = ENT(op, 0xe, flags), [(first) + 0xf] = ENT(op, 0xf, flags)

const struct opcode_entry opcode_table_one[256] = {
    ALU_ROW(0x00, 0), /* ADD */
    [0x06] = ENT(PUSH_SEG, SEG_ES, 0),
    [0x07] = ENT(POP_SEG, SEG_ES, 0),
    ALU_ROW(0x08, 1), /* OR */
    [0x0e] = ENT(PUSH_SEG, SEG_CS, 0),
    ALU_ROW(0x10, 2), /* ADC */
    [0x16] = ENT(PUSH_SEG, SEG_SS, 0),
    [0x17] = ENT(POP_SEG, SEG_SS, 0),
    ALU_ROW(0x18, 3), /* SBB */
    [0x1e] = ENT(PUSH_SEG, SEG_DS, 0),
    [0x1f] = ENT(POP_SEG, SEG_DS, 0),
    ALU_ROW(0x20, 4), /* AND */
    [0x27] = ENT(DAA, 0, 0),
    ALU_ROW(0x28, 5), /* SUB */
    [0x2f] = ENT(DAS, 0, 0),
    ALU_ROW(0x30, 6), /* XOR */
    [0x37] = ENT(AAA, 0, 0),
    ALU_ROW(0x38, 7), /* CMP */
    [0x3f] = ENT(AAS, 0, 0),

    REG_ROW(0x40, INC_R, 0),
    REG_ROW(0x48, DEC_R, 0),
    REG_ROW(0x50, PUSH_R, 0),
    REG_ROW(0x58, POP_R, 0),

    [0x60] = ENT(PUSHA, 0, 0),
    [0x61] = ENT(POPA, 0, 0),
    [0x62] = ENT(BOUND, 0, M | OPF_MEM),
    [0x63] = ENT(ARPL, 0, M | OPF_OSZ_2),
    [0x68] = ENT(PUSH_I, 0, IMM_V),
    [0x69] = ENT(IMUL_GEI, 0, M | IMM_V),
    [0x6a] = ENT(PUSH_I, 0, IMM_8S),
    [0x6b] = ENT(IMUL_GEI, 0, M | IMM_8S),
    [0x6c] = ENT(INS, 0, B),
    [0x6d] = ENT(INS, 0, 0),
    [0x6e] = ENT(OUTS, 0, B),
    [0x6f] = ENT(OUTS, 0, 0),

    CC_ROW(0x70, JCC, IMM_8S),

    [0x80] = ENT(UD, 0, M | B | IMM_V | GRP(GRP_ALU)),
    [0x81] = ENT(UD, 0, M | IMM_V | GRP(GRP_ALU)),
    [0x82] = ENT(UD, 0, M | B | IMM_V | GRP(GRP_ALU)),
    [0x83] = ENT(UD, 0, M | IMM_8S | GRP(GRP_ALU)),
    [0x84] = ENT(TEST_EG, 0, M | B),
    [0x85] = ENT(TEST_EG, 0, M),
    [0x86] = ENT(XCHG_EG, 0, M | B | OPF_LOCK),
    [0x87] = ENT(XCHG_EG, 0, M | OPF_LOCK),
    [0x88] = ENT(MOV_EG, 0, M | B),
    [0x89] = ENT(MOV_EG, 0, M),
    [0x8a] = ENT(MOV_GE, 0, M | B),
    [0x8b] = ENT(MOV_GE, 0, M),
    [0x8c] = ENT(MOV_ES, 0, M | OPF_SREG | OPF_OSZ_MEM2),
    [0x8d] = ENT(LEA, 0, M | OPF_MEM),
    [0x8e] = ENT(MOV_SE, 0, M | OPF_SREG | OPF_NO_CS | OPF_OSZ_2),
    [0x8f] = ENT(UD, 0, M | GRP(GRP_POP)),

    [0x90] = ENT(NOP, 0, 0), /* also PAUSE with F3 */
    [0x91] = ENT(XCHG_AR, 0, OPF_REG_OP),
    [0x92] = ENT(XCHG_AR, 0, OPF_REG_OP),
    [0x93] = ENT(XCHG_AR, 0, OPF_REG_OP),
    [0x94] = ENT(XCHG_AR, 0, OPF_REG_OP),
    [0x95] = ENT(XCHG_AR, 0, OPF_REG_OP),
    [0x96] = ENT(XCHG_AR, 0, OPF_REG_OP),
    [0x97] = ENT(XCHG_AR, 0, OPF_REG_OP),
    [0x98] = ENT(CBW, 0, 0),
    [0x99] = ENT(CWD, 0, 0),
    [0x9a] = ENT(CALLF_A, 0, IMM_FAR),
    [0x9b] = ENT(WAIT, 0, 0),
    [0x9c] = ENT(PUSHF, 0, 0),
    [0x9d] = ENT(POPF, 0, 0),
    [0x9e] = ENT(SAHF, 0, 0),
    [0x9f] = ENT(LAHF, 0, 0),

    [0xa0] = ENT(MOV_AO, 0, B | IMM_A),
    [0xa1] = ENT(MOV_AO, 0, IMM_A),
    [0xa2] = ENT(MOV_OA, 0, B | IMM_A),
    [0xa3] = ENT(MOV_OA, 0, IMM_A),
    [0xa4] = ENT(MOVS, 0, B),
    [0xa5] = ENT(MOVS, 0, 0),
    [0xa6] = ENT(CMPS, 0, B),
    [0xa7] = ENT(CMPS, 0, 0),
    [0xa8] = ENT(TEST_AI, 0, B | IMM_V),
    [0xa9] = ENT(TEST_AI, 0, IMM_V),
    [0xaa] = ENT(STOS, 0, B),
    [0xab] = ENT(STOS, 0, 0),
    [0xac] = ENT(LODS, 0, B),
    [0xad] = ENT(LODS, 0, 0),
    [0xae] = ENT(SCAS, 0, B),
    [0xaf] = ENT(SCAS, 0, 0),

    REG_ROW(0xb0, MOV_RI, B | IMM_V),
    REG_ROW(0xb8, MOV_RI, IMM_V),

    [0xc0] = ENT(UD, 0, M | B | IMM_8 | GRP(GRP_SHIFT)),
    [0xc1] = ENT(UD, 0, M | IMM_8 | GRP(GRP_SHIFT)),
    [0xc2] = ENT(RET, 0, IMM_16),
    [0xc3] = ENT(RET, 0, 0),
    [0xc4] = ENT(LSEG, SEG_ES, M | OPF_MEM),
    [0xc5] = ENT(LSEG, SEG_DS, M | OPF_MEM),
    [0xc6] = ENT(UD, 0, M | B | IMM_V | GRP(GRP_MOV)),
    [0xc7] = ENT(UD, 0, M | IMM_V | GRP(GRP_MOV)),
    [0xc8] = ENT(ENTER, 0, IMM_ENTER),
    [0xc9] = ENT(LEAVE, 0, 0),
    [0xca] = ENT(RETF, 0, IMM_16),
    [0xcb] = ENT(RETF, 0, 0),
    [0xcc] = ENT(INT3, 0, 0),
    [0xcd] = ENT(INT_I, 0, IMM_8),
    [0xce] = ENT(INTO, 0, 0),
    [0xcf] = ENT(IRET, 0, 0),

    [0xd0] = ENT(UD, 0, M | B | IMM_ONE | GRP(GRP_SHIFT)),
    [0xd1] = ENT(UD, 0, M | IMM_ONE | GRP(GRP_SHIFT)),
    [0xd2] = ENT(UD, 0, M | B | GRP(GRP_SHIFT_CL)),
    [0xd3] = ENT(UD, 0, M | GRP(GRP_SHIFT_CL)),
    [0xd4] = ENT(AAM, 0, IMM_8),
    [0xd5] = ENT(AAD, 0, IMM_8),
    [0xd6] = ENT(SALC, 0, 0),
    [0xd7] = ENT(XLAT, 0, 0),
    /* x87 escapes: the operand is decoded, the opcode's low bits kept. */
    [0xd8] = ENT(ESC, 0, M), [0xd9] = ENT(ESC, 1, M),
    [0xda] = ENT(ESC, 2, M), [0xdb] = ENT(ESC, 3, M),
    [0xdc] = ENT(ESC, 4, M), [0xdd] = ENT(ESC, 5, M),
    [0xde] = ENT(ESC, 6, M), [0xdf] = ENT(ESC, 7, M),

    [0xe0] = ENT(LOOP, 0, IMM_8S), /* LOOPNE */
    [0xe1] = ENT(LOOP, 1, IMM_8S), /* LOOPE */
    [0xe2] = ENT(LOOP, 2, IMM_8S),
    [0xe3] = ENT(LOOP, 3, IMM_8S), /* JCXZ/JECXZ */
    [0xe4] = ENT(IN_I, 0, B | IMM_8),
    [0xe5] = ENT(IN_I, 0, IMM_8),
    [0xe6] = ENT(OUT_I, 0, B | IMM_8),
    [0xe7] = ENT(OUT_I, 0, IMM_8),
    [0xe8] = ENT(CALL_J, 0, IMM_VS),
    [0xe9] = ENT(JMP_J, 0, IMM_VS),
    [0xea] = ENT(JMPF_A, 0, IMM_FAR),
    [0xeb] = ENT(JMP_J, 0, IMM_8S),
    [0xec] = ENT(IN_DX, 0, B),
    [0xed] = ENT(IN_DX, 0, 0),
    [0xee] = ENT(OUT_DX, 0, B),
    [0xef] = ENT(OUT_DX, 0, 0),

    [0xf1] = ENT(INT1, 0, 0),
    [0xf4] = ENT(HLT, 0, 0),
    [0xf5] = ENT(CMC, 0, 0),
    [0xf6] = ENT(UD, 0, M | B | GRP(GRP_UNARY)),
    [0xf7] = ENT(UD, 0, M | GRP(GRP_UNARY)),
    [0xf8] = ENT(CLC, 0, 0),
    [0xf9] = ENT(STC, 0, 0),
    [0xfa] = ENT(CLI, 0, 0),
    [0xfb] = ENT(STI, 0, 0),
    [0xfc] = ENT(CLD, 0, 0),
    [0xfd] = ENT(STD, 0, 0),
    [0xfe] = ENT(UD, 0, M | B | GRP(GRP_INCDEC)),
    [0xff] = ENT(UD, 0, M | GRP(GRP_FF)),
};

const struct opcode_entry opcode_table_0f[256] = {
    [0x00] = ENT(UD, 0, M | GRP(GRP_0F00)),
    [0x01] = ENT(UD, 0, M | GRP(GRP_0F01)),
    [0x02] = ENT(LAR, 0, M),
    [0x03] = ENT(LSL, 0, M),
    [0x06] = ENT(CLTS, 0, 0),
    [0x08] = ENT(INVD, 0, 0),
    [0x09] = ENT(WBINVD, 0, 0),
    /* 0B is UD2, left empty. 0D and 18..1F are hint NOPs with an operand. */
    [0x0d] = ENT(NOP_E, 0, M),
    [0x18] = ENT(NOP_E, 0, M), [0x19] = ENT(NOP_E, 0, M),
    [0x1a] = ENT(NOP_E, 0, M), [0x1b] = ENT(NOP_E, 0, M),
    [0x1c] = ENT(NOP_E, 0, M), [0x1d] = ENT(NOP_E, 0, M),
    [0x1e] = ENT(NOP_E, 0, M), [0x1f] = ENT(NOP_E, 0, M),

    /* MOV to/from control and debug registers move 32 bits whatever the
     * operand size, and mod is ignored (SDM vol. 2, MOV, Move to/from
     * Control Registers). */
    [0x20] = ENT(MOV_RC, 0, M | OPF_CRDR | OPF_OSZ_4),
    [0x21] = ENT(MOV_RD, 0, M | OPF_CRDR | OPF_OSZ_4),
    [0x22] = ENT(MOV_CR, 0, M | OPF_CRDR | OPF_OSZ_4),
    [0x23] = ENT(MOV_DR, 0, M | OPF_CRDR | OPF_OSZ_4),

    [0x30] = ENT(WRMSR, 0, 0),
    [0x31] = ENT(RDTSC, 0, 0),
    [0x32] = ENT(RDMSR, 0, 0),
    [0x33] = ENT(RDPMC, 0, 0),
    [0x34] = ENT(SYSENTER, 0, 0),
    [0x35] = ENT(SYSEXIT, 0, 0),

    CC_ROW(0x40, CMOV, M),

    /* MMX (SDM vol. 2, table A-3): the packed operations take Pq, Qq and
     * are told apart by the opcode byte; 71..73 shift by an immediate. */
    [0x60] = ENT(MMX_PQ, 0, M), [0x61] = ENT(MMX_PQ, 0, M),
    [0x62] = ENT(MMX_PQ, 0, M), [0x63] = ENT(MMX_PQ, 0, M),
    [0x64] = ENT(MMX_PQ, 0, M), [0x65] = ENT(MMX_PQ, 0, M),
    [0x66] = ENT(MMX_PQ, 0, M), [0x67] = ENT(MMX_PQ, 0, M),
    [0x68] = ENT(MMX_PQ, 0, M), [0x69] = ENT(MMX_PQ, 0, M),
    [0x6a] = ENT(MMX_PQ, 0, M), [0x6b] = ENT(MMX_PQ, 0, M),
    [0x6e] = ENT(MOVD_PE, 0, M | OPF_OSZ_4),
    [0x6f] = ENT(MOVQ_PQ, 0, M),
    [0x71] = ENT(MMX_NI, 0, M | IMM_8), [0x72] = ENT(MMX_NI, 0, M | IMM_8),
    [0x73] = ENT(MMX_NI, 0, M | IMM_8),
    [0x74] = ENT(MMX_PQ, 0, M), [0x75] = ENT(MMX_PQ, 0, M),
    [0x76] = ENT(MMX_PQ, 0, M),
    [0x77] = ENT(EMMS, 0, 0),
    [0x7e] = ENT(MOVD_EP, 0, M | OPF_OSZ_4),
    [0x7f] = ENT(MOVQ_QP, 0, M),
    CC_ROW(0x80, JCC, IMM_VS),
    CC_ROW(0x90, SETCC, M | B),

    [0xa0] = ENT(PUSH_SEG, SEG_FS, 0),
    [0xa1] = ENT(POP_SEG, SEG_FS, 0),
    [0xa2] = ENT(CPUID, 0, 0),
    [0xa3] = ENT(BT_EG, 0, M), /* BT only reads: no LOCK */
    [0xa4] = ENT(DSHIFT_I, 0, M | IMM_8),
    [0xa5] = ENT(DSHIFT_CL, 0, M),
    [0xa8] = ENT(PUSH_SEG, SEG_GS, 0),
    [0xa9] = ENT(POP_SEG, SEG_GS, 0),
    [0xab] = ENT(BT_EG, 1, M | OPF_LOCK), /* BTS */
    [0xac] = ENT(DSHIFT_I, 1, M | IMM_8),
    [0xad] = ENT(DSHIFT_CL, 1, M),
    [0xae] = ENT(UD, 0, M | GRP(GRP_0FAE)),
    [0xaf] = ENT(IMUL_GE, 0, M),

    [0xb0] = ENT(CMPXCHG, 0, M | B | OPF_LOCK),
    [0xb1] = ENT(CMPXCHG, 0, M | OPF_LOCK),
    [0xb2] = ENT(LSEG, SEG_SS, M | OPF_MEM),
    [0xb3] = ENT(BT_EG, 2, M | OPF_LOCK), /* BTR */
    [0xb4] = ENT(LSEG, SEG_FS, M | OPF_MEM),
    [0xb5] = ENT(LSEG, SEG_GS, M | OPF_MEM),
    [0xb6] = ENT(MOVZX, 1, M),
    [0xb7] = ENT(MOVZX, 2, M),
    [0xba] = ENT(UD, 0, M | IMM_8 | GRP(GRP_BT)),
    [0xbb] = ENT(BT_EG, 3, M | OPF_LOCK), /* BTC */
    [0xbc] = ENT(BSF, 0, M),
    [0xbd] = ENT(BSR, 0, M),
    [0xbe] = ENT(MOVSX, 1, M),
    [0xbf] = ENT(MOVSX, 2, M),

    [0xc0] = ENT(XADD, 0, M | B | OPF_LOCK),
    [0xc1] = ENT(XADD, 0, M | OPF_LOCK),
    [0xc7] = ENT(UD, 0, M | GRP(GRP_0FC7)),
    REG_ROW(0xc8, BSWAP, 0),

    [0xd1] = ENT(MMX_PQ, 0, M), [0xd2] = ENT(MMX_PQ, 0, M),
    [0xd3] = ENT(MMX_PQ, 0, M), [0xd5] = ENT(MMX_PQ, 0, M),
    [0xd8] = ENT(MMX_PQ, 0, M), [0xd9] = ENT(MMX_PQ, 0, M),
    [0xdb] = ENT(MMX_PQ, 0, M), [0xdc] = ENT(MMX_PQ, 0, M),
    [0xdd] = ENT(MMX_PQ, 0, M), [0xdf] = ENT(MMX_PQ, 0, M),
    [0xe1] = ENT(MMX_PQ, 0, M), [0xe2] = ENT(MMX_PQ, 0, M),
    [0xe5] = ENT(MMX_PQ, 0, M), [0xe8] = ENT(MMX_PQ, 0, M),
    [0xe9] = ENT(MMX_PQ, 0, M), [0xeb] = ENT(MMX_PQ, 0, M),
    [0xec] = ENT(MMX_PQ, 0, M), [0xed] = ENT(MMX_PQ, 0, M),
    [0xef] = ENT(MMX_PQ, 0, M), [0xf1] = ENT(MMX_PQ, 0, M),
    [0xf2] = ENT(MMX_PQ, 0, M), [0xf3] = ENT(MMX_PQ, 0, M),
    [0xf5] = ENT(MMX_PQ, 0, M), [0xf8] = ENT(MMX_PQ, 0, M),
    [0xf9] = ENT(MMX_PQ, 0, M), [0xfa] = ENT(MMX_PQ, 0, M),
    [0xfc] = ENT(MMX_PQ, 0, M), [0xfd] = ENT(MMX_PQ, 0, M),
    [0xfe] = ENT(MMX_PQ, 0, M),
};

/* The eight kinds of a ModRM.reg-selected row, sub = reg. */
#define KIND_ROW(op, flags) \
    { ENT(op, 0, flags), ENT(op, 1, flags), ENT(op, 2, flags), ENT(op, 3, flags), \
      ENT(op, 4, flags), ENT(op, 5, flags), ENT(op, 6, flags), ENT(op, 7, flags) }

const struct opcode_entry opcode_table_group[GRP_COUNT][8] = {
    [GRP_ALU] = {
        ENT(ALU_EI, 0, OPF_LOCK), ENT(ALU_EI, 1, OPF_LOCK),
        ENT(ALU_EI, 2, OPF_LOCK), ENT(ALU_EI, 3, OPF_LOCK),
        ENT(ALU_EI, 4, OPF_LOCK), ENT(ALU_EI, 5, OPF_LOCK),
        ENT(ALU_EI, 6, OPF_LOCK), ENT(ALU_EI, 7, 0),
    },
    [GRP_POP] = { [0] = ENT(POP_E, 0, 0) },
    [GRP_SHIFT] = KIND_ROW(SHIFT_I, 0),
    [GRP_SHIFT_CL] = KIND_ROW(SHIFT_CL, 0),
    [GRP_MOV] = { [0] = ENT(MOV_EI, 0, 0) },
    [GRP_UNARY] = {
        ENT(TEST_EI, 0, IMM_V),
        ENT(TEST_EI, 0, IMM_V), /* undocumented alias of /0 */
        ENT(NOT, 0, OPF_LOCK),
        ENT(NEG, 0, OPF_LOCK),
        ENT(MUL, 0, 0),
        ENT(IMUL1, 0, 0),
        ENT(DIV, 0, 0),
        ENT(IDIV, 0, 0),
    },
    [GRP_INCDEC] = {
        [0] = ENT(INC_E, 0, OPF_LOCK),
        [1] = ENT(DEC_E, 0, OPF_LOCK),
    },
    [GRP_FF] = {
        ENT(INC_E, 0, OPF_LOCK),
        ENT(DEC_E, 0, OPF_LOCK),
        ENT(CALL_E, 0, 0),
        ENT(CALLF_E, 0, OPF_MEM),
        ENT(JMP_E, 0, 0),
        ENT(JMPF_E, 0, OPF_MEM),
        ENT(PUSH_E, 0, 0),
    },
    /* Selector stores to memory are 16 bits; to a register they follow the
     * operand size (SDM vol. 2, SLDT, STR, SMSW). */
    [GRP_0F00] = {
        ENT(SLDT, 0, OPF_OSZ_MEM2),
        ENT(STR, 0, OPF_OSZ_MEM2),
        ENT(LLDT, 0, OPF_OSZ_2),
        ENT(LTR, 0, OPF_OSZ_2),
        ENT(VERR, 0, OPF_OSZ_2),
        ENT(VERW, 0, OPF_OSZ_2),
    },
    [GRP_0F01] = {
        [0] = ENT(SGDT, 0, OPF_MEM),
        [1] = ENT(SIDT, 0, OPF_MEM),
        [2] = ENT(LGDT, 0, OPF_MEM),
        [3] = ENT(LIDT, 0, OPF_MEM),
        [4] = ENT(SMSW, 0, OPF_OSZ_MEM2),
        [6] = ENT(LMSW, 0, OPF_OSZ_2),
        [7] = ENT(INVLPG, 0, OPF_MEM),
    },
    [GRP_BT] = {
        [4] = ENT(BT_EI, 0, 0),
        [5] = ENT(BT_EI, 1, OPF_LOCK),
        [6] = ENT(BT_EI, 2, OPF_LOCK),
        [7] = ENT(BT_EI, 3, OPF_LOCK),
    },
    [GRP_0FC7] = { [1] = ENT(CMPXCHG8B, 0, OPF_MEM | OPF_LOCK) },
    [GRP_0FAE] = { [0] = ENT(FXSAVE, 0, OPF_MEM), [1] = ENT(FXRSTOR, 0, OPF_MEM) },
};
