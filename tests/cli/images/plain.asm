; Not a Multiboot image: 8 KiB without the header magic.
    times 8192 db 0x90
