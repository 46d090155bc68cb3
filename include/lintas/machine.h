/*
 * A machine: guest memory, the port bus, the CPU, the devices and the
 * logger, wired into a board, plus how its run ended.
 *
 * The board built now is the minimal test machine: RAM from address 0,
 * a 16550A at COM1 (0x3F8) and, when configured, isa-debug-exit. There is
 * no firmware: the Multiboot loader puts the kernel in RAM and sets the CPU
 * up as a Multiboot boot loader would leave it, at creation and after every
 * reset.
 */
#ifndef LINTAS_MACHINE_H
#define LINTAS_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lintas/log.h"

/* The test board addresses RAM with 32-bit physical addresses, from 0. */
#define MACHINE_MAX_RAM (4ull << 30)
#define MACHINE_COM1_BASE 0x3f8

/* lintas's exit status when the guest triple-faults under -no-reboot. Even,
 * so it cannot be mistaken for an isa-debug-exit status, which is odd. */
#define MACHINE_EXIT_TRIPLE_FAULT 2

struct machine_config {
    uint64_t ram_size; /* bytes */

    /* The Multiboot kernel: the file kernel_path, or kernel_image when the
     * image is already in memory (kernel_path then only names it). */
    const char *kernel_path;
    const uint8_t *kernel_image;
    size_t kernel_image_size;
    const char *append; /* kernel command line, or NULL */
    const char *initrd; /* modules, QEMU's -initrd list syntax, or NULL */

    const char *serial; /* COM1 back end (lintas/chardev.h), NULL for no COM1 */
    bool debug_exit;
    uint16_t debug_exit_base;
    uint32_t debug_exit_size;

    bool no_reboot;       /* stop instead of resetting after a triple fault */
    unsigned log_mask;    /* enum log_kind bits */
    const char *log_file; /* NULL: log to stderr */
};

struct multiboot_boot;

struct machine {
    struct phys_mem *mem;
    struct io_bus *io;
    struct cpu *cpu;
    struct chardev *com1_chr;
    struct serial *com1;
    struct debug_exit *debug_exit;
    struct logger log;
    struct multiboot_boot *boot; /* what every reset loads again */
    bool no_reboot;

    bool exit_requested; /* a device asked the machine to stop */
    uint32_t exit_status;
};

/* Build the machine and load the kernel. Returns NULL with one line in err
 * ("-kernel: cannot open 'x': ...") when something in the configuration or
 * a file is wrong. */
struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen);
void machine_destroy(struct machine *m);

/* The RESET line: CPU and devices to their reset state, the kernel loaded
 * again. RAM is kept, as on real hardware. */
void machine_reset(struct machine *m);

/* Open or close the A20 gate; cached translations are dropped since they
 * hold host pointers chosen under the old gate. */
void machine_set_a20(struct machine *m, bool enabled);

/* Stop the run at the next instruction boundary with this exit status. */
void machine_request_exit(struct machine *m, uint32_t status);

/* Run the guest until it stops for good (vm/run.c). Returns lintas's exit
 * status: the isa-debug-exit status, 0 when the guest halted with nothing
 * left to wake it, MACHINE_EXIT_TRIPLE_FAULT under -no-reboot. */
int machine_run(struct machine *m);

#endif
