; Reads COM1 and echoes each byte in upper case until a newline, then exits
; through isa-debug-exit.
%include "mb.inc"
bits 32
org 0x100000
    MB_AOUT_HEADER MB_AOUT, end, 0, start
start:
    mov dx, COM1 + 2
    mov al, 0x07            ; FIFOs on, trigger level 1
    out dx, al
.wait:
    mov dx, COM1 + 5
    in al, dx
    test al, 1              ; data ready
    jz .wait
    mov dx, COM1
    in al, dx
    cmp al, 10
    je .done
    cmp al, 'a'
    jb .put
    cmp al, 'z'
    ja .put
    sub al, 'a' - 'A'
.put:
    out dx, al
    jmp .wait
.done:
    PUTC 10
    EXIT 0x10
end:
