/* Character back ends: pty and TCP, driven from the other end by the test. */
#define _GNU_SOURCE /* pthread, sockets */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "lintas/chardev.h"
#include "unit_check.h"

/* How long a test waits for bytes that should come at once. */
#define PATIENCE_MS 2000

/* A loopback port nobody listens on now (the kernel's choice for a bind to
 * port 0, given back). */
static unsigned free_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        perror("test_chardev: free_port");
        exit(2);
    }
    close(fd);
    return ntohs(sa.sin_port);
}

static int connect_to(unsigned port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Exactly len bytes from fd, waiting up to PATIENCE_MS for each read. */
static bool read_exactly(int fd, char *buf, size_t len)
{
    while (len > 0) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, PATIENCE_MS) != 1)
            return false;
        ssize_t n = read(fd, buf, len);
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Nothing more arrives on fd within a short while. */
static bool quiet(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 100) == 0;
}

/* len bytes from the back end, as its device would poll for them. */
static bool chardev_read_exactly(struct chardev *chr, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        uint8_t byte;
        if (chardev_read(chr, &byte)) {
            buf[got++] = (char)byte;
            continue;
        }
        if (!chardev_wait(&chr, 1, PATIENCE_MS))
            return false;
    }
    return true;
}

static void write_text(struct chardev *chr, const char *s)
{
    chardev_write(chr, (const uint8_t *)s, strlen(s));
}

static void test_tcp_server_nowait(struct unit_tally *t)
{
    char spec[64], err[256], buf[16] = "";
    unsigned port = free_port();
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%u,server,nowait", port);
    struct chardev *chr = chardev_open(spec, "-serial", "serial0", err, sizeof(err));
    if (!CHECK_MSG(t, chr != NULL, "%s: %s", spec, err))
        return;
    uint8_t byte;
    CHECK(t, !chardev_read(chr, &byte));
    CHECK(t, !chardev_wait(&chr, 1, 0));
    write_text(chr, "lost"); /* nobody connected: dropped */

    int client = connect_to(port);
    if (!CHECK(t, client >= 0)) {
        chardev_close(chr);
        return;
    }
    CHECK(t, chardev_wait(&chr, 1, PATIENCE_MS)); /* the client waiting counts */
    write_text(chr, "hello");
    CHECK(t, read_exactly(client, buf, 5) && memcmp(buf, "hello", 5) == 0);
    CHECK(t, quiet(client));
    CHECK(t, write(client, "abc", 3) == 3);
    CHECK(t, chardev_read_exactly(chr, buf, 3) && memcmp(buf, "abc", 3) == 0);
    CHECK(t, !chardev_read(chr, &byte));

    /* The client leaves; the next one is taken. */
    close(client);
    CHECK(t, chardev_wait(&chr, 1, PATIENCE_MS)); /* the hang-up */
    CHECK(t, !chardev_read(chr, &byte));
    write_text(chr, "dropped");
    client = connect_to(port);
    CHECK(t, client >= 0);
    write_text(chr, "again");
    CHECK(t, read_exactly(client, buf, 5) && memcmp(buf, "again", 5) == 0);
    CHECK(t, quiet(client));
    chardev_close(chr);
    /* Closing the back end ends the connection. */
    CHECK(t, read(client, buf, sizeof(buf)) == 0);
    close(client);
}

struct late_client {
    unsigned port;
    int fd;
};

/* Connect once the back end listens. */
static void *connect_later(void *arg)
{
    struct late_client *c = arg;
    for (int tries = 0; tries < 200 && c->fd < 0; tries++) {
        c->fd = connect_to(c->port);
        if (c->fd < 0)
            usleep(10000);
    }
    return NULL;
}

static void test_tcp_server_wait(struct unit_tally *t)
{
    char spec[64], err[256], buf[8];
    struct late_client c = { .port = free_port(), .fd = -1 };
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%u,server", c.port);
    pthread_t thread;
    if (!CHECK(t, pthread_create(&thread, NULL, connect_later, &c) == 0))
        return;
    /* Returns only once the client is in. */
    struct chardev *chr = chardev_open(spec, "-serial", "serial1", err, sizeof(err));
    pthread_join(thread, NULL);
    if (!CHECK_MSG(t, chr != NULL && c.fd >= 0, "%s: %s", spec, chr ? "no client" : err)) {
        chardev_close(chr);
        return;
    }
    write_text(chr, "first");
    CHECK(t, read_exactly(c.fd, buf, 5) && memcmp(buf, "first", 5) == 0);
    chardev_close(chr);
    close(c.fd);
}

static void test_tcp_client(struct unit_tally *t)
{
    char spec[64], err[256], buf[8];
    unsigned port = free_port();
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%u", port);
    CHECK(t, chardev_open(spec, "-serial", "serial0", err, sizeof(err)) == NULL);
    CHECK_MSG(t, strstr(err, "cannot connect: Connection refused") != NULL, "got '%s'", err);

    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int server = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bool listening = bind(server, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(server, 1) == 0;
    if (!CHECK(t, listening)) {
        close(server);
        return;
    }
    /* A port in use cannot be listened on. */
    char busy[64];
    snprintf(busy, sizeof(busy), "tcp:127.0.0.1:%u,server,nowait", port);
    CHECK(t, chardev_open(busy, "-serial", "serial0", err, sizeof(err)) == NULL);
    CHECK_MSG(t, strstr(err, "cannot listen: Address already in use") != NULL, "got '%s'", err);

    struct chardev *chr = chardev_open(spec, "-serial", "serial0", err, sizeof(err));
    int peer = accept(server, NULL, NULL);
    if (CHECK_MSG(t, chr != NULL && peer >= 0, "%s: %s", spec, err)) {
        write_text(chr, "out");
        CHECK(t, read_exactly(peer, buf, 3) && memcmp(buf, "out", 3) == 0);
        CHECK(t, write(peer, "in", 2) == 2);
        CHECK(t, chardev_read_exactly(chr, buf, 2) && memcmp(buf, "in", 2) == 0);
        /* The server goes away: output is dropped, no signal kills us. */
        close(peer);
        peer = -1;
        for (int i = 0; i < 1000; i++)
            write_text(chr, "into the void\n");
        CHECK(t, !chardev_wait(&chr, 1, -1));
    }
    if (peer >= 0)
        close(peer);
    chardev_close(chr);
    close(server);
}

/* Open a pty back end, catching the line that names its terminal. */
/* name: 64 bytes. */
static struct chardev *open_pty(struct unit_tally *t, char *name)
{
    char err[256], line[128] = "";
    FILE *capture = tmpfile();
    int saved = dup(STDERR_FILENO);
    if (!capture || saved < 0) {
        perror("test_chardev: capturing stderr");
        exit(2);
    }
    dup2(fileno(capture), STDERR_FILENO);
    struct chardev *chr = chardev_open("pty", "-serial", "serial1", err, sizeof(err));
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(capture);
    if (!fgets(line, sizeof(line), capture))
        line[0] = '\0';
    fclose(capture);
    if (!CHECK_MSG(t, chr != NULL, "pty: %s", err))
        return NULL;
    int end = 0;
    int fields = sscanf(line, "char device redirected to %63s (label serial1)%n", name, &end);
    CHECK_MSG(t, fields == 1 && end > 0 && line[end] == '\n' && line[end + 1] == '\0',
              "stderr said '%s'", line);
    return chr;
}

/* Containers without /dev/pts have no pseudo-terminals at all: the back
 * end then fails with a clear line, which open_pty would count as a bug. */
static bool host_has_ptys(void)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (fd < 0) {
        printf("SKIP pty: this host has no pseudo-terminals (%s)\n", strerror(errno));
        return false;
    }
    close(fd);
    return true;
}

static void test_pty(struct unit_tally *t)
{
    char name[64] = "", buf[8];
    if (!host_has_ptys())
        return;
    struct chardev *chr = open_pty(t, name);
    if (!chr)
        return;
    /* Output with no terminal attached waits in its buffer, and once that
     * is full is dropped: the guest never stalls. */
    for (int i = 0; i < 100000; i++)
        write_text(chr, "nobody reads this\n");

    int term = open(name, O_RDWR | O_NOCTTY);
    if (CHECK_MSG(t, term >= 0, "open %s: %s", name, strerror(errno))) {
        tcflush(term, TCIFLUSH);
        /* Raw both ways: no CR/LF translation, no line buffering, no echo. */
        write_text(chr, "a\rb\n");
        CHECK(t, read_exactly(term, buf, 4) && memcmp(buf, "a\rb\n", 4) == 0);
        CHECK(t, write(term, "x\n", 2) == 2);
        CHECK(t, chardev_read_exactly(chr, buf, 2) && memcmp(buf, "x\n", 2) == 0);
        CHECK(t, write(term, "q", 1) == 1); /* no newline needed */
        CHECK(t, chardev_read_exactly(chr, buf, 1) && buf[0] == 'q');
        CHECK(t, quiet(term));
        close(term);
    }
    /* The terminal program left: the back end carries on. */
    write_text(chr, "still here");
    uint8_t byte;
    CHECK(t, !chardev_read(chr, &byte));
    CHECK(t, !chardev_wait(&chr, 1, 0));
    chardev_close(chr);
}

static void test_wait_and_errors(struct unit_tally *t)
{
    char err[256];
    struct chardev *chrs[2] = { NULL };
    chrs[1] = chardev_open("null", "-debugcon", "debugcon", err, sizeof(err));
    CHECK(t, chrs[1] != NULL);
    CHECK(t, !chardev_wait(chrs, 2, -1)); /* nothing could ever come: no hang */
    chardev_close(chrs[1]);

    const char *missing = "file:/nonexistent/dir/x";
    CHECK(t, chardev_open(missing, "-serial", "serial0", err, sizeof(err)) == NULL);
    CHECK_STR(t, err, "-serial: cannot open '/nonexistent/dir/x': No such file or directory");
    CHECK(t, chardev_open("udp::4444", "-serial", "serial0", err, sizeof(err)) == NULL);
    CHECK(t, strncmp(err, "-serial: unknown back end 'udp::4444' (available: ", 50) == 0);
    CHECK(t, chardev_check("tcp::4444,server,wait=off", "-debugcon", err, sizeof(err)) == 0);
    CHECK(t, chardev_check("tcp:4444", "-debugcon", err, sizeof(err)) < 0);
    CHECK_STR(t, err, "-debugcon: 'tcp:4444': expected tcp:HOST:PORT[,server][,wait=off]");
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_tcp_server_nowait(&t);
    test_tcp_server_wait(&t);
    test_tcp_client(&t);
    test_pty(&t);
    test_wait_and_errors(&t);
    return UNIT_REPORT(&t);
}
