/*
 * Segmentation: descriptors, selector checks and segment register loads
 * (SDM vol. 3, chapter 3 and 5).
 */
#ifndef CPU_SEG_H
#define CPU_SEG_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/cpu.h"

/* Descriptor type nibbles (S = 0 system types, SDM vol. 3, table 3-2). */
enum {
    DESC_TSS16_AVAIL = 1, DESC_LDT = 2, DESC_TSS16_BUSY = 3, DESC_CALL16 = 4,
    DESC_TASK_GATE = 5, DESC_INT16 = 6, DESC_TRAP16 = 7, DESC_TSS32_AVAIL = 9,
    DESC_TSS32_BUSY = 11, DESC_CALL32 = 12, DESC_INT32 = 14, DESC_TRAP32 = 15,
};
/* Code/data type bits (S = 1). */
enum { SEG_TYPE_ACCESSED = 1, SEG_TYPE_RW = 2, SEG_TYPE_DC = 4, SEG_TYPE_CODE = 8 };

/* A raw 8-byte descriptor as two little-endian dwords. */
struct descriptor {
    uint32_t lo, hi;
};

static inline uint32_t desc_base(struct descriptor d)
{
    return (d.lo >> 16) | ((d.hi & 0xff) << 16) | (d.hi & 0xff000000u);
}
static inline uint32_t desc_limit(struct descriptor d)
{
    uint32_t limit = (d.lo & 0xffff) | (d.hi & 0x000f0000u);
    return (d.hi & (1u << 23)) ? (limit << 12) | 0xfff : limit;
}
static inline uint16_t desc_attr(struct descriptor d)
{
    return (d.hi >> 8) & 0xf0ff;
}
static inline unsigned attr_dpl(uint16_t attr)
{
    return (attr >> 5) & 3;
}
static inline bool attr_is_code(uint16_t attr)
{
    return (attr & SEG_ATTR_S) && (attr & SEG_TYPE_CODE);
}
/* Gate descriptor fields. */
static inline uint16_t gate_selector(struct descriptor d)
{
    return d.lo >> 16;
}
static inline uint32_t gate_offset(struct descriptor d)
{
    return (d.lo & 0xffff) | (d.hi & 0xffff0000u);
}

static inline bool cpu_protected(const struct cpu *cpu)
{
    return (cpu->cr0 & CR0_PE) != 0;
}
static inline bool cpu_v86(const struct cpu *cpu)
{
    return (cpu->eflags & FL_VM) != 0;
}
/* Protected mode proper: PE set and not virtual-8086. */
static inline bool cpu_pmode(const struct cpu *cpu)
{
    return cpu_protected(cpu) && !cpu_v86(cpu);
}

/* Fill a descriptor cache from its parts, deriving lo/hi/acc. */
void seg_cache_set(struct seg_cache *s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr);

/* Read the descriptor a selector names from the GDT or LDT. Returns false
 * when the selector's index is outside the table (the caller picks the
 * fault). Null selectors are the caller's business. */
bool seg_fetch_descriptor(struct cpu *cpu, uint16_t sel, struct descriptor *d);

/* Same, raising fault_vector(sel & ~3) when outside the table. */
struct descriptor seg_fetch_or_fault(struct cpu *cpu, uint16_t sel, int fault_vector);

/* Set the accessed bit of a segment descriptor in memory, if clear. */
void seg_set_accessed(struct cpu *cpu, uint16_t sel, struct descriptor *d);

/* Load ES, SS, DS, FS or GS as MOV, POP and LDS/LES/LFS/LGS/LSS do: plain
 * base = sel << 4 in real and V86 mode; in protected mode every check of SDM
 * vol. 2, MOV (#GP, #SS, #NP with the selector as error code). In real and
 * V86 mode it also loads CS for far transfers. */
void seg_load(struct cpu *cpu, int seg, uint16_t sel);

/* The protected-mode checks of seg_load for ES, SS, DS, FS or GS at
 * privilege cpl, without touching any register: on success the descriptor
 * is marked accessed and *out holds the cache to install. vector replaces
 * #GP for the general failures (#TS during a task switch) and ext is ORed
 * into every error code; a missing segment is #SS (SS) or #NP (others). */
void seg_prepare_load(struct cpu *cpu, int seg, uint16_t sel, unsigned cpl, int vector,
                      uint32_t ext, struct seg_cache *out);

/* Make a segment register unusable with a null selector (protected mode:
 * every access through it faults). */
void seg_load_null(struct cpu *cpu, int seg, uint16_t sel);

/* Load CS for a far transfer whose checks are done: sets the cache from the
 * descriptor with RPL forced to cpl, and the CPL. */
void seg_load_cs(struct cpu *cpu, uint16_t sel, struct descriptor d, unsigned cpl);

/* After a privilege drop (RET/IRET to an outer level): data segment
 * registers whose DPL is below the new CPL become null (SDM vol. 3, 5.8.6). */
void seg_invalidate_for_cpl(struct cpu *cpu);

/* The CPL/DPL/RPL rule for data segments: may code at cpl with selector
 * rpl use a segment with attributes attr? (SDM vol. 3, 5.6) */
bool seg_data_accessible(uint16_t attr, unsigned cpl, unsigned rpl);

#endif
