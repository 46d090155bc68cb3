/*
 * PCI bus 0 behind configuration mechanism #1 (PCI Local Bus spec 3.0,
 * section 3.2.2.3.2).
 *
 * CONFIG_ADDRESS at 0xCF8 is a dword register: bit 31 enables configuration
 * cycles, bits 23:16 pick the bus, 15:11 the device, 10:8 the function and
 * 7:2 the dword register. CONFIG_DATA at 0xCFC-0xCFF then reaches that
 * dword: a byte or word access at 0xCFC+n reaches the bytes starting at n.
 * Only bus 0 exists; there are no bridges behind it. A function nobody
 * attached answers no cycle, so its reads end in a master abort and return
 * all ones, which is how software finds empty slots.
 *
 * Only dword accesses to 0xCF8 reach CONFIG_ADDRESS (spec 3.2.2.3.2); byte
 * and word accesses to 0xCF8-0xCFB are ordinary I/O cycles, which another
 * device may claim (pci_set_io_passthrough): the PIIX3's reset control
 * register answers at 0xCF9.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pci.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc

#define ADDR_ENABLE 0x80000000u
#define ADDR_MASK 0x80fffffcu /* bits 30:24 and 1:0 are reserved, read 0 */

/* QEMU gives every emulated function Red Hat's subsystem IDs. */
#define SUBSYSTEM_VENDOR 0x1af4
#define SUBSYSTEM_DEVICE 0x1100

struct pci_bus_state {
    uint32_t config_address;
};

struct pci_bus {
    struct pci_bus_state st;
    const struct logger *log;
    struct pci_function *functions[PCI_DEVFN_COUNT];
    const struct io_ops *passthrough; /* byte and word cycles at 0xCF8-0xCFB */
    void *passthrough_opaque;
};

uint16_t pci_get_word(const struct pci_function *f, unsigned offset)
{
    return (uint16_t)(f->config[offset] | f->config[offset + 1] << 8);
}

void pci_set_word(struct pci_function *f, unsigned offset, uint16_t value)
{
    f->config[offset] = (uint8_t)value;
    f->config[offset + 1] = (uint8_t)(value >> 8);
}

void pci_function_init(struct pci_function *f, uint16_t vendor, uint16_t device,
                       uint8_t revision, uint32_t class_code, uint8_t header_type)
{
    memset(f->config, 0, sizeof(f->config));
    memset(f->wmask, 0, sizeof(f->wmask));
    pci_set_word(f, PCI_VENDOR_ID, vendor);
    pci_set_word(f, PCI_DEVICE_ID, device);
    f->config[PCI_REVISION_ID] = revision;
    f->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    pci_set_word(f, PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    f->config[PCI_HEADER_TYPE] = header_type;
    pci_set_word(f, PCI_SUBSYSTEM_VENDOR_ID, SUBSYSTEM_VENDOR);
    pci_set_word(f, PCI_SUBSYSTEM_ID, SUBSYSTEM_DEVICE);
    /* Command: I/O, memory, bus master, parity error response, SERR#
     * enable and interrupt disable (spec 6.2.2). */
    f->wmask[PCI_COMMAND] = 0x47;
    f->wmask[PCI_COMMAND + 1] = 0x05;
    f->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    f->wmask[PCI_LATENCY_TIMER] = 0xff;
    f->wmask[PCI_INTERRUPT_LINE] = 0xff;
    memset(f->wmask + 0x40, 0xff, sizeof(f->wmask) - 0x40);
}

bool pci_function_valid(const struct pci_function *f, const struct pci_function *ref)
{
    for (unsigned i = 0; i < sizeof(f->config); i++)
        if ((f->config[i] ^ ref->config[i]) & ~ref->wmask[i])
            return false;
    return true;
}

uint32_t pci_config_read(struct pci_bus *bus, unsigned devfn, unsigned offset, unsigned size)
{
    const struct pci_function *f = devfn < PCI_DEVFN_COUNT ? bus->functions[devfn] : NULL;
    if (!f || offset + size > sizeof(f->config))
        return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)f->config[offset + i] << (8 * i);
    return v;
}

void pci_config_write(struct pci_bus *bus, unsigned devfn, unsigned offset, uint32_t value,
                      unsigned size)
{
    struct pci_function *f = devfn < PCI_DEVFN_COUNT ? bus->functions[devfn] : NULL;
    if (!f || offset + size > sizeof(f->config))
        return;
    for (unsigned i = 0; i < size; i++) {
        uint8_t m = f->wmask[offset + i];
        uint8_t b = (uint8_t)(value >> (8 * i));
        f->config[offset + i] = (uint8_t)((f->config[offset + i] & ~m) | (b & m));
    }
    if (f->config_write)
        f->config_write(f->opaque, offset, size);
}

/* The devfn CONFIG_ADDRESS selects, or -1 when no cycle reaches bus 0. */
static int selected(const struct pci_bus *bus)
{
    uint32_t a = bus->st.config_address;
    if (!(a & ADDR_ENABLE) || ((a >> 16) & 0xff) != 0)
        return -1;
    return (int)((a >> 8) & 0xff);
}

static uint32_t pci_io_read(void *opaque, uint32_t offset, unsigned size)
{
    struct pci_bus *bus = opaque;
    uint32_t ones = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    if (offset < 4) {
        if (offset == 0 && size == 4)
            return bus->st.config_address;
        if (bus->passthrough)
            return bus->passthrough->read(bus->passthrough_opaque, offset, size);
        log_printf(bus->log, LOG_GUEST_ERRORS, "pci: %u-byte read of port 0x%03x\n", size,
                   CONFIG_ADDRESS + offset);
        return ones;
    }
    int devfn = selected(bus);
    if (devfn < 0)
        return ones;
    unsigned reg = (bus->st.config_address & 0xfc) + (offset - 4);
    return pci_config_read(bus, (unsigned)devfn, reg, size);
}

static void pci_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct pci_bus *bus = opaque;
    if (offset < 4) {
        if (offset == 0 && size == 4)
            bus->st.config_address = value & ADDR_MASK;
        else if (bus->passthrough)
            bus->passthrough->write(bus->passthrough_opaque, offset, value, size);
        else
            log_printf(bus->log, LOG_GUEST_ERRORS, "pci: %u-byte write of 0x%x to port 0x%03x\n",
                       size, value, CONFIG_ADDRESS + offset);
        return;
    }
    int devfn = selected(bus);
    if (devfn < 0)
        return;
    unsigned reg = (bus->st.config_address & 0xfc) + (offset - 4);
    pci_config_write(bus, (unsigned)devfn, reg, value, size);
}

static const struct io_ops pci_io_ops = {
    .read = pci_io_read,
    .write = pci_io_write,
};

static int pci_post_load(void *obj, char *err, size_t errlen)
{
    const struct pci_bus *bus = obj;
    if (bus->st.config_address & ~ADDR_MASK) {
        snprintf(err, errlen, "pci: CONFIG_ADDRESS has reserved bits set");
        return -1;
    }
    return 0;
}

static const struct state_field pci_fields[] = {
    STATE_FIELD(struct pci_bus, st.config_address, 0),
};

const struct state_desc pci_state_desc = {
    .name = "pci",
    .version = 1,
    .fields = pci_fields,
    .field_count = sizeof(pci_fields) / sizeof(pci_fields[0]),
    .post_load = pci_post_load,
};

void pci_reset(struct pci_bus *bus)
{
    state_reset(&pci_state_desc, bus);
}

struct pci_bus *pci_create(struct io_bus *io, const struct logger *log)
{
    struct pci_bus *bus = calloc(1, sizeof(*bus));
    if (!bus)
        return NULL;
    bus->log = log;
    state_reset(&pci_state_desc, bus);
    if (io_register(io, CONFIG_ADDRESS, 8, &pci_io_ops, bus) < 0) {
        free(bus);
        return NULL;
    }
    return bus;
}

void pci_destroy(struct pci_bus *bus)
{
    free(bus);
}

void pci_set_io_passthrough(struct pci_bus *bus, const struct io_ops *ops, void *opaque)
{
    bus->passthrough = ops;
    bus->passthrough_opaque = opaque;
}

int pci_attach(struct pci_bus *bus, unsigned devfn, struct pci_function *f)
{
    if (devfn >= PCI_DEVFN_COUNT || bus->functions[devfn])
        return -1;
    bus->functions[devfn] = f;
    return 0;
}
