/*
 * 16550A UART, after the National Semiconductor PC16550D datasheet.
 *
 * Transmission is instant: a byte written to THR goes to the back end at
 * once, so THR and the transmitter are always empty (LSR THRE and TEMT set).
 * The receiver has the 16-byte FIFO (one byte when FCR0 is clear), fed from
 * the back end as its bytes come, or from THR in loopback mode. The line
 * speed set through DLL/DLM and the character format in LCR time only the
 * FIFO's character timeout, which a virtual-clock timer measures, so under
 * -icount a guest sees it after the same number of instructions every run.
 *
 * All device state is in struct serial_state: fixed-width fields, no host
 * pointers, described once by serial_state_desc for reset, save and load.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hw/serial.h"

#define NS_PER_SEC 1000000000ull
/* The PC's UART clock, 1.8432 MHz, divided by 16 clocks per bit. */
#define BAUD_BASE 115200u

/* Register offsets (datasheet table II). */
enum {
    REG_RBR_THR = 0, /* DLL when LCR.DLAB */
    REG_IER = 1,     /* DLM when LCR.DLAB */
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

enum { IER_ERBFI = 1, IER_ETBEI = 2, IER_ELSI = 4, IER_EDSSI = 8 };
enum {
    IIR_NONE = 0x01, IIR_MODEM = 0x00, IIR_THRE = 0x02, IIR_RDA = 0x04, IIR_LINE = 0x06,
    IIR_TIMEOUT = 0x0c, IIR_FIFO = 0xc0,
};
enum { FCR_ENABLE = 1, FCR_RX_RESET = 2, FCR_TX_RESET = 4, FCR_DMA = 8, FCR_TRIGGER = 0xc0 };
enum { LCR_WLS = 0x03, LCR_STB = 0x04, LCR_PEN = 0x08, LCR_DLAB = 0x80 };
enum { MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 16, MCR_MASK = 0x1f };
enum {
    LSR_DR = 1, LSR_OE = 2, LSR_PE = 4, LSR_FE = 8, LSR_BI = 16, LSR_THRE = 32, LSR_TEMT = 64,
    LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI,
};
enum {
    MSR_DCTS = 1, MSR_DDSR = 2, MSR_TERI = 4, MSR_DDCD = 8,
    MSR_CTS = 16, MSR_DSR = 32, MSR_RI = 64, MSR_DCD = 128,
};

#define FIFO_SIZE 16

struct serial_state {
    uint8_t ier, lcr, mcr, fcr, scr, dll, dlm;
    uint8_t lsr_errors;   /* OE/PE/FE/BI, cleared by reading LSR */
    uint8_t msr_lines;    /* CTS, DSR, RI, DCD as the UART sees them */
    uint8_t msr_deltas;   /* MSR bits 0-3, cleared by reading MSR */
    uint8_t rx_fifo[FIFO_SIZE];
    uint8_t rx_head, rx_count;
    uint8_t rbr;          /* the last byte read, which RBR keeps showing */
    bool thr_ipending; /* THR-empty interrupt not yet acknowledged */
    bool rx_timeout;   /* the line went idle with bytes below the trigger */
    uint64_t rx_deadline; /* ns when the character timeout fires, or TIMER_NEVER */
};

struct serial {
    struct serial_state st;
    struct timer rx_timer; /* armed at st.rx_deadline */
    struct chardev *chr;
    struct irq_line irq;
    struct vclock *clock;
    const struct logger *log;
    uint16_t base;
};

static unsigned rx_capacity(const struct serial_state *st)
{
    return (st->fcr & FCR_ENABLE) ? FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct serial_state *st)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    return (st->fcr & FCR_ENABLE) ? levels[st->fcr >> 6] : 1;
}

/* Interrupt identification in priority order (datasheet table IV). */
static uint8_t pending_iir(const struct serial_state *st)
{
    if ((st->ier & IER_ELSI) && (st->lsr_errors & LSR_ERRORS))
        return IIR_LINE;
    if ((st->ier & IER_ERBFI) && st->rx_count >= rx_trigger(st))
        return IIR_RDA;
    if ((st->ier & IER_ERBFI) && st->rx_count > 0 && st->rx_timeout)
        return IIR_TIMEOUT;
    if ((st->ier & IER_ETBEI) && st->thr_ipending)
        return IIR_THRE;
    if ((st->ier & IER_EDSSI) && st->msr_deltas)
        return IIR_MODEM;
    return IIR_NONE;
}

/* On a PC the UART's INTR pin reaches the interrupt controller only through
 * a gate driven by OUT2; in loopback the OUT pins are held inactive
 * (datasheet, MCR bit 4), which closes the gate. */
static void update_irq(struct serial *s)
{
    const struct serial_state *st = &s->st;
    bool gate = (st->mcr & MCR_OUT2) && !(st->mcr & MCR_LOOP);
    irq_set(&s->irq, gate && pending_iir(st) != IIR_NONE);
}

/* The modem inputs as the UART sees them. In loopback the outputs feed the
 * inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. Otherwise the back end
 * looks like a connected, ready modem. */
static uint8_t modem_lines(uint8_t mcr)
{
    if (!(mcr & MCR_LOOP))
        return MSR_CTS | MSR_DSR | MSR_DCD;
    return ((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
           ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0);
}

/* Recompute the modem inputs and latch the deltas MSR reports. */
static void update_modem_lines(struct serial_state *st)
{
    uint8_t lines = modem_lines(st->mcr);
    uint8_t changed = lines ^ st->msr_lines;
    if (changed & MSR_CTS)
        st->msr_deltas |= MSR_DCTS;
    if (changed & MSR_DSR)
        st->msr_deltas |= MSR_DDSR;
    if ((changed & MSR_RI) && !(lines & MSR_RI))
        st->msr_deltas |= MSR_TERI; /* trailing edge only */
    if (changed & MSR_DCD)
        st->msr_deltas |= MSR_DDCD;
    st->msr_lines = lines;
}

/* Four character times in ns, rounded up so the timeout never comes
 * early. A character is a start bit, 5-8 data bits, the parity bit and
 * 1, 1.5 (5 data bits) or 2 stop bits (datasheet, LCR); it takes 16 clocks
 * of 1.8432 MHz / divisor per bit. The datasheet gives divisors from 1 to
 * 2^16 - 1; a divisor of 0 counts as 2^16, as a 16-bit down counter
 * reloaded with 0 wraps through 2^16 states, so bytes below the trigger
 * level are still reported, only as late as the slowest rate allows. */
static uint64_t timeout_ns(const struct serial_state *st)
{
    unsigned data_bits = 5 + (st->lcr & LCR_WLS);
    unsigned half_bits = 2 * (1 + data_bits + ((st->lcr & LCR_PEN) ? 1 : 0));
    if (!(st->lcr & LCR_STB))
        half_bits += 2;
    else
        half_bits += data_bits == 5 ? 3 : 4;
    uint64_t divisor = (uint64_t)st->dlm << 8 | st->dll;
    if (divisor == 0)
        divisor = 1u << 16;
    /* 4 characters of half_bits / 2 bits each, at BAUD_BASE / divisor. */
    uint64_t scaled = 2 * half_bits * divisor * NS_PER_SEC;
    return (scaled + BAUD_BASE - 1) / BAUD_BASE;
}

static void set_rx_deadline(struct serial *s, uint64_t deadline)
{
    s->st.rx_deadline = deadline;
    timer_mod(&s->rx_timer, deadline);
}

/* The character timeout counts four character times from the last
 * character into or out of the receive FIFO, while it holds any; there is
 * none without the FIFO. A timeout already indicated stays until the CPU
 * reads a character (datasheet, "FIFO Interrupt Mode Operation"). A new
 * line speed or format counts from the next restart. */
static void restart_rx_timeout(struct serial *s)
{
    const struct serial_state *st = &s->st;
    if ((st->fcr & FCR_ENABLE) && st->rx_count > 0)
        set_rx_deadline(s, vclock_now(s->clock) + timeout_ns(st));
    else
        set_rx_deadline(s, TIMER_NEVER);
}

static void rx_timeout_fire(void *opaque)
{
    struct serial *s = opaque;
    struct serial_state *st = &s->st;
    st->rx_deadline = TIMER_NEVER;
    if (st->rx_count > 0 && st->rx_count < rx_trigger(st))
        st->rx_timeout = true;
    update_irq(s);
}

static void rx_clear(struct serial *s)
{
    s->st.rx_head = 0;
    s->st.rx_count = 0;
    s->st.rx_timeout = false;
    restart_rx_timeout(s);
}

static void receive(struct serial *s, uint8_t byte)
{
    struct serial_state *st = &s->st;
    if (st->rx_count == rx_capacity(st)) {
        st->lsr_errors |= LSR_OE; /* the byte in the shift register is lost */
        return;
    }
    st->rx_fifo[(st->rx_head + st->rx_count) % FIFO_SIZE] = byte;
    st->rx_count++;
    restart_rx_timeout(s);
}

static uint8_t read_reg(struct serial *s, unsigned reg)
{
    struct serial_state *st = &s->st;
    bool dlab = (st->lcr & LCR_DLAB) != 0;
    uint8_t v;

    switch (reg) {
    case REG_RBR_THR:
        if (dlab)
            return st->dll;
        if (st->rx_count) {
            st->rbr = st->rx_fifo[st->rx_head];
            st->rx_head = (st->rx_head + 1) % FIFO_SIZE;
            st->rx_count--;
            st->rx_timeout = false;
            restart_rx_timeout(s);
        }
        v = st->rbr;
        break;
    case REG_IER:
        return dlab ? st->dlm : st->ier;
    case REG_IIR_FCR:
        v = pending_iir(st);
        /* Reading IIR acknowledges a THR-empty interrupt it reports. */
        if (v == IIR_THRE)
            st->thr_ipending = false;
        if (st->fcr & FCR_ENABLE)
            v |= IIR_FIFO;
        break;
    case REG_LCR:
        return st->lcr;
    case REG_MCR:
        return st->mcr;
    case REG_LSR:
        v = (st->rx_count ? LSR_DR : 0) | st->lsr_errors | LSR_THRE | LSR_TEMT;
        st->lsr_errors = 0;
        break;
    case REG_MSR:
        v = st->msr_lines | st->msr_deltas;
        st->msr_deltas = 0;
        break;
    default:
        return st->scr;
    }
    update_irq(s);
    return v;
}

static void write_fcr(struct serial *s, uint8_t v)
{
    struct serial_state *st = &s->st;
    /* Changing FCR0 empties both FIFOs; the other bits are written only
     * while FCR0 is set (datasheet, FCR description). */
    if ((v ^ st->fcr) & FCR_ENABLE)
        rx_clear(s);
    if (!(v & FCR_ENABLE)) {
        st->fcr = 0;
        return;
    }
    if (v & FCR_RX_RESET)
        rx_clear(s);
    st->fcr = v & (FCR_ENABLE | FCR_DMA | FCR_TRIGGER);
}

static void write_reg(struct serial *s, unsigned reg, uint8_t v)
{
    struct serial_state *st = &s->st;
    bool dlab = (st->lcr & LCR_DLAB) != 0;

    switch (reg) {
    case REG_RBR_THR:
        if (dlab) {
            st->dll = v;
            return;
        }
        if (st->mcr & MCR_LOOP)
            receive(s, v);
        else if (s->chr)
            chardev_write(s->chr, &v, 1);
        /* Writing THR acknowledges its interrupt, but the byte leaves at
         * once, so THR is empty again and the interrupt is due again. */
        st->thr_ipending = true;
        break;
    case REG_IER:
        if (dlab) {
            st->dlm = v;
            return;
        }
        /* Enabling the THR-empty interrupt while THR is empty raises it. */
        if ((v & IER_ETBEI) && !(st->ier & IER_ETBEI))
            st->thr_ipending = true;
        st->ier = v & 0x0f;
        break;
    case REG_IIR_FCR:
        write_fcr(s, v);
        break;
    case REG_LCR:
        st->lcr = v;
        return;
    case REG_MCR:
        st->mcr = v & MCR_MASK;
        update_modem_lines(st);
        break;
    case REG_LSR:
    case REG_MSR:
        /* Read-only; the datasheet reserves writes for factory test. */
        log_printf(s->log, LOG_GUEST_ERRORS,
                   "serial 0x%03x: write of 0x%02x to read-only %s ignored\n", s->base, v,
                   reg == REG_LSR ? "LSR" : "MSR");
        return;
    default:
        st->scr = v;
        return;
    }
    update_irq(s);
}

static uint32_t serial_io_read(void *opaque, uint32_t offset, unsigned size)
{
    /* An 8-bit device: a wider access reads consecutive registers. */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(opaque, (offset + i) & 7) << (8 * i);
    return v;
}

static void serial_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        write_reg(opaque, (offset + i) & 7, (value >> (8 * i)) & 0xff);
}

static const struct io_ops serial_io_ops = {
    .read = serial_io_read,
    .write = serial_io_write,
};

/* Values the loader accepts only when the registers could hold them, so
 * that a bad state file cannot index past the FIFO or set bits the guest
 * could never set. */
static int serial_post_load(void *obj, char *err, size_t errlen)
{
    struct serial *s = obj;
    const struct serial_state *st = &s->st;
    const char *why = NULL;

    if (st->ier & ~0x0f)
        why = "IER has reserved bits set";
    else if (st->mcr & ~MCR_MASK)
        why = "MCR has reserved bits set";
    else if ((st->fcr & ~(FCR_ENABLE | FCR_DMA | FCR_TRIGGER)) ||
             (st->fcr && !(st->fcr & FCR_ENABLE)))
        why = "FCR holds bits a write cannot leave";
    else if (st->lsr_errors & ~LSR_ERRORS)
        why = "LSR errors hold non-error bits";
    else if (st->msr_lines != modem_lines(st->mcr))
        why = "MSR lines disagree with MCR";
    else if (st->msr_deltas & ~(MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD))
        why = "MSR deltas hold line bits";
    else if (st->rx_head >= FIFO_SIZE || st->rx_count > rx_capacity(st))
        why = "receive FIFO position out of range";
    else if (st->rx_deadline != TIMER_NEVER && (!(st->fcr & FCR_ENABLE) || st->rx_count == 0))
        why = "character timeout armed without bytes in the receive FIFO";
    if (why) {
        snprintf(err, errlen, "serial 0x%03x: %s", s->base, why);
        return -1;
    }
    timer_mod(&s->rx_timer, st->rx_deadline);
    update_irq(s);
    return 0;
}

#define SERIAL_FIELD(member, reset) STATE_FIELD(struct serial, st.member, reset)

/* Power-on values (datasheet table III); the divisor latches start at
 * 9600 baud from the PC's 1.8432 MHz clock. */
static const struct state_field serial_fields[] = {
    SERIAL_FIELD(ier, 0),
    SERIAL_FIELD(lcr, 0),
    SERIAL_FIELD(mcr, 0),
    SERIAL_FIELD(fcr, 0),
    SERIAL_FIELD(scr, 0),
    SERIAL_FIELD(dll, 12),
    SERIAL_FIELD(dlm, 0),
    SERIAL_FIELD(lsr_errors, 0),
    SERIAL_FIELD(msr_lines, MSR_CTS | MSR_DSR | MSR_DCD),
    SERIAL_FIELD(msr_deltas, 0),
    STATE_ARRAY(struct serial, st.rx_fifo, 0),
    SERIAL_FIELD(rx_head, 0),
    SERIAL_FIELD(rx_count, 0),
    SERIAL_FIELD(rbr, 0),
    SERIAL_FIELD(thr_ipending, false),
    SERIAL_FIELD(rx_timeout, false),
    SERIAL_FIELD(rx_deadline, TIMER_NEVER),
};

const struct state_desc serial_state_desc = {
    .name = "serial",
    .version = 1,
    .fields = serial_fields,
    .field_count = sizeof(serial_fields) / sizeof(serial_fields[0]),
    .post_load = serial_post_load,
};

void serial_reset(struct serial *s)
{
    /* Master reset leaves RBR, THR, SCR and the divisor latches alone
     * (datasheet table III); the rest takes its power-on value. */
    struct serial_state kept = s->st;
    state_reset(&serial_state_desc, s);
    s->st.rbr = kept.rbr;
    s->st.scr = kept.scr;
    s->st.dll = kept.dll;
    s->st.dlm = kept.dlm;
    timer_del(&s->rx_timer);
    update_irq(s);
}

struct serial *serial_create(struct io_bus *io, struct vclock *clock, uint16_t base,
                             struct chardev *chr, struct irq_line irq, const struct logger *log)
{
    struct serial *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->clock = clock;
    timer_init(&s->rx_timer, clock, rx_timeout_fire, s);
    s->chr = chr;
    s->irq = irq;
    s->log = log;
    s->base = base;
    state_reset(&serial_state_desc, s);
    update_irq(s);
    if (io_register(io, base, 8, &serial_io_ops, s) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

void serial_destroy(struct serial *s)
{
    if (!s)
        return;
    timer_del(&s->rx_timer);
    free(s);
}

void serial_poll(struct serial *s)
{
    struct serial_state *st = &s->st;
    if (!s->chr || (st->mcr & MCR_LOOP))
        return;
    uint8_t byte;
    while (st->rx_count < rx_capacity(st) && chardev_read(s->chr, &byte))
        receive(s, byte);
    update_irq(s);
}
