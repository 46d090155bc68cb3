/* The 8042 keyboard controller with a PS/2 keyboard and mouse, through the
 * port bus, against the IBM PS/2 Technical Reference and the sequences
 * SeaBIOS uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/i8042.h"
#include "hw/ps2.h"
#include "lintas/io.h"
#include "lintas/state.h"
#include "irq_probe.h"
#include "unit_check.h"

enum { DATA = 0x60, CMD = 0x64 };
enum { OBF = 0x01, SYS = 0x04, A2 = 0x08, AUXB = 0x20, TO = 0x40 };

struct rig {
    struct io_bus *io;
    struct irq_probe irq1, irq12;
    struct i8042 *kbc;
    struct ps2_kbd *kbd;
    struct ps2_mouse *mouse;
    unsigned resets, a20_calls;
    bool a20;
};

static void board_reset(void *opaque)
{
    struct rig *r = opaque;
    r->resets++;
}

static void board_a20(void *opaque, bool on)
{
    struct rig *r = opaque;
    r->a20_calls++;
    r->a20 = on;
}

static void rig_open(struct rig *r, bool with_mouse)
{
    memset(r, 0, sizeof(*r));
    r->io = io_create();
    if (!r->io)
        exit(2);
    struct i8042_board board = { board_reset, board_a20, r };
    r->kbc = i8042_create(r->io, irq_probe_line(&r->irq1, 1),
                          irq_probe_line(&r->irq12, 12), board, NULL);
    if (!r->kbc) {
        fprintf(stderr, "test_i8042: cannot create the controller\n");
        exit(2);
    }
    r->kbd = ps2_kbd_create(i8042_port_ready(r->kbc, I8042_PORT_KBD), NULL);
    i8042_connect(r->kbc, I8042_PORT_KBD,
                  (struct i8042_port){ ps2_kbd_write, ps2_kbd_read, r->kbd });
    if (with_mouse) {
        r->mouse = ps2_mouse_create(i8042_port_ready(r->kbc, I8042_PORT_AUX), NULL);
        i8042_connect(r->kbc, I8042_PORT_AUX,
                      (struct i8042_port){ ps2_mouse_write, ps2_mouse_read, r->mouse });
    }
    if (!r->kbd || (with_mouse && !r->mouse))
        exit(2);
}

static void rig_close(struct rig *r)
{
    ps2_mouse_destroy(r->mouse);
    ps2_kbd_destroy(r->kbd);
    i8042_destroy(r->kbc);
    io_destroy(r->io);
}

static uint8_t status(struct rig *r)
{
    return (uint8_t)io_read(r->io, CMD, 1);
}

static void cmd(struct rig *r, uint8_t c)
{
    io_write(r->io, CMD, c, 1);
}

static void data(struct rig *r, uint8_t v)
{
    io_write(r->io, DATA, v, 1);
}

/* The next byte as a polling driver gets it: -1 when OBF stays clear. */
static int next(struct rig *r)
{
    if (!(status(r) & OBF))
        return -1;
    return (int)(uint8_t)io_read(r->io, DATA, 1);
}

/* Read bytes until the buffer is empty; how many there were. */
static int flush(struct rig *r)
{
    int n = 0;
    while (next(r) >= 0 && n < 1000)
        n++;
    return n;
}

/* The bytes that follow, as "fa aa" text, for short checks. */
static const char *drain(struct rig *r)
{
    static char buf[256];
    size_t len = 0;
    int b;
    buf[0] = '\0';
    while ((b = next(r)) >= 0 && len + 4 < sizeof(buf))
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, len ? " %02x" : "%02x", b);
    return buf;
}

static void wctr(struct rig *r, uint8_t v)
{
    cmd(r, 0x60);
    data(r, v);
}

static int rctr(struct rig *r)
{
    cmd(r, 0x20);
    return next(r);
}

/* SeaBIOS's keyboard setup: disable both ports, flush, controller and
 * keyboard interface tests, then the keyboard reset, defaults, set 2 and
 * enable, each sent with the port enabled and interrupts off; last the
 * command byte with translation and the keyboard interrupt. */
static void test_bios_init(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, true);

    CHECK(t, status(&r) == 0x10); /* cold: SYS clear, key lock open */
    cmd(&r, 0xad);
    cmd(&r, 0xa7);
    CHECK(t, status(&r) & A2);
    CHECK(t, flush(&r) == 0);
    cmd(&r, 0xaa);
    CHECK(t, next(&r) == 0x55);
    CHECK(t, status(&r) & SYS);
    cmd(&r, 0xab);
    CHECK(t, next(&r) == 0x00);

    wctr(&r, 0x20); /* mouse off, keyboard on, no interrupts */
    CHECK(t, !(status(&r) & A2));
    CHECK(t, rctr(&r) == 0x20);
    data(&r, 0xff);
    CHECK_STR(t, drain(&r), "fa aa");
    data(&r, 0xf5);
    CHECK_STR(t, drain(&r), "fa");
    data(&r, 0xf0);
    data(&r, 0x02);
    CHECK_STR(t, drain(&r), "fa fa");
    data(&r, 0xf4);
    CHECK_STR(t, drain(&r), "fa");
    CHECK(t, r.irq1.rises == 0); /* interrupts stayed off */

    wctr(&r, 0x61); /* translate, keyboard interrupt, mouse disabled */
    CHECK(t, rctr(&r) == 0x61);
    CHECK(t, r.irq1.rises == 1); /* the answer to 0x20 raised IRQ 1 */
    CHECK(t, !r.irq1.level);
    CHECK(t, !(status(&r) & SYS)); /* bit 2 of the command byte written */

    /* Mouse detection as SeaBIOS does it: through 0xD4 with the port on. */
    cmd(&r, 0xa8);
    cmd(&r, 0xd4);
    data(&r, 0xff);
    CHECK(t, (status(&r) & (OBF | AUXB)) == (OBF | AUXB));
    CHECK_STR(t, drain(&r), "fa aa 00");
    CHECK(t, r.irq12.rises == 0);
    rig_close(&r);
}

static void test_command_byte_and_ram(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, true);
    CHECK(t, rctr(&r) == 0x00);
    wctr(&r, 0x47);
    CHECK(t, rctr(&r) == 0x47);
    CHECK(t, status(&r) & SYS); /* command byte bit 2 is the system flag */
    wctr(&r, 0x43);
    CHECK(t, !(status(&r) & SYS));
    /* Controller RAM beyond the command byte. */
    cmd(&r, 0x65);
    data(&r, 0x9c);
    cmd(&r, 0x25);
    CHECK(t, next(&r) == 0x9c);
    CHECK(t, rctr(&r) == 0x43);
    /* 0xAD/0xAE and 0xA7/0xA8 flip the disable bits. */
    cmd(&r, 0xad);
    cmd(&r, 0xa7);
    CHECK(t, rctr(&r) == 0x73);
    cmd(&r, 0xe0); /* both clock lines held low */
    CHECK(t, next(&r) == 0x00);
    cmd(&r, 0xae);
    cmd(&r, 0xa8);
    CHECK(t, rctr(&r) == 0x43);
    cmd(&r, 0xe0);
    CHECK(t, next(&r) == 0x03);
    cmd(&r, 0xa9);
    CHECK(t, next(&r) == 0x00);
    /* A data byte with no command pending goes to the keyboard. */
    data(&r, 0xee);
    CHECK(t, next(&r) == 0xee);
    rig_close(&r);
}

static void test_keyboard_commands(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, false);
    data(&r, 0xf2);
    CHECK_STR(t, drain(&r), "fa ab 83");
    data(&r, 0xed);
    data(&r, 0x05);
    CHECK_STR(t, drain(&r), "fa fa");
    data(&r, 0xf3);
    data(&r, 0x20);
    CHECK_STR(t, drain(&r), "fa fa");
    /* Scan code set: read, set 1, read back; set 3 is refused. */
    data(&r, 0xf0);
    data(&r, 0x00);
    CHECK_STR(t, drain(&r), "fa fa 02");
    data(&r, 0xf0);
    data(&r, 0x01);
    CHECK_STR(t, drain(&r), "fa fa");
    data(&r, 0xf0);
    data(&r, 0x00);
    CHECK_STR(t, drain(&r), "fa fa 01");
    data(&r, 0xf0);
    data(&r, 0x03);
    CHECK_STR(t, drain(&r), "fa fe");
    /* An argument that is none is taken as a command: ED then reset. */
    data(&r, 0xed);
    data(&r, 0xff);
    CHECK_STR(t, drain(&r), "fa fa aa");
    data(&r, 0xf0);
    data(&r, 0x00);
    CHECK_STR(t, drain(&r), "fa fa 02"); /* reset went back to set 2 */
    /* Resend repeats the last byte; unknown commands get RESEND. */
    data(&r, 0xfe);
    CHECK_STR(t, drain(&r), "02");
    data(&r, 0x12);
    CHECK_STR(t, drain(&r), "fe");
    /* Disabled, the keyboard sends no keys; enabled, it does. */
    data(&r, 0xf5);
    CHECK_STR(t, drain(&r), "fa");
    ps2_key_event(r.kbd, 0x1c, true);
    CHECK_STR(t, drain(&r), "");
    data(&r, 0xf4);
    CHECK_STR(t, drain(&r), "fa");
    ps2_key_event(r.kbd, 0x1c, true);
    CHECK_STR(t, drain(&r), "1c");

    /* With translation the host sees the set 1 forms: the famous AB 41
     * identity and 0x41 for set 2. */
    wctr(&r, 0x40);
    data(&r, 0xf2);
    CHECK_STR(t, drain(&r), "fa ab 41");
    data(&r, 0xf0);
    data(&r, 0x00);
    CHECK_STR(t, drain(&r), "fa fa 41");
    rig_close(&r);
}

struct key_case {
    uint16_t key;
    bool down;
    const char *set2, *xlat;
};

static void test_keys(struct unit_tally *t)
{
    static const struct key_case cases[] = {
        { 0x1c, true, "1c", "1e" },                 /* A */
        { 0x1c, false, "f0 1c", "9e" },
        { 0x76, true, "76", "01" },                 /* Esc */
        { 0x5a, false, "f0 5a", "9c" },             /* Enter */
        { 0x83, true, "83", "41" },                 /* F7 */
        { 0x78, true, "78", "57" },                 /* F11 */
        { 0xe075, true, "e0 75", "e0 48" },         /* Up */
        { 0xe075, false, "e0 f0 75", "e0 c8" },
        { 0xe014, true, "e0 14", "e0 1d" },         /* right Ctrl */
        { PS2_KEY_PRINT_SCREEN, true, "e0 12 e0 7c", "e0 2a e0 37" },
        { PS2_KEY_PRINT_SCREEN, false, "e0 f0 7c e0 f0 12", "e0 b7 e0 aa" },
        { PS2_KEY_PAUSE, true, "e1 14 77 e1 f0 14 f0 77", "e1 1d 45 e1 9d c5" },
        { PS2_KEY_PAUSE, false, "", "" },
    };
    struct rig r;
    rig_open(&r, false);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct key_case *c = &cases[i];
        char want[64];
        wctr(&r, 0x00);
        ps2_key_event(r.kbd, c->key, c->down);
        snprintf(want, sizeof(want), "%s", drain(&r));
        CHECK_CASE(t, strcmp(want, c->set2) == 0, "key %04x %s: got \"%s\"", c->key,
                   c->down ? "down" : "up", want);
        wctr(&r, 0x40);
        ps2_key_event(r.kbd, c->key, c->down);
        snprintf(want, sizeof(want), "%s", drain(&r));
        CHECK_CASE(t, strcmp(want, c->xlat) == 0, "key %04x %s translated: got \"%s\"",
                   c->key, c->down ? "down" : "up", want);
    }
    /* A keyboard in set 1 sends the same bytes itself. */
    wctr(&r, 0x00);
    data(&r, 0xf0);
    data(&r, 0x01);
    CHECK_STR(t, drain(&r), "fa fa");
    ps2_key_event(r.kbd, 0xe075, false);
    CHECK_STR(t, drain(&r), "e0 c8");

    /* Sixteen bytes of buffer, the last kept for the overflow code. */
    data(&r, 0xf0);
    data(&r, 0x02);
    CHECK_STR(t, drain(&r), "fa fa");
    cmd(&r, 0xad); /* the keyboard keeps its bytes while the port is off */
    for (int i = 0; i < 20; i++)
        ps2_key_event(r.kbd, 0x1c, true);
    CHECK_STR(t, drain(&r), "");
    cmd(&r, 0xae);
    CHECK_STR(t, drain(&r), "1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 00");
    /* Key codes the keyboard has not got are ignored. */
    ps2_key_event(r.kbd, 0xf0, true);
    ps2_key_event(r.kbd, 0x1234, true);
    CHECK_STR(t, drain(&r), "");
    rig_close(&r);
}

static void test_irq1(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, false);
    wctr(&r, 0x01);
    CHECK(t, !r.irq1.level);
    ps2_key_event(r.kbd, 0xe075, true);
    CHECK(t, r.irq1.level && r.irq1.rises == 1);
    CHECK(t, (status(&r) & (OBF | AUXB)) == OBF);
    /* Reading the byte drops the line; the next byte raises it again. */
    CHECK(t, io_read(r.io, DATA, 1) == 0xe0);
    CHECK(t, r.irq1.level && r.irq1.rises == 2);
    CHECK(t, io_read(r.io, DATA, 1) == 0x75);
    CHECK(t, !r.irq1.level && !(status(&r) & OBF));
    /* The buffer keeps showing its last byte. */
    CHECK(t, io_read(r.io, DATA, 1) == 0x75);
    /* Clearing the enable lowers the line with the buffer still full. */
    ps2_key_event(r.kbd, 0x1c, true);
    CHECK(t, r.irq1.level);
    wctr(&r, 0x00);
    CHECK(t, !r.irq1.level && (status(&r) & OBF));
    CHECK(t, io_read(r.io, DATA, 1) == 0x1c);
    /* 0xD2 writes the buffer as if from the keyboard. */
    wctr(&r, 0x01);
    cmd(&r, 0xd2);
    data(&r, 0x99);
    CHECK(t, r.irq1.level && (status(&r) & (OBF | AUXB)) == OBF);
    CHECK(t, next(&r) == 0x99);
    rig_close(&r);
}

