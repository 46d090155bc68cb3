/* The PIIX4 power management function through PCI configuration cycles
 * and the port bus, against the 82371AB datasheet (sections 7.1, 7.2) and
 * ACPI 1.0b 4.7, with time driven exactly by a virtual clock in icount
 * mode (1 ns per instruction); and the board's power-off path through a
 * whole machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pci.h"
#include "hw/piix4_pm.h"
#include "lintas/io.h"
#include "lintas/machine.h"
#include "lintas/state.h"
#include "lintas/timer.h"
#include "unit_check.h"

#define PM_BASE 0x600
#define NS_PER_SEC 1000000000ull
#define TOGGLE (1ull << 23) /* timer clocks between TMR_STS events */
enum { PMBA = 0x40, DEVACTB = 0x58, PMREGMISC = 0x80, SMBBA = 0x90 };
enum { STS = PM_BASE + PIIX4_PM1_STS, EN = PM_BASE + PIIX4_PM1_EN,
       CNT = PM_BASE + PIIX4_PM1_CNT, TMR = PM_BASE + PIIX4_PM_TMR,
       GPSTS = PM_BASE + PIIX4_GPE0, GPEN = PM_BASE + PIIX4_GPE0 + 2 };

struct rig {
    struct vclock *clock;
    struct io_bus *io;
    struct pci_bus *pci;
    struct piix4_pm *pm;
    bool sci;
    unsigned sci_rises, power_offs;
};

static void sci_set(void *opaque, unsigned line, bool level)
{
    struct rig *r = opaque;
    (void)line;
    if (level && !r->sci)
        r->sci_rises++;
    r->sci = level;
}

static void power_off(void *opaque)
{
    struct rig *r = opaque;
    r->power_offs++;
}

static void rig_open(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    r->clock = vclock_create(0);
    r->io = io_create();
    r->pci = r->io ? pci_create(r->io, NULL) : NULL;
    if (!r->clock || !r->pci) {
        fprintf(stderr, "test_piix4_pm: out of memory\n");
        exit(2);
    }
    r->pm = piix4_pm_create(r->pci, r->io, r->clock, (struct irq_line){ sci_set, r, 0 },
                            (struct piix4_pm_board){ power_off, r }, NULL);
    if (!r->pm) {
        fprintf(stderr, "test_piix4_pm: cannot create the PM function\n");
        exit(2);
    }
}

static void rig_close(struct rig *r)
{
    piix4_pm_destroy(r->pm);
    pci_destroy(r->pci);
    io_destroy(r->io);
    vclock_destroy(r->clock);
}

static uint32_t cfg_read(struct rig *r, unsigned offset, unsigned size)
{
    return pci_config_read(r->pci, PIIX4_PM_DEVFN, offset, size);
}

static void cfg_write(struct rig *r, unsigned offset, uint32_t v, unsigned size)
{
    pci_config_write(r->pci, PIIX4_PM_DEVFN, offset, v, size);
}

/* What SeaBIOS does: PMBA, then PMIOSE. */
static void enable_pm_io(struct rig *r)
{
    cfg_write(r, PMBA, PM_BASE | 1, 4);
    cfg_write(r, PMREGMISC, 0x01, 1);
}

static uint64_t tick_ns(uint64_t tick)
{
    return (tick * NS_PER_SEC + PIIX4_PM_TIMER_HZ - 1) / PIIX4_PM_TIMER_HZ;
}

static void go_ns(struct rig *r, uint64_t ns)
{
    vclock_account(r->clock, ns);
    vclock_run_due(r->clock);
}

static void test_config(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    CHECK(t, cfg_read(&r, PCI_VENDOR_ID, 4) == 0x71138086);
    CHECK(t, cfg_read(&r, PCI_REVISION_ID, 4) == 0x06800003);
    CHECK(t, cfg_read(&r, PCI_HEADER_TYPE, 1) == 0x00);
    CHECK(t, cfg_read(&r, PCI_INTERRUPT_PIN, 1) == 0x01);
    CHECK(t, cfg_read(&r, PCI_STATUS, 2) == 0x0280);
    /* PMBA: bits 15:6 the base, bit 0 reads 1 (datasheet 7.1.10). */
    CHECK(t, cfg_read(&r, PMBA, 4) == 0x00000001);
    cfg_write(&r, PMBA, 0xffffffff, 4);
    CHECK(t, cfg_read(&r, PMBA, 4) == 0x0000ffc1);
    /* SMBBA: bits 15:4. */
    CHECK(t, cfg_read(&r, SMBBA, 4) == 0x00000001);
    cfg_write(&r, SMBBA, 0xffffffff, 4);
    CHECK(t, cfg_read(&r, SMBBA, 4) == 0x0000fff1);
    cfg_write(&r, PMREGMISC, 0xff, 1);
    CHECK(t, cfg_read(&r, PMREGMISC, 1) == 0x01);
    /* No SMM: APMC_EN starts set, so firmware skips its SMM setup. */
    CHECK(t, cfg_read(&r, DEVACTB, 4) == 0x02000000);
    cfg_write(&r, PCI_INTERRUPT_LINE, 9, 1);
    CHECK(t, cfg_read(&r, PCI_INTERRUPT_LINE, 1) == 9);
    /* Read-only identification. */
    cfg_write(&r, PCI_VENDOR_ID, 0x12345678, 4);
    CHECK(t, cfg_read(&r, PCI_VENDOR_ID, 4) == 0x71138086);
    rig_close(&r);
}

static void test_io_space(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    go_ns(&r, NS_PER_SEC);
    CHECK(t, io_read(r.io, TMR, 4) == 0xffffffff); /* not decoded yet */
    cfg_write(&r, PMBA, PM_BASE | 1, 4);
    CHECK(t, io_read(r.io, TMR, 4) == 0xffffffff); /* PMIOSE still clear */
    cfg_write(&r, PMREGMISC, 0x01, 1);
    CHECK(t, io_read(r.io, TMR, 4) == PIIX4_PM_TIMER_HZ);
    /* Moved: the old ports float, the new ones answer. */
    cfg_write(&r, PMBA + 1, 0x07, 1);
    CHECK(t, io_read(r.io, TMR, 4) == 0xffffffff);
    CHECK(t, io_read(r.io, 0x708, 4) == PIIX4_PM_TIMER_HZ);
    cfg_write(&r, PMREGMISC, 0x00, 1);
    CHECK(t, io_read(r.io, 0x708, 4) == 0xffffffff);
    /* Registers past GPE0 read 0. */
    enable_pm_io(&r);
    CHECK(t, io_read(r.io, PM_BASE + 0x10, 4) == 0);
    CHECK(t, io_read(r.io, PM_BASE + 0x3f, 1) == 0);
    /* The APM ports are storage. */
    io_write(r.io, PIIX4_APM_STS, 0x5a, 1);
    CHECK(t, io_read(r.io, PIIX4_APM_STS, 1) == 0x5a);
    io_write(r.io, PIIX4_APM_CNT, 0x01, 1);
    CHECK(t, io_read(r.io, PIIX4_APM_CNT, 2) == 0x5a01);
    rig_close(&r);
}

/* The timer is 3.579545 MHz clocks of virtual time, 24 bits wide. */
static void test_timer_rate(struct unit_tally *t)
{
    static const uint64_t ns[] = { 0, 279, 280, 1000, 1000000, 999999999, NS_PER_SEC,
                                   4687500000ull, 5 * NS_PER_SEC, 123456789012ull };
    struct rig r;
    rig_open(&r);
    enable_pm_io(&r);
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        go_ns(&r, ns[i]);
        uint64_t want = (uint64_t)((unsigned __int128)ns[i] * PIIX4_PM_TIMER_HZ / NS_PER_SEC);
        uint32_t got = io_read(r.io, TMR, 4);
        CHECK_CASE(t, got == (want & 0xffffff), "at %llu ns: 0x%x", (unsigned long long)ns[i],
                   got);
        /* Word and byte reads see the same count. */
        uint32_t parts = io_read(r.io, TMR, 2) | io_read(r.io, TMR + 2, 2) << 16;
        CHECK_CASE(t, parts == got, "words at %llu ns", (unsigned long long)ns[i]);
        CHECK_CASE(t, io_read(r.io, TMR + 3, 1) == 0, "top byte at %llu ns",
                   (unsigned long long)ns[i]);
    }
    /* A second of virtual time is PIIX4_PM_TIMER_HZ clocks, modulo 2^24. */
    go_ns(&r, 10 * NS_PER_SEC);
    uint32_t a = io_read(r.io, TMR, 4);
    go_ns(&r, 11 * NS_PER_SEC);
    uint32_t b = io_read(r.io, TMR, 4);
    CHECK(t, ((b - a) & 0xffffff) == PIIX4_PM_TIMER_HZ);
    rig_close(&r);
}

static void test_tmr_sts(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    enable_pm_io(&r);
    CHECK(t, io_read(r.io, STS, 2) == 0);
    go_ns(&r, tick_ns(TOGGLE) - 1);
    CHECK(t, !(io_read(r.io, STS, 2) & PIIX4_PM1_TMR));
    go_ns(&r, tick_ns(TOGGLE));
    CHECK(t, io_read(r.io, STS, 2) & PIIX4_PM1_TMR);
    /* Write 1 to clear; writing 0 leaves it. */
    io_write(r.io, STS, 0, 2);
    CHECK(t, io_read(r.io, STS, 2) & PIIX4_PM1_TMR);
    io_write(r.io, STS, PIIX4_PM1_TMR, 2);
    CHECK(t, !(io_read(r.io, STS, 2) & PIIX4_PM1_TMR));
    go_ns(&r, tick_ns(2 * TOGGLE));
    CHECK(t, io_read(r.io, STS, 2) & PIIX4_PM1_TMR);
    /* Status set without TMR_EN: no SCI and no timer armed. */
    CHECK(t, r.sci_rises == 0);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    rig_close(&r);
}

