/*
 * Unit tests for segmentation, far transfers and interrupt delivery:
 * segment loads and their faults, call gates with a stack switch, interrupt
 * and trap gates, RF in the EFLAGS image of handlers, IRET between
 * privilege levels, virtual-8086 entry and exit, and real-mode interrupts.
 */
#include "system_harness.h"

static void test_seg_cache(struct unit_machine *h)
{
    struct seg_cache s;
    seg_cache_set(&s, SEL_EXPDOWN, 0, 0x0fff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_DC);
    CHECK(h, s.lo == 0x1000 && s.hi == 0xffff && s.acc == (SEG_ACC_READ | SEG_ACC_WRITE));
    seg_cache_set(&s, 8, 0, 0x0fff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_DC | SEG_ATTR_DB);
    CHECK(h, s.lo == 0x1000 && s.hi == 0xffffffffu && s.acc == SEG_ACC_READ);
    seg_cache_set(&s, 8, 0, 0xffffffffu, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_DC | SEG_ATTR_DB);
    CHECK(h, s.lo > s.hi);
    seg_cache_set(&s, 8, 0, 0xffff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE);
    CHECK(h, s.acc == 0);
    seg_cache_set(&s, 8, 0, 0xffff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW);
    CHECK(h, s.acc == SEG_ACC_READ && s.lo == 0 && s.hi == 0xffff);
    seg_cache_set(&s, 3, 0, 0, 0);
    CHECK(h, s.acc == 0);
}

static void test_seg_load(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;

    CHECK(h, TRY(h, seg_load(cpu, SEG_DS, 0)) == -1);
    CHECK(h, TRY(h, vread(cpu, SEG_DS, 0, 4)) == EXC_GP && ERR(h) == 0);
    CHECK(h, TRY(h, seg_load(cpu, SEG_SS, 0)) == EXC_GP && ERR(h) == 0);
    CHECK(h, TRY(h, seg_load(cpu, SEG_SS, SEL_DATA3)) == EXC_GP && ERR(h) == (SEL_DATA3 & 0xfffc));
    CHECK(h, TRY(h, seg_load(cpu, SEG_SS, SEL_DATA1)) == EXC_GP && ERR(h) == (SEL_DATA1 & 0xfffc));
    CHECK(h, TRY(h, seg_load(cpu, SEG_DS, SEL_NOTPRESENT)) == EXC_NP && ERR(h) == SEL_NOTPRESENT);
    CHECK(h, TRY(h, seg_load(cpu, SEG_ES, 0x200)) == EXC_GP && ERR(h) == 0x200);
    CHECK(h, TRY(h, seg_load(cpu, SEG_ES, 0x204)) == EXC_GP && ERR(h) == 0x204); /* no LDT */
    CHECK(h, TRY(h, seg_load(cpu, SEG_DS, SEL_CODE0_XO)) == EXC_GP && ERR(h) == SEL_CODE0_XO);

    /* A readable code segment can be read, never written. */
    CHECK(h, TRY(h, seg_load(cpu, SEG_FS, SEL_CODE0)) == -1);
    CHECK(h, TRY(h, vread(cpu, SEG_FS, 0x100, 4)) == -1);
    CHECK(h, TRY(h, vwrite(cpu, SEG_FS, 0x100, 1, 4)) == EXC_GP && ERR(h) == 0);

    /* The accessed bit is set in the GDT on load. */
    CHECK(h, !(gdt_hi(h, SEL_DATA1) & 0x100));
    CHECK(h, TRY(h, seg_load(cpu, SEG_GS, SEL_DATA1)) == -1);
    CHECK(h, (gdt_hi(h, SEL_DATA1) & 0x100) && (cpu->seg[SEG_GS].attr & SEG_TYPE_ACCESSED));

    /* Expand-down: offsets up to the limit fault, above it are valid. */
    CHECK(h, TRY(h, seg_load(cpu, SEG_ES, SEL_EXPDOWN)) == -1);
    CHECK(h, TRY(h, vread(cpu, SEG_ES, 0x0fff, 1)) == EXC_GP);
    CHECK(h, TRY(h, vread(cpu, SEG_ES, 0x0ffe, 4)) == EXC_GP);
    CHECK(h, TRY(h, vwrite(cpu, SEG_ES, 0x1000, 7, 4)) == -1);
    CHECK(h, TRY(h, vread(cpu, SEG_ES, 0xfffe, 4)) == EXC_GP);

    /* A stack access outside SS is #SS(0). */
    cpu_set_seg(cpu, SEG_SS, SEL_DATA0, 0, 0xfff, A_DATA(0) & ~SEG_ATTR_G);
    CHECK(h, TRY(h, vread(cpu, SEG_SS, 0x1000, 2)) == EXC_SS && ERR(h) == 0);
    set_ring(h, 0);

    /* Ring 3 may not load a ring 0 data segment or use RPL to sneak in. */
    set_ring(h, 3);
    CHECK(h, cpu->cpl == 3);
    CHECK(h, TRY(h, seg_load(cpu, SEG_DS, SEL_DATA0)) == EXC_GP && ERR(h) == SEL_DATA0);
    CHECK(h, TRY(h, seg_load(cpu, SEG_DS, SEL_DATA0 | 3)) == EXC_GP && ERR(h) == SEL_DATA0);
    CHECK(h, TRY(h, seg_load(cpu, SEG_DS, SEL_CONFORMING | 3)) == -1);
    set_ring(h, 0);
}

/* CALL through a 32-bit call gate from ring 3 to ring 0, copying two
 * parameters, then RET 8 back. */
static void test_call_gate(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    set_ring(h, 3);
    cpu->regs[R_ESP] = STACK3_TOP - 8;
    wr32(h, STACK3_TOP - 8, 0x11111111);
    wr32(h, STACK3_TOP - 4, 0x22222222);
    cpu->eip = 0x401234;

    CHECK(h, TRY(h, far_call(cpu, SEL_CALLGATE, 0xdeadbeef, 2)) == -1);
    uint32_t esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, cpu->cpl == 0 && cpu->seg[SEG_CS].sel == SEL_CODE0 && cpu->eip == 0x7000);
    CHECK(h, cpu->seg[SEG_SS].sel == SEL_DATA0 && esp == STACK0_TOP - 24);
    CHECK(h, rd32(h, esp) == 0x401234 && rd32(h, esp + 4) == SEL_CODE3);
    CHECK(h, rd32(h, esp + 8) == 0x11111111 && rd32(h, esp + 12) == 0x22222222);
    CHECK(h, rd32(h, esp + 16) == STACK3_TOP - 8 && rd32(h, esp + 20) == SEL_DATA3);

    /* A ring 0 data segment does not survive the return to ring 3. */
    CHECK(h, TRY(h, seg_load(cpu, SEG_DS, SEL_DATA0)) == -1);
    CHECK(h, TRY(h, far_return(cpu, 4, 8)) == -1);
    CHECK(h, cpu->cpl == 3 && cpu->seg[SEG_CS].sel == SEL_CODE3 && cpu->eip == 0x401234);
    CHECK(h, cpu->seg[SEG_SS].sel == SEL_DATA3 && (uint32_t)cpu->regs[R_ESP] == STACK3_TOP);
    CHECK(h, cpu->seg[SEG_DS].sel == 0 && cpu->seg[SEG_DS].acc == 0);
    CHECK(h, cpu->seg[SEG_ES].sel == SEL_DATA3);

    /* A 16-bit gate pushes words and copies one word parameter. */
    cpu->regs[R_ESP] = STACK3_TOP - 2;
    wr16(h, STACK3_TOP - 2, 0xabcd);
    cpu->eip = 0x1234;
    CHECK(h, TRY(h, far_call(cpu, SEL_CALLGATE16, 0, 4)) == -1);
    esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, cpu->cpl == 0 && cpu->eip == 0x7100 && esp == STACK0_TOP - 10);
    CHECK(h, rd16(h, esp) == 0x1234 && rd16(h, esp + 2) == SEL_CODE3 && rd16(h, esp + 4) == 0xabcd);
    CHECK(h, rd16(h, esp + 6) == ((STACK3_TOP - 2) & 0xffff) && rd16(h, esp + 8) == SEL_DATA3);
    CHECK(h, TRY(h, far_return(cpu, 2, 2)) == -1);
    CHECK(h, cpu->cpl == 3 && cpu->eip == 0x1234 && (uint32_t)cpu->regs[R_ESP] == STACK3_TOP);

    /* Faults: a direct call to ring 0 code, a JMP through the gate (no
     * privilege change allowed), and bad stacks in the TSS. */
    set_ring(h, 3);
    CHECK(h, TRY(h, far_call(cpu, SEL_CODE0, 0, 4)) == EXC_GP && ERR(h) == SEL_CODE0);
    CHECK(h, TRY(h, far_jump(cpu, SEL_CALLGATE, 0, 4)) == EXC_GP && ERR(h) == SEL_CODE0);
    CHECK(h, TRY(h, far_call(cpu, SEL_DATA3, 0, 4)) == EXC_GP && ERR(h) == (SEL_DATA3 & 0xfffc));
    CHECK(h, TRY(h, far_call(cpu, 0, 0, 4)) == EXC_GP && ERR(h) == 0);
    wr16(h, TSS_BASE + 8, 0);
    CHECK(h, TRY(h, far_call(cpu, SEL_CALLGATE, 0, 4)) == EXC_TS && ERR(h) == 0);
    wr16(h, TSS_BASE + 8, SEL_DATA3);
    CHECK(h, TRY(h, far_call(cpu, SEL_CALLGATE, 0, 4)) == EXC_TS && ERR(h) == (SEL_DATA3 & 0xfffc));
    wr16(h, TSS_BASE + 8, SEL_DATA0 | 3);
    CHECK(h, TRY(h, far_call(cpu, SEL_CALLGATE, 0, 4)) == EXC_TS && ERR(h) == SEL_DATA0);
    wr16(h, TSS_BASE + 8, SEL_NOTPRESENT);
    CHECK(h, TRY(h, far_call(cpu, SEL_CALLGATE, 0, 4)) == EXC_SS && ERR(h) == SEL_NOTPRESENT);
    /* An expand-down stack valid from 0x1000 up has no room for 24 bytes
     * below 0x1008. */
    put_desc(h, GDT_BASE, SEL_NOTPRESENT, 0, 0xfff, (A_DATA(0) & ~SEG_ATTR_G) | SEG_TYPE_DC);
    wr32(h, TSS_BASE + 4, 0x1008);
    CHECK(h, TRY(h, far_call(cpu, SEL_CALLGATE, 0, 4)) == EXC_SS && ERR(h) == SEL_NOTPRESENT);
    CHECK(h, cpu->cpl == 3 && (uint32_t)cpu->regs[R_ESP] == STACK3_TOP);
    put_desc(h, GDT_BASE, SEL_NOTPRESENT, 0, 0xfffff, A_DATA(0) & ~SEG_ATTR_P);
    wr16(h, TSS_BASE + 8, SEL_DATA0);
    wr32(h, TSS_BASE + 4, STACK0_TOP);

    /* Same-privilege far CALL and RET at ring 0, 16-bit operand size. */
    set_ring(h, 0);
    cpu->eip = 0x5555;
    CHECK(h, TRY(h, far_call(cpu, SEL_CONFORMING, 0x12345678, 2)) == -1);
    CHECK(h, cpu->eip == 0x5678 && cpu->seg[SEG_CS].sel == SEL_CONFORMING);
    CHECK(h, (uint32_t)cpu->regs[R_ESP] == STACK0_TOP - 4 && rd16(h, STACK0_TOP - 4) == 0x5555);
    CHECK(h, TRY(h, far_return(cpu, 2, 0)) == -1);
    CHECK(h, cpu->eip == 0x5555 && cpu->seg[SEG_CS].sel == SEL_CODE0 && cpu->cpl == 0);
}

/* Interrupt and trap gates from ring 3, error codes, IRET back. */
static void test_interrupt_gates(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    put_idt_gate(h, 0x80, SEL_CODE0, 0x7200, DESC_INT32, 3);
    put_idt_gate(h, 0x81, SEL_CODE0, 0x7300, DESC_TRAP32, 0);
    put_idt_gate(h, EXC_GP, SEL_CODE0, 0x7400, DESC_INT32, 0);
    put_idt_gate(h, 0x82, SEL_CODE16, 0x7500, DESC_INT16, 0);
    put_idt_gate(h, 0x83, SEL_CODE3, 0x7600, DESC_INT32, 3);

    set_ring(h, 3);
    cpu_set_eflags(cpu, FL_IF | FL_TF | FL_CF);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x80, INTR_SOFTWARE, false, 0, 0x401002)) == -1);
    uint32_t esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, cpu->cpl == 0 && cpu->eip == 0x7200 && esp == STACK0_TOP - 20);
    CHECK(h, !(cpu->eflags & (FL_IF | FL_TF)));
    CHECK(h, rd32(h, esp) == 0x401002 && rd32(h, esp + 4) == SEL_CODE3);
    CHECK(h, rd32(h, esp + 8) == (FL_IF | FL_TF | FL_CF | 2));
    CHECK(h, rd32(h, esp + 12) == STACK3_TOP && rd32(h, esp + 16) == SEL_DATA3);
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1);
    CHECK(h, cpu->cpl == 3 && cpu->eip == 0x401002 && (uint32_t)cpu->regs[R_ESP] == STACK3_TOP);
    CHECK(h, cpu_get_eflags(cpu) == (FL_IF | FL_TF | FL_CF | 2));

    /* Gate DPL 0: INT n from ring 3 faults, an external interrupt does not;
     * a trap gate leaves IF set. */
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x81, INTR_SOFTWARE, false, 0, 0)) == EXC_GP &&
                 ERR(h) == 0x81 * 8 + 2);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x81, INTR_EXTERNAL, false, 0, 0x401000)) == -1);
    CHECK(h, cpu->eip == 0x7300 && (cpu->eflags & FL_IF) && cpu->cpl == 0);

    /* An exception with an error code, from ring 3. */
    set_ring(h, 3);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, EXC_GP, INTR_EXCEPTION, true, 0x1234, 0x401005)) == -1);
    esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, esp == STACK0_TOP - 24 && rd32(h, esp) == 0x1234 && rd32(h, esp + 4) == 0x401005);

    /* EXT and IDT bits in the error codes of delivery faults: an absent
     * gate, then one that is not present. */
    set_ring(h, 3);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x90, INTR_EXTERNAL, false, 0, 0)) == EXC_GP &&
                 ERR(h) == 0x90 * 8 + 3);
    put_idt_gate(h, 0x90, SEL_CODE0, 0, DESC_INT32, 3);
    wr32(h, IDT_BASE + 0x90 * 8 + 4, rd32(h, IDT_BASE + 0x90 * 8 + 4) & ~0x8000u);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x90, INTR_EXTERNAL, false, 0, 0)) == EXC_NP &&
                 ERR(h) == 0x90 * 8 + 3);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x90, INTR_ICEBP, false, 0, 0)) == EXC_NP &&
                 ERR(h) == 0x90 * 8 + 3);
    put_idt_gate(h, 0x90, SEL_CODE0, 0, DESC_INT32, 3);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x90, INTR_SOFTWARE, false, 0, 0)) == -1);
    set_ring(h, 3);
    cpu->idtr.limit = 0x80 * 8 + 7;
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x81, INTR_EXCEPTION, false, 0, 0)) == EXC_GP &&
                 ERR(h) == 0x81 * 8 + 3);
    cpu->idtr.limit = 256 * 8 - 1;
    /* A gate to ring 3 code from ring 3 stays on the same stack. */
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x83, INTR_SOFTWARE, false, 0, 0x10)) == -1);
    CHECK(h, cpu->cpl == 3 && (uint32_t)cpu->regs[R_ESP] == STACK3_TOP - 12);
    /* A gate to code less privileged than CPL is #GP(selector + EXT). */
    set_ring(h, 0);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x83, INTR_EXTERNAL, false, 0, 0)) == EXC_GP &&
                 ERR(h) == (SEL_CODE3 & 0xfffc) + 1);

    /* A 16-bit gate at the same privilege pushes words, error code too. */
    set_ring(h, 0);
    cpu->eip = 0;
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x82, INTR_EXCEPTION, true, 0xbeef, 0x12345)) == -1);
    esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, esp == STACK0_TOP - 8 && rd16(h, esp) == 0xbeef && rd16(h, esp + 2) == 0x2345);
    CHECK(h, rd16(h, esp + 4) == SEL_CODE0 && cpu->eip == 0x7500);
    CHECK(h, !(cpu->seg[SEG_CS].attr & SEG_ATTR_DB));

    /* IRET from ring 3 cannot raise IOPL or set IF when CPL > IOPL. */
    set_ring(h, 3);
    cpu_set_eflags(cpu, 0);
    cpu->regs[R_ESP] = STACK3_TOP - 12;
    wr32(h, STACK3_TOP - 12, 0x400000);
    wr32(h, STACK3_TOP - 8, SEL_CODE3);
    wr32(h, STACK3_TOP - 4, FL_IOPL | FL_IF | FL_ZF);
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1);
    CHECK(h, cpu_get_eflags(cpu) == (FL_ZF | 2) && cpu->eip == 0x400000);
    /* ... nor return to ring 0. */
    cpu->regs[R_ESP] = STACK3_TOP - 12;
    wr32(h, STACK3_TOP - 8, SEL_CODE0);
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == EXC_GP && ERR(h) == SEL_CODE0);
}

/* Deliver an event at CPL 0 through a 32-bit interrupt gate with the live
 * EFLAGS given; return the EFLAGS image the handler finds on its stack. */
static uint32_t pushed_eflags(struct unit_machine *h, int vector, enum intr_kind kind,
                              uint32_t live)
{
    struct cpu *cpu = h->cpu;
    set_ring(h, 0);
    put_idt_gate(h, vector, SEL_CODE0, 0x7a00, DESC_INT32, 0);
    cpu_set_eflags(cpu, live);
    bool error = kind == INTR_EXCEPTION && exc_has_error_code(vector);
    if (TRY(h, cpu_deliver_interrupt(cpu, vector, kind, error, 0, 0x6000)) != -1)
        return 0xdeadbeef;
    uint32_t esp = (uint32_t)cpu->regs[R_ESP];
    return rd32(h, esp + (error ? 12 : 8));
}

/* RF in the EFLAGS image of an event handler (SDM vol. 3, 17.3.1.1). */
static void test_resume_flag(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    uint8_t idt[256 * 8];
    mem_read_block(h->mem, IDT_BASE, idt, sizeof(idt));

    /* Faults push RF set, and the gate clears the live flag. */
    static const int faults[] = { EXC_DE, EXC_BR, EXC_UD, EXC_NM, EXC_TS, EXC_NP,
                                  EXC_SS, EXC_GP, EXC_PF, EXC_MF, EXC_AC };
    for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        uint32_t image = pushed_eflags(h, faults[i], INTR_EXCEPTION, FL_CF);
        CHECK(h, image == (FL_RF | FL_CF | 2) && !(cpu->eflags & FL_RF));
    }
    /* IRET takes RF back from the image, to restart the instruction. */
    cpu->regs[R_ESP] += 4; /* #AC's error code */
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1 && cpu->eip == 0x6000);
    CHECK(h, cpu_get_eflags(cpu) == (FL_RF | FL_CF | 2));

    /* Traps, aborts and external interrupts push RF as it is: set after an
     * IRET that loaded it, clear otherwise. */
    static const int as_is[] = { EXC_DB, EXC_DF };
    for (unsigned i = 0; i < sizeof(as_is) / sizeof(as_is[0]); i++) {
        CHECK(h, pushed_eflags(h, as_is[i], INTR_EXCEPTION, 0) == 2);
        CHECK(h, pushed_eflags(h, as_is[i], INTR_EXCEPTION, FL_RF) == (FL_RF | 2));
    }
    CHECK(h, pushed_eflags(h, 0x40, INTR_EXTERNAL, FL_RF) == (FL_RF | 2));
    CHECK(h, pushed_eflags(h, 0x40, INTR_EXTERNAL, 0) == 2);
    /* An external interrupt on a fault's vector is no fault. */
    CHECK(h, pushed_eflags(h, EXC_PF, INTR_EXTERNAL, 0) == 2);
    /* INT n, INT3, INTO and INT1 clear RF as they begin. */
    CHECK(h, pushed_eflags(h, 0x40, INTR_SOFTWARE, FL_RF) == 2);
    CHECK(h, pushed_eflags(h, EXC_BP, INTR_SOFTWARE, FL_RF) == 2);
    CHECK(h, pushed_eflags(h, EXC_GP, INTR_SOFTWARE, FL_RF) == 2);
    CHECK(h, pushed_eflags(h, EXC_DB, INTR_ICEBP, FL_RF) == 2);
    CHECK(h, !(cpu->eflags & FL_RF));

    /* Through the run loop: UD2 faults with RF set in the image. */
    set_ring(h, 0);
    put_idt_gate(h, EXC_UD, SEL_CODE0, 0x7a00, DESC_INT32, 0);
    put_idt_gate(h, EXC_DB, SEL_CODE0, 0x7b00, DESC_INT32, 0);
    wr8(h, 0x6000, 0x0f);
    wr8(h, 0x6001, 0x0b);
    cpu->eip = 0x6000;
    cpu_set_eflags(cpu, 0);
    CHECK(h, cpu_run(cpu, 1) == CPU_EXIT_BUDGET && cpu->eip == 0x7a00);
    uint32_t esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, rd32(h, esp) == 0x6000 && rd32(h, esp + 8) == (FL_RF | 2));
    /* ... and a single-step trap after a NOP pushes RF clear. */
    set_ring(h, 0);
    wr8(h, 0x6000, 0x90);
    cpu->eip = 0x6000;
    cpu_set_eflags(cpu, FL_TF);
    CHECK(h, cpu_run(cpu, 1) == CPU_EXIT_BUDGET && cpu->eip == 0x7b00);
    esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, rd32(h, esp) == 0x6001 && rd32(h, esp + 8) == (FL_TF | 2));
    cpu->dr[6] = 0xffff0ff0u;
    cpu_set_eflags(cpu, 0);
    set_ring(h, 0);
    cpu->eip = 0x6000;
    mem_write_block(h->mem, IDT_BASE, idt, sizeof(idt));
}

/* IRET from ring 0 into a V86 task, INT n and an exception back to ring 0,
 * and the IOPL-sensitive instructions. */
static void test_v86(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    static const uint32_t frame[9] = { 0x100, 0x2000, FL_VM | FL_IF | FL_IOPL | 2, 0xfffe,
                                       0x3000, 0x4000, 0x5000, 0x6000, 0x7000 };
    set_ring(h, 0);
    cpu->regs[R_ESP] = STACK0_TOP - 36;
    for (unsigned i = 0; i < 9; i++)
        wr32(h, STACK0_TOP - 36 + 4 * i, frame[i]);
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1);
    CHECK(h, cpu_v86(cpu) && cpu->cpl == 3 && cpu->eip == 0x100);
    CHECK(h, cpu->seg[SEG_CS].base == 0x20000 && cpu->seg[SEG_SS].base == 0x30000);
    CHECK(h, cpu->seg[SEG_ES].base == 0x40000 && cpu->seg[SEG_DS].base == 0x50000);
    CHECK(h, cpu->seg[SEG_FS].base == 0x60000 && cpu->seg[SEG_GS].base == 0x70000);
    CHECK(h, cpu->seg[SEG_DS].limit == 0xffff && attr_dpl(cpu->seg[SEG_DS].attr) == 3);
    CHECK(h, (uint32_t)cpu->regs[R_ESP] == 0xfffe);
    /* V86 code may write through CS. */
    CHECK(h, TRY(h, vwrite(cpu, SEG_CS, 0x10, 0x5a, 1)) == -1 && rd16(h, 0x20010) == 0x5a);

    put_idt_gate(h, 0x10, SEL_CODE0, 0x7700, DESC_INT32, 3);
    struct insn in = insn_reg(0, 0, 2);
    in.imm = 0x10;
    cpu->eip = 0x102;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == -1);
    uint32_t esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, !cpu_v86(cpu) && cpu->cpl == 0 && cpu->eip == 0x7700 && esp == STACK0_TOP - 36);
    CHECK(h, rd32(h, esp) == 0x102 && rd32(h, esp + 4) == 0x2000);
    CHECK(h, rd32(h, esp + 8) == (FL_VM | FL_IF | FL_IOPL | 2));
    CHECK(h, rd32(h, esp + 12) == 0xfffe && rd32(h, esp + 16) == 0x3000);
    CHECK(h, rd32(h, esp + 20) == 0x4000 && rd32(h, esp + 32) == 0x7000);
    CHECK(h, cpu->seg[SEG_DS].sel == 0 && cpu->seg[SEG_DS].acc == 0 && cpu->seg[SEG_GS].acc == 0);
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1);
    CHECK(h, cpu_v86(cpu) && cpu->eip == 0x102 && cpu->seg[SEG_DS].base == 0x50000);

    /* IOPL-sensitive instructions with IOPL 0 trap to the monitor. */
    cpu->eflags &= ~FL_IOPL;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == EXC_GP && ERR(h) == 0);
    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, exec_PUSHF(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, interrupt_return(cpu, 2)) == EXC_GP);
    /* INT3 is not IOPL-sensitive: it reaches the IDT, which has no gate. */
    CHECK(h, TRY(h, exec_INT3(cpu, &in)) == EXC_GP && ERR(h) == 3 * 8 + 2);

    /* An exception from V86 pushes its error code after the V86 frame. */
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, EXC_GP, INTR_EXCEPTION, true, 0, 0x104)) == -1);
    esp = (uint32_t)cpu->regs[R_ESP];
    CHECK(h, esp == STACK0_TOP - 40 && rd32(h, esp + 4) == 0x104 && cpu->eip == 0x7400);

    /* The handler must be ring 0 code. */
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == EXC_GP); /* error code still on the stack */
    cpu->regs[R_ESP] = esp + 4;
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1 && cpu_v86(cpu));
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x83, INTR_EXTERNAL, false, 0, 0)) == EXC_GP &&
                 ERR(h) == (SEL_CODE3 & 0xfffc) + 1);
    CHECK(h, TRY(h, exec_HLT(cpu, &in)) == EXC_GP);
    set_ring(h, 0);
    cpu_set_eflags(cpu, 0);
}

