/* The 16550A UART through the port bus, against the PC16550D datasheet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/serial.h"
#include "lintas/chardev.h"
#include "lintas/io.h"
#include "unit_check.h"

#define BASE 0x3f8
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

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

/* A UART at BASE on a bus of its own, its IRQ line watched by a probe. */
struct uart {
    struct chardev *chr;
    struct io_bus *io;
    struct irq_probe irq;
    struct serial *s;
};

static void uart_close(struct uart *u)
{
    serial_destroy(u->s);
    io_destroy(u->io);
    chardev_close(u->chr);
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
    u->chr = chardev_open(backend, err, sizeof(err));
    u->io = io_create();
    u->s = serial_create(u->io, BASE, u->chr, (struct irq_line){ probe_set, &u->irq, 4 }, log);
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
    CHECK(t, serial_create(u->io, BASE + 4, u->chr, (struct irq_line){ 0 }, NULL) == NULL);

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

    wr(u, FCR, 0x81); /* FIFO, trigger level 8 */
    wr(u, IER, 0x01);
    wr(u, MCR, 0x08);
    serial_poll(u->s);
    CHECK(t, rd(u, LSR) == 0x60);

    CHECK(t, write(fds[1], "abc", 3) == 3);
    serial_poll(u->s);
    CHECK(t, rd(u, LSR) == 0x61);
    CHECK(t, rd(u, IIR) == 0xc1); /* below the trigger, line not idle yet */
    CHECK(t, u->irq.level == 0);
    serial_poll(u->s);
    CHECK(t, rd(u, IIR) == 0xcc); /* character timeout */
    CHECK(t, u->irq.level == 1);
    CHECK(t, rd(u, RBR) == 'a');
    CHECK(t, rd(u, IIR) == 0xc1); /* reading restarts the timeout */
    CHECK(t, rd(u, RBR) == 'b' && rd(u, RBR) == 'c');
    CHECK(t, rd(u, LSR) == 0x60);
    CHECK(t, u->irq.level == 0);

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
    CHECK(t, chardev_open("tcp:1234", err, sizeof(err)) == NULL);
    CHECK(t, strstr(err, "unknown back end 'tcp:1234'") != NULL);
    CHECK(t, chardev_open("file:/nonexistent/dir/x", err, sizeof(err)) == NULL);
    CHECK(t, strstr(err, "cannot open '/nonexistent/dir/x'") != NULL);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_registers_and_output(&t);
    test_loopback(&t);
    test_input(&t);
    test_read_only_registers(&t);
    test_chardev_errors(&t);
    return UNIT_REPORT(&t);
}
