/* Device state tables: reset values, the saved format, and a loader that
 * refuses bad input without touching the object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/debug_exit.h"
#include "hw/serial.h"
#include "lintas/chardev.h"
#include "lintas/io.h"
#include "lintas/state.h"
#include "lintas/timer.h"
#include "unit_check.h"

/* A device with a field of every kind, arrays, and a field added in
 * version 2. post_loads counts successful loads; it and spare are not
 * described, so no table operation may change them. */
struct sample {
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint64_t d;
    bool e;
    uint16_t words[3];
    bool flags[2];
    uint8_t cut;      /* reset value wider than the field */
    uint32_t added;   /* since version 2 */
    unsigned post_loads;
    uint8_t spare;
};

#define SAMPLE_REFUSED_C 0xdeadbeefu

static int sample_post_load(void *obj, char *err, size_t errlen)
{
    struct sample *s = obj;
    if (s->c == SAMPLE_REFUSED_C) {
        snprintf(err, errlen, "c cannot be 0x%x", (unsigned)s->c);
        return -1;
    }
    s->post_loads++;
    return 0;
}

static const struct state_field sample_fields[] = {
    STATE_FIELD(struct sample, a, 0x11),
    STATE_FIELD(struct sample, b, 0x2233),
    STATE_FIELD(struct sample, c, 0x44556677),
    STATE_FIELD(struct sample, d, 0x8899aabbccddeeffull),
    STATE_FIELD(struct sample, e, true),
    STATE_ARRAY(struct sample, words, 0xabcd),
    STATE_ARRAY(struct sample, flags, 2),
    STATE_FIELD(struct sample, cut, 0x1ff),
    STATE_FIELD_SINCE(struct sample, added, 77, 2),
};

#define SAMPLE_FIELDS (sizeof(sample_fields) / sizeof(sample_fields[0]))

static const struct state_desc sample_v2 = {
    "sample", 2, sample_fields, SAMPLE_FIELDS, sample_post_load,
};
/* The same device as it was in version 1, before `added`. */
static const struct state_desc sample_v1 = {
    "sample", 1, sample_fields, SAMPLE_FIELDS - 1, sample_post_load,
};
static const struct state_desc other_name = {
    "samplf", 2, sample_fields, SAMPLE_FIELDS, sample_post_load,
};
static const struct state_desc longer_name = {
    "sample2", 2, sample_fields, SAMPLE_FIELDS, sample_post_load,
};

/* Values that differ from the reset values in every byte that matters. */
static void sample_fill(struct sample *s)
{
    memset(s, 0, sizeof(*s));
    s->a = 0x8a;
    s->b = 0xbeef;
    s->c = 0x01020304;
    s->d = 0xf0e1d2c3b4a59687ull;
    s->e = false;
    s->words[0] = 0x0102;
    s->words[1] = 0xfffe;
    s->words[2] = 0x8000;
    s->flags[0] = true;
    s->flags[1] = false;
    s->cut = 0x5c;
    s->added = 0xcafef00d;
    s->post_loads = 5;
    s->spare = 0x99;
}

static bool sample_fields_equal(const struct sample *x, const struct sample *y)
{
    return x->a == y->a && x->b == y->b && x->c == y->c && x->d == y->d && x->e == y->e &&
           memcmp(x->words, y->words, sizeof(x->words)) == 0 && x->flags[0] == y->flags[0] &&
           x->flags[1] == y->flags[1] && x->cut == y->cut && x->added == y->added;
}

static bool sample_equal(const struct sample *x, const struct sample *y)
{
    return sample_fields_equal(x, y) && x->post_loads == y->post_loads && x->spare == y->spare;
}

static void test_reset(struct unit_tally *t)
{
    struct sample s;
    memset(&s, 0xff, sizeof(s));
    state_reset(&sample_v2, &s);
    CHECK(t, s.a == 0x11 && s.b == 0x2233 && s.c == 0x44556677);
    CHECK(t, s.d == 0x8899aabbccddeeffull);
    CHECK(t, s.e == true);
    CHECK(t, s.words[0] == 0xabcd && s.words[1] == 0xabcd && s.words[2] == 0xabcd);
    CHECK(t, s.flags[0] == true && s.flags[1] == true);
    CHECK(t, s.cut == 0xff); /* cut to the field's width */
    CHECK(t, s.added == 77);
    /* Memory outside the described fields stays as it was. */
    CHECK(t, s.post_loads == ~0u && s.spare == 0xff);
}

/* The saved bytes, spelt out: the format is the contract with files
 * written by other builds and hosts. */
static void test_format(struct unit_tally *t)
{
    struct sample s;
    sample_fill(&s);
    struct state_writer w = { 0 };
    state_save(&sample_v2, &s, &w);
    static const uint8_t want[] = {
        6, 0, 0, 0, 's', 'a', 'm', 'p', 'l', 'e', /* name */
        2, 0, 0, 0,                               /* version */
        9, 0, 0, 0,                               /* fields */
        0x8a,                                     /* a */
        0xef, 0xbe,                               /* b */
        0x04, 0x03, 0x02, 0x01,                   /* c */
        0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, /* d */
        0,                                        /* e */
        0x02, 0x01, 0xfe, 0xff, 0x00, 0x80,       /* words */
        1, 0,                                     /* flags */
        0x5c,                                     /* cut */
        0x0d, 0xf0, 0xfe, 0xca,                   /* added */
    };
    CHECK(t, !w.failed);
    if (CHECK_MSG(t, w.len == sizeof(want), "%zu bytes saved, want %zu", w.len, sizeof(want)))
        for (size_t i = 0; i < sizeof(want); i++)
            CHECK_CASE(t, w.buf[i] == want[i], "byte %zu is 0x%02x, want 0x%02x", i, w.buf[i],
                       want[i]);
    state_writer_free(&w);
    CHECK(t, w.buf == NULL && w.len == 0 && w.cap == 0);
}

static void test_round_trip(struct unit_tally *t)
{
    struct sample s, back;
    sample_fill(&s);
    struct state_writer w = { 0 };
    state_save(&sample_v2, &s, &w);
    state_save(&sample_v2, &s, &w); /* a second section follows */

    memset(&back, 0, sizeof(back));
    state_reset(&sample_v2, &back);
    char err[160] = "";
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&sample_v2, &back, &r, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, sample_fields_equal(&s, &back));
    CHECK(t, back.post_loads == 1 && back.spare == 0);
    CHECK(t, r.pos == w.len / 2);
    CHECK_MSG(t, state_load(&sample_v2, &back, &r, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, back.post_loads == 2);
    CHECK(t, r.pos == w.len);
    /* Nothing left: the next load finds no section. */
    struct sample before = back;
    CHECK(t, state_load(&sample_v2, &back, &r, err, sizeof(err)) == -1);
    CHECK(t, sample_equal(&before, &back) && r.pos == w.len);
    state_writer_free(&w);
}

/* Load buf into a sample that holds other values; on failure the sample
 * and the reader must be as they were. Returns what state_load did. */
static int load_sample(struct unit_tally *t, const struct state_desc *desc, const uint8_t *buf,
                       size_t len, struct sample *s, char *err, size_t errlen)
{
    struct sample before = *s;
    struct state_reader r = { buf, len, 0 };
    err[0] = '\0';
    int rc = state_load(desc, s, &r, err, errlen);
    if (rc < 0) {
        CHECK_MSG(t, sample_equal(&before, s), "failed load changed the object (%s)", err);
        CHECK(t, r.pos == 0);
        char quoted[32];
        snprintf(quoted, sizeof(quoted), "'%s'", desc->name);
        CHECK_MSG(t, strstr(err, quoted) != NULL && !strchr(err, '\n'),
                  "error does not name the section on one line: %s", err);
    }
    return rc;
}

static void test_versions(struct unit_tally *t)
{
    struct sample s, back;
    char err[160];
    sample_fill(&s);

    /* An older section: the field it lacks takes its reset value. */
    struct state_writer w1 = { 0 };
    state_save(&sample_v1, &s, &w1);
    CHECK(t, w1.len == 43);
    sample_fill(&back);
    back.added = 5;
    back.a = 0;
    CHECK_MSG(t, load_sample(t, &sample_v2, w1.buf, w1.len, &back, err, sizeof(err)) == 0, "%s",
              err);
    CHECK(t, back.a == 0x8a && back.added == 77);

    /* A newer one is refused. */
    struct state_writer w2 = { 0 };
    state_save(&sample_v2, &s, &w2);
    sample_fill(&back);
    back.a = 3;
    CHECK(t, load_sample(t, &sample_v1, w2.buf, w2.len, &back, err, sizeof(err)) == -1);
    CHECK_MSG(t, strstr(err, "version 2") != NULL, "%s", err);

    /* Version 0 never existed. */
    uint8_t *buf = malloc(w2.len);
    memcpy(buf, w2.buf, w2.len);
    buf[10] = 0;
    CHECK(t, load_sample(t, &sample_v2, buf, w2.len, &back, err, sizeof(err)) == -1);
    CHECK_MSG(t, strstr(err, "version 0 is not supported") != NULL, "%s", err);

    /* The field count must be the one of the section's version. */
    memcpy(buf, w2.buf, w2.len);
    buf[14] = 8; /* version 2 with version 1's count */
    CHECK(t, load_sample(t, &sample_v2, buf, w2.len, &back, err, sizeof(err)) == -1);
    CHECK_MSG(t, strstr(err, "fields") != NULL, "%s", err);
    memcpy(buf, w1.buf, w1.len);
    buf[14] = 9; /* version 1 with version 2's count */
    CHECK(t, load_sample(t, &sample_v2, buf, w1.len, &back, err, sizeof(err)) == -1);

    free(buf);
    state_writer_free(&w1);
    state_writer_free(&w2);
}

static void test_bad_input(struct unit_tally *t)
{
    struct sample s, back;
    char err[160];
    sample_fill(&s);
    struct state_writer w = { 0 };
    state_save(&sample_v2, &s, &w);

    /* Cut at every length. */
    for (size_t len = 0; len < w.len; len++) {
        sample_fill(&back);
        back.a = 1;
        CHECK_CASE(t, load_sample(t, &sample_v2, w.buf, len, &back, err, sizeof(err)) == -1,
                   "cut to %zu bytes", len);
    }
    /* A full buffer with the reader already past part of it. */
    struct state_reader r = { w.buf, w.len, 1 };
    CHECK(t, state_load(&sample_v2, &back, &r, err, sizeof(err)) == -1 && r.pos == 1);

    /* Another device's section, by name and by name length. */
    CHECK(t, load_sample(t, &other_name, w.buf, w.len, &back, err, sizeof(err)) == -1);
    CHECK_MSG(t, strstr(err, "'samplf'") != NULL, "%s", err);
    CHECK(t, load_sample(t, &longer_name, w.buf, w.len, &back, err, sizeof(err)) == -1);

    /* Bools are 0 or 1, scalar and in arrays; other bytes take anything. */
    uint8_t *buf = malloc(w.len);
    static const size_t bool_at[] = { 33, 40, 41 };
    for (size_t i = 0; i < 3; i++) {
        for (unsigned v = 2; v < 256; v += 85) {
            memcpy(buf, w.buf, w.len);
            buf[bool_at[i]] = (uint8_t)v;
            CHECK_CASE(t, load_sample(t, &sample_v2, buf, w.len, &back, err, sizeof(err)) == -1,
                       "bool at byte %zu = %u", bool_at[i], v);
        }
    }
    memcpy(buf, w.buf, w.len);
    buf[18] = 0xff; /* a */
    CHECK(t, load_sample(t, &sample_v2, buf, w.len, &back, err, sizeof(err)) == 0 &&
                 back.a == 0xff);

    /* The device refuses the values: its reason is reported, and the
     * fields already copied in are put back. */
    s.c = SAMPLE_REFUSED_C;
    struct state_writer bad = { 0 };
    state_save(&sample_v2, &s, &bad);
    sample_fill(&back);
    CHECK(t, load_sample(t, &sample_v2, bad.buf, bad.len, &back, err, sizeof(err)) == -1);
    CHECK_MSG(t, strstr(err, "c cannot be 0xdeadbeef") != NULL, "%s", err);
    /* A short error buffer cuts the message, never overruns. */
    char small[8];
    memset(small, 'x', sizeof(small));
    struct state_reader r2 = { bad.buf, bad.len, 0 };
    CHECK(t, state_load(&sample_v2, &back, &r2, small, sizeof(small)) == -1);
    CHECK(t, memchr(small, '\0', sizeof(small)) != NULL);

    free(buf);
    state_writer_free(&bad);
    state_writer_free(&w);
}

/* A UART on a bus of its own, its IRQ line recorded, its clock an
 * instruction count that stays at 0. */
struct uart {
    struct chardev *chr;
    struct io_bus *io;
    struct vclock *clock;
    int irq_level;
    struct serial *s;
};

#define BASE 0x3f8
enum { RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static void irq_record(void *opaque, unsigned line, bool level)
{
    (void)line;
    *(int *)opaque = level;
}

static bool uart_open(struct uart *u)
{
    char err[128];
    u->irq_level = -1;
    u->chr = chardev_open("null", "-serial", "serial0", err, sizeof(err));
    u->io = io_create();
    u->clock = vclock_create(0);
    u->s = u->io && u->clock
               ? serial_create(u->io, u->clock, BASE, u->chr,
                               (struct irq_line){ irq_record, &u->irq_level, 4 }, NULL)
               : NULL;
    return u->chr && u->s;
}

static void uart_close(struct uart *u)
{
    serial_destroy(u->s);
    io_destroy(u->io);
    chardev_close(u->chr);
    vclock_destroy(u->clock);
}

static uint8_t rd(struct uart *u, unsigned reg)
{
    return (uint8_t)io_read(u->io, BASE + reg, 1);
}

static void wr(struct uart *u, unsigned reg, uint8_t v)
{
    io_write(u->io, BASE + reg, v, 1);
}

/* Everything the guest can read, reading the FIFO empty on the way. */
static size_t uart_observe(struct uart *u, uint8_t *out)
{
    size_t n = 0;
    out[n++] = rd(u, IER);
    out[n++] = rd(u, LCR);
    out[n++] = rd(u, MCR);
    out[n++] = rd(u, SCR);
    out[n++] = (uint8_t)u->irq_level;
    for (int i = 0; i < 18; i++) {
        out[n++] = rd(u, IIR);
        out[n++] = rd(u, LSR);
        out[n++] = rd(u, MSR);
        out[n++] = rd(u, RBR);
        out[n++] = (uint8_t)u->irq_level;
    }
    wr(u, LCR, (uint8_t)(out[1] | 0x80));
    out[n++] = rd(u, 0);
    out[n++] = rd(u, 1);
    wr(u, LCR, out[1]);
    return n;
}

/* A UART with five bytes in its FIFO (looped back from THR), a pending
 * data interrupt, a modem delta and non-default divisor and scratch. */
static void uart_make_busy(struct uart *u)
{
    wr(u, LCR, 0x83);
    wr(u, 0, 0x01);
    wr(u, 1, 0x00);
    wr(u, LCR, 0x03);
    wr(u, SCR, 0xa5);
    wr(u, FCR, 0x41); /* FIFO, trigger level 4 */
    wr(u, MCR, 0x10);
    for (int i = 0; i < 5; i++)
        wr(u, THR, (uint8_t)('k' + i));
    wr(u, MCR, 0x0b); /* out of loopback: DTR, RTS, OUT2 */
    wr(u, IER, 0x0d);
}

static void test_uart(struct unit_tally *t)
{
    struct uart a, b;
    if (!CHECK(t, uart_open(&a) && uart_open(&b)))
        return;
    uart_make_busy(&a);
    CHECK(t, a.irq_level == 1);
    CHECK(t, b.irq_level == 0);

    struct state_writer w = { 0 };
    state_save(&serial_state_desc, a.s, &w);
    CHECK(t, !w.failed);
    char err[160] = "";
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&serial_state_desc, b.s, &r, err, sizeof(err)) == 0, "%s", err);
    /* Loading drives the IRQ line from the loaded registers. */
    CHECK(t, b.irq_level == 1);

    uint8_t seen_a[128], seen_b[128];
    size_t na = uart_observe(&a, seen_a);
    size_t nb = uart_observe(&b, seen_b);
    CHECK(t, na == nb && memcmp(seen_a, seen_b, na) == 0);
    CHECK(t, seen_a[5] == 0xc4 && seen_a[8] == 'k'); /* data ready at the trigger */
    CHECK(t, seen_a[na - 2] == 0x01 && seen_a[3] == 0xa5);

    /* Values no register sequence can produce are refused by the device,
     * and the UART it was loading into carries on as it was. Field bytes
     * start after the 4+6 name and 8 bytes of version and count. */
    static const struct {
        size_t at;
        uint8_t v;
        const char *why;
    } bad[] = {
        { 18 + 0, 0x10, "IER" },
        { 18 + 2, 0x20, "MCR" },
        { 18 + 3, 0x02, "FCR" },
        { 18 + 8, 0x00, "MSR lines" },
        { 18 + 26, 16, "FIFO" },
        { 18 + 27, 17, "FIFO" },
        { 18 + 29, 2, "bool" },
    };
    uart_make_busy(&a);
    uart_make_busy(&b);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct state_writer cur = { 0 };
        state_save(&serial_state_desc, b.s, &cur);
        uint8_t *buf = malloc(w.len);
        memcpy(buf, w.buf, w.len);
        buf[bad[i].at] = bad[i].v;
        struct state_reader rb = { buf, w.len, 0 };
        CHECK_CASE(t, state_load(&serial_state_desc, b.s, &rb, err, sizeof(err)) == -1,
                   "byte %zu = 0x%02x", bad[i].at, bad[i].v);
        CHECK_CASE(t, strstr(err, bad[i].why) && strstr(err, "'serial'"), "%s", err);
        struct state_writer after = { 0 };
        state_save(&serial_state_desc, b.s, &after);
        CHECK(t, after.len == cur.len && memcmp(after.buf, cur.buf, cur.len) == 0);
        state_writer_free(&after);
        state_writer_free(&cur);
        free(buf);
    }
    na = uart_observe(&a, seen_a);
    nb = uart_observe(&b, seen_b);
    CHECK(t, na == nb && memcmp(seen_a, seen_b, na) == 0);

    /* Master reset through the table keeps the divisor and scratch. */
    uart_make_busy(&a);
    serial_reset(a.s);
    CHECK(t, rd(&a, LSR) == 0x60 && rd(&a, IIR) == 0x01 && rd(&a, MSR) == 0xb0);
    CHECK(t, rd(&a, SCR) == 0xa5 && a.irq_level == 0);
    wr(&a, LCR, 0x80);
    CHECK(t, rd(&a, 0) == 0x01);

    state_writer_free(&w);
    uart_close(&a);
    uart_close(&b);
}

static void exit_request(void *opaque, uint32_t status)
{
    *(uint32_t *)opaque = status;
}

static void test_debug_exit(struct unit_tally *t)
{
    struct io_bus *io = io_create();
    uint32_t status = 0;
    struct debug_exit *d = debug_exit_create(io, 0xf4, 4, exit_request, &status);
    if (!CHECK(t, d != NULL)) {
        io_destroy(io);
        return;
    }
    struct state_writer w = { 0 };
    state_save(&debug_exit_state_desc, d, &w);
    CHECK(t, w.len == 4 + 10 + 8);
    char err[160];
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&debug_exit_state_desc, d, &r, err, sizeof(err)) == 0, "%s", err);
    r.pos = 0;
    CHECK(t, state_load(&serial_state_desc, d, &r, err, sizeof(err)) == -1);
    io_write(io, 0xf6, 3, 1);
    CHECK(t, status == 7);
    state_writer_free(&w);
    debug_exit_destroy(d);
    io_destroy(io);
}

static uint32_t next_random(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Random corruption of saved UART state, under the sanitizers: each load
 * either fails, leaving the UART as it was, or gives a UART the guest can
 * go on using. */
static void test_random_flips(struct unit_tally *t)
{
    struct uart a, b;
    if (!CHECK(t, uart_open(&a) && uart_open(&b)))
        return;
    uart_make_busy(&a);
    struct state_writer w = { 0 };
    state_save(&serial_state_desc, a.s, &w);
    uint8_t *buf = malloc(w.len);
    uint32_t seed = 0x2545f491;
    int loaded = 0, refused = 0;
    for (int i = 0; i < 1000; i++) {
        memcpy(buf, w.buf, w.len);
        unsigned flips = 1 + next_random(&seed) % 3;
        for (unsigned f = 0; f < flips; f++)
            buf[next_random(&seed) % w.len] ^= (uint8_t)(1 + next_random(&seed) % 255);
        size_t len = w.len;
        if (next_random(&seed) % 8 == 0)
            len = next_random(&seed) % w.len;

        struct state_writer cur = { 0 };
        state_save(&serial_state_desc, b.s, &cur);
        char err[160];
        struct state_reader r = { buf, len, 0 };
        if (state_load(&serial_state_desc, b.s, &r, err, sizeof(err)) == 0) {
            loaded++;
            uint8_t seen[128];
            uart_observe(&b, seen);
            for (int k = 0; k < 20; k++)
                wr(&b, THR, (uint8_t)k);
        } else {
            refused++;
            struct state_writer after = { 0 };
            state_save(&serial_state_desc, b.s, &after);
            CHECK_CASE(t, after.len == cur.len && memcmp(after.buf, cur.buf, cur.len) == 0,
                       "flip %d: refused load changed the UART (%s)", i, err);
            state_writer_free(&after);
        }
        state_writer_free(&cur);
    }
    printf("random flips: %d loaded, %d refused\n", loaded, refused);
    CHECK(t, loaded > 0 && refused > 0);
    free(buf);
    state_writer_free(&w);
    uart_close(&a);
    uart_close(&b);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_reset(&t);
    test_format(&t);
    test_round_trip(&t);
    test_versions(&t);
    test_bad_input(&t);
    test_uart(&t);
    test_debug_exit(&t);
    test_random_flips(&t);
    return UNIT_REPORT(&t);
}
