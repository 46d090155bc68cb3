/* The interpreter's dispatch table, generated from the op list. */
#include "exec.h"

const exec_fn exec_table[OP_COUNT] = {
#define CPU_OP_HANDLER(name) [OP_##name] = exec_##name,
    CPU_OPS(CPU_OP_HANDLER)
#undef CPU_OP_HANDLER
};
