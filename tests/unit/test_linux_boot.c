/* The Linux bzImage loader: the setup header parser and address choice,
 * hostile headers refused in one line, and the fw_cfg items the option
 * ROM reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/fw_cfg.h"
#include "lintas/io.h"
#include "lintas/mem.h"
#include "unit_check.h"
#include "vm/linux_boot.h"

#define MIB (1u << 20)
#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define KERNEL_BODY 0x3000
#define IMAGE_SIZE (SETUP_SIZE + KERNEL_BODY)

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A well-formed protocol 2.15 bzImage header, as Debian's 6.1 kernels
 * carry, over a kernel body of KERNEL_BODY bytes. */
static void make_image(uint8_t *image)
{
    memset(image, 0, IMAGE_SIZE);
    image[0x1f1] = SETUP_SECTS;
    put16(image + 0x1fe, 0xaa55);
    memcpy(image + 0x202, "HdrS", 4);
    put16(image + 0x206, 0x020f);
    image[0x211] = 0x01;                /* LOADED_HIGH */
    put32(image + 0x22c, 0x7fffffff);   /* initrd_addr_max */
    put32(image + 0x238, 2047);         /* cmdline_size */
    put32(image + 0x258, 0x1000000);    /* pref_address */
    put32(image + 0x260, 0x40000);      /* init_size */
    for (size_t i = SETUP_SIZE; i < IMAGE_SIZE; i++)
        image[i] = (uint8_t)(i * 7);
}

static void test_parse(struct unit_tally *t)
{
    static uint8_t image[IMAGE_SIZE];
    make_image(image);
    struct bzimage_header h;
    char err[256] = "";
    CHECK(t, linux_boot_is_bzimage(image, IMAGE_SIZE));
    CHECK(t, linux_boot_parse(image, IMAGE_SIZE, &h, err, sizeof(err)) == 0);
    CHECK(t, h.version == 0x020f);
    CHECK(t, h.setup_size == SETUP_SIZE);
    CHECK(t, h.kernel_size == KERNEL_BODY);
    CHECK(t, h.initrd_addr_max == 0x7fffffff);
    CHECK(t, h.cmdline_size == 2047);
    CHECK(t, h.init_size == 0x40000);
    CHECK(t, h.pref_address == 0x1000000);

    /* setup_sects 0 means 4; before 2.03 and 2.06 the defaults apply. */
    image[0x1f1] = 0;
    put16(image + 0x206, 0x0202);
    CHECK(t, linux_boot_parse(image, IMAGE_SIZE, &h, err, sizeof(err)) == 0);
    CHECK(t, h.setup_size == SETUP_SIZE);
    CHECK(t, h.initrd_addr_max == 0x37ffffff);
    CHECK(t, h.cmdline_size == 255);
    CHECK(t, h.init_size == 0 && h.pref_address == 0);
}

/* One broken field at a time: each refusal says why, on one line. */
static void test_hostile_headers(struct unit_tally *t)
{
    static const struct {
        size_t offset;
        uint8_t value;
        size_t size; /* 0: the whole image */
        const char *want;
    } cases[] = {
        { 0x202, 'X', 0, "no Linux boot header" },
        { 0x1fe, 0x00, 0, "no Linux boot header" },
        { 0x206, 0x01, 0, "boot protocol 2.01 is older than 2.02" },
        { 0x207, 0x01, 0, "boot protocol 1.15 is older than 2.02" },
        { 0x211, 0x00, 0, "a zImage" },
        { 0x1f1, 0x40, 0, "setup code of 33280 bytes is larger than 32768" },
        { 0x1f1, 0xff, 0, "setup code of 131072 bytes" },
        { 0x1f1, SETUP_SECTS, SETUP_SIZE, "ends inside its 2560 bytes of setup code" },
        { 0x1f1, SETUP_SECTS, 0x300, "ends inside" },
        { 0x1f1, SETUP_SECTS, 0x205, "no Linux boot header" },
        { 0x1f1, SETUP_SECTS, 1, "no Linux boot header" },
    };
    static uint8_t image[IMAGE_SIZE];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        make_image(image);
        image[cases[i].offset] = cases[i].value;
        size_t size = cases[i].size ? cases[i].size : IMAGE_SIZE;
        struct bzimage_header h;
        char err[256] = "";
        CHECK_CASE(t, linux_boot_parse(image, size, &h, err, sizeof(err)) < 0, "case %zu", i);
        CHECK_CASE(t, strstr(err, cases[i].want) && !strchr(err, '\n'), "case %zu: '%s'", i,
                   err);
    }
}

static void test_place(struct unit_tally *t)
{
    static uint8_t image[IMAGE_SIZE];
    make_image(image);
    struct bzimage_header h;
    struct linux_boot_layout at;
    char err[256] = "";
    CHECK(t, linux_boot_parse(image, IMAGE_SIZE, &h, err, sizeof(err)) == 0);

    /* The initrd as high as it goes, page aligned, under the firmware's
     * top 256 KiB. */
    CHECK(t, linux_boot_place(&h, 5000, 10, 64 * MIB, &at, err, sizeof(err)) == 0);
    CHECK(t, at.setup_addr == 0x10000 && at.cmdline_addr == 0x20000);
    CHECK(t, at.kernel_addr == 0x100000);
    CHECK(t, at.initrd_addr == ((64 * MIB - 0x40000 - 5000) & ~0xfffu));
    CHECK(t, linux_boot_place(&h, 0, 0, 64 * MIB, &at, err, sizeof(err)) == 0);
    CHECK(t, at.initrd_addr == 0);

    /* initrd_addr_max below the top of RAM. */
    h.initrd_addr_max = 0x1ffffff;
    CHECK(t, linux_boot_place(&h, 0x1000, 0, 64 * MIB, &at, err, sizeof(err)) == 0);
    CHECK(t, at.initrd_addr == 0x2000000 - 0x1000);
    /* ... and below the kernel's decompression area. */
    h.initrd_addr_max = 0x1000fff;
    CHECK(t, linux_boot_place(&h, 0x1000, 0, 64 * MIB, &at, err, sizeof(err)) < 0);
    CHECK(t, strstr(err, "no room for an initrd of 4096 bytes") != NULL);
    h.initrd_addr_max = 0x7fffffff;

    CHECK(t, linux_boot_place(&h, 60 * MIB, 0, 64 * MIB, &at, err, sizeof(err)) < 0);
    CHECK(t, strstr(err, "no room for an initrd") != NULL);
    CHECK(t, linux_boot_place(&h, 0, 2048, 64 * MIB, &at, err, sizeof(err)) < 0);
    CHECK(t, strcmp(err, "command line of 2048 bytes is longer than the kernel's 2047") == 0);
    h.cmdline_size = 0xffffffff;
    CHECK(t, linux_boot_place(&h, 0, 0x10000, 64 * MIB, &at, err, sizeof(err)) < 0);
    CHECK(t, strstr(err, "command line of 65536 bytes is longer than 65535") != NULL);

    /* RAM too small for the kernel to decompress at 16 MiB. */
    CHECK(t, linux_boot_place(&h, 0, 0, 16 * MIB, &at, err, sizeof(err)) < 0);
    CHECK(t, strcmp(err, "the kernel needs RAM up to 17 MiB, more than the 15 MiB usable") == 0);
    h.init_size = 0xffffffff;
    h.pref_address = ~0ull - 10;
    CHECK(t, linux_boot_place(&h, 0, 0, 3584ull * MIB, &at, err, sizeof(err)) < 0);
}

/* Random headers behind a valid magic: a clean answer every time, and any
 * layout accepted keeps every piece in RAM and apart (run under the
 * sanitizers). */
static void test_random_headers(struct unit_tally *t)
{
    static uint8_t image[0x9000];
    uint32_t seed = 4242;
    for (int iter = 0; iter < 20000; iter++) {
        for (size_t i = 0x1f0; i < 0x270; i++) {
            seed = seed * 1103515245u + 12345u;
            image[i] = (uint8_t)(seed >> 16);
        }
        put16(image + 0x1fe, 0xaa55);
        memcpy(image + 0x202, "HdrS", 4);
        if (iter & 1)
            image[0x207] = 2;
        if (iter & 2)
            image[0x1f1] &= 0x3f;
        if (iter & 4)
            image[0x211] |= 1;
        size_t size = (size_t)(seed >> 8) % sizeof(image);
        uint64_t ram = ((uint64_t)(seed & 0xff) + 1) * MIB / (iter & 8 ? 1 : 4);
        size_t initrd = (size_t)(seed >> 4) % (8 * MIB);
        size_t cmdline = (size_t)(seed >> 12) % 300;
        struct bzimage_header h;
        struct linux_boot_layout at;
        char err[256] = "";
        if (linux_boot_parse(image, size, &h, err, sizeof(err)) < 0 ||
            linux_boot_place(&h, initrd, cmdline, ram, &at, err, sizeof(err)) < 0) {
            CHECK_CASE(t, err[0] && !strchr(err, '\n'), "iteration %d", iter);
            continue;
        }
        uint64_t kernel_end = at.kernel_addr + (uint64_t)h.kernel_size;
        CHECK_CASE(t, h.setup_size + h.kernel_size == size, "iteration %d", iter);
        CHECK_CASE(t, kernel_end <= ram && cmdline <= h.cmdline_size, "iteration %d", iter);
        if (initrd)
            CHECK_CASE(t,
                       at.initrd_addr >= kernel_end && at.initrd_addr + (uint64_t)initrd <= ram &&
                           at.initrd_addr + (uint64_t)initrd - 1 <= h.initrd_addr_max,
                       "iteration %d", iter);
    }
}

static char *write_temp(const void *data, size_t len)
{
    char *path = strdup("/tmp/lintas-linux-boot-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
        perror("temporary file");
        exit(1);
    }
    close(fd);
    return path;
}

/* Select an item and read len bytes of it through the data port. */
static void read_item(struct io_bus *io, uint16_t key, uint8_t *out, size_t len)
{
    io_write(io, FW_CFG_IO_BASE, key, 2);
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)io_read(io, FW_CFG_IO_BASE + 1, 1);
}

static uint32_t read_le32(struct io_bus *io, uint16_t key)
{
    uint8_t b[4];
    read_item(io, key, b, 4);
    return get32(b);
}

static void test_files_and_fw_cfg(struct unit_tally *t)
{
    static uint8_t image[IMAGE_SIZE];
    make_image(image);
    static const char initrd_data[] = "initrd contents";
    char *kernel = write_temp(image, IMAGE_SIZE);
    char *initrd = write_temp(initrd_data, sizeof(initrd_data));
    char *empty = write_temp("", 0);
    struct machine_config cfg = { .ram_size = 32 * MIB, .kernel_path = kernel,
                                  .append = "console=ttyS0", .initrd = initrd };
    char err[256] = "";

    CHECK(t, linux_boot_config_is_bzimage(&cfg));
    struct machine_config bad = cfg;
    bad.kernel_path = "/nonexistent/vmlinuz";
    CHECK(t, !linux_boot_config_is_bzimage(&bad));
    bad = cfg;
    bad.initrd = "/nonexistent/initrd";
    CHECK(t, linux_boot_open(&bad, err, sizeof(err)) == NULL);
    CHECK_STR(t, err, "-initrd: cannot open '/nonexistent/initrd': No such file or directory");
    bad.initrd = empty;
    CHECK(t, linux_boot_open(&bad, err, sizeof(err)) == NULL);
    CHECK(t, strstr(err, "-initrd: '") == err && strstr(err, "' is empty") != NULL);
    bad = cfg;
    bad.ram_size = 16 * MIB;
    CHECK(t, linux_boot_open(&bad, err, sizeof(err)) == NULL);
    CHECK(t, strncmp(err, "-kernel: '", 10) == 0 && strstr(err, "needs RAM") != NULL);

    struct linux_boot *lb = linux_boot_open(&cfg, err, sizeof(err));
    struct io_bus *io = io_create();
    struct phys_mem *mem = mem_create(cfg.ram_size);
    struct fw_cfg *fw = fw_cfg_create(io, mem, NULL);
    if (!CHECK_MSG(t, lb && io && mem && fw, "setup: %s", err))
        return;
    CHECK(t, linux_boot_add_fw_cfg(lb, fw, err, sizeof(err)) == 0);

    CHECK(t, read_le32(io, FW_CFG_SETUP_ADDR) == 0x10000);
    CHECK(t, read_le32(io, FW_CFG_SETUP_SIZE) == SETUP_SIZE);
    CHECK(t, read_le32(io, FW_CFG_KERNEL_ADDR) == 0x100000);
    CHECK(t, read_le32(io, FW_CFG_KERNEL_SIZE) == KERNEL_BODY);
    uint32_t initrd_addr = read_le32(io, FW_CFG_INITRD_ADDR);
    CHECK(t, initrd_addr == ((32 * MIB - 0x40000 - sizeof(initrd_data)) & ~0xfffu));
    CHECK(t, read_le32(io, FW_CFG_INITRD_SIZE) == sizeof(initrd_data));
    CHECK(t, read_le32(io, FW_CFG_CMDLINE_ADDR) == 0x20000);
    CHECK(t, read_le32(io, FW_CFG_CMDLINE_SIZE) == sizeof("console=ttyS0"));

    /* The setup header as a boot loader leaves it. */
    static uint8_t setup[SETUP_SIZE];
    read_item(io, FW_CFG_SETUP_DATA, setup, SETUP_SIZE);
    CHECK(t, setup[0x210] == 0xff);                        /* type_of_loader */
    CHECK(t, setup[0x211] == 0x81);                        /* LOADED_HIGH | CAN_USE_HEAP */
    CHECK(t, (setup[0x224] | setup[0x225] << 8) == 0xfc00); /* heap_end_ptr */
    CHECK(t, get32(setup + 0x228) == 0x20000);             /* cmd_line_ptr */
    CHECK(t, get32(setup + 0x218) == initrd_addr);         /* ramdisk_image */
    CHECK(t, get32(setup + 0x21c) == sizeof(initrd_data)); /* ramdisk_size */
    static uint8_t body[KERNEL_BODY];
    read_item(io, FW_CFG_KERNEL_DATA, body, KERNEL_BODY);
    CHECK(t, memcmp(body, image + SETUP_SIZE, KERNEL_BODY) == 0);
    char text[32];
    read_item(io, FW_CFG_CMDLINE_DATA, (uint8_t *)text, sizeof("console=ttyS0"));
    CHECK(t, strcmp(text, "console=ttyS0") == 0);
    read_item(io, FW_CFG_INITRD_DATA, (uint8_t *)text, sizeof(initrd_data));
    CHECK(t, strcmp(text, initrd_data) == 0);

    fw_cfg_destroy(fw);
    mem_destroy(mem);
    io_destroy(io);
    linux_boot_free(lb);
    unlink(kernel);
    unlink(initrd);
    unlink(empty);
    free(kernel);
    free(initrd);
    free(empty);
}

int main(void)
{
    struct unit_tally t = { 0 };
    test_parse(&t);
    test_hostile_headers(&t);
    test_place(&t);
    test_random_headers(&t);
    test_files_and_fw_cfg(&t);
    return UNIT_REPORT(&t);
}
