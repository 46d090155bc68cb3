/*
 * Reader for MOO files, the binary per-instruction test format of the
 * SingleStepTests suites (layout in ../shared/testdata/README.md).
 *
 * A file is read once into memory (gzip or plain, zlib handles both) and
 * indexed; tests point into that buffer, so nothing is copied per test.
 */
#ifndef CONF_MOO_H
#define CONF_MOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Registers in the order of the 32-bit RG32 chunk; the 16-bit REGS chunk is
 * mapped onto the same indices. */
enum moo_reg {
    MOO_CR0, MOO_CR3, MOO_EAX, MOO_EBX, MOO_ECX, MOO_EDX, MOO_ESI, MOO_EDI,
    MOO_EBP, MOO_ESP, MOO_CS, MOO_DS, MOO_ES, MOO_FS, MOO_GS, MOO_SS,
    MOO_EIP, MOO_EFLAGS, MOO_DR6, MOO_DR7, MOO_REG_COUNT
};

struct moo_regs {
    uint32_t present; /* bit per enum moo_reg */
    uint32_t v[MOO_REG_COUNT];
};

/* RAM entries stay in the file image: 4-byte address, 1-byte value. */
struct moo_ram {
    const uint8_t *p;
    uint32_t count;
};

struct moo_state {
    struct moo_regs regs;
    struct moo_regs mask; /* RMSK/RM32 AND-masks; present == 0 when absent */
    struct moo_ram ram;
};

struct moo_test {
    uint32_t index;
    const char *name; /* not NUL-terminated */
    uint32_t name_len;
    const uint8_t *bytes;
    uint32_t nbytes;
    struct moo_state init, fina;
    bool has_excp;
    uint8_t excp_vector;
    uint32_t excp_flags_addr;
    bool has_hash;
    uint8_t hash[20];
};

struct moo_file {
    uint8_t *data;
    size_t size;
    char cpu_id[5];
    uint8_t major, minor;
    bool regs32;             /* tests use RG32 */
    struct moo_regs fmask;   /* file-level RMSK/RM32 */
    struct moo_test *tests;
    uint32_t ntests;
};

/* Load and index a file. Returns 0, or -1 with a one-line reason in err. */
int moo_load(const char *path, struct moo_file *f, char *err, size_t errlen);
void moo_free(struct moo_file *f);

static inline uint32_t moo_ram_addr(const struct moo_ram *r, uint32_t i)
{
    const uint8_t *e = r->p + (size_t)i * 5;
    return (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
}

static inline uint8_t moo_ram_value(const struct moo_ram *r, uint32_t i)
{
    return r->p[(size_t)i * 5 + 4];
}

extern const char *const moo_reg_names[MOO_REG_COUNT];

#endif
