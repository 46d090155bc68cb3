/* The port I/O bus: ownership, unowned ports, wide accesses, what
 * -d guest_errors reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lintas/io.h"
#include "lintas/log.h"
#include "unit_check.h"

/* A device whose registers hold what was written, one byte per port. */
struct regs {
    uint8_t r[16];
    unsigned reads, writes, last_size;
};

static uint32_t regs_read(void *opaque, uint32_t offset, unsigned size)
{
    struct regs *d = opaque;
    uint32_t v = 0;
    d->reads++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)d->r[offset + i] << (8 * i);
    return v;
}

static void regs_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct regs *d = opaque;
    d->writes++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++)
        d->r[offset + i] = (uint8_t)(value >> (8 * i));
}

static const struct io_ops regs_ops = { regs_read, regs_write };
static const struct io_ops write_only_ops = { NULL, regs_write };
static const struct io_ops read_only_ops = { regs_read, NULL };

static void test_guest_errors(struct unit_tally *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct logger log = { out, LOG_GUEST_ERRORS };
    struct io_bus *bus = io_create();
    struct regs a = { 0 }, w = { 0 }, r = { 0 };
    CHECK(t, io_register(bus, 0x100, 2, &regs_ops, &a) == 0);
    CHECK(t, io_register(bus, 0x300, 1, &write_only_ops, &w) == 0);
    CHECK(t, io_register(bus, 0x310, 1, &read_only_ops, &r) == 0);

    io_read(bus, 0x81, 1); /* no logger yet */
    io_set_logger(bus, &log);
    io_read(bus, 0x80, 2);
    io_write(bus, 0x80, 0x12345678, 4);
    io_write(bus, 0x80, 0x1234, 1); /* the value is trimmed to the size */
    io_read(bus, 0x101, 2);         /* only 0x102 is unowned */
    io_write(bus, 0xff, 0xbbaa, 2);  /* only 0xff is unowned */
    io_read(bus, 0x300, 1);
    io_write(bus, 0x310, 0x5a, 1);
    io_write(bus, 0x300, 0x5a, 1);  /* accepted: silent */
    io_read(bus, 0x100, 2);
    CHECK(t, w.writes == 1 && a.reads == 2 && a.writes == 1 && a.r[0] == 0xbb);
    log.mask = LOG_INT; /* guest_errors off */
    io_read(bus, 0x82, 1);

    fclose(out);
    CHECK_STR(t, text, "read of unassigned port 0x0080, 2 bytes\n"
                       "write of 0x12345678 to unassigned port 0x0080, 4 bytes\n"
                       "write of 0x34 to unassigned port 0x0080, 1 byte\n"
                       "read of unassigned port 0x0102, 1 byte\n"
                       "write of 0xaa to unassigned port 0x00ff, 1 byte\n"
                       "read of write-only port 0x0300, 1 byte\n"
                       "write of 0x5a to read-only port 0x0310, 1 byte\n");
    free(text);
    io_destroy(bus);
}

/* Ownership, unowned ports, accesses split across devices. */
static void test_bus(struct unit_tally *t)
{
    struct io_bus *bus = io_create();
    struct regs a = { 0 }, b = { 0 }, c = { 0 };

    CHECK(t, io_register(bus, 0x100, 4, &regs_ops, &a) == 0);
    CHECK(t, io_register(bus, 0x104, 4, &regs_ops, &b) == 0);
    CHECK(t, io_register(bus, 0x103, 2, &regs_ops, &c) < 0); /* overlap */
    CHECK(t, io_register(bus, 0xfff0, 0x11, &regs_ops, &c) < 0); /* past 0xffff */
    CHECK(t, io_register(bus, 0x200, 0, &regs_ops, &c) < 0);

    /* Unowned ports read all ones at every width. */
    CHECK(t, io_read(bus, 0x80, 1) == 0xff);
    CHECK(t, io_read(bus, 0x80, 2) == 0xffff);
    CHECK(t, io_read(bus, 0x80, 4) == 0xffffffffu);
    io_write(bus, 0x80, 0x12345678, 4);

    /* An access that fits goes whole to the owner. */
    io_write(bus, 0x100, 0x44332211, 4);
    CHECK(t, a.writes == 1 && a.last_size == 4);
    CHECK(t, io_read(bus, 0x101, 2) == 0x3322);
    CHECK(t, a.reads == 1 && a.last_size == 2);

    /* One that crosses into the next range is split into bytes. */
    io_write(bus, 0x102, 0xddccbbaa, 4);
    CHECK(t, a.r[2] == 0xaa && a.r[3] == 0xbb && b.r[0] == 0xcc && b.r[1] == 0xdd);
    CHECK(t, a.last_size == 1 && b.last_size == 1);
    CHECK(t, io_read(bus, 0x103, 2) == 0xccbb);

    /* Half owned, half not. */
    CHECK(t, io_read(bus, 0x107, 2) == 0xff00);

    /* The port number wraps at 64 Ki. */
    CHECK(t, io_register(bus, 0x0000, 1, &regs_ops, &c) == 0);
    c.r[0] = 0x5a;
    CHECK(t, io_read(bus, 0xffff, 2) == 0x5aff);

    /* A device without a read handler reads all ones. */
    struct regs w = { 0 };
    CHECK(t, io_register(bus, 0x300, 2, &write_only_ops, &w) == 0);
    io_write(bus, 0x300, 0x1234, 2);
    CHECK(t, w.writes == 1 && w.r[1] == 0x12);
    CHECK(t, io_read(bus, 0x300, 2) == 0xffff);

    io_destroy(bus);
}

/* A device that claimed some of its ports before failing gives them all
 * back, and only its own. */
static void test_unregister(struct unit_tally *t)
{
    struct io_bus *bus = io_create();
    struct regs a = { 0 }, b = { 0 };
    CHECK(t, io_register(bus, 0x60, 1, &regs_ops, &a) == 0);
    CHECK(t, io_register(bus, 0x64, 1, &regs_ops, &a) == 0);
    CHECK(t, io_register(bus, 0x70, 2, &regs_ops, &b) == 0);
    io_unregister_all(bus, &a);
    CHECK(t, io_read(bus, 0x60, 1) == 0xff && io_read(bus, 0x64, 1) == 0xff && a.reads == 0);
    io_write(bus, 0x71, 0x5a, 1);
    CHECK(t, io_read(bus, 0x71, 1) == 0x5a && b.reads == 1);
    /* The released ports can be claimed again. */
    CHECK(t, io_register(bus, 0x60, 5, &regs_ops, &b) == 0);
    CHECK(t, io_read(bus, 0x64, 1) == 0 && b.reads == 2);
    io_destroy(bus);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_bus(&t);
    test_unregister(&t);
    test_guest_errors(&t);
    return UNIT_REPORT(&t);
}
