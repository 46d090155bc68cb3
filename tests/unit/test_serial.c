/* The 16550A UART through the port bus, against the PC16550D datasheet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/serial.h"
#include "lintas/chardev.h"
#include "lintas/io.h"

static int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                      \
        }                                                                    \
    } while (0)

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

static uint8_t rd(struct io_bus *io, unsigned reg)
{
    return (uint8_t)io_read(io, BASE + reg, 1);
}

static void wr(struct io_bus *io, unsigned reg, uint8_t v)
{
    io_write(io, BASE + reg, v, 1);
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

static void test_registers_and_output(void)
{
    char path[] = "/tmp/lintas_serial_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof(spec), "file:%s", path);
    char err[128];
    struct chardev *chr = chardev_open(spec, err, sizeof(err));
    CHECK(chr != NULL);
    struct io_bus *io = io_create();
    struct irq_probe irq = { 0 };
    struct serial *s = serial_create(io, BASE, chr, (struct irq_line){ probe_set, &irq, 4 }, NULL);
    CHECK(s != NULL);
    CHECK(serial_create(io, BASE + 4, chr, (struct irq_line){ 0 }, NULL) == NULL); /* ports taken */

    /* Reset values (datasheet table III); the back end looks like a ready,
     * connected modem: CTS, DSR and DCD. */
    CHECK(rd(io, IER) == 0);
    CHECK(rd(io, IIR) == 0x01);
    CHECK(rd(io, LCR) == 0);
    CHECK(rd(io, MCR) == 0);
    CHECK(rd(io, LSR) == 0x60);
    CHECK(rd(io, MSR) == 0xb0);
    wr(io, SCR, 0x5a);
    CHECK(rd(io, SCR) == 0x5a);

    /* The divisor latches sit behind DLAB. */
    wr(io, LCR, 0x83);
    wr(io, DLL, 0x01);
    wr(io, DLM, 0x02);
    CHECK(rd(io, DLL) == 0x01 && rd(io, DLM) == 0x02);
    wr(io, LCR, 0x03);
    CHECK(rd(io, IER) == 0);
    CHECK(rd(io, LCR) == 0x03);

    wr(io, THR, 'h');
    wr(io, THR, 'i');
    CHECK(strcmp(read_text(path), "hi") == 0);
    CHECK(rd(io, LSR) == 0x60); /* transmitter empty at once */

    /* A wide access reads consecutive registers, as an 8-bit ISA device. */
    CHECK(io_read(io, BASE + MCR, 2) == 0x6000);

    /* THR empty interrupt: raised when enabled, acknowledged by reading
     * IIR, raised again by the next write. The IRQ pin passes the PC's
     * OUT2 gate only when OUT2 is set. */
    wr(io, IER, 0x02);
    CHECK(rd(io, IIR) == 0x02);
    CHECK(irq.level == 0);
    wr(io, IER, 0x00);
    wr(io, MCR, 0x08);
    wr(io, IER, 0x02);
    CHECK(irq.level == 1);
    CHECK(rd(io, IIR) == 0x02);
    CHECK(rd(io, IIR) == 0x01);
    CHECK(irq.level == 0);
    wr(io, THR, '!');
    CHECK(irq.level == 1);
    CHECK(rd(io, IIR) == 0x02);
    wr(io, IER, 0);

    /* Master reset keeps the divisor latches and the scratch register. */
    serial_reset(s);
    CHECK(rd(io, MCR) == 0 && rd(io, IIR) == 0x01 && rd(io, LSR) == 0x60);
    CHECK(rd(io, SCR) == 0x5a);
    wr(io, LCR, 0x80);
    CHECK(rd(io, DLL) == 0x01 && rd(io, DLM) == 0x02);
    wr(io, LCR, 0x03);
    CHECK(irq.level == 0);

    serial_destroy(s);
    io_destroy(io);
    chardev_close(chr);
    CHECK(strcmp(read_text(path), "hi!") == 0);
    unlink(path);
}

static void test_loopback(void)
{
    char err[128];
    struct chardev *chr = chardev_open("null", err, sizeof(err));
    struct io_bus *io = io_create();
    struct irq_probe irq = { 0 };
    struct serial *s = serial_create(io, BASE, chr, (struct irq_line){ probe_set, &irq, 4 }, NULL);
    CHECK(s != NULL);

    /* Loopback with every output off: CTS, DSR and DCD drop. */
    wr(io, MCR, 0x10);
    CHECK(rd(io, MSR) == 0x0b);
    CHECK(rd(io, MSR) == 0x00);
    /* The outputs feed the inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    wr(io, MCR, 0x1f);
    CHECK(rd(io, MSR) == 0xfb); /* RI rose: no TERI */
    wr(io, MCR, 0x1b);
    CHECK(rd(io, MSR) == 0xb4); /* RI fell: TERI */
    wr(io, MCR, 0x10);
    (void)rd(io, MSR);

    /* THR comes back on RBR; without the FIFO a second byte overruns. */
    wr(io, THR, 'A');
    CHECK(rd(io, LSR) == 0x61);
    wr(io, THR, 'B');
    CHECK(rd(io, LSR) == 0x63); /* OE, cleared by this read */
    CHECK(rd(io, LSR) == 0x61);
    CHECK(rd(io, RBR) == 'A');
    CHECK(rd(io, LSR) == 0x60);
    CHECK(rd(io, RBR) == 'A'); /* RBR keeps the last byte */

    /* With the FIFO and trigger level 4, data-available waits for 4 bytes.
     * In loopback the IRQ pin stays low whatever is pending. */
    wr(io, FCR, 0x41);
    wr(io, MCR, 0x18);
    wr(io, IER, 0x01);
    for (int i = 0; i < 3; i++)
        wr(io, THR, (uint8_t)('0' + i));
    CHECK(rd(io, IIR) == 0xc1);
    wr(io, THR, '3');
    CHECK(rd(io, IIR) == 0xc4);
    CHECK(irq.level == 0);
    /* Receiver line status outranks data available. */
    wr(io, IER, 0x05);
    for (int i = 0; i < 13; i++)
        wr(io, THR, 'x');
    CHECK(rd(io, IIR) == 0xc6);
    CHECK((rd(io, LSR) & 0x02) == 0x02);
    CHECK(rd(io, IIR) == 0xc4);
    CHECK(rd(io, RBR) == '0' && rd(io, RBR) == '1');
    /* FCR bit 1 empties the receive FIFO. */
    wr(io, FCR, 0x43);
    CHECK(rd(io, LSR) == 0x60);
    CHECK(rd(io, IIR) == 0xc1);
    /* Clearing FCR0 turns the FIFO off. */
    wr(io, FCR, 0x00);
    CHECK(rd(io, IIR) == 0x01);

    serial_destroy(s);
    io_destroy(io);
    chardev_close(chr);
}

