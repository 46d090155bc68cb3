/*
 * Shadow RAM below 1 MiB: the memory map's ROM regions and shadow routing,
 * driven through the 440FX PAM registers the way a BIOS drives them.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/i440fx.h"
#include "hw/pci.h"
#include "lintas/io.h"
#include "lintas/mem.h"
#include "unit_check.h"

#define RAM_SIZE (2u << 20)
#define ROM_SIZE 0x40000u
#define ROM_BASE (0x100000000ull - ROM_SIZE)
#define LOW_ROM 0xe0000u /* where the ROM's last 128 KiB also show */

struct board {
    struct io_bus *io;
    struct phys_mem *mem;
    struct pci_bus *pci;
    struct i440fx *host;
    uint8_t rom[ROM_SIZE];
    int changes;
};

static void map_changed(void *opaque)
{
    struct board *b = opaque;
    b->changes++;
}

static uint8_t rom_byte(uint32_t i)
{
    return (uint8_t)(i * 7 + (i >> 8) + 3);
}

static uint8_t ram_byte(uint32_t i)
{
    return (uint8_t)(0xa5 ^ i ^ (i >> 9));
}

static struct board *board_new(void)
{
    struct board *b = calloc(1, sizeof(*b));
    if (!b)
        abort();
    for (uint32_t i = 0; i < ROM_SIZE; i++)
        b->rom[i] = rom_byte(i);
    b->io = io_create();
    b->mem = mem_create(RAM_SIZE);
    if (!b->io || !b->mem)
        abort();
    /* RAM holds a pattern of its own, so every read shows its source. */
    for (uint32_t i = 0; i < RAM_SIZE; i++)
        mem_ram(b->mem)[i] = ram_byte(i);
    if (mem_map_rom(b->mem, ROM_BASE, ROM_SIZE, b->rom) < 0 ||
        mem_shadow_rom(b->mem, LOW_ROM, 0x20000, 0x100000000ull - 0x20000) < 0)
        abort();
    b->pci = pci_create(b->io, NULL);
    b->host = i440fx_create(b->pci, b->mem, RAM_SIZE, map_changed, b);
    if (!b->pci || !b->host)
        abort();
    return b;
}

static void board_free(struct board *b)
{
    i440fx_destroy(b->host);
    pci_destroy(b->pci);
    mem_destroy(b->mem);
    io_destroy(b->io);
    free(b);
}

static void pam_write(struct board *b, unsigned reg, uint8_t value)
{
    io_write(b->io, 0xcf8, 0x80000000u | (reg & 0xfc), 4);
    io_write(b->io, (uint16_t)(0xcfc + (reg & 3)), value, 1);
}

/* The ROM byte that shows at low address a (0xE0000-0xFFFFF). */
static uint8_t low_rom_byte(uint32_t a)
{
    return rom_byte(a - LOW_ROM + ROM_SIZE - 0x20000);
}

static void test_rom_region(struct unit_tally *t)
{
    struct board *b = board_new();
    /* The reset vector's ROM at the top of 4 GiB. */
    CHECK(t, mem_read(b->mem, 0xfffffff0u, 1) == rom_byte(ROM_SIZE - 16));
    CHECK(t, mem_read(b->mem, ROM_BASE + 0x1234, 4) ==
                 (rom_byte(0x1234) | (uint32_t)rom_byte(0x1235) << 8 |
                  (uint32_t)rom_byte(0x1236) << 16 | (uint32_t)rom_byte(0x1237) << 24));
    mem_write(b->mem, 0xfffffff0u, 0x00, 1);
    CHECK(t, mem_read(b->mem, 0xfffffff0u, 1) == rom_byte(ROM_SIZE - 16));
    /* The ROM keeps its own copy; the loader's buffer may go. */
    b->rom[0] ^= 0xff;
    CHECK(t, mem_read(b->mem, ROM_BASE, 1) == rom_byte(0));
    /* Read pointers for ROM, none for writes. */
    CHECK(t, mem_host_page(b->mem, ROM_BASE, false) != NULL);
    CHECK(t, mem_host_page(b->mem, ROM_BASE, true) == NULL);
    uint8_t buf[4];
    mem_read_block(b->mem, 0xfffffffcu, buf, 4);
    CHECK(t, buf[3] == rom_byte(ROM_SIZE - 1));

    /* Bad requests are refused. */
    CHECK(t, mem_map_rom(b->mem, ROM_BASE, 0x1000, b->rom) == -1);      /* taken */
    CHECK(t, mem_map_rom(b->mem, 0x40000000u, 0x800, b->rom) == -1);    /* unaligned */
    CHECK(t, mem_set_shadow(b->mem, 0x100000, 0x1000, true, true) == -1);
    CHECK(t, mem_set_shadow(b->mem, 0xff000, 0x2000, true, true) == -1);
    CHECK(t, mem_set_shadow(b->mem, 0xc0800, 0x1000, true, true) == -1);
    CHECK(t, mem_set_shadow(b->mem, 0xc0000, 0, true, true) == -1);
    CHECK(t, mem_shadow_rom(b->mem, 0xc0000, 0x1000, 0x1000) == -1);  /* RAM, not ROM */
    CHECK(t, mem_shadow_rom(b->mem, 0xc0000, 0x2000, 0xfffff000u) == -1); /* past the end */
    board_free(b);
}

