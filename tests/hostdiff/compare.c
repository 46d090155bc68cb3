/*
 * Comparing the host's outcome of a case with the emulator's, and printing
 * a case so that a mismatch can be understood without rerunning it.
 *
 * What is not compared, and why:
 *  - flags the SDM leaves undefined after the instructions executed, and
 *    registers holding undefined values (the generator's model, recorded
 *    per instruction boundary);
 *  - EFLAGS.RF: the CPU sets it in the image it saves for a fault (SDM
 *    vol. 3, 17.3.1.1) and Linux reports that image; the emulator stops
 *    before building any frame;
 *  - page-fault error code bit 4 (instruction fetch): only defined with NX
 *    paging, which the host uses and a 32-bit non-PAE guest cannot;
 *  - CR2 unless the vector is #PF: Linux reports a stale value otherwise;
 *  - the error code of vectors that have none.
 */
#include "hostdiff.h"

#include <capstone/capstone.h>
#include <string.h>

#include "diff_names.h"

#define FL_RF (1u << 16)

static const char *const reg_names[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
static const char *const seg_names[HD_NSEG] = {"ES", "CS", "SS", "DS", "FS", "GS"};

static bool has_error_code(uint32_t v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

static bool is_trap(uint32_t v)
{
    return v == 1 || v == 3 || v == 4;
}

const struct gen_insn *compare_boundary(const struct test_case *tc, const struct hd_result *r)
{
    uint32_t off = r->eip - HD_CODE_BASE - tc->hdr.org;
    for (unsigned i = 0; i < tc->ninsn; i++) {
        const struct gen_insn *in = &tc->insn[i];
        if (is_trap(r->vector) ? off == in->off + in->len : off == in->off)
            return in;
    }
    return &tc->insn[tc->ninsn - 1];
}

static bool chunks_equal(const struct outcome *a, const struct outcome *b)
{
    if (a->nchunks != b->nchunks)
        return false;
    for (unsigned i = 0; i < a->nchunks; i++)
        if (a->chunks[i].offset != b->chunks[i].offset ||
            memcmp(a->chunks[i].bytes, b->chunks[i].bytes, HD_CHUNK))
            return false;
    return true;
}

unsigned compare_outcomes(const struct test_case *tc, const struct outcome *nat,
                          const struct outcome *emu)
{
    const struct hd_result *n = &nat->r, *e = &emu->r;
    unsigned d = 0;
    if (e->vector == HD_NO_VECTOR)
        d |= DIFF_STOP;
    if (n->vector != e->vector)
        d |= DIFF_VECTOR;
    if (n->eip != e->eip)
        d |= DIFF_EIP;
    const struct gen_insn *b = compare_boundary(tc, n);
    for (int r = 0; r < 8; r++)
        if ((n->regs[r] ^ e->regs[r]) & ~b->uregs[r])
            d |= DIFF_REG0 << r;
    uint32_t mask = ~(FL_RF | b->undef);
    if ((n->eflags ^ e->eflags) & mask)
        d |= DIFF_EFLAGS;
    if (has_error_code(n->vector)) {
        uint32_t em = n->vector == 14 ? 0x0f : 0xffffffffu;
        if ((n->error_code ^ e->error_code) & em)
            d |= DIFF_ERROR;
    }
    if (n->vector == 14 && n->cr2 != e->cr2)
        d |= DIFF_CR2;
    for (int s = 0; s < HD_NSEG; s++)
        if (n->sel[s] != e->sel[s])
            d |= DIFF_SEL;
    if (!chunks_equal(nat, emu))
        d |= DIFF_MEM;
    return d;
}

/* The DIFF_* bits by name, in bit order. */
static const char *const diff_names[] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
    "vector", "error", "cr2", "sel", "mem", "stop",
};
#define NDIFF (sizeof diff_names / sizeof diff_names[0])

void report_diff_names(FILE *out, unsigned diff)
{
    diff_print_names(out, diff, diff_names, NDIFF);
}

unsigned parse_diff_names(const char *list)
{
    unsigned f = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned i;
        for (i = 0; i < NDIFF && strcmp(diff_names[i], t); i++)
            ;
        if (i == NDIFF)
            return 0;
        f |= 1u << i;
    }
    return f;
}

static void flag_string(uint32_t f, char *buf)
{
    static const struct {
        uint32_t bit;
        char c;
    } k[] = {{1u << 11, 'O'}, {1u << 10, 'D'}, {1u << 9, 'I'}, {1u << 7, 'S'},
             {1u << 6, 'Z'}, {1u << 4, 'A'}, {1u << 2, 'P'}, {1u << 0, 'C'}};
    for (unsigned i = 0; i < 8; i++)
        buf[i] = (f & k[i].bit) ? k[i].c : '-';
    buf[8] = 0;
}

static void print_code(FILE *out, const struct test_case *tc)
{
    csh cs;
    bool have_cs = cs_open(CS_ARCH_X86, CS_MODE_32, &cs) == CS_ERR_OK;
    for (unsigned i = 0; i < tc->ninsn; i++) {
        const struct gen_insn *in = &tc->insn[i];
        char hex[64] = "", text[160] = "(not decoded)";
        for (unsigned j = 0; j < in->len && j < 15; j++)
            snprintf(hex + 3 * j, sizeof hex - 3 * j, "%02x ", tc->code[in->off + j]);
        if (have_cs) {
            cs_insn *ci;
            size_t n = cs_disasm(cs, tc->code + in->off, in->len,
                                 HD_CODE_BASE + tc->hdr.org + in->off, 1, &ci);
            if (n == 1) {
                snprintf(text, sizeof text, "%.31s %.120s", ci->mnemonic, ci->op_str);
                cs_free(ci, n);
            }
        }
        char undef[9];
        flag_string(in->undef, undef);
        fprintf(out, "    %02u %04x: %-45s %-34s %-10s undef=%s", i, in->off, hex, text, in->name,
                undef);
        for (int r = 0; r < 8; r++)
            if (in->uregs[r])
                fprintf(out, " %s&%08x", reg_names[r], in->uregs[r]);
        fprintf(out, "\n");
    }
    if (have_cs)
        cs_close(&cs);
}

static void print_result_row(FILE *out, const char *name, uint32_t a, uint32_t b, bool differs)
{
    fprintf(out, "    %-8s %08x  %08x%s\n", name, a, b, differs ? "   <--" : "");
}

void report_case(FILE *out, const struct test_case *tc, const struct outcome *nat,
                 const struct outcome *emu, unsigned diff)
{
    fprintf(out, "  case seed %#llx (reproduce: hostdiff_driver --seed %#llx --count 1 --verbose)\n",
            (unsigned long long)tc->seed, (unsigned long long)tc->seed);
    print_code(out, tc);
    fprintf(out, "  initial:");
    for (int r = 0; r < 8; r++)
        fprintf(out, " %s=%08x", reg_names[r], tc->hdr.regs[r]);
    fprintf(out, " EFLAGS=%08x\n", tc->hdr.eflags);
    if (tc->hdr.org)
        fprintf(out, "  the code starts at %08x (offsets below are from there)\n", HD_CODE_BASE + tc->hdr.org);
    if (tc->hdr.npatch) {
        fprintf(out, "  memory set before:");
        for (unsigned i = 0; i < tc->hdr.npatch; i++)
            fprintf(out, " [%08x]=%08x", tc->patch[i].addr, tc->patch[i].value);
        fprintf(out, "\n");
    }
    const struct hd_result *n = &nat->r;
    if (!emu) {
        fprintf(out, "  host: vector %u error %#x cr2 %08x EIP=+%x EFLAGS=%08x\n", n->vector,
                n->error_code, n->cr2, n->eip - HD_CODE_BASE - tc->hdr.org, n->eflags);
        return;
    }
    const struct hd_result *e = &emu->r;
    const struct gen_insn *b = compare_boundary(tc, n);
    char fh[9], fe[9], fu[9];
    flag_string(n->eflags, fh);
    flag_string(e->eflags, fe);
    flag_string(b->undef, fu);
    fprintf(out, "  final state    host      emulator  (undefined flags %s", fu);
    for (int r = 0; r < 8; r++)
        if (b->uregs[r])
            fprintf(out, ", %s&%08x", reg_names[r], b->uregs[r]);
    fprintf(out, ")\n");
    print_result_row(out, "vector", n->vector, e->vector, diff & DIFF_VECTOR);
    print_result_row(out, "error", n->error_code, e->error_code, diff & DIFF_ERROR);
    print_result_row(out, "cr2", n->cr2, e->cr2, diff & DIFF_CR2);
    uint32_t base = HD_CODE_BASE + tc->hdr.org;
    print_result_row(out, "EIP+", n->eip - base, e->eip - base, diff & DIFF_EIP);
    for (int r = 0; r < 8; r++)
        print_result_row(out, reg_names[r], n->regs[r], e->regs[r], diff & (DIFF_REG0 << r));
    print_result_row(out, "EFLAGS", n->eflags, e->eflags, diff & DIFF_EFLAGS);
    fprintf(out, "    flags    %s  %s\n", fh, fe);
    for (int s = 0; s < HD_NSEG; s++)
        print_result_row(out, seg_names[s], n->sel[s], e->sel[s], n->sel[s] != e->sel[s]);
    if (diff & DIFF_STOP)
        fprintf(out, "    the emulator stopped without an exception (cpu_run exit %u)\n", e->signo);
    if (diff & DIFF_MEM) {
        /* Every changed chunk on either side, with the bytes that differ. */
        unsigned i = 0, j = 0;
        while (i < nat->nchunks || j < emu->nchunks) {
            uint32_t oi = i < nat->nchunks ? nat->chunks[i].offset : ~0u;
            uint32_t oj = j < emu->nchunks ? emu->chunks[j].offset : ~0u;
            uint32_t off = oi < oj ? oi : oj;
            const uint8_t *a = oi == off ? nat->chunks[i].bytes : NULL;
            const uint8_t *c = oj == off ? emu->chunks[j].bytes : NULL;
            if (!a || !c || memcmp(a, c, HD_CHUNK)) {
                uint32_t lin = off < HD_IMG_DATA    ? HD_LOW_BASE + off
                               : off < HD_IMG_STACK ? HD_DATA_BASE + off - HD_IMG_DATA
                                                    : HD_STACK_BASE + off - HD_IMG_STACK;
                fprintf(out, "    memory %08x: %s\n", lin,
                        !a ? "changed by the emulator only" : !c ? "changed by the host only" : "differs");
                for (int half = 0; half < 2; half++) {
                    const uint8_t *p = half ? c : a;
                    if (!p)
                        continue;
                    fprintf(out, "      %s ", half ? "emu " : "host");
                    for (unsigned k = 0; k < HD_CHUNK; k++)
                        fprintf(out, "%02x%s", p[k], (k & 15) == 15 && k != HD_CHUNK - 1 ? " | " : "");
                    fprintf(out, "\n");
                }
            }
            if (oi == off)
                i++;
            if (oj == off)
                j++;
        }
    }
}