static void test_sci(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    enable_pm_io(&r);
    io_write(r.io, EN, PIIX4_PM1_TMR, 2);
    CHECK(t, io_read(r.io, EN, 2) == PIIX4_PM1_TMR);
    /* Armed for the next toggle of bit 23. */
    CHECK(t, vclock_next_deadline(r.clock) == tick_ns(TOGGLE));
    /* ACPI mode off (SCI_EN clear): the event raises no SCI. */
    go_ns(&r, tick_ns(TOGGLE));
    CHECK(t, io_read(r.io, STS, 2) & PIIX4_PM1_TMR);
    CHECK(t, !r.sci);
    /* The OS's ACPI_ENABLE through SMI_CMD sets SCI_EN: the pending
     * event raises the SCI. */
    io_write(r.io, PIIX4_APM_CNT, PIIX4_ACPI_ENABLE, 1);
    CHECK(t, io_read(r.io, CNT, 2) & PIIX4_PM1_SCI_EN);
    CHECK(t, r.sci && r.sci_rises == 1);
    io_write(r.io, STS, PIIX4_PM1_TMR, 2);
    CHECK(t, !r.sci);
    CHECK(t, vclock_next_deadline(r.clock) == tick_ns(2 * TOGGLE));
    go_ns(&r, tick_ns(2 * TOGGLE) - 1);
    CHECK(t, !r.sci);
    go_ns(&r, tick_ns(2 * TOGGLE));
    CHECK(t, r.sci && r.sci_rises == 2);
    /* Disabling the event drops the SCI. */
    io_write(r.io, EN, 0, 2);
    CHECK(t, !r.sci);
    io_write(r.io, EN, PIIX4_PM1_TMR, 2);
    CHECK(t, r.sci);
    io_write(r.io, PIIX4_APM_CNT, PIIX4_ACPI_DISABLE, 1);
    CHECK(t, !(io_read(r.io, CNT, 2) & PIIX4_PM1_SCI_EN));
    CHECK(t, !r.sci);
    /* GPE0: enable bits are storage; nothing sets a status bit. */
    io_write(r.io, GPEN, 0xffff, 2);
    CHECK(t, io_read(r.io, GPEN, 2) == 0xffff);
    CHECK(t, io_read(r.io, GPSTS, 2) == 0);
    rig_close(&r);
}

static void test_sleep(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    enable_pm_io(&r);
    /* SLP_TYP alone does nothing; SLP_EN reads 0. */
    io_write(r.io, CNT, PIIX4_PM1_SCI_EN, 2);
    CHECK(t, io_read(r.io, CNT, 2) == PIIX4_PM1_SCI_EN);
    CHECK(t, r.power_offs == 0);
    /* A sleep type other than soft off is refused: the machine wakes at
     * once and says so in WAK_STS. */
    io_write(r.io, CNT, PIIX4_PM1_SCI_EN | 5u << PIIX4_PM1_SLP_TYP_SHIFT | PIIX4_PM1_SLP_EN, 2);
    CHECK(t, r.power_offs == 0);
    CHECK(t, io_read(r.io, STS, 2) & PIIX4_PM1_WAK_STS);
    CHECK(t, io_read(r.io, CNT, 2) == (PIIX4_PM1_SCI_EN | 5u << PIIX4_PM1_SLP_TYP_SHIFT));
    io_write(r.io, STS, PIIX4_PM1_WAK_STS, 2);
    CHECK(t, !(io_read(r.io, STS, 2) & PIIX4_PM1_WAK_STS));
    /* Soft off, as the DSDT's \_S5 and SeaBIOS's APM power-off write it. */
    io_write(r.io, CNT, PIIX4_SLP_TYP_SOFT_OFF << PIIX4_PM1_SLP_TYP_SHIFT | PIIX4_PM1_SLP_EN, 2);
    CHECK(t, r.power_offs == 1);
    /* A byte write of the high half works the same. */
    io_write(r.io, CNT + 1, PIIX4_PM1_SLP_EN >> 8, 1);
    CHECK(t, r.power_offs == 2);
    /* ...as does a dword write of PM1_CNT with its neighbour. */
    io_write(r.io, CNT, PIIX4_PM1_SLP_EN, 4);
    CHECK(t, r.power_offs == 3);
    rig_close(&r);
}

static void test_reset_and_state(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    enable_pm_io(&r);
    io_write(r.io, PIIX4_APM_CNT, PIIX4_ACPI_ENABLE, 1);
    io_write(r.io, EN, PIIX4_PM1_TMR, 2);
    go_ns(&r, tick_ns(TOGGLE));
    CHECK(t, r.sci);

    struct state_writer w = { 0 };
    state_save(&piix4_pm_state_desc, r.pm, &w);
    CHECK(t, !w.failed);

    piix4_pm_reset(r.pm);
    CHECK(t, !r.sci);
    CHECK(t, cfg_read(&r, PMBA, 4) == 1);
    CHECK(t, io_read(r.io, TMR, 4) == 0xffffffff);
    CHECK(t, vclock_next_deadline(r.clock) == TIMER_NEVER);
    CHECK(t, cfg_read(&r, DEVACTB, 4) == 0x02000000);

    char err[160];
    struct state_reader rd = { w.buf, w.len, 0 };
    CHECK(t, state_load(&piix4_pm_state_desc, r.pm, &rd, err, sizeof(err)) == 0);
    CHECK(t, r.sci);
    CHECK(t, io_read(r.io, CNT, 2) == PIIX4_PM1_SCI_EN);
    CHECK(t, io_read(r.io, TMR, 4) == TOGGLE);

    /* A state whose read-only bits differ is refused, naming the device. */
    piix4_pm_reset(r.pm);
    struct state_writer bad = { 0 };
    state_save(&piix4_pm_state_desc, r.pm, &bad);
    const char *name = "piix4_pm";
    /* The section: name length and name, version, field count, then the
     * configuration bytes: flip the vendor ID's low byte. */
    size_t config = 4 + strlen(name) + 4 + 4;
    bad.buf[config] ^= 0xff;
    rd = (struct state_reader){ bad.buf, bad.len, 0 };
    CHECK(t, state_load(&piix4_pm_state_desc, r.pm, &rd, err, sizeof(err)) < 0);
    CHECK(t, strstr(err, "piix4_pm") != NULL);
    CHECK(t, cfg_read(&r, PCI_VENDOR_ID, 2) == 0x8086);
    state_writer_free(&bad);
    state_writer_free(&w);
    rig_close(&r);
}

static void test_taken(struct unit_tally *t)
{
    struct rig r;
    rig_open(&r);
    /* 00:01.3 and the APM ports are taken by the first one. */
    CHECK(t, piix4_pm_create(r.pci, r.io, r.clock, (struct irq_line){ 0 },
                             (struct piix4_pm_board){ 0 }, NULL) == NULL);
    rig_close(&r);
}

/* The board: the guest's soft off ends the run with status 0. */
static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_board_power_off(struct unit_tally *t)
{
    /* A Multiboot kernel of one HLT (a.out kludge, loaded at 2 MiB). */
    enum { ADDR = 0x200000, SIZE = 36 };
    const uint32_t magic = 0x1badb002, flags = 1u << 16;
    uint8_t k[SIZE] = { 0 };
    put32(k, magic);
    put32(k + 4, flags);
    put32(k + 8, -(magic + flags));
    put32(k + 12, ADDR);
    put32(k + 16, ADDR);
    put32(k + 28, ADDR + 32);
    k[32] = 0xf4;
    struct machine_config cfg = { .ram_size = 8u << 20, .kernel_path = "hlt.bin",
                                  .kernel_image = k, .kernel_image_size = SIZE,
                                  .icount_shift = 0 };
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof(err));
    if (!CHECK_MSG(t, m != NULL, "machine_create: %s", err))
        return;
    io_write(m->io, 0xcf8, 0x80000000u | PIIX4_PM_DEVFN << 8 | PCI_VENDOR_ID, 4);
    CHECK(t, io_read(m->io, 0xcfc, 4) == 0x71138086);
    io_write(m->io, 0xcf8, 0x80000000u | PIIX4_PM_DEVFN << 8 | PMBA, 4);
    io_write(m->io, 0xcfc, PM_BASE | 1, 4);
    io_write(m->io, 0xcf8, 0x80000000u | PIIX4_PM_DEVFN << 8 | PMREGMISC, 4);
    io_write(m->io, 0xcfc, 1, 1);
    CHECK(t, !m->exit_requested);
    io_write(m->io, CNT, PIIX4_PM1_SLP_EN, 2);
    CHECK(t, m->exit_requested && m->exit_status == 0);
    CHECK(t, machine_run(m, 0) == 0);
    machine_destroy(m);
}

int main(void)
{
    struct unit_tally t = { 0 };
    test_config(&t);
    test_io_space(&t);
    test_timer_rate(&t);
    test_tmr_sts(&t);
    test_sci(&t);
    test_sleep(&t);
    test_reset_and_state(&t);
    test_taken(&t);
    test_board_power_off(&t);
    return UNIT_REPORT(&t);
}
