/*
 * lintas_idle_bench: the host CPU an idle guest costs.
 *
 *   lintas_idle_bench LINTAS IMAGE
 *
 * Boots IMAGE (idle.asm: the PIT at 100 Hz, the CPU in HLT between ticks
 * for 10 s) under LINTAS and prints the wall time, the CPU time lintas
 * used and their ratio. It fails only when the guest does not finish (its
 * isa-debug-exit status 1 means it counted every tick); never on time.
 */
#define _GNU_SOURCE /* wait4 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double seconds(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: lintas_idle_bench LINTAS IMAGE\n");
        return 2;
    }
    char *args[] = {
        argv[1], "-kernel", argv[2], "-display", "none", "-serial", "null",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", NULL,
    };
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[1], NULL, NULL, args, environ);
    if (rc != 0) {
        fprintf(stderr, "lintas_idle_bench: cannot run '%s': %s\n", argv[1], strerror(rc));
        return 1;
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        fprintf(stderr, "lintas_idle_bench: wait4: %s\n", strerror(errno));
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    double user = seconds(&ru.ru_utime), sys = seconds(&ru.ru_stime);
    printf("idle guest, PIT at 100 Hz: %.2f s wall, %.3f s CPU (user %.3f, sys %.3f): "
           "%.2f%% of a host core\n",
           wall, user + sys, user, sys, 100.0 * (user + sys) / wall);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1) {
        fprintf(stderr, "lintas_idle_bench: the guest did not finish (status 0x%x)\n", status);
        return 1;
    }
    return 0;
}
