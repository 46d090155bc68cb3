/*
 * Processor identification and model-specific registers: CPUID as a
 * Pentium II reports it, the time-stamp counter, RDMSR/WRMSR, RDPMC and the
 * SYSENTER/SYSEXIT fast system calls (SDM vol. 2; vol. 3, 17.17 and 5.8.7).
 *
 * CPUID advertises exactly what the interpreter implements: a feature bit
 * is set only when guests may rely on the feature.
 */
#include "exec.h"
#include "fault.h"
#include "lintas/timer.h"
#include "seg.h"
#include "system.h"

/* CPUID.1:EDX feature bits (SDM vol. 2, CPUID, table 3-11). VME covers
 * CR4.PVI too; DE promises CR4.DE with I/O breakpoints. MCE promises
 * CR4.MCE and the #MC vector, MCA the bank MSRs; no machine check is ever
 * signalled. MTRR promises the MTRR MSRs, which hold their values and
 * change nothing. A Pentium II has FPU, PAE and FXSR too, each set here
 * once it is implemented; PAT came with the Pentium III and stays clear
 * even though the IA32_PAT MSR is kept. */
enum {
    FEAT_FPU = 1u << 0, FEAT_VME = 1u << 1, FEAT_DE = 1u << 2, FEAT_PSE = 1u << 3,
    FEAT_TSC = 1u << 4, FEAT_MSR = 1u << 5, FEAT_PAE = 1u << 6, FEAT_MCE = 1u << 7,
    FEAT_CX8 = 1u << 8, FEAT_SEP = 1u << 11, FEAT_MTRR = 1u << 12, FEAT_PGE = 1u << 13,
    FEAT_MCA = 1u << 14, FEAT_CMOV = 1u << 15, FEAT_PAT = 1u << 16, FEAT_MMX = 1u << 23,
    FEAT_FXSR = 1u << 24,
};
#define CPUID_FEATURES (FEAT_VME | FEAT_DE | FEAT_PSE | FEAT_TSC | FEAT_MSR | FEAT_MCE | \
                        FEAT_CX8 | FEAT_SEP | FEAT_MTRR | FEAT_PGE | FEAT_MCA | FEAT_CMOV | \
                        FEAT_MMX | FEAT_PAE | FEAT_FPU | FEAT_FXSR)

/* The MSRs this CPU has (SDM vol. 4, table 2-2 and the P6 family table). */
enum {
    MSR_P5_MC_ADDR = 0x00,
    MSR_P5_MC_TYPE = 0x01,
    MSR_TSC = 0x10,
    MSR_PLATFORM_ID = 0x17,
    MSR_APIC_BASE = 0x1b,
    MSR_EBL_CR_POWERON = 0x2a,
    MSR_BIOS_SIGN_ID = 0x8b,
    MSR_PERFCTR0 = 0xc1, /* and PerfCtr1 */
    MSR_MTRRCAP = 0xfe,
    MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176,
    MSR_MCG_CAP = 0x179,
    MSR_MCG_STATUS = 0x17a,
    MSR_PERFEVTSEL0 = 0x186, /* and PerfEvtSel1 */
    MSR_MTRR_PHYS_BASE0 = 0x200, /* then MTRRphysMask0, Base1, ... Mask7 */
    MSR_MTRR_FIX64K_00000 = 0x250,
    MSR_MTRR_FIX16K_80000 = 0x258,
    MSR_MTRR_FIX16K_A0000 = 0x259,
    MSR_MTRR_FIX4K_C0000 = 0x268, /* to 4K_F8000 at 0x26f */
    MSR_PAT = 0x277,
    MSR_MTRR_DEF_TYPE = 0x2ff,
    MSR_MC0_CTL = 0x400, /* then STATUS, ADDR, MISC; four MSRs a bank */
};
/* IA32_APIC_BASE: BSP flag (read-only), enable, and a base below 64 GiB. */
#define APIC_BASE_BSP 0x100u
#define APIC_BASE_WRITABLE 0xffffff800ull
/* IA32_PLATFORM_ID: processor flag 1 in bits 52:50, which microcode
 * updates are matched against. */
#define PLATFORM_ID_VALUE (1ull << 50)
/* EBL_CR_POWERON as a Pentium II 400 strapped at power-on: 100 MHz system
 * bus (bits 19:18 = 10b), clock ratio code 0010b in bits 25:22 (4x), the
 * bootstrap processor (cluster and arbitration IDs 0), 4 GiB reset vector,
 * error checking off. */
#define EBL_CR_POWERON_VALUE 0x00880000u

/* Machine-check architecture (SDM vol. 3, 15.3): the P6's five error
 * reporting banks and no IA32_MCG_CTL (MCG_CAP bit 8 clear). */
#define MC_BANKS 5u
#define MCG_CAP_VALUE MC_BANKS
enum { MC_CTL, MC_STATUS, MC_ADDR, MC_MISC };
_Static_assert(sizeof(((struct cpu *)0)->mc_ctl) == MC_BANKS * sizeof(uint64_t),
               "one MCi_CTL per bank");

/* MTRRs (SDM vol. 3, 11.11): MTRRcap reports eight variable ranges
 * (VCNT), the fixed ranges (FIX) and write combining (WC). Physical
 * addresses have 36 bits, so bits 63:36 of the range registers are
 * reserved, as are the bits between the fields. */
#define MTRRCAP_VALUE 0x508u
#define MTRR_VAR_COUNT 16u
#define MTRR_FIXED_COUNT 11u
#define MTRR_PHYS_ADDR 0x0000000ffffff000ull
#define MTRR_TYPE_MASK 0xffull
#define MTRR_MASK_VALID (1ull << 11)
#define MTRR_DEF_FE (1ull << 10)
#define MTRR_DEF_E (1ull << 11)
_Static_assert(sizeof(((struct cpu *)0)->mtrr_var) == MTRR_VAR_COUNT * sizeof(uint64_t),
               "a base and a mask for each of the eight variable ranges");

/* Memory types: UC, WC, WT, WP, WB; 2 and 3 are reserved, and 7 (UC-) is
 * a PAT type only (SDM vol. 3, tables 11-8 and 11-10). */
static bool mtrr_type_ok(uint64_t type)
{
    return type <= 1 || (type >= 4 && type <= 6);
}

/* Eight memory types, one a byte: a fixed-range MTRR or the PAT. */
static bool type_bytes_ok(uint64_t v, bool pat)
{
    for (unsigned i = 0; i < 8; i++) {
        uint64_t type = (v >> (8 * i)) & MTRR_TYPE_MASK;
        if (!mtrr_type_ok(type) && !(pat && type == 7))
            return false;
    }
    return true;
}

static bool mtrr_var_ok(unsigned n, uint64_t v)
{
    if (n % 2 == 0) /* PhysBase: base and type */
        return !(v & ~(MTRR_PHYS_ADDR | MTRR_TYPE_MASK)) && mtrr_type_ok(v & MTRR_TYPE_MASK);
    return !(v & ~(MTRR_PHYS_ADDR | MTRR_MASK_VALID)); /* PhysMask: mask and V */
}

static bool mtrr_def_type_ok(uint64_t v)
{
    return !(v & ~(MTRR_TYPE_MASK | MTRR_DEF_FE | MTRR_DEF_E)) && mtrr_type_ok(v & MTRR_TYPE_MASK);
}

/* The fixed-range MTRR an MSR index names, as an index into mtrr_fixed,
 * or -1. */
static int mtrr_fixed_index(uint32_t msr)
{
    switch (msr) {
    case MSR_MTRR_FIX64K_00000: return 0;
    case MSR_MTRR_FIX16K_80000: return 1;
    case MSR_MTRR_FIX16K_A0000: return 2;
    default:
        if (msr >= MSR_MTRR_FIX4K_C0000 && msr < MSR_MTRR_FIX4K_C0000 + 8)
            return 3 + (int)(msr - MSR_MTRR_FIX4K_C0000);
        return -1;
    }
}
_Static_assert(sizeof(((struct cpu *)0)->mtrr_fixed) == MTRR_FIXED_COUNT * sizeof(uint64_t),
               "one 64K, two 16K and eight 4K fixed-range MTRRs");

/* The memory-type MSRs: true when msr is one of them, with its value
 * read into *v. */
static bool memtype_read(const struct cpu *cpu, uint32_t msr, uint64_t *v)
{
    int fixed = mtrr_fixed_index(msr);
    if (fixed >= 0)
        *v = cpu->mtrr_fixed[fixed];
    else if (msr >= MSR_MTRR_PHYS_BASE0 && msr < MSR_MTRR_PHYS_BASE0 + MTRR_VAR_COUNT)
        *v = cpu->mtrr_var[msr - MSR_MTRR_PHYS_BASE0];
    else if (msr == MSR_MTRRCAP)
        *v = MTRRCAP_VALUE;
    else if (msr == MSR_MTRR_DEF_TYPE)
        *v = cpu->mtrr_def_type;
    else if (msr == MSR_PAT)
        *v = cpu->pat;
    else
        return false;
    return true;
}

/* The writable memory-type MSRs: true when msr is one of them. Reserved
 * bits or a reserved memory type in v are #GP(0). */
static bool memtype_write(struct cpu *cpu, uint32_t msr, uint64_t v)
{
    int fixed = mtrr_fixed_index(msr);
    uint64_t *dst;
    bool ok;
    if (fixed >= 0) {
        dst = &cpu->mtrr_fixed[fixed];
        ok = type_bytes_ok(v, false);
    } else if (msr >= MSR_MTRR_PHYS_BASE0 && msr < MSR_MTRR_PHYS_BASE0 + MTRR_VAR_COUNT) {
        dst = &cpu->mtrr_var[msr - MSR_MTRR_PHYS_BASE0];
        ok = mtrr_var_ok(msr - MSR_MTRR_PHYS_BASE0, v);
    } else if (msr == MSR_MTRR_DEF_TYPE) {
        dst = &cpu->mtrr_def_type;
        ok = mtrr_def_type_ok(v);
    } else if (msr == MSR_PAT) {
        dst = &cpu->pat;
        ok = type_bytes_ok(v, true);
    } else {
        return false;
    }
    if (!ok)
        cpu_fault(cpu, EXC_GP, 0);
    *dst = v;
    return true;
}

/* Performance monitoring (SDM vol. 3, "Performance Monitoring (P6 Family
 * Processor)"; vol. 4, the P6 family MSR table): two 40-bit counters, each
 * with an event select. Bit 21 and bits 63:32 of an event select are
 * reserved; EN (bit 22) exists only in PerfEvtSel0 and enables both
 * counters.
 *
 * No event is counted: a counter holds what WRMSR last put there. An exact
 * count is out of reach even for instructions retired (event C0H): icount
 * also counts delivered exceptions, USR and OS would have to follow every
 * change of CPL, and the INT flag asks for an overflow interrupt through a
 * local APIC this machine does not have. Software that sets counters up,
 * reads them back and enables them (Linux's PMU probe) sees consistent
 * registers. */
#define P6_PMC_COUNT 2
#define PERFEVTSEL_EN (1ull << 22)
#define PERFEVTSEL_RESERVED (0xffffffff00000000ull | 1ull << 21)
#define PERFCTR_WIDTH_MASK 0xffffffffffull
#define PERFCTR_SIGN_BITS 0xff00000000ull
_Static_assert(sizeof(((struct cpu *)0)->perf_evtsel) == P6_PMC_COUNT * sizeof(uint64_t) &&
                   sizeof(((struct cpu *)0)->perf_ctr) == P6_PMC_COUNT * sizeof(uint64_t),
               "an event select and a counter for each of the two counters");

static bool perf_evtsel_ok(unsigned n, uint64_t v)
{
    return !(v & (PERFEVTSEL_RESERVED | (n != 0 ? PERFEVTSEL_EN : 0)));
}

/* WRMSR loads bits 31:0 of a counter and copies bit 31 into bits 39:32,
 * whatever EDX holds, so that a negative count can be preset. */
static uint64_t perf_ctr_value(uint32_t lo)
{
    return lo | (lo & 0x80000000u ? PERFCTR_SIGN_BITS : 0);
}

/* The performance-monitoring MSRs: true when msr is one of them, with its
 * value read into *v. */
static bool perfmon_read(const struct cpu *cpu, uint32_t msr, uint64_t *v)
{
    if (msr >= MSR_PERFCTR0 && msr < MSR_PERFCTR0 + P6_PMC_COUNT)
        *v = cpu->perf_ctr[msr - MSR_PERFCTR0];
    else if (msr >= MSR_PERFEVTSEL0 && msr < MSR_PERFEVTSEL0 + P6_PMC_COUNT)
        *v = cpu->perf_evtsel[msr - MSR_PERFEVTSEL0];
    else
        return false;
    return true;
}

/* The performance-monitoring MSRs: true when msr is one of them. Reserved
 * bits in an event select are #GP(0). */
static bool perfmon_write(struct cpu *cpu, uint32_t msr, uint64_t v)
{
    if (msr >= MSR_PERFCTR0 && msr < MSR_PERFCTR0 + P6_PMC_COUNT) {
        cpu->perf_ctr[msr - MSR_PERFCTR0] = perf_ctr_value((uint32_t)v);
    } else if (msr >= MSR_PERFEVTSEL0 && msr < MSR_PERFEVTSEL0 + P6_PMC_COUNT) {
        if (!perf_evtsel_ok(msr - MSR_PERFEVTSEL0, v))
            cpu_fault(cpu, EXC_GP, 0);
        cpu->perf_evtsel[msr - MSR_PERFEVTSEL0] = v;
    } else {
        return false;
    }
    return true;
}

struct cpuid_leaf {
    uint32_t eax, ebx, ecx, edx;
};

/* "GenuineIntel" is spread over EBX, EDX, ECX. Leaf 2 lists the Pentium
 * II's caches and TLBs as descriptor bytes: 01 02 03 (instruction and data
 * TLBs), 43 (512 KiB L2), 08 and 0C (16 KiB L1 instruction and data), 04
 * (4 MiB-page data TLB); the low byte 01 says one call returns them all. */
static const struct cpuid_leaf cpuid_leaves[] = {
    { 2, 0x756e6547, 0x6c65746e, 0x49656e69 },
    { CPU_SIGNATURE, 0, 0, CPUID_FEATURES },
    { 0x03020101, 0, 0, 0x0c040843 },
};
#define CPUID_MAX_LEAF (sizeof(cpuid_leaves) / sizeof(cpuid_leaves[0]) - 1)

#define NS_PER_SEC 1000000000ull

/* What the TSC counts before its offset: the virtual clock's time in
 * CPU_TSC_HZ ticks, or without a clock the instructions retired. In icount
 * mode the clock first learns the instructions this slice has retired so
 * far, so the TSC moves on within a slice as it does across slices. */
static uint64_t tsc_base(const struct cpu *cpu)
{
    if (!cpu->clock)
        return cpu->icount;
    vclock_account(cpu->clock, cpu->icount);
    uint64_t ns = vclock_now(cpu->clock);
    /* Seconds and the rest apart: exact, and free of overflow while
     * CPU_TSC_HZ stays below 18 GHz. */
    return ns / NS_PER_SEC * CPU_TSC_HZ + ns % NS_PER_SEC * CPU_TSC_HZ / NS_PER_SEC;
}

static uint64_t tsc_read(const struct cpu *cpu)
{
    return tsc_base(cpu) + cpu->tsc_offset;
}

void tsc_reset(struct cpu *cpu)
{
    cpu->tsc_offset = -tsc_base(cpu);
}

/* The TSC keeps its value and goes on from there at the clock's pace. */
void cpu_set_clock(struct cpu *cpu, struct vclock *clock)
{
    uint64_t tsc = tsc_read(cpu);
    cpu->clock = clock;
    cpu->tsc_offset = tsc - tsc_base(cpu);
}

static void set_edx_eax(struct cpu *cpu, uint64_t v)
{
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = (uint32_t)(v >> 32);
}

void exec_CPUID(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t leaf = (uint32_t)cpu->regs[R_EAX];
    /* Leaves past the maximum answer like the highest basic leaf, as
     * Intel processors do (SDM vol. 2, CPUID). */
    const struct cpuid_leaf *l = &cpuid_leaves[leaf > CPUID_MAX_LEAF ? CPUID_MAX_LEAF : leaf];
    cpu->regs[R_EAX] = l->eax;
    cpu->regs[R_EBX] = l->ebx;
    cpu->regs[R_ECX] = l->ecx;
    cpu->regs[R_EDX] = l->edx;
}

void exec_RDTSC(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if ((cpu->cr4 & CR4_TSD) && cpu->cpl != 0)
        cpu_fault(cpu, EXC_GP, 0);
    set_edx_eax(cpu, tsc_read(cpu));
}

/* The bank register an MSR index names, or false outside the banks. */
static bool mc_bank_register(uint32_t msr, unsigned *bank, unsigned *reg)
{
    if (msr < MSR_MC0_CTL || msr >= MSR_MC0_CTL + 4 * MC_BANKS)
        return false;
    *bank = (msr - MSR_MC0_CTL) / 4;
    *reg = (msr - MSR_MC0_CTL) % 4;
    return true;
}

/* No error is ever logged: STATUS and ADDR read 0 (VAL and ADDRV clear),
 * and MISC, valid only with MISCV set, does not exist (SDM vol. 3,
 * 15.3.2.2 to 15.3.2.4). */
