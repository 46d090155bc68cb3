/*
 * Unit tests of 32-bit paging and the TLB (cpu/mmu.c, cpu/access.h), driven
 * by guest instructions through cpu_run():
 *  - every combination of U/S and R/W in the directory and table entry,
 *    CR0.WP, CPL and read/write, with the exact #PF error code and CR2;
 *  - not-present entries at both levels, instruction fetches;
 *  - accessed and dirty bits, also for a write after a read filled the TLB;
 *  - 4 MiB pages (CR4.PSE) and PS ignored without PSE;
 *  - global pages: kept by MOV CR3, dropped by INVLPG, by MOV CR4 and by
 *    cpu_tlb_flush_all();
 *  - accesses and instructions that straddle two pages;
 *  - the read of a read-modify-write faulting as a write;
 *  - mmu_peek() without side effects;
 *  - PAE paging: 4 KiB and 2 MiB pages, 64-bit entries with their A/D bits,
 *    reserved bits (#PF with RSVD), the PDPTE registers (loaded by MOV to
 *    CR0/CR3/CR4, #GP(0) on reserved bits, not re-read on a TLB miss),
 *    global pages, INVLPG, physical addresses above 4 GiB.
 */
#include "core_harness.h"
#include "cpu/access.h"

enum { PF_P = 1, PF_W = 2, PF_U = 4 };

#define PHYS_DATA 0x100000u /* backs LIN_TEST */
/* Where the test code runs: pages whose TLB slots no data page of the
 * tests shares, so a code fetch never evicts a translation under test. */
#define CODE_AT 0xf0000u
#define HELPER_AT 0xf1000u

/* mov eax, [lin] or mov [lin], eax at CODE_AT */
static void code_access(struct unit_machine *t, uint32_t lin, bool write)
{
    CODE(t, CODE_AT, write ? 0xa3 : 0xa1, (uint8_t)lin, (uint8_t)(lin >> 8), (uint8_t)(lin >> 16),
         (uint8_t)(lin >> 24));
}

/* Run one access at the ring; returns the exit. */
static enum cpu_exit access_at(struct unit_machine *t, uint32_t lin, bool write, unsigned ring)
{
    core_ring(t, ring);
    code_access(t, lin, write);
    return core_run(t, CODE_AT, 1);
}

/* Run the three-byte system instruction 0f op modrm at HELPER_AT with EAX
 * = eax, at ring 0 (which it leaves in force). */
static void ring0_insn(struct unit_machine *t, uint8_t op, uint8_t modrm, uint32_t eax)
{
    core_ring(t, 0);
    CODE(t, HELPER_AT, 0x0f, op, modrm);
    t->cpu->regs[R_EAX] = eax;
    core_run(t, HELPER_AT, 1);
}
static void mov_cr3(struct unit_machine *t, uint32_t v)
{
    ring0_insn(t, 0x22, 0xd8, v); /* mov cr3, eax */
}
static void mov_cr4(struct unit_machine *t, uint32_t v)
{
    ring0_insn(t, 0x22, 0xe0, v); /* mov cr4, eax */
}
static void invlpg(struct unit_machine *t, uint32_t lin)
{
    ring0_insn(t, 0x01, 0x38, lin); /* invlpg [eax] */
}

/* A read at ring 0 through the data path; returns EAX. */
static uint32_t read_lin(struct unit_machine *t, uint32_t lin)
{
    t->cpu->regs[R_EAX] = 0;
    access_at(t, lin, false, 0);
    return reg32(t, R_EAX);
}

/* SDM vol. 3, 4.6.1: user accesses need U/S = 1 at both levels and, for
 * writes, R/W = 1 at both; supervisor reads always pass, supervisor writes
 * need R/W = 1 at both levels only when CR0.WP = 1. */
static void test_permissions(struct unit_machine *t)
{
    for (unsigned bits = 0; bits < 64; bits++) {
        bool pde_us = bits & 1, pde_rw = bits & 2, pte_us = bits & 4, pte_rw = bits & 8;
        bool wp = bits & 16, write = bits & 32;
        for (unsigned ring = 0; ring <= 3; ring += 3) {
            core_paged(t);
            struct cpu *cpu = t->cpu;
            if (wp)
                cpu->cr0 |= CR0_WP;
            pde_set(t, LIN_TEST, PT_TEST | PG_P | (pde_us ? PG_US : 0) | (pde_rw ? PG_RW : 0));
            pte_set(t, LIN_TEST, PHYS_DATA | PG_P | (pte_us ? PG_US : 0) | (pte_rw ? PG_RW : 0));
            wr32(t, PHYS_DATA, 0xdeadbeef);
            cpu->regs[R_EAX] = write ? 0x12345678 : 0;
            cpu->cr2 = 0;

            bool user = ring == 3;
            bool user_ok = pde_us && pte_us, rw = pde_rw && pte_rw;
            bool ok = user ? user_ok && (!write || rw) : (!write || rw || !wp);
            enum cpu_exit e = access_at(t, LIN_TEST, write, ring);
            const char *fmt = "pde us=%d rw=%d pte us=%d rw=%d wp=%d cpl=%u %s";
#define ARGS pde_us, pde_rw, pte_us, pte_rw, wp, ring, write ? "write" : "read"
            if (ok) {
                CHECK_CASE(t, e == CPU_EXIT_BUDGET, fmt, ARGS);
                CHECK_CASE(t, cpu->eip == CODE_AT + 5, fmt, ARGS);
                if (write)
                    CHECK_CASE(t, rd32(t, PHYS_DATA) == 0x12345678, fmt, ARGS);
                else
                    CHECK_CASE(t, reg32(t, R_EAX) == 0xdeadbeef, fmt, ARGS);
                CHECK_CASE(t, (pde_get(t, LIN_TEST) & PG_A) != 0, fmt, ARGS);
                CHECK_CASE(t, (pte_get(t, LIN_TEST) & PG_A) != 0, fmt, ARGS);
                CHECK_CASE(t, ((pte_get(t, LIN_TEST) & PG_D) != 0) == write, fmt, ARGS);
            } else {
                uint32_t code = PF_P | (write ? PF_W : 0) | (user ? PF_U : 0);
                CHECK_CASE(t, core_faulted(t, e, EXC_PF, code), fmt, ARGS);
                CHECK_CASE(t, cpu->cr2 == LIN_TEST, fmt, ARGS);
                CHECK_CASE(t, cpu->eip == CODE_AT, fmt, ARGS);
                CHECK_CASE(t, rd32(t, PHYS_DATA) == 0xdeadbeef, fmt, ARGS);
                CHECK_CASE(t, reg32(t, R_EAX) == (write ? 0x12345678u : 0), fmt, ARGS);
                CHECK_CASE(t, (pte_get(t, LIN_TEST) & PG_D) == 0, fmt, ARGS);
            }
#undef ARGS
        }
    }
}

/* Not present at either level: P = 0 in the error code, W and U as the
 * access was. */
static void test_not_present(struct unit_machine *t)
{
    for (unsigned c = 0; c < 8; c++) {
        bool in_pde = c & 1, write = c & 2, user = c & 4;
        core_paged(t);
        if (in_pde)
            pde_set(t, LIN_TEST, PT_TEST | PG_RW | PG_US);
        else
            pte_set(t, LIN_TEST, PHYS_DATA | PG_RW | PG_US);
        t->cpu->regs[R_EAX] = 0x55;
        enum cpu_exit e = access_at(t, LIN_TEST + 0x123, write, user ? 3 : 0);
        uint32_t code = (write ? PF_W : 0) | (user ? PF_U : 0);
        CHECK_CASE(t, core_faulted(t, e, EXC_PF, code), "pde=%d write=%d user=%d", in_pde, write, user);
        CHECK_CASE(t, t->cpu->cr2 == LIN_TEST + 0x123, "pde=%d write=%d user=%d", in_pde, write, user);
        CHECK_CASE(t, t->cpu->eip == CODE_AT && reg32(t, R_EAX) == 0x55, "pde=%d write=%d user=%d",
                   in_pde, write, user);
    }
}

/* Instruction fetches: from a supervisor page at CPL 3, and from a page
 * that is not present. */
static void test_fetch(struct unit_machine *t)
{
    core_paged(t);
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_RW);
    CODE(t, PHYS_DATA, 0x40); /* inc eax */
    core_ring(t, 0);
    t->cpu->regs[R_EAX] = 0;
    CHECK(t, core_run(t, LIN_TEST, 1) == CPU_EXIT_BUDGET && reg32(t, R_EAX) == 1);
    core_ring(t, 3);
    enum cpu_exit e = core_run(t, LIN_TEST, 1);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_U));
    CHECK(t, t->cpu->cr2 == LIN_TEST && t->cpu->eip == LIN_TEST && reg32(t, R_EAX) == 1);

    pte_set(t, LIN_TEST + 0x1000, 0);
    e = core_run(t, LIN_TEST + 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_U) && t->cpu->cr2 == LIN_TEST + 0x1000);
    core_ring(t, 0);
    e = core_run(t, LIN_TEST + 0x1000, 1);
    CHECK(t, core_faulted(t, e, EXC_PF, 0) && t->cpu->cr2 == LIN_TEST + 0x1000);
}

static void test_accessed_dirty(struct unit_machine *t)
{
    core_paged(t);
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_RW);
    wr32(t, PHYS_DATA + 8, 77);

    /* A read sets A at both levels, not D. */
    CHECK(t, read_lin(t, LIN_TEST + 8) == 77);
    CHECK(t, (pde_get(t, LIN_TEST) & (PG_A | PG_D)) == PG_A);
    CHECK(t, (pte_get(t, LIN_TEST) & (PG_A | PG_D)) == PG_A);

    /* The read filled the TLB for a clean page; the write must still walk
     * and set D (the directory entry of a 4 KiB page has no D). */
    t->cpu->regs[R_EAX] = 88;
    CHECK(t, access_at(t, LIN_TEST + 8, true, 0) == CPU_EXIT_BUDGET);
    CHECK(t, rd32(t, PHYS_DATA + 8) == 88);
    CHECK(t, (pte_get(t, LIN_TEST) & (PG_A | PG_D)) == (PG_A | PG_D));
    CHECK(t, (pde_get(t, LIN_TEST) & PG_D) == 0);

    /* The OS cleans the page and invalidates it: the next write marks it
     * dirty again. */
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_RW);
    invlpg(t, LIN_TEST);
    CHECK(t, read_lin(t, LIN_TEST + 8) == 88);
    CHECK(t, (pte_get(t, LIN_TEST) & (PG_A | PG_D)) == PG_A);
    t->cpu->regs[R_EAX] = 99;
    access_at(t, LIN_TEST + 8, true, 0);
    CHECK(t, (pte_get(t, LIN_TEST) & PG_D) != 0 && rd32(t, PHYS_DATA + 8) == 99);

    /* Same at CPL 3 through the user TLB. */
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_RW | PG_US);
    invlpg(t, LIN_TEST);
    t->cpu->regs[R_EAX] = 0;
    access_at(t, LIN_TEST + 8, false, 3);
    CHECK(t, reg32(t, R_EAX) == 99 && (pte_get(t, LIN_TEST) & (PG_A | PG_D)) == PG_A);
    t->cpu->regs[R_EAX] = 111;
    CHECK(t, access_at(t, LIN_TEST + 8, true, 3) == CPU_EXIT_BUDGET);
    CHECK(t, (pte_get(t, LIN_TEST) & PG_D) != 0 && rd32(t, PHYS_DATA + 8) == 111);

    /* A write that faults on permissions sets no D. */
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_US);
    invlpg(t, LIN_TEST);
    enum cpu_exit e = access_at(t, LIN_TEST + 8, true, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_W | PF_U));
    CHECK(t, (pte_get(t, LIN_TEST) & PG_D) == 0 && rd32(t, PHYS_DATA + 8) == 111);
}

/* Write access to a read-only page must not survive in the TLB when CR0.WP
 * is turned on with MOV CR0 (the cached right came from WP = 0). */
static void test_wp_toggle(struct unit_machine *t)
{
    core_paged(t);
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_D | PG_A);
    t->cpu->regs[R_EAX] = 5;
    CHECK(t, access_at(t, LIN_TEST, true, 0) == CPU_EXIT_BUDGET && rd32(t, PHYS_DATA) == 5);
    ring0_insn(t, 0x22, 0xc0, t->cpu->cr0 | CR0_WP); /* mov cr0, eax */
    CHECK(t, (t->cpu->cr0 & CR0_WP) != 0);
    t->cpu->regs[R_EAX] = 6;
    enum cpu_exit e = access_at(t, LIN_TEST, true, 0);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_W) && rd32(t, PHYS_DATA) == 5);
}

