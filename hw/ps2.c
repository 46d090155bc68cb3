/*
 * PS/2 keyboard and mouse, after the IBM PS/2 Hardware Interface Technical
 * Reference ("Keyboard and Auxiliary Device Controller", "101/102-Key
 * Keyboard", "Mouse") and Microsoft's IntelliMouse extensions.
 *
 * Each device answers its commands at once: a byte the controller sends is
 * acted on and the reply queued before the write returns. Replies and key
 * codes share one bounded queue per device. Both devices discard what they
 * had queued when any command but RESEND arrives, as the Technical
 * Reference has the keyboard do for its enable, disable and reset
 * commands, so that an answer is the next byte the host reads.
 *
 * The keyboard speaks scan code sets 1 and 2; set 3 is refused like any
 * bad argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/ps2.h"

enum {
    ACK = 0xfa, RESEND = 0xfe, BAT_OK = 0xaa, ECHO = 0xee, BREAK_PREFIX = 0xf0,
};

/* A real keyboard buffers 16 bytes; the mouse holds 16 four-byte packets. */
#define KBD_QUEUE 16
#define MOUSE_QUEUE 64
/* How far remote mode lets movement pile up between reads. */
#define MOUSE_ACC_LIMIT 4096

/* The 8042's set 2 to set 1 table for codes below 0x80 (IBM Technical
 * Reference, "Scan Code Translation"); above, only F7 (0x83) and Alt+SysRq
 * (0x84) change. */
static const uint8_t set2_to_set1[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

uint8_t ps2_set2_to_set1(uint8_t code)
{
    if (code < 0x80)
        return set2_to_set1[code];
    if (code == 0x83)
        return 0x41;
    if (code == 0x84)
        return 0x54;
    return code;
}

/* ---- the byte queue both devices use ---- */

static unsigned queue_room(unsigned size, uint8_t count)
{
    return size - count;
}

static void queue_push(uint8_t *buf, unsigned size, uint8_t head, uint8_t *count, uint8_t b)
{
    if (*count < size) {
        buf[(head + *count) % size] = b;
        ++*count;
    }
}

static bool queue_pop(const uint8_t *buf, unsigned size, uint8_t *head, uint8_t *count,
                      uint8_t *b)
{
    if (!*count)
        return false;
    *b = buf[*head];
    *head = (uint8_t)((*head + 1) % size);
    --*count;
    return true;
}

/* ---- keyboard ---- */

struct ps2_kbd_state {
    uint8_t queue[KBD_QUEUE];
    uint8_t head, count;
    uint8_t set;       /* scan code set, 1 or 2 */
    uint8_t leds;      /* ED argument: scroll, num, caps lock */
    uint8_t typematic; /* F3 argument: rate and delay */
    bool scanning;     /* key events are sent */
    uint8_t arg_cmd;   /* the command whose argument comes next, or 0 */
    uint8_t last;      /* the last byte sent, for RESEND */
};

struct ps2_kbd {
    struct ps2_kbd_state st;
    struct irq_line ready;
    const struct logger *log;
};

/* Power-on defaults (Technical Reference, "Default Disable" and "Set
 * Default"): set 2, 10.9 characters per second after 500 ms. */
static void kbd_defaults(struct ps2_kbd_state *st)
{
    st->set = 2;
    st->typematic = 0x2b;
}

static void kbd_put(struct ps2_kbd *k, uint8_t b)
{
    queue_push(k->st.queue, KBD_QUEUE, k->st.head, &k->st.count, b);
}

static void kbd_update_ready(struct ps2_kbd *k)
{
    irq_set(&k->ready, k->st.count > 0);
}

/* The argument of ED, F0 or F3. False when b is no argument of cmd, and
 * the keyboard takes it as a new command. */
static bool kbd_argument(struct ps2_kbd *k, uint8_t cmd, uint8_t b)
{
    struct ps2_kbd_state *st = &k->st;
    switch (cmd) {
    case 0xed:
        if (b & ~7)
            return false;
        st->leds = b;
        kbd_put(k, ACK);
        return true;
    case 0xf3:
        if (b & 0x80)
            return false;
        st->typematic = b;
        kbd_put(k, ACK);
        return true;
    default: /* 0xf0 */
        if (b > 3)
            return false;
        if (b == 3) {
            kbd_put(k, RESEND);
        } else if (b == 0) {
            kbd_put(k, ACK);
            kbd_put(k, st->set);
        } else {
            st->set = b;
            kbd_put(k, ACK);
        }
        return true;
    }
}

static void kbd_command(struct ps2_kbd *k, uint8_t b)
{
    struct ps2_kbd_state *st = &k->st;
    uint8_t cmd = st->arg_cmd;

    if (b != RESEND)
        st->count = 0;
    st->arg_cmd = 0;
    if (cmd && kbd_argument(k, cmd, b))
        return;
    switch (b) {
    case 0xed: /* set LEDs */
    case 0xf0: /* select scan code set */
    case 0xf3: /* set typematic rate and delay */
        kbd_put(k, ACK);
        st->arg_cmd = b;
        break;
    case 0xee:
        kbd_put(k, ECHO);
        break;
    case 0xf2: /* identify: a 101/102-key MF2 keyboard */
        kbd_put(k, ACK);
        kbd_put(k, 0xab);
        kbd_put(k, 0x83);
        break;
    case 0xf4:
        st->scanning = true;
        kbd_put(k, ACK);
        break;
    case 0xf5:
        kbd_defaults(st);
        st->scanning = false;
        kbd_put(k, ACK);
        break;
    case 0xf6:
        kbd_defaults(st);
        kbd_put(k, ACK);
        break;
    case RESEND:
        kbd_put(k, st->last);
        break;
    case 0xff: /* reset; the basic assurance test passes at once */
        kbd_defaults(st);
        st->leds = 0;
        st->scanning = true;
        kbd_put(k, ACK);
        kbd_put(k, BAT_OK);
        break;
    default:
        log_printf(k->log, LOG_GUEST_ERRORS, "ps2 keyboard: unknown command 0x%02x\n", b);
        kbd_put(k, RESEND);
        break;
    }
}

void ps2_kbd_write(void *opaque, uint8_t byte)
{
    struct ps2_kbd *k = opaque;
    kbd_command(k, byte);
    kbd_update_ready(k);
}

bool ps2_kbd_read(void *opaque, uint8_t *byte)
{
    struct ps2_kbd *k = opaque;
    if (!queue_pop(k->st.queue, KBD_QUEUE, &k->st.head, &k->st.count, byte))
        return false;
    k->st.last = *byte;
    kbd_update_ready(k);
    return true;
}

/* The key's bytes in set 2. */
static unsigned key_set2(uint16_t key, bool down, uint8_t *out)
{
    static const uint8_t pause[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
    static const uint8_t print_make[] = { 0xe0, 0x12, 0xe0, 0x7c };
    static const uint8_t print_break[] = { 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12 };
    unsigned n = 0;

    if (key == PS2_KEY_PAUSE) {
        if (!down)
            return 0;
        memcpy(out, pause, sizeof(pause));
        return sizeof(pause);
    }
    if (key == PS2_KEY_PRINT_SCREEN) {
        if (down) {
            memcpy(out, print_make, sizeof(print_make));
            return sizeof(print_make);
        }
        memcpy(out, print_break, sizeof(print_break));
        return sizeof(print_break);
    }
    if (key >> 8)
        out[n++] = 0xe0;
    if (!down)
        out[n++] = BREAK_PREFIX;
    out[n++] = key & 0xff;
    return n;
}

/* Set 1 is set 2 through the 8042's table, the break prefix turned into
 * bit 7 of the code that follows. */
static unsigned to_set1(uint8_t *codes, unsigned n)
{
    unsigned out = 0;
    bool brk = false;
    for (unsigned i = 0; i < n; i++) {
        if (codes[i] == BREAK_PREFIX) {
            brk = true;
            continue;
        }
        codes[out++] = ps2_set2_to_set1(codes[i]) | (brk ? 0x80 : 0);
        brk = false;
    }
    return out;
}

static bool key_valid(uint16_t key)
{
    uint8_t code = key & 0xff;
    if (key == PS2_KEY_PAUSE || key == PS2_KEY_PRINT_SCREEN)
        return true;
    if ((key >> 8) != 0 && (key >> 8) != 0xe0)
        return false;
    return code != 0 && code != 0xe0 && code != 0xe1 && code != BREAK_PREFIX &&
           code < 0xe0;
}

void ps2_key_event(struct ps2_kbd *k, uint16_t key, bool down)
{
    struct ps2_kbd_state *st = &k->st;
    uint8_t codes[8];

    if (!st->scanning || !key_valid(key))
        return;
    unsigned n = key_set2(key, down, codes);
    if (!n)
        return;
    if (st->set == 1)
        n = to_set1(codes, n);
    /* The last slot is kept for the overflow code (Technical Reference,
     * "Keyboard Buffer"): 0x00 in set 2, 0xFF in set 1. */
    if (queue_room(KBD_QUEUE, st->count) > n) {
        for (unsigned i = 0; i < n; i++)
            kbd_put(k, codes[i]);
    } else {
        kbd_put(k, st->set == 1 ? 0xff : 0x00);
    }
    kbd_update_ready(k);
}

static int kbd_post_load(void *obj, char *err, size_t errlen)
{
    struct ps2_kbd *k = obj;
    const struct ps2_kbd_state *st = &k->st;
    const char *why = NULL;

    if (st->head >= KBD_QUEUE || st->count > KBD_QUEUE)
        why = "queue position out of range";
    else if (st->set != 1 && st->set != 2)
        why = "scan code set is neither 1 nor 2";
    else if (st->leds & ~7)
        why = "LED bits out of range";
    else if (st->typematic & 0x80)
        why = "typematic byte out of range";
    else if (st->arg_cmd != 0 && st->arg_cmd != 0xed && st->arg_cmd != 0xf0 &&
             st->arg_cmd != 0xf3)
        why = "no command takes an argument";
    if (why) {
        snprintf(err, errlen, "ps2 keyboard: %s", why);
        return -1;
    }
    kbd_update_ready(k);
    return 0;
}

#define KBD_FIELD(member, reset) STATE_FIELD(struct ps2_kbd, st.member, reset)

static const struct state_field kbd_fields[] = {
    STATE_ARRAY(struct ps2_kbd, st.queue, 0),
    KBD_FIELD(head, 0),
    KBD_FIELD(count, 0),
    KBD_FIELD(set, 2),
    KBD_FIELD(leds, 0),
    KBD_FIELD(typematic, 0x2b),
    KBD_FIELD(scanning, true),
    KBD_FIELD(arg_cmd, 0),
    KBD_FIELD(last, 0),
};

const struct state_desc ps2_kbd_state_desc = {
    .name = "ps2-kbd",
    .version = 1,
    .fields = kbd_fields,
    .field_count = sizeof(kbd_fields) / sizeof(kbd_fields[0]),
    .post_load = kbd_post_load,
};

void ps2_kbd_reset(struct ps2_kbd *k)
{
    state_reset(&ps2_kbd_state_desc, k);
    kbd_update_ready(k);
}

struct ps2_kbd *ps2_kbd_create(struct irq_line ready, const struct logger *log)
{
    struct ps2_kbd *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->ready = ready;
    k->log = log;
    ps2_kbd_reset(k);
    return k;
}

void ps2_kbd_destroy(struct ps2_kbd *k)
{
    free(k);
}

/* ---- mouse ---- */

struct ps2_mouse_state {
    uint8_t queue[MOUSE_QUEUE];
    uint8_t head, count;
    bool remote;      /* remote mode: packets only on READ DATA */
    bool wrap;        /* wrap mode: every byte echoed */
    bool reporting;   /* stream mode sends packets */
    bool scaling21;   /* 2:1 scaling */
    uint8_t resolution; /* 0-3: 1, 2, 4, 8 counts per mm */
    uint8_t rate;     /* samples per second */
    uint8_t id;       /* 0 standard, 3 IntelliMouse, 4 IntelliMouse Explorer */
    uint8_t rates[3]; /* the last three sample rates set, oldest first */
    uint8_t arg_cmd;  /* the command whose argument comes next, or 0 */
    uint8_t last;     /* the last byte sent, for RESEND */
    uint8_t buttons;  /* PS2_BUTTON_* held */
    /* Remote mode's movement since the last packet: two's complement. */
    uint32_t acc_dx, acc_dy, acc_dz;
};

struct ps2_mouse {
    struct ps2_mouse_state st;
    struct irq_line ready;
    const struct logger *log;
};

static void mouse_put(struct ps2_mouse *m, uint8_t b)
{
    queue_push(m->st.queue, MOUSE_QUEUE, m->st.head, &m->st.count, b);
}

static void mouse_update_ready(struct ps2_mouse *m)
{
    irq_set(&m->ready, m->st.count > 0);
}

static void mouse_clear_motion(struct ps2_mouse_state *st)
{
    st->acc_dx = st->acc_dy = st->acc_dz = 0;
}

/* "Set Default": 100 samples/s, 4 counts/mm, 1:1, stream mode, disabled. */
static void mouse_defaults(struct ps2_mouse_state *st)
{
    st->rate = 100;
    st->resolution = 2;
    st->scaling21 = false;
    st->remote = false;
    st->reporting = false;
    mouse_clear_motion(st);
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* 2:1 scaling in stream mode (Technical Reference, "Scaling"). */
static int scale21(int d)
{
    static const int small[6] = { 0, 1, 1, 3, 6, 9 };
    int a = d < 0 ? -d : d;
    int s = a < 6 ? small[a] : 2 * a;
    return d < 0 ? -s : s;
}

/* One movement packet; dx right, dy up (PS/2 directions). A packet that
 * does not fit whole is dropped, so the host never sees half of one. */
static void mouse_packet(struct ps2_mouse *m, int dx, int dy, int dz)
{
    struct ps2_mouse_state *st = &m->st;
    unsigned size = st->id ? 4 : 3;
    uint8_t b0 = 0x08 | (st->buttons & 7);

    if (queue_room(MOUSE_QUEUE, st->count) < size)
        return;
    if (dx < -256 || dx > 255)
        b0 |= 0x40;
    if (dy < -256 || dy > 255)
        b0 |= 0x80;
    dx = clamp(dx, -256, 255);
    dy = clamp(dy, -256, 255);
    if (dx < 0)
        b0 |= 0x10;
    if (dy < 0)
        b0 |= 0x20;
    mouse_put(m, b0);
    mouse_put(m, (uint8_t)dx);
    mouse_put(m, (uint8_t)dy);
    /* The fourth byte: Z from -8 to 7; ID 4 adds buttons 4 and 5 in bits
     * 4 and 5 of it (Microsoft, "IntelliMouse Explorer"). */
    dz = clamp(dz, -8, 7);
    if (st->id == 3)
        mouse_put(m, (uint8_t)dz);
    else if (st->id == 4)
        mouse_put(m, (uint8_t)((dz & 0x0f) | ((st->buttons & 0x18) << 1)));
}

/* READ DATA in remote mode: the movement since the last packet. */
static void mouse_read_data(struct ps2_mouse *m)
{
    struct ps2_mouse_state *st = &m->st;
    mouse_packet(m, (int32_t)st->acc_dx, (int32_t)st->acc_dy, (int32_t)st->acc_dz);
    mouse_clear_motion(st);
}

/* The IntelliMouse knocks: sample rates 200, 100, 80 turn a standard mouse
 * into ID 3; then 200, 200, 80 into ID 4. */
static void mouse_note_rate(struct ps2_mouse_state *st, uint8_t rate)
{
    st->rates[0] = st->rates[1];
    st->rates[1] = st->rates[2];
    st->rates[2] = rate;
    if (st->rates[0] == 200 && st->rates[1] == 100 && st->rates[2] == 80 && st->id == 0)
        st->id = 3;
    else if (st->rates[0] == 200 && st->rates[1] == 200 && st->rates[2] == 80 && st->id == 3)
        st->id = 4;
}

static bool rate_valid(uint8_t r)
{
    return r == 10 || r == 20 || r == 40 || r == 60 || r == 80 || r == 100 || r == 200;
}

static bool mouse_argument(struct ps2_mouse *m, uint8_t cmd, uint8_t b)
{
    struct ps2_mouse_state *st = &m->st;
    if (cmd == 0xf3) {
        if (!rate_valid(b))
            return false;
        st->rate = b;
        mouse_note_rate(st, b);
    } else { /* 0xe8 */
        if (b > 3)
            return false;
        st->resolution = b;
    }
    mouse_put(m, ACK);
    return true;
}

static void mouse_status(struct ps2_mouse *m)
{
    const struct ps2_mouse_state *st = &m->st;
    /* Status byte 1: remote, enabled, 2:1, then left, middle, right. */
    uint8_t b = (st->remote ? 0x40 : 0) | (st->reporting ? 0x20 : 0) |
                (st->scaling21 ? 0x10 : 0) | ((st->buttons & PS2_BUTTON_LEFT) ? 4 : 0) |
                ((st->buttons & PS2_BUTTON_MIDDLE) ? 2 : 0) |
                ((st->buttons & PS2_BUTTON_RIGHT) ? 1 : 0);
    mouse_put(m, ACK);
    mouse_put(m, b);
    mouse_put(m, st->resolution);
    mouse_put(m, st->rate);
}

static void mouse_command(struct ps2_mouse *m, uint8_t b)
{
    struct ps2_mouse_state *st = &m->st;
    uint8_t cmd = st->arg_cmd;

    /* Wrap mode echoes all but RESET and RESET WRAP MODE. */
    if (st->wrap && b != 0xff && b != 0xec) {
        mouse_put(m, b);
        return;
    }
    if (b != RESEND)
        st->count = 0;
    st->arg_cmd = 0;
    if (cmd && mouse_argument(m, cmd, b))
        return;
    switch (b) {
    case 0xe6:
    case 0xe7:
        st->scaling21 = b == 0xe7;
        mouse_put(m, ACK);
        break;
    case 0xe8: /* set resolution */
    case 0xf3: /* set sample rate */
        st->arg_cmd = b;
        mouse_put(m, ACK);
        break;
    case 0xe9:
        mouse_status(m);
        break;
    case 0xea:
        st->remote = false;
        mouse_clear_motion(st);
        mouse_put(m, ACK);
        break;
    case 0xeb:
        mouse_put(m, ACK);
        mouse_read_data(m);
        break;
    case 0xec:
        st->wrap = false;
        mouse_put(m, ACK);
        break;
    case 0xee:
        st->wrap = true;
        mouse_put(m, ACK);
        break;
    case 0xf0:
        st->remote = true;
        mouse_clear_motion(st);
        mouse_put(m, ACK);
        break;
    case 0xf2:
        mouse_put(m, ACK);
        mouse_put(m, st->id);
        break;
    case 0xf4:
    case 0xf5:
        st->reporting = b == 0xf4;
        mouse_clear_motion(st);
        mouse_put(m, ACK);
        break;
    case 0xf6:
        mouse_defaults(st);
        mouse_put(m, ACK);
        break;
    case RESEND:
        mouse_put(m, st->last);
        break;
    case 0xff: /* reset: ACK, test passed, ID */
        mouse_defaults(st);
        st->wrap = false;
        st->id = 0;
        memset(st->rates, 0, sizeof(st->rates));
        mouse_put(m, ACK);
        mouse_put(m, BAT_OK);
        mouse_put(m, 0x00);
        break;
    default:
        log_printf(m->log, LOG_GUEST_ERRORS, "ps2 mouse: unknown command 0x%02x\n", b);
        mouse_put(m, RESEND);
        break;
    }
}

void ps2_mouse_write(void *opaque, uint8_t byte)
{
    struct ps2_mouse *m = opaque;
    mouse_command(m, byte);
    mouse_update_ready(m);
}

bool ps2_mouse_read(void *opaque, uint8_t *byte)
{
    struct ps2_mouse *m = opaque;
    if (!queue_pop(m->st.queue, MOUSE_QUEUE, &m->st.head, &m->st.count, byte))
        return false;
    m->st.last = *byte;
    mouse_update_ready(m);
    return true;
}

static uint32_t acc_add(uint32_t acc, int d)
{
    return (uint32_t)clamp((int32_t)acc + clamp(d, -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT),
                           -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT);
}

void ps2_mouse_event(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    struct ps2_mouse_state *st = &m->st;
    bool changed = (buttons & 0x1f) != st->buttons;

    st->buttons = buttons & 0x1f;
    if (st->wrap)
        return;
    dy = -clamp(dy, -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT); /* PS/2 counts up */
    if (st->remote) {
        st->acc_dx = acc_add(st->acc_dx, dx);
        st->acc_dy = acc_add(st->acc_dy, dy);
        st->acc_dz = acc_add(st->acc_dz, dz);
        return;
    }
    if (!st->reporting || (!changed && !dx && !dy && !dz))
        return;
    dx = clamp(dx, -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT);
    if (st->scaling21) {
        dx = scale21(dx);
        dy = scale21(dy);
    }
    mouse_packet(m, dx, dy, dz);
    mouse_update_ready(m);
}

static int mouse_post_load(void *obj, char *err, size_t errlen)
{
    struct ps2_mouse *m = obj;
    const struct ps2_mouse_state *st = &m->st;
    const char *why = NULL;
    int32_t acc[3] = { (int32_t)st->acc_dx, (int32_t)st->acc_dy, (int32_t)st->acc_dz };

    if (st->head >= MOUSE_QUEUE || st->count > MOUSE_QUEUE)
        why = "queue position out of range";
    else if (st->resolution > 3)
        why = "resolution out of range";
    else if (!rate_valid(st->rate))
        why = "sample rate out of range";
    else if (st->id != 0 && st->id != 3 && st->id != 4)
        why = "unknown device ID";
    else if (st->arg_cmd != 0 && st->arg_cmd != 0xe8 && st->arg_cmd != 0xf3)
        why = "no command takes an argument";
    else if (st->buttons & ~0x1f)
        why = "unknown buttons held";
    for (int i = 0; i < 3 && !why; i++)
        if (acc[i] < -MOUSE_ACC_LIMIT || acc[i] > MOUSE_ACC_LIMIT)
            why = "movement out of range";
    if (why) {
        snprintf(err, errlen, "ps2 mouse: %s", why);
        return -1;
    }
    mouse_update_ready(m);
    return 0;
}

#define MOUSE_FIELD(member, reset) STATE_FIELD(struct ps2_mouse, st.member, reset)

static const struct state_field mouse_fields[] = {
    STATE_ARRAY(struct ps2_mouse, st.queue, 0),
    MOUSE_FIELD(head, 0),
    MOUSE_FIELD(count, 0),
    MOUSE_FIELD(remote, false),
    MOUSE_FIELD(wrap, false),
    MOUSE_FIELD(reporting, false),
    MOUSE_FIELD(scaling21, false),
    MOUSE_FIELD(resolution, 2),
    MOUSE_FIELD(rate, 100),
    MOUSE_FIELD(id, 0),
    STATE_ARRAY(struct ps2_mouse, st.rates, 0),
    MOUSE_FIELD(arg_cmd, 0),
    MOUSE_FIELD(last, 0),
    MOUSE_FIELD(buttons, 0),
    MOUSE_FIELD(acc_dx, 0),
    MOUSE_FIELD(acc_dy, 0),
    MOUSE_FIELD(acc_dz, 0),
};

const struct state_desc ps2_mouse_state_desc = {
    .name = "ps2-mouse",
    .version = 1,
    .fields = mouse_fields,
    .field_count = sizeof(mouse_fields) / sizeof(mouse_fields[0]),
    .post_load = mouse_post_load,
};

void ps2_mouse_reset(struct ps2_mouse *m)
{
    state_reset(&ps2_mouse_state_desc, m);
    mouse_update_ready(m);
}

struct ps2_mouse *ps2_mouse_create(struct irq_line ready, const struct logger *log)
{
    struct ps2_mouse *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->ready = ready;
    m->log = log;
    ps2_mouse_reset(m);
    return m;
}

void ps2_mouse_destroy(struct ps2_mouse *m)
{
    free(m);
}
