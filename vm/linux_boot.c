/*
 * Linux bzImage boot through the firmware (see vm/linux_boot.h).
 *
 * Field offsets, versions and the memory layout follow the Linux x86 boot
 * protocol (Documentation/arch/x86/boot.rst). Every header field of the
 * file is untrusted: sizes are checked against the file and addresses
 * against RAM before anything is handed to the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/fw_cfg.h"
#include "lintas/log.h"
#include "roms/linuxboot_rom.h"
#include "vm/linux_boot.h"

/* Setup header offsets (boot.rst, "The real-mode kernel header"). */
enum {
    HDR_SETUP_SECTS = 0x1f1,
    HDR_VID_MODE = 0x1fa,
    HDR_BOOT_FLAG = 0x1fe,
    HDR_MAGIC = 0x202,
    HDR_VERSION = 0x206,
    HDR_TYPE_OF_LOADER = 0x210,
    HDR_LOADFLAGS = 0x211,
    HDR_RAMDISK_IMAGE = 0x218,
    HDR_RAMDISK_SIZE = 0x21c,
    HDR_HEAP_END_PTR = 0x224,
    HDR_CMD_LINE_PTR = 0x228,
    HDR_INITRD_ADDR_MAX = 0x22c,
    HDR_CMDLINE_SIZE = 0x238,
    HDR_PREF_ADDRESS = 0x258,
    HDR_INIT_SIZE = 0x260,
};

#define BOOT_FLAG 0xaa55
#define HDRS_MAGIC 0x53726448u /* "HdrS" */
#define LOADED_HIGH 0x01       /* loadflags: protected-mode code at 1 MiB */
#define CAN_USE_HEAP 0x80      /* loadflags: heap_end_ptr is valid */
#define LOADER_UNDEFINED 0xff  /* type_of_loader for a loader without an assigned ID */
#define VID_MODE_NORMAL 0xffff

#define MIN_VERSION 0x0202          /* cmd_line_ptr, the 32-bit command line */
#define DEFAULT_INITRD_MAX 0x37ffffffu /* before 2.03 */
#define DEFAULT_CMDLINE_SIZE 255       /* before 2.06 */

/* The layout of boot.rst's "modern bzImage" memory map, with the real-mode
 * code as low as the firmware allows: setup at X = 0x10000, its heap and
 * stack up to X + 0x10000, the command line from there, the kernel at
 * 1 MiB. The setup code, heap included, stays within X + 0x8000. */
#define SETUP_ADDR 0x10000u
#define SETUP_MAX 0x8000u
#define HEAP_END 0xfe00u          /* from X; the stack sits above the heap */
#define CMDLINE_ADDR 0x20000u
#define CMDLINE_MAX 0x10000u      /* ends at 0x30000, far below the EBDA */
#define KERNEL_ADDR 0x100000u
#define PAGE_SIZE 0x1000u
/* SeaBIOS builds its tables (ACPI, SMBIOS, MP) at the top of RAM and keeps
 * what they use reserved in its e820 map, a few KiB on this board; the
 * initrd stays below the top 256 KiB, as it leaves room for more. */
#define FIRMWARE_HIGH_RESERVE 0x40000u
#define MAX_FILE_SIZE (1ull << 30)

struct linux_boot {
    uint8_t *kernel; /* the whole file; its setup header already filled in */
    size_t kernel_size;
    uint8_t *initrd;
    size_t initrd_size;
    char *cmdline;
    struct bzimage_header hdr;
    struct linux_boot_layout layout;
};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

bool linux_boot_is_bzimage(const uint8_t *data, size_t size)
{
    return size >= HDR_MAGIC + 4 && get16(data + HDR_BOOT_FLAG) == BOOT_FLAG &&
           get32(data + HDR_MAGIC) == HDRS_MAGIC;
}

bool linux_boot_config_is_bzimage(const struct machine_config *cfg)
{
    if (!cfg->kernel_path)
        return false;
    if (cfg->kernel_image)
        return linux_boot_is_bzimage(cfg->kernel_image, cfg->kernel_image_size);
    uint8_t head[HDR_MAGIC + 4];
    FILE *f = fopen(cfg->kernel_path, "rb");
    if (!f)
        return false;
    size_t n = fread(head, 1, sizeof(head), f);
    fclose(f);
    return linux_boot_is_bzimage(head, n);
}

int linux_boot_parse(const uint8_t *data, size_t size, struct bzimage_header *h, char *err,
                     size_t errlen)
{
    if (!linux_boot_is_bzimage(data, size))
        return fail(err, errlen, "no Linux boot header (\"HdrS\" at 0x202)");
    /* Every field read below lies in the first 1 KiB, and the setup code
     * is at least that long (setup_sects 0 means 4). */
    unsigned sects = data[HDR_SETUP_SECTS] ? data[HDR_SETUP_SECTS] : 4;
    size_t setup_size = ((size_t)sects + 1) * 512;
    uint16_t version = get16(data + HDR_VERSION);
    if (version < MIN_VERSION)
        return fail(err, errlen, "boot protocol %u.%02u is older than 2.02", version >> 8,
                    version & 0xff);
    if (!(data[HDR_LOADFLAGS] & LOADED_HIGH))
        return fail(err, errlen, "a zImage (kernel loaded below 1 MiB) is not supported");
    if (setup_size > SETUP_MAX)
        return fail(err, errlen, "setup code of %zu bytes is larger than %u", setup_size,
                    SETUP_MAX);
    if (setup_size >= size)
        return fail(err, errlen, "file of %zu bytes ends inside its %zu bytes of setup code",
                    size, setup_size);
    *h = (struct bzimage_header){
        .version = version,
        .setup_size = setup_size,
        .kernel_size = size - setup_size,
        .initrd_addr_max = version >= 0x0203 ? get32(data + HDR_INITRD_ADDR_MAX)
                                             : DEFAULT_INITRD_MAX,
        .cmdline_size = version >= 0x0206 ? get32(data + HDR_CMDLINE_SIZE)
                                          : DEFAULT_CMDLINE_SIZE,
    };
    if (version >= 0x020a) {
        h->init_size = get32(data + HDR_INIT_SIZE);
        h->pref_address = (uint64_t)get32(data + HDR_PREF_ADDRESS) |
                          (uint64_t)get32(data + HDR_PREF_ADDRESS + 4) << 32;
    }
    return 0;
}

int linux_boot_place(const struct bzimage_header *h, size_t initrd_size, size_t cmdline_len,
                     uint64_t ram_size, struct linux_boot_layout *out, char *err,
                     size_t errlen)
{
    if (cmdline_len > h->cmdline_size)
        return fail(err, errlen, "command line of %zu bytes is longer than the kernel's %u",
                    cmdline_len, h->cmdline_size);
    if (cmdline_len >= CMDLINE_MAX)
        return fail(err, errlen, "command line of %zu bytes is longer than %u", cmdline_len,
                    CMDLINE_MAX - 1);
    uint64_t kernel_end = (uint64_t)KERNEL_ADDR + h->kernel_size;
    /* A compressed kernel decompresses into init_size bytes at its
     * preferred address; that memory must not hold the initrd. */
    uint64_t need_end = kernel_end;
    if (h->init_size) {
        uint64_t run_at = h->pref_address > KERNEL_ADDR ? h->pref_address : KERNEL_ADDR;
        if (run_at + h->init_size > need_end)
            need_end = run_at + h->init_size;
    }
    uint64_t usable = ram_size > FIRMWARE_HIGH_RESERVE ? ram_size - FIRMWARE_HIGH_RESERVE : 0;
    if (need_end > usable)
        return fail(err, errlen,
                    "the kernel needs RAM up to %llu MiB, more than the %llu MiB usable",
                    (unsigned long long)((need_end + 0xfffff) >> 20),
                    (unsigned long long)(usable >> 20));
    *out = (struct linux_boot_layout){
        .setup_addr = SETUP_ADDR,
        .cmdline_addr = CMDLINE_ADDR,
        .kernel_addr = KERNEL_ADDR,
    };
    if (initrd_size == 0)
        return 0;
    /* The initrd goes as high as allowed, page aligned (boot.rst,
     * "ramdisk_image"), below the firmware's tables. */
    uint64_t top = usable;
    if ((uint64_t)h->initrd_addr_max + 1 < top)
        top = (uint64_t)h->initrd_addr_max + 1;
    if (initrd_size > top || ((top - initrd_size) & ~(uint64_t)(PAGE_SIZE - 1)) < need_end)
        return fail(err, errlen,
                    "no room for an initrd of %zu bytes between the kernel's end at 0x%llx "
                    "and 0x%llx",
                    initrd_size, (unsigned long long)need_end, (unsigned long long)top);
    out->initrd_addr = (uint32_t)((top - initrd_size) & ~(uint64_t)(PAGE_SIZE - 1));
    return 0;
}

/* The whole of path, at most 1 GiB. */
static int read_file(const char *opt, const char *path, uint8_t **data, size_t *size, char *err,
                     size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, "%s: cannot open '%s': %s", opt, path, strerror(errno));
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fail(err, errlen, "%s: '%s' is not a regular file", opt, path);
    } else if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
        fail(err, errlen, "%s: '%s' is too large (over 1 GiB)", opt, path);
    } else if (!(buf = malloc(st.st_size ? (size_t)st.st_size : 1))) {
        fail(err, errlen, "%s: '%s': out of memory", opt, path);
    } else {
        size_t len = (size_t)st.st_size, got = 0;
        while (got < len) {
            ssize_t n = read(fd, buf + got, len - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                fail(err, errlen, "%s: cannot read '%s': %s", opt, path,
                     n < 0 ? strerror(errno) : "file shrank while reading");
                free(buf);
                buf = NULL;
                break;
            }
            got += (size_t)n;
        }
        *size = len;
    }
    close(fd);
    *data = buf;
    return buf ? 0 : -1;
}

/* What a boot loader writes into the setup header (boot.rst, "Details of
 * header fields"): who loaded the kernel, the heap it may use, where the
 * command line and initrd are. */
static void fill_header(struct linux_boot *lb)
{
    uint8_t *setup = lb->kernel;
    const struct linux_boot_layout *at = &lb->layout;
    put_le(setup + HDR_VID_MODE, VID_MODE_NORMAL, 2);
    setup[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    setup[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    put_le(setup + HDR_HEAP_END_PTR, HEAP_END - 0x200, 2);
    put_le(setup + HDR_CMD_LINE_PTR, at->cmdline_addr, 4);
    put_le(setup + HDR_RAMDISK_IMAGE, at->initrd_addr, 4);
    put_le(setup + HDR_RAMDISK_SIZE, lb->initrd_size, 4);
}

struct linux_boot *linux_boot_open(const struct machine_config *cfg, char *err, size_t errlen)
{
    struct linux_boot *lb = calloc(1, sizeof(*lb));
    const char *append = cfg->append ? cfg->append : "";
    if (!lb || !(lb->cmdline = strdup(append))) {
        fail(err, errlen, "-kernel: out of memory");
        goto fail;
    }
    if (cfg->kernel_image) {
        lb->kernel_size = cfg->kernel_image_size;
        if (!(lb->kernel = malloc(lb->kernel_size ? lb->kernel_size : 1))) {
            fail(err, errlen, "-kernel: out of memory");
            goto fail;
        }
        memcpy(lb->kernel, cfg->kernel_image, lb->kernel_size);
    } else if (read_file("-kernel", cfg->kernel_path, &lb->kernel, &lb->kernel_size, err,
                         errlen) < 0) {
        goto fail;
    }
    char why[200];
    if (linux_boot_parse(lb->kernel, lb->kernel_size, &lb->hdr, why, sizeof(why)) < 0) {
        fail(err, errlen, "-kernel: '%s': %s", cfg->kernel_path, why);
        goto fail;
    }
    if (cfg->initrd &&
        read_file("-initrd", cfg->initrd, &lb->initrd, &lb->initrd_size, err, errlen) < 0)
        goto fail;
    if (lb->initrd && lb->initrd_size == 0) {
        fail(err, errlen, "-initrd: '%s' is empty", cfg->initrd);
        goto fail;
    }
    if (lb->initrd_size > UINT32_MAX) {
        fail(err, errlen, "-initrd: '%s' is too large", cfg->initrd);
        goto fail;
    }
    if (linux_boot_place(&lb->hdr, lb->initrd_size, strlen(lb->cmdline), cfg->ram_size,
                         &lb->layout, why, sizeof(why)) < 0) {
        fail(err, errlen, "-kernel: '%s': %s", cfg->kernel_path, why);
        goto fail;
    }
    fill_header(lb);
    return lb;

fail:
    linux_boot_free(lb);
    return NULL;
}

void linux_boot_free(struct linux_boot *lb)
{
    if (!lb)
        return;
    free(lb->kernel);
    free(lb->initrd);
    free(lb->cmdline);
    free(lb);
}

static int add_le32(struct fw_cfg *fw, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    put_le(b, v, 4);
    return fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

/* The option ROM with its checksum byte (the last) set so that all its
 * bytes add up to 0, as the PCI firmware specification asks of an
 * expansion ROM image. */
static int add_rom(struct fw_cfg *fw)
{
    uint8_t *rom = malloc(linuxboot_rom_size);
    if (!rom)
        return -1;
    memcpy(rom, linuxboot_rom_image, linuxboot_rom_size);
    uint8_t sum = 0;
    for (size_t i = 0; i + 1 < linuxboot_rom_size; i++)
        sum = (uint8_t)(sum + rom[i]);
    rom[linuxboot_rom_size - 1] = (uint8_t)-sum;
    int rc = fw_cfg_add_file(fw, "genroms/linuxboot.bin", rom, linuxboot_rom_size);
    free(rom);
    return rc;
}

int linux_boot_add_fw_cfg(const struct linux_boot *lb, struct fw_cfg *fw, char *err,
                          size_t errlen)
{
    const struct linux_boot_layout *at = &lb->layout;
    size_t setup = lb->hdr.setup_size, cmdline_size = strlen(lb->cmdline) + 1;
    if (add_le32(fw, FW_CFG_SETUP_ADDR, at->setup_addr) < 0 ||
        add_le32(fw, FW_CFG_SETUP_SIZE, (uint32_t)setup) < 0 ||
        fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, lb->kernel, setup) < 0 ||
        add_le32(fw, FW_CFG_KERNEL_ADDR, at->kernel_addr) < 0 ||
        add_le32(fw, FW_CFG_KERNEL_SIZE, (uint32_t)lb->hdr.kernel_size) < 0 ||
        fw_cfg_add_bytes(fw, FW_CFG_KERNEL_DATA, lb->kernel + setup, lb->hdr.kernel_size) < 0 ||
        add_le32(fw, FW_CFG_INITRD_ADDR, at->initrd_addr) < 0 ||
        add_le32(fw, FW_CFG_INITRD_SIZE, (uint32_t)lb->initrd_size) < 0 ||
        fw_cfg_add_bytes(fw, FW_CFG_INITRD_DATA, lb->initrd, lb->initrd_size) < 0 ||
        add_le32(fw, FW_CFG_CMDLINE_ADDR, at->cmdline_addr) < 0 ||
        add_le32(fw, FW_CFG_CMDLINE_SIZE, (uint32_t)cmdline_size) < 0 ||
        fw_cfg_add_bytes(fw, FW_CFG_CMDLINE_DATA, lb->cmdline, cmdline_size) < 0 ||
        fw_cfg_add_bytes(fw, FW_CFG_KERNEL_CMDLINE, lb->cmdline, cmdline_size) < 0 ||
        add_rom(fw) < 0)
        return fail(err, errlen, "fw_cfg: out of memory");
    return 0;
}
