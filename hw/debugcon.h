/*
 * QEMU's ISA debug console: every byte written to its port goes to a
 * character back end (-debugcon). SeaBIOS and other firmware built for
 * QEMU print their debug log there.
 */
#ifndef HW_DEBUGCON_H
#define HW_DEBUGCON_H

#include <stdint.h>

#include "lintas/chardev.h"
#include "lintas/io.h"
#include "lintas/state.h"

struct debugcon;

/* Returns NULL when the port is taken or memory runs out. */
struct debugcon *debugcon_create(struct io_bus *io, uint16_t port, struct chardev *chr);
void debugcon_destroy(struct debugcon *d);

/* Empty: the device holds nothing the guest can see. */
extern const struct state_desc debugcon_state_desc;

#endif
