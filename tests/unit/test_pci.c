/*
 * PCI configuration mechanism #1 with the 440FX host bridge and the PIIX3
 * ISA bridge attached, driven through ports 0xCF8 and 0xCFC-0xCFF as
 * firmware does.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/i440fx.h"
#include "hw/pci.h"
#include "hw/piix3.h"
#include "lintas/io.h"
#include "lintas/mem.h"
#include "unit_check.h"

#define RAM_SIZE (128u << 20)

struct board {
    struct io_bus *io;
    struct phys_mem *mem;
    struct pci_bus *pci;
    struct i440fx *host;
    struct piix3 *isa;
    int route_calls;
    unsigned last_pirq;
    int last_irq;
};

static void route_changed(void *opaque, unsigned pirq, int irq)
{
    struct board *b = opaque;
    b->route_calls++;
    b->last_pirq = pirq;
    b->last_irq = irq;
}

static void board_init(struct board *b)
{
    memset(b, 0, sizeof(*b));
    b->io = io_create();
    b->mem = mem_create(RAM_SIZE);
    b->pci = pci_create(b->io, NULL);
    b->host = i440fx_create(b->pci, b->mem, RAM_SIZE, NULL, NULL);
    b->isa = piix3_create(b->pci, route_changed, b);
    if (!b->io || !b->mem || !b->pci || !b->host || !b->isa)
        abort();
}

static void board_free(struct board *b)
{
    piix3_destroy(b->isa);
    i440fx_destroy(b->host);
    pci_destroy(b->pci);
    mem_destroy(b->mem);
    io_destroy(b->io);
}

static uint32_t cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read(struct board *b, unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
    io_write(b->io, 0xcf8, cfg_addr(0, dev, fn, reg), 4);
    return io_read(b->io, (uint16_t)(0xcfc + (reg & 3)), size);
}

static void cfg_write(struct board *b, unsigned dev, unsigned fn, unsigned reg, uint32_t v,
                      unsigned size)
{
    io_write(b->io, 0xcf8, cfg_addr(0, dev, fn, reg), 4);
    io_write(b->io, (uint16_t)(0xcfc + (reg & 3)), v, size);
}

static void test_enumeration(struct unit_tally *t)
{
    struct board b;
    board_init(&b);
    int found = 0;
    for (unsigned dev = 0; dev < 32; dev++) {
        for (unsigned fn = 0; fn < 8; fn++) {
            uint32_t id = cfg_read(&b, dev, fn, 0, 4);
            uint32_t want = 0xffffffffu;
            if (dev == 0 && fn == 0)
                want = 0x12378086u;
            else if (dev == 1 && fn == 0)
                want = 0x70008086u;
            CHECK_CASE(t, id == want, "%02x.%u: id %08x, want %08x", dev, fn, id, want);
            if (id != 0xffffffffu)
                found++;
            CHECK_CASE(t, cfg_read(&b, dev, fn, 0, 2) == (want & 0xffff), "%02x.%u vendor", dev,
                       fn);
        }
    }
    CHECK(t, found == 2);

    /* Class code, revision and header type. */
    CHECK_MSG(t, cfg_read(&b, 0, 0, 0x08, 4) == 0x06000002u, "host class/rev %08x",
              cfg_read(&b, 0, 0, 0x08, 4));
    CHECK_MSG(t, cfg_read(&b, 1, 0, 0x08, 4) == 0x06010000u, "isa class/rev %08x",
              cfg_read(&b, 1, 0, 0x08, 4));
    CHECK(t, cfg_read(&b, 0, 0, PCI_HEADER_TYPE, 1) == 0x00);
    CHECK(t, cfg_read(&b, 1, 0, PCI_HEADER_TYPE, 1) == 0x80);
    CHECK(t, cfg_read(&b, 0, 0, PCI_SUBSYSTEM_VENDOR_ID, 2) == 0x1af4);
    /* QEMU reports RAM in 8 MiB units at 0x57. */
    CHECK(t, cfg_read(&b, 0, 0, 0x57, 1) == RAM_SIZE >> 23);
    CHECK(t, cfg_read(&b, 0, 0, 0x72, 1) == 0x02);
    CHECK(t, cfg_read(&b, 1, 0, 0x60, 4) == 0x80808080u);

    /* Other buses have nothing; neither do cycles with bit 31 clear. */
    io_write(b.io, 0xcf8, cfg_addr(1, 0, 0, 0), 4);
    CHECK(t, io_read(b.io, 0xcfc, 4) == 0xffffffffu);
    io_write(b.io, 0xcf8, cfg_addr(0, 0, 0, 0) & 0x7fffffffu, 4);
    CHECK(t, io_read(b.io, 0xcfc, 4) == 0xffffffffu);
    CHECK(t, io_read(b.io, 0xcfe, 2) == 0xffff);
    board_free(&b);
}

