/*
 * lintas: parse the command line, build the machine, run it.
 */
#include <stdio.h>

#include "lintas/cpu.h"
#include "lintas/machine.h"
#include "roms/builtin_guest.h"
#include "vm/options.h"

int main(int argc, char **argv)
{
    struct options o;
    char err[512];

    switch (options_parse(argc, argv, &o, stdout, err, sizeof(err))) {
    case OPTIONS_DONE:
        return 0;
    case OPTIONS_ERROR:
        fprintf(stderr, "lintas: %s\n", err);
        return 1;
    case OPTIONS_RUN:
        break;
    }

    if (o.builtin_guest) {
        o.machine.kernel_path = BUILTIN_GUEST_NAME;
        o.machine.kernel_image = builtin_guest_image;
        o.machine.kernel_image_size = builtin_guest_size;
        /* The built-in guest reports its result through isa-debug-exit at
         * the port guest tests use, unless the user placed the device. */
        if (!o.machine.debug_exit) {
            o.machine.debug_exit = true;
            o.machine.debug_exit_base = BUILTIN_GUEST_EXIT_PORT;
            o.machine.debug_exit_size = 4;
        }
    }

    struct machine *m = machine_create(&o.machine, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "lintas: %s\n", err);
        return 1;
    }
    if (o.incoming && machine_load_state(m, o.incoming, err, sizeof(err)) < 0) {
        fprintf(stderr, "lintas: %s\n", err);
        machine_destroy(m);
        return 1;
    }
    int status = machine_run(m, o.save_at_icount);
    if (status == MACHINE_RUN_STOPPED) {
        status = 0;
        if (machine_save_state(m, o.save_path, err, sizeof(err)) < 0) {
            fprintf(stderr, "lintas: %s\n", err);
            status = 1;
        }
    } else if (o.save_path) {
        fprintf(stderr,
                "lintas: -save-state: the guest stopped after %llu instructions, before "
                "icount=%llu; no state written\n",
                (unsigned long long)m->cpu->icount, (unsigned long long)o.save_at_icount);
        status = 1;
    }
    if (o.print_icount)
        fprintf(stderr, "icount %llu\n", (unsigned long long)m->cpu->icount);
    machine_destroy(m);
    if (o.builtin_guest && status == BUILTIN_GUEST_SUCCESS)
        return 0;
    return status;
}
