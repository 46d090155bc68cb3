/*
 * lintas_bench: guest integer throughput of the interpreter.
 *
 *   lintas_bench [--iterations N] [IMAGE]
 *
 * Runs workload.asm (assembled at build time; IMAGE defaults to the built
 * copy) in 32-bit flat protected mode to its HLT and prints the retired
 * instruction count and guest MIPS. It fails only when the checksum the
 * guest leaves in EAX differs from the one computed here in C, or the guest
 * does not reach its HLT; never on time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/mem.h"

#ifndef LINTAS_BENCH_IMAGE
#define LINTAS_BENCH_IMAGE "workload.bin"
#endif

/* Guest layout; must match workload.asm. */
#define RAM_SIZE (4u << 20)
#define GDT_ADDR 0x800u
#define PARAMS_ADDR 0x1000u
#define LOAD_ADDR 0x10000u
#define STACK_TOP 0x90000u
#define BUFLEN 4096u
#define SIEVEN 8192u
#define DEFAULT_ITERATIONS 400u

/* Descriptor attributes as struct seg_cache keeps them (cpu.h). */
#define TYPE_DATA_RW_ACCESSED 0x3
#define TYPE_CODE_RX_ACCESSED 0xb
#define ATTR_FLAT (SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G)

static uint32_t rol32(uint32_t v, unsigned n)
{
    return (v << n) | (v >> (32 - n));
}

static uint32_t fold(uint32_t acc, uint32_t v)
{
    acc = rol32(acc, 5) ^ v;
    return acc + v * 3;
}

/* ECX after REPE CMPSB over BUFLEN bytes: bytes after the first mismatch. */
static uint32_t repe_cmpsb_left(const uint8_t *a, const uint8_t *b)
{
    for (uint32_t i = 0; i < BUFLEN; i++)
        if (a[i] != b[i])
            return BUFLEN - i - 1;
    return 0;
}

/* The checksum workload.asm computes, written out in C. */
static uint32_t reference_checksum(uint32_t iterations)
{
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        table[i] = c;
    }
    uint8_t *buf = malloc(3 * BUFLEN), *sieve = malloc(SIEVEN);
    if (!buf || !sieve) {
        free(buf);
        free(sieve);
        return 0;
    }
    uint8_t *buf2 = buf + BUFLEN, *buf3 = buf2 + BUFLEN;
    uint32_t acc = 0;
    for (uint32_t it = iterations; it; it--) {
        uint32_t x = it;
        for (uint32_t i = 0; i < BUFLEN; i += 4) {
            x = x * 1664525u + 1013904223u;
            for (int b = 0; b < 4; b++)
                buf[i + (uint32_t)b] = (uint8_t)(x >> (8 * b));
        }
        memcpy(buf2, buf, BUFLEN);
        for (uint32_t i = 0; i < BUFLEN; i++)
            buf3[i] = buf2[i] ^ (uint8_t)i;

        acc = fold(acc, repe_cmpsb_left(buf, buf2) + repe_cmpsb_left(buf2, buf3));

        uint32_t crc = 0xffffffffu;
        for (uint32_t i = 0; i < BUFLEN; i++)
            crc = table[(crc ^ buf3[i]) & 0xff] ^ (crc >> 8);
        crc = ~crc;
        acc = fold(acc, crc);
        acc = fold(acc, crc % 65521u);

        memset(sieve, 1, SIEVEN);
        sieve[0] = sieve[1] = 0;
        for (uint32_t i = 2; i * i < SIEVEN; i++)
            if (sieve[i])
                for (uint32_t j = i * i; j < SIEVEN; j += i)
                    sieve[j] = 0;
        uint32_t primes = 0;
        for (uint32_t i = 0; i < SIEVEN; i++)
            primes += sieve[i];
        acc = fold(acc, primes);
    }
    free(buf);
    free(sieve);
    return acc;
}

static int load_image(struct phys_mem *mem, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "lintas_bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    static const size_t max = PARAMS_ADDR * 16;
    uint8_t *img = malloc(max);
    size_t n = img ? fread(img, 1, max, fp) : 0;
    bool too_big = img && n == max && fgetc(fp) != EOF;
    fclose(fp);
    if (!img || n == 0 || too_big) {
        fprintf(stderr, "lintas_bench: %s: %s\n", path,
                !img ? "out of memory" : n == 0 ? "empty or unreadable" : "image too large");
        free(img);
        return -1;
    }
    mem_write_block(mem, LOAD_ADDR, img, n);
    free(img);
    return 0;
}

