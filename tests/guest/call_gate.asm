; Call gates (SDM Vol. 3A 5.8.3-5.8.6): a far CALL from ring 3 through a
; DPL 3 call gate to ring 0 switches to the TSS ring 0 stack, copies the
; gate's parameter count of dwords, and pushes the caller's SS:ESP and
; CS:EIP; RETF n returns to ring 3, pops the parameters from both stacks
; and nulls data segment registers the outer level may not use.

%include "lib/guest.inc"

SEL_GATE3   equ SEL_FREE            ; DPL 3 call gate, 3 parameters
SEL_GATE0   equ SEL_FREE + 8        ; DPL 0 call gate

section .data
align 4
; Recorded in ring 0 by the gate target.
in_cs:      dd 0
in_ss:      dd 0
in_esp:     dd 0
in_frame:   times 7 dd 0            ; EIP, CS, param 3, param 2, param 1, ESP, SS
; Recorded in ring 3.
user_esp_before: dd 0
user_esp_after:  dd 0
user_cs_after:   dd 0
user_es_after:   dd 0
user_eax_after:  dd 0

section .text
test_main:
    mov eax, SEL_GATE3
    mov ebx, gate_target
    mov ecx, SEL_CODE0
    mov dl, GATE_CALL3
    mov dh, 3
    call gdt_set_gate
    mov eax, SEL_GATE0
    mov dl, GATE_CALL0
    mov dh, 0
    call gdt_set_gate

    EXPECT_FAULT .back
    RING3 .user
.user:
    mov [user_esp_before], esp
    push dword 0x11111111
    push dword 0x22222222
    push dword 0x33333333
    call SEL_GATE3 | 3 : 0
.return_point:
    mov [user_esp_after], esp
    mov [user_cs_after], cs
    mov [user_es_after], es
    mov [user_eax_after], eax
    int VEC_RETURN

.back:
    CHECK_EQ [exc_vector], VEC_RETURN, 1, "ring 3 code came back from the gate"
    CHECK_EQ [in_cs], SEL_CODE0, 2, "CS in the gate target is ring 0 code (CPL 0)"
    CHECK_EQ [in_ss], SEL_DATA0, 3, "SS is TSS.SS0"
    CHECK_EQ [in_esp], ring0_stack_top - 7 * 4, 3, "ESP is TSS.ESP0 minus the frame"
    CHECK_EQ [in_frame], .return_point, 4, "pushed EIP is the return point"
    CHECK_EQ [in_frame + 4], SEL_CODE3, 4, "pushed CS is the ring 3 caller's"
    CHECK_EQ [in_frame + 8], 0x33333333, 5, "copied parameter 3 (last pushed)"
    CHECK_EQ [in_frame + 12], 0x22222222, 5, "copied parameter 2"
    CHECK_EQ [in_frame + 16], 0x11111111, 5, "copied parameter 1"
    mov eax, [user_esp_before]
    sub eax, 3 * 4
    CHECK_EQ [in_frame + 20], eax, 6, "pushed ESP is the caller's, below its parameters"
    CHECK_EQ [in_frame + 24], SEL_DATA3, 6, "pushed SS is the caller's"
    CHECK_EQ [user_cs_after], SEL_CODE3, 7, "RETF returned to ring 3"
    mov eax, [user_esp_before]
    CHECK_EQ [user_esp_after], eax, 7, "RETF 12 released the parameters on the ring 3 stack"
    CHECK_EQ [user_eax_after], 0x5A5A5A5A, 7, "value computed in ring 0 kept in EAX"
    CHECK_EQ [user_es_after], 0, 8, "RETF to ring 3 nulled ES holding a DPL 0 segment"

    ; A DPL 0 gate is out of reach from ring 3: #GP(gate selector).
    EXPECT_FAULT .gp
    RING3 .user_gp
.user_gp:
    call SEL_GATE0 | 3 : 0
    int VEC_RETURN
.gp:
    CHECK_FAULT 9, VEC_GP, SEL_GATE0, .user_gp, "#GP(selector) calling a DPL 0 gate from ring 3"
    ret

; Reached through the gate in ring 0, on the ring 0 stack.
gate_target:
    mov [in_esp], esp
    mov ax, cs
    movzx eax, ax
    mov [in_cs], eax
    mov ax, ss
    movzx eax, ax
    mov [in_ss], eax
    mov esi, esp
    mov edi, in_frame
    mov ecx, 7
    rep movsd
    ; ES holds a DPL 0 segment on the way out: RETF to ring 3 must null it.
    mov ax, SEL_DATA0
    mov es, ax
    mov eax, 0x5A5A5A5A
    retf 12
