/*
 * x87diff_driver: x87 instructions on random, edge-biased operands run on
 * the host's FPU and in the emulator, and the results compared: the eight
 * registers, status, control and tag words, the arithmetic flags, the
 * memory operand area and #MF delivery.
 *
 *   x87diff_driver [--runner PATH] [--seed S] [--count N] [--batch B]
 *                  [--verbose] [--native-only] [--reports R]
 *
 * Case i of a run is generated from seed S + i alone, so a case printed
 * with its number is reproduced by --seed NUMBER --count 1 --verbose.
 *
 * Before anything is compared, the harness checks itself: the comparison
 * on made-up outcomes, and on the host, that a case with no instructions
 * comes back exactly as it went in (the FRSTOR/FNSAVE image conversions
 * and the tag word the generator computes). --native-only then runs every
 * batch twice on the host instead of once in the emulator: the host must
 * agree with itself.
 *
 * Exit status: 0 all equal, 1 mismatches or errors, 77 skipped (no native
 * runner: not an x86 host, or no -m32 toolchain).
 */
#define _GNU_SOURCE
#include "x87diff.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diff_options.h"

#define USAGE                                                                                    \
    "usage: x87diff_driver [--runner PATH] [--seed S] [--count N] [--batch B]\n"                 \
    "                      [--verbose] [--native-only] [--reports R]\n"

#define MAX_NAMES 160
#define ROUND_TRIP_CASES 4096
/* The host's results of one batch are written while the next batch is
 * being sent: they must fit in the pipe (64 KiB on Linux) or both sides
 * would wait for each other. */
#define MAX_BATCH (65536 / sizeof(struct xd_result))

struct name_stat {
    const char *name;
    uint64_t cases, mismatched, ulp;
    uint64_t c1_direction; /* C1 differed after a rounded result (allowed) */
    bool transcendental;
};

struct run {
    struct native *nat;
    struct emu *emu;
    const char *self;
    bool verbose, native_only;
    bool amd_host;
    char vendor[13];
    unsigned max_reports, reports;
    struct name_stat names[MAX_NAMES];
    unsigned nnames;
    uint64_t mismatches, undef_cases, amd_cases, mf_cases;
    double t_native, t_emu;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static struct name_stat *stat_for(struct run *r, const char *name)
{
    for (unsigned i = 0; i < r->nnames; i++)
        if (r->names[i].name == name || !strcmp(r->names[i].name, name))
            return &r->names[i];
    if (r->nnames == MAX_NAMES)
        return &r->names[MAX_NAMES - 1];
    r->names[r->nnames].name = name;
    return &r->names[r->nnames++];
}

/* A case with no instructions must come back from the host as it went in. */
static int native_round_trip(struct run *r, uint64_t seed, struct xd_test *tests,
                             struct xd_result *res)
{
    for (unsigned i = 0; i < ROUND_TRIP_CASES; i++) {
        gen_test(seed + i, &tests[i]);
        tests[i].c.code_len = 0;
    }
    if (native_send(r->nat, tests, ROUND_TRIP_CASES) ||
        native_receive(r->nat, ROUND_TRIP_CASES, res))
        return -1;
    for (unsigned i = 0; i < ROUND_TRIP_CASES; i++) {
        const struct xd_case *c = &tests[i].c;
        if (!memcmp(&c->fpu, &res[i].fpu, sizeof c->fpu) && !memcmp(c->mem, res[i].mem, XD_MEM_SIZE) &&
            res[i].vector == XD_NO_VECTOR && !((c->eflags ^ res[i].eflags) & XD_ARITH_FLAGS))
            continue;
        printf("x87diff: the host does not give back the state it was given:\n");
        report_test(stdout, &tests[i], &res[i], NULL, 0);
        return -1;
    }
    return 0;
}

static void report_mismatch(struct run *r, const struct xd_test *t, const struct xd_result *nat,
                            const struct xd_result *emu, unsigned diff, uint64_t nth)
{
    if (r->verbose || r->reports >= r->max_reports || nth > 2)
        return;
    r->reports++;
    printf("MISMATCH in %s, differing: ", t->name);
    report_diff_names(stdout, diff);
    printf("\n");
    report_test(stdout, t, nat, emu, diff);
    printf("  reproduce: %s --seed %llu --count 1 --verbose\n", r->self,
           (unsigned long long)t->seed);
    fflush(stdout);
}

static void compare_batch(struct run *r, const struct xd_test *tests, const struct xd_result *nat,
                          unsigned count)
{
    for (unsigned j = 0; j < count; j++) {
        const struct xd_test *t = &tests[j];
        struct xd_result emu;
        emu_run(r->emu, &t->c, &emu);
        struct xd_verdict v;
        compare_results(t, &nat[j], &emu, r->amd_host, &v);
        struct name_stat *s = stat_for(r, t->name);
        s->cases++;
        s->transcendental = t->flags & XD_TRANSCENDENTAL;
        if (v.ulp_regs && !v.diff)
            s->ulp++;
        if (v.c1_direction && !v.diff)
            s->c1_direction++;
        if (v.undef_fsw)
            r->undef_cases++;
        if (v.amd)
            r->amd_cases++;
        if (nat[j].vector == 16)
            r->mf_cases++;
        if (r->verbose) {
            printf("%s", v.diff ? "DIFFERENT" : "equal");
            if (v.diff) {
                printf(", differing: ");
                report_diff_names(stdout, v.diff);
            }
            printf("\n");
            report_test(stdout, t, &nat[j], &emu, v.diff);
        }
        if (v.diff) {
            s->mismatched++;
            r->mismatches++;
            report_mismatch(r, t, &nat[j], &emu, v.diff, s->mismatched);
        }
    }
}

/* The host must agree with itself. Returns the number of disagreements. */
static unsigned check_deterministic(const struct xd_test *tests, const struct xd_result *a,
                                    const struct xd_result *b, unsigned count)
{
    unsigned bad = 0;
    for (unsigned j = 0; j < count; j++) {
        if (!memcmp(&a[j], &b[j], sizeof a[j]))
            continue;
        if (bad++ < 5) {
            printf("HOST NOT DETERMINISTIC:\n");
            report_test(stdout, &tests[j], &a[j], &b[j], 0);
        }
    }
    return bad;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct name_stat *)a)->name, ((const struct name_stat *)b)->name);
}

static void summary(struct run *r, uint64_t count)
{
    printf("x87diff: %llu cases; host (%s) %.1fs, emulator %.1fs\n", (unsigned long long)count,
           r->vendor, r->t_native, r->t_emu);
    qsort(r->names, r->nnames, sizeof r->names[0], by_name);
    printf("  cases and mismatches per instruction:\n");
    unsigned col = 0;
    for (unsigned i = 0; i < r->nnames; i++) {
        const struct name_stat *s = &r->names[i];
        if (s->transcendental)
            continue;
        printf("    %-13s %7llu %6llu%s", s->name, (unsigned long long)s->cases,
               (unsigned long long)s->mismatched, ++col % 3 ? "" : "\n");
    }
    if (col % 3)
        printf("\n");
    printf("  transcendentals: cases, mismatches, results exact, results 1 ulp off, and of\n"
           "  those two, C1 (rounding direction) differing:\n");
    for (unsigned i = 0; i < r->nnames; i++) {
        const struct name_stat *s = &r->names[i];
        if (s->transcendental)
            printf("    %-13s %7llu %6llu %7llu %6llu %6llu\n", s->name,
                   (unsigned long long)s->cases, (unsigned long long)s->mismatched,
                   (unsigned long long)(s->cases - s->mismatched - s->ulp),
                   (unsigned long long)s->ulp, (unsigned long long)s->c1_direction);
    }
    printf("  #MF delivered on the host in %llu cases; allowed differences: undefined "
           "condition codes in %llu cases",
           (unsigned long long)r->mf_cases, (unsigned long long)r->undef_cases);
    if (r->amd_host)
        printf(", AMD's departures from the SDM in %llu", (unsigned long long)r->amd_cases);
    printf("\n");
    printf("x87diff: %llu mismatches\n", (unsigned long long)r->mismatches);
}

int main(int argc, char **argv)
{
    struct run *r = calloc(1, sizeof *r);
    struct diff_options o = {.seed = 1, .count = 1000, .batch = 448, .max_reports = 10};
#ifdef HOSTRUN_RUNNER
    o.runner = HOSTRUN_RUNNER;
#endif
    if (!r) {
        fprintf(stderr, "x87diff: out of memory\n");
        return 1;
    }
    r->self = argv[0];
    int parsed = diff_options_parse(&o, argc, argv, "x87diff", USAGE, NULL, 0);
    if (parsed != DIFF_OPTIONS_RUN)
        return parsed;
    if (o.batch == 0 || o.batch > MAX_BATCH) {
        fprintf(stderr, "x87diff: --batch must be between 1 and %u\n", (unsigned)MAX_BATCH);
        return 1;
    }
    r->verbose = o.verbose;
    r->native_only = o.native_only;
    r->max_reports = o.max_reports;
    if (compare_self_test(stdout))
        return 1;
    if (!o.runner)
        return diff_skip_no_runner("x87diff");

    unsigned cap = o.batch > ROUND_TRIP_CASES ? o.batch : ROUND_TRIP_CASES;
    struct xd_test *tests[2] = {malloc(cap * sizeof(struct xd_test)),
                                malloc(cap * sizeof(struct xd_test))};
    struct xd_result *res[2] = {malloc(cap * sizeof(struct xd_result)),
                                malloc(cap * sizeof(struct xd_result))};
    if (!tests[0] || !tests[1] || !res[0] || !res[1]) {
        fprintf(stderr, "x87diff: out of memory\n");
        return 1;
    }
    struct xd_hello hello;
    r->nat = native_start(o.runner, &hello);
    if (!r->nat)
        return 1;
    memcpy(r->vendor, hello.vendor, sizeof hello.vendor);
    r->amd_host = !strcmp(r->vendor, "AuthenticAMD");
    if (native_round_trip(r, o.seed, tests[0], res[0]))
        return 1;
    if (!r->native_only) {
        r->emu = emu_create();
        if (!r->emu) {
            fprintf(stderr, "x87diff: cannot create the emulated machine\n");
            return 1;
        }
    }

    int status = 0;
    if (r->native_only) {
        for (uint64_t done = 0; done < o.count;) {
            unsigned n = o.count - done < o.batch ? (unsigned)(o.count - done) : o.batch;
            for (unsigned j = 0; j < n; j++)
                gen_test(o.seed + done + j, &tests[0][j]);
            double t0 = now();
            if (native_send(r->nat, tests[0], n) || native_receive(r->nat, n, res[0]) ||
                native_send(r->nat, tests[0], n) || native_receive(r->nat, n, res[1]))
                return 1;
            r->t_native += now() - t0;
            status |= check_deterministic(tests[0], res[0], res[1], n) != 0;
            for (unsigned j = 0; j < n; j++) {
                struct name_stat *st = stat_for(r, tests[0][j].name);
                st->cases++;
                st->transcendental = tests[0][j].flags & XD_TRANSCENDENTAL;
                r->mf_cases += res[0][j].vector == 16;
            }
            done += n;
        }
    }
    /* Two batches in flight: one on the host while the other is emulated. */
    unsigned cur = 0, inflight = 0;
    for (uint64_t done = 0; !r->native_only && (done < o.count || inflight);) {
        unsigned next = 0;
        if (done < o.count) {
            next = o.count - done < o.batch ? (unsigned)(o.count - done) : o.batch;
            for (unsigned j = 0; j < next; j++)
                gen_test(o.seed + done + j, &tests[cur ^ 1][j]);
            if (native_send(r->nat, tests[cur ^ 1], next))
                return 1;
            done += next;
        }
        if (inflight) {
            double t0 = now();
            if (native_receive(r->nat, inflight, res[cur]))
                return 1;
            r->t_native += now() - t0;
            t0 = now();
            compare_batch(r, tests[cur], res[cur], inflight);
            r->t_emu += now() - t0;
        }
        inflight = next;
        cur ^= 1;
    }
    summary(r, o.count);
    native_stop(r->nat);
    emu_destroy(r->emu);
    for (int i = 0; i < 2; i++) {
        free(tests[i]);
        free(res[i]);
    }
    if (r->mismatches)
        status = 1;
    free(r);
    return status;
}
