/*
 * The PC/AT's two 8237A DMA controllers, after the Intel 8237A datasheet
 * and the IBM PC/AT technical reference (ports, page registers, cascade).
 *
 * Each controller has four channels with base and current address and
 * word count registers, read and written a byte at a time through the
 * first/last flip-flop. A channel moves count + 1 elements; reaching
 * terminal count (the count rolling from 0 to 0xFFFF) sets its status TC
 * bit and either reloads the current registers from the base ones
 * (autoinitialize) or sets its mask bit. The address counts within 16
 * bits, so a transfer wraps within its 64 KiB page (128 KiB on the 16-bit
 * controller, whose addresses are word addresses shifted left by one and
 * whose page registers give only bits 17-23).
 *
 * Memory-to-memory transfers (command bit 0) are not modelled: no PC
 * device uses them, and the temporary register they fill reads 0.
 *
 * All device state is in struct dma_state, indexed by channel 0-7, and
 * described once by dma_state_desc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/dma.h"

#define DMA1_BASE 0x00
#define DMA2_BASE 0xc0
#define PAGE_BASE 0x81 /* 0x80 is the board's POST code port */
#define PAGE_COUNT 15

/* Register numbers within a controller (datasheet table 2). */
enum {
    REG_STATUS_COMMAND = 8,
    REG_REQUEST = 9,
    REG_SINGLE_MASK = 10,
    REG_MODE = 11,
    REG_CLEAR_FLIP_FLOP = 12,
    REG_TEMP_MASTER_CLEAR = 13,
    REG_CLEAR_MASK = 14,
    REG_ALL_MASK = 15,
};

enum {
    MODE_TYPE = 0x0c, MODE_VERIFY = 0x00, MODE_WRITE = 0x04, MODE_READ = 0x08,
    MODE_AUTOINIT = 0x10, MODE_DECREMENT = 0x20,
    MODE_SELECT = 0xc0, MODE_CASCADE = 0xc0,
    MODE_CHANNEL = 0x03, /* channel select: not stored */
};
enum { CMD_MEM_TO_MEM = 0x01, CMD_DISABLE = 0x04 };
enum { CASCADE_CHANNEL = 4 };

/* Page register (port - PAGE_BASE) of each channel; 0x8F, channel 4's,
 * drives nothing since channel 4 is the cascade. */
static const uint8_t page_index[DMA_CHANNELS] = {
    0x87 - PAGE_BASE, 0x83 - PAGE_BASE, 0x81 - PAGE_BASE, 0x82 - PAGE_BASE,
    0x8f - PAGE_BASE, 0x8b - PAGE_BASE, 0x89 - PAGE_BASE, 0x8a - PAGE_BASE,
};

struct dma_state {
    uint16_t base_addr[DMA_CHANNELS], cur_addr[DMA_CHANNELS];
    uint16_t base_count[DMA_CHANNELS], cur_count[DMA_CHANNELS];
    uint8_t mode[DMA_CHANNELS]; /* without the channel select bits */
    uint8_t page[PAGE_COUNT];   /* ports 0x81-0x8F */
    uint8_t command[2];
    uint8_t mask;               /* bit n: channel n masked */
    uint8_t request;            /* bit n: software request on channel n */
    uint8_t tc;                 /* bit n: channel n reached TC since status was read */
    uint8_t dreq;               /* bit n: channel n's DREQ line */
    bool flip_flop[2];          /* the next address/count byte is the high one */
};

struct dma {
    struct dma_state st;
    struct phys_mem *mem;
    const struct logger *log;
    dma_service_fn *service[DMA_CHANNELS];
    void *service_opaque[DMA_CHANNELS];
};

/* The four channel bits of controller chip in a per-channel byte. */
static uint8_t chip_bits(unsigned chip)
{
    return (uint8_t)(0x0f << (4 * chip));
}

static bool chip_passes(const struct dma_state *st, unsigned ch)
{
    return !(st->command[ch / 4] & CMD_DISABLE) && !(st->mask & (1u << ch)) &&
           (st->mode[ch] & MODE_SELECT) != MODE_CASCADE;
}

bool dma_channel_masked(const struct dma *dma, unsigned channel)
{
    const struct dma_state *st = &dma->st;
    if (channel >= DMA_CHANNELS || channel == CASCADE_CHANNEL || !chip_passes(st, channel))
        return true;
    /* Controller 1 gets the bus only through controller 2's channel 4,
     * which must be enabled, unmasked and in cascade mode (PC/AT
     * technical reference, DMA section). */
    if (channel < 4)
        return (st->command[1] & CMD_DISABLE) || (st->mask & (1u << CASCADE_CHANNEL)) ||
               (st->mode[CASCADE_CHANNEL] & MODE_SELECT) != MODE_CASCADE;
    return false;
}

/* Bit n set when channel n can be served. */
static uint8_t open_channels(const struct dma *dma)
{
    uint8_t open = 0;
    for (unsigned ch = 0; ch < DMA_CHANNELS; ch++)
        if (!dma_channel_masked(dma, ch))
            open |= (uint8_t)(1u << ch);
    return open;
}

/* EOP at terminal count (datasheet, "Autoinitialize" and "Mask
 * Register"): the request bit clears, and the channel either reloads or
 * masks itself. */
static void terminal_count(struct dma_state *st, unsigned ch)
{
    uint8_t bit = (uint8_t)(1u << ch);
    st->tc |= bit;
    st->request &= (uint8_t)~bit;
    if (st->mode[ch] & MODE_AUTOINIT) {
        st->cur_addr[ch] = st->base_addr[ch];
        st->cur_count[ch] = st->base_count[ch];
    } else {
        st->mask |= bit;
    }
}

static uint64_t element_address(const struct dma_state *st, unsigned ch, uint16_t addr)
{
    uint32_t page = st->page[page_index[ch]];
    if (ch >= 4) /* A1-A16 from the controller, A17-A23 from the page */
        return ((uint64_t)(page & 0xfe) << 16) | ((uint64_t)addr << 1);
    return ((uint64_t)page << 16) | addr;
}

/* Device to memory from src when to_memory, else memory to device into
 * dst. */
static size_t transfer(struct dma *dma, unsigned ch, bool to_memory, const uint8_t *src,
                       uint8_t *dst, size_t len, bool *tc)
{
    struct dma_state *st = &dma->st;
    bool reached = false;
    size_t done = 0;
    unsigned esize = ch >= 4 ? 2 : 1;

    if (tc)
        *tc = false;
    if (dma_channel_masked(dma, ch))
        return 0;
    uint8_t type = st->mode[ch] & MODE_TYPE;
    if (type != MODE_VERIFY && type != (to_memory ? MODE_WRITE : MODE_READ)) {
        log_printf(dma->log, LOG_GUEST_ERRORS,
                   "dma channel %u: mode 0x%02x does not allow a %s transfer\n", ch,
                   st->mode[ch], to_memory ? "device-to-memory" : "memory-to-device");
        return 0;
    }
    bool decrement = (st->mode[ch] & MODE_DECREMENT) != 0;
    size_t elems = len / esize;
    while (done < elems && !reached) {
        uint16_t addr = st->cur_addr[ch];
        uint32_t left = (uint32_t)st->cur_count[ch] + 1;
        /* A run is contiguous memory: one element when counting down, else
         * up to where the address wraps within its page. */
        size_t run = decrement ? 1 : 0x10000u - addr;
        if (run > elems - done)
            run = elems - done;
        if (run > left)
            run = left;
        size_t at = done * esize, bytes = run * esize;
        uint64_t paddr = element_address(st, ch, addr);
        if (type == MODE_VERIFY) {
            if (!to_memory)
                memset(dst + at, 0xff, bytes);
        } else if (to_memory) {
            mem_write_block(dma->mem, paddr, src + at, bytes);
        } else {
            mem_read_block(dma->mem, paddr, dst + at, bytes);
        }
        st->cur_addr[ch] = (uint16_t)(decrement ? addr - run : addr + run);
        st->cur_count[ch] = (uint16_t)(left - run - 1);
        reached = run == left;
        done += run;
    }
    if (reached)
        terminal_count(st, ch);
    if (tc)
        *tc = reached;
    return done * esize;
}

size_t dma_channel_write(struct dma *dma, unsigned channel, const void *buf, size_t len,
                         bool *tc)
{
    return transfer(dma, channel, true, buf, NULL, len, tc);
}

size_t dma_channel_read(struct dma *dma, unsigned channel, void *buf, size_t len, bool *tc)
{
    return transfer(dma, channel, false, NULL, buf, len, tc);
}

void dma_set_dreq(struct dma *dma, unsigned channel, bool level)
{
    if (channel >= DMA_CHANNELS)
        return;
    uint8_t bit = (uint8_t)(1u << channel);
    dma->st.dreq = level ? (dma->st.dreq | bit) : (dma->st.dreq & (uint8_t)~bit);
}

void dma_set_service(struct dma *dma, unsigned channel, dma_service_fn *service, void *opaque)
{
    if (channel >= DMA_CHANNELS)
        return;
    dma->service[channel] = service;
    dma->service_opaque[channel] = opaque;
}

static uint8_t read_reg(struct dma *dma, unsigned chip, unsigned reg)
{
    struct dma_state *st = &dma->st;

    if (reg < 8) {
        unsigned ch = chip * 4 + reg / 2;
        uint16_t v = (reg & 1) ? st->cur_count[ch] : st->cur_addr[ch];
        bool high = st->flip_flop[chip];
        st->flip_flop[chip] = !high;
        return (uint8_t)(high ? v >> 8 : v);
    }
    switch (reg) {
    case REG_STATUS_COMMAND: {
        /* TC bits 0-3 clear on read; request bits 4-7 follow the lines
         * (datasheet, "Status Register"). */
        uint8_t bits = chip_bits(chip);
        uint8_t v = (uint8_t)(((st->tc & bits) >> (4 * chip)) |
                              ((((st->request | st->dreq) & bits) >> (4 * chip)) << 4));
        st->tc &= (uint8_t)~bits;
        return v;
    }
    case REG_TEMP_MASTER_CLEAR:
        return 0;
    default:
        log_printf(dma->log, LOG_GUEST_ERRORS, "dma%u: read of write-only register %u\n",
                   chip + 1, reg);
        return 0xff;
    }
}

/* Master clear (datasheet, "Software Commands"): command, status,
 * request and temporary registers and the flip-flop clear, every mask
 * bit sets; modes, addresses and counts stay. */
static void master_clear(struct dma_state *st, unsigned chip)
{
    uint8_t bits = chip_bits(chip);
    st->command[chip] = 0;
    st->tc &= (uint8_t)~bits;
    st->request &= (uint8_t)~bits;
    st->mask |= bits;
    st->flip_flop[chip] = false;
}

static void write_word_byte(uint16_t *reg, bool high, uint8_t v)
{
    *reg = high ? (uint16_t)((*reg & 0x00ff) | (v << 8)) : (uint16_t)((*reg & 0xff00) | v);
}

static void write_reg(struct dma *dma, unsigned chip, unsigned reg, uint8_t v)
{
    struct dma_state *st = &dma->st;
    unsigned ch = chip * 4 + (v & MODE_CHANNEL);
    uint8_t bit = (uint8_t)(1u << ch);
    uint8_t bits = chip_bits(chip);

    if (reg < 8) {
        /* Writing loads the base and the current register together. */
        unsigned target = chip * 4 + reg / 2;
        bool high = st->flip_flop[chip];
        st->flip_flop[chip] = !high;
        if (reg & 1) {
            write_word_byte(&st->base_count[target], high, v);
            write_word_byte(&st->cur_count[target], high, v);
        } else {
            write_word_byte(&st->base_addr[target], high, v);
            write_word_byte(&st->cur_addr[target], high, v);
        }
        return;
    }
    switch (reg) {
    case REG_STATUS_COMMAND:
        if (v & CMD_MEM_TO_MEM)
            log_printf(dma->log, LOG_GUEST_ERRORS,
                       "dma%u: memory-to-memory transfers are not supported\n", chip + 1);
        st->command[chip] = v;
        break;
    case REG_REQUEST:
        st->request = (v & 4) ? (st->request | bit) : (st->request & (uint8_t)~bit);
        break;
    case REG_SINGLE_MASK:
        st->mask = (v & 4) ? (st->mask | bit) : (st->mask & (uint8_t)~bit);
        break;
    case REG_MODE:
        st->mode[ch] = v & (uint8_t)~MODE_CHANNEL;
        break;
    case REG_CLEAR_FLIP_FLOP:
        st->flip_flop[chip] = false;
        break;
    case REG_TEMP_MASTER_CLEAR:
        master_clear(st, chip);
        break;
    case REG_CLEAR_MASK:
        st->mask &= (uint8_t)~bits;
        break;
    default: /* REG_ALL_MASK */
        st->mask = (uint8_t)((st->mask & ~bits) | ((v & 0x0f) << (4 * chip)));
        break;
    }
}

/* A register write that may open channels: offer service to those whose
 * DREQ is already high. */
