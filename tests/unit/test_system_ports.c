/* The system control ports (port 0x61, port 0x92, reset control at 0xCF9,
 * the POST latch at 0x80) on a bare port bus with the PCI bus they share
 * 0xCF8-0xCFB with and the PIT whose counter 2 they gate, against the
 * PIIX3 datasheet (82371SB, order 290550, 4.7.2, 4.7.3 and 4.1.39). Time
 * is an icount clock at 1 ns per instruction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pci.h"
#include "hw/pit.h"
#include "hw/system_ports.h"
#include "lintas/io.h"
#include "lintas/state.h"
#include "lintas/timer.h"
#include "irq_probe.h"
#include "unit_check.h"

enum { PORT_B = 0x61, PORT_A = 0x92, POST = 0x80, CONFIG_ADDRESS = 0xcf8, RESET_CONTROL = 0xcf9 };
enum { PIT_CH2 = 0x42, PIT_CTRL = 0x43 };
enum { B_GATE = 0x01, B_REFRESH = 0x10, B_OUT2 = 0x20 };
#define REFRESH_NS 15085u

/* What the ports did to the board. */
struct board_probe {
    unsigned a20_calls;
    bool a20;
    unsigned resets;
    struct irq_probe irq13;
};

static void probe_a20(void *opaque, bool enabled)
{
    struct board_probe *b = opaque;
    b->a20_calls++;
    b->a20 = enabled;
}

static void probe_reset(void *opaque)
{
    struct board_probe *b = opaque;
    b->resets++;
}

struct rig {
    struct vclock *clock;
    struct io_bus *io;
    struct pci_bus *pci;
    struct pit *pit;
    struct system_ports *ports;
    struct board_probe board;
};

static void rig_open(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    r->clock = vclock_create(0);
    r->io = io_create();
    r->pci = r->io ? pci_create(r->io, NULL) : NULL;
    r->pit = r->clock && r->pci ? pit_create(r->io, r->clock, (struct irq_line){ 0 }, NULL)
                                : NULL;
    r->ports = r->pit ? system_ports_create(r->io, r->pci, r->clock, r->pit,
                                            (struct system_ports_board){ probe_a20, probe_reset,
                                                                         &r->board },
                                            irq_probe_line(&r->board.irq13, 13),
                                            NULL)
                      : NULL;
    if (!r->ports) {
        fprintf(stderr, "test_system_ports: cannot create the ports\n");
        exit(2);
    }
}

static void rig_close(struct rig *r)
{
    system_ports_destroy(r->ports);
    pit_destroy(r->pit);
    pci_destroy(r->pci);
    io_destroy(r->io);
    vclock_destroy(r->clock);
}

static void out8(struct rig *r, uint16_t port, uint8_t v)
{
    io_write(r->io, port, v, 1);
}

static uint8_t in8(struct rig *r, uint16_t port)
{
    return (uint8_t)io_read(r->io, port, 1);
}

/* The first ns of PIT clock edge tick (edge t begins at ceil(t * 10^9 /
 * 1193182) ns), with what is due fired. */
static void go(struct rig *r, uint64_t tick)
{
    vclock_account(r->clock, (tick * 1000000000ull + PIT_CLOCK_HZ - 1) / PIT_CLOCK_HZ);
    vclock_run_due(r->clock);
}

/* Counter 2 in mode, with a 16-bit count, through the PIT's ports. */
static void program_ch2(struct rig *r, unsigned mode, uint16_t count)
{
    out8(r, PIT_CTRL, (uint8_t)(2u << 6 | 3u << 4 | mode << 1));
    out8(r, PIT_CH2, count & 0xff);
    out8(r, PIT_CH2, count >> 8);
}

/* Counter 2's count through the counter latch command. */
static uint16_t latch_ch2(struct rig *r)
{
    out8(r, PIT_CTRL, 2u << 6);
    uint16_t lo = in8(r, PIT_CH2);
    return (uint16_t)(lo | in8(r, PIT_CH2) << 8);
}

static bool out2(struct rig *r)
{
    return in8(r, PORT_B) & B_OUT2;
}

static void test_port_b_bits(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    CHECK(t, (in8(&r, PORT_B) & 0x0f) == 0);
    /* Mode 0 holds counter 2's OUT low until the count runs out, which it
     * cannot while time stands still at 0, where the refresh bit is low. */
    program_ch2(&r, 0, 100);
    for (unsigned v = 0; v < 0x100; v++) {
        out8(&r, PORT_B, (uint8_t)v);
        /* Bits 0-3 are read/write; 4-7 are status the writes cannot set. */
        CHECK_CASE(t, in8(&r, PORT_B) == (v & 0x0f), "wrote 0x%02x, read 0x%02x", v,
                   in8(&r, PORT_B));
    }
    rig_close(&r);
}

/* Bit 0 is counter 2's GATE: in mode 0 it holds the count while low. */
static void test_gate_mode0(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    out8(&r, PORT_B, B_GATE);
    program_ch2(&r, 0, 20); /* at edge 0: loads at edge 1, OUT high at 21 */
    CHECK(t, !out2(&r));
    go(&r, 6);
    out8(&r, PORT_B, 0); /* 15 left */
    go(&r, 50);
    CHECK(t, !out2(&r));
    out8(&r, PORT_B, B_GATE);
    go(&r, 64);
    CHECK(t, !out2(&r));
    go(&r, 65);
    CHECK(t, out2(&r));
    CHECK(t, in8(&r, PORT_B) & B_GATE);
    rig_close(&r);
}

/* In mode 3, GATE low forces OUT high and a rising GATE reloads the count
 * on the next clock (8254 datasheet, mode 3). */
static void test_gate_mode3(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    program_ch2(&r, 3, 10);
    go(&r, 40);
    CHECK(t, out2(&r)); /* gate low since reset: no square wave */
    go(&r, 100);
    out8(&r, PORT_B, B_GATE); /* loads at edge 101: high 5 clocks, low 5 */
    go(&r, 105);
    CHECK(t, out2(&r));
    go(&r, 106);
    CHECK(t, !out2(&r));
    go(&r, 110);
    CHECK(t, !out2(&r));
    go(&r, 111);
    CHECK(t, out2(&r));
    go(&r, 116);
    CHECK(t, !out2(&r));
    out8(&r, PORT_B, 0);
    CHECK(t, out2(&r));
    go(&r, 200);
    CHECK(t, out2(&r));
    rig_close(&r);
}

/* Bit 4 toggles with every refresh request, every 15.085 us. */
static void test_refresh_toggle(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    static const struct {
        uint64_t ns;
        bool high;
    } at[] = {
        { 0, false },
        { REFRESH_NS - 1, false },
        { REFRESH_NS, true },
        { 2 * REFRESH_NS - 1, true },
        { 2 * REFRESH_NS, false },
        { 3 * REFRESH_NS, true },
        { 1000 * REFRESH_NS + 7, false },
        { 1001 * REFRESH_NS + 7, true },
    };
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        vclock_account(r.clock, at[i].ns);
        uint8_t v = in8(&r, PORT_B);
        CHECK_CASE(t, ((v & B_REFRESH) != 0) == at[i].high, "at %llu ns read 0x%02x",
                   (unsigned long long)at[i].ns, v);
    }
    /* Writes do not touch it. */
    out8(&r, PORT_B, 0xff);
    CHECK(t, (in8(&r, PORT_B) & ~B_OUT2) == (0x0f | B_REFRESH));
    rig_close(&r);
}

static void test_port_a(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    CHECK(t, in8(&r, PORT_A) == 0);
    CHECK(t, !system_ports_a20(r.ports));

    out8(&r, PORT_A, 0x02);
    CHECK(t, r.board.a20_calls == 1 && r.board.a20);
    CHECK(t, system_ports_a20(r.ports));
    CHECK(t, in8(&r, PORT_A) == 0x02);
    CHECK(t, r.board.resets == 0);
    out8(&r, PORT_A, 0x02); /* no change, no call */
    CHECK(t, r.board.a20_calls == 1);

    /* Fast init on the rising edge of bit 0 only. */
    out8(&r, PORT_A, 0x03);
    CHECK(t, r.board.resets == 1);
    CHECK(t, in8(&r, PORT_A) == 0x03);
    out8(&r, PORT_A, 0x03);
    CHECK(t, r.board.resets == 1);
    CHECK(t, r.board.a20_calls == 1);
    out8(&r, PORT_A, 0x02);
    CHECK(t, r.board.resets == 1);
    out8(&r, PORT_A, 0x01);
    CHECK(t, r.board.resets == 2);
    CHECK(t, r.board.a20_calls == 2 && !r.board.a20);
    CHECK(t, !system_ports_a20(r.ports));

    /* Bits 2-7 are reserved and read 0. */
    out8(&r, PORT_A, 0xfc);
    CHECK(t, in8(&r, PORT_A) == 0);
    CHECK(t, r.board.resets == 2);
    rig_close(&r);
}

