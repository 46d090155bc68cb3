/*
 * Intel 8254 programmable interval timer (the PC's PIT) at ports 0x40-0x43,
 * clocked at 1.193182 MHz. Counter 0's OUT drives IRQ 0; counters 0 and 1
 * have GATE tied high; counter 2's GATE and OUT belong to the board's
 * port 0x61 (the speaker gate and its read-back).
 */
#ifndef HW_PIT_H
#define HW_PIT_H

#include <stdbool.h>

#include "lintas/io.h"
#include "lintas/irq.h"
#include "lintas/log.h"
#include "lintas/state.h"
#include "lintas/timer.h"

#define PIT_BASE 0x40
#define PIT_CLOCK_HZ 1193182u

struct pit;

/* Claim ports 0x40-0x43. Counting follows clock; irq0 is counter 0's OUT.
 * Returns NULL when the ports are taken or memory runs out. log (may be
 * NULL) must outlive the timer and gets its guest_errors reports. */
struct pit *pit_create(struct io_bus *io, struct vclock *clock, struct irq_line irq0,
                       const struct logger *log);
void pit_destroy(struct pit *pit);

/* The board's RESET line: every counter unprogrammed, GATE 0 and 1 high,
 * GATE 2 low. */
void pit_reset(struct pit *pit);

/* Drive GATE of counter channel (0-2) to level. */
void pit_set_gate(struct pit *pit, unsigned channel, bool level);

/* The level of counter channel's OUT now. */
bool pit_get_out(struct pit *pit, unsigned channel);

/* The three counters, for state_save and state_load with a struct pit as
 * the object. Loading re-arms counter 0's interrupt timer. */
extern const struct state_desc pit_state_desc;

#endif