static void test_mouse(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, true);
    wctr(&r, 0x03); /* both interrupts, both ports on */
    cmd(&r, 0xd4);
    data(&r, 0xf4);
    CHECK(t, r.irq12.level && !r.irq1.level);
    CHECK(t, (status(&r) & (OBF | AUXB)) == (OBF | AUXB));
    CHECK_STR(t, drain(&r), "fa");
    CHECK(t, !r.irq12.level);
    unsigned before = r.irq12.rises;

    ps2_mouse_event(r.mouse, 5, 3, 0, PS2_BUTTON_LEFT);
    CHECK(t, r.irq12.level && r.irq12.rises == before + 1);
    CHECK_STR(t, drain(&r), "29 05 fd"); /* dy down 3 is -3 in PS/2 */
    CHECK(t, r.irq12.rises == before + 3); /* one edge per byte */
    ps2_mouse_event(r.mouse, -300, -400, 0, PS2_BUTTON_RIGHT | PS2_BUTTON_MIDDLE);
    CHECK_STR(t, drain(&r), "de 00 ff"); /* both overflows, X negative */
    ps2_mouse_event(r.mouse, 0, 0, 0, PS2_BUTTON_RIGHT | PS2_BUTTON_MIDDLE);
    CHECK_STR(t, drain(&r), ""); /* nothing changed */

    /* 2:1 scaling: 3 becomes 3, 5 becomes 9, 10 becomes 20. */
    cmd(&r, 0xd4);
    data(&r, 0xe7);
    CHECK_STR(t, drain(&r), "fa");
    ps2_mouse_event(r.mouse, 5, -10, 0, 0);
    CHECK_STR(t, drain(&r), "08 09 14");
    cmd(&r, 0xd4);
    data(&r, 0xe6);
    CHECK_STR(t, drain(&r), "fa");

    /* Status request: stream, enabled, 1:1, no buttons; then resolution
     * and rate. */
    cmd(&r, 0xd4);
    data(&r, 0xe8);
    cmd(&r, 0xd4);
    data(&r, 0x03);
    CHECK_STR(t, drain(&r), "fa fa");
    cmd(&r, 0xd4);
    data(&r, 0xe9);
    CHECK_STR(t, drain(&r), "fa 20 03 64");

    /* The IntelliMouse knock: 200, 100, 80, then ID 3 and four bytes. */
    static const uint8_t knock[] = { 200, 100, 80 };
    for (int i = 0; i < 3; i++) {
        cmd(&r, 0xd4);
        data(&r, 0xf3);
        CHECK_STR(t, drain(&r), "fa");
        cmd(&r, 0xd4);
        data(&r, knock[i]);
        CHECK_STR(t, drain(&r), "fa");
    }
    cmd(&r, 0xd4);
    data(&r, 0xf2);
    CHECK_STR(t, drain(&r), "fa 03");
    ps2_mouse_event(r.mouse, 1, 0, 2, 0);
    CHECK_STR(t, drain(&r), "08 01 00 02");
    ps2_mouse_event(r.mouse, 0, 0, -20, 0);
    CHECK_STR(t, drain(&r), "08 00 00 f8");
    /* 200, 200, 80: the Explorer, ID 4, with buttons 4 and 5. */
    static const uint8_t knock4[] = { 200, 200, 80 };
    for (int i = 0; i < 3; i++) {
        cmd(&r, 0xd4);
        data(&r, 0xf3);
        flush(&r);
        cmd(&r, 0xd4);
        data(&r, knock4[i]);
        flush(&r);
    }
    cmd(&r, 0xd4);
    data(&r, 0xf2);
    CHECK_STR(t, drain(&r), "fa 04");
    ps2_mouse_event(r.mouse, 0, 0, -1, PS2_BUTTON_5);
    CHECK_STR(t, drain(&r), "08 00 00 2f");
    /* A bad sample rate is answered with RESEND. */
    cmd(&r, 0xd4);
    data(&r, 0xf3);
    cmd(&r, 0xd4);
    data(&r, 33);
    CHECK_STR(t, drain(&r), "fa fe");

    /* Remote mode: movement piles up until READ DATA. */
    cmd(&r, 0xd4);
    data(&r, 0xf0);
    CHECK_STR(t, drain(&r), "fa");
    ps2_mouse_event(r.mouse, 2, 0, 0, 0);
    ps2_mouse_event(r.mouse, 3, -1, 0, 0);
    CHECK_STR(t, drain(&r), "");
    cmd(&r, 0xd4);
    data(&r, 0xeb);
    CHECK_STR(t, drain(&r), "fa 08 05 01 00");

    /* Wrap mode echoes until RESET WRAP MODE. */
    cmd(&r, 0xd4);
    data(&r, 0xee);
    CHECK_STR(t, drain(&r), "fa");
    cmd(&r, 0xd4);
    data(&r, 0x42);
    CHECK_STR(t, drain(&r), "42");
    cmd(&r, 0xd4);
    data(&r, 0xec);
    CHECK_STR(t, drain(&r), "fa");

    /* Reset brings back the standard mouse. */
    cmd(&r, 0xd4);
    data(&r, 0xff);
    CHECK_STR(t, drain(&r), "fa aa 00");
    cmd(&r, 0xd4);
    data(&r, 0xf2);
    CHECK_STR(t, drain(&r), "fa 00");

    /* A command makes the mouse drop what it had queued, so that its
     * answer is the next byte: here the rest of a reset's answer. */
    cmd(&r, 0xd4);
    data(&r, 0xff);
    cmd(&r, 0xd4);
    data(&r, 0xf2);
    CHECK_STR(t, drain(&r), "fa fa 00");

    /* The port off, the mouse keeps its bytes; on, they come. */
    cmd(&r, 0xd4);
    data(&r, 0xf4);
    flush(&r);
    cmd(&r, 0xa7);
    ps2_mouse_event(r.mouse, 1, 1, 0, 0);
    CHECK_STR(t, drain(&r), "");
    cmd(&r, 0xa8);
    CHECK_STR(t, drain(&r), "28 01 ff");
    /* 0xD3 writes the buffer as if from the mouse. */
    cmd(&r, 0xd3);
    data(&r, 0x77);
    CHECK(t, r.irq12.level && (status(&r) & AUXB));
    CHECK(t, next(&r) == 0x77);
    rig_close(&r);
}

static void test_no_mouse(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, false);
    cmd(&r, 0xd4);
    data(&r, 0xff);
    CHECK(t, (status(&r) & (OBF | AUXB | TO)) == (OBF | AUXB | TO));
    CHECK(t, next(&r) == 0xfe);
    data(&r, 0xee); /* a keyboard write succeeds and clears the time-out */
    CHECK(t, !(status(&r) & TO) && next(&r) == 0xee);
    rig_close(&r);
}

static void test_output_port(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, false);
    cmd(&r, 0xd0);
    CHECK(t, next(&r) == 0x03);
    cmd(&r, 0xd1);
    data(&r, 0x01); /* A20 off */
    CHECK(t, r.a20_calls == 1 && !r.a20 && r.resets == 0);
    cmd(&r, 0xd0);
    CHECK(t, next(&r) == 0x01);
    cmd(&r, 0xdf);
    CHECK(t, r.a20_calls == 2 && r.a20);
    cmd(&r, 0xdd);
    CHECK(t, r.a20_calls == 3 && !r.a20);
    cmd(&r, 0xd1);
    data(&r, 0x03);
    CHECK(t, r.a20);
    /* Bit 0 low is the reset line. */
    cmd(&r, 0xd1);
    data(&r, 0x02);
    CHECK(t, r.resets == 1);
    i8042_reset(r.kbc);
    /* A full buffer shows in output port bit 4. */
    ps2_key_event(r.kbd, 0x1c, true);
    cmd(&r, 0xd0); /* the answer replaces the key in the buffer */
    CHECK(t, next(&r) == 0x13);
    /* Pulse commands: 0xFE pulses reset, 0xFF pulses nothing. */
    cmd(&r, 0xff);
    CHECK(t, r.resets == 1);
    cmd(&r, 0xfe);
    CHECK(t, r.resets == 2);
    cmd(&r, 0xfd); /* pulses bit 1 only */
    CHECK(t, r.resets == 2);
    rig_close(&r);
}

