/*
 * The PC board: an i440FX/PIIX3 machine with the ISA devices of a PC, as
 * QEMU's "pc" machine presents it to firmware (see lintas/machine.h).
 */
#ifndef HW_PC_H
#define HW_PC_H

#include <stddef.h>

#include "lintas/machine.h"

/* Create the board's devices on m (whose mem, io, cpu and clock exist),
 * register them with the machine, map the firmware and fill in what the
 * firmware reads (fw_cfg, CMOS). Returns 0, or -1 with one line in err. */
int pc_create(struct machine *m, const struct machine_config *cfg, char *err, size_t errlen);
void pc_destroy(struct pc *pc);

/* Take input waiting on the host side (serial back ends) into the guest. */
void pc_poll_input(struct pc *pc);

#endif
