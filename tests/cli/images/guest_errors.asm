; Does what the machine refuses: an unassigned port, a read-only UART
; register, unassigned memory; then exits with status 33.
%include "mb.inc"
bits 32
org 0x100000
    MB_AOUT_HEADER MB_AOUT, end, 0, start
start:
    in al, 0x0e0
    mov dx, COM1 + 5          ; LSR
    mov al, 0x41
    out dx, al
    mov eax, [0xfee00000]
    mov word [0xfee00010], 0x1234
    EXIT 0x10
end:
