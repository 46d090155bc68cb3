/* Temporary weak placeholders so the tree links while parts are written. */
#include <stdlib.h>

#include "exec.h"
#include "fault.h"
#include "seg.h"
#include "system.h"
#include "flags.h"

#define WEAK __attribute__((weak))
#define STUB_HANDLER(name) WEAK void exec_##name(struct cpu *cpu, const struct insn *in) { (void)in; cpu_fault(cpu, EXC_UD, 0); }
CPU_OPS(STUB_HANDLER)

WEAK int decode_insn(const uint8_t *b, size_t a, bool c, struct insn *in) { (void)b; (void)a; (void)c; (void)in; abort(); }
WEAK void cpu_deliver_interrupt(struct cpu *cpu, int v, enum intr_kind k, bool p, uint32_t e, uint32_t r) { (void)cpu; (void)v; (void)k; (void)p; (void)e; (void)r; abort(); }
WEAK void seg_cache_set(struct seg_cache *s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr) { s->sel = sel; s->base = base; s->limit = limit; s->attr = attr; s->lo = 0; s->hi = limit; s->acc = 3; }
WEAK void seg_load(struct cpu *cpu, int seg, uint16_t sel) { seg_cache_set(&cpu->seg[seg], sel, (uint32_t)sel << 4, cpu->seg[seg].limit, cpu->seg[seg].attr); }
WEAK void cpu_mode_changed(struct cpu *cpu) { (void)cpu; }
WEAK void io_check_permission(struct cpu *cpu, uint16_t port, unsigned size) { (void)cpu; (void)port; (void)size; }
WEAK uint32_t flags_compute(const struct cpu *cpu) { return cpu->cc_src & FL_ARITH; }
WEAK bool flags_cf(const struct cpu *cpu) { return flags_compute(cpu) & FL_CF; }
WEAK bool flags_cond(const struct cpu *cpu, unsigned cc) { (void)cpu; (void)cc; abort(); }
