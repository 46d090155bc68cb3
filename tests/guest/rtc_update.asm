; guest-options: -icount shift=6
; MC146818 real-time clock interrupts (Motorola MC146818A datasheet:
; "Registers", "Interrupts", "Update Cycle"; table 4, periodic rates for
; a 32.768 kHz time base), on IRQ 8 through the slave 8259A:
; - periodic interrupt (register B PIE) at the rate register A selects,
;   flagged by IRQF and PF in register C;
; - update-ended interrupt (register B UIE) once a second, flagged by IRQF
;   and UF; reading register C clears it;
; - UIP in register A rises 244 us (8 time-base cycles) before each update
;   and is clear after it.
;
; Under -icount the TSC counts ns of the virtual clock and HLT moves the
; clock to the next deadline, so a second costs no host time. Instructions
; take 64 ns (shift 6) so that polling register A is cheap.

%include "lib/guest.inc"
%include "lib/irq.inc"

RTC_INDEX       equ 0x70
RTC_DATA        equ 0x71
RTC_NMI_OFF     equ 0x80            ; index bit 7 keeps NMI masked
RTC_REG_A       equ 0x0A
RTC_REG_B       equ 0x0B
RTC_REG_C       equ 0x0C
RTC_REG_D       equ 0x0D

REG_A_UIP       equ 0x80
REG_A_DV_32K    equ 0x20            ; divider on, 32.768 kHz time base
REG_A_8HZ       equ REG_A_DV_32K | 13
REG_A_NO_PERIOD equ REG_A_DV_32K | 0
REG_B_PIE       equ 0x40
REG_B_UIE       equ 0x10
REG_B_24H       equ 0x02
REG_C_IRQF      equ 0x80
REG_C_PF        equ 0x40
REG_C_AF        equ 0x20
REG_C_UF        equ 0x10
REG_D_VRT       equ 0x80

NS_PER_INSN     equ 64              ; -icount shift=6
; Rate 13: 2^12 cycles of 32.768 kHz. (QEMU under -icount drops every
; other periodic interrupt at rates of 64 Hz and above.)
PERIOD_NS       equ 125000000
UIP_LEAD_NS     equ 244141          ; 8 cycles: 244140.6 ns
; An edge is seen within a few instructions: the interrupt entry, or one
; round of a polling loop.
EDGE_TOL        equ 8 * NS_PER_INSN
; UIP is first polled some 60 instructions after the RDTSC of the update
; interrupt's handler.
UIP_FALL_TOL    equ 100 * NS_PER_INSN
; Periodic interrupts slept through before polling for the next UIP.
SLEEP_TAPS      equ 6
PERIODS         equ 4
UPDATES         equ 2

section .bss
alignb 4
reg_c_log:      resd 8              ; register C as each handler read it
reg_c_again:    resd 1              ; register C read a second time
uip_fell:       resd 1
uip_rose:       resd 1

section .text
test_main:
    call irq_init
    mov dword [irq_hook], read_reg_c
    mov ax, ~((1 << 2) | (1 << 8)) & 0xFFFF
    call pic_set_mask

    mov bl, RTC_REG_B
    mov al, REG_B_24H
    call rtc_write
    mov bl, RTC_REG_A
    mov al, REG_A_8HZ
    call rtc_write
    call rtc_read
    and eax, ~REG_A_UIP & 0xFF
    CHECK_EQ eax, REG_A_8HZ, 1, "register A reads back divider and rate"
    mov bl, RTC_REG_D
    call rtc_read
    CHECK_EQ eax, REG_D_VRT, 2, "register D: valid RAM and time"
    mov bl, RTC_REG_C
    call rtc_read                       ; drop flags raised before the test

    ; Periodic interrupt at 8 Hz.
    call irq_log_clear
    mov bl, RTC_REG_B
    mov al, REG_B_24H | REG_B_PIE
    call rtc_write
    mov ecx, PERIODS + 1
    call wait_irqs
    mov bl, RTC_REG_B
    mov al, REG_B_24H
    call rtc_write
    CHECK_EQ [irq_log], 8, 3, "periodic interrupt on IRQ 8 (vector 0x28)"
    ; UF and AF may rise with an update inside the window, whatever UIE
    ; and AIE say; bits 0-3 read as 0.
    CHECK_BITS [reg_c_log], ~(REG_C_UF | REG_C_AF) & 0xFF, REG_C_IRQF | REG_C_PF, 3, "register C: IRQF and PF"
    xor edi, edi
.period:
    mov eax, [irq_log_tsc + edi * 4 + 4]
    sub eax, [irq_log_tsc + edi * 4]
    CHECK_NEAR eax, PERIOD_NS, EDGE_TOL, 4, "periodic interrupt every 1/8 s (ns)"
    inc edi
    cmp edi, PERIODS
    jb .period

    ; Update-ended interrupt, with no periodic rate so PF stays clear.
    mov bl, RTC_REG_A
    mov al, REG_A_NO_PERIOD
    call rtc_write
    mov bl, RTC_REG_C
    call rtc_read
    call irq_log_clear
    mov dword [irq_hook], read_reg_c_twice
    mov bl, RTC_REG_B
    mov al, REG_B_24H | REG_B_UIE
    call rtc_write
    mov ecx, UPDATES + 1
    call wait_irqs
    ; UIP falls with the update and rises 244 us before the next. The
    ; wait for it sleeps through 6/8 s on the periodic interrupt first.
    mov al, RTC_REG_A | RTC_NMI_OFF
    out RTC_INDEX, al
    mov bl, 0
    call uip_wait
    mov [uip_fell], eax
    mov dword [irq_hook], read_reg_c
    mov bl, RTC_REG_A
    mov al, REG_A_8HZ
    call rtc_write
    mov bl, RTC_REG_B
    mov al, REG_B_24H | REG_B_PIE
    call rtc_write
    mov ecx, UPDATES + 1 + SLEEP_TAPS
    call wait_irqs
    mov al, RTC_REG_A | RTC_NMI_OFF
    out RTC_INDEX, al
    mov bl, REG_A_UIP
    call uip_wait
    mov [uip_rose], eax
    mov bl, RTC_REG_B
    mov al, REG_B_24H
    call rtc_write

    CHECK_EQ [irq_log], 8, 5, "update-ended interrupt on IRQ 8"
    CHECK_BITS [reg_c_log], ~REG_C_AF & 0xFF, REG_C_IRQF | REG_C_UF, 5, "register C: IRQF and UF"
    CHECK_EQ [reg_c_again], 0, 6, "reading register C cleared it"
    xor edi, edi
.update:
    mov eax, [irq_log_tsc + edi * 4 + 4]
    sub eax, [irq_log_tsc + edi * 4]
    CHECK_NEAR eax, 1000000000, EDGE_TOL, 7, "update-ended interrupt once a second (ns)"
    inc edi
    cmp edi, UPDATES
    jb .update
    mov eax, [uip_fell]
    sub eax, [irq_log_tsc + UPDATES * 4]
    CHECK_NEAR eax, 0, UIP_FALL_TOL, 8, "UIP clear when the update-ended interrupt comes (ns)"
    mov eax, [uip_rose]
    sub eax, [irq_log_tsc + UPDATES * 4]
    CHECK_NEAR eax, 1000000000 - UIP_LEAD_NS, EDGE_TOL, 9, "UIP rises 244 us before the next update (ns)"
    ret

; uip_wait(bl = UIP level awaited, register A selected): poll register A
; until UIP has that level; eax = the TSC then.
uip_wait:
    in al, RTC_DATA
    and al, REG_A_UIP
    cmp al, bl
    jne uip_wait
    rdtsc
    ret

; rtc_write(bl = register, al = value)
rtc_write:
    xchg al, bl
    or al, RTC_NMI_OFF
    out RTC_INDEX, al
    xchg al, bl
    out RTC_DATA, al
    ret

; rtc_read(bl = register): eax = its value
rtc_read:
    mov al, bl
    or al, RTC_NMI_OFF
    out RTC_INDEX, al
    in al, RTC_DATA
    movzx eax, al
    ret

; irq_hook: log register C (which also lowers the RTC's interrupt line).
read_reg_c:
    push ebx
    mov bl, RTC_REG_C
    call rtc_read
    mov ecx, [irq_count]
    cmp ecx, 8
    ja .done
    mov [reg_c_log + ecx * 4 - 4], eax
.done:
    pop ebx
    ret

; irq_hook: as read_reg_c, then read register C again.
read_reg_c_twice:
    call read_reg_c
    push ebx
    mov bl, RTC_REG_C
    call rtc_read
    mov [reg_c_again], eax
    pop ebx
    ret
