/*
 * The PC's pair of 8259A interrupt controllers: the master at ports
 * 0x20-0x21, the slave at 0xA0-0xA1 on the master's IR2, and the edge/level
 * control registers (ELCR) at 0x4D0-0x4D1.
 */
#ifndef HW_PIC_H
#define HW_PIC_H

#include <stdbool.h>

#include "lintas/io.h"
#include "lintas/irq.h"
#include "lintas/log.h"
#include "lintas/state.h"

struct pic;

/* Claim the ports. intr is the master's INT output, which the board wires
 * to the CPU's INTR pin. Returns NULL when memory runs out or the ports are
 * taken (the bus cannot give back ports already claimed, so a conflict is a
 * board error, not a condition to recover from). log (may be NULL) must
 * outlive the controllers and gets their guest_errors reports. */
struct pic *pic_create(struct io_bus *io, struct irq_line intr, const struct logger *log);
void pic_destroy(struct pic *pic);

/* Power-on state: both chips uninitialized, nothing masked, requested or in
 * service, every line edge-triggered. */
void pic_reset(struct pic *pic);

/* Drive interrupt request line irq (0-7 master, 8-15 slave). An
 * edge-triggered request must stay high until the CPU acknowledges it, as
 * the datasheet requires; one that drops earlier is withdrawn and the CPU
 * gets the spurious IRQ 7 (or 15). IRQ 2 is the cascade: as on the AT bus,
 * a device on IRQ 2 raises IRQ 9. */
void pic_set_irq(struct pic *pic, unsigned irq, bool level);

/* An irq_line that drives pic_set_irq(pic, irq, level). */
struct irq_line pic_irq_line(struct pic *pic, unsigned irq);

/* The INTA cycle: the vector of the interrupt the CPU takes. Its type is
 * that of struct cpu_intc's ack, with the struct pic as opaque. */
int pic_inta(void *opaque);

/* Both chips' registers and input lines, for state_save and state_load
 * with a struct pic as the object. Loading drives INT to match. */
extern const struct state_desc pic_state_desc;

#endif
