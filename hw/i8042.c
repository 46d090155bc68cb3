/*
 * 8042 keyboard controller, after the IBM PS/2 Hardware Interface
 * Technical Reference, "Keyboard and Auxiliary Device Controller".
 *
 * The controller has one output buffer. While it is empty and a port is
 * enabled, the controller takes the next byte its device has waiting
 * (keyboard first), translating keyboard bytes from scan code set 2 to set
 * 1 when the command byte asks; reading port 0x60 empties it. Bytes reach
 * the devices at once, so the input buffer is never seen full. IRQ 1
 * follows a full buffer holding keyboard or controller data, IRQ 12 one
 * holding auxiliary data, each gated by its command byte enable.
 *
 * All device state is in struct i8042_state, described by i8042_state_desc.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hw/i8042.h"
#include "hw/ps2.h"

enum { DATA_PORT = 0x60, CMD_PORT = 0x64 };

/* Status register. */
enum {
    STAT_OBF = 0x01,  /* output buffer full */
    STAT_IBF = 0x02,  /* input buffer full */
    STAT_SYS = 0x04,  /* system flag: self test passed, or command byte bit 2 */
    STAT_A2 = 0x08,   /* last write was a command (port 0x64) */
    STAT_INH = 0x10,  /* keyboard not inhibited by the key lock */
    STAT_AUXB = 0x20, /* the output buffer holds auxiliary data */
    STAT_TO = 0x40,   /* time-out: no device answered */
    STAT_STORED = STAT_SYS | STAT_A2 | STAT_TO,
};

/* Command byte (controller RAM byte 0). */
enum {
    CB_KBD_INT = 0x01, CB_AUX_INT = 0x02, CB_SYS = 0x04,
    CB_KBD_DISABLE = 0x10, CB_AUX_DISABLE = 0x20, CB_XLAT = 0x40,
};

/* Output port. */
enum { OUT_RESET = 0x01, OUT_A20 = 0x02, OUT_KBD_OBF = 0x10, OUT_AUX_OBF = 0x20 };

#define RAM_SIZE 32

struct i8042_state {
    uint8_t ram[RAM_SIZE]; /* ram[0] is the command byte */
    uint8_t status;        /* STAT_STORED bits; the others come from the buffer */
    uint8_t out;           /* output buffer */
    bool out_full;
    bool out_aux;     /* the output buffer's byte came from the auxiliary port */
    uint8_t pending;  /* command whose data byte comes through port 0x60, or 0 */
    uint8_t outport;  /* output port bits 0-3 */
    bool xlat_break;  /* translation took a 0xF0 and owes bit 7 to the next code */
    uint8_t ready;    /* bit per port: its device has bytes to send */
};

struct i8042 {
    struct i8042_state st;
    struct irq_line irq[2];
    struct i8042_port port[2];
    struct i8042_board board;
    const struct logger *log;
    bool servicing; /* taking bytes from the devices; not state, never saved */
};

static bool port_enabled(const struct i8042_state *st, unsigned port)
{
    return !(st->ram[0] & (port == I8042_PORT_KBD ? CB_KBD_DISABLE : CB_AUX_DISABLE));
}

static void update_irq(struct i8042 *k)
{
    const struct i8042_state *st = &k->st;
    irq_set(&k->irq[0], st->out_full && !st->out_aux && (st->ram[0] & CB_KBD_INT));
    irq_set(&k->irq[1], st->out_full && st->out_aux && (st->ram[0] & CB_AUX_INT));
}

static void set_a20(struct i8042 *k)
{
    if (k->board.set_a20)
        k->board.set_a20(k->board.opaque, (k->st.outport & OUT_A20) != 0);
}

static void pulse_reset(struct i8042 *k)
{
    if (k->board.reset)
        k->board.reset(k->board.opaque);
}

static void output(struct i8042 *k, uint8_t byte, bool aux)
{
    k->st.out = byte;
    k->st.out_full = true;
    k->st.out_aux = aux;
}

/* Take one byte from port's device into the output buffer. False when the
 * device had none. */
static bool take(struct i8042 *k, unsigned port)
{
    struct i8042_state *st = &k->st;
    uint8_t b;

    if (!k->port[port].opaque || !k->port[port].read(k->port[port].opaque, &b)) {
        st->ready &= ~(1u << port);
        return false;
    }
    if (port == I8042_PORT_KBD && (st->ram[0] & CB_XLAT)) {
        /* Translation folds the break prefix into the next code. */
        if (b == 0xf0) {
            st->xlat_break = true;
            return true;
        }
        b = ps2_set2_to_set1(b) | (st->xlat_break ? 0x80 : 0);
        st->xlat_break = false;
    }
    output(k, b, port == I8042_PORT_AUX);
    return true;
}

/* Fill the empty output buffer from the devices, then drive the IRQs. A
 * device lowers its ready line from inside read, which calls back here;
 * the flag keeps that call from taking bytes too. */
static void service(struct i8042 *k)
{
    struct i8042_state *st = &k->st;
    if (k->servicing)
        return;
    k->servicing = true;
    while (!st->out_full) {
        unsigned port;
        if ((st->ready & 1) && port_enabled(st, I8042_PORT_KBD))
            port = I8042_PORT_KBD;
        else if ((st->ready & 2) && port_enabled(st, I8042_PORT_AUX))
            port = I8042_PORT_AUX;
        else
            break;
        take(k, port);
    }
    k->servicing = false;
    update_irq(k);
}

static void ready_set(void *opaque, unsigned port, bool level)
{
    struct i8042 *k = opaque;
    if (level)
        k->st.ready |= 1u << port;
    else
        k->st.ready &= ~(1u << port);
    if (level)
        service(k);
}

struct irq_line i8042_port_ready(struct i8042 *k, unsigned port)
{
    return (struct irq_line){ ready_set, k, port & 1 };
}

/* A byte for a device. With nothing plugged in, the controller times out
 * and answers 0xFE itself, with the time-out flag set. */
static void send(struct i8042 *k, unsigned port, uint8_t byte)
{
    struct i8042_state *st = &k->st;
    st->status &= ~STAT_TO;
    if (!k->port[port].opaque) {
        st->status |= STAT_TO;
        output(k, 0xfe, port == I8042_PORT_AUX);
        update_irq(k);
        return;
    }
    k->port[port].write(k->port[port].opaque, byte);
    service(k);
}

static void write_outport(struct i8042 *k, uint8_t v)
{
    uint8_t old = k->st.outport;
    k->st.outport = v & 0x0f;
    if ((old ^ v) & OUT_A20)
        set_a20(k);
    if (!(v & OUT_RESET))
        pulse_reset(k);
}

/* The data byte of a command written to port 0x64. */
static void command_data(struct i8042 *k, uint8_t cmd, uint8_t v)
{
    struct i8042_state *st = &k->st;

    if (cmd >= 0x60 && cmd < 0x80) {
        unsigned idx = cmd & 0x1f;
        st->ram[idx] = v;
        if (idx == 0) {
            st->status = (uint8_t)((st->status & ~STAT_SYS) | (v & CB_SYS));
            service(k); /* a port may have been enabled */
        }
        return;
    }
    switch (cmd) {
    case 0xd1:
        write_outport(k, v);
        break;
    case 0xd2: /* as if from the keyboard */
        output(k, v, false);
        update_irq(k);
        break;
    case 0xd3: /* as if from the mouse */
        output(k, v, true);
        update_irq(k);
        break;
    default: /* 0xd4 */
        send(k, I8042_PORT_AUX, v);
        break;
    }
}

/* A controller's answer to a command replaces what the buffer held. */
static void answer(struct i8042 *k, uint8_t v)
{
    output(k, v, false);
    update_irq(k);
}

static void set_disable(struct i8042 *k, uint8_t bit, bool disable)
{
    if (disable)
        k->st.ram[0] |= bit;
    else
        k->st.ram[0] &= ~bit;
    service(k);
}

static void command(struct i8042 *k, uint8_t cmd)
{
    struct i8042_state *st = &k->st;

    st->pending = 0;
    if (cmd >= 0x20 && cmd < 0x40) {
        answer(k, st->ram[cmd & 0x1f]);
        return;
    }
    if ((cmd >= 0x60 && cmd < 0x80) || (cmd >= 0xd1 && cmd <= 0xd4)) {
        st->pending = cmd;
        return;
    }
    if (cmd >= 0xf0) {
        /* Pulse the output port bits 0-3 that are 0 in the command. */
        if (!(cmd & OUT_RESET))
            pulse_reset(k);
        return;
    }
    switch (cmd) {
    case 0xa7:
    case 0xa8:
        set_disable(k, CB_AUX_DISABLE, cmd == 0xa7);
        break;
    case 0xa9: /* auxiliary interface test: no line stuck */
    case 0xab: /* keyboard interface test */
        answer(k, 0x00);
        break;
    case 0xaa: /* self test */
        st->status |= STAT_SYS;
        answer(k, 0x55);
        break;
    case 0xad:
    case 0xae:
        set_disable(k, CB_KBD_DISABLE, cmd == 0xad);
        break;
    case 0xc0: /* input port: bit 7, the key lock is open */
        answer(k, 0x80);
        break;
    case 0xd0: {
        uint8_t v = st->outport;
        if (st->out_full)
            v |= st->out_aux ? OUT_AUX_OBF : OUT_KBD_OBF;
        answer(k, v);
        break;
    }
    case 0xdd:
    case 0xdf: /* A20 off and on, as HP's controllers */
        write_outport(k, (uint8_t)((st->outport & ~OUT_A20) | (cmd == 0xdf ? OUT_A20 : 0)));
        break;
    case 0xe0: {
        /* Test inputs T0 and T1: the keyboard and auxiliary clock lines,
         * high unless the controller holds the port disabled. */
        uint8_t v = (port_enabled(st, I8042_PORT_KBD) ? 1 : 0) |
                    (port_enabled(st, I8042_PORT_AUX) ? 2 : 0);
        answer(k, v);
        break;
    }
    default:
        log_printf(k->log, LOG_GUEST_ERRORS, "i8042: unknown command 0x%02x\n", cmd);
        break;
    }
}

static uint8_t read_data(struct i8042 *k)
{
    struct i8042_state *st = &k->st;
    uint8_t v = st->out;
    if (st->out_full) {
        st->out_full = false;
        update_irq(k); /* the line drops before the next byte raises it */
        service(k);
    }
    return v;
}

static uint8_t read_status(const struct i8042 *k)
{
    const struct i8042_state *st = &k->st;
    uint8_t v = (st->status & STAT_STORED) | STAT_INH;
    if (st->out_full)
        v |= STAT_OBF | (st->out_aux ? STAT_AUXB : 0);
    return v;
}

static void write_data(struct i8042 *k, uint8_t v)
{
    struct i8042_state *st = &k->st;
    uint8_t cmd = st->pending;
    st->status &= ~STAT_A2;
    st->pending = 0;
    if (cmd)
        command_data(k, cmd, v);
    else
        send(k, I8042_PORT_KBD, v);
}

/* An 8-bit device: a wider read sees the bytes past it float high. */
static uint32_t widen(uint8_t v, unsigned size)
{
    return size >= 4 ? 0xffffff00u | v : size == 2 ? 0xff00u | v : v;
}

static uint32_t data_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)offset;
    return widen(read_data(opaque), size);
}

static void data_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    (void)offset;
    (void)size;
    write_data(opaque, value & 0xff);
}

static uint32_t cmd_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)offset;
    return widen(read_status(opaque), size);
}

static void cmd_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct i8042 *k = opaque;
    (void)offset;
    (void)size;
    k->st.status |= STAT_A2;
    command(k, value & 0xff);
}

static const struct io_ops data_ops = { .read = data_read, .write = data_write };
static const struct io_ops cmd_ops = { .read = cmd_read, .write = cmd_write };

static bool pending_valid(uint8_t cmd)
{
    return cmd == 0 || (cmd >= 0x60 && cmd < 0x80) || (cmd >= 0xd1 && cmd <= 0xd4);
}

static int i8042_post_load(void *obj, char *err, size_t errlen)
{
    struct i8042 *k = obj;
    const struct i8042_state *st = &k->st;
    const char *why = NULL;

    if (st->status & ~STAT_STORED)
        why = "status holds bits the buffer decides";
    else if (!pending_valid(st->pending))
        why = "no command takes a data byte";
    else if (st->outport & ~0x0f)
        why = "output port holds bits the buffer decides";
    else if (st->ready & ~3)
        why = "ready lines of ports that do not exist";
    if (why) {
        snprintf(err, errlen, "i8042: %s", why);
        return -1;
    }
    update_irq(k);
    set_a20(k);
    return 0;
}

#define I8042_FIELD(member, reset) STATE_FIELD(struct i8042, st.member, reset)

/* Power-on: the command byte clear (interrupts off, ports enabled, no
 * translation) until the BIOS writes it; SYS clear, as after a cold start;
 * the reset line high and A20 enabled. */
static const struct state_field i8042_fields[] = {
    STATE_ARRAY(struct i8042, st.ram, 0),
    I8042_FIELD(status, 0),
    I8042_FIELD(out, 0),
    I8042_FIELD(out_full, false),
    I8042_FIELD(out_aux, false),
    I8042_FIELD(pending, 0),
    I8042_FIELD(outport, OUT_RESET | OUT_A20),
    I8042_FIELD(xlat_break, false),
    I8042_FIELD(ready, 0),
};

const struct state_desc i8042_state_desc = {
    .name = "i8042",
    .version = 1,
    .fields = i8042_fields,
    .field_count = sizeof(i8042_fields) / sizeof(i8042_fields[0]),
    .post_load = i8042_post_load,
};

void i8042_reset(struct i8042 *k)
{
    /* The devices' ready lines are theirs, not the controller's. */
    uint8_t ready = k->st.ready;
    state_reset(&i8042_state_desc, k);
    k->st.ready = ready;
    update_irq(k);
    set_a20(k);
    service(k);
}

struct i8042 *i8042_create(struct io_bus *io, struct irq_line kbd_irq, struct irq_line aux_irq,
                           struct i8042_board board, const struct logger *log)
{
    struct i8042 *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->irq[0] = kbd_irq;
    k->irq[1] = aux_irq;
    k->board = board;
    k->log = log;
    state_reset(&i8042_state_desc, k);
    update_irq(k);
    if (io_register(io, DATA_PORT, 1, &data_ops, k) < 0 ||
        io_register(io, CMD_PORT, 1, &cmd_ops, k) < 0) {
        io_unregister_all(io, k);
        free(k);
        return NULL;
    }
    return k;
}

void i8042_connect(struct i8042 *k, unsigned port, struct i8042_port dev)
{
    k->port[port & 1] = dev;
    service(k);
}

void i8042_destroy(struct i8042 *k)
{
    free(k);
}
