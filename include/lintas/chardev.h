/*
 * Character back ends: where a serial port's bytes go on the host and where
 * its input comes from. Selected with -serial.
 *
 *   stdio       output to stdout unbuffered, input from stdin when it has any
 *   file:PATH   output to PATH (created or truncated), no input
 *   null        output dropped, no input
 */
#ifndef LINTAS_CHARDEV_H
#define LINTAS_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chardev;

/* Returns NULL with a one-line reason in err when spec is unknown or the
 * file cannot be opened. */
struct chardev *chardev_open(const char *spec, char *err, size_t errlen);
void chardev_close(struct chardev *chr);

void chardev_write(struct chardev *chr, const uint8_t *buf, size_t len);

/* Take one input byte if one is waiting; never blocks. */
bool chardev_read(struct chardev *chr, uint8_t *byte);

#endif
