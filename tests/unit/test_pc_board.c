/* The PC board as machine_create wires it, seen from the guest's side of
 * the port bus and memory: the PCI functions, what the firmware reads
 * (CMOS, fw_cfg), the A20 gate, the reset lines, the legacy video window,
 * the BIOS ROM and its refusals, the debug console and the serial ports.
 * The machines boot a Multiboot kernel of one HLT that never runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/fw_cfg.h"
#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/machine.h"
#include "lintas/mem.h"
#include "unit_check.h"

#define MIB (1ull << 20)
#define KERNEL_ADDR 0x200000u
#define KERNEL_ENTRY (KERNEL_ADDR + 32)
#define KERNEL_SIZE 36
#define BIOS_SIZE 0x10000u
#define DIR_TEMPLATE "/tmp/lintas-pc-board-XXXXXX"

enum { KBC_DATA = 0x60, KBC_CMD = 0x64, CMOS_INDEX = 0x70, CMOS_DATA = 0x71, PORT_A = 0x92 };
enum { PCI_ADDRESS = 0xcf8, PCI_DATA = 0xcfc, RESET_CONTROL = 0xcf9 };
enum { FW_CFG_SELECTOR = 0x510, FW_CFG_DATA = 0x511 };
enum { KBC_READ_OUTPORT = 0xd0, KBC_WRITE_OUTPORT = 0xd1, KBC_PULSE_RESET = 0xfe };
/* The i8042 output port: bit 0 is the reset line (low resets), bit 1 A20. */
enum { OUTPORT_RUN = 0x01, OUTPORT_A20 = 0x02 };

/* The checks, the kernel every machine boots and a folder for files. */
struct suite {
    int passed, failed; /* see unit_check.h */
    uint8_t kernel[KERNEL_SIZE];
    char dir[sizeof(DIR_TEMPLATE)];
};

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A flat image with an a.out-kludge Multiboot header (Multiboot spec 3.1)
 * loaded whole at KERNEL_ADDR, entered at the HLT after the header. */
static void build_kernel(uint8_t *k)
{
    const uint32_t magic = 0x1badb002, flags = 1u << 16;
    memset(k, 0, KERNEL_SIZE);
    put32(k, magic);
    put32(k + 4, flags);
    put32(k + 8, -(magic + flags));
    put32(k + 12, KERNEL_ADDR); /* header_addr */
    put32(k + 16, KERNEL_ADDR); /* load_addr */
    put32(k + 20, 0);           /* load_end_addr: the whole file */
    put32(k + 24, 0);           /* bss_end_addr: none */
    put32(k + 28, KERNEL_ENTRY);
    k[32] = 0xf4;
}

static struct machine_config kernel_config(struct suite *t, uint64_t ram)
{
    return (struct machine_config){
        .ram_size = ram,
        .kernel_path = "hlt.bin",
        .kernel_image = t->kernel,
        .kernel_image_size = KERNEL_SIZE,
        .icount_shift = 0,
    };
}

/* A machine the test cannot go on without. */
static struct machine *create(const struct machine_config *cfg)
{
    char err[256];
    struct machine *m = machine_create(cfg, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "test_pc_board: machine_create: %s\n", err);
        exit(2);
    }
    return m;
}

static struct machine *create_small(struct suite *t)
{
    struct machine_config cfg = kernel_config(t, 8 * MIB);
    return create(&cfg);
}

static void out8(struct machine *m, uint16_t port, uint8_t v)
{
    io_write(m->io, port, v, 1);
}

static uint8_t in8(struct machine *m, uint16_t port)
{
    return (uint8_t)io_read(m->io, port, 1);
}

static void path_in(const struct suite *t, char *path, size_t len, const char *name)
{
    snprintf(path, len, "%s/%s", t->dir, name);
}

static uint32_t pci_read32(struct machine *m, unsigned dev, unsigned fn, unsigned reg)
{
    io_write(m->io, PCI_ADDRESS, 0x80000000u | dev << 11 | fn << 8 | reg, 4);
    return io_read(m->io, PCI_DATA, 4);
}

static void test_pci_ids(struct suite *t)
{
    struct machine *m = create_small(t);
    CHECK(t, pci_read32(m, 0, 0, 0) == 0x12378086); /* i440FX */
    CHECK(t, pci_read32(m, 1, 0, 0) == 0x70008086); /* PIIX3 */
    CHECK(t, pci_read32(m, 2, 0, 0) == 0xffffffffu); /* nothing else */
    machine_destroy(m);
}

