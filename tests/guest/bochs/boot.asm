; Floppy boot sector that loads a Multiboot (a.out kludge) guest test image
; stored from the second sector on and enters it the Multiboot way, so the
; guest tests also run on PC emulators without a Multiboot loader (Bochs).
;
; Reads 128 sectors (64 KiB) to 0x10000 with INT 13h, enables A20 through
; port 0x92, switches to 32-bit protected mode with flat segments, copies
; load_end_addr - load_addr bytes to load_addr and jumps to entry_addr with
; EAX = 0x2BADB002 and EBX = 0 (no Multiboot information; the tests ignore it).

bits 16
org 0x7C00

BUF         equ 0x10000
SECTORS     equ 128

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    mov [drive], dl
    mov word [lba], 1
.read:
    ; LBA -> CHS for a 1.44 MB floppy (18 sectors, 2 heads).
    mov ax, [lba]
    xor dx, dx
    mov bx, 18
    div bx
    mov cl, dl
    inc cl
    mov dh, al
    and dh, 1
    shr ax, 1
    mov ch, al
    mov dl, [drive]
    mov ax, [seg_next]
    mov es, ax
    xor bx, bx
    mov ax, 0x0201
    int 0x13
    jc .error
    add word [seg_next], 512 / 16
    inc word [lba]
    cmp word [lba], SECTORS + 1
    jbe .read

    in al, 0x92
    or al, 2
    and al, 0xFE
    out 0x92, al
    lgdt [gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp 0x08:pm

.error:
    mov si, msg_error
.print:
    lodsb
    test al, al
    jz .halt
    mov dx, 0x3F8
    out dx, al
    jmp .print
.halt:
    hlt
    jmp .halt

bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7C00
    ; Find the Multiboot header in the first 8 KiB.
    mov esi, BUF
.find:
    cmp dword [esi], 0x1BADB002
    je .found
    add esi, 4
    cmp esi, BUF + 8192
    jb .find
    jmp .fail32
.found:
    ; source = header - (header_addr - load_addr)
    mov ebx, esi
    mov eax, [ebx + 12]
    sub eax, [ebx + 16]
    sub esi, eax
    mov edi, [ebx + 16]
    mov ecx, [ebx + 20]
    sub ecx, edi
    cld
    rep movsb
    mov edx, [ebx + 28]
    mov eax, 0x2BADB002
    xor ebx, ebx
    jmp edx
.fail32:
    hlt
    jmp .fail32

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF
    dq 0x00CF92000000FFFF
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt

msg_error:  db "boot: disk read error", 10, 0
drive:      db 0
lba:        dw 0
seg_next:   dw BUF >> 4

times 510 - ($ - $$) db 0
dw 0xAA55
