/*
 * The port I/O bus: a table of 64 Ki owners, one byte per port.
 *
 * A 2- or 4-byte access goes whole to the range that owns its first port
 * when the access fits in that range; otherwise it becomes byte accesses,
 * each to whoever owns that port, the way an ISA bus splits a wide access
 * for narrow devices. Unowned ports read all ones and ignore writes; under
 * -d guest_errors each such access is logged once, as are accesses a
 * device has no handler for.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "lintas/io.h"
#include "lintas/log.h"

#define IO_PORTS 0x10000u
#define MAX_RANGES 255 /* range numbers are bytes; 0 means unowned */

struct io_range {
    uint32_t base, count;
    const struct io_ops *ops;
    void *opaque;
};

struct io_bus {
    const struct logger *log;
    unsigned nranges;
    struct io_range ranges[MAX_RANGES + 1]; /* [0] unused */
    uint8_t owner[IO_PORTS];
};

struct io_bus *io_create(void)
{
    return calloc(1, sizeof(struct io_bus));
}

void io_destroy(struct io_bus *bus)
{
    free(bus);
}

void io_set_logger(struct io_bus *bus, const struct logger *log)
{
    bus->log = log;
}

int io_register(struct io_bus *bus, uint16_t base, uint32_t count, const struct io_ops *ops,
                void *opaque)
{
    if (bus->nranges == MAX_RANGES || count == 0 || count > IO_PORTS - base || !ops)
        return -1;
    for (uint32_t p = base; p < base + count; p++)
        if (bus->owner[p])
            return -1;
    unsigned n = ++bus->nranges;
    bus->ranges[n] = (struct io_range){ base, count, ops, opaque };
    for (uint32_t p = base; p < base + count; p++)
        bus->owner[p] = (uint8_t)n;
    return 0;
}

void io_unregister_all(struct io_bus *bus, const void *opaque)
{
    for (unsigned n = 1; n <= bus->nranges; n++) {
        struct io_range *r = &bus->ranges[n];
        if (!r->ops || r->opaque != opaque)
            continue;
        for (uint32_t p = r->base; p < r->base + r->count; p++)
            bus->owner[p] = 0;
        *r = (struct io_range){ 0 };
    }
}

static uint32_t ones(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* The range that takes the whole access at port, or NULL. */
static const struct io_range *whole(const struct io_bus *bus, uint16_t port, unsigned size)
{
    const struct io_range *r = &bus->ranges[bus->owner[port]];
    if (!bus->owner[port] || port - r->base + size > r->count)
        return NULL;
    return r;
}

/* Does anyone own a port of [port, port+size), wrapping at 64 Ki? */
static bool any_owned(const struct io_bus *bus, uint16_t port, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        if (bus->owner[(uint16_t)(port + i)])
            return true;
    return false;
}

static void log_read(const struct io_bus *bus, const char *what, uint16_t port, unsigned size)
{
    log_printf(bus->log, LOG_GUEST_ERRORS, "read of %s port 0x%04x, %u byte%s\n", what, port,
               size, size > 1 ? "s" : "");
}

static void log_write(const struct io_bus *bus, const char *what, uint16_t port,
                      uint32_t value, unsigned size)
{
    log_printf(bus->log, LOG_GUEST_ERRORS, "write of 0x%0*x to %s port 0x%04x, %u byte%s\n",
               (int)size * 2, value, what, port, size, size > 1 ? "s" : "");
}

uint32_t io_read(struct io_bus *bus, uint16_t port, unsigned size)
{
    const struct io_range *r = whole(bus, port, size);
    if (r) {
        if (r->ops->read)
            return r->ops->read(r->opaque, port - r->base, size) & ones(size);
        log_read(bus, "write-only", port, size);
        return ones(size);
    }
    if (!any_owned(bus, port, size)) {
        log_read(bus, "unassigned", port, size);
        return ones(size);
    }
    /* Nobody takes it whole: each byte goes its own way. */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= io_read(bus, (uint16_t)(port + i), 1) << (8 * i);
    return v;
}

void io_write(struct io_bus *bus, uint16_t port, uint32_t value, unsigned size)
{
    value &= ones(size);
    const struct io_range *r = whole(bus, port, size);
    if (r) {
        if (r->ops->write)
            r->ops->write(r->opaque, port - r->base, value, size);
        else
            log_write(bus, "read-only", port, value, size);
        return;
    }
    if (!any_owned(bus, port, size)) {
        log_write(bus, "unassigned", port, value, size);
        return;
    }
    for (unsigned i = 0; i < size; i++)
        io_write(bus, (uint16_t)(port + i), (value >> (8 * i)) & 0xff, 1);
}
