/*
 * Stacks built by far CALLs through gates and by interrupt delivery.
 *
 * Those transfers check the whole frame before they push anything and may
 * switch to an inner stack taken from the TSS (SDM vol. 3, 5.8.5 and 6.12.1).
 * struct stack_frame (cpu/system.h) holds the stack being written so that
 * the registers change only once every check and write has succeeded.
 */
#include "access.h"
#include "fault.h"
#include "system.h"

static uint32_t frame_mask(const struct stack_frame *f)
{
    return (f->ss.attr & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu;
}

void frame_current(struct cpu *cpu, struct stack_frame *f)
{
    f->ss = cpu->seg[SEG_SS];
    f->esp = (uint32_t)cpu->regs[R_ESP];
    f->new_ss = false;
    f->user = cpu_user_access(cpu);
}

void frame_inner(struct cpu *cpu, unsigned dpl, uint32_t ext, struct stack_frame *f)
{
    const struct seg_cache *tr = &cpu->tr;
    uint32_t tss_err = (tr->sel & 0xfffc) | ext;
    uint32_t esp;
    uint16_t sel;

    /* Stack pointers for levels 0..2 follow the back link (SDM vol. 3,
     * figures 7-2 and 7-11). */
    if (tr->attr & 8) { /* 32-bit TSS types have bit 3 set */
        uint32_t at = dpl * 8 + 4;
        if (at + 5 > tr->limit)
            cpu_fault(cpu, EXC_TS, tss_err);
        esp = sys_read(cpu, tr->base + at, 4);
        sel = (uint16_t)sys_read(cpu, tr->base + at + 4, 2);
    } else {
        uint32_t at = dpl * 4 + 2;
        if (at + 3 > tr->limit)
            cpu_fault(cpu, EXC_TS, tss_err);
        esp = sys_read(cpu, tr->base + at, 2);
        sel = (uint16_t)sys_read(cpu, tr->base + at + 2, 2);
    }

    uint32_t err = (sel & 0xfffc) | ext;
    struct descriptor d;
    if ((sel & 0xfffc) == 0)
        cpu_fault(cpu, EXC_TS, ext);
    if (!seg_fetch_descriptor(cpu, sel, &d) || (sel & 3) != dpl)
        cpu_fault(cpu, EXC_TS, err);
    uint16_t attr = desc_attr(d);
    bool writable_data = (attr & SEG_ATTR_S) && !(attr & SEG_TYPE_CODE) && (attr & SEG_TYPE_RW);
    if (attr_dpl(attr) != dpl || !writable_data)
        cpu_fault(cpu, EXC_TS, err);
    if (!(attr & SEG_ATTR_P))
        cpu_fault(cpu, EXC_SS, err);
    seg_set_accessed(cpu, sel, &d);

    seg_cache_set(&f->ss, sel, desc_base(d), desc_limit(d), desc_attr(d));
    f->esp = esp;
    f->new_ss = true;
    f->user = dpl == 3;
}

void frame_reserve(struct cpu *cpu, const struct stack_frame *f, unsigned bytes, int vector,
                   uint32_t error_code)
{
    uint32_t mask = frame_mask(f);
    if (!(f->ss.acc & SEG_ACC_WRITE))
        cpu_fault(cpu, vector, error_code);
    /* Byte by byte, so that a 16-bit stack pointer wrapping below zero is
     * judged exactly as the pushes will address it. */
    for (unsigned k = 1; k <= bytes; k++) {
        uint32_t off = (f->esp - k) & mask;
        if (off < f->ss.lo || off > f->ss.hi)
            cpu_fault(cpu, vector, error_code);
    }
}

void frame_push(struct cpu *cpu, struct stack_frame *f, uint32_t value, unsigned size)
{
    uint32_t mask = frame_mask(f);
    f->esp = (f->esp & ~mask) | ((f->esp - size) & mask);
    lin_write_priv(cpu, f->ss.base + (f->esp & mask), value, size, f->user);
}

void frame_commit(struct cpu *cpu, const struct stack_frame *f)
{
    if (f->new_ss)
        cpu->seg[SEG_SS] = f->ss;
    cpu->regs[R_ESP] = f->esp;
}
