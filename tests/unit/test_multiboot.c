/* The Multiboot loader: what lands in RAM, the information structure, the
 * CPU state of spec section 3.2, and refusing hostile images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_machine.h"
#include "vm/multiboot.h"

#define RAM (16u << 20)

/* A machine to load into, and the loader's last error. */
struct rig {
    struct unit_machine m;
    char err[256];
};

static void rig_init(struct rig *r)
{
    unit_machine_init(&r->m, RAM);
    r->err[0] = '\0';
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* An ELF program header: type, file offset, virtual and physical address,
 * size in the file and in memory. */
static void put_phdr(uint8_t *ph, uint32_t type, uint32_t offset, uint32_t vaddr, uint32_t paddr,
                     uint32_t filesz, uint32_t memsz)
{
    put32(ph, type);
    put32(ph + 4, offset);
    put32(ph + 8, vaddr);
    put32(ph + 12, paddr);
    put32(ph + 16, filesz);
    put32(ph + 20, memsz);
}

static uint32_t ram32(struct rig *r, uint32_t addr)
{
    return mem_read(r->m.mem, addr, 4);
}

static const char *ram_str(struct rig *r, uint32_t addr)
{
    return (const char *)mem_ram(r->m.mem) + addr;
}

/* An a.out-kludge header at image[at] with the given address fields. */
static void aout_header(uint8_t *image, size_t at, uint32_t flags, uint32_t header_addr,
                        uint32_t load_addr, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
    uint8_t *h = image + at;
    put32(h, 0x1badb002);
    put32(h + 4, flags | 0x10000);
    put32(h + 8, -(0x1badb002u + (flags | 0x10000)));
    put32(h + 12, header_addr);
    put32(h + 16, load_addr);
    put32(h + 20, load_end);
    put32(h + 24, bss_end);
    put32(h + 28, entry);
}

static int load(struct rig *r, const uint8_t *image, size_t size, const char *append,
                const char *initrd)
{
    struct multiboot_boot *b = multiboot_open("k.bin", image, size, append, initrd, r->err,
                                              sizeof(r->err));
    if (!b)
        return -1;
    int rc = multiboot_load(b, r->m.mem, r->m.cpu, r->err, sizeof(r->err));
    multiboot_free(b);
    return rc;
}

static char *write_temp(struct unit_tally *t, const char *content)
{
    static char paths[4][32];
    static int n;
    char *path = paths[n++ % 4];
    strcpy(path, "/tmp/lintas_mod_XXXXXX");
    int fd = mkstemp(path);
    CHECK(t, fd >= 0 && write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    close(fd);
    return path;
}

static void test_aout(struct unit_tally *t)
{
    struct rig r;
    rig_init(&r);
    uint8_t image[0x200];
    for (size_t i = 0; i < sizeof(image); i++)
        image[i] = (uint8_t)i;
    aout_header(image, 0x40, 0x3, 0x200040, 0x200000, 0x200200, 0x203000, 0x200100);
    memset(mem_ram(r.m.mem) + 0x200200, 0xaa, 0x2e00); /* bss must come out zero */

    char *m1 = write_temp(t, "module one\n");
    char *m2 = write_temp(t, "2");
    char initrd[128];
    snprintf(initrd, sizeof(initrd), "%s arg=1,,2,%s", m1, m2);
    CHECK(t, load(&r, image, sizeof(image), "console=ttyS0", initrd) == 0);

    CHECK(t, memcmp(mem_ram(r.m.mem) + 0x200000, image, sizeof(image)) == 0);
    CHECK(t, mem_ram(r.m.mem)[0x200200] == 0 && mem_ram(r.m.mem)[0x202fff] == 0);

    /* Machine state (spec 3.2). */
    struct cpu *c = r.m.cpu;
    CHECK(t, (uint32_t)c->regs[R_EAX] == 0x2badb002);
    CHECK(t, c->eip == 0x200100);
    CHECK(t, (c->cr0 & CR0_PE) && !(c->cr0 & CR0_PG));
    CHECK(t, cpu_get_eflags(c) == 0x2);
    CHECK(t, c->seg[SEG_CS].base == 0 && c->seg[SEG_CS].limit == 0xffffffffu);
    CHECK(t, (c->seg[SEG_CS].attr & (SEG_ATTR_DB | SEG_ATTR_P | SEG_ATTR_S | 0x8)) ==
             (SEG_ATTR_DB | SEG_ATTR_P | SEG_ATTR_S | 0x8));
    for (int s = 0; s < SEG_COUNT; s++) {
        if (s == SEG_CS)
            continue;
        CHECK(t, c->seg[s].base == 0 && c->seg[s].limit == 0xffffffffu);
        CHECK(t, (c->seg[s].attr & (SEG_ATTR_DB | 0x8 | 0x2)) == (SEG_ATTR_DB | 0x2));
    }
    CHECK(t, c->cpl == 0);
    /* The GDT lintas leaves behind matches the loaded segments. */
    CHECK(t, c->gdtr.limit == 23);
    CHECK(t, ram32(&r, c->gdtr.base + 8) == 0x0000ffff &&
             ram32(&r, c->gdtr.base + 12) == 0x00cf9b00);
    CHECK(t, ram32(&r, c->gdtr.base + 16) == 0x0000ffff &&
             ram32(&r, c->gdtr.base + 20) == 0x00cf9300);

    /* The information structure (spec 3.3). */
    uint32_t mbi = (uint32_t)c->regs[R_EBX];
    CHECK(t, mbi == 0x10000);
    CHECK(t, ram32(&r, mbi) == 0x24d);
    CHECK(t, ram32(&r, mbi + 4) == 640);
    CHECK(t, ram32(&r, mbi + 8) == (RAM >> 10) - 1024);
    CHECK(t, strcmp(ram_str(&r, ram32(&r, mbi + 16)), "k.bin console=ttyS0") == 0);
    CHECK(t, strcmp(ram_str(&r, ram32(&r, mbi + 64)), "lintas") == 0);
    CHECK(t, ram32(&r, mbi + 20) == 2);
    uint32_t mods = ram32(&r, mbi + 24);
    uint32_t start0 = ram32(&r, mods), end0 = ram32(&r, mods + 4);
    uint32_t start1 = ram32(&r, mods + 16), end1 = ram32(&r, mods + 20);
    CHECK(t, start0 == 0x203000 && end0 == start0 + 11); /* after the bss, page aligned */
    CHECK(t, memcmp(mem_ram(r.m.mem) + start0, "module one\n", 11) == 0);
    CHECK(t, start1 == 0x204000 && end1 == start1 + 1);
    CHECK(t, mem_ram(r.m.mem)[start1] == '2');
    char expect[128];
    snprintf(expect, sizeof(expect), "%s arg=1,2", m1);
    CHECK(t, strcmp(ram_str(&r, ram32(&r, mods + 8)), expect) == 0);
    CHECK(t, strcmp(ram_str(&r, ram32(&r, mods + 24)), m2) == 0);

    /* Memory map: usable low memory, the reserved legacy window, the rest. */
    uint32_t len = ram32(&r, mbi + 44), map = ram32(&r, mbi + 48);
    CHECK(t, len == 3 * 24);
    static const uint32_t expect_map[3][3] = {
        { 0, 0xa0000, 1 }, { 0xa0000, 0x60000, 2 }, { 0x100000, RAM - 0x100000, 1 },
    };
    for (int i = 0; i < 3; i++) {
        uint32_t e = map + 24 * (uint32_t)i;
        CHECK(t, ram32(&r, e) == 20);
        CHECK(t, ram32(&r, e + 4) == expect_map[i][0] && ram32(&r, e + 8) == 0);
        CHECK(t, ram32(&r, e + 12) == expect_map[i][1] && ram32(&r, e + 16) == 0);
        CHECK(t, ram32(&r, e + 20) == expect_map[i][2]);
    }
    unlink(m1);
    unlink(m2);
    unit_machine_free(&r.m);
}

/* A kernel sitting on the preferred spot pushes the information aside. */
static void test_info_placement(struct unit_tally *t)
{
    struct rig r;
    rig_init(&r);
    uint8_t image[0x100] = { 0 };
    aout_header(image, 0, 0, 0xf000, 0xf000, 0, 0x30000, 0xf020);
    CHECK(t, load(&r, image, sizeof(image), NULL, NULL) == 0);
    uint32_t mbi = (uint32_t)r.m.cpu->regs[R_EBX];
    CHECK(t, mbi + 120 <= 0xf000 || mbi >= 0x30000);
    CHECK(t, strcmp(ram_str(&r, ram32(&r, mbi + 16)), "k.bin") == 0);
    unit_machine_free(&r.m);
}

static void test_elf(struct unit_tally *t)
{
    struct rig r;
    rig_init(&r);
    uint8_t image[0x200] = { 0 };
    memcpy(image, "\x7f" "ELF\x01\x01\x01", 7);
    image[16] = 2;  /* ET_EXEC */
    image[18] = 3;  /* EM_386 */
    put32(image + 24, 0xc0100080); /* virtual entry */
    put32(image + 28, 52);         /* e_phoff */
    image[42] = 32;                /* e_phentsize */
    image[44] = 2;                 /* e_phnum */
    put_phdr(image + 52, 1, 0, 0xc0100000, 0x100000, 0x100, 0x2000);
    put_phdr(image + 84, 1, 0x100, 0xc0200000, 0x300000, 0x100, 0x100);
    put32(image + 0x84, 0x1badb002); /* header without the kludge */
    put32(image + 0x88, 0);
    put32(image + 0x8c, -0x1badb002u);
    image[0x150] = 0x99;

    CHECK(t, load(&r, image, sizeof(image), "", NULL) == 0);
    CHECK(t, r.m.cpu->eip == 0x100080);
    CHECK(t, memcmp(mem_ram(r.m.mem) + 0x100000, image, 0x100) == 0);
    CHECK(t, mem_ram(r.m.mem)[0x300050] == 0x99);
    uint32_t mbi = (uint32_t)r.m.cpu->regs[R_EBX];
    CHECK(t, ram32(&r, mbi + 20) == 0);
    CHECK(t, strcmp(ram_str(&r, ram32(&r, mbi + 16)), "k.bin") == 0);
    unit_machine_free(&r.m);
}

static void expect_error(struct unit_tally *t, const uint8_t *image, size_t size, const char *what)
{
    struct rig r;
    rig_init(&r);
    CHECK(t, load(&r, image, size, NULL, NULL) < 0);
    CHECK_MSG(t, strstr(r.err, what) != NULL, "error '%s' lacks '%s'", r.err, what);
    CHECK(t, strncmp(r.err, "'k.bin': ", 9) == 0);
    CHECK(t, !strchr(r.err, '\n'));
    unit_machine_free(&r.m);
}

/* a.out-kludge headers, each alone at the start of an image, that the
 * loader must refuse. */
static const struct {
    uint32_t flags, header_addr, load_addr, load_end, bss_end, entry;
    const char *what;
} bad_aout[] = {
    { 0x8, 0x100000, 0x100000, 0, 0, 0x100010, "features" },
    { 0, 0x100000, 0x100004, 0, 0, 0x100010, "above header_addr" },
    { 0, 0x100000, 0x100000, 0x0ff000, 0, 0x100010, "below load_addr" },
    { 0, 0x100000, 0x100000, 0x100101, 0, 0x100010, "past the end of the file" },
    { 0, 0x100000, 0x100000, 0x100080, 0x100040, 0x100010, "bss_end_addr" },
    { 0, 0x100000, 0x100000, 0x100080, 0, 0x100080, "entry_addr 0x100080 is outside" },
    { 0, 0xfffff000, 0xfffff000, 0, 0, 0xfffff010, "outside RAM" },
    { 0, 0x100000, 0x100000, 0, 0xffffffff, 0x100010, "outside RAM" }, /* bss past RAM */
};

static void test_hostile(struct unit_tally *t)
{
    uint8_t image[0x100] = { 0 };
    expect_error(t, image, sizeof(image), "not a Multiboot kernel");
    expect_error(t, image, 0, "not a Multiboot kernel");

    aout_header(image, 0, 0, 0x100000, 0x100000, 0, 0, 0x100010);
    image[8] ^= 1;
    expect_error(t, image, sizeof(image), "bad checksum");

    aout_header(image, 0, 0, 0x100000, 0x100000, 0, 0, 0x100010);
    expect_error(t, image, 20, "cut short");

    for (size_t i = 0; i < sizeof(bad_aout) / sizeof(bad_aout[0]); i++) {
        memset(image, 0, sizeof(image));
        aout_header(image, 0, bad_aout[i].flags, bad_aout[i].header_addr, bad_aout[i].load_addr,
                    bad_aout[i].load_end, bad_aout[i].bss_end, bad_aout[i].entry);
        expect_error(t, image, sizeof(image), bad_aout[i].what);
    }

    /* A header further in, whose load_addr would start before the file. */
    memset(image, 0, sizeof(image));
    aout_header(image, 0x20, 0, 0x100100, 0x100000, 0, 0, 0x100010);
    expect_error(t, image, sizeof(image), "before the file");

    /* ELF: program headers past the end, segments past the end, nothing to
     * load, an entry outside every segment. */
    uint8_t elf[0xa0] = { 0 };
    memcpy(elf, "\x7f" "ELF\x01\x01\x01", 7);
    elf[18] = 3;
    put32(elf + 28, 0xffffffe0);
    elf[42] = 32;
    elf[44] = 1;
    put32(elf + 0x60, 0x1badb002);
    put32(elf + 0x68, -0x1badb002u);
    expect_error(t, elf, sizeof(elf), "program headers lie outside");
    put32(elf + 28, 52);
    put_phdr(elf + 52, 1, 0x10, 0, 0x100000, 0xfffffff8, 0xfffffff8);
    expect_error(t, elf, sizeof(elf), "segment 0 lies outside the file");
    put32(elf + 52, 4); /* PT_NOTE */
    expect_error(t, elf, sizeof(elf), "nothing to load");
    put_phdr(elf + 52, 1, 0x10, 0, 0x100000, 0x10, 0x10);
    put32(elf + 24, 0x200000);
    expect_error(t, elf, sizeof(elf), "entry point 0x200000 is outside");
    elf[18] = 62; /* x86-64 */
    expect_error(t, elf, sizeof(elf), "not for the i386");
    elf[4] = 2;
    expect_error(t, elf, sizeof(elf), "32-bit little-endian");
}

/* Random header fields must give a clean answer, never a crash (run under
 * the sanitizers in CI). */
static void test_random_headers(struct unit_tally *t)
{
    struct rig r;
    rig_init(&r);
    uint32_t seed = 12345;
    uint8_t image[0x400];
    for (int iter = 0; iter < 20000; iter++) {
        for (size_t i = 0; i < sizeof(image); i++) {
            seed = seed * 1103515245u + 12345u;
            image[i] = (uint8_t)(seed >> 16);
        }
        uint32_t base = 0x100000;
        size_t at = 16 + (size_t)(iter % 4) * 4;
        /* Random but plausible addresses, so some loads succeed. */
        aout_header(image, at, iter & 1 ? 0 : 3, base + (image[100] & 0x3f),
                    base + (image[101] & 0x3f) * (iter & 2 ? 1 : 0x1000000),
                    image[102] & 1 ? 0 : base + image[103] * 4,
                    image[104] & 1 ? 0 : base + image[105] * 64,
                    base + image[106]);
        if (iter % 3 == 0) {
            /* An ELF file with random program headers: drop the kludge. */
            memcpy(image, "\x7f" "ELF\x01\x01\x01", 7);
            image[18] = 3;
            image[19] = 0;
            put32(image + 28, 64 + (image[109] & 0x3f));
            image[42] = 32;
            image[43] = 0;
            image[44] = image[110] & 7;
            image[45] = 0;
            for (unsigned i = 0; i < 8; i++) {
                uint8_t *ph = image + 64 + (image[109] & 0x3f) + 32 * i;
                if (ph + 32 <= image + sizeof(image)) {
                    put32(ph, 1);
                    put32(ph + 4, ph[5]);
                    put32(ph + 12, base + ph[13] * 16u);
                    put32(ph + 16, ph[17]);
                    put32(ph + 20, ph[17] + ph[21] * 64u);
                }
            }
            put32(image + 24, base + (image[111] & 0x3f) * 16u);
            put32(image + 0x3c0, 0x1badb002); /* clear of the ELF headers */
            put32(image + 0x3c4, 0);
            put32(image + 0x3c8, -0x1badb002u);
        }
        size_t min = iter % 3 == 0 ? 0x3cc : 8;
        size_t size = min + (size_t)(image[107] + image[108] * 3) % (sizeof(image) - min);
        if (load(&r, image, size, NULL, NULL) < 0)
            CHECK(t, r.err[0] != '\0' && !strchr(r.err, '\n'));
    }
    unit_machine_free(&r.m);
}

static void test_files(struct unit_tally *t)
{
    char err[256];
    CHECK(t, multiboot_open("/nonexistent/k", NULL, 0, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK(t, strcmp(err, "-kernel: cannot open '/nonexistent/k': No such file or directory") == 0);
    CHECK(t, multiboot_open("/", NULL, 0, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK(t, strcmp(err, "-kernel: '/' is not a regular file") == 0);
    static const uint8_t image[4];
    CHECK(t, multiboot_open("k", image, 4, NULL, ",x", err, sizeof(err)) == NULL);
    CHECK(t, strstr(err, "-initrd: empty module name") != NULL);
    CHECK(t, multiboot_open("k", image, 4, NULL, "/nonexistent/m arg", err, sizeof(err)) == NULL);
    CHECK(t, strcmp(err, "-initrd: cannot open '/nonexistent/m': No such file or directory") == 0);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_aout(&t);
    test_info_placement(&t);
    test_elf(&t);
    test_hostile(&t);
    test_random_headers(&t);
    test_files(&t);
    return UNIT_REPORT(&t);
}
