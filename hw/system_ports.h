/*
 * The PC's system control ports, kept by the PIIX3 on a real i440FX board
 * (82371SB datasheet, order 290550, section 4.7): port 0x61 (NMI status and
 * control, PIT channel 2 gate and output), port 0x92 (fast A20 and fast
 * CPU init), 0xCF9 (reset control), the POST code latch at 0x80 and the
 * coprocessor error latch (FERR# to IRQ 13, cleared through port 0xF0).
 */
#ifndef HW_SYSTEM_PORTS_H
#define HW_SYSTEM_PORTS_H

#include <stdbool.h>

#include "lintas/io.h"
#include "lintas/irq.h"
#include "lintas/log.h"
#include "lintas/state.h"
#include "lintas/timer.h"

struct pci_bus;
struct pit;
struct system_ports;

/* What the ports drive on the board. */
struct system_ports_board {
    void (*set_a20)(void *opaque, bool enabled); /* port 0x92 bit 1 */
    void (*reset)(void *opaque);                  /* fast init, reset control */
    void *opaque;
};

/* Returns NULL when the ports are taken or memory runs out. */
struct system_ports *system_ports_create(struct io_bus *io, struct pci_bus *pci,
                                         struct vclock *clock, struct pit *pit,
                                         struct system_ports_board board,
                                         struct irq_line irq13, const struct logger *log);
void system_ports_destroy(struct system_ports *s);
void system_ports_reset(struct system_ports *s);

/* The CPU's FERR# pin (x87 error with CR0.NE clear). */
void system_ports_ferr(struct system_ports *s, bool level);

/* Fast A20 as port 0x92 drives it (the board ORs it with the i8042's). */
bool system_ports_a20(const struct system_ports *s);

extern const struct state_desc system_ports_state_desc;

#endif
