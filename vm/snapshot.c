/*
 * Machine state files: the whole machine in one file, RAM included.
 *
 * Layout (every integer little-endian, fixed width):
 *
 *   header, 24 bytes
 *     0   magic "LINTASVM"
 *     8   u32 format version (STATE_FILE_VERSION)
 *     12  u32 CRC-32 (zlib's) of the whole file, these four bytes read as 0
 *     16  u64 length of the whole file in bytes
 *   sections, one after another, each
 *     u32 tag (four ASCII characters), u64 length of the payload, payload
 *   in this order:
 *     "CONF"  u64 RAM size in bytes, u32 device count, then the section name
 *             of every registered device (u32 length, bytes): the machine
 *             loading the file must have the same, or the file is refused
 *     "CLCK"  u64 virtual time in ns (vclock_save)
 *     "CPU "  the CPU's state section (lintas/state.h, cpu_state_desc)
 *     "DEV "  one per registered device, in registry order: its state
 *             section (the section checks its own name and version)
 *     "RAM "  u64 RAM size in bytes, then the RAM as one zlib stream
 *
 * Saving writes PATH.tmp next to PATH, syncs it and renames it over PATH,
 * then syncs the directory: a crash leaves the old file or the new one,
 * never half of one. RAM is compressed straight to the file, so saving
 * needs no second copy of it; its CRC is joined to the header's with
 * crc32_combine once the lengths are known.
 *
 * Loading reads the file into memory and checks magic, version, length and
 * CRC before anything else. The CRC only catches accidents: a file made to
 * pass it is parsed with every length checked against what is left, the
 * allocation is bounded by what a file of this machine's RAM size can be,
 * inflate writes into a buffer of its own, and every section's own load
 * refuses values its device could not hold. RAM is copied from that buffer
 * a page at a time, skipping pages that are zero in both the file and the
 * machine, so that RAM the guest never touched still costs no host memory.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lintas/cpu.h"
#include "lintas/machine.h"
#include "lintas/log.h"
#include "lintas/mem.h"
#include "lintas/state.h"
#include "lintas/timer.h"

#define STATE_FILE_MAGIC "LINTASVM"
#define STATE_FILE_VERSION 1u

#define MAGIC_LEN 8
#define CRC_OFFSET 12
#define LENGTH_OFFSET 16
#define HEADER_LEN 24

#define TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define TAG_CONF TAG('C', 'O', 'N', 'F')
#define TAG_CLCK TAG('C', 'L', 'C', 'K')
#define TAG_CPU TAG('C', 'P', 'U', ' ')
#define TAG_DEV TAG('D', 'E', 'V', ' ')
#define TAG_RAM TAG('R', 'A', 'M', ' ')

/* Longest device section name the configuration section may hold. */
#define NAME_MAX_LEN 64

/* Room for everything but RAM: the configuration, CPU and device sections
 * come to a few KiB; this bounds what a load allocates beyond the largest
 * compressed RAM. */
#define NON_RAM_MAX (1u << 20)

/* zlib counts in unsigned int: RAM and the file go through it in pieces
 * this big. */
#define ZLIB_PIECE (1u << 30)
#define DEFLATE_OUT (256u << 10)
#define INFLATE_PIECE (256u << 10) /* a whole number of pages */

/* What the header check reads to name the problem with a file too large to
 * load whole. */
#define PEEK_LEN (64u << 10)

static int file_error(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* One line: "state file 'PATH': what". Returns -1. */
static int file_error(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    if (errlen)
        snprintf(err, errlen, "state file '%s': ", path);
    va_list ap;
    va_start(ap, fmt);
    error_append(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* "128 MiB", "640 KiB" or "1000 bytes". */
static const char *size_text(uint64_t bytes, char *buf, size_t len)
{
    if (bytes && bytes % (1u << 20) == 0)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
    else if (bytes && bytes % 1024 == 0)
        snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
    return buf;
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ---- building the part before the RAM ---- */

/* Start a section; returns where its length goes, for end_section. */
static size_t begin_section(struct state_writer *w, uint32_t tag)
{
    state_write_le(w, tag, 4);
    size_t at = w->len;
    state_write_le(w, 0, 8);
    return at;
}

static void end_section(struct state_writer *w, size_t at)
{
    if (!w->failed)
        put_le(w->buf + at, w->len - at - 8, 8);
}

/* Header, every section but the RAM's compressed bytes; the RAM section's
 * length and the header's length and CRC are filled in once those bytes
 * are written. Returns where the RAM section's length goes. */
static size_t build_prefix(struct machine *m, struct state_writer *w)
{
    state_write_bytes(w, STATE_FILE_MAGIC, MAGIC_LEN);
    state_write_le(w, STATE_FILE_VERSION, 4);
    state_write_bytes(w, NULL, HEADER_LEN - MAGIC_LEN - 4);

    size_t at = begin_section(w, TAG_CONF);
    state_write_le(w, m->ram_size, 8);
    state_write_le(w, m->device_count, 4);
    for (unsigned i = 0; i < m->device_count; i++) {
        const char *name = m->devices[i].desc->name;
        state_write_le(w, strlen(name), 4);
        state_write_bytes(w, name, strlen(name));
    }
    end_section(w, at);

    at = begin_section(w, TAG_CLCK);
    state_write_le(w, vclock_save(m->clock), 8);
    end_section(w, at);

    at = begin_section(w, TAG_CPU);
    state_save(&cpu_state_desc, m->cpu, w);
    end_section(w, at);

    for (unsigned i = 0; i < m->device_count; i++) {
        at = begin_section(w, TAG_DEV);
        state_save(m->devices[i].desc, m->devices[i].obj, w);
        end_section(w, at);
    }

    at = begin_section(w, TAG_RAM);
    state_write_le(w, mem_ram_size(m->mem), 8);
    return at;
}

/* ---- writing the file ---- */

static bool pwrite_all(int fd, const uint8_t *p, size_t n, off_t at)
{
    while (n) {
        ssize_t done = pwrite(fd, p, n, at);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0) {
            if (done == 0)
                errno = EIO;
            return false;
        }
        p += done;
        n -= (size_t)done;
        at += done;
    }
    return true;
}

/* Compress RAM into fd from offset at; *crc and *len take the
 * CRC-32 and the count of the bytes written. false with errno set when a
 * write fails (errno ENOMEM when zlib cannot start). */
static bool write_ram(int fd, off_t at, const uint8_t *ram, uint64_t size, uint32_t *crc,
                      uint64_t *len)
{
    uint8_t *out = malloc(DEFLATE_OUT);
    z_stream zs = { 0 };
    if (!out || deflateInit(&zs, 1) != Z_OK) {
        free(out);
        errno = ENOMEM;
        return false;
    }
    uLong sum = crc32(0, NULL, 0);
    uint64_t left = size, written = 0;
    bool ok = true;
    int ret = Z_OK;
    zs.next_in = (Bytef *)ram;
    while (ok && ret != Z_STREAM_END) {
        if (zs.avail_in == 0 && left) {
            zs.avail_in = left > ZLIB_PIECE ? ZLIB_PIECE : (uInt)left;
            left -= zs.avail_in;
        }
        zs.next_out = out;
        zs.avail_out = DEFLATE_OUT;
        ret = deflate(&zs, left || zs.avail_in ? Z_NO_FLUSH : Z_FINISH);
        size_t n = DEFLATE_OUT - zs.avail_out;
        if (ret == Z_STREAM_ERROR) {
            errno = EINVAL;
            ok = false;
        } else if (n) {
            ok = pwrite_all(fd, out, n, at + (off_t)written);
            sum = crc32(sum, out, (uInt)n);
            written += n;
        }
    }
    deflateEnd(&zs);
    free(out);
    *crc = (uint32_t)sum;
    *len = written;
    return ok;
}

/* Make the rename itself durable. A directory that cannot be opened for
 * reading cannot be synced; the file is in place all the same. */
static bool sync_directory(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) {
        errno = ENOMEM;
        return false;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return true;
    bool ok = fsync(fd) == 0 || errno == EINVAL;
    close(fd);
    return ok;
}

/* Write the file to tmp_path, complete and synced. */
static int write_file(struct machine *m, const char *path, const char *tmp_path, char *err,
                      size_t errlen)
{
    struct state_writer w = { 0 };
    size_t ram_len_at = build_prefix(m, &w);
    if (w.failed) {
        state_writer_free(&w);
        return file_error(err, errlen, path, "out of memory");
    }

    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        state_writer_free(&w);
        return file_error(err, errlen, path, "cannot create '%s': %s", tmp_path, strerror(e));
    }
    uint32_t ram_crc;
    uint64_t ram_len;
    bool ok = write_ram(fd, (off_t)w.len, mem_ram(m->mem), mem_ram_size(m->mem), &ram_crc,
                        &ram_len);
    if (ok) {
        put_le(w.buf + ram_len_at, 8 + ram_len, 8);
        put_le(w.buf + LENGTH_OFFSET, w.len + ram_len, 8);
        uLong crc = crc32(crc32(0, NULL, 0), w.buf, (uInt)w.len);
        crc = crc32_combine(crc, ram_crc, (z_off_t)ram_len);
        put_le(w.buf + CRC_OFFSET, crc, 4);
        ok = pwrite_all(fd, w.buf, w.len, 0) && fsync(fd) == 0;
    }
    int e = errno;
    state_writer_free(&w);
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        unlink(tmp_path);
        return file_error(err, errlen, path, "cannot write '%s': %s", tmp_path, strerror(e));
    }
    return 0;
}

int machine_save_state(struct machine *m, const char *path, char *err, size_t errlen)
{
    /* The clock follows the count the run loop last reported; make it the
     * CPU's own, so the saved time is that of the last instruction. */
    vclock_account(m->clock, m->cpu->icount);

    size_t len = strlen(path);
    char *tmp_path = malloc(len + sizeof(".tmp"));
    if (!tmp_path)
        return file_error(err, errlen, path, "out of memory");
    memcpy(tmp_path, path, len);
    memcpy(tmp_path + len, ".tmp", sizeof(".tmp"));

    int ret = write_file(m, path, tmp_path, err, errlen);
    if (ret == 0 && rename(tmp_path, path) != 0) {
        int e = errno;
        unlink(tmp_path);
        ret = file_error(err, errlen, path, "cannot rename '%s' to it: %s", tmp_path,
                         strerror(e));
    }
    if (ret == 0 && !sync_directory(path))
        ret = file_error(err, errlen, path, "cannot sync its directory: %s", strerror(errno));
    free(tmp_path);
    return ret;
}

/* ---- reading ---- */

/* The largest file a machine with this much RAM can have written: the
 * sections other than RAM, and the compressed RAM, which deflate never
 * makes more than a few bytes per 16 KiB larger than the input (zlib's
 * compressBound); a KiB per MiB is ample. */
static uint64_t largest_file(uint64_t ram_size)
{
    return ram_size + (ram_size >> 10) + NON_RAM_MAX;
}

static bool take(struct state_reader *r, size_t n, const uint8_t **p)
{
    if (r->len - r->pos < n)
        return false;
    *p = r->buf + r->pos;
    r->pos += n;
    return true;
}

static bool take_le(struct state_reader *r, unsigned bytes, uint64_t *v)
{
    const uint8_t *p;
    if (!take(r, bytes, &p))
        return false;
    *v = get_le(p, bytes);
    return true;
}

/* Check what the header says of a file of file_size bytes, from the first
 * have bytes of it (all of them, or a prefix when it is too large to read
 * whole). The CRC is left to the caller. Returns NULL or what is wrong. */
static const char *check_header(const uint8_t *buf, size_t have, uint64_t file_size, char *why,
                                size_t whylen)
{
    size_t magic = have < MAGIC_LEN ? have : MAGIC_LEN;
    if (have == 0)
        return "empty";
    if (memcmp(buf, STATE_FILE_MAGIC, magic) != 0)
        return "not a lintas state file";
    if (have < MAGIC_LEN + 4)
        return "truncated";
    uint32_t version = (uint32_t)get_le(buf + MAGIC_LEN, 4);
    if (version == 0)
        return "not a lintas state file (format version 0)";
    if (version > STATE_FILE_VERSION) {
        snprintf(why, whylen, "version %u is newer than this lintas (%u)", version,
                 STATE_FILE_VERSION);
        return why;
    }
    if (have < HEADER_LEN)
        return "truncated";
    uint64_t length = get_le(buf + LENGTH_OFFSET, 8);
    if (length > file_size) {
        snprintf(why, whylen, "truncated (%llu of %llu bytes)", (unsigned long long)file_size,
                 (unsigned long long)length);
        return why;
    }
    if (length < file_size) {
        snprintf(why, whylen, "longer than its header says (%llu bytes, not %llu)",
                 (unsigned long long)file_size, (unsigned long long)length);
        return why;
    }
    return NULL;
}

static uint32_t file_crc(const uint8_t *buf, size_t len)
{
    static const uint8_t zero[4];
    uLong crc = crc32(0, NULL, 0);
    crc = crc32(crc, buf, CRC_OFFSET);
    crc = crc32(crc, zero, sizeof(zero));
    for (size_t at = CRC_OFFSET + 4; at < len;) {
        size_t n = len - at > ZLIB_PIECE ? ZLIB_PIECE : len - at;
        crc = crc32(crc, buf + at, (uInt)n);
        at += n;
    }
    return (uint32_t)crc;
}

/* The next section, which must have this tag: its payload as a reader. */
static const char *next_section(struct state_reader *r, uint32_t tag, struct state_reader *payload)
{
    uint64_t got_tag, len;
    if (!take_le(r, 4, &got_tag) || !take_le(r, 8, &len))
        return "truncated";
    if (got_tag != tag)
        return "missing (another section is in its place)";
    const uint8_t *p;
    if (len > r->len - r->pos || !take(r, (size_t)len, &p))
        return "longer than the file";
    *payload = (struct state_reader){ .buf = p, .len = (size_t)len };
    return NULL;
}

/* Device name from the file, for a message: printable characters only. */
static void name_text(const uint8_t *name, size_t len, char *buf, size_t buflen)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < buflen; i++)
        buf[n++] = name[i] >= 0x20 && name[i] < 0x7f ? (char)name[i] : '?';
    buf[n] = '\0';
}

/* The configuration section against this machine. */
static int check_config(struct machine *m, struct state_reader *r, const char *path, char *err,
                        size_t errlen)
{
    struct state_reader conf;
    const char *why = next_section(r, TAG_CONF, &conf);
    if (why)
        return file_error(err, errlen, path, "section 'config': %s", why);
    uint64_t ram_size, count;
    if (!take_le(&conf, 8, &ram_size) || !take_le(&conf, 4, &count))
        return file_error(err, errlen, path, "section 'config': truncated");
    if (ram_size != m->ram_size) {
        char saved[32], here[32];
        return file_error(err, errlen, path, "saved with %s of RAM, this machine has %s",
                          size_text(ram_size, saved, sizeof(saved)),
                          size_text(m->ram_size, here, sizeof(here)));
    }
    if (count != m->device_count)
        return file_error(err, errlen, path, "saved with %llu devices, this machine has %u",
                          (unsigned long long)count, m->device_count);
    for (unsigned i = 0; i < m->device_count; i++) {
        const char *want = m->devices[i].desc->name;
        uint64_t len;
        const uint8_t *name;
        if (!take_le(&conf, 4, &len) || len > NAME_MAX_LEN || !take(&conf, (size_t)len, &name))
            return file_error(err, errlen, path, "section 'config': device %u: bad name", i);
        if (len != strlen(want) || memcmp(name, want, (size_t)len) != 0) {
            char text[NAME_MAX_LEN + 1];
            name_text(name, (size_t)len, text, sizeof(text));
            return file_error(err, errlen, path,
                              "device %u is '%s' in the file, '%s' on this machine", i, text,
                              want);
        }
    }
    if (conf.pos != conf.len)
        return file_error(err, errlen, path, "section 'config': %zu bytes too many",
                          conf.len - conf.pos);
    return 0;
}

