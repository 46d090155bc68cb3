/*
 * Hardware breakpoints: decoding DR7, matching instruction, data and I/O
 * breakpoints, and reporting them in DR6 (SDM vol. 3, 17.2 and 17.3.1).
 * See breakpoint.h for how the run loop and the TLB keep this off the fast
 * paths.
 */
#include "breakpoint.h"

#include "access.h"
#include "fault.h"

/* DR7 R/Wn encodings (SDM vol. 3, 17.2.4). */
enum { RW_EXEC = 0, RW_WRITE = 1, RW_IO = 2, RW_DATA = 3 };

static unsigned dr7_rw(uint32_t dr7, unsigned n)
{
    return (dr7 >> (16 + 4 * n)) & 3;
}

static unsigned dr7_len_field(uint32_t dr7, unsigned n)
{
    return (dr7 >> (18 + 4 * n)) & 3;
}

/* LENn 00, 01, 11: 1, 2, 4 bytes. 10 is undefined on the P6; later
 * processors watch 8 bytes with it, and so does this one. */
static unsigned bp_len(const struct cpu *cpu, unsigned n)
{
    static const uint8_t len[4] = { 1, 2, 8, 4 };
    return len[dr7_len_field(cpu->dr[7], n)];
}

/* The processor masks the low address bits by the length, so a range is
 * always aligned (SDM vol. 3, 17.2.5). */
static uint32_t bp_base(const struct cpu *cpu, unsigned n)
{
    return cpu->dr[n] & ~(bp_len(cpu, n) - 1);
}

struct bp_summary {
    uint8_t exec, data, io;
};

/* DR7 and CR4 are the authority; struct cpu caches this summary. */
static struct bp_summary summarize(const struct cpu *cpu)
{
    uint32_t dr7 = cpu->dr[7];
    struct bp_summary s = { 0, 0, 0 };
    for (unsigned n = 0; n < 4; n++) {
        if (!((dr7 >> (2 * n)) & 3)) /* neither Ln nor Gn */
            continue;
        switch (dr7_rw(dr7, n)) {
        case RW_EXEC:
            /* Instruction breakpoints need LEN 00; other lengths are
             * undefined (SDM vol. 3, 17.2.4) and match nothing here. */
            if (dr7_len_field(dr7, n) == 0)
                s.exec |= (uint8_t)(1u << n);
            break;
        case RW_IO:
            /* R/W 10 means I/O only with CR4.DE set; without it the
             * encoding is undefined and watches nothing here. */
            if (cpu->cr4 & CR4_DE)
                s.io |= (uint8_t)(1u << n);
            break;
        default:
            s.data |= (uint8_t)(1u << n);
            break;
        }
    }
    return s;
}

void bp_update(struct cpu *cpu)
{
    struct bp_summary s = summarize(cpu);
    cpu->bp_exec_mask = s.exec;
    cpu->bp_data_mask = s.data;
    cpu->bp_io_mask = s.io;
    /* Pages that no longer hold a breakpoint regain their fast tags at
     * their next fill. */
    for (unsigned n = 0; n < 4; n++)
        if ((s.data | s.exec) & (1u << n))
            tlb_watch_page(cpu, bp_base(cpu, n));
}

/* Does the access [a, a + alen) touch the range [b, b + blen)? An access
 * may wrap past 4 GiB; an aligned breakpoint range cannot. */
static bool overlaps(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
    uint64_t a_end = (uint64_t)a + alen;
    if (b < a_end && a < (uint64_t)b + blen)
        return true;
    return a_end > (1ull << 32) && b < a_end - (1ull << 32);
}

void bp_check_exec(struct cpu *cpu)
{
    struct bp_summary s = summarize(cpu);
    /* A summary gone stale (cpu_reset() rewrites DR7 directly) is
     * refreshed here. */
    if (s.exec != cpu->bp_exec_mask || s.data != cpu->bp_data_mask || s.io != cpu->bp_io_mask)
        bp_update(cpu);
    uint32_t lin = cpu->seg[SEG_CS].base + (uint32_t)cpu->eip;
    uint32_t hits = 0;
    for (unsigned n = 0; n < 4; n++)
        if ((s.exec & (1u << n)) && cpu->dr[n] == lin)
            hits |= 1u << n;
    if (!hits)
        return;
    /* A fault, but unlike the other faults the handler's EFLAGS image has
     * RF as it was, clear: the handler sets RF in the image to resume
     * without the breakpoint firing again (SDM vol. 3, 17.3.1.1). */
    bp_report(cpu, hits);
    cpu_fault(cpu, EXC_DB, 0);
}

void bp_data_access(struct cpu *cpu, uint32_t lin, unsigned size, bool write)
{
    struct bp_summary s = summarize(cpu);
    for (unsigned n = 0; n < 4; n++) {
        if (!(s.data & (1u << n)))
            continue;
        if (!write && dr7_rw(cpu->dr[7], n) == RW_WRITE)
            continue;
        if (overlaps(lin, size, bp_base(cpu, n), bp_len(cpu, n)))
            cpu->bp_hits |= (uint8_t)(1u << n);
    }
}

void bp_io_access(struct cpu *cpu, uint16_t port, unsigned size)
{
    /* The port is compared zero-extended with the whole of DRn. */
    struct bp_summary s = summarize(cpu);
    for (unsigned n = 0; n < 4; n++)
        if ((s.io & (1u << n)) && overlaps(port, size, bp_base(cpu, n), bp_len(cpu, n)))
            cpu->bp_hits |= (uint8_t)(1u << n);
}

unsigned bp_page_watch(const struct cpu *cpu, uint32_t vpage)
{
    struct bp_summary s = summarize(cpu);
    unsigned watch = 0;
    for (unsigned n = 0; n < 4; n++) {
        if ((bp_base(cpu, n) & 0xfffff000u) != vpage)
            continue;
        if (s.exec & (1u << n))
            watch |= BP_WATCH_EXEC;
        if (s.data & (1u << n))
            watch |= dr7_rw(cpu->dr[7], n) == RW_DATA ? BP_WATCH_READ | BP_WATCH_WRITE
                                                      : BP_WATCH_WRITE;
    }
    return watch;
}

void bp_report(struct cpu *cpu, uint32_t bits)
{
    cpu->dr[6] = (cpu->dr[6] & ~DR6_B_MASK) | bits | cpu->bp_hits;
    cpu->bp_hits = 0;
}
