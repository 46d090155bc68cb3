/*
 * Device state, described once.
 *
 * A device lists the fields of its state struct in a const table. The same
 * table serves three purposes: reset (every field takes its reset value),
 * save and load (machine state files, snapshots, migration). Saved fields
 * are fixed-width little-endian integers in table order, never host
 * pointers, so a state saved on one host loads on another. Anything a
 * device derives from its fields (armed timers, a host file descriptor) is
 * rebuilt by its post_load hook.
 *
 * Versions: a desc has a version; a field added later carries the version
 * that introduced it (`since`, through STATE_FIELD_SINCE), and loading an
 * older section leaves such fields at their reset value. A section newer
 * than the code is refused. Versions start at 1.
 *
 * A section is: the name as a u32 length and its bytes (no terminator), a
 * u32 version, a u32 count of the fields that follow, then every element
 * of every field in table order at its kind's width (u8, u16, u32, u64;
 * a bool is one byte, 0 or 1). All integers are little-endian.
 */
#ifndef LINTAS_STATE_H
#define LINTAS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum state_kind { STATE_U8, STATE_U16, STATE_U32, STATE_U64, STATE_BOOL };

struct state_field {
    const char *name;
    uint8_t kind;     /* enum state_kind */
    uint32_t offset;  /* offsetof() in the device's struct */
    uint32_t count;   /* array elements; 1 for a scalar */
    uint64_t reset;   /* value of every element at reset */
    uint32_t since;   /* version of the desc that added the field */
};

/* C type to state kind, checked at compile time. */
#define STATE_KIND_OF(x)                                                       \
    _Generic((x), uint8_t: STATE_U8, uint16_t: STATE_U16, uint32_t: STATE_U32, \
             uint64_t: STATE_U64, bool: STATE_BOOL)

/* A scalar field with its reset value, added in version `since` of its
 * desc. The reset value is cut to the field's width; a bool resets to
 * whether it is non-zero. member may name a nested member (st.ier). */
#define STATE_FIELD_SINCE(type, member, reset_value, since_version)                    \
    { #member, STATE_KIND_OF(((type *)0)->member), (uint32_t)offsetof(type, member), 1, \
      (uint64_t)(reset_value), (since_version) }

/* An array field; every element resets to reset_value. */
#define STATE_ARRAY_SINCE(type, member, reset_value, since_version)                        \
    { #member, STATE_KIND_OF(((type *)0)->member[0]), (uint32_t)offsetof(type, member),     \
      (uint32_t)(sizeof(((type *)0)->member) / sizeof(((type *)0)->member[0])),            \
      (uint64_t)(reset_value), (since_version) }

/* Fields there from the first version. */
#define STATE_FIELD(type, member, reset_value) STATE_FIELD_SINCE(type, member, reset_value, 1)
#define STATE_ARRAY(type, member, reset_value) STATE_ARRAY_SINCE(type, member, reset_value, 1)

struct state_desc {
    const char *name;  /* section name, unique within a machine */
    uint32_t version;
    const struct state_field *fields;
    size_t field_count;
    /* After load, with the fields already in obj: check them, then rebuild
     * derived state; return 0, or -1 with a reason in err when the loaded
     * values are impossible for the device. On -1 the loader puts the old
     * field values back, so the hook must refuse before it changes
     * anything. May be NULL. */
    int (*post_load)(void *obj, char *err, size_t errlen);
};

/* Every field to its reset value. */
void state_reset(const struct state_desc *desc, void *obj);

/* A growing byte buffer that sections are written to; starts zeroed. */
struct state_writer {
    uint8_t *buf;
    size_t len, cap;
    bool failed; /* out of memory: nothing more is written */
};

/* A bounded view of saved bytes that sections are read from. */
struct state_reader {
    const uint8_t *buf;
    size_t len, pos;
};

/* Append the section for obj: name, version, field count, field values. */
void state_save(const struct state_desc *desc, const void *obj, struct state_writer *w);

/* Read the next section into obj, checking its name and version and that
 * every value fits its field (a bool is 0 or 1), then call post_load. On
 * success the reader moves past the section. On failure obj and the
 * reader are left as they were and err holds one line naming the
 * section. Returns 0 or -1. */
int state_load(const struct state_desc *desc, void *obj, struct state_reader *r,
               char *err, size_t errlen);

void state_writer_free(struct state_writer *w);

/* Raw writes, for containers of sections (machine state files): an
 * integer of 1 to 8 bytes little-endian, or n bytes (NULL: zeros). */
void state_write_le(struct state_writer *w, uint64_t v, unsigned bytes);
void state_write_bytes(struct state_writer *w, const void *data, size_t n);

#endif
