; Requires flag bit 3, a feature no loader knows.
%include "mb.inc"
bits 32
org 0x100000
    MB_AOUT_HEADER MB_AOUT | 8, 0, 0, start
start:
    cli
    hlt
