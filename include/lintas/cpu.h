/*
 * The guest x86 CPU: architectural state and the interface the machine uses.
 *
 * The state is plain data so that the interpreter, the translator, the
 * debugger and the state saver can all read it. General registers are kept
 * 64 bits wide (only the low 32 are used by IA-32 guests) so long mode is an
 * addition later, not a rewrite. Arithmetic flags are evaluated lazily: read
 * EFLAGS with cpu_get_eflags() and write it with cpu_set_eflags().
 */
#ifndef LINTAS_CPU_H
#define LINTAS_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lintas/state.h"

struct phys_mem;
struct io_bus;
struct logger;
struct icache;

/* Processor signature (CPUID leaf 1 EAX, and EDX after RESET): family 6,
 * model 5, stepping 2, a Pentium II. */
#define CPU_SIGNATURE 0x00000652u

/* IA32_PAT after RESET: WB WT UC- UC, twice (SDM vol. 3, 11.12.4). */
#define PAT_POWER_ON 0x0007040600070406ull

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/* EFLAGS bits (SDM vol. 1, 3.4.3). */
enum {
    FL_CF = 1u << 0, FL_PF = 1u << 2, FL_AF = 1u << 4, FL_ZF = 1u << 6,
    FL_SF = 1u << 7, FL_TF = 1u << 8, FL_IF = 1u << 9, FL_DF = 1u << 10,
    FL_OF = 1u << 11, FL_IOPL = 3u << 12, FL_NT = 1u << 14, FL_RF = 1u << 16,
    FL_VM = 1u << 17, FL_AC = 1u << 18, FL_VIF = 1u << 19, FL_VIP = 1u << 20,
    FL_ID = 1u << 21,
};
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

enum {
    CR0_PE = 1u << 0, CR0_MP = 1u << 1, CR0_EM = 1u << 2, CR0_TS = 1u << 3,
    CR0_ET = 1u << 4, CR0_NE = 1u << 5, CR0_WP = 1u << 16, CR0_AM = 1u << 18,
    CR0_NW = 1u << 29, CR0_CD = 1u << 30, CR0_PG = 1u << 31,
};
enum {
    CR4_VME = 1u << 0, CR4_PVI = 1u << 1, CR4_TSD = 1u << 2, CR4_DE = 1u << 3,
    CR4_PSE = 1u << 4, CR4_PAE = 1u << 5, CR4_MCE = 1u << 6, CR4_PGE = 1u << 7,
    CR4_PCE = 1u << 8, CR4_OSFXSR = 1u << 9, CR4_OSXMMEXCPT = 1u << 10,
};

/* Exception vectors (SDM vol. 3, 6.3.1). */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
    EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
    EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18,
};

/*
 * A segment register with its hidden descriptor cache. attr holds bits 8..23
 * of the descriptor's high dword (type, S, DPL, P, AVL, L, D/B, G) shifted
 * down by 8; limit is already scaled by G. lo/hi bound the valid offsets
 * (expand-down segments invert the range) and acc says whether reads and
 * writes are allowed at all; both are derived from the rest on every load.
 */
struct seg_cache {
    uint32_t base;
    uint32_t limit;
    uint32_t lo, hi;
    uint16_t sel;
    uint16_t attr;
    uint8_t acc;
};

enum {
    SEG_ATTR_TYPE = 0x000f, SEG_ATTR_S = 0x0010, SEG_ATTR_DPL = 0x0060,
    SEG_ATTR_P = 0x0080, SEG_ATTR_AVL = 0x1000, SEG_ATTR_L = 0x2000,
    SEG_ATTR_DB = 0x4000, SEG_ATTR_G = 0x8000,
};
enum { SEG_ACC_READ = 1, SEG_ACC_WRITE = 2 };

struct dtable {
    uint32_t base;
    uint16_t limit;
};

/*
 * One TLB entry caches a linear page for one privilege (supervisor or user
 * accesses). A tag equals the linear page address when that kind of access
 * may use the host pointer directly; otherwise the slow path runs. addend
 * turns a linear address into a host address for RAM pages.
 */
struct tlb_entry {
    uint32_t tag_read;
    uint32_t tag_write;
    uint32_t tag_exec;
    uint32_t pfn;     /* physical page number (address >> 12), 24 bits */
    uintptr_t addend; /* host address - linear address, 0 for MMIO */
    uint8_t global;   /* filled from a global (PGE) page */
};
#define TLB_BITS 10
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_INVALID 1u /* no page-aligned address equals this tag */

/* The machine's interrupt controller as the CPU sees it (INTA cycle). */
struct cpu_intc {
    int (*ack)(void *opaque); /* returns the vector of the pending interrupt */
    void *opaque;
};

/* The FERR# output, for the PC's legacy x87 error reporting through IRQ 13
 * (SDM vol. 1, D.2): with CR0.NE clear, an x87 instruction that finds an
 * unmasked exception pending raises it; it drops when FSW.ES clears
 * (FNCLEX, FNINIT, FNSAVE, or a control or status word load). */
struct cpu_ferr {
    void (*set)(void *opaque, bool level); /* NULL: not wired */
    void *opaque;
};

/* Why cpu_run() returned. */
enum cpu_exit {
    CPU_EXIT_BUDGET,       /* executed the requested number of instructions */
    CPU_EXIT_HALT,         /* HLT with no interrupt that can wake it */
    CPU_EXIT_REQUEST,      /* cpu_request_exit() was called (device, signal) */
    CPU_EXIT_EXCEPTION,    /* stop_on_exception set and an exception occurred */
    CPU_EXIT_SHUTDOWN,     /* triple fault: the CPU entered shutdown */
};

struct vclock;

/* The x87 FPU's architectural state (SDM vol. 1, 8.1). Registers are kept
 * by physical number R0-R7 in the 80-bit format (mant: 64-bit significand
 * with explicit integer bit; sign_exp: sign in bit 15, biased exponent);
 * ST(i) is R((TOP + i) mod 8), TOP being FSW bits 13:11. MMX registers
 * MM0-MM7 are the significands of R0-R7 (SDM vol. 1, 9.5). */
struct fpu_reg {
    uint64_t mant;
    uint16_t sign_exp;
};

struct fpu {
    struct fpu_reg r[8];
    uint16_t fcw;        /* control word */
    uint16_t fsw;        /* status word, TOP included */
    uint16_t ftw;        /* full tag word: 2 bits per physical register,
                            00 valid, 01 zero, 10 special, 11 empty */
    uint16_t fop;        /* opcode of the last non-control instruction, 11 bits */
    uint32_t fip, fdp;   /* its instruction and operand offsets */
    uint16_t fcs, fds;   /* and their selectors */
};

struct cpu {
    uint64_t regs[16];
    uint64_t eip;
    uint32_t eflags; /* all but the arithmetic flags, which are lazy */
    uint32_t cc_op;  /* how to derive the arithmetic flags (cpu/flags.h) */
    uint32_t cc_dst, cc_src, cc_src2;

    struct seg_cache seg[SEG_COUNT];
    struct seg_cache ldtr, tr;
    struct dtable gdtr, idtr;
    uint32_t cr0, cr2, cr3, cr4;
    uint64_t pdpte[4]; /* PAE PDPTE registers, loaded from CR3 (SDM vol. 3, 4.4.1) */
    struct fpu fpu;
    uint32_t dr[8];
    /* Debug breakpoints: which of DR0-DR3 are enabled instruction, data
     * and I/O breakpoints, derived from DR7, DR0-DR3 and CR4.DE by
     * bp_update() (cpu/breakpoint.h), so that the fast paths stay free of
     * them. The hits are with the events below. */
    uint8_t bp_exec_mask, bp_data_mask, bp_io_mask;
    unsigned cpl;

    uint64_t tsc_offset; /* TSC = clock ticks (or icount) + tsc_offset */
    uint64_t icount;     /* instructions retired since creation, and exceptions
                            delivered (each counts as one) */
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t apic_base;
    uint64_t mc_ctl[5]; /* machine-check bank control MSRs (MCi_CTL) */
    /* Memory type range registers and the PAT, kept as storage: memory
     * types change nothing in an emulator (SDM vol. 3, 11.11 and 11.12). */
    uint64_t mtrr_var[16];   /* MTRRphysBase0, MTRRphysMask0, ... Mask7 */
    uint64_t mtrr_fixed[11]; /* 64K_00000, 16K_80000, 16K_A0000, 4K_C0000 .. 4K_F8000 */
    uint64_t mtrr_def_type;
    uint64_t pat;
    /* P6 performance monitoring: PerfEvtSel0/1 and the 40-bit PerfCtr0/1
     * (SDM vol. 3, "Performance Monitoring (P6 Family Processor)"). */
    uint64_t perf_evtsel[2];
    uint64_t perf_ctr[2];

    /* Events the run loop looks at between instructions. They share one
     * aligned eight-byte group so that "nothing pending", the common case,
     * is a single load (cpu/interp.c). */
    _Alignas(8) bool intr_line; /* INTR pin level from the interrupt controller */
    bool nmi_pending;           /* an NMI edge not yet delivered */
    bool inhibit_irq;           /* one-instruction shadow after STI, MOV SS, POP SS */
    bool halted;
    volatile bool exit_request;
    uint8_t bp_hits;            /* B0-B3 of data and I/O breakpoints hit since the
                                   last instruction boundary, trapped at the next */
    uint8_t events_unused[2];   /* zero: completes the group */

    bool nmi_blocked; /* inside an NMI handler until the next IRET */
    struct cpu_intc intc;
    struct cpu_ferr ferr;

    /* Exception bookkeeping for the double-fault rules (SDM vol. 3, 6.15). */
    int exc_depth_vector; /* vector being delivered, -1 when none */
    bool stop_on_exception;
    int last_exception;       /* vector, for CPU_EXIT_EXCEPTION */
    uint32_t last_error_code;

    /* Per-instruction bookkeeping for precise faults. A helper that commits
     * a context switch (task switch) moves these to the new context before
     * raising faults that belong to it. */
    uint64_t insn_eip; /* EIP of the instruction being executed */
    uint64_t insn_esp; /* ESP before it, restored when it faults */
    int fault_vector;  /* set by cpu_fault() for the run loop */
    uint32_t fault_error;
    uint64_t run_budget; /* instructions left in this cpu_run() */

    struct tlb_entry tlb[2][TLB_SIZE]; /* [0] supervisor, [1] user */
    bool tlb_has_large;                /* a 4 MiB or 2 MiB page is cached somewhere */
    bool align_check; /* CR0.AM and EFLAGS.AC: user data accesses take the
                         slow path, which raises #AC */

    struct icache *icache; /* decoded instructions, a host-side cache */
    struct phys_mem *mem;
    struct io_bus *io;
    const struct logger *log;
    struct vclock *clock; /* what the TSC follows; NULL: instructions */
    void *disas; /* Capstone handle, opened on first use */
    jmp_buf fault_jmp;
};

struct cpu *cpu_create(struct phys_mem *mem, struct io_bus *io, const struct logger *log);
void cpu_destroy(struct cpu *cpu);

/* Power-on / RESET state (SDM vol. 3, 9.1.1): real mode at F000:FFF0 with
 * CS.base = FFFF0000. */
void cpu_reset(struct cpu *cpu);

/* Run at most max_insns instructions. */
enum cpu_exit cpu_run(struct cpu *cpu, uint64_t max_insns);

/* From a device handler inside cpu_run(): return after at most insns
 * more instructions, the one executing now included (at least that one). */
void cpu_limit_run(struct cpu *cpu, uint64_t insns);

/* Ask a running cpu_run() to return at the next instruction boundary. Safe
 * to call from a device handler or another thread. */
void cpu_request_exit(struct cpu *cpu);

void cpu_set_intc(struct cpu *cpu, const struct cpu_intc *intc);

/* The clock the time-stamp counter follows: CPU_TSC_HZ ticks per second of
 * virtual time. Without one (bare CPU tests) the TSC counts instructions. */
#define CPU_TSC_HZ 1000000000ull
void cpu_set_clock(struct cpu *cpu, struct vclock *clock);

/* The architectural state (registers, segment caches, control, debug and
 * model-specific registers, pending events, instruction count), for
 * machine state files; obj is the struct cpu. Loading checks every value a
 * real CPU could not hold and rebuilds what is derived from the rest. */
extern const struct state_desc cpu_state_desc;
void cpu_set_intr(struct cpu *cpu, bool level);
void cpu_raise_nmi(struct cpu *cpu);

uint32_t cpu_get_eflags(const struct cpu *cpu);
void cpu_set_eflags(struct cpu *cpu, uint32_t eflags);

/* Set a segment register as real mode does: base = sel << 4, 64 KiB limit,
 * read/write data (code for CS). */
void cpu_load_seg_real(struct cpu *cpu, int seg, uint16_t sel);

/* Set a segment register from raw descriptor fields, deriving lo/hi/acc.
 * For loaders and tests; guest loads go through the checked path. */
void cpu_set_seg(struct cpu *cpu, int seg, uint16_t sel, uint32_t base,
                 uint32_t limit, uint16_t attr);

/* Drop every cached translation (after the board changes A20 or the memory
 * map). */
void cpu_tlb_flush_all(struct cpu *cpu);

/* Write "  EAX=... " style register dump, for -d cpu_reset and debugging. */
void cpu_dump_state(const struct cpu *cpu, FILE *out);

#endif
