/*
 * Intel 82371AB (PIIX4) function 3, power management, at 00:01.3: the ACPI
 * fixed hardware (PM1 event and control registers, the PM timer, a GPE0
 * block) in an I/O space the firmware places through PMBA, the SCI, and
 * the APM control and status ports 0xB2/0xB3. QEMU's i440FX board has
 * the same function, and SeaBIOS sets it up there.
 */
#ifndef HW_PIIX4_PM_H
#define HW_PIIX4_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pci.h"
#include "lintas/io.h"
#include "lintas/irq.h"
#include "lintas/log.h"
#include "lintas/state.h"
#include "lintas/timer.h"

#define PIIX4_PM_DEVFN PCI_DEVFN(1, 3)

/* The PM I/O space: its size and the registers the ACPI tables point at,
 * as offsets from PMBA (datasheet 7.2). */
#define PIIX4_PM_IO_SIZE 0x40
enum {
    PIIX4_PM1_STS = 0x00, /* 16 bits */
    PIIX4_PM1_EN = 0x02,  /* 16 bits */
    PIIX4_PM1_CNT = 0x04, /* 16 bits */
    PIIX4_PM_TMR = 0x08,  /* 32 bits, 24 counting */
    PIIX4_GPE0 = 0x0c,    /* GPSTS 16 bits, then GPEN 16 bits */
};
#define PIIX4_GPE0_LEN 4

/* PM1 status and enable bits (ACPI 1.0b 4.7.3.1). */
#define PIIX4_PM1_TMR 0x0001
#define PIIX4_PM1_GBL 0x0020
#define PIIX4_PM1_PWRBTN 0x0100
#define PIIX4_PM1_RTC 0x0400
#define PIIX4_PM1_WAK_STS 0x8000
/* PM1 control bits (ACPI 1.0b 4.7.3.2). */
#define PIIX4_PM1_SCI_EN 0x0001
#define PIIX4_PM1_SLP_TYP_SHIFT 10
#define PIIX4_PM1_SLP_EN 0x2000
/* The SLP_TYP value that powers the machine off (datasheet 7.2.3: 000b,
 * soft off); the DSDT's \_S5 names it. */
#define PIIX4_SLP_TYP_SOFT_OFF 0

/* The PM timer's clock and width (TMR_VAL_EXT clear). */
#define PIIX4_PM_TIMER_HZ 3579545u
#define PIIX4_PM_TIMER_BITS 24

/* The APM ports, and the commands that hand the ACPI fixed hardware to
 * the operating system and back (the FADT's SMI_CMD, ACPI_ENABLE and
 * ACPI_DISABLE). */
#define PIIX4_APM_CNT 0xb2
#define PIIX4_APM_STS 0xb3
#define PIIX4_ACPI_ENABLE 0xf1
#define PIIX4_ACPI_DISABLE 0xf0

/* The SCI is wired to IRQ 9, level-triggered (datasheet 7.1.14). */
#define PIIX4_SCI_IRQ 9

struct piix4_pm;

/* What the function asks of the board: power off (the guest wrote
 * SLP_EN with the soft-off SLP_TYP). */
struct piix4_pm_board {
    void (*power_off)(void *opaque);
    void *opaque;
};

/* Attach the function at 00:01.3 of bus and claim the APM ports on io;
 * the PM registers appear on io once the guest sets PMBA and PMIOSE. The
 * PM timer runs on clock; the SCI drives sci. log (may be NULL) must
 * outlive the function. Returns NULL when 00:01.3 or the APM ports are
 * taken or memory runs out. */
struct piix4_pm *piix4_pm_create(struct pci_bus *bus, struct io_bus *io, struct vclock *clock,
                                 struct irq_line sci, struct piix4_pm_board board,
                                 const struct logger *log);
void piix4_pm_destroy(struct piix4_pm *pm);

/* Power-on values: PM I/O space disabled, ACPI mode off, SCI low. */
void piix4_pm_reset(struct piix4_pm *pm);

/* The configuration space and the PM and APM registers, for state_save
 * and state_load with a struct piix4_pm as the object. Loading maps the
 * PM I/O space where PMBA says and drives the SCI to match. */
extern const struct state_desc piix4_pm_state_desc;

#endif
