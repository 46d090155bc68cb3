/*
 * Command-line parsing. Options take QEMU's names and syntax where the
 * concept is the same, with one or two leading dashes. Anything unknown or
 * malformed is refused with one line that names the option.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hw/debug_exit.h"
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
    bool serial_given;
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
        return FAIL(p, "%s: %s is more than the 4 GiB this machine supports", name, arg);
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

static enum options_result opt_serial(struct parser *p, const char *name, const char *arg)
{
    if (p->serial_given)
        return FAIL(p, "%s: this machine has only one serial port", name);
    p->serial_given = true;
    if (strcmp(arg, "none") == 0) {
        p->o->machine.serial = NULL;
        return OPTIONS_RUN;
    }
    if (strcmp(arg, "stdio") != 0 && strcmp(arg, "null") != 0 && strncmp(arg, "file:", 5) != 0)
        return FAIL(p, "%s: unknown back end '%s' (available: stdio, file:PATH, null, none)", name,
                    arg);
    if (strcmp(arg, "file:") == 0)
        return FAIL(p, "%s: 'file:' needs a path", name);
    p->o->machine.serial = arg;
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

static enum options_result opt_icount(struct parser *p, const char *name, const char *arg)
{
    (void)arg;
    return FAIL(p, "%s: not supported yet", name);
}

static enum options_result opt_help(struct parser *p, const char *name, const char *arg)
{
    (void)name;
    (void)arg;
    fputs("Usage: lintas [options]\n"
          "\n"
          "Without -kernel, lintas boots its built-in demonstration guest.\n"
          "\n"
          "  -m SIZE              RAM size (plain number: MiB; suffixes K, M, G), default 128M\n"
          "  -kernel FILE         boot the Multiboot kernel FILE (ELF or a.out kludge)\n"
          "  -append STRING       kernel command line\n"
          "  -initrd 'FILE [ARGS],...'  Multiboot modules (',,' for a literal comma)\n"
          "  -serial DEV          COM1 back end: stdio (default), file:PATH, null, none\n"
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
    { "serial", true, opt_serial },
    { "display", true, opt_display },
    { "nographic", false, opt_nographic },
    { "device", true, opt_device },
    { "accel", true, opt_accel },
    { "d", true, opt_d },
    { "D", true, opt_D },
    { "no-reboot", false, opt_no_reboot },
    { "icount", true, opt_icount },
    { "h", false, opt_help },
    { "help", false, opt_help },
    { "version", false, opt_version },
};

enum options_result options_parse(int argc, char **argv, struct options *o, FILE *out, char *err,
                                  size_t errlen)
{
    *o = (struct options){
        .machine = { .ram_size = OPTIONS_DEFAULT_RAM, .serial = "stdio" },
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
    if (o->builtin_guest && o->machine.append)
        return FAIL(&p, "-append: needs -kernel");
    if (o->builtin_guest && o->machine.initrd)
        return FAIL(&p, "-initrd: needs -kernel");
    return OPTIONS_RUN;
}
