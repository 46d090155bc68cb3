/*
 * The virtual clock and its timers.
 *
 * One clock per machine, in nanoseconds since the machine started. It
 * advances with host time, or, in deterministic mode (-icount shift=N),
 * by 2^N ns per guest instruction, so runs repeat exactly. Devices arm
 * timers on it; the main loop runs the CPU until the earliest deadline and
 * then fires what is due. Timers are plain structs owned by their device:
 * no allocation, and a timer's deadline is part of the device's state.
 *
 * Everything but vclock_kick belongs to the machine's thread. Destroy the
 * clock after every device with a timer on it.
 */
#ifndef LINTAS_TIMER_H
#define LINTAS_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_NEVER UINT64_MAX

struct vclock;

struct timer {
    struct vclock *clock;
    void (*fire)(void *opaque);
    void *opaque;
    uint64_t deadline;  /* ns; TIMER_NEVER when not armed */
    struct timer *next; /* in the clock's list, earliest first */
};

/* shift < 0: host time; 0..30: 2^shift ns per instruction. NULL when the
 * shift is above 30 or the host is out of memory or threads resources. */
struct vclock *vclock_create(int icount_shift);
void vclock_destroy(struct vclock *clock);

/* Does time come from the instruction count (-icount)? */
bool vclock_icount(const struct vclock *clock);

/* The current virtual time in ns. */
uint64_t vclock_now(const struct vclock *clock);

/* Tell the clock how many instructions have retired in total (icount mode
 * derives time from it; host-time mode ignores it). */
void vclock_account(struct vclock *clock, uint64_t icount);

/* The earliest armed deadline, or TIMER_NEVER. */
uint64_t vclock_next_deadline(const struct vclock *clock);

/* In icount mode, how many more instructions bring the clock to the next
 * deadline (0: it is due); UINT64_MAX with no deadline or in host-time
 * mode, where instructions do not measure time. */
uint64_t vclock_insn_budget(const struct vclock *clock);

/* Fire every timer whose deadline is at or before now (read once, on
 * entry), earliest first; equal deadlines in the order they were armed. A
 * timer is disarmed just before its callback runs, and a callback may arm
 * or disarm any timer; one armed at or before that now fires in this same
 * call, so a periodic timer that fell behind catches up. */
void vclock_run_due(struct vclock *clock);

/* Have hook(opaque) called whenever a timer is armed ahead of every other
 * one, so that a CPU running to the old earliest deadline can stop in time. */
void vclock_set_deadline_hook(struct vclock *clock, void (*hook)(void *opaque), void *opaque);

/* For a halted CPU. In host-time mode, sleep until the next deadline or a
 * vclock_kick; in icount mode jump the clock forward to the next deadline,
 * as an idle CPU would reach it, or with none armed wait for a kick. A kick
 * that came since the last idle makes this return at once, so an event
 * announced between the caller's last look and the sleep is not missed. */
void vclock_idle(struct vclock *clock);
/* From any thread: end the current or next vclock_idle. */
void vclock_kick(struct vclock *clock);

/* Saved and restored with the machine: the clock's current time. In icount
 * mode time then goes on from the count last passed to vclock_account, so
 * a machine restoring its CPU's instruction count accounts it first. */
uint64_t vclock_save(const struct vclock *clock);
void vclock_restore(struct vclock *clock, uint64_t now);

void timer_init(struct timer *t, struct vclock *clock, void (*fire)(void *opaque), void *opaque);
/* Arm (or re-arm) for an absolute deadline in ns; TIMER_NEVER disarms. A
 * device whose saved state wrote t->deadline directly re-arms with
 * timer_mod(t, t->deadline) in its post_load. */
void timer_mod(struct timer *t, uint64_t deadline);
void timer_del(struct timer *t);
static inline bool timer_pending(const struct timer *t)
{
    return t->deadline != TIMER_NEVER;
}

#endif
