/*
 * Multiboot 1 loader, after the Multiboot Specification version 0.6.96.
 *
 * The image is either an ELF32 executable (its PT_LOAD program headers say
 * what goes where) or anything with the "a.out kludge" (header flag 16:
 * the header's own address fields say what to load). Every field of a file
 * is untrusted: each offset and size is checked against the file and each
 * address range against RAM before a byte is copied, and anything that does
 * not fit is refused with one line naming the file.
 *
 * Modules follow the kernel, page aligned. The information structure, its
 * strings, the memory map and a small flat GDT go where neither kernel nor
 * modules are, preferably in low memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lintas/cpu.h"
#include "lintas/log.h"
#include "lintas/mem.h"
#include "vm/multiboot.h"

#define MB_HEADER_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u
#define MB_SEARCH_LEN 8192

/* Header flags (spec 3.1.2). Bits 0-15 are requirements a loader must
 * refuse when it cannot meet them. */
enum {
    MBH_PAGE_ALIGN = 1u << 0, /* modules page aligned: always done */
    MBH_MEMORY_INFO = 1u << 1, /* mem_* fields: always given */
    MBH_VIDEO_MODE = 1u << 2,  /* a preference; there is no display to set */
    MBH_AOUT_KLUDGE = 1u << 16,
    MBH_REQUIRED = 0xffffu,
    MBH_UNDERSTOOD = MBH_PAGE_ALIGN | MBH_MEMORY_INFO | MBH_VIDEO_MODE,
};

/* Information flags (spec 3.3). */
enum {
    MBI_MEMORY = 1u << 0, MBI_CMDLINE = 1u << 2, MBI_MODS = 1u << 3, MBI_MMAP = 1u << 6,
    MBI_LOADER_NAME = 1u << 9,
};

#define MBI_SIZE 120 /* the structure through the framebuffer fields, 8-aligned */
#define MOD_ENTRY_SIZE 16
#define MMAP_ENTRY_SIZE 24 /* size field + 20 bytes */
#define MMAP_MAX 3
#define GDT_SIZE 24        /* null, code 0x08, data 0x10 */
#define LOADER_NAME "lintas"

#define LOW_MEM_END 0xa0000u /* conventional memory ends at 640 KiB */
#define HIGH_MEM_START 0x100000u
#define INFO_PREFERRED 0x10000u
#define MAX_FILE_SIZE (1ull << 30)

/* Flat 4 GiB descriptors: base 0, limit 0xfffff in pages, present, DPL 0,
 * 32-bit; types execute/read and read/write, accessed (SDM vol. 3,
 * 3.4.5 and table 3-1). */
#define GDT_CODE 0x00cf9b000000ffffull
#define GDT_DATA 0x00cf93000000ffffull
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define ATTR_FLAT (SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G)
#define TYPE_CODE_XR_ACCESSED 0xb
#define TYPE_DATA_RW_ACCESSED 0x3

struct segment {
    uint64_t paddr;
    uint64_t offset; /* in the file */
    uint64_t filesz, memsz;
};

struct layout {
    struct segment *segs;
    size_t nsegs;
    uint32_t entry;
    uint64_t end;       /* first byte after the kernel, bss included */
    uint64_t *mod_addr; /* per module */
    uint64_t info_addr;
    size_t info_size;
};

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

__attribute__((format(printf, 4, 5)))
static int kernel_error(const struct multiboot_boot *b, char *err, size_t errlen, const char *fmt, ...)
{
    /* Name the option only when the image came from one. */
    snprintf(err, errlen, b->kernel_owned ? "-kernel: '%s': " : "'%s': ", b->name);
    va_list ap;
    va_start(ap, fmt);
    error_append(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- Reading the files ---- */

static int read_file(const char *opt, const char *path, uint8_t **data, size_t *size, char *err,
                     size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open '%s': %s", opt, path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: '%s' is not a regular file", opt, path);
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
        snprintf(err, errlen, "%s: '%s' is too large (over 1 GiB)", opt, path);
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        snprintf(err, errlen, "%s: '%s': out of memory", opt, path);
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "%s: cannot read '%s': %s", opt, path,
                     n < 0 ? strerror(errno) : "file shrank while reading");
            free(buf);
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    *data = buf;
    *size = len;
    return 0;
}

