/*
 * The driver's side of the conversation with the native runner: start it,
 * send batches of cases over a pipe, read back the outcomes.
 */
#include "x87diff.h"

#include <stdlib.h>

#include "runner_pipe.h"

struct native {
    struct runner_pipe pipe;
    struct xd_case *buf;
};

struct native *native_start(const char *path, struct xd_hello *hello)
{
    struct native *n = calloc(1, sizeof *n);
    if (n)
        n->buf = malloc(XD_MAX_BATCH * sizeof *n->buf);
    if (!n || !n->buf) {
        fprintf(stderr, "x87diff: out of memory\n");
        exit(1);
    }
    if (runner_pipe_start(&n->pipe, "x87diff", path)) {
        free(n->buf);
        free(n);
        return NULL;
    }
    if (runner_pipe_read(&n->pipe, hello, sizeof *hello) != RUNNER_READ_OK ||
        hello->magic != XD_MAGIC) {
        fprintf(stderr, "x87diff: the native runner %s did not start\n", path);
        native_stop(n);
        return NULL;
    }
    return n;
}

int native_send(struct native *n, const struct xd_test *tests, unsigned count)
{
    if (count > XD_MAX_BATCH) {
        fprintf(stderr, "x87diff: batch of %u cases is too large\n", count);
        return -1;
    }
    for (unsigned i = 0; i < count; i++)
        n->buf[i] = tests[i].c;
    uint32_t hdr = count;
    if (runner_pipe_write(&n->pipe, &hdr, sizeof hdr) ||
        runner_pipe_write(&n->pipe, n->buf, count * sizeof *n->buf)) {
        fprintf(stderr, "x87diff: cannot send cases to the native runner\n");
        return -1;
    }
    return 0;
}

int native_receive(struct native *n, unsigned count, struct xd_result *out)
{
    if (runner_pipe_read(&n->pipe, out, count * sizeof *out) == RUNNER_READ_OK)
        return 0;
    fprintf(stderr, "x87diff: the native runner exited or stopped answering\n");
    return -1;
}

void native_stop(struct native *n)
{
    if (!n)
        return;
    uint32_t end = 0;
    runner_pipe_stop(&n->pipe, &end, sizeof end);
    free(n->buf);
    free(n);
}
