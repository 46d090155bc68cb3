/*
 * Hardware breakpoints (SDM vol. 3, 17.2 and 17.3): instruction
 * breakpoints and RF, data breakpoints of each length and kind at CPL 0
 * and 3 and on implicit supervisor accesses, REP string instructions, I/O
 * breakpoints with CR4.DE, how DR6 reports them, single-stepping together
 * with breakpoints, and that disabled breakpoints leave the fast paths
 * alone.
 *
 * Guest code runs through cpu_run(). With stop_on_exception the run stops
 * at the #DB with the state its handler would see; the tests of delivery
 * use a handler in guest memory that records what it was given. A data or
 * I/O breakpoint traps at the boundary after the instruction, which the
 * run reaches only with budget for another instruction: the code under
 * test ends in HLT, and run_insn() gives it that budget.
 */
#include "cpu/breakpoint.h"
#include "system_harness.h"

#define CODE_AT 0x6000u    /* the code under test */
#define HANDLER 0x6800u    /* the #DB handler */
#define OTHER 0x6900u      /* handler of the other vectors: inc ebx; hlt */
#define DATA 0x10000u      /* the page data breakpoints watch */
#define RECORD 0x30000u    /* what the #DB handler saw: EIP, EFLAGS, DR6, count */
#define PD_BASE 0x20000u   /* page tables of the paging tests */
#define PT_LOW 0x21000u
#define PT_HIGH 0x22000u   /* maps linear 0x00400000 */
#define LIN_HIGH 0x00400000u

/* DR7 fields (SDM vol. 3, 17.2.4). */
enum { RW_X = 0, RW_W = 1, RW_IO = 2, RW_RW = 3 };
enum { LEN1 = 0, LEN2 = 1, LEN8 = 2, LEN4 = 3 };
#define DR7_GD (1u << 13)
#define DR6_FIXED 0xffff0ff0u

/* Breakpoint n locally enabled, with its R/W and LEN fields. */
static uint32_t bp(unsigned n, unsigned rw, unsigned len)
{
    return (1u << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n));
}

/* MOV DRn, reg and MOV CR4, reg as the guest executes them. */
static void mov_dr(struct unit_machine *h, unsigned n, uint32_t v)
{
    struct insn in = insn_reg(n, R_EBP, 4);
    h->cpu->regs[R_EBP] = v;
    CHECK(h, TRY(h, exec_MOV_DR(h->cpu, &in)) == -1);
}

static void mov_cr4(struct unit_machine *h, uint32_t v)
{
    struct insn in = insn_reg(4, R_EBP, 4);
    h->cpu->regs[R_EBP] = v;
    CHECK(h, TRY(h, exec_MOV_CR(h->cpu, &in)) == -1);
}

static enum cpu_exit run(struct unit_machine *h, uint32_t eip, uint64_t n)
{
    h->cpu->eip = eip;
    h->cpu->halted = false;
    h->cpu->last_exception = -1;
    return cpu_run(h->cpu, n);
}

/* One instruction at eip and the trap after it, if any. */
static enum cpu_exit run_insn(struct unit_machine *h, uint32_t eip)
{
    return run(h, eip, 2);
}

static bool stopped_db(struct unit_machine *h, enum cpu_exit e)
{
    return e == CPU_EXIT_EXCEPTION && h->cpu->last_exception == EXC_DB;
}

static uint32_t dr6_b(struct unit_machine *h)
{
    return h->cpu->dr[6] & DR6_B_MASK;
}

/* Protected mode at CPL 0, no breakpoints, DR6 clear, #DB stops the run. */
static void setup(struct unit_machine *h)
{
    harness_init(h);
    h->cpu->stop_on_exception = true;
    cpu_set_eflags(h->cpu, 2);
    mov_dr(h, 6, 0);
}

/*
 * A #DB handler that records the EIP and EFLAGS it was given and DR6,
 * counts its calls, and returns with RF set in the image, as debuggers do
 * to resume after an instruction breakpoint. Vectors 6 and 0x30 go to
 * OTHER.
 */
static void install_handlers(struct unit_machine *h)
{
    CODE(h, HANDLER,
         0x50,                               /* push eax */
         0x8b, 0x44, 0x24, 0x04,             /* mov eax, [esp+4]: EIP */
         0xa3, 0x00, 0x00, 0x03, 0x00,       /* mov [RECORD], eax */
         0x8b, 0x44, 0x24, 0x0c,             /* mov eax, [esp+12]: EFLAGS */
         0xa3, 0x04, 0x00, 0x03, 0x00,       /* mov [RECORD+4], eax */
         0x0f, 0x21, 0xf0,                   /* mov eax, dr6 */
         0xa3, 0x08, 0x00, 0x03, 0x00,       /* mov [RECORD+8], eax */
         0xff, 0x05, 0x0c, 0x00, 0x03, 0x00, /* inc dword [RECORD+12] */
         0x58,                               /* pop eax */
         0x81, 0x4c, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00, /* or dword [esp+8], RF */
         0xcf);                              /* iretd */
    CODE(h, OTHER, 0x43, 0xf4);              /* inc ebx; hlt */
    put_idt_gate(h, EXC_DB, SEL_CODE0, HANDLER, DESC_INT32, 0);
    put_idt_gate(h, EXC_UD, SEL_CODE0, OTHER, DESC_INT32, 0);
    put_idt_gate(h, 0x30, SEL_CODE0, OTHER, DESC_INT32, 0);
    for (uint32_t i = 0; i < 16; i += 4)
        wr32(h, RECORD + i, 0);
    h->cpu->stop_on_exception = false;
}

static void test_instruction_breakpoints(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    CODE(h, CODE_AT, 0x41, 0x41, 0xeb, 0xfd); /* inc ecx; l: inc ecx; jmp l */

    /* The loop runs from the TLB and the decoded-instruction cache... */
    CHECK(h, run(h, CODE_AT, 10) == CPU_EXIT_BUDGET);
    const struct tlb_entry *te = &cpu->tlb[0][(CODE_AT >> 12) & (TLB_SIZE - 1)];
    CHECK(h, te->tag_exec == (CODE_AT & ~0xfffu));

    /* ...until the breakpoint: a fault before the instruction, EIP at it,
     * nothing executed. */
    cpu->regs[R_ECX] = 0;
    mov_dr(h, 0, CODE_AT + 1);
    mov_dr(h, 7, bp(0, RW_X, LEN1));
    CHECK(h, cpu->bp_exec_mask == 1 && cpu->bp_data_mask == 0 && cpu->bp_io_mask == 0);
    enum cpu_exit e = run(h, CODE_AT, 10);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 1 && cpu->regs[R_ECX] == 1);
    CHECK(h, cpu->dr[6] == (DR6_FIXED | 1u) && te->tag_exec == TLB_INVALID);

    /* RF lets the instruction run once; it is clear after it, so the
     * breakpoint fires again the next time round the loop. */
    cpu_set_eflags(cpu, 2 | FL_RF);
    CHECK(h, cpu_run(cpu, 1) == CPU_EXIT_BUDGET && cpu->regs[R_ECX] == 2);
    CHECK(h, !(cpu_get_eflags(cpu) & FL_RF));
    e = cpu_run(cpu, 10);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 1 && cpu->regs[R_ECX] == 2);

    /* G enables as L does; with neither the breakpoint is off. */
    mov_dr(h, 7, 2u << 0);
    CHECK(h, cpu->bp_exec_mask == 1);
    CHECK(h, stopped_db(h, run(h, CODE_AT + 1, 5)));
    mov_dr(h, 7, 0);
    CHECK(h, cpu->bp_exec_mask == 0);
    CHECK(h, run(h, CODE_AT + 1, 5) == CPU_EXIT_BUDGET);
    CHECK(h, te->tag_exec == (CODE_AT & ~0xfffu));

    /* DR3 on a UD2: the breakpoint comes first, then the #UD. */
    CODE(h, CODE_AT + 0x10, 0x0f, 0x0b);
    mov_dr(h, 3, CODE_AT + 0x10);
    mov_dr(h, 7, bp(3, RW_X, LEN1));
    CHECK(h, stopped_db(h, run(h, CODE_AT + 0x10, 1)) && dr6_b(h) == 8u);
    cpu_set_eflags(cpu, 2 | FL_RF);
    e = cpu_run(cpu, 1);
    CHECK(h, e == CPU_EXIT_EXCEPTION && cpu->last_exception == EXC_UD);

    /* The address is linear: CS.base + EIP. */
    cpu_set_seg(cpu, SEG_CS, SEL_CODE0, 0x10, 0xffffffffu, A_CODE(0) | SEG_TYPE_ACCESSED);
    mov_dr(h, 0, CODE_AT + 1);
    mov_dr(h, 7, bp(0, RW_X, LEN1));
    cpu_set_eflags(cpu, 2);
    CHECK(h, stopped_db(h, run(h, CODE_AT + 1 - 0x10, 1)) && cpu->eip == CODE_AT + 1 - 0x10);
    set_ring(h, 0);

    /* Through the IDT: the handler gets RF clear in its EFLAGS image (SDM
     * vol. 3, 17.3.1.1), sets it, and the instruction then runs once. */
    install_handlers(h);
    CODE(h, CODE_AT + 0x20, 0x41, 0x41, 0xf4); /* inc ecx; inc ecx; hlt */
    mov_dr(h, 0, CODE_AT + 0x21);
    cpu->regs[R_ECX] = 0;
    e = run(h, CODE_AT + 0x20, 20);
    CHECK(h, e == CPU_EXIT_HALT && cpu->regs[R_ECX] == 2 && rd32(h, RECORD + 12) == 1);
    CHECK(h, rd32(h, RECORD) == CODE_AT + 0x21 && !(rd32(h, RECORD + 4) & FL_RF));
    CHECK(h, (rd32(h, RECORD + 8) & DR6_B_MASK) == 1u);
}

/* One access, MOV [addr], AL/AX/EAX or MOV AL/AX/EAX, [addr], and HLT. */
static void emit_access(struct unit_machine *h, uint32_t addr, unsigned size, bool write)
{
    uint8_t code[8];
    unsigned n = 0;
    if (size == 2)
        code[n++] = 0x66;
    code[n++] = (uint8_t)((write ? 0xa2 : 0xa0) + (size != 1));
    memcpy(code + n, &addr, 4);
    code[n + 4] = 0xf4;
    mem_write_block(h->mem, CODE_AT, code, n + 5);
}

/* Does that access trap, with B1 alone in DR6? */
static bool access_traps(struct unit_machine *h, uint32_t addr, unsigned size, bool write)
{
    emit_access(h, addr, size, write);
    h->cpu->dr[6] = DR6_FIXED;
    enum cpu_exit e = run_insn(h, CODE_AT);
    if (e != CPU_EXIT_EXCEPTION)
        return false;
    uint32_t next = CODE_AT + (size == 2 ? 6 : 5);
    return stopped_db(h, e) && h->cpu->eip == next && dr6_b(h) == 2u;
}

static void test_data_breakpoints(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    static const struct {
        unsigned rw, len;
        uint32_t dr; /* DR1 */
        uint32_t addr;
        unsigned size;
        bool write, hit;
    } cases[] = {
        /* One byte at DATA+0x13. */
        { RW_W, LEN1, DATA + 0x13, DATA + 0x13, 1, true, true },
        { RW_W, LEN1, DATA + 0x13, DATA + 0x12, 1, true, false },
        { RW_W, LEN1, DATA + 0x13, DATA + 0x14, 1, true, false },
        { RW_W, LEN1, DATA + 0x13, DATA + 0x12, 2, true, true },
        { RW_W, LEN1, DATA + 0x13, DATA + 0x11, 4, true, true },
        { RW_W, LEN1, DATA + 0x13, DATA + 0x0f, 4, true, false },
        /* Two bytes: the address is masked down to DATA+0x12. */
        { RW_W, LEN2, DATA + 0x13, DATA + 0x12, 1, true, true },
        { RW_W, LEN2, DATA + 0x13, DATA + 0x11, 1, true, false },
        { RW_W, LEN2, DATA + 0x13, DATA + 0x14, 1, true, false },
        { RW_W, LEN2, DATA + 0x13, DATA + 0x11, 2, true, true },
        { RW_W, LEN2, DATA + 0x13, DATA + 0x10, 2, true, false },
        /* Four bytes: DATA+0x10..0x13. */
        { RW_W, LEN4, DATA + 0x13, DATA + 0x10, 1, true, true },
        { RW_W, LEN4, DATA + 0x13, DATA + 0x0f, 1, true, false },
        { RW_W, LEN4, DATA + 0x13, DATA + 0x14, 1, true, false },
        { RW_W, LEN4, DATA + 0x13, DATA + 0x0f, 2, true, true },
        { RW_W, LEN4, DATA + 0x13, DATA + 0x0c, 4, true, false },
        { RW_W, LEN4, DATA + 0x13, DATA + 0x0d, 4, true, true },
        /* LEN 10: eight bytes, DATA+0x10..0x17. */
        { RW_W, LEN8, DATA + 0x13, DATA + 0x17, 1, true, true },
        { RW_W, LEN8, DATA + 0x13, DATA + 0x18, 1, true, false },
        /* Reads: only R/W 11 watches them. */
        { RW_W, LEN4, DATA + 0x10, DATA + 0x10, 4, false, false },
        { RW_RW, LEN4, DATA + 0x10, DATA + 0x10, 4, false, true },
        { RW_RW, LEN1, DATA + 0x10, DATA + 0x0f, 2, false, true },
        { RW_RW, LEN1, DATA + 0x10, DATA + 0x11, 2, false, false },
        { RW_RW, LEN2, DATA + 0x10, DATA + 0x11, 1, true, true },
        /* Accesses that straddle a page boundary, from either side. */
        { RW_W, LEN4, DATA + 0x1000, DATA + 0xffe, 4, true, true },
        { RW_W, LEN4, DATA + 0x1000, DATA + 0xffe, 2, true, false },
        { RW_RW, LEN4, DATA + 0x1000, DATA + 0xffe, 4, false, true },
        { RW_W, LEN4, DATA + 0xffc, DATA + 0xffe, 4, true, true },
        { RW_RW, LEN2, DATA + 0xffe, DATA + 0xfff, 2, false, true },
    };
    for (unsigned ring = 0; ring <= 3; ring += 3) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            set_ring(h, 0);
            mov_dr(h, 1, cases[i].dr);
            mov_dr(h, 7, bp(1, cases[i].rw, cases[i].len));
            set_ring(h, ring);
            bool hit = access_traps(h, cases[i].addr, cases[i].size, cases[i].write);
            CHECK_CASE(h, hit == cases[i].hit, "case %zu at CPL %u", i, ring);
        }
        set_ring(h, 0);
    }

    /* Only the watched page leaves the fast path, and only for the
     * accesses watched: reads stay fast under a write breakpoint. */
    mov_dr(h, 1, DATA + 0x10);
    mov_dr(h, 7, bp(1, RW_W, LEN4));
    CHECK(h, cpu->bp_data_mask == 2);
    CHECK(h, !access_traps(h, DATA + 0x20, 4, true) && !access_traps(h, DATA + 0x1020, 4, true));
    CHECK(h, !access_traps(h, DATA + 0x20, 4, false));
    const struct tlb_entry *e = &cpu->tlb[0][(DATA >> 12) & (TLB_SIZE - 1)];
    const struct tlb_entry *e2 = &cpu->tlb[0][((DATA + 0x1000) >> 12) & (TLB_SIZE - 1)];
    CHECK(h, e->tag_write == TLB_INVALID && e->tag_read == DATA && e->tag_exec == DATA);
    CHECK(h, e2->tag_write == DATA + 0x1000 && e2->tag_read == DATA + 0x1000);
    mov_dr(h, 7, bp(1, RW_RW, LEN4));
    CHECK(h, !access_traps(h, DATA + 0x20, 4, false));
    CHECK(h, e->tag_write == TLB_INVALID && e->tag_read == TLB_INVALID);

    /* A read-modify-write under a write breakpoint traps once. */
    mov_dr(h, 7, bp(1, RW_W, LEN4));
    CODE(h, CODE_AT, 0x01, 0x05, 0x10, 0x00, 0x01, 0x00, 0xf4); /* add [DATA+0x10], eax */
    mov_dr(h, 6, 0);
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->eip == CODE_AT + 6 && dr6_b(h) == 2u);

    /* An access that wraps around 4 GiB hits at both ends. */
    mov_dr(h, 1, 0);
    mov_dr(h, 7, bp(1, RW_W, LEN1));
    cpu_set_seg(cpu, SEG_DS, SEL_DATA0, 0x1000, 0xffffffffu, A_DATA(0) | SEG_TYPE_ACCESSED);
    CHECK(h, access_traps(h, 0xffffeffeu, 4, true));
    CHECK(h, !access_traps(h, 0xffffeffcu, 2, true));
    mov_dr(h, 1, 0xffffffffu);
    CHECK(h, access_traps(h, 0xffffeffeu, 4, true));
    set_ring(h, 0);

    /* Two breakpoints hit by one access are reported together. */
    mov_dr(h, 0, DATA + 0x12);
    mov_dr(h, 1, DATA + 0x10);
    mov_dr(h, 3, DATA + 0x10);
    mov_dr(h, 7, bp(0, RW_W, LEN1) | bp(1, RW_W, LEN4) | bp(3, RW_RW, LEN2));
    emit_access(h, DATA + 0x11, 2, true);
    mov_dr(h, 6, 0);
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && dr6_b(h) == 0xbu);
    mov_dr(h, 7, 0);
}

static int ack_vector_30(void *opaque)
{
    cpu_set_intr(opaque, false);
    return 0x30;
}

/* Implicit supervisor accesses: descriptor reads, interrupt frames. */
static void test_supervisor_accesses(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;

    /* MOV DS at CPL 3 reads the GDT with supervisor privilege. */
    mov_dr(h, 2, GDT_BASE + (SEL_DATA3 & ~7u) + 4);
    mov_dr(h, 7, bp(2, RW_RW, LEN4));
    set_ring(h, 3);
    CODE(h, CODE_AT, 0x8e, 0xd8, 0xf4); /* mov ds, ax */
    cpu->regs[R_EAX] = SEL_DATA3;
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->eip == CODE_AT + 2 && dr6_b(h) == 4u);
    CHECK(h, cpu->cpl == 3 && cpu->seg[SEG_DS].sel == SEL_DATA3);
    set_ring(h, 0);

    /* INT n: the frame it pushes hits, the trap comes before the
     * handler's first instruction. */
    install_handlers(h);
    cpu->stop_on_exception = true;
    mov_dr(h, 2, STACK0_TOP - 4); /* the EFLAGS slot */
    mov_dr(h, 7, bp(2, RW_W, LEN4));
    cpu->regs[R_EBX] = 0;
    CODE(h, CODE_AT, 0xcd, 0x30); /* int 0x30 */
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->eip == OTHER && dr6_b(h) == 4u);
    CHECK(h, cpu->regs[R_EBX] == 0);

    /* An external interrupt: the same, before the handler runs. */
    cpu_set_intc(cpu, &(struct cpu_intc){ ack_vector_30, cpu });
    cpu_set_intr(cpu, true);
    CODE(h, CODE_AT, 0x41); /* inc ecx */
    cpu_set_eflags(cpu, 2 | FL_IF);
    set_ring(h, 0);
    CHECK(h, stopped_db(h, run(h, CODE_AT, 1)) && cpu->eip == OTHER && dr6_b(h) == 4u);
    CHECK(h, cpu->regs[R_EBX] == 0 && !cpu->intr_line);
    cpu_set_intc(cpu, &(struct cpu_intc){ NULL, NULL });
    cpu_set_eflags(cpu, 2);

    /* An exception: the #UD frame hits while it is delivered; the #DB
     * handler then returns to the #UD handler's first instruction. */
    cpu->stop_on_exception = false;
    set_ring(h, 0);
    CODE(h, CODE_AT, 0x0f, 0x0b); /* ud2 */
    enum cpu_exit e = run(h, CODE_AT, 20);
    CHECK(h, e == CPU_EXIT_HALT && cpu->regs[R_EBX] == 1 && rd32(h, RECORD + 12) == 1);
    CHECK(h, rd32(h, RECORD) == OTHER && (rd32(h, RECORD + 8) & DR6_B_MASK) == 4u);
    mov_dr(h, 7, 0);
}

