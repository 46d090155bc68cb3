/*
 * An interrupt line watched by a test: its level and how many times it
 * rose. Hand irq_probe_line(&probe, n) to a device as its IRQ line.
 */
#ifndef TESTS_UNIT_IRQ_PROBE_H
#define TESTS_UNIT_IRQ_PROBE_H

#include <stdbool.h>

#include "lintas/irq.h"

struct irq_probe {
    bool level;
    unsigned rises;
};

static inline void irq_probe_set(void *opaque, unsigned line, bool level)
{
    struct irq_probe *p = opaque;
    (void)line;
    if (level && !p->level)
        p->rises++;
    p->level = level;
}

static inline struct irq_line irq_probe_line(struct irq_probe *p, unsigned line)
{
    return (struct irq_line){ irq_probe_set, p, line };
}

#endif
