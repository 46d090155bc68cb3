/*
 * 16550A UART (PC COM port).
 */
#ifndef HW_SERIAL_H
#define HW_SERIAL_H

#include <stdint.h>

#include "lintas/chardev.h"
#include "lintas/io.h"
#include "lintas/irq.h"
#include "lintas/log.h"
#include "lintas/state.h"
#include "lintas/timer.h"

struct serial;

/* Claim the 8 ports at base. Returns NULL when they are taken or memory
 * runs out. chr stays owned by the caller; log (may be NULL) must outlive
 * the UART and gets its guest_errors reports. clock times the receive
 * FIFO's character timeout and must outlive the UART. */
struct serial *serial_create(struct io_bus *io, struct vclock *clock, uint16_t base,
                             struct chardev *chr, struct irq_line irq, const struct logger *log);
void serial_destroy(struct serial *s);

/* Master reset (the board's RESET line). */
void serial_reset(struct serial *s);

/* The UART's registers, receive FIFO and character timeout deadline, for
 * state_save and state_load with a struct serial as the object. Loading
 * raises or lowers the IRQ line to match the loaded registers and re-arms
 * the timeout. */
extern const struct state_desc serial_state_desc;

/* Move input waiting in the back end into the receiver (not in loopback,
 * where the receiver hears only THR). */
void serial_poll(struct serial *s);

#endif
