/*
 * Unit tests for the instruction decoder (cpu/decode.c).
 *
 * Hand-written encodings are listed with the fields they must decode to, as
 * "key=value" words; every case is also cut short at each length to check
 * that the decoder asks for more bytes instead of reading past what it was
 * given (the truncated copies live in buffers of exactly that size, so the
 * sanitizer build catches an over-read). A differential run against
 * Capstone then compares instruction lengths on random byte strings.
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"
#include "lintas/cpu.h"
#include "unit_check.h"

/* "0f 01 d8" -> bytes; returns the count. */
static size_t parse_hex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (*hex) {
        char *end;
        unsigned long v = strtoul(hex, &end, 16);
        if (end == hex)
            break;
        if (n == max) {
            fprintf(stderr, "test_decode: case too long: %s\n", hex);
            exit(2);
        }
        out[n++] = (uint8_t)v;
        hex = end;
    }
    return n;
}

static const char *const reg_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *const seg_names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS" };

/* A value in an expectation: a number, "-" (NO_REG), a register, a segment
 * register, an op name, or a REP kind. */
static long parse_value(const char *key, const char *v)
{
    if (strcmp(v, "-") == 0)
        return NO_REG;
    if (strcmp(key, "op") == 0) {
        for (int i = 0; i < OP_COUNT; i++)
            if (strcmp(op_names[i], v) == 0)
                return i;
    } else if (strcmp(key, "base") == 0 || strcmp(key, "index") == 0) {
        for (int i = 0; i < 8; i++)
            if (strcmp(reg_names[i], v) == 0)
                return i;
    } else if (strcmp(key, "seg") == 0 || strcmp(key, "sub") == 0) {
        for (int i = 0; i < SEG_COUNT; i++)
            if (strcmp(seg_names[i], v) == 0)
                return i;
    } else if (strcmp(key, "rep") == 0) {
        if (strcmp(v, "none") == 0)
            return REP_NONE;
        if (strcmp(v, "z") == 0)
            return REP_Z;
        if (strcmp(v, "nz") == 0)
            return REP_NZ;
    }
    char *end;
    long n = strtol(v, &end, 0);
    if (*v == '\0' || *end != '\0') {
        fprintf(stderr, "test_decode: bad value %s=%s\n", key, v);
        exit(2);
    }
    return n;
}

static long field(const struct insn *in, const char *key)
{
    if (strcmp(key, "op") == 0) return in->op;
    if (strcmp(key, "sub") == 0) return in->sub;
    if (strcmp(key, "len") == 0) return in->len;
    if (strcmp(key, "osize") == 0) return in->osize;
    if (strcmp(key, "asize") == 0) return in->asize;
    if (strcmp(key, "seg") == 0) return in->seg;
    if (strcmp(key, "rep") == 0) return in->rep;
    if (strcmp(key, "lock") == 0) return in->lock;
    if (strcmp(key, "opcode") == 0) return in->opcode;
    if (strcmp(key, "mod") == 0) return in->mod;
    if (strcmp(key, "reg") == 0) return in->reg;
    if (strcmp(key, "rm") == 0) return in->rm;
    if (strcmp(key, "base") == 0) return in->base;
    if (strcmp(key, "index") == 0) return in->index;
    if (strcmp(key, "scale") == 0) return in->scale;
    if (strcmp(key, "disp") == 0) return in->disp;
    if (strcmp(key, "imm") == 0) return (long)in->imm;
    if (strcmp(key, "imm2") == 0) return in->imm2;
    fprintf(stderr, "test_decode: unknown field %s\n", key);
    exit(2);
}

struct decode_case {
    bool code32;
    const char *hex;
    const char *expect; /* "key=value ..."; len defaults to all the bytes */
};
#define C32(hex, expect) { true, hex, expect }
#define C16(hex, expect) { false, hex, expect }

static const struct decode_case cases[] = {
    /* 32-bit addressing: ModRM, SIB, displacements, default segment. */
    C32("01 d8", "op=ALU_EG sub=0 osize=4 asize=4 mod=3 reg=3 rm=0 base=- index=- opcode=0x01"),
    C32("00 00", "op=ALU_EG osize=1 mod=0 reg=0 rm=0 base=eax index=- disp=0 seg=DS"),
    C32("01 45 f8", "mod=1 rm=5 base=ebp index=- disp=-8 seg=SS"),
    C32("8b 04 24", "op=MOV_GE base=esp index=- scale=0 seg=SS"),
    C32("8b 44 8d 10", "base=ebp index=ecx scale=2 disp=16 seg=SS"),
    C32("8b 04 8d 78 56 34 12", "base=- index=ecx scale=2 disp=0x12345678 seg=DS"),
    C32("8b 05 78 56 34 12", "mod=0 rm=5 base=- index=- disp=0x12345678 seg=DS"),
    C32("8b 84 24 00 01 00 00", "mod=2 base=esp index=- disp=256 seg=SS"),
    C32("8b 04 20", "base=eax index=- scale=0 seg=DS"),
    C32("8b 44 e5 00", "base=ebp index=- scale=0 disp=0 seg=SS"),
    C32("8b 2c 6d 00 00 00 00", "reg=5 base=- index=ebp scale=1 seg=DS"),
    C32("8b 14 b3", "reg=2 base=ebx index=esi scale=2 seg=DS"),
    C32("8b 4c 24 fc", "reg=1 base=esp disp=-4 seg=SS"),
    C32("8b 80 00 00 00 80", "base=eax disp=-2147483648"),
    C32("8b 8f ff ff ff 7f", "base=edi disp=0x7fffffff"),
    C32("3e 8b 04 24", "base=esp seg=DS"),
    C32("64 8b 00", "seg=FS"),
    C32("65 8b 45 00", "seg=GS base=ebp"),
    C32("26 2e 8b 00", "seg=CS"),
    C32("36 26 8b 00", "seg=ES"),
    C32("67 8b 46 fe", "asize=2 osize=4 base=ebp index=- disp=-2 seg=SS"),
    C32("67 8b 00", "asize=2 base=ebx index=esi"),

    /* 16-bit addressing: the eight rm forms, disp16 sign extension. */
    C16("8b 00", "op=MOV_GE osize=2 asize=2 base=ebx index=esi scale=0 seg=DS"),
    C16("8b 01", "base=ebx index=edi seg=DS"),
    C16("8b 02", "base=ebp index=esi seg=SS"),
    C16("8b 03", "base=ebp index=edi seg=SS"),
    C16("8b 04", "base=esi index=- seg=DS"),
    C16("8b 05", "base=edi index=- seg=DS"),
    C16("8b 06 34 12", "base=- index=- disp=0x1234 seg=DS"),
    C16("8b 06 ff ff", "base=- disp=-1 seg=DS"),
    C16("8b 07", "base=ebx index=- seg=DS"),
    C16("8b 46 fe", "mod=1 base=ebp index=- disp=-2 seg=SS"),
    C16("8b 86 00 80", "mod=2 base=ebp disp=-32768 seg=SS"),
    C16("8b 87 00 80", "base=ebx disp=-32768 seg=DS"),
    C16("8b 40 7f", "base=ebx index=esi disp=127"),
    C16("8b c3", "mod=3 reg=0 rm=3 base=- index=-"),
    C16("26 8b 46 00", "seg=ES base=ebp"),
    C16("66 8b 00", "osize=4 asize=2"),
    C16("67 8b 04 24", "osize=2 asize=4 base=esp seg=SS"),
    C16("67 8b 05 78 56 34 12", "asize=4 base=- disp=0x12345678"),
    C16("66 67 8b 00", "osize=4 asize=4 base=eax"),

    /* Prefixes. */
    C32("66 01 d8", "osize=2"),
    C32("66 66 66 01 d8", "osize=2"),
    C32("66 00 d8", "osize=1"),
    C32("f3 a4", "op=MOVS rep=z osize=1 seg=DS base=- index=-"),
    C32("f2 a5", "op=MOVS rep=nz osize=4"),
    C32("f3 f2 a5", "rep=nz"),
    C32("f2 f3 a5", "rep=z"),
    C32("66 f3 ab", "op=STOS rep=z osize=2"),
    C32("a5", "rep=none lock=0"),
    C32("26 a4", "op=MOVS seg=ES"),
    C32("67 f3 a6", "op=CMPS asize=2 osize=1 rep=z"),
    C32("f3 90", "op=NOP rep=z"),
    C32("90", "op=NOP rep=none"),

    /* LOCK: only read-modify-write instructions with a memory destination.
     * A refused LOCK still takes the whole instruction, immediate included:
     * fetching it may fault first. */
    C32("f0 01 18", "op=ALU_EG lock=1"),
    C32("f0 01 d8", "op=UD len=3"),
    C32("f0 39 18", "op=UD"),
    C32("f0 03 18", "op=UD"),
    C32("f0 83 00 01", "op=ALU_EI sub=0 lock=1 imm=1"),
    C32("f0 83 38 01", "op=UD len=4"),
    C32("f0 80 30 ff", "op=ALU_EI sub=6 imm=0xff"),
    C32("f0 90", "op=UD len=2"),
    C32("f0 87 03", "op=XCHG_EG lock=1"),
    C32("f0 86 c0", "op=UD"),
    C32("f0 84 00", "op=UD"),
    C32("f0 8b 00", "op=UD"),
    C32("f0 0f a3 00", "op=UD"),
    C32("f0 0f ab 00", "op=BT_EG sub=1 lock=1"),
    C32("f0 0f b3 00", "op=BT_EG sub=2"),
    C32("f0 0f bb 00", "op=BT_EG sub=3"),
    C32("f0 0f ba 20 05", "op=UD len=5"),
    C32("f0 0f ba 28 05", "op=BT_EI sub=1 imm=5"),
    C32("f0 0f c7 08", "op=CMPXCHG8B lock=1"),
    C32("f0 0f b1 0b", "op=CMPXCHG"),
    C32("f0 0f b0 c3", "op=UD"),
    C32("f0 0f c1 03", "op=XADD"),
    C32("f0 fe 00", "op=INC_E osize=1"),
    C32("f0 ff 08", "op=DEC_E osize=4"),
    C32("f0 ff 30", "op=UD"),
    C32("f0 f6 10", "op=NOT osize=1"),
    C32("f0 f7 18", "op=NEG"),
    C32("f0 f7 20", "op=UD"),
    C32("f0 f6 00 01", "op=UD len=4"),
    C32("f0 0f 1f 00", "op=UD"),
    C32("f0 d9 00", "op=UD"),
    C32("26 f0 66 29 08", "op=ALU_EG sub=5 seg=ES osize=2 lock=1"),

    /* The ALU rows and the 80..83 group. */
    C32("05 78 56 34 12", "op=ALU_AI sub=0 osize=4 imm=0x12345678 base=- index=-"),
    C32("0c 80", "op=ALU_AI sub=1 osize=1 imm=0x80"),
    C32("66 0d ff ff", "op=ALU_AI sub=1 osize=2 imm=0xffff"),
    C16("3d 34 12", "op=ALU_AI sub=7 osize=2 imm=0x1234"),
    C16("66 3d 78 56 34 12", "op=ALU_AI sub=7 osize=4 imm=0x12345678"),
    C32("11 c8", "op=ALU_EG sub=2 reg=1 rm=0"),
    C32("1a 00", "op=ALU_GE sub=3 osize=1"),
    C32("23 c1", "op=ALU_GE sub=4"),
    C32("2b c1", "op=ALU_GE sub=5"),
    C32("32 c1", "op=ALU_GE sub=6 osize=1"),
    C32("38 c1", "op=ALU_EG sub=7 osize=1"),
    C32("24 0f", "op=ALU_AI sub=4 imm=0x0f"),
    C32("1c 01", "op=ALU_AI sub=3"),
    C32("80 c1 ff", "op=ALU_EI sub=0 osize=1 mod=3 rm=1 imm=0xff"),
    C32("81 e9 00 10 00 00", "op=ALU_EI sub=5 osize=4 imm=0x1000"),
    C16("81 e9 00 80", "op=ALU_EI sub=5 osize=2 imm=0x8000"),
    C32("82 f0 01", "op=ALU_EI sub=6 osize=1 imm=1"),
    C32("83 e0 f0", "op=ALU_EI sub=4 osize=4 imm=0xfffffff0"),
    C32("66 83 c0 ff", "op=ALU_EI sub=0 osize=2 imm=0xffffffff"),
    C32("83 7d 08 7f", "op=ALU_EI sub=7 disp=8 seg=SS imm=0x7f"),
    C32("83 cb 01", "op=ALU_EI sub=1"),
    C32("81 54 24 04 01 00 00 00", "op=ALU_EI sub=2 base=esp disp=4 imm=1 len=8"),
    C32("80 1d 00 10 00 00 05", "op=ALU_EI sub=3 base=- disp=0x1000 imm=5"),

    /* Register-in-opcode rows. */
    C32("40", "op=INC_R reg=0 base=- index=-"),
    C32("4f", "op=DEC_R reg=7"),
    C32("53", "op=PUSH_R reg=3 osize=4"),
    C16("53", "op=PUSH_R reg=3 osize=2"),
    C32("5e", "op=POP_R reg=6"),
    C32("91", "op=XCHG_AR reg=1"),
    C32("97", "op=XCHG_AR reg=7"),
    C32("b0 12", "op=MOV_RI reg=0 osize=1 imm=0x12"),
    C32("66 b7 ff", "op=MOV_RI reg=7 osize=1 imm=0xff"),
    C32("b8 78 56 34 12", "op=MOV_RI reg=0 osize=4 imm=0x12345678"),
    C32("bf 00 00 00 80", "op=MOV_RI reg=7 imm=0x80000000"),
    C16("bb 34 12", "op=MOV_RI reg=3 osize=2 imm=0x1234"),
    C32("66 b8 34 12", "op=MOV_RI reg=0 osize=2 imm=0x1234"),
    C32("0f c8", "op=BSWAP reg=0 opcode=0xc8"),
    C32("0f cf", "op=BSWAP reg=7"),

    /* Segment register pushes and pops. */
    C32("06", "op=PUSH_SEG sub=ES"),
    C32("0e", "op=PUSH_SEG sub=CS"),
    C32("16", "op=PUSH_SEG sub=SS"),
    C32("1e", "op=PUSH_SEG sub=DS"),
    C32("07", "op=POP_SEG sub=ES"),
    C32("17", "op=POP_SEG sub=SS"),
    C32("1f", "op=POP_SEG sub=DS"),
    C32("0f a0", "op=PUSH_SEG sub=FS opcode=0xa0"),
    C32("0f a1", "op=POP_SEG sub=FS"),
    C32("0f a8", "op=PUSH_SEG sub=GS"),
    C16("0f a9", "op=POP_SEG sub=GS osize=2"),

    /* One-byte map, 20..6F. */
    C32("27", "op=DAA"), C32("2f", "op=DAS"), C32("37", "op=AAA"), C32("3f", "op=AAS"),
    C32("60", "op=PUSHA osize=4"), C16("61", "op=POPA osize=2"),
    C32("62 00", "op=BOUND base=eax"),
    C32("62 c0", "op=UD len=2"),
    C32("63 c8", "op=ARPL osize=2 reg=1 rm=0"),
    C32("66 63 08", "op=ARPL osize=2"),
    C32("68 78 56 34 12", "op=PUSH_I osize=4 imm=0x12345678"),
    C16("68 34 12", "op=PUSH_I osize=2 imm=0x1234"),
    C32("6a ff", "op=PUSH_I imm=0xffffffff"),
    C32("6a 7f", "op=PUSH_I imm=0x7f"),
    C32("69 c0 10 00 00 00", "op=IMUL_GEI reg=0 imm=16"),
    C16("69 c0 00 80", "op=IMUL_GEI osize=2 imm=0x8000"),
    C32("6b 4d 08 fe", "op=IMUL_GEI reg=1 base=ebp disp=8 imm=0xfffffffe"),
    C32("6c", "op=INS osize=1"), C32("6d", "op=INS osize=4"),
    C32("6e", "op=OUTS osize=1 seg=DS"), C16("66 6f", "op=OUTS osize=4"),
    C32("2e 6e", "op=OUTS seg=CS"),

    /* Relative branches. */
    C32("70 05", "op=JCC sub=0 imm=5"),
    C32("7f fe", "op=JCC sub=15 imm=0xfffffffe"),
    C32("0f 84 00 01 00 00", "op=JCC sub=4 imm=0x100 opcode=0x84"),
    C32("0f 8c fc ff ff ff", "op=JCC sub=12 imm=0xfffffffc"),
    C16("0f 85 fe ff", "op=JCC sub=5 osize=2 imm=0xfffffffe"),
    C16("0f 85 ff 7f", "op=JCC imm=0x7fff"),
    C32("66 0f 85 00 80", "op=JCC osize=2 imm=0xffff8000"),
    C32("e0 fe", "op=LOOP sub=0 imm=0xfffffffe"),
    C32("e1 02", "op=LOOP sub=1 imm=2"),
    C32("e2 80", "op=LOOP sub=2 imm=0xffffff80"),
    C32("67 e3 10", "op=LOOP sub=3 asize=2 imm=16"),
    C32("e8 00 00 00 00", "op=CALL_J imm=0"),
    C32("e9 fb ff ff ff", "op=JMP_J imm=0xfffffffb"),
    C16("e8 fd ff", "op=CALL_J osize=2 imm=0xfffffffd"),
    C32("66 e9 00 80", "op=JMP_J osize=2 imm=0xffff8000"),
    C32("eb 80", "op=JMP_J imm=0xffffff80"),
    C16("eb 7f", "op=JMP_J imm=0x7f"),

    /* 84..9F. */
    C32("84 c0", "op=TEST_EG osize=1"), C32("85 c0", "op=TEST_EG osize=4"),
    C32("86 e0", "op=XCHG_EG osize=1 reg=4 rm=0"), C32("87 00", "op=XCHG_EG osize=4"),
    C32("88 c8", "op=MOV_EG osize=1 reg=1 rm=0"), C32("89 c8", "op=MOV_EG osize=4"),
    C32("8a 00", "op=MOV_GE osize=1"),
    C32("8c d8", "op=MOV_ES reg=3 mod=3 osize=4"),
    C32("66 8c d8", "op=MOV_ES osize=2"),
    C16("8c d8", "op=MOV_ES osize=2"),
    C32("8c 18", "op=MOV_ES osize=2 mod=0"),
    C16("66 8c 18", "op=MOV_ES osize=2"),
    C32("8c e0", "op=MOV_ES reg=4"),
    C32("8c e8", "op=MOV_ES reg=5"),
    C32("8c f0", "op=UD len=2"),
    C32("8c 38", "op=UD"),
    C32("8d 04 40", "op=LEA base=eax index=eax scale=1"),
    C16("8d 46 02", "op=LEA base=ebp disp=2 osize=2"),
    C32("8d c0", "op=UD"),
    C32("8e d8", "op=MOV_SE reg=3 osize=2"),
    C32("8e 10", "op=MOV_SE reg=2 osize=2 mod=0 seg=DS"),
    C32("8e c0", "op=MOV_SE reg=0"),
    C32("8e e8", "op=MOV_SE reg=5"),
    C32("8e c8", "op=UD"),
    C32("8e f0", "op=UD"),
    C32("8f 00", "op=POP_E mod=0"), C32("8f c0", "op=POP_E mod=3"),
    C32("8f 08", "op=UD len=2"),
    C32("98", "op=CBW osize=4"), C16("99", "op=CWD osize=2"),
    C32("9a 78 56 34 12 08 00", "op=CALLF_A imm=0x12345678 imm2=8"),
    C16("9a 34 12 00 f0", "op=CALLF_A osize=2 imm=0x1234 imm2=0xf000"),
    C32("9b", "op=WAIT"), C32("9c", "op=PUSHF"), C32("9d", "op=POPF"),
    C32("9e", "op=SAHF"), C32("9f", "op=LAHF"),

    /* A0..AF: moffs, strings, TEST accumulator. */
    C32("a0 78 56 34 12", "op=MOV_AO osize=1 imm=0x12345678 seg=DS base=- index=-"),
    C32("a1 78 56 34 12", "op=MOV_AO osize=4"),
    C32("64 a1 00 00 00 00", "op=MOV_AO seg=FS imm=0"),
    C32("67 a1 34 12", "op=MOV_AO asize=2 imm=0x1234"),
    C16("a3 34 12", "op=MOV_OA osize=2 asize=2 imm=0x1234"),
    C16("67 a2 78 56 34 12", "op=MOV_OA osize=1 asize=4 imm=0x12345678"),
    C32("a6", "op=CMPS osize=1"), C32("a7", "op=CMPS osize=4"),
    C32("a8 ff", "op=TEST_AI osize=1 imm=0xff"),
    C32("a9 78 56 34 12", "op=TEST_AI osize=4 imm=0x12345678"),
    C32("aa", "op=STOS osize=1"),
    C32("ac", "op=LODS osize=1 seg=DS"), C32("65 ad", "op=LODS seg=GS osize=4"),
    C32("ae", "op=SCAS osize=1"), C16("af", "op=SCAS osize=2"),

    /* Shifts and rotates. */
    C32("c0 e0 04", "op=SHIFT_I sub=4 osize=1 imm=4"),
    C32("c1 f8 1f", "op=SHIFT_I sub=7 osize=4 imm=31"),
    C32("d0 e8", "op=SHIFT_I sub=5 osize=1 imm=1"),
    C32("d1 c0", "op=SHIFT_I sub=0 imm=1"),
    C32("d1 f0", "op=SHIFT_I sub=6 imm=1"),
    C32("d1 4d 00", "op=SHIFT_I sub=1 base=ebp imm=1"),
    C32("d2 e0", "op=SHIFT_CL sub=4 osize=1 imm=0"),
    C32("d3 f8", "op=SHIFT_CL sub=7 osize=4"),
    C32("d3 d0", "op=SHIFT_CL sub=2"),
    C32("d3 18", "op=SHIFT_CL sub=3"),

    /* C2..CF. */
    C32("c2 08 00", "op=RET imm=8"), C32("c3", "op=RET imm=0"),
    C32("ca 04 00", "op=RETF imm=4"), C16("cb", "op=RETF imm=0 osize=2"),
    C32("c4 00", "op=LSEG sub=ES"), C32("c5 00", "op=LSEG sub=DS"),
    C32("c4 c0", "op=UD"), C32("c5 c0", "op=UD"),
    C32("c6 00 12", "op=MOV_EI osize=1 imm=0x12"),
    C32("c6 08 12", "op=UD len=2"),
    C32("c7 00 78 56 34 12", "op=MOV_EI osize=4 imm=0x12345678"),
    C32("66 c7 00 34 12", "op=MOV_EI osize=2 imm=0x1234"),
    C16("c7 06 00 10 34 12", "op=MOV_EI base=- disp=0x1000 imm=0x1234"),
    C32("c7 84 24 00 01 00 00 78 56 34 12", "op=MOV_EI base=esp disp=256 imm=0x12345678 seg=SS"),
    C32("c7 c0 01 00 00 00", "op=MOV_EI mod=3 rm=0 imm=1"),
    C32("c8 10 00 01", "op=ENTER imm=16 imm2=1"),
    C16("c8 00 01 ff", "op=ENTER imm=256 imm2=255"),
    C32("c9", "op=LEAVE"), C32("cc", "op=INT3"), C32("cd 21", "op=INT_I imm=0x21"),
    C32("ce", "op=INTO"), C32("cf", "op=IRET osize=4"), C32("66 cf", "op=IRET osize=2"),

    /* D4..DF. */
    C32("d4 0a", "op=AAM imm=10"), C32("d5 10", "op=AAD imm=16"),
    C32("d6", "op=SALC"),
    C32("d7", "op=XLAT seg=DS base=- index=-"), C32("26 d7", "op=XLAT seg=ES"),
    C32("d8 c1", "op=ESC sub=0 mod=3 reg=0 rm=1"),
    C32("dd 45 f8", "op=ESC sub=5 base=ebp disp=-8 seg=SS"),
    C32("df e0", "op=ESC sub=7 reg=4"),
    C16("d9 06 34 12", "op=ESC sub=1 base=- disp=0x1234"),
    C32("db 2c 24", "op=ESC sub=3 reg=5 base=esp"),

    /* E4..FF. */
    C32("e4 60", "op=IN_I osize=1 imm=0x60"), C32("e5 60", "op=IN_I osize=4"),
    C32("e6 80", "op=OUT_I osize=1 imm=0x80"), C16("e7 80", "op=OUT_I osize=2"),
    C32("ea 78 56 34 12 10 00", "op=JMPF_A imm=0x12345678 imm2=16"),
    C16("ea 00 00 00 f0", "op=JMPF_A imm=0 imm2=0xf000"),
    C32("66 ea 34 12 08 00", "op=JMPF_A osize=2 imm=0x1234 imm2=8"),
    C32("ec", "op=IN_DX osize=1"), C32("ed", "op=IN_DX osize=4"),
    C32("ee", "op=OUT_DX osize=1"), C32("66 ef", "op=OUT_DX osize=2"),
    C32("f1", "op=INT1"), C32("f4", "op=HLT"), C32("f5", "op=CMC"),
    C32("f8", "op=CLC"), C32("f9", "op=STC"), C32("fa", "op=CLI"),
    C32("fb", "op=STI"), C32("fc", "op=CLD"), C32("fd", "op=STD"),
    C32("f6 c0 01", "op=TEST_EI osize=1 imm=1"),
    C32("f6 c8 01", "op=TEST_EI osize=1 imm=1"),
    C32("f7 00 78 56 34 12", "op=TEST_EI osize=4 imm=0x12345678"),
    C16("f7 c1 00 80", "op=TEST_EI osize=2 imm=0x8000"),
    C32("f6 d0", "op=NOT osize=1"), C32("f7 d8", "op=NEG osize=4"),
    C32("f7 e0", "op=MUL"), C32("f6 e8", "op=IMUL1 osize=1"),
    C32("f7 f1", "op=DIV rm=1"), C32("f7 f9", "op=IDIV"),
    C32("fe c0", "op=INC_E osize=1"), C32("fe c8", "op=DEC_E osize=1"),
    C32("fe d0", "op=UD len=2"), C32("fe 38", "op=UD"),
    C32("ff c0", "op=INC_E osize=4"), C32("ff 08", "op=DEC_E"),
    C32("ff d0", "op=CALL_E"), C32("ff 18", "op=CALLF_E"),
    C32("ff d8", "op=UD"), C32("ff e0", "op=JMP_E"),
    C32("ff 28", "op=JMPF_E"), C32("ff e8", "op=UD"),
    C32("ff 30", "op=PUSH_E"), C32("ff 38", "op=UD"), C32("ff f8", "op=UD"),
    C32("ff 24 85 00 10 00 00", "op=JMP_E base=- index=eax scale=2 disp=0x1000"),

    /* 0F 00 and 0F 01. */
    C32("0f 00 00", "op=SLDT osize=2"),
    C32("0f 00 c0", "op=SLDT osize=4"),
    C16("0f 00 c0", "op=SLDT osize=2"),
    C16("66 0f 00 c0", "op=SLDT osize=4"),
    C32("0f 00 08", "op=STR osize=2"),
    C32("0f 00 c8", "op=STR osize=4"),
    C32("0f 00 10", "op=LLDT osize=2"),
    C32("0f 00 d0", "op=LLDT osize=2 mod=3"),
    C32("0f 00 18", "op=LTR osize=2"),
    C32("0f 00 20", "op=VERR osize=2"),
    C32("0f 00 e8", "op=VERW osize=2"),
    C32("0f 00 30", "op=UD"), C32("0f 00 38", "op=UD"),
    C32("0f 01 00", "op=SGDT osize=4"),
    C32("66 0f 01 00", "op=SGDT osize=2"),
    C32("0f 01 c0", "op=UD len=3"),
    C32("0f 01 08", "op=SIDT"), C32("0f 01 10", "op=LGDT"),
    C16("0f 01 1e 00 10", "op=LIDT osize=2 base=- disp=0x1000"),
    C32("0f 01 20", "op=SMSW osize=2"),
    C32("0f 01 e0", "op=SMSW osize=4"),
    C32("0f 01 28", "op=UD"),
    C32("0f 01 30", "op=LMSW osize=2"),
    C32("0f 01 f0", "op=LMSW osize=2"),
    C32("0f 01 38", "op=INVLPG"),
    C32("0f 01 f8", "op=UD"),

    /* 0F 02..3F. */
    C32("0f 02 c1", "op=LAR osize=4"), C32("66 0f 03 c1", "op=LSL osize=2"),
    C32("0f 06", "op=CLTS"), C32("0f 08", "op=INVD"), C32("0f 09", "op=WBINVD"),
    C32("0f 0b", "op=UD len=2"),
    C32("0f 0d 00", "op=NOP_E"),
    C32("0f 18 00", "op=NOP_E"),
    C32("0f 1f 44 00 00", "op=NOP_E base=eax index=eax"),
    C32("66 0f 1f 84 00 00 00 00 00", "op=NOP_E osize=2"),
    C32("0f 20 c0", "op=MOV_RC reg=0 rm=0 mod=3 osize=4"),
    C32("0f 20 d8", "op=MOV_RC reg=3 rm=0"),
    C32("0f 20 05", "op=MOV_RC mod=3 reg=0 rm=5 base=- index=- len=3"),
    C32("0f 20 04", "op=MOV_RC mod=3 rm=4 len=3"),
    C16("0f 20 c0", "op=MOV_RC osize=4 asize=2"),
    C16("0f 22 06", "op=MOV_CR mod=3 rm=6 len=3"),
    C32("66 0f 22 d8", "op=MOV_CR osize=4 reg=3 rm=0"),
    C32("0f 21 c8", "op=MOV_RD reg=1 osize=4"),
    C32("0f 23 f8", "op=MOV_DR reg=7 rm=0"),
    C32("0f 30", "op=WRMSR"), C32("0f 31", "op=RDTSC"), C32("0f 32", "op=RDMSR"),
    C32("0f 33", "op=RDPMC"), C32("0f 34", "op=SYSENTER"), C32("0f 35", "op=SYSEXIT"),

    /* 0F 40..CF. */
    C32("0f 44 c1", "op=CMOV sub=4 reg=0 rm=1"),
    C32("0f 4f 08", "op=CMOV sub=15 mod=0"),
    C32("0f 90 c0", "op=SETCC sub=0 osize=1"),
    C32("66 0f 9f 00", "op=SETCC sub=15 osize=1"),
    C32("0f a2", "op=CPUID opcode=0xa2"),
    C32("0f a3 c8", "op=BT_EG sub=0"), C32("0f ab c8", "op=BT_EG sub=1"),
    C32("0f b3 c8", "op=BT_EG sub=2"), C32("0f bb c8", "op=BT_EG sub=3"),
    C32("0f a4 c2 04", "op=DSHIFT_I sub=0 imm=4 reg=0 rm=2"),
    C32("0f a5 c2", "op=DSHIFT_CL sub=0"),
    C32("0f ac 42 01 08", "op=DSHIFT_I sub=1 imm=8 disp=1"),
    C32("0f ad c2", "op=DSHIFT_CL sub=1"),
    C32("0f af c1", "op=IMUL_GE"),
    C32("0f b0 0b", "op=CMPXCHG osize=1"), C32("0f b1 0b", "op=CMPXCHG osize=4"),
    C32("0f b2 00", "op=LSEG sub=SS"), C32("0f b4 00", "op=LSEG sub=FS"),
    C32("0f b5 00", "op=LSEG sub=GS"), C32("0f b2 c0", "op=UD"),
    C32("0f b6 c1", "op=MOVZX sub=1 osize=4"),
    C32("66 0f b6 c1", "op=MOVZX sub=1 osize=2"),
    C32("0f b7 c1", "op=MOVZX sub=2"),
    C32("0f be c1", "op=MOVSX sub=1"), C32("0f bf c1", "op=MOVSX sub=2"),
    C32("0f ba e0 05", "op=BT_EI sub=0 imm=5"),
    C32("0f ba e8 05", "op=BT_EI sub=1"),
    C32("0f ba f0 05", "op=BT_EI sub=2"),
    C32("0f ba 78 04 1f", "op=BT_EI sub=3 disp=4 imm=31"),
    C32("0f ba c0 05", "op=UD len=3"), C32("0f ba d8 05", "op=UD len=3"),
    C32("0f bc c1", "op=BSF"), C32("0f bd c1", "op=BSR"),
    C32("0f c0 c1", "op=XADD osize=1"), C32("0f c1 c1", "op=XADD osize=4"),
    C32("0f c7 08", "op=CMPXCHG8B base=eax"),
    C32("0f c7 c8", "op=UD"), C32("0f c7 00", "op=UD"),

    /* Undefined opcodes end after the opcode byte. */
    C32("0f 05", "op=UD len=2"), C32("0f 07", "op=UD len=2"),
    C32("0f 24", "op=UD len=2"), C32("0f 26", "op=UD len=2"),
    C32("0f aa", "op=UD len=2"), C32("0f b9", "op=UD len=2"),
    C32("0f ff", "op=UD len=2"), C32("0f 0f", "op=UD len=2"),
    C32("0f 10", "op=UD len=2"), C32("0f 78", "op=UD len=2"),
    C32("66 0f 6c", "op=UD len=3"), C32("f3 0f 10", "op=UD len=3"),

    /* MMX: ModRM forms, the shift groups with an imm8, EMMS alone. */
    C32("0f 6f 44 24 08", "op=MOVQ_PQ reg=0 base=esp disp=8"),
    C32("0f 7e c8", "op=MOVD_EP mod=3 reg=1 rm=0 osize=4"),
    C16("0f 6e 07", "op=MOVD_PE base=ebx osize=4"),
    C32("0f fe ca", "op=MMX_PQ opcode=0xfe mod=3 reg=1 rm=2"),
    C32("0f 73 d1 20", "op=MMX_NI opcode=0x73 reg=2 rm=1 imm=0x20"),
    C32("0f 77", "op=EMMS"),
    C32("f0 0f 6f 00", "op=UD len=4"),

    /* Fifteen bytes exactly is allowed. */
    C32("66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", "op=NOP len=15"),
    C32("3e 3e 3e 3e c7 84 24 00 01 00 00 78 56 34 12", "op=MOV_EI len=15 seg=DS"),
};

/* Decode one case, with every shorter prefix of it. */
static void run_case(struct unit_tally *t, const struct decode_case *c)
{
    const char *mode = c->code32 ? "32" : "16";
    uint8_t buf[INSN_MAX_LEN + 1];
    size_t n = parse_hex(c->hex, buf, sizeof(buf));
    struct insn in;
    int r = decode_insn(buf, n, c->code32, &in);
    if (!CHECK_MSG(t, r == DECODE_OK, "%s [%s]: result %d", mode, c->hex, r))
        return;

    long want_len = (long)n;
    char expect[256];
    snprintf(expect, sizeof(expect), "%s", c->expect);
    for (char *save, *word = strtok_r(expect, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(word, '=');
        if (!eq) {
            fprintf(stderr, "test_decode: bad expectation %s\n", word);
            exit(2);
        }
        *eq = '\0';
        long want = parse_value(word, eq + 1);
        long got = field(&in, word);
        if (strcmp(word, "len") == 0)
            want_len = want;
        else if (strcmp(word, "imm") == 0)
            want = (long)(uint32_t)want;
        CHECK_MSG(t, got == want, "%s [%s]: %s = %ld, want %ld", mode, c->hex, word, got, want);
    }
    CHECK_MSG(t, in.len == want_len, "%s [%s]: len = %u, want %ld", mode, c->hex, in.len,
              want_len);

    for (size_t k = 0; k < in.len; k++) {
        uint8_t *part = malloc(k ? k : 1);
        memcpy(part, buf, k);
        struct insn p;
        r = decode_insn(part, k, c->code32, &p);
        free(part);
        CHECK_MSG(t, r == DECODE_NEED_MORE, "%s [%s]: %zu bytes gave %d, want NEED_MORE", mode,
                  c->hex, k, r);
    }
}

/* Decode hex with avail bytes visible; the rest of buf is padding. */
static int decode_hex(const char *hex, size_t avail, bool code32)
{
    uint8_t buf[32] = { 0 };
    parse_hex(hex, buf, sizeof(buf));
    struct insn in;
    return decode_insn(buf, avail, code32, &in);
}

/* The 15-byte limit (SDM vol. 2, 2.3.11): more bytes than that is #GP, but
 * only once the decoder has seen all 15; before that it asks for more. */
static void test_length_limit(struct unit_tally *t)
{
    const char *sixteen_prefixes = "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90";
    CHECK(t, decode_hex(sixteen_prefixes, 16, true) == DECODE_TOO_LONG);
    CHECK(t, decode_hex(sixteen_prefixes, 15, true) == DECODE_TOO_LONG);
    CHECK(t, decode_hex(sixteen_prefixes, 14, true) == DECODE_NEED_MORE);

    const char *sixteen = "3e 3e 3e 3e 3e c7 84 24 00 01 00 00 78 56 34 12";
    CHECK(t, decode_hex(sixteen, 16, true) == DECODE_TOO_LONG);
    CHECK(t, decode_hex(sixteen, 15, true) == DECODE_TOO_LONG);
    CHECK(t, decode_hex(sixteen, 14, true) == DECODE_NEED_MORE);
    CHECK(t, decode_hex(sixteen, 6, true) == DECODE_NEED_MORE);
    CHECK(t, decode_hex(sixteen, 0, true) == DECODE_NEED_MORE);

    const char *long16 = "26 26 26 26 26 26 26 26 26 66 67 c7 84 00 10 78 56 34 12";
    CHECK(t, decode_hex(long16, 19, false) == DECODE_TOO_LONG);
    CHECK(t, decode_hex(long16, 13, false) == DECODE_NEED_MORE);

    /* A buffer much longer than the instruction does not matter. */
    struct insn in;
    uint8_t nops[64];
    memset(nops, 0x90, sizeof(nops));
    CHECK(t, decode_insn(nops, sizeof(nops), true, &in) == DECODE_OK && in.len == 1);
    memset(nops, 0xf3, sizeof(nops));
    CHECK(t, decode_insn(nops, sizeof(nops), true, &in) == DECODE_TOO_LONG);
}

/* Every op has a printable name and the table is complete. */
static void test_op_names(struct unit_tally *t)
{
    int missing = 0;
    for (int i = 0; i < OP_COUNT; i++)
        if (!op_names[i] || !op_names[i][0])
            missing++;
    CHECK(t, missing == 0);
    CHECK(t, strcmp(op_names[OP_UD], "UD") == 0);
    CHECK(t, strcmp(op_names[OP_SYSEXIT], "SYSEXIT") == 0);
}

/* Fields that depend only on the mode and prefixes are set for every opcode,
 * including the ones without ModRM. */
static void test_all_opcodes(struct unit_tally *t)
{
    int bad = 0;
    for (int map = 0; map < 2; map++) {
        for (int op = 0; op < 256; op++) {
            uint8_t buf[INSN_MAX_LEN] = { 0x67, 0x66 };
            size_t at = 2;
            if (map)
                buf[at++] = 0x0f;
            buf[at] = (uint8_t)op;
            if (!map && (op == 0x0f || op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e ||
                         (op >= 0x64 && op <= 0x67) || op == 0xf0 || op == 0xf2 || op == 0xf3))
                continue;
            struct insn in;
            int r = decode_insn(buf, sizeof(buf), true, &in);
            bool ok = r == DECODE_OK && in.asize == 2 && in.len > at && in.len <= 15 &&
                      in.opcode == op && (in.osize == 1 || in.osize == 2 || in.osize == 4) &&
                      in.seg < SEG_COUNT && in.op < OP_COUNT && in.scale == 0;
            if (in.op != OP_UD && in.mod == 3)
                ok = ok && in.base == NO_REG && in.index == NO_REG;
            if (!ok) {
                bad++;
                printf("FAIL opcode %s%02x: r=%d len=%u osize=%u\n", map ? "0f " : "", op, r,
                       in.len, in.osize);
            }
        }
    }
    CHECK(t, bad == 0);
}

/*
 * Differential length check against Capstone on random instructions.
 *
 * Only instructions that both decoders accept are compared, so the classes
 * where Capstone's modern x86 accepts what the P6 modelled here rejects do
 * not count: SSE/MMX/3DNow! and VEX (C4/C5 with mod 3), TSX (C6/C7 F8),
 * SYSCALL, UD0/UD1/UD2 (Capstone decodes them as instructions), MOV CS,
 * LOCK on any instruction, VMX and later 0F 01 forms. Capstone in turn
 * rejects some encodings we pass on (reserved x87 forms, hint NOPs 0F 0D and
 * 0F 18..1F with some ModRM bytes, 66 F2 before A0..A3). One class has both
 * accept with different lengths and Capstone is wrong for the P6:
 *  - E8 with 66 and then F2/F3: Capstone takes F2 as MPX's BND and drops the
 *    operand-size prefix; a P6 honours 66 and reads a rel16.
 */
struct rng {
    uint64_t s;
};

static uint32_t rng_next(struct rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 32);
}

