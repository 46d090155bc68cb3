; 8259A interrupt controller pair as a PC wires it (Intel 8259A datasheet:
; "Initialization Command Words", "Operation Command Words", "Fully
; Nested Mode", "End of Interrupt", "Cascading"). Interrupt sources:
; IRQ 0 from the PIT (channel 0 in mode 0: OUT rises at terminal count and
; stays high), IRQ 4 from COM1 (transmitter holding register empty, IER
; bit 1, the line enabled by MCR OUT2), IRQ 8 from the RTC's periodic
; interrupt, on the slave, which reaches the master on IR2. Each source
; keeps its line high until the handler hook turns it off, as edge
; triggered inputs must be held until acknowledged.

%include "lib/guest.inc"
%include "lib/irq.inc"

PIT_CH0         equ 0x40
PIT_CTRL        equ 0x43
CW_CH0_MODE0    equ 0x30            ; channel 0, LSB then MSB, mode 0
PIT_SHORT       equ 100             ; 84 us to terminal count

COM1_IER        equ COM1 + 1
COM1_MCR        equ COM1 + 4
IER_THRE        equ 0x02
MCR_DTR_RTS     equ 0x03
MCR_OUT2        equ 0x08

RTC_INDEX       equ 0x70
RTC_DATA        equ 0x71
RTC_NMI_OFF     equ 0x80            ; index bit 7 keeps NMI masked
RTC_REG_A       equ 0x0A
RTC_REG_B       equ 0x0B
RTC_REG_C       equ 0x0C
REG_A_1024HZ    equ 0x26            ; 32.768 kHz time base, rate 6
REG_B_24H       equ 0x02
REG_B_PIE       equ 0x40

; Lines these tests use; the rest stay masked.
MASK_USED       equ ~((1 << 0) | (1 << 2) | (1 << 4) | (1 << 8)) & 0xFFFF
SPIN_LIMIT      equ 50000000        ; polls before a source counts as dead

section .text
test_main:
    call irq_init
    mov dword [irq_hook], quiet_source

    ; ICW1 resets the mask register (datasheet, ICW1 step b).
    mov al, 0xFF
    out PIC1_DATA, al
    mov al, ICW1_INIT_ICW4
    out PIC1_CMD, al
    mov al, IRQ_VEC_MASTER
    out PIC1_DATA, al
    mov al, 1 << 2
    out PIC1_DATA, al
    mov al, ICW4_8086
    out PIC1_DATA, al
    in al, PIC1_DATA
    movzx eax, al
    CHECK_EQ eax, 0, 1, "ICW1 clears the master's mask register"

    ; OCW1 reads back through the data ports.
    mov ax, 0x5AA5
    call pic_set_mask
    in al, PIC1_DATA
    movzx ebx, al
    CHECK_EQ ebx, 0xA5, 2, "master mask register reads back"
    in al, PIC2_DATA
    movzx ebx, al
    CHECK_EQ ebx, 0x5A, 2, "slave mask register reads back"

    ; A masked request is not delivered but shows in the IRR; unmasking
    ; delivers it at the remapped vector 0x20.
    mov ax, 0xFFFF
    call pic_set_mask
    call irq_log_clear
    call raise_irq0
    sti
    mov ecx, 10000
    loop $
    cli
    CHECK_EQ [irq_count], 0, 3, "masked IRQ 0 not delivered"
    call pic_read_irr
    CHECK_BITS eax, 1, 1, 3, "masked IRQ 0 pending in the master's IRR"
    mov ax, 0xFFFE
    call pic_set_mask
    call take_irqs
    CHECK_EQ [irq_count], 1, 4, "IRQ 0 delivered once unmasked"
    CHECK_EQ [irq_log], 0, 4, "IRQ 0 came through vector 0x20"
    call pic_read_irr
    CHECK_BITS eax, 1, 0, 4, "IRR bit 0 cleared by the acknowledge"

    ; Priority: IRQ 4 requested first, then IRQ 0; IRQ 0 is served first.
    mov ax, MASK_USED
    call pic_set_mask
    call irq_log_clear
    call raise_irq4
    call raise_irq0
    call take_irqs
    CHECK_EQ [irq_count], 2, 5, "two pending IRQs both delivered"
    CHECK_EQ [irq_log], 0, 5, "IRQ 0 served before IRQ 4, whatever came first"
    CHECK_EQ [irq_log + 4], 4, 5, "then IRQ 4"

    ; The slave on IR2 ranks above IRQ 3-7: IRQ 8 before IRQ 4.
    call irq_log_clear
    call raise_irq4
    call raise_irq8
    call pic_read_irr
    CHECK_BITS eax, 0x0104, 0x0104, 6, "IRQ 8 pending in the slave's IRR and its INT on the master's IR2"
    call take_irqs
    CHECK_EQ [irq_count], 2, 7, "IRQ 8 and IRQ 4 both delivered"
    CHECK_EQ [irq_log], 8, 7, "IRQ 8 (vector 0x28, through the slave) served before IRQ 4"
    CHECK_EQ [irq_log + 4], 4, 7, "then IRQ 4"

    ; End of interrupt, with the handler sending none.
    mov dword [irq_no_eoi], 1
    call irq_log_clear
    call raise_irq4
    call take_irqs
    call pic_read_isr
    CHECK_EQ eax, 0x0010, 8, "IRQ 4 in service until its EOI"
    ; A higher priority request nests.
    call raise_irq0
    call take_irqs
    CHECK_EQ [irq_count], 2, 9, "IRQ 0 delivered while IRQ 4 is in service"
    call pic_read_isr
    CHECK_EQ eax, 0x0011, 9, "IRQ 0 and IRQ 4 in service"
    ; A non-specific EOI ends the highest priority level in service.
    mov al, OCW2_EOI
    out PIC1_CMD, al
    call pic_read_isr
    CHECK_EQ eax, 0x0010, 10, "non-specific EOI clears ISR bit 0, keeps bit 4"
    mov al, OCW2_SEOI | 4
    out PIC1_CMD, al
    call pic_read_isr
    CHECK_EQ eax, 0, 11, "specific EOI 4 clears ISR bit 4"

    ; A lower priority request waits while a higher one is in service.
    call irq_log_clear
    call raise_irq0
    call take_irqs
    call raise_irq4
    call take_irqs
    call pic_read_irr                   ; before COM1 output touches IRQ 4
    mov ebx, eax
    CHECK_EQ [irq_count], 1, 12, "IRQ 4 held back while IRQ 0 is in service"
    CHECK_BITS ebx, 0x10, 0x10, 12, "held IRQ 4 pending in the IRR"
    mov al, OCW2_SEOI | 0
    out PIC1_CMD, al
    call take_irqs
    CHECK_EQ [irq_count], 2, 13, "IRQ 4 delivered after the specific EOI of IRQ 0"
    CHECK_EQ [irq_log + 4], 4, 13, "the delivery was IRQ 4"
    mov al, OCW2_EOI
    out PIC1_CMD, al

    ; Cascade: IRQ 8 is in service on the slave and, as IR2, on the master.
    call irq_log_clear
    call raise_irq8
    call take_irqs
    CHECK_EQ [irq_log], 8, 14, "IRQ 8 delivered"
    call pic_read_isr
    CHECK_EQ eax, 0x0104, 14, "slave ISR bit 0 and master ISR bit 2 in service"
    mov al, OCW2_EOI
    out PIC2_CMD, al
    call pic_read_isr
    CHECK_EQ eax, 0x0004, 15, "slave EOI leaves the master's IR2 in service"
    mov al, OCW2_SEOI | 2
    out PIC1_CMD, al
    call pic_read_isr
    CHECK_EQ eax, 0, 15, "specific EOI 2 on the master ends the cascade"

    mov dword [irq_no_eoi], 0
    mov ax, 0xFFFF
    call pic_set_mask
    ret

; take_irqs: let every pending, unmasked request in (IF set briefly).
take_irqs:
    push ecx
    sti
    mov ecx, 1000
    loop $
    cli
    pop ecx
    ret

; raise_irqN: start the source and wait until its request is in the IRR.
; IRQ 0: PIT channel 0 in mode 0, OUT rises at terminal count.
raise_irq0:
    mov al, CW_CH0_MODE0
    out PIT_CTRL, al
    mov al, PIT_SHORT & 0xFF
    out PIT_CH0, al
    mov al, PIT_SHORT >> 8
    out PIT_CH0, al
    mov edx, 0x0001
    jmp wait_irr

; IRQ 4: COM1 interrupts when its transmitter holding register is empty.
raise_irq4:
    call serial_drain
    mov dx, COM1_MCR
    mov al, MCR_DTR_RTS | MCR_OUT2
    out dx, al
    mov dx, COM1_IER
    mov al, IER_THRE
    out dx, al
    mov edx, 0x0010
    jmp wait_irr

; IRQ 8: the RTC's periodic interrupt at 1024 Hz.
raise_irq8:
    mov al, RTC_REG_A | RTC_NMI_OFF
    out RTC_INDEX, al
    mov al, REG_A_1024HZ
    out RTC_DATA, al
    mov al, RTC_REG_C | RTC_NMI_OFF    ; drop any old flag
    out RTC_INDEX, al
    in al, RTC_DATA
    mov al, RTC_REG_B | RTC_NMI_OFF
    out RTC_INDEX, al
    mov al, REG_B_24H | REG_B_PIE
    out RTC_DATA, al
    mov edx, 0x0100
    jmp wait_irr

; wait_irr(edx = IRR bits, slave << 8 | master): poll until set, or fail.
wait_irr:
    mov ecx, SPIN_LIMIT
.poll:
    push eax
    call pic_read_irr
    and eax, edx
    cmp eax, edx
    pop eax
    je .done
    loop .poll
    FAIL 16, "an interrupt source did not raise its request"
.done:
    ret

; serial_drain: wait until COM1 has sent everything (LSR TEMT), so the
; holding register stays empty while IRQ 4 is wanted.
serial_drain:
    push eax
    push edx
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x40
    jz .wait
    pop edx
    pop eax
    ret

; irq_hook: turn off the source of the IRQ in EAX, so that its line falls
; and the next request is a new edge.
quiet_source:
    cmp eax, 4
    je .com1
    cmp eax, 8
    je .rtc
    ret
.com1:
    mov dx, COM1_IER
    mov al, 0
    out dx, al
    mov dx, COM1_MCR
    mov al, MCR_DTR_RTS
    out dx, al
    ret
.rtc:
    mov al, RTC_REG_B | RTC_NMI_OFF
    out RTC_INDEX, al
    mov al, REG_B_24H
    out RTC_DATA, al
    mov al, RTC_REG_C | RTC_NMI_OFF
    out RTC_INDEX, al
    in al, RTC_DATA
    ret
