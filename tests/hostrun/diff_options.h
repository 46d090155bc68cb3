/*
 * The command line every differential driver takes:
 *
 *   --runner PATH --seed S --count N --batch B --verbose --native-only
 *   --reports R --help
 *
 * plus a few string options of its own. Case i of a run is generated from
 * seed S + i alone, so one case is reproduced by --seed with --count 1.
 */
#ifndef HOSTRUN_DIFF_OPTIONS_H
#define HOSTRUN_DIFF_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* The exit status a driver skips with when it has no native runner. */
#define DIFF_SKIP 77

struct diff_options {
    const char *runner; /* NULL: no runner was built for this host */
    uint64_t seed, count;
    unsigned batch, max_reports;
    bool verbose, native_only;
};

/* A driver's own option: --name VALUE stores VALUE in *value. */
struct diff_extra_option {
    const char *name;
    const char **value;
};
#define DIFF_MAX_EXTRA 4

/* diff_options_parse's answer when main should go on with the run. */
#define DIFF_OPTIONS_RUN (-1)

/* Parses argv into o, which holds the driver's defaults; extra lists the
 * driver's own options (nextra of them, at most DIFF_MAX_EXTRA). prog
 * prefixes the messages, usage is printed for --help and for a usage error.
 * Returns DIFF_OPTIONS_RUN, or the status main exits with: 0 after --help,
 * 1 after a usage error (a bad number names the option's value). */
int diff_options_parse(struct diff_options *o, int argc, char **argv, const char *prog,
                       const char *usage, const struct diff_extra_option *extra,
                       unsigned nextra);

/* Says that the run is skipped for want of a native runner (this is not an
 * x86 host, or it cannot build -m32 programs) and returns DIFF_SKIP. */
int diff_skip_no_runner(const char *prog);

#endif
