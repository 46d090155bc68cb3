; CPUID, RDTSC and model-specific registers of a P6 (Pentium II class):
; CPUID vendor and family, the feature bits the emulated CPU must report,
; a monotonic time-stamp counter, SYSENTER MSRs that read back what was
; written, a writable TSC, #GP(0) for an MSR that does not exist, and
; CR4.OSFXSR settable as FXSR promises (SDM Vol. 2A CPUID, Vol. 2B
; RDMSR/WRMSR, Vol. 3B 22 (CR4 flags), Vol. 4).

%include "lib/guest.inc"

; CPUID.1:EDX bits (SDM Vol. 2A Table 3-11).
FEAT_PSE    equ 1 << 3
FEAT_TSC    equ 1 << 4
FEAT_MSR    equ 1 << 5
FEAT_CX8    equ 1 << 8
FEAT_SEP    equ 1 << 11
FEAT_PGE    equ 1 << 13
FEAT_CMOV   equ 1 << 15
FEATURES    equ FEAT_PSE | FEAT_TSC | FEAT_MSR | FEAT_CX8 | FEAT_SEP | FEAT_PGE | FEAT_CMOV
FEAT_FXSR   equ 1 << 24

CR4_OSFXSR  equ 1 << 9

MSR_TSC             equ 0x10
MSR_SYSENTER_CS     equ 0x174
MSR_SYSENTER_ESP    equ 0x175
MSR_SYSENTER_EIP    equ 0x176
; Not an architectural or P6 MSR index.
MSR_NONE            equ 0x2FF0

section .data
align 4
vendor:     times 12 db 0
tsc1:       dd 0, 0
tsc2:       dd 0, 0

section .text
test_main:
    ; EFLAGS.ID can be toggled: CPUID exists.
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
    CHECK_BITS eax, 1 << 21, 1 << 21, 1, "EFLAGS.ID is writable (CPUID present)"

    xor eax, eax
    cpuid
    mov [vendor], ebx
    mov [vendor + 4], edx
    mov [vendor + 8], ecx
    cmp eax, 1
    jae .leaf_ok
    FAIL 1, "CPUID max basic leaf is below 1"
.leaf_ok:
    CHECK_EQ [vendor], 'Genu', 2, "CPUID.0 vendor bytes 0-3"
    CHECK_EQ [vendor + 4], 'ineI', 2, "CPUID.0 vendor bytes 4-7"
    CHECK_EQ [vendor + 8], 'ntel', 2, "CPUID.0 vendor bytes 8-11"

    mov eax, 1
    cpuid
    mov ebx, eax
    shr ebx, 8
    and ebx, 0xF
    CHECK_EQ ebx, 6, 3, "CPUID.1 family 6"
    CHECK_BITS edx, FEATURES, FEATURES, 4, "CPUID.1:EDX has PSE TSC MSR CX8 SEP PGE CMOV"

    ; RDTSC is monotonic (64-bit compare).
    rdtsc
    mov [tsc1], eax
    mov [tsc1 + 4], edx
    mov ecx, 1000
.spin:
    loop .spin
    rdtsc
    mov [tsc2], eax
    mov [tsc2 + 4], edx
    mov eax, [tsc2]
    mov edx, [tsc2 + 4]
    sub eax, [tsc1]
    sbb edx, [tsc1 + 4]
    jc .tsc_back
    or eax, edx
    jnz .tsc_ok
.tsc_back:
    FAIL 5, "second RDTSC is not above the first"