static void test_input(void)
{
    int fds[2];
    if (pipe(fds) < 0) {
        failures++;
        return;
    }
    int saved_stdin = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);

    char err[128];
    struct chardev *chr = chardev_open("stdio", err, sizeof(err));
    struct io_bus *io = io_create();
    struct irq_probe irq = { 0 };
    struct serial *s = serial_create(io, BASE, chr, (struct irq_line){ probe_set, &irq, 4 }, NULL);
    CHECK(s != NULL);

    wr(io, FCR, 0x81); /* FIFO, trigger level 8 */
    wr(io, IER, 0x01);
    wr(io, MCR, 0x08);
    serial_poll(s);
    CHECK(rd(io, LSR) == 0x60);

    CHECK(write(fds[1], "abc", 3) == 3);
    serial_poll(s);
    CHECK(rd(io, LSR) == 0x61);
    CHECK(rd(io, IIR) == 0xc1); /* below the trigger, line not idle yet */
    CHECK(irq.level == 0);
    serial_poll(s);
    CHECK(rd(io, IIR) == 0xcc); /* character timeout */
    CHECK(irq.level == 1);
    CHECK(rd(io, RBR) == 'a');
    CHECK(rd(io, IIR) == 0xc1); /* reading restarts the timeout */
    CHECK(rd(io, RBR) == 'b' && rd(io, RBR) == 'c');
    CHECK(rd(io, LSR) == 0x60);
    CHECK(irq.level == 0);

    /* Input beyond the FIFO waits in the back end, nothing is lost. */
    CHECK(write(fds[1], "0123456789abcdefXY", 18) == 18);
    serial_poll(s);
    CHECK(rd(io, IIR) == 0xc4);
    for (int i = 0; i < 16; i++)
        CHECK(rd(io, RBR) == "0123456789abcdef"[i]);
    CHECK((rd(io, LSR) & 0x03) == 0);
    serial_poll(s);
    CHECK(rd(io, RBR) == 'X' && rd(io, RBR) == 'Y');

    /* End of input: no more bytes, no error. */
    close(fds[1]);
    serial_poll(s);
    CHECK(rd(io, LSR) == 0x60);

    serial_destroy(s);
    io_destroy(io);
    chardev_close(chr);
    dup2(saved_stdin, STDIN_FILENO);
    close(saved_stdin);
}

/* Writes to the read-only LSR and MSR change nothing and are reported under
 * -d guest_errors; writes to the other registers are not. */
static void test_read_only_registers(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct logger log = { out, LOG_GUEST_ERRORS };
    char err[128];
    struct chardev *chr = chardev_open("null", err, sizeof(err));
    struct io_bus *io = io_create();
    struct serial *s = serial_create(io, BASE, chr, (struct irq_line){ 0 }, &log);
    CHECK(s != NULL);

    wr(io, LSR, 0x1f);
    wr(io, MSR, 0xff);
    CHECK(rd(io, LSR) == 0x60);
    CHECK(rd(io, MSR) == 0xb0);
    wr(io, SCR, 0x55);
    wr(io, LCR, 0x03);
    wr(io, THR, 'x');
    io_write(io, BASE + LCR, 0x00000003, 4); /* LCR, MCR, then LSR and MSR */

    fclose(out);
    CHECK(strcmp(text, "serial 0x3f8: write of 0x1f to read-only LSR ignored\n"
                       "serial 0x3f8: write of 0xff to read-only MSR ignored\n"
                       "serial 0x3f8: write of 0x00 to read-only LSR ignored\n"
                       "serial 0x3f8: write of 0x00 to read-only MSR ignored\n") == 0);
    if (failures)
        fprintf(stderr, "log:\n%s", text);
    free(text);
    serial_destroy(s);
    io_destroy(io);
    chardev_close(chr);
}

static void test_chardev_errors(void)
{
    char err[128];
    CHECK(chardev_open("tcp:1234", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "unknown back end 'tcp:1234'") != NULL);
    CHECK(chardev_open("file:/nonexistent/dir/x", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "cannot open '/nonexistent/dir/x'") != NULL);
}

int main(void)
{
    test_registers_and_output();
    test_loopback();
    test_input();
    test_read_only_registers();
    test_chardev_errors();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
