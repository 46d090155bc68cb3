; guest-options: -icount shift=3
; 8254 PIT against the virtual clock (Intel 8254 datasheet, modes 2 and 3;
; IBM PC/AT port 0x61). The input clock is 1.193182 MHz. Channel 0 in
; mode 2 (rate generator) and mode 3 (square wave) raises IRQ 0 once every
; `count` input clocks, the first time `count` clocks after the count is
; written (plus up to one clock to load it). Channel 2, gated by port 0x61
; bit 0, shows its OUT on port 0x61 bit 5: in mode 3 with an even count it
; is high for count/2 clocks and low for count/2, and a low GATE holds it
; high.
;
; Times come from RDTSC. Run with -icount: the TSC then counts nanoseconds
; of the virtual clock in both Lintas (CPU_TSC_HZ) and QEMU, an instruction
; takes exactly 8 ns, and a HLT that waits for the timer moves the clock
; to its deadline, so the measurements are exact and repeatable.

%include "lib/guest.inc"
%include "lib/irq.inc"

PIT_CH0         equ 0x40
PIT_CH2         equ 0x42
PIT_CTRL        equ 0x43
PORT_B          equ 0x61
PORTB_GATE2     equ 1 << 0
PORTB_SPEAKER   equ 1 << 1
PORTB_OUT2      equ 1 << 5

PIT_HZ          equ 1193182
NS_PER_INSN     equ 8               ; -icount shift=3
; Control words: channel, LSB then MSB, mode, binary (datasheet Figure 8).
CW_CH0_MODE2    equ 0x34
CW_CH0_MODE3    equ 0x36
CW_CH2_MODE3    equ 0xB6
READBACK_CH0    equ 0xE2            ; latch the status of channel 0

; ns(ticks) rounded to the nearest ns.
%define TICKS_NS(t) (((t) * 1000000000 + PIT_HZ / 2) / PIT_HZ)

MODE2_COUNT     equ 59659           ; 49.999916 ms
MODE3_COUNT     equ 23863           ; odd: high (n + 1) / 2, low (n - 1) / 2
CH2_COUNT       equ 2000            ; 1.676 ms, each half 838.095 us
PERIODS         equ 4

; A period between two IRQs is exact up to the rounding of each edge to a
; whole ns; the first IRQ also waits for the clock that loads the count
; and for the instructions from the count write to the RDTSC in the handler
; (HLT wake-up, interrupt delivery, PUSHAD, MOV, JMP).
PERIOD_TOL      equ 2
FIRST_SLACK     equ 24 * NS_PER_INSN
; An edge of channel 2's OUT is seen by a poll loop of three instructions.
EDGE_TOL        equ 4 * NS_PER_INSN + 2

section .bss
alignb 4
count_written:  resd 1
edges:          resd 8

section .text
test_main:
    call irq_init

    mov al, CW_CH0_MODE2
    mov ecx, MODE2_COUNT
    call start_channel0
    CHECK_NEAR eax, TICKS_NS(MODE2_COUNT) + TICKS_NS(1) / 2 + FIRST_SLACK / 2, TICKS_NS(1) / 2 + FIRST_SLACK / 2 + 1, 1, "mode 2: first IRQ 0 one count after the count write"
    mov esi, MODE2_COUNT
    mov ebx, 2
    call check_periods
    call read_status_ch0
    CHECK_BITS eax, 0x3F, CW_CH0_MODE2 & 0x3F, 3, "mode 2: read-back status: LSB/MSB, mode 2, binary"

    mov al, CW_CH0_MODE3
    mov ecx, MODE3_COUNT
    call start_channel0
    CHECK_NEAR eax, TICKS_NS(MODE3_COUNT) + TICKS_NS(1) / 2 + FIRST_SLACK / 2, TICKS_NS(1) / 2 + FIRST_SLACK / 2 + 1, 4, "mode 3: first IRQ 0 one count after the count write"
    mov esi, MODE3_COUNT
    mov ebx, 5
    call check_periods
    call read_status_ch0
    CHECK_BITS eax, 0x3F, CW_CH0_MODE3 & 0x3F, 6, "mode 3: read-back status: LSB/MSB, mode 3, binary"

    call channel2_square_wave
    ret

; start_channel0(al = control word, ecx = count): program channel 0 with
; IRQ 0 masked, then wait for PERIODS + 1 IRQs; eax = ns from the count
; write to the first IRQ. The control word leaves OUT high and the channel
; stopped until the count is written (datasheet, "Write Operations"); an
; edge latched in the IRR before that (while channel 0 ran with its
; previous setting) is taken and dropped first.
start_channel0:
    push eax
    mov ax, 0xFFFF
    call pic_set_mask
    pop eax
    out PIT_CTRL, al
    mov ax, 0xFFFE
    call pic_set_mask
    sti
    nop
    cli
    call irq_log_clear
    rdtsc
    mov [count_written], eax
    mov al, cl
    out PIT_CH0, al
    mov al, ch
    out PIT_CH0, al
    mov ecx, PERIODS + 1
    call wait_irqs
    mov ax, 0xFFFF
    call pic_set_mask
    mov eax, [irq_log_tsc]
    sub eax, [count_written]
    ret

; check_periods(esi = count, ebx = check number): each of the PERIODS
; intervals between the logged IRQ 0 deliveries lasts count input clocks.
check_periods:
    xor edi, edi
.next:
    CHECK_EQ [irq_log + edi * 4], 0, ebx, "IRQ 0 was the line delivered"
    mov eax, [irq_log_tsc + edi * 4 + 4]
    sub eax, [irq_log_tsc + edi * 4]
    ; expected = count * 10^9 / PIT_HZ, rounded
    push eax
    mov eax, esi
    mov ecx, 1000000000
    mul ecx
    add eax, PIT_HZ / 2
    adc edx, 0
    mov ecx, PIT_HZ
    div ecx
    mov ecx, eax
    pop eax
    CHECK_NEAR eax, ecx, PERIOD_TOL, ebx, "period between IRQ 0s is count / 1.193182 MHz (ns)"
    inc edi
    cmp edi, PERIODS
    jb .next
    ret

; read_status_ch0: eax = channel 0's read-back status byte.
read_status_ch0:
    mov al, READBACK_CH0
    out PIT_CTRL, al
    in al, PIT_CH0
    movzx eax, al
    ret

; Channel 2 in mode 3 seen through port 0x61.
channel2_square_wave:
    mov al, PORTB_SPEAKER               ; gate low, speaker data on (no effect)
    out PORT_B, al
    mov al, CW_CH2_MODE3
    out PIT_CTRL, al
    mov ax, CH2_COUNT
    out PIT_CH2, al
    mov al, ah
    out PIT_CH2, al
%if PIT_GATE_STOPS
    ; Gate low: OUT stays high through more than a whole period.
    mov ecx, 2 * TICKS_NS(CH2_COUNT) / (3 * NS_PER_INSN)
.gated:
    in al, PORT_B
    test al, PORTB_OUT2
    loopnz .gated
    CHECK_EQ ecx, 0, 7, "channel 2 OUT stays high while its gate is low"
%else
    PRINTLN "check 7: skipped, this emulator's PIT ignores a low gate"
%endif

    ; Gate high: the count is loaded and OUT toggles every count/2 clocks.
    in al, PORT_B
    or al, PORTB_GATE2
    out PORT_B, al
    rdtsc
    mov [count_written], eax
    xor edi, edi
    mov bl, PORTB_OUT2                  ; the level to wait for the end of
.edge:
    in al, PORT_B
    and al, PORTB_OUT2
    cmp al, bl
    je .edge
    mov bl, al
    rdtsc
    mov [edges + edi * 4], eax
    inc edi
    cmp edi, 5
    jb .edge
    mov al, 0
    out PORT_B, al

    mov eax, [edges]
    sub eax, [count_written]
    CHECK_NEAR eax, TICKS_NS(CH2_COUNT / 2) + TICKS_NS(1) / 2, TICKS_NS(1) / 2 + EDGE_TOL, 8, "channel 2: OUT falls count/2 clocks after the gate rises (ns)"
    xor edi, edi
.half:
    mov eax, [edges + edi * 4 + 4]
    sub eax, [edges + edi * 4]
    CHECK_NEAR eax, TICKS_NS(CH2_COUNT / 2), EDGE_TOL, 9, "channel 2: OUT half period is count/2 clocks (ns)"
    inc edi
    cmp edi, 4
    jb .half
    ret
