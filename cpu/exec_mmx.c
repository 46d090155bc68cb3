/*
 * MMX technology as the Pentium II has it (SDM vol. 1, chapter 9; vol. 2
 * by mnemonic): eight 64-bit registers and the packed integer
 * instructions on bytes, words, dwords and the quadword. The SSE
 * additions to MMX (PSHUFW, PMULHUW, PAVGB, ...) are not part of it.
 *
 * MM0-MM7 are the significands of the x87 registers R0-R7 (struct fpu),
 * by physical number whatever TOP says (SDM vol. 3, 12.2). Every MMX
 * instruction but EMMS marks all eight registers valid; writing MMi sets
 * bits 79:64 of Ri to ones, an exponent of all ones and sign set.
 */
#include "exec.h"
#include "fault.h"
#include "fpu.h"

#define FTW_ALL_VALID 0x0000u
#define MMX_HIGH_BITS 0xffffu

/* Before an MMX instruction touches anything: CR0.EM makes MMX invalid,
 * CR0.TS asks for the state to be switched in (SDM vol. 3, table 12-1),
 * and a pending unmasked x87 exception is reported first (12.5.1). */
static void mmx_begin(struct cpu *cpu)
{
    if (cpu->cr0 & CR0_EM)
        cpu_fault(cpu, EXC_UD, 0);
    if (cpu->cr0 & CR0_TS)
        cpu_fault(cpu, EXC_NM, 0);
    fpu_check_pending(cpu);
}

/* Once nothing can fault any more: TOP is 0 and all tags are valid
 * (SDM vol. 3, 12.2, table 12-2). */
static void mmx_commit(struct cpu *cpu)
{
    fpu_set_top(&cpu->fpu, 0);
    cpu->fpu.ftw = FTW_ALL_VALID;
}

static uint64_t mm_get(const struct cpu *cpu, unsigned r)
{
    return cpu->fpu.r[r].mant;
}

static void mm_set(struct cpu *cpu, unsigned r, uint64_t v)
{
    cpu->fpu.r[r].mant = v;
    cpu->fpu.r[r].sign_exp = MMX_HIGH_BITS;
}

/* A quadword operand is checked as a whole: segment limit over all eight
 * bytes, #AC when it is not 8-byte aligned (SDM vol. 3, 6.15, #AC). */
static uint32_t quad_address(struct cpu *cpu, const struct insn *in, unsigned acc)
{
    uint32_t lin = seg_addr(cpu, in->seg, ea_offset(cpu, in), 8, acc);
    if (cpu->align_check && cpu_user_access(cpu) && (lin & 7))
        cpu_fault(cpu, EXC_AC, 0);
    return lin;
}

/* The r/m source: an MMX register, or size (4 or 8) bytes of memory,
 * zero-extended. */
static uint64_t mmx_source(struct cpu *cpu, const struct insn *in, unsigned size)
{
    if (in->mod == 3)
        return mm_get(cpu, in->rm);
    if (size == 4)
        return vread(cpu, in->seg, ea_offset(cpu, in), 4);
    uint32_t lin = quad_address(cpu, in, SEG_ACC_READ);
    uint64_t lo = lin_read(cpu, lin, 4);
    return lo | (uint64_t)lin_read(cpu, lin + 4, 4) << 32;
}

/* ---- Element-wise helpers: x and y are elements of bits width,
 * zero-extended; the result is cut to that width by the caller. ---- */

static int64_t sext(uint64_t v, unsigned bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static uint64_t saturate_signed(int64_t v, unsigned bits)
{
    int64_t max = ((int64_t)1 << (bits - 1)) - 1;
    int64_t min = -max - 1;
    return (uint64_t)(v > max ? max : v < min ? min : v);
}

static uint64_t saturate_unsigned(int64_t v, unsigned bits)
{
    int64_t max = ((int64_t)1 << bits) - 1;
    return (uint64_t)(v > max ? max : v < 0 ? 0 : v);
}

typedef uint64_t (*lane_fn)(uint64_t x, uint64_t y, unsigned bits);

static uint64_t lane_add(uint64_t x, uint64_t y, unsigned bits) { (void)bits; return x + y; }
static uint64_t lane_sub(uint64_t x, uint64_t y, unsigned bits) { (void)bits; return x - y; }

static uint64_t lane_adds(uint64_t x, uint64_t y, unsigned bits)
{
    return saturate_signed(sext(x, bits) + sext(y, bits), bits);
}
static uint64_t lane_subs(uint64_t x, uint64_t y, unsigned bits)
{
    return saturate_signed(sext(x, bits) - sext(y, bits), bits);
}
static uint64_t lane_addus(uint64_t x, uint64_t y, unsigned bits)
{
    return saturate_unsigned((int64_t)(x + y), bits);
}
static uint64_t lane_subus(uint64_t x, uint64_t y, unsigned bits)
{
    return saturate_unsigned((int64_t)x - (int64_t)y, bits);
}

static uint64_t lane_cmpeq(uint64_t x, uint64_t y, unsigned bits)
{
    (void)bits;
    return x == y ? ~0ull : 0;
}
static uint64_t lane_cmpgt(uint64_t x, uint64_t y, unsigned bits)
{
    return sext(x, bits) > sext(y, bits) ? ~0ull : 0;
}

/* PMULLW keeps the low half of each signed product, PMULHW the high. */
static uint64_t lane_mullo(uint64_t x, uint64_t y, unsigned bits)
{
    return (uint64_t)(sext(x, bits) * sext(y, bits));
}
static uint64_t lane_mulhi(uint64_t x, uint64_t y, unsigned bits)
{
    return (uint64_t)(sext(x, bits) * sext(y, bits)) >> bits;
}

/* Apply f to each pair of bits-wide elements of a and b. */
static uint64_t lanes(uint64_t a, uint64_t b, unsigned bits, lane_fn f)
{
    uint64_t mask = (1ull << bits) - 1, r = 0;
    for (unsigned at = 0; at < 64; at += bits)
        r |= (f((a >> at) & mask, (b >> at) & mask, bits) & mask) << at;
    return r;
}

/* Shifts count with all 64 bits of the source: a count past the element
 * width clears a logical shift and fills an arithmetic one with the sign
 * (SDM vol. 2, PSLLW/PSLLD/PSLLQ, PSRAW/PSRAD, PSRLW/PSRLD/PSRLQ). */
enum shift_kind { SHIFT_LEFT, SHIFT_RIGHT, SHIFT_ARITH };

static uint64_t shift_lanes(uint64_t a, uint64_t count, unsigned bits, enum shift_kind kind)
{
    if (count >= bits) {
        if (kind != SHIFT_ARITH)
            return 0;
        count = bits - 1;
    }
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1, r = 0;
    for (unsigned at = 0; at < 64; at += bits) {
        uint64_t x = (a >> at) & mask, v;
        switch (kind) {
        case SHIFT_LEFT: v = x << count; break;
        case SHIFT_RIGHT: v = x >> count; break;
        default: v = (uint64_t)(sext(x, bits) >> count); break;
        }
        r |= (v & mask) << at;
    }
    return r;
}

/* PUNPCKL/H: interleave the elements of the low (or high) halves, the
 * destination's in the even places. */
static uint64_t interleave(uint64_t d, uint64_t s, unsigned bits, bool high)
{
    uint64_t mask = (1ull << bits) - 1, r = 0;
    unsigned from = high ? 32 : 0;
    for (unsigned i = 0; i < 32 / bits; i++) {
        r |= ((d >> (from + i * bits)) & mask) << (2 * i * bits);
        r |= ((s >> (from + i * bits)) & mask) << ((2 * i + 1) * bits);
    }
    return r;
}

/* PACKSS/PACKUS: the destination's elements, then the source's, narrowed
 * to half their width with saturation. */
static uint64_t pack(uint64_t d, uint64_t s, unsigned bits, bool to_unsigned)
{
    unsigned half = bits / 2, n = 64 / bits;
    uint64_t r = 0, mask = (1ull << half) - 1;
    for (unsigned i = 0; i < 2 * n; i++) {
        uint64_t src = i < n ? d : s;
        int64_t v = sext(src >> ((i % n) * bits), bits);
        uint64_t narrow = to_unsigned ? saturate_unsigned(v, half) : saturate_signed(v, half);
        r |= (narrow & mask) << (i * half);
    }
    return r;
}

/* PMADDWD: each dword is the sum of two signed word products; only
 * 8000h * 8000h twice overflows, and wraps to 80000000h. */
static uint64_t pmaddwd(uint64_t d, uint64_t s)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 2; i++) {
        int64_t sum = sext(d >> (32 * i), 16) * sext(s >> (32 * i), 16) +
                      sext(d >> (32 * i + 16), 16) * sext(s >> (32 * i + 16), 16);
        r |= ((uint64_t)sum & 0xffffffffu) << (32 * i);
    }
    return r;
}

typedef uint64_t (*mmx_fn)(uint64_t d, uint64_t s);

#define LANE_OP(name, bits, fn) \
    static uint64_t name(uint64_t d, uint64_t s) { return lanes(d, s, bits, fn); }
LANE_OP(paddb, 8, lane_add) LANE_OP(paddw, 16, lane_add) LANE_OP(paddd, 32, lane_add)
LANE_OP(psubb, 8, lane_sub) LANE_OP(psubw, 16, lane_sub) LANE_OP(psubd, 32, lane_sub)
LANE_OP(paddsb, 8, lane_adds) LANE_OP(paddsw, 16, lane_adds)
LANE_OP(psubsb, 8, lane_subs) LANE_OP(psubsw, 16, lane_subs)
LANE_OP(paddusb, 8, lane_addus) LANE_OP(paddusw, 16, lane_addus)
LANE_OP(psubusb, 8, lane_subus) LANE_OP(psubusw, 16, lane_subus)
LANE_OP(pcmpeqb, 8, lane_cmpeq) LANE_OP(pcmpeqw, 16, lane_cmpeq) LANE_OP(pcmpeqd, 32, lane_cmpeq)
LANE_OP(pcmpgtb, 8, lane_cmpgt) LANE_OP(pcmpgtw, 16, lane_cmpgt) LANE_OP(pcmpgtd, 32, lane_cmpgt)
LANE_OP(pmullw, 16, lane_mullo) LANE_OP(pmulhw, 16, lane_mulhi)
#undef LANE_OP

#define SHIFT_OP(name, bits, kind) \
    static uint64_t name(uint64_t d, uint64_t s) { return shift_lanes(d, s, bits, kind); }
SHIFT_OP(psllw, 16, SHIFT_LEFT) SHIFT_OP(pslld, 32, SHIFT_LEFT) SHIFT_OP(psllq, 64, SHIFT_LEFT)
SHIFT_OP(psrlw, 16, SHIFT_RIGHT) SHIFT_OP(psrld, 32, SHIFT_RIGHT) SHIFT_OP(psrlq, 64, SHIFT_RIGHT)
SHIFT_OP(psraw, 16, SHIFT_ARITH) SHIFT_OP(psrad, 32, SHIFT_ARITH)
#undef SHIFT_OP

#define UNPACK_OP(name, bits, high) \
    static uint64_t name(uint64_t d, uint64_t s) { return interleave(d, s, bits, high); }
UNPACK_OP(punpcklbw, 8, false) UNPACK_OP(punpcklwd, 16, false) UNPACK_OP(punpckldq, 32, false)
UNPACK_OP(punpckhbw, 8, true) UNPACK_OP(punpckhwd, 16, true) UNPACK_OP(punpckhdq, 32, true)
#undef UNPACK_OP

static uint64_t packsswb(uint64_t d, uint64_t s) { return pack(d, s, 16, false); }
static uint64_t packssdw(uint64_t d, uint64_t s) { return pack(d, s, 32, false); }
static uint64_t packuswb(uint64_t d, uint64_t s) { return pack(d, s, 16, true); }

static uint64_t pand(uint64_t d, uint64_t s) { return d & s; }
static uint64_t pandn(uint64_t d, uint64_t s) { return ~d & s; }
static uint64_t por(uint64_t d, uint64_t s) { return d | s; }
static uint64_t pxor(uint64_t d, uint64_t s) { return d ^ s; }

/* The MMX_PQ opcodes of the 0F map (SDM vol. 2, table A-3). The low
 * unpacks read only the 32 bits they use from memory. */
static const struct {
    mmx_fn fn;
    uint8_t mem_size;
} mmx_pq_ops[256] = {
    [0x60] = { punpcklbw, 4 }, [0x61] = { punpcklwd, 4 }, [0x62] = { punpckldq, 4 },
    [0x63] = { packsswb, 8 },  [0x64] = { pcmpgtb, 8 },   [0x65] = { pcmpgtw, 8 },
    [0x66] = { pcmpgtd, 8 },   [0x67] = { packuswb, 8 },  [0x68] = { punpckhbw, 8 },
    [0x69] = { punpckhwd, 8 }, [0x6a] = { punpckhdq, 8 }, [0x6b] = { packssdw, 8 },
    [0x74] = { pcmpeqb, 8 },   [0x75] = { pcmpeqw, 8 },   [0x76] = { pcmpeqd, 8 },
    [0xd1] = { psrlw, 8 },     [0xd2] = { psrld, 8 },     [0xd3] = { psrlq, 8 },
    [0xd5] = { pmullw, 8 },    [0xd8] = { psubusb, 8 },   [0xd9] = { psubusw, 8 },
    [0xdb] = { pand, 8 },      [0xdc] = { paddusb, 8 },   [0xdd] = { paddusw, 8 },
    [0xdf] = { pandn, 8 },     [0xe1] = { psraw, 8 },     [0xe2] = { psrad, 8 },
    [0xe5] = { pmulhw, 8 },    [0xe8] = { psubsb, 8 },    [0xe9] = { psubsw, 8 },
    [0xeb] = { por, 8 },       [0xec] = { paddsb, 8 },    [0xed] = { paddsw, 8 },
    [0xef] = { pxor, 8 },      [0xf1] = { psllw, 8 },     [0xf2] = { pslld, 8 },
    [0xf3] = { psllq, 8 },     [0xf5] = { pmaddwd, 8 },   [0xf8] = { psubb, 8 },
    [0xf9] = { psubw, 8 },     [0xfa] = { psubd, 8 },     [0xfc] = { paddb, 8 },
    [0xfd] = { paddw, 8 },     [0xfe] = { paddd, 8 },
};

