/*
 * -d logging: the item names, parsing a list of them, and printing.
 */
#include <string.h>

#include "lintas/log.h"

static const struct {
    const char *name;
    unsigned kind;
    const char *help;
} log_items[] = {
    { "in_asm", LOG_IN_ASM, "show guest instructions as they execute, disassembled" },
    { "exec", LOG_EXEC, "show CS:EIP and the registers before each instruction" },
    { "int", LOG_INT, "show interrupts and exceptions as they are taken" },
    { "cpu_reset", LOG_CPU_RESET, "show the CPU state at reset" },
    { "guest_errors", LOG_GUEST_ERRORS, "show accesses the guest should not make" },
};

int error_append(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (!errlen)
        return -1;
    size_t n = strnlen(err, errlen);
    if (n < errlen)
        vsnprintf(err + n, errlen - n, fmt, ap);
    return -1;
}

void log_printf(const struct logger *log, unsigned kind, const char *fmt, ...)
{
    if (!log_enabled(log, kind))
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log->out ? log->out : stderr, fmt, ap);
    va_end(ap);
}

int log_parse_mask(const char *list, unsigned *mask, const char **bad, size_t *bad_len)
{
    unsigned m = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        size_t i;
        for (i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++)
            if (strlen(log_items[i].name) == len && strncmp(p, log_items[i].name, len) == 0)
                break;
        if (i == sizeof(log_items) / sizeof(log_items[0])) {
            *bad = p;
            *bad_len = len;
            return -1;
        }
        m |= log_items[i].kind;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *mask = m;
    return 0;
}

void log_print_help(FILE *out)
{
    fprintf(out, "Log items (comma separated):\n");
    for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++)
        fprintf(out, "%-13s %s\n", log_items[i].name, log_items[i].help);
}
