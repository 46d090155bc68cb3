/* The PC/AT's two 8237A DMA controllers through the port bus and the
 * device transfer calls, against the Intel 8237A datasheet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/dma.h"
#include "lintas/io.h"
#include "lintas/mem.h"
#include "lintas/state.h"
#include "unit_check.h"

#define RAM_SIZE (2u << 20)

/* Controller 1 registers; controller 2's are at 0xC0 + 2 * register. */
enum {
    ADDR2 = 0x04, COUNT2 = 0x05, ADDR1 = 0x02, COUNT1 = 0x03,
    STATUS1 = 0x08, REQUEST1 = 0x09, MASK1 = 0x0a, MODE1 = 0x0b, CLEAR_FF1 = 0x0c,
    MASTER_CLEAR1 = 0x0d, CLEAR_MASK1 = 0x0e, ALL_MASK1 = 0x0f,
    ADDR5 = 0xc4, COUNT5 = 0xc6, ADDR6 = 0xc8, COUNT6 = 0xca,
    STATUS2 = 0xd0, MASK2 = 0xd4, MODE2 = 0xd6, CLEAR_FF2 = 0xd8, MASTER_CLEAR2 = 0xda,
    CLEAR_MASK2 = 0xdc,
    PAGE1 = 0x83, PAGE2 = 0x81, PAGE5 = 0x8b, PAGE6 = 0x89,
};

/* Modes: single transfer, increment, no autoinit unless added. */
enum { M_VERIFY = 0x40, M_WRITE = 0x44, M_READ = 0x48, M_AUTO = 0x10, M_DEC = 0x20 };

struct bench {
    struct io_bus *io;
    struct phys_mem *mem;
    struct dma *dma;
};

static void bench_close(struct bench *b)
{
    dma_destroy(b->dma);
    mem_destroy(b->mem);
    io_destroy(b->io);
    free(b);
}

static struct bench *bench_open(struct unit_tally *t, const struct logger *log)
{
    struct bench *b = calloc(1, sizeof(*b));
    if (!b || !(b->io = io_create()) || !(b->mem = mem_create(RAM_SIZE))) {
        fprintf(stderr, "test_dma: out of memory\n");
        exit(2);
    }
    b->dma = dma_create(b->io, b->mem, log);
    if (CHECK(t, b->dma != NULL))
        return b;
    mem_destroy(b->mem);
    io_destroy(b->io);
    free(b);
    return NULL;
}

static void outb(struct bench *b, uint16_t port, uint8_t v)
{
    io_write(b->io, port, v, 1);
}

static uint8_t inb(struct bench *b, uint16_t port)
{
    return (uint8_t)io_read(b->io, port, 1);
}

/* What SeaBIOS's dma_setup does: master clear both, open the cascade. */
static void bios_setup(struct bench *b)
{
    outb(b, MASTER_CLEAR1, 0);
    outb(b, MASTER_CLEAR2, 0);
    outb(b, MODE2, 0xc0);
    outb(b, MASK2, 0x00);
}

/* Load a 16-bit address or count register, low byte first. */
static void out16(struct bench *b, uint16_t clear_ff, uint16_t port, uint16_t v)
{
    outb(b, clear_ff, 0);
    outb(b, port, v & 0xff);
    outb(b, port, v >> 8);
}

static uint16_t in16(struct bench *b, uint16_t clear_ff, uint16_t port)
{
    outb(b, clear_ff, 0);
    uint8_t lo = inb(b, port);
    return (uint16_t)(lo | inb(b, port) << 8);
}

/* Program channel 2 the way a BIOS does for a floppy transfer. */
static void program_ch2(struct bench *b, uint32_t paddr, uint16_t count, uint8_t mode)
{
    outb(b, MASK1, 0x06);
    out16(b, CLEAR_FF1, ADDR2, paddr & 0xffff);
    out16(b, CLEAR_FF1, COUNT2, count);
    outb(b, MODE1, mode | 2);
    outb(b, PAGE2, (uint8_t)(paddr >> 16));
    outb(b, MASK1, 0x02);
}

static void fill(uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed + i * 7);
}

static void test_power_on(struct unit_tally *t, struct bench *b)
{
    for (unsigned ch = 0; ch < DMA_CHANNELS; ch++)
        CHECK_CASE(t, dma_channel_masked(b->dma, ch), "channel %u", ch);
    CHECK(t, inb(b, STATUS1) == 0 && inb(b, STATUS2) == 0);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0 && in16(b, CLEAR_FF1, COUNT2) == 0);
    uint8_t byte = 0x5a;
    bool tc = true;
    CHECK(t, dma_channel_write(b->dma, 2, &byte, 1, &tc) == 0 && !tc);
    /* Port 0x80, the POST code port, belongs to someone else. */
    CHECK(t, inb(b, 0x80) == 0xff);
    static const struct io_ops none = { 0 };
    CHECK(t, io_register(b->io, 0x80, 1, &none, NULL) == 0);
}

static void test_floppy_read(struct unit_tally *t, struct bench *b)
{
    bios_setup(b);
    program_ch2(b, 0x17c00, 511, M_WRITE);
    CHECK(t, !dma_channel_masked(b->dma, 2));

    uint8_t sector[512], got[512];
    fill(sector, sizeof(sector), 3);
    bool tc = true;
    CHECK(t, dma_channel_write(b->dma, 2, sector, 100, &tc) == 100 && !tc);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x7c00 + 100);
    CHECK(t, in16(b, CLEAR_FF1, COUNT2) == 511 - 100);
    CHECK(t, inb(b, STATUS1) == 0);
    /* The device offers more than the count allows: TC stops it. */
    uint8_t more[600];
    memcpy(more, sector + 100, 412);
    fill(more + 412, sizeof(more) - 412, 99);
    CHECK(t, dma_channel_write(b->dma, 2, more, sizeof(more), &tc) == 412 && tc);
    mem_read_block(b->mem, 0x17c00, got, sizeof(got));
    CHECK(t, memcmp(got, sector, sizeof(got)) == 0);
    mem_read_block(b->mem, 0x17c00 + 512, got, 1);
    CHECK(t, got[0] == 0);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x7e00);
    CHECK(t, in16(b, CLEAR_FF1, COUNT2) == 0xffff);
    /* TC masks a channel without autoinit and shows once in status. */
    CHECK(t, dma_channel_masked(b->dma, 2));
    CHECK(t, inb(b, STATUS1) == 0x04);
    CHECK(t, inb(b, STATUS1) == 0x00);
    CHECK(t, dma_channel_write(b->dma, 2, sector, 1, &tc) == 0 && !tc);
}

static void test_floppy_write_and_direction(struct unit_tally *t)
{
    struct logger log = { tmpfile(), LOG_GUEST_ERRORS };
    struct bench *b = bench_open(t, &log);
    if (!b || !log.out)
        goto out;
    bios_setup(b);
    uint8_t src[256], got[300];
    fill(src, sizeof(src), 42);
    mem_write_block(b->mem, 0x3000, src, sizeof(src));
    program_ch2(b, 0x3000, 255, M_READ);
    /* A device that wants to write memory gets nothing on a read channel. */
    bool tc = true;
    CHECK(t, dma_channel_write(b->dma, 2, src, 16, &tc) == 0 && !tc);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x3000);
    memset(got, 0, sizeof(got));
    CHECK(t, dma_channel_read(b->dma, 2, got, sizeof(got), &tc) == 256 && tc);
    CHECK(t, memcmp(got, src, sizeof(src)) == 0);
    CHECK(t, got[256] == 0);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x3100);
    CHECK(t, inb(b, STATUS1) == 0x04);

    char text[200] = "";
    rewind(log.out);
    size_t n = fread(text, 1, sizeof(text) - 1, log.out);
    text[n] = 0;
    CHECK_MSG(t, strstr(text, "dma channel 2: mode 0x48 does not allow a device-to-memory") != NULL,
              "log: %s", text);
out:
    if (b)
        bench_close(b);
    if (log.out)
        fclose(log.out);
}

static void test_verify(struct unit_tally *t, struct bench *b)
{
    bios_setup(b);
    uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, got[8] = { 0 };
    mem_write_block(b->mem, 0x5000, data, sizeof(data));
    program_ch2(b, 0x5000, 7, M_VERIFY);
    bool tc;
    uint8_t junk[4] = { 9, 9, 9, 9 };
    CHECK(t, dma_channel_write(b->dma, 2, junk, 4, &tc) == 4 && !tc);
    CHECK(t, dma_channel_read(b->dma, 2, got, 8, &tc) == 4 && tc);
    CHECK(t, got[0] == 0xff && got[3] == 0xff && got[4] == 0);
    mem_read_block(b->mem, 0x5000, got, sizeof(got));
    CHECK(t, memcmp(got, data, sizeof(data)) == 0);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x5008 && in16(b, CLEAR_FF1, COUNT2) == 0xffff);
}

static void test_decrement(struct unit_tally *t, struct bench *b)
{
    bios_setup(b);
    program_ch2(b, 0x1003, 3, M_WRITE | M_DEC);
    uint8_t data[4] = { 0xa1, 0xa2, 0xa3, 0xa4 }, got[6];
    bool tc;
    CHECK(t, dma_channel_write(b->dma, 2, data, 4, &tc) == 4 && tc);
    mem_read_block(b->mem, 0x0fff, got, sizeof(got));
    CHECK(t, got[0] == 0 && got[1] == 0xa4 && got[2] == 0xa3 && got[3] == 0xa2 &&
                 got[4] == 0xa1 && got[5] == 0);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x0fff);
    /* Counting down past 0 wraps within the page too. */
    program_ch2(b, 0x20001, 3, M_READ | M_DEC);
    uint8_t src[4] = { 0x11, 0x22, 0x33, 0x44 };
    mem_write_block(b->mem, 0x20000, src, 2);
    mem_write_block(b->mem, 0x2fffe, src + 2, 2);
    CHECK(t, dma_channel_read(b->dma, 2, got, 4, &tc) == 4 && tc);
    CHECK(t, got[0] == 0x22 && got[1] == 0x11 && got[2] == 0x44 && got[3] == 0x33);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0xfffd);
}

static void test_autoinit(struct unit_tally *t, struct bench *b)
{
    bios_setup(b);
    program_ch2(b, 0x8000, 3, M_WRITE | M_AUTO);
    uint8_t data[6] = { 1, 2, 3, 4, 5, 6 }, got[4];
    bool tc;
    CHECK(t, dma_channel_write(b->dma, 2, data, 6, &tc) == 4 && tc);
    /* Reloaded from the base registers and still open. */
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x8000 && in16(b, CLEAR_FF1, COUNT2) == 3);
    CHECK(t, !dma_channel_masked(b->dma, 2));
    CHECK(t, inb(b, STATUS1) == 0x04);
    CHECK(t, dma_channel_write(b->dma, 2, data + 4, 2, &tc) == 2 && !tc);
    mem_read_block(b->mem, 0x8000, got, sizeof(got));
    CHECK(t, got[0] == 5 && got[1] == 6 && got[2] == 3 && got[3] == 4);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x8002 && in16(b, CLEAR_FF1, COUNT2) == 1);
    /* The next TC reloads the base count again. */
    CHECK(t, dma_channel_write(b->dma, 2, data, 2, &tc) == 2 && tc);
    CHECK(t, in16(b, CLEAR_FF1, COUNT2) == 3);
}

static void test_status_requests(struct unit_tally *t, struct bench *b)
{
    bios_setup(b);
    dma_set_dreq(b->dma, 2, true);
    dma_set_dreq(b->dma, 6, true);
    /* Request bits show whether masked or not and survive the read. */
    CHECK(t, inb(b, STATUS1) == 0x40);
    CHECK(t, inb(b, STATUS1) == 0x40);
    CHECK(t, inb(b, STATUS2) == 0x40);
    dma_set_dreq(b->dma, 2, false);
    CHECK(t, inb(b, STATUS1) == 0x00);
    /* A software request, cleared by TC. */
    outb(b, REQUEST1, 0x04 | 1);
    CHECK(t, inb(b, STATUS1) == 0x20);
    outb(b, REQUEST1, 0x04 | 3);
    outb(b, REQUEST1, 0x00 | 3);
    CHECK(t, inb(b, STATUS1) == 0x20);
    out16(b, CLEAR_FF1, ADDR1, 0x0000);
    out16(b, CLEAR_FF1, COUNT1, 0);
    outb(b, MODE1, M_WRITE | 1);
    outb(b, MASK1, 0x01);
    uint8_t byte = 7;
    bool tc;
    CHECK(t, dma_channel_write(b->dma, 1, &byte, 1, &tc) == 1 && tc);
    CHECK(t, inb(b, STATUS1) == 0x02);
    CHECK(t, inb(b, STATUS1) == 0x00);
}

static void test_masking(struct unit_tally *t, struct bench *b)
{
    /* Without the cascade open, controller 1 never gets the bus. */
    outb(b, CLEAR_MASK1, 0);
    CHECK(t, dma_channel_masked(b->dma, 2));
    outb(b, MODE2, 0xc0);
    CHECK(t, dma_channel_masked(b->dma, 2));
    outb(b, MASK2, 0x00);
    CHECK(t, !dma_channel_masked(b->dma, 0) && !dma_channel_masked(b->dma, 3));
    CHECK(t, dma_channel_masked(b->dma, 4));
    outb(b, MODE2, 0x40);
    CHECK(t, dma_channel_masked(b->dma, 2));
    outb(b, MODE2, 0xc0);

    outb(b, ALL_MASK1, 0x0a);
    CHECK(t, !dma_channel_masked(b->dma, 0) && dma_channel_masked(b->dma, 1));
    CHECK(t, !dma_channel_masked(b->dma, 2) && dma_channel_masked(b->dma, 3));
    outb(b, MASK1, 0x04 | 2);
    CHECK(t, dma_channel_masked(b->dma, 2));
    outb(b, MASK1, 0x00 | 3);
    CHECK(t, !dma_channel_masked(b->dma, 3));
    /* A channel in cascade mode carries no device transfers. */
    outb(b, MODE1, 0xc0 | 0);
    CHECK(t, dma_channel_masked(b->dma, 0));
    /* Disabling controller 2 closes everything; controller 1 only its own. */
    outb(b, STATUS1, 0x04);
    CHECK(t, dma_channel_masked(b->dma, 3));
    outb(b, STATUS1, 0x00);
    CHECK(t, !dma_channel_masked(b->dma, 3));
    outb(b, MODE2, M_VERIFY | 1);
    outb(b, CLEAR_MASK2, 0);
    CHECK(t, !dma_channel_masked(b->dma, 5));
    outb(b, STATUS2, 0x04);
    CHECK(t, dma_channel_masked(b->dma, 5) && dma_channel_masked(b->dma, 3));
    /* Out-of-range channels are simply never open. */
    CHECK(t, dma_channel_masked(b->dma, 8));
    uint8_t byte = 0;
    CHECK(t, dma_channel_read(b->dma, 9, &byte, 1, NULL) == 0);
}

static void test_flip_flop(struct unit_tally *t, struct bench *b)
{
    out16(b, CLEAR_FF1, ADDR2, 0x1234);
    /* Reads and writes share the flip-flop. */
    outb(b, CLEAR_FF1, 0);
    CHECK(t, inb(b, ADDR2) == 0x34);
    outb(b, COUNT2, 0xab); /* high byte of the count */
    CHECK(t, inb(b, ADDR2) == 0x34);
    CHECK(t, inb(b, ADDR2) == 0x12);
    CHECK(t, in16(b, CLEAR_FF1, COUNT2) == 0xab00);
    /* Clearing in the middle sends the next byte to the low half. */
    outb(b, CLEAR_FF1, 0);
    outb(b, ADDR2, 0x56);
    outb(b, CLEAR_FF1, 0);
    outb(b, ADDR2, 0x78);
    outb(b, ADDR2, 0x9a);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x9a78);
    /* Each controller has its own flip-flop. */
    outb(b, CLEAR_FF1, 0);
    outb(b, CLEAR_FF2, 0);
    outb(b, ADDR2, 0x01);
    outb(b, ADDR5, 0x02);
    outb(b, ADDR2, 0x03);
    outb(b, ADDR5, 0x04);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x0301 && in16(b, CLEAR_FF2, ADDR5) == 0x0402);
    /* Controller 1 is an 8-bit device: a word access reads the address's
     * low byte, then the next register, the count, at the high byte. */
    outb(b, CLEAR_FF1, 0);
    CHECK(t, io_read(b->io, ADDR2, 2) == 0xab01);
}

static void test_16bit(struct unit_tally *t, struct bench *b)
{
    bios_setup(b);
    /* Channel 5: word address 0x0100 in page 0x13, whose bit 0 is not
     * used (A16 comes from the address): byte address 0x120200. */
    outb(b, MASK2, 0x04 | 1);
    out16(b, CLEAR_FF2, ADDR5, 0x0100);
    out16(b, CLEAR_FF2, COUNT5, 3);
    outb(b, MODE2, M_WRITE | 1);
    outb(b, PAGE5, 0x13);
    outb(b, MASK2, 0x00 | 1);
    CHECK(t, inb(b, PAGE5) == 0x13);
    CHECK(t, !dma_channel_masked(b->dma, 5));

    uint8_t data[9], got[10];
    fill(data, sizeof(data), 0x30);
    bool tc;
    /* Whole words only: the odd byte stays with the device. */
    CHECK(t, dma_channel_write(b->dma, 5, data, 3, &tc) == 2 && !tc);
    CHECK(t, in16(b, CLEAR_FF2, ADDR5) == 0x0101 && in16(b, CLEAR_FF2, COUNT5) == 2);
    CHECK(t, dma_channel_write(b->dma, 5, data + 2, 7, &tc) == 6 && tc);
    mem_read_block(b->mem, 0x120200, got, sizeof(got));
    CHECK(t, memcmp(got, data, 8) == 0 && got[8] == 0);
    CHECK(t, in16(b, CLEAR_FF2, ADDR5) == 0x0104 && in16(b, CLEAR_FF2, COUNT5) == 0xffff);
    CHECK(t, inb(b, STATUS2) == 0x02);
    /* Odd ports alias the even register below them. */
    outb(b, CLEAR_FF2, 0);
    CHECK(t, inb(b, ADDR5 + 1) == 0x04 && inb(b, ADDR5) == 0x01);
    CHECK(t, io_read(b->io, ADDR5, 2) == 0x0104);

    /* Channel 6 wraps within its 128 KiB: word 0xFFFF then word 0. */
    outb(b, MASK2, 0x04 | 2);
    out16(b, CLEAR_FF2, ADDR6, 0xffff);
    out16(b, CLEAR_FF2, COUNT6, 1);
    outb(b, MODE2, M_READ | 2);
    outb(b, PAGE6, 0x04);
    outb(b, MASK2, 0x00 | 2);
    uint8_t src[4] = { 0xe1, 0xe2, 0xe3, 0xe4 };
    mem_write_block(b->mem, 0x5fffe, src, 2);
    mem_write_block(b->mem, 0x40000, src + 2, 2);
    CHECK(t, dma_channel_read(b->dma, 6, got, 4, &tc) == 4 && tc);
    CHECK(t, memcmp(got, src, 4) == 0);
    CHECK(t, in16(b, CLEAR_FF2, ADDR6) == 0x0001);
}

static void test_page_wrap(struct unit_tally *t, struct bench *b)
{
    bios_setup(b);
    outb(b, MASK1, 0x04 | 1);
    out16(b, CLEAR_FF1, ADDR1, 0xfffe);
    out16(b, CLEAR_FF1, COUNT1, 3);
    outb(b, MODE1, M_WRITE | 1);
    outb(b, PAGE1, 0x02);
    outb(b, MASK1, 0x00 | 1);
    uint8_t data[4] = { 0xc1, 0xc2, 0xc3, 0xc4 }, got[2];
    bool tc;
    CHECK(t, dma_channel_write(b->dma, 1, data, 4, &tc) == 4 && tc);
    mem_read_block(b->mem, 0x2fffe, got, 2);
    CHECK(t, got[0] == 0xc1 && got[1] == 0xc2);
    mem_read_block(b->mem, 0x20000, got, 2);
    CHECK(t, got[0] == 0xc3 && got[1] == 0xc4);
    mem_read_block(b->mem, 0x30000, got, 2);
    CHECK(t, got[0] == 0 && got[1] == 0);
    CHECK(t, in16(b, CLEAR_FF1, ADDR1) == 0x0002);
    /* The page registers of no channel keep what is written. */
    for (uint16_t port = 0x81; port <= 0x8f; port++)
        outb(b, port, (uint8_t)(port * 3));
    for (uint16_t port = 0x81; port <= 0x8f; port++)
        CHECK_CASE(t, inb(b, port) == (uint8_t)(port * 3), "port 0x%02x", port);
}

static void test_master_clear(struct unit_tally *t, struct bench *b)
{
    bios_setup(b);
    program_ch2(b, 0x4000, 0, M_WRITE);
    outb(b, STATUS1, 0x10);
    outb(b, REQUEST1, 0x04 | 0);
    uint8_t byte = 1;
    CHECK(t, dma_channel_write(b->dma, 2, &byte, 1, NULL) == 1);
    outb(b, CLEAR_MASK1, 0);
    outb(b, CLEAR_FF1, 0);
    inb(b, ADDR2); /* flip-flop now high */
    outb(b, MASTER_CLEAR1, 0);
    for (unsigned ch = 0; ch < 4; ch++)
        CHECK_CASE(t, dma_channel_masked(b->dma, ch), "channel %u", ch);
    CHECK(t, inb(b, STATUS1) == 0x00); /* TC and request bits gone */
    CHECK(t, inb(b, ADDR2) == 0x01);   /* flip-flop back to low */
    CHECK(t, inb(b, ADDR2) == 0x40);
    /* Mode, address and count stay: unmasking runs the channel again. */
    out16(b, CLEAR_FF1, COUNT2, 0);
    outb(b, MASK1, 0x02);
    CHECK(t, dma_channel_write(b->dma, 2, &byte, 1, NULL) == 1);
    /* That went through the cascade, which controller 1's clear left
     * open; controller 2's clear closes it. */
    outb(b, MASTER_CLEAR2, 0);
    outb(b, CLEAR_MASK1, 0);
    CHECK(t, dma_channel_masked(b->dma, 2)); /* the cascade is masked again */
    dma_reset(b->dma);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0 && inb(b, PAGE2) == 0);
}

struct service_probe {
    struct dma *dma;
    unsigned calls, channel;
    size_t moved;
};

static void service(void *opaque, unsigned channel)
{
    struct service_probe *p = opaque;
    static const uint8_t data[2] = { 0x77, 0x88 };
    p->calls++;
    p->channel = channel;
    p->moved = dma_channel_write(p->dma, channel, data, sizeof(data), NULL);
}

static void test_service_hook(struct unit_tally *t, struct bench *b)
{
    struct service_probe p = { b->dma, 0, 0, 0 };
    dma_set_service(b->dma, 2, service, &p);
    bios_setup(b);
    program_ch2(b, 0x6000, 1, M_WRITE);
    CHECK(t, p.calls == 0); /* opened with DREQ low */
    outb(b, MASK1, 0x06);
    dma_set_dreq(b->dma, 2, true);
    CHECK(t, p.calls == 0);
    outb(b, MASK1, 0x02);
    CHECK(t, p.calls == 1 && p.channel == 2 && p.moved == 2);
    uint8_t got[2];
    mem_read_block(b->mem, 0x6000, got, 2);
    CHECK(t, got[0] == 0x77 && got[1] == 0x88);
    /* Writes that leave the channel as it was do not call again. */
    outb(b, MASK1, 0x03);
    CHECK(t, p.calls == 1);
    dma_set_service(b->dma, 2, NULL, NULL);
    program_ch2(b, 0x6000, 1, M_WRITE);
    CHECK(t, p.calls == 1);
}

static void test_state(struct unit_tally *t)
{
    struct bench *a = bench_open(t, NULL);
    struct bench *b = bench_open(t, NULL);
    struct state_writer w = { 0 };
    if (!a || !b)
        goto out;
    bios_setup(a);
    program_ch2(a, 0x19000, 9, M_WRITE | M_AUTO);
    outb(a, PAGE6, 0x66);
    uint8_t data[12];
    fill(data, sizeof(data), 1);
    CHECK(t, dma_channel_write(a->dma, 2, data, 4, NULL) == 4);
    dma_set_dreq(a->dma, 2, true);
    outb(a, CLEAR_FF1, 0);
    inb(a, ADDR2); /* leave the flip-flop high */

    state_save(&dma_state_desc, a->dma, &w);
    if (!CHECK(t, !w.failed))
        goto out;
    char err[200];
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK(t, state_load(&dma_state_desc, b->dma, &r, err, sizeof(err)) == 0);
    CHECK(t, r.pos == w.len);
    CHECK(t, inb(b, ADDR2) == 0x90);
    CHECK(t, in16(b, CLEAR_FF1, COUNT2) == 5 && inb(b, PAGE6) == 0x66);
    CHECK(t, inb(b, STATUS1) == 0x40);
    bool tc;
    CHECK(t, dma_channel_write(b->dma, 2, data + 4, 8, &tc) == 6 && tc);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x9000 && !dma_channel_masked(b->dma, 2));
    uint8_t got[10];
    mem_read_block(b->mem, 0x19004, got, 6);
    CHECK(t, memcmp(got, data + 4, 6) == 0);

    /* Channel select bits in a stored mode are refused; the loser keeps
     * its state. Offset: "dma" header, then four arrays of eight u16. */
    size_t mode0 = 4 + 3 + 4 + 4 + 4 * 16;
    w.buf[mode0 + 2] |= 0x02;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&dma_state_desc, b->dma, &r, err, sizeof(err)) < 0);
    CHECK_MSG(t, strstr(err, "dma channel 2: mode holds channel select bits") != NULL,
              "err: %s", err);
    CHECK(t, in16(b, CLEAR_FF1, ADDR2) == 0x9000);
    w.buf[mode0 + 2] &= (uint8_t)~0x03;
    w.buf[w.len - 1] = 2; /* a flip-flop that is not a bool */
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&dma_state_desc, b->dma, &r, err, sizeof(err)) < 0);
    w.buf[w.len - 1] = 0;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&dma_state_desc, b->dma, &r, err, sizeof(err)) == 0);
out:
    state_writer_free(&w);
    if (a)
        bench_close(a);
    if (b)
        bench_close(b);
}

static void test_ports_taken(struct unit_tally *t)
{
    struct io_bus *io = io_create();
    struct phys_mem *mem = mem_create(GUEST_PAGE_SIZE);
    static const struct io_ops none = { 0 };
    if (!io || !mem) {
        fprintf(stderr, "test_dma: out of memory\n");
        exit(2);
    }
    CHECK(t, io_register(io, 0x8f, 1, &none, NULL) == 0);
    CHECK(t, dma_create(io, mem, NULL) == NULL);
    mem_destroy(mem);
    io_destroy(io);
}

/* The tests that need one freshly created DMA pair, nothing else. */
static void (*const with_bench[])(struct unit_tally *t, struct bench *b) = {
    test_power_on,
    test_floppy_read,
    test_verify,
    test_decrement,
    test_autoinit,
    test_status_requests,
    test_masking,
    test_flip_flop,
    test_16bit,
    test_page_wrap,
    test_master_clear,
    test_service_hook,
};

int main(void)
{
    struct unit_tally t = { 0, 0 };
    for (size_t i = 0; i < sizeof(with_bench) / sizeof(with_bench[0]); i++) {
        struct bench *b = bench_open(&t, NULL);
        if (b) {
            with_bench[i](&t, b);
            bench_close(b);
        }
    }
    test_floppy_write_and_direction(&t);
    test_state(&t);
    test_ports_taken(&t);
    return UNIT_REPORT(&t);
}
