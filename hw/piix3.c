/*
 * Intel 82371SB PIIX3 function 0, the PCI-to-ISA bridge, after the
 * 82371FB/82371SB datasheet (order 290550), section 2.2.
 *
 * The ISA devices the bridge contains (PIC, PIT, DMA, RTC, ELCR) are
 * devices of their own on this board; this function holds the bridge's
 * configuration space. Its one active part is PIRQRC[A:D] (0x60-0x63),
 * which connects each PCI interrupt line to an ISA IRQ: bit 7 set
 * disconnects the PIRQ, otherwise bits 3:0 name the IRQ. IRQ 0, 1, 2, 8
 * and 13 are reserved encodings (datasheet 2.2.10) and route nowhere.
 * The other device-specific registers are storage with their reset values.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hw/piix3.h"

#define VENDOR_INTEL 0x8086
#define DEVICE_82371SB_ISA 0x7000
#define REVISION 0x00
#define CLASS_ISA_BRIDGE 0x060100

enum { REG_PIRQRC = 0x60 };
#define PIRQ_DISABLE 0x80

struct piix3 {
    struct pci_function fn;
    void (*route_changed)(void *opaque, unsigned pirq, int irq);
    void *opaque;
    int8_t routes[PIIX3_PIRQ_COUNT]; /* what the board was last told */
};

/* Register reset values (datasheet 2.2, table 2). */
static const struct {
    uint8_t offset, value;
} reset_values[] = {
    { PCI_COMMAND, 0x07 },  /* I/O, memory and bus master enabled */
    { PCI_STATUS + 1, 0x02 }, /* medium DEVSEL timing */
    { 0x4c, 0x4d },         /* IORT: ISA I/O recovery timer */
    { 0x4e, 0x03 },         /* XBCS: BIOS and keyboard controller decode */
    { 0x60, 0x80 }, { 0x61, 0x80 }, { 0x62, 0x80 }, { 0x63, 0x80 }, /* PIRQRC */
    { 0x69, 0x02 },         /* TOM: top of memory 1 MiB */
    { 0x70, 0x80 },         /* MBIRQ0: motherboard IRQ routing disabled */
    { 0x76, 0x0c }, { 0x77, 0x0c }, /* MBDMA: motherboard DMA disabled */
    { 0x78, 0x02 },         /* PCSC: programmable chip select size */
    { 0xa0, 0x08 },         /* SMICNTL */
    { 0xa8, 0x0f },         /* FTMR: fast off timer */
};

static void init_config(struct pci_function *fn)
{
    pci_function_init(fn, VENDOR_INTEL, DEVICE_82371SB_ISA, REVISION, CLASS_ISA_BRIDGE,
                      PCI_HEADER_MULTI_FUNCTION);
    for (size_t i = 0; i < sizeof(reset_values) / sizeof(reset_values[0]); i++)
        fn->config[reset_values[i].offset] = reset_values[i].value;
    for (unsigned i = 0; i < PIIX3_PIRQ_COUNT; i++)
        fn->wmask[REG_PIRQRC + i] = 0x8f; /* bits 6:4 reserved */
}

int piix3_pirq_route(const struct piix3 *p, unsigned pirq)
{
    if (pirq >= PIIX3_PIRQ_COUNT)
        return -1;
    uint8_t v = p->fn.config[REG_PIRQRC + pirq];
    if (v & PIRQ_DISABLE)
        return -1;
    /* Usable IRQs: 3-7, 9-12, 14, 15. */
    static const uint16_t usable = 0xdef8;
    unsigned irq = v & 0x0f;
    return (usable >> irq) & 1 ? (int)irq : -1;
}

static void update_routes(struct piix3 *p)
{
    for (unsigned i = 0; i < PIIX3_PIRQ_COUNT; i++) {
        int irq = piix3_pirq_route(p, i);
        if (irq == p->routes[i])
            continue;
        p->routes[i] = (int8_t)irq;
        if (p->route_changed)
            p->route_changed(p->opaque, i, irq);
    }
}

static void piix3_config_write(void *opaque, unsigned offset, unsigned size)
{
    struct piix3 *p = opaque;
    if (offset < REG_PIRQRC + PIIX3_PIRQ_COUNT && offset + size > REG_PIRQRC)
        update_routes(p);
}

static int piix3_post_load(void *obj, char *err, size_t errlen)
{
    struct piix3 *p = obj;
    struct pci_function ref;
    init_config(&ref);
    if (!pci_function_valid(&p->fn, &ref)) {
        snprintf(err, errlen, "piix3: read-only configuration bits differ");
        return -1;
    }
    update_routes(p);
    return 0;
}

/* Reset does not come from this table: the header's values differ byte by
 * byte, so piix3_reset rebuilds them. */
static const struct state_field piix3_fields[] = {
    STATE_ARRAY(struct piix3, fn.config, 0),
};

const struct state_desc piix3_state_desc = {
    .name = "piix3",
    .version = 1,
    .fields = piix3_fields,
    .field_count = sizeof(piix3_fields) / sizeof(piix3_fields[0]),
    .post_load = piix3_post_load,
};

void piix3_reset(struct piix3 *p)
{
    init_config(&p->fn);
    update_routes(p);
}

struct piix3 *piix3_create(struct pci_bus *bus,
                           void (*route_changed)(void *opaque, unsigned pirq, int irq),
                           void *opaque)
{
    struct piix3 *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->route_changed = route_changed;
    p->opaque = opaque;
    init_config(&p->fn);
    p->fn.config_write = piix3_config_write;
    p->fn.opaque = p;
    for (unsigned i = 0; i < PIIX3_PIRQ_COUNT; i++)
        p->routes[i] = -1;
    if (pci_attach(bus, PCI_DEVFN(1, 0), &p->fn) < 0) {
        free(p);
        return NULL;
    }
    return p;
}

void piix3_destroy(struct piix3 *p)
{
    free(p);
}
