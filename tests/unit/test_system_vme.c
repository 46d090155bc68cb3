/*
 * Unit tests for the virtual-8086 mode extensions and protected-mode
 * virtual interrupts (SDM vol. 3, 20.3 and 20.4): the VIF forms of CLI,
 * STI, PUSHF, POPF and IRET, the #GP that hands a pending virtual
 * interrupt to the monitor, the six ways INT n leaves V86 code (table
 * 20-2), and the P6 model-specific registers guests read at boot.
 */
#include "system_harness.h"

#define V86_CS 0x2000u
#define V86_SS 0x3000u
#define V86_SP 0xfff0u
#define V86_STACK(sp) ((V86_SS << 4) + (sp))
/* The redirection bitmap sits in the 32 bytes below the I/O map, which
 * the tests move to TSS offset 0x88 so the bitmap clears the TSS fields. */
#define IOMAP_BASE_VME 0x88u
#define REDIR_BITMAP (TSS_BASE + IOMAP_BASE_VME - 32)

static uint32_t sp16(struct unit_machine *h)
{
    return (uint32_t)h->cpu->regs[R_ESP] & 0xffff;
}

/* Enter V86 mode at V86_CS:0100 with the stack at V86_SS:V86_SP through an
 * IRET from ring 0, as a monitor does. */
static void enter_v86(struct unit_machine *h, uint32_t eflags)
{
    struct cpu *cpu = h->cpu;
    const uint32_t frame[9] = { 0x100, V86_CS, eflags | FL_VM, V86_SP, V86_SS, 0, 0, 0, 0 };
    cpu_set_eflags(cpu, 0);
    set_ring(h, 0);
    cpu->regs[R_ESP] = STACK0_TOP - 36;
    for (unsigned i = 0; i < 9; i++)
        wr32(h, STACK0_TOP - 36 + 4 * i, frame[i]);
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == -1 && cpu_v86(cpu) && cpu->cpl == 3);
}

/* Back to ring 0 with clear flags (VM first, so set_ring sees CPL 0). */
static void leave(struct unit_machine *h)
{
    cpu_set_eflags(h->cpu, 0);
    set_ring(h, 0);
    h->cpu->cr4 = 0;
}

static void test_cr4_and_cpuid(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(4, R_EAX, 4);
    set_ring(h, 0);
    cpu->regs[R_EAX] = CR4_VME | CR4_PVI | CR4_MCE;
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == -1 && cpu->cr4 == (CR4_VME | CR4_PVI | CR4_MCE));
    cpu->regs[R_EAX] = 0;
    CHECK(h, TRY(h, exec_MOV_RC(cpu, &in)) == -1 && cpu->regs[R_EAX] == (CR4_VME | CR4_PVI | CR4_MCE));
    cpu->regs[R_EAX] = CR4_VME | (1u << 11); /* bit 11 is reserved on a P6 */
    CHECK(h, TRY(h, exec_MOV_CR(cpu, &in)) == EXC_GP && cpu->cr4 == (CR4_VME | CR4_PVI | CR4_MCE));
    cpu->cr4 = 0;

    /* VME, DE (with I/O breakpoints) and MCE are advertised. */
    cpu->regs[R_EAX] = 1;
    CHECK(h, TRY(h, exec_CPUID(cpu, &in)) == -1);
    uint32_t edx = (uint32_t)cpu->regs[R_EDX];
    CHECK(h, (edx & (1u << 1)) && (edx & (1u << 2)) && (edx & (1u << 7)));
}

/* Without CR4.VME, IOPL below 3 makes every IF-sensitive instruction trap,
 * whatever CR4.PVI says (PVI is for protected mode only). */
static void test_v86_without_vme(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(0, 0, 2);
    enter_v86(h, FL_IF);
    cpu->cr4 = CR4_PVI;
    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == EXC_GP && ERR(h) == 0);
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, exec_PUSHF(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, exec_POPF(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, interrupt_return(cpu, 2)) == EXC_GP);
    in.imm = 0x21;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == EXC_GP && ERR(h) == 0);
    CHECK(h, cpu_v86(cpu) && cpu->eip == 0x100 && (cpu->eflags & FL_IF));
    leave(h);
}

/* VME with IOPL 0: CLI and STI work on VIF, and STI faults while VIP is
 * set. */
static void test_vme_cli_sti(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(0, 0, 2);
    enter_v86(h, FL_IF | FL_VIF);
    cpu->cr4 = CR4_VME;

    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == -1);
    CHECK(h, !(cpu->eflags & FL_VIF) && (cpu->eflags & FL_IF));
    cpu->inhibit_irq = false;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == -1);
    CHECK(h, (cpu->eflags & FL_VIF) && (cpu->eflags & FL_IF) && !cpu->inhibit_irq);

    /* The real IF is untouched in both directions. */
    cpu->eflags &= ~FL_IF;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == -1 && !(cpu->eflags & FL_IF));

    /* A pending virtual interrupt: STI raises #GP(0) and leaves VIF clear
     * for the monitor to deliver it; CLI still works. */
    cpu->eflags = (cpu->eflags & ~FL_VIF) | FL_VIP;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == EXC_GP && ERR(h) == 0);
    CHECK(h, !(cpu->eflags & FL_VIF) && (cpu->eflags & FL_VIP));
    cpu->eflags |= FL_VIF;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == EXC_GP);
    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == -1 && !(cpu->eflags & FL_VIF));

    /* IOPL 3: the real IF again, and VIP does not matter. */
    cpu->eflags |= FL_IOPL;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == -1 && (cpu->eflags & FL_IF) && !(cpu->eflags & FL_VIF));
    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == -1 && !(cpu->eflags & FL_IF));
    leave(h);
}

/* Does a 16-bit POPF of image raise #GP(0) and leave EFLAGS alone? */
static bool popf16_traps(struct unit_machine *h, uint16_t image)
{
    struct insn in = insn_reg(0, 0, 2);
    uint32_t before = cpu_get_eflags(h->cpu);
    h->cpu->regs[R_ESP] = V86_SP - 2;
    wr16(h, V86_STACK(V86_SP - 2), image);
    int vector = TRY(h, exec_POPF(h->cpu, &in));
    return vector == EXC_GP && ERR(h) == 0 && cpu_get_eflags(h->cpu) == before;
}

/* VME with IOPL 0: 16-bit PUSHF shows VIF as IF and IOPL as 3; 16-bit
 * POPF loads VIF from IF and keeps IF and IOPL; the 32-bit forms trap. */
static void test_vme_pushf_popf(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in16 = insn_reg(0, 0, 2), in32 = insn_reg(0, 0, 4);
    enter_v86(h, FL_IF | FL_CF | FL_DF);
    cpu->cr4 = CR4_VME;

    CHECK(h, TRY(h, exec_PUSHF(cpu, &in16)) == -1 && sp16(h) == V86_SP - 2);
    CHECK(h, rd16(h, V86_STACK(V86_SP - 2)) == (FL_IOPL | FL_CF | FL_DF | 2));
    cpu->eflags |= FL_VIF;
    CHECK(h, TRY(h, exec_PUSHF(cpu, &in16)) == -1);
    CHECK(h, rd16(h, V86_STACK(V86_SP - 4)) == (FL_IOPL | FL_IF | FL_CF | FL_DF | 2));
    CHECK(h, TRY(h, exec_PUSHF(cpu, &in32)) == EXC_GP && ERR(h) == 0);
    CHECK(h, TRY(h, exec_POPF(cpu, &in32)) == EXC_GP && ERR(h) == 0);

    /* POPF of an image with IF clear, IOPL 3 and NT set: VIF clears, the
     * real IF and IOPL stay, the rest loads. */
    cpu->regs[R_ESP] = V86_SP - 2;
    wr16(h, V86_STACK(V86_SP - 2), FL_IOPL | FL_NT | FL_ZF);
    CHECK(h, TRY(h, exec_POPF(cpu, &in16)) == -1 && sp16(h) == V86_SP);
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_IF | FL_NT | FL_ZF | 2));

    /* ... and with IF set, VIF sets. */
    cpu->regs[R_ESP] = V86_SP - 2;
    wr16(h, V86_STACK(V86_SP - 2), FL_IF | FL_CF);
    CHECK(h, TRY(h, exec_POPF(cpu, &in16)) == -1);
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_VIF | FL_IF | FL_CF | 2));

    /* An image that sets TF, or IF while VIP is set, goes to the monitor
     * with the flags unchanged. */
    CHECK(h, popf16_traps(h, FL_TF));
    cpu->eflags = (cpu->eflags & ~FL_VIF) | FL_VIP;
    CHECK(h, popf16_traps(h, FL_IF));
    /* With VIP set, an image with IF clear is fine. */
    cpu->regs[R_ESP] = V86_SP - 2;
    wr16(h, V86_STACK(V86_SP - 2), FL_SF);
    CHECK(h, TRY(h, exec_POPF(cpu, &in16)) == -1);
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_VIP | FL_IF | FL_SF | 2));

    /* IOPL 3: both sizes are the ordinary ones, and 32-bit POPF leaves VIF
     * and VIP alone. */
    cpu_set_eflags(cpu, FL_VM | FL_IOPL | FL_VIF);
    CHECK(h, TRY(h, exec_PUSHF(cpu, &in32)) == -1);
    CHECK(h, rd32(h, V86_STACK(sp16(h))) == (FL_VIF | FL_IOPL | 2));
    wr32(h, V86_STACK(sp16(h)), FL_VIP | FL_IOPL | FL_IF);
    CHECK(h, TRY(h, exec_POPF(cpu, &in32)) == -1);
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_VIF | FL_IOPL | FL_IF | 2));
    leave(h);
}

