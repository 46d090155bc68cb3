/*
 * lintas: parse the command line, build the machine, run it.
 */
#include <stdio.h>

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
    int status = machine_run(m);
    machine_destroy(m);
    if (o.builtin_guest && status == BUILTIN_GUEST_SUCCESS)
        return 0;
    return status;
}