static void test_reset_control(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    CHECK(t, in8(&r, RESET_CONTROL) == 0);
    out8(&r, RESET_CONTROL, 0x02); /* SRST alone: chooses, does not reset */
    CHECK(t, r.board.resets == 0);
    CHECK(t, in8(&r, RESET_CONTROL) == 0x02);
    out8(&r, RESET_CONTROL, 0x06); /* hard reset */
    CHECK(t, r.board.resets == 1);
    CHECK(t, in8(&r, RESET_CONTROL) == 0x02);
    out8(&r, RESET_CONTROL, 0x04); /* soft reset */
    CHECK(t, r.board.resets == 2);
    CHECK(t, in8(&r, RESET_CONTROL) == 0);
    out8(&r, RESET_CONTROL, 0xf9); /* reserved bits read 0 */
    CHECK(t, r.board.resets == 2);
    CHECK(t, in8(&r, RESET_CONTROL) == 0);
    CHECK(t, r.board.a20_calls == 0);
    rig_close(&r);
}

/* 0xCF8 is shared with PCI: dwords are CONFIG_ADDRESS, narrower accesses
 * reach the reset control register at 0xCF9. */
static void test_shared_cf8(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    /* A CONFIG_ADDRESS whose second byte has bit 2 (RCPU at 0xCF9) set. */
    io_write(r.io, CONFIG_ADDRESS, 0x80000400u, 4);
    CHECK(t, r.board.resets == 0);
    CHECK(t, io_read(r.io, CONFIG_ADDRESS, 4) == 0x80000400u);
    CHECK(t, in8(&r, RESET_CONTROL) == 0);

    /* A word at 0xCF8: its high byte is 0xCF9; 0xCF8 itself has no byte
     * register and reads all ones. */
    io_write(r.io, CONFIG_ADDRESS, 0x0200, 2);
    CHECK(t, r.board.resets == 0);
    CHECK(t, in8(&r, RESET_CONTROL) == 0x02);
    CHECK(t, io_read(r.io, CONFIG_ADDRESS, 2) == 0x02ff);
    io_write(r.io, CONFIG_ADDRESS, 0x0600, 2);
    CHECK(t, r.board.resets == 1);
    CHECK(t, io_read(r.io, CONFIG_ADDRESS, 4) == 0x80000400u); /* CONFIG_ADDRESS kept */

    /* A byte at 0xCF8 is neither. */
    out8(&r, CONFIG_ADDRESS, 0x04);
    CHECK(t, r.board.resets == 1);
    CHECK(t, in8(&r, CONFIG_ADDRESS) == 0xff);
    CHECK(t, io_read(r.io, CONFIG_ADDRESS, 4) == 0x80000400u);
    rig_close(&r);
}

static void test_post_latch(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    CHECK(t, in8(&r, POST) == 0);
    for (unsigned v = 0; v < 0x100; v += 0x33) {
        out8(&r, POST, (uint8_t)v);
        CHECK_CASE(t, in8(&r, POST) == v, "code 0x%02x", v);
    }
    rig_close(&r);
}

/* Every register to its state at the RESET line: all 0, fast A20 off. */
static void test_reset(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    program_ch2(&r, 0, 1000);
    out8(&r, PORT_B, 0x0f);
    out8(&r, PORT_A, 0x02);
    out8(&r, RESET_CONTROL, 0x02);
    out8(&r, POST, 0x55);
    go(&r, 10);
    unsigned calls = r.board.a20_calls;
    system_ports_reset(r.ports);
    CHECK(t, (in8(&r, PORT_B) & 0x0f) == 0);
    CHECK(t, in8(&r, PORT_A) == 0);
    CHECK(t, in8(&r, RESET_CONTROL) == 0);
    CHECK(t, in8(&r, POST) == 0);
    CHECK(t, !system_ports_a20(r.ports));
    CHECK(t, r.board.a20_calls == calls + 1 && !r.board.a20);
    CHECK(t, r.board.resets == 0);
    /* Counter 2's gate went low with bit 0: the count holds. */
    uint16_t before = latch_ch2(&r);
    go(&r, 500);
    uint16_t after = latch_ch2(&r);
    CHECK_MSG(t, before == after && before == 991, "count %u then %u", before, after);
    rig_close(&r);
}

/* The offset of port_b's byte in the saved section: the name's length and
 * bytes, the version and the field count come first (lintas/state.h). */
#define SECTION_PORT_B (4 + sizeof("system-ports") - 1 + 4 + 4)

static void test_state(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    out8(&r, PORT_B, 0x0b);
    out8(&r, PORT_A, 0x02);
    out8(&r, RESET_CONTROL, 0x02);
    out8(&r, POST, 0xa5);
    struct state_writer w = { 0 };
    state_save(&system_ports_state_desc, r.ports, &w);
    CHECK(t, !w.failed && w.len == SECTION_PORT_B + 6);
    CHECK(t, w.len > SECTION_PORT_B + 3 && w.buf[SECTION_PORT_B] == 0x0b &&
                 w.buf[SECTION_PORT_B + 1] == 0x02 && w.buf[SECTION_PORT_B + 2] == 0x02 &&
                 w.buf[SECTION_PORT_B + 3] == 0xa5);

    system_ports_reset(r.ports);
    unsigned calls = r.board.a20_calls;
    char err[128] = "";
    struct state_reader rd = { w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&system_ports_state_desc, r.ports, &rd, err, sizeof(err)) == 0,
              "load: %s", err);
    CHECK(t, rd.pos == w.len);
    CHECK(t, (in8(&r, PORT_B) & 0x0f) == 0x0b);
    CHECK(t, in8(&r, PORT_A) == 0x02);
    CHECK(t, in8(&r, RESET_CONTROL) == 0x02);
    CHECK(t, in8(&r, POST) == 0xa5);
    /* Loading tells the board about fast A20; it resets nothing. */
    CHECK(t, r.board.a20_calls == calls + 1 && r.board.a20);
    CHECK(t, system_ports_a20(r.ports));
    CHECK(t, r.board.resets == 0);

    /* A reserved bit in any of the three registers is refused, and the
     * registers stay as they were. */
    static const struct {
        size_t at;
        uint8_t value;
    } bad[] = { { 0, 0x10 }, { 0, 0x20 }, { 0, 0x80 }, { 1, 0x04 }, { 1, 0x80 }, { 2, 0x04 },
                { 2, 0x01 } };
    system_ports_reset(r.ports);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t saved = w.buf[SECTION_PORT_B + bad[i].at];
        w.buf[SECTION_PORT_B + bad[i].at] = bad[i].value;
        struct state_reader bad_rd = { w.buf, w.len, 0 };
        err[0] = '\0';
        calls = r.board.a20_calls;
        int rc = state_load(&system_ports_state_desc, r.ports, &bad_rd, err, sizeof(err));
        CHECK_CASE(t, rc < 0 && strstr(err, "system-ports"), "byte %zu = 0x%02x: %d '%s'",
                   bad[i].at, bad[i].value, rc, err);
        CHECK_CASE(t, in8(&r, PORT_A) == 0 && in8(&r, POST) == 0 &&
                          (in8(&r, PORT_B) & 0x0f) == 0 && in8(&r, RESET_CONTROL) == 0,
                   "byte %zu = 0x%02x", bad[i].at, bad[i].value);
        CHECK_CASE(t, r.board.a20_calls == calls && r.board.resets == 0, "byte %zu = 0x%02x",
                   bad[i].at, bad[i].value);
        w.buf[SECTION_PORT_B + bad[i].at] = saved;
    }
    state_writer_free(&w);
    rig_close(&r);
}