static void guest_write(struct dma *dma, unsigned chip, unsigned reg, uint8_t v)
{
    uint8_t before = open_channels(dma);
    write_reg(dma, chip, reg, v);
    uint8_t opened = open_channels(dma) & (uint8_t)~before & dma->st.dreq;
    for (unsigned ch = 0; ch < DMA_CHANNELS; ch++)
        if ((opened & (1u << ch)) && dma->service[ch])
            dma->service[ch](dma->service_opaque[ch], ch);
}

/* Both controllers are 8-bit devices: a wider access reaches consecutive
 * registers, one byte each. */
static uint32_t dma1_io_read(void *opaque, uint32_t offset, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(opaque, 0, (offset + i) & 15) << (8 * i);
    return v;
}

static void dma1_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        guest_write(opaque, 0, (offset + i) & 15, (value >> (8 * i)) & 0xff);
}

/* Controller 2's A0-A3 are wired to SA1-SA4 and SA0 is not decoded, so
 * an odd port reaches the register of the even port below it. */
static uint32_t dma2_io_read(void *opaque, uint32_t offset, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(opaque, 1, ((offset + i) & 31) >> 1) << (8 * i);
    return v;
}

static void dma2_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        guest_write(opaque, 1, ((offset + i) & 31) >> 1, (value >> (8 * i)) & 0xff);
}

/* The page registers are plain storage (a 74LS612 on the AT); those of
 * no channel serve the guest as scratch bytes. */
static uint32_t page_io_read(void *opaque, uint32_t offset, unsigned size)
{
    struct dma *dma = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)dma->st.page[(offset + i) % PAGE_COUNT] << (8 * i);
    return v;
}

static void page_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct dma *dma = opaque;
    for (unsigned i = 0; i < size; i++)
        dma->st.page[(offset + i) % PAGE_COUNT] = (value >> (8 * i)) & 0xff;
}

static const struct io_ops dma1_io_ops = { .read = dma1_io_read, .write = dma1_io_write };
static const struct io_ops dma2_io_ops = { .read = dma2_io_read, .write = dma2_io_write };
static const struct io_ops page_io_ops = { .read = page_io_read, .write = page_io_write };

/* Every byte value of every register can come from the guest except the
 * mode's channel select bits, which are never stored. */
static int dma_post_load(void *obj, char *err, size_t errlen)
{
    const struct dma *dma = obj;
    for (unsigned ch = 0; ch < DMA_CHANNELS; ch++) {
        if (dma->st.mode[ch] & MODE_CHANNEL) {
            snprintf(err, errlen, "dma channel %u: mode holds channel select bits", ch);
            return -1;
        }
    }
    return 0;
}

#define DMA_ARRAY(member, reset) STATE_ARRAY(struct dma, st.member, reset)
#define DMA_FIELD(member, reset) STATE_FIELD(struct dma, st.member, reset)

/* RESET as a master clear of both controllers (every channel masked),
 * with the other registers cleared so that power-on is repeatable. */
static const struct state_field dma_fields[] = {
    DMA_ARRAY(base_addr, 0),
    DMA_ARRAY(cur_addr, 0),
    DMA_ARRAY(base_count, 0),
    DMA_ARRAY(cur_count, 0),
    DMA_ARRAY(mode, 0),
    DMA_ARRAY(page, 0),
    DMA_ARRAY(command, 0),
    DMA_FIELD(mask, 0xff),
    DMA_FIELD(request, 0),
    DMA_FIELD(tc, 0),
    DMA_FIELD(dreq, 0),
    DMA_ARRAY(flip_flop, false),
};

const struct state_desc dma_state_desc = {
    .name = "dma",
    .version = 1,
    .fields = dma_fields,
    .field_count = sizeof(dma_fields) / sizeof(dma_fields[0]),
    .post_load = dma_post_load,
};

void dma_reset(struct dma *dma)
{
    state_reset(&dma_state_desc, dma);
}

struct dma *dma_create(struct io_bus *io, struct phys_mem *mem, const struct logger *log)
{
    struct dma *dma = calloc(1, sizeof(*dma));
    if (!dma)
        return NULL;
    dma->mem = mem;
    dma->log = log;
    state_reset(&dma_state_desc, dma);
    if (io_register(io, DMA1_BASE, 16, &dma1_io_ops, dma) < 0 ||
        io_register(io, PAGE_BASE, PAGE_COUNT, &page_io_ops, dma) < 0 ||
        io_register(io, DMA2_BASE, 32, &dma2_io_ops, dma) < 0) {
        io_unregister_all(io, dma);
        free(dma);
        return NULL;
    }
    return dma;
}

void dma_destroy(struct dma *dma)
{
    free(dma);
}