/* VME with IOPL 0: a 16-bit IRET pops IP, CS and FLAGS, loading VIF from
 * the image's IF; the 32-bit form and the faulting images trap without
 * changing CS:IP. */
static void test_vme_iret(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    enter_v86(h, FL_IF);
    cpu->cr4 = CR4_VME;

    cpu->regs[R_ESP] = V86_SP - 6;
    wr16(h, V86_STACK(V86_SP - 6), 0x1234);
    wr16(h, V86_STACK(V86_SP - 4), 0x5000);
    wr16(h, V86_STACK(V86_SP - 2), FL_IF | FL_IOPL | FL_OF);
    CHECK(h, TRY(h, interrupt_return(cpu, 2)) == -1);
    CHECK(h, cpu->eip == 0x1234 && cpu->seg[SEG_CS].sel == 0x5000 && cpu->seg[SEG_CS].base == 0x50000);
    CHECK(h, sp16(h) == V86_SP && cpu_v86(cpu));
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_VIF | FL_IF | FL_OF | 2));

    /* Image with TF; image with IF while VIP is set; 32-bit IRET. */
    cpu->regs[R_ESP] = V86_SP - 6;
    wr16(h, V86_STACK(V86_SP - 4), 0x6000);
    wr16(h, V86_STACK(V86_SP - 2), FL_TF);
    CHECK(h, TRY(h, interrupt_return(cpu, 2)) == EXC_GP && ERR(h) == 0);
    CHECK(h, cpu->seg[SEG_CS].sel == 0x5000 && cpu->eip == 0x1234);
    cpu->eflags |= FL_VIP;
    wr16(h, V86_STACK(V86_SP - 2), FL_IF);
    CHECK(h, TRY(h, interrupt_return(cpu, 2)) == EXC_GP && cpu->seg[SEG_CS].sel == 0x5000);
    CHECK(h, TRY(h, interrupt_return(cpu, 4)) == EXC_GP && ERR(h) == 0);
    /* VIP with the image's IF clear returns, clearing VIF. */
    wr16(h, V86_STACK(V86_SP - 2), 0);
    CHECK(h, TRY(h, interrupt_return(cpu, 2)) == -1 && cpu->seg[SEG_CS].sel == 0x6000);
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_VIP | FL_IF | 2));
    leave(h);
}

/* Mark every vector as going through the IDT except the listed one. */
static void redirect_only(struct unit_machine *h, int vector)
{
    wr16(h, TSS_BASE + 0x66, IOMAP_BASE_VME);
    for (unsigned i = 0; i < 32; i++)
        wr8(h, REDIR_BITMAP + i, 0xff);
    if (vector >= 0)
        wr8(h, REDIR_BITMAP + (unsigned)vector / 8, (uint8_t)~(1u << (vector & 7)));
}

