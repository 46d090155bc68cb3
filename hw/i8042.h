/*
 * The 8042 keyboard controller of PC/AT and PS/2 machines: data port 0x60,
 * status and command port 0x64, a keyboard port (IRQ 1) and an auxiliary
 * (mouse) port (IRQ 12). Its output port also drives the system reset line
 * and the A20 gate.
 */
#ifndef HW_I8042_H
#define HW_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/io.h"
#include "lintas/irq.h"
#include "lintas/log.h"
#include "lintas/state.h"

struct i8042;

/* A device plugged into one of the two ports: write sends it a byte, read
 * takes its next byte (false when it has none). opaque NULL: nothing is
 * plugged in, and the controller times out on writes to the port. The
 * device tells the controller it has bytes through the line
 * i8042_port_ready gives. */
struct i8042_port {
    void (*write)(void *opaque, uint8_t byte);
    bool (*read)(void *opaque, uint8_t *byte);
    void *opaque;
};

enum { I8042_PORT_KBD = 0, I8042_PORT_AUX = 1 };

/* The board's lines on the output port: reset pulses the CPU's RESET (the
 * board resets the machine); set_a20 follows the A20 gate. Either may be
 * NULL. */
struct i8042_board {
    void (*reset)(void *opaque);
    void (*set_a20)(void *opaque, bool enabled);
    void *opaque;
};

/* Claim ports 0x60 and 0x64, with both ports empty. Returns NULL when
 * they are taken or memory runs out. log (may be NULL) must outlive the
 * controller. */
struct i8042 *i8042_create(struct io_bus *io, struct irq_line kbd_irq, struct irq_line aux_irq,
                           struct i8042_board board, const struct logger *log);
void i8042_destroy(struct i8042 *k);

/* The board's RESET line: controller registers to power-on values; the
 * output port's A20 gate goes back to enabled. */
void i8042_reset(struct i8042 *k);

/* The line a device on port (I8042_PORT_*) holds high while it has bytes
 * to send; the device is created with it, then plugged in. */
struct irq_line i8042_port_ready(struct i8042 *k, unsigned port);
void i8042_connect(struct i8042 *k, unsigned port, struct i8042_port dev);

/* The controller's registers, for state_save and state_load with a struct
 * i8042 as the object. Loading drives IRQ 1, IRQ 12 and A20 to match. */
extern const struct state_desc i8042_state_desc;

#endif
