/*
 * Intel 82441FX (440FX) PCI and memory controller: the host bridge at
 * 00:00.0, with the PAM registers that route the BIOS areas between RAM
 * and ROM.
 */
#ifndef HW_I440FX_H
#define HW_I440FX_H

#include <stdint.h>

#include "hw/pci.h"
#include "lintas/mem.h"
#include "lintas/state.h"

struct i440fx;

/* Attach the host bridge at 00:00.0 of bus and take over the shadow
 * routing of mem's 0xC0000-0xFFFFF. ram_size is what the memory-size
 * register reports. map_changed(opaque) runs after every change of that
 * routing (the board flushes the CPU's TLB); it may be NULL. Returns NULL
 * when 00:00.0 is taken or memory runs out. The routing starts as after
 * reset, without a map_changed call: no CPU has run yet. The ROM the BIOS
 * areas show is the board's to give (mem_shadow_rom). */
struct i440fx *i440fx_create(struct pci_bus *bus, struct phys_mem *mem, uint64_t ram_size,
                             void (*map_changed)(void *opaque), void *opaque);
void i440fx_destroy(struct i440fx *d);

/* Power-on values: every BIOS area reads ROM and drops writes. */
void i440fx_reset(struct i440fx *d);

/* The configuration space, for state_save and state_load with a struct
 * i440fx as the object. Loading reapplies the PAM routing. */
extern const struct state_desc i440fx_state_desc;

#endif
