/*
 * Reporting guest accesses the memory map or the port bus refuses (an
 * unassigned address or port, a write to a read-only device) under
 * -d guest_errors. Without a logger, or with guest_errors off, they stay
 * silent.
 */
#ifndef MEM_BUS_LOG_H
#define MEM_BUS_LOG_H

#include "lintas/io.h"
#include "lintas/log.h"
#include "lintas/mem.h"

/* log must outlive the map or bus; NULL turns reporting off. */
void mem_set_logger(struct phys_mem *mem, const struct logger *log);
void io_set_logger(struct io_bus *bus, const struct logger *log);

#endif
