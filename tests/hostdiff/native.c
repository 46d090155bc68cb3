/*
 * The driver's side of the conversation with the native runner: start it,
 * send batches of cases over a pipe, read back the outcomes.
 */
#include "hostdiff.h"

#include <stdlib.h>
#include <string.h>

#include "runner_pipe.h"

struct native {
    struct runner_pipe pipe;
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

static int read_reply(struct native *n, void *buf, size_t len)
{
    switch (runner_pipe_read(&n->pipe, buf, len)) {
    case RUNNER_READ_OK:
        return 0;
    case RUNNER_READ_TIMEOUT:
        fprintf(stderr, "hostdiff: the native runner did not answer in time\n");
        return -1;
    default:
        fprintf(stderr, "hostdiff: the native runner exited unexpectedly\n");
        return -1;
    }
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
    struct native *n = calloc(1, sizeof *n);
    if (!n) {
        fprintf(stderr, "hostdiff: out of memory\n");
        exit(1);
    }
    if (runner_pipe_start(&n->pipe, "hostdiff", path)) {
        free(n);
        return NULL;
    }
    if (read_reply(n, hello, sizeof *hello) || hello->magic != HD_MAGIC ||
        runner_pipe_write(&n->pipe, image, HD_IMAGE_SIZE)) {
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
    if (runner_pipe_write(&n->pipe, n->buf, p)) {
        fprintf(stderr, "hostdiff: cannot send cases to the native runner\n");
        return -1;
    }
    uint32_t reply;
    if (read_reply(n, &reply, 4))
        return -1;
    reserve(n, reply);
    if (read_reply(n, n->buf, reply))
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
    runner_pipe_stop(&n->pipe, end, sizeof end);
    free(n->buf);
    free(n);
}
