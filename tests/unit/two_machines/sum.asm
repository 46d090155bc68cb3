; Guest A of test_two_machines: sums 1..50000, printing the running sum
; every 10000 terms, leaves a marker at 2 MiB and 0xa1 in COM1's scratch
; register, then exits with 0x11.

%include "common.inc"

MARKER_ADDR     equ 0x200000
MARKER          equ 0x41414141
TERMS           equ 50000
STEP            equ 10000

start:
    mov esp, stack_top
    mov dword [MARKER_ADDR], MARKER
    mov dx, COM1_SCR
    mov al, 0xa1
    out dx, al
    mov esi, msg_hello
    call puts
    call put_ram

    xor edi, edi                    ; the sum
    mov ecx, 1                      ; the next term
.term:
    add edi, ecx
    mov eax, ecx
    xor edx, edx
    mov ebx, STEP
    div ebx
    test edx, edx
    jnz .no_report
    mov esi, msg_sum
    call puts
    mov eax, ecx
    call putdec
    mov esi, msg_is
    call puts
    mov eax, edi
    call putdec
    mov al, 10
    call putc
.no_report:
    inc ecx
    cmp ecx, TERMS
    jbe .term

    mov al, 0x11
    jmp exit

msg_hello:      db "A: summing", 10, 0
msg_sum:        db "A: 1..", 0
msg_is:         db " = ", 0

load_end:

section .bss
    alignb 16
stack:          resb 4096
stack_top:
bss_end:
