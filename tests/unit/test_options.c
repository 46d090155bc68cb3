/* Command-line parsing: sizes, defaults, and one clear line per mistake. */
#include <stdio.h>
#include <string.h>

#include "unit_check.h"
#include "vm/options.h"

static struct options opts;
static char err[256];

#define MAX_ARGS 6

/* args: up to MAX_ARGS options, the first NULL ending them. */
static enum options_result parse_args(const char *const *args)
{
    char *argv[MAX_ARGS + 2] = { "lintas" };
    int argc = 1;
    while (argc <= MAX_ARGS && args[argc - 1]) {
        argv[argc] = (char *)args[argc - 1];
        argc++;
    }
    FILE *out = fopen("/dev/null", "w");
    enum options_result r = options_parse(argc, argv, &opts, out, err, sizeof(err));
    fclose(out);
    return r;
}

static enum options_result parse(const char *a0, const char *a1, const char *a2, const char *a3)
{
    const char *args[MAX_ARGS] = { a0, a1, a2, a3 };
    return parse_args(args);
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
    CHECK(t, strcmp(opts.machine.serial[0], "stdio") == 0 && opts.machine.serial[1] == NULL);
    CHECK(t, !opts.machine.debug_exit && !opts.machine.no_reboot && opts.machine.log_mask == 0);
    CHECK(t, opts.machine.debugcon == NULL && opts.machine.bios_path == NULL);
    CHECK(t, opts.machine.rtc_base == MACHINE_RTC_UTC && opts.machine.icount_shift == -1);
    CHECK(t, !opts.incoming && !opts.save_at_icount && !opts.save_path && !opts.print_icount);
}

static void test_accepted(struct unit_tally *t)
{
    CHECK(t, parse("-m", "size=1.5G", "--kernel", "k") == OPTIONS_RUN);
    CHECK(t, opts.machine.ram_size == 3ull << 29);
    CHECK(t, !opts.builtin_guest && strcmp(opts.machine.kernel_path, "k") == 0);
    CHECK(t, parse("-m", "3584M", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.machine.ram_size == MACHINE_MAX_RAM);

    CHECK(t, parse("-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", NULL) ==
             OPTIONS_RUN);
    CHECK(t, opts.machine.debug_exit && opts.machine.debug_exit_base == 0xf4 &&
             opts.machine.debug_exit_size == 4 && opts.machine.no_reboot);
    CHECK(t, parse("-device", "isa-debug-exit", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.machine.debug_exit_base == 0x501 && opts.machine.debug_exit_size == 2);

    CHECK(t, parse("-serial", "none", "-display", "none") == OPTIONS_RUN);
    CHECK(t, opts.machine.serial[0] == NULL && opts.machine.serial[1] == NULL);
    CHECK(t, parse("-serial", "file:out.txt", "-accel", "interp") == OPTIONS_RUN);
    CHECK(t, strcmp(opts.machine.serial[0], "file:out.txt") == 0 && opts.machine.serial[1] == NULL);

    CHECK(t, parse("-d", "int,guest_errors", "-D", "log.txt") == OPTIONS_RUN);
    CHECK(t, opts.machine.log_mask == (LOG_INT | LOG_GUEST_ERRORS));
    CHECK(t, strcmp(opts.machine.log_file, "log.txt") == 0);

    CHECK(t, parse("-kernel", "k", "-initrd", "a,b") == OPTIONS_RUN);
    CHECK(t, strcmp(opts.machine.initrd, "a,b") == 0);

    CHECK(t, parse("-kernel", "k", "-append", "quiet") == OPTIONS_RUN);
    CHECK(t, parse("-help", NULL, NULL, NULL) == OPTIONS_DONE);
    CHECK(t, parse("-serial", "help", NULL, NULL) == OPTIONS_DONE);
    CHECK(t, parse("-d", "help", NULL, NULL) == OPTIONS_DONE);
    CHECK(t, parse("-device", "help", NULL, NULL) == OPTIONS_DONE);
}

/* -help lists the public options and not those for tests. */
static void test_help(struct unit_tally *t)
{
    char *argv[] = { "lintas", "-help", NULL };
    char text[4096] = "";
    FILE *out = tmpfile();
    if (!CHECK(t, out != NULL))
        return;
    CHECK(t, options_parse(2, argv, &opts, out, err, sizeof(err)) == OPTIONS_DONE);
    rewind(out);
    size_t len = fread(text, 1, sizeof(text) - 1, out);
    text[len] = '\0';
    fclose(out);
    static const char *const listed[] = { "-bios FILE", "-serial DEV", "-debugcon DEV", "-rtc ",
                                          "-icount ", "-incoming file:PATH", "tcp:HOST:PORT" };
    for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++)
        CHECK_CASE(t, strstr(text, listed[i]) != NULL, "%s", listed[i]);
    CHECK(t, !strstr(text, "save-state") && !strstr(text, "print-icount"));
}

/* Each -serial takes the next port; none leaves that port absent. */
static void test_serial_ports(struct unit_tally *t)
{
    const char *const *serial = opts.machine.serial;
    CHECK(t, parse("-serial", "none", "-serial", "stdio") == OPTIONS_RUN);
    CHECK(t, serial[0] == NULL && strcmp(serial[1], "stdio") == 0);
    CHECK(t, parse("-serial", "pty", "-serial", "tcp::4444,server,nowait") == OPTIONS_RUN);
    CHECK(t, strcmp(serial[0], "pty") == 0 && strcmp(serial[1], "tcp::4444,server,nowait") == 0);
    CHECK(t, parse("-serial", "tcp:localhost:4444", "-serial", "null") == OPTIONS_RUN);
    CHECK(t, strcmp(serial[0], "tcp:localhost:4444") == 0 && strcmp(serial[1], "null") == 0);
    CHECK(t, parse("-serial", "tcp:127.0.0.1:4444,server=on,wait=off", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, parse("-serial", "tcp:[::1]:4444,server,wait=on", NULL, NULL) == OPTIONS_RUN);

    CHECK(t, parse("-debugcon", "file:debug.log", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, strcmp(opts.machine.debugcon, "file:debug.log") == 0);
    CHECK(t, strcmp(serial[0], "stdio") == 0);
    /* The debug console only writes, so it may share stdio with COM1. */
    CHECK(t, parse("-debugcon", "stdio", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, parse("-debugcon", "none", NULL, NULL) == OPTIONS_RUN && !opts.machine.debugcon);
}

/* -bios and -kernel: either one replaces the built-in guest. */
static void test_boot_choice(struct unit_tally *t)
{
    CHECK(t, parse("-bios", "bios.bin", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, !opts.builtin_guest && strcmp(opts.machine.bios_path, "bios.bin") == 0);
    CHECK(t, opts.machine.kernel_path == NULL);
    CHECK(t, parse("-bios", "bios.bin", "-kernel", "k") == OPTIONS_RUN);
    CHECK(t, !opts.builtin_guest && strcmp(opts.machine.kernel_path, "k") == 0);
    CHECK(t, parse("-m", "3584M", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.machine.ram_size == MACHINE_MAX_RAM);
    CHECK(t, parse("-kernel", "k", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, !opts.builtin_guest && opts.machine.bios_path == NULL);
}

static void test_rtc(struct unit_tally *t)
{
    const struct machine_config *mc = &opts.machine;
    CHECK(t, parse("-rtc", "base=localtime", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, mc->rtc_base == MACHINE_RTC_LOCALTIME);
    CHECK(t, parse("-rtc", "base=utc,clock=vm,driftfix=slew", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, mc->rtc_base == MACHINE_RTC_UTC);
    CHECK(t, parse("-rtc", "clock=host", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, parse("-rtc", "driftfix=none,clock=rt", NULL, NULL) == OPTIONS_RUN);

    /* date -u -d 2006-06-17T16:01:21 +%s */
    CHECK(t, parse("-rtc", "base=2006-06-17T16:01:21", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, mc->rtc_base == MACHINE_RTC_DATE && mc->rtc_date == 1150560081);
    CHECK(t, parse("-rtc", "clock=vm,base=2006-06-17", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, mc->rtc_base == MACHINE_RTC_DATE && mc->rtc_date == 1150502400);
    CHECK(t, parse("-rtc", "base=1970-01-01T00:00:00", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, mc->rtc_date == 0);
    CHECK(t, parse("-rtc", "base=2000-02-29T23:59:59", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, mc->rtc_date == 951868799);
    CHECK(t, parse("-rtc", "base=1969-12-31T23:59:59", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, mc->rtc_date == -1);
}

static void test_icount_and_state(struct unit_tally *t)
{
    CHECK(t, parse("-icount", "shift=0", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.machine.icount_shift == 0);
    CHECK(t, parse("-icount", "7", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.machine.icount_shift == 7);
    CHECK(t, parse("-icount", "shift=30,sleep=off", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.machine.icount_shift == 30);
    CHECK(t, parse("-icount", "3,sleep=on,align=off", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, opts.machine.icount_shift == 3);

    CHECK(t, parse("-incoming", "file:state.bin", NULL, NULL) == OPTIONS_RUN);
    CHECK(t, strcmp(opts.incoming, "state.bin") == 0);
    CHECK(t, parse("-save-state", "icount=1000000,file=a,b.state", "-print-icount", NULL) ==
             OPTIONS_RUN);
    CHECK(t, opts.save_at_icount == 1000000 && strcmp(opts.save_path, "a,b.state") == 0);
    CHECK(t, opts.print_icount);
    CHECK(t, parse("-save-state", "icount=18446744073709551615,file=s", NULL, NULL) ==
             OPTIONS_RUN);
    CHECK(t, opts.save_at_icount == ~0ull);
}

/* Command lines that must be refused, with the one line that says why. */
static const struct {
    const char *args[MAX_ARGS];
    const char *message;
} bad_command_lines[] = {
    { { "-m", "abc" }, "-m: invalid size 'abc'" },
    { { "-m", "3585M" }, "-m: 3585M is more than the 3584 MiB this machine supports" },
    { { "-m" }, "-m: missing argument" },
    { { "-kernel", "k", "-d" }, "-d: missing argument" },
    { { "-x" }, "unknown option '-x' (see -help)" },
    { { "-" }, "unexpected argument '-' (options start with '-')" },
    { { "-serial", "null", "-serial", "null", "-serial", "null" },
      "-serial: this machine has two serial ports" },
    { { "-serial", "stdio", "-serial", "stdio" }, "-serial: stdio is already COM1's back end" },
    { { "-serial", "file:" }, "-serial: 'file:' needs a path" },
    { { "-serial", "vc" },
      "-serial: unknown back end 'vc' (available: stdio, file:PATH, pty, tcp:HOST:PORT[,server][,wait=off], null, none)" },
    { { "-serial", "tcp:4444" },
      "-serial: 'tcp:4444': expected tcp:HOST:PORT[,server][,wait=off]" },
    { { "-serial", "tcp:localhost:" },
      "-serial: 'tcp:localhost:': expected tcp:HOST:PORT[,server][,wait=off]" },
    { { "-serial", "tcp::65536,server" },
      "-serial: 'tcp::65536,server': expected tcp:HOST:PORT[,server][,wait=off]" },
    { { "-serial", "tcp::4x,server" },
      "-serial: 'tcp::4x,server': expected tcp:HOST:PORT[,server][,wait=off]" },
    { { "-serial", "tcp::4444,server,telnet" },
      "-serial: 'tcp::4444,server,telnet': unknown tcp option 'telnet' (available: server, wait=off, nowait)" },
    { { "-serial", "tcp::4444,nowait" }, "-serial: 'tcp::4444,nowait': wait applies only to a server" },
    { { "-serial", "tcp::0" }, "-serial: 'tcp::0': cannot connect to port 0" },
    { { "-debugcon", "pipe:x" },
      "-debugcon: unknown back end 'pipe:x' (available: stdio, file:PATH, pty, tcp:HOST:PORT[,server][,wait=off], null, none)" },
    { { "-debugcon", "null", "-debugcon", "null" }, "-debugcon: given twice" },
    { { "-bios" }, "-bios: missing argument" },
    { { "-bios", "b", "-append", "x" }, "-append: needs -kernel" },
    { { "-rtc", "base=2006-13-01" },
      "-rtc: invalid base '2006-13-01' (utc, localtime, or a date as 2006-06-17T16:01:21 or 2006-06-17)" },
    { { "-rtc", "base=2006-02-29" },
      "-rtc: invalid base '2006-02-29' (utc, localtime, or a date as 2006-06-17T16:01:21 or 2006-06-17)" },
    { { "-rtc", "base=2006-06-17T24:00:00" },
      "-rtc: invalid base '2006-06-17T24:00:00' (utc, localtime, or a date as 2006-06-17T16:01:21 or 2006-06-17)" },
    { { "-rtc", "base=2006-06-17 16:01:21" },
      "-rtc: invalid base '2006-06-17 16:01:21' (utc, localtime, or a date as 2006-06-17T16:01:21 or 2006-06-17)" },
    { { "-rtc", "base=2006-6-17" },
      "-rtc: invalid base '2006-6-17' (utc, localtime, or a date as 2006-06-17T16:01:21 or 2006-06-17)" },
    { { "-rtc", "base" },
      "-rtc: invalid base '' (utc, localtime, or a date as 2006-06-17T16:01:21 or 2006-06-17)" },
    { { "-rtc", "clock=realtime" }, "-rtc: invalid clock 'realtime' (host, rt, vm)" },
    { { "-rtc", "driftfix=fast" }, "-rtc: invalid driftfix 'fast' (none, slew)" },
    { { "-rtc", "base=utc,speed=2" }, "-rtc: unknown suboption 'speed' (base, clock, driftfix)" },
    { { "-icount", "31" }, "-icount: invalid shift '31' (0 to 30)" },
    { { "-icount", "shift=-1" }, "-icount: invalid shift '-1' (0 to 30)" },
    { { "-icount", "shift=0x3" }, "-icount: invalid shift '0x3' (0 to 30)" },
    { { "-icount", "" }, "-icount: invalid shift '' (0 to 30)" },
    { { "-icount", "shift=auto" }, "-icount: shift=auto is not supported" },
    { { "-icount", "auto" }, "-icount: shift=auto is not supported" },
    { { "-icount", "shift=2,sleep=maybe" }, "-icount: invalid sleep 'maybe' (on, off)" },
    { { "-icount", "shift=2,align=on" }, "-icount: align=on is not supported" },
    { { "-icount", "shift=2,rr=record" }, "-icount: unknown suboption 'rr' (shift, sleep, align)" },
    { { "-icount", "sleep=off" }, "-icount: needs shift=N" },
    { { "-incoming", "tcp:0:4444" }, "-incoming: only file:PATH is supported" },
    { { "-incoming", "defer" }, "-incoming: only file:PATH is supported" },
    { { "-incoming", "file:" }, "-incoming: 'file:' needs a path" },
    { { "-save-state", "icount=0,file=s" }, "-save-state: invalid instruction count '0' (1 or more)" },
    { { "-save-state", "icount=1x,file=s" }, "-save-state: invalid instruction count '1x' (1 or more)" },
    { { "-save-state", "icount=18446744073709551616,file=s" },
      "-save-state: invalid instruction count '18446744073709551616' (1 or more)" },
    { { "-save-state", "file=s,icount=5" }, "-save-state: expected icount=N,file=PATH" },
    { { "-save-state", "icount=5,file=" }, "-save-state: expected icount=N,file=PATH" },
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
        enum options_result r = parse_args(a);
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
    test_help(&t);
    test_serial_ports(&t);
    test_boot_choice(&t);
    test_rtc(&t);
    test_icount_and_state(&t);
    test_errors(&t);
    return UNIT_REPORT(&t);
}