/* The read of a read-modify-write instruction faults as a write: with the
 * page missing the error code has W set, as on Intel processors. */
static void test_rmw(struct unit_machine *t)
{
    for (unsigned ring = 0; ring <= 3; ring += 3) {
        core_paged(t);
        core_ring(t, ring);
        uint32_t u = ring ? PF_U : 0;
        CODE(t, CODE_AT, 0x87, 0x05, 0x00, 0x00, 0x80, 0x00); /* xchg [LIN_TEST], eax */
        t->cpu->regs[R_EAX] = 0x1234;
        enum cpu_exit e = core_run(t, CODE_AT, 1);
        CHECK_CASE(t, core_faulted(t, e, EXC_PF, PF_W | u) && t->cpu->cr2 == LIN_TEST, "cpl %u", ring);
        CHECK_CASE(t, reg32(t, R_EAX) == 0x1234, "cpl %u", ring);

        pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_US);
        wr32(t, PHYS_DATA, 0x5678);
        t->cpu->cr0 |= CR0_WP;
        e = core_run(t, CODE_AT, 1);
        CHECK_CASE(t, core_faulted(t, e, EXC_PF, PF_P | PF_W | u), "cpl %u", ring);
        CHECK_CASE(t, reg32(t, R_EAX) == 0x1234 && rd32(t, PHYS_DATA) == 0x5678, "cpl %u", ring);

        pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_US | PG_RW);
        CHECK_CASE(t, core_run(t, CODE_AT, 1) == CPU_EXIT_BUDGET, "cpl %u", ring);
        CHECK_CASE(t, reg32(t, R_EAX) == 0x5678 && rd32(t, PHYS_DATA) == 0x1234, "cpl %u", ring);
        CHECK_CASE(t, (pte_get(t, LIN_TEST) & (PG_A | PG_D)) == (PG_A | PG_D), "cpl %u", ring);
    }
}

#define LIN_LARGE 0x00c00000u
#define PHYS_LARGE 0x00400000u

static void test_large_pages(struct unit_machine *t)
{
    core_paged(t);
    t->cpu->cr4 = CR4_PSE;
    pde_set(t, LIN_LARGE, PHYS_LARGE | PG_PS | PG_P | PG_RW | PG_US);
    wr32(t, PHYS_LARGE + 0x5678, 0xfeed);
    CHECK(t, read_lin(t, LIN_LARGE + 0x5678) == 0xfeed);
    CHECK(t, (pde_get(t, LIN_LARGE) & (PG_A | PG_D)) == PG_A);
    t->cpu->regs[R_EAX] = 0xc0ffee;
    CHECK(t, access_at(t, LIN_LARGE + 0x3ffffc, true, 0) == CPU_EXIT_BUDGET);
    CHECK(t, rd32(t, PHYS_LARGE + 0x3ffffc) == 0xc0ffee);
    CHECK(t, (pde_get(t, LIN_LARGE) & (PG_A | PG_D)) == (PG_A | PG_D));

    /* Rights come from the directory entry alone. */
    pde_set(t, LIN_LARGE, PHYS_LARGE | PG_PS | PG_P | PG_US);
    invlpg(t, LIN_LARGE);
    enum cpu_exit e = access_at(t, LIN_LARGE + 0x10, true, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_W | PF_U) && t->cpu->cr2 == LIN_LARGE + 0x10);
    pde_set(t, LIN_LARGE, PHYS_LARGE | PG_PS | PG_P | PG_RW);
    invlpg(t, LIN_LARGE);
    e = access_at(t, LIN_LARGE + 0x10, false, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_U));

    /* INVLPG of any address in a 4 MiB page drops every piece of it (SDM
     * vol. 3, 4.10.4.1). */
    pde_set(t, LIN_LARGE, PHYS_LARGE | PG_PS | PG_P | PG_RW);
    invlpg(t, LIN_LARGE);
    wr32(t, PHYS_LARGE + 0x5000, 1);
    wr32(t, PHYS_LARGE + 0x6000, 2);
    wr32(t, 0x00800000 + 0x5000, 3);
    CHECK(t, read_lin(t, LIN_LARGE + 0x5000) == 1 && read_lin(t, LIN_LARGE + 0x6000) == 2);
    pde_set(t, LIN_LARGE, 0x00800000 | PG_PS | PG_P | PG_RW);
    invlpg(t, LIN_LARGE + 0x6000);
    CHECK(t, read_lin(t, LIN_LARGE + 0x5000) == 3);

    /* Without CR4.PSE, PS is ignored: the entry points to a page table. */
    core_paged(t);
    pde_set(t, LIN_LARGE, PHYS_LARGE | PG_PS | PG_P | PG_RW);
    wr32(t, PHYS_LARGE + 4, 0x102000 | PG_P | PG_RW); /* PTE 1 */
    wr32(t, 0x102234, 0xabcd);
    CHECK(t, read_lin(t, LIN_LARGE + 0x1234) == 0xabcd);
    CHECK(t, (rd32(t, PHYS_LARGE + 4) & PG_A) != 0);
}

/* Global pages survive MOV CR3 only while CR4.PGE is set and the entry has
 * G; INVLPG, a CR4.PGE change and a full flush drop them (SDM vol. 3,
 * 4.10.2.4 and 4.10.4.1). */
static void test_global(struct unit_machine *t)
{
    const uint32_t g = LIN_TEST, ng = LIN_TEST + 0x1000;
    /* Old frames 0x100000/0x101000 hold 0xa0/0xa1, new ones 0xb0/0xb1. */
    wr32(t, 0x100000, 0xa0);
    wr32(t, 0x101000, 0xa1);
    wr32(t, 0x102000, 0xb0);
    wr32(t, 0x103000, 0xb1);

    core_paged(t);
    t->cpu->cr4 = CR4_PGE;
    pte_set(t, g, 0x100000 | PG_P | PG_RW | PG_G);
    pte_set(t, ng, 0x101000 | PG_P | PG_RW);
    CHECK(t, read_lin(t, g) == 0xa0 && read_lin(t, ng) == 0xa1);
    pte_set(t, g, 0x102000 | PG_P | PG_RW | PG_G);
    pte_set(t, ng, 0x103000 | PG_P | PG_RW);
    mov_cr3(t, PD_BASE);
    CHECK(t, read_lin(t, ng) == 0xb1);
    CHECK(t, read_lin(t, g) == 0xa0); /* still the cached translation */
    cpu_tlb_flush_all(t->cpu);
    CHECK(t, read_lin(t, g) == 0xb0);

    /* INVLPG drops a global page. */
    pte_set(t, g, 0x100000 | PG_P | PG_RW | PG_G);
    mov_cr3(t, PD_BASE);
    CHECK(t, read_lin(t, g) == 0xb0);
    invlpg(t, g);
    CHECK(t, read_lin(t, g) == 0xa0);

    /* Clearing CR4.PGE drops global pages. */
    pte_set(t, g, 0x102000 | PG_P | PG_RW | PG_G);
    mov_cr3(t, PD_BASE);
    CHECK(t, read_lin(t, g) == 0xa0);
    mov_cr4(t, 0);
    CHECK(t, t->cpu->cr4 == 0 && read_lin(t, g) == 0xb0);

    /* Without CR4.PGE the G bit means nothing. */
    pte_set(t, g, 0x100000 | PG_P | PG_RW | PG_G);
    mov_cr3(t, PD_BASE);
    CHECK(t, read_lin(t, g) == 0xa0);
    pte_set(t, g, 0x102000 | PG_P | PG_RW | PG_G);
    mov_cr3(t, PD_BASE);
    CHECK(t, read_lin(t, g) == 0xb0);

    /* A global 4 MiB page survives MOV CR3 too. */
    core_paged(t);
    t->cpu->cr4 = CR4_PGE | CR4_PSE;
    pde_set(t, LIN_LARGE, PHYS_LARGE | PG_PS | PG_P | PG_RW | PG_G);
    wr32(t, PHYS_LARGE + 0x10, 0x1111);
    wr32(t, 0x00800000 + 0x10, 0x2222);
    CHECK(t, read_lin(t, LIN_LARGE + 0x10) == 0x1111);
    pde_set(t, LIN_LARGE, 0x00800000 | PG_PS | PG_P | PG_RW | PG_G);
    mov_cr3(t, PD_BASE);
    CHECK(t, read_lin(t, LIN_LARGE + 0x10) == 0x1111);
    cpu_tlb_flush_all(t->cpu);
    CHECK(t, read_lin(t, LIN_LARGE + 0x10) == 0x2222);
}

/* Both pages of a straddling access are checked before either is touched;
 * CR2 names the first byte on the page that faulted. */
static void test_straddle(struct unit_machine *t)
{
    const uint32_t second = LIN_TEST + 0x1000;
    core_paged(t);
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_RW | PG_US);
    wr32(t, PHYS_DATA + 0xffc, 0x11223344);

    t->cpu->regs[R_EAX] = 0xaabbccdd;
    enum cpu_exit e = access_at(t, LIN_TEST + 0xffe, true, 0);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_W) && t->cpu->cr2 == second);
    CHECK(t, rd32(t, PHYS_DATA + 0xffc) == 0x11223344 && t->cpu->eip == CODE_AT);

    t->cpu->regs[R_EAX] = 7;
    e = access_at(t, LIN_TEST + 0xffd, false, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_U) && t->cpu->cr2 == second && reg32(t, R_EAX) == 7);

    /* The second page present but supervisor-only. */
    pte_set(t, second, 0x105000 | PG_P | PG_RW);
    t->cpu->regs[R_EAX] = 0xaabbccdd;
    e = access_at(t, LIN_TEST + 0xfff, true, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_W | PF_U) && t->cpu->cr2 == second);
    CHECK(t, rd32(t, PHYS_DATA + 0xffc) == 0x11223344 && rd8(t, 0x105000) == 0);

    /* Both present, on frames that are not adjacent. */
    pte_set(t, second, 0x105000 | PG_P | PG_RW | PG_US);
    invlpg(t, second);
    t->cpu->regs[R_EAX] = 0xaabbccdd;
    CHECK(t, access_at(t, LIN_TEST + 0xffe, true, 3) == CPU_EXIT_BUDGET);
    CHECK(t, rd16(t, PHYS_DATA + 0xffe) == 0xccdd && rd16(t, 0x105000) == 0xaabb);
    t->cpu->regs[R_EAX] = 0;
    CHECK(t, access_at(t, LIN_TEST + 0xfff, false, 3) == CPU_EXIT_BUDGET);
    CHECK(t, reg32(t, R_EAX) == 0x00aabbcc);
    CHECK(t, (pte_get(t, second) & (PG_A | PG_D)) == (PG_A | PG_D));

    /* An instruction that crosses into a missing page faults with CR2 at
     * that page; one that ends on the last byte of a page does not. */
    pte_set(t, second, 0);
    invlpg(t, second);
    CODE(t, PHYS_DATA + 0xffd, 0xb8, 0x01, 0x02, 0x03, 0x04);
    core_ring(t, 3);
    t->cpu->regs[R_EAX] = 0;
    e = core_run(t, LIN_TEST + 0xffd, 1);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_U) && t->cpu->cr2 == second);
    CHECK(t, t->cpu->eip == LIN_TEST + 0xffd && reg32(t, R_EAX) == 0);
    CODE(t, PHYS_DATA + 0xffe, 0x40, 0x40); /* inc eax; inc eax */
    e = core_run(t, LIN_TEST + 0xffe, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_U) && t->cpu->cr2 == second);
    CHECK(t, t->cpu->eip == second && reg32(t, R_EAX) == 2);

    /* An instruction across two non-adjacent frames decodes whole. */
    pte_set(t, second, 0x105000 | PG_P | PG_RW | PG_US);
    invlpg(t, second);
    CODE(t, PHYS_DATA + 0xffd, 0xb8, 0x01, 0x02);
    CODE(t, 0x105000, 0x03, 0x04, 0x40);
    e = core_run(t, LIN_TEST + 0xffd, 2);
    CHECK(t, e == CPU_EXIT_BUDGET && reg32(t, R_EAX) == 0x04030202);
}

static void test_peek(struct unit_machine *t)
{
    core_paged(t);
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P);
    pte_set(t, LIN_TEST + 0x1000, 0x107000 | PG_P);
    CODE(t, PHYS_DATA + 0xffe, 1, 2);
    CODE(t, 0x107000, 3, 4);
    uint8_t buf[4] = { 0 };
    CHECK(t, mmu_peek(t->cpu, LIN_TEST + 0xffe, buf, 4));
    CHECK(t, buf[0] == 1 && buf[1] == 2 && buf[2] == 3 && buf[3] == 4);
    CHECK(t, (pte_get(t, LIN_TEST) & PG_A) == 0 && (pde_get(t, LIN_TEST) & PG_A) == 0);
    CHECK(t, !mmu_peek(t->cpu, LIN_TEST + 0x1ffe, buf, 4));
    CHECK(t, !mmu_peek(t->cpu, 0x40000000, buf, 1));
    t->cpu->cr0 &= ~CR0_PG;
    cpu_tlb_flush_all(t->cpu);
    CHECK(t, mmu_peek(t->cpu, 0x107000, buf, 2) && buf[0] == 3 && buf[1] == 4);
}

/*
 * PAE tables (SDM vol. 3, 4.4): the PDPT at PDPT_BASE; PDPTE 0 -> PAE_PD0,
 * whose PDE 0 -> PAE_PT_LOW (identity map of the first 1 MiB, user
 * read/write) and PDE 4 (linear LIN_TEST) -> PAE_PT_TEST; PDPTE 3 ->
 * PAE_PD3 for linear 0xc0000000 and up; PDPTEs 1 and 2 not present.
 */
#define PDPT_BASE 0x30000u
#define PAE_PD0 0x31000u
#define PAE_PT_LOW 0x32000u
#define PAE_PT_TEST 0x33000u
#define PAE_PD3 0x34000u
#define LIN_HIGH 0xc0000000u
enum { PF_RSVD = 8 };

static void wr64(struct unit_machine *t, uint32_t addr, uint64_t v)
{
    wr32(t, addr, (uint32_t)v);
    wr32(t, addr + 4, (uint32_t)(v >> 32));
}
static uint64_t rd64(struct unit_machine *t, uint32_t addr)
{
    return rd32(t, addr) | (uint64_t)rd32(t, addr + 4) << 32;
}
static uint32_t pae_pde_addr(uint32_t lin)
{
    return (lin >> 30 ? PAE_PD3 : PAE_PD0) + ((lin >> 21) & 0x1ff) * 8;
}
static uint32_t pae_pte_addr(uint32_t lin)
{
    return PAE_PT_TEST + ((lin >> 12) & 0x1ff) * 8;
}

/* Run one system instruction 0f op modrm at ring 0 with EAX = eax. */
static enum cpu_exit ring0_try(struct unit_machine *t, uint8_t op, uint8_t modrm, uint32_t eax)
{
    core_ring(t, 0);
    CODE(t, HELPER_AT, 0x0f, op, modrm);
    t->cpu->regs[R_EAX] = eax;
    return core_run(t, HELPER_AT, 1);
}

/* Flat ring 0 with PAE paging on, entered as software does: CR3 and CR4
 * with paging off, then CR0.PG, which loads the PDPTEs. */
static void core_pae(struct unit_machine *t)
{
    core_flat32(t);
    for (uint32_t a = PDPT_BASE; a < PAE_PD3 + 0x1000; a += 4)
        wr32(t, a, 0);
    wr64(t, PDPT_BASE, PAE_PD0 | PG_P);
    wr64(t, PDPT_BASE + 24, PAE_PD3 | PG_P);
    wr64(t, pae_pde_addr(0), PAE_PT_LOW | PG_P | PG_RW | PG_US);
    wr64(t, pae_pde_addr(LIN_TEST), PAE_PT_TEST | PG_P | PG_RW | PG_US);
    for (uint32_t i = 0; i < 256; i++)
        wr64(t, PAE_PT_LOW + i * 8, (i << 12) | PG_P | PG_RW | PG_US);
    cpu_tlb_flush_all(t->cpu);
    mov_cr3(t, PDPT_BASE);
    mov_cr4(t, CR4_PAE);
    ring0_insn(t, 0x22, 0xc0, t->cpu->cr0 | CR0_PG); /* mov cr0, eax */
}

/* 4 KiB pages through 64-bit entries: the frame comes from bits 35:12,
 * A and D land in the low dwords, rights combine as in 32-bit paging. */
static void test_pae_small(struct unit_machine *t)
{
    core_pae(t);
    CHECK(t, t->cpu->cr0 & CR0_PG && t->cpu->cr4 == CR4_PAE);
    CHECK(t, t->cpu->pdpte[0] == (PAE_PD0 | PG_P) && t->cpu->pdpte[1] == 0);
    CHECK(t, t->cpu->pdpte[3] == (PAE_PD3 | PG_P));
    wr64(t, pae_pte_addr(LIN_TEST + 0x3000), PHYS_DATA | PG_P | PG_RW | PG_US);
    wr32(t, PHYS_DATA + 0x10, 0x600d);
    CHECK(t, read_lin(t, LIN_TEST + 0x3010) == 0x600d);
    CHECK(t, (rd64(t, pae_pde_addr(LIN_TEST)) & (PG_A | PG_D)) == PG_A);
    CHECK(t, rd64(t, pae_pte_addr(LIN_TEST + 0x3000)) == (PHYS_DATA | PG_P | PG_RW | PG_US | PG_A));
    t->cpu->regs[R_EAX] = 0xbeef;
    CHECK(t, access_at(t, LIN_TEST + 0x3010, true, 3) == CPU_EXIT_BUDGET);
    CHECK(t, rd32(t, PHYS_DATA + 0x10) == 0xbeef);
    CHECK(t, rd64(t, pae_pte_addr(LIN_TEST + 0x3000)) ==
                 (PHYS_DATA | PG_P | PG_RW | PG_US | PG_A | PG_D));

    /* A supervisor page at CPL 3; a read-only one written with CR0.WP. */
    wr64(t, pae_pte_addr(LIN_TEST + 0x4000), PHYS_DATA | PG_P | PG_RW);
    enum cpu_exit e = access_at(t, LIN_TEST + 0x4000, false, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_U) && t->cpu->cr2 == LIN_TEST + 0x4000);
    wr64(t, pae_pte_addr(LIN_TEST + 0x5000), PHYS_DATA | PG_P);
    t->cpu->cr0 |= CR0_WP;
    e = access_at(t, LIN_TEST + 0x5004, true, 0);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_W) && t->cpu->cr2 == LIN_TEST + 0x5004);
    t->cpu->cr0 &= ~CR0_WP;

    /* Not present: the PTE, the PDE, the PDPTE register. */
    e = access_at(t, LIN_TEST + 0x6000, true, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_W | PF_U) && t->cpu->cr2 == LIN_TEST + 0x6000);
    e = access_at(t, LIN_TEST + 0x200000, false, 0);
    CHECK(t, core_faulted(t, e, EXC_PF, 0) && t->cpu->cr2 == LIN_TEST + 0x200000);
    e = access_at(t, 0x40000000, false, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_U) && t->cpu->cr2 == 0x40000000);

    /* The walk indexes with 9 bits per level: PTE 511 of the table. */
    wr64(t, pae_pte_addr(LIN_TEST + 0x1ff000), 0x107000 | PG_P | PG_RW);
    wr32(t, 0x107ffc, 0x1ff);
    CHECK(t, read_lin(t, LIN_TEST + 0x1ffffc) == 0x1ff);
}

