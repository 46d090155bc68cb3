/*
 * Two cascaded 8259A interrupt controllers, after the Intel 8259A
 * datasheet (section names below are the datasheet's), with the per-line
 * edge/level control registers (ELCR) of the PC chipsets (Intel 82371
 * PIIX/PIIX3 datasheet, ELCR1 and ELCR2).
 *
 * Chip 0 is the master; chip 1 is the slave, whose INT output is wired to
 * the master's IR2 input as on every PC/AT. The INTA cycle is atomic: the
 * CPU calls pic_inta() and gets the vector the two INTA pulses of an
 * 8086-mode sequence would have put on the bus.
 *
 * All device state is in struct pic_state: fixed-width fields, no host
 * pointers, described once by pic_state_desc for reset, save and load.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hw/pic.h"

enum { MASTER = 0, SLAVE = 1 };
#define CASCADE_IR 2 /* the master input the slave's INT drives */

enum { ICW1_IC4 = 0x01, ICW1_SNGL = 0x02, ICW1_LTIM = 0x08, ICW1_SELECT = 0x10 };
enum { ICW4_UPM = 0x01, ICW4_AEOI = 0x02, ICW4_SFNM = 0x10, ICW4_MASK = 0x1f };
enum { OCW3_RIS = 0x01, OCW3_RR = 0x02, OCW3_POLL = 0x04, OCW3_SELECT = 0x08,
       OCW3_SMM = 0x20, OCW3_ESMM = 0x40 };

/* Which initialization word the odd port takes next; READY means OCW1. */
enum { INIT_READY = 0, INIT_ICW2 = 2, INIT_ICW3 = 3, INIT_ICW4 = 4 };

/* ELCR bits that are reserved and read as zero: IRQ 0, 1, 2 (timer,
 * keyboard, cascade) and IRQ 8, 13 (RTC, FPU) are always edge-triggered. */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

struct pic_chip {
    uint8_t irr;         /* interrupt request register */
    uint8_t isr;         /* in-service register */
    uint8_t imr;         /* interrupt mask register (OCW1) */
    uint8_t lines;       /* input levels, for edge detection */
    uint8_t elcr;        /* 1 = level-triggered input (ICW1.LTIM overrides) */
    uint8_t icw1, icw3, icw4;
    uint8_t vector_base; /* ICW2 T7-T3 */
    uint8_t init_step;   /* INIT_* */
    uint8_t lowest;      /* the IR with the lowest priority (rotation) */
    bool read_isr;       /* OCW3 RR/RIS: the even port reads ISR, not IRR */
    bool poll;           /* OCW3 P: the next read is the poll word */
    bool special_mask;   /* OCW3 SMM */
    bool rotate_aeoi;    /* OCW2 rotate in automatic EOI mode */
    bool int_out;        /* the INT pin */
};

struct pic_state {
    struct pic_chip chip[2];
};

struct pic {
    struct pic_state st;
    struct irq_line intr;
    const struct logger *log;
};

static const char *const chip_name[2] = { "master", "slave" };

static uint8_t level_mask(const struct pic_chip *c)
{
    return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

static bool cascaded_master(const struct pic_chip *m)
{
    return !(m->icw1 & ICW1_SNGL);
}

/* 0 is the highest priority, 7 the lowest. */
static unsigned priority(const struct pic_chip *c, unsigned ir)
{
    return (ir - c->lowest - 1) & 7;
}

/* The IR in bits with the highest priority, or -1. */
static int highest(const struct pic_chip *c, uint8_t bits)
{
    for (unsigned p = 1; p <= 8; p++) {
        unsigned ir = (c->lowest + p) & 7;
        if (bits & (1u << ir))
            return (int)ir;
    }
    return -1;
}

/* The request the priority resolver passes to INT, or -1 ("Fully Nested
 * Mode"): the highest unmasked request, if it outranks every level in
 * service. In special mask mode a masked level in service holds nothing
 * back ("Special Mask Mode"); in special fully nested mode the master lets
 * a slave interrupt through while another from the same slave is in
 * service ("The Special Fully Nest Mode"). */
static int resolve(const struct pic_state *st, unsigned n)
{
    const struct pic_chip *c = &st->chip[n];
    int req = highest(c, c->irr & ~c->imr);
    if (req < 0)
        return -1;
    uint8_t blocking = c->isr;
    if (c->special_mask)
        blocking &= ~c->imr;
    if (n == MASTER && (c->icw4 & ICW4_SFNM) && cascaded_master(c))
        blocking &= ~c->icw3;
    int cur = highest(c, blocking);
    if (cur >= 0 && priority(c, (unsigned)req) >= priority(c, (unsigned)cur))
        return -1;
    return req;
}

/* "Edge and Level Triggered Modes": an edge request is latched on a rising
 * edge and, like a level request, withdrawn when the line drops before the
 * first INTA pulse. */
static void set_input(struct pic_chip *c, unsigned ir, bool level)
{
    uint8_t bit = (uint8_t)(1u << ir);
    if (level) {
        if ((level_mask(c) & bit) || !(c->lines & bit))
            c->irr |= bit;
        c->lines |= bit;
    } else {
        c->lines &= ~bit;
        c->irr &= ~bit;
    }
}

/* INT rises when the resolver passes a request and stays high until the
 * CPU answers with INTA, even if the request goes away meanwhile: that is
 * how the datasheet's default IR7 comes about ("Interrupt Sequence"). The
 * slave's INT feeds the master's IR2; the master's INT is the CPU's INTR. */
static void update(struct pic *pic)
{
    struct pic_state *st = &pic->st;
    struct pic_chip *m = &st->chip[MASTER], *s = &st->chip[SLAVE];
    s->int_out = s->int_out || resolve(st, SLAVE) >= 0;
    set_input(m, CASCADE_IR, s->int_out);
    m->int_out = m->int_out || resolve(st, MASTER) >= 0;
    irq_set(&pic->intr, m->int_out);
}

/* The INTA pulses (or a poll read) end the chip's INT; update() raises it
 * again for what is still pending. The slave's INT falling is an edge the
 * master's IR2 sees, so a slave request still pending afterwards is a new
 * request to the master. */
static void end_inta(struct pic_state *st, unsigned n)
{
    st->chip[n].int_out = false;
    if (n == SLAVE)
        st->chip[MASTER].lines &= ~(1u << CASCADE_IR);
}

/* What an INTA (or a poll read) does to the chip that answers it
 * ("Interrupt Sequence"): the IS bit is set and the edge latch cleared; a
 * level request stays while its line is high. In AEOI mode the IS bit
 * clears again at the end of the last INTA pulse, which may rotate
 * priorities ("Automatic End of Interrupt (AEOI) Mode", "Automatic
 * Rotation"). */
static void acknowledge(struct pic_state *st, unsigned n, unsigned ir)
{
    struct pic_chip *c = &st->chip[n];
    uint8_t bit = (uint8_t)(1u << ir);
    c->irr &= ~bit | level_mask(c);
    if (c->icw4 & ICW4_AEOI) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)ir;
    } else {
        c->isr |= bit;
    }
}

int pic_inta(void *opaque)
{
    struct pic *pic = opaque;
    struct pic_state *st = &pic->st;
    struct pic_chip *m = &st->chip[MASTER], *s = &st->chip[SLAVE];
    int vector;

    int ir = resolve(st, MASTER);
    end_inta(st, MASTER);
    if (ir < 0) {
        /* The request went away before INTA: the chip answers with IR7
         * and sets no IS bit ("Interrupt Sequence", step 4). */
        vector = m->vector_base | 7;
    } else {
        acknowledge(st, MASTER, (unsigned)ir);
        if (!cascaded_master(m) || !(m->icw3 & (1u << ir))) {
            vector = m->vector_base | ir;
        } else if ((s->icw3 & 7) == (unsigned)ir) {
            /* The master's IR2 IS bit stays set even when the slave's
             * request went away and the slave answers with its IR7
             * ("Cascade Mode"): the handler of IRQ 15 must send the master
             * an EOI. */
            int sir = resolve(st, SLAVE);
            end_inta(st, SLAVE);
            if (sir < 0) {
                vector = s->vector_base | 7;
            } else {
                acknowledge(st, SLAVE, (unsigned)sir);
                vector = s->vector_base | sir;
            }
        } else {
            /* No slave answers to that cascade address: the bus floats. */
            log_printf(pic->log, LOG_GUEST_ERRORS,
                       "pic: INTA for IR%d finds no slave with that ID\n", ir);
            vector = 0xff;
        }
    }
    update(pic);
    return vector;
}

/* "Poll Command": the read acts as an INTA on this chip alone and returns
 * bit 7 set and the level, or 0 when nothing is pending. */
static uint8_t poll_read(struct pic *pic, unsigned n)
{
    pic->st.chip[n].poll = false;
    int ir = resolve(&pic->st, n);
    end_inta(&pic->st, n);
    if (ir >= 0)
        acknowledge(&pic->st, n, (unsigned)ir);
    update(pic);
    return ir < 0 ? 0 : (uint8_t)(0x80 | ir);
}

/* ICW1 starts the initialization sequence ("Initialization Command Words"):
 * the edge sense circuit is reset, IMR cleared, IR7 gets the lowest
 * priority, the slave address becomes 7, special mask mode and the status
 * read are reset, and without IC4 the ICW4 functions are cleared. The list
 * leaves ISR alone; clearing it keeps a level left in service by the old
 * programming from blocking its own and lower levels for good. */
static void write_icw1(struct pic_state *st, unsigned n, uint8_t v)
{
    struct pic_chip *c = &st->chip[n];
    end_inta(st, n);
    c->icw1 = v;
    c->init_step = INIT_ICW2;
    c->imr = 0;
    c->isr = 0;
    c->irr = c->lines & level_mask(c);
    c->lowest = 7;
    c->icw3 = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_aeoi = false;
    if (!(v & ICW1_IC4))
        c->icw4 = 0;
}

/* OCW2: R, SL and EOI select the command; L2-L0 the level of the specific
 * ones ("Operation Command Words", "End of Interrupt", "Specific
 * Rotation"). A non-specific EOI ends the highest-priority level in
 * service. */
static void write_ocw2(struct pic_chip *c, uint8_t v)
{
    unsigned level = v & 7;
    int ir;

    switch (v >> 5) {
    case 0: /* rotate in automatic EOI mode (clear) */
        c->rotate_aeoi = false;
        break;
    case 4: /* rotate in automatic EOI mode (set) */
        c->rotate_aeoi = true;
        break;
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        ir = highest(c, c->isr);
        if (ir < 0)
            break;
        c->isr &= ~(1u << ir);
        if (v & 0x80)
            c->lowest = (uint8_t)ir;
        break;
    case 3: /* specific EOI */
        c->isr &= ~(1u << level);
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << level);
        c->lowest = (uint8_t)level;
        break;
    case 6: /* set priority */
        c->lowest = (uint8_t)level;
        break;
    default: /* 2: no operation */
        break;
    }
}

static void write_ocw3(struct pic_chip *c, uint8_t v)
{
    if (v & OCW3_ESMM)
        c->special_mask = (v & OCW3_SMM) != 0;
    if (v & OCW3_RR)
        c->read_isr = (v & OCW3_RIS) != 0;
    c->poll = (v & OCW3_POLL) != 0;
}

static void write_odd(struct pic *pic, unsigned n, uint8_t v)
{
    struct pic_chip *c = &pic->st.chip[n];
    switch (c->init_step) {
    case INIT_ICW2:
        /* In 8086 mode T7-T3 are the vector's top bits and the chip adds
         * the level ("Interrupt Sequence Outputs"). */
        c->vector_base = v & 0xf8;
        if (!(c->icw1 & ICW1_SNGL))
            c->init_step = INIT_ICW3;
        else
            c->init_step = (c->icw1 & ICW1_IC4) ? INIT_ICW4 : INIT_READY;
        break;
    case INIT_ICW3:
        c->icw3 = v;
        c->init_step = (c->icw1 & ICW1_IC4) ? INIT_ICW4 : INIT_READY;
        break;
    case INIT_ICW4:
        c->icw4 = v & ICW4_MASK;
        c->init_step = INIT_READY;
        /* An x86 CPU only understands the 8086-mode answer, which the
         * chip gives whatever the mode. */
        if (!(v & ICW4_UPM))
            log_printf(pic->log, LOG_GUEST_ERRORS,
                       "pic %s: ICW4 selects 8080/8085 mode; answering in 8086 mode\n",
                       chip_name[n]);
        break;
    default:
        c->imr = v;
        break;
    }
}

static void write_reg(struct pic *pic, unsigned n, unsigned a0, uint8_t v)
{
    struct pic_chip *c = &pic->st.chip[n];
    if (a0)
        write_odd(pic, n, v);
    else if (v & ICW1_SELECT)
        write_icw1(&pic->st, n, v);
    else if (v & OCW3_SELECT)
        write_ocw3(c, v);
    else
        write_ocw2(c, v);
    update(pic);
}

/* "Reading the 8259A Status": the even port gives IRR or ISR as OCW3 last
 * chose, the odd port IMR; a pending poll command takes either read. */
static uint8_t read_reg(struct pic *pic, unsigned n, unsigned a0)
{
    struct pic_chip *c = &pic->st.chip[n];
    if (c->poll)
        return poll_read(pic, n);
    if (a0)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

static void write_elcr(struct pic *pic, unsigned n, uint8_t v)
{
    struct pic_chip *c = &pic->st.chip[n];
    c->elcr = v & elcr_writable[n];
    /* A line that became level-triggered requests while it is high. */
    uint8_t lm = level_mask(c);
    c->irr = (uint8_t)((c->irr & ~lm) | (c->lines & lm));
    update(pic);
}

/* Each chip is an 8-bit device: a wider access reaches consecutive
 * registers, as the ISA bus splits it. */
static uint32_t master_read(void *opaque, uint32_t offset, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(opaque, MASTER, (offset + i) & 1) << (8 * i);
    return v;
}

static void master_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        write_reg(opaque, MASTER, (offset + i) & 1, (value >> (8 * i)) & 0xff);
}

static uint32_t slave_read(void *opaque, uint32_t offset, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(opaque, SLAVE, (offset + i) & 1) << (8 * i);
    return v;
}

static void slave_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        write_reg(opaque, SLAVE, (offset + i) & 1, (value >> (8 * i)) & 0xff);
}

static uint32_t elcr_read(void *opaque, uint32_t offset, unsigned size)
{
    struct pic *pic = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)pic->st.chip[(offset + i) & 1].elcr << (8 * i);
    return v;
}

static void elcr_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        write_elcr(opaque, (offset + i) & 1, (value >> (8 * i)) & 0xff);
}

static const struct io_ops master_io_ops = { .read = master_read, .write = master_write };
static const struct io_ops slave_io_ops = { .read = slave_read, .write = slave_write };
static const struct io_ops elcr_io_ops = { .read = elcr_read, .write = elcr_write };

void pic_set_irq(struct pic *pic, unsigned irq, bool level)
{
    if (irq > 15) {
        log_printf(pic->log, LOG_GUEST_ERRORS, "pic: IRQ %u does not exist\n", irq);
        return;
    }
    if (irq == CASCADE_IR)
        irq = 9;
    set_input(&pic->st.chip[irq >> 3], irq & 7, level);
    update(pic);
}

static void line_set(void *opaque, unsigned line, bool level)
{
    pic_set_irq(opaque, line, level);
}

struct irq_line pic_irq_line(struct pic *pic, unsigned irq)
{
    return (struct irq_line){ line_set, pic, irq };
}

/* Values a guest could never leave in the registers are refused, so that
 * a bad state file cannot put the chips where no sequence of writes can. */
