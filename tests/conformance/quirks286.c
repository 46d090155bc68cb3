/*
 * The 286-vs-386 difference table. The 286 suite only has one-byte opcodes
 * with 16-bit operands and addressing, plus segment, LOCK and REP prefixes,
 * so a small shape decoder is enough to tell what each test's instruction
 * touches.
 *
 * Sources: the 80386 Programmer's Reference Manual, 14.8 (differences from
 * 80286 real mode) and the SDM vol. 3 architecture-compatibility chapter
 * ("Segment Wraparound"), plus the SDM vol. 2 instruction pages.
 */
#include "quirks286.h"

#include <stdio.h>

enum {
    FLAG_CF = 1u << 0, FLAG_PF = 1u << 2, FLAG_AF = 1u << 4, FLAG_ZF = 1u << 6,
    FLAG_SF = 1u << 7, FLAG_DF = 1u << 10, FLAG_OF = 1u << 11,
};
enum { VEC_DE = 0, VEC_UD = 6, VEC_SS = 12, VEC_GP = 13 };
enum { SEG_NONE = -1, SEG_PREFIX_ES, SEG_PREFIX_CS, SEG_PREFIX_SS, SEG_PREFIX_DS };

/* The part of an instruction the entries look at. */
struct shape {
    bool lock;
    bool rep;
    int seg;      /* last segment override, SEG_NONE without one */
    uint8_t op;
    bool modrm;
    uint8_t mod, reg, rm;
    uint32_t disp; /* sign-extended to 16 bits */
    unsigned imm_off; /* first byte after ModRM and displacement */
    unsigned len;     /* instruction length, the trailing HLT excluded */
};

/* One-byte opcodes with a ModRM byte, as far as the 286 set goes. */
static bool has_modrm(uint8_t op)
{
    if (op < 0x40)
        return (op & 7) < 4;
    switch (op) {
    case 0x62: case 0x63: case 0x69: case 0x6b:
    case 0xc0: case 0xc1: case 0xc4: case 0xc5: case 0xc6: case 0xc7:
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:
    case 0xf6: case 0xf7: case 0xfe: case 0xff:
        return true;
    default:
        return (op >= 0x80 && op <= 0x8f) || (op >= 0xd8 && op <= 0xdf);
    }
}

static bool decode_shape(const struct moo_test *t, struct shape *s)
{
    unsigned i = 0, n = t->nbytes;
    const uint8_t *b = t->bytes;
    *s = (struct shape){ .seg = SEG_NONE };
    if (n < 2 || b[n - 1] != 0xf4)
        return false;
    s->len = n - 1;
    for (; i < s->len; i++) {
        if (b[i] == 0xf0)
            s->lock = true;
        else if (b[i] == 0xf2 || b[i] == 0xf3)
            s->rep = true;
        else if (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e)
            s->seg = (b[i] >> 3) & 3;
        else
            break;
    }
    if (i >= s->len)
        return false;
    s->op = b[i++];
    s->modrm = has_modrm(s->op);
    if (s->modrm) {
        if (i >= s->len)
            return false;
        uint8_t m = b[i++];
        s->mod = m >> 6;
        s->reg = (m >> 3) & 7;
        s->rm = m & 7;
        if (s->mod == 1 && i + 1 <= s->len) {
            s->disp = (uint32_t)(int8_t)b[i] & 0xffff;
            i += 1;
        } else if ((s->mod == 2 || (s->mod == 0 && s->rm == 6)) && i + 2 <= s->len) {
            s->disp = b[i] | (uint32_t)b[i + 1] << 8;
            i += 2;
        } else if (s->mod == 1 || s->mod == 2 || (s->mod == 0 && s->rm == 6)) {
            return false;
        }
    }
    s->imm_off = i;
    return i <= s->len;
}

static uint32_t init_reg(const struct moo_test *t, unsigned r)
{
    return t->init.regs.v[r];
}

/* Physical address of the ModRM memory operand with the INIT registers. */
static uint32_t operand_address(const struct shape *s, const struct moo_test *t)
{
    static const uint8_t base[8] = { MOO_EBX, MOO_EBX, MOO_EBP, MOO_EBP, MOO_ESI, MOO_EDI, MOO_EBP, MOO_EBX };
    static const int8_t index[8] = { MOO_ESI, MOO_EDI, MOO_ESI, MOO_EDI, -1, -1, -1, -1 };
    uint32_t ea = s->disp;
    bool bp_based = s->rm == 2 || s->rm == 3 || (s->rm == 6 && s->mod != 0);
    if (!(s->mod == 0 && s->rm == 6))
        ea += init_reg(t, base[s->rm]);
    if (index[s->rm] >= 0)
        ea += init_reg(t, (unsigned)index[s->rm]);
    static const uint8_t seg_reg[4] = { MOO_ES, MOO_CS, MOO_SS, MOO_DS };
    unsigned seg = s->seg != SEG_NONE ? seg_reg[s->seg] : bp_based ? MOO_SS : MOO_DS;
    return ((init_reg(t, seg) & 0xffff) << 4) + (ea & 0xffff);
}

static bool init_byte(const struct moo_test *t, uint32_t addr, uint8_t *v)
{
    for (uint32_t i = 0; i < t->init.ram.count; i++) {
        if (moo_ram_addr(&t->init.ram, i) == addr) {
            *v = moo_ram_value(&t->init.ram, i);
            return true;
        }
    }
    return false;
}

/* Instructions that accept LOCK, in their memory-destination forms only;
 * anything else raises #UD on a 386 or later (80386 PRM 14.8.1, SDM vol. 2
 * LOCK). */
static bool lockable(const struct shape *s)
{
    if (!s->modrm || s->mod == 3)
        return false;
    uint8_t op = s->op;
    if (op < 0x40)
        return (op & 7) < 2 && (op >> 3) != 7; /* ADD..XOR r/m,r; not CMP */
    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83:
        return s->reg != 7;
    case 0x86: case 0x87:
        return true;
    case 0xf6: case 0xf7:
        return s->reg == 2 || s->reg == 3;
    case 0xfe: case 0xff:
        return s->reg <= 1;
    default:
        return false;
    }
}

static bool is_string_op(uint8_t op)
{
    return (op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf);
}

/* String instructions whose source is DS:SI, which a prefix can override. */
static bool is_string_source_op(uint8_t op)
{
    return op == 0x6e || op == 0x6f || (op >= 0xa4 && op <= 0xa7) || op == 0xac || op == 0xad;
}

/* Does the instruction access the stack segment, implicitly or through its
 * memory operand? */
static bool uses_ss(const struct shape *s)
{
    switch (s->op) {
    case 0x06: case 0x07: case 0x0e: case 0x16: case 0x17: case 0x1e: case 0x1f:
    case 0x60: case 0x61: case 0x68: case 0x6a: case 0x8f: case 0x9a: case 0x9c: case 0x9d:
    case 0xc2: case 0xc3: case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd:
    case 0xce: case 0xcf: case 0xe8:
        return true;
    case 0xff:
        if (s->reg == 2 || s->reg == 3 || s->reg == 6)
            return true;
        break;
    default:
        if (s->op >= 0x50 && s->op <= 0x5f)
            return true;
        if (is_string_source_op(s->op))
            return s->seg == SEG_PREFIX_SS;
        break;
    }
    if (!s->modrm || s->mod == 3)
        return false;
    if (s->seg != SEG_NONE)
        return s->seg == SEG_PREFIX_SS;
    return s->rm == 2 || s->rm == 3 || (s->rm == 6 && s->mod != 0);
}

/* Flags the SDM leaves undefined for a shift or rotate with this count
 * (SDM vol. 2, RCL/RCR/ROL/ROR and SAL/SAR/SHL/SHR): OF unless the masked
 * count is 1, CF of SHL/SHR when the count reaches the operand width, AF
 * of shifts for any non-zero count. */
static uint32_t shift_undefined_flags(const struct shape *s, const struct moo_test *t,
                                      unsigned *count_out)
{
    unsigned count;
    switch (s->op) {
    case 0xc0: case 0xc1:
        if (s->imm_off >= s->len)
            return 0;
        count = t->bytes[s->imm_off];
        break;
    case 0xd0: case 0xd1:
        count = 1;
        break;
    case 0xd2: case 0xd3:
        count = init_reg(t, MOO_ECX) & 0xff;
        break;
    default:
        return 0;
    }
    *count_out = count;
    unsigned width = (s->op & 1) ? 16 : 8;
    count &= 0x1f;
    uint32_t und = 0;
    if (count >= 2)
        und |= FLAG_OF;
    if (s->reg >= 4 && count != 0)
        und |= FLAG_AF;
    if ((s->reg == 4 || s->reg == 5 || s->reg == 6) && count >= width)
        und |= FLAG_CF;
    return und;
}

