/*
 * Guest physical memory: a page-granular map from physical addresses to
 * regions (RAM, ROM or a device's MMIO window).
 *
 * The map is a two-level table indexed by page number, so a lookup is two
 * loads and the address space can grow past 4 GiB (PAE's 36-bit physical
 * addresses) without a flat array of a million entries per GiB. A second
 * level table exists only where something is mapped; everything else is
 * unassigned: reads return all ones and writes vanish, as on a PC bus
 * (logged under -d guest_errors, as are accesses a device has no handler
 * for).
 *
 * RAM is one anonymous mapping reserved without committing host memory, so
 * a large -m costs only the pages the guest touches.
 *
 * Below 1 MiB each page can be shadowed, as a PC chipset's PAM registers do
 * for the BIOS areas: reads then come from a ROM view instead of RAM, or
 * writes are dropped instead of reaching RAM. The shadow flags are checked
 * before the region map, so a page keeps its RAM region and only its
 * routing changes.
 */
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "lintas/mem.h"
#include "lintas/log.h"

#define PHYS_BITS 36 /* PAE physical address width on P6 processors */
#define PAGE_SHIFT 12
#define L2_BITS 10 /* one second-level table covers 4 MiB */
#define L2_SIZE (1u << L2_BITS)
#define L1_SIZE (1u << (PHYS_BITS - PAGE_SHIFT - L2_BITS))
#define PHYS_LIMIT (1ull << PHYS_BITS)
#define MAX_REGIONS 255 /* region numbers are bytes; 0 means unassigned */
#define SHADOW_LIMIT 0x100000u
#define SHADOW_PAGES (SHADOW_LIMIT >> PAGE_SHIFT)

enum region_kind { REGION_RAM, REGION_ROM, REGION_MMIO };

/* Shadow flags of a page below 1 MiB; 0 is plain RAM. */
enum { SHADOW_READ_ROM = 1, SHADOW_WRITE_DROP = 2 };

struct region {
    uint64_t base, size;
    enum region_kind kind;
    uint8_t *host; /* RAM, ROM: host address of base (ROM owns its copy) */
    const struct mmio_ops *ops;
    void *opaque;
};

struct phys_mem {
    const struct logger *log;
    uint8_t *ram;
    uint64_t ram_size;
    uint64_t a20_mask;
    unsigned nregions;
    struct region regions[MAX_REGIONS + 1]; /* [0] unused */
    uint8_t *map[L1_SIZE];                  /* region number per page */
    uint8_t shadow[SHADOW_PAGES];           /* SHADOW_* flags per page */
    uint8_t *shadow_rom[SHADOW_PAGES];      /* ROM view per page, or NULL */
};

static const struct region *lookup(const struct phys_mem *mem, uint64_t paddr)
{
    if (paddr >= PHYS_LIMIT)
        return NULL;
    uint64_t page = paddr >> PAGE_SHIFT;
    const uint8_t *l2 = mem->map[page >> L2_BITS];
    if (!l2)
        return NULL;
    unsigned n = l2[page & (L2_SIZE - 1)];
    return n ? &mem->regions[n] : NULL;
}

/* Do the shadow flags take this access? If so, *host is the page the bytes
 * come from, or NULL when a read gives all ones or a write is dropped. */
static bool shadowed(const struct phys_mem *mem, uint64_t paddr, bool write, uint8_t **host)
{
    if (paddr >= SHADOW_LIMIT)
        return false;
    unsigned page = (unsigned)(paddr >> PAGE_SHIFT);
    if (!(mem->shadow[page] & (write ? SHADOW_WRITE_DROP : SHADOW_READ_ROM)))
        return false;
    *host = write ? NULL : mem->shadow_rom[page];
    return true;
}

/* Does anything answer at paddr: a region, or shadow routing? */
static bool mapped(const struct phys_mem *mem, uint64_t paddr)
{
    return lookup(mem, paddr) || (paddr < SHADOW_LIMIT && mem->shadow[paddr >> PAGE_SHIFT]);
}

/* Claim [base, base+size) for a new region; all pages must be free. */
static int add_region(struct phys_mem *mem, const struct region *r)
{
    if (mem->nregions == MAX_REGIONS || r->size == 0 || r->base >= PHYS_LIMIT ||
        r->size > PHYS_LIMIT - r->base || (r->base | r->size) & (GUEST_PAGE_SIZE - 1))
        return -1;
    uint64_t first = r->base >> PAGE_SHIFT, end = (r->base + r->size) >> PAGE_SHIFT;
    for (uint64_t p = first; p < end; p++)
        if (lookup(mem, p << PAGE_SHIFT))
            return -1;
    for (uint64_t i = first >> L2_BITS; i <= (end - 1) >> L2_BITS; i++) {
        if (!mem->map[i] && !(mem->map[i] = calloc(L2_SIZE, 1)))
            return -1;
    }
    unsigned n = ++mem->nregions;
    mem->regions[n] = *r;
    for (uint64_t p = first; p < end; p++)
        mem->map[p >> L2_BITS][p & (L2_SIZE - 1)] = (uint8_t)n;
    return 0;
}

struct phys_mem *mem_create(uint64_t ram_size)
{
    if (ram_size > PHYS_LIMIT)
        return NULL;
    ram_size = (ram_size + GUEST_PAGE_SIZE - 1) & GUEST_PAGE_MASK;
    struct phys_mem *mem = calloc(1, sizeof(*mem));
    if (!mem)
        return NULL;
    mem->a20_mask = ~0ull;
    if (ram_size) {
        void *p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            free(mem);
            return NULL;
        }
        mem->ram = p;
        mem->ram_size = ram_size;
        struct region r = { .base = 0, .size = ram_size, .kind = REGION_RAM, .host = p };
        if (add_region(mem, &r) < 0) {
            mem_destroy(mem);
            return NULL;
        }
    }
    return mem;
}

void mem_destroy(struct phys_mem *mem)
{
    if (!mem)
        return;
    for (unsigned i = 1; i <= mem->nregions; i++)
        if (mem->regions[i].kind == REGION_ROM)
            free(mem->regions[i].host);
    for (unsigned i = 0; i < L1_SIZE; i++)
        free(mem->map[i]);
    if (mem->ram)
        munmap(mem->ram, mem->ram_size);
    free(mem);
}

void mem_set_logger(struct phys_mem *mem, const struct logger *log)
{
    mem->log = log;
}

uint64_t mem_ram_size(const struct phys_mem *mem)
{
    return mem->ram_size;
}

uint8_t *mem_ram(struct phys_mem *mem)
{
    return mem->ram;
}

int mem_map_mmio(struct phys_mem *mem, uint64_t base, uint64_t size,
                 const struct mmio_ops *ops, void *opaque)
{
    struct region r = { .base = base, .size = size, .kind = REGION_MMIO, .ops = ops, .opaque = opaque };
    return add_region(mem, &r);
}

int mem_map_rom(struct phys_mem *mem, uint64_t base, uint64_t size, const void *data)
{
    if (size == 0 || size > SIZE_MAX)
        return -1;
    uint8_t *copy = malloc((size_t)size);
    if (!copy)
        return -1;
    memcpy(copy, data, (size_t)size);
    struct region r = { .base = base, .size = size, .kind = REGION_ROM, .host = copy };
    if (add_region(mem, &r) < 0) {
        free(copy);
        return -1;
    }
    return 0;
}

static bool shadow_range_ok(uint64_t base, uint64_t size)
{
    return size > 0 && base < SHADOW_LIMIT && size <= SHADOW_LIMIT - base &&
           !((base | size) & (GUEST_PAGE_SIZE - 1));
}

int mem_set_shadow(struct phys_mem *mem, uint64_t base, uint64_t size, bool read_ram,
                   bool write_ram)
{
    if (!shadow_range_ok(base, size))
        return -1;
    uint8_t flags = (read_ram ? 0 : SHADOW_READ_ROM) | (write_ram ? 0 : SHADOW_WRITE_DROP);
    for (uint64_t p = base >> PAGE_SHIFT; p < (base + size) >> PAGE_SHIFT; p++)
        mem->shadow[p] = flags;
    return 0;
}

int mem_shadow_rom(struct phys_mem *mem, uint64_t base, uint64_t size, uint64_t rom_addr)
{
    if (!shadow_range_ok(base, size) || (rom_addr & (GUEST_PAGE_SIZE - 1)))
        return -1;
    const struct region *r = lookup(mem, rom_addr);
    if (!r || r->kind != REGION_ROM || size > r->base + r->size - rom_addr)
        return -1;
    uint8_t *host = r->host + (rom_addr - r->base);
    for (uint64_t p = base >> PAGE_SHIFT; p < (base + size) >> PAGE_SHIFT; p++) {
        mem->shadow_rom[p] = host;
        host += GUEST_PAGE_SIZE;
    }
    return 0;
}

uint8_t *mem_host_page(struct phys_mem *mem, uint64_t paddr, bool write)
{
    paddr &= mem->a20_mask;
    uint8_t *host;
    if (shadowed(mem, paddr, write, &host))
        return host;
    const struct region *r = lookup(mem, paddr);
    if (!r || r->kind == REGION_MMIO || (r->kind == REGION_ROM && write))
        return NULL;
    return r->host + ((paddr & GUEST_PAGE_MASK) - r->base);
}