static void test_real_mode(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(0, 0, 4);
    cpu_set_eflags(cpu, 0);
    set_ring(h, 0);
    cpu->regs[R_EAX] = CR0_ET;
    in.reg = 0;
    in.rm = R_EAX;
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == -1);
    CHECK(h, !cpu_protected(cpu) && cpu->cpl == 0);

    /* Unreal mode: a real-mode load keeps the 4 GiB limit cached in
     * protected mode; CS becomes writable. */
    CHECK(h, TRY(h, seg_load(cpu, SEG_DS, 0x1000)) == -1);
    CHECK(h, cpu->seg[SEG_DS].base == 0x10000 && cpu->seg[SEG_DS].limit == 0xffffffffu);
    CHECK(h, TRY(h, vwrite(cpu, SEG_CS, 0x8000, 0x99, 1)) == -1);

    cpu_load_seg_real(cpu, SEG_CS, 0x1000);
    cpu_load_seg_real(cpu, SEG_SS, 0x2000);
    cpu->regs[R_ESP] = 0x100;
    cpu->idtr = (struct dtable){ 0, 0x3ff };
    wr16(h, 0x21 * 4, 0x0010);
    wr16(h, 0x21 * 4 + 2, 0x3000);
    cpu_set_eflags(cpu, FL_IF | FL_TF | FL_AC | FL_CF);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x21, INTR_SOFTWARE, false, 0, 0x42)) == -1);
    CHECK(h, cpu->seg[SEG_CS].sel == 0x3000 && cpu->seg[SEG_CS].base == 0x30000 && cpu->eip == 0x10);
    CHECK(h, !(cpu->eflags & (FL_IF | FL_TF | FL_AC)) && (uint32_t)cpu->regs[R_ESP] == 0xfa);
    CHECK(h, rd16(h, 0x200fa) == 0x42 && rd16(h, 0x200fc) == 0x1000);
    CHECK(h, rd16(h, 0x200fe) == ((FL_IF | FL_TF | FL_CF | 2) & 0xffff));
    CHECK(h, TRY(h, interrupt_return(cpu, 2)) == -1);
    CHECK(h, cpu->seg[SEG_CS].sel == 0x1000 && cpu->eip == 0x42 && (uint32_t)cpu->regs[R_ESP] == 0x100);
    /* AC, cleared on entry, is beyond the reach of a 16-bit IRET. */
    CHECK(h, cpu_get_eflags(cpu) == (FL_IF | FL_TF | FL_CF | 2));

    /* The IVT limit is checked; a far CALL/RET pair round-trips. */
    cpu->idtr.limit = 0x21 * 4 + 2;
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x21, INTR_SOFTWARE, false, 0, 0)) == EXC_GP);
    cpu->eip = 0x77;
    CHECK(h, TRY(h, far_call(cpu, 0x4000, 0x20, 2)) == -1);
    CHECK(h, cpu->seg[SEG_CS].base == 0x40000 && cpu->eip == 0x20 && (uint32_t)cpu->regs[R_ESP] == 0xfc);
    CHECK(h, TRY(h, far_return(cpu, 2, 0)) == -1);
    CHECK(h, cpu->seg[SEG_CS].sel == 0x1000 && cpu->eip == 0x77 && (uint32_t)cpu->regs[R_ESP] == 0x100);
    CHECK(h, TRY(h, far_jump(cpu, 0x5000, 0x10000, 4)) == EXC_GP);
}

int main(void)
{
    struct unit_machine h;
    harness_init(&h);
    test_seg_cache(&h);
    test_seg_load(&h);
    test_call_gate(&h);
    test_interrupt_gates(&h);
    test_resume_flag(&h);
    test_v86(&h);
    test_real_mode(&h);
    unit_machine_free(&h);
    return UNIT_REPORT(&h);
}
