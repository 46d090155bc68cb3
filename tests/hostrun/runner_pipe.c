/*
 * Starting a native runner on two pipes and moving whole messages over
 * them; see runner_pipe.h.
 */
#define _GNU_SOURCE
#include "runner_pipe.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int runner_pipe_start(struct runner_pipe *p, const char *prog, const char *path)
{
    int down[2], up[2];
    p->prog = prog;
    signal(SIGPIPE, SIG_IGN);
    if (pipe(down) || pipe(up)) {
        fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        dup2(down[0], 0);
        dup2(up[1], 1);
        close(down[0]);
        close(down[1]);
        close(up[0]);
        close(up[1]);
        execl(path, path, (char *)NULL);
        fprintf(stderr, "%s: cannot run %s: %s\n", prog, path, strerror(errno));
        _exit(127);
    }
    close(down[0]);
    close(up[1]);
    p->pid = pid;
    p->to = down[1];
    p->from = up[0];
    return 0;
}

int runner_pipe_write(struct runner_pipe *p, const void *buf, size_t len)
{
    const uint8_t *b = buf;
    while (len) {
        ssize_t n = write(p->to, b, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

enum runner_read runner_pipe_read(struct runner_pipe *p, void *buf, size_t len)
{
    uint8_t *b = buf;
    while (len) {
        struct pollfd pfd = {p->from, POLLIN, 0};
        int pr = poll(&pfd, 1, RUNNER_REPLY_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            return RUNNER_READ_TIMEOUT;
        ssize_t n = read(p->from, b, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return RUNNER_READ_EXITED;
        b += n;
        len -= (size_t)n;
    }
    return RUNNER_READ_OK;
}

void runner_pipe_stop(struct runner_pipe *p, const void *end, size_t len)
{
    runner_pipe_write(p, end, len);
    close(p->to);
    close(p->from);
    int status;
    waitpid(p->pid, &status, 0);
}
