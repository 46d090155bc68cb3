/*
 * Intel 82441FX PCI and Memory Controller (PMC), after the 82440FX PCIset
 * datasheet (order 290549), section 3.2, as QEMU presents it.
 *
 * The bridge answers configuration cycles at 00:00.0. Most of its DRAM
 * controller registers are plain storage here, since guest RAM needs no
 * timing. What matters is:
 * - PAM0-PAM6 (0x59-0x5F), which route each BIOS area between DRAM and the
 *   PCI bus (where the BIOS ROM answers): bit 0 of a nibble (RE) sends
 *   reads to DRAM, bit 1 (WE) sends writes to DRAM; a cleared bit sends
 *   reads to ROM and drops writes. PAM0's high nibble covers the 64 KiB at
 *   0xF0000; each nibble of PAM1-PAM6 covers 16 KiB from 0xC0000 up.
 * - SMRAM (0x72), kept as storage: nothing here models SMM.
 * - 0x57, which QEMU fills with the RAM size in 8 MiB units (at most 255)
 *   for firmware that asks the chipset; it is read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/i440fx.h"

#define VENDOR_INTEL 0x8086
#define DEVICE_82441 0x1237
#define REVISION 0x02
#define CLASS_HOST_BRIDGE 0x060000

enum { REG_RAM_SIZE = 0x57, REG_PAM0 = 0x59, REG_PAM6 = 0x5f, REG_SMRAM = 0x72 };

#define PAM_COUNT (REG_PAM6 - REG_PAM0 + 1)
#define PAM_RE 1
#define PAM_WE 2

/* The areas PAM routes, with the register and nibble of each
 * (datasheet 3.2.18). */
static const struct pam_area {
    uint8_t reg, shift;
    uint32_t base, size;
} pam_areas[] = {
    { 0x59, 4, 0xf0000, 0x10000 },
    { 0x5a, 0, 0xc0000, 0x4000 }, { 0x5a, 4, 0xc4000, 0x4000 },
    { 0x5b, 0, 0xc8000, 0x4000 }, { 0x5b, 4, 0xcc000, 0x4000 },
    { 0x5c, 0, 0xd0000, 0x4000 }, { 0x5c, 4, 0xd4000, 0x4000 },
    { 0x5d, 0, 0xd8000, 0x4000 }, { 0x5d, 4, 0xdc000, 0x4000 },
    { 0x5e, 0, 0xe0000, 0x4000 }, { 0x5e, 4, 0xe4000, 0x4000 },
    { 0x5f, 0, 0xe8000, 0x4000 }, { 0x5f, 4, 0xec000, 0x4000 },
};

struct i440fx {
    struct pci_function fn;
    struct phys_mem *mem;
    uint64_t ram_size;
    void (*map_changed)(void *opaque);
    void *opaque;
    uint8_t applied_pam[PAM_COUNT]; /* the PAM values mem's routing follows */
};

static void init_config(struct pci_function *fn, uint64_t ram_size)
{
    pci_function_init(fn, VENDOR_INTEL, DEVICE_82441, REVISION, CLASS_HOST_BRIDGE, 0);
    pci_set_word(fn, PCI_STATUS, 0x0280); /* fast back-to-back, medium DEVSEL */
    uint64_t units = ram_size >> 23;
    fn->config[REG_RAM_SIZE] = (uint8_t)(units > 255 ? 255 : units);
    fn->wmask[REG_RAM_SIZE] = 0;
    /* Reserved PAM bits are read-only zero: bits 3:0 of PAM0, 3:2 and 7:6
     * of the others. */
    fn->wmask[REG_PAM0] = 0x30;
    for (unsigned r = REG_PAM0 + 1; r <= REG_PAM6; r++)
        fn->wmask[r] = 0x33;
    /* C_BASE_SEG (bits 2:0) is hardwired to 010, the A segment. */
    fn->config[REG_SMRAM] = 0x02;
    fn->wmask[REG_SMRAM] = 0x78;
}

/* Make mem's routing follow the PAM registers; tell the board when it
 * changed, since the CPU may hold host pointers into the old routing. */
static void update_routing(struct i440fx *d, bool notify)
{
    const uint8_t *pam = &d->fn.config[REG_PAM0];
    if (!memcmp(d->applied_pam, pam, PAM_COUNT))
        return;
    for (size_t i = 0; i < sizeof(pam_areas) / sizeof(pam_areas[0]); i++) {
        const struct pam_area *a = &pam_areas[i];
        unsigned attr = (d->fn.config[a->reg] >> a->shift) & 3;
        mem_set_shadow(d->mem, a->base, a->size, attr & PAM_RE, attr & PAM_WE);
    }
    memcpy(d->applied_pam, pam, PAM_COUNT);
    if (notify && d->map_changed)
        d->map_changed(d->opaque);
}

static void i440fx_config_write(void *opaque, unsigned offset, unsigned size)
{
    struct i440fx *d = opaque;
    if (offset <= REG_PAM6 && offset + size > REG_PAM0)
        update_routing(d, true);
}

static int i440fx_post_load(void *obj, char *err, size_t errlen)
{
    struct i440fx *d = obj;
    struct pci_function ref;
    init_config(&ref, d->ram_size);
    if (!pci_function_valid(&d->fn, &ref)) {
        snprintf(err, errlen, "i440fx: read-only configuration bits differ");
        return -1;
    }
    update_routing(d, true);
    return 0;
}

/* Reset does not come from this table: the header's values differ byte by
 * byte, so i440fx_reset rebuilds them. */
static const struct state_field i440fx_fields[] = {
    STATE_ARRAY(struct i440fx, fn.config, 0),
};

const struct state_desc i440fx_state_desc = {
    .name = "i440fx",
    .version = 1,
    .fields = i440fx_fields,
    .field_count = sizeof(i440fx_fields) / sizeof(i440fx_fields[0]),
    .post_load = i440fx_post_load,
};

void i440fx_reset(struct i440fx *d)
{
    init_config(&d->fn, d->ram_size);
    update_routing(d, true);
}

struct i440fx *i440fx_create(struct pci_bus *bus, struct phys_mem *mem, uint64_t ram_size,
                             void (*map_changed)(void *opaque), void *opaque)
{
    struct i440fx *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->mem = mem;
    d->ram_size = ram_size;
    d->map_changed = map_changed;
    d->opaque = opaque;
    /* Differs from any PAM value, so the first update sets every area. */
    memset(d->applied_pam, 0xff, sizeof(d->applied_pam));
    init_config(&d->fn, ram_size);
    d->fn.config_write = i440fx_config_write;
    d->fn.opaque = d;
    if (pci_attach(bus, PCI_DEVFN(0, 0), &d->fn) < 0) {
        free(d);
        return NULL;
    }
    update_routing(d, false);
    return d;
}

void i440fx_destroy(struct i440fx *d)
{
    free(d);
}
