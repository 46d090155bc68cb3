; Hardware breakpoints delivered through the IDT (SDM Vol. 3B 17.2, 17.3.1):
; an instruction breakpoint is a fault before the instruction, resumed by a
; handler that sets RF in the EFLAGS image; a data write breakpoint is a
; trap after the write, also between the iterations of a REP string
; instruction; an I/O breakpoint needs CR4.DE. DR6.B0-B3 say which fired.

%include "lib/guest.inc"

EFL_RF      equ 1 << 16
CR4_DE      equ 1 << 3
FEAT_DE     equ 1 << 2              ; CPUID.1:EDX
; DR7 (SDM Vol. 3B 17.2.4): Ln enables breakpoint n, R/Wn and LENn say what
; it watches.
DR7_L0      equ 1 << 0
DR7_L1      equ 1 << 2
DR7_L2      equ 1 << 4
RW1_WRITE   equ 1 << 20
LEN1_4      equ 3 << 22
RW2_IO      equ 2 << 24
DR6_B       equ 0xF

section .data
align 4
watched:    dd 0, 0                 ; DR1 watches the second dword
buffer:     times 16 dd 0           ; DR1 watches buffer + 20 for REP STOSD
db_count:   dd 0
db_eip:     dd 0
db_eflags:  dd 0
db_dr6:     dd 0
db_ecx:     dd 0

section .text
; #DB handler for the resumable cases: records what it was given, clears
; DR6 and returns with RF set in the image, as a debugger does.
db_handler:
    push eax
    mov eax, [esp + 4]
    mov [db_eip], eax
    mov eax, [esp + 12]
    mov [db_eflags], eax
    mov eax, dr6
    mov [db_dr6], eax
    mov [db_ecx], ecx
    xor eax, eax
    mov dr6, eax
    inc dword [db_count]
    pop eax
    or dword [esp + 8], EFL_RF
    iretd

; Disable every breakpoint and reset the handler's record.
reset_debug:
    push eax
    xor eax, eax
    mov dr7, eax
    mov dr6, eax
    mov [db_count], eax
    mov [db_eip], eax
    mov [db_eflags], eax
    mov [db_dr6], eax
    pop eax
    ret

test_main:
    ; An instruction breakpoint faults before the instruction runs, with
    ; EIP at it and B0 set.
    call reset_debug
    mov eax, .bp1
    mov dr0, eax
    mov eax, DR7_L0
    mov dr7, eax
    xor ebx, ebx
    EXPECT_FAULT .db1
.bp1:
    inc ebx
    FAIL 1, "instruction breakpoint did not fault"
.db1:
    mov ecx, dr6
    call reset_debug
    CHECK_FAULT 1, VEC_DB, 0, .bp1, "#DB at the instruction DR0 names"
    CHECK_EQ ebx, 0, 2, "the instruction did not run"
    CHECK_BITS ecx, DR6_B, 1, 3, "DR6.B0"
    ; RF is clear in the image: the processor leaves it to the handler
    ; (SDM Vol. 3B 17.3.1.1).
    CHECK_BITS [exc_eflags], EFL_RF, 0, 4, "RF clear in the #DB handler's EFLAGS image"

    ; With a handler that resumes with RF set, the instruction runs once
    ; each time round, after one #DB each time.
    mov eax, VEC_DB
    mov ebx, db_handler
    mov ecx, SEL_CODE0
    mov dl, GATE_INT0
    call idt_set
    GUARD 5, "instruction breakpoint resumed with RF"
    mov eax, .bp2
    mov dr0, eax
    mov eax, DR7_L0
    mov dr7, eax
    xor ebx, ebx
    mov ecx, 3
.bp2:
    inc ebx
    dec ecx
    jnz .bp2
    UNGUARD
    call disable_breakpoints
    CHECK_EQ ebx, 3, 5, "the instruction ran three times"
    CHECK_EQ [db_count], 3, 6, "one #DB before each run"
    CHECK_EQ [db_eip], .bp2, 7, "the #DB handler got EIP at the instruction"
    CHECK_BITS [db_dr6], DR6_B, 1, 8, "DR6.B0 in the handler"

    ; A data write breakpoint on the second dword of `watched`: reads and
    ; writes beside it do not trap; a write into it traps after the write.
    call reset_debug
    GUARD 9, "data write breakpoint"
    mov eax, watched + 4
    mov dr1, eax
    mov eax, DR7_L1 | RW1_WRITE | LEN1_4
    mov dr7, eax
    mov eax, [watched + 4]
    mov dword [watched], 0x11111111
    mov byte [watched + 8], 0
    mov ecx, [db_count]
    mov dword [watched + 4], 0x12345678
.after_write:
    mov edx, [db_count]
    UNGUARD
    call disable_breakpoints
    CHECK_EQ ecx, 0, 9, "no #DB for a read or for writes beside the watched dword"
    CHECK_EQ edx, 1, 10, "one #DB for the write"
    CHECK_EQ [db_eip], .after_write, 11, "the #DB handler got EIP after the write"
    CHECK_BITS [db_dr6], DR6_B, 2, 12, "DR6.B1 in the handler"
    CHECK_EQ [watched + 4], 0x12345678, 13, "the write was done before the trap"

    ; A word write that straddles into the watched dword traps too.
    call reset_debug
    GUARD 14, "straddling write"
    mov eax, DR7_L1 | RW1_WRITE | LEN1_4
    mov dr7, eax
    mov word [watched + 3], 0
.after_straddle:
    UNGUARD
    call disable_breakpoints
    CHECK_EQ [db_count], 1, 14, "one #DB for a write straddling into the watched dword"
    CHECK_EQ [db_eip], .after_straddle, 15, "EIP after the straddling write"

    ; REP STOSD traps after the element that wrote buffer + 20, with EIP
    ; at the instruction and ECX counting the elements left; resumed, it
    ; finishes without another #DB. (The SDM also has RF set in the image,
    ; 17.3.1.1; Bochs pushes it clear, so this test leaves RF out.)
    call reset_debug
    GUARD 16, "REP STOSD with a data breakpoint"
    mov eax, buffer + 20
    mov dr1, eax
    mov eax, DR7_L1 | RW1_WRITE | LEN1_4
    mov dr7, eax
    mov edi, buffer
    mov ecx, 16
    mov eax, 0x55AA55AA
.rep:
    rep stosd
    UNGUARD
    call disable_breakpoints
    CHECK_EQ [db_count], 1, 16, "one #DB for REP STOSD"
    CHECK_EQ [db_eip], .rep, 17, "EIP at the REP STOSD"
    CHECK_EQ [db_ecx], 10, 18, "ECX after the sixth element"
    CHECK_EQ ecx, 0, 19, "REP STOSD finished"
    CHECK_EQ [buffer + 60], 0x55AA55AA, 20, "REP STOSD wrote the last element"

    ; An I/O breakpoint on port 0x80, which needs CR4.DE (advertised as
    ; CPUID.1:EDX.DE).
    mov eax, 1
    cpuid
    CHECK_BITS edx, FEAT_DE, FEAT_DE, 21, "CPUID.1:EDX.DE"
    mov eax, cr4
    or eax, CR4_DE
    mov cr4, eax
    call reset_debug
    GUARD 22, "I/O breakpoint"
    mov eax, 0x80
    mov dr2, eax
    mov eax, DR7_L2 | RW2_IO
    mov dr7, eax
    mov al, 0
    out 0x80, al
.after_out:
    UNGUARD
    call disable_breakpoints
    mov eax, cr4
    and eax, ~CR4_DE
    mov cr4, eax
    CHECK_EQ [db_count], 1, 22, "one #DB for OUT to the watched port"
    CHECK_EQ [db_eip], .after_out, 23, "EIP after the OUT"
    CHECK_BITS [db_dr6], DR6_B, 4, 24, "DR6.B2 in the handler"

    mov eax, VEC_DB
    call idt_set_default
    ret

; Disable the breakpoints, keeping the handler's record.
disable_breakpoints:
    push eax
    xor eax, eax
    mov dr7, eax
    pop eax
    ret
