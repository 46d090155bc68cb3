/*
 * Linux kernels (bzImage, x86 boot protocol 2.02 and later) booted through
 * the firmware, as QEMU does: the board hands the real-mode setup code, the
 * protected-mode kernel, the initrd and the command line to the firmware in
 * fw_cfg items, with the option ROM "genroms/linuxboot.bin" (roms/) that
 * copies them into place at boot time and enters the setup code. The
 * kernel then asks the BIOS for its memory map itself.
 */
#ifndef VM_LINUX_BOOT_H
#define VM_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lintas/machine.h"

struct fw_cfg;

/* What a boot loader needs from the setup header (Linux
 * Documentation/arch/x86/boot.rst, "The real-mode kernel header"). */
struct bzimage_header {
    uint16_t version;         /* boot protocol, major << 8 | minor */
    size_t setup_size;        /* boot sector and real-mode setup code, bytes */
    size_t kernel_size;       /* the protected-mode kernel after it */
    uint32_t initrd_addr_max; /* highest address the initrd's last byte may have */
    uint32_t cmdline_size;    /* longest command line, its NUL not counted */
    uint32_t init_size;       /* memory the kernel needs to decompress (2.10+), or 0 */
    uint64_t pref_address;    /* where a relocatable kernel runs (2.10+), or 0 */
};

/* Where the pieces go in guest RAM (physical addresses). */
struct linux_boot_layout {
    uint32_t setup_addr; /* real-mode code; its segment is setup_addr >> 4 */
    uint32_t cmdline_addr;
    uint32_t kernel_addr;
    uint32_t initrd_addr; /* 0 without an initrd */
};

/* Does the start of a file (size bytes) carry the Linux boot header: the
 * boot sector signature and "HdrS" at 0x202? */
bool linux_boot_is_bzimage(const uint8_t *data, size_t size);

/* Does the -kernel of cfg (its file, or its in-memory image) start with
 * the Linux boot header? A file that cannot be read is not one. */
bool linux_boot_config_is_bzimage(const struct machine_config *cfg);

/* Check the header of a whole kernel image and fill h. Returns 0, or -1
 * with the reason in err (no file name: the caller adds it). */
int linux_boot_parse(const uint8_t *data, size_t size, struct bzimage_header *h, char *err,
                     size_t errlen);

/* Choose addresses as a boot loader does, for an initrd of initrd_size
 * bytes (0: none) and a command line of cmdline_len bytes (NUL not
 * counted) in ram_size bytes of RAM. Returns 0, or -1 with the reason in
 * err when something does not fit. */
int linux_boot_place(const struct bzimage_header *h, size_t initrd_size, size_t cmdline_len,
                     uint64_t ram_size, struct linux_boot_layout *out, char *err,
                     size_t errlen);

struct linux_boot;

/* Read and check the kernel and initrd of cfg (-initrd names one file) and
 * fit them into cfg's RAM. Returns NULL with one line in err naming the
 * option and file. */
struct linux_boot *linux_boot_open(const struct machine_config *cfg, char *err, size_t errlen);
void linux_boot_free(struct linux_boot *lb);

/* Put the kernel, initrd, command line, their addresses and the option
 * ROM into fw_cfg. Returns 0, or -1 with one line in err. */
int linux_boot_add_fw_cfg(const struct linux_boot *lb, struct fw_cfg *fw, char *err,
                          size_t errlen);

/* The firmware's "bootorder" file that boots the option ROM first. */
#define LINUX_BOOT_BOOTORDER "/rom@genroms/linuxboot.bin\n"

#endif
