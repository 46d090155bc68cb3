/*
 * The driver's side of the conversation with the native runner: start it,
 * send batches of cases over a pipe, read back the outcomes.
 */
#define _GNU_SOURCE
#include "hostdiff.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A batch must come back within this time (the runner is wedged otherwise;
 * generated code has no loops, so nothing legitimate takes long). */
#define REPLY_TIMEOUT_MS 60000

struct native {
    pid_t pid;
    int to, from;
    uint8_t *buf;
    size_t cap;
};

void outcome_add_chunk(struct outcome *o, const struct hd_chunk *c)
{
    if (o->nchunks == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 16;
        o->chunks = realloc(o->chunks, o->cap * sizeof *o->chunks);
        if (!o->chunks) {
            fprintf(stderr, "hostdiff: out of memory\n");
            exit(1);
        }
    }
    o->chunks[o->nchunks++] = *c;
}

void outcome_free(struct outcome *o)
{
    free(o->chunks);
    o->chunks = NULL;
    o->nchunks = o->cap = 0;
}

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

static int read_full(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, REPLY_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0) {
            fprintf(stderr, "hostdiff: the native runner did not answer in time\n");
            return -1;
        }
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "hostdiff: the native runner exited unexpectedly\n");
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void reserve(struct native *n, size_t len)
{
    if (len <= n->cap)
        return;
    n->cap = len * 2;
    n->buf = realloc(n->buf, n->cap);
    if (!n->buf) {
        fprintf(stderr, "hostdiff: out of memory\n");
        exit(1);
    }
}

struct native *native_start(const char *path, struct hd_hello *hello, const uint8_t *image)
{
    int down[2], up[2];
    /* A dead runner must show up as an error on the pipe, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    if (pipe(down) || pipe(up)) {
        perror("hostdiff: pipe");
        return NULL;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("hostdiff: fork");
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
        fprintf(stderr, "hostdiff: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(down[0]);
    close(up[1]);
    struct native *n = calloc(1, sizeof *n);
    if (!n) {
        fprintf(stderr, "hostdiff: out of memory\n");
        exit(1);
    }
    n->pid = pid;
    n->to = down[1];
    n->from = up[0];
    if (read_full(n->from, hello, sizeof *hello) || hello->magic != HD_MAGIC ||
        write_full(n->to, image, HD_IMAGE_SIZE)) {
        fprintf(stderr, "hostdiff: the native runner %s did not start\n", path);
        native_stop(n);
        return NULL;
    }
    return n;
}

int native_run(struct native *n, const struct test_case *const *cases, unsigned count,
               struct outcome *outs)
{
    size_t len = 8;
    for (unsigned i = 0; i < count; i++)
        len += sizeof(struct hd_case) + ((cases[i]->hdr.code_len + 3) & ~3u) +
               cases[i]->hdr.npatch * sizeof(struct hd_patch);
    reserve(n, len);
    uint32_t hdr[2] = {count, (uint32_t)(len - 8)};
    memcpy(n->buf, hdr, 8);
    size_t p = 8;
    for (unsigned i = 0; i < count; i++) {
        const struct test_case *tc = cases[i];
        memcpy(n->buf + p, &tc->hdr, sizeof tc->hdr);
        p += sizeof tc->hdr;
        uint32_t padded = (tc->hdr.code_len + 3) & ~3u;
        memset(n->buf + p, 0xcc, padded);
        memcpy(n->buf + p, tc->code, tc->hdr.code_len);
        p += padded;
        memcpy(n->buf + p, tc->patch, tc->hdr.npatch * sizeof(struct hd_patch));
        p += tc->hdr.npatch * sizeof(struct hd_patch);
    }
    if (write_full(n->to, n->buf, p)) {
        fprintf(stderr, "hostdiff: cannot send cases to the native runner\n");
        return -1;
    }
    uint32_t reply;
    if (read_full(n->from, &reply, 4))
        return -1;
    reserve(n, reply);
    if (read_full(n->from, n->buf, reply))
        return -1;
    p = 0;
    for (unsigned i = 0; i < count; i++) {
        struct outcome *o = &outs[i];
        if (p + sizeof o->r > reply)
            goto bad;
        memcpy(&o->r, n->buf + p, sizeof o->r);
        p += sizeof o->r;
        o->nchunks = 0;
        for (uint32_t c = 0; c < o->r.nchunks; c++) {
            struct hd_chunk ch;
            if (p + sizeof ch > reply)
                goto bad;
            memcpy(&ch, n->buf + p, sizeof ch);
            p += sizeof ch;
            outcome_add_chunk(o, &ch);
        }
    }
    if (p == reply)
        return 0;
bad:
    fprintf(stderr, "hostdiff: malformed reply from the native runner\n");
    return -1;
}

void native_stop(struct native *n)
{
    if (!n)
        return;
    uint32_t end[2] = {0, 0};
    write_full(n->to, end, sizeof end);
    close(n->to);
    close(n->from);
    int status;
    waitpid(n->pid, &status, 0);
    free(n->buf);
    free(n);
}