static void test_rep_strings(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;

    /* REP STOSB traps after the element that wrote the byte, with EIP at
     * the instruction and RF set so it resumes where it stopped. */
    CODE(h, CODE_AT, 0xf3, 0xaa, 0xf4); /* rep stosb; hlt */
    mov_dr(h, 1, DATA + 0x25);
    mov_dr(h, 7, bp(1, RW_W, LEN1));
    cpu->regs[R_ECX] = 16;
    cpu->regs[R_EDI] = DATA + 0x20;
    cpu->regs[R_EAX] = 0x55;
    enum cpu_exit e = run(h, CODE_AT, 50);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT && dr6_b(h) == 2u);
    CHECK(h, cpu->regs[R_ECX] == 10 && cpu->regs[R_EDI] == DATA + 0x26);
    CHECK(h, (cpu_get_eflags(cpu) & FL_RF) != 0);
    e = cpu_run(cpu, 20);
    CHECK(h, e == CPU_EXIT_HALT && cpu->regs[R_ECX] == 0 && cpu->regs[R_EDI] == DATA + 0x30);
    CHECK(h, !(cpu_get_eflags(cpu) & FL_RF));

    /* The last element: the instruction is complete, EIP past it. */
    cpu->regs[R_ECX] = 6;
    cpu->regs[R_EDI] = DATA + 0x20;
    e = run(h, CODE_AT, 50);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 2 && cpu->regs[R_ECX] == 0);
    CHECK(h, !(cpu_get_eflags(cpu) & FL_RF));

    /* REP MOVSD reading a watched dword. */
    CODE(h, CODE_AT, 0xf3, 0xa5, 0xf4); /* rep movsd; hlt */
    mov_dr(h, 7, bp(1, RW_RW, LEN4));
    cpu->regs[R_ECX] = 8;
    cpu->regs[R_ESI] = DATA + 0x20;
    cpu->regs[R_EDI] = DATA + 0x100;
    e = run(h, CODE_AT, 50);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT && cpu->regs[R_ECX] == 6);

    /* An instruction breakpoint on the REP and a data breakpoint inside
     * it: two #DBs, not three, because the data trap pushes RF set. */
    install_handlers(h);
    CODE(h, CODE_AT, 0xf3, 0xaa, 0xf4); /* rep stosb; hlt */
    mov_dr(h, 0, CODE_AT);
    mov_dr(h, 7, bp(0, RW_X, LEN1) | bp(1, RW_W, LEN1));
    cpu->regs[R_ECX] = 16;
    cpu->regs[R_EDI] = DATA + 0x20;
    cpu_set_eflags(cpu, 2);
    e = run(h, CODE_AT, 50);
    CHECK(h, e == CPU_EXIT_HALT && cpu->regs[R_ECX] == 0 && rd32(h, RECORD + 12) == 2);
    CHECK(h, rd32(h, RECORD) == CODE_AT && (rd32(h, RECORD + 4) & FL_RF));
    CHECK(h, (rd32(h, RECORD + 8) & DR6_B_MASK) == 2u);
    mov_dr(h, 7, 0);
}

static void test_io_breakpoints(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;

    /* Without CR4.DE, R/W 10 watches nothing. */
    mov_dr(h, 0, 0x80);
    mov_dr(h, 7, bp(0, RW_IO, LEN1));
    CHECK(h, cpu->bp_io_mask == 0);
    CODE(h, CODE_AT, 0xe6, 0x80, 0xf4); /* out 0x80, al */
    CHECK(h, run_insn(h, CODE_AT) == CPU_EXIT_BUDGET);

    /* With it, OUT and IN on the port trap after the instruction. */
    mov_cr4(h, CR4_DE);
    CHECK(h, cpu->bp_io_mask == 1 && cpu->bp_data_mask == 0);
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->eip == CODE_AT + 2 && dr6_b(h) == 1u);
    CODE(h, CODE_AT, 0xe4, 0x80, 0xf4); /* in al, 0x80 */
    mov_dr(h, 6, 0);
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && dr6_b(h) == 1u);
    CODE(h, CODE_AT, 0xe4, 0x81, 0xf4); /* in al, 0x81 */
    CHECK(h, run_insn(h, CODE_AT) == CPU_EXIT_BUDGET);

    /* A word access covering the port, and ports next to it. */
    CODE(h, CODE_AT, 0x66, 0xef, 0xf4); /* out dx, ax */
    cpu->regs[R_EDX] = 0x7f;
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)));
    cpu->regs[R_EDX] = 0x81;
    CHECK(h, run_insn(h, CODE_AT) == CPU_EXIT_BUDGET);
    mov_dr(h, 0, 0x83); /* LEN 4: ports 0x80..0x83 */
    mov_dr(h, 7, bp(0, RW_IO, LEN4));
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)));
    cpu->regs[R_EDX] = 0x84;
    CHECK(h, run_insn(h, CODE_AT) == CPU_EXIT_BUDGET);
    /* DRn is compared whole: a port never matches an address above 64 KiB. */
    mov_dr(h, 0, 0x10080);
    mov_dr(h, 7, bp(0, RW_IO, LEN1));
    cpu->regs[R_EDX] = 0x80;
    CHECK(h, run_insn(h, CODE_AT) == CPU_EXIT_BUDGET);

    /* At CPL 3 through the TSS bitmap, which allows port 0x80. */
    mov_dr(h, 0, 0x80);
    CODE(h, CODE_AT, 0xe6, 0x80, 0xf4);
    set_ring(h, 3);
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->cpl == 3);
    set_ring(h, 0);

    /* REP OUTSB and REP INSB trap after the first element. */
    cpu->regs[R_EDX] = 0x80;
    CODE(h, CODE_AT, 0xf3, 0x6e, 0xf4); /* rep outsb */
    cpu->regs[R_ECX] = 4;
    cpu->regs[R_ESI] = DATA;
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->eip == CODE_AT && cpu->regs[R_ECX] == 3);
    CODE(h, CODE_AT, 0xf3, 0x6c, 0xf4); /* rep insb */
    cpu->regs[R_ECX] = 4;
    cpu->regs[R_EDI] = DATA;
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->regs[R_ECX] == 3);
    CHECK(h, cpu->regs[R_EDI] == DATA + 1);
    /* No element, no access, no trap. */
    cpu->regs[R_ECX] = 0;
    cpu_set_eflags(cpu, 2);
    CHECK(h, run_insn(h, CODE_AT) == CPU_EXIT_BUDGET);

    /* Clearing CR4.DE turns them off again. */
    mov_cr4(h, 0);
    CHECK(h, cpu->bp_io_mask == 0);
    CODE(h, CODE_AT, 0xe6, 0x80, 0xf4);
    CHECK(h, run_insn(h, CODE_AT) == CPU_EXIT_BUDGET);
    mov_dr(h, 7, 0);
}

/* DR6: B0-B3 report the breakpoints of the latest #DB; BD, BS and BT stay
 * set until software clears them (SDM vol. 3, 17.2.3). */
static void test_dr6(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    mov_dr(h, 6, 0);
    CHECK(h, cpu->dr[6] == DR6_FIXED);

    CODE(h, CODE_AT, 0x41); /* inc ecx */
    cpu_set_eflags(cpu, 2 | FL_TF);
    CHECK(h, stopped_db(h, run(h, CODE_AT, 1)) && cpu->dr[6] == (DR6_FIXED | DR6_BS));

    cpu_set_eflags(cpu, 2);
    mov_dr(h, 1, DATA + 0x10);
    mov_dr(h, 2, DATA + 0x20);
    mov_dr(h, 7, bp(1, RW_W, LEN4) | bp(2, RW_W, LEN4));
    emit_access(h, DATA + 0x10, 4, true);
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->dr[6] == (DR6_FIXED | DR6_BS | 2u));
    emit_access(h, DATA + 0x20, 4, true);
    CHECK(h, stopped_db(h, run_insn(h, CODE_AT)) && cpu->dr[6] == (DR6_FIXED | DR6_BS | 4u));

    /* General detect: a fault on the MOV DR with BD added, GD cleared. */
    mov_dr(h, 7, bp(2, RW_W, LEN4) | DR7_GD);
    CODE(h, CODE_AT, 0x0f, 0x21, 0xf0); /* mov eax, dr6 */
    CHECK(h, stopped_db(h, run(h, CODE_AT, 1)) && cpu->eip == CODE_AT);
    CHECK(h, cpu->dr[6] == (DR6_FIXED | DR6_BS | DR6_BD) && !(cpu->dr[7] & DR7_GD));
    mov_dr(h, 7, 0);
}

static void test_with_single_step(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;

    /* A data breakpoint and the single-step trap of the same instruction
     * make one #DB. */
    mov_dr(h, 1, DATA + 0x10);
    mov_dr(h, 7, bp(1, RW_W, LEN4));
    emit_access(h, DATA + 0x10, 4, true);
    cpu_set_eflags(cpu, 2 | FL_TF);
    mov_dr(h, 6, 0);
    enum cpu_exit e = run(h, CODE_AT, 1);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 5);
    CHECK(h, cpu->dr[6] == (DR6_FIXED | DR6_BS | 2u));

    /* Stepping onto an instruction breakpoint: the trap after the first
     * instruction, then the fault before the second. */
    CODE(h, CODE_AT, 0x41, 0x41); /* inc ecx; inc ecx */
    mov_dr(h, 0, CODE_AT + 1);
    mov_dr(h, 7, bp(0, RW_X, LEN1));
    cpu->regs[R_ECX] = 0;
    mov_dr(h, 6, 0);
    e = run(h, CODE_AT, 5);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 1 && cpu->regs[R_ECX] == 1);
    CHECK(h, cpu->dr[6] == (DR6_FIXED | DR6_BS));
    mov_dr(h, 6, 0);
    e = cpu_run(cpu, 5);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 1 && cpu->regs[R_ECX] == 1);
    CHECK(h, cpu->dr[6] == (DR6_FIXED | 1u));
    cpu_set_eflags(cpu, cpu_get_eflags(cpu) | FL_RF);
    e = cpu_run(cpu, 5);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 2 && cpu->regs[R_ECX] == 2);
    CHECK(h, cpu->dr[6] == (DR6_FIXED | DR6_BS));

    /* MOV SS holds the debug trap of its descriptor read, and the
     * single-step trap, until the next instruction completes (SDM vol. 3,
     * 6.8.3). */
    mov_dr(h, 2, GDT_BASE + (SEL_DATA0 & ~7u) + 4);
    mov_dr(h, 7, bp(2, RW_RW, LEN4));
    CODE(h, CODE_AT, 0x8e, 0xd0, 0x41, 0x41); /* mov ss, ax; inc ecx; inc ecx */
    cpu->regs[R_EAX] = SEL_DATA0;
    cpu->regs[R_ECX] = 0;
    mov_dr(h, 6, 0);
    cpu_set_eflags(cpu, 2);
    e = run(h, CODE_AT, 5);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 3 && cpu->regs[R_ECX] == 1);
    CHECK(h, cpu->dr[6] == (DR6_FIXED | 4u));
    cpu->regs[R_ECX] = 0;
    mov_dr(h, 6, 0);
    cpu_set_eflags(cpu, 2 | FL_TF);
    e = run(h, CODE_AT, 5);
    CHECK(h, stopped_db(h, e) && cpu->eip == CODE_AT + 3 && cpu->regs[R_ECX] == 1);
    CHECK(h, cpu->dr[6] == (DR6_FIXED | DR6_BS | 4u));
    cpu_set_eflags(cpu, 2);
    mov_dr(h, 7, 0);
}

/* Linear addresses under paging: LIN_HIGH maps DATA, the page after it is
 * not present. */
static void test_paging(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    for (uint32_t i = 0; i < 1024; i++) {
        wr32(h, PD_BASE + i * 4, 0);
        wr32(h, PT_LOW + i * 4, (i << 12) | 7);
        wr32(h, PT_HIGH + i * 4, 0);
    }
    wr32(h, PD_BASE, PT_LOW | 7);
    wr32(h, PD_BASE + 4, PT_HIGH | 7);
    wr32(h, PT_HIGH, DATA | 7);
    cpu->cr3 = PD_BASE;
    cpu->cr0 |= CR0_PG;
    cpu_tlb_flush_all(cpu);

    mov_dr(h, 1, LIN_HIGH + 0x10);
    mov_dr(h, 7, bp(1, RW_W, LEN4));
    CHECK(h, !access_traps(h, DATA + 0x10, 4, true));
    CHECK(h, access_traps(h, LIN_HIGH + 0x10, 4, true));

    /* A write that hits and then faults on the next page did not happen:
     * a #PF and no #DB, now or after. */
    mov_dr(h, 1, LIN_HIGH + 0xffc);
    emit_access(h, LIN_HIGH + 0xffe, 4, true);
    mov_dr(h, 6, 0);
    enum cpu_exit e = run(h, CODE_AT, 1);
    CHECK(h, e == CPU_EXIT_EXCEPTION && cpu->last_exception == EXC_PF);
    CHECK(h, cpu->bp_hits == 0 && dr6_b(h) == 0);
    CODE(h, CODE_AT + 0x10, 0x41); /* inc ecx */
    CHECK(h, run(h, CODE_AT + 0x10, 1) == CPU_EXIT_BUDGET);
    mov_dr(h, 7, 0);
}

/* Disabled breakpoints change nothing; a page regains its fast tags at the
 * first access after its breakpoint goes. */
static void test_disabled(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    mov_dr(h, 0, CODE_AT);
    mov_dr(h, 1, DATA + 0x10);
    mov_dr(h, 2, 0x80);
    mov_dr(h, 3, DATA + 0x10);
    mov_cr4(h, CR4_DE);
    /* Every R/W and LEN field set, L0-L3 and G0-G3 clear, LE and GE set. */
    mov_dr(h, 7, 0xffff0300u);
    CHECK(h, cpu->bp_exec_mask == 0 && cpu->bp_data_mask == 0 && cpu->bp_io_mask == 0);
    CODE(h, CODE_AT, 0xa3, 0x10, 0x00, 0x01, 0x00, /* mov [DATA+0x10], eax */
         0xa1, 0x10, 0x00, 0x01, 0x00,             /* mov eax, [DATA+0x10] */
         0xe6, 0x80, 0xf4);                        /* out 0x80, al; hlt */
    mov_dr(h, 6, 0);
    CHECK(h, run(h, CODE_AT, 10) == CPU_EXIT_HALT && cpu->dr[6] == DR6_FIXED);
    const struct tlb_entry *e = &cpu->tlb[0][(DATA >> 12) & (TLB_SIZE - 1)];
    CHECK(h, e->tag_read == DATA && e->tag_write == DATA);

    mov_dr(h, 7, bp(1, RW_RW, LEN4));
    CHECK(h, e->tag_read == TLB_INVALID && e->tag_write == TLB_INVALID);
    mov_dr(h, 7, 0);
    emit_access(h, DATA + 0x40, 4, true);
    CHECK(h, run(h, CODE_AT, 1) == CPU_EXIT_BUDGET);
    CHECK(h, e->tag_read == DATA && e->tag_write == DATA);
    mov_cr4(h, 0);
}

/* A task switch clears the local enables and keeps the global ones; RESET
 * disables everything. */
static void test_task_switch_and_reset(struct unit_machine *h)
{
    struct cpu *cpu = h->cpu;
    wr32(h, TSS2_BASE + 0x20, CODE_AT); /* EIP */
    wr32(h, TSS2_BASE + 0x24, 2);       /* EFLAGS */
    for (unsigned i = 0; i < SEG_COUNT; i++)
        wr16(h, TSS2_BASE + 0x48 + 4 * i, i == SEG_CS ? SEL_CODE0 : SEL_DATA0);
    wr32(h, TSS2_BASE + 0x38, STACK0_TOP); /* ESP */
    mov_dr(h, 0, CODE_AT);
    mov_dr(h, 1, CODE_AT);
    mov_dr(h, 7, bp(0, RW_X, LEN1) | (2u << 2));
    CHECK(h, cpu->bp_exec_mask == 3);
    CHECK(h, TRY(h, far_jump(cpu, SEL_TSS2, 0, 4)) == -1 && cpu->tr.sel == SEL_TSS2);
    CHECK(h, cpu->dr[7] == (0x400u | (2u << 2)) && cpu->bp_exec_mask == 2);

    /* After RESET no breakpoint fires, not even where DR0 now points. */
    cpu_reset(cpu);
    cpu->stop_on_exception = true;
    cpu_load_seg_real(cpu, SEG_CS, 0);
    CODE(h, 0, 0x41); /* inc cx */
    cpu->regs[R_ECX] = 0;
    CHECK(h, run(h, 0, 1) == CPU_EXIT_BUDGET && cpu->regs[R_ECX] == 1);
    CHECK(h, cpu->bp_exec_mask == 0);
}

int main(void)
{
    static void (*const tests[])(struct unit_machine *) = {
        test_instruction_breakpoints, test_data_breakpoints, test_supervisor_accesses,
        test_rep_strings, test_io_breakpoints, test_dr6, test_with_single_step,
        test_paging, test_disabled, test_task_switch_and_reset,
    };
    struct unit_tally total = { 0, 0 };
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        struct unit_machine h;
        setup(&h);
        tests[i](&h);
        total.passed += h.passed;
        total.failed += h.failed;
        unit_machine_free(&h);
    }
    return UNIT_REPORT(&total);
}
