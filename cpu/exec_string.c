/*
 * String instructions with their REP prefixes (SDM vol. 2, MOVS, CMPS,
 * STOS, LODS, SCAS, INS, OUTS, and REP/REPE/REPNE).
 *
 * Each element updates ESI/EDI/ECX before the next one, so a fault in the
 * middle leaves the registers describing the elements done and the
 * instruction restarts from there. A long REP yields after a slice of
 * elements by rewinding EIP to itself, so interrupts are taken in between,
 * as on real processors.
 */
#include "alu.h"
#include "breakpoint.h"
#include "exec.h"
#include "fault.h"
#include "flags.h"
#include "lintas/io.h"
#include "system.h"

/* Elements done per dispatch before the instruction yields. */
#define REP_SLICE 4096

struct string_op {
    uint32_t amask; /* address-size mask for SI, DI and CX */
    int32_t step;   /* +size or -size by DF */
    unsigned size;
};

static struct string_op string_setup(const struct cpu *cpu, const struct insn *in)
{
    struct string_op s;
    s.amask = in->asize == 2 ? 0xffff : 0xffffffffu;
    s.size = in->osize;
    s.step = (cpu->eflags & FL_DF) ? -(int32_t)in->osize : (int32_t)in->osize;
    return s;
}

static uint32_t areg(const struct cpu *cpu, unsigned r, const struct string_op *s)
{
    return (uint32_t)cpu->regs[r] & s->amask;
}

static void areg_advance(struct cpu *cpu, unsigned r, const struct string_op *s)
{
    uint32_t v = ((uint32_t)cpu->regs[r] + (uint32_t)s->step) & s->amask;
    cpu->regs[r] = (cpu->regs[r] & ~(uint64_t)s->amask) | v;
}

static void count_decrement(struct cpu *cpu, const struct string_op *s)
{
    uint32_t v = ((uint32_t)cpu->regs[R_ECX] - 1) & s->amask;
    cpu->regs[R_ECX] = (cpu->regs[R_ECX] & ~(uint64_t)s->amask) | v;
}

/*
 * Run one element (no REP) or the REP loop. element() does one element and
 * returns false when a REPE/REPNE condition ends the loop. The element
 * functions are inline so that each loop has no call per element.
 */
typedef bool (*element_fn)(struct cpu *cpu, const struct insn *in, const struct string_op *s);

static void string_run(struct cpu *cpu, const struct insn *in, element_fn element, bool conditional)
{
    struct string_op s = string_setup(cpu, in);
    if (in->rep == REP_NONE) {
        element(cpu, in, &s);
        return;
    }
    /* Single-stepping traps after every element (SDM vol. 3, 17.3.1.4),
     * and a data or I/O breakpoint after the element that hit it (17.3.1.2):
     * while either can happen, one element per dispatch. */
    bool stepwise = (cpu->eflags & FL_TF) || (cpu->bp_data_mask | cpu->bp_io_mask);
    unsigned slice = stepwise ? 1 : REP_SLICE;
    for (unsigned n = 0; n < slice; n++) {
        if (areg(cpu, R_ECX, &s) == 0)
            return;
        bool go_on = element(cpu, in, &s);
        count_decrement(cpu, &s);
        if (conditional && !go_on)
            return;
    }
    if (areg(cpu, R_ECX, &s) != 0) {
        /* An event taken before the last iteration pushes RF set, so that
         * resuming does not fire an instruction breakpoint on this
         * instruction again (SDM vol. 3, 17.3.1.1). */
        cpu->eip = cpu->insn_eip;
        cpu->eflags |= FL_RF;
    }
}

static inline bool movs_element(struct cpu *cpu, const struct insn *in, const struct string_op *s)
{
    uint32_t v = vread(cpu, in->seg, areg(cpu, R_ESI, s), s->size);
    vwrite(cpu, SEG_ES, areg(cpu, R_EDI, s), v, s->size);
    areg_advance(cpu, R_ESI, s);
    areg_advance(cpu, R_EDI, s);
    return true;
}

