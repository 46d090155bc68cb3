/*
 * System control ports of the PIIX3 (82371SB datasheet, order 290550):
 *
 *   0x61  NMI status and control (4.7.2): bit 0 gates PIT counter 2, bit 1
 *         enables the speaker data, bits 2-3 are the SERR#/IOCHK# NMI
 *         enables; bit 4 toggles with every DRAM refresh request (every
 *         15.085 us), bit 5 is PIT counter 2's OUT, bits 6-7 report NMI
 *         sources (none on this board).
 *   0x92  Port 92 (4.7.3): bit 1 is fast A20, ORed on the board with the
 *         i8042's A20 output; a 0-to-1 transition of bit 0 (fast init)
 *         resets the CPU.
 *   0xCF9 Reset control (4.1.39): a 0-to-1 transition of bit 2 (RCPU)
 *         resets, hard or soft after bit 1 (SRST); both reset the whole
 *         machine here, since nothing keeps state across a soft reset
 *         that a hard one would clear. Only byte accesses reach it: dword
 *         accesses at 0xCF8 are PCI configuration cycles (hw/pci.c).
 *   0x80  The POST code latch firmware writes progress to; reads return
 *         the last code, as the DMA page register there does on a PC.
 *   0xF0  Coprocessor error (4.7.5 and 2.2.5 FERR#/IGNNE#): the CPU's
 *         FERR# going active latches IRQ 13, as on the IBM AT; a write to
 *         0xF0 clears the latch (the handler's acknowledgement) until
 *         FERR# goes active again.
 */
#include <stdlib.h>

#include "hw/pci.h"
#include "hw/pit.h"
#include "hw/system_ports.h"

#define PORT_B 0x61
#define PORT_A 0x92
#define POST_PORT 0x80
#define COPROCESSOR_ERROR_PORT 0xf0
#define RESET_CONTROL_OFFSET 1 /* 0xCF9 from 0xCF8 */

enum {
    B_TIM2_GATE = 0x01, B_SPKR = 0x02, B_SERR_EN = 0x04, B_IOCHK_EN = 0x08,
    B_REFRESH = 0x10, B_TIM2_OUT = 0x20,
    B_WRITABLE = B_TIM2_GATE | B_SPKR | B_SERR_EN | B_IOCHK_EN,
};
enum { A_FAST_INIT = 0x01, A_FAST_A20 = 0x02, A_WRITABLE = A_FAST_INIT | A_FAST_A20 };
enum { RC_SRST = 0x02, RC_RCPU = 0x04, RC_WRITABLE = RC_SRST };

#define REFRESH_PERIOD_NS 15085

struct system_ports_state {
    uint8_t port_b;        /* the writable bits of port 0x61 */
    uint8_t port_a;        /* port 0x92 */
    uint8_t reset_control; /* SRST; RCPU always reads 0 after its reset */
    uint8_t post_code;
    bool ferr;     /* the CPU's FERR# as last seen */
    bool irq13;    /* the coprocessor error latch, driving IRQ 13 */
};

struct system_ports {
    struct system_ports_state st;
    struct vclock *clock;
    struct pit *pit;
    struct system_ports_board board;
    struct irq_line irq13;
    const struct logger *log;
};

static uint32_t port_b_read(void *opaque, uint32_t offset, unsigned size)
{
    struct system_ports *s = opaque;
    (void)offset;
    (void)size;
    uint8_t v = s->st.port_b;
    if ((vclock_now(s->clock) / REFRESH_PERIOD_NS) & 1)
        v |= B_REFRESH;
    if (pit_get_out(s->pit, 2))
        v |= B_TIM2_OUT;
    return v;
}

static void port_b_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct system_ports *s = opaque;
    (void)offset;
    (void)size;
    s->st.port_b = (uint8_t)(value & B_WRITABLE);
    pit_set_gate(s->pit, 2, value & B_TIM2_GATE);
}

static uint32_t port_a_read(void *opaque, uint32_t offset, unsigned size)
{
    struct system_ports *s = opaque;
    (void)offset;
    (void)size;
    return s->st.port_a;
}

static void port_a_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct system_ports *s = opaque;
    (void)offset;
    (void)size;
    uint8_t old = s->st.port_a;
    s->st.port_a = (uint8_t)(value & A_WRITABLE);
    if ((old ^ s->st.port_a) & A_FAST_A20)
        s->board.set_a20(s->board.opaque, s->st.port_a & A_FAST_A20);
    if (!(old & A_FAST_INIT) && (s->st.port_a & A_FAST_INIT)) {
        log_printf(s->log, LOG_CPU_RESET, "port 0x92: fast init\n");
        s->board.reset(s->board.opaque);
    }
}

static uint32_t post_read(void *opaque, uint32_t offset, unsigned size)
{
    struct system_ports *s = opaque;
    (void)offset;
    (void)size;
    return s->st.post_code;
}

static void post_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct system_ports *s = opaque;
    (void)offset;
    (void)size;
    s->st.post_code = (uint8_t)value;
}

static void set_irq13(struct system_ports *s, bool level)
{
    s->st.irq13 = level;
    irq_set(&s->irq13, level);
}

void system_ports_ferr(struct system_ports *s, bool level)
{
    if (level && !s->st.ferr)
        set_irq13(s, true);
    else if (!level && s->st.irq13)
        set_irq13(s, false);
    s->st.ferr = level;
}

static uint32_t coprocessor_error_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0xff;
}

static void coprocessor_error_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct system_ports *s = opaque;
    (void)offset;
    (void)value;
    (void)size;
    if (s->st.irq13)
        set_irq13(s, false);
}

/* Byte and word accesses to 0xCF8-0xCFB that are not configuration cycles. */
static uint32_t reset_control_read(void *opaque, uint32_t offset, unsigned size)
{
    struct system_ports *s = opaque;
    uint32_t v = 0xffffffffu;
    for (unsigned i = 0; i < size; i++)
        if (offset + i == RESET_CONTROL_OFFSET)
            v = (v & ~(0xffu << (8 * i))) | (uint32_t)s->st.reset_control << (8 * i);
    return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void reset_control_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct system_ports *s = opaque;
    for (unsigned i = 0; i < size; i++) {
        if (offset + i != RESET_CONTROL_OFFSET)
            continue;
        uint8_t v = (uint8_t)(value >> (8 * i));
        s->st.reset_control = v & RC_WRITABLE;
        if (v & RC_RCPU) {
            log_printf(s->log, LOG_CPU_RESET, "port 0xcf9: %s reset\n",
                       (v & RC_SRST) ? "hard" : "soft");
            s->board.reset(s->board.opaque);
        }
    }
}

static const struct io_ops port_b_ops = { .read = port_b_read, .write = port_b_write };
static const struct io_ops port_a_ops = { .read = port_a_read, .write = port_a_write };
static const struct io_ops post_ops = { .read = post_read, .write = post_write };
static const struct io_ops coprocessor_error_ops = {
    .read = coprocessor_error_read,
    .write = coprocessor_error_write,
};
static const struct io_ops reset_control_ops = {
    .read = reset_control_read,
    .write = reset_control_write,
};

static int system_ports_post_load(void *obj, char *err, size_t errlen)
{
    struct system_ports *s = obj;
    if ((s->st.port_b & ~B_WRITABLE) || (s->st.port_a & ~A_WRITABLE) ||
        (s->st.reset_control & ~RC_WRITABLE)) {
        snprintf(err, errlen, "system-ports: reserved bits set");
        return -1;
    }
    if (s->st.irq13 && !s->st.ferr) {
        snprintf(err, errlen, "system-ports: IRQ 13 latched without FERR#");
        return -1;
    }
    /* The PIT restores its own gates; the board combines fast A20 with
     * the i8042's line. */
    s->board.set_a20(s->board.opaque, s->st.port_a & A_FAST_A20);
    irq_set(&s->irq13, s->st.irq13);
    return 0;
}

static const struct state_field system_ports_fields[] = {
    STATE_FIELD(struct system_ports, st.port_b, 0),
    STATE_FIELD(struct system_ports, st.port_a, 0),
    STATE_FIELD(struct system_ports, st.reset_control, 0),
    STATE_FIELD(struct system_ports, st.post_code, 0),
    STATE_FIELD(struct system_ports, st.ferr, false),
    STATE_FIELD(struct system_ports, st.irq13, false),
};

const struct state_desc system_ports_state_desc = {
    .name = "system-ports",
    .version = 1,
    .fields = system_ports_fields,
    .field_count = sizeof(system_ports_fields) / sizeof(system_ports_fields[0]),
    .post_load = system_ports_post_load,
};

void system_ports_reset(struct system_ports *s)
{
    state_reset(&system_ports_state_desc, s);
    pit_set_gate(s->pit, 2, false);
    s->board.set_a20(s->board.opaque, false);
    irq_set(&s->irq13, false);
}

bool system_ports_a20(const struct system_ports *s)
{
    return s->st.port_a & A_FAST_A20;
}

struct system_ports *system_ports_create(struct io_bus *io, struct pci_bus *pci,
                                         struct vclock *clock, struct pit *pit,
                                         struct system_ports_board board,
                                         struct irq_line irq13, const struct logger *log)
{
    struct system_ports *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->clock = clock;
    s->pit = pit;
    s->board = board;
    s->irq13 = irq13;
    s->log = log;
    state_reset(&system_ports_state_desc, s);
    if (io_register(io, PORT_B, 1, &port_b_ops, s) < 0 ||
        io_register(io, PORT_A, 1, &port_a_ops, s) < 0 ||
        io_register(io, POST_PORT, 1, &post_ops, s) < 0 ||
        io_register(io, COPROCESSOR_ERROR_PORT, 1, &coprocessor_error_ops, s) < 0) {
        io_unregister_all(io, s);
        free(s);
        return NULL;
    }
    pci_set_io_passthrough(pci, &reset_control_ops, s);
    return s;
}

void system_ports_destroy(struct system_ports *s)
{
    free(s);
}
