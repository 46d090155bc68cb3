/*
 * Intel 82371SB (PIIX3) function 0: the PCI-to-ISA bridge at 00:01.0, with
 * the PIRQ routing registers that steer PCI interrupts to ISA IRQs.
 */
#ifndef HW_PIIX3_H
#define HW_PIIX3_H

#include "hw/pci.h"
#include "lintas/state.h"

#define PIIX3_PIRQ_COUNT 4 /* PIRQA-PIRQD */

struct piix3;

/* Attach the bridge at 00:01.0 of bus. route_changed(opaque, pirq, irq)
 * runs whenever PIRQ pirq (0 = PIRQA) gets a new ISA IRQ, irq being -1
 * when the PIRQ is routed nowhere; it may be NULL. All PIRQs start routed
 * nowhere, without a call. Returns NULL when 00:01.0 is taken or memory
 * runs out. */
struct piix3 *piix3_create(struct pci_bus *bus,
                           void (*route_changed)(void *opaque, unsigned pirq, int irq),
                           void *opaque);
void piix3_destroy(struct piix3 *p);

/* Power-on values; PIRQs that were routed report the change. */
void piix3_reset(struct piix3 *p);

/* The ISA IRQ PIRQ pirq (0-3) drives, or -1 when it is routed nowhere. */
int piix3_pirq_route(const struct piix3 *p, unsigned pirq);

/* The configuration space, for state_save and state_load with a struct
 * piix3 as the object. Loading reports every PIRQ whose route changed. */
extern const struct state_desc piix3_state_desc;

#endif
