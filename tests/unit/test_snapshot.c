/*
 * Machine state files (vm/snapshot.c): a machine saved part-way and loaded
 * into a second machine of the same configuration holds the same CPU, RAM,
 * devices and clock, and both go on to print the same and to end in the
 * same state; files from another configuration, cut short, with a wrong
 * magic, version or checksum, or missing, are refused with one line; and
 * a thousand seeded random byte flips either are refused or load into a
 * machine that then runs on (under AddressSanitizer, the flips must never
 * reach outside the loader's buffers or the machine).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "lintas/cpu.h"
#include "lintas/machine.h"
#include "lintas/mem.h"
#include "lintas/state.h"
#include "lintas/timer.h"
#include "unit_check.h"

/*
 * The guest, a Multiboot kernel (a.out kludge) loaded at 0x100000, with its
 * own GDT and IDT, the PIC pair remapped to vectors 0x20-0x2F with only
 * IRQ 0 unmasked, and PIT channel 0 in mode 2 at divisor 100 (84 us). It
 * steps a linear congruential generator, storing every value in a 256 KiB
 * ring at 0x180000, and every 1024 steps prints the step count, the timer
 * ticks so far and the generator on COM1, waiting for THR empty. So its
 * output depends on the CPU, RAM, the UART, the PIC, the PIT and the clock
 * all being restored. Assembled with nasm from:
 *
 * bits 32
 * org 0x100000
 * MB_FLAGS equ 0x00010000
 * mb_header:
 *     dd 0x1badb002
 *     dd MB_FLAGS
 *     dd -(0x1badb002 + MB_FLAGS)
 *     dd mb_header
 *     dd mb_header
 *     dd load_end
 *     dd bss_end
 *     dd start
 * start:
 *     lgdt [gdt_ptr]
 *     jmp 0x08:.flat
 * .flat:
 *     mov eax, 0x10
 *     mov ds, eax
 *     mov es, eax
 *     mov ss, eax
 *     mov esp, 0x1ff000
 *     ; IDT: every vector to iret_only, vector 0x20 to tick
 *     mov edi, idt
 *     mov ecx, 48
 * .gate:
 *     mov eax, iret_only
 *     mov [edi], ax
 *     mov word [edi + 2], 0x08
 *     mov word [edi + 4], 0x8e00
 *     shr eax, 16
 *     mov [edi + 6], ax
 *     add edi, 8
 *     loop .gate
 *     mov eax, tick
 *     mov [idt + 0x20 * 8], ax
 *     shr eax, 16
 *     mov [idt + 0x20 * 8 + 6], ax
 *     lidt [idt_ptr]
 *     ; PIC pair: vectors 0x20 and 0x28, only IRQ 0 unmasked
 *     mov al, 0x11
 *     out 0x20, al
 *     out 0xa0, al
 *     mov al, 0x20
 *     out 0x21, al
 *     mov al, 0x28
 *     out 0xa1, al
 *     mov al, 4
 *     out 0x21, al
 *     mov al, 2
 *     out 0xa1, al
 *     mov al, 1
 *     out 0x21, al
 *     out 0xa1, al
 *     mov al, 0xfe
 *     out 0x21, al
 *     mov al, 0xff
 *     out 0xa1, al
 *     ; PIT channel 0, mode 2, divisor 100
 *     mov al, 0x34
 *     out 0x43, al
 *     mov al, 100
 *     out 0x40, al
 *     xor eax, eax
 *     out 0x40, al
 *     sti
 *     ; ebx: LCG state, ebp: iterations
 *     mov ebx, 12345
 *     xor ebp, ebp
 * .loop:
 *     imul ebx, ebx, 1103515245
 *     add ebx, 12345
 *     mov eax, ebp
 *     and eax, 0xffff
 *     mov [0x180000 + eax * 4], ebx
 *     inc ebp
 *     test ebp, 0x3ff
 *     jnz .loop
 *     mov eax, ebp
 *     call puthex
 *     mov al, ' '
 *     call putc
 *     mov eax, [ticks]
 *     call puthex
 *     mov al, ' '
 *     call putc
 *     mov eax, ebx
 *     call puthex
 *     mov al, 10
 *     call putc
 *     jmp .loop
 *
 * ; al to COM1 once THR is empty
 * putc:
 *     push eax
 *     mov dx, 0x3fd
 * .wait:
 *     in al, dx
 *     test al, 0x20
 *     jz .wait
 *     pop eax
 *     mov dx, 0x3f8
 *     out dx, al
 *     ret
 *
 * ; eax as 8 hex digits
 * puthex:
 *     mov ecx, 8
 *     mov esi, eax
 * .digit:
 *     rol esi, 4
 *     mov eax, esi
 *     and eax, 15
 *     mov al, [hex + eax]
 *     call putc
 *     loop .digit
 *     ret
 *
 * tick:
 *     push eax
 *     inc dword [ticks]
 *     mov al, 0x20
 *     out 0x20, al
 *     pop eax
 * iret_only:
 *     iret
 *
 * hex: db '0123456789abcdef'
 * align 8
 * gdt:
 *     dq 0
 *     dq 0x00cf9a000000ffff
 *     dq 0x00cf92000000ffff
 * gdt_ptr:
 *     dw 23
 *     dd gdt
 * idt_ptr:
 *     dw 48 * 8 - 1
 *     dd idt
 * ticks: dd 0
 * align 8
 * load_end:
 * idt equ load_end
 * bss_end equ idt + 48 * 8
 */
static const uint8_t guest_image[] = {
    0x02, 0xb0, 0xad, 0x1b, 0x00, 0x00, 0x01, 0x00, 0xfe, 0x4f, 0x51, 0xe4, 0x00, 0x00, 0x10, 0x00,
    0x00, 0x00, 0x10, 0x00, 0x80, 0x01, 0x10, 0x00, 0x00, 0x03, 0x10, 0x00, 0x20, 0x00, 0x10, 0x00,
    0x0f, 0x01, 0x15, 0x70, 0x01, 0x10, 0x00, 0xea, 0x2e, 0x00, 0x10, 0x00, 0x08, 0x00, 0xb8, 0x10,
    0x00, 0x00, 0x00, 0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0xbc, 0x00, 0xf0, 0x1f, 0x00, 0xbf, 0x80,
    0x01, 0x10, 0x00, 0xb9, 0x30, 0x00, 0x00, 0x00, 0xb8, 0x47, 0x01, 0x10, 0x00, 0x66, 0x89, 0x07,
    0x66, 0xc7, 0x47, 0x02, 0x08, 0x00, 0x66, 0xc7, 0x47, 0x04, 0x00, 0x8e, 0xc1, 0xe8, 0x10, 0x66,
    0x89, 0x47, 0x06, 0x83, 0xc7, 0x08, 0xe2, 0xe0, 0xb8, 0x3b, 0x01, 0x10, 0x00, 0x66, 0xa3, 0x80,
    0x02, 0x10, 0x00, 0xc1, 0xe8, 0x10, 0x66, 0xa3, 0x86, 0x02, 0x10, 0x00, 0x0f, 0x01, 0x1d, 0x76,
    0x01, 0x10, 0x00, 0xb0, 0x11, 0xe6, 0x20, 0xe6, 0xa0, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x28, 0xe6,
    0xa1, 0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x02, 0xe6, 0xa1, 0xb0, 0x01, 0xe6, 0x21, 0xe6, 0xa1, 0xb0,
    0xfe, 0xe6, 0x21, 0xb0, 0xff, 0xe6, 0xa1, 0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x64, 0xe6, 0x40, 0x31,
    0xc0, 0xe6, 0x40, 0xfb, 0xbb, 0x39, 0x30, 0x00, 0x00, 0x31, 0xed, 0x69, 0xdb, 0x6d, 0x4e, 0xc6,
    0x41, 0x81, 0xc3, 0x39, 0x30, 0x00, 0x00, 0x89, 0xe8, 0x25, 0xff, 0xff, 0x00, 0x00, 0x89, 0x1c,
    0x85, 0x00, 0x00, 0x18, 0x00, 0x45, 0xf7, 0xc5, 0xff, 0x03, 0x00, 0x00, 0x75, 0xdd, 0x89, 0xe8,
    0xe8, 0x39, 0x00, 0x00, 0x00, 0xb0, 0x20, 0xe8, 0x21, 0x00, 0x00, 0x00, 0xa1, 0x7c, 0x01, 0x10,
    0x00, 0xe8, 0x28, 0x00, 0x00, 0x00, 0xb0, 0x20, 0xe8, 0x10, 0x00, 0x00, 0x00, 0x89, 0xd8, 0xe8,
    0x1a, 0x00, 0x00, 0x00, 0xb0, 0x0a, 0xe8, 0x02, 0x00, 0x00, 0x00, 0xeb, 0xae, 0x50, 0x66, 0xba,
    0xfd, 0x03, 0xec, 0xa8, 0x20, 0x74, 0xfb, 0x58, 0x66, 0xba, 0xf8, 0x03, 0xee, 0xc3, 0xb9, 0x08,
    0x00, 0x00, 0x00, 0x89, 0xc6, 0xc1, 0xc6, 0x04, 0x89, 0xf0, 0x83, 0xe0, 0x0f, 0x8a, 0x80, 0x48,
    0x01, 0x10, 0x00, 0xe8, 0xd5, 0xff, 0xff, 0xff, 0xe2, 0xeb, 0xc3, 0x50, 0xff, 0x05, 0x7c, 0x01,
    0x10, 0x00, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,
    0x17, 0x00, 0x58, 0x01, 0x10, 0x00, 0x7f, 0x01, 0x80, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define GUEST_NAME "snapshot-guest"

/* The round trip: a machine saved at SAVE_AT instructions, and it and its
 * copy both run on to RUN_TO. The generator prints a line every ~8500
 * instructions and the timer ticks every ~84000 (-icount shift=0). */
#define RAM_SIZE (8u << 20)
#define SAVE_AT 1500000u
#define RUN_TO 4000000u

/* The flips: small RAM so that each case loads quickly under the
 * sanitizers, a run long enough to take several timer interrupts, and a
 * limit in host time for runs that retire no instructions. */
#define FUZZ_RAM (2u << 20)
#define FUZZ_SAVE_AT 300000u
#define FUZZ_CASES 1000
#define FUZZ_RUN 10000u
#define FUZZ_SEED 0x5eed5eed2024ull
#define FUZZ_GUARD_NS 50000000ull

#define HEADER_LEN 24
#define CRC_OFFSET 12
#define LENGTH_OFFSET 16
#define DIR_TEMPLATE "/tmp/lintas-snapshot-XXXXXX"
#define PATH_MAX_LEN 512

struct suite {
    int passed, failed; /* see unit_check.h */
    char dir[sizeof(DIR_TEMPLATE)];
};

struct bytes {
    uint8_t *data;
    size_t len;
};

static const char *in_dir(const struct suite *t, const char *name, char *buf)
{
    snprintf(buf, PATH_MAX_LEN, "%s/%s", t->dir, name);
    return buf;
}

/* A machine running the guest, with a fixed RTC date and, with icount set,
 * in -icount shift=0, so that every run is the same; COM1 writes to the
 * file out_name in the test's folder, or nowhere. A test cannot go on
 * without it. */
static struct machine *make_machine(const struct suite *t, uint64_t ram_size,
                                    const char *out_name, bool com1, bool icount)
{
    char out[PATH_MAX_LEN], spec[PATH_MAX_LEN + 8];
    if (out_name)
        snprintf(spec, sizeof(spec), "file:%s", in_dir(t, out_name, out));
    else
        snprintf(spec, sizeof(spec), "null");
    struct machine_config cfg = {
        .ram_size = ram_size,
        .kernel_path = GUEST_NAME,
        .kernel_image = guest_image,
        .kernel_image_size = sizeof(guest_image),
        .serial = { com1 ? spec : NULL },
        .rtc_base = MACHINE_RTC_DATE,
        .rtc_date = 1700000000,
        .icount_shift = icount ? 0 : -1,
    };
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "machine_create: %s\n", err);
        exit(2);
    }
    return m;
}

