/*
 * lintas_conformance: run SingleStepTests MOO suites on the interpreter.
 *
 *   lintas_conformance [options] PATH...
 *
 * PATH is a .MOO/.MOO.gz file or a directory of them (run in name order,
 * with the directory's metadata.json undefined-flag masks and the
 * revocation_list.txt beside or above it). Every failure prints one line;
 * failures of the 80286 suite that are documented 286-vs-386 differences
 * print "286-vs-386: <reason>" and count apart. The exit status is 0 when
 * every failure is either such a difference or listed in the known-failures
 * file and the pass rate (passes and 286-vs-386 differences over all tests)
 * reaches --min-rate.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "flagmask.h"
#include "moo.h"
#include "quirks286.h"

#define EXIT_SETUP 2
#define HASH_HEX 41

struct known {
    char key[80]; /* test hash in hex, or "<file name>:<index>" */
    char *reason;
};

struct counts {
    unsigned long tests, passed, quirks, known, failed, revoked;
};

struct runner {
    struct conf_machine m;
    struct known *known;
    size_t nknown;
    char (*revoked)[HASH_HEX];
    size_t nrevoked;
    double min_rate;
    long only_test;
    long dump;
    unsigned long max_lines, lines;
    struct counts all;
    unsigned long diff_kinds[MOO_REG_COUNT + 4];
};

enum { KIND_RAM = MOO_REG_COUNT, KIND_NO_HLT, KIND_FAULT, KIND_OTHER };

static void usage(FILE *out)
{
    fputs("usage: lintas_conformance [options] PATH...\n"
          "  PATH               a .MOO or .MOO.gz file, or a directory of them\n"
          "  --known FILE       failures to accept: lines '<sha1 hex> reason' or\n"
          "                     '<file name>:<index> reason'; '#' starts a comment\n"
          "  --min-rate PCT     fail below this pass rate (default 99.9)\n"
          "  --test N           run only test index N of each file\n"
          "  --dump N           print test N of each file decoded, run nothing\n"
          "  --max-lines N      print at most N failure lines (default: all)\n",
          out);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

static int load_known(struct runner *r, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "lintas_conformance: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), fp)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        size_t klen = strcspn(s, " \t");
        char *reason = trim(s + klen);
        if (klen >= sizeof(r->known[0].key) || !*reason) {
            fprintf(stderr, "lintas_conformance: %s:%u: want '<test> <reason>'\n", path, lineno);
            fclose(fp);
            return -1;
        }
        struct known *k = realloc(r->known, (r->nknown + 1) * sizeof(*k));
        if (k)
            r->known = k;
        if (!k || !(reason = strdup(reason))) {
            fprintf(stderr, "lintas_conformance: out of memory\n");
            fclose(fp);
            return -1;
        }
        k = &r->known[r->nknown++];
        memcpy(k->key, s, klen);
        k->key[klen] = 0;
        k->reason = reason;
    }
    fclose(fp);
    return 0;
}

static void hash_hex(const struct moo_test *t, char *out)
{
    if (!t->has_hash) {
        out[0] = 0;
        return;
    }
    for (int i = 0; i < 20; i++)
        sprintf(out + 2 * i, "%02x", t->hash[i]);
}

static const char *find_known(const struct runner *r, const char *file, const struct moo_test *t)
{
    char hex[HASH_HEX], key[300];
    hash_hex(t, hex);
    snprintf(key, sizeof(key), "%s:%u", file, t->index);
    for (size_t i = 0; i < r->nknown; i++)
        if ((hex[0] && strcmp(r->known[i].key, hex) == 0) || strcmp(r->known[i].key, key) == 0)
            return r->known[i].reason;
    return NULL;
}

/* Hashes from revocation_list.txt in dir or its parent (either may be
 * absent). */
static void load_revoked(struct runner *r, const char *dir)
{
    static const char *const where[] = { "%s/revocation_list.txt", "%s/../revocation_list.txt" };
    r->nrevoked = 0;
    for (size_t w = 0; w < 2; w++) {
        char path[4096];
        if (snprintf(path, sizeof(path), where[w], dir) >= (int)sizeof(path))
            return;
        FILE *fp = fopen(path, "r");
        if (!fp)
            continue;
        char line[256];
        while (fgets(line, sizeof(line), fp)) {
            char *s = trim(line);
            if (strlen(s) != HASH_HEX - 1)
                continue;
            char(*nr)[HASH_HEX] = realloc(r->revoked, (r->nrevoked + 1) * sizeof(*nr));
            if (!nr)
                break;
            r->revoked = nr;
            memcpy(r->revoked[r->nrevoked++], s, HASH_HEX);
        }
        fclose(fp);
        return;
    }
}

static bool is_revoked(const struct runner *r, const struct moo_test *t)
{
    char hex[HASH_HEX];
    hash_hex(t, hex);
    for (size_t i = 0; hex[0] && i < r->nrevoked; i++)
        if (strcmp(r->revoked[i], hex) == 0)
            return true;
    return false;
}

static void print_bytes(FILE *out, const struct moo_test *t)
{
    for (uint32_t i = 0; i < t->nbytes; i++)
        fprintf(out, "%s%02x", i ? " " : "", t->bytes[i]);
}

static void print_state(const struct moo_file *f, const struct moo_state *s)
{
    const char *sep = "";
    printf("{ \"regs\": {");
    for (unsigned i = 0; i < MOO_REG_COUNT; i++) {
        if (!(s->regs.present & (1u << i)))
            continue;
        static const char *const r16[MOO_REG_COUNT] = {
            [MOO_EAX] = "ax", [MOO_EBX] = "bx", [MOO_ECX] = "cx", [MOO_EDX] = "dx",
            [MOO_ESI] = "si", [MOO_EDI] = "di", [MOO_EBP] = "bp", [MOO_ESP] = "sp",
            [MOO_CS] = "cs", [MOO_DS] = "ds", [MOO_ES] = "es", [MOO_SS] = "ss",
            [MOO_EIP] = "ip", [MOO_EFLAGS] = "flags",
        };
        printf("%s \"%s\": %u", sep, f->regs32 ? moo_reg_names[i] : r16[i], s->regs.v[i]);
        sep = ",";
    }
    printf(" },\n      \"ram\": [");
    for (uint32_t i = 0; i < s->ram.count; i++)
        printf("%s[%u,%u]", i ? "," : "", moo_ram_addr(&s->ram, i), moo_ram_value(&s->ram, i));
    printf("] }");
}

/* The README's decoded-test layout, for checking the reader by eye. */
static void dump_test(const struct moo_file *f, const struct moo_test *t)
{
    char hex[HASH_HEX];
    printf("{ \"idx\": %u, \"name\": \"%.*s\", \"bytes\": [", t->index, (int)t->name_len,
           t->name ? t->name : "");
    for (uint32_t i = 0; i < t->nbytes; i++)
        printf("%s%u", i ? ", " : "", t->bytes[i]);
    printf("],\n  \"initial\": ");
    print_state(f, &t->init);
    printf(",\n  \"final\": ");
    print_state(f, &t->fina);
    if (t->has_excp)
        printf(",\n  \"exception\": { \"number\": %u, \"flag_address\": %u }", t->excp_vector,
               t->excp_flags_addr);
    hash_hex(t, hex);
    printf(",\n  \"hash\": \"%s\" }\n", hex);
}

static unsigned diff_kind(const struct moo_test *t, const struct conf_result *res)
{
    int exp = t->has_excp ? t->excp_vector : -1;
    if (res->first_exception >= 0 && res->first_exception != exp)
        return KIND_FAULT;
    if (!res->halted)
        return KIND_NO_HLT;
    for (unsigned i = 0; i < MOO_REG_COUNT; i++)
        if (res->reg_diff & (1u << i))
            return i;
    return res->ram_diff ? KIND_RAM : KIND_OTHER;
}

static void report(struct runner *r, const char *tag, const char *file, const struct moo_test *t,
                   const char *text)
{
    if (r->max_lines && r->lines >= r->max_lines) {
        if (r->lines++ == r->max_lines)
            printf("(further failure lines suppressed)\n");
        return;
    }
    r->lines++;
    char hex[HASH_HEX];
    hash_hex(t, hex);
    printf("%s %s #%u %.8s \"%.*s\" [", tag, file, t->index, hex, (int)t->name_len,
           t->name ? t->name : "");
    print_bytes(stdout, t);
    printf("]: %s\n", text);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "F6.6.MOO.gz" -> "F6.6" */
static void file_stem(const char *name, char *stem, size_t len)
{
    size_t n = strlen(name);
    const char *ext = strstr(name, ".MOO");
    if (ext)
        n = (size_t)(ext - name);
    snprintf(stem, len, "%.*s", (int)n, name);
}

static int run_file(struct runner *r, const char *path, const struct flagmask_table *masks)
{
    struct moo_file f;
    char err[512];
    if (moo_load(path, &f, err, sizeof(err))) {
        fprintf(stderr, "lintas_conformance: %s\n", err);
        return -1;
    }
    const char *name = base_name(path);
    char stem[64];
    file_stem(name, stem, sizeof(stem));
    /* metadata.json masks cover the 16-bit FLAGS; higher bits stay compared. */
    uint32_t flags_mask = masks ? flagmask_lookup(masks, stem) | 0xffff0000u : ~0u;
    bool is286 = strcmp(f.cpu_id, "C286") == 0;

    struct counts c = { 0 };
    for (uint32_t i = 0; i < f.ntests; i++) {
        const struct moo_test *t = &f.tests[i];
        if (r->only_test >= 0 && t->index != (unsigned long)r->only_test)
            continue;
        if (r->dump >= 0) {
            if (t->index == (unsigned long)r->dump)
                dump_test(&f, t);
            continue;
        }
        if (is_revoked(r, t)) {
            c.revoked++;
            continue;
        }
        c.tests++;
        struct conf_result res;
        char diff[1024], reason[400];
        if (conf_run_test(&r->m, &f, t, flags_mask, &res, diff, sizeof(diff))) {
            c.passed++;
            continue;
        }
        const char *why;
        if (is286 && quirk286_classify(t, &res, reason, sizeof(reason))) {
            c.quirks++;
            report(r, "286-vs-386", name, t, reason);
        } else if ((why = find_known(r, name, t))) {
            c.known++;
            report(r, "KNOWN", name, t, why);
        } else {
            c.failed++;
            r->diff_kinds[diff_kind(t, &res)]++;
            report(r, "FAIL", name, t, diff);
        }
    }
    if (r->dump < 0)
        printf("%s: %lu tests: %lu passed, %lu 286-vs-386, %lu known, %lu failed%s\n", path,
               c.tests, c.passed, c.quirks, c.known, c.failed, c.revoked ? " (some revoked)" : "");
    r->all.tests += c.tests;
    r->all.passed += c.passed;
    r->all.quirks += c.quirks;
    r->all.known += c.known;
    r->all.failed += c.failed;
    r->all.revoked += c.revoked;
    moo_free(&f);
    return 0;
}

static bool is_moo_name(const char *n)
{
    size_t l = strlen(n);
    return (l > 4 && strcmp(n + l - 4, ".MOO") == 0) || (l > 7 && strcmp(n + l - 7, ".MOO.gz") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the MOO files in dir. */
static int list_dir(const char *dir, char ***out, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "lintas_conformance: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!is_moo_name(e->d_name))
            continue;
        char **nn = realloc(names, (n + 1) * sizeof(*nn));
        if (!nn) {
            rc = -1;
            break;
        }
        names = nn;
        if (!(names[n] = strdup(e->d_name))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0 && n == 0) {
        fprintf(stderr, "lintas_conformance: %s: no .MOO or .MOO.gz files\n", dir);
        rc = -1;
    }
    if (rc == 0)
        qsort(names, n, sizeof(*names), cmp_str);
    *out = names;
    *count = n;
    return rc;
}

/* Run a file or a directory, with the flag masks and revocations that sit
 * beside it. */
static int run_path(struct runner *r, const char *path)
{
    struct stat st;
    if (stat(path, &st)) {
        fprintf(stderr, "lintas_conformance: %s: %s\n", path, strerror(errno));
        return -1;
    }
    bool is_dir = S_ISDIR(st.st_mode);
    char dir[4096], file[4096], err[512];
    const char *slash = strrchr(path, '/');
    int n = is_dir ? snprintf(dir, sizeof(dir), "%s", path)
                   : snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
                              slash ? path : ".");
    if (n >= (int)sizeof(dir)) {
        fprintf(stderr, "lintas_conformance: %s: path too long\n", path);
        return -1;
    }

    struct flagmask_table masks;
    bool have_masks = false;
    if (snprintf(file, sizeof(file), "%s/metadata.json", dir) >= (int)sizeof(file)) {
        fprintf(stderr, "lintas_conformance: %s: path too long\n", dir);
        return -1;
    }
    if (stat(file, &st) == 0) {
        if (flagmask_load(file, &masks, err, sizeof(err))) {
            fprintf(stderr, "lintas_conformance: %s\n", err);
            return -1;
        }
        have_masks = true;
    }
    load_revoked(r, dir);

    int rc = 0;
    if (!is_dir) {
        rc = run_file(r, path, have_masks ? &masks : NULL);
    } else {
        char **names = NULL;
        size_t n = 0;
        rc = list_dir(dir, &names, &n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (snprintf(file, sizeof(file), "%s/%s", dir, names[i]) >= (int)sizeof(file)) {
                fprintf(stderr, "lintas_conformance: %s: path too long\n", dir);
                rc = -1;
            } else {
                rc = run_file(r, file, have_masks ? &masks : NULL);
            }
        }
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
    }
    if (have_masks)
        flagmask_free(&masks);
    return rc;
}

static bool parse_long(const char *s, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return *s && !*end && !errno && *v >= 0;
}

static void print_summary(const struct runner *r, double secs)
{
    static const char *const kind_names[] = {
        [KIND_RAM] = "RAM", [KIND_NO_HLT] = "did not reach HLT",
        [KIND_FAULT] = "core faulted differently", [KIND_OTHER] = "other",
    };
    if (r->all.failed) {
        printf("failures by first difference:");
        for (unsigned k = 0; k < MOO_REG_COUNT + 4; k++)
            if (r->diff_kinds[k])
                printf(" %s %lu;", k < MOO_REG_COUNT ? moo_reg_names[k] : kind_names[k],
                       r->diff_kinds[k]);
        printf("\n");
    }
    double rate = r->all.tests ? 100.0 * (double)(r->all.passed + r->all.quirks) / (double)r->all.tests : 0;
    printf("total: %lu tests: %lu passed, %lu 286-vs-386, %lu known, %lu failed; "
           "pass rate %.3f%% (passed + 286-vs-386); %.1f s\n",
           r->all.tests, r->all.passed, r->all.quirks, r->all.known, r->all.failed, rate, secs);
}

int main(int argc, char **argv)
{
    struct runner r = { .min_rate = 99.9, .only_test = -1, .dump = -1 };
    const char *known = NULL;
    int npaths = 0;
    char **paths = calloc((size_t)argc, sizeof(*paths));
    if (!paths)
        return EXIT_SETUP;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long v;
        bool has_arg = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(paths);
            return 0;
        } else if (strcmp(a, "--known") == 0 && has_arg) {
            known = argv[++i];
        } else if (strcmp(a, "--min-rate") == 0 && has_arg) {
            char *end;
            r.min_rate = strtod(argv[++i], &end);
            if (*end || r.min_rate < 0 || r.min_rate > 100) {
                fprintf(stderr, "lintas_conformance: --min-rate wants 0..100, not '%s'\n", argv[i]);
                free(paths);
                return EXIT_SETUP;
            }
        } else if ((strcmp(a, "--test") == 0 || strcmp(a, "--dump") == 0 ||
                    strcmp(a, "--max-lines") == 0) && has_arg) {
            if (!parse_long(argv[++i], &v)) {
                fprintf(stderr, "lintas_conformance: %s wants a number, not '%s'\n", a, argv[i]);
                free(paths);
                return EXIT_SETUP;
            }
            if (strcmp(a, "--test") == 0)
                r.only_test = v;
            else if (strcmp(a, "--dump") == 0)
                r.dump = v;
            else
                r.max_lines = (unsigned long)v;
        } else if (a[0] == '-') {
            fprintf(stderr, "lintas_conformance: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            free(paths);
            return EXIT_SETUP;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    if (!npaths) {
        usage(stderr);
        free(paths);
        return EXIT_SETUP;
    }

    int rc = 0;
    if (known && load_known(&r, known))
        rc = EXIT_SETUP;
    if (rc == 0 && r.dump < 0 && conf_machine_init(&r.m)) {
        fprintf(stderr, "lintas_conformance: cannot create the test machine\n");
        rc = EXIT_SETUP;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; rc == 0 && i < npaths; i++)
        if (run_path(&r, paths[i]))
            rc = EXIT_SETUP;
    clock_gettime(CLOCK_MONOTONIC, &t1);

    if (rc == 0 && r.dump < 0) {
        print_summary(&r, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        double rate = r.all.tests ? 100.0 * (double)(r.all.passed + r.all.quirks) / (double)r.all.tests : 0;
        if (r.all.failed || rate < r.min_rate)
            rc = 1;
        if (rate < r.min_rate)
            printf("pass rate below the required %.3f%%\n", r.min_rate);
    }
    conf_machine_free(&r.m);
    for (size_t i = 0; i < r.nknown; i++)
        free(r.known[i].reason);
    free(r.known);
    free(r.revoked);
    free(paths);
    return rc;
}
