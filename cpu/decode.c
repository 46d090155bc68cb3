/*
 * The x86 instruction decoder (SDM vol. 2, chapter 2): prefixes, opcode
 * through the tables of opcode_table.c, ModRM/SIB addressing, immediates.
 *
 * Bytes are taken one at a time so the caller learns exactly how many it
 * must supply. A byte the caller did not give means DECODE_NEED_MORE, unless
 * it lies past the 15-byte limit: code fetch faults come before the length
 * check (SDM vol. 3, 6.9, priorities 7 and 8), so the decoder insists on
 * seeing all 15 bytes before it reports an instruction too long.
 *
 * Encodings that are #UD still decode to DECODE_OK with op = OP_UD: the
 * interpreter raises the fault at the instruction start.
 */
#include <string.h>

#include "decode.h"
#include "lintas/cpu.h"
#include "opcode_table.h"

struct cursor {
    const uint8_t *bytes;
    size_t avail;
    size_t pos;
};

static int next_byte(struct cursor *c, uint8_t *out)
{
    if (c->pos >= INSN_MAX_LEN)
        return DECODE_TOO_LONG;
    if (c->pos >= c->avail)
        return DECODE_NEED_MORE;
    *out = c->bytes[c->pos++];
    return DECODE_OK;
}

/* A little-endian field of 1, 2 or 4 bytes, zero-extended. */
static int next_field(struct cursor *c, unsigned size, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b;
        int r = next_byte(c, &b);
        if (r != DECODE_OK)
            return r;
        v |= (uint32_t)b << (8 * i);
    }
    *out = v;
    return DECODE_OK;
}

static uint32_t sext(uint32_t v, unsigned size)
{
    return size == 1 ? (uint32_t)(int8_t)v : size == 2 ? (uint32_t)(int16_t)v : v;
}

struct prefixes {
    int seg; /* override, or -1 */
    bool opsize;
    bool addrsize;
};

/* Consume b if it is a prefix (SDM vol. 2, 2.1.1). */
static bool take_prefix(uint8_t b, struct prefixes *p, struct insn *in)
{
    switch (b) {
    case 0x26: p->seg = SEG_ES; return true;
    case 0x2e: p->seg = SEG_CS; return true;
    case 0x36: p->seg = SEG_SS; return true;
    case 0x3e: p->seg = SEG_DS; return true;
    case 0x64: p->seg = SEG_FS; return true;
    case 0x65: p->seg = SEG_GS; return true;
    case 0x66: p->opsize = true; return true;
    case 0x67: p->addrsize = true; return true;
    case 0xf0: in->lock = 1; return true;
    case 0xf2: in->rep = REP_NZ; return true;
    case 0xf3: in->rep = REP_Z; return true;
    default: return false;
    }
}

/* 16-bit addressing forms by ModRM.rm (SDM vol. 2, table 2-1). */
static const uint8_t ea16_base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
static const uint8_t ea16_index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, NO_REG, NO_REG, NO_REG, NO_REG };

static int decode_ea16(struct cursor *c, struct insn *in)
{
    uint32_t disp = 0;
    int r = DECODE_OK;
    if (in->mod == 0 && in->rm == 6) {
        r = next_field(c, 2, &disp);
        in->disp = (int32_t)sext(disp, 2);
        return r;
    }
    in->base = ea16_base[in->rm];
    in->index = ea16_index[in->rm];
    if (in->mod == 1)
        r = next_field(c, 1, &disp);
    else if (in->mod == 2)
        r = next_field(c, 2, &disp);
    in->disp = (int32_t)sext(disp, in->mod == 1 ? 1 : 2);
    return r;
}

/* 32-bit addressing forms, with SIB (SDM vol. 2, tables 2-2 and 2-3). */
static int decode_ea32(struct cursor *c, struct insn *in)
{
    uint32_t disp = 0;
    bool disp32 = in->mod == 2;
    int r;

    in->base = in->rm;
    if (in->rm == 4) {
        uint8_t sib;
        if ((r = next_byte(c, &sib)) != DECODE_OK)
            return r;
        unsigned index = (sib >> 3) & 7;
        if (index != 4) {
            in->index = (uint8_t)index;
            in->scale = sib >> 6;
        }
        in->base = sib & 7;
        if (in->base == R_EBP && in->mod == 0) {
            in->base = NO_REG;
            disp32 = true;
        }
    } else if (in->rm == 5 && in->mod == 0) {
        in->base = NO_REG;
        disp32 = true;
    }
    if (disp32) {
        r = next_field(c, 4, &disp);
    } else if (in->mod == 1) {
        r = next_field(c, 1, &disp);
        disp = sext(disp, 1);
    } else {
        r = DECODE_OK;
    }
    in->disp = (int32_t)disp;
    return r;
}

/* The immediate operand(s) that follow the opcode and ModRM. */
static int decode_imm(struct cursor *c, unsigned kind, struct insn *in)
{
    uint32_t v = 0, v2 = 0;
    int r = DECODE_OK;
    switch (kind) {
    case IMM_8:
        r = next_field(c, 1, &v);
        break;
    case IMM_8S:
        r = next_field(c, 1, &v);
        v = sext(v, 1);
        break;
    case IMM_16:
        r = next_field(c, 2, &v);
        break;
    case IMM_V:
        r = next_field(c, in->osize, &v);
        break;
    case IMM_VS:
        r = next_field(c, in->osize, &v);
        v = sext(v, in->osize);
        break;
    case IMM_A:
        r = next_field(c, in->asize, &v);
        break;
    case IMM_ONE:
        v = 1;
        break;
    case IMM_ENTER:
        if ((r = next_field(c, 2, &v)) == DECODE_OK)
            r = next_field(c, 1, &v2);
        break;
    case IMM_FAR:
        if ((r = next_field(c, in->osize, &v)) == DECODE_OK)
            r = next_field(c, 2, &v2);
        break;
    default:
        break;
    }
    in->imm = v;
    in->imm2 = (uint16_t)v2;
    return r;
}

/* Encodings the opcode map allows but the operands make invalid. */
static bool operands_invalid(uint32_t flags, const struct insn *in)
{
    if ((flags & OPF_MEM) && in->mod == 3)
        return true;
    if ((flags & OPF_SREG) && (in->reg >= SEG_COUNT || ((flags & OPF_NO_CS) && in->reg == SEG_CS)))
        return true;
    /* LOCK needs a read-modify-write of memory by an instruction that
     * allows it (SDM vol. 2, LOCK). */
    if (in->lock && !((flags & OPF_LOCK) && in->mod != 3))
        return true;
    return false;
}

int decode_insn(const uint8_t *bytes, size_t avail, bool code32, struct insn *in)
{
    struct cursor c = { bytes, avail, 0 };
    struct prefixes p = { -1, false, false };
    uint8_t b;
    int r;

    memset(in, 0, sizeof(*in));
    in->base = NO_REG;
    in->index = NO_REG;

    do {
        if ((r = next_byte(&c, &b)) != DECODE_OK)
            return r;
    } while (take_prefix(b, &p, in));

    const struct opcode_entry *e = &opcode_table_one[b];
    if (b == 0x0f) {
        if ((r = next_byte(&c, &b)) != DECODE_OK)
            return r;
        e = &opcode_table_0f[b];
    }
    in->opcode = b;
    in->asize = (code32 != p.addrsize) ? 4 : 2;
    uint8_t op = e->op;
    uint8_t sub = e->sub;
    uint32_t flags = e->flags;

    if (flags & OPF_MODRM) {
        uint8_t modrm;
        if ((r = next_byte(&c, &modrm)) != DECODE_OK)
            return r;
        in->mod = modrm >> 6;
        in->reg = (modrm >> 3) & 7;
        in->rm = modrm & 7;
        if (flags & OPF_CRDR)
            in->mod = 3;
        else if (in->mod != 3)
            r = in->asize == 4 ? decode_ea32(&c, in) : decode_ea16(&c, in);
        if (r != DECODE_OK)
            return r;
        unsigned group = (flags >> OPF_GROUP_SHIFT) & OPF_GROUP_BITS;
        if (group != GRP_NONE) {
            const struct opcode_entry *g = &opcode_table_group[group][in->reg];
            op = g->op;
            sub = g->sub;
            flags |= g->flags;
        }
    }
    if (flags & OPF_REG_OP)
        in->reg = b & 7;

    unsigned vsize = (code32 != p.opsize) ? 4 : 2;
    switch (flags & OPF_OSZ_MASK) {
    case OPF_OSZ_2: in->osize = 2; break;
    case OPF_OSZ_4: in->osize = 4; break;
    case OPF_OSZ_MEM2: in->osize = in->mod == 3 ? (uint8_t)vsize : 2; break;
    default: in->osize = (flags & OPF_BYTE) ? 1 : (uint8_t)vsize; break;
    }

    if (p.seg >= 0)
        in->seg = (uint8_t)p.seg;
    else if (in->base == R_EBP || in->base == R_ESP)
        in->seg = SEG_SS;
    else
        in->seg = SEG_DS;

    if (op == OP_UD) {
        in->op = OP_UD;
        in->len = (uint8_t)c.pos;
        return DECODE_OK;
    }
    /* An encoding whose operands are invalid still has a known length: its
     * bytes are fetched, and a fault fetching them outranks the #UD (SDM
     * vol. 3, 6.9, table 6-2). */
    bool invalid = operands_invalid(flags, in);
    in->op = op;
    in->sub = sub;
    if ((r = decode_imm(&c, flags & OPF_IMM_MASK, in)) != DECODE_OK)
        return r;
    if (invalid)
        in->op = OP_UD;
    in->len = (uint8_t)c.pos;
    return DECODE_OK;
}