.tsc_ok:
    PRINTLN "check 5: RDTSC increases ok"

    ; SYSENTER MSRs round-trip.
    GUARD 6, "SYSENTER MSR access"
    mov ecx, MSR_SYSENTER_CS
    mov eax, 0x0008
    xor edx, edx
    wrmsr
    mov ecx, MSR_SYSENTER_ESP
    mov eax, 0xCAFEBABC
    wrmsr
    mov ecx, MSR_SYSENTER_EIP
    mov eax, 0xDEADBEE0
    wrmsr
    mov ecx, MSR_SYSENTER_CS
    rdmsr
    mov esi, eax
    mov ecx, MSR_SYSENTER_ESP
    rdmsr
    mov edi, eax
    mov ecx, MSR_SYSENTER_EIP
    rdmsr
    mov ebp, eax
    UNGUARD
    CHECK_EQ esi, 0x0008, 6, "SYSENTER_CS reads back"
    CHECK_EQ edi, 0xCAFEBABC, 6, "SYSENTER_ESP reads back"
    CHECK_EQ ebp, 0xDEADBEE0, 6, "SYSENTER_EIP reads back"

%if TSC_MSR
    ; The TSC is writable: it continues from the written value. Only the
    ; low 32 bits are written on P6 (the high half is cleared), so write
    ; a value with a zero high half (SDM Vol. 3B 17.17). RDMSR 0x10 reads
    ; the same counter.
    GUARD 7, "TSC MSR access"
    mov ecx, MSR_TSC
    mov eax, 0x10000000
    xor edx, edx
    wrmsr
    rdtsc
    mov esi, eax
    mov edi, edx
    mov ecx, MSR_TSC
    rdmsr
    UNGUARD
    CHECK_EQ edi, 0, 7, "TSC high half after writing 0x10000000"
    cmp esi, 0x10000000
    jae .tsc_written
    FAIL 7, "TSC below the value written to MSR 0x10"
.tsc_written:
    PRINTLN "check 7: TSC continues from the written value ok"
    sub eax, esi
    sbb edx, edi
    jnc .tsc_msr
    FAIL 8, "RDMSR 0x10 below the preceding RDTSC"
.tsc_msr:
    PRINTLN "check 8: RDMSR 0x10 reads the counter RDTSC reads ok"
%else
    PRINTLN "checks 7, 8: skipped, this emulator's MSR 0x10 is not the RDTSC counter"
%endif

%if MSR_MISSING_GP
    ; An MSR that does not exist: #GP(0) on read and on write.
    EXPECT_FAULT .r9
    mov ecx, MSR_NONE
.rd:
    rdmsr
    FAIL 9, "RDMSR of a missing MSR did not fault"
.r9:
    CHECK_FAULT 9, VEC_GP, 0, .rd, "#GP(0) from RDMSR of a missing MSR"
    EXPECT_FAULT .r10
    mov ecx, MSR_NONE
    xor eax, eax
    xor edx, edx
.wr:
    wrmsr
    FAIL 10, "WRMSR of a missing MSR did not fault"
.r10:
    CHECK_FAULT 10, VEC_GP, 0, .wr, "#GP(0) from WRMSR of a missing MSR"
%else
    PRINTLN "checks 9, 10: skipped, this emulator does not fault on missing MSRs"
%endif

    ; RDMSR at CPL 3 is #GP(0) as well.
    EXPECT_FAULT .r11
    RING3 .user
.user:
    mov ecx, MSR_SYSENTER_CS
    rdmsr
    int VEC_RETURN
.r11:
    CHECK_FAULT 11, VEC_GP, 0, .user + 5, "#GP(0) from RDMSR at CPL 3"

    ; With FXSR reported, the OS may set CR4.OSFXSR before using FXSAVE;
    ; Linux does so on any CPU with FXSR, so the write must not fault.
    mov eax, 1
    cpuid
    test edx, FEAT_FXSR
    jz .no_fxsr
    GUARD 12, "MOV CR4 setting OSFXSR"
    mov esi, cr4
    mov eax, esi
    or eax, CR4_OSFXSR
    mov cr4, eax
    mov eax, cr4
    mov cr4, esi
    UNGUARD
%if OSFXSR_KEPT
    CHECK_BITS eax, CR4_OSFXSR, CR4_OSFXSR, 12, "CR4.OSFXSR reads back set"
%else
    PRINTLN "check 12: MOV CR4 setting OSFXSR ok (read-back not checked here)"
%endif
    ret
.no_fxsr:
    PRINTLN "check 12: skipped, CPUID reports no FXSR"
    ret
