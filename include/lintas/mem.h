/*
 * Guest physical memory: RAM, ROM and MMIO regions in one address space.
 *
 * The CPU reaches memory only through this interface. RAM pages are handed
 * out as host pointers (mem_host_page) so the CPU's TLB can access them
 * directly; everything else goes through mem_read/mem_write, which dispatch to
 * the device that owns the address. Reads of unassigned addresses return all
 * ones and writes to them are dropped, as on a PC bus.
 */
#ifndef LINTAS_MEM_H
#define LINTAS_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct logger;

#define GUEST_PAGE_SIZE 4096u
#define GUEST_PAGE_MASK (~(uint64_t)(GUEST_PAGE_SIZE - 1))

/* A device's memory-mapped registers. offset is relative to the region's
 * base; size is 1, 2 or 4 bytes and never crosses the region's end. */
struct mmio_ops {
    uint32_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint32_t value, unsigned size);
};

struct phys_mem;

/* ram_size is rounded up to a whole page. Returns NULL when the host cannot
 * provide the memory. */
struct phys_mem *mem_create(uint64_t ram_size);
void mem_destroy(struct phys_mem *mem);

uint64_t mem_ram_size(const struct phys_mem *mem);
uint8_t *mem_ram(struct phys_mem *mem);

/* Map [base, base+size) to a device. Both page aligned. Returns 0, or -1 when
 * the range overlaps another region or the table is full. */
int mem_map_mmio(struct phys_mem *mem, uint64_t base, uint64_t size,
                 const struct mmio_ops *ops, void *opaque);

/* Map [base, base+size) to a copy of data's size bytes as ROM: reads return
 * them, writes are dropped. Both page aligned. Returns 0, or -1 when the
 * range is taken, the table is full or memory runs out. */
int mem_map_rom(struct phys_mem *mem, uint64_t base, uint64_t size, const void *data);

/* Shadow RAM below 1 MiB (the chipset's PAM routing). For the pages of
 * [base, base+size), page aligned and below 1 MiB: reads come from RAM
 * (read_ram) or from the ROM view set by mem_shadow_rom (all ones when
 * there is none); writes go to RAM (write_ram) or are dropped. Every page
 * starts as plain RAM. Returns 0, or -1 for a bad range. The CPU caches
 * host pointers: whoever changes the routing must flush its TLB. */
int mem_set_shadow(struct phys_mem *mem, uint64_t base, uint64_t size, bool read_ram,
                   bool write_ram);

/* The ROM seen through [base, base+size) below 1 MiB when shadow reads
 * come from ROM: the bytes of the ROM region at rom_addr. Returns 0, or -1
 * when the range is bad or rom_addr..+size is not inside one ROM region. */
int mem_shadow_rom(struct phys_mem *mem, uint64_t base, uint64_t size, uint64_t rom_addr);

/* Host pointer to the start of the page holding paddr when the CPU may
 * access that page directly: RAM, or ROM for reads; for writes, only where
 * writes reach RAM. Else NULL. */
uint8_t *mem_host_page(struct phys_mem *mem, uint64_t paddr, bool write);

/* Slow-path accesses of 1, 2 or 4 bytes; an access must not cross a page. */
uint32_t mem_read(struct phys_mem *mem, uint64_t paddr, unsigned size);
void mem_write(struct phys_mem *mem, uint64_t paddr, uint32_t value, unsigned size);

/* Bulk copies for loaders and tests; bytes outside RAM read as 0xff and are
 * dropped on write. */
void mem_read_block(struct phys_mem *mem, uint64_t paddr, void *buf, size_t len);
void mem_write_block(struct phys_mem *mem, uint64_t paddr, const void *buf, size_t len);

/* Bit 20 of every physical address is ANDed with this gate (the A20 line). */
void mem_set_a20(struct phys_mem *mem, bool enabled);
bool mem_a20(const struct phys_mem *mem);

/* Report accesses the map refuses (unassigned addresses, writes to a device
 * without write registers) under -d guest_errors. log must outlive the map; NULL turns reporting off. */
void mem_set_logger(struct phys_mem *mem, const struct logger *log);

#endif
