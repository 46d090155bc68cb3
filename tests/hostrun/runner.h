/*
 * The native runner's side: what every 32-bit runner process needs around
 * its harness-specific core. Its stdin and stdout are the driver's pipes
 * (runner_pipe.h); the guest-like code it runs lives at fixed addresses,
 * because a signal handler can only find its state at a fixed place.
 *
 * Messages name the runner by its program name (hostdiff_runner, ...).
 */
#ifndef HOSTRUN_RUNNER_H
#define HOSTRUN_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__i386__)
#error "a native runner must be built for 32-bit x86 (-m32)"
#endif

/* Prints "<runner>: what: <errno text>" and exits with status 2. */
_Noreturn void runner_die(const char *what);

/* Reads exactly len bytes from the driver; exits with status 0 when the
 * driver has closed the pipe (it is gone, nobody wants the results). */
void runner_read(void *buf, size_t len);
/* Writes len bytes to the driver, or dies. */
void runner_write(const void *buf, size_t len);

/* Maps size bytes of anonymous memory at exactly addr. Returns NULL with
 * errno set when any of it is taken or below vm.mmap_min_addr. */
void *runner_map_at(uint32_t addr, uint32_t size, int prot);

/* Installs handler (an SA_SIGINFO handler) for sig with the extra
 * sigaction flags, nothing blocked while it runs; dies on failure. */
void runner_catch(int sig, void (*handler)(int, siginfo_t *, void *), int flags);

#endif