static int pic_post_load(void *obj, char *err, size_t errlen)
{
    struct pic *pic = obj;
    for (unsigned n = 0; n < 2; n++) {
        const struct pic_chip *c = &pic->st.chip[n];
        const char *why = NULL;
        if (c->init_step != INIT_READY && c->init_step != INIT_ICW2 &&
            c->init_step != INIT_ICW3 && c->init_step != INIT_ICW4)
            why = "initialization step out of range";
        else if (c->lowest > 7)
            why = "priority level out of range";
        else if (c->vector_base & 7)
            why = "vector base has its level bits set";
        else if (c->icw4 & ~ICW4_MASK)
            why = "ICW4 has reserved bits set";
        else if (c->elcr & ~elcr_writable[n])
            why = "ELCR has reserved bits set";
        else if (c->irr & ~c->lines)
            why = "a request is latched on a low line";
        else if ((c->irr ^ c->lines) & level_mask(c))
            why = "a level-triggered request disagrees with its line";
        if (why) {
            snprintf(err, errlen, "pic %s: %s", chip_name[n], why);
            return -1;
        }
    }
    update(pic);
    return 0;
}

#define CHIP_FIELDS(n)                                               \
    STATE_FIELD(struct pic, st.chip[n].irr, 0),                      \
    STATE_FIELD(struct pic, st.chip[n].isr, 0),                      \
    STATE_FIELD(struct pic, st.chip[n].imr, 0),                      \
    STATE_FIELD(struct pic, st.chip[n].lines, 0),                    \
    STATE_FIELD(struct pic, st.chip[n].elcr, 0),                     \
    STATE_FIELD(struct pic, st.chip[n].icw1, 0),                     \
    STATE_FIELD(struct pic, st.chip[n].icw3, 0),                     \
    STATE_FIELD(struct pic, st.chip[n].icw4, 0),                     \
    STATE_FIELD(struct pic, st.chip[n].vector_base, 0),              \
    STATE_FIELD(struct pic, st.chip[n].init_step, INIT_READY),       \
    STATE_FIELD(struct pic, st.chip[n].lowest, 7),                   \
    STATE_FIELD(struct pic, st.chip[n].read_isr, false),             \
    STATE_FIELD(struct pic, st.chip[n].poll, false),                 \
    STATE_FIELD(struct pic, st.chip[n].special_mask, false),         \
    STATE_FIELD(struct pic, st.chip[n].rotate_aeoi, false),          \
    STATE_FIELD(struct pic, st.chip[n].int_out, false)

/* The 8259A has no reset pin, so its power-on state is a choice: nothing
 * masked, requested or in service, IR0 highest, vectors 0-7 and no slave
 * attached (ICW3 0) until the firmware initializes the chips; ELCR all
 * edge, its reset value in the chipset datasheet. */
static const struct state_field pic_fields[] = {
    CHIP_FIELDS(0),
    CHIP_FIELDS(1),
};

const struct state_desc pic_state_desc = {
    .name = "pic",
    .version = 1,
    .fields = pic_fields,
    .field_count = sizeof(pic_fields) / sizeof(pic_fields[0]),
    .post_load = pic_post_load,
};

void pic_reset(struct pic *pic)
{
    state_reset(&pic_state_desc, pic);
    update(pic);
}

struct pic *pic_create(struct io_bus *io, struct irq_line intr, const struct logger *log)
{
    struct pic *pic = calloc(1, sizeof(*pic));
    if (!pic)
        return NULL;
    pic->intr = intr;
    pic->log = log;
    pic_reset(pic);
    if (io_register(io, 0x20, 2, &master_io_ops, pic) < 0 ||
        io_register(io, 0xa0, 2, &slave_io_ops, pic) < 0 ||
        io_register(io, 0x4d0, 2, &elcr_io_ops, pic) < 0) {
        io_unregister_all(io, pic);
        free(pic);
        return NULL;
    }
    return pic;
}

void pic_destroy(struct pic *pic)
{
    free(pic);
}
