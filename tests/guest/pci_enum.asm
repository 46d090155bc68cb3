; PCI configuration mechanism #1 (PCI Local Bus Specification 2.1,
; 3.7.4.1; i440FX datasheet, CONFADD/CONFDATA): a dword write to 0xCF8
; with bit 31 set selects bus, device, function and dword register; 0xCFC
; to 0xCFF access that dword's bytes, words or the whole of it; a function
; that does not exist reads as all ones, and with bit 31 clear 0xCFC is an
; ordinary (here unassigned) port.
;
; The board has the i440FX host bridge at 00.0 (8086:1237, class 060000)
; and the PIIX3 PCI-to-ISA bridge at 01.0 (8086:7000, class 060100, header
; type 80h: it has more functions). Other emulators add more devices, so
; only these two, and slots nobody fills, are checked.

%include "lib/guest.inc"

CONFADD         equ 0xCF8
CONFDATA        equ 0xCFC
%define CFG(bus, dev, fn, reg) (0x80000000 | ((bus) << 16) | ((dev) << 11) | ((fn) << 8) | (reg))

I440FX_ID       equ 0x12378086
PIIX3_ID        equ 0x70008086
PIIX3_PIRQRC    equ 0x60            ; PIRQ route control, one byte per PIRQ

section .bss
alignb 4
ids:            resd 32             ; bus 0, function 0 of each device
saved_pirq:     resd 1

section .text
test_main:
    ; CONFADD keeps what a dword write put there.
    mov dx, CONFADD
    mov eax, CFG(0, 1, 0, 0x08)
    out dx, eax
    in eax, dx
    CHECK_EQ eax, CFG(0, 1, 0, 0x08), 1, "CONFADD reads back"

    ; Scan bus 0.
    xor ebx, ebx
.scan:
    mov eax, ebx
    shl eax, 11
    or eax, CFG(0, 0, 0, 0)
    call cfg_read
    mov [ids + ebx * 4], eax
    inc ebx
    cmp ebx, 32
    jb .scan
    CHECK_EQ [ids], I440FX_ID, 2, "00.0 is the i440FX, 8086:1237"
    CHECK_EQ [ids + 4], PIIX3_ID, 3, "01.0 is the PIIX3, 8086:7000"
    CHECK_EQ [ids + 31 * 4], 0xFFFFFFFF, 4, "empty slot 00:1f.0 reads all ones"

    mov eax, CFG(0, 0, 7, 0)
    call cfg_read
    CHECK_EQ eax, 0xFFFFFFFF, 4, "missing function 00.7 reads all ones"
    mov eax, CFG(1, 0, 0, 0)
    call cfg_read
    CHECK_EQ eax, 0xFFFFFFFF, 4, "bus 1 (no bridge to it) reads all ones"

    ; Class codes (register 08h: class, subclass, interface, revision).
    mov eax, CFG(0, 0, 0, 0x08)
    call cfg_read
    shr eax, 8
    CHECK_EQ eax, 0x060000, 5, "00.0 class: host bridge"
    mov eax, CFG(0, 1, 0, 0x08)
    call cfg_read
    shr eax, 8
    CHECK_EQ eax, 0x060100, 6, "01.0 class: ISA bridge"

    ; Header type (byte 0Eh): bit 7 marks a multi-function device.
    mov eax, CFG(0, 0, 0, 0x0C)
    mov dx, CONFADD
    out dx, eax
    mov dx, CONFDATA + 2
    in al, dx
    movzx eax, al
    CHECK_EQ eax, 0x00, 7, "00.0 header type 00h (byte read at 0xCFE)"
    mov eax, CFG(0, 1, 0, 0x0C)
    mov dx, CONFADD
    out dx, eax
    mov dx, CONFDATA + 2
    in al, dx
    movzx eax, al
    CHECK_EQ eax, 0x80, 8, "01.0 header type 80h: multi-function (byte read at 0xCFE)"

    ; Word and byte reads of register 00h.
    mov eax, CFG(0, 1, 0, 0x00)
    mov dx, CONFADD
    out dx, eax
    mov dx, CONFDATA
    in ax, dx
    movzx eax, ax
    CHECK_EQ eax, 0x8086, 9, "word read at 0xCFC: vendor ID"
    mov dx, CONFDATA + 2
    in ax, dx
    movzx eax, ax
    CHECK_EQ eax, 0x7000, 9, "word read at 0xCFE: device ID"
    mov dx, CONFDATA + 1
    in al, dx
    movzx eax, al
    CHECK_EQ eax, 0x80, 10, "byte read at 0xCFD: vendor ID high byte"
    mov dx, CONFDATA + 3
    in al, dx
    movzx eax, al
    CHECK_EQ eax, 0x70, 10, "byte read at 0xCFF: device ID high byte"

    ; Writes of each width, to the PIIX3's PIRQ route control bytes
    ; (bit 7 routing off, bits 0-3 the IRQ; nothing uses PCI interrupts).
    mov eax, CFG(0, 1, 0, PIIX3_PIRQRC)
    call cfg_read
    mov [saved_pirq], eax
    mov eax, CFG(0, 1, 0, PIIX3_PIRQRC)
    mov ebx, 0x8B8A0B0A
    call cfg_write
    mov eax, CFG(0, 1, 0, PIIX3_PIRQRC)
    call cfg_read
    CHECK_EQ eax, 0x8B8A0B0A, 11, "dword write to the PIIX3 PIRQ routes reads back"
    mov dx, CONFDATA + 1
    mov al, 0x05
    out dx, al
    mov dx, CONFDATA + 2
    mov ax, 0x0706
    out dx, ax
    mov eax, CFG(0, 1, 0, PIIX3_PIRQRC)
    call cfg_read
    CHECK_EQ eax, 0x0706050A, 12, "byte write at 0xCFD and word write at 0xCFE change only their bytes"
    mov eax, CFG(0, 1, 0, PIIX3_PIRQRC)
    mov ebx, [saved_pirq]
    call cfg_write

    ; With bit 31 clear, 0xCFC is not configuration data.
    mov dx, CONFADD
    mov eax, CFG(0, 0, 0, 0) & 0x7FFFFFFF
    out dx, eax
    mov dx, CONFDATA
    in eax, dx
    CHECK_EQ eax, 0xFFFFFFFF, 13, "CONFADD bit 31 clear: 0xCFC reads all ones"
    ret

; cfg_read(eax = CONFADD value): eax = the configuration dword.
cfg_read:
    push edx
    mov dx, CONFADD
    out dx, eax
    mov dx, CONFDATA
    in eax, dx
    pop edx
    ret

; cfg_write(eax = CONFADD value, ebx = dword). Leaves CONFADD set.
cfg_write:
    push edx
    mov dx, CONFADD
    out dx, eax
    mov dx, CONFDATA
    mov eax, ebx
    out dx, eax
    pop edx
    ret