static const uint8_t prefix_bytes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3 };

/* Random bytes, biased so the 0F map and prefixes are well covered. */
static void random_insn(struct rng *r, uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)rng_next(r);
    unsigned prefixes = rng_next(r) % 8; /* half the time 1..3 of them */
    if (prefixes > 3)
        prefixes = 0;
    size_t at = 0;
    for (; at < prefixes; at++)
        buf[at] = prefix_bytes[rng_next(r) % sizeof(prefix_bytes)];
    if (rng_next(r) % 3 == 0)
        buf[at] = 0x0f;
}

/* The class described above where Capstone's length is not the P6's. */
static bool capstone_differs(const uint8_t *buf, size_t n)
{
    bool opsize = false;
    for (size_t i = 0; i < n && memchr(prefix_bytes, buf[i], sizeof(prefix_bytes)); i++) {
        if (buf[i] == 0x66)
            opsize = true;
        else if (opsize && (buf[i] == 0xf2 || buf[i] == 0xf3))
            return true;
    }
    return false;
}

/* The opcode after the prefixes, 0x100 | byte for the 0F map. */
static unsigned opcode_key(const uint8_t *buf, size_t n)
{
    size_t i = 0;
    while (i < n && memchr(prefix_bytes, buf[i], sizeof(prefix_bytes)))
        i++;
    if (i + 1 < n && buf[i] == 0x0f)
        return 0x100 | buf[i + 1];
    return i < n ? buf[i] : 0;
}

