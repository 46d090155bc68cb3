/*
 * The virtual clock and its timers (lintas/timer.h).
 *
 * Time is base + offset, where base is the host's CLOCK_MONOTONIC since
 * creation, or the retired instruction count shifted left by the icount
 * shift. Restoring and idling in icount mode only move the offset, so the
 * base stays what it is measured from.
 *
 * Timers sit in one singly linked list, earliest deadline first; a machine
 * has a dozen of them, so a linear insert costs less than any tree. The
 * list is touched only by the machine's thread. The one call other
 * threads make, vclock_kick, goes through a mutex and a condition
 * variable on CLOCK_MONOTONIC, so that host clock steps do not stretch or
 * cut an idle sleep.
 */
/* clock_gettime, CLOCK_MONOTONIC condition variables. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lintas/timer.h"

#define NS_PER_SEC 1000000000ull
#define ICOUNT_SHIFT_MAX 30

struct vclock {
    int shift;          /* < 0: host time */
    uint64_t host_base; /* CLOCK_MONOTONIC at creation, ns */
    uint64_t icount;    /* last count passed to vclock_account */
    uint64_t offset;    /* added to the base; wraps, as the base may exceed it */
    struct timer *head; /* armed timers, earliest first */
    void (*deadline_hook)(void *opaque);
    void *hook_opaque;

    pthread_mutex_t lock; /* guards kicked */
    pthread_cond_t wake;
    bool kicked;
};

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static bool host_mode(const struct vclock *clock)
{
    return clock->shift < 0;
}

static uint64_t clock_base(const struct vclock *clock)
{
    if (host_mode(clock))
        return host_ns() - clock->host_base;
    return clock->icount << clock->shift;
}

struct vclock *vclock_create(int icount_shift)
{
    if (icount_shift > ICOUNT_SHIFT_MAX)
        return NULL;
    struct vclock *clock = calloc(1, sizeof(*clock));
    if (!clock)
        return NULL;
    clock->shift = icount_shift < 0 ? -1 : icount_shift;
    clock->host_base = host_ns();

    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        goto fail_attr;
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&clock->wake, &attr) != 0)
        goto fail_cond;
    if (pthread_mutex_init(&clock->lock, NULL) != 0)
        goto fail_mutex;
    pthread_condattr_destroy(&attr);
    return clock;

fail_mutex:
    pthread_cond_destroy(&clock->wake);
fail_cond:
    pthread_condattr_destroy(&attr);
fail_attr:
    free(clock);
    return NULL;
}

void vclock_destroy(struct vclock *clock)
{
    if (!clock)
        return;
    pthread_mutex_destroy(&clock->lock);
    pthread_cond_destroy(&clock->wake);
    free(clock);
}

bool vclock_icount(const struct vclock *clock)
{
    return !host_mode(clock);
}

uint64_t vclock_now(const struct vclock *clock)
{
    return clock_base(clock) + clock->offset;
}

void vclock_account(struct vclock *clock, uint64_t icount)
{
    clock->icount = icount;
}

uint64_t vclock_next_deadline(const struct vclock *clock)
{
    return clock->head ? clock->head->deadline : TIMER_NEVER;
}

uint64_t vclock_insn_budget(const struct vclock *clock)
{
    uint64_t deadline = vclock_next_deadline(clock);
    if (host_mode(clock) || deadline == TIMER_NEVER)
        return UINT64_MAX;
    uint64_t now = vclock_now(clock);
    if (deadline <= now)
        return 0;
    uint64_t left = deadline - now;
    uint64_t step = 1ull << clock->shift;
    return left / step + (left % step != 0);
}

/* Take t out of the list if it is there. The list is searched rather than
 * trusting t->deadline: a device loading its state writes the deadline of
 * a timer that may or may not be linked, then re-arms it with timer_mod. */
static void timer_unlink(struct timer *t)
{
    for (struct timer **p = &t->clock->head; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
}

void vclock_run_due(struct vclock *clock)
{
    /* One reading of the clock: in host-time mode, a timer re-armed a
     * little ahead by its own callback must not keep this loop going as
     * host time moves on. A timer re-armed at or before that reading is
     * due and fires again, which is how a periodic timer catches up. */
    uint64_t now = vclock_now(clock);
    struct timer *t;
    while ((t = clock->head) && t->deadline <= now) {
        /* Off the list before its callback runs, so the callback may arm
         * or disarm any timer, this one included. */
        clock->head = t->next;
        t->next = NULL;
        t->deadline = TIMER_NEVER;
        t->fire(t->opaque);
    }
}

/* Wait until kicked or until host time reaches the virtual deadline
 * (TIMER_NEVER: no time limit). Called with clock->lock held. */
static void wait_for_kick(struct vclock *clock, uint64_t deadline)
{
    while (!clock->kicked) {
        if (deadline == TIMER_NEVER) {
            pthread_cond_wait(&clock->wake, &clock->lock);
            continue;
        }
        uint64_t now = vclock_now(clock);
        if (now >= deadline)
            break;
        /* Back to host time; capped at a day, so that a far deadline
         * cannot overflow the timespec (the loop simply waits again). */
        uint64_t left = deadline - now;
        if (left > 86400 * NS_PER_SEC)
            left = 86400 * NS_PER_SEC;
        uint64_t until = host_ns() + left;
        struct timespec ts = { .tv_sec = (time_t)(until / NS_PER_SEC),
                               .tv_nsec = (long)(until % NS_PER_SEC) };
        pthread_cond_timedwait(&clock->wake, &clock->lock, &ts);
    }
}

void vclock_idle(struct vclock *clock)
{
    uint64_t deadline = vclock_next_deadline(clock);
    pthread_mutex_lock(&clock->lock);
    if (host_mode(clock) || deadline == TIMER_NEVER) {
        /* In icount mode nothing but instructions advances time, so with
         * no deadline only an outside event can end the idle. */
        wait_for_kick(clock, deadline);
    } else {
        uint64_t now = vclock_now(clock);
        if (deadline > now)
            clock->offset += deadline - now;
    }
    /* A kick that came while the machine was busy has been seen now: the
     * caller looks at what the kick announced once this returns. */
    clock->kicked = false;
    pthread_mutex_unlock(&clock->lock);
}

void vclock_kick(struct vclock *clock)
{
    pthread_mutex_lock(&clock->lock);
    clock->kicked = true;
    pthread_cond_signal(&clock->wake);
    pthread_mutex_unlock(&clock->lock);
}

uint64_t vclock_save(const struct vclock *clock)
{
    return vclock_now(clock);
}

void vclock_restore(struct vclock *clock, uint64_t now)
{
    clock->offset = now - clock_base(clock);
}

void timer_init(struct timer *t, struct vclock *clock, void (*fire)(void *opaque), void *opaque)
{
    t->clock = clock;
    t->fire = fire;
    t->opaque = opaque;
    t->deadline = TIMER_NEVER;
    t->next = NULL;
}

void timer_mod(struct timer *t, uint64_t deadline)
{
    timer_unlink(t);
    t->deadline = deadline;
    if (deadline == TIMER_NEVER)
        return;
    /* After every timer due at the same time: equal deadlines fire in the
     * order they were armed. */
    struct timer **p = &t->clock->head;
    while (*p && (*p)->deadline <= deadline)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    if (t->clock->head == t && t->clock->deadline_hook)
        t->clock->deadline_hook(t->clock->hook_opaque);
}

void vclock_set_deadline_hook(struct vclock *clock, void (*hook)(void *opaque), void *opaque)
{
    clock->deadline_hook = hook;
    clock->hook_opaque = opaque;
}

void timer_del(struct timer *t)
{
    timer_mod(t, TIMER_NEVER);
}
