/* The two 8259A interrupt controllers of a PC through the port bus and the
 * INTA cycle, against the Intel 8259A datasheet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pic.h"
#include "lintas/io.h"
#include "lintas/state.h"
#include "unit_check.h"

enum { M_CMD = 0x20, M_DATA = 0x21, S_CMD = 0xa0, S_DATA = 0xa1, ELCR1 = 0x4d0, ELCR2 = 0x4d1 };
enum { READ_IRR = 0x0a, READ_ISR = 0x0b, POLL = 0x0c, EOI = 0x20 };

/* The CPU's INTR pin as the controllers drive it. */
struct intr_probe {
    bool level;
    unsigned changes;
};

static void probe_set(void *opaque, unsigned line, bool level)
{
    struct intr_probe *p = opaque;
    (void)line;
    if (p->level != level)
        p->changes++;
    p->level = level;
}

/* The controllers on a bus of their own. */
struct bench {
    struct io_bus *io;
    struct pic *pic;
    struct intr_probe intr;
};

static void bench_close(struct bench *b)
{
    pic_destroy(b->pic);
    io_destroy(b->io);
    free(b);
}

static struct bench *bench_open(struct unit_tally *t, const struct logger *log)
{
    struct bench *b = calloc(1, sizeof(*b));
    if (!b || !(b->io = io_create())) {
        fprintf(stderr, "test_pic: out of memory\n");
        exit(2);
    }
    b->pic = pic_create(b->io, (struct irq_line){ probe_set, &b->intr, 0 }, log);
    if (CHECK(t, b->pic != NULL))
        return b;
    io_destroy(b->io);
    free(b);
    return NULL;
}

static void outb(struct bench *b, uint16_t port, uint8_t v)
{
    io_write(b->io, port, v, 1);
}

static uint8_t inb(struct bench *b, uint16_t port)
{
    return (uint8_t)io_read(b->io, port, 1);
}

static uint8_t irr(struct bench *b, uint16_t cmd)
{
    outb(b, cmd, READ_IRR);
    return inb(b, cmd);
}

static uint8_t isr(struct bench *b, uint16_t cmd)
{
    outb(b, cmd, READ_ISR);
    return inb(b, cmd);
}

static void irq(struct bench *b, unsigned n, bool level)
{
    pic_set_irq(b->pic, n, level);
}

/* A new request on an edge-triggered line: low, then high. */
static void pulse_up(struct bench *b, unsigned n)
{
    irq(b, n, false);
    irq(b, n, true);
}

static void init_chip(struct bench *b, uint16_t cmd, uint8_t icw1, uint8_t base, uint8_t icw3,
                      uint8_t icw4)
{
    outb(b, cmd, icw1);
    outb(b, cmd + 1, base);
    outb(b, cmd + 1, icw3);
    outb(b, cmd + 1, icw4);
}

/* What a PC BIOS programs: edge-triggered, cascaded on IR2, 8086 mode,
 * vectors 08h and 70h. */
static void bios_init(struct bench *b, uint8_t master_icw4, uint8_t slave_icw4)
{
    init_chip(b, M_CMD, 0x11, 0x08, 0x04, master_icw4);
    init_chip(b, S_CMD, 0x11, 0x70, 0x02, slave_icw4);
}

static void test_power_on_and_reset(struct unit_tally *t, struct bench *b)
{
    CHECK(t, !b->intr.level);
    CHECK(t, inb(b, M_DATA) == 0 && inb(b, S_DATA) == 0);
    CHECK(t, inb(b, M_CMD) == 0 && isr(b, M_CMD) == 0);
    CHECK(t, io_read(b->io, ELCR1, 2) == 0);
    /* Vectors 0-7 until the firmware programs the chips. */
    irq(b, 1, true);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x01);

    bios_init(b, 0x01, 0x01);
    outb(b, M_DATA, 0xe0);
    outb(b, ELCR2, 0x08);
    pulse_up(b, 4);
    CHECK(t, pic_inta(b->pic) == 0x0c);
    irq(b, 5, true);
    pic_reset(b->pic);
    CHECK(t, !b->intr.level);
    CHECK(t, inb(b, M_DATA) == 0 && isr(b, M_CMD) == 0 && irr(b, M_CMD) == 0);
    CHECK(t, inb(b, ELCR2) == 0);
    pulse_up(b, 3);
    CHECK(t, pic_inta(b->pic) == 0x03);
}