static inline bool stos_element(struct cpu *cpu, const struct insn *in, const struct string_op *s)
{
    (void)in;
    vwrite(cpu, SEG_ES, areg(cpu, R_EDI, s), reg_read(cpu, R_EAX, s->size), s->size);
    areg_advance(cpu, R_EDI, s);
    return true;
}

static inline bool lods_element(struct cpu *cpu, const struct insn *in, const struct string_op *s)
{
    uint32_t v = vread(cpu, in->seg, areg(cpu, R_ESI, s), s->size);
    reg_write(cpu, R_EAX, v, s->size);
    areg_advance(cpu, R_ESI, s);
    return true;
}

/* REPE continues while equal (ZF = 1), REPNE while not equal. */
static bool rep_condition(const struct cpu *cpu, const struct insn *in)
{
    bool zf = flags_cond(cpu, 4);
    return in->rep == REP_Z ? zf : !zf;
}

static inline bool cmps_element(struct cpu *cpu, const struct insn *in, const struct string_op *s)
{
    uint32_t a = vread(cpu, in->seg, areg(cpu, R_ESI, s), s->size);
    uint32_t b = vread(cpu, SEG_ES, areg(cpu, R_EDI, s), s->size);
    alu_op(cpu, ALU_CMP, a, b, s->size);
    areg_advance(cpu, R_ESI, s);
    areg_advance(cpu, R_EDI, s);
    return rep_condition(cpu, in);
}

static inline bool scas_element(struct cpu *cpu, const struct insn *in, const struct string_op *s)
{
    uint32_t b = vread(cpu, SEG_ES, areg(cpu, R_EDI, s), s->size);
    alu_op(cpu, ALU_CMP, reg_read(cpu, R_EAX, s->size), b, s->size);
    areg_advance(cpu, R_EDI, s);
    return rep_condition(cpu, in);
}

/* INS writes ES:EDI after reading the port; the destination is checked
 * first so a faulting INS does not consume device data. */
static inline bool ins_element(struct cpu *cpu, const struct insn *in, const struct string_op *s)
{
    (void)in;
    uint16_t port = (uint16_t)cpu->regs[R_EDX];
    uint32_t di = areg(cpu, R_EDI, s);
    vprobe_write(cpu, SEG_ES, di, s->size);
    if (cpu->bp_io_mask)
        bp_io_access(cpu, port, s->size);
    vwrite(cpu, SEG_ES, di, cpu_port_read(cpu, port, s->size), s->size);
    areg_advance(cpu, R_EDI, s);
    return true;
}

static inline bool outs_element(struct cpu *cpu, const struct insn *in, const struct string_op *s)
{
    uint32_t v = vread(cpu, in->seg, areg(cpu, R_ESI, s), s->size);
    if (cpu->bp_io_mask)
        bp_io_access(cpu, (uint16_t)cpu->regs[R_EDX], s->size);
    cpu_port_write(cpu, (uint16_t)cpu->regs[R_EDX], v, s->size);
    areg_advance(cpu, R_ESI, s);
    return true;
}

void exec_MOVS(struct cpu *cpu, const struct insn *in)
{
    string_run(cpu, in, movs_element, false);
}

void exec_STOS(struct cpu *cpu, const struct insn *in)
{
    string_run(cpu, in, stos_element, false);
}

void exec_LODS(struct cpu *cpu, const struct insn *in)
{
    string_run(cpu, in, lods_element, false);
}

void exec_CMPS(struct cpu *cpu, const struct insn *in)
{
    string_run(cpu, in, cmps_element, true);
}

void exec_SCAS(struct cpu *cpu, const struct insn *in)
{
    string_run(cpu, in, scas_element, true);
}

void exec_INS(struct cpu *cpu, const struct insn *in)
{
    io_check_permission(cpu, (uint16_t)cpu->regs[R_EDX], in->osize);
    string_run(cpu, in, ins_element, false);
}

void exec_OUTS(struct cpu *cpu, const struct insn *in)
{
    io_check_permission(cpu, (uint16_t)cpu->regs[R_EDX], in->osize);
    string_run(cpu, in, outs_element, false);
}
