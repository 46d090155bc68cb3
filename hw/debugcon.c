/*
 * QEMU's ISA debug console (see hw/debugcon.h). Reads return 0xE9, the
 * value QEMU's device answers so that software can detect it.
 */
#include <stdlib.h>

#include "hw/debugcon.h"

#define DEBUGCON_READBACK 0xe9

struct debugcon {
    struct chardev *chr;
};

static uint32_t debugcon_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return DEBUGCON_READBACK;
}

static void debugcon_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct debugcon *d = opaque;
    (void)offset;
    (void)size;
    uint8_t byte = (uint8_t)value;
    chardev_write(d->chr, &byte, 1);
}

static const struct io_ops debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
};

struct debugcon *debugcon_create(struct io_bus *io, uint16_t port, struct chardev *chr)
{
    struct debugcon *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->chr = chr;
    if (io_register(io, port, 1, &debugcon_ops, d) < 0) {
        free(d);
        return NULL;
    }
    return d;
}

void debugcon_destroy(struct debugcon *d)
{
    free(d);
}

const struct state_desc debugcon_state_desc = {
    .name = "debugcon",
    .version = 1,
};