/* Reserved bits in present entries: #PF with P and RSVD set, W and U as
 * the access (SDM vol. 3, 4.4.2 and 4.7). In a not-present entry they
 * mean nothing. */
static void test_pae_reserved(struct unit_machine *t)
{
    static const struct {
        const char *name;
        bool in_pde, large;
        uint64_t bits;
    } cases[] = {
        { "PTE bit 36", false, false, 1ull << 36 },
        { "PTE bit 62", false, false, 1ull << 62 },
        { "PTE bit 63 (no NX on a P6)", false, false, 1ull << 63 },
        { "PTE bit 7 (no PAT)", false, false, 1u << 7 },
        { "PDE bit 40", true, false, 1ull << 40 },
        { "2 MiB PDE bit 12 (no PAT)", true, true, 1ull << 12 },
        { "2 MiB PDE bit 13", true, true, 1ull << 13 },
        { "2 MiB PDE bit 20", true, true, 1ull << 20 },
        { "2 MiB PDE bit 63", true, true, 1ull << 63 },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (unsigned c = 0; c < 4; c++) {
            bool write = c & 1, user = c & 2;
            core_pae(t);
            uint32_t lin = LIN_TEST + 0x7000;
            if (cases[i].large)
                wr64(t, pae_pde_addr(lin), 0x400000 | PG_PS | PG_P | PG_RW | PG_US | cases[i].bits);
            else if (cases[i].in_pde)
                wr64(t, pae_pde_addr(lin), PAE_PT_TEST | PG_P | PG_RW | PG_US | cases[i].bits);
            else
                wr64(t, pae_pte_addr(lin), PHYS_DATA | PG_P | PG_RW | PG_US | cases[i].bits);
            if (cases[i].in_pde)
                wr64(t, pae_pte_addr(lin), PHYS_DATA | PG_P | PG_RW | PG_US);
            enum cpu_exit e = access_at(t, lin + 4, write, user ? 3 : 0);
            uint32_t code = PF_P | PF_RSVD | (write ? PF_W : 0) | (user ? PF_U : 0);
            CHECK_CASE(t, core_faulted(t, e, EXC_PF, code), "%s write=%d user=%d", cases[i].name,
                       write, user);
            CHECK_CASE(t, t->cpu->cr2 == lin + 4, "%s", cases[i].name);
        }
    }

    /* Not present, reserved bits or not: P = 0, no RSVD. */
    core_pae(t);
    wr64(t, pae_pte_addr(LIN_TEST), PHYS_DATA | PG_RW | (1ull << 63) | (1ull << 40));
    enum cpu_exit e = access_at(t, LIN_TEST, false, 0);
    CHECK(t, core_faulted(t, e, EXC_PF, 0));

    /* Bits 35:32 of a frame are address bits, not reserved: above 4 GiB
     * there is nothing, which reads all ones and drops writes. Ignored
     * bits (11:9, PWT, PCD) change nothing. */
    wr64(t, pae_pte_addr(LIN_TEST), 0xf00000000ull | PHYS_DATA | PG_P | PG_RW);
    wr32(t, PHYS_DATA, 0x1234);
    t->cpu->regs[R_EAX] = 0x5555;
    CHECK(t, access_at(t, LIN_TEST, true, 0) == CPU_EXIT_BUDGET);
    CHECK(t, read_lin(t, LIN_TEST) == 0xffffffffu && rd32(t, PHYS_DATA) == 0x1234);
    CHECK(t, (rd64(t, pae_pte_addr(LIN_TEST)) >> 32) == 0xf);
    wr64(t, pae_pte_addr(LIN_TEST + 0x1000), PHYS_DATA | PG_P | PG_RW | 0xe18);
    CHECK(t, read_lin(t, LIN_TEST + 0x1000) == 0x1234);
    wr64(t, pae_pde_addr(LIN_HIGH), 0x400000 | PG_PS | PG_P | PG_RW | 0xe18);
    wr32(t, 0x400040, 0x2222);
    CHECK(t, read_lin(t, LIN_HIGH + 0x40) == 0x2222);
}

/* 2 MiB pages: PDE.PS alone selects them (CR4.PSE is ignored under PAE),
 * the frame comes from bits 35:21, A and D are in the PDE. */
