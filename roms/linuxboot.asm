; Option ROM that boots a Linux kernel handed over in fw_cfg.
;
; The board puts the real-mode setup code, the protected-mode kernel, the
; initrd and the command line into fw_cfg (QEMU docs/specs/fw_cfg.rst),
; each as an address, a size and the data, with the setup header already
; filled in as a boot loader fills it. The firmware (SeaBIOS) runs this
; ROM from the fw_cfg file "genroms/linuxboot.bin": its init entry does
; nothing, and its PnP Boot Entry Vector, called at INT 19h, copies the
; four items into place with the fw_cfg DMA interface, which writes guest
; RAM directly (no protected mode needed to reach above 1 MiB), and enters
; the setup code as the Linux boot protocol says (Documentation/arch/x86/
; boot.rst, "Running the kernel"): DS = ES = FS = GS = SS = the real-mode
; segment, SP at the top of the heap, interrupts off, a far jump to the
; segment + 0x20, offset 0. When the items cannot be read, the BEV returns
; and the firmware tries its next boot device.

bits 16
cpu 686
org 0

ROM_SIZE equ 512

FW_CFG_SELECTOR equ 0x510
FW_CFG_DATA     equ 0x511
FW_CFG_DMA_HIGH equ 0x514 ; DMA descriptor address bits 63:32, big-endian
FW_CFG_DMA_LOW  equ 0x518 ; bits 31:0; writing them starts the transfer

FW_CFG_ID          equ 0x01
FW_CFG_ID_DMA      equ 0x02
FW_CFG_KERNEL_ADDR equ 0x07
FW_CFG_KERNEL_SIZE equ 0x08
FW_CFG_INITRD_ADDR equ 0x0a
FW_CFG_INITRD_SIZE equ 0x0b
FW_CFG_KERNEL_DATA equ 0x11
FW_CFG_INITRD_DATA equ 0x12
FW_CFG_CMDLINE_ADDR equ 0x13
FW_CFG_CMDLINE_SIZE equ 0x14
FW_CFG_CMDLINE_DATA equ 0x15
FW_CFG_SETUP_ADDR  equ 0x16
FW_CFG_SETUP_SIZE  equ 0x17
FW_CFG_SETUP_DATA  equ 0x18

; FWCfgDmaAccess.control bits.
DMA_ERROR  equ 0x01
DMA_READ   equ 0x02
DMA_SELECT equ 0x08

HDR_HEAP_END_PTR equ 0x224 ; setup header: heap end - 0x200, from the segment

rom_header:
    dw 0xaa55
    db ROM_SIZE / 512
    jmp init                      ; initialisation entry, offset 3
    times 0x18 - ($ - $$) db 0
    dw 0                          ; no PCI data structure
    dw pnp_header - $$            ; PnP expansion header

; PnP BIOS specification 1.0a, "Expansion Header for Plug and Play".
align 16
pnp_header:
    db '$PnP'
    db 1                          ; structure revision
    db 2                          ; length in 16-byte units
    dw 0                          ; no next header
    db 0
    db -(('$' + 'P' + 'n' + 'P' + 1 + 2 \
          + ((product - $$) & 0xff) + ((product - $$) >> 8) \
          + ((boot - $$) & 0xff) + ((boot - $$) >> 8)) & 0xff) & 0xff
    dd 0                          ; device identifier
    dw 0                          ; manufacturer string: none
    dw product - $$               ; product name string
    db 0, 0, 0                    ; device type code
    db 0                          ; device indicators
    dw 0                          ; boot connection vector: none
    dw 0                          ; disconnect vector: none
    dw boot - $$                  ; boot entry vector
    dw 0
    dw 0                          ; static resource information: none

product:
    db 'Linux loader', 0

init:
    retf

; The items to copy, in order: address, size and data selectors.
items:
    dw FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
    dw FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
    dw FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
    dw FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA
items_end:

boot:
    pushad
    cld
    mov ax, FW_CFG_ID
    call read_le32
    test al, FW_CFG_ID_DMA
    jz .give_up
    mov si, items
.next_item:
    mov ax, [cs:si]
    call read_le32
    mov edi, eax                  ; destination
    mov ax, [cs:si + 2]
    call read_le32
    mov ecx, eax                  ; length
    mov bx, [cs:si + 4]
    call dma_read
    jc .give_up
    add si, 6
    cmp si, items_end
    jb .next_item

    mov ax, FW_CFG_SETUP_ADDR
    call read_le32
    shr eax, 4
    cli
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov sp, [HDR_HEAP_END_PTR]
    add sp, 0x200
    add ax, 0x20
    push ax
    push word 0
    retf

.give_up:
    popad
    retf

; eax = the little-endian 32-bit item at selector ax, from the data port.
; Clobbers cx, dx.
read_le32:
    mov dx, FW_CFG_SELECTOR
    out dx, ax
    mov dx, FW_CFG_DATA
    mov cx, 4
.byte:
    in al, dx
    ror eax, 8                    ; the first byte read ends in bits 7:0
    loop .byte
    ret

; Copy ecx bytes of the item at selector bx to physical address edi with
; a DMA access whose descriptor sits on the stack. Carry set on error.
; Clobbers eax, ebx, edx.
dma_read:
    mov eax, edi
    bswap eax
    push eax                      ; +12 address bits 31:0
    push dword 0                  ; +8  address bits 63:32
    mov eax, ecx
    bswap eax
    push eax                      ; +4  length
    movzx eax, bx
    shl eax, 16
    or eax, DMA_SELECT | DMA_READ
    bswap eax
    push eax                      ; +0  control
    xor ebx, ebx
    mov bx, ss
    shl ebx, 4
    movzx eax, sp
    add ebx, eax
    bswap ebx
    xor eax, eax
    mov dx, FW_CFG_DMA_HIGH
    out dx, eax
    mov eax, ebx
    mov dx, FW_CFG_DMA_LOW
    out dx, eax
    mov bx, sp
.wait:
    mov eax, [ss:bx]
    bswap eax
    test eax, ~DMA_ERROR
    jnz .wait                     ; the device clears control when done
    add sp, 16
    shr al, 1                     ; DMA_ERROR into carry
    ret

    times ROM_SIZE - 1 - ($ - $$) db 0
    db 0                          ; checksum, set by the board
