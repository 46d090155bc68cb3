; Page faults: CR2, error code bits P, W/R and U/S (SDM Vol. 3A 4.7) for
; not-present and protection faults from ring 0 and ring 3, CR0.WP, an
; instruction fetch, a string instruction stopped by a fault, and the
; accessed and dirty bits (SDM Vol. 3A 4.8).

%include "lib/guest.inc"

; Test window at 1 GiB, mapped by page_tab1.
L_NP        equ 0x40000000      ; not present
L_SUP       equ 0x40001000      ; present, writable, supervisor
L_RO        equ 0x40002000      ; present, read-only, user
L_RW        equ 0x40003000      ; present, writable, user
L_NP2       equ 0x40004000      ; not present, right after L_RW
; Window at 1 GiB + 4 MiB whose PDE is supervisor while the PTE is user.
L_SUPDIR    equ 0x40400000

section .data
align 4
user_value: dd 0
copy_buf:   times 16 db 0

section .text
test_main:
    call paging_identity
    mov dword [page_dir + 4 * PDX(L_NP)], page_tab1 + (PG_P | PG_RW | PG_US)
    mov dword [page_tab1 + 4 * PTX(L_SUP)], TEST_PAGE(1) + (PG_P | PG_RW)
    mov dword [page_tab1 + 4 * PTX(L_RO)], TEST_PAGE(2) + (PG_P | PG_US)
    mov dword [page_tab1 + 4 * PTX(L_RW)], TEST_PAGE(3) + (PG_P | PG_RW | PG_US)
    mov dword [page_dir + 4 * PDX(L_SUPDIR)], page_tab2 + (PG_P | PG_RW)
    mov dword [page_tab2 + 4 * PTX(L_SUPDIR)], TEST_PAGE(4) + (PG_P | PG_RW | PG_US)
    mov dword [TEST_PAGE(2) + 0x20], 0x600DF00D
    call paging_on

    ; Not present, ring 0 read and write.
    EXPECT_FAULT .r1
.f1:
    mov eax, [L_NP + 0x123]
    FAIL 1, "read of a not-present page did not fault"
.r1:
    CHECK_FAULT 1, VEC_PF, 0, .f1, "#PF supervisor read, not present"
    CHECK_EQ [exc_cr2], L_NP + 0x123, 1, "CR2 = faulting address"

    EXPECT_FAULT .r2
.f2:
    mov dword [L_NP + 0x456], 1
    FAIL 2, "write to a not-present page did not fault"
.r2:
    CHECK_FAULT 2, VEC_PF, PF_W, .f2, "#PF supervisor write, not present"
    CHECK_EQ [exc_cr2], L_NP + 0x456, 2, "CR2 = faulting address"

    ; Not present, ring 3 read.
    EXPECT_FAULT .r3
    RING3 .u3
.u3:
    mov eax, [L_NP + 0x789]
    int VEC_RETURN
.r3:
    CHECK_FAULT 3, VEC_PF, PF_U, .u3, "#PF user read, not present"
    CHECK_EQ [exc_cr2], L_NP + 0x789, 3, "CR2 = faulting address"

    ; Protection: user access to a supervisor page.
    EXPECT_FAULT .r4
    RING3 .u4
.u4:
    mov eax, [L_SUP + 0x10]
    int VEC_RETURN
.r4:
    CHECK_FAULT 4, VEC_PF, PF_P | PF_U, .u4, "#PF user read of a supervisor page"
    CHECK_EQ [exc_cr2], L_SUP + 0x10, 4, "CR2 = faulting address"

    EXPECT_FAULT .r5
    RING3 .u5
.u5:
    mov dword [L_SUP + 0x14], 1
    int VEC_RETURN
.r5:
    CHECK_FAULT 5, VEC_PF, PF_P | PF_W | PF_U, .u5, "#PF user write of a supervisor page"
    CHECK_EQ [exc_cr2], L_SUP + 0x14, 5, "CR2 = faulting address"

    ; A user PTE under a supervisor PDE is a supervisor page (SDM Vol. 3A 4.6.1).
    EXPECT_FAULT .r6
    RING3 .u6
.u6:
    mov eax, [L_SUPDIR + 0x8]
    int VEC_RETURN
.r6:
    CHECK_FAULT 6, VEC_PF, PF_P | PF_U, .u6, "#PF user read, user PTE under supervisor PDE"
    CHECK_EQ [exc_cr2], L_SUPDIR + 0x8, 6, "CR2 = faulting address"

    ; User read of a read-only user page works; a user write faults.
    EXPECT_FAULT .r7
    RING3 .u7
.u7:
    mov eax, [L_RO + 0x20]
    mov [user_value], eax
    int VEC_RETURN
.r7:
    CHECK_EQ [exc_vector], VEC_RETURN, 7, "user read of a read-only user page runs"
    CHECK_EQ [user_value], 0x600DF00D, 7, "user read returns the page's data"

    EXPECT_FAULT .r8
    RING3 .u8
.u8:
    mov dword [L_RO + 0x24], 1
    int VEC_RETURN
.r8:
    CHECK_FAULT 8, VEC_PF, PF_P | PF_W | PF_U, .u8, "#PF user write of a read-only page"
    CHECK_EQ [exc_cr2], L_RO + 0x24, 8, "CR2 = faulting address"

    ; Supervisor write to a read-only page: faults only with CR0.WP = 1,
    ; and a write that faults does not set the dirty bit.
    mov eax, cr0
    or eax, CR0_WP
    mov cr0, eax
    EXPECT_FAULT .r9
.f9:
    mov dword [L_RO + 0x28], 0x11111111
    FAIL 9, "supervisor write to a read-only page with CR0.WP = 1 did not fault"
.r9:
    CHECK_FAULT 9, VEC_PF, PF_P | PF_W, .f9, "#PF supervisor write, read-only page, CR0.WP = 1"
    CHECK_EQ [exc_cr2], L_RO + 0x28, 9, "CR2 = faulting address"
    CHECK_EQ [TEST_PAGE(2) + 0x28], 0, 9, "the faulting write stored nothing"
    CHECK_BITS [page_tab1 + 4 * PTX(L_RO)], PG_D, 0, 9, "PTE dirty bit still clear"

    mov eax, cr0
    and eax, ~CR0_WP
    mov cr0, eax
    GUARD 10, "supervisor write to a read-only page with CR0.WP = 0"
    mov dword [L_RO + 0x28], 0x22222222
    UNGUARD
    CHECK_EQ [TEST_PAGE(2) + 0x28], 0x22222222, 10, "supervisor write with CR0.WP = 0 stores"
    CHECK_BITS [page_tab1 + 4 * PTX(L_RO)], PG_D, PG_D, 10, "PTE dirty bit set by the write"

    ; Instruction fetch from a not-present page: CR2 and EIP are the target.
    EXPECT_FAULT .r11
    mov eax, L_NP + 0x40
    jmp eax
.r11:
    CHECK_FAULT 11, VEC_PF, 0, L_NP + 0x40, "#PF on instruction fetch, not present"
    CHECK_EQ [exc_cr2], L_NP + 0x40, 11, "CR2 = fetch address"

    ; Accessed and dirty bits: a read sets A (PTE and PDE), a write sets D.
    ; The PDE's A bit is already set by the accesses above: clear it and
    ; reload CR3 so the walk is redone.
    and dword [page_dir + 4 * PDX(L_RW)], ~PG_A
    call flush_tlb
    CHECK_BITS [page_tab1 + 4 * PTX(L_RW)], PG_A | PG_D, 0, 12, "PTE A and D clear before access"
    mov eax, [L_RW + 0x100]
    CHECK_BITS [page_tab1 + 4 * PTX(L_RW)], PG_A | PG_D, PG_A, 12, "read sets PTE A, not D"
    CHECK_BITS [page_dir + 4 * PDX(L_RW)], PG_A, PG_A, 12, "read sets PDE A"
    mov dword [L_RW + 0x100], 0x12345678
    CHECK_BITS [page_tab1 + 4 * PTX(L_RW)], PG_A | PG_D, PG_A | PG_D, 13, "write sets PTE D"
    CHECK_EQ [TEST_PAGE(3) + 0x100], 0x12345678, 13, "write reached the page"

    ; REP MOVSB faulting on its source midway: the completed iterations
    ; stay done and ECX/ESI/EDI describe the rest (SDM Vol. 2B REP). The
    ; count is below the P6 fast-string threshold, so real CPUs also stop
    ; exactly at the page boundary.
    mov dword [TEST_PAGE(3) + 0xFF8], 0x44332211
    mov dword [TEST_PAGE(3) + 0xFFC], 0x88776655
    EXPECT_FAULT .r14
    mov esi, L_RW + 0xFF8
    mov edi, copy_buf
    mov ecx, 16
.f14:
    rep movsb
    FAIL 14, "REP MOVSB into a not-present page did not fault"
.r14:
    CHECK_FAULT 14, VEC_PF, 0, .f14, "#PF in REP MOVSB, saved EIP at the instruction"
    CHECK_EQ [exc_cr2], L_NP2, 14, "CR2 = first byte of the missing page"
    CHECK_EQ ecx, 8, 14, "ECX counts the remaining bytes"
    CHECK_EQ esi, L_NP2, 14, "ESI at the missing byte"
    CHECK_EQ edi, copy_buf + 8, 14, "EDI past the copied bytes"
    CHECK_EQ [copy_buf + 4], 0x88776655, 14, "first 8 bytes copied"

    call paging_off
    ret
