/*
 * The native half of the x87 differential test: a 32-bit x86 Linux process
 * that runs each case's instruction bytes on the host's FPU.
 *
 * A case's FPU state is loaded with FRSTOR and EFLAGS with POPFD, the code
 * is called (it ends in RET), and the state is read back with FNSAVE,
 * which waits for nothing, so an exception left pending by the last
 * instruction stays in the status word instead of being delivered. A
 * waiting instruction in the code that finds one pending raises #MF, which
 * Linux reports as SIGFPE: the handler notes the vector and where it
 * happened and resumes at the FNSAVE; sigreturn has put the FPU state of
 * the fault back by then.
 *
 * A signal handler can only find its state at a fixed place, so the code
 * page and the control block are mapped at XR_BASE rather than kept in
 * variables; a fault anywhere but the code page is the runner's own and
 * kills it.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "protocol.h"
#include "runner.h"

#define XR_BASE 0x21000000u /* code page, then the control page */
#define XR_PAGE 4096u

struct ctrl {
    uint32_t saved_esp;  /* +0x00 the stack at the call */
    uint32_t entry;      /* +0x04 the code */
    uint32_t data;       /* +0x08 EBX for the code */
    uint32_t eflags;     /* +0x0c loaded before the call */
    uint32_t out_eflags; /* +0x10 */
    uint32_t resume;     /* +0x14 xr_resume */
    uint32_t vector;
    uint32_t fault_eip;
    uint8_t save_in[108];  /* +0x20 FRSTOR image */
    uint8_t save_out[108]; /* +0x8c FNSAVE image */
    uint8_t pad[4];
    uint8_t mem[XD_MEM_SIZE];
};
_Static_assert(offsetof(struct ctrl, save_in) == 0x20, "xr_enter offsets");
_Static_assert(offsetof(struct ctrl, save_out) == 0x8c, "xr_enter offsets");
_Static_assert(sizeof(struct ctrl) <= XR_PAGE, "one page");

#define CTRL ((struct ctrl *)(XR_BASE + XR_PAGE))
#define CODE ((uint8_t *)XR_BASE)

void xr_enter(void);
void xr_resume(void);

/* Saves the callee-saved registers, loads the FPU state, EFLAGS and EBX
 * and calls the code. EBP holds the control block throughout. */
__asm__(".text\n"
        ".globl xr_enter\n"
        ".type xr_enter, @function\n"
        "xr_enter:\n"
        "  pushl %ebp\n"
        "  pushl %ebx\n"
        "  pushl %esi\n"
        "  pushl %edi\n"
        "  movl $0x21001000, %ebp\n"
        "  movl %esp, 0x00(%ebp)\n"
        "  frstor 0x20(%ebp)\n"
        "  pushl 0x0c(%ebp)\n"
        "  popfl\n"
        "  movl 0x08(%ebp), %ebx\n"
        "  call *0x04(%ebp)\n"
        ".globl xr_resume\n"
        "xr_resume:\n"
        "  pushfl\n"
        "  popl 0x10(%ebp)\n"
        "  fnsave 0x8c(%ebp)\n"
        "  popl %edi\n"
        "  popl %esi\n"
        "  popl %ebx\n"
        "  popl %ebp\n"
        "  ret\n"
        ".size xr_enter, .-xr_enter\n");
_Static_assert(XR_BASE + XR_PAGE == 0x21001000u, "xr_enter's control block");

static void on_sigfpe(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    struct ctrl *c = CTRL;

    (void)si;
    if ((uint32_t)g[REG_EIP] - XR_BASE >= XR_PAGE) {
        /* Not the code's: let the default action end the process. */
        signal(sig, SIG_DFL);
        return;
    }
    c->vector = (uint32_t)g[REG_TRAPNO];
    c->fault_eip = (uint32_t)g[REG_EIP];
    g[REG_EIP] = (greg_t)c->resume;
    g[REG_UESP] = (greg_t)c->saved_esp;
    g[REG_ESP] = (greg_t)c->saved_esp;
    g[REG_EBP] = (greg_t)(uintptr_t)c;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* The 32-bit protected-mode FSAVE image (SDM vol. 1, figure 8-10):
 * control, status and tag words in the low halves of dwords 0-2, the
 * instruction and operand pointers, then ST(0)-ST(7) at byte 28. */
static void to_fsave(const struct xd_fpu *f, uint8_t *img)
{
    memset(img, 0, 108);
    put16(img + 0, f->fcw);
    put16(img + 4, f->fsw);
    put16(img + 8, f->ftw);
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++)
        memcpy(img + 28 + 10 * i, f->r[(top + i) & 7], 10);
}

static void from_fsave(const uint8_t *img, struct xd_fpu *f)
{
    f->fcw = get16(img + 0);
    f->fsw = get16(img + 4);
    f->ftw = get16(img + 8);
    f->unused = 0;
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++)
        memcpy(f->r[(top + i) & 7], img + 28 + 10 * i, 10);
}

static void run_case(const struct xd_case *cs, struct xd_result *res)
{
    struct ctrl *c = CTRL;
    uint32_t len = cs->code_len < XD_MAX_CODE ? cs->code_len : XD_MAX_CODE;
    /* Stores into code that just ran are expensive (the CPU guards
     * against self-modifying code): write only what changed. */
    for (uint32_t i = 0; i < len; i++)
        if (CODE[i] != cs->code[i])
            CODE[i] = cs->code[i];
    if (CODE[len] != 0xc3)
        CODE[len] = 0xc3; /* RET */
    memcpy(c->mem, cs->mem, XD_MEM_SIZE);
    to_fsave(&cs->fpu, c->save_in);
    /* The flags the code may not change (TF, IF, DF, AC, ...) stay ours. */
    c->eflags = (cs->eflags & 0x8d5u) | 0x202u;
    c->vector = XD_NO_VECTOR;
    c->fault_eip = 0;
    xr_enter();
    from_fsave(c->save_out, &res->fpu);
    res->eflags = c->out_eflags;
    res->vector = c->vector;
    res->fault_off = c->vector == XD_NO_VECTOR ? 0 : c->fault_eip - XR_BASE;
    memcpy(res->mem, c->mem, XD_MEM_SIZE);
}

int main(void)
{
    if (!runner_map_at(XR_BASE, 2 * XR_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC))
        runner_die("mapping the code and control pages");
    memset(CODE, 0xcc, XR_PAGE);
    struct ctrl *c = CTRL;
    c->resume = (uint32_t)(uintptr_t)xr_resume;
    c->entry = XR_BASE;
    c->data = (uint32_t)(uintptr_t)(c->mem + XD_MEM_BIAS);

    runner_catch(SIGFPE, on_sigfpe, 0);

    struct xd_case *in = malloc(XD_MAX_BATCH * sizeof *in);
    struct xd_result *out = malloc(XD_MAX_BATCH * sizeof *out);
    if (!in || !out)
        runner_die("malloc");
    struct xd_hello hello = {XD_MAGIC, {0}};
    unsigned max, vendor[3];
    if (__get_cpuid(0, &max, &vendor[0], &vendor[2], &vendor[1]))
        memcpy(hello.vendor, vendor, sizeof hello.vendor);
    runner_write(&hello, sizeof hello);
    for (;;) {
        uint32_t n;
        runner_read(&n, sizeof n);
        if (n == 0)
            return 0;
        if (n > XD_MAX_BATCH) {
            fprintf(stderr, "x87diff_runner: batch of %u cases is too large\n", n);
            return 2;
        }
        runner_read(in, n * sizeof *in);
        for (uint32_t i = 0; i < n; i++)
            run_case(&in[i], &out[i]);
        runner_write(out, n * sizeof *out);
    }
}
