/* The virtual clock and its timers: firing order, callbacks that change the
 * list, icount time, idling, save and restore, host time and kicks. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lintas/timer.h"
#include "unit_check.h"

#define MS 1000000ull

/* Which timers fired, in order, by index. */
struct fired {
    int order[64];
    int count;
};

/* A timer that records itself and can do one thing to the list. */
struct probe {
    struct timer timer;
    struct fired *log;
    int index;
    uint64_t period;      /* re-arm this much after its deadline; 0: no */
    uint64_t deadline;    /* the deadline it was last armed for */
    struct timer *victim; /* disarmed by this probe's callback */
    struct timer *arm;    /* armed by this probe's callback, for arm_at */
    uint64_t arm_at;
};

static void probe_fire(void *opaque)
{
    struct probe *p = opaque;
    if (p->log->count < (int)(sizeof(p->log->order) / sizeof(p->log->order[0])))
        p->log->order[p->log->count] = p->index;
    p->log->count++;
    if (p->period) {
        p->deadline += p->period;
        timer_mod(&p->timer, p->deadline);
    }
    if (p->victim)
        timer_del(p->victim);
    if (p->arm)
        timer_mod(p->arm, p->arm_at);
}

static void probe_init(struct probe *p, struct vclock *clock, struct fired *log, int index)
{
    *p = (struct probe){ .log = log, .index = index };
    timer_init(&p->timer, clock, probe_fire, p);
}

static void probe_arm(struct probe *p, uint64_t deadline)
{
    p->deadline = deadline;
    timer_mod(&p->timer, deadline);
}

static bool fired_is(const struct fired *log, const int *want, int n)
{
    if (log->count != n)
        return false;
    for (int i = 0; i < n; i++)
        if (log->order[i] != want[i])
            return false;
    return true;
}

static void print_fired(const char *what, const struct fired *log)
{
    printf("  %s fired:", what);
    for (int i = 0; i < log->count && i < 64; i++)
        printf(" %d", log->order[i]);
    printf(" (%d)\n", log->count);
}

#define CHECK_FIRED(t, log, ...)                                                  \
    do {                                                                          \
        static const int want_[] = { __VA_ARGS__ };                               \
        if (!CHECK(t, fired_is(log, want_, (int)(sizeof(want_) / sizeof(int))))) \
            print_fired(#log, log);                                               \
    } while (0)

static struct vclock *must_create(int shift)
{
    struct vclock *clock = vclock_create(shift);
    if (!clock) {
        fprintf(stderr, "test_timer: cannot create a clock with shift %d\n", shift);
        exit(2);
    }
    return clock;
}

static void test_order(struct unit_tally *t)
{
    struct vclock *clock = must_create(0);
    struct fired log = { 0 };
    struct probe p[5];
    for (int i = 0; i < 5; i++)
        probe_init(&p[i], clock, &log, i);
    CHECK(t, vclock_next_deadline(clock) == TIMER_NEVER);
    CHECK(t, !timer_pending(&p[0].timer));

    probe_arm(&p[0], 300);
    probe_arm(&p[1], 100);
    probe_arm(&p[2], 500);
    probe_arm(&p[3], 200);
    probe_arm(&p[4], 400);
    CHECK(t, timer_pending(&p[2].timer));
    CHECK(t, vclock_next_deadline(clock) == 100);

    /* Nothing fires before its time. */
    vclock_account(clock, 99);
    vclock_run_due(clock);
    CHECK(t, log.count == 0);

    vclock_account(clock, 300);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 1, 3, 0);
    CHECK(t, !timer_pending(&p[1].timer));
    CHECK(t, vclock_next_deadline(clock) == 400);

    /* Re-arming moves a timer: 2 goes before 4, 4 is disarmed. */
    timer_mod(&p[2].timer, 350);
    timer_del(&p[4].timer);
    timer_del(&p[4].timer);
    CHECK(t, !timer_pending(&p[4].timer));
    CHECK(t, vclock_next_deadline(clock) == 350);
    vclock_account(clock, 1000);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 1, 3, 0, 2);
    CHECK(t, vclock_next_deadline(clock) == TIMER_NEVER);

    /* Arming for a time already past fires on the next run. */
    probe_arm(&p[4], 10);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 1, 3, 0, 2, 4);

    /* TIMER_NEVER disarms. */
    probe_arm(&p[0], 2000);
    timer_mod(&p[0].timer, TIMER_NEVER);
    CHECK(t, !timer_pending(&p[0].timer));
    CHECK(t, vclock_next_deadline(clock) == TIMER_NEVER);
    vclock_destroy(clock);
}

static void test_equal_deadlines(struct unit_tally *t)
{
    struct vclock *clock = must_create(0);
    struct fired log = { 0 };
    struct probe p[5];
    for (int i = 0; i < 5; i++)
        probe_init(&p[i], clock, &log, i);
    probe_arm(&p[3], 50);
    probe_arm(&p[0], 60);
    probe_arm(&p[1], 50);
    probe_arm(&p[4], 40);
    probe_arm(&p[2], 50);
    vclock_account(clock, 100);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 4, 3, 1, 2, 0);

    /* Re-arming for the same time puts a timer after the others. */
    log.count = 0;
    probe_arm(&p[0], 150);
    probe_arm(&p[1], 150);
    probe_arm(&p[2], 150);
    probe_arm(&p[0], 150);
    vclock_account(clock, 150);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 1, 2, 0);
    vclock_destroy(clock);
}

static void test_callbacks(struct unit_tally *t)
{
    struct vclock *clock = must_create(0);
    struct fired log = { 0 };
    struct probe p[4];
    for (int i = 0; i < 4; i++)
        probe_init(&p[i], clock, &log, i);

    /* A periodic timer that fell behind catches up within one run, and
     * stops at the first deadline after now. */
    p[0].period = 100;
    probe_arm(&p[0], 100);
    vclock_account(clock, 350);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 0, 0, 0);
    CHECK(t, vclock_next_deadline(clock) == 400);
    timer_del(&p[0].timer);
    p[0].period = 0;

    /* 0 disarms 2, which is due too, later in the list; 1 arms 3 both
     * before and after the reading of the clock. */
    log.count = 0;
    p[0].victim = &p[2].timer;
    p[1].arm = &p[3].timer;
    p[1].arm_at = 450;
    probe_arm(&p[0], 400);
    probe_arm(&p[1], 410);
    probe_arm(&p[2], 420);
    vclock_account(clock, 500);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 0, 1, 3);
    CHECK(t, !timer_pending(&p[2].timer));

    log.count = 0;
    p[1].arm_at = 600;
    probe_arm(&p[1], 500);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 1);
    CHECK(t, timer_pending(&p[3].timer) && p[3].timer.deadline == 600);

    /* A callback that disarms its own, already disarmed, timer. */
    log.count = 0;
    timer_del(&p[3].timer);
    p[0].victim = &p[0].timer;
    probe_arm(&p[0], 500);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 0);
    CHECK(t, vclock_next_deadline(clock) == TIMER_NEVER);
    vclock_destroy(clock);
}

/* A device loading its state writes the deadline, then re-arms. */
static void test_reload_deadline(struct unit_tally *t)
{
    struct vclock *clock = must_create(0);
    struct fired log = { 0 };
    struct probe p[3];
    for (int i = 0; i < 3; i++)
        probe_init(&p[i], clock, &log, i);
    probe_arm(&p[0], 100);
    probe_arm(&p[1], 200);
    probe_arm(&p[2], 300);
    p[0].timer.deadline = 250;          /* linked, loaded */
    timer_mod(&p[0].timer, p[0].timer.deadline);
    p[1].timer.deadline = TIMER_NEVER;  /* linked, loaded as disarmed */
    timer_mod(&p[1].timer, p[1].timer.deadline);
    CHECK(t, vclock_next_deadline(clock) == 250);
    vclock_account(clock, 1000);
    vclock_run_due(clock);
    CHECK_FIRED(t, &log, 0, 2);
    vclock_destroy(clock);
}

static void test_icount(struct unit_tally *t)
{
    CHECK(t, vclock_create(31) == NULL);

    struct vclock *clock = must_create(3); /* 8 ns per instruction */
    struct fired log = { 0 };
    struct probe p;
    probe_init(&p, clock, &log, 0);
    CHECK(t, vclock_now(clock) == 0);
    CHECK(t, vclock_insn_budget(clock) == UINT64_MAX);

    vclock_account(clock, 5);
    CHECK(t, vclock_now(clock) == 40);
    probe_arm(&p, 800);
    CHECK_MSG(t, vclock_insn_budget(clock) == 95, "budget %llu, want 95",
              (unsigned long long)vclock_insn_budget(clock));
    vclock_account(clock, 99);
    vclock_run_due(clock);
    CHECK(t, log.count == 0);
    CHECK(t, vclock_insn_budget(clock) == 1);
    vclock_account(clock, 100);
    CHECK(t, vclock_insn_budget(clock) == 0);
    vclock_run_due(clock);
    CHECK(t, log.count == 1);

    /* A deadline between two instructions is reached by the later one. */
    probe_arm(&p, 801);
    CHECK(t, vclock_insn_budget(clock) == 1);
    vclock_account(clock, 100);
    vclock_run_due(clock);
    CHECK(t, log.count == 1);
    vclock_account(clock, 101);
    vclock_run_due(clock);
    CHECK(t, log.count == 2);

    /* Two clocks count independently; the largest shift is 2^30 ns. */
    struct vclock *big = must_create(30);
    vclock_account(big, 3);
    CHECK(t, vclock_now(big) == 3ull << 30);
    CHECK(t, vclock_now(clock) == 808);
    vclock_destroy(big);

    /* Host-time mode ignores instruction counts for its budget. */
    struct vclock *host = must_create(-1);
    struct probe h;
    probe_init(&h, host, &log, 1);
    probe_arm(&h, vclock_now(host) + 1000 * MS);
    CHECK(t, vclock_insn_budget(host) == UINT64_MAX);
    vclock_destroy(host);
    vclock_destroy(clock);
}

static void test_icount_idle(struct unit_tally *t)
{
    struct vclock *clock = must_create(2);
    struct fired log = { 0 };
    struct probe p;
    probe_init(&p, clock, &log, 0);
    vclock_account(clock, 10);
    probe_arm(&p, 1000);
    vclock_idle(clock);
    CHECK_MSG(t, vclock_now(clock) == 1000, "now %llu after idle, want 1000",
              (unsigned long long)vclock_now(clock));
    vclock_run_due(clock);
    CHECK(t, log.count == 1);

    /* Later instructions count on from the deadline. */
    vclock_account(clock, 11);
    CHECK(t, vclock_now(clock) == 1004);

    /* A deadline already passed never moves the clock back. */
    probe_arm(&p, 500);
    vclock_idle(clock);
    CHECK(t, vclock_now(clock) == 1004);
    vclock_run_due(clock);
    CHECK(t, log.count == 2);

    /* With nothing armed, a pending kick ends the idle; time stays. */
    vclock_kick(clock);
    vclock_idle(clock);
    CHECK(t, vclock_now(clock) == 1004);
    vclock_destroy(clock);
}

static void test_save_restore(struct unit_tally *t)
{
    struct vclock *a = must_create(1);
    vclock_account(a, 1000);
    struct probe p;
    struct fired log = { 0 };
    probe_init(&p, a, &log, 0);
    probe_arm(&p, 5000);
    vclock_idle(a);
    vclock_account(a, 1001);
    uint64_t saved = vclock_save(a);
    CHECK(t, saved == 5002);

    /* The restored machine's CPU count is accounted first. */
    struct vclock *b = must_create(1);
    vclock_account(b, 1001);
    vclock_restore(b, saved);
    CHECK(t, vclock_now(b) == saved);
    vclock_account(a, 1500);
    vclock_account(b, 1500);
    CHECK(t, vclock_now(a) == vclock_now(b));

    /* Restoring may move the clock back. */
    vclock_restore(b, 7);
    CHECK(t, vclock_now(b) == 7);
    vclock_account(b, 1502);
    CHECK(t, vclock_now(b) == 11);
    vclock_destroy(a);
    vclock_destroy(b);

    /* In host-time mode the clock runs on from the restored time. */
    struct vclock *h = must_create(-1);
    uint64_t target = 1000000 * MS;
    vclock_restore(h, target);
    uint64_t now = vclock_now(h);
    CHECK_MSG(t, now >= target && now - target < 2000 * MS, "now %llu after restoring %llu",
              (unsigned long long)now, (unsigned long long)target);
    vclock_restore(h, 5 * MS);
    now = vclock_now(h);
    CHECK_MSG(t, now >= 5 * MS && now < 2005 * MS, "now %llu after restoring 5 ms",
              (unsigned long long)now);
    vclock_destroy(h);
}

static uint64_t host_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_host_monotonic(struct unit_tally *t)
{
    struct vclock *clock = must_create(-1);
    uint64_t start_ms = host_ms();
    uint64_t first = vclock_now(clock), last = first;
    bool backwards = false;
    for (int i = 0; i < 100000; i++) {
        uint64_t now = vclock_now(clock);
        backwards |= now < last;
        last = now;
    }
    CHECK(t, !backwards);
    /* Time moves, and by no more than host time did. */
    struct timespec nap = { 0, 2 * MS };
    nanosleep(&nap, NULL);
    last = vclock_now(clock);
    uint64_t host_elapsed = host_ms() - start_ms;
    CHECK_MSG(t, last - first >= 2 * MS && last - first <= (host_elapsed + 2) * MS,
              "clock moved %llu ns while the host moved %llu ms", (unsigned long long)(last - first),
              (unsigned long long)host_elapsed);
    vclock_destroy(clock);
}

struct kicker {
    struct vclock *clock;
    unsigned delay_ms;
};

static void *kick_later(void *opaque)
{
    struct kicker *k = opaque;
    struct timespec nap = { 0, (long)k->delay_ms * (long)MS };
    nanosleep(&nap, NULL);
    vclock_kick(k->clock);
    return NULL;
}

/* Idle, woken by a thread kicking after delay_ms; how long it took, in ms. */
static uint64_t idle_kicked(struct unit_tally *t, struct vclock *clock, unsigned delay_ms)
{
    struct kicker k = { clock, delay_ms };
    pthread_t thread;
    if (!CHECK(t, pthread_create(&thread, NULL, kick_later, &k) == 0))
        return 0;
    uint64_t start = host_ms();
    vclock_idle(clock);
    uint64_t took = host_ms() - start;
    pthread_join(thread, NULL);
    return took;
}

/* Bounds are loose on the long side: a loaded machine may be slow to
 * schedule, but an idle that ignores a kick waits for minutes. */
static void test_host_idle(struct unit_tally *t)
{
    struct vclock *clock = must_create(-1);
    struct fired log = { 0 };
    struct probe p;
    probe_init(&p, clock, &log, 0);

    /* Sleeps until the deadline, not less. */
    uint64_t deadline = vclock_now(clock) + 60 * MS;
    probe_arm(&p, deadline);
    uint64_t start = host_ms();
    vclock_idle(clock);
    uint64_t took = host_ms() - start;
    uint64_t now = vclock_now(clock);
    CHECK_MSG(t, now >= deadline, "woke %lld ns before the deadline",
              (long long)(deadline - now));
    CHECK_MSG(t, took >= 59 && took < 5000, "idle for a 60 ms deadline took %llu ms",
              (unsigned long long)took);
    vclock_run_due(clock);
    CHECK(t, log.count == 1);

    /* A deadline already passed does not sleep. */
    probe_arm(&p, vclock_now(clock));
    start = host_ms();
    vclock_idle(clock);
    CHECK(t, host_ms() - start < 2000);

    /* A kick ends a long sleep early, with or without a deadline. */
    probe_arm(&p, vclock_now(clock) + 10000 * MS);
    took = idle_kicked(t, clock, 30);
    CHECK_MSG(t, took < 5000, "idle woke %llu ms after a kick 30 ms in", (unsigned long long)took);
    timer_del(&p.timer);
    took = idle_kicked(t, clock, 30);
    CHECK_MSG(t, took < 5000, "idle with no timer woke %llu ms after a kick 30 ms in",
              (unsigned long long)took);

    /* A kick before the idle is not lost, and is used up by it: the next
     * idle sleeps to its deadline. */
    probe_arm(&p, vclock_now(clock) + 10000 * MS);
    vclock_kick(clock);
    start = host_ms();
    vclock_idle(clock);
    took = host_ms() - start;
    CHECK_MSG(t, took < 5000, "idle after a kick took %llu ms", (unsigned long long)took);
    deadline = vclock_now(clock) + 20 * MS;
    probe_arm(&p, deadline);
    vclock_idle(clock);
    now = vclock_now(clock);
    CHECK_MSG(t, now >= deadline, "second idle woke %lld ns early: the kick was not used up",
              (long long)(deadline - now));
    vclock_destroy(clock);
}

int main(void)
{
    struct unit_tally t = { 0, 0 };
    /* An idle that misses a kick with nothing armed never returns: end the
     * test rather than hang it. */
    alarm(60);
    test_order(&t);
    test_equal_deadlines(&t);
    test_callbacks(&t);
    test_reload_deadline(&t);
    test_icount(&t);
    test_icount_idle(&t);
    test_save_restore(&t);
    test_host_monotonic(&t);
    test_host_idle(&t);
    return UNIT_REPORT(&t);
}