static struct bytes read_bytes(const char *path)
{
    struct bytes b = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return b;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.data = malloc(size > 0 ? (size_t)size : 1);
    if (b.data)
        b.len = fread(b.data, 1, (size_t)size, f);
    fclose(f);
    return b;
}

static void write_bytes(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
    fclose(f);
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The file's CRC as the format defines it: the whole file, the CRC's own
 * four bytes read as zero. */
static void fix_crc(uint8_t *data, size_t len)
{
    put_le(data + CRC_OFFSET, 0, 4);
    put_le(data + CRC_OFFSET, crc32(crc32(0, NULL, 0), data, (uInt)len), 4);
}

/* Where the section with this tag starts (its tag), or 0. */
static size_t find_section(const uint8_t *data, size_t len, const char *tag)
{
    for (size_t at = HEADER_LEN; len - at >= 12;) {
        if (memcmp(data + at, tag, 4) == 0)
            return at;
        uint64_t size = get_le(data + at + 4, 8);
        if (size > len - at - 12)
            return 0;
        at += 12 + (size_t)size;
    }
    return 0;
}

static bool one_line(const char *s)
{
    return s[0] && !strchr(s, '\n');
}

/* Loading path into m fails with exactly "state file 'path': want". */
static void expect_error(struct suite *t, struct machine *m, const char *path, const char *want)
{
    char err[512] = "", full[PATH_MAX_LEN + 256];
    int ret = machine_load_state(m, path, err, sizeof(err));
    snprintf(full, sizeof(full), "state file '%s': %s", path, want);
    CHECK_MSG(t, ret == -1 && strcmp(err, full) == 0, "load %s: %d '%s', expected '%s'", path,
              ret, err, full);
}

/* Loading fails with one line about path that contains fragment. */
static bool expect_error_with(struct suite *t, struct machine *m, const char *path,
                              const char *fragment)
{
    char err[512] = "", prefix[PATH_MAX_LEN + 32];
    int ret = machine_load_state(m, path, err, sizeof(err));
    snprintf(prefix, sizeof(prefix), "state file '%s': ", path);
    return CHECK_MSG(t, ret == -1 && one_line(err) && strncmp(err, prefix, strlen(prefix)) == 0 &&
                            strstr(err + strlen(prefix), fragment),
                     "load %s: %d '%s', expected an error with '%s'", path, ret, err, fragment);
}

/* The state of a desc's object as its section would be saved. */
static bool same_section(const struct state_desc *desc, const void *a, const void *b)
{
    struct state_writer wa = { 0 }, wb = { 0 };
    state_save(desc, a, &wa);
    state_save(desc, b, &wb);
    bool same = !wa.failed && !wb.failed && wa.len == wb.len && memcmp(wa.buf, wb.buf, wa.len) == 0;
    state_writer_free(&wa);
    state_writer_free(&wb);
    return same;
}

static void check_same_machine(struct suite *t, struct machine *a, struct machine *b)
{
    const struct cpu *ca = a->cpu, *cb = b->cpu;
    for (int r = R_EAX; r <= R_EDI; r++)
        CHECK_CASE(t, ca->regs[r] == cb->regs[r], "register %d: %llx, %llx", r,
                   (unsigned long long)ca->regs[r], (unsigned long long)cb->regs[r]);
    CHECK_MSG(t, ca->eip == cb->eip, "eip %llx, %llx", (unsigned long long)ca->eip,
              (unsigned long long)cb->eip);
    CHECK(t, cpu_get_eflags(ca) == cpu_get_eflags(cb));
    CHECK(t, ca->icount == cb->icount);
    CHECK(t, ca->seg[SEG_CS].sel == cb->seg[SEG_CS].sel && ca->cr0 == cb->cr0);
    CHECK(t, ca->idtr.base == cb->idtr.base && ca->gdtr.base == cb->gdtr.base);
    CHECK(t, same_section(&cpu_state_desc, ca, cb));
    CHECK(t, vclock_now(a->clock) == vclock_now(b->clock));
    CHECK(t, mem_ram_size(a->mem) == mem_ram_size(b->mem) &&
                 memcmp(mem_ram(a->mem), mem_ram(b->mem), mem_ram_size(a->mem)) == 0);
    CHECK(t, a->device_count == b->device_count && a->device_count > 10);
    for (unsigned i = 0; i < a->device_count && i < b->device_count; i++) {
        const struct state_desc *desc = a->devices[i].desc;
        CHECK_CASE(t, desc == b->devices[i].desc &&
                          same_section(desc, a->devices[i].obj, b->devices[i].obj),
                   "device %u (%s)", i, desc->name);
    }
}

static bool same_file(const char *pa, const char *pb, size_t skip_a)
{
    struct bytes a = read_bytes(pa), b = read_bytes(pb);
    bool same = a.data && b.data && a.len >= skip_a && a.len - skip_a == b.len &&
                memcmp(a.data + skip_a, b.data, b.len) == 0;
    free(a.data);
    free(b.data);
    return same;
}

static size_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* Save part-way, load into a second machine, run both on. */
static void test_round_trip(struct suite *t)
{
    char state[PATH_MAX_LEN], tmp[PATH_MAX_LEN + 8], out_a[PATH_MAX_LEN], out_b[PATH_MAX_LEN];
    char err[512] = "";
    in_dir(t, "a.state", state);
    snprintf(tmp, sizeof(tmp), "%s.tmp", state);

    struct machine *a = make_machine(t, RAM_SIZE, "a.out", true, true);
    CHECK(t, machine_run(a, SAVE_AT) == MACHINE_RUN_STOPPED);
    CHECK(t, a->cpu->icount == SAVE_AT);
    CHECK_MSG(t, machine_save_state(a, state, err, sizeof(err)) == 0, "save: %s", err);
    CHECK(t, access(tmp, F_OK) != 0);
    size_t printed = file_size(in_dir(t, "a.out", out_a));
    CHECK(t, printed > 1000);

    struct machine *b = make_machine(t, RAM_SIZE, "b.out", true, true);
    CHECK_MSG(t, machine_load_state(b, state, err, sizeof(err)) == 0, "load: %s", err);
    check_same_machine(t, a, b);

    CHECK(t, machine_run(a, RUN_TO) == MACHINE_RUN_STOPPED);
    CHECK(t, machine_run(b, RUN_TO) == MACHINE_RUN_STOPPED);
    CHECK(t, a->cpu->icount == RUN_TO && b->cpu->icount == RUN_TO);
    check_same_machine(t, a, b);

    /* Saved again, the two are the same file, byte for byte. */
    char again_a[PATH_MAX_LEN], again_b[PATH_MAX_LEN];
    CHECK(t, machine_save_state(a, in_dir(t, "a2.state", again_a), err, sizeof(err)) == 0);
    CHECK(t, machine_save_state(b, in_dir(t, "b2.state", again_b), err, sizeof(err)) == 0);
    CHECK(t, same_file(again_a, again_b, 0));
    /* Saving over an existing file replaces it. */
    CHECK(t, machine_save_state(a, again_b, err, sizeof(err)) == 0);
    CHECK(t, same_file(again_a, again_b, 0));
    unlink(again_a);
    unlink(again_b);

    machine_destroy(a);
    machine_destroy(b);
    /* What b printed is what a printed after the save. */
    in_dir(t, "b.out", out_b);
    CHECK(t, file_size(out_b) > 1000);
    CHECK(t, same_file(out_a, out_b, printed));
    unlink(out_a);
    unlink(out_b);
}

/* Machines of another configuration refuse the file. */
static void test_other_config(struct suite *t)
{
    char state[PATH_MAX_LEN], path[PATH_MAX_LEN];
    in_dir(t, "a.state", state);

    struct machine *m = make_machine(t, 4u << 20, NULL, true, true);
    expect_error(t, m, state, "saved with 8 MiB of RAM, this machine has 4 MiB");
    machine_destroy(m);

    m = make_machine(t, RAM_SIZE, NULL, false, true);
    expect_error_with(t, m, state, "devices, this machine has");
    machine_destroy(m);

    /* A device of another name in the configuration section. */
    struct bytes b = read_bytes(state);
    size_t conf = find_section(b.data, b.len, "CONF");
    CHECK(t, conf == HEADER_LEN);
    size_t name = conf + 12 + 8 + 4 + 4;
    b.data[name] ^= 0x20;
    fix_crc(b.data, b.len);
    write_bytes(in_dir(t, "renamed.state", path), b.data, b.len);
    m = make_machine(t, RAM_SIZE, NULL, true, true);
    expect_error_with(t, m, path, "device 0 is '");
    unlink(path);
    machine_destroy(m);
    free(b.data);
}

/* Cut short, wrong magic, version or checksum, hostile lengths, missing. */
static void test_bad_files(struct suite *t)
{
    char state[PATH_MAX_LEN], path[PATH_MAX_LEN], want[PATH_MAX_LEN];
    in_dir(t, "a.state", state);
    in_dir(t, "bad.state", path);
    struct bytes good = read_bytes(state);
    CHECK(t, good.len > 1000);
    uint8_t *b = malloc(good.len + 64);
    struct machine *m = make_machine(t, RAM_SIZE, NULL, true, true);

    /* Every length through the header and the sections after it, then a
     * sample through the RAM. */
    size_t ram = find_section(good.data, good.len, "RAM ");
    CHECK(t, ram > HEADER_LEN);
    size_t step = good.len / 97 + 1;
    for (size_t len = 0; len < good.len; len += len < ram + 32 ? 1 : step) {
        write_bytes(path, good.data, len);
        if (!expect_error_with(t, m, path, len ? "truncated" : "empty"))
            break;
    }

    memcpy(b, good.data, good.len);
    b[good.len] = 0;
    write_bytes(path, b, good.len + 1);
    snprintf(want, sizeof(want), "longer than its header says (%zu bytes, not %zu)",
             good.len + 1, good.len);
    expect_error(t, m, path, want);

    memcpy(b, good.data, good.len);
    b[3] = 'X';
    write_bytes(path, b, good.len);
    expect_error(t, m, path, "not a lintas state file");
    write_bytes(path, (const uint8_t *)"#!/bin/sh\necho hello\n", 21);
    expect_error(t, m, path, "not a lintas state file");

    memcpy(b, good.data, good.len);
    put_le(b + 8, 7, 4);
    write_bytes(path, b, good.len);
    expect_error(t, m, path, "version 7 is newer than this lintas (1)");
    put_le(b + 8, 0, 4);
    write_bytes(path, b, good.len);
    expect_error(t, m, path, "not a lintas state file (format version 0)");

    memcpy(b, good.data, good.len);
    b[good.len / 2] ^= 0x10;
    write_bytes(path, b, good.len);
    expect_error(t, m, path, "checksum mismatch");
    memcpy(b, good.data, good.len);
    b[CRC_OFFSET] ^= 1;
    write_bytes(path, b, good.len);
    expect_error(t, m, path, "checksum mismatch");

    /* Lengths that pass the checksum but lie. */
    memcpy(b, good.data, good.len);
    put_le(b + HEADER_LEN + 4, UINT64_MAX - 3, 8);
    fix_crc(b, good.len);
    write_bytes(path, b, good.len);
    expect_error(t, m, path, "section 'config': longer than the file");

    memcpy(b, good.data, good.len);
    put_le(b + ram + 12, RAM_SIZE * 2, 8);
    fix_crc(b, good.len);
    write_bytes(path, b, good.len);
    expect_error(t, m, path, "section 'ram': holds 16 MiB, this machine has 8 MiB");

    /* The RAM's compressed stream cut short, every length fixed up. */
    memcpy(b, good.data, good.len);
    put_le(b + ram + 4, get_le(b + ram + 4, 8) - 100, 8);
    put_le(b + LENGTH_OFFSET, good.len - 100, 8);
    fix_crc(b, good.len - 100);
    write_bytes(path, b, good.len - 100);
    expect_error(t, m, path, "section 'ram': compressed data cut short");

    /* Bytes after the last section. */
    memcpy(b, good.data, good.len);
    memset(b + good.len, 0, 4);
    put_le(b + LENGTH_OFFSET, good.len + 4, 8);
    fix_crc(b, good.len + 4);
    write_bytes(path, b, good.len + 4);
    expect_error(t, m, path, "4 bytes follow the last section");

    /* A file larger than any state of the machine is not read whole: its
     * configuration still says why it does not fit. */
    size_t big_len = good.len + (20u << 20);
    uint8_t *big = calloc(big_len, 1);
    memcpy(big, good.data, good.len);
    put_le(big + LENGTH_OFFSET, big_len, 8);
    write_bytes(path, big, big_len);
    free(big);
    expect_error_with(t, m, path, "is more than a state of this machine can be");
    struct machine *small = make_machine(t, 4u << 20, NULL, true, true);
    expect_error(t, small, path, "saved with 8 MiB of RAM, this machine has 4 MiB");
    machine_destroy(small);

    /* The machine refused all of that before touching it, or half loaded;
     * the good file still loads. */
    char err[512];
    CHECK_MSG(t, machine_load_state(m, state, err, sizeof(err)) == 0, "%s", err);

    snprintf(path, sizeof(path), "%s/none.state", t->dir);
    expect_error(t, m, path, "cannot open: No such file or directory");
    expect_error(t, m, t->dir, "not a regular file");

    unlink(path);
    in_dir(t, "bad.state", path);
    unlink(path);
    machine_destroy(m);
    free(b);
    free(good.data);
}

/* Saving where the file cannot be created or written leaves nothing behind
 * and the old file as it was. */
static void test_save_errors(struct suite *t)
{
    char err[512] = "", path[PATH_MAX_LEN], tmp[PATH_MAX_LEN + 8];
    struct machine *m = make_machine(t, RAM_SIZE, NULL, true, true);
    CHECK(t, machine_run(m, SAVE_AT) == MACHINE_RUN_STOPPED);

    CHECK(t, machine_save_state(m, "/nonexistent-dir/x.state", err, sizeof(err)) == -1);
    CHECK_STR(t, err, "state file '/nonexistent-dir/x.state': cannot create "
                      "'/nonexistent-dir/x.state.tmp': No such file or directory");

    /* A disk that fills up: a file size limit in a child process. */
    in_dir(t, "full.state", path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    write_bytes(path, (const uint8_t *)"old", 3);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit limit = { 16384, 16384 };
        setrlimit(RLIMIT_FSIZE, &limit);
        int ret = machine_save_state(m, path, err, sizeof(err));
        bool ok = ret == -1 && one_line(err) && strstr(err, path) && strstr(err, "cannot write") &&
                  strstr(err, strerror(EFBIG)) && access(tmp, F_OK) != 0;
        if (!ok)
            printf("disk full: %d '%s'\n", ret, err);
        fflush(stdout);
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    CHECK(t, pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK_MSG(t, WIFEXITED(status) && WEXITSTATUS(status) == 0, "disk full: status %d", status);
    struct bytes old = read_bytes(path);
    CHECK(t, old.len == 3 && memcmp(old.data, "old", 3) == 0);
    free(old.data);
    unlink(path);
    machine_destroy(m);
}

/* xorshift64*: the same flips on every run. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static void stop_run(void *opaque)
{
    machine_request_exit(opaque, 0);
}

/* Run a loaded machine on for FUZZ_RUN instructions. A loaded state may
 * leave the guest in an endless exception loop, where no instruction
 * retires, or asleep: the machine keeps time with the host, and a timer
 * ends the run after FUZZ_GUARD_NS either way. Returns whether the guard
 * ended it, or -1 when the loaded counts leave no room to run. */
static int run_on(struct machine *m)
{
    uint64_t icount = m->cpu->icount, now = vclock_now(m->clock);
    if (icount > UINT64_MAX - FUZZ_RUN || now >= TIMER_NEVER - FUZZ_GUARD_NS)
        return -1;
    struct timer guard;
    timer_init(&guard, m->clock, stop_run, m);
    timer_mod(&guard, now + FUZZ_GUARD_NS);
    machine_run(m, icount + FUZZ_RUN);
    timer_del(&guard);
    return m->exit_requested;
}

/*
 * Random byte flips. Half keep the stale CRC and must be refused before
 * the machine is touched; the other half carry a CRC made for them, so
 * that they reach the section parsers, the devices' post_load checks and
 * inflate; they load into machines that keep host time (see run_on). Three flips in four land before the RAM's compressed bytes,
 * where the parsers are. A flipped file either fails with one line, or
 * loads and the machine runs on.
 */
static void test_flips(struct suite *t)
{
    char err[512], state[PATH_MAX_LEN], path[PATH_MAX_LEN];
    in_dir(t, "fuzz.state", state);
    in_dir(t, "flipped.state", path);
    struct machine *m = make_machine(t, FUZZ_RAM, NULL, true, true);
    CHECK(t, machine_run(m, FUZZ_SAVE_AT) == MACHINE_RUN_STOPPED);
    CHECK_MSG(t, machine_save_state(m, state, err, sizeof(err)) == 0, "%s", err);
    struct bytes good = read_bytes(state);
    size_t prefix = find_section(good.data, good.len, "RAM ") + 20;
    CHECK(t, prefix > HEADER_LEN && prefix < good.len);
    uint8_t *b = malloc(good.len);

    uint64_t seed = FUZZ_SEED;
    unsigned refused = 0, loaded = 0, ran = 0, guarded = 0;
    for (unsigned i = 0; i < FUZZ_CASES; i++) {
        memcpy(b, good.data, good.len);
        uint64_t r = next_random(&seed);
        size_t at = (size_t)((r & 3) ? (r >> 8) % prefix : (r >> 8) % good.len);
        b[at] ^= (uint8_t)(1 + (r >> 40) % 255);
        bool stale = i % 2 == 0;
        if (!stale)
            fix_crc(b, good.len);
        write_bytes(path, b, good.len);

        struct machine *target = stale ? m : make_machine(t, FUZZ_RAM, NULL, true, false);
        err[0] = '\0';
        int ret = machine_load_state(target, path, err, sizeof(err));
        if (ret < 0) {
            refused++;
            CHECK_CASE(t, one_line(err) && strstr(err, path), "case %u (byte %zu): '%s'", i, at,
                       err);
        } else {
            loaded++;
            CHECK_CASE(t, !stale, "case %u (byte %zu): stale checksum accepted", i, at);
            int stopped = run_on(target);
            ran += stopped >= 0;
            guarded += stopped > 0;
        }
        if (!stale)
            machine_destroy(target);
    }
    printf("flips: %u refused, %u loaded, %u of them ran on, %u until the guard timer\n",
           refused, loaded, ran, guarded);
    CHECK(t, refused >= FUZZ_CASES / 2 && loaded > 0);

    unlink(path);
    unlink(state);
    machine_destroy(m);
    free(b);
    free(good.data);
}

int main(void)
{
    struct suite suite = { 0 };
    struct suite *t = &suite;
    memcpy(t->dir, DIR_TEMPLATE, sizeof(DIR_TEMPLATE));
    if (!mkdtemp(t->dir)) {
        perror("mkdtemp");
        return 1;
    }

    test_round_trip(t);
    test_other_config(t);
    test_bad_files(t);
    test_save_errors(t);
    test_flips(t);

    char path[PATH_MAX_LEN];
    unlink(in_dir(t, "a.state", path));
    rmdir(t->dir);
    return UNIT_REPORT(t);
}