/* The signed quotient IDIV would produce, and whether it fits the
 * destination; false when an operand is not in the test. */
static bool idiv_overflows(const struct shape *s, const struct moo_test *t, int32_t *quot)
{
    static const uint8_t regs16[8] = { MOO_EAX, MOO_ECX, MOO_EDX, MOO_EBX, MOO_ESP, MOO_EBP, MOO_ESI, MOO_EDI };
    bool word = s->op == 0xf7;
    uint32_t v;
    if (s->mod == 3) {
        unsigned r = s->rm;
        v = word ? init_reg(t, regs16[r]) : init_reg(t, regs16[r & 3]) >> (r & 4 ? 8 : 0);
    } else {
        uint32_t a = operand_address(s, t);
        uint8_t lo, hi = 0;
        /* A word at offset FFFFh faults on a 386; that is another entry. */
        if (!init_byte(t, a, &lo) || (word && !init_byte(t, a + 1, &hi)))
            return false;
        v = lo | (uint32_t)hi << 8;
    }
    int64_t divisor = word ? (int16_t)v : (int8_t)v;
    int64_t dividend = word ? (int32_t)(init_reg(t, MOO_EDX) << 16 | (init_reg(t, MOO_EAX) & 0xffff))
                            : (int16_t)init_reg(t, MOO_EAX);
    if (divisor == 0)
        return false;
    int64_t q = dividend / divisor;
    *quot = (int32_t)q;
    return word ? (q > 32767 || q < -32768) : (q > 127 || q < -128);
}

/* The core ran the instruction without a fault straight to the HLT after
 * it. */
static bool completed_in_place(const struct moo_test *t, const struct conf_result *r)
{
    return r->halted && r->first_exception < 0 && r->got[MOO_CS] == init_reg(t, MOO_CS) &&
           r->got[MOO_EIP] == ((init_reg(t, MOO_EIP) + t->nbytes) & 0xffff);
}

static uint32_t expected(const struct moo_test *t, unsigned r)
{
    return t->fina.regs.present & (1u << r) ? t->fina.regs.v[r] : t->init.regs.v[r];
}

/* The 286 moved SI/DI one element on (and CX down by one or two) before
 * its #GP for a word access at offset FFFFh; the core stopped with an
 * index at FFFFh and the registers as they were before that element. */
static bool string_registers_advanced(const struct shape *s, const struct moo_test *t,
                                      const struct conf_result *r)
{
    uint32_t step = init_reg(t, MOO_EFLAGS) & FLAG_DF ? 0xfffeu : 2u;
    const uint32_t allowed = 1u << MOO_ESI | 1u << MOO_EDI | 1u << MOO_ECX;
    if (!(s->op & 1) || !r->reg_diff || (r->reg_diff & ~allowed) || r->ram_diff)
        return false;
    if (r->got[MOO_ESI] != 0xffff && r->got[MOO_EDI] != 0xffff)
        return false;
    static const uint8_t index[2] = { MOO_ESI, MOO_EDI };
    for (unsigned i = 0; i < 2; i++) {
        unsigned x = index[i];
        if ((r->reg_diff & (1u << x)) && expected(t, x) != ((r->got[x] + step) & 0xffff))
            return false;
    }
    if (r->reg_diff & (1u << MOO_ECX)) {
        uint32_t less = (r->got[MOO_ECX] - expected(t, MOO_ECX)) & 0xffff;
        if (!s->rep || less < 1 || less > 2)
            return false;
    }
    return true;
}

bool quirk286_classify(const struct moo_test *t, const struct conf_result *r, char *reason,
                       size_t len)
{
    struct shape s;
    int exp = t->has_excp ? t->excp_vector : -1;
    int got = r->first_exception;
    if (!decode_shape(t, &s))
        return false;

    if (s.lock && !lockable(&s) && exp != VEC_UD && got == VEC_UD) {
        snprintf(reason, len, "LOCK on opcode %02X%s: the 286 accepts it, a 386+ raises #UD "
                 "unless the instruction is a lockable read-modify-write of memory (80386 PRM 14.8.1)",
                 s.op, s.modrm && s.mod == 3 ? " with a register operand" : "");
        return true;
    }

    if (exp == VEC_GP && s.len > 10 && s.len <= 15 && got != VEC_GP) {
        snprintf(reason, len, "%u-byte instruction: over the 286's 10-byte limit (#GP), "
                 "within the 15-byte limit of a 386+ (SDM vol. 2, 2.1)", s.len);
        return true;
    }

    if (exp == VEC_GP && got == VEC_SS && uses_ss(&s)) {
        snprintf(reason, len, "stack-segment limit violation: the 286 raises #GP in real mode, "
                 "a 386+ raises #SS (SDM vol. 3, Segment Wraparound)");
        return true;
    }

    if (exp == VEC_GP && got == VEC_GP && is_string_op(s.op) && string_registers_advanced(&s, t, r)) {
        snprintf(reason, len, "word string access at offset FFFFh: the 286 has already stepped "
                 "SI/DI%s when it raises #GP, a 386+ faults with them unchanged so the "
                 "instruction restarts (SDM vol. 3, 6.5)", s.rep ? " and CX" : "");
        return true;
    }

    if (s.op == 0x8f && exp == VEC_GP && got == VEC_GP && r->reg_diff == 1u << MOO_ESP &&
        expected(t, MOO_ESP) == ((r->got[MOO_ESP] + 2) & 0xffff)) {
        snprintf(reason, len, "POP to a word at offset FFFFh: the 286 has already added 2 to SP "
                 "when it raises #GP (its exception frame sits 2 bytes higher), a 386+ faults "
                 "with SP unchanged (SDM vol. 3, 6.5)");
        return true;
    }

    if (exp < 0 && r->halted && got < 0 && r->reg_diff == 1u << MOO_EIP && r->ram_diff == 0 &&
        r->got[MOO_EIP] == 0x10000 && expected(t, MOO_EIP) == 0) {
        snprintf(reason, len, "the closing HLT sits at offset FFFFh: the 286 wraps IP to 0 after "
                 "it, a 386+ leaves EIP = 10000h, past the CS limit (SDM vol. 3, Segment Wraparound)");
        return true;
    }

    if (s.op == 0xd4 && s.imm_off < s.len && t->bytes[s.imm_off] == 0 && exp == VEC_DE &&
        got == VEC_DE && r->reg_diff == 1u << MOO_EFLAGS &&
        !(r->flags_diff & ~(FLAG_SF | FLAG_ZF | FLAG_PF)) && r->ram_diff == r->ram_diff_image &&
        !(r->image_diff & ~(FLAG_SF | FLAG_ZF | FLAG_PF)) &&
        !((r->got[MOO_EFLAGS] ^ init_reg(t, MOO_EFLAGS)) & (FLAG_SF | FLAG_ZF | FLAG_PF))) {
        snprintf(reason, len, "AAM 0: the 286 sets SF/ZF/PF before raising #DE, a 386+ faults "
                 "with the flags unchanged (SDM vol. 2, AAM)");
        return true;
    }

    int32_t q;
    if ((s.op == 0xf6 || s.op == 0xf7) && s.reg == 7 && exp < 0 && got == VEC_DE &&
        idiv_overflows(&s, t, &q)) {
        snprintf(reason, len, "IDIV quotient %d does not fit: the 286 returns a wrong result "
                 "without #DE, a 386+ raises #DE (SDM vol. 2, IDIV)", (int)q);
        return true;
    }

    if ((s.op == 0x8c || s.op == 0x8e) && (s.reg == 4 || s.reg == 5) && exp == VEC_UD &&
        completed_in_place(t, r)) {
        snprintf(reason, len, "MOV %s %cS: the 286 has no FS/GS and raises #UD, a 386+ executes it",
                 s.op == 0x8c ? "from" : "to", s.reg == 4 ? 'F' : 'G');
        return true;
    }

    unsigned count = 0;
    uint32_t und = shift_undefined_flags(&s, t, &count);
    if (und && exp < 0 && got < 0 && r->reg_diff == 1u << MOO_EFLAGS && r->ram_diff == 0 &&
        (r->flags_diff & ~und) == 0) {
        snprintf(reason, len, "%s%s%sundefined after a %s by %u (SDM vol. 2, %s); the suite's "
                 "flag mask does not cover it",
                 r->flags_diff & FLAG_OF ? "OF " : "", r->flags_diff & FLAG_CF ? "CF " : "",
                 r->flags_diff & FLAG_AF ? "AF " : "", s.reg < 4 ? "rotate" : "shift", count,
                 s.reg < 4 ? "RCL/RCR/ROL/ROR" : "SAL/SAR/SHL/SHR");
        return true;
    }
    return false;
}
