/*
 * QEMU's firmware configuration interface (fw_cfg) at the PC's I/O ports:
 * selector 0x510, data 0x511, DMA address 0x514-0x51b. SeaBIOS reads its
 * configuration (memory map, CPU count, boot menu, option ROMs, ACPI and
 * SMBIOS tables) through it.
 */
#ifndef HW_FW_CFG_H
#define HW_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "lintas/io.h"
#include "lintas/log.h"
#include "lintas/mem.h"
#include "lintas/state.h"

#define FW_CFG_IO_BASE 0x510

/* Fixed item keys (QEMU docs/specs/fw_cfg.rst). The device itself provides
 * SIGNATURE, ID and FILE_DIR; the board adds the others it wants. Values of
 * the integer items are little-endian. */
enum {
    FW_CFG_SIGNATURE = 0x0000,   /* "QEMU" */
    FW_CFG_ID = 0x0001,          /* le32 feature bits: 1 traditional, 2 DMA */
    FW_CFG_UUID = 0x0002,        /* 16 bytes */
    FW_CFG_RAM_SIZE = 0x0003,    /* le64 */
    FW_CFG_NOGRAPHIC = 0x0004,   /* le16 */
    FW_CFG_NB_CPUS = 0x0005,     /* le16, CPUs present; SeaBIOS counts them */
    FW_CFG_MACHINE_ID = 0x0006,  /* le32 */
    /* Direct kernel boot, read by the Linux boot option ROM. */
    FW_CFG_KERNEL_ADDR = 0x0007, /* le32 */
    FW_CFG_KERNEL_SIZE = 0x0008, /* le32 */
    FW_CFG_KERNEL_CMDLINE = 0x0009,
    FW_CFG_INITRD_ADDR = 0x000a, /* le32 */
    FW_CFG_INITRD_SIZE = 0x000b, /* le32 */
    FW_CFG_BOOT_DEVICE = 0x000c, /* le16 */
    FW_CFG_NUMA = 0x000d,        /* le64 count, then per-CPU node, per-node memory */
    FW_CFG_BOOT_MENU = 0x000e,   /* le16; SeaBIOS: "etc/show-boot-menu" */
    FW_CFG_MAX_CPUS = 0x000f,    /* le16; SeaBIOS: "etc/max-cpus" */
    FW_CFG_KERNEL_ENTRY = 0x0010,
    FW_CFG_KERNEL_DATA = 0x0011,
    FW_CFG_INITRD_DATA = 0x0012,
    FW_CFG_CMDLINE_ADDR = 0x0013,
    FW_CFG_CMDLINE_SIZE = 0x0014,
    FW_CFG_CMDLINE_DATA = 0x0015,
    FW_CFG_SETUP_ADDR = 0x0016,
    FW_CFG_SETUP_SIZE = 0x0017,
    FW_CFG_SETUP_DATA = 0x0018,
    FW_CFG_FILE_DIR = 0x0019,    /* be32 count, then 64-byte entries */
    FW_CFG_FILE_FIRST = 0x0020,  /* the first selector given to a named file */
    /* x86 items (bit 15: architecture-local). SeaBIOS reads E820_TABLE, a
     * le32 count of {le64 address, le64 length, le32 type} reservations,
     * only when "etc/e820" is absent. */
    FW_CFG_ACPI_TABLES = 0x8000,
    FW_CFG_SMBIOS_ENTRIES = 0x8001,
    FW_CFG_IRQ0_OVERRIDE = 0x8002, /* le32; SeaBIOS: "etc/irq0-override" */
    FW_CFG_E820_TABLE = 0x8003,
};

/* A file name is at most this many bytes, its terminating NUL included. */
#define FW_CFG_MAX_FILE_PATH 56

struct fw_cfg;

/* Claim ports 0x510-0x51b on io (0x512-0x513 unused). DMA transfers reach guest
 * RAM in mem. log (may be NULL) must outlive the device and gets its
 * guest_errors reports. Returns NULL when the ports are taken or memory
 * runs out. */
struct fw_cfg *fw_cfg_create(struct io_bus *io, struct phys_mem *mem, const struct logger *log);
void fw_cfg_destroy(struct fw_cfg *fw);

/* Board reset: selects the signature item; the items stay. */
void fw_cfg_reset(struct fw_cfg *fw);

/* Add or replace the item at a fixed key, from a copy of len bytes of data.
 * Returns -1 for a key the device owns (SIGNATURE, ID, FILE_DIR), a key
 * in the file range or with bit 14 set, or when memory runs out. */
int fw_cfg_add_bytes(struct fw_cfg *fw, uint16_t key, const void *data, size_t len);

/* Add a named file, from a copy of len bytes of data. Files get selectors
 * from FW_CFG_FILE_FIRST upward in the byte order of their names, so adding
 * one renumbers those after it: add every file before the guest runs.
 * Returns -1 when the name is empty, too long, already there, or memory
 * runs out. */
int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, size_t len);

/* The guest-visible cursor (selector, offset into the item, DMA address
 * high half), for state_save and state_load with a struct fw_cfg as the
 * object. The items are configuration, not state: the board adds them
 * again before loading, and loading refuses a cursor past their end. */
extern const struct state_desc fw_cfg_state_desc;

#endif
