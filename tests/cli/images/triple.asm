; Triple-faults twice (an empty IDT turns INT3 into a shutdown), then
; reports through isa-debug-exit. RAM survives a reset, so a counter at
; 0x500 tells the boots apart.
%include "mb.inc"
bits 32
org 0x100000
    MB_AOUT_HEADER MB_AOUT, end, 0, start
start:
    inc dword [0x500]
    cmp dword [0x500], 3
    jae .done
    mov esi, msg_fault
    PUTS
    lidt [empty_idt]
    int3
.done:
    mov esi, msg_done
    PUTS
    EXIT 0x10
empty_idt: dw 0
           dd 0
msg_fault: db "faulting", 10, 0
msg_done:  db "third boot", 10, 0
end:
