/*
 * Character back ends: where a serial port's (or the debug console's)
 * bytes go on the host and where its input comes from. Selected with
 * -serial and -debugcon, in QEMU's syntax:
 *
 *   stdio       output to stdout unbuffered, input from stdin when it has any
 *   file:PATH   output to PATH (created or truncated), no input
 *   null        output dropped, no input
 *   pty         a new pseudo-terminal in raw mode; its name goes to stderr as
 *               "char device redirected to /dev/pts/N (label LABEL)". Output
 *               nobody reads is kept until the terminal's buffer is full,
 *               then dropped.
 *   tcp:HOST:PORT,server[,wait=off|,nowait]
 *               listen on HOST:PORT (empty HOST: every address). With wait
 *               (the default) chardev_open blocks until a client connects;
 *               with wait=off or nowait a client is taken whenever it comes.
 *               Output while no client is connected is dropped; when the
 *               client leaves, the next one may connect.
 *   tcp:HOST:PORT
 *               connect to HOST:PORT (empty HOST: this host); refused is an
 *               error. Once the server closes, output is dropped.
 *
 * Output to a connected TCP client waits while the client's receive window
 * is full, as output to a slow stdout does. Input never blocks.
 */
#ifndef LINTAS_CHARDEV_H
#define LINTAS_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chardev;

/* Check spec's syntax without opening anything. Returns 0, or -1 with one
 * line in err that starts with option ("-serial: unknown back end 'x'
 * (available: ...)"). */
int chardev_check(const char *spec, const char *option, char *err, size_t errlen);

/* Open the back end that option ("-serial", "-debugcon") gave. label names
 * it in messages, as QEMU's chardev ids do: "serial0" for COM1, "serial1"
 * for COM2, "debugcon". Returns NULL with one line in err that starts with
 * option when spec is wrong or the host refuses (a file that cannot be
 * created, a port in use, a connection refused). */
struct chardev *chardev_open(const char *spec, const char *option, const char *label, char *err,
                             size_t errlen);
void chardev_close(struct chardev *chr);

void chardev_write(struct chardev *chr, const uint8_t *buf, size_t len);

/* Take one input byte if one is waiting; never blocks. */
bool chardev_read(struct chardev *chr, uint8_t *byte);

/* For a main loop with nothing to run: wait up to timeout_ms (-1: no
 * limit) until one of the first CHARDEV_WAIT_MAX back ends in chrs (NULL
 * entries are skipped) has input or a client waiting to connect. Returns
 * true when one has; false on timeout, and at once when timeout_ms is -1
 * and none of them can ever have input. Reads nothing. */
#define CHARDEV_WAIT_MAX 8
bool chardev_wait(struct chardev *const *chrs, size_t count, int timeout_ms);

#endif
