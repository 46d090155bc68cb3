/*
 * Diagnostic logging selected with -d and sent to stderr or the -D file.
 */
#ifndef LINTAS_LOG_H
#define LINTAS_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum log_kind {
    LOG_IN_ASM = 1u << 0,       /* guest instructions, disassembled */
    LOG_EXEC = 1u << 1,         /* every executed instruction with CS:EIP */
    LOG_INT = 1u << 2,          /* interrupts and exceptions taken */
    LOG_CPU_RESET = 1u << 3,    /* CPU state at reset */
    LOG_GUEST_ERRORS = 1u << 4, /* the guest did something a device or CPU refused */
};

struct logger {
    FILE *out;     /* NULL means stderr */
    unsigned mask; /* enum log_kind bits */
};

static inline bool log_enabled(const struct logger *log, unsigned kind)
{
    return log && (log->mask & kind);
}

void log_printf(const struct logger *log, unsigned kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One-line errors for the user ("-kernel: 'x': not a Multiboot image"):
 * append the formatted message to what err already holds (the prefix the
 * caller wrote), cut to errlen. Returns -1, for error paths to return. */
int error_append(char *err, size_t errlen, const char *fmt, va_list ap);

/* Parse a -d list ("in_asm,int"). Returns 0, or -1 with the bad item in *bad. */
int log_parse_mask(const char *list, unsigned *mask, const char **bad, size_t *bad_len);
void log_print_help(FILE *out);

#endif
