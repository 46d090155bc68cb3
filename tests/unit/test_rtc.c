/* The MC146818 RTC through ports 0x70/0x71, against the Motorola
 * MC146818A datasheet, with time driven exactly by a virtual clock in
 * icount mode (1 ns per instruction). The time base's tick t begins at
 * ceil(t * 10^9 / 32768) ns; the clock updates at each whole second of
 * virtual time after it is created at time 0. Expected calendar values
 * were worked out independently of the device (proleptic Gregorian). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/rtc.h"
#include "lintas/io.h"
#include "lintas/state.h"
#include "lintas/timer.h"
#include "irq_probe.h"
#include "unit_check.h"

#define SEC 1000000000ull

enum { SECS = 0, ASEC = 1, MINS = 2, AMIN = 3, HOURS = 4, AHOUR = 5, WDAY = 6, MDAY = 7,
       MON = 8, YEAR = 9, RA = 10, RB = 11, RC = 12, RD = 13, CENTURY = 0x32 };

struct rig {
    struct vclock *clock;
    struct io_bus *io;
    struct irq_probe irq;
    struct rtc *rtc;
};

static void rig_open(struct rig *r, int64_t base)
{
    memset(r, 0, sizeof(*r));
    r->clock = vclock_create(0);
    r->io = io_create();
    if (!r->clock || !r->io) {
        fprintf(stderr, "test_rtc: out of memory\n");
        exit(2);
    }
    r->rtc = rtc_create(r->io, r->clock, irq_probe_line(&r->irq, 8), base, NULL);
    if (!r->rtc) {
        fprintf(stderr, "test_rtc: cannot create the RTC\n");
        exit(2);
    }
}

static void rig_close(struct rig *r)
{
    rtc_destroy(r->rtc);
    io_destroy(r->io);
    vclock_destroy(r->clock);
}

/* Move the clock to ns and fire what is due. */
static void go(struct rig *r, uint64_t ns)
{
    vclock_account(r->clock, ns);
    vclock_run_due(r->clock);
}

static uint64_t tick_ns(uint64_t tick)
{
    return (tick * SEC + 32767) / 32768;
}

static uint8_t rd(struct rig *r, uint8_t index)
{
    io_write(r->io, 0x70, index, 1);
    return (uint8_t)io_read(r->io, 0x71, 1);
}

static void wr(struct rig *r, uint8_t index, uint8_t v)
{
    io_write(r->io, 0x70, index, 1);
    io_write(r->io, 0x71, v, 1);
}

static unsigned bcd(unsigned v)
{
    return (v / 10) << 4 | v % 10;
}

/* Whether the clock shows y-m-d h:mi:s and weekday w (binary mode). */
static bool shows(struct rig *r, unsigned y, unsigned m, unsigned d, unsigned h, unsigned mi,
                  unsigned s, unsigned w)
{
    return rd(r, CENTURY) == y / 100 && rd(r, YEAR) == y % 100 && rd(r, MON) == m &&
           rd(r, MDAY) == d && rd(r, HOURS) == h && rd(r, MINS) == mi && rd(r, SECS) == s &&
           rd(r, WDAY) == w;
}

static void show_time(struct rig *r, char *buf, size_t len)
{
    snprintf(buf, len, "%02x%02x-%02x-%02x %02x:%02x:%02x wday %u", rd(r, CENTURY), rd(r, YEAR),
             rd(r, MON), rd(r, MDAY), rd(r, HOURS), rd(r, MINS), rd(r, SECS), rd(r, WDAY));
}

/* 2021-03-04 15:06:07, a Thursday. */
#define BASE 1614870367ll

static void test_bcd_and_binary(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, BASE);
    CHECK(t, rd(&r, RA) == 0x26);
    CHECK(t, rd(&r, RB) == 0x02);
    CHECK(t, rd(&r, RD) == 0x80);
    CHECK(t, rd(&r, SECS) == 0x07 && rd(&r, MINS) == 0x06 && rd(&r, HOURS) == 0x15);
    CHECK(t, rd(&r, WDAY) == 5 && rd(&r, MDAY) == 0x04 && rd(&r, MON) == 0x03);
    CHECK(t, rd(&r, YEAR) == 0x21 && rd(&r, CENTURY) == 0x20);
    wr(&r, RB, 0x06); /* binary, 24-hour */
    CHECK(t, shows(&r, 2021, 3, 4, 15, 6, 7, 5));
    rig_close(&r);
}

static const struct {
    int64_t base;
    unsigned y, m, d, h, mi, s, w;
} conversions[] = {
    { 153260660279ll, 6826, 8, 21, 5, 37, 59, 6 },
    { -33570050736ll, 906, 3, 17, 17, 54, 24, 4 },
    { -8294393557ll, 1707, 3, 1, 1, 47, 23, 3 },
    { 56007940085ll, 3744, 10, 27, 1, 8, 5, 3 },
    { -14729913896ll, 1503, 3, 25, 21, 15, 4, 4 },
    { 167360163930ll, 7273, 6, 6, 22, 25, 30, 3 },
    { 67013448847ll, 4093, 7, 27, 14, 54, 7, 2 },
    { 238901723353ll, 9540, 6, 30, 5, 49, 13, 1 },
    { -30247529690ll, 1011, 6, 30, 20, 25, 10, 1 },
    { 250653351343ll, 9912, 11, 21, 10, 55, 43, 5 },
    { -1ll, 1969, 12, 31, 23, 59, 59, 4 },
    { 0ll, 1970, 1, 1, 0, 0, 0, 5 },
    { 951868800ll, 2000, 3, 1, 0, 0, 0, 4 },
    { 4107456000ll, 2100, 2, 28, 0, 0, 0, 1 },
    { 946684799ll, 1999, 12, 31, 23, 59, 59, 6 },
};

static void test_conversions(struct unit_tally *t)
{
    for (size_t i = 0; i < sizeof(conversions) / sizeof(conversions[0]); i++) {
        struct rig r;
        rig_open(&r, conversions[i].base);
        wr(&r, RB, 0x06);
        char got[64];
        show_time(&r, got, sizeof(got));
        CHECK_MSG(t,
                  shows(&r, conversions[i].y, conversions[i].m, conversions[i].d,
                        conversions[i].h, conversions[i].mi, conversions[i].s, conversions[i].w),
                  "base %lld shows %s (hex), want %u-%u-%u %u:%u:%u wday %u",
                  (long long)conversions[i].base, got, conversions[i].y, conversions[i].m,
                  conversions[i].d, conversions[i].h, conversions[i].mi, conversions[i].s,
                  conversions[i].w);
        rig_close(&r);
    }
    struct io_bus *io = io_create();
    struct vclock *clock = vclock_create(0);
    struct irq_line none = { 0 };
    CHECK(t, rtc_create(io, clock, none, 253402300800ll, NULL) == NULL); /* year 10000 */
    CHECK(t, rtc_create(io, clock, none, -62167219201ll, NULL) == NULL); /* before year 0 */
    struct rtc *rtc = rtc_create(io, clock, none, 0, NULL);
    CHECK(t, rtc != NULL);
    CHECK(t, rtc_create(io, clock, none, 0, NULL) == NULL); /* ports taken */
    rtc_destroy(rtc);
    vclock_destroy(clock);
    io_destroy(io);
}

static void test_12_hour(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, BASE);
    wr(&r, RB, 0x00); /* 12-hour BCD */
    CHECK(t, rd(&r, HOURS) == 0x83);
    wr(&r, RB, 0x04); /* 12-hour binary */
    CHECK(t, rd(&r, HOURS) == 0x83);
    wr(&r, RB, 0x00);
    wr(&r, HOURS, 0x12); /* 12 AM */
    CHECK(t, rd(&r, HOURS) == 0x12);
    wr(&r, RB, 0x02);
    CHECK(t, rd(&r, HOURS) == 0x00);
    wr(&r, RB, 0x00);
    wr(&r, HOURS, 0x92); /* 12 PM */
    wr(&r, RB, 0x02);
    CHECK(t, rd(&r, HOURS) == 0x12);
    wr(&r, RB, 0x00);
    wr(&r, HOURS, 0x81); /* 1 PM */
    wr(&r, RB, 0x02);
    CHECK(t, rd(&r, HOURS) == 0x13);
    rig_close(&r);

    /* 11:59:59 AM rolls to 12:00:00 PM, 11:59:59 PM to 12:00:00 AM. */
    rig_open(&r, BASE - 15 * 3600 - 6 * 60 - 7 + 11 * 3600 + 59 * 60 + 59);
    wr(&r, RB, 0x00);
    CHECK(t, rd(&r, HOURS) == 0x11);
    go(&r, SEC);
    CHECK(t, rd(&r, HOURS) == 0x92 && rd(&r, MINS) == 0 && rd(&r, SECS) == 0);
    go(&r, 12 * 3600 * SEC);
    CHECK(t, rd(&r, HOURS) == 0x91 && rd(&r, MINS) == 0x59 && rd(&r, SECS) == 0x59);
    go(&r, 12 * 3600 * SEC + SEC);
    CHECK(t, rd(&r, HOURS) == 0x12 && rd(&r, MDAY) == 0x05 && rd(&r, WDAY) == 6);
    rig_close(&r);
}

static const struct {
    int64_t base; /* one second before the rollover */
    unsigned y, m, d, w;
} rollovers[] = {
    { 1704067199ll, 2024, 1, 1, 2 },  /* year end, Sunday to Monday */
    { 1709164799ll, 2024, 2, 29, 5 }, /* leap year */
    { 1709251199ll, 2024, 3, 1, 6 },
    { 1677628799ll, 2023, 3, 1, 4 },  /* common year */
    { 4107542399ll, 2100, 3, 1, 2 },  /* century, not a leap year */
    { 951782399ll, 2000, 2, 29, 3 },  /* 400 years, a leap year */
    { 4102444799ll, 2100, 1, 1, 6 },  /* century byte */
    { 1619827199ll, 2021, 5, 1, 7 },  /* 30-day month */
};

static void test_rollover(struct unit_tally *t)
{
    for (size_t i = 0; i < sizeof(rollovers) / sizeof(rollovers[0]); i++) {
        struct rig r;
        rig_open(&r, rollovers[i].base);
        wr(&r, RB, 0x06);
        go(&r, SEC - 1);
        CHECK_CASE(t, rd(&r, SECS) == 59 && rd(&r, HOURS) == 23, "case %zu", i);
        go(&r, SEC);
        char got[64];
        show_time(&r, got, sizeof(got));
        CHECK_MSG(t, shows(&r, rollovers[i].y, rollovers[i].m, rollovers[i].d, 0, 0, 0,
                           rollovers[i].w),
                  "case %zu shows %s (hex)", i, got);
        rig_close(&r);
    }

    /* A long idle stretch: 366 days of 2024 in one step, no timer armed. */
    struct rig r;
    rig_open(&r, 1704067200ll);
    wr(&r, RB, 0x06);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    go(&r, 366ull * 86400 * SEC + 5 * SEC);
    CHECK(t, shows(&r, 2025, 1, 1, 0, 0, 5, 4));
    rig_close(&r);
}

static void test_set(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, BASE);
    go(&r, SEC / 4);
    wr(&r, RB, 0x82); /* SET, 24-hour BCD */
    /* Fields are written one by one: a day the month in between does not
     * have (February 31) stays as written until the month comes. */
    wr(&r, MON, 0x02);
    wr(&r, MDAY, 0x31);
    wr(&r, MON, 0x12);
    wr(&r, YEAR, 0x99);
    wr(&r, CENTURY, 0x20);
    wr(&r, HOURS, 0x23);
    wr(&r, MINS, 0x59);
    wr(&r, SECS, 0x58);
    wr(&r, WDAY, 0x01);
    go(&r, 3 * SEC - 1);
    CHECK(t, (rd(&r, RA) & 0x80) == 0); /* SET clears UIP */
    CHECK(t, rd(&r, SECS) == 0x58 && rd(&r, MDAY) == 0x31 && rd(&r, MON) == 0x12);
    go(&r, 5 * SEC);
    CHECK(t, rd(&r, SECS) == 0x58); /* no updates while SET */
    go(&r, 5 * SEC + SEC / 2);
    wr(&r, RB, 0x02);
    go(&r, 6 * SEC - 1);
    CHECK(t, rd(&r, SECS) == 0x58);
    go(&r, 6 * SEC); /* the divider kept running: the next whole second */
    CHECK(t, rd(&r, SECS) == 0x59);
    go(&r, 7 * SEC);
    wr(&r, RB, 0x06);
    CHECK(t, shows(&r, 2100, 1, 1, 0, 0, 0, 2));

    /* Writing a field without SET changes the time, which runs on. */
    wr(&r, YEAR, 4);
    wr(&r, MON, 2);
    wr(&r, MDAY, 29);
    go(&r, 8 * SEC);
    CHECK(t, shows(&r, 2104, 2, 29, 0, 0, 1, 2)); /* the weekday counts on its own */

    /* SET going high clears UIE. */
    wr(&r, RB, 0x12);
    wr(&r, RB, 0x92);
    CHECK(t, rd(&r, RB) == 0x82);
    rig_close(&r);
}

static void test_divider(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, BASE);
    go(&r, SEC / 8);
    wr(&r, RA, 0x76); /* divider reset */
    go(&r, 10 * SEC);
    CHECK(t, rd(&r, SECS) == 0x07);
    go(&r, 10 * SEC + 1234);
    wr(&r, RA, 0x26);
    /* The first update comes half a second after the release. */
    uint64_t tick0 = (10 * SEC + 1234) * 32768 / SEC;
    go(&r, tick_ns(tick0 + 16384) - 1);
    CHECK(t, rd(&r, SECS) == 0x07);
    go(&r, tick_ns(tick0 + 16384));
    CHECK(t, rd(&r, SECS) == 0x08);
    go(&r, tick_ns(tick0 + 16384 + 32768));
    CHECK(t, rd(&r, SECS) == 0x09);
    /* A time base the PC does not have leaves the clock stopped. */
    wr(&r, RA, 0x06);
    go(&r, 20 * SEC);
    CHECK(t, rd(&r, SECS) == 0x09);
    rig_close(&r);
}

static void test_update_interrupt(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, BASE);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER); /* nothing enabled */
    wr(&r, RA, 0x20); /* no periodic flag in register C */
    wr(&r, RB, 0x12); /* UIE */
    CHECK(t, vclock_next_deadline(r.clock) == SEC);
    CHECK(t, !r.irq.level);
    go(&r, SEC - 1);
    CHECK(t, !r.irq.level);
    for (unsigned s = 1; s <= 5; s++) {
        go(&r, s * SEC);
        CHECK_CASE(t, r.irq.level && r.irq.rises == s, "second %u", s);
        CHECK_CASE(t, rd(&r, SECS) == bcd(7 + s), "second %u", s);
        CHECK_CASE(t, rd(&r, RC) == 0x90, "second %u", s);
        CHECK_CASE(t, !r.irq.level, "second %u", s);
        CHECK_CASE(t, rd(&r, RC) == 0x00, "second %u", s);
        CHECK_CASE(t, vclock_next_deadline(r.clock) == (s + 1) * SEC, "second %u", s);
    }
    /* Unacknowledged, the flag stays up and nothing more is armed. */
    go(&r, 6 * SEC);
    CHECK(t, r.irq.level && r.irq.rises == 6);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    go(&r, 9 * SEC + 5);
    CHECK(t, r.irq.rises == 6);
    CHECK(t, rd(&r, RC) == 0x90 && !r.irq.level);
    CHECK(t, rd(&r, SECS) == 0x16);
    /* UF rises without UIE, but IRQF and the line stay low. */
    wr(&r, RB, 0x02);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    go(&r, 11 * SEC);
    CHECK(t, !r.irq.level);
    CHECK(t, rd(&r, RC) == 0x10);
    /* Enabling UIE with UF pending raises the line at once. */
    go(&r, 12 * SEC);
    wr(&r, RB, 0x12);
    CHECK(t, r.irq.level);
    /* Disabling it drops IRQF. */
    wr(&r, RB, 0x02);
    CHECK(t, !r.irq.level);
    CHECK(t, rd(&r, RC) == 0x10);
    rig_close(&r);
}

static void test_periodic(struct unit_tally *t)
{
    static const struct { uint8_t rs; unsigned hz, ticks; } rates[] = {
        { 1, 256, 128 }, { 2, 128, 256 }, { 3, 8192, 4 }, { 6, 1024, 32 },
        { 13, 8, 4096 }, { 15, 2, 16384 },
    };
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        struct rig r;
        rig_open(&r, BASE);
        wr(&r, RA, (uint8_t)(0x20 | rates[i].rs));
        wr(&r, RB, 0x42); /* PIE */
        unsigned n = 0;
        bool exact = true;
        while (vclock_next_deadline(r.clock) <= SEC) {
            uint64_t at = vclock_next_deadline(r.clock);
            n++;
            if (at != tick_ns((uint64_t)n * rates[i].ticks))
                exact = false;
            go(&r, at);
            if (!r.irq.level || (rd(&r, RC) & 0xc0) != 0xc0 || r.irq.level)
                exact = false;
        }
        CHECK_CASE(t, n == rates[i].hz, "rate %u: %u interrupts in a second", rates[i].rs, n);
        CHECK_CASE(t, exact, "rate %u: interrupt times or register C", rates[i].rs);
        CHECK_CASE(t, r.irq.rises == rates[i].hz, "rate %u", rates[i].rs);
        rig_close(&r);
    }

    /* Without PIE nothing is armed, but PF still rises (register C). */
    struct rig r;
    rig_open(&r, BASE);
    wr(&r, RA, 0x2f);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    go(&r, tick_ns(16384) - 1);
    CHECK(t, rd(&r, RC) == 0x00);
    go(&r, tick_ns(16384));
    CHECK(t, rd(&r, RC) == 0x40 && !r.irq.level);
    /* PIE with PF pending raises the line at once; no timer until it is
     * acknowledged. */
    go(&r, tick_ns(16384 * 2) + 7);
    wr(&r, RB, 0x42);
    CHECK(t, r.irq.level);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    CHECK(t, rd(&r, RC) == 0xd0); /* the update at 1 s set UF too */
    CHECK(t, vclock_next_deadline(r.clock) == tick_ns(16384 * 3));
    /* Rate 0 stops it. */
    wr(&r, RA, 0x20);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    rig_close(&r);
}

static void test_alarm(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, BASE); /* 15:06:07 */
    wr(&r, RA, 0x20);
    wr(&r, AHOUR, 0x15);
    wr(&r, AMIN, 0x06);
    wr(&r, ASEC, 0x10);
    wr(&r, RB, 0x22); /* AIE */
    CHECK(t, vclock_next_deadline(r.clock) == 3 * SEC);
    go(&r, 3 * SEC - 1);
    CHECK(t, !r.irq.level);
    go(&r, 3 * SEC);
    CHECK(t, r.irq.level);
    CHECK(t, rd(&r, RC) == 0xb0); /* IRQF, AF, and UF from the updates */
    CHECK(t, !r.irq.level);
    CHECK(t, vclock_next_deadline(r.clock) == (3 + 86400) * SEC); /* tomorrow */

    /* Don't-care hours and minutes: every minute at :00. */
    wr(&r, AHOUR, 0xc0);
    wr(&r, AMIN, 0xff);
    wr(&r, ASEC, 0x00);
    CHECK(t, vclock_next_deadline(r.clock) == 53 * SEC);
    go(&r, 53 * SEC);
    CHECK(t, r.irq.level && rd(&r, RC) == 0xb0);
    CHECK(t, vclock_next_deadline(r.clock) == 113 * SEC);
    /* Don't-care hour only: 15:08:30, then 16:08:30. */
    wr(&r, AHOUR, 0xd5);
    wr(&r, AMIN, 0x08);
    wr(&r, ASEC, 0x30);
    CHECK(t, vclock_next_deadline(r.clock) == 143 * SEC);
    go(&r, 143 * SEC);
    CHECK(t, rd(&r, RC) == 0xb0);
    CHECK(t, vclock_next_deadline(r.clock) == (143 + 3600) * SEC);
    /* All don't-care: every second. */
    wr(&r, ASEC, 0xc0);
    wr(&r, AMIN, 0xc0);
    wr(&r, AHOUR, 0xc0);
    CHECK(t, vclock_next_deadline(r.clock) == 144 * SEC);
    /* An alarm no time matches arms nothing. */
    wr(&r, AHOUR, 0x24);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    /* 12-hour mode compares the 12-hour byte: 3 PM, 15:09:00. */
    wr(&r, RB, 0x20);
    wr(&r, AHOUR, 0x83);
    wr(&r, AMIN, 0x09);
    wr(&r, ASEC, 0x00);
    CHECK(t, vclock_next_deadline(r.clock) == 173 * SEC);
    wr(&r, AHOUR, 0x15); /* a 24-hour byte never matches in 12-hour mode */
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    rig_close(&r);

    /* Without AIE the flag is raised all the same, even for a second
     * passed over while nobody looked. */
    rig_open(&r, BASE);
    wr(&r, RA, 0x20);
    wr(&r, AHOUR, 0x15);
    wr(&r, AMIN, 0x06);
    wr(&r, ASEC, 0x30);
    go(&r, 22 * SEC);
    CHECK(t, rd(&r, RC) == 0x10);
    go(&r, 40 * SEC);
    CHECK(t, rd(&r, RC) == 0x30 && !r.irq.level);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    rig_close(&r);
}

static void test_uip(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, BASE);
    /* UIP is high from tick 32760 (244 us before the update) to the update. */
    go(&r, tick_ns(32760) - 1);
    CHECK(t, rd(&r, RA) == 0x26);
    go(&r, tick_ns(32760));
    CHECK(t, rd(&r, RA) == 0xa6);
    CHECK(t, rd(&r, SECS) == 0x07);
    go(&r, SEC - 1);
    CHECK(t, rd(&r, RA) == 0xa6);
    go(&r, SEC);
    CHECK(t, rd(&r, RA) == 0x26);
    CHECK(t, rd(&r, SECS) == 0x08);
    go(&r, SEC + tick_ns(32760));
    CHECK(t, rd(&r, RA) == 0xa6);
    wr(&r, RA, 0x76); /* divider in reset: no updates, no UIP */
    CHECK(t, rd(&r, RA) == 0x76);
    rig_close(&r);
}

static void test_cmos_and_nmi(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, BASE);
    wr(&r, RA, 0x20);
    for (unsigned i = 14; i < 128; i++)
        if (i != CENTURY)
            wr(&r, (uint8_t)i, (uint8_t)(i * 7 + 3));
    bool same = true;
    for (unsigned i = 14; i < 128; i++)
        if (i != CENTURY && rd(&r, (uint8_t)i) != (uint8_t)(i * 7 + 3))
            same = false;
    CHECK(t, same);
    rtc_cmos_write(r.rtc, 0x15, 0x80); /* base memory, as the board sets it */
    rtc_cmos_write(r.rtc, 0x16, 0x02);
    CHECK(t, rd(&r, 0x15) == 0x80 && rd(&r, 0x16) == 0x02);
    CHECK(t, rtc_cmos_read(r.rtc, 0x15) == 0x80);
    CHECK(t, rtc_cmos_read(r.rtc, SECS) == 0x07);
    CHECK(t, rtc_cmos_read(r.rtc, CENTURY) == 0x20);

    /* Bit 7 of the index masks NMI; the index is the low seven bits. */
    CHECK(t, !rtc_nmi_masked(r.rtc));
    io_write(r.io, 0x70, 0x80 | 0x15, 1);
    CHECK(t, rtc_nmi_masked(r.rtc));
    CHECK(t, io_read(r.io, 0x71, 1) == 0x80);
    io_write(r.io, 0x70, 0x16, 1);
    CHECK(t, !rtc_nmi_masked(r.rtc));
    CHECK(t, io_read(r.io, 0x71, 1) == 0x02);
    CHECK(t, io_read(r.io, 0x70, 1) == 0xff); /* write-only */
    /* A 16-bit write sets the index and writes the byte. */
    io_write(r.io, 0x70, 0x5540, 2);
    CHECK(t, rd(&r, 0x40) == 0x55);

    /* Registers C and D are read-only; the board's read of C leaves the
     * flags. */
    wr(&r, RD, 0x00);
    CHECK(t, rd(&r, RD) == 0x80);
    go(&r, SEC);
    wr(&r, RC, 0x00);
    CHECK(t, rtc_cmos_read(r.rtc, RC) == 0x10);
    CHECK(t, rd(&r, RC) == 0x10 && rd(&r, RC) == 0x00);

    /* RESET clears the enables and flags; time and RAM stay. */
    wr(&r, RB, 0x7a);
    go(&r, 2 * SEC);
    CHECK(t, r.irq.level);
    io_write(r.io, 0x70, 0x80, 1);
    rtc_reset(r.rtc);
    CHECK(t, !r.irq.level && !rtc_nmi_masked(r.rtc));
    CHECK(t, rd(&r, RB) == 0x02 && rd(&r, RC) == 0x00);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    CHECK(t, rd(&r, SECS) == 0x09 && rd(&r, 0x15) == 0x80);
    rig_close(&r);
}

static void test_dst(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, 1619315999ll); /* 2021-04-25 01:59:59, the last Sunday in April */
    wr(&r, RB, 0x03);
    go(&r, SEC);
    CHECK(t, rd(&r, HOURS) == 0x03 && rd(&r, MINS) == 0 && rd(&r, SECS) == 0);
    rig_close(&r);

    /* 2021-10-31 01:29:59, the last Sunday in October: 1:30 comes twice,
     * and the alarm with it. */
    rig_open(&r, 1635643799ll);
    wr(&r, RA, 0x20);
    wr(&r, RB, 0x23);
    wr(&r, AHOUR, 0x01);
    wr(&r, AMIN, 0x30);
    wr(&r, ASEC, 0x00);
    go(&r, SEC);
    CHECK(t, r.irq.level && rd(&r, RC) == 0xb0);
    go(&r, 1800 * SEC);
    CHECK(t, rd(&r, HOURS) == 0x01 && rd(&r, MINS) == 0x59 && rd(&r, SECS) == 0x59);
    go(&r, 1801 * SEC);
    CHECK(t, rd(&r, HOURS) == 0x01 && rd(&r, MINS) == 0 && rd(&r, SECS) == 0);
    CHECK(t, !r.irq.level);
    go(&r, 3601 * SEC - 1);
    CHECK(t, r.irq.rises == 1);
    go(&r, 3601 * SEC);
    CHECK(t, r.irq.rises == 2 && rd(&r, MINS) == 0x30 && rd(&r, RC) == 0xb0);
    go(&r, 5401 * SEC);
    CHECK(t, rd(&r, HOURS) == 0x02 && rd(&r, MINS) == 0 && rd(&r, SECS) == 0);
    rig_close(&r);
}

static void test_state(struct unit_tally *t)
{
    struct rig a, b;
    rig_open(&a, BASE);
    rig_open(&b, 0);
    wr(&a, RA, 0x26);
    wr(&a, RB, 0x52); /* PIE, UIE */
    wr(&a, 0x40, 0xab);
    go(&a, 2 * SEC + SEC / 3);
    (void)rd(&a, RC);
    io_write(a.io, 0x70, 0x80 | 0x11, 1);
    go(&b, 2 * SEC + SEC / 3);

    struct state_writer w = { 0 };
    state_save(&rtc_state_desc, a.rtc, &w);
    CHECK(t, !w.failed);
    struct state_reader rdr = { w.buf, w.len, 0 };
    char err[160] = "";
    CHECK_MSG(t, state_load(&rtc_state_desc, b.rtc, &rdr, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, rtc_nmi_masked(b.rtc));
    CHECK(t, vclock_next_deadline(b.clock) == vclock_next_deadline(a.clock));
    CHECK(t, vclock_next_deadline(b.clock) != TIMER_NEVER);
    CHECK(t, b.irq.level == a.irq.level);
    for (unsigned i = 0; i < 200; i++) {
        uint64_t at = vclock_next_deadline(a.clock);
        if (at != vclock_next_deadline(b.clock)) {
            FAIL(t, "deadlines part at step %u", i);
            break;
        }
        go(&a, at);
        go(&b, at);
        if (a.irq.level != b.irq.level || rd(&a, RC) != rd(&b, RC)) {
            FAIL(t, "interrupts part at step %u", i);
            break;
        }
    }
    CHECK(t, rd(&b, 0x40) == 0xab);
    CHECK(t, rd(&a, SECS) == rd(&b, SECS) && rd(&a, YEAR) == rd(&b, YEAR));

    /* The IRQ line follows loaded flags. */
    struct rig c;
    rig_open(&c, 0);
    go(&a, vclock_next_deadline(a.clock));
    CHECK(t, a.irq.level);
    struct state_writer w2 = { 0 };
    state_save(&rtc_state_desc, a.rtc, &w2);
    struct state_reader r2 = { w2.buf, w2.len, 0 };
    CHECK(t, state_load(&rtc_state_desc, c.rtc, &r2, err, sizeof(err)) == 0);
    CHECK(t, c.irq.level);
    state_writer_free(&w2);
    rig_close(&c);

    /* Impossible values are refused and leave the device as it was:
     * offsets after the name, version and count are index (15),
     * nmi_masked, reg_a (17), reg_b, flags (19), the calendar and alarm,
     * dst_repeat, then settled (32-39, little-endian). */
    static const struct { size_t at; uint8_t v; } bad[] = {
        { 15, 0x80 }, { 17, 0xa6 }, { 19, 0x01 }, { 19, 0x80 }, { 39, 0x01 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t *copy = malloc(w.len);
        if (!copy)
            break;
        memcpy(copy, w.buf, w.len);
        copy[bad[i].at] = bad[i].v;
        wr(&b, 0x40, 0x11);
        struct state_reader bad_r = { copy, w.len, 0 };
        CHECK_CASE(t, state_load(&rtc_state_desc, b.rtc, &bad_r, err, sizeof(err)) != 0,
                   "corruption %zu", i);
        CHECK_CASE(t, rd(&b, 0x40) == 0x11, "corruption %zu", i);
        free(copy);
    }
    struct state_reader cut = { w.buf, w.len - 1, 0 };
    CHECK(t, state_load(&rtc_state_desc, b.rtc, &cut, err, sizeof(err)) != 0);
    state_writer_free(&w);
    rig_close(&a);
    rig_close(&b);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_bcd_and_binary(&t);
    test_conversions(&t);
    test_12_hour(&t);
    test_rollover(&t);
    test_set(&t);
    test_divider(&t);
    test_update_interrupt(&t);
    test_periodic(&t);
    test_alarm(&t);
    test_uip(&t);
    test_cmos_and_nmi(&t);
    test_dst(&t);
    test_state(&t);
    return UNIT_REPORT(&t);
}
