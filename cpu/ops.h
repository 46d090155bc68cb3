/*
 * Every operation the decoder can produce, one line each. The list expands
 * into the op enum, the name table and the interpreter's handler table, so
 * they cannot drift apart. Forms use SDM operand notation: E = ModRM r/m,
 * G = ModRM reg, I = immediate, A = accumulator, R = register in the opcode,
 * S = segment register, J = relative target, O = memory offset (moffs).
 * MMX forms: P = MMX register in ModRM.reg, Q = MMX register or memory in
 * ModRM r/m, N = MMX register in ModRM r/m.
 * Byte and word/dword forms share an op: struct insn's osize tells them apart.
 */
#ifndef CPU_OPS_H
#define CPU_OPS_H

#define CPU_OPS(X) \
    X(UD) X(NOP) X(NOP_E) X(ESC) X(WAIT) X(FXSAVE) X(FXRSTOR) \
    X(ALU_EG) X(ALU_GE) X(ALU_AI) X(ALU_EI) \
    X(TEST_EG) X(TEST_AI) X(TEST_EI) \
    X(INC_R) X(DEC_R) X(INC_E) X(DEC_E) \
    X(NOT) X(NEG) X(MUL) X(IMUL1) X(DIV) X(IDIV) X(IMUL_GE) X(IMUL_GEI) \
    X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD) X(SALC) \
    X(SHIFT_I) X(SHIFT_CL) X(DSHIFT_I) X(DSHIFT_CL) \
    X(BT_EG) X(BT_EI) X(BSF) X(BSR) X(BSWAP) \
    X(MOV_EG) X(MOV_GE) X(MOV_EI) X(MOV_RI) X(MOV_AO) X(MOV_OA) \
    X(MOV_ES) X(MOV_SE) X(MOVZX) X(MOVSX) X(LEA) X(XCHG_EG) X(XCHG_AR) \
    X(CMOV) X(SETCC) X(XLAT) X(CBW) X(CWD) X(LAHF) X(SAHF) \
    X(CMPXCHG) X(CMPXCHG8B) X(XADD) \
    X(MOVD_PE) X(MOVD_EP) X(MOVQ_PQ) X(MOVQ_QP) X(MMX_PQ) X(MMX_NI) X(EMMS) \
    X(PUSH_R) X(POP_R) X(PUSH_I) X(PUSH_E) X(POP_E) X(PUSH_SEG) X(POP_SEG) \
    X(PUSHA) X(POPA) X(PUSHF) X(POPF) X(ENTER) X(LEAVE) X(BOUND) X(LSEG) \
    X(JMP_J) X(JMP_E) X(JCC) X(LOOP) X(CALL_J) X(CALL_E) X(RET) \
    X(JMPF_A) X(JMPF_E) X(CALLF_A) X(CALLF_E) X(RETF) X(IRET) \
    X(INT3) X(INT_I) X(INTO) X(INT1) \
    X(MOVS) X(CMPS) X(STOS) X(LODS) X(SCAS) X(INS) X(OUTS) \
    X(IN_I) X(OUT_I) X(IN_DX) X(OUT_DX) \
    X(HLT) X(CMC) X(CLC) X(STC) X(CLI) X(STI) X(CLD) X(STD) \
    X(SLDT) X(STR) X(LLDT) X(LTR) X(VERR) X(VERW) X(ARPL) X(LAR) X(LSL) \
    X(SGDT) X(SIDT) X(LGDT) X(LIDT) X(SMSW) X(LMSW) X(INVLPG) X(CLTS) \
    X(MOV_RC) X(MOV_CR) X(MOV_RD) X(MOV_DR) X(INVD) X(WBINVD) \
    X(CPUID) X(RDTSC) X(RDMSR) X(WRMSR) X(RDPMC) X(SYSENTER) X(SYSEXIT)

enum op {
#define CPU_OP_ENUM(name) OP_##name,
    CPU_OPS(CPU_OP_ENUM)
#undef CPU_OP_ENUM
    OP_COUNT
};

extern const char *const op_names[OP_COUNT];

#endif
