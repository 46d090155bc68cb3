/*
 * A cache of decoded instructions, keyed by the host address of their first
 * byte and the code size. A hit is checked against the bytes in guest memory
 * right now, so code that rewrites itself never runs a stale decode and
 * nothing has to track writes to code pages.
 */
#ifndef CPU_ICACHE_H
#define CPU_ICACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"

#define ICACHE_BITS 14
#define ICACHE_SIZE (1u << ICACHE_BITS)

struct icache_entry {
    const uint8_t *host; /* first byte in host memory; NULL when empty */
    uint64_t bytes[2];   /* the instruction's bytes, zero-padded */
    uint64_t mask[2];    /* which bits of bytes[] belong to it */
    uint8_t code32;
    struct insn in;
};

struct icache {
    struct icache_entry e[ICACHE_SIZE];
};

static inline struct icache_entry *icache_slot(struct icache *c, const uint8_t *p)
{
    uintptr_t a = (uintptr_t)p;
    return &c->e[(a ^ (a >> ICACHE_BITS)) & (ICACHE_SIZE - 1)];
}

/* p must have 16 readable bytes (the caller checks the page offset). */
static inline bool icache_hit(const struct icache_entry *e, const uint8_t *p, bool code32)
{
    uint64_t w[2];
    if (e->host != p || e->code32 != code32)
        return false;
    memcpy(w, p, sizeof(w));
    return ((w[0] ^ e->bytes[0]) & e->mask[0]) == 0 && ((w[1] ^ e->bytes[1]) & e->mask[1]) == 0;
}

static inline void icache_fill(struct icache_entry *e, const uint8_t *p, bool code32, const struct insn *in)
{
    unsigned len = in->len;
    e->mask[0] = len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
    e->mask[1] = len <= 8 ? 0 : len >= 16 ? ~0ull : (1ull << (8 * (len - 8))) - 1;
    memcpy(e->bytes, p, sizeof(e->bytes));
    e->bytes[0] &= e->mask[0];
    e->bytes[1] &= e->mask[1];
    e->host = p;
    e->code32 = code32;
    e->in = *in;
}

#endif