static uint32_t ones(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void log_read(const struct phys_mem *mem, const char *what, uint64_t paddr,
                     unsigned size)
{
    log_printf(mem->log, LOG_GUEST_ERRORS, "read of %s memory 0x%08llx, %u byte%s\n", what,
               (unsigned long long)paddr, size, size > 1 ? "s" : "");
}

static void log_write(const struct phys_mem *mem, const char *what, uint64_t paddr,
                      uint32_t value, unsigned size)
{
    log_printf(mem->log, LOG_GUEST_ERRORS, "write of 0x%0*x to %s memory 0x%08llx, %u byte%s\n",
               (int)size * 2, value, what, (unsigned long long)paddr, size, size > 1 ? "s" : "");
}

static uint32_t read_one(struct phys_mem *mem, uint64_t paddr, unsigned size)
{
    uint32_t v = 0;
    uint8_t *host;
    if (shadowed(mem, paddr, false, &host)) {
        if (!host)
            return ones(size);
        memcpy(&v, host + (paddr & (GUEST_PAGE_SIZE - 1)), size);
        return v;
    }
    const struct region *r = lookup(mem, paddr);
    if (!r) {
        log_read(mem, "unassigned", paddr, size);
        return ones(size);
    }
    uint64_t off = paddr - r->base;
    if (r->kind != REGION_MMIO) {
        memcpy(&v, r->host + off, size);
        return v;
    }
    if (!r->ops->read) {
        log_read(mem, "write-only", paddr, size);
        return ones(size);
    }
    return r->ops->read(r->opaque, off, size) & ones(size);
}

static void write_one(struct phys_mem *mem, uint64_t paddr, uint32_t value, unsigned size)
{
    uint8_t *host;
    if (shadowed(mem, paddr, true, &host))
        return; /* the chipset drops writes to a write-protected segment */
    const struct region *r = lookup(mem, paddr);
    if (!r) {
        log_write(mem, "unassigned", paddr, value, size);
        return;
    }
    uint64_t off = paddr - r->base;
    if (r->kind == REGION_RAM)
        memcpy(r->host + off, &value, size);
    else if (r->kind == REGION_ROM)
        log_write(mem, "ROM", paddr, value, size);
    else if (r->ops->write)
        r->ops->write(r->opaque, off, value, size);
    else
        log_write(mem, "read-only", paddr, value, size);
}

/* An access that would leave its page (or a device's window) is done a byte
 * at a time, each byte going wherever its own address maps. */
static bool fits(const struct phys_mem *mem, uint64_t paddr, unsigned size)
{
    if ((paddr & (GUEST_PAGE_SIZE - 1)) + size > GUEST_PAGE_SIZE)
        return false;
    const struct region *r = lookup(mem, paddr);
    return !r || paddr + size <= r->base + r->size;
}

/* Is any byte of a split access mapped? If none is, the access is
 * unassigned as a whole and logged once. */
static bool any_mapped(const struct phys_mem *mem, uint64_t paddr, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        if (mapped(mem, (paddr + i) & mem->a20_mask))
            return true;
    return false;
}

uint32_t mem_read(struct phys_mem *mem, uint64_t paddr, unsigned size)
{
    paddr &= mem->a20_mask;
    if (fits(mem, paddr, size) || !any_mapped(mem, paddr, size))
        return read_one(mem, paddr, size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= read_one(mem, (paddr + i) & mem->a20_mask, 1) << (8 * i);
    return v;
}

void mem_write(struct phys_mem *mem, uint64_t paddr, uint32_t value, unsigned size)
{
    paddr &= mem->a20_mask;
    value &= ones(size);
    if (fits(mem, paddr, size) || !any_mapped(mem, paddr, size)) {
        write_one(mem, paddr, value, size);
        return;
    }
    for (unsigned i = 0; i < size; i++)
        write_one(mem, (paddr + i) & mem->a20_mask, (value >> (8 * i)) & 0xff, 1);
}

/* Copy between buf and [paddr, paddr+len) a page at a time; bytes outside
 * RAM read as 0xff and are dropped on write. */
static void block_copy(struct phys_mem *mem, uint64_t paddr, uint8_t *buf, size_t len, bool write)
{
    while (len > 0) {
        size_t n = GUEST_PAGE_SIZE - (paddr & (GUEST_PAGE_SIZE - 1));
        if (n > len)
            n = len;
        uint8_t *host = mem_host_page(mem, paddr, write);
        if (host) {
            host += paddr & (GUEST_PAGE_SIZE - 1);
            if (write)
                memcpy(host, buf, n);
            else
                memcpy(buf, host, n);
        } else if (!write) {
            memset(buf, 0xff, n);
        }
        buf += n;
        paddr += n;
        len -= n;
    }
}

void mem_read_block(struct phys_mem *mem, uint64_t paddr, void *buf, size_t len)
{
    block_copy(mem, paddr, buf, len, false);
}

void mem_write_block(struct phys_mem *mem, uint64_t paddr, const void *buf, size_t len)
{
    block_copy(mem, paddr, (uint8_t *)buf, len, true);
}

void mem_set_a20(struct phys_mem *mem, bool enabled)
{
    mem->a20_mask = enabled ? ~0ull : ~(1ull << 20);
}

bool mem_a20(const struct phys_mem *mem)
{
    return mem->a20_mask == ~0ull;
}
