; Prints the Multiboot information lintas hands over, one fact a line, for
; the tests to compare with the command line they gave.
%include "mb.inc"
bits 32
org 0x100000
    MB_AOUT_HEADER MB_AOUT | 3, end, bss_end, start

start:
    mov esp, stack_top
    mov [info], ebx
    mov esi, s_magic_bad
    cmp eax, 0x2badb002
    jne .magic_done
    mov esi, s_magic_ok
.magic_done:
    PUTS

    mov ebx, [info]
    mov esi, s_flags
    PUTS
    mov eax, [ebx]
    PUTHEX
    PUTC 10

    mov esi, s_mem
    PUTS
    mov ebx, [info]
    mov eax, [ebx + 4]
    PUTDEC
    PUTC ' '
    mov ebx, [info]
    mov eax, [ebx + 8]
    PUTDEC
    PUTC 10

    mov esi, s_cmdline
    PUTS
    mov ebx, [info]
    mov esi, [ebx + 16]
    PUTS
    PUTC "'"
    PUTC 10

    mov esi, s_loader
    PUTS
    mov ebx, [info]
    mov esi, [ebx + 64]
    PUTS
    PUTC 10

    ; Modules: cmdline, size, alignment and the first line of the contents.
    mov ebx, [info]
    mov eax, [ebx + 20]
    mov [count], eax
    mov eax, [ebx + 24]
    mov [cursor], eax
    mov esi, s_mods
    PUTS
    mov eax, [count]
    PUTDEC
    PUTC 10
.next_mod:
    cmp dword [count], 0
    je .mods_done
    mov edi, [cursor]
    mov esi, s_mod
    PUTS
    mov esi, [edi + 8]
    PUTS
    mov esi, s_mod_size
    PUTS
    mov edi, [cursor]
    mov eax, [edi + 4]
    sub eax, [edi]
    PUTDEC
    mov edi, [cursor]
    mov esi, s_aligned
    test dword [edi], 0xfff
    jz .aligned
    mov esi, s_unaligned
.aligned:
    PUTS
    mov edi, [cursor]
    mov esi, [edi]
    mov ecx, [edi + 4]
.text:
    cmp esi, ecx
    jae .text_done
    lodsb
    cmp al, 10
    je .text_done
    mov dx, COM1
    out dx, al
    jmp .text
.text_done:
    PUTC "'"
    PUTC 10
    add dword [cursor], 16
    dec dword [count]
    jmp .next_mod
.mods_done:

    ; Memory map entries: base, length, type.
    mov ebx, [info]
    mov eax, [ebx + 48]
    mov [cursor], eax
    add eax, [ebx + 44]
    mov [map_end], eax
.next_map:
    mov edi, [cursor]
    cmp edi, [map_end]
    jae .map_done
    mov esi, s_mmap
    PUTS
    mov edi, [cursor]
    mov eax, [edi + 4]
    PUTHEX
    PUTC ' '
    mov edi, [cursor]
    mov eax, [edi + 12]
    PUTHEX
    PUTC ' '
    mov edi, [cursor]
    mov eax, [edi + 20]
    PUTDEC
    PUTC 10
    mov edi, [cursor]
    mov eax, [edi]
    add eax, 4
    add [cursor], eax
    jmp .next_map
.map_done:
    EXIT 0x10

s_magic_ok:   db "magic ok", 10, 0
s_magic_bad:  db "magic BAD", 10, 0
s_flags:      db "flags ", 0
s_mem:        db "mem ", 0
s_cmdline:    db "cmdline '", 0
s_loader:     db "loader ", 0
s_mods:       db "mods ", 0
s_mod:        db "mod '", 0
s_mod_size:   db "' size ", 0
s_aligned:    db " aligned '", 0
s_unaligned:  db " UNALIGNED '", 0
s_mmap:       db "mmap ", 0
end:

section .bss
info:    resd 1
count:   resd 1
cursor:  resd 1
map_end: resd 1
         resb 4096
stack_top:
bss_end:
