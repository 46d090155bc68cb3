/*
 * The demonstration guest built into lintas (roms/demo.asm), booted when no
 * -kernel is given.
 */
#ifndef ROMS_BUILTIN_GUEST_H
#define ROMS_BUILTIN_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define BUILTIN_GUEST_NAME "lintas-demo"
#define BUILTIN_GUEST_EXIT_PORT 0xf4
/* The guest writes 0x10 to the exit port when every check passed, which
 * isa-debug-exit turns into status (0x10 << 1) | 1. */
#define BUILTIN_GUEST_SUCCESS 0x21

extern const uint8_t builtin_guest_image[];
extern const size_t builtin_guest_size;

#endif
