/* Command-line parsing: sizes, defaults, and one clear line per mistake. */
#include <stdio.h>
#include <string.h>

#include "vm/options.h"

static int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                      \
        }                                                                    \
    } while (0)

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

static void test_sizes(void)
{
    unsigned long long v;
    CHECK(options_parse_size("64", 1ull << 20, &v) == 0 && v == 64ull << 20);
    CHECK(options_parse_size("64M", 1, &v) == 0 && v == 64ull << 20);
    CHECK(options_parse_size("2g", 1, &v) == 0 && v == 2ull << 30);
    CHECK(options_parse_size("512K", 1, &v) == 0 && v == 512ull << 10);
    CHECK(options_parse_size("1.5G", 1, &v) == 0 && v == 3ull << 29);
    CHECK(options_parse_size("0.25M", 1, &v) == 0 && v == 1ull << 18);
    CHECK(options_parse_size("1T", 1, &v) == 0 && v == 1ull << 40);
    CHECK(options_parse_size("", 1, &v) < 0);
    CHECK(options_parse_size("M", 1, &v) < 0);
    CHECK(options_parse_size("-1", 1, &v) < 0);
    CHECK(options_parse_size("1.", 1, &v) < 0);
    CHECK(options_parse_size("1MB", 1, &v) < 0);
    CHECK(options_parse_size("1 M", 1, &v) < 0);
    CHECK(options_parse_size("99999999999999999999", 1, &v) < 0);
    CHECK(options_parse_size("99999999999T", 1, &v) < 0);
}

static void test_defaults(void)
{
    CHECK(parse(NULL, NULL, NULL, NULL) == OPTIONS_RUN);
    CHECK(opts.builtin_guest);
    CHECK(opts.machine.ram_size == 128ull << 20);
    CHECK(strcmp(opts.machine.serial, "stdio") == 0);
    CHECK(!opts.machine.debug_exit && !opts.machine.no_reboot && opts.machine.log_mask == 0);
}

static void test_accepted(void)
{
    CHECK(parse("-m", "size=1.5G", "--kernel", "k") == OPTIONS_RUN);
    CHECK(opts.machine.ram_size == 3ull << 29);
    CHECK(!opts.builtin_guest && strcmp(opts.machine.kernel_path, "k") == 0);

    CHECK(parse("-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", NULL) == OPTIONS_RUN);
    CHECK(opts.machine.debug_exit && opts.machine.debug_exit_base == 0xf4 &&
          opts.machine.debug_exit_size == 4 && opts.machine.no_reboot);
    CHECK(parse("-device", "isa-debug-exit", NULL, NULL) == OPTIONS_RUN);
    CHECK(opts.machine.debug_exit_base == 0x501 && opts.machine.debug_exit_size == 2);

    CHECK(parse("-serial", "none", "-display", "none") == OPTIONS_RUN);
    CHECK(opts.machine.serial == NULL);
    CHECK(parse("-serial", "file:out.txt", "-accel", "interp") == OPTIONS_RUN);
    CHECK(strcmp(opts.machine.serial, "file:out.txt") == 0);

    CHECK(parse("-d", "int,guest_errors", "-D", "log.txt") == OPTIONS_RUN);
    CHECK(opts.machine.log_mask == (LOG_INT | LOG_GUEST_ERRORS));
    CHECK(strcmp(opts.machine.log_file, "log.txt") == 0);

    CHECK(parse("-kernel", "k", "-initrd", "a,b") == OPTIONS_RUN);
    CHECK(strcmp(opts.machine.initrd, "a,b") == 0);

    CHECK(parse("-help", NULL, NULL, NULL) == OPTIONS_DONE);
    CHECK(parse("-d", "help", NULL, NULL) == OPTIONS_DONE);
    CHECK(parse("-device", "help", NULL, NULL) == OPTIONS_DONE);
}

static void expect_error(const char *a0, const char *a1, const char *a2, const char *a3,
                         const char *message)
{
    if (parse(a0, a1, a2, a3) != OPTIONS_ERROR || strcmp(err, message) != 0) {
        fprintf(stderr, "%s %s: got '%s', expected '%s'\n", a0, a1 ? a1 : "", err, message);
        failures++;
    }
}

static void test_errors(void)
{
    expect_error("-m", "abc", NULL, NULL, "-m: invalid size 'abc'");
    expect_error("-m", "4097M", NULL, NULL, "-m: 4097M is more than the 4 GiB this machine supports");
    expect_error("-m", NULL, NULL, NULL, "-m: missing argument");
    expect_error("-kernel", "k", "-d", NULL, "-d: missing argument");
    expect_error("-x", NULL, NULL, NULL, "unknown option '-x' (see -help)");
    expect_error("-", NULL, NULL, NULL, "unexpected argument '-' (options start with '-')");
    expect_error("-serial", "stdio", "-serial", "stdio", "-serial: this machine has only one serial port");
    expect_error("-serial", "file:", NULL, NULL, "-serial: 'file:' needs a path");
    expect_error("-device", "isa-debug-exit,iobase", NULL, NULL,
                 "-device: invalid value '' for isa-debug-exit's iobase");
    expect_error("-device", "isa-debug-exit,iobase=0x10000", NULL, NULL,
                 "-device: invalid value '0x10000' for isa-debug-exit's iobase");
    expect_error("-device", "isa-debug-exit,iobase=0xffff,iosize=2", NULL, NULL,
                 "-device: isa-debug-exit ports 0xffff+0x2 do not fit in the I/O space");
    expect_error("-device", "isa-debug-exit", "-device", "isa-debug-exit",
                 "-device: isa-debug-exit given twice");
    expect_error("-device", "isa-debug-exitx", NULL, NULL,
                 "-device: unknown device 'isa-debug-exitx' (available: isa-debug-exit)");
    expect_error("-d", "", NULL, NULL, "-d: unknown log item '' (see -d help)");
    expect_error("-initrd", "m", NULL, NULL, "-initrd: needs -kernel");
    expect_error("-accel", "kvm", NULL, NULL, "-accel: 'kvm' is not available (only 'interp' is)");
}

int main(void)
{
    test_sizes();
    test_defaults();
    test_accepted();
    test_errors();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
