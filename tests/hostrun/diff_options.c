/*
 * The differential drivers' common command line; see diff_options.h.
 */
#define _GNU_SOURCE
#include "diff_options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

enum {
    OPT_RUNNER = 0x100,
    OPT_SEED,
    OPT_COUNT,
    OPT_BATCH,
    OPT_REPORTS,
    OPT_VERBOSE,
    OPT_NATIVE_ONLY,
    OPT_HELP,
    OPT_EXTRA, /* ... OPT_EXTRA + DIFF_MAX_EXTRA - 1 */
};

static const struct option common[] = {
    {"runner", required_argument, NULL, OPT_RUNNER},
    {"seed", required_argument, NULL, OPT_SEED},
    {"count", required_argument, NULL, OPT_COUNT},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"native-only", no_argument, NULL, OPT_NATIVE_ONLY},
    {"reports", required_argument, NULL, OPT_REPORTS},
    {"help", no_argument, NULL, OPT_HELP},
};
#define NCOMMON (sizeof common / sizeof common[0])

int diff_options_parse(struct diff_options *o, int argc, char **argv, const char *prog,
                       const char *usage, const struct diff_extra_option *extra,
                       unsigned nextra)
{
    struct option opts[NCOMMON + DIFF_MAX_EXTRA + 1] = {{0}};
    if (nextra > DIFF_MAX_EXTRA)
        nextra = DIFF_MAX_EXTRA;
    for (unsigned i = 0; i < NCOMMON; i++)
        opts[i] = common[i];
    for (unsigned i = 0; i < nextra; i++)
        opts[NCOMMON + i] = (struct option){extra[i].name, required_argument, NULL, OPT_EXTRA + (int)i};

    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case OPT_RUNNER: o->runner = optarg; break;
        case OPT_SEED: o->seed = strtoull(optarg, &end, 0); break;
        case OPT_COUNT: o->count = strtoull(optarg, &end, 0); break;
        case OPT_BATCH: o->batch = (unsigned)strtoul(optarg, &end, 0); break;
        case OPT_REPORTS: o->max_reports = (unsigned)strtoul(optarg, &end, 0); break;
        case OPT_VERBOSE: o->verbose = true; break;
        case OPT_NATIVE_ONLY: o->native_only = true; break;
        case OPT_HELP: fputs(usage, stdout); return 0;
        default:
            if (c < OPT_EXTRA || c >= OPT_EXTRA + (int)nextra) {
                fputs(usage, stderr);
                return 1;
            }
            *extra[c - OPT_EXTRA].value = optarg;
            break;
        }
        if (end && *end) {
            fprintf(stderr, "%s: bad number '%s'\n", prog, optarg);
            return 1;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return 1;
    }
    return DIFF_OPTIONS_RUN;
}

int diff_skip_no_runner(const char *prog)
{
    printf("%s: skipped: no native runner (not an x86 host, or no -m32 toolchain)\n", prog);
    return DIFF_SKIP;
}