static uint64_t mc_bank_read(struct cpu *cpu, unsigned bank, unsigned reg)
{
    switch (reg) {
    case MC_CTL: return cpu->mc_ctl[bank];
    case MC_MISC: cpu_fault(cpu, EXC_GP, 0);
    default: return 0;
    }
}

/* Software may only clear STATUS (and ADDR with it): writing ones is #GP.
 * A P6 takes only all zeros or all ones in MCi_CTL (SDM vol. 3, 15.3.2.1). */
static void mc_bank_write(struct cpu *cpu, unsigned bank, unsigned reg, uint64_t v)
{
    switch (reg) {
    case MC_CTL:
        if (v != 0 && v != ~0ull)
            cpu_fault(cpu, EXC_GP, 0);
        cpu->mc_ctl[bank] = v;
        break;
    case MC_MISC:
        cpu_fault(cpu, EXC_GP, 0);
    default:
        if (v)
            cpu_fault(cpu, EXC_GP, 0);
    }
}

void exec_RDMSR(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (cpu->cpl != 0)
        cpu_fault(cpu, EXC_GP, 0);
    uint32_t msr = (uint32_t)cpu->regs[R_ECX];
    unsigned bank, reg;
    if (mc_bank_register(msr, &bank, &reg)) {
        set_edx_eax(cpu, mc_bank_read(cpu, bank, reg));
        return;
    }
    uint64_t v;
    if (memtype_read(cpu, msr, &v) || perfmon_read(cpu, msr, &v)) {
        set_edx_eax(cpu, v);
        return;
    }
    switch (msr) {
    /* No machine check has been latched, and no microcode update is
     * loaded: BIOS_SIGN_ID's revision (high half) reads 0. */
    case MSR_P5_MC_ADDR: case MSR_P5_MC_TYPE: case MSR_BIOS_SIGN_ID: v = 0; break;
    case MSR_TSC: v = tsc_read(cpu); break;
    case MSR_PLATFORM_ID: v = PLATFORM_ID_VALUE; break;
    case MSR_APIC_BASE: v = cpu->apic_base; break;
    case MSR_EBL_CR_POWERON: v = EBL_CR_POWERON_VALUE; break;
    case MSR_SYSENTER_CS: v = cpu->sysenter_cs; break;
    case MSR_SYSENTER_ESP: v = cpu->sysenter_esp; break;
    case MSR_SYSENTER_EIP: v = cpu->sysenter_eip; break;
    case MSR_MCG_CAP: v = MCG_CAP_VALUE; break;
    case MSR_MCG_STATUS: v = 0; break; /* no machine check in progress */
    default: cpu_fault(cpu, EXC_GP, 0);
    }
    set_edx_eax(cpu, v);
}

const char *msr_state_error(const struct cpu *cpu)
{
    if ((cpu->apic_base & ~(APIC_BASE_WRITABLE | APIC_BASE_BSP)) ||
        !(cpu->apic_base & APIC_BASE_BSP))
        return "IA32_APIC_BASE has reserved bits set or the BSP flag clear";
    for (unsigned bank = 0; bank < MC_BANKS; bank++)
        if (cpu->mc_ctl[bank] != 0 && cpu->mc_ctl[bank] != ~0ull)
            return "an MCi_CTL is neither all zeros nor all ones";
    for (unsigned n = 0; n < MTRR_VAR_COUNT; n++)
        if (!mtrr_var_ok(n, cpu->mtrr_var[n]))
            return "a variable-range MTRR has reserved bits set or a reserved type";
    for (unsigned n = 0; n < MTRR_FIXED_COUNT; n++)
        if (!type_bytes_ok(cpu->mtrr_fixed[n], false))
            return "a fixed-range MTRR holds a reserved memory type";
    if (!mtrr_def_type_ok(cpu->mtrr_def_type))
        return "MTRRdefType has reserved bits set or a reserved type";
    if (!type_bytes_ok(cpu->pat, true))
        return "IA32_PAT has reserved bits set or a reserved type";
    for (unsigned n = 0; n < P6_PMC_COUNT; n++) {
        if (!perf_evtsel_ok(n, cpu->perf_evtsel[n]))
            return "a PerfEvtSel has reserved bits set";
        if (cpu->perf_ctr[n] & ~PERFCTR_WIDTH_MASK)
            return "a PerfCtr has bits above 39 set";
    }
    return NULL;
}

void exec_WRMSR(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (cpu->cpl != 0)
        cpu_fault(cpu, EXC_GP, 0);
    uint32_t lo = (uint32_t)cpu->regs[R_EAX];
    uint64_t v = ((uint64_t)(uint32_t)cpu->regs[R_EDX] << 32) | lo;
    uint32_t msr = (uint32_t)cpu->regs[R_ECX];
    unsigned bank, reg;
    if (mc_bank_register(msr, &bank, &reg)) {
        mc_bank_write(cpu, bank, reg, v);
        return;
    }
    if (memtype_write(cpu, msr, v) || perfmon_write(cpu, msr, v))
        return;
    switch (msr) {
    case MSR_TSC:
        /* P6 writes only the low 32 bits and clears the rest (SDM vol. 3,
         * 17.17). */
        cpu->tsc_offset = (uint64_t)lo - tsc_base(cpu);
        break;
    case MSR_APIC_BASE:
        if (v & ~(APIC_BASE_WRITABLE | APIC_BASE_BSP))
            cpu_fault(cpu, EXC_GP, 0);
        cpu->apic_base = (cpu->apic_base & APIC_BASE_BSP) | (v & APIC_BASE_WRITABLE);
        break;
    /* Writes that change nothing modelled: software clears BIOS_SIGN_ID
     * before CPUID to read a microcode revision, and the writable bits of
     * EBL_CR_POWERON enable bus error checks. The P5 machine-check
     * registers hold no error to clear. */
    case MSR_P5_MC_ADDR: case MSR_P5_MC_TYPE: case MSR_EBL_CR_POWERON: case MSR_BIOS_SIGN_ID:
        break;
    case MSR_SYSENTER_CS: cpu->sysenter_cs = lo; break;
    case MSR_SYSENTER_ESP: cpu->sysenter_esp = lo; break;
    case MSR_SYSENTER_EIP: cpu->sysenter_eip = lo; break;
    /* MCG_STATUS can only be cleared, and it is clear. */
    case MSR_MCG_STATUS:
        if (v)
            cpu_fault(cpu, EXC_GP, 0);
        break;
    default: /* missing MSRs, and the read-only IA32_PLATFORM_ID, MTRRcap and MCG_CAP */
        cpu_fault(cpu, EXC_GP, 0);
    }
}

void exec_RDPMC(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t counter = (uint32_t)cpu->regs[R_ECX];
    if ((!(cpu->cr4 & CR4_PCE) && cpu->cpl != 0) || counter >= P6_PMC_COUNT)
        cpu_fault(cpu, EXC_GP, 0);
    /* All 40 bits: 39:32 in EDX[7:0] (SDM vol. 2, RDPMC). */
    set_edx_eax(cpu, cpu->perf_ctr[counter]);
}

/* The flat segments SYSENTER and SYSEXIT load without reading the GDT:
 * base 0, 4 GiB, 32-bit, accessed (SDM vol. 2, SYSENTER). */
static void load_flat(struct cpu *cpu, int seg, uint16_t sel, unsigned dpl, bool code)
{
    uint16_t attr = SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G | SEG_TYPE_ACCESSED |
                    SEG_TYPE_RW | (uint16_t)(dpl << 5) | (code ? SEG_TYPE_CODE : 0);
    seg_cache_set(&cpu->seg[seg], sel, 0, 0xffffffffu, attr);
}

void exec_SYSENTER(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint16_t cs = (uint16_t)cpu->sysenter_cs;
    if (!cpu_protected(cpu) || (cs & 0xfffc) == 0)
        cpu_fault(cpu, EXC_GP, 0);
    cpu->eflags &= ~(FL_VM | FL_IF | FL_RF);
    load_flat(cpu, SEG_CS, cs & 0xfffc, 0, true);
    load_flat(cpu, SEG_SS, (cs & 0xfffc) + 8, 0, false);
    cpu->cpl = 0;
    cpu->regs[R_ESP] = cpu->sysenter_esp;
    cpu->eip = cpu->sysenter_eip;
}

void exec_SYSEXIT(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint16_t cs = (uint16_t)cpu->sysenter_cs;
    if (!cpu_protected(cpu) || (cs & 0xfffc) == 0 || cpu->cpl != 0)
        cpu_fault(cpu, EXC_GP, 0);
    load_flat(cpu, SEG_CS, (uint16_t)((cs + 16) | 3), 3, true);
    load_flat(cpu, SEG_SS, (uint16_t)((cs + 24) | 3), 3, false);
    cpu->cpl = 3;
    cpu->regs[R_ESP] = (uint32_t)cpu->regs[R_ECX];
    cpu->eip = (uint32_t)cpu->regs[R_EDX];
}
