/*
 * isa-debug-exit: a port range that ends the emulator, for guest tests.
 */
#ifndef HW_DEBUG_EXIT_H
#define HW_DEBUG_EXIT_H

#include <stdint.h>

#include "lintas/io.h"
#include "lintas/state.h"

/* QEMU's defaults for the device. */
#define DEBUG_EXIT_DEFAULT_BASE 0x501
#define DEBUG_EXIT_DEFAULT_SIZE 0x02

struct debug_exit;

/* A write of v to any of its ports calls request(opaque, (v << 1) | 1).
 * Returns NULL when the ports are taken or memory runs out. */
struct debug_exit *debug_exit_create(struct io_bus *io, uint16_t base, uint32_t size,
                                     void (*request)(void *opaque, uint32_t status),
                                     void *opaque);
void debug_exit_destroy(struct debug_exit *d);

/* Its state section, with a struct debug_exit as the object: empty, as
 * the device holds nothing the guest can see, and needs no reset. */
extern const struct state_desc debug_exit_state_desc;

#endif
