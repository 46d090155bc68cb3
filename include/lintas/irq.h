/*
 * An interrupt request line from a device to whatever the board wires it to
 * (an interrupt controller input, or nothing).
 */
#ifndef LINTAS_IRQ_H
#define LINTAS_IRQ_H

#include <stdbool.h>

struct irq_line {
    void (*set)(void *opaque, unsigned line, bool level); /* NULL: not wired */
    void *opaque;
    unsigned line;
};

static inline void irq_set(const struct irq_line *irq, bool level)
{
    if (irq->set)
        irq->set(irq->opaque, irq->line, level);
}

#endif
