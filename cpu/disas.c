/*
 * Capstone wrapper for instruction traces.
 */
#include <stdio.h>
#include <stdlib.h>

#include <capstone/capstone.h>

#include "disas.h"

struct disas {
    csh handle;
    cs_insn *insn; /* Capstone's scratch instruction, reused */
    bool code32;   /* the mode the handle is set to */
};

static struct disas *disas_get(struct cpu *cpu, bool code32)
{
    struct disas *d = cpu->disas;
    if (!d) {
        d = calloc(1, sizeof(*d));
        if (!d)
            return NULL;
        if (cs_open(CS_ARCH_X86, CS_MODE_32, &d->handle) != CS_ERR_OK) {
            free(d);
            return NULL;
        }
        d->insn = cs_malloc(d->handle);
        if (!d->insn) {
            cs_close(&d->handle);
            free(d);
            return NULL;
        }
        d->code32 = true;
        cpu->disas = d;
    }
    if (d->code32 != code32) {
        cs_option(d->handle, CS_OPT_MODE, code32 ? CS_MODE_32 : CS_MODE_16);
        d->code32 = code32;
    }
    return d;
}

int disas_one(struct cpu *cpu, const uint8_t *bytes, size_t len, uint64_t addr, bool code32,
              char *out, size_t outlen)
{
    struct disas *d = disas_get(cpu, code32);
    const uint8_t *code = bytes;
    uint64_t pc = addr;
    if (!d || !cs_disasm_iter(d->handle, &code, &len, &pc, d->insn)) {
        snprintf(out, outlen, "(bad)");
        return 0;
    }
    if (d->insn->op_str[0])
        snprintf(out, outlen, "%s %s", d->insn->mnemonic, d->insn->op_str);
    else
        snprintf(out, outlen, "%s", d->insn->mnemonic);
    return d->insn->size;
}

void disas_close(struct cpu *cpu)
{
    struct disas *d = cpu->disas;
    if (!d)
        return;
    cs_free(d->insn, 1);
    cs_close(&d->handle);
    free(d);
    cpu->disas = NULL;
}
