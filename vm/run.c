/*
 * The machine's main loop: run the CPU in slices, and between slices feed
 * device input and decide what a stop means.
 *
 *   isa-debug-exit write   lintas exits with the device's status
 *   triple fault           RESET, as a PC's chipset does on shutdown; with
 *                          -no-reboot, one line on stderr and exit status 2
 *   HLT nothing can end    one line on stderr and exit status 0: the guest
 *                          has finished, and waiting would hang forever
 */
#include <stdio.h>

#include "hw/serial.h"
#include "lintas/cpu.h"
#include "lintas/log.h"
#include "lintas/machine.h"

/* Instructions per slice: short enough that serial input and exit requests
 * are seen promptly, long enough that the checks cost nothing. */
#define SLICE 65536

/* Could anything end this HLT? Only an interrupt, and this board has no
 * interrupt controller and no NMI source. */
static bool halt_can_end(const struct cpu *cpu)
{
    return cpu->nmi_pending || ((cpu->eflags & FL_IF) && cpu->intc.ack);
}

int machine_run(struct machine *m)
{
    struct cpu *cpu = m->cpu;
    for (;;) {
        enum cpu_exit why = cpu_run(cpu, SLICE);
        if (m->exit_requested)
            return (int)(m->exit_status & 0xff);

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
            break;
        case CPU_EXIT_HALT:
            if (halt_can_end(cpu))
                break;
            fprintf(stderr, "lintas: guest halted at %04x:%08x %s, stopping\n",
                    cpu->seg[SEG_CS].sel, (uint32_t)cpu->insn_eip,
                    (cpu->eflags & FL_IF) ? "and no device can interrupt it"
                                          : "with interrupts disabled");
            return 0;
        case CPU_EXIT_EXCEPTION: /* needs stop_on_exception, never set on a machine */
        case CPU_EXIT_BUDGET:
        case CPU_EXIT_REQUEST:
            break;
        }
        if (m->com1)
            serial_poll(m->com1);
    }
}
