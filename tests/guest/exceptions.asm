; Exceptions raised by ordinary instructions: vector, error code and the
; saved EIP (the faulting instruction for faults, the next one for traps;
; SDM Vol. 3A 6.5 and 6.15).

%include "lib/guest.inc"

section .data
align 8
bounds:     dd 10, 20
misaligned: dd 0, 0

section .text
test_main:
    ; #DE: divide by zero and quotient overflow fault on the divide.
    EXPECT_FAULT .de1
    xor edx, edx
    mov eax, 1
    xor ecx, ecx
.div0:
    div ecx
    FAIL 1, "DIV by zero did not fault"
.de1:
    CHECK_FAULT 1, VEC_DE, 0, .div0, "#DE on DIV by zero"

    EXPECT_FAULT .de2
    mov edx, 1
    xor eax, eax
    mov ecx, 1
.divov:
    div ecx
    FAIL 2, "DIV with a quotient over 32 bits did not fault"
.de2:
    CHECK_FAULT 2, VEC_DE, 0, .divov, "#DE on DIV quotient overflow"

    EXPECT_FAULT .de3
    mov edx, -1
    mov eax, 0x80000000
    mov ecx, -1
.idivov:
    idiv ecx
    FAIL 3, "IDIV -2^31 / -1 did not fault"
.de3:
    CHECK_FAULT 3, VEC_DE, 0, .idivov, "#DE on IDIV -2^31 / -1"

    ; #UD: UD2 and a LOCK prefix on a register-destination ADD.
    EXPECT_FAULT .ud1
.ud2:
    ud2
    FAIL 4, "UD2 did not fault"
.ud1:
    CHECK_FAULT 4, VEC_UD, 0, .ud2, "#UD on UD2"

    EXPECT_FAULT .ud3
.lockadd:
    db 0xF0, 0x01, 0xD8                 ; lock add eax, ebx
    FAIL 5, "LOCK ADD with a register destination did not fault"
.ud3:
    CHECK_FAULT 5, VEC_UD, 0, .lockadd, "#UD on LOCK ADD reg, reg"

    ; #BR: BOUND faults only outside [lower, upper], both inclusive.
    GUARD 6, "BOUND within bounds"
    mov eax, 10
    bound eax, [bounds]
    mov eax, 20
    bound eax, [bounds]
    UNGUARD
    CHECK_EQ eax, 20, 6, "BOUND at both bounds does not fault"

    EXPECT_FAULT .br
    mov eax, 21
.bound:
    bound eax, [bounds]
    FAIL 7, "BOUND above the upper bound did not fault"
.br:
    CHECK_FAULT 7, VEC_BR, 0, .bound, "#BR from BOUND"

    ; #BP and #OF are traps: the saved EIP is past the instruction.
    EXPECT_FAULT .bp1
    int3
.after_int3:
    FAIL 8, "INT3 did not trap"
.bp1:
    CHECK_FAULT 8, VEC_BP, 0, .after_int3, "#BP from INT3"

    EXPECT_FAULT .bp2
    int 3
.after_int_3:
    FAIL 9, "INT 3 did not trap"
.bp2:
    CHECK_FAULT 9, VEC_BP, 0, .after_int_3, "#BP from INT 3 (CD 03)"

    GUARD 10, "INTO with OF clear"
    xor eax, eax                        ; clears OF
    into
    UNGUARD
    EXPECT_FAULT .of
    mov al, 0x7F
    add al, 1                           ; sets OF
    into
.after_into:
    FAIL 10, "INTO with OF set did not trap"
.of:
    CHECK_FAULT 10, VEC_OF, 0, .after_into, "#OF from INTO"

    ; Single step: POPF sets TF, the next instruction completes, then #DB
    ; with DR6.BS set (SDM Vol. 3A 17.3.1.4).
    xor eax, eax
    mov dr6, eax
    EXPECT_FAULT .db
    pushfd
    or dword [esp], EFL_TF
    popfd
    mov ebx, 0x1234
.after_step:
    FAIL 11, "single step did not trap"
.db:
    CHECK_FAULT 11, VEC_DB, 0, .after_step, "#DB single step after one instruction"
    CHECK_EQ ebx, 0x1234, 11, "the stepped instruction completed"
    CHECK_BITS [exc_eflags], EFL_TF, EFL_TF, 11, "saved EFLAGS has TF"
    mov eax, dr6
    CHECK_BITS eax, 1 << 14, 1 << 14, 11, "DR6.BS"

    ; Privileged instructions at CPL 3 raise #GP(0).
    EXPECT_FAULT .gp1
    RING3 .user_hlt
.user_hlt:
    hlt
    int VEC_RETURN
.gp1:
    CHECK_FAULT 12, VEC_GP, 0, .user_hlt, "#GP(0) from HLT at CPL 3"
    CHECK_EQ [exc_cs], SEL_CODE3, 12, "saved CS is the ring 3 code"

    EXPECT_FAULT .gp2
    RING3 .user_cr0
.user_cr0:
    mov eax, cr0
    int VEC_RETURN
.gp2:
    CHECK_FAULT 13, VEC_GP, 0, .user_cr0, "#GP(0) from MOV from CR0 at CPL 3"

    EXPECT_FAULT .gp3
    RING3 .user_cli
.user_cli:
    cli
    int VEC_RETURN
.gp3:
    CHECK_FAULT 14, VEC_GP, 0, .user_cli, "#GP(0) from CLI at CPL 3, IOPL 0"

    EXPECT_FAULT .gp4
    RING3 .user_lidt
.user_lidt:
    lidt [idt_desc]
    int VEC_RETURN
.gp4:
    CHECK_FAULT 15, VEC_GP, 0, .user_lidt, "#GP(0) from LIDT at CPL 3"

    ; With IOPL 3, CLI is allowed at CPL 3.
    EXPECT_FAULT .iopl
    RING3 .user_cli3, EFL_FIXED | EFL_IOPL3
.user_cli3:
    cli
    int VEC_RETURN
.iopl:
    CHECK_EQ [exc_vector], VEC_RETURN, 16, "CLI at CPL 3 with IOPL 3 runs"

%if ALIGN_CHECK
    ; #AC(0): misaligned access at CPL 3 with CR0.AM and EFLAGS.AC set;
    ; with EFLAGS.AC clear the same access runs (SDM Vol. 3A 6.15, #AC).
    mov eax, cr0
    or eax, CR0_AM
    mov cr0, eax
    EXPECT_FAULT .ac_off
    RING3 .user_noac
.user_noac:
    mov eax, [misaligned + 1]
    int VEC_RETURN
.ac_off:
    CHECK_EQ [exc_vector], VEC_RETURN, 17, "misaligned access with EFLAGS.AC clear runs"
    EXPECT_FAULT .ac
    RING3 .user_ac, EFL_FIXED | EFL_AC
.user_ac:
    mov eax, [misaligned + 1]
    int VEC_RETURN
.ac:
    CHECK_FAULT 18, VEC_AC, 0, .user_ac, "#AC(0) on a misaligned access at CPL 3"
    mov eax, cr0
    and eax, ~CR0_AM
    mov cr0, eax
%else
    PRINTLN "checks 17, 18: skipped, this emulator does not check alignment"
%endif
    ret
