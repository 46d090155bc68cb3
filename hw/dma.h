/*
 * The PC/AT's two Intel 8237A DMA controllers and their page registers.
 *
 * Controller 1 (ports 0x00-0x0F) serves the 8-bit channels 0-3; controller
 * 2 (ports 0xC0-0xDF, one register per even port) serves the 16-bit
 * channels 4-7, which count and address in words. Channel 4 is the
 * cascade that gives controller 1 the bus. The page registers at
 * 0x81-0x8F supply address bits 16-23; port 0x80, the POST code port, is
 * left to the board.
 *
 * Devices move data with dma_channel_write (device to memory) and
 * dma_channel_read (memory to device). A transfer happens at once, as many
 * elements as the device offers or the count allows, so the demand, single
 * and block modes differ only in timing, which is not modelled.
 */
#ifndef HW_DMA_H
#define HW_DMA_H

#include <stdbool.h>
#include <stddef.h>

#include "lintas/io.h"
#include "lintas/log.h"
#include "lintas/mem.h"
#include "lintas/state.h"

#define DMA_CHANNELS 8

struct dma;

/* Claim ports 0x00-0x0F, 0x81-0x8F and 0xC0-0xDF; transfers reach mem.
 * Returns NULL when memory runs out or the ports are taken (the bus cannot
 * give back ports already claimed, so a conflict is a board error). log
 * (may be NULL) must outlive the controllers and gets their guest_errors
 * reports. */
struct dma *dma_create(struct io_bus *io, struct phys_mem *mem, const struct logger *log);
void dma_destroy(struct dma *dma);

/* The board's RESET line: both controllers as after a master clear, the
 * mode, address, count and page registers cleared. */
void dma_reset(struct dma *dma);

/* Move up to len bytes from buf into guest memory through channel (a
 * "write" transfer in 8237 terms). In verify mode the addresses and count
 * advance and memory is left alone. Returns the bytes taken from buf; a
 * 16-bit channel takes whole words only. Stops early at terminal count,
 * and then sets *tc (may be NULL), else clears it. Nothing moves while
 * the channel is masked (dma_channel_masked), programmed for the other
 * direction, or is the cascade. */
size_t dma_channel_write(struct dma *dma, unsigned channel, const void *buf, size_t len,
                         bool *tc);

/* Move up to len bytes from guest memory into buf (a "read" transfer).
 * In verify mode the cycles run without memory and buf gets 0xff bytes.
 * Otherwise as dma_channel_write. */
size_t dma_channel_read(struct dma *dma, unsigned channel, void *buf, size_t len, bool *tc);

/* Whether channel cannot be served now: its mask bit is set, its
 * controller is disabled, it is in cascade mode, or, for channels 0-3,
 * the cascade through channel 4 is closed. */
bool dma_channel_masked(const struct dma *dma, unsigned channel);

/* A device's DREQ line for channel; it shows in the status register's
 * request bits. */
void dma_set_dreq(struct dma *dma, unsigned channel, bool level);

/* Called as service(opaque, channel) when a register write by the guest
 * opens a channel whose DREQ is high, so a device that raised DREQ on a
 * masked channel can start moving data. NULL detaches. */
typedef void dma_service_fn(void *opaque, unsigned channel);
void dma_set_service(struct dma *dma, unsigned channel, dma_service_fn *service, void *opaque);

/* Both controllers, the page registers and the DREQ lines, for state_save
 * and state_load with a struct dma as the object. */
extern const struct state_desc dma_state_desc;

#endif
