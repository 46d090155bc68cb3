/*
 * The CPU's state in machine state files: its architectural registers,
 * pending events and instruction count as a state table (lintas/state.h).
 *
 * Host-side caches (the TLB, decoded instructions), the breakpoint summary,
 * pointers and the bookkeeping of the instruction being executed are not
 * saved; a load rebuilds what is derived. State files may come from
 * anywhere, so a load first refuses every value the interpreter could
 * never have left behind: the run loop and the fast paths trust struct
 * cpu to be consistent. DR4, DR5 and R8-R15 are not registers of an IA-32
 * processor (DR4/DR5 alias DR6/DR7) and are not saved.
 */
#include <stdio.h>

#include "access.h"
#include "breakpoint.h"
#include "flags.h"
#include "fpu.h"
#include "seg.h"
#include "system.h"

/* Bits 8..11 of a cached attr: the limit's top nibble in a descriptor,
 * which desc_attr() leaves out. */
#define SEG_ATTR_RESERVED 0x0f00u

static bool registers_ok(const struct cpu *cpu, char *why, size_t len)
{
    static const char *const names[8] = { "EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI" };
    for (unsigned r = 0; r < 8; r++) {
        if (cpu->regs[r] >> 32) {
            snprintf(why, len, "%s has bits above 31 set", names[r]);
            return false;
        }
    }
    if (cpu->eip >> 32) {
        snprintf(why, len, "EIP has bits above 31 set");
        return false;
    }
    /* The arithmetic flags live in the lazy state, never in eflags. */
    if ((cpu->eflags & ~(EFLAGS_DEFINED & ~FL_ARITH)) != 2) {
        snprintf(why, len, "EFLAGS %08x has reserved or arithmetic bits set, or bit 1 clear",
                 cpu->eflags);
        return false;
    }
    return true;
}

/* The lazy flags as cpu/flags.h defines them: a known kind and size, and
 * operands truncated to that size. */
static bool lazy_flags_ok(const struct cpu *cpu, char *why, size_t len)
{
    uint32_t op = cpu->cc_op;
    if (op == CC_EFLAGS) {
        if (cpu->cc_src & ~FL_ARITH) {
            snprintf(why, len, "explicit flags %08x hold more than the arithmetic flags",
                     cpu->cc_src);
            return false;
        }
        return true;
    }
    /* Kind CC_EFLAGS has no operand size: only cc_op 0 names it. */
    if (op < 3 || op >= CC_KINDS * 3) {
        snprintf(why, len, "cc_op %u out of range", op);
        return false;
    }
    uint32_t mask = 0xffffffffu >> (32 - (8u << (op % 3)));
    if ((cpu->cc_dst | cpu->cc_src | cpu->cc_src2) & ~mask) {
        snprintf(why, len, "lazy flag operands wider than cc_op %u's operand size", op);
        return false;
    }
    unsigned kind = op / 3;
    bool carry_in_src2 = kind == CC_INC || kind == CC_DEC;
    bool carry_in_src = kind == CC_SHL || kind == CC_SHR || kind == CC_SAR;
    if ((carry_in_src2 && cpu->cc_src2 > 1) || (carry_in_src && cpu->cc_src > 1)) {
        snprintf(why, len, "the carry of cc_op %u is neither 0 nor 1", op);
        return false;
    }
    return true;
}

/* CR0 and CR4 as MOV to CR leaves them (cpu/exec_system.c), and the PDPTE
 * registers as a load leaves them (cpu/mmu.c). */
static bool control_ok(const struct cpu *cpu, char *why, size_t len)
{
    const char *bad = NULL;
    if ((cpu->cr0 & ~CR0_WRITABLE) != CR0_ET)
        bad = "CR0 has reserved bits set or ET clear";
    else if ((cpu->cr0 & CR0_PG) && !(cpu->cr0 & CR0_PE))
        bad = "CR0.PG is set without CR0.PE";
    else if ((cpu->cr0 & CR0_NW) && !(cpu->cr0 & CR0_CD))
        bad = "CR0.NW is set without CR0.CD";
    else if (cpu->cr4 & ~CR4_VALID)
        bad = "CR4 has reserved or unsupported bits set";
    else if (!mmu_pdpte_ok(cpu->pdpte[0]) || !mmu_pdpte_ok(cpu->pdpte[1]) ||
             !mmu_pdpte_ok(cpu->pdpte[2]) || !mmu_pdpte_ok(cpu->pdpte[3]))
        bad = "a present PDPTE register has reserved bits set";
    if (bad)
        snprintf(why, len, "%s (CR0=%08x CR4=%08x)", bad, cpu->cr0, cpu->cr4);
    return !bad;
}

static bool debug_ok(const struct cpu *cpu, char *why, size_t len)
{
    const char *bad = NULL;
    if ((cpu->dr[6] & ~DR6_WRITABLE) != DR6_FIXED)
        bad = "DR6 reserved bits are not as the processor fixes them";
    else if (!(cpu->dr[7] & DR7_FIXED_ONE) || (cpu->dr[7] & DR7_FIXED_ZERO))
        bad = "DR7 reserved bits are not as the processor fixes them";
    else if (cpu->bp_hits & ~DR6_B_MASK)
        bad = "pending breakpoint hits name a breakpoint other than 0-3";
    if (bad)
        snprintf(why, len, "%s", bad);
    return !bad;
}

/* The CPL follows the mode: 0 in real mode, 3 in virtual-8086 mode, which
 * needs protected mode (cpu_mode_changed in cpu/seg.c). */
static bool privilege_ok(const struct cpu *cpu, char *why, size_t len)
{
    const char *bad = NULL;
    if (cpu->cpl > 3)
        bad = "CPL above 3";
    else if (!cpu_protected(cpu) && cpu->cpl != 0)
        bad = "CPL is not 0 in real mode";
    else if (cpu_v86(cpu) && !cpu_protected(cpu))
        bad = "EFLAGS.VM is set without CR0.PE";
    else if (cpu_v86(cpu) && cpu->cpl != 3)
        bad = "CPL is not 3 in virtual-8086 mode";
    if (bad)
        snprintf(why, len, "%s (CPL %u)", bad, cpu->cpl);
    return !bad;
}

/* A cache as seg_cache_set() fills it: bounds and rights derived from the
 * limit and attributes, except that real mode lets every segment register
 * be read and written (cpu/seg.c). */
static bool seg_cache_ok(const struct seg_cache *s, const char *name, bool real_mode,
                         char *why, size_t len)
{
    struct seg_cache derived;
    seg_cache_set(&derived, s->sel, s->base, s->limit, s->attr);
    bool rights_ok = s->acc == derived.acc ||
                     (real_mode && s->acc == (SEG_ACC_READ | SEG_ACC_WRITE));
    const char *bad = NULL;
    if (s->attr & SEG_ATTR_RESERVED)
        bad = "attributes have reserved bits set";
    else if (s->lo != derived.lo || s->hi != derived.hi)
        bad = "bounds do not follow from its limit and attributes";
    else if (!rights_ok)
        bad = "access rights do not follow from its attributes";
    if (bad)
        snprintf(why, len, "%s cache: %s", name, bad);
    return !bad;
}

static bool segments_ok(const struct cpu *cpu, char *why, size_t len)
{
    static const char *const names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    for (int i = 0; i < SEG_COUNT; i++)
        if (!seg_cache_ok(&cpu->seg[i], names[i], !cpu_protected(cpu), why, len))
            return false;
    return seg_cache_ok(&cpu->ldtr, "LDTR", false, why, len) &&
           seg_cache_ok(&cpu->tr, "TR", false, why, len);
}

/* Any register contents, tags and status are possible (FRSTOR loads
 * them from memory); only FOP is 11 bits wide. */
static bool fpu_ok(const struct cpu *cpu, char *why, size_t len)
{
    if (cpu->fpu.fop > 0x7ff) {
        snprintf(why, len, "x87 FOP %04x is wider than 11 bits", cpu->fpu.fop);
        return false;
    }
    return true;
}

static int cpu_post_load(void *obj, char *err, size_t errlen)
{
    struct cpu *cpu = obj;
    char why[128];
    const char *msr_error = msr_state_error(cpu);
    if (msr_error) {
        snprintf(err, errlen, "cpu: %s", msr_error);
        return -1;
    }
    if (!registers_ok(cpu, why, sizeof(why)) || !lazy_flags_ok(cpu, why, sizeof(why)) ||
        !control_ok(cpu, why, sizeof(why)) || !debug_ok(cpu, why, sizeof(why)) ||
        !privilege_ok(cpu, why, sizeof(why)) || !segments_ok(cpu, why, sizeof(why)) ||
        !fpu_ok(cpu, why, sizeof(why))) {
        snprintf(err, errlen, "cpu: %s", why);
        return -1;
    }

    /* Derived state. The decoded-instruction cache needs nothing: its hits
     * are checked against the bytes in memory (cpu/icache.h). */
    bp_update(cpu);
    cpu_tlb_flush_all(cpu);
    tlb_set_alignment_check(cpu, (cpu->eflags & FL_AC) && (cpu->cr0 & CR0_AM));
    return 0;
}

#define CPU_FIELD(member, reset) STATE_FIELD(struct cpu, member, reset)

/* One segment cache, with a 64 KiB limit as after RESET. */
#define SEG_CACHE_FIELDS(cache, sel_reset, base_reset, attr_reset, acc_reset)                \
    CPU_FIELD(cache.base, base_reset), CPU_FIELD(cache.limit, 0xffff), CPU_FIELD(cache.lo, 0), \
        CPU_FIELD(cache.hi, 0xffff), CPU_FIELD(cache.sel, sel_reset),                          \
        CPU_FIELD(cache.attr, attr_reset), CPU_FIELD(cache.acc, acc_reset)

/* One x87 data register. */
#define FPU_REG_FIELDS(n)                                      \
    STATE_FIELD_SINCE(struct cpu, fpu.r[n].mant, 0, 2),        \
        STATE_FIELD_SINCE(struct cpu, fpu.r[n].sign_exp, 0, 2)

#define RESET_DATA_ATTR (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED)
#define RESET_RIGHTS (SEG_ACC_READ | SEG_ACC_WRITE)

/* Reset values are those of cpu_reset() (SDM vol. 3, 9.1.1, table 9-1),
 * which stays the machine's reset path. */
static const struct state_field cpu_fields[] = {
    CPU_FIELD(regs[R_EAX], 0),
    CPU_FIELD(regs[R_ECX], 0),
    CPU_FIELD(regs[R_EDX], CPU_SIGNATURE),
    CPU_FIELD(regs[R_EBX], 0),
    CPU_FIELD(regs[R_ESP], 0),
    CPU_FIELD(regs[R_EBP], 0),
    CPU_FIELD(regs[R_ESI], 0),
    CPU_FIELD(regs[R_EDI], 0),
    CPU_FIELD(eip, 0xfff0),
    CPU_FIELD(eflags, 2),
    CPU_FIELD(cc_op, CC_EFLAGS),
    CPU_FIELD(cc_dst, 0),
    CPU_FIELD(cc_src, 0),
    CPU_FIELD(cc_src2, 0),

    SEG_CACHE_FIELDS(seg[SEG_ES], 0, 0, RESET_DATA_ATTR, RESET_RIGHTS),
    SEG_CACHE_FIELDS(seg[SEG_CS], 0xf000, 0xffff0000u, RESET_DATA_ATTR | SEG_TYPE_CODE,
                     RESET_RIGHTS),
    SEG_CACHE_FIELDS(seg[SEG_SS], 0, 0, RESET_DATA_ATTR, RESET_RIGHTS),
    SEG_CACHE_FIELDS(seg[SEG_DS], 0, 0, RESET_DATA_ATTR, RESET_RIGHTS),
    SEG_CACHE_FIELDS(seg[SEG_FS], 0, 0, RESET_DATA_ATTR, RESET_RIGHTS),
    SEG_CACHE_FIELDS(seg[SEG_GS], 0, 0, RESET_DATA_ATTR, RESET_RIGHTS),
    SEG_CACHE_FIELDS(ldtr, 0, 0, SEG_ATTR_P | DESC_LDT, 0),
    SEG_CACHE_FIELDS(tr, 0, 0, SEG_ATTR_P | DESC_TSS32_BUSY, 0),
    CPU_FIELD(gdtr.base, 0),
    CPU_FIELD(gdtr.limit, 0xffff),
    CPU_FIELD(idtr.base, 0),
    CPU_FIELD(idtr.limit, 0xffff),

    CPU_FIELD(cr0, CR0_ET | CR0_CD | CR0_NW),
    CPU_FIELD(cr2, 0),
    CPU_FIELD(cr3, 0),
    CPU_FIELD(cr4, 0),
    CPU_FIELD(dr[0], 0),
    CPU_FIELD(dr[1], 0),
    CPU_FIELD(dr[2], 0),
    CPU_FIELD(dr[3], 0),
    CPU_FIELD(dr[6], DR6_FIXED),
    CPU_FIELD(dr[7], DR7_FIXED_ONE),
    CPU_FIELD(cpl, 0),

    /* x87 FPU at power-up (SDM vol. 3, table 9-1): every register +0.0. */
    FPU_REG_FIELDS(0), FPU_REG_FIELDS(1), FPU_REG_FIELDS(2), FPU_REG_FIELDS(3),
    FPU_REG_FIELDS(4), FPU_REG_FIELDS(5), FPU_REG_FIELDS(6), FPU_REG_FIELDS(7),
    STATE_FIELD_SINCE(struct cpu, fpu.fcw, FCW_POWER_ON, 2),
    STATE_FIELD_SINCE(struct cpu, fpu.fsw, 0, 2),
    STATE_FIELD_SINCE(struct cpu, fpu.ftw, FTW_ALL_ZERO, 2),
    STATE_FIELD_SINCE(struct cpu, fpu.fop, 0, 2),
    STATE_FIELD_SINCE(struct cpu, fpu.fip, 0, 2),
    STATE_FIELD_SINCE(struct cpu, fpu.fdp, 0, 2),
    STATE_FIELD_SINCE(struct cpu, fpu.fcs, 0, 2),
    STATE_FIELD_SINCE(struct cpu, fpu.fds, 0, 2),

    CPU_FIELD(tsc_offset, 0),
    CPU_FIELD(icount, 0),
    CPU_FIELD(sysenter_cs, 0),
    CPU_FIELD(sysenter_esp, 0),
    CPU_FIELD(sysenter_eip, 0),
    CPU_FIELD(apic_base, 0xfee00900u), /* BSP, enabled, at the default base */
    STATE_ARRAY(struct cpu, mc_ctl, 0),
    STATE_ARRAY_SINCE(struct cpu, mtrr_var, 0, 2),
    STATE_ARRAY_SINCE(struct cpu, mtrr_fixed, 0, 2),
    STATE_FIELD_SINCE(struct cpu, mtrr_def_type, 0, 2), /* MTRRs disabled */
    STATE_FIELD_SINCE(struct cpu, pat, PAT_POWER_ON, 2),
    STATE_ARRAY_SINCE(struct cpu, perf_evtsel, 0, 2),
    STATE_ARRAY_SINCE(struct cpu, perf_ctr, 0, 2),

    CPU_FIELD(intr_line, false),
    CPU_FIELD(nmi_pending, false),
    CPU_FIELD(inhibit_irq, false),
    CPU_FIELD(halted, false),
    CPU_FIELD(bp_hits, 0),
    CPU_FIELD(nmi_blocked, false),
    STATE_ARRAY_SINCE(struct cpu, pdpte, 0, 2),
};

const struct state_desc cpu_state_desc = {
    .name = "cpu",
    .version = 2,
    .fields = cpu_fields,
    .field_count = sizeof(cpu_fields) / sizeof(cpu_fields[0]),
    .post_load = cpu_post_load,
};
