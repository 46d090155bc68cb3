/*
 * The driver's end of the conversation with a 32-bit native runner: the
 * runner is started with its stdin and stdout on two pipes, and the driver
 * writes requests down one and reads replies from the other. What the
 * messages mean is the harness's own business (its protocol.h).
 */
#ifndef HOSTRUN_RUNNER_PIPE_H
#define HOSTRUN_RUNNER_PIPE_H

#include <stddef.h>
#include <sys/types.h>

struct runner_pipe {
    const char *prog; /* the harness's name, in front of every message */
    pid_t pid;
    int to, from;
};

/* Starts the runner at path. SIGPIPE is ignored from then on, so that a
 * dead runner shows up as an error on the pipe instead of killing the
 * driver. Returns 0, or -1 after printing why. */
int runner_pipe_start(struct runner_pipe *p, const char *prog, const char *path);

/* Returns 0, or -1 when the runner is gone. Prints nothing. */
int runner_pipe_write(struct runner_pipe *p, const void *buf, size_t len);

enum runner_read {
    RUNNER_READ_OK,
    RUNNER_READ_EXITED,  /* the pipe closed or failed */
    RUNNER_READ_TIMEOUT, /* no byte came for RUNNER_REPLY_TIMEOUT_MS */
};
/* Nothing a harness runs loops, so a runner this slow to answer is wedged. */
#define RUNNER_REPLY_TIMEOUT_MS 60000

/* Reads exactly len bytes. Prints nothing: the harness says what failed. */
enum runner_read runner_pipe_read(struct runner_pipe *p, void *buf, size_t len);

/* Sends end (the protocol's goodbye, len bytes), closes both pipes and
 * waits for the runner to exit. */
void runner_pipe_stop(struct runner_pipe *p, const void *end, size_t len);

#endif