static void test_state(struct unit_tally *t)
{
    struct rig a, b;
    char err[128];
    rig_open(&a, true);
    rig_open(&b, true);

    wctr(&a, 0x43);
    cmd(&a, 0xd4);
    data(&a, 0xf4);
    flush(&a);
    cmd(&a, 0xad); /* keep key bytes in the keyboard */
    ps2_key_event(a.kbd, 0xe075, true);
    ps2_mouse_event(a.mouse, 4, 0, 0, PS2_BUTTON_LEFT);
    cmd(&a, 0x65); /* a data command in flight */

    struct state_writer w = { 0 };
    state_save(&i8042_state_desc, a.kbc, &w);
    state_save(&ps2_kbd_state_desc, a.kbd, &w);
    state_save(&ps2_mouse_state_desc, a.mouse, &w);
    CHECK(t, !w.failed);
    struct state_reader rd = { w.buf, w.len, 0 };
    CHECK_MSG(t, state_load(&i8042_state_desc, b.kbc, &rd, err, sizeof(err)) == 0, "%s", err);
    CHECK_MSG(t, state_load(&ps2_kbd_state_desc, b.kbd, &rd, err, sizeof(err)) == 0, "%s", err);
    CHECK_MSG(t, state_load(&ps2_mouse_state_desc, b.mouse, &rd, err, sizeof(err)) == 0, "%s",
              err);
    CHECK(t, rd.pos == w.len);
    CHECK(t, b.irq12.level == a.irq12.level && b.irq12.level);
    CHECK(t, b.a20); /* driven to the loaded output port */
    CHECK_STR(t, drain(&b), "09 04 00");
    data(&b, 0x5a); /* the data byte of the 0x65 in flight */
    cmd(&b, 0x25);
    CHECK(t, next(&b) == 0x5a);
    cmd(&b, 0xae);
    CHECK_STR(t, drain(&b), "e0 48");

    /* Impossible values are refused and leave the device alone. */
    struct i8042_bad {
        const char *what;
        size_t from_end; /* offset of the byte from the section's end */
        uint8_t value;
    };
    struct state_writer w2 = { 0 };
    state_save(&i8042_state_desc, a.kbc, &w2);
    /* The last field is ready (u8), then xlat_break, outport, pending. */
    static const struct i8042_bad bad[] = {
        { "ready", 1, 0x04 },
        { "outport", 3, 0x13 },
        { "pending", 4, 0x90 },
        { "xlat_break", 2, 0x02 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t saved = w2.buf[w2.len - bad[i].from_end];
        w2.buf[w2.len - bad[i].from_end] = bad[i].value;
        struct state_reader r2 = { w2.buf, w2.len, 0 };
        CHECK_CASE(t, state_load(&i8042_state_desc, b.kbc, &r2, err, sizeof(err)) == -1,
                   "corrupt %s", bad[i].what);
        CHECK_CASE(t, r2.pos == 0, "corrupt %s", bad[i].what);
        w2.buf[w2.len - bad[i].from_end] = saved;
    }
    cmd(&b, 0x20);
    CHECK(t, next(&b) == 0x43); /* unchanged by the refused loads */

    struct state_writer w3 = { 0 };
    state_save(&ps2_kbd_state_desc, a.kbd, &w3);
    w3.buf[w3.len - 1 - 1 - 1 - 1 - 1 - 1] = 3; /* set */
    struct state_reader r3 = { w3.buf, w3.len, 0 };
    CHECK(t, state_load(&ps2_kbd_state_desc, b.kbd, &r3, err, sizeof(err)) == -1);
    CHECK(t, strstr(err, "ps2 keyboard") != NULL);

    struct state_writer w4 = { 0 };
    state_save(&ps2_mouse_state_desc, a.mouse, &w4);
    /* acc_dz is the last field, four bytes. */
    w4.buf[w4.len - 2] = 0x7f;
    struct state_reader r4 = { w4.buf, w4.len, 0 };
    CHECK(t, state_load(&ps2_mouse_state_desc, b.mouse, &r4, err, sizeof(err)) == -1);
    CHECK(t, strstr(err, "ps2 mouse") != NULL);

    state_writer_free(&w);
    state_writer_free(&w2);
    state_writer_free(&w3);
    state_writer_free(&w4);
    rig_close(&a);
    rig_close(&b);
}

static void test_reset_and_ports(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r, true);
    /* The ports are taken. */
    struct i8042 *again =
        i8042_create(r.io, (struct irq_line){ 0 }, (struct irq_line){ 0 },
                     (struct i8042_board){ 0 }, NULL);
    CHECK(t, again == NULL);
    wctr(&r, 0x47);
    cmd(&r, 0xad);
    cmd(&r, 0xd1);
    data(&r, 0x01);
    ps2_key_event(r.kbd, 0x1c, true);
    i8042_reset(r.kbc);
    CHECK(t, r.a20 && !r.irq1.level);
    /* The key byte waited in the keyboard and comes once the reset
     * controller has its ports enabled. */
    CHECK(t, status(&r) == (0x10 | OBF));
    CHECK(t, next(&r) == 0x1c);
    CHECK(t, rctr(&r) == 0x00);
    /* A wide read of the data port floats high above the byte. */
    cmd(&r, 0x20);
    CHECK(t, io_read(r.io, DATA, 2) == 0xff00);
    rig_close(&r);
}

int main(void)
{
    struct unit_tally t = { 0 };
    test_bios_init(&t);
    test_command_byte_and_ram(&t);
    test_keyboard_commands(&t);
    test_keys(&t);
    test_irq1(&t);
    test_mouse(&t);
    test_no_mouse(&t);
    test_output_port(&t);
    test_state(&t);
    test_reset_and_ports(&t);
    return UNIT_REPORT(&t);
}
