/*
 * hostdiff_driver: random instruction sequences run on the host CPU and in
 * the emulator, and every architecturally defined result compared.
 *
 *   hostdiff_driver [--runner PATH] [--known FILE] [--seed S] [--count N]
 *                   [--batch B] [--verbose] [--native-only] [--reports R]
 *
 * The build compiles in where the runner and the known-differences file
 * are; without a runner (a host that is not x86) the test is skipped.
 *
 * Case i of a run uses seed S + i, so a case printed with its seed is
 * reproduced alone by --seed SEED --count 1. A mismatch is attributed to
 * an instruction by rerunning the case cut short after each instruction:
 * the first cut whose outcomes differ names it. Mismatches listed in the
 * known-differences file (instruction and fields, with a reason) are
 * counted but do not fail the run. A mismatching case is first run again
 * on the host; when the host does not repeat its own outcome, the case says
 * nothing about the emulator and is counted apart (host_repeats). INT1 is
 * generated only where the host reports it as the architecture says
 * (probe_int1).
 *
 * Exit status: 0 all equal, 1 mismatches or errors, 77 skipped (no native
 * runner: not an x86 host).
 */
#define _GNU_SOURCE
#include "hostdiff.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diff_options.h"

#define USAGE                                                                                    \
    "usage: hostdiff_driver [--runner PATH] [--known FILE] [--seed S] [--count N]\n"             \
    "                       [--batch B] [--verbose] [--native-only] [--reports R]\n"

#define MAX_NAMES 160
#define MAX_KNOWN 64
/* Past this many mismatches, stop spending reruns on attributing them. */
#define MAX_ATTRIBUTED 10000
/* How many times a mismatching case is run again on the host. */
#define HOST_RERUNS 3

struct name_stat {
    const char *name;
    uint64_t generated, mismatched, excused;
};

struct known {
    char name[32];
    unsigned fields;
};

struct run {
    struct native *nat;
    struct emu *emu;
    struct gen_config cfg;
    bool verbose, native_only;
    unsigned max_reports, reports;
    struct name_stat names[MAX_NAMES];
    unsigned nnames;
    struct known known[MAX_KNOWN];
    unsigned nknown;
    uint64_t mismatches, excused, attributed, unattributed, host_unstable;
    uint64_t vectors[257];
    double t_native, t_emu;
    /* Attribution: a case cut after each instruction, and the outcomes. */
    struct test_case *cut;
    struct outcome *cut_nat, *cut_emu;
    struct outcome rerun[HOST_RERUNS];
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

static int load_known(struct run *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "hostdiff: cannot open %s\n", path);
        return -1;
    }
    char line[512];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char name[32], fields[256], reason[2];
        int n = sscanf(line, "%31s %255s %1s", name, fields, reason);
        if (line[0] == '#' || n < 1)
            continue;
        unsigned mask = n == 3 ? parse_diff_names(fields) : 0;
        if (!mask || r->nknown == MAX_KNOWN) {
            fprintf(stderr, "hostdiff: %s:%u: expected: instruction fields reason\n", path, lineno);
            fclose(f);
            return -1;
        }
        snprintf(r->known[r->nknown].name, sizeof r->known[0].name, "%s", name);
        r->known[r->nknown++].fields = mask;
    }
    fclose(f);
    return 0;
}

static bool is_known(const struct run *r, const char *name, unsigned diff)
{
    for (unsigned i = 0; i < r->nknown; i++)
        if (!strcmp(r->known[i].name, name) && !(diff & ~r->known[i].fields))
            return true;
    return false;
}

/* Whether the host reports INT1 (F1, ICEBP) as the trap it is: its #DB
 * saves the EIP after the instruction (SDM vol. 3A, "Interrupt 1--Debug
 * Exception (#DB)", and the INT1 entry of the debug exception conditions
 * table). A hypervisor that intercepts ICEBP may deliver the #DB fault-like,
 * with EIP at the instruction; such a host says nothing about INT1. Any
 * other answer keeps INT1 in, so that the mismatches show it. Returns 0, or
 * -1 after printing why. */
static int probe_int1(struct run *r)
{
    struct test_case tc;
    memset(&tc, 0, sizeof tc);
    tc.hdr.regs[4] = HD_STACK_BASE + HD_STACK_SIZE / 2; /* ESP */
    tc.hdr.eflags = 0x202;
    tc.code[0] = 0xf1;
    tc.code[1] = 0xcc;
    tc.hdr.code_len = 2;
    const struct test_case *ptr = &tc;
    struct outcome out = {0};
    if (native_run(r->nat, &ptr, 1, &out))
        return -1;
    r->cfg.int1_trap = !(out.r.vector == 1 && out.r.eip == HD_CODE_BASE);
    outcome_free(&out);
    return 0;
}

/* Whether the host gives the same outcome for the case again. Some state
 * does not survive the host's own interrupts: a null selector with a
 * nonzero RPL in DS, ES or FS has been seen to read back as 0 when an
 * interrupt lands between its load and the end of the sequence, on one run
 * in many. Such a case cannot be compared; it is counted, and the first one
 * shown under --verbose. */
static bool host_repeats(struct run *r, const struct test_case *tc, const struct outcome *nat)
{
    const struct test_case *ptr[HOST_RERUNS];
    for (unsigned i = 0; i < HOST_RERUNS; i++)
        ptr[i] = tc;
    if (native_run(r->nat, ptr, HOST_RERUNS, r->rerun))
        exit(1);
    for (unsigned i = 0; i < HOST_RERUNS; i++) {
        unsigned d = compare_outcomes(tc, nat, &r->rerun[i]) & ~DIFF_STOP;
        if (!d)
            continue;
        if (r->host_unstable++ == 0 && r->verbose) {
            printf("HOST GAVE DIFFERENT RESULTS on re-run %u (the emulator column shows the "
                   "re-run), differing: ", i + 1);
            report_diff_names(stdout, d);
            printf("\n");
            report_case(stdout, tc, nat, &r->rerun[i], d);
        }
        return false;
    }
    return true;
}

/* Find the first instruction after which the outcomes differ: run every
 * prefix of the case. Returns its index, or -1 when no prefix differs (the
 * difference is not reproducible). */
static int attribute(struct run *r, const struct test_case *tc, unsigned *diff)
{
    struct test_case *cut = r->cut;
    struct outcome *nat = r->cut_nat, *emu = r->cut_emu;
    unsigned n = tc->ninsn;
    const struct test_case *ptr[GEN_MAX_INSN];
    for (unsigned k = 1; k < n; k++) {
        gen_truncate(tc, k, &cut[k - 1]);
        ptr[k - 1] = &cut[k - 1];
    }
    if (native_run(r->nat, ptr, n - 1, nat))
        exit(1);
    for (unsigned k = 1; k < n; k++) {
        emu_run(r->emu, &cut[k - 1], &emu[k - 1]);
        *diff = compare_outcomes(&cut[k - 1], &nat[k - 1], &emu[k - 1]);
        if (*diff)
            return (int)k - 1;
    }
    return -1;
}

static void mismatch(struct run *r, const struct test_case *tc, const struct outcome *nat,
                     const struct outcome *emu, unsigned diff)
{
    int at = -1;
    unsigned cdiff = diff;
    if (r->attributed < MAX_ATTRIBUTED) {
        r->attributed++;
        at = attribute(r, tc, &cdiff);
    } else {
        r->unattributed++;
    }
    const char *name = at >= 0 ? tc->insn[at].name : "(not attributed)";
    struct name_stat *s = stat_for(r, name);
    if (is_known(r, name, cdiff)) {
        s->excused++;
        r->excused++;
        return;
    }
    s->mismatched++;
    r->mismatches++;
    /* The first mismatches of each instruction tell the most. */
    if (r->reports >= r->max_reports || s->mismatched > 2)
        return;
    r->reports++;
    printf("MISMATCH after instruction %d (%s), differing: ", at, name);
    report_diff_names(stdout, diff);
    printf("\n");
    if (at >= 0) {
        printf("  shortest differing prefix (cut after instruction %d), differing: ", at);
        report_diff_names(stdout, cdiff);
        printf("\n");
        report_case(stdout, &r->cut[at], &r->cut_nat[at], &r->cut_emu[at], cdiff);
    } else {
        report_case(stdout, tc, nat, emu, diff);
    }
    fflush(stdout);
}

static void summary(struct run *r, uint64_t sequences, uint64_t generated, uint64_t executed)
{
    printf("hostdiff: %llu sequences, %llu instructions generated", (unsigned long long)sequences,
           (unsigned long long)generated);
    if (!r->native_only)
        printf(", %llu executed in the emulator", (unsigned long long)executed);
    printf("; host %.1fs, emulator %.1fs\n", r->t_native, r->t_emu);
    static const char *const vname[32] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "9", "#TS", "#NP",
        "#SS", "#GP", "#PF", "15", "#MF", "#AC",
    };
    printf("  how sequences ended on the host:");
    for (unsigned v = 0; v < 257; v++) {
        if (!r->vectors[v])
            continue;
        if (v < 32 && vname[v])
            printf(" %s %llu", vname[v], (unsigned long long)r->vectors[v]);
        else
            printf(" vector%u %llu", v, (unsigned long long)r->vectors[v]);
    }
    printf("\n  instructions generated (mismatches attributed):\n");
    for (unsigned i = 0; i < r->nnames; i++) {
        const struct name_stat *s = &r->names[i];
        char extra[64] = "";
        if (s->mismatched || s->excused)
            snprintf(extra, sizeof extra, " (%llu%s)", (unsigned long long)s->mismatched,
                     s->excused ? " +known" : "");
        printf("    %-12s %9llu%-16s%s", s->name, (unsigned long long)s->generated, extra,
               i % 3 == 2 ? "\n" : "");
    }
    if (r->nnames % 3)
        printf("\n");
    if (r->host_unstable)
        printf("hostdiff: host gave different results on re-run: %llu cases (not compared)\n",
               (unsigned long long)r->host_unstable);
    printf("hostdiff: %llu mismatches", (unsigned long long)r->mismatches);
    if (r->excused)
        printf(", %llu known differences", (unsigned long long)r->excused);
    if (r->unattributed)
        printf(", %llu not attributed", (unsigned long long)r->unattributed);
    printf("\n");
}

int main(int argc, char **argv)
{
    struct run *r = calloc(1, sizeof *r);
    struct diff_options o = {.seed = 1, .count = 1000, .batch = 256, .max_reports = 10};
#ifdef HOSTRUN_RUNNER
    const char *known = HOSTDIFF_KNOWN;
    o.runner = HOSTRUN_RUNNER;
#else
    const char *known = NULL;
#endif
    const struct diff_extra_option extra[] = {{"known", &known}};
    if (!r) {
        fprintf(stderr, "hostdiff: out of memory\n");
        return 1;
    }
    r->cfg.min_insns = 4;
    r->cfg.max_insns = 16;
    int parsed = diff_options_parse(&o, argc, argv, "hostdiff", USAGE, extra, 1);
    if (parsed != DIFF_OPTIONS_RUN)
        return parsed;
    if (o.batch == 0 || o.batch > 4096) {
        fputs(USAGE, stderr);
        return 1;
    }
    if (!o.runner)
        return diff_skip_no_runner("hostdiff");
    r->verbose = o.verbose;
    r->native_only = o.native_only;
    r->max_reports = o.max_reports;
    if (known && load_known(r, known))
        return 1;

    uint8_t *image = malloc(HD_IMAGE_SIZE);
    struct test_case *cases = malloc(o.batch * sizeof *cases);
    const struct test_case **ptr = malloc(o.batch * sizeof *ptr);
    struct outcome *nat = calloc(o.batch, sizeof *nat), *nat2 = calloc(o.batch, sizeof *nat2);
    struct outcome emu_out = {0};
    r->cut = malloc(GEN_MAX_INSN * sizeof *r->cut);
    r->cut_nat = calloc(GEN_MAX_INSN, sizeof *r->cut_nat);
    r->cut_emu = calloc(GEN_MAX_INSN, sizeof *r->cut_emu);
    if (!r->cut || !r->cut_nat || !r->cut_emu || !image || !cases || !ptr || !nat || !nat2) {
        fprintf(stderr, "hostdiff: out of memory\n");
        return 1;
    }
    gen_image(image);
    struct hd_hello hello;
    r->nat = native_start(o.runner, &hello, image);
    if (!r->nat)
        return 1;
    r->cfg.low_mapped = hello.low_mapped;
    if (probe_int1(r))
        return 1;
    if (!r->native_only) {
        r->emu = emu_create(&hello, image);
        if (!r->emu) {
            fprintf(stderr, "hostdiff: cannot create the emulated machine\n");
            return 1;
        }
    }
    if (!hello.low_mapped)
        printf("hostdiff: note: the low 64 KiB cannot be mapped (vm.mmap_min_addr); "
               "16-bit addressing only tests page faults\n");
    if (!r->cfg.int1_trap)
        printf("hostdiff: note: this host delivers INT1 (ICEBP) #DB with EIP at the instruction, "
               "not after it (a hypervisor deviation); INT1 is not tested\n");

    uint64_t generated = 0, icount0 = r->emu ? emu_icount(r->emu) : 0, icount_cut = 0;
    int status = 0;
    for (uint64_t done = 0; done < o.count; done += o.batch) {
        unsigned b = o.count - done < o.batch ? (unsigned)(o.count - done) : o.batch;
        for (unsigned j = 0; j < b; j++) {
            gen_case(&r->cfg, o.seed + done + j, &cases[j]);
            ptr[j] = &cases[j];
            generated += cases[j].ninsn - 1;
            for (unsigned k = 0; k + 1 < cases[j].ninsn; k++)
                stat_for(r, cases[j].insn[k].name)->generated++;
        }
        double t0 = now();
        if (native_run(r->nat, ptr, b, nat))
            return 1;
        r->t_native += now() - t0;
        for (unsigned j = 0; j < b; j++)
            r->vectors[nat[j].r.vector < 256 ? nat[j].r.vector : 256]++;
        if (r->native_only) {
            /* The host must at least agree with itself. */
            if (native_run(r->nat, ptr, b, nat2))
                return 1;
            for (unsigned j = 0; j < b; j++) {
                unsigned d = compare_outcomes(&cases[j], &nat[j], &nat2[j]) & ~DIFF_STOP;
                if (d) {
                    printf("HOST NOT DETERMINISTIC, differing: ");
                    report_diff_names(stdout, d);
                    printf("\n");
                    report_case(stdout, &cases[j], &nat[j], &nat2[j], d);
                    status = 1;
                } else if (r->verbose) {
                    report_case(stdout, &cases[j], &nat[j], NULL, 0);
                }
            }
            continue;
        }
        for (unsigned j = 0; j < b; j++) {
            if (nat[j].r.vector == HD_TIMEOUT) {
                /* Generated code has no loops: it went astray natively. */
                printf("HOST TIMEOUT: the case ran away on the host\n");
                report_case(stdout, &cases[j], &nat[j], NULL, 0);
                status = 1;
                continue;
            }
            t0 = now();
            emu_run(r->emu, &cases[j], &emu_out);
            r->t_emu += now() - t0;
            unsigned d = compare_outcomes(&cases[j], &nat[j], &emu_out);
            if (r->verbose) {
                printf("%s", d ? "DIFFERENT" : "equal");
                if (d) {
                    printf(", differing: ");
                    report_diff_names(stdout, d);
                }
                printf("\n");
                report_case(stdout, &cases[j], &nat[j], &emu_out, d);
            }
            if (d && host_repeats(r, &cases[j], &nat[j])) {
                uint64_t before = emu_icount(r->emu);
                mismatch(r, &cases[j], &nat[j], &emu_out, d);
                icount_cut += emu_icount(r->emu) - before;
            }
        }
    }
    uint64_t executed = r->emu ? emu_icount(r->emu) - icount0 - icount_cut : 0;
    summary(r, o.count, generated, executed);
    native_stop(r->nat);
    emu_destroy(r->emu);
    for (unsigned j = 0; j < o.batch; j++) {
        outcome_free(&nat[j]);
        outcome_free(&nat2[j]);
    }
    for (unsigned k = 0; k < GEN_MAX_INSN; k++) {
        outcome_free(&r->cut_nat[k]);
        outcome_free(&r->cut_emu[k]);
    }
    for (unsigned i = 0; i < HOST_RERUNS; i++)
        outcome_free(&r->rerun[i]);
    outcome_free(&emu_out);
    free(r->cut);
    free(r->cut_nat);
    free(r->cut_emu);
    if (r->mismatches)
        status = 1;
    free(r);
    free(nat);
    free(nat2);
    free(ptr);
    free(cases);
    free(image);
    return status;
}
