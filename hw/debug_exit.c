/*
 * isa-debug-exit, with the behaviour of QEMU's device of that name so guest
 * tests written for QEMU run unchanged: writing v to any port of the range
 * ends the emulator with exit status (v << 1) | 1. A status of 0 is
 * therefore impossible, which keeps "the guest exited" apart from "the
 * emulator finished normally". Reads return 0.
 *
 * The device only asks; the machine decides how to stop, so two machines
 * can share a process.
 */
#include <stdlib.h>

#include "hw/debug_exit.h"

struct debug_exit {
    void (*request)(void *opaque, uint32_t status);
    void *opaque;
};

static uint32_t debug_exit_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static void debug_exit_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct debug_exit *d = opaque;
    (void)offset;
    (void)size;
    d->request(d->opaque, (value << 1) | 1);
}

static const struct io_ops debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
};

struct debug_exit *debug_exit_create(struct io_bus *io, uint16_t base, uint32_t size,
                                     void (*request)(void *opaque, uint32_t status),
                                     void *opaque)
{
    struct debug_exit *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->request = request;
    d->opaque = opaque;
    if (io_register(io, base, size, &debug_exit_ops, d) < 0) {
        free(d);
        return NULL;
    }
    return d;
}

/* The device has no state of its own: the request callback is the
 * machine's wiring, not guest-visible state. Its section is empty, which
 * still makes a state file from a machine without the device fail to
 * load. */
const struct state_desc debug_exit_state_desc = {
    .name = "debug-exit",
    .version = 1,
};

void debug_exit_destroy(struct debug_exit *d)
{
    free(d);
}
