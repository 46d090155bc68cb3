; Hardware task switches (SDM Vol. 3A 7.3, Table 7-2): JMP to a TSS, CALL
; through a task gate in the GDT, INT through a task gate in the IDT, and
; the return by IRET with EFLAGS.NT set. Checks the state saved in the old
; TSS, the state loaded from the new one, the previous task link, NT, the
; busy bits, CR0.TS, and #GP on a jump to a busy task.

%include "lib/guest.inc"

SEL_TSSB    equ SEL_FREE            ; task B's TSS
SEL_TGATE   equ SEL_FREE + 8        ; task gate to task B in the GDT
VEC_TGATE   equ 0x41                ; task gate to task B in the IDT
LINK_SENTRY equ 0xDEAD

section .bss
alignb 16
tss_b:      resb TSS_SIZE
alignb 16
stack_b:    resb 4096
stack_b_top:

section .data
align 4
; Recorded by task B.
b_tr:       dd 0
b_eflags:   dd 0
b_eax:      dd 0
b_ds:       dd 0
b_esp:      dd 0
b_cr0:      dd 0
b_link:     dd 0
b_acc_a:    dd 0                    ; access byte of task A's TSS descriptor
b_acc_b:    dd 0                    ; access byte of task B's TSS descriptor
b_a_eip:    dd 0                    ; EIP saved in task A's TSS
b_a_regs:   times 8 dd 0            ; EAX..EDI saved in task A's TSS

section .text
test_main:
    mov eax, SEL_TSSB
    mov ebx, tss_b
    mov ecx, TSS_SIZE - 1
    mov dl, ACC_TSS
    mov dh, 0
    call gdt_set_seg
    mov eax, SEL_TGATE
    xor ebx, ebx
    mov ecx, SEL_TSSB
    mov dl, GATE_TASK0
    call gdt_set_gate
    mov eax, VEC_TGATE
    mov dl, GATE_TASK0
    call idt_set

    ; --- JMP to a TSS ---
    mov eax, task_b_jmp
    call prepare_b
    push ebp
    mov eax, 0xA0000001
    mov ecx, 0xA0000002
    mov edx, 0xA0000003
    mov ebx, 0xA0000004
    mov ebp, 0xA0000006
    mov esi, 0xA0000007
    mov edi, 0xA0000008
    jmp SEL_TSSB:0
.resume_jmp:
    ; Task B jumped back: every register comes from task A's TSS.
    mov [check_tmp], ebx
    pop ebp
    CHECK_EQ [check_tmp], 0xA0000004, 1, "JMP back restores task A's EBX from its TSS"
    CHECK_EQ [b_tr], SEL_TSSB, 1, "JMP: TR is task B's TSS"
    CHECK_EQ [b_eax], 0xB0000001, 1, "JMP: EAX loaded from task B's TSS"
    CHECK_EQ [b_ds], SEL_DATA0, 1, "JMP: DS loaded from task B's TSS"
    CHECK_EQ [b_esp], stack_b_top, 1, "JMP: ESP loaded from task B's TSS"
    CHECK_EQ [b_a_eip], .resume_jmp, 2, "JMP: task A's TSS holds the EIP after the JMP"
    CHECK_EQ [b_a_regs + 0], 0xA0000001, 2, "JMP: task A's TSS holds EAX"
    CHECK_EQ [b_a_regs + 4], 0xA0000002, 2, "JMP: task A's TSS holds ECX"
    CHECK_EQ [b_a_regs + 12], 0xA0000004, 2, "JMP: task A's TSS holds EBX"
    CHECK_EQ [b_a_regs + 20], 0xA0000006, 2, "JMP: task A's TSS holds EBP"
    CHECK_EQ [b_a_regs + 28], 0xA0000008, 2, "JMP: task A's TSS holds EDI"
    CHECK_EQ [b_acc_a], ACC_TSS, 3, "JMP: task A's TSS no longer busy"
    CHECK_EQ [b_acc_b], ACC_TSS_BUSY, 3, "JMP: task B's TSS busy"
    CHECK_BITS [b_eflags], EFL_NT, 0, 3, "JMP: NT clear in task B"
    CHECK_EQ [b_link], LINK_SENTRY, 3, "JMP: task B's previous task link unchanged"
    CHECK_BITS [b_cr0], CR0_TS, CR0_TS, 3, "task switch set CR0.TS"
    CHECK_EQ [tss_b + TSS_EIP], task_b_jmp.jmp_back_done, 4, "JMP back: task B's TSS holds its EIP"
    CHECK_EQ [tss_b + TSS_ESI], 0xB5B5B5B5, 4, "JMP back: task B's TSS holds its ESI"
    mov eax, SEL_TSS
    call gdt_access
    CHECK_EQ eax, ACC_TSS_BUSY, 4, "JMP back: task A's TSS busy again"
    mov eax, SEL_TSSB
    call gdt_access
    CHECK_EQ eax, ACC_TSS, 4, "JMP back: task B's TSS not busy"
    clts

    ; --- CALL through a task gate in the GDT, IRET back ---
    mov eax, task_b_nested
    call prepare_b
    call SEL_TGATE:0
.resume_call:
    pushfd
    pop dword [check_tmp]
    CHECK_BITS [check_tmp], EFL_NT, 0, 5, "IRET back: NT clear in task A"
    CHECK_EQ [b_tr], SEL_TSSB, 5, "CALL via task gate: TR is task B's TSS"
    CHECK_BITS [b_eflags], EFL_NT, EFL_NT, 5, "CALL: NT set in task B"
    CHECK_EQ [b_link], SEL_TSS, 5, "CALL: task B's link is task A's TSS"
    CHECK_EQ [b_acc_a], ACC_TSS_BUSY, 6, "CALL: task A's TSS stays busy"
    CHECK_EQ [b_acc_b], ACC_TSS_BUSY, 6, "CALL: task B's TSS busy"
    CHECK_EQ [b_a_eip], .resume_call, 6, "CALL: task A's TSS holds the return EIP"
    mov eax, SEL_TSSB
    call gdt_access
    CHECK_EQ eax, ACC_TSS, 7, "IRET: task B's TSS no longer busy"
    CHECK_BITS [tss_b + TSS_EFLAGS], EFL_NT, 0, 7, "IRET: NT cleared in the EFLAGS saved for task B"
    str ax
    movzx eax, ax
    CHECK_EQ eax, SEL_TSS, 7, "IRET: TR is task A's TSS again"
    clts

    ; --- INT through a task gate in the IDT, IRET back ---
    mov eax, task_b_nested
    call prepare_b
    int VEC_TGATE
.resume_int:
    CHECK_EQ [b_tr], SEL_TSSB, 8, "INT via task gate: TR is task B's TSS"
    CHECK_BITS [b_eflags], EFL_NT, EFL_NT, 8, "INT: NT set in task B"
    CHECK_EQ [b_link], SEL_TSS, 8, "INT: task B's link is task A's TSS"
    CHECK_EQ [b_a_eip], .resume_int, 8, "INT: task A's TSS holds the next EIP"
    mov eax, SEL_TSSB
    call gdt_access
    CHECK_EQ eax, ACC_TSS, 8, "IRET: task B's TSS no longer busy"
    clts

    ; --- JMP to the busy current task: #GP(selector) ---
    EXPECT_FAULT .gp
.jmp_busy:
    jmp SEL_TSS:0
    FAIL 9, "JMP to a busy TSS did not fault"
.gp:
    CHECK_FAULT 9, VEC_GP, SEL_TSS, .jmp_busy, "#GP(selector) on JMP to a busy TSS"
    ret

; prepare_b(eax = entry): fresh TSS for task B.
prepare_b:
    push edi
    push edx
    mov edi, tss_b
    mov edx, stack_b_top
    call tss_init_task
    mov dword [tss_b + TSS_EAX], 0xB0000001
    mov word [tss_b + TSS_LINK], LINK_SENTRY
    pop edx
    pop edi
    ret

; Record task B's view of the switch.
b_record:
    mov [b_eax], eax
    lea eax, [esp + 4]
    mov [b_esp], eax
    pushfd
    pop dword [b_eflags]
    str ax
    movzx eax, ax
    mov [b_tr], eax
    mov ax, ds
    movzx eax, ax
    mov [b_ds], eax
    mov eax, cr0
    mov [b_cr0], eax
    movzx eax, word [tss_b + TSS_LINK]
    mov [b_link], eax
    mov eax, SEL_TSS
    call gdt_access
    mov [b_acc_a], eax
    mov eax, SEL_TSSB
    call gdt_access
    mov [b_acc_b], eax
    mov eax, [main_tss + TSS_EIP]
    mov [b_a_eip], eax
    mov esi, main_tss + TSS_EAX
    mov edi, b_a_regs
    mov ecx, 8
    rep movsd
    ret

task_b_jmp:
    call b_record
    mov esi, 0xB5B5B5B5
    jmp SEL_TSS:0
.jmp_back_done:
    FAIL 10, "task B resumed unexpectedly"

task_b_nested:
    call b_record
    iretd
    FAIL 10, "task B resumed unexpectedly"