/* The ports refuse a bus where one of them is taken. */
static uint32_t taken_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0x42;
}

static void taken_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)value;
    (void)size;
}

/* FERR# latches IRQ 13 once per activation; port 0xF0 acknowledges it;
 * FERR# going inactive drops it too. */
static void test_coprocessor_error(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    system_ports_ferr(r.ports, true);
    CHECK(t, r.board.irq13.level && r.board.irq13.rises == 1);
    io_write(r.io, 0xf0, 0, 1);
    CHECK(t, !r.board.irq13.level);
    /* Still active: no new interrupt until FERR# drops and rises again. */
    system_ports_ferr(r.ports, true);
    CHECK(t, !r.board.irq13.level && r.board.irq13.rises == 1);
    system_ports_ferr(r.ports, false);
    system_ports_ferr(r.ports, true);
    CHECK(t, r.board.irq13.level && r.board.irq13.rises == 2);
    system_ports_ferr(r.ports, false);
    CHECK(t, !r.board.irq13.level);
    CHECK(t, io_read(r.io, 0xf0, 1) == 0xff);

    /* The latch is saved, and reset clears it. */
    system_ports_ferr(r.ports, true);
    struct state_writer w = { 0 };
    state_save(&system_ports_state_desc, r.ports, &w);
    system_ports_reset(r.ports);
    CHECK(t, !r.board.irq13.level);
    char err[128];
    struct state_reader rd = { w.buf, w.len, 0 };
    CHECK(t, state_load(&system_ports_state_desc, r.ports, &rd, err, sizeof(err)) == 0);
    CHECK(t, r.board.irq13.level);
    /* A latch without FERR# behind it is impossible. */
    w.buf[w.len - 2] = 0;
    struct state_reader bad = { w.buf, w.len, 0 };
    CHECK(t, state_load(&system_ports_state_desc, r.ports, &bad, err, sizeof(err)) < 0 &&
                 strstr(err, "IRQ 13 latched without FERR#"));
    state_writer_free(&w);
    rig_close(&r);
}

static void test_ports_taken(struct unit_tally *t)
{
    static const struct io_ops taken_ops = { .read = taken_read, .write = taken_write };
    static const uint16_t ports[] = { PORT_B, PORT_A, POST, 0xf0 };
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        struct vclock *clock = vclock_create(0);
        struct io_bus *io = io_create();
        struct pci_bus *pci = io ? pci_create(io, NULL) : NULL;
        struct pit *pit = clock && pci ? pit_create(io, clock, (struct irq_line){ 0 }, NULL)
                                       : NULL;
        if (!pit || io_register(io, ports[i], 1, &taken_ops, NULL) < 0) {
            fprintf(stderr, "test_system_ports: cannot build the bus\n");
            exit(2);
        }
        struct board_probe board = { 0 };
        struct system_ports *s = system_ports_create(
            io, pci, clock, pit, (struct system_ports_board){ probe_a20, probe_reset, &board },
            (struct irq_line){ 0 }, NULL);
        CHECK_CASE(t, s == NULL, "port 0x%02x taken", ports[i]);
        CHECK_CASE(t, io_read(io, ports[i], 1) == 0x42, "port 0x%02x taken", ports[i]);
        /* Whatever answers at the ports that were free must not be a freed
         * device (AddressSanitizer tells). */
        for (size_t j = 0; j < sizeof(ports) / sizeof(ports[0]); j++) {
            io_read(io, ports[j], 1);
            io_write(io, ports[j], 0, 1);
        }
        system_ports_destroy(s);
        pit_destroy(pit);
        pci_destroy(pci);
        io_destroy(io);
        vclock_destroy(clock);
    }
}

int main(void)
{
    struct unit_tally t = { 0 };
    test_port_b_bits(&t);
    test_gate_mode0(&t);
    test_gate_mode3(&t);
    test_refresh_toggle(&t);
    test_port_a(&t);
    test_reset_control(&t);
    test_shared_cf8(&t);
    test_post_latch(&t);
    test_reset(&t);
    test_state(&t);
    test_coprocessor_error(&t);
    test_ports_taken(&t);
    return UNIT_REPORT(&t);
}
