; The lintas demonstration guest: a Multiboot kernel (a.out kludge, flat
; binary) built into lintas and booted when no -kernel is given.
;
; It reports on COM1 while it exercises the CPU: the Multiboot hand-over,
; CPUID, its own GDT, exceptions and interrupts through an IDT, a round trip
; to real mode, paging with an alias mapping, 64-bit multiply and divide and
; a CRC-32. Then it writes to isa-debug-exit at 0xf4: 0x10 when every check
; passed, 0x01 when one failed.

bits 32
org 0x100000

MB_MAGIC        equ 0x1badb002
MB_FLAGS        equ 0x00010002      ; memory information, a.out kludge
BOOT_MAGIC      equ 0x2badb002

COM1            equ 0x3f8
EXIT_PORT       equ 0xf4
EXIT_PASS       equ 0x10
EXIT_FAIL       equ 0x01

SEL_CODE32      equ 0x08
SEL_DATA32      equ 0x10
SEL_CODE16      equ 0x18
SEL_DATA16      equ 0x20

RM_BASE         equ 0x8000          ; where the real-mode stub runs
RM_RESULT       equ 0x7ff0          ; words the stub leaves for us
ALIAS           equ 0xc0000000      ; paging test: second mapping of 0-4 MiB

section .text

mb_header:
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)
    dd mb_header                    ; header_addr
    dd mb_header                    ; load_addr
    dd load_end                     ; load_end_addr
    dd bss_end                      ; bss_end_addr
    dd start                        ; entry_addr

start:
    mov esp, stack_top
    mov [boot_magic], eax
    mov [boot_info], ebx
    call serial_init
    mov esi, msg_banner
    call puts

; ---- The Multiboot hand-over: magic, memory size, command line ----
    mov esi, fail_boot
    cmp dword [boot_magic], BOOT_MAGIC
    jne fail
    mov ebx, [boot_info]
    test byte [ebx], 1              ; mem_lower/mem_upper present
    jz fail
    mov esi, msg_boot
    call puts
    mov eax, [ebx + 8]              ; mem_upper: KiB above 1 MiB
    add eax, 1024
    shr eax, 10
    call putdec
    mov esi, msg_boot_mib
    call puts
    test byte [ebx], 4              ; command line present
    jz .no_cmdline
    mov esi, msg_boot_cmdline
    call puts
    mov esi, [ebx + 16]
    call puts
    mov al, "'"
    call putc
.no_cmdline:
    call newline

; ---- CPUID, if EFLAGS.ID can be toggled ----
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 1 << 21
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    xor eax, ecx
    mov esi, msg_cpu_none
    jz .cpuid_done
    xor eax, eax
    cpuid
    mov [vendor], ebx
    mov [vendor + 4], edx
    mov [vendor + 8], ecx
    mov esi, msg_cpu
    call puts
    mov esi, vendor
    call puts
    mov eax, 1
    cpuid
    mov ebx, eax
    mov esi, msg_cpu_family
    call puts
    mov eax, ebx
    shr eax, 8
    and eax, 0xf
    call putdec
    mov esi, msg_cpu_model
    call puts
    mov eax, ebx
    shr eax, 4
    and eax, 0xf
    call putdec
    mov esi, msg_cpu_stepping
    call puts
    mov eax, ebx
    and eax, 0xf
    call putdec
    mov esi, msg_empty
.cpuid_done:
    call puts
    call newline

; ---- Our own GDT; reload every segment register ----
    lgdt [gdt_ptr]
    jmp SEL_CODE32:.reloaded
.reloaded:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esi, fail_segments
    mov ax, cs
    cmp ax, SEL_CODE32
    jne fail
    mov esi, msg_segments
    call puts

; ---- An IDT: a divide error (fault) and INT 30h (software) ----
    mov eax, de_handler
    mov edi, idt
    call set_gate
    mov eax, int30_handler
    mov edi, idt + 0x30 * 8
    call set_gate
    lidt [idt_ptr]
    xor edx, edx
    mov eax, 1234
    xor ecx, ecx
    div ecx                         ; #DE; the handler skips these 2 bytes
    mov esi, fail_interrupts
    cmp dword [de_count], 1
    jne fail
    cmp eax, 1234                   ; a fault leaves the registers untouched
    jne fail
    mov eax, 0x55
    int 0x30
    cmp dword [int30_count], 1
    jne fail
    cmp eax, 0xaa                   ; the handler doubled it
    jne fail
    mov esi, msg_interrupts
    call puts

; ---- Real mode and back (SDM vol. 3, 9.9.2) ----
    mov esi, rm_start
    mov edi, RM_BASE
    mov ecx, rm_end - rm_start
    cld
    rep movsb
    mov [saved_esp], esp
    jmp SEL_CODE16:0
pm_back:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [saved_esp]
    mov esi, fail_real_mode
    cmp word [RM_RESULT], 0xbeef
    jne fail
    cmp word [RM_RESULT + 2], RM_BASE >> 4
    jne fail
    mov esi, msg_real_mode
    call puts

; ---- Paging: identity map 0-4 MiB, and again at 0xC0000000 ----
    mov edi, page_table
    mov eax, 0x003                  ; present, writable
    mov ecx, 1024
.fill:
    stosd
    add eax, 4096
    loop .fill
    mov edi, page_dir
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov eax, page_table + 0x003
    mov [page_dir], eax
    mov [page_dir + (ALIAS >> 22) * 4], eax
    mov eax, page_dir
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .paged
.paged:
    mov dword [ALIAS + test_word], 0x600df00d
    mov ebx, [test_word]
    mov eax, test_word
    shr eax, 12
    mov edx, [page_table + eax * 4] ; the PTE both mappings share
    mov eax, cr0
    and eax, 0x7fffffff
    mov cr0, eax
    mov esi, fail_paging
    cmp ebx, 0x600df00d
    jne fail
    and edx, 0x60                   ; accessed and dirty
    cmp edx, 0x60
    jne fail
    mov esi, msg_paging
    call puts

; ---- 64-bit multiply and divide ----
    mov eax, 0x12345678
    mov ecx, 0x9abcdef0
    mul ecx
    mov esi, fail_arith
    cmp edx, 0x0b00ea4e
    jne fail
    cmp eax, 0x242d2080
    jne fail
    div ecx
    cmp eax, 0x12345678
    jne fail
    test edx, edx
    jnz fail
    mov esi, msg_arith
    call puts

; ---- CRC-32 (IEEE 802.3, reflected) of the standard check string ----
    mov esi, crc_input
    mov ecx, crc_input_end - crc_input
    call crc32
    mov ebx, eax
    mov esi, fail_crc
    cmp ebx, 0xcbf43926
    jne fail
    mov esi, msg_crc
    call puts
    mov eax, ebx
    call puthex
    call newline

    mov esi, msg_pass
    call puts
    mov al, EXIT_PASS
    out EXIT_PORT, al
    jmp halt

; esi: what failed
fail:
    push esi
    mov esi, msg_fail
    call puts
    pop esi
    call puts
    call newline
    mov al, EXIT_FAIL
    out EXIT_PORT, al
halt:
    cli
    hlt
    jmp halt

; ---- Interrupt handlers ----
de_handler:
    inc dword [de_count]
    add dword [esp], 2              ; past "div ecx"
    iretd

int30_handler:
    inc dword [int30_count]
    add eax, eax
    iretd

; eax: handler, edi: gate. A 32-bit interrupt gate, DPL 0.
set_gate:
    mov [edi], ax
    mov word [edi + 2], SEL_CODE32
    mov word [edi + 4], 0x8e00
    shr eax, 16
    mov [edi + 6], ax
    ret

; ---- CRC-32: esi data, ecx length -> eax ----
crc32:
    mov eax, 0xffffffff
.byte:
    xor al, [esi]
    inc esi
    mov edx, 8
.bit:
    shr eax, 1
    jnc .next
    xor eax, 0xedb88320
.next:
    dec edx
    jnz .bit
    loop .byte
    not eax
    ret

; ---- COM1 output ----
serial_init:
    mov dx, COM1 + 3
    mov al, 0x80                    ; DLAB
    out dx, al
    mov dx, COM1
    mov al, 1                       ; 115200 baud
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03                    ; 8N1
    out dx, al
    mov dx, COM1 + 2
    mov al, 0xc7                    ; FIFOs on and cleared
    out dx, al
    mov dx, COM1 + 4
    mov al, 0x03                    ; DTR, RTS
    out dx, al
    ret

; al: byte
putc:
    push edx
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20                   ; THR empty
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    pop edx
    ret

; esi: zero-terminated string
puts:
    push eax
    push esi
.loop:
    lodsb
    test al, al
    jz .done
    call putc
    jmp .loop
.done:
    pop esi
    pop eax
    ret

newline:
    push eax
    mov al, 10
    call putc
    pop eax
    ret

; eax: unsigned, printed in decimal
putdec:
    push eax
    push ecx
    push edx
    mov ecx, 10
    push dword 0                    ; end marker
.divide:
    xor edx, edx
    div ecx
    add dl, '0'
    push edx
    test eax, eax
    jnz .divide
.print:
    pop eax
    test eax, eax
    jz .done
    call putc
    jmp .print
.done:
    pop edx
    pop ecx
    pop eax
    ret

; eax: printed as 8 hex digits
puthex:
    push eax
    push ecx
    push edx
    mov edx, eax
    mov ecx, 8
.digit:
    rol edx, 4
    mov eax, edx
    and eax, 0xf
    mov al, [hex_digits + eax]
    call putc
    loop .digit
    pop edx
    pop ecx
    pop eax
    ret

; ---- The real-mode stub, copied to RM_BASE and entered through a 16-bit
; code segment based there, so its offsets count from rm_start ----
bits 16
rm_start:
    mov ax, SEL_DATA16              ; 64 KiB limits, as real mode needs
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov eax, cr0
    and al, 0xfe
    mov cr0, eax
    jmp (RM_BASE >> 4):(rm_real - rm_start)
rm_real:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, RM_RESULT
    mov ax, 0x1234                  ; 1234:0010 and 1000:2350 are both 12350h
    mov es, ax
    mov word [es:0x0010], 0xbeef
    mov ax, 0x1000
    mov fs, ax
    mov ax, [fs:0x2350]
    mov [RM_RESULT], ax
    mov [RM_RESULT + 2], cs
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE32:pm_back
rm_end:
bits 32

; ---- Data ----
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff           ; 0x08 code, 32-bit, flat
    dq 0x00cf92000000ffff           ; 0x10 data, 32-bit, flat
    dq 0x00009a008000ffff           ; 0x18 code, 16-bit, base RM_BASE
    dq 0x000092000000ffff           ; 0x20 data, 16-bit, 64 KiB
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 0x31 * 8 - 1
    dd idt

hex_digits:      db "0123456789abcdef"
crc_input:       db "123456789"
crc_input_end:

msg_banner:      db "Lintas demonstration guest", 10, 0
msg_boot:        db "  boot:        Multiboot hand-over, ", 0
msg_boot_mib:    db " MiB of RAM", 0
msg_boot_cmdline: db ", command line '", 0
msg_cpu:         db "  cpu:         ", 0
msg_cpu_none:    db "  cpu:         no CPUID instruction", 0
msg_cpu_family:  db ", family ", 0
msg_cpu_model:   db " model ", 0
msg_cpu_stepping: db " stepping ", 0
msg_empty:       db 0
msg_segments:    db "  segments:    own GDT loaded, segment registers reloaded", 10, 0
msg_interrupts:  db "  interrupts:  divide error and INT 30h handled through the IDT", 10, 0
msg_real_mode:   db "  real mode:   left protected mode and came back (1234:0010 = 1000:2350)", 10, 0
msg_paging:      db "  paging:      C0000000 aliases 00000000, accessed and dirty bits set", 10, 0
msg_arith:       db "  arithmetic:  12345678 * 9abcdef0 = 0b00ea4e242d2080 and back", 10, 0
msg_crc:         db "  crc32:       '123456789' -> ", 0
msg_pass:        db "All checks passed.", 10, 0
msg_fail:        db "FAILED: ", 0
fail_boot:       db "not booted by a Multiboot loader", 0
fail_segments:   db "segment reload", 0
fail_interrupts: db "exception or interrupt delivery", 0
fail_real_mode:  db "real-mode round trip", 0
fail_paging:     db "paging", 0
fail_arith:      db "64-bit multiply or divide", 0
fail_crc:        db "CRC-32", 0

align 4
test_word:       dd 0
load_end:

section .bss align=4096
page_dir:        resd 1024
page_table:      resd 1024
idt:             resb 0x31 * 8
boot_magic:      resd 1
boot_info:       resd 1
saved_esp:       resd 1
de_count:        resd 1
int30_count:     resd 1
vendor:          resb 16
alignb 16
                 resb 8192
stack_top:
bss_end:
