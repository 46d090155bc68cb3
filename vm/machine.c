/*
 * A machine's life: create the core parts (RAM, port bus, CPU, virtual
 * clock), have the board add its devices, reset and destroy them all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pc.h"
#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/machine.h"
#include "lintas/mem.h"
#include "lintas/state.h"
#include "lintas/timer.h"
#include "vm/linux_boot.h"
#include "vm/multiboot.h"

void machine_request_exit(struct machine *m, uint32_t status)
{
    m->exit_requested = true;
    m->exit_status = status;
    cpu_request_exit(m->cpu);
}

void machine_request_reset(struct machine *m)
{
    m->reset_requested = true;
    cpu_request_exit(m->cpu);
}

void machine_set_a20(struct machine *m, bool enabled)
{
    if (mem_a20(m->mem) == enabled)
        return;
    mem_set_a20(m->mem, enabled);
    cpu_tlb_flush_all(m->cpu);
}

void machine_add_device(struct machine *m, const struct state_desc *desc, void *obj,
                        void (*reset)(void *obj))
{
    if (m->device_count == MACHINE_MAX_DEVICES) {
        /* A board with more devices than the table: a build error, not a
         * condition a user can cause. */
        fprintf(stderr, "lintas: more than %d devices on the board\n", MACHINE_MAX_DEVICES);
        abort();
    }
    m->devices[m->device_count++] = (struct machine_device){ desc, obj, reset };
}

/* A Multiboot kernel starts as a boot loader leaves it, with A20 open
 * (Multiboot spec 3.2); the first load reports what is wrong with the
 * image, and the loads after a reset repeat it exactly. */
static int load_kernel(struct machine *m, char *err, size_t errlen)
{
    machine_set_a20(m, true);
    return multiboot_load(m->boot, m->mem, m->cpu, err, errlen);
}

/* A device armed a timer sooner than the one the running slice was sized
 * for. In icount mode the slice is cut to end at the new deadline, so the
 * timer fires at the same instruction however the run is sliced; in
 * host-time mode slices are short and timers are checked between them. */
static void deadline_moved(void *opaque)
{
    struct machine *m = opaque;
    if (vclock_icount(m->clock))
        cpu_limit_run(m->cpu, vclock_insn_budget(m->clock));
}

static int open_log(struct machine *m, const struct machine_config *cfg, char *err,
                    size_t errlen)
{
    m->log.mask = cfg->log_mask;
    if (!cfg->log_file)
        return 0;
    m->log.out = fopen(cfg->log_file, "w");
    if (!m->log.out) {
        snprintf(err, errlen, "-D: cannot open '%s': %s", cfg->log_file, strerror(errno));
        return -1;
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
    m->ram_size = cfg->ram_size;
    /* Files named on the command line are checked before anything is
     * created on the host (the -D log, a -serial file). A Linux kernel
     * boots through the firmware, which the board hands it to. */
    if (cfg->kernel_path && linux_boot_config_is_bzimage(cfg)) {
        m->linux_boot = linux_boot_open(cfg, err, errlen);
        if (!m->linux_boot)
            goto fail;
    } else if (cfg->kernel_path) {
        m->boot = multiboot_open(cfg->kernel_path, cfg->kernel_image, cfg->kernel_image_size,
                                 cfg->append, cfg->initrd, err, errlen);
        if (!m->boot)
            goto fail;
    }
    if (cfg->ram_size == 0 || cfg->ram_size > MACHINE_MAX_RAM) {
        snprintf(err, errlen, "-m: RAM size must be between 1 byte and %llu MiB",
                 MACHINE_MAX_RAM >> 20);
        goto fail;
    }
    if (open_log(m, cfg, err, errlen) < 0)
        goto fail;
    m->mem = mem_create(cfg->ram_size);
    if (!m->mem) {
        snprintf(err, errlen, "-m: cannot reserve %llu MiB of host memory for RAM",
                 (unsigned long long)(cfg->ram_size >> 20));
        goto fail;
    }
    m->clock = vclock_create(cfg->icount_shift);
    m->io = io_create();
    m->cpu = m->io ? cpu_create(m->mem, m->io, &m->log) : NULL;
    if (!m->cpu || !m->clock) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    cpu_set_clock(m->cpu, m->clock);
    vclock_set_deadline_hook(m->clock, deadline_moved, m);
    mem_set_logger(m->mem, &m->log);
    io_set_logger(m->io, &m->log);
    if (pc_create(m, cfg, err, errlen) < 0)
        goto fail;
    if (m->boot && load_kernel(m, err, errlen) < 0)
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
    pc_destroy(m->board);
    linux_boot_free(m->linux_boot);
    cpu_destroy(m->cpu);
    io_destroy(m->io);
    /* After every device: their timers are on it. */
    vclock_destroy(m->clock);
    mem_destroy(m->mem);
    if (m->log.out)
        fclose(m->log.out);
    free(m);
}

void machine_reset(struct machine *m)
{
    m->reset_requested = false;
    cpu_reset(m->cpu);
    for (unsigned i = 0; i < m->device_count; i++) {
        const struct machine_device *d = &m->devices[i];
        if (d->reset)
            d->reset(d->obj);
        else
            state_reset(d->desc, d->obj);
    }
    if (m->boot) {
        char err[256];
        load_kernel(m, err, sizeof(err));
    }
}
