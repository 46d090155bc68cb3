; The x87 FPU as a guest sees it: FNINIT defaults, exact arithmetic and
; rounding to an integer, FCOMI into EFLAGS, the FNSAVE image and its
; reinitialization, #MF (vector 16) for a pending unmasked exception with
; CR0.NE set, taken by the next waiting instruction, then FNSTENV and
; FNSTSW, which do not wait: FIP, FOP and the status word, #NM for
; CR0.TS and for WAIT with CR0.MP and CR0.TS, and with CR0.NE clear the
; PC's MS-DOS compatible reporting: FERR# latched as IRQ 13 and the
; handler's acknowledgement through port 0xF0 (SDM Vol. 1 8.1, 8.5, 8.7,
; appendix D.2; Vol. 3A 2.5 table 2-2).

%include "lib/guest.inc"
%include "lib/irq.inc"

VECTOR_NM       equ 7
VECTOR_MF       equ 16
CR0_MP_BIT      equ 1 << 1
CR0_EM_BIT      equ 1 << 2
CR0_NE_BIT      equ 1 << 5
IRQ_FERR        equ 13
PORT_FERR_ACK   equ 0xF0            ; clears the IRQ 13 latch (IBM AT, PIIX3)
FSW_PENDING_ZE  equ 0x8084          ; B, ES and ZE

section .data
align 4
ten:            dd 10
four:           dd 4
cw_zero_divide: dw 0x037B               ; FNINIT's word with ZM clear

section .bss
alignb 4
result:         resd 1
word_out:       resd 1
ferr_irq_eip:   resd 1
ferr_irq_fsw:   resd 1
env:            resb 28
save:           resb 108

section .text
test_main:
    GUARD 1, "x87 instructions"
    fninit
    fnstcw [word_out]
    CHECK_BITS [word_out], 0xFFFF, 0x037F, 1, "FNINIT control word"
    fnstsw ax
    CHECK_BITS eax, 0xFFFF, 0, 2, "FNINIT status word"

    ; 10 / 4 = 2.5 exactly; FISTP rounds to nearest even: 2.
    fild dword [ten]
    fild dword [four]
    fdivp st1, st0
    fistp dword [result]
    CHECK_EQ [result], 2, 3, "FISTP of 2.5 rounds to even"

    ; FCOMI: 0 < 1 sets CF only.
    fld1
    fldz
    fcomi st0, st1
    pushfd
    pop eax
    CHECK_BITS eax, 0x8D5, 0x001, 4, "FCOMI 0 < 1: CF set, ZF PF clear"

    ; FNSAVE: R6 and R7 in use, ST0 = +0.0 first; then FNINIT's state.
    fnsave [save]
    CHECK_BITS [save + 8], 0xFFFF, 0x1FFF, 5, "FNSAVE tag word"
    CHECK_BITS [save + 4], 0x3800, 6 << 11, 6, "FNSAVE status word TOP"
    CHECK_EQ [save + 28 + 10 + 4], 0x80000000, 7, "FNSAVE ST1 = 1.0 significand"
    CHECK_BITS [save + 28 + 10 + 8], 0xFFFF, 0x3FFF, 8, "FNSAVE ST1 = 1.0 exponent"
    fnstcw [word_out]
    CHECK_BITS [word_out], 0xFFFF, 0x037F, 9, "control word after FNSAVE"
    UNGUARD

    ; #MF with CR0.NE: 1 / 0 with ZE unmasked is pending, and FWAIT takes
    ; the exception before it executes.
    mov eax, cr0
    or eax, CR0_NE_BIT
    mov cr0, eax
    GUARD 10, "unmasked zero divide"
    fninit
    fldcw [cw_zero_divide]
    fldz
    fld1
.divide:
    fdiv st0, st1
    UNGUARD
    EXPECT_FAULT .mf
.wait:
    fwait
    FAIL 10, "FWAIT with a pending exception did not fault"
.mf:
    CHECK_FAULT 10, VECTOR_MF, 0, .wait, "#MF at the FWAIT"
    GUARD 11, "FNSTENV and FNSTSW"
    fnstenv [env]
    fnstsw ax
    UNGUARD
    CHECK_BITS eax, 0x007F, 0x0004, 11, "ZE stays set after FNSTENV"
    CHECK_EQ [env + 12], .divide, 12, "FIP is the FDIV"
    CHECK_BITS [env + 16], 0xFFFF, SEL_CODE0, 13, "FCS of the FDIV"
    CHECK_BITS [env + 4], 0x80FF, 0x8084, 14, "B, ES and ZE in the image"
%ifndef EMU_QEMU
    ; QEMU's TCG does not record the last opcode.
    CHECK_BITS [env + 16], 0x07FF0000, 0x0F1 << 16, 20, "FOP of the FDIV"
%endif
    GUARD 15, "FNCLEX"
    fnclex
    fwait
    UNGUARD

    ; #NM: any escape with CR0.TS; WAIT only with MP and TS.
    mov eax, cr0
    and eax, ~(CR0_MP_BIT | CR0_EM_BIT)
    or eax, CR0_TS
    mov cr0, eax
    GUARD 16, "WAIT with TS and without MP"
    fwait
    UNGUARD
    EXPECT_FAULT .nm1
.escape:
    fld1
    FAIL 17, "FLD1 with CR0.TS did not fault"
.nm1:
    CHECK_FAULT 17, VECTOR_NM, 0, .escape, "#NM at FLD1 with CR0.TS"
    mov eax, cr0
    or eax, CR0_MP_BIT
    mov cr0, eax
    EXPECT_FAULT .nm2
.wait_ts:
    fwait
    FAIL 18, "WAIT with CR0.MP and CR0.TS did not fault"
.nm2:
    CHECK_FAULT 18, VECTOR_NM, 0, .wait_ts, "#NM at WAIT with MP and TS"
    clts
    GUARD 19, "WAIT with MP alone"
    fwait
    UNGUARD

    ; FERR# with CR0.NE clear: the FDIV's unmasked ZE is taken by the
    ; FWAIT as FERR#, which the board latches as IRQ 13; the FWAIT and what
    ; follows go on (SDM Vol. 1 D.2.1). IRQ 13 stays masked until after
    ; the FWAIT, so the request waits in the slave's IRR (this also keeps
    ; QEMU 7.2's TCG from raising the interrupt inside the FWAIT without
    ; its I/O thread lock, which aborts it); interrupts stay off until the
    ; STI.
    mov eax, cr0
    and eax, ~CR0_NE_BIT
    mov cr0, eax
    call irq_init
    mov dword [irq_hook], ferr_ack_and_clear
    GUARD 21, "FWAIT with ZE pending and CR0.NE clear"
    fninit
    fldcw [cw_zero_divide]
    fldz
    fld1
    fdiv st0, st1
    fwait
    UNGUARD
    CHECK_EQ [irq_count], 0, 21, "no IRQ with IRQ 13 masked"
    call pic_read_irr
    CHECK_BITS eax, 1 << IRQ_FERR, 1 << IRQ_FERR, 22, "IRQ 13 requested"
    mov ax, ~((1 << 2) | (1 << IRQ_FERR)) & 0xFFFF
    call pic_set_mask
    sti
    nop
.ferr_taken:
    cli
    CHECK_EQ [irq_count], 1, 23, "IRQ 13 once"
    CHECK_EQ [irq_log], IRQ_FERR, 24, "IRQ 13 logged"
    CHECK_EQ [ferr_irq_eip], .ferr_taken, 25, "IRQ 13 taken after STI's shadow"
    CHECK_BITS [ferr_irq_fsw], 0x80FF, FSW_PENDING_ZE, 26, "ZE pending in the handler"
    fnstsw ax
    CHECK_BITS eax, 0x80FF, 0, 27, "handler's FNCLEX cleared ZE"

%if !IGNNE_ENDS_WITH_FERR
    ; IGNNE# from the port 0xF0 write is still on here: FLDENV of a
    ; status word with ES clear ends it.
    fnstenv [env]
    fldenv [env]
%endif

    ; Port 0xF0 without FNCLEX: the write clears the latch while FERR#
    ; stays asserted, and a second waiting instruction makes no new edge.
    call irq_log_clear
    mov dword [irq_hook], ferr_ack_only
    mov ax, 0xFFFF
    call pic_set_mask
    GUARD 28, "FWAIT with a new ZE pending"
    fldz
    fld1
    fdiv st0, st1
    fwait
    UNGUARD
    call pic_read_irr
    CHECK_BITS eax, 1 << IRQ_FERR, 1 << IRQ_FERR, 28, "IRQ 13 again after FNCLEX"
    mov ax, ~((1 << 2) | (1 << IRQ_FERR)) & 0xFFFF
    call pic_set_mask
    sti
    nop
    cli
    CHECK_EQ [irq_count], 1, 29, "IRQ 13 once without FNCLEX"
    fnstsw ax
    CHECK_BITS eax, 0x80FF, FSW_PENDING_ZE, 30, "ZE pending without FNCLEX"
    GUARD 31, "second FWAIT with ZE pending"
    fwait
    UNGUARD
    call pic_read_irr
    CHECK_BITS eax, 1 << IRQ_FERR, 0, 31, "no IRQ 13 request from the second FWAIT"
    sti
    nop
    cli
    CHECK_EQ [irq_count], 1, 32, "no second IRQ 13 while FERR# stays"
    fnclex
    PRINTLN "x87: arithmetic, FCOMI, FNSAVE, #MF with NE, #NM, FERR# to IRQ 13"
    ret

; IRQ 13 hooks (lib/irq.inc): record where the interrupt came in (the
; EIP above irq_common's PUSHAD and this call) and the status word, then
; acknowledge. ferr_ack_and_clear is the usual MS-DOS handler: port 0xF0
; clears the latch, FNCLEX the exception (SDM Vol. 1 D.2.1.2).
ferr_ack_and_clear:
    call ferr_record
    out PORT_FERR_ACK, al
    fnclex
    ret

; Port 0xF0 alone: the exception stays pending and FERR# asserted.
ferr_ack_only:
    call ferr_record
    out PORT_FERR_ACK, al
    ret

ferr_record:
    mov eax, [esp + 4 + 4 + 32]
    mov [ferr_irq_eip], eax
    fnstsw ax
    movzx eax, ax
    mov [ferr_irq_fsw], eax
    ret
