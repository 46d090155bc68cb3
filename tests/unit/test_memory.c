/* Guest physical memory: RAM, unassigned space, MMIO dispatch, A20, what
 * -d guest_errors reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lintas/log.h"
#include "lintas/mem.h"
#include "unit_check.h"

struct mmio_log {
    uint64_t offset;
    uint32_t value;
    unsigned size;
    unsigned reads, writes;
};

static uint32_t log_read(void *opaque, uint64_t offset, unsigned size)
{
    struct mmio_log *l = opaque;
    l->offset = offset;
    l->size = size;
    l->reads++;
    return 0xa5a5a5a5u; /* wider than any access: the bus must trim it */
}

static void log_write(void *opaque, uint64_t offset, uint32_t value, unsigned size)
{
    struct mmio_log *l = opaque;
    l->offset = offset;
    l->value = value;
    l->size = size;
    l->writes++;
}

static const struct mmio_ops log_ops = { log_read, log_write };
static const struct mmio_ops read_only_ops = { log_read, NULL };
static const struct mmio_ops write_only_ops = { NULL, log_write };

static void test_ram(struct unit_tally *t)
{
    struct phys_mem *mem = mem_create(1000); /* rounds up to a page */
    CHECK(t, mem && mem_ram_size(mem) == 4096);
    mem_write(mem, 0x10, 0x12345678, 4);
    CHECK(t, mem_read(mem, 0x10, 4) == 0x12345678);
    CHECK(t, mem_read(mem, 0x11, 2) == 0x3456);
    CHECK(t, mem_read(mem, 0x13, 1) == 0x12);
    CHECK(t, mem_ram(mem)[0x10] == 0x78);
    CHECK(t, mem_host_page(mem, 0x123, false) == mem_ram(mem));
    CHECK(t, mem_host_page(mem, 0x1000, false) == NULL);
    mem_destroy(mem);
}

static void test_unassigned(struct unit_tally *t)
{
    struct phys_mem *mem = mem_create(8192);
    CHECK(t, mem_read(mem, 0x2000, 1) == 0xff);
    CHECK(t, mem_read(mem, 0x2000, 2) == 0xffff);
    CHECK(t, mem_read(mem, 0xfffffffc, 4) == 0xffffffffu);
    CHECK(t, mem_read(mem, 1ull << 40, 4) == 0xffffffffu);
    mem_write(mem, 0x3000, 0, 4); /* dropped, no crash */
    /* An access straddling the end of RAM: RAM bytes from RAM, the rest
     * all ones. */
    mem_write(mem, 0x1ffe, 0xbeef, 2);
    CHECK(t, mem_read(mem, 0x1ffe, 4) == 0xffffbeefu);

    uint8_t buf[8];
    mem_read_block(mem, 0x1ffc, buf, sizeof(buf));
    CHECK(t, buf[2] == 0xef && buf[3] == 0xbe && buf[4] == 0xff && buf[7] == 0xff);
    static const uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    mem_write_block(mem, 0x1ffc, data, sizeof(data));
    CHECK(t, mem_read(mem, 0x1ffc, 4) == 0x04030201u);
    mem_destroy(mem);
}

static void test_mmio(struct unit_tally *t)
{
    struct phys_mem *mem = mem_create(4096);
    struct mmio_log l = { 0 };
    CHECK(t, mem_map_mmio(mem, 0xfec00000, 0x1000, &log_ops, &l) == 0);
    CHECK(t, mem_read(mem, 0xfec00010, 2) == 0xa5a5);
    CHECK(t, l.offset == 0x10 && l.size == 2 && l.reads == 1);
    mem_write(mem, 0xfec00ffc, 0xcafef00d, 4);
    CHECK(t, l.offset == 0xffc && l.value == 0xcafef00d && l.size == 4 && l.writes == 1);
    CHECK(t, mem_host_page(mem, 0xfec00000, false) == NULL);

    /* Overlaps, misalignment and empty ranges are refused. */
    CHECK(t, mem_map_mmio(mem, 0xfec00000, 0x1000, &log_ops, &l) < 0);
    CHECK(t, mem_map_mmio(mem, 0, 0x1000, &log_ops, &l) < 0); /* RAM */
    CHECK(t, mem_map_mmio(mem, 0xfebff000, 0x2000, &log_ops, &l) < 0);
    CHECK(t, mem_map_mmio(mem, 0xfed00800, 0x1000, &log_ops, &l) < 0);
    CHECK(t, mem_map_mmio(mem, 0xfed00000, 0, &log_ops, &l) < 0);

    /* The map reaches past 4 GiB (PAE). */
    struct mmio_log high = { 0 };
    CHECK(t, mem_map_mmio(mem, 0x100000000ull, 0x1000, &log_ops, &high) == 0);
    mem_write(mem, 0x100000004ull, 0x77, 1);
    CHECK(t, high.writes == 1 && high.offset == 4 && high.value == 0x77);
    CHECK(t, l.writes == 1);

    /* An access across a region's end is split into bytes. */
    struct mmio_log edge = { 0 };
    CHECK(t, mem_map_mmio(mem, 0x10000, 0x1000, &log_ops, &edge) == 0);
    CHECK(t, mem_read(mem, 0x10ffe, 4) == 0xffffa5a5u);
    CHECK(t, edge.reads == 2 && edge.size == 1 && edge.offset == 0xfff);
    mem_destroy(mem);
}

static void test_a20(struct unit_tally *t)
{
    struct phys_mem *mem = mem_create(2u << 20);
    CHECK(t, mem_a20(mem));
    mem_write(mem, 0x100000, 0x11, 1);
    mem_write(mem, 0x000000, 0x22, 1);
    CHECK(t, mem_read(mem, 0x100000, 1) == 0x11);

    mem_set_a20(mem, false);
    CHECK(t, !mem_a20(mem));
    /* With the gate closed 1 MiB wraps to 0, as on an 8086. */
    CHECK(t, mem_read(mem, 0x100000, 1) == 0x22);
    mem_write(mem, 0x100001, 0x33, 1);
    CHECK(t, mem_ram(mem)[1] == 0x33);
    CHECK(t, mem_host_page(mem, 0x100000, true) == mem_ram(mem));
    uint8_t b;
    mem_read_block(mem, 0x100001, &b, 1);
    CHECK(t, b == 0x33);
    mem_write_block(mem, 0x1fffff, "\x44", 1);
    CHECK(t, mem_ram(mem)[0xfffff] == 0x44);

    mem_set_a20(mem, true);
    CHECK(t, mem_read(mem, 0x100000, 1) == 0x11);
    mem_destroy(mem);
}

static void test_large(struct unit_tally *t)
{
    /* 4 GiB of RAM is reserved, not committed: only touched pages cost. */
    struct phys_mem *mem = mem_create(4ull << 30);
    CHECK(t, mem != NULL);
    if (!mem)
        return;
    mem_write(mem, 0xfffffffcull, 0xdeadbeef, 4);
    CHECK(t, mem_read(mem, 0xfffffffcull, 4) == 0xdeadbeef);
    CHECK(t, mem_read(mem, 0x100000000ull, 4) == 0xffffffffu);
    mem_destroy(mem);
    CHECK(t, mem_create(1ull << 40) == NULL);
}

static void test_guest_errors(struct unit_tally *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct logger log = { out, LOG_GUEST_ERRORS };
    struct phys_mem *mem = mem_create(8192);
    struct mmio_log ro = { 0 }, wo = { 0 };
    CHECK(t, mem_map_mmio(mem, 0x10000, 0x1000, &read_only_ops, &ro) == 0);
    CHECK(t, mem_map_mmio(mem, 0x11000, 0x1000, &write_only_ops, &wo) == 0);

    mem_read(mem, 0x2000, 4); /* no logger yet */
    mem_set_logger(mem, &log);
    mem_read(mem, 0xfee00000, 4);
    mem_write(mem, 0x100000000ull, 0xab, 1);
    mem_write(mem, 0x2000, 0x1ab, 1); /* the value is trimmed to the size */
    mem_read(mem, 0x3ffe, 4);         /* across two unassigned pages: one access */
    mem_read(mem, 0x1fff, 2);         /* RAM, then unassigned */
    mem_write(mem, 0x10004, 0x1234, 2);
    mem_read(mem, 0x11008, 4);
    mem_read(mem, 0x10004, 2);        /* accepted: silent */
    mem_write(mem, 0x11000, 7, 1);
    mem_write(mem, 0x10, 7, 4);
    mem_read_block(mem, 0x5000, &len, sizeof(len)); /* loaders are not guests */
    CHECK(t, ro.reads == 1 && ro.writes == 0 && wo.writes == 1 && wo.reads == 0);
    log.mask = LOG_INT; /* guest_errors off */
    mem_read(mem, 0x2000, 1);

    fclose(out);
    CHECK_STR(t, text, "read of unassigned memory 0xfee00000, 4 bytes\n"
                       "write of 0xab to unassigned memory 0x100000000, 1 byte\n"
                       "write of 0xab to unassigned memory 0x00002000, 1 byte\n"
                       "read of unassigned memory 0x00003ffe, 4 bytes\n"
                       "read of unassigned memory 0x00002000, 1 byte\n"
                       "write of 0x1234 to read-only memory 0x00010004, 2 bytes\n"
                       "read of write-only memory 0x00011008, 4 bytes\n");
    free(text);
    mem_destroy(mem);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_ram(&t);
    test_unassigned(&t);
    test_mmio(&t);
    test_a20(&t);
    test_large(&t);
    test_guest_errors(&t);
    return UNIT_REPORT(&t);
}
