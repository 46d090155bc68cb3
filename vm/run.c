/*
 * The machine's main loop: run the CPU up to the next timer deadline, fire
 * the timers that are due, take host input, and decide what a stop means.
 *
 *   isa-debug-exit write   lintas exits with the device's status
 *   reset request          the machine resets; with -no-reboot, lintas
 *                          exits with status 0, as QEMU does
 *   triple fault           RESET, as a PC's chipset does on shutdown; with
 *                          -no-reboot, one line on stderr and exit status 2
 *   HLT                    the host thread sleeps until the next timer or
 *                          outside event (in -icount mode the clock jumps
 *                          there instead); with interrupts disabled and no
 *                          NMI possible, one line on stderr and exit status
 *                          0: the guest has finished, waiting would hang
 */
#include <stdio.h>

#include "hw/pc.h"
#include "lintas/cpu.h"
#include "lintas/log.h"
#include "lintas/machine.h"
#include "lintas/timer.h"

/* Instructions per slice when no timer is closer: short enough that host
 * input and exit requests are seen promptly, long enough that the checks
 * between slices cost nothing. */
#define SLICE 65536

/* How often host input is looked at while the guest sleeps in HLT with no
 * timer due sooner. Only when time follows the host: under -icount an
 * idle guest's clock jumps to its next deadline, and a poll timer would
 * turn a guest waiting for input into a busy loop. */
#define INPUT_POLL_NS 10000000ull

static void input_poll(void *opaque)
{
    struct machine *m = opaque;
    pc_poll_input(m->board);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Handle a stop of the CPU; returns an exit status, or -1 to go on. */
static int stopped(struct machine *m, enum cpu_exit why)
{
    struct cpu *cpu = m->cpu;
    switch (why) {
    case CPU_EXIT_SHUTDOWN:
        if (m->no_reboot) {
            fprintf(stderr, "lintas: triple fault at %04x:%08x, stopping (-no-reboot)\n",
                    cpu->seg[SEG_CS].sel, (uint32_t)cpu->eip);
            return MACHINE_EXIT_TRIPLE_FAULT;
        }
        log_printf(&m->log, LOG_GUEST_ERRORS, "triple fault at %04x:%08x, resetting\n",
                   cpu->seg[SEG_CS].sel, (uint32_t)cpu->eip);
        machine_reset(m);
        return -1;
    case CPU_EXIT_HALT:
        if (!(cpu->eflags & FL_IF) && !cpu->nmi_pending) {
            fprintf(stderr, "lintas: guest halted at %04x:%08x with interrupts disabled, "
                            "stopping\n",
                    cpu->seg[SEG_CS].sel, (uint32_t)cpu->insn_eip);
            return 0;
        }
        vclock_idle(m->clock);
        return -1;
    case CPU_EXIT_EXCEPTION: /* needs stop_on_exception, never set on a machine */
    case CPU_EXIT_BUDGET:
    case CPU_EXIT_REQUEST:
        return -1;
    }
    return -1;
}

int machine_run(struct machine *m, uint64_t stop_at_icount)
{
    struct cpu *cpu = m->cpu;
    struct vclock *clock = m->clock;
    struct timer poll;
    timer_init(&poll, clock, input_poll, m);
    int status = -1;
    while (status < 0) {
        uint64_t budget = min_u64(SLICE, vclock_insn_budget(clock));
        if (stop_at_icount) {
            if (cpu->icount >= stop_at_icount) {
                status = MACHINE_RUN_STOPPED;
                break;
            }
            budget = min_u64(budget, stop_at_icount - cpu->icount);
        }
        enum cpu_exit why = budget ? cpu_run(cpu, budget) : CPU_EXIT_BUDGET;
        vclock_account(clock, cpu->icount);
        if (m->exit_requested) {
            status = (int)(m->exit_status & 0xff);
            break;
        }
        if (m->reset_requested) {
            if (m->no_reboot) {
                status = 0;
                break;
            }
            machine_reset(m);
            continue;
        }
        if (why == CPU_EXIT_HALT && !vclock_icount(clock) && !timer_pending(&poll))
            timer_mod(&poll, vclock_now(clock) + INPUT_POLL_NS);
        status = stopped(m, why);
        vclock_run_due(clock);
        pc_poll_input(m->board);
    }
    timer_del(&poll);
    return status;
}
