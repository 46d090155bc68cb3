/*
 * Unit tests of the interpreter core, driven by guest code through
 * cpu_run(): stack instructions with 16-bit wraparound, PUSHA/POPA, ENTER
 * and LEAVE, the string instructions with REP in both directions and with
 * faults in the middle, LOOP/JCXZ, near CALL/RET, branches past the CS
 * limit, IP wraparound, self-modifying code against the decoded-instruction
 * cache, and the run loop (single-step, interrupt shadow, double faults).
 *
 * Real-mode tests run at CS = 0 with the stack in segment 0x2000, DS =
 * 0x3000 and ES = 0x4000; 32-bit tests use flat ring-0 segments.
 */
#include "core_harness.h"

#define SS_BASE 0x20000u
#define DS_BASE 0x30000u
#define ES_BASE 0x40000u

static void real_segs(struct unit_machine *t)
{
    core_real(t);
    cpu_load_seg_real(t->cpu, SEG_SS, SS_BASE >> 4);
    cpu_load_seg_real(t->cpu, SEG_DS, DS_BASE >> 4);
    cpu_load_seg_real(t->cpu, SEG_ES, ES_BASE >> 4);
}

static uint16_t reg16(struct unit_machine *t, int r)
{
    return (uint16_t)t->cpu->regs[r];
}

static bool flag(struct unit_machine *t, uint32_t f)
{
    return (cpu_get_eflags(t->cpu) & f) != 0;
}

static void test_push_pop(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    real_segs(t);

    /* SP = 0 wraps to FFFE; the high half of ESP is kept. */
    cpu->regs[R_ESP] = 0x12340000;
    cpu->regs[R_EAX] = 0xbeef;
    CODE(t, 0x1000, 0x50); /* push ax */
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET);
    CHECK(t, reg32(t, R_ESP) == 0x1234fffe && rd16(t, SS_BASE + 0xfffe) == 0xbeef);
    cpu->regs[R_EBX] = 0xffff0000;
    CODE(t, 0x1000, 0x5b); /* pop bx */
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_ESP) == 0x12340000 && reg32(t, R_EBX) == 0xffffbeef);

    /* A word at offset FFFF is past the 64 KiB limit: #SS(0), nothing moves. */
    cpu->regs[R_ESP] = 1;
    CODE(t, 0x1000, 0x50);
    enum cpu_exit e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_SS, 0) && reg32(t, R_ESP) == 1 && cpu->eip == 0x1000);
    cpu->regs[R_ESP] = 0xffff;
    CODE(t, 0x1000, 0x5b);
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_SS, 0) && reg32(t, R_ESP) == 0xffff);

    /* push eax in 16-bit code: four bytes, also wrapping. */
    cpu->regs[R_EAX] = 0xcafef00d;
    cpu->regs[R_ESP] = 2;
    CODE(t, 0x1000, 0x66, 0x50);
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_SS, 0) && reg32(t, R_ESP) == 2);
    cpu->regs[R_ESP] = 0;
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET);
    CHECK(t, reg32(t, R_ESP) == 0xfffc && rd32(t, SS_BASE + 0xfffc) == 0xcafef00d);

    /* push sp stores the value before the push; pop sp loads the popped one. */
    cpu->regs[R_ESP] = 0x100;
    CODE(t, 0x1000, 0x54, 0x5c); /* push sp; pop sp */
    core_run(t, 0x1000, 1);
    CHECK(t, rd16(t, SS_BASE + 0xfe) == 0x100 && reg32(t, R_ESP) == 0xfe);
    wr16(t, SS_BASE + 0xfe, 0x4242);
    core_run(t, 0x1001, 1);
    CHECK(t, reg32(t, R_ESP) == 0x4242);

    /* pop [bx] with a fault on the store: ESP is restored. */
    cpu->regs[R_ESP] = 0x200;
    cpu->regs[R_EBX] = 0xffff;
    CODE(t, 0x1000, 0x8f, 0x07); /* pop word [bx] */
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && reg32(t, R_ESP) == 0x200);
}

static void test_pusha_popa(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    real_segs(t);
    for (int r = 0; r < 8; r++)
        cpu->regs[r] = 0xaaaa0000u | (uint32_t)(r + 1);
    cpu->regs[R_ESP] = 0x55550008;
    CODE(t, 0x1000, 0x60); /* pusha: the pushes wrap below 0 */
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET);
    CHECK(t, reg32(t, R_ESP) == 0x5555fff8);
    static const uint16_t at[8] = { 6, 4, 2, 0, 0xfffe, 0xfffc, 0xfffa, 0xfff8 };
    for (int r = 0; r < 8; r++)
        CHECK_CASE(t, rd16(t, SS_BASE + at[r]) == (r == R_ESP ? 8 : r + 1), "register %d", r);

    wr16(t, SS_BASE + 0xfffe, 0x1234); /* the stored SP is skipped */
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            cpu->regs[r] = 0xbbbb0000u;
    CODE(t, 0x1000, 0x61); /* popa */
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_ESP) == 0x55550008);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            CHECK_CASE(t, reg32(t, r) == (0xbbbb0000u | (uint32_t)(r + 1)), "register %d", r);

    /* The first push faults: nothing changes. */
    cpu->regs[R_ESP] = 1;
    CODE(t, 0x1000, 0x60);
    enum cpu_exit e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_SS, 0) && reg32(t, R_ESP) == 1);
    /* POPA reading past the limit faults before any register changes. */
    cpu->regs[R_ESP] = 0xfff3; /* the seventh word sits at FFFF */
    cpu->regs[R_EDI] = 0x77;
    CODE(t, 0x1000, 0x61);
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_SS, 0) && reg32(t, R_ESP) == 0xfff3 && reg32(t, R_EDI) == 0x77);

    /* pushad/popad on a flat 32-bit stack. */
    core_flat32(t);
    for (int r = 0; r < 8; r++)
        cpu->regs[r] = 0x11111111u * (uint32_t)(r + 1);
    cpu->regs[R_ESP] = 0x9000;
    CODE(t, 0x1000, 0x60, 0x61);
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_ESP) == 0x8fe0 && rd32(t, 0x8ffc) == 0x11111111 && rd32(t, 0x8fec) == 0x9000);
    CHECK(t, rd32(t, 0x8fe0) == 0x88888888);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            cpu->regs[r] = 0;
    core_run(t, 0x1001, 1);
    CHECK(t, reg32(t, R_ESP) == 0x9000 && reg32(t, R_EAX) == 0x11111111 && reg32(t, R_EDI) == 0x88888888);
}

static void test_enter_leave(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;

    /* enter 0x10, 3: EBP pushed, two outer frame pointers copied from
     * [EBP-4] and [EBP-8], the new frame pointer pushed. */
    core_flat32(t);
    cpu->regs[R_ESP] = 0x9000;
    cpu->regs[R_EBP] = 0x8100;
    wr32(t, 0x80fc, 0x11111111);
    wr32(t, 0x80f8, 0x22222222);
    CODE(t, 0x1000, 0xc8, 0x10, 0x00, 0x03);
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET);
    CHECK(t, rd32(t, 0x8ffc) == 0x8100 && rd32(t, 0x8ff8) == 0x11111111);
    CHECK(t, rd32(t, 0x8ff4) == 0x22222222 && rd32(t, 0x8ff0) == 0x8ffc);
    CHECK(t, reg32(t, R_EBP) == 0x8ffc && reg32(t, R_ESP) == 0x8fe0);
    CODE(t, 0x1000, 0xc9); /* leave */
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_EBP) == 0x8100 && reg32(t, R_ESP) == 0x9000);

    /* Level 0, level 1, and level 32 which is level 0 (imm8 mod 32). */
    static const struct { uint8_t level; uint32_t esp; } lv[] = { { 0, 0x8ff4 }, { 1, 0x8ff0 }, { 32, 0x8ff4 } };
    for (unsigned i = 0; i < 3; i++) {
        cpu->regs[R_ESP] = 0x9000;
        cpu->regs[R_EBP] = 0x8100;
        wr32(t, 0x8ff8, 0);
        CODE(t, 0x1000, 0xc8, 0x08, 0x00, lv[i].level);
        core_run(t, 0x1000, 1);
        CHECK_CASE(t, reg32(t, R_ESP) == lv[i].esp && reg32(t, R_EBP) == 0x8ffc, "level %u", lv[i].level);
        CHECK_CASE(t, rd32(t, 0x8ffc) == 0x8100, "level %u", lv[i].level);
        CHECK_CASE(t, rd32(t, 0x8ff8) == (lv[i].level == 1 ? 0x8ffcu : 0), "level %u", lv[i].level);
    }

    /* 16-bit: enter 4, 2 with SP wrapping below 0; the high halves of ESP
     * and EBP stay. */
    real_segs(t);
    cpu->regs[R_ESP] = 0xabcd0004;
    cpu->regs[R_EBP] = 0x12340100;
    wr16(t, SS_BASE + 0xfe, 0xaaaa);
    CODE(t, 0x1000, 0xc8, 0x04, 0x00, 0x02);
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET);
    CHECK(t, rd16(t, SS_BASE + 2) == 0x0100 && rd16(t, SS_BASE + 0) == 0xaaaa);
    CHECK(t, rd16(t, SS_BASE + 0xfffe) == 0x0002);
    CHECK(t, reg32(t, R_ESP) == 0xabcdfffa && reg32(t, R_EBP) == 0x12340002);

    /* The operand size, not the stack size, decides how much of EBP
     * changes: enter 0xb, 0 with 66 on a 32-bit stack writes BP only (as
     * an Intel processor does); with 66 on a 16-bit stack, EBP gets all of
     * ESP after the push. */
    core_flat32(t);
    cpu->regs[R_ESP] = 0x00085680;
    cpu->regs[R_EBP] = 0x9082ee6b;
    CODE(t, 0x1000, 0x66, 0xc8, 0x0b, 0x00, 0x00);
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_EBP) == 0x9082567e && reg32(t, R_ESP) == 0x00085673);
    CHECK(t, rd16(t, 0x0008567e) == 0xee6b);
    real_segs(t);
    cpu->regs[R_ESP] = 0xabcd0100;
    cpu->regs[R_EBP] = 0x12345678;
    CODE(t, 0x1000, 0x66, 0xc8, 0x04, 0x00, 0x01);
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_EBP) == 0xabcd00fc && reg32(t, R_ESP) == 0xabcd00f4);
    CHECK(t, rd32(t, SS_BASE + 0xfc) == 0x12345678 && rd32(t, SS_BASE + 0xf8) == 0xabcd00fc);

    /* The new stack top outside an expand-down stack segment: #SS(0) and
     * no register changes (SDM vol. 2, ENTER). */
    core_flat32(t);
    cpu_set_seg(cpu, SEG_SS, 0x10, 0, 0x8000,
                SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_DC | SEG_TYPE_ACCESSED | SEG_ATTR_DB);
    cpu->regs[R_ESP] = 0x9000;
    cpu->regs[R_EBP] = 0x1234;
    CODE(t, 0x1000, 0xc8, 0x00, 0x10, 0x00); /* enter 0x1000, 0 */
    enum cpu_exit e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_SS, 0));
    CHECK(t, reg32(t, R_ESP) == 0x9000 && reg32(t, R_EBP) == 0x1234 && cpu->eip == 0x1000);
    CODE(t, 0x1000, 0xc8, 0x00, 0x0f, 0x00); /* enter 0xf00, 0 fits */
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET && reg32(t, R_ESP) == 0x80fc);
}

/* Fill DS:SI-side bytes and ES:DI-side bytes. */
static void fill(struct unit_machine *t, uint32_t base, const char *s)
{
    mem_write_block(t->mem, base, s, strlen(s));
}

/* Run the string instruction at 0x1000 once from the given flags, SI, DI
 * and CX (EAX as the test left it). */
static enum cpu_exit run_string(struct unit_machine *t, uint32_t eflags, uint32_t esi,
                                uint32_t edi, uint32_t ecx)
{
    cpu_set_eflags(t->cpu, eflags);
    t->cpu->regs[R_ESI] = esi;
    t->cpu->regs[R_EDI] = edi;
    t->cpu->regs[R_ECX] = ecx;
    return core_run(t, 0x1000, 1);
}

static void test_strings_real(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;

    /* rep movsb forward. */
    real_segs(t);
    fill(t, DS_BASE + 0x10, "ABCDE");
    CODE(t, 0x1000, 0xf3, 0xa4);
    CHECK(t, run_string(t, 0, 0x10, 0x20, 5) == CPU_EXIT_BUDGET && cpu->eip == 0x1002);
    CHECK(t, reg32(t, R_ECX) == 0 && reg32(t, R_ESI) == 0x15 && reg32(t, R_EDI) == 0x25);
    char got[6] = { 0 };
    mem_read_block(t->mem, ES_BASE + 0x20, got, 5);
    CHECK(t, strcmp(got, "ABCDE") == 0);
    CHECK(t, rd8(t, ES_BASE + 0x25) == 0);

    /* rep movsw backward (DF = 1). */
    wr16(t, DS_BASE + 0x14, 0x1111);
    wr16(t, DS_BASE + 0x16, 0x2222);
    wr16(t, DS_BASE + 0x18, 0x3333);
    CODE(t, 0x1000, 0xf3, 0xa5);
    run_string(t, FL_DF, 0x18, 0x38, 3);
    CHECK(t, reg32(t, R_ECX) == 0 && reg32(t, R_ESI) == 0x12 && reg32(t, R_EDI) == 0x32);
    CHECK(t, rd16(t, ES_BASE + 0x34) == 0x1111 && rd16(t, ES_BASE + 0x36) == 0x2222 &&
                 rd16(t, ES_BASE + 0x38) == 0x3333 && rd16(t, ES_BASE + 0x32) == 0);

    /* SI, DI and CX wrap at 64 KiB and keep their high halves. */
    wr8(t, DS_BASE + 0xfffe, 1);
    wr8(t, DS_BASE + 0xffff, 2);
    wr8(t, DS_BASE + 0x0000, 3);
    wr8(t, DS_BASE + 0x0001, 4);
    CODE(t, 0x1000, 0xf3, 0xa4);
    run_string(t, 0, 0xabcdfffe, 0x1234ffff, 0x77770004);
    CHECK(t, reg32(t, R_ESI) == 0xabcd0002 && reg32(t, R_EDI) == 0x12340003 && reg32(t, R_ECX) == 0x77770000);
    CHECK(t, rd8(t, ES_BASE + 0xffff) == 1 && rd8(t, ES_BASE + 0) == 2 && rd8(t, ES_BASE + 1) == 3 &&
                 rd8(t, ES_BASE + 2) == 4);

    /* rep stosw backward through DI = 0. */
    cpu->regs[R_EAX] = 0x5a5a;
    CODE(t, 0x1000, 0xf3, 0xab);
    run_string(t, FL_DF, 0, 2, 3);
    CHECK(t, reg32(t, R_EDI) == 0xfffc && reg32(t, R_ECX) == 0);
    CHECK(t, rd16(t, ES_BASE + 2) == 0x5a5a && rd16(t, ES_BASE + 0) == 0x5a5a && rd16(t, ES_BASE + 0xfffe) == 0x5a5a);
    CHECK(t, rd16(t, ES_BASE + 0xfffc) == 0);

    /* repe cmpsb stops after the first difference. */
    fill(t, DS_BASE + 0x40, "abcxe");
    fill(t, ES_BASE + 0x40, "abcde");
    CODE(t, 0x1000, 0xf3, 0xa6);
    run_string(t, 0, 0x40, 0x40, 5);
    CHECK(t, reg32(t, R_ECX) == 1 && reg32(t, R_ESI) == 0x44 && reg32(t, R_EDI) == 0x44);
    CHECK(t, !flag(t, FL_ZF) && !flag(t, FL_CF)); /* 'x' - 'd' */

    /* repe cmpsb backward over equal strings runs to CX = 0 with ZF = 1. */
    fill(t, DS_BASE + 0x60, "same");
    fill(t, ES_BASE + 0x70, "same");
    run_string(t, FL_DF, 0x63, 0x73, 4);
    CHECK(t, reg32(t, R_ECX) == 0 && reg32(t, R_ESI) == 0x5f && reg32(t, R_EDI) == 0x6f && flag(t, FL_ZF));

    /* repne scasb finds the first match. */
    fill(t, ES_BASE + 0x80, "hello");
    cpu->regs[R_EAX] = 'l';
    CODE(t, 0x1000, 0xf2, 0xae);
    run_string(t, 0, 0, 0x80, 10);
    CHECK(t, reg32(t, R_ECX) == 7 && reg32(t, R_EDI) == 0x83 && flag(t, FL_ZF));

    /* repe scasw backward stops at the first different word. */
    wr16(t, ES_BASE + 0x56, 7);
    wr16(t, ES_BASE + 0x54, 7);
    wr16(t, ES_BASE + 0x52, 8);
    cpu->regs[R_EAX] = 7;
    CODE(t, 0x1000, 0xf3, 0xaf);
    run_string(t, FL_DF, 0, 0x56, 5);
    CHECK(t, reg32(t, R_ECX) == 2 && reg32(t, R_EDI) == 0x50 && !flag(t, FL_ZF));

    /* scasb across DI = FFFF with DF = 0. */
    wr8(t, ES_BASE + 0xffff, 0x11);
    wr8(t, ES_BASE + 0x0000, 0x22);
    cpu->regs[R_EAX] = 0x22;
    CODE(t, 0x1000, 0xf2, 0xae);
    run_string(t, 0, 0, 0xffff, 8);
    CHECK(t, reg32(t, R_ECX) == 6 && reg32(t, R_EDI) == 1 && flag(t, FL_ZF));

    /* CX = 0: no element, flags untouched. */
    CODE(t, 0x1000, 0xf3, 0xa6);
    run_string(t, FL_ZF | FL_CF, 0x40, 0x40, 0xffff0000);
    CHECK(t, reg32(t, R_ESI) == 0x40 && reg32(t, R_EDI) == 0x40 && flag(t, FL_ZF) && flag(t, FL_CF));

    /* A 32-bit address size (67) counts in ECX and does not wrap SI. */
    CODE(t, 0x1000, 0x67, 0xf3, 0xa4);
    run_string(t, 0, 0xfffe, 0x100, 2);
    CHECK(t, reg32(t, R_ESI) == 0x10000 && reg32(t, R_EDI) == 0x102 && reg32(t, R_ECX) == 0);
    CHECK(t, rd8(t, ES_BASE + 0x100) == 1 && rd8(t, ES_BASE + 0x101) == 2);

    /* lodsw and a segment override on the source. */
    wr16(t, ES_BASE + 0x200, 0x6789);
    cpu->regs[R_ESI] = 0x200;
    CODE(t, 0x1000, 0x26, 0xad); /* lodsw es: */
    core_run(t, 0x1000, 1);
    CHECK(t, reg16(t, R_EAX) == 0x6789 && reg32(t, R_ESI) == 0x202);

    /* rep movsw faulting in the middle: DI reaches FFFF, where a word does
     * not fit. The registers show the three words moved and the
     * instruction restarts. */
    real_segs(t);
    for (unsigned i = 0; i < 5; i++)
        wr16(t, DS_BASE + 0x300 + 2 * i, (uint16_t)(0x100 + i));
    wr8(t, ES_BASE + 0xffff, 0);
    CODE(t, 0x1000, 0xf3, 0xa5);
    enum cpu_exit e = run_string(t, 0, 0x300, 0xfff9, 5);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0x1000);
    CHECK(t, reg32(t, R_ECX) == 2 && reg32(t, R_ESI) == 0x306 && reg32(t, R_EDI) == 0xffff);
    CHECK(t, rd16(t, ES_BASE + 0xfff9) == 0x100 && rd16(t, ES_BASE + 0xfffb) == 0x101 &&
                 rd16(t, ES_BASE + 0xfffd) == 0x102 && rd8(t, ES_BASE + 0xffff) == 0);
}

/* A REP MOVS or STOS that page-faults midway leaves ECX, ESI and EDI at the
 * element that faulted; after the page appears it completes. */
static void test_strings_paged(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    core_paged(t);
    for (unsigned i = 0; i < 8; i++)
        wr32(t, 0x5000 + 4 * i, 0xd0000000u + i);
    pte_set(t, LIN_TEST, 0x100000 | PG_P | PG_RW);
    cpu->regs[R_ESI] = 0x5000;
    cpu->regs[R_EDI] = LIN_TEST + 0xff0;
    cpu->regs[R_ECX] = 8;
    CODE(t, 0x1000, 0xf3, 0xa5);
    enum cpu_exit e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_PF, 2) && cpu->cr2 == LIN_TEST + 0x1000 && cpu->eip == 0x1000);
    CHECK(t, reg32(t, R_ECX) == 4 && reg32(t, R_ESI) == 0x5010 && reg32(t, R_EDI) == LIN_TEST + 0x1000);
    CHECK(t, rd32(t, 0x100ff0) == 0xd0000000 && rd32(t, 0x100ffc) == 0xd0000003);
    pte_set(t, LIN_TEST + 0x1000, 0x108000 | PG_P | PG_RW);
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET && cpu->eip == 0x1002);
    CHECK(t, reg32(t, R_ECX) == 0 && reg32(t, R_EDI) == LIN_TEST + 0x1010);
    CHECK(t, rd32(t, 0x108000) == 0xd0000004 && rd32(t, 0x10800c) == 0xd0000007);

    /* Backward, into a missing page below. */
    pte_set(t, LIN_TEST, 0);
    CODE(t, 0x1100, 0x0f, 0x01, 0x3f); /* invlpg [edi] */
    cpu->regs[R_EDI] = LIN_TEST;
    core_run(t, 0x1100, 1);
    cpu_set_eflags(cpu, FL_DF);
    cpu->regs[R_EAX] = 0x99;
    cpu->regs[R_EDI] = LIN_TEST + 0x1008;
    cpu->regs[R_ECX] = 5;
    CODE(t, 0x1000, 0xf3, 0xab);
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_PF, 2) && cpu->cr2 == LIN_TEST + 0xffc);
    CHECK(t, reg32(t, R_ECX) == 2 && reg32(t, R_EDI) == LIN_TEST + 0xffc);
    CHECK(t, rd32(t, 0x108008) == 0x99 && rd32(t, 0x108000) == 0x99);
}

static void test_loop(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    real_segs(t);

    /* inc ax; loop back; hlt. CX counts, the high half of ECX stays. */
    CODE(t, 0x1000, 0x40, 0xe2, 0xfd, 0xf4);
    cpu->regs[R_ECX] = 0xabcd0003;
    cpu->regs[R_EAX] = 0;
    CHECK(t, core_run(t, 0x1000, 100) == CPU_EXIT_HALT);
    CHECK(t, reg32(t, R_EAX) == 3 && reg32(t, R_ECX) == 0xabcd0000 && cpu->eip == 0x1004);

    /* CX = 0 decrements to FFFF and branches. */
    CODE(t, 0x1000, 0xe2, 0xfe);
    cpu->regs[R_ECX] = 0x10000;
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_ECX) == 0x1ffff && cpu->eip == 0x1000);

    /* loope / loopne: the count moves even when ZF ends the loop. */
    static const struct { uint8_t op; bool zf; uint32_t cx; bool taken; } lp[] = {
        { 0xe1, true, 2, true },  { 0xe1, false, 2, false }, { 0xe1, true, 1, false },
        { 0xe0, false, 2, true }, { 0xe0, true, 2, false },  { 0xe0, false, 1, false },
    };
    for (unsigned i = 0; i < 6; i++) {
        CODE(t, 0x1000, lp[i].op, 0x10);
        cpu_set_eflags(cpu, lp[i].zf ? FL_ZF : 0);
        cpu->regs[R_ECX] = lp[i].cx;
        core_run(t, 0x1000, 1);
        CHECK_CASE(t, reg32(t, R_ECX) == lp[i].cx - 1, "case %u", i);
        CHECK_CASE(t, cpu->eip == (lp[i].taken ? 0x1012u : 0x1002u), "case %u", i);
    }

    /* jcxz tests CX only; with 67 it is jecxz. Neither changes ECX. */
    CODE(t, 0x1000, 0xe3, 0x10);
    cpu->regs[R_ECX] = 0x10000;
    core_run(t, 0x1000, 1);
    CHECK(t, cpu->eip == 0x1012 && reg32(t, R_ECX) == 0x10000);
    cpu->regs[R_ECX] = 1;
    core_run(t, 0x1000, 1);
    CHECK(t, cpu->eip == 0x1002);
    CODE(t, 0x1000, 0x67, 0xe3, 0x10);
    cpu->regs[R_ECX] = 0x10000;
    core_run(t, 0x1000, 1);
    CHECK(t, cpu->eip == 0x1003);
    cpu->regs[R_ECX] = 0;
    core_run(t, 0x1000, 1);
    CHECK(t, cpu->eip == 0x1013);

    /* 67 loop in 16-bit code counts in ECX. */
    CODE(t, 0x1000, 0x67, 0xe2, 0x10);
    cpu->regs[R_ECX] = 0x10000;
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_ECX) == 0xffff && cpu->eip == 0x1013);

    /* A backward loop target wraps IP at 64 KiB. */
    CODE(t, 0x0002, 0xe2, 0xf0);
    cpu->regs[R_ECX] = 5;
    core_run(t, 0x0002, 1);
    CHECK(t, cpu->eip == 0xfff4 && reg32(t, R_ECX) == 4);

    /* 32-bit code counts in ECX. */
    core_flat32(t);
    CODE(t, 0x1000, 0xe2, 0x10);
    cpu->regs[R_ECX] = 0x10000;
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_ECX) == 0xffff && cpu->eip == 0x1012);
}

