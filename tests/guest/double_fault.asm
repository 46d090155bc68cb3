; Exception classes (SDM Vol. 3A 6.15, Table 6-4 and 6-5): a second
; exception while delivering the first becomes #DF only for
; contributory + contributory and page fault + (contributory or page
; fault); a benign first exception lets the second one be delivered
; normally. #DF pushes error code 0; its saved CS:EIP is undefined, so it
; is not checked. The #DF is taken through an interrupt gate and then
; through a task gate.

%include "lib/guest.inc"

SEL_BAD     equ 0xFFF8              ; beyond the GDT limit: #GP(SEL_BAD) on load
SEL_TSSDF   equ SEL_FREE            ; TSS of the #DF task
; Second IDT placed so that entries 0..8 end a present page and entries
; from 9 up start a not-present one.
IDT2        equ TEST_PAGE(1) - 9 * 8

section .bss
alignb 16
tss_df:     resb TSS_SIZE
alignb 16
stack_df:   resb 4096
stack_df_top:

section .data
align 4
idt2_desc:  dw 256 * 8 - 1
            dd IDT2
df_error:   dd 0
df_esp:     dd 0
df_eflags:  dd 0
df_link:    dd 0
df_tr:      dd 0

section .text
test_main:
    ; Contributory (#GP) + contributory (#NP on the #GP gate) = #DF.
    mov eax, VEC_GP
    mov dl, 0
    call idt_set_present
    EXPECT_FAULT .r1
    mov ax, SEL_BAD
    mov ds, ax
    FAIL 1, "loading a selector beyond the GDT limit did not fault"
.r1:
    mov eax, VEC_GP
    mov dl, 1
    call idt_set_present
    CHECK_FAULT 1, VEC_DF, 0, -1, "#DF(0) from #NP while delivering #GP"

    ; Benign (#UD) + contributory (#NP): the #NP is delivered, with the
    ; EXT bit set because it arose while delivering an exception (see
    ; lib/profile.inc).
    mov eax, VEC_UD
    mov dl, 0
    call idt_set_present
    EXPECT_FAULT .r2
.f2:
    ud2
    FAIL 2, "UD2 did not fault"
.r2:
    mov eax, VEC_UD
    mov dl, 1
    call idt_set_present
    CHECK_FAULT 2, VEC_NP, VEC_UD * 8 + ERR_IDT + ERR_EXT_DELIVERY, .f2, "#NP(6*8+3) for a not-present #UD gate"

    ; INT3 is a software interrupt: the #NP error code has EXT clear.
    mov eax, VEC_BP
    mov dl, 0
    call idt_set_present
    EXPECT_FAULT .r3
.f3:
    int3
    FAIL 3, "INT3 did not fault"
.r3:
    mov eax, VEC_BP
    mov dl, 1
    call idt_set_present
    CHECK_FAULT 3, VEC_NP, VEC_BP * 8 + ERR_IDT, .f3, "#NP(3*8+2) for a not-present INT3 gate"

    ; Page fault + page fault = #DF: the #PF gate itself sits on a
    ; not-present page, so reading it faults; the #DF gate is readable.
    call paging_identity
    mov esi, idt
    mov edi, IDT2
    mov ecx, 9 * 2
    rep movsd
    mov eax, TEST_PAGE(1)
    call identity_pte
    and dword [eax], ~PG_P
    call paging_on
    lidt [idt2_desc]
    EXPECT_FAULT .r4
    mov eax, [TEST_PAGE(1) + 0x10]
    FAIL 4, "read of a not-present page did not fault"
.r4:
    lidt [idt_desc]
    call paging_off
    CHECK_FAULT 4, VEC_DF, 0, -1, "#DF(0) from #PF while delivering #PF"
    CHECK_EQ [exc_cr2], IDT2 + VEC_PF * 8, 4, "CR2 is the address of the #PF gate"

    ; #DF through a task gate: the error code goes on the new task's stack
    ; and the faulting task is linked (SDM Vol. 3A 6.12.2).
    mov eax, SEL_TSSDF
    mov ebx, tss_df
    mov ecx, TSS_SIZE - 1
    mov dl, ACC_TSS
    mov dh, 0
    call gdt_set_seg
    mov edi, tss_df
    mov eax, df_task
    mov edx, stack_df_top
    call tss_init_task
    mov eax, VEC_DF
    xor ebx, ebx
    mov ecx, SEL_TSSDF
    mov dl, GATE_TASK0
    call idt_set
    mov eax, VEC_GP
    mov dl, 0
    call idt_set_present
    mov [df_resume_esp], esp
    mov ax, SEL_BAD
    mov ds, ax
    FAIL 5, "loading a selector beyond the GDT limit did not fault"
.df_resumed:
    mov esp, [df_resume_esp]
    mov eax, VEC_GP
    mov dl, 1
    call idt_set_present
    mov eax, VEC_DF
    call idt_set_default
    CHECK_EQ [df_error], 0, 5, "#DF task: error code 0 on the new task's stack"
    CHECK_EQ [df_esp], stack_df_top - 4, 5, "#DF task: ESP is the TSS ESP minus the error code"
    CHECK_EQ [df_tr], SEL_TSSDF, 5, "#DF task: TR is the #DF TSS"
    CHECK_EQ [df_link], SEL_TSS, 5, "#DF task: link is the faulting task"
    CHECK_BITS [df_eflags], EFL_NT, EFL_NT, 5, "#DF task: NT set"
    clts
    ret

section .data
df_resume_esp: dd 0

section .text
; The #DF task: records its view, then makes the interrupted task resume
; at .df_resumed (its saved EIP is the faulting instruction) and returns.
df_task:
    mov [df_esp], esp
    mov eax, [esp]
    mov [df_error], eax
    pushfd
    pop dword [df_eflags]
    str ax
    movzx eax, ax
    mov [df_tr], eax
    movzx eax, word [tss_df + TSS_LINK]
    mov [df_link], eax
    mov dword [main_tss + TSS_EIP], test_main.df_resumed
    mov dword [main_tss + TSS_DS], SEL_DATA0
    add esp, 4
    iretd
