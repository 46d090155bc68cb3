/*
 * The sequence generator's internals, shared by gen.c (sequence, operands,
 * state tracking) and gen_ops.c (the instruction families).
 *
 * The generator emits x86 code directly and keeps a small abstract model of
 * what the code does, enough to keep every memory access inside the mapped
 * areas and every compared value defined:
 *  - each register's value as an interval, when it is known (pointers,
 *    counts); memory operands are only built from known registers;
 *  - register bits holding architecturally undefined values (e.g. after a
 *    16-bit SHLD with a count over 16); such a register is never read again
 *    and those bits are masked when the final states are compared;
 *  - arithmetic flags with undefined values (SDM "undefined" flags); an
 *    instruction reading them is preceded by one that defines them, and the
 *    comparison masks the rest;
 *  - the direction flag, when known, for string instruction ranges.
 * Control flow only goes forward, so the model at a jump target is the
 * union of the states of the paths that reach it. Jumps land only at the
 * start of a group (one family's guards and instruction), never between a
 * guard and the instruction that relies on it.
 */
#ifndef HOSTDIFF_GEN_H
#define HOSTDIFF_GEN_H

#include "hostdiff.h"

enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI };

#define LOW_END (HD_LOW_BASE + HD_LOW_SIZE)
#define DATA_END (HD_DATA_BASE + HD_DATA_SIZE)
#define STACK_END (HD_STACK_BASE + HD_STACK_SIZE)

/* EFLAGS bits, as in the SDM. */
enum {
    F_CF = 1u << 0, F_PF = 1u << 2, F_AF = 1u << 4, F_ZF = 1u << 6, F_SF = 1u << 7,
    F_TF = 1u << 8, F_IF = 1u << 9, F_DF = 1u << 10, F_OF = 1u << 11,
    F_IOPL = 3u << 12, F_NT = 1u << 14, F_RF = 1u << 16, F_VM = 1u << 17,
    F_AC = 1u << 18, F_VIF = 1u << 19, F_VIP = 1u << 20, F_ID = 1u << 21,
};
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

struct vrange {
    bool known;
    uint32_t lo, hi; /* lo <= hi */
};

struct gstate {
    struct vrange r[8];
    uint32_t uregs[8]; /* bits of each register with undefined values */
    bool dead;        /* no path reaches this point */
    int8_t df;        /* 0, 1, or -1 when unknown */
    uint32_t undef;   /* arithmetic flags with undefined values */
    uint8_t seg_odd;  /* HD_* segments that may hold a null or code selector */
};

/* An r/m operand: a register or a memory reference. */
struct opnd {
    bool mem;
    uint8_t reg;      /* register operand, numbered for its size */
    bool a16;         /* 16-bit addressing (67h) */
    uint8_t mod, rm, sib, disp_len;
    bool has_sib;
    uint32_t disp;
    uint8_t seg_pfx;  /* segment override byte or 0 */
    uint8_t seg;      /* HD_* segment used */
    bool known;       /* the effective address range is known ... */
    uint32_t lo, hi;  /* ... and is this */
    int8_t base, index; /* 32-bit forms, -1 when absent */
    uint8_t scale;
};

/* What a memory operand must satisfy. The instruction accesses the bytes
 * [EA + rel_lo, EA + rel_hi). */
struct memreq {
    int32_t rel_lo, rel_hi;
    unsigned flags;
    int32_t esp_adj; /* ESP as a base is read after this adjustment (POP m) */
};
enum {
    M_WRITE = 1,   /* the access writes */
    M_NOACC = 2,   /* no access at all (LEA, hint NOPs): any address */
    M_NO16 = 4,    /* no 16-bit addressing */
    M_NOFAULT = 8, /* no deliberate page fault or bad segment */
};

/* Register choice: read, written, or both. */
enum { U_SRC = 1, U_DST = 2, U_RMW = 3 };

enum fix_kind { FIX_REL8, FIX_REL32, FIX_ABS32 };
#define FIX_LATER 0xffffu

struct jfix {
    uint16_t at;     /* code offset of the field */
    uint16_t from;   /* end of the instruction (relative forms) */
    uint16_t target; /* group, or instruction index when !by_group */
    uint8_t kind;
    bool by_group;
};

struct pending {
    uint16_t group;
    uint16_t fix; /* the jump's displacement field */
    struct gstate st;
};

/* No group but a CALL's is longer than this, which keeps short jumps over
 * whole groups in range. */
#define GEN_MAX_GROUP_BYTES 64
/* A family emits at most this many instructions (guards included; a
 * CALL group counts for three plus its body of two families). */
#define GEN_FAMILY_INSNS 10
#define INSN_BYTES 15

#define GEN_MAX_GROUPS 400

struct gen {
    struct hd_rng rng;
    const struct gen_config *cfg;
    struct test_case *tc;
    struct gstate st;
    unsigned len;  /* code bytes emitted */
    unsigned goal; /* instructions wanted */
    bool ending;   /* emitting the terminator */
    bool in_call;  /* in a CALL body: the return address must survive */
    unsigned group; /* current group */
    uint16_t group_first[GEN_MAX_GROUPS]; /* its first instruction, or 0xffff */
    struct pending pend[24];
    unsigned npend;
    struct jfix fix[32];
    unsigned nfix;
    /* The instruction being built. */
    uint8_t pfx[16];
    unsigned npfx;
    uint8_t body[24];
    unsigned nbody;
    struct {
        uint8_t pos, kind;
        bool by_group;
        uint16_t target;
    } bfix[2];
    unsigned nbfix;
};

/* Instruction assembly. ins_begin records the model for the comparison
 * masks. */
void ins_begin(struct gen *g);
void ins_pfx(struct gen *g, uint8_t b);
void ins_b(struct gen *g, uint8_t b);
void ins_imm(struct gen *g, uint32_t v, unsigned size);
void ins_modrm(struct gen *g, unsigned regfield, const struct opnd *o);
/* A jump field of the given kind to the start of a group, or to an
 * instruction index (FIX_LATER: set later with gen_set_fix). ins_end
 * returns the index of the instruction's first fix. */
void ins_fix_group(struct gen *g, enum fix_kind kind, unsigned group);
void ins_fix(struct gen *g, enum fix_kind kind, unsigned target);
unsigned ins_end(struct gen *g, const char *name);
void gen_set_fix(struct gen *g, unsigned fix, unsigned target);
bool gen_room(const struct gen *g, unsigned insns);
unsigned gen_index(const struct gen *g);

/* Forward control flow: the state st reaches the start of a group. Called
 * right after the jump instruction (its field is the latest fix). */
void gen_jump_to(struct gen *g, unsigned group, const struct gstate *st);
bool gen_no_pending(const struct gen *g);

/* Register model. */
static inline unsigned reg_base(unsigned r, unsigned size)
{
    return size == 1 ? r & 3 : r;
}
bool reg_readable(const struct gen *g, unsigned r, unsigned size);
int pick_reg(struct gen *g, unsigned size, unsigned use);
void st_set(struct gen *g, unsigned r, uint32_t lo, uint32_t hi);
void st_write(struct gen *g, unsigned r, unsigned size);
/* The bits mask of register r (32-bit numbering) are now undefined. */
void st_undefined(struct gen *g, unsigned r, uint32_t mask);
void st_flags(struct gen *g, uint32_t defined, uint32_t undefined);
bool stack_room(const struct gen *g, uint32_t below, uint32_t above);
void st_esp_add(struct gen *g, int32_t delta);
void st_add(struct gen *g, unsigned r, int32_t delta);
struct gstate gen_merge(const struct gstate *a, const struct gstate *b);

/* Guards: instructions that make the next one's inputs defined. */
void need_flags(struct gen *g, uint32_t flags);
void need_regs(struct gen *g, uint8_t regs);
void set_reg(struct gen *g, unsigned r, uint32_t value);

/* Operands. */
bool pick_mem(struct gen *g, const struct memreq *req, struct opnd *o);
bool pick_rm(struct gen *g, unsigned size, unsigned use, unsigned mflags, struct opnd *o);
void opnd_reg(struct opnd *o, unsigned r);
/* Record the effect of writing an r/m operand of the given size. */
void st_write_rm(struct gen *g, const struct opnd *o, unsigned size);
uint32_t rand_val(struct gen *g, unsigned size);
uint32_t rand_ptr(struct gen *g, uint32_t margin);
uint32_t cond_flags(unsigned cc);
void gen_patch(struct gen *g, uint32_t addr, uint32_t value);

/* Building blocks for the families. */
unsigned gen_osize(struct gen *g);                 /* 2 or 4 */
void ins_osize(struct gen *g, unsigned size);      /* 66h for 2 */
void ins_maybe_lock(struct gen *g, const struct opnd *o, bool lockable);
uint8_t rand_count(struct gen *g);                 /* shift and bit counts */
bool gen_in_area(const struct gen *g, int64_t lo, int64_t end);
struct opnd opnd_offset(const struct opnd *o, int32_t delta);
bool opnd_uses(const struct opnd *o, unsigned r);
uint16_t rand_selector(struct gen *g, bool ss);
void st_seg_load(struct gen *g, unsigned seg, uint16_t sel);

/* The instruction families, one table per file (gen_arith.c, gen_data.c,
 * gen_seg.c, gen_stack.c, gen_flow.c, gen_mmx.c). A family emits one
 * instruction with its guards, or nothing when the state does not allow
 * it. simple families neither jump nor touch the stack pointer: they may
 * form a CALL body. */
struct gen_family {
    void (*fn)(struct gen *g);
    uint8_t weight;
    bool simple;
};
extern const struct gen_family gen_arith_families[], gen_data_families[], gen_seg_families[],
    gen_stack_families[], gen_flow_families[], gen_mmx_families[];
extern const unsigned gen_arith_nfamilies, gen_data_nfamilies, gen_seg_nfamilies,
    gen_stack_nfamilies, gen_flow_nfamilies, gen_mmx_nfamilies;

/* Emit one family's instruction, chosen by weight. */
void gen_ops_emit(struct gen *g, bool simple_only);

#endif
