/*
 * The runner's half of the pipes to the driver, and its way out when
 * something fails; see runner.h.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Noreturn void runner_die(const char *what)
{
    /* The driver starts the runner by path: the short name is its file's. */
    fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(errno));
    exit(2);
}

void runner_read(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = read(0, p, len);
        if (n == 0)
            exit(0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            runner_die("read");
        }
        p += n;
        len -= (size_t)n;
    }
}

void runner_write(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(1, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            runner_die("write");
        }
        p += n;
        len -= (size_t)n;
    }
}
