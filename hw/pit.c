/*
 * Intel 8254 programmable interval timer, after the Intel 8254 datasheet
 * (order number 231164): sections "Programming the 8254", "Read
 * Operations" and "Mode Definitions".
 *
 * Nothing ticks. Each counter remembers the PIT clock edge at which its
 * counting element (CE) was loaded and with what; its count and OUT at any
 * later edge follow from the elapsed clocks. A load that the datasheet
 * defers (to the next CLK, or to the end of a period in modes 2 and 3) is
 * kept as a pending load at a known edge and takes effect lazily, the
 * first time the counter is looked at from that edge on. A virtual-clock
 * timer is armed only for counter 0's next rising OUT edge, the one that
 * raises IRQ 0, so an idle guest costs nothing between interrupts.
 *
 * IRQ 0 is edge-triggered on the PC's 8259A, so each rising edge of OUT 0
 * is delivered as a low-high pulse on the line and falling edges are not
 * delivered: one timer event per period instead of two.
 *
 * PIT clock edge t begins at t * 10^9 / 1193182 ns (rounded up), so edge
 * numbers and virtual time convert exactly both ways.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hw/pit.h"

#define NS_PER_SEC 1000000000ull
#define NO_TICK UINT64_MAX
#define CHANNELS 3

/* Control word (datasheet figure "Control Word Format"). */
enum { CW_BCD = 0x01, CW_MODE = 0x0e, CW_RW = 0x30, CW_SC = 0xc0 };
enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3 };
enum { SC_READ_BACK = 3 };
/* Read-back command: COUNT and STATUS are active low (figure "Read-Back
 * Command Format"). */
enum { RB_NO_COUNT = 0x20, RB_NO_STATUS = 0x10 };
/* Status byte (figure "Status Byte"): D5-D0 are the control word's. */
enum { STATUS_OUT = 0x80, STATUS_NULL_COUNT = 0x40 };

/* Struct of arrays, one element per counter, so the state table lists
 * each field once. Ticks are PIT clock edges since virtual time 0; counts
 * in the CE are kept in binary and converted to BCD only on reads. */
struct pit_state {
    uint8_t control[CHANNELS];    /* D5-D0 of the last control word */
    uint16_t cr[CHANNELS];        /* count register: the last initial count */
    bool cr_valid[CHANNELS];      /* a whole count came since the control word */
    bool write_msb[CHANNELS];     /* RW 3: the next write is the MSB */
    uint8_t write_lsb[CHANNELS];  /* RW 3: the LSB waiting for its MSB */
    bool read_msb[CHANNELS];      /* RW 3: the next read is the MSB */
    uint16_t latch[CHANNELS];     /* output latch */
    uint8_t latch_bytes[CHANNELS]; /* latched bytes still unread; 0: OL follows the CE */
    uint8_t status[CHANNELS];
    bool status_latched[CHANNELS];
    bool null_count[CHANNELS];    /* CR not yet transferred to the CE */

    bool loaded[CHANNELS];        /* the CE got a count since the control word */
    bool counting[CHANNELS];      /* the CE decrements from start on */
    uint64_t start[CHANNELS];     /* the edge at which the CE held n */
    uint32_t n[CHANNELS];         /* 1..65536: clocks to terminal count, or the period */
    uint32_t phase[CHANNELS];     /* mode 3: clocks of the period already gone at start */
    bool done[CHANNELS];          /* mode 0: OUT went high; modes 4, 5: strobe given */
    uint16_t frozen[CHANNELS];    /* the CE while not counting */
    bool frozen_out[CHANNELS];    /* OUT while not counting */

    uint64_t pend_tick[CHANNELS]; /* edge of a coming CR->CE load, or NO_TICK */
    bool pend_low[CHANNELS];      /* mode 3: that load starts a low half */

    uint8_t gates;                /* GATE inputs, bit per counter */
    uint64_t deadline;            /* ns of counter 0's next rising edge, or TIMER_NEVER */
};

struct pit {
    struct pit_state st; /* first: the state table's offsets are struct pit's */
    struct vclock *clock;
    struct timer timer;
    struct irq_line irq0;
    const struct logger *log;
};

/* The CE as counting evaluates it: the loaded state, or a pending load. */
struct seg {
    uint64_t start;
    uint32_t n, phase;
    bool counting, done, frozen_out;
};

static uint64_t ns_to_tick(uint64_t ns)
{
    return ns / NS_PER_SEC * PIT_CLOCK_HZ + ns % NS_PER_SEC * PIT_CLOCK_HZ / NS_PER_SEC;
}

/* The first ns of edge t, or TIMER_NEVER past the end of time. */
static uint64_t tick_to_ns(uint64_t t)
{
    uint64_t q = t / PIT_CLOCK_HZ, r = t % PIT_CLOCK_HZ;
    if (q >= (UINT64_MAX - NS_PER_SEC) / NS_PER_SEC)
        return TIMER_NEVER;
    return q * NS_PER_SEC + (r * NS_PER_SEC + PIT_CLOCK_HZ - 1) / PIT_CLOCK_HZ;
}

static uint64_t now_tick(const struct pit *pit)
{
    return ns_to_tick(vclock_now(pit->clock));
}

/* Modes 6 and 7 are modes 2 and 3 (M2 is don't-care there). */
static unsigned mode_of(const struct pit_state *st, unsigned c)
{
    unsigned m = (st->control[c] & CW_MODE) >> 1;
    return m > 5 ? m - 4 : m;
}

static unsigned rw_of(const struct pit_state *st, unsigned c)
{
    return (st->control[c] & CW_RW) >> 4;
}

static uint32_t modulus(const struct pit_state *st, unsigned c)
{
    return (st->control[c] & CW_BCD) ? 10000 : 65536;
}

/* The CR as a number of clocks. Zero is the largest count, 2^16 binary or
 * 10^4 BCD (datasheet, "Minimum and Maximum Initial Counts"). A BCD digit
 * above 9 is taken at its binary weight. */
static uint32_t initial_count(const struct pit_state *st, unsigned c)
{
    uint32_t v = st->cr[c];
    if (st->control[c] & CW_BCD)
        v = (v >> 12) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
    return v ? v : modulus(st, c);
}

static uint16_t to_bcd(uint32_t v)
{
    return (uint16_t)(((v / 1000) << 12) | ((v / 100 % 10) << 8) | ((v / 10 % 10) << 4) | (v % 10));
}

/* Mode 3 keeps OUT high for the first (N+1)/2 clocks of a period of N and
 * low for the rest (datasheet, mode 3, odd counts). */
static uint32_t high_half(uint32_t n)
{
    return (n + 1) / 2;
}

static uint64_t elapsed(const struct seg *s, uint64_t tick)
{
    return tick > s->start ? tick - s->start : 0;
}

static struct seg active_seg(const struct pit_state *st, unsigned c)
{
    return (struct seg){ st->start[c], st->n[c],      st->phase[c],
                         st->counting[c], st->done[c], st->frozen_out[c] };
}

/* The CE as the pending load will leave it at its edge. Modes 0 and 4
 * count only while GATE is high; modes 1, 5 were triggered and 2, 3 were
 * reloaded, so they count. */
static struct seg pending_seg(const struct pit_state *st, unsigned c)
{
    unsigned mode = mode_of(st, c);
    uint32_t n = initial_count(st, c);
    bool counting = (mode != 0 && mode != 4) || ((st->gates >> c) & 1);
    return (struct seg){ st->pend_tick[c], n, st->pend_low[c] ? high_half(n) : 0,
                         counting, false, mode != 0 };
}

/* The CE's value (binary) at edge tick. */
static uint32_t seg_count(unsigned mode, const struct seg *s, uint32_t mod, uint64_t tick)
{
    uint64_t e = elapsed(s, tick), v;
    if (mode == 2) {
        v = s->n - e % s->n;
    } else if (mode == 3) {
        /* Decrements by two from N (even) or N-1 (odd), twice a period. */
        uint64_t p = (e + s->phase) % s->n, hh = high_half(s->n);
        v = (s->n & ~1u) - 2 * (p < hh ? p : p - hh);
    } else {
        /* Modes 0, 1, 4, 5 wrap past terminal count and keep counting. */
        v = s->n + mod - e % mod;
    }
    return (uint32_t)(v % mod);
}

static bool seg_out(unsigned mode, const struct seg *s, uint64_t tick)
{
    if (!s->counting)
        return s->frozen_out;
    uint64_t e = elapsed(s, tick);
    switch (mode) {
    case 0:
        return s->done || e >= s->n;
    case 1:
        return e >= s->n;
    case 2:
        return s->n < 2 || e % s->n != s->n - 1;
    case 3:
        return (e + s->phase) % s->n < high_half(s->n);
    default: /* 4, 5: low for the one clock at terminal count */
        return s->done || e != s->n;
    }
}

/* The first rising edge of OUT after edge tick, or NO_TICK. */
static uint64_t seg_next_rise(unsigned mode, const struct seg *s, uint64_t tick)
{
    if (!s->counting)
        return NO_TICK;
    uint64_t e = elapsed(s, tick), at;
    switch (mode) {
    case 0:
    case 1:
        if (s->done || e >= s->n)
            return NO_TICK;
        at = s->start + s->n;
        break;
    case 2:
        if (s->n < 2)
            return NO_TICK;
        at = s->start + (e / s->n + 1) * s->n;
        break;
    case 3:
        if (s->n < 2)
            return NO_TICK;
        at = s->start + ((e + s->phase) / s->n + 1) * s->n - s->phase;
        break;
    default:
        if (s->done || e > s->n)
            return NO_TICK;
        at = s->start + s->n + 1;
        break;
    }
    return at > tick ? at : NO_TICK; /* also refuses an overflowed sum */
}

/* Carry out a pending load whose edge has come: the CR goes to the CE
 * (datasheet figure "Null Count Operation": null count clears then). */
static void settle(struct pit_state *st, unsigned c, uint64_t tick)
{
    if (st->pend_tick[c] > tick)
        return;
    struct seg s = pending_seg(st, c);
    st->start[c] = s.start;
    st->n[c] = s.n;
    st->phase[c] = s.phase;
    st->counting[c] = s.counting;
    st->done[c] = false;
    st->frozen[c] = (uint16_t)(s.n % modulus(st, c));
    st->frozen_out[c] = s.frozen_out;
    st->loaded[c] = true;
    st->null_count[c] = false;
    st->pend_tick[c] = NO_TICK;
}

static uint32_t ce_value(struct pit_state *st, unsigned c, uint64_t tick)
{
    settle(st, c, tick);
    if (!st->counting[c])
        return st->frozen[c];
    struct seg s = active_seg(st, c);
    return seg_count(mode_of(st, c), &s, modulus(st, c), tick);
}

static bool out_level(struct pit_state *st, unsigned c, uint64_t tick)
{
    settle(st, c, tick);
    struct seg s = active_seg(st, c);
    return seg_out(mode_of(st, c), &s, tick);
}

/* What a read of the counter shows: the CE, in BCD when counting BCD. */
static uint16_t shown_count(struct pit_state *st, unsigned c, uint64_t tick)
{
    uint32_t v = ce_value(st, c, tick) % modulus(st, c);
    return (st->control[c] & CW_BCD) ? to_bcd(v) : (uint16_t)v;
}

/* Stop the CE where it is, OUT held at out. */
static void freeze(struct pit_state *st, unsigned c, uint64_t tick, bool out)
{
    st->frozen[c] = (uint16_t)ce_value(st, c, tick);
    st->frozen_out[c] = out;
    st->counting[c] = false;
}

/* Start the CE again from its frozen value (modes 0 and 4 after GATE or a
 * completed count write let it count). */
static void resume(struct pit_state *st, unsigned c, uint64_t tick)
{
    st->counting[c] = true;
    st->start[c] = tick;
    st->n[c] = st->frozen[c] ? st->frozen[c] : modulus(st, c);
    st->phase[c] = 0;
}

/* The rising edge of counter 0 after edge tick, including one made by a
 * pending load. */
static uint64_t next_rise(struct pit_state *st, uint64_t tick)
{
    unsigned mode = mode_of(st, 0);
    struct seg cur = active_seg(st, 0);
    uint64_t at = seg_next_rise(mode, &cur, tick);
    if (st->pend_tick[0] == NO_TICK || at <= st->pend_tick[0])
        return at;
    struct seg next = pending_seg(st, 0);
    uint64_t load = st->pend_tick[0];
    if (!seg_out(mode, &cur, load - 1) && seg_out(mode, &next, load) && load > tick)
        return load;
    return seg_next_rise(mode, &next, load);
}

static void pulse_irq0(struct pit *pit)
{
    irq_set(&pit->irq0, false);
    irq_set(&pit->irq0, true);
}

static void arm_timer(struct pit *pit, uint64_t tick)
{
    settle(&pit->st, 0, tick);
    uint64_t at = next_rise(&pit->st, tick);
    pit->st.deadline = at == NO_TICK ? TIMER_NEVER : tick_to_ns(at);
    if (pit->st.deadline == TIMER_NEVER)
        timer_del(&pit->timer);
    else
        timer_mod(&pit->timer, pit->st.deadline);
}

/* Every access starts here: carry out the loads that are due, and
 * deliver counter 0's edge if it came before the timer could fire, so that
 * re-arming cannot skip it. */
static uint64_t begin(struct pit *pit)
{
    uint64_t ns = vclock_now(pit->clock), tick = ns_to_tick(ns);
    for (unsigned c = 0; c < CHANNELS; c++)
        settle(&pit->st, c, tick);
    if (pit->st.deadline <= ns) {
        pit->st.deadline = TIMER_NEVER;
        pulse_irq0(pit);
    }
    return tick;
}

/* ...and ends here: a rising edge the access itself made on OUT 0 (a new
 * mode's initial level, a gate) is an edge like any other. */
static void end(struct pit *pit, uint64_t tick, bool out0_before)
{
    if (!out0_before && out_level(&pit->st, 0, tick))
        pulse_irq0(pit);
    arm_timer(pit, tick);
}

static void pit_fire(void *opaque)
{
    struct pit *pit = opaque;
    uint64_t tick = begin(pit);
    arm_timer(pit, tick);
}

/* "Write Operations": a whole initial count has arrived in the CR. */
static void count_written(struct pit_state *st, unsigned c, uint64_t tick, uint16_t value)
{
    unsigned mode = mode_of(st, c);
    bool gate = (st->gates >> c) & 1;
    st->cr[c] = value;
    st->cr_valid[c] = true;
    st->null_count[c] = true;
    switch (mode) {
    case 0:
        /* OUT goes low at once; the count loads on the next CLK. */
        if (st->counting[c])
            freeze(st, c, tick, false);
        st->frozen_out[c] = false;
        st->pend_tick[c] = tick + 1;
        st->pend_low[c] = false;
        break;
    case 4:
        /* Loaded on the next CLK, restarting the count. */
        st->pend_tick[c] = tick + 1;
        st->pend_low[c] = false;
        break;
    case 2:
    case 3:
        /* A running period finishes first: mode 2 at its end, mode 3 at
         * the end of the current half. Otherwise the CR loads on the next
         * CLK, or on the GATE rise if GATE is low. */
        if (st->pend_tick[c] != NO_TICK)
            break;
        if (st->counting[c]) {
            struct seg s = active_seg(st, c);
            uint64_t e = elapsed(&s, tick);
            if (mode == 2) {
                st->pend_tick[c] = s.start + (e / s.n + 1) * s.n;
                st->pend_low[c] = false;
            } else {
                uint64_t p = (e + s.phase) % s.n, hh = high_half(s.n);
                st->pend_tick[c] = tick + (p < hh ? hh - p : s.n - p);
                st->pend_low[c] = p < hh;
            }
        } else if (gate) {
            st->pend_tick[c] = tick + 1;
            st->pend_low[c] = false;
        }
        break;
    default:
        /* Modes 1 and 5 wait for a trigger. */
        break;
    }
}

static void write_count(struct pit_state *st, unsigned c, uint64_t tick, uint8_t v)
{
    switch (rw_of(st, c)) {
    case RW_LSB:
        count_written(st, c, tick, v);
        break;
    case RW_MSB:
        count_written(st, c, tick, (uint16_t)(v << 8));
        break;
    default:
        if (!st->write_msb[c]) {
            st->write_lsb[c] = v;
            st->write_msb[c] = true;
            /* Mode 0: the first byte stops counting and drops OUT. */
            if (mode_of(st, c) == 0) {
                if (st->counting[c])
                    freeze(st, c, tick, false);
                st->frozen_out[c] = false;
                st->pend_tick[c] = NO_TICK;
            }
        } else {
            st->write_msb[c] = false;
            count_written(st, c, tick, (uint16_t)(st->write_lsb[c] | v << 8));
        }
        break;
    }
}

static uint8_t read_count(struct pit_state *st, unsigned c, uint64_t tick)
{
    if (st->status_latched[c]) {
        st->status_latched[c] = false;
        return st->status[c];
    }
    uint16_t v;
    if (st->latch_bytes[c]) {
        v = st->latch[c];
        st->latch_bytes[c]--;
    } else {
        v = shown_count(st, c, tick);
    }
    bool msb;
    switch (rw_of(st, c)) {
    case RW_LSB:
        msb = false;
        break;
    case RW_MSB:
        msb = true;
        break;
    default:
        msb = st->read_msb[c];
        st->read_msb[c] = !msb;
        break;
    }
    return msb ? v >> 8 : v & 0xff;
}

/* "Counter Latch Command": a second latch before the first is read is
 * ignored. */
static void latch_count(struct pit_state *st, unsigned c, uint64_t tick)
{
    if (st->latch_bytes[c])
        return;
    st->latch[c] = shown_count(st, c, tick);
    st->latch_bytes[c] = rw_of(st, c) == RW_WORD ? 2 : 1;
}

static void latch_status(struct pit_state *st, unsigned c, uint64_t tick)
{
    if (st->status_latched[c])
        return;
    st->status[c] = (uint8_t)((out_level(st, c, tick) ? STATUS_OUT : 0) |
                              (st->null_count[c] ? STATUS_NULL_COUNT : 0) | st->control[c]);
    st->status_latched[c] = true;
}

/* A control word resets the counter's logic and sets OUT to the mode's
 * initial level: low in mode 0, high in the others (datasheet, "Mode
 * Definitions"). The CE keeps its value until a count loads. */
static void write_control(struct pit_state *st, unsigned c, uint64_t tick, uint8_t v)
{
    st->frozen[c] = (uint16_t)ce_value(st, c, tick);
    st->control[c] = v & (CW_RW | CW_MODE | CW_BCD);
    st->counting[c] = false;
    st->loaded[c] = false;
    st->done[c] = false;
    st->frozen_out[c] = mode_of(st, c) != 0;
    st->pend_tick[c] = NO_TICK;
    st->cr_valid[c] = false;
    st->null_count[c] = true;
    st->write_msb[c] = false;
    st->read_msb[c] = false;
    st->latch_bytes[c] = 0;
    st->status_latched[c] = false;
}

static void write_port43(struct pit_state *st, uint64_t tick, uint8_t v)
{
    unsigned sc = v >> 6;
    if (sc == SC_READ_BACK) {
        /* "Read-Back Command": D3-D1 select counters 2-0. */
        for (unsigned c = 0; c < CHANNELS; c++) {
            if (!(v & (2u << c)))
                continue;
            if (!(v & RB_NO_COUNT))
                latch_count(st, c, tick);
            if (!(v & RB_NO_STATUS))
                latch_status(st, c, tick);
        }
    } else if (((v & CW_RW) >> 4) == RW_LATCH) {
        latch_count(st, sc, tick);
    } else {
        write_control(st, sc, tick, v);
    }
}

static uint8_t read_reg(struct pit *pit, unsigned offset, uint64_t tick)
{
    if (offset < CHANNELS)
        return read_count(&pit->st, offset, tick);
    /* A1A0 = 11 with RD is a no-operation: the bus floats. */
    log_printf(pit->log, LOG_GUEST_ERRORS, "pit 0x43: read of the write-only control port\n");
    return 0xff;
}

static uint32_t pit_io_read(void *opaque, uint32_t offset, unsigned size)
{
    struct pit *pit = opaque;
    uint64_t tick = begin(pit);
    bool out0 = out_level(&pit->st, 0, tick);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(pit, (offset + i) & 3, tick) << (8 * i);
    end(pit, tick, out0);
    return v;
}

static void pit_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct pit *pit = opaque;
    uint64_t tick = begin(pit);
    bool out0 = out_level(&pit->st, 0, tick);
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (offset + i) & 3;
        uint8_t v = (value >> (8 * i)) & 0xff;
        if (reg < CHANNELS)
            write_count(&pit->st, reg, tick, v);
        else
            write_port43(&pit->st, tick, v);
    }
    end(pit, tick, out0);
}

static const struct io_ops pit_io_ops = {
    .read = pit_io_read,
    .write = pit_io_write,
};

/* "Gate Pin Operations Summary": modes 0, 2, 3, 4 count only while GATE is
 * high, and 2, 3 hold OUT high meanwhile; a rising GATE triggers modes 1,
 * 2, 3 and 5, which load the CR on the next CLK. */
static void gate_changed(struct pit_state *st, unsigned c, uint64_t tick, bool level)
{
    unsigned mode = mode_of(st, c);
    bool write_half_done = rw_of(st, c) == RW_WORD && st->write_msb[c];
    if (mode == 0 || mode == 4) {
        if (!level && st->counting[c]) {
            struct seg s = active_seg(st, c);
            bool out = seg_out(mode, &s, tick);
            st->done[c] = mode == 0 ? out : (s.done || elapsed(&s, tick) >= s.n);
            freeze(st, c, tick, mode == 0 ? out : true);
        } else if (level && st->loaded[c] && !st->counting[c] &&
                   !(mode == 0 && write_half_done) && st->pend_tick[c] == NO_TICK) {
            resume(st, c, tick);
        }
        return;
    }
    if ((mode == 2 || mode == 3) && !level) {
        freeze(st, c, tick, true);
        st->pend_tick[c] = NO_TICK;
        return;
    }
    if (level && st->cr_valid[c]) {
        st->pend_tick[c] = tick + 1;
        st->pend_low[c] = false;
    }
}

void pit_set_gate(struct pit *pit, unsigned channel, bool level)
{
    if (channel >= CHANNELS)
        return;
    struct pit_state *st = &pit->st;
    uint64_t tick = begin(pit);
    bool out0 = out_level(st, 0, tick);
    settle(st, channel, tick);
    bool old = (st->gates >> channel) & 1;
    st->gates = (uint8_t)((st->gates & ~(1u << channel)) | (unsigned)level << channel);
    if (old != level)
        gate_changed(st, channel, tick, level);
    end(pit, tick, out0);
}

bool pit_get_out(struct pit *pit, unsigned channel)
{
    if (channel >= CHANNELS)
        return false;
    return out_level(&pit->st, channel, now_tick(pit));
}

/* Refuse what no sequence of accesses could leave, so that no count is
 * zero (a divisor) and every value stays in its field's range. */
static int pit_post_load(void *obj, char *err, size_t errlen)
{
    struct pit *pit = obj;
    const struct pit_state *st = &pit->st;
    const char *why = NULL;
    for (unsigned c = 0; c < CHANNELS && !why; c++) {
        if ((st->control[c] & ~(CW_RW | CW_MODE | CW_BCD)) || !(st->control[c] & CW_RW))
            why = "control word out of range";
        else if (st->latch_bytes[c] > 2)
            why = "latched byte count out of range";
        else if (st->n[c] < 1 || st->n[c] > 65536 || st->phase[c] >= st->n[c])
            why = "counting element out of range";
    }
    if (!why && st->gates > 7)
        why = "gate bits out of range";
    if (why) {
        snprintf(err, errlen, "pit: %s", why);
        return -1;
    }
    if (st->deadline == TIMER_NEVER)
        timer_del(&pit->timer);
    else
        timer_mod(&pit->timer, st->deadline);
    return 0;
}

#define PIT_ARRAY(member, reset) STATE_ARRAY(struct pit, st.member, reset)
#define PIT_FIELD(member, reset) STATE_FIELD(struct pit, st.member, reset)

/* The power-on state is undefined (datasheet, "Programming the 8254");
 * counters start unprogrammed in mode 3, whose OUT is high, so that the
 * firmware's first control word makes no edge on IRQ 0. */
static const struct state_field pit_fields[] = {
    PIT_ARRAY(control, (RW_WORD << 4) | (3 << 1)),
    PIT_ARRAY(cr, 0),
    PIT_ARRAY(cr_valid, false),
    PIT_ARRAY(write_msb, false),
    PIT_ARRAY(write_lsb, 0),
    PIT_ARRAY(read_msb, false),
    PIT_ARRAY(latch, 0),
    PIT_ARRAY(latch_bytes, 0),
    PIT_ARRAY(status, 0),
    PIT_ARRAY(status_latched, false),
    PIT_ARRAY(null_count, true),
    PIT_ARRAY(loaded, false),
    PIT_ARRAY(counting, false),
    PIT_ARRAY(start, 0),
    PIT_ARRAY(n, 65536),
    PIT_ARRAY(phase, 0),
    PIT_ARRAY(done, false),
    PIT_ARRAY(frozen, 0),
    PIT_ARRAY(frozen_out, true),
    PIT_ARRAY(pend_tick, NO_TICK),
    PIT_ARRAY(pend_low, false),
    PIT_FIELD(gates, 3), /* counters 0 and 1 tied high; port 0x61 resets GATE 2 low */
    PIT_FIELD(deadline, TIMER_NEVER),
};

const struct state_desc pit_state_desc = {
    .name = "pit",
    .version = 1,
    .fields = pit_fields,
    .field_count = sizeof(pit_fields) / sizeof(pit_fields[0]),
    .post_load = pit_post_load,
};

void pit_reset(struct pit *pit)
{
    state_reset(&pit_state_desc, pit);
    timer_del(&pit->timer);
    irq_set(&pit->irq0, false);
}

struct pit *pit_create(struct io_bus *io, struct vclock *clock, struct irq_line irq0,
                       const struct logger *log)
{
    struct pit *pit = calloc(1, sizeof(*pit));
    if (!pit)
        return NULL;
    pit->clock = clock;
    pit->irq0 = irq0;
    pit->log = log;
    timer_init(&pit->timer, clock, pit_fire, pit);
    pit_reset(pit);
    if (io_register(io, PIT_BASE, 4, &pit_io_ops, pit) < 0) {
        free(pit);
        return NULL;
    }
    return pit;
}

void pit_destroy(struct pit *pit)
{
    if (!pit)
        return;
    timer_del(&pit->timer);
    free(pit);
}
