; PAE paging (SDM Vol. 3A 4.4): 4 KiB and 2 MiB pages through 64-bit
; entries, accessed and dirty bits in them, #PF with RSVD for reserved bits,
; the PDPTE registers (loaded by MOV to CR3, #GP(0) for reserved bits, not
; re-read on a TLB miss), physical addresses above 4 GiB, global pages,
; INVLPG of a 2 MiB page, and switching between 32-bit and PAE paging with
; CR0.PG = 1.
;
; Does not look at CPUID: PAE is used whatever the feature flags say.

%include "lib/guest.inc"

; Local to this test, for lib/defs.inc's list of CR4 bits.
%define CR4_PAE_BIT (1 << 5)
%define PF_RSVD_BIT (1 << 3)

; QEMU's TCG keeps no PDPTE registers: it reads the PDPTEs from memory on
; every walk and never checks them on MOV to CR3 or CR4. It also reports a
; reserved-bit #PF with P clear, where the entries were present (SDM Vol.
; 3A 4.7: P is 0 only when a P flag was 0), and reads 0 where no memory
; or device answers, where a PC's bus reads all ones.
%ifdef EMU_QEMU
%define PDPTE_REGISTERS 0
%define PF_RSVD_P 0
%define UNASSIGNED_ONES 0
%else
%define PDPTE_REGISTERS 1
%define PF_RSVD_P PF_P
%define UNASSIGNED_ONES 1
%endif

%define PAE_PDX(lin) (((lin) >> 21) & 0x1FF)
%define PAE_PTX(lin) (((lin) >> 12) & 0x1FF)

; Linear addresses in the 3..4 GiB quarter, through pae_pd3. The 4 KiB
; pages use distinct TLB index bits (linear bits 12 and up), different from
; the code's, stack's and tables'.
L_4K        equ 0xC0030000      ; 4 KiB pages, in pae_pt
L_4K_G      equ 0xC0041000      ; global 4 KiB page
L_2M        equ 0xC0600000      ; 2 MiB page -> physical 0
L_2M_B      equ 0xC0800000      ; 2 MiB page -> physical 0, then 2 MiB
L_NOPDPTE   equ 0x40000000      ; PDPTE 1 not present
OLD_MARK    equ 0x53000         ; a marker in the first 2 MiB
NEW_MARK    equ 0x253000        ; the same offset in the second 2 MiB

section .bss
alignb 4096
pdpt:       resb 4096           ; the PDPT (32 bytes), a bad one at +0x40;
                                ; also the 32-bit directory for the switch
pae_pd0:    resb 4096           ; 0..1 GiB; also a 32-bit page table
pae_pd3:    resb 4096           ; 3..4 GiB
pae_pt:     resb 4096           ; page table for L_4K

section .data
align 4
probe:      dd 0x5EED5EED

section .text
test_main:
    mov dword [TEST_PAGE(0)], 0xAAAAAAAA
    mov dword [TEST_PAGE(1)], 0xBBBBBBBB
    mov dword [OLD_MARK], 0x0DDB16
    mov dword [NEW_MARK], 0x0EEB16

    ; Identity map of 0..4 MiB with two 2 MiB pages; the 3..4 GiB quarter
    ; through pae_pd3.
    mov dword [pae_pd0 + 8 * 0], 0x000000 + (PG_P | PG_RW | PG_US | PG_PS)
    mov dword [pae_pd0 + 8 * 1], 0x200000 + (PG_P | PG_RW | PG_US | PG_PS)
    mov dword [pae_pd3 + 8 * PAE_PDX(L_4K)], pae_pt + (PG_P | PG_RW | PG_US)
    mov dword [pae_pd3 + 8 * PAE_PDX(L_2M)], 0 + (PG_P | PG_RW | PG_PS)
    mov dword [pae_pd3 + 8 * PAE_PDX(L_2M_B)], 0 + (PG_P | PG_RW | PG_PS | PG_G)
    mov dword [pae_pt + 8 * PAE_PTX(L_4K)], TEST_PAGE(0) + (PG_P | PG_RW | PG_US)
    mov dword [pdpt + 8 * 0], pae_pd0 + PG_P
    mov dword [pdpt + 8 * 3], pae_pd3 + PG_P
    mov eax, pdpt
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE_BIT
    mov cr4, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    GUARD 1, "exception with PAE paging on"
    mov eax, cr4
    mov [check_tmp], eax
    UNGUARD
    CHECK_BITS [check_tmp], CR4_PAE_BIT, CR4_PAE_BIT, 1, "CR4.PAE set, running on 2 MiB identity pages"

    ; A 4 KiB page: A in the PDE and PTE, D in the PTE, the high halves
    ; untouched (SDM Vol. 3A 4.8).
    CHECK_EQ [L_4K], 0xAAAAAAAA, 2, "read through a PAE 4 KiB page"
    CHECK_BITS [pae_pt + 8 * PAE_PTX(L_4K)], PG_A | PG_D, PG_A, 2, "read sets A in the PTE only"
    CHECK_BITS [pae_pd3 + 8 * PAE_PDX(L_4K)], PG_A, PG_A, 2, "read sets A in the PDE"
    mov dword [L_4K + 4], 0x12121212
    CHECK_EQ [TEST_PAGE(0) + 4], 0x12121212, 3, "write through a PAE 4 KiB page"
    CHECK_BITS [pae_pt + 8 * PAE_PTX(L_4K)], PG_A | PG_D, PG_A | PG_D, 3, "write sets D in the PTE"
    CHECK_EQ [pae_pt + 8 * PAE_PTX(L_4K) + 4], 0, 3, "PTE high half untouched"

    ; A 2 MiB page: 21 offset bits, A and D in the PDE.
    CHECK_EQ [L_2M + probe], 0x5EED5EED, 4, "read through a 2 MiB page"
    mov dword [L_2M + probe], 0x0B0E0B0E
    CHECK_EQ [probe], 0x0B0E0B0E, 4, "write through a 2 MiB page reaches physical memory"
    CHECK_BITS [pae_pd3 + 8 * PAE_PDX(L_2M)], PG_A | PG_D, PG_A | PG_D, 4, "2 MiB PDE accessed and dirty"

    ; A PDPTE that is not present.
    EXPECT_FAULT .r5
.f5:
    mov eax, [L_NOPDPTE + 0x24]
    FAIL 5, "read under a not-present PDPTE did not fault"
.r5:
    CHECK_FAULT 5, VEC_PF, 0, .f5, "#PF not present at the PDPTE"
    CHECK_EQ [exc_cr2], L_NOPDPTE + 0x24, 5, "CR2 = faulting address"

    ; Reserved bits: bit 40 in a PTE (read, then a write from ring 3), bit
    ; 13 in a 2 MiB PDE, bit 63 (no NX without EFER) in a PTE.
    mov dword [pae_pt + 8 * PAE_PTX(L_4K + 0x1000)], TEST_PAGE(1) + (PG_P | PG_RW | PG_US)
    mov dword [pae_pt + 8 * PAE_PTX(L_4K + 0x1000) + 4], 1 << (40 - 32)
    EXPECT_FAULT .r6
.f6:
    mov eax, [L_4K + 0x1000]
    FAIL 6, "read through a PTE with bit 40 set did not fault"
.r6:
    CHECK_FAULT 6, VEC_PF, PF_RSVD_P | PF_RSVD_BIT, .f6, "#PF RSVD, supervisor read"
    CHECK_EQ [exc_cr2], L_4K + 0x1000, 6, "CR2 = faulting address"

    EXPECT_FAULT .r7
    RING3 .u7
.u7:
    mov dword [L_4K + 0x1008], 1
    int VEC_RETURN
.r7:
    CHECK_FAULT 7, VEC_PF, PF_RSVD_P | PF_W | PF_U | PF_RSVD_BIT, .u7, "#PF RSVD, user write"
    CHECK_EQ [TEST_PAGE(1) + 8], 0, 7, "the faulting write changed nothing"

    or dword [pae_pd3 + 8 * PAE_PDX(L_2M)], 1 << 13
    invlpg [L_2M]
    EXPECT_FAULT .r8
