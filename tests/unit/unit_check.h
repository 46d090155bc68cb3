/*
 * Checks and the summary line of the unit tests.
 *
 * A check counts in its test's tally: a struct unit_tally, or any test
 * context that carries the same two counters (struct unit_machine), so
 * that a check reads CHECK(t, cond) wherever it is. A failed check prints
 * its file and line and what failed; every check evaluates to whether it
 * passed, so a test can stop early or print more on a failure.
 * UNIT_REPORT(t) prints "N passed, N failed" on a line of its own and
 * gives the exit status: non-zero once any check failed.
 */
#ifndef TESTS_UNIT_UNIT_CHECK_H
#define TESTS_UNIT_UNIT_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct unit_tally {
    int passed, failed;
};

/* Failures past this many are counted but not printed, so that a broken
 * table or random run does not bury the first reports. */
#define UNIT_MAX_REPORTS 40

static inline bool unit_check(int *passed, int *failed, bool ok, const char *file, int line,
                              const char *what, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Count one check; report a failure as "FAIL file:line: what; message".
 * stdout is flushed at once, so the report survives a crash that follows. */
static inline bool unit_check(int *passed, int *failed, bool ok, const char *file, int line,
                              const char *what, const char *fmt, ...)
{
    if (ok) {
        ++*passed;
        return true;
    }
    int n = (*failed)++;
    if (n > UNIT_MAX_REPORTS)
        return false;
    const char *slash = strrchr(file, '/');
    printf("FAIL %s:%d: ", slash ? slash + 1 : file, line);
    if (n == UNIT_MAX_REPORTS) {
        printf("further failures are counted, not shown\n");
    } else {
        if (what)
            printf("%s; ", what);
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
    }
    fflush(stdout);
    return false;
}

#define UNIT_CHECK_(t, ok, what, ...) \
    unit_check(&(t)->passed, &(t)->failed, (ok), __FILE__, __LINE__, what, __VA_ARGS__)

/* The condition is the report. */
#define CHECK(t, cond) UNIT_CHECK_(t, cond, NULL, "%s", #cond)
/* A check inside a table or loop: the condition, then which case it was. */
#define CHECK_CASE(t, cond, ...) UNIT_CHECK_(t, cond, #cond, __VA_ARGS__)
/* A check whose report is a message of its own (what came out, what was
 * expected). The message's arguments are evaluated with the condition, in
 * no set order, so they must not depend on its side effects. */
#define CHECK_MSG(t, cond, ...) UNIT_CHECK_(t, cond, NULL, __VA_ARGS__)
/* Something that must not happen, seen where no check was counted. */
#define FAIL(t, ...) UNIT_CHECK_(t, false, NULL, __VA_ARGS__)

static inline bool unit_check_str(int *passed, int *failed, const char *got, const char *want,
                                  const char *file, int line, const char *what)
{
    return unit_check(passed, failed, strcmp(got, want) == 0, file, line, NULL,
                      "%s differs\n--- got\n%s\n--- want\n%s", what, got, want);
}
/* Text that must come out exactly so; a failure shows both versions. */
#define CHECK_STR(t, got, want) \
    unit_check_str(&(t)->passed, &(t)->failed, (got), (want), __FILE__, __LINE__, #got)

static inline int unit_report(int passed, int failed)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
#define UNIT_REPORT(t) unit_report((t)->passed, (t)->failed)

#endif
