/*
 * The x87 differential test's shared vocabulary: one case (an FPU state,
 * a memory operand area and a few instruction bytes) and what running it
 * left behind, as exchanged between the 64-bit driver and the 32-bit native
 * runner. Everything is fixed-width little-endian with no padding, so the
 * two sides, built for different ABIs, agree on every byte.
 *
 * Conversation on the runner's stdin/stdout:
 *   runner -> driver  struct xd_hello
 *   then repeatedly:
 *   driver -> runner  uint32 ncases, ncases struct xd_case
 *   runner -> driver  ncases struct xd_result
 *   ncases = 0 ends the conversation.
 *
 * The code runs with EBX pointing XD_MEM_BIAS bytes into the memory area,
 * so a memory operand is [EBX] (ModRM mod 00, r/m 011) in both worlds, and
 * stores that stray before or after it show in the area too.
 */
#ifndef X87DIFF_PROTOCOL_H
#define X87DIFF_PROTOCOL_H

#include <stdint.h>

#define XD_MAGIC 0x3144385au /* "Z8D1" */
#define XD_MEM_SIZE 32u
#define XD_MEM_BIAS 8u
#define XD_MAX_CODE 44u
#define XD_MAX_BATCH 8192u
/* xd_result.vector when the code ran to its end. */
#define XD_NO_VECTOR 0xffffffffu

struct xd_hello {
    uint32_t magic;
    char vendor[12]; /* the host CPU's CPUID vendor string */
};

/* Registers are R0-R7 by physical number (ST(i) is R((TOP + i) mod 8)),
 * each 8 bytes of significand then the sign and exponent, as stored in
 * memory by FSAVE. The tag word is the full one FSAVE stores. */
struct xd_fpu {
    uint16_t fcw, fsw, ftw, unused;
    uint8_t r[8][10];
};

struct xd_case {
    struct xd_fpu fpu;
    uint32_t eflags; /* loaded before the code runs (FCMOV reads CF, PF, ZF) */
    uint32_t code_len;
    uint8_t mem[XD_MEM_SIZE];
    uint8_t code[XD_MAX_CODE];
};

struct xd_result {
    struct xd_fpu fpu;
    uint32_t eflags;
    uint32_t vector;     /* exception that ended the run, or XD_NO_VECTOR */
    uint32_t fault_off;  /* offset of the faulting instruction in the code */
    uint8_t mem[XD_MEM_SIZE];
};

_Static_assert(sizeof(struct xd_fpu) == 88, "no padding");
_Static_assert(sizeof(struct xd_case) == 88 + 8 + XD_MEM_SIZE + XD_MAX_CODE, "no padding");
_Static_assert(sizeof(struct xd_result) == 88 + 12 + XD_MEM_SIZE, "no padding");

#endif
