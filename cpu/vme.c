/*
 * Virtual-8086 mode extensions: the virtual interrupt flag's FLAGS images
 * and software interrupt redirection (SDM vol. 3, 20.3). The CLI, STI,
 * PUSHF, POPF and IRET handlers choose between these and their ordinary
 * forms; this file holds what they share.
 */
#include "vme.h"

#include <inttypes.h>

#include "access.h"
#include "fault.h"
#include "lintas/log.h"
#include "seg.h"

/* The interrupt redirection bitmap is the 32 bytes just below the I/O
 * permission bitmap, whose offset a 32-bit TSS holds at 0x66 (SDM vol. 3,
 * figure 20-5). */
#define TSS_IOMAP_BASE 0x66
#define REDIRECTION_BITMAP_BYTES 32u

uint16_t vme_flags_image(const struct cpu *cpu)
{
    uint32_t fl = cpu_get_eflags(cpu);
    fl = (fl & ~FL_IF) | FL_IOPL | ((fl & FL_VIF) ? FL_IF : 0);
    return (uint16_t)fl;
}

void vme_load_flags(struct cpu *cpu, uint16_t image)
{
    uint32_t fl = cpu_get_eflags(cpu);
    if ((image & FL_TF) || ((image & FL_IF) && (fl & FL_VIP)))
        cpu_fault(cpu, EXC_GP, 0);
    const uint32_t kept = 0xffff0000u | FL_IF | FL_IOPL;
    fl = (fl & kept) | (image & ~kept);
    fl = (fl & ~FL_VIF) | ((image & FL_IF) ? FL_VIF : 0);
    cpu_set_eflags(cpu, fl);
}

/* Bit vector of the current TSS's redirection bitmap: set sends INT n
 * through the IDT, clear to the 8086 program. Only a 32-bit TSS has the
 * bitmap, and its byte must lie within the TSS limit, else #GP(0). */
static bool redirection_bit(struct cpu *cpu, uint8_t vector)
{
    const struct seg_cache *tr = &cpu->tr;
    if (!(tr->attr & 8) || tr->limit < TSS_IOMAP_BASE + 1)
        cpu_fault(cpu, EXC_GP, 0);
    uint32_t at = sys_read(cpu, tr->base + TSS_IOMAP_BASE, 2) - REDIRECTION_BITMAP_BYTES +
                  vector / 8u;
    if (at > tr->limit)
        cpu_fault(cpu, EXC_GP, 0);
    return (sys_read(cpu, tr->base + at, 1) >> (vector & 7)) & 1;
}

/* Methods 5 and 6: a real-mode style call through the vector table at
 * linear address 0 of the V86 task, without leaving V86 mode. Below IOPL 3
 * the pushed image carries VIF, and VIF rather than IF is cleared. */
static void redirect_to_v86(struct cpu *cpu, uint8_t vector, uint32_t return_ip, bool virtual_if)
{
    uint16_t image = virtual_if ? vme_flags_image(cpu) : (uint16_t)cpu_get_eflags(cpu);
    push(cpu, image, 2);
    push(cpu, cpu->seg[SEG_CS].sel, 2);
    push(cpu, return_ip, 2);
    uint16_t ip = (uint16_t)lin_read(cpu, vector * 4u, 2);
    uint16_t cs = (uint16_t)lin_read(cpu, vector * 4u + 2, 2);
    if (log_enabled(cpu->log, LOG_INT))
        log_printf(cpu->log, LOG_INT, "%6" PRIu64 ": v=%02x redirected in V86 to %04x:%04x\n",
                   cpu->icount, vector, cs, ip);
    seg_load(cpu, SEG_CS, cs);
    cpu->eip = ip;
    cpu->eflags &= ~(FL_TF | (virtual_if ? FL_VIF : FL_IF));
}

void vme_software_interrupt(struct cpu *cpu, uint8_t vector, uint32_t return_ip)
{
    bool iopl3 = (cpu->eflags & FL_IOPL) == FL_IOPL;
    if ((cpu->cr4 & CR4_VME) && !redirection_bit(cpu, vector)) {
        redirect_to_v86(cpu, vector, return_ip, !iopl3);
        return;
    }
    /* Methods 1 and 4 reach the protected-mode handler; below IOPL 3,
     * methods 2 and 3 trap to the monitor. */
    if (!iopl3)
        cpu_fault(cpu, EXC_GP, 0);
    cpu_deliver_interrupt(cpu, vector, INTR_SOFTWARE, false, 0, return_ip);
}
