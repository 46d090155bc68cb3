; An ELF32 kernel linked at 0xC0100000 and loaded at 0x100000 (p_vaddr !=
; p_paddr, entry point virtual), as higher-half kernels are. It runs with
; paging off, so its code uses physical addresses.
PHYS equ 0x100000
VIRT equ 0xc0100000
bits 32
org PHYS
ehdr:
    db 0x7f, "ELF", 1, 1, 1, 0
    times 8 db 0
    dw 2, 3
    dd 1
    dd VIRT + (start - ehdr)        ; e_entry
    dd phdr - ehdr                  ; e_phoff
    dd 0, 0
    dw 52, 32, 1, 0, 0, 0
phdr:
    dd 1                            ; PT_LOAD
    dd 0                            ; p_offset
    dd VIRT                         ; p_vaddr
    dd PHYS                         ; p_paddr
    dd end - ehdr                   ; p_filesz
    dd end - ehdr + 4096            ; p_memsz: a page of bss
    dd 7, 4096
align 4
    dd 0x1badb002
    dd 0
    dd -0x1badb002
%include "mb.inc"
start:
    mov esi, msg
    PUTS
    EXIT 0x21
msg: db "hello from ELF", 10, 0
end:
