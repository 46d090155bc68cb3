/*
 * QEMU's firmware configuration interface, after QEMU's
 * docs/specs/fw_cfg.rst, as the PC exposes it at I/O ports.
 *
 * Ports: 0x510 selector (16-bit writes), 0x511 data (byte reads), 0x514 DMA
 * address (two big-endian 32-bit halves, high at 0x514, low at 0x518; the
 * low write starts the transfer). An item is a blob chosen by a 16-bit key;
 * selecting it puts the data offset at 0, each data read returns the next
 * byte and reads past the end return 0.
 *
 * The items are host configuration the board adds before the guest runs;
 * the guest cannot change them (writes have been refused since QEMU 2.4
 * for the data port, and on the DMA interface for every item not made
 * writable, which no item here is). The only guest state is the cursor in
 * struct fw_cfg_state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/fw_cfg.h"

/* Selector bits (fw_cfg.rst, "Selector Register"). Bit 14 once chose the
 * write mode and is ignored; bit 15 marks architecture-local keys. */
#define SELECTOR_WRITE 0x4000u

/* FWCfgDmaAccess.control bits (fw_cfg.rst, "DMA interface"). */
enum {
    DMA_ERROR = 0x01,
    DMA_READ = 0x02,
    DMA_SKIP = 0x04,
    DMA_SELECT = 0x08,
    DMA_WRITE = 0x10,
};

/* FW_CFG_ID bits. */
enum { ID_TRADITIONAL = 1, ID_DMA = 2 };

#define DMA_ACCESS_SIZE 16 /* be32 control, be32 length, be64 address */
#define DIR_ENTRY_SIZE 64  /* be32 size, be16 select, be16 reserved, name[56] */
#define MAX_FILES (SELECTOR_WRITE - FW_CFG_FILE_FIRST)

/* Reading the DMA address register returns "QEMU CFG" (fw_cfg.rst). */
static const char dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

struct fw_cfg_item {
    uint16_t key;
    uint32_t len;
    uint8_t *data; /* owned; NULL when len is 0 */
    char name[FW_CFG_MAX_FILE_PATH]; /* files only */
};

struct fw_cfg_state {
    uint16_t selector;
    uint32_t offset;   /* within the selected item, at most its length */
    uint32_t dma_high; /* DMA address bits 63:32, written at 0x514 */
};

struct fw_cfg {
    struct fw_cfg_state st;
    struct phys_mem *mem;
    const struct logger *log;
    struct fw_cfg_item *fixed; /* keys below FW_CFG_FILE_FIRST and bit-15 keys */
    size_t nfixed;
    struct fw_cfg_item *files; /* sorted by name; files[i] has key FILE_FIRST + i */
    size_t nfiles;
};

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static bool is_file_key(uint16_t key)
{
    return key >= FW_CFG_FILE_FIRST && key < SELECTOR_WRITE;
}

static const struct fw_cfg_item *lookup(const struct fw_cfg *fw, uint16_t selector)
{
    uint16_t key = selector & (uint16_t)~SELECTOR_WRITE;
    if (is_file_key(key)) {
        size_t i = (size_t)key - FW_CFG_FILE_FIRST;
        return i < fw->nfiles ? &fw->files[i] : NULL;
    }
    for (size_t i = 0; i < fw->nfixed; i++)
        if (fw->fixed[i].key == key)
            return &fw->fixed[i];
    return NULL;
}

static uint32_t item_len(const struct fw_cfg *fw, uint16_t selector)
{
    const struct fw_cfg_item *it = lookup(fw, selector);
    return it ? it->len : 0;
}

/* Bytes of the selected item after the offset. The board may replace an
 * item while it is selected, so the offset can be past a shorter one. */
static uint32_t remaining(const struct fw_cfg *fw)
{
    uint32_t len = item_len(fw, fw->st.selector);
    return fw->st.offset < len ? len - fw->st.offset : 0;
}

/* A copy of len bytes in *out, or false when memory runs out. */
static bool copy_data(const void *data, size_t len, uint8_t **out)
{
    *out = NULL;
    if (len == 0)
        return true;
    *out = malloc(len);
    if (!*out)
        return false;
    memcpy(*out, data, len);
    return true;
}

