/*
 * The option ROM that boots a Linux kernel handed over in fw_cfg
 * (roms/linuxboot.asm, see vm/linux_boot.h). Its last byte is left for the
 * checksum, which the board sets.
 */
#ifndef ROMS_LINUXBOOT_ROM_H
#define ROMS_LINUXBOOT_ROM_H

#include <stddef.h>
#include <stdint.h>

extern const uint8_t linuxboot_rom_image[];
extern const size_t linuxboot_rom_size;

#endif
