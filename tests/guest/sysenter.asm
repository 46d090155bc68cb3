; SYSENTER / SYSEXIT (SDM Vol. 2B): fast ring 3 -> ring 0 -> ring 3
; transitions with flat segments derived from IA32_SYSENTER_CS (CS, CS+8
; for SS, CS+16 and CS+24 with RPL 3 on the way out), ESP and EIP from the
; MSRs on entry and from ECX and EDX on exit; #GP(0) when SYSENTER_CS is 0
; and for SYSEXIT outside ring 0.

%include "lib/guest.inc"

MSR_SYSENTER_CS     equ 0x174
MSR_SYSENTER_ESP    equ 0x175
MSR_SYSENTER_EIP    equ 0x176

section .bss
alignb 16
sys_stack:  resb 1024
sys_stack_top:

section .data
align 4
in_cs:      dd 0
in_ss:      dd 0
in_esp:     dd 0
in_eflags:  dd 0
in_ebx:     dd 0
user_cs:    dd 0
user_ss:    dd 0
user_esp:   dd 0
user_esp_before: dd 0

section .text
; wrmsr_value(ecx = MSR, eax = low half): high half 0.
wrmsr_value:
    xor edx, edx
    wrmsr
    ret

test_main:
    mov ecx, MSR_SYSENTER_CS
    mov eax, SEL_CODE0
    call wrmsr_value
    mov ecx, MSR_SYSENTER_ESP
    mov eax, sys_stack_top
    call wrmsr_value
    mov ecx, MSR_SYSENTER_EIP
    mov eax, sysenter_target
    call wrmsr_value

    EXPECT_FAULT .back
    RING3 .user, EFL_FIXED | EFL_IF
.user:
    mov [user_esp_before], esp
    mov ebx, 0x600D
    sysenter
.after_sysexit:
    mov [user_cs], cs
    mov [user_ss], ss
    mov [user_esp], esp
    int VEC_RETURN
.back:
    CHECK_EQ [exc_vector], VEC_RETURN, 1, "ring 3 came back through SYSENTER and SYSEXIT"
    CHECK_EQ [in_cs], SEL_CODE0, 2, "SYSENTER: CS = SYSENTER_CS (CPL 0)"
    CHECK_EQ [in_ss], SEL_DATA0, 2, "SYSENTER: SS = SYSENTER_CS + 8"
    CHECK_EQ [in_esp], sys_stack_top, 2, "SYSENTER: ESP = SYSENTER_ESP"
    CHECK_BITS [in_eflags], EFL_IF | EFL_VM, 0, 2, "SYSENTER cleared IF"
    CHECK_EQ [in_ebx], 0x600D, 2, "SYSENTER kept general registers"
    CHECK_EQ [user_cs], SEL_CODE3, 3, "SYSEXIT: CS = SYSENTER_CS + 16, RPL 3"
    CHECK_EQ [user_ss], SEL_DATA3, 3, "SYSEXIT: SS = SYSENTER_CS + 24, RPL 3"
    mov eax, [user_esp_before]
    CHECK_EQ [user_esp], eax, 3, "SYSEXIT: ESP = ECX"

    ; SYSEXIT at CPL 3.
    EXPECT_FAULT .r4
    RING3 .user4
.user4:
    sysexit
    int VEC_RETURN
.r4:
    CHECK_FAULT 4, VEC_GP, 0, .user4, "#GP(0) from SYSEXIT at CPL 3"

    ; SYSENTER with SYSENTER_CS = 0.
    mov ecx, MSR_SYSENTER_CS
    xor eax, eax
    call wrmsr_value
    EXPECT_FAULT .r5
    RING3 .user5
.user5:
    sysenter
    int VEC_RETURN
.r5:
    CHECK_FAULT 5, VEC_GP, 0, .user5, "#GP(0) from SYSENTER with SYSENTER_CS = 0"
    ret

; Entered by SYSENTER: record, then SYSEXIT back to the caller.
sysenter_target:
    mov [in_esp], esp
    mov [in_ebx], ebx
    pushfd
    pop dword [in_eflags]
    mov ax, cs
    movzx eax, ax
    mov [in_cs], eax
    mov ax, ss
    movzx eax, ax
    mov [in_ss], eax
    mov ecx, [user_esp_before]
    mov edx, test_main.after_sysexit
    sysexit