static void put_desc(struct phys_mem *mem, unsigned index, uint32_t base, uint32_t limit,
                     uint16_t attr)
{
    uint8_t d[8] = {
        (uint8_t)limit, (uint8_t)(limit >> 8), (uint8_t)base, (uint8_t)(base >> 8),
        (uint8_t)(base >> 16), (uint8_t)attr, (uint8_t)(((attr >> 8) & 0xf0) | ((limit >> 16) & 0x0f)),
        (uint8_t)(base >> 24),
    };
    mem_write_block(mem, GDT_ADDR + index * 8, d, sizeof(d));
}

/* 32-bit flat protected mode at CPL 0: a GDT with flat code and data, the
 * segment caches loaded to match, an empty IDT so any exception ends in
 * shutdown. */
static void enter_flat32(struct cpu *cpu, struct phys_mem *mem)
{
    put_desc(mem, 1, 0, 0xfffff, ATTR_FLAT | TYPE_CODE_RX_ACCESSED);
    put_desc(mem, 2, 0, 0xfffff, ATTR_FLAT | TYPE_DATA_RW_ACCESSED);
    cpu->gdtr = (struct dtable){ GDT_ADDR, 3 * 8 - 1 };
    cpu->idtr = (struct dtable){ 0, 0 };
    cpu->cr0 |= CR0_PE;
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            cpu_set_seg(cpu, s, 0x10, 0, 0xffffffffu, ATTR_FLAT | TYPE_DATA_RW_ACCESSED);
    cpu_set_seg(cpu, SEG_CS, 0x08, 0, 0xffffffffu, ATTR_FLAT | TYPE_CODE_RX_ACCESSED);
    cpu->regs[R_ESP] = STACK_TOP;
    cpu->eip = LOAD_ADDR;
    cpu_set_eflags(cpu, 0x2);
}

int main(int argc, char **argv)
{
    const char *image = LINTAS_BENCH_IMAGE;
    uint32_t iterations = DEFAULT_ITERATIONS;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || v == 0 || v > 1000000) {
                fprintf(stderr, "lintas_bench: --iterations wants 1..1000000, not '%s'\n", argv[i]);
                return 2;
            }
            iterations = (uint32_t)v;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: lintas_bench [--iterations N] [IMAGE]\n");
            return 2;
        } else {
            image = argv[i];
        }
    }

    struct phys_mem *mem = mem_create(RAM_SIZE);
    struct io_bus *io = io_create();
    struct cpu *cpu = mem && io ? cpu_create(mem, io, NULL) : NULL;
    if (!cpu) {
        fprintf(stderr, "lintas_bench: cannot create the machine\n");
        return 2;
    }
    int rc = 2;
    if (load_image(mem, image) == 0) {
        uint8_t p[4] = { (uint8_t)iterations, (uint8_t)(iterations >> 8),
                         (uint8_t)(iterations >> 16), (uint8_t)(iterations >> 24) };
        mem_write_block(mem, PARAMS_ADDR, p, sizeof(p));
        enter_flat32(cpu, mem);

        struct timespec t0, t1;
        uint64_t start = cpu->icount;
        enum cpu_exit e = CPU_EXIT_BUDGET;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        /* Far more than the workload needs; stops a runaway guest. */
        for (int rounds = 0; rounds < 1000 && e == CPU_EXIT_BUDGET; rounds++)
            e = cpu_run(cpu, 10000000);
        clock_gettime(CLOCK_MONOTONIC, &t1);

        uint64_t insns = cpu->icount - start;
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        uint32_t want = reference_checksum(iterations), got = (uint32_t)cpu->regs[R_EAX];
        printf("lintas_bench: %u iterations, %llu guest instructions in %.3f s: %.1f MIPS\n",
               iterations, (unsigned long long)insns, secs, secs > 0 ? (double)insns / secs / 1e6 : 0.0);
        if (e != CPU_EXIT_HALT) {
            printf("lintas_bench: the guest did not reach its HLT (exit %d, EIP %08x)\n", (int)e,
                   (uint32_t)cpu->eip);
            rc = 1;
        } else if (got != want) {
            printf("lintas_bench: wrong checksum %08x, expected %08x\n", got, want);
            rc = 1;
        } else {
            printf("lintas_bench: checksum %08x ok\n", got);
            rc = 0;
        }
    }
    cpu_destroy(cpu);
    io_destroy(io);
    mem_destroy(mem);
    return rc;
}
