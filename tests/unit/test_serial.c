/* The 16550A UART through the port bus, against the PC16550D datasheet,
 * with the receive FIFO's character timeout timed by a virtual clock in
 * icount mode (1 ns per instruction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/serial.h"
#include "lintas/chardev.h"
#include "lintas/io.h"
#include "lintas/state.h"
#include "lintas/timer.h"
#include "unit_check.h"

#define BASE 0x3f8
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

/* Four character times of 9600 baud 8N1: 4 * 10 / 9600 s, rounded up. */
#define TIMEOUT_9600_8N1 4166667ull

struct irq_probe {
    int level;
    unsigned changes;
};

static void probe_set(void *opaque, unsigned line, bool level)
{
    struct irq_probe *p = opaque;
    (void)line;
    if (p->level != level)
        p->changes++;
    p->level = level;
}

/* A UART at BASE on a bus of its own, its IRQ line watched by a probe,
 * its time an instruction count. */
struct uart {
    struct chardev *chr;
    struct io_bus *io;
    struct vclock *clock;
    uint64_t icount;
    struct irq_probe irq;
    struct serial *s;
};

static void uart_close(struct uart *u)
{
    serial_destroy(u->s);
    io_destroy(u->io);
    chardev_close(u->chr);
    vclock_destroy(u->clock);
    free(u);
}

/* NULL, after a failed check, when the UART cannot be created. */
static struct uart *uart_open(struct unit_tally *t, const char *backend, const struct logger *log)
{
    struct uart *u = calloc(1, sizeof(*u));
    if (!u) {
        fprintf(stderr, "test_serial: out of memory\n");
        exit(2);
    }
    char err[128];
    u->chr = chardev_open(backend, "-serial", "serial0", err, sizeof(err));
    u->io = io_create();
    u->clock = vclock_create(0);
    if (!u->io || !u->clock) {
        fprintf(stderr, "test_serial: out of memory\n");
        exit(2);
    }
    u->s = serial_create(u->io, u->clock, BASE, u->chr, (struct irq_line){ probe_set, &u->irq, 4 },
                         log);
    if (CHECK(t, u->s != NULL))
        return u;
    uart_close(u);
    return NULL;
}

static uint8_t rd(struct uart *u, unsigned reg)
{
    return (uint8_t)io_read(u->io, BASE + reg, 1);
}

static void wr(struct uart *u, unsigned reg, uint8_t v)
{
    io_write(u->io, BASE + reg, v, 1);
}

/* Let ns of virtual time pass and fire the timers that come due. */
static void run_for(struct uart *u, uint64_t ns)
{
    u->icount += ns;
    vclock_account(u->clock, u->icount);
    vclock_run_due(u->clock);
}

/* Set the line to LCR format lcr at divisor latch dlm:dll. */
static void set_line(struct uart *u, uint8_t lcr, uint8_t dll, uint8_t dlm)
{
    wr(u, LCR, 0x80);
    wr(u, DLL, dll);
    wr(u, DLM, dlm);
    wr(u, LCR, lcr);
}

static char *read_text(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static void test_registers_and_output(struct unit_tally *t)
{
    char path[] = "/tmp/lintas_serial_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof(spec), "file:%s", path);
    struct uart *u = uart_open(t, spec, NULL);
    if (!u)
        return;
    CHECK(t, u->chr != NULL);
    /* The ports are taken. */
    CHECK(t, serial_create(u->io, u->clock, BASE + 4, u->chr, (struct irq_line){ 0 }, NULL) ==
                 NULL);

    /* Reset values (datasheet table III); the back end looks like a ready,
     * connected modem: CTS, DSR and DCD. */
    CHECK(t, rd(u, IER) == 0);
    CHECK(t, rd(u, IIR) == 0x01);
    CHECK(t, rd(u, LCR) == 0);
    CHECK(t, rd(u, MCR) == 0);
    CHECK(t, rd(u, LSR) == 0x60);
    CHECK(t, rd(u, MSR) == 0xb0);
    wr(u, SCR, 0x5a);
    CHECK(t, rd(u, SCR) == 0x5a);

    /* The divisor latches sit behind DLAB. */
    wr(u, LCR, 0x83);
    wr(u, DLL, 0x01);
    wr(u, DLM, 0x02);
    CHECK(t, rd(u, DLL) == 0x01 && rd(u, DLM) == 0x02);
    wr(u, LCR, 0x03);
    CHECK(t, rd(u, IER) == 0);
    CHECK(t, rd(u, LCR) == 0x03);

    wr(u, THR, 'h');
    wr(u, THR, 'i');
    CHECK_STR(t, read_text(path), "hi");
    CHECK(t, rd(u, LSR) == 0x60); /* transmitter empty at once */

    /* A wide access reads consecutive registers, as an 8-bit ISA device. */
    CHECK(t, io_read(u->io, BASE + MCR, 2) == 0x6000);

    /* THR empty interrupt: raised when enabled, acknowledged by reading
     * IIR, raised again by the next write. The IRQ pin passes the PC's
     * OUT2 gate only when OUT2 is set. */
    wr(u, IER, 0x02);
    CHECK(t, rd(u, IIR) == 0x02);
    CHECK(t, u->irq.level == 0);
    wr(u, IER, 0x00);
    wr(u, MCR, 0x08);
    wr(u, IER, 0x02);
    CHECK(t, u->irq.level == 1);
    CHECK(t, rd(u, IIR) == 0x02);
    CHECK(t, rd(u, IIR) == 0x01);
    CHECK(t, u->irq.level == 0);
    wr(u, THR, '!');
    CHECK(t, u->irq.level == 1);
    CHECK(t, rd(u, IIR) == 0x02);
    wr(u, IER, 0);

    /* Master reset keeps the divisor latches and the scratch register. */
    serial_reset(u->s);
    CHECK(t, rd(u, MCR) == 0 && rd(u, IIR) == 0x01 && rd(u, LSR) == 0x60);
    CHECK(t, rd(u, SCR) == 0x5a);
    wr(u, LCR, 0x80);
    CHECK(t, rd(u, DLL) == 0x01 && rd(u, DLM) == 0x02);
    wr(u, LCR, 0x03);
    CHECK(t, u->irq.level == 0);

    uart_close(u);
    CHECK_STR(t, read_text(path), "hi!");
    unlink(path);
}

static void test_loopback(struct unit_tally *t)
{
    struct uart *u = uart_open(t, "null", NULL);
    if (!u)
        return;

    /* Loopback with every output off: CTS, DSR and DCD drop. */
    wr(u, MCR, 0x10);
    CHECK(t, rd(u, MSR) == 0x0b);
    CHECK(t, rd(u, MSR) == 0x00);
    /* The outputs feed the inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    wr(u, MCR, 0x1f);
    CHECK(t, rd(u, MSR) == 0xfb); /* RI rose: no TERI */
    wr(u, MCR, 0x1b);
    CHECK(t, rd(u, MSR) == 0xb4); /* RI fell: TERI */
    wr(u, MCR, 0x10);
    (void)rd(u, MSR);

    /* THR comes back on RBR; without the FIFO a second byte overruns. */
    wr(u, THR, 'A');
    CHECK(t, rd(u, LSR) == 0x61);
    wr(u, THR, 'B');
    CHECK(t, rd(u, LSR) == 0x63); /* OE, cleared by this read */
    CHECK(t, rd(u, LSR) == 0x61);
    CHECK(t, rd(u, RBR) == 'A');
    CHECK(t, rd(u, LSR) == 0x60);
    CHECK(t, rd(u, RBR) == 'A'); /* RBR keeps the last byte */

    /* With the FIFO and trigger level 4, data-available waits for 4 bytes.
     * In loopback the IRQ pin stays low whatever is pending. */
    wr(u, FCR, 0x41);
    wr(u, MCR, 0x18);
    wr(u, IER, 0x01);
    for (int i = 0; i < 3; i++)
        wr(u, THR, (uint8_t)('0' + i));
    CHECK(t, rd(u, IIR) == 0xc1);
    wr(u, THR, '3');
    CHECK(t, rd(u, IIR) == 0xc4);
    CHECK(t, u->irq.level == 0);
    /* Receiver line status outranks data available. */
    wr(u, IER, 0x05);
    for (int i = 0; i < 13; i++)
        wr(u, THR, 'x');
    CHECK(t, rd(u, IIR) == 0xc6);
    CHECK(t, (rd(u, LSR) & 0x02) == 0x02);
    CHECK(t, rd(u, IIR) == 0xc4);
    CHECK(t, rd(u, RBR) == '0' && rd(u, RBR) == '1');
    /* FCR bit 1 empties the receive FIFO. */
    wr(u, FCR, 0x43);
    CHECK(t, rd(u, LSR) == 0x60);
    CHECK(t, rd(u, IIR) == 0xc1);
    /* Clearing FCR0 turns the FIFO off. */
    wr(u, FCR, 0x00);
    CHECK(t, rd(u, IIR) == 0x01);

    uart_close(u);
}

static void test_input(struct unit_tally *t)
{
    int fds[2];
    if (!CHECK(t, pipe(fds) == 0))
        return;
    int saved_stdin = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);

    struct uart *u = uart_open(t, "stdio", NULL);
    if (!u)
        return;

    set_line(u, 0x03, 12, 0); /* 9600 8N1 */
    wr(u, FCR, 0x81);         /* FIFO, trigger level 8 */
    wr(u, IER, 0x01);
    wr(u, MCR, 0x08);
    serial_poll(u->s);
    CHECK(t, rd(u, LSR) == 0x60);

    CHECK(t, write(fds[1], "abc", 3) == 3);
    serial_poll(u->s);
    CHECK(t, rd(u, LSR) == 0x61);
    CHECK(t, rd(u, IIR) == 0xc1); /* below the trigger, line not idle yet */
    CHECK(t, u->irq.level == 0);
    /* Polls with nothing new are not time passing. */
    run_for(u, TIMEOUT_9600_8N1 - 1);
    serial_poll(u->s);
    CHECK(t, rd(u, IIR) == 0xc1);
    run_for(u, 1);
    CHECK(t, rd(u, IIR) == 0xcc); /* character timeout */
    CHECK(t, u->irq.level == 1);
    CHECK(t, rd(u, RBR) == 'a');
    CHECK(t, rd(u, IIR) == 0xc1); /* reading restarts the timeout */
    CHECK(t, u->irq.level == 0);
    CHECK(t, rd(u, RBR) == 'b' && rd(u, RBR) == 'c');
    CHECK(t, rd(u, LSR) == 0x60);
    CHECK(t, vclock_next_deadline(u->clock) == TIMER_NEVER); /* nothing left to time */

    /* Input beyond the FIFO waits in the back end, nothing is lost. */
    CHECK(t, write(fds[1], "0123456789abcdefXY", 18) == 18);
    serial_poll(u->s);
    CHECK(t, rd(u, IIR) == 0xc4);
    for (int i = 0; i < 16; i++)
        CHECK(t, rd(u, RBR) == "0123456789abcdef"[i]);
    CHECK(t, (rd(u, LSR) & 0x03) == 0);
    serial_poll(u->s);
    CHECK(t, rd(u, RBR) == 'X' && rd(u, RBR) == 'Y');

    /* End of input: no more bytes, no error. */
    close(fds[1]);
    serial_poll(u->s);
    CHECK(t, rd(u, LSR) == 0x60);

    uart_close(u);
    dup2(saved_stdin, STDIN_FILENO);
    close(saved_stdin);
}

/* The character timeout in loopback, at 9600 baud 8N1: four character
 * times after the last character into or out of the FIFO, with fewer than
 * the trigger level waiting (datasheet, "FIFO Interrupt Mode Operation"). */
static void test_char_timeout(struct unit_tally *t)
{
    struct uart *u = uart_open(t, "null", NULL);
    if (!u)
        return;
    set_line(u, 0x03, 12, 0);
    wr(u, FCR, 0x81); /* FIFO, trigger level 8 */
    wr(u, IER, 0x01);
    wr(u, MCR, 0x10);
    run_for(u, 1000);

    wr(u, THR, 'a');
    run_for(u, TIMEOUT_9600_8N1 - 1);
    CHECK(t, rd(u, IIR) == 0xc1);
    run_for(u, 1);
    CHECK(t, rd(u, IIR) == 0xcc);

    /* A new character restarts the count. */
    CHECK(t, rd(u, RBR) == 'a');
    wr(u, THR, 'b');
    run_for(u, TIMEOUT_9600_8N1 / 2);
    wr(u, THR, 'c');
    run_for(u, TIMEOUT_9600_8N1 - 1);
    CHECK(t, rd(u, IIR) == 0xc1);
    run_for(u, 1);
    CHECK(t, rd(u, IIR) == 0xcc);
    /* Once indicated, the timeout stays through a new character... */
    wr(u, THR, 'd');
    CHECK(t, rd(u, IIR) == 0xcc);
    /* ...until the CPU reads one, which restarts the count. */
    CHECK(t, rd(u, RBR) == 'b');
    CHECK(t, rd(u, IIR) == 0xc1);
    run_for(u, TIMEOUT_9600_8N1 - 1);
    CHECK(t, rd(u, IIR) == 0xc1);
    run_for(u, 1);
    CHECK(t, rd(u, IIR) == 0xcc);
    CHECK(t, rd(u, RBR) == 'c' && rd(u, RBR) == 'd');
    CHECK(t, rd(u, IIR) == 0xc1);
    CHECK(t, vclock_next_deadline(u->clock) == TIMER_NEVER);

    /* At the trigger level data-available is reported; the timeout is
     * not indicated as well. */
    wr(u, FCR, 0x47); /* trigger level 4, receive FIFO emptied */
    for (int i = 0; i < 4; i++)
        wr(u, THR, (uint8_t)('0' + i));
    run_for(u, TIMEOUT_9600_8N1);
    CHECK(t, rd(u, IIR) == 0xc4);
    CHECK(t, rd(u, RBR) == '0');
    run_for(u, TIMEOUT_9600_8N1);
    CHECK(t, rd(u, IIR) == 0xcc);

    /* Emptying the FIFO, or turning it off, stops the count; without the
     * FIFO there is no timeout. */
    wr(u, FCR, 0x43);
    CHECK(t, vclock_next_deadline(u->clock) == TIMER_NEVER);
    wr(u, THR, 'x');
    CHECK(t, vclock_next_deadline(u->clock) != TIMER_NEVER);
    wr(u, FCR, 0x00);
    CHECK(t, vclock_next_deadline(u->clock) == TIMER_NEVER);
    wr(u, THR, 'y');
    run_for(u, 10 * TIMEOUT_9600_8N1);
    CHECK(t, rd(u, IIR) == 0x04); /* data available at one byte */
    CHECK(t, vclock_next_deadline(u->clock) == TIMER_NEVER);
    CHECK(t, rd(u, RBR) == 'y');

    /* Master reset stops it too. */
    wr(u, FCR, 0x01);
    wr(u, THR, 'z');
    serial_reset(u->s);
    CHECK(t, vclock_next_deadline(u->clock) == TIMER_NEVER);

    /* A character is a start bit, the data bits, parity and the stop bits
     * (1.5 with 5 data bits); a bit is 16 clocks of 1.8432 MHz / divisor,
     * and a divisor of 0 counts as 65536. */
    static const struct {
        uint8_t lcr, dll, dlm;
        uint64_t ns; /* four character times, rounded up */
    } lines[] = {
        { 0x03, 12, 0, TIMEOUT_9600_8N1 },
        { 0x0e, 1, 0, 381945 },          /* 115200 7E2: 4 * 11 / 115200 s */
        { 0x04, 3, 0, 781250 },          /* 38400 5N1.5: 4 * 7.5 / 38400 s */
        { 0x1b, 0x80, 0x01, 146666667 }, /* divisor 384, 300 8E1: 4 * 11 / 300 s */
        { 0x03, 0, 0, 22755555556 },     /* divisor 0, 65536: 4 * 10 * 65536 / 115200 s */
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        wr(u, FCR, 0x87); /* FIFOs emptied, trigger level 8 */
        wr(u, MCR, 0x10);
        set_line(u, lines[i].lcr, lines[i].dll, lines[i].dlm);
        wr(u, IER, 0x01);
        wr(u, THR, 'q');
        run_for(u, lines[i].ns - 1);
        CHECK_CASE(t, rd(u, IIR) == 0xc1, "LCR 0x%02x divisor %u: early", lines[i].lcr,
                   lines[i].dlm << 8 | lines[i].dll);
        run_for(u, 1);
        CHECK_CASE(t, rd(u, IIR) == 0xcc, "LCR 0x%02x divisor %u: late", lines[i].lcr,
                   lines[i].dlm << 8 | lines[i].dll);
    }
    uart_close(u);
}

/* Saving and loading in the middle of the count keeps its deadline. */
static void test_timeout_state(struct unit_tally *t)
{
    struct uart *a = uart_open(t, "null", NULL);
    struct uart *b = uart_open(t, "null", NULL);
    if (!a || !b) {
        if (a)
            uart_close(a);
        if (b)
            uart_close(b);
        return;
    }
    set_line(a, 0x03, 12, 0);
    wr(a, FCR, 0x81);
    wr(a, IER, 0x01);
    wr(a, MCR, 0x10);
    wr(a, THR, 'a');
    run_for(a, TIMEOUT_9600_8N1 / 2);
    run_for(b, TIMEOUT_9600_8N1 / 2);

    struct state_writer w = { 0 };
    state_save(&serial_state_desc, a->s, &w);
    char err[160] = "";
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&serial_state_desc, b->s, &r, err, sizeof(err)) == 0, "%s", err);
    CHECK(t, vclock_next_deadline(b->clock) == vclock_next_deadline(a->clock));
    run_for(b, TIMEOUT_9600_8N1 - TIMEOUT_9600_8N1 / 2 - 1);
    CHECK(t, rd(b, IIR) == 0xc1);
    run_for(b, 1);
    CHECK(t, rd(b, IIR) == 0xcc && rd(b, RBR) == 'a');

    /* Loading a state with no count running stops a running one. */
    struct uart *c = uart_open(t, "null", NULL);
    if (c) {
        struct state_writer idle = { 0 };
        state_save(&serial_state_desc, c->s, &idle);
        struct state_reader ri = { idle.buf, idle.len, 0 };
        CHECK_MSG(t, state_load(&serial_state_desc, a->s, &ri, err, sizeof(err)) == 0, "%s",
                  err);
        CHECK(t, vclock_next_deadline(a->clock) == TIMER_NEVER);
        state_writer_free(&idle);
        uart_close(c);
    }

    /* A deadline with nothing in the FIFO is refused. */
    uint8_t *bad = malloc(w.len);
    memcpy(bad, w.buf, w.len);
    bad[18 + 27] = 0; /* rx_count: field bytes start after name, version and count */
    struct state_reader rb = { bad, w.len, 0 };
    CHECK(t, state_load(&serial_state_desc, b->s, &rb, err, sizeof(err)) == -1);
    CHECK_STR(t, err, "state section 'serial': serial 0x3f8: character timeout armed without "
                      "bytes in the receive FIFO");
    free(bad);
    state_writer_free(&w);
    uart_close(a);
    uart_close(b);
}

/* Writes to the read-only LSR and MSR change nothing and are reported under
 * -d guest_errors; writes to the other registers are not. */
static void test_read_only_registers(struct unit_tally *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct logger log = { out, LOG_GUEST_ERRORS };
    struct uart *u = uart_open(t, "null", &log);
    if (!u)
        return;

    wr(u, LSR, 0x1f);
    wr(u, MSR, 0xff);
    CHECK(t, rd(u, LSR) == 0x60);
    CHECK(t, rd(u, MSR) == 0xb0);
    wr(u, SCR, 0x55);
    wr(u, LCR, 0x03);
    wr(u, THR, 'x');
    io_write(u->io, BASE + LCR, 0x00000003, 4); /* LCR, MCR, then LSR and MSR */

    fclose(out);
    CHECK_STR(t, text, "serial 0x3f8: write of 0x1f to read-only LSR ignored\n"
                       "serial 0x3f8: write of 0xff to read-only MSR ignored\n"
                       "serial 0x3f8: write of 0x00 to read-only LSR ignored\n"
                       "serial 0x3f8: write of 0x00 to read-only MSR ignored\n");
    free(text);
    uart_close(u);
}

static void test_chardev_errors(struct unit_tally *t)
{
    char err[128];
    CHECK(t, chardev_open("udp:1234", "-serial", "serial0", err, sizeof(err)) == NULL);
    CHECK(t, strstr(err, "-serial: unknown back end 'udp:1234'") != NULL);
    CHECK(t, chardev_open("file:/nonexistent/dir/x", "-serial", "serial0", err, sizeof(err)) ==
                 NULL);
    CHECK(t, strstr(err, "cannot open '/nonexistent/dir/x'") != NULL);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_registers_and_output(&t);
    test_loopback(&t);
    test_input(&t);
    test_char_timeout(&t);
    test_timeout_state(&t);
    test_read_only_registers(&t);
    test_chardev_errors(&t);
    return UNIT_REPORT(&t);
}
