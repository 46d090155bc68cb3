/*
 * Motorola MC146818 real-time clock with 128 bytes of CMOS RAM (the PC's
 * RTC) at ports 0x70 (index; bit 7 masks NMI) and 0x71 (data), IRQ 8.
 */
#ifndef HW_RTC_H
#define HW_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "lintas/io.h"
#include "lintas/irq.h"
#include "lintas/log.h"
#include "lintas/state.h"
#include "lintas/timer.h"

#define RTC_BASE 0x70
#define RTC_CMOS_SIZE 128
/* The IBM century byte: kept by the clock, in the mode register B selects. */
#define RTC_CMOS_CENTURY 0x32

struct rtc;

/* Claim ports 0x70-0x71. The clock shows base_seconds (seconds since
 * 1970-01-01 00:00:00 in the guest's time zone) from now on and runs
 * with clock's virtual time, updating each whole second from now. Returns NULL when the ports are taken, memory runs out
 * or base_seconds is outside years 0-9999. log (may be NULL) must outlive
 * the clock and gets its guest_errors reports. */
struct rtc *rtc_create(struct io_bus *io, struct vclock *clock, struct irq_line irq8,
                       int64_t base_seconds, const struct logger *log);
void rtc_destroy(struct rtc *rtc);

/* The board's RESET line (datasheet, "RESET"): interrupt enables, the
 * square-wave enable and the interrupt flags clear; time, divider and RAM
 * stay. */
void rtc_reset(struct rtc *rtc);

/* Whether the guest masked NMI through bit 7 of port 0x70. */
bool rtc_nmi_masked(const struct rtc *rtc);

/* CMOS bytes by index (0-127), as the board fills them before the guest
 * runs. Bytes 0-13 and the century byte are the clock's registers: a write
 * acts as a guest write would, and a read shows the register without side
 * effects (register C keeps its flags). */
void rtc_cmos_write(struct rtc *rtc, uint8_t index, uint8_t value);
uint8_t rtc_cmos_read(struct rtc *rtc, uint8_t index);

/* The clock, its registers and the RAM, for state_save and state_load
 * with a struct rtc as the object. Loading re-arms the interrupt timers
 * and sets IRQ 8 to match the loaded flags. */
extern const struct state_desc rtc_state_desc;

#endif