static void test_access_offsets(struct unit_tally *t)
{
    struct board b;
    board_init(&b);
    /* Each byte and word of the vendor/device dword at its own port. */
    io_write(b.io, 0xcf8, cfg_addr(0, 0, 0, 0), 4);
    CHECK(t, io_read(b.io, 0xcfc, 1) == 0x86);
    CHECK(t, io_read(b.io, 0xcfd, 1) == 0x80);
    CHECK(t, io_read(b.io, 0xcfe, 1) == 0x37);
    CHECK(t, io_read(b.io, 0xcff, 1) == 0x12);
    CHECK(t, io_read(b.io, 0xcfc, 2) == 0x8086);
    CHECK(t, io_read(b.io, 0xcfd, 2) == 0x3780);
    CHECK(t, io_read(b.io, 0xcfe, 2) == 0x1237);
    /* Register bits 1:0 of CONFIG_ADDRESS do not pick the byte. */
    io_write(b.io, 0xcf8, cfg_addr(0, 0, 0, 0) | 2, 4);
    CHECK(t, io_read(b.io, 0xcf8, 4) == 0x80000000u);
    CHECK(t, io_read(b.io, 0xcfc, 2) == 0x8086);

    /* CONFIG_ADDRESS keeps only its defined bits, and only dword accesses
     * reach it. */
    io_write(b.io, 0xcf8, 0xffffffffu, 4);
    CHECK_MSG(t, io_read(b.io, 0xcf8, 4) == 0x80fffffcu, "CONFIG_ADDRESS %08x",
              io_read(b.io, 0xcf8, 4));
    io_write(b.io, 0xcf8, 0x80000000u, 4);
    io_write(b.io, 0xcf8, 0x12, 1);
    io_write(b.io, 0xcfa, 0x3456, 2);
    CHECK(t, io_read(b.io, 0xcf8, 4) == 0x80000000u);
    CHECK(t, io_read(b.io, 0xcf8, 1) == 0xff);

    /* A byte write at 0xCFD reaches register byte 0x0D only. */
    cfg_write(&b, 0, 0, PCI_LATENCY_TIMER, 0x40, 1);
    CHECK(t, cfg_read(&b, 0, 0, 0x0c, 4) == 0x00004000u);
    cfg_write(&b, 1, 0, 0x62, 0x0b0a, 2);
    CHECK_MSG(t, cfg_read(&b, 1, 0, 0x60, 4) == 0x0b0a8080u, "PIRQRC %08x",
              cfg_read(&b, 1, 0, 0x60, 4));
    /* A dword write at 0xCFC covers four registers. */
    cfg_write(&b, 1, 0, 0x60, 0x80808080u, 4);
    CHECK(t, cfg_read(&b, 1, 0, 0x60, 4) == 0x80808080u);
    /* Writes to absent functions go nowhere and break nothing. */
    cfg_write(&b, 5, 0, 0x04, 0xffffffffu, 4);
    CHECK(t, cfg_read(&b, 5, 0, 0x04, 4) == 0xffffffffu);
    board_free(&b);
}

static void test_read_only_bits(struct unit_tally *t)
{
    struct board b;
    board_init(&b);
    for (unsigned dev = 0; dev < 2; dev++) {
        uint32_t id = cfg_read(&b, dev, 0, 0, 4);
        uint32_t class = cfg_read(&b, dev, 0, 8, 4);
        uint32_t status = cfg_read(&b, dev, 0, PCI_STATUS, 2);
        cfg_write(&b, dev, 0, 0, 0, 4);
        cfg_write(&b, dev, 0, 8, 0xffffffffu, 4);
        cfg_write(&b, dev, 0, PCI_HEADER_TYPE, 0x7f, 1);
        cfg_write(&b, dev, 0, PCI_STATUS, 0xffff, 2);
        CHECK_CASE(t, cfg_read(&b, dev, 0, 0, 4) == id, "device %u id", dev);
        CHECK_CASE(t, cfg_read(&b, dev, 0, 8, 4) == class, "device %u class", dev);
        CHECK_CASE(t, cfg_read(&b, dev, 0, PCI_STATUS, 2) == status, "device %u status", dev);
        CHECK_CASE(t, cfg_read(&b, dev, 0, PCI_HEADER_TYPE, 1) == (dev ? 0x80u : 0u),
                   "device %u header type", dev);
        /* Command keeps only its defined enable bits. */
        cfg_write(&b, dev, 0, PCI_COMMAND, 0xffff, 2);
        CHECK_CASE(t, cfg_read(&b, dev, 0, PCI_COMMAND, 2) == 0x0547, "device %u command %04x",
                   dev, cfg_read(&b, dev, 0, PCI_COMMAND, 2));
    }
    /* Reserved bits of PAM, SMRAM, the RAM size and PIRQRC. */
    cfg_write(&b, 0, 0, 0x59, 0xff, 1);
    CHECK(t, cfg_read(&b, 0, 0, 0x59, 1) == 0x30);
    cfg_write(&b, 0, 0, 0x5a, 0xff, 1);
    CHECK(t, cfg_read(&b, 0, 0, 0x5a, 1) == 0x33);
    cfg_write(&b, 0, 0, 0x72, 0xff, 1);
    CHECK(t, cfg_read(&b, 0, 0, 0x72, 1) == 0x7a);
    cfg_write(&b, 0, 0, 0x72, 0x00, 1);
    CHECK(t, cfg_read(&b, 0, 0, 0x72, 1) == 0x02);
    cfg_write(&b, 0, 0, 0x57, 0, 1);
    CHECK(t, cfg_read(&b, 0, 0, 0x57, 1) == RAM_SIZE >> 23);
    cfg_write(&b, 1, 0, 0x61, 0xff, 1);
    CHECK(t, cfg_read(&b, 1, 0, 0x61, 1) == 0x8f);
    /* Device-specific storage keeps what is written. */
    cfg_write(&b, 1, 0, 0x4c, 0x12, 1);
    CHECK(t, cfg_read(&b, 1, 0, 0x4c, 1) == 0x12);
    board_free(&b);
}

static void test_pirq_routing(struct unit_tally *t)
{
    struct board b;
    board_init(&b);
    for (unsigned i = 0; i < PIIX3_PIRQ_COUNT; i++)
        CHECK(t, piix3_pirq_route(b.isa, i) == -1);
    CHECK(t, piix3_pirq_route(b.isa, 4) == -1);

    cfg_write(&b, 1, 0, 0x62, 0x0b, 1);
    CHECK(t, b.route_calls == 1 && b.last_pirq == 2 && b.last_irq == 11);
    CHECK(t, piix3_pirq_route(b.isa, 2) == 11);
    /* Writing the same route again tells the board nothing new. */
    cfg_write(&b, 1, 0, 0x62, 0x0b, 1);
    CHECK(t, b.route_calls == 1);
    /* IRQ 13 is a reserved encoding: routed nowhere. */
    cfg_write(&b, 1, 0, 0x62, 0x0d, 1);
    CHECK(t, b.route_calls == 2 && b.last_irq == -1);
    CHECK(t, piix3_pirq_route(b.isa, 2) == -1);
    cfg_write(&b, 1, 0, 0x62, 0x8b, 1);
    CHECK(t, b.route_calls == 2 && piix3_pirq_route(b.isa, 2) == -1);

    /* SeaBIOS's usual routing: 10, 10, 11, 11 for PIRQA-D. */
    cfg_write(&b, 1, 0, 0x60, 0x0b0b0a0au, 4);
    CHECK(t, piix3_pirq_route(b.isa, 0) == 10 && piix3_pirq_route(b.isa, 1) == 10);
    CHECK(t, piix3_pirq_route(b.isa, 2) == 11 && piix3_pirq_route(b.isa, 3) == 11);
    CHECK(t, b.route_calls == 6);

    /* Reset disconnects all four and says so. */
    piix3_reset(b.isa);
    CHECK(t, b.route_calls == 10 && b.last_irq == -1);
    CHECK(t, cfg_read(&b, 1, 0, 0x60, 4) == 0x80808080u);
    board_free(&b);
}

static void test_attach_errors(struct unit_tally *t)
{
    struct board b;
    board_init(&b);
    struct pci_function f;
    pci_function_init(&f, 0x1234, 0x5678, 0, 0xff0000, 0);
    CHECK(t, pci_attach(b.pci, PCI_DEVFN(0, 0), &f) == -1);
    CHECK(t, pci_attach(b.pci, PCI_DEVFN_COUNT, &f) == -1);
    CHECK(t, i440fx_create(b.pci, b.mem, RAM_SIZE, NULL, NULL) == NULL);
    CHECK(t, piix3_create(b.pci, NULL, NULL) == NULL);
    CHECK(t, pci_create(b.io, NULL) == NULL);
    CHECK(t, pci_attach(b.pci, PCI_DEVFN(31, 7), &f) == 0);
    CHECK(t, cfg_read(&b, 31, 7, 0, 4) == 0x56781234u);
    /* Wider accesses through the bus API agree with the port view. */
    CHECK(t, pci_config_read(b.pci, PCI_DEVFN(31, 7), 2, 2) == 0x5678);
    CHECK(t, pci_config_read(b.pci, PCI_DEVFN(30, 0), 0, 1) == 0xff);
    board_free(&b);
}

static void test_state(struct unit_tally *t)
{
    struct board b;
    board_init(&b);
    char err[160];

    /* The bus: CONFIG_ADDRESS survives a round trip. */
    io_write(b.io, 0xcf8, cfg_addr(0, 1, 0, 0x60), 4);
    struct state_writer w = { 0 };
    state_save(&pci_state_desc, b.pci, &w);
    pci_reset(b.pci);
    CHECK(t, io_read(b.io, 0xcf8, 4) == 0);
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK(t, state_load(&pci_state_desc, b.pci, &r, err, sizeof(err)) == 0);
    CHECK(t, io_read(b.io, 0xcf8, 4) == cfg_addr(0, 1, 0, 0x60));
    /* Reserved bits in a saved CONFIG_ADDRESS are refused. */
    w.buf[w.len - 1] = 0x7f;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&pci_state_desc, b.pci, &r, err, sizeof(err)) == -1);
    CHECK(t, strstr(err, "pci") != NULL);
    CHECK(t, io_read(b.io, 0xcf8, 4) == cfg_addr(0, 1, 0, 0x60));
    state_writer_free(&w);

    /* The ISA bridge: routes come back and are reported. */
    cfg_write(&b, 1, 0, 0x60, 0x0b0b0a0au, 4);
    cfg_write(&b, 1, 0, 0x4c, 0x12, 1);
    w = (struct state_writer){ 0 };
    state_save(&piix3_state_desc, b.isa, &w);
    piix3_reset(b.isa);
    int calls = b.route_calls;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&piix3_state_desc, b.isa, &r, err, sizeof(err)) == 0);
    CHECK(t, b.route_calls == calls + 4);
    CHECK(t, piix3_pirq_route(b.isa, 0) == 10 && piix3_pirq_route(b.isa, 3) == 11);
    CHECK(t, cfg_read(&b, 1, 0, 0x4c, 1) == 0x12);
    /* A changed vendor ID or a reserved PIRQRC bit is refused, and the
     * loaded state stays as it was. */
    size_t cfg = w.len - 256;
    w.buf[cfg + 0] ^= 1;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&piix3_state_desc, b.isa, &r, err, sizeof(err)) == -1);
    CHECK(t, strstr(err, "piix3") != NULL);
    w.buf[cfg + 0] ^= 1;
    w.buf[cfg + 0x60] = 0x4a;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&piix3_state_desc, b.isa, &r, err, sizeof(err)) == -1);
    CHECK(t, cfg_read(&b, 1, 0, 0, 4) == 0x70008086u);
    CHECK(t, piix3_pirq_route(b.isa, 0) == 10);
    state_writer_free(&w);

    /* The host bridge: storage registers come back; the RAM size byte is
     * read-only, so a state with another size is refused. */
    cfg_write(&b, 0, 0, 0x72, 0x48, 1);
    w = (struct state_writer){ 0 };
    state_save(&i440fx_state_desc, b.host, &w);
    i440fx_reset(b.host);
    CHECK(t, cfg_read(&b, 0, 0, 0x72, 1) == 0x02);
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&i440fx_state_desc, b.host, &r, err, sizeof(err)) == 0);
    CHECK(t, cfg_read(&b, 0, 0, 0x72, 1) == 0x4a);
    w.buf[w.len - 256 + 0x57] ^= 1;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&i440fx_state_desc, b.host, &r, err, sizeof(err)) == -1);
    CHECK(t, strstr(err, "i440fx") != NULL);
    state_writer_free(&w);
    board_free(&b);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_enumeration(&t);
    test_access_offsets(&t);
    test_read_only_bits(&t);
    test_pirq_routing(&t);
    test_attach_errors(&t);
    test_state(&t);
    return UNIT_REPORT(&t);
}
