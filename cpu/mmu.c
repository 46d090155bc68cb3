/*
 * Paging and the software TLB (SDM vol. 3, chapter 4: 32-bit paging and
 * PAE paging).
 *
 * Every linear access that misses the TLB comes here: the page tables are
 * walked, permissions checked, accessed/dirty bits set and the TLB entry
 * for the page filled, so that the next access to the page is a few host
 * instructions (cpu/access.h). With paging off the same TLB caches the
 * identity mapping, which keeps one fast path for both cases.
 */
#include <string.h>

#include "access.h"
#include "breakpoint.h"
#include "fault.h"
#include "lintas/mem.h"

enum {
    PTE_P = 1u << 0, PTE_RW = 1u << 1, PTE_US = 1u << 2, PTE_A = 1u << 5,
    PTE_D = 1u << 6, PTE_PS = 1u << 7, PTE_G = 1u << 8,
};
enum { PF_P = 1u << 0, PF_W = 1u << 1, PF_U = 1u << 2, PF_RSVD = 1u << 3 };

/*
 * PAE entries (SDM vol. 3, 4.4) on a Pentium II: physical addresses have
 * 36 bits, and without IA32_EFER there is no execute-disable, so bits
 * 63:36 are reserved in every entry. Without the PAT (CPUID does not
 * report it, cpu/cpuid_msr.c) bit 7 of a PTE and bit 12 of a 2 MiB PDE are
 * reserved too (SDM vol. 3, 4.4.2).
 */
#define PAE_FRAME 0x0000000ffffff000ull          /* bits 35:12 */
#define PAE_LARGE_FRAME 0x0000000fffe00000ull    /* bits 35:21 */
#define PAE_RSVD 0xfffffff000000000ull           /* bits 63:36 */
#define PAE_PTE_RSVD (PAE_RSVD | PTE_PS)         /* and 7 (PAT) in a PTE */
#define PAE_LARGE_RSVD (PAE_RSVD | 0x1ff000ull)  /* and 20:12 in a 2 MiB PDE */
#define PDPTE_RSVD (PAE_RSVD | 0x1e6ull)         /* and 8:5, 2:1 (table 4-8) */

/* The outcome of a successful walk. */
struct translation {
    uint64_t page;  /* physical address of the 4 KiB page */
    bool writable;  /* a write by this privilege is allowed */
    bool dirty;     /* the dirty bit is already set */
    bool global;
    bool large;     /* came from a 4 MiB or 2 MiB page */
};

/* The entries a walk found: the directory entry and the page table entry,
 * which for a large page is the directory entry itself. */
struct entries {
    uint64_t pde_addr, pte_addr;
    uint32_t pde, pte; /* low halves: the rights and A/D/G bits */
    bool large;
    uint64_t page;
};

enum walk_result { WALK_OK, WALK_NOT_PRESENT, WALK_RESERVED };

static bool paging_on(const struct cpu *cpu)
{
    return (cpu->cr0 & CR0_PG) != 0;
}

static _Noreturn void page_fault(struct cpu *cpu, uint32_t lin, uint32_t code)
{
    cpu->cr2 = lin;
    cpu_fault(cpu, EXC_PF, code);
}

/* A/D bits are in the low half of 64-bit entries too: one dword write. */
static void set_bits(struct cpu *cpu, uint64_t entry_addr, uint32_t entry, uint32_t bits)
{
    if ((entry & bits) != bits)
        mem_write(cpu->mem, entry_addr, entry | bits, 4);
}

static uint64_t read_entry64(struct cpu *cpu, uint64_t addr)
{
    return mem_read(cpu->mem, addr, 4) | (uint64_t)mem_read(cpu->mem, addr + 4, 4) << 32;
}

/* 32-bit paging (SDM vol. 3, 4.3): CR3 -> PDE -> PTE or 4 MiB page. */
static enum walk_result entries_32(struct cpu *cpu, uint32_t lin, struct entries *w)
{
    w->pde_addr = (cpu->cr3 & 0xfffff000u) | ((lin >> 20) & 0xffc);
    w->pde = mem_read(cpu->mem, w->pde_addr, 4);
    if (!(w->pde & PTE_P))
        return WALK_NOT_PRESENT;
    w->large = (w->pde & PTE_PS) && (cpu->cr4 & CR4_PSE);
    if (w->large) {
        w->pte = w->pde;
        w->page = (w->pde & 0xffc00000u) | (lin & 0x003ff000u);
        return WALK_OK;
    }
    w->pte_addr = (w->pde & 0xfffff000u) | ((lin >> 10) & 0xffc);
    w->pte = mem_read(cpu->mem, w->pte_addr, 4);
    if (!(w->pte & PTE_P))
        return WALK_NOT_PRESENT;
    w->page = w->pte & 0xfffff000u;
    return WALK_OK;
}

/* PAE paging (SDM vol. 3, 4.4.2): PDPTE register -> PDE -> PTE or 2 MiB
 * page. An entry with a reserved bit set maps nothing, and the walk stops
 * there with a reserved-bit fault. */
static enum walk_result entries_pae(struct cpu *cpu, uint32_t lin, struct entries *w)
{
    uint64_t pdpte = cpu->pdpte[lin >> 30];
    if (!(pdpte & PTE_P))
        return WALK_NOT_PRESENT;
    w->pde_addr = (pdpte & PAE_FRAME) | ((lin >> 18) & 0xff8);
    uint64_t pde = read_entry64(cpu, w->pde_addr);
    w->pde = (uint32_t)pde;
    if (!(pde & PTE_P))
        return WALK_NOT_PRESENT;
    w->large = (pde & PTE_PS) != 0;
    if (w->large) {
        if (pde & PAE_LARGE_RSVD)
            return WALK_RESERVED;
        w->pte = w->pde;
        w->page = (pde & PAE_LARGE_FRAME) | (lin & 0x001ff000u);
        return WALK_OK;
    }
    if (pde & PAE_RSVD)
        return WALK_RESERVED;
    w->pte_addr = (pde & PAE_FRAME) | ((lin >> 9) & 0xff8);
    uint64_t pte = read_entry64(cpu, w->pte_addr);
    w->pte = (uint32_t)pte;
    if (!(pte & PTE_P))
        return WALK_NOT_PRESENT;
    if (pte & PAE_PTE_RSVD)
        return WALK_RESERVED;
    w->page = pte & PAE_FRAME;
    return WALK_OK;
}

/*
 * Walk the page tables for one access. With side_effects the accessed and
 * dirty bits are updated and faults raised; without it (a debugger peek)
 * the walk has no side effects and returns false where it would fault.
 */
static bool walk(struct cpu *cpu, uint32_t lin, enum access_kind kind, bool user,
                 bool side_effects, struct translation *t)
{
    bool write = kind == ACCESS_WRITE;
    uint32_t code = (write ? PF_W : 0) | (user ? PF_U : 0);
    struct entries w;
    enum walk_result r =
        (cpu->cr4 & CR4_PAE) ? entries_pae(cpu, lin, &w) : entries_32(cpu, lin, &w);
    if (r != WALK_OK) {
        /* A reserved bit reports P = 1 with RSVD (SDM vol. 3, 4.7). */
        if (side_effects)
            page_fault(cpu, lin, code | (r == WALK_RESERVED ? PF_P | PF_RSVD : 0));
        return false;
    }

    /* Combined rights are the stricter of the two levels (SDM vol. 3,
     * 4.6.1). Supervisor writes ignore R/W unless CR0.WP is set. */
    uint32_t rights = w.large ? w.pde : (w.pde & w.pte);
    bool user_ok = (rights & PTE_US) != 0;
    bool rw = (rights & PTE_RW) != 0;
    bool writable = user ? (user_ok && rw) : (rw || !(cpu->cr0 & CR0_WP));
    if ((user && !user_ok) || (write && !writable)) {
        if (side_effects)
            page_fault(cpu, lin, code | PF_P);
        return false;
    }

    uint32_t pte = w.pte;
    if (side_effects) {
        if (w.large) {
            set_bits(cpu, w.pde_addr, w.pde, PTE_A | (write ? PTE_D : 0));
        } else {
            set_bits(cpu, w.pde_addr, w.pde, PTE_A);
            set_bits(cpu, w.pte_addr, w.pte, PTE_A | (write ? PTE_D : 0));
        }
        if (write)
            pte |= PTE_D;
    }

    t->page = w.page;
    t->writable = writable;
    t->dirty = (pte & PTE_D) != 0;
    t->global = (pte & PTE_G) && (cpu->cr4 & CR4_PGE);
    t->large = w.large;
    return true;
}

bool mmu_pdpte_ok(uint64_t pdpte)
{
    return !(pdpte & PTE_P) || !(pdpte & PDPTE_RSVD);
}

void mmu_load_pdptes(struct cpu *cpu, uint32_t cr3)
{
    uint64_t pdpte[4];
    for (unsigned i = 0; i < 4; i++) {
        pdpte[i] = read_entry64(cpu, (cr3 & 0xffffffe0u) + 8 * i);
        if (!mmu_pdpte_ok(pdpte[i]))
            cpu_fault(cpu, EXC_GP, 0);
    }
    memcpy(cpu->pdpte, pdpte, sizeof(pdpte));
}

