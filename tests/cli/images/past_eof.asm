; load_end_addr claims a megabyte the file does not have.
%include "mb.inc"
bits 32
org 0x100000
    MB_AOUT_HEADER MB_AOUT, 0x200000, 0, start
start:
    cli
    hlt
