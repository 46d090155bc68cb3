/*
 * Shifts and rotates: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR) and the
 * double shifts SHLD/SHRD (SDM vol. 2, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR,
 * SHLD, SHRD).
 *
 * The count is masked to 5 bits first (386 and later). A masked count of 0
 * changes neither the operand nor the flags, but a memory operand is still
 * read, so its faults are still raised.
 *
 * The SDM leaves OF undefined for counts above 1 and AF for every nonzero
 * count. Intel processors compute OF as a one-bit shift of the original
 * operand would, and clear AF; that is what this does.
 */
#include "alu.h"
#include "exec.h"
#include "flags.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* Flags of a rotate: only CF and OF change. */
static void rotate_flags(const struct cpu *cpu, bool cf, bool of, struct cc_lazy *cc)
{
    uint32_t f = flags_compute(cpu) & ~(FL_CF | FL_OF);
    cc_lazy_eflags(cc, f | (cf ? FL_CF : 0) | (of ? FL_OF : 0));
}

/*
 * Shift or rotate a (size bytes) by count (1..31). Returns false when the
 * operation changes nothing: RCL/RCR whose count is a multiple of the
 * rotated width (size * 8 + 1 bits), which Intel processors treat as a
 * count of 0, flags included.
 */
static bool shift_compute(const struct cpu *cpu, unsigned kind, uint32_t a, unsigned count,
                          unsigned size, uint32_t *result, struct cc_lazy *cc)
{
    unsigned bits = size * 8;
    uint32_t mask = size_mask(size), msb = size_msb(size);
    uint32_t r;

    switch (kind) {
    case SH_ROL:
    case SH_ROR: {
        unsigned k = count & (bits - 1);
        if (kind == SH_ROL) {
            r = k ? ((a << k) | (a >> (bits - k))) & mask : a;
            rotate_flags(cpu, r & 1, (a ^ (a << 1)) & msb, cc);
        } else {
            r = k ? ((a >> k) | (a << (bits - k))) & mask : a;
            rotate_flags(cpu, r & msb, ((a >> (bits - 1)) ^ a) & 1, cc);
        }
        break;
    }
    case SH_RCL:
    case SH_RCR: {
        unsigned width = bits + 1;
        unsigned k = count % width;
        if (k == 0)
            return false;
        bool cf = flags_cf(cpu);
        uint64_t v = (uint64_t)a | (uint64_t)cf << bits;
        uint64_t wmask = ((uint64_t)1 << width) - 1;
        if (kind == SH_RCL)
            v = ((v << k) | (v >> (width - k))) & wmask;
        else
            v = ((v >> k) | (v << (width - k))) & wmask;
        r = (uint32_t)v & mask;
        bool of = kind == SH_RCL ? (a ^ (a << 1)) & msb : cf != !!(a & msb);
        rotate_flags(cpu, (v >> bits) & 1, of, cc);
        break;
    }
    case SH_SHL:
    case SH_SAL: {
        uint64_t wide = (uint64_t)a << count;
        r = (uint32_t)wide & mask;
        cc_lazy_set(cc, CC_SHL, size, r, (wide >> bits) & 1, a);
        break;
    }
    case SH_SHR:
        r = a >> count;
        cc_lazy_set(cc, CC_SHR, size, r, (a >> (count - 1)) & 1, a);
        break;
    default: { /* SH_SAR */
        int32_t s = (int32_t)sign_extend(a, size);
        r = (uint32_t)(s >> count) & mask;
        cc_lazy_set(cc, CC_SAR, size, r, (uint32_t)(s >> (count - 1)) & 1, 0);
        break;
    }
    }
    *result = r;
    return true;
}

static void shift_rm(struct cpu *cpu, const struct insn *in, unsigned count)
{
    uint32_t off = 0, r;
    struct cc_lazy cc;
    uint32_t a = rm_rmw_read(cpu, in, &off);
    count &= 31;
    if (count == 0 || !shift_compute(cpu, in->sub, a, count, in->osize, &r, &cc))
        return;
    rm_rmw_write(cpu, in, off, r);
    flags_commit(cpu, &cc);
}

void exec_SHIFT_I(struct cpu *cpu, const struct insn *in)
{
    shift_rm(cpu, in, in->imm);
}

void exec_SHIFT_CL(struct cpu *cpu, const struct insn *in)
{
    shift_rm(cpu, in, (uint8_t)cpu->regs[R_ECX]);
}

/*
 * SHLD/SHRD r/m, reg, count. The destination is shifted and the vacated
 * bits are filled from the register. With a 16-bit operand and a count
 * above 16 the SDM leaves the result undefined; Intel processors shift the
 * 48-bit value dest:reg:dest (SHLD) or dest:reg:dest with dest in the low
 * word (SHRD), so bits of the destination come back in after the
 * register's. That is reproduced here. CF is the last bit shifted out, OF
 * that of a one-bit shift (as on Intel processors for all counts), AF = 0.
 */
static void dshift(struct cpu *cpu, const struct insn *in, unsigned count)
{
    unsigned size = in->osize, bits = size * 8;
    uint32_t off = 0;
    uint32_t a = rm_rmw_read(cpu, in, &off);
    uint32_t b = reg_read(cpu, in->reg, size);
    count &= 31;
    if (count == 0)
        return;

    /* v holds the bits in shift order with the destination at the top
     * (SHLD) or at the bottom (SHRD); w is its width. */
    uint64_t v;
    unsigned w;
    if (size == 2) {
        v = (uint64_t)a << 32 | (uint64_t)b << 16 | a;
        w = 48;
    } else {
        v = in->sub == 0 ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
        w = 64;
    }
    uint32_t r;
    bool cf, of;
    if (in->sub == 0) {
        r = (uint32_t)(v >> (w - bits - count)) & size_mask(size);
        cf = (v >> (w - count)) & 1;
        of = (a ^ (a << 1)) & size_msb(size);
    } else {
        r = (uint32_t)(v >> count) & size_mask(size);
        cf = (v >> (count - 1)) & 1;
        of = ((a >> (bits - 1)) ^ b) & 1;
    }
    rm_rmw_write(cpu, in, off, r);
    flags_set_arith(cpu, flags_szp(r, size) | (cf ? FL_CF : 0) | (of ? FL_OF : 0));
}

void exec_DSHIFT_I(struct cpu *cpu, const struct insn *in)
{
    dshift(cpu, in, in->imm);
}

void exec_DSHIFT_CL(struct cpu *cpu, const struct insn *in)
{
    dshift(cpu, in, (uint8_t)cpu->regs[R_ECX]);
}