/* INT n from V86 code: methods 1 to 6 of SDM vol. 3, table 20-2. */
static void test_int_methods(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(0, 0, 2);
    put_idt_gate(h, 0x20, SEL_CODE0, 0x7700, DESC_INT32, 3);
    put_idt_gate(h, 0x21, SEL_CODE0, 0x7800, DESC_INT32, 3);
    put_idt_gate(h, EXC_BP, SEL_CODE0, 0x7900, DESC_INT32, 3);
    wr16(h, 0x21 * 4, 0x0400);
    wr16(h, 0x21 * 4 + 2, 0x7000);
    redirect_only(h, 0x21);

    /* Method 1: no VME, IOPL 3, to the protected-mode handler. */
    enter_v86(h, FL_IF | FL_IOPL);
    in.imm = 0x21;
    cpu->eip = 0x102;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == -1);
    CHECK(h, !cpu_v86(cpu) && cpu->cpl == 0 && cpu->eip == 0x7800);
    CHECK(h, rd32(h, (uint32_t)cpu->regs[R_ESP] + 8) == (FL_VM | FL_IF | FL_IOPL | 2));

    /* Method 2: no VME, IOPL 0: #GP(0). */
    enter_v86(h, FL_IF);
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == EXC_GP && ERR(h) == 0 && cpu_v86(cpu));

    /* Method 3: VME, IOPL 0, bit set: #GP(0). */
    cpu->cr4 = CR4_VME;
    in.imm = 0x20;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == EXC_GP && ERR(h) == 0 && cpu_v86(cpu));

    /* Method 4: VME, IOPL 3, bit set: the protected-mode handler. */
    enter_v86(h, FL_IF | FL_IOPL);
    cpu->cr4 = CR4_VME;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == -1 && !cpu_v86(cpu) && cpu->eip == 0x7700);

    /* Method 5: VME, IOPL 3, bit clear: the 8086 program's own vector at
     * linear 0x84, pushing FLAGS CS IP and clearing IF and TF. */
    enter_v86(h, FL_IF | FL_IOPL | FL_TF | FL_VIF | FL_CF);
    cpu->cr4 = CR4_VME;
    in.imm = 0x21;
    cpu->eip = 0x102;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == -1);
    CHECK(h, cpu_v86(cpu) && cpu->cpl == 3);
    CHECK(h, cpu->seg[SEG_CS].sel == 0x7000 && cpu->seg[SEG_CS].base == 0x70000 && cpu->eip == 0x400);
    CHECK(h, sp16(h) == V86_SP - 6 && rd16(h, V86_STACK(V86_SP - 6)) == 0x102);
    CHECK(h, rd16(h, V86_STACK(V86_SP - 4)) == V86_CS);
    CHECK(h, rd16(h, V86_STACK(V86_SP - 2)) == (FL_IF | FL_IOPL | FL_TF | FL_CF | 2));
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_IOPL | FL_VIF | FL_CF | 2));

    /* Method 6: VME, IOPL 0, bit clear: as method 5, but the image carries
     * VIF as IF and IOPL 3, and VIF is cleared instead of IF. */
    enter_v86(h, FL_IF | FL_TF | FL_VIF);
    cpu->cr4 = CR4_VME;
    cpu->eip = 0x102;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == -1);
    CHECK(h, cpu_v86(cpu) && cpu->seg[SEG_CS].sel == 0x7000 && cpu->eip == 0x400);
    CHECK(h, rd16(h, V86_STACK(V86_SP - 2)) == (FL_IF | FL_IOPL | FL_TF | 2));
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_IF | 2));
    /* The handler's IRET restores CS:IP and, through the image's IF, VIF.
     * (The handler clears TF in the image first: a 16-bit IRET of an image
     * with TF set traps to the monitor.) */
    wr16(h, V86_STACK(V86_SP - 2), FL_IF | FL_IOPL);
    CHECK(h, TRY(h, interrupt_return(cpu, 2)) == -1);
    CHECK(h, cpu->seg[SEG_CS].sel == V86_CS && cpu->eip == 0x102 && sp16(h) == V86_SP);
    CHECK(h, cpu_get_eflags(cpu) == (FL_VM | FL_IF | FL_VIF | 2));
    /* With VIF clear the image shows IF clear, whatever the real IF. */
    cpu->eflags &= ~FL_VIF;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == -1);
    CHECK(h, rd16(h, V86_STACK(V86_SP - 2)) == (FL_IOPL | 2) && (cpu->eflags & FL_IF));

    /* INT3 is never redirected: it reaches the IDT at any IOPL. */
    enter_v86(h, FL_IF);
    cpu->cr4 = CR4_VME;
    redirect_only(h, EXC_BP);
    CHECK(h, TRY(h, exec_INT3(cpu, &in)) == -1 && !cpu_v86(cpu) && cpu->eip == 0x7900);

    /* The bitmap byte must be inside a 32-bit TSS. */
    enter_v86(h, FL_IF | FL_IOPL);
    cpu->cr4 = CR4_VME;
    wr16(h, TSS_BASE + 0x66, 0xffff);
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == EXC_GP && ERR(h) == 0);
    redirect_only(h, 0x21);
    struct seg_cache tss32 = cpu->tr;
    seg_cache_set(&cpu->tr, SEL_TSS16, TSS16_BASE, 0x2b, SEG_ATTR_P | DESC_TSS16_BUSY);
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == EXC_GP && ERR(h) == 0);
    cpu->tr = tss32;
    CHECK(h, TRY(h, exec_INT_I(cpu, &in)) == -1 && cpu->seg[SEG_CS].sel == 0x7000);

    wr16(h, TSS_BASE + 0x66, IOMAP_OFFSET);
    leave(h);
}

/* CR4.PVI: CLI and STI at CPL 3 with IOPL below 3 work on VIF; other
 * instructions and other privilege levels keep their rules. */
static void test_pvi(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    struct insn in = insn_reg(0, 0, 4);
    set_ring(h, 3);
    cpu_set_eflags(cpu, FL_IF);
    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == EXC_GP && ERR(h) == 0);

    cpu->cr4 = CR4_PVI;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == -1 && cpu_get_eflags(cpu) == (FL_IF | FL_VIF | 2));
    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == -1 && cpu_get_eflags(cpu) == (FL_IF | 2));
    cpu->eflags |= FL_VIP;
    CHECK(h, TRY(h, exec_STI(cpu, &in)) == EXC_GP && ERR(h) == 0 && !(cpu->eflags & FL_VIF));

    /* POPF is not virtualised: IF and VIF both stay. */
    cpu_set_eflags(cpu, FL_IF);
    push(cpu, FL_VIF | FL_ZF, 4);
    CHECK(h, TRY(h, exec_POPF(cpu, &in)) == -1 && cpu_get_eflags(cpu) == (FL_IF | FL_ZF | 2));

    /* IOPL 3 at CPL 3: the real IF. */
    cpu_set_eflags(cpu, FL_IOPL | FL_IF);
    CHECK(h, TRY(h, exec_CLI(cpu, &in)) == -1 && cpu_get_eflags(cpu) == (FL_IOPL | 2));

    /* PVI is for CPL 3 only: ring 1 below IOPL still faults. */
    cpu_set_seg(cpu, SEG_CS, SEL_CODE0 | 1, 0, 0xffffffffu, A_CODE(1) | SEG_TYPE_ACCESSED);
    cpu_set_eflags(cpu, FL_IF);
    CHECK(h, cpu->cpl == 1 && TRY(h, exec_CLI(cpu, &in)) == EXC_GP);
    leave(h);
}

/* Model-specific registers a P6 guest reads at boot. */
static uint64_t rdmsr(struct unit_machine *h, uint32_t index, int *vector)
{
    struct insn in = insn_reg(0, 0, 4);
    h->cpu->regs[R_ECX] = index;
    h->cpu->regs[R_EAX] = h->cpu->regs[R_EDX] = 0xdeadbeef;
    *vector = TRY(h, exec_RDMSR(h->cpu, &in));
    return ((uint64_t)(uint32_t)h->cpu->regs[R_EDX] << 32) | (uint32_t)h->cpu->regs[R_EAX];
}

static int wrmsr(struct unit_machine *h, uint32_t index, uint64_t value)
{
    struct insn in = insn_reg(0, 0, 4);
    h->cpu->regs[R_ECX] = index;
    h->cpu->regs[R_EAX] = (uint32_t)value;
    h->cpu->regs[R_EDX] = (uint32_t)(value >> 32);
    return TRY(h, exec_WRMSR(h->cpu, &in));
}

static void test_p6_msrs(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    int vector;
    set_ring(h, 0);

    /* IA32_PLATFORM_ID: a platform flag in bits 52:50, read-only. */
    uint64_t v = rdmsr(h, 0x17, &vector);
    CHECK(h, vector == -1 && v == (1ull << 50));
    CHECK(h, wrmsr(h, 0x17, 0) == EXC_GP && ERR(h) == 0);
    CHECK(h, rdmsr(h, 0x17, &vector) == (1ull << 50));

    /* EBL_CR_POWERON: 100 MHz bus in bits 19:18, ratio code in 25:22;
     * writes change nothing. */
    v = rdmsr(h, 0x2a, &vector);
    CHECK(h, vector == -1 && v == 0x00880000u && ((v >> 18) & 3) == 2);
    CHECK(h, wrmsr(h, 0x2a, 0x6) == -1 && rdmsr(h, 0x2a, &vector) == 0x00880000u);

    /* IA32_BIOS_SIGN_ID: the microcode revision in the high half is 0,
     * before and after the write-then-CPUID protocol. */
    CHECK(h, rdmsr(h, 0x8b, &vector) == 0 && vector == -1);
    CHECK(h, wrmsr(h, 0x8b, 0x1234567800000000ull) == -1);
    struct insn in = insn_reg(0, 0, 4);
    cpu->regs[R_EAX] = 1;
    CHECK(h, TRY(h, exec_CPUID(cpu, &in)) == -1);
    CHECK(h, rdmsr(h, 0x8b, &vector) == 0 && vector == -1);

    /* The P5 machine-check registers exist on a P6 and hold no error. */
    CHECK(h, rdmsr(h, 0x0, &vector) == 0 && vector == -1);
    CHECK(h, rdmsr(h, 0x1, &vector) == 0 && vector == -1);

    /* Machine-check architecture, advertised by CPUID.1:EDX bit 14 (SDM
     * vol. 3, 15.3): five banks and no IA32_MCG_CTL. */
    cpu->regs[R_EAX] = 1;
    CHECK(h, TRY(h, exec_CPUID(cpu, &in)) == -1 && (cpu->regs[R_EDX] & (1u << 14)));
    CHECK(h, rdmsr(h, 0x179, &vector) == 5 && vector == -1);
    CHECK(h, wrmsr(h, 0x179, 5) == EXC_GP);
    rdmsr(h, 0x17b, &vector);
    CHECK(h, vector == EXC_GP && wrmsr(h, 0x17b, ~0ull) == EXC_GP);
    /* IA32_MCG_STATUS: no machine check in progress; only clearing it. */
    CHECK(h, rdmsr(h, 0x17a, &vector) == 0 && vector == -1);
    CHECK(h, wrmsr(h, 0x17a, 0) == -1 && wrmsr(h, 0x17a, 4) == EXC_GP && ERR(h) == 0);
    for (uint32_t bank = 0; bank < 5; bank++) {
        uint32_t ctl = 0x400 + 4 * bank;
        /* MCi_CTL: zero after reset, all zeros or all ones on a P6. */
        CHECK(h, rdmsr(h, ctl, &vector) == 0 && vector == -1);
        CHECK(h, wrmsr(h, ctl, ~0ull) == -1 && rdmsr(h, ctl, &vector) == ~0ull);
        CHECK(h, wrmsr(h, ctl, 0xffffffffu) == EXC_GP && wrmsr(h, ctl, 1) == EXC_GP);
        CHECK(h, rdmsr(h, ctl, &vector) == ~0ull);
        /* MCi_STATUS and MCi_ADDR: nothing logged, only zeros written. */
        for (uint32_t r = 1; r <= 2; r++) {
            CHECK(h, rdmsr(h, ctl + r, &vector) == 0 && vector == -1);
            CHECK(h, wrmsr(h, ctl + r, 0) == -1);
            CHECK(h, wrmsr(h, ctl + r, 1ull << 63) == EXC_GP && ERR(h) == 0);
        }
        /* MCi_MISC is not implemented. */
        rdmsr(h, ctl + 3, &vector);
        CHECK(h, vector == EXC_GP && wrmsr(h, ctl + 3, 0) == EXC_GP);
    }
    /* Past the last bank. */
    rdmsr(h, 0x414, &vector);
    CHECK(h, vector == EXC_GP && wrmsr(h, 0x414, 0) == EXC_GP);
    /* None of them at CPL 3. */
    set_ring(h, 3);
    rdmsr(h, 0x17, &vector);
    CHECK(h, vector == EXC_GP);
    CHECK(h, wrmsr(h, 0x8b, 0) == EXC_GP);
    CHECK(h, wrmsr(h, 0x400, 0) == EXC_GP);
    set_ring(h, 0);

    /* Reset clears the bank controls (real mode, CPL 0). */
    cpu_reset(cpu);
    CHECK(h, rdmsr(h, 0x404, &vector) == 0 && vector == -1);
}

int main(void)
{
    struct unit_machine h;
    harness_init(&h);
    test_cr4_and_cpuid(&h);
    test_v86_without_vme(&h);
    test_vme_cli_sti(&h);
    test_vme_pushf_popf(&h);
    test_vme_iret(&h);
    test_int_methods(&h);
    test_pvi(&h);
    test_p6_msrs(&h);
    unit_machine_free(&h);
    return UNIT_REPORT(&h);
}
