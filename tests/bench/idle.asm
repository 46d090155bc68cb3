; An idle guest: the PIT at 100 Hz, the CPU in HLT between ticks, for
; IDLE_TICKS ticks (10 s of virtual time), then a pass. The idle benchmark
; measures how much host CPU this costs.

%include "lib/guest.inc"
%include "lib/irq.inc"

PIT_CH0         equ 0x40
PIT_CTRL        equ 0x43
CW_CH0_MODE2    equ 0x34            ; channel 0, LSB then MSB, rate generator
PIT_100HZ       equ 11932           ; 1193182 Hz / 100
IDLE_TICKS      equ 1000

section .text
test_main:
    call irq_init
    mov al, CW_CH0_MODE2
    out PIT_CTRL, al
    mov al, PIT_100HZ & 0xFF
    out PIT_CH0, al
    mov al, PIT_100HZ >> 8
    out PIT_CH0, al
    mov ax, ~(1 << 0) & 0xFFFF          ; unmask IRQ 0 only
    call pic_set_mask
    mov ecx, IDLE_TICKS
    call wait_irqs
    ret
