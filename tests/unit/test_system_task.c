/*
 * Unit tests for task switches, the I/O permission check, the flag and
 * system instructions, CPUID and the MSRs.
 */
#include "system_harness.h"

/* A ring 0 task in TSS2 that starts at 0x8000 with recognisable registers. */
static void build_tss2(struct unit_machine *h, uint16_t cs, uint16_t ldt)
{
    for (uint32_t i = 0; i < 0x68; i += 4)
        wr32(h, TSS2_BASE + i, 0);
    wr32(h, TSS2_BASE + 0x20, 0x8000);
    wr32(h, TSS2_BASE + 0x24, FL_IF | 2);
    for (unsigned i = 0; i < 8; i++)
        wr32(h, TSS2_BASE + 0x28 + 4 * i, i == R_ESP ? 0x8800 : i + 1);
    for (unsigned i = 0; i < SEG_COUNT; i++)
        wr16(h, TSS2_BASE + 0x48 + 4 * i, i == SEG_CS ? cs : SEL_DATA0);
    wr16(h, TSS2_BASE + 0x60, ldt);
}

static unsigned gdt_type(struct unit_machine *h, uint16_t sel)
{
    return (gdt_hi(h, sel) >> 8) & 0xf;
}

static void test_task_switch(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    set_ring(h, 0);
    build_tss2(h, SEL_CODE0, SEL_LDT);
    for (unsigned i = 0; i < 8; i++)
        cpu->regs[i] = 0x100 + i;
    cpu->regs[R_ESP] = STACK0_TOP;
    cpu->eip = 0x6000;
    cpu_set_eflags(cpu, FL_CF);
    cpu->cr0 &= ~CR0_TS;

    /* JMP: the old TSS is saved and freed, the new one loaded and busy. */
    CHECK(h, TRY(h, far_jump(cpu, SEL_TSS2, 0, 4)) == -1);
    CHECK(h, cpu->tr.sel == SEL_TSS2 && cpu->eip == 0x8000 && cpu->regs[R_EAX] == 1);
    CHECK(h, cpu->regs[R_ESP] == 0x8800 && cpu->regs[R_EDI] == 8 && (cpu->cr0 & CR0_TS));
    CHECK(h, cpu_get_eflags(cpu) == (FL_IF | 2) && cpu->ldtr.sel == SEL_LDT);
    CHECK(h, cpu->seg[SEG_CS].sel == SEL_CODE0 && cpu->seg[SEG_DS].sel == SEL_DATA0);
    CHECK(h, gdt_type(h, SEL_TSS) == DESC_TSS32_AVAIL && gdt_type(h, SEL_TSS2) == DESC_TSS32_BUSY);
    CHECK(h, rd32(h, TSS_BASE + 0x20) == 0x6000 && rd32(h, TSS_BASE + 0x28) == 0x100);
    CHECK(h, rd32(h, TSS_BASE + 0x38) == STACK0_TOP && rd32(h, TSS_BASE + 0x24) == (FL_CF | 2));
    CHECK(h, rd16(h, TSS_BASE + 0x4c) == SEL_CODE0);
    /* Jumping to the busy current task is refused. */
    CHECK(h, TRY(h, far_jump(cpu, SEL_TSS2, 0, 4)) == EXC_GP && ERR(h) == SEL_TSS2);

    /* CALL back to the first task nests: NT and the back link. */
    cpu->eip = 0x8010;
    CHECK(h, TRY(h, far_call(cpu, SEL_TSS, 0, 4)) == -1);
    CHECK(h, cpu->tr.sel == SEL_TSS && cpu->eip == 0x6000 && cpu->regs[R_EAX] == 0x100);
    CHECK(h, (cpu->eflags & FL_NT) && rd16(h, TSS_BASE) == SEL_TSS2);
    CHECK(h, gdt_type(h, SEL_TSS) == DESC_TSS32_BUSY && gdt_type(h, SEL_TSS2) == DESC_TSS32_BUSY);

    /* IRET with NT returns through the back link and frees this task. */
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1);
    CHECK(h, cpu->tr.sel == SEL_TSS2 && cpu->eip == 0x8010 && !(cpu->eflags & FL_NT));
    CHECK(h, gdt_type(h, SEL_TSS) == DESC_TSS32_AVAIL && !(rd32(h, TSS_BASE + 0x24) & FL_NT));

    /* An interrupt through a task gate pushes its error code on the new
     * task's stack. */
    put_idt_gate(h, EXC_TS, SEL_TSS, 0, DESC_TASK_GATE, 0);
    wr32(h, TSS_BASE + 0x20, 0x6100);
    wr32(h, TSS_BASE + 0x38, STACK0_TOP);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, EXC_TS, INTR_EXCEPTION, true, 0x44, 0x8020)) == -1);
    CHECK(h, cpu->tr.sel == SEL_TSS && cpu->eip == 0x6100 && (cpu->eflags & FL_NT));
    CHECK(h, (uint32_t)cpu->regs[R_ESP] == STACK0_TOP - 4 && rd32(h, STACK0_TOP - 4) == 0x44);
    CHECK(h, rd32(h, TSS2_BASE + 0x20) == 0x8020);
    /* A fault's EFLAGS image, saved in the outgoing TSS, has RF set
     * (SDM vol. 3, 17.3.1.1); the IRET back takes it from there. */
    CHECK(h, rd32(h, TSS2_BASE + 0x24) == (FL_RF | FL_IF | 2));
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1 && cpu->tr.sel == SEL_TSS2);
    CHECK(h, cpu->eip == 0x8020 && cpu_get_eflags(cpu) == (FL_RF | FL_IF | 2));

    /* INT n through the task gate clears RF in the saved image. */
    wr32(h, TSS_BASE + 0x20, 0x6100);
    wr32(h, TSS_BASE + 0x38, STACK0_TOP);
    put_idt_gate(h, 0x41, SEL_TSS, 0, DESC_TASK_GATE, 0);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, 0x41, INTR_SOFTWARE, false, 0, 0x8030)) == -1);
    CHECK(h, cpu->tr.sel == SEL_TSS && rd32(h, TSS2_BASE + 0x24) == (FL_IF | 2));
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1 && cpu->tr.sel == SEL_TSS2);
    CHECK(h, cpu->eip == 0x8030 && cpu_get_eflags(cpu) == (FL_IF | 2));

    /* A bad CS in the new TSS faults after the commit, in the new task. */
    build_tss2(h, SEL_DATA0, 0);
    put_desc(h, GDT_BASE, SEL_TSS2, TSS2_BASE, 0x67, SEG_ATTR_P | DESC_TSS32_AVAIL);
    seg_cache_set(&cpu->tr, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_BUSY);
    put_desc(h, GDT_BASE, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_BUSY);
    set_ring(h, 0);
    CHECK(h, TRY(h, far_jump(cpu, SEL_TSS2, 0, 4)) == EXC_TS && ERR(h) == SEL_DATA0);
    CHECK(h, cpu->tr.sel == SEL_TSS2 && cpu->insn_eip == 0x8000 && cpu->insn_esp == 0x8800);

    /* A V86 task whose LDT selector is bad faults at CPL 3 with its V86
     * segments already in place. */
    put_desc(h, GDT_BASE, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_AVAIL);
    wr32(h, TSS_BASE + 0x24, FL_VM | 2);
    for (unsigned i = 0; i < SEG_COUNT; i++)
        wr16(h, TSS_BASE + 0x48 + 4 * i, (uint16_t)(0x1000 * (i + 1)));
    wr16(h, TSS_BASE + 0x60, 0x0004);
    CHECK(h, TRY(h, far_jump(cpu, SEL_TSS, 0, 4)) == EXC_TS && ERR(h) == 4);
    CHECK(h, cpu_v86(cpu) && cpu->cpl == 3 && cpu->tr.sel == SEL_TSS);
    CHECK(h, cpu->seg[SEG_DS].base == 0x40000 && cpu->seg[SEG_CS].base == 0x20000);
    wr16(h, TSS_BASE + 0x60, 0);
    cpu_set_eflags(cpu, 0);
    seg_cache_set(&cpu->tr, SEL_TSS2, TSS2_BASE, 0x67, SEG_ATTR_P | DESC_TSS32_BUSY);
    put_desc(h, GDT_BASE, SEL_TSS2, TSS2_BASE, 0x67, SEG_ATTR_P | DESC_TSS32_BUSY);
    put_desc(h, GDT_BASE, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_AVAIL);
    set_ring(h, 0);
    cpu->eip = 0x8000;

    /* Checks before the commit: limit, presence, busy state. */
    put_desc(h, GDT_BASE, SEL_TSS, TSS_BASE, 0x60, SEG_ATTR_P | DESC_TSS32_AVAIL);
    CHECK(h, TRY(h, far_jump(cpu, SEL_TSS, 0, 4)) == EXC_TS && ERR(h) == SEL_TSS);
    put_desc(h, GDT_BASE, SEL_TSS, TSS_BASE, TSS_LIMIT, DESC_TSS32_AVAIL);
    CHECK(h, TRY(h, far_jump(cpu, SEL_TSS, 0, 4)) == EXC_NP && ERR(h) == SEL_TSS);
    CHECK(h, TRY(h, far_call(cpu, SEL_TASKGATE, 0, 4)) == EXC_GP && ERR(h) == SEL_TSS2);
    put_desc(h, GDT_BASE, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_AVAIL);

    /* A 286 TSS: word registers, upper halves kept, FS and GS null. */
    wr16(h, TSS16_BASE + 0x0e, 0x1234);
    wr16(h, TSS16_BASE + 0x10, FL_ZF);
    for (unsigned i = 0; i < 8; i++)
        wr16(h, TSS16_BASE + 0x12 + 2 * i, (uint16_t)(0xa0 + i));
    wr16(h, TSS16_BASE + 0x22, SEL_DATA0);
    wr16(h, TSS16_BASE + 0x24, SEL_CODE16);
    wr16(h, TSS16_BASE + 0x26, SEL_STACK16_0);
    wr16(h, TSS16_BASE + 0x28, SEL_DATA0);
    wr16(h, TSS16_BASE + 0x2a, 0);
    cpu->regs[R_EBX] = 0x55550000;
    CHECK(h, TRY(h, far_jump(cpu, SEL_TSS16, 0, 4)) == -1);
    CHECK(h, cpu->eip == 0x1234 && cpu->regs[R_EBX] == 0x555500a3 && cpu->regs[R_EAX] == 0xa0);
    CHECK(h, cpu->seg[SEG_FS].sel == 0 && cpu->seg[SEG_FS].acc == 0 && cpu->ldtr.sel == 0);
    CHECK(h, cpu_get_eflags(cpu) == (FL_ZF | 2) && gdt_type(h, SEL_TSS16) == DESC_TSS16_BUSY);
    CHECK(h, rd32(h, TSS2_BASE + 0x20) == 0x8000);

    /* Restore the harness's task. */
    put_desc(h, GDT_BASE, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_BUSY);
    put_desc(h, GDT_BASE, SEL_TSS2, TSS2_BASE, 0x67, SEG_ATTR_P | DESC_TSS32_AVAIL);
    seg_cache_set(&cpu->tr, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_BUSY);
    seg_cache_set(&cpu->ldtr, 0, 0, 0, 0);
    set_ring(h, 0);
}

static uint32_t port_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)opaque;
    return 0x40 + offset + size;
}
static void port_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    (void)size;
    ((uint32_t *)opaque)[offset] = value;
}

static void test_io_permission(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    static const struct io_ops ops = { port_read, port_write };
    uint32_t written[2] = { 0, 0 };
    io_register(h->io, 0x80, 2, &ops, written);

    set_ring(h, 3);
    cpu_set_eflags(cpu, 0);
    CHECK(h, TRY(h, io_check_permission(cpu, 0x80, 1)) == -1);
    CHECK(h, TRY(h, io_check_permission(cpu, 0x81, 1)) == EXC_GP && ERR(h) == 0);
    CHECK(h, TRY(h, io_check_permission(cpu, 0x80, 2)) == EXC_GP);
    CHECK(h, TRY(h, io_check_permission(cpu, 0x7f, 2)) == EXC_GP);

    struct insn in = insn_reg(0, 0, 1);
    in.imm = 0x80;
    cpu->regs[R_EAX] = 0x12345678;
    CHECK(h, TRY(h, exec_IN_I(cpu, &in)) == -1 && cpu->regs[R_EAX] == 0x12345641);
    CHECK(h, TRY(h, exec_OUT_I(cpu, &in)) == -1 && written[0] == 0x41);
    in.imm = 0x81;
    CHECK(h, TRY(h, exec_OUT_I(cpu, &in)) == EXC_GP && written[1] == 0);

    /* IOPL 3 lets ring 3 through; V86 always asks the bitmap. */
    cpu->eflags |= FL_IOPL;
    CHECK(h, TRY(h, io_check_permission(cpu, 0x81, 4)) == -1);
    cpu->eflags |= FL_VM;
    cpu_mode_changed(cpu);
    CHECK(h, TRY(h, io_check_permission(cpu, 0x81, 1)) == EXC_GP);
    cpu->eflags &= ~(FL_VM | FL_IOPL);

    /* A bitmap cut short by the TSS limit denies. */
    set_ring(h, 3);
    cpu->tr.limit = IOMAP_OFFSET + 0x10;
    CHECK(h, TRY(h, io_check_permission(cpu, 0x80, 1)) == EXC_GP);
    cpu->tr.limit = TSS_LIMIT;

    /* Ring 0 and real mode need no bitmap. */
    set_ring(h, 0);
    CHECK(h, TRY(h, io_check_permission(cpu, 0x1234, 4)) == -1);
    in = insn_reg(0, 0, 2);
    cpu->regs[R_EDX] = 0x80;
    CHECK(h, TRY(h, exec_IN_DX(cpu, &in)) == -1 && (cpu->regs[R_EAX] & 0xffff) == 0x42);
}

static void test_flag_instructions(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(0, 0, 4);

    set_ring(h, 3);
    cpu_set_eflags(cpu, FL_IF);
    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, exec_HLT(cpu, &in)) == EXC_GP);
    /* POPF at ring 3 cannot touch IOPL or IF. */
    cpu->regs[R_ESP] = STACK3_TOP - 4;
    wr32(h, STACK3_TOP - 4, FL_IOPL | FL_DF | FL_CF | FL_AC | FL_ID | FL_VM);
    CHECK(h, TRY(h, exec_POPF(cpu, &in)) == -1);
    CHECK(h, cpu_get_eflags(cpu) == (FL_IF | FL_DF | FL_CF | FL_AC | FL_ID | 2));
    CHECK(h, TRY(h, exec_PUSHF(cpu, &in)) == -1);
    CHECK(h, rd32(h, STACK3_TOP - 4) == (FL_IF | FL_DF | FL_CF | FL_AC | FL_ID | 2));

    set_ring(h, 0);
    cpu_set_eflags(cpu, FL_RF);
    cpu->regs[R_ESP] = STACK0_TOP - 4;
    wr32(h, STACK0_TOP - 4, FL_IOPL | FL_IF | 0xffc00000u | (1u << 3) | (1u << 15));
    CHECK(h, TRY(h, exec_POPF(cpu, &in)) == -1);
    CHECK(h, cpu_get_eflags(cpu) == (FL_IOPL | FL_IF | 2));
    in.osize = 2;
    cpu_set_eflags(cpu, FL_AC);
    wr16(h, STACK0_TOP - 2, FL_OF);
    cpu->regs[R_ESP] = STACK0_TOP - 2;
    CHECK(h, TRY(h, exec_POPF(cpu, &in)) == -1 && cpu_get_eflags(cpu) == (FL_AC | FL_OF | 2));

    /* STI opens a one-instruction interrupt shadow only when IF was 0. */
    cpu->inhibit_irq = false;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == -1 && cpu->inhibit_irq && (cpu->eflags & FL_IF));
    cpu->inhibit_irq = false;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == -1 && !cpu->inhibit_irq);
    CHECK(h, TRY(h, exec_HLT(cpu, &in)) == -1 && cpu->halted);
    cpu->halted = false;
    cpu_set_eflags(cpu, 0);
}

static void test_descriptor_queries(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(R_EAX, R_ECX, 4);
    set_ring(h, 0);

    cpu->regs[R_ECX] = SEL_CODE3;
    CHECK(h, TRY(h, exec_LAR(cpu, &in)) == -1 && (cpu_get_eflags(cpu) & FL_ZF));
    CHECK(h, cpu->regs[R_EAX] == (gdt_hi(h, SEL_CODE3) & 0x00f0ff00u));
    cpu->regs[R_ECX] = SEL_EXPDOWN;
    CHECK(h, TRY(h, exec_LSL(cpu, &in)) == -1 && cpu->regs[R_EAX] == 0xfff);
    cpu->regs[R_ECX] = SEL_CALLGATE;
    CHECK(h, TRY(h, exec_LSL(cpu, &in)) == -1 && !(cpu_get_eflags(cpu) & FL_ZF));
    CHECK(h, TRY(h, exec_LAR(cpu, &in)) == -1 && (cpu_get_eflags(cpu) & FL_ZF));
    cpu->regs[R_ECX] = 0x1f8; /* beyond the GDT */
    CHECK(h, TRY(h, exec_LAR(cpu, &in)) == -1 && !(cpu_get_eflags(cpu) & FL_ZF));

    cpu->regs[R_ECX] = SEL_CODE0_XO;
    CHECK(h, TRY(h, exec_VERR(cpu, &in)) == -1 && !(cpu_get_eflags(cpu) & FL_ZF));
    cpu->regs[R_ECX] = SEL_CODE0;
    CHECK(h, TRY(h, exec_VERR(cpu, &in)) == -1 && (cpu_get_eflags(cpu) & FL_ZF));
    CHECK(h, TRY(h, exec_VERW(cpu, &in)) == -1 && !(cpu_get_eflags(cpu) & FL_ZF));
    cpu->regs[R_ECX] = SEL_DATA0;
    CHECK(h, TRY(h, exec_VERW(cpu, &in)) == -1 && (cpu_get_eflags(cpu) & FL_ZF));

    /* Ring 3 cannot see ring 0 segments, except conforming code. */
    set_ring(h, 3);
    CHECK(h, TRY(h, exec_VERW(cpu, &in)) == -1 && !(cpu_get_eflags(cpu) & FL_ZF));
    cpu->regs[R_ECX] = SEL_CONFORMING;
    CHECK(h, TRY(h, exec_LAR(cpu, &in)) == -1 && (cpu_get_eflags(cpu) & FL_ZF));

    /* ARPL raises the destination's RPL. */
    in = insn_reg(R_EBX, R_ECX, 2);
    cpu->regs[R_ECX] = 0xffff0008;
    cpu->regs[R_EBX] = 0x0002;
    CHECK(h, TRY(h, exec_ARPL(cpu, &in)) == -1 && cpu->regs[R_ECX] == 0xffff000a);
    CHECK(h, cpu_get_eflags(cpu) & FL_ZF);
    CHECK(h, TRY(h, exec_ARPL(cpu, &in)) == -1 && !(cpu_get_eflags(cpu) & FL_ZF));

    /* None of them exist in real mode. */
    set_ring(h, 0);
    cpu->cr0 &= ~CR0_PE;
    cpu_mode_changed(cpu);
    CHECK(h, TRY(h, exec_LAR(cpu, &in)) == EXC_UD && TRY(h, exec_SLDT(cpu, &in)) == EXC_UD);
    cpu->cr0 |= CR0_PE;
    set_ring(h, 0);
}

static void test_table_registers(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    set_ring(h, 0);

    /* SGDT with a 16-bit operand size stores a zero top byte. */
    struct insn in = insn_mem(0x600, 2);
    cpu->gdtr.base |= 0xab000000u;
    CHECK(h, TRY(h, exec_SGDT(cpu, &in)) == -1);
    CHECK(h, rd16(h, 0x600) == cpu->gdtr.limit && rd32(h, 0x602) == GDT_BASE);
    in.osize = 4;
    CHECK(h, TRY(h, exec_SGDT(cpu, &in)) == -1 && rd32(h, 0x602) == (GDT_BASE | 0xab000000u));
    cpu->gdtr.base = GDT_BASE;

    /* LIDT with a 16-bit operand size loads 24 bits of base. */
    wr16(h, 0x610, 0x3ff);
    wr32(h, 0x612, 0x12345678);
    in = insn_mem(0x610, 2);
    struct dtable saved = cpu->idtr;
    CHECK(h, TRY(h, exec_LIDT(cpu, &in)) == -1 && cpu->idtr.base == 0x345678 && cpu->idtr.limit == 0x3ff);
    cpu->idtr = saved;

    /* LTR marks the TSS busy; a busy one cannot be loaded. */
    in = insn_reg(0, R_EAX, 2);
    cpu->regs[R_EAX] = SEL_TSS2;
    CHECK(h, TRY(h, exec_LTR(cpu, &in)) == -1 && cpu->tr.sel == SEL_TSS2);
    CHECK(h, gdt_type(h, SEL_TSS2) == DESC_TSS32_BUSY);
    CHECK(h, TRY(h, exec_LTR(cpu, &in)) == EXC_GP && ERR(h) == SEL_TSS2);
    put_desc(h, GDT_BASE, SEL_TSS2, TSS2_BASE, 0x67, SEG_ATTR_P | DESC_TSS32_AVAIL);
    seg_cache_set(&cpu->tr, SEL_TSS, TSS_BASE, TSS_LIMIT, SEG_ATTR_P | DESC_TSS32_BUSY);

    /* LLDT takes only LDT descriptors; STR and SLDT read back. */
    cpu->regs[R_EAX] = SEL_DATA0;
    CHECK(h, TRY(h, exec_LLDT(cpu, &in)) == EXC_GP && ERR(h) == SEL_DATA0);
    cpu->regs[R_EAX] = SEL_LDT;
    CHECK(h, TRY(h, exec_LLDT(cpu, &in)) == -1 && cpu->ldtr.base == LDT_BASE);
    in = insn_reg(0, R_EBX, 4);
    cpu->regs[R_EBX] = 0xffffffffu;
    CHECK(h, TRY(h, exec_SLDT(cpu, &in)) == -1 && cpu->regs[R_EBX] == SEL_LDT);
    CHECK(h, TRY(h, exec_STR(cpu, &in)) == -1 && cpu->regs[R_EBX] == SEL_TSS);
    /* An LDT selector now reaches the LDT. */
    put_desc(h, LDT_BASE, 0x8, 0x1000, 0xff, A_DATA(0) & ~SEG_ATTR_G);
    CHECK(h, TRY(h, seg_load(cpu, SEG_ES, 0xc)) == -1 && cpu->seg[SEG_ES].base == 0x1000);
    CHECK(h, TRY(h, seg_load(cpu, SEG_ES, 0x14)) == EXC_GP && ERR(h) == 0x14);
    cpu->regs[R_EAX] = 0;
    in = insn_reg(0, R_EAX, 2);
    CHECK(h, TRY(h, exec_LLDT(cpu, &in)) == -1);
    CHECK(h, TRY(h, seg_load(cpu, SEG_ES, 0xc)) == EXC_GP);
    set_ring(h, 3);
    CHECK(h, TRY(h, exec_LLDT(cpu, &in)) == EXC_GP && ERR(h) == 0);
    CHECK(h, TRY(h, exec_LGDT(cpu, &in)) == EXC_GP);
    set_ring(h, 0);
}

static void test_control_registers(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(0, R_EAX, 4);
    set_ring(h, 0);

    in.reg = 4;
    cpu->regs[R_EAX] = 1u << 11; /* reserved on a P6 */
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == EXC_GP && ERR(h) == 0);
    cpu->regs[R_EAX] = CR4_PSE | CR4_PGE;
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == -1 && cpu->cr4 == (CR4_PSE | CR4_PGE));
    in.reg = 0;
    cpu->regs[R_EAX] = CR0_PG;
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == EXC_GP);
    cpu->regs[R_EAX] = CR0_PE | CR0_NW;
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == EXC_GP);
    cpu->regs[R_EAX] = CR0_PE | CR0_TS | 0x00f00000u;
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == -1 && cpu->cr0 == (CR0_PE | CR0_TS | CR0_ET));
    in.reg = 1;
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == EXC_UD);
    CHECK(h, TRY(h, exec_MOV_RC(cpu, &in)) == EXC_UD);

    /* CLTS, LMSW (cannot clear PE), SMSW. */
    CHECK(h, TRY(h, exec_CLTS(cpu, &in)) == -1 && !(cpu->cr0 & CR0_TS));
    struct insn msw = insn_reg(0, R_EAX, 2);
    cpu->regs[R_EAX] = CR0_MP;
    CHECK(h, TRY(h, exec_LMSW(cpu, &msw)) == -1 && cpu->cr0 == (CR0_PE | CR0_MP | CR0_ET));
    msw.osize = 4;
    cpu->regs[R_EAX] = 0xffffffffu;
    CHECK(h, TRY(h, exec_SMSW(cpu, &msw)) == -1 && cpu->regs[R_EAX] == cpu->cr0);

    /* Debug registers: DR4 aliases DR6 until CR4.DE; reserved bits. */
    in = insn_reg(6, R_EAX, 4);
    cpu->regs[R_EAX] = 0;
    CHECK(h, TRY(h, exec_MOV_DR(cpu, &in)) == -1 && cpu->dr[6] == 0xffff0ff0u);
    in.reg = 4;
    cpu->regs[R_EAX] = 0;
    CHECK(h, TRY(h, exec_MOV_RD(cpu, &in)) == -1 && cpu->regs[R_EAX] == 0xffff0ff0u);
    cpu->cr4 |= CR4_DE;
    CHECK(h, TRY(h, exec_MOV_RD(cpu, &in)) == EXC_UD);
    cpu->cr4 = 0;
    in.reg = 7;
    cpu->regs[R_EAX] = 0x2000 | 1; /* GD and L0 */
    CHECK(h, TRY(h, exec_MOV_DR(cpu, &in)) == -1 && cpu->dr[7] == 0x2401);
    CHECK(h, TRY(h, exec_MOV_RD(cpu, &in)) == EXC_DB && (cpu->dr[6] & 0x2000) && cpu->dr[7] == 0x401);
    /* That #DB is a fault: its handler's EFLAGS image has RF set, unlike
     * the single-step trap's (SDM vol. 3, 17.3.1.1). */
    put_idt_gate(h, EXC_DB, SEL_CODE0, 0x7b00, DESC_INT32, 0);
    CHECK(h, TRY(h, cpu_deliver_interrupt(cpu, EXC_DB, INTR_EXCEPTION, false, 0, 0x6000)) == -1);
    CHECK(h, rd32(h, (uint32_t)cpu->regs[R_ESP] + 8) == (FL_RF | 2) && !(cpu->eflags & FL_RF));
    set_ring(h, 0);
    cpu->dr[7] = 0x401;
    CHECK(h, TRY(h, exec_MOV_RD(cpu, &in)) == -1 && !(cpu->eflags & FL_RF));

    /* Privileged at ring 3. */
    set_ring(h, 3);
    in.reg = 0;
    CHECK(h, TRY(h, exec_MOV_RC(cpu, &in)) == EXC_GP && TRY(h, exec_CLTS(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, exec_WBINVD(cpu, &in)) == EXC_GP && TRY(h, exec_INVD(cpu, &in)) == EXC_GP);
    in = insn_mem(0, 4);
    CHECK(h, TRY(h, exec_INVLPG(cpu, &in)) == EXC_GP);
    set_ring(h, 0);
    CHECK(h, TRY(h, exec_INVLPG(cpu, &in)) == -1);
}

/* RDMSR and WRMSR of msr at ring 0: the vector they faulted with, or -1. */
static int msr_read(struct unit_machine *h, uint32_t msr, uint64_t *v)
{
    struct insn in = insn_reg(0, 0, 4);
    h->cpu->regs[R_ECX] = msr;
    h->cpu->regs[R_EAX] = h->cpu->regs[R_EDX] = 0;
    int vector = TRY(h, exec_RDMSR(h->cpu, &in));
    *v = h->cpu->regs[R_EDX] << 32 | h->cpu->regs[R_EAX];
    return vector;
}

static int msr_write(struct unit_machine *h, uint32_t msr, uint64_t v)
{
    struct insn in = insn_reg(0, 0, 4);
    h->cpu->regs[R_ECX] = msr;
    h->cpu->regs[R_EAX] = (uint32_t)v;
    h->cpu->regs[R_EDX] = v >> 32;
    return TRY(h, exec_WRMSR(h->cpu, &in));
}

static void test_cpuid_msr(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(0, 0, 4);
    set_ring(h, 0);

    cpu->regs[R_EAX] = 0;
    CHECK(h, TRY(h, exec_CPUID(cpu, &in)) == -1 && cpu->regs[R_EAX] == 2);
    char vendor[13];
    memcpy(vendor, &cpu->regs[R_EBX], 4);
    memcpy(vendor + 4, &cpu->regs[R_EDX], 4);
    memcpy(vendor + 8, &cpu->regs[R_ECX], 4);
    vendor[12] = 0;
    CHECK(h, strcmp(vendor, "GenuineIntel") == 0);
    cpu->regs[R_EAX] = 1;
    CHECK(h, TRY(h, exec_CPUID(cpu, &in)) == -1 && cpu->regs[R_EAX] == 0x652);
    /* VME DE PSE TSC MSR MCE CX8 SEP MTRR PGE MCA CMOV MMX, and nothing else. */
    CHECK(h, cpu->regs[R_EDX] == 0x0180f9ff);
    cpu->regs[R_EAX] = 2;
    CHECK(h, TRY(h, exec_CPUID(cpu, &in)) == -1 && (cpu->regs[R_EAX] & 0xff) == 1);
    uint64_t leaf2 = cpu->regs[R_EDX];
    cpu->regs[R_EAX] = 0x80000000u;
    CHECK(h, TRY(h, exec_CPUID(cpu, &in)) == -1 && cpu->regs[R_EDX] == leaf2);

    /* The TSC: WRMSR sets the low 32 bits and clears the rest. */
    cpu->regs[R_ECX] = 0x10;
    cpu->regs[R_EDX] = 7;
    cpu->regs[R_EAX] = 100;
    CHECK(h, TRY(h, exec_WRMSR(cpu, &in)) == -1);
    cpu->icount += 5;
    CHECK(h, TRY(h, exec_RDTSC(cpu, &in)) == -1 && cpu->regs[R_EAX] == 105 && cpu->regs[R_EDX] == 0);
    cpu->regs[R_ECX] = 0x175;
    cpu->regs[R_EAX] = 0x9000;
    CHECK(h, TRY(h, exec_WRMSR(cpu, &in)) == -1 && cpu->sysenter_esp == 0x9000);
    /* IA32_EFER belongs to later processors. */
    cpu->regs[R_ECX] = 0xc0000080u;
    CHECK(h, TRY(h, exec_RDMSR(cpu, &in)) == EXC_GP);

    /* MTRRs and the PAT hold what is written; reserved bits and memory
     * types are #GP(0) and change nothing (SDM vol. 3, 11.11, 11.12). */
    static const struct {
        uint32_t msr, edx, eax;
        bool ok;
    } memtype[] = {
        { 0xfe, 0, 0x508, false },             /* MTRRcap is read-only */
        { 0x200, 0xf, 0xfff00006, true },      /* PhysBase0: 36-bit base, WB */
        { 0x200, 0x10, 0x00000006, false },    /* bit 36 */
        { 0x200, 0, 0x00000106, false },       /* bit 8 */
        { 0x200, 0, 0x00000002, false },       /* type 2 is reserved */
        { 0x20f, 0xf, 0xfff00800, true },      /* PhysMask7 with V */
        { 0x20f, 0, 0x00000400, false },       /* bit 10 */
        { 0x210, 0, 0, false },                /* past the eight pairs */
        { 0x250, 0x06060606, 0x06060606, true },
        { 0x258, 0x00010405, 0x06000100, true },
        { 0x26f, 0x03000000, 0, false },       /* a reserved type in one byte */
        { 0x251, 0, 0, false },
        { 0x2ff, 0, 0xc06, true },             /* enabled, fixed enabled, WB */
        { 0x2ff, 0, 0x1000, false },
        { 0x2ff, 0, 0x007, false },            /* UC- is a PAT type only */
        { 0x277, 0x00070106, 0x00070406, true }, /* PAT takes UC- */
        { 0x277, 0x00000002, 0, false },
        { 0x277, 0x00000008, 0, false },       /* bits 7:3 of an entry */
    };
    for (size_t i = 0; i < sizeof(memtype) / sizeof(memtype[0]); i++) {
        uint64_t before = 0, after = 0;
        bool readable = msr_read(h, memtype[i].msr, &before) == -1;
        uint64_t v = (uint64_t)memtype[i].edx << 32 | memtype[i].eax;
        int vector = msr_write(h, memtype[i].msr, v);
        CHECK_CASE(h, vector == (memtype[i].ok ? -1 : EXC_GP), "WRMSR %x: vector %d",
                   memtype[i].msr, vector);
        CHECK_CASE(h, readable == (msr_read(h, memtype[i].msr, &after) == -1) &&
                          after == (memtype[i].ok ? v : before),
                   "RDMSR %x after the write: %llx", memtype[i].msr, (unsigned long long)after);
    }
    CHECK(h, msr_read(h, 0x210, &(uint64_t){ 0 }) == EXC_GP);

    /* Performance counters take bits 31:0 and extend bit 31 to bit 39;
     * reserved event-select bits are #GP(0) and change nothing (SDM vol.
     * 3, "Performance Monitoring (P6 Family Processor)"). */
    static const struct {
        uint32_t msr, edx, eax;
        bool ok;
        uint64_t stored;
    } perfmon[] = {
        { 0xc1, 0x12345678, 0x0000abcd, true, 0xabcd }, /* EDX is ignored */
        { 0xc2, 0, 0x80000001, true, 0xff80000001ull },
        { 0x186, 0, 0xffdfffff, true, 0xffdfffff },     /* every field, EN too */
        { 0x186, 0, 0x00200000, false, 0 },             /* bit 21 */
        { 0x186, 1, 0, false, 0 },                      /* bit 32 */
        { 0x187, 0, 0xff9fffff, true, 0xff9fffff },
        { 0x187, 0, 0x00400000, false, 0 },             /* EN is PerfEvtSel0's alone */
        { 0xc3, 0, 0, false, 0 },                       /* two counters only */
        { 0x188, 0, 0, false, 0 },
    };
    for (size_t i = 0; i < sizeof(perfmon) / sizeof(perfmon[0]); i++) {
        uint64_t before = 0, after = 0;
        bool readable = msr_read(h, perfmon[i].msr, &before) == -1;
        int vector = msr_write(h, perfmon[i].msr, (uint64_t)perfmon[i].edx << 32 | perfmon[i].eax);
        CHECK_CASE(h, vector == (perfmon[i].ok ? -1 : EXC_GP), "WRMSR %x: vector %d",
                   perfmon[i].msr, vector);
        CHECK_CASE(h, readable == (msr_read(h, perfmon[i].msr, &after) == -1) &&
                          after == (perfmon[i].ok ? perfmon[i].stored : before),
                   "RDMSR %x after the write: %llx", perfmon[i].msr, (unsigned long long)after);
    }
    /* Linux's PMU probe: flip the low 16 bits of a counter and read them
     * back. */
    uint64_t count = 0, flipped = 0;
    CHECK(h, msr_read(h, 0xc2, &count) == -1 && msr_write(h, 0xc2, count ^ 0xffff) == -1 &&
                 msr_read(h, 0xc2, &flipped) == -1 && flipped == (count ^ 0xffff));

    /* RDPMC returns all 40 bits; ring 3 needs CR4.PCE. */
    cpu->regs[R_ECX] = 2;
    CHECK(h, TRY(h, exec_RDPMC(cpu, &in)) == EXC_GP);
    cpu->regs[R_ECX] = 1;
    CHECK(h, TRY(h, exec_RDPMC(cpu, &in)) == -1 && cpu->regs[R_EDX] == 0xff &&
                 cpu->regs[R_EAX] == 0x8000fffe);
    set_ring(h, 3);
    cpu->regs[R_ECX] = 0;
    CHECK(h, TRY(h, exec_RDPMC(cpu, &in)) == EXC_GP);
    cpu->cr4 |= CR4_PCE;
    CHECK(h, TRY(h, exec_RDPMC(cpu, &in)) == -1 && cpu->regs[R_EDX] == 0 &&
                 cpu->regs[R_EAX] == 0xabcd);
    cpu->cr4 = 0;
    set_ring(h, 0);

    /* SYSENTER/SYSEXIT with flat segments from SYSENTER_CS. */
    cpu->sysenter_cs = SEL_CODE0;
    cpu->sysenter_eip = 0x7800;
    set_ring(h, 3);
    cpu_set_eflags(cpu, FL_IF);
    CHECK(h, TRY(h, exec_SYSENTER(cpu, &in)) == -1 && cpu->cpl == 0 && cpu->eip == 0x7800);
    CHECK(h, cpu->seg[SEG_SS].sel == SEL_DATA0 && cpu->regs[R_ESP] == 0x9000 && !(cpu->eflags & FL_IF));
    cpu->regs[R_ECX] = 0x1000;
    cpu->regs[R_EDX] = 0x401000;
    CHECK(h, TRY(h, exec_SYSEXIT(cpu, &in)) == -1 && cpu->cpl == 3 && cpu->eip == 0x401000);
    CHECK(h, cpu->seg[SEG_CS].sel == SEL_CODE3 && cpu->seg[SEG_SS].sel == SEL_DATA3);
    CHECK(h, TRY(h, exec_SYSEXIT(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, exec_RDMSR(cpu, &in)) == EXC_GP);
    cpu->cr4 |= CR4_TSD;
    CHECK(h, TRY(h, exec_RDTSC(cpu, &in)) == EXC_GP);
    cpu->cr4 = 0;
    cpu->sysenter_cs = 0;
    CHECK(h, TRY(h, exec_SYSENTER(cpu, &in)) == EXC_GP);
    set_ring(h, 0);
    cpu_set_eflags(cpu, 0);
}

int main(void)
{
    struct unit_machine h;
    harness_init(&h);
    test_task_switch(&h);
    test_io_permission(&h);
    test_flag_instructions(&h);
    test_descriptor_queries(&h);
    test_table_registers(&h);
    test_control_registers(&h);
    test_cpuid_msr(&h);
    unit_machine_free(&h);
    return UNIT_REPORT(&h);
}
