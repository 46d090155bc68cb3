; The entry point lies past the loaded bytes.
%include "mb.inc"
bits 32
org 0x100000
    MB_AOUT_HEADER MB_AOUT, end, 0, 0x200000
    cli
    hlt
end:
