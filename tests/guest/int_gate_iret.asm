; Interrupt and trap gates from ring 3 (SDM Vol. 3A 6.12.1): INT n through a
; DPL 3 interrupt gate switches to the TSS ring 0 stack and pushes SS, ESP,
; EFLAGS, CS, EIP; an interrupt gate clears IF (a trap gate does not), TF
; and NT; IRET returns to ring 3 and restores EFLAGS and the stack. INT n
; through a DPL 0 gate from ring 3 raises #GP(n * 8 + 2).

%include "lib/guest.inc"

VEC_INTG    equ 0x40                ; DPL 3 interrupt gate to int_handler
VEC_TRAPG   equ 0x41                ; DPL 3 trap gate to int_handler
VEC_PRIV    equ 0x42                ; DPL 0 interrupt gate

section .data
align 4
in_cs:      dd 0
in_ss:      dd 0
in_esp:     dd 0
in_eflags:  dd 0
in_frame:   times 5 dd 0            ; EIP, CS, EFLAGS, ESP, SS
user_esp_before: dd 0
user_esp_after:  dd 0
user_eflags_after: dd 0
user_cs_after:   dd 0
user_ebx_after:  dd 0

section .text
test_main:
    mov eax, VEC_INTG
    mov ebx, int_handler
    mov ecx, SEL_CODE0
    mov dl, GATE_INT3
    call idt_set
    mov eax, VEC_TRAPG
    mov dl, GATE_TRAP3
    call idt_set
    mov eax, VEC_PRIV
    mov dl, GATE_INT0
    call idt_set

    ; Interrupt gate. Ring 3 runs with IF = 1 (the PICs are masked).
    EXPECT_FAULT .back1
    RING3 .user1, EFL_FIXED | EFL_IF
.user1:
    mov [user_esp_before], esp
    int VEC_INTG
.ret1:
    mov [user_esp_after], esp
    pushfd
    pop dword [user_eflags_after]
    mov [user_cs_after], cs
    mov [user_ebx_after], ebx
    int VEC_RETURN
.back1:
    CHECK_EQ [exc_vector], VEC_RETURN, 1, "ring 3 code came back from the interrupt gate"
    CHECK_EQ [in_cs], SEL_CODE0, 2, "handler runs at CPL 0"
    CHECK_EQ [in_ss], SEL_DATA0, 2, "handler SS is TSS.SS0"
    CHECK_EQ [in_esp], ring0_stack_top - 5 * 4, 2, "handler ESP is TSS.ESP0 minus the frame"
    CHECK_EQ [in_frame], .ret1, 3, "pushed EIP is the next instruction"
    CHECK_EQ [in_frame + 4], SEL_CODE3, 3, "pushed CS is ring 3 code"
    CHECK_BITS [in_frame + 8], EFL_IF | EFL_FIXED | EFL_IOPL3, EFL_IF | EFL_FIXED, 3, "pushed EFLAGS has IF set, IOPL 0"
    mov eax, [user_esp_before]
    CHECK_EQ [in_frame + 12], eax, 3, "pushed ESP is the ring 3 stack pointer"
    CHECK_EQ [in_frame + 16], SEL_DATA3, 3, "pushed SS is ring 3 data"
    CHECK_BITS [in_eflags], EFL_IF | EFL_TF | EFL_NT | EFL_VM, 0, 4, "interrupt gate cleared IF"
    CHECK_EQ [user_cs_after], SEL_CODE3, 5, "IRET returned to ring 3"
    mov eax, [user_esp_before]
    CHECK_EQ [user_esp_after], eax, 5, "IRET restored the ring 3 ESP"
    CHECK_BITS [user_eflags_after], EFL_IF, EFL_IF, 5, "IRET restored IF"
    CHECK_EQ [user_ebx_after], 0xB0B0B0B0, 5, "register set by the handler kept"

    ; Trap gate: same frame, IF stays set in the handler.
    EXPECT_FAULT .back2
    RING3 .user2, EFL_FIXED | EFL_IF
.user2:
    int VEC_TRAPG
.ret2:
    int VEC_RETURN
.back2:
    CHECK_EQ [exc_vector], VEC_RETURN, 6, "ring 3 code came back from the trap gate"
    CHECK_EQ [in_frame], .ret2, 6, "pushed EIP is the next instruction"
    CHECK_BITS [in_eflags], EFL_IF, EFL_IF, 6, "trap gate left IF set"

    ; DPL 0 gate from ring 3: #GP with the IDT bit set in the error code.
    EXPECT_FAULT .gp
    RING3 .user3
.user3:
    int VEC_PRIV
    int VEC_RETURN
.gp:
    CHECK_FAULT 7, VEC_GP, VEC_PRIV * 8 + ERR_IDT, .user3, "#GP(n*8+2) from INT n to a DPL 0 gate"
    ret

; Ring 0 handler for both gates: records the frame and state, then IRET.
int_handler:
    pushfd
    pop dword [in_eflags]
    mov [in_esp], esp
    mov ax, cs
    movzx eax, ax
    mov [in_cs], eax
    mov ax, ss
    movzx eax, ax
    mov [in_ss], eax
    mov esi, esp
    mov edi, in_frame
    mov ecx, 5
    rep movsd
    mov ebx, 0xB0B0B0B0
    iretd
