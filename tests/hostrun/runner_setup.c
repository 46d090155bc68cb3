/*
 * The runner's process setup: memory at the fixed addresses the guest-like
 * code expects, and the signal handlers that catch its faults; see
 * runner.h.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

void *runner_map_at(uint32_t addr, uint32_t size, int prot)
{
    void *p = mmap((void *)(uintptr_t)addr, size, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (p != (void *)(uintptr_t)addr) {
        /* Kernels before 4.17 treat the address as a hint only. */
        munmap(p, size);
        errno = EEXIST;
        return NULL;
    }
    return p;
}

void runner_catch(int sig, void (*handler)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL))
        runner_die("sigaction");
}