static void test_init_sequence(struct unit_tally *t, struct bench *b)
{
    outb(b, M_DATA, 0xff);
    outb(b, S_DATA, 0xff);
    bios_init(b, 0x01, 0x01);
    /* ICW1 clears IMR. */
    CHECK(t, inb(b, M_DATA) == 0 && inb(b, S_DATA) == 0);
    irq(b, 0, true);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x08);
    CHECK(t, isr(b, M_CMD) == 0x01);
    CHECK(t, irr(b, M_CMD) == 0x00);
    irq(b, 8, true);
    outb(b, M_CMD, EOI);
    CHECK(t, pic_inta(b->pic) == 0x70);

    /* ICW2's low bits are the level's, not the base's. */
    init_chip(b, M_CMD, 0x11, 0x0f, 0x04, 0x01);
    pulse_up(b, 1);
    CHECK(t, pic_inta(b->pic) == 0x09);

    /* Single mode without ICW4: no ICW3, and the next data write is OCW1.
     * The slave's INT on IR2 is then an ordinary request. */
    outb(b, M_CMD, 0x12);
    outb(b, M_DATA, 0x20);
    outb(b, M_DATA, 0xf9);
    CHECK(t, inb(b, M_DATA) == 0xf9);
    pulse_up(b, 1);
    CHECK(t, pic_inta(b->pic) == 0x21);
    outb(b, M_CMD, EOI);
    outb(b, S_CMD, EOI);
    pulse_up(b, 8);
    CHECK(t, pic_inta(b->pic) == 0x22);
    CHECK(t, isr(b, S_CMD) == 0);

    /* ICW1 starts over even in the middle of a sequence. */
    outb(b, M_CMD, 0x11);
    outb(b, M_CMD, 0x11);
    outb(b, M_DATA, 0x50);
    outb(b, M_DATA, 0x04);
    outb(b, M_DATA, 0x01);
    outb(b, M_DATA, 0xbf);
    CHECK(t, inb(b, M_DATA) == 0xbf);
    pulse_up(b, 6);
    CHECK(t, pic_inta(b->pic) == 0x56);
}

static void test_8080_mode_logged(struct unit_tally *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!CHECK(t, out != NULL))
        return;
    struct logger log = { out, LOG_GUEST_ERRORS };
    struct bench *b = bench_open(t, &log);
    if (b) {
        init_chip(b, M_CMD, 0x11, 0x08, 0x04, 0x00);
        pulse_up(b, 3);
        CHECK(t, pic_inta(b->pic) == 0x0b);
        bench_close(b);
    }
    fclose(out);
    CHECK_STR(t, text, "pic master: ICW4 selects 8080/8085 mode; answering in 8086 mode\n");
    free(text);
}

static void test_masking(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    outb(b, M_DATA, 0x02);
    irq(b, 1, true);
    CHECK(t, !b->intr.level);
    CHECK(t, irr(b, M_CMD) == 0x02); /* requested, only masked */
    outb(b, M_DATA, 0x00);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x09);
    outb(b, M_CMD, EOI);

    /* A masked slave line does not reach the master. */
    outb(b, S_DATA, 0x10);
    irq(b, 12, true);
    CHECK(t, !b->intr.level);
    CHECK(t, (irr(b, M_CMD) & 0x04) == 0);
    outb(b, S_DATA, 0x00);
    CHECK(t, b->intr.level && (irr(b, M_CMD) & 0x04));
    CHECK(t, pic_inta(b->pic) == 0x74);
    outb(b, S_CMD, EOI);
    outb(b, M_CMD, EOI);

    /* Masking the cascade input holds back the whole slave. */
    outb(b, M_DATA, 0x04);
    irq(b, 8, true);
    CHECK(t, !b->intr.level);
    outb(b, M_DATA, 0x00);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x70);
}

static void test_priority_eoi_nesting(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    irq(b, 5, true);
    irq(b, 3, true);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    CHECK(t, !b->intr.level); /* IR5 waits behind IR3 in service */
    CHECK(t, isr(b, M_CMD) == 0x08);
    irq(b, 1, true);
    CHECK(t, b->intr.level); /* a higher level nests */
    CHECK(t, pic_inta(b->pic) == 0x09);
    CHECK(t, isr(b, M_CMD) == 0x0a);
    outb(b, M_CMD, EOI); /* non-specific: the highest in service */
    CHECK(t, isr(b, M_CMD) == 0x08);
    CHECK(t, !b->intr.level);
    outb(b, M_CMD, 0x63); /* specific EOI for IR3 */
    CHECK(t, isr(b, M_CMD) == 0x00);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0d);
    irq(b, 7, true);
    CHECK(t, !b->intr.level);
    outb(b, M_CMD, EOI);
    CHECK(t, pic_inta(b->pic) == 0x0f);
    CHECK(t, isr(b, M_CMD) == 0x80); /* a real IR7 is in service */
    outb(b, M_CMD, EOI);

    /* A specific EOI ends a level that is not the highest. */
    pulse_up(b, 4);
    CHECK(t, pic_inta(b->pic) == 0x0c);
    pulse_up(b, 1);
    CHECK(t, pic_inta(b->pic) == 0x09);
    CHECK(t, isr(b, M_CMD) == 0x12);
    outb(b, M_CMD, 0x64);
    CHECK(t, isr(b, M_CMD) == 0x02);
    /* A non-specific EOI with nothing in service changes nothing. */
    outb(b, M_CMD, EOI);
    outb(b, M_CMD, EOI);
    CHECK(t, isr(b, M_CMD) == 0x00);
}

static void test_auto_eoi(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x03, 0x01);
    irq(b, 4, true);
    CHECK(t, pic_inta(b->pic) == 0x0c);
    CHECK(t, isr(b, M_CMD) == 0);
    CHECK(t, !b->intr.level); /* the line is still high: no new edge */
    irq(b, 6, true);
    CHECK(t, b->intr.level); /* nothing in service holds IR6 back */
    CHECK(t, pic_inta(b->pic) == 0x0e);
    pulse_up(b, 4);
    CHECK(t, pic_inta(b->pic) == 0x0c);
    CHECK(t, isr(b, M_CMD) == 0);
    /* A slave interrupt through an AEOI master leaves IR2 free. */
    irq(b, 10, true);
    CHECK(t, pic_inta(b->pic) == 0x72);
    CHECK(t, isr(b, M_CMD) == 0 && isr(b, S_CMD) == 0x04);
}

static void test_rotation(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    irq(b, 3, true);
    irq(b, 4, true);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    outb(b, M_CMD, 0xa0); /* rotate on non-specific EOI: IR3 becomes lowest */
    CHECK(t, isr(b, M_CMD) == 0);
    CHECK(t, pic_inta(b->pic) == 0x0c);
    irq(b, 1, true);
    CHECK(t, !b->intr.level); /* IR1 now ranks below IR4 */
    outb(b, M_CMD, EOI);
    CHECK(t, pic_inta(b->pic) == 0x09);
    outb(b, M_CMD, EOI);

    /* Set priority: IR4 lowest, so IR5 ranks first and IR0 after IR7. */
    outb(b, M_CMD, 0xc4);
    irq(b, 0, true);
    irq(b, 7, true);
    irq(b, 5, true);
    CHECK(t, pic_inta(b->pic) == 0x0d);
    outb(b, M_CMD, EOI);
    CHECK(t, pic_inta(b->pic) == 0x0f);
    outb(b, M_CMD, EOI);
    CHECK(t, pic_inta(b->pic) == 0x08);
    /* Rotate on specific EOI: IR0 ends and becomes lowest. */
    outb(b, M_CMD, 0xe0);
    CHECK(t, isr(b, M_CMD) == 0);
    pulse_up(b, 0);
    pulse_up(b, 7);
    CHECK(t, pic_inta(b->pic) == 0x0f);
    outb(b, M_CMD, 0xc7);
    outb(b, M_CMD, 0x67);
    CHECK(t, pic_inta(b->pic) == 0x08);
    outb(b, M_CMD, EOI);

    /* Rotate in AEOI mode: each level served becomes the lowest. */
    init_chip(b, M_CMD, 0x11, 0x08, 0x04, 0x03);
    outb(b, M_CMD, 0x80);
    irq(b, 3, false);
    irq(b, 3, true);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    irq(b, 1, false);
    irq(b, 5, false);
    irq(b, 1, true);
    irq(b, 5, true);
    CHECK(t, pic_inta(b->pic) == 0x0d);
    pulse_up(b, 4);
    CHECK(t, pic_inta(b->pic) == 0x09); /* IR1 before IR4 once IR5 is lowest */
    CHECK(t, pic_inta(b->pic) == 0x0c);
    /* Cleared, AEOI no longer rotates: IR4 stays lowest. */
    outb(b, M_CMD, 0x00);
    pulse_up(b, 0);
    pulse_up(b, 6);
    CHECK(t, pic_inta(b->pic) == 0x0e);
    pulse_up(b, 6);
    CHECK(t, pic_inta(b->pic) == 0x0e);
    CHECK(t, pic_inta(b->pic) == 0x08);
}

static void test_special_mask(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    irq(b, 3, true);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    irq(b, 5, true);
    CHECK(t, !b->intr.level);
    outb(b, M_DATA, 0x08);
    CHECK(t, !b->intr.level); /* masking alone does not lift the nesting */
    outb(b, M_CMD, 0x68);     /* set special mask mode */
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0d);
    CHECK(t, isr(b, M_CMD) == 0x28);
    irq(b, 6, true);
    CHECK(t, !b->intr.level); /* IR5 in service and unmasked still nests */
    irq(b, 4, true);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0c);
    outb(b, M_CMD, 0x64);
    outb(b, M_CMD, 0x65);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0e);
    outb(b, M_CMD, 0x66);
    /* Reset special mask mode: IR3 in service holds IR7 back again. */
    outb(b, M_CMD, 0x48);
    irq(b, 7, true);
    CHECK(t, !b->intr.level);
    outb(b, M_CMD, 0x68);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0f);
    outb(b, M_CMD, 0x67);
    /* OCW3 without ESMM leaves the mode alone. */
    outb(b, M_CMD, 0x28);
    pulse_up(b, 7);
    CHECK(t, b->intr.level);
}

static void test_poll(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    irq(b, 6, true);
    CHECK(t, b->intr.level);
    outb(b, M_CMD, READ_ISR);
    outb(b, M_CMD, POLL);
    CHECK(t, inb(b, M_CMD) == 0x86);
    CHECK(t, !b->intr.level);     /* the read was the acknowledge */
    CHECK(t, inb(b, M_CMD) == 0x40); /* poll is over: ISR as OCW3 chose */
    outb(b, M_CMD, EOI);
    outb(b, M_CMD, POLL);
    CHECK(t, inb(b, M_CMD) == 0x00);

    /* A poll takes a read of the odd port too. */
    irq(b, 5, true);
    outb(b, M_CMD, POLL);
    CHECK(t, inb(b, M_DATA) == 0x85);
    CHECK(t, inb(b, M_DATA) == 0x00);
    outb(b, M_CMD, EOI);

    /* A polled system finds a slave request at the master's IR2, then
     * polls the slave. */
    irq(b, 13, true);
    outb(b, M_CMD, POLL);
    CHECK(t, inb(b, M_CMD) == 0x82);
    outb(b, S_CMD, POLL);
    CHECK(t, inb(b, S_CMD) == 0x85);
    CHECK(t, isr(b, M_CMD) == 0x04 && isr(b, S_CMD) == 0x20);
    CHECK(t, !b->intr.level);
}

static void test_read_registers(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    CHECK(t, inb(b, M_CMD) == 0); /* IRR after initialization */
    outb(b, M_DATA, 0x08);
    irq(b, 1, true);
    irq(b, 3, true);
    CHECK(t, inb(b, M_CMD) == 0x0a);
    CHECK(t, pic_inta(b->pic) == 0x09);
    CHECK(t, isr(b, M_CMD) == 0x02);
    CHECK(t, inb(b, M_CMD) == 0x02); /* the choice stays */
    outb(b, M_CMD, 0x08);            /* OCW3 without RR keeps it */
    CHECK(t, inb(b, M_CMD) == 0x02);
    CHECK(t, irr(b, M_CMD) == 0x08);
    CHECK(t, inb(b, M_DATA) == 0x08);
    /* A 16-bit read takes both registers. */
    CHECK(t, io_read(b->io, M_CMD, 2) == 0x0808);
}

static void test_cascade(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    irq(b, 10, true);
    CHECK(t, b->intr.level);
    CHECK(t, irr(b, M_CMD) == 0x04 && irr(b, S_CMD) == 0x04);
    CHECK(t, pic_inta(b->pic) == 0x72);
    CHECK(t, isr(b, M_CMD) == 0x04 && isr(b, S_CMD) == 0x04);
    /* Fully nested: the master's IR2 in service holds back even a higher
     * slave level. */
    irq(b, 8, true);
    CHECK(t, !b->intr.level);
    outb(b, S_CMD, EOI);
    CHECK(t, !b->intr.level);
    outb(b, M_CMD, EOI);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x70);
    outb(b, S_CMD, EOI);
    outb(b, M_CMD, EOI);

    /* Two slave requests at once arrive one after the other. */
    irq(b, 11, true);
    irq(b, 12, true);
    CHECK(t, pic_inta(b->pic) == 0x73);
    outb(b, S_CMD, EOI);
    outb(b, M_CMD, EOI);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x74);
    outb(b, S_CMD, EOI);
    outb(b, M_CMD, EOI);

    /* The AT bus routes IRQ 2 to IRQ 9; an irq_line reaches the slave. */
    irq(b, 2, true);
    CHECK(t, pic_inta(b->pic) == 0x71);
    outb(b, S_CMD, EOI);
    outb(b, M_CMD, EOI);
    struct irq_line line = pic_irq_line(b->pic, 14);
    irq_set(&line, true);
    CHECK(t, pic_inta(b->pic) == 0x76);
    outb(b, S_CMD, EOI);
    outb(b, M_CMD, EOI);
    irq(b, 16, true);
    CHECK(t, !b->intr.level);

    /* Special fully nested mode lets the higher slave level through. */
    init_chip(b, M_CMD, 0x11, 0x08, 0x04, 0x11);
    pulse_up(b, 13);
    CHECK(t, pic_inta(b->pic) == 0x75);
    pulse_up(b, 9);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x71);
    CHECK(t, isr(b, M_CMD) == 0x04 && isr(b, S_CMD) == 0x22);

    /* No slave answers a cascade address that is not its ID. */
    init_chip(b, M_CMD, 0x11, 0x08, 0x04, 0x01);
    init_chip(b, S_CMD, 0x11, 0x70, 0x03, 0x01);
    pulse_up(b, 15);
    CHECK(t, pic_inta(b->pic) == 0xff);
    /* ICW1 sets the slave address to 7: a slave left there by an
     * unfinished sequence no longer answers IR2. */
    init_chip(b, S_CMD, 0x11, 0x70, 0x02, 0x01);
    outb(b, M_CMD, EOI);
    pulse_up(b, 14);
    CHECK(t, pic_inta(b->pic) == 0x76);
    outb(b, S_CMD, 0x11);
    outb(b, S_DATA, 0x70);
    outb(b, M_CMD, EOI);
    pulse_up(b, 13);
    CHECK(t, pic_inta(b->pic) == 0xff);
}

static void test_edge_and_level(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    /* Edge: a line held high asks once. */
    irq(b, 3, true);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    outb(b, M_CMD, EOI);
    CHECK(t, !b->intr.level && irr(b, M_CMD) == 0);
    pulse_up(b, 3);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    outb(b, M_CMD, EOI);

    /* Level (ELCR): the line held high asks again after each EOI. */
    outb(b, ELCR1, 0x08);
    CHECK(t, inb(b, ELCR1) == 0x08);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    CHECK(t, irr(b, M_CMD) == 0x08);
    CHECK(t, !b->intr.level);
    outb(b, M_CMD, EOI);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    irq(b, 3, false);
    CHECK(t, irr(b, M_CMD) == 0);
    outb(b, M_CMD, EOI);
    CHECK(t, !b->intr.level);

    /* IRQ 0, 1, 2, 8 and 13 are always edge-triggered. */
    io_write(b->io, ELCR1, 0xffff, 2);
    CHECK(t, inb(b, ELCR1) == 0xf8 && inb(b, ELCR2) == 0xde);
    CHECK(t, io_read(b->io, ELCR1, 2) == 0xdef8);
    outb(b, ELCR1, 0);
    outb(b, ELCR2, 0);

    /* ICW1.LTIM makes every line of the chip level-triggered. */
    init_chip(b, M_CMD, 0x19, 0x08, 0x04, 0x01);
    irq(b, 1, true);
    CHECK(t, pic_inta(b->pic) == 0x09);
    outb(b, M_CMD, EOI);
    CHECK(t, pic_inta(b->pic) == 0x09);
}

static void test_spurious(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    /* The request goes away before INTA; INT stays up until the CPU
     * answers and gets the default IR7 with no IS bit set. */
    irq(b, 4, true);
    irq(b, 4, false);
    CHECK(t, b->intr.level);
    CHECK(t, irr(b, M_CMD) == 0);
    CHECK(t, pic_inta(b->pic) == 0x0f);
    CHECK(t, isr(b, M_CMD) == 0);
    CHECK(t, !b->intr.level);

    /* Masked after INT rose: spurious too, and the request stays. */
    irq(b, 3, true);
    outb(b, M_DATA, 0x08);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x0f);
    CHECK(t, irr(b, M_CMD) == 0x08 && isr(b, M_CMD) == 0);
    outb(b, M_DATA, 0x00);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    outb(b, M_CMD, EOI);

    /* On the slave: its default IR7 (IRQ 15), with the master's IR2 in
     * service, so the handler must send the master an EOI. */
    outb(b, ELCR2, 0x08);
    irq(b, 11, true);
    irq(b, 11, false);
    CHECK(t, b->intr.level);
    CHECK(t, pic_inta(b->pic) == 0x77);
    CHECK(t, isr(b, M_CMD) == 0x04 && isr(b, S_CMD) == 0);
    CHECK(t, !b->intr.level);
    outb(b, M_CMD, EOI);
    CHECK(t, isr(b, M_CMD) == 0);
    irq(b, 12, true);
    irq(b, 12, false);
    CHECK(t, pic_inta(b->pic) == 0x77);
    outb(b, M_CMD, EOI);

    /* INTA with nothing at all pending. */
    CHECK(t, pic_inta(b->pic) == 0x0f);
    CHECK(t, isr(b, M_CMD) == 0);
}

static void test_intr_output(struct unit_tally *t, struct bench *b)
{
    bios_init(b, 0x01, 0x01);
    CHECK(t, !b->intr.level && b->intr.changes == 0);
    irq(b, 0, true);
    CHECK(t, b->intr.level && b->intr.changes == 1);
    irq(b, 1, true);
    CHECK(t, b->intr.changes == 1);
    CHECK(t, pic_inta(b->pic) == 0x08);
    CHECK(t, !b->intr.level && b->intr.changes == 2);
    outb(b, M_CMD, EOI);
    CHECK(t, b->intr.level && b->intr.changes == 3);
    CHECK(t, pic_inta(b->pic) == 0x09);
    CHECK(t, !b->intr.level);
    outb(b, M_CMD, EOI);
    /* Re-initialization drops INT. */
    irq(b, 9, true);
    CHECK(t, b->intr.level);
    init_chip(b, M_CMD, 0x11, 0x08, 0x04, 0x01);
    CHECK(t, !b->intr.level);
}

static void test_state(struct unit_tally *t)
{
    struct bench *a = bench_open(t, NULL);
    struct bench *b = bench_open(t, NULL);
    if (!a || !b)
        goto out;
    bios_init(a, 0x01, 0x01);
    outb(a, M_DATA, 0x40);
    outb(a, ELCR2, 0x08);
    irq(a, 5, true);
    CHECK(t, pic_inta(a->pic) == 0x0d);
    irq(a, 3, true);
    irq(a, 6, true);
    irq(a, 11, true);

    struct state_writer w = { 0 };
    state_save(&pic_state_desc, a->pic, &w);
    if (!CHECK(t, !w.failed))
        goto out;
    char err[200];
    struct state_reader r = { w.buf, w.len, 0 };
    CHECK(t, state_load(&pic_state_desc, b->pic, &r, err, sizeof(err)) == 0);
    CHECK(t, b->intr.level);
    CHECK(t, isr(b, M_CMD) == 0x20 && inb(b, M_DATA) == 0x40 && inb(b, ELCR2) == 0x08);
    CHECK(t, irr(b, M_CMD) == 0x4c && irr(b, S_CMD) == 0x08);
    /* The cascade outranks IR3, and IR3 comes once IR2 ends. */
    CHECK(t, pic_inta(b->pic) == 0x73);
    CHECK(t, isr(b, M_CMD) == 0x24 && isr(b, S_CMD) == 0x08);
    irq(b, 11, false);
    outb(b, S_CMD, EOI);
    outb(b, M_CMD, EOI);
    CHECK(t, pic_inta(b->pic) == 0x0b);
    CHECK(t, pic_inta(a->pic) == 0x73); /* the original goes on alike */

    /* A priority level no command can set is refused; the loser keeps its
     * state. Offset: name length, "pic", version, count, then the
     * master's fields up to lowest. */
    size_t lowest = 4 + 3 + 4 + 4 + 10;
    w.buf[lowest] = 9;
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&pic_state_desc, b->pic, &r, err, sizeof(err)) < 0);
    CHECK(t, strstr(err, "pic master: priority level out of range") != NULL);
    CHECK(t, isr(b, M_CMD) == 0x28 && isr(b, S_CMD) == 0);
    w.buf[lowest] = 7;
    w.buf[4 + 3 + 4 + 4 + 0] |= 0x02; /* IRR bit on a low line */
    r = (struct state_reader){ w.buf, w.len, 0 };
    CHECK(t, state_load(&pic_state_desc, b->pic, &r, err, sizeof(err)) < 0);
    CHECK(t, strstr(err, "request is latched on a low line") != NULL);
    state_writer_free(&w);
out:
    if (a)
        bench_close(a);
    if (b)
        bench_close(b);
}

static void test_ports_taken(struct unit_tally *t)
{
    struct io_bus *io = io_create();
    static const struct io_ops none = { 0 };
    CHECK(t, io_register(io, 0x20, 1, &none, NULL) == 0);
    struct intr_probe p = { 0 };
    CHECK(t, pic_create(io, (struct irq_line){ probe_set, &p, 0 }, NULL) == NULL);
    io_destroy(io);
}

/* The tests that need one freshly created PIC pair, nothing else. */
static void (*const with_bench[])(struct unit_tally *t, struct bench *b) = {
    test_power_on_and_reset,
    test_init_sequence,
    test_masking,
    test_priority_eoi_nesting,
    test_auto_eoi,
    test_rotation,
    test_special_mask,
    test_poll,
    test_read_registers,
    test_cascade,
    test_edge_and_level,
    test_spurious,
    test_intr_output,
};

int main(void)
{
    struct unit_tally t = { 0, 0 };
    for (size_t i = 0; i < sizeof(with_bench) / sizeof(with_bench[0]); i++) {
        struct bench *b = bench_open(&t, NULL);
        if (b) {
            with_bench[i](&t, b);
            bench_close(b);
        }
    }
    test_8080_mode_logged(&t);
    test_state(&t);
    test_ports_taken(&t);
    return UNIT_REPORT(&t);
}
