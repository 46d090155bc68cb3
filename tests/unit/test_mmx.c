/*
 * MMX instructions through cpu_run(), against values worked out by hand
 * from the SDM's descriptions (vol. 2, by mnemonic): every packed
 * operation with its wraparound or saturation edges, shift counts at and
 * past the element width, the register and memory forms of MOVD/MOVQ,
 * the aliasing onto the x87 registers, tag word and TOP (vol. 3, 12.2),
 * and the faults: #UD with CR0.EM or a reserved encoding, #NM with
 * CR0.TS, #MF for a pending x87 exception (or FERR# without CR0.NE), and
 * memory faults that leave everything as it was.
 */
#include "core_harness.h"
#include "cpu/access.h"
#include "unit_check.h"

#define CODE_AT 0x1000u
#define DATA_AT 0x10000u
#define FSW_ES (1u << 7)
#define FSW_TOP(n) ((uint16_t)((n) << 11))

static uint64_t mm(struct unit_machine *t, unsigned r)
{
    return t->cpu->fpu.r[r].mant;
}

static void set_mm(struct unit_machine *t, unsigned r, uint64_t v)
{
    t->cpu->fpu.r[r].mant = v;
    t->cpu->fpu.r[r].sign_exp = 0x4000;
}

static void wr64(struct unit_machine *t, uint32_t addr, uint64_t v)
{
    wr32(t, addr, (uint32_t)v);
    wr32(t, addr + 4, (uint32_t)(v >> 32));
}

static uint64_t rd64(struct unit_machine *t, uint32_t addr)
{
    return rd32(t, addr) | (uint64_t)rd32(t, addr + 4) << 32;
}

/* Flat 32-bit ring 0, the x87 as FNINIT leaves it but with TOP = 5 and
 * some tags in use, so that the MMX effects on them show. */
static void setup(struct unit_machine *t)
{
    core_flat32(t);
    t->cpu->cr0 |= CR0_NE;
    t->cpu->fpu.fcw = 0x037f;
    t->cpu->fpu.fsw = FSW_TOP(5);
    t->cpu->fpu.ftw = 0xf0ff;
}

/* Run the bytes at CODE_AT as one instruction. */
static enum cpu_exit run_bytes(struct unit_machine *t, const uint8_t *code, size_t len)
{
    mem_write_block(t->mem, CODE_AT, code, len);
    return core_run(t, CODE_AT, 1);
}

/* 0F op with MM0 as destination and MM1 (or the quadword at DATA_AT) as
 * source; the result in MM0. */
static uint64_t op_reg(struct unit_machine *t, uint8_t op, uint64_t dst, uint64_t src)
{
    set_mm(t, 0, dst);
    set_mm(t, 1, src);
    const uint8_t code[] = { 0x0f, op, 0xc1 };
    if (run_bytes(t, code, sizeof(code)) != CPU_EXIT_BUDGET)
        return 0xdeadbeefdeadbeefull;
    return mm(t, 0);
}

static uint64_t op_mem(struct unit_machine *t, uint8_t op, uint64_t dst, uint64_t src)
{
    set_mm(t, 0, dst);
    wr64(t, DATA_AT, src);
    const uint8_t code[] = { 0x0f, op, 0x05, DATA_AT & 0xff, (DATA_AT >> 8) & 0xff,
                             (DATA_AT >> 16) & 0xff, DATA_AT >> 24 };
    if (run_bytes(t, code, sizeof(code)) != CPU_EXIT_BUDGET)
        return 0xdeadbeefdeadbeefull;
    return mm(t, 0);
}

struct pq_case {
    const char *name;
    uint8_t op;
    uint64_t dst, src, want;
};

static const struct pq_case pq_cases[] = {
    /* Wraparound adds and subtracts. */
    { "PADDB", 0xfc, 0x7f80ff0001020304, 0x0101010101010101, 0x8081000102030405 },
    { "PADDW", 0xfd, 0xffff7fff00010002, 0x0001000100010001, 0x0000800000020003 },
    { "PADDD", 0xfe, 0xffffffff7fffffff, 0x0000000100000001, 0x0000000080000000 },
    { "PSUBB", 0xf8, 0x0001028000000000, 0x0101010101010101, 0xff00017fffffffff },
    { "PSUBW", 0xf9, 0x0000800000050000, 0x0001000100020001, 0xffff7fff0003ffff },
    { "PSUBD", 0xfa, 0x0000000080000000, 0x0000000100000001, 0xffffffff7fffffff },
    /* Signed saturation at both ends, and sums that just fit. */
    { "PADDSB", 0xec, 0x7f80709001ff40c0, 0x01ff20e001ff40c0, 0x7f807f8002fe7f80 },
    { "PADDSW", 0xed, 0x7fff80001234ffff, 0x0001ffff1111ffff, 0x7fff80002345fffe },
    { "PSUBSB", 0xe8, 0x807f000010f00000, 0x01ff807f20100001, 0x807f7f81f0e000ff },
    { "PSUBSW", 0xe9, 0x80007fff00000005, 0x0001ffff80000007, 0x80007fff7ffffffe },
    /* Unsigned saturation. */
    { "PADDUSB", 0xdc, 0xff800100fe7f0010, 0x018001000180ff20, 0xffff0200ffffff30 },
    { "PADDUSW", 0xdd, 0xffff800000011234, 0x0001800000010000, 0xffffffff00021234 },
    { "PSUBUSB", 0xd8, 0x0010ff80050500ff, 0x0120018003060000, 0x0000fe00020000ff },
    { "PSUBUSW", 0xd9, 0x0000ffff80000005, 0x0001000180010003, 0x0000fffe00000002 },
    /* Signed multiplies: low and high halves, and PMADDWD's one overflow. */
    { "PMULLW", 0xd5, 0x8000ffff01001234, 0x8000ffff01000010, 0x0000000100002340 },
    { "PMULHW", 0xe5, 0x8000ffff01001234, 0x8000ffff01000010, 0x4000000000010001 },
    { "PMULHW negative", 0xe5, 0x7fff8000ffff0002, 0x7fff7fff0002fffe, 0x3fffc000ffffffff },
    { "PMADDWD", 0xf5, 0x8000800000020003, 0x8000800000040005, 0x8000000000000017 },
    { "PMADDWD signs", 0xf5, 0xffff00017fff8000, 0x000200037fff7fff, 0x00000001ffff8001 },
    /* Compares: all ones where true; greater-than is signed. */
    { "PCMPEQB", 0x74, 0x0102030405060708, 0x0100030005000700, 0xff00ff00ff00ff00 },
    { "PCMPEQW", 0x75, 0x1111222233334444, 0x1111000033330000, 0xffff0000ffff0000 },
    { "PCMPEQD", 0x76, 0x123456789abcdef0, 0x123456789abcdef1, 0xffffffff00000000 },
    { "PCMPGTB", 0x64, 0x7f80000001ff0505, 0x807fff0000000506, 0xff00ff00ff000000 },
    { "PCMPGTW", 0x65, 0x7fff80000000ffff, 0x80007fffffff0000, 0xffff0000ffff0000 },
    { "PCMPGTD", 0x66, 0x8000000000000001, 0x7fffffff80000000, 0x00000000ffffffff },
    /* Logic; PANDN inverts the destination. */
    { "PAND", 0xdb, 0xff00ff00f0f0f0f0, 0x0ff00ff00ff00ff0, 0x0f000f0000f000f0 },
    { "PANDN", 0xdf, 0xff00ff00f0f0f0f0, 0x0ff00ff00ff00ff0, 0x00f000f00f000f00 },
    { "POR", 0xeb, 0xff00ff00f0f0f0f0, 0x0ff00ff00ff00ff0, 0xfff0fff0fff0fff0 },
    { "PXOR", 0xef, 0xff00ff00f0f0f0f0, 0x0ff00ff00ff00ff0, 0xf0f0f0f0ff00ff00 },
    /* Packs: destination elements low, source high, saturated. */
    { "PACKSSWB", 0x63, 0x0080ff7f0001ffff, 0x80007fff007fff80, 0x807f7f807f8001ff },
    { "PACKSSDW", 0x6b, 0x00008000fffe0000, 0x00001234ffffffff, 0x1234ffff7fff8000 },
    { "PACKUSWB", 0x67, 0x010000ff80000080, 0xffff0001007f0000, 0x00017f00ffff0080 },
    /* Unpacks interleave, destination first. */
    { "PUNPCKLBW", 0x60, 0x8877665544332211, 0x01020304ddccbbaa, 0xdd44cc33bb22aa11 },
    { "PUNPCKHBW", 0x68, 0x8877665544332211, 0x01020304ddccbbaa, 0x0188027703660455 },
    { "PUNPCKLWD", 0x61, 0x8877665544332211, 0x01020304ddccbbaa, 0xddcc4433bbaa2211 },
    { "PUNPCKHWD", 0x69, 0x8877665544332211, 0x01020304ddccbbaa, 0x0102887703046655 },
    { "PUNPCKLDQ", 0x62, 0x8877665544332211, 0x01020304ddccbbaa, 0xddccbbaa44332211 },
    { "PUNPCKHDQ", 0x6a, 0x8877665544332211, 0x01020304ddccbbaa, 0x0102030488776655 },
    /* Shifts by a register: the whole quadword is the count. */
    { "PSLLW 1", 0xf1, 0x800140020001ffff, 1, 0x000280040002fffe },
    { "PSLLW 15", 0xf1, 0x800140020001ffff, 15, 0x8000000080008000 },
    { "PSLLW 16", 0xf1, 0x800140020001ffff, 16, 0 },
    { "PSLLW 2^32", 0xf1, 0x800140020001ffff, 0x100000000, 0 },
    { "PSRLW 4", 0xd1, 0x800140020001ffff, 4, 0x0800040000000fff },
    { "PSRLW 17", 0xd1, 0x800140020001ffff, 17, 0 },
    { "PSRAW 4", 0xe1, 0x800140020001ffff, 4, 0xf80004000000ffff },
    { "PSRAW 16", 0xe1, 0x800140020001ffff, 16, 0xffff00000000ffff },
    { "PSRAW all ones", 0xe1, 0x800140020001ffff, ~0ull, 0xffff00000000ffff },
    { "PSLLD 1", 0xf2, 0x8000000100000003, 1, 0x0000000200000006 },
    { "PSLLD 32", 0xf2, 0x8000000100000003, 32, 0 },
    { "PSRLD 31", 0xd2, 0x8000000100000003, 31, 0x0000000100000000 },
    { "PSRLD 32", 0xd2, 0x8000000100000003, 32, 0 },
    { "PSRAD 31", 0xe2, 0x800000017fffffff, 31, 0xffffffff00000000 },
    { "PSRAD 40", 0xe2, 0x800000017fffffff, 40, 0xffffffff00000000 },
    { "PSLLQ 1", 0xf3, 0x8000000000000001, 1, 2 },
    { "PSLLQ 63", 0xf3, 0x8000000000000001, 63, 0x8000000000000000 },
    { "PSLLQ 64", 0xf3, 0x8000000000000001, 64, 0 },
    { "PSRLQ 63", 0xd3, 0x8000000000000001, 63, 1 },
    { "PSRLQ 64", 0xd3, 0x8000000000000001, 64, 0 },
    { "PSRLQ 2^63", 0xd3, 0x8000000000000001, 0x8000000000000000, 0 },
};

static void test_packed_ops(struct unit_machine *t)
{
    for (size_t i = 0; i < sizeof(pq_cases) / sizeof(pq_cases[0]); i++) {
        const struct pq_case *c = &pq_cases[i];
        setup(t);
        uint64_t got = op_reg(t, c->op, c->dst, c->src);
        CHECK_CASE(t, got == c->want, "%s mm, mm: %016llx, want %016llx", c->name,
                   (unsigned long long)got, (unsigned long long)c->want);
        setup(t);
        got = op_mem(t, c->op, c->dst, c->src);
        CHECK_CASE(t, got == c->want, "%s mm, m64: %016llx, want %016llx", c->name,
                   (unsigned long long)got, (unsigned long long)c->want);
    }
}

struct imm_case {
    const char *name;
    uint8_t op, reg, count;
    uint64_t dst, want;
};

/* 0F 71/72/73 /reg ib on MM3. */
static const struct imm_case imm_cases[] = {
    { "PSRLW 4", 0x71, 2, 4, 0x800140020001ffff, 0x0800040000000fff },
    { "PSRLW 16", 0x71, 2, 16, 0x800140020001ffff, 0 },
    { "PSRAW 4", 0x71, 4, 4, 0x800140020001ffff, 0xf80004000000ffff },
    { "PSRAW 255", 0x71, 4, 255, 0x800140020001ffff, 0xffff00000000ffff },
    { "PSLLW 15", 0x71, 6, 15, 0x800140020001ffff, 0x8000000080008000 },
    { "PSLLW 16", 0x71, 6, 16, 0x800140020001ffff, 0 },
    { "PSRLD 1", 0x72, 2, 1, 0x8000000100000003, 0x4000000000000001 },
    { "PSRLD 32", 0x72, 2, 32, 0x8000000100000003, 0 },
    { "PSRAD 1", 0x72, 4, 1, 0x8000000100000003, 0xc000000000000001 },
    { "PSRAD 32", 0x72, 4, 32, 0x800000017fffffff, 0xffffffff00000000 },
    { "PSLLD 31", 0x72, 6, 31, 0x8000000100000003, 0x8000000080000000 },
    { "PSLLD 33", 0x72, 6, 33, 0x8000000100000003, 0 },
    { "PSRLQ 4", 0x73, 2, 4, 0x8000000000000010, 0x0800000000000001 },
    { "PSRLQ 64", 0x73, 2, 64, 0x8000000000000010, 0 },
    { "PSLLQ 60", 0x73, 6, 60, 0x8000000000000011, 0x1000000000000000 },
    { "PSLLQ 255", 0x73, 6, 255, 0x8000000000000011, 0 },
};

static void test_shift_immediate(struct unit_machine *t)
{
    for (size_t i = 0; i < sizeof(imm_cases) / sizeof(imm_cases[0]); i++) {
        const struct imm_case *c = &imm_cases[i];
        setup(t);
        set_mm(t, 3, c->dst);
        const uint8_t code[] = { 0x0f, c->op, (uint8_t)(0xc3 | c->reg << 3), c->count };
        enum cpu_exit e = run_bytes(t, code, sizeof(code));
        CHECK_CASE(t, e == CPU_EXIT_BUDGET && mm(t, 3) == c->want && t->cpu->eip == CODE_AT + 4,
                   "%s: %016llx, want %016llx", c->name, (unsigned long long)mm(t, 3),
                   (unsigned long long)c->want);
    }

    /* The other ModRM.reg values, and memory operands, are undefined. */
    static const uint8_t bad[][5] = {
        { 0x0f, 0x71, 0xc3, 1 },       /* /0 */
        { 0x0f, 0x72, 0xcb, 1 },       /* /1 */
        { 0x0f, 0x73, 0xe3, 1 },       /* /4: no PSRAQ */
        { 0x0f, 0x73, 0xdb, 1 },       /* /3: PSRLDQ is SSE2 */
        { 0x0f, 0x71, 0x13, 1 },       /* PSRLW [ebx], 1 */
        { 0x0f, 0x73, 0x70, 0x08, 1 }, /* PSLLQ [eax+8], 1 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setup(t);
        set_mm(t, 3, 0x1234);
        enum cpu_exit e = run_bytes(t, bad[i], bad[i][2] == 0x70 ? 5 : 4);
        CHECK_CASE(t, core_faulted(t, e, EXC_UD, 0) && mm(t, 3) == 0x1234 &&
                          t->cpu->fpu.ftw == 0xf0ff,
                   "undefined shift encoding %zu: exit %d vector %d", i, e,
                   t->cpu->last_exception);
    }
}

static void test_moves(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;

    /* MOVD mm, r32 zero-extends; MOVD r32, mm takes the low dword. */
    setup(t);
    set_mm(t, 2, ~0ull);
    cpu->regs[R_EAX] = 0x89abcdef;
    CODE(t, CODE_AT, 0x0f, 0x6e, 0xd0); /* movd mm2, eax */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && mm(t, 2) == 0x89abcdef);
    set_mm(t, 5, 0x1122334455667788);
    CODE(t, CODE_AT, 0x0f, 0x7e, 0xee); /* movd esi, mm5 */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && cpu->regs[R_ESI] == 0x55667788);

    /* The memory forms move four bytes. */
    setup(t);
    set_mm(t, 2, ~0ull);
    set_mm(t, 5, 0x1122334455667788);
    wr64(t, DATA_AT, 0xaaaaaaaa12345678);
    cpu->regs[R_EBX] = DATA_AT;
    CODE(t, CODE_AT, 0x0f, 0x6e, 0x13); /* movd mm2, [ebx] */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && mm(t, 2) == 0x12345678);
    wr64(t, DATA_AT, 0xaaaaaaaaaaaaaaaa);
    CODE(t, CODE_AT, 0x0f, 0x7e, 0x6b, 0x04); /* movd [ebx+4], mm5 */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET &&
                 rd64(t, DATA_AT) == 0x55667788aaaaaaaa && rd32(t, DATA_AT + 8) == 0);

    /* MOVQ in all four forms. */
    setup(t);
    cpu->regs[R_EBX] = DATA_AT;
    set_mm(t, 3, 0x0123456789abcdef);
    CODE(t, CODE_AT, 0x0f, 0x6f, 0xe3); /* movq mm4, mm3 */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && mm(t, 4) == 0x0123456789abcdef);
    CODE(t, CODE_AT, 0x0f, 0x7f, 0xdf); /* movq mm7, mm3 (7F form) */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && mm(t, 7) == 0x0123456789abcdef);
    CODE(t, CODE_AT, 0x0f, 0x7f, 0x5b, 0x10); /* movq [ebx+16], mm3 */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET &&
                 rd64(t, DATA_AT + 16) == 0x0123456789abcdef);
    wr64(t, DATA_AT + 24, 0xfedcba9876543210);
    CODE(t, CODE_AT, 0x0f, 0x6f, 0x43, 0x18); /* movq mm0, [ebx+24] */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && mm(t, 0) == 0xfedcba9876543210);
}

/* SDM vol. 3, 12.2: MMi is the significand of Ri whatever TOP is; a write
 * sets bits 79:64 to ones; every MMX instruction but EMMS makes TOP 0 and
 * all tags valid and leaves the rest of the status word alone; EMMS
 * empties all tags. */
static void test_x87_aliasing(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    setup(t);
    cpu->fpu.fsw = FSW_TOP(5) | 0x4100; /* C3 and C0 set */
    for (unsigned r = 0; r < 8; r++)
        set_mm(t, r, r);
    CODE(t, CODE_AT, 0x0f, 0xfc, 0xd1); /* paddb mm2, mm1 */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && mm(t, 2) == 3);
    CHECK(t, cpu->fpu.r[2].sign_exp == 0xffff && cpu->fpu.r[1].sign_exp == 0x4000);
    CHECK(t, cpu->fpu.fsw == 0x4100 && cpu->fpu.ftw == 0);
    CHECK(t, cpu->fpu.fcw == 0x037f);

    /* A store reads an MMX register and still marks every tag valid. */
    setup(t);
    set_mm(t, 1, 1);
    CODE(t, CODE_AT, 0x0f, 0x7e, 0xc8); /* movd eax, mm1 */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && cpu->fpu.ftw == 0 &&
                 cpu->fpu.fsw == 0 && cpu->fpu.r[1].sign_exp == 0x4000);

    /* EMMS: all tags empty, registers untouched. */
    setup(t);
    set_mm(t, 6, 0x66);
    CODE(t, CODE_AT, 0x0f, 0x77);
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && cpu->eip == CODE_AT + 2);
    CHECK(t, cpu->fpu.ftw == 0xffff && cpu->fpu.fsw == 0 && mm(t, 6) == 0x66 &&
                 cpu->fpu.r[6].sign_exp == 0x4000);
}

/* CR0.EM: #UD; CR0.TS: #NM (SDM vol. 3, table 12-1); a pending unmasked
 * x87 exception: #MF with CR0.NE (12.5.1). A faulting instruction changes
 * nothing. */
static void test_faults(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    static const uint8_t paddw[] = { 0x0f, 0xfd, 0xc1 };
    static const uint8_t emms[] = { 0x0f, 0x77 };

    setup(t);
    set_mm(t, 0, 1);
    set_mm(t, 1, 1);
    cpu->cr0 |= CR0_EM;
    enum cpu_exit e = run_bytes(t, paddw, sizeof(paddw));
    CHECK(t, core_faulted(t, e, EXC_UD, 0) && mm(t, 0) == 1 && cpu->fpu.ftw == 0xf0ff);
    cpu->cr0 |= CR0_TS; /* EM wins over TS */
    e = run_bytes(t, paddw, sizeof(paddw));
    CHECK(t, core_faulted(t, e, EXC_UD, 0));
    e = run_bytes(t, emms, sizeof(emms));
    CHECK(t, core_faulted(t, e, EXC_UD, 0) && cpu->fpu.ftw == 0xf0ff);

    cpu->cr0 &= ~CR0_EM;
    e = run_bytes(t, paddw, sizeof(paddw));
    CHECK(t, core_faulted(t, e, EXC_NM, 0) && mm(t, 0) == 1 &&
                 cpu->fpu.fsw == FSW_TOP(5) && cpu->fpu.ftw == 0xf0ff);
    e = run_bytes(t, emms, sizeof(emms));
    CHECK(t, core_faulted(t, e, EXC_NM, 0) && cpu->fpu.ftw == 0xf0ff);
    cpu->cr0 &= ~CR0_TS;

    /* An unmasked exception left pending by the x87 (ES set). */
    cpu->fpu.fsw = FSW_TOP(5) | FSW_ES | 0x01;
    e = run_bytes(t, paddw, sizeof(paddw));
    CHECK(t, core_faulted(t, e, EXC_MF, 0) && mm(t, 0) == 1 && cpu->fpu.ftw == 0xf0ff);
    e = run_bytes(t, emms, sizeof(emms));
    CHECK(t, core_faulted(t, e, EXC_MF, 0) && cpu->fpu.ftw == 0xf0ff);
    /* Without CR0.NE the error is signalled on FERR# and the instruction
     * goes on, leaving the exception flags as they were. */
    cpu->cr0 &= ~CR0_NE;
    e = run_bytes(t, paddw, sizeof(paddw));
    CHECK(t, e == CPU_EXIT_BUDGET && mm(t, 0) == 2 && cpu->fpu.fsw == (FSW_ES | 0x01) &&
                 cpu->fpu.ftw == 0);
    cpu->cr0 |= CR0_NE;
    cpu->fpu.fsw = FSW_TOP(5);

    /* LOCK is undefined on every MMX instruction. */
    static const uint8_t locked[] = { 0xf0, 0x0f, 0xfd, 0x00 };
    cpu->regs[R_EAX] = DATA_AT;
    e = run_bytes(t, locked, sizeof(locked));
    CHECK(t, core_faulted(t, e, EXC_UD, 0));
}

/* Memory operands: the low unpacks read only four bytes; a quadword past
 * the segment limit is #GP; a quadword store across a page boundary into
 * a missing page writes neither half. */
static void test_memory_operands(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    core_paged(t);
    cpu->cr0 |= CR0_NE;
    cpu->fpu.ftw = 0xffff;
    pte_set(t, LIN_TEST, DATA_AT | PG_P | PG_RW);
    pte_set(t, LIN_TEST + 0x1000, 0);
    cpu_tlb_flush_all(cpu);
    wr32(t, DATA_AT + 0xffc, 0x44332211);
    cpu->regs[R_EBX] = LIN_TEST + 0xffc;
    set_mm(t, 0, 0x8877665500000000);
    CODE(t, CODE_AT, 0x0f, 0x60, 0x03); /* punpcklbw mm0, [ebx] */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && mm(t, 0) == 0x4400330022001100);
    CODE(t, CODE_AT, 0x0f, 0x68, 0x03); /* punpckhbw mm0, [ebx]: eight bytes */
    enum cpu_exit e = core_run(t, CODE_AT, 1);
    CHECK(t, core_faulted(t, e, EXC_PF, 0) && cpu->cr2 == LIN_TEST + 0x1000);

    set_mm(t, 1, 0x0102030405060708);
    cpu->fpu.ftw = 0xffff;
    CODE(t, CODE_AT, 0x0f, 0x7f, 0x0b); /* movq [ebx], mm1 */
    e = core_run(t, CODE_AT, 1);
    CHECK(t, core_faulted(t, e, EXC_PF, 2) && rd32(t, DATA_AT + 0xffc) == 0x44332211 &&
                 cpu->fpu.ftw == 0xffff);

    /* Real mode: a quadword at offset FFFC crosses the 64 KiB limit. */
    core_real(t);
    set_mm(t, 2, 7);
    cpu->regs[R_EBX] = 0xfffc;
    CODE(t, CODE_AT, 0x0f, 0x6f, 0x17); /* movq mm2, [bx] */
    e = core_run(t, CODE_AT, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && mm(t, 2) == 7);
    cpu->regs[R_EBX] = 0xfff8;
    wr64(t, 0xfff8, 0x1122334455667788);
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET && mm(t, 2) == 0x1122334455667788);
}

/* With alignment checking at ring 3, a quadword must be 8-byte aligned
 * and a dword 4-byte aligned (SDM vol. 3, 6.15, interrupt 17). */
static void test_alignment_check(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    setup(t);
    cpu->cr0 |= CR0_AM;
    core_ring(t, 3);
    cpu_set_eflags(cpu, FL_AC);
    tlb_set_alignment_check(cpu, true);
    set_mm(t, 1, 5);
    cpu->regs[R_EBX] = DATA_AT + 4;
    CODE(t, CODE_AT, 0x0f, 0x6f, 0x0b); /* movq mm1, [ebx] */
    enum cpu_exit e = core_run(t, CODE_AT, 1);
    CHECK(t, core_faulted(t, e, EXC_AC, 0) && mm(t, 1) == 5);
    CODE(t, CODE_AT, 0x0f, 0x7f, 0x0b); /* movq [ebx], mm1 */
    e = core_run(t, CODE_AT, 1);
    CHECK(t, core_faulted(t, e, EXC_AC, 0));
    CODE(t, CODE_AT, 0x0f, 0x6e, 0x0b); /* movd mm1, [ebx]: aligned for a dword */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET);
    cpu->regs[R_EBX] = DATA_AT + 8;
    CODE(t, CODE_AT, 0x0f, 0xfd, 0x0b); /* paddw mm1, [ebx] */
    CHECK(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET);
}

int main(void)
{
    struct unit_machine t;
    core_init(&t);
    test_packed_ops(&t);
    test_shift_immediate(&t);
    test_moves(&t);
    test_x87_aliasing(&t);
    test_faults(&t);
    test_memory_operands(&t);
    test_alignment_check(&t);
    unit_machine_free(&t);
    return UNIT_REPORT(&t);
}