static void test_capstone(struct unit_tally *t, unsigned samples)
{
    struct rng r = { 0x9e3779b97f4a7c15ull };
    for (int mode = 0; mode < 2; mode++) {
        bool code32 = mode == 1;
        csh cs;
        if (!CHECK(t, cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &cs) == CS_ERR_OK))
            return;
        cs_insn *ci = cs_malloc(cs);
        unsigned mismatch[512] = { 0 };
        uint8_t example[512][INSN_MAX_LEN];
        unsigned compared = 0, total = 0;
        for (unsigned i = 0; i < samples; i++) {
            uint8_t buf[INSN_MAX_LEN];
            random_insn(&r, buf, sizeof(buf));
            struct insn in;
            if (decode_insn(buf, sizeof(buf), code32, &in) != DECODE_OK || in.op == OP_UD)
                continue;
            const uint8_t *code = buf;
            size_t size = sizeof(buf);
            uint64_t addr = 0;
            if (!cs_disasm_iter(cs, &code, &size, &addr, ci) ||
                (in.opcode == 0xe8 && capstone_differs(buf, sizeof(buf))))
                continue;
            compared++;
            if (ci->size != in.len) {
                unsigned key = opcode_key(buf, sizeof(buf));
                if (!mismatch[key])
                    memcpy(example[key], buf, sizeof(buf));
                mismatch[key]++;
                total++;
            }
        }
        for (unsigned k = 0; k < 512; k++) {
            if (!mismatch[k])
                continue;
            printf("mode %d opcode %s%02x: %u length mismatches, e.g.", code32 ? 32 : 16,
                   k & 0x100 ? "0f " : "", k & 0xff, mismatch[k]);
            for (int j = 0; j < INSN_MAX_LEN; j++)
                printf(" %02x", example[k][j]);
            printf("\n");
        }
        printf("mode %d: %u instructions compared with Capstone, %u length mismatches\n",
               code32 ? 32 : 16, compared, total);
        CHECK(t, compared > samples / 2);
        CHECK(t, total == 0);
        cs_free(ci, 1);
        cs_close(&cs);
    }
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&t, &cases[i]);
    test_length_limit(&t);
    test_op_names(&t);
    test_all_opcodes(&t);
    test_capstone(&t, 200000);
    return UNIT_REPORT(&t);
}