/* Reads at a come from want_ram ? RAM : ROM (or all ones where no ROM
 * shows), through the slow path and the CPU's host pointers alike; writes
 * reach RAM or vanish as want_write_ram says. */
static void check_area(struct unit_tally *t, struct board *b, uint32_t a, bool want_ram,
                       bool want_write_ram, const char *what)
{
    uint8_t *ram = mem_ram(b->mem);
    uint8_t from_rom = a >= LOW_ROM ? low_rom_byte(a) : 0xff;
    uint8_t want = want_ram ? ram[a] : from_rom;
    CHECK_CASE(t, mem_read(b->mem, a, 1) == want, "%s: read at %05x", what, a);
    uint8_t *rd = mem_host_page(b->mem, a, false);
    if (want_ram)
        CHECK_CASE(t, rd == ram + (a & ~0xfffu), "%s: read page at %05x", what, a);
    else if (a >= LOW_ROM)
        CHECK_CASE(t, rd && rd[a & 0xfff] == from_rom, "%s: ROM page at %05x", what, a);
    else
        CHECK_CASE(t, rd == NULL, "%s: no page at %05x", what, a);
    uint8_t *wr = mem_host_page(b->mem, a, true);
    CHECK_CASE(t, wr == (want_write_ram ? ram + (a & ~0xfffu) : NULL), "%s: write page at %05x",
               what, a);

    uint8_t before = ram[a];
    mem_write(b->mem, a, (uint8_t)~before, 1);
    uint8_t after = ram[a];
    CHECK_CASE(t, after == (want_write_ram ? (uint8_t)~before : before), "%s: write at %05x",
               what, a);
    ram[a] = before;
}

static void test_modes(struct unit_tally *t)
{
    struct board *b = board_new();
    /* Power on: every area reads ROM, writes vanish; nothing reported yet. */
    CHECK(t, b->changes == 0);
    check_area(t, b, 0xffff0, false, false, "reset F");
    check_area(t, b, 0xe4010, false, false, "reset E4");
    check_area(t, b, 0xc0000, false, false, "reset C0");
    /* Below and above the BIOS areas nothing is shadowed. */
    check_area(t, b, 0xbffff, true, true, "A-B segment");
    check_area(t, b, 0x100000, true, true, "1 MiB");

    /* Each mode of PAM5's high nibble (0xE4000-0xE7FFF). */
    static const char *const names[4] = { "ROM", "read RAM", "write RAM", "RAM" };
    for (unsigned mode = 0; mode < 4; mode++) {
        int changes = b->changes;
        pam_write(b, 0x5e, (uint8_t)(mode << 4));
        CHECK_CASE(t, b->changes == changes + (mode != 0), "mode %u reported", mode);
        check_area(t, b, 0xe4000, mode & 1, mode & 2, names[mode]);
        check_area(t, b, 0xe7fff, mode & 1, mode & 2, names[mode]);
        /* The neighbours keep their routing. */
        check_area(t, b, 0xe3fff, false, false, "E0 neighbour");
        check_area(t, b, 0xe8000, false, false, "E8 neighbour");
    }
    /* The same value again changes nothing and reports nothing. */
    int changes = b->changes;
    pam_write(b, 0x5e, 0x30);
    CHECK(t, b->changes == changes);
    /* A write elsewhere in the configuration space is no routing change. */
    pam_write(b, 0x72, 0x08);
    CHECK(t, b->changes == changes);

    /* PAM0 covers the whole F segment. */
    pam_write(b, 0x59, 0x30);
    CHECK(t, b->changes == changes + 1);
    check_area(t, b, 0xf0000, true, true, "F RAM");
    check_area(t, b, 0xfffff, true, true, "F RAM end");
    /* PAM1's low nibble: C0000-C3FFF, with no ROM behind it. */
    pam_write(b, 0x5a, 0x01);
    check_area(t, b, 0xc3fff, true, false, "C0 read RAM");
    check_area(t, b, 0xc4000, false, false, "C4 ROM");

    /* A word that straddles a RAM-routed and a ROM-routed page. */
    pam_write(b, 0x5e, 0x00);
    pam_write(b, 0x5d, 0x30);
    uint8_t *ram = mem_ram(b->mem);
    uint32_t w = mem_read(b->mem, 0xdffff, 2);
    CHECK_MSG(t, w == (ram[0xdffff] | (uint32_t)low_rom_byte(0xe0000) << 8), "straddle %04x", w);

    i440fx_reset(b->host);
    CHECK(t, b->changes > changes + 1);
    check_area(t, b, 0xffff0, false, false, "after reset F");
    check_area(t, b, 0xdc000, false, false, "after reset DC");
    board_free(b);
}

/* What a BIOS does at boot: copy itself from ROM into the RAM under it
 * with the areas write-only, then make them read-only RAM. */
static void test_shadowing(struct unit_tally *t)
{
    struct board *b = board_new();
    pam_write(b, 0x59, 0x20);
    for (unsigned reg = 0x5a; reg <= 0x5f; reg++)
        pam_write(b, reg, 0x22);
    CHECK(t, b->changes == 7);
    for (uint32_t a = LOW_ROM; a < 0x100000; a += 4)
        mem_write(b->mem, a, mem_read(b->mem, a, 4), 4);
    pam_write(b, 0x59, 0x10);
    for (unsigned reg = 0x5e; reg <= 0x5f; reg++)
        pam_write(b, reg, 0x11);
    CHECK(t, b->changes == 10);

    uint8_t *ram = mem_ram(b->mem);
    bool same = true;
    for (uint32_t a = LOW_ROM; a < 0x100000; a++)
        same &= ram[a] == low_rom_byte(a);
    CHECK_MSG(t, same, "RAM under 0xE0000-0xFFFFF differs from the ROM");
    check_area(t, b, 0xfe05b, true, false, "shadowed F");
    check_area(t, b, 0xe0000, true, false, "shadowed E");
    /* The copy is in RAM now: a write there is dropped while the ROM at
     * the top of 4 GiB stays as it was. */
    mem_write(b->mem, 0xffff0, 0x12345678u, 4);
    CHECK(t, mem_read(b->mem, 0xffff0, 1) == low_rom_byte(0xffff0));
    CHECK(t, mem_read(b->mem, 0xfffffff0u, 1) == rom_byte(ROM_SIZE - 16));
    /* Loaders see the same routing. */
    uint8_t buf[16];
    memset(buf, 0, sizeof(buf));
    mem_write_block(b->mem, 0xf0000, buf, sizeof(buf));
    CHECK(t, ram[0xf0000] == low_rom_byte(0xf0000));
    board_free(b);
}

static void test_state(struct unit_tally *t)
{
    struct board *b = board_new();
    char err[160];
    pam_write(b, 0x59, 0x30);
    pam_write(b, 0x5b, 0x23);
    struct state_writer w = { 0 };
    state_save(&i440fx_state_desc, b->host, &w);
    i440fx_reset(b->host);
    check_area(t, b, 0xf8000, false, false, "F after reset");
    int changes = b->changes;
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK(t, state_load(&i440fx_state_desc, b->host, &r, err, sizeof(err)) == 0);
    CHECK(t, b->changes == changes + 1);
    check_area(t, b, 0xf8000, true, true, "F after load");
    check_area(t, b, 0xc8000, true, true, "C8 after load");
    check_area(t, b, 0xcc000, false, true, "CC after load");

    /* A reserved PAM bit in the saved state is refused and the routing
     * stays as loaded before. */
    w.buf[w.len - 256 + 0x59] = 0x31;
    r = (struct state_reader){ w.buf, w.len, 0 };
    changes = b->changes;
    CHECK(t, state_load(&i440fx_state_desc, b->host, &r, err, sizeof(err)) == -1);
    CHECK(t, b->changes == changes);
    check_area(t, b, 0xf8000, true, true, "F after refused load");
    state_writer_free(&w);
    board_free(b);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_rom_region(&t);
    test_modes(&t);
    test_shadowing(&t);
    test_state(&t);
    return UNIT_REPORT(&t);
}
