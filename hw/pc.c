/*
 * The PC board, wired as QEMU's i440FX "pc" machine so that firmware
 * built for it (SeaBIOS) finds what it expects:
 *
 *   memory   RAM from 0 below the PCI hole; 0xA0000-0xBFFFF is the legacy
 *            video window (nothing answers there until a display adapter
 *            claims it); the BIOS ROM at the top of 4 GiB, its last 128 KiB
 *            also seen at 0xE0000-0xFFFFF through the i440FX PAM routing
 *   PCI      00.0 i440FX host bridge, 01.0 PIIX3 ISA bridge, 01.3 PIIX4
 *            power management (ACPI, SCI on IRQ 9); ACPI tables for the
 *            firmware to install
 *   ISA      8259A pair (IRQ 2 cascade), 8254 (IRQ 0), MC146818 (IRQ 8),
 *            i8042 with PS/2 keyboard (IRQ 1) and mouse (IRQ 12), 8237A
 *            pair, COM1 0x3F8 IRQ 4, COM2 0x2F8 IRQ 3, system control
 *            ports 0x61/0x92/0xCF9/0x80, fw_cfg 0x510, debug console 0x402,
 *            isa-debug-exit where configured
 *
 * A20 is the OR of the i8042's output port bit 1 and port 0x92 bit 1.
 * Resets asked for by a device (i8042 pulse, port 0x92, 0xCF9) reach the
 * machine as a request, carried out between instructions.
 */
#define _DEFAULT_SOURCE /* localtime_r, tm_gmtoff */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hw/acpi_tables.h"
#include "hw/debug_exit.h"
#include "hw/debugcon.h"
#include "hw/dma.h"
#include "hw/fw_cfg.h"
#include "hw/i440fx.h"
#include "hw/i8042.h"
#include "hw/pc.h"
#include "hw/pci.h"
#include "hw/pic.h"
#include "hw/piix3.h"
#include "hw/piix4_pm.h"
#include "hw/pit.h"
#include "hw/ps2.h"
#include "hw/rtc.h"
#include "hw/serial.h"
#include "hw/system_ports.h"
#include "lintas/chardev.h"
#include "lintas/cpu.h"
#include "lintas/mem.h"
#include "vm/linux_boot.h"

#define FOUR_GIB 0x100000000ull
#define VIDEO_WINDOW 0xa0000
#define VIDEO_WINDOW_SIZE 0x20000
#define ISA_BIOS_MAX 0x20000 /* the BIOS ROM's tail seen below 1 MiB */
#define BIOS_MAX (16u << 20)
#define BIOS_GRANULE 0x10000

static const uint16_t serial_base[MACHINE_SERIAL_PORTS] = { 0x3f8, 0x2f8 };
static const unsigned serial_irq[MACHINE_SERIAL_PORTS] = { 4, 3 };

struct pc {
    struct machine *m;
    struct pic *pic;
    struct pit *pit;
    struct rtc *rtc;
    struct i8042 *kbc;
    struct ps2_kbd *kbd;
    struct ps2_mouse *mouse;
    struct dma *dma;
    struct pci_bus *pci;
    struct i440fx *i440fx;
    struct piix3 *piix3;
    struct piix4_pm *pm;
    struct fw_cfg *fw_cfg;
    struct system_ports *ports;
    struct chardev *serial_chr[MACHINE_SERIAL_PORTS];
    struct serial *serial[MACHINE_SERIAL_PORTS];
    struct chardev *debugcon_chr;
    struct debugcon *debugcon;
    struct debug_exit *debug_exit;
    bool kbc_a20; /* the i8042's A20 output, which its state restores */
};

/* Registry reset hooks, typed for the machine. */
#define RESET_HOOK(type, fn) \
    static void fn##_hook(void *obj) { fn((type *)obj); }
RESET_HOOK(struct pic, pic_reset)
RESET_HOOK(struct pit, pit_reset)
RESET_HOOK(struct rtc, rtc_reset)
RESET_HOOK(struct i8042, i8042_reset)
RESET_HOOK(struct ps2_kbd, ps2_kbd_reset)
RESET_HOOK(struct ps2_mouse, ps2_mouse_reset)
RESET_HOOK(struct dma, dma_reset)
RESET_HOOK(struct pci_bus, pci_reset)
RESET_HOOK(struct i440fx, i440fx_reset)
RESET_HOOK(struct piix3, piix3_reset)
RESET_HOOK(struct piix4_pm, piix4_pm_reset)
RESET_HOOK(struct fw_cfg, fw_cfg_reset)
RESET_HOOK(struct system_ports, system_ports_reset)
RESET_HOOK(struct serial, serial_reset)

