; The A20 gate of a PC (IBM PC/AT Technical Reference, keyboard controller
; output port; PIIX3 datasheet, port 92h "fast A20"): the gate is driven by
; bit 1 of the i8042's output port (written with command D1h, read with
; D0h; bit 0 is the active-low reset and stays 1) and by bit 1 of port 0x92.
; With the gate off, physical address bit 20 is forced to 0, so 0x190000
; is 0x090000; with it on, they are different memory.
;
; Each control is turned on alone, with the other off, as chipsets
; differ in how they combine them (PIIX3: OR; QEMU: the last write). The test's code, GDT and data at 1 MiB would vanish with the
; gate off: the probing runs from .low (copied to 0x8000) with interrupts
; off and no segment loads, its stack and results in .bss at 2 MiB, which
; bit 20 does not touch.

%include "lib/guest.inc"

PORT_A          equ 0x92
PORTA_A20       equ 0x02
KBC_DATA        equ 0x60
KBC_STATUS      equ 0x64
KBC_CMD         equ 0x64
STATUS_OBF      equ 0x01
STATUS_IBF      equ 0x02
KBC_READ_OUT    equ 0xD0
KBC_WRITE_OUT   equ 0xD1
OUT_RESET       equ 0x01            ; active low: 1 = not in reset
OUT_A20         equ 0x02
OUT_A20_OFF     equ 0xDD            ; the values PC software writes
OUT_A20_ON      equ 0xDF

LOW_ADDR        equ 0x090000
HIGH_ADDR       equ LOW_ADDR + 0x100000
SPIN_LIMIT      equ 1000000

section .bss
alignb 4
; Filled by a20_run from .low; read once the gate is on again.
aliased:        resd 1              ; what LOW_ADDR holds after both writes
porta_read:     resd 1
kbc_out_read:   resd 1
kbc_stuck:      resd 1              ; the i8042 never took or gave a byte

section .text
test_main:
    ; As handed over by the Multiboot loader: the gate is on.
    call probe_memory
    CHECK_EQ [aliased], 0x11111111, 1, "A20 on at entry: 0x190000 is not 0x090000"

    mov esi, both_off
    call a20_run
    CHECK_EQ [kbc_stuck], 0, 2, "i8042 takes commands D1h and D0h and answers D0h"
    CHECK_EQ [aliased], 0x22222222, 3, "A20 off: a write to 0x190000 lands at 0x090000"
    CHECK_BITS [porta_read], PORTA_A20, 0, 4, "port 0x92 reads back bit 1 clear"
    CHECK_BITS [kbc_out_read], OUT_A20 | OUT_RESET, OUT_RESET, 5, "i8042 output port reads back A20 off"
    call probe_memory
    CHECK_EQ [aliased], 0x11111111, 6, "A20 on again through both controls"

    mov esi, port_a_on
    call a20_run
    CHECK_EQ [aliased], 0x11111111, 7, "port 0x92 bit 1 set, i8042 off: A20 on"
    CHECK_BITS [porta_read], PORTA_A20, PORTA_A20, 7, "port 0x92 reads back bit 1 set"
    CHECK_BITS [kbc_out_read], OUT_A20 | OUT_RESET, OUT_RESET, 7, "i8042 output port still reads A20 off"

    mov esi, kbc_on
    call a20_run
    CHECK_EQ [kbc_stuck], 0, 8, "i8042 takes commands D1h and D0h and answers D0h"
    CHECK_EQ [aliased], 0x11111111, 9, "i8042 output port bit 1 set, port 0x92 off: A20 on"
    CHECK_BITS [kbc_out_read], OUT_A20 | OUT_RESET, OUT_A20 | OUT_RESET, 9, "i8042 output port reads back A20 on"
    CHECK_BITS [porta_read], PORTA_A20, 0, 9, "port 0x92 still reads bit 1 clear"
    call probe_memory
    CHECK_EQ [aliased], 0x11111111, 10, "A20 on again through both controls"
    ret

; probe_memory: aliased = LOW_ADDR after writing 0x11111111 there and
; 0x22222222 at HIGH_ADDR.
probe_memory:
    mov dword [LOW_ADDR], 0x11111111
    mov dword [HIGH_ADDR], 0x22222222
    mov eax, [LOW_ADDR]
    mov [aliased], eax
    ret

; Everything below runs from low memory, where the gate cannot hide it.
section .low
bits 32

; Step lists for a20_run: (control, value) byte pairs, ending with 0xFF.
CTL_PORT_A      equ 0
CTL_KBC         equ 1
both_off:       db CTL_KBC, OUT_A20_OFF, CTL_PORT_A, 0, 0xFF
port_a_on:      db CTL_KBC, OUT_A20_OFF, CTL_PORT_A, 0, CTL_PORT_A, PORTA_A20, 0xFF
kbc_on:         db CTL_KBC, OUT_A20_OFF, CTL_PORT_A, 0, CTL_KBC, OUT_A20_ON, 0xFF

; a20_run(esi = step list): apply the steps, probe the memory, read back
; port 0x92 and the i8042 output port, then turn both controls on again.
a20_run:
.step:
    lodsb
    cmp al, 0xFF
    je .probe
    mov ah, al
    lodsb
    cmp ah, CTL_KBC
    je .kbc
    out PORT_A, al                      ; bit 0 (fast reset) stays clear
    jmp .step
.kbc:
    call set_kbc_out
    jmp .step
.probe:
    mov dword [LOW_ADDR], 0x11111111
    mov dword [HIGH_ADDR], 0x22222222
    mov eax, [LOW_ADDR]
    mov [aliased], eax
    in al, PORT_A
    movzx eax, al
    mov [porta_read], eax
    call read_kbc_out
    mov al, OUT_A20_ON
    call set_kbc_out
    mov al, PORTA_A20
    out PORT_A, al
    ret

; set_kbc_out(al = output port value): command D1h and its data byte.
set_kbc_out:
    mov ah, al
    mov al, KBC_WRITE_OUT
    call kbc_command
    mov al, ah
    call kbc_write_data
    ; The output port changes once the i8042 has taken the byte.
    jmp kbc_wait_input_empty

; read_kbc_out: command D0h; kbc_out_read = the output port.
read_kbc_out:
    call kbc_flush
    mov al, KBC_READ_OUT
    call kbc_command
    mov ecx, SPIN_LIMIT
.wait:
    in al, KBC_STATUS
    test al, STATUS_OBF
    loopz .wait
    jnz .ready
    mov dword [kbc_stuck], 1
.ready:
    in al, KBC_DATA
    movzx eax, al
    mov [kbc_out_read], eax
    ret

kbc_command:
    call kbc_wait_input_empty
    out KBC_CMD, al
    ret

kbc_write_data:
    call kbc_wait_input_empty
    out KBC_DATA, al
    ret

; kbc_wait_input_empty: wait until the i8042 has taken the last byte.
kbc_wait_input_empty:
    push eax
    push ecx
    mov ecx, SPIN_LIMIT
.wait:
    in al, KBC_STATUS
    test al, STATUS_IBF
    loopnz .wait
    jz .done
    mov dword [kbc_stuck], 1
.done:
    pop ecx
    pop eax
    ret

; kbc_flush: drop bytes the keyboard left in the output buffer.
kbc_flush:
    push ecx
    mov ecx, 16
.next:
    in al, KBC_STATUS
    test al, STATUS_OBF
    jz .done
    in al, KBC_DATA
    loop .next
.done:
    pop ecx
    ret

TEXT32
