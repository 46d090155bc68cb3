/*
 * Character back ends (see lintas/chardev.h).
 *
 * Output is written straight to the file descriptor, unbuffered, so what
 * the guest prints shows up at once and in order with anything lintas
 * prints itself. Input is polled without blocking; stdin is left in the
 * terminal's own mode, so a terminal delivers a line at a time.
 *
 * A pty keeps its own slave side open: the master then never reports a
 * hang-up while no terminal program has the slave open, so input can be
 * polled for at any time and output simply waits in the terminal's buffer.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname_r, accept4, MSG_NOSIGNAL */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "lintas/chardev.h"
#include "lintas/log.h"

#define AVAILABLE "stdio, file:PATH, pty, tcp:HOST:PORT[,server][,wait=off], null, none"

enum chardev_kind { CHARDEV_NULL, CHARDEV_STDIO, CHARDEV_FILE, CHARDEV_PTY, CHARDEV_TCP };

/* A spec taken apart. */
struct chardev_spec {
    enum chardev_kind kind;
    const char *path; /* file: */
    char host[256];   /* tcp: "" for any address (server) or this host */
    char port[6];
    bool server, wait;
};

struct chardev {
    enum chardev_kind kind;
    int out_fd;    /* -1: output dropped */
    int in_fd;     /* -1: no input; the same as out_fd for pty and tcp */
    bool own_fds;  /* close out_fd and in_fd at the end */
    int listen_fd; /* tcp server, else -1 */
    int slave_fd;  /* pty, else -1 */
    uint8_t in_buf[256];
    size_t in_pos, in_len;
};

/* One line in err, after the option's name. */
static int fail(char *err, size_t errlen, const char *option, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, const char *option, const char *fmt, ...)
{
    snprintf(err, errlen, "%s: ", option);
    va_list ap;
    va_start(ap, fmt);
    error_append(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

#define FAIL(err, errlen, ...) fail((err), (errlen), option, __VA_ARGS__)

static int parse_tcp_options(const char *option, const char *spec, const char *opt,
                             struct chardev_spec *s, char *err, size_t errlen)
{
    bool wait_given = false;
    while (*opt == ',') {
        opt++;
        size_t len = strcspn(opt, ",");
#define IS(word) (len == strlen(word) && strncmp(opt, word, len) == 0)
        if (IS("server") || IS("server=on")) {
            s->server = true;
        } else if (IS("server=off")) {
            s->server = false;
        } else if (IS("wait=on")) {
            s->wait = wait_given = true;
        } else if (IS("wait=off") || IS("nowait")) {
            s->wait = false;
            wait_given = true;
        } else {
            return FAIL(err, errlen,
                        "'%s': unknown tcp option '%.*s' (available: server, wait=off, nowait)", spec,
                        (int)len, opt);
        }
#undef IS
        opt += len;
    }
    if (wait_given && !s->server)
        return FAIL(err, errlen, "'%s': wait applies only to a server", spec);
    return 0;
}

/* tcp:HOST:PORT[,OPTION...], HOST possibly an IPv6 address in brackets. */
static int parse_tcp(const char *option, const char *spec, struct chardev_spec *s, char *err,
                     size_t errlen)
{
    const char *addr = spec + 4;
    size_t addr_len = strcspn(addr, ",");
    const char *colon = NULL;
    for (const char *c = addr; c < addr + addr_len; c++)
        if (*c == ':')
            colon = c;
    const char *port = colon ? colon + 1 : NULL;
    size_t port_len = port ? (size_t)(addr + addr_len - port) : 0;
    unsigned long port_number = 0;
    bool port_ok = port_len > 0 && port_len < sizeof(s->port);
    for (size_t i = 0; port_ok && i < port_len; i++) {
        port_ok = port[i] >= '0' && port[i] <= '9';
        port_number = port_number * 10 + (unsigned long)(port[i] - '0');
    }
    if (!port_ok || port_number > 65535)
        return FAIL(err, errlen, "'%s': expected tcp:HOST:PORT[,server][,wait=off]", spec);

    const char *host = addr;
    size_t host_len = (size_t)(colon - addr);
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    if (host_len >= sizeof(s->host))
        return FAIL(err, errlen, "'%s': host name too long", spec);
    memcpy(s->host, host, host_len);
    s->host[host_len] = '\0';
    memcpy(s->port, port, port_len);
    s->port[port_len] = '\0';

    s->wait = true; /* QEMU's default for a server */
    if (parse_tcp_options(option, spec, addr + addr_len, s, err, errlen) < 0)
        return -1;
    if (!s->server && port_number == 0)
        return FAIL(err, errlen, "'%s': cannot connect to port 0", spec);
    return 0;
}

static int parse_spec(const char *option, const char *spec, struct chardev_spec *s, char *err,
                      size_t errlen)
{
    *s = (struct chardev_spec){ .kind = CHARDEV_NULL };
    if (strcmp(spec, "null") == 0)
        return 0;
    if (strcmp(spec, "stdio") == 0) {
        s->kind = CHARDEV_STDIO;
        return 0;
    }
    if (strcmp(spec, "pty") == 0) {
        s->kind = CHARDEV_PTY;
        return 0;
    }
    if (strncmp(spec, "file:", 5) == 0) {
        if (spec[5] == '\0')
            return FAIL(err, errlen, "'file:' needs a path");
        s->kind = CHARDEV_FILE;
        s->path = spec + 5;
        return 0;
    }
    if (strncmp(spec, "tcp:", 4) == 0) {
        s->kind = CHARDEV_TCP;
        return parse_tcp(option, spec, s, err, errlen);
    }
    return FAIL(err, errlen, "unknown back end '%s' (available: " AVAILABLE ")", spec);
}

int chardev_check(const char *spec, const char *option, char *err, size_t errlen)
{
    struct chardev_spec s;
    return parse_spec(option, spec, &s, err, errlen);
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int open_pty(struct chardev *chr, const char *option, const char *label, char *err,
                    size_t errlen)
{
    char name[64];
    struct termios raw;
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return FAIL(err, errlen, "pty: cannot create a pseudo-terminal: %s", strerror(errno));
    chr->out_fd = chr->in_fd = master;
    if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
        return FAIL(err, errlen, "pty: cannot set up the pseudo-terminal: %s", strerror(errno));
    chr->slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (chr->slave_fd < 0)
        return FAIL(err, errlen, "pty: cannot open '%s': %s", name, strerror(errno));
    /* Raw: bytes pass both ways unchanged, without echo or line editing. */
    if (tcgetattr(chr->slave_fd, &raw) < 0)
        return FAIL(err, errlen, "pty: cannot read the modes of '%s': %s", name, strerror(errno));
    cfmakeraw(&raw);
    if (tcsetattr(chr->slave_fd, TCSANOW, &raw) < 0 || set_nonblocking(master) < 0)
        return FAIL(err, errlen, "pty: cannot set up '%s': %s", name, strerror(errno));
    fprintf(stderr, "char device redirected to %s (label %s)\n", name, label);
    return 0;
}

/* "tcp:ADDR:PORT" of a bound socket, for messages. */
static void describe_socket(int fd, char *buf, size_t len)
{
    struct sockaddr_storage sa;
    socklen_t sa_len = sizeof(sa);
    char host[NI_MAXHOST], port[NI_MAXSERV];
    if (getsockname(fd, (struct sockaddr *)&sa, &sa_len) < 0 ||
        getnameinfo((struct sockaddr *)&sa, sa_len, host, sizeof(host), port, sizeof(port),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(buf, len, "tcp");
        return;
    }
    snprintf(buf, len, strchr(host, ':') ? "tcp:[%s]:%s" : "tcp:%s:%s", host, port);
}

/* Take the client, if one is waiting (or, blocking, wait for one). */
static void accept_client(struct chardev *chr)
{
    int fd = accept4(chr->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0)
        chr->out_fd = chr->in_fd = fd;
}

static void drop_client(struct chardev *chr)
{
    close(chr->out_fd);
    chr->out_fd = chr->in_fd = -1;
}

static int open_tcp(struct chardev *chr, const char *option, const char *spec,
                    const struct chardev_spec *s, char *err, size_t errlen)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = s->server ? AI_PASSIVE : 0,
    };
    struct addrinfo *list;
    int rc = getaddrinfo(s->host[0] ? s->host : NULL, s->port, &hints, &list);
    if (rc != 0)
        return FAIL(err, errlen, "'%s': cannot resolve '%s': %s", spec, s->host, gai_strerror(rc));

    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int one = 1;
        bool ok = s->server ? setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
                                  bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0
                            : connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
        if (!ok) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd < 0)
        return FAIL(err, errlen, "'%s': cannot %s: %s", spec, s->server ? "listen" : "connect",
                    strerror(last_errno));

    if (!s->server) {
        chr->out_fd = chr->in_fd = fd;
        return set_nonblocking(fd) < 0 ? FAIL(err, errlen, "'%s': %s", spec, strerror(errno)) : 0;
    }
    chr->listen_fd = fd;
    if (s->wait) {
        char where[NI_MAXHOST + NI_MAXSERV + 16];
        describe_socket(fd, where, sizeof(where));
        fprintf(stderr, "lintas: waiting for connection on %s,server\n", where);
        while (chr->out_fd < 0) {
            int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
            if (client < 0 && errno != EINTR && errno != ECONNABORTED)
                return FAIL(err, errlen, "'%s': cannot accept: %s", spec, strerror(errno));
            chr->out_fd = chr->in_fd = client;
        }
    }
    if ((chr->out_fd >= 0 && set_nonblocking(chr->out_fd) < 0) || set_nonblocking(fd) < 0)
        return FAIL(err, errlen, "'%s': %s", spec, strerror(errno));
    return 0;
}

struct chardev *chardev_open(const char *spec, const char *option, const char *label, char *err,
                             size_t errlen)
{
    struct chardev_spec s;
    if (parse_spec(option, spec, &s, err, errlen) < 0)
        return NULL;
    struct chardev *chr = calloc(1, sizeof(*chr));
    if (!chr) {
        FAIL(err, errlen, "out of memory");
        return NULL;
    }
    *chr = (struct chardev){
        .kind = s.kind, .out_fd = -1, .in_fd = -1, .listen_fd = -1, .slave_fd = -1,
        .own_fds = s.kind != CHARDEV_STDIO,
    };
    int rc = 0;
    switch (s.kind) {
    case CHARDEV_NULL:
        break;
    case CHARDEV_STDIO:
        chr->out_fd = STDOUT_FILENO;
        chr->in_fd = STDIN_FILENO;
        break;
    case CHARDEV_FILE:
        chr->out_fd = open(s.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (chr->out_fd < 0)
            rc = FAIL(err, errlen, "cannot open '%s': %s", s.path, strerror(errno));
        break;
    case CHARDEV_PTY:
        rc = open_pty(chr, option, label, err, errlen);
        break;
    case CHARDEV_TCP:
        rc = open_tcp(chr, option, spec, &s, err, errlen);
        break;
    }
    if (rc < 0) {
        chardev_close(chr);
        return NULL;
    }
    return chr;
}

void chardev_close(struct chardev *chr)
{
    if (!chr)
        return;
    if (chr->own_fds && chr->out_fd >= 0)
        close(chr->out_fd);
    if (chr->own_fds && chr->in_fd >= 0 && chr->in_fd != chr->out_fd)
        close(chr->in_fd);
    if (chr->listen_fd >= 0)
        close(chr->listen_fd);
    if (chr->slave_fd >= 0)
        close(chr->slave_fd);
    free(chr);
}

/* Until the client takes more or leaves; false when it left. */
static bool wait_writable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    while (poll(&p, 1, -1) < 0)
        if (errno != EINTR)
            return false;
    return (p.revents & (POLLERR | POLLHUP)) == 0;
}

static void write_socket(struct chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr->out_fd < 0 && chr->listen_fd >= 0)
        accept_client(chr);
    while (chr->out_fd >= 0 && len > 0) {
        ssize_t n = send(chr->out_fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(chr->out_fd))
            continue;
        if (n <= 0) {
            drop_client(chr);
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

void chardev_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr->kind == CHARDEV_TCP) {
        write_socket(chr, buf, len);
        return;
    }
    while (chr->out_fd >= 0 && len > 0) {
        ssize_t n = write(chr->out_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (chr->kind == CHARDEV_PTY && n < 0)
            return; /* the terminal's buffer is full: nobody reads it */
        if (n <= 0) {
            /* The reader went away or the disk is full: drop the output
             * from now on rather than stall the guest. */
            if (chr->own_fds)
                close(chr->out_fd);
            chr->out_fd = -1;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Refill in_buf from in_fd if it has anything. */
static void fill_input(struct chardev *chr)
{
    struct pollfd p = { .fd = chr->in_fd, .events = POLLIN };
    if (poll(&p, 1, 0) != 1)
        return;
    ssize_t n = read(chr->in_fd, chr->in_buf, sizeof(chr->in_buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n > 0) {
        chr->in_pos = 0;
        chr->in_len = (size_t)n;
    } else if (chr->kind == CHARDEV_TCP) {
        drop_client(chr); /* the client left; a server takes the next one */
    } else if (chr->kind != CHARDEV_PTY) {
        chr->in_fd = -1; /* end of input */
    }
}

bool chardev_read(struct chardev *chr, uint8_t *byte)
{
    if (chr->kind == CHARDEV_TCP && chr->in_fd < 0 && chr->listen_fd >= 0)
        accept_client(chr);
    if (chr->in_pos == chr->in_len && chr->in_fd >= 0)
        fill_input(chr);
    if (chr->in_pos == chr->in_len)
        return false;
    *byte = chr->in_buf[chr->in_pos++];
    return true;
}

bool chardev_wait(struct chardev *const *chrs, size_t count, int timeout_ms)
{
    struct pollfd fds[CHARDEV_WAIT_MAX];
    nfds_t nfds = 0;
    for (size_t i = 0; i < count && i < CHARDEV_WAIT_MAX; i++) {
        const struct chardev *chr = chrs[i];
        if (!chr)
            continue;
        if (chr->in_pos < chr->in_len)
            return true;
        int fd = chr->in_fd >= 0 ? chr->in_fd : chr->listen_fd;
        if (fd >= 0)
            fds[nfds++] = (struct pollfd){ .fd = fd, .events = POLLIN };
    }
    if (nfds == 0 && timeout_ms < 0)
        return false;
    int n;
    while ((n = poll(fds, nfds, timeout_ms)) < 0 && errno == EINTR)
        ;
    return n > 0;
}