static uint8_t cmos(struct machine *m, uint8_t index)
{
    out8(m, CMOS_INDEX, index);
    return in8(m, CMOS_DATA);
}

static unsigned cmos16(struct machine *m, uint8_t low)
{
    return cmos(m, low) | (unsigned)cmos(m, (uint8_t)(low + 1)) << 8;
}

/* The memory sizes in CMOS (IBM AT technical reference; 0x30/0x31 and
 * 0x34/0x35 as SeaBIOS reads them): base KiB, extended KiB above 1 MiB at
 * most 0xFFFF, 64 KiB units above 16 MiB. */
static void test_cmos_memory(struct suite *t)
{
    static const struct {
        unsigned mib;
        unsigned ext_kib, units_above_16m;
    } sizes[] = {
        { 8, 7168, 0 },
        { 32, 31744, 256 },
        { 128, 0xffff, 1792 },
        { 3072, 0xffff, 48896 },
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct machine_config cfg = kernel_config(t, sizes[i].mib * MIB);
        struct machine *m = create(&cfg);
        unsigned mib = sizes[i].mib;
        CHECK_CASE(t, cmos16(m, 0x15) == 640, "%u MiB: %u", mib, cmos16(m, 0x15));
        /* Equipment: coprocessor and PS/2 mouse, no floppy. */
        CHECK_CASE(t, cmos(m, 0x14) == 0x06, "%u MiB: 0x%02x", mib, cmos(m, 0x14));
        CHECK_CASE(t, cmos16(m, 0x17) == sizes[i].ext_kib, "%u MiB: %u", mib, cmos16(m, 0x17));
        CHECK_CASE(t, cmos16(m, 0x30) == sizes[i].ext_kib, "%u MiB: %u", mib, cmos16(m, 0x30));
        CHECK_CASE(t, cmos16(m, 0x34) == sizes[i].units_above_16m, "%u MiB: %u", mib,
                   cmos16(m, 0x34));
        machine_destroy(m);
    }
}

static void fw_cfg_select(struct machine *m, uint16_t key)
{
    io_write(m->io, FW_CFG_SELECTOR, key, 2);
}

static void fw_cfg_read(struct machine *m, void *buf, size_t len)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = in8(m, FW_CFG_DATA);
}

static uint64_t get_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = bytes; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get_be(const uint8_t *p, unsigned bytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

/* The fw_cfg items SeaBIOS needs (QEMU docs/specs/fw_cfg.rst). */
static void test_fw_cfg(struct suite *t)
{
    struct machine *m = create_small(t);
    char sig[5] = "";
    fw_cfg_select(m, FW_CFG_SIGNATURE);
    fw_cfg_read(m, sig, 4);
    CHECK(t, strcmp(sig, "QEMU") == 0);

    uint8_t ram[8];
    fw_cfg_select(m, FW_CFG_RAM_SIZE);
    fw_cfg_read(m, ram, sizeof(ram));
    CHECK(t, get_le(ram, 8) == 8 * MIB);

    /* The directory: be32 count, then {be32 size, be16 select, be16
     * reserved, name[56]} per file. */
    uint8_t count[4];
    fw_cfg_select(m, FW_CFG_FILE_DIR);
    fw_cfg_read(m, count, sizeof(count));
    uint32_t files = get_be(count, 4);
    CHECK(t, files >= 1 && files < 100);
    uint32_t size = 0;
    uint16_t select = 0;
    for (uint32_t i = 0; i < files && i < 100; i++) {
        uint8_t entry[64];
        fw_cfg_read(m, entry, sizeof(entry));
        if (memchr(entry + 8, '\0', 56) && strcmp((const char *)entry + 8, "etc/e820") == 0) {
            size = get_be(entry, 4);
            select = (uint16_t)get_be(entry + 4, 2);
        }
    }
    CHECK_MSG(t, size == 20 && select >= FW_CFG_FILE_FIRST, "etc/e820: %u bytes at 0x%04x", size,
              select);
    /* One entry, {le64 address, le64 length, le32 type 1 (RAM)}. */
    uint8_t e820[20];
    fw_cfg_select(m, select);
    fw_cfg_read(m, e820, sizeof(e820));
    CHECK(t, get_le(e820, 8) == 0);
    CHECK(t, get_le(e820 + 8, 8) == 8 * MIB);
    CHECK(t, get_le(e820 + 16, 4) == 1);
    machine_destroy(m);
}

static void kbc_write_outport(struct machine *m, uint8_t v)
{
    out8(m, KBC_CMD, KBC_WRITE_OUTPORT);
    out8(m, KBC_DATA, v);
}

static uint8_t kbc_read_outport(struct machine *m)
{
    out8(m, KBC_CMD, KBC_READ_OUTPORT);
    return in8(m, KBC_DATA);
}

/* Is the gate open, as the guest sees it: does 0 keep its value when 1
 * MiB is written? The answer must agree with the memory map's own gate. */
static bool a20_open(struct suite *t, struct machine *m)
{
    mem_write(m->mem, 0, 0x11111111, 4);
    mem_write(m->mem, 0x100000, 0x22222222, 4);
    bool open = mem_read(m->mem, 0, 4) == 0x11111111;
    CHECK(t, mem_read(m->mem, 0x100000, 4) == 0x22222222);
    CHECK(t, open == mem_a20(m->mem));
    return open;
}

/* A20 is the i8042's output port bit 1 OR port 0x92 bit 1. */
static void test_a20(struct suite *t)
{
    struct machine *m = create_small(t);
    /* The Multiboot loader leaves it open; the i8042 holds it open from
     * power-on. */
    CHECK(t, a20_open(t, m));
    CHECK(t, kbc_read_outport(m) & OUTPORT_A20);
    CHECK(t, in8(m, PORT_A) == 0);

    /* Port 0x92 dropping its bit leaves the i8042's. */
    out8(m, PORT_A, 0x02);
    CHECK(t, a20_open(t, m));
    out8(m, PORT_A, 0x00);
    CHECK(t, a20_open(t, m));

    static const struct {
        uint8_t outport, port_a;
        bool open;
    } steps[] = {
        { OUTPORT_RUN, 0x00, false },
        { OUTPORT_RUN, 0x02, true },
        { OUTPORT_RUN | OUTPORT_A20, 0x02, true },
        { OUTPORT_RUN | OUTPORT_A20, 0x00, true },
        { OUTPORT_RUN, 0x00, false },
        { OUTPORT_RUN | OUTPORT_A20, 0x00, true },
        { OUTPORT_RUN, 0x00, false },
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        kbc_write_outport(m, steps[i].outport);
        out8(m, PORT_A, steps[i].port_a);
        CHECK_CASE(t, a20_open(t, m) == steps[i].open, "output port 0x%02x, port 0x92 0x%02x",
                   steps[i].outport, steps[i].port_a);
    }
    /* Closed, address bit 20 is 0: 1 MiB is 0 again, for the CPU too. */
    mem_write(m->mem, 0x100004, 0x33333333, 4);
    CHECK(t, mem_read(m->mem, 4, 4) == 0x33333333);
    CHECK(t, !m->reset_requested); /* bit 0 stayed high */
    machine_destroy(m);
}

/* Close the gate, so that a reset shows it opening again. */
static void close_a20(struct suite *t, struct machine *m)
{
    kbc_write_outport(m, OUTPORT_RUN);
    out8(m, PORT_A, 0);
    CHECK(t, !a20_open(t, m));
}

/* Each reset line asks the machine for a reset; machine_reset carries it
 * out: registers back to reset, the kernel loaded again, A20 open. */
static void test_reset_lines(struct suite *t)
{
    struct machine *m = create_small(t);
    CHECK(t, !m->reset_requested);
    CHECK(t, m->cpu->eip == KERNEL_ENTRY);

    out8(m, KBC_CMD, KBC_PULSE_RESET);
    CHECK(t, m->reset_requested);
    close_a20(t, m);
    m->cpu->eip = 0x1234;
    machine_reset(m);
    CHECK(t, !m->reset_requested);
    CHECK(t, m->cpu->eip == KERNEL_ENTRY);
    CHECK(t, a20_open(t, m));
    CHECK(t, kbc_read_outport(m) & OUTPORT_A20);

    out8(m, PORT_A, 0x02);
    CHECK(t, !m->reset_requested);
    out8(m, PORT_A, 0x03); /* fast init */
    CHECK(t, m->reset_requested);
    machine_reset(m);
    CHECK(t, !m->reset_requested);
    CHECK(t, in8(m, PORT_A) == 0);
    CHECK(t, a20_open(t, m));

    out8(m, RESET_CONTROL, 0x02);
    CHECK(t, !m->reset_requested);
    close_a20(t, m);
    out8(m, RESET_CONTROL, 0x06); /* hard reset */
    CHECK(t, m->reset_requested);
    machine_reset(m);
    CHECK(t, !m->reset_requested);
    CHECK(t, in8(m, RESET_CONTROL) == 0);
    CHECK(t, a20_open(t, m));

    /* A write of the output port with bit 0 low pulses the line too. */
    kbc_write_outport(m, OUTPORT_A20);
    CHECK(t, m->reset_requested);
    machine_reset(m);
    CHECK(t, !m->reset_requested);
    machine_destroy(m);
}

/* No display adapter: 0xA0000-0xBFFFF floats high and drops writes, and
 * the RAM on either side stays RAM. */
static void test_video_window(struct suite *t)
{
    struct machine *m = create_small(t);
    static const uint32_t addrs[] = { 0xa0000, 0xa8000, 0xb8000, 0xbfffc };
    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        mem_write(m->mem, addrs[i], 0x12345678, 4);
        CHECK_CASE(t, mem_read(m->mem, addrs[i], 4) == 0xffffffffu, "at 0x%05x", addrs[i]);
        CHECK_CASE(t, mem_ram(m->mem)[addrs[i]] == 0, "RAM under 0x%05x", addrs[i]);
    }
    mem_write(m->mem, 0x9fffc, 0x12345678, 4);
    CHECK(t, mem_read(m->mem, 0x9fffc, 4) == 0x12345678);
    machine_destroy(m);
}

/* Write len bytes of data to the file name in the suite's folder. */
static void write_file(struct suite *t, const char *name, const void *data, size_t len,
                       char *path, size_t path_len)
{
    path_in(t, path, path_len, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "test_pc_board: cannot write %s\n", path);
        exit(2);
    }
}

/* The BIOS at the top of 4 GiB and, for an image of 64 KiB, at 0xF0000:
 * the CPU's first instruction at 0xFFFFFFF0 and the real-mode far jump's
 * target at 0xFFFF0 see the same 16 bytes. */
static void test_bios(struct suite *t)
{
    uint8_t *image = malloc(BIOS_SIZE);
    if (!image) {
        fprintf(stderr, "test_pc_board: out of memory\n");
        exit(2);
    }
    for (uint32_t i = 0; i < BIOS_SIZE; i++)
        image[i] = (uint8_t)(i * 7 + (i >> 8));
    for (uint32_t i = 0; i < 16; i++)
        image[BIOS_SIZE - 16 + i] = (uint8_t)(0xe0 + i);
    char path[300];
    write_file(t, "bios.bin", image, BIOS_SIZE, path, sizeof(path));

    /* Booting firmware, and next to a kernel. */
    for (int with_kernel = 0; with_kernel < 2; with_kernel++) {
        struct machine_config cfg = kernel_config(t, 8 * MIB);
        if (!with_kernel)
            cfg.kernel_path = NULL;
        cfg.bios_path = path;
        struct machine *m = create(&cfg);
        bool reset_vector = true, low = true, whole = true;
        for (uint32_t i = 0; i < 16; i++) {
            reset_vector &= mem_read(m->mem, 0xfffffff0u + i, 1) == 0xe0u + i;
            low &= mem_read(m->mem, 0xffff0 + i, 1) == 0xe0u + i;
        }
        for (uint32_t i = 0; i < BIOS_SIZE; i += 0x1001) {
            whole &= mem_read(m->mem, 0xffff0000u + i, 1) == image[i];
            whole &= mem_read(m->mem, 0xf0000 + i, 1) == image[i];
        }
        CHECK_CASE(t, reset_vector && low && whole, "kernel: %d", with_kernel);

        /* ROM, and its image below 1 MiB is read from ROM with writes
         * dropped until the firmware opens the PAM. */
        mem_write(m->mem, 0xfffffff0u, 0, 4);
        mem_write(m->mem, 0xffff0, 0, 4);
        mem_write(m->mem, 0xffff0000u, 0, 1);
        CHECK_CASE(t, mem_read(m->mem, 0xfffffff0u, 4) == 0xe3e2e1e0u, "kernel: %d", with_kernel);
        CHECK_CASE(t, mem_read(m->mem, 0xffff0, 4) == 0xe3e2e1e0u, "kernel: %d", with_kernel);
        CHECK_CASE(t, mem_read(m->mem, 0xffff0000u, 1) == image[0], "kernel: %d", with_kernel);
        machine_destroy(m);
    }
    unlink(path);
    free(image);
}

