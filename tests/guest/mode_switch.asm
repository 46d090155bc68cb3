; Mode switches: protected mode -> real mode -> protected mode -> V86 mode
; and back (SDM Vol. 3A 9.9, 20.2).
;
; Real mode is entered the documented way: far jump to a 16-bit code
; segment with 64 KiB limits, load 64 KiB data segments, load a real-mode
; IDTR, clear CR0.PE, far jump to a real-mode CS. Real-mode code takes an
; interrupt through an IVT entry, uses segment arithmetic, 32-bit operands
; and a far call. Back in protected mode, IRET with EFLAGS.VM from ring 0
; enters V86 mode; INT n and HLT there raise #GP(0) to the ring 0 monitor,
; which sees the V86 segment registers in the frame, resumes the V86 code
; past the INT, and finally regains control at the HLT.

%include "lib/guest.inc"

VEC_REAL    equ 0x60                ; real-mode interrupt vector under test
RM_PROBE    equ 0x12350             ; written in real mode as 1234:0010
V86_SS      equ 0x0600
V86_SP      equ 0x0F00

section .data
align 4
pm_esp:     dd 0
v86_frame:  dd 0, 0, 0, 0, 0, 0, 0, 0, 0

section .text
test_main:
    ; IVT entry for VEC_REAL -> 0000:rm_isr.
    mov word [VEC_REAL * 4], rm_isr
    mov word [VEC_REAL * 4 + 2], 0
    mov dword [RM_PROBE], 0
    mov [pm_esp], esp
    jmp SEL_CODE16:pm16_entry

pm_back:
    ; 32-bit protected mode again.
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [pm_esp]
    lidt [idt_desc]
    mov eax, cr0
    CHECK_BITS eax, CR0_PE, CR0_PE, 1, "CR0.PE set again"
    movzx eax, word [rm_msw]
    CHECK_BITS eax, CR0_PE, 0, 1, "CR0.PE was clear in real mode (SMSW)"
    movzx eax, word [rm_marker]
    CHECK_EQ eax, 0x1234, 2, "real-mode INT ran the IVT handler"
    movzx eax, word [rm_frame]
    CHECK_EQ eax, rm_after_int, 2, "real-mode INT pushed IP of the next instruction"
    movzx eax, word [rm_frame + 2]
    CHECK_EQ eax, 0, 2, "real-mode INT pushed CS"
    movzx eax, word [rm_frame + 4]
    CHECK_BITS eax, EFL_IF, EFL_IF, 2, "real-mode INT pushed FLAGS with IF set"
    movzx eax, word [rm_isr_flags]
    CHECK_BITS eax, EFL_IF | EFL_TF, 0, 2, "real-mode INT cleared IF and TF"
    movzx eax, word [rm_isr_sp]
    CHECK_EQ eax, REAL_STACK_TOP - 6, 2, "real-mode INT pushed 3 words"
    movzx eax, word [RM_PROBE]
    CHECK_EQ eax, 0xBEEF, 3, "real-mode write to 1234:0010 reached linear 0x12350"
    CHECK_EQ [rm_eax], 0x89ABCDEF, 3, "32-bit operand in real mode"
    movzx eax, word [rm_far_cs]
    CHECK_EQ eax, LOW_SEG, 3, "real-mode far call loaded CS"
    movzx eax, word [rm_far_ret]
    CHECK_EQ eax, 0x55AA, 3, "real-mode far call returned"

    ; V86 mode: IRET with VM set; the INT traps to the monitor as #GP(0).
    mov dword [v86_frame + 0], LOW_OFF(v86_code)
    mov dword [v86_frame + 4], LOW_SEG
    mov dword [v86_frame + 8], 0
    mov dword [v86_frame + 12], V86_SP
    mov dword [v86_frame + 16], V86_SS
    mov dword [v86_frame + 20], 0x2222
    mov dword [v86_frame + 24], LOW_SEG
    mov dword [v86_frame + 28], 0x3333
    mov dword [v86_frame + 32], 0x4444
    EXPECT_FAULT .gp1
    mov esi, v86_frame
    jmp enter_v86
.gp1:
    CHECK_FAULT 4, VEC_GP, 0, LOW_OFF(v86_int), "#GP(0) from INT n in V86 mode with IOPL 0"
    CHECK_EQ [exc_cs], LOW_SEG, 4, "saved CS is the V86 segment"
    CHECK_BITS [exc_eflags], EFL_VM | EFL_IOPL3, EFL_VM, 5, "saved EFLAGS has VM set, IOPL 0"
    CHECK_EQ [exc_esp], V86_SP - 2, 5, "saved ESP is the V86 SP"
    CHECK_EQ [exc_ss], V86_SS, 5, "saved SS is the V86 segment"
    CHECK_EQ [exc_es], 0x2222, 5, "saved ES"
    CHECK_EQ [exc_ds], LOW_SEG, 5, "saved DS"
    CHECK_EQ [exc_fs], 0x3333, 5, "saved FS"
    CHECK_EQ [exc_gs], 0x4444, 5, "saved GS"
    CHECK_EQ [exc_entry_ds], 0, 6, "DS is null on entry to the handler from V86"
    pushfd
    pop eax
    CHECK_BITS eax, EFL_VM, 0, 6, "monitor runs with VM clear"
    mov ax, cs
    movzx eax, ax
    CHECK_EQ eax, SEL_CODE0, 6, "monitor runs at CPL 0"
    movzx eax, word [v86_marker]
    CHECK_EQ eax, 0xBEEF, 7, "V86 code wrote through DS"
    movzx eax, word [v86_seen_ss]
    CHECK_EQ eax, V86_SS, 7, "V86 code saw SS from the IRET frame"
    movzx eax, word [v86_word_at_sp]
    CHECK_EQ eax, 0x7E57, 7, "V86 stack is SS * 16 + SP"

    ; Resume V86 after the INT (a monitor emulating it as a no-op).
    mov esi, exc_eip
    mov edi, v86_frame
    mov ecx, 9
    rep movsd
    add dword [v86_frame], 2
    EXPECT_FAULT .gp2
    mov esi, v86_frame
    jmp enter_v86
.gp2:
    CHECK_FAULT 8, VEC_GP, 0, LOW_OFF(v86_hlt), "#GP(0) from HLT in V86 mode"
    movzx eax, word [v86_marker2]
    CHECK_EQ eax, 0xCAFE, 8, "V86 code resumed after the INT"
    CHECK_EQ [exc_ds], LOW_SEG, 8, "DS kept across the round trip"
    ret

; ---------------------------------------------------------------------------
LOW16
align 4
rm_idtr:        dw 0x3FF
                dd 0
rm_msw:         dw 0
rm_marker:      dw 0
rm_frame:       dw 0, 0, 0
rm_isr_flags:   dw 0
rm_isr_sp:      dw 0
rm_far_cs:      dw 0
rm_far_ret:     dw 0
align 4
rm_eax:         dd 0
v86_marker:     dw 0
v86_marker2:    dw 0
v86_seen_ss:    dw 0
v86_word_at_sp: dw 0

; 16-bit protected mode, CS = SEL_CODE16.
pm16_entry:
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    lidt [rm_idtr]
    mov eax, cr0
    and eax, ~(CR0_PE | CR0_PG)
    mov cr0, eax
    jmp 0:rm_entry

; Real mode.
rm_entry:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, REAL_STACK_TOP
    smsw [rm_msw]
    sti
    int VEC_REAL
rm_after_int:
    cli
    mov ax, 0x1234
    mov es, ax
    mov word [es:0x0010], 0xBEEF
    mov eax, 0x89ABCDEF
    mov [rm_eax], eax
    call LOW_SEG:LOW_OFF(rm_far_proc)
    ; Back to 32-bit protected mode.
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword SEL_CODE0:pm_back

rm_isr:
    mov [rm_isr_sp], sp
    pushf
    pop word [rm_isr_flags]
    mov bp, sp
    mov ax, [bp]
    mov [rm_frame], ax
    mov ax, [bp + 2]
    mov [rm_frame + 2], ax
    mov ax, [bp + 4]
    mov [rm_frame + 4], ax
    mov word [rm_marker], 0x1234
    iret

rm_far_proc:
    mov [rm_far_cs], cs
    mov word [rm_far_ret], 0x55AA
    retf

; V86 mode, CS = DS = LOW_SEG.
v86_code:
    mov word [LOW_OFF(v86_marker)], 0xBEEF
    mov [LOW_OFF(v86_seen_ss)], ss
    push word 0x7E57
    push ds
    mov ax, V86_SS
    mov ds, ax
    mov ax, [V86_SP - 2]
    pop ds
    mov [LOW_OFF(v86_word_at_sp)], ax
v86_int:
    int 0x21
    mov word [LOW_OFF(v86_marker2)], 0xCAFE
v86_hlt:
    hlt

TEXT32
