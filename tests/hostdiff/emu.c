/*
 * The emulator's side: a CPU in 32-bit protected mode at CPL 3 with paging,
 * set up to look like the native runner's Linux process. The same linear
 * pages are mapped (user pages), the rest is not; the GDT holds the
 * descriptors Linux has at the selectors the process uses (read back from
 * the host with LAR/LSL); the IDT has Linux's gate privileges (INT3, INTO
 * and the system call vector reachable from CPL 3, every other vector
 * #GP); the TSS has no I/O bitmap, so IN/OUT fault as with IOPL 0.
 *
 * Faults stop cpu_run() through stop_on_exception. Software interrupts that
 * pass the gate check (INT3, INTO, INT1) are delivered instead: each vector
 * enters a CPL 0 handler that pushes its number and halts, and the interrupted
 * state is read back from the ring-0 stack frame.
 */
#include "hostdiff.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/fault.h"
#include "cpu/seg.h"
#include "cpu/system.h"
#include "emu_machine.h"
#include "lintas/cpu.h"

/* Guest physical layout. System structures are also mapped, supervisor
 * only, at SYS_LIN + their physical address. */
enum {
    PH_PD = 0x1000,
    PH_PT = 0x2000, /* five page tables: low, code, data, stack, system */
    PH_GDT = 0x8000,
    PH_IDT = 0x9000,
    PH_TSS = 0xa000,
    PH_STUBS = 0xb000,
    PH_KSTACK_TOP = 0xd000,
    PH_CODE = 0x10000,
    PH_DATA = 0x20000,
    PH_STACK = 0x30000,
    PH_LOW = 0x40000, /* linear page p of the low area at PH_LOW + p */
    RAM_SIZE = 0x100000,
};
#define SYS_LIN 0xc0000000u
#define STUB_SIZE 8u
#define RUN_BUDGET 1000000u

/* Where Linux (x86-64) has its kernel code and data segments and the TSS. */
enum { SEL_KCODE = 0x10, SEL_KDATA = 0x18, SEL_TSS = 0x40 };

struct emu {
    struct emu_machine m;
    const uint8_t *pristine;
    struct hd_hello hello;
    struct seg_cache seg0[SEG_COUNT]; /* the process's segment registers */
    uint32_t used_lo, used_hi; /* code bytes that are not INT3 */
    uint64_t handler_insns;       /* instructions run in the vector handlers */
};

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* A descriptor from base, the raw 20-bit limit and the attribute bits as
 * LAR returns them (bits 8..23 of the high dword). */
static void put_desc(uint8_t *gdt, unsigned idx, uint32_t base, uint32_t raw_limit, uint32_t attr)
{
    uint32_t lo = (raw_limit & 0xffff) | (base & 0xffff) << 16;
    uint32_t hi = ((base >> 16) & 0xff) | (attr & 0x00f0ff00u) | (raw_limit & 0xf0000u) |
                  (base & 0xff000000u);
    put32(gdt + idx * 8, lo);
    put32(gdt + idx * 8 + 4, hi);
}

static void map_page(uint8_t *ram, uint32_t lin, uint32_t phys, bool user)
{
    static const uint32_t pde_index[5] = {0x000, 0x080, 0x0c0, 0x0e0, 0x300};
    unsigned t;
    for (t = 0; t < 5 && pde_index[t] != lin >> 22; t++)
        ;
    uint32_t pt = PH_PT + t * 0x1000;
    uint32_t flags = 0x63 | (user ? 4 : 0); /* present, writable, accessed, dirty */
    put32(ram + PH_PD + (lin >> 22) * 4, pt | 7);
    put32(ram + pt + ((lin >> 12) & 0x3ff) * 4, phys | flags);
}

static void build_tables(struct emu *e)
{
    uint8_t *ram = e->m.ram;
    const struct hd_hello *h = &e->hello;

    for (uint32_t p = 0; p < HD_CODE_SIZE; p += 4096)
        map_page(ram, HD_CODE_BASE + p, PH_CODE + p, true);
    for (uint32_t p = 0; p < HD_DATA_SIZE; p += 4096)
        map_page(ram, HD_DATA_BASE + p, PH_DATA + p, true);
    for (uint32_t p = 0; p < HD_STACK_SIZE; p += 4096)
        map_page(ram, HD_STACK_BASE + p, PH_STACK + p, true);
    if (h->low_mapped)
        for (uint32_t p = 0; p < HD_LOW_SIZE; p += 4096)
            map_page(ram, HD_LOW_BASE + p, PH_LOW + HD_LOW_BASE + p, true);
    for (uint32_t p = PH_GDT; p < PH_KSTACK_TOP; p += 4096)
        map_page(ram, SYS_LIN + p, p, false);

    uint8_t *gdt = ram + PH_GDT;
    put_desc(gdt, 1, 0, 0xfffff, 0x00cf9b00);
    put_desc(gdt, SEL_KCODE >> 3, 0, 0xfffff, 0x00cf9b00);
    put_desc(gdt, SEL_KDATA >> 3, 0, 0xfffff, 0x00cf9300);
    /* The descriptors user code can see, as the host reported them. Their
     * bases are 0 (flat), except the TLS entry's, which no case uses. */
    for (unsigned i = 0; i < 16; i++) {
        if (!(h->lar_ok & (1u << i)) || !(h->lsl_ok & (1u << i)) || (i != 4 && i != 5 && i != 6 && i != 12))
            continue;
        uint32_t attr = h->lar[i];
        uint32_t raw = (attr & 0x00800000u) ? h->lsl[i] >> 12 : h->lsl[i];
        put_desc(gdt, i, 0, raw, attr);
    }
    put_desc(gdt, SEL_TSS >> 3, SYS_LIN + PH_TSS, 0x67, 0x00008b00);

    /* 32-bit interrupt gates to the handlers; Linux lets CPL 3 use vectors 3,
     * 4 and 0x80 only. */
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t off = SYS_LIN + PH_STUBS + v * STUB_SIZE;
        uint32_t dpl = (v == EXC_BP || v == EXC_OF || v == 0x80) ? 3 : 0;
        put32(ram + PH_IDT + v * 8, (off & 0xffff) | (uint32_t)SEL_KCODE << 16);
        put32(ram + PH_IDT + v * 8 + 4, (off & 0xffff0000u) | 0x8e00 | dpl << 13);
        uint8_t *s = ram + PH_STUBS + v * STUB_SIZE;
        s[0] = 0x68; /* push imm32 */
        put32(s + 1, v);
        s[5] = 0xf4; /* hlt */
        s[6] = 0xeb; /* jmp back to the hlt */
        s[7] = 0xfd;
    }

    /* The TSS: a ring-0 stack, and an I/O map base past the limit. */
    put32(ram + PH_TSS + 4, SYS_LIN + PH_KSTACK_TOP);
    put32(ram + PH_TSS + 8, SEL_KDATA);
    put32(ram + PH_TSS + 0x64, 0x68u << 16);
}

/* The segment register caches of the process, from the GDT just built. */
static void process_segments(struct emu *e)
{
    static const int order[SEG_COUNT] = {SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS};
    for (int i = 0; i < SEG_COUNT; i++) {
        uint16_t sel = (uint16_t)e->hello.sel[i];
        struct descriptor d = {get32(e->m.ram + PH_GDT + (sel & ~7u)), get32(e->m.ram + PH_GDT + (sel & ~7u) + 4)};
        if ((sel & ~3u) == 0 || (sel & 4) || (sel >> 3) >= 16)
            d.lo = d.hi = 0;
        seg_cache_set(&e->seg0[order[i]], sel, desc_base(d), desc_limit(d), desc_attr(d));
    }
}

void emu_destroy(struct emu *e)
{
    if (!e)
        return;
    emu_machine_free(&e->m);
    free(e);
}

struct emu *emu_create(const struct hd_hello *hello, const uint8_t *image)
{
    struct emu *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->hello = *hello;
    e->pristine = image;
    if (emu_machine_init(&e->m, RAM_SIZE)) {
        free(e);
        return NULL;
    }
    build_tables(e);
    memcpy(e->m.ram + PH_DATA, image + HD_IMG_DATA, HD_DATA_SIZE);
    memcpy(e->m.ram + PH_STACK, image + HD_IMG_STACK, HD_STACK_SIZE);
    memcpy(e->m.ram + PH_LOW + HD_LOW_BASE, image + HD_IMG_LOW, HD_LOW_SIZE);
    memset(e->m.ram + PH_CODE, 0xcc, HD_CODE_SIZE);
    process_segments(e);

    struct cpu *cpu = e->m.cpu;
    cpu->gdtr.base = SYS_LIN + PH_GDT;
    cpu->gdtr.limit = 0x7f;
    cpu->idtr.base = SYS_LIN + PH_IDT;
    cpu->idtr.limit = 0x7ff;
    seg_cache_set(&cpu->tr, SEL_TSS, SYS_LIN + PH_TSS, 0x67, SEG_ATTR_P | DESC_TSS32_BUSY);
    seg_cache_set(&cpu->ldtr, 0, 0, 0, 0);
    cpu->cr3 = PH_PD;
    cpu->cr4 = 0;
    cpu->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    cpu->stop_on_exception = true;
    return e;
}

uint64_t emu_icount(const struct emu *e)
{
    return e->m.cpu->icount - e->handler_insns;
}

static void diff_area(uint8_t *mem, const uint8_t *pristine, uint32_t img_off, uint32_t size,
                      struct outcome *out)
{
    for (uint32_t page = 0; page < size; page += 4096) {
        if (!memcmp(mem + page, pristine + page, 4096))
            continue;
        for (uint32_t off = page; off < page + 4096; off += HD_CHUNK) {
            if (!memcmp(mem + off, pristine + off, HD_CHUNK))
                continue;
            struct hd_chunk ch;
            ch.offset = img_off + off;
            memcpy(ch.bytes, mem + off, HD_CHUNK);
            outcome_add_chunk(out, &ch);
            memcpy(mem + off, pristine + off, HD_CHUNK);
        }
    }
}

static uint8_t *lin_to_host(struct emu *e, uint32_t lin)
{
    if (lin - HD_DATA_BASE < HD_DATA_SIZE)
        return e->m.ram + PH_DATA + (lin - HD_DATA_BASE);
    if (lin - HD_STACK_BASE < HD_STACK_SIZE)
        return e->m.ram + PH_STACK + (lin - HD_STACK_BASE);
    if (e->hello.low_mapped && lin - HD_LOW_BASE < HD_LOW_SIZE)
        return e->m.ram + PH_LOW + lin;
    return NULL;
}

/* A software interrupt reached its handler: the frame on the ring-0 stack is
 * vector, [error code,] EIP, CS, EFLAGS, ESP, SS. */
static bool read_handler_frame(struct emu *e, struct hd_result *r)
{
    struct cpu *cpu = e->m.cpu;
    uint32_t eip = (uint32_t)cpu->eip;
    uint32_t esp = (uint32_t)cpu->regs[R_ESP];
    if (eip - (SYS_LIN + PH_STUBS) >= 256 * STUB_SIZE || esp - SYS_LIN < PH_KSTACK_TOP - 0x1000 ||
        esp - SYS_LIN > PH_KSTACK_TOP - 24)
        return false;
    const uint8_t *f = e->m.ram + (esp - SYS_LIN);
    uint32_t vector = get32(f);
    f += 4;
    r->error_code = 0;
    if (exc_has_error_code((int)vector)) {
        r->error_code = get32(f);
        f += 4;
    }
    r->vector = vector;
    r->eip = get32(f);
    r->sel[HD_CS] = get32(f + 4) & 0xffff;
    r->eflags = get32(f + 8);
    r->regs[R_ESP] = get32(f + 12);
    r->sel[HD_SS] = get32(f + 16) & 0xffff;
    return true;
}

void emu_run(struct emu *e, const struct test_case *tc, struct outcome *out)
{
    struct cpu *cpu = e->m.cpu;
    uint8_t *code = e->m.ram + PH_CODE;

    uint32_t org = tc->hdr.org, end = org + tc->hdr.code_len;
    if (end > HD_CODE_SIZE)
        end = HD_CODE_SIZE;
    memset(code + e->used_lo, 0xcc, e->used_hi - e->used_lo);
    memcpy(code + org, tc->code, end - org);
    e->used_lo = org;
    e->used_hi = end;
    for (unsigned i = 0; i < tc->hdr.npatch; i++) {
        uint8_t *p = lin_to_host(e, tc->patch[i].addr);
        uint8_t *q = lin_to_host(e, tc->patch[i].addr + 3);
        if (p && q == p + 3)
            put32(p, tc->patch[i].value);
    }

    for (int r = 0; r < 8; r++)
        cpu->regs[r] = tc->hdr.regs[r];
    cpu->eip = HD_CODE_BASE + org;
    memcpy(cpu->seg, e->seg0, sizeof cpu->seg);
    cpu_set_eflags(cpu, tc->hdr.eflags);
    cpu_mode_changed(cpu);
    cpu->halted = false;
    cpu->inhibit_irq = false;
    cpu->exit_request = false;
    cpu->exc_depth_vector = -1;
    cpu->last_exception = -1;
    cpu->last_error_code = 0;
    cpu->cr2 = 0;
    cpu_tlb_flush_all(cpu);

    enum cpu_exit why = cpu_run(cpu, RUN_BUDGET);

    struct hd_result *r = &out->r;
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 8; i++)
        r->regs[i] = (uint32_t)cpu->regs[i];
    r->eip = (uint32_t)cpu->eip;
    r->eflags = cpu_get_eflags(cpu);
    static const int order[HD_NSEG] = {SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS};
    for (int i = 0; i < HD_NSEG; i++)
        r->sel[i] = cpu->seg[order[i]].sel;
    r->cr2 = cpu->cr2;
    r->vector = HD_NO_VECTOR;
    r->signo = why;
    if (why == CPU_EXIT_EXCEPTION) {
        r->vector = (uint32_t)cpu->last_exception;
        r->error_code = cpu->last_error_code;
    } else if (why == CPU_EXIT_HALT && read_handler_frame(e, r)) {
        e->handler_insns += 2; /* PUSH and HLT */
    }

    out->nchunks = 0;
    diff_area(e->m.ram + PH_DATA, e->pristine + HD_IMG_DATA, HD_IMG_DATA, HD_DATA_SIZE, out);
    diff_area(e->m.ram + PH_STACK, e->pristine + HD_IMG_STACK, HD_IMG_STACK, HD_STACK_SIZE, out);
    if (e->hello.low_mapped)
        diff_area(e->m.ram + PH_LOW + HD_LOW_BASE, e->pristine + HD_IMG_LOW, HD_IMG_LOW, HD_LOW_SIZE, out);
    r->nchunks = out->nchunks;
}