static void test_call_ret(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    real_segs(t);

    /* call rel16 to 0x2000, ret 4 back. */
    CODE(t, 0x1000, 0xe8, 0xfd, 0x0f);
    CODE(t, 0x2000, 0xc2, 0x04, 0x00);
    cpu->regs[R_ESP] = 0x100;
    core_run(t, 0x1000, 1);
    CHECK(t, cpu->eip == 0x2000 && reg32(t, R_ESP) == 0xfe && rd16(t, SS_BASE + 0xfe) == 0x1003);
    core_run(t, 0x2000, 1);
    CHECK(t, cpu->eip == 0x1003 && reg32(t, R_ESP) == 0x104);

    /* call with SP = 0 pushes at FFFE; ret imm wraps SP past FFFF. */
    cpu->regs[R_ESP] = 0x55550000;
    core_run(t, 0x1000, 1);
    CHECK(t, reg32(t, R_ESP) == 0x5555fffe && rd16(t, SS_BASE + 0xfffe) == 0x1003);
    core_run(t, 0x2000, 1);
    CHECK(t, cpu->eip == 0x1003 && reg32(t, R_ESP) == 0x55550004);

    /* call bx and call [0x50]. */
    cpu->regs[R_ESP] = 0x100;
    cpu->regs[R_EBX] = 0x3000;
    CODE(t, 0x1000, 0xff, 0xd3);
    core_run(t, 0x1000, 1);
    CHECK(t, cpu->eip == 0x3000 && rd16(t, SS_BASE + 0xfe) == 0x1002);
    wr16(t, DS_BASE + 0x50, 0x4000);
    CODE(t, 0x1000, 0xff, 0x16, 0x50, 0x00);
    core_run(t, 0x1000, 1);
    CHECK(t, cpu->eip == 0x4000 && rd16(t, SS_BASE + 0xfc) == 0x1004 && reg32(t, R_ESP) == 0xfc);

    /* ret reading past the stack limit: #SS, nothing changes. */
    cpu->regs[R_ESP] = 0xffff;
    CODE(t, 0x2000, 0xc3);
    enum cpu_exit e = core_run(t, 0x2000, 1);
    CHECK(t, core_faulted(t, e, EXC_SS, 0) && reg32(t, R_ESP) == 0xffff && cpu->eip == 0x2000);

    /* 32-bit: call rel32 and ret imm16. */
    core_flat32(t);
    cpu->regs[R_ESP] = 0x9000;
    CODE(t, 0x1000, 0xe8, 0xfb, 0xff, 0x00, 0x00); /* to 0x11000 */
    CODE(t, 0x11000, 0xc2, 0x08, 0x00);
    core_run(t, 0x1000, 1);
    CHECK(t, cpu->eip == 0x11000 && reg32(t, R_ESP) == 0x8ffc && rd32(t, 0x8ffc) == 0x1005);
    core_run(t, 0x11000, 1);
    CHECK(t, cpu->eip == 0x1005 && reg32(t, R_ESP) == 0x9008);

    /* A 16-bit ret in 32-bit code pops two bytes and truncates EIP. */
    cpu->regs[R_ESP] = 0x9000;
    wr32(t, 0x9000, 0xffff1234);
    CODE(t, 0x11000, 0x66, 0xc3);
    core_run(t, 0x11000, 1);
    CHECK(t, cpu->eip == 0x1234 && reg32(t, R_ESP) == 0x9002);
}

/* Near transfers past the CS limit raise #GP(0) before anything changes
 * (SDM vol. 2, JMP, CALL, RET, Jcc, LOOP). */
static void test_cs_limit(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    core_flat32(t);
    cpu_set_seg(cpu, SEG_CS, 0x08, 0, 0x1fff, CORE_CODE_ATTR(0) & ~SEG_ATTR_G);
    cpu->regs[R_ESP] = 0x9000;
    wr32(t, 0x8ffc, 0x5a5a5a5a);

    CODE(t, 0x1000, 0xe9, 0xfb, 0x0f, 0x00, 0x00); /* jmp 0x2000 */
    enum cpu_exit e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0x1000);
    CODE(t, 0x1000, 0xe9, 0xfa, 0x0f, 0x00, 0x00); /* jmp 0x1fff: the last byte */
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET && cpu->eip == 0x1fff);

    CODE(t, 0x1000, 0xe8, 0xfb, 0x0f, 0x00, 0x00); /* call 0x2000 */
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0x1000);
    CHECK(t, reg32(t, R_ESP) == 0x9000 && rd32(t, 0x8ffc) == 0x5a5a5a5a);

    CODE(t, 0x1000, 0xc2, 0x10, 0x00); /* ret 0x10 to 0x2000 */
    cpu->regs[R_ESP] = 0x8ffc;
    wr32(t, 0x8ffc, 0x2000);
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && reg32(t, R_ESP) == 0x8ffc && cpu->eip == 0x1000);

    cpu->regs[R_EAX] = 0x2000;
    CODE(t, 0x1000, 0xff, 0xe0); /* jmp eax */
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0x1000);
    CODE(t, 0x1000, 0xff, 0xd0); /* call eax */
    cpu->regs[R_ESP] = 0x9000;
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && reg32(t, R_ESP) == 0x9000);

    /* jz: only a taken branch is checked. */
    CODE(t, 0x1000, 0x0f, 0x84, 0xfa, 0x0f, 0x00, 0x00); /* jz 0x2000 */
    cpu_set_eflags(cpu, 0);
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET && cpu->eip == 0x1006);
    cpu_set_eflags(cpu, FL_ZF);
    e = core_run(t, 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0x1000);

    /* loop: ECX is not decremented when the branch faults. */
    CODE(t, 0x1ff0, 0xe2, 0x7f); /* loop 0x2071 */
    cpu->regs[R_ECX] = 5;
    e = core_run(t, 0x1ff0, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && reg32(t, R_ECX) == 5);
    cpu->regs[R_ECX] = 1;
    CHECK(t, core_run(t, 0x1ff0, 1) == CPU_EXIT_BUDGET && reg32(t, R_ECX) == 0 && cpu->eip == 0x1ff2);

    /* An instruction whose bytes run past the limit. */
    CODE(t, 0x1ffe, 0xb8, 0x01, 0x02, 0x03, 0x04);
    cpu->regs[R_EAX] = 0;
    e = core_run(t, 0x1ffe, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0x1ffe && reg32(t, R_EAX) == 0);
    CODE(t, 0x1ffe, 0x40, 0x40);
    e = core_run(t, 0x1ffe, 5);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0x2000 && reg32(t, R_EAX) == 2);

    /* Real mode: a 16-bit target wraps instead of faulting; a 32-bit one
     * past FFFF faults, and so does running off the end of the segment
     * (386 and later do not wrap a sequential IP). */
    real_segs(t);
    CODE(t, 0xfff0, 0xe9, 0x20, 0x00); /* to (0xfff3 + 0x20) & 0xffff */
    CHECK(t, core_run(t, 0xfff0, 1) == CPU_EXIT_BUDGET && cpu->eip == 0x0013);
    CODE(t, 0xfff0, 0x66, 0xe9, 0x20, 0x00, 0x00, 0x00);
    e = core_run(t, 0xfff0, 1);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0xfff0);
    CODE(t, 0xffff, 0x40); /* inc ax */
    CODE(t, 0x0000, 0x40);
    cpu->regs[R_EAX] = 0;
    e = core_run(t, 0xffff, 2);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && cpu->eip == 0x10000 && reg32(t, R_EAX) == 1);
}

