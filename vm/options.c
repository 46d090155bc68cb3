/*
 * Command-line parsing. Options take QEMU's names and syntax where the
 * concept is the same, with one or two leading dashes. Anything unknown or
 * malformed is refused with one line that names the option.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/debug_exit.h"
#include "lintas/chardev.h"
#include "lintas/log.h"
#include "vm/options.h"

#ifndef LINTAS_VERSION
#define LINTAS_VERSION "unknown"
#endif

struct parser {
    struct options *o;
    FILE *out;
    char *err;
    size_t errlen;
    unsigned serial_count; /* -serial options so far: the next one is COM(n+1) */
    bool debugcon_given;
    bool device_given;
};

typedef enum options_result (*option_fn)(struct parser *p, const char *name, const char *arg);

#define FAIL(p, ...) (snprintf((p)->err, (p)->errlen, __VA_ARGS__), OPTIONS_ERROR)

int options_parse_size(const char *s, unsigned long long default_unit, unsigned long long *out)
{
    unsigned long long whole = 0, frac = 0, frac_div = 1;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        if (whole > (~0ull - 9) / 10)
            return -1;
        whole = whole * 10 + (unsigned long long)(*p - '0');
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++) {
            if (frac_div >= 1000000000ull)
                continue; /* finer than a billionth of a unit changes nothing */
            frac = frac * 10 + (unsigned long long)(*p - '0');
            frac_div *= 10;
        }
    }
    unsigned long long unit = default_unit;
    if (*p) {
        static const char suffixes[] = "KMGT";
        const char *sfx = strchr(suffixes, toupper((unsigned char)*p));
        if (!sfx || p[1])
            return -1;
        unit = 1ull << (10 * (sfx - suffixes + 1));
    }
    if (whole > ~0ull / unit)
        return -1;
    unsigned long long v = whole * unit;
    unsigned long long f = frac * (unit / frac_div) + frac * (unit % frac_div) / frac_div;
    if (v > ~0ull - f)
        return -1;
    *out = v + f;
    return 0;
}

static enum options_result opt_m(struct parser *p, const char *name, const char *arg)
{
    const char *s = strncmp(arg, "size=", 5) == 0 ? arg + 5 : arg;
    unsigned long long size;
    if (options_parse_size(s, 1ull << 20, &size) < 0)
        return FAIL(p, "%s: invalid size '%s'", name, arg);
    if (size == 0)
        return FAIL(p, "%s: RAM size must not be zero", name);
    if (size > MACHINE_MAX_RAM)
        return FAIL(p, "%s: %s is more than the %llu MiB this machine supports", name, arg,
                    MACHINE_MAX_RAM >> 20);
    p->o->machine.ram_size = size;
    return OPTIONS_RUN;
}

static enum options_result opt_kernel(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    p->o->machine.kernel_path = arg;
    p->o->builtin_guest = false;
    return OPTIONS_RUN;
}

static enum options_result opt_append(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    p->o->machine.append = arg;
    return OPTIONS_RUN;
}

static enum options_result opt_initrd(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    p->o->machine.initrd = arg;
    return OPTIONS_RUN;
}

/* A back end for -serial or -debugcon: NULL for none, else a spec
 * chardev_open will take. */
static enum options_result parse_backend(struct parser *p, const char *name, const char *arg,
                                         const char **out)
{
    if (strcmp(arg, "help") == 0) {
        fprintf(p->out, "Available back ends:\nstdio\nfile:PATH\npty\n"
                        "tcp:HOST:PORT[,server][,wait=off|,nowait]\nnull\nnone\n");
        return OPTIONS_DONE;
    }
    if (strcmp(arg, "none") == 0) {
        *out = NULL;
        return OPTIONS_RUN;
    }
    if (chardev_check(arg, name, p->err, p->errlen) < 0)
        return OPTIONS_ERROR;
    *out = arg;
    return OPTIONS_RUN;
}

static enum options_result opt_serial(struct parser *p, const char *name, const char *arg)
{
    const char **serial = p->o->machine.serial;
    if (p->serial_count == MACHINE_SERIAL_PORTS)
        return FAIL(p, "%s: this machine has two serial ports", name);
    if (p->serial_count == 0)
        serial[0] = NULL; /* the first -serial replaces the default */
    /* Two ports reading one stdin would split its input between them. */
    if (strcmp(arg, "stdio") == 0 && serial[0] && strcmp(serial[0], "stdio") == 0)
        return FAIL(p, "%s: stdio is already COM1's back end", name);
    return parse_backend(p, name, arg, &serial[p->serial_count++]);
}

static enum options_result opt_debugcon(struct parser *p, const char *name, const char *arg)
{
    if (p->debugcon_given)
        return FAIL(p, "%s: given twice", name);
    p->debugcon_given = true;
    return parse_backend(p, name, arg, &p->o->machine.debugcon);
}

static enum options_result opt_bios(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    p->o->machine.bios_path = arg;
    p->o->builtin_guest = false;
    return OPTIONS_RUN;
}

static enum options_result opt_display(struct parser *p, const char *name, const char *arg)
{
    if (strcmp(arg, "help") == 0) {
        fprintf(p->out, "Available displays:\nnone\n");
        return OPTIONS_DONE;
    }
    if (strcmp(arg, "none") != 0)
        return FAIL(p, "%s: '%s' is not available (only 'none' is)", name, arg);
    return OPTIONS_RUN;
}

static enum options_result opt_nographic(struct parser *p, const char *name, const char *arg)
{
    /* No window exists yet and COM1 already defaults to stdio. */
    (void)p;
    (void)name;
    (void)arg;
    return OPTIONS_RUN;
}

/* "0xf4" or "244", all of it, at most max. */
static bool parse_number(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return false;
    unsigned long v = strtoul(s, &end, 0);
    if (*end || v > max)
        return false;
    *out = v;
    return true;
}

static enum options_result opt_device(struct parser *p, const char *name, const char *arg)
{
    size_t len = strcspn(arg, ",");
    if (strcmp(arg, "help") == 0) {
        fprintf(p->out, "Available devices:\nisa-debug-exit  iobase=PORT (default 0x%x), iosize=N (default 0x%x)\n",
                DEBUG_EXIT_DEFAULT_BASE, DEBUG_EXIT_DEFAULT_SIZE);
        return OPTIONS_DONE;
    }
    if (len != strlen("isa-debug-exit") || strncmp(arg, "isa-debug-exit", len) != 0)
        return FAIL(p, "%s: unknown device '%.*s' (available: isa-debug-exit)", name, (int)len, arg);
    if (p->device_given)
        return FAIL(p, "%s: isa-debug-exit given twice", name);
    p->device_given = true;

    unsigned long base = DEBUG_EXIT_DEFAULT_BASE, size = DEBUG_EXIT_DEFAULT_SIZE;
    const char *prop = arg + len;
    while (*prop == ',') {
        prop++;
        size_t plen = strcspn(prop, ",");
        const char *eq = memchr(prop, '=', plen);
        size_t klen = eq ? (size_t)(eq - prop) : plen;
        unsigned long *dst = NULL;
        if (klen == 6 && strncmp(prop, "iobase", 6) == 0)
            dst = &base;
        else if (klen == 6 && strncmp(prop, "iosize", 6) == 0)
            dst = &size;
        if (!dst)
            return FAIL(p, "%s: isa-debug-exit has no property '%.*s' (it has iobase, iosize)", name,
                        (int)klen, prop);
        char value[32] = "";
        size_t vlen = eq ? plen - klen - 1 : 0;
        if (eq && vlen < sizeof(value))
            memcpy(value, eq + 1, vlen);
        if (!eq || vlen >= sizeof(value) || !parse_number(value, 0xffff, dst))
            return FAIL(p, "%s: invalid value '%.*s' for isa-debug-exit's %.*s", name,
                        (int)(eq ? vlen : 0), eq ? eq + 1 : "", (int)klen, prop);
        prop += plen;
    }
    if (size == 0 || base + size > 0x10000)
        return FAIL(p, "%s: isa-debug-exit ports 0x%lx+0x%lx do not fit in the I/O space", name, base,
                    size);
    p->o->machine.debug_exit = true;
    p->o->machine.debug_exit_base = (uint16_t)base;
    p->o->machine.debug_exit_size = (uint32_t)size;
    return OPTIONS_RUN;
}

static enum options_result opt_accel(struct parser *p, const char *name, const char *arg)
{
    if (strcmp(arg, "help") == 0) {
        fprintf(p->out, "Available accelerators:\ninterp\n");
        return OPTIONS_DONE;
    }
    if (strcmp(arg, "interp") != 0)
        return FAIL(p, "%s: '%s' is not available (only 'interp' is)", name, arg);
    return OPTIONS_RUN;
}

static enum options_result opt_d(struct parser *p, const char *name, const char *arg)
{
    if (strcmp(arg, "help") == 0) {
        log_print_help(p->out);
        return OPTIONS_DONE;
    }
    const char *bad;
    size_t bad_len;
    unsigned mask;
    if (log_parse_mask(arg, &mask, &bad, &bad_len) < 0)
        return FAIL(p, "%s: unknown log item '%.*s' (see -d help)", name, (int)bad_len, bad);
    p->o->machine.log_mask = mask;
    return OPTIONS_RUN;
}

static enum options_result opt_D(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    p->o->machine.log_file = arg;
    return OPTIONS_RUN;
}

static enum options_result opt_no_reboot(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    (void)arg;
    p->o->machine.no_reboot = true;
    return OPTIONS_RUN;
}

/* One "key=value" (or bare "key") item of a comma-separated list: the
 * cursor moves past it and its comma. */
struct suboption {
    const char *key, *value;
    size_t key_len, value_len;
    bool has_value;
};

static bool next_suboption(const char **cursor, struct suboption *so)
{
    const char *s = *cursor;
    if (!s)
        return false;
    size_t len = strcspn(s, ",");
    const char *eq = memchr(s, '=', len);
    so->has_value = eq != NULL;
    so->key = s;
    so->key_len = eq ? (size_t)(eq - s) : len;
    so->value = eq ? eq + 1 : s + len;
    so->value_len = eq ? len - so->key_len - 1 : 0;
    *cursor = s[len] == ',' ? s + len + 1 : NULL;
    return true;
}

/* len decimal digits, all of them, at most max. */
static bool parse_decimal(const char *s, size_t len, unsigned long long max,
                          unsigned long long *out)
{
    unsigned long long v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]) || v > (max - (unsigned)(s[i] - '0')) / 10)
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

static bool key_is(const struct suboption *so, const char *key)
{
    return so->key_len == strlen(key) && strncmp(so->key, key, so->key_len) == 0;
}

static bool value_is(const struct suboption *so, const char *value)
{
    return so->value_len == strlen(value) && strncmp(so->value, value, so->value_len) == 0;
}

/* Exactly n decimal digits at s; their value in *out. */
static bool digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

/* QEMU's -rtc base= dates, "2006-06-17T16:01:21" or "2006-06-17", as UTC. */
static bool parse_rtc_date(const char *s, size_t len, int64_t *out)
{
    static const int month_days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (len != 10 && len != 19)
        return false;
    if (!digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &month) || s[7] != '-' ||
        !digits(s + 8, 2, &day))
        return false;
    if (len == 19 && (s[10] != 'T' || !digits(s + 11, 2, &hour) || s[13] != ':' ||
                      !digits(s + 14, 2, &minute) || s[16] != ':' || !digits(s + 17, 2, &second)))
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1] ||
        (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 59)
        return false;
    struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                     .tm_hour = hour, .tm_min = minute, .tm_sec = second };
    *out = (int64_t)timegm(&tm);
    return true;
}

static enum options_result opt_rtc(struct parser *p, const char *name, const char *arg)
{
    struct machine_config *mc = &p->o->machine;
    struct suboption so;
    for (const char *cursor = arg; next_suboption(&cursor, &so);) {
        if (key_is(&so, "base")) {
            if (value_is(&so, "utc")) {
                mc->rtc_base = MACHINE_RTC_UTC;
            } else if (value_is(&so, "localtime")) {
                mc->rtc_base = MACHINE_RTC_LOCALTIME;
            } else if (parse_rtc_date(so.value, so.value_len, &mc->rtc_date)) {
                mc->rtc_base = MACHINE_RTC_DATE;
            } else {
                return FAIL(p,
                            "%s: invalid base '%.*s' (utc, localtime, or a date as 2006-06-17T16:01:21 or 2006-06-17)",
                            name, (int)so.value_len, so.value);
            }
        } else if (key_is(&so, "clock")) {
            /* The RTC follows the machine's virtual clock whatever is asked. */
            if (!value_is(&so, "host") && !value_is(&so, "rt") && !value_is(&so, "vm"))
                return FAIL(p, "%s: invalid clock '%.*s' (host, rt, vm)", name, (int)so.value_len,
                            so.value);
        } else if (key_is(&so, "driftfix")) {
            if (!value_is(&so, "none") && !value_is(&so, "slew"))
                return FAIL(p, "%s: invalid driftfix '%.*s' (none, slew)", name,
                            (int)so.value_len, so.value);
        } else {
            return FAIL(p, "%s: unknown suboption '%.*s' (base, clock, driftfix)", name,
                        (int)so.key_len, so.key);
        }
    }
    return OPTIONS_RUN;
}

static enum options_result opt_icount(struct parser *p, const char *name, const char *arg)
{
    int shift = -1;
    struct suboption so;
    for (const char *cursor = arg; next_suboption(&cursor, &so);) {
        if (!so.has_value && so.key == arg) {
            /* A bare first item is the shift, as in "-icount 5". */
            so = (struct suboption){ .key = "shift", .key_len = 5, .value = arg,
                                     .value_len = so.key_len, .has_value = true };
        }
        unsigned long long n;
        if (key_is(&so, "shift")) {
            if (value_is(&so, "auto"))
                return FAIL(p, "%s: shift=auto is not supported", name);
            if (!parse_decimal(so.value, so.value_len, 30, &n))
                return FAIL(p, "%s: invalid shift '%.*s' (0 to 30)", name, (int)so.value_len,
                            so.value);
            shift = (int)n;
        } else if (key_is(&so, "sleep")) {
            /* The clock jumps over idle time either way. */
            if (!value_is(&so, "on") && !value_is(&so, "off"))
                return FAIL(p, "%s: invalid sleep '%.*s' (on, off)", name, (int)so.value_len,
                            so.value);
        } else if (key_is(&so, "align")) {
            if (!value_is(&so, "off"))
                return FAIL(p, "%s: align=%.*s is not supported", name, (int)so.value_len,
                            so.value);
        } else {
            return FAIL(p, "%s: unknown suboption '%.*s' (shift, sleep, align)", name,
                        (int)so.key_len, so.key);
        }
    }
    if (shift < 0)
        return FAIL(p, "%s: needs shift=N", name);
    p->o->machine.icount_shift = shift;
    return OPTIONS_RUN;
}

static enum options_result opt_incoming(struct parser *p, const char *name, const char *arg)
{
    if (strncmp(arg, "file:", 5) != 0)
        return FAIL(p, "%s: only file:PATH is supported", name);
    if (arg[5] == '\0')
        return FAIL(p, "%s: 'file:' needs a path", name);
    p->o->incoming = arg + 5;
    return OPTIONS_RUN;
}

/* icount=N,file=PATH: PATH is the rest of the argument, commas and all. */
static enum options_result opt_save_state(struct parser *p, const char *name, const char *arg)
{
    const char *file = strstr(arg, ",file=");
    if (!file || strncmp(arg, "icount=", 7) != 0 || file < arg + 7 || !file[6])
        return FAIL(p, "%s: expected icount=N,file=PATH", name);
    unsigned long long n;
    size_t len = (size_t)(file - (arg + 7));
    if (!parse_decimal(arg + 7, len, ~0ull, &n) || n == 0)
        return FAIL(p, "%s: invalid instruction count '%.*s' (1 or more)", name, (int)len, arg + 7);
    p->o->save_at_icount = n;
    p->o->save_path = file + 6;
    return OPTIONS_RUN;
}

static enum options_result opt_print_icount(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    (void)arg;
    p->o->print_icount = true;
    return OPTIONS_RUN;
}

static enum options_result opt_help(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    (void)arg;
    fputs("Usage: lintas [options]\n"
          "\n"
          "Without -kernel or -bios, lintas boots its built-in demonstration guest.\n"
          "\n"
          "  -m SIZE              RAM size (plain number: MiB; suffixes K, M, G), default 128M\n"
          "  -kernel FILE         boot the Multiboot kernel FILE (ELF or a.out kludge)\n"
          "  -append STRING       kernel command line\n"
          "  -initrd 'FILE [ARGS],...'  Multiboot modules (',,' for a literal comma)\n"
          "  -bios FILE           firmware image (default " MACHINE_DEFAULT_BIOS ")\n"
          "  -serial DEV          next serial port's back end (COM1, then COM2); default\n"
          "                       COM1 on stdio. DEV: stdio, file:PATH, pty, null, none,\n"
          "                       tcp:HOST:PORT[,server][,wait=off|,nowait]\n"
          "  -debugcon DEV        debug console (port 0x402) back end, as for -serial\n"
          "  -rtc [base=utc|localtime|DATE][,clock=host|rt|vm][,driftfix=none|slew]\n"
          "                       RTC start time; DATE as 2006-06-17T16:01:21 or 2006-06-17\n"
          "  -icount [shift=]N[,sleep=on|off]\n"
          "                       deterministic time: 2^N ns per instruction (N 0 to 30)\n"
          "  -incoming file:PATH  resume the machine state saved in PATH\n"
          "  -display none        no display (the only one available)\n"
          "  -nographic           no display; COM1 on stdio\n"
          "  -device isa-debug-exit[,iobase=PORT][,iosize=N]\n"
          "                       writing V to the ports exits with status (V << 1) | 1\n"
          "  -accel interp        run the guest in the interpreter (the only accelerator)\n"
          "  -no-reboot           stop instead of resetting when the guest triple-faults\n"
          "  -d ITEM,...          log items (-d help lists them)\n"
          "  -D FILE              write the log to FILE instead of stderr\n"
          "  -h, -help            show this help\n"
          "  -version             show the version\n",
          p->out);
    return OPTIONS_DONE;
}

static enum options_result opt_version(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    (void)arg;
    fprintf(p->out, "lintas version %s\n", LINTAS_VERSION);
    return OPTIONS_DONE;
}

static const struct {
    const char *name;
    bool has_arg;
    option_fn fn;
} option_table[] = {
    { "m", true, opt_m },
    { "kernel", true, opt_kernel },
    { "append", true, opt_append },
    { "initrd", true, opt_initrd },
    { "bios", true, opt_bios },
    { "serial", true, opt_serial },
    { "debugcon", true, opt_debugcon },
    { "display", true, opt_display },
    { "nographic", false, opt_nographic },
    { "device", true, opt_device },
    { "accel", true, opt_accel },
    { "d", true, opt_d },
    { "D", true, opt_D },
    { "no-reboot", false, opt_no_reboot },
    { "rtc", true, opt_rtc },
    { "icount", true, opt_icount },
    { "incoming", true, opt_incoming },
    { "save-state", true, opt_save_state },
    { "print-icount", false, opt_print_icount },
    { "h", false, opt_help },
    { "help", false, opt_help },
    { "version", false, opt_version },
};

enum options_result options_parse(int argc, char **argv, struct options *o, FILE *out, char *err,
                                  size_t errlen)
{
    *o = (struct options){
        .machine = { .ram_size = OPTIONS_DEFAULT_RAM, .serial = { "stdio" }, .icount_shift = -1 },
        .builtin_guest = true,
    };
    struct parser p = { .o = o, .out = out, .err = err, .errlen = errlen };

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            return FAIL(&p, "unexpected argument '%s' (options start with '-')", a);
        const char *n = a + 1 + (a[1] == '-');
        size_t k;
        for (k = 0; k < sizeof(option_table) / sizeof(option_table[0]); k++)
            if (strcmp(n, option_table[k].name) == 0)
                break;
        if (k == sizeof(option_table) / sizeof(option_table[0]))
            return FAIL(&p, "unknown option '%s' (see -help)", a);
        const char *arg = NULL;
        if (option_table[k].has_arg) {
            if (i + 1 >= argc)
                return FAIL(&p, "%s: missing argument", a);
            arg = argv[++i];
        }
        enum options_result r = option_table[k].fn(&p, a, arg);
        if (r != OPTIONS_RUN)
            return r;
    }
    if (!o->machine.kernel_path && o->machine.append)
        return FAIL(&p, "-append: needs -kernel");
    if (!o->machine.kernel_path && o->machine.initrd)
        return FAIL(&p, "-initrd: needs -kernel");
    return OPTIONS_RUN;
}
