/*
 * Executing one test: load the INIT state, run to the HLT that ends the
 * test, compare registers and RAM with FINA, and put RAM back to all zero.
 *
 * RAM is all zero between tests. After a test the bytes it named are
 * compared and cleared, then every page the instruction could have reached
 * (the 64 KiB windows of its segments) is scanned: any byte still non-zero
 * is a write the hardware did not make.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/mem.h"

#define RAM_SIZE (16u << 20)
#define PAGE 4096u
#define NPAGES (RAM_SIZE / PAGE)
/* Past FFFF:FFFF with A20 enabled: real mode reaches nothing above. */
#define REAL_MODE_END 0x110000u
/* Enough for REP string instructions with CX < 128 plus the HLT. */
#define INSN_BUDGET 1000

/* EFLAGS bits a real-mode 286 reports as zero (README: bits 12-15). */
#define FLAGS_286_CMP 0x0fffu
/* The 386 sample's EFLAGS carry junk above bit 17 from the SMM image. */
#define EFLAGS_386_CMP 0x3ffffu
/* CR0 bits a 386 implements besides PE and PG, which are zero here. */
#define CR0_386_LOADED (CR0_MP | CR0_EM | CR0_TS)

static const struct {
    uint8_t moo, cpu;
} gprs[] = {
    { MOO_EAX, R_EAX }, { MOO_EBX, R_EBX }, { MOO_ECX, R_ECX }, { MOO_EDX, R_EDX },
    { MOO_ESI, R_ESI }, { MOO_EDI, R_EDI }, { MOO_EBP, R_EBP }, { MOO_ESP, R_ESP },
};

static const struct {
    uint8_t moo, cpu;
} segs[] = {
    { MOO_ES, SEG_ES }, { MOO_CS, SEG_CS }, { MOO_SS, SEG_SS },
    { MOO_DS, SEG_DS }, { MOO_FS, SEG_FS }, { MOO_GS, SEG_GS },
};

static const char *const reg16_names[MOO_REG_COUNT] = {
    "cr0", "cr3", "ax", "bx", "cx", "dx", "si", "di", "bp", "sp",
    "cs", "ds", "es", "fs", "gs", "ss", "ip", "flags", "dr6", "dr7",
};

static const char *const vector_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9",
    "#TS", "#NP", "#SS", "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC",
};

static const uint8_t zero_page[PAGE];

