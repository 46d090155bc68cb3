/*
 * Device state tables: reset, save and load (see lintas/state.h).
 *
 * Values go through explicit little-endian byte packing, never a memcpy of
 * host integers to the buffer, so the format does not depend on the host.
 * Loading decodes the whole section into a staging buffer first and only
 * then swaps it into the object, so that truncated or corrupt input, or a
 * post_load hook that refuses the values, leaves the object as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lintas/state.h"

/* Bytes of one element in the device's struct, by kind. */
static size_t host_size(uint8_t kind)
{
    switch (kind) {
    case STATE_U8:
        return 1;
    case STATE_U16:
        return 2;
    case STATE_U32:
        return 4;
    case STATE_U64:
        return 8;
    default:
        return sizeof(bool);
    }
}

/* Bytes of one element in a saved section, by kind. */
static unsigned wire_size(uint8_t kind)
{
    return kind == STATE_BOOL ? 1 : (unsigned)host_size(kind);
}

static uint64_t get_element(const uint8_t *p, uint8_t kind)
{
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    bool b;

    switch (kind) {
    case STATE_U8:
        memcpy(&u8, p, sizeof(u8));
        return u8;
    case STATE_U16:
        memcpy(&u16, p, sizeof(u16));
        return u16;
    case STATE_U32:
        memcpy(&u32, p, sizeof(u32));
        return u32;
    case STATE_U64:
        memcpy(&u64, p, sizeof(u64));
        return u64;
    default:
        memcpy(&b, p, sizeof(b));
        return b ? 1 : 0;
    }
}

/* Store v, cut to the kind's width. */
static void put_element(uint8_t *p, uint8_t kind, uint64_t v)
{
    uint8_t u8 = (uint8_t)v;
    uint16_t u16 = (uint16_t)v;
    uint32_t u32 = (uint32_t)v;
    bool b = v != 0;

    switch (kind) {
    case STATE_U8:
        memcpy(p, &u8, sizeof(u8));
        break;
    case STATE_U16:
        memcpy(p, &u16, sizeof(u16));
        break;
    case STATE_U32:
        memcpy(p, &u32, sizeof(u32));
        break;
    case STATE_U64:
        memcpy(p, &v, sizeof(v));
        break;
    default:
        memcpy(p, &b, sizeof(b));
        break;
    }
}

static size_t field_bytes(const struct state_field *f)
{
    return (size_t)f->count * host_size(f->kind);
}

void state_reset(const struct state_desc *desc, void *obj)
{
    for (size_t i = 0; i < desc->field_count; i++) {
        const struct state_field *f = &desc->fields[i];
        uint8_t *p = (uint8_t *)obj + f->offset;
        for (uint32_t e = 0; e < f->count; e++)
            put_element(p + e * host_size(f->kind), f->kind, f->reset);
    }
}

/* Room for n more bytes, or false (and failed set) when memory runs out. */
static bool writer_reserve(struct state_writer *w, size_t n)
{
    if (w->failed)
        return false;
    if (n <= w->cap - w->len)
        return true;
    if (n > SIZE_MAX / 2 - w->len) {
        w->failed = true;
        return false;
    }
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len < n)
        cap *= 2;
    uint8_t *buf = realloc(w->buf, cap);
    if (!buf) {
        w->failed = true;
        return false;
    }
    w->buf = buf;
    w->cap = cap;
    return true;
}

void state_write_le(struct state_writer *w, uint64_t v, unsigned bytes)
{
    if (!writer_reserve(w, bytes))
        return;
    for (unsigned i = 0; i < bytes; i++)
        w->buf[w->len++] = (uint8_t)(v >> (8 * i));
}

void state_write_bytes(struct state_writer *w, const void *data, size_t n)
{
    if (!writer_reserve(w, n))
        return;
    if (data)
        memcpy(w->buf + w->len, data, n);
    else
        memset(w->buf + w->len, 0, n);
    w->len += n;
}

void state_save(const struct state_desc *desc, const void *obj, struct state_writer *w)
{
    size_t name_len = strlen(desc->name);
    state_write_le(w, name_len, 4);
    state_write_bytes(w, desc->name, name_len);
    state_write_le(w, desc->version, 4);
    state_write_le(w, desc->field_count, 4);
    for (size_t i = 0; i < desc->field_count; i++) {
        const struct state_field *f = &desc->fields[i];
        const uint8_t *p = (const uint8_t *)obj + f->offset;
        for (uint32_t e = 0; e < f->count; e++)
            state_write_le(w, get_element(p + e * host_size(f->kind), f->kind), wire_size(f->kind));
    }
}

void state_writer_free(struct state_writer *w)
{
    free(w->buf);
    *w = (struct state_writer){ 0 };
}

static bool read_le(struct state_reader *r, unsigned bytes, uint64_t *v)
{
    if (r->pos > r->len || r->len - r->pos < bytes)
        return false;
    *v = 0;
    for (unsigned i = 0; i < bytes; i++)
        *v |= (uint64_t)r->buf[r->pos++] << (8 * i);
    return true;
}

static int load_error(const struct state_desc *desc, char *err, size_t errlen, const char *why)
{
    if (errlen)
        snprintf(err, errlen, "state section '%s': %s", desc->name, why);
    return -1;
}

/* Decode the field values of a section of the given version into staged,
 * laid out as the fields one after another; fields the version lacks take
 * their reset values. Returns NULL or what is wrong. */
static const char *decode_fields(const struct state_desc *desc, uint32_t version,
                                 struct state_reader *r, uint8_t *staged)
{
    for (size_t i = 0; i < desc->field_count; i++) {
        const struct state_field *f = &desc->fields[i];
        size_t size = host_size(f->kind);
        for (uint32_t e = 0; e < f->count; e++, staged += size) {
            uint64_t v = f->reset;
            if (f->since <= version) {
                if (!read_le(r, wire_size(f->kind), &v))
                    return "truncated";
                if (f->kind == STATE_BOOL && v > 1)
                    return "a bool field is neither 0 nor 1";
            }
            put_element(staged, f->kind, v);
        }
    }
    return NULL;
}

/* Exchange the described fields of obj with the staged bytes. */
static void swap_fields(const struct state_desc *desc, void *obj, uint8_t *staged)
{
    for (size_t i = 0; i < desc->field_count; i++) {
        const struct state_field *f = &desc->fields[i];
        uint8_t *p = (uint8_t *)obj + f->offset;
        for (size_t n = field_bytes(f); n > 0; n--, p++, staged++) {
            uint8_t byte = *p;
            *p = *staged;
            *staged = byte;
        }
    }
}

int state_load(const struct state_desc *desc, void *obj, struct state_reader *r, char *err,
               size_t errlen)
{
    struct state_reader in = *r;
    uint64_t name_len, version, count;
    size_t want_len = strlen(desc->name);

    if (!read_le(&in, 4, &name_len) || name_len != want_len ||
        in.len - in.pos < want_len || memcmp(in.buf + in.pos, desc->name, want_len) != 0)
        return load_error(desc, err, errlen, "not found (the next section has another name)");
    in.pos += want_len;
    if (!read_le(&in, 4, &version))
        return load_error(desc, err, errlen, "truncated");
    if (version == 0 || version > desc->version) {
        char why[96];
        snprintf(why, sizeof(why), "version %u is not supported (at most %u)",
                 (unsigned)version, (unsigned)desc->version);
        return load_error(desc, err, errlen, why);
    }
    if (!read_le(&in, 4, &count))
        return load_error(desc, err, errlen, "truncated");
    uint64_t want_count = 0;
    size_t total = 0;
    for (size_t i = 0; i < desc->field_count; i++) {
        want_count += desc->fields[i].since <= version;
        total += field_bytes(&desc->fields[i]);
    }
    if (count != want_count) {
        char why[96];
        snprintf(why, sizeof(why), "%llu fields where version %u has %llu",
                 (unsigned long long)count, (unsigned)version, (unsigned long long)want_count);
        return load_error(desc, err, errlen, why);
    }

    uint8_t *staged = malloc(total ? total : 1);
    if (!staged)
        return load_error(desc, err, errlen, "out of memory");
    const char *why = decode_fields(desc, (uint32_t)version, &in, staged);
    if (why) {
        free(staged);
        return load_error(desc, err, errlen, why);
    }
    swap_fields(desc, obj, staged);
    if (desc->post_load) {
        char reason[160] = "";
        if (desc->post_load(obj, reason, sizeof(reason)) < 0) {
            swap_fields(desc, obj, staged);
            free(staged);
            return load_error(desc, err, errlen, reason[0] ? reason : "impossible values");
        }
    }
    free(staged);
    *r = in;
    return 0;
}
