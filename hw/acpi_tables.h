/*
 * The PC board's ACPI tables (ACPI 1.0b, section 5.2): RSDP, RSDT, FADT,
 * FACS and the DSDT compiled from roms/acpi_dsdt.dsl, handed to the
 * firmware through fw_cfg with QEMU's table linker/loader interface:
 * "etc/acpi/tables" holds FACS, DSDT, FADT and RSDT, "etc/acpi/rsdp" the
 * RSDP, and "etc/table-loader" the commands that have the firmware place
 * both in guest memory, fill in the pointers between the tables and fix
 * their checksums (QEMU docs/specs; SeaBIOS src/fw/romfile_loader.c).
 */
#ifndef HW_ACPI_TABLES_H
#define HW_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "hw/fw_cfg.h"

#define ACPI_FILE_TABLES "etc/acpi/tables"
#define ACPI_FILE_RSDP "etc/acpi/rsdp"
#define ACPI_FILE_LOADER "etc/table-loader"

/* The PM I/O base SeaBIOS gives the PIIX4 function (its acpi_pm_base),
 * which the FADT must name. */
#define ACPI_PM_BASE 0x600

/* Table loader commands: 128 bytes each, a le32 command then its
 * arguments; file names are ACPI_LOADER_FILE_LEN bytes, NUL padded. */
#define ACPI_LOADER_ENTRY_SIZE 128
#define ACPI_LOADER_FILE_LEN 56
enum {
    ACPI_LOADER_ALLOCATE = 1,     /* file, le32 alignment, u8 zone */
    ACPI_LOADER_ADD_POINTER = 2,  /* dest file, src file, le32 offset, u8 size */
    ACPI_LOADER_ADD_CHECKSUM = 3, /* file, le32 offset, le32 start, le32 length */
};
enum { ACPI_LOADER_ZONE_HIGH = 1, ACPI_LOADER_ZONE_FSEG = 2 };

#define ACPI_RSDP_SIZE 20 /* ACPI 1.0: no XSDT */
#define ACPI_FADT_SIZE 116
#define ACPI_FACS_SIZE 64

/* The three files, and where each table lies in the tables file. */
struct acpi_tables {
    uint8_t *tables;
    size_t tables_size;
    size_t facs, dsdt, fadt, rsdt; /* offsets in tables */
    uint8_t rsdp[ACPI_RSDP_SIZE];
    uint8_t *loader;
    size_t loader_size;
};

/* Build the tables for PM registers at pm_base. The pointers between
 * tables hold offsets into their file, which the loader's commands turn
 * into addresses; checksums are those of the tables as built, so a table
 * whose pointers are still offsets sums to 0 too. Returns 0, or -1 when
 * memory runs out. */
int acpi_tables_build(struct acpi_tables *t, uint16_t pm_base);
void acpi_tables_free(struct acpi_tables *t);

/* Build the tables and add the three files to fw. Returns 0, or -1 when
 * memory runs out or a file is already there. */
int acpi_tables_install(struct fw_cfg *fw, uint16_t pm_base);

#endif
