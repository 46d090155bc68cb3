/* The 8254 through the port bus, against the Intel 8254 datasheet, with
 * time driven exactly by a virtual clock in icount mode (1 ns per
 * instruction). Times are in PIT clock edges: edge t begins at
 * ceil(t * 10^9 / 1193182) ns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pit.h"
#include "lintas/io.h"
#include "lintas/state.h"
#include "lintas/timer.h"
#include "irq_probe.h"
#include "unit_check.h"

enum { CH0 = 0x40, CH1 = 0x41, CH2 = 0x42, CTRL = 0x43 };
/* Control words: counter, RW, mode, BCD. */
#define CW(sc, rw, mode, bcd) ((uint8_t)((sc) << 6 | (rw) << 4 | (mode) << 1 | (bcd)))
enum { LSB = 1, MSB = 2, WORD = 3 };

struct rig {
    struct vclock *clock;
    struct io_bus *io;
    struct irq_probe irq;
    struct pit *pit;
};

static uint64_t edge_ns(uint64_t tick)
{
    return (tick * 1000000000ull + PIT_CLOCK_HZ - 1) / PIT_CLOCK_HZ;
}

static void rig_open(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    r->clock = vclock_create(0);
    r->io = io_create();
    if (!r->clock || !r->io) {
        fprintf(stderr, "test_pit: out of memory\n");
        exit(2);
    }
    r->pit = pit_create(r->io, r->clock, irq_probe_line(&r->irq, 0), NULL);
    if (!r->pit) {
        fprintf(stderr, "test_pit: cannot create the PIT\n");
        exit(2);
    }
}

static void rig_close(struct rig *r)
{
    pit_destroy(r->pit);
    io_destroy(r->io);
    vclock_destroy(r->clock);
}

/* Move the clock to the first ns of edge tick and fire what is due. */
static void go(struct rig *r, uint64_t tick)
{
    vclock_account(r->clock, edge_ns(tick));
    vclock_run_due(r->clock);
}

/* The same, one ns before edge tick begins. */
static void go_before(struct rig *r, uint64_t tick)
{
    vclock_account(r->clock, edge_ns(tick) - 1);
    vclock_run_due(r->clock);
}

static void out8(struct rig *r, uint16_t port, uint8_t v)
{
    io_write(r->io, port, v, 1);
}

static uint8_t in8(struct rig *r, uint16_t port)
{
    return (uint8_t)io_read(r->io, port, 1);
}

static void program(struct rig *r, unsigned c, unsigned mode, unsigned bcd, uint16_t count)
{
    out8(r, CTRL, CW(c, WORD, mode, bcd));
    out8(r, CH0 + c, count & 0xff);
    out8(r, CH0 + c, count >> 8);
}

/* Counter latch command, then both bytes. */
static uint16_t read_latched(struct rig *r, unsigned c)
{
    out8(r, CTRL, CW(c, 0, 0, 0));
    uint16_t lo = in8(r, CH0 + c);
    return (uint16_t)(lo | in8(r, CH0 + c) << 8);
}

static uint8_t read_status(struct rig *r, unsigned c)
{
    out8(r, CTRL, 0xe0 | 2u << c); /* read-back: status only */
    return in8(r, CH0 + c);
}

static void test_mode2_rate(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    program(&r, 0, 2, 0, 100); /* at edge 0: loads at edge 1 */
    CHECK(t, pit_get_out(r.pit, 0));
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(101));
    go(&r, 38);
    CHECK(t, read_latched(&r, 0) == 63);
    go(&r, 100);
    CHECK(t, read_latched(&r, 0) == 1);
    CHECK(t, !pit_get_out(r.pit, 0));
    CHECK(t, r.irq.rises == 0);
    go_before(&r, 101);
    CHECK(t, r.irq.rises == 0);
    for (unsigned k = 1; k <= 5; k++) {
        go(&r, 1 + 100 * k);
        CHECK_CASE(t, r.irq.rises == k, "period %u", k);
        CHECK_CASE(t, pit_get_out(r.pit, 0), "period %u", k);
        CHECK_CASE(t, read_latched(&r, 0) == 100, "period %u", k);
        CHECK_CASE(t, vclock_next_deadline(r.clock) == edge_ns(1 + 100 * (k + 1)), "period %u", k);
    }
    /* A late look delivers one edge and re-arms for the next one ahead. */
    go(&r, 1050);
    CHECK(t, r.irq.rises == 6);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(1101));
    rig_close(&r);
}

static void test_mode3_square(struct unit_tally *t)
{
    static const uint16_t even[] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10 };
    static const bool even_out[] = { 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1 };
    static const uint16_t odd[] = { 8, 6, 4, 2, 0, 8, 6, 4, 2, 8 };
    static const bool odd_out[] = { 1, 1, 1, 1, 1, 0, 0, 0, 0, 1 };
    struct rig r;

    rig_open(&r);
    program(&r, 0, 3, 0, 10);
    for (unsigned i = 0; i < 11; i++) {
        go(&r, 1 + i);
        CHECK_CASE(t, read_latched(&r, 0) == even[i], "even, edge %u", 1 + i);
        CHECK_CASE(t, pit_get_out(r.pit, 0) == even_out[i], "even, edge %u", 1 + i);
    }
    CHECK(t, r.irq.rises == 1);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(21));
    rig_close(&r);

    /* Odd N: high (N+1)/2 clocks, low (N-1)/2. */
    rig_open(&r);
    program(&r, 0, 3, 0, 9);
    for (unsigned i = 0; i < 10; i++) {
        go(&r, 1 + i);
        CHECK_CASE(t, read_latched(&r, 0) == odd[i], "odd, edge %u", 1 + i);
        CHECK_CASE(t, pit_get_out(r.pit, 0) == odd_out[i], "odd, edge %u", 1 + i);
    }
    CHECK(t, r.irq.rises == 1);
    go(&r, 19);
    CHECK(t, r.irq.rises == 2);
    rig_close(&r);
}

static void test_mode0(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    out8(&r, CTRL, CW(0, WORD, 0, 0));
    CHECK(t, !pit_get_out(r.pit, 0));
    out8(&r, CH0, 50);
    out8(&r, CH0, 0);
    /* OUT goes high N+1 clocks after the count is written. */
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(51));
    go(&r, 50);
    CHECK(t, !pit_get_out(r.pit, 0));
    CHECK(t, read_latched(&r, 0) == 1);
    go(&r, 51);
    CHECK(t, pit_get_out(r.pit, 0));
    CHECK(t, r.irq.rises == 1);
    CHECK(t, read_latched(&r, 0) == 0);
    go(&r, 52);
    CHECK(t, read_latched(&r, 0) == 0xffff); /* counting goes on, OUT stays */
    CHECK(t, pit_get_out(r.pit, 0));
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);

    /* A new count drops OUT and restarts: loads on the next clock. */
    /* The first byte of a new count drops OUT and stops counting... */
    go(&r, 100);
    out8(&r, CH0, 30);
    CHECK(t, !pit_get_out(r.pit, 0));
    go(&r, 110);
    CHECK(t, read_latched(&r, 0) == (uint16_t)(50 - 99));
    /* ...and the second loads the count on the next clock. */
    out8(&r, CH0, 0);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(141));
    go(&r, 120);
    CHECK(t, read_latched(&r, 0) == 21);
    out8(&r, CH0, 40);
    go(&r, 130);
    CHECK(t, read_latched(&r, 0) == 21);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    out8(&r, CH0, 0);
    go(&r, 131);
    CHECK(t, read_latched(&r, 0) == 40);
    go(&r, 170);
    CHECK(t, !pit_get_out(r.pit, 0));
    CHECK(t, r.irq.rises == 1);
    go(&r, 171);
    CHECK(t, r.irq.rises == 2);
    rig_close(&r);
}

static void test_mode0_gate(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    pit_set_gate(r.pit, 2, true);
    program(&r, 2, 0, 0, 20);
    go(&r, 6);
    CHECK(t, read_latched(&r, 2) == 15);
    pit_set_gate(r.pit, 2, false); /* GATE low: counting stops */
    go(&r, 50);
    CHECK(t, read_latched(&r, 2) == 15);
    CHECK(t, !pit_get_out(r.pit, 2));
    pit_set_gate(r.pit, 2, true);
    go(&r, 64);
    CHECK(t, read_latched(&r, 2) == 1);
    CHECK(t, !pit_get_out(r.pit, 2));
    go(&r, 65);
    CHECK(t, pit_get_out(r.pit, 2));
    CHECK(t, r.irq.rises == 0); /* counter 2 has no IRQ */
    rig_close(&r);
}

static void test_mode1_one_shot(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    program(&r, 2, 1, 0, 5);
    CHECK(t, pit_get_out(r.pit, 2));
    CHECK(t, read_status(&r, 2) & 0x40); /* null count until a trigger */
    go(&r, 10);
    pit_set_gate(r.pit, 2, true); /* trigger: loads on the next clock */
    CHECK(t, pit_get_out(r.pit, 2));
    go(&r, 11);
    CHECK(t, !pit_get_out(r.pit, 2));
    CHECK(t, !(read_status(&r, 2) & 0x40));
    CHECK(t, read_latched(&r, 2) == 5);
    go(&r, 15);
    CHECK(t, !pit_get_out(r.pit, 2));
    go(&r, 16);
    CHECK(t, pit_get_out(r.pit, 2)); /* N clocks low */
    /* Retrigger during the pulse restarts it; a new count waits for the
     * next trigger. */
    pit_set_gate(r.pit, 2, false);
    go(&r, 20);
    pit_set_gate(r.pit, 2, true);
    go(&r, 23);
    out8(&r, CH2, 50);
    out8(&r, CH2, 0);
    CHECK(t, read_status(&r, 2) & 0x40);
    pit_set_gate(r.pit, 2, false);
    pit_set_gate(r.pit, 2, true); /* retrigger at edge 23 with 50 */
    go(&r, 25);
    CHECK(t, !pit_get_out(r.pit, 2));
    CHECK(t, read_latched(&r, 2) == 49);
    go(&r, 73);
    CHECK(t, !pit_get_out(r.pit, 2));
    go(&r, 74);
    CHECK(t, pit_get_out(r.pit, 2));
    rig_close(&r);
}

static void test_mode4_mode5_strobe(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    program(&r, 0, 4, 0, 20);
    CHECK(t, pit_get_out(r.pit, 0));
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(22));
    go(&r, 20);
    CHECK(t, pit_get_out(r.pit, 0));
    go(&r, 21);
    CHECK(t, !pit_get_out(r.pit, 0)); /* one clock low, N+1 after the write */
    go(&r, 22);
    CHECK(t, pit_get_out(r.pit, 0));
    CHECK(t, r.irq.rises == 1);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    /* A new count restarts the count on the next clock. */
    go(&r, 30);
    program(&r, 0, 4, 0, 10);
    go(&r, 35);
    out8(&r, CH0, 100);
    out8(&r, CH0, 0);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(137));
    rig_close(&r);

    rig_open(&r);
    program(&r, 2, 5, 0, 8);
    go(&r, 100);
    CHECK(t, pit_get_out(r.pit, 2)); /* no trigger, no strobe */
    pit_set_gate(r.pit, 2, true);
    go(&r, 108);
    CHECK(t, pit_get_out(r.pit, 2));
    go(&r, 109);
    CHECK(t, !pit_get_out(r.pit, 2));
    go(&r, 110);
    CHECK(t, pit_get_out(r.pit, 2));
    /* Retriggerable. */
    pit_set_gate(r.pit, 2, false);
    pit_set_gate(r.pit, 2, true);
    go(&r, 119);
    CHECK(t, !pit_get_out(r.pit, 2));
    rig_close(&r);
}

static void test_periodic_reload(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    program(&r, 0, 2, 0, 100);
    go(&r, 50);
    out8(&r, CH0, 40);
    out8(&r, CH0, 0);
    CHECK(t, read_status(&r, 0) & 0x40);
    CHECK(t, read_latched(&r, 0) == 51); /* this period is not affected */
    go(&r, 101);
    CHECK(t, r.irq.rises == 1);
    CHECK(t, !(read_status(&r, 0) & 0x40));
    CHECK(t, read_latched(&r, 0) == 40);
    go(&r, 141);
    CHECK(t, r.irq.rises == 2);
    go(&r, 181);
    CHECK(t, r.irq.rises == 3);
    rig_close(&r);

    /* Mode 3 takes a new count at the end of the current half. */
    rig_open(&r);
    program(&r, 0, 3, 0, 10);
    go(&r, 3);
    out8(&r, CH0, 20);
    out8(&r, CH0, 0);
    go(&r, 5);
    CHECK(t, pit_get_out(r.pit, 0));
    CHECK(t, read_latched(&r, 0) == 2);
    go(&r, 6);
    CHECK(t, !pit_get_out(r.pit, 0));
    CHECK(t, read_latched(&r, 0) == 20);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(16));
    go(&r, 16);
    CHECK(t, r.irq.rises == 1);
    go(&r, 26);
    CHECK(t, !pit_get_out(r.pit, 0));
    go(&r, 36);
    CHECK(t, r.irq.rises == 2);
    rig_close(&r);

    /* GATE low holds OUT high in modes 2 and 3; its rise reloads. */
    rig_open(&r);
    pit_set_gate(r.pit, 2, true);
    program(&r, 2, 2, 0, 10);
    go(&r, 10);
    CHECK(t, !pit_get_out(r.pit, 2));
    pit_set_gate(r.pit, 2, false);
    CHECK(t, pit_get_out(r.pit, 2));
    go(&r, 40);
    CHECK(t, read_latched(&r, 2) == 1);
    pit_set_gate(r.pit, 2, true);
    go(&r, 41);
    CHECK(t, read_latched(&r, 2) == 10);
    go(&r, 50);
    CHECK(t, !pit_get_out(r.pit, 2));
    rig_close(&r);
}

static void test_latch_and_read_back(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    program(&r, 0, 2, 0, 1000);
    go(&r, 11);
    out8(&r, CTRL, CW(0, 0, 0, 0));
    go(&r, 21);
    out8(&r, CTRL, CW(0, 0, 0, 0)); /* ignored: the first is unread */
    CHECK(t, in8(&r, CH0) == (990 & 0xff));
    CHECK(t, in8(&r, CH0) == 990 >> 8);
    /* Unlatched, reads follow the counter. */
    uint16_t lo = in8(&r, CH0);
    CHECK(t, (lo | in8(&r, CH0) << 8) == 980);

    /* Status byte: OUT, null count, RW, mode, BCD. */
    program(&r, 1, 3, 1, 0x0050);
    CHECK(t, read_status(&r, 1) == (0x80 | 0x40 | 0x37));
    go(&r, 22);
    CHECK(t, read_status(&r, 1) == (0x80 | 0x37));
    out8(&r, CTRL, CW(2, LSB, 0, 0));
    CHECK(t, read_status(&r, 2) == (0x40 | 0x10));

    /* Count and status together: status first, then the count. A second
     * status latch before the read is ignored. */
    go(&r, 41);
    out8(&r, CTRL, 0xc2); /* read-back count and status of counter 0 */
    out8(&r, CTRL, 0xe2);
    go(&r, 51);
    CHECK(t, in8(&r, CH0) == (0x80 | 0x34));
    CHECK(t, in8(&r, CH0) == (960 & 0xff));
    CHECK(t, in8(&r, CH0) == 960 >> 8);
    /* One read-back latches several counters at once. */
    out8(&r, CTRL, 0xd6); /* counts of counters 0 and 1 */
    go(&r, 61);
    CHECK(t, in8(&r, CH0) == (950 & 0xff));
    CHECK(t, in8(&r, CH0) == 950 >> 8);
    /* Counter 1, mode 3 BCD 50 from edge 22: 29 clocks in, 4 into the low
     * half, so 50 - 2 * 4. */
    CHECK(t, in8(&r, CH1) == 0x42);
    CHECK(t, in8(&r, CH1) == 0x00);
    CHECK(t, in8(&r, CTRL) == 0xff);
    rig_close(&r);
}

static void test_rw_modes(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    /* LSB only: MSB reads 0 and the count is the byte. */
    out8(&r, CTRL, CW(0, LSB, 2, 0));
    out8(&r, CH0, 200);
    go(&r, 1);
    CHECK(t, in8(&r, CH0) == 200);
    CHECK(t, in8(&r, CH0) == 200);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(201));
    /* MSB only: the LSB is 0. */
    go(&r, 10);
    out8(&r, CTRL, CW(0, MSB, 2, 0));
    out8(&r, CH0, 2);
    go(&r, 12);
    CHECK(t, in8(&r, CH0) == 1); /* 512 - 1 = 0x1ff */
    CHECK(t, in8(&r, CH0) == 1);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(11 + 512));

    /* Reads and writes toggle separately (datasheet's example: read LSB,
     * write LSB, read MSB, write MSB). */
    out8(&r, CTRL, CW(1, WORD, 2, 0));
    out8(&r, CH1, 0x34);
    out8(&r, CH1, 0x12);
    go(&r, 13);
    CHECK(t, in8(&r, CH1) == 0x34);
    out8(&r, CH1, 0x00);
    CHECK(t, in8(&r, CH1) == 0x12);
    out8(&r, CH1, 0x01);
    /* The count in progress is unchanged; the new one, 0x100, waits. */
    CHECK(t, read_latched(&r, 1) == 0x1234);
    go(&r, 13 + 0x1234);
    CHECK(t, read_latched(&r, 1) == 0x100);
    rig_close(&r);
}

static void test_bcd_and_max_count(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    program(&r, 0, 2, 1, 0x0100);
    go(&r, 2);
    CHECK(t, read_latched(&r, 0) == 0x0099);
    go(&r, 101);
    CHECK(t, r.irq.rises == 1);
    CHECK(t, read_latched(&r, 0) == 0x0100);
    /* Count 0 is 10^4 in BCD... */
    program(&r, 0, 2, 1, 0);
    go(&r, 102);
    CHECK(t, read_latched(&r, 0) == 0x0000);
    go(&r, 103);
    CHECK(t, read_latched(&r, 0) == 0x9999);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(102 + 10000));
    /* ...and 2^16 in binary. */
    program(&r, 0, 2, 0, 0);
    go(&r, 105);
    CHECK(t, read_latched(&r, 0) == 0xffff);
    CHECK(t, vclock_next_deadline(r.clock) == edge_ns(104 + 65536));
    /* Mode 0 in BCD wraps to 9999. */
    pit_set_gate(r.pit, 2, true);
    program(&r, 2, 0, 1, 0x0001);
    go(&r, 107);
    CHECK(t, read_latched(&r, 2) == 0x0000);
    go(&r, 108);
    CHECK(t, read_latched(&r, 2) == 0x9999);
    rig_close(&r);
}

static void test_save_load(struct unit_tally *t)
{
    struct rig a, b;
    rig_open(&a);
    rig_open(&b);
    program(&a, 0, 2, 0, 100);
    program(&a, 1, 2, 0, 0x4321);
    program(&a, 2, 0, 0, 7); /* GATE 2 low: loaded, not counting */
    go(&a, 50);
    go(&b, 50);
    out8(&a, CH0, 40);
    out8(&a, CH0, 0);

    struct state_writer w = { 0 };
    state_save(&pit_state_desc, a.pit, &w);
    struct state_reader rd = { w.buf, w.len, 0 };
    char err[128] = "";
    CHECK_MSG(t, state_load(&pit_state_desc, b.pit, &rd, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, vclock_next_deadline(b.clock) == edge_ns(101));
    go(&b, 101);
    CHECK(t, b.irq.rises == 1);
    CHECK(t, read_latched(&b, 0) == 40);
    CHECK(t, !pit_get_out(b.pit, 2));
    CHECK(t, read_latched(&b, 2) == 7);
    go(&b, 141);
    CHECK(t, b.irq.rises == 2);

    /* A count of zero clocks cannot come from any guest. Counter 1's n,
     * 0x4321 as a little-endian u32, is the only such run of bytes. */
    size_t off = 0;
    unsigned found = 0;
    for (size_t i = 0; i + 4 <= w.len; i++) {
        if (w.buf[i] == 0x21 && w.buf[i + 1] == 0x43 && w.buf[i + 2] == 0 && w.buf[i + 3] == 0) {
            off = i;
            found++;
        }
    }
    if (CHECK(t, found == 1)) {
        w.buf[off] = 0;
        w.buf[off + 1] = 0;
        struct state_reader bad = { w.buf, w.len, 0 };
        CHECK(t, state_load(&pit_state_desc, b.pit, &bad, err, sizeof(err)) != 0);
        CHECK_MSG(t, strstr(err, "pit") != NULL, "error: %s", err);
    }
    state_writer_free(&w);

    pit_reset(b.pit);
    CHECK(t, vclock_next_deadline(b.clock) == TIMER_NEVER);
    CHECK(t, read_status(&b, 0) == (0x80 | 0x40 | 0x36));
    rig_close(&a);
    rig_close(&b);
}

/* Counts below a mode's minimum (1 in modes 2 and 3) keep OUT high and
 * arm nothing, rather than flooding IRQ 0. */
static void test_illegal_counts(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    for (unsigned mode = 2; mode <= 3; mode++) {
        program(&r, 0, mode, 0, 1);
        go(&r, 10 * mode);
        CHECK_CASE(t, pit_get_out(r.pit, 0), "mode %u", mode);
        CHECK_CASE(t, vclock_next_deadline(r.clock) == TIMER_NEVER, "mode %u", mode);
    }
    CHECK(t, r.irq.rises == 0);
    rig_close(&r);
}

/* Random accesses, gates and time steps: every run of due timers ends
 * with the next deadline in the future, so the main loop cannot spin. */
static void test_random_accesses(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    unsigned seed = 12345;
    uint64_t tick = 0;
    bool ok = true;
    for (unsigned i = 0; i < 20000 && ok; i++) {
        unsigned op = (unsigned)rand_r(&seed);
        uint8_t v = (uint8_t)(op >> 8);
        switch (op % 5) {
        case 0:
            out8(&r, CTRL, v);
            break;
        case 1:
            out8(&r, (uint16_t)(CH0 + (op >> 16) % 3), v);
            break;
        case 2:
            in8(&r, (uint16_t)(CH0 + (op >> 16) % 4));
            break;
        case 3:
            pit_set_gate(r.pit, (op >> 16) % 3, v & 1);
            break;
        default:
            tick += v % 64;
            go(&r, tick);
            break;
        }
        if (vclock_next_deadline(r.clock) <= vclock_now(r.clock)) {
            FAIL(t, "step %u: deadline %llu at %llu", i,
                 (unsigned long long)vclock_next_deadline(r.clock),
                 (unsigned long long)vclock_now(r.clock));
            ok = false;
        }
    }
    CHECK(t, ok);
    rig_close(&r);
}

int main(void)
{
    struct unit_tally t = { 0 };
    test_mode2_rate(&t);
    test_mode3_square(&t);
    test_mode0(&t);
    test_mode0_gate(&t);
    test_mode1_one_shot(&t);
    test_mode4_mode5_strobe(&t);
    test_periodic_reload(&t);
    test_latch_and_read_back(&t);
    test_rw_modes(&t);
    test_bcd_and_max_count(&t);
    test_save_load(&t);
    test_illegal_counts(&t);
    test_random_accesses(&t);
    return UNIT_REPORT(&t);
}
