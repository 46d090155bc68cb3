/*
 * The bare emulated machine a differential test runs its cases on; see
 * emu_machine.h.
 */
#include "emu_machine.h"

#include <string.h>

#include "lintas/cpu.h"
#include "lintas/io.h"
#include "lintas/mem.h"

int emu_machine_init(struct emu_machine *m, size_t ram_size)
{
    memset(m, 0, sizeof *m);
    m->mem = mem_create(ram_size);
    m->io = io_create();
    m->cpu = m->mem && m->io ? cpu_create(m->mem, m->io, NULL) : NULL;
    if (!m->cpu) {
        emu_machine_free(m);
        return -1;
    }
    m->ram = mem_ram(m->mem);
    return 0;
}

void emu_machine_free(struct emu_machine *m)
{
    cpu_destroy(m->cpu);
    if (m->io)
        io_destroy(m->io);
    if (m->mem)
        mem_destroy(m->mem);
    memset(m, 0, sizeof *m);
}
