/*
 * The minimal test board: RAM at 0, COM1, optional isa-debug-exit, a
 * Multiboot kernel loaded directly (no firmware).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/debug_exit.h"
#include "hw/serial.h"
#include "lintas/chardev.h"
#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/machine.h"
#include "lintas/mem.h"
#include "vm/multiboot.h"

static void debug_exit_request(void *opaque, uint32_t status)
{
    machine_request_exit(opaque, status);
}

void machine_request_exit(struct machine *m, uint32_t status)
{
    m->exit_requested = true;
    m->exit_status = status;
    cpu_request_exit(m->cpu);
}

void machine_set_a20(struct machine *m, bool enabled)
{
    if (mem_a20(m->mem) == enabled)
        return;
    mem_set_a20(m->mem, enabled);
    cpu_tlb_flush_all(m->cpu);
}

static int create_devices(struct machine *m, const struct machine_config *cfg, char *err,
                          size_t errlen)
{
    if (cfg->serial) {
        m->com1_chr = chardev_open(cfg->serial, err, errlen);
        if (!m->com1_chr)
            return -1;
        /* COM1's IRQ 4 has no interrupt controller to reach on this board. */
        m->com1 = serial_create(m->io, MACHINE_COM1_BASE, m->com1_chr, (struct irq_line){ 0 },
                                &m->log);
        if (!m->com1) {
            snprintf(err, errlen, "-serial: out of memory");
            return -1;
        }
    }
    if (cfg->debug_exit) {
        m->debug_exit = debug_exit_create(m->io, cfg->debug_exit_base, cfg->debug_exit_size,
                                          debug_exit_request, m);
        if (!m->debug_exit) {
            snprintf(err, errlen,
                     "-device: isa-debug-exit at 0x%x-0x%x overlaps another device's ports",
                     cfg->debug_exit_base, cfg->debug_exit_base + cfg->debug_exit_size - 1);
            return -1;
        }
    }
    return 0;
}

struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen)
{
    struct machine *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->no_reboot = cfg->no_reboot;
    /* Files named on the command line are checked before anything is
     * created on the host (the -D log, a -serial file). */
    m->boot = multiboot_open(cfg->kernel_path, cfg->kernel_image, cfg->kernel_image_size,
                             cfg->append, cfg->initrd, err, errlen);
    if (!m->boot)
        goto fail;
    m->log.mask = cfg->log_mask;
    if (cfg->log_file) {
        m->log.out = fopen(cfg->log_file, "w");
        if (!m->log.out) {
            snprintf(err, errlen, "-D: cannot open '%s': %s", cfg->log_file, strerror(errno));
            goto fail;
        }
    }
    if (cfg->ram_size == 0 || cfg->ram_size > MACHINE_MAX_RAM) {
        snprintf(err, errlen, "-m: RAM size must be between 1 byte and 4 GiB");
        goto fail;
    }
    m->mem = mem_create(cfg->ram_size);
    if (!m->mem) {
        snprintf(err, errlen, "-m: cannot reserve %llu MiB of host memory for RAM",
                 (unsigned long long)(cfg->ram_size >> 20));
        goto fail;
    }
    m->io = io_create();
    m->cpu = m->io ? cpu_create(m->mem, m->io, &m->log) : NULL;
    if (!m->cpu) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    mem_set_logger(m->mem, &m->log);
    io_set_logger(m->io, &m->log);
    if (create_devices(m, cfg, err, errlen) < 0)
        goto fail;
    /* The first load reports what is wrong with the image; the loads after
     * a reset repeat it exactly and cannot fail. */
    mem_set_a20(m->mem, true);
    if (multiboot_load(m->boot, m->mem, m->cpu, err, errlen) < 0)
        goto fail;
    return m;

fail:
    machine_destroy(m);
    return NULL;
}

void machine_destroy(struct machine *m)
{
    if (!m)
        return;
    multiboot_free(m->boot);
    debug_exit_destroy(m->debug_exit);
    serial_destroy(m->com1);
    chardev_close(m->com1_chr);
    cpu_destroy(m->cpu);
    io_destroy(m->io);
    mem_destroy(m->mem);
    if (m->log.out)
        fclose(m->log.out);
    free(m);
}

void machine_reset(struct machine *m)
{
    cpu_reset(m->cpu);
    if (m->com1)
        serial_reset(m->com1);
    /* A Multiboot loader hands over with A20 open (spec 3.2). */
    machine_set_a20(m, true);
    char err[256];
    multiboot_load(m->boot, m->mem, m->cpu, err, sizeof(err));
}