/* Store a fixed item, replacing one with the same key. */
static int set_fixed(struct fw_cfg *fw, uint16_t key, const void *data, size_t len)
{
    if (len > UINT32_MAX)
        return -1;
    uint8_t *copy;
    if (!copy_data(data, len, &copy))
        return -1;
    struct fw_cfg_item *it = NULL;
    for (size_t i = 0; i < fw->nfixed; i++)
        if (fw->fixed[i].key == key)
            it = &fw->fixed[i];
    if (!it) {
        struct fw_cfg_item *grown = realloc(fw->fixed, (fw->nfixed + 1) * sizeof(*grown));
        if (!grown) {
            free(copy);
            return -1;
        }
        fw->fixed = grown;
        it = &fw->fixed[fw->nfixed++];
        *it = (struct fw_cfg_item){ .key = key };
    }
    free(it->data);
    it->data = copy;
    it->len = (uint32_t)len;
    return 0;
}

/* The file directory (fw_cfg.rst, "File Directory"): a be32 count, then
 * one entry per file in selector order. */
static int rebuild_directory(struct fw_cfg *fw)
{
    size_t len = 4 + fw->nfiles * DIR_ENTRY_SIZE;
    uint8_t *dir = calloc(1, len);
    if (!dir)
        return -1;
    put_be32(dir, (uint32_t)fw->nfiles);
    for (size_t i = 0; i < fw->nfiles; i++) {
        uint8_t *e = dir + 4 + i * DIR_ENTRY_SIZE;
        put_be32(e, fw->files[i].len);
        e[4] = (uint8_t)(fw->files[i].key >> 8);
        e[5] = (uint8_t)fw->files[i].key;
        memcpy(e + 8, fw->files[i].name, FW_CFG_MAX_FILE_PATH);
    }
    int rc = set_fixed(fw, FW_CFG_FILE_DIR, dir, len);
    free(dir);
    return rc;
}

int fw_cfg_add_bytes(struct fw_cfg *fw, uint16_t key, const void *data, size_t len)
{
    if (key == FW_CFG_SIGNATURE || key == FW_CFG_ID || key == FW_CFG_FILE_DIR ||
        is_file_key(key) || (key & SELECTOR_WRITE))
        return -1;
    return set_fixed(fw, key, data, len);
}

int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, size_t len)
{
    size_t name_len = strlen(name);
    if (name_len == 0 || name_len >= FW_CFG_MAX_FILE_PATH || len > UINT32_MAX ||
        fw->nfiles >= MAX_FILES)
        return -1;
    size_t pos = 0;
    while (pos < fw->nfiles) {
        int cmp = strcmp(name, fw->files[pos].name);
        if (cmp == 0)
            return -1;
        if (cmp < 0)
            break;
        pos++;
    }
    struct fw_cfg_item *grown = realloc(fw->files, (fw->nfiles + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    fw->files = grown;
    struct fw_cfg_item item = { .len = (uint32_t)len };
    if (!copy_data(data, len, &item.data))
        return -1;
    memcpy(item.name, name, name_len);
    memmove(&fw->files[pos + 1], &fw->files[pos], (fw->nfiles - pos) * sizeof(*grown));
    fw->files[pos] = item;
    fw->nfiles++;
    for (size_t i = pos; i < fw->nfiles; i++)
        fw->files[i].key = (uint16_t)(FW_CFG_FILE_FIRST + i);
    if (rebuild_directory(fw) < 0) {
        free(item.data);
        fw->nfiles--;
        memmove(&fw->files[pos], &fw->files[pos + 1], (fw->nfiles - pos) * sizeof(*grown));
        for (size_t i = pos; i < fw->nfiles; i++)
            fw->files[i].key = (uint16_t)(FW_CFG_FILE_FIRST + i);
        return -1;
    }
    return 0;
}

static void select_item(struct fw_cfg *fw, uint16_t selector)
{
    fw->st.selector = selector;
    fw->st.offset = 0;
}

static uint8_t read_data(struct fw_cfg *fw)
{
    const struct fw_cfg_item *it = lookup(fw, fw->st.selector);
    if (!it || fw->st.offset >= it->len)
        return 0;
    return it->data[fw->st.offset++];
}

/* Whether [addr, addr+len) is all RAM the device may read, or write when
 * write is set. Guest-given, so overflow and holes are refused. */
static bool ram_range(struct fw_cfg *fw, uint64_t addr, uint64_t len, bool write)
{
    if (len == 0)
        return true;
    if (addr > UINT64_MAX - len)
        return false;
    uint64_t end = addr + len;
    for (uint64_t page = addr & GUEST_PAGE_MASK; page < end; page += GUEST_PAGE_SIZE)
        if (!mem_host_page(fw->mem, page, write))
            return false;
    return true;
}

/* Copy the selected item into guest RAM at addr; bytes past its end read
 * as 0, as on the data port. */
static bool dma_read(struct fw_cfg *fw, uint64_t addr, uint32_t len)
{
    static const uint8_t zeros[256];
    if (!ram_range(fw, addr, len, true))
        return false;
    const struct fw_cfg_item *it = lookup(fw, fw->st.selector);
    uint32_t avail = remaining(fw);
    uint32_t n = len < avail ? len : avail;
    if (n) {
        mem_write_block(fw->mem, addr, it->data + fw->st.offset, n);
        fw->st.offset += n;
    }
    for (uint32_t done = n; done < len;) {
        uint32_t chunk = len - done < sizeof(zeros) ? len - done : (uint32_t)sizeof(zeros);
        mem_write_block(fw->mem, addr + done, zeros, chunk);
        done += chunk;
    }
    return true;
}

/* Carry out the FWCfgDmaAccess at desc (fw_cfg.rst, "DMA interface"):
 * select, then read, write or skip, then clear control or leave only the
 * error bit in it. An operation that fails leaves the offset alone. */
static void dma_run(struct fw_cfg *fw, uint64_t desc)
{
    uint8_t raw[DMA_ACCESS_SIZE];
    if (!ram_range(fw, desc, sizeof(raw), true)) {
        log_printf(fw->log, LOG_GUEST_ERRORS,
                   "fw_cfg: DMA access structure at 0x%llx is not in RAM\n",
                   (unsigned long long)desc);
        return;
    }
    mem_read_block(fw->mem, desc, raw, sizeof(raw));
    uint32_t control = get_be32(raw);
    uint32_t len = get_be32(raw + 4);
    uint64_t addr = (uint64_t)get_be32(raw + 8) << 32 | get_be32(raw + 12);

    if (control & DMA_SELECT)
        select_item(fw, (uint16_t)(control >> 16));
    bool ok = true;
    if (len == 0) {
        /* Nothing to move; every operation succeeds. */
    } else if (control & DMA_READ) {
        ok = dma_read(fw, addr, len);
        if (!ok)
            log_printf(fw->log, LOG_GUEST_ERRORS,
                       "fw_cfg: DMA read of %u bytes to 0x%llx is not all RAM\n", len,
                       (unsigned long long)addr);
    } else if (control & DMA_WRITE) {
        ok = false;
        log_printf(fw->log, LOG_GUEST_ERRORS, "fw_cfg: DMA write to read-only item 0x%04x\n",
                   fw->st.selector);
    } else if (control & DMA_SKIP) {
        uint32_t rest = remaining(fw);
        fw->st.offset += len < rest ? len : rest;
    }
    uint8_t status[4];
    put_be32(status, ok ? 0 : DMA_ERROR);
    mem_write_block(fw->mem, desc, status, sizeof(status));
}

/* One range for ports 0x510-0x51b: the selector at offset 0, the data
 * register at 1, the DMA address register at 4-11; 0x512-0x513 are
 * unused. */
enum { PORT_SELECTOR = 0, PORT_DATA = 1, PORT_DMA = 4, PORT_COUNT = 12 };

static uint32_t fw_cfg_io_read(void *opaque, uint32_t offset, unsigned size)
{
    struct fw_cfg *fw = opaque;
    if (offset == PORT_DATA && size == 1)
        return read_data(fw);
    if (offset >= PORT_DMA) {
        uint32_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= (uint32_t)(uint8_t)dma_signature[offset - PORT_DMA + i] << (8 * i);
        return v;
    }
    log_printf(fw->log, LOG_GUEST_ERRORS, "fw_cfg: %u-byte read of port 0x%03x refused\n",
               size, FW_CFG_IO_BASE + offset);
    return UINT32_MAX;
}

static void fw_cfg_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct fw_cfg *fw = opaque;
    /* The DMA port bytes hold the address big-endian, so a 32-bit OUT
     * carries its half byte-swapped. */
    if (offset == PORT_SELECTOR && size == 2) {
        select_item(fw, (uint16_t)value);
    } else if (offset == PORT_DMA && size == 4) {
        fw->st.dma_high = bswap32(value);
    } else if (offset == PORT_DMA + 4 && size == 4) {
        uint64_t desc = (uint64_t)fw->st.dma_high << 32 | bswap32(value);
        fw->st.dma_high = 0;
        dma_run(fw, desc);
    } else {
        log_printf(fw->log, LOG_GUEST_ERRORS,
                   "fw_cfg: %u-byte write of 0x%x to port 0x%03x ignored\n", size, value,
                   FW_CFG_IO_BASE + offset);
    }
}

static const struct io_ops fw_cfg_io_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
};

/* The items may differ from those the state was saved with (they are
 * configuration), so the cursor must still point inside its item. */
static int fw_cfg_post_load(void *obj, char *err, size_t errlen)
{
    struct fw_cfg *fw = obj;
    uint32_t len = item_len(fw, fw->st.selector);
    if (fw->st.offset > len) {
        snprintf(err, errlen, "fw_cfg: offset %u is past the end of item 0x%04x (%u bytes)",
                 fw->st.offset, fw->st.selector, len);
        return -1;
    }
    return 0;
}

#define FW_CFG_FIELD(member, reset) STATE_FIELD(struct fw_cfg, st.member, reset)

static const struct state_field fw_cfg_fields[] = {
    FW_CFG_FIELD(selector, FW_CFG_SIGNATURE),
    FW_CFG_FIELD(offset, 0),
    FW_CFG_FIELD(dma_high, 0),
};

const struct state_desc fw_cfg_state_desc = {
    .name = "fw_cfg",
    .version = 1,
    .fields = fw_cfg_fields,
    .field_count = sizeof(fw_cfg_fields) / sizeof(fw_cfg_fields[0]),
    .post_load = fw_cfg_post_load,
};

void fw_cfg_reset(struct fw_cfg *fw)
{
    state_reset(&fw_cfg_state_desc, fw);
}

static void free_items(struct fw_cfg_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].data);
    free(items);
}

void fw_cfg_destroy(struct fw_cfg *fw)
{
    if (!fw)
        return;
    free_items(fw->fixed, fw->nfixed);
    free_items(fw->files, fw->nfiles);
    free(fw);
}

struct fw_cfg *fw_cfg_create(struct io_bus *io, struct phys_mem *mem, const struct logger *log)
{
    static const uint8_t signature[4] = { 'Q', 'E', 'M', 'U' };
    static const uint8_t id[4] = { ID_TRADITIONAL | ID_DMA, 0, 0, 0 };

    struct fw_cfg *fw = calloc(1, sizeof(*fw));
    if (!fw)
        return NULL;
    fw->mem = mem;
    fw->log = log;
    state_reset(&fw_cfg_state_desc, fw);
    if (set_fixed(fw, FW_CFG_SIGNATURE, signature, sizeof(signature)) < 0 ||
        set_fixed(fw, FW_CFG_ID, id, sizeof(id)) < 0 || rebuild_directory(fw) < 0 ||
        io_register(io, FW_CFG_IO_BASE, PORT_COUNT, &fw_cfg_io_ops, fw) < 0) {
        fw_cfg_destroy(fw);
        return NULL;
    }
    return fw;
}
