/*
 * A machine: guest memory, the port bus, the CPU, the virtual clock, the
 * devices and the logger, wired into a board, plus how its run ended.
 *
 * The board is a PC (hw/pc.c): an i440FX host bridge and PIIX3 ISA bridge
 * with the ISA devices of a PC (PIC pair, PIT, RTC/CMOS, i8042, DMA pair,
 * two 16550A UARTs, port 0x92, QEMU's fw_cfg and debug console). It boots
 * firmware (SeaBIOS) from the top of 4 GiB, which boots a Linux kernel
 * given with -kernel through an option ROM; a Multiboot kernel is started
 * directly, as a Multiboot boot loader would leave it.
 *
 * Every device registers itself with machine_add_device: the registry is
 * what machine_reset resets and what a machine state file saves and
 * loads, in registration order.
 */
#ifndef LINTAS_MACHINE_H
#define LINTAS_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lintas/log.h"

/* RAM lies below the PCI hole at 0xE0000000, as on QEMU's i440FX board
 * without RAM above 4 GiB. */
#define MACHINE_MAX_RAM 0xe0000000ull

#define MACHINE_SERIAL_PORTS 2 /* COM1 at 0x3F8 (IRQ 4), COM2 at 0x2F8 (IRQ 3) */
#define MACHINE_DEBUGCON_PORT 0x402

/* lintas's exit status when the guest triple-faults under -no-reboot. Even,
 * so it cannot be mistaken for an isa-debug-exit status, which is odd. */
#define MACHINE_EXIT_TRIPLE_FAULT 2

/* How the RTC's clock is set at power-on (-rtc base=). */
enum machine_rtc_base {
    MACHINE_RTC_UTC,       /* the host's time, in UTC (default) */
    MACHINE_RTC_LOCALTIME, /* the host's time, in its local time zone */
    MACHINE_RTC_DATE,      /* rtc_date, seconds since 1970 as broken-down UTC */
};

struct machine_config {
    uint64_t ram_size; /* bytes */

    /* The kernel, Multiboot or Linux bzImage: the file kernel_path, or
     * kernel_image when a Multiboot image is already in memory (kernel_path
     * then only names it). NULL kernel_path: boot the firmware alone. */
    const char *kernel_path;
    const uint8_t *kernel_image;
    size_t kernel_image_size;
    const char *append; /* kernel command line, or NULL */
    const char *initrd; /* modules, QEMU's -initrd list syntax, or NULL */

    /* Firmware image mapped at the top of 4 GiB; NULL: Debian's SeaBIOS
     * (MACHINE_DEFAULT_BIOS). Read only when the machine boots firmware or
     * when given explicitly. */
    const char *bios_path;

    /* Back ends (lintas/chardev.h) of COM1 and COM2, NULL for no port. */
    const char *serial[MACHINE_SERIAL_PORTS];
    const char *debugcon; /* back end of port 0x402, NULL: absent */
    bool debug_exit;
    uint16_t debug_exit_base;
    uint32_t debug_exit_size;

    enum machine_rtc_base rtc_base;
    int64_t rtc_date; /* MACHINE_RTC_DATE: seconds since 1970-01-01 00:00:00 */

    int icount_shift; /* -1: time follows the host; 0..30: 2^N ns per instruction */

    bool no_reboot;       /* stop instead of resetting after a triple fault */
    unsigned log_mask;    /* enum log_kind bits */
    const char *log_file; /* NULL: log to stderr */
};

#define MACHINE_DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"

/* A device as the machine sees it: its state, described once, and how to
 * bring it to its power-on state. */
struct machine_device {
    const struct state_desc *desc;
    void *obj;
    void (*reset)(void *obj); /* NULL: state_reset(desc, obj) */
};

#define MACHINE_MAX_DEVICES 32

struct linux_boot;
struct multiboot_boot;
struct pc;

struct machine {
    struct phys_mem *mem;
    struct io_bus *io;
    struct cpu *cpu;
    struct vclock *clock;
    struct pc *board;
    struct logger log;
    struct multiboot_boot *boot; /* NULL: firmware boot; else what every reset loads */
    struct linux_boot *linux_boot; /* a Linux kernel the firmware boots, or NULL */
    uint64_t ram_size;
    bool no_reboot;

    struct machine_device devices[MACHINE_MAX_DEVICES];
    unsigned device_count;

    bool exit_requested; /* a device asked the machine to stop */
    uint32_t exit_status;
    bool reset_requested; /* a device pulled the RESET line */
};

/* Build the machine and load the kernel or firmware. Returns NULL with one
 * line in err ("-kernel: cannot open 'x': ...") when something in the
 * configuration or a file is wrong. */
struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen);
void machine_destroy(struct machine *m);

/* Add a device to the registry (reset order and state file order). */
void machine_add_device(struct machine *m, const struct state_desc *desc, void *obj,
                        void (*reset)(void *obj));

/* The RESET line: CPU and devices to their reset state, the kernel loaded
 * again. RAM is kept, as on real hardware. */
void machine_reset(struct machine *m);

/* Open or close the A20 gate; cached translations are dropped since they
 * hold host pointers chosen under the old gate. */
void machine_set_a20(struct machine *m, bool enabled);

/* Stop the run at the next instruction boundary with this exit status. */
void machine_request_exit(struct machine *m, uint32_t status);

/* Reset the machine at the next instruction boundary (a device's reset
 * line: it may be asserted in the middle of an instruction). */
void machine_request_reset(struct machine *m);

/* Run the guest until it stops for good (vm/run.c). Returns lintas's exit
 * status: the isa-debug-exit status, 0 when the guest halted with nothing
 * left to wake it, MACHINE_EXIT_TRIPLE_FAULT under -no-reboot. With
 * stop_at_icount non-zero, also return (with MACHINE_RUN_STOPPED) once the
 * CPU has retired that many instructions in total. */
#define MACHINE_RUN_STOPPED (-1)
int machine_run(struct machine *m, uint64_t stop_at_icount);

/* Machine state files (vm/snapshot.c): the whole machine, RAM included,
 * written atomically to path, and read back into a machine created from
 * the same configuration. Return 0, or -1 with one line in err naming the
 * file. A failed load may leave the machine half loaded: destroy it. */
int machine_save_state(struct machine *m, const char *path, char *err, size_t errlen);
int machine_load_state(struct machine *m, const char *path, char *err, size_t errlen);

#endif
