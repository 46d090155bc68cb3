; Says so and halts with interrupts disabled.
%include "mb.inc"
bits 32
org 0x100000
    MB_AOUT_HEADER MB_AOUT, end, 0, start
start:
    mov esi, msg
    PUTS
    cli
    hlt
msg: db "halting", 10, 0
end:
