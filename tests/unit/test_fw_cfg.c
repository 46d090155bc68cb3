/* The firmware configuration interface through its ports, against QEMU's
 * docs/specs/fw_cfg.rst, driven the way SeaBIOS drives it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/fw_cfg.h"
#include "lintas/io.h"
#include "lintas/mem.h"
#include "unit_check.h"

#define RAM_SIZE (1024 * 1024)
#define SELECTOR 0x510
#define DATA 0x511
#define DMA_HIGH 0x514
#define DMA_LOW 0x518

enum { CTL_ERROR = 1, CTL_READ = 2, CTL_SKIP = 4, CTL_SELECT = 8, CTL_WRITE = 16 };

/* A device on a bus and RAM of its own. */
struct rig {
    struct io_bus *io;
    struct phys_mem *mem;
    struct fw_cfg *fw;
};

static struct rig rig_open(const struct logger *log)
{
    struct rig r;
    r.io = io_create();
    r.mem = mem_create(RAM_SIZE);
    if (!r.io || !r.mem) {
        fprintf(stderr, "test_fw_cfg: out of memory\n");
        exit(2);
    }
    r.fw = fw_cfg_create(r.io, r.mem, log);
    return r;
}

static void rig_close(struct rig *r)
{
    fw_cfg_destroy(r->fw);
    mem_destroy(r->mem);
    io_destroy(r->io);
}

static void sel(struct rig *r, uint16_t key)
{
    io_write(r->io, SELECTOR, key, 2);
}

static uint8_t rd(struct rig *r)
{
    return (uint8_t)io_read(r->io, DATA, 1);
}

static void rd_n(struct rig *r, uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = rd(r);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t swap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* Start a transfer as SeaBIOS does: outl(cpu_to_be32(high), 0x514), then
 * outl(cpu_to_be32(low), 0x518). */
static void dma_kick(struct rig *r, uint64_t desc)
{
    io_write(r->io, DMA_HIGH, swap32((uint32_t)(desc >> 32)), 4);
    io_write(r->io, DMA_LOW, swap32((uint32_t)desc), 4);
}

/* Write an FWCfgDmaAccess (big-endian fields) at desc and start it;
 * returns the control word the device leaves. */
static uint32_t dma(struct rig *r, uint64_t desc, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t raw[16];
    for (int i = 0; i < 4; i++) {
        raw[i] = (uint8_t)(control >> (24 - 8 * i));
        raw[4 + i] = (uint8_t)(len >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++)
        raw[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    mem_write_block(r->mem, desc, raw, sizeof(raw));
    dma_kick(r, desc);
    uint8_t out[4];
    mem_read_block(r->mem, desc, out, sizeof(out));
    return be32(out);
}

static void test_signature_and_id(struct unit_tally *t)
{
    struct rig r = rig_open(NULL);
    if (!CHECK(t, r.fw != NULL))
        return;
    /* The ports are taken. */
    CHECK(t, fw_cfg_create(r.io, r.mem, NULL) == NULL);

    uint8_t buf[8];
    sel(&r, FW_CFG_SIGNATURE);
    rd_n(&r, buf, 6);
    CHECK(t, memcmp(buf, "QEMU\0\0", 6) == 0);
    /* Reset selects the signature again, at offset 0. */
    sel(&r, FW_CFG_ID);
    fw_cfg_reset(r.fw);
    CHECK(t, rd(&r) == 'Q');

    sel(&r, FW_CFG_ID);
    rd_n(&r, buf, 5);
    CHECK(t, memcmp(buf, "\x03\0\0\0\0", 5) == 0); /* traditional + DMA */

    /* The DMA register reads "QEMU CFG" in port order. */
    CHECK(t, io_read(r.io, DMA_HIGH, 1) == 'Q');
    CHECK(t, io_read(r.io, DMA_HIGH, 4) == 0x554d4551);
    CHECK(t, io_read(r.io, DMA_LOW, 4) == 0x47464320);
    CHECK(t, io_read(r.io, DMA_LOW + 3, 1) == 'G');
    rig_close(&r);
}

static void test_fixed_items(struct unit_tally *t)
{
    struct rig r = rig_open(NULL);
    if (!CHECK(t, r.fw != NULL))
        return;
    uint8_t cpus[2] = { 2, 0 };
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_NB_CPUS, cpus, sizeof(cpus)) == 0);
    cpus[0] = 9; /* the device keeps its own copy */
    uint8_t buf[8];
    sel(&r, FW_CFG_NB_CPUS);
    rd_n(&r, buf, 4);
    CHECK(t, memcmp(buf, "\x02\0\0\0", 4) == 0);
    /* Selecting again starts over; bit 14 (the old write mode) is ignored. */
    sel(&r, FW_CFG_NB_CPUS | 0x4000);
    CHECK(t, rd(&r) == 2);
    CHECK(t, rd(&r) == 0);

    /* Replacing an item, even the selected one past its new end. */
    const uint8_t ram[8] = { 0, 0, 0x10, 0, 0, 0, 0, 0 };
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_RAM_SIZE, ram, sizeof(ram)) == 0);
    sel(&r, FW_CFG_RAM_SIZE);
    rd_n(&r, buf, 6);
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_RAM_SIZE, ram + 1, 2) == 0);
    CHECK(t, rd(&r) == 0);
    sel(&r, FW_CFG_RAM_SIZE);
    CHECK(t, rd(&r) == 0 && rd(&r) == 0x10 && rd(&r) == 0);

    /* Architecture-local keys are items of their own. */
    const uint8_t e820[4] = { 1, 2, 3, 4 };
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_E820_TABLE, e820, sizeof(e820)) == 0);
    sel(&r, FW_CFG_E820_TABLE);
    CHECK(t, rd(&r) == 1 && rd(&r) == 2);
    sel(&r, FW_CFG_E820_TABLE & 0x7fff);
    CHECK(t, rd(&r) == 0);

    /* An empty item and an absent one read as zeros. */
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_NOGRAPHIC, NULL, 0) == 0);
    sel(&r, FW_CFG_NOGRAPHIC);
    CHECK(t, rd(&r) == 0);
    sel(&r, 0x1234);
    CHECK(t, rd(&r) == 0 && rd(&r) == 0);

    /* Keys the device owns, file selectors and write-mode keys are refused. */
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_SIGNATURE, e820, 4) < 0);
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_ID, e820, 4) < 0);
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_FILE_DIR, e820, 4) < 0);
    CHECK(t, fw_cfg_add_bytes(r.fw, FW_CFG_FILE_FIRST, e820, 4) < 0);
    CHECK(t, fw_cfg_add_bytes(r.fw, 0x4005, e820, 4) < 0);
    sel(&r, FW_CFG_SIGNATURE);
    CHECK(t, rd(&r) == 'Q');
    rig_close(&r);
}

/* A directory entry as the guest sees it. */
struct dir_entry {
    uint32_t size;
    uint16_t select, reserved;
    char name[FW_CFG_MAX_FILE_PATH];
};

static struct dir_entry read_entry(struct rig *r)
{
    uint8_t raw[64];
    rd_n(r, raw, sizeof(raw));
    struct dir_entry e;
    e.size = be32(raw);
    e.select = (uint16_t)(raw[4] << 8 | raw[5]);
    e.reserved = (uint16_t)(raw[6] << 8 | raw[7]);
    memcpy(e.name, raw + 8, sizeof(e.name));
    return e;
}

static void test_file_directory(struct unit_tally *t)
{
    struct rig r = rig_open(NULL);
    if (!CHECK(t, r.fw != NULL))
        return;
    uint8_t buf[4];
    sel(&r, FW_CFG_FILE_DIR);
    rd_n(&r, buf, 4);
    CHECK(t, be32(buf) == 0);
    CHECK(t, rd(&r) == 0);

    static const uint8_t e820[20] = { [8] = 0xa0, [16] = 1 };
    CHECK(t, fw_cfg_add_file(r.fw, "etc/e820", e820, sizeof(e820)) == 0);
    CHECK(t, fw_cfg_add_file(r.fw, "genroms/linuxboot.bin", "ROM", 3) == 0);
    CHECK(t, fw_cfg_add_file(r.fw, "bootorder", "/pci\n", 5) == 0);
    CHECK(t, fw_cfg_add_file(r.fw, "etc/boot-menu-wait", "\x10\x27", 2) == 0);
    CHECK(t, fw_cfg_add_file(r.fw, "etc/e820", e820, 4) < 0);
    CHECK(t, fw_cfg_add_file(r.fw, "", e820, 4) < 0);
    char name[FW_CFG_MAX_FILE_PATH + 1];
    memset(name, 'a', sizeof(name) - 1);
    name[FW_CFG_MAX_FILE_PATH] = '\0';
    CHECK(t, fw_cfg_add_file(r.fw, name, e820, 4) < 0);
    name[FW_CFG_MAX_FILE_PATH - 1] = '\0'; /* 55 bytes and the NUL fit */
    CHECK(t, fw_cfg_add_file(r.fw, name, e820, 4) == 0);

    static const struct {
        const char *name;
        uint32_t size;
    } want[] = {
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 4 },
        { "bootorder", 5 },
        { "etc/boot-menu-wait", 2 },
        { "etc/e820", 20 },
        { "genroms/linuxboot.bin", 3 },
    };
    sel(&r, FW_CFG_FILE_DIR);
    rd_n(&r, buf, 4);
    CHECK(t, be32(buf) == 5);
    for (unsigned i = 0; i < 5; i++) {
        struct dir_entry e = read_entry(&r);
        CHECK_CASE(t, e.size == want[i].size, "entry %u", i);
        CHECK_CASE(t, e.select == FW_CFG_FILE_FIRST + i, "entry %u", i);
        CHECK_CASE(t, e.reserved == 0, "entry %u", i);
        CHECK_CASE(t, strcmp(e.name, want[i].name) == 0, "entry %u: %.56s", i, e.name);
        size_t used = strlen(want[i].name);
        bool padded = true;
        for (size_t k = used; k < sizeof(e.name); k++)
            padded = padded && e.name[k] == '\0';
        CHECK_CASE(t, padded, "entry %u", i);
    }
    CHECK(t, rd(&r) == 0);

    /* Each file reads through its selector. */
    sel(&r, FW_CFG_FILE_FIRST + 1);
    uint8_t text[6];
    rd_n(&r, text, sizeof(text));
    CHECK(t, memcmp(text, "/pci\n\0", 6) == 0);
    sel(&r, FW_CFG_FILE_FIRST + 4);
    rd_n(&r, text, 4);
    CHECK(t, memcmp(text, "ROM\0", 4) == 0);
    sel(&r, FW_CFG_FILE_FIRST + 5);
    CHECK(t, rd(&r) == 0);
    rig_close(&r);
}

static void test_dma(struct unit_tally *t)
{
    struct rig r = rig_open(NULL);
    if (!CHECK(t, r.fw != NULL))
        return;
    const char *text = "0123456789";
    CHECK(t, fw_cfg_add_file(r.fw, "etc/text", text, 10) == 0);
    const uint64_t desc = 0x1000, buf = 0x2000;
    const uint32_t key = FW_CFG_FILE_FIRST;
    uint8_t fill[32], got[32];
    memset(fill, 0xaa, sizeof(fill));

    /* Select and read past the end: the rest is zeros, nothing beyond the
     * length is touched, and control comes back clear. */
    mem_write_block(r.mem, buf, fill, sizeof(fill));
    CHECK(t, dma(&r, desc, key << 16 | CTL_SELECT | CTL_READ, 14, buf) == 0);
    mem_read_block(r.mem, buf, got, sizeof(got));
    CHECK(t, memcmp(got, "0123456789\0\0\0\0\xaa", 15) == 0);

    /* Select and skip, then read, then the data port carries on. */
    mem_write_block(r.mem, buf, fill, sizeof(fill));
    CHECK(t, dma(&r, desc, key << 16 | CTL_SELECT | CTL_SKIP, 3, 0) == 0);
    CHECK(t, dma(&r, desc, CTL_READ, 4, buf) == 0);
    mem_read_block(r.mem, buf, got, sizeof(got));
    CHECK(t, memcmp(got, "3456\xaa", 5) == 0);
    CHECK(t, rd(&r) == '7');
    /* A skip past the end stops at the end, a cursor the state loader
     * accepts. */
    CHECK(t, dma(&r, desc, CTL_SKIP, 100, 0) == 0);
    CHECK(t, rd(&r) == 0);
    struct state_writer w = { 0 };
    state_save(&fw_cfg_state_desc, r.fw, &w);
    struct state_reader in = { w.buf, w.len, 0 };
    char err[200];
    CHECK_MSG(t, state_load(&fw_cfg_state_desc, r.fw, &in, err, sizeof(err)) == 0, "%s", err);
    state_writer_free(&w);

    /* The signature through DMA, with select alone first. */
    CHECK(t, dma(&r, desc, FW_CFG_SIGNATURE << 16 | CTL_SELECT, 0, 0) == 0);
    CHECK(t, dma(&r, desc, CTL_READ, 4, buf) == 0);
    mem_read_block(r.mem, buf, got, 4);
    CHECK(t, memcmp(got, "QEMU", 4) == 0);

    /* Items are read-only: a write sets the error bit and changes nothing. */
    mem_write_block(r.mem, buf, "ABCD", 4);
    CHECK(t, dma(&r, desc, key << 16 | CTL_SELECT | CTL_WRITE, 4, buf) == CTL_ERROR);
    CHECK(t, dma(&r, desc, CTL_READ, 4, buf) == 0);
    mem_read_block(r.mem, buf, got, 4);
    CHECK(t, memcmp(got, "0123", 4) == 0);
    /* Read outranks write and skip when several bits are set. */
    CHECK(t, dma(&r, desc, CTL_READ | CTL_WRITE | CTL_SKIP, 2, buf) == 0);
    mem_read_block(r.mem, buf, got, 2);
    CHECK(t, memcmp(got, "45", 2) == 0);
    /* No operation bit: nothing moves, no error. */
    mem_write_block(r.mem, buf, fill, sizeof(fill));
    CHECK(t, dma(&r, desc, 0, 8, buf) == 0);
    mem_read_block(r.mem, buf, got, 1);
    CHECK(t, got[0] == 0xaa);
    CHECK(t, rd(&r) == '6');

    /* After a transfer the high half is clear: a lone low write means a
     * 32-bit address. The first start here names 4 GiB + desc, which is
     * not RAM, so nothing happens. */
    CHECK(t, dma(&r, desc, key << 16 | CTL_SELECT | CTL_READ, 2, buf) == 0);
    uint8_t raw[16] = { 0, 0, 0, CTL_READ, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0x20, 0x10 };
    mem_write_block(r.mem, desc, raw, sizeof(raw));
    io_write(r.io, DMA_HIGH, swap32(1), 4);
    io_write(r.io, DMA_LOW, swap32((uint32_t)desc), 4);
    mem_read_block(r.mem, desc, got, 4);
    CHECK(t, be32(got) == CTL_READ);
    io_write(r.io, DMA_LOW, swap32((uint32_t)desc), 4);
    mem_read_block(r.mem, 0x2010, got, 2);
    CHECK(t, memcmp(got, "23", 2) == 0);
    mem_read_block(r.mem, desc, got, 4);
    CHECK(t, be32(got) == 0);
    rig_close(&r);
}

/* Guest-given addresses and lengths that are not all RAM set the error bit
 * and move nothing; a structure outside RAM is ignored. Each refusal is
 * reported under -d guest_errors. */
static void test_dma_hostile(struct unit_tally *t)
{
    char *log_text = NULL;
    size_t log_len = 0;
    FILE *out = open_memstream(&log_text, &log_len);
    struct logger log = { out, LOG_GUEST_ERRORS };
    struct rig r = rig_open(&log);
    if (!CHECK(t, r.fw != NULL))
        return;
    CHECK(t, fw_cfg_add_file(r.fw, "etc/text", "0123456789", 10) == 0);
    const uint64_t desc = 0x1000;
    const uint32_t rd_file = FW_CFG_FILE_FIRST << 16 | CTL_SELECT | CTL_READ;
    static const struct {
        uint64_t addr;
        uint32_t len;
    } bad[] = {
        { RAM_SIZE, 1 },                   /* just past RAM */
        { RAM_SIZE - 4, 8 },               /* straddles the end */
        { 0, 0xffffffffu },                /* longer than RAM */
        { UINT64_MAX - 3, 16 },            /* wraps around */
        { UINT64_MAX, 1 },
        { 0x123400000000ull, 4 },          /* far above */
        { 0xfffff000u, 0x2000 },           /* crosses 4 GiB */
    };
    uint8_t before[16], after[16];
    mem_read_block(r.mem, RAM_SIZE - 16, before, sizeof(before));
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t control = dma(&r, desc, rd_file, bad[i].len, bad[i].addr);
        CHECK_CASE(t, control == CTL_ERROR, "case %u: control 0x%x", i, control);
        /* A refused read leaves the offset alone. */
        CHECK_CASE(t, rd(&r) == '0', "case %u", i);
    }
    mem_read_block(r.mem, RAM_SIZE - 16, after, sizeof(after));
    CHECK(t, memcmp(before, after, sizeof(before)) == 0);

    /* The last bytes of RAM are fine. */
    CHECK(t, dma(&r, desc, rd_file, 4, RAM_SIZE - 4) == 0);
    mem_read_block(r.mem, RAM_SIZE - 4, after, 4);
    CHECK(t, memcmp(after, "0123", 4) == 0);

    /* The structure itself outside RAM, or straddling its end: nothing
     * happens, the selection stays. */
    sel(&r, FW_CFG_FILE_FIRST);
    dma_kick(&r, RAM_SIZE - 8);
    dma_kick(&r, 0xfffffffffffffff8ull);
    dma_kick(&r, (uint64_t)RAM_SIZE << 20);
    CHECK(t, rd(&r) == '0');

    /* Port accesses the device does not have. */
    io_write(r.io, SELECTOR, FW_CFG_SIGNATURE, 1);
    io_write(r.io, SELECTOR, 0x00190000, 4);
    io_write(r.io, DATA, 0x55, 1);
    io_write(r.io, DMA_HIGH, 0x1234, 2);
    CHECK(t, rd(&r) == '1');
    CHECK(t, io_read(r.io, SELECTOR, 2) == 0xffff);
    CHECK(t, io_read(r.io, 0x512, 1) == 0xff);

    fclose(out);
    CHECK_STR(t, log_text,
              "fw_cfg: DMA read of 1 bytes to 0x100000 is not all RAM\n"
              "fw_cfg: DMA read of 8 bytes to 0xffffc is not all RAM\n"
              "fw_cfg: DMA read of 4294967295 bytes to 0x0 is not all RAM\n"
              "fw_cfg: DMA read of 16 bytes to 0xfffffffffffffffc is not all RAM\n"
              "fw_cfg: DMA read of 1 bytes to 0xffffffffffffffff is not all RAM\n"
              "fw_cfg: DMA read of 4 bytes to 0x123400000000 is not all RAM\n"
              "fw_cfg: DMA read of 8192 bytes to 0xfffff000 is not all RAM\n"
              "fw_cfg: DMA access structure at 0xffff8 is not in RAM\n"
              "fw_cfg: DMA access structure at 0xfffffffffffffff8 is not in RAM\n"
              "fw_cfg: DMA access structure at 0x10000000000 is not in RAM\n"
              "fw_cfg: 1-byte write of 0x0 to port 0x510 ignored\n"
              "fw_cfg: 4-byte write of 0x190000 to port 0x510 ignored\n"
              "fw_cfg: 1-byte write of 0x55 to port 0x511 ignored\n"
              "fw_cfg: 2-byte write of 0x1234 to port 0x514 ignored\n"
              "fw_cfg: 2-byte read of port 0x510 refused\n"
              "fw_cfg: 1-byte read of port 0x512 refused\n");
    free(log_text);
    rig_close(&r);
}

/* A device configured as the board would: the same items every time. */
static struct rig configured_rig(void)
{
    struct rig r = rig_open(NULL);
    if (r.fw) {
        fw_cfg_add_bytes(r.fw, FW_CFG_MAX_CPUS, "\x04\x00", 2);
        fw_cfg_add_file(r.fw, "etc/text", "0123456789", 10);
    }
    return r;
}

static void test_state(struct unit_tally *t)
{
    struct rig a = configured_rig(), b = configured_rig();
    if (!CHECK(t, a.fw && b.fw))
        return;
    char err[200];

    /* The cursor mid-file and a DMA high half written. */
    sel(&a, FW_CFG_FILE_FIRST);
    CHECK(t, rd(&a) == '0' && rd(&a) == '1' && rd(&a) == '2');
    io_write(a.io, DMA_HIGH, swap32(0x12345678), 4);
    struct state_writer w = { 0 };
    state_save(&fw_cfg_state_desc, a.fw, &w);
    CHECK(t, !w.failed);
    struct state_reader rdr = { w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&fw_cfg_state_desc, b.fw, &rdr, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, rdr.pos == w.len);
    CHECK(t, rd(&b) == '3' && rd(&b) == '4');
    /* Back at the same cursor, b saves what a saved: the DMA high half
     * came across too. */
    struct state_writer w3 = { 0 };
    sel(&b, FW_CFG_FILE_FIRST);
    rd_n(&b, (uint8_t[3]){ 0 }, 3);
    state_save(&fw_cfg_state_desc, b.fw, &w3);
    CHECK(t, w3.len == w.len && memcmp(w3.buf, w.buf, w.len) == 0);
    state_writer_free(&w3);

    /* An offset past its item's end is refused and changes nothing. */
    sel(&b, FW_CFG_MAX_CPUS);
    size_t off_pos = w.len - 8; /* u16 selector, u32 offset, u32 dma_high */
    CHECK(t, w.buf[off_pos] == 3);
    w.buf[off_pos] = 11;
    rdr = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&fw_cfg_state_desc, b.fw, &rdr, err, sizeof(err)) < 0);
    CHECK(t, strstr(err, "offset 11 is past the end of item 0x0020") != NULL);
    CHECK(t, rdr.pos == 0);
    CHECK(t, rd(&b) == 4);
    /* Exactly at the end is a cursor the guest can leave. */
    w.buf[off_pos] = 10;
    rdr = (struct state_reader){ w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&fw_cfg_state_desc, b.fw, &rdr, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, rd(&b) == 0);

    /* A device lacking the saved item refuses a cursor inside it, and takes
     * one at offset 0 of an item it does not have. */
    struct rig c = rig_open(NULL);
    w.buf[off_pos] = 3;
    rdr = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&fw_cfg_state_desc, c.fw, &rdr, err, sizeof(err)) < 0);
    w.buf[off_pos] = 0;
    rdr = (struct state_reader){ w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&fw_cfg_state_desc, c.fw, &rdr, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, rd(&c) == 0);

    /* A truncated section is refused. */
    rdr = (struct state_reader){ w.buf, w.len - 1, 0 };
    CHECK(t, state_load(&fw_cfg_state_desc, c.fw, &rdr, err, sizeof(err)) < 0);

    state_writer_free(&w);
    rig_close(&c);
    rig_close(&a);
    rig_close(&b);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_signature_and_id(&t);
    test_fixed_items(&t);
    test_file_directory(&t);
    test_dma(&t);
    test_dma_hostile(&t);
    test_state(&t);
    return UNIT_REPORT(&t);
}