static void test_pae_large(struct unit_machine *t)
{
    core_pae(t);
    wr64(t, pae_pde_addr(LIN_HIGH), 0x400000 | PG_PS | PG_P | PG_RW | PG_US);
    wr32(t, 0x400000 + 0x1ffffc, 0xabcd);
    CHECK(t, read_lin(t, LIN_HIGH + 0x1ffffc) == 0xabcd);
    CHECK(t, (rd64(t, pae_pde_addr(LIN_HIGH)) & (PG_A | PG_D)) == PG_A);
    t->cpu->regs[R_EAX] = 0x77;
    CHECK(t, access_at(t, LIN_HIGH + 0x12344, true, 3) == CPU_EXIT_BUDGET);
    CHECK(t, rd32(t, 0x412344) == 0x77);
    CHECK(t, (rd64(t, pae_pde_addr(LIN_HIGH)) & (PG_A | PG_D)) == (PG_A | PG_D));

    /* The second 2 MiB of the 1 GiB region: PDE 1 of PAE_PD3. */
    wr64(t, pae_pde_addr(LIN_HIGH + 0x200000), 0x600000 | PG_PS | PG_P);
    wr32(t, 0x600008, 0x66);
    CHECK(t, read_lin(t, LIN_HIGH + 0x200008) == 0x66);
    enum cpu_exit e = access_at(t, LIN_HIGH + 0x200008, false, 3);
    CHECK(t, core_faulted(t, e, EXC_PF, PF_P | PF_U));

    /* INVLPG anywhere in a 2 MiB page drops every 4 KiB piece of it. */
    wr32(t, 0x400000 + 0x5000, 1);
    wr32(t, 0x800000 + 0x5000, 2);
    CHECK(t, read_lin(t, LIN_HIGH + 0x5000) == 1);
    wr64(t, pae_pde_addr(LIN_HIGH), 0x800000 | PG_PS | PG_P | PG_RW);
    CHECK(t, read_lin(t, LIN_HIGH + 0x5000) == 1); /* cached */
    invlpg(t, LIN_HIGH + 0x1ff000);
    CHECK(t, read_lin(t, LIN_HIGH + 0x5000) == 2);
}

/* Global pages under PAE survive MOV CR3 (which reloads the PDPTEs) while
 * CR4.PGE is set; INVLPG drops them. */
static void test_pae_global(struct unit_machine *t)
{
    core_pae(t);
    mov_cr4(t, CR4_PAE | CR4_PGE);
    CHECK(t, t->cpu->cr4 == (CR4_PAE | CR4_PGE));
    /* LIN_HIGH and LIN_TEST share a TLB slot: use LIN_HIGH + G_OFF. */
    const uint32_t G_OFF = 0x10010;
    wr32(t, 0x400000 + G_OFF, 0xa0);
    wr32(t, 0x800000 + G_OFF, 0xb0);
    wr32(t, PHYS_DATA, 0xa1);
    wr32(t, PHYS_DATA + 0x1000, 0xb1);
    wr64(t, pae_pde_addr(LIN_HIGH), 0x400000 | PG_PS | PG_P | PG_RW | PG_G);
    wr64(t, pae_pte_addr(LIN_TEST), PHYS_DATA | PG_P | PG_RW | PG_G);
    wr64(t, pae_pte_addr(LIN_TEST + 0x1000), PHYS_DATA | PG_P | PG_RW);
    CHECK(t, read_lin(t, LIN_HIGH + G_OFF) == 0xa0 && read_lin(t, LIN_TEST) == 0xa1);
    CHECK(t, read_lin(t, LIN_TEST + 0x1000) == 0xa1);
    wr64(t, pae_pde_addr(LIN_HIGH), 0x800000 | PG_PS | PG_P | PG_RW | PG_G);
    wr64(t, pae_pte_addr(LIN_TEST), (PHYS_DATA + 0x1000) | PG_P | PG_RW | PG_G);
    wr64(t, pae_pte_addr(LIN_TEST + 0x1000), (PHYS_DATA + 0x1000) | PG_P | PG_RW);
    mov_cr3(t, PDPT_BASE);
    CHECK(t, read_lin(t, LIN_TEST + 0x1000) == 0xb1);
    CHECK(t, read_lin(t, LIN_HIGH + G_OFF) == 0xa0 && read_lin(t, LIN_TEST) == 0xa1);
    invlpg(t, LIN_TEST);
    CHECK(t, read_lin(t, LIN_TEST) == 0xb1);
    invlpg(t, LIN_HIGH);
    CHECK(t, read_lin(t, LIN_HIGH + G_OFF) == 0xb0);
}

/* The PDPTE registers (SDM vol. 3, 4.4.1): loaded by MOV to CR3 with PAE
 * paging on and by MOV to CR0/CR4 that enable it, never by a walk; a
 * present PDPTE with bits 2:1, 8:5 or 63:36 set makes the load #GP(0). */
static void test_pdptes(struct unit_machine *t)
{
    static const uint64_t bad[] = { 1u << 1, 1u << 2, 1u << 5, 1u << 6, 1u << 8, 1ull << 36,
                                    1ull << 63 };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        core_pae(t);
        wr64(t, PDPT_BASE + 0x100 + 16, 0x123000 | PG_P | bad[i]);
        enum cpu_exit e = ring0_try(t, 0x22, 0xd8, PDPT_BASE + 0x100); /* mov cr3, eax */
        CHECK_CASE(t, core_faulted(t, e, EXC_GP, 0), "bits %llx", (unsigned long long)bad[i]);
        CHECK_CASE(t, t->cpu->cr3 == PDPT_BASE && t->cpu->pdpte[2] == 0 &&
                          t->cpu->pdpte[0] == (PAE_PD0 | PG_P),
                   "bits %llx", (unsigned long long)bad[i]);
    }

    /* Ignored bits (11:9) and not-present entries load; CR3 bits 31:5
     * locate the table. */
    core_pae(t);
    wr64(t, PDPT_BASE + 0x20, PAE_PD0 | PG_P);
    wr64(t, PDPT_BASE + 0x28, 0xfffffffffffffffeull);
    wr64(t, PDPT_BASE + 0x38, PAE_PD0 | PG_P | 0xe00);
    CHECK(t, ring0_try(t, 0x22, 0xd8, PDPT_BASE + 0x20) == CPU_EXIT_BUDGET);
    CHECK(t, t->cpu->pdpte[0] == (PAE_PD0 | PG_P) && t->cpu->pdpte[3] == (PAE_PD0 | PG_P | 0xe00));
    CHECK(t, t->cpu->pdpte[1] == 0xfffffffffffffffeull && t->cpu->pdpte[2] == 0);
    wr64(t, PAE_PD0 + 8 * 0x100, 0x400000 | PG_PS | PG_P | PG_RW); /* linear 0xe0000000 */
    wr32(t, 0x400020, 0x3c);
    CHECK(t, read_lin(t, 0xe0000020) == 0x3c);
    mov_cr3(t, PDPT_BASE);

    /* A TLB miss walks from the registers, not from memory. */
    wr64(t, pae_pde_addr(LIN_HIGH), 0x400000 | PG_PS | PG_P | PG_RW);
    wr64(t, PDPT_BASE + 24, 0);
    cpu_tlb_flush_all(t->cpu);
    CHECK(t, read_lin(t, LIN_HIGH + 0x20) == 0x3c);
    mov_cr3(t, PDPT_BASE);
    enum cpu_exit e = access_at(t, LIN_HIGH + 0x20, false, 0);
    CHECK(t, core_faulted(t, e, EXC_PF, 0) && t->cpu->cr2 == LIN_HIGH + 0x20);

    /* MOV to CR0 setting PG checks them and changes nothing on #GP. */
    core_pae(t);
    ring0_insn(t, 0x22, 0xc0, t->cpu->cr0 & ~CR0_PG);
    CHECK(t, !(t->cpu->cr0 & CR0_PG));
    wr64(t, PDPT_BASE + 8, 0x5000 | PG_P | PG_RW);
    e = ring0_try(t, 0x22, 0xc0, t->cpu->cr0 | CR0_PG);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && !(t->cpu->cr0 & CR0_PG));
    wr64(t, PDPT_BASE + 8, 0x5000 | PG_P);
    CHECK(t, ring0_try(t, 0x22, 0xc0, t->cpu->cr0 | CR0_PG) == CPU_EXIT_BUDGET);
    CHECK(t, (t->cpu->cr0 & CR0_PG) && t->cpu->pdpte[1] == (0x5000 | PG_P));

    /* MOV to CR4 setting PGE with paging on reloads them too. */
    wr64(t, PDPT_BASE + 8, 0x6000 | PG_P);
    mov_cr4(t, CR4_PAE | CR4_PGE);
    CHECK(t, t->cpu->cr4 == (CR4_PAE | CR4_PGE) && t->cpu->pdpte[1] == (0x6000 | PG_P));

    /* With paging off nothing is loaded or checked. */
    ring0_insn(t, 0x22, 0xc0, t->cpu->cr0 & ~CR0_PG);
    wr64(t, PDPT_BASE + 0x108, 0x7000 | PG_P | PG_US);
    CHECK(t, ring0_try(t, 0x22, 0xd8, PDPT_BASE + 0x100) == CPU_EXIT_BUDGET);
    CHECK(t, t->cpu->cr3 == PDPT_BASE + 0x100 && t->cpu->pdpte[1] == (0x6000 | PG_P));
}

/* CR4.PAE may change while CR0.PG = 1 (SDM vol. 3, 4.1.2): turning it on
 * loads and checks the PDPTEs from CR3 (here the 32-bit page directory,
 * whose first entries have R/W and U/S set: reserved in a PDPTE), and
 * every change flushes the TLB. */
static void test_pae_toggle(struct unit_machine *t)
{
    core_paged(t);
    pte_set(t, LIN_TEST, PHYS_DATA | PG_P | PG_RW);
    wr32(t, PHYS_DATA, 0x32);
    CHECK(t, read_lin(t, LIN_TEST) == 0x32);
    enum cpu_exit e = ring0_try(t, 0x22, 0xe0, CR4_PAE);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && t->cpu->cr4 == 0);
    CHECK(t, read_lin(t, LIN_TEST) == 0x32);

    /* Build PAE tables that map LIN_TEST elsewhere, point CR3 at them in
     * 32-bit mode (whose directory entries 0-7 are then the PDPTEs, read
     * as a 32-bit directory: entry 0 -> PAE_PD0 as a page table, whose
     * entries 0xf0 and 0xf1, PAE PDE 0x78, map the test code), then switch
     * to PAE with paging on. */
    core_pae(t);
    wr64(t, PAE_PD0 + 0x78 * 8, (uint64_t)(HELPER_AT | PG_P) << 32 | CODE_AT | PG_P);
    wr64(t, pae_pte_addr(LIN_TEST), (PHYS_DATA + 0x1000) | PG_P | PG_RW);
    wr32(t, PHYS_DATA + 0x1000, 0x64);
    mov_cr4(t, 0);
    CHECK(t, t->cpu->cr4 == 0 && (t->cpu->cr0 & CR0_PG));
    e = access_at(t, LIN_TEST, false, 0); /* 32-bit PDE 2 = PDPTE 1's low half: 0 */
    CHECK(t, core_faulted(t, e, EXC_PF, 0));
    /* The 32-bit walks set A in directory entry 0, which is bit 5 of
     * PDPTE 0 and reserved there: the switch back faults until software
     * clears it. */
    e = ring0_try(t, 0x22, 0xe0, CR4_PAE);
    CHECK(t, core_faulted(t, e, EXC_GP, 0) && t->cpu->cr4 == 0);
    CHECK(t, rd64(t, PDPT_BASE) == (PAE_PD0 | PG_P | PG_A));
    wr64(t, PDPT_BASE, PAE_PD0 | PG_P);
    mov_cr4(t, CR4_PAE);
    CHECK(t, t->cpu->cr4 == CR4_PAE && read_lin(t, LIN_TEST) == 0x64);
}

static void test_pae_peek(struct unit_machine *t)
{
    core_pae(t);
    wr64(t, pae_pde_addr(LIN_HIGH), 0x400000 | PG_PS | PG_P);
    CODE(t, 0x400ffe, 5, 6, 7, 8);
    uint8_t buf[4] = { 0 };
    CHECK(t, mmu_peek(t->cpu, LIN_HIGH + 0xffe, buf, 4) && buf[0] == 5 && buf[3] == 8);
    CHECK(t, (rd64(t, pae_pde_addr(LIN_HIGH)) & PG_A) == 0);
    CHECK(t, !mmu_peek(t->cpu, 0x40000000, buf, 1));
    wr64(t, pae_pde_addr(LIN_HIGH), 0x400000 | PG_PS | PG_P | (1ull << 50));
    CHECK(t, !mmu_peek(t->cpu, LIN_HIGH, buf, 1));
}

int main(void)
{
    struct unit_machine t;
    core_init(&t);
    test_permissions(&t);
    test_not_present(&t);
    test_fetch(&t);
    test_accessed_dirty(&t);
    test_wp_toggle(&t);
    test_rmw(&t);
    test_large_pages(&t);
    test_global(&t);
    test_straddle(&t);
    test_peek(&t);
    test_pae_small(&t);
    test_pae_reserved(&t);
    test_pae_large(&t);
    test_pae_global(&t);
    test_pdptes(&t);
    test_pae_toggle(&t);
    test_pae_peek(&t);
    unit_machine_free(&t);
    return UNIT_REPORT(&t);
}
