/*
 * Character back ends for serial ports (see lintas/chardev.h).
 *
 * Output is written straight to the file descriptor, unbuffered, so what
 * the guest prints shows up at once and in order with anything lintas
 * prints itself. Input is polled without blocking; stdin is left in the
 * terminal's own mode, so a terminal delivers a line at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lintas/chardev.h"

struct chardev {
    int out_fd;   /* -1: output dropped */
    bool own_out; /* close out_fd at the end */
    int in_fd;    /* -1: no input */
    uint8_t in_buf[256];
    size_t in_pos, in_len;
};

struct chardev *chardev_open(const char *spec, char *err, size_t errlen)
{
    struct chardev *chr = calloc(1, sizeof(*chr));
    if (!chr) {
        snprintf(err, errlen, "-serial: out of memory");
        return NULL;
    }
    chr->out_fd = -1;
    chr->in_fd = -1;
    if (strcmp(spec, "stdio") == 0) {
        chr->out_fd = STDOUT_FILENO;
        chr->in_fd = STDIN_FILENO;
    } else if (strncmp(spec, "file:", 5) == 0) {
        const char *path = spec + 5;
        chr->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (chr->out_fd < 0) {
            snprintf(err, errlen, "-serial: cannot open '%s': %s", path, strerror(errno));
            free(chr);
            return NULL;
        }
        chr->own_out = true;
    } else if (strcmp(spec, "null") != 0) {
        snprintf(err, errlen, "-serial: unknown back end '%s' (available: stdio, file:PATH, null, none)",
                 spec);
        free(chr);
        return NULL;
    }
    return chr;
}

void chardev_close(struct chardev *chr)
{
    if (!chr)
        return;
    if (chr->own_out)
        close(chr->out_fd);
    free(chr);
}

void chardev_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    while (chr->out_fd >= 0 && len > 0) {
        ssize_t n = write(chr->out_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            /* The reader went away or the disk is full: drop the output
             * from now on rather than stall the guest. */
            if (chr->own_out)
                close(chr->out_fd);
            chr->own_out = false;
            chr->out_fd = -1;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

bool chardev_read(struct chardev *chr, uint8_t *byte)
{
    if (chr->in_pos == chr->in_len && chr->in_fd >= 0) {
        struct pollfd p = { .fd = chr->in_fd, .events = POLLIN };
        if (poll(&p, 1, 0) != 1)
            return false;
        ssize_t n = read(chr->in_fd, chr->in_buf, sizeof(chr->in_buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return false;
        if (n <= 0) {
            chr->in_fd = -1; /* end of input */
            return false;
        }
        chr->in_pos = 0;
        chr->in_len = (size_t)n;
    }
    if (chr->in_pos == chr->in_len)
        return false;
    *byte = chr->in_buf[chr->in_pos++];
    return true;
}
