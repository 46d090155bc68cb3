; Loads at 256 MiB: outside RAM when run with -m 16.
%include "mb.inc"
bits 32
org 0x10000000
    MB_AOUT_HEADER MB_AOUT, 0, 0, start
start:
    cli
    hlt