/* One state section (lintas/state.h) into obj; it must fill its payload. */
static int load_section(uint32_t tag, const struct state_desc *desc, void *obj,
                        struct state_reader *r, const char *path, char *err, size_t errlen)
{
    struct state_reader payload;
    const char *why = next_section(r, tag, &payload);
    if (why)
        return file_error(err, errlen, path, "section '%s': %s", desc->name, why);
    char reason[256];
    if (state_load(desc, obj, &payload, reason, sizeof(reason)) < 0)
        return file_error(err, errlen, path, "%s", reason);
    if (payload.pos != payload.len)
        return file_error(err, errlen, path, "section '%s': %zu bytes too many", desc->name,
                          payload.len - payload.pos);
    return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Copy an inflated piece of RAM into place a page at a time, leaving out
 * pages that are zero on both sides: RAM the guest never touched then
 * stays without host memory behind it, as in a new machine. */
static void place_ram(uint8_t *ram, const uint8_t *piece, size_t len)
{
    for (size_t at = 0; at < len; at += GUEST_PAGE_SIZE) {
        size_t n = len - at < GUEST_PAGE_SIZE ? len - at : GUEST_PAGE_SIZE;
        if (!all_zero(piece + at, n) || !all_zero(ram + at, n))
            memcpy(ram + at, piece + at, n);
    }
}

/* Give inflate more input when it has used what it had. */
static void feed(z_stream *zs, uint64_t *in_left)
{
    if (zs->avail_in == 0 && *in_left) {
        zs->avail_in = *in_left > ZLIB_PIECE ? ZLIB_PIECE : (uInt)*in_left;
        *in_left -= zs->avail_in;
    }
}

/* Inflate the RAM section into the machine's RAM, a piece at a time. */
static int load_ram(struct machine *m, struct state_reader *r, const char *path, char *err,
                    size_t errlen)
{
    struct state_reader payload;
    const char *why = next_section(r, TAG_RAM, &payload);
    uint64_t size;
    if (!why && !take_le(&payload, 8, &size))
        why = "truncated";
    if (why)
        return file_error(err, errlen, path, "section 'ram': %s", why);
    uint64_t ram_size = mem_ram_size(m->mem);
    if (size != ram_size) {
        char saved[32], here[32];
        return file_error(err, errlen, path, "section 'ram': holds %s, this machine has %s",
                          size_text(size, saved, sizeof(saved)),
                          size_text(ram_size, here, sizeof(here)));
    }

    z_stream zs = { 0 };
    uint8_t *piece = malloc(INFLATE_PIECE);
    if (!piece || inflateInit(&zs) != Z_OK) {
        free(piece);
        return file_error(err, errlen, path, "out of memory");
    }
    uint64_t in_left = payload.len - payload.pos, done = 0;
    zs.next_in = (Bytef *)(payload.buf + payload.pos);
    int ret = Z_OK;
    while (ret == Z_OK && done < ram_size) {
        size_t n = ram_size - done < INFLATE_PIECE ? (size_t)(ram_size - done) : INFLATE_PIECE;
        zs.next_out = piece;
        zs.avail_out = (uInt)n;
        while (ret == Z_OK && zs.avail_out) {
            feed(&zs, &in_left);
            ret = inflate(&zs, Z_NO_FLUSH);
        }
        if (zs.avail_out)
            break;
        place_ram(mem_ram(m->mem) + done, piece, n);
        done += n;
    }
    /* RAM is full: the stream must end without another byte. */
    uint8_t spare;
    bool extra = false;
    if (ret == Z_OK && done == ram_size) {
        zs.next_out = &spare;
        zs.avail_out = 1;
        while (ret == Z_OK && zs.avail_out) {
            feed(&zs, &in_left);
            ret = inflate(&zs, Z_NO_FLUSH);
        }
        extra = zs.avail_out == 0;
    }
    bool used = zs.avail_in == 0 && in_left == 0;
    inflateEnd(&zs);
    free(piece);

    if (ret == Z_STREAM_END && done == ram_size && !extra && used)
        return 0;
    if (extra)
        why = "holds more than the RAM";
    else if (ret == Z_STREAM_END)
        why = done < ram_size ? "holds less than the RAM" : "bytes follow the compressed RAM";
    else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT)
        why = "corrupt compressed data";
    else if (ret == Z_MEM_ERROR)
        why = "out of memory";
    else
        why = "compressed data cut short";
    return file_error(err, errlen, path, "section 'ram': %s", why);
}

/* Every section, in file order, into the machine. */
static int load_sections(struct machine *m, const uint8_t *buf, size_t len, const char *path,
                         char *err, size_t errlen)
{
    struct state_reader r = { .buf = buf, .len = len, .pos = HEADER_LEN };
    if (check_config(m, &r, path, err, errlen) < 0)
        return -1;

    struct state_reader clock;
    uint64_t now;
    const char *why = next_section(&r, TAG_CLCK, &clock);
    if (!why && (!take_le(&clock, 8, &now) || clock.pos != clock.len))
        why = "not 8 bytes long";
    if (why)
        return file_error(err, errlen, path, "section 'clock': %s", why);

    if (load_section(TAG_CPU, &cpu_state_desc, m->cpu, &r, path, err, errlen) < 0)
        return -1;
    /* In icount mode the clock goes on from the count last accounted: the
     * restored CPU's, before the time is set (lintas/timer.h). Devices
     * then see the saved time when their post_load re-arms timers. */
    vclock_account(m->clock, m->cpu->icount);
    vclock_restore(m->clock, now);

    for (unsigned i = 0; i < m->device_count; i++) {
        const struct machine_device *d = &m->devices[i];
        if (load_section(TAG_DEV, d->desc, d->obj, &r, path, err, errlen) < 0)
            return -1;
    }
    if (load_ram(m, &r, path, err, errlen) < 0)
        return -1;
    if (r.pos != r.len)
        return file_error(err, errlen, path, "%zu bytes follow the last section",
                          r.len - r.pos);
    /* Cached translations hold host pointers and permissions taken from
     * the old RAM and mappings. */
    cpu_tlb_flush_all(m->cpu);
    return 0;
}

/* Read up to n bytes; returns how many, or -1 with errno set. */
static ssize_t read_full(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Why a file larger than this machine's largest state is refused: what its
 * header and configuration say, if they say what is wrong. */
static int refuse_large(struct machine *m, int fd, uint64_t size, const char *path, char *err,
                        size_t errlen)
{
    uint8_t *peek = malloc(PEEK_LEN);
    ssize_t have = peek ? read_full(fd, peek, PEEK_LEN) : -1;
    char why[96];
    const char *bad = have > 0 ? check_header(peek, (size_t)have, size, why, sizeof(why)) : NULL;
    struct state_reader r = { .buf = peek, .len = have > 0 ? (size_t)have : 0, .pos = HEADER_LEN };
    if (bad)
        file_error(err, errlen, path, "%s", bad);
    else if (have < HEADER_LEN || check_config(m, &r, path, err, errlen) == 0)
        file_error(err, errlen, path, "%llu bytes is more than a state of this machine can be",
                   (unsigned long long)size);
    free(peek);
    return -1;
}

int machine_load_state(struct machine *m, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return file_error(err, errlen, path, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return file_error(err, errlen, path, "cannot read: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return file_error(err, errlen, path, "not a regular file");
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size > largest_file(mem_ram_size(m->mem)) || size > SIZE_MAX) {
        int ret = refuse_large(m, fd, size, path, err, errlen);
        close(fd);
        return ret;
    }

    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (!buf) {
        close(fd);
        return file_error(err, errlen, path, "out of memory");
    }
    ssize_t got = read_full(fd, buf, (size_t)size);
    int e = errno;
    close(fd);
    if (got < 0) {
        free(buf);
        return file_error(err, errlen, path, "cannot read: %s", strerror(e));
    }

    char why[96];
    const char *bad = check_header(buf, (size_t)got, (uint64_t)got, why, sizeof(why));
    if (!bad && get_le(buf + CRC_OFFSET, 4) != file_crc(buf, (size_t)got))
        bad = "checksum mismatch";
    int ret = bad ? file_error(err, errlen, path, "%s", bad)
                  : load_sections(m, buf, (size_t)got, path, err, errlen);
    free(buf);
    return ret;
}