/* Split QEMU's -initrd list: items separated by ',', ",," for a comma.
 * Each item is "path args"; the path ends at the first space. */
static int open_modules(struct multiboot_boot *b, const char *initrd, char *err, size_t errlen)
{
    size_t max = 1;
    for (const char *p = initrd; *p; p++)
        max += *p == ',';
    b->mods = calloc(max, sizeof(*b->mods));
    char *item = malloc(strlen(initrd) + 1);
    if (!b->mods || !item) {
        free(item);
        snprintf(err, errlen, "-initrd: out of memory");
        return -1;
    }
    const char *p = initrd;
    for (;;) {
        size_t n = 0;
        while (*p && !(*p == ',' && p[1] != ',')) {
            item[n++] = *p;
            p += (*p == ',') ? 2 : 1;
        }
        item[n] = '\0';
        size_t path_len = strcspn(item, " ");
        if (path_len == 0) {
            snprintf(err, errlen, "-initrd: empty module name in '%s'", initrd);
            free(item);
            return -1;
        }
        struct multiboot_module *m = &b->mods[b->nmods];
        m->cmdline = strdup(item);
        if (!m->cmdline) {
            snprintf(err, errlen, "-initrd: out of memory");
            free(item);
            return -1;
        }
        b->nmods++;
        item[path_len] = '\0';
        if (read_file("-initrd", item, &m->data, &m->size, err, errlen) < 0) {
            free(item);
            return -1;
        }
        if (*p == '\0')
            break;
        p++;
    }
    free(item);
    return 0;
}

struct multiboot_boot *multiboot_open(const char *kernel_path, const uint8_t *image,
                                      size_t image_size, const char *append,
                                      const char *initrd, char *err, size_t errlen)
{
    struct multiboot_boot *b = calloc(1, sizeof(*b));
    if (!b) {
        snprintf(err, errlen, "-kernel: out of memory");
        return NULL;
    }
    b->name = strdup(kernel_path);
    /* The command line starts with the kernel's name, as GRUB and QEMU
     * pass it. */
    size_t cmd_len = strlen(kernel_path) + (append && *append ? 1 + strlen(append) : 0) + 1;
    b->cmdline = malloc(cmd_len);
    if (!b->name || !b->cmdline) {
        snprintf(err, errlen, "-kernel: out of memory");
        multiboot_free(b);
        return NULL;
    }
    snprintf(b->cmdline, cmd_len, "%s%s%s", kernel_path, append && *append ? " " : "",
             append && *append ? append : "");
    if (image) {
        b->kernel = (uint8_t *)image;
        b->kernel_size = image_size;
    } else {
        if (read_file("-kernel", kernel_path, &b->kernel, &b->kernel_size, err, errlen) < 0) {
            multiboot_free(b);
            return NULL;
        }
        b->kernel_owned = true;
    }
    if (initrd && open_modules(b, initrd, err, errlen) < 0) {
        multiboot_free(b);
        return NULL;
    }
    return b;
}

void multiboot_free(struct multiboot_boot *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nmods; i++) {
        free(b->mods[i].data);
        free(b->mods[i].cmdline);
    }
    free(b->mods);
    if (b->kernel_owned)
        free(b->kernel);
    free(b->name);
    free(b->cmdline);
    free(b);
}

/* ---- Parsing the image ---- */

/* Find the header: 4-byte aligned, entirely within the first 8 KiB
 * (spec 3.1.1), with magic + flags + checksum == 0. */
static int find_header(const struct multiboot_boot *b, size_t *offset, char *err, size_t errlen)
{
    size_t limit = b->kernel_size < MB_SEARCH_LEN ? b->kernel_size : MB_SEARCH_LEN;
    bool bad_sum = false;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        const uint8_t *h = b->kernel + off;
        if (get32(h) != MB_HEADER_MAGIC)
            continue;
        if (get32(h) + get32(h + 4) + get32(h + 8) == 0) {
            *offset = off;
            return 0;
        }
        bad_sum = true;
    }
    if (bad_sum)
        return kernel_error(b, err, errlen, "Multiboot header has a bad checksum");
    return kernel_error(b, err, errlen, "not a Multiboot kernel (no Multiboot header in its first 8 KiB)");
}

static int add_segment(struct layout *l, uint64_t paddr, uint64_t offset, uint64_t filesz,
                       uint64_t memsz)
{
    struct segment *s = realloc(l->segs, (l->nsegs + 1) * sizeof(*s));
    if (!s)
        return -1;
    l->segs = s;
    l->segs[l->nsegs++] = (struct segment){ paddr, offset, filesz, memsz };
    return 0;
}

/* The header's address fields (spec 3.1.3). */
static int parse_aout(const struct multiboot_boot *b, size_t hoff, struct layout *l, char *err,
                      size_t errlen)
{
    if (hoff + 32 > b->kernel_size)
        return kernel_error(b, err, errlen, "Multiboot header is cut short by the end of the file");
    const uint8_t *h = b->kernel + hoff;
    uint32_t header_addr = get32(h + 12), load_addr = get32(h + 16);
    uint32_t load_end = get32(h + 20), bss_end = get32(h + 24), entry = get32(h + 28);

    if (load_addr > header_addr)
        return kernel_error(b, err, errlen, "load_addr 0x%x is above header_addr 0x%x", load_addr,
                            header_addr);
    if (header_addr - load_addr > hoff)
        return kernel_error(b, err, errlen,
                            "header_addr 0x%x and load_addr 0x%x start the load before the file",
                            header_addr, load_addr);
    uint64_t offset = hoff - (header_addr - load_addr);
    uint64_t filesz;
    if (load_end == 0) {
        filesz = b->kernel_size - offset;
    } else {
        if (load_end < load_addr)
            return kernel_error(b, err, errlen, "load_end_addr 0x%x is below load_addr 0x%x",
                                load_end, load_addr);
        filesz = load_end - load_addr;
        if (offset + filesz > b->kernel_size)
            return kernel_error(b, err, errlen, "load_end_addr 0x%x is past the end of the file",
                                load_end);
    }
    uint64_t memsz = filesz;
    if (bss_end != 0) {
        if (bss_end < load_addr + filesz)
            return kernel_error(b, err, errlen, "bss_end_addr 0x%x is below the end of the loaded data",
                                bss_end);
        memsz = bss_end - load_addr;
    }
    if (entry < load_addr || entry >= load_addr + filesz)
        return kernel_error(b, err, errlen, "entry_addr 0x%x is outside the loaded image", entry);
    l->entry = entry;
    if (add_segment(l, load_addr, offset, filesz, memsz) < 0)
        return kernel_error(b, err, errlen, "out of memory");
    return 0;
}

/* An ELF32 executable for the 386 (System V ABI, i386 supplement). */
static int parse_elf(const struct multiboot_boot *b, struct layout *l, char *err, size_t errlen)
{
    const uint8_t *e = b->kernel;
    size_t size = b->kernel_size;
    if (size < 52 || memcmp(e, "\x7f" "ELF", 4) != 0)
        return kernel_error(b, err, errlen,
                            "neither ELF nor given load addresses (Multiboot header flag 16)");
    if (e[4] != 1 || e[5] != 1)
        return kernel_error(b, err, errlen, "not a 32-bit little-endian ELF file");
    if (get16(e + 18) != 3)
        return kernel_error(b, err, errlen, "ELF file is not for the i386 (e_machine %u)",
                            get16(e + 18));
    uint32_t entry = get32(e + 24), phoff = get32(e + 28);
    uint16_t phentsize = get16(e + 42), phnum = get16(e + 44);
    if (phnum == 0 || phentsize < 32 || (uint64_t)phoff + (uint64_t)phnum * phentsize > size)
        return kernel_error(b, err, errlen, "ELF program headers lie outside the file");

    bool have_entry = false;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + (size_t)i * phentsize;
        if (get32(ph) != 1 /* PT_LOAD */)
            continue;
        uint32_t offset = get32(ph + 4), vaddr = get32(ph + 8), paddr = get32(ph + 12);
        uint32_t filesz = get32(ph + 16), memsz = get32(ph + 20);
        if (memsz == 0)
            continue;
        if (filesz > memsz || (uint64_t)offset + filesz > size)
            return kernel_error(b, err, errlen, "ELF segment %u lies outside the file", i);
        if (add_segment(l, paddr, offset, filesz, memsz) < 0)
            return kernel_error(b, err, errlen, "out of memory");
        /* The entry point is a physical address in the loaded bytes, or a
         * virtual one that this segment maps to them. */
        if (!have_entry && entry - paddr < filesz) {
            l->entry = entry;
            have_entry = true;
        } else if (!have_entry && entry - vaddr < filesz) {
            l->entry = entry - vaddr + paddr;
            have_entry = true;
        }
    }
    if (l->nsegs == 0)
        return kernel_error(b, err, errlen, "ELF file has nothing to load");
    if (!have_entry)
        return kernel_error(b, err, errlen, "entry point 0x%x is outside the loaded image", entry);
    return 0;
}

/* ---- Placing everything in RAM ---- */

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

static bool range_free(const struct multiboot_boot *b, const struct layout *l, uint64_t start,
                       uint64_t end)
{
    for (size_t i = 0; i < l->nsegs; i++)
        if (overlaps(start, end, l->segs[i].paddr, l->segs[i].paddr + l->segs[i].memsz))
            return false;
    for (size_t i = 0; i < b->nmods; i++)
        if (overlaps(start, end, l->mod_addr[i], l->mod_addr[i] + b->mods[i].size))
            return false;
    return true;
}

static size_t info_size(const struct multiboot_boot *b)
{
    size_t n = MBI_SIZE + GDT_SIZE + b->nmods * MOD_ENTRY_SIZE + MMAP_MAX * MMAP_ENTRY_SIZE;
    n += strlen(b->cmdline) + 1 + sizeof(LOADER_NAME);
    for (size_t i = 0; i < b->nmods; i++)
        n += strlen(b->mods[i].cmdline) + 1;
    return n;
}

/* Choose addresses for the modules and the information block. */
static int place(const struct multiboot_boot *b, struct layout *l, uint64_t ram, char *err,
                 size_t errlen)
{
    l->end = 0;
    for (size_t i = 0; i < l->nsegs; i++) {
        const struct segment *s = &l->segs[i];
        if (s->paddr + s->memsz > ram)
            return kernel_error(b, err, errlen,
                                "loads at 0x%08llx-0x%08llx, outside RAM (%llu MiB; try a larger -m)",
                                (unsigned long long)s->paddr,
                                (unsigned long long)(s->paddr + s->memsz - 1),
                                (unsigned long long)(ram >> 20));
        if (s->paddr + s->memsz > l->end)
            l->end = s->paddr + s->memsz;
    }

    uint64_t next = align_up(l->end, GUEST_PAGE_SIZE);
    for (size_t i = 0; i < b->nmods; i++) {
        if (next + b->mods[i].size > ram) {
            snprintf(err, errlen, "-initrd: '%s' does not fit in RAM after the kernel (%llu MiB; try a larger -m)",
                     b->mods[i].cmdline, (unsigned long long)(ram >> 20));
            return -1;
        }
        l->mod_addr[i] = next;
        next = align_up(next + b->mods[i].size, GUEST_PAGE_SIZE);
    }

    /* The information block: preferably at 64 KiB, clear of the real-mode
     * interrupt table and boot sector areas that kernels reuse, else right
     * after whatever is loaded. */
    l->info_size = info_size(b);
    uint64_t candidates[3] = { INFO_PREFERRED, GUEST_PAGE_SIZE, next };
    for (size_t i = 0; i < 3; i++) {
        uint64_t c = candidates[i];
        if (c + l->info_size <= ram && range_free(b, l, c, c + l->info_size)) {
            l->info_addr = c;
            return 0;
        }
    }
    for (size_t i = 0; i < l->nsegs; i++) {
        uint64_t c = align_up(l->segs[i].paddr + l->segs[i].memsz, GUEST_PAGE_SIZE);
        if (c + l->info_size <= ram && range_free(b, l, c, c + l->info_size)) {
            l->info_addr = c;
            return 0;
        }
    }
    return kernel_error(b, err, errlen, "no room left in RAM for the Multiboot information (try a larger -m)");
}

/* ---- Building the information block ---- */

struct info_builder {
    uint8_t *buf;
    uint64_t base; /* guest address of buf[0] */
    size_t pos;
};

static uint32_t add_string(struct info_builder *ib, const char *s)
{
    size_t n = strlen(s) + 1;
    uint32_t addr = (uint32_t)(ib->base + ib->pos);
    memcpy(ib->buf + ib->pos, s, n);
    ib->pos += n;
    return addr;
}

static void add_mmap(struct info_builder *ib, uint64_t base, uint64_t len, uint32_t type)
{
    uint8_t *e = ib->buf + ib->pos;
    put32(e, 20); /* size of the rest of the entry */
    put64(e + 4, base);
    put64(e + 12, len);
    put32(e + 20, type);
    ib->pos += MMAP_ENTRY_SIZE;
}

/* Fill the block and return the GDT's guest address. */
static uint32_t build_info(const struct multiboot_boot *b, const struct layout *l, uint64_t ram,
                           uint8_t *buf)
{
    struct info_builder ib = { buf, l->info_addr, MBI_SIZE };
    uint8_t *mbi = buf;

    uint32_t gdt = (uint32_t)(ib.base + ib.pos);
    put64(buf + ib.pos + 8, GDT_CODE);
    put64(buf + ib.pos + 16, GDT_DATA);
    ib.pos += GDT_SIZE;

    uint64_t low = ram < LOW_MEM_END ? ram : LOW_MEM_END;
    put32(mbi + 4, (uint32_t)(low >> 10));
    put32(mbi + 8, ram > HIGH_MEM_START ? (uint32_t)((ram - HIGH_MEM_START) >> 10) : 0);

    uint32_t mods = (uint32_t)(ib.base + ib.pos);
    size_t mods_pos = ib.pos;
    ib.pos += b->nmods * MOD_ENTRY_SIZE;
    put32(mbi + 20, (uint32_t)b->nmods);
    put32(mbi + 24, mods);

    /* This board has RAM at every address below ram; the PC's legacy
     * video and ROM window is still reported reserved, as kernels expect. */
    uint32_t mmap = (uint32_t)(ib.base + ib.pos);
    size_t mmap_pos = ib.pos;
    add_mmap(&ib, 0, low, 1);
    if (ram > LOW_MEM_END)
        add_mmap(&ib, LOW_MEM_END, (ram < HIGH_MEM_START ? ram : HIGH_MEM_START) - LOW_MEM_END, 2);
    if (ram > HIGH_MEM_START)
        add_mmap(&ib, HIGH_MEM_START, ram - HIGH_MEM_START, 1);
    put32(mbi + 44, (uint32_t)(ib.pos - mmap_pos));
    put32(mbi + 48, mmap);

    put32(mbi + 16, add_string(&ib, b->cmdline));
    put32(mbi + 64, add_string(&ib, LOADER_NAME));
    for (size_t i = 0; i < b->nmods; i++) {
        uint8_t *m = buf + mods_pos + i * MOD_ENTRY_SIZE;
        put32(m, (uint32_t)l->mod_addr[i]);
        put32(m + 4, (uint32_t)(l->mod_addr[i] + b->mods[i].size));
        put32(m + 8, add_string(&ib, b->mods[i].cmdline));
    }
    put32(mbi, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME);
    return gdt;
}

