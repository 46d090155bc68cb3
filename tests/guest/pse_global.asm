; 4 MiB pages (CR4.PSE) and global pages (CR4.PGE).
;
; A CR3 load flushes non-global translations but keeps global ones (SDM
; Vol. 3A 4.10.4.1): after the paging entries are changed in memory and CR3
; is reloaded, the non-global page shows the new mapping while the global
; pages still show the old one until INVLPG or a CR4.PGE toggle.
; Strictly the processor MAY drop a global entry at any time (the TLB is a
; cache), so "still old" is not guaranteed by the architecture; real P6
; processors keep these few entries over such a short sequence, and an
; emulator with global pages does too. A failure of the "stale" checks
; alone means global pages are not retained over CR3 loads.
;
; Needs RAM at 4 MiB..8 MiB (checked first).

%include "lib/guest.inc"

; The addresses below use distinct TLB index bits (linear bits 12 and up),
; different from the code, stack and paging structures', so that a small
; direct-mapped TLB does not evict the entries under test.
L_BIG       equ 0x80000000      ; 4 MiB page -> physical 0
L_BIGG      equ 0x80400000      ; global 4 MiB page -> physical 0, later 4 MiB
L_G         equ 0x40030000      ; global 4 KiB page
L_N         equ 0x40041000      ; non-global 4 KiB page
OLD_MARK    equ 0x53000         ; physical address of a marker in the first 4 MiB
NEW_MARK    equ 0x453000        ; the same offset in the second 4 MiB

section .data
align 4
probe:      dd 0x5EED5EED

section .text
test_main:
    ; Markers, written with paging off.
    mov dword [OLD_MARK], 0x0DDB16
    mov dword [NEW_MARK], 0x0EEB16
    CHECK_EQ [NEW_MARK], 0x0EEB16, 1, "RAM present at 4 MiB (the test needs 8 MiB)"
    mov dword [TEST_PAGE(0)], 0xAAAAAAAA
    mov dword [TEST_PAGE(1)], 0xBBBBBBBB

    ; The code runs from identity 4 MiB pages as well.
    mov ecx, 2
    call paging_identity_pse
    mov dword [page_dir + 4 * PDX(L_BIG)], 0 + (PG_P | PG_RW | PG_PS)
    mov dword [page_dir + 4 * PDX(L_BIGG)], 0 + (PG_P | PG_RW | PG_PS | PG_G)
    mov dword [page_dir + 4 * PDX(L_G)], page_tab1 + (PG_P | PG_RW)
    mov dword [page_tab1 + 4 * PTX(L_G)], TEST_PAGE(0) + (PG_P | PG_RW | PG_G)
    mov dword [page_tab1 + 4 * PTX(L_N)], TEST_PAGE(0) + (PG_P | PG_RW)
    mov eax, cr4
    or eax, CR4_PSE | CR4_PGE
    mov cr4, eax
    call paging_on

    ; A 4 MiB page translates with 22 offset bits; its A and D bits live
    ; in the PDE (SDM Vol. 3A 4.3).
    CHECK_EQ [L_BIG + probe], 0x5EED5EED, 2, "read through a 4 MiB page"
    mov dword [L_BIG + probe], 0x0B0E0B0E
    CHECK_EQ [probe], 0x0B0E0B0E, 2, "write through a 4 MiB page reaches physical memory"
    CHECK_BITS [page_dir + 4 * PDX(L_BIG)], PG_A | PG_D, PG_A | PG_D, 2, "4 MiB PDE accessed and dirty"
    CHECK_EQ [NEW_MARK], 0x0EEB16, 2, "identity 4 MiB page at 4 MiB"
    CHECK_BITS [page_dir + 4 * PDX(NEW_MARK)], PG_A | PG_D, PG_A, 2, "read-only use leaves D clear"

    ; Fill the TLB with the old translations.
    CHECK_EQ [L_G], 0xAAAAAAAA, 3, "global 4 KiB page, first mapping"
    CHECK_EQ [L_N], 0xAAAAAAAA, 3, "non-global 4 KiB page, first mapping"
    CHECK_EQ [L_BIGG + OLD_MARK], 0x0DDB16, 3, "global 4 MiB page, first mapping"

    ; Change the entries in memory only, then reload CR3.
    mov dword [page_tab1 + 4 * PTX(L_G)], TEST_PAGE(1) + (PG_P | PG_RW | PG_G)
    mov dword [page_tab1 + 4 * PTX(L_N)], TEST_PAGE(1) + (PG_P | PG_RW)
    mov dword [page_dir + 4 * PDX(L_BIGG)], 0x400000 + (PG_P | PG_RW | PG_PS | PG_G)
    call flush_tlb
    CHECK_EQ [L_N], 0xBBBBBBBB, 4, "CR3 load: non-global page takes the new mapping"
%if TLB_KEEPS_GLOBAL
    CHECK_EQ [L_G], 0xAAAAAAAA, 5, "CR3 load: global 4 KiB page keeps the old (stale) mapping"
    CHECK_EQ [L_BIGG + OLD_MARK], 0x0DDB16, 5, "CR3 load: global 4 MiB page keeps the old (stale) mapping"
%else
    PRINTLN "check 5: skipped, this emulator drops global translations on CR3 loads"
%endif

    ; INVLPG drops a global translation.
    invlpg [L_G]
    CHECK_EQ [L_G], 0xBBBBBBBB, 6, "INVLPG: global 4 KiB page takes the new mapping"
    invlpg [L_BIGG + 0x123456]
    CHECK_EQ [L_BIGG + OLD_MARK], 0x0EEB16, 6, "INVLPG anywhere in a 4 MiB page drops it"

    ; Toggling CR4.PGE flushes global translations as well. INVLPG may drop
    ; more than its page (an implementation may flush everything for a 4 MiB
    ; page), so first reload the global page's translation.
    CHECK_EQ [L_G], 0xBBBBBBBB, 7, "global page translation reloaded"
    mov dword [page_tab1 + 4 * PTX(L_G)], TEST_PAGE(0) + (PG_P | PG_RW | PG_G)
    call flush_tlb
%if TLB_KEEPS_GLOBAL
    CHECK_EQ [L_G], 0xBBBBBBBB, 7, "CR3 load again: global page still stale"
%endif
    mov eax, cr4
    and eax, ~CR4_PGE
    mov cr4, eax
    or eax, CR4_PGE
    mov cr4, eax
    CHECK_EQ [L_G], 0xAAAAAAAA, 7, "CR4.PGE toggle: global page takes the new mapping"

    call paging_off
    mov eax, cr4
    and eax, ~(CR4_PSE | CR4_PGE)
    mov cr4, eax
    ret