.f8:
    mov eax, [L_2M + 0x10]
    FAIL 8, "read through a 2 MiB PDE with bit 13 set did not fault"
.r8:
    CHECK_FAULT 8, VEC_PF, PF_RSVD_P | PF_RSVD_BIT, .f8, "#PF RSVD in a 2 MiB PDE"
    and dword [pae_pd3 + 8 * PAE_PDX(L_2M)], ~(1 << 13)

    mov dword [pae_pt + 8 * PAE_PTX(L_4K + 0x1000) + 4], 0x80000000
    EXPECT_FAULT .r9
.f9:
    mov eax, [L_4K + 0x1000]
    FAIL 9, "read through a PTE with bit 63 set did not fault"
.r9:
    CHECK_FAULT 9, VEC_PF, PF_RSVD_P | PF_RSVD_BIT, .f9, "#PF RSVD for bit 63 without NX"

    ; Bits 35:32 are address bits: a page at 60 GiB, where nothing
    ; answers, reads all ones and ignores writes.
    mov dword [pae_pt + 8 * PAE_PTX(L_4K + 0x1000) + 4], 0xF
    GUARD 10, "access to a page above 4 GiB faulted"
    mov dword [L_4K + 0x1000], 0
    mov eax, [L_4K + 0x1000]
    UNGUARD
%if UNASSIGNED_ONES
    mov [check_tmp], eax
    CHECK_EQ [check_tmp], 0xFFFFFFFF, 10, "unassigned memory above 4 GiB reads all ones"
%endif
    CHECK_EQ [TEST_PAGE(1)], 0xBBBBBBBB, 10, "bits 35:32 of the frame are not dropped"

    ; MOV to CR3 checks the PDPTEs: bit 1 (R/W, reserved in a PDPTE) in a
    ; present one is #GP(0), and CR3 keeps its value (SDM Vol. 3A 4.4.1).
%if PDPTE_REGISTERS
    mov dword [pdpt + 0x40], pae_pd0 + (PG_P | PG_RW)
    mov dword [pdpt + 0x58], pae_pd3 + PG_P
    EXPECT_FAULT .r11
    mov eax, pdpt + 0x40
.f11:
    mov cr3, eax
    FAIL 11, "MOV to CR3 with a bad PDPTE did not fault"
.r11:
    CHECK_FAULT 11, VEC_GP, 0, .f11, "#GP(0) for a reserved bit in a PDPTE"
    mov eax, cr3
    mov [check_tmp], eax
    CHECK_EQ [check_tmp], pdpt, 11, "CR3 unchanged"

    ; The PDPTEs are registers: clearing one in memory changes nothing
    ; until CR3 is loaded again.
    mov dword [pdpt + 8 * 3], 0
    invlpg [L_4K]
    CHECK_EQ [L_4K], 0xAAAAAAAA, 12, "a TLB miss walks from the loaded PDPTE"
    EXPECT_FAULT .r12
    call flush_pae
.f12:
    mov eax, [L_4K]
    FAIL 12, "the PDPTE cleared in memory was not used after MOV CR3"
.r12:
    CHECK_FAULT 12, VEC_PF, 0, .f12, "#PF after MOV CR3 reloaded the cleared PDPTE"
    mov dword [pdpt + 8 * 3], pae_pd3 + PG_P
    call flush_pae
%else
    PRINTLN "checks 11, 12: skipped, this emulator keeps no PDPTE registers"
%endif

    ; Global pages under PAE: kept over CR3 loads, dropped by INVLPG,
    ; also for a 2 MiB page.
    mov eax, cr4
    or eax, CR4_PGE
    mov cr4, eax
    mov dword [pae_pt + 8 * PAE_PTX(L_4K_G)], TEST_PAGE(0) + (PG_P | PG_RW | PG_G)
    CHECK_EQ [L_4K_G], 0xAAAAAAAA, 13, "global 4 KiB page, first mapping"
    CHECK_EQ [L_2M_B + OLD_MARK], 0x0DDB16, 13, "global 2 MiB page, first mapping"
    mov dword [pae_pt + 8 * PAE_PTX(L_4K_G)], TEST_PAGE(1) + (PG_P | PG_RW | PG_G)
    mov dword [pae_pd3 + 8 * PAE_PDX(L_2M_B)], 0x200000 + (PG_P | PG_RW | PG_PS | PG_G)
    call flush_pae
