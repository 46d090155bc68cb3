; Segment limit and type checks (SDM Vol. 3A 5.3, 5.4, 6.15): a data access
; past the limit raises #GP(0), a stack access past the SS limit #SS(0),
; expand-down segments invert the valid range, and segment loads check
; type and presence with the selector as error code.

%include "lib/guest.inc"

SEL_SMALL   equ SEL_FREE            ; data, base data_area, limit 0xFFF
SEL_DOWN    equ SEL_FREE + 0x08     ; expand-down data, limit 0xFFF, B = 1
SEL_STACK3  equ SEL_FREE + 0x10 | 3 ; DPL 3 stack, base data_area, limit 0xFFF
SEL_NP      equ SEL_FREE + 0x18     ; data, not present
SEL_XO      equ SEL_FREE + 0x20     ; execute-only code
SEL_RO      equ SEL_FREE + 0x28     ; read-only data
SEL_CSMALL  equ SEL_FREE + 0x30     ; code, base 0, limit 0xFFFFF bytes

section .bss
alignb 4096
data_area:  resb 8192

section .text
test_main:
    mov eax, SEL_SMALL
    mov ebx, data_area
    mov ecx, 0xFFF
    mov dl, ACC_DATA0
    mov dh, FLG_D
    call gdt_set_seg
    mov eax, SEL_STACK3
    mov dl, ACC_DATA3
    call gdt_set_seg
    mov eax, SEL_DOWN
    mov dl, ACC_DATA0_DOWN
    call gdt_set_seg
    mov eax, SEL_NP
    mov dl, ACC_DATA0 & ACC_NOT_PRESENT
    call gdt_set_seg
    mov eax, SEL_RO
    mov dl, ACC_DATA0_RO
    call gdt_set_seg
    mov eax, SEL_XO
    mov dl, ACC_CODE0_XO
    call gdt_set_seg
    mov eax, SEL_CSMALL
    xor ebx, ebx
    mov ecx, 0xFFFFF
    mov dl, ACC_CODE0
    call gdt_set_seg

    ; Data segment: the last dword inside the limit is fine, a dword
    ; crossing the limit or a byte past it is #GP(0).
    mov ax, SEL_SMALL
    mov es, ax
    mov dword [data_area + 0xFFC], 0x13579BDF
    GUARD 1, "dword ending at the limit"
    mov eax, [es:0xFFC]
    UNGUARD
    CHECK_EQ eax, 0x13579BDF, 1, "read of the last dword inside the limit (base applied)"

%if SEG_ACCESS_CHECKS
    EXPECT_FAULT .r2
.f2:
    mov eax, [es:0xFFD]
    FAIL 2, "dword crossing the limit did not fault"
.r2:
    CHECK_FAULT 2, VEC_GP, 0, .f2, "#GP(0) on a dword crossing the data limit"

    ; The recovery reloaded ES with the flat segment.
    mov ax, SEL_SMALL
    mov es, ax
    EXPECT_FAULT .r3
.f3:
    mov byte [es:0x1000], 1
    FAIL 3, "byte write past the limit did not fault"
.r3:
    CHECK_FAULT 3, VEC_GP, 0, .f3, "#GP(0) on a byte write past the data limit"
%endif

    ; Expand-down with B = 1: valid offsets are limit+1 .. 0xFFFFFFFF.
    mov ax, SEL_DOWN
    mov es, ax
    GUARD 4, "expand-down access above the limit"
    mov eax, [es:0x1000]
    mov eax, [es:0xFFFFFFFC]
    UNGUARD
    CHECK_EQ eax, [data_area - 4], 4, "expand-down: offsets above the limit are valid"

%if SEG_ACCESS_CHECKS
    EXPECT_FAULT .r5
.f5:
    mov eax, [es:0xFFE]
    FAIL 5, "expand-down access at or below the limit did not fault"
.r5:
    CHECK_FAULT 5, VEC_GP, 0, .f5, "#GP(0) on an expand-down access below the limit"

    ; Stack segment, from ring 3 so the handler runs on the TSS ring 0
    ; stack: an EBP-based access past the SS limit is #SS(0); a POP reading
    ; past the limit is #SS(0) and leaves ESP unchanged.
    EXPECT_FAULT .r6
    RING3 .u6
.u6:
    mov ax, SEL_STACK3
    mov ss, ax
    mov esp, 0x800
    mov ebp, 0x2000
.f6:
    mov eax, [ebp]
    int VEC_RETURN
.r6:
    CHECK_FAULT 6, VEC_SS, 0, .f6, "#SS(0) on an EBP-based access past the SS limit"
    CHECK_EQ [exc_ss], SEL_STACK3, 6, "fault taken on the limited stack"
    CHECK_EQ [exc_esp], 0x800, 6, "ESP unchanged"

    EXPECT_FAULT .r7
    RING3 .u7
.u7:
    mov ax, SEL_STACK3
    mov ss, ax
    mov esp, 0xFFE
.f7:
    pop eax
    int VEC_RETURN
.r7:
    CHECK_FAULT 7, VEC_SS, 0, .f7, "#SS(0) on a POP past the SS limit"
    CHECK_EQ [exc_esp], 0xFFE, 7, "ESP unchanged by the faulting POP"
%else
    PRINTLN "checks 2, 3, 5, 6, 7: skipped, this emulator does not check data segment limits"
%endif

    ; Segment loads: not present -> #NP(sel); SS not present -> #SS(sel);
    ; execute-only code into DS -> #GP(sel); read-only data into SS ->
    ; #GP(sel); a write through a read-only segment -> #GP(0).
    EXPECT_FAULT .r8
    mov ax, SEL_NP
.f8:
    mov ds, ax
    FAIL 8, "loading a not-present segment did not fault"
.r8:
    CHECK_FAULT 8, VEC_NP, SEL_NP, .f8, "#NP(selector) loading a not-present data segment into DS"

    EXPECT_FAULT .r9
    mov ax, SEL_NP
.f9:
    mov ss, ax
    FAIL 9, "loading a not-present segment into SS did not fault"
.r9:
    CHECK_FAULT 9, VEC_SS, SEL_NP, .f9, "#SS(selector) loading a not-present segment into SS"

    EXPECT_FAULT .r10
    mov ax, SEL_XO
.f10:
    mov ds, ax
    FAIL 10, "loading execute-only code into DS did not fault"
.r10:
    CHECK_FAULT 10, VEC_GP, SEL_XO, .f10, "#GP(selector) loading execute-only code into DS"

    EXPECT_FAULT .r11
    mov ax, SEL_RO
.f11:
    mov ss, ax
    FAIL 11, "loading read-only data into SS did not fault"
.r11:
    CHECK_FAULT 11, VEC_GP, SEL_RO, .f11, "#GP(selector) loading read-only data into SS"

%if SEG_ACCESS_CHECKS
    mov ax, SEL_RO
    mov es, ax
    EXPECT_FAULT .r12
.f12:
    mov byte [es:0], 1
    FAIL 12, "write through a read-only segment did not fault"
.r12:
    CHECK_FAULT 12, VEC_GP, 0, .f12, "#GP(0) on a write through a read-only segment"
%else
    PRINTLN "check 12: skipped, this emulator does not check the writable bit on data writes"
%endif

    ; Code segment limit: a far jump past the CS limit is #GP(0) at the jump.
    EXPECT_FAULT .r13
.f13:
    jmp SEL_CSMALL:0x100000
    FAIL 13, "far jump past the CS limit did not fault"
.r13:
    CHECK_FAULT 13, VEC_GP, 0, .f13, "#GP(0) on a far jump past the CS limit"
    ret
