; I/O permission (SDM Vol. 1 19.5, Vol. 3A 20.2.8.1): in V86 mode IN/OUT
; are always checked against the TSS I/O permission bitmap, whatever IOPL
; is; in protected mode the bitmap is consulted only when CPL > IOPL. A
; multi-byte access needs the bits of every port it touches, and ports
; whose bits lie beyond the TSS limit are denied.
;
; The allowed port is COM1's scratch register (0x3FF), so a successful
; access is visible; the denied port is 0x80, harmless if it gets through.

%include "lib/guest.inc"

PORT_OK     equ COM1 + 7            ; scratch register
PORT_DENIED equ 0x80

section .data
align 4
v86_frame:  dd 0, LOW_SEG, 0, 0x0F00, 0x0600, 0, LOW_SEG, 0, 0
user_in:    dd 0

section .text
; run_v86(eax = entry offset in LOW_SEG, edx = EFLAGS): enter V86 mode;
; the code there ends with an exception recorded by the stubs, and
; run_v86 returns after it.
run_v86:
    mov [v86_frame], eax
    mov [v86_frame + 8], edx
    EXPECT_FAULT .back
    mov esi, v86_frame
    jmp enter_v86
.back:
    ret

test_main:
    mov eax, PORT_OK
    call io_allow
    mov dx, PORT_OK
    xor al, al
    out dx, al

    ; V86, IOPL 0: the allowed port works.
    mov eax, LOW_OFF(v86_allowed)
    mov edx, 0
    call run_v86
    CHECK_FAULT 1, VEC_GP, 0, LOW_OFF(v86_allowed.end), "V86 IOPL 0: allowed port accessed, reached the HLT"
    movzx eax, byte [v86_in]
    CHECK_EQ eax, 0x5A, 1, "V86 IN from the allowed port read what OUT wrote"
    mov dx, PORT_OK
    in al, dx
    movzx eax, al
    CHECK_EQ eax, 0x5A, 1, "the V86 OUT reached the device"

    ; V86, IOPL 0 and IOPL 3: the denied port faults.
    mov eax, LOW_OFF(v86_denied)
    mov edx, 0
    call run_v86
    CHECK_FAULT 2, VEC_GP, 0, LOW_OFF(v86_denied), "V86 IOPL 0: #GP(0) on a denied port"
    mov eax, LOW_OFF(v86_denied)
    mov edx, EFL_IOPL3
    call run_v86
    CHECK_FAULT 3, VEC_GP, 0, LOW_OFF(v86_denied), "V86 IOPL 3: #GP(0) on a denied port"
    CHECK_BITS [exc_eflags], EFL_IOPL3 | EFL_VM, EFL_IOPL3 | EFL_VM, 3, "saved EFLAGS: VM, IOPL 3"

    ; V86, IOPL 3: the allowed port still works.
    mov dx, PORT_OK
    xor al, al
    out dx, al
    mov byte [v86_in], 0
    mov eax, LOW_OFF(v86_allowed)
    mov edx, EFL_IOPL3
    call run_v86
    CHECK_FAULT 4, VEC_GP, 0, LOW_OFF(v86_allowed.end), "V86 IOPL 3: allowed port accessed, reached the HLT"
    movzx eax, byte [v86_in]
    CHECK_EQ eax, 0x5A, 4, "V86 IOPL 3: IN from the allowed port"

    ; A word access at the allowed port also touches port 0x400, whose bit
    ; is in the 0xFF byte past the bitmap.
    mov eax, LOW_OFF(v86_word)
    mov edx, 0
    call run_v86
    CHECK_FAULT 5, VEC_GP, 0, LOW_OFF(v86_word.in), "V86: #GP(0) on a word access spanning a denied port"

    ; Protected mode, CPL 3 > IOPL 0: the bitmap decides.
    EXPECT_FAULT .r6
    RING3 .user6
.user6:
    mov dx, PORT_OK
    in al, dx
    mov [user_in], al
.user6_denied:
    in al, PORT_DENIED
    int VEC_RETURN
.r6:
    CHECK_FAULT 6, VEC_GP, 0, .user6_denied, "CPL 3, IOPL 0: #GP(0) on a denied port"
    CHECK_EQ [user_in], 0x5A, 6, "CPL 3, IOPL 0: allowed port read"

    ; Protected mode, CPL 3 = IOPL 3: no bitmap check.
    EXPECT_FAULT .r7
    RING3 .user7, EFL_FIXED | EFL_IOPL3
.user7:
    in al, PORT_DENIED
    int VEC_RETURN
.r7:
    CHECK_EQ [exc_vector], VEC_RETURN, 7, "CPL 3, IOPL 3: denied port accessible without a bitmap check"
    ret

; ---------------------------------------------------------------------------
LOW16
v86_in:     db 0

v86_allowed:
    mov dx, PORT_OK
    mov al, 0x5A
    out dx, al
    xor al, al
    in al, dx
    mov [LOW_OFF(v86_in)], al
.end:
    hlt

v86_denied:
    in al, PORT_DENIED
    hlt

v86_word:
    mov dx, PORT_OK
.in:
    in ax, dx
    hlt

TEXT32
