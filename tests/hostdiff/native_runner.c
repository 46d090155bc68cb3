/*
 * The native half of the host differential test: a 32-bit x86 Linux process
 * that runs generated instruction sequences on the host CPU at CPL 3.
 *
 * It maps the code, data, stack and low areas at the fixed addresses of
 * protocol.h, reserves the guard gaps around them, then serves batches of
 * cases from the driver. A case loads all registers and EFLAGS through a
 * small trampoline and jumps to the code, which always ends in an exception
 * (INT3 at the end of the sequence, or an earlier fault). The signal handler
 * reads the final state from the ucontext (REG_TRAPNO holds the vector the
 * CPU raised, REG_ERR its error code, cr2 the page-fault address), then
 * rewrites the context so that sigreturn resumes the trampoline's caller.
 * The memory areas are compared with the pristine image afterwards; changed
 * 64-byte chunks are reported and restored.
 *
 * A periodic timer stops a case that runs for more than a second (the
 * generator makes sequences without loops, so that means it went astray);
 * it is reported as vector HD_TIMEOUT.
 *
 * A signal handler can only find its state at a fixed place, so the control
 * block lives in a page mapped at HD_CTRL_BASE instead of in a variable.
 * The handler uses no libc state: the sequence may have changed GS, which
 * glibc uses for thread-local storage, so it reloads GS first.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>

#include "protocol.h"
#include "runner.h"

#define HD_CTRL_BASE 0x3f000000u

struct ctrl {
    uint32_t saved_esp; /* +0x00 the trampoline's stack */
    uint32_t entry;     /* +0x04 where the trampoline jumps */
    uint32_t in_test;   /* +0x08 a fault now belongs to the sequence */
    uint32_t resume;    /* +0x0c hd_resume */
    uint32_t own_sel[HD_NSEG]; /* +0x10 the runner's selectors */
    uint32_t ticks;     /* +0x28 timer signals so far */
    uint32_t case_tick; /* +0x2c ticks when the case started */
    uint32_t pad[4];
    uint32_t regs[8];   /* +0x40 initial EAX..EDI */
    uint32_t eflags;    /* +0x60 initial EFLAGS */
    struct hd_result res;
};
_Static_assert(offsetof(struct ctrl, regs) == 0x40, "trampoline offsets");
_Static_assert(offsetof(struct ctrl, eflags) == 0x60, "trampoline offsets");
_Static_assert(HD_CTRL_BASE == 0x3f000000u, "trampoline offsets");

#define CTRL ((struct ctrl *)HD_CTRL_BASE)

void hd_enter(void);
void hd_resume(void);

/* cdecl: saves the callee-saved registers, loads the case's registers and
 * EFLAGS and jumps to the code. The signal handler sends it back to
 * hd_resume with ESP restored. Absolute addresses need no relocation. */
__asm__(".text\n"
        ".globl hd_enter\n"
        ".type hd_enter, @function\n"
        "hd_enter:\n"
        "  pushl %ebp\n"
        "  pushl %ebx\n"
        "  pushl %esi\n"
        "  pushl %edi\n"
        "  movl %esp, 0x3f000000\n"
        "  pushl 0x3f000060\n"
        "  popfl\n"
        "  movl 0x3f000040, %eax\n"
        "  movl 0x3f000044, %ecx\n"
        "  movl 0x3f000048, %edx\n"
        "  movl 0x3f00004c, %ebx\n"
        "  movl 0x3f000054, %ebp\n"
        "  movl 0x3f000058, %esi\n"
        "  movl 0x3f00005c, %edi\n"
        "  movl 0x3f000050, %esp\n"
        "  jmp *0x3f000004\n"
        ".size hd_enter, .-hd_enter\n"
        ".globl hd_resume\n"
        ".type hd_resume, @function\n"
        "hd_resume:\n"
        "  popl %edi\n"
        "  popl %esi\n"
        "  popl %ebx\n"
        "  popl %ebp\n"
        "  ret\n"
        ".size hd_resume, .-hd_resume\n");

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
    struct ctrl *c = CTRL;
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;

    (void)si;
    __asm__ volatile("movl %0, %%gs" : : "r"(c->own_sel[HD_GS]));
    if (sig == SIGALRM) {
        c->ticks++;
        if (!c->in_test || c->ticks - c->case_tick < 3)
            return; /* the sequence resumes as if nothing happened */
    }
    if (!c->in_test) {
        /* A fault in the runner itself: let it kill the process. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(sig, &sa, NULL);
        return;
    }
    c->in_test = 0;

    struct hd_result *r = &c->res;
    static const int gpr[8] = {REG_EAX, REG_ECX, REG_EDX, REG_EBX,
                               REG_UESP, REG_EBP, REG_ESI, REG_EDI};
    for (int i = 0; i < 8; i++)
        r->regs[i] = (uint32_t)g[gpr[i]];
    r->eip = (uint32_t)g[REG_EIP];
    r->eflags = (uint32_t)g[REG_EFL];
    r->vector = (uint32_t)g[REG_TRAPNO];
    r->error_code = (uint32_t)g[REG_ERR];
    r->cr2 = (uint32_t)uc->uc_mcontext.cr2;
    static const int segs[HD_NSEG] = {REG_ES, REG_CS, REG_SS, REG_DS, REG_FS, REG_GS};
    for (int i = 0; i < HD_NSEG; i++)
        r->sel[i] = (uint32_t)g[segs[i]] & 0xffff;
    r->signo = (uint32_t)sig;
    if (sig == SIGALRM)
        r->vector = HD_TIMEOUT;

    g[REG_EIP] = (greg_t)c->resume;
    g[REG_UESP] = (greg_t)c->saved_esp;
    g[REG_ESP] = (greg_t)c->saved_esp;
    g[REG_EFL] = 0x202;
    g[REG_ES] = (greg_t)c->own_sel[HD_ES];
    g[REG_SS] = (greg_t)c->own_sel[HD_SS];
    g[REG_DS] = (greg_t)c->own_sel[HD_DS];
    g[REG_FS] = (greg_t)c->own_sel[HD_FS];
    g[REG_GS] = (greg_t)c->own_sel[HD_GS];
}

static void map_or_die(uint32_t addr, uint32_t size, int prot, const char *what)
{
    if (!runner_map_at(addr, size, prot))
        runner_die(what);
}

static void install_handlers(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM};
    stack_t ss;
    ss.ss_sp = malloc(1 << 16);
    ss.ss_size = 1 << 16;
    ss.ss_flags = 0;
    if (!ss.ss_sp || sigaltstack(&ss, NULL))
        runner_die("sigaltstack");
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        runner_catch(sigs[i], on_signal, SA_ONSTACK | SA_RESTART);
    struct itimerval it = {{0, 500000}, {0, 500000}};
    if (setitimer(ITIMER_REAL, &it, NULL))
        runner_die("setitimer");
}

static uint32_t read_sel(int which)
{
    uint32_t v = 0;
    switch (which) {
    case HD_ES: __asm__("movl %%es, %0" : "=r"(v)); break;
    case HD_CS: __asm__("movl %%cs, %0" : "=r"(v)); break;
    case HD_SS: __asm__("movl %%ss, %0" : "=r"(v)); break;
    case HD_DS: __asm__("movl %%ds, %0" : "=r"(v)); break;
    case HD_FS: __asm__("movl %%fs, %0" : "=r"(v)); break;
    default: __asm__("movl %%gs, %0" : "=r"(v)); break;
    }
    return v & 0xffff;
}

static void probe_gdt(struct hd_hello *h)
{
    for (uint32_t i = 0; i < 16; i++) {
        uint32_t sel = i * 8 + 3, v = 0;
        uint8_t ok;
        __asm__("larl %w2, %0\n\tsetz %1" : "+r"(v), "=q"(ok) : "r"(sel) : "cc");
        h->lar[i] = v;
        h->lar_ok |= (uint32_t)ok << i;
        v = 0;
        __asm__("lsll %w2, %0\n\tsetz %1" : "+r"(v), "=q"(ok) : "r"(sel) : "cc");
        h->lsl[i] = v;
        h->lsl_ok |= (uint32_t)ok << i;
    }
}

/* An area of the image and where it lives. */
struct area {
    uint8_t *mem;
    const uint8_t *pristine;
    uint32_t img_off, size;
};

static size_t diff_area(const struct area *a, uint8_t *out)
{
    size_t n = 0;
    for (uint32_t page = 0; page < a->size; page += 4096) {
        uint32_t len = a->size - page < 4096 ? a->size - page : 4096;
        if (!memcmp(a->mem + page, a->pristine + page, len))
            continue;
        for (uint32_t off = page; off < page + len; off += HD_CHUNK) {
            if (!memcmp(a->mem + off, a->pristine + off, HD_CHUNK))
                continue;
            struct hd_chunk ch;
            ch.offset = a->img_off + off;
            memcpy(ch.bytes, a->mem + off, HD_CHUNK);
            memcpy(out + n, &ch, sizeof ch);
            n += sizeof ch;
            memcpy(a->mem + off, a->pristine + off, HD_CHUNK);
        }
    }
    return n;
}

static bool patch_ok(const struct hd_patch *p, bool low)
{
    uint32_t a = p->addr;
    return (a >= HD_DATA_BASE && a - HD_DATA_BASE <= HD_DATA_SIZE - 4) ||
           (a >= HD_STACK_BASE && a - HD_STACK_BASE <= HD_STACK_SIZE - 4) ||
           (low && a >= HD_LOW_BASE && a - HD_LOW_BASE <= HD_LOW_SIZE - 4);
}

int main(void)
{
    struct hd_hello hello;
    memset(&hello, 0, sizeof hello);
    hello.magic = HD_MAGIC;

    map_or_die(HD_CTRL_BASE, 4096, PROT_READ | PROT_WRITE, "control page");
    map_or_die(HD_CODE_BASE, HD_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, "code area");
    map_or_die(HD_CODE_BASE + HD_CODE_SIZE, HD_GUARD_SIZE, PROT_NONE, "code guard");
    map_or_die(HD_DATA_BASE - HD_GUARD_SIZE, HD_GUARD_SIZE, PROT_NONE, "data guard");
    map_or_die(HD_DATA_BASE, HD_DATA_SIZE, PROT_READ | PROT_WRITE, "data area");
    map_or_die(HD_DATA_BASE + HD_DATA_SIZE, HD_GUARD_SIZE, PROT_NONE, "data guard");
    map_or_die(HD_STACK_BASE - HD_GUARD_SIZE, HD_GUARD_SIZE, PROT_NONE, "stack guard");
    map_or_die(HD_STACK_BASE, HD_STACK_SIZE, PROT_READ | PROT_WRITE, "stack area");
    map_or_die(HD_STACK_BASE + HD_STACK_SIZE, HD_GUARD_SIZE, PROT_NONE, "stack guard");
    /* 16-bit addressing reaches up to 0x1001e; keep that unmapped. */
    map_or_die(HD_LOW_BASE + HD_LOW_SIZE, HD_GUARD_SIZE, PROT_NONE, "low guard");
    /* Below vm.mmap_min_addr nothing can be mapped, by us or anyone. */
    hello.low_mapped = runner_map_at(HD_LOW_BASE, HD_LOW_SIZE, PROT_READ | PROT_WRITE) != NULL;

    struct ctrl *c = CTRL;
    for (int i = 0; i < HD_NSEG; i++)
        c->own_sel[i] = hello.sel[i] = read_sel(i);
    c->resume = (uint32_t)(uintptr_t)hd_resume;
    c->entry = HD_CODE_BASE;
    probe_gdt(&hello);
    install_handlers();
    runner_write(&hello, sizeof hello);

    uint8_t *pristine = malloc(HD_IMAGE_SIZE);
    if (!pristine)
        runner_die("malloc");
    runner_read(pristine, HD_IMAGE_SIZE);
    struct area areas[3] = {
        {(uint8_t *)HD_DATA_BASE, pristine + HD_IMG_DATA, HD_IMG_DATA, HD_DATA_SIZE},
        {(uint8_t *)HD_STACK_BASE, pristine + HD_IMG_STACK, HD_IMG_STACK, HD_STACK_SIZE},
        {(uint8_t *)HD_LOW_BASE, pristine + HD_IMG_LOW, HD_IMG_LOW, HD_LOW_SIZE},
    };
    int nareas = hello.low_mapped ? 3 : 2;
    for (int i = 0; i < nareas; i++)
        memcpy(areas[i].mem, areas[i].pristine, areas[i].size);

    uint8_t *code = (uint8_t *)HD_CODE_BASE;
    memset(code, 0xcc, HD_CODE_SIZE);
    uint32_t used_lo = 0, used_hi = 0; /* code bytes that are not INT3 */
    uint8_t *in = NULL, *out = NULL;
    size_t in_cap = 0, out_cap = 0;
    for (;;) {
        uint32_t hdr[2];
        runner_read(hdr, sizeof hdr);
        if (hdr[0] == 0)
            return 0;
        if (hdr[1] > in_cap) {
            in_cap = hdr[1];
            in = realloc(in, in_cap);
            if (!in)
                runner_die("realloc");
        }
        runner_read(in, hdr[1]);

        size_t ip = 0, op = 4;
        if (!out) {
            out_cap = 1 << 20;
            out = malloc(out_cap);
            if (!out)
                runner_die("malloc");
        }
        for (uint32_t k = 0; k < hdr[0]; k++) {
            struct hd_case cs;
            if (ip + sizeof cs > hdr[1])
                goto bad;
            memcpy(&cs, in + ip, sizeof cs);
            ip += sizeof cs;
            uint32_t padded = (cs.code_len + 3) & ~3u;
            if (cs.code_len > HD_MAX_CODE || cs.npatch > HD_MAX_PATCH || cs.org >= HD_CODE_SIZE ||
                ip + padded + cs.npatch * sizeof(struct hd_patch) > hdr[1])
                goto bad;
            /* Stores into code that just ran are expensive (the CPU
             * guards against self-modifying code): write what changed. */
            uint32_t end = cs.org + cs.code_len < HD_CODE_SIZE ? cs.org + cs.code_len : HD_CODE_SIZE;
            for (uint32_t i = used_lo; i < used_hi; i++)
                if ((i < cs.org || i >= end) && code[i] != 0xcc)
                    code[i] = 0xcc;
            for (uint32_t i = cs.org; i < end; i++)
                if (code[i] != in[ip + i - cs.org])
                    code[i] = in[ip + i - cs.org];
            used_lo = cs.org;
            used_hi = end;
            c->entry = HD_CODE_BASE + cs.org;
            ip += padded;
            for (uint32_t p = 0; p < cs.npatch; p++) {
                struct hd_patch pt;
                memcpy(&pt, in + ip, sizeof pt);
                ip += sizeof pt;
                if (!patch_ok(&pt, hello.low_mapped))
                    goto bad;
                memcpy((void *)(uintptr_t)pt.addr, &pt.value, 4);
            }
            /* Room for this result if every chunk of the image changed. */
            size_t need = op + sizeof(struct hd_result) +
                          HD_IMAGE_SIZE / HD_CHUNK * sizeof(struct hd_chunk);
            if (need > out_cap) {
                out_cap = need * 2;
                out = realloc(out, out_cap);
                if (!out)
                    runner_die("realloc");
            }
            memcpy(c->regs, cs.regs, sizeof c->regs);
            /* TF, AC and NT would change what the sequence does natively in
             * ways the kernel then observes; the generator never sets them. */
            c->eflags = (cs.eflags & ~0x44100u) | 2;
            memset(&c->res, 0, sizeof c->res);
            c->case_tick = c->ticks;
            c->in_test = 1;
            hd_enter();

            size_t rpos = op;
            op += sizeof(struct hd_result);
            size_t n = 0;
            for (int i = 0; i < nareas; i++)
                n += diff_area(&areas[i], out + op + n);
            op += n;
            c->res.nchunks = (uint32_t)(n / sizeof(struct hd_chunk));
            memcpy(out + rpos, &c->res, sizeof c->res);
        }
        uint32_t nbytes = (uint32_t)(op - 4);
        memcpy(out, &nbytes, 4);
        runner_write(out, op);
    }
bad:
    fprintf(stderr, "hostdiff_runner: malformed case batch\n");
    return 2;
}