/* The machine state of spec 3.2: protected mode, paging off, flat 4 GiB
 * segments, IF and VM clear, EAX the boot magic, EBX the information. */
static void set_cpu_state(struct cpu *cpu, uint32_t entry, uint32_t info, uint32_t gdt)
{
    cpu->regs[R_EAX] = MB_BOOT_MAGIC;
    cpu->regs[R_EBX] = info;
    cpu->gdtr = (struct dtable){ gdt, GDT_SIZE - 1 };
    cpu->cr0 = CR0_ET | CR0_PE;
    cpu_set_eflags(cpu, 0);
    static const int data_segs[] = { SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS };
    for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
        cpu_set_seg(cpu, data_segs[i], SEL_DATA, 0, 0xffffffffu, ATTR_FLAT | TYPE_DATA_RW_ACCESSED);
    cpu_set_seg(cpu, SEG_CS, SEL_CODE, 0, 0xffffffffu, ATTR_FLAT | TYPE_CODE_XR_ACCESSED);
    cpu->eip = entry;
    cpu_tlb_flush_all(cpu);
}

int multiboot_load(const struct multiboot_boot *b, struct phys_mem *mem, struct cpu *cpu,
                   char *err, size_t errlen)
{
    size_t hoff = 0;
    if (find_header(b, &hoff, err, errlen) < 0)
        return -1;
    uint32_t flags = get32(b->kernel + hoff + 4);
    if (flags & MBH_REQUIRED & ~MBH_UNDERSTOOD)
        return kernel_error(b, err, errlen, "requires Multiboot features lintas lacks (flags 0x%08x)",
                            flags);

    uint64_t ram = mem_ram_size(mem);
    if (ram > (1ull << 32))
        ram = 1ull << 32;
    struct layout l = { 0 };
    l.mod_addr = calloc(b->nmods ? b->nmods : 1, sizeof(*l.mod_addr));
    int r = l.mod_addr ? 0 : kernel_error(b, err, errlen, "out of memory");
    if (r == 0)
        r = (flags & MBH_AOUT_KLUDGE) ? parse_aout(b, hoff, &l, err, errlen)
                                      : parse_elf(b, &l, err, errlen);
    if (r == 0)
        r = place(b, &l, ram, err, errlen);
    uint8_t *info = r == 0 ? calloc(1, l.info_size) : NULL;
    if (r == 0 && !info)
        r = kernel_error(b, err, errlen, "out of memory");
    if (r == 0) {
        /* Every range was checked against RAM above. */
        uint8_t *ramp = mem_ram(mem);
        for (size_t i = 0; i < l.nsegs; i++) {
            const struct segment *s = &l.segs[i];
            memcpy(ramp + s->paddr, b->kernel + s->offset, s->filesz);
            memset(ramp + s->paddr + s->filesz, 0, s->memsz - s->filesz);
        }
        for (size_t i = 0; i < b->nmods; i++)
            memcpy(ramp + l.mod_addr[i], b->mods[i].data, b->mods[i].size);
        uint32_t gdt = build_info(b, &l, ram, info);
        memcpy(ramp + l.info_addr, info, l.info_size);
        set_cpu_state(cpu, l.entry, (uint32_t)l.info_addr, gdt);
    }
    free(info);
    free(l.segs);
    free(l.mod_addr);
    return r;
}
