; A minimal bzImage (boot protocol 2.06) that checks how it was booted:
; the setup code, entered by the firmware's Linux boot option ROM, looks
; at the segment registers, the stack and the setup header fields a boot
; loader fills in (Documentation/arch/x86/boot.rst), the command line,
; the protected-mode kernel at 1 MiB and the initrd, then reports through
; isa-debug-exit at port 0xf4: 0x10 when all is as expected, otherwise
; the number of the first failed check. boot_protocol.sh boots it with
; -append "lintas-probe 42" and an initrd holding "INITRD-PROBE".

bits 16
org 0

SETUP_SECTS equ 1
SETUP_SIZE  equ (SETUP_SECTS + 1) * 512
SETUP_ADDR  equ 0x10000           ; where the board puts the setup code
KERNEL_SIZE equ 4096
EXIT_PORT   equ 0xf4
PASS        equ 0x10

%macro expect 2                    ; condition code that must hold, check number
    j%1 %%ok
    mov al, %2
    jmp fail
%%ok:
%endmacro

    times 0x1f1 - ($ - $$) db 0
    db SETUP_SECTS                 ; 0x1f1 setup_sects
    times 0x1fe - ($ - $$) db 0
    dw 0xaa55                      ; 0x1fe boot_flag
    jmp short start                ; 0x200
    db 'HdrS'                      ; 0x202
    dw 0x0206                      ; 0x206 version
    times 0x210 - ($ - $$) db 0
type_of_loader: db 0               ; 0x210
loadflags:      db 0x01            ; 0x211 LOADED_HIGH
    times 0x218 - ($ - $$) db 0
ramdisk_image:  dd 0               ; 0x218
ramdisk_size:   dd 0               ; 0x21c
    times 0x224 - ($ - $$) db 0
heap_end_ptr:   dw 0               ; 0x224
    times 0x228 - ($ - $$) db 0
cmd_line_ptr:   dd 0               ; 0x228
initrd_addr_max: dd 0x7fffffff     ; 0x22c
    times 0x238 - ($ - $$) db 0
cmdline_size:   dd 255             ; 0x238

want_cmdline: db 'lintas-probe 42', 0
want_cmdline_len equ $ - want_cmdline

start:
    mov ax, ds                     ; 1: DS is the setup segment
    cmp ax, SETUP_ADDR >> 4
    expect e, 1
    mov bx, ss                     ; 2: SS and ES are too
    cmp ax, bx
    expect e, 2
    mov bx, es
    cmp ax, bx
    expect e, 2
    mov ax, cs                     ; 3: entered at the segment + 0x20, offset 0
    cmp ax, (SETUP_ADDR >> 4) + 0x20
    expect e, 3
    mov ax, [heap_end_ptr]         ; 4: the stack at the heap's end
    add ax, 0x200
    cmp sp, ax
    expect e, 4
    cmp byte [type_of_loader], 0xff ; 5: an undefined loader
    expect e, 5
    test byte [loadflags], 0x80    ; 6: CAN_USE_HEAP
    expect nz, 6
    pushf                          ; 7: interrupts off
    pop ax
    test ax, 0x200
    expect z, 7

    mov eax, [cmd_line_ptr]        ; 8: the command line, below 640 KiB
    cmp eax, 0xa0000 - want_cmdline_len
    expect b, 8
    mov bx, ax
    and bx, 0x0f
    shr eax, 4
    mov es, ax
    mov si, want_cmdline
    mov di, bx
    mov cx, want_cmdline_len
    repe cmpsb
    expect e, 9                    ; 9: its text

    ; The kernel and initrd lie above 1 MiB: look at them in 32-bit
    ; protected mode with flat segments.
    cli
    lgdt [gdt_descriptor]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(SETUP_ADDR + protected)

fail:                              ; al = the check that failed
    out EXIT_PORT, al
    hlt
    jmp fail

align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff          ; 0x08 flat 32-bit code
    dq 0x00cf93000000ffff          ; 0x10 flat data
gdt_descriptor:
    dw gdt_descriptor - gdt - 1
    dd SETUP_ADDR + gdt

bits 32
protected:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov al, 10                     ; 10: the kernel's first and last dwords
    cmp dword [0x100000], 'KERN'
    jne fail32
    cmp dword [0x100000 + KERNEL_SIZE - 4], 'KEND'
    jne fail32
    mov ebx, [SETUP_ADDR + ramdisk_image]
    mov al, 11                     ; 11: the initrd page aligned above the kernel
    test ebx, 0xfff
    jnz fail32
    cmp ebx, 0x100000 + KERNEL_SIZE
    jb fail32
    mov al, 12                     ; 12: its size and contents
    cmp dword [SETUP_ADDR + ramdisk_size], 12
    jne fail32
    cmp dword [ebx], 'INIT'
    jne fail32
    cmp dword [ebx + 8], 'ROBE'
    jne fail32
    mov al, PASS
fail32:
    out EXIT_PORT, al
    hlt
    jmp fail32

    times SETUP_SIZE - ($ - $$) db 0

kernel:
    db 'KERN'
    times KERNEL_SIZE - 4 - ($ - kernel) db 0x90
    db 'KEND'
