; A Multiboot header whose checksum does not add up.
bits 32
org 0x100000
    dd 0x1badb002
    dd 0x00010000
    dd 0x12345678
    times 64 db 0
