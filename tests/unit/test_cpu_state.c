/* The CPU's state table: a saved CPU loads into another that then runs on
 * exactly as the first does; loads refuse what the interpreter could never
 * have left behind, keeping the CPU they were given; any state that does
 * load runs without harming the host. And the time-stamp counter on the
 * virtual clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"
#include "cpu/breakpoint.h"
#include "cpu/flags.h"
#include "cpu/system.h"
#include "lintas/state.h"
#include "lintas/timer.h"

#define CODE_AT 0x1000u
#define DATA_AT 0x3000u
#define STACK_TOP 0x9000u
#define GDT_AT 0x500u
#define TSS_AT 0x600u
#define IDT_AT 0x800u
#define HANDLER_AT 0x1100u
#define LOW_RAM 0x30000u /* code, data, stack and page tables */

/* A loop of ALU work, stack traffic, memory stores and RDTSC:
 *   mov ecx, 0
 *   loop: add eax, ecx; imul ebx, eax, 3; xor edx, ebx; push eax; pop esi
 *         mov [ecx*4 + DATA_AT], eax; rdtsc; add edi, eax; inc ecx
 *         cmp ecx, 0x100; jne loop
 *   hlt */
#define LOOP_INSNS 11
#define LOOP_COUNT 0x100
static void place_loop(struct unit_machine *t)
{
    CODE(t, CODE_AT, 0xb9, 0, 0, 0, 0, 0x01, 0xc8, 0x6b, 0xd8, 0x03, 0x31, 0xda, 0x50, 0x5e,
         0x89, 0x04, 0x8d, 0x00, 0x30, 0x00, 0x00, 0x0f, 0x31, 0x01, 0xc7, 0x41,
         0x81, 0xf9, 0x00, 0x01, 0x00, 0x00, 0x75, 0xe3, 0xf4);
}

static void wr_desc(struct unit_machine *t, uint32_t at, uint32_t base, uint32_t limit,
                    unsigned access, unsigned flags)
{
    wr32(t, at, (limit & 0xffff) | (base << 16));
    wr32(t, at + 4, ((base >> 16) & 0xff) | access << 8 | (limit & 0xf0000) | flags << 20 |
                        (base & 0xff000000u));
}

/* Paged flat protected mode at ring 0 with a GDT (flat ring 0 and ring 3
 * code and data, a TSS whose ring-0 stack is STACK_TOP) and an IDT whose
 * 32 gates, usable from ring 3, lead to an IRET. */
static void setup_protected(struct unit_machine *t)
{
    core_init(t);
    core_paged(t);
    struct cpu *cpu = t->cpu;
    wr_desc(t, GDT_AT, 0, 0, 0, 0);
    wr_desc(t, GDT_AT + 0x08, 0, 0xfffff, 0x9b, 0xc);
    wr_desc(t, GDT_AT + 0x10, 0, 0xfffff, 0x93, 0xc);
    wr_desc(t, GDT_AT + 0x18, 0, 0xfffff, 0xfb, 0xc);
    wr_desc(t, GDT_AT + 0x20, 0, 0xfffff, 0xf3, 0xc);
    wr_desc(t, GDT_AT + 0x28, TSS_AT, 0x67, 0x8b, 0);
    wr32(t, TSS_AT + 4, STACK_TOP);
    wr32(t, TSS_AT + 8, 0x10);
    for (uint32_t v = 0; v < 32; v++) {
        wr32(t, IDT_AT + v * 8, (HANDLER_AT & 0xffff) | 0x08u << 16);
        wr32(t, IDT_AT + v * 8 + 4, (HANDLER_AT & 0xffff0000u) | 0xee00u);
    }
    CODE(t, HANDLER_AT, 0xcf);
    cpu->gdtr = (struct dtable){ GDT_AT, 0x2f };
    cpu->idtr = (struct dtable){ IDT_AT, 32 * 8 - 1 };
    seg_cache_set(&cpu->tr, 0x28, TSS_AT, 0x67, SEG_ATTR_P | DESC_TSS32_BUSY);
    cpu->regs[R_ESP] = STACK_TOP;
    cpu->eip = CODE_AT;
    place_loop(t);
}

static size_t kind_size(uint8_t kind)
{
    switch (kind) {
    case STATE_U16: return 2;
    case STATE_U32: return 4;
    case STATE_U64: return 8;
    default: return 1;
    }
}

/* The first described field in which a and b differ, or NULL. */
static const char *field_differs(const struct cpu *a, const struct cpu *b)
{
    for (size_t i = 0; i < cpu_state_desc.field_count; i++) {
        const struct state_field *f = &cpu_state_desc.fields[i];
        size_t n = kind_size(f->kind) * f->count;
        if (memcmp((const uint8_t *)a + f->offset, (const uint8_t *)b + f->offset, n) != 0)
            return f->name;
    }
    return NULL;
}

static void save(const struct cpu *cpu, struct state_writer *w)
{
    *w = (struct state_writer){ 0 };
    state_save(&cpu_state_desc, cpu, w);
    if (w->failed) {
        fprintf(stderr, "test_cpu_state: out of memory\n");
        exit(2);
    }
}

static int load(struct cpu *cpu, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    struct state_reader r = { buf, len, 0 };
    return state_load(&cpu_state_desc, cpu, &r, err, errlen);
}

static void copy_ram(struct unit_machine *to, struct unit_machine *from, uint32_t len)
{
    uint8_t *buf = malloc(len);
    if (!buf) {
        fprintf(stderr, "test_cpu_state: out of memory\n");
        exit(2);
    }
    mem_read_block(from->mem, 0, buf, len);
    mem_write_block(to->mem, 0, buf, len);
    free(buf);
}

/* Save in the middle of the loop, load into a second machine with the same
 * memory, and run both on. */
static void test_round_trip(struct unit_tally *t)
{
    struct unit_machine a, b;
    setup_protected(&a);
    a.cpu->sysenter_cs = 0x08;
    a.cpu->sysenter_esp = 0x8000;
    a.cpu->sysenter_eip = 0x1234;
    a.cpu->mc_ctl[1] = ~0ull;
    a.cpu->dr[0] = 0x00700000; /* an enabled data breakpoint the loop never hits */
    a.cpu->dr[7] = DR7_FIXED_ONE | 0x2 | 0x3u << 16;
    bp_update(a.cpu);
    a.cpu->cr2 = 0xdeadb000;
    cpu_raise_nmi(a.cpu);
    a.cpu->nmi_blocked = true; /* held until an IRET */
    CHECK(t, cpu_run(a.cpu, 500) == CPU_EXIT_BUDGET);
    CHECK(t, a.cpu->cc_op != CC_EFLAGS);

    core_init(&b);
    copy_ram(&b, &a, LOW_RAM);
    struct state_writer w;
    save(a.cpu, &w);
    char err[200] = "";
    CHECK_MSG(t, load(b.cpu, w.buf, w.len, err, sizeof(err)) == 0, "load: %s", err);
    const char *diff = field_differs(a.cpu, b.cpu);
    CHECK_MSG(t, !diff, "%s differs after the load", diff);
    CHECK(t, cpu_get_eflags(a.cpu) == cpu_get_eflags(b.cpu));
    CHECK(t, b.cpu->bp_data_mask == 1 && b.cpu->bp_exec_mask == 0);

    /* The second save of the loaded CPU is the same bytes. */
    struct state_writer w2;
    save(b.cpu, &w2);
    CHECK(t, w2.len == w.len && memcmp(w2.buf, w.buf, w.len) == 0);
    state_writer_free(&w2);
    state_writer_free(&w);

    for (int slice = 0; slice < 4; slice++) {
        enum cpu_exit ea = cpu_run(a.cpu, 700), eb = cpu_run(b.cpu, 700);
        CHECK_CASE(t, ea == eb, "slice %d: exits %d and %d", slice, ea, eb);
        diff = field_differs(a.cpu, b.cpu);
        CHECK_MSG(t, !diff, "slice %d: %s differs", slice, diff);
    }
    CHECK(t, a.cpu->halted && b.cpu->halted);
    CHECK(t, reg32(&b, R_ECX) == LOOP_COUNT);
    CHECK(t, a.cpu->icount == b.cpu->icount && a.cpu->icount == 2 + LOOP_INSNS * LOOP_COUNT);
    for (uint32_t i = 0; i < LOOP_COUNT; i++)
        CHECK_CASE(t, rd32(&a, DATA_AT + 4 * i) == rd32(&b, DATA_AT + 4 * i), "word %u", i);
    unit_machine_free(&a);
    unit_machine_free(&b);
}

/* Values no run of the interpreter leaves behind, each with a word the
 * reason must contain. The source CPU is in real mode after RESET, or in
 * protected mode. */
struct bad_case {
    const char *name;
    bool protected_mode;
    void (*spoil)(struct cpu *cpu);
    const char *reason;
};

static void cc_op_past_end(struct cpu *c) { c->cc_op = CC_KINDS * 3; }
static void cc_op_eflags_sized(struct cpu *c) { c->cc_op = CC_EFLAGS + 1; }
static void cc_operand_too_wide(struct cpu *c) { c->cc_op = cc_make(CC_ADD, 1); c->cc_dst = 0x100; }
static void cc_carry_not_bit(struct cpu *c) { c->cc_op = cc_make(CC_SHL, 4); c->cc_src = 2; }
static void cc_explicit_extra(struct cpu *c) { c->cc_op = CC_EFLAGS; c->cc_src = FL_TF; }
static void cpl_4(struct cpu *c) { c->cpl = 4; }
static void cpl_in_real_mode(struct cpu *c) { c->cpl = 3; }
static void cpl_in_v86(struct cpu *c) { c->eflags |= FL_VM; c->cpl = 0; }
static void vm_in_real_mode(struct cpu *c) { c->eflags |= FL_VM; }
static void paging_without_pe(struct cpu *c) { c->cr0 = CR0_ET | CR0_PG; }
static void cr0_reserved(struct cpu *c) { c->cr0 |= 1u << 20; }
static void cr0_et_clear(struct cpu *c) { c->cr0 &= ~CR0_ET; }
static void nw_without_cd(struct cpu *c) { c->cr0 = CR0_ET | CR0_NW; }
static void cr4_reserved(struct cpu *c) { c->cr4 = 1u << 11; }
static void pdpte_reserved(struct cpu *c) { c->pdpte[2] = 0x5000 | 1 | (1u << 5); }
static void eflags_bit1_clear(struct cpu *c) { c->eflags &= ~2u; }
static void eflags_arith(struct cpu *c) { c->eflags |= FL_ZF; }
static void eflags_reserved(struct cpu *c) { c->eflags |= 1u << 3; }
static void eax_high(struct cpu *c) { c->regs[R_EAX] = 1ull << 32; }
static void eip_high(struct cpu *c) { c->eip |= 1ull << 40; }
static void ds_bounds(struct cpu *c) { c->seg[SEG_DS].hi = 0x1234; }
static void cs_rights(struct cpu *c) { c->seg[SEG_CS].acc = SEG_ACC_WRITE; }
static void ss_expand_down_bounds(struct cpu *c)
{
    seg_cache_set(&c->seg[SEG_SS], 0x10, 0, 0xfff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW |
                                                      SEG_TYPE_DC | SEG_ATTR_DB);
    c->seg[SEG_SS].lo = 0;
}
static void tr_attr_reserved(struct cpu *c) { c->tr.attr |= 0x100; }
static void ldtr_rights(struct cpu *c) { c->ldtr.acc = SEG_ACC_READ; }
static void dr6_reserved(struct cpu *c) { c->dr[6] = 0; }
static void dr7_reserved(struct cpu *c) { c->dr[7] |= 1u << 15; }
static void bp_hits_wide(struct cpu *c) { c->bp_hits = 0x10; }
static void apic_reserved(struct cpu *c) { c->apic_base |= 1u << 3; }
static void apic_not_bsp(struct cpu *c) { c->apic_base &= ~0x100ull; }
static void mc_ctl_partial(struct cpu *c) { c->mc_ctl[4] = 0xff; }
static void mtrr_mask_reserved(struct cpu *c) { c->mtrr_var[7] = 1ull << 36; }
static void mtrr_fixed_type(struct cpu *c) { c->mtrr_fixed[10] = 0x0300000000000000ull; }
static void mtrr_def_type_reserved(struct cpu *c) { c->mtrr_def_type = 0x100; }
static void pat_type(struct cpu *c) { c->pat = 0x0007040600070402ull; }
static void evtsel1_enable(struct cpu *c) { c->perf_evtsel[1] = 1ull << 22; }
static void perf_ctr_wide(struct cpu *c) { c->perf_ctr[0] = 1ull << 40; }

static const struct bad_case bad_cases[] = {
    { "cc_op past the end", false, cc_op_past_end, "cc_op" },
    { "cc_op of explicit flags with a size", false, cc_op_eflags_sized, "cc_op" },
    { "operand wider than its size", false, cc_operand_too_wide, "wider" },
    { "shift carry of 2", false, cc_carry_not_bit, "carry" },
    { "explicit flags with TF", false, cc_explicit_extra, "explicit flags" },
    { "CPL 4", true, cpl_4, "CPL" },
    { "CPL 3 in real mode", false, cpl_in_real_mode, "real mode" },
    { "CPL 0 in V86 mode", true, cpl_in_v86, "virtual-8086" },
    { "VM in real mode", false, vm_in_real_mode, "VM" },
    { "PG without PE", false, paging_without_pe, "PG" },
    { "CR0 reserved bit", false, cr0_reserved, "CR0" },
    { "CR0.ET clear", false, cr0_et_clear, "ET" },
    { "NW without CD", false, nw_without_cd, "NW" },
    { "CR4 bit 11", true, cr4_reserved, "CR4" },
    { "PDPTE reserved bit", true, pdpte_reserved, "PDPTE" },
    { "EFLAGS bit 1 clear", false, eflags_bit1_clear, "EFLAGS" },
    { "ZF outside the lazy flags", false, eflags_arith, "EFLAGS" },
    { "EFLAGS bit 3", true, eflags_reserved, "EFLAGS" },
    { "EAX bit 32", false, eax_high, "EAX" },
    { "EIP bit 40", true, eip_high, "EIP" },
    { "DS bounds", false, ds_bounds, "DS" },
    { "CS writable in protected mode", true, cs_rights, "CS" },
    { "expand-down SS bounds", true, ss_expand_down_bounds, "SS" },
    { "TR attribute bit 8", true, tr_attr_reserved, "TR" },
    { "LDTR readable", false, ldtr_rights, "LDTR" },
    { "DR6 fixed bits clear", false, dr6_reserved, "DR6" },
    { "DR7 bit 15", true, dr7_reserved, "DR7" },
    { "breakpoint hit 4", true, bp_hits_wide, "breakpoint" },
    { "APIC base bit 3", false, apic_reserved, "APIC" },
    { "APIC base without BSP", false, apic_not_bsp, "BSP" },
    { "MC4_CTL partial", false, mc_ctl_partial, "MCi_CTL" },
    { "MTRRphysMask7 bit 36", false, mtrr_mask_reserved, "variable-range MTRR" },
    { "MTRRfix4K_F8000 type 3", false, mtrr_fixed_type, "fixed-range MTRR" },
    { "MTRRdefType bit 8", false, mtrr_def_type_reserved, "MTRRdefType" },
    { "PAT entry type 2", false, pat_type, "IA32_PAT" },
    { "PerfEvtSel1 EN", false, evtsel1_enable, "PerfEvtSel" },
    { "PerfCtr0 bit 40", false, perf_ctr_wide, "PerfCtr" },
};

static void test_refusals(struct unit_tally *t)
{
    struct unit_machine src, dst;
    setup_protected(&dst);
    cpu_run(dst.cpu, 100);
    struct state_writer before;
    save(dst.cpu, &before);

    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        if (c->protected_mode) {
            setup_protected(&src);
        } else {
            core_init(&src);
            core_real(&src);
        }
        c->spoil(src.cpu);
        struct state_writer w;
        save(src.cpu, &w);
        char err[200] = "";
        int r = load(dst.cpu, w.buf, w.len, err, sizeof(err));
        CHECK_CASE(t, r == -1, "%s: loaded", c->name);
        CHECK_CASE(t, strstr(err, c->reason) && !strchr(err, '\n'), "%s: reason '%s'",
                   c->name, err);
        struct state_writer after;
        save(dst.cpu, &after);
        CHECK_CASE(t, after.len == before.len && memcmp(after.buf, before.buf, before.len) == 0,
                   "%s: the refused load changed the CPU", c->name);
        state_writer_free(&after);
        state_writer_free(&w);
        unit_machine_free(&src);
    }
    state_writer_free(&before);
    unit_machine_free(&dst);
}

/* States a guest can reach load: real mode after RESET, unreal mode,
 * protected mode with an expand-down stack, virtual-8086 mode. */
static void test_accepted(struct unit_tally *t)
{
    struct unit_machine src, dst;
    core_init(&dst);
    for (int n = 0; n < 4; n++) {
        if (n < 2)
            core_init(&src);
        else
            setup_protected(&src);
        struct cpu *c = src.cpu;
        switch (n) {
        case 0:
            break;
        case 1: /* a 4 GiB DS kept from protected mode */
            core_real(&src);
            seg_cache_set(&c->seg[SEG_DS], 0, 0, 0xffffffffu, CORE_DATA_ATTR(0));
            c->seg[SEG_DS].acc = SEG_ACC_READ | SEG_ACC_WRITE;
            break;
        case 2:
            seg_cache_set(&c->seg[SEG_SS], 0x10, 0, 0xfff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW |
                                                              SEG_TYPE_DC | SEG_ATTR_DB);
            break;
        default:
            cpu_set_eflags(c, FL_VM | FL_IF);
            for (int s = 0; s < SEG_COUNT; s++)
                cpu_set_seg(c, s, 0x100, 0x1000, 0xffff, SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DPL |
                                                             SEG_TYPE_RW | SEG_TYPE_ACCESSED);
            break;
        }
        struct state_writer w;
        save(c, &w);
        char err[200] = "";
        CHECK_MSG(t, load(dst.cpu, w.buf, w.len, err, sizeof(err)) == 0, "state %d: %s", n, err);
        const char *diff = field_differs(c, dst.cpu);
        CHECK_MSG(t, !diff, "state %d: %s differs", n, diff);
        state_writer_free(&w);
        unit_machine_free(&src);
    }
    CHECK(t, dst.cpu->cpl == 3);
    unit_machine_free(&dst);
}

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/* Change the CPU the way a crafted file might, keeping most values
 * plausible so that many of them load. */
static void mutate_fields(struct cpu *c, uint64_t *rng)
{
    uint64_t r = rng_next(rng);
    uint32_t v = (uint32_t)(r >> 32);
    switch (r % 12) {
    case 0:
    case 1: {
        unsigned n = (unsigned)(v % (SEG_COUNT + 2));
        struct seg_cache *s = n < SEG_COUNT ? &c->seg[n] : n == SEG_COUNT ? &c->ldtr : &c->tr;
        static const uint32_t limits[] = { 0, 0xfff, 0xffff, 0xfffff, 0xffffffffu };
        uint64_t q = rng_next(rng);
        uint32_t limit = q & 8 ? (uint32_t)(q >> 32) : limits[(q >> 4) % 5];
        seg_cache_set(s, (uint16_t)(q >> 8), (q & 16) ? (uint32_t)(q >> 24) : 0, limit,
                      (uint16_t)((q >> 40) & 0xf0ff));
        if (!(c->cr0 & CR0_PE) && n < SEG_COUNT && (q & 32))
            s->acc = SEG_ACC_READ | SEG_ACC_WRITE;
        break;
    }
    case 2:
        cpu_set_eflags(c, v & EFLAGS_DEFINED);
        break;
    case 3:
        c->cr0 = (v & CR0_WRITABLE) | CR0_ET;
        break;
    case 4:
        c->cr4 = v & CR4_VALID;
        break;
    case 5:
        c->cpl = v & 3;
        break;
    case 6:
        c->regs[v % 8] = (uint32_t)rng_next(rng);
        break;
    case 7:
        c->eip = v & 1 ? CODE_AT + v % 0x40 : v;
        break;
    case 8: {
        unsigned n = v % 4;
        c->dr[n] = CODE_AT + (v >> 8) % 0x40;
        c->dr[7] = ((uint32_t)rng_next(rng) | DR7_FIXED_ONE) & ~DR7_FIXED_ZERO;
        c->bp_hits = (uint8_t)(v >> 16) & DR6_B_MASK;
        break;
    }
    case 9: {
        uint64_t q = rng_next(rng);
        c->cc_op = v % (CC_KINDS * 3);
        uint32_t mask = 0xffffffffu >> (32 - (8u << (c->cc_op % 3)));
        c->cc_dst = (uint32_t)q & mask;
        c->cc_src = (uint32_t)(q >> 32) & mask & (c->cc_op < 3 ? FL_ARITH : ~0u);
        c->cc_src2 = (uint32_t)(q >> 16) & mask;
        break;
    }
    case 10:
        if (v & 1)
            c->idtr = (struct dtable){ v & ~0xfu, (uint16_t)(v >> 16) };
        else
            c->gdtr = (struct dtable){ v & ~0xfu, (uint16_t)(v >> 16) };
        break;
    default:
        c->halted = v & 1;
        c->inhibit_irq = v & 2;
        c->nmi_pending = v & 4;
        c->nmi_blocked = v & 8;
        c->intr_line = v & 16;
        if (v & 32)
            c->cr3 = v & ~0xfffu;
        break;
    }
}

/* 2000 crafted sections: each one is refused with the CPU as it was, or
 * loads and runs 1000 instructions; the sanitizers watch the host. */
static void test_hostile_states(struct unit_tally *t)
{
    struct unit_machine src, dst;
    setup_protected(&src);
    setup_protected(&dst);
    dst.cpu->stop_on_exception = false;
    uint8_t *ram = malloc(LOW_RAM);
    if (!ram) {
        fprintf(stderr, "test_cpu_state: out of memory\n");
        exit(2);
    }
    mem_read_block(dst.mem, 0, ram, LOW_RAM);
    struct state_writer good;
    save(src.cpu, &good);

    char err[200] = "";
    CHECK_MSG(t, load(src.cpu, good.buf, good.len, err, sizeof(err)) == 0, "load: %s", err);
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    unsigned loaded = 0;
    for (int i = 0; i < 2000; i++) {
        load(src.cpu, good.buf, good.len, err, sizeof(err));
        unsigned changes = 1 + rng_next(&rng) % 3;
        for (unsigned k = 0; k < changes; k++)
            mutate_fields(src.cpu, &rng);
        struct state_writer w;
        save(src.cpu, &w);
        /* Flip bits anywhere in the section now and then, header too. */
        uint64_t r = rng_next(&rng);
        for (unsigned k = 0; k < r % 4; k++) {
            uint64_t q = rng_next(&rng);
            w.buf[q % w.len] ^= (uint8_t)(1u << ((q >> 32) % 8));
        }

        struct state_writer before;
        save(dst.cpu, &before);
        err[0] = '\0';
        if (load(dst.cpu, w.buf, w.len, err, sizeof(err)) != 0) {
            struct state_writer after;
            save(dst.cpu, &after);
            CHECK_CASE(t, err[0] && after.len == before.len &&
                              memcmp(after.buf, before.buf, before.len) == 0,
                       "mutation %d: refused as '%s' but changed the CPU", i, err);
            state_writer_free(&after);
        } else {
            loaded++;
            mem_write_block(dst.mem, 0, ram, LOW_RAM);
            cpu_run(dst.cpu, 1000);
        }
        state_writer_free(&before);
        state_writer_free(&w);
    }
    /* Most mutations keep the state plausible: the runs did happen. */
    CHECK_MSG(t, loaded > 500, "only %u of 2000 mutated states loaded", loaded);
    state_writer_free(&good);
    free(ram);
    unit_machine_free(&src);
    unit_machine_free(&dst);
}

static uint64_t edx_eax(const struct cpu *cpu)
{
    return (uint64_t)(uint32_t)cpu->regs[R_EDX] << 32 | (uint32_t)cpu->regs[R_EAX];
}

/* In icount mode RDTSC reads the clock as the instructions retired so far
 * make it, within one cpu_run; WRMSR sets the count; a saved CPU and clock
 * restored in the order a machine uses read on from the same count. */
static void test_tsc_clock(struct unit_tally *t)
{
    enum { SHIFT = 3, NOPS = 37 };
    struct unit_machine a;
    core_init(&a);
    core_flat32(&a);
    struct vclock *clock = vclock_create(SHIFT);
    if (!clock) {
        fprintf(stderr, "test_cpu_state: cannot create a clock\n");
        exit(2);
    }
    cpu_set_clock(a.cpu, clock);
    /* NOP x37; RDTSC; WRMSR (ECX = 0x10, EDX:EAX = 5:0x1000); NOP; RDTSC;
     * HLT, with ECX loaded before the WRMSR. */
    for (uint32_t i = 0; i < NOPS; i++)
        CODE(&a, CODE_AT + i, 0x90);
    CODE(&a, CODE_AT + NOPS, 0x0f, 0x31,                     /* rdtsc */
         0xb9, 0x10, 0, 0, 0, 0xba, 5, 0, 0, 0,              /* mov ecx, 0x10; mov edx, 5 */
         0xb8, 0x00, 0x10, 0, 0, 0x0f, 0x30,                 /* mov eax, 0x1000; wrmsr */
         0x90, 0x0f, 0x31, 0xf4);                            /* nop; rdtsc; hlt */

    CHECK(t, core_run(&a, CODE_AT, NOPS + 1) == CPU_EXIT_BUDGET);
    CHECK_MSG(t, edx_eax(a.cpu) == (uint64_t)NOPS << SHIFT, "TSC %llu after %d instructions",
              (unsigned long long)edx_eax(a.cpu), NOPS);
    CHECK(t, vclock_now(clock) == (uint64_t)NOPS << SHIFT);

    /* The P6 keeps only the low 32 bits of a TSC write (SDM vol. 3, 17.17):
     * two instructions after it, 0x1000 plus two instructions' time. */
    CHECK(t, cpu_run(a.cpu, 6) == CPU_EXIT_BUDGET);
    CHECK_MSG(t, edx_eax(a.cpu) == 0x1000 + (2u << SHIFT), "TSC %llx after WRMSR",
              (unsigned long long)edx_eax(a.cpu));

    /* Time the clock skips, as an idle CPU's would, counts too. */
    uint64_t before_idle = edx_eax(a.cpu);
    vclock_restore(clock, vclock_now(clock) + 1000);
    CODE(&a, 0x2000, 0x0f, 0x31, 0xf4);
    CHECK(t, core_run(&a, 0x2000, 1) == CPU_EXIT_BUDGET);
    CHECK(t, edx_eax(a.cpu) == before_idle + 1000 + (1u << SHIFT));

    /* Save the CPU and the clock; restore into a new machine: CPU first,
     * then the clock told the CPU's count, then the clock's time. */
    struct state_writer w;
    save(a.cpu, &w);
    vclock_account(clock, a.cpu->icount); /* as the machine does after each slice */
    uint64_t saved_now = vclock_save(clock);
    struct unit_machine b;
    core_init(&b);
    struct vclock *clock_b = vclock_create(SHIFT);
    if (!clock_b) {
        fprintf(stderr, "test_cpu_state: cannot create a clock\n");
        exit(2);
    }
    cpu_set_clock(b.cpu, clock_b);
    copy_ram(&b, &a, LOW_RAM);
    char err[200] = "";
    CHECK_MSG(t, load(b.cpu, w.buf, w.len, err, sizeof(err)) == 0, "load: %s", err);
    vclock_account(clock_b, b.cpu->icount);
    vclock_restore(clock_b, saved_now);
    CHECK(t, core_run(&a, 0x2000, 1) == CPU_EXIT_BUDGET);
    CHECK(t, core_run(&b, 0x2000, 1) == CPU_EXIT_BUDGET);
    CHECK(t, edx_eax(b.cpu) == edx_eax(a.cpu));
    state_writer_free(&w);

    /* RESET starts the count again from 0 on the clock. */
    cpu_reset(a.cpu);
    core_flat32(&a);
    CHECK(t, core_run(&a, 0x2000, 1) == CPU_EXIT_BUDGET && edx_eax(a.cpu) == 0);

    unit_machine_free(&a);
    unit_machine_free(&b);
    vclock_destroy(clock);
    vclock_destroy(clock_b);
}

/* Without a clock the TSC counts instructions, and setting a clock keeps
 * its value. */
static void test_tsc_without_clock(struct unit_tally *t)
{
    struct unit_machine a;
    core_init(&a);
    core_flat32(&a);
    for (uint32_t i = 0; i < 10; i++)
        CODE(&a, CODE_AT + i, 0x90);
    CODE(&a, CODE_AT + 10, 0x0f, 0x31, 0x0f, 0x31, 0xf4);
    CHECK(t, core_run(&a, CODE_AT, 11) == CPU_EXIT_BUDGET && edx_eax(a.cpu) == 10);
    struct vclock *clock = vclock_create(0);
    if (!clock) {
        fprintf(stderr, "test_cpu_state: cannot create a clock\n");
        exit(2);
    }
    vclock_restore(clock, 5000);
    cpu_set_clock(a.cpu, clock);
    CHECK(t, cpu_run(a.cpu, 1) == CPU_EXIT_BUDGET && edx_eax(a.cpu) == 10 + 1);
    unit_machine_free(&a);
    vclock_destroy(clock);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_round_trip(&t);
    test_refusals(&t);
    test_accepted(&t);
    test_hostile_states(&t);
    test_tsc_clock(&t);
    test_tsc_without_clock(&t);
    return UNIT_REPORT(&t);
}
