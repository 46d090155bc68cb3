; Guest B of test_two_machines: a sieve of Eratosthenes below 30000, its
; byte array at 2 MiB (where guest A leaves its marker), printing every
; 500th prime and the count. Leaves 0xb2 in COM1's scratch register and
; exits with 0x22.

%include "common.inc"

SIEVE           equ 0x200000        ; one byte per number, 1 = composite
LIMIT           equ 30000
EVERY           equ 500

start:
    mov esp, stack_top
    mov dx, COM1_SCR
    mov al, 0xb2
    out dx, al
    mov esi, msg_hello
    call puts
    call put_ram

    mov edi, SIEVE
    mov ecx, LIMIT
    xor al, al
    rep stosb
    mov byte [SIEVE], 1
    mov byte [SIEVE + 1], 1

    mov ebx, 2                      ; the candidate
    xor ebp, ebp                    ; primes found
.candidate:
    cmp byte [SIEVE + ebx], 0
    jne .next
    inc ebp
    mov eax, ebp
    xor edx, edx
    mov ecx, EVERY
    div ecx
    test edx, edx
    jnz .strike
    mov esi, msg_prime
    call puts
    mov eax, ebp
    call putdec
    mov esi, msg_is
    call puts
    mov eax, ebx
    call putdec
    mov al, 10
    call putc
.strike:
    mov eax, ebx
    imul eax, ebx
    cmp eax, LIMIT
    jae .next
.mark:
    mov byte [SIEVE + eax], 1
    add eax, ebx
    cmp eax, LIMIT
    jb .mark
.next:
    inc ebx
    cmp ebx, LIMIT
    jb .candidate

    mov esi, msg_count
    call puts
    mov eax, ebp
    call putdec
    mov al, 10
    call putc
    mov al, 0x22
    jmp exit

msg_hello:      db "B: sieving", 10, 0
msg_prime:      db "B: prime ", 0
msg_is:         db " is ", 0
msg_count:      db "B: primes below 30000: ", 0

load_end:

section .bss
    alignb 16
stack:          resb 4096
stack_top:
bss_end:
