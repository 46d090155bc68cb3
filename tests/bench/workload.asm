; Integer workload for lintas_bench, run in 32-bit flat protected mode.
;
; Each iteration fills a buffer from an LCG, copies it with REP MOVSD,
; copies it again through a byte loop that XORs in the index, compares the
; copies with REPE CMPSB, takes a table-driven CRC-32 and a sieve of
; Eratosthenes, and folds everything into a checksum. The iteration count
; is read from PARAMS; the checksum is left in EAX before the final HLT.
; bench.c computes the same checksum in C.

bits 32
org 0x10000

PARAMS  equ 0x1000
BUF     equ 0x100000
BUF2    equ 0x110000
BUF3    equ 0x120000
SIEVE   equ 0x130000
CRCTAB  equ 0x140000
BUFLEN  equ 4096
SIEVEN  equ 8192

start:
    cld
    call make_crc_table
    mov esi, [PARAMS]
    xor ebp, ebp
.outer:
    push esi
    mov eax, esi
    call fill_lcg
    call copy_rep
    call copy_xor
    call compare
    call fold
    mov edi, BUF3
    mov ecx, BUFLEN
    call crc32
    mov ebx, eax
    call fold
    mov eax, ebx              ; CRC mod 65521 exercises DIV
    xor edx, edx
    mov ecx, 65521
    div ecx
    mov eax, edx
    call fold
    call sieve
    call fold
    pop esi
    dec esi
    jnz .outer
    mov eax, ebp
    hlt

; ebp = rol(ebp, 5) ^ eax, then ebp += eax * 3 (IMUL)
fold:
    rol ebp, 5
    xor ebp, eax
    imul eax, eax, 3
    add ebp, eax
    ret

; BUF[i] (dwords) from x = x * 1664525 + 1013904223, seeded with eax.
fill_lcg:
    mov edi, BUF
    mov ecx, BUFLEN / 4
    mov ebx, 1664525
.next:
    imul eax, ebx
    add eax, 1013904223
    mov [edi], eax
    add edi, 4
    dec ecx
    jnz .next
    ret

copy_rep:
    mov esi, BUF
    mov edi, BUF2
    mov ecx, BUFLEN / 4
    rep movsd
    ret

; BUF3[i] = BUF2[i] ^ (i & 0xff), a load/ALU/store byte loop.
copy_xor:
    mov esi, BUF2
    mov edi, BUF3
    xor ecx, ecx
.next:
    mov al, [esi + ecx]
    xor al, cl
    mov [edi + ecx], al
    inc ecx
    cmp ecx, BUFLEN
    jb .next
    ret

; eax = bytes left when REPE CMPSB stops on BUF vs BUF2 (equal: 0) plus
; bytes left on BUF2 vs BUF3 (they differ from index 1 on).
compare:
    mov esi, BUF
    mov edi, BUF2
    mov ecx, BUFLEN
    repe cmpsb
    mov edx, ecx
    mov esi, BUF2
    mov edi, BUF3
    mov ecx, BUFLEN
    repe cmpsb
    lea eax, [edx + ecx]
    ret

; The reflected CRC-32 table (polynomial 0xEDB88320).
make_crc_table:
    mov edi, CRCTAB
    xor ebx, ebx
.entry:
    mov eax, ebx
    mov ecx, 8
.bit:
    shr eax, 1
    jnc .nopoly
    xor eax, 0xedb88320
.nopoly:
    loop .bit
    stosd
    inc ebx
    cmp ebx, 256
    jne .entry
    ret

; eax = CRC-32 of ecx bytes at edi.
crc32:
    mov eax, 0xffffffff
.byte:
    movzx edx, byte [edi]
    xor dl, al
    shr eax, 8
    xor eax, [CRCTAB + edx * 4]
    inc edi
    dec ecx
    jnz .byte
    not eax
    ret

; eax = number of primes below SIEVEN.
sieve:
    mov edi, SIEVE
    mov ecx, SIEVEN / 4
    mov eax, 0x01010101
    rep stosd
    mov byte [SIEVE], 0
    mov byte [SIEVE + 1], 0
    mov ebx, 2
.outer:
    mov eax, ebx
    mul ebx
    cmp eax, SIEVEN
    jae .count
    cmp byte [SIEVE + ebx], 0
    je .skip
.strike:
    mov byte [SIEVE + eax], 0
    add eax, ebx
    cmp eax, SIEVEN
    jb .strike
.skip:
    inc ebx
    jmp .outer
.count:
    xor eax, eax
    mov esi, SIEVE
    mov ecx, SIEVEN
.sum:
    movzx edx, byte [esi]
    add eax, edx
    inc esi
    loop .sum
    ret
