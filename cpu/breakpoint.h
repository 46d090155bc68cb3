/*
 * Hardware breakpoints (SDM vol. 3, 17.2 and 17.3.1): DR0-DR3 hold linear
 * addresses or I/O ports, DR7 enables them and says what each watches, DR6
 * reports which matched.
 *
 * Nothing here runs while no breakpoint is enabled, and little while one
 * is. bp_update() keeps a summary in struct cpu (bp_exec_mask, bp_data_mask,
 * bp_io_mask). The TLB gives a page holding a breakpoint no fast tag for
 * what the breakpoint watches, so only fetches from pages with an
 * instruction breakpoint reach bp_check_exec() (from the run loop's slow
 * fetch path) and only data accesses to pages with a data breakpoint reach
 * bp_data_access() (from the TLB's slow path). Data and I/O hits collect in
 * cpu->bp_hits; the run loop reports them as one trap at the next
 * instruction boundary, and REP string instructions do one element per
 * dispatch while data or I/O breakpoints are enabled, so that the trap
 * comes after the element that hit.
 */
#ifndef CPU_BREAKPOINT_H
#define CPU_BREAKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/cpu.h"

/* DR6 status bits (SDM vol. 3, 17.2.3). */
#define DR6_B_MASK 0xfu /* B0-B3: breakpoint conditions met */
#define DR6_BD (1u << 13)
#define DR6_BS (1u << 14)
#define DR6_BT (1u << 15)

/* DR6 and DR7 reserved bits (SDM vol. 3, 17.2.3 and 17.2.4). */
#define DR6_WRITABLE 0x0000e00fu
#define DR6_FIXED 0xffff0ff0u
#define DR7_FIXED_ONE 0x00000400u
#define DR7_FIXED_ZERO 0x0000d800u

/* Recompute the summary after DR0-DR3, DR7 or CR4.DE change; pages that
 * now hold a breakpoint lose their fast TLB tags. */
void bp_update(struct cpu *cpu);

/* Raise the #DB fault when an enabled instruction breakpoint matches the
 * instruction at CS:EIP, before it is fetched. The caller skips this while
 * EFLAGS.RF is set. */
void bp_check_exec(struct cpu *cpu);

/* Note the data breakpoints an access of size bytes at lin hits. */
void bp_data_access(struct cpu *cpu, uint32_t lin, unsigned size, bool write);

/* Note the I/O breakpoints an access to size ports at port hits. */
void bp_io_access(struct cpu *cpu, uint16_t port, unsigned size);

/* Which accesses to the 4 KiB linear page at vpage must take the slow
 * path because a breakpoint watches them (for the TLB fill). */
enum { BP_WATCH_READ = 1, BP_WATCH_WRITE = 2, BP_WATCH_EXEC = 4 };
unsigned bp_page_watch(const struct cpu *cpu, uint32_t vpage);

/* Record a debug exception in DR6: B0-B3 become the breakpoints it
 * reports (cpu->bp_hits, which are consumed, plus any in bits), while BD,
 * BS and BT accumulate until software clears them (SDM vol. 3, 17.2.3:
 * "certain debug exceptions may clear bits 0-3"; the remaining bits are
 * never cleared by the processor). The caller raises the #DB. */
void bp_report(struct cpu *cpu, uint32_t bits);

#endif