/* The shift-by-immediate groups 0F 71, 72, 73 by ModRM.reg; the other
 * reg values are undefined opcodes. */
static const mmx_fn mmx_shift_imm_ops[3][8] = {
    { [2] = psrlw, [4] = psraw, [6] = psllw },
    { [2] = psrld, [4] = psrad, [6] = pslld },
    { [2] = psrlq, [6] = psllq },
};

/* Pq, Qq: MMi = MMi op r/m. */
void exec_MMX_PQ(struct cpu *cpu, const struct insn *in)
{
    mmx_begin(cpu);
    uint64_t s = mmx_source(cpu, in, mmx_pq_ops[in->opcode].mem_size);
    mm_set(cpu, in->reg, mmx_pq_ops[in->opcode].fn(mm_get(cpu, in->reg), s));
    mmx_commit(cpu);
}

/* Nq, Ib: shift an MMX register (register form only) by an immediate. */
void exec_MMX_NI(struct cpu *cpu, const struct insn *in)
{
    mmx_fn fn = mmx_shift_imm_ops[in->opcode - 0x71][in->reg];
    if (!fn || in->mod != 3)
        cpu_fault(cpu, EXC_UD, 0);
    mmx_begin(cpu);
    mm_set(cpu, in->rm, fn(mm_get(cpu, in->rm), in->imm & 0xff));
    mmx_commit(cpu);
}

/* MOVD mm, r/m32: zero-extended. */
void exec_MOVD_PE(struct cpu *cpu, const struct insn *in)
{
    mmx_begin(cpu);
    uint32_t v = in->mod == 3 ? (uint32_t)cpu->regs[in->rm]
                              : vread(cpu, in->seg, ea_offset(cpu, in), 4);
    mm_set(cpu, in->reg, v);
    mmx_commit(cpu);
}

/* MOVD r/m32, mm: the low dword. */
void exec_MOVD_EP(struct cpu *cpu, const struct insn *in)
{
    mmx_begin(cpu);
    uint32_t v = (uint32_t)mm_get(cpu, in->reg);
    if (in->mod == 3)
        cpu->regs[in->rm] = v;
    else
        vwrite(cpu, in->seg, ea_offset(cpu, in), v, 4);
    mmx_commit(cpu);
}

void exec_MOVQ_PQ(struct cpu *cpu, const struct insn *in)
{
    mmx_begin(cpu);
    mm_set(cpu, in->reg, mmx_source(cpu, in, 8));
    mmx_commit(cpu);
}

/* MOVQ mm/m64, mm. Both halves of a memory destination are checked
 * before either is written. */
void exec_MOVQ_QP(struct cpu *cpu, const struct insn *in)
{
    mmx_begin(cpu);
    uint64_t v = mm_get(cpu, in->reg);
    if (in->mod == 3) {
        mm_set(cpu, in->rm, v);
    } else {
        uint32_t lin = quad_address(cpu, in, SEG_ACC_WRITE);
        vprobe_write(cpu, in->seg, ea_offset(cpu, in), 8);
        lin_write(cpu, lin, (uint32_t)v, 4);
        lin_write(cpu, lin + 4, (uint32_t)(v >> 32), 4);
    }
    mmx_commit(cpu);
}

/* EMMS: every register empty for the x87 again; TOP is 0 after it as
 * after any MMX instruction (SDM vol. 3, 12.2). */
void exec_EMMS(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    mmx_begin(cpu);
    fpu_set_top(&cpu->fpu, 0);
    cpu->fpu.ftw = FTW_ALL_EMPTY;
}
