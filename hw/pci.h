/*
 * PCI bus 0 with configuration mechanism #1 (ports 0xCF8 and 0xCFC-0xCFF).
 */
#ifndef HW_PCI_H
#define HW_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/io.h"
#include "lintas/log.h"
#include "lintas/state.h"

/* Standard configuration header offsets (PCI Local Bus spec 6.1). */
enum {
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION_ID = 0x08,
    PCI_CLASS_PROG = 0x09,
    PCI_CLASS_DEVICE = 0x0a,
    PCI_CACHE_LINE_SIZE = 0x0c,
    PCI_LATENCY_TIMER = 0x0d,
    PCI_HEADER_TYPE = 0x0e,
    PCI_SUBSYSTEM_VENDOR_ID = 0x2c,
    PCI_SUBSYSTEM_ID = 0x2e,
    PCI_INTERRUPT_LINE = 0x3c,
    PCI_INTERRUPT_PIN = 0x3d,
};

#define PCI_HEADER_MULTI_FUNCTION 0x80
#define PCI_DEVFN(dev, fn) ((unsigned)(((dev) << 3) | (fn)))
#define PCI_DEVFN_COUNT 256 /* 32 devices of 8 functions */

/* One function's 256 bytes of configuration space. A guest write changes
 * only the bits set in wmask; the rest are read-only. After a write,
 * config_write (when set) sees which bytes the guest wrote. */
struct pci_function {
    uint8_t config[256];
    uint8_t wmask[256];
    void (*config_write)(void *opaque, unsigned offset, unsigned size);
    void *opaque;
};

/* Fill a type-0 header: identification, class, header type and the
 * writable bits every simple function has (command, cache line size,
 * latency timer, interrupt line); 0x40-0xFF become writable storage, which
 * the function narrows for its own registers. Subsystem IDs are QEMU's. */
void pci_function_init(struct pci_function *f, uint16_t vendor, uint16_t device,
                       uint8_t revision, uint32_t class_code, uint8_t header_type);

/* Do the read-only bits of f->config agree with ref's (the same function
 * freshly initialised)? For checking loaded state. */
bool pci_function_valid(const struct pci_function *f, const struct pci_function *ref);

uint16_t pci_get_word(const struct pci_function *f, unsigned offset);
void pci_set_word(struct pci_function *f, unsigned offset, uint16_t value);

struct pci_bus;

/* Claim ports 0xCF8-0xCFF. Returns NULL when they are taken or memory runs
 * out. log (may be NULL) must outlive the bus. */
struct pci_bus *pci_create(struct io_bus *io, const struct logger *log);

/* Hand byte and word accesses to 0xCF8-0xCFB, which are not configuration
 * cycles, to another device; ops get the offset from 0xCF8. */
void pci_set_io_passthrough(struct pci_bus *bus, const struct io_ops *ops, void *opaque);
void pci_destroy(struct pci_bus *bus);

/* Clear the configuration address register (RESET). */
void pci_reset(struct pci_bus *bus);

/* Put f at devfn on bus 0; f stays owned by the caller and must outlive
 * the bus. Returns 0, or -1 when devfn is taken or out of range. */
int pci_attach(struct pci_bus *bus, unsigned devfn, struct pci_function *f);

/* Configuration accesses as the guest makes them through 0xCFC, for
 * devfn's register at offset (size 1, 2 or 4, not crossing a dword).
 * An absent function reads all ones and ignores writes. */
uint32_t pci_config_read(struct pci_bus *bus, unsigned devfn, unsigned offset, unsigned size);
void pci_config_write(struct pci_bus *bus, unsigned devfn, unsigned offset, uint32_t value,
                      unsigned size);

/* The configuration address register, for state_save and state_load with
 * a struct pci_bus as the object. */
extern const struct state_desc pci_state_desc;

#endif
