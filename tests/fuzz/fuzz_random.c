/*
 * lintas_fuzz_random: run random bytes as code and make sure the emulator
 * survives.
 *
 *   lintas_fuzz_random [--seeds FIRST LAST] [--insns N] [-v]
 *
 * For each seed, 1 MiB of guest RAM is filled from a seeded PRNG and the CPU
 * is put in a random mode: real mode, 16- or 32-bit protected mode at CPL 0
 * or 3 with a valid GDT, IDT and TSS, virtual-8086 mode, with paging over
 * random page tables in some runs. Then N instructions run with normal
 * exception delivery; a triple fault (shutdown) or a HLT nothing can wake
 * starts a new random setup. Random interrupts and NMIs arrive on the way.
 * After every run a few architectural invariants are checked. The program
 * fails on a broken invariant; a crash, a sanitizer report or a hang fails
 * the test from outside. Everything is deterministic in the seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/mem.h"

#define RAM_SIZE (1u << 20)
#define GDT_ADDR 0x1000u
#define IDT_ADDR 0x2000u
#define TSS_ADDR 0x3000u
#define PD_ADDR 0x6000u
#define PT_ADDR 0x7000u
#define TSS_LIMIT_IOMAP 0x2067u /* TSS with a full I/O permission bitmap */
#define MAX_RUNS 1000           /* setups and wake-ups per seed */

/* GDT selectors. */
enum {
    SEL_CODE32 = 0x08, SEL_DATA32 = 0x10, SEL_CODE16 = 0x18, SEL_DATA16 = 0x20,
    SEL_TSS = 0x28, SEL_CODE32_U = 0x33, SEL_DATA32_U = 0x3b, SEL_LDT = 0x40,
    GDT_ENTRIES = 9,
};

/* Descriptor type nibbles (SDM vol. 3, 3.4.5.1 and 3.5). */
enum {
    T_DATA_RW_A = 0x3, T_CODE_RX_A = 0xb, T_LDT = 0x2, T_TSS32_AVAIL = 0x9,
    T_TSS32_BUSY = 0xb, T_TASK_GATE = 0x5, T_INT16 = 0x6, T_TRAP16 = 0x7,
    T_INT32 = 0xe, T_TRAP32 = 0xf,
};

enum mode { MODE_REAL, MODE_PM16, MODE_PM32, MODE_PM32_USER, MODE_V86, MODE_COUNT };
static const char *const mode_names[MODE_COUNT] = { "real", "pm16", "pm32", "pm32-cpl3", "v86" };

struct rng {
    uint64_t s;
};

struct fuzz {
    struct phys_mem *mem;
    struct io_bus *io;
    struct cpu *cpu;
    struct rng rng;
    bool verbose;
    unsigned long violations;
    unsigned long insns, shutdowns, halts, setups, mode_count[MODE_COUNT], paged;
};

/* xorshift64* (Vigna); the seed is spread with a SplitMix64 step so that
 * neighbouring seeds give unrelated streams. */
static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    r->s = (z ^ (z >> 31)) | 1;
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)((rng_next(r) >> 32) % n);
}

static bool chance(struct rng *r, uint32_t one_in)
{
    return rng_below(r, one_in) == 0;
}

static void put32(struct phys_mem *mem, uint32_t addr, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    mem_write_block(mem, addr, b, 4);
}

static void put16(struct phys_mem *mem, uint32_t addr, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    mem_write_block(mem, addr, b, 2);
}

/* attr uses struct seg_cache's layout: descriptor bits 8..23 shifted down. */
static void put_desc(struct phys_mem *mem, uint16_t sel, uint32_t base, uint32_t limit,
                     uint16_t attr)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | ((uint32_t)attr << 8) | (limit & 0xf0000) |
                  (base & 0xff000000u);
    put32(mem, GDT_ADDR + (sel & ~7u), lo);
    put32(mem, GDT_ADDR + (sel & ~7u) + 4, hi);
}

static void fill_ram(struct fuzz *f)
{
    uint8_t chunk[4096];
    for (uint32_t a = 0; a < RAM_SIZE; a += sizeof(chunk)) {
        for (size_t i = 0; i < sizeof(chunk); i += 8) {
            uint64_t v = rng_next(&f->rng);
            memcpy(chunk + i, &v, 8);
        }
        mem_write_block(f->mem, a, chunk, sizeof(chunk));
    }
}

static void write_gdt(struct fuzz *f)
{
    const uint16_t flat = SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G;
    const uint16_t small = SEG_ATTR_P | SEG_ATTR_S;
    struct phys_mem *m = f->mem;
    put32(m, GDT_ADDR, 0);
    put32(m, GDT_ADDR + 4, 0);
    put_desc(m, SEL_CODE32, 0, 0xfffff, flat | T_CODE_RX_A);
    put_desc(m, SEL_DATA32, 0, 0xfffff, flat | T_DATA_RW_A);
    put_desc(m, SEL_CODE16, 0, 0xffff, small | T_CODE_RX_A);
    put_desc(m, SEL_DATA16, 0, 0xffff, small | T_DATA_RW_A);
    put_desc(m, SEL_TSS, TSS_ADDR, TSS_LIMIT_IOMAP, SEG_ATTR_P | T_TSS32_BUSY);
    put_desc(m, SEL_CODE32_U, 0, 0xfffff, flat | SEG_ATTR_DPL | T_CODE_RX_A);
    put_desc(m, SEL_DATA32_U, 0, 0xfffff, flat | SEG_ATTR_DPL | T_DATA_RW_A);
    /* An LDT that reuses the GDT's entries, for LLDT and LDT selectors. */
    put_desc(m, SEL_LDT, GDT_ADDR, GDT_ENTRIES * 8 - 1, SEG_ATTR_P | T_LDT);
    f->cpu->gdtr = (struct dtable){ GDT_ADDR, GDT_ENTRIES * 8 - 1 };
}

/* 256 gates of random kinds into random code; most are present. */
static void write_idt(struct fuzz *f, bool code16)
{
    static const uint8_t kinds[] = { T_INT32, T_TRAP32, T_INT32, T_TRAP32, T_INT16, T_TRAP16, T_TASK_GATE };
    struct rng *r = &f->rng;
    for (uint32_t v = 0; v < 256; v++) {
        uint8_t type = kinds[rng_below(r, sizeof(kinds))];
        if (code16 && type >= T_INT32)
            type -= 8;
        uint16_t sel = type == T_TASK_GATE ? SEL_TSS : (type >= T_INT32 ? SEL_CODE32 : SEL_CODE16);
        if (chance(r, 32))
            sel = (uint16_t)rng_next(r);
        uint32_t off = type >= T_INT32 ? rng_below(r, RAM_SIZE) : rng_below(r, 0x10000);
        uint32_t dpl = chance(r, 2) ? 3u : 0u;
        uint32_t present = chance(r, 16) ? 0u : 0x80u;
        put32(f->mem, IDT_ADDR + v * 8, (off & 0xffff) | (uint32_t)sel << 16);
        put32(f->mem, IDT_ADDR + v * 8 + 4, (off & 0xffff0000u) | (present | dpl << 5 | type) << 8);
    }
    f->cpu->idtr = (struct dtable){ IDT_ADDR, 256 * 8 - 1 };
}

/* A 32-bit TSS with a ring-0 stack; the rest of it and the I/O bitmap
 * keep their random bytes. */
static void write_tss(struct fuzz *f)
{
    struct cpu *cpu = f->cpu;
    put32(f->mem, TSS_ADDR + 4, 0x80000u + rng_below(&f->rng, 0x70000));
    put16(f->mem, TSS_ADDR + 8, SEL_DATA32);
    put16(f->mem, TSS_ADDR + 0x66, chance(&f->rng, 2) ? 0x68 : (uint16_t)rng_next(&f->rng));
    cpu->tr.sel = SEL_TSS;
    cpu->tr.base = TSS_ADDR;
    cpu->tr.limit = TSS_LIMIT_IOMAP;
    cpu->tr.lo = 0;
    cpu->tr.hi = TSS_LIMIT_IOMAP;
    cpu->tr.attr = SEG_ATTR_P | T_TSS32_BUSY;
    cpu->tr.acc = 0;
}

/* Page tables: the first 4 MiB mostly identity-mapped with random flags,
 * now and then a page elsewhere or missing, and random 4 MiB pages or
 * absent entries above. */
static void write_paging(struct fuzz *f)
{
    struct rng *r = &f->rng;
    struct cpu *cpu = f->cpu;
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t pte = i << 12;
        if (chance(r, 16))
            pte = rng_below(r, 2048) << 12;
        pte |= (uint32_t)rng_next(r) & 0x17e; /* RW US PWT PCD A D G */
        pte |= chance(r, 4) ? 0 : 0x6;        /* mostly writable user pages */
        if (!chance(r, 16))
            pte |= 1;
        put32(f->mem, PT_ADDR + i * 4, pte);
    }
    put32(f->mem, PD_ADDR, PT_ADDR | 0x7);
    for (uint32_t i = 1; i < 1024; i++) {
        uint32_t pde = 0;
        if (chance(r, 8))
            pde = (rng_below(r, 4) << 22) | 0x80 | ((uint32_t)rng_next(r) & 0x17f);
        put32(f->mem, PD_ADDR + i * 4, pde);
    }
    cpu->cr3 = PD_ADDR | ((uint32_t)rng_next(r) & 0x18);
    cpu->cr4 |= (uint32_t)rng_next(r) & (CR4_PSE | CR4_PGE);
    cpu->cr0 |= CR0_PG | (chance(r, 2) ? CR0_WP : 0);
    f->paged++;
}

static void set_segs(struct cpu *cpu, uint16_t cs, uint16_t data, uint32_t limit, uint16_t attr_cs,
                     uint16_t attr_data)
{
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            cpu_set_seg(cpu, s, data, 0, limit, attr_data);
    cpu_set_seg(cpu, SEG_CS, cs, 0, limit, attr_cs);
}

/* RESET, then a random mode with random registers. */
static void setup(struct fuzz *f)
{
    struct cpu *cpu = f->cpu;
    struct rng *r = &f->rng;
    enum mode mode = (enum mode)rng_below(r, MODE_COUNT);
    const uint16_t flat = SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G;
    const uint16_t small = SEG_ATTR_P | SEG_ATTR_S;

    cpu_reset(cpu);
    mem_set_a20(f->mem, !chance(r, 4));
    cpu_tlb_flush_all(cpu);
    f->setups++;
    f->mode_count[mode]++;
    for (int i = 0; i < 8; i++)
        cpu->regs[i] = (uint32_t)rng_next(r);

    uint32_t eflags = ((uint32_t)rng_next(r) & (FL_ARITH | FL_DF | FL_IF | FL_IOPL | FL_NT | FL_AC)) | 2;
    if (chance(r, 16))
        eflags |= FL_TF;

    cpu_set_intr(cpu, chance(r, 4));
    if (mode == MODE_REAL) {
        cpu_set_eflags(cpu, eflags);
        for (int s = 0; s < SEG_COUNT; s++)
            cpu_load_seg_real(cpu, s, (uint16_t)rng_next(r));
        cpu->eip = rng_below(r, 0x10000);
        cpu->regs[R_ESP] &= 0xffff;
        return;
    }

    cpu->cr0 |= CR0_PE;
    cpu->cr4 = (uint32_t)rng_next(r) & (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PCE);
    write_gdt(f);
    write_idt(f, mode == MODE_PM16);
    write_tss(f);
    if (chance(r, 3))
        write_paging(f);
    cpu_tlb_flush_all(cpu);
    /* EFLAGS (VM) and CR0 before the segments: loading CS recomputes the
     * mode from them. */
    if (mode == MODE_V86)
        eflags |= FL_VM;
    cpu_set_eflags(cpu, eflags);

    switch (mode) {
    case MODE_PM16:
        cpu->cpl = 0;
        set_segs(cpu, SEL_CODE16, SEL_DATA16, 0xffff, small | T_CODE_RX_A, small | T_DATA_RW_A);
        cpu->eip = rng_below(r, 0x10000);
        cpu->regs[R_ESP] = rng_below(r, 0x10000);
        break;
    case MODE_PM32:
    case MODE_PM32_USER: {
        bool user = mode == MODE_PM32_USER;
        uint16_t dpl = user ? SEG_ATTR_DPL : 0;
        cpu->cpl = user ? 3 : 0;
        set_segs(cpu, user ? SEL_CODE32_U : SEL_CODE32, user ? SEL_DATA32_U : SEL_DATA32,
                 0xffffffffu, flat | dpl | T_CODE_RX_A, flat | dpl | T_DATA_RW_A);
        cpu->eip = rng_below(r, RAM_SIZE);
        cpu->regs[R_ESP] = rng_below(r, RAM_SIZE);
        break;
    }
    case MODE_V86: {
        /* V86 segments: base = selector << 4, 64 KiB, DPL 3; CS last. */
        cpu->cpl = 3;
        for (int s = 0; s < SEG_COUNT; s++) {
            uint16_t sel = (uint16_t)rng_next(r);
            if (s != SEG_CS)
                cpu_set_seg(cpu, s, sel, (uint32_t)sel << 4, 0xffff, small | SEG_ATTR_DPL | T_DATA_RW_A);
        }
        uint16_t cs = (uint16_t)rng_next(r);
        cpu_set_seg(cpu, SEG_CS, cs, (uint32_t)cs << 4, 0xffff, small | SEG_ATTR_DPL | T_CODE_RX_A);
        cpu->eip = rng_below(r, 0x10000);
        cpu->regs[R_ESP] &= 0xffff;
        break;
    }
    default:
        break;
    }
}

static int intc_ack(void *opaque)
{
    struct fuzz *f = opaque;
    return (int)rng_below(&f->rng, 256);
}

/* Things no guest can break. Returns a description of the first broken
 * one, or NULL. */
static const char *check_invariants(const struct cpu *cpu, uint64_t ran, uint64_t budget)
{
    uint32_t fl = cpu_get_eflags(cpu);
    if (!(fl & 2))
        return "EFLAGS bit 1 is clear";
    if (fl & (0x8u | 0x20u | 0x8000u | 0xffc00000u))
        return "a reserved EFLAGS bit is set";
    if (cpu->cpl > 3)
        return "CPL above 3";
    if (!(cpu->cr0 & CR0_PE) && (cpu->cpl != 0 || (fl & FL_VM)))
        return "real mode with CPL != 0 or VM set";
    if ((fl & FL_VM) && cpu->cpl != 3)
        return "virtual-8086 mode at CPL != 3";
    if (cpu->eip > 0xffffffffu)
        return "EIP above 4 GiB";
    if (ran > budget)
        return "cpu_run retired more instructions than asked";
    return NULL;
}

/* One seed. Returns 0, or -1 after a broken invariant (the first few are
 * printed with the CPU state). */
static int run_seed(struct fuzz *f, uint64_t seed, uint64_t insns)
{
    struct cpu *cpu = f->cpu;
    rng_seed(&f->rng, seed);
    fill_ram(f);
    setup(f);

    uint64_t done = 0;
    for (int runs = 0; done < insns && runs < MAX_RUNS; runs++) {
        uint64_t budget = insns - done;
        if (chance(&f->rng, 64))
            cpu_raise_nmi(cpu);
        enum cpu_exit e = cpu_run(cpu, budget);
        /* Instructions attempted: retired ones and those that faulted. */
        uint64_t ran = budget - cpu->run_budget;
        done += ran;
        const char *bad = check_invariants(cpu, ran, budget);
        if (bad) {
            if (f->violations++ < 10) {
                printf("lintas_fuzz_random: seed %llu: %s after %llu instructions\n",
                       (unsigned long long)seed, bad, (unsigned long long)done);
                cpu_dump_state(cpu, stdout);
            }
            f->insns += done;
            return -1;
        }
        if (e == CPU_EXIT_SHUTDOWN) {
            f->shutdowns++;
            setup(f);
        } else if (e == CPU_EXIT_HALT) {
            f->halts++;
            if (!cpu->nmi_blocked && !chance(&f->rng, 4))
                cpu_raise_nmi(cpu);
            else
                setup(f);
        } else if (e != CPU_EXIT_BUDGET) {
            printf("lintas_fuzz_random: seed %llu: unexpected exit %d\n", (unsigned long long)seed,
                   (int)e);
            return -1;
        }
    }
    f->insns += done;
    if (f->verbose)
        printf("seed %llu: %llu instructions\n", (unsigned long long)seed, (unsigned long long)done);
    return 0;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    *v = strtoull(s, &end, 10);
    return *s && *s != '-' && !*end;
}

int main(int argc, char **argv)
{
    uint64_t first = 1, last = 1000, insns = 1000;
    struct fuzz f = { 0 };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seeds") == 0 && i + 2 < argc && parse_u64(argv[i + 1], &first) &&
            parse_u64(argv[i + 2], &last) && first <= last) {
            i += 2;
        } else if (strcmp(argv[i], "--insns") == 0 && i + 1 < argc && parse_u64(argv[i + 1], &insns) &&
                   insns > 0) {
            i++;
        } else if (strcmp(argv[i], "-v") == 0) {
            f.verbose = true;
        } else {
            fprintf(stderr, "usage: lintas_fuzz_random [--seeds FIRST LAST] [--insns N] [-v]\n");
            return 2;
        }
    }

    f.mem = mem_create(RAM_SIZE);
    f.io = io_create();
    f.cpu = f.mem && f.io ? cpu_create(f.mem, f.io, NULL) : NULL;
    if (!f.cpu) {
        fprintf(stderr, "lintas_fuzz_random: cannot create the machine\n");
        return 2;
    }
    cpu_set_intc(f.cpu, &(struct cpu_intc){ intc_ack, &f });

    int rc = 0;
    for (uint64_t seed = first; seed <= last; seed++)
        if (run_seed(&f, seed, insns))
            rc = 1;

    printf("lintas_fuzz_random: seeds %llu..%llu: %lu instructions, %lu setups (",
           (unsigned long long)first, (unsigned long long)last, f.insns, f.setups);
    for (int m = 0; m < MODE_COUNT; m++)
        printf("%s%s %lu", m ? ", " : "", mode_names[m], f.mode_count[m]);
    printf("; %lu paged), %lu shutdowns, %lu halts, %lu broken invariants\n", f.paged,
           f.shutdowns, f.halts, f.violations);
    cpu_destroy(f.cpu);
    io_destroy(f.io);
    mem_destroy(f.mem);
    return rc;
}
