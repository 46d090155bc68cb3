/*
 * The x87 FPU's register stack and status word as the instructions use
 * them (SDM vol. 1, 8.1): ST(i) is physical register (TOP + i) mod 8, the
 * tag word keeps two bits per physical register, and a pending unmasked
 * exception is FSW.ES. Shared by the x87 instructions (cpu/exec_fpu.c)
 * and the MMX instructions, which alias the same registers.
 */
#ifndef CPU_FPU_H
#define CPU_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "fx80.h"
#include "lintas/cpu.h"

/* Status word bits besides the exception flags (SDM vol. 1, 8.1.3). */
enum {
    FSW_ES = 1u << 7, /* error summary: an unmasked exception is pending */
    FSW_C0 = 1u << 8,
    FSW_C1 = 1u << 9,
    FSW_C2 = 1u << 10,
    FSW_TOP = 7u << 11,
    FSW_C3 = 1u << 14,
    FSW_B = 1u << 15, /* busy: mirrors ES since the 387 */
};
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)
#define FSW_TOP_SHIFT 11
#define FX_EXCEPTIONS 0x3fu /* IE..PE: the flags the control word masks */

/* Tag values (SDM vol. 1, 8.1.7). */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

/* Control word after FNINIT, and at power-up (SDM vol. 3, table 9-1). */
#define FCW_INIT 0x037fu
#define FCW_POWER_ON 0x0040u
#define FTW_ALL_ZERO 0x5555u /* every register +0.0 */
#define FTW_ALL_EMPTY 0xffffu

static inline struct fx80 fx80_of_reg(struct fpu_reg r)
{
    return (struct fx80){ r.mant, r.sign_exp };
}
static inline struct fpu_reg reg_of_fx80(struct fx80 v)
{
    return (struct fpu_reg){ v.mant, v.sign_exp };
}

static inline unsigned fpu_top(const struct fpu *f)
{
    return (f->fsw & FSW_TOP) >> FSW_TOP_SHIFT;
}
static inline void fpu_set_top(struct fpu *f, unsigned top)
{
    f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | ((top & 7) << FSW_TOP_SHIFT));
}
/* The physical register number of ST(i). */
static inline unsigned fpu_phys(const struct fpu *f, unsigned i)
{
    return (fpu_top(f) + i) & 7;
}
static inline unsigned fpu_tag(const struct fpu *f, unsigned phys)
{
    return (f->ftw >> (2 * phys)) & 3;
}
static inline void fpu_set_tag(struct fpu *f, unsigned phys, unsigned tag)
{
    f->ftw = (uint16_t)((f->ftw & ~(3u << (2 * phys))) | (tag << (2 * phys)));
}

/* The tag a value earns in a register (SDM vol. 1, 8.1.7): zero, a
 * normal number (integer bit set, exponent neither 0 nor all ones), or
 * anything else (NaN, infinity, denormal, unsupported). */
static inline unsigned fpu_tag_of(struct fpu_reg r)
{
    unsigned exp = r.sign_exp & 0x7fff;
    if (exp == 0)
        return r.mant == 0 ? TAG_ZERO : TAG_SPECIAL;
    if (exp == 0x7fff || !(r.mant >> 63))
        return TAG_SPECIAL;
    return TAG_VALID;
}

/* FNINIT and FINIT (SDM vol. 2, FINIT/FNINIT): default control word,
 * clear status, every register empty, pointers 0; contents stay. */
static inline void fpu_init(struct fpu *f)
{
    f->fcw = FCW_INIT;
    f->fsw = 0;
    f->ftw = FTW_ALL_EMPTY;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

/* The FPU state at power-up and RESET (SDM vol. 3, 9.1.1, table 9-1):
 * every register +0.0 and tagged so, all exceptions unmasked. */
static inline void fpu_power_on(struct fpu *f)
{
    for (unsigned i = 0; i < 8; i++)
        f->r[i] = (struct fpu_reg){ 0, 0 };
    fpu_init(f);
    f->fcw = FCW_POWER_ON;
    f->ftw = FTW_ALL_ZERO;
}

/* Before an x87 instruction that waits (all but FNINIT, FNCLEX, FNSTSW,
 * FNSTCW, FNSTENV and FNSAVE), WAIT and the MMX instructions: take a
 * pending unmasked exception, as #MF with CR0.NE set or through FERR#
 * without (SDM vol. 1, 8.7 and D.2). */
void fpu_check_pending(struct cpu *cpu);

#endif
