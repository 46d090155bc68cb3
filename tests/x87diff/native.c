/*
 * The driver's side of the conversation with the native runner: start it,
 * send batches of cases over a pipe, read back the outcomes.
 */
#define _GNU_SOURCE
#include "x87diff.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A batch must come back within this time; the runner is wedged otherwise
 * (no case loops). */
#define REPLY_TIMEOUT_MS 60000

struct native {
    pid_t pid;
    int to, from;
    struct xd_case *buf;
};

static int write_full(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Returns 0, or -1 when the runner exited or did not answer in time. */
static int read_full(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, REPLY_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            return -1;
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

struct native *native_start(const char *path, struct xd_hello *hello)
{
    int down[2], up[2];
    /* A dead runner must show up as an error on the pipe, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    if (pipe(down) || pipe(up)) {
        perror("x87diff: pipe");
        return NULL;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("x87diff: fork");
        return NULL;
    }
    if (pid == 0) {
        dup2(down[0], 0);
        dup2(up[1], 1);
        close(down[0]);
        close(down[1]);
        close(up[0]);
        close(up[1]);
        execl(path, path, (char *)NULL);
        fprintf(stderr, "x87diff: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(down[0]);
    close(up[1]);
    struct native *n = calloc(1, sizeof *n);
    if (n)
        n->buf = malloc(XD_MAX_BATCH * sizeof *n->buf);
    if (!n || !n->buf) {
        fprintf(stderr, "x87diff: out of memory\n");
        exit(1);
    }
    n->pid = pid;
    n->to = down[1];
    n->from = up[0];
    if (read_full(n->from, hello, sizeof *hello) || hello->magic != XD_MAGIC) {
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
    if (write_full(n->to, &hdr, sizeof hdr) || write_full(n->to, n->buf, count * sizeof *n->buf)) {
        fprintf(stderr, "x87diff: cannot send cases to the native runner\n");
        return -1;
    }
    return 0;
}

int native_receive(struct native *n, unsigned count, struct xd_result *out)
{
    if (read_full(n->from, out, count * sizeof *out) == 0)
        return 0;
    fprintf(stderr, "x87diff: the native runner exited or stopped answering\n");
    return -1;
}

void native_stop(struct native *n)
{
    if (!n)
        return;
    uint32_t end = 0;
    write_full(n->to, &end, sizeof end);
    close(n->to);
    close(n->from);
    int status;
    waitpid(n->pid, &status, 0);
    free(n->buf);
    free(n);
}
