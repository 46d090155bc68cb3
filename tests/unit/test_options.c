/* Command-line parsing: sizes, defaults, and one clear line per mistake. */
#include <stdio.h>
#include <string.h>

#include "unit_check.h"
#include "vm/options.h"

static struct options opts;
static char err[256];

static enum options_result parse(const char *a0, const char *a1, const char *a2, const char *a3)
{
    char *argv[] = { "lintas", (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL };
    int argc = 1;
    while (argv[argc])
        argc++;
    FILE *out = fopen("/dev/null", "w");
    enum options_result r = options_parse(argc, argv, &opts, out, err, sizeof(err));
    fclose(out);
    return r;
}

static void test_sizes(struct unit_tally *t)
{
    unsigned long long v;
    CHECK(t, options_parse_size("64", 1ull << 20, &v) == 0 && v == 64ull << 20);
    CHECK(t, options_parse_size("64M", 1, &v) == 0 && v == 64ull << 20);
    CHECK(t, options_parse_size("2g", 1, &v) == 0 && v == 2ull << 30);
    CHECK(t, options_parse_size("512K", 1, &v) == 0 && v == 512ull << 10);
    CHECK(t, options_parse_size("1.5G", 1, &v) == 0 && v == 3ull << 29);
    CHECK(t, options_parse_size("0.25M", 1, &v) == 0 && v == 1ull << 18);
    CHECK(t, options_parse_size("1T", 1, &v) == 0 && v == 1ull << 40);
    CHECK(t, options_parse_size("", 1, &v) < 0);
    CHECK(t, options_parse_size("M", 1, &v) < 0);
    CHECK(t, options_parse_size("-1", 1, &v) < 0);
    CHECK(t, options_parse_size("1.", 1, &v) < 0);
    CHECK(t, options_parse_size("1MB", 1, &v) < 0);
    CHECK(t, options_parse_size("1 M", 1, &v) < 0);
    CHECK(t, options_parse_size("99999999999999999999", 1, &v) < 0);
    CHECK(t, options_parse_size("99999999999T", 1, &v) < 0);
}

static void test_defaults(struct unit_tally *t)
{
    CHECK(t, parse(NULL, NULL, NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.builtin_guest);
    CHECK(t, opts.machine.ram_size == 128ull << 20);
    CHECK(t, strcmp(opts.machine.serial, "stdio") == 0);
    CHECK(t, !opts.machine.debug_exit && !opts.machine.no_reboot && opts.machine.log_mask == 0);
}

static void test_accepted(struct unit_tally *t)
{
    CHECK(t, parse("-m", "size=1.5G", "--kernel", "k") == OPTIONS_RUN);
    CHECK(t, opts.machine.ram_size == 3ull << 29);
    CHECK(t, !opts.builtin_guest && strcmp(opts.machine.kernel_path, "k") == 0);

    CHECK(t, parse("-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", NULL) ==
             OPTIONS_RUN);
    CHECK(t, opts.machine.debug_exit && opts.machine.debug_exit_base == 0xf4 &&
             opts.machine.debug_exit_size == 4 && opts.machine.no_reboot);
    CHECK(t, parse("-device", "isa-debug-exit", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.machine.debug_exit_base == 0x501 && opts.machine.debug_exit_size == 2);

    CHECK(t, parse("-serial", "none", "-display", "none") == OPTIONS_RUN);
    CHECK(t, opts.machine.serial == NULL);
    CHECK(t, parse("-serial", "file:out.txt", "-accel", "interp") == OPTIONS_RUN);
    CHECK(t, strcmp(opts.machine.serial, "file:out.txt") == 0);

    CHECK(t, parse("-d", "int,guest_errors", "-D", "log.txt") == OPTIONS_RUN);
    CHECK(t, opts.machine.log_mask == (LOG_INT | LOG_GUEST_ERRORS));
    CHECK(t, strcmp(opts.machine.log_file, "log.txt") == 0);

    CHECK(t, parse("-kernel", "k", "-initrd", "a,b") == OPTIONS_RUN);
    CHECK(t, strcmp(opts.machine.initrd, "a,b") == 0);

    CHECK(t, parse("-help", NULL, NULL, NULL) == OPTIONS_DONE);
    CHECK(t, parse("-d", "help", NULL, NULL) == OPTIONS_DONE);
    CHECK(t, parse("-device", "help", NULL, NULL) == OPTIONS_DONE);
}

/* Command lines that must be refused, with the one line that says why. */
static const struct {
    const char *args[4];
    const char *message;
} bad_command_lines[] = {
    { { "-m", "abc" }, "-m: invalid size 'abc'" },
    { { "-m", "4097M" }, "-m: 4097M is more than the 4 GiB this machine supports" },
    { { "-m" }, "-m: missing argument" },
    { { "-kernel", "k", "-d" }, "-d: missing argument" },
    { { "-x" }, "unknown option '-x' (see -help)" },
    { { "-" }, "unexpected argument '-' (options start with '-')" },
    { { "-serial", "stdio", "-serial", "stdio" },
      "-serial: this machine has only one serial port" },
    { { "-serial", "file:" }, "-serial: 'file:' needs a path" },
    { { "-device", "isa-debug-exit,iobase" },
      "-device: invalid value '' for isa-debug-exit's iobase" },
    { { "-device", "isa-debug-exit,iobase=0x10000" },
      "-device: invalid value '0x10000' for isa-debug-exit's iobase" },
    { { "-device", "isa-debug-exit,iobase=0xffff,iosize=2" },
      "-device: isa-debug-exit ports 0xffff+0x2 do not fit in the I/O space" },
    { { "-device", "isa-debug-exit", "-device", "isa-debug-exit" },
      "-device: isa-debug-exit given twice" },
    { { "-device", "isa-debug-exitx" },
      "-device: unknown device 'isa-debug-exitx' (available: isa-debug-exit)" },
    { { "-d", "" }, "-d: unknown log item '' (see -d help)" },
    { { "-initrd", "m" }, "-initrd: needs -kernel" },
    { { "-accel", "kvm" }, "-accel: 'kvm' is not available (only 'interp' is)" },
};

static void test_errors(struct unit_tally *t)
{
    for (size_t i = 0; i < sizeof(bad_command_lines) / sizeof(bad_command_lines[0]); i++) {
        const char *const *a = bad_command_lines[i].args;
        const char *message = bad_command_lines[i].message;
        enum options_result r = parse(a[0], a[1], a[2], a[3]);
        CHECK_MSG(t, r == OPTIONS_ERROR && strcmp(err, message) == 0,
                  "%s %s: got '%s', expected '%s'", a[0], a[1] ? a[1] : "", err, message);
    }
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    test_sizes(&t);
    test_defaults(&t);
    test_accepted(&t);
    test_errors(&t);
    return UNIT_REPORT(&t);
}
