/*
 * Intel 82371AB PIIX4 function 3, power management, after the 82371AB
 * datasheet (order 290562): section 7.1 (configuration registers) and 7.2
 * (the PM I/O registers), and the ACPI 1.0b specification, section 4.7
 * (fixed hardware).
 *
 * Configuration space: PMBA (0x40, bits 15:6 the I/O base, bit 0 set to
 * say I/O) and PMREGMISC (0x80, bit 0 PMIOSE) place the 64 bytes of PM
 * registers on the port bus; SMBBA (0x90) and the SMBus and device
 * monitoring registers are storage, since there is no SMBus and nothing
 * to monitor. The CPU has no SMM, so DEVACTB's APMC_EN (0x58 bit 25)
 * starts set: firmware that finds it set takes SMM as already set up
 * (SeaBIOS's SMM init checks exactly this) instead of waiting for an SMI
 * handler that would never run.
 *
 * PM registers: PM1 status (write 1 to clear) and enable, PM1 control
 * (SCI_EN, SLP_TYP, SLP_EN: the soft-off SLP_TYP powers off), the PM
 * timer, GPE0 status and enable with no event behind them. The rest of the
 * 64 bytes (processor control, the legacy SMI registers) read 0 and
 * ignore writes.
 *
 * The PM timer counts 3.579545 MHz clocks of the virtual clock from its
 * time 0, so nothing ticks: a read computes it. TMR_STS sets each time
 * bit 23 of the count toggles; a virtual-clock timer is armed for the next
 * toggle only while TMR_EN is set and TMR_STS clear, the only case where
 * the toggle raises the SCI. Otherwise the status follows lazily from
 * the count when the guest looks.
 *
 * APM: 0xB2 (APMC) and 0xB3 (APMS) are storage. With no SMI handler to
 * carry them out, the two commands the FADT gives the OS for switching
 * to and from ACPI mode act directly on SCI_EN, as the handler would.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/piix4_pm.h"

#define VENDOR_INTEL 0x8086
#define DEVICE_82371AB_PM 0x7113
#define REVISION 0x03 /* PIIX4E, as QEMU reports */
#define CLASS_OTHER_BRIDGE 0x068000
#define NS_PER_SEC 1000000000ull

enum { REG_PMBA = 0x40, REG_DEVACTB = 0x58, REG_PMREGMISC = 0x80, REG_SMBBA = 0x90 };
#define PMBA_IO 0x01
#define PMBA_MASK 0xffc0
#define PMIOSE 0x01
#define DEVACTB_APMC_EN_BYTE3 0x02 /* bit 25 of the dword at 0x58 */

/* Bits the guest can set, and which status bits raise the SCI. */
#define PM1_STS_BITS (PIIX4_PM1_TMR | 0x0010 /* BM_STS */ | PIIX4_PM1_GBL | \
                      PIIX4_PM1_PWRBTN | PIIX4_PM1_RTC | PIIX4_PM1_WAK_STS)
#define PM1_EN_BITS (PIIX4_PM1_TMR | PIIX4_PM1_GBL | PIIX4_PM1_PWRBTN | PIIX4_PM1_RTC)
#define PM1_SLP_TYP (7u << PIIX4_PM1_SLP_TYP_SHIFT)
#define PM1_CNT_BITS (PIIX4_PM1_SCI_EN | 0x0002 /* BM_RLD */ | PM1_SLP_TYP)
#define TMR_TOGGLE_SHIFT (PIIX4_PM_TIMER_BITS - 1)

struct piix4_pm_state {
    struct pci_function fn;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe_sts, gpe_en;
    uint8_t apm_cnt, apm_sts;
    uint64_t tmr_mark; /* timer clock when TMR_STS was last clear with no toggle since */
};

struct piix4_pm {
    struct piix4_pm_state st; /* first: the state table's offsets are struct piix4_pm's */
    struct io_bus *io;
    struct vclock *clock;
    struct timer tmr;
    struct irq_line sci;
    struct piix4_pm_board board;
    const struct logger *log;
    uint16_t io_base;   /* where the PM registers are on the bus; 0: nowhere */
    uint8_t pm_io_tag;  /* its address tells the PM range from the APM ports */
};

static struct piix4_pm *pm_of_io_tag(void *tag)
{
    return (struct piix4_pm *)((char *)tag - offsetof(struct piix4_pm, pm_io_tag));
}

static uint64_t ns_to_tick(uint64_t ns)
{
    return ns / NS_PER_SEC * PIIX4_PM_TIMER_HZ +
           ns % NS_PER_SEC * PIIX4_PM_TIMER_HZ / NS_PER_SEC;
}

/* The first ns of timer clock t, or TIMER_NEVER past the end of time. */
static uint64_t tick_to_ns(uint64_t t)
{
    uint64_t q = t / PIIX4_PM_TIMER_HZ, r = t % PIIX4_PM_TIMER_HZ;
    if (q >= (UINT64_MAX - NS_PER_SEC) / NS_PER_SEC)
        return TIMER_NEVER;
    return q * NS_PER_SEC + (r * NS_PER_SEC + PIIX4_PM_TIMER_HZ - 1) / PIIX4_PM_TIMER_HZ;
}

static uint64_t now_tick(const struct piix4_pm *pm)
{
    return ns_to_tick(vclock_now(pm->clock));
}

/* Set TMR_STS when bit 23 toggled since the mark. */
static void sync_tmr_sts(struct piix4_pm *pm)
{
    if (now_tick(pm) >> TMR_TOGGLE_SHIFT > pm->st.tmr_mark >> TMR_TOGGLE_SHIFT)
        pm->st.pm1_sts |= PIIX4_PM1_TMR;
}

/* The SCI (datasheet 7.2.1: an enabled status bit with SCI_EN set), and
 * the timer for the next TMR_STS that would raise it. */
static void update(struct piix4_pm *pm)
{
    struct piix4_pm_state *st = &pm->st;
    sync_tmr_sts(pm);
    bool event = (st->pm1_sts & st->pm1_en & PM1_EN_BITS) || (st->gpe_sts & st->gpe_en);
    irq_set(&pm->sci, (st->pm1_cnt & PIIX4_PM1_SCI_EN) && event);
    if ((st->pm1_en & PIIX4_PM1_TMR) && !(st->pm1_sts & PIIX4_PM1_TMR)) {
        uint64_t toggle = ((st->tmr_mark >> TMR_TOGGLE_SHIFT) + 1) << TMR_TOGGLE_SHIFT;
        timer_mod(&pm->tmr, tick_to_ns(toggle));
    } else {
        timer_del(&pm->tmr);
    }
}

static void tmr_fire(void *opaque)
{
    update(opaque);
}

static void sleep_request(struct piix4_pm *pm, uint16_t cnt)
{
    unsigned slp_typ = (cnt & PM1_SLP_TYP) >> PIIX4_PM1_SLP_TYP_SHIFT;
    if (slp_typ == PIIX4_SLP_TYP_SOFT_OFF) {
        if (pm->board.power_off)
            pm->board.power_off(pm->board.opaque);
        return;
    }
    /* Suspend is not modelled: the machine wakes at once. */
    log_printf(pm->log, LOG_GUEST_ERRORS, "piix4_pm: sleep type %u is not supported\n",
               slp_typ);
    pm->st.pm1_sts |= PIIX4_PM1_WAK_STS;
}

static uint16_t reg_read(struct piix4_pm *pm, unsigned reg)
{
    struct piix4_pm_state *st = &pm->st;
    switch (reg) {
    case PIIX4_PM1_STS:
        sync_tmr_sts(pm);
        return st->pm1_sts;
    case PIIX4_PM1_EN:
        return st->pm1_en;
    case PIIX4_PM1_CNT:
        return st->pm1_cnt;
    case PIIX4_PM_TMR:
        return (uint16_t)now_tick(pm);
    case PIIX4_PM_TMR + 2:
        return (uint16_t)(now_tick(pm) >> 16) & ((1u << (PIIX4_PM_TIMER_BITS - 16)) - 1);
    case PIIX4_GPE0:
        return st->gpe_sts;
    case PIIX4_GPE0 + 2:
        return st->gpe_en;
    }
    return 0;
}

/* A write of the bytes in mask to the 16-bit register reg. */
static void reg_write(struct piix4_pm *pm, unsigned reg, uint16_t v, uint16_t mask)
{
    struct piix4_pm_state *st = &pm->st;
    switch (reg) {
    case PIIX4_PM1_STS:
        sync_tmr_sts(pm);
        st->pm1_sts &= (uint16_t)~(v & mask & PM1_STS_BITS);
        if (v & mask & PIIX4_PM1_TMR)
            st->tmr_mark = now_tick(pm);
        break;
    case PIIX4_PM1_EN:
        st->pm1_en = (uint16_t)((st->pm1_en & ~mask) | (v & mask & PM1_EN_BITS));
        break;
    case PIIX4_PM1_CNT:
        st->pm1_cnt = (uint16_t)((st->pm1_cnt & ~(mask & PM1_CNT_BITS)) |
                                 (v & mask & PM1_CNT_BITS));
        if (v & mask & PIIX4_PM1_SLP_EN)
            sleep_request(pm, st->pm1_cnt);
        break;
    case PIIX4_GPE0:
        st->gpe_sts &= (uint16_t)~(v & mask);
        break;
    case PIIX4_GPE0 + 2:
        st->gpe_en = (uint16_t)((st->gpe_en & ~mask) | (v & mask));
        break;
    }
}

/* Accesses of any size go to the 16-bit registers they cover, byte lane
 * by byte lane. */
static uint32_t pm_io_read(void *opaque, uint32_t offset, unsigned size)
{
    struct piix4_pm *pm = pm_of_io_tag(opaque);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned a = offset + i;
        uint16_t reg = reg_read(pm, a & ~1u);
        v |= (uint32_t)((reg >> (8 * (a & 1))) & 0xff) << (8 * i);
    }
    /* Reading PM1_STS may find TMR_STS newly set. */
    if (offset < PIIX4_PM1_STS + 2)
        update(pm);
    return v;
}

static void pm_io_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct piix4_pm *pm = pm_of_io_tag(opaque);
    for (unsigned i = 0; i < size;) {
        unsigned reg = (offset + i) & ~1u;
        uint16_t v = 0, mask = 0;
        for (; i < size && ((offset + i) & ~1u) == reg; i++) {
            unsigned lane = 8 * ((offset + i) & 1);
            v |= (uint16_t)(((value >> (8 * i)) & 0xff) << lane);
            mask |= (uint16_t)(0xff << lane);
        }
        reg_write(pm, reg, v, mask);
    }
    update(pm);
}

static const struct io_ops pm_io_ops = { pm_io_read, pm_io_write };

static uint32_t apm_read(void *opaque, uint32_t offset, unsigned size)
{
    struct piix4_pm *pm = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && offset + i < 2; i++)
        v |= (uint32_t)(offset + i ? pm->st.apm_sts : pm->st.apm_cnt) << (8 * i);
    return v;
}

static void apm_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct piix4_pm *pm = opaque;
    for (unsigned i = 0; i < size && offset + i < 2; i++) {
        uint8_t b = (uint8_t)(value >> (8 * i));
        if (offset + i) {
            pm->st.apm_sts = b;
            continue;
        }
        pm->st.apm_cnt = b;
        if (b == PIIX4_ACPI_ENABLE)
            pm->st.pm1_cnt |= PIIX4_PM1_SCI_EN;
        else if (b == PIIX4_ACPI_DISABLE)
            pm->st.pm1_cnt &= (uint16_t)~PIIX4_PM1_SCI_EN;
    }
    update(pm);
}

static const struct io_ops apm_ops = { apm_read, apm_write };

/* Where PMBA and PMIOSE put the PM registers; 0 for nowhere. */
static uint16_t pm_io_base_of(const struct pci_function *fn)
{
    if (!(fn->config[REG_PMREGMISC] & PMIOSE))
        return 0;
    return pci_get_word(fn, REG_PMBA) & PMBA_MASK;
}

static void map_pm_io(struct piix4_pm *pm)
{
    uint16_t base = pm_io_base_of(&pm->st.fn);
    if (base == pm->io_base)
        return;
    io_unregister_all(pm->io, &pm->pm_io_tag);
    pm->io_base = 0;
    if (!base)
        return;
    if (io_register(pm->io, base, PIIX4_PM_IO_SIZE, &pm_io_ops, &pm->pm_io_tag) < 0) {
        log_printf(pm->log, LOG_GUEST_ERRORS,
                   "piix4_pm: PM registers at 0x%x overlap another device's ports\n", base);
        return;
    }
    pm->io_base = base;
}

static void init_config(struct pci_function *fn)
{
    pci_function_init(fn, VENDOR_INTEL, DEVICE_82371AB_PM, REVISION, CLASS_OTHER_BRIDGE, 0);
    pci_set_word(fn, PCI_STATUS, 0x0280); /* fast back-to-back, medium DEVSEL */
    fn->config[PCI_INTERRUPT_PIN] = 0x01;
    fn->config[REG_PMBA] = PMBA_IO;
    fn->wmask[REG_PMBA] = PMBA_MASK & 0xff;
    fn->wmask[REG_PMBA + 2] = fn->wmask[REG_PMBA + 3] = 0;
    fn->config[REG_DEVACTB + 3] = DEVACTB_APMC_EN_BYTE3;
    fn->wmask[REG_PMREGMISC] = PMIOSE;
    fn->config[REG_SMBBA] = PMBA_IO;
    fn->wmask[REG_SMBBA] = 0xf0; /* bits 15:4 the SMBus I/O base */
    fn->wmask[REG_SMBBA + 2] = fn->wmask[REG_SMBBA + 3] = 0;
}

static bool overlaps(unsigned offset, unsigned size, unsigned reg, unsigned reg_size)
{
    return offset < reg + reg_size && offset + size > reg;
}

static void pm_config_write(void *opaque, unsigned offset, unsigned size)
{
    if (overlaps(offset, size, REG_PMBA, 4) || overlaps(offset, size, REG_PMREGMISC, 1))
        map_pm_io(opaque);
}

static int piix4_pm_post_load(void *obj, char *err, size_t errlen)
{
    struct piix4_pm *pm = obj;
    struct pci_function ref;
    init_config(&ref);
    if (!pci_function_valid(&pm->st.fn, &ref)) {
        snprintf(err, errlen, "piix4_pm: read-only configuration bits differ");
        return -1;
    }
    map_pm_io(pm);
    update(pm);
    return 0;
}

/* Reset does not come from this table alone: piix4_pm_reset rebuilds the
 * configuration header and marks the timer at the current time. */
static const struct state_field piix4_pm_fields[] = {
    STATE_ARRAY(struct piix4_pm, st.fn.config, 0),
    STATE_FIELD(struct piix4_pm, st.pm1_sts, 0),
    STATE_FIELD(struct piix4_pm, st.pm1_en, 0),
    STATE_FIELD(struct piix4_pm, st.pm1_cnt, 0),
    STATE_FIELD(struct piix4_pm, st.gpe_sts, 0),
    STATE_FIELD(struct piix4_pm, st.gpe_en, 0),
    STATE_FIELD(struct piix4_pm, st.apm_cnt, 0),
    STATE_FIELD(struct piix4_pm, st.apm_sts, 0),
    STATE_FIELD(struct piix4_pm, st.tmr_mark, 0),
};

const struct state_desc piix4_pm_state_desc = {
    .name = "piix4_pm",
    .version = 1,
    .fields = piix4_pm_fields,
    .field_count = sizeof(piix4_pm_fields) / sizeof(piix4_pm_fields[0]),
    .post_load = piix4_pm_post_load,
};

void piix4_pm_reset(struct piix4_pm *pm)
{
    state_reset(&piix4_pm_state_desc, pm);
    init_config(&pm->st.fn);
    pm->st.tmr_mark = now_tick(pm);
    map_pm_io(pm);
    update(pm);
}

struct piix4_pm *piix4_pm_create(struct pci_bus *bus, struct io_bus *io, struct vclock *clock,
                                 struct irq_line sci, struct piix4_pm_board board,
                                 const struct logger *log)
{
    struct piix4_pm *pm = calloc(1, sizeof(*pm));
    if (!pm)
        return NULL;
    pm->io = io;
    pm->clock = clock;
    pm->sci = sci;
    pm->board = board;
    pm->log = log;
    timer_init(&pm->tmr, clock, tmr_fire, pm);
    init_config(&pm->st.fn);
    pm->st.fn.config_write = pm_config_write;
    pm->st.fn.opaque = pm;
    pm->st.tmr_mark = now_tick(pm);
    if (io_register(io, PIIX4_APM_CNT, 2, &apm_ops, pm) < 0) {
        free(pm);
        return NULL;
    }
    if (pci_attach(bus, PIIX4_PM_DEVFN, &pm->st.fn) < 0) {
        io_unregister_all(io, pm);
        free(pm);
        return NULL;
    }
    return pm;
}

void piix4_pm_destroy(struct piix4_pm *pm)
{
    if (!pm)
        return;
    timer_del(&pm->tmr);
    io_unregister_all(pm->io, &pm->pm_io_tag);
    io_unregister_all(pm->io, pm);
    free(pm);
}