static void cpu_intr(void *opaque, unsigned line, bool level)
{
    (void)line;
    cpu_set_intr(opaque, level);
}

static void update_a20(struct pc *pc)
{
    bool fast = pc->ports && system_ports_a20(pc->ports);
    machine_set_a20(pc->m, pc->kbc_a20 || fast);
}

static void kbc_set_a20(void *opaque, bool enabled)
{
    struct pc *pc = opaque;
    pc->kbc_a20 = enabled;
    update_a20(pc);
}

static void ports_set_a20(void *opaque, bool enabled)
{
    (void)enabled;
    update_a20(opaque);
}

static void board_reset(void *opaque)
{
    struct pc *pc = opaque;
    machine_request_reset(pc->m);
}

static void cpu_ferr(void *opaque, bool level)
{
    struct pc *pc = opaque;
    system_ports_ferr(pc->ports, level);
}

static void debug_exit_request(void *opaque, uint32_t status)
{
    machine_request_exit(opaque, status);
}

/* The guest entered ACPI soft off: the run ends with status 0. */
static void power_off(void *opaque)
{
    machine_request_exit(opaque, 0);
}

static void memory_map_changed(void *opaque)
{
    cpu_tlb_flush_all(opaque);
}

static int out_of_memory(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: out of memory", what);
    return -1;
}

/* Read the whole firmware image; one line in err when it cannot serve. */
static uint8_t *read_bios(const char *path, bool is_default, size_t *size, char *err,
                          size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "-bios: cannot open '%s': %s%s", path, strerror(errno),
                 is_default ? " (Debian's seabios package provides it)" : "");
        return NULL;
    }
    struct stat st;
    uint8_t *data = NULL;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "-bios: '%s' is not a regular file", path);
    } else if (st.st_size == 0 || st.st_size > BIOS_MAX || st.st_size % BIOS_GRANULE) {
        snprintf(err, errlen,
                 "-bios: '%s' is %lld bytes; a BIOS image is a whole number of 64 KiB "
                 "blocks, at most 16 MiB",
                 path, (long long)st.st_size);
    } else if (!(data = malloc((size_t)st.st_size))) {
        snprintf(err, errlen, "-bios: out of memory reading '%s'", path);
    } else if (fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        snprintf(err, errlen, "-bios: cannot read '%s'", path);
        free(data);
        data = NULL;
    } else {
        *size = (size_t)st.st_size;
    }
    fclose(f);
    return data;
}

/* The BIOS at the top of 4 GiB, and its last 128 KiB (or all of a smaller
 * image) below 1 MiB, where the CPU's first far jump lands. */
static int map_bios(struct pc *pc, const char *path, bool is_default, char *err, size_t errlen)
{
    size_t size = 0;
    uint8_t *data = read_bios(path, is_default, &size, err, errlen);
    if (!data)
        return -1;
    struct phys_mem *mem = pc->m->mem;
    uint64_t isa_size = size < ISA_BIOS_MAX ? size : ISA_BIOS_MAX;
    int rc = mem_map_rom(mem, FOUR_GIB - size, size, data);
    free(data);
    if (rc < 0 || mem_shadow_rom(mem, 0x100000 - isa_size, isa_size, FOUR_GIB - isa_size) < 0)
        return out_of_memory(err, errlen, "-bios");
    return 0;
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* CMOS bytes PC firmware reads (IBM AT technical reference, "CMOS RAM
 * address map", and the extensions SeaBIOS reads on QEMU's boards). */
static void fill_cmos(struct pc *pc, uint64_t ram_size)
{
    struct rtc *rtc = pc->rtc;
    /* Equipment byte: no floppy drive, a math coprocessor (the CPU's
     * x87), a PS/2 pointing device, EGA/VGA-class display. */
    rtc_cmos_write(rtc, 0x14, 0x06);
    /* Base memory: 640 KiB. */
    rtc_cmos_write(rtc, 0x15, 640 & 0xff);
    rtc_cmos_write(rtc, 0x16, 640 >> 8);
    /* Extended memory above 1 MiB in KiB, at most 65535. */
    uint64_t ext = ram_size > (1u << 20) ? (ram_size >> 10) - 1024 : 0;
    if (ext > 0xffff)
        ext = 0xffff;
    static const uint8_t ext_regs[2][2] = { { 0x17, 0x18 }, { 0x30, 0x31 } };
    for (unsigned i = 0; i < 2; i++) {
        rtc_cmos_write(rtc, ext_regs[i][0], (uint8_t)ext);
        rtc_cmos_write(rtc, ext_regs[i][1], (uint8_t)(ext >> 8));
    }
    /* Memory above 16 MiB in 64 KiB units, at most 65535, and above 4 GiB
     * (none on this board). */
    uint64_t high = ram_size > (16u << 20) ? (ram_size - (16u << 20)) >> 16 : 0;
    if (high > 0xffff)
        high = 0xffff;
    rtc_cmos_write(rtc, 0x34, (uint8_t)high);
    rtc_cmos_write(rtc, 0x35, (uint8_t)(high >> 8));
    for (uint8_t r = 0x5b; r <= 0x5d; r++)
        rtc_cmos_write(rtc, r, 0);
    /* CPUs present, minus one. */
    rtc_cmos_write(rtc, 0x5f, 0);
    /* Boot order, QEMU's default "cad": hard disk, floppy, CD-ROM, a
     * nibble each (1 floppy, 2 hard disk, 3 CD-ROM), first and second in
     * 0x3D, third in 0x38's high nibble; 0x38 bit 0 clear keeps the
     * floppy boot signature check. */
    rtc_cmos_write(rtc, 0x3d, 0x12);
    rtc_cmos_write(rtc, 0x38, 0x30);
}

/* fw_cfg items SeaBIOS reads on QEMU: RAM size, CPU count, the e820 RAM
 * map ("etc/e820": {le64 address, le64 length, le32 type}, RAM below the
 * PCI hole; the firmware reserves its own areas in it), no boot menu, and
 * the boot order by device path ("bootorder": empty, as QEMU gives when
 * no device has a boot index, which leaves the CMOS order in force). */
static int fill_fw_cfg(struct pc *pc, uint64_t ram_size, char *err, size_t errlen)
{
    struct fw_cfg *fw = pc->fw_cfg;
    uint8_t ram[8], cpus[2], no_menu[2], e820[20];
    /* A Linux kernel boots first, from the option ROM that loads it. */
    const char *bootorder = pc->m->linux_boot ? LINUX_BOOT_BOOTORDER : "";
    put_le(ram, ram_size, 8);
    put_le(cpus, 1, 2);
    put_le(no_menu, 0, 2);
    put_le(e820, 0, 8);
    put_le(e820 + 8, ram_size, 8);
    put_le(e820 + 16, 1, 4); /* usable RAM */
    if (fw_cfg_add_bytes(fw, FW_CFG_RAM_SIZE, ram, sizeof(ram)) < 0 ||
        fw_cfg_add_bytes(fw, FW_CFG_NB_CPUS, cpus, sizeof(cpus)) < 0 ||
        fw_cfg_add_bytes(fw, FW_CFG_MAX_CPUS, cpus, sizeof(cpus)) < 0 ||
        fw_cfg_add_bytes(fw, FW_CFG_BOOT_MENU, no_menu, sizeof(no_menu)) < 0 ||
        fw_cfg_add_file(fw, "bootorder", bootorder, strlen(bootorder)) < 0 ||
        fw_cfg_add_file(fw, "etc/e820", e820, sizeof(e820)) < 0)
        return out_of_memory(err, errlen, "fw_cfg");
    return 0;
}

/* The RTC's calendar at power-on (-rtc base=). */
static int64_t rtc_base_seconds(const struct machine_config *cfg)
{
    time_t now = time(NULL);
    struct tm local;
    switch (cfg->rtc_base) {
    case MACHINE_RTC_LOCALTIME:
        if (localtime_r(&now, &local))
            return (int64_t)now + local.tm_gmtoff;
        return (int64_t)now;
    case MACHINE_RTC_DATE:
        return cfg->rtc_date;
    case MACHINE_RTC_UTC:
        break;
    }
    return (int64_t)now;
}

static int create_chipset(struct pc *pc, const struct machine_config *cfg, char *err,
                          size_t errlen)
{
    struct machine *m = pc->m;
    pc->pic = pic_create(m->io, (struct irq_line){ cpu_intr, m->cpu, 0 }, &m->log);
    if (!pc->pic)
        return out_of_memory(err, errlen, "pic");
    cpu_set_intc(m->cpu, &(struct cpu_intc){ pic_inta, pc->pic });
    machine_add_device(m, &pic_state_desc, pc->pic, pic_reset_hook);

    pc->pit = pit_create(m->io, m->clock, pic_irq_line(pc->pic, 0), &m->log);
    if (!pc->pit)
        return out_of_memory(err, errlen, "pit");
    machine_add_device(m, &pit_state_desc, pc->pit, pit_reset_hook);

    int64_t base = rtc_base_seconds(cfg);
    pc->rtc = rtc_create(m->io, m->clock, pic_irq_line(pc->pic, 8), base, &m->log);
    if (!pc->rtc) {
        snprintf(err, errlen, "-rtc: the date is outside the RTC's range (years 1 to 9999)");
        return -1;
    }
    machine_add_device(m, &rtc_state_desc, pc->rtc, rtc_reset_hook);

    pc->kbc = i8042_create(m->io, pic_irq_line(pc->pic, 1), pic_irq_line(pc->pic, 12),
                           (struct i8042_board){ board_reset, kbc_set_a20, pc }, &m->log);
    if (!pc->kbc)
        return out_of_memory(err, errlen, "i8042");
    pc->kbc_a20 = true; /* the output port's A20 bit at power-on */
    pc->kbd = ps2_kbd_create(i8042_port_ready(pc->kbc, I8042_PORT_KBD), &m->log);
    pc->mouse = ps2_mouse_create(i8042_port_ready(pc->kbc, I8042_PORT_AUX), &m->log);
    if (!pc->kbd || !pc->mouse)
        return out_of_memory(err, errlen, "ps2");
    i8042_connect(pc->kbc, I8042_PORT_KBD,
                  (struct i8042_port){ ps2_kbd_write, ps2_kbd_read, pc->kbd });
    i8042_connect(pc->kbc, I8042_PORT_AUX,
                  (struct i8042_port){ ps2_mouse_write, ps2_mouse_read, pc->mouse });
    machine_add_device(m, &i8042_state_desc, pc->kbc, i8042_reset_hook);
    machine_add_device(m, &ps2_kbd_state_desc, pc->kbd, ps2_kbd_reset_hook);
    machine_add_device(m, &ps2_mouse_state_desc, pc->mouse, ps2_mouse_reset_hook);

    pc->dma = dma_create(m->io, m->mem, &m->log);
    if (!pc->dma)
        return out_of_memory(err, errlen, "dma");
    machine_add_device(m, &dma_state_desc, pc->dma, dma_reset_hook);

    pc->pci = pci_create(m->io, &m->log);
    pc->i440fx = pc->pci ? i440fx_create(pc->pci, m->mem, m->ram_size, memory_map_changed,
                                         m->cpu)
                         : NULL;
    pc->piix3 = pc->i440fx ? piix3_create(pc->pci, NULL, NULL) : NULL;
    if (!pc->piix3)
        return out_of_memory(err, errlen, "pci");
    machine_add_device(m, &pci_state_desc, pc->pci, pci_reset_hook);
    machine_add_device(m, &i440fx_state_desc, pc->i440fx, i440fx_reset_hook);
    machine_add_device(m, &piix3_state_desc, pc->piix3, piix3_reset_hook);
    pc->pm = piix4_pm_create(pc->pci, m->io, m->clock, pic_irq_line(pc->pic, PIIX4_SCI_IRQ),
                             (struct piix4_pm_board){ power_off, m }, &m->log);
    if (!pc->pm)
        return out_of_memory(err, errlen, "piix4_pm");
    machine_add_device(m, &piix4_pm_state_desc, pc->pm, piix4_pm_reset_hook);

    pc->ports = system_ports_create(m->io, pc->pci, m->clock, pc->pit,
                                    (struct system_ports_board){ ports_set_a20, board_reset, pc },
                                    pic_irq_line(pc->pic, 13), &m->log);
    if (!pc->ports)
        return out_of_memory(err, errlen, "system ports");
    m->cpu->ferr = (struct cpu_ferr){ cpu_ferr, pc };
    machine_add_device(m, &system_ports_state_desc, pc->ports, system_ports_reset_hook);

    pc->fw_cfg = fw_cfg_create(m->io, m->mem, &m->log);
    if (!pc->fw_cfg || fill_fw_cfg(pc, m->ram_size, err, errlen) < 0)
        return out_of_memory(err, errlen, "fw_cfg");
    machine_add_device(m, &fw_cfg_state_desc, pc->fw_cfg, fw_cfg_reset_hook);
    if (acpi_tables_install(pc->fw_cfg, ACPI_PM_BASE) < 0)
        return out_of_memory(err, errlen, "ACPI tables");
    if (m->linux_boot && linux_boot_add_fw_cfg(m->linux_boot, pc->fw_cfg, err, errlen) < 0)
        return -1;
    fill_cmos(pc, m->ram_size);
    return 0;
}

static int create_ports(struct pc *pc, const struct machine_config *cfg, char *err,
                        size_t errlen)
{
    struct machine *m = pc->m;
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        if (!cfg->serial[i])
            continue;
        char label[16];
        snprintf(label, sizeof(label), "serial%u", i);
        pc->serial_chr[i] = chardev_open(cfg->serial[i], "-serial", label, err, errlen);
        if (!pc->serial_chr[i])
            return -1;
        pc->serial[i] = serial_create(m->io, m->clock, serial_base[i], pc->serial_chr[i],
                                      pic_irq_line(pc->pic, serial_irq[i]), &m->log);
        if (!pc->serial[i])
            return out_of_memory(err, errlen, "-serial");
        machine_add_device(m, &serial_state_desc, pc->serial[i], serial_reset_hook);
    }
    if (cfg->debugcon) {
        pc->debugcon_chr = chardev_open(cfg->debugcon, "-debugcon", "debugcon", err, errlen);
        if (!pc->debugcon_chr)
            return -1;
        pc->debugcon = debugcon_create(m->io, MACHINE_DEBUGCON_PORT, pc->debugcon_chr);
        if (!pc->debugcon)
            return out_of_memory(err, errlen, "-debugcon");
        machine_add_device(m, &debugcon_state_desc, pc->debugcon, NULL);
    }
    if (cfg->debug_exit) {
        pc->debug_exit = debug_exit_create(m->io, cfg->debug_exit_base, cfg->debug_exit_size,
                                           debug_exit_request, m);
        if (!pc->debug_exit) {
            snprintf(err, errlen,
                     "-device: isa-debug-exit at 0x%x-0x%x overlaps another device's ports",
                     cfg->debug_exit_base, cfg->debug_exit_base + cfg->debug_exit_size - 1);
            return -1;
        }
        machine_add_device(m, &debug_exit_state_desc, pc->debug_exit, NULL);
    }
    return 0;
}

int pc_create(struct machine *m, const struct machine_config *cfg, char *err, size_t errlen)
{
    struct pc *pc = calloc(1, sizeof(*pc));
    if (!pc)
        return out_of_memory(err, errlen, "machine");
    pc->m = m;
    m->board = pc;
    /* Firmware runs unless a Multiboot kernel starts directly; an explicit
     * -bios is mapped either way, so that a kernel may call into it. A
     * Linux kernel boots through the firmware, from which an option ROM
     * loads it (vm/linux_boot.h). */
    if (!m->boot || cfg->bios_path) {
        const char *path = cfg->bios_path ? cfg->bios_path : MACHINE_DEFAULT_BIOS;
        if (map_bios(pc, path, !cfg->bios_path, err, errlen) < 0)
            return -1;
    }
    /* No display adapter claims the legacy video window yet: reads there
     * float high and writes go nowhere, as on a PC without one. */
    mem_set_shadow(m->mem, VIDEO_WINDOW, VIDEO_WINDOW_SIZE, false, false);
    if (create_chipset(pc, cfg, err, errlen) < 0 || create_ports(pc, cfg, err, errlen) < 0)
        return -1;
    return 0;
}

void pc_destroy(struct pc *pc)
{
    if (!pc)
        return;
    debug_exit_destroy(pc->debug_exit);
    debugcon_destroy(pc->debugcon);
    chardev_close(pc->debugcon_chr);
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++) {
        serial_destroy(pc->serial[i]);
        chardev_close(pc->serial_chr[i]);
    }
    fw_cfg_destroy(pc->fw_cfg);
    system_ports_destroy(pc->ports);
    piix4_pm_destroy(pc->pm);
    piix3_destroy(pc->piix3);
    i440fx_destroy(pc->i440fx);
    pci_destroy(pc->pci);
    dma_destroy(pc->dma);
    ps2_mouse_destroy(pc->mouse);
    ps2_kbd_destroy(pc->kbd);
    i8042_destroy(pc->kbc);
    rtc_destroy(pc->rtc);
    pit_destroy(pc->pit);
    pic_destroy(pc->pic);
    free(pc);
}

void pc_poll_input(struct pc *pc)
{
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++)
        if (pc->serial[i])
            serial_poll(pc->serial[i]);
}