/* Code that rewrites itself runs the new bytes: the decoded-instruction
 * cache is checked against memory on every hit. */
static void test_self_modifying(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;
    core_flat32(t);

    /* A loop whose second pass runs an instruction the first pass patched. */
    CODE(t, 0x1000,
         0xb8, 0x01, 0x00, 0x00, 0x00,             /* mov eax, 1 */
         0xc6, 0x05, 0x01, 0x10, 0x00, 0x00, 0x02, /* mov byte [0x1001], 2 */
         0x41,                                     /* inc ecx */
         0x83, 0xf9, 0x02,                         /* cmp ecx, 2 */
         0x75, 0xee,                               /* jne 0x1000 */
         0xf4);                                    /* hlt */
    cpu->regs[R_ECX] = 0;
    CHECK(t, core_run(t, 0x1000, 100) == CPU_EXIT_HALT);
    CHECK(t, reg32(t, R_EAX) == 2 && reg32(t, R_ECX) == 2);

    /* A change in the last byte of a 10-byte instruction. */
    CODE(t, 0x1100, 0xc7, 0x05, 0x00, 0x50, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44);
    core_run(t, 0x1100, 1);
    CHECK(t, rd32(t, 0x5000) == 0x44332211);
    CODE(t, 0x1200, 0xc6, 0x05, 0x09, 0x11, 0x00, 0x00, 0x55); /* mov byte [0x1109], 0x55 */
    core_run(t, 0x1200, 1);
    core_run(t, 0x1100, 1);
    CHECK(t, rd32(t, 0x5000) == 0x55332211);

    /* rep stosb overwriting the instruction that follows it. */
    CODE(t, 0x1300, 0xf3, 0xaa, 0x90); /* rep stosb; nop */
    cpu->regs[R_ECX] = 0;
    cpu->regs[R_EAX] = 0x40; /* inc eax */
    core_run(t, 0x1300, 2);
    CHECK(t, reg32(t, R_EAX) == 0x40 && cpu->eip == 0x1303);
    cpu->regs[R_ECX] = 1;
    cpu->regs[R_EDI] = 0x1302;
    core_run(t, 0x1300, 2);
    CHECK(t, reg32(t, R_EAX) == 0x41 && cpu->eip == 0x1303);

    /* The same bytes decode differently in 16-bit code. */
    CODE(t, 0x1400, 0xb8, 0x01, 0x00, 0x02, 0x00);
    core_run(t, 0x1400, 1);
    CHECK(t, reg32(t, R_EAX) == 0x00020001 && cpu->eip == 0x1405);
    cpu_set_seg(cpu, SEG_CS, 0x08, 0, 0xffff, CORE_CODE_ATTR(0) & ~(SEG_ATTR_DB | SEG_ATTR_G));
    cpu->regs[R_EAX] = 0xffffffff;
    core_run(t, 0x1400, 1);
    CHECK(t, reg32(t, R_EAX) == 0xffff0001 && cpu->eip == 0x1403);

    /* Under paging, a write through another linear alias of the code page. */
    core_paged(t);
    pte_set(t, LIN_TEST, 0x100000 | PG_P | PG_RW);
    pte_set(t, LIN_TEST + 0x1000, 0x100000 | PG_P | PG_RW);
    CODE(t, 0x100000, 0xb8, 0x01, 0x00, 0x00, 0x00);
    core_run(t, LIN_TEST, 1);
    CHECK(t, reg32(t, R_EAX) == 1);
    CODE(t, 0x1000, 0xc6, 0x05, 0x01, 0x10, 0x80, 0x00, 0x07); /* mov byte [LIN_TEST+0x1001], 7 */
    core_run(t, 0x1000, 1);
    CHECK(t, rd8(t, 0x100001) == 7);
    core_run(t, LIN_TEST, 1);
    CHECK(t, reg32(t, R_EAX) == 7);
}

/* Interrupt controller stand-in: one vector, the line drops on INTA. */
struct fake_pic {
    struct cpu *cpu;
    int acks;
};
static int fake_ack(void *opaque)
{
    struct fake_pic *p = opaque;
    p->acks++;
    cpu_set_intr(p->cpu, false);
    return 0x20;
}

static void test_run_loop(struct unit_machine *t)
{
    struct cpu *cpu = t->cpu;

    /* Single-step: #DB after the instruction, with EIP past it and BS set. */
    real_segs(t);
    cpu->stop_on_exception = true;
    cpu_set_eflags(cpu, FL_TF);
    cpu->regs[R_EAX] = 0;
    CODE(t, 0x1000, 0x40, 0x40);
    enum cpu_exit e = core_run(t, 0x1000, 10);
    CHECK(t, core_faulted(t, e, EXC_DB, 0) && cpu->eip == 0x1001 && reg32(t, R_EAX) == 1);
    CHECK(t, (cpu->dr[6] & (1u << 14)) != 0);
    /* POPF that sets TF traps only after the next instruction; one that
     * clears it still traps after itself. */
    cpu_set_eflags(cpu, 0);
    cpu->regs[R_ESP] = 0x100;
    wr16(t, SS_BASE + 0x100, FL_TF);
    CODE(t, 0x1000, 0x9d, 0x40); /* popf; inc ax */
    e = core_run(t, 0x1000, 10);
    CHECK(t, core_faulted(t, e, EXC_DB, 0) && cpu->eip == 0x1002);
    cpu->regs[R_ESP] = 0x100;
    wr16(t, SS_BASE + 0x100, 0);
    e = core_run(t, 0x1000, 10);
    CHECK(t, core_faulted(t, e, EXC_DB, 0) && cpu->eip == 0x1001 && !flag(t, FL_TF));

    /* Handlers through the IVT: vector 1 and 0x20 at 0:3000 (inc bx; iret). */
    real_segs(t);
    cpu->stop_on_exception = false;
    CODE(t, 0x3000, 0x43, 0xcf);
    wr16(t, 1 * 4, 0x3000);
    wr16(t, 1 * 4 + 2, 0);
    wr16(t, 0x20 * 4, 0x3000);
    wr16(t, 0x20 * 4 + 2, 0);
    cpu->regs[R_ESP] = 0x100;

    /* A debug trap after HLT resumes execution (SDM vol. 2, HLT). */
    cpu_set_eflags(cpu, FL_TF);
    cpu->regs[R_EBX] = 0;
    cpu->regs[R_ECX] = 0;
    CODE(t, 0x1000, 0xf4, 0x41); /* hlt; inc cx */
    e = core_run(t, 0x1000, 4);
    CHECK(t, e == CPU_EXIT_BUDGET && !cpu->halted);
    CHECK(t, reg32(t, R_EBX) == 1 && reg32(t, R_ECX) == 1 && cpu->eip == 0x3000);

    /* The STI shadow holds across the end of a cpu_run() budget. */
    struct fake_pic pic = { cpu, 0 };
    cpu_set_intc(cpu, &(struct cpu_intc){ fake_ack, &pic });
    cpu_set_eflags(cpu, 0);
    cpu->regs[R_ESP] = 0x100;
    cpu->regs[R_EBX] = 0;
    cpu->regs[R_ECX] = 0;
    CODE(t, 0x1000, 0xfb, 0x41, 0x41, 0xf4); /* sti; inc cx; inc cx; hlt */
    cpu_set_intr(cpu, true);
    CHECK(t, core_run(t, 0x1000, 1) == CPU_EXIT_BUDGET && cpu->eip == 0x1001);
    CHECK(t, cpu_run(cpu, 1) == CPU_EXIT_BUDGET);
    CHECK(t, pic.acks == 0 && reg32(t, R_ECX) == 1 && cpu->eip == 0x1002);
    CHECK(t, cpu_run(cpu, 1) == CPU_EXIT_BUDGET);
    CHECK(t, pic.acks == 1 && reg32(t, R_EBX) == 1 && cpu->eip == 0x3001);
    CHECK(t, rd16(t, SS_BASE + 0xfa) == 0x1002); /* the interrupted IP */

    /* The same for MOV SS. */
    cpu_set_eflags(cpu, FL_IF);
    cpu->regs[R_EAX] = SS_BASE >> 4;
    cpu->regs[R_ESP] = 0x100;
    cpu->regs[R_ECX] = 0;
    CODE(t, 0x1000, 0x8e, 0xd0, 0x41, 0x41); /* mov ss, ax; inc cx; inc cx */
    core_run(t, 0x1000, 1);
    cpu_set_intr(cpu, true);
    cpu_run(cpu, 1);
    CHECK(t, pic.acks == 1 && reg32(t, R_ECX) == 1);
    cpu_run(cpu, 1);
    CHECK(t, pic.acks == 2 && cpu->eip == 0x3001);
    cpu_set_intc(cpu, &(struct cpu_intc){ NULL, NULL });
    cpu_set_intr(cpu, false);

    /* Double fault: a #GP while delivering a #GP goes to vector 8 (SDM
     * vol. 3, 6.15, table 6-5). The IVT limit cuts off vector 13. */
    real_segs(t);
    cpu->stop_on_exception = false;
    cpu->idtr.limit = 8 * 4 + 3;
    wr16(t, 8 * 4, 0x3800);
    wr16(t, 8 * 4 + 2, 0);
    cpu->regs[R_ESP] = 0x100;
    CODE(t, 0x1000, 0xa1, 0xff, 0xff); /* mov ax, [0xffff]: #GP */
    e = core_run(t, 0x1000, 1);
    CHECK(t, e == CPU_EXIT_BUDGET && cpu->eip == 0x3800);
    CHECK(t, rd16(t, SS_BASE + 0xfa) == 0x1000 && reg32(t, R_ESP) == 0xfa);

    /* A benign exception whose delivery faults is followed by the #GP, and
     * a fault delivering the double fault shuts the CPU down. */
    cpu->idtr.limit = 3;
    cpu->regs[R_ESP] = 0x100;
    CODE(t, 0x1000, 0x0f, 0x0b); /* ud2 */
    e = core_run(t, 0x1000, 1);
    CHECK(t, e == CPU_EXIT_SHUTDOWN && cpu->halted && cpu->exc_depth_vector == -1);
    cpu->stop_on_exception = true;
}

int main(void)
{
    struct unit_machine t;
    core_init(&t);
    test_push_pop(&t);
    test_pusha_popa(&t);
    test_enter_leave(&t);
    test_strings_real(&t);
    test_strings_paged(&t);
    test_loop(&t);
    test_call_ret(&t);
    test_cs_limit(&t);
    test_self_modifying(&t);
    test_run_loop(&t);
    unit_machine_free(&t);
    return UNIT_REPORT(&t);
}
