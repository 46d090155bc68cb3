/*
 * The host differential test's shared vocabulary: the guest address layout
 * both worlds use and the messages between the 64-bit driver and the 32-bit
 * native runner. Everything is fixed-width little-endian so the two sides,
 * built for different ABIs, agree on every byte.
 *
 * Conversation on the runner's stdin/stdout:
 *   runner -> driver  struct hd_hello
 *   driver -> runner  HD_IMAGE_SIZE bytes: the pristine low/data/stack image
 *   then repeatedly:
 *   driver -> runner  uint32 ncases, uint32 nbytes, nbytes of cases
 *   runner -> driver  uint32 nbytes, nbytes of results
 *   ncases = 0 ends the conversation.
 * A case is struct hd_case, the code padded to 4 bytes, then npatch
 * struct hd_patch. A result is struct hd_result then nchunks struct hd_chunk.
 */
#ifndef HOSTDIFF_PROTOCOL_H
#define HOSTDIFF_PROTOCOL_H

#include <stdint.h>

/* Linear layout, identical natively and in the emulator. Each of the data
 * and stack areas has 64 KiB of unmapped guard on both sides (page faults
 * are generated there); the low area is what 16-bit addressing reaches. */
#define HD_CODE_BASE 0x20000000u
#define HD_CODE_SIZE 0x1000u
#define HD_DATA_BASE 0x30000000u
#define HD_DATA_SIZE 0x10000u
#define HD_STACK_BASE 0x38000000u
#define HD_STACK_SIZE 0x10000u
#define HD_LOW_BASE 0x1000u
#define HD_LOW_SIZE 0xf000u
#define HD_GUARD_SIZE 0x10000u

/* The memory image compared after each case: low, data, stack areas. */
#define HD_IMG_LOW 0u
#define HD_IMG_DATA HD_LOW_SIZE
#define HD_IMG_STACK (HD_LOW_SIZE + HD_DATA_SIZE)
#define HD_IMAGE_SIZE (HD_LOW_SIZE + HD_DATA_SIZE + HD_STACK_SIZE)
#define HD_CHUNK 64u

#define HD_MAX_CODE 512u
#define HD_MAX_PATCH 16u
#define HD_MAGIC 0x3144484cu /* "LHD1" */

/* Order of segment selectors in messages (the CPU's SEG_* order). */
enum { HD_ES, HD_CS, HD_SS, HD_DS, HD_FS, HD_GS, HD_NSEG };

struct hd_hello {
    uint32_t magic;
    uint32_t low_mapped;     /* the low area could be mapped (vm.mmap_min_addr) */
    uint32_t sel[HD_NSEG];   /* selectors the process runs with */
    uint32_t lar[16];        /* LAR of GDT index i with RPL 3, when lar_ok bit i */
    uint32_t lsl[16];
    uint32_t lar_ok, lsl_ok;
};

struct hd_case {
    uint32_t regs[8]; /* EAX ECX EDX EBX ESP EBP ESI EDI */
    uint32_t eflags;
    uint32_t org;      /* the code starts at HD_CODE_BASE + org ... */
    uint32_t code_len; /* ... and what lies past the code area is dropped */
    uint32_t npatch;
};

/* A dword stored before the run, at a linear address inside an area. */
struct hd_patch {
    uint32_t addr;
    uint32_t value;
};

/* hd_result.vector of a case the runner stopped after a second. */
#define HD_TIMEOUT 0xfffffffeu

struct hd_result {
    uint32_t regs[8];
    uint32_t eip;
    uint32_t eflags;
    uint32_t vector;     /* exception that ended the run */
    uint32_t error_code;
    uint32_t cr2;
    uint32_t sel[HD_NSEG];
    uint32_t signo;      /* native only: the signal that reported it */
    uint32_t nchunks;    /* changed 64-byte chunks of the image that follow */
};

struct hd_chunk {
    uint32_t offset; /* image offset, a multiple of HD_CHUNK */
    uint8_t bytes[HD_CHUNK];
};

#endif
