/*
 * The port I/O bus: 64 KiB of ports, each range owned by one device.
 *
 * Handlers get the offset from the start of their range and the access size
 * in bytes (1, 2 or 4). An access to a port nobody owns reads all ones and
 * writes nothing, as on an ISA bus.
 */
#ifndef LINTAS_IO_H
#define LINTAS_IO_H

#include <stdint.h>

struct logger;

struct io_ops {
    uint32_t (*read)(void *opaque, uint32_t offset, unsigned size);
    void (*write)(void *opaque, uint32_t offset, uint32_t value, unsigned size);
};

struct io_bus;

struct io_bus *io_create(void);
void io_destroy(struct io_bus *bus);

/* Claim ports [base, base+count). Returns 0, or -1 on overlap. */
int io_register(struct io_bus *bus, uint16_t base, uint32_t count,
                const struct io_ops *ops, void *opaque);

/* Release every port range registered with this opaque, for a device
 * whose creation fails after it claimed some of its ports. */
void io_unregister_all(struct io_bus *bus, const void *opaque);

uint32_t io_read(struct io_bus *bus, uint16_t port, unsigned size);
void io_write(struct io_bus *bus, uint16_t port, uint32_t value, unsigned size);

/* Report accesses the bus refuses (ports nobody owns, reads of write-only and
 * writes to read-only ranges) under -d guest_errors. log must
 * outlive the bus; NULL turns reporting off. */
void io_set_logger(struct io_bus *bus, const struct logger *log);

#endif
