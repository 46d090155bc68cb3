/*
 * MOO reader: chunk walking with bounds checks on every field, so a damaged
 * file gives an error line instead of a crash.
 */
#include "moo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

const char *const moo_reg_names[MOO_REG_COUNT] = {
    "cr0", "cr3", "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp",
    "cs", "ds", "es", "fs", "gs", "ss", "eip", "eflags", "dr6", "dr7",
};

/* The 16-bit REGS bit order: ax bx cx dx cs ss ds es sp bp si di ip flags. */
static const uint8_t regs16_map[14] = {
    MOO_EAX, MOO_EBX, MOO_ECX, MOO_EDX, MOO_CS, MOO_SS, MOO_DS, MOO_ES,
    MOO_ESP, MOO_EBP, MOO_ESI, MOO_EDI, MOO_EIP, MOO_EFLAGS,
};

struct cursor {
    const uint8_t *p;
    size_t len;
};

struct chunk {
    char id[5];
    struct cursor body;
};

static uint32_t get_u16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get_u32(const uint8_t *p)
{
    return get_u16(p) | get_u16(p + 2) << 16;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Take the next chunk from c. Returns 1, 0 at the end, -1 when truncated. */
static int next_chunk(struct cursor *c, struct chunk *ch)
{
    if (c->len == 0)
        return 0;
    if (c->len < 8)
        return -1;
    uint32_t n = get_u32(c->p + 4);
    if (n > c->len - 8)
        return -1;
    memcpy(ch->id, c->p, 4);
    ch->id[4] = 0;
    ch->body.p = c->p + 8;
    ch->body.len = n;
    c->p += 8 + (size_t)n;
    c->len -= 8 + (size_t)n;
    return 1;
}

static bool is_id(const struct chunk *ch, const char *id)
{
    return memcmp(ch->id, id, 4) == 0;
}

/* REGS/RMSK (16-bit) or RG32/RM32 (32-bit) into r. */
static int parse_regs(const struct cursor *b, bool wide, struct moo_regs *r)
{
    size_t w = wide ? 4 : 2, off = w;
    if (b->len < w)
        return -1;
    uint32_t bits = wide ? get_u32(b->p) : get_u16(b->p);
    unsigned nbits = wide ? MOO_REG_COUNT : 14;
    if (bits >> nbits)
        return -1;
    memset(r, 0, sizeof(*r));
    for (unsigned i = 0; i < nbits; i++) {
        if (!(bits & (1u << i)))
            continue;
        if (off + w > b->len)
            return -1;
        unsigned reg = wide ? i : regs16_map[i];
        r->v[reg] = wide ? get_u32(b->p + off) : get_u16(b->p + off);
        r->present |= 1u << reg;
        off += w;
    }
    return 0;
}

static int parse_ram(const struct cursor *b, struct moo_ram *ram)
{
    if (b->len < 4)
        return -1;
    uint32_t n = get_u32(b->p);
    if ((b->len - 4) / 5 < n)
        return -1;
    ram->p = b->p + 4;
    ram->count = n;
    return 0;
}

/* INIT or FINA. Unknown sub-chunks (QUEU, EA32) are skipped. */
static int parse_state(struct cursor c, struct moo_file *f, struct moo_state *s)
{
    struct chunk ch;
    int r;
    while ((r = next_chunk(&c, &ch)) > 0) {
        if (is_id(&ch, "REGS") || is_id(&ch, "RG32")) {
            f->regs32 = is_id(&ch, "RG32");
            if (parse_regs(&ch.body, f->regs32, &s->regs))
                return -1;
        } else if (is_id(&ch, "RMSK") || is_id(&ch, "RM32")) {
            if (parse_regs(&ch.body, is_id(&ch, "RM32"), &s->mask))
                return -1;
        } else if (is_id(&ch, "RAM ")) {
            if (parse_ram(&ch.body, &s->ram))
                return -1;
        }
    }
    return r;
}

static int parse_test(struct cursor c, struct moo_file *f, struct moo_test *t)
{
    struct chunk ch;
    int r;
    if (c.len < 4)
        return -1;
    memset(t, 0, sizeof(*t));
    t->index = get_u32(c.p);
    c.p += 4;
    c.len -= 4;
    bool have_init = false, have_fina = false, have_bytes = false;
    while ((r = next_chunk(&c, &ch)) > 0) {
        const struct cursor *b = &ch.body;
        if (is_id(&ch, "NAME") || is_id(&ch, "BYTS")) {
            if (b->len < 4 || get_u32(b->p) > b->len - 4)
                return -1;
            if (is_id(&ch, "NAME")) {
                t->name = (const char *)b->p + 4;
                t->name_len = get_u32(b->p);
            } else {
                t->bytes = b->p + 4;
                t->nbytes = get_u32(b->p);
                have_bytes = true;
            }
        } else if (is_id(&ch, "INIT")) {
            if (parse_state(*b, f, &t->init))
                return -1;
            have_init = true;
        } else if (is_id(&ch, "FINA")) {
            if (parse_state(*b, f, &t->fina))
                return -1;
            have_fina = true;
        } else if (is_id(&ch, "EXCP")) {
            if (b->len < 5)
                return -1;
            t->has_excp = true;
            t->excp_vector = b->p[0];
            t->excp_flags_addr = get_u32(b->p + 1);
        } else if (is_id(&ch, "HASH")) {
            if (b->len < 20)
                return -1;
            t->has_hash = true;
            memcpy(t->hash, b->p, 20);
        }
    }
    if (r < 0 || !have_init || !have_fina || !have_bytes)
        return -1;
    return 0;
}

/* Read the whole file; gzread passes plain files through unchanged. */
static int read_all(const char *path, struct moo_file *f, char *err, size_t errlen)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        set_err(err, errlen, "%s: cannot open", path);
        return -1;
    }
    gzbuffer(gz, 1u << 17);
    size_t cap = 1u << 20, len = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            gzclose(gz);
            set_err(err, errlen, "%s: out of memory", path);
            return -1;
        }
        if (cap - len < (1u << 16)) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = nb;
            cap *= 2;
        }
        int n = gzread(gz, buf + len, (unsigned)(cap - len));
        if (n < 0) {
            int code;
            set_err(err, errlen, "%s: %s", path, gzerror(gz, &code));
            free(buf);
            gzclose(gz);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    gzclose(gz);
    f->data = buf;
    f->size = len;
    return 0;
}

int moo_load(const char *path, struct moo_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    if (read_all(path, f, err, errlen))
        return -1;

    struct cursor c = { f->data, f->size };
    struct chunk ch;
    int r = next_chunk(&c, &ch);
    if (r <= 0 || !is_id(&ch, "MOO ") || ch.body.len < 12) {
        set_err(err, errlen, "%s: not a MOO file", path);
        moo_free(f);
        return -1;
    }
    f->major = ch.body.p[0];
    f->minor = ch.body.p[1];
    uint32_t declared = get_u32(ch.body.p + 4);
    memcpy(f->cpu_id, ch.body.p + 8, 4);
    f->cpu_id[4] = 0;

    /* Each TEST chunk is at least 12 bytes, which bounds a bogus count. */
    if (declared > f->size / 12) {
        set_err(err, errlen, "%s: header claims %u tests, more than the file can hold", path,
                declared);
        moo_free(f);
        return -1;
    }
    f->tests = calloc(declared ? declared : 1, sizeof(*f->tests));
    if (!f->tests) {
        set_err(err, errlen, "%s: out of memory", path);
        moo_free(f);
        return -1;
    }
    while ((r = next_chunk(&c, &ch)) > 0) {
        if (is_id(&ch, "TEST")) {
            if (f->ntests == declared) {
                set_err(err, errlen, "%s: more tests than the %u in the header", path, declared);
                moo_free(f);
                return -1;
            }
            if (parse_test(ch.body, f, &f->tests[f->ntests])) {
                set_err(err, errlen, "%s: test chunk %u is malformed", path, f->ntests);
                moo_free(f);
                return -1;
            }
            f->ntests++;
        } else if (is_id(&ch, "RMSK") || is_id(&ch, "RM32")) {
            if (parse_regs(&ch.body, is_id(&ch, "RM32"), &f->fmask)) {
                set_err(err, errlen, "%s: malformed %s chunk", path, ch.id);
                moo_free(f);
                return -1;
            }
        }
    }
    if (r < 0) {
        set_err(err, errlen, "%s: truncated chunk after test %u", path, f->ntests);
        moo_free(f);
        return -1;
    }
    if (f->ntests != declared) {
        set_err(err, errlen, "%s: header says %u tests, file has %u", path, declared, f->ntests);
        moo_free(f);
        return -1;
    }
    return 0;
}

void moo_free(struct moo_file *f)
{
    free(f->data);
    free(f->tests);
    memset(f, 0, sizeof(*f));
}
