/* The board's ACPI tables against ACPI 1.0b section 5.2 (RSDP, RSDT, FADT,
 * FACS, DSDT header and \_S5), and the table loader commands against the
 * fw_cfg linker/loader interface: the commands are carried out here as the
 * firmware does, and the tables they leave in "memory" must have good
 * checksums and pointers to each other. Last, the files as the guest
 * reads them through fw_cfg. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi_tables.h"
#include "hw/fw_cfg.h"
#include "hw/piix4_pm.h"
#include "hw/rtc.h"
#include "lintas/io.h"
#include "lintas/mem.h"
#include "unit_check.h"

#define PM_BASE 0x600
/* Where the loader below places the two files. */
#define TABLES_ADDR 0x07fff000u
#define RSDP_ADDR 0x000f5a40u

static uint32_t le(const uint8_t *p, unsigned bytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

static void build(struct acpi_tables *t)
{
    if (acpi_tables_build(t, PM_BASE) < 0) {
        fprintf(stderr, "test_acpi_tables: out of memory\n");
        exit(2);
    }
}

/* Every table: signature, length, revision, checksum over its length. */
static void check_header(struct unit_tally *t, const uint8_t *p, const char *sig,
                         uint32_t length, uint8_t revision)
{
    CHECK_CASE(t, memcmp(p, sig, 4) == 0, "%s signature", sig);
    CHECK_CASE(t, le(p + 4, 4) == length, "%s length %u", sig, le(p + 4, 4));
    CHECK_CASE(t, p[8] == revision, "%s revision %u", sig, p[8]);
    CHECK_CASE(t, sum(p, length) == 0, "%s checksum", sig);
    CHECK_CASE(t, memcmp(p + 10, "LINTAS", 6) == 0, "%s OEM ID", sig);
}

static void test_tables(struct unit_tally *t)
{
    struct acpi_tables a;
    build(&a);
    const uint8_t *rsdp = a.rsdp, *tb = a.tables;

    CHECK(t, memcmp(rsdp, "RSD PTR ", 8) == 0);
    CHECK(t, sum(rsdp, ACPI_RSDP_SIZE) == 0);
    CHECK(t, rsdp[15] == 0); /* ACPI 1.0 */
    CHECK(t, le(rsdp + 16, 4) == a.rsdt);

    const uint8_t *rsdt = tb + a.rsdt;
    check_header(t, rsdt, "RSDT", 40, 1);
    CHECK(t, le(rsdt + 36, 4) == a.fadt);
    CHECK(t, a.rsdt + 40 == a.tables_size);

    const uint8_t *fadt = tb + a.fadt;
    check_header(t, fadt, "FACP", ACPI_FADT_SIZE, 1);
    CHECK(t, le(fadt + 36, 4) == a.facs);
    CHECK(t, le(fadt + 40, 4) == a.dsdt);
    CHECK(t, fadt[44] == 0);                /* INT_MODEL: dual 8259 */
    CHECK(t, le(fadt + 46, 2) == 9);        /* SCI_INT */
    CHECK(t, le(fadt + 48, 4) == 0xb2);     /* SMI_CMD */
    CHECK(t, fadt[52] == PIIX4_ACPI_ENABLE);
    CHECK(t, fadt[53] == PIIX4_ACPI_DISABLE);
    CHECK(t, le(fadt + 56, 4) == 0x600);    /* PM1a_EVT_BLK */
    CHECK(t, le(fadt + 60, 4) == 0);        /* no PM1b */
    CHECK(t, le(fadt + 64, 4) == 0x604);    /* PM1a_CNT_BLK */
    CHECK(t, le(fadt + 72, 4) == 0);        /* no PM2 */
    CHECK(t, le(fadt + 76, 4) == 0x608);    /* PM_TMR_BLK */
    CHECK(t, le(fadt + 80, 4) == 0x60c);    /* GPE0_BLK */
    CHECK(t, le(fadt + 84, 4) == 0);        /* no GPE1 */
    CHECK(t, fadt[88] == 4 && fadt[89] == 2 && fadt[90] == 0 && fadt[91] == 4);
    CHECK(t, fadt[92] == 4 && fadt[93] == 0);
    CHECK(t, le(fadt + 96, 2) > 100 && le(fadt + 98, 2) > 1000); /* no C2, C3 */
    CHECK(t, fadt[108] == RTC_CMOS_CENTURY);
    CHECK(t, !(le(fadt + 112, 4) & 0x100)); /* TMR_VAL_EXT clear: 24 bits */
    CHECK(t, le(fadt + 112, 4) & 0x1);      /* WBINVD */

    const uint8_t *facs = tb + a.facs;
    CHECK(t, a.facs % 64 == 0);
    CHECK(t, memcmp(facs, "FACS", 4) == 0 && le(facs + 4, 4) == ACPI_FACS_SIZE);

    const uint8_t *dsdt = tb + a.dsdt;
    uint32_t dsdt_len = le(dsdt + 4, 4);
    CHECK(t, a.dsdt + dsdt_len <= a.fadt);
    CHECK(t, memcmp(dsdt, "DSDT", 4) == 0);
    CHECK(t, sum(dsdt, dsdt_len) == 0);
    /* \_S5: NameOp, then a package whose first element (SLP_TYP for
     * PM1a) is ZeroOp, the PIIX4's soft off. */
    const uint8_t *s5 = NULL;
    for (uint32_t i = 36; i + 8 < dsdt_len && !s5; i++)
        if (memcmp(dsdt + i, "_S5_", 4) == 0)
            s5 = dsdt + i;
    if (CHECK(t, s5 != NULL)) {
        CHECK(t, s5[-1] == 0x08 || s5[-1] == '\\'); /* NameOp or a root prefix */
        CHECK(t, s5[4] == 0x12);                    /* PackageOp */
        CHECK(t, s5[6] == 4);                       /* four elements */
        CHECK(t, s5[7] == 0x00 && PIIX4_SLP_TYP_SOFT_OFF == 0);
    }
    acpi_tables_free(&a);
}

/* The commands, carried out as the firmware does on files placed at
 * TABLES_ADDR and RSDP_ADDR. */
struct placed {
    uint8_t *tables, rsdp[ACPI_RSDP_SIZE];
};

static bool file_is(const uint8_t *p, const char *name)
{
    uint8_t want[ACPI_LOADER_FILE_LEN] = { 0 };
    memcpy(want, name, strlen(name));
    return memcmp(p, want, ACPI_LOADER_FILE_LEN) == 0;
}

static uint8_t *file_data(struct placed *pl, const uint8_t *name, uint32_t *addr, size_t *size,
                          const struct acpi_tables *a)
{
    if (file_is(name, ACPI_FILE_TABLES)) {
        *addr = TABLES_ADDR;
        *size = a->tables_size;
        return pl->tables;
    }
    if (file_is(name, ACPI_FILE_RSDP)) {
        *addr = RSDP_ADDR;
        *size = ACPI_RSDP_SIZE;
        return pl->rsdp;
    }
    return NULL;
}

static void test_loader(struct unit_tally *t)
{
    struct acpi_tables a;
    build(&a);
    struct placed pl;
    pl.tables = malloc(a.tables_size);
    if (!pl.tables) {
        fprintf(stderr, "test_acpi_tables: out of memory\n");
        exit(2);
    }
    memcpy(pl.tables, a.tables, a.tables_size);
    memcpy(pl.rsdp, a.rsdp, ACPI_RSDP_SIZE);

    CHECK(t, a.loader_size % ACPI_LOADER_ENTRY_SIZE == 0 && a.loader_size > 0);
    unsigned allocated = 0, pointers = 0, checksums = 0;
    for (size_t off = 0; off < a.loader_size; off += ACPI_LOADER_ENTRY_SIZE) {
        const uint8_t *e = a.loader + off, *arg = e + 4;
        uint32_t command = le(e, 4), addr, src_addr;
        size_t size, src_size;
        uint8_t *data = file_data(&pl, arg, &addr, &size, &a);
        switch (command) {
        case ACPI_LOADER_ALLOCATE: {
            uint32_t align = le(arg + ACPI_LOADER_FILE_LEN, 4);
            uint8_t zone = arg[ACPI_LOADER_FILE_LEN + 4];
            CHECK_CASE(t, data != NULL, "allocate %u", allocated);
            CHECK_CASE(t, align && addr % align == 0, "allocate %u: align %u", allocated, align);
            if (data == pl.rsdp)
                CHECK(t, zone == ACPI_LOADER_ZONE_FSEG);
            else
                CHECK(t, zone == ACPI_LOADER_ZONE_HIGH && align >= 64);
            allocated++;
            break;
        }
        case ACPI_LOADER_ADD_POINTER: {
            uint8_t *src = file_data(&pl, arg + ACPI_LOADER_FILE_LEN, &src_addr, &src_size, &a);
            uint32_t at = le(arg + 2 * ACPI_LOADER_FILE_LEN, 4);
            uint8_t width = arg[2 * ACPI_LOADER_FILE_LEN + 4];
            if (!CHECK_CASE(t, data && src && width == 4 && at + width <= size,
                            "pointer %u", pointers))
                break;
            CHECK_CASE(t, allocated == 2, "pointer %u before the allocations", pointers);
            uint32_t v = le(data + at, 4);
            CHECK_CASE(t, v < src_size, "pointer %u: offset %u", pointers, v);
            v += src_addr;
            for (unsigned i = 0; i < 4; i++)
                data[at + i] = (uint8_t)(v >> (8 * i));
            pointers++;
            break;
        }
        case ACPI_LOADER_ADD_CHECKSUM: {
            uint32_t at = le(arg + ACPI_LOADER_FILE_LEN, 4);
            uint32_t start = le(arg + ACPI_LOADER_FILE_LEN + 4, 4);
            uint32_t len = le(arg + ACPI_LOADER_FILE_LEN + 8, 4);
            if (!CHECK_CASE(t, data && start + len <= size && at >= start && at < start + len,
                            "checksum %u", checksums))
                break;
            data[at] = (uint8_t)(data[at] - sum(data + start, len));
            checksums++;
            break;
        }
        default:
            FAIL(t, "command %u at %zu", command, off);
        }
    }
    CHECK(t, allocated == 2 && pointers == 4 && checksums == 3);

    /* What the OS finds: RSDP -> RSDT -> FADT -> FACS and DSDT, every
     * checksum good. */
    CHECK(t, sum(pl.rsdp, ACPI_RSDP_SIZE) == 0);
    uint32_t rsdt = le(pl.rsdp + 16, 4);
    CHECK(t, rsdt == TABLES_ADDR + a.rsdt);
    const uint8_t *r = pl.tables + (rsdt - TABLES_ADDR);
    CHECK(t, memcmp(r, "RSDT", 4) == 0 && sum(r, le(r + 4, 4)) == 0);
    uint32_t fadt = le(r + 36, 4);
    CHECK(t, fadt == TABLES_ADDR + a.fadt);
    const uint8_t *f = pl.tables + a.fadt;
    CHECK(t, sum(f, ACPI_FADT_SIZE) == 0);
    CHECK(t, le(f + 36, 4) == TABLES_ADDR + a.facs);
    CHECK(t, le(f + 40, 4) == TABLES_ADDR + a.dsdt);
    const uint8_t *d = pl.tables + a.dsdt;
    CHECK(t, sum(d, le(d + 4, 4)) == 0);
    free(pl.tables);
    acpi_tables_free(&a);
}

/* The three files as the guest reads them: the directory entry (be32
 * size, be16 selector, name) and the bytes behind the selector. */
static void test_fw_cfg(struct unit_tally *t)
{
    struct phys_mem *mem = mem_create(1u << 20);
    struct io_bus *io = io_create();
    struct fw_cfg *fw = mem && io ? fw_cfg_create(io, mem, NULL) : NULL;
    if (!fw) {
        fprintf(stderr, "test_acpi_tables: out of memory\n");
        exit(2);
    }
    CHECK(t, acpi_tables_install(fw, PM_BASE) == 0);
    CHECK(t, acpi_tables_install(fw, PM_BASE) < 0); /* the files are there */

    struct acpi_tables a;
    build(&a);
    const struct {
        const char *name;
        const uint8_t *data;
        size_t size;
    } files[] = {
        { ACPI_FILE_TABLES, a.tables, a.tables_size },
        { ACPI_FILE_RSDP, a.rsdp, ACPI_RSDP_SIZE },
        { ACPI_FILE_LOADER, a.loader, a.loader_size },
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        io_write(io, FW_CFG_IO_BASE, FW_CFG_FILE_DIR, 2);
        uint32_t count = 0;
        for (unsigned b = 0; b < 4; b++)
            count = count << 8 | io_read(io, FW_CFG_IO_BASE + 1, 1);
        uint32_t size = 0;
        uint16_t select = 0;
        for (uint32_t n = 0; n < count && !select; n++) {
            uint8_t entry[64];
            for (unsigned b = 0; b < sizeof(entry); b++)
                entry[b] = (uint8_t)io_read(io, FW_CFG_IO_BASE + 1, 1);
            if (strcmp((const char *)entry + 8, files[i].name) == 0) {
                size = (uint32_t)entry[0] << 24 | entry[1] << 16 | entry[2] << 8 | entry[3];
                select = (uint16_t)(entry[4] << 8 | entry[5]);
            }
        }
        if (!CHECK_CASE(t, select != 0, "%s listed", files[i].name))
            continue;
        CHECK_CASE(t, size == files[i].size, "%s size %u", files[i].name, size);
        io_write(io, FW_CFG_IO_BASE, select, 2);
        bool same = true;
        for (uint32_t b = 0; b < size && b < files[i].size; b++)
            same &= io_read(io, FW_CFG_IO_BASE + 1, 1) == files[i].data[b];
        CHECK_CASE(t, same, "%s bytes", files[i].name);
    }
    acpi_tables_free(&a);
    fw_cfg_destroy(fw);
    io_destroy(io);
    mem_destroy(mem);
}

int main(void)
{
    struct unit_tally t = { 0 };
    test_tables(&t);
    test_loader(&t);
    test_fw_cfg(&t);
    return UNIT_REPORT(&t);
}