struct text {
    char *buf;
    size_t len, used;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *fmt, ...)
{
    if (t->used + 1 >= t->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->used += (size_t)n < t->len - t->used ? (size_t)n : t->len - t->used - 1;
}

static void add_vector(struct text *t, int v)
{
    if (v < 0)
        add(t, "none");
    else if (v < 32 && vector_names[v])
        add(t, "%s", vector_names[v]);
    else
        add(t, "INT %02Xh", (unsigned)v);
}

int conf_machine_init(struct conf_machine *m)
{
    memset(m, 0, sizeof(*m));
    m->mem = mem_create(RAM_SIZE);
    m->io = io_create();
    if (!m->mem || !m->io)
        return -1;
    m->cpu = cpu_create(m->mem, m->io, NULL);
    if (!m->cpu)
        return -1;
    mem_set_a20(m->mem, true);
    m->ram = mem_ram(m->mem);
    m->ram_size = mem_ram_size(m->mem);
    for (uint64_t a = 0; a < m->ram_size; a += PAGE)
        mem_write_block(m->mem, a, zero_page, PAGE);
    return 0;
}

void conf_machine_free(struct conf_machine *m)
{
    if (m->cpu)
        cpu_destroy(m->cpu);
    if (m->io)
        io_destroy(m->io);
    if (m->mem)
        mem_destroy(m->mem);
    memset(m, 0, sizeof(*m));
}

static bool expected_reg(const struct moo_file *f, const struct moo_test *t, unsigned i,
                         uint32_t *v)
{
    if (t->fina.regs.present & (1u << i)) {
        *v = t->fina.regs.v[i];
        return true;
    }
    if (t->init.regs.present & (1u << i)) {
        *v = t->init.regs.v[i];
        return true;
    }
    /* The 16-bit suites have no FS/GS: they keep their RESET selector 0. */
    if (!f->regs32 && (i == MOO_FS || i == MOO_GS)) {
        *v = 0;
        return true;
    }
    return false;
}

/* Load INIT into the CPU and RAM. Returns the number of RAM bytes that lie
 * outside RAM (a damaged test). */
static unsigned load_init(struct conf_machine *m, const struct moo_file *f,
                          const struct moo_test *t, bool stop_on_exception)
{
    struct cpu *cpu = m->cpu;
    const struct moo_regs *in = &t->init.regs;

    cpu_reset(cpu);
    cpu->stop_on_exception = stop_on_exception;
    /* CR0 first: the segment loads below recompute the CPU mode. */
    if (in->present & (1u << MOO_CR0))
        cpu->cr0 = (cpu->cr0 & ~CR0_386_LOADED) | (in->v[MOO_CR0] & CR0_386_LOADED);
    if (in->present & (1u << MOO_CR3))
        cpu->cr3 = in->v[MOO_CR3];
    for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
        if (in->present & (1u << gprs[i].moo))
            cpu->regs[gprs[i].cpu] = in->v[gprs[i].moo];
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
        if (in->present & (1u << segs[i].moo))
            cpu_load_seg_real(cpu, segs[i].cpu, (uint16_t)in->v[segs[i].moo]);
    if (in->present & (1u << MOO_EIP))
        cpu->eip = in->v[MOO_EIP];
    /* A real-mode 286 holds FLAGS bits 12-15 at zero whatever LOADALL was
     * given (its PUSHF stores them as zero), so the core starts from the
     * state the 286 really had. */
    if (in->present & (1u << MOO_EFLAGS))
        cpu_set_eflags(cpu, in->v[MOO_EFLAGS] & (f->regs32 ? EFLAGS_386_CMP : FLAGS_286_CMP));

    unsigned outside = 0;
    for (uint32_t i = 0; i < t->init.ram.count; i++) {
        uint32_t a = moo_ram_addr(&t->init.ram, i);
        uint8_t v = moo_ram_value(&t->init.ram, i);
        if (a < m->ram_size)
            mem_write_block(m->mem, a, &v, 1);
        else
            outside++;
    }
    return outside;
}

static void read_regs(const struct cpu *cpu, uint32_t *got)
{
    memset(got, 0, MOO_REG_COUNT * sizeof(*got));
    for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
        got[gprs[i].moo] = (uint32_t)cpu->regs[gprs[i].cpu];
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
        got[segs[i].moo] = cpu->seg[segs[i].cpu].sel;
    got[MOO_EIP] = (uint32_t)cpu->eip;
    got[MOO_EFLAGS] = cpu_get_eflags(cpu);
    got[MOO_CR0] = cpu->cr0;
    got[MOO_CR3] = cpu->cr3;
    got[MOO_DR6] = cpu->dr[6];
    got[MOO_DR7] = cpu->dr[7];
}

static void add_flag_names(struct text *tx, uint32_t bits)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        { FL_CF, "CF" }, { FL_PF, "PF" }, { FL_AF, "AF" }, { FL_ZF, "ZF" }, { FL_SF, "SF" },
        { FL_TF, "TF" }, { FL_IF, "IF" }, { FL_DF, "DF" }, { FL_OF, "OF" }, { FL_IOPL, "IOPL" },
        { FL_NT, "NT" }, { FL_RF, "RF" }, { FL_VM, "VM" },
    };
    const char *sep = " [";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (bits & names[i].bit) {
            add(tx, "%s%s", sep, names[i].name);
            sep = " ";
            bits &= ~names[i].bit;
        }
    }
    if (bits)
        add(tx, "%sbits %x", sep, bits);
    add(tx, "]");
}

/* Compare registers; fills r->reg_diff and r->flags_diff. */
static void compare_regs(const struct conf_machine *m, const struct moo_file *f,
                         const struct moo_test *t, uint32_t flags_mask, struct conf_result *r,
                         struct text *tx)
{
    const char *const *names = f->regs32 ? moo_reg_names : reg16_names;
    for (unsigned i = 0; i < MOO_REG_COUNT; i++) {
        uint32_t exp, got = r->got[i], cmp = ~0u;
        if (i == MOO_DR6 || i == MOO_DR7 || !expected_reg(f, t, i, &exp))
            continue;
        if (f->fmask.present & (1u << i))
            cmp &= f->fmask.v[i];
        if (t->fina.mask.present & (1u << i))
            cmp &= t->fina.mask.v[i];
        if (i == MOO_EFLAGS)
            cmp &= flags_mask & (f->regs32 ? EFLAGS_386_CMP : 0xffff0000u | FLAGS_286_CMP);
        else if (i == MOO_CR0)
            cmp &= CR0_386_LOADED;
        else if (i >= MOO_CS && i <= MOO_SS)
            cmp &= 0xffff;
        if (((exp ^ got) & cmp) == 0)
            continue;
        r->reg_diff |= 1u << i;
        add(tx, "; %s exp %x got %x", names[i], exp, got);
        if (i == MOO_EFLAGS) {
            r->flags_diff = (exp ^ got) & cmp;
            add_flag_names(tx, r->flags_diff);
        }
    }
    /* Real mode: every segment base must follow its selector. */
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
        const struct seg_cache *s = &m->cpu->seg[segs[i].cpu];
        if (s->base != (uint32_t)s->sel << 4) {
            r->reg_diff |= 1u << segs[i].moo;
            add(tx, "; %s.base %x for selector %x", names[segs[i].moo], s->base, s->sel);
        }
    }
}

static bool ram_listed(const struct moo_ram *ram, uint32_t addr)
{
    for (uint32_t i = 0; i < ram->count; i++)
        if (moo_ram_addr(ram, i) == addr)
            return true;
    return false;
}

/* The FLAGS image an exception pushed: at SS:SP+4 after the three pushes.
 * EXCP records the 16-bit bus address, rounded down to even, so it is only
 * used as a check of the computed one. */
static bool flags_image(const struct moo_file *f, const struct moo_test *t, uint32_t *lo,
                        uint32_t *hi)
{
    uint32_t ss, sp;
    if (!t->has_excp)
        return false;
    if (expected_reg(f, t, MOO_SS, &ss) && expected_reg(f, t, MOO_ESP, &sp)) {
        *lo = (ss << 4) + ((sp + 4) & 0xffff);
        *hi = (ss << 4) + ((sp + 5) & 0xffff);
        if ((*lo & ~1u) == (t->excp_flags_addr & ~1u))
            return true;
    }
    *lo = t->excp_flags_addr;
    *hi = *lo + 1;
    return true;
}

/* Where an exception's FLAGS image sits, if the test has one. */
struct image {
    bool present;
    uint32_t lo, hi;
    uint32_t mask;
};

static void compare_byte(const struct conf_machine *m, uint32_t addr, uint8_t exp,
                         const struct image *img, struct conf_result *r, struct text *tx)
{
    if (addr >= m->ram_size) {
        r->ram_diff++;
        add(tx, "; ram[%x] is outside RAM", addr);
        return;
    }
    unsigned shift = 0;
    uint8_t mask = 0xff, got = m->ram[addr];
    bool in_image = img && img->present && (addr == img->lo || addr == img->hi);
    if (in_image) {
        shift = addr == img->hi ? 8 : 0;
        mask = (uint8_t)(img->mask >> shift);
    }
    if (((exp ^ got) & mask) == 0)
        return;
    r->ram_diff++;
    if (in_image) {
        r->ram_diff_image++;
        r->image_diff |= (uint32_t)((exp ^ got) & mask) << shift;
    }
    add(tx, "; ram[%x] exp %02x got %02x", addr, exp, got);
}

static void compare_ram(const struct conf_machine *m, const struct moo_file *f,
                        const struct moo_test *t, uint32_t flags_mask, struct conf_result *r,
                        struct text *tx)
{
    /* The pushed FLAGS image has the same undefined bits as the register;
     * its bits 12-15 are zero on both sides (see load_init). */
    struct image img = { .mask = flags_mask & 0xffff };
    img.present = flags_image(f, t, &img.lo, &img.hi);
    for (uint32_t i = 0; i < t->fina.ram.count; i++)
        compare_byte(m, moo_ram_addr(&t->fina.ram, i), moo_ram_value(&t->fina.ram, i), &img, r, tx);
    for (uint32_t i = 0; i < t->init.ram.count; i++) {
        uint32_t a = moo_ram_addr(&t->init.ram, i);
        if (!ram_listed(&t->fina.ram, a))
            compare_byte(m, a, moo_ram_value(&t->init.ram, i), &img, r, tx);
    }
}

static void mark_window(uint64_t *pages, uint64_t ram_size, uint32_t base)
{
    uint64_t first = base / PAGE, last = ((uint64_t)base + 0xffff) / PAGE;
    for (uint64_t p = first; p <= last && p * PAGE < ram_size; p++)
        pages[p / 64] |= 1ull << (p % 64);
}

static void mark_ram_pages(uint64_t *pages, uint64_t ram_size, const struct moo_ram *ram)
{
    for (uint32_t i = 0; i < ram->count; i++) {
        uint64_t a = moo_ram_addr(ram, i);
        if (a < ram_size)
            pages[a / PAGE / 64] |= 1ull << (a / PAGE % 64);
    }
}

static void clear_listed(struct conf_machine *m, const struct moo_ram *ram)
{
    static const uint8_t zero;
    for (uint32_t i = 0; i < ram->count; i++) {
        uint32_t a = moo_ram_addr(ram, i);
        if (a < m->ram_size)
            mem_write_block(m->mem, a, &zero, 1);
    }
}

static bool page_is_zero(const uint8_t *p)
{
    uint64_t acc = 0;
    for (unsigned i = 0; i < PAGE; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    return acc == 0;
}

/* After the listed bytes were compared and cleared, anything non-zero in
 * the reachable pages was written by the core but not by the hardware. */
static void scan_strays(struct conf_machine *m, const struct moo_file *f, const struct moo_test *t,
                        struct conf_result *r, struct text *tx)
{
    uint64_t pages[NPAGES / 64] = { 0 };
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
        uint32_t sel;
        if (expected_reg(f, t, segs[i].moo, &sel))
            mark_window(pages, m->ram_size, (sel & 0xffff) << 4);
        if (t->init.regs.present & (1u << segs[i].moo))
            mark_window(pages, m->ram_size, (t->init.regs.v[segs[i].moo] & 0xffff) << 4);
        mark_window(pages, m->ram_size, m->cpu->seg[segs[i].cpu].base);
    }
    mark_ram_pages(pages, m->ram_size, &t->init.ram);
    mark_ram_pages(pages, m->ram_size, &t->fina.ram);

    unsigned shown = 0, strays = 0;
    for (uint64_t p = 0; p < m->ram_size / PAGE; p++) {
        if (!(pages[p / 64] & (1ull << (p % 64))) || page_is_zero(m->ram + p * PAGE))
            continue;
        for (unsigned i = 0; i < PAGE; i++) {
            uint8_t v = m->ram[p * PAGE + i];
            if (!v)
                continue;
            strays++;
            if (shown++ < 4)
                add(tx, "; stray write ram[%x]=%02x", (unsigned)(p * PAGE + i), v);
        }
        mem_write_block(m->mem, p * PAGE, zero_page, PAGE);
    }
    if (strays > 4)
        add(tx, " (+%u more stray bytes)", strays - 4);
    r->ram_diff += strays;
}

static void clear_real_mode_ram(struct conf_machine *m)
{
    for (uint64_t a = 0; a < REAL_MODE_END && a < m->ram_size; a += PAGE)
        mem_write_block(m->mem, a, zero_page, PAGE);
}

static bool run_to_hlt(struct conf_machine *m, struct text *tx)
{
    enum cpu_exit e = cpu_run(m->cpu, INSN_BUDGET);
    switch (e) {
    case CPU_EXIT_HALT:
        return true;
    case CPU_EXIT_BUDGET:
        add(tx, "; no HLT within %u instructions", INSN_BUDGET);
        break;
    case CPU_EXIT_SHUTDOWN:
        add(tx, "; triple fault (shutdown)");
        break;
    case CPU_EXIT_EXCEPTION:
        add(tx, "; stopped on exception");
        break;
    case CPU_EXIT_REQUEST:
        add(tx, "; exit request");
        break;
    }
    return false;
}

/* Run again, stopping at the first fault, to learn which one the core
 * raised. Software interrupts (INT n, INT3, INTO) are not faults. */
static int first_exception(struct conf_machine *m, const struct moo_file *f,
                           const struct moo_test *t)
{
    load_init(m, f, t, true);
    enum cpu_exit e = cpu_run(m->cpu, INSN_BUDGET);
    int v = e == CPU_EXIT_EXCEPTION ? m->cpu->last_exception : -1;
    m->cpu->stop_on_exception = false;
    clear_real_mode_ram(m);
    return v;
}

bool conf_run_test(struct conf_machine *m, const struct moo_file *f, const struct moo_test *t,
                   uint32_t flags_mask, struct conf_result *r, char *diff, size_t difflen)
{
    struct text tx = { diff, difflen, 0 };
    memset(r, 0, sizeof(*r));
    diff[0] = 0;

    unsigned outside = load_init(m, f, t, false);
    if (outside)
        add(&tx, "; %u INIT bytes outside RAM", outside);
    r->halted = run_to_hlt(m, &tx);
    read_regs(m->cpu, r->got);
    compare_regs(m, f, t, flags_mask, r, &tx);
    compare_ram(m, f, t, flags_mask, r, &tx);
    clear_listed(m, &t->init.ram);
    clear_listed(m, &t->fina.ram);
    scan_strays(m, f, t, r, &tx);

    bool pass = r->halted && !outside && !r->reg_diff && !r->ram_diff;
    r->first_exception = -1;
    if (!pass) {
        clear_real_mode_ram(m);
        r->first_exception = first_exception(m, f, t);
        add(&tx, "; hardware took ");
        add_vector(&tx, t->has_excp ? t->excp_vector : -1);
        add(&tx, ", core's first fault ");
        add_vector(&tx, r->first_exception);
    }
    /* Drop the leading "; ". */
    if (tx.used >= 2)
        memmove(diff, diff + 2, tx.used - 1);
    return pass;
}