%if TLB_KEEPS_GLOBAL
    CHECK_EQ [L_4K_G], 0xAAAAAAAA, 14, "CR3 load: global 4 KiB page keeps the old (stale) mapping"
    CHECK_EQ [L_2M_B + OLD_MARK], 0x0DDB16, 14, "CR3 load: global 2 MiB page keeps the old (stale) mapping"
%else
    PRINTLN "check 14: skipped, this emulator drops global translations on CR3 loads"
%endif
    invlpg [L_4K_G]
    CHECK_EQ [L_4K_G], 0xBBBBBBBB, 15, "INVLPG: global 4 KiB page takes the new mapping"
    invlpg [L_2M_B + 0x1FF000]
    CHECK_EQ [L_2M_B + OLD_MARK], 0x0EEB16, 15, "INVLPG anywhere in a 2 MiB page drops it"
    mov eax, cr4
    and eax, ~CR4_PGE
    mov cr4, eax

    ; 32-bit and PAE paging with CR0.PG = 1 and the same CR3 (SDM Vol. 3A
    ; 4.1.2). Read as a 32-bit directory the PDPT has entry 0 -> pae_pd0
    ; (the low half of PDPTE 0), which as a 32-bit page table holds the
    ; identity map of 1..4 MiB in its entries 256-1023 (PAE PDEs 128-511,
    ; linear 256 MiB..1 GiB, unused here) and maps linear 0x2000 to
    ; 0x200000 through its entry 2, the low half of PAE PDE 1.
    mov edi, pae_pd0 + 4 * 256
    mov eax, 0x100000 + (PG_P | PG_RW | PG_US)
    mov ecx, 768
.fill:
    stosd
    add eax, 4096
    loop .fill
    call flush_pae
    mov eax, cr4
    and eax, ~CR4_PAE_BIT
    mov cr4, eax
    ; The boot TSS is the first thing in .bss, at 0x200000.
    GUARD 16, "exception with 32-bit paging through the PDPT"
    mov eax, [0x2000 + TSS_ESP0]
    UNGUARD
    mov [check_tmp], eax
    CHECK_EQ [check_tmp], ring0_stack_top, 16, "32-bit paging with the PDPT as the directory"
%if PDPTE_REGISTERS
    ; The 32-bit walks set A in directory entry 0: bit 5 of PDPTE 0, which
    ; is reserved there, so turning PAE on again faults until it is clear.
    CHECK_BITS [pdpt], PG_A, PG_A, 17, "32-bit walk set A in the PDPT"
    EXPECT_FAULT .r17
    mov eax, cr4
    or eax, CR4_PAE_BIT
.f17:
    mov cr4, eax
    FAIL 17, "MOV to CR4 setting PAE with a bad PDPTE did not fault"
.r17:
    CHECK_FAULT 17, VEC_GP, 0, .f17, "#GP(0): MOV to CR4 loads and checks the PDPTEs"
%endif
    ; The write walks before it stores, so A stays clear; the instructions
    ; up to the switch share one code page, so no walk sets it again.
    align 32
    and dword [pdpt], ~PG_A
    mov eax, cr4
    or eax, CR4_PAE_BIT
    mov cr4, eax
    GUARD 18, "exception after switching back to PAE paging"
    mov eax, [L_4K]
    UNGUARD
    mov [check_tmp], eax
    CHECK_EQ [check_tmp], 0xAAAAAAAA, 18, "PAE paging again with CR0.PG = 1"

    mov eax, cr0
    and eax, ~CR0_PG
    mov cr0, eax
    mov eax, cr4
    and eax, ~CR4_PAE_BIT
    mov cr4, eax
    ret

; flush_pae: reload CR3 (and with it the PDPTEs).
flush_pae:
    push eax
    mov eax, cr3
    mov cr3, eax
    pop eax
    ret
