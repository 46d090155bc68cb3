; An ELF header whose program headers would lie far beyond the file, and a
; Multiboot header without the a.out kludge, so the ELF headers are used.
    db 0x7f, "ELF", 1, 1, 1, 0
    times 8 db 0
    dw 2                    ; e_type: executable
    dw 3                    ; e_machine: i386
    dd 1                    ; e_version
    dd 0x100000             ; e_entry
    dd 0x7fff0000           ; e_phoff
    dd 0                    ; e_shoff
    dd 0                    ; e_flags
    dw 52                   ; e_ehsize
    dw 32                   ; e_phentsize
    dw 4                    ; e_phnum
    dw 0, 0, 0              ; e_shentsize, e_shnum, e_shstrndx
    align 4
    dd 0x1badb002
    dd 0
    dd -0x1badb002
