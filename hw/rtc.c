/*
 * Motorola MC146818A real-time clock plus RAM, after the Motorola
 * MC146818A datasheet: "Address Map", "Time, Calendar and Alarm
 * Locations", "Registers", "Interrupts", "Update Cycle" and "Divider
 * Stages". The PC wires it as 128 bytes of CMOS (the AT chipset's
 * extension of the chip's 64) behind an index port whose bit 7 gates NMI.
 *
 * Nothing ticks. The clock keeps the calendar in binary fields (hours
 * 0-23) valid at the 32.768 kHz time-base tick `settled`; every access
 * first brings it to the current tick, applying the update cycles that
 * happened since (one per second, at phase + k * 32768) and latching the
 * flags they and the periodic taps of the divider raised. Registers are
 * encoded in the BCD/binary and 12/24-hour modes of register B when read
 * and decoded when written, so changing the mode re-encodes the time
 * rather than leaving the bytes to be reinitialised as the chip would.
 *
 * Virtual-clock timers are armed only for interrupts that are enabled and
 * not already pending: the next periodic tap with PIE, the next update
 * with UIE, the next matching second with AIE. An idle guest with its
 * interrupts disabled costs nothing, and time read by polling is the same.
 *
 * Tick t of the 32.768 kHz time base begins at ceil(t * 10^9 / 32768) ns
 * of virtual time, so ticks and virtual time convert exactly both ways
 * and the calendar is a function of virtual time alone.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hw/rtc.h"

#define NS_PER_SEC 1000000000ull
#define RTC_HZ 32768u
#define SECS_PER_DAY 86400
/* UIP rises this many ticks (244 us) before an update (datasheet table 6,
 * tBUC); the update itself is instantaneous here. */
#define UIP_TICKS 8
/* Ticks held in state stay below this (about 1000 years of virtual time),
 * so signed tick arithmetic cannot overflow. */
#define TICK_LIMIT (1ull << 50)

enum {
    REG_SEC = 0, REG_ALARM_SEC = 1, REG_MIN = 2, REG_ALARM_MIN = 3, REG_HOUR = 4,
    REG_ALARM_HOUR = 5, REG_WDAY = 6, REG_MDAY = 7, REG_MON = 8, REG_YEAR = 9,
    REG_A = 10, REG_B = 11, REG_C = 12, REG_D = 13,
};
enum { A_UIP = 0x80, A_DV = 0x70, A_RS = 0x0f, DV_32K = 0x20 };
enum {
    B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_SQWE = 0x08, B_DM = 0x04,
    B_24H = 0x02, B_DSE = 0x01,
};
enum { C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10, C_FLAGS = C_PF | C_AF | C_UF };
enum { D_VRT = 0x80 };
enum { HOUR_PM = 0x80, ALARM_ANY = 0xc0 };
enum { DST_NONE, DST_SPRING, DST_FALL };

struct rtc_state {
    uint8_t index;      /* selected CMOS byte, 0-127 */
    bool nmi_masked;    /* bit 7 of the last index write */
    uint8_t reg_a;      /* DV and RS; UIP is derived from the tick */
    uint8_t reg_b;
    uint8_t flags;      /* register C's PF, AF, UF */
    /* The calendar at tick `settled`, in binary, as written (a guest may
     * write values out of range; the next update normalises them). */
    uint8_t sec, min, hour, wday, mday, mon, year, century;
    uint8_t alarm_sec, alarm_min, alarm_hour; /* as written, in the register's mode */
    bool dst_repeat;    /* DSE: the October hour is being repeated */
    uint64_t settled;   /* time-base tick the calendar and flags are valid at */
    uint64_t phase;     /* update cycles begin at phase + k * 32768 */
    uint8_t ram[RTC_CMOS_SIZE]; /* bytes 0-13 and the century byte unused */
};

struct rtc {
    struct rtc_state st; /* first: the state table's offsets are struct rtc's */
    struct vclock *clock;
    struct timer periodic;
    struct timer update;
    struct irq_line irq;
    const struct logger *log;
};

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Counted in 400-year eras of 146097 days, with years starting on March 1
 * so that the leap day is the last day of a year. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    if (m <= 2)
        y--;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                          /* 0..399 */
    int64_t mp = ((int64_t)m + 9) % 12;                   /* 0 = March */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;    /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* 0..146096 */
    return era * 146097 + doe - 719468;                   /* 719468: 0000-03-01 to 1970 */
}

static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153; /* 0 = March */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static unsigned weekday(int64_t days)
{
    return (unsigned)floor_mod(days + 4, 7);
}

/* The span the fields can show: century 0-255, year 0-99. */
static int64_t secs_min(void)
{
    return days_from_civil(0, 1, 1) * SECS_PER_DAY;
}

static int64_t secs_max(void)
{
    return days_from_civil(25600, 1, 1) * SECS_PER_DAY - 1;
}

/* The fields as seconds; out-of-range fields carry into the next larger
 * unit, as (say) the 31st of February is the 3rd of March. */
static int64_t compose(const struct rtc_state *st)
{
    int64_t y = (int64_t)st->century * 100 + st->year;
    int64_t m0 = (int64_t)st->mon - 1;
    y += floor_div(m0, 12);
    m0 = floor_mod(m0, 12);
    int64_t days = days_from_civil(y, (unsigned)m0 + 1, 1) + st->mday - 1;
    return days * SECS_PER_DAY + st->hour * 3600 + st->min * 60 + st->sec;
}

/* Every field but the day of the week, which counts on its own. */
static void decompose(struct rtc_state *st, int64_t secs)
{
    if (secs < secs_min())
        secs = secs_min();
    if (secs > secs_max())
        secs = secs_max();
    int64_t days = floor_div(secs, SECS_PER_DAY), sod = secs - days * SECS_PER_DAY, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    st->sec = (uint8_t)(sod % 60);
    st->min = (uint8_t)(sod / 60 % 60);
    st->hour = (uint8_t)(sod / 3600);
    st->mday = (uint8_t)d;
    st->mon = (uint8_t)m;
    st->year = (uint8_t)(y % 100);
    st->century = (uint8_t)(y / 100);
}

/* DSE (datasheet, register B bit 0): on the last Sunday in April the
 * update after 1:59:59 AM shows 3:00:00 AM; on the last Sunday in October
 * the first update after 1:59:59 AM shows 1:00:00 AM. The transition is
 * the second the update would have shown, 2:00:00 AM. */
static int64_t last_sunday_2am(int64_t y, unsigned month, unsigned last_day)
{
    int64_t d = days_from_civil(y, month, last_day);
    return (d - weekday(d)) * SECS_PER_DAY + 2 * 3600;
}

static int64_t dst_next(int64_t secs, int *kind)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(floor_div(secs, SECS_PER_DAY), &y, &m, &d);
    int64_t spring = last_sunday_2am(y, 4, 30), fall = last_sunday_2am(y, 10, 31);
    if (spring > secs) {
        *kind = DST_SPRING;
        return spring;
    }
    if (fall > secs) {
        *kind = DST_FALL;
        return fall;
    }
    *kind = DST_SPRING;
    return last_sunday_2am(y + 1, 4, 30);
}

/* ---- register encoding ---- */

static bool binary_mode(const struct rtc_state *st)
{
    return (st->reg_b & B_DM) != 0;
}

static uint8_t encode(const struct rtc_state *st, unsigned v)
{
    return binary_mode(st) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned decode(const struct rtc_state *st, uint8_t v)
{
    return binary_mode(st) ? v : (unsigned)(v >> 4) * 10 + (v & 15);
}

/* 12-hour mode shows 1-12 with bit 7 for PM (datasheet table 3). */
static uint8_t encode_hour(const struct rtc_state *st, unsigned h)
{
    if (st->reg_b & B_24H)
        return encode(st, h);
    unsigned hh = h % 24, h12 = hh % 12 ? hh % 12 : 12;
    return (uint8_t)(encode(st, h12) | (hh >= 12 ? HOUR_PM : 0));
}

static unsigned decode_hour(const struct rtc_state *st, uint8_t v)
{
    if (st->reg_b & B_24H)
        return decode(st, v);
    unsigned h = decode(st, v & 0x7f);
    if (h == 12)
        h = 0;
    return (v & HOUR_PM) ? h + 12 : h;
}

/* ---- alarm ---- */

enum { UNIT_SEC, UNIT_MIN, UNIT_HOUR };

/* An alarm byte of 0xc0-0xff matches any value (datasheet, "Alarm"). */
static bool alarm_unit_matches(const struct rtc_state *st, unsigned unit, unsigned v)
{
    uint8_t a = unit == UNIT_SEC ? st->alarm_sec : unit == UNIT_MIN ? st->alarm_min : st->alarm_hour;
    if ((a & ALARM_ANY) == ALARM_ANY)
        return true;
    return a == (unit == UNIT_HOUR ? encode_hour(st, v) : encode(st, v));
}

static bool alarm_matches(const struct rtc_state *st, int64_t secs)
{
    int64_t sod = floor_mod(secs, SECS_PER_DAY);
    return alarm_unit_matches(st, UNIT_SEC, (unsigned)(sod % 60)) &&
           alarm_unit_matches(st, UNIT_MIN, (unsigned)(sod / 60 % 60)) &&
           alarm_unit_matches(st, UNIT_HOUR, (unsigned)(sod / 3600));
}

/* The first value from `from` on that the alarm byte of unit matches, or -1. */
static int alarm_first(const struct rtc_state *st, unsigned unit, int from)
{
    int limit = unit == UNIT_HOUR ? 24 : 60;
    for (int v = from; v < limit; v++)
        if (alarm_unit_matches(st, unit, (unsigned)v))
            return v;
    return -1;
}

/* The first second after secs that the alarm matches, or -1 for never. */
static int64_t alarm_next(const struct rtc_state *st, int64_t secs)
{
    if (alarm_first(st, UNIT_SEC, 0) < 0 || alarm_first(st, UNIT_MIN, 0) < 0 ||
        alarm_first(st, UNIT_HOUR, 0) < 0)
        return -1;
    int64_t day = floor_div(secs, SECS_PER_DAY), sod = secs - day * SECS_PER_DAY;
    int ch = (int)(sod / 3600), cm = (int)(sod / 60 % 60), cs = (int)(sod % 60);
    for (int d = 0; d < 2; d++) {
        for (int h = alarm_first(st, UNIT_HOUR, d ? 0 : ch); h >= 0;
             h = alarm_first(st, UNIT_HOUR, h + 1)) {
            bool same_h = !d && h == ch;
            for (int m = alarm_first(st, UNIT_MIN, same_h ? cm : 0); m >= 0;
                 m = alarm_first(st, UNIT_MIN, m + 1)) {
                int s = alarm_first(st, UNIT_SEC, same_h && m == cm ? cs + 1 : 0);
                if (s >= 0)
                    return (day + d) * SECS_PER_DAY + h * 3600 + m * 60 + s;
            }
        }
    }
    return -1;
}

/* ---- time base ---- */

static uint64_t ns_to_tick(uint64_t ns)
{
    return ns / NS_PER_SEC * RTC_HZ + ns % NS_PER_SEC * RTC_HZ / NS_PER_SEC;
}

/* The first ns of tick t, or TIMER_NEVER past the end of time. */
static uint64_t tick_to_ns(uint64_t t)
{
    uint64_t q = t / RTC_HZ, r = t % RTC_HZ;
    if (q >= UINT64_MAX / NS_PER_SEC - 1)
        return TIMER_NEVER;
    return q * NS_PER_SEC + (r * NS_PER_SEC + RTC_HZ - 1) / RTC_HZ;
}

static uint64_t now_tick(const struct rtc *rtc)
{
    return ns_to_tick(vclock_now(rtc->clock));
}

/* DV = 010 is the 32.768 kHz time base; 11x holds the divider in reset,
 * and the other codes name time bases the PC does not have, so the chain
 * does not run on them either. */
static bool divider_running(const struct rtc_state *st)
{
    return (st->reg_a & A_DV) == DV_32K;
}

static bool updating(const struct rtc_state *st)
{
    return divider_running(st) && !(st->reg_b & B_SET);
}

/* Ticks between periodic taps (datasheet table 4, 32.768 kHz column):
 * RS 1 and 2 give 256 and 128 Hz, RS 3-15 give 32768 >> (RS - 1) Hz,
 * 8192 Hz down to 2 Hz; 0 is none. Every period divides the half
 * second. */
static uint64_t periodic_ticks(const struct rtc_state *st)
{
    unsigned rs = st->reg_a & A_RS;
    if (rs == 0)
        return 0;
    return rs <= 2 ? 1ull << (rs + 6) : 1ull << (rs - 1);
}

/* How many multiples of period past phase lie in (from, to]. */
static int64_t edges_between(uint64_t from, uint64_t to, uint64_t phase, uint64_t period)
{
    return floor_div((int64_t)to - (int64_t)phase, (int64_t)period) -
           floor_div((int64_t)from - (int64_t)phase, (int64_t)period);
}

/* The first multiple of period past phase after tick t, plus (k - 1) periods. */
static uint64_t edge_after(uint64_t t, uint64_t phase, uint64_t period, int64_t k)
{
    int64_t n = floor_div((int64_t)t - (int64_t)phase, (int64_t)period) + k;
    return (uint64_t)((int64_t)phase + n * (int64_t)period);
}

/* Apply n update cycles: the calendar moves n seconds (with DSE's jumps),
 * UF rises, and AF rises when any second shown matched the alarm. */
static void advance(struct rtc_state *st, int64_t n)
{
    int64_t secs = compose(st);
    if (!(st->reg_b & B_DSE))
        st->dst_repeat = false;
    int64_t first_day = floor_div(secs, SECS_PER_DAY);
    while (n > 0) {
        int64_t step = n;
        int kind = DST_NONE;
        if (st->reg_b & B_DSE) {
            int64_t t = dst_next(secs, &kind);
            if (t - secs <= n)
                step = t - secs;
            else
                kind = DST_NONE;
        }
        /* Seconds shown before the last of this stretch... */
        int64_t a = step > 1 ? alarm_next(st, secs) : -1;
        if (a >= 0 && a < secs + step)
            st->flags |= C_AF;
        secs += step;
        n -= step;
        if (kind == DST_SPRING) {
            secs += 3600;
        } else if (kind == DST_FALL) {
            if (!st->dst_repeat)
                secs -= 3600;
            st->dst_repeat = !st->dst_repeat;
        }
        /* ...and the last, as the update showed it. */
        if (alarm_matches(st, secs))
            st->flags |= C_AF;
    }
    st->flags |= C_UF;
    int64_t days = floor_div(secs, SECS_PER_DAY) - first_day;
    st->wday = (uint8_t)(floor_mod((st->wday + 6) % 7 + days, 7) + 1);
    decompose(st, secs);
}

/* Bring the calendar and the flags to tick now; whether a flag rose. */
static bool settle(struct rtc_state *st, uint64_t now)
{
    if (now <= st->settled)
        return false;
    uint8_t flags = st->flags;
    uint64_t period = periodic_ticks(st);
    if (divider_running(st) && period && edges_between(st->settled, now, st->phase, period) > 0)
        st->flags |= C_PF;
    if (updating(st)) {
        int64_t n = edges_between(st->settled, now, st->phase, RTC_HZ);
        if (n > 0)
            advance(st, n);
    }
    st->settled = now;
    return st->flags != flags;
}

static bool irqf(const struct rtc_state *st)
{
    return ((st->flags & C_PF) && (st->reg_b & B_PIE)) ||
           ((st->flags & C_AF) && (st->reg_b & B_AIE)) ||
           ((st->flags & C_UF) && (st->reg_b & B_UIE));
}

/* The tick of the update that can next raise an enabled, not yet pending
 * UF or AF, or 0 for none. */
static uint64_t next_update_event(const struct rtc_state *st, uint64_t now)
{
    bool want_uf = (st->reg_b & B_UIE) && !(st->flags & C_UF);
    bool want_af = (st->reg_b & B_AIE) && !(st->flags & C_AF);
    if (!updating(st) || (!want_uf && !want_af))
        return 0;
    int64_t k = 1;
    if (!want_uf) {
        int64_t secs = compose(st), a = alarm_next(st, secs);
        if (a < 0)
            return 0;
        k = a - secs;
        /* A DSE jump moves the alarm's second: look again after it. */
        if (st->reg_b & B_DSE) {
            int kind;
            int64_t t = dst_next(secs, &kind);
            if (t - secs < k)
                k = t - secs;
        }
    }
    return edge_after(now, st->phase, RTC_HZ, k);
}

/* Drive IRQ 8 from IRQF and arm the timers for what can raise it next. */
static void sync(struct rtc *rtc)
{
    const struct rtc_state *st = &rtc->st;
    uint64_t now = st->settled > now_tick(rtc) ? st->settled : now_tick(rtc);
    irq_set(&rtc->irq, irqf(st));

    uint64_t period = periodic_ticks(st);
    if ((st->reg_b & B_PIE) && !(st->flags & C_PF) && divider_running(st) && period)
        timer_mod(&rtc->periodic, tick_to_ns(edge_after(now, st->phase, period, 1)));
    else
        timer_del(&rtc->periodic);

    uint64_t at = next_update_event(st, now);
    if (at)
        timer_mod(&rtc->update, tick_to_ns(at));
    else
        timer_del(&rtc->update);
}

static void rtc_fire(void *opaque)
{
    struct rtc *rtc = opaque;
    settle(&rtc->st, now_tick(rtc));
    sync(rtc);
}

/* ---- registers ---- */

static bool is_clock_byte(uint8_t index)
{
    return index <= REG_D || index == RTC_CMOS_CENTURY;
}

/* Read CMOS byte index at tick now; peek leaves register C's flags. */
static uint8_t read_byte(struct rtc *rtc, uint8_t index, uint64_t now, bool peek)
{
    struct rtc_state *st = &rtc->st;
    if (!is_clock_byte(index))
        return st->ram[index];
    if (settle(st, now) && !peek)
        sync(rtc);
    switch (index) {
    case REG_SEC: return encode(st, st->sec);
    case REG_ALARM_SEC: return st->alarm_sec;
    case REG_MIN: return encode(st, st->min);
    case REG_ALARM_MIN: return st->alarm_min;
    case REG_HOUR: return encode_hour(st, st->hour);
    case REG_ALARM_HOUR: return st->alarm_hour;
    case REG_WDAY: return encode(st, st->wday);
    case REG_MDAY: return encode(st, st->mday);
    case REG_MON: return encode(st, st->mon);
    case REG_YEAR: return encode(st, st->year);
    case REG_A: {
        /* UIP: the 244 us before an update (datasheet table 6); SET
         * clears it ("UIP" under register A). */
        bool uip = updating(st) && ((now - st->phase) & (RTC_HZ - 1)) >= RTC_HZ - UIP_TICKS;
        return (uint8_t)(st->reg_a | (uip ? A_UIP : 0));
    }
    case REG_B: return st->reg_b;
    case REG_C: {
        /* Reading C clears every flag and so IRQF and the IRQ pin
         * (datasheet, register C). */
        uint8_t v = (uint8_t)(st->flags | (irqf(st) ? C_IRQF : 0));
        if (!peek) {
            st->flags = 0;
            sync(rtc);
        }
        return v;
    }
    case REG_D: return D_VRT; /* the battery never runs down */
    default: return encode(st, st->century);
    }
}

static void write_byte(struct rtc *rtc, uint8_t index, uint8_t v, uint64_t now)
{
    struct rtc_state *st = &rtc->st;
    if (!is_clock_byte(index)) {
        st->ram[index] = v;
        return;
    }
    settle(st, now);
    switch (index) {
    case REG_SEC: st->sec = (uint8_t)decode(st, v); break;
    case REG_ALARM_SEC: st->alarm_sec = v; break;
    case REG_MIN: st->min = (uint8_t)decode(st, v); break;
    case REG_ALARM_MIN: st->alarm_min = v; break;
    case REG_HOUR: st->hour = (uint8_t)decode_hour(st, v); break;
    case REG_ALARM_HOUR: st->alarm_hour = v; break;
    case REG_WDAY: st->wday = (uint8_t)decode(st, v); break;
    case REG_MDAY: st->mday = (uint8_t)decode(st, v); break;
    case REG_MON: st->mon = (uint8_t)decode(st, v); break;
    case REG_YEAR: st->year = (uint8_t)decode(st, v); break;
    case REG_A: {
        /* The first update comes half a second after the divider leaves
         * reset (datasheet, "DV2, DV1, DV0"). */
        bool was = divider_running(st);
        st->reg_a = v & (A_DV | A_RS);
        if (!was && divider_running(st))
            st->phase = now + RTC_HZ / 2;
        break;
    }
    case REG_B:
        /* SET going high ends updates and clears UIE (datasheet, "UIE"). */
        if ((v & B_SET) && !(st->reg_b & B_SET))
            v &= (uint8_t)~B_UIE;
        st->reg_b = v;
        break;
    case REG_C:
    case REG_D:
        log_printf(rtc->log, LOG_GUEST_ERRORS,
                   "rtc: write of 0x%02x to read-only register %c ignored\n", v,
                   index == REG_C ? 'C' : 'D');
        return;
    default: st->century = (uint8_t)decode(st, v); break;
    }
    sync(rtc);
}

static uint32_t rtc_io_read(void *opaque, uint32_t offset, unsigned size)
{
    struct rtc *rtc = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = 0xff;
        if ((offset + i) & 1)
            b = read_byte(rtc, rtc->st.index, now_tick(rtc), false);
        else
            log_printf(rtc->log, LOG_GUEST_ERRORS, "rtc 0x70: read of the write-only index port\n");
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void rtc_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct rtc *rtc = opaque;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (value >> (8 * i)) & 0xff;
        if ((offset + i) & 1) {
            write_byte(rtc, rtc->st.index, b, now_tick(rtc));
        } else {
            rtc->st.index = b & (RTC_CMOS_SIZE - 1);
            rtc->st.nmi_masked = (b & 0x80) != 0;
        }
    }
}

static const struct io_ops rtc_io_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
};

/* ---- state, creation ---- */

static int rtc_post_load(void *obj, char *err, size_t errlen)
{
    struct rtc *rtc = obj;
    const struct rtc_state *st = &rtc->st;
    const char *why = NULL;
    if (st->index >= RTC_CMOS_SIZE)
        why = "index out of range";
    else if (st->reg_a & A_UIP)
        why = "register A holds UIP";
    else if (st->flags & ~C_FLAGS)
        why = "register C holds bits other than PF, AF, UF";
    else if (st->settled >= TICK_LIMIT || st->phase >= TICK_LIMIT)
        why = "time-base tick out of range";
    if (why) {
        snprintf(err, errlen, "rtc: %s", why);
        return -1;
    }
    sync(rtc);
    return 0;
}

#define RTC_FIELD(member, reset) STATE_FIELD(struct rtc, st.member, reset)

/* Register A as SeaBIOS and the PC BIOSes program it (32.768 kHz time
 * base, 1024 Hz periodic rate), register B in 24-hour BCD; the calendar
 * fields are set from the base time at creation. */
static const struct state_field rtc_fields[] = {
    RTC_FIELD(index, 0),
    RTC_FIELD(nmi_masked, false),
    RTC_FIELD(reg_a, DV_32K | 6),
    RTC_FIELD(reg_b, B_24H),
    RTC_FIELD(flags, 0),
    RTC_FIELD(sec, 0),
    RTC_FIELD(min, 0),
    RTC_FIELD(hour, 0),
    RTC_FIELD(wday, 5),
    RTC_FIELD(mday, 1),
    RTC_FIELD(mon, 1),
    RTC_FIELD(year, 70),
    RTC_FIELD(century, 19),
    RTC_FIELD(alarm_sec, 0),
    RTC_FIELD(alarm_min, 0),
    RTC_FIELD(alarm_hour, 0),
    RTC_FIELD(dst_repeat, false),
    RTC_FIELD(settled, 0),
    RTC_FIELD(phase, 0),
    STATE_ARRAY(struct rtc, st.ram, 0),
};

const struct state_desc rtc_state_desc = {
    .name = "rtc",
    .version = 1,
    .fields = rtc_fields,
    .field_count = sizeof(rtc_fields) / sizeof(rtc_fields[0]),
    .post_load = rtc_post_load,
};

void rtc_reset(struct rtc *rtc)
{
    struct rtc_state *st = &rtc->st;
    settle(st, now_tick(rtc));
    st->reg_b &= (uint8_t)~(B_PIE | B_AIE | B_UIE | B_SQWE);
    st->flags = 0;
    st->nmi_masked = false;
    sync(rtc);
}

bool rtc_nmi_masked(const struct rtc *rtc)
{
    return rtc->st.nmi_masked;
}

void rtc_cmos_write(struct rtc *rtc, uint8_t index, uint8_t value)
{
    write_byte(rtc, index & (RTC_CMOS_SIZE - 1), value, now_tick(rtc));
}

uint8_t rtc_cmos_read(struct rtc *rtc, uint8_t index)
{
    return read_byte(rtc, index & (RTC_CMOS_SIZE - 1), now_tick(rtc), true);
}

struct rtc *rtc_create(struct io_bus *io, struct vclock *clock, struct irq_line irq8,
                       int64_t base_seconds, const struct logger *log)
{
    if (base_seconds < secs_min() || base_seconds >= days_from_civil(10000, 1, 1) * SECS_PER_DAY)
        return NULL;
    struct rtc *rtc = calloc(1, sizeof(*rtc));
    if (!rtc)
        return NULL;
    rtc->clock = clock;
    rtc->irq = irq8;
    rtc->log = log;
    timer_init(&rtc->periodic, clock, rtc_fire, rtc);
    timer_init(&rtc->update, clock, rtc_fire, rtc);
    state_reset(&rtc_state_desc, rtc);
    /* The calendar shows base_seconds now; updates follow each whole
     * second from now. */
    decompose(&rtc->st, base_seconds);
    rtc->st.wday = (uint8_t)(weekday(floor_div(base_seconds, SECS_PER_DAY)) + 1);
    rtc->st.settled = now_tick(rtc);
    rtc->st.phase = rtc->st.settled;
    sync(rtc);
    if (io_register(io, RTC_BASE, 2, &rtc_io_ops, rtc) < 0) {
        timer_del(&rtc->periodic);
        timer_del(&rtc->update);
        free(rtc);
        return NULL;
    }
    return rtc;
}

void rtc_destroy(struct rtc *rtc)
{
    if (!rtc)
        return;
    timer_del(&rtc->periodic);
    timer_del(&rtc->update);
    free(rtc);
}