static void tlb_fill(struct cpu *cpu, uint32_t lin, bool user, const struct translation *t)
{
    struct tlb_entry *e = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    uint32_t vpage = lin & 0xfffff000u;
    uint8_t *host = mem_host_page(cpu->mem, t->page, false);

    e->pfn = (uint32_t)(t->page >> 12);
    e->global = t->global;
    if (!host) {
        /* MMIO: every access goes through the slow path to the device. */
        e->tag_read = e->tag_write = e->tag_exec = TLB_INVALID;
        e->addend = 0;
        return;
    }
    e->addend = (uintptr_t)host - vpage;
    e->tag_exec = vpage;
    if (t->large)
        cpu->tlb_has_large = true;
    e->tag_read = vpage;
    /* A write may use the fast path only once the dirty bit is set, so the
     * first write to a clean page still walks and marks it. ROM pages have no
     * writable host mapping. */
    bool fast_write = t->writable && t->dirty && mem_host_page(cpu->mem, t->page, true) == host;
    e->tag_write = fast_write ? vpage : TLB_INVALID;
    /* Every user data access must reach the alignment check. */
    if (user && cpu->align_check)
        e->tag_read = e->tag_write = TLB_INVALID;
    /* Accesses a data breakpoint watches must reach bp_data_access(), and
     * fetches from a page with an instruction breakpoint the check for it
     * (cpu/interp.c). */
    if (cpu->bp_data_mask | cpu->bp_exec_mask) {
        unsigned watch = bp_page_watch(cpu, vpage);
        if (watch & BP_WATCH_READ)
            e->tag_read = TLB_INVALID;
        if (watch & BP_WATCH_WRITE)
            e->tag_write = TLB_INVALID;
        if (watch & BP_WATCH_EXEC)
            e->tag_exec = TLB_INVALID;
    }
}

uint64_t mmu_translate(struct cpu *cpu, uint32_t lin, enum access_kind kind, bool user)
{
    struct translation t;
    if (paging_on(cpu)) {
        walk(cpu, lin, kind, user, true, &t);
    } else {
        t = (struct translation){ .page = lin & 0xfffff000u, .writable = true, .dirty = true };
    }
    tlb_fill(cpu, lin, user, &t);
    return t.page | (lin & 0xfff);
}

/* #AC for a misaligned data access at CPL 3 with CR0.AM and EFLAGS.AC set
 * (SDM vol. 3, 6.15, interrupt 17). It ranks below #PF, so it is checked
 * after translation. */
static void alignment_check(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    if (user && (lin & (size - 1)) && (cpu->eflags & FL_AC) && (cpu->cr0 & CR0_AM))
        cpu_fault(cpu, EXC_AC, 0);
}

static uint32_t read_slow(struct cpu *cpu, uint32_t lin, unsigned size, bool user,
                          enum access_kind kind)
{
    /* Hits are void if the access faults: the fault discards them. */
    if (cpu->bp_data_mask)
        bp_data_access(cpu, lin, size, false);
    unsigned first = 0x1000 - (lin & 0xfff);
    if (first >= size) {
        uint64_t pa = mmu_translate(cpu, lin, kind, user);
        alignment_check(cpu, lin, size, user);
        return mem_read(cpu->mem, pa, size);
    }
    /* The access straddles two pages: both must translate before either is
     * read, so a #PF on the second page reports the second page's address. */
    uint64_t pa0 = mmu_translate(cpu, lin, kind, user);
    uint64_t pa1 = mmu_translate(cpu, lin + first, kind, user);
    alignment_check(cpu, lin, size, user);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t pa = i < first ? pa0 + i : pa1 + (i - first);
        v |= mem_read(cpu->mem, pa, 1) << (8 * i);
    }
    return v;
}

uint32_t tlb_read_slow(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    return read_slow(cpu, lin, size, user, ACCESS_READ);
}

uint32_t tlb_read_rmw_slow(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    return read_slow(cpu, lin, size, user, ACCESS_WRITE);
}

void tlb_write_slow(struct cpu *cpu, uint32_t lin, uint32_t value, unsigned size, bool user)
{
    if (cpu->bp_data_mask)
        bp_data_access(cpu, lin, size, true);
    unsigned first = 0x1000 - (lin & 0xfff);
    if (first >= size) {
        uint64_t pa = mmu_translate(cpu, lin, ACCESS_WRITE, user);
        alignment_check(cpu, lin, size, user);
        mem_write(cpu->mem, pa, value, size);
        return;
    }
    uint64_t pa0 = mmu_translate(cpu, lin, ACCESS_WRITE, user);
    uint64_t pa1 = mmu_translate(cpu, lin + first, ACCESS_WRITE, user);
    alignment_check(cpu, lin, size, user);
    for (unsigned i = 0; i < size; i++) {
        uint64_t pa = i < first ? pa0 + i : pa1 + (i - first);
        mem_write(cpu->mem, pa, (value >> (8 * i)) & 0xff, 1);
    }
}

const uint8_t *mmu_code_page(struct cpu *cpu, uint32_t lin, bool user)
{
    const struct tlb_entry *e = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag_exec != (lin & 0xfffff000u)) {
        uint64_t pa = mmu_translate(cpu, lin, ACCESS_EXEC, user);
        /* No fast tag: MMIO (NULL here), or RAM with an instruction
         * breakpoint, whose bytes are still read directly. */
        if (e->tag_exec != (lin & 0xfffff000u))
            return mem_host_page(cpu->mem, pa & ~0xfffull, false);
    }
    return (const uint8_t *)(e->addend + (lin & 0xfffff000u));
}

uint8_t mmu_fetch_byte(struct cpu *cpu, uint32_t lin, bool user)
{
    const uint8_t *page = mmu_code_page(cpu, lin, user);
    if (page)
        return page[lin & 0xfff];
    return (uint8_t)mem_read(cpu->mem, mmu_translate(cpu, lin, ACCESS_EXEC, user), 1);
}

bool mmu_peek(struct cpu *cpu, uint32_t lin, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len > 0) {
        struct translation t = { .page = lin & 0xfffff000u };
        if (paging_on(cpu) && !walk(cpu, lin, ACCESS_READ, false, false, &t))
            return false;
        uint8_t *host = mem_host_page(cpu->mem, t.page, false);
        if (!host)
            return false;
        size_t n = 0x1000 - (lin & 0xfff);
        if (n > len)
            n = len;
        memcpy(out, host + (lin & 0xfff), n);
        out += n;
        lin += (uint32_t)n;
        len -= n;
    }
    return true;
}

void vprobe_write(struct cpu *cpu, int seg, uint32_t off, unsigned size)
{
    uint32_t lin = seg_addr(cpu, seg, off, size, SEG_ACC_WRITE);
    bool user = cpu_user_access(cpu);
    mmu_translate(cpu, lin, ACCESS_WRITE, user);
    if ((lin & 0xfff) + size > 0x1000)
        mmu_translate(cpu, (lin | 0xfff) + 1, ACCESS_WRITE, user);
}

static void tlb_invalidate(struct tlb_entry *e)
{
    e->tag_read = e->tag_write = e->tag_exec = TLB_INVALID;
    e->global = 0;
}

void cpu_tlb_flush_all(struct cpu *cpu)
{
    for (unsigned u = 0; u < 2; u++)
        for (unsigned i = 0; i < TLB_SIZE; i++)
            tlb_invalidate(&cpu->tlb[u][i]);
    cpu->tlb_has_large = false;
}

void tlb_flush_nonglobal(struct cpu *cpu)
{
    for (unsigned u = 0; u < 2; u++)
        for (unsigned i = 0; i < TLB_SIZE; i++)
            if (!cpu->tlb[u][i].global)
                tlb_invalidate(&cpu->tlb[u][i]);
}

void tlb_set_alignment_check(struct cpu *cpu, bool on)
{
    cpu->align_check = on;
    if (!on)
        return;
    for (unsigned i = 0; i < TLB_SIZE; i++)
        cpu->tlb[1][i].tag_read = cpu->tlb[1][i].tag_write = TLB_INVALID;
}

void tlb_watch_page(struct cpu *cpu, uint32_t lin)
{
    for (unsigned u = 0; u < 2; u++) {
        struct tlb_entry *e = &cpu->tlb[u][(lin >> 12) & (TLB_SIZE - 1)];
        e->tag_read = e->tag_write = e->tag_exec = TLB_INVALID;
    }
}

void tlb_flush_page(struct cpu *cpu, uint32_t lin)
{
    /* The TLB holds 4 KiB pieces of 4 MiB and 2 MiB pages; INVLPG of a
     * large page must drop all of them (SDM vol. 3, 4.10.4.1), so flush
     * everything. */
    if (cpu->tlb_has_large) {
        cpu_tlb_flush_all(cpu);
        return;
    }
    for (unsigned u = 0; u < 2; u++)
        tlb_invalidate(&cpu->tlb[u][(lin >> 12) & (TLB_SIZE - 1)]);
}
