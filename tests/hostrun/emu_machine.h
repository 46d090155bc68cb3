/*
 * The emulated half of a differential test: RAM, an empty port bus and a
 * CPU, nothing else. The harness lays out RAM and sets the CPU up as its
 * cases need (a flat ring-0 machine, or one that mimics a Linux process).
 */
#ifndef HOSTRUN_EMU_MACHINE_H
#define HOSTRUN_EMU_MACHINE_H

#include <stddef.h>
#include <stdint.h>

struct emu_machine {
    struct phys_mem *mem;
    struct io_bus *io;
    struct cpu *cpu;
    uint8_t *ram; /* guest physical address 0 */
};

/* Creates the parts, the CPU in its reset state. Returns 0, or -1 with nothing
 * left allocated. */
int emu_machine_init(struct emu_machine *m, size_t ram_size);
/* Frees what init created; a machine whose init failed is fine too. */
void emu_machine_free(struct emu_machine *m);

#endif
