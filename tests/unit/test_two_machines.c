/*
 * Two machines in one process. Both guests (two_machines/sum.asm and
 * two_machines/sieve.asm) are loaded at the same address and use the same
 * RAM address and the same ports, and their CPUs run in alternating slices.
 * Each must still produce its own output and exit status and leave its own
 * RAM, registers and device state, and destroying one machine part-way must
 * leave the other running. Any state shared between machines (a mutable
 * global in the CPU, its caches, the buses or the devices) shows up here as
 * wrong output, a wrong result or, under AddressSanitizer, a use after free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/machine.h"
#include "lintas/mem.h"
#include "unit_check.h"

extern const uint8_t two_machines_sum_image[];
extern const size_t two_machines_sum_size;
extern const uint8_t two_machines_sieve_image[];
extern const size_t two_machines_sieve_size;

/* What the guests share: the address both write first, COM1's scratch
 * register, and the isa-debug-exit ports. */
#define SHARED_ADDR 0x200000u
#define COM1_SCR (0x3f8 + 7)
#define EXIT_BASE 0xf4

/* Different slice lengths for the two CPUs, so that the switches fall on
 * ever different instructions of each guest (in the middle of a string
 * being sent, a REP STOSB, a division). */
#define SLICE_A 997
#define SLICE_B 1499
#define MAX_SLICES 100000

#define SUM_RAM (4u << 20)
#define SUM_TERMS 50000u
#define SUM_STEP 10000u
#define SUM_STATUS ((0x11u << 1) | 1)
#define SUM_MARKER 0x41414141u

#define SIEVE_RAM (8u << 20)
#define SIEVE_LIMIT 30000u
#define SIEVE_EVERY 500u
#define SIEVE_STATUS ((0x22u << 1) | 1)

#define OUT_MAX 4096
#define DIR_TEMPLATE "/tmp/lintas-two-machines-XXXXXX"

/* The checks of both tests, the folder for COM1's output, and what each
 * guest must write there. */
struct suite {
    int passed, failed; /* see unit_check.h */
    char dir[sizeof(DIR_TEMPLATE)];
    char sum_out[OUT_MAX], sieve_out[OUT_MAX];
    unsigned primes;
};

struct guest {
    const char *name;
    struct machine *m;
    char serial[300]; /* "file:" and the path of COM1's output */
    unsigned slice;
    unsigned slices; /* cpu_run calls so far */
    bool done;
};

static void append(char *buf, const char *fmt, unsigned a, unsigned b)
{
    size_t n = strlen(buf);
    snprintf(buf + n, OUT_MAX - n, fmt, a, b);
}

/* The host's answers to the guests' questions, in the guests' words. */
static void expect_sum(char *buf)
{
    buf[0] = '\0';
    append(buf, "A: summing\nRAM %u KiB above 1 MiB\n", SUM_RAM / 1024 - 1024, 0);
    unsigned sum = 0;
    for (unsigned i = 1; i <= SUM_TERMS; i++) {
        sum += i;
        if (i % SUM_STEP == 0)
            append(buf, "A: 1..%u = %u\n", i, sum);
    }
}

static unsigned expect_sieve(char *buf)
{
    bool *composite = calloc(SIEVE_LIMIT, sizeof(*composite));
    unsigned count = 0;
    buf[0] = '\0';
    append(buf, "B: sieving\nRAM %u KiB above 1 MiB\n", SIEVE_RAM / 1024 - 1024, 0);
    for (unsigned n = 2; n < SIEVE_LIMIT; n++) {
        if (composite[n])
            continue;
        if (++count % SIEVE_EVERY == 0)
            append(buf, "B: prime %u is %u\n", count, n);
        for (unsigned k = n * n; k < SIEVE_LIMIT; k += n)
            composite[k] = true;
    }
    append(buf, "B: primes below 30000: %u\n", count, 0);
    free(composite);
    return count;
}

static void boot(struct guest *g, const char *dir, const char *name, const uint8_t *image,
                 size_t size, uint64_t ram, unsigned slice)
{
    memset(g, 0, sizeof(*g));
    g->name = name;
    g->slice = slice;
    snprintf(g->serial, sizeof(g->serial), "file:%s/%s.out", dir, name);
    struct machine_config cfg = {
        .ram_size = ram,
        .kernel_path = name,
        .kernel_image = image,
        .kernel_image_size = size,
        .serial = { g->serial },
        .debug_exit = true,
        .debug_exit_base = EXIT_BASE,
        .debug_exit_size = 4,
    };
    char err[256];
    g->m = machine_create(&cfg, err, sizeof(err));
    if (!g->m) {
        fprintf(stderr, "machine_create(%s): %s\n", name, err);
        exit(1);
    }
}

static void boot_sum(struct suite *t, struct guest *g)
{
    boot(g, t->dir, "sum", two_machines_sum_image, two_machines_sum_size, SUM_RAM, SLICE_A);
}

static void boot_sieve(struct suite *t, struct guest *g)
{
    boot(g, t->dir, "sieve", two_machines_sieve_image, two_machines_sieve_size, SIEVE_RAM,
         SLICE_B);
}

/* One slice. A guest that halts or triple-faults instead of exiting through
 * isa-debug-exit has failed, and is not run again. */
static void step(struct suite *t, struct guest *g)
{
    if (g->done)
        return;
    enum cpu_exit why = cpu_run(g->m->cpu, g->slice);
    g->slices++;
    if (g->m->exit_requested) {
        g->done = true;
    } else if (why != CPU_EXIT_BUDGET) {
        FAIL(t, "%s: stopped (cpu_exit %d) at eip %08x after %u slices", g->name, (int)why,
             (uint32_t)g->m->cpu->eip, g->slices);
        g->done = true;
    }
}

static void run_both(struct suite *t, struct guest *a, struct guest *b)
{
    for (unsigned i = 0; i < MAX_SLICES && !(a->done && b->done); i++) {
        step(t, a);
        step(t, b);
    }
    CHECK(t, a->done && b->done);
}

/* What the guest has sent to COM1 so far, in buf (OUT_MAX bytes). */
static const char *output(const struct guest *g, char *buf)
{
    FILE *f = fopen(g->serial + strlen("file:"), "r");
    size_t n = f ? fread(buf, 1, OUT_MAX - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* The output is complete only once the machine has closed its back end. */
static void destroy_and_check_output(struct suite *t, struct guest *g, const char *expected)
{
    machine_destroy(g->m);
    g->m = NULL;
    char out[OUT_MAX];
    output(g, out);
    CHECK_MSG(t, strcmp(out, expected) == 0, "%s wrote:\n%s\nexpected:\n%s", g->name, out,
              expected);
}

static void check_sum_finished(struct suite *t, struct guest *g)
{
    struct machine *m = g->m;
    CHECK(t, m->exit_requested && m->exit_status == SUM_STATUS);
    CHECK(t, (uint32_t)m->cpu->regs[R_EDI] == SUM_TERMS * (SUM_TERMS + 1) / 2);
    CHECK(t, mem_ram_size(m->mem) == SUM_RAM);
    CHECK(t, mem_read(m->mem, SHARED_ADDR, 4) == SUM_MARKER);
    CHECK(t, io_read(m->io, COM1_SCR, 1) == 0xa1);
    destroy_and_check_output(t, g, t->sum_out);
}

static void check_sieve_finished(struct suite *t, struct guest *g)
{
    struct machine *m = g->m;
    CHECK(t, m->exit_requested && m->exit_status == SIEVE_STATUS);
    CHECK(t, (uint32_t)m->cpu->regs[R_EBP] == t->primes);
    CHECK(t, mem_ram_size(m->mem) == SIEVE_RAM);
    /* The sieve's first bytes: 0 and 1 are not prime, 2 and 3 are. */
    CHECK(t, mem_read(m->mem, SHARED_ADDR, 4) == 0x00000101);
    CHECK(t, io_read(m->io, COM1_SCR, 1) == 0xb2);
    destroy_and_check_output(t, g, t->sieve_out);
}

/* Both to the end, switching every slice. */
static void test_interleaved(struct suite *t)
{
    struct guest a, b;
    boot_sum(t, &a);
    boot_sieve(t, &b);
    run_both(t, &a, &b);
    /* Enough slices that each guest was interrupted all through its run. */
    CHECK(t, a.slices > 100 && b.slices > 50);
    check_sum_finished(t, &a);
    check_sieve_finished(t, &b);
}

/* One machine destroyed while both are in mid-run; the other goes on, next
 * to a new machine booted afterwards. */
static void test_destroy_one(struct suite *t)
{
    struct guest a, b;
    boot_sum(t, &a);
    boot_sieve(t, &b);
    for (unsigned i = 0; i < 20; i++) {
        step(t, &a);
        step(t, &b);
    }
    CHECK(t, !a.done && !b.done);
    /* Both have written part of their output and neither has finished. */
    char out[OUT_MAX];
    size_t len = strlen(output(&a, out));
    CHECK(t, len > 0 && len < strlen(t->sum_out));
    len = strlen(output(&b, out));
    CHECK(t, len > 0 && len < strlen(t->sieve_out));
    machine_destroy(a.m);

    for (unsigned i = 0; i < 10; i++)
        step(t, &b);
    CHECK(t, !b.done);
    boot_sum(t, &a);
    run_both(t, &a, &b);
    check_sum_finished(t, &a);
    check_sieve_finished(t, &b);
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
    expect_sum(t->sum_out);
    t->primes = expect_sieve(t->sieve_out);

    test_interleaved(t);
    test_destroy_one(t);

    char path[300];
    snprintf(path, sizeof(path), "%s/sum.out", t->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/sieve.out", t->dir);
    unlink(path);
    rmdir(t->dir);
    return UNIT_REPORT(t);
}
