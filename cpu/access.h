/*
 * Guest memory accesses as instructions make them.
 *
 * Three layers: virtual (segment:offset, checked against the segment's
 * limit and rights, #GP or #SS on failure), linear (paged through the TLB with
 * the current privilege, #PF on failure) and system (linear accesses to
 * descriptor tables, the TSS and the IDT, always with supervisor privilege,
 * SDM vol. 3, 5.6.1 "implicit supervisor-mode accesses"). All of them may
 * fault, which aborts the instruction.
 */
#ifndef CPU_ACCESS_H
#define CPU_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lintas/cpu.h"

enum access_kind { ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC };

/* TLB slow path: translate, check, fill the entry and perform the access.
 * user selects the privilege (CPL 3 accesses, not system accesses). */
uint32_t tlb_read_slow(struct cpu *cpu, uint32_t lin, unsigned size, bool user);
/* The same for the read of a read-modify-write: translated for writing. */
uint32_t tlb_read_rmw_slow(struct cpu *cpu, uint32_t lin, unsigned size, bool user);
void tlb_write_slow(struct cpu *cpu, uint32_t lin, uint32_t value, unsigned size, bool user);

/* Translate a linear address for the given access, raising #PF as needed.
 * Returns the physical address. */
uint64_t mmu_translate(struct cpu *cpu, uint32_t lin, enum access_kind kind, bool user);

/* Host pointer to the code page holding lin, filling the TLB for an
 * instruction fetch (#PF on failure), or NULL when the page is not RAM. */
const uint8_t *mmu_code_page(struct cpu *cpu, uint32_t lin, bool user);
uint8_t mmu_fetch_byte(struct cpu *cpu, uint32_t lin, bool user);

/* Copy guest memory at a linear address without side effects (no faults,
 * no accessed bits, RAM and ROM only), for traces and debuggers. Returns
 * false when any byte is unmapped. */
bool mmu_peek(struct cpu *cpu, uint32_t lin, void *buf, size_t len);

/* Load the four PDPTE registers of PAE paging from the table CR3 points
 * to (SDM vol. 3, 4.4.1): on MOV to CR3 with PAE paging on, and on MOV to
 * CR0/CR4 that turns it on or changes PG, PAE, PSE or PGE with it on. A
 * present entry with reserved bits set raises #GP(0), changing nothing. */
void mmu_load_pdptes(struct cpu *cpu, uint32_t cr3);

/* Whether a PDPTE register could hold this value: not present, or no
 * reserved bit set. */
bool mmu_pdpte_ok(uint64_t pdpte);

/* Whether a CR0/CR4 pair selects PAE paging. */
static inline bool pae_paging(uint32_t cr0, uint32_t cr4)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE);
}

/* Invalidate: one page (INVLPG), everything but global pages (CR3 load),
 * everything (CR0/CR4 paging bits). */
void tlb_flush_page(struct cpu *cpu, uint32_t lin);
void tlb_flush_nonglobal(struct cpu *cpu);

/* Turn the #AC checks of user data accesses on or off (cpu->align_check). */
void tlb_set_alignment_check(struct cpu *cpu, bool on);

/* Send accesses to the page holding lin through the slow path, which looks
 * for breakpoints; its next fill keeps those a breakpoint watches there
 * (cpu/breakpoint.h). */
void tlb_watch_page(struct cpu *cpu, uint32_t lin);

/* Which TLB an ordinary access uses: user privilege at CPL 3. */
static inline bool cpu_user_access(const struct cpu *cpu)
{
    return cpu->cpl == 3;
}

static inline uint32_t host_load(const uint8_t *p, unsigned size)
{
    /* memcpy compiles to one load; guests and hosts are little-endian. */
    uint32_t v = 0;
    memcpy(&v, p, size);
    return size == 1 ? (uint8_t)v : size == 2 ? (uint16_t)v : v;
}

static inline void host_store(uint8_t *p, uint32_t v, unsigned size)
{
    memcpy(p, &v, size);
}

static inline uint32_t lin_read_priv(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    const struct tlb_entry *e = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag_read == (lin & ~0xfffu) && (lin & 0xfff) <= 0x1000 - size)
        return host_load((const uint8_t *)(e->addend + lin), size);
    return tlb_read_slow(cpu, lin, size, user);
}

static inline void lin_write_priv(struct cpu *cpu, uint32_t lin, uint32_t v, unsigned size, bool user)
{
    const struct tlb_entry *e = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag_write == (lin & ~0xfffu) && (lin & 0xfff) <= 0x1000 - size)
        host_store((uint8_t *)(e->addend + lin), v, size);
    else
        tlb_write_slow(cpu, lin, v, size, user);
}

/* Linear accesses at the current privilege. */
static inline uint32_t lin_read(struct cpu *cpu, uint32_t lin, unsigned size)
{
    return lin_read_priv(cpu, lin, size, cpu_user_access(cpu));
}
static inline void lin_write(struct cpu *cpu, uint32_t lin, uint32_t v, unsigned size)
{
    lin_write_priv(cpu, lin, v, size, cpu_user_access(cpu));
}

/* Implicit supervisor accesses (descriptor tables, TSS, IDT). */
static inline uint32_t sys_read(struct cpu *cpu, uint32_t lin, unsigned size)
{
    return lin_read_priv(cpu, lin, size, false);
}
static inline void sys_write(struct cpu *cpu, uint32_t lin, uint32_t v, unsigned size)
{
    lin_write_priv(cpu, lin, v, size, false);
}

/* Segment checks (SDM vol. 3, 5.3 and 5.5): raise #GP(0), or #SS(0) for
 * SS, when the access is outside the limit or not allowed by the rights.
 * Returns the linear address. */
_Noreturn void seg_check_failed(struct cpu *cpu, int seg);

static inline uint32_t seg_addr(struct cpu *cpu, int seg, uint32_t off, unsigned size, unsigned acc)
{
    const struct seg_cache *s = &cpu->seg[seg];
    if (__builtin_expect(!(s->acc & acc) || off < s->lo || (uint64_t)off + size - 1 > s->hi, 0))
        seg_check_failed(cpu, seg);
    return s->base + off;
}

static inline uint32_t vread(struct cpu *cpu, int seg, uint32_t off, unsigned size)
{
    return lin_read(cpu, seg_addr(cpu, seg, off, size, SEG_ACC_READ), size);
}
static inline void vwrite(struct cpu *cpu, int seg, uint32_t off, uint32_t v, unsigned size)
{
    lin_write(cpu, seg_addr(cpu, seg, off, size, SEG_ACC_WRITE), v, size);
}

/* The read of a read-modify-write instruction (XCHG, ADD to memory, ...):
 * checked and translated as the write that follows, so a #PF on it reports
 * a write in its error code, as processors do. */
static inline uint32_t vread_rmw(struct cpu *cpu, int seg, uint32_t off, unsigned size)
{
    uint32_t lin = seg_addr(cpu, seg, off, size, SEG_ACC_WRITE);
    bool user = cpu_user_access(cpu);
    const struct tlb_entry *e = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag_write == (lin & ~0xfffu) && (lin & 0xfff) <= 0x1000 - size)
        return host_load((const uint8_t *)(e->addend + lin), size);
    return tlb_read_rmw_slow(cpu, lin, size, user);
}

/* Check that [off, off+size) could be written, without writing: used where
 * an instruction must fault before it changes anything (PUSHA, ENTER, far
 * CALL's return frame). */
void vprobe_write(struct cpu *cpu, int seg, uint32_t off, unsigned size);

/* Stack accesses through SS, honouring SS.B for the stack pointer width. */
static inline bool stack32(const struct cpu *cpu)
{
    return (cpu->seg[SEG_SS].attr & SEG_ATTR_DB) != 0;
}
static inline uint32_t stack_mask(const struct cpu *cpu)
{
    return stack32(cpu) ? 0xffffffffu : 0xffffu;
}
static inline void set_sp(struct cpu *cpu, uint32_t sp)
{
    if (stack32(cpu))
        cpu->regs[R_ESP] = sp;
    else
        cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~0xffffull) | (sp & 0xffff);
}
static inline void push(struct cpu *cpu, uint32_t v, unsigned size)
{
    uint32_t sp = ((uint32_t)cpu->regs[R_ESP] - size) & stack_mask(cpu);
    vwrite(cpu, SEG_SS, sp, v, size);
    set_sp(cpu, sp);
}
static inline uint32_t pop(struct cpu *cpu, unsigned size)
{
    uint32_t sp = (uint32_t)cpu->regs[R_ESP] & stack_mask(cpu);
    uint32_t v = vread(cpu, SEG_SS, sp, size);
    set_sp(cpu, sp + size);
    return v;
}
/* Read the stack without moving ESP (offset from the top, in bytes). */
static inline uint32_t stack_peek(struct cpu *cpu, uint32_t offset, unsigned size)
{
    uint32_t sp = ((uint32_t)cpu->regs[R_ESP] + offset) & stack_mask(cpu);
    return vread(cpu, SEG_SS, sp, size);
}

#endif