/* Each -bios that cannot serve: NULL and one line naming the file. */
static void test_bad_bios(struct suite *t)
{
    static const uint8_t thousand[1000];
    char missing[300], sized[300], empty[300];
    path_in(t, missing, sizeof(missing), "missing.bin");
    write_file(t, "short.bin", thousand, sizeof(thousand), sized, sizeof(sized));
    write_file(t, "empty.bin", thousand, 0, empty, sizeof(empty));
    const char *paths[] = { missing, t->dir, sized, empty };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        for (int with_kernel = 0; with_kernel < 2; with_kernel++) {
            struct machine_config cfg = kernel_config(t, 8 * MIB);
            if (!with_kernel)
                cfg.kernel_path = NULL;
            cfg.bios_path = paths[i];
            char err[512] = "";
            struct machine *m = machine_create(&cfg, err, sizeof(err));
            CHECK_CASE(t, m == NULL, "%s, kernel %d", paths[i], with_kernel);
            CHECK_CASE(t, strncmp(err, "-bios:", 6) == 0 && strstr(err, paths[i]) &&
                              !strchr(err, '\n'),
                       "%s, kernel %d: '%s'", paths[i], with_kernel, err);
            machine_destroy(m);
        }
    }
    unlink(sized);
    unlink(empty);
}

/* The debug console at 0x402 (-debugcon file:PATH). */
static void test_debugcon(struct suite *t)
{
    char path[300], spec[310];
    path_in(t, path, sizeof(path), "debugcon.out");
    snprintf(spec, sizeof(spec), "file:%s", path);
    struct machine_config cfg = kernel_config(t, 8 * MIB);
    cfg.debugcon = spec;
    struct machine *m = create(&cfg);
    CHECK(t, in8(m, MACHINE_DEBUGCON_PORT) == 0xe9);
    static const char text[] = "POST ok\n";
    for (const char *p = text; *p; p++)
        out8(m, MACHINE_DEBUGCON_PORT, (uint8_t)*p);
    machine_destroy(m);

    char out[64] = "";
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    CHECK_STR(t, out, text);
    unlink(path);

    /* Absent without -debugcon: the port floats. */
    m = create_small(t);
    CHECK(t, in8(m, MACHINE_DEBUGCON_PORT) == 0xff);
    machine_destroy(m);
}

/* COM1 and COM2, found through their scratch registers. */
static void test_serial_ports(struct suite *t)
{
    static const uint16_t scratch[] = { 0x3f8 + 7, 0x2f8 + 7 };
    struct machine_config cfg = kernel_config(t, 8 * MIB);
    cfg.serial[0] = "null";
    cfg.serial[1] = "null";
    struct machine *m = create(&cfg);
    for (size_t i = 0; i < 2; i++) {
        out8(m, scratch[i], (uint8_t)(0x5a + i));
        CHECK_CASE(t, in8(m, scratch[i]) == 0x5a + i, "COM%zu", i + 1);
    }
    machine_destroy(m);

    cfg.serial[1] = NULL;
    m = create(&cfg);
    out8(m, scratch[0], 0x33);
    out8(m, scratch[1], 0x33);
    CHECK(t, in8(m, scratch[0]) == 0x33);
    CHECK(t, in8(m, scratch[1]) == 0xff);
    machine_destroy(m);
}

int main(void)
{
    struct suite suite = { 0 };
    struct suite *t = &suite;
    build_kernel(t->kernel);
    memcpy(t->dir, DIR_TEMPLATE, sizeof(DIR_TEMPLATE));
    if (!mkdtemp(t->dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_pci_ids(t);
    test_cmos_memory(t);
    test_fw_cfg(t);
    test_a20(t);
    test_reset_lines(t);
    test_video_window(t);
    test_bios(t);
    test_bad_bios(t);
    test_debugcon(t);
    test_serial_ports(t);
    rmdir(t->dir);
    return UNIT_REPORT(t);
}
